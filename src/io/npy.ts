/**
 * NumPy .npy read and write, on bytes (no file system). Format: numpy/lib/format.py (NEP 1).
 *
 *   "\x93NUMPY"  major  minor  HEADER_LEN  HEADER  data
 *   HEADER_LEN is an unsigned little-endian u16 in version 1.0, u32 in 2.0 and 3.0.
 *   HEADER is the repr of a Python dict, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
 *   followed by spaces and one '\n' so that the data starts at a multiple of 64 bytes.
 *
 * Writing copies numpy's writer (numpy >= 1.24): keys sorted, `repr` of each value, then
 * 21 - len(repr(shape[0])) "growth" spaces (none for 0-d arrays), then 1 to 64 spaces of alignment padding and
 * '\n'. Version 1.0 is used unless the header needs more than 65535 bytes (then 2.0). Always C order,
 * little-endian ('<' or '|' descr).
 *
 * Reading accepts versions 1.0, 2.0 and 3.0 (3.0 only allows a UTF-8 header), descrs <f8 <f4 <f2 <i8 <i4 <i2
 * |i1 <u8 <u4 <u2 |u1 |b1 and their big-endian '>' forms (byte-swapped on read), and fortran_order True, which
 * is transposed into C order on read (the returned tensor is always row-major with the file's shape).
 * The header is parsed by a small strict parser of Python literals (never eval): exactly the keys descr,
 * fortran_order and shape, no duplicates, shape a tuple of non-negative integers. The data must be exactly
 * product(shape) * itemsize bytes; this is checked before anything is allocated. `<f2` maps to F16, whose
 * elements are raw 16-bit patterns in a Uint16Array.
 */
import { FormatError, InvalidParameterError, UnsupportedError } from "../core/errors.ts";
import {
  DTYPE_INFO,
  typedArrayClass,
  typedArrayFromBytes,
  validateTensor,
  littleEndianBytes,
} from "./dtype.ts";
import type { DType, Tensor, TypedArray } from "./dtype.ts";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const ALIGN = 64;
/** numpy's GROWTH_AXIS_MAX_DIGITS: room reserved so the first axis can grow in place. */
const GROWTH_DIGITS = 21;
/** Largest header this reader parses (numpy itself refuses headers over 10 000 bytes by default). */
export const NPY_MAX_HEADER_BYTES = 1 << 20;

/** descr written for each dtype (BF16 has no numpy dtype). */
const DESCR: Readonly<Partial<Record<DType, string>>> = Object.freeze({
  F64: "<f8",
  F32: "<f4",
  F16: "<f2",
  I64: "<i8",
  I32: "<i4",
  I16: "<i2",
  I8: "|i1",
  U64: "<u8",
  U32: "<u4",
  U16: "<u2",
  U8: "|u1",
  BOOL: "|b1",
});

const DTYPE_OF_DESCR: ReadonlyMap<string, DType> = new Map(
  Object.entries(DESCR).map(([dtype, descr]) => [descr!, dtype as DType]),
);

function reprShape(shape: readonly number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(", ")})`;
}

/** The header text numpy writes for this descr and shape, before alignment padding. */
function headerDict(descr: string, shape: readonly number[]): string {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${reprShape(shape)}, }`;
  const growth = shape.length > 0 ? Math.max(0, GROWTH_DIGITS - String(shape[0]).length) : 0;
  return dict + " ".repeat(growth);
}

/** Serialises a tensor as a .npy file (C order, little-endian). */
export function encodeNpy(tensor: Tensor, what = "array"): Uint8Array {
  validateTensor(tensor, what);
  const descr = DESCR[tensor.dtype];
  if (descr === undefined) {
    throw new UnsupportedError(
      `${what}: dtype ${tensor.dtype} has no NumPy equivalent; store it in safetensors or convert it to F32`,
    );
  }
  const dict = headerDict(descr, tensor.shape);
  // Header bytes after the 8-byte magic+version: length field, dict, padding, '\n'.
  let version = 1;
  let fieldBytes = 2;
  let padding = ALIGN - ((MAGIC.length + 2 + fieldBytes + dict.length + 1) % ALIGN);
  if (dict.length + padding + 1 > 0xffff) {
    version = 2;
    fieldBytes = 4;
    padding = ALIGN - ((MAGIC.length + 2 + fieldBytes + dict.length + 1) % ALIGN);
  }
  const headerLength = dict.length + padding + 1;
  const dataOffset = MAGIC.length + 2 + fieldBytes + headerLength;
  const data = littleEndianBytes(tensor.data);
  const out = new Uint8Array(dataOffset + data.length);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerLength, true);
  else view.setUint32(8, headerLength, true);
  const headerStart = 8 + fieldBytes;
  for (let i = 0; i < dict.length; i++) out[headerStart + i] = dict.charCodeAt(i);
  out.fill(0x20, headerStart + dict.length, dataOffset - 1);
  out[dataOffset - 1] = 0x0a;
  out.set(data, dataOffset);
  return out;
}

// ---- reading ----

type PyValue = string | boolean | number[];

/** Parses a Python dict literal of strings, booleans and int tuples; throws a message string on error. */
function parsePyDict(text: string): Map<string, PyValue> {
  let i = 0;
  const fail = (message: string): never => {
    throw new HeaderSyntaxError(`${message} at character ${i} of the header`);
  };
  const ws = (): void => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r"))
      i++;
  };
  const str = (): string => {
    const quote = text[i];
    const end = text.indexOf(quote, i + 1);
    if (end < 0) return fail("unterminated string");
    const s = text.slice(i + 1, end);
    if (s.includes("\\") || s.includes("\n")) return fail("escapes are not supported in header strings");
    i = end + 1;
    return s;
  };
  const int = (): number => {
    const m = /[0-9]+/y;
    m.lastIndex = i;
    const r = m.exec(text);
    if (r === null) return fail("expected an integer");
    const digits = r[0];
    if (digits.length > 1 && digits[0] === "0") return fail(`integer ${digits} has a leading zero`);
    const n = Number(digits);
    if (!Number.isSafeInteger(n)) return fail(`integer ${digits} is too large`);
    i += digits.length;
    return n;
  };
  const tuple = (): number[] => {
    i++; // "("
    const items: number[] = [];
    let trailingComma = false;
    ws();
    while (text[i] !== ")") {
      items.push(int());
      ws();
      trailingComma = false;
      if (text[i] === ",") {
        i++;
        trailingComma = true;
        ws();
      } else if (text[i] !== ")") {
        fail("expected ',' or ')' in the shape tuple");
      }
    }
    i++;
    // In Python "(3)" is the integer 3, not a tuple.
    if (items.length === 1 && !trailingComma) fail("shape (n) is not a tuple; write (n,)");
    return items;
  };
  const value = (): PyValue => {
    const c = text[i];
    if (c === "'" || c === '"') return str();
    if (c === "(") return tuple();
    if (text.startsWith("True", i)) {
      i += 4;
      return true;
    }
    if (text.startsWith("False", i)) {
      i += 5;
      return false;
    }
    if (c === "[") return fail("structured dtypes (a list descr) are not supported");
    return fail(`unexpected ${JSON.stringify(c ?? "end of header")}`);
  };

  const out = new Map<string, PyValue>();
  ws();
  if (text[i] !== "{") fail("header must be a Python dict starting with '{'");
  i++;
  ws();
  while (text[i] !== "}") {
    if (text[i] !== "'" && text[i] !== '"') fail("expected a quoted key");
    const key = str();
    if (out.has(key)) fail(`duplicate key '${key}'`);
    ws();
    if (text[i] !== ":") fail("expected ':'");
    i++;
    ws();
    out.set(key, value());
    ws();
    if (text[i] === ",") {
      i++;
      ws();
    } else if (text[i] !== "}") {
      fail("expected ',' or '}'");
    }
  }
  i++;
  ws();
  if (i !== text.length) fail("unexpected text after the header dict");
  return out;
}

class HeaderSyntaxError extends Error {}

function descrToDType(descr: string): { dtype: DType; littleEndian: boolean } | undefined {
  const direct = DTYPE_OF_DESCR.get(descr);
  if (direct !== undefined) return { dtype: direct, littleEndian: true };
  if (descr.startsWith(">")) {
    const dtype = DTYPE_OF_DESCR.get(`<${descr.slice(1)}`);
    if (dtype !== undefined) return { dtype, littleEndian: false };
  }
  return undefined;
}

type IntegerView = Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

/** An unsigned integer view of the same bytes; moving its elements never touches float bit patterns (NaNs). */
function integerView(data: TypedArray): IntegerView {
  const { buffer, byteOffset, length } = data;
  switch (data.BYTES_PER_ELEMENT) {
    case 1:
      return new Uint8Array(buffer, byteOffset, length);
    case 2:
      return new Uint16Array(buffer, byteOffset, length);
    case 4:
      return new Uint32Array(buffer, byteOffset, length);
    default:
      return new BigUint64Array(buffer, byteOffset, length);
  }
}

/** Reorders a column-major (Fortran) array of the given shape into row-major order, in place. */
function fortranToC(data: TypedArray, shape: readonly number[]): void {
  const k = shape.length;
  if (k < 2 || data.length === 0) return;
  const dst = integerView(data);
  const src = dst.slice();
  const strideF = new Array<number>(k);
  strideF[0] = 1;
  for (let j = 1; j < k; j++) strideF[j] = strideF[j - 1] * shape[j - 1];
  const index = new Array<number>(k).fill(0);
  let f = 0;
  for (let c = 0; c < dst.length; c++) {
    dst[c] = src[f];
    for (let j = k - 1; j >= 0; j--) {
      index[j]++;
      f += strideF[j];
      if (index[j] < shape[j]) break;
      f -= shape[j] * strideF[j];
      index[j] = 0;
    }
  }
}

/** Parses a .npy file (see the file comment for what is accepted); the data is a fresh aligned copy. */
export function decodeNpy(bytes: Uint8Array, name: string): Tensor {
  if (typedArrayClass(bytes) !== "Uint8Array") {
    throw new InvalidParameterError(`decodeNpy: bytes must be a Uint8Array (or Buffer), got ${typeof bytes}`);
  }
  const bad = (problem: string): FormatError => new FormatError(`${name}: ${problem}`, { file: name });

  if (bytes.length < 10 || MAGIC.some((b, k) => bytes[k] !== b)) {
    throw bad("not a .npy file (it does not start with \\x93NUMPY and a version)");
  }
  const major = bytes[6];
  const minor = bytes[7];
  if (!(major >= 1 && major <= 3 && minor === 0)) {
    throw bad(`.npy version ${major}.${minor} is not supported (1.0, 2.0 and 3.0 are)`);
  }
  const fieldBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + fieldBytes) throw bad("file is truncated inside the header length field");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + fieldBytes;
  if (headerLength > NPY_MAX_HEADER_BYTES) {
    throw bad(
      `header length field says ${headerLength} bytes, over the ${NPY_MAX_HEADER_BYTES}-byte limit; corrupt file?`,
    );
  }
  if (headerStart + headerLength > bytes.length) {
    throw bad(
      `header length field says ${headerLength} bytes but only ${bytes.length - headerStart} follow; truncated?`,
    );
  }
  const raw = bytes.subarray(headerStart, headerStart + headerLength);
  let text: string;
  if (major === 3) {
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(raw);
    } catch {
      throw bad("version 3.0 header is not valid UTF-8");
    }
  } else {
    text = new TextDecoder("latin1").decode(raw);
  }

  let dict: Map<string, PyValue>;
  try {
    dict = parsePyDict(text);
  } catch (e) {
    if (e instanceof HeaderSyntaxError)
      throw bad(`bad header ${JSON.stringify(text.slice(0, 200))}: ${e.message}`);
    throw e;
  }
  const keys = [...dict.keys()].sort().join(",");
  if (keys !== "descr,fortran_order,shape") {
    throw bad(`header must have exactly the keys descr, fortran_order and shape, got ${keys || "none"}`);
  }
  const descr = dict.get("descr");
  const fortran = dict.get("fortran_order");
  const shape = dict.get("shape");
  if (typeof descr !== "string") throw bad("descr must be a string such as '<f4'");
  if (typeof fortran !== "boolean") throw bad("fortran_order must be True or False");
  if (!Array.isArray(shape)) throw bad("shape must be a tuple of integers");
  const kind = descrToDType(descr);
  if (kind === undefined) {
    throw bad(
      `descr '${descr}' is not supported (supported: ${[...DTYPE_OF_DESCR.keys()].join(" ")} and '>' forms)`,
    );
  }

  const dataOffset = headerStart + headerLength;
  const available = bytes.length - dataOffset;
  const size = DTYPE_INFO[kind.dtype].size;
  let count = shape.includes(0) ? 0 : 1;
  for (const d of shape) {
    if (count === 0) break;
    count *= d;
    if (count * size > available) {
      throw bad(
        `shape ${reprShape(shape)} of '${descr}' needs more than the ${available} data bytes in the file`,
      );
    }
  }
  if (count * size !== available) {
    throw bad(
      `shape ${reprShape(shape)} of '${descr}' needs ${count * size} data bytes but the file has ${available}`,
    );
  }
  const data = typedArrayFromBytes(kind.dtype, bytes, dataOffset, count, kind.littleEndian);
  if (kind.dtype === "BOOL") {
    const at = (data as Uint8Array).findIndex((b) => b > 1);
    if (at >= 0) throw bad(`bool array holds byte ${data[at]} at index ${at}`);
  }
  if (fortran) fortranToC(data, shape);
  return { dtype: kind.dtype, shape, data } as Tensor;
}
