// C34.1 (/work/shared/cases/README.md): W_eff = relu(W_raw) D with D = diag(+-1) per presynaptic unit, so
// every nonzero entry of column j has unit j's sign, after initialisation and after any amount of training.
import { test } from "node:test";
import assert from "node:assert/strict";

import { createRng } from "../../src/core/rng.ts";
import { type RateRnn, cloneRateRnn, createRateRnn, effectiveWeightsDense } from "../../src/rnn/rate-rnn.ts";
import { TASKS, generateTrial, trialRng } from "../../src/rnn/tasks.ts";
import { RateRnnTrainer } from "../../src/rnn/train.ts";

/** Number of nonzero entries of W_eff whose sign differs from their column's unit type. */
function signViolations(model: RateRnn): number {
  const n = model.units;
  const dense = effectiveWeightsDense(model);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const w = dense[i * n + j];
      if (w !== 0 && Math.sign(w) !== model.sign[j]) bad++;
    }
  }
  return bad;
}

test("C34.1: after every one of 10 Go-NoGo updates each nonzero W_eff entry in column j has unit j's sign", () => {
  const model = createRateRnn({ units: 60, seed: 21 });
  const support = cloneRateRnn(model);
  // a large step size drives many raw weights below zero within 10 updates, so that relu has work to do
  const trainer = new RateRnnTrainer(model, TASKS["go-nogo"].steps, { learningRate: 0.05 });
  assert.equal(signViolations(model), 0);
  assert.ok(
    model.wRaw.every((w) => w > 0),
    "Dale init takes abs() of the Gaussian weights",
  );

  for (let k = 0; k < 10; k++) {
    trainer.update(generateTrial("go-nogo", trialRng(21, k)), createRng(21, "noise", k));
    assert.equal(signViolations(model), 0, `after update ${k + 1}`);
  }

  const inert = model.wRaw.filter((w) => w <= 0).length;
  assert.ok(
    inert > 0.05 * model.wRaw.length,
    `only ${inert} raw weights went negative; the test would be weak`,
  );
  assert.deepEqual(model.colIdx, support.colIdx, "the support (mask) is fixed");
  assert.deepEqual(model.rowPtr, support.rowPtr);
  // inert raw weights (<= 0) have exactly zero gradient: relu'(w <= 0) = 0
  trainer.backprop.lossAndGradients(generateTrial("go-nogo", trialRng(21, 99)), createRng(21, "noise", 99));
  for (let k = 0; k < model.wRaw.length; k++)
    if (model.wRaw[k] <= 0) assert.equal(trainer.backprop.gradients.wRaw[k], 0);
});

test("both signs occur: excitatory columns are >= 0, inhibitory columns <= 0, off-support entries 0", () => {
  const model = createRateRnn({ units: 200, seed: 5 });
  const n = model.units;
  const dense = effectiveWeightsDense(model);
  let pos = 0;
  let neg = 0;
  for (const w of dense) {
    if (w > 0) pos++;
    if (w < 0) neg++;
  }
  assert.equal(signViolations(model), 0);
  const inhibitory = model.sign.filter((s) => s < 0).length;
  // 200 Bernoulli(0.2) units: 40 +- 5.7 (sd); 4 sd bounds
  assert.ok(inhibitory > 17 && inhibitory < 63, `${inhibitory} inhibitory units`);
  assert.equal(pos + neg, model.wRaw.length);
  // inhibitory share of the entries follows the inhibitory share of the columns (+-3 sd of a binomial)
  const share = inhibitory / n;
  const sd = Math.sqrt((share * (1 - share)) / (pos + neg));
  assert.ok(Math.abs(neg / (pos + neg) - share) < 0.05 + 3 * sd);
});

test("without Dale the columns mix signs (no relu, D = I) and all units count as excitatory", () => {
  const model = createRateRnn({ units: 50, seed: 5, dale: false });
  assert.ok(model.sign.every((s) => s === 1));
  assert.ok(signViolations(model) > 0);
});

test("SST mask: no connection from any inhibitory unit onto an SST unit, before and after training", () => {
  const model = createRateRnn({ units: 100, seed: 8, sstCount: 5 });
  const n = model.units;
  const sst = [...model.sst.keys()].filter((i) => model.sst[i] === 1);
  const firstInhibitory = [...model.sign.keys()].filter((i) => model.sign[i] < 0).slice(0, 5);
  assert.deepEqual(sst, firstInhibitory, "SST units are the first sstCount inhibitory units");

  const trainer = new RateRnnTrainer(model, TASKS["go-nogo"].steps);
  for (let k = 0; k < 3; k++)
    trainer.update(generateTrial("go-nogo", trialRng(8, k)), createRng(8, "noise", k));
  const dense = effectiveWeightsDense(model);
  let toSstFromE = 0;
  for (const i of sst) {
    for (let j = 0; j < n; j++) {
      if (model.sign[j] < 0) assert.equal(dense[i * n + j], 0, `I ${j} -> SST ${i}`);
      else if (dense[i * n + j] !== 0) toSstFromE++;
    }
  }
  assert.ok(toSstFromE > 0, "excitatory -> SST connections remain");
  assert.equal(signViolations(model), 0);
});
