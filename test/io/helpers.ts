// Shared helpers for the io tests: tensor generators, bit-exact comparison, an allocation spy.
import assert from "node:assert/strict";
import fc from "fast-check";
import { DTYPE_INFO, typedArrayFromBytes } from "../../src/io/dtype.ts";
import type { DType, Tensor } from "../../src/io/dtype.ts";
import { FormatError } from "../../src/core/errors.ts";

/** A tensor of the given dtypes with 0-3 dimensions of size 0-4 and arbitrary bit patterns (NaNs included). */
export function arbTensor(dtypes: readonly DType[]): fc.Arbitrary<Tensor> {
  return fc
    .record({
      dtype: fc.constantFrom(...dtypes),
      shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    })
    .chain(({ dtype, shape }) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const size = DTYPE_INFO[dtype].size;
      const byte = dtype === "BOOL" ? fc.integer({ min: 0, max: 1 }) : fc.integer({ min: 0, max: 255 });
      return fc.array(byte, { minLength: n * size, maxLength: n * size }).map((bytes) => {
        const data = typedArrayFromBytes(dtype, Uint8Array.from(bytes), 0, n);
        return { dtype, shape, data } as Tensor;
      });
    });
}

/** The raw bytes of a tensor's data. */
export function bitsOf(t: Tensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** Same dtype, same shape, same bits (so NaN payloads and -0 count). */
export function assertSameTensor(actual: Tensor, expected: Tensor, label = "tensor"): void {
  assert.equal(actual.dtype, expected.dtype, `${label} dtype`);
  assert.deepEqual([...actual.shape], [...expected.shape], `${label} shape`);
  assert.equal(actual.data.constructor, expected.data.constructor, `${label} array class`);
  assert.deepEqual(bitsOf(actual), bitsOf(expected), `${label} bits`);
}

const SPIED = [
  "ArrayBuffer",
  "Uint8Array",
  "Int8Array",
  "Uint16Array",
  "Int16Array",
  "Uint32Array",
  "Int32Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
] as const;

/**
 * Runs `fn` while recording the largest buffer any typed array or ArrayBuffer constructor was asked to
 * allocate (in bytes) from a numeric length. Code that captured a constructor before the spy was installed
 * (fflate does) is not seen.
 */
export function largestAllocation(fn: () => void): number {
  const g = globalThis as unknown as Record<string, new (...args: unknown[]) => unknown>;
  const originals = SPIED.map((name) => g[name]);
  let largest = 0;
  SPIED.forEach((name, k) => {
    const original = originals[k];
    const bytesPer =
      name === "ArrayBuffer" ? 1 : (original as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    g[name] = new Proxy(original, {
      construct(target, args, newTarget) {
        if (typeof args[0] === "number") largest = Math.max(largest, args[0] * bytesPer);
        return Reflect.construct(target, args, newTarget);
      },
    });
  });
  try {
    fn();
  } finally {
    SPIED.forEach((name, k) => {
      g[name] = originals[k];
    });
  }
  return largest;
}

/** Asserts that `fn` throws a FormatError whose message starts with the file name and matches `pattern`. */
export function assertFormatError(fn: () => unknown, file: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FormatError, `expected a FormatError, got ${String(e)}`);
    assert.ok(e.message.startsWith(`${file}: `), `message should start with the file name: ${e.message}`);
    assert.match(e.message, pattern);
    assert.equal(e.details.file, file);
    return true;
  });
}

/** Little-endian u64 of a safe integer, as 8 bytes. */
export function u64(n: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < 8; k++) {
    out.push(Math.floor(n / 2 ** (8 * k)) % 256);
  }
  return out;
}

/** Builds a safetensors file from a header text (padded with spaces to a multiple of 8) and data bytes. */
export function buildSafetensors(headerText: string, data: ArrayLike<number>, pad = true): Uint8Array {
  let json = new TextEncoder().encode(headerText);
  if (pad && json.length % 8 !== 0) {
    const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
    padded.set(json);
    json = padded;
  }
  return Uint8Array.from([...u64(json.length), ...json, ...Array.from(data)]);
}
