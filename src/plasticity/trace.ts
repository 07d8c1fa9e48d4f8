/**
 * Spike traces, evaluated lazily.
 *
 *   dx/dt = -x / tau;  on a spike: x <- scale ("set") or x <- x + scale ("additive")
 *
 * The trace at step t includes a spike emitted at step t (the trace decays first, then the spike is added),
 * as in BindsNET. Instead of decaying every neuron every step, a trace stores each neuron's value right after
 * its last spike and the step of that spike; `value(i, t)` multiplies by decay^(t - last), read from a
 * precomputed table. Cost grows with spikes, not with neurons x steps, and the values are exact.
 */
import {
  InvalidParameterError,
  ShapeMismatchError,
  requireFloat32Factor,
  requirePositive,
  describeArgument,
} from "../core/errors.ts";
import { describeValue, withDefaults } from "../core/options.ts";
import { decayPerStep, warnIfShorterThanStep } from "../core/time.ts";
import type { SpikeSource } from "../network/types.ts";
import { requirePopulation } from "../network/types.ts";

export type TraceMode = "set" | "additive";

export interface TraceParams {
  /** Decay time constant. Default 20 ms (BindsNET, Diehl & Cook). */
  readonly tau_ms: number;
  /** "set" (x <- scale on a spike, default) or "additive" (x <- x + scale). */
  readonly mode: TraceMode;
  /** Value set or added per spike. Default 1. */
  readonly scale: number;
}

export const TRACE_DEFAULTS: Readonly<TraceParams> = Object.freeze({
  tau_ms: 20,
  mode: "set" as TraceMode,
  scale: 1,
});

/** decay^k below this is treated as 0 (far below float32 resolution of any weight update). */
const NEGLIGIBLE = 1e-30;
const MAX_TABLE = 1 << 16;

export class SpikeTrace {
  readonly params: Readonly<TraceParams>;
  readonly decay: number;
  /**
   * The three arrays `value` reads, for a learning rule's inner loop to read them in place (read only): the
   * trace of neuron i at step t is `valueAtLast[i] * table[t - lastStep[i]]` while t - lastStep[i] is an index
   * of `table`, and `value(i, t)` otherwise. A call per synapse that the compiler does not inline returns its
   * double boxed, a heap allocation per synapse and step; the inline read allocates nothing.
   */
  readonly table: Float64Array;
  /** The step of each neuron's last observed spike (see `table`). */
  readonly lastStep: Int32Array;
  /** Each neuron's trace right after its last observed spike (see `table`). */
  readonly valueAtLast: Float64Array;
  private lastObserved = -1;
  /** Neurons that spiked since the last reset (the only ones whose trace can be nonzero). */
  private readonly liveList: Int32Array;
  private readonly isLive: Uint8Array;
  private nLive = 0;

  constructor(
    /** A population, or a delayed projection's `arrivals` (the spikes as its synapses see them). */
    readonly population: SpikeSource,
    dt_ms: number,
    params: Partial<TraceParams> = {},
    /** Names the trace in warnings, e.g. "preTrace" for an STDP rule's. */
    label = "trace",
  ) {
    if (!isSpikeSource(population)) requirePopulation("SpikeTrace population", population);
    if (typeof dt_ms !== "number" || !(dt_ms > 0 && Number.isFinite(dt_ms))) {
      // without it the decay was NaN and the trace read 0 one step after a spike
      throw new InvalidParameterError(
        `SpikeTrace needs the network's time step dt_ms (a number > 0) as its second argument, got ` +
          `${describeValue(dt_ms)}; call new SpikeTrace(population, net.dt_ms, { tau_ms, mode, scale })`,
        { dt_ms },
      );
    }
    this.params = Object.freeze(withDefaults("SpikeTrace params", TRACE_DEFAULTS, params));
    requirePositive("trace tau_ms", this.params.tau_ms);
    // the trace scales weight updates into float32 weights: beyond float32 they would become Infinity
    requireFloat32Factor("trace scale", this.params.scale);
    if (this.params.mode !== "set" && this.params.mode !== "additive") {
      throw new InvalidParameterError(
        `trace mode must be "set" or "additive", got ${JSON.stringify(this.params.mode)}`,
      );
    }
    warnIfShorterThanStep(`${label} tau_ms`, this.params.tau_ms, dt_ms);
    this.decay = decayPerStep(this.params.tau_ms, dt_ms);
    let n = 1;
    while (n < MAX_TABLE && Math.pow(this.decay, n) > NEGLIGIBLE) n++;
    this.table = new Float64Array(n + 1);
    for (let k = 0; k <= n; k++) this.table[k] = Math.pow(this.decay, k);
    this.lastStep = new Int32Array(population.size);
    this.valueAtLast = new Float64Array(population.size);
    this.liveList = new Int32Array(population.size);
    this.isLive = new Uint8Array(population.size);
    this.reset();
  }

  /**
   * Adds the spikes the population emitted at `step` (an integer >= 0). Call once per step, after the
   * population stepped.
   */
  observe(step: number): void {
    if (step === this.lastObserved) return;
    if (!(step >= 0 && Number.isInteger(step))) {
      throw new InvalidParameterError(
        `SpikeTrace.observe: step must be an integer >= 0, got ${describeArgument(step)}`,
        {
          step,
        },
      );
    }
    this.lastObserved = step;
    const p = this.population;
    const idx = p.spikeIdx;
    const additive = this.params.mode === "additive";
    const scale = this.params.scale;
    const count = p.spikeCount;
    for (let k = 0; k < count; k++) {
      const i = idx[k];
      this.valueAtLast[i] = additive ? this.value(i, step) + scale : scale;
      this.lastStep[i] = step;
      if (this.isLive[i] === 0) {
        this.isLive[i] = 1;
        this.liveList[this.nLive++] = i;
      }
    }
  }

  /**
   * The trace of neuron i (an integer in [0, size)) at step `step` (an integer >= the step of its last observed
   * spike). Called per synapse by STDP: the common case costs a few comparisons; arguments are checked fully
   * only off it (an index out of range gives NaN for k and falls through to `valueOffTable`).
   */
  value(i: number, step: number): number {
    const k = step - this.lastStep[i];
    const t = this.table;
    if ((k | 0) === k && k >= 0 && k < t.length) return this.valueAtLast[i] * t[k];
    return this.valueOffTable(i, step, k);
  }

  /** `value` when k = step - lastStep[i] is not an index of the table: a long-decayed trace, or bad arguments. */
  private valueOffTable(i: number, step: number, k: number): number {
    const size = this.lastStep.length;
    if (!(Number.isInteger(i) && i >= 0 && i < size)) {
      throw new InvalidParameterError(
        `SpikeTrace.value: neuron ${describeArgument(i)} is not a neuron of the population: use an integer from 0 to ` +
          `${size - 1} (size ${size})`,
        { index: i, size },
      );
    }
    if (!(Number.isInteger(step) && step >= 0)) {
      throw new InvalidParameterError(
        `SpikeTrace.value: step must be an integer >= 0, got ${describeArgument(step)}`,
        {
          step,
        },
      );
    }
    if (k < 0) {
      throw new InvalidParameterError(
        `SpikeTrace.value: step ${step} is before neuron ${i}'s last observed spike at step ${this.lastStep[i]}; ` +
          `a trace is read at or after the steps it has observed (reset() to start again)`,
        { index: i, step, lastSpike: this.lastStep[i] },
      );
    }
    return this.table.length > MAX_TABLE ? this.valueAtLast[i] * Math.pow(this.decay, k) : 0;
  }

  /** Writes the traces of every neuron at `step` into `out`, one per neuron (for monitors and plots; O(size)). */
  fill(step: number, out: Float32Array): void {
    if (out?.length !== this.lastStep.length) {
      throw new ShapeMismatchError(
        `SpikeTrace.fill: out must have one entry per neuron (${this.lastStep.length}), got ${describeValue(out)}` +
          (typeof out?.length === "number" ? ` of length ${out.length}` : ""),
        { expected: this.lastStep.length },
      );
    }
    for (let i = 0; i < out.length; i++) out[i] = this.value(i, step);
  }

  /** Neurons that may have a nonzero trace: `live[0 .. liveCount)` (spiked since the last reset). */
  get live(): Int32Array {
    return this.liveList;
  }

  get liveCount(): number {
    return this.nLive;
  }

  reset(): void {
    for (let k = 0; k < this.nLive; k++) this.isLive[this.liveList[k]] = 0;
    this.nLive = 0;
    // A last spike far in the past: every trace starts at 0.
    this.lastStep.fill(-0x40000000);
    this.valueAtLast.fill(0);
    this.lastObserved = -1;
  }
}

/** Whether `x` has the members a trace reads: `size`, `spikeIdx` (an Int32Array) and `spikeCount`. */
function isSpikeSource(x: unknown): x is SpikeSource {
  const o = x as Partial<SpikeSource> | null;
  return (
    typeof o === "object" &&
    o !== null &&
    typeof o.size === "number" &&
    o.spikeIdx instanceof Int32Array &&
    typeof o.spikeCount === "number"
  );
}
