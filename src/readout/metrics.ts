/**
 * Accuracy and confusion matrix over class predictions, where -1 means "no prediction" (a readout that had
 * nothing to go on). A -1 is always wrong; the confusion matrix gives it its own column.
 */
import { InvalidParameterError, ShapeMismatchError, requireInteger } from "../core/errors.ts";
import { checkLabels } from "./counts.ts";

/** Column of the confusion matrix that counts "no prediction" (-1): index numClasses. */
export const NO_PREDICTION = -1;

function checkPredictions(
  predictions: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
): void {
  if (predictions.length !== labels.length) {
    throw new ShapeMismatchError(
      `${predictions.length} predictions but ${labels.length} labels; pass one prediction per label`,
    );
  }
  for (let e = 0; e < predictions.length; e++) {
    const p = predictions[e];
    if (!Number.isInteger(p) || p < NO_PREDICTION || p >= numClasses) {
      throw new InvalidParameterError(
        `predictions[${e}] = ${p} is neither -1 nor a class in [0, ${numClasses})`,
        { index: e, prediction: p },
      );
    }
  }
}

/** Fraction of examples whose prediction equals the label (in [0, 1]); -1 counts as wrong. */
export function accuracy(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predictions.length !== labels.length) {
    throw new ShapeMismatchError(
      `${predictions.length} predictions but ${labels.length} labels; pass one prediction per label`,
    );
  }
  if (labels.length === 0)
    throw new InvalidParameterError("accuracy of 0 examples is undefined; pass at least one");
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
  checkLabels(labels, numClasses);
  checkPredictions(predictions, labels, numClasses);
  const cols = numClasses + 1;
  const counts = new Int32Array(numClasses * cols);
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
