/**
 * Plot specs (pure, browser-safe: each returns Observable Plot options) and the linkedom SVG renderer. The
 * Node-only parts are imported from their files: png.ts (resvg), run-plots.ts (run directory -> plots/),
 * report.ts (report.html). See docs/plots.md.
 */
export { type PlotSpec, CLASS_COLORS, UNASSIGNED_COLOR, subsampleStride, formatPct } from "./common.ts";
export {
  rasterSpec,
  rasterSampling,
  RASTER_DEFAULTS,
  type RasterData,
  type RasterPopulation,
  type RasterOptions,
} from "./raster.ts";
export { membraneSpec, type MembraneData, type MembraneTrace } from "./traces.ts";
export {
  denseTiles,
  denseWeights,
  localFilterCanvases,
  localKernelTiles,
  localSide,
  weightGridSpec,
  WEIGHT_GRID_DEFAULTS,
  type LocalGeometry,
  type WeightGrid,
  type WeightGridOptions,
  type WeightTile,
} from "./weights.ts";
export { assignmentSpec, type AssignmentData, type AssignmentLayout } from "./assignments.ts";
export { confusionSpec, confusionTotal, type ConfusionData } from "./confusion.ts";
export { trainingAccuracySpec, spikeHistogramSpec, type AccuracyPoint, type PaperLine } from "./curves.ts";
export {
  rnnLossSpec,
  rnnAccuracySpec,
  rnnOutputsSpec,
  scalingSearchSpec,
  scalingPoints,
  firingRateSpec,
  type RnnCurvePoint,
  type RnnTrialOutputs,
  type ScalingPoint,
  type TimeSeries,
  type UnitRates,
} from "./rnn.ts";
export { renderSvg, type RenderedSvg } from "./svg.ts";
export { colorize, encodePngRgb, pngDataUri, base64, hotR } from "./image.ts";
