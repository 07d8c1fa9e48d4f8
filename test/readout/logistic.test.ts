import { test } from "node:test";
import assert from "node:assert/strict";
import { StateError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { toSparseCounts } from "../../src/readout/counts.ts";
import { LogisticRegression } from "../../src/readout/logistic.ts";
import { accuracy } from "../../src/readout/metrics.ts";

const K = 3;
const D = 30;

/**
 * Sparse, linearly separable counts: an example of class c fires only neurons in block [10c, 10c + 10),
 * 1 to 4 spikes on 2 to 4 of them (seeded). Any weight vector with w[j][c] > 0 inside block c and 0
 * elsewhere separates the classes, so a converged classifier must reach 100 %.
 */
function separable(perClass: number, seed: number): { counts: Float32Array; labels: Int32Array } {
  const rng = createRng(seed, "logistic-test");
  const m = perClass * K;
  const counts = new Float32Array(m * D);
  const labels = new Int32Array(m);
  for (let e = 0; e < m; e++) {
    const c = e % K;
    labels[e] = c;
    const active = 2 + rng.int(3);
    for (let a = 0; a < active; a++) counts[e * D + 10 * c + rng.int(10)] += 1 + rng.int(4);
  }
  return { counts, labels };
}

test("separates a linearly separable problem perfectly, on training and held-out data", () => {
  const train = separable(40, 1);
  const held = separable(20, 2);
  const model = new LogisticRegression();

  const report = model.fit(train.counts, train.labels, K, { epochs: 40, batchSize: 16 });

  assert.equal(accuracy(model.predict(train.counts), train.labels), 1);
  assert.equal(accuracy(model.predict(held.counts), held.labels), 1);
  assert.equal(report.lossPerEpoch.length, 40);
  assert.ok(
    report.lossPerEpoch[39] < report.lossPerEpoch[0] / 4,
    `loss ${report.lossPerEpoch[0]} -> ${report.lossPerEpoch[39]}`,
  );
});

test("two fits are bit-identical, and sparse input gives the same model as dense", () => {
  const { counts, labels } = separable(30, 3);
  const a = new LogisticRegression();
  const b = new LogisticRegression();
  const s = new LogisticRegression();

  a.fit(counts, labels, K, { epochs: 5 });
  b.fit(counts, labels, K, { epochs: 5 });
  s.fit(toSparseCounts(counts, D), labels, K, { epochs: 5 });

  assert.deepEqual(a.toJSON(), b.toJSON());
  assert.deepEqual(a.toJSON(), s.toJSON());
  const other = new LogisticRegression();
  other.fit(counts, labels, K, { epochs: 5, seed: 9 });
  assert.notDeepEqual(other.toJSON().weights, a.toJSON().weights); // the seed drives the batch order
});

test("with no informative feature the model learns the class priors (the intercept-only MLE)", () => {
  // Labels 0,0,0,0,1,1,2,2: the maximum-likelihood softmax intercepts give p = [1/2, 1/4, 1/4]. The single
  // feature is constant, so after standardisation it is 0 and cannot help.
  const labels = [0, 0, 0, 0, 1, 1, 2, 2];
  const model = new LogisticRegression();

  model.fit(new Float32Array(8).fill(3), labels, 3, {
    epochs: 3000,
    batchSize: 0,
    learningRate: 0.02,
    l2: 0,
  });

  const p = model.predictProba([3, 0]);
  for (const [i, want] of [0.5, 0.25, 0.25, 0.5, 0.25, 0.25].entries()) {
    assert.ok(Math.abs(p[i] - want) < 1e-3, `p[${i}] = ${p[i]}, want ${want}`);
  }
});

test("probabilities are normalised and survive a JSON round trip exactly", () => {
  const { counts, labels } = separable(10, 4);
  const model = new LogisticRegression();
  model.fit(counts, labels, K, { epochs: 3 });

  const p = model.predictProba(counts);
  const back = LogisticRegression.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));

  for (let i = 0; i < labels.length; i++) {
    assert.ok(Math.abs(p[3 * i] + p[3 * i + 1] + p[3 * i + 2] - 1) < 1e-12);
  }
  assert.deepEqual(back.predictProba(counts), p);
  assert.equal(back.numFeatures, D);
  assert.equal(back.numClasses, K);
});

test("errors: unfitted model, bad shapes and labels", () => {
  const model = new LogisticRegression();
  assert.throws(() => model.predict([1, 2]), StateError);
  assert.throws(() => model.toJSON(), StateError);
  assert.throws(() => model.fit([1, 2, 3], [0, 1], 2), /not a positive multiple of 2 examples/);
  assert.throws(() => model.fit([1, 2], [0, 2], 2), /labels\[1\] = 2 is not a class index/);
  assert.throws(() => model.fit([1, -1], [0, 1], 2), /counts must be finite and >= 0/);
  model.fit([1, 0, 0, 1], [0, 1], 2, { epochs: 1 });
  assert.throws(() => model.predict([1, 2, 3]), /not a multiple of 2 neurons/);
  assert.throws(
    () => LogisticRegression.fromJSON({ ...model.toJSON(), bias: [0] }),
    /bias must be 2 finite numbers/,
  );
});

test("fitSteps yields after every mini-batch, ends with fit's weights bit for bit, and changes the model only at its end", () => {
  const data = separable(30, 3); // 90 examples: batches of 16 -> 6 per epoch
  const reference = new LogisticRegression();
  const refReport = reference.fit(data.counts, data.labels, K, { epochs: 5, batchSize: 16, seed: 4 });

  const model = new LogisticRegression();
  const earlier = separable(10, 9);
  model.fit(earlier.counts, earlier.labels, K, { epochs: 3, seed: 1 });
  const before = model.predictProba(data.counts);
  const steps = model.fitSteps(data.counts, data.labels, K, { epochs: 5, batchSize: 16, seed: 4 });
  let yields = 0;
  let r = steps.next();
  for (; !r.done; r = steps.next()) {
    yields++;
    if (yields === 10) {
      // half-way, the model is still its earlier fit
      assert.deepEqual(model.predictProba(data.counts), before);
    }
  }
  assert.equal(yields, 5 * 6);
  assert.deepEqual(r.value.lossPerEpoch, refReport.lossPerEpoch);
  assert.deepEqual(model.toJSON(), reference.toJSON());

  // an unfitted model stays unfitted until the generator returns; bad arguments throw at the first next()
  const fresh = new LogisticRegression();
  const g = fresh.fitSteps(data.counts, data.labels, K, { batchSize: 16 });
  g.next();
  assert.equal(fresh.fitted, false);
  assert.throws(() => fresh.predict(data.counts), StateError);
  const bad = fresh.fitSteps(data.counts, data.labels, 0);
  assert.throws(() => bad.next(), /numClasses/);
});
