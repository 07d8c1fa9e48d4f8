/**
 * Worker side of the ANN work of `spikeflow convert train|run` (src/experiments/convert-run.ts), which runs in
 * one piece and so off the main thread: there the CLI keeps drawing progress and answers Ctrl-C at once (it
 * ends the worker), where the same work on the main thread would hold the signal until it ended.
 *
 *   "train"      builds the architecture with weights drawn from createRng(seed, "ann-init"), trains it on
 *                MNIST's training split (trainAnn, tested after every epoch), posts each batch's progress on
 *                `port` and returns the trained parameters and the training record
 *   "normalize"  the lambdas of weight normalisation on the first `normImages` training images and the ANN's
 *                test accuracy on the first `testCount` test images
 *
 * The results are those of the same calls on the main thread, bit for bit.
 */
import type { MessagePort } from "node:worker_threads";
import { createRng } from "../core/rng.ts";
import { Ann, type AnnArchitecture } from "../convert/ann.ts";
import {
  type AnnTrainOptions,
  type AnnTrainProgress,
  type AnnTrainingRecord,
  evaluateAnn,
  trainAnn,
} from "../convert/ann-train.ts";
import { type NormalizationMethod, activationScales } from "../convert/normalize.ts";
import { loadMnist } from "../data/mnist.ts";

export interface AnnTrainTask {
  readonly kind: "train";
  readonly architecture: AnnArchitecture;
  /** The training settings (trainAnn's options without test and onProgress); `seed` also seeds the weights. */
  readonly settings: Omit<AnnTrainOptions, "test" | "onProgress">;
  readonly seed: number;
  readonly dataDir?: string;
  readonly trainLimit?: number;
  readonly testLimit?: number;
  /** Receives an AnnTrainProgress after every batch. */
  readonly port: MessagePort;
}

export interface AnnTrainResult {
  readonly parameters: Record<string, Float32Array>;
  readonly record: AnnTrainingRecord;
  /** Every batch's loss, in order. */
  readonly batchLoss: number[];
}

export interface AnnNormalizeTask {
  readonly kind: "normalize";
  readonly architecture: AnnArchitecture;
  readonly parameters: Record<string, Float32Array>;
  readonly method: NormalizationMethod;
  readonly percentile?: number;
  /** Training images the activations are measured on (not read for "model"). */
  readonly normImages: number;
  /** Test images the ANN is evaluated on. */
  readonly testCount: number;
  readonly dataDir?: string;
}

export interface AnnNormalizeResult {
  readonly lambdas: Float64Array;
  readonly annCorrect: number;
  readonly normalize_s: number;
  readonly annEval_s: number;
}

/** The weights' random stream of `convert train`. */
export const ANN_INIT_STREAM = "ann-init";

export function trainTask(t: AnnTrainTask): AnnTrainResult {
  const dir = t.dataDir !== undefined ? { dir: t.dataDir } : {};
  const train = loadMnist({ split: "train", ...dir, ...(t.trainLimit ? { limit: t.trainLimit } : {}) });
  const test = loadMnist({ split: "test", ...dir, ...(t.testLimit ? { limit: t.testLimit } : {}) });
  const ann = Ann.create(t.architecture, { rng: createRng(t.seed, ANN_INIT_STREAM) });
  const batchLoss: number[] = [];
  try {
    const record = trainAnn(ann, train, {
      ...t.settings,
      test,
      onProgress: (p: AnnTrainProgress) => {
        batchLoss.push(p.loss);
        t.port.postMessage(p);
      },
    });
    return { parameters: ann.parameters(), record, batchLoss };
  } finally {
    t.port.close();
  }
}

export function normalizeTask(t: AnnNormalizeTask): AnnNormalizeResult {
  const ann = Ann.fromParameters(t.architecture, t.parameters);
  const dir = t.dataDir !== undefined ? { dir: t.dataDir } : {};
  const t0 = performance.now();
  const images =
    t.method === "model" ? undefined : loadMnist({ split: "train", ...dir, limit: t.normImages });
  const lambdas = activationScales(ann, images, {
    method: t.method,
    ...(t.percentile !== undefined ? { percentile: t.percentile } : {}),
  });
  const t1 = performance.now();
  const test = loadMnist({ split: "test", ...dir, limit: t.testCount });
  const { correct } = evaluateAnn(ann, test);
  return {
    lambdas,
    annCorrect: correct,
    normalize_s: (t1 - t0) / 1000,
    annEval_s: (performance.now() - t1) / 1000,
  };
}

export default function annWorker(t: AnnTrainTask | AnnNormalizeTask): AnnTrainResult | AnnNormalizeResult {
  return t.kind === "train" ? trainTask(t) : normalizeTask(t);
}
