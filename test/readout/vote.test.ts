import { test } from "node:test";
import assert from "node:assert/strict";
import { assignLabels } from "../../src/readout/assign.ts";
import { allActivity, proportionWeighting } from "../../src/readout/vote.ts";

// Case C22: assignments [0, 1, 0, -1], proportions n0 [1,0,0], n1 [0,1,0], n2 [0.5,0.5,0], n3 [0,0,0].
const C22 = assignLabels([4, 0, 1, 0, 2, 0, 1, 0, 0, 3, 1, 0], [0, 0, 1], 3);

test("C22 all activity: only the silent neuron fires -> all scores 0 and no prediction", () => {
  const r = allActivity([0, 0, 0, 5], C22.assignments, 3);

  assert.deepEqual(Array.from(r.scores), [0, 0, 0]);
  assert.deepEqual(Array.from(r.predictions), [-1]);
});

test("C22 all activity: the unassigned neuron no longer dilutes class 0", () => {
  // Class 0 = mean of n0, n2 = (1 + 0) / 2; class 1 = n1 = 2; class 2 has no neurons.
  const r = allActivity([1, 2, 0, 0], C22.assignments, 3);

  assert.deepEqual(Array.from(r.scores), [0.5, 2, 0]);
  assert.deepEqual(Array.from(r.predictions), [1]);
});

test("C22 proportion weighting", () => {
  // [1,2,0,0]: class 0 = (1 * 1 + 0 * 0.5) / 2 = 0.5, class 1 = 2 * 1 / 1 = 2.
  // [0,0,3,0]: class 0 = (0 + 3 * 0.5) / 2 = 0.75 (all activity would give 1.5).
  const r = proportionWeighting([1, 2, 0, 0, 0, 0, 3, 0, 0, 0, 0, 5], C22.assignments, C22.proportions, 3);

  assert.deepEqual(Array.from(r.scores), [0.5, 2, 0, 0.75, 0, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(r.predictions), [1, 0, -1]);
  assert.deepEqual(Array.from(allActivity([0, 0, 3, 0], C22.assignments, 3).scores), [1.5, 0, 0]);
});

test("several examples at once, with a tie to the lowest class", () => {
  const assignments = Int32Array.from([1, 0, 2]);

  // Example 0: class 0 = 3, class 1 = 3 -> tie -> 0. Example 1: class 2 = 4.
  const r = allActivity(Int32Array.from([3, 3, 0, 0, 0, 4]), assignments, 3);

  assert.deepEqual(Array.from(r.scores), [3, 3, 0, 0, 0, 4]);
  assert.deepEqual(Array.from(r.predictions), [0, 2]);
});

test("bad shapes and assignments are rejected", () => {
  assert.throws(() => allActivity([1, 2, 3], C22.assignments, 3), /not a multiple of 4 neurons/);
  assert.throws(
    () => allActivity([1, 2, 3, 4], Int32Array.from([0, 1, 5, -1]), 3),
    /assignments\[2\] = 5 is neither -1/,
  );
  assert.throws(
    () => proportionWeighting([1, 2, 3, 4], C22.assignments, new Float64Array(3), 3),
    /proportions has length 3/,
  );
  assert.throws(() => allActivity([1, -2, 0, 0], C22.assignments, 3), /counts must be finite and >= 0/);
});

test("counts that do not fit the assignments say where the neuron count comes from", () => {
  assert.throws(
    () => allActivity(new Float32Array(4), Int32Array.from([0, 1, 0]), 2),
    /^ShapeMismatchError: counts has length 4, not a multiple of 3 neurons \(assignments\.length: counts and assignments must describe the same neurons\); pass a flat \[examples\]\[neurons\] array$/,
  );
});
