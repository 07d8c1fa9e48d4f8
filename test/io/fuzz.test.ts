// Seeded fuzzing of the three decoders: every corrupted file must end in a FormatError or a consistent result,
// never another exception, and no decoder may allocate more than the input could justify.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FormatError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import type { Rng } from "../../src/core/rng.ts";
import { DTYPE_INFO } from "../../src/io/dtype.ts";
import type { Tensor } from "../../src/io/dtype.ts";
import { decodeNpy, encodeNpy } from "../../src/io/npy.ts";
import { decodeNpz, encodeNpz } from "../../src/io/npz.ts";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/safetensors.ts";
import { buildSafetensors, largestAllocation } from "./helpers.ts";

interface Outcome {
  ok: number;
  formatErrors: number;
}

function checkTensor(t: Tensor, label: string): void {
  const n = t.shape.reduce((a, b) => a * b, 1);
  assert.equal(t.data.length, n, `${label}: data length matches the shape`);
  assert.equal((t.data as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT, DTYPE_INFO[t.dtype].size, label);
}

/** Decodes each variant; asserts the outcome rules; returns counts. */
function runVariants(
  variants: Array<[string, Uint8Array]>,
  decode: (bytes: Uint8Array) => Tensor[],
  allocationLimit: (bytes: Uint8Array) => number,
): Outcome {
  const outcome: Outcome = { ok: 0, formatErrors: 0 };
  for (const [label, bytes] of variants) {
    let tensors: Tensor[] | undefined;
    const allocated = largestAllocation(() => {
      try {
        tensors = decode(bytes);
      } catch (e) {
        if (!(e instanceof FormatError)) {
          assert.fail(`${label}: expected a FormatError or a result, got ${String(e)}`);
        }
      }
    });
    assert.ok(
      allocated <= allocationLimit(bytes),
      `${label}: allocated ${allocated} bytes for ${bytes.length}`,
    );
    if (tensors === undefined) {
      outcome.formatErrors++;
    } else {
      outcome.ok++;
      tensors.forEach((t, k) => checkTensor(t, `${label} #${k}`));
    }
  }
  return outcome;
}

/** Every prefix, random bit flips, and random overwrites of `fieldBytes` at `fieldAt` with big numbers. */
function genericVariants(rng: Rng, bases: Uint8Array[], flips: number, fieldAt: number, fieldBytes: number) {
  const out: Array<[string, Uint8Array]> = [];
  bases.forEach((base, b) => {
    for (let len = 0; len < base.length; len++)
      out.push([`base ${b} truncated to ${len}`, base.subarray(0, len)]);
  });
  for (let i = 0; i < flips; i++) {
    const b = rng.int(bases.length);
    const copy = bases[b].slice();
    const count = 1 + rng.int(4);
    const where: number[] = [];
    for (let k = 0; k < count; k++) {
      const bit = rng.int(copy.length * 8);
      copy[bit >> 3] ^= 1 << (bit & 7);
      where.push(bit);
    }
    out.push([`base ${b} with bits ${where.join(",")} flipped`, copy]);
  }
  for (let i = 0; i < 100; i++) {
    const b = rng.int(bases.length);
    const copy = bases[b].slice();
    for (let k = 0; k < fieldBytes; k++) copy[fieldAt + k] = k < 2 && rng.bernoulli(0.3) ? 0 : rng.int(256);
    out.push([`base ${b} with length field ${[...copy.subarray(fieldAt, fieldAt + fieldBytes)]}`, copy]);
  }
  return out;
}

function hugeDimensions(rng: Rng): number[] {
  const dims: number[] = [];
  const k = 1 + rng.int(4);
  for (let i = 0; i < k; i++) {
    const pick = rng.int(4);
    dims.push(pick === 0 ? rng.int(10) : pick === 1 ? 1e6 : pick === 2 ? 2 ** 40 + rng.int(1000) : 1e15);
  }
  return dims;
}

const BASE_TENSORS: Record<string, Tensor> = {
  w: { dtype: "F32", shape: [2, 3], data: Float32Array.of(1, -2, Number.NaN, 0.5, -0, 3) },
  idx: { dtype: "I64", shape: [2], data: BigInt64Array.of(-1n, 2n ** 40n) },
  mask: { dtype: "BOOL", shape: [4], data: Uint8Array.of(1, 0, 0, 1) },
  h: { dtype: "F16", shape: [1], data: Uint16Array.of(0x3c00) },
  empty: { dtype: "U16", shape: [0, 5], data: new Uint16Array(0) },
  s: { dtype: "I8", shape: [], data: Int8Array.of(-7) },
};

test("safetensors decoder: 1000+ corrupted files end in FormatError or a consistent result", () => {
  const rng = createRng(2024, "fuzz", "safetensors");
  const bases = [
    encodeSafetensors(BASE_TENSORS, { dt_ms: "0.5", note: "fuzz" }),
    encodeSafetensors({ a: { dtype: "U8", shape: [3], data: Uint8Array.of(1, 2, 3) } }),
  ];
  const variants = genericVariants(rng, bases, 800, 0, 8);
  // Headers with huge or random shapes, re-serialised with a correct length field.
  for (let i = 0; i < 200; i++) {
    const dims = hugeDimensions(rng);
    const end = rng.bernoulli(0.5) ? 4 : dims.reduce((a, b) => a * b, 4);
    const header = `{"w":{"dtype":"F32","shape":[${dims.join(",")}],"data_offsets":[0,${end}]}}`;
    variants.push([`huge shape ${dims}`, buildSafetensors(header, [0, 0, 128, 63])]);
  }

  const outcome = runVariants(
    variants,
    (bytes) => Object.values(decodeSafetensors(bytes, "fuzz.safetensors").tensors),
    (bytes) => Math.max(4096, bytes.length),
  );

  assert.ok(variants.length >= 1000, `${variants.length} variants`);
  assert.ok(outcome.formatErrors > 500, `${outcome.formatErrors} errors`);
  assert.ok(outcome.ok > 0, "some bit flips only touch data and still decode");
});

test("npy decoder: 1000+ corrupted files end in FormatError or a consistent result", () => {
  const rng = createRng(2024, "fuzz", "npy");
  const bases = [
    encodeNpy(BASE_TENSORS.w),
    encodeNpy({ dtype: "I16", shape: [3, 2, 2], data: Int16Array.from({ length: 12 }, (_, i) => i - 6) }),
    encodeNpy(BASE_TENSORS.s),
  ];
  const variants = genericVariants(rng, bases, 800, 8, 2);
  for (let i = 0; i < 200; i++) {
    const dims = hugeDimensions(rng);
    const fortran = rng.bernoulli(0.5) ? "True" : "False";
    const dict = `{'descr': '<f4', 'fortran_order': ${fortran}, 'shape': (${dims.join(", ")},), }`;
    const header = dict + " ".repeat(63 - ((10 + dict.length) % 64)) + "\n";
    const bytes = new Uint8Array(10 + header.length + 8);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
    for (let k = 0; k < header.length; k++) bytes[10 + k] = header.charCodeAt(k);
    variants.push([`huge shape ${dims}`, bytes]);
  }

  const outcome = runVariants(
    variants,
    (bytes) => [decodeNpy(bytes, "fuzz.npy")],
    (bytes) => Math.max(4096, 2 * bytes.length),
  );

  assert.ok(variants.length >= 1000, `${variants.length} variants`);
  assert.ok(outcome.formatErrors > 500, `${outcome.formatErrors} errors`);
  assert.ok(outcome.ok > 0);
});

test("npz decoder: 1000+ corrupted archives end in FormatError or a consistent result", () => {
  const rng = createRng(2024, "fuzz", "npz");
  const arrays = { w: BASE_TENSORS.w, mask: BASE_TENSORS.mask };
  const bases = [encodeNpz(arrays), encodeNpz(arrays, { compression: "deflate" })];
  // Field 0 of the generic overwrite is the first local header's method/sizes region (offsets 8..27).
  const variants = genericVariants(rng, bases, 800, 18, 8);
  // Central directory size fields replaced with random 32-bit values.
  for (let i = 0; i < 200; i++) {
    const b = rng.int(bases.length);
    const copy = bases[b].slice();
    const view = new DataView(copy.buffer);
    const cd = view.getUint32(copy.length - 22 + 16, true);
    const field = cd + (rng.bernoulli(0.5) ? 20 : 24);
    view.setUint32(field, rng.int(2 ** 32), true);
    variants.push([`base ${b} central size field at ${field} = ${view.getUint32(field, true)}`, copy]);
  }

  const outcome = runVariants(
    variants,
    (bytes) => Object.values(decodeNpz(bytes, "fuzz.npz")),
    (bytes) => 1100 * bytes.length + 4096,
  );

  assert.ok(variants.length >= 1000, `${variants.length} variants`);
  assert.ok(outcome.formatErrors > 500, `${outcome.formatErrors} errors`);
  assert.ok(outcome.ok > 0);
});
