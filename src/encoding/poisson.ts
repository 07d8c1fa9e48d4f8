/**
 * Poisson rate coding: each input i fires at rate r_i (Hz) as a per-step Bernoulli process,
 *   P(spike of i at step t) = p_i = r_i * dt_ms / 1000, independently for every step (step 0 included).
 * Over T steps the count of input i is Binomial(T, p_i): mean exactly r_i * T * dt, standard deviation
 * sqrt(T p_i (1 - p_i)); for small p_i this is the Poisson process of rate r_i (Brian2's PoissonGroup
 * uses the same rule; cases C11, C12).
 *
 * At most one spike fits in a step, so p_i > 1 (r_i > 1000 / dt_ms Hz) is an error, never clipped: use a
 * smaller dt or split the input into several inputs of lower rate. Note that BindsNET's `poisson` draws
 * inter-spike intervals instead and under-counts at high rates (about 732 instead of 1000 spikes per second
 * at 1000 Hz and dt 1 ms, case C11); this encoder does not reproduce that.
 *
 * Cost: O(inputs + spikes), by geometric skipping (common.ts).
 */
import { EncodingRangeError, requirePositive } from "../core/errors.ts";
import type { Rng } from "../core/rng.ts";
import {
  requireEncoderOptions,
  requireNonNegativeValues,
  resolveSteps,
  trainFromProbabilities,
} from "./common.ts";
import type { WindowOptions } from "./common.ts";
import type { SpikeTrain } from "./spike-train.ts";

export interface PoissonOptions extends WindowOptions {
  /** Step length in ms. */
  readonly dt_ms: number;
  /** Generator; give each example its own stream, e.g. createRng(seed, "poisson", exampleIndex). */
  readonly rng: Rng;
}

/** Spike probabilities within this distance above 1 (float rounding of r * dt) are taken as exactly 1. */
const P_ROUNDING = 1e-12;

/** Encodes rates in Hz as independent per-step Bernoulli spike trains. Does not modify `rates_Hz`. */
export function poisson(rates_Hz: ArrayLike<number>, opts: PoissonOptions): SpikeTrain {
  requireEncoderOptions("poisson", opts, ["rng"], true);
  const dt_ms = requirePositive("dt_ms", opts.dt_ms);
  const steps = resolveSteps(opts, "poisson");
  requireNonNegativeValues(rates_Hz, "poisson", "rates_Hz", " Hz");
  const p = new Float64Array(rates_Hz.length);
  for (let i = 0; i < p.length; i++) {
    const r = rates_Hz[i];
    const pi = (r * dt_ms) / 1000;
    if (pi > 1 + P_ROUNDING) {
      const parts = Math.ceil(pi);
      // the largest dt with 6 significant digits that keeps p <= 1 (rounded down, never up)
      const dtMax = 1000 / r;
      const unit = 10 ** (Math.floor(Math.log10(dtMax)) - 5);
      const dtSuggested = +(Math.floor(dtMax / unit + 1e-9) * unit).toPrecision(6);
      throw new EncodingRangeError(
        `poisson: input ${i} has rate ${r} Hz, which at dt = ${dt_ms} ms is a spike probability of ` +
          `${+pi.toPrecision(6)} per step (r * dt > 1), but at most one spike fits in a step. ` +
          `Use dt_ms <= ${dtSuggested}, or split the input into ${parts} inputs of ${+(r / parts).toPrecision(6)} Hz`,
        { index: i, rate_Hz: r, dt_ms, p: pi, maxRate_Hz: 1000 / dt_ms },
      );
    }
    p[i] = Math.min(pi, 1);
  }
  return trainFromProbabilities(p, steps, opts.rng, dt_ms);
}
