/**
 * ANN-to-SNN conversion (src/convert/to-snn.ts, evaluate.ts): closed-form spike counts of IF neurons with
 * reset by subtraction, the rate bound of a second layer, the three input kinds, a converted CNN agreeing with
 * its ANN on MNIST, per-image streams (evaluation by ranges merges into the same result), the operation
 * counts, and every error.
 *
 * Oracles (threshold 1, v(0) = vInit, reset by subtraction, constant input a >= 0 per step):
 *   v after t steps = a t + vInit - n(t), and a spike whenever v >= 1, so n(T) = floor(a T + vInit)
 *   (exact in float32 for dyadic a, whose partial sums are representable).
 * Second layer (all weights w_ji >= 0, so its integrated input never falls): hidden counts n_i(t) satisfy
 * a_i t - 1 < n_i(t) <= a_i t (vInit 0), and the output integrates sum_i w_ji n_i(t - 1) + b_j per step
 * (one step of synaptic delay), so V_j(T) = z_j T - sum_i w_ji (a_i + e_i) with e_i in [0, 1), z_j the ANN's
 * output; n_j(T) = floor(V_j(T)) gives |n_j / T - z_j| <= (1 + sum_i w_ji (a_i + 1)) / T.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  EncodingRangeError,
  InvalidParameterError,
  ShapeMismatchError,
  UnsupportedError,
} from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { Ann, type AnnArchitecture } from "../../src/convert/ann.ts";
import { normalizeAnn } from "../../src/convert/normalize.ts";
import { annMacs, annToSnn } from "../../src/convert/to-snn.ts";
import { defaultCheckpoints, evaluateSnn, mergeSnnEvaluations } from "../../src/convert/evaluate.ts";
import { loadMnist } from "../../src/data/mnist.ts";
import { Dense } from "../../src/projections/dense.ts";
import { Bias } from "../../src/projections/bias.ts";
import { networkToNir } from "../../src/io/nir/export.ts";

function single(weight: number, bias: number): Ann {
  return Ann.fromParameters(
    { inputShape: [1], layers: [{ type: "dense", out: 1 }] },
    { "0.weight": [weight], "0.bias": [bias] },
  );
}

test("one IF neuron under constant input a fires floor(a T + vInit) times in T steps", () => {
  for (const a of [0.0625, 0.375, 0.5, 0.8125, 1, 0]) {
    for (const vInit of [0, 0.5]) {
      // the input as analog current (weight a, pixel 1) and as a bias (weight 0)
      for (const ann of [single(a, 0), single(0, a)]) {
        const snn = annToSnn(ann, { vInit });
        for (const T of [1, 7, 16, 100, 333]) {
          snn.present([1], T);
          assert.equal(snn.outputCounts[0], Math.floor(a * T + vInit), `a ${a}, vInit ${vInit}, T ${T}`);
          assert.equal(snn.output.v_mV[0], a * T + vInit - snn.outputCounts[0]);
        }
      }
    }
  }
  // any a in (0, 1]: within one spike of a T (float32 rounding of the running sum)
  const rng = createRng(1, "a");
  for (let k = 0; k < 20; k++) {
    const a = rng.uniform(0.01, 1);
    const snn = annToSnn(single(a, 0));
    snn.present([1], 500);
    assert.ok(Math.abs(snn.outputCounts[0] - Math.floor(a * 500)) <= 1, `a ${a}`);
  }
});

test('reset "zero" (Diehl et al. 2015): under constant input a in (0, 1] a spike every ceil(1 / a) steps', () => {
  // v climbs by a per step from 0 and is set back to 0 at a spike: the k-th spike comes at step k ceil(1 / a),
  // so n(T) = floor(T / ceil(1 / a)); the excess a ceil(1 / a) - 1 is lost at every spike (reset by
  // subtraction keeps it and fires floor(a T))
  for (const a of [0.0625, 0.375, 0.5, 0.75, 1]) {
    const snn = annToSnn(single(a, 0), { reset: "zero" });
    assert.equal(snn.reset, "zero");
    for (const T of [1, 7, 16, 100, 333]) {
      snn.present([1], T);
      assert.equal(snn.outputCounts[0], Math.floor(T / Math.ceil(1 / a)), `a ${a}, T ${T}`);
    }
  }
  assert.equal(annToSnn(single(0.75, 0)).present([1], 8), 0);
  const subtract = annToSnn(single(0.75, 0));
  subtract.present([1], 8);
  assert.equal(subtract.outputCounts[0], 6); // floor(0.75 x 8); "zero" fires 4
  assert.throws(
    () => annToSnn(single(0.5, 0), { reset: "to-value" as never }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      /reset must be "subtract" \(v <- v - 1, the default\) or "zero" \(v <- 0, Diehl et al. 2015\), got string "to-value"/.test(
        e.message,
      ),
  );
});

test("a one-layer dense net with analog input: each count is floor of the integrated input", () => {
  // dyadic weights, pixels and biases: every sum is exact in float32
  const nIn = 6;
  const nOut = 5;
  const rng = createRng(2, "w");
  const weight = Array.from({ length: nIn * nOut }, () => Math.round(rng.uniform(-8, 16)) / 64);
  const bias = Array.from({ length: nOut }, () => Math.round(rng.uniform(-4, 8)) / 64);
  const ann = Ann.fromParameters(
    { inputShape: [nIn], layers: [{ type: "dense", out: nOut }] },
    { "0.weight": weight, "0.bias": bias },
  );
  const x = [0.125, 0.5, 1, 0, 0.875, 0.25];
  const z = ann.forward(x);
  for (const vInit of [0, 0.5]) {
    const snn = annToSnn(ann, { vInit });
    assert.equal(snn.input, null);
    assert.ok(snn.network.projection("layer0.bias") instanceof Bias);
    const T = 64;
    snn.present(x, T);
    for (let j = 0; j < nOut; j++) {
      assert.equal(snn.outputCounts[j], Math.max(0, Math.floor(z[j] * T + vInit)), `neuron ${j}`);
    }
  }
});

test("two layers with hand-set weights: output rates within (1 + sum_i w_ji (a_i + 1)) / T of the ANN", () => {
  const ann = Ann.fromParameters(
    { inputShape: [3], layers: [{ type: "dense", out: 4 }, { type: "relu" }, { type: "dense", out: 2 }] },
    {
      "0.weight": [0.3, 0.2, -0.1, 0.5, -0.4, 0.2, 0.1, 0.1, 0.1, -0.5, -0.5, -0.5],
      "0.bias": [0.05, 0, 0.1, 0],
      "2.weight": [0.5, 0.25, 0.1, 0.3, 0.2, 0.2, 0.4, 0.1],
      "2.bias": [0.02, 0],
    },
  );
  const x = [0.9, 0.4, 0.6];
  const acts: Float64Array[] = [];
  const z = ann.forward(x, acts);
  const a = acts[1];
  assert.ok(a[3] === 0 && a[0] > 0, "one hidden unit silent");
  const snn = annToSnn(ann);
  for (const T of [50, 200, 1000]) {
    snn.present(x, T);
    const hidden = snn.counters[0].counts;
    for (let i = 0; i < 4; i++) {
      assert.ok(hidden[i] / T <= a[i] + 1e-6 && hidden[i] / T > a[i] - 1 / T - 1e-6, `hidden ${i} at T ${T}`);
    }
    for (let j = 0; j < 2; j++) {
      let bound = 1;
      for (let i = 0; i < 4; i++) bound += ann.weightLayers()[1].weight[j * 4 + i] * (a[i] + 1);
      const rate = snn.outputCounts[j] / T;
      assert.ok(
        Math.abs(rate - z[j]) <= bound / T,
        `output ${j}, T ${T}: ${rate} vs ${z[j]} (bound ${bound / T})`,
      );
    }
  }
});

test("the network is an ordinary engine network: Dense weights transposed to [pre][post]", () => {
  const ann = Ann.fromParameters(
    {
      inputShape: [2],
      layers: [{ type: "dense", out: 3, bias: false }, { type: "relu" }, { type: "dense", out: 2 }],
    },
    { "0.weight": [1, 2, 3, 4, 5, 6], "2.weight": [1, 2, 3, 4, 5, 6], "2.bias": [0, 0] },
  );
  const snn = annToSnn(ann, { input: "if" });
  assert.deepEqual(snn.network.populationNames, ["input", "layer0", "layer2"]);
  assert.deepEqual(snn.network.projectionNames, ["layer0.weights", "layer2.weights", "layer2.bias"]);
  const d = snn.network.projection<Dense>("layer0.weights");
  assert.deepEqual([...d.w], [1, 3, 5, 2, 4, 6]);
  assert.deepEqual(
    snn.layers.map((l) => [l.annIndex, l.type, l.shape]),
    [
      [0, "dense", [3]],
      [2, "dense", [2]],
    ],
  );
  assert.equal(snn.output, snn.layers[1].population);
});

test("IF input: pixel i fires floor(x_i T + vInit) times; Poisson input: rate maxRate x, expected current kept", () => {
  const ann = Ann.fromParameters(
    { inputShape: [4], layers: [{ type: "dense", out: 4 }] },
    { "0.weight": [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], "0.bias": [0, 0, 0, 0] },
  );
  const x = [0.25, 0.5, 0.75, 0];
  const ifs = annToSnn(ann, { input: "if", vInit: 0.5 });
  ifs.present(x, 100);
  assert.deepEqual([...ifs.counters[0].counts], [25, 50, 75, 0]);
  const T = 4000;
  const poisson = annToSnn(ann, { input: "poisson", maxRate: 0.5, seed: 3 });
  poisson.present(x, T, 7);
  const inCounts = [...poisson.counters[0].counts];
  x.forEach((xi, i) => {
    const p = 0.5 * xi;
    const sd = Math.sqrt(T * p * (1 - p));
    assert.ok(Math.abs(inCounts[i] - p * T) <= 5 * sd + 1e-9, `pixel ${i}: ${inCounts[i]}`);
  });
  // each input spike carries 1 / maxRate = 2, so the output counts are about x T
  x.forEach((xi, i) => assert.ok(Math.abs(poisson.outputCounts[i] - xi * T) <= 0.06 * T + 1, `out ${i}`));
  // the same stream gives the same spikes; another stream other ones
  const again = [...inCounts];
  poisson.present(x, T, 7);
  assert.deepEqual([...poisson.counters[0].counts], again);
  poisson.present(x, T, 8);
  assert.notDeepEqual([...poisson.counters[0].counts], again);
});

const CNN: AnnArchitecture = {
  inputShape: [1, 28, 28],
  layers: [
    { type: "conv2d", outChannels: 4, kernel: 5, stride: 2, padding: 1 },
    { type: "relu" },
    { type: "avgpool2d", kernel: 2 },
    { type: "flatten" },
    { type: "dense", out: 10 },
  ],
};

test("a random CNN converted predicts as its ANN on most MNIST images; ranges merge; operations counted", () => {
  const ann = Ann.create(CNN, { rng: createRng(11, "cnn") });
  const train = loadMnist({ split: "train", limit: 100 });
  const testSet = loadMnist({ split: "test", limit: 12 });
  const { ann: norm } = normalizeAnn(ann, train);
  const snn = annToSnn(norm, { vInit: 0.5 });
  assert.deepEqual(
    snn.layers.map((l) => l.type),
    ["conv2d", "avgpool2d", "dense"],
  );
  const res = evaluateSnn(snn, testSet, { steps: 400, checkpoints: [50, 100] });
  assert.deepEqual(res.checkpoints, [50, 100, 400]);
  let agree = 0;
  for (let k = 0; k < testSet.count; k++) {
    const x = Float64Array.from(testSet.image(k), (v) => v / 255);
    if (res.predictions[k * 3 + 2] === ann.predict(x)) agree++;
  }
  assert.ok(agree >= 10, `${agree} of 12 agree`);
  // evaluated by ranges, the images give the same results (each draws from its own stream)
  const poisson = annToSnn(norm, { input: "poisson", seed: 5 });
  const whole = evaluateSnn(poisson, testSet, { steps: 60, start: 2, end: 8 });
  const parts = [
    evaluateSnn(poisson, testSet, { steps: 60, start: 5, end: 8 }),
    evaluateSnn(poisson, testSet, { steps: 60, start: 2, end: 5 }),
  ];
  assert.deepEqual(mergeSnnEvaluations(parts), whole);
  // operations: the analog first layer's MACs, the ANN's MACs and spike-driven operations
  const conv = ann.weightLayers()[0];
  assert.equal(conv.type, "conv2d");
  // 13 x 13 outputs; valid taps per axis 13 * 5 - 1 (only the first window reaches into the padding:
  // input rows -1..3; the last, 23..27, ends inside)
  assert.equal(snn.analogMacs, 4 * 1 * 64 * 64);
  assert.equal(annMacs(ann), 4 * 64 * 64 + 4 * 6 * 6 * 10);
  const ops = res.synapticOps[0];
  assert.ok(ops > 0 && res.spikes[0] > 0);
  snn.present(
    Float64Array.from(testSet.image(0), (v) => v / 255),
    400,
  );
  // conv neurons: fan-out 1 (pooling windows cover 12 of 13 rows and columns); pooled: 10 (dense); output: 0
  const [convCount, poolCount] = snn.counters.map((c) => c.counts);
  let expected = 0;
  for (let c = 0; c < 4; c++) {
    for (let y = 0; y < 12; y++) for (let x = 0; x < 12; x++) expected += convCount[(c * 13 + y) * 13 + x];
  }
  for (const n of poolCount) expected += 10 * n;
  assert.equal(snn.synapticOps(), expected);
  assert.equal(ops, expected);
});

test("default checkpoints", () => {
  assert.deepEqual(defaultCheckpoints(100), [10, 20, 50, 100]);
  assert.deepEqual(defaultCheckpoints(300), [10, 20, 50, 100, 200, 300]);
  assert.deepEqual(defaultCheckpoints(5), [5]);
});

test("conversion errors name the layer or value and say how to fix it", () => {
  const mk = (layers: AnnArchitecture["layers"], inputShape = [4]) =>
    Ann.create({ inputShape, layers }, { rng: createRng(1, "e") });
  const unsupported = (f: () => unknown, re: RegExp) =>
    assert.throws(f, (e: Error) => e instanceof UnsupportedError && re.test(e.message), String(re));
  const invalid = (
    f: () => unknown,
    re: RegExp,
    type: new (...a: never[]) => Error = InvalidParameterError,
  ) => assert.throws(f, (e: Error) => e instanceof type && re.test(e.message), String(re));
  unsupported(
    () =>
      annToSnn(
        mk([
          { type: "dense", out: 3 },
          { type: "dense", out: 2 },
        ]),
      ),
    /layer 1 \(dense\) takes the output of layer 0 \(dense\) with no ReLU between them.*Insert \{ type: "relu" \} after layer 0, or merge/,
  );
  unsupported(
    () =>
      annToSnn(
        mk(
          [{ type: "conv2d", outChannels: 2, kernel: 3 }, { type: "avgpool2d", kernel: 2 }, { type: "relu" }],
          [1, 8, 8],
        ),
      ),
    /layer 1 \(avgpool2d\) takes the output of layer 0 \(conv2d\) with no ReLU/,
  );
  unsupported(
    () => annToSnn(mk([{ type: "relu" }, { type: "dense", out: 2 }])),
    /layer 0 \(relu\) rectifies the input image/,
  );
  unsupported(() => annToSnn(mk([{ type: "flatten" }])), /no dense, conv2d or avgpool2d layer/);
  // a ReLU after the last layer and a ReLU after pooling are fine
  annToSnn(mk([{ type: "dense", out: 3 }, { type: "relu" }, { type: "dense", out: 2 }, { type: "relu" }]));
  const ann = mk([{ type: "dense", out: 2 }]);
  invalid(() => annToSnn({} as never), /needs an Ann/);
  invalid(() => annToSnn(ann, { input: "rate" as never }), /input must be "analog".*got string "rate"/);
  invalid(() => annToSnn(ann, { vInit: 1 }), /vInit must be a number in \[0, 1\).*got number 1; 0.5/);
  invalid(
    () => annToSnn(ann, { input: "poisson", maxRate: 2 }),
    /maxRate must be a spike probability per step in \(0, 1\]/,
  );
  invalid(
    () => annToSnn(ann, { maxRate: 0.5 }),
    /maxRate applies to input "poisson" only, but input is "analog"/,
  );
  invalid(() => annToSnn(ann, { input: "if", seed: 1 }), /seed applies to input "poisson" only/);
  invalid(() => annToSnn(ann, { vinit: 0.5 } as never), /vinit/);
  invalid(() => annToSnn(ann, { input: "poisson", seed: 0.5 }), /seed must be an integer.*got number 0.5/);
  const snn = annToSnn(ann, { input: "if" });
  invalid(() => snn.setImage([1, 2]), /the image must hold 4 values.*of length 2/, ShapeMismatchError);
  invalid(() => snn.setImage([0, NaN, 0, 0]), /pixel 1 of the image must be a finite number/);
  invalid(
    () => snn.setImage([0, 0, 1.5, 0]),
    /pixel 2 is 1.5, but input "if" encodes intensities in \[0, 1\].*use input "analog"/,
    EncodingRangeError,
  );
  annToSnn(ann).setImage([0, -3, 2, 0]);
  const data = { images: [[0, 0, 0, 0]], labels: [0] };
  invalid(
    () => evaluateSnn(snn, data, { steps: 10, checkpoints: [5, 5] }),
    /checkpoints must ascend strictly within \[1, steps = 10\], got 5, 5/,
  );
  invalid(() => evaluateSnn(snn, data, { steps: 10, checkpoints: [20] }), /checkpoints must ascend/);
  invalid(() => evaluateSnn(snn, data, { steps: 10, end: 2 }), /end = 2 is beyond the test set's 1 images/);
  invalid(
    () => evaluateSnn(snn, { images: [[0, 0, 0, 0]], labels: [] }, { steps: 10 }),
    /one label per image/,
  );
  invalid(() => evaluateSnn(snn, data, { step: 10 } as never), /step/);
  invalid(
    () => annToSnn(single(2, 0), { input: "poisson", maxRate: 1e-39 }),
    /^maxRate 1e-39 is too small: the first layer's weights are divided by it, and its largest, 2, would become 2.00e\+39, beyond the float32 range; give maxRate >= 5\.88e-39$/,
  );
  invalid(() => mergeSnnEvaluations([]), /at least one part/);
  const a = evaluateSnn(
    snn,
    {
      images: [
        [0, 0, 0, 0],
        [1, 1, 1, 1],
      ],
      labels: [0, 1],
    },
    { steps: 5, end: 1 },
  );
  const b = evaluateSnn(
    snn,
    {
      images: [
        [0, 0, 0, 0],
        [1, 1, 1, 1],
      ],
      labels: [0, 1],
    },
    { steps: 5, start: 1, checkpoints: [2] },
  );
  invalid(
    () => mergeSnnEvaluations([a, b]),
    /^the parts must have the same checkpoints; part 1 has 2, 5, part 0 has /,
  );
});

test("NIR export of a converted CNN: IF nodes, Conv2d, AvgPool2d, Flatten, Affine, biases folded in", () => {
  const ann = Ann.create(
    {
      inputShape: [1, 8, 8],
      layers: [
        { type: "conv2d", outChannels: 2, kernel: 3 },
        { type: "relu" },
        { type: "avgpool2d", kernel: 2 },
        { type: "flatten" },
        { type: "dense", out: 3 },
      ],
    },
    { rng: createRng(1, "nir") },
  );
  const { document } = networkToNir(annToSnn(ann, { input: "if" }).network);
  const nodes = document.graph.nodes;
  assert.deepEqual(
    Object.entries(nodes).map(([name, node]) => [name, node.type]),
    [
      ["input", "IF"],
      ["layer0", "IF"],
      ["layer2", "IF"],
      ["layer4", "IF"],
      ["layer0.weights", "Conv2d"],
      ["layer2.weights", "AvgPool2d"],
      ["layer4.weights", "Affine"],
      ["layer2.flatten", "Flatten"],
      ["output", "Output"],
    ],
  );
  const biasOf = (name: string) => {
    const node = nodes[name];
    assert.ok(node.type === "Conv2d" || node.type === "Affine");
    return Array.from(node.bias.data);
  };
  assert.deepEqual(biasOf("layer0.weights"), Array.from(ann.weightLayers()[0].bias as Float32Array));
  assert.deepEqual(biasOf("layer4.weights"), Array.from(ann.weightLayers()[1].bias as Float32Array));
});

test("analog input into a first pooling layer: the pooled image is the constant input", () => {
  const ann = Ann.fromParameters(
    {
      inputShape: [1, 4, 4],
      layers: [{ type: "avgpool2d", kernel: 2 }, { type: "flatten" }, { type: "dense", out: 1 }],
    },
    { "2.weight": [0.25, 0.25, 0.25, 0.25], "2.bias": [0] },
  );
  const x = [1, 1, 0, 0, 1, 1, 0, 0, 0.5, 0.5, 0.25, 0.25, 0.5, 0.5, 0.25, 0.25];
  const snn = annToSnn(ann);
  assert.equal(snn.analogMacs, 16);
  snn.present(x, 64);
  // pooled: 1, 0, 0.5, 0.25 per step
  assert.deepEqual([...snn.counters[0].counts], [64, 0, 32, 16]);
});
