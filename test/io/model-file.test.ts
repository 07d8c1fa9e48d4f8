// The spikeflow model directory: bit-exact round trips, the manifest's content, and every validation on load.
import { test } from "node:test";
import assert from "node:assert/strict";
import { refusal } from "../helpers/fixtures.ts";
import { spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FormatError, InvalidParameterError, NotFoundError } from "../../src/core/errors.ts";
import { crc32Hex } from "../../src/io/crc32.ts";
import { decodeModel, encodeModel, parseModelManifest } from "../../src/io/model-codec.ts";
import type { ModelInput } from "../../src/io/model-codec.ts";
import { loadModel, saveModel } from "../../src/io/model-file.ts";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/safetensors.ts";
import { assertSameTensor } from "./helpers.ts";

function scratch(): string {
  return mkdtempSync(join(tmpdir(), "spikeflow-model-"));
}

/** A model whose tensors hold awkward bit patterns: NaN payloads, -0, subnormals, extreme integers. */
function sampleModel(): ModelInput {
  const weights = new Float32Array(
    new Uint32Array([0x7fc00001, 0x80000000, 0x00000001, 0x3f800000, 0xff800000, 0x7f7fffff]).buffer,
  );
  return {
    kind: "lcsnn",
    config: {
      nInput: 784,
      tauMem_ms: 100,
      layers: [{ n: 25, reset: "to-value" }],
      learning: true,
      seed: null,
    },
    tensors: {
      "input.weight": { data: weights, shape: [2, 3] },
      assignments: { data: Int32Array.of(-2147483648, 2147483647, 0, 7), shape: [4] },
      active: { data: Uint8Array.of(1, 0, 1), shape: [3], dtype: "BOOL" },
      theta_mV: { data: Float64Array.of(Number.MIN_VALUE, -0), shape: [2, 1] },
    },
    extra: { labels: [3, 1, 4], trainedExamples: 60000 },
  };
}

test("save then load returns every tensor bit for bit, the config and the extra state", async () => {
  const dir = scratch();
  try {
    const model = sampleModel();

    await saveModel(join(dir, "m"), model);
    const loaded = await loadModel(join(dir, "m"), { expectKind: "lcsnn" });

    assert.equal(loaded.kind, "lcsnn");
    assert.deepEqual(loaded.config, model.config);
    assert.deepEqual(loaded.extra, model.extra);
    assert.deepEqual(Object.keys(loaded.tensors).sort(), Object.keys(model.tensors).sort());
    assertSameTensor(loaded.tensors["input.weight"], {
      dtype: "F32",
      shape: [2, 3],
      data: model.tensors["input.weight"].data as Float32Array,
    });
    assertSameTensor(loaded.tensors.assignments, {
      dtype: "I32",
      shape: [4],
      data: model.tensors.assignments.data as Int32Array,
    });
    assertSameTensor(loaded.tensors.active, { dtype: "BOOL", shape: [3], data: Uint8Array.of(1, 0, 1) });
    assertSameTensor(loaded.tensors.theta_mV, {
      dtype: "F64",
      shape: [2, 1],
      data: model.tensors.theta_mV.data as Float64Array,
    });
    assert.deepEqual(readdirSync(join(dir, "m")).sort(), ["model.json", "weights.safetensors"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("model.json records format, version, kind, config, tensors with dtype and shape, file checksums and extra", async () => {
  const dir = scratch();
  try {
    await saveModel(dir, sampleModel());
    const manifest = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
    const weights = readFileSync(join(dir, "weights.safetensors"));

    assert.deepEqual(Object.keys(manifest), [
      "format",
      "version",
      "kind",
      "config",
      "tensors",
      "files",
      "extra",
    ]);
    assert.equal(manifest.format, "spikeflow-model");
    assert.equal(manifest.version, 1);
    assert.deepEqual(manifest.tensors["input.weight"], {
      file: "weights.safetensors",
      key: "input.weight",
      dtype: "F32",
      shape: [2, 3],
    });
    assert.deepEqual(manifest.tensors.active.dtype, "BOOL");
    assert.deepEqual(manifest.files, {
      "weights.safetensors": { bytes: weights.length, crc32: crc32Hex(weights) },
    });
    // The weights file is plain safetensors that Python can open, with its own metadata.
    const st = decodeSafetensors(weights, "weights.safetensors");
    assert.deepEqual(st.metadata, { "spikeflow.format": "spikeflow-model/1", "spikeflow.kind": "lcsnn" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("saving twice replaces both files and leaves no temporary files", async () => {
  const dir = scratch();
  try {
    await saveModel(dir, sampleModel());
    await saveModel(dir, {
      kind: "lcsnn",
      config: { n: 1 },
      tensors: { w: { data: Float32Array.of(2), shape: [1] } },
    });

    const loaded = await loadModel(dir);

    assert.equal(loaded.kind, "lcsnn");
    assert.deepEqual(Object.keys(loaded.tensors), ["w"]);
    assert.deepEqual(loaded.extra, {});
    assert.deepEqual(readdirSync(dir).sort(), ["model.json", "weights.safetensors"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a model of another kind, or a model.json that is no manifest, is not replaced by a save", async () => {
  const dir = scratch();
  try {
    await saveModel(dir, sampleModel());
    const before = readFileSync(join(dir, "model.json"));
    const other = { kind: "network", config: {}, tensors: { w: { data: Float32Array.of(1), shape: [1] } } };
    await assert.rejects(saveModel(dir, other), {
      name: "InvalidParameterError",
      message:
        `${dir} holds a model of kind "lcsnn" (model.json); saving a "network" model there would replace it: ` +
        "choose another directory, or delete it first if it may go",
    });
    assert.deepEqual(readFileSync(join(dir, "model.json")), before, "nothing was written");
    // someone's own model.json
    const mine = scratch();
    writeFileSync(join(mine, "model.json"), "layers: 3\n");
    await assert.rejects(saveModel(mine, other), {
      name: "InvalidParameterError",
      message:
        `${join(mine, "model.json")} exists and is not a spikeflow model manifest; saving a "network" model ` +
        "would replace it: choose another directory, or delete it first if it may go",
    });
    assert.deepEqual(readdirSync(mine), ["model.json"]);
    rmSync(mine, { recursive: true, force: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("saving rejects values JSON cannot store faithfully, naming their path", () => {
  const base = sampleModel();
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const cases: Array<[Partial<ModelInput>, RegExp]> = [
    [
      { config: { layers: [{ tau_ms: Number.NaN }] } },
      /config\.layers\[0\]\.tau_ms is NaN; JSON cannot store NaN/,
    ],
    [{ config: { f: () => 1 } }, /config\.f is function/],
    [{ config: { u: undefined } }, /config\.u is undefined/],
    [{ extra: { w: new Float32Array(2) } }, /extra\.w is a typed array \(put it in tensors\)/],
    [{ extra: { when: new Date(0) } }, /extra\.when is a Date; only plain objects/],
    [{ extra: cyclic }, /extra\.self refers back to itself/],
    [{ extra: { big: 10n } }, /extra\.big is bigint/],
    [{ kind: "" }, /model kind must be a non-empty string/],
    [{ config: [] as unknown as Record<string, unknown> }, /model config must be a plain object/],
    [
      { foo: 1 } as Partial<ModelInput>,
      /^model has unknown field "foo"; a model is \{ kind, config, tensors, extra\? \}: put other data in config or extra$/,
    ],
    [
      { tensors: { "": { data: new Float32Array(1), shape: [1] } } },
      /^model tensor "": a tensor name must be a non-empty, well-formed string$/,
    ],
  ];

  for (const [patch, pattern] of cases) {
    assert.throws(
      () => encodeModel({ ...base, ...patch }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidParameterError, String(e));
        assert.match(e.message, pattern);
        return true;
      },
    );
  }
});

test("saving rejects inconsistent tensors", () => {
  const base = sampleModel();
  assert.throws(
    () => encodeModel({ ...base, tensors: { w: { data: new Float32Array(5), shape: [2, 3] } } }),
    /model tensor "w": shape \[2, 3\] holds 6 elements but data has 5/,
  );
  assert.throws(
    () => encodeModel({ ...base, tensors: { w: { data: [1, 2] as unknown as Float32Array, shape: [2] } } }),
    /model tensor "w"\.data must be a typed array/,
  );
  assert.throws(
    () => encodeModel({ ...base, tensors: { w: { data: new Float32Array(1), shape: [1], dtype: "I32" } } }),
    /must be a Int32Array for dtype I32/,
  );
});

// ---- loading: every validation, with the offending file named ----

function encodedFiles(model = sampleModel()) {
  const enc = encodeModel(model);
  return { manifest: JSON.parse(enc.manifestText), weights: enc.files["weights.safetensors"] };
}

function assertLoadError(fn: () => unknown, file: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FormatError, String(e));
    assert.ok(e.message.startsWith(`${file}: `), e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

test("the manifest must be spikeflow-model version 1 of the expected kind", () => {
  const { manifest } = encodedFiles();
  const M = "d/model.json";
  const parse = (doc: unknown, expectKind?: string) =>
    parseModelManifest(JSON.stringify(doc), M, { expectKind });

  assertLoadError(() => parseModelManifest("{", M), M, /is not valid JSON/);
  assertLoadError(() => parseModelManifest(Uint8Array.of(0xff), M), M, /is not valid UTF-8/);
  assertLoadError(() => parse([]), M, /must be a JSON object/);
  assertLoadError(
    () => parse({ ...manifest, format: "other" }),
    M,
    /not a spikeflow model manifest \(format is "other"/,
  );
  assertLoadError(
    () => parse({ ...manifest, version: 2 }),
    M,
    /format version 2; this spikeflow reads version 1; upgrade/,
  );
  assertLoadError(() => parse({ ...manifest, version: "1" }), M, /version must be a positive integer/);
  assertLoadError(() => parse(manifest, "rnn"), M, /holds a "lcsnn" model but a "rnn" model was expected/);
  assertLoadError(() => parse({ ...manifest, bonus: 1 }), M, /unknown field "bonus"/);
  assertLoadError(() => parse({ ...manifest, config: 3 }), M, /config must be an object/);
  assertLoadError(
    () => parseModelManifest(JSON.stringify(manifest).replace('"kind"', '"kind":"x","kind"'), M),
    M,
    /duplicate key "kind"/,
  );
});

test("tensor and file entries are checked", () => {
  const { manifest } = encodedFiles();
  const M = "model.json";
  const withTensor = (t: unknown) => ({ ...manifest, tensors: { ...manifest.tensors, w: t } });
  const parse = (doc: unknown) => parseModelManifest(JSON.stringify(doc), M);

  assertLoadError(
    () => parse(withTensor({ file: "weights.safetensors", key: "w" })),
    M,
    /must be \{ "file", "key", "dtype", "shape" \}/,
  );
  assertLoadError(
    () => parse(withTensor({ file: "other.safetensors", key: "w", dtype: "F32", shape: [] })),
    M,
    /not listed in "files"/,
  );
  assertLoadError(
    () => parse(withTensor({ file: "weights.safetensors", key: "w", dtype: "Q4", shape: [] })),
    M,
    /dtype must be one of/,
  );
  assertLoadError(
    () => parse(withTensor({ file: "weights.safetensors", key: "w", dtype: "F32", shape: [-1] })),
    M,
    /shape must be an array of non-negative/,
  );
  assertLoadError(
    () => parse({ ...manifest, files: { "../x.safetensors": { bytes: 1, crc32: "00000000" } } }),
    M,
    /not a plain \*\.safetensors file name/,
  );
  assertLoadError(
    () => parse({ ...manifest, files: { "weights.safetensors": { bytes: 1 } } }),
    M,
    /must be \{ "bytes": <integer>, "crc32"/,
  );
});

test("a weights file from another save or a corrupt one is detected by size and CRC-32", () => {
  const { manifest, weights } = encodedFiles();
  const other = encodedFiles({
    ...sampleModel(),
    extra: { labels: [9] },
    tensors: { w: { data: Float32Array.of(1), shape: [1] } },
  });
  const parsed = parseModelManifest(JSON.stringify(manifest), "m/model.json");
  const flipped = weights.slice();
  flipped[flipped.length - 1] ^= 1;

  assertLoadError(
    () => decodeModel(parsed, { "weights.safetensors": other.weights }, "m"),
    "m/weights.safetensors",
    /does not match model\.json .* different saves/,
  );
  assertLoadError(
    () => decodeModel(parsed, { "weights.safetensors": flipped }, "m"),
    "m/weights.safetensors",
    /CRC-32/,
  );
  assertLoadError(
    () => decodeModel(parsed, {}, "m"),
    "m/weights.safetensors",
    /is missing \(model\.json lists it\)/,
  );
});

/** A manifest rewritten to describe `weights` (fresh size and CRC), so that only the tensor checks can fail. */
interface ManifestDoc {
  tensors: Record<string, Record<string, unknown>>;
  files: Record<string, unknown>;
}

function consistentPair(manifestPatch: (m: ManifestDoc) => void, tensors = sampleTensorsForFile()) {
  const weights = encodeSafetensors(tensors);
  const manifest: ManifestDoc = encodedFiles().manifest;
  manifest.files["weights.safetensors"] = { bytes: weights.length, crc32: crc32Hex(weights) };
  manifestPatch(manifest);
  return {
    manifest: parseModelManifest(JSON.stringify(manifest), "model.json"),
    files: { "weights.safetensors": weights },
  };
}

function sampleTensorsForFile() {
  return decodeSafetensors(encodedFiles().weights, "w").tensors;
}

test("every listed tensor must exist with the recorded dtype and shape, and nothing unlisted may be in the file", () => {
  const W = "./weights.safetensors";
  const missing = { ...sampleTensorsForFile() };
  delete missing.assignments;
  const extra = {
    ...sampleTensorsForFile(),
    stray: { dtype: "U8" as const, shape: [1], data: Uint8Array.of(1) },
  };

  const a = consistentPair(() => undefined, missing);
  assertLoadError(
    () => decodeModel(a.manifest, a.files),
    W,
    /has no tensor "assignments" \(model\.json lists it\)/,
  );
  const b = consistentPair((m) => (m.tensors.assignments.shape = [2, 2]));
  assertLoadError(() => decodeModel(b.manifest, b.files), W, /shape \[4\] but model\.json records \[2, 2\]/);
  const c = consistentPair((m) => (m.tensors.assignments.dtype = "U32"));
  assertLoadError(
    () => decodeModel(c.manifest, c.files),
    W,
    /"assignments" is I32 but model\.json records U32/,
  );
  const d = consistentPair(() => undefined, extra);
  assertLoadError(
    () => decodeModel(d.manifest, d.files),
    W,
    /holds tensor "stray", which model\.json does not list/,
  );
  const e = consistentPair((m) => (m.tensors.copy = { ...m.tensors.assignments }));
  assertLoadError(() => decodeModel(e.manifest, e.files), W, /"assignments" is listed twice/);
});

test("loadModel names missing files with NotFoundError and corrupt ones with FormatError", async () => {
  const dir = scratch();
  try {
    await assert.rejects(loadModel(join(dir, "nothing")), (e: unknown) => {
      assert.ok(e instanceof NotFoundError);
      assert.match(
        e.message,
        /nothing\/model\.json does not exist; a model directory holds the model\.json and weights that a train command \(or saveModel\) wrote/,
      );
      return true;
    });
    await saveModel(dir, sampleModel());
    rmSync(join(dir, "weights.safetensors"));
    await assert.rejects(loadModel(dir), /weights\.safetensors does not exist; model\.json lists it/);
    await saveModel(dir, sampleModel());
    writeFileSync(join(dir, "model.json"), "{ not json");
    await assert.rejects(
      loadModel(dir),
      (e: unknown) => e instanceof FormatError && e.message.startsWith(join(dir, "model.json")),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("loadModel refuses what cannot be a model file from its kind and size, before reading it", async () => {
  const dir = scratch();
  try {
    await saveModel(join(dir, "m"), sampleModel());
    const m = join(dir, "m");
    const weights = join(m, "weights.safetensors");
    const bytes = readFileSync(weights);
    // a file given as the directory, and a path through a file
    writeFileSync(join(dir, "afile"), "x");
    await assert.rejects(loadModel(join(dir, "afile")), {
      name: "InvalidParameterError",
      message: `loadModel: ${join(dir, "afile")} is a file, not a model directory; give the directory that holds model.json`,
    });
    await assert.rejects(loadModel(join(dir, "afile", "m")), {
      name: "NotFoundError",
      message: new RegExp(
        `^${join(dir, "afile", "m", "model.json").replace(/[.]/g, "\\.")} does not exist; `,
      ),
    });
    // a directory or a FIFO where the weights belong (reading a FIFO would wait forever)
    rmSync(weights);
    mkdirSync(weights);
    await assert.rejects(loadModel(m), {
      name: "FormatError",
      message: `${weights} is a directory, not a model's weights file; remove it and save the model again`,
    });
    rmSync(weights, { recursive: true });
    const fifo = spawnSync("mkfifo", [weights]);
    if (fifo.status === 0) {
      await assert.rejects(loadModel(m), {
        name: "FormatError",
        message: `${weights} is not a regular file (a FIFO, socket or device), not a model's weights file; remove it and save the model again`,
      });
      rmSync(weights);
    }
    // a 3 GB (sparse) weights file is refused from its size, not read: more than Node reads into one buffer
    writeFileSync(weights, bytes);
    truncateSync(weights, 3 * 2 ** 30);
    await assert.rejects(loadModel(m), {
      name: "FormatError",
      message:
        `${weights}: does not match model.json (${3 * 2 ** 30} bytes; expected ${bytes.length} bytes): ` +
        "the two files come from different saves or one is corrupt",
    });
    writeFileSync(weights, bytes);
    // an oversized model.json
    truncateSync(join(m, "model.json"), 2 ** 28 + 1);
    await assert.rejects(loadModel(m), {
      name: "FormatError",
      message: `${join(m, "model.json")} is ${2 ** 28 + 1} bytes, more than the ${2 ** 28} bytes spikeflow reads as a model manifest; it is not a file that saveModel wrote`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("decodeModel and parseModelManifest name a missing or wrong argument", () => {
  const encoded = encodeModel(sampleModel());
  const decode = decodeModel as (...a: unknown[]) => unknown;
  const message = refusal;
  const usage =
    "decodeModel takes (manifest, files, location?): the manifest parseModelManifest returns and an object " +
    "mapping each file it lists to its bytes";
  // the whole encodeModel result, without files: a TypeError from Object.hasOwn before
  assert.equal(
    message(() => decode(encoded)),
    `${usage}; it got the whole result of encodeModel: pass decodeModel(encoded.manifest, encoded.files)`,
  );
  assert.equal(
    message(() => decode(encoded.manifest)),
    `${usage} (e.g. { "weights.safetensors": bytes }); files is undefined`,
  );
  assert.equal(
    message(() => decode(undefined, encoded.files)),
    `${usage}; the manifest is undefined`,
  );
  assert.equal(
    message(() => decode(encoded.manifest, { "weights.safetensors": [1, 2] })),
    `${usage}; files["weights.safetensors"] is an Array of length 2, expected a Uint8Array of the file's bytes`,
  );
  assert.match(
    message(() => decode(encoded.manifest, encoded.files, 7)),
    /location names the model's directory in error messages and must be a string, got number 7$/,
  );
  // the right call still decodes
  assert.equal((decode(encoded.manifest, encoded.files) as { kind: string }).kind, "lcsnn");

  const parse = parseModelManifest as (...a: unknown[]) => unknown;
  assert.equal(
    message(() => parse(undefined, "m/model.json")),
    "parseModelManifest takes model.json's text (a string or its bytes as a Uint8Array), got undefined",
  );
});

test("saveModel names a missing model; loadModel refuses unknown options before it reads anything", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sf-model-args-"));
  try {
    await assert.rejects(
      saveModel(join(dir, "m"), undefined as never),
      (e: unknown) =>
        e instanceof InvalidParameterError &&
        e.message ===
          "saveModel(dir, model) takes the model as { kind, config, tensors, extra? }, got undefined",
    );
    assert.deepEqual(readdirSync(dir), [], "nothing written");
    // the directory does not exist: the options are refused first, not the missing model.json
    await assert.rejects(
      loadModel(join(dir, "absent"), { expect: "lcsnn" } as never),
      /^InvalidParameterError: loadModel options: unknown option "expect" \(did you mean expectKind\?\)/,
    );
    await assert.rejects(
      loadModel(join(dir, "absent"), null as never),
      /loadModel options must be an object/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
