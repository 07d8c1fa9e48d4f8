/**
 * Classification by voting of labelled neurons (Diehl & Cook 2015; BindsNET `all_activity` and
 * `proportion_weighting`, used by LC-SNN). For one example with spike counts x[i] and assignments a[i]:
 *
 *   all activity:          score[c] = (1 / |A_c|) * sum_{i in A_c} x[i]
 *   proportion weighting:  score[c] = (1 / |A_c|) * sum_{i in A_c} x[i] * proportions[i][c]
 *
 * where A_c is the set of neurons assigned to class c. Unassigned neurons (-1) belong to no A_c, so they
 * neither vote nor dilute a class's mean (case C22); a class with no neurons scores 0. The prediction is
 * argmax_c score[c], ties to the lowest class; when every score is 0 it is -1 ("no prediction"), which
 * `accuracy` counts as wrong.
 */
import { ShapeMismatchError, requireInteger } from "../core/errors.ts";
import { argmaxPositive, checkCount, rowsOf } from "./counts.ts";
import type { Counts } from "./counts.ts";

export interface VoteResult {
  /** Per example: predicted class or -1. */
  readonly predictions: Int32Array;
  /** [examples][classes] scores. */
  readonly scores: Float64Array;
}

function assignedPerClass(assignments: Int32Array, numClasses: number): Int32Array {
  const n = new Int32Array(numClasses);
  for (let i = 0; i < assignments.length; i++) {
    const a = assignments[i];
    if (a === -1) continue;
    if (!Number.isInteger(a) || a < 0 || a >= numClasses) {
      throw new ShapeMismatchError(
        `assignments[${i}] = ${a} is neither -1 nor a class in [0, ${numClasses}); pass the assignments ` +
          `made with the same numClasses`,
      );
    }
    n[a]++;
  }
  return n;
}

function vote(
  counts: Counts,
  assignments: Int32Array,
  numClasses: number,
  weight: (neuron: number, cls: number) => number,
): VoteResult {
  requireInteger("numClasses", numClasses, 1);
  const numNeurons = assignments.length;
  const examples = rowsOf(
    counts,
    numNeurons,
    "counts",
    " (assignments.length: counts and assignments must describe the same neurons)",
  );
  const perClass = assignedPerClass(assignments, numClasses);
  const scores = new Float64Array(examples * numClasses);
  const predictions = new Int32Array(examples);
  for (let e = 0; e < examples; e++) {
    const row = e * numNeurons;
    const out = e * numClasses;
    for (let i = 0; i < numNeurons; i++) {
      const v = counts[row + i];
      const a = assignments[i];
      if (v === 0 || a === -1) continue;
      checkCount(v, row + i);
      scores[out + a] += v * weight(i, a);
    }
    for (let c = 0; c < numClasses; c++) if (perClass[c] > 0) scores[out + c] /= perClass[c];
    predictions[e] = argmaxPositive(scores, out, numClasses);
  }
  return { predictions, scores };
}

/**
 * "All activity" vote. `counts` is [examples][neurons] (one example: a vector of neuron counts), with
 * neurons = assignments.length.
 */
export function allActivity(counts: Counts, assignments: Int32Array, numClasses: number): VoteResult {
  return vote(counts, assignments, numClasses, () => 1);
}

/**
 * "Proportion weighting" vote: each neuron's count is weighted by its proportion for the class it is
 * assigned to. `proportions` is [neurons][classes] as returned by `assignLabels`.
 */
export function proportionWeighting(
  counts: Counts,
  assignments: Int32Array,
  proportions: Float64Array,
  numClasses: number,
): VoteResult {
  if (proportions.length !== assignments.length * numClasses) {
    throw new ShapeMismatchError(
      `proportions has length ${proportions.length}, ${assignments.length} neurons x ${numClasses} classes ` +
        `need ${assignments.length * numClasses}`,
    );
  }
  return vote(counts, assignments, numClasses, (i, c) => proportions[i * numClasses + c]);
}
