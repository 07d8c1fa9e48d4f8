/**
 * The ziggurat method for standard-normal samples (Marsaglia & Tsang, J. Stat. Softw. 5(8), 2000; own
 * construction from the paper's description): its tables and its rejection branch, shared by the two fast
 * samplers, `zigguratNormal` / `fillGaussian` (src/rnn/gaussian.ts, the rate RNN's noise, words from an `Rng`)
 * and `GaussianNoise` (src/neurons/gaussian-noise.ts, the LIF membrane noise, words from a local xoshiro128**
 * state). Each inlines the fast path below over its own words.
 *
 * Construction, f(x) = exp(-x^2 / 2):
 *   128 layers of equal area v. X[1] = r is the start of the tail, X[i+1] = f^-1(f(X[i]) + v / X[i]),
 *   X[128] = 0, and the base layer 0 has the virtual width X[0] = v / f(r) (rectangle [0, r] x [0, f(r)] plus
 *   the tail beyond r, total area v). r = 3.442619855899 and v = 9.91256303526217e-3 make the layers close.
 * Sampling: one 32-bit word u gives the layer i = u & 127, the sign (bit 7) and a 24-bit magnitude m = u >>> 8,
 *   so that no bit is used twice (the original shares the index bits with the value, see Doornik 2005).
 *   Fast path (about 98.8 % of words): m < INNER[i] = floor(2^24 X[i+1] / X[i]) gives x = m X[i] / 2^24,
 *   signed through SIGNED_WIDTH[u & 255] (no sign branch). Otherwise `zigguratRejected`: layer 0 samples the
 *   tail beyond r by Marsaglia's method (x = r + e1 / r with e1, e2 ~ Exp(1), accepted when 2 e2 > (e1 / r)^2),
 *   the other layers accept when f(X[i]) + U (f(X[i+1]) - f(X[i])) < f(x); a rejected word starts over with a
 *   fresh one.
 */

const LAYERS = 128;
const R = 3.442619855899;
const V = 9.91256303526217e-3;
const MAG = 16777216; // 2^24

/** +-X[i] / 2^24 (the width of layer i per unit of m): entries 0..127 positive, 128..255 negative
 *  (index u & 255, so bit 7 of the word is the sign). */
export const SIGNED_WIDTH = new Float64Array(2 * LAYERS);
/** Accept m below this without the wedge test: floor(2^24 X[i+1] / X[i]). */
export const INNER = new Int32Array(LAYERS);
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
    SIGNED_WIDTH[i] = x[i] / MAG;
    SIGNED_WIDTH[i + LAYERS] = -x[i] / MAG;
    INNER[i] = Math.floor((MAG * x[i + 1]) / x[i]);
  }
  for (let i = 0; i <= LAYERS; i++) FX[i] = f(x[i]);
})();

/** Where the rejection branch takes its fresh randomness. */
export interface ZigguratSource {
  /** A uniform 32-bit word (as an unsigned number). */
  nextU32(): number;
  /** A uniform number in (0, 1] (0 excluded: it goes into a logarithm). */
  positiveUnit(): number;
}

/**
 * The word `first` missed the fast path: the tail or the wedge test, then fresh words from `source` until one
 * is accepted. Returns a standard-normal sample.
 */
export function zigguratRejected(first: number, source: ZigguratSource): number {
  let u = first >>> 0;
  for (;;) {
    const i = u & 127;
    const m = u >>> 8;
    const x = m * SIGNED_WIDTH[i];
    const sign = u & 128 ? -1 : 1;
    if (m < INNER[i]) return sign * x;
    if (i === 0) {
      for (;;) {
        const e1 = -Math.log(source.positiveUnit()) / R;
        const e2 = -Math.log(source.positiveUnit());
        if (e2 + e2 > e1 * e1) return sign * (R + e1);
      }
    }
    if (FX[i] + (1 - source.positiveUnit()) * (FX[i + 1] - FX[i]) < Math.exp(-0.5 * x * x)) return sign * x;
    u = source.nextU32();
  }
}
