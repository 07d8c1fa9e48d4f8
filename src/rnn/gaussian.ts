/**
 * Fast standard-normal samples by the ziggurat method (tables and rejection branch in src/core/ziggurat.ts),
 * for the rate RNN's per-step noise: a trial at N = 200 draws 40 000 normals, and the Box-Muller `Rng.normal()`
 * (four transcendental calls per pair) costs about as much as the forward matvec. Every sample takes one 32-bit
 * word of the caller's `Rng`, more on the ~1.2 % slow path (which also draws its uniforms from that `Rng`).
 */
import type { Rng } from "../core/rng.ts";
import { INNER, SIGNED_WIDTH, zigguratRejected, zigguratRejectedAt } from "../core/ziggurat.ts";

/** One standard-normal sample from `rng` (consumes one 32-bit word, more on the ~1.2 % slow path). */
export function zigguratNormal(rng: Rng): number {
  const u = rng.nextU32();
  const m = u >>> 8;
  return m < INNER[u & 127] ? m * SIGNED_WIDTH[u & 255] : zigguratRejected(u, rng.state, "one-minus");
}

/** out[from .. to) = sd * N(0, 1) samples (sd = 0 writes zeros and draws nothing). */
export function fillGaussian(rng: Rng, out: Float64Array, from: number, to: number, sd: number): void {
  if (sd === 0) {
    out.fill(0, from, to);
    return;
  }
  const state = rng.state;
  for (let k = from; k < to; k++) {
    // the fast path inline; the ~1.2 % rejections go through zigguratRejectedAt (the word in, the sample out)
    const u = rng.nextU32();
    const m = u >>> 8;
    if (m < INNER[u & 127]) {
      out[k] = sd * (m * SIGNED_WIDTH[u & 255]);
    } else {
      out[k] = u;
      zigguratRejectedAt(state, "one-minus", out, k);
      out[k] *= sd;
    }
  }
}
