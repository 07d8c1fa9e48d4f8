/**
 * One iteration of the Izhikevich papers' integration loop (2003, 2006), for the tests that transcribe their
 * published programs: v in two half steps of 0.5 ms, then u, with I held over the 1 ms step; a neuron whose v
 * reaches 30 mV is reset (v <- c, u <- u + d) at once, which the programs do at the top of their next
 * iteration (the same values). v, u and I are float32 as the engine stores them; the arithmetic is the
 * engine's, so that a chaotic network can agree to the spike. Returns the neurons that crossed, ascending.
 */
export function izhikevichLoopStep(
  v: Float32Array,
  u: Float32Array,
  I: Float32Array,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  c: ArrayLike<number>,
  d: ArrayLike<number>,
): number[] {
  const crossed: number[] = [];
  for (let i = 0; i < v.length; i++) {
    let vi = v[i];
    let ui = u[i];
    vi += 0.5 * (0.04 * vi * vi + 5 * vi + 140 - ui + I[i]);
    vi += 0.5 * (0.04 * vi * vi + 5 * vi + 140 - ui + I[i]);
    ui += a[i] * (b[i] * vi - ui);
    if (vi >= 30) {
      crossed.push(i);
      vi = c[i];
      ui += d[i];
    }
    v[i] = vi;
    u[i] = ui;
  }
  return crossed;
}
