/**
 * Per-step factors of a first-order linear system with its input held constant over the step:
 *
 *   tau dx/dt = -x + u          one step:  x <- decay x + gain u
 *
 *   "exact" (zero-order hold, the exact solution for u constant over the step):
 *       decay = e^(-dt/tau),  gain = 1 - e^(-dt/tau)
 *   "euler" (forward Euler, the update snnTorch and the NIR paper's reference implementations use):
 *       decay = 1 - dt/tau,   gain = dt/tau        (needs dt <= tau; dt = tau makes x memoryless)
 *
 * Sources: the exact solution is the one of neuromorphs/NIR paper/01_lif/lif_exact_sim.py; the Euler form is
 * NIR's reference CubaLIF (paper/03_rnn/extras/debug_CubaLIF/nir_reference_impl.py) and snnTorch's
 * beta = 1 - dt/tau (the NIR documentation). The two agree to first order in dt/tau.
 */
import { secondsHint, warnIfShorterThanStep } from "../core/time.ts";
import { perNeuron, requireNeuronDt } from "./base.ts";
import type { PerNeuronValue } from "./base.ts";
import { InvalidParameterError, requirePositive } from "../core/errors.ts";

export type IntegrationMethod = "exact" | "euler";

/** The per-step factors of one first-order system. */
export interface FirstOrderFactors {
  /** Weight of the previous value. */
  readonly decay: number;
  /** Weight of the input held over the step. */
  readonly gain: number;
}

/** Throws unless `method` is "exact" or "euler". */
export function requireMethod(method: unknown): IntegrationMethod {
  if (method !== "exact" && method !== "euler") {
    throw new InvalidParameterError(`method must be "exact" or "euler", got ${JSON.stringify(method)}`, {
      method,
    });
  }
  return method;
}

/**
 * Decay and input gain of tau dx/dt = -x + u over one step of `dt_ms`. `what` names the time constant in
 * error messages. Euler with dt > tau is rejected: the decay would be negative and the update unstable.
 */
export function firstOrderFactors(
  tau_ms: number,
  dt_ms: number,
  method: IntegrationMethod,
  what = "tau_ms",
): FirstOrderFactors {
  requirePositive(what, tau_ms);
  requireNeuronDt(dt_ms);
  if (requireMethod(method) === "exact") warnIfShorterThanStep(what, tau_ms, dt_ms);
  return factorsOf(tau_ms, dt_ms, method, what);
}

/** The per-step factors of one neuron's first-order system each, for a time constant given per neuron. */
export interface FirstOrderFactorsPerNeuron {
  /** The time constants (ms), one per neuron. */
  readonly tau_ms: Float64Array;
  readonly decay: Float64Array;
  readonly gain: Float64Array;
}

/**
 * `firstOrderFactors` for a time constant given once or once per neuron (`perNeuron`): an entry is named
 * `what[i]` in its error, and a time constant shorter than the step is warned about once, for the shortest.
 * Each neuron's factors are the numbers `firstOrderFactors` gives for its tau.
 */
export function firstOrderFactorsPerNeuron(
  tau_ms: PerNeuronValue,
  size: number,
  dt_ms: number,
  method: IntegrationMethod,
  what: string,
): FirstOrderFactorsPerNeuron {
  requireNeuronDt(dt_ms);
  requireMethod(method);
  const tau = perNeuron(what, tau_ms, size, requirePositive);
  const decay = new Float64Array(size);
  const gain = new Float64Array(size);
  let shortest = Infinity;
  for (let i = 0; i < size; i++) {
    const f = factorsOf(tau[i], dt_ms, method, `${what}[${i}]`);
    decay[i] = f.decay;
    gain[i] = f.gain;
    shortest = Math.min(shortest, tau[i]);
  }
  if (method === "exact") warnIfShorterThanStep(`the shortest ${what}`, shortest, dt_ms);
  return { tau_ms: tau, decay, gain };
}

/** The factors of a checked tau (> 0) and method; Euler's dt > tau is refused naming `what`. */
function factorsOf(
  tau_ms: number,
  dt_ms: number,
  method: IntegrationMethod,
  what: string,
): FirstOrderFactors {
  switch (method) {
    case "exact":
      // both from the same exponent: expm1 keeps the gain accurate when dt << tau
      return { decay: Math.exp(-dt_ms / tau_ms), gain: -Math.expm1(-dt_ms / tau_ms) };
    case "euler": {
      const ratio = dt_ms / tau_ms;
      if (ratio > 1) {
        throw new InvalidParameterError(
          `${what} = ${tau_ms} ms is shorter than dt = ${dt_ms} ms: forward Euler would give the decay ` +
            `1 - dt/tau = ${1 - ratio} < 0 (unstable); use method "exact" or a step <= ${tau_ms} ms ` +
            secondsHint(tau_ms),
          { [what]: tau_ms, dt_ms },
        );
      }
      return { decay: 1 - ratio, gain: ratio };
    }
  }
}
