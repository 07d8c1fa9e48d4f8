import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { InvalidParameterError, ShapeMismatchError } from "../../src/core/errors.ts";
import { LabelAssigner, UNASSIGNED, assignLabels } from "../../src/readout/assign.ts";

// Case C22: 4 neurons, 3 classes, class 2 never appears.
const C22_COUNTS = Float32Array.from([4, 0, 1, 0, 2, 0, 1, 0, 0, 3, 1, 0]);
const C22_LABELS = [0, 0, 1];

const rows = (a: ArrayLike<number>, k: number) =>
  Array.from({ length: a.length / k }, (_, i) => Array.from(a).slice(i * k, (i + 1) * k));

test("C22: mean rates, proportions and assignments", () => {
  const r = assignLabels(C22_COUNTS, C22_LABELS, 3);

  // Class 0 means over samples 0 and 1: n0 (4+2)/2 = 3, n2 (1+1)/2 = 1. Class 1 is sample 2 alone.
  assert.deepEqual(rows(r.rates, 3), [
    [3, 0, 0],
    [0, 3, 0],
    [1, 1, 0],
    [0, 0, 0],
  ]);
  assert.deepEqual(rows(r.proportions, 3), [
    [1, 0, 0],
    [0, 1, 0],
    [0.5, 0.5, 0],
    [0, 0, 0],
  ]);
  // n2 ties between classes 0 and 1 (lowest index wins); n3 is silent and unassigned.
  assert.deepEqual(Array.from(r.assignments), [0, 1, 0, UNASSIGNED]);
  assert.equal(UNASSIGNED, -1);
});

test("no NaN anywhere, even with unseen classes and silent neurons", () => {
  const r = assignLabels(new Int32Array(2 * 5), [3, 3], 6);

  assert.ok(r.rates.every((v) => v === 0));
  assert.ok(r.proportions.every((v) => v === 0));
  assert.deepEqual(Array.from(r.assignments), [-1, -1, -1, -1, -1]);
});

test("ties go to the lowest class index", () => {
  // One neuron with equal mean counts for classes 2 and 1 (and 0 for class 0).
  const r = assignLabels([0, 5, 5], [0, 1, 2], 3);
  assert.deepEqual(Array.from(r.assignments), [1]);
});

test("rates accumulate with alpha = 1 and decay with alpha < 1; opts.rates is not modified", () => {
  const first = assignLabels(C22_COUNTS, C22_LABELS, 3);
  const saved = first.rates.slice();

  const second = assignLabels([0, 0, 0, 2], [2], 3, { rates: first.rates });
  const decayed = assignLabels([0, 6, 0, 0], [1], 3, { rates: first.rates, alpha: 0.5 });

  assert.deepEqual(first.rates, saved);
  // Only class 2's column changes: n3 gets 0 + 2 and becomes class 2.
  assert.deepEqual(rows(second.rates, 3), [
    [3, 0, 0],
    [0, 3, 0],
    [1, 1, 0],
    [0, 0, 2],
  ]);
  assert.deepEqual(Array.from(second.assignments), [0, 1, 0, 2]);
  // Class 1 column: 0.5 * [0, 3, 1, 0] + [0, 6, 0, 0] = [0, 7.5, 0.5, 0]; class 0 and 2 untouched.
  assert.deepEqual(rows(decayed.rates, 3), [
    [3, 0, 0],
    [0, 7.5, 0],
    [1, 0.5, 0],
    [0, 0, 0],
  ]);
});

test("LabelAssigner updated block by block equals one pass when each class stays within one block", () => {
  const a = new LabelAssigner(4, 3);
  assert.deepEqual(Array.from(a.assignments), [-1, -1, -1, -1]);

  a.update(C22_COUNTS.subarray(0, 8), [0, 0]).update(C22_COUNTS.subarray(8), [1]);

  const once = assignLabels(C22_COUNTS, C22_LABELS, 3);
  assert.deepEqual(a.rates, once.rates);
  assert.deepEqual(a.proportions, once.proportions);
  assert.deepEqual(a.assignments, once.assignments);
});

test("LabelAssigner and assignLabels with carried rates agree on any sequence of blocks", () => {
  const block = fc.record({
    labels: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 4 }),
    seed: fc.nat(1000),
  });
  fc.assert(
    fc.property(fc.array(block, { minLength: 1, maxLength: 4 }), fc.constantFrom(1, 0.5), (blocks, alpha) => {
      const a = new LabelAssigner(3, 3, { alpha });
      let rates: Float64Array | undefined;
      for (const b of blocks) {
        const counts = b.labels.flatMap((_, e) => [0, 1, 2].map((i) => (b.seed * (e + 1) * (i + 3)) % 5));
        a.update(counts, b.labels);
        rates = assignLabels(counts, b.labels, 3, { rates, alpha }).rates;
      }
      assert.deepEqual(a.rates, rates);
    }),
  );
});

test("LabelAssigner round-trips through JSON", () => {
  const a = new LabelAssigner(4, 3, { alpha: 0.9 }).update(C22_COUNTS, C22_LABELS);

  const b = LabelAssigner.fromJSON(JSON.parse(JSON.stringify(a)));

  assert.equal(b.alpha, 0.9);
  assert.deepEqual(b.rates, a.rates);
  assert.deepEqual(b.assignments, a.assignments);
  assert.deepEqual(b.proportions, a.proportions);
  b.reset();
  assert.deepEqual(Array.from(b.assignments), [-1, -1, -1, -1]);
  assert.throws(() => LabelAssigner.fromJSON({ ...a.toJSON(), rates: [1] }), /has 1 rates, 4 x 3 need 12/);
});

test("bad inputs are rejected with messages that say what is wrong", () => {
  assert.throws(() => assignLabels([1, 2, 3], [0, 1], 2), ShapeMismatchError);
  assert.throws(() => assignLabels([1, 2], [0, 2], 2), /labels\[1\] = 2 is not a class index in \[0, 2\)/);
  assert.throws(() => assignLabels([1, -1], [0, 1], 2), /spike count at flat index 1 is -1/);
  assert.throws(() => assignLabels([1, NaN], [0, 1], 2), InvalidParameterError);
  assert.throws(() => assignLabels([], [], 2), /cannot tell the number of neurons/);
  assert.equal(assignLabels([], [], 2, { numNeurons: 3 }).assignments.length, 3);
  assert.throws(() => assignLabels([1], [0], 2, { rates: new Float64Array(4) }), /rates or numNeurons say 2/);
  assert.throws(() => assignLabels([1], [0], 2, { alpha: -1 }), /alpha = -1 is outside \[0, 1\]/);
  assert.throws(() => new LabelAssigner(2, 2).update([1, 2, 3], [0]), /3 neurons per example|need 2/);
});

test("alpha outside [0, 1] is refused, by assignLabels, LabelAssigner and fromJSON alike", () => {
  const message = (alpha: number) =>
    `alpha = ${alpha} is outside [0, 1]: alpha is the weight of the earlier rates (rates <- alpha * rates + ` +
    `block mean); use 1 to accumulate over all blocks (the default) or a value below 1 to let old blocks fade`;
  const refused = (alpha: number) => (e: unknown) =>
    e instanceof InvalidParameterError && e.message === message(alpha);
  // alpha 2 used to be accepted: every block doubled the rates of the blocks before it
  assert.throws(() => assignLabels(C22_COUNTS, C22_LABELS, 3, { alpha: 2 }), refused(2));
  assert.throws(() => assignLabels(C22_COUNTS, C22_LABELS, 3, { alpha: 1.000001 }), refused(1.000001));
  assert.throws(() => new LabelAssigner(4, 3, { alpha: 2 }), refused(2));
  const saved = new LabelAssigner(4, 3).toJSON();
  assert.throws(() => LabelAssigner.fromJSON({ ...saved, alpha: 1.5 }), refused(1.5));
  assert.throws(() => assignLabels([1], [0], 2, { alpha: NaN }), /alpha must be a finite number, got NaN/);
  // both ends are meaningful: 0 keeps only the latest block, 1 accumulates
  const first = assignLabels(C22_COUNTS, C22_LABELS, 3).rates;
  assert.deepEqual(assignLabels(C22_COUNTS, C22_LABELS, 3, { rates: first, alpha: 0 }).rates, first);
  assert.equal(new LabelAssigner(4, 3, { alpha: 1 }).alpha, 1);
});

test("numNeurons must be an integer >= 1", () => {
  assert.throws(
    () => assignLabels([], [], 2, { numNeurons: 1.5 }),
    (e: unknown) =>
      e instanceof InvalidParameterError && e.message === "numNeurons must be an integer >= 1, got 1.5",
  );
  assert.throws(
    () => assignLabels([], [], 2, { numNeurons: 0 }),
    /numNeurons must be an integer >= 1, got 0/,
  );
});
