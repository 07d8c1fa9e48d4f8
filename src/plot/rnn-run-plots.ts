/**
 * The plots of a spiking-RNN run directory (written by `spikeflow rnn train` / `rnn convert`): loss and
 * accuracy over training (curve.json), accuracy against the scaling factor s (search.json), rate and spiking
 * outputs against the target for each trial condition, and the firing-rate distributions of excitatory and
 * inhibitory units (examples.json; unit signs from the saved model). Files that a run has not written yet
 * (no search before `rnn convert`) are skipped.
 *
 * `plot` and `report` read the run's files through one function, readRnnRunFiles: the model first, then every
 * file present (summary.json, curve.json, search.json, examples.json, eval.json), each checked field by field,
 * against the model and task, and against each other (curve.json with summary.json, examples.json with
 * search.json), so both refuse the same damaged files before anything is drawn. plots/ is then
 * replaced as a whole (replacePlots), as for an LC-SNN run: it holds exactly the plots of the run's current
 * files, SVG and (unless png is false) PNG, and an interrupted drawing leaves the previous set.
 */
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { FormatError } from "../core/errors.ts";
import { createRng } from "../core/rng.ts";
import { sameStep } from "../core/time.ts";
import {
  type RnnEvalResult,
  type RnnSearchFile,
  type RnnTrainSummary,
  loadRnnRun,
  readEvalFile,
  readSearchFile,
  readTrainSummaryFile,
  taskConditions,
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
import { refuseOtherModelRecord } from "../experiments/run-files.ts";
import type { RateRnn } from "../rnn/rate-rnn.ts";
import { MAX_SCALE, MIN_SCALE } from "../rnn/scale-search.ts";
import { type TaskName, generateTrial, taskSpec } from "../rnn/tasks.ts";
import { RATE_TRAIN_DEFAULTS } from "../rnn/train.ts";
import { TRANSFER_DEFAULTS } from "../rnn/transfer.ts";
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
    label: number;
    input: number[][];
    target: number[];
    rateOutput: number[];
    rateCorrect: boolean;
    spikingOutput: number[];
    every: number;
    spikingCorrect: boolean;
    spikeSteps: number[];
    spikeNeurons: number[];
  }[];
}

/** curve.json: the evaluation curve and every training trial's loss. */
interface CurveFile {
  readonly curve: RnnCurvePoint[];
  readonly trainLoss: number[];
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

/** What to do about a damaged file of an rnn run at `path`: run the command that writes it again, or delete it. */
function hintFor(path: string): string {
  const dir = dirname(path);
  switch (basename(path)) {
    case "search.json":
    case "examples.json":
      return `run "spikeflow rnn convert ${dir}" again to rewrite it, or delete it`;
    case "eval.json":
      return `run "spikeflow rnn eval ${dir}" again to rewrite it, or delete it`;
    default:
      // summary.json, curve.json: rnn train writes them once, into a new directory
      return "rnn train wrote it, and writes only new runs: train again with another --out, or delete it";
  }
}
const readJson = <T>(path: string): T => readRunJson<T>(path, hintFor(path));

const isPositive = (v: unknown) => isFiniteNumber(v) && v > 0;

/**
 * checkFields for array field `field` of `doc` and its elements (`prefix` names the object in messages, as
 * for checkFields): the field must be an array (not an empty one, unless `empty`), and its first element that
 * fails `ok` (given the element and its index) is reported as `prefix field[i]`.
 */
function checkElements(
  path: string,
  doc: Record<string, unknown>,
  field: string,
  prefix: string,
  [ok, what]: readonly [(v: unknown, k: number) => boolean, string],
  empty = false,
): unknown[] {
  const isArray = (v: unknown) => Array.isArray(v) && (empty || v.length > 0);
  checkFields(path, hintFor(path), doc, [[field, isArray, empty ? "an array" : "a non-empty array"]], prefix);
  const name = `${prefix}${field}`;
  const values = doc[field] as unknown[];
  const bad = values.findIndex((v, k) => !ok(v, k));
  if (bad >= 0)
    checkFields(path, hintFor(path), { [`${name}[${bad}]`]: values[bad] }, [
      [`${name}[${bad}]`, (v) => ok(v, bad), what],
    ]);
  return values;
}

/** FormatError unless array `values` (field `name` of the file at `path`) holds `n` entries; `what` says why. */
function checkLength(path: string, name: string, values: readonly unknown[], n: number, what: string): void {
  if (values.length === n) return;
  throw new FormatError(`${path}: "${name}" must hold ${n} ${what}, got ${values.length}; ${hintFor(path)}`, {
    file: path,
  });
}

/** Evaluations after updates 2, 2 + evalEvery, ... (trial indices 1, 1 + evalEvery, ...: src/rnn/train.ts). */
const EVAL_EVERY = RATE_TRAIN_DEFAULTS.evalEvery;
const evaluationUpdates = (k: number) => 2 + k * EVAL_EVERY;
/** The evaluations of a training of `updates` trials: one after each update 2 + evalEvery k up to `updates`. */
const evaluationsIn = (updates: number) => (updates < 2 ? 0 : Math.floor((updates - 2) / EVAL_EVERY) + 1);

/**
 * curve.json, point by point and as a whole: what the training plots read. Every point is an evaluation after
 * updates 2, 102, 202, ... (trial = updates - 1), every loss a finite number >= 0, and the curve holds one
 * point per evaluation that the losses of "trainLoss" (one per training trial) reached.
 */
function readCurveFile(path: string): CurveFile {
  const doc = readJson<Record<string, unknown>>(path);
  const curve = checkElements(
    path,
    doc,
    "curve",
    "",
    [isObject, "an object { trial, updates, meanLoss, accuracy }"],
    true,
  );
  curve.forEach((p, k) => {
    const updates = evaluationUpdates(k);
    checkFields(
      path,
      hintFor(path),
      p as Record<string, unknown>,
      [
        [
          "updates",
          (v) => v === updates,
          `${updates}, the updates before evaluation ${k} (evaluations after trials 2, ${evaluationUpdates(1)}, ` +
            `${evaluationUpdates(2)}, ...)`,
        ],
        [
          "trial",
          (v) => v === updates - 1,
          `${updates - 1}, the 0-based index of the last training trial (updates - 1)`,
        ],
        ["meanLoss", isNonNegative, "a finite number >= 0"],
        ["accuracy", isFraction, "a fraction in [0, 1]"],
      ],
      `curve[${k}].`,
    );
  });
  const trainLoss = checkElements(path, doc, "trainLoss", "", [
    isNonNegative,
    "a finite number >= 0 (the loss of one training trial)",
  ]);
  const n = evaluationsIn(trainLoss.length);
  checkLength(
    path,
    "curve",
    curve,
    n,
    `evaluation${n === 1 ? "" : "s"} (one after trials 2, ${evaluationUpdates(1)}, ... up to the ` +
      `${trainLoss.length} training trials of "trainLoss")`,
  );
  return { curve: curve as RnnCurvePoint[], trainLoss: trainLoss as number[] };
}

/**
 * FormatError unless curve.json (`curvePath`) and summary.json (`summaryPath`) describe the same training: one
 * loss per training trial, and the curve's last evaluation the one summary.json reports.
 */
function checkCurveAgainstSummary(
  curvePath: string,
  { curve, trainLoss }: CurveFile,
  summaryPath: string,
  summary: RnnTrainSummary,
): void {
  const refuse = (what: string) =>
    new FormatError(
      `${curvePath}: ${what}; the two files are from different runs or were edited: train the run again ` +
        `(spikeflow rnn train)`,
      { file: curvePath },
    );
  if (trainLoss.length !== summary.updates) {
    throw refuse(
      `"trainLoss" holds ${trainLoss.length} training losses, but ${summaryPath} records ` +
        `${summary.updates} training trials ("train.updates"), one loss each`,
    );
  }
  const last = curve.at(-1);
  const got = last
    ? `{ updates: ${last.updates}, meanLoss: ${last.meanLoss}, accuracy: ${last.accuracy} }`
    : "no evaluation";
  const told =
    summary.evaluatedAfterUpdates === null
      ? "no evaluation"
      : `{ updates: ${summary.evaluatedAfterUpdates}, meanLoss: ${summary.finalLoss}, accuracy: ` +
        `${summary.rateAccuracy} }`;
  if (got !== told) {
    throw refuse(
      `the last evaluation of "curve" is ${got}, but ${summaryPath} records ${told} ` +
        `("train.evaluatedAfterUpdates", "train.finalLoss", "train.rateAccuracy")`,
    );
  }
}

/**
 * examples.json, field by field: what the output and firing-rate plots read, checked against the model, the
 * task (one trial per condition, in the order of taskConditions, with its label; trial lengths) and, when
 * there is one, search.json (the scale: rnn convert writes both from the same search).
 */
function readExamplesFile(
  path: string,
  model: RateRnn,
  task: TaskName,
  search: { readonly path: string; readonly scale: number } | undefined,
): ExamplesFile {
  const doc = readJson<Record<string, unknown>>(path);
  refuseOtherModelRecord(path, doc, dirname(path), hintFor(path));
  const units = model.units;
  const lifDt = TRANSFER_DEFAULTS.dt_ms;
  const rateDt = model.dynamics.dt_ms;
  checkFields(path, hintFor(path), doc, [
    ["dt_ms", (v) => isPositive(v) && sameStep(v as number, lifDt), `${lifDt}, the LIF step of rnn convert`],
    [
      "rateDt_ms",
      (v) => isPositive(v) && sameStep(v as number, rateDt),
      `${rateDt}, the model's rate step (config.dynamics.dt_ms)`,
    ],
    [
      "scale",
      (v) => typeof v === "number" && v >= MIN_SCALE && v <= MAX_SCALE,
      `a scaling factor in [${MIN_SCALE}, ${MAX_SCALE}]`,
    ],
  ]);
  if (search !== undefined) {
    checkFields(path, hintFor(path), doc, [
      [
        "scale",
        (v) => v === search.scale,
        `${search.scale}, best.scale of ${search.path} (rnn convert writes both from one search)`,
      ],
    ]);
  }
  const conditions = taskConditions(task);
  const names = conditions.map((c) => JSON.stringify(c.name)).join(", ");
  const examples = checkElements(path, doc, "examples", "", [isObject, "an object (one trial)"]);
  checkLength(path, "examples", examples, conditions.length, `trials, one per ${task} condition (${names})`);
  const spec = taskSpec(task);
  const T = spec.steps;
  const lifSteps = T * Math.round(rateDt / lifDt);
  const isUnit = (n: unknown) => isCount(n) && (n as number) < units;
  examples.forEach((e, k) => {
    const o = e as Record<string, unknown>;
    const prefix = `examples[${k}].`;
    const condition = conditions[k];
    // the label is fixed by the condition (its overrides); the stream only draws what they leave open
    const label = generateTrial(task, createRng(0, "example-label"), condition.overrides).label;
    checkFields(
      path,
      hintFor(path),
      o,
      [
        [
          "condition",
          (v) => v === condition.name,
          `${JSON.stringify(condition.name)}, the ${task} task's condition ${k} (${names})`,
        ],
        ["label", (v) => v === label, `${label}, the label of the condition`],
        ["every", (v) => isCount(v, 1) && (v as number) <= lifSteps, `an integer from 1 to ${lifSteps}`],
        ["rateCorrect", (v) => typeof v === "boolean", "true or false"],
        ["spikingCorrect", (v) => typeof v === "boolean", "true or false"],
      ],
      prefix,
    );
    const inputs = spec.inputs;
    const row = `a row of ${inputs} finite number${inputs === 1 ? "" : "s"} (one per input channel)`;
    const isRow = (v: unknown) => Array.isArray(v) && v.length === inputs && v.every(isFiniteNumber);
    const trial = `of the ${T}-step ${task} trial`;
    checkLength(
      path,
      `${prefix}input`,
      checkElements(path, o, "input", prefix, [isRow, row]),
      T,
      `rows (the steps ${trial})`,
    );
    const every = o.every as number;
    const lengths: [string, number, string][] = [
      ["target", T, `values (one per step ${trial})`],
      ["rateOutput", T - 1, `values (o_1 .. o_${T - 1} ${trial})`],
      [
        "spikingOutput",
        Math.floor(lifSteps / every),
        `values (one every ${every} of the ${lifSteps} LIF steps ${trial})`,
      ],
    ];
    for (const [f, n, what] of lengths)
      checkLength(
        path,
        `${prefix}${f}`,
        checkElements(path, o, f, prefix, [isFiniteNumber, "a finite number"]),
        n,
        what,
      );
    const steps = checkElements(
      path,
      o,
      "spikeSteps",
      prefix,
      [
        (v, i) =>
          isCount(v) &&
          (v as number) < lifSteps &&
          (i === 0 || (v as number) >= ((o.spikeSteps as unknown[])[i - 1] as number)),
        `an LIF step from 0 to ${lifSteps - 1}, not before the previous spike's (the trial has ${lifSteps} steps)`,
      ],
      true,
    );
    const unit = `a unit index from 0 to ${units - 1} (the model has ${units} units)`;
    const neurons = checkElements(path, o, "spikeNeurons", prefix, [isUnit, unit], true);
    checkLength(
      path,
      `${prefix}spikeNeurons`,
      neurons,
      steps.length,
      `entries, one neuron per spike of "${prefix}spikeSteps"`,
    );
  });
  return doc as unknown as ExamplesFile;
}

/**
 * The model and every file present in run directory `dir`, checked (see the file comment). With `only`, just
 * those of the files are read: a command that replaces the others (rnn convert writes search.json and
 * examples.json) checks the files it keeps before its work, so that the plots drawn after it cannot fail.
 */
export async function readRnnRunFiles(dir: string, only?: readonly RnnRunFile[]): Promise<RnnRunFiles> {
  const { model, task, seed } = await loadRnnRun(dir);
  const at = (file: string) => join(dir, file);
  const has = (file: RnnRunFile) => (only === undefined || only.includes(file)) && existsSync(at(file));
  const summary = has("summary.json")
    ? readTrainSummaryFile(at("summary.json"), hintFor(at("summary.json")), {
        task,
        units: model.units,
        seed,
        tauRange_ms: [model.dynamics.tauMin_ms, model.dynamics.tauMax_ms],
      })
    : undefined;
  const curve = has("curve.json") ? readCurveFile(at("curve.json")) : undefined;
  if (curve && summary) checkCurveAgainstSummary(at("curve.json"), curve, at("summary.json"), summary);
  const search = has("search.json")
    ? readSearchFile(at("search.json"), hintFor(at("search.json")), task, seed)
    : undefined;
  const examples = has("examples.json")
    ? readExamplesFile(
        at("examples.json"),
        model,
        task,
        search ? { path: at("search.json"), scale: search.best.scale } : undefined,
      )
    : undefined;
  return {
    model,
    task,
    ...(summary ? { summary } : {}),
    ...(curve ? { curve: curve.curve } : {}),
    ...(search ? { search } : {}),
    ...(examples ? { examples } : {}),
    ...(has("eval.json")
      ? { evaluation: readEvalFile(at("eval.json"), hintFor(at("eval.json")), task) }
      : {}),
  };
}

/** The files of a spiking-RNN run directory that its plots are drawn from. */
export type RnnRunFile = "summary.json" | "curve.json" | "search.json" | "examples.json" | "eval.json";

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
