/**
 * The plots of a spiking-RNN run directory (written by `spikeflow rnn train` / `rnn convert`): loss and
 * accuracy over training (curve.json), accuracy against the scaling factor s (search.json), rate and spiking
 * outputs against the target for each trial condition, and the firing-rate distributions of excitatory and
 * inhibitory units (examples.json; unit signs from the saved model). Files that a run has not written yet
 * (no search before `rnn convert`) are skipped.
 *
 * `plot` and `report` read the run's files through one function, readRnnRunFiles: the model first, then every
 * file present (summary.json, curve.json, search.json, examples.json, eval.json), each checked field by field
 * and against the model, so both refuse the same damaged files before anything is drawn. plots/ is then
 * replaced as a whole (replacePlots), as for an LC-SNN run: it holds exactly the plots of the run's current
 * files, SVG and (unless png is false) PNG, and an interrupted drawing leaves the previous set.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { FormatError } from "../core/errors.ts";
import {
  type RnnEvalResult,
  type RnnSearchFile,
  type RnnTrainSummary,
  loadRnnRun,
  readEvalFile,
  readSearchFile,
  readTrainSummaryFile,
} from "../experiments/rnn-run.ts";
import { readRunJson } from "../io/json-file.ts";
import type { RateRnn } from "../rnn/rate-rnn.ts";
import type { TaskName } from "../rnn/tasks.ts";
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
import { replacePlots } from "./run-plots.ts";

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

/** The files of an rnn run directory, read and checked (undefined: the run has not written it). */
export interface RnnRunFiles {
  readonly model: RateRnn;
  readonly task: TaskName;
  readonly summary?: RnnTrainSummary;
  readonly curve?: readonly RnnCurvePoint[];
  readonly search?: RnnSearchFile;
  readonly examples?: ExamplesFile;
  readonly evaluation?: RnnEvalResult;
}

const HINT = "rerun the spikeflow rnn command that writes it (rnn train, convert or eval), or delete it";
const readJson = <T>(path: string): T => readRunJson<T>(path, HINT);

/** FormatError unless every named field of `doc` (read from `path`) is an array. */
function requireArrays(path: string, doc: object, fields: readonly string[]): void {
  for (const f of fields) {
    if (!Array.isArray((doc as Record<string, unknown>)[f])) {
      throw new FormatError(`${path}: "${f}" must be an array; ${HINT}`);
    }
  }
}

/** The model and every file present in run directory `dir`, checked (see the file comment). */
export async function readRnnRunFiles(dir: string): Promise<RnnRunFiles> {
  const { model, task } = await loadRnnRun(dir);
  const at = (file: string) => join(dir, file);
  const has = (file: string) => existsSync(at(file));
  let curve: RnnCurvePoint[] | undefined;
  if (has("curve.json")) {
    const doc = readJson<{ curve: RnnCurvePoint[] }>(at("curve.json"));
    requireArrays(at("curve.json"), doc, ["curve"]);
    curve = doc.curve;
  }
  let examples: ExamplesFile | undefined;
  if (has("examples.json")) {
    examples = readJson<ExamplesFile>(at("examples.json"));
    requireArrays(at("examples.json"), examples, ["examples"]);
  }
  return {
    model,
    task,
    ...(has("summary.json")
      ? { summary: readTrainSummaryFile(at("summary.json"), HINT, { task, units: model.units }) }
      : {}),
    ...(curve ? { curve } : {}),
    ...(has("search.json") ? { search: readSearchFile(at("search.json"), HINT, task) } : {}),
    ...(examples ? { examples } : {}),
    ...(has("eval.json") ? { evaluation: readEvalFile(at("eval.json"), HINT, task) } : {}),
  };
}

/** The plot specs of a run's files, in reading order: training, search, trials. */
function rnnPlotSpecs(files: RnnRunFiles): { name: string; spec: PlotSpec }[] {
  const { task, curve, search, examples: ex } = files;
  const specs: { name: string; spec: PlotSpec }[] = [];
  if (curve && curve.length > 0) {
    specs.push({ name: "rnn-loss", spec: rnnLossSpec(curve, { lossThreshold: 7 }) });
    specs.push({ name: "rnn-accuracy", spec: rnnAccuracySpec(curve, { accuracyThreshold: 0.95 }) });
  }
  if (search) {
    specs.push({
      name: "rnn-scale-search",
      spec: scalingSearchSpec(scalingPoints(search), { chosen: search.best.scale }),
    });
  }
  if (ex) {
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
    const sign = files.model.sign;
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
  return specs;
}

/**
 * Checks the run's files (readRnnRunFiles) and replaces dir/plots/ with their plots (SVG, and PNG unless
 * `png` is false). An aborted `signal` stops the drawing and leaves plots/ as it was.
 */
export async function plotRnnRun(
  dir: string,
  options: { png?: boolean; signal?: AbortSignal } = {},
): Promise<{ plots: number; names: string[]; files: RnnRunFiles; wall_s: number }> {
  const t0 = performance.now();
  const files = await readRnnRunFiles(dir);
  const specs = rnnPlotSpecs(files);
  await replacePlots(join(dir, "plots"), specs, {
    png: options.png ?? true,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    plots: specs.length,
    names: specs.map((p) => p.name),
    files,
    wall_s: (performance.now() - t0) / 1000,
  };
}
