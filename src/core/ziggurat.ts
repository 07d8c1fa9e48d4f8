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
 *   signed through SIGNED_WIDTH[u & 255] (no sign branch). Otherwise `zigguratRejectedAt`: layer 0 samples the
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

/**
 * How a sampler turns a fresh word w (unsigned) into a uniform number in (0, 1] (0 excluded: it goes into a
 * logarithm): `Rng.positiveUnit` is 1 - w 2^-32, `GaussianNoise.positiveUnit` is (w + 1) 2^-32. The rejection
 * branch computes the sampler's own form, so its samples are those of the sampler's methods, bit for bit.
 */
export type UnitForm = "one-minus" | "plus-one";

const TWO_TO_MINUS_32 = 2.3283064365386963e-10;
// which word the branch waits for next
const TAIL_E1 = 0;
const TAIL_E2 = 1;
const WEDGE = 2;
const RESTART = 3;

/**
 * A word missed the fast path: the tail or the wedge test, then fresh words until one is accepted. `out[k]`
 * holds the word (as an unsigned integer) on entry and the standard-normal sample on return.
 *
 * The fresh words come from the xoshiro128** state `st` (the four words of an `Rng` or a `GaussianNoise`),
 * advanced here in place, in the order the sampler's own `positiveUnit` and `nextU32` would draw them. The
 * generator is written out once, inline, and numbers travel through `out[k]`, not as arguments or a return
 * value: V8 passes and returns a float64, or a word above 2^30, boxed (a heap object) across a call it does
 * not inline, and this rare branch is not inlined, so each rejection allocated before.
 */
export function zigguratRejectedAt(st: Int32Array, unit: UnitForm, out: Float64Array, k: number): void {
  const plusOne = unit === "plus-one";
  // words are kept as int32 (a loop-carried unsigned value above 2^30 would be boxed); only the uniform
  // reads them unsigned
  let u = out[k] | 0;
  let i = u & 127;
  let x = (u >>> 8) * SIGNED_WIDTH[i];
  let sign = u & 128 ? -1 : 1;
  let e1 = 0;
  if (u >>> 8 < INNER[i]) {
    out[k] = sign * x;
    return;
  }
  // the word missed the fast path: layer 0 goes to the tail, the others to the wedge
  let waiting = i === 0 ? TAIL_E1 : WEDGE;
  for (;;) {
    // one xoshiro128** word w (the state transition of Rng.nextU32 and GaussianNoise.nextU32)
    const s1 = st[1];
    const a = Math.imul(s1, 5);
    const w = Math.imul((a << 7) | (a >>> 25), 9);
    const t = s1 << 9;
    st[2] ^= st[0];
    st[3] ^= s1;
    st[1] ^= st[2];
    st[0] ^= st[3];
    st[2] ^= t;
    st[3] = (st[3] << 11) | (st[3] >>> 21);
    if (waiting === RESTART) {
      u = w;
      i = u & 127;
      const m = u >>> 8;
      x = m * SIGNED_WIDTH[i];
      sign = u & 128 ? -1 : 1;
      if (m < INNER[i]) {
        out[k] = sign * x;
        return;
      }
      waiting = i === 0 ? TAIL_E1 : WEDGE;
      continue;
    }
    const p = plusOne ? ((w >>> 0) + 1) * TWO_TO_MINUS_32 : 1 - (w >>> 0) * TWO_TO_MINUS_32;
    if (waiting === TAIL_E1) {
      // Marsaglia's tail: x = R + e1 / R with e1, e2 ~ Exp(1), accepted when 2 e2 > (e1 / R)^2
      e1 = -Math.log(p) / R;
      waiting = TAIL_E2;
    } else if (waiting === TAIL_E2) {
      const e2 = -Math.log(p);
      if (e2 + e2 > e1 * e1) {
        out[k] = sign * (R + e1);
        return;
      }
      waiting = TAIL_E1;
    } else {
      // the wedge: accept when f(X[i]) + U (f(X[i+1]) - f(X[i])) < f(x), U = 1 - p
      if (FX[i] + (1 - p) * (FX[i + 1] - FX[i]) < Math.exp(-0.5 * x * x)) {
        out[k] = sign * x;
        return;
      }
      waiting = RESTART;
    }
  }
}

const scratch = new Float64Array(1);

/** `zigguratRejectedAt` for one sample, returned (the one-sample paths: `zigguratNormal`, `next`). */
export function zigguratRejected(first: number, st: Int32Array, unit: UnitForm): number {
  scratch[0] = first >>> 0;
  zigguratRejectedAt(st, unit, scratch, 0);
  return scratch[0];
}
