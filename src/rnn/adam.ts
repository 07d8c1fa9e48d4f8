/**
 * Adam (Kingma & Ba 2015) in the form TensorFlow 1's `tf.train.AdamOptimizer` implements, which the reference
 * training code uses:
 *   t <- t + 1,   lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t)
 *   m <- beta1 m + (1 - beta1) g,   v <- beta2 v + (1 - beta2) g^2
 *   p <- p - lr_t m / (sqrt(v) + eps)
 * (eps is added to the uncorrected sqrt(v), TF's "epsilon hat"; the paper's Algorithm 1 adds it after bias
 * correction. The difference matters only when sqrt(v) is of order eps.)
 * Defaults: lr 0.01 (paper), beta1 0.9, beta2 0.999, eps 1e-8 (TF1 defaults; Keras/TF2 use 1e-7).
 */
import { InvalidParameterError, requireFinite, requirePositive } from "../core/errors.ts";

export interface AdamParams {
  /** Step size. Default 0.01 (paper, code). */
  readonly learningRate: number;
  /** First-moment decay. Default 0.9 (TF default). */
  readonly beta1: number;
  /** Second-moment decay. Default 0.999 (TF default). */
  readonly beta2: number;
  /** Added to sqrt(v). Default 1e-8 (TF1 AdamOptimizer). */
  readonly epsilon: number;
}

export const ADAM_DEFAULTS: Readonly<AdamParams> = Object.freeze({
  learningRate: 0.01,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
});

export function validateAdam(p: AdamParams): void {
  requirePositive("learningRate", p.learningRate);
  requirePositive("epsilon", p.epsilon);
  for (const [name, b] of [
    ["beta1", p.beta1],
    ["beta2", p.beta2],
  ] as const) {
    requireFinite(name, b);
    if (b < 0 || b >= 1)
      throw new InvalidParameterError(`${name} must be in [0, 1), got ${b}`, { [name]: b });
  }
}

/** Moment buffers of one parameter array. */
export interface AdamSlot {
  readonly m: Float64Array;
  readonly v: Float64Array;
}

export function createAdamSlot(size: number): AdamSlot {
  return { m: new Float64Array(size), v: new Float64Array(size) };
}

/** Step size lr_t of update number t (1-based). */
export function adamStepSize(p: AdamParams, t: number): number {
  return (p.learningRate * Math.sqrt(1 - Math.pow(p.beta2, t))) / (1 - Math.pow(p.beta1, t));
}

/** One Adam update of `param` with gradient `grad` (in place; allocates nothing). */
export function adamUpdate(
  param: Float64Array,
  grad: Float64Array,
  slot: AdamSlot,
  p: AdamParams,
  lrT: number,
): void {
  const { m, v } = slot;
  const b1 = p.beta1;
  const b2 = p.beta2;
  const eps = p.epsilon;
  for (let k = 0; k < param.length; k++) {
    const g = grad[k];
    const mk = b1 * m[k] + (1 - b1) * g;
    const vk = b2 * v[k] + (1 - b2) * g * g;
    m[k] = mk;
    v[k] = vk;
    param[k] -= (lrT * mk) / (Math.sqrt(vk) + eps);
  }
}
