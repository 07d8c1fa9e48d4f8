// .npy: the exact header numpy writes, alignment, files written by numpy, strict header parsing, round trips.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { UnsupportedError } from "../../src/core/errors.ts";
import {
  DTYPES,
  bfloat16ToNumber,
  halfToNumber,
  tensorToFloat64,
  typedArrayFromBytes,
} from "../../src/io/dtype.ts";
import type { Tensor } from "../../src/io/dtype.ts";
import { decodeNpy, encodeNpy } from "../../src/io/npy.ts";
import { arbTensor, assertFormatError, assertSameTensor, largestAllocation } from "./helpers.ts";

const latin1 = (bytes: Uint8Array): string => String.fromCharCode(...bytes);
const headerOf = (bytes: Uint8Array): string => latin1(bytes.subarray(10, 10 + (bytes[8] | (bytes[9] << 8))));

/** A version 1.0 file with the given header dict text (padded to 64) and data bytes. */
function npyFile(dict: string, data: ArrayLike<number>, major = 1): Uint8Array {
  const field = major === 1 ? 2 : 4;
  let header = dict + " ";
  while ((6 + 2 + field + header.length + 1) % 64 !== 0) header += " ";
  header += "\n";
  const out = new Uint8Array(8 + field + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  new DataView(out.buffer).setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[8 + field + i] = header.charCodeAt(i);
  out.set(Array.from(data), 8 + field + header.length);
  return out;
}

test("the header of a (3, 4) <f4 array is exactly numpy's, and the data starts at byte 128", () => {
  const bytes = encodeNpy({
    dtype: "F32",
    shape: [3, 4],
    data: Float32Array.from({ length: 12 }, (_, i) => i),
  });

  // dict: 59 characters. numpy adds 21 - len("3") = 20 growth spaces, then pads so that
  // 6 (magic) + 2 (version) + 2 (length field) + 59 + 20 + padding + 1 ("\n") is a multiple of 64:
  // 10 + 80 = 90 -> padding 38, header length 59 + 20 + 38 + 1 = 118 = 0x76, data offset 128.
  const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }";
  assert.equal(dict.length, 59);
  assert.deepEqual([...bytes.subarray(0, 10)], [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0x76, 0x00]);
  assert.equal(headerOf(bytes), dict + " ".repeat(58) + "\n");
  const dataOffset = 10 + 118;
  assert.equal(dataOffset % 64, 0);
  assert.equal(bytes.length, dataOffset + 48);
  assert.deepEqual(new Float32Array(bytes.slice(dataOffset).buffer)[11], 11);
});

test("scalar, 1-d and every dtype use numpy's repr and descr", () => {
  const scalar = encodeNpy({ dtype: "I64", shape: [], data: BigInt64Array.of(-5n) });
  const vector = encodeNpy({ dtype: "BOOL", shape: [5], data: new Uint8Array(5) });

  // The dict is 55 characters and 0-d arrays get no growth padding: 10 + 55 + 1 = 66 -> 62 spaces.
  assert.equal(
    headerOf(scalar),
    "{'descr': '<i8', 'fortran_order': False, 'shape': (), }" + " ".repeat(62) + "\n",
  );
  assert.match(headerOf(vector), /^\{'descr': '\|b1', 'fortran_order': False, 'shape': \(5,\), \} +\n$/);
  const descrs = DTYPES.filter((d) => d !== "BF16").map((dtype) => {
    const t = { dtype, shape: [0], data: typedArrayFromBytes(dtype, new Uint8Array(0), 0, 0) } as Tensor;
    return `${dtype}:${/'descr': '([^']+)'/.exec(headerOf(encodeNpy(t)))![1]}`;
  });
  assert.deepEqual(descrs, [
    "F64:<f8",
    "F32:<f4",
    "F16:<f2",
    "I64:<i8",
    "I32:<i4",
    "I16:<i2",
    "I8:|i1",
    "U64:<u8",
    "U32:<u4",
    "U16:<u2",
    "U8:|u1",
    "BOOL:|b1",
  ]);
});

test("the data offset is a multiple of 64 for any shape", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { maxLength: 12 }), (dims) => {
      const shape = dims.length > 0 ? [0, ...dims.slice(1)] : [];
      const bytes = encodeNpy({ dtype: "U8", shape, data: new Uint8Array(shape.length > 0 ? 0 : 1) });

      const headerLength = bytes[8] | (bytes[9] << 8);
      assert.equal((10 + headerLength) % 64, 0);
      assert.equal(bytes[10 + headerLength - 1], 0x0a);
      assert.deepEqual(decodeNpy(bytes, "s").shape, shape);
    }),
    { seed: 7, numRuns: 200 },
  );
});

test("round-trips random arrays of every numpy dtype bit for bit", () => {
  fc.assert(
    fc.property(arbTensor(DTYPES.filter((d) => d !== "BF16")), (t) => {
      const bytes = encodeNpy(t);

      assertSameTensor(decodeNpy(bytes, "p"), t);
      assert.deepEqual(encodeNpy(decodeNpy(bytes, "p")), bytes);
    }),
    { seed: 11, numRuns: 300 },
  );
});

test("BF16 has no numpy dtype and is refused with a hint", () => {
  assert.throws(
    () => encodeNpy({ dtype: "BF16", shape: [1], data: new Uint16Array(1) }),
    (e: unknown) =>
      e instanceof UnsupportedError &&
      /BF16 has no NumPy equivalent; store it in safetensors/.test(e.message),
  );
});

// Files written by numpy 2.4.6 (base64):
//   f.npy:  np.save(f, np.asfortranarray(np.arange(24, dtype='>i4').reshape(2, 3, 4)))
//   be.npy: np.save(f, np.array([1.25, -2], dtype='>f8'))
//   v2.npy: numpy.lib.format.write_array(f, np.arange(3, dtype='<u2'), version=(2, 0))
const NUMPY_FORTRAN_BE_I4 =
  "k05VTVBZAQB2AHsnZGVzY3InOiAnPmk0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMywgNCksIH0gICAgICAg" +
  "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAADAAAAAQAAAAQAAAACAAAABQAAAAB" +
  "AAAADQAAAAUAAAARAAAACQAAABUAAAACAAAADgAAAAYAAAASAAAACgAAABYAAAADAAAADwAAAAcAAAATAAAACwAAABc=";
const NUMPY_BE_F8 =
  "k05VTVBZAQB2AHsnZGVzY3InOiAnPmY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAg" +
  "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo/9AAAAAAAAMAAAAAAAAAA";
const NUMPY_V2_U2 =
  "k05VTVBZAgB0AAAAeydkZXNjcic6ICc8dTInLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMywpLCB9ICAgICAgICAg" +
  "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAEAAgA=";
const fromBase64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "base64"));

test("reads numpy's Fortran-order big-endian file into C order", () => {
  const t = decodeNpy(fromBase64(NUMPY_FORTRAN_BE_I4), "f.npy");

  // np.arange(24).reshape(2, 3, 4) in C order is 0..23 whatever the file's layout.
  assertSameTensor(t, { dtype: "I32", shape: [2, 3, 4], data: Int32Array.from({ length: 24 }, (_, i) => i) });
});

test("reads numpy's big-endian float64 and version 2.0 files", () => {
  assertSameTensor(decodeNpy(fromBase64(NUMPY_BE_F8), "be.npy"), {
    dtype: "F64",
    shape: [2],
    data: Float64Array.of(1.25, -2),
  });
  assertSameTensor(decodeNpy(fromBase64(NUMPY_V2_U2), "v2.npy"), {
    dtype: "U16",
    shape: [3],
    data: Uint16Array.of(0, 1, 2),
  });
});

test("the Fortran-order transpose moves float bits untouched (NaN payloads kept)", () => {
  // Column-major (2, 2): file order a00 a10 a01 a11; row-major expects a00 a01 a10 a11.
  const words = [0x7fa00001, 0x3f800000, 0xffc00002, 0x40000000];
  const data = new Uint8Array(new Uint32Array(words).buffer);
  const file = npyFile("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", data);

  const t = decodeNpy(file, "nan.npy");

  assert.deepEqual([...new Uint32Array(t.data.buffer)], [0x7fa00001, 0xffc00002, 0x3f800000, 0x40000000]);
});

test("accepts harmless header variations: key order, double quotes, no trailing comma", () => {
  const t = decodeNpy(npyFile(`{"shape": (2,), 'descr': "|u1", 'fortran_order': False}`, [9, 8]), "v.npy");
  assertSameTensor(t, { dtype: "U8", shape: [2], data: Uint8Array.of(9, 8) });
});

const N = "x.npy";

test("rejects files that are not .npy or use an unknown version", () => {
  assertFormatError(
    () => decodeNpy(new TextEncoder().encode("PK\x03\x04 not npy"), N),
    N,
    /not a \.npy file/,
  );
  assertFormatError(() => decodeNpy(new Uint8Array(5), N), N, /not a \.npy file/);
  const v4 = npyFile("{'descr': '|u1', 'fortran_order': False, 'shape': (1,), }", [1]);
  v4[6] = 4;
  assertFormatError(() => decodeNpy(v4, N), N, /version 4\.0 is not supported/);
});

test("rejects a header length beyond the file or over the cap", () => {
  const file = npyFile("{'descr': '|u1', 'fortran_order': False, 'shape': (1,), }", [1]);
  const truncated = file.subarray(0, 40);
  assertFormatError(() => decodeNpy(truncated, N), N, /says 118 bytes but only 30 follow/);
  const v2 = npyFile("{'descr': '|u1', 'fortran_order': False, 'shape': (1,), }", [1], 2);
  new DataView(v2.buffer).setUint32(8, 0xffffffff, true);
  assertFormatError(() => decodeNpy(v2, N), N, /4294967295 bytes, over the 1048576-byte limit/);
});

test("parses the header strictly", () => {
  const cases: Array<[string, RegExp]> = [
    [
      "{'descr': '<f4', 'fortran_order': False}",
      /exactly the keys descr, fortran_order and shape, got descr,fortran_order/,
    ],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': True}", /got descr,fortran_order,shape,x/],
    ["{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", /duplicate key 'descr'/],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (1)}", /shape \(n\) is not a tuple; write \(n,\)/],
    ["{'descr': '<c8', 'fortran_order': False, 'shape': (1,)}", /descr '<c8' is not supported/],
    ["{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", /structured dtypes/],
    ["{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", /unexpected "0"/],
    ["{'descr': '<f4', 'fortran_order': 'no', 'shape': (1,)}", /fortran_order must be True or False/],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", /expected an integer/],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (01,)}", /leading zero/],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", /too large/],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': 4}", /unexpected "4"/],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x", /unexpected text after/],
    ["{'descr': '<f\\x34', 'fortran_order': False, 'shape': (1,)}", /escapes are not supported/],
    ["__import__('os')", /must be a Python dict/],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (1,", /expected an integer/],
  ];

  for (const [dict, pattern] of cases) {
    assertFormatError(() => decodeNpy(npyFile(dict, [0, 0, 0, 0]), N), N, pattern);
  }
});

test("rejects data shorter or longer than the shape needs, and bool bytes other than 0/1", () => {
  const dict = "{'descr': '<i2', 'fortran_order': False, 'shape': (2, 2), }";
  assertFormatError(
    () => decodeNpy(npyFile(dict, [1, 0, 2, 0, 3, 0]), N),
    N,
    /needs more than the 6 data bytes/,
  );
  assertFormatError(
    () => decodeNpy(npyFile(dict, new Array(10).fill(0)), N),
    N,
    /needs 8 data bytes but the file has 10/,
  );
  const bools = npyFile("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", [0, 5]);
  assertFormatError(() => decodeNpy(bools, N), N, /bool array holds byte 5 at index 1/);
});

test("a header claiming 1e12 elements throws before allocating", () => {
  const file = npyFile(
    "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }",
    new Array(8).fill(0),
  );

  const allocated = largestAllocation(() => {
    assertFormatError(
      () => decodeNpy(file, N),
      N,
      /shape \(1000000, 1000000\) of '<f8' needs more than the 8 data/,
    );
  });

  assert.ok(allocated < 1024, `largest allocation was ${allocated} bytes`);
});

test("half-precision bit patterns decode to their numbers (F16 and BF16), e.g. for nir run inputs", () => {
  const cases: [number, number][] = [
    [0x0000, 0],
    [0x3c00, 1],
    [0xc000, -2],
    [0x3555, 0.333251953125],
    [0x7bff, 65504],
    [0x0400, 2 ** -14],
    [0x0001, 2 ** -24],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
  ];
  for (const [bits, value] of cases) assert.equal(halfToNumber(bits), value, bits.toString(16));
  assert.ok(Object.is(halfToNumber(0x8000), -0));
  assert.ok(Number.isNaN(halfToNumber(0x7e00)));
  // every finite positive pattern is above the one before it, and exactly a float32
  for (let h = 1; h <= 0x7bff; h++) {
    assert.ok(halfToNumber(h) > halfToNumber(h - 1), h.toString(16));
    assert.equal(Math.fround(halfToNumber(h)), halfToNumber(h));
  }
  assert.equal(bfloat16ToNumber(0x3f80), 1);
  assert.equal(bfloat16ToNumber(0xc049), -3.140625);

  const t = tensorToFloat64({ dtype: "F16", shape: [3], data: Uint16Array.from([0x3c00, 0x0000, 0xc000]) });
  assert.deepEqual(Array.from(t), [1, 0, -2]);
  assert.deepEqual(
    Array.from(tensorToFloat64({ dtype: "I64", shape: [2], data: BigInt64Array.from([5n, -7n]) })),
    [5, -7],
  );
});
