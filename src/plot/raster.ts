/**
 * Spike raster: one dot per spike at (time = step x dt_ms, neuron). Populations are stacked top to bottom
 * in the order given, each in its own shaded band labelled with its name and size; neuron 0 of the first
 * population is at the top. A raster with more than `maxMarks` spikes is thinned deterministically to every
 * k-th spike (k = ceil(total / maxMarks), counted over all populations in order), and the caption says so
 * ("showing 1 in k spikes").
 */
import * as Plot from "@observablehq/plot";
import { InvalidParameterError, requirePositive } from "../core/errors.ts";
import { SERIES_COLORS, type PlotSpec, subsampleCount, subsampleStride } from "./common.ts";

export interface RasterPopulation {
  readonly name: string;
  /** Neurons in the population. */
  readonly size: number;
  /** Step of each spike (any origin: time = step x dt_ms). */
  readonly steps: ArrayLike<number>;
  /** Neuron (0-based, within the population) of each spike. */
  readonly neurons: ArrayLike<number>;
}

export interface RasterData {
  readonly populations: readonly RasterPopulation[];
  readonly dt_ms: number;
  /** Length of the recording; default: up to the last spike. */
  readonly duration_ms?: number;
  /** Vertical lines (e.g. where a new example starts), in ms. */
  readonly markers_ms?: readonly number[];
}

export interface RasterOptions {
  /** At most this many dots; more spikes are thinned to 1 in k. Default 10,000. */
  readonly maxMarks: number;
  /** Outer width in px. Default 800. */
  readonly width: number;
  /** Outer height in px. Default 460. */
  readonly height: number;
  readonly title: string;
  /** Text appended to the generated caption. */
  readonly note?: string;
}

export const RASTER_DEFAULTS: Readonly<RasterOptions> = Object.freeze({
  maxMarks: 10_000,
  width: 800,
  height: 460,
  title: "Spike raster",
});

/** Total spikes and the subsampling stride a raster uses. */
export function rasterSampling(
  data: RasterData,
  maxMarks: number,
): { total: number; stride: number; shown: number } {
  const total = data.populations.reduce((s, p) => s + p.steps.length, 0);
  const stride = subsampleStride(total, maxMarks);
  return { total, stride, shown: subsampleCount(total, stride) };
}

export function rasterSpec(data: RasterData, options: Partial<RasterOptions> = {}): PlotSpec {
  const o = { ...RASTER_DEFAULTS, ...options };
  requirePositive("dt_ms", data.dt_ms);
  if (data.populations.length === 0) {
    throw new InvalidParameterError("raster needs at least one population; pass the recorded spikes");
  }
  for (const p of data.populations) {
    if (p.steps.length !== p.neurons.length) {
      throw new InvalidParameterError(
        `population "${p.name}": ${p.steps.length} spike steps but ${p.neurons.length} spike neurons; they must pair up`,
      );
    }
  }
  const { total, stride, shown } = rasterSampling(data, o.maxMarks);
  let lastStep = 0;
  for (const p of data.populations)
    for (let k = 0; k < p.steps.length; k++) lastStep = Math.max(lastStep, p.steps[k]);
  const duration_ms = data.duration_ms ?? (lastStep + 1) * data.dt_ms;
  const totalNeurons = data.populations.reduce((s, p) => s + p.size, 0);

  const bands: { name: string; y1: number; y2: number; fill: string; label: string }[] = [];
  const marks: Plot.Markish[] = [];
  let offset = 0;
  let g = 0; // global spike number, for the 1-in-k subsample
  data.populations.forEach((p, i) => {
    bands.push({
      name: p.name,
      y1: offset,
      y2: offset + p.size,
      fill: i % 2 === 0 ? "#eef3f8" : "#f8f4ec",
      label: `${p.name} (${p.size})`,
    });
    const first = (stride - (g % stride)) % stride;
    const m = first < p.steps.length ? Math.ceil((p.steps.length - first) / stride) : 0;
    const xs = new Float64Array(m);
    const ys = new Float64Array(m);
    for (let k = first, d = 0; k < p.steps.length; k += stride, d++) {
      xs[d] = p.steps[k] * data.dt_ms;
      ys[d] = offset + p.neurons[k] + 0.5;
    }
    g += p.steps.length;
    if (m > 0) {
      marks.push(
        Plot.dot(
          { length: m },
          {
            x: xs,
            y: ys,
            r: shown > 5000 ? 0.9 : 1.5,
            fill: SERIES_COLORS[i % SERIES_COLORS.length],
            stroke: null,
          },
        ),
      );
    }
    offset += p.size;
  });

  const counts = data.populations.map((p) => `${p.name} ${p.steps.length}`).join(", ");
  const sampling =
    stride === 1
      ? `one dot per spike (${total} spikes)`
      : `showing 1 in ${stride} spikes (${shown} of ${total})`;
  return {
    title: o.title,
    caption: `${sampling}; spikes per population: ${counts}; ${duration_ms} ms at dt = ${data.dt_ms} ms.${o.note ? " " + o.note : ""}`,
    width: o.width,
    height: o.height,
    marginLeft: 50,
    marginRight: 110,
    x: { label: "time (ms)", domain: [0, duration_ms] },
    y: { label: "neuron", domain: [0, totalNeurons], reverse: true },
    marks: [
      Plot.rect(bands, { x1: 0, x2: duration_ms, y1: "y1", y2: "y2", fill: "fill" }),
      Plot.text(bands, {
        x: duration_ms,
        y: (b: { y1: number; y2: number }) => (b.y1 + b.y2) / 2,
        text: "label",
        textAnchor: "start",
        dx: 6,
        fontSize: 11,
      }),
      ...(data.markers_ms ?? []).map((t) => Plot.ruleX([t], { stroke: "#888", strokeDasharray: "3,3" })),
      ...marks,
      Plot.frame({ stroke: "#999" }),
    ],
  };
}
