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
import {
  type RnnEvalResult,
  type RnnSearchFile,
  type RnnTrainSummary,
  loadRnnRun,
  readEvalFile,
  readSearchFile,
  readTrainSummaryFile,
} from "../experiments/rnn-run.ts";
import {
  checkFields,
  isCount,
  isFiniteNumber,
  isFraction,
  isNonNegative,
  isObject,
  readRunJson,
} from "../io/json-file.ts";
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

const isPositive = (v: unknown) => isFiniteNumber(v) && v > 0;

/**
 * checkFields for array field `field` of `doc` and its elements (`prefix` names the object in messages, as
 * for checkFields): the field must be an array (not an empty one, unless `empty`), and its first element that
 * fails `ok` is reported as `prefix field[i]`.
 */
function checkElements(
  path: string,
  doc: Record<string, unknown>,
  field: string,
  prefix: string,
  [ok, what]: readonly [(v: unknown) => boolean, string],
  empty = false,
): unknown[] {
  const isArray = (v: unknown) => Array.isArray(v) && (empty || v.length > 0);
  checkFields(path, HINT, doc, [[field, isArray, empty ? "an array" : "a non-empty array"]], prefix);
  const name = `${prefix}${field}`;
  const values = doc[field] as unknown[];
  const bad = values.findIndex((v) => !ok(v));
  if (bad >= 0)
    checkFields(path, HINT, { [`${name}[${bad}]`]: values[bad] }, [[`${name}[${bad}]`, ok, what]]);
  return values;
}

/** curve.json, point by point: what the training plots read. */
function readCurveFile(path: string): RnnCurvePoint[] {
  const doc = readJson<Record<string, unknown>>(path);
  const curve = checkElements(
    path,
    doc,
    "curve",
    "",
    [isObject, "an object { updates, meanLoss, accuracy }"],
    true,
  );
  let previous = 0;
  curve.forEach((p, k) => {
    checkFields(
      path,
      HINT,
      p as Record<string, unknown>,
      [
        ["updates", (v) => isCount(v, previous + 1), `an integer above the previous point's ${previous}`],
        ["meanLoss", isNonNegative, "a finite number >= 0"],
        ["accuracy", isFraction, "a fraction in [0, 1]"],
      ],
      `curve[${k}].`,
    );
    previous = (p as RnnCurvePoint).updates;
  });
  return curve as RnnCurvePoint[];
}

/** examples.json, field by field: what the output and firing-rate plots read, checked against the model. */
function readExamplesFile(path: string, units: number): ExamplesFile {
  const doc = readJson<Record<string, unknown>>(path);
  checkFields(path, HINT, doc, [
    ["dt_ms", isPositive, "a number > 0"],
    ["rateDt_ms", isPositive, "a number > 0"],
    ["scale", isPositive, "a number > 0"],
  ]);
  const examples = checkElements(path, doc, "examples", "", [isObject, "an object (one trial)"]);
  const isUnit = (n: unknown) => isCount(n) && (n as number) < units;
  examples.forEach((e, k) => {
    const o = e as Record<string, unknown>;
    const prefix = `examples[${k}].`;
    checkFields(
      path,
      HINT,
      o,
      [
        ["condition", (v) => typeof v === "string", "a string"],
        ["every", (v) => isCount(v, 1), "an integer >= 1"],
      ],
      prefix,
    );
    for (const f of ["target", "rateOutput", "spikingOutput"])
      checkElements(path, o, f, prefix, [isFiniteNumber, "a finite number"]);
    const unit = `a unit index from 0 to ${units - 1} (the model has ${units} units)`;
    checkElements(path, o, "spikeNeurons", prefix, [isUnit, unit], true);
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
