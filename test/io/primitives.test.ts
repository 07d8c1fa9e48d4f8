// Building blocks of the file formats: the strict JSON parser, CRC-32 and the dtype helpers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { crc32, crc32Hex } from "../../src/io/crc32.ts";
import { InvalidParameterError, ShapeMismatchError } from "../../src/core/errors.ts";
import {
  inferDType,
  isWellFormedText,
  shapeSize,
  swapBytesInPlace,
  typedArrayFromBytes,
  validateTensor,
} from "../../src/io/dtype.ts";
import type { Tensor } from "../../src/io/dtype.ts";
import { JsonSyntaxError, parseJsonStrict } from "../../src/io/json-strict.ts";

test("parseJsonStrict agrees with JSON.parse on valid documents", () => {
  const texts = [
    '{"a":[1,-2.5,3e2,true,false,null],"b":{"c":"x\\u00e9\\n\\"q\\"\\/"}}',
    "  [ ]  ",
    '"\\ud83d\\ude00"',
    "0",
    '{"":{}}',
  ];

  for (const text of texts) assert.deepEqual(parseJsonStrict(text), JSON.parse(text), text);
});

test("parseJsonStrict rejects duplicate keys, which JSON.parse would silently merge", () => {
  assert.throws(
    () => parseJsonStrict('{"w":1,"w":2}'),
    (e: unknown) => {
      assert.ok(e instanceof JsonSyntaxError);
      assert.match(e.message, /duplicate key "w" at character 7/);
      return true;
    },
  );
});

test("parseJsonStrict keeps a __proto__ key as data", () => {
  const value = parseJsonStrict('{"__proto__":{"x":1}}') as Record<string, unknown>;

  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.deepEqual(Object.keys(value), ["__proto__"]);
});

test("parseJsonStrict rejects malformed JSON with a position", () => {
  const bad: Array<[string, RegExp]> = [
    ["{", /expected a string key|unexpected end/],
    ['{"a":1,}', /expected a string key/],
    ["[1,]", /unexpected character/],
    ["01", /unexpected text after/],
    ["1e400", /out of range/],
    ['"a\nb"', /control character/],
    ['"\\x"', /bad escape/],
    ['"\\u12g4"', /bad \\u escape/],
    ["tru", /unexpected character/],
    ["{} {}", /unexpected text after/],
    ["[".repeat(100), /nesting deeper than 64/],
  ];

  for (const [text, pattern] of bad) {
    assert.throws(() => parseJsonStrict(text), pattern, text);
  }
});

test("crc32 matches the standard check value and the empty input", () => {
  // The CRC-32/ISO-HDLC catalogue check value: CRC of ASCII "123456789" is 0xCBF43926.
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  assert.equal(crc32Hex(new Uint8Array(0)), "00000000");
});

test("swapBytesInPlace reverses each element and typedArrayFromBytes reads big-endian data", () => {
  const bytes = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);

  swapBytesInPlace(bytes, 4);

  assert.deepEqual([...bytes], [4, 3, 2, 1, 8, 7, 6, 5]);
  // Big-endian 0x3FF8000000000000 is 1.5 as a double.
  const be = Uint8Array.of(0x3f, 0xf8, 0, 0, 0, 0, 0, 0);
  assert.deepEqual([...typedArrayFromBytes("F64", be, 0, 1, false)], [1.5]);
});

test("typedArrayFromBytes copies from any byte offset into an aligned array", () => {
  const backing = new Uint8Array(9);
  new DataView(backing.buffer).setFloat32(1, -3.25, true);

  const out = typedArrayFromBytes("F32", backing.subarray(1), 0, 1);

  assert.ok(out instanceof Float32Array);
  assert.equal(out.byteOffset, 0);
  assert.deepEqual([...out], [-3.25]);
});

test("inferDType maps typed array classes and rejects other values", () => {
  assert.equal(inferDType(new Float32Array(1), "w"), "F32");
  assert.equal(inferDType(new BigInt64Array(1), "w"), "I64");
  assert.equal(inferDType(new Uint8Array(1), "w"), "U8");
  assert.throws(() => inferDType([1, 2], "w"), /w must be a typed array .* got Array/);
  assert.throws(() => inferDType(new DataView(new ArrayBuffer(1)), "w"), InvalidParameterError);
});

test("validateTensor checks class, shape product and BOOL values", () => {
  const ok: Tensor = { dtype: "I16", shape: [2, 3], data: new Int16Array(6) };
  assert.equal(validateTensor(ok, "t"), 6);

  assert.throws(
    () => validateTensor({ dtype: "F32", shape: [2], data: new Float64Array(2) } as unknown as Tensor, "t"),
    /t.data must be a Float32Array for dtype F32, got Float64Array/,
  );
  assert.throws(
    () => validateTensor({ dtype: "F32", shape: [2, 2], data: new Float32Array(3) }, "t"),
    (e: unknown) => {
      assert.ok(e instanceof ShapeMismatchError);
      assert.match(e.message, /shape \[2, 2\] holds 4 elements but data has 3/);
      return true;
    },
  );
  assert.throws(
    () => validateTensor({ dtype: "BOOL", shape: [2], data: Uint8Array.of(1, 2) }, "t"),
    /0 or 1, got 2/,
  );
  assert.throws(
    () => validateTensor({ dtype: "X" as "F32", shape: [], data: new Float32Array(1) }, "t"),
    /dtype must/,
  );
});

test("shapeSize rejects negative, fractional and overflowing dimensions", () => {
  assert.equal(shapeSize([], "s"), 1);
  assert.equal(shapeSize([3, 0, 5], "s"), 0);
  assert.throws(() => shapeSize([2, -1], "s"), /s.shape\[1\] must be a non-negative integer, got -1/);
  assert.throws(() => shapeSize([1.5], "s"), /got 1.5/);
  assert.throws(() => shapeSize([2 ** 30, 2 ** 30, 2 ** 30], "s"), /more than 2\^53/);
});

test("isWellFormedText detects unpaired surrogates", () => {
  assert.equal(isWellFormedText("a\u{1F600}b"), true);
  assert.equal(isWellFormedText("a\ud800"), false);
  assert.equal(isWellFormedText("\udc00a"), false);
});
