/**
 * Runs an imported NIR network on input recorded per step and collects what its Output nodes read (pure).
 *
 * Input: for each NIR Input node, one row of values per step ([T, ...shape] flattened row-major).
 *   "spikes": a nonzero value makes that input neuron spike in that step;
 *   "current": the value is a real-valued input x, applied through every projection leaving the Input
 *     (x_i times each synapse weight, into the target's port); it reaches the targets one step after its
 *     row, plus the projection's (or the synapse's) conduction delay, exactly like a spike, so both kinds
 *     have the same latency;
 *   "auto" (default): "spikes" when every value is 0 or 1, else "current".
 * Output: per Output node, spikes (uint8 [T, n]) for a spiking population, the state v (float32 [T, n]) for LI
 * and I. Row t is what the population did at step t; the graph's latency (NirImport.latency_steps) says how
 * many steps after its input an answer appears.
 */
import { InvalidParameterError, ShapeMismatchError, requireInteger } from "../../core/errors.ts";
import { requireKnownKeys } from "../../core/options.ts";
import type { Drive, Population, Projection } from "../../network/types.ts";
import { isSpikeSink } from "../../network/types.ts";
import type { NirImport } from "./import.ts";

export type NirInputKind = "spikes" | "current" | "auto";

export interface NirRunInput {
  /** Values per step, row-major: steps x input size. */
  readonly data: ArrayLike<number>;
  /** Number of rows (steps) in `data`. */
  readonly steps: number;
  readonly kind?: NirInputKind | undefined;
}

export interface NirRunOutput {
  readonly population: string;
  /** "spikes" (uint8 0/1) or "v_mV" (the state of a non-spiking population). */
  readonly quantity: "spikes" | "v_mV";
  /** [steps, size]. */
  readonly shape: readonly [number, number];
  readonly data: Uint8Array | Float32Array;
}

export interface NirRunResult {
  readonly steps: number;
  readonly outputs: Readonly<Record<string, NirRunOutput>>;
  /** The input kind used per Input node. */
  readonly inputKinds: Readonly<Record<string, "spikes" | "current">>;
}

class SpikeRows implements Drive {
  constructor(
    private readonly data: ArrayLike<number>,
    private readonly rows: number,
    private readonly width: number,
  ) {}
  apply(step: number, target: Population): void {
    if (step >= this.rows || !isSpikeSink(target)) return;
    const base = step * this.width;
    for (let i = 0; i < this.width; i++) if (this.data[base + i] !== 0) target.emit(i);
  }
}

/**
 * Applies row s - 1 - delay at step s through the projections leaving the input, the delay being each
 * projection's or synapse's conduction delay in steps (see the file comment).
 */
class CurrentRows implements Drive {
  private readonly post: Int32Array;
  private readonly widx: Int32Array;
  constructor(
    private readonly data: ArrayLike<number>,
    private readonly rows: number,
    private readonly width: number,
    private readonly projections: readonly Projection[],
  ) {
    const fan = Math.max(1, ...projections.map((p) => p.view?.maxFanOut ?? 0));
    this.post = new Int32Array(fan);
    this.widx = new Int32Array(fan);
  }
  apply(step: number): void {
    for (const p of this.projections) {
      const view = p.view!;
      const out = p.target.port(p.port);
      // a row reaches the targets 1 + delay steps later, like a spike: the projection's one delay, or each
      // synapse's own (weight indices number the per-synapse delays)
      const per = p.synapseDelaySteps;
      const first = step - 1 - ((p as { delaySteps?: number }).delaySteps ?? 0);
      for (let i = 0; i < this.width; i++) {
        if (
          per === undefined &&
          !(first >= 0 && first < this.rows && this.data[first * this.width + i] !== 0)
        )
          continue;
        const n = view.outgoing(i, this.post, this.widx);
        for (let k = 0; k < n; k++) {
          const row = per === undefined ? first : first - per[this.widx[k]];
          if (row < 0 || row >= this.rows) continue;
          const x = this.data[row * this.width + i];
          if (x !== 0) out[this.post[k]] += x * view.w[this.widx[k]];
        }
      }
    }
  }
}

/**
 * The population of NIR Input node `name`; an InvalidParameterError naming the graph's Input nodes when it has
 * no Input node of that name (another node's population, a LIF layer, is not an input).
 */
export function inputPopulation(imp: NirImport, name: string): string {
  const pop = Object.hasOwn(imp.inputs, name) ? imp.inputs[name] : undefined;
  if (pop === undefined) {
    throw new InvalidParameterError(
      `no NIR Input node "${name}"; the graph's inputs are: ${Object.keys(imp.inputs).join(", ") || "none"}`,
    );
  }
  return pop;
}

/**
 * Runs `steps` steps from the network's reset state; by default as many as the inputs have rows, which must
 * then be equal. An input has no effect in the steps past its last row. Values must be finite.
 */
export function runNir(
  imp: NirImport,
  inputs: Readonly<Record<string, NirRunInput>>,
  opts: { readonly steps?: number } = {},
): NirRunResult {
  requireKnownKeys("runNir options", opts, ["steps"]);
  for (const [name, input] of Object.entries(inputs)) {
    requireKnownKeys(`runNir input "${name}"`, input, ["data", "steps", "kind"]);
  }
  const net = imp.network;
  for (const name of Object.keys(inputs)) inputPopulation(imp, name);
  const rows = Object.entries(inputs).map(
    ([name, x]) => [name, requireInteger(`input "${name}" steps`, x.steps, 0)] as const,
  );
  const steps = opts.steps ?? Math.max(0, ...rows.map(([, n]) => n));
  requireInteger("steps", steps, 0);
  // without `steps`, inputs of different lengths are refused: the shorter ones would fall silent unasked. An
  // explicit `steps` past an input's rows is a request: those steps have no input from it (the last rows'
  // effect reaches the outputs after the graph's latency)
  if (opts.steps === undefined) {
    for (const [name, n] of rows) {
      if (n === steps) continue;
      throw new ShapeMismatchError(
        `input "${name}" has ${n} rows (steps) but another input has ${steps}; give inputs of equal length, or ` +
          `{ steps } to run that many steps, each input silent past its last row`,
        { input: name, rows: n, steps },
      );
    }
  }
  net.reset();
  const drives: Record<string, Drive> = {};
  const inputKinds: Record<string, "spikes" | "current"> = {};
  for (const [name, input] of Object.entries(inputs)) {
    const popName = imp.inputs[name];
    const pop = net.population(popName);
    if (input.data.length !== input.steps * pop.size) {
      throw new ShapeMismatchError(
        `input "${name}" has ${input.data.length} values, but ${input.steps} steps of ${pop.size} inputs need ` +
          `${input.steps * pop.size}`,
        { values: input.data.length, steps: input.steps, size: pop.size },
      );
    }
    let binary = true;
    for (let k = 0; k < input.data.length; k++) {
      const v = input.data[k];
      if (!Number.isFinite(v)) {
        throw new InvalidParameterError(
          `input "${name}" value ${k} (row ${Math.floor(k / pop.size)}, input ${k % pop.size}) is ${v}, not a ` +
            `finite number; give finite spikes (0 / 1) or currents`,
          { input: name, index: k, value: v },
        );
      }
      if (v !== 0 && v !== 1) binary = false;
    }
    let kind = input.kind ?? "auto";
    if (kind === "auto") kind = binary ? "spikes" : "current";
    if (kind !== "spikes" && kind !== "current") {
      throw new InvalidParameterError(
        `input kind must be "spikes", "current" or "auto", got ${JSON.stringify(kind)}`,
      );
    }
    inputKinds[name] = kind;
    if (kind === "spikes") {
      drives[popName] = new SpikeRows(input.data, input.steps, pop.size);
    } else {
      const leaving = net.projectionNames
        .map((n) => net.projection(n))
        .filter((p) => p.source === pop && p.target !== pop);
      for (const p of leaving) {
        if (p.view === undefined) {
          throw new InvalidParameterError(
            `projection ${p.kind} out of input "${name}" cannot carry a current`,
          );
        }
      }
      drives[popName] = new CurrentRows(input.data, input.steps, pop.size, leaving);
    }
  }

  const outputs: Record<string, NirRunOutput> = {};
  const recorders: (() => void)[] = [];
  let t = 0;
  for (const [out, popName] of Object.entries(imp.outputs)) {
    const pop = net.population(popName);
    const spiking = !["li", "integrator"].includes(pop.model);
    const data = spiking ? new Uint8Array(steps * pop.size) : new Float32Array(steps * pop.size);
    outputs[out] = {
      population: popName,
      quantity: spiking ? "spikes" : "v_mV",
      shape: [steps, pop.size],
      data,
    };
    const v = spiking ? null : pop.state("v_mV");
    recorders.push(() => {
      if (v !== null) data.set(v, t * pop.size);
      else for (let k = 0; k < pop.spikeCount; k++) data[t * pop.size + pop.spikeIdx[k]] = 1;
    });
  }
  // Network has no way to remove a monitor: this one stops recording once the run is over
  let active = true;
  net.addMonitor({
    record(): void {
      if (!active) return;
      for (const r of recorders) r();
      t++;
    },
    reset(): void {},
  });
  try {
    net.run(drives, steps);
  } finally {
    active = false;
  }
  return { steps, outputs, inputKinds };
}
