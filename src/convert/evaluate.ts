/**
 * Evaluation of a converted SNN (to-snn.ts) on a labelled test set: accuracy against simulation length (the
 * accuracy-latency curve of Diehl et al. 2015, Fig. 3, and Rueckauer et al. 2017, Fig. 4) and the operation
 * count per image (Rueckauer et al. 2017, section 2.5).
 *
 * Each image k of [start, end): network.reset() (voltages back to vInit, spike counters to 0, step 0;
 * weights kept), setImage(image k, stream k), then the steps up to each checkpoint in turn; the prediction at
 * a checkpoint uses the spike counts (and, for ties, the output voltages) accumulated since the reset. Since
 * "poisson" input draws image k from its own stream k, the result for an image does not depend on which
 * images are evaluated with it, so index ranges evaluated apart (on workers) merge into the same result as
 * one run (`mergeSnnEvaluations`).
 *
 * Operations: synaptic operations = sum over neurons of spikes x fan-out (the additions the spikes cause;
 * Bias additions, one per neuron and step, are not counted), over all T steps; the ANN's figure is its
 * multiply-adds per image (`annMacs`). For analog input the first layer's W x is computed once per image
 * here (`analogMacs`), while a neuromorphic chip would recompute it every step (Rueckauer et al. count it
 * per step); it is reported apart.
 */
import { InvalidParameterError, describeValue, requireInteger } from "../core/errors.ts";
import { requireKnownKeys } from "../core/options.ts";
import type { Dataset } from "../data/dataset.ts";
import { readImage } from "./normalize.ts";
import type { ConvertedSnn } from "./to-snn.ts";

/** A labelled test set: a Dataset (pixels / 255) or images with their labels. */
export type LabelledImages =
  Dataset | { readonly images: readonly ArrayLike<number>[]; readonly labels: ArrayLike<number> };

export interface EvaluateSnnOptions {
  /** Simulation length T per image, in steps. */
  readonly steps: number;
  /**
   * Steps at which accuracy is recorded, ascending, each in [1, steps]. Default: 10, 20, 50, 100, 200, 500,
   * ... below `steps`, and `steps`.
   */
  readonly checkpoints?: readonly number[];
  /** First image (inclusive). Default 0. */
  readonly start?: number;
  /** Last image (exclusive). Default: all. */
  readonly end?: number;
}

export interface SnnEvaluation {
  readonly start: number;
  readonly end: number;
  readonly checkpoints: readonly number[];
  /** Correct predictions at each checkpoint. */
  readonly correct: Int32Array;
  /** correct / images at each checkpoint. */
  readonly accuracy: Float64Array;
  /** The prediction of every image at every checkpoint, [image - start][checkpoint]. */
  readonly predictions: Int32Array;
  /** Spikes of each image over all T steps, every population summed. */
  readonly spikes: Float64Array;
  /** Synaptic operations of each image over all T steps. */
  readonly synapticOps: Float64Array;
}

const KEYS = ["steps", "checkpoints", "start", "end"];

/** 10, 20, 50, 100, 200, 500, ... below `steps`, then `steps`. */
export function defaultCheckpoints(steps: number): number[] {
  const out: number[] = [];
  for (let decade = 10; decade < steps; decade *= 10) {
    for (const m of [1, 2, 5]) if (decade * m < steps) out.push(decade * m);
  }
  out.push(steps);
  return out;
}

function labelledCount(data: LabelledImages): number {
  if (typeof (data as Partial<Dataset>).image === "function") return (data as Dataset).count;
  const d = data as { images?: unknown; labels?: ArrayLike<number> };
  if (!Array.isArray(d.images) || d.labels === undefined || d.labels.length !== d.images.length) {
    throw new InvalidParameterError(
      `the test set must be a Dataset or { images, labels } with one label per image, got ${describeValue(data)}`,
    );
  }
  return d.images.length;
}

/**
 * Runs the converted network over images [start, end) of `data` for `steps` steps each; see the file comment.
 */
export function evaluateSnn(
  snn: ConvertedSnn,
  data: LabelledImages,
  opts: EvaluateSnnOptions,
): SnnEvaluation {
  if (opts === null || typeof opts !== "object") {
    throw new InvalidParameterError(`evaluateSnn needs options { steps }, got ${describeValue(opts)}`);
  }
  requireKnownKeys("evaluateSnn options", opts, KEYS);
  const steps = requireInteger("steps", opts.steps, 1);
  const checkpoints = opts.checkpoints ? [...opts.checkpoints] : defaultCheckpoints(steps);
  checkpoints.forEach((c, k) => {
    requireInteger(`checkpoints[${k}]`, c, 1);
    if (c > steps || (k > 0 && c <= checkpoints[k - 1])) {
      throw new InvalidParameterError(
        `checkpoints must ascend strictly within [1, steps = ${steps}], got ${checkpoints.join(", ")}`,
      );
    }
  });
  if (checkpoints[checkpoints.length - 1] !== steps) checkpoints.push(steps);
  const count = labelledCount(data);
  const start = requireInteger("start", opts.start ?? 0, 0);
  const end = requireInteger("end", opts.end ?? count, start);
  if (end > count) {
    throw new InvalidParameterError(`end = ${end} is beyond the test set's ${count} images`);
  }
  const n = end - start;
  const nc = checkpoints.length;
  const correct = new Int32Array(nc);
  const predictions = new Int32Array(n * nc);
  const spikes = new Float64Array(n);
  const synapticOps = new Float64Array(n);
  const labels =
    typeof (data as Partial<Dataset>).image === "function" ? (data as Dataset).labels : data.labels;
  const images = typeof (data as Partial<Dataset>).image === "function" ? (data as Dataset) : data.images;
  const x = new Float64Array(snn.pixelCount);
  for (let k = start; k < end; k++) {
    readImage(images as Dataset, k, x);
    snn.network.reset();
    snn.setImage(x, k);
    let done = 0;
    for (let c = 0; c < nc; c++) {
      snn.run(checkpoints[c] - done);
      done = checkpoints[c];
      const p = snn.predict();
      predictions[(k - start) * nc + c] = p;
      if (p === labels[k]) correct[c]++;
    }
    spikes[k - start] = snn.totalSpikes();
    synapticOps[k - start] = snn.synapticOps();
  }
  return withAccuracy({ start, end, checkpoints, correct, predictions, spikes, synapticOps });
}

/** The evaluation with its accuracy at each checkpoint, correct / images (0 for no images). */
function withAccuracy(r: Omit<SnnEvaluation, "accuracy">): SnnEvaluation {
  const n = r.end - r.start;
  return { ...r, accuracy: Float64Array.from(r.correct, (c) => (n > 0 ? c / n : 0)) };
}

/** One evaluation of consecutive index ranges, as if run at once (the ranges in order, each after the last). */
export function mergeSnnEvaluations(parts: readonly SnnEvaluation[]): SnnEvaluation {
  if (parts.length === 0) throw new InvalidParameterError("mergeSnnEvaluations needs at least one part");
  const sorted = [...parts].sort((a, b) => a.start - b.start);
  const checkpoints = sorted[0].checkpoints;
  for (let k = 1; k < sorted.length; k++) {
    if (sorted[k].start !== sorted[k - 1].end) {
      throw new InvalidParameterError(
        `the parts must cover consecutive ranges; part ${k} starts at ${sorted[k].start} after a part that ` +
          `ends at ${sorted[k - 1].end}`,
      );
    }
    if (sorted[k].checkpoints.join() !== checkpoints.join()) {
      throw new InvalidParameterError(
        `the parts must have the same checkpoints; part ${k} has ${sorted[k].checkpoints.join(", ")}, ` +
          `part 0 has ${checkpoints.join(", ")}`,
      );
    }
  }
  const nc = checkpoints.length;
  const start = sorted[0].start;
  const end = sorted[sorted.length - 1].end;
  const correct = new Int32Array(nc);
  const predictions = new Int32Array((end - start) * nc);
  const spikes = new Float64Array(end - start);
  const synapticOps = new Float64Array(end - start);
  for (const p of sorted) {
    for (let c = 0; c < nc; c++) correct[c] += p.correct[c];
    predictions.set(p.predictions, (p.start - start) * nc);
    spikes.set(p.spikes, p.start - start);
    synapticOps.set(p.synapticOps, p.start - start);
  }
  return withAccuracy({ start, end, checkpoints, correct, predictions, spikes, synapticOps });
}
