/**
 * Accuracy and confusion matrix over class predictions, where -1 means "no prediction" (a readout that had
 * nothing to go on). A -1 is always wrong; the confusion matrix gives it its own column.
 */
import {
  InvalidParameterError,
  ShapeMismatchError,
  allocateBuffer,
  describeArgument,
  describeValue,
  requireInteger,
} from "../core/errors.ts";
import { checkLabels } from "./counts.ts";

/** Column of the confusion matrix that counts "no prediction" (-1): index numClasses. */
export const NO_PREDICTION = -1;

/** Throws unless `predictions` and `labels` are arrays (or typed arrays) of equal length; `what` names the caller. */
function checkPairs(what: string, predictions: ArrayLike<number>, labels: ArrayLike<number>): void {
  for (const [name, v] of [
    ["predictions", predictions],
    ["labels", labels],
  ] as const) {
    if (typeof (v as ArrayLike<number> | null | undefined)?.length !== "number" || typeof v === "string") {
      throw new InvalidParameterError(
        `${what}(predictions, labels): ${name} must be an array or typed array of class indices, got ` +
          describeValue(v),
      );
    }
  }
  if (predictions.length !== labels.length) {
    throw new ShapeMismatchError(
      `${predictions.length} predictions but ${labels.length} labels; pass one prediction per label`,
    );
  }
}

/**
 * Throws unless every prediction is -1 ("no prediction") or an integer class index below `numClasses`
 * (without `numClasses` any integer >= 0 is a class index).
 */
function checkPredictions(predictions: ArrayLike<number>, numClasses = Infinity): void {
  const classes = numClasses === Infinity ? "an integer class index >= 0" : `a class in [0, ${numClasses})`;
  for (let e = 0; e < predictions.length; e++) {
    const p = predictions[e];
    if (!Number.isInteger(p) || p < NO_PREDICTION || p >= numClasses) {
      throw new InvalidParameterError(
        `predictions[${e}] = ${describeArgument(p)} is neither -1 nor ${classes} (-1 means "no ` +
          `prediction"); pass the class indices a readout returned`,
        { index: e, prediction: p },
      );
    }
  }
}

/**
 * Fraction of examples whose prediction equals the label (in [0, 1]); -1 counts as wrong. Labels must be
 * integers >= 0 and predictions integers >= -1; anything else (NaN, 1.5) is an `InvalidParameterError` naming
 * its index.
 */
export function accuracy(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkPairs("accuracy", predictions, labels);
  if (labels.length === 0)
    throw new InvalidParameterError("accuracy of 0 examples is undefined; pass at least one");
  checkLabels(labels, Infinity);
  checkPredictions(predictions);
  let right = 0;
  for (let e = 0; e < labels.length; e++)
    if (predictions[e] === labels[e] && predictions[e] !== NO_PREDICTION) right++;
  return right / labels.length;
}

export interface ConfusionMatrix {
  readonly numClasses: number;
  /** numClasses rows (true class) x (numClasses + 1) columns (predicted class, then "no prediction"). */
  readonly counts: Int32Array;
  /** Number of examples (the sum of all counts). */
  readonly total: number;
  /** Count for a true class and a prediction (-1 selects the "no prediction" column). */
  get(trueClass: number, predicted: number): number;
}

/** Confusion matrix: rows are true classes, columns predicted classes plus a last "no prediction" column. */
export function confusionMatrix(
  predictions: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
): ConfusionMatrix {
  requireInteger("numClasses", numClasses, 1);
  checkPairs("confusionMatrix", predictions, labels);
  checkLabels(labels, numClasses);
  checkPredictions(predictions, numClasses);
  const cols = numClasses + 1;
  const counts = allocateBuffer(
    Int32Array,
    numClasses * cols,
    `confusionMatrix numClasses = ${numClasses}`,
    "pass the number of classes the labels use",
  );
  const column = (p: number) => (p === NO_PREDICTION ? numClasses : p);
  for (let e = 0; e < labels.length; e++) counts[labels[e] * cols + column(predictions[e])]++;
  return {
    numClasses,
    counts,
    total: labels.length,
    get(trueClass: number, predicted: number): number {
      if (!Number.isInteger(trueClass) || trueClass < 0 || trueClass >= numClasses) {
        throw new InvalidParameterError(`trueClass ${trueClass} is not in [0, ${numClasses})`);
      }
      if (!Number.isInteger(predicted) || predicted < NO_PREDICTION || predicted >= numClasses) {
        throw new InvalidParameterError(`predicted ${predicted} is neither -1 nor in [0, ${numClasses})`);
      }
      return counts[trueClass * cols + column(predicted)];
    },
  };
}
