/**
 * Grid search for the scaling factor s of the rate-to-LIF transfer (Kim, Li & Sejnowski 2019; reference code
 * spiking/lambda_grid_search.m, read, not ported): for each s in the grid (default 20, 25, ..., 75) build the
 * spiking RNN (transfer.ts), run `trials` LIF trials, and score them with the task's spiking criterion
 * (lif-trial.ts). The best s is the one with the highest accuracy, the first (smallest index) on ties, as in
 * the reference.
 *
 * Seeding (so that results never depend on the number of workers or the order of the jobs), with the stream
 * prefix P = "lif-search" by default (an evaluation after the search uses another prefix, so fresh trials):
 *   stimulus of trial k:        createRng(seed, P + "-trial", k)   (the same trials for every s)
 *   LIF randomness of (s, k):   createRng(seed, P + "-noise", String(s), k)   (initial v, membrane noise)
 * Using the same stimuli for every s (common random numbers) makes the comparison between s values sharper;
 * the reference draws fresh trials per s.
 *
 * The work is split into jobs of (s, trial range); `searchScale` runs them through a `ScaleJobRunner`, by
 * default in the calling thread. src/parallel/scale-search-pool.ts provides a worker-pool runner.
 */
import { decimal } from "../core/decimal.ts";
import {
  DivergenceError,
  InvalidParameterError,
  StateError,
  requireInteger,
  requirePositive,
} from "../core/errors.ts";
import { type Rng, createRng } from "../core/rng.ts";
import { withDefaults } from "../core/options.ts";
import { runLifTrial } from "./lif-trial.ts";
import { type RateRnn, requireRateRnn } from "./rate-rnn.ts";
import { type TaskName, type Trial, generateTrial, requireTaskInputs } from "./tasks.ts";
import { type TransferOptions, transferRateRnn } from "./transfer.ts";

/** The reference grid: 20, 25, ..., 75 (12 values). */
export const DEFAULT_SCALES: readonly number[] = Object.freeze(
  Array.from({ length: 12 }, (_, k) => 20 + 5 * k),
);

export interface ScaleSearchOptions {
  /** Scaling factors to try. Default DEFAULT_SCALES. */
  readonly scales: readonly number[];
  /** LIF trials per scaling factor. Default 100 (reference). */
  readonly trials: number;
  /** Seed of the search's trial streams (see the file comment); use the network's seed. Default 0. */
  readonly seed: number;
  /** Trials per job (the unit of work handed to a worker). Default 10. */
  readonly chunk: number;
  /** Prefix of the random stream keys (see the file comment). Default "lif-search". */
  readonly stream: string;
  /** Transfer options (LIF parameters, synapse filter). Default TRANSFER_DEFAULTS. */
  readonly transfer: Partial<TransferOptions>;
}

export const SCALE_SEARCH_DEFAULTS: Readonly<ScaleSearchOptions> = Object.freeze({
  scales: DEFAULT_SCALES,
  trials: 100,
  seed: 0,
  chunk: 10,
  stream: "lif-search",
  transfer: Object.freeze({}),
});

/** Trials [start, end) at one scaling factor, with the search's stream prefix. */
export interface ScaleJob {
  readonly scale: number;
  readonly start: number;
  readonly end: number;
  readonly stream: string;
}

/**
 * Runs the jobs and reports each through `done`, in any order, with its per-trial flags (1 correct, 0 wrong,
 * NON_FINITE_TRIAL) and the seconds its trials took to compute.
 */
export type ScaleJobRunner = (
  jobs: readonly ScaleJob[],
  done: (job: ScaleJob, correct: Uint8Array, compute_s: number) => void,
) => Promise<void>;

export interface ScaleSearchProgress {
  readonly done: number;
  readonly total: number;
}

export interface ScaleSearchResult {
  readonly task: TaskName;
  readonly scales: readonly number[];
  /** Accuracy per scaling factor, in the order of `scales`. */
  readonly accuracy: readonly number[];
  /** Per scaling factor, the correctness of every trial (1 / 0; a non-finite trial refuses the search). */
  readonly correct: readonly (readonly number[])[];
  readonly best: { readonly scale: number; readonly accuracy: number; readonly index: number };
  readonly trials: number;
  readonly seed: number;
  readonly stream: string;
  readonly wall_s: number;
  /** Seconds of computation per LIF trial, averaged over the search (without the pool's start-up and waits). */
  readonly trial_s: number;
}

/** The stimulus of search trial k (shared by every s). */
export function searchTrial(task: TaskName, seed: number, k: number, stream = "lif-search"): Trial {
  return generateTrial(task, createRng(seed, `${stream}-trial`, k));
}

/** The LIF random stream of search trial k at scaling factor s. */
export function searchNoise(seed: number, scale: number, k: number, stream = "lif-search"): Rng {
  return createRng(seed, `${stream}-noise`, String(scale), k);
}

/**
 * The flag of a trial whose spiking output left the float64 range (Infinity or NaN): neither right nor
 * wrong, since the criterion cannot judge it, so `searchScale` refuses the search instead of counting it.
 */
export const NON_FINITE_TRIAL = 2;

/**
 * Flags of search trials [start, end) at `scale`: 1 correct, 0 wrong, NON_FINITE_TRIAL when the output is
 * not finite somewhere in the trial. The kernel every runner calls.
 */
export function evaluateScaleTrials(
  model: RateRnn,
  task: TaskName,
  job: ScaleJob,
  seed: number,
  transfer: Partial<TransferOptions> = {},
): Uint8Array {
  requireTaskInputs("the model", model.inputs, task);
  const net = transferRateRnn(model, job.scale, transfer);
  const out = new Uint8Array(job.end - job.start);
  for (let k = job.start; k < job.end; k++) {
    const r = runLifTrial(
      net,
      searchTrial(task, seed, k, job.stream),
      searchNoise(seed, job.scale, k, job.stream),
    );
    out[k - job.start] = !allFinite(r.output) ? NON_FINITE_TRIAL : r.correct ? 1 : 0;
  }
  return out;
}

function allFinite(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}

/** Highest accuracy, first index on ties (the reference's argmax). */
export function pickBestScale(
  scales: readonly number[],
  accuracy: readonly number[],
): { scale: number; accuracy: number; index: number } {
  if (scales.length === 0 || scales.length !== accuracy.length) {
    throw new InvalidParameterError(
      `pickBestScale needs one accuracy per scale, got ${scales.length} scales and ${accuracy.length} accuracies`,
    );
  }
  // a NaN accuracy never wins (a scale whose trials could not be scored)
  let index = 0;
  for (let k = 1; k < scales.length; k++) {
    if (accuracy[k] > accuracy[index] || (Number.isNaN(accuracy[index]) && !Number.isNaN(accuracy[k]))) {
      index = k;
    }
  }
  return { scale: scales[index], accuracy: accuracy[index], index };
}

/** Most scaling factors one search accepts (the reference uses 12). */
export const MAX_SCALES = 1000;
/** Scaling factors outside [MIN_SCALE, MAX_SCALE] are refused by parseScales: far outside any useful
 *  transfer (the paper searches 4 to 75) and, at the low end, weights that overflow the LIF currents. */
export const MIN_SCALE = 0.01;
export const MAX_SCALE = 10_000;

/** Parses "20:75:5" (inclusive start:end:step) or "20,25,40" into a list of scaling factors (decimal notation only). */
export function parseScales(text: string): number[] {
  const t = text.trim();
  const fail = (): never => {
    throw new InvalidParameterError(
      `scales ${JSON.stringify(text)} must be start:end:step (e.g. 20:75:5) or a comma list (e.g. 20,25,40) of numbers > 0` +
        (t !== text ? " without spaces before or after (spaces around its commas and colons are fine)" : ""),
    );
  };
  // like every number the CLI reads: spaces around the value are refused, spaces inside a list are not
  if (t !== text) fail();
  if (t.includes(":")) {
    const parts = t.split(":").map((part) => decimal(part.trim()));
    if (parts.length !== 3 || parts.some((x) => !Number.isFinite(x))) fail();
    const [a, b, step] = parts;
    if (a <= 0) fail();
    if (step <= 0 || b < a) {
      throw new InvalidParameterError(
        `scales ${JSON.stringify(text)}: ` +
          (step <= 0
            ? `the step ${step} must be > 0`
            : `the start ${a} is above the end ${b}; write start:end:step with start <= end (e.g. ${b}:${a}:${step})`),
      );
    }
    const count = Math.floor((b - a) / step + 1e-9) + 1;
    if (count > MAX_SCALES) {
      throw new InvalidParameterError(
        `scales ${JSON.stringify(text)} spans ${count} values; a search takes at most ${MAX_SCALES} (use a larger step)`,
      );
    }
    return checkScaleRange(
      text,
      Array.from({ length: count }, (_, k) => +(a + k * step).toPrecision(12)),
    );
  }
  const list = t.split(",").map((part) => decimal(part.trim()));
  if (list.length === 0 || list.some((x) => !Number.isFinite(x) || x <= 0)) fail();
  return checkScaleRange(text, list);
}

function checkScaleRange(text: string, scales: number[]): number[] {
  const repeated = scales.find((s, k) => scales.indexOf(s) !== k);
  if (repeated !== undefined) {
    throw new InvalidParameterError(
      `scales ${JSON.stringify(text)} lists ${repeated} twice; give each value once`,
    );
  }
  const bad = scales.find((s) => s < MIN_SCALE || s > MAX_SCALE);
  if (bad !== undefined) {
    throw new InvalidParameterError(
      `scales ${JSON.stringify(text)}: ${bad} is outside [${MIN_SCALE}, ${MAX_SCALE}]; ` +
        `the scaling factor divides the rate weights (the paper searches 4 to 75)`,
    );
  }
  return scales;
}

function validate(o: ScaleSearchOptions): void {
  if (!Array.isArray(o.scales) || o.scales.length === 0) {
    throw new InvalidParameterError("scales must list at least one scaling factor, e.g. [20, 25, ..., 75]");
  }
  o.scales.forEach((s, k) => requirePositive(`scales[${k}]`, s));
  if (new Set(o.scales).size !== o.scales.length) {
    throw new InvalidParameterError(`scales must not repeat a value, got ${o.scales.join(", ")}`);
  }
  requireInteger("trials", o.trials, 1);
  requireInteger("seed", o.seed, 0);
  requireInteger("chunk", o.chunk, 1);
  if (typeof o.stream !== "string" || o.stream === "") {
    throw new InvalidParameterError(`stream must be a non-empty string, got ${JSON.stringify(o.stream)}`);
  }
}

/** The jobs of a search: every scale, trials in chunks. */
export function scaleJobs(
  scales: readonly number[],
  trials: number,
  chunk: number,
  stream = SCALE_SEARCH_DEFAULTS.stream,
): ScaleJob[] {
  const jobs: ScaleJob[] = [];
  for (const scale of scales) {
    for (let start = 0; start < trials; start += chunk) {
      jobs.push({ scale, start, end: Math.min(trials, start + chunk), stream });
    }
  }
  return jobs;
}

/** The in-thread runner. */
export function localRunner(
  model: RateRnn,
  task: TaskName,
  seed: number,
  transfer: Partial<TransferOptions>,
): ScaleJobRunner {
  return async (jobs, done) => {
    for (const job of jobs) {
      const t0 = performance.now();
      const flags = evaluateScaleTrials(model, task, job, seed, transfer);
      done(job, flags, (performance.now() - t0) / 1000);
      // let progress output and other callbacks run between jobs
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
    }
  };
}

/** Runs the search (see the file comment). */
export async function searchScale(
  model: RateRnn,
  task: TaskName,
  options: Partial<ScaleSearchOptions> = {},
  runner?: ScaleJobRunner,
  onProgress?: (p: ScaleSearchProgress) => void,
): Promise<ScaleSearchResult> {
  requireRateRnn("searchScale", model);
  const o: ScaleSearchOptions = withDefaults("scale-search options", SCALE_SEARCH_DEFAULTS, options);
  validate(o);
  requireTaskInputs("the model", model.inputs, task);
  const t0 = performance.now();
  const jobs = scaleJobs(o.scales, o.trials, o.chunk, o.stream);
  const correct = o.scales.map(() => new Array<number>(o.trials).fill(-1));
  const run = runner ?? localRunner(model, task, o.seed, o.transfer);
  let done = 0;
  let compute_s = 0;
  const total = o.scales.length * o.trials;
  await run(jobs, (job, flags, seconds) => {
    compute_s += seconds;
    const row = correct[o.scales.indexOf(job.scale)];
    for (let k = job.start; k < job.end; k++) row[k] = flags[k - job.start];
    done += job.end - job.start;
    onProgress?.({ done, total });
  });
  if (correct.some((row) => row.includes(-1))) {
    throw new StateError("the scale-search runner did not report every job; check the worker pool");
  }
  // the first such trial in grid and trial order, so the message does not depend on the workers
  for (let i = 0; i < o.scales.length; i++) {
    const k = correct[i].indexOf(NON_FINITE_TRIAL);
    if (k < 0) continue;
    throw new DivergenceError(
      `the spiking network's output at s = ${o.scales[i]} is not a finite number in trial ${k} ` +
        `("${o.stream}" trials): the model's weights, divided by s, overflow the LIF network (a larger s ` +
        `divides them more; a trained model does not do this unless its files were edited or damaged)`,
      { scale: o.scales[i], trial: k },
    );
  }
  const accuracy = correct.map((row) => row.reduce((a, b) => a + b, 0) / o.trials);
  return {
    task,
    scales: [...o.scales],
    accuracy,
    correct,
    best: pickBestScale(o.scales, accuracy),
    trials: o.trials,
    seed: o.seed,
    stream: o.stream,
    wall_s: (performance.now() - t0) / 1000,
    trial_s: compute_s / total,
  };
}
