/**
 * Latency (time-to-first-spike) coding: one spike per input, earlier for stronger inputs.
 *
 * Model: input v is a constant current charging an RC membrane from 0 with time constant tau, u(t) =
 * v (1 - e^(-t/tau)); the input spikes when u reaches `threshold`:
 *   t_i = tau * ln(v_i / (v_i - threshold))     for v_i > threshold; never for v_i <= threshold.
 * (The same RC-charging model underlies snnTorch's latency coding.) The spike falls in the step containing
 * t_i, step_i = floor(t_i / dt_ms); spikes later than the window are dropped. Values are not normalised:
 * `threshold` is in the values' own unit (e.g. intensities scaled to [0, 1]).
 *
 * Default tau: steps * dt_ms / 5, so the window spans 5 time constants and every value above
 * threshold / (1 - e^-5), about 1.007 * threshold, spikes inside it. Deterministic (no rng).
 */
import { requirePositive } from "../core/errors.ts";
import { warnIfShorterThanStep } from "../core/time.ts";
import {
  requireEncoderOptions,
  requireNonNegativeValues,
  resolveSteps,
  trainFromFirstSpikes,
} from "./common.ts";
import type { WindowOptions } from "./common.ts";
import type { SpikeTrain } from "./spike-train.ts";

export interface LatencyOptions extends WindowOptions {
  /** Step length in ms. */
  readonly dt_ms: number;
  /** Charging time constant. Default: steps * dt_ms / 5 (see above). */
  readonly tau_ms?: number;
  /** Level the charging membrane must reach, in the values' unit. Default 0.01. */
  readonly threshold?: number;
}

export const LATENCY_DEFAULTS = Object.freeze({
  /** Threshold in the values' unit; with values in [0, 1], inputs below 1 % never spike. */
  threshold: 0.01,
  /** The window spans this many time constants when tau_ms is not given. */
  windowInTau: 5,
});

/** Floor with a little slack, so t / dt that is an integer up to float rounding lands on that integer. */
const FLOOR_SLACK = 1e-9;

/** Encodes non-negative values by the latency of their single spikes. Does not modify `values`. */
export function latency(values: ArrayLike<number>, opts: LatencyOptions): SpikeTrain {
  requireEncoderOptions("latency", opts, ["tau_ms", "threshold"], false);
  const dt_ms = requirePositive("dt_ms", opts.dt_ms);
  const steps = resolveSteps(opts, "latency");
  const tau_ms = requirePositive("tau_ms", opts.tau_ms ?? (steps * dt_ms) / LATENCY_DEFAULTS.windowInTau);
  // a given tau shorter than a step puts every spike in step 0 (the default follows the window)
  if (opts.tau_ms !== undefined) warnIfShorterThanStep("latency tau_ms", tau_ms, dt_ms);
  const threshold = requirePositive("threshold", opts.threshold ?? LATENCY_DEFAULTS.threshold);
  requireNonNegativeValues(values, "latency");
  const first = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    first[i] = -1;
    if (v <= threshold) continue;
    const t_ms = -tau_ms * Math.log1p(-threshold / v);
    const step = Math.floor(t_ms / dt_ms + FLOOR_SLACK);
    if (step < steps) first[i] = step;
  }
  return trainFromFirstSpikes(first, steps, dt_ms);
}
