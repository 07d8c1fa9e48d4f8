/**
 * Weight normalisation (src/convert/normalize.ts): lambda_l as the maximum (exact), as a percentile (within
 * one histogram bin of the exact, sorted value), model-based bounds; the normalised network's activations are
 * the old ones divided by lambda_l and its predictions are unchanged; errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { Ann, type AnnArchitecture } from "../../src/convert/ann.ts";
import { activationScales, normalizeAnn, scaleAnn } from "../../src/convert/normalize.ts";
import { loadMnist } from "../../src/data/mnist.ts";

const MLP: AnnArchitecture = {
  inputShape: [784],
  layers: [
    { type: "dense", out: 40 },
    { type: "relu" },
    { type: "dense", out: 30 },
    { type: "relu" },
    { type: "dense", out: 10 },
  ],
};

const CNN: AnnArchitecture = {
  inputShape: [1, 28, 28],
  layers: [
    { type: "conv2d", outChannels: 4, kernel: 5 },
    { type: "relu" },
    { type: "avgpool2d", kernel: 2 },
    { type: "flatten" },
    { type: "dense", out: 10 },
  ],
};

function randomImages(n: number, size: number, seed: number): Float64Array[] {
  const rng = createRng(seed, "images");
  return Array.from({ length: n }, () => Float64Array.from({ length: size }, () => rng.float()));
}

/** The exact p-th percentile (linear interpolation between ranks) of the positive outputs of each weight layer. */
function exactPercentiles(ann: Ann, images: readonly ArrayLike<number>[], p: number): number[] {
  const values: number[][] = ann.weightLayers().map(() => []);
  for (const x of images) {
    const acts: Float64Array[] = [];
    ann.forward(x, acts);
    ann.weightLayers().forEach((l, k) => {
      for (const v of acts[l.index]) if (v > 0) values[k].push(v);
    });
  }
  return values.map((v) => {
    v.sort((a, b) => a - b);
    const r = (p / 100) * (v.length - 1);
    const lo = Math.floor(r);
    const hi = Math.min(v.length - 1, lo + 1);
    return v[lo] + (r - lo) * (v[hi] - v[lo]);
  });
}

test("max: lambda_l is exactly the largest output of each weight layer", () => {
  const ann = Ann.create(MLP, { rng: createRng(1, "ann") });
  const images = randomImages(20, 784, 2);
  const lambdas = activationScales(ann, images, { method: "max" });
  assert.deepEqual([...lambdas], exactPercentiles(ann, images, 100));
});

test("percentile: within one bin (max / bins) of the exact, sorted percentile", () => {
  const ann = Ann.create(MLP, { rng: createRng(3, "ann") });
  const images = randomImages(30, 784, 4);
  const max = activationScales(ann, images, { method: "max" });
  for (const [p, bins] of [
    [99.9, 65_536],
    [99, 1000],
    [50, 64],
  ] as const) {
    const est = activationScales(ann, images, { method: "percentile", percentile: p, bins });
    const exact = exactPercentiles(ann, images, p);
    exact.forEach((e, l) => {
      assert.ok(Math.abs(est[l] - e) <= max[l] / bins, `p ${p}, layer ${l}: ${est[l]} vs exact ${e}`);
    });
  }
});

test("the normalised network's activations are the old ones / lambda_l, and it predicts the same (MNIST CNN)", () => {
  const ann = Ann.create(CNN, { rng: createRng(5, "ann") });
  const mnist = loadMnist({ split: "test", limit: 40 });
  const { ann: norm, lambdas, layerIndices } = normalizeAnn(ann, mnist);
  assert.deepEqual(layerIndices, [0, 4]);
  for (let k = 0; k < mnist.count; k++) {
    const x = Float64Array.from(mnist.image(k), (v) => v / 255);
    const a: Float64Array[] = [];
    const b: Float64Array[] = [];
    ann.forward(x, a);
    norm.forward(x, b);
    // conv: a / lambda_0; pooled: a / lambda_0; output: a / lambda_1
    const scale = [lambdas[0], lambdas[0], lambdas[0], lambdas[0], lambdas[1]];
    for (let l = 0; l < a.length; l++) {
      for (let i = 0; i < a[l].length; i++) {
        assert.ok(Math.abs(b[l][i] - a[l][i] / scale[l]) <= 1e-5 * (1 + Math.abs(a[l][i] / scale[l])));
      }
    }
    assert.equal(norm.predict(x), ann.predict(x), `image ${k}`);
  }
  // the given network is left unchanged
  assert.notEqual(norm.layers[0], ann.layers[0]);
  // percentile 99.9 of the positives: the maximum of the normalised layer is >= 1, most values below 1
  const acts: Float64Array[] = [];
  let above = 0;
  let positive = 0;
  for (let k = 0; k < mnist.count; k++) {
    norm.forward(
      Float64Array.from(mnist.image(k), (v) => v / 255),
      acts,
    );
    for (const v of acts[0]) {
      if (v > 0) positive++;
      if (v > 1 + 1e-6) above++;
    }
  }
  assert.ok(above / positive <= 0.0011 + 1 / positive, `${above} of ${positive} above 1`);
});

test("model-based normalisation bounds every activation by 1 for inputs in [0, 1]", () => {
  const ann = Ann.create(MLP, { rng: createRng(6, "ann") });
  const { ann: norm, lambdas } = normalizeAnn(ann, undefined, { method: "model" });
  assert.equal(lambdas.length, 3);
  for (const x of randomImages(10, 784, 7)) {
    const acts: Float64Array[] = [];
    norm.forward(x, acts);
    for (const l of norm.weightLayers()) for (const v of acts[l.index]) assert.ok(v <= 1 + 1e-6);
  }
});

test("a layer with no positive output keeps lambda 1", () => {
  const ann = Ann.fromParameters(
    { inputShape: [2], layers: [{ type: "dense", out: 1 }, { type: "relu" }, { type: "dense", out: 1 }] },
    { "0.weight": [-1, -1], "0.bias": [0], "2.weight": [2], "2.bias": [0.5] },
  );
  const lambdas = activationScales(ann, [[0.5, 0.25]], { method: "max" });
  assert.deepEqual([...lambdas], [1, 0.5]);
  const scaled = scaleAnn(ann, lambdas);
  assert.deepEqual([...scaled.forward([0.5, 0.25])], [1]);
});

test("normalisation errors name the value and the fix", () => {
  const ann = Ann.create(MLP, { rng: createRng(8, "ann") });
  const images = randomImages(2, 784, 9);
  const said = (f: () => unknown, re: RegExp) =>
    assert.throws(f, (e: Error) => e instanceof InvalidParameterError && re.test(e.message), String(re));
  said(
    () => activationScales(ann, images, { method: "mean" as never }),
    /method must be "max".*got string "mean"/,
  );
  said(
    () => activationScales(ann, images, { percentile: 0 }),
    /percentile must be a number in \(0, 100\], got number 0/,
  );
  said(() => activationScales(ann, images, { percentile: 101 }), /Rueckauer et al. and BindsNET use 99.9/);
  said(
    () => activationScales(ann, images, { method: "max", percentile: 99 }),
    /method is "max"; give method "percentile"/,
  );
  said(() => activationScales(ann, [], {}), /needs at least one image.*method "model"/);
  said(
    () => activationScales(ann, "images" as never, {}),
    /array of images or a Dataset, got string "images"/,
  );
  said(() => activationScales(ann, [[1, 2]], {}), /image 0 must hold 784 values/);
  const bad = [images[0], Float64Array.from(images[1])];
  for (const v of [NaN, Infinity]) {
    bad[1][100] = v;
    said(
      () => normalizeAnn(ann, bad),
      new RegExp(`^pixel 100 of image 1 must be a finite number, got number ${String(v)}$`),
    );
  }
  said(() => activationScales({} as never, images), /needs an Ann/);
  said(() => activationScales(ann, images, { bins: 0 }), /bins/);
  said(() => activationScales(ann, images, { percentil: 99 } as never), /percentil/);
  said(() => scaleAnn(ann, [1, 2]), /one lambda per weight layer \(3\), got 2/);
  said(
    () => scaleAnn(ann, [1, 0, 1]),
    /lambda of weight layer 1 \(ANN layer 2\) must be a finite number > 0, got number 0/,
  );
  const mnist = loadMnist({ split: "test", limit: 1 });
  const small = Ann.create(
    { inputShape: [10], layers: [{ type: "dense", out: 2 }] },
    { rng: createRng(1, "a") },
  );
  said(
    () => activationScales(small, mnist),
    /the dataset's images have 784 pixels, but the network's input has 10/,
  );
});
