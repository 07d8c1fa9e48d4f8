/**
 * Spike-count inputs shared by the readouts.
 *
 * A count matrix is a flat row-major array [examples][neurons] (Float32Array, Int32Array, a plain array...):
 * example e's count for neuron i sits at e * numNeurons + i. A single example is a matrix with one row.
 * `SparseCounts` is the same matrix in compressed-row form, for large layers whose dense matrix would not
 * fit in memory (60,000 examples x 9,000 neurons); spike counts are mostly zeros.
 */
import {
  FLOAT32_MAX,
  InvalidParameterError,
  ShapeMismatchError,
  allocateBuffer,
  describeArgument,
  describeValue,
} from "../core/errors.ts";

/** Dense counts, flat row-major [examples][neurons]. */
export type Counts = ArrayLike<number>;

/** Compressed sparse rows: row r's nonzeros are colIndex/values[rowPtr[r] .. rowPtr[r + 1]). */
export interface SparseCounts {
  readonly numRows: number;
  readonly numCols: number;
  /** numRows + 1 offsets, rowPtr[0] = 0, non-decreasing. */
  readonly rowPtr: Int32Array;
  readonly colIndex: Int32Array;
  readonly values: Float32Array;
}

/**
 * Number of rows of a dense matrix with `cols` columns. Throws `InvalidParameterError` when `cols` is not an
 * integer >= 1 and `ShapeMismatchError` when the length is not a multiple of it.
 */
export function rowsOf(counts: Counts, cols: number, what = "counts", colsFrom = ""): number {
  if (!Number.isInteger(cols) || cols < 1) {
    throw new InvalidParameterError(
      `${what}: the number of neurons per example must be an integer >= 1, got ${describeArgument(cols)}` +
        `${colsFrom}; give the neuron count of the [examples][neurons] array`,
      { cols },
    );
  }
  if (counts.length % cols !== 0) {
    throw new ShapeMismatchError(
      `${what} has length ${counts.length}, not a multiple of ${cols} neurons${colsFrom}; pass a flat ` +
        `[examples][neurons] array`,
      { length: counts.length, cols },
    );
  }
  return counts.length / cols;
}

/**
 * Throws unless every label is an integer in [0, numClasses); `numClasses` = Infinity (for callers that do not
 * know it) checks for integers >= 0.
 */
export function checkLabels(labels: ArrayLike<number>, numClasses: number): void {
  const known = numClasses !== Infinity;
  const range = known ? `in [0, ${numClasses})` : ">= 0";
  for (let e = 0; e < labels.length; e++) {
    const l = labels[e];
    if (!Number.isInteger(l)) {
      throw new InvalidParameterError(
        `labels[${e}] = ${describeArgument(l)} is not a class index: labels are integers ${range}; fix the labels`,
        { index: e, label: l },
      );
    }
    if (l < 0 || l >= numClasses) {
      throw new InvalidParameterError(
        `labels[${e}] = ${l} is not a class index ${range}; ${known ? "raise numClasses or " : ""}fix the labels`,
        { index: e, label: l },
      );
    }
  }
}

/** Throws unless `v` is a finite count >= 0. */
export function checkCount(v: number, at: number): void {
  if (!(v >= 0 && v < Infinity)) {
    throw new InvalidParameterError(
      `spike count at flat index ${at} is ${v}; counts must be finite and >= 0`,
      {
        index: at,
        value: v,
      },
    );
  }
}

/**
 * Converts a dense [rows][cols] matrix to compressed sparse rows (zeros dropped). `numCols` (the neurons per
 * example) must be an integer >= 1 that divides `counts.length`, and every count finite, >= 0 and within the
 * float32 range that `values` stores; anything else is an `InvalidParameterError` (a length that is not a
 * multiple is a `ShapeMismatchError`) naming the argument or the flat index.
 */
export function toSparseCounts(counts: Counts, numCols: number): SparseCounts {
  if (typeof (counts as Counts | null | undefined)?.length !== "number" || typeof counts === "string") {
    throw new InvalidParameterError(
      `toSparseCounts(counts, numCols): counts must be a flat [examples][neurons] array or typed array, got ` +
        `${describeValue(counts)}`,
    );
  }
  if (!Number.isInteger(numCols) || numCols < 1) {
    throw new InvalidParameterError(
      `toSparseCounts(counts, numCols): numCols must be an integer >= 1, got ${describeArgument(numCols)}; ` +
        `pass the number of neurons per example (the columns of the [examples][neurons] array)`,
      { numCols },
    );
  }
  const numRows = rowsOf(counts, numCols);
  let nnz = 0;
  for (let i = 0; i < counts.length; i++) {
    const v = counts[i];
    if (v === 0) continue;
    checkCount(v, i);
    if (Math.fround(v) === Infinity) {
      throw new InvalidParameterError(
        `spike count at flat index ${i} is ${v}, beyond the float32 range (up to ${FLOAT32_MAX}) that sparse ` +
          `counts store, where it would become Infinity; rescale the counts`,
        { index: i, value: v },
      );
    }
    nnz++;
  }
  const rowPtr = new Int32Array(numRows + 1);
  // at most 2^31 - 1 nonzeros, so that every offset in rowPtr fits an int32
  const colIndex = allocateBuffer(
    Int32Array,
    nnz,
    `toSparseCounts: ${nnz} nonzero counts`,
    "split the examples",
  );
  const values = new Float32Array(nnz);
  let k = 0;
  for (let r = 0; r < numRows; r++) {
    const base = r * numCols;
    for (let j = 0; j < numCols; j++) {
      const v = counts[base + j];
      if (v !== 0) {
        colIndex[k] = j;
        values[k] = v;
        k++;
      }
    }
    rowPtr[r + 1] = k;
  }
  return { numRows, numCols, rowPtr, colIndex, values };
}

/** Throws `ShapeMismatchError` unless `s` is a well-formed CSR matrix. */
export function checkSparse(s: SparseCounts): void {
  const { numRows, numCols, rowPtr, colIndex, values } = s;
  const nnz = colIndex.length;
  if (rowPtr.length !== numRows + 1 || values.length !== nnz || rowPtr[0] !== 0 || rowPtr[numRows] !== nnz) {
    throw new ShapeMismatchError(
      `sparse counts are inconsistent: ${numRows} rows need ${numRows + 1} row offsets (got ${rowPtr.length}) ` +
        `ending at the ${nnz} nonzeros (values: ${values.length}); build them with toSparseCounts`,
    );
  }
  for (let r = 0; r < numRows; r++) {
    if (rowPtr[r + 1] < rowPtr[r]) {
      throw new ShapeMismatchError(
        `sparse counts: rowPtr decreases at row ${r}; build them with toSparseCounts`,
      );
    }
  }
  for (let k = 0; k < nnz; k++) {
    if (colIndex[k] < 0 || colIndex[k] >= numCols) {
      throw new ShapeMismatchError(
        `sparse counts: column ${colIndex[k]} at entry ${k} is outside [0, ${numCols})`,
      );
    }
  }
}

/**
 * Index of the largest of scores[offset .. offset + length); ties go to the lowest index. Returns -1 when
 * no score is > 0 ("no prediction").
 */
export function argmaxPositive(scores: ArrayLike<number>, offset: number, length: number): number {
  let best = -1;
  let bestScore = 0;
  for (let c = 0; c < length; c++) {
    const s = scores[offset + c];
    if (s > bestScore) {
      bestScore = s;
      best = c;
    }
  }
  return best;
}
