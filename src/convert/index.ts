/**
 * ANN-to-SNN conversion (docs/convert.md): the source ANN and its training, weight normalisation, the conversion into an
 * engine Network and its evaluation. Browser-safe; the worker-pool evaluation is
 * `spikeflow/src/parallel/convert-pool.ts`.
 */
export { Ann, argmax as annArgmax, shapeSize } from "./ann.ts";
export type { AnnArchitecture, AnnLayer, AnnLayerSpec, AnnWeightLayer, CreateAnnOptions } from "./ann.ts";
export * from "./normalize.ts";
export * from "./to-snn.ts";
export * from "./evaluate.ts";
export {
  ANN_LEARNING_RATE_DEFAULTS,
  ANN_TRAIN_DEFAULTS,
  AnnBackprop,
  AnnEvaluator,
  evaluateAnn,
  resolveAnnTrainSettings,
  trainAnn,
} from "./ann-train.ts";
export type {
  ActivationBuffer,
  AnnBackpropOptions,
  AnnEpochRecord,
  AnnEvaluation,
  AnnOptimizer,
  AnnPrecision,
  AnnTrainOptions,
  AnnTrainProgress,
  AnnTrainSettings,
  AnnTrainingRecord,
  DropoutSetting,
  EvaluateAnnOptions,
} from "./ann-train.ts";
