/**
 * Saving and loading spikeflow model directories (Node only); the format itself is in model-codec.ts.
 *
 * saveModel creates the directory if needed, then writes weights.safetensors and model.json, each atomically
 * (writeFileAtomic), the manifest last. A crash can therefore leave at worst a new weights file beside the old
 * manifest; the manifest's byte count and CRC-32 catch that on load, so a half-saved model is reported, never
 * loaded. loadModel reads model.json, then every file it lists, and validates them (see model-codec.ts).
 */
import { rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InvalidParameterError, NotFoundError } from "../core/errors.ts";
import { describeValue, requireKnownKeys } from "../core/options.ts";
import { ensureDirSync, isDirectory, writeFileAtomic } from "./atomic.ts";
import { MANIFEST_FILE, WEIGHTS_FILE, decodeModel, encodeModel, parseModelManifest } from "./model-codec.ts";
import type { ModelInput, ModelManifest, SavedModel } from "./model-codec.ts";

export interface LoadModelOptions {
  /** Reject a model of another kind (FormatError naming model.json). */
  readonly expectKind?: string | undefined;
}

async function readOrNotFound(path: string, hint: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      throw new NotFoundError(`${path} does not exist; ${hint}`, { file: path });
    }
    throw e;
  }
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

/** Writes `model` into directory `dir` (created if missing); returns the manifest written. */
export async function saveModel(dir: string, model: ModelInput): Promise<ModelManifest> {
  requireDirName(dir, "saveModel");
  if (typeof model !== "object" || model === null || Array.isArray(model)) {
    throw new InvalidParameterError(
      `saveModel(dir, model) takes the model as { kind, config, tensors, extra? }, got ${describeValue(model)}`,
    );
  }
  const encoded = encodeModel(model);
  for (const name of [...Object.keys(encoded.files), MANIFEST_FILE]) refuseDirectoryAt(join(dir, name));
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
  const manifestPath = join(dir, MANIFEST_FILE);
  const text = await readOrNotFound(
    manifestPath,
    "a model directory holds the model.json and weights that a train command (or saveModel) wrote",
  );
  const manifest = parseModelManifest(text, manifestPath, options);
  const files: Record<string, Uint8Array> = {};
  for (const name of Object.keys(manifest.files)) {
    files[name] = await readOrNotFound(
      join(dir, name),
      `${MANIFEST_FILE} lists it; the model directory is incomplete`,
    );
  }
  return decodeModel(manifest, files, dir);
}
