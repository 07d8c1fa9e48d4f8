import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { FormatError, InvalidParameterError } from "../../src/core/errors.ts";
import { encodeIdx, isGzip, parseIdx } from "../../src/data/idx.ts";
import { refusalOf } from "../helpers/refusal.ts";

const NAME = "fixtures/sample-idx3-ubyte";

/** Hand-written header: 00 00 type ndims, then each size as 4 big-endian bytes. */
function header(type: number, dims: number[]): number[] {
  const out = [0, 0, type, dims.length];
  for (const d of dims) out.push((d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255);
  return out;
}

function rejects(bytes: Uint8Array | number[], pattern: RegExp): void {
  const b = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
  assert.throws(
    () => parseIdx(b, NAME),
    (e: unknown) => {
      assert.ok(e instanceof FormatError, `expected FormatError, got ${String(e)}`);
      assert.ok(e.message.startsWith(`${NAME}: `), `message must name the file: ${e.message}`);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

test("parses a uint8 file as a view of the input (no copy)", () => {
  const bytes = Uint8Array.from([...header(0x08, [2, 3]), 1, 2, 3, 4, 5, 255]);

  const idx = parseIdx(bytes, NAME);

  assert.equal(idx.type, "uint8");
  assert.deepEqual(idx.dims, [2, 3]);
  assert.deepEqual(Array.from(idx.data), [1, 2, 3, 4, 5, 255]);
  assert.equal(idx.data.buffer, bytes.buffer);
  assert.equal(idx.data.byteOffset, 12); // 4 magic bytes + 2 sizes of 4 bytes
});

test("decodes the wider types big-endian", () => {
  // int16: 01 02 = 258, ff fe = -2. int32: 00 01 00 00 = 65536, ff ff ff ff = -1.
  // float32: 3f c0 00 00 = 1.5. float64: c0 04 00 00 00 00 00 00 = -2.5. int8: ff = -1, 7f = 127.
  const int16 = parseIdx(Uint8Array.from([...header(0x0b, [2]), 1, 2, 0xff, 0xfe]), NAME);
  const int32 = parseIdx(Uint8Array.from([...header(0x0c, [2]), 0, 1, 0, 0, 255, 255, 255, 255]), NAME);
  const f32 = parseIdx(Uint8Array.from([...header(0x0d, [1]), 0x3f, 0xc0, 0, 0]), NAME);
  const f64 = parseIdx(Uint8Array.from([...header(0x0e, [1]), 0xc0, 0x04, 0, 0, 0, 0, 0, 0]), NAME);
  const int8 = parseIdx(Uint8Array.from([...header(0x09, [2]), 0xff, 0x7f]), NAME);

  assert.deepEqual([int16.type, ...int16.data], ["int16", 258, -2]);
  assert.deepEqual([int32.type, ...int32.data], ["int32", 65536, -1]);
  assert.deepEqual([f32.type, ...f32.data], ["float32", 1.5]);
  assert.deepEqual([f64.type, ...f64.data], ["float64", -2.5]);
  assert.deepEqual([int8.type, ...int8.data], ["int8", -1, 127]);
});

test("encodeIdx and parseIdx round-trip every type", () => {
  const values = [0, 1, -3, 100, -128, 127];
  for (const type of ["int8", "int16", "int32", "float32", "float64"] as const) {
    const idx = parseIdx(encodeIdx(type, [3, 2], values), NAME);
    assert.equal(idx.type, type);
    assert.deepEqual(idx.dims, [3, 2]);
    assert.deepEqual(Array.from(idx.data), values);
  }
  assert.deepEqual(
    Array.from(parseIdx(encodeIdx("uint8", [1, 1, 2, 2], [0, 9, 200, 255]), NAME).data),
    [0, 9, 200, 255],
  );
});

test("rejects gzip-compressed input and says to unpack it", () => {
  const gz = Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0]);
  assert.ok(isGzip(gz));
  rejects(gz, /gzip-compressed.*gunzip/);
});

test("rejects a wrong magic number", () => {
  rejects([0, 1, 0x08, 1, 0, 0, 0, 1, 7], /wrong magic: expected 00 00 <type> <dims>, got 00 01 08 01/);
  rejects([0x50, 0x4b, 3, 4, 0, 0, 0, 0], /wrong magic/);
});

test("rejects an unknown element type code", () => {
  rejects([0, 0, 0x0a, 1, 0, 0, 0, 1, 7], /unknown element type code 0x0a/);
});

test("rejects 0 dimensions and more than 4", () => {
  rejects([0, 0, 0x08, 0], /header gives 0 dimensions, this reader accepts 1 to 4/);
  rejects([...header(0x08, [1, 1, 1, 1, 1]), 7], /header gives 5 dimensions/);
});

test("rejects a truncated header at every cut", () => {
  const full = header(0x08, [1, 2, 2]); // 16 bytes
  for (let cut = 0; cut < full.length; cut++) {
    rejects(full.slice(0, cut), /truncated header/);
  }
});

test("rejects a dimension of size 0", () => {
  rejects([...header(0x08, [3, 0, 2])], /dimension 1 has size 0 \(header sizes 3x0x2\)/);
});

test("rejects truncated data with the expected and actual sizes", () => {
  const bytes = new Uint8Array(16 + 1234);
  bytes.set(header(0x08, [60000, 28, 28]));
  rejects(
    bytes,
    /truncated: header says 60000x28x28 = 47040000 bytes of data, file has 1234 after its 16-byte header; download/,
  );
});

test("rejects truncated data at any cut length", () => {
  const full = encodeIdx(
    "int16",
    [3, 4],
    Array.from({ length: 12 }, (_, i) => i),
  );
  fc.assert(
    fc.property(fc.integer({ min: 12, max: full.length - 1 }), (cut) => {
      rejects(full.subarray(0, cut), /truncated: header says 3x4 = 24 bytes of data/);
    }),
  );
});

test("rejects sizes whose product overflows 2^53 before allocating anything", () => {
  // 4294967295^4 ~ 3.4e38 elements: a reader that trusted it would fail allocating, not with FormatError.
  const huge = 0xffffffff;
  rejects(
    [...header(0x08, [huge, huge, huge, huge]), 1, 2, 3],
    /truncated: header says 4294967295x4294967295x4294967295x4294967295 = 340282366604025813516997721482669850625 bytes/,
  );
  rejects([...header(0x0e, [huge]), 1, 2, 3], /= 34359738360 bytes of data, file has 3/);
});

test("rejects trailing bytes after the payload", () => {
  rejects([...header(0x08, [2]), 1, 2, 3], /trailing bytes: header says 2 = 2 bytes of data, file has 3/);
});

test("parseIdx reads an ArrayBuffer (what fetch and FileReader give) and refuses other non-byte input", () => {
  const bytes = encodeIdx("uint8", [2, 3], [1, 2, 3, 4, 5, 6]);
  const copy = bytes.slice();
  const fromBuffer = parseIdx(copy.buffer, "page.idx");
  assert.deepEqual(fromBuffer.dims, [2, 3]);
  assert.deepEqual(Array.from(fromBuffer.data), [1, 2, 3, 4, 5, 6]);
  const asBytes = "pass the file's contents as a Uint8Array or an ArrayBuffer";
  const asBinary = "read the file as bytes, not text: await response.arrayBuffer()";
  for (const [input, got, hint] of [
    [Array.from(bytes), "an Array of length 18", asBytes],
    [new Float32Array(4), "a Float32Array", asBytes],
    ["00000803", 'string "00000803"', asBinary],
    // a whole file read as text is described by its length, not quoted (it made a 40 MB message)
    [
      "<!doctype html><title>404</title>" + "x".repeat(1_000_000),
      'a string of length 1000033 starting "<!doctype html><title>404</title>xxxxxxx"',
      asBinary,
    ],
    [new Blob([bytes]), "a Blob", "read its contents first: await blob.arrayBuffer()"],
  ] as const) {
    assert.throws(
      () => parseIdx(input as never, "page.idx"),
      (e: unknown) =>
        e instanceof InvalidParameterError &&
        e.message ===
          `parseIdx("page.idx"): the file's bytes must be a Uint8Array or an ArrayBuffer, got ${got}; ${hint}`,
    );
  }
});

test("encodeIdx refuses a value an integer type cannot hold, naming its index and value", () => {
  // each of these used to be wrapped or truncated: 300 -> 44, -1 -> 255, 1.5 -> 1, NaN -> 0, 40000 -> -25536
  assert.equal(
    refusalOf(() => encodeIdx("uint8", [3], [300, -1, 1.5])),
    "encodeIdx: data[0] = 300 is outside the uint8 range 0 to 255; fix the value or encode it as a wider " +
      "type (int16, int32, float64)",
  );
  assert.match(
    refusalOf(() => encodeIdx("uint8", [2], [0, -1])),
    /^encodeIdx: data\[1\] = -1 is outside/,
  );
  assert.equal(
    refusalOf(() => encodeIdx("uint8", [3], [0, 1, 1.5])),
    "encodeIdx: data[2] = 1.5 is not an integer, and uint8 holds integers 0 to 255 only; round the data " +
      "first, or encode it as float32 or float64",
  );
  assert.match(
    refusalOf(() => encodeIdx("int16", [2], [NaN, 40000])),
    /^encodeIdx: data\[0\] = NaN is not an integer, and int16 holds integers -32768 to 32767 only/,
  );
  assert.match(
    refusalOf(() => encodeIdx("int16", [2], [1, 40000])),
    /^encodeIdx: data\[1\] = 40000 is outside the int16 range -32768 to 32767; fix the value or encode it as a wider type \(int32, float64\)$/,
  );
  assert.match(
    refusalOf(() => encodeIdx("int8", [1], [128])),
    /data\[0\] = 128 is outside the int8 range/,
  );
  assert.match(
    refusalOf(() => encodeIdx("int32", [2], [0, 2 ** 31])),
    /data\[1\] = 2147483648 is outside the int32 range -2147483648 to 2147483647; .* a wider type \(float64\)$/,
  );
  assert.match(
    refusalOf(() => encodeIdx("int32", [1], [-Infinity])),
    /data\[0\] = -Infinity is not an integer/,
  );
  assert.match(
    refusalOf(() => encodeIdx("float64", [1], ["3" as never])),
    /^encodeIdx: data\[0\] = string "3" is not a number/,
  );
  // the extremes of each type are accepted
  assert.deepEqual(Array.from(parseIdx(encodeIdx("int32", [2], [-(2 ** 31), 2 ** 31 - 1]), NAME).data), [
    -(2 ** 31),
    2 ** 31 - 1,
  ]);
});

test("encodeIdx keeps NaN and ±Infinity in float32 and float64 but refuses a finite value beyond float32", () => {
  assert.equal(
    refusalOf(() => encodeIdx("float32", [2], [1, -1e39])),
    "encodeIdx: data[1] = -1e+39 is beyond the float32 range (magnitude up to 3.4028234663852886e+38), " +
      "where it would be stored as Infinity; rescale the data or encode it as float64",
  );
  for (const type of ["float32", "float64"] as const) {
    const back = parseIdx(encodeIdx(type, [4], [NaN, Infinity, -Infinity, 3.4028234663852886e38]), NAME);
    assert.deepEqual(Array.from(back.data), [NaN, Infinity, -Infinity, 3.4028234663852886e38]);
  }
  assert.deepEqual(Array.from(parseIdx(encodeIdx("float64", [1], [1e39]), NAME).data), [1e39]);
});

test("parseIdx gives back every value encodeIdx accepts (float32 rounded), and encodeIdx refuses the rest", () => {
  const ranges: Record<string, readonly [number, number]> = {
    uint8: [0, 255],
    int8: [-128, 127],
    int16: [-32768, 32767],
    int32: [-(2 ** 31), 2 ** 31 - 1],
  };
  const value = fc.oneof(
    fc.double(),
    fc.integer({ min: -(2 ** 32), max: 2 ** 32 }),
    fc.constantFrom(-129, -128, 127, 128, 255, 256, 32767, 32768, 2 ** 31, 1e39),
  );
  const type = fc.constantFrom("uint8", "int8", "int16", "int32", "float32", "float64" as const);
  fc.assert(
    fc.property(type, value, (t, v) => {
      const range = ranges[t];
      const holds =
        range !== undefined
          ? Number.isInteger(v) && v >= range[0] && v <= range[1]
          : t === "float64" || !Number.isFinite(v) || Number.isFinite(Math.fround(v));
      if (!holds) {
        assert.match(
          refusalOf(() => encodeIdx(t, [1], [v])),
          /^encodeIdx: data\[0\] = /,
        );
        return;
      }
      const back = parseIdx(encodeIdx(t, [1], [v]), NAME).data[0];
      assert.ok(Object.is(back, t === "float32" ? Math.fround(v) : v === 0 && range ? 0 : v), `${t} ${v}`);
    }),
    { numRuns: 2000 },
  );
});

test("encodeIdx refuses dimension sizes that the header cannot store or parseIdx would refuse", () => {
  // -1 x -3 = 3 matched 3 values, and each -1 was written as 4294967295
  assert.equal(
    refusalOf(() => encodeIdx("uint8", [-1, -3], [1, 2, 3])),
    "encodeIdx: dims[0] = -1 is not a dimension size; IDX stores each size as an integer from 1 to 4294967295",
  );
  assert.match(
    refusalOf(() => encodeIdx("uint8", [2, 1.5], [1, 2, 3])),
    /dims\[1\] = 1\.5 is not a dimension/,
  );
  // a size of 0 made a file that parseIdx refuses ("dimension 0 has size 0")
  assert.match(
    refusalOf(() => encodeIdx("uint8", [0], [])),
    /dims\[0\] = 0 is not a dimension size/,
  );
  assert.match(
    refusalOf(() => encodeIdx("uint8", 3 as never, [1, 2, 3])),
    /dims must be an array/,
  );
  assert.match(
    refusalOf(() => encodeIdx("uint8", [1], null as never)),
    /data must be an array or typed array/,
  );
});

test("parseIdx without a name says 'the IDX data'; a name that is not a non-blank string is refused", () => {
  const good = encodeIdx("uint8", [2], [7, 9]);
  assert.deepEqual(Array.from(parseIdx(good).data), [7, 9]);
  assert.throws(
    () => parseIdx(Uint8Array.of(0, 0)),
    (e: unknown) =>
      e instanceof FormatError &&
      e.message.startsWith(
        "the IDX data: truncated header: an IDX file starts with 4 magic bytes, file has 2",
      ),
  );
  assert.throws(
    () => parseIdx(Uint8Array.of(0, 0), undefined),
    (e: unknown) => e instanceof FormatError && !e.message.includes("undefined"),
  );
  for (const [name, got] of [
    ["", 'string ""'],
    ["  ", 'string "  "'],
    [42, "number 42"],
    [null, "null"],
  ] as const) {
    assert.equal(
      refusalOf(() => parseIdx(good, name as never)),
      `parseIdx(bytes, name): name must be a non-blank string that error messages start with (usually the ` +
        `file's path or URL), got ${got}; pass e.g. "train-images-idx3-ubyte", or leave it out`,
    );
  }
});
