/** The pure (browser-safe) part of the data module: no Node modules are imported from here. */
export { IDX_MAX_DIMS, encodeIdx, isGzip, parseIdx } from "./idx.ts";
export type { IdxArray, IdxData, IdxType } from "./idx.ts";
export { createDataset, fromIdx } from "./dataset.ts";
export type { Dataset, DatasetInit, FromIdxOptions } from "./dataset.ts";
export {
  DIEHL_COOK_INTENSITY_Hz_PER_UNIT,
  LCSNN_INTENSITY_Hz_PER_UNIT,
  RATE_DEFAULTS,
  crop,
  shuffleIndices,
  subset,
  toRates,
} from "./transforms.ts";
export type { ImageShape, RateOptions } from "./transforms.ts";
