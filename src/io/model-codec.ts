/**
 * The spikeflow model format, version 1: pure encode and decode (no file system; model-file.ts does the I/O).
 *
 * A model is a directory with two files:
 *   model.json           the manifest (pretty-printed JSON, keys in this order):
 *     { "format": "spikeflow-model", "version": 1, "kind": "<model kind>",
 *       "config":  { every hyper-parameter, JSON },
 *       "tensors": { "<name>": { "file": "weights.safetensors", "key": "<name>", "dtype": "F32", "shape": [..] } },
 *       "files":   { "weights.safetensors": { "bytes": <length>, "crc32": "<8 hex digits>" } },
 *       "extra":   { learned non-tensor state, JSON } }
 *   weights.safetensors  every tensor, under its own name, with __metadata__
 *                        {"spikeflow.format": "spikeflow-model/1", "spikeflow.kind": kind} for Python readers.
 *
 * The manifest records each file's length and CRC-32, so a weights file from another save (a crash between the
 * two atomic writes, a hand-copied file) or a corrupt one is reported instead of loaded. Decoding checks
 * format, version and kind, that every listed tensor exists in its file with the recorded dtype and shape, and
 * that the file holds no unlisted tensor. Tensor contents round-trip bit for bit (NaN payloads included).
 * Limitation: config and extra go through JSON, so -0 comes back as 0; NaN, Infinity, undefined, functions,
 * class instances and typed arrays are rejected on save (put arrays in `tensors`).
 */
import { FormatError, InvalidParameterError } from "../core/errors.ts";
import { describeValue, requireKnownKeys } from "../core/options.ts";
import { crc32Hex } from "./crc32.ts";
import { DTYPES, defineEntry, inferDType, isDType, isWellFormedText, validateTensor } from "./dtype.ts";
import type { DType, Tensor, TypedArray } from "./dtype.ts";
import { JsonSyntaxError, isJsonObject, parseJsonStrict } from "./json-strict.ts";
import type { JsonValue } from "./json-strict.ts";
import { decodeSafetensors, encodeSafetensors } from "./safetensors.ts";

export const MODEL_FORMAT = "spikeflow-model";
export const MODEL_VERSION = 1;
export const MANIFEST_FILE = "model.json";
export const WEIGHTS_FILE = "weights.safetensors";

export type JsonObject = { [key: string]: JsonValue };

/** A tensor handed to saveModel/encodeModel; dtype defaults to the one its typed array implies. */
export interface ModelTensorInput {
  readonly data: TypedArray;
  readonly shape: readonly number[];
  /** Needed only for BOOL, F16 and BF16, which share Uint8Array/Uint16Array with U8/U16. */
  readonly dtype?: DType;
}

export interface ModelInput {
  /** What the model is, e.g. "lcsnn" or "lif-rnn"; loaders check it. Non-empty. */
  readonly kind: string;
  /** Every hyper-parameter needed to rebuild the model (JSON-able). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Every learned or fixed array. */
  readonly tensors: Readonly<Record<string, ModelTensorInput>>;
  /** Learned state that is not a tensor (JSON-able), e.g. neuron label assignments as a list. Default {}. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface SavedModel {
  readonly kind: string;
  readonly config: JsonObject;
  readonly tensors: Record<string, Tensor>;
  readonly extra: JsonObject;
}

export interface ManifestTensor {
  readonly file: string;
  readonly key: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
}

export interface ManifestFile {
  readonly bytes: number;
  readonly crc32: string;
}

export interface ModelManifest {
  readonly format: typeof MODEL_FORMAT;
  readonly version: typeof MODEL_VERSION;
  readonly kind: string;
  readonly config: JsonObject;
  readonly tensors: Readonly<Record<string, ManifestTensor>>;
  readonly files: Readonly<Record<string, ManifestFile>>;
  readonly extra: JsonObject;
}

export interface EncodedModel {
  readonly manifest: ModelManifest;
  /** model.json's text. */
  readonly manifestText: string;
  /** File name (relative to the model directory) to bytes; currently only weights.safetensors. */
  readonly files: Readonly<Record<string, Uint8Array>>;
}

const MAX_JSON_DEPTH = 64;

/** Throws InvalidParameterError naming the path of the first value JSON cannot store faithfully. */
function requireJsonable(value: unknown, path: string, ancestors: unknown[] = []): void {
  const fail = (why: string): never => {
    throw new InvalidParameterError(`${path} ${why}`, { path });
  };
  switch (typeof value) {
    case "boolean":
      return;
    case "string":
      if (!isWellFormedText(value)) fail("is a string with an unpaired surrogate, which UTF-8 cannot store");
      return;
    case "number":
      if (!Number.isFinite(value))
        fail(`is ${value}; JSON cannot store NaN or Infinity (use null or a string)`);
      return;
    case "object":
      break;
    default:
      fail(
        `is ${typeof value}; only JSON values (null, booleans, numbers, strings, arrays, objects) can be saved`,
      );
  }
  if (value === null) return;
  if (ancestors.includes(value)) fail("refers back to itself (a cycle); JSON cannot store it");
  if (ancestors.length >= MAX_JSON_DEPTH) fail(`is nested deeper than ${MAX_JSON_DEPTH} levels`);
  const inner = [...ancestors, value];
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) fail(`has a hole at index ${i}`);
      requireJsonable(value[i], `${path}[${i}]`, inner);
    }
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    const what = ArrayBuffer.isView(value)
      ? "a typed array (put it in tensors)"
      : `a ${proto?.constructor?.name}`;
    fail(`is ${what}; only plain objects can be saved as JSON`);
  }
  for (const key of Object.keys(value as object)) {
    if (!isWellFormedText(key)) fail(`has a key with an unpaired surrogate`);
    requireJsonable((value as Record<string, unknown>)[key], `${path}.${key}`, inner);
  }
}

/** Builds the manifest and the weights file for a model (see the file comment). */
export function encodeModel(model: ModelInput): EncodedModel {
  if (typeof model !== "object" || model === null) {
    throw new InvalidParameterError("encodeModel: model must be { kind, config, tensors, extra? }");
  }
  const unknown = Object.keys(model).filter((k) => !["kind", "config", "tensors", "extra"].includes(k));
  if (unknown.length > 0) {
    throw new InvalidParameterError(
      `model has unknown field${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => JSON.stringify(k)).join(", ")}; ` +
        "a model is { kind, config, tensors, extra? }: put other data in config or extra",
    );
  }
  const { kind, config, tensors } = model;
  const extra = model.extra ?? {};
  if (typeof kind !== "string" || kind.length === 0 || !isWellFormedText(kind)) {
    throw new InvalidParameterError(
      `model kind must be a non-empty string, got ${JSON.stringify(kind ?? null)}`,
    );
  }
  for (const [label, value] of [
    ["config", config],
    ["extra", extra],
  ] as const) {
    if (!isJsonObject(value)) throw new InvalidParameterError(`model ${label} must be a plain object`);
    requireJsonable(value, label);
  }
  if (typeof tensors !== "object" || tensors === null) {
    throw new InvalidParameterError("model tensors must be an object mapping names to {data, shape}");
  }

  const resolved: Record<string, Tensor> = {};
  const entries: Record<string, ManifestTensor> = {};
  for (const name of Object.keys(tensors)) {
    const what = `model tensor ${JSON.stringify(name)}`;
    if (name === "" || !isWellFormedText(name)) {
      throw new InvalidParameterError(`${what}: a tensor name must be a non-empty, well-formed string`);
    }
    const input = tensors[name];
    if (typeof input !== "object" || input === null)
      throw new InvalidParameterError(`${what} must be {data, shape}`);
    const dtype = input.dtype ?? inferDType(input.data, `${what}.data`);
    const tensor = { dtype, shape: input.shape, data: input.data } as Tensor;
    validateTensor(tensor, what);
    defineEntry(resolved, name, tensor);
    defineEntry(entries, name, { file: WEIGHTS_FILE, key: name, dtype, shape: [...input.shape] });
  }
  // a model without tensors (a network with no weights) has no weights file: the loader refuses a listed
  // file that holds no tensor
  const empty = Object.keys(resolved).length === 0;
  const weights = empty
    ? undefined
    : encodeSafetensors(resolved, {
        "spikeflow.format": `${MODEL_FORMAT}/${MODEL_VERSION}`,
        "spikeflow.kind": kind,
      });
  const manifest: ModelManifest = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    kind,
    config: config as JsonObject,
    tensors: entries,
    files: weights ? { [WEIGHTS_FILE]: { bytes: weights.length, crc32: crc32Hex(weights) } } : {},
    extra: extra as JsonObject,
  };
  return {
    manifest,
    manifestText: `${JSON.stringify(manifest, null, 2)}\n`,
    files: weights ? { [WEIGHTS_FILE]: weights } : {},
  };
}

function isSafeFileName(name: string): boolean {
  return (
    name.length > 0 && name !== "." && name !== ".." && !/[/\\\0]/.test(name) && name.endsWith(".safetensors")
  );
}

/**
 * Parses and validates model.json. `fileName` names the manifest in error messages. With `expectKind`,
 * a manifest of another kind is rejected.
 */
export function parseModelManifest(
  text: string | Uint8Array,
  fileName: string,
  options: { readonly expectKind?: string | undefined } = {},
): ModelManifest {
  if (typeof text !== "string" && !(text instanceof Uint8Array)) {
    throw new InvalidParameterError(
      `parseModelManifest takes model.json's text (a string or its bytes as a Uint8Array), got ` +
        `${describeValue(text)}`,
    );
  }
  requireKnownKeys("model loading options", options, ["expectKind"]);
  const bad = (problem: string): FormatError =>
    new FormatError(`${fileName}: ${problem}`, { file: fileName });
  let source: string;
  if (typeof text === "string") {
    source = text;
  } else {
    try {
      source = new TextDecoder("utf-8", { fatal: true }).decode(text);
    } catch {
      throw bad("is not valid UTF-8");
    }
  }
  let doc: JsonValue;
  try {
    doc = parseJsonStrict(source, MAX_JSON_DEPTH + 4);
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw bad(`is not valid JSON: ${e.message}`);
    throw e;
  }
  if (!isJsonObject(doc)) throw bad("must be a JSON object");
  if (doc.format !== MODEL_FORMAT) {
    throw bad(
      `is not a spikeflow model manifest (format is ${JSON.stringify(doc.format ?? null)}, expected "${MODEL_FORMAT}")`,
    );
  }
  const version = doc.version;
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1) {
    throw bad(`version must be a positive integer, got ${JSON.stringify(version ?? null)}`);
  }
  if (version !== MODEL_VERSION) {
    throw bad(
      `was written as format version ${version}; this spikeflow reads version ${MODEL_VERSION}; upgrade spikeflow`,
    );
  }
  const allowed = ["format", "version", "kind", "config", "tensors", "files", "extra"];
  for (const key of Object.keys(doc)) {
    if (!allowed.includes(key))
      throw bad(`has an unknown field ${JSON.stringify(key)} for version ${MODEL_VERSION}`);
  }
  const { kind, config, tensors, files, extra } = doc;
  if (typeof kind !== "string" || kind.length === 0) throw bad("kind must be a non-empty string");
  if (options.expectKind !== undefined && kind !== options.expectKind) {
    throw bad(
      `holds a "${kind}" model but a "${options.expectKind}" model was expected; load it with the matching model`,
    );
  }
  if (!isJsonObject(config)) throw bad("config must be an object");
  if (!isJsonObject(extra)) throw bad("extra must be an object");
  if (!isJsonObject(files)) throw bad("files must be an object");
  if (!isJsonObject(tensors)) throw bad("tensors must be an object");

  const fileEntries: Record<string, ManifestFile> = {};
  for (const f of Object.keys(files)) {
    const entry = files[f];
    if (!isSafeFileName(f))
      throw bad(`files lists ${JSON.stringify(f)}, which is not a plain *.safetensors file name`);
    if (
      !isJsonObject(entry) ||
      Object.keys(entry).sort().join(",") !== "bytes,crc32" ||
      typeof entry.bytes !== "number" ||
      !Number.isSafeInteger(entry.bytes) ||
      entry.bytes < 0 ||
      typeof entry.crc32 !== "string" ||
      !/^[0-9a-f]{8}$/.test(entry.crc32)
    ) {
      throw bad(
        `files[${JSON.stringify(f)}] must be { "bytes": <integer>, "crc32": "<8 lower-case hex digits>" }`,
      );
    }
    defineEntry(fileEntries, f, { bytes: entry.bytes, crc32: entry.crc32 });
  }
  const tensorEntries: Record<string, ManifestTensor> = {};
  const used = new Set<string>();
  for (const name of Object.keys(tensors)) {
    const t = tensors[name];
    const label = `tensors[${JSON.stringify(name)}]`;
    if (!isJsonObject(t) || Object.keys(t).sort().join(",") !== "dtype,file,key,shape") {
      throw bad(`${label} must be { "file", "key", "dtype", "shape" }`);
    }
    const { file, key, dtype, shape } = t;
    if (typeof file !== "string" || !Object.hasOwn(fileEntries, file)) {
      throw bad(`${label}.file ${JSON.stringify(file)} is not listed in "files"`);
    }
    if (typeof key !== "string") throw bad(`${label}.key must be a string`);
    if (!isDType(dtype))
      throw bad(`${label}.dtype must be one of ${DTYPES.join(", ")}, got ${JSON.stringify(dtype)}`);
    if (
      !Array.isArray(shape) ||
      !shape.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0)
    ) {
      throw bad(`${label}.shape must be an array of non-negative integers`);
    }
    used.add(file);
    defineEntry(tensorEntries, name, { file, key, dtype, shape: shape as number[] });
  }
  for (const f of Object.keys(fileEntries)) {
    if (!used.has(f)) throw bad(`files lists ${JSON.stringify(f)} but no tensor lives in it`);
  }
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    kind,
    config,
    tensors: tensorEntries,
    files: fileEntries,
    extra,
  };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);

/** Throws InvalidParameterError naming the argument of `decodeModel` that is missing or of the wrong kind. */
function requireDecodeArguments(manifest: unknown, files: unknown, location: unknown): void {
  const usage =
    "decodeModel takes (manifest, files, location?): the manifest parseModelManifest returns and an object " +
    "mapping each file it lists to its bytes";
  if (isPlainObject(manifest) && isPlainObject(manifest.manifest) && files === undefined) {
    throw new InvalidParameterError(
      `${usage}; it got the whole result of encodeModel: pass decodeModel(encoded.manifest, encoded.files)`,
    );
  }
  if (!isPlainObject(manifest) || !isPlainObject(manifest.files) || !isPlainObject(manifest.tensors)) {
    throw new InvalidParameterError(`${usage}; the manifest is ${describeValue(manifest)}`);
  }
  if (!isPlainObject(files)) {
    throw new InvalidParameterError(
      `${usage} (e.g. { "${WEIGHTS_FILE}": bytes }); files is ${describeValue(files)}`,
    );
  }
  for (const name of Object.keys(files)) {
    if (!(files[name] instanceof Uint8Array)) {
      throw new InvalidParameterError(
        `${usage}; files["${name}"] is ${describeValue(files[name])}, expected a Uint8Array of the file's bytes`,
      );
    }
  }
  if (typeof location !== "string") {
    throw new InvalidParameterError(
      `${usage}; location names the model's directory in error messages and must be a string, got ` +
        `${describeValue(location)}`,
    );
  }
}

/**
 * Rebuilds a model from its validated manifest and the bytes of the files it lists. `location` prefixes file
 * names in error messages (e.g. the model directory).
 */
export function decodeModel(
  manifest: ModelManifest,
  files: Readonly<Record<string, Uint8Array>>,
  location = ".",
): SavedModel {
  requireDecodeArguments(manifest, files, location);
  const path = (f: string): string => (location === "" ? f : `${location.replace(/[/\\]+$/, "")}/${f}`);
  const decoded = new Map<string, Record<string, Tensor>>();
  for (const f of Object.keys(manifest.files)) {
    const bytes = Object.hasOwn(files, f) ? files[f] : undefined;
    const expected = manifest.files[f];
    const bad = (problem: string): FormatError =>
      new FormatError(`${path(f)}: ${problem}`, { file: path(f) });
    if (bytes === undefined) throw bad(`is missing (${MANIFEST_FILE} lists it)`);
    if (bytes.length !== expected.bytes || crc32Hex(bytes) !== expected.crc32) {
      throw bad(
        `does not match ${MANIFEST_FILE} (${bytes.length} bytes, CRC-32 ${crc32Hex(bytes)}; expected ` +
          `${expected.bytes} bytes, ${expected.crc32}): the two files come from different saves or one is corrupt`,
      );
    }
    decoded.set(f, decodeSafetensors(bytes, path(f)).tensors);
  }

  const tensors: Record<string, Tensor> = {};
  const claimed = new Map<string, Set<string>>();
  for (const name of Object.keys(manifest.tensors)) {
    const entry = manifest.tensors[name];
    const inFile = decoded.get(entry.file)!;
    const bad = (problem: string): FormatError =>
      new FormatError(`${path(entry.file)}: ${problem}`, { file: path(entry.file), tensor: name });
    const t = Object.hasOwn(inFile, entry.key) ? inFile[entry.key] : undefined;
    if (t === undefined) throw bad(`has no tensor ${JSON.stringify(entry.key)} (${MANIFEST_FILE} lists it)`);
    if (t.dtype !== entry.dtype) {
      throw bad(
        `tensor ${JSON.stringify(entry.key)} is ${t.dtype} but ${MANIFEST_FILE} records ${entry.dtype}`,
      );
    }
    if (t.shape.length !== entry.shape.length || t.shape.some((d, k) => d !== entry.shape[k])) {
      throw bad(
        `tensor ${JSON.stringify(entry.key)} has shape [${t.shape.join(", ")}] but ${MANIFEST_FILE} records ` +
          `[${entry.shape.join(", ")}]`,
      );
    }
    if (!claimed.has(entry.file)) claimed.set(entry.file, new Set());
    const keys = claimed.get(entry.file)!;
    if (keys.has(entry.key))
      throw bad(`tensor ${JSON.stringify(entry.key)} is listed twice in ${MANIFEST_FILE}`);
    keys.add(entry.key);
    defineEntry(tensors, name, t);
  }
  for (const [f, inFile] of decoded) {
    for (const key of Object.keys(inFile)) {
      if (!claimed.get(f)?.has(key)) {
        throw new FormatError(
          `${path(f)}: holds tensor ${JSON.stringify(key)}, which ${MANIFEST_FILE} does not list`,
          {
            file: path(f),
          },
        );
      }
    }
  }
  return { kind: manifest.kind, config: manifest.config, tensors, extra: manifest.extra };
}
