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
  FormatError,
  InvalidParameterError,
  ShapeMismatchError,
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

/**
 * Parses an IDX file held in `bytes`. `name` (usually the path) is used in every error message.
 * Throws `FormatError` for gzip input, a wrong magic number, an unknown type code, 0 or more than
 * `IDX_MAX_DIMS` dimensions, a zero-sized dimension, a truncated header, and a payload whose length is not
 * exactly prod(dims) times the element size. An ArrayBuffer (what `fetch(...).arrayBuffer()` and
 * `FileReader` give in a page) is read through a Uint8Array view; any other non-byte input is an
 * `InvalidParameterError`.
 */
export function parseIdx(input: Uint8Array | ArrayBuffer, name: string): IdxArray {
  const bytes = isBinaryKind(input, "ArrayBuffer") ? new Uint8Array(input as ArrayBuffer) : input;
  if (!isBinaryKind(bytes, "Uint8Array")) {
    const hint =
      typeof bytes === "string"
        ? "read the file as bytes, not text: await response.arrayBuffer()"
        : isBinaryKind(bytes, "Blob") || isBinaryKind(bytes, "File")
          ? "read its contents first: await blob.arrayBuffer()"
          : "pass the file's contents as a Uint8Array or an ArrayBuffer";
    throw new InvalidParameterError(
      `parseIdx(${JSON.stringify(String(name))}): the file's bytes must be a Uint8Array or an ArrayBuffer, ` +
        `got ${describeValue(bytes)}; ${hint}`,
    );
  }
  return parseIdxBytes(bytes as Uint8Array, name);
}

function parseIdxBytes(bytes: Uint8Array, name: string): IdxArray {
  if (isGzip(bytes)) {
    fail(name, "file is gzip-compressed (starts with 1f 8b)", "unpack it first, e.g. `gunzip -k FILE.gz`");
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

/**
 * Encodes an array as IDX bytes (big-endian). The inverse of `parseIdx`; used to write small fixtures and
 * converted datasets. Throws `ShapeMismatchError` when `dims` does not match `data.length`.
 */
export function encodeIdx(type: IdxType, dims: readonly number[], data: ArrayLike<number>): Uint8Array {
  const info = [...TYPE_CODES.entries()].find(([, v]) => v.type === type);
  if (info === undefined) throw new InvalidParameterError(`encodeIdx: unknown type ${JSON.stringify(type)}`);
  const [code, { bytes: size }] = info;
  const n = dims.reduce((a, b) => a * b, 1);
  if (dims.length < 1 || dims.length > IDX_MAX_DIMS || n !== data.length) {
    throw new ShapeMismatchError(
      `encodeIdx: dims ${dims.join("x")} (${n} elements) do not fit ${data.length} values; pass 1 to ` +
        `${IDX_MAX_DIMS} dimensions whose product is the data length`,
    );
  }
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
