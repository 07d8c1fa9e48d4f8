import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Ann, type AnnArchitecture } from "../../src/convert/ann.ts";
import {
  ANN_FORMAT,
  ANN_JSON_FILE,
  ANN_WEIGHTS_FILE,
  decodeAnnSafetensors,
  encodeAnnSafetensors,
  loadAnn,
  saveAnn,
} from "../../src/convert/ann-io.ts";
import { trainAnn } from "../../src/convert/ann-train.ts";
import { FormatError, NotFoundError, ShapeMismatchError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { createDataset } from "../../src/data/dataset.ts";
import { encodeSafetensors } from "../../src/io/safetensors.ts";

const MLP: AnnArchitecture = {
  inputShape: [1, 28, 28],
  layers: [{ type: "flatten" }, { type: "dense", out: 500 }, { type: "relu" }, { type: "dense", out: 10 }],
};

const CNN: AnnArchitecture = {
  inputShape: [1, 12, 12],
  layers: [
    { type: "conv2d", outChannels: 3, kernel: 5, bias: false },
    { type: "relu" },
    { type: "avgpool2d", kernel: 2 },
    { type: "conv2d", outChannels: 4, kernel: 3, padding: 1 },
    { type: "relu" },
    { type: "flatten" },
    { type: "dense", out: 10, bias: false },
  ],
};

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "spikeflow-ann-io-"));
}

/** The header and data area of a safetensors file, read by the spec (not by src/io/safetensors.ts). */
function readBySpec(bytes: Uint8Array): {
  header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  metadata: unknown;
  data: Uint8Array;
  headerLength: number;
} {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const json = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, never>;
  const { __metadata__: metadata, ...header } = json;
  return { header, metadata, data: bytes.subarray(8 + n), headerLength: n };
}

test("model.safetensors holds PyTorch's state_dict names, F32, PyTorch's shapes and row-major little-endian bytes", () => {
  const ann = Ann.create(MLP, { rng: createRng(1, "ann") });
  const bytes = encodeAnnSafetensors(ann);
  const { header, metadata, data, headerLength } = readBySpec(bytes);
  assert.equal(headerLength % 8, 0, "the header is padded to a multiple of 8 bytes");
  assert.deepEqual(metadata, { format: "pt" });
  assert.deepEqual(Object.keys(header).sort(), ["1.bias", "1.weight", "3.bias", "3.weight"]);
  const shapes: Record<string, number[]> = {
    "1.weight": [500, 784], // nn.Linear(784, 500).weight
    "1.bias": [500],
    "3.weight": [10, 500],
    "3.bias": [10],
  };
  let covered = 0;
  for (const [name, entry] of Object.entries(header)) {
    assert.equal(entry.dtype, "F32", name);
    assert.deepEqual(entry.shape, shapes[name], name);
    const [begin, end] = entry.data_offsets;
    assert.equal(end - begin, 4 * shapes[name].reduce((a, b) => a * b, 1), name);
    assert.equal(begin % 4, 0, `${name} is aligned`);
    covered += end - begin;
    const p = ann.parameters()[name];
    const view = new DataView(data.buffer, data.byteOffset + begin, end - begin);
    // element [o][i] at byte 4 (o * in + i), little-endian
    for (const k of [0, 1, p.length - 1, Math.floor(p.length / 3)]) {
      assert.equal(view.getFloat32(4 * k, true), p[k], `${name}[${k}]`);
    }
  }
  assert.equal(covered, data.length, "the tensors cover the data area exactly");
  // conv2d weights are [outC, inC, kh, kw]; a layer without bias has no bias tensor
  const cnn = readBySpec(encodeAnnSafetensors(Ann.create(CNN, { rng: createRng(1, "ann") }))).header;
  assert.deepEqual(Object.fromEntries(Object.entries(cnn).map(([k, v]) => [k, v.shape])), {
    "0.weight": [3, 1, 5, 5],
    "3.weight": [4, 3, 3, 3],
    "3.bias": [4],
    "6.weight": [10, 64],
  });
});

test("saveAnn / loadAnn round-trip the parameters bit for bit, with the architecture and training record", async () => {
  const dir = tempDir();
  try {
    const ann = Ann.create(CNN, { rng: createRng(2, "ann") });
    const rng = createRng(2, "data");
    const data = createDataset({
      images: Uint8Array.from({ length: 20 * 144 }, () => Math.floor(rng.float() * 256)),
      labels: Uint8Array.from({ length: 20 }, (_, k) => k % 10),
      rows: 12,
      cols: 12,
      numClasses: 10,
    });
    const training = trainAnn(ann, data, { epochs: 1, batchSize: 10 });
    const manifest = await saveAnn(join(dir, "model"), ann, { training });
    assert.deepEqual(readdirSync(join(dir, "model")).sort(), [ANN_JSON_FILE, ANN_WEIGHTS_FILE]);
    const loaded = await loadAnn(join(dir, "model"));
    assert.deepEqual(loaded.ann.parameters(), ann.parameters());
    for (const [name, p] of Object.entries(ann.parameters())) {
      const q = loaded.ann.parameters()[name];
      assert.deepEqual(
        new Uint8Array(q.buffer, q.byteOffset, q.byteLength),
        new Uint8Array(p.buffer, p.byteOffset, p.byteLength),
        name,
      );
    }
    assert.deepEqual(loaded.ann.architecture, ann.architecture);
    assert.deepEqual(loaded.manifest, JSON.parse(JSON.stringify(manifest)));
    assert.equal(loaded.manifest.format, ANN_FORMAT);
    assert.equal(loaded.manifest.version, 1);
    assert.deepEqual(loaded.manifest.training, JSON.parse(JSON.stringify(training)));
    // the same network saved twice gives the same bytes
    await saveAnn(join(dir, "again"), loaded.ann, { training });
    assert.deepEqual(
      readFileSync(join(dir, "again", ANN_WEIGHTS_FILE)),
      readFileSync(join(dir, "model", ANN_WEIGHTS_FILE)),
    );
    assert.equal(
      readFileSync(join(dir, "again", ANN_JSON_FILE), "utf8"),
      readFileSync(join(dir, "model", ANN_JSON_FILE), "utf8"),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a state_dict saved elsewhere (no CRC) loads with a hand-written ann.json", async () => {
  const dir = tempDir();
  try {
    const ann = Ann.create(MLP, { rng: createRng(3, "ann") });
    const p = ann.parameters();
    // as safetensors.torch.save_file would write it: same names and shapes, no spikeflow fields
    writeFileSync(
      join(dir, ANN_WEIGHTS_FILE),
      encodeSafetensors({
        "1.weight": { dtype: "F32", shape: [500, 784], data: p["1.weight"] },
        "1.bias": { dtype: "F32", shape: [500], data: p["1.bias"] },
        "3.weight": { dtype: "F32", shape: [10, 500], data: p["3.weight"] },
        "3.bias": { dtype: "F32", shape: [10], data: p["3.bias"] },
      }),
    );
    writeFileSync(
      join(dir, ANN_JSON_FILE),
      JSON.stringify({ format: "spikeflow-ann", version: 1, architecture: MLP }),
    );
    const loaded = await loadAnn(dir);
    assert.deepEqual(loaded.ann.parameters(), p);
    assert.equal(loaded.manifest.training, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("loading refuses a missing, misshapen, mistyped or extra tensor, naming it and the fix", () => {
  const ann = Ann.create(CNN, { rng: createRng(4, "ann") });
  const p = ann.parameters();
  const good = {
    "0.weight": { dtype: "F32", shape: [3, 1, 5, 5], data: p["0.weight"] },
    "3.weight": { dtype: "F32", shape: [4, 3, 3, 3], data: p["3.weight"] },
    "3.bias": { dtype: "F32", shape: [4], data: p["3.bias"] },
    "6.weight": { dtype: "F32", shape: [10, 64], data: p["6.weight"] },
  } as const;
  const decode = (tensors: object) => () =>
    decodeAnnSafetensors(CNN, encodeSafetensors(tensors as never), "m.safetensors");
  assert.deepEqual(decode(good)().parameters(), p);
  const { "3.bias": _bias, ...noBias } = good;
  assert.throws(
    decode(noBias),
    (e: unknown) =>
      e instanceof ShapeMismatchError &&
      e.message.startsWith(
        'm.safetensors has no tensor "3.bias": layer 3 (conv2d 3 -> 4 channels, kernel 3x3) needs F32 [4]; it holds ' +
          '"0.weight", "3.weight", "6.weight"; if the model was built with bias=False, give the layer bias: false',
      ),
  );
  assert.throws(
    decode({ ...good, "6.weight": { dtype: "F32", shape: [64, 10], data: p["6.weight"] } }),
    (e: unknown) =>
      e instanceof ShapeMismatchError &&
      e.message ===
        'm.safetensors: tensor "6.weight" has shape [64, 10], but layer 6 (dense 64 -> 10) needs F32 [10, 64]; ' +
          "save the state_dict of a network with exactly this architecture (same layers, same order)",
  );
  assert.throws(
    decode({
      ...good,
      "0.weight": { dtype: "F64", shape: [3, 1, 5, 5], data: Float64Array.from(p["0.weight"]) },
    }),
    (e: unknown) =>
      e instanceof FormatError &&
      e.message ===
        'm.safetensors: tensor "0.weight" is F64, but spikeflow reads F32 (float32); in PyTorch save ' +
          "{k: v.float() for k, v in net.state_dict().items()}",
  );
  assert.throws(
    decode({ ...good, "0.bias": { dtype: "F32", shape: [3], data: new Float32Array(3) } }),
    (e: unknown) =>
      e instanceof ShapeMismatchError &&
      /tensor "0.bias" belongs to no parameter of the architecture .*remove bias: false from it/.test(
        e.message,
      ),
  );
  assert.throws(
    decode({ ...good, "1.running_mean": { dtype: "F32", shape: [3], data: new Float32Array(3) } }),
    (e: unknown) =>
      e instanceof ShapeMismatchError && /"1.running_mean" belongs to no parameter/.test(e.message),
  );
  assert.throws(
    decode({ ...good, "3.bias": { dtype: "F32", shape: [4], data: Float32Array.of(0, NaN, 0, 0) } }),
    (e: unknown) =>
      e instanceof FormatError &&
      /m.safetensors: parameter "3.bias"\[1\] must be a finite number/.test(e.message),
  );
  assert.throws(
    () => decodeAnnSafetensors(CNN, Uint8Array.of(1, 2, 3), "m.safetensors"),
    (e: unknown) => e instanceof FormatError && e.message.includes("m.safetensors"),
  );
});

test("loadAnn refuses a missing file, a corrupt or mismatched weights file and a bad ann.json", async () => {
  const dir = tempDir();
  try {
    await assert.rejects(
      loadAnn(join(dir, "none")),
      (e: unknown) => e instanceof NotFoundError && e.message.includes(ANN_JSON_FILE),
    );
    const ann = Ann.create(MLP, { rng: createRng(5, "ann") });
    await saveAnn(dir, ann);
    const weights = join(dir, ANN_WEIGHTS_FILE);
    const bytes = readFileSync(weights);
    // one flipped bit in the data area: the CRC catches it
    const flipped = Uint8Array.from(bytes);
    flipped[flipped.length - 3] ^= 0x10;
    writeFileSync(weights, flipped);
    await assert.rejects(
      loadAnn(dir),
      (e: unknown) =>
        e instanceof FormatError &&
        /does not match ann.json .*come from different saves or one is corrupt/.test(e.message),
    );
    // truncated: caught by the size
    writeFileSync(weights, bytes.subarray(0, 100));
    await assert.rejects(
      loadAnn(dir),
      (e: unknown) => e instanceof FormatError && /does not match ann.json/.test(e.message),
    );
    rmSync(weights);
    await assert.rejects(
      loadAnn(dir),
      (e: unknown) => e instanceof NotFoundError && e.message.includes(weights),
    );
    writeFileSync(weights, bytes);
    const json = join(dir, ANN_JSON_FILE);
    const manifest = JSON.parse(readFileSync(json, "utf8")) as Record<string, unknown>;
    // without the CRC fields, a corrupt header is the safetensors reader's FormatError, naming the file
    const { weights: _w, ...plain } = manifest;
    writeFileSync(json, JSON.stringify(plain));
    const broken = Uint8Array.from(bytes);
    broken[8] = 0x5b; // "[": the header is no JSON object any more
    writeFileSync(weights, broken);
    await assert.rejects(
      loadAnn(dir),
      (e: unknown) => e instanceof FormatError && e.message.includes(weights),
    );
    writeFileSync(weights, bytes);
    assert.deepEqual((await loadAnn(dir)).ann.parameters(), ann.parameters());
    for (const [text, pattern] of [
      ["{", /ann.json is not valid JSON/],
      ["[]", /must hold an object such as/],
      [JSON.stringify({ ...plain, format: "onnx" }), /"format" is string "onnx", expected "spikeflow-ann"/],
      [
        JSON.stringify({ ...plain, version: 2 }),
        /format version number 2 is not one this spikeflow reads \(1\); upgrade spikeflow/,
      ],
      [JSON.stringify({ ...plain, architecture: 1 }), /"architecture" must be an object/],
      [JSON.stringify({ ...plain, extra: 1 }), /unknown key "extra"/],
      [JSON.stringify({ ...plain, weights: { file: "../x" } }), /"weights" must be/],
      [
        JSON.stringify({
          ...plain,
          architecture: { inputShape: [784], layers: [{ type: "dense", out: 10 }] },
        }),
        /ann.json: layer 0 \(dense\) needs a flat input|tensor "0.weight"/,
      ],
    ] as const) {
      writeFileSync(json, text);
      await assert.rejects(
        loadAnn(dir),
        (e: unknown) => e instanceof FormatError || e instanceof ShapeMismatchError,
        text,
      );
      await assert.rejects(loadAnn(dir), pattern, text);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
