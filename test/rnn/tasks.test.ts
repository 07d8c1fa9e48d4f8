// Task generators and success criteria against the reference's numbers
// (rkim35/spikeRNN rate/model.py and docs/rnn.md section 2; rate steps of 5 ms, 0-based).
import { test } from "node:test";
import assert from "node:assert/strict";

import { InvalidParameterError, ShapeMismatchError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import {
  TASKS,
  type TaskName,
  type Trial,
  generateTrial,
  isCorrect,
  spikingWindowStart,
  trialRng,
} from "../../src/rnn/tasks.ts";

/** The maximal [start, end) runs where pred(t) holds. */
function runs(steps: number, pred: (t: number) => boolean): [number, number][] {
  const out: [number, number][] = [];
  for (let t = 0; t < steps; t++) {
    if (!pred(t)) continue;
    const s = t;
    while (t < steps && pred(t)) t++;
    out.push([s, t]);
  }
  return out;
}

test("task table: trial lengths 200 / 300 / 500 steps (1.0 / 1.5 / 2.5 s) with 1 / 2 / 4 inputs", () => {
  assert.deepEqual(
    [TASKS["go-nogo"], TASKS.xor, TASKS.mante].map((s) => [s.steps, s.steps * s.dt_ms, s.inputs]),
    [
      [200, 1000, 1],
      [300, 1500, 2],
      [500, 2500, 4],
    ],
  );
});

test("Go-NoGo: a Go pulse u = 1 on steps [50, 75) (250-375 ms), target 1 from step 75; NoGo is all zero", () => {
  const go = generateTrial("go-nogo", createRng(1), { go: true });
  const nogo = generateTrial("go-nogo", createRng(1), { go: false });

  assert.equal(go.u.length, 200);
  assert.deepEqual(
    runs(200, (t) => go.u[t] !== 0),
    [[50, 75]],
  );
  assert.ok(go.u.slice(50, 75).every((v) => v === 1));
  assert.deepEqual(
    runs(200, (t) => go.target[t] !== 0),
    [[75, 200]],
  );
  assert.ok(go.target.slice(75).every((v) => v === 1));
  assert.equal(go.label, 1);
  assert.ok(nogo.u.every((v) => v === 0) && nogo.target.every((v) => v === 0));
  assert.equal(nogo.label, 0);
});

test("XOR: pulses on [50, 100) and [110, 160) (10-step gap), target +1 same / -1 different on [170, 270)", () => {
  for (const signs of [
    [1, 1],
    [1, -1],
    [-1, 1],
    [-1, -1],
  ] as const) {
    const trial = generateTrial("xor", createRng(2), { signs });
    const ch = (c: number) => (t: number) => trial.u[t * 2 + c] !== 0;

    assert.deepEqual(runs(300, ch(0)), [[50, 100]]);
    assert.deepEqual(runs(300, ch(1)), [[110, 160]]);
    for (let t = 50; t < 100; t++) assert.equal(trial.u[t * 2], signs[0]);
    for (let t = 110; t < 160; t++) assert.equal(trial.u[t * 2 + 1], signs[1]);
    const label = signs[0] === signs[1] ? 1 : -1;
    assert.equal(trial.label, label);
    assert.deepEqual(
      runs(300, (t) => trial.target[t] !== 0),
      [[170, 270]],
    );
    assert.ok(trial.target.slice(170, 270).every((v) => v === label));
  }
});

test("Mante: noisy +-0.5 evidence on [50, 250) in channels 1-2, cued context held all trial, target from 250", () => {
  for (const context of [0, 1] as const) {
    for (const signs of [
      [1, -1],
      [-1, 1],
    ] as const) {
      const trial = generateTrial("mante", createRng(3, context, signs[0]), { context, signs });
      const at = (t: number, c: number) => trial.u[t * 4 + c];

      for (const c of [0, 1]) {
        assert.deepEqual(
          runs(500, (t) => at(t, c) !== 0),
          [[50, 250]],
        );
        // mean of 200 samples of N(0,1) + 0.5 s: sd 1/sqrt(200) = 0.071, so +-0.3 is over 4 sd
        let mean = 0;
        for (let t = 50; t < 250; t++) mean += at(t, c) / 200;
        assert.ok(Math.abs(mean - 0.5 * signs[c]) < 0.3, `channel ${c} mean ${mean}`);
      }
      for (let t = 0; t < 500; t++) {
        assert.equal(at(t, 2 + context), 1);
        assert.equal(at(t, 3 - context), 0);
      }
      assert.equal(trial.label, signs[context]);
      assert.deepEqual(
        runs(500, (t) => trial.target[t] !== 0),
        [[250, 500]],
      );
      assert.ok(trial.target.slice(250).every((v) => v === trial.label));
    }
  }
});

test("trials are seeded per trial index: same (seed, k) gives the same trial, conditions are balanced", () => {
  const a = generateTrial("mante", trialRng(5, 17));
  const b = generateTrial("mante", trialRng(5, 17));
  const c = generateTrial("mante", trialRng(5, 18));
  assert.deepEqual(a.u, b.u);
  assert.notDeepEqual(a.u, c.u);

  // 2000 Go-NoGo trials: Go fraction 0.5 +- 3 sd (sd = sqrt(0.25 / 2000) = 0.011)
  let go = 0;
  for (let k = 0; k < 2000; k++) go += generateTrial("go-nogo", trialRng(9, k)).label;
  assert.ok(Math.abs(go / 2000 - 0.5) < 0.034, `Go fraction ${go / 2000}`);
});

function output(task: TaskName, at: Record<number, number>, length = TASKS[task].steps - 1): Float64Array {
  const o = new Float64Array(length);
  for (const [k, v] of Object.entries(at)) o[Number(k)] = v;
  return o;
}

test("rate criteria: Go-NoGo window starts at output index 75; NoGo needs max |o| < 0.3", () => {
  const go = generateTrial("go-nogo", createRng(1), { go: true });
  const nogo = generateTrial("go-nogo", createRng(1), { go: false });

  assert.equal(isCorrect("go-nogo", output("go-nogo", { 75: 0.71 }), go), true);
  assert.equal(isCorrect("go-nogo", output("go-nogo", { 74: 5, 198: 0.69 }), go), false);
  assert.equal(isCorrect("go-nogo", output("go-nogo", { 74: 5, 100: 0.29 }), nogo), true);
  assert.equal(isCorrect("go-nogo", output("go-nogo", { 120: -0.31 }), nogo), false);
});

test("rate criteria: XOR from output index 200, Mante over the last 200 outputs (index 299 of 499)", () => {
  const same = generateTrial("xor", createRng(1), { signs: [1, 1] });
  const diff = generateTrial("xor", createRng(1), { signs: [1, -1] });
  assert.equal(isCorrect("xor", output("xor", { 200: 0.8 }), same), true);
  assert.equal(isCorrect("xor", output("xor", { 199: 0.8 }), same), false);
  assert.equal(isCorrect("xor", output("xor", { 298: -0.8 }), diff), true);
  assert.equal(isCorrect("xor", output("xor", { 250: 0.8 }), diff), false);

  const plus = generateTrial("mante", createRng(1), { context: 0, signs: [1, -1] });
  const minus = generateTrial("mante", createRng(1), { context: 1, signs: [1, -1] });
  assert.equal(plus.label, 1);
  assert.equal(minus.label, -1);
  assert.equal(isCorrect("mante", output("mante", { 299: 0.75 }), plus), true);
  assert.equal(isCorrect("mante", output("mante", { 298: 0.75 }), plus), false);
  assert.equal(isCorrect("mante", output("mante", { 498: -0.75 }), minus), true);
});

test("spiking criteria: windows from 0.5 / 1.0 / 1.3 s at dt = 0.05 ms = MATLAB out(10000/20000/26000:end)", () => {
  assert.equal(spikingWindowStart("go-nogo"), 9999);
  assert.equal(spikingWindowStart("xor"), 19999);
  assert.equal(spikingWindowStart("mante"), 25999);
  assert.equal(spikingWindowStart("go-nogo", 1), 499);

  const nogo = generateTrial("go-nogo", createRng(1), { go: false });
  const go = generateTrial("go-nogo", createRng(1), { go: true });
  const spk = (at: Record<number, number>) => output("go-nogo", at, 20000);
  assert.equal(isCorrect("go-nogo", spk({ 9999: 0.71 }), go, { criterion: "spiking" }), true);
  assert.equal(isCorrect("go-nogo", spk({ 9998: 0.71 }), go, { criterion: "spiking" }), false);
  // the spiking NoGo criterion has no abs(): a large negative excursion still passes
  assert.equal(isCorrect("go-nogo", spk({ 12000: -0.9 }), nogo, { criterion: "spiking" }), true);
  assert.equal(isCorrect("go-nogo", spk({ 12000: 0.31 }), nogo, { criterion: "spiking" }), false);
});

test("isCorrect rejects a wrong output length and a trial of another task", () => {
  const trial: Trial = generateTrial("xor", createRng(1));
  assert.throws(() => isCorrect("xor", new Float64Array(300), trial), ShapeMismatchError);
  assert.throws(() => isCorrect("xor", new Float64Array(300), trial), /gives 299/);
  assert.throws(() => isCorrect("mante", new Float64Array(499), trial), InvalidParameterError);
  assert.throws(
    () => isCorrect("xor", new Float64Array(100), trial, { criterion: "spiking" }),
    /window starts/,
  );
});

test("overrides are validated", () => {
  assert.throws(() => generateTrial("xor", createRng(1), { signs: [2, 1] }), /signs must be \+1 or -1/);
  assert.throws(() => generateTrial("mante", createRng(1), { offset: -0.5 }), /offset must be > 0/);
  assert.throws(
    () => generateTrial("nope" as TaskName, createRng(1)),
    /unknown task "nope"; use one of go-nogo, xor, mante/,
  );
  // a Go-NoGo condition must be true or false ("no" used to give a Go trial)
  assert.throws(
    () => generateTrial("go-nogo", createRng(1), { go: "no" as never }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message === 'generateTrial overrides.go must be true or false, got string "no"',
  );
  // an override of another task would go unused: refused, naming the tasks it applies to
  assert.throws(
    () => generateTrial("xor", createRng(1), { go: true }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message === "generateTrial overrides.go applies only to go-nogo, not to xor; leave it out",
  );
  assert.throws(
    () => generateTrial("go-nogo", createRng(1), { signs: [1, 1] }),
    /overrides\.signs applies only to xor and mante, not to go-nogo/,
  );
  assert.throws(
    () => generateTrial("xor", createRng(1), { context: 1 }),
    /overrides\.context applies only to mante/,
  );
  assert.throws(
    () => generateTrial("xor", createRng(1), { signs: [1] as never }),
    /overrides\.signs must be a pair \[\+1 or -1, \+1 or -1\], got/,
  );
  // a missing generator is said as such (it was a TypeError from inside)
  assert.throws(
    () => generateTrial("go-nogo", undefined as never),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message ===
        "generateTrial(task, rng) needs a random generator as its second argument: pass trialRng(seed, k) " +
          "(got no rng)",
  );
  assert.throws(() => generateTrial("go-nogo", {} as never), /needs a random generator .*got an object/);
  assert.equal(generateTrial("go-nogo", createRng(1), { go: false }).label, 0);
  assert.equal(generateTrial("go-nogo", createRng(1), { go: true }).label, 1);
});

test("an output that holds NaN is never correct, whatever the criterion or the trial", () => {
  for (const go of [true, false]) {
    const trial = generateTrial("go-nogo", createRng(1, "nan"), { go });
    const rate = new Float64Array(trial.steps - 1).fill(Number.NaN);
    assert.equal(isCorrect("go-nogo", rate, trial), false);
    const spiking = new Float64Array(20_000).fill(Number.NaN);
    assert.equal(isCorrect("go-nogo", spiking, trial, { criterion: "spiking" }), false);
  }
});
