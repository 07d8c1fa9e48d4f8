// The rate model: initialisation statistics, the discrete update against its closed form, activations,
// decay constants, JSON round-trip and parameter errors.
import { test } from "node:test";
import assert from "node:assert/strict";

import { FormatError, InvalidParameterError, ShapeMismatchError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { captureLogs } from "../../src/core/log.ts";
import {
  RATE_RNN_DEFAULTS,
  applyActivation,
  createRateRnn,
  decayTaus_ms,
  simulateRateRnn,
} from "../../src/rnn/rate-rnn.ts";
import { rateRnnFromJSON, rateRnnToJSON } from "../../src/rnn/rate-rnn-json.ts";
import { TASKS, generateTrial, trialRng } from "../../src/rnn/tasks.ts";
import { RateRnnTrainer } from "../../src/rnn/train.ts";

test("defaults follow the paper: N 200, P_inh 0.2, P_c 0.2, g 1.5, sigmoid, dt 5 ms, tau 20-50 ms, noise sd 0.1", () => {
  const d = RATE_RNN_DEFAULTS;
  assert.deepEqual(
    [
      d.units,
      d.pInhibitory,
      d.pConnect,
      d.gain,
      d.activation,
      d.dt_ms,
      d.tauMin_ms,
      d.tauMax_ms,
      d.noiseSd,
      d.dale,
    ],
    [200, 0.2, 0.2, 1.5, "sigmoid", 5, 20, 50, 0.1, true],
  );
});

test("initial weights: density 0.2, |W| mean g/sqrt(N P_c) sqrt(2/pi), W_in ~ N(0,1), W_out ~ N(0,1)/100, b_out 0", () => {
  const model = createRateRnn({ units: 200, seed: 11 });
  const n = 200;
  const nnz = model.wRaw.length;
  // 40 000 Bernoulli(0.2) draws: 8000 +- 80 (sd)
  assert.ok(Math.abs(nnz - 8000) < 400, `nnz ${nnz}`);
  // E|N(0, s^2)| = s sqrt(2/pi) with s = 1.5 / sqrt(40) = 0.2372 -> 0.1893; sd of the mean 0.2372*0.6/sqrt(8000)
  const meanAbs = model.wRaw.reduce((a, w) => a + Math.abs(w), 0) / nnz;
  assert.ok(Math.abs(meanAbs - 0.1893) < 0.006, `mean |W| ${meanAbs}`);
  const sd = (a: Float64Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
  assert.ok(Math.abs(sd(model.wIn) - 1) < 0.2, `W_in sd ${sd(model.wIn)}`);
  assert.ok(Math.abs(sd(model.wOut) - 0.01) < 0.002, `W_out sd ${sd(model.wOut)}`);
  assert.equal(model.bOut[0], 0);
  for (let i = 0; i < n; i++) {
    for (let k = model.rowPtr[i] + 1; k < model.rowPtr[i + 1]; k++)
      assert.ok(model.colIdx[k] > model.colIdx[k - 1]);
  }
});

test("decay constants lie in [tauMin, tauMax]: tau = sigmoid(theta) (50 - 20) + 20 ms", () => {
  const model = createRateRnn({ units: 50, seed: 3 });
  const taus = decayTaus_ms(model);
  for (let i = 0; i < 50; i++) {
    assert.ok(taus[i] > 20 && taus[i] < 50);
    assert.ok(Math.abs(taus[i] - (30 / (1 + Math.exp(-model.theta[i])) + 20)) < 1e-12);
  }
});

test("update rule: with W = 0, no noise and constant input, x_t = w_in (1 - (1 - a)^t) + x_0 (1 - a)^t", () => {
  // x_t = (1 - a) x_{t-1} + a w_in u is a linear recursion with fixed point w_in u and factor (1 - a) per step.
  const model = createRateRnn({ units: 5, inputs: 1, seed: 2, noiseSd: 0, initStateSd: 0.3 });
  model.wRaw.fill(0);
  const steps = 40;
  const u = new Float64Array(steps).fill(1);
  const { x, r, output } = simulateRateRnn(model, u, steps, createRng(2, "noise"));
  const taus = decayTaus_ms(model);
  for (let i = 0; i < 5; i++) {
    const a = 5 / taus[i];
    const x0 = x[i];
    for (let t = 0; t < steps; t++) {
      const expected = model.wIn[i] * (1 - (1 - a) ** t) + x0 * (1 - a) ** t;
      assert.ok(Math.abs(x[t * 5 + i] - expected) < 1e-12, `unit ${i} step ${t}`);
    }
  }
  // readout o_t = W_out r_t + b_out for t = 1 .. T-1
  assert.equal(output.length, steps - 1);
  for (let t = 1; t < steps; t++) {
    let o = model.bOut[0];
    for (let i = 0; i < 5; i++) o += model.wOut[i] * r[t * 5 + i];
    assert.ok(Math.abs(output[t - 1] - o) < 1e-15);
  }
});

test("every input column reaches the network: 2 and 4 inputs against the closed form with W = 0", () => {
  // Same linear recursion as above with the drive sum_c W_in[i, c] u_c: fixed point sum_c W_in[i, c] u_c,
  // factor (1 - a) per step. Distinct per-channel values (1, -2, 0.5, 3) make a dropped, swapped or
  // mis-strided column visible in every unit.
  for (const inputs of [2, 4]) {
    const model = createRateRnn({ units: 6, inputs, seed: 5, noiseSd: 0, initStateSd: 0.3 });
    model.wRaw.fill(0);
    const steps = 30;
    const level = [1, -2, 0.5, 3].slice(0, inputs);
    const u = new Float64Array(steps * inputs);
    for (let t = 0; t < steps; t++) for (let c = 0; c < inputs; c++) u[t * inputs + c] = level[c];
    const { x } = simulateRateRnn(model, u, steps, createRng(5, "noise"));
    const taus = decayTaus_ms(model);
    for (let i = 0; i < 6; i++) {
      const a = 5 / taus[i];
      let drive = 0;
      for (let c = 0; c < inputs; c++) drive += model.wIn[i * inputs + c] * level[c];
      for (let t = 0; t < steps; t++) {
        const expected = drive * (1 - (1 - a) ** t) + x[i] * (1 - a) ** t;
        assert.ok(Math.abs(x[t * 6 + i] - expected) < 1e-12, `${inputs} inputs, unit ${i}, step ${t}`);
      }
    }
  }
});

test("XOR trial: the second pulse reaches the state from step 111 on (u_{t-1} drives x_t), the first from 51", () => {
  // Noise off: two trials that differ only in the sign of one pulse have identical states up to the step the
  // pulse first enters (x_t uses u_{t-1}, so pulse 1 at u_50 enters x_51, pulse 2 at u_110 enters x_111) and
  // different states from then on.
  const model = createRateRnn({ units: 20, inputs: 2, seed: 6, noiseSd: 0, initStateSd: 0 });
  const run = (signs: [number, number]) => {
    const trial = generateTrial("xor", createRng(6), { signs });
    return simulateRateRnn(model, trial.u, trial.steps, createRng(6, "noise")).x;
  };
  const base = run([1, 1]);
  const firstDiff = (other: Float64Array) => {
    for (let t = 0; t < 300; t++)
      for (let i = 0; i < 20; i++) if (other[t * 20 + i] !== base[t * 20 + i]) return t;
    return -1;
  };
  assert.equal(firstDiff(run([-1, 1])), 51);
  assert.equal(firstDiff(run([1, -1])), 111);
});

test("noise: x_0 has sd 0.01 and each step adds N(0, 0.01) outside the alpha factor", () => {
  // With W = 0, W_in = 0 the residual x_t - (1 - a) x_{t-1} is exactly the noise xi_t.
  const model = createRateRnn({ units: 100, inputs: 1, seed: 4 });
  model.wRaw.fill(0);
  model.wIn.fill(0);
  const steps = 100;
  const { x } = simulateRateRnn(model, new Float64Array(steps), steps, createRng(4, "noise"));
  const taus = decayTaus_ms(model);
  let s2 = 0;
  let x02 = 0;
  for (let i = 0; i < 100; i++) {
    x02 += x[i] ** 2 / 100;
    for (let t = 1; t < steps; t++) s2 += (x[t * 100 + i] - (1 - 5 / taus[i]) * x[(t - 1) * 100 + i]) ** 2;
  }
  const varNoise = s2 / (99 * 100);
  // 9900 samples: variance 0.01 +- 0.01 sqrt(2/9900) = 1.4e-4 (sd)
  assert.ok(Math.abs(varNoise - 0.01) < 6e-4, `noise variance ${varNoise}`);
  assert.ok(Math.sqrt(x02) > 0.006 && Math.sqrt(x02) < 0.014, `x_0 sd ${Math.sqrt(x02)}`);
});

test("activations: sigmoid, clipped ReLU min(max(x,0),20), clipped softplus min(log(1+e^x),20)", () => {
  const x = Float64Array.of(-3, 0, 2, 19.5, 25, 800);
  const r = new Float64Array(6);
  applyActivation("sigmoid", x, r, 0, 6);
  assert.ok(Math.abs(r[1] - 0.5) < 1e-15 && Math.abs(r[2] - 1 / (1 + Math.exp(-2))) < 1e-15);
  applyActivation("clipped-relu", x, r, 0, 6);
  assert.deepEqual(Array.from(r), [0, 0, 2, 19.5, 20, 20]);
  applyActivation("softplus", x, r, 0, 6);
  assert.ok(Math.abs(r[0] - Math.log1p(Math.exp(-3))) < 1e-15);
  assert.ok(Math.abs(r[1] - Math.LN2) < 1e-15);
  assert.deepEqual(Array.from(r.slice(4)), [20, 20]);
});

test("toJSON / fromJSON through JSON text gives identical parameters and bit-identical outputs", () => {
  const model = createRateRnn({ units: 40, inputs: 4, seed: 6, sstCount: 2 });
  const trainer = new RateRnnTrainer(model, TASKS.mante.steps);
  for (let k = 0; k < 3; k++)
    trainer.update(generateTrial("mante", trialRng(6, k)), createRng(6, "noise", k));
  const copy = rateRnnFromJSON(JSON.parse(JSON.stringify(rateRnnToJSON(model))));

  for (const key of ["sign", "sst", "rowPtr", "colIdx", "wRaw", "wIn", "wOut", "bOut", "theta"] as const) {
    assert.deepEqual(copy[key], model[key], key);
  }
  assert.deepEqual(copy.dynamics, model.dynamics);
  const trial = generateTrial("mante", trialRng(6, 50));
  const a = simulateRateRnn(model, trial.u, trial.steps, createRng(6, "sim"));
  const b = simulateRateRnn(copy, trial.u, trial.steps, createRng(6, "sim"));
  assert.deepEqual(b.output, a.output);
});

test("fromJSON rejects foreign or inconsistent data with a FormatError naming the field", () => {
  const json = rateRnnToJSON(createRateRnn({ units: 10, seed: 1 }));
  assert.throws(() => rateRnnFromJSON({ ...json, format: "other" }), FormatError);
  assert.throws(() => rateRnnFromJSON({ ...json, wOut: [1, 2] }), /"wOut" has 2 entries, expected 10/);
  assert.throws(
    () => rateRnnFromJSON({ ...json, colIdx: json.colIdx.map(() => 10) }),
    /colIdx entries must be in \[0, 10\)/,
  );
  assert.throws(() => rateRnnFromJSON(null), FormatError);
  const dynamics = (d: Record<string, unknown>) => ({ ...json, dynamics: { ...json.dynamics, ...d } });
  assert.throws(() => rateRnnFromJSON(dynamics({ dale: "yes" })), {
    name: "FormatError",
    message: 'rate RNN JSON: dynamics.dale must be true or false, got string "yes"',
  });
  assert.throws(() => rateRnnFromJSON(dynamics({ initStateSd: 1e39 })), {
    name: "FormatError",
    message:
      "rate RNN JSON: dynamics.initStateSd must be at most 3.4028234663852886e+38 (the float32 range, as for " +
      "every noise SD), got 1e+39: a larger SD can drive the state x, and with it the outputs, to Infinity or NaN",
  });
});

test("invalid options throw InvalidParameterError with the value and a fix", () => {
  assert.throws(() => createRateRnn({ units: 0 }), /units must be an integer >= 1, got 0/);
  assert.throws(() => createRateRnn({ pInhibitory: 1.5 }), /pInhibitory must be in \[0, 1\], got 1.5/);
  assert.throws(() => createRateRnn({ sstCount: 3, dale: false }), /needs dale = true/);
  assert.throws(() => createRateRnn({ units: 10, sstCount: 9, seed: 1 }), /exceeds the \d+ inhibitory units/);
  assert.throws(() => createRateRnn({ tauMin_ms: 2 }), /tauMin_ms \(2\) must be >= dt_ms \(5\)/);
  assert.throws(() => createRateRnn({ tauMax_ms: 10 }), /set them equal for fixed decay constants/);
  assert.throws(() => createRateRnn({ activation: "tanh" as "sigmoid" }), InvalidParameterError);
  // noise SDs up to the float32 range: a larger one can make the state, and the outputs, non-finite
  assert.throws(() => createRateRnn({ noiseSd: 1e308 }), {
    name: "InvalidParameterError",
    message:
      "noiseSd must be at most 3.4028234663852886e+38 (the float32 range, as for every noise SD), got 1e+308: " +
      "a larger SD can drive the state x, and with it the outputs, to Infinity or NaN",
  });
  const noisy = createRateRnn({ units: 5, seed: 1, noiseSd: 3.4e38, initStateSd: 3.4e38 });
  const out = simulateRateRnn(noisy, new Float64Array(200), 200, createRng(1)).output;
  assert.ok(out.every(Number.isFinite));
  const model = createRateRnn({ units: 5, inputs: 2 });
  assert.throws(() => simulateRateRnn(model, new Float64Array(10), 10, createRng(1)), ShapeMismatchError);
});

test("a trial of a task with more input channels is refused by the rate model, not read as a longer input", () => {
  // An XOR trial holds 300 x 2 values: enough for 300 steps of a 1-input model if only "at least" were checked.
  const model = createRateRnn({ units: 5, inputs: 1, seed: 1 });
  const xor = generateTrial("xor", trialRng(1, 0));
  const trainer = new RateRnnTrainer(model, xor.steps);

  assert.throws(
    () => simulateRateRnn(model, xor.u, xor.steps, createRng(1)),
    (e: unknown) =>
      e instanceof ShapeMismatchError &&
      /input u has 600 values; 300 steps x 1 inputs need 300/.test(e.message),
  );
  assert.throws(
    () => trainer.evaluate(xor, createRng(1)),
    (e: unknown) =>
      e instanceof ShapeMismatchError &&
      /the xor trial has 300 steps x 2 inputs; this trainer was built for 300 steps x 1 inputs/.test(
        e.message,
      ),
  );
});

test("a non-finite input is refused by the rate model, naming the step and channel (it used to give NaN outputs)", () => {
  const model = createRateRnn({ units: 5, inputs: 2, seed: 1 });
  for (const bad of [NaN, Infinity, -Infinity]) {
    const u = new Float64Array(20);
    u[7] = bad;
    assert.throws(
      () => simulateRateRnn(model, u, 10, createRng(1)),
      (e: unknown) =>
        e instanceof InvalidParameterError &&
        e.message === `input u[7] (step 3, channel 1) is ${bad}; inputs must be finite numbers`,
    );
  }
});

test("a network that draws no recurrent connection at all is warned about (it still runs)", () => {
  const logs = captureLogs(() => void createRateRnn({ units: 5, seed: 1 }));
  assert.deepEqual(
    logs.filter((l) => l.id === "rnn-no-recurrent").map((l) => l.message),
    [
      "the drawn connectivity of 5 units (pConnect 0.2, seed 1) has no recurrent weights, so the network has no " +
        "recurrence to train; use more units, a larger pConnect or another seed",
    ],
  );
  assert.deepEqual(
    captureLogs(() => void createRateRnn({ units: 50, seed: 1 })).filter((l) => l.id === "rnn-no-recurrent"),
    [],
  );
});
