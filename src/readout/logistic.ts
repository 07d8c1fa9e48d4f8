/**
 * Multinomial logistic regression on spike counts (the supervised readout LC-SNN explored with sklearn's
 * LogisticRegression / SGDClassifier; here our own deterministic trainer).
 *
 *   standardise:  z_j = (x_j - mean_j) / sd_j       (mean and sd over the training set; sd = 1 if constant)
 *   model:        p(c | x) = softmax_c(b_c + sum_j z_j W_jc)
 *   loss:         mean over examples of -log p(y | x)  +  (l2 / 2) * sum_jc W_jc^2   (biases not penalised)
 *   optimiser:    Adam (Kingma & Ba 2015) on mini-batches of `batchSize`, for a fixed number of epochs;
 *                 the example order is a seeded shuffle per epoch (or the given order), weights start at 0.
 *
 * Everything is deterministic: two fits on the same data and options give bit-identical weights.
 *
 * Sparsity: counts are mostly zero, but z is dense after standardisation. Writing z_j = x_j / sd_j - shift_j
 * with shift_j = mean_j / sd_j, the logits are (b_c - sum_j shift_j W_jc) + sum_{j: x_j != 0} (x_j / sd_j) W_jc,
 * and the gradient sum_i z_ij r_ic = sum_{nonzeros} (x_ij / sd_j) r_ic - shift_j sum_i r_ic. So the cost per
 * batch is O(nonzeros x classes) for the examples plus O(features x classes) for the update.
 */
import { runToEnd } from "../core/steps.ts";
import {
  InvalidParameterError,
  ShapeMismatchError,
  StateError,
  requireInteger,
  requirePositive,
} from "../core/errors.ts";
import { withDefaults } from "../core/options.ts";
import { createRng } from "../core/rng.ts";
import { checkCount, checkLabels, checkSparse, toSparseCounts } from "./counts.ts";
import type { Counts, SparseCounts } from "./counts.ts";

export interface LogisticOptions {
  /** Passes over the training set. Default 30. */
  readonly epochs: number;
  /** Examples per Adam step; 0 means the whole training set (full batch). Default 256. */
  readonly batchSize: number;
  /** Adam step size. Default 0.01. */
  readonly learningRate: number;
  /** L2 penalty on the weights (standardised units). Default 1e-4. */
  readonly l2: number;
  /** Shuffle the example order each epoch (seeded); false keeps the given order. Default true. */
  readonly shuffle: boolean;
  /** Seed of the shuffles. Default 0. */
  readonly seed: number;
  /** Adam decay of the first moment. Default 0.9. */
  readonly beta1: number;
  /** Adam decay of the second moment. Default 0.999. */
  readonly beta2: number;
  /** Adam denominator guard. Default 1e-8. */
  readonly epsilon: number;
}

export const LOGISTIC_DEFAULTS: Readonly<LogisticOptions> = Object.freeze({
  epochs: 30,
  batchSize: 256,
  learningRate: 0.01,
  l2: 1e-4,
  shuffle: true,
  seed: 0,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
});

export interface LogisticFitReport {
  /** Mean cross-entropy (without the L2 term) of each epoch's batches, each taken before its update. */
  readonly lossPerEpoch: Float64Array;
}

export interface LogisticRegressionJSON {
  readonly kind: "logistic-regression";
  readonly version: 1;
  readonly numFeatures: number;
  readonly numClasses: number;
  readonly mean: number[];
  readonly sd: number[];
  /** [features][classes] in standardised units. */
  readonly weights: number[];
  readonly bias: number[];
}

function isSparse(x: Counts | SparseCounts): x is SparseCounts {
  return (x as SparseCounts).rowPtr instanceof Int32Array;
}

function asSparse(x: Counts | SparseCounts, numCols: number): SparseCounts {
  if (isSparse(x)) {
    checkSparse(x);
    if (x.numCols !== numCols) {
      throw new ShapeMismatchError(`sparse counts have ${x.numCols} features, the model ${numCols}`);
    }
    return x;
  }
  return toSparseCounts(x, numCols);
}

export class LogisticRegression {
  private d = 0;
  private k = 0;
  private mean = new Float64Array(0);
  private sd = new Float64Array(0);
  private weights = new Float64Array(0);
  private bias = new Float64Array(0);

  get fitted(): boolean {
    return this.k > 0;
  }
  get numFeatures(): number {
    return this.d;
  }
  get numClasses(): number {
    return this.k;
  }

  /**
   * Trains from scratch. `counts` is dense [examples][features] (features = counts.length / labels.length)
   * or `SparseCounts`; labels are class indices < numClasses.
   */
  fit(
    counts: Counts | SparseCounts,
    labels: ArrayLike<number>,
    numClasses: number,
    options: Partial<LogisticOptions> = {},
  ): LogisticFitReport {
    return runToEnd(this.fitSteps(counts, labels, numClasses, options));
  }

  /**
   * `fit` as a generator that yields after every mini-batch and returns the report, so that a page can give
   * the event loop a turn during a long fit (60 000 MNIST examples take seconds). The arguments are checked
   * at the first `next()`. The weights are those of `fit`, bit for bit; until the generator returns, the
   * model keeps what it had (unfitted, or its earlier fit).
   */
  *fitSteps(
    counts: Counts | SparseCounts,
    labels: ArrayLike<number>,
    numClasses: number,
    options: Partial<LogisticOptions> = {},
  ): Generator<void, LogisticFitReport, void> {
    const o = withDefaults("LogisticRegression.fit options", LOGISTIC_DEFAULTS, options);
    requireInteger("numClasses", numClasses, 1);
    requireInteger("epochs", o.epochs, 0);
    requireInteger("batchSize", o.batchSize, 0);
    requirePositive("learningRate", o.learningRate);
    if (!(o.l2 >= 0 && o.l2 < Infinity))
      throw new InvalidParameterError(`l2 must be finite and >= 0, got ${o.l2}`);
    const m = labels.length;
    if (m === 0) throw new InvalidParameterError("fit needs at least one example");
    checkLabels(labels, numClasses);
    const d = isSparse(counts) ? counts.numCols : featuresOf(counts, m);
    const x = asSparse(counts, d);
    if (x.numRows !== m)
      throw new ShapeMismatchError(`${x.numRows} examples but ${m} labels; pass one label each`);
    for (let q = 0; q < x.values.length; q++) checkCount(x.values[q], q);

    // fitted on a new model, which this one takes over at the end: an unfinished fit changes nothing here
    const next = new LogisticRegression();
    next.d = d;
    next.k = numClasses;
    next.standardise(x);
    const scaled = new Float64Array(x.values.length);
    for (let q = 0; q < scaled.length; q++) scaled[q] = x.values[q] / next.sd[x.colIndex[q]];
    const shift = new Float64Array(d);
    for (let j = 0; j < d; j++) shift[j] = next.mean[j] / next.sd[j];
    next.weights = new Float64Array(d * numClasses);
    next.bias = new Float64Array(numClasses);
    const report = yield* next.train(x, scaled, shift, labels, o);
    this.d = next.d;
    this.k = next.k;
    this.mean = next.mean;
    this.sd = next.sd;
    this.weights = next.weights;
    this.bias = next.bias;
    return report;
  }

  /** Class probabilities, [examples][classes]. */
  predictProba(counts: Counts | SparseCounts): Float64Array {
    if (!this.fitted)
      throw new StateError("LogisticRegression is not fitted; call fit() or fromJSON() first");
    const K = this.k;
    const x = asSparse(counts, this.d);
    for (let q = 0; q < x.values.length; q++) checkCount(x.values[q], q);
    const { eff, offset } = this.effective();
    const out = new Float64Array(x.numRows * K);
    const logits = new Float64Array(K);
    for (let i = 0; i < x.numRows; i++) {
      logits.set(offset);
      for (let q = x.rowPtr[i]; q < x.rowPtr[i + 1]; q++) {
        const v = x.values[q];
        const base = x.colIndex[q] * K;
        for (let c = 0; c < K; c++) logits[c] += v * eff[base + c];
      }
      softmax(logits, K);
      out.set(logits, i * K);
    }
    return out;
  }

  /** Most probable class per example (ties to the lowest index). */
  predict(counts: Counts | SparseCounts): Int32Array {
    const p = this.predictProba(counts);
    const K = this.k;
    const out = new Int32Array(p.length / K);
    for (let i = 0; i < out.length; i++) {
      let best = 0;
      for (let c = 1; c < K; c++) if (p[i * K + c] > p[i * K + best]) best = c;
      out[i] = best;
    }
    return out;
  }

  toJSON(): LogisticRegressionJSON {
    if (!this.fitted) throw new StateError("LogisticRegression is not fitted; nothing to save");
    return {
      kind: "logistic-regression",
      version: 1,
      numFeatures: this.d,
      numClasses: this.k,
      mean: Array.from(this.mean),
      sd: Array.from(this.sd),
      weights: Array.from(this.weights),
      bias: Array.from(this.bias),
    };
  }

  static fromJSON(json: LogisticRegressionJSON): LogisticRegression {
    if (json?.kind !== "logistic-regression" || json.version !== 1) {
      throw new InvalidParameterError(
        `not a saved LogisticRegression (kind ${JSON.stringify(json?.kind)}); pass what toJSON() returned`,
      );
    }
    const d = requireInteger("numFeatures", json.numFeatures, 1);
    const k = requireInteger("numClasses", json.numClasses, 1);
    const want = { mean: d, sd: d, weights: d * k, bias: k } as const;
    for (const [name, len] of Object.entries(want)) {
      const arr = json[name as keyof typeof want];
      if (!Array.isArray(arr) || arr.length !== len || !arr.every(Number.isFinite)) {
        throw new ShapeMismatchError(`saved LogisticRegression: ${name} must be ${len} finite numbers`);
      }
    }
    if (!json.sd.every((s) => s > 0))
      throw new InvalidParameterError("saved LogisticRegression: sd must be > 0");
    const r = new LogisticRegression();
    r.d = d;
    r.k = k;
    r.mean = Float64Array.from(json.mean);
    r.sd = Float64Array.from(json.sd);
    r.weights = Float64Array.from(json.weights);
    r.bias = Float64Array.from(json.bias);
    return r;
  }

  /** Mean and sd per feature, two passes over the nonzeros (zeros contribute (0 - mean)^2 each). */
  private standardise(x: SparseCounts): void {
    const m = x.numRows;
    const sum = new Float64Array(this.d);
    const nnz = new Int32Array(this.d);
    for (let q = 0; q < x.values.length; q++) {
      sum[x.colIndex[q]] += x.values[q];
      nnz[x.colIndex[q]]++;
    }
    this.mean = new Float64Array(this.d);
    for (let j = 0; j < this.d; j++) this.mean[j] = sum[j] / m;
    const sq = new Float64Array(this.d);
    for (let q = 0; q < x.values.length; q++) {
      const dv = x.values[q] - this.mean[x.colIndex[q]];
      sq[x.colIndex[q]] += dv * dv;
    }
    this.sd = new Float64Array(this.d);
    for (let j = 0; j < this.d; j++) {
      const s = Math.sqrt((sq[j] + (m - nnz[j]) * this.mean[j] * this.mean[j]) / m);
      this.sd[j] = s > 0 ? s : 1;
    }
  }

  /** Weights on raw counts (W_jc / sd_j) and the constant logit b_c - sum_j shift_j W_jc. */
  private effective(): { eff: Float64Array; offset: Float64Array } {
    const K = this.k;
    const eff = new Float64Array(this.d * K);
    const offset = Float64Array.from(this.bias);
    for (let j = 0; j < this.d; j++) {
      const inv = 1 / this.sd[j];
      const shift = this.mean[j] * inv;
      for (let c = 0; c < K; c++) {
        eff[j * K + c] = this.weights[j * K + c] * inv;
        offset[c] -= shift * this.weights[j * K + c];
      }
    }
    return { eff, offset };
  }

  /** Adam on mini-batches from zero weights; yields after every batch. */
  private *train(
    x: SparseCounts,
    scaled: Float64Array,
    shift: Float64Array,
    labels: ArrayLike<number>,
    o: LogisticOptions,
  ): Generator<void, LogisticFitReport, void> {
    const m = x.numRows;
    const d = this.d;
    const K = this.k;
    const W = this.weights;
    const b = this.bias;
    const batch = o.batchSize === 0 ? m : Math.min(o.batchSize, m);
    const mW = new Float64Array(d * K);
    const vW = new Float64Array(d * K);
    const mB = new Float64Array(K);
    const vB = new Float64Array(K);
    const S = new Float64Array(d * K);
    const R = new Float64Array(K);
    const offset = new Float64Array(K);
    const logits = new Float64Array(K);
    const order = new Int32Array(m);
    const lossPerEpoch = new Float64Array(o.epochs);
    let step = 0;

    for (let epoch = 0; epoch < o.epochs; epoch++) {
      for (let i = 0; i < m; i++) order[i] = i;
      if (o.shuffle) createRng(o.seed, "logistic-regression", epoch).shuffle(order);
      let loss = 0;
      for (let start = 0; start < m; start += batch) {
        const end = Math.min(m, start + batch);
        const size = end - start;

        // forward and gradient sums
        for (let c = 0; c < K; c++) offset[c] = b[c];
        for (let j = 0; j < d; j++) {
          const s = shift[j];
          if (s !== 0) for (let c = 0; c < K; c++) offset[c] -= s * W[j * K + c];
        }
        S.fill(0);
        R.fill(0);
        for (let t = start; t < end; t++) {
          const i = order[t];
          const q0 = x.rowPtr[i];
          const q1 = x.rowPtr[i + 1];
          logits.set(offset);
          for (let q = q0; q < q1; q++) {
            const v = scaled[q];
            const base = x.colIndex[q] * K;
            for (let c = 0; c < K; c++) logits[c] += v * W[base + c];
          }
          const y = labels[i];
          const zy = logits[y];
          loss += softmax(logits, K) - zy;
          logits[y] -= 1;
          for (let c = 0; c < K; c++) R[c] += logits[c];
          for (let q = q0; q < q1; q++) {
            const v = scaled[q];
            const base = x.colIndex[q] * K;
            for (let c = 0; c < K; c++) S[base + c] += v * logits[c];
          }
        }

        // Adam update
        step++;
        const lr = (o.learningRate * Math.sqrt(1 - Math.pow(o.beta2, step))) / (1 - Math.pow(o.beta1, step));
        const inv = 1 / size;
        for (let j = 0; j < d; j++) {
          const s = shift[j];
          for (let c = 0; c < K; c++) {
            const at = j * K + c;
            const g = (S[at] - s * R[c]) * inv + o.l2 * W[at];
            mW[at] = o.beta1 * mW[at] + (1 - o.beta1) * g;
            vW[at] = o.beta2 * vW[at] + (1 - o.beta2) * g * g;
            W[at] -= (lr * mW[at]) / (Math.sqrt(vW[at]) + o.epsilon);
          }
        }
        for (let c = 0; c < K; c++) {
          const g = R[c] * inv;
          mB[c] = o.beta1 * mB[c] + (1 - o.beta1) * g;
          vB[c] = o.beta2 * vB[c] + (1 - o.beta2) * g * g;
          b[c] -= (lr * mB[c]) / (Math.sqrt(vB[c]) + o.epsilon);
        }
        yield;
      }
      lossPerEpoch[epoch] = loss / m;
    }
    return { lossPerEpoch };
  }
}

/** Replaces logits z[0..K) by softmax(z), in place, and returns log sum_c exp(z_c) (so -log p_y = lse - z_y). */
function softmax(z: Float64Array, K: number): number {
  let max = z[0];
  for (let c = 1; c < K; c++) if (z[c] > max) max = z[c];
  let sum = 0;
  for (let c = 0; c < K; c++) {
    z[c] = Math.exp(z[c] - max);
    sum += z[c];
  }
  for (let c = 0; c < K; c++) z[c] /= sum;
  return max + Math.log(sum);
}

function featuresOf(counts: Counts, examples: number): number {
  if (counts.length === 0 || counts.length % examples !== 0) {
    throw new ShapeMismatchError(
      `counts has length ${counts.length}, not a positive multiple of ${examples} examples (labels.length); ` +
        `pass a flat [examples][features] array`,
    );
  }
  return counts.length / examples;
}
