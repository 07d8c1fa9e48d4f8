import { test } from "node:test";
import assert from "node:assert/strict";

import { Ann, type AnnArchitecture, argmax, forwardLayer, shapeSize } from "../../src/convert/ann.ts";
import { InvalidParameterError, ShapeMismatchError, describeValue } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";

const rng = () => createRng(1, "ann");

test("dense and relu: y = W x + b with W [out][in], then max(0, y)", () => {
  const ann = Ann.fromParameters(
    { inputShape: [2], layers: [{ type: "dense", out: 3 }, { type: "relu" }] },
    { "0.weight": [1, 2, 3, 4, 5, 6], "0.bias": [0.5, 2, 0] },
  );
  const acts: Float64Array[] = [];
  // [1 - 2 + 0.5, 3 - 4 + 2, 5 - 6 + 0]
  assert.deepEqual(ann.forward([1, -1], acts), Float64Array.from([0, 1, 0]));
  assert.deepEqual(acts[0], Float64Array.from([-0.5, 1, -1]));
  assert.deepEqual(acts[1], Float64Array.from([0, 1, 0]));
  assert.equal(ann.predict([1, -1]), 1);
  assert.deepEqual(ann.outputShape, [3]);
});

test("conv2d with padding and stride: PyTorch's cross-correlation, zero padding, [outC][inC][kh][kw]", () => {
  // input 1..9 as a 3x3 image; kernel [[1, 0], [0, -1]], stride 2, padding 1: Ho = floor((3 + 2 - 2) / 2) + 1 = 2
  // y(oy, ox) = x[2oy - 1][2ox - 1] - x[2oy][2ox] + 0.5, with x = 0 outside the image
  const ann = Ann.fromParameters(
    {
      inputShape: [1, 3, 3],
      layers: [{ type: "conv2d", outChannels: 1, kernel: 2, stride: 2, padding: 1 }],
    },
    { "0.weight": [1, 0, 0, -1], "0.bias": [0.5] },
  );
  assert.deepEqual(ann.layers[0].outShape, [1, 2, 2]);
  assert.deepEqual(ann.forward([1, 2, 3, 4, 5, 6, 7, 8, 9]), Float64Array.from([-0.5, -2.5, -6.5, -3.5]));
});

test("conv2d across channels (1x1, no bias) and flatten in channel-major order", () => {
  // x: channel 0 = [1, 2], channel 1 = [3, 4]; W[o][c] = [[1, 10], [100, 1000]]
  const arch: AnnArchitecture = {
    inputShape: [2, 1, 2],
    layers: [{ type: "conv2d", outChannels: 2, kernel: 1, bias: false }, { type: "flatten" }],
  };
  const ann = Ann.fromParameters(arch, { "0.weight": [1, 10, 100, 1000] });
  assert.equal(ann.layers[0].type === "conv2d" && ann.layers[0].bias, null);
  assert.deepEqual(ann.forward([1, 2, 3, 4]), Float64Array.from([31, 42, 3100, 4200]));
  assert.deepEqual(ann.layers[1].outShape, [4]);
});

test("avgpool2d: window means, stride = kernel by default, floor mode, explicit stride", () => {
  const image = (n: number) => Array.from({ length: n * n }, (_, k) => k + 1);
  const pool = (size: number, spec: object) =>
    Ann.fromParameters(
      { inputShape: [1, size, size], layers: [{ type: "avgpool2d", ...spec } as never] },
      {},
    );
  assert.deepEqual(pool(4, { kernel: 2 }).forward(image(4)), Float64Array.from([3.5, 5.5, 11.5, 13.5]));
  // 5x5 with kernel 2: the last row and column are dropped (floor mode)
  const floor = pool(5, { kernel: 2 });
  assert.deepEqual(floor.outputShape, [1, 2, 2]);
  assert.deepEqual(floor.forward(image(5)), Float64Array.from([4, 6, 14, 16]));
  assert.deepEqual(pool(3, { kernel: 2, stride: 1 }).forward(image(3)), Float64Array.from([3, 4, 6, 7]));
  // channels pool separately
  const two = Ann.fromParameters({ inputShape: [2, 2, 2], layers: [{ type: "avgpool2d", kernel: 2 }] }, {});
  assert.deepEqual(two.forward([1, 2, 3, 4, 10, 20, 30, 40]), Float64Array.from([2.5, 25]));
});

test("Diehl 2015's ConvNet resolves to PyTorch's shapes and parameter names", () => {
  const ann = Ann.create(
    {
      inputShape: [1, 28, 28],
      layers: [
        { type: "conv2d", outChannels: 12, kernel: 5, bias: false },
        { type: "relu" },
        { type: "avgpool2d", kernel: 2 },
        { type: "conv2d", outChannels: 64, kernel: 5, bias: false },
        { type: "relu" },
        { type: "avgpool2d", kernel: 2 },
        { type: "flatten" },
        { type: "dense", out: 10, bias: false },
      ],
    },
    { rng: rng() },
  );
  assert.deepEqual(
    ann.layers.map((l) => l.outShape),
    [[12, 24, 24], [12, 24, 24], [12, 12, 12], [64, 8, 8], [64, 8, 8], [64, 4, 4], [1024], [10]],
  );
  assert.deepEqual(ann.inputShape, [1, 28, 28]);
  assert.deepEqual(ann.outputShape, [10]);
  const params = ann.parameters();
  assert.deepEqual(Object.keys(params), ["0.weight", "3.weight", "7.weight"]);
  assert.deepEqual(
    Object.values(params).map((p) => p.length),
    [12 * 25, 64 * 12 * 25, 10 * 1024],
  );
  assert.deepEqual(
    ann.weightLayers().map((l) => l.index),
    [0, 3, 7],
  );
  assert.equal(ann.forward(new Float64Array(784)).length, 10);
  assert.equal(shapeSize([64, 4, 4]), 1024);
});

test("Ann.create draws PyTorch's U(-1/sqrt(fan_in), 1/sqrt(fan_in)) in layer order, reproducibly", () => {
  const arch: AnnArchitecture = {
    inputShape: [1, 6, 6],
    layers: [{ type: "conv2d", outChannels: 2, kernel: 3 }, { type: "flatten" }, { type: "dense", out: 4 }],
  };
  const a = Ann.create(arch, { rng: rng() });
  const b = Ann.create(arch, { rng: rng() });
  assert.deepEqual(a.parameters(), b.parameters());
  const bounds: Record<string, number> = {
    "0.weight": 1 / 3,
    "0.bias": 1 / 3,
    "2.weight": 1 / Math.sqrt(32),
    "2.bias": 1 / Math.sqrt(32),
  };
  for (const [name, p] of Object.entries(a.parameters())) {
    const bound = bounds[name];
    assert.ok(
      p.every((v) => Math.abs(v) <= bound),
      name,
    );
    assert.ok(
      p.some((v) => v !== 0),
      name,
    );
  }
  const r = rng();
  assert.equal(a.parameters()["0.weight"][0], Math.fround(r.uniform(-1 / 3, 1 / 3)));
  assert.notDeepEqual(Ann.create(arch, { rng: createRng(2, "ann") }).parameters(), a.parameters());
});

test("the architecture is frozen and parameters() are live; argmax takes the lowest index on a tie", () => {
  const ann = Ann.fromParameters(
    { inputShape: [1], layers: [{ type: "dense", out: 2 }] },
    {
      "0.weight": [1, 1],
      "0.bias": [0, 0],
    },
  );
  assert.ok(Object.isFrozen(ann.architecture) && Object.isFrozen(ann.architecture.layers[0]));
  assert.equal(ann.predict([1]), 0);
  ann.parameters()["0.bias"][1] = 1;
  assert.equal(ann.predict([1]), 1);
  assert.equal(argmax([3, 5, 5, 1]), 1);
  const layer = ann.layers[0];
  assert.deepEqual(forwardLayer(layer, Float64Array.from([2])), Float64Array.from([2, 3]));
});

test("Ann.zeros resolves an architecture with every parameter 0 and checks it as create does", () => {
  const arch = {
    inputShape: [1, 6, 6],
    layers: [
      { type: "conv2d" as const, outChannels: 2, kernel: 3, bias: false },
      { type: "relu" as const },
      { type: "flatten" as const },
      { type: "dense" as const, out: 3 },
    ],
  };
  const zero = Ann.zeros(arch);
  assert.deepEqual(
    Object.entries(zero.parameters()).map(([k, v]) => [k, v.length, v.every((x) => x === 0)]),
    [
      ["0.weight", 18, true],
      ["3.weight", 96, true],
      ["3.bias", 3, true],
    ],
  );
  assert.deepEqual([...zero.forward(new Float64Array(36).fill(1))], [0, 0, 0]);
  assert.throws(
    () => Ann.zeros({ inputShape: [36], layers: arch.layers }),
    /layer 0 \(conv2d\) needs a \[channels/,
  );
});

/** Asserts that `fn` throws an error of class `type` whose message matches `message` exactly (a string). */
function throwsExactly(fn: () => unknown, type: new (...a: never[]) => Error, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

const LAYERS = `{ type: "dense", out: 10 }, { type: "conv2d", outChannels: 16, kernel: 5 }, { type: "avgpool2d", kernel: 2 }, { type: "relu" } or { type: "flatten" }`;

test("every architecture error of ann.ts names the value and the fix", () => {
  const create = (arch: unknown) => () => Ann.create(arch as AnnArchitecture, { rng: rng() });
  throwsExactly(
    create(null),
    InvalidParameterError,
    "an ANN architecture must be an object { inputShape, layers }, got null",
  );
  assert.throws(
    create({ inputShape: [784], layers: [{ type: "relu" }], input: 1 }),
    /ANN architecture options: unknown option "input" \(did you mean inputShape\?\)/,
  );
  throwsExactly(
    create({ inputShape: [1, 28], layers: [{ type: "relu" }] }),
    InvalidParameterError,
    "inputShape must be [features] or [channels, height, width], got an Array of length 2; " +
      "MNIST is [1, 28, 28], or [784] for a network that starts with a dense layer",
  );
  throwsExactly(
    create({ inputShape: [1, 0, 28], layers: [{ type: "relu" }] }),
    InvalidParameterError,
    "inputShape[1] must be an integer >= 1, got 0",
  );
  throwsExactly(
    create({ inputShape: [784], layers: [] }),
    InvalidParameterError,
    `an ANN architecture needs a non-empty list of layers, got an Array of length 0; layers are ${LAYERS}`,
  );
  throwsExactly(
    create({ inputShape: [784], layers: [{ type: "linear", out: 10 }] }),
    InvalidParameterError,
    `layer 0: unknown layer type "linear"; layers are ${LAYERS}`,
  );
  throwsExactly(
    create({ inputShape: [1, 4, 4], layers: [{ type: "maxpool2d", kernel: 2 }] }),
    InvalidParameterError,
    `layer 0: unknown layer type "maxpool2d"; layers are ${LAYERS} (max pooling has no spiking counterpart here: use avgpool2d)`,
  );
  throwsExactly(
    create({ inputShape: [784], layers: [{ out: 10 }] }),
    InvalidParameterError,
    `layer 0: unknown layer an object with keys ["out"]; layers are ${LAYERS}`,
  );
  assert.throws(
    create({ inputShape: [784], layers: [{ type: "dense", outs: 10 }] }),
    /layer 0 \(dense\) options: unknown option "outs" \(did you mean out\?\)/,
  );
  throwsExactly(
    create({ inputShape: [1, 28, 28], layers: [{ type: "dense", out: 10 }] }),
    ShapeMismatchError,
    'layer 0 (dense) needs a flat input, but it gets [1, 28, 28]: put { type: "flatten" } before it',
  );
  throwsExactly(
    create({ inputShape: [784], layers: [{ type: "relu" }, { type: "dense", out: 0 }] }),
    InvalidParameterError,
    "layer 1 (dense) out must be an integer >= 1, got 0",
  );
  throwsExactly(
    create({ inputShape: [784], layers: [{ type: "relu" }, { type: "dense", out: 10, bias: "no" }] }),
    InvalidParameterError,
    `layer 1: bias must be true or false, got ${describeValue("no")}`,
  );
  throwsExactly(
    create({ inputShape: [784], layers: [{ type: "conv2d", outChannels: 4, kernel: 5 }] }),
    ShapeMismatchError,
    "layer 0 (conv2d) needs a [channels, height, width] input, but it gets [784]; give the network inputShape " +
      "[1, 28, 28] for MNIST images",
  );
  throwsExactly(
    create({ inputShape: [784], layers: [{ type: "avgpool2d", kernel: 2 }] }),
    ShapeMismatchError,
    "layer 0 (avgpool2d) needs a [channels, height, width] input, but it gets [784]; give the network inputShape " +
      "[1, 28, 28] for MNIST images",
  );
  throwsExactly(
    create({ inputShape: [1, 28, 28], layers: [{ type: "conv2d", outChannels: 0, kernel: 5 }] }),
    InvalidParameterError,
    "layer 0 (conv2d) outChannels must be an integer >= 1, got 0",
  );
  assert.throws(
    create({ inputShape: [1, 4, 4], layers: [{ type: "conv2d", outChannels: 2, kernel: 5 }] }),
    (e: unknown) =>
      e instanceof ShapeMismatchError && /kernel 5 is larger than the padded input 4/.test(e.message),
  );
  throwsExactly(
    () => Ann.create({ inputShape: [784], layers: [{ type: "relu" }] }, {} as never),
    InvalidParameterError,
    'Ann.create needs { rng: createRng(seed, "ann") } to draw the initial weights, got undefined',
  );
});

test("every parameter and input error of ann.ts names the parameter and the fix", () => {
  const arch: AnnArchitecture = { inputShape: [2], layers: [{ type: "dense", out: 1 }] };
  throwsExactly(
    () => Ann.fromParameters(arch, null as never),
    InvalidParameterError,
    'Ann.fromParameters needs the parameters as { "1.weight": Float32Array, ... }, got null',
  );
  throwsExactly(
    () => Ann.fromParameters(arch, { "0.bias": [0] }),
    ShapeMismatchError,
    'parameter "0.weight" is missing: layer 0 needs 2 values; the parameters hold "0.bias"',
  );
  throwsExactly(
    () => Ann.fromParameters(arch, {}),
    ShapeMismatchError,
    'parameter "0.weight" is missing: layer 0 needs 2 values; the parameters hold nothing',
  );
  throwsExactly(
    () => Ann.fromParameters(arch, { "0.weight": 3 as never, "0.bias": [0] }),
    InvalidParameterError,
    'parameter "0.weight" must be an array of numbers, got number 3',
  );
  throwsExactly(
    () => Ann.fromParameters(arch, { "0.weight": [1, 2, 3], "0.bias": [0] }),
    ShapeMismatchError,
    'parameter "0.weight" has 3 values, but layer 0 needs 2',
  );
  throwsExactly(
    () => Ann.fromParameters(arch, { "0.weight": [1, NaN], "0.bias": [0] }),
    InvalidParameterError,
    'parameter "0.weight"[1] must be a finite number, got number NaN',
  );
  throwsExactly(
    () => Ann.fromParameters(arch, { "0.weight": [1, 2], "0.bias": [0], "1.weight": [1] }),
    ShapeMismatchError,
    'parameter "1.weight" belongs to no layer of the architecture (expected "0.weight", "0.bias"); check that ' +
      "the architecture lists every layer, including relu and flatten, in the model's order",
  );
  const ann = Ann.fromParameters(arch, { "0.weight": [1, 2], "0.bias": [0] });
  throwsExactly(
    () => ann.forward([1, 2, 3]),
    ShapeMismatchError,
    "the ANN's input has shape [2] (2 values), got 3 values",
  );
  throwsExactly(
    () => ann.forward(null as never),
    ShapeMismatchError,
    "the ANN's input has shape [2] (2 values), got null",
  );
});
