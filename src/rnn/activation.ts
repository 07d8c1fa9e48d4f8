/**
 * Rate transfer functions of the rate RNN (reference code `--act`) and their derivatives.
 *   "sigmoid":      f(x) = 1 / (1 + e^-x)            (paper default)
 *   "clipped-relu": f(x) = min(max(x, 0), 20)
 *   "softplus":     f(x) = min(log(1 + e^x), 20)
 * Derivatives at the clip boundaries follow TensorFlow: relu'(0) = 0, clip passes the gradient where the value
 * is <= the clip.
 */
import { InvalidParameterError } from "../core/errors.ts";

export type RateActivation = "sigmoid" | "clipped-relu" | "softplus";

/** Upper clip of the "clipped-relu" and "softplus" activations (reference code `--act`). */
export const ACTIVATION_CLIP = 20;

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** r = f(x) elementwise over [from, to). */
export function applyActivation(
  act: RateActivation,
  x: Float64Array,
  r: Float64Array,
  from: number,
  to: number,
): void {
  switch (act) {
    case "sigmoid":
      for (let k = from; k < to; k++) r[k] = 1 / (1 + Math.exp(-x[k]));
      return;
    case "clipped-relu":
      for (let k = from; k < to; k++) {
        const v = x[k];
        r[k] = v <= 0 ? 0 : v >= ACTIVATION_CLIP ? ACTIVATION_CLIP : v;
      }
      return;
    case "softplus":
      for (let k = from; k < to; k++) {
        const v = x[k];
        r[k] = v >= ACTIVATION_CLIP ? ACTIVATION_CLIP : Math.min(Math.log1p(Math.exp(v)), ACTIVATION_CLIP);
      }
      return;
    default: {
      const never: never = act;
      throw new InvalidParameterError(`unknown activation ${JSON.stringify(never)}`);
    }
  }
}

/**
 * f'(x) elementwise into `out[0 .. n)`, reading x and r at offset `off`. At the clip boundaries the derivative
 * follows TensorFlow: relu'(0) = 0, clip passes the gradient where the value is <= the clip.
 */
export function activationDerivative(
  act: RateActivation,
  x: Float64Array,
  r: Float64Array,
  off: number,
  n: number,
  out: Float64Array,
): void {
  switch (act) {
    case "sigmoid":
      for (let i = 0; i < n; i++) {
        const ri = r[off + i];
        out[i] = ri * (1 - ri);
      }
      return;
    case "clipped-relu":
      for (let i = 0; i < n; i++) {
        const v = x[off + i];
        out[i] = v > 0 && v <= ACTIVATION_CLIP ? 1 : 0;
      }
      return;
    case "softplus":
      for (let i = 0; i < n; i++) {
        const v = x[off + i];
        out[i] = v < ACTIVATION_CLIP && Math.log1p(Math.exp(v)) <= ACTIVATION_CLIP ? sigmoid(v) : 0;
      }
      return;
    default: {
      const never: never = act;
      throw new InvalidParameterError(`unknown activation ${JSON.stringify(never)}`);
    }
  }
}

/** Preallocated buffers of one unrolled trial (time-major: entry [t * units + i]). */
