/**
 * Training curves and distributions of an unsupervised run:
 * - running accuracy per readout over training, from metrics.jsonl (one point per block of
 *   `updateInterval` examples; a block scored before any label assignment has no value and is skipped), with
 *   the paper's test accuracy as a dashed reference line;
 * - a histogram of spikes per test example.
 * Series are labelled at their last point instead of with an HTML legend.
 */
import * as Plot from "@observablehq/plot";
import { InvalidParameterError } from "../core/errors.ts";
import { SERIES_COLORS, type PlotSpec, requireNonEmpty } from "./common.ts";

/** The part of a metrics.jsonl line (experiments/unsupervised.ts BlockMetrics) the curve needs. */
export interface AccuracyPoint {
  readonly examples: number;
  readonly accuracy: Readonly<Record<string, number | null>>;
}

export interface PaperLine {
  readonly label: string;
  readonly accuracy_pct: number;
  readonly sd_pct?: number;
}

export function trainingAccuracySpec(
  metrics: readonly AccuracyPoint[],
  options: { paper?: PaperLine; title?: string } = {},
): PlotSpec {
  requireNonEmpty(
    "metrics",
    metrics.length,
    "the run wrote no metrics.jsonl lines; train for at least one block",
  );
  const readouts = [...new Set(metrics.flatMap((m) => Object.keys(m.accuracy)))];
  const rows: { examples: number; pct: number; readout: string }[] = [];
  for (const m of metrics) {
    for (const r of readouts) {
      const a = m.accuracy[r];
      if (a !== null && a !== undefined) rows.push({ examples: m.examples, pct: 100 * a, readout: r });
    }
  }
  const colour = (r: string) => SERIES_COLORS[readouts.indexOf(r) % SERIES_COLORS.length];
  // end-of-line labels, pushed apart to at least 4 percentage points
  const last = readouts
    .map((r) => rows.filter((x) => x.readout === r).at(-1))
    .filter((x) => x !== undefined)
    .sort((a, b) => a.pct - b.pct)
    .map((p) => ({ ...p, labelY: p.pct }));
  for (let i = 1; i < last.length; i++) last[i].labelY = Math.max(last[i].labelY, last[i - 1].labelY + 4);
  const maxX = metrics[metrics.length - 1].examples;
  const paper = options.paper;
  const marks: Plot.Markish[] = [];
  if (paper) {
    marks.push(
      Plot.ruleY([paper.accuracy_pct], { stroke: "#555", strokeDasharray: "6,4" }),
      Plot.text(
        [
          `paper: ${paper.accuracy_pct.toFixed(2)} %${paper.sd_pct ? ` ± ${paper.sd_pct}` : ""} (${paper.label})`,
        ],
        {
          frameAnchor: "top-left",
          dx: 4,
          y: paper.accuracy_pct,
          dy: -7,
          textAnchor: "start",
          fill: "#555",
        },
      ),
    );
  }
  for (const r of readouts) {
    const pts = rows.filter((x) => x.readout === r);
    marks.push(
      Plot.line(pts, { x: "examples", y: "pct", stroke: colour(r), strokeWidth: 1.6 }),
      Plot.dot(pts, { x: "examples", y: "pct", fill: colour(r), r: pts.length > 60 ? 0 : 2 }),
    );
  }
  marks.push(
    Plot.text(last, {
      x: "examples",
      y: "labelY",
      text: "readout",
      fill: (d: { readout: string }) => colour(d.readout),
      textAnchor: "start",
      dx: 6,
    }),
  );
  const none = rows.length === 0;
  return {
    title: options.title ?? "Running accuracy during training",
    caption:
      (none
        ? "no block was scored yet: the first block only gathers labels. "
        : `accuracy of each block of training examples, scored with the label assignments from the blocks before it (${metrics.length} blocks). `) +
      (paper ? "Dashed: the paper's test accuracy." : "No paper reference for this configuration and data."),
    width: 760,
    height: 380,
    marginRight: 90,
    x: { label: "training examples", domain: [0, maxX] },
    y: { label: "accuracy (%)", domain: [0, 100], grid: true },
    marks,
  };
}

export function spikeHistogramSpec(
  spikesPerExample: ArrayLike<number>,
  options: { title?: string; what?: string } = {},
): PlotSpec {
  const n = spikesPerExample.length;
  if (n === 0) throw new InvalidParameterError("no spike counts to plot; the run tested no examples");
  const values = Array.from(spikesPerExample);
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const median = sorted[Math.floor((n - 1) / 2)];
  return {
    title: options.title ?? "Spikes per test example",
    caption: `output spikes of each of ${n} ${options.what ?? "test examples"}; mean ${mean.toFixed(1)}, median ${median}, range ${sorted[0]} to ${sorted[n - 1]}; dashed red: the mean.`,
    width: 760,
    height: 320,
    x: { label: "spikes per example" },
    y: { label: "examples", grid: true },
    marks: [
      Plot.rectY(
        values,
        Plot.binX<Plot.RectYOptions>({ y: "count" }, { x: (d: number) => d, fill: "#4e79a7", inset: 0.5 }),
      ),
      Plot.ruleX([mean], { stroke: "#d62728", strokeDasharray: "4,3" }),
      Plot.ruleY([0]),
    ],
  };
}
