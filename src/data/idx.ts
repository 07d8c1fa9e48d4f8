/**
 * IDX file parser (the format of the MNIST, Fashion-MNIST and EMNIST distributions), pure: it works on bytes
 * already in memory, so it runs in a browser. Reading files from disk lives in `idx-file.ts`.
 *
 * Format (LeCun & Cortes, "The MNIST database", file-format section), all integers big-endian:
 *   byte 0, 1   0x00 0x00
 *   byte 2      element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
 *   byte 3      number of dimensions d
 *   4 d bytes   the size of each dimension as an unsigned 32-bit integer
 *   payload     prod(sizes) elements, row-major (last index fastest), each element big-endian
 *
 * Every size is checked against the bytes actually present before anything is allocated, so a corrupt or
 * hostile header can never make the parser allocate more than the file holds.
 */
import {
  FLOAT32_MAX,
  FormatError,
  InvalidParameterError,
  ShapeMismatchError,
  describeArgument,
  describeValue,
  isBinaryKind,
} from "../core/errors.ts";

/** Element type of an IDX file, named after the typed array that holds it. */
export type IdxType = "uint8" | "int8" | "int16" | "int32" | "float32" | "float64";

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A parsed IDX file. `data` is row-major over `dims`. */
export interface IdxArray {
  readonly type: IdxType;
  readonly dims: readonly number[];
  /** For uint8 and int8 a view onto the input bytes (no copy); wider types are decoded into a new array. */
  readonly data: IdxData;
}

/** Largest number of dimensions accepted (MNIST-family files have 1 or 3). */
// Limitation: IDX allows up to 255 dimensions; more than 4 is refused because no dataset we read uses them
// and a large count in byte 3 is far more often a sign of a corrupt or non-IDX file.
export const IDX_MAX_DIMS = 4;

interface TypeInfo {
  readonly type: IdxType;
  readonly bytes: number;
}

const TYPE_CODES: ReadonlyMap<number, TypeInfo> = new Map([
  [0x08, { type: "uint8", bytes: 1 }],
  [0x09, { type: "int8", bytes: 1 }],
  [0x0b, { type: "int16", bytes: 2 }],
  [0x0c, { type: "int32", bytes: 4 }],
  [0x0d, { type: "float32", bytes: 4 }],
  [0x0e, { type: "float64", bytes: 8 }],
]);

const REFETCH = "download the file again (and unpack it if it was gzipped)";

function fail(name: string, what: string, fix: string, details: Record<string, unknown> = {}): never {
  throw new FormatError(`${name}: ${what}; ${fix}`, { file: name, ...details });
}

/** True when `bytes` starts with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The name error messages give the data when `parseIdx` is called without one. */
const IDX_DEFAULT_NAME = "the IDX data";

/**
 * Parses an IDX file held in `bytes`. `name` (usually the path or URL) starts every error message; without
 * it they start with "the IDX data". A `name` that is not a non-blank string is an `InvalidParameterError`.
 * Throws `FormatError` for gzip input, a wrong magic number, an unknown type code, 0 or more than
 * `IDX_MAX_DIMS` dimensions, a zero-sized dimension, a truncated header, and a payload whose length is not
 * exactly prod(dims) times the element size. An ArrayBuffer (what `fetch(...).arrayBuffer()` and
 * `FileReader` give in a page) is read through a Uint8Array view; any other non-byte input is an
 * `InvalidParameterError`.
 */
export function parseIdx(input: Uint8Array | ArrayBuffer, name: string = IDX_DEFAULT_NAME): IdxArray {
  if (typeof name !== "string" || name.trim() === "") {
    throw new InvalidParameterError(
      `parseIdx(bytes, name): name must be a non-blank string that error messages start with (usually the ` +
        `file's path or URL), got ${describeValue(name)}; pass e.g. "train-images-idx3-ubyte", or leave it out`,
      { name },
    );
  }
  const bytes = isBinaryKind(input, "ArrayBuffer") ? new Uint8Array(input as ArrayBuffer) : input;
  if (!isBinaryKind(bytes, "Uint8Array")) {
    const hint =
      typeof bytes === "string"
        ? "read the file as bytes, not text: await response.arrayBuffer()"
        : isBinaryKind(bytes, "Blob") || isBinaryKind(bytes, "File")
          ? "read its contents first: await blob.arrayBuffer()"
          : "pass the file's contents as a Uint8Array or an ArrayBuffer";
    throw new InvalidParameterError(
      `parseIdx(${JSON.stringify(name)}): the file's bytes must be a Uint8Array or an ArrayBuffer, ` +
        `got ${describeValue(bytes)}; ${hint}`,
    );
  }
  return parseIdxBytes(bytes as Uint8Array, name);
}

function parseIdxBytes(bytes: Uint8Array, name: string): IdxArray {
  if (isGzip(bytes)) {
    fail(
      name,
      "file is gzip-compressed (starts with 1f 8b)",
      "unpack it first: `gunzip -k FILE.gz` on disk, or in a page through " +
        '`new Response(blob.stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer()`',
    );
  }
  if (bytes.length < 4) {
    fail(name, `truncated header: an IDX file starts with 4 magic bytes, file has ${bytes.length}`, REFETCH, {
      length: bytes.length,
    });
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const got = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
    fail(name, `wrong magic: expected 00 00 <type> <dims>, got ${got}`, "check that this is an IDX file", {
      magic: got,
    });
  }
  const info = TYPE_CODES.get(bytes[2]);
  if (info === undefined) {
    fail(
      name,
      `unknown element type code 0x${bytes[2].toString(16).padStart(2, "0")}`,
      "IDX defines 0x08, 0x09, 0x0b, 0x0c, 0x0d and 0x0e; the file is probably corrupt",
      { typeCode: bytes[2] },
    );
  }
  const ndims = bytes[3];
  if (ndims < 1 || ndims > IDX_MAX_DIMS) {
    fail(
      name,
      `header gives ${ndims} dimensions, this reader accepts 1 to ${IDX_MAX_DIMS}`,
      "the file is probably corrupt or not an IDX file",
      { ndims },
    );
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    fail(
      name,
      `truncated header: ${ndims} dimensions need a ${headerBytes}-byte header, file has ${bytes.length} bytes`,
      REFETCH,
      { length: bytes.length, headerBytes },
    );
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    if (size === 0) {
      fail(name, `dimension ${d} has size 0 (header sizes ${headerSizes(view, ndims)})`, REFETCH, { dims });
    }
    dims.push(size);
  }

  // BigInt: four 32-bit sizes can multiply past 2^53.
  let elements = 1n;
  for (const size of dims) elements *= BigInt(size);
  const expected = elements * BigInt(info.bytes);
  const payload = bytes.length - headerBytes;
  if (expected !== BigInt(payload)) {
    const shape = `${dims.join("x")} = ${expected} bytes of data`;
    if (expected > BigInt(payload)) {
      fail(
        name,
        `truncated: header says ${shape}, file has ${payload} after its ${headerBytes}-byte header`,
        REFETCH,
        {
          dims,
          expectedBytes: Number(expected),
          payloadBytes: payload,
        },
      );
    }
    fail(
      name,
      `trailing bytes: header says ${shape}, file has ${payload} after its ${headerBytes}-byte header`,
      "the file is corrupt or two files were joined; download it again",
      { dims, expectedBytes: Number(expected), payloadBytes: payload },
    );
  }

  const count = Number(elements);
  return { type: info.type, dims, data: decode(info.type, bytes, view, headerBytes, count) };
}

function headerSizes(view: DataView, ndims: number): string {
  const sizes: number[] = [];
  for (let d = 0; d < ndims; d++) sizes.push(view.getUint32(4 + 4 * d, false));
  return sizes.join("x");
}

function decode(type: IdxType, bytes: Uint8Array, view: DataView, offset: number, n: number): IdxData {
  switch (type) {
    case "uint8":
      return bytes.subarray(offset, offset + n);
    case "int8":
      return new Int8Array(bytes.buffer, bytes.byteOffset + offset, n);
    case "int16": {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case "int32": {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case "float32": {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case "float64": {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
    default: {
      const never: never = type;
      throw new FormatError(`unhandled IDX type ${String(never)}`);
    }
  }
}

/** The integers each IDX integer type holds, [min, max]. */
const INTEGER_RANGES: Readonly<Partial<Record<IdxType, readonly [number, number]>>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
};

/** The IDX types that hold every integer in [lo, hi] and more: the wider integer types, then float64. */
function widerTypes(lo: number, hi: number): string[] {
  const wider = Object.entries(INTEGER_RANGES)
    .filter(([, r]) => r[0] <= lo && r[1] >= hi && (r[0] < lo || r[1] > hi))
    .map(([t]) => t);
  return [...wider, "float64"];
}

/** Largest dimension size: the header stores each size as an unsigned 32-bit integer. */
const IDX_MAX_SIZE = 0xffffffff;

/**
 * Throws `InvalidParameterError` naming the first entry of `data` that `type` cannot hold exactly: for the
 * integer types a non-integer (NaN and ±Infinity included) or an integer outside the type's range, for float32
 * a finite value beyond the float32 range (it would be stored as ±Infinity). NaN and ±Infinity are kept by
 * float32 and float64, which store them; float32 rounds other values to the nearest float32.
 */
function requireEncodable(type: IdxType, data: ArrayLike<number>): void {
  const range = INTEGER_RANGES[type];
  for (let i = 0; i < data.length; i++) {
    const v: unknown = data[i];
    const at = `encodeIdx: data[${i}] = ${describeArgument(v)}`;
    if (typeof v !== "number") {
      throw new InvalidParameterError(
        `${at} is not a number; pass numbers only (a typed array or number[])`,
        {
          index: i,
          value: v,
        },
      );
    }
    if (range !== undefined) {
      const [lo, hi] = range;
      if (!Number.isInteger(v)) {
        throw new InvalidParameterError(
          `${at} is not an integer, and ${type} holds integers ${lo} to ${hi} only; round the data first, or ` +
            `encode it as float32 or float64`,
          { index: i, value: v, type },
        );
      }
      if (v < lo || v > hi) {
        throw new InvalidParameterError(
          `${at} is outside the ${type} range ${lo} to ${hi}; fix the value or encode it as a wider type ` +
            `(${widerTypes(lo, hi).join(", ")})`,
          { index: i, value: v, type },
        );
      }
    } else if (type === "float32" && Number.isFinite(v) && !Number.isFinite(Math.fround(v))) {
      throw new InvalidParameterError(
        `${at} is beyond the float32 range (magnitude up to ${FLOAT32_MAX}), where it would be stored as ` +
          `Infinity; rescale the data or encode it as float64`,
        { index: i, value: v, type },
      );
    }
  }
}

/**
 * Encodes an array as IDX bytes (big-endian); used to write small fixtures and converted datasets. The inverse
 * of `parseIdx`: every value must be one that `type` holds exactly, so that parsing gives it back. Throws
 * `InvalidParameterError`, naming the index and value, for a non-integer or out-of-range value of an integer
 * type and for a finite value beyond the float32 range in float32 (NaN and ±Infinity are stored as such by
 * float32 and float64; float32 rounds other values to the nearest float32, as a Float32Array does). Throws
 * `ShapeMismatchError` when `dims` does not match `data.length`, and `InvalidParameterError` for a dimension
 * size that is not an integer from 1 to 2^32 - 1. Everything is checked before any byte is written.
 */
export function encodeIdx(type: IdxType, dims: readonly number[], data: ArrayLike<number>): Uint8Array {
  const info = [...TYPE_CODES.entries()].find(([, v]) => v.type === type);
  if (info === undefined) throw new InvalidParameterError(`encodeIdx: unknown type ${JSON.stringify(type)}`);
  const [code, { bytes: size }] = info;
  if (!Array.isArray(dims)) {
    throw new InvalidParameterError(
      `encodeIdx: dims must be an array of dimension sizes, got ${describeValue(dims)}; pass e.g. [count, 28, 28]`,
    );
  }
  if (
    typeof (data as ArrayLike<number> | null | undefined)?.length !== "number" ||
    typeof data === "string"
  ) {
    throw new InvalidParameterError(
      `encodeIdx: data must be an array or typed array of numbers, got ${describeValue(data)}`,
    );
  }
  dims.forEach((d: unknown, i) => {
    if (!Number.isInteger(d) || (d as number) < 1 || (d as number) > IDX_MAX_SIZE) {
      throw new InvalidParameterError(
        `encodeIdx: dims[${i}] = ${describeArgument(d)} is not a dimension size; IDX stores each size as an ` +
          `integer from 1 to ${IDX_MAX_SIZE}`,
        { index: i, value: d },
      );
    }
  });
  const n = dims.reduce((a, b) => a * b, 1);
  if (dims.length < 1 || dims.length > IDX_MAX_DIMS || n !== data.length) {
    throw new ShapeMismatchError(
      `encodeIdx: dims ${dims.join("x")} (${n} elements) do not fit ${data.length} values; pass 1 to ` +
        `${IDX_MAX_DIMS} dimensions whose product is the data length`,
    );
  }
  requireEncodable(type, data);
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + n * size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < n; i++) {
    const at = header + i * size;
    const v = data[i];
    if (type === "uint8") view.setUint8(at, v);
    else if (type === "int8") view.setInt8(at, v);
    else if (type === "int16") view.setInt16(at, v, false);
    else if (type === "int32") view.setInt32(at, v, false);
    else if (type === "float32") view.setFloat32(at, v, false);
    else view.setFloat64(at, v, false);
  }
  return out;
}
