// Dense and sparse count inputs: toSparseCounts and rowsOf refuse what they cannot convert faithfully.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ShapeMismatchError } from "../../src/core/errors.ts";
import { checkLabels, rowsOf, toSparseCounts } from "../../src/readout/counts.ts";
import { refusalOf } from "../helpers/refusal.ts";

test("toSparseCounts refuses a neuron count that is not a positive integer", () => {
  // numCols 0 used to say "not a multiple of 0 neurons"
  for (const [numCols, got] of [
    [0, "0"],
    [-2, "-2"],
    [1.5, "1.5"],
    [NaN, "NaN"],
    ["2", 'string "2"'],
  ] as const) {
    assert.equal(
      refusalOf(() => toSparseCounts([1, 2], numCols as never)),
      `toSparseCounts(counts, numCols): numCols must be an integer >= 1, got ${got}; pass the number of ` +
        `neurons per example (the columns of the [examples][neurons] array)`,
    );
  }
  assert.throws(() => toSparseCounts([1, 2, 3], 2), ShapeMismatchError);
  // a positive integer that divides the length converts as before
  const s = toSparseCounts([0, 2, 0, 3, 0, 0], 3);
  assert.deepEqual([s.numRows, ...s.rowPtr, ...s.colIndex, ...s.values], [2, 0, 1, 2, 1, 0, 2, 3]);
  assert.match(
    refusalOf(() => toSparseCounts(undefined as never, 2)),
    /counts must be a flat \[examples\]\[neurons\] array or typed array, got undefined/,
  );
});

test("toSparseCounts refuses counts that are negative, not finite or beyond float32, naming the flat index", () => {
  // these used to be stored as they were (-1, NaN) or as Infinity (1e39)
  assert.equal(
    refusalOf(() => toSparseCounts([0, 1, -1, 0], 2)),
    "spike count at flat index 2 is -1; counts must be finite and >= 0",
  );
  assert.match(
    refusalOf(() => toSparseCounts([NaN, 0], 2)),
    /flat index 0 is NaN; counts must be finite/,
  );
  assert.match(
    refusalOf(() => toSparseCounts([0, Infinity], 1)),
    /flat index 1 is Infinity/,
  );
  assert.equal(
    refusalOf(() => toSparseCounts(Float64Array.of(0, 1e39), 2)),
    "spike count at flat index 1 is 1e+39, beyond the float32 range (up to 3.4028234663852886e+38) that sparse " +
      "counts store, where it would become Infinity; rescale the counts",
  );
});

test("rowsOf refuses a column count that is not a positive integer and says where it came from", () => {
  assert.equal(
    refusalOf(() => rowsOf([], 0, "counts", " (assignments.length)")),
    "counts: the number of neurons per example must be an integer >= 1, got 0 (assignments.length); give the " +
      "neuron count of the [examples][neurons] array",
  );
  assert.match(
    refusalOf(() => rowsOf([1, 2], 0.5)),
    /must be an integer >= 1, got 0\.5/,
  );
});

test("checkLabels names a label that is not an integer, without suggesting a larger numClasses", () => {
  assert.equal(
    refusalOf(() => checkLabels([0, NaN], 3)),
    "labels[1] = NaN is not a class index: labels are integers in [0, 3); fix the labels",
  );
  assert.match(
    refusalOf(() => checkLabels([2.5], 3)),
    /^labels\[0\] = 2\.5 is not a class index: labels are integers/,
  );
  assert.equal(
    refusalOf(() => checkLabels([3], 3)),
    "labels[0] = 3 is not a class index in [0, 3); raise numClasses or fix the labels",
  );
});
