/**
 * Label assignments (readout/assign.ts): one cell per neuron coloured by its assigned class, with the class
 * digit written in the cell when the cells are large enough. Unassigned neurons (-1: never fired while
 * labels were gathered) are white with a dash. LC-SNN layout: one row per location, one column per filter
 * (neuron j = loc F + f); Diehl & Cook: a near-square grid in neuron order. A legend of class colours is
 * drawn under the grid with ordinary marks.
 */
import * as Plot from "@observablehq/plot";
import { InvalidParameterError, requireInteger } from "../core/errors.ts";
import { UNASSIGNED } from "../readout/assign.ts";
import { UNASSIGNED_COLOR, classColor, type PlotSpec, squareGrid } from "./common.ts";

export interface AssignmentLayout {
  readonly columns: number;
  readonly rows: number;
  /** Axis labels; when absent the axes are hidden (plain neuron order). */
  readonly xLabel?: string;
  readonly yLabel?: string;
}

export interface AssignmentData {
  /** Per neuron: class index, or -1 (unassigned). */
  readonly assignments: ArrayLike<number>;
  readonly numClasses: number;
  /** Default: a near-square grid, row-major in neuron order. */
  readonly layout?: AssignmentLayout;
}

/** Whether white text reads better than black on `hex` (relative luminance below 0.5). */
function isDark(hex: string): boolean {
  const v = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2] < 0.5;
}

function ticksFor(n: number): number[] {
  const step = n <= 12 ? 1 : n <= 30 ? 5 : n <= 120 ? 10 : Math.ceil(n / 10 / 10) * 10;
  return Array.from({ length: Math.ceil(n / step) }, (_, i) => i * step);
}

export function assignmentSpec(
  data: AssignmentData,
  options: { title?: string; maxWidth?: number } = {},
): PlotSpec {
  const n = data.assignments.length;
  requireInteger("numClasses", data.numClasses, 1);
  if (n === 0) throw new InvalidParameterError("no assignments to plot; train the readout first");
  const layout: AssignmentLayout = data.layout ?? squareGrid(n);
  if (layout.columns * layout.rows < n) {
    throw new InvalidParameterError(
      `a ${layout.columns} x ${layout.rows} layout cannot hold ${n} neurons; use more columns or rows`,
    );
  }
  const perClass = new Array<number>(data.numClasses).fill(0);
  let unassigned = 0;
  const cells = Array.from({ length: n }, (_, j) => {
    const c = data.assignments[j];
    if (c === UNASSIGNED) unassigned++;
    else if (Number.isInteger(c) && c >= 0 && c < data.numClasses) perClass[c]++;
    else {
      throw new InvalidParameterError(
        `assignment of neuron ${j} is ${c}, neither -1 nor a class in [0, ${data.numClasses})`,
      );
    }
    return {
      col: j % layout.columns,
      row: Math.floor(j / layout.columns),
      fill: c === UNASSIGNED ? UNASSIGNED_COLOR : classColor(c),
      text: c === UNASSIGNED ? "–" : String(c),
      dark: c !== UNASSIGNED && isDark(classColor(c)),
    };
  });
  const axes = layout.xLabel !== undefined || layout.yLabel !== undefined;
  const margin = { left: axes ? 60 : 10, right: 10, top: axes ? 30 : 10, bottom: 52 };
  const maxWidth = options.maxWidth ?? 800;
  const cell = Math.max(
    4,
    Math.min(30, Math.floor((maxWidth - margin.left - margin.right) / layout.columns)),
  );
  const legendWidth = data.numClasses * 44 + 90;
  const width = Math.max(legendWidth, margin.left + margin.right + layout.columns * cell);
  const height = margin.top + margin.bottom + layout.rows * cell;
  // legend in the bottom margin: one square per class, then "unassigned"; x positions are absolute
  const legend: Plot.Markish[] = [];
  for (let c = 0; c <= data.numClasses; c++) {
    const x = 16 + c * 44 - margin.left;
    const none = c === data.numClasses;
    legend.push(
      Plot.dot([0], {
        frameAnchor: "bottom-left",
        dx: x,
        dy: 32,
        symbol: "square",
        r: 6,
        fill: none ? UNASSIGNED_COLOR : classColor(c),
        stroke: "#777",
      }),
      Plot.text([none ? "unassigned" : String(c)], {
        frameAnchor: "bottom-left",
        dx: x + 10,
        dy: 32,
        textAnchor: "start",
        fontSize: 10,
      }),
    );
  }
  const counts = perClass.map((k, c) => `${c}: ${k}`).join(", ");
  return {
    title: options.title ?? "Label assignments",
    caption:
      `class assigned to each of ${n} neurons (${counts}); ${unassigned} unassigned (white, "–": never fired ` +
      `while labels were gathered).`,
    width,
    height,
    marginLeft: margin.left,
    marginRight: width - margin.left - layout.columns * cell,
    marginTop: margin.top,
    marginBottom: margin.bottom,
    padding: 0,
    x: {
      domain: Array.from({ length: layout.columns }, (_, i) => i),
      ...(layout.xLabel !== undefined
        ? { label: layout.xLabel, axis: "top", ticks: ticksFor(layout.columns) }
        : { axis: null }),
    },
    y: {
      domain: Array.from({ length: layout.rows }, (_, i) => i),
      ...(layout.yLabel !== undefined
        ? { label: layout.yLabel, ticks: ticksFor(layout.rows) }
        : { axis: null }),
    },
    marks: [
      Plot.cell(cells, {
        x: "col",
        y: "row",
        fill: "fill",
        stroke: "#fff",
        strokeWidth: cell >= 8 ? 0.5 : 0,
      }),
      ...(cell >= 12
        ? [
            Plot.text(cells, {
              x: "col",
              y: "row",
              text: "text",
              fill: (d: { dark: boolean; fill: string }) => (d.dark ? "white" : "black"),
              fontSize: Math.min(12, cell - 3),
            }),
          ]
        : []),
      ...legend,
    ],
  };
}
