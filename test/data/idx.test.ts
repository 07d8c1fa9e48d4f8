import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { FormatError, InvalidParameterError } from "../../src/core/errors.ts";
import { encodeIdx, isGzip, parseIdx } from "../../src/data/idx.ts";

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
