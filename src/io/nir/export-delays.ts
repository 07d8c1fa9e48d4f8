/**
 * A projection's conduction delays -> the NIR Delay nodes that write them (pure; export.ts places them).
 * docs/nir.md, "Delays" and section 3.
 *
 * NIR's Delay computes y(t) = x(t - delay) per element, in seconds. The importer counts the engine's one-step
 * delivery as the graph's own step, so a projection's `delay_ms` d, the time added to that step, is a Delay
 * of d / 1000 s, and a spike of step s still arrives at step s + 1 + d / dt after a round trip. A Delay
 * delays elements, not synapses: before the weight node it delays each source neuron, after it each target
 * neuron, so per-synapse delays have a NIR form only as one delay per pre neuron plus one per post neuron.
 */
import { UnsupportedError } from "../../core/errors.ts";
import type { Projection } from "../../network/types.ts";

/**
 * A projection's NIR Delay nodes: delays in seconds per source neuron (a Delay between the source and the
 * weight node) and per target neuron (a Delay on the edge into the target); null where there is none.
 */
export interface DelayPlan {
  readonly pre: Float64Array | null;
  readonly post: Float64Array | null;
}

/**
 * The Delay nodes a projection's conduction delays need (docs/nir.md, "Delays"), or null without delays:
 * `delay_ms` d > 0 is d / 1000 s for every target element, after the weight node (a spike of step s still
 * arrives at step s + 1 + d / dt: the importer counts the engine's one step as the graph's own). Per-synapse
 * delays (Sparse) that are all 0 need none; all equal, the same as one `delay_ms`; depending on the pre
 * neuron only, one per source neuron before the weight node; on the post neuron only, one per target neuron
 * after it; a sum of both, d(i, j) = a(i) + b(j) with a, b >= 0, both Delays. Any other pattern is an
 * UnsupportedError: NIR's Delay delays elements, not synapses.
 */
export function delayPlanOf(p: Projection, name: string, dt_ms: number): DelayPlan | null {
  const per = p.synapseDelaySteps;
  const seconds = (steps: ArrayLike<number>): Float64Array =>
    Float64Array.from(steps, (d) => (d * dt_ms) / 1000);
  if (per === undefined) {
    const delay: unknown = (p as { delay_ms?: unknown }).delay_ms;
    if (typeof delay !== "number" || delay === 0) return null;
    return { pre: null, post: new Float64Array(p.target.size).fill(delay / 1000) };
  }
  if (per.every((d) => d === 0)) return null;
  if (per.every((d) => d === per[0]))
    return { pre: null, post: seconds(new Int32Array(p.target.size).fill(per[0])) };
  const split = sideDelays(synapseDelays(p, per), p.source.size, p.target.size);
  if ("pre" in split) {
    const none = (v: Int32Array): boolean => v.every((d) => d === 0);
    return {
      pre: none(split.pre) ? null : seconds(split.pre),
      post: none(split.post) ? null : seconds(split.post),
    };
  }
  throw new UnsupportedError(
    `projection "${name}" has per-synapse conduction delays that depend on both the pre and the post neuron ` +
      `(${split.why}); NIR's Delay node gives each element of a vector one delay, not each synapse, so the ` +
      "export writes per-synapse delays only as one delay per pre neuron plus one per post neuron (a Delay " +
      "before and after the weight node); split the projection into one per delay value (each with one " +
      "delay_ms) to export it",
    { projection: name },
  );
}

/** Every synapse of `p` as [pre, post, delay in steps] (a projection with per-synapse delays has a view). */
function synapseDelays(p: Projection, per: Int32Array): [number, number, number][] {
  const view = p.view!;
  const post = new Int32Array(Math.max(view.maxFanOut, 1));
  const widx = new Int32Array(post.length);
  const out: [number, number, number][] = [];
  for (let i = 0; i < p.source.size; i++) {
    const n = view.outgoing(i, post, widx);
    for (let e = 0; e < n; e++) out.push([i, post[e], per[widx[e]]]);
  }
  return out;
}

/**
 * Delays a (per pre neuron) and b (per post neuron), all >= 0, with d = a(i) + b(j) for every synapse, or why
 * there are none. Prefers a alone, then b alone; otherwise fixes a = 0 at one pre neuron of each connected
 * group of synapses, follows the synapses from there (each gives the other side's delay), shifts the group so
 * that its smallest a is 0, and checks every synapse.
 */
function sideDelays(
  synapses: readonly [number, number, number][],
  nPre: number,
  nPost: number,
): { readonly pre: Int32Array; readonly post: Int32Array } | { readonly why: string } {
  const a = new Int32Array(nPre).fill(-1);
  const b = new Int32Array(nPost).fill(-1);
  if (synapses.every(([i, , d]) => (a[i] < 0 ? ((a[i] = d), true) : a[i] === d))) {
    return { pre: a.map((d) => Math.max(d, 0)), post: new Int32Array(nPost) };
  }
  if (synapses.every(([, j, d]) => (b[j] < 0 ? ((b[j] = d), true) : b[j] === d))) {
    return { pre: new Int32Array(nPre), post: b.map((d) => Math.max(d, 0)) };
  }
  const byPre = new Map<number, [number, number][]>();
  const byPost = new Map<number, [number, number][]>();
  for (const [i, j, d] of synapses) {
    if (!byPre.has(i)) byPre.set(i, []);
    if (!byPost.has(j)) byPost.set(j, []);
    byPre.get(i)!.push([j, d]);
    byPost.get(j)!.push([i, d]);
  }
  const A = new Float64Array(nPre);
  const B = new Float64Array(nPost);
  const seen = new Uint8Array(nPre);
  const seenPost = new Uint8Array(nPost);
  for (const root of byPre.keys()) {
    if (seen[root] === 1) continue;
    seen[root] = 1;
    const pres = [root];
    const posts: number[] = [];
    for (let q = 0; q < pres.length; q++) {
      for (const [j, d] of byPre.get(pres[q])!) {
        if (seenPost[j] === 1) continue;
        seenPost[j] = 1;
        B[j] = d - A[pres[q]];
        posts.push(j);
        for (const [k, e] of byPost.get(j)!) {
          if (seen[k] === 1) continue;
          seen[k] = 1;
          A[k] = e - B[j];
          pres.push(k);
        }
      }
    }
    const least = pres.reduce((m, i) => Math.min(m, A[i]), Infinity);
    for (const i of pres) A[i] -= least;
    for (const j of posts) B[j] += least;
  }
  const bad = synapses.find(([i, j, d]) => A[i] + B[j] !== d);
  if (bad !== undefined) {
    const [i, j, d] = bad;
    return {
      why:
        `synapse ${i} -> ${j} has ${d} steps, but the one delay per pre and per post neuron that its neighbouring ` +
        `synapses give makes it ${A[i] + B[j]}`,
    };
  }
  const j = B.findIndex((d) => d < 0);
  if (j >= 0) {
    return {
      why:
        "they are one delay per pre neuron plus one per post neuron only if some of these are negative " +
        `(post neuron ${j}: ${B[j]} steps)`,
    };
  }
  return { pre: Int32Array.from(A), post: Int32Array.from(B) };
}
