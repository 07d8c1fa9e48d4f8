/**
 * Blocks of Gaussian noise, fast: the membrane noise of `DoubleExpLIF` needs one N(0, sd^2) sample per neuron
 * per step, 4 million per 1 s trial of 200 neurons at 0.05 ms, so the sampler is the largest single cost of a
 * spiking-RNN trial. Two choices make it about three times faster than calling `Rng.nextU32` per sample:
 *   - the uniform words come from a xoshiro128** generator (the algorithm of core/rng.ts) whose state lives in
 *     local variables for the whole block; it is seeded from four words of a caller's `Rng` stream, so every
 *     block sequence is fixed by that stream (`GaussianNoise.seed`);
 *   - the ziggurat's sign is applied through a signed width table, so the accept path has no data-dependent
 *     branch (a sign branch mispredicts half the time).
 * The ziggurat's tables and its rejection branch are in src/core/ziggurat.ts.
 */
import type { Rng } from "../core/rng.ts";
import { INNER, SIGNED_WIDTH, zigguratRejected, zigguratRejectedAt } from "../core/ziggurat.ts";

/**
 * A Gaussian noise source with its own xoshiro128** state. The four state words live in an Int32Array, by
 * default its own; a WebAssembly kernel that inlines the fast path (src/neurons/double-exp-kernel.ts) passes
 * one in its memory, so both draw from one sequence.
 */
export class GaussianNoise {
  /** The generator state s0..s3. */
  readonly state: Int32Array;

  constructor(rng?: Rng, state: Int32Array = new Int32Array(4)) {
    if (state.length !== 4) throw new RangeError("GaussianNoise state must hold 4 words");
    this.state = state;
    if (rng) this.seed(rng);
    else if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = 1;
  }

  /** Restarts the sequence from four words of `rng` (consumed from it). */
  seed(rng: Rng): void {
    const st = this.state;
    st[0] = rng.nextU32() | 0;
    st[1] = rng.nextU32() | 0;
    st[2] = rng.nextU32() | 0;
    st[3] = rng.nextU32() | 0;
    if ((st[0] | st[1] | st[2] | st[3]) === 0) st[0] = 1;
  }

  /** out[0 .. n) = sd * N(0, 1) samples. */
  fill(out: Float64Array, n: number, sd: number): void {
    const st = this.state;
    let s0 = st[0];
    let s1 = st[1];
    let s2 = st[2];
    let s3 = st[3];
    for (let k = 0; k < n; k++) {
      // xoshiro128**: result from s1, then the state transition
      const a = Math.imul(s1, 5);
      const u = Math.imul((a << 7) | (a >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const m = u >>> 8;
      if (m < INNER[u & 127]) {
        out[k] = sd * (m * SIGNED_WIDTH[u & 255]);
        continue;
      }
      st[0] = s0;
      st[1] = s1;
      st[2] = s2;
      st[3] = s3;
      out[k] = u >>> 0;
      zigguratRejectedAt(st, "plus-one", out, k);
      out[k] *= sd;
      s0 = st[0];
      s1 = st[1];
      s2 = st[2];
      s3 = st[3];
    }
    st[0] = s0;
    st[1] = s1;
    st[2] = s2;
    st[3] = s3;
  }

  /** One standard-normal sample (the slow but simple path; `fill` is the fast one). */
  next(): number {
    const u = this.nextU32();
    const m = u >>> 8;
    return m < INNER[u & 127] ? m * SIGNED_WIDTH[u & 255] : this.rejected(u);
  }

  nextU32(): number {
    const st = this.state;
    const s1 = st[1];
    const a = Math.imul(s1, 5);
    const u = Math.imul((a << 7) | (a >>> 25), 9);
    const t = s1 << 9;
    st[2] ^= st[0];
    st[3] ^= s1;
    st[1] ^= st[2];
    st[0] ^= st[3];
    st[2] ^= t;
    st[3] = (st[3] << 11) | (st[3] >>> 21);
    return u >>> 0;
  }

  /**
   * The word `first` missed the fast path: tail or wedge test, then fresh words (from `state`) until one is
   * accepted. Returns a standard-normal sample.
   */
  rejected(first: number): number {
    return zigguratRejected(first, this.state, "plus-one");
  }
}
