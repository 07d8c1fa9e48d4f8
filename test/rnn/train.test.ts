// Training loop: learning, determinism, the reference's stopping rule, and which parameters are trained.
import { test } from "node:test";
import assert from "node:assert/strict";

import { DivergenceError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { adamStepSize, ADAM_DEFAULTS } from "../../src/rnn/adam.ts";
import { type RateRnn, cloneRateRnn, createRateRnn } from "../../src/rnn/rate-rnn.ts";
import { TASKS, generateTrial, trialRng } from "../../src/rnn/tasks.ts";
import {
  RateRnnTrainer,
  firstStopUpdates,
  nextStopUpdates,
  trainRateRnn,
  trialLoss,
} from "../../src/rnn/train.ts";

function evaluateFixed(model: RateRnn, trials: number): { loss: number; accuracy: number } {
  const trainer = new RateRnnTrainer(model, TASKS["go-nogo"].steps);
  let loss = 0;
  let correct = 0;
  for (let j = 0; j < trials; j++) {
    const r = trainer.evaluate(
      generateTrial("go-nogo", createRng(99, "fixed", j)),
      createRng(99, "fixed-noise", j),
    );
    loss += r.loss / trials;
    if (r.correct) correct++;
  }
  return { loss, accuracy: correct / trials };
}

test("a short Go-NoGo run (N = 100, seed 8, 900 trials) takes the loss from the ~5.6 plateau to below 2.5", () => {
  // Untrained, the output is ~0: Go trials cost sqrt(124) = 11.1, NoGo ~0, mean ~5.6. A constant output of
  // 0.5 gives the same mean, so a loss well below 5 needs the network to hold the Go response in memory.
  const untrained = evaluateFixed(createRateRnn({ units: 100, seed: 8 }), 40);
  const result = trainRateRnn("go-nogo", { model: { units: 100 }, seed: 8, maxTrials: 900, evalEvery: 1000 });
  const trained = evaluateFixed(result.model, 40);

  assert.ok(untrained.loss > 4.5, `untrained loss ${untrained.loss}`);
  assert.ok(trained.loss < 2.5, `trained loss ${trained.loss}`);
  assert.ok(trained.accuracy >= 0.9, `trained accuracy ${trained.accuracy}`);
  assert.equal(result.updates, 900);
  assert.equal(result.success, false, "Go-NoGo cannot stop before trial 1500");
});

test("same seed gives bit-identical weights and curves; another seed does not", () => {
  const run = (seed: number) =>
    trainRateRnn("xor", { model: { units: 30 }, seed, maxTrials: 40, evalEvery: 20, evalTrials: 5 });
  const a = run(4);
  const b = run(4);
  const c = run(5);

  for (const key of ["wRaw", "wOut", "bOut", "theta", "wIn"] as const)
    assert.deepEqual(a.model[key], b.model[key]);
  assert.deepEqual(a.curve, b.curve);
  assert.deepEqual(a.trainLoss, b.trainLoss);
  assert.notDeepEqual(a.model.wOut, c.model.wOut);
});

test("stopping rule: evaluations after trials 1, 101, ...; Go-NoGo may stop only once tr > 1500 (at tr = 1501)", () => {
  const lenient = { lossThreshold: 1e9, accuracyThreshold: -1, evalTrials: 1, model: { units: 8 } };
  const gonogo = trainRateRnn("go-nogo", { ...lenient, seed: 1 });
  const xor = trainRateRnn("xor", { ...lenient, seed: 1 });
  const capped = trainRateRnn("xor", { model: { units: 8 }, seed: 1, maxTrials: 250, evalTrials: 2 });

  assert.deepEqual(
    gonogo.curve.map((p) => p.trial),
    Array.from({ length: 16 }, (_, k) => 1 + 100 * k),
  );
  assert.equal(gonogo.updates, 1502);
  assert.equal(gonogo.success, true);
  assert.equal(xor.updates, 2);
  assert.equal(xor.success, true);
  assert.equal(capped.updates, 250);
  assert.equal(capped.success, false);
  assert.deepEqual(
    capped.curve.map((p) => p.updates),
    [2, 102, 202],
  );
});

test("nextStopUpdates: the fewest --max-trials that reach an evaluation able to stop a run after n updates", () => {
  // evaluations come after updates 2, 102, 202, ... (trial index 1, 101, ...); Go-NoGo's first may stop at 1502
  assert.equal(nextStopUpdates("xor", 0), firstStopUpdates("xor"));
  assert.equal(nextStopUpdates("xor", 1), 2);
  assert.equal(nextStopUpdates("xor", 2), 102, "the evaluation after update 2 has been and failed");
  assert.equal(nextStopUpdates("xor", 3), 102);
  assert.equal(nextStopUpdates("xor", 250), 302);
  assert.equal(nextStopUpdates("go-nogo", 1), 1502);
  assert.equal(nextStopUpdates("go-nogo", 6000), 6002);
  // what training does: a run capped there evaluates once more, after exactly that many updates
  const capped = trainRateRnn("xor", { model: { units: 8 }, seed: 1, maxTrials: 102, evalTrials: 1 });
  assert.equal(capped.curve.at(-1)?.updates, nextStopUpdates("xor", 3));
});

test("training leaves W_in and the support untouched; fixed taus (tauMin = tauMax) leave theta untouched", () => {
  const model = createRateRnn({ units: 20, inputs: 2, seed: 2, tauMin_ms: 35, tauMax_ms: 35 });
  const before = cloneRateRnn(model);
  const trainer = new RateRnnTrainer(model, TASKS.xor.steps);
  for (let k = 0; k < 5; k++) trainer.update(generateTrial("xor", trialRng(2, k)), createRng(2, "noise", k));

  assert.deepEqual(model.wIn, before.wIn);
  assert.deepEqual(model.rowPtr, before.rowPtr);
  assert.deepEqual(model.colIdx, before.colIdx);
  assert.deepEqual(model.theta, before.theta);
  assert.notDeepEqual(model.wRaw, before.wRaw);
  assert.notDeepEqual(model.wOut, before.wOut);
  assert.notEqual(model.bOut[0], before.bOut[0]);
});

test("first Adam step moves every parameter with a nonzero gradient by lr (TF1 Adam: m/sqrt(v) = sign(g))", () => {
  // After one step m = (1-b1) g, v = (1-b2) g^2 and lr_1 = lr sqrt(1-b2)/(1-b1), so the step is lr sign(g)
  // up to eps / |g| corrections.
  assert.ok(Math.abs(adamStepSize(ADAM_DEFAULTS, 1) - (0.01 * Math.sqrt(0.001)) / 0.1) < 1e-15);
  const model = createRateRnn({ units: 15, seed: 3 });
  const before = cloneRateRnn(model);
  const trainer = new RateRnnTrainer(model, TASKS["go-nogo"].steps);
  trainer.update(generateTrial("go-nogo", createRng(3), { go: true }), createRng(3, "noise"));
  const g = trainer.backprop.gradients;
  for (let i = 0; i < model.units; i++) {
    if (Math.abs(g.wOut[i]) < 1e-4) continue;
    assert.ok(Math.abs(before.wOut[i] - model.wOut[i] - 0.01 * Math.sign(g.wOut[i])) < 1e-7);
  }
});

test("losses: l2 is the root of the summed squares, l1 the summed absolute error, o_t against z_{t-1}", () => {
  const o = Float64Array.of(1, 2, 3);
  const z = Float64Array.of(0, 0, 1, 7); // the last target entry is never used (T-1 outputs)
  const d = new Float64Array(3);
  assert.equal(trialLoss(o, z, "l2", d), 3);
  assert.deepEqual(Array.from(d), [1 / 3, 2 / 3, 2 / 3]);
  assert.equal(trialLoss(o, z, "l1", d), 5);
  assert.deepEqual(Array.from(d), [1, 1, 1]);
  assert.throws(() => trialLoss(o, z, "l3" as "l1"), /loss must be "l2" or "l1"/);
});

test("trainRateRnn validates its options", () => {
  assert.throws(
    () => trainRateRnn("xor", { model: { inputs: 3 } }),
    /model.inputs = 3 but xor has 2 input channels/,
  );
  assert.throws(() => trainRateRnn("xor", { maxTrials: 0 }), /maxTrials must be an integer >= 1/);
  assert.throws(() => trainRateRnn("xor", { beta1: 1, maxTrials: 1 }), /beta1 must be in \[0, 1\)/);
  // a learning rate that throws the weights out of the float64 range stops training at once, by name
  assert.throws(
    () => trainRateRnn("go-nogo", { model: { units: 10 }, maxTrials: 5, learningRate: 1e300 }),
    (e: unknown) =>
      e instanceof DivergenceError &&
      e.message ===
        "rate RNN training diverged: the loss of training trial 1 is Infinity (the weights left the float64 " +
          "range); lower the learning rate (now 1e+300; the paper's is 0.01)",
  );
});

test("options.initial trains a copy and leaves the caller's model untouched", () => {
  const initial = createRateRnn({ units: 12, inputs: 2, seed: 9 });
  const before = cloneRateRnn(initial);
  const result = trainRateRnn("xor", { initial, seed: 9, maxTrials: 3, evalTrials: 1 });

  assert.deepEqual(initial.wRaw, before.wRaw);
  assert.notDeepEqual(result.model.wRaw, before.wRaw);
  assert.deepEqual(result.model.wIn, before.wIn);
  assert.throws(
    () => trainRateRnn("mante", { initial, maxTrials: 1 }),
    /initial model has 2 inputs but mante has 4/,
  );
});

test("training options that cannot work together are refused: an unreachable accuracy, model with initial, two seeds", () => {
  const net = createRateRnn({ units: 10, inputs: 1, seed: 1 });
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      { accuracyThreshold: 1 },
      /^accuracyThreshold must be below 1 \(the rule needs accuracy above it; the paper: 0\.95\), got number 1$/,
    ],
    [{ accuracyThreshold: 2 }, /^accuracyThreshold must be below 1 /],
    [
      { initial: net, model: { units: 20 } },
      /^rate RNN training options: model \(a new network's settings\) and initial \(a network to go on training\) exclude each other; pass one$/,
    ],
    [
      { model: { units: 10, seed: 3 }, seed: 4 },
      /^rate RNN training options: seed 4 and model\.seed 3 differ; the initial weights come from one seed: give seed only$/,
    ],
  ];
  for (const [options, message] of cases) {
    assert.throws(() => trainRateRnn("go-nogo", { maxTrials: 1, ...options }), {
      name: "InvalidParameterError",
      message,
    });
  }
  // the same seed twice is one seed
  assert.doesNotThrow(() =>
    trainRateRnn("go-nogo", { model: { units: 10, seed: 4 }, seed: 4, maxTrials: 1 }),
  );
});
