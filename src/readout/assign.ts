/**
 * Label assignment for unsupervised spiking layers (Diehl & Cook 2015; BindsNET `assign_labels`, used by
 * LC-SNN, Saunders et al. 2019). Works on spike counts summed over an example's presentation.
 *
 *   mean[i][c]        = (sum of neuron i's counts over the batch's examples of class c) / (their number)
 *   rates[i][c]      <- alpha * rates[i][c] + mean[i][c]        for every class c present in the batch
 *   proportions[i][c] = rates[i][c] / sum_c' rates[i][c']        (0 for a neuron whose rates are all 0)
 *   assignment[i]     = argmax_c rates[i][c]                     (ties: lowest class index)
 *
 * alpha, in [0, 1], weights the earlier rates: alpha = 1 accumulates over all of training, as the LC-SNN code
 * does; alpha < 1 lets old batches fade (0 keeps only the latest). Values outside [0, 1] are refused.
 * A class absent from a batch keeps its rates (neither decayed nor updated), as in BindsNET.
 *
 * Departures from BindsNET / Diehl & Cook (case C22): a neuron whose rates are all zero is unassigned (-1)
 * and never votes, instead of silently getting class 0; a class never seen keeps an all-zero column and
 * produces no NaN.
 */
import { InvalidParameterError, ShapeMismatchError, requireFinite, requireInteger } from "../core/errors.ts";
import { requireKnownKeys } from "../core/options.ts";
import { checkCount, checkLabels } from "./counts.ts";
import type { Counts } from "./counts.ts";

/** Assignment value of a neuron that never fired for any class. */
export const UNASSIGNED = -1;

export interface AssignOptions {
  /** Rates from earlier calls ([neurons][classes]); not modified. Default: zeros. */
  readonly rates?: Float64Array | undefined;
  /** Weight of the earlier rates, in [0, 1]. Default 1 (accumulate, as LC-SNN); below 1 old blocks fade. */
  readonly alpha?: number;
  /** Number of neurons; needed only when there are no examples and no rates. */
  readonly numNeurons?: number;
}

export interface Assignment {
  /** Per neuron: its class, or UNASSIGNED (-1). */
  readonly assignments: Int32Array;
  /** [neurons][classes], each row sums to 1 (or is all 0 for an unassigned neuron). */
  readonly proportions: Float64Array;
  /** [neurons][classes] accumulated mean counts. */
  readonly rates: Float64Array;
}

/**
 * Pure label assignment: returns new rates, proportions and assignments; `opts.rates` is copied, never
 * written. `counts` is [examples][neurons] with examples = labels.length.
 */
export function assignLabels(
  counts: Counts,
  labels: ArrayLike<number>,
  numClasses: number,
  opts: AssignOptions = {},
): Assignment {
  requireKnownKeys("assignLabels options", opts, ["rates", "alpha", "numNeurons"]);
  requireInteger("numClasses", numClasses, 1);
  const numNeurons = inferNeurons(counts, labels, numClasses, opts);
  const rates = new Float64Array(numNeurons * numClasses);
  if (opts.rates) rates.set(opts.rates);
  accumulateRates(rates, counts, labels, numNeurons, numClasses, checkAlpha(opts.alpha ?? 1));
  const proportions = new Float64Array(numNeurons * numClasses);
  const assignments = new Int32Array(numNeurons);
  deriveAssignments(rates, numNeurons, numClasses, proportions, assignments);
  return { assignments, proportions, rates };
}

function inferNeurons(
  counts: Counts,
  labels: ArrayLike<number>,
  numClasses: number,
  opts: AssignOptions,
): number {
  let n: number | undefined = opts.numNeurons;
  if (n !== undefined) requireInteger("numNeurons", n, 1);
  if (opts.rates) {
    if (opts.rates.length % numClasses !== 0) {
      throw new ShapeMismatchError(
        `rates has length ${opts.rates.length}, not a multiple of numClasses = ${numClasses}; pass the rates ` +
          `returned by an earlier call with the same numClasses`,
      );
    }
    const fromRates = opts.rates.length / numClasses;
    if (n !== undefined && n !== fromRates) {
      throw new ShapeMismatchError(`numNeurons = ${n} but rates hold ${fromRates} neurons; they must agree`);
    }
    n = fromRates;
  }
  if (labels.length > 0) {
    if (counts.length % labels.length !== 0) {
      throw new ShapeMismatchError(
        `counts has length ${counts.length}, not a multiple of ${labels.length} examples (labels.length); ` +
          `pass a flat [examples][neurons] array`,
      );
    }
    const fromCounts = counts.length / labels.length;
    if (n !== undefined && n !== fromCounts) {
      throw new ShapeMismatchError(
        `counts hold ${fromCounts} neurons per example (${counts.length} / ${labels.length} labels) but ` +
          `rates or numNeurons say ${n}; they must agree`,
      );
    }
    n = fromCounts;
  }
  if (n === undefined) {
    throw new InvalidParameterError(
      "no examples, rates or numNeurons given: cannot tell the number of neurons",
    );
  }
  return n;
}

/**
 * Throws unless `alpha` lies in [0, 1]: it weights the earlier rates in rates <- alpha * rates + mean, so 1
 * accumulates, below 1 old blocks fade, 0 keeps only the latest block, and above 1 old blocks would grow
 * geometrically with every block instead of fading.
 */
function checkAlpha(alpha: number): number {
  requireFinite("alpha", alpha);
  if (alpha < 0 || alpha > 1) {
    throw new InvalidParameterError(
      `alpha = ${alpha} is outside [0, 1]: alpha is the weight of the earlier rates (rates <- alpha * rates + ` +
        `block mean); use 1 to accumulate over all blocks (the default) or a value below 1 to let old blocks fade`,
      { alpha },
    );
  }
  return alpha;
}

/** rates <- alpha * rates + per-class mean counts, in place (classes absent from the batch untouched). */
function accumulateRates(
  rates: Float64Array,
  counts: Counts,
  labels: ArrayLike<number>,
  numNeurons: number,
  numClasses: number,
  alpha: number,
): void {
  checkLabels(labels, numClasses);
  if (counts.length !== labels.length * numNeurons) {
    throw new ShapeMismatchError(
      `counts has length ${counts.length}, ${labels.length} examples x ${numNeurons} neurons need ` +
        `${labels.length * numNeurons}`,
    );
  }
  const sums = new Float64Array(numNeurons * numClasses);
  const perClass = new Int32Array(numClasses);
  for (let e = 0; e < labels.length; e++) {
    const c = labels[e];
    perClass[c]++;
    const row = e * numNeurons;
    for (let i = 0; i < numNeurons; i++) {
      const v = counts[row + i];
      if (v === 0) continue;
      checkCount(v, row + i);
      sums[i * numClasses + c] += v;
    }
  }
  for (let c = 0; c < numClasses; c++) {
    const m = perClass[c];
    if (m === 0) continue;
    for (let i = 0; i < numNeurons; i++) {
      const at = i * numClasses + c;
      rates[at] = alpha * rates[at] + sums[at] / m;
    }
  }
}

/** Proportions and assignments from rates (see the file header). Writes into the two output arrays. */
export function deriveAssignments(
  rates: Float64Array,
  numNeurons: number,
  numClasses: number,
  proportions: Float64Array,
  assignments: Int32Array,
): void {
  for (let i = 0; i < numNeurons; i++) {
    const row = i * numClasses;
    let total = 0;
    let best = UNASSIGNED;
    let bestRate = 0;
    for (let c = 0; c < numClasses; c++) {
      const r = rates[row + c];
      total += r;
      if (r > bestRate) {
        bestRate = r;
        best = c;
      }
    }
    for (let c = 0; c < numClasses; c++) proportions[row + c] = total > 0 ? rates[row + c] / total : 0;
    assignments[i] = best;
  }
}

export interface LabelAssignerJSON {
  readonly kind: "label-assigner";
  readonly version: 1;
  readonly numNeurons: number;
  readonly numClasses: number;
  readonly alpha: number;
  readonly rates: number[];
}

/**
 * Incremental label assignment: owns the rates and updates them in place, so it can be called after every
 * block of examples (LC-SNN: every 250). `assignments` and `proportions` are refreshed by each update.
 */
export class LabelAssigner {
  readonly numNeurons: number;
  readonly numClasses: number;
  readonly alpha: number;
  /** [neurons][classes] accumulated mean counts. */
  readonly rates: Float64Array;
  /** [neurons][classes] rates normalised per neuron. */
  readonly proportions: Float64Array;
  /** Per neuron: class or UNASSIGNED (-1). All unassigned before the first update. */
  readonly assignments: Int32Array;

  constructor(numNeurons: number, numClasses: number, opts: { readonly alpha?: number } = {}) {
    requireKnownKeys("LabelAssigner options", opts, ["alpha"]);
    this.numNeurons = requireInteger("numNeurons", numNeurons, 1);
    this.numClasses = requireInteger("numClasses", numClasses, 1);
    this.alpha = checkAlpha(opts.alpha ?? 1);
    this.rates = new Float64Array(numNeurons * numClasses);
    this.proportions = new Float64Array(numNeurons * numClasses);
    this.assignments = new Int32Array(numNeurons).fill(UNASSIGNED);
  }

  /** Folds a block of examples ([examples][neurons] counts and their labels) into the rates. */
  update(counts: Counts, labels: ArrayLike<number>): this {
    accumulateRates(this.rates, counts, labels, this.numNeurons, this.numClasses, this.alpha);
    deriveAssignments(this.rates, this.numNeurons, this.numClasses, this.proportions, this.assignments);
    return this;
  }

  /** Forgets everything learned (all neurons unassigned). */
  reset(): void {
    this.rates.fill(0);
    this.proportions.fill(0);
    this.assignments.fill(UNASSIGNED);
  }

  toJSON(): LabelAssignerJSON {
    return {
      kind: "label-assigner",
      version: 1,
      numNeurons: this.numNeurons,
      numClasses: this.numClasses,
      alpha: this.alpha,
      rates: Array.from(this.rates),
    };
  }

  static fromJSON(json: LabelAssignerJSON): LabelAssigner {
    if (json?.kind !== "label-assigner" || json.version !== 1) {
      throw new InvalidParameterError(
        `not a saved LabelAssigner (kind ${JSON.stringify(json?.kind)}, version ${json?.version}); pass the ` +
          `object LabelAssigner.toJSON() returned`,
      );
    }
    const a = new LabelAssigner(json.numNeurons, json.numClasses, { alpha: json.alpha });
    if (!Array.isArray(json.rates) || json.rates.length !== a.rates.length) {
      throw new ShapeMismatchError(
        `saved LabelAssigner has ${json.rates?.length} rates, ${json.numNeurons} x ${json.numClasses} need ` +
          `${a.rates.length}`,
      );
    }
    json.rates.forEach((r, i) => {
      checkCount(r, i);
      a.rates[i] = r;
    });
    deriveAssignments(a.rates, a.numNeurons, a.numClasses, a.proportions, a.assignments);
    return a;
  }
}
