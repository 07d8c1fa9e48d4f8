/**
 * One-to-one projection: pre neuron i drives post neuron i only. Source and target sizes must match.
 *
 * Layout: one weight per neuron, w[i] is the weight i -> i (a scalar `weights` gives every neuron the same).
 * Cost per step: one addition per spike.
 */
import { ShapeMismatchError } from "../core/errors.ts";
import type { Population } from "../network/types.ts";
import { requirePopulation } from "../network/types.ts";
import { WeightedProjection, makeWeights, requireWeightOptionKeys } from "./common.ts";
import type { WeightOptions } from "./common.ts";

export type OneToOneOptions = WeightOptions;

export class OneToOne extends WeightedProjection {
  readonly kind = "one-to-one";
  readonly maxFanIn = 1;
  readonly maxFanOut = 1;

  constructor(source: Population, target: Population, opts: OneToOneOptions) {
    requirePopulation("OneToOne source", source);
    requirePopulation("OneToOne target", target);
    requireWeightOptionKeys("OneToOne", opts);
    if (source.size !== target.size) {
      throw new ShapeMismatchError(
        `OneToOne needs source and target of the same size, got ${source.size} and ${target.size}; ` +
          `use Dense or Sparse for other shapes`,
        { source: source.size, target: target.size },
      );
    }
    super(
      source,
      target,
      makeWeights(source.size, opts, "OneToOne", `[neuron] = ${source.size}`),
      opts,
      "OneToOne",
    );
  }

  protected deliverSpikes(idx: Int32Array, count: number): void {
    const out = this.target.port(this.port);
    const w = this.w;
    for (let k = 0; k < count; k++) {
      const i = idx[k];
      out[i] += w[i];
    }
  }

  incoming(j: number, pre: Int32Array, widx: Int32Array): number {
    pre[0] = j;
    widx[0] = j;
    return 1;
  }

  synapseIndex(i: number, j: number): number {
    return i === j ? i : -1;
  }

  outgoing(i: number, post: Int32Array, widx: Int32Array): number {
    post[0] = i;
    widx[0] = i;
    return 1;
  }
}
