/**
 * Time is integer steps. A duration in milliseconds is converted once, by rounding, and rejected when it is
 * not a whole number of steps up to floating-point error (`isWholeCount`). Never accumulate `t += dt`.
 *
 * Why rounding: 150 ms / 0.1 ms is 1499.9999999999998 in float64; truncation would give 1499 steps.
 */
import { TimeStepError, requireFinite, requirePositive } from "./errors.ts";
import { log } from "./log.ts";

/**
 * Slack of every whole-step check, relative to the quotient: 16 x 2^-52 (about 3.6e-15), with 16 x 2^-52
 * steps as the floor below one step.
 *
 * Why this size: a duration and a step written in decimal (0.3, 0.1) are each off by at most 2^-53 of
 * themselves in float64, and the division rounds once more, so a quotient that is k in decimal comes out
 * within about 3 x 2^-53 x k of k (0.3 / 0.1 is 2.9999999999999996, 0.7 / 0.1 is 6.999999999999999). A
 * duration computed by a few operations first (k * dt, 1000 * 0.1 / 0.1, 0.1 + 0.2, seconds x 1000) adds
 * one such rounding each; 16 x 2^-52 is 32 of them, so every such case passes with room to spare. The floor
 * absorbs the residue of a difference, such as 0.1 * 3 - 0.3 (5.6e-17 ms), as 0 steps.
 *
 * Why not more: the slack must only absorb rounding, never a fraction someone wrote. A relative 1e-6 let any
 * fraction through from 500,000 steps on (600000.5 ms at dt = 1 ms became 600001 steps). Here the slack
 * stays below 1e-5 steps up to 2^31 steps, far below any fraction written in decimal at that size. A sum
 * of many steps (`t += dt`) drifts by one rounding per term and may be refused: compute k * dt instead.
 */
const STEP_SLACK = 16 * Number.EPSILON;

/**
 * Whether `quotient` (a duration divided by a step, or any count computed by a division) is a whole
 * number up to floating-point error (STEP_SLACK above). `Math.round(quotient)` is then that number.
 */
export function isWholeCount(quotient: number): boolean {
  return Math.abs(quotient - Math.round(quotient)) <= STEP_SLACK * Math.max(1, Math.abs(quotient));
}

/**
 * A quotient for a message: 8 significant digits, or as many more as it takes for a fraction not to look
 * whole (1000000.0004 steps is not "1000000").
 */
export function countText(quotient: number): string {
  let digits = 8;
  while (digits < 17 && !Number.isInteger(quotient) && Number.isInteger(+quotient.toPrecision(digits)))
    digits++;
  return String(+quotient.toPrecision(digits));
}

/** Number of steps in `duration_ms` at step `dt_ms`. Throws `TimeStepError` unless it is a whole number. */
export function msToSteps(duration_ms: number, dt_ms: number, what = "duration"): number {
  requireFinite(what, duration_ms);
  requirePositive("dt_ms", dt_ms);
  if (duration_ms < 0) {
    throw new TimeStepError(`${what} must be >= 0 ms, got ${duration_ms} ms`, { duration_ms, dt_ms });
  }
  const exact = duration_ms / dt_ms;
  const steps = Math.round(exact);
  if (!isWholeCount(exact)) {
    // the nearest positive multiples of dt (a duration of 0 steps is no suggestion for one that was not 0)
    const near = [Math.floor(exact), Math.ceil(exact)]
      .filter((k) => k > 0)
      .map((k) => +(k * dt_ms).toPrecision(12));
    // far below one step, and a whole number of steps when read as seconds: Brian2's units (0.005 for 5 ms)
    const asMs = (duration_ms * 1000) / dt_ms;
    const seconds = duration_ms < dt_ms / 10 && isWholeCount(asMs);
    throw new TimeStepError(
      `${what} of ${duration_ms} ms is not a whole number of steps of dt = ${dt_ms} ms ` +
        `(${countText(exact)} steps${steps > 0 ? `; the nearest whole count is ${steps}` : ""}); use a ` +
        `multiple of dt such as ` +
        `${near.join(" or ")} ms` +
        (seconds ? ` ${secondsHint(duration_ms)}` : ""),
      { what, duration_ms, dt_ms, steps: exact },
    );
  }
  return steps;
}

/** Time in ms of step index `step` (the start of that step). */
export function stepsToMs(step: number, dt_ms: number): number {
  return step * dt_ms;
}

/**
 * Whether two time steps are the same, up to a relative 1e-9: 0.1 and 0.1 * 3 / 3 (0.10000000000000002)
 * are, 0.1 and 0.2 are not. Used wherever a population, rule or drive built for one dt meets a network.
 * A different question from `isWholeCount`: nothing is rounded to a count here, and two steps that differ by
 * a billionth give decay factors and rates that differ by a billionth, so the looser slack hides no error.
 */
export function sameStep(a_ms: number, b_ms: number): boolean {
  return Math.abs(a_ms - b_ms) <= 1e-9 * Math.max(Math.abs(a_ms), Math.abs(b_ms));
}

/** `tau` read as seconds, in ms (0.02 -> 20), as the unit-slip hints write it. */
function secondsAsMs(tau: number): number {
  return +(tau * 1000).toPrecision(12);
}

/** The hint an error about a too-short time constant ends with: the value it would be if it were in seconds. */
export function secondsHint(tau_ms: number): string {
  return `(times are in ms: if ${tau_ms} is in seconds, as Brian2 stores them, write ${secondsAsMs(tau_ms)})`;
}

/** Id of the warning for a time constant shorter than the step (`muteWarning` takes it). */
export const SHORT_TIME_CONSTANT = "time-constant-below-dt";

/**
 * Warns (once per message) when a time constant is shorter than the step. The state then keeps less than
 * e^-1 of itself per step, which is almost always a unit slip: a time in seconds, as Brian2 stores it (20 ms
 * is 0.02), where spikeflow takes ms. Not an error: the exact decay stays correct for any tau > 0, and a
 * model can mean it. `what` names the parameter.
 */
export function warnIfShorterThanStep(what: string, tau_ms: number, dt_ms: number): void {
  if (!(tau_ms < dt_ms)) return;
  log.warn(
    SHORT_TIME_CONSTANT,
    `${what} = ${tau_ms} ms is shorter than the step dt = ${dt_ms} ms, so the state keeps ` +
      `e^-${+(dt_ms / tau_ms).toPrecision(3)} of itself per step. Times are in ms here: if ${tau_ms} is in ` +
      `seconds (Brian2's units), write ${secondsAsMs(tau_ms)}; if it is meant, ` +
      `muteWarning("${SHORT_TIME_CONSTANT}") silences this`,
    { once: true },
  );
}

/** Id of the warning for a time step of 1 us or less (`muteWarning` takes it). */
export const TINY_STEP = "dt-tiny";

/**
 * Warns (once per message) when a network's step is 1 us or less: almost always a step in seconds, as Brian2
 * writes `defaultclock.dt = 0.1*ms` (0.0001 s), where spikeflow takes ms. No time constant is shorter than
 * such a step, so the short-time-constant warning never fires, and the run takes 1000 times the steps.
 */
export function warnIfTinyStep(dt_ms: number): void {
  if (!(dt_ms <= 0.001)) return;
  log.warn(
    TINY_STEP,
    `dt_ms = ${dt_ms} ms is a step of ${+(dt_ms * 1000).toPrecision(6)} us. Times are in ms here: if ${dt_ms} ` +
      `is in seconds (Brian2's units), write dt_ms: ${secondsAsMs(dt_ms)}; if it is meant, ` +
      `muteWarning("${TINY_STEP}") silences this`,
    { once: true },
  );
}

/**
 * Per-step decay factor exp(-dt/tau) of a first-order linear system with time constant `tau_ms`.
 * `tau_ms = Infinity` gives 1 (no decay).
 */
export function decayPerStep(tau_ms: number, dt_ms: number): number {
  if (tau_ms === Infinity) return 1;
  requirePositive("tau_ms", tau_ms);
  return Math.exp(-dt_ms / tau_ms);
}
