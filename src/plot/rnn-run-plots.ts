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
import { describeValue } from "../core/options.ts";
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

/** curve.json, point by point: what the training plots read. */
function readCurveFile(path: string): RnnCurvePoint[] {
  const doc = readJson<Record<string, unknown>>(path);
  requireArrays(path, doc, ["curve"]);
  const bad = (what: string) => new FormatError(`${path}: ${what}; ${HINT}`);
  const curve = doc.curve as unknown[];
  let previous = 0;
  curve.forEach((p, k) => {
    if (typeof p !== "object" || p === null || Array.isArray(p)) {
      throw bad(`curve[${k}] must be an object { updates, meanLoss, accuracy }, got ${describeValue(p)}`);
    }
    const o = p as Record<string, unknown>;
    if (!(typeof o.updates === "number" && Number.isInteger(o.updates) && o.updates > previous)) {
      throw bad(
        `curve[${k}].updates must be an integer above the previous point's ${previous}, got ${describeValue(o.updates)}`,
      );
    }
    previous = o.updates;
    if (!(typeof o.meanLoss === "number" && Number.isFinite(o.meanLoss) && o.meanLoss >= 0)) {
      throw bad(`curve[${k}].meanLoss must be a finite number >= 0, got ${describeValue(o.meanLoss)}`);
    }
    if (!(typeof o.accuracy === "number" && o.accuracy >= 0 && o.accuracy <= 1)) {
      throw bad(`curve[${k}].accuracy must be a fraction in [0, 1], got ${describeValue(o.accuracy)}`);
    }
  });
  return curve as RnnCurvePoint[];
}

/** examples.json, field by field: what the output and firing-rate plots read, checked against the model. */
function readExamplesFile(path: string, units: number): ExamplesFile {
  const doc = readJson<Record<string, unknown>>(path);
  requireArrays(path, doc, ["examples"]);
  const bad = (what: string) => new FormatError(`${path}: ${what}; ${HINT}`);
  for (const f of ["dt_ms", "rateDt_ms", "scale"]) {
    const v = doc[f];
    if (!(typeof v === "number" && Number.isFinite(v) && v > 0)) {
      throw bad(`"${f}" must be a number > 0, got ${describeValue(v)}`);
    }
  }
  const examples = doc.examples as unknown[];
  if (examples.length === 0) throw bad(`"examples" is empty: it holds one trial per task condition`);
  examples.forEach((e, k) => {
    if (typeof e !== "object" || e === null || Array.isArray(e)) {
      throw bad(`examples[${k}] must be an object, got ${describeValue(e)}`);
    }
    const o = e as Record<string, unknown>;
    const field = (name: string) => `examples[${k}].${name}`;
    if (typeof o.condition !== "string") {
      throw bad(`${field("condition")} must be a string, got ${describeValue(o.condition)}`);
    }
    for (const name of ["target", "rateOutput", "spikingOutput"]) {
      const v = o[name];
      if (!Array.isArray(v) || v.length === 0) {
        throw bad(`${field(name)} must be a non-empty array of numbers, got ${describeValue(v)}`);
      }
      const at = v.findIndex((x) => !(typeof x === "number" && Number.isFinite(x)));
      if (at >= 0) throw bad(`${field(name)}[${at}] must be a finite number, got ${describeValue(v[at])}`);
    }
    if (!(typeof o.every === "number" && Number.isInteger(o.every) && o.every >= 1)) {
      throw bad(`${field("every")} must be an integer >= 1, got ${describeValue(o.every)}`);
    }
    const neurons = o.spikeNeurons;
    if (!Array.isArray(neurons)) {
      throw bad(`${field("spikeNeurons")} must be an array of unit indices, got ${describeValue(neurons)}`);
    }
    const at = neurons.findIndex(
      (n) => !(typeof n === "number" && Number.isInteger(n) && n >= 0 && n < units),
    );
    if (at >= 0) {
      throw bad(
        `${field("spikeNeurons")}[${at}] must be a unit index from 0 to ${units - 1} (the model has ${units} ` +
          `units), got ${describeValue(neurons[at])}`,
      );
    }
  });
  return doc as unknown as ExamplesFile;
}

/** The model and every file present in run directory `dir`, checked (see the file comment). */
export async function readRnnRunFiles(dir: string): Promise<RnnRunFiles> {
  const { model, task } = await loadRnnRun(dir);
  const at = (file: string) => join(dir, file);
  const has = (file: string) => existsSync(at(file));
  const curve = has("curve.json") ? readCurveFile(at("curve.json")) : undefined;
  const examples = has("examples.json") ? readExamplesFile(at("examples.json"), model.units) : undefined;
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
