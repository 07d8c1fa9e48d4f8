// The hand-written BPTT gradient against central finite differences, in float64.
//
// Oracle: for a scalar loss L(p), (L(p + h) - L(p - h)) / 2h = L'(p) + O(h^2 L''') with round-off about
// eps L / h. With h = 1e-5, L ~ 1..10 and smooth activations both terms are ~1e-10, far below the 1e-4
// tolerance. The noise does not depend on the parameters, so re-drawing it from the same seed for every
// evaluation gives the same realisation and the check holds with noise on as well as off.
import { test } from "node:test";
import assert from "node:assert/strict";

import { createRng } from "../../src/core/rng.ts";
import { type RateRnn, type RateRnnOptions, createRateRnn } from "../../src/rnn/rate-rnn.ts";
import type { Trial } from "../../src/rnn/tasks.ts";
import { type LossKind, RateRnnBackprop } from "../../src/rnn/train.ts";

const STEPS = 25;

function smallTrial(seed: number, inputs: number): Trial {
  const rng = createRng(seed, "grad-trial");
  const u = new Float64Array(STEPS * inputs);
  for (let k = 0; k < u.length; k++) u[k] = rng.normal();
  const target = new Float64Array(STEPS);
  for (let t = 0; t < STEPS; t++) target[t] = t > STEPS / 2 ? 1 : 0;
  return { task: "go-nogo", steps: STEPS, inputs, u, target, label: 1, signs: [], context: -1 };
}

function smallModel(options: Partial<RateRnnOptions>): RateRnn {
  const model = createRateRnn({ units: 10, inputs: 2, pConnect: 0.4, gain: 2.5, ...options });
  // larger readout weights than the 1/100 init, so that every gradient is well above round-off
  for (let i = 0; i < model.units; i++) model.wOut[i] *= 30;
  model.bOut[0] = 0.2;
  return model;
}

interface Group {
  readonly name: string;
  readonly param: Float64Array;
  readonly grad: Float64Array;
}

function checkGradients(model: RateRnn, trial: Trial, kind: LossKind, noiseSeed: number): void {
  const bp = new RateRnnBackprop(model, STEPS);
  const noise = () => createRng(noiseSeed, "grad-noise");
  bp.lossAndGradients(trial, noise(), kind);
  const g = bp.gradients;
  const groups: Group[] = [
    { name: "wRaw", param: model.wRaw, grad: g.wRaw.slice() },
    { name: "wOut", param: model.wOut, grad: g.wOut.slice() },
    { name: "bOut", param: model.bOut, grad: g.bOut.slice() },
    { name: "theta", param: model.theta, grad: g.theta.slice() },
  ];
  const h = 1e-5;
  for (const { name, param, grad } of groups) {
    const fd = new Float64Array(param.length);
    for (let k = 0; k < param.length; k++) {
      const p0 = param[k];
      param[k] = p0 + h;
      const lp = bp.loss(trial, noise(), kind);
      param[k] = p0 - h;
      const lm = bp.loss(trial, noise(), kind);
      param[k] = p0;
      fd[k] = (lp - lm) / (2 * h);
    }
    let diff2 = 0;
    let a2 = 0;
    let f2 = 0;
    let maxAbs = 0;
    for (let k = 0; k < fd.length; k++) {
      diff2 += (grad[k] - fd[k]) ** 2;
      a2 += grad[k] ** 2;
      f2 += fd[k] ** 2;
      maxAbs = Math.max(maxAbs, Math.abs(fd[k]));
    }
    assert.ok(maxAbs > 1e-6, `${name}: the finite-difference gradient is ~0, the check would be vacuous`);
    const rel = Math.sqrt(diff2) / Math.max(Math.sqrt(a2), Math.sqrt(f2));
    assert.ok(rel < 1e-4, `${name}: relative error ${rel.toExponential(2)} >= 1e-4`);
    for (let k = 0; k < fd.length; k++) {
      assert.ok(
        Math.abs(grad[k] - fd[k]) <= 1e-4 * maxAbs,
        `${name}[${k}]: analytic ${grad[k]} vs finite difference ${fd[k]}`,
      );
    }
  }
}

test("BPTT gradient matches finite differences for every parameter group (Dale, sigmoid, l2, noise off)", () => {
  const model = smallModel({ seed: 3, noiseSd: 0, initStateSd: 0.5 });
  // make some raw weights negative: relu makes them inert, so their analytic and numeric gradients are 0
  for (let k = 0; k < model.wRaw.length; k += 5) model.wRaw[k] = -0.3;
  checkGradients(model, smallTrial(1, 2), "l2", 11);
  const bp = new RateRnnBackprop(model, STEPS);
  bp.lossAndGradients(smallTrial(1, 2), createRng(11, "grad-noise"), "l2");
  for (let k = 0; k < model.wRaw.length; k += 5) assert.equal(bp.gradients.wRaw[k], 0);
});

test("BPTT gradient matches finite differences with the training noise on (same realisation)", () => {
  const model = smallModel({ seed: 4 });
  checkGradients(model, smallTrial(2, 2), "l2", 12);
});

test("BPTT gradient matches finite differences without Dale (signed raw weights, no relu)", () => {
  const model = smallModel({ seed: 5, dale: false, noiseSd: 0 });
  assert.ok(
    model.wRaw.some((w) => w < 0),
    "the no-Dale init keeps negative Gaussian weights",
  );
  checkGradients(model, smallTrial(3, 2), "l2", 13);
});

test("BPTT gradient matches finite differences for softplus with the l1 loss and an SST mask", () => {
  const model = smallModel({
    seed: 6,
    activation: "softplus",
    noiseSd: 0,
    units: 12,
    sstCount: 1,
    pInhibitory: 0.4,
  });
  checkGradients(model, smallTrial(4, 2), "l1", 14);
});

test("BPTT gradient matches finite differences for the clipped ReLU", () => {
  const model = smallModel({ seed: 7, activation: "clipped-relu", noiseSd: 0, initStateSd: 1 });
  checkGradients(model, smallTrial(5, 2), "l2", 15);
});
