/**
 * Saving and loading a trained `Ann` (src/convert/ann.ts) as a directory of two files (Node only):
 *
 *   model.safetensors  the parameters, float32 (F32), named and shaped as PyTorch's `state_dict` of the same
 *                      nn.Sequential: "<index>.weight" and "<index>.bias", dense weight [out, in], conv2d weight
 *                      [outC, inC, kh, kw], bias [n]; row-major little-endian (the safetensors format,
 *                      src/io/safetensors.ts), metadata {"format": "pt"}
 *   ann.json           { "format": "spikeflow-ann", "version": 1, "architecture": { inputShape, layers },
 *                        "weights": { "file", "bytes", "crc32" }?, "training": { settings, epochs, ... }? }
 *
 * The PyTorch contract. A model saved here loads in PyTorch by its state_dict:
 *
 *   net = torch.nn.Sequential(nn.Flatten(), nn.Linear(784, 500), nn.ReLU(), nn.Linear(500, 10))
 *   net.load_state_dict(safetensors.torch.load_file("model.safetensors"))
 *
 * for an architecture { inputShape: [1, 28, 28], layers: [flatten, dense 500, relu, dense 10] } (conv2d is
 * nn.Conv2d, avgpool2d nn.AvgPool2d, `bias: false` a layer built with bias=False). The reverse: save a
 * PyTorch model with `safetensors.torch.save_file({k: v.float().contiguous() for k, v in
 * net.state_dict().items()}, "model.safetensors")` and write beside it an ann.json holding the format, the
 * version and the architecture that lists the same layers in the same order (every nn.Sequential entry,
 * ReLU and Flatten included, so that the indices in the names agree); `loadAnn(dir)` reads both. Inputs are
 * expected as in training here: pixels / 255, no normalisation layer.
 *
 * Saving writes model.safetensors, then ann.json, each atomically (temporary file, fsync, rename; io/atomic.ts),
 * ann.json recording the weights file's size and CRC-32: a crash between the two leaves the old ann.json
 * beside new weights, which `loadAnn` reports as a mismatch instead of loading. Loading checks every tensor
 * against the architecture (name, dtype F32, shape) and refuses missing and unexpected tensors, naming the
 * tensor and what to do.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  FormatError,
  InvalidParameterError,
  NotFoundError,
  ShapeMismatchError,
  SpikeflowError,
  describeValue,
} from "../core/errors.ts";
import { ensureDirSync, isDirectory, regularFile, writeFileAtomic } from "../io/atomic.ts";
import { crc32Hex } from "../io/crc32.ts";
import type { Tensor } from "../io/dtype.ts";
import { isJsonObject, parseJsonStrict } from "../io/json-strict.ts";
import { decodeSafetensors, encodeSafetensors } from "../io/safetensors.ts";
import { Ann, type AnnArchitecture, type AnnWeightLayer } from "./ann.ts";
import type { AnnTrainingRecord } from "./ann-train.ts";

export const ANN_FORMAT = "spikeflow-ann";
export const ANN_FORMAT_VERSION = 1;
export const ANN_JSON_FILE = "ann.json";
export const ANN_WEIGHTS_FILE = "model.safetensors";

/** The contents of ann.json. */
export interface AnnManifest {
  readonly format: typeof ANN_FORMAT;
  readonly version: number;
  readonly architecture: AnnArchitecture;
  /** The weights file and, when spikeflow wrote it, its size and CRC-32 (hex) for the consistency check. */
  readonly weights?: { readonly file: string; readonly bytes?: number; readonly crc32?: string };
  /** How the network was trained, when it was trained here. */
  readonly training?: AnnTrainingRecord;
}

/** A loaded network with its manifest. */
export interface LoadedAnn {
  readonly ann: Ann;
  readonly manifest: AnnManifest;
}

/** The PyTorch shape of a layer's weight: dense [out, in], conv2d [outC, inC, kh, kw]. */
function weightShape(layer: AnnWeightLayer): number[] {
  return layer.type === "dense"
    ? [layer.outFeatures, layer.inFeatures]
    : [layer.outChannels, layer.geometry.C, layer.geometry.kh, layer.geometry.kw];
}

function describeLayer(layer: AnnWeightLayer): string {
  return layer.type === "dense"
    ? `dense ${layer.inFeatures} -> ${layer.outFeatures}`
    : `conv2d ${layer.geometry.C} -> ${layer.outChannels} channels, kernel ${layer.geometry.kh}x${layer.geometry.kw}`;
}

/** The tensors of a network, by state_dict name, with PyTorch's shapes (views of the live parameters). */
export function annTensors(ann: Ann): Record<string, Tensor> {
  const tensors: Record<string, Tensor> = {};
  for (const layer of ann.weightLayers()) {
    tensors[`${layer.index}.weight`] = { dtype: "F32", shape: weightShape(layer), data: layer.weight };
    if (layer.bias)
      tensors[`${layer.index}.bias`] = { dtype: "F32", shape: [layer.bias.length], data: layer.bias };
  }
  return tensors;
}

/** A network's parameters as the bytes of a safetensors file (pure; works in a browser). */
export function encodeAnnSafetensors(ann: Ann): Uint8Array {
  const tensors = annTensors(ann);
  for (const [name, t] of Object.entries(tensors)) {
    const at = (t.data as Float32Array).findIndex((v) => !Number.isFinite(v));
    if (at >= 0) {
      throw new InvalidParameterError(
        `parameter "${name}"[${at}] is ${t.data[at]}: a network with non-finite weights cannot be loaded again; ` +
          `retrain with a lower learning rate`,
        { name, index: at },
      );
    }
  }
  return encodeSafetensors(tensors, { format: "pt" });
}

/**
 * A network from an architecture and the bytes of a safetensors file (pure). `file` names the file in
 * errors. Every tensor the architecture needs must be there as F32 with PyTorch's shape, and no other.
 */
export function decodeAnnSafetensors(architecture: AnnArchitecture, bytes: Uint8Array, file: string): Ann {
  // resolve the architecture first (its own errors name the layer); the zero parameters are dropped
  const layers = Ann.zeros(architecture).weightLayers();
  const { tensors } = decodeSafetensors(bytes, file);
  const present = Object.keys(tensors);
  const parameters: Record<string, Float32Array> = {};
  const fix = "save the state_dict of a network with exactly this architecture (same layers, same order)";
  for (const layer of layers) {
    const expected: [string, number[]][] = [[`${layer.index}.weight`, weightShape(layer)]];
    if (layer.bias) expected.push([`${layer.index}.bias`, [layer.bias.length]]);
    for (const [name, shape] of expected) {
      const t = Object.hasOwn(tensors, name) ? tensors[name] : undefined;
      const needs = `layer ${layer.index} (${describeLayer(layer)}) needs F32 [${shape.join(", ")}]`;
      if (t === undefined) {
        const hint = name.endsWith(".bias")
          ? "; if the model was built with bias=False, give the layer bias: false in the architecture"
          : "";
        throw new ShapeMismatchError(
          `${file} has no tensor "${name}": ${needs}; it holds ${present.map((k) => `"${k}"`).join(", ") || "no tensors"}` +
            `${hint}; ${fix}`,
          { file, tensor: name },
        );
      }
      if (t.dtype !== "F32") {
        throw new FormatError(
          `${file}: tensor "${name}" is ${t.dtype}, but spikeflow reads F32 (float32); in PyTorch save ` +
            `{k: v.float() for k, v in net.state_dict().items()}`,
          { file, tensor: name, dtype: t.dtype },
        );
      }
      if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) {
        throw new ShapeMismatchError(
          `${file}: tensor "${name}" has shape [${t.shape.join(", ")}], but ${needs}; ${fix}`,
          { file, tensor: name, shape: [...t.shape], expected: shape },
        );
      }
      parameters[name] = t.data as Float32Array;
    }
  }
  for (const name of present) {
    if (!Object.hasOwn(parameters, name)) {
      const hint = /^\d+\.bias$/.test(name)
        ? `; if that layer has a bias, remove bias: false from it in the architecture`
        : "; spikeflow's ANN has dense, conv2d, avgpool2d, relu and flatten layers only";
      throw new ShapeMismatchError(
        `${file}: tensor "${name}" belongs to no parameter of the architecture (it expects ` +
          `${Object.keys(parameters)
            .map((k) => `"${k}"`)
            .join(", ")})${hint}`,
        { file, tensor: name },
      );
    }
  }
  try {
    return Ann.fromParameters(architecture, parameters);
  } catch (e) {
    // non-finite values: name the file too
    if (e instanceof SpikeflowError) {
      throw new FormatError(`${file}: ${e.message}`, { file });
    }
    throw e;
  }
}

export interface SaveAnnOptions {
  /** The training record to keep in ann.json (trainAnn's return value). */
  readonly training?: AnnTrainingRecord;
}

/**
 * Writes `ann` into directory `dir` (created if missing) as model.safetensors and ann.json (see the file
 * comment); returns the manifest written.
 */
export async function saveAnn(dir: string, ann: Ann, options: SaveAnnOptions = {}): Promise<AnnManifest> {
  if (typeof dir !== "string" || dir.trim() === "") {
    throw new InvalidParameterError(
      `saveAnn needs the directory to write, got ${describeValue(dir)}; give a path such as runs/mnist-ann`,
    );
  }
  if (!(ann instanceof Ann)) {
    throw new InvalidParameterError(`saveAnn(dir, ann) takes an Ann, got ${describeValue(ann)}`);
  }
  const bytes = encodeAnnSafetensors(ann);
  const manifest: AnnManifest = {
    format: ANN_FORMAT,
    version: ANN_FORMAT_VERSION,
    architecture: ann.architecture,
    weights: { file: ANN_WEIGHTS_FILE, bytes: bytes.length, crc32: crc32Hex(bytes) },
    ...(options.training ? { training: options.training } : {}),
  };
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  for (const name of [ANN_WEIGHTS_FILE, ANN_JSON_FILE]) {
    if (isDirectory(join(dir, name))) {
      throw new InvalidParameterError(
        `${join(dir, name)} is a directory; the model's file goes there: remove or rename it`,
      );
    }
  }
  ensureDirSync(dir);
  await writeFileAtomic(join(dir, ANN_WEIGHTS_FILE), bytes);
  await writeFileAtomic(join(dir, ANN_JSON_FILE), text);
  return manifest;
}

const MAX_JSON_BYTES = 2 ** 26;
const MAX_WEIGHTS_BYTES = 2 ** 31 - 1;

async function readRegular(path: string, hint: string, maxBytes: number): Promise<Uint8Array> {
  const f = regularFile(path);
  if ("missing" in f) throw new NotFoundError(`${path} does not exist; ${hint}`, { file: path });
  if ("is" in f) throw new FormatError(`${path} is ${f.is}, not a file of a saved ANN`, { file: path });
  if (f.size > maxBytes) {
    throw new FormatError(`${path} is ${f.size} bytes, more than the ${maxBytes} spikeflow reads there`, {
      file: path,
    });
  }
  return readFile(path);
}

/** Parses and checks the text of ann.json; `file` names it in errors. */
export function parseAnnManifest(text: string, file: string): AnnManifest {
  let value: unknown;
  try {
    value = parseJsonStrict(text);
  } catch (e) {
    throw new FormatError(`${file} is not valid JSON (${(e as Error).message})`, { file });
  }
  const example = `{ "format": "${ANN_FORMAT}", "version": ${ANN_FORMAT_VERSION}, "architecture": { "inputShape": [1, 28, 28], "layers": [...] } }`;
  if (!isJsonObject(value)) {
    throw new FormatError(`${file} must hold an object such as ${example}`, { file });
  }
  if (value.format !== ANN_FORMAT) {
    throw new FormatError(
      `${file}: "format" is ${describeValue(value.format)}, expected "${ANN_FORMAT}"; a hand-written file looks like ${example}`,
      { file },
    );
  }
  if (value.version !== ANN_FORMAT_VERSION) {
    throw new FormatError(
      `${file}: format version ${describeValue(value.version)} is not one this spikeflow reads (${ANN_FORMAT_VERSION}); ` +
        `${typeof value.version === "number" && value.version > ANN_FORMAT_VERSION ? "upgrade spikeflow" : `set "version": ${ANN_FORMAT_VERSION}`}`,
      { file },
    );
  }
  if (!isJsonObject(value.architecture)) {
    throw new FormatError(
      `${file}: "architecture" must be an object { inputShape, layers }; e.g. ${example}`,
      {
        file,
      },
    );
  }
  const known = ["format", "version", "architecture", "weights", "training"];
  const unknown = Object.keys(value).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new FormatError(
      `${file}: unknown key ${JSON.stringify(unknown[0])}; the keys are ${known.join(", ")}`,
      {
        file,
      },
    );
  }
  const w = value.weights;
  if (w !== undefined) {
    if (
      !isJsonObject(w) ||
      typeof w.file !== "string" ||
      w.file === "" ||
      /[/\\]/.test(w.file) ||
      (w.bytes !== undefined && !Number.isSafeInteger(w.bytes)) ||
      (w.crc32 !== undefined && (typeof w.crc32 !== "string" || !/^[0-9a-f]{8}$/.test(w.crc32)))
    ) {
      throw new FormatError(
        `${file}: "weights" must be { "file": "${ANN_WEIGHTS_FILE}", "bytes"?: integer, "crc32"?: 8 hex digits } ` +
          `naming a file in the same directory; leave it out to read ${ANN_WEIGHTS_FILE}`,
        { file },
      );
    }
  }
  return value as unknown as AnnManifest;
}

/**
 * Reads the ANN saved in directory `dir` (ann.json and its weights file, by default model.safetensors) and
 * checks them against each other (see the file comment).
 */
export async function loadAnn(dir: string): Promise<LoadedAnn> {
  if (typeof dir !== "string" || dir.trim() === "") {
    throw new InvalidParameterError(
      `loadAnn needs the directory of a saved ANN (ann.json and ${ANN_WEIGHTS_FILE}), got ${describeValue(dir)}`,
    );
  }
  const jsonPath = join(dir, ANN_JSON_FILE);
  const jsonBytes = await readRegular(
    jsonPath,
    `a saved ANN directory holds ${ANN_JSON_FILE} and ${ANN_WEIGHTS_FILE} (saveAnn writes both; for a PyTorch ` +
      `state_dict write ${ANN_JSON_FILE} by hand with the format, version and architecture)`,
    MAX_JSON_BYTES,
  );
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(jsonBytes);
  } catch {
    throw new FormatError(`${jsonPath} is not UTF-8 text`, { file: jsonPath });
  }
  const manifest = parseAnnManifest(text, jsonPath);
  const weightsPath = join(dir, manifest.weights?.file ?? ANN_WEIGHTS_FILE);
  const bytes = await readRegular(
    weightsPath,
    `${ANN_JSON_FILE} names it as the weights; save the model again (or copy the state_dict's safetensors file there)`,
    MAX_WEIGHTS_BYTES,
  );
  const w = manifest.weights;
  if (
    (w?.bytes !== undefined && w.bytes !== bytes.length) ||
    (w?.crc32 !== undefined && w.crc32 !== crc32Hex(bytes))
  ) {
    throw new FormatError(
      `${weightsPath} does not match ${ANN_JSON_FILE} (${bytes.length} bytes, CRC-32 ${crc32Hex(bytes)}; ` +
        `expected ${w?.bytes} bytes, CRC-32 ${w?.crc32}): the two files come from different saves or one is ` +
        `corrupt; save the model again`,
      { file: weightsPath },
    );
  }
  let ann: Ann;
  try {
    ann = decodeAnnSafetensors(manifest.architecture, bytes, weightsPath);
  } catch (e) {
    // an architecture that does not resolve: say which file it came from
    if (e instanceof SpikeflowError && !e.message.includes(weightsPath)) {
      throw new FormatError(`${jsonPath}: ${e.message}`, { file: jsonPath });
    }
    throw e;
  }
  return Object.freeze({ ann, manifest });
}
