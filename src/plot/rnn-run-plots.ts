/**
 * The plots of a spiking-RNN run directory (written by `spikeflow rnn train` / `rnn convert`): loss and
 * accuracy over training (curve.json), accuracy against the scaling factor s (search.json), rate and spiking
 * outputs against the target for each trial condition, and the firing-rate distributions of excitatory and
 * inhibitory units (examples.json; unit signs from the saved model). Files that a run has not written yet
 * (no search before `rnn convert`) are skipped, and a plot of an earlier call whose data file is gone is
 * removed from plots/. The model is loaded (and so checked) first, and search.json must be of its task.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { FormatError } from "../core/errors.ts";
import { loadRnnRun, readSearchFile } from "../experiments/rnn-run.ts";
import { readRunJson } from "../io/json-file.ts";
import type { PlotSpec } from "./common.ts";
import {
  firingRateSpec,
  rnnAccuracySpec,
  rnnLossSpec,
  rnnOutputsSpec,
  scalingPoints,
  scalingSearchSpec,
} from "./rnn.ts";
import type { RnnCurvePoint, RnnTrialOutputs } from "./rnn.ts";
import { writePlots } from "./run-plots.ts";

interface ExamplesFile {
  readonly dt_ms: number;
  readonly rateDt_ms: number;
  readonly scale: number;
  readonly examples: readonly {
    condition: string;
    target: number[];
    rateOutput: number[];
    spikingOutput: number[];
    every: number;
    spikeNeurons: number[];
  }[];
}

const HINT = "rerun the spikeflow rnn command that writes it, or delete it";
const readJson = <T>(path: string): T => readRunJson<T>(path, HINT);

/** FormatError unless every named field of `doc` (read from `path`) is an array. */
function requireArrays(path: string, doc: object, fields: readonly string[]): void {
  for (const f of fields) {
    if (!Array.isArray((doc as Record<string, unknown>)[f])) {
      throw new FormatError(`${path}: "${f}" must be an array; ${HINT}`);
    }
  }
}

export async function plotRnnRun(
  dir: string,
  options: { png?: boolean } = {},
): Promise<{ plots: number; names: string[]; wall_s: number }> {
  const t0 = performance.now();
  const { model, task } = await loadRnnRun(dir);
  // in reading order: training, search, trials
  const specs: { name: string; spec: PlotSpec }[] = [];
  if (existsSync(join(dir, "curve.json"))) {
    const doc = readJson<{ curve: RnnCurvePoint[] }>(join(dir, "curve.json"));
    requireArrays(join(dir, "curve.json"), doc, ["curve"]);
    const { curve } = doc;
    if (curve.length > 0) {
      specs.push({ name: "rnn-loss", spec: rnnLossSpec(curve, { lossThreshold: 7 }) });
      specs.push({ name: "rnn-accuracy", spec: rnnAccuracySpec(curve, { accuracyThreshold: 0.95 }) });
    }
  }
  if (existsSync(join(dir, "search.json"))) {
    const search = readSearchFile(join(dir, "search.json"), HINT, task);
    specs.push({
      name: "rnn-scale-search",
      spec: scalingSearchSpec(scalingPoints(search), { chosen: search.best.scale }),
    });
  }
  if (existsSync(join(dir, "examples.json"))) {
    const ex = readJson<ExamplesFile>(join(dir, "examples.json"));
    requireArrays(join(dir, "examples.json"), ex, ["examples"]);
    const trials: RnnTrialOutputs[] = ex.examples.map((e) => ({
      condition: e.condition,
      target: { t_ms: e.target.map((_, k) => k * ex.rateDt_ms), values: e.target },
      rate: { t_ms: e.rateOutput.map((_, k) => k * ex.rateDt_ms), values: e.rateOutput },
      spiking: {
        t_ms: e.spikingOutput.map((_, k) => (e.every - 1 + k * e.every) * ex.dt_ms),
        values: e.spikingOutput,
      },
    }));
    specs.push({ name: "rnn-outputs", spec: rnnOutputsSpec(trials, { task, scale: ex.scale }) });
    const sign = model.sign;
    if (ex.examples.length > 0) {
      // mean rate of each unit over the example trials: spikes / (trials x trial duration)
      const counts = new Float64Array(sign.length);
      for (const e of ex.examples) for (const n of e.spikeNeurons) counts[n]++;
      const duration_s = (ex.examples[0].spikingOutput.length * ex.examples[0].every * ex.dt_ms) / 1000;
      const rate_Hz = Array.from(counts, (c) => c / (ex.examples.length * duration_s));
      const what = `over the ${ex.examples.length} example trials (one per condition) at s = ${ex.scale}`;
      specs.push({ name: "rnn-firing-rates", spec: firingRateSpec({ rate_Hz, sign }, { what }) });
    }
  }
  const plotDir = join(dir, "plots");
  if (existsSync(plotDir)) {
    // a plot drawn from a file that is no longer there would mislead
    const kept = new Set(specs.map((p) => p.name));
    for (const f of readdirSync(plotDir)) {
      const m = /^(rnn-.*)\.(svg|png)$/.exec(f);
      if (m && !kept.has(m[1])) rmSync(join(plotDir, f), { force: true });
    }
  }
  await writePlots(plotDir, specs, { png: options.png ?? true });
  return { plots: specs.length, names: specs.map((p) => p.name), wall_s: (performance.now() - t0) / 1000 };
}
