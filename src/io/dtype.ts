/**
 * Element types shared by the weight formats (safetensors, .npy/.npz, the model file).
 *
 * Names follow safetensors (`F32`, `I64`, `BOOL`...). Each dtype has one JavaScript typed array class; the
 * half-precision types have none in Node 20, so `F16` and `BF16` tensors carry their raw 16-bit patterns in a
 * Uint16Array (`tensorToFloat64` decodes them, and any other dtype, to numbers). 64-bit integers use BigInt64Array/BigUint64Array.
 * `BOOL` is a Uint8Array whose bytes are 0 or 1.
 *
 * On disk every format here is little-endian. Typed arrays use the host's byte order, so the helpers below
 * swap bytes on a big-endian host; on the little-endian hosts Node and browsers run on they only copy.
 */
import { InvalidParameterError, ShapeMismatchError } from "../core/errors.ts";

export type DType =
  "F64" | "F32" | "F16" | "BF16" | "I64" | "I32" | "I16" | "I8" | "U64" | "U32" | "U16" | "U8" | "BOOL";

/** The typed array that holds each dtype. */
export interface DTypeArrayMap {
  F64: Float64Array;
  F32: Float32Array;
  F16: Uint16Array;
  BF16: Uint16Array;
  I64: BigInt64Array;
  I32: Int32Array;
  I16: Int16Array;
  I8: Int8Array;
  U64: BigUint64Array;
  U32: Uint32Array;
  U16: Uint16Array;
  U8: Uint8Array;
  BOOL: Uint8Array;
}

export type TypedArray = DTypeArrayMap[DType];

/**
 * The number an IEEE 754 half-precision bit pattern (binary16) stands for: 1 sign bit, 5 exponent bits (bias
 * 15), 10 fraction bits; exponent 0 is subnormal (fraction x 2^-24), exponent 31 is an infinity or NaN.
 */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** The number a bfloat16 bit pattern stands for: the upper 16 bits of a float32. */
export function bfloat16ToNumber(bits: number): number {
  BF16_BITS[0] = (bits & 0xffff) << 16;
  return BF16_VALUE[0];
}
const BF16_BITS = new Uint32Array(1);
const BF16_VALUE = new Float32Array(BF16_BITS.buffer);

/**
 * A tensor's values as float64 numbers, whatever its dtype: half-precision bit patterns (F16, BF16) are
 * decoded, 64-bit integers converted with Number (exact up to 2^53), BOOL read as 0/1.
 */
export function tensorToFloat64(tensor: Tensor): Float64Array {
  switch (tensor.dtype) {
    case "F16":
      return Float64Array.from(tensor.data, halfToNumber);
    case "BF16":
      return Float64Array.from(tensor.data, bfloat16ToNumber);
    case "I64":
    case "U64":
      return Float64Array.from(tensor.data, (x) => Number(x));
    default:
      return Float64Array.from(tensor.data);
  }
}

/** A dense row-major (C-order) tensor. `data.length` equals the product of `shape` (1 for shape []). */
export type Tensor = {
  [D in DType]: { readonly dtype: D; readonly shape: readonly number[]; readonly data: DTypeArrayMap[D] };
}[DType];

type ArrayClassName =
  | "Float64Array"
  | "Float32Array"
  | "Uint16Array"
  | "BigInt64Array"
  | "Int32Array"
  | "Int16Array"
  | "Int8Array"
  | "BigUint64Array"
  | "Uint32Array"
  | "Uint8Array";

interface DTypeInfo {
  /** Bytes per element. */
  readonly size: 1 | 2 | 4 | 8;
  /** Name of the typed array class (also its Symbol.toStringTag, which works across realms). */
  readonly arrayClass: ArrayClassName;
}

export const DTYPE_INFO: Readonly<Record<DType, DTypeInfo>> = Object.freeze({
  F64: { size: 8, arrayClass: "Float64Array" },
  F32: { size: 4, arrayClass: "Float32Array" },
  F16: { size: 2, arrayClass: "Uint16Array" },
  BF16: { size: 2, arrayClass: "Uint16Array" },
  I64: { size: 8, arrayClass: "BigInt64Array" },
  I32: { size: 4, arrayClass: "Int32Array" },
  I16: { size: 2, arrayClass: "Int16Array" },
  I8: { size: 1, arrayClass: "Int8Array" },
  U64: { size: 8, arrayClass: "BigUint64Array" },
  U32: { size: 4, arrayClass: "Uint32Array" },
  U16: { size: 2, arrayClass: "Uint16Array" },
  U8: { size: 1, arrayClass: "Uint8Array" },
  BOOL: { size: 1, arrayClass: "Uint8Array" },
});

export const DTYPES: readonly DType[] = Object.freeze(Object.keys(DTYPE_INFO) as DType[]);

export function isDType(value: unknown): value is DType {
  return typeof value === "string" && Object.hasOwn(DTYPE_INFO, value);
}

/** The class name of a typed array, or undefined for anything else (works for arrays from other realms). */
export function typedArrayClass(value: unknown): string | undefined {
  if (!ArrayBuffer.isView(value) || value instanceof DataView) return undefined;
  return (value as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag];
}

/**
 * The dtype a typed array stands for when none is given: Uint8Array means U8 (not BOOL) and Uint16Array means
 * U16 (not F16/BF16); pass the dtype explicitly for those.
 */
export function inferDType(data: unknown, what: string): DType {
  switch (typedArrayClass(data)) {
    case "Float64Array":
      return "F64";
    case "Float32Array":
      return "F32";
    case "BigInt64Array":
      return "I64";
    case "Int32Array":
      return "I32";
    case "Int16Array":
      return "I16";
    case "Int8Array":
      return "I8";
    case "BigUint64Array":
      return "U64";
    case "Uint32Array":
      return "U32";
    case "Uint16Array":
      return "U16";
    case "Uint8Array":
      return "U8";
    default:
      throw new InvalidParameterError(
        `${what} must be a typed array (Float32Array, Int32Array, ...), got ${describe(data)}`,
        { what },
      );
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return typedArrayClass(value) ?? (value as object).constructor?.name ?? "object";
}

/** Product of a shape's dimensions; throws unless every dimension is a non-negative safe integer. */
export function shapeSize(shape: readonly number[], what: string): number {
  if (!Array.isArray(shape)) {
    throw new InvalidParameterError(`${what}.shape must be an array of integers, got ${describe(shape)}`, {
      what,
    });
  }
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new InvalidParameterError(
        `${what}.shape[${i}] must be a non-negative integer, got ${String(d)}; shapes list whole dimension sizes`,
        { what, shape },
      );
    }
    n *= d;
    if (!Number.isSafeInteger(n)) {
      throw new InvalidParameterError(`${what}.shape [${shape.join(", ")}] has more than 2^53 elements`, {
        what,
        shape,
      });
    }
  }
  return n;
}

/**
 * Checks that a tensor given by a caller is consistent: known dtype, the typed array class of that dtype,
 * a valid shape whose product is data.length, and 0/1 bytes for BOOL. Returns the element count.
 */
export function validateTensor(tensor: Tensor, what: string): number {
  if (typeof tensor !== "object" || tensor === null) {
    throw new InvalidParameterError(`${what} must be {dtype, shape, data}, got ${describe(tensor)}`, {
      what,
    });
  }
  const { dtype, shape, data } = tensor;
  if (!isDType(dtype)) {
    throw new InvalidParameterError(
      `${what}.dtype must be one of ${DTYPES.join(", ")}, got ${String(dtype)}`,
      {
        what,
      },
    );
  }
  const expected = DTYPE_INFO[dtype].arrayClass;
  if (typedArrayClass(data) !== expected) {
    throw new InvalidParameterError(
      `${what}.data must be a ${expected} for dtype ${dtype}, got ${describe(data)}; convert it or change the dtype`,
      { what, dtype },
    );
  }
  const n = shapeSize(shape, what);
  if (n !== data.length) {
    throw new ShapeMismatchError(
      `${what}: shape [${shape.join(", ")}] holds ${n} elements but data has ${data.length}; ` +
        `the product of the shape must equal data.length`,
      { what, shape, length: data.length },
    );
  }
  if (dtype === "BOOL") {
    const bytes = data as Uint8Array;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] > 1) {
        throw new InvalidParameterError(
          `${what}: BOOL data must hold 0 or 1, got ${bytes[i]} at index ${i}`,
          {
            what,
          },
        );
      }
    }
  }
  return n;
}

/** True on little-endian hosts (all mainstream ones). */
export const HOST_LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses the byte order of each `size`-byte element of `bytes`, in place. */
export function swapBytesInPlace(bytes: Uint8Array, size: 1 | 2 | 4 | 8): void {
  if (size === 1) return;
  for (let i = 0; i + size <= bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

function allocate(dtype: DType, length: number): TypedArray {
  switch (DTYPE_INFO[dtype].arrayClass) {
    case "Float64Array":
      return new Float64Array(length);
    case "Float32Array":
      return new Float32Array(length);
    case "Uint16Array":
      return new Uint16Array(length);
    case "BigInt64Array":
      return new BigInt64Array(length);
    case "Int32Array":
      return new Int32Array(length);
    case "Int16Array":
      return new Int16Array(length);
    case "Int8Array":
      return new Int8Array(length);
    case "BigUint64Array":
      return new BigUint64Array(length);
    case "Uint32Array":
      return new Uint32Array(length);
    case "Uint8Array":
      return new Uint8Array(length);
  }
}

/**
 * Copies `length` elements stored at `bytes[offset...]` in the given byte order into a fresh, aligned typed
 * array of the dtype's class. The caller has already checked that the bytes exist.
 */
export function typedArrayFromBytes(
  dtype: DType,
  bytes: Uint8Array,
  offset: number,
  length: number,
  littleEndian = true,
): TypedArray {
  const out = allocate(dtype, length);
  const size = DTYPE_INFO[dtype].size;
  const view = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  view.set(bytes.subarray(offset, offset + length * size));
  if (littleEndian !== HOST_LITTLE_ENDIAN) swapBytesInPlace(view, size);
  return out;
}

/** The little-endian bytes of a typed array: a view of it on little-endian hosts, a swapped copy otherwise. */
export function littleEndianBytes(data: TypedArray): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (HOST_LITTLE_ENDIAN) return view;
  const copy = view.slice();
  swapBytesInPlace(copy, (data as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT as 1 | 2 | 4 | 8);
  return copy;
}

/** True when `text` has no unpaired UTF-16 surrogate, i.e. it survives a UTF-8 round trip unchanged. */
export function isWellFormedText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}

/** Sets an own enumerable property (safe for keys such as "__proto__" that plain assignment would misread). */
export function defineEntry<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
