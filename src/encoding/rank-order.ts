/**
 * Rank-order coding: one spike per nonzero input, earlier for larger values; zero inputs stay silent.
 *
 * Mapping (linear in the value): with vMax the largest and vMin the smallest nonzero value,
 *   step_i = round((vMax - v_i) / (vMax - vMin) * (steps - 1)),
 * so the largest value spikes at step 0 and the smallest nonzero one at step steps - 1. Equal values spike in
 * the same step; when every nonzero value is equal they all spike at step 0. Deterministic (no rng).
 */
import {
  requireEncoderOptions,
  requireNonNegativeValues,
  resolveSteps,
  trainFromFirstSpikes,
} from "./common.ts";
import type { WindowOptions } from "./common.ts";
import type { SpikeTrain } from "./spike-train.ts";

export type RankOrderOptions = WindowOptions;

/** Encodes non-negative values by the order of their single spikes. Does not modify `values`. */
export function rankOrder(values: ArrayLike<number>, opts: RankOrderOptions): SpikeTrain {
  requireEncoderOptions("rankOrder", opts, [], false);
  const steps = resolveSteps(opts, "rankOrder");
  requireNonNegativeValues(values, "rankOrder");
  let vMax = 0;
  let vMin = Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > 0) {
      vMax = Math.max(vMax, v);
      vMin = Math.min(vMin, v);
    }
  }
  const span = vMax - vMin;
  const first = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v <= 0) first[i] = -1;
    else first[i] = span > 0 ? Math.round(((vMax - v) / span) * (steps - 1)) : 0;
  }
  return trainFromFirstSpikes(first, steps);
}
