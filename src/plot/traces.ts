/**
 * Membrane potential traces (network/monitors.ts StateMonitor) of a few neurons, one panel each, with the
 * neuron's firing threshold as a dashed red line (for adaptive neurons: v_thresh + theta) and its spikes as
 * dots on that line. Long traces are thinned to at most `maxPoints` samples per neuron (stated in the caption).
 */
import * as Plot from "@observablehq/plot";
import { InvalidParameterError, requirePositive } from "../core/errors.ts";
import { type PlotSpec, requireNonEmpty, thinSeries } from "./common.ts";

export interface MembraneTrace {
  /** Panel label, e.g. "Y 17". */
  readonly label: string;
  /** Membrane potential per sample, mV. */
  readonly v_mV: ArrayLike<number>;
  /** Firing threshold, mV. */
  readonly threshold_mV: number;
  /** Spike times, ms. */
  readonly spikes_ms?: readonly number[];
}

export interface MembraneData {
  /** Time of each sample, ms (shared by all traces). */
  readonly t_ms: ArrayLike<number>;
  readonly traces: readonly MembraneTrace[];
  /** Vertical lines (example boundaries), ms. */
  readonly markers_ms?: readonly number[];
}

export function membraneSpec(
  data: MembraneData,
  options: { title?: string; maxPoints?: number; note?: string } = {},
): PlotSpec {
  requireNonEmpty("traces", data.traces.length, "record at least one neuron with a StateMonitor");
  const T = data.t_ms.length;
  const { indices, stride } = thinSeries(T, options.maxPoints ?? 2000);
  const rows: { t: number; v: number; label: string }[] = [];
  for (const tr of data.traces) {
    if (tr.v_mV.length !== T) {
      throw new InvalidParameterError(`trace "${tr.label}" has ${tr.v_mV.length} samples but t_ms has ${T}`);
    }
    requirePositive("|threshold_mV|", Math.abs(tr.threshold_mV));
    for (const i of indices) rows.push({ t: data.t_ms[i], v: tr.v_mV[i], label: tr.label });
  }
  const thresholds = data.traces.map((tr) => ({ label: tr.label, y: tr.threshold_mV }));
  const spikes = data.traces.flatMap((tr) =>
    (tr.spikes_ms ?? []).map((t) => ({ label: tr.label, t, y: tr.threshold_mV })),
  );
  const order = data.traces.map((t) => t.label);
  return {
    title: options.title ?? "Membrane potential",
    caption:
      `membrane potential of ${data.traces.length} neurons; dashed red: firing threshold; dots on it: spikes` +
      (stride > 1 ? `; showing 1 in ${stride} samples` : "") +
      (options.note ? `. ${options.note}` : "."),
    width: 760,
    height: 70 + 110 * data.traces.length,
    marginLeft: 60,
    marginRight: 20,
    x: { label: "time (ms)" },
    y: { label: "membrane potential (mV)", grid: true },
    fy: { label: null, domain: order, axis: null },
    marks: [
      ...(data.markers_ms ?? []).map((t) => Plot.ruleX([t], { stroke: "#bbb", strokeDasharray: "3,3" })),
      Plot.ruleY(thresholds, { y: "y", fy: "label", stroke: "#d62728", strokeDasharray: "5,3" }),
      Plot.line(rows, { x: "t", y: "v", fy: "label", stroke: "#1f77b4", strokeWidth: 1 }),
      Plot.dot(spikes, { x: "t", y: "y", fy: "label", fill: "#d62728", r: 2.5 }),
      Plot.text(
        order.map((label) => ({ label })),
        {
          fy: "label",
          text: "label",
          frameAnchor: "top-left",
          dx: 4,
          dy: 12,
          textAnchor: "start",
          fontWeight: "bold",
          fill: "black",
          stroke: "white",
          strokeWidth: 3,
          paintOrder: "stroke",
        },
      ),
    ],
  };
}
