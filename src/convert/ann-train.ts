/**
 * Training and batched evaluation of an `Ann` (src/convert/ann.ts) on an image dataset (src/data/dataset.ts):
 * minibatch gradient descent on the mean softmax cross-entropy, gradients from the hand-written batched
 * passes of ann-backprop.ts. This trains the source network of ANN-to-SNN conversion (Diehl et al. 2015,
 * IJCNN, "Fast-classifying, high-accuracy spiking deep networks through weight and threshold balancing";
 * Rueckauer et al. 2017, Front. Neurosci.); docs/convert.md.
 *
 * Input: pixel p in 0..255 enters as p / 255 in [0, 1], example k's pixels in the dataset's row-major order,
 * which is the layout of inputShape [1, rows, cols] and of [rows * cols].
 *
 * Per epoch the training set is shuffled (Fisher-Yates with createRng(seed, "ann-train", "shuffle", epoch))
 * and cut into batches of `batchSize` (the last one smaller when the count is not a multiple). Per batch:
 *   L = (1/B) sum_n -log softmax(z_n)[label_n],   g = dL/dtheta + lambda w   (lambda = weightDecay, weights
 *   only: biases are not decayed)
 *   "sgd" (PyTorch's SGD with momentum):  v <- mu v + g,   theta <- theta - lr v
 *   "adam" (Kingma & Ba 2015, PyTorch's Adam):  m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2,
 *         theta <- theta - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * and lr is multiplied by `learningRateDecay` after every epoch. Dropout (inverted; Diehl 2015 trained its FC
 * network with it) zeroes each ReLU output with probability `dropout` and each input value with probability
 * `inputDropout` during training only, drawing from createRng(seed, "ann-train", "dropout"). Everything random
 * is drawn from `seed`, so the same network, data and options give the same weights bit for bit.
 *
 * Defaults: batch 100, SGD with lr 0.05 and momentum 0.9 (Adam with lr 0.001 measured no better, below),
 * 3 epochs, no weight decay, no dropout.
 *
 * Measured on full MNIST (60,000 training, 10,000 test images) on one core of the 2-core development machine
 * (Node 20.20, float32 activations, batch 100, seed 1, initial weights from createRng(1, "ann")); seconds per
 * epoch of training (the test evaluation, ~4 s for the MLP and ~15 s for the ConvNet, is not included), and test
 * accuracy after epochs 1 / 2 / 3:
 *   MLP 784-500-10 (flatten, dense 500, relu, dense 10), SGD defaults   45 s/epoch   95.90 / 96.99 / 97.36 %
 *   the same with Adam, lr 0.001                                          47 s/epoch   95.57 / 97.05 / 97.47 %
 *   Diehl 2015's ConvNet 28x28-12c5-2s-64c5-2s-10o without biases        220 s/epoch   97.90 / 98.41 / 98.63 %
 *     (conv 12 5x5, relu, avgpool 2, conv 64 5x5, relu, avgpool 2, flatten, dense 10), SGD defaults
 *   Diehl 2015's FC 784-1200-1200-10, SGD defaults: 6,000 images in 35.5 s, so ~355 s/epoch
 * Within three epochs neither reaches the 98 % (MLP) and 99 % (ConvNet) these architectures attain with longer
 * training; both were still improving (training loss 0.078 and 0.050 in epoch 3). `npm run bench:convert`
 * trains the ConvNet 4 epochs with learningRateDecay 0.5 (98.78 %) and the FC network 3 epochs with Adam,
 * decay 0.5 and dropout 0.25 (98.20 %); bench/results/convert.json and docs/convert.md have its figures.
 *
 * Limitation: one thread; the kernels are plain JavaScript loops (no SIMD, no workers), about 1 to 1.5 GMAC/s
 * on the development machine, which puts the ConvNet at ~4 minutes and the FC network at ~6 minutes per epoch.
 * Limitation: the per-epoch test accuracy is computed with the training precision (float32 by default), so on
 * a near tie it may differ from evaluateAnn's float64 default by an example.
 */
import { DivergenceError, InvalidParameterError, describeValue, requireInteger } from "../core/errors.ts";
import { requireKnownKeys } from "../core/options.ts";
import { createRng } from "../core/rng.ts";
import type { Dataset } from "../data/dataset.ts";
import { type Ann, shapeSize } from "./ann.ts";
import { type ActivationBuffer, AnnBackprop, type AnnPrecision, requireInputLength } from "./ann-backprop.ts";

export {
  type ActivationBuffer,
  AnnBackprop,
  type AnnBackpropOptions,
  type AnnPrecision,
  type DropoutSetting,
} from "./ann-backprop.ts";

export type AnnOptimizer = "sgd" | "adam";

/** The settings of a training run, every one resolved (what ann.json records). */
export interface AnnTrainSettings {
  /** Passes over the training set. Default 3. */
  readonly epochs: number;
  /** Examples per update. Default 100. */
  readonly batchSize: number;
  /** Default "sgd". */
  readonly optimizer: AnnOptimizer;
  /** Step size lr. Default 0.05 with "sgd", 0.001 with "adam". */
  readonly learningRate: number;
  /** lr is multiplied by this after every epoch. Default 1 (constant). */
  readonly learningRateDecay: number;
  /** SGD momentum mu, in [0, 1). Default 0.9. */
  readonly momentum: number;
  /** Adam's b1, b2 and eps. Defaults 0.9, 0.999, 1e-8 (PyTorch's). */
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** L2 coefficient lambda: lambda w is added to each weight's gradient (not to biases). Default 0. */
  readonly weightDecay: number;
  /** Probability of dropping a ReLU output in training, in [0, 1). Default 0. */
  readonly dropout: number;
  /** Probability of dropping an input value in training, in [0, 1). Default 0. */
  readonly inputDropout: number;
  /** Seed of the shuffling and the dropout masks. Default 1. */
  readonly seed: number;
  /** Storage of activations; "float64" is slower and meant for checks. Default "float32". */
  readonly precision: AnnPrecision;
}

/** Progress after one batch, for a progress bar or an ETA. */
export interface AnnTrainProgress {
  /** 1-based epoch. */
  readonly epoch: number;
  /** 1-based batch within the epoch, of `batches`. */
  readonly batch: number;
  readonly batches: number;
  /** The batch's mean loss (before its update). */
  readonly loss: number;
  /** Seconds since training started. */
  readonly elapsed_s: number;
}

export interface AnnTrainOptions extends Partial<AnnTrainSettings> {
  /** Evaluated after every epoch (its accuracy goes into the record). */
  readonly test?: Dataset;
  /** Called after every batch. */
  readonly onProgress?: (progress: AnnTrainProgress) => void;
}

export const ANN_TRAIN_DEFAULTS: Readonly<Omit<AnnTrainSettings, "learningRate">> = Object.freeze({
  epochs: 3,
  batchSize: 100,
  optimizer: "sgd" as AnnOptimizer,
  learningRateDecay: 1,
  momentum: 0.9,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 0,
  dropout: 0,
  inputDropout: 0,
  seed: 1,
  precision: "float32" as AnnPrecision,
});

/** The default step size of each optimizer. */
export const ANN_LEARNING_RATE_DEFAULTS: Readonly<Record<AnnOptimizer, number>> = Object.freeze({
  sgd: 0.05,
  adam: 0.001,
});

/** One epoch of a training record. */
export interface AnnEpochRecord {
  /** 1-based. */
  readonly epoch: number;
  /** Mean of the batch losses (each before its update, with dropout when it is on). */
  readonly loss: number;
  /** Fraction of training examples classified correctly in their batch's forward pass (before its update). */
  readonly trainAccuracy: number;
  /** Accuracy on `test` after the epoch, when a test set was given. */
  readonly testAccuracy?: number;
  /** The step size used in this epoch. */
  readonly learningRate: number;
  /** Wall-clock seconds of the epoch's training (not its test evaluation). */
  readonly seconds: number;
}

/** What `trainAnn` returns (plain JSON). */
export interface AnnTrainingRecord {
  readonly settings: AnnTrainSettings;
  readonly trainCount: number;
  readonly testCount?: number;
  readonly epochs: readonly AnnEpochRecord[];
  /** Wall-clock seconds of the whole run, evaluations included. */
  readonly seconds: number;
}

const TRAIN_KEYS: readonly string[] = [
  ...Object.keys(ANN_TRAIN_DEFAULTS),
  "learningRate",
  "test",
  "onProgress",
];

function requireUnit(name: string, v: unknown, closedTop = false): number {
  if (typeof v !== "number" || !(v >= 0 && (closedTop ? v <= 1 : v < 1))) {
    throw new InvalidParameterError(
      `${name} must be in [0, 1${closedTop ? "]" : ")"}, got ${describeValue(v)}`,
      {
        [name]: v,
      },
    );
  }
  return v;
}

function requirePositiveNumber(name: string, v: unknown, hint: string): number {
  if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v)) {
    throw new InvalidParameterError(
      `${name} must be a positive finite number, got ${describeValue(v)}; ${hint}`,
      {
        [name]: v,
      },
    );
  }
  return v;
}

/** Checks the options and fills in the defaults. */
export function resolveAnnTrainSettings(options: AnnTrainOptions = {}): AnnTrainSettings {
  requireKnownKeys("trainAnn options", options, TRAIN_KEYS);
  const given: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) if (v !== undefined) given[k] = v;
  const optimizer = (given.optimizer ?? ANN_TRAIN_DEFAULTS.optimizer) as AnnOptimizer;
  if (optimizer !== "sgd" && optimizer !== "adam") {
    throw new InvalidParameterError(`optimizer must be "sgd" or "adam", got ${describeValue(optimizer)}`);
  }
  const s = {
    ...ANN_TRAIN_DEFAULTS,
    learningRate: ANN_LEARNING_RATE_DEFAULTS[optimizer],
    ...given,
  } as AnnTrainSettings & { test?: unknown; onProgress?: unknown };
  requireInteger("epochs", s.epochs, 1);
  requireInteger("batchSize", s.batchSize, 1);
  requirePositiveNumber(
    "learningRate",
    s.learningRate,
    `e.g. ${ANN_LEARNING_RATE_DEFAULTS[optimizer]} for ${optimizer}`,
  );
  requirePositiveNumber("learningRateDecay", s.learningRateDecay, "1 keeps the step size constant");
  requireUnit("momentum", s.momentum);
  requireUnit("beta1", s.beta1);
  requireUnit("beta2", s.beta2);
  requirePositiveNumber("epsilon", s.epsilon, "e.g. 1e-8");
  if (typeof s.weightDecay !== "number" || !(s.weightDecay >= 0) || !Number.isFinite(s.weightDecay)) {
    throw new InvalidParameterError(
      `weightDecay (the L2 coefficient) must be a finite number >= 0, got ${describeValue(s.weightDecay)}; 0 turns it off`,
    );
  }
  requireUnit("dropout", s.dropout);
  requireUnit("inputDropout", s.inputDropout);
  if (!Number.isSafeInteger(s.seed)) {
    throw new InvalidParameterError(`seed must be a safe integer, got ${describeValue(s.seed)}`);
  }
  if (s.precision !== "float32" && s.precision !== "float64") {
    throw new InvalidParameterError(
      `precision must be "float32" or "float64", got ${describeValue(s.precision)}`,
    );
  }
  if (s.onProgress !== undefined && typeof s.onProgress !== "function") {
    throw new InvalidParameterError(`onProgress must be a function, got ${describeValue(s.onProgress)}`);
  }
  return Object.freeze({
    epochs: s.epochs,
    batchSize: s.batchSize,
    optimizer,
    learningRate: s.learningRate,
    learningRateDecay: s.learningRateDecay,
    momentum: s.momentum,
    beta1: s.beta1,
    beta2: s.beta2,
    epsilon: s.epsilon,
    weightDecay: s.weightDecay,
    dropout: s.dropout,
    inputDropout: s.inputDropout,
    seed: s.seed,
    precision: s.precision,
  });
}

/** Throws unless the dataset's images fit the network's input and its labels its outputs. */
function requireDatasetFits(ann: Ann, data: Dataset, what: string): void {
  if (data === null || typeof data !== "object" || !(data.images instanceof Uint8Array)) {
    throw new InvalidParameterError(
      `${what} must be a Dataset (loadMnist({ split: "train" }) or createDataset(...)), got ${describeValue(data)}`,
    );
  }
  if (data.count < 1) throw new InvalidParameterError(`${what} holds no examples`);
  requireInputLength(ann, data.rows * data.cols, `${what} (${data.rows}x${data.cols} images)`);
  const outputs = shapeSize(ann.outputShape);
  if (data.numClasses > outputs) {
    throw new InvalidParameterError(
      `${what} has ${data.numClasses} classes but the network has ${outputs} outputs; make the last dense ` +
        `layer { type: "dense", out: ${data.numClasses} }`,
      { numClasses: data.numClasses, outputs },
    );
  }
}

/** Copies examples order[from..from+count) into the batch input as pixel / 255, and their labels. */
function loadBatch(
  data: Dataset,
  order: Uint32Array | null,
  from: number,
  count: number,
  input: ActivationBuffer,
  labels: Uint8Array,
): void {
  const size = data.rows * data.cols;
  const images = data.images;
  for (let n = 0; n < count; n++) {
    const k = order ? order[from + n] : from + n;
    labels[n] = data.labels[k];
    const src = k * size;
    const dst = n * size;
    for (let i = 0; i < size; i++) input[dst + i] = images[src + i] / 255;
  }
}

interface Slot {
  readonly param: Float32Array;
  readonly grad: Float64Array;
  readonly m: Float64Array;
  readonly v: Float64Array;
  readonly decay: boolean;
}

/**
 * Trains `ann` in place (its parameters are updated live) on `train`; returns the training record.
 * Throws DivergenceError when a batch loss becomes non-finite (lower the learning rate).
 */
export function trainAnn(ann: Ann, train: Dataset, options: AnnTrainOptions = {}): AnnTrainingRecord {
  const settings = resolveAnnTrainSettings(options);
  requireDatasetFits(ann, train, "the training set");
  if (options.test !== undefined) requireDatasetFits(ann, options.test, "the test set");
  const t0 = performance.now();
  const B = settings.batchSize;
  const bp = new AnnBackprop(ann, { batchSize: B, precision: settings.precision });
  const evaluator = options.test ? new AnnEvaluator(ann, { precision: settings.precision }) : null;
  if (settings.dropout > 0 || settings.inputDropout > 0) {
    bp.setDropout({
      rate: settings.dropout,
      inputRate: settings.inputDropout,
      rng: createRng(settings.seed, "ann-train", "dropout"),
    });
  }
  const params = ann.parameters();
  const slots: Slot[] = Object.keys(bp.gradients).map((name) => ({
    param: params[name],
    grad: bp.gradients[name],
    m: new Float64Array(params[name].length),
    v: settings.optimizer === "adam" ? new Float64Array(params[name].length) : new Float64Array(0),
    decay: name.endsWith(".weight"),
  }));
  const N = train.count;
  const batches = Math.ceil(N / B);
  const order = new Uint32Array(N);
  const labels = new Uint8Array(B);
  const epochs: AnnEpochRecord[] = [];
  let lr = settings.learningRate;
  let t = 0;
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    const e0 = performance.now();
    for (let i = 0; i < N; i++) order[i] = i;
    const shuffle = createRng(settings.seed, "ann-train", "shuffle", epoch);
    for (let i = N - 1; i > 0; i--) {
      const j = Math.floor(shuffle.float() * (i + 1));
      const tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
    let lossSum = 0;
    let correct = 0;
    for (let b = 0; b < batches; b++) {
      const from = b * B;
      const count = Math.min(B, N - from);
      loadBatch(train, order, from, count, bp.input, labels);
      const loss = bp.lossAndGradients(labels, count);
      if (!Number.isFinite(loss)) {
        throw new DivergenceError(
          `ANN training diverged: the loss of batch ${b + 1} of epoch ${epoch} is ${loss} (learning rate ${lr}, ` +
            `${settings.optimizer}); lower learningRate, e.g. to ${+(lr / 10).toPrecision(3)}`,
          { epoch, batch: b + 1, learningRate: lr },
        );
      }
      lossSum += loss * count;
      correct += bp.correct;
      t++;
      if (settings.optimizer === "sgd") sgdStep(slots, lr, settings.momentum, settings.weightDecay);
      else adamStep(slots, lr, settings, t);
      options.onProgress?.({
        epoch,
        batch: b + 1,
        batches,
        loss,
        elapsed_s: (performance.now() - t0) / 1000,
      });
    }
    const seconds = (performance.now() - e0) / 1000;
    const record: AnnEpochRecord = {
      epoch,
      loss: lossSum / N,
      trainAccuracy: correct / N,
      ...(evaluator && options.test ? { testAccuracy: evaluator.evaluate(options.test).accuracy } : {}),
      learningRate: lr,
      seconds,
    };
    epochs.push(Object.freeze(record));
    lr *= settings.learningRateDecay;
  }
  return Object.freeze({
    settings,
    trainCount: N,
    ...(options.test ? { testCount: options.test.count } : {}),
    epochs: Object.freeze(epochs),
    seconds: (performance.now() - t0) / 1000,
  });
}

function sgdStep(slots: readonly Slot[], lr: number, mu: number, lambda: number): void {
  for (const s of slots) {
    const { param, grad, m } = s;
    const l = s.decay ? lambda : 0;
    for (let k = 0; k < param.length; k++) {
      const vk = mu * m[k] + grad[k] + l * param[k];
      m[k] = vk;
      param[k] -= lr * vk;
    }
  }
}

function adamStep(slots: readonly Slot[], lr: number, p: AnnTrainSettings, t: number): void {
  const { beta1: b1, beta2: b2, epsilon: eps } = p;
  const c1 = 1 / (1 - Math.pow(b1, t));
  const c2 = 1 / (1 - Math.pow(b2, t));
  for (const s of slots) {
    const { param, grad, m, v } = s;
    const l = s.decay ? p.weightDecay : 0;
    for (let k = 0; k < param.length; k++) {
      const g = grad[k] + l * param[k];
      const mk = b1 * m[k] + (1 - b1) * g;
      const vk = b2 * v[k] + (1 - b2) * g * g;
      m[k] = mk;
      v[k] = vk;
      param[k] -= (lr * mk * c1) / (Math.sqrt(vk * c2) + eps);
    }
  }
}

/** What `evaluateAnn` returns. */
export interface AnnEvaluation {
  /** correct / count. */
  readonly accuracy: number;
  readonly correct: number;
  readonly count: number;
  /** The predicted class of each example (argmax of the outputs, the lowest index on a tie). */
  readonly predictions: Uint16Array;
}

export interface EvaluateAnnOptions {
  /** Examples per batched pass. Default 250. */
  readonly batchSize?: number;
  /**
   * Storage of activations. Default "float64": the outputs then equal `Ann.forward`'s bit for bit, so the
   * predictions are `Ann.predict`'s; "float32" is slightly faster and may differ on near ties.
   */
  readonly precision?: AnnPrecision;
}

/** A reusable batched evaluator (its buffers are allocated once). */
export class AnnEvaluator {
  private readonly bp: AnnBackprop;
  private readonly labels: Uint8Array;

  constructor(ann: Ann, options: EvaluateAnnOptions = {}) {
    requireKnownKeys("evaluateAnn options", options, ["batchSize", "precision"]);
    const batchSize = requireInteger("batchSize", options.batchSize ?? 250, 1);
    this.bp = new AnnBackprop(ann, {
      batchSize,
      precision: options.precision ?? "float64",
      gradients: false,
    });
    this.labels = new Uint8Array(batchSize);
  }

  evaluate(data: Dataset): AnnEvaluation {
    const bp = this.bp;
    requireDatasetFits(bp.ann, data, "the dataset");
    const predictions = new Uint16Array(data.count);
    const nOut = bp.outputSize;
    let correct = 0;
    for (let from = 0; from < data.count; from += bp.batchSize) {
      const count = Math.min(bp.batchSize, data.count - from);
      loadBatch(data, null, from, count, bp.input, this.labels);
      const z = bp.forward(count);
      for (let n = 0; n < count; n++) {
        const row = n * nOut;
        let k = 0;
        for (let j = 1; j < nOut; j++) if (z[row + j] > z[row + k]) k = j;
        predictions[from + n] = k;
        if (k === this.labels[n]) correct++;
      }
    }
    return Object.freeze({ accuracy: correct / data.count, correct, count: data.count, predictions });
  }
}

/** Accuracy and per-example predictions of `ann` on `data` (pixels / 255), by batched forward passes. */
export function evaluateAnn(ann: Ann, data: Dataset, options: EvaluateAnnOptions = {}): AnnEvaluation {
  return new AnnEvaluator(ann, options).evaluate(data);
}
