/**
 * File formats for weights and models. Everything here except atomic.ts and model-file.ts is pure (bytes in,
 * bytes out) and runs in a browser; import those modules directly there to avoid pulling in node:fs.
 * See docs/formats.md.
 */
// a script of a checkout that imports the compiled package is told when src/ changed after the build
import "../core/stale-build-entry.ts";

export type { DType, DTypeArrayMap, Tensor, TypedArray } from "./dtype.ts";
export { DTYPES, DTYPE_INFO, inferDType, isDType, shapeSize, validateTensor } from "./dtype.ts";
export { crc32, crc32Hex } from "./crc32.ts";
export type { SafetensorsEntry, SafetensorsFile, SafetensorsHeader } from "./safetensors.ts";
export {
  SAFETENSORS_MAX_HEADER_BYTES,
  decodeSafetensors,
  encodeSafetensors,
  readSafetensorsHeader,
  safetensorsWriteOrder,
} from "./safetensors.ts";
export { NPY_MAX_HEADER_BYTES, decodeNpy, encodeNpy } from "./npy.ts";
export type { NpzCompression, NpzReadOptions, NpzWriteOptions } from "./npz.ts";
export { decodeNpz, encodeNpz } from "./npz.ts";
export type {
  EncodedModel,
  JsonObject,
  ManifestFile,
  ManifestTensor,
  ModelInput,
  ModelManifest,
  ModelTensorInput,
  SavedModel,
} from "./model-codec.ts";
export {
  MANIFEST_FILE,
  MODEL_FORMAT,
  MODEL_VERSION,
  WEIGHTS_FILE,
  decodeModel,
  encodeModel,
  parseModelManifest,
} from "./model-codec.ts";
export { writeFileAtomic, writeFileAtomicSync, writeJsonAtomic, writeJsonAtomicSync } from "./atomic.ts";
export type { LoadModelOptions } from "./model-file.ts";
export { loadModel, saveModel } from "./model-file.ts";
export { restoreNetwork, saveNetwork } from "./network-file.ts";
export type { AnnManifest, LoadedAnn, SaveAnnOptions } from "../convert/ann-io.ts";
export {
  ANN_FORMAT,
  ANN_FORMAT_VERSION,
  ANN_JSON_FILE,
  ANN_WEIGHTS_FILE,
  annTensors,
  decodeAnnSafetensors,
  encodeAnnSafetensors,
  loadAnn,
  parseAnnManifest,
  saveAnn,
} from "../convert/ann-io.ts";
