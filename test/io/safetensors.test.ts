// safetensors: exact bytes against the format description, hand-built files, validation, round trips.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { InvalidParameterError } from "../../src/core/errors.ts";
import { DTYPES, DTYPE_INFO } from "../../src/io/dtype.ts";
import type { Tensor } from "../../src/io/dtype.ts";
import {
  SAFETENSORS_MAX_HEADER_BYTES,
  decodeSafetensors,
  encodeSafetensors,
  readSafetensorsHeader,
  safetensorsWriteOrder,
} from "../../src/io/safetensors.ts";
import {
  arbTensor,
  assertFormatError,
  assertSameTensor,
  buildSafetensors,
  largestAllocation,
  u64,
} from "./helpers.ts";

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

test("writes a hand-computed file byte for byte: length field, JSON, space padding, little-endian data", () => {
  const tensors: Record<string, Tensor> = {
    flag: { dtype: "BOOL", shape: [3], data: Uint8Array.of(1, 0, 1) },
    n: { dtype: "I32", shape: [1], data: Int32Array.of(7) },
    w: { dtype: "F32", shape: [2], data: Float32Array.of(1, -2) },
  };

  const bytes = encodeSafetensors(tensors, { dt_ms: "1" });

  // Order: descending dtype rank (F32 > I32 > BOOL), so w, n, flag; metadata first; compact JSON.
  const json =
    '{"__metadata__":{"dt_ms":"1"},' + // 1 + 29 = 30 characters
    '"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' + // 53 -> 83
    '"n":{"dtype":"I32","shape":[1],"data_offsets":[8,12]},' + // 54 -> 137
    '"flag":{"dtype":"BOOL","shape":[3],"data_offsets":[12,15]}}'; // 59 -> 196
  assert.equal(json.length, 196);
  // 196 % 8 = 4, so 4 spaces of padding and N = 200.
  const expected = [
    ...[200, 0, 0, 0, 0, 0, 0, 0],
    ...ascii(json),
    ...[0x20, 0x20, 0x20, 0x20],
    ...[0x00, 0x00, 0x80, 0x3f], // 1.0f = 0x3F800000
    ...[0x00, 0x00, 0x00, 0xc0], // -2.0f = 0xC0000000
    ...[0x07, 0x00, 0x00, 0x00], // int32 7
    ...[0x01, 0x00, 0x01], // bool
  ];
  assert.deepEqual([...bytes], expected);
  assert.equal(bytes.length, 8 + 200 + 15);
});

test("matches the reference writer's published test vectors", () => {
  // safetensors/src/tensor.rs tests: "attn.0" F32 [1,2,3] = 0..5 gives a 64-byte header needing no padding;
  // an empty set gives "{}" plus 6 spaces; metadata {"framework":"pt"} alone gives a 40-byte header.
  const attn = encodeSafetensors({
    "attn.0": { dtype: "F32", shape: [1, 2, 3], data: Float32Array.of(0, 1, 2, 3, 4, 5) },
  });
  const attnJson = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
  assert.equal(attnJson.length, 64);
  const floats = [0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64];
  assert.deepEqual([...attn], [...u64(64), ...ascii(attnJson), ...floats]);

  assert.deepEqual([...encodeSafetensors({})], [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);

  const meta = encodeSafetensors({}, { framework: "pt" });
  assert.deepEqual(
    [...meta],
    [...u64(40), ...ascii('{"__metadata__":{"framework":"pt"}}'), 32, 32, 32, 32, 32],
  );
});

test("decodes a hand-built file with header entries out of order, JSON whitespace and I16 data", () => {
  const header =
    '{ "b" : {"dtype":"I16","shape":[2],"data_offsets":[4,8]},\n\t"a":{"dtype":"U8","shape":[2,2],' +
    '"data_offsets":[0,4]}, "__metadata__": {"note": "h\\u00e9"} }';
  const data = [1, 2, 3, 4, 0x34, 0x12, 0xff, 0xff];
  const file = buildSafetensors(header, data);

  const out = decodeSafetensors(file, "hand.safetensors");

  assert.deepEqual(out.metadata, { note: "hé" });
  assert.deepEqual(Object.keys(out.tensors), ["a", "b"]); // data-area order
  assertSameTensor(out.tensors.a, { dtype: "U8", shape: [2, 2], data: Uint8Array.of(1, 2, 3, 4) });
  // Little-endian 0x1234 = 4660 and 0xFFFF = -1.
  assertSameTensor(out.tensors.b, { dtype: "I16", shape: [2], data: Int16Array.of(4660, -1) });
});

test("decoded arrays are aligned copies even when the input starts at an odd byte offset", () => {
  const file = encodeSafetensors({ x: { dtype: "F64", shape: [2], data: Float64Array.of(Math.PI, -0) } });
  const shifted = new Uint8Array(file.length + 3);
  shifted.set(file, 3);

  const out = decodeSafetensors(shifted.subarray(3), "odd");
  shifted.fill(0);

  const x = out.tensors.x;
  assert.ok(x.data instanceof Float64Array);
  assert.equal(x.data.byteOffset % 8, 0);
  assert.ok(Object.is(x.data[1], -0));
  assert.equal(x.data[0], Math.PI);
});

test("writes every dtype in reference order, each at an offset aligned to its element size", () => {
  const tensors: Record<string, Tensor> = {};
  for (const dtype of DTYPES) {
    const size = DTYPE_INFO[dtype].size;
    const bytes = new Uint8Array(3 * size).fill(dtype === "BOOL" ? 1 : 7);
    tensors[`t_${dtype}`] = decodeSafetensors(
      buildSafetensors(`{"v":{"dtype":"${dtype}","shape":[3],"data_offsets":[0,${3 * size}]}}`, bytes),
      dtype,
    ).tensors.v;
  }
  // Two tensors of one dtype are ordered by name.
  tensors.a_F32 = { dtype: "F32", shape: [1], data: Float32Array.of(1) };

  const order = safetensorsWriteOrder(tensors);
  const header = readSafetensorsHeader(encodeSafetensors(tensors), "all");

  assert.deepEqual(order, [
    "t_U64",
    "t_I64",
    "t_F64",
    "a_F32",
    "t_F32",
    "t_U32",
    "t_I32",
    "t_BF16",
    "t_F16",
    "t_U16",
    "t_I16",
    "t_I8",
    "t_U8",
    "t_BOOL",
  ]);
  assert.deepEqual(
    header.entries.map((e) => e.name),
    order,
  );
  assert.equal(header.dataOffset % 8, 0);
  for (const e of header.entries) assert.equal(e.begin % DTYPE_INFO[e.dtype].size, 0, e.name);
});

test("round-trips random tensor sets bit for bit, and re-encoding is byte-identical", () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.string({ maxLength: 6 }), arbTensor(DTYPES), { maxKeys: 5 }),
      fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
      (raw, metadata) => {
        const tensors: Record<string, Tensor> = {};
        for (const [k, v] of Object.entries(raw)) if (k !== "__metadata__") tensors[k] = v;

        const bytes = encodeSafetensors(tensors, metadata);
        const out = decodeSafetensors(bytes, "prop");

        assert.deepEqual(Object.keys(out.tensors).sort(), Object.keys(tensors).sort());
        for (const k of Object.keys(tensors)) assertSameTensor(out.tensors[k], tensors[k], k);
        assert.deepEqual({ ...out.metadata }, { ...metadata });
        assert.deepEqual(encodeSafetensors(out.tensors, out.metadata), bytes);
      },
    ),
    { seed: 20240501, numRuns: 200 },
  );
});

test("NaN payloads survive the round trip", () => {
  const f32 = new Float32Array(new Uint32Array([0x7fc00001, 0xffbfffff, 0x7f800001]).buffer);
  const f64 = new Float64Array(new BigUint64Array([0x7ff8dead_beef0001n, 0xfff0000000000001n]).buffer);

  const out = decodeSafetensors(
    encodeSafetensors({
      a: { dtype: "F32", shape: [3], data: f32 },
      b: { dtype: "F64", shape: [2], data: f64 },
    }),
    "nan",
  );

  assertSameTensor(out.tensors.a, { dtype: "F32", shape: [3], data: f32 });
  assertSameTensor(out.tensors.b, { dtype: "F64", shape: [2], data: f64 });
});

test("encodes typed arrays that are views into a larger buffer", () => {
  const backing = Float32Array.of(9, 1, 2, 9);
  const view = backing.subarray(1, 3);

  const out = decodeSafetensors(encodeSafetensors({ v: { dtype: "F32", shape: [2], data: view } }), "view");

  assertSameTensor(out.tensors.v, { dtype: "F32", shape: [2], data: Float32Array.of(1, 2) });
});

test("encode rejects bad input with typed errors", () => {
  const f = { dtype: "F32", shape: [2], data: new Float32Array(2) } as const;

  assert.throws(() => encodeSafetensors({ __metadata__: f }), /reserved/);
  assert.throws(
    () => encodeSafetensors({ x: { ...f, shape: [3] } }),
    /shape \[3\] holds 3 elements but data has 2/,
  );
  assert.throws(() => encodeSafetensors({ "\ud800": f }), InvalidParameterError);
  assert.throws(
    () => encodeSafetensors({ x: f }, { k: 1 as unknown as string }),
    /metadata\["k"\] must be a string/,
  );
});

// ---- validation: every rule, with the file name in the message ----

const F = "m.safetensors";
const entry = (name: string, dtype: string, shape: number[], begin: number, end: number): string =>
  `"${name}":{"dtype":"${dtype}","shape":[${shape.join(",")}],"data_offsets":[${begin},${end}]}`;

test("rejects files too short for the length field", () => {
  assertFormatError(() => decodeSafetensors(new Uint8Array(5), F), F, /5 bytes, too short/);
});

test("rejects header lengths over the 100 MB cap or beyond 2^53 before reading anything", () => {
  const big = Uint8Array.from([...u64(SAFETENSORS_MAX_HEADER_BYTES + 1), 0x7b, 0x7d]);
  assertFormatError(
    () => decodeSafetensors(big, F),
    F,
    /says 100000001 bytes, over the 100000000-byte limit/,
  );
  const huge = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0x80, 0x7b]);
  assertFormatError(() => decodeSafetensors(huge, F), F, /more than 2\^53/);
});

test("rejects a header length larger than the file", () => {
  const file = Uint8Array.from([...u64(16), ...ascii("{}      ")]);
  assertFormatError(() => decodeSafetensors(file, F), F, /says 16 bytes but only 8 follow/);
});

test("rejects headers that are not a UTF-8 JSON object", () => {
  assertFormatError(() => decodeSafetensors(Uint8Array.from([...u64(0)]), F), F, /does not start with '\{'/);
  assertFormatError(() => decodeSafetensors(buildSafetensors(" {}", []), F), F, /does not start with '\{'/);
  const badUtf8 = Uint8Array.from([...u64(8), 0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d, 0x20, 0x20]);
  assertFormatError(() => decodeSafetensors(badUtf8, F), F, /not valid UTF-8/);
  assertFormatError(() => decodeSafetensors(buildSafetensors("{]", []), F), F, /not valid JSON/);
  assertFormatError(() => decodeSafetensors(buildSafetensors("{} x", []), F), F, /not valid JSON.*after/);
});

test("rejects duplicate tensor names", () => {
  const file = buildSafetensors(`{${entry("a", "U8", [1], 0, 1)},${entry("a", "U8", [1], 1, 2)}}`, [1, 2]);
  assertFormatError(() => decodeSafetensors(file, F), F, /duplicate key "a"/);
});

test("rejects unknown dtypes, bad shapes, bad offsets and unknown fields", () => {
  const cases: Array<[string, number[], RegExp]> = [
    [`{${entry("a", "F8_E4M3", [1], 0, 1)}}`, [0], /dtype "F8_E4M3", which spikeflow does not read/],
    [
      `{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`,
      [0, 0, 0, 0],
      /shape must be an array of non-negative/,
    ],
    [`{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}`, [0, 0, 0, 0], /shape must be an array/],
    [`{"a":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}`, [0, 0, 0, 0], /shape must be an array/],
    [`{"a":{"dtype":"U8","shape":[1],"data_offsets":[1,0]}}`, [0], /data_offsets must be \[begin, end\]/],
    [`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0]}}`, [0], /data_offsets must be/],
    [`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":1}}`, [0], /unknown field "x"/],
    [`{"a":[1]}`, [], /must be an object \{dtype, shape, data_offsets\}/],
    [`{"a":{"shape":[1],"data_offsets":[0,1]}}`, [0], /dtype null/],
    ['{"__metadata__":{"k":1}}', [], /value for "k" is a number; safetensors allows strings only/],
    ['{"__metadata__":[]}', [], /"__metadata__" must be an object of strings/],
  ];

  for (const [header, data, pattern] of cases) {
    assertFormatError(() => decodeSafetensors(buildSafetensors(header, data), F), F, pattern);
  }
});

test("rejects a byte count that disagrees with shape times dtype size", () => {
  const file = buildSafetensors(`{${entry("a", "F32", [3], 0, 8)}}`, new Array(16).fill(0));
  assertFormatError(
    () => decodeSafetensors(file, F),
    F,
    /shape \[3\] of F32 needs 12 bytes but data_offsets span 8/,
  );
});

test("rejects offsets outside the data area, overlaps, holes and uncovered trailing bytes", () => {
  const cases: Array<[string, number, RegExp]> = [
    [`{${entry("a", "U8", [4], 0, 4)}}`, 2, /run past the 2-byte data area/],
    [`{${entry("a", "U8", [4], 0, 4)},${entry("b", "U8", [2], 2, 4)}}`, 4, /"b" at \[2, 4\) overlaps/],
    [
      `{${entry("a", "U8", [2], 0, 2)},${entry("b", "U8", [2], 3, 5)}}`,
      5,
      /bytes \[2, 3\) .* belong to no tensor/,
    ],
    [`{${entry("a", "U8", [2], 0, 2)}}`, 3, /tensors cover 2 bytes but the data area has 3/],
    [`{${entry("a", "U8", [4], 0, 4)},${entry("z", "U8", [0], 2, 2)}}`, 4, /"z" at \[2, 2\) overlaps/],
  ];

  for (const [header, dataLength, pattern] of cases) {
    const file = buildSafetensors(header, new Array(dataLength).fill(0));
    assertFormatError(() => decodeSafetensors(file, F), F, pattern);
  }
});

test("accepts zero-size and scalar tensors that fit the contiguity rule", () => {
  const header = `{${entry("s", "I32", [], 0, 4)},${entry("e", "F64", [0, 3], 4, 4)},${entry("e2", "U8", [2, 0], 4, 4)}}`;
  const out = decodeSafetensors(buildSafetensors(header, [5, 0, 0, 0]), F);

  assertSameTensor(out.tensors.s, { dtype: "I32", shape: [], data: Int32Array.of(5) });
  assertSameTensor(out.tensors.e, { dtype: "F64", shape: [0, 3], data: new Float64Array(0) });
  assert.equal(out.tensors.e2.data.length, 0);
});

test("rejects BOOL bytes other than 0 and 1", () => {
  const file = buildSafetensors(`{${entry("b", "BOOL", [2], 0, 2)}}`, [1, 2]);
  assertFormatError(() => decodeSafetensors(file, F), F, /BOOL tensor "b" holds byte 2 at index 1/);
});

test("a header claiming a 1e12-element tensor throws before allocating", () => {
  // Shape [1e6, 1e6] of F32 is 4e12 bytes; both a matching offset pair (past the data area) and a small one
  // (size mismatch) must be refused from the header alone.
  const past = buildSafetensors(`{${entry("w", "F32", [1e6, 1e6], 0, 4e12)}}`, [0, 0, 0, 0]);
  const small = buildSafetensors(`{${entry("w", "F32", [1e6, 1e6], 0, 4)}}`, [0, 0, 0, 0]);

  const allocated = largestAllocation(() => {
    assertFormatError(() => decodeSafetensors(past, F), F, /run past the 4-byte data area/);
    assertFormatError(
      () => decodeSafetensors(small, F),
      F,
      /needs more bytes than the whole 4-byte data area/,
    );
  });

  assert.ok(allocated < 1024, `largest allocation was ${allocated} bytes`);
});
