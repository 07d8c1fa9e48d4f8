// .npz: round trips, archives written by numpy, and central-directory validation before any allocation.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { unzipSync, zipSync } from "fflate";
import { DTYPES } from "../../src/io/dtype.ts";
import type { Tensor } from "../../src/io/dtype.ts";
import { encodeNpy } from "../../src/io/npy.ts";
import { decodeNpz, encodeNpz } from "../../src/io/npz.ts";
import { arbTensor, assertFormatError, assertSameTensor } from "./helpers.ts";

const NUMPY_DTYPES = DTYPES.filter((d) => d !== "BF16");
const Z = "w.npz";

test("round-trips random array sets, stored and deflated, bit for bit", () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), arbTensor(NUMPY_DTYPES), { maxKeys: 4 }),
      fc.constantFrom("stored" as const, "deflate" as const),
      (arrays, compression) => {
        const bytes = encodeNpz(arrays, { compression });
        const out = decodeNpz(bytes, "p.npz");

        assert.deepEqual(Object.keys(out).sort(), Object.keys(arrays).sort());
        for (const k of Object.keys(arrays)) assertSameTensor(out[k], arrays[k], k);
      },
    ),
    { seed: 99, numRuns: 150 },
  );
});

test("members are <name>.npy, stored by default, deflated on request, with fixed timestamps", () => {
  const arrays: Record<string, Tensor> = {
    w: { dtype: "F32", shape: [64], data: new Float32Array(64) },
    "layer/b": { dtype: "I8", shape: [2], data: Int8Array.of(-1, 1) },
  };

  const stored = encodeNpz(arrays);
  const deflated = encodeNpz(arrays, { compression: "deflate" });

  const members = unzipSync(stored);
  assert.deepEqual(Object.keys(members), ["w.npy", "layer/b.npy"]);
  assert.deepEqual(members["w.npy"], encodeNpy(arrays.w));
  // Local header method field (offset 8): 0 = stored, 8 = deflate.
  assert.equal(stored[8], 0);
  assert.equal(deflated[8], 8);
  assert.ok(deflated.length < stored.length);
  assert.deepEqual(encodeNpz(arrays), stored);
});

// Archives written by numpy 2.4.6 (base64); numpy forces zip64 extra fields on every member:
//   nc.npz: np.savez_compressed(f, a=np.arange(6, dtype=np.float32).reshape(2, 3), b=np.array([True, False]))
//   ns.npz: np.savez(f, c=np.array(7, dtype=np.uint8))
const NUMPY_SAVEZ_COMPRESSED =
  "UEsDBC0AAAAIAAAAIQBP6QAq//////////8FABQAYS5ucHkBABAAmAAAAAAAAABVAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6T" +
  "ZqKuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GkY6CsaaOgq1CmQDLgYwaLAHEg5ABMQNQLzAAQBQSwMELQAAAAgAAAAhAO4Z" +
  "u13//////////wUAFABiLm5weQEAEACCAAAAAAAAAEYAAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgXpNkqK6joJ6WX1RSlJgXn1+U" +
  "kgoSd0vMKU4FihdnJBakAvkaRjqaOgq1ChQALkYGAFBLAQItAy0AAAAIAAAAIQBP6QAqVQAAAJgAAAAFAAAAAAAAAAAAAACAAQAAAABh" +
  "Lm5weVBLAQItAy0AAAAIAAAAIQDuGbtdRgAAAIIAAAAFAAAAAAAAAAAAAACAAYwAAABiLm5weVBLBQYAAAAAAgACAGYAAAAJAQAAAAA=";
const NUMPY_SAVEZ =
  "UEsDBC0AAAAAAAAAIQB2DhOJ//////////8FABQAYy5ucHkBABAAgQAAAAAAAACBAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJ3x1" +
  "MScsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg" +
  "ICAgICAgICAgICAgICAgICAgICAgICAgICAKB1BLAQItAy0AAAAAAAAAIQB2DhOJgQAAAIEAAAAFAAAAAAAAAAAAAACAAQAAAABjLm5w" +
  "eVBLBQYAAAAAAQABADMAAAC4AAAAAAA=";
const fromBase64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "base64"));

test("reads numpy's savez_compressed and savez archives", () => {
  const compressed = decodeNpz(fromBase64(NUMPY_SAVEZ_COMPRESSED), "nc.npz");
  const stored = decodeNpz(fromBase64(NUMPY_SAVEZ), "ns.npz");

  assertSameTensor(compressed.a, { dtype: "F32", shape: [2, 3], data: Float32Array.of(0, 1, 2, 3, 4, 5) });
  assertSameTensor(compressed.b, { dtype: "BOOL", shape: [2], data: Uint8Array.of(1, 0) });
  assertSameTensor(stored.c, { dtype: "U8", shape: [], data: Uint8Array.of(7) });
});

/** Byte offsets of the central directory records (no archive comment, no zip64 end record). */
function centralRecords(zip: Uint8Array): number[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const eocd = zip.length - 22;
  assert.equal(view.getUint32(eocd, true), 0x06054b50);
  const count = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    assert.equal(view.getUint32(at, true), 0x02014b50);
    out.push(at);
    at += 46 + view.getUint16(at + 28, true) + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  return out;
}

const small: Record<string, Tensor> = {
  a: { dtype: "U8", shape: [3], data: Uint8Array.of(1, 2, 3) },
  b: { dtype: "U8", shape: [3], data: Uint8Array.of(4, 5, 6) },
};

test("rejects data that is not a zip archive", () => {
  assertFormatError(
    () => decodeNpz(new TextEncoder().encode("definitely not a zip file at all"), Z),
    Z,
    /not a valid zip/,
  );
  assertFormatError(() => decodeNpz(new Uint8Array(0), Z), Z, /not a valid zip/);
});

test("rejects members that are not .npy files, naming the member", () => {
  const zip = zipSync({ "a.npy": encodeNpy(small.a), "notes.txt": new Uint8Array(3) });
  assertFormatError(() => decodeNpz(zip, Z), Z, /member "notes.txt" is not a \.npy file/);
});

test("rejects a member name that appears twice", () => {
  const zip = encodeNpz(small);
  // Rename member b to a in its local header (offset 30) and central record (offset 46): same length names.
  const [, second] = centralRecords(zip);
  const view = new DataView(zip.buffer);
  zip[second + 46] = 0x61;
  zip[view.getUint32(second + 42, true) + 30] = 0x61;

  assertFormatError(() => decodeNpz(zip, Z), Z, /member "a.npy" appears twice/);
});

test("rejects unknown compression methods and inconsistent stored sizes", () => {
  const method = encodeNpz(small);
  new DataView(method.buffer).setUint16(centralRecords(method)[0] + 10, 14, true);
  assertFormatError(() => decodeNpz(method, Z), Z, /compression method 14; only stored and deflate/);

  const sizes = encodeNpz(small);
  new DataView(sizes.buffer).setUint32(centralRecords(sizes)[0] + 24, 1000, true);
  assertFormatError(
    () => decodeNpz(sizes, Z),
    Z,
    /stored member "a.npy" has sizes \d+ and 1000, which must match/,
  );
});

test("a deflated member claiming 4 GB is refused before fflate allocates its output", () => {
  const zip = encodeNpz(small, { compression: "deflate" });
  new DataView(zip.buffer).setUint32(centralRecords(zip)[0] + 24, 0xfffffff0, true);

  // If the check were missing, fflate would allocate a 4 GB buffer here.
  assertFormatError(
    () => decodeNpz(zip, Z),
    Z,
    /claims 4294967280 bytes from \d+, beyond the deflate maximum ratio/,
  );
});

test("maxUncompressedBytes caps the total expansion", () => {
  const zip = encodeNpz(
    { big: { dtype: "F64", shape: [1000], data: new Float64Array(1000) } },
    { compression: "deflate" },
  );

  assertFormatError(
    () => decodeNpz(zip, Z, { maxUncompressedBytes: 4096 }),
    Z,
    /more than maxUncompressedBytes = 4096/,
  );
  assert.equal(decodeNpz(zip, Z).big.data.length, 1000);
});

test("a forged entry count cannot make the reader spin", () => {
  const zip = encodeNpz(small);
  const view = new DataView(zip.buffer);
  view.setUint16(zip.length - 22 + 8, 0xffff, true);
  view.setUint16(zip.length - 22 + 10, 0xffff, true);

  // 0xffff entries without a zip64 record: refused before any record is read
  assertFormatError(() => decodeNpz(zip, Z), Z, /zip64 end-of-central-directory locator not found/);
});

test("errors inside a member name the archive and the member", () => {
  const broken = encodeNpy(small.a).subarray(0, 100);
  const zip = zipSync({ "a.npy": broken });

  assertFormatError(
    () => decodeNpz(zip, Z),
    `${Z}:a.npy`,
    /header length field says 118 bytes but only 90 follow/,
  );
});

/** Where a stored member's data starts: after its local header (30 bytes), name and extra field. */
function storedDataStart(zip: Uint8Array, localHeader: number): number {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  assert.equal(view.getUint32(localHeader, true), 0x04034b50);
  return localHeader + 30 + view.getUint16(localHeader + 26, true) + view.getUint16(localHeader + 28, true);
}

test("a flipped bit in a member's data fails its CRC-32 check, naming the member (ours and numpy's)", () => {
  const ours = encodeNpz(small);
  // the last data byte of member a.npy (its 3 values), inside the .npy payload, so the .npy parse alone passes
  const aEnd = storedDataStart(ours, 0) + encodeNpy(small.a).length - 1;
  const flipped = ours.slice();
  flipped[aEnd] ^= 0x01;
  assert.deepEqual(decodeNpz(ours, Z).a.data, Uint8Array.of(1, 2, 3));
  assertFormatError(
    () => decodeNpz(flipped, Z),
    Z,
    /^w\.npz: member "a\.npy" fails its CRC-32 check \(recorded 0x[0-9a-f]{8}, data 0x[0-9a-f]{8}\); the file is corrupt/,
  );

  const numpy = fromBase64(NUMPY_SAVEZ);
  const cEnd = storedDataStart(numpy, 0) + 128; // header 128 bytes, then the single uint8 value 7
  assert.equal(numpy[cEnd], 7);
  const numpyFlipped = numpy.slice();
  numpyFlipped[cEnd] = 6;
  assertFormatError(() => decodeNpz(numpyFlipped, "ns.npz"), "ns.npz", /member "c\.npy" fails its CRC-32/);
});

test("a wrong CRC-32 in the central directory is caught too; a deflated member is checked after inflating", () => {
  const zip = encodeNpz(small, { compression: "deflate" });
  const second = centralRecords(zip)[1];
  const bad = zip.slice();
  bad[second + 16] ^= 0x80; // b.npy's recorded CRC-32
  assert.equal(Object.keys(decodeNpz(zip, Z)).length, 2);
  assertFormatError(() => decodeNpz(bad, Z), Z, /member "b\.npy" fails its CRC-32 check/);
});

/**
 * The archive with a zip64 end record (56 bytes) and its locator (20 bytes) before an end record that defers
 * to them (entry count 0xffff, sizes and offset 0xffffffff).
 */
function zip64Ended(zip: Uint8Array): Uint8Array {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const eocd = zip.length - 22;
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  const z64 = new Uint8Array(eocd + 56 + 20 + 22);
  z64.set(zip.subarray(0, eocd));
  const w = new DataView(z64.buffer);
  const at64 = eocd;
  w.setUint32(at64, 0x06064b50, true);
  w.setBigUint64(at64 + 4, 44n, true);
  w.setUint16(at64 + 12, 45, true);
  w.setUint16(at64 + 14, 45, true);
  w.setBigUint64(at64 + 24, BigInt(count), true);
  w.setBigUint64(at64 + 32, BigInt(count), true);
  w.setBigUint64(at64 + 40, BigInt(cdSize), true);
  w.setBigUint64(at64 + 48, BigInt(cdOffset), true);
  const loc = at64 + 56;
  w.setUint32(loc, 0x07064b50, true);
  w.setBigUint64(loc + 8, BigInt(at64), true);
  w.setUint32(loc + 16, 1, true);
  const end = loc + 20;
  w.setUint32(end, 0x06054b50, true);
  w.setUint16(end + 8, 0xffff, true);
  w.setUint16(end + 10, 0xffff, true);
  w.setUint32(end + 12, 0xffffffff, true);
  w.setUint32(end + 16, 0xffffffff, true);
  return z64;
}

test("the CRC-32s are found past an archive comment and through a zip64 end record", () => {
  const zip = encodeNpz(small);
  const eocd = zip.length - 22;

  // a 300-byte archive comment after the end record
  const commented = new Uint8Array(zip.length + 300);
  commented.set(zip);
  commented.fill(0x41, zip.length);
  new DataView(commented.buffer).setUint16(eocd + 20, 300, true);
  assert.deepEqual(decodeNpz(commented, Z).b.data, Uint8Array.of(4, 5, 6));

  // zip64: the end record defers to a zip64 end record
  const z64 = zip64Ended(zip);
  assert.deepEqual(decodeNpz(z64, Z).a.data, Uint8Array.of(1, 2, 3));
  const z64bad = z64.slice();
  z64bad[storedDataStart(z64, 0) + encodeNpy(small.a).length - 1] ^= 0x01;
  assertFormatError(() => decodeNpz(z64bad, Z), Z, /member "a\.npy" fails its CRC-32 check/);
});

test("a member's name must be the same in the central directory and its local header", () => {
  const zip = encodeNpz(small);
  const second = centralRecords(zip)[1];
  const renamed = zip.slice();
  renamed[second + 46] = "x".charCodeAt(0); // b.npy -> x.npy in the central directory only
  assertFormatError(
    () => decodeNpz(renamed, Z),
    Z,
    /^w\.npz: zip member 1 is named "x\.npy" in the central directory but "b\.npy" in its local header; the file is corrupt/,
  );
  const localRenamed = zip.slice();
  localRenamed[30] = "q".charCodeAt(0); // a.npy -> q.npy in the first local header only
  assertFormatError(() => decodeNpz(localRenamed, Z), Z, /zip member 0 is named "a\.npy" .* but "q\.npy"/);
});

test("a local header offset kept in a zip64 extra field is followed for the name check", () => {
  // every central record's sizes and offset moved into a zip64 extra field (id 1: uncompressed size,
  // compressed size, offset, 8 bytes each) of a zip64 archive, as writers do past 4 GiB
  const zip = encodeNpz(small);
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const eocd = zip.length - 22;
  const cdOffset = view.getUint32(eocd + 16, true);
  const records = centralRecords(zip);
  const parts: Uint8Array[] = [zip.subarray(0, cdOffset)];
  for (const at of records) {
    const nameLength = view.getUint16(at + 28, true);
    const fixed = zip.slice(at, at + 46 + nameLength);
    const fv = new DataView(fixed.buffer);
    const ev = new DataView(new ArrayBuffer(28));
    ev.setUint16(0, 0x0001, true);
    ev.setUint16(2, 24, true);
    ev.setBigUint64(4, BigInt(fv.getUint32(24, true)), true);
    ev.setBigUint64(12, BigInt(fv.getUint32(20, true)), true);
    ev.setBigUint64(20, BigInt(fv.getUint32(42, true)), true);
    for (const field of [20, 24, 42]) fv.setUint32(field, 0xffffffff, true);
    fv.setUint16(30, 28, true);
    const extra = new Uint8Array(ev.buffer);
    parts.push(fixed, extra);
  }
  const end = zip.slice(eocd);
  const cdSize = parts.slice(1).reduce((n, p) => n + p.length, 0);
  new DataView(end.buffer).setUint32(12, cdSize, true);
  parts.push(end);
  const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  // fflate reads zip64 extra fields only in an archive with a zip64 end record
  const z64 = zip64Ended(joined);
  assert.deepEqual(decodeNpz(z64, Z).b.data, Uint8Array.of(4, 5, 6));
  const bad = z64.slice();
  bad[30] = "q".charCodeAt(0);
  assertFormatError(() => decodeNpz(bad, Z), Z, /zip member 0 is named "a\.npy" .* but "q\.npy"/);
});

test("every count and size of the central directory is checked against its copy, so no flipped bit drops members", () => {
  const three: Record<string, Tensor> = { ...small, c: { dtype: "U8", shape: [1], data: Uint8Array.of(9) } };
  const z64 = zip64Ended(encodeNpz(three));
  assert.deepEqual(Object.keys(decodeNpz(z64, Z)), ["a", "b", "c"]);
  const end64 = z64.length - 22 - 20 - 56;
  const set64 = (bytes: Uint8Array, at: number, v: number): void =>
    new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(at, BigInt(v), true);

  // one flipped bit in the zip64 total (3 -> 2): the entries-on-this-disk copy still says 3
  const oneFlip = z64.slice();
  oneFlip[end64 + 32] ^= 0x01;
  assertFormatError(
    () => decodeNpz(oneFlip, Z),
    Z,
    /zip64 end record lists 3 entries on this disk but 2 in all/,
  );

  // both copies changed to 2: the directory's byte size no longer matches two records
  const bothCounts = z64.slice();
  set64(bothCounts, end64 + 24, 2);
  set64(bothCounts, end64 + 32, 2);
  assertFormatError(
    () => decodeNpz(bothCounts, Z),
    Z,
    /zip central directory is \d+ bytes long but its 2 records take \d+; the entry count or the size is corrupt/,
  );

  // the plain end record's two counts, too
  const plain = encodeNpz(three);
  const flippedPlain = plain.slice();
  flippedPlain[plain.length - 22 + 10] ^= 0x01;
  assertFormatError(
    () => decodeNpz(flippedPlain, Z),
    Z,
    /zip end record lists 3 entries on this disk but 2 in all/,
  );

  // an end record with real values beside a zip64 record: accepted when they agree, refused when they do not
  const view = new DataView(plain.buffer, plain.byteOffset);
  const agreeing = z64.slice();
  const end = agreeing.length - 22;
  const w = new DataView(agreeing.buffer);
  w.setUint16(end + 8, 3, true);
  w.setUint16(end + 10, 3, true);
  w.setUint32(end + 12, view.getUint32(plain.length - 22 + 12, true), true);
  w.setUint32(end + 16, view.getUint32(plain.length - 22 + 16, true), true);
  assert.deepEqual(Object.keys(decodeNpz(agreeing, Z)), ["a", "b", "c"]);
  const disagreeing = agreeing.slice();
  set64(disagreeing, end64 + 48, view.getUint32(plain.length - 22 + 16, true) + 46);
  assertFormatError(
    () => decodeNpz(disagreeing, Z),
    Z,
    /zip end record and zip64 end record describe different central directories/,
  );
});

test("a non-ASCII name must be marked UTF-8 in both copies, or it reads as two different names", () => {
  const zip = encodeNpz({ é: { dtype: "U8", shape: [1], data: Uint8Array.of(1) } });
  assert.deepEqual(Object.keys(decodeNpz(zip, Z)), ["é"]);
  const record = centralRecords(zip)[0];
  const view = new DataView(zip.buffer, zip.byteOffset);
  assert.ok((view.getUint16(record + 8, true) & 0x800) !== 0, "the writer marks the name UTF-8");
  const unmarked = zip.slice();
  unmarked[record + 9] ^= 0x08; // bit 11 of the central record's flags
  assertFormatError(
    () => decodeNpz(unmarked, Z),
    Z,
    /zip member 0 is named "Ã©\.npy" in the central directory but "é\.npy" in its local header/,
  );
});
