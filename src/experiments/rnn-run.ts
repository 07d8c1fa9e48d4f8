/**
 * The spiking-RNN protocol of Kim, Li & Sejnowski (2019) as run directories (Node only), shared by the
 * `spikeflow rnn ...` commands and bench/rnn.ts:
 *
 *   train   trainRateRnn to the reference's stopping rule, then write
 *             DIR/model/        the rate RNN (model.json + weights.safetensors, kind "rate-rnn")
 *             DIR/curve.json    the evaluation curve (loss, accuracy every 100 trials) and the training loss
 *             DIR/summary.json  task, size, seed, trials to stop, rate accuracy, timings
 *   convert the scaling-factor grid search (src/rnn/scale-search.ts) on a worker pool, then write
 *             DIR/search.json   accuracy per s, the best s
 *             DIR/examples.json one trial per task condition at the best s: input, target, rate output,
 *                               spiking output (every `exampleEvery` LIF steps) and spike times
 *           and removes what showed or used the files they replace (plots/, eval.json, report.html)
 *   eval    rate and LIF accuracy on fresh trials at the searched s (DIR/eval.json), and removes the
 *           report.html that showed an earlier evaluation
 *
 * Every random choice has its own stream (docs/rnn.md), so a run directory is reproducible from its seed and
 * the search does not depend on the number of workers.
 */
import { existsSync, lstatSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { DivergenceError, FormatError, InvalidParameterError, describeValue } from "../core/errors.ts";
import { sameStep } from "../core/time.ts";
import { createRng } from "../core/rng.ts";
import { writeJsonAtomicSync } from "../io/atomic.ts";
import {
  checkFields,
  isCount,
  isFraction,
  isNonNegative,
  objectField,
  readRunJson,
} from "../io/json-file.ts";
import { loadModel, saveModel } from "../io/model-file.ts";
import { searchScaleParallel, searchThreads } from "../parallel/scale-search-pool.ts";
import { runLifTrial } from "../rnn/lif-trial.ts";
import { type RateRnn, simulateRateRnn } from "../rnn/rate-rnn.ts";
import { RATE_RNN_KIND, rateRnnFromSavedModel, rateRnnModelInput } from "../rnn/rate-rnn-model.ts";
import {
  DEFAULT_SCALES,
  MAX_SCALE,
  MIN_SCALE,
  SCALE_SEARCH_DEFAULTS,
  type ScaleSearchProgress,
  type ScaleSearchResult,
  pickBestScale,
} from "../rnn/scale-search.ts";
import {
  TASK_NAMES,
  type TaskName,
  type TrialOverrides,
  generateTrial,
  isCorrect,
  taskSpec,
} from "../rnn/tasks.ts";
import { type EvalPoint, RATE_TRAIN_DEFAULTS, nextStopUpdates, trainRateRnnSteps } from "../rnn/train.ts";
import { type SynapseFilter, transferRateRnn } from "../rnn/transfer.ts";
import { pauses, unlessAborted } from "./interrupt.ts";
import { modelRecord, refuseForeignModel, refuseOtherModelRecord } from "./run-files.ts";

/** Task names the CLI accepts: the library's, plus "context" for Mante's context-dependent integration. */
export function resolveTask(name: string): TaskName {
  if (name === "context") return "mante";
  if ((TASK_NAMES as readonly string[]).includes(name)) return name as TaskName;
  throw new InvalidParameterError(
    `unknown task ${JSON.stringify(name)}; use go-nogo, xor or context (alias of mante)`,
  );
}

export interface RnnTrainSummary {
  readonly task: TaskName;
  readonly units: number;
  readonly seed: number;
  readonly tauRange_ms: readonly [number, number];
  /** No stop before trial index minTrials: the task's reference value (Go-NoGo 1500, others 0) unless set.
   *  Absent in runs written before the option existed. */
  readonly minTrials?: number;
  /** Training updates until the stopping rule (or maxTrials). */
  readonly updates: number;
  readonly success: boolean;
  /** Loss and rate accuracy of the last evaluation (100 fresh noisy trials), made after `evaluatedAfterUpdates`
   *  updates: the final network when the stopping rule was met, maybe an earlier one when the cap ended it. */
  readonly finalLoss: number;
  readonly rateAccuracy: number;
  readonly evaluatedAfterUpdates: number | null;
  readonly wall_s: number;
  readonly msPerUpdate: number;
}

export interface RnnTrainOptions {
  readonly task: TaskName;
  readonly units: number;
  readonly seed: number;
  readonly out: string;
  /** Cap on updates. Default 6000 (paper). */
  readonly maxTrials?: number;
  /** Range of the trained decay constants. Default [20, 50] ms (paper's main setting). */
  readonly tauRange_ms?: readonly [number, number];
  /** No stop before this trial index. Default: the task's (Go-NoGo 1500, the reference code's; others 0).
   *  5900 trains Go-NoGo to the paper's 6000-trial cap (docs/rnn.md section 6). */
  readonly minTrials?: number;
  readonly onProgress?: (p: EvalPoint & { readonly maxTrials: number }) => void;
  /** Stops the training between two trials when aborted (Ctrl-C in the CLI), with the signal's reason;
   *  nothing is written then. Once training is done the run is written whatever the signal. */
  readonly signal?: AbortSignal;
}

/**
 * search.json of a run directory, checked field by field (FormatError naming the file and the field): scales
 * in [MIN_SCALE, MAX_SCALE], one accuracy in [0, 1] per scale, best the search's own choice from them (scale,
 * accuracy and index), the synapse filter, workers, times >= 0, threads (searchThreads of the file's scales,
 * trials and workers), and (with `task`) the task the model was trained on.
 */
export function readSearchFile(path: string, hint: string, task?: TaskName, seed?: number): RnnSearchFile {
  const s = readRunJson<Record<string, unknown>>(path, hint);
  const bad = (what: string) => new FormatError(`${path}: ${what}; ${hint}`);
  const inRange = (x: unknown) => typeof x === "number" && x >= MIN_SCALE && x <= MAX_SCALE;
  const { scales, accuracy, best, synapseFilter: filter } = s;
  if (!Array.isArray(scales) || scales.length === 0 || !scales.every(inRange)) {
    throw bad(`"scales" must be an array of scaling factors in [${MIN_SCALE}, ${MAX_SCALE}], not empty`);
  }
  if (
    !Array.isArray(accuracy) ||
    accuracy.length !== scales.length ||
    !accuracy.every((a) => typeof a === "number" && a >= 0 && a <= 1)
  ) {
    throw bad(`"accuracy" must hold one fraction in [0, 1] per scale (${scales.length})`);
  }
  const bestScale = (best as { scale?: unknown } | undefined)?.scale;
  if (!inRange(bestScale) || !scales.includes(bestScale)) {
    throw bad(`best.scale must be one of "scales" (${scales.join(", ")}), got ${JSON.stringify(bestScale)}`);
  }
  // best is the search's own choice: the first s of the highest accuracy (pickBestScale)
  const chosen = pickBestScale(scales as number[], accuracy as number[]);
  const b = best as { scale: number; accuracy?: unknown; index?: unknown };
  if (b.scale !== chosen.scale || b.accuracy !== chosen.accuracy || b.index !== chosen.index) {
    throw bad(
      `"best" must be the search's choice, the first s of the highest accuracy: { scale: ${chosen.scale}, ` +
        `accuracy: ${chosen.accuracy}, index: ${chosen.index} } from "scales" and "accuracy", got ` +
        `${JSON.stringify(best)}`,
    );
  }
  if (filter !== undefined && filter !== "receiver" && filter !== "sender") {
    throw bad(`synapseFilter must be "receiver" or "sender", got ${JSON.stringify(filter)}`);
  }
  if (!(Number.isInteger(s.trials) && (s.trials as number) >= 1)) {
    throw bad(`"trials" must be a positive integer, got ${JSON.stringify(s.trials)}`);
  }
  const notCount = (accuracy as number[]).findIndex((a) => !ofTrials(a, s.trials));
  if (notCount >= 0) {
    throw bad(
      `accuracy[${notCount}] is ${(accuracy as number[])[notCount]}, not a count of correct trials over ` +
        `"trials" (${s.trials as number})`,
    );
  }
  if (task !== undefined && s.task !== undefined && s.task !== task) {
    throw bad(`"task" is ${JSON.stringify(s.task)}, but the model was trained on ${JSON.stringify(task)}`);
  }
  // rnn convert seeds its trials with the model's seed and the search stream: a file of another search
  if (seed !== undefined && s.seed !== undefined && s.seed !== seed) {
    throw bad(
      `"seed" is ${JSON.stringify(s.seed)}, but the model's seed (model/model.json config.seed) is ${seed}`,
    );
  }
  refuseOtherModelRecord(path, s, dirname(path), hint);
  if (s.stream !== undefined && s.stream !== SCALE_SEARCH_DEFAULTS.stream) {
    throw bad(
      `"stream" is ${JSON.stringify(s.stream)}; rnn convert writes "${SCALE_SEARCH_DEFAULTS.stream}"`,
    );
  }
  checkFields(path, hint, s, [
    ["workers", (v) => isCount(v, 1), "a positive integer (the worker threads asked for)"],
    ["wall_s", isNonNegative, "seconds >= 0"],
    ["lifTrial_s", isNonNegative, "seconds >= 0"],
  ]);
  // the threads the search ran on: "workers", capped at its jobs (absent in runs written before it was recorded)
  const threads = searchThreads({
    scales: scales as number[],
    trials: s.trials as number,
    workers: s.workers as number,
  });
  checkFields(path, hint, s, [
    [
      "threads",
      (v) => v === undefined || v === threads,
      `${threads}, "workers" (${String(s.workers)}) capped at the search's jobs of ` +
        `${SCALE_SEARCH_DEFAULTS.chunk} trials per s, as rnn convert writes it`,
    ],
  ]);
  return s as unknown as RnnSearchFile;
}

/**
 * summary.json of an rnn run (`{ train: RnnTrainSummary }`), checked field by field (FormatError naming the
 * file and the field: finalLoss, rateAccuracy and evaluatedAfterUpdates null together, no evaluation after
 * the last update, a met rule ending at its evaluation) and, with `model`, against the model it describes
 * (task, size, seed and decay range).
 */
export function readTrainSummaryFile(
  path: string,
  hint: string,
  model?: {
    readonly task: TaskName;
    readonly units: number;
    readonly seed: number;
    readonly tauRange_ms: readonly [number, number];
  },
): RnnTrainSummary {
  const doc = readRunJson<Record<string, unknown>>(path, hint);
  const t = objectField(path, hint, doc, "train", "the training summary");
  const isNonNegativeOrNull = (v: unknown) => v === null || isNonNegative(v);
  checkFields(
    path,
    hint,
    t,
    [
      [
        "task",
        (v) => typeof v === "string" && (TASK_NAMES as readonly unknown[]).includes(v),
        TASK_NAMES.join(", "),
      ],
      ["units", (v) => isCount(v, 1), "a positive integer"],
      ["seed", Number.isInteger, "an integer"],
      [
        "tauRange_ms",
        (v) =>
          Array.isArray(v) &&
          v.length === 2 &&
          v.every((x) => typeof x === "number" && x > 0) &&
          v[0] <= v[1],
        "[min, max] in ms",
      ],
      [
        "minTrials",
        (v) => v === undefined || isCount(v, 0),
        "an integer >= 0 (no stop before this trial index; absent in runs written before rnn train had " +
          "--min-trials)",
      ],
      ["updates", (v) => isCount(v, 0), "a whole number of training trials"],
      ["success", (v) => typeof v === "boolean", "true or false"],
      ["finalLoss", isNonNegativeOrNull, "a number >= 0 (or null before any evaluation)"],
      [
        "rateAccuracy",
        (v) => v === null || isFraction(v),
        "a fraction in [0, 1] (or null before any evaluation)",
      ],
      ["evaluatedAfterUpdates", (v) => v === null || isCount(v, 0), "a trial count (or null)"],
      ["wall_s", isNonNegative, "seconds >= 0"],
      ["msPerUpdate", isNonNegativeOrNull, "a number >= 0"],
    ],
    "train.",
  );
  // the last evaluation: all three values or none (no evaluation reached), within the training
  const updates = t.updates as number;
  const evaluated = t.evaluatedAfterUpdates;
  const none = evaluated === null;
  const after = `"train.evaluatedAfterUpdates" (${JSON.stringify(evaluated)})`;
  checkFields(
    path,
    hint,
    t,
    [
      [
        "evaluatedAfterUpdates",
        (v) => v === null || (v as number) <= updates,
        `at most "train.updates" (${updates}), or null`,
      ],
      ["finalLoss", (v) => (v === null) === none, `null exactly when ${after} is (no evaluation reached)`],
      ["rateAccuracy", (v) => (v === null) === none, `null exactly when ${after} is (no evaluation reached)`],
      [
        "success",
        (v) => v === false || evaluated === updates,
        `false unless ${after} is "train.updates" (${updates}): a met stopping rule ends the training at ` +
          `its evaluation`,
      ],
    ],
    "train.",
  );
  if (model !== undefined && (t.task !== model.task || t.units !== model.units)) {
    throw new FormatError(
      `${path}: describes a ${String(t.task)} network of ${String(t.units)} units, but the model is a ` +
        `${model.task} network of ${model.units}; ${hint}`,
      { file: path },
    );
  }
  if (model !== undefined) {
    const [tauMin, tauMax] = model.tauRange_ms;
    const range = t.tauRange_ms as number[];
    checkFields(
      path,
      hint,
      t,
      [
        ["seed", (v) => v === model.seed, `${model.seed}, the seed of model/model.json (config.seed)`],
        [
          "tauRange_ms",
          () => range[0] === tauMin && range[1] === tauMax,
          `[${tauMin}, ${tauMax}], the decay range of model/model.json (config.dynamics.tauMin_ms and ` +
            `tauMax_ms)`,
        ],
      ],
      "train.",
    );
  }
  return t as unknown as RnnTrainSummary;
}

/** Whether `v` is an accuracy over `trials` trials: a fraction in [0, 1] that is k / trials for a whole k. */
function ofTrials(v: unknown, trials: unknown): boolean {
  if (!isFraction(v) || !isCount(trials, 1)) return false;
  const k = (v as number) * (trials as number);
  return Math.abs(k - Math.round(k)) < 1e-6;
}

/** eval.json of an rnn run, checked field by field and (with `task`) against the model's task. */
export function readEvalFile(path: string, hint: string, task?: TaskName): RnnEvalResult {
  const doc = readRunJson<Record<string, unknown>>(path, hint);
  const overTrials = `a fraction in [0, 1]: correct trials over "trials" (${doc.trials})`;
  checkFields(path, hint, doc, [
    [
      "task",
      (v) => (task === undefined ? typeof v === "string" : v === task),
      task ? `"${task}" (the model's task)` : "a task name",
    ],
    [
      "scale",
      (v) => typeof v === "number" && v >= MIN_SCALE && v <= MAX_SCALE,
      `a scaling factor in [${MIN_SCALE}, ${MAX_SCALE}]`,
    ],
    ["trials", (v) => isCount(v, 1), "a positive integer"],
    ["rateAccuracy", (v) => ofTrials(v, doc.trials), overTrials],
    ["lifAccuracy", (v) => ofTrials(v, doc.trials), overTrials],
    ["synapseFilter", (v) => v === "receiver" || v === "sender", '"receiver" or "sender"'],
    ["wall_s", (v) => typeof v === "number" && v >= 0, "seconds >= 0"],
  ]);
  return doc as unknown as RnnEvalResult;
}

/** Trains a rate RNN and writes model/, curve.json and summary.json into `out`. */
export async function trainRnnRun(o: RnnTrainOptions): Promise<RnnTrainSummary> {
  const maxTrials = o.maxTrials ?? 6000;
  const [tauMin_ms, tauMax_ms] = o.tauRange_ms ?? [20, 50];
  const t0 = performance.now();
  const steps = trainRateRnnSteps(
    o.task,
    {
      model: { units: o.units, tauMin_ms, tauMax_ms },
      seed: o.seed,
      maxTrials,
      ...(o.minTrials !== undefined ? { minTrials: o.minTrials } : {}),
    },
    (p) => o.onProgress?.({ ...p, maxTrials }),
  );
  // one trial at a time, so that an aborted signal stops the training between two trials
  const pause = pauses(o.signal);
  let step = steps.next();
  for (; !step.done; step = steps.next()) await pause();
  const result = step.value;
  const wall_s = (performance.now() - t0) / 1000;
  const last = result.curve.at(-1);
  const summary: RnnTrainSummary = {
    task: o.task,
    units: o.units,
    seed: o.seed,
    tauRange_ms: [tauMin_ms, tauMax_ms],
    minTrials: o.minTrials ?? taskSpec(o.task).minTrials,
    updates: result.updates,
    success: result.success,
    finalLoss: last?.meanLoss ?? NaN,
    rateAccuracy: last?.accuracy ?? NaN,
    evaluatedAfterUpdates: last?.updates ?? null,
    wall_s,
    msPerUpdate: (1000 * wall_s) / result.updates,
  };
  await saveModel(join(o.out, "model"), rateRnnModelInput(result.model, { task: o.task, seed: o.seed }));
  writeJsonAtomicSync(join(o.out, "curve.json"), {
    curve: result.curve,
    trainLoss: Array.from(result.trainLoss),
  });
  // model: links summary.json to this model (run-files.ts refuseForeignModel)
  writeJsonAtomicSync(join(o.out, "summary.json"), { train: summary, model: modelRecord(o.out) });
  return summary;
}

/**
 * The trained model of a run directory, with its task and seed. model.json's config is checked field by field
 * (task, seed, units, inputs, dynamics: type and range, dt_ms the task's step), and a refusal names the file
 * and the field (FormatError), as does a "kind" other than "rate-rnn" in a directory with an rnn run's files.
 */
export async function loadRnnRun(dir: string): Promise<{ model: RateRnn; task: TaskName; seed: number }> {
  const manifest = join(dir, "model", "model.json");
  let saved: Awaited<ReturnType<typeof loadModel>>;
  try {
    saved = await loadModel(join(dir, "model"), { expectKind: RATE_RNN_KIND });
  } catch (e) {
    // a run of another command (an LC-SNN or Diehl & Cook run): say which commands take it
    const kind = e instanceof FormatError ? manifestKind(manifest) : undefined;
    const evidence = kind !== undefined && kind !== RATE_RNN_KIND ? rnnRunFiles(dir) : [];
    if (evidence.length > 0) {
      // the directory is an rnn run by its own files: its model.json was edited or replaced, not misdirected
      throw new FormatError(
        `${manifest}: "kind" is ${JSON.stringify(kind)}, but ${dir} is a spiking-RNN run (it has ` +
          `${evidence.join(", ")}), whose model is a "${RATE_RNN_KIND}": model.json was edited or replaced ` +
          `(put the run's own model back, or train the run again)`,
        { file: manifest },
      );
    }
    if (kind !== undefined && kind !== RATE_RNN_KIND) {
      throw new FormatError(
        `${dir} holds a "${kind}" model, not a rate RNN; "spikeflow rnn convert" and "rnn eval" take the run ` +
          `directories of "spikeflow rnn train"; for this run use "spikeflow eval", "plot" or "report"`,
        { file: manifest },
      );
    }
    throw e;
  }
  // the config fields the run reads besides the model's own (rateRnnFromSavedModel checks those)
  const { seed, task: taskName } = saved.config;
  if (!Number.isSafeInteger(seed) || (seed as number) < 0) {
    throw new FormatError(
      `${manifest}: config.seed must be an integer from 0 to 2^53 - 1 (the seed of every random stream), ` +
        `got ${describeValue(seed)}`,
      { file: manifest },
    );
  }
  if (typeof taskName !== "string" || !(TASK_NAMES as readonly string[]).includes(taskName)) {
    throw new FormatError(
      `${manifest}: config.task must be the task the model was trained on, one of ${TASK_NAMES.join(", ")}, ` +
        `got ${describeValue(taskName)}`,
      { file: manifest },
    );
  }
  const task = taskName as TaskName;
  let model: RateRnn;
  try {
    model = rateRnnFromSavedModel(saved);
  } catch (e) {
    // a bad value in the files: name model.json (a config field) or the model directory (a tensor)
    if (e instanceof InvalidParameterError)
      throw new FormatError(`${manifest}: ${e.message}`, { file: manifest });
    if (e instanceof FormatError) {
      const what = e.message.replace(/^rate-rnn model: /, "");
      throw new FormatError(`${what.startsWith("config.") ? manifest : join(dir, "model")}: ${what}`, {
        file: manifest,
      });
    }
    throw e;
  }
  const spec = taskSpec(task);
  // the tasks' timings are in steps of spec.dt_ms, as trainRateRnn requires of a model it trains
  if (!sameStep(model.dynamics.dt_ms, spec.dt_ms)) {
    throw new FormatError(
      `${manifest}: config.dynamics.dt_ms is ${model.dynamics.dt_ms}, but the ${task} task's timings are in ` +
        `${spec.dt_ms} ms steps (the rate step of every trained model); the file was edited or is damaged`,
      { file: manifest },
    );
  }
  const needs = spec.inputs;
  if (model.inputs !== needs) {
    throw new FormatError(
      `${manifest}: config.task is "${task}", which has ${needs} input channel${needs === 1 ? "" : "s"}, ` +
        `but the model has ${model.inputs}; the file was edited or mixed`,
      { file: manifest },
    );
  }
  refuseForeignModel(dir);
  return { model, task, seed: seed as number };
}

/** The files of `dir` that only the spiking-RNN commands write (curve.json, search.json, examples.json). */
function rnnRunFiles(dir: string): string[] {
  return ["curve.json", "search.json", "examples.json"].filter((f) => existsSync(join(dir, f)));
}

/** The "kind" string of a model.json, or undefined when the file cannot be read as JSON with one. */
function manifestKind(path: string): string | undefined {
  try {
    const kind = (JSON.parse(readFileSync(path, "utf8")) as { kind?: unknown }).kind;
    return typeof kind === "string" ? kind : undefined;
  } catch {
    return undefined;
  }
}

/** One trial per condition of a task (for examples.json). */
export function taskConditions(task: TaskName): { name: string; overrides: TrialOverrides }[] {
  switch (task) {
    case "go-nogo":
      return [
        { name: "go", overrides: { go: true } },
        { name: "nogo", overrides: { go: false } },
      ];
    case "xor":
      return [
        { name: "same (+,+)", overrides: { signs: [1, 1] } },
        { name: "diff (+,-)", overrides: { signs: [1, -1] } },
        { name: "diff (-,+)", overrides: { signs: [-1, 1] } },
        { name: "same (-,-)", overrides: { signs: [-1, -1] } },
      ];
    case "mante":
      return [
        { name: "context 1, +", overrides: { context: 0, signs: [1, -1] } },
        { name: "context 1, -", overrides: { context: 0, signs: [-1, 1] } },
        { name: "context 2, +", overrides: { context: 1, signs: [-1, 1] } },
        { name: "context 2, -", overrides: { context: 1, signs: [1, -1] } },
      ];
    default: {
      const never: never = task;
      throw new InvalidParameterError(`unknown task ${String(never)}`);
    }
  }
}

const round6 = (x: number) => Number(x.toPrecision(6));

export interface RnnExample {
  readonly condition: string;
  readonly label: number;
  /** u, time-major rows of the rate grid (T x inputs). */
  readonly input: number[][];
  readonly target: number[];
  /** o_1 .. o_{T-1} of the rate RNN (with noise). */
  readonly rateOutput: number[];
  readonly rateCorrect: boolean;
  /** The spiking readout every `every` LIF steps (sample k at step (k + 1) every - 1). */
  readonly spikingOutput: number[];
  readonly every: number;
  readonly spikingCorrect: boolean;
  /** Spike times in LIF steps and the spiking neurons, in time order. */
  readonly spikeSteps: number[];
  readonly spikeNeurons: number[];
}

/** One example trial per condition, rate and spiking, at scaling factor `scale`. */
export function makeExamples(
  model: RateRnn,
  task: TaskName,
  seed: number,
  scale: number,
  every = 10,
  synapseFilter: SynapseFilter = "receiver",
): { dt_ms: number; rateDt_ms: number; scale: number; examples: RnnExample[] } {
  const net = transferRateRnn(model, scale, { synapseFilter });
  const examples = taskConditions(task).map((c, k): RnnExample => {
    const trial = generateTrial(task, createRng(seed, "example-trial", k), c.overrides);
    const rate = simulateRateRnn(model, trial.u, trial.steps, createRng(seed, "example-rate-noise", k));
    const lif = runLifTrial(net, trial, createRng(seed, "example-noise", k));
    const input: number[][] = [];
    for (let t = 0; t < trial.steps; t++)
      input.push(Array.from(trial.u.subarray(t * trial.inputs, (t + 1) * trial.inputs)));
    const spiking: number[] = [];
    for (let s = every - 1; s < lif.output.length; s += every) spiking.push(round6(lif.output[s]));
    return {
      condition: c.name,
      label: trial.label,
      input,
      target: Array.from(trial.target),
      rateOutput: Array.from(rate.output, round6),
      rateCorrect: isCorrect(task, rate.output, trial),
      spikingOutput: spiking,
      every,
      spikingCorrect: lif.correct,
      spikeSteps: Array.from(lif.spikeSteps),
      spikeNeurons: Array.from(lif.spikeNeurons),
    };
  });
  return { dt_ms: net.dt_ms, rateDt_ms: model.dynamics.dt_ms, scale, examples };
}

export interface RnnSearchFile extends Omit<ScaleSearchResult, "correct" | "trial_s"> {
  readonly workers: number;
  readonly synapseFilter: SynapseFilter;
  /** Threads the search ran on: `workers`, capped at the number of jobs (searchThreads). */
  readonly threads: number;
  /** Seconds of computation per LIF trial, averaged over the search (ScaleSearchResult.trial_s: the pool's
   *  start-up and the waits between jobs are not counted). */
  readonly lifTrial_s: number;
  /** The model searched: the CRC-32 of the run's model/model.json (absent in files from before 2026-12-06). */
  readonly model?: { readonly manifestCrc32: string };
}

/** What a search of convertRnnRun or the LIF part of evalRnnRun runs, given to their `onStart`. */
export interface RnnSearchPlan {
  readonly scales: readonly number[];
  /** LIF trials per scaling factor. */
  readonly trials: number;
  /** Threads the LIF trials run on: `workers`, capped at the number of jobs (searchThreads). */
  readonly threads: number;
  readonly synapseFilter: SynapseFilter;
}

export interface RnnConvertOptions {
  readonly scales?: readonly number[];
  readonly trials?: number;
  readonly workers?: number;
  readonly synapseFilter?: SynapseFilter;
  /** Write examples.json. Default true. */
  readonly examples?: boolean;
  readonly onProgress?: (p: ScaleSearchProgress) => void;
  /** Called once the run is read and checked, before the search: what it will run (the CLI's start line). */
  readonly onStart?: (plan: RnnSearchPlan) => void;
  /** Things the user should know that do not stop the run (a rate network that missed its stopping rule,
   *  a removed eval.json of an earlier search). */
  readonly onWarning?: (message: string) => void;
  /** Ends the search when aborted (Ctrl-C in the CLI), with the signal's reason, before anything is written;
   *  the search's jobs still running are not stopped (the CLI exits). Once the search is done, its files are
   *  written whatever the signal. */
  readonly signal?: AbortSignal;
}

/**
 * Warns (through `onWarning`) when summary.json says the rate network missed its stopping rule: such a network
 * is not expected to convert. summary.json is checked against the model (readTrainSummaryFile). The advice
 * counts from the run's own `minTrials` (summary.json), and repeats a --min-trials other than the task's.
 */
function warnIfUntrained(
  dir: string,
  model: RateRnn,
  task: TaskName,
  seed: number,
  onWarning: ((message: string) => void) | undefined,
): void {
  const path = join(dir, "summary.json");
  if (!existsSync(path)) return;
  const train = readTrainSummaryFile(path, `run "spikeflow rnn train" again`, {
    task,
    units: model.units,
    seed,
    tauRange_ms: [model.dynamics.tauMin_ms, model.dynamics.tauMax_ms],
  });
  if (train.success) return;
  const evaluated =
    train.evaluatedAfterUpdates === null || train.rateAccuracy === null
      ? "no evaluation reached"
      : `rate accuracy ${(100 * train.rateAccuracy).toFixed(2)} % at the last evaluation, after trial ${train.evaluatedAfterUpdates}`;
  const usualMin = taskSpec(task).minTrials;
  const minTrials = train.minTrials ?? usualMin;
  const next = nextStopUpdates(task, train.updates, undefined, minTrials);
  const usual = RATE_TRAIN_DEFAULTS.maxTrials;
  const same = minTrials === usualMin ? "" : `the same --min-trials ${minTrials} and `;
  onWarning?.(
    `the rate network in ${dir} did not meet the stopping rule (${train.updates} trial${train.updates === 1 ? "" : "s"}, ${evaluated}); ` +
      `its LIF transfer is not expected to work (train again with ${same}--max-trials ${next} or more` +
      `${next < usual ? `, e.g. the default ${usual}` : ""}, or with another --seed: the first evaluation that ` +
      `can meet the rule comes after trial ${next})`,
  );
}

/**
 * Removes `path`, a file that shows or uses the files a command replaces, and says so through `onWarning`
 * ("removed PATH: it was written before this <what>; run ... again"). A directory standing there is no such
 * file: it stays (the command that writes the file refuses it).
 */
function removeStale(
  path: string,
  what: string,
  rerun: string,
  onWarning: ((message: string) => void) | undefined,
): void {
  let entry;
  try {
    entry = lstatSync(path);
  } catch {
    return; // not there
  }
  if (entry.isDirectory()) return;
  rmSync(path, { force: true });
  onWarning?.(`removed ${path}: it was written before this ${what}; run "${rerun}" again`);
}

/**
 * Runs the scaling-factor search on a run directory's model; writes search.json and examples.json (with
 * `examples: false`, removes an earlier examples.json instead). Before it writes them it refuses example
 * outputs that are not finite (FormatError naming the model, the run left as it was) and removes plots/ (drawn
 * from the files it replaces: the caller draws the new set), eval.json and report.html (with a warning each),
 * so that no file of the run shows another search.
 */
export async function convertRnnRun(dir: string, o: RnnConvertOptions = {}): Promise<RnnSearchFile> {
  const { model, task, seed } = await loadRnnRun(dir);
  warnIfUntrained(dir, model, task, seed, o.onWarning);
  const workers = o.workers ?? 1;
  const synapseFilter = o.synapseFilter ?? "receiver";
  const options = {
    scales: o.scales ?? DEFAULT_SCALES,
    trials: o.trials ?? 100,
    seed,
    workers,
    transfer: { synapseFilter },
  };
  const { result, threads } = await runLifSearch(dir, model, task, options, o);
  const { correct: _correct, trial_s, ...rest } = result;
  // the model the files belong to: a search.json or examples.json copied from another run is refused
  const record = modelRecord(dir);
  const file: RnnSearchFile = {
    ...rest,
    workers,
    threads,
    synapseFilter,
    lifTrial_s: trial_s,
    model: record,
  };
  // the examples first: a model whose outputs overflow is refused before any file changes
  const examples =
    (o.examples ?? true)
      ? { ...makeExamples(model, task, seed, result.best.scale, 10, synapseFilter), model: record }
      : undefined;
  for (const e of examples?.examples ?? []) {
    const trial = `example trial "${e.condition}"`;
    refuseNonFinite(dir, "rate network", e.rateOutput, `rateOutput[%] of the ${trial}`);
    refuseNonFinite(
      dir,
      `spiking network (s = ${result.best.scale})`,
      e.spikingOutput,
      `spikingOutput[%] of the ${trial}`,
    );
  }
  // plots/ shows the files this search replaces: it goes before them (the caller draws the new set), so that
  // no plot of a replaced file stays, even when the drawing is interrupted or fails
  rmSync(join(dir, "plots"), { recursive: true, force: true });
  // an eval.json or report.html of an earlier search would no longer match search.json
  for (const [file, command] of [
    ["eval.json", "rnn eval"],
    ["report.html", "report"],
  ] as const)
    removeStale(join(dir, file), "search", `spikeflow ${command} ${dir}`, o.onWarning);
  // without new examples, those of an earlier search would sit beside this search.json: they go
  if (!examples) rmSync(join(dir, "examples.json"), { force: true });
  writeJsonAtomicSync(join(dir, "search.json"), file);
  if (examples) writeJsonAtomicSync(join(dir, "examples.json"), examples);
  return file;
}

/**
 * The LIF trials of convert and eval: says what they run (`onStart`), runs them on the worker pool until
 * `signal` aborts, and names the run's model in the search's refusal of a spiking output that is not finite
 * (DivergenceError).
 */
async function runLifSearch(
  dir: string,
  model: RateRnn,
  task: TaskName,
  options: {
    readonly scales: readonly number[];
    readonly trials: number;
    readonly seed: number;
    readonly workers: number;
    readonly stream?: string;
    readonly transfer: { readonly synapseFilter: SynapseFilter };
  },
  o: Pick<RnnConvertOptions, "onStart" | "onProgress" | "signal">,
): Promise<{ result: ScaleSearchResult; threads: number }> {
  const threads = searchThreads(options);
  o.onStart?.({
    scales: options.scales,
    trials: options.trials,
    threads,
    synapseFilter: options.transfer.synapseFilter,
  });
  try {
    const result = await unlessAborted(searchScaleParallel(model, task, options, o.onProgress), o.signal);
    return { result, threads };
  } catch (e) {
    if (e instanceof DivergenceError) {
      throw new DivergenceError(`${join(dir, "model")}: ${e.message}`, {
        ...e.details,
        model: join(dir, "model"),
      });
    }
    throw e;
  }
}

/**
 * Refuses (FormatError naming the model directory) outputs of a network that are not finite: a model whose
 * weights drive it beyond the float64 range. `where` names output k, with "%" standing for k.
 */
function refuseNonFinite(dir: string, network: string, output: ArrayLike<number>, where: string): void {
  for (let k = 0; k < output.length; k++) {
    if (Number.isFinite(output[k])) continue;
    throw new FormatError(
      `${join(dir, "model")}: the ${network}'s output is ${output[k]} at ${where.replace("%", String(k))}, ` +
        `not a finite number: the model's weights or config.dynamics overflow the network (the files were ` +
        `edited or are damaged; train the run again)`,
      { file: join(dir, "model", "model.json") },
    );
  }
}

export interface RnnEvalResult {
  readonly task: TaskName;
  readonly scale: number;
  readonly trials: number;
  readonly rateAccuracy: number;
  readonly lifAccuracy: number;
  /** The LIF network's synapse filter (from search.json; "receiver" without one). */
  readonly synapseFilter: SynapseFilter;
  readonly wall_s: number;
}

/**
 * Rate and LIF accuracy on `trials` fresh trials at the searched s (or `scale`); writes eval.json, after it
 * removes the report.html of an earlier evaluation (with a warning; an interrupted evaluation keeps both).
 */
export async function evalRnnRun(
  dir: string,
  o: {
    trials?: number;
    workers?: number;
    scale?: number;
    onProgress?: (p: ScaleSearchProgress) => void;
    /** As for convertRnnRun: called before the LIF trials (after the rate trials) with what they run. */
    onStart?: (plan: RnnSearchPlan) => void;
    /** As for convertRnnRun: a rate network that missed its stopping rule, a removed report.html. */
    onWarning?: (message: string) => void;
    /** Ends the evaluation when aborted (Ctrl-C in the CLI), before eval.json is written. */
    signal?: AbortSignal;
  } = {},
): Promise<RnnEvalResult> {
  const t0 = performance.now();
  const { model, task, seed } = await loadRnnRun(dir);
  // search.json gives the scale (unless --scale) and the synapse filter of the conversion
  const searchPath = join(dir, "search.json");
  // a search.json that is there is read even with --scale (it gives the synapse filter)
  const hint = existsSync(searchPath)
    ? `run "spikeflow rnn convert ${dir}" again, or delete search.json and pass --scale (the receiver synapse)`
    : `run "spikeflow rnn convert ${dir}" first, or pass --scale`;
  const search =
    o.scale === undefined || existsSync(searchPath)
      ? readSearchFile(searchPath, hint, task, seed)
      : undefined;
  const scale = o.scale ?? search!.best.scale;
  // warned only once the inputs are known good: a refused command prints its one line and nothing else
  warnIfUntrained(dir, model, task, seed, o.onWarning);
  const synapseFilter = search?.synapseFilter ?? "receiver";
  const trials = o.trials ?? 100;
  const spec = taskSpec(task);
  let rateCorrect = 0;
  const pause = pauses(o.signal);
  for (let k = 0; k < trials; k++) {
    await pause();
    const trial = generateTrial(task, createRng(seed, "eval-rate-trial", k));
    const out = simulateRateRnn(model, trial.u, spec.steps, createRng(seed, "eval-rate-noise", k)).output;
    refuseNonFinite(dir, "rate network", out, `output % of evaluation trial ${k}`);
    if (isCorrect(task, out, trial)) rateCorrect++;
  }
  const { result: lif } = await runLifSearch(
    dir,
    model,
    task,
    {
      scales: [scale],
      trials,
      seed,
      workers: o.workers ?? 1,
      stream: "lif-eval",
      transfer: { synapseFilter },
    },
    o,
  );
  const result: RnnEvalResult = {
    task,
    scale,
    synapseFilter,
    trials,
    rateAccuracy: rateCorrect / trials,
    lifAccuracy: lif.accuracy[0],
    wall_s: (performance.now() - t0) / 1000,
  };
  // a report.html of an earlier evaluation would no longer match eval.json (an interrupted eval keeps both)
  removeStale(join(dir, "report.html"), "evaluation", `spikeflow report ${dir}`, o.onWarning);
  writeJsonAtomicSync(join(dir, "eval.json"), result);
  return result;
}
