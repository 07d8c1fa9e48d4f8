import { test } from "node:test";
import assert from "node:assert/strict";

import { Ann, type AnnArchitecture } from "../../src/convert/ann.ts";
import { AnnBackprop } from "../../src/convert/ann-backprop.ts";
import { evaluateAnn, resolveAnnTrainSettings, trainAnn } from "../../src/convert/ann-train.ts";
import { DivergenceError, InvalidParameterError, ShapeMismatchError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { createDataset } from "../../src/data/dataset.ts";
import { loadMnist } from "../../src/data/mnist.ts";

/** Every layer type, padding and stride included, small enough for a finite-difference check of every weight. */
const TINY: AnnArchitecture = {
  inputShape: [2, 6, 6],
  layers: [
    { type: "conv2d", outChannels: 3, kernel: 3, padding: 1 },
    { type: "relu" },
    { type: "avgpool2d", kernel: 2 },
    { type: "conv2d", outChannels: 4, kernel: 2, stride: 1, bias: false },
    { type: "relu" },
    { type: "flatten" },
    { type: "dense", out: 5 },
    { type: "relu" },
    { type: "dense", out: 3 },
  ],
};

/** Mean softmax cross-entropy of the float64 reference forward (Ann.forward), independent of the kernels. */
function referenceLoss(ann: Ann, inputs: Float64Array[], labels: number[]): number {
  let sum = 0;
  inputs.forEach((x, n) => {
    const z = ann.forward(x);
    let max = -Infinity;
    for (const v of z) max = Math.max(max, v);
    let s = 0;
    for (const v of z) s += Math.exp(v - max);
    sum += Math.log(s) + max - z[labels[n]];
  });
  return sum / inputs.length;
}

test("the batched analytic gradient of every parameter matches central finite differences (float64)", () => {
  const ann = Ann.create(TINY, { rng: createRng(5, "ann") });
  const rng = createRng(5, "inputs");
  const B = 3;
  const inputs = Array.from({ length: B }, () => Float64Array.from({ length: 72 }, () => rng.uniform(0, 1)));
  const labels = [0, 2, 1];
  const bp = new AnnBackprop(ann, { batchSize: B, precision: "float64" });
  inputs.forEach((x, n) => bp.input.set(x, n * 72));
  const loss = bp.lossAndGradients(labels, B);
  assert.ok(
    Math.abs(loss - referenceLoss(ann, inputs, labels)) < 1e-14,
    "the batched loss is the reference's",
  );

  // The weights are float32, the passes float64. A step is taken as the float32 values actually stored on
  // either side (w+ = fround(w + h), w- = fround(w - h)) and the quotient divides by w+ - w-, so rounding the
  // perturbed weight to float32 costs nothing: both losses are float64 functions of exactly those weights.
  // h = 2^-12: the truncation error h^2 L''' / 6 is ~1e-8 of a gradient, the cancellation error
  // ~1e-16 / h ~ 4e-13 absolute; ReLU kinks are crossed by no preactivation of this seed at this step.
  const h = 2 ** -12;
  const params = ann.parameters();
  let checked = 0;
  let worst = 0;
  for (const [name, p] of Object.entries(params)) {
    const g = bp.gradients[name];
    assert.ok(g, `gradient of ${name}`);
    for (let k = 0; k < p.length; k++) {
      const w = p[k];
      p[k] = w + h;
      const wPlus = p[k];
      const lPlus = referenceLoss(ann, inputs, labels);
      p[k] = w - h;
      const wMinus = p[k];
      const lMinus = referenceLoss(ann, inputs, labels);
      p[k] = w;
      const numeric = (lPlus - lMinus) / (wPlus - wMinus);
      // relative error, with a floor of 1e-6 on the scale so that a vanishing gradient compares absolutely
      const rel = Math.abs(numeric - g[k]) / Math.max(Math.abs(numeric), Math.abs(g[k]), 1e-6);
      worst = Math.max(worst, rel);
      assert.ok(rel < 1e-4, `${name}[${k}]: analytic ${g[k]}, numeric ${numeric}, relative error ${rel}`);
      checked++;
    }
  }
  assert.equal(checked, 3 * 2 * 9 + 3 + 4 * 3 * 4 + 5 * 16 + 5 + 3 * 5 + 3);
  assert.ok(worst < 1e-4, `worst relative error ${worst}`); // measured 1.2e-7
});

test("the float32 gradient agrees with the float64 one to float32 accuracy", () => {
  const ann = Ann.create(TINY, { rng: createRng(6, "ann") });
  const rng = createRng(6, "inputs");
  const x = Float64Array.from({ length: 4 * 72 }, () => rng.uniform(0, 1));
  const labels = [1, 0, 2, 2];
  const g: Record<string, Float64Array>[] = [];
  for (const precision of ["float32", "float64"] as const) {
    const bp = new AnnBackprop(ann, { batchSize: 4, precision });
    bp.input.set(x);
    bp.lossAndGradients(labels, 4);
    g.push(Object.fromEntries(Object.entries(bp.gradients).map(([k, v]) => [k, Float64Array.from(v)])));
  }
  for (const name of Object.keys(g[1])) {
    let scale = 0;
    for (const v of g[1][name]) scale = Math.max(scale, Math.abs(v));
    for (let k = 0; k < g[1][name].length; k++) {
      assert.ok(Math.abs(g[0][name][k] - g[1][name][k]) <= 1e-5 * scale + 1e-12, `${name}[${k}]`);
    }
  }
});

test("a batch smaller than batchSize gives the gradient of its own examples", () => {
  const ann = Ann.create(TINY, { rng: createRng(7, "ann") });
  const rng = createRng(7, "inputs");
  const x = Float64Array.from({ length: 2 * 72 }, () => rng.uniform(0, 1));
  const small = new AnnBackprop(ann, { batchSize: 2, precision: "float64" });
  const large = new AnnBackprop(ann, { batchSize: 5, precision: "float64" });
  small.input.set(x);
  large.input.set(x);
  large.input.fill(7, 2 * 72); // stale rows past `count` must not matter
  assert.equal(small.lossAndGradients([1, 2], 2), large.lossAndGradients([1, 2], 2));
  for (const name of Object.keys(small.gradients)) {
    assert.deepEqual(small.gradients[name], large.gradients[name], name);
  }
  assert.throws(
    () => large.lossAndGradients([1, 2], 6),
    /a batch holds 1 to 5 examples \(batchSize\), got number 6/,
  );
  assert.throws(
    () => large.lossAndGradients([1, 3], 2),
    /label number 3 of batch example 1 is not a class index/,
  );
});

const MLP: AnnArchitecture = {
  inputShape: [1, 28, 28],
  layers: [{ type: "flatten" }, { type: "dense", out: 64 }, { type: "relu" }, { type: "dense", out: 10 }],
};

test("evaluateAnn's batched predictions are Ann.predict's, and its float64 outputs Ann.forward's bit for bit", () => {
  const data = loadMnist({ split: "test", limit: 300 });
  const cnn: AnnArchitecture = {
    inputShape: [1, 28, 28],
    layers: [
      { type: "conv2d", outChannels: 4, kernel: 5, stride: 2, padding: 2 },
      { type: "relu" },
      { type: "avgpool2d", kernel: 2 },
      { type: "flatten" },
      { type: "dense", out: 10 },
    ],
  };
  for (const arch of [MLP, cnn]) {
    const ann = Ann.create(arch, { rng: createRng(3, "ann") });
    const result = evaluateAnn(ann, data, { batchSize: 64 });
    let correct = 0;
    const bp = new AnnBackprop(ann, { batchSize: 1, precision: "float64", gradients: false });
    for (let i = 0; i < data.count; i++) {
      const x = Float64Array.from(data.image(i), (p) => p / 255);
      assert.equal(result.predictions[i], ann.predict(x), `example ${i}`);
      if (result.predictions[i] === data.labels[i]) correct++;
      if (i < 20) {
        bp.input.set(x);
        assert.deepEqual(Float64Array.from(bp.forward(1)), ann.forward(x), `outputs of example ${i}`);
      }
    }
    assert.equal(result.correct, correct);
    assert.equal(result.count, 300);
    assert.equal(result.accuracy, correct / 300);
    const f32 = evaluateAnn(ann, data, { precision: "float32", batchSize: 300 });
    assert.ok(Math.abs(f32.correct - correct) <= 1, `float32 ${f32.correct}, float64 ${correct}`);
  }
});

test("training on 2000 real MNIST images for one epoch reaches 75 % test accuracy (chance: 10 %) and repeats bit for bit", () => {
  const train = loadMnist({ split: "train", limit: 2000 });
  const testSet = loadMnist({ split: "test", limit: 1000 });
  const weights: Float32Array[] = [];
  const progress: number[] = [];
  for (let run = 0; run < 2; run++) {
    const ann = Ann.create(MLP, { rng: createRng(1, "ann") });
    const record = trainAnn(ann, train, {
      epochs: 1,
      batchSize: 20,
      seed: 4,
      test: testSet,
      onProgress: (p) => {
        if (run === 0) progress.push(p.batch);
        assert.equal(p.batches, 100);
        assert.equal(p.epoch, 1);
        assert.ok(Number.isFinite(p.loss) && p.elapsed_s >= 0, JSON.stringify(p));
      },
    });
    assert.equal(record.epochs.length, 1);
    const e = record.epochs[0];
    // measured 0.808 (seed 4, 100 updates of 20 images); chance is 0.1
    assert.ok(e.testAccuracy! > 0.75, `test accuracy ${e.testAccuracy}`);
    assert.ok(e.trainAccuracy > 0.5 && e.loss < 1.5, JSON.stringify(e));
    assert.equal(record.trainCount, 2000);
    assert.equal(record.testCount, 1000);
    assert.equal(record.settings.learningRate, 0.05);
    assert.equal(record.settings.optimizer, "sgd");
    assert.deepEqual(JSON.parse(JSON.stringify(record)), record, "the record is plain JSON");
    weights.push(ann.parameters()["1.weight"]);
  }
  assert.deepEqual(
    progress,
    Array.from({ length: 100 }, (_, k) => k + 1),
  );
  assert.deepEqual(weights[0], weights[1]);
});

test("Adam, weight decay and dropout train, are seeded, and dropout changes the result", () => {
  const train = loadMnist({ split: "train", limit: 1000 });
  const run = (opts: object): Float32Array => {
    const ann = Ann.create(MLP, { rng: createRng(1, "ann") });
    trainAnn(ann, train, { epochs: 1, batchSize: 50, ...opts });
    return ann.parameters()["3.weight"];
  };
  const a = run({ optimizer: "adam", dropout: 0.5, inputDropout: 0.2, weightDecay: 1e-4, seed: 9 });
  const b = run({ optimizer: "adam", dropout: 0.5, inputDropout: 0.2, weightDecay: 1e-4, seed: 9 });
  const c = run({ optimizer: "adam", dropout: 0.5, inputDropout: 0.2, weightDecay: 1e-4, seed: 10 });
  const d = run({ optimizer: "adam", weightDecay: 1e-4, seed: 9 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.notDeepEqual(a, d);
  const ann = Ann.create(MLP, { rng: createRng(1, "ann") });
  const rec = trainAnn(ann, train, {
    epochs: 2,
    batchSize: 20,
    optimizer: "adam",
    dropout: 0.2,
    learningRateDecay: 0.5,
  });
  assert.equal(rec.settings.learningRate, 0.001);
  assert.deepEqual(
    rec.epochs.map((e) => e.learningRate),
    [0.001, 0.0005],
  );
  const accuracy = evaluateAnn(ann, loadMnist({ split: "test", limit: 500 })).accuracy;
  assert.ok(accuracy > 0.7, `accuracy ${accuracy}`); // measured 0.77
});

test("dropout in a pass zeroes about the given fraction and scales the rest; evaluation never drops", () => {
  const arch: AnnArchitecture = { inputShape: [1000], layers: [{ type: "relu" }, { type: "dense", out: 1 }] };
  const ann = Ann.fromParameters(arch, { "1.weight": new Float32Array(1000).fill(1), "1.bias": [0] });
  const bp = new AnnBackprop(ann, { batchSize: 1, precision: "float64" });
  bp.setDropout({ rate: 0.25, inputRate: 0, rng: createRng(1, "d") });
  bp.input.fill(1);
  bp.lossAndGradients([0], 1);
  const y = bp.acts[1];
  let kept = 0;
  for (const v of y) {
    assert.ok(v === 0 || v === 1 / 0.75, `value ${v}`);
    if (v !== 0) kept++;
  }
  assert.ok(kept > 700 && kept < 800, `kept ${kept}`);
  bp.input.fill(1);
  assert.equal(bp.forward(1)[0], 1000);
  assert.throws(
    () => bp.setDropout({ rate: 1, inputRate: 0, rng: createRng(1, "d") }),
    /dropout is a probability of dropping a unit and must be in \[0, 1\), got number 1/,
  );
});

test("trainAnn refuses bad options and datasets with messages that say what to do", () => {
  const ann = Ann.create(MLP, { rng: createRng(1, "ann") });
  const data = loadMnist({ split: "test", limit: 10 });
  assert.throws(
    () => trainAnn(ann, data, { epoch: 2 } as object),
    /unknown option "epoch" \(did you mean epochs\?\)/,
  );
  assert.throws(
    () => resolveAnnTrainSettings({ optimizer: "rmsprop" as "sgd" }),
    /optimizer must be "sgd" or "adam"/,
  );
  assert.throws(
    () => resolveAnnTrainSettings({ learningRate: 0 }),
    /learningRate must be a positive finite number, got number 0; e.g. 0.05 for sgd/,
  );
  assert.throws(() => resolveAnnTrainSettings({ momentum: 1 }), /momentum must be in \[0, 1\), got number 1/);
  assert.throws(() => resolveAnnTrainSettings({ dropout: -0.1 }), /dropout must be in \[0, 1\)/);
  assert.throws(
    () => resolveAnnTrainSettings({ weightDecay: -1 }),
    /weightDecay \(the L2 coefficient\) must be a finite number >= 0/,
  );
  assert.throws(() => resolveAnnTrainSettings({ batchSize: 0 }), /batchSize must be an integer >= 1, got 0/);
  assert.throws(() => resolveAnnTrainSettings({ seed: 1.5 }), /seed must be a safe integer/);
  assert.throws(
    () => resolveAnnTrainSettings({ precision: "float16" as "float32" }),
    /precision must be "float32" or "float64"/,
  );
  const small = createDataset({
    images: new Uint8Array(2 * 4 * 4),
    labels: new Uint8Array(2),
    rows: 4,
    cols: 4,
    numClasses: 10,
  });
  assert.throws(
    () => trainAnn(ann, small),
    (e: unknown) =>
      e instanceof ShapeMismatchError &&
      /the training set \(4x4 images\) has 16 values per example, but the network's input shape \[1, 28, 28\] holds 784/.test(
        e.message,
      ),
  );
  const letters = createDataset({
    images: new Uint8Array(784),
    labels: new Uint8Array(1),
    rows: 28,
    cols: 28,
    numClasses: 27,
  });
  assert.throws(
    () => trainAnn(ann, data, { test: letters }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      /the test set has 27 classes but the network has 10 outputs/.test(e.message),
  );
  assert.throws(() => evaluateAnn(ann, {} as never), /the dataset must be a Dataset/);
  assert.throws(
    () => trainAnn(Ann.create(MLP, { rng: createRng(1, "ann") }), data, { learningRate: 1e38, batchSize: 2 }),
    (e: unknown) => e instanceof DivergenceError && /lower learningRate/.test(e.message),
  );
});
