/**
 * spikeflow's library entry: the browser-safe core (no Node-only modules), the spiking-RNN pipeline included.
 * File loading, formats, NIR, workers and plots sit at the edges, with entries of their own in package.json:
 * `spikeflow/data` (MNIST and IDX loaders), `spikeflow/io` (safetensors, .npz, model files), `spikeflow/nir`,
 * `spikeflow/plot`, and any file as `spikeflow/src/<folder>/<file>.ts` (e.g. the worker-pool search,
 * `spikeflow/src/parallel/scale-search-pool.ts`).
 */
export * from "./core/errors.ts";
export * from "./core/rng.ts";
export * from "./core/time.ts";
export { log, captureLogs, muteWarning, setLogLevel } from "./core/log.ts";
export type { LogLevel, LogRecord } from "./core/log.ts";
export * from "./network/types.ts";
export * from "./network/network.ts";
export { Subgroup } from "./network/subgroup.ts";
export type { SubgroupOf } from "./network/subgroup.ts";
export * from "./network/monitors.ts";
export * from "./network/synapse-monitor.ts";
export * from "./network/linear-readout.ts";
export * from "./network/current-drive.ts";
export * from "./network/noise-drive.ts";
export * from "./network/random-neuron-drive.ts";
export * from "./network/poisson-input.ts";
export * from "./network/parameters.ts";
export * from "./neurons/index.ts";
export * from "./projections/index.ts";
export * from "./plasticity/index.ts";
export * from "./encoding/index.ts";
export * from "./readout/index.ts";
export * from "./models/index.ts";
// training and testing the MNIST models in memory (the CLI's run directories are in src/experiments/run.ts)
export * from "./experiments/unsupervised.ts";
export { Presenter, RETRY_DEFAULTS } from "./experiments/present.ts";
export type { Presentation, RetryRule } from "./experiments/present.ts";
// a trained MNIST model with its readouts to and from the bytes of a model directory (model.json, weights)
export { runModelInput, runModelFromSaved } from "./experiments/run-model.ts";
export type { LoadedRun } from "./experiments/run-model.ts";
export {
  MANIFEST_FILE,
  WEIGHTS_FILE,
  decodeModel,
  encodeModel,
  parseModelManifest,
} from "./io/model-codec.ts";
export type { EncodedModel, ModelInput, ModelManifest, SavedModel } from "./io/model-codec.ts";
export * from "./rnn/index.ts";
// the source ANN of ANN-to-SNN conversion, its training and batched evaluation (saving: spikeflow/io)
export { Ann } from "./convert/ann.ts";
export type {
  AnnArchitecture,
  AnnLayer,
  AnnLayerSpec,
  AnnWeightLayer,
  CreateAnnOptions,
} from "./convert/ann.ts";
export {
  ANN_LEARNING_RATE_DEFAULTS,
  ANN_TRAIN_DEFAULTS,
  AnnBackprop,
  AnnEvaluator,
  evaluateAnn,
  resolveAnnTrainSettings,
  trainAnn,
} from "./convert/ann-train.ts";
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
} from "./convert/ann-train.ts";
