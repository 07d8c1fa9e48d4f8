import { test } from "node:test";
import assert from "node:assert/strict";
import { accuracy, confusionMatrix } from "../../src/readout/metrics.ts";
import { refusalOf } from "../helpers/refusal.ts";

test("accuracy counts a -1 prediction as wrong", () => {
  assert.equal(accuracy([0, 1, -1, 2], [0, 2, 1, 2]), 0.5);
  assert.equal(accuracy(Int32Array.from([-1]), Uint8Array.from([0])), 0);
  assert.throws(() => accuracy([0], [0, 1]), /1 predictions but 2 labels/);
  assert.throws(() => accuracy([], []), /0 examples is undefined/);
});

test("confusion matrix: rows true class, columns predicted plus 'no prediction'", () => {
  const labels = [0, 0, 1, 1, 1, 2];
  const preds = [0, 1, 1, -1, 1, 0];

  const m = confusionMatrix(preds, labels, 3);

  // Row 0: one right, one predicted 1. Row 1: two right, one no prediction. Row 2: predicted 0.
  assert.deepEqual(Array.from(m.counts), [1, 1, 0, 0, 0, 2, 0, 1, 1, 0, 0, 0]);
  assert.equal(m.get(1, -1), 1);
  assert.equal(m.get(2, 0), 1);
  assert.equal(m.total, 6);
  assert.equal(
    m.counts.reduce((a, b) => a + b, 0),
    labels.length,
  );
  // The diagonal over the total is the accuracy.
  assert.equal((m.get(0, 0) + m.get(1, 1) + m.get(2, 2)) / m.total, accuracy(preds, labels));
});

test("confusion matrix rejects out-of-range classes", () => {
  assert.throws(() => confusionMatrix([3], [0], 3), /predictions\[0\] = 3 is neither -1 nor a class/);
  assert.throws(() => confusionMatrix([0], [3], 3), /labels\[0\] = 3 is not a class index/);
  assert.throws(() => confusionMatrix([0], [0], 3).get(0, -2), /predicted -2/);
});

test("accuracy refuses labels and predictions that are not class indices, naming the index", () => {
  // accuracy([0], [NaN]) used to return 0
  assert.equal(
    refusalOf(() => accuracy([0, 1], [0, NaN])),
    "labels[1] = NaN is not a class index: labels are integers >= 0; fix the labels",
  );
  assert.equal(
    refusalOf(() => accuracy([0, -1], [0, -1])),
    "labels[1] = -1 is not a class index >= 0; fix the labels",
  );
  assert.equal(
    refusalOf(() => accuracy([NaN], [0])),
    'predictions[0] = NaN is neither -1 nor an integer class index >= 0 (-1 means "no prediction"); pass the ' +
      "class indices a readout returned",
  );
  assert.match(
    refusalOf(() => accuracy([1.5], [1])),
    /^predictions\[0\] = 1\.5 is neither -1 nor/,
  );
  assert.match(
    refusalOf(() => accuracy([0, -2], [0, 0])),
    /^predictions\[1\] = -2 is neither -1 nor/,
  );
  assert.match(
    refusalOf(() => accuracy(undefined as never, [0])),
    /^accuracy\(predictions, labels\): predictions must be an array or typed array of class indices, got undefined$/,
  );
  // -1 ("no prediction") stays a valid prediction
  assert.equal(accuracy([-1, 1], [0, 1]), 0.5);
});

test("confusionMatrix refuses non-integer labels and predictions and a matrix too large to allocate", () => {
  assert.match(
    refusalOf(() => confusionMatrix([0], [0.5], 2)),
    /^labels\[0\] = 0\.5 is not a class index: labels are integers in \[0, 2\)/,
  );
  assert.match(
    refusalOf(() => confusionMatrix([NaN], [0], 2)),
    /^predictions\[0\] = NaN is neither -1 nor a class in \[0, 2\)/,
  );
  assert.match(
    refusalOf(() => confusionMatrix([0], [0], 100000)),
    /confusionMatrix numClasses = 100000 would need a buffer of 10000100000 entries/,
  );
});
