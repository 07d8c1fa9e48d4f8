/**
 * Checks shared by the projection tests: the view against a reference synapse list, and deliver() against
 * a naive sum over that list. The reference lists are computed in each test from the documented layout.
 */
import assert from "node:assert/strict";
import type { Rng } from "../../src/core/rng.ts";
import type { Population, Projection, SynapseView } from "../../src/network/types.ts";
import type { FakePopulation } from "./fake-population.ts";
import { randomSubset } from "./fake-population.ts";

/** One synapse: [pre index, post index, weight index]. */
export type Triplet = readonly [number, number, number];

const key = (t: Triplet): string => `${t[0]},${t[1]},${t[2]}`;

/** Every synapse the view lists, walking `incoming` over all post neurons or `outgoing` over all pre. */
export function viewTriplets(view: SynapseView, side: "incoming" | "outgoing"): Triplet[] {
  const other = new Int32Array(Math.max(view.maxFanIn, view.maxFanOut, 1));
  const widx = new Int32Array(other.length);
  const out: Triplet[] = [];
  if (side === "incoming") {
    for (let j = 0; j < view.postSize; j++) {
      const n = view.incoming(j, other, widx);
      assert.ok(n <= view.maxFanIn, `incoming(${j}) = ${n} exceeds maxFanIn ${view.maxFanIn}`);
      for (let k = 0; k < n; k++) out.push([other[k], j, widx[k]]);
    }
  } else {
    for (let i = 0; i < view.preSize; i++) {
      const n = view.outgoing(i, other, widx);
      assert.ok(n <= view.maxFanOut, `outgoing(${i}) = ${n} exceeds maxFanOut ${view.maxFanOut}`);
      for (let k = 0; k < n; k++) out.push([i, other[k], widx[k]]);
    }
  }
  return out;
}

/** The view lists exactly the reference synapses, from both sides, and no (pre, post) pair twice. */
export function assertViewMatches(view: SynapseView, reference: readonly Triplet[]): void {
  const ref = reference.map(key).sort();
  const pairs = new Set(reference.map((t) => `${t[0]},${t[1]}`));
  assert.equal(pairs.size, reference.length, "reference lists a (pre, post) pair twice");
  assert.deepEqual(viewTriplets(view, "incoming").map(key).sort(), ref, "incoming() over all j");
  assert.deepEqual(viewTriplets(view, "outgoing").map(key).sort(), ref, "outgoing() over all i");
}

/** Port values expected after delivering `spikes`: start + sum of w[widx] over synapses from spiking pres. */
export function referenceDelivery(
  reference: readonly Triplet[],
  w: Float32Array,
  spikes: readonly number[],
  start: Float32Array,
): Float64Array {
  const fired = new Set(spikes);
  const out = Float64Array.from(start);
  for (const [i, j, k] of reference) if (fired.has(i)) out[j] += w[k];
  return out;
}

/**
 * deliver() agrees with the reference for `trials` random spike sets (with random values already in the
 * port, so it must add, not overwrite), and leaves the port bit-identical when nothing spiked.
 */
export function assertDeliveryMatches(
  proj: Projection & { readonly w: Float32Array },
  source: FakePopulation,
  target: Population,
  reference: readonly Triplet[],
  rng: Rng,
  trials = 5,
): void {
  const port = target.port(proj.port);
  for (let trial = 0; trial < trials; trial++) {
    const spikes = randomSubset(source.size, [0.05, 0.3, 1][trial % 3], rng);
    for (let j = 0; j < port.length; j++) port[j] = rng.uniform(-1, 1);
    const expected = referenceDelivery(reference, proj.w, spikes, port);

    source.fire(spikes);
    proj.deliver();

    for (let j = 0; j < port.length; j++) {
      // float32 accumulation of at most a few hundred terms of size <= 1: error well below 1e-4 (1 + |x|)
      assert.ok(
        Math.abs(port[j] - expected[j]) <= 1e-4 * (1 + Math.abs(expected[j])),
        `trial ${trial}, post ${j}: got ${port[j]}, expected ${expected[j]}`,
      );
    }
  }

  for (let j = 0; j < port.length; j++) port[j] = rng.uniform(-1, 1);
  const before = Float32Array.from(port);
  source.fire([]);
  proj.deliver();
  assert.deepEqual(port, before, "deliver() with no spikes must leave the port untouched");
}
