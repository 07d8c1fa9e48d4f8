/**
 * LIF trials of a transferred network: the padded input (T + 1 rows), the trial length, the readout sampled
 * every step and judged by the spiking criterion, firing rates, and a trained Go-NoGo rate net whose spiking
 * version answers Go with a high output and NoGo with a low one.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "../../src/core/rng.ts";
import { createRateRnn } from "../../src/rnn/rate-rnn.ts";
import {
  firingRates_Hz,
  lifTrialSteps,
  paddedInput,
  runLifTrial,
  trialDrive,
} from "../../src/rnn/lif-trial.ts";
import { generateTrial, isCorrect } from "../../src/rnn/tasks.ts";
import { InvalidParameterError, ShapeMismatchError } from "../../src/core/errors.ts";
import { trainRateRnn } from "../../src/rnn/train.ts";
import { transferRateRnn } from "../../src/rnn/transfer.ts";

test("the input gets one zero row (T + 1 rows); a Go pulse on rate steps [50, 75) drives LIF steps [4949, 7449)", () => {
  const net = transferRateRnn(createRateRnn({ units: 10, seed: 1 }), 25);
  const trial = generateTrial("go-nogo", createRng(1, "t"), { go: true });

  const u = paddedInput(trial);
  const drive = trialDrive(net, trial);

  assert.equal(u.length, 201);
  assert.equal(u[200], 0);
  assert.deepEqual(Array.from(u.subarray(0, 200)), Array.from(trial.u));
  assert.equal(lifTrialSteps(net, trial), 20_000);
  // round((k + 1) / 100) = 50 first at k + 1 = 4950, and = 75 first at k + 1 = 7450
  assert.equal(drive.rowAt(4948), 49);
  assert.equal(drive.rowAt(4949), 50);
  assert.equal(drive.rowAt(7448), 74);
  assert.equal(drive.rowAt(7449), 75);
});

test("a trial records one readout sample per LIF step, judged by the spiking criterion; rates come from the spikes", () => {
  const trial = generateTrial("xor", createRng(2, "t"));
  const xorNet = transferRateRnn(createRateRnn({ units: 30, inputs: 2, seed: 2 }), 30);

  const r = runLifTrial(xorNet, trial, createRng(2, "noise"));
  const rates = firingRates_Hz(xorNet, r);

  assert.equal(r.steps, 30_000);
  assert.equal(r.output.length, 30_000);
  assert.equal(r.correct, isCorrect("xor", r.output, trial, { criterion: "spiking", dt_ms: 0.05 }));
  assert.equal(r.spikeSteps.length, r.spikeNeurons.length);
  assert.ok(r.spikeSteps.every((s, k) => s >= 0 && s < 30_000 && (k === 0 || s >= r.spikeSteps[k - 1])));
  assert.ok(Math.abs(rates.reduce((a, b) => a + b, 0) - r.spikeSteps.length / 1.5) < 1e-9);
});

test("a trained Go-NoGo rate net (N = 100) converts: at s = 40 the LIF output is high on Go and low on NoGo trials", () => {
  // Same run as test/rnn/train.test.ts (seed 8, 900 updates: rate accuracy >= 90 %). Mean readout over the
  // response window [0.5 s, 1 s] at s = 40, measured: Go 1.25 - 1.41 on 6 of 6 trials; NoGo 0.00 - 0.17 on 5 of
  // 6, and 1.20 on one trial that the initial transient (v0 ~ U(-65, 30) mV) kicked into the Go attractor.
  const trained = trainRateRnn("go-nogo", {
    model: { units: 100 },
    seed: 8,
    maxTrials: 900,
    evalEvery: 1000,
  });
  const net = transferRateRnn(trained.model, 40);
  const windowMean = (k: number) => {
    const trial = generateTrial("go-nogo", createRng(3, "t", k), { go: k % 2 === 0 });
    const out = runLifTrial(net, trial, createRng(3, "noise", k)).output;
    let m = 0;
    for (let s = 10_000; s < 20_000; s++) m += out[s] / 10_000;
    return m;
  };

  const means = Array.from({ length: 12 }, (_, k) => windowMean(k));
  const go = means.filter((_, k) => k % 2 === 0);
  const nogo = means.filter((_, k) => k % 2 === 1);

  for (const m of go) assert.ok(m > 0.7, `Go window mean ${m}`);
  assert.ok(nogo.filter((m) => Math.abs(m) < 0.3).length >= 5, `NoGo window means ${nogo.join(", ")}`);
  assert.ok(Math.min(...go) > [...nogo].sort((a, b) => a - b)[3], "Go above the NoGo median");
});

test("a trial of a task with another number of inputs is refused, naming the task and both input counts", () => {
  const goNoGoNet = transferRateRnn(createRateRnn({ units: 10, inputs: 1, seed: 1 }), 25);
  const manteNet = transferRateRnn(createRateRnn({ units: 10, inputs: 4, seed: 1 }), 25);
  const xor = generateTrial("xor", createRng(1, "t"));
  const goNoGo = generateTrial("go-nogo", createRng(1, "t"));
  const refused = (inputs: number, task: string, taskInputs: number) => (e: unknown) => {
    assert.ok(e instanceof InvalidParameterError, String(e));
    assert.match(
      e.message,
      new RegExp(`the spiking network has ${inputs} inputs but ${task} has ${taskInputs}`),
    );
    return true;
  };

  assert.throws(() => runLifTrial(goNoGoNet, xor, createRng(1, "n")), refused(1, "xor", 2));
  assert.throws(() => runLifTrial(manteNet, goNoGo, createRng(1, "n")), refused(4, "go-nogo", 1));
  assert.throws(() => trialDrive(goNoGoNet, xor), refused(1, "xor", 2));
  assert.equal(goNoGoNet.network.time, 0, "nothing ran");
});

test("a hand-made trial whose input does not hold steps x inputs values is a ShapeMismatchError", () => {
  const net = transferRateRnn(createRateRnn({ units: 10, inputs: 1, seed: 1 }), 25);
  const trial = generateTrial("go-nogo", createRng(1, "t"));
  const short = { ...trial, u: trial.u.subarray(0, 150) };

  assert.throws(
    () => runLifTrial(net, short, createRng(1, "n")),
    (e: unknown) =>
      e instanceof ShapeMismatchError &&
      /the go-nogo trial's input u has 150 values for 200 steps x 1 channels/.test(e.message),
  );
});

test("a malformed trial is a typed error naming what a trial is, not a TypeError", () => {
  const net = transferRateRnn(createRateRnn({ units: 6, inputs: 1, seed: 1 }), 25);
  for (const bad of [
    { task: "go-nogo" },
    null,
    { task: "go-nogo", steps: 2, inputs: 1, u: [0, 0], target: [0, 0] },
  ]) {
    assert.throws(() => runLifTrial(net, bad as never, createRng(1, "t")), {
      name: "InvalidParameterError",
      message:
        /^the spiking network: a trial is \{ task, steps, inputs, u, target, label, \.\.\. \} as generateTrial makes it, got /,
    });
  }
});
