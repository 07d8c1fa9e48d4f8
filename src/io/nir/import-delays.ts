/**
 * NIR Delay nodes on a path between two neurons -> the conduction delays of the projection it becomes
 * (pure). docs/nir.md, "Delays".
 *
 * A Delay node computes y(t) = x(t - delay) per element, with `delay` in seconds (one entry per element, or
 * one for all). The engine already delivers every projection's spikes one step late, which the importer
 * counts as the graph's own step (outputs of step t are inputs of step t + 1); a Delay adds its delay on top
 * of that, which is exactly what a projection's `delay_ms` means (docs/projections.md, "Conduction delays").
 * So a Delay of tau seconds becomes tau / dt steps of conduction delay, and tau must be a whole number of
 * steps of dt: any other value is refused with the value, dt and the nearest whole count, never rounded; and
 * at most MAX_DELAY_STEPS steps, as every delay in the engine.
 *
 * Where the Delay sits decides which synapses it delays. The nodes that keep element i as element i (Delay,
 * Scale, Flatten, a subgraph's Input/Output) do not move it; a weight node (Affine, Linear, Conv2d, pooling)
 * mixes elements. A Delay before the first weight node delays each source neuron's spikes (pre side: synapse
 * (i, j) gets delay[i]); one after the last weight node delays what each target neuron receives (post side:
 * delay[j]); a path with no weight node joins neuron i to neuron i, and its delays are pre side. Delays add
 * up along the path, so synapse (i, j) gets uniform + pre[i] + post[j] steps. A per-element Delay between two
 * weight nodes delays an intermediate vector that no synapse corresponds to, and is refused; a Delay whose
 * entries are all equal is the same for every synapse wherever it sits.
 */
import { UnsupportedError } from "../../core/errors.ts";
import { timesDecimal } from "../../core/decimal.ts";
import { countText, isWholeCount } from "../../core/time.ts";
import { MAX_DELAY_STEPS } from "../../projections/delay.ts";
import type { FlatGraph } from "./flatten.ts";

/** The delays, in steps, that a path's Delay nodes give its synapses: uniform + pre[i] + post[j]. */
export interface ChainDelays {
  /** Steps added to every synapse. */
  readonly uniform: number;
  /** Steps per source neuron, or null when no per-element Delay sits on the source side. */
  readonly pre: Int32Array | null;
  /** Steps per target neuron, or null when no per-element Delay sits on the target side. */
  readonly post: Int32Array | null;
}

/** The stateless node types that mix elements (a synapse joins element i to other elements). */
const MIXING = new Set(["Affine", "Linear", "Conv2d", "SumPool2d", "AvgPool2d"]);

/** Whether a path's delays differ between synapses (then its projection is a Sparse with per-synapse delays). */
export const perElement = (d: ChainDelays): boolean => d.pre !== null || d.post !== null;

/**
 * A delay in seconds as whole steps of dt_s, or an UnsupportedError that names the node and entry, gives the
 * value, dt and the nearest whole count.
 */
function stepsOf(file: string, node: string, index: number | null, delay_s: number, dt_s: number): number {
  const exact = delay_s / dt_s;
  const steps = Math.round(exact);
  const entry = index === null ? "delay" : `delay[${index}]`;
  if (isWholeCount(exact)) {
    if (steps <= MAX_DELAY_STEPS) return steps;
    // refused here in the file's terms (seconds), not by the projection, whose message speaks of ms
    throw new UnsupportedError(
      `${file}: node ${JSON.stringify(node)} (Delay): ${entry} = ${delay_s} s is ${steps} steps of dt = ` +
        `${dt_s} s; spikeflow's delays are at most ${MAX_DELAY_STEPS} steps ` +
        `(${timesDecimal(MAX_DELAY_STEPS, dt_s)} s at this dt), since every step keeps a slot for the ` +
        "spikes in flight",
      { file, node, index, delay_s, dt_s, steps },
    );
  }
  throw new UnsupportedError(
    `${file}: node ${JSON.stringify(node)} (Delay): ${entry} = ${delay_s} s is not a whole number of steps of ` +
      `dt = ${dt_s} s (${countText(exact)} steps); the nearest whole count is ${steps} step` +
      `${steps === 1 ? "" : "s"} (${+(steps * dt_s).toPrecision(12)} s). spikeflow delays spikes by whole ` +
      `steps and does not round a delay: import with a dt that divides it, or change the delay in the file`,
    { file, node, index, delay_s, dt_s, steps: exact },
  );
}

/**
 * The delays of the path `path` (flat node paths, in order, between a source of `sourceSize` neurons and a
 * target of `targetSize`), in steps of `dt_s`. Every Delay's tensor has the size of the vector it delays
 * (shape inference checked every edge), or one entry.
 */
export function chainDelays(
  file: string,
  flat: FlatGraph,
  path: readonly string[],
  dt_s: number,
  sourceSize: number,
  targetSize: number,
): ChainDelays {
  const mixing = path.map((p) => !flat.nodes.get(p)!.passThrough && MIXING.has(flat.nodes.get(p)!.node.type));
  const first = mixing.indexOf(true);
  const last = mixing.lastIndexOf(true);
  let uniform = 0;
  let pre: Int32Array | null = null;
  let post: Int32Array | null = null;
  path.forEach((p, k) => {
    const n = flat.nodes.get(p)!.node;
    if (n.type !== "Delay") return;
    const data = n.delay.data;
    const steps = Int32Array.from(data, (v, i) => stepsOf(file, p, data.length === 1 ? null : i, v, dt_s));
    if (steps.every((s) => s === steps[0])) {
      uniform += steps[0];
      return;
    }
    if (first < 0 || k < first) {
      pre ??= new Int32Array(sourceSize);
      for (let i = 0; i < sourceSize; i++) pre[i] += steps[i];
    } else if (k > last) {
      post ??= new Int32Array(targetSize);
      for (let j = 0; j < targetSize; j++) post[j] += steps[j];
    } else {
      throw new UnsupportedError(
        `${file}: Delay node ${JSON.stringify(p)} gives its elements different delays, but it sits between ` +
          `the weight nodes ${JSON.stringify(path[first])} and ${JSON.stringify(path[last])}, where an element ` +
          "is neither a source nor a target neuron; spikeflow's delays belong to synapses, so a per-element " +
          "Delay must come before the first weight node (one delay per source neuron) or after the last one " +
          "(one per target neuron)",
        { file, node: p },
      );
    }
  });
  return { uniform, pre, post };
}
