/**
 * Cognitive tasks of Kim, Li & Sejnowski (2019): Go-NoGo, temporal XOR and context-dependent integration
 * (Mante et al. 2013). All times are rate steps of 5 ms, 0-based. Sources: the paper, its SI, and the task code
 * of rkim35/spikeRNN (rate/main.py, rate/model.py, spiking/lambda_grid_search.m); see docs/rnn.md.
 *
 * Go-NoGo (T = 200, 1 input): Go (p = 0.5) u = 1 on steps [50, 75); NoGo u = 0. Target 1 on [75, T) for Go,
 *   0 throughout for NoGo.
 * XOR (T = 300, 2 inputs): channel 1 = +-1 on [50, 100), channel 2 = +-1 on [110, 160). Target +1 if the signs
 *   are equal ("same"), -1 if they differ, on [170, 270); 0 elsewhere.
 * Mante (T = 500, 4 inputs): channels 1 and 2 = N(0,1) white noise + offset +-0.5 (sign random per channel) on
 *   [50, 250); channel 3 or 4 (the cued context) = 1 for the whole trial. Label = sign of the cued channel's
 *   offset. Target 0 on [0, 250), then the label.
 *
 * Rate success criteria act on the T-1 outputs o_1 .. o_{T-1} (index t-1 holds o_t, the reference's `o` list):
 *   Go-NoGo: Go iff max(o[75:]) > 0.7; NoGo iff max|o[75:]| < 0.3.
 *   XOR:     same iff max(o[200:]) > 0.7; diff iff min(o[200:]) < -0.7.
 *   Mante:   +1 iff max of the last 200 outputs > 0.7; -1 iff their min < -0.7.
 * Spiking criteria act on an output sampled every dt (0.05 ms by default), sample k at time (k+1) dt as in the
 * MATLAB code (`out(i)` after step i); the window starts at 0.5 s (Go-NoGo), 1.0 s (XOR), 1.3 s (Mante), i.e.
 * at 0-based sample round(start / dt) - 1 (MATLAB out(10000:end), out(20000:end), out(26000:end)). The spiking
 * NoGo criterion is max(o) < 0.3 without abs(), as in the reference.
 */
import {
  InvalidParameterError,
  ShapeMismatchError,
  describeValue,
  requireBoolean,
  requirePositive,
} from "../core/errors.ts";
import { requireKnownKeys } from "../core/options.ts";
import { type Rng, createRng, requireRngArgument } from "../core/rng.ts";

export type TaskName = "go-nogo" | "xor" | "mante";
export const TASK_NAMES: readonly TaskName[] = Object.freeze(["go-nogo", "xor", "mante"]);

export interface TaskSpec {
  readonly name: TaskName;
  /** Trial length T in rate steps. */
  readonly steps: number;
  /** Input channels. */
  readonly inputs: number;
  /** First step of the (first) stimulus. */
  readonly stimOn_steps: number;
  /** Stimulus duration in steps (each XOR pulse). */
  readonly stimDur_steps: number;
  /** XOR: gap between the two pulses; 0 for the other tasks. */
  readonly delay_steps: number;
  /** Target window [responseOn, responseEnd) in steps. */
  readonly responseOn_steps: number;
  readonly responseEnd_steps: number;
  /** First output index (into o_1 .. o_{T-1}) of the rate success window. */
  readonly rateWindowStart: number;
  /** Start of the spiking success window. */
  readonly spikingWindowStart_ms: number;
  /** Updates a training run must exceed before it may stop (reference: Go-NoGo tr > 1500). */
  readonly minTrials: number;
  /** Rate step. */
  readonly dt_ms: number;
}

/** Timings in rate steps of 5 ms (reference code rate/main.py settings). */
export const TASKS: Readonly<Record<TaskName, TaskSpec>> = Object.freeze({
  "go-nogo": Object.freeze({
    name: "go-nogo",
    steps: 200,
    inputs: 1,
    stimOn_steps: 50,
    stimDur_steps: 25,
    delay_steps: 0,
    responseOn_steps: 75,
    responseEnd_steps: 200,
    rateWindowStart: 75,
    spikingWindowStart_ms: 500,
    minTrials: 1500,
    dt_ms: 5,
  }),
  xor: Object.freeze({
    name: "xor",
    steps: 300,
    inputs: 2,
    stimOn_steps: 50,
    stimDur_steps: 50,
    delay_steps: 10,
    responseOn_steps: 170,
    responseEnd_steps: 270,
    rateWindowStart: 200,
    spikingWindowStart_ms: 1000,
    minTrials: 0,
    dt_ms: 5,
  }),
  mante: Object.freeze({
    name: "mante",
    steps: 500,
    inputs: 4,
    stimOn_steps: 50,
    stimDur_steps: 200,
    delay_steps: 0,
    responseOn_steps: 250,
    responseEnd_steps: 500,
    rateWindowStart: 299,
    spikingWindowStart_ms: 1300,
    minTrials: 0,
    dt_ms: 5,
  }),
} satisfies Record<TaskName, TaskSpec>);

/** Rate-output threshold of the success criteria (code `eval_amp_threh`). */
export const RESPONSE_THRESHOLD = 0.7;
/** Go-NoGo: a NoGo output must stay below this. */
export const NOGO_THRESHOLD = 0.3;

export interface Trial {
  readonly task: TaskName;
  readonly steps: number;
  readonly inputs: number;
  /** Input, time-major: u[t * inputs + c], t = 0 .. steps-1. */
  readonly u: Float64Array;
  /** Target z_t, t = 0 .. steps-1 (o_t is compared with z_{t-1}). */
  readonly target: Float64Array;
  /** Go-NoGo: 1 Go, 0 NoGo. XOR: +1 same, -1 different. Mante: the sign of the cued channel's offset. */
  readonly label: number;
  /** XOR: the signs of the two pulses; Mante: the signs of the two offsets; Go-NoGo: empty. */
  readonly signs: readonly number[];
  /** Mante: the cued channel, 0 (modality 1) or 1 (modality 2); -1 for the other tasks. */
  readonly context: number;
}

/** Fixes some random choices of a trial (for analysis and tests); unset ones are drawn as usual. */
export interface TrialOverrides {
  /** Go-NoGo: force a Go (true) or NoGo (false) trial. */
  readonly go?: boolean;
  /** XOR: pulse signs; Mante: offset signs (each +1 or -1). */
  readonly signs?: readonly [number, number];
  /** Mante: cued channel, 0 or 1. */
  readonly context?: 0 | 1;
  /** Mante: offset magnitude. Default 0.5 (training value; the SI's psychometric curves vary it). */
  readonly offset?: number;
}

/** The reference's per-trial stream: `createRng(seed, "trial", k)`. */
export function trialRng(seed: number, k: number): Rng {
  return createRng(seed, "trial", k);
}

function pickSign(rng: Rng, forced: number | undefined): number {
  if (forced === undefined) return rng.float() < 0.5 ? 1 : -1;
  if (forced !== 1 && forced !== -1) throw new InvalidParameterError(`signs must be +1 or -1, got ${forced}`);
  return forced;
}

/** Which tasks each override applies to. */
const OVERRIDE_TASKS: Readonly<Record<keyof TrialOverrides, readonly TaskName[]>> = {
  go: ["go-nogo"],
  signs: ["xor", "mante"],
  context: ["mante"],
  offset: ["mante"],
};

/** Throws unless every override given applies to `task` (an override of another task would go unused). */
function requireOverridesFit(task: TaskName, overrides: TrialOverrides): void {
  for (const key of Object.keys(OVERRIDE_TASKS) as (keyof TrialOverrides)[]) {
    if (overrides[key] === undefined || OVERRIDE_TASKS[key].includes(task)) continue;
    throw new InvalidParameterError(
      `generateTrial overrides.${key} applies only to ${OVERRIDE_TASKS[key].join(" and ")}, not to ${task}; ` +
        `leave it out`,
    );
  }
  const signs: unknown = overrides.signs;
  if (signs !== undefined && (!Array.isArray(signs) || signs.length !== 2)) {
    throw new InvalidParameterError(
      `generateTrial overrides.signs must be a pair [+1 or -1, +1 or -1], got ${describeValue(signs)}`,
    );
  }
}

/** Draws one trial of `task` from `rng`. */
export function generateTrial(task: TaskName, rng: Rng, overrides: TrialOverrides = {}): Trial {
  requireKnownKeys("generateTrial overrides", overrides, ["go", "signs", "context", "offset"]);
  const spec = taskSpec(task);
  requireRngArgument("generateTrial(task, rng)", rng, "trialRng(seed, k)");
  requireOverridesFit(task, overrides);
  const T = spec.steps;
  const nIn = spec.inputs;
  const u = new Float64Array(T * nIn);
  const target = new Float64Array(T);
  const on = spec.stimOn_steps;
  const dur = spec.stimDur_steps;
  switch (task) {
    case "go-nogo": {
      const go =
        overrides.go === undefined
          ? rng.float() < 0.5
          : requireBoolean("generateTrial overrides.go", overrides.go);
      if (go) {
        for (let t = on; t < on + dur; t++) u[t] = 1;
        target.fill(1, spec.responseOn_steps, spec.responseEnd_steps);
      }
      return { task, steps: T, inputs: nIn, u, target, label: go ? 1 : 0, signs: [], context: -1 };
    }
    case "xor": {
      const s1 = pickSign(rng, overrides.signs?.[0]);
      const s2 = pickSign(rng, overrides.signs?.[1]);
      const on2 = on + dur + spec.delay_steps;
      for (let t = on; t < on + dur; t++) u[t * 2] = s1;
      for (let t = on2; t < on2 + dur; t++) u[t * 2 + 1] = s2;
      const label = s1 === s2 ? 1 : -1;
      target.fill(label, spec.responseOn_steps, spec.responseEnd_steps);
      return { task, steps: T, inputs: nIn, u, target, label, signs: [s1, s2], context: -1 };
    }
    case "mante": {
      const offset = overrides.offset ?? 0.5;
      requirePositive("offset", offset);
      const signs: number[] = [];
      for (let ch = 0; ch < 2; ch++) {
        const s = pickSign(rng, overrides.signs?.[ch]);
        signs.push(s);
        for (let t = on; t < on + dur; t++) u[t * 4 + ch] = rng.normal() + s * offset;
      }
      const context = overrides.context ?? (rng.float() < 0.5 ? 0 : 1);
      if (context !== 0 && context !== 1)
        throw new InvalidParameterError(`context must be 0 or 1, got ${context}`);
      for (let t = 0; t < T; t++) u[t * 4 + 2 + context] = 1;
      const label = signs[context];
      target.fill(label, spec.responseOn_steps, spec.responseEnd_steps);
      return { task, steps: T, inputs: nIn, u, target, label, signs, context };
    }
    default: {
      const never: never = task;
      throw new InvalidParameterError(`unknown task ${JSON.stringify(never)}`);
    }
  }
}

export function taskSpec(task: TaskName): TaskSpec {
  const spec = (TASKS as Record<string, TaskSpec | undefined>)[task];
  if (spec === undefined) {
    throw new InvalidParameterError(
      `unknown task ${JSON.stringify(task)}; use one of ${TASK_NAMES.join(", ")}`,
    );
  }
  return spec;
}

/**
 * Throws `InvalidParameterError` unless a network with `inputs` input channels fits `task`. `who` names the
 * network in the message ("the model", "runLifTrial: the spiking network"): "<who> has 1 inputs but xor has 2".
 */
export function requireTaskInputs(who: string, inputs: number, task: TaskName): void {
  const spec = taskSpec(task);
  if (inputs !== spec.inputs) {
    throw new InvalidParameterError(
      `${who} has ${inputs} inputs but ${task} has ${spec.inputs}; use a network built for ${task} ` +
        `(a rate net with inputs: ${spec.inputs}) or trials of a task with ${inputs} input channel${inputs === 1 ? "" : "s"}`,
      { task, inputs, taskInputs: spec.inputs },
    );
  }
}

/**
 * Throws unless `trial` fits a network with `inputs` input channels: its task has that many channels, and its
 * input holds steps x inputs values (time-major). `who` names the caller in the message.
 */
export function requireTrialFits(who: string, inputs: number, trial: Trial): void {
  const t = trial as Partial<Trial> | null;
  if (
    typeof t !== "object" ||
    t === null ||
    !(t.u instanceof Float64Array) ||
    !(t.target instanceof Float64Array) ||
    !Number.isInteger(t.steps) ||
    !Number.isInteger(t.inputs)
  ) {
    throw new InvalidParameterError(
      `${who}: a trial is { task, steps, inputs, u, target, label, ... } as generateTrial makes it, got ` +
        `${describeValue(trial)}`,
    );
  }
  requireTaskInputs(who, inputs, trial.task);
  if (trial.inputs !== inputs || trial.u.length !== trial.steps * trial.inputs) {
    throw new ShapeMismatchError(
      `${who}: the ${trial.task} trial's input u has ${trial.u.length} values for ${trial.steps} steps x ` +
        `${trial.inputs} channels; the network takes ${inputs} channels (u[t * inputs + c], time-major)`,
      { task: trial.task, length: trial.u.length, steps: trial.steps, inputs: trial.inputs },
    );
  }
}

export type Criterion = "rate" | "spiking";

export interface CorrectnessOptions {
  /** "rate": output = the T-1 rate outputs; "spiking": output sampled every dt_ms. Default "rate". */
  readonly criterion?: Criterion;
  /** Spiking criterion only: sample interval of `output`. Default 0.05 ms (the LIF step). */
  readonly dt_ms?: number;
}

/** First 0-based sample of the spiking success window: sample k is at (k+1) dt. */
export function spikingWindowStart(task: TaskName, dt_ms = 0.05): number {
  requirePositive("dt_ms", dt_ms);
  return Math.max(0, Math.round(taskSpec(task).spikingWindowStart_ms / dt_ms) - 1);
}

/** Whether `output` solves `trial` by the reference's rate or spiking criterion. */
export function isCorrect(
  task: TaskName,
  output: ArrayLike<number>,
  trial: Trial,
  options: CorrectnessOptions = {},
): boolean {
  requireKnownKeys("isCorrect options", options, ["criterion", "dt_ms"]);
  if (trial.task !== task) {
    throw new InvalidParameterError(
      `trial is a ${trial.task} trial but task is ${task}; pass the trial's task`,
    );
  }
  const criterion = options.criterion ?? "rate";
  let from: number;
  if (criterion === "rate") {
    if (output.length !== trial.steps - 1) {
      throw new ShapeMismatchError(
        `rate output has ${output.length} values; a ${task} trial of ${trial.steps} steps gives ${trial.steps - 1} ` +
          `(o_1 .. o_{T-1})`,
      );
    }
    from = taskSpec(task).rateWindowStart;
  } else if (criterion === "spiking") {
    from = spikingWindowStart(task, options.dt_ms ?? 0.05);
    if (output.length <= from) {
      throw new ShapeMismatchError(
        `spiking output has ${output.length} samples; the ${task} window starts at sample ${from} ` +
          `(dt = ${options.dt_ms ?? 0.05} ms)`,
      );
    }
  } else {
    throw new InvalidParameterError(
      `criterion must be "rate" or "spiking", got ${JSON.stringify(criterion)}`,
    );
  }
  let max = -Infinity;
  let min = Infinity;
  let maxAbs = 0;
  for (let k = from; k < output.length; k++) {
    const o = output[k];
    // an output that is not a number answers nothing (a NaN would pass every "below" test)
    if (Number.isNaN(o)) return false;
    if (o > max) max = o;
    if (o < min) min = o;
    if (Math.abs(o) > maxAbs) maxAbs = Math.abs(o);
  }
  if (task === "go-nogo") {
    if (trial.label === 1) return max > RESPONSE_THRESHOLD;
    return (criterion === "rate" ? maxAbs : max) < NOGO_THRESHOLD;
  }
  return trial.label === 1 ? max > RESPONSE_THRESHOLD : min < -RESPONSE_THRESHOLD;
}
