/**
 * safetensors read and write, on bytes (no file system; works in a browser).
 * Format: huggingface/safetensors README and safetensors/src/tensor.rs (the reference implementation).
 *
 *   bytes 0..8        N, the header length, unsigned 64-bit little-endian
 *   bytes 8..8+N      UTF-8 JSON object: { "__metadata__"?: {string: string},
 *                                          name: {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]} }
 *   bytes 8+N..       the data area: every tensor's elements, row-major, little-endian, at [begin, end)
 *                     relative to the start of the data area; tensors are contiguous and cover it exactly
 *
 * Writing follows the reference writer byte for byte: compact JSON with `__metadata__` first and each entry's
 * keys in the order dtype, shape, data_offsets; the header padded with spaces (0x20) to a multiple of 8 bytes;
 * tensors ordered by descending dtype rank (U64, I64, F64, F32, U32, I32, BF16, F16, U16, I16, I8, U8, BOOL,
 * the reverse of the reference's Dtype enum, which puts wider types first) and then by name in code point
 * order. With the 8-aligned header that places every tensor at an offset that is a multiple of its element
 * size. `__metadata__` is written only when it has entries, its keys sorted by code point (the reference
 * writes them in hash-map order, so no byte-exact target exists there).
 *
 * Reading validates the whole header before it trusts any size: header length against the file size and the
 * reference's 100 MB cap, UTF-8, strict JSON (duplicate keys rejected), known dtypes, non-negative integer
 * shapes, byte counts equal to end - begin, offsets inside the data area, no overlaps, no holes, the data area
 * covered to its last byte, metadata values strings. Only then is memory allocated, and each tensor is copied
 * into its own aligned typed array (the input may sit at any byte offset).
 */
import { FormatError, InvalidParameterError } from "../core/errors.ts";
import {
  DTYPE_INFO,
  DTYPES,
  defineEntry,
  isDType,
  isWellFormedText,
  littleEndianBytes,
  typedArrayClass,
  typedArrayFromBytes,
  validateTensor,
} from "./dtype.ts";
import type { DType, Tensor } from "./dtype.ts";
import { JsonSyntaxError, isJsonObject, parseJsonStrict } from "./json-strict.ts";
import type { JsonValue } from "./json-strict.ts";

/** The reference reader's limit on N (safetensors/src/tensor.rs MAX_HEADER_SIZE). */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

/** Rank in the reference's Dtype enum (FP8 and smaller variants omitted); higher ranks are written first. */
const DTYPE_RANK: Readonly<Record<DType, number>> = Object.freeze({
  BOOL: 0,
  U8: 1,
  I8: 2,
  I16: 5,
  U16: 6,
  F16: 7,
  BF16: 8,
  I32: 9,
  U32: 10,
  F32: 11,
  F64: 12,
  I64: 13,
  U64: 14,
});

const METADATA_KEY = "__metadata__";

export interface SafetensorsFile {
  /** Tensors in data-area order (JavaScript lists integer-like names first whatever the insertion order). */
  readonly tensors: Record<string, Tensor>;
  /** The `__metadata__` map; empty when the file has none. */
  readonly metadata: Record<string, string>;
}

export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Offsets relative to the start of the data area, [begin, end). */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  /** N, the JSON header's byte length (padding included). */
  readonly headerLength: number;
  /** Byte offset of the data area in the file: 8 + N. */
  readonly dataOffset: number;
  readonly metadata: Record<string, string>;
  /** Entries sorted by offset. */
  readonly entries: readonly SafetensorsEntry[];
}

function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** The order in which `encodeSafetensors` writes the given tensors (reference order, see the file comment). */
export function safetensorsWriteOrder(
  tensors: Readonly<Record<string, { readonly dtype: DType }>>,
): string[] {
  return Object.keys(tensors).sort(
    (a, b) => DTYPE_RANK[tensors[b].dtype] - DTYPE_RANK[tensors[a].dtype] || compareCodePoints(a, b),
  );
}

function requireText(what: string, value: unknown): string {
  if (typeof value !== "string" || !isWellFormedText(value)) {
    throw new InvalidParameterError(
      `${what} must be a string without unpaired surrogates (it is stored as UTF-8), got ${typeof value}`,
      { what },
    );
  }
  return value;
}

/**
 * Serialises tensors (and optional string metadata) into a safetensors file, byte-identical to the
 * reference writer for the same tensors and at most one metadata entry.
 */
export function encodeSafetensors(
  tensors: Readonly<Record<string, Tensor>>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  if (typeof tensors !== "object" || tensors === null) {
    throw new InvalidParameterError("encodeSafetensors: tensors must be an object mapping names to tensors");
  }
  for (const name of Object.keys(tensors)) {
    requireText(`tensor name ${JSON.stringify(name)}`, name);
    if (name === METADATA_KEY) {
      throw new InvalidParameterError(`"${METADATA_KEY}" is reserved by safetensors; rename the tensor`);
    }
    validateTensor(tensors[name], `tensor ${JSON.stringify(name)}`);
  }

  if (
    metadata !== undefined &&
    (typeof metadata !== "object" || metadata === null || Array.isArray(metadata))
  ) {
    throw new InvalidParameterError(
      "encodeSafetensors: metadata must be an object mapping strings to strings",
    );
  }
  const parts: string[] = [];
  const metaKeys = metadata === undefined ? [] : Object.keys(metadata).sort(compareCodePoints);
  if (metaKeys.length > 0) {
    const fields = metaKeys.map((k) => {
      requireText(`metadata key ${JSON.stringify(k)}`, k);
      requireText(`metadata[${JSON.stringify(k)}]`, metadata![k]);
      return `${JSON.stringify(k)}:${JSON.stringify(metadata![k])}`;
    });
    parts.push(`"${METADATA_KEY}":{${fields.join(",")}}`);
  }
  const order = safetensorsWriteOrder(tensors);
  let dataLength = 0;
  for (const name of order) {
    const t = tensors[name];
    const begin = dataLength;
    dataLength += t.data.byteLength;
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(",")}],` +
        `"data_offsets":[${begin},${dataLength}]}`,
    );
  }
  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  if (headerLength > SAFETENSORS_MAX_HEADER_BYTES) {
    throw new InvalidParameterError(
      `safetensors header would be ${headerLength} bytes, over the ${SAFETENSORS_MAX_HEADER_BYTES}-byte limit ` +
        `readers enforce; split the tensors over several files`,
    );
  }

  const out = new Uint8Array(8 + headerLength + dataLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const name of order) {
    const bytes = littleEndianBytes(tensors[name].data);
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

function requireBytes(bytes: unknown, fn: string): Uint8Array {
  if (typedArrayClass(bytes) !== "Uint8Array") {
    throw new InvalidParameterError(`${fn}: bytes must be a Uint8Array (or Buffer), got ${typeof bytes}`);
  }
  return bytes as Uint8Array;
}

function isSize(value: JsonValue): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** Parses and validates the header of a safetensors file without copying any tensor data. */
export function readSafetensorsHeader(bytes: Uint8Array, name: string): SafetensorsHeader {
  requireBytes(bytes, "readSafetensorsHeader");
  const bad = (problem: string, details: Record<string, unknown> = {}): FormatError =>
    new FormatError(`${name}: ${problem}`, { file: name, ...details });

  if (bytes.length < 8) {
    throw bad(
      `file is ${bytes.length} bytes, too short for the 8-byte safetensors header length; is it truncated?`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const headerLength = high * 2 ** 32 + low;
  if (high >= 2 ** 21 || headerLength > SAFETENSORS_MAX_HEADER_BYTES) {
    throw bad(
      `header length field says ${high >= 2 ** 21 ? "more than 2^53" : headerLength} bytes, over the ` +
        `${SAFETENSORS_MAX_HEADER_BYTES}-byte limit; this is not a safetensors file or it is corrupt`,
      { headerLength },
    );
  }
  if (8 + headerLength > bytes.length) {
    throw bad(
      `header length field says ${headerLength} bytes but only ${bytes.length - 8} follow it; ` +
        `the file is truncated or not a safetensors file`,
      { headerLength },
    );
  }
  if (headerLength === 0 || bytes[8] !== 0x7b) {
    throw bad(`header does not start with '{'; this is not a safetensors file`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(
      bytes.subarray(8, 8 + headerLength),
    );
  } catch {
    throw bad("header is not valid UTF-8; the file is corrupt");
  }
  let header: JsonValue;
  try {
    header = parseJsonStrict(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw bad(`header is not valid JSON: ${e.message}`);
    throw e;
  }
  if (!isJsonObject(header)) throw bad("header must be a JSON object");

  const dataOffset = 8 + headerLength;
  const dataLength = bytes.length - dataOffset;
  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const key of Object.keys(header)) {
    const value = header[key];
    if (key === METADATA_KEY) {
      if (value === null) continue;
      if (!isJsonObject(value)) throw bad(`"${METADATA_KEY}" must be an object of strings`);
      for (const mk of Object.keys(value)) {
        const mv = value[mk];
        if (typeof mv !== "string") {
          throw bad(
            `"${METADATA_KEY}" value for ${JSON.stringify(mk)} is a ${typeof mv}; safetensors allows strings only`,
          );
        }
        defineEntry(metadata, mk, mv);
      }
      continue;
    }
    entries.push(readEntry(key, value, dataLength, bad));
  }

  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of entries) {
    if (e.begin < cursor) {
      throw bad(`tensor ${JSON.stringify(e.name)} at [${e.begin}, ${e.end}) overlaps the tensor before it`);
    }
    if (e.begin > cursor) {
      throw bad(
        `bytes [${cursor}, ${e.begin}) of the data area belong to no tensor (a hole before ` +
          `${JSON.stringify(e.name)}); safetensors requires contiguous tensors`,
      );
    }
    cursor = e.end;
  }
  if (cursor !== dataLength) {
    throw bad(
      `tensors cover ${cursor} bytes but the data area has ${dataLength}; the file has trailing bytes or ` +
        `its header is wrong`,
      { covered: cursor, dataLength },
    );
  }
  return { headerLength, dataOffset, metadata, entries };
}

function readEntry(
  key: string,
  value: JsonValue,
  dataLength: number,
  bad: (problem: string, details?: Record<string, unknown>) => FormatError,
): SafetensorsEntry {
  const label = `tensor ${JSON.stringify(key)}`;
  if (!isJsonObject(value)) throw bad(`${label} must be an object {dtype, shape, data_offsets}`);
  for (const field of Object.keys(value)) {
    if (field !== "dtype" && field !== "shape" && field !== "data_offsets") {
      throw bad(`${label} has an unknown field ${JSON.stringify(field)}`);
    }
  }
  const { dtype, shape, data_offsets: offsets } = value;
  if (!isDType(dtype)) {
    throw bad(
      `${label} has dtype ${JSON.stringify(dtype ?? null)}, which spikeflow does not read (known: ${DTYPES.join(", ")})`,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isSize)) {
    throw bad(
      `${label} shape must be an array of non-negative integers, got ${JSON.stringify(shape ?? null)}`,
    );
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isSize) || offsets[0] > offsets[1]) {
    throw bad(
      `${label} data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets ?? null)}`,
    );
  }
  const [begin, end] = offsets as number[];
  if (end > dataLength) {
    throw bad(
      `${label} data_offsets [${begin}, ${end}] run past the ${dataLength}-byte data area; truncated file?`,
    );
  }
  // Element count, stopped as soon as it exceeds what the data area could hold (so no overflow, no allocation).
  const size = DTYPE_INFO[dtype].size;
  let count = shape.includes(0) ? 0 : 1;
  for (const d of shape as number[]) {
    if (count === 0) break;
    count *= d;
    if (count * size > dataLength) {
      throw bad(
        `${label} shape [${shape.join(", ")}] needs more bytes than the whole ${dataLength}-byte data area`,
        { shape },
      );
    }
  }
  if (count * size !== end - begin) {
    throw bad(
      `${label} shape [${shape.join(", ")}] of ${dtype} needs ${count * size} bytes but data_offsets span ` +
        `${end - begin}`,
    );
  }
  return { name: key, dtype, shape: shape as number[], begin, end };
}

/** Parses a safetensors file fully validated (see the file comment); every tensor is a fresh copy. */
export function decodeSafetensors(bytes: Uint8Array, name: string): SafetensorsFile {
  const header = readSafetensorsHeader(bytes, name);
  const tensors: Record<string, Tensor> = {};
  for (const e of header.entries) {
    const count = (e.end - e.begin) / DTYPE_INFO[e.dtype].size;
    const data = typedArrayFromBytes(e.dtype, bytes, header.dataOffset + e.begin, count);
    if (e.dtype === "BOOL") {
      const at = (data as Uint8Array).findIndex((b) => b > 1);
      if (at >= 0) {
        throw new FormatError(
          `${name}: BOOL tensor ${JSON.stringify(e.name)} holds byte ${data[at]} at index ${at}`,
          {
            file: name,
          },
        );
      }
    }
    defineEntry(tensors, e.name, { dtype: e.dtype, shape: [...e.shape], data } as Tensor);
  }
  return { tensors, metadata: header.metadata };
}
