/**
 * Fast standard-normal samples by the ziggurat method (Marsaglia & Tsang, J. Stat. Softw. 5(8), 2000), for the
 * rate RNN's per-step noise: a trial at N = 200 draws 40 000 normals, and the Box-Muller `Rng.normal()` (four
 * transcendental calls per pair) costs about as much as the forward matvec.
 *
 * Construction (own derivation from the paper's description), f(x) = exp(-x^2 / 2):
 *   128 layers of equal area v. X[1] = r is the start of the tail, X[i+1] = f^-1(f(X[i]) + v / X[i]),
 *   X[128] = 0, and the base layer 0 has the virtual width X[0] = v / f(r) (rectangle [0, r] x [0, f(r)] plus
 *   the tail beyond r, total area v). r = 3.442619855899 and v = 9.91256303526217e-3 make the layers close.
 * Sampling: one 32-bit word gives the layer i (7 bits), the sign (1 bit) and a 24-bit magnitude m, so that no
 * bit is used twice (the original shares the index bits with the value, see Doornik 2005). x = m / 2^24 X[i];
 * accept at once when x < X[i+1] (about 98.8 %); else in layer 0 draw from the tail by Marsaglia's exponential
 * method, and in the other layers accept when f(X[i]) + U (f(X[i+1]) - f(X[i])) < f(x), otherwise start over.
 */
import type { Rng } from "../core/rng.ts";

const LAYERS = 128;
const R = 3.442619855899;
const V = 9.91256303526217e-3;
const MAG = 16777216; // 2^24

/** X[i] / 2^24 (the width of layer i per unit of m). */
const WIDTH = new Float64Array(LAYERS);
/** Accept m below this without the wedge test: floor(2^24 X[i+1] / X[i]). */
const INNER = new Uint32Array(LAYERS);
/** f(X[i]) for i = 0 .. 128 (f(X[0]) unused). */
const FX = new Float64Array(LAYERS + 1);

(function buildTables() {
  const f = (x: number) => Math.exp(-0.5 * x * x);
  const x = new Float64Array(LAYERS + 1);
  x[0] = V / f(R);
  x[1] = R;
  for (let i = 1; i < LAYERS; i++) {
    const y = f(x[i]) + V / x[i];
    x[i + 1] = y >= 1 ? 0 : Math.sqrt(-2 * Math.log(y));
  }
  x[LAYERS] = 0;
  for (let i = 0; i < LAYERS; i++) {
    WIDTH[i] = x[i] / MAG;
    INNER[i] = Math.floor((MAG * x[i + 1]) / x[i]);
  }
  for (let i = 0; i <= LAYERS; i++) FX[i] = f(x[i]);
})();

/** One standard-normal sample from `rng` (consumes one 32-bit word, more on the ~1.2 % slow path). */
export function zigguratNormal(rng: Rng): number {
  const u = rng.nextU32();
  const i = u & 127;
  const m = u >>> 8;
  if (m < INNER[i]) return (u & 128 ? -m : m) * WIDTH[i];
  return slowPath(rng, u);
}

/** The rejection branch: the tail beyond r (layer 0) or a wedge test, then fresh words until one is accepted. */
function slowPath(rng: Rng, first: number): number {
  let u = first;
  for (;;) {
    const i = u & 127;
    const m = u >>> 8;
    const sign = u & 128 ? -1 : 1;
    const x = m * WIDTH[i];
    if (m < INNER[i]) return sign * x;
    if (i === 0) {
      // tail beyond r: x = r + e1 / r with e1, e2 ~ Exp(1), accepted when 2 e2 > (e1 / r)^2
      for (;;) {
        const a = -Math.log(1 - rng.float()) / R;
        const b = -Math.log(1 - rng.float());
        if (b + b > a * a) return sign * (R + a);
      }
    }
    if (FX[i] + rng.float() * (FX[i + 1] - FX[i]) < Math.exp(-0.5 * x * x)) return sign * x;
    u = rng.nextU32();
  }
}

/** out[from .. to) = sd * N(0, 1) samples (sd = 0 writes zeros and draws nothing). */
export function fillGaussian(rng: Rng, out: Float64Array, from: number, to: number, sd: number): void {
  if (sd === 0) {
    out.fill(0, from, to);
    return;
  }
  for (let k = from; k < to; k++) {
    // the fast path inline; the ~1.2 % rejections go through slowPath
    const u = rng.nextU32();
    const i = u & 127;
    const m = u >>> 8;
    out[k] = sd * (m < INNER[i] ? (u & 128 ? -m : m) * WIDTH[i] : slowPath(rng, u));
  }
}
