/**
 * Saving and loading spikeflow model directories (Node only); the format itself is in model-codec.ts.
 *
 * saveModel creates the directory if needed, then writes weights.safetensors and model.json, each atomically
 * (writeFileAtomic), the manifest last. A crash can therefore leave at worst a new weights file beside the old
 * manifest; the manifest's byte count and CRC-32 catch that on load, so a half-saved model is reported, never
 * loaded. loadModel reads model.json, then every file it lists, and validates them (see model-codec.ts).
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { FormatError, InvalidParameterError, NotFoundError } from "../core/errors.ts";
import { describeValue, requireKnownKeys } from "../core/options.ts";
import { ensureDirSync, isDirectory, regularFile, writeFileAtomic } from "./atomic.ts";
import { MANIFEST_FILE, WEIGHTS_FILE, decodeModel, encodeModel, parseModelManifest } from "./model-codec.ts";
import type { ModelInput, ModelManifest, SavedModel } from "./model-codec.ts";

export interface LoadModelOptions {
  /** Reject a model of another kind (FormatError naming model.json). */
  readonly expectKind?: string | undefined;
}

/** The largest model.json read (a manifest lists tensors and a config; far below this in practice). */
const MAX_MANIFEST_BYTES = 2 ** 28;
/** The largest file Node reads into one buffer (fs.readFile refuses more). */
const MAX_READ_BYTES = 2 ** 31 - 1;

/**
 * Reads a file of a model directory, refusing up front what cannot be one: a missing path (NotFoundError,
 * with `hint`), a directory, a FIFO or device (reading one could block forever), a file larger than `maxBytes`
 * or, when `expectedBytes` is given (the manifest's count), of another size, so a replaced or damaged 3 GB file
 * is reported from its size instead of being read first.
 */
async function readModelFile(
  path: string,
  hint: string,
  limits: { maxBytes: number; expectedBytes?: number; what: string },
): Promise<Uint8Array> {
  const f = regularFile(path);
  if ("missing" in f) throw new NotFoundError(`${path} does not exist; ${hint}`, { file: path });
  if ("is" in f) {
    throw new FormatError(`${path} is ${f.is}, not ${limits.what}; remove it and save the model again`, {
      file: path,
    });
  }
  const { size } = f;
  if (limits.expectedBytes !== undefined && size !== limits.expectedBytes) {
    throw new FormatError(
      `${path}: does not match ${MANIFEST_FILE} (${size} bytes; expected ${limits.expectedBytes} bytes): ` +
        "the two files come from different saves or one is corrupt",
      { file: path },
    );
  }
  if (size > limits.maxBytes) {
    throw new FormatError(
      `${path} is ${size} bytes, more than the ${limits.maxBytes} bytes spikeflow reads as ${limits.what}; ` +
        "it is not a file that saveModel wrote",
      { file: path },
    );
  }
  return readFile(path);
}

/**
 * Refuses an empty or blank directory name (it would mean the current directory) and anything but a string;
 * `what` names the caller (saveModel, loadModel, saveNetwork, ...).
 */
export function requireDirName(dir: unknown, what: string): void {
  if (typeof dir !== "string" || dir.trim() === "") {
    const got = typeof dir === "string" ? JSON.stringify(dir) : describeValue(dir);
    throw new InvalidParameterError(
      `${what} needs the model directory, got ${got}; give a path such as runs/my-model ` +
        `(use "." for the current directory)`,
    );
  }
}

/** Refuses a directory where a file of the model belongs (renaming over it would fail half-way). */
function refuseDirectoryAt(path: string): void {
  if (isDirectory(path)) {
    throw new InvalidParameterError(
      `${path} is a directory; the model's file goes there: remove or rename it`,
    );
  }
}

/**
 * Refuses to save a model of kind `kind` over another model: a model.json in `dir` of another kind (an LC-SNN
 * run's model under a saveNetwork, say), or one that is no spikeflow manifest. Saving over a model of the same
 * kind replaces it (a newer save of the same thing); other files in `dir` are left alone.
 */
function refuseOtherModel(dir: string, kind: string): void {
  const path = join(dir, MANIFEST_FILE);
  const f = regularFile(path);
  if ("missing" in f) return;
  const fix = "choose another directory, or delete it first if it may go";
  if ("is" in f || f.size > MAX_MANIFEST_BYTES) {
    throw new InvalidParameterError(`${path} exists and is not a model manifest; ${fix}`, { file: path });
  }
  let existing: unknown;
  try {
    existing = (JSON.parse(readFileSync(path, "utf8")) as { kind?: unknown }).kind;
  } catch {
    existing = undefined;
  }
  if (existing === kind) return;
  throw new InvalidParameterError(
    typeof existing === "string"
      ? `${dir} holds a model of kind "${existing}" (${MANIFEST_FILE}); saving a "${kind}" model there would ` +
          `replace it: ${fix}`
      : `${path} exists and is not a spikeflow model manifest; saving a "${kind}" model would replace it: ${fix}`,
    { file: path },
  );
}

/**
 * Writes `model` into directory `dir` (created if missing); returns the manifest written. Tensors are stored
 * bit for bit, NaN and ±Infinity included: the model format is a container, and refusing non-finite values is
 * left to each kind's saver (saveNetwork refuses them because restoreNetwork would; docs/formats.md).
 */
export async function saveModel(dir: string, model: ModelInput): Promise<ModelManifest> {
  requireDirName(dir, "saveModel");
  if (typeof model !== "object" || model === null || Array.isArray(model)) {
    throw new InvalidParameterError(
      `saveModel(dir, model) takes the model as { kind, config, tensors, extra? }, got ${describeValue(model)}`,
    );
  }
  const encoded = encodeModel(model);
  for (const name of [...Object.keys(encoded.files), MANIFEST_FILE]) refuseDirectoryAt(join(dir, name));
  refuseOtherModel(dir, encoded.manifest.kind);
  ensureDirSync(dir);
  for (const [name, bytes] of Object.entries(encoded.files)) {
    await writeFileAtomic(join(dir, name), bytes);
  }
  await writeFileAtomic(join(dir, MANIFEST_FILE), encoded.manifestText);
  // a model without tensors saved over one with them: the old weights file is listed nowhere now
  if (!Object.hasOwn(encoded.files, WEIGHTS_FILE)) rmSync(join(dir, WEIGHTS_FILE), { force: true });
  return encoded.manifest;
}

/** Reads and validates the model in directory `dir`. */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<SavedModel> {
  requireDirName(dir, "loadModel");
  requireKnownKeys("loadModel options", options, ["expectKind"]);
  if (existsSync(dir) && !isDirectory(dir)) {
    throw new InvalidParameterError(
      `loadModel: ${dir} is a file, not a model directory; give the directory that holds ${MANIFEST_FILE}`,
      { file: dir },
    );
  }
  const manifestPath = join(dir, MANIFEST_FILE);
  const text = await readModelFile(
    manifestPath,
    "a model directory holds the model.json and weights that a train command (or saveModel) wrote",
    { maxBytes: MAX_MANIFEST_BYTES, what: "a model manifest" },
  );
  const manifest = parseModelManifest(text, manifestPath, options);
  const files: Record<string, Uint8Array> = {};
  for (const [name, entry] of Object.entries(manifest.files)) {
    files[name] = await readModelFile(
      join(dir, name),
      `${MANIFEST_FILE} lists it; the model directory is incomplete`,
      {
        maxBytes: MAX_READ_BYTES,
        expectedBytes: entry.bytes,
        what: "a model's weights file",
      },
    );
  }
  return decodeModel(manifest, files, dir);
}
