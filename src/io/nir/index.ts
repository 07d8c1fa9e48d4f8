/**
 * NIR (Neuromorphic Intermediate Representation) read, write, import and export. docs/nir.md.
 * Browser-safe modules: graph, read, write, codec, hdf5, flatten, shapes, ops, import, export.
 * Node only: file.ts, guarded.ts (and its worker); import those directly only in Node.
 */
export type {
  NirAffine,
  NirConv2d,
  NirCubaLIF,
  NirDelay,
  NirDocument,
  NirFlatten,
  NirGraph,
  NirI,
  NirIF,
  NirInput,
  NirLI,
  NirLIF,
  NirLinear,
  NirMetaValue,
  NirMetadata,
  NirNode,
  NirNodeType,
  NirOutput,
  NirPadding,
  NirPool2d,
  NirScale,
  NirTensor,
  NirThreshold,
} from "./graph.ts";
export { NIR_NEURON_TYPES, NIR_NODE_TYPES, NIR_WRITE_VERSION, filledTensor, nirTensor } from "./graph.ts";
export type { NirReadOptions } from "./read.ts";
export { NIR_MAX_DEPTH, parseNirTree } from "./read.ts";
export { nirToTree } from "./write.ts";
export type { DecodeNirOptions } from "./codec.ts";
export { decodeNir, decodeNirSync, encodeNir } from "./codec.ts";
export type { Hdf5ReadLimits } from "./hdf5.ts";
export { DEFLATE_MAX_RATIO, checkSuperblock, hdf5HeapBytes, loadHdf5 } from "./hdf5.ts";
export type {
  IntegratorMode,
  NirExportHints,
  NirImport,
  NirImportOptions,
  NirPopulationInfo,
  NirProjectionInfo,
  ResolvedNirImportOptions,
} from "./import.ts";
export { nirToNetwork } from "./import.ts";
export type { NirExport, NirExportOptions } from "./export.ts";
export { networkToNir } from "./export.ts";
export type { ExportNirOptions, ExportedNir, ImportNirOptions, ReadNirFileOptions } from "./file.ts";
export { exportNir, importNir, readNirFile, writeNirFile } from "./file.ts";
export type { NirReaderOptions, NirReaderStats } from "./guarded.ts";
export { NirReader, readNirGuarded } from "./guarded.ts";
export type { NirInputKind, NirRunInput, NirRunOutput, NirRunResult } from "./run.ts";
export { runNir } from "./run.ts";
