/**
 * Plots of the spiking-RNN pipeline (Kim, Li & Sejnowski 2019; docs/rnn.md):
 * - `rnnLossSpec`, `rnnAccuracySpec`: the evaluation curve of rate training (rnn/train.ts EvalPoint: mean
 *   loss and accuracy of the evaluation trials after `updates` training trials);
 * - `rnnOutputsSpec`: per trial condition, the target with the rate network's and the LIF network's
 *   outputs over time (each series has its own sample times, so the rate steps (5 ms) and the spiking
 *   samples (0.05 ms) share one axis; long series are thinned, as the caption says);
 * - `scalingSearchSpec`: accuracy of the LIF network against the scaling factor s of the rate-to-spike
 *   transfer, with the chosen s marked;
 * - `firingRateSpec`: histograms of the excitatory and the inhibitory units' firing rates.
 */
import * as Plot from "@observablehq/plot";
import { InvalidParameterError } from "../core/errors.ts";
import { SERIES_COLORS, type PlotSpec, requireNonEmpty, thinSeries } from "./common.ts";

/** One evaluation of rate training (the fields of rnn/train.ts EvalPoint that are plotted). */
export interface RnnCurvePoint {
  /** Training trials (updates) done. */
  readonly updates: number;
  readonly meanLoss: number;
  /** Fraction of evaluation trials passed. */
  readonly accuracy: number;
}

export function rnnLossSpec(
  curve: readonly RnnCurvePoint[],
  options: { title?: string; lossThreshold?: number } = {},
): PlotSpec {
  requireNonEmpty("curve", curve.length, "training wrote no evaluation points");
  return {
    title: options.title ?? "Rate RNN training: loss",
    caption:
      `mean loss of the evaluation trials after each evaluation (${curve.length} points)` +
      (options.lossThreshold !== undefined
        ? `; dashed: the stopping threshold ${options.lossThreshold}.`
        : "."),
    width: 700,
    height: 300,
    x: { label: "training trials" },
    y: { label: "loss", grid: true, zero: true },
    marks: [
      ...(options.lossThreshold !== undefined
        ? [Plot.ruleY([options.lossThreshold], { stroke: "#555", strokeDasharray: "6,4" })]
        : []),
      Plot.line(curve, { x: "updates", y: "meanLoss", stroke: SERIES_COLORS[0] }),
      Plot.dot(curve, { x: "updates", y: "meanLoss", fill: SERIES_COLORS[0], r: curve.length > 60 ? 0 : 2 }),
    ],
  };
}

export function rnnAccuracySpec(
  curve: readonly RnnCurvePoint[],
  options: { title?: string; accuracyThreshold?: number } = {},
): PlotSpec {
  requireNonEmpty("curve", curve.length, "training wrote no evaluation points");
  const rows = curve.map((p) => ({ updates: p.updates, pct: 100 * p.accuracy }));
  return {
    title: options.title ?? "Rate RNN training: accuracy",
    caption:
      `share of evaluation trials passed (rate criterion)` +
      (options.accuracyThreshold !== undefined
        ? `; dashed: the stopping threshold ${(100 * options.accuracyThreshold).toFixed(0)} %.`
        : "."),
    width: 700,
    height: 300,
    x: { label: "training trials" },
    y: { label: "accuracy (%)", domain: [0, 100], grid: true },
    marks: [
      ...(options.accuracyThreshold !== undefined
        ? [Plot.ruleY([100 * options.accuracyThreshold], { stroke: "#555", strokeDasharray: "6,4" })]
        : []),
      Plot.line(rows, { x: "updates", y: "pct", stroke: SERIES_COLORS[2] }),
      Plot.dot(rows, { x: "updates", y: "pct", fill: SERIES_COLORS[2], r: rows.length > 60 ? 0 : 2 }),
    ],
  };
}

export interface TimeSeries {
  /** Sample times, ms. */
  readonly t_ms: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

export interface RnnTrialOutputs {
  /** Condition label, e.g. "Go", "NoGo", "+ +". */
  readonly condition: string;
  readonly target: TimeSeries;
  /** Output of the rate network. */
  readonly rate?: TimeSeries;
  /** Output of the LIF network. */
  readonly spiking?: TimeSeries;
}

const SERIES = [
  { key: "target", label: "target", stroke: "#444", dash: "5,3" },
  { key: "rate", label: "rate RNN", stroke: SERIES_COLORS[0], dash: null },
  { key: "spiking", label: "spiking RNN", stroke: SERIES_COLORS[4], dash: null },
] as const;

export function rnnOutputsSpec(
  trials: readonly RnnTrialOutputs[],
  options: { title?: string; maxPoints?: number; task?: string; scale?: number } = {},
): PlotSpec {
  requireNonEmpty("trials", trials.length, "pass at least one example trial");
  const maxPoints = options.maxPoints ?? 1500;
  const rows: { t: number; y: number; condition: string; series: string }[] = [];
  let thinned = 1;
  for (const tr of trials) {
    for (const s of SERIES) {
      const ts = tr[s.key];
      if (!ts) continue;
      if (ts.t_ms.length !== ts.values.length) {
        throw new InvalidParameterError(
          `${tr.condition} ${s.label}: ${ts.t_ms.length} times but ${ts.values.length} values`,
        );
      }
      const { indices, stride } = thinSeries(ts.values.length, maxPoints);
      thinned = Math.max(thinned, stride);
      for (const i of indices)
        rows.push({ t: ts.t_ms[i], y: ts.values[i], condition: tr.condition, series: s.key });
    }
  }
  const present = SERIES.filter((s) => trials.some((t) => t[s.key] !== undefined));
  const conditions = trials.map((t) => t.condition);
  // legend: series names in the top margin, right-aligned, in the series' colours
  const legend: Plot.Markish[] = present.map((s, i) =>
    Plot.text([{ fy: conditions[0], label: s.label }], {
      frameAnchor: "top-right",
      fy: "fy",
      text: "label",
      dx: -(present.length - 1 - i) * 100,
      dy: -18,
      textAnchor: "end",
      fill: s.stroke,
      fontWeight: "bold",
    }),
  );
  return {
    title: options.title ?? `Outputs per trial condition${options.task ? ` (${options.task})` : ""}`,
    caption:
      `${present.map((s) => s.label).join(", ")} output against time, one panel per condition` +
      (options.scale !== undefined ? ` (spiking network at s = ${options.scale})` : "") +
      (thinned > 1
        ? `; long series thinned to at most ${maxPoints} points (up to 1 in ${thinned} samples)`
        : "") +
      ".",
    width: 760,
    height: 60 + 150 * trials.length,
    marginRight: 80,
    marginTop: 34,
    x: { label: "time (ms)" },
    y: { label: "output", grid: true },
    // a gap between the panels, so that one panel's lowest tick label does not touch the next one's highest
    fy: { label: null, domain: conditions, padding: 0.25 },
    marks: [
      ...legend,
      ...present.map((s) =>
        Plot.line(
          rows.filter((r) => r.series === s.key),
          {
            x: "t",
            y: "y",
            fy: "condition",
            stroke: s.stroke,
            strokeWidth: s.key === "target" ? 1.5 : 1.2,
            ...(s.dash ? { strokeDasharray: s.dash } : {}),
          },
        ),
      ),
    ],
  };
}

export interface ScalingPoint {
  /** Scaling factor s of the transfer (LIF weights = rate weights / s). */
  readonly s: number;
  /** Fraction of trials the LIF network passed. */
  readonly accuracy: number;
}

export function scalingSearchSpec(
  points: readonly ScalingPoint[],
  options: { title?: string; chosen?: number } = {},
): PlotSpec {
  requireNonEmpty("points", points.length, "the scaling-factor search tried no s");
  const rows = [...points].sort((a, b) => a.s - b.s).map((p) => ({ s: p.s, pct: 100 * p.accuracy }));
  // one s: a scale around it with its one tick (a zero-width domain draws a tick "40.000000")
  const only = rows[0].s === rows[rows.length - 1].s ? rows[0].s : undefined;
  return {
    title: options.title ?? "Scaling-factor search",
    caption:
      `accuracy of the spiking network for each scaling factor s tried (${rows.length} ${rows.length === 1 ? "value" : "values"})` +
      (options.chosen !== undefined ? `; dashed: the chosen s = ${options.chosen}.` : "."),
    width: 700,
    height: 300,
    x: {
      label: "s (scaling factor)",
      ...(only !== undefined ? { domain: [only * 0.75, only * 1.25], ticks: [only] } : {}),
    },
    y: { label: "accuracy (%)", domain: [0, 100], grid: true },
    marks: [
      ...(options.chosen !== undefined
        ? [Plot.ruleX([options.chosen], { stroke: "#d62728", strokeDasharray: "5,3" })]
        : []),
      Plot.line(rows, { x: "s", y: "pct", stroke: SERIES_COLORS[0] }),
      Plot.dot(rows, { x: "s", y: "pct", fill: SERIES_COLORS[0], r: 3 }),
    ],
  };
}

/** The accuracy per s of a search result (rnn/scale-search.ts ScaleSearchResult: `scales`, `accuracy`). */
export function scalingPoints(result: {
  readonly scales: readonly number[];
  readonly accuracy: readonly number[];
}): ScalingPoint[] {
  if (result.scales.length !== result.accuracy.length) {
    throw new InvalidParameterError(
      `${result.scales.length} scales but ${result.accuracy.length} accuracies`,
    );
  }
  return result.scales.map((s, i) => ({ s, accuracy: result.accuracy[i] }));
}

export interface UnitRates {
  /** Firing rate of each unit, Hz (rnn/lif-trial.ts firingRates_Hz). */
  readonly rate_Hz: ArrayLike<number>;
  /** Per unit: +1 excitatory, -1 inhibitory (rnn/transfer.ts SpikingRnn.sign). */
  readonly sign: ArrayLike<number>;
}

export function firingRateSpec(data: UnitRates, options: { title?: string; what?: string } = {}): PlotSpec {
  const n = data.rate_Hz.length;
  requireNonEmpty("rate_Hz", n, "pass one firing rate per unit");
  if (data.sign.length !== n) {
    throw new InvalidParameterError(`${n} rates but ${data.sign.length} unit signs; pass one sign per unit`);
  }
  const rows = Array.from({ length: n }, (_, i) => ({
    rate: data.rate_Hz[i],
    type: data.sign[i] < 0 ? "inhibitory" : "excitatory",
  }));
  const stats = (["excitatory", "inhibitory"] as const).map((t) => {
    const r = rows.filter((x) => x.type === t).map((x) => x.rate);
    const mean = r.length ? r.reduce((a, b) => a + b, 0) / r.length : NaN;
    return `${r.length} ${t} (mean ${Number.isFinite(mean) ? mean.toFixed(1) : "-"} Hz)`;
  });
  return {
    title: options.title ?? "Firing rates",
    caption: `firing rates of the spiking network's units${options.what ? ` ${options.what}` : ""}: ${stats.join(", ")}.`,
    width: 700,
    height: 360,
    marginRight: 90,
    x: { label: "firing rate (Hz)" },
    y: { label: "units", grid: true },
    fy: { label: null, domain: ["excitatory", "inhibitory"] },
    marks: [
      Plot.rectY(
        rows,
        Plot.binX<Plot.RectYOptions>(
          { y: "count" },
          {
            x: "rate",
            fy: "type",
            fill: (d: { type: string }) => (d.type === "inhibitory" ? "#d62728" : "#1f77b4"),
            inset: 0.5,
          },
        ),
      ),
      Plot.ruleY([0]),
    ],
  };
}
