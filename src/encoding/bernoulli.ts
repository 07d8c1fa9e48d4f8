/**
 * Bernoulli coding of intensities: the values are normalised by their maximum (as BindsNET's `bernoulli`),
 * and input i spikes at each step independently with probability
 *   p_i = value_i / max(values) * maxProb.
 * The largest input spikes with probability maxProb per step; all-zero values give a silent train.
 * Unlike `poisson`, the probability does not depend on dt: it is a per-step probability by definition.
 *
 * Cost: O(inputs + spikes), by geometric skipping (common.ts).
 */
import { EncodingRangeError, requireFinite } from "../core/errors.ts";
import type { Rng } from "../core/rng.ts";
import {
  requireEncoderOptions,
  requireNonNegativeValues,
  resolveSteps,
  trainFromProbabilities,
} from "./common.ts";
import type { WindowOptions } from "./common.ts";
import type { SpikeTrain } from "./spike-train.ts";

export interface BernoulliOptions extends WindowOptions {
  /** Spike probability per step of the largest input, in [0, 1]. Default 1 (BindsNET's max_prob). */
  readonly maxProb?: number;
  /** Generator; give each example its own stream. */
  readonly rng: Rng;
}

/** Encodes non-negative intensities as per-step Bernoulli trains. Does not modify `values`. */
export function bernoulli(values: ArrayLike<number>, opts: BernoulliOptions): SpikeTrain {
  requireEncoderOptions("bernoulli", opts, ["maxProb", "rng"], true);
  const steps = resolveSteps(opts, "bernoulli");
  const maxProb = requireFinite("maxProb", opts.maxProb ?? 1);
  if (maxProb < 0 || maxProb > 1) {
    throw new EncodingRangeError(
      `bernoulli: maxProb is a per-step probability and must be in [0, 1], got ${maxProb}`,
      {
        maxProb,
      },
    );
  }
  requireNonNegativeValues(values, "bernoulli");
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i]);
  const p = new Float64Array(values.length);
  if (max > 0) for (let i = 0; i < p.length; i++) p[i] = (values[i] / max) * maxProb;
  return trainFromProbabilities(p, steps, opts.rng);
}
