// Seeded fuzzing of the IDX reader and of model files (manifest JSON + safetensors): every corrupted input ends
// in a FormatError or a valid result, never another exception and never an allocation beyond what the input
// could justify.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FormatError, SpikeflowError } from "../../src/core/errors.ts";
import { createRng, type Rng } from "../../src/core/rng.ts";
import { encodeIdx, parseIdx } from "../../src/data/idx.ts";
import { decodeModel, encodeModel, parseModelManifest } from "../../src/io/model-codec.ts";
import { largestAllocation } from "./helpers.ts";

function variantsOf(base: Uint8Array, rng: Rng, count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  // every truncation length
  for (let n = 0; n < base.length && out.length < count / 3; n++) out.push(base.slice(0, n));
  while (out.length < count) {
    const v = base.slice();
    const kind = rng.int(3);
    if (kind === 0) {
      // random bit flips
      const flips = 1 + rng.int(4);
      for (let f = 0; f < flips; f++) v[rng.int(v.length)] ^= 1 << rng.int(8);
      out.push(v);
    } else if (kind === 1) {
      // oversized fields: write 0xff.. runs over a random header position
      const at = rng.int(Math.min(v.length, 64));
      for (let k = 0; k < 4 && at + k < v.length; k++) v[at + k] = 0xff;
      out.push(v);
    } else {
      // trailing garbage
      const extra = new Uint8Array(v.length + 1 + rng.int(64));
      extra.set(v);
      for (let k = v.length; k < extra.length; k++) extra[k] = rng.int(256);
      out.push(extra);
    }
  }
  return out;
}

function expectFormatErrorOrValue(label: string, bytesIn: number, fn: () => void): "ok" | "error" {
  let outcome: "ok" | "error" = "ok";
  const biggest = largestAllocation(() => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof SpikeflowError))
        assert.fail(`${label}: expected a typed error or a result, got ${String(e)}`);
      outcome = "error";
    }
  });
  // the decoder never allocates more than a small multiple of what it was given
  assert.ok(
    biggest <= 16 * bytesIn + 65536,
    `${label}: allocated ${biggest} bytes for a ${bytesIn}-byte input`,
  );
  return outcome;
}

test("IDX fuzz: 1,500 truncated, bit-flipped, oversized and padded files end in FormatError or a valid array", () => {
  const rng = createRng(20, "idx-fuzz");
  const images = new Uint8Array(6 * 5 * 4).map(() => rng.int(256));
  const base = encodeIdx("uint8", [6, 5, 4], images);
  let errors = 0;
  const variants = variantsOf(base, rng, 1500);
  variants.forEach((v, k) => {
    if (
      expectFormatErrorOrValue(`variant ${k}`, v.length, () => {
        const a = parseIdx(v, "fuzz.idx");
        const n = a.dims.reduce((x, y) => x * y, 1);
        assert.equal(a.data.length, n, `variant ${k}: data length matches the dims`);
      }) === "error"
    )
      errors++;
  });
  assert.equal(variants.length, 1500);
  assert.ok(errors > 500, `most variants are rejected (${errors})`);
});

test("IDX errors are FormatErrors that name the file", () => {
  assert.throws(
    () => parseIdx(new Uint8Array([0, 0, 8]), "bad.idx"),
    (e: unknown) => e instanceof FormatError && e.message.startsWith("bad.idx"),
  );
});

test("model file fuzz: 1,200 corrupted manifests and weight files end in FormatError or a consistent model", () => {
  const rng = createRng(21, "model-fuzz");
  const enc = encodeModel({
    kind: "lcsnn",
    config: { filters: 3, neuron: { tauMem_ms: 100 } },
    tensors: {
      w: { data: new Float32Array(24).map(() => rng.float()), shape: [4, 6] },
      theta: { data: new Float64Array(5).map(() => rng.float()), shape: [5] },
    },
    extra: { readout: { numClasses: 10 } },
  });
  const manifest = new TextEncoder().encode(enc.manifestText);
  const weights = enc.files["weights.safetensors"];
  let errors = 0;
  const mv = variantsOf(manifest, rng, 600);
  const wv = variantsOf(weights, rng, 600);
  mv.forEach((m, k) => {
    if (
      expectFormatErrorOrValue(`manifest variant ${k}`, m.length + weights.length, () => {
        const parsed = parseModelManifest(m, "model.json");
        decodeModel(parsed, { "weights.safetensors": weights }, "dir");
      }) === "error"
    )
      errors++;
  });
  wv.forEach((w, k) => {
    if (
      expectFormatErrorOrValue(`weights variant ${k}`, w.length + manifest.length, () => {
        const parsed = parseModelManifest(manifest, "model.json");
        const m = decodeModel(parsed, { "weights.safetensors": w }, "dir");
        // a model that loads has exactly the recorded tensors
        assert.deepEqual(Object.keys(m.tensors).sort(), ["theta", "w"]);
      }) === "error"
    )
      errors++;
  });
  assert.ok(errors > 800, `corruptions are caught (CRC-32 and structure checks): ${errors}`);
});
