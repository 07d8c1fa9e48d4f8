import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { InvalidParameterError } from "../../src/core/errors.ts";
import type { SpikeEvents } from "../../src/readout/events.ts";
import { NgramTable } from "../../src/readout/ngram.ts";

/** Event list from [step, [neurons...]] groups. */
function ev(...groups: [number, number[]][]): SpikeEvents {
  const steps: number[] = [];
  const neurons: number[] = [];
  for (const [s, ns] of groups) {
    for (const n of ns) {
      steps.push(s);
      neurons.push(n);
    }
  }
  return { steps: Int32Array.from(steps), neurons: Int32Array.from(neurons), count: steps.length };
}

// Example A (label 1): spiking steps 1 {3, 1} (given out of order), 4 {2}, 5 {1, 0}.
// Sorted groups G1 = [1, 3], G2 = [2], G3 = [0, 1].
const A = ev([1, [3, 1]], [4, [2]], [5, [1, 0]]);
// Example B (label 0): steps 0 {2}, 2 {0}, 3 {2}.
const B = ev([0, [2]], [2, [0]], [3, [2]]);

test("bigrams: every pair from consecutive spiking steps counts once for the example's label", () => {
  const t = new NgramTable(4, 2);

  t.train(A, 1);
  t.train(B, 0);

  // A: G1 x G2 = (1,2), (3,2); G2 x G3 = (2,0), (2,1). B: (2,0), (0,2).
  assert.equal(t.size, 5);
  assert.deepEqual(Array.from(t.get([1, 2])!), [0, 1]);
  assert.deepEqual(Array.from(t.get([3, 2])!), [0, 1]);
  assert.deepEqual(Array.from(t.get([2, 0])!), [1, 1]);
  assert.deepEqual(Array.from(t.get([2, 1])!), [0, 1]);
  assert.deepEqual(Array.from(t.get([0, 2])!), [1, 0]);
  assert.equal(t.get([1, 3]), undefined); // same-step pairs are not n-grams
  assert.equal(t.get([2, 2]), undefined);
});

test("bigram prediction sums known grams, ties to the lowest class, -1 when none is known", () => {
  const t = new NgramTable(4, 2);
  t.trainMany([A, B], [1, 0]);

  // (2,0) -> [1,1]: tie -> class 0.
  assert.deepEqual(Array.from(t.score(ev([0, [2]], [1, [0]]))), [1, 1]);
  assert.equal(t.predict(ev([0, [2]], [1, [0]])), 0);
  // (3,2) + (2,1) = [0,2] -> 1. The last bigram counts (BindsNET's off-by-one would drop it).
  assert.deepEqual(Array.from(t.score(ev([0, [3]], [7, [2]], [9, [1]]))), [0, 2]);
  // (1,3) + (3,0) are unknown; (0, 2) is known: [1, 0].
  assert.deepEqual(Array.from(t.score(ev([0, [1]], [1, [3]], [2, [0]], [3, [2]]))), [1, 0]);
  assert.equal(t.predict(ev([0, [0]], [1, [1]])), -1);
  assert.equal(t.predict(ev([0, [0, 1, 2]])), -1); // one spiking step has no bigram
  assert.equal(t.predict(ev()), -1);
  assert.deepEqual(Array.from(t.predictMany([A, B, ev()])), [1, 0, -1]);
});

test("trigrams: every triple across three consecutive spiking steps", () => {
  const t = new NgramTable(4, 2, { n: 3 });

  t.train(A, 1);
  t.train(B, 0);

  // A: G1 x G2 x G3 = (1,2,0), (1,2,1), (3,2,0), (3,2,1). B: (2,0,2).
  assert.equal(t.size, 5);
  for (const g of [
    [1, 2, 0],
    [1, 2, 1],
    [3, 2, 0],
    [3, 2, 1],
  ]) {
    assert.deepEqual(Array.from(t.get(g)!), [0, 1], `gram ${g}`);
  }
  assert.deepEqual(Array.from(t.get([2, 0, 2])!), [1, 0]);
  // (1,2,1) + (3,2,1) = [0,2] -> 1; (3,2,0) + (2,0,2) = [1,1] -> tie -> 0.
  assert.deepEqual(Array.from(t.score(ev([0, [1, 3]], [1, [2]], [2, [1]]))), [0, 2]);
  assert.equal(t.predict(ev([0, [3]], [1, [2]], [2, [0]], [3, [2]])), 0);
  assert.equal(t.predict(ev([0, [3]], [1, [2]])), -1);
});

test("string keys (numNeurons^n > 2^53) behave exactly like numeric keys", () => {
  const big = 2 ** 20; // (2^20)^3 = 2^60 > 2^53
  const small = new NgramTable(4, 2, { n: 3 });
  const large = new NgramTable(big, 2, { n: 3 });

  for (const t of [small, large]) t.trainMany([A, B], [1, 0]);

  assert.deepEqual(small.toJSON().grams, large.toJSON().grams);
  assert.deepEqual(small.toJSON().scores, large.toJSON().scores);
  const probe = ev([0, [3]], [1, [2]], [2, [0]], [3, [2]]);
  assert.deepEqual(large.score(probe), small.score(probe));
});

test("the total count added by one example is the number of its n-grams", () => {
  // An example with spiking-step group sizes s_1..s_T has sum_t prod_{k<n} s_{t+k} n-grams.
  const groups = fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 3 }), {
    maxLength: 6,
  });
  fc.assert(
    fc.property(groups, fc.integer({ min: 1, max: 3 }), (gs, n) => {
      const t = new NgramTable(10, 1, { n });
      t.train(ev(...gs.map((g, i) => [2 * i, g] as [number, number[]])), 0);
      let expected = 0;
      for (let s = 0; s + n <= gs.length; s++) {
        let p = 1;
        for (let k = 0; k < n; k++) p *= gs[s + k].length;
        expected += p;
      }
      assert.equal(
        t.toJSON().scores.reduce((a, b) => a + b, 0),
        expected,
      );
    }),
  );
});

test("only the first `count` events are read", () => {
  const t = new NgramTable(4, 2);
  const padded: SpikeEvents = {
    steps: Int32Array.from([0, 1, 1, 0]),
    neurons: Int32Array.from([0, 1, 3, 3]),
    count: 2,
  };

  t.train(padded, 1);

  assert.equal(t.size, 1);
  assert.deepEqual(Array.from(t.get([0, 1])!), [0, 1]);
});

test("round-trips through JSON in a compact array form", () => {
  const t = new NgramTable(4, 2);
  t.trainMany([A, B], [1, 0]);

  const json = t.toJSON();
  const back = NgramTable.fromJSON(JSON.parse(JSON.stringify(json)));

  assert.deepEqual(json.grams, [1, 2, 3, 2, 2, 0, 2, 1, 0, 2]);
  assert.deepEqual(json.scores, [0, 1, 0, 1, 1, 1, 0, 1, 1, 0]);
  assert.equal(back.size, 5);
  assert.deepEqual(back.predictMany([A, B]), t.predictMany([A, B]));
  back.train(B, 0); // a loaded table keeps learning
  assert.deepEqual(Array.from(back.get([0, 2])!), [2, 0]);
  assert.throws(() => NgramTable.fromJSON({ ...json, scores: [1] }), /inconsistent/);
  assert.throws(
    () => NgramTable.fromJSON({ ...json, grams: [1, 2, 1, 2], scores: [0, 1, 0, 1] }),
    /appears twice/,
  );
});

test("rejects malformed event lists and labels", () => {
  const t = new NgramTable(4, 2);
  assert.throws(() => t.train(ev([3, [0]], [1, [1]]), 0), /not sorted by step: step 1 at entry 1 follows 3/);
  assert.throws(() => t.train(ev([0, [4]]), 0), /events.neurons\[0\] = 4 is outside \[0, 4\)/);
  assert.throws(() => t.train(ev([0, [1, 1]]), 0), /neuron 1 spikes twice in step 0/);
  assert.throws(() => t.train(A, 2), InvalidParameterError);
  assert.throws(
    () => t.train({ steps: new Int32Array(1), neurons: new Int32Array(1), count: 2 }, 0),
    /count = 2 exceeds/,
  );
});
