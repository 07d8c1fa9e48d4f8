/**
 * The training and test protocol of the LC-SNN paper (Saunders et al. 2019; reference notes A.6, A.7),
 * used for Diehl & Cook 2015 too:
 *
 * Training, one pass, online: every example is shown with learning on (STDP, normalisation, theta). Every
 * `updateInterval` (250) examples:
 *   1. the block just seen is scored with the current label assignments and n-gram table (the running
 *      "estimated test accuracy", one line of metrics.jsonl);
 *   2. the learning rate is multiplied by `lrDecay` (0.99);
 *   3. the block's spike counts update the label assignments (per-class rates accumulate over training) and
 *      its firing orders update the n-gram table.
 * After the pass, a logistic regression is fitted on the training spike counts.
 * Test: learning off (weights and thresholds frozen), every test image shown once (same retry rule), scored
 * by every readout.
 *
 * Choice: the test uses the network at the end of training. The paper's scripts kept the checkpoint with the
 * best running estimate; with a running estimate that still rises at the end of the pass both coincide.
 */
import { runToEnd } from "../core/steps.ts";
import { InvalidParameterError, describeValue, requireInteger, requirePositive } from "../core/errors.ts";
import { requireKnownKeys, withDefaults } from "../core/options.ts";
import type { Dataset } from "../data/dataset.ts";
import { LabelAssigner } from "../readout/assign.ts";
import { allActivity, proportionWeighting } from "../readout/vote.ts";
import { NgramTable } from "../readout/ngram.ts";
import { LogisticRegression } from "../readout/logistic.ts";
import type { SparseCounts } from "../readout/counts.ts";
import { accuracy, confusionMatrix } from "../readout/metrics.ts";
import type { SpikeEvents } from "../readout/events.ts";
import type { UnsupervisedModel } from "../models/types.ts";
import { IncomingNormalization } from "../plasticity/normalization.ts";
import type { NgramTableJSON } from "../readout/ngram.ts";
import { Presenter, RETRY_DEFAULTS, type Presentation, type RetryRule } from "./present.ts";

export const READOUTS = ["all-activity", "proportion", "ngram", "logreg"] as const;
export type ReadoutName = (typeof READOUTS)[number];

export interface ProtocolOptions {
  /** Training examples (one pass). Paper: 60,000. */
  readonly trainCount: number;
  /** Test examples. Paper: 10,000. */
  readonly testCount: number;
  /** Examples per label re-assignment and accuracy estimate. Paper: 250. */
  readonly updateInterval: number;
  /** Learning-rate factor applied every updateInterval examples. Paper: 0.99. */
  readonly lrDecay: number;
  /** n of the n-gram readout. Paper: 2. */
  readonly ngramN: number;
  readonly retry: RetryRule;
  /** Seed of every random stream of the run. */
  readonly seed: number;
  /** Fit the logistic-regression readout. Default true. */
  readonly logreg: boolean;
}

export const PROTOCOL_DEFAULTS: Readonly<ProtocolOptions> = Object.freeze({
  trainCount: 60_000,
  testCount: 10_000,
  updateInterval: 250,
  lrDecay: 0.99,
  ngramN: 2,
  retry: RETRY_DEFAULTS,
  seed: 0,
  logreg: true,
});

export interface BlockMetrics {
  /** Training examples seen so far. */
  readonly examples: number;
  /** Running accuracy of the block just seen, per voting readout (null before any assignment). */
  readonly accuracy: Readonly<Record<"all-activity" | "proportion" | "ngram", number | null>>;
  readonly nuPost: number;
  readonly spikesPerExample: number;
  readonly retriesPerExample: number;
  readonly elapsed_s: number;
  readonly imagesPerSecond: number;
}

/** Learned readout state: everything `eval` needs besides the network. */
export interface Readouts {
  readonly assigner: LabelAssigner;
  readonly ngram: NgramTable;
  readonly logreg: LogisticRegression | null;
}

export interface TrainResult {
  readonly readouts: Readouts;
  readonly metrics: BlockMetrics[];
  readonly wall_s: number;
  readonly imagesPerSecond: number;
  readonly spikesPerExample: number;
}

/**
 * Everything a training run needs to continue exactly where it stopped (at a block boundary): the model's
 * learned state (weights, the exact float64 theta state), learning rates, readout state, the training spike
 * counts kept for the logistic regression, and the metrics so far. Random streams are per example, so no
 * generator state is needed.
 */
export interface TrainCheckpoint {
  /** Training examples completed. */
  readonly next: number;
  readonly weights: Record<string, Float32Array>;
  readonly theta: { thetaExact: Float64Array; thetaStamp: Float64Array; learnClock: number };
  readonly nuPre: number;
  readonly nuPost: number;
  readonly assignerRates: Float64Array;
  readonly ngram: NgramTableJSON;
  readonly counts: { rowPtr: Int32Array; cols: Int32Array; vals: Float32Array };
  readonly metrics: BlockMetrics[];
  readonly totalSpikes: number;
  readonly elapsed_s: number;
}

export interface CheckpointOptions {
  /** Write a checkpoint every this many examples (a multiple of updateInterval), and one when training ends
   *  (a run interrupted in its test phase then resumes straight into the test). */
  readonly every: number;
  readonly save: (c: TrainCheckpoint) => void;
}

/** Growable CSR spike counts of many examples. */
class CountRows {
  private rowPtr = [0];
  private cols: number[] = [];
  private vals: number[] = [];
  constructor(readonly numCols: number) {}
  snapshot(): TrainCheckpoint["counts"] {
    return {
      rowPtr: Int32Array.from(this.rowPtr),
      cols: Int32Array.from(this.cols),
      vals: Float32Array.from(this.vals),
    };
  }
  restore(c: TrainCheckpoint["counts"]): void {
    this.rowPtr = Array.from(c.rowPtr);
    this.cols = Array.from(c.cols);
    this.vals = Array.from(c.vals);
  }
  push(ev: SpikeEvents, scratch: Float32Array): void {
    for (let k = 0; k < ev.count; k++) scratch[ev.neurons[k]]++;
    for (let k = 0; k < ev.count; k++) {
      const n = ev.neurons[k];
      if (scratch[n] !== 0) {
        this.cols.push(n);
        this.vals.push(scratch[n]);
        scratch[n] = 0;
      }
    }
    this.rowPtr.push(this.cols.length);
  }
  get rows(): number {
    return this.rowPtr.length - 1;
  }
  toSparse(): SparseCounts {
    // columns must be ascending within a row
    const rowPtr = Int32Array.from(this.rowPtr);
    const colIndex = Int32Array.from(this.cols);
    const values = Float32Array.from(this.vals);
    for (let r = 0; r < this.rows; r++) {
      const a = rowPtr[r];
      const b = rowPtr[r + 1];
      const order = Array.from({ length: b - a }, (_, k) => a + k).sort((x, y) => colIndex[x] - colIndex[y]);
      const c = order.map((k) => colIndex[k]);
      const v = order.map((k) => values[k]);
      colIndex.set(c, a);
      values.set(v, a);
    }
    return { numRows: this.rows, numCols: this.numCols, rowPtr, colIndex, values };
  }
}

function denseCounts(block: readonly SpikeEvents[], n: number): Float32Array {
  const out = new Float32Array(block.length * n);
  block.forEach((ev, r) => {
    for (let k = 0; k < ev.count; k++) out[r * n + ev.neurons[k]]++;
  });
  return out;
}

/** Scores spike records with the voting readouts. */
export function votePredictions(
  readouts: Readouts,
  events: readonly SpikeEvents[],
  numNeurons: number,
  numClasses: number,
): Record<"all-activity" | "proportion" | "ngram", Int32Array> {
  const counts = denseCounts(events, numNeurons);
  const a = readouts.assigner;
  return {
    "all-activity": allActivity(counts, a.assignments, numClasses).predictions,
    proportion: proportionWeighting(counts, a.assignments, a.proportions, numClasses).predictions,
    ngram: readouts.ngram.predictMany(events),
  };
}

export type ProgressFn = (p: {
  done: number;
  total: number;
  phase: "train" | "test";
  last?: BlockMetrics;
}) => void;

/** One online pass of unsupervised training over the first `trainCount` images of `data`. */
export function trainUnsupervised(
  model: UnsupervisedModel,
  data: Dataset,
  options: Partial<ProtocolOptions> = {},
  onProgress?: ProgressFn,
  resume?: { from?: TrainCheckpoint; checkpoint?: CheckpointOptions },
): TrainResult {
  return runToEnd(trainSteps(model, data, options, onProgress, resume));
}

/**
 * trainUnsupervised as a generator that yields after every training example, then after every mini-batch
 * of the logistic-regression fit, and returns the result: a caller can let other work run between two
 * examples or batches, or stop there (experiments/run.ts does both, so that Ctrl-C stops a run within one
 * example, or within one batch of the fit).
 */
export function* trainSteps(
  model: UnsupervisedModel,
  data: Dataset,
  options: Partial<ProtocolOptions> = {},
  onProgress?: ProgressFn,
  resume?: { from?: TrainCheckpoint; checkpoint?: CheckpointOptions },
): Generator<void, TrainResult, void> {
  requireDataset("trainSteps", data);
  const o = withDefaults("training options", PROTOCOL_DEFAULTS, options);
  requireKnownKeys("retry", o.retry, Object.keys(RETRY_DEFAULTS));
  requireInteger("trainCount", o.trainCount, 1);
  requireInteger("updateInterval", o.updateInterval, 1);
  if (o.trainCount > data.count) {
    throw new InvalidParameterError(`trainCount ${o.trainCount} exceeds the ${data.count} training images`);
  }
  const n = model.output.size;
  const K = data.numClasses;
  const readouts: Readouts = {
    assigner: new LabelAssigner(n, K),
    ngram: new NgramTable(n, K, { n: o.ngramN }),
    logreg: null,
  };
  const allCounts = new CountRows(n);
  const scratch = new Float32Array(n);
  const metrics: BlockMetrics[] = [];
  let block: SpikeEvents[] = [];
  let blockLabels: number[] = [];
  let blockSpikes = 0;
  let blockRetries = 0;
  let totalSpikes = 0;
  let start = 0;
  let elapsedBefore = 0;
  const ckpt = resume?.checkpoint;
  if (ckpt) {
    requireInteger("checkpoint every", ckpt.every, 1);
    if (ckpt.every % o.updateInterval !== 0) {
      throw new InvalidParameterError(
        `checkpoints every ${ckpt.every} examples must fall on block boundaries (multiples of ${o.updateInterval})`,
      );
    }
  }
  const norm = findNormalization(model);
  if (resume?.from) {
    const c = resume.from;
    if (c.next > o.trainCount) {
      throw new InvalidParameterError(
        `the checkpoint is at example ${c.next}, past trainCount ${o.trainCount}`,
      );
    }
    const live = model.tensors();
    for (const [name, w] of Object.entries(c.weights)) {
      const t = live[name];
      if (!t || t.data.length !== w.length) {
        throw new InvalidParameterError(
          `checkpoint tensor "${name}" does not fit this model; resume with its config`,
        );
      }
      t.data.set(w);
    }
    model.output.restoreExactThetaState(c.theta);
    model.stdp.nuPre = c.nuPre;
    model.stdp.nuPost = c.nuPost;
    if (norm && c.next > 0) norm.markNormalized();
    const a = readouts.assigner.toJSON();
    (readouts as { assigner: LabelAssigner }).assigner = LabelAssigner.fromJSON({
      ...a,
      rates: Array.from(c.assignerRates),
    });
    (readouts as { ngram: NgramTable }).ngram = NgramTable.fromJSON(c.ngram);
    allCounts.restore(c.counts);
    metrics.push(...c.metrics);
    totalSpikes = c.totalSpikes;
    start = c.next;
    elapsedBefore = c.elapsed_s;
  }
  let assigned = start > 0;
  const t0 = performance.now() - elapsedBefore * 1000;

  // the presenter's monitor leaves the network when training ends, fails or is stopped (return())
  const presenter = new Presenter(model, o.seed, o.retry);
  try {
    for (let i = start; i < o.trainCount; i++) {
      const p: Presentation = presenter.present(data.image(i), "train", i, true);
      block.push(p.events);
      blockLabels.push(data.labels[i]);
      blockSpikes += p.events.count;
      blockRetries += p.attempts - 1;
      allCounts.push(p.events, scratch);

      const end = i + 1 === o.trainCount;
      if (block.length === o.updateInterval || end) {
        let acc: BlockMetrics["accuracy"] = { "all-activity": null, proportion: null, ngram: null };
        if (assigned) {
          const pred = votePredictions(readouts, block, n, K);
          acc = {
            "all-activity": accuracy(pred["all-activity"], blockLabels),
            proportion: accuracy(pred.proportion, blockLabels),
            ngram: accuracy(pred.ngram, blockLabels),
          };
        }
        model.stdp.scaleRates(o.lrDecay);
        readouts.assigner.update(denseCounts(block, n), blockLabels);
        readouts.ngram.trainMany(block, blockLabels);
        assigned = true;
        const elapsed = (performance.now() - t0) / 1000;
        const m: BlockMetrics = {
          examples: i + 1,
          accuracy: acc,
          nuPost: model.stdp.nuPost,
          spikesPerExample: blockSpikes / block.length,
          retriesPerExample: blockRetries / block.length,
          elapsed_s: elapsed,
          imagesPerSecond: (i + 1) / elapsed,
        };
        metrics.push(m);
        totalSpikes += blockSpikes;
        block = [];
        blockLabels = [];
        blockSpikes = 0;
        blockRetries = 0;
        onProgress?.({ done: i + 1, total: o.trainCount, phase: "train", last: m });
        if (ckpt && ((i + 1) % ckpt.every === 0 || end)) {
          const weights: Record<string, Float32Array> = {};
          for (const [name, t] of Object.entries(model.tensors())) {
            if (name.endsWith("theta_mV")) continue;
            weights[name] = t.data.slice();
          }
          ckpt.save({
            next: i + 1,
            weights,
            theta: model.output.exactThetaState(),
            nuPre: model.stdp.nuPre,
            nuPost: model.stdp.nuPost,
            assignerRates: readouts.assigner.rates.slice(),
            ngram: readouts.ngram.toJSON(),
            counts: allCounts.snapshot(),
            metrics: metrics.slice(),
            totalSpikes,
            elapsed_s: (performance.now() - t0) / 1000,
          });
        }
      }
      yield;
    }
  } finally {
    presenter.close();
  }
  const wall = (performance.now() - t0) / 1000;

  let logreg: LogisticRegression | null = null;
  if (o.logreg) {
    logreg = new LogisticRegression();
    yield* logreg.fitSteps(allCounts.toSparse(), data.labels.subarray(0, o.trainCount), K, { seed: o.seed });
  }
  return {
    readouts: { ...readouts, logreg },
    metrics,
    wall_s: wall,
    imagesPerSecond: o.trainCount / wall,
    spikesPerExample: totalSpikes / o.trainCount,
  };
}

/** Throws InvalidParameterError unless `data` is a data set (what loadMnist, fromIdx or createDataset return). */
function requireDataset(what: string, data: unknown): void {
  const d = data as Partial<Dataset> | null;
  if (typeof d === "object" && d !== null && typeof d.count === "number" && typeof d.image === "function")
    return;
  throw new InvalidParameterError(
    `${what} needs the data set as its second argument (what loadMnist, fromIdx or createDataset return), ` +
      `got ${describeValue(data)}`,
  );
}

function findNormalization(model: UnsupervisedModel): IncomingNormalization | undefined {
  for (const name of model.net.projectionNames) {
    for (const r of model.net.projection(name).rules) if (r instanceof IncomingNormalization) return r;
  }
  return undefined;
}

export interface TestResult {
  readonly accuracy: Readonly<Partial<Record<ReadoutName, number>>>;
  readonly confusion: Readonly<Partial<Record<ReadoutName, number[][]>>>;
  readonly predictions: Readonly<Partial<Record<ReadoutName, Int32Array>>>;
  readonly spikesPerExample: number;
  readonly retriesPerExample: number;
  readonly wall_s: number;
  readonly imagesPerSecond: number;
}

/** Presents test images with learning off; returns their spike records (in index order). */
export function presentTest(
  model: UnsupervisedModel,
  data: Dataset,
  indices: ArrayLike<number>,
  seed: number,
  retry: RetryRule = RETRY_DEFAULTS,
): Presentation[] {
  return runToEnd(presentTestSteps(model, data, indices, seed, retry));
}

/**
 * presentTest as a generator that yields after every image and returns the presentations, so that a page
 * can give the event loop a turn during a long test. The arguments are checked at the first `next()`.
 */
export function* presentTestSteps(
  model: UnsupervisedModel,
  data: Dataset,
  indices: ArrayLike<number>,
  seed: number,
  retry: RetryRule = RETRY_DEFAULTS,
): Generator<void, Presentation[], void> {
  requireDataset("presentTest", data);
  if (indices === null || typeof indices !== "object" || typeof indices.length !== "number") {
    throw new InvalidParameterError(
      `presentTest needs the indices of the test images to present (e.g. [0, 1, 2]), got ${describeValue(indices)}`,
    );
  }
  requireKnownKeys("retry", retry, Object.keys(RETRY_DEFAULTS));
  const presenter = new Presenter(model, seed, retry);
  try {
    const out: Presentation[] = [];
    for (let k = 0; k < indices.length; k++) {
      out.push(presenter.present(data.image(indices[k]), "test", indices[k], false));
      yield;
    }
    return out;
  } finally {
    presenter.close();
  }
}

/**
 * Scores test presentations with every readout. `labels[k]` is the label of `presentations[k]`;
 * `numNeurons` and `numClasses` are the model's output size and the data set's classes; `wall_s` is the time
 * the presentations took, in seconds (> 0), from which `imagesPerSecond` is computed.
 */
export function scoreTest(
  readouts: Readouts,
  presentations: readonly Presentation[],
  labels: ArrayLike<number>,
  numNeurons: number,
  numClasses: number,
  wall_s: number,
): TestResult {
  requirePositive("scoreTest wall_s (the seconds the presentations took)", wall_s);
  const events = presentations.map((p) => p.events);
  const preds: Partial<Record<ReadoutName, Int32Array>> = votePredictions(
    readouts,
    events,
    numNeurons,
    numClasses,
  );
  if (readouts.logreg) {
    const rows = new CountRows(numNeurons);
    const scratch = new Float32Array(numNeurons);
    for (const ev of events) rows.push(ev, scratch);
    preds.logreg = readouts.logreg.predict(rows.toSparse());
  }
  const acc: Partial<Record<ReadoutName, number>> = {};
  const conf: Partial<Record<ReadoutName, number[][]>> = {};
  for (const [name, p] of Object.entries(preds) as [ReadoutName, Int32Array][]) {
    acc[name] = accuracy(p, labels);
    const cm = confusionMatrix(p, labels, numClasses);
    conf[name] = Array.from({ length: numClasses }, (_, t) =>
      Array.from({ length: numClasses + 1 }, (_, q) => cm.counts[t * (numClasses + 1) + q]),
    );
  }
  const spikes = events.reduce((s, e) => s + e.count, 0);
  const retries = presentations.reduce((s, p) => s + p.attempts - 1, 0);
  return {
    accuracy: acc,
    confusion: conf,
    predictions: preds,
    spikesPerExample: spikes / presentations.length,
    retriesPerExample: retries / presentations.length,
    wall_s,
    imagesPerSecond: presentations.length / wall_s,
  };
}
