/**
 * Confusion matrix: rows = true class, columns = predicted class plus, when the matrix has numClasses + 1
 * columns, a last "none" column for examples the readout could not classify (readout/metrics.ts). Every cell
 * shows its count; the shade is the cell's share of its row (of the true class's examples). The text mark
 * has the class "confusion-counts" so tests and pages can read the numbers back.
 */
import * as Plot from "@observablehq/plot";
import { InvalidParameterError } from "../core/errors.ts";
import type { PlotSpec } from "./common.ts";

export interface ConfusionData {
  /** counts[true][predicted]; numClasses or numClasses + 1 ("none") columns. */
  readonly matrix: readonly (readonly number[])[];
  /** Readout name, for the title and caption. */
  readonly readout?: string;
}

export function confusionTotal(matrix: readonly (readonly number[])[]): number {
  return matrix.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
}

export function confusionSpec(data: ConfusionData, options: { title?: string } = {}): PlotSpec {
  const K = data.matrix.length;
  if (K === 0) throw new InvalidParameterError("confusion matrix has no rows");
  const cols = data.matrix[0].length;
  if (cols !== K && cols !== K + 1) {
    throw new InvalidParameterError(
      `confusion matrix is ${K} x ${cols}; expected ${K} x ${K} or ${K} x ${K + 1} (with a "none" column)`,
    );
  }
  const labels = Array.from({ length: cols }, (_, c) => (c === K ? "none" : String(c)));
  const cells: { t: string; p: string; count: number; share: number }[] = [];
  let correct = 0;
  data.matrix.forEach((row, t) => {
    if (row.length !== cols)
      throw new InvalidParameterError(`confusion row ${t} has ${row.length} entries, not ${cols}`);
    const sum = row.reduce((a, b) => a + b, 0);
    row.forEach((count, p) => {
      if (!Number.isInteger(count) || count < 0) {
        throw new InvalidParameterError(`confusion[${t}][${p}] = ${count} is not a count`);
      }
      cells.push({ t: String(t), p: labels[p], count, share: sum > 0 ? count / sum : 0 });
    });
    correct += row[t];
  });
  const total = confusionTotal(data.matrix);
  const cell = 38;
  const margin = { left: 70, right: 20, top: 50, bottom: 20 };
  const name = data.readout ? ` (${data.readout})` : "";
  return {
    title: options.title ?? `Confusion matrix${name}`,
    caption:
      `counts of ${total} test examples; accuracy ${total > 0 ? ((100 * correct) / total).toFixed(2) : "-"} %; ` +
      `shade: share of the true class's examples` +
      (cols === K + 1 ? `; "none": the readout gave no prediction.` : "."),
    width: margin.left + margin.right + cols * cell,
    height: margin.top + margin.bottom + K * cell,
    marginLeft: margin.left,
    marginRight: margin.right,
    marginTop: margin.top,
    marginBottom: margin.bottom,
    padding: 0.04,
    x: { domain: labels, label: "predicted class", axis: "top", tickSize: 0 },
    y: { domain: labels.slice(0, K), label: "true class", tickSize: 0 },
    color: { type: "linear", domain: [0, 1], range: ["#f7fbff", "#08306b"] },
    marks: [
      Plot.cell(cells, { x: "p", y: "t", fill: "share", inset: 0.5 }),
      Plot.text(cells, {
        x: "p",
        y: "t",
        text: (d: { count: number }) => String(d.count),
        fill: (d: { count: number; share: number }) =>
          d.share > 0.5 ? "white" : d.count === 0 ? "#aaa" : "black",
        fontSize: 11,
        className: "confusion-counts",
      }),
    ],
  };
}
