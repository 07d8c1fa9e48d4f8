/**
 * Training of the rate RNN (src/rnn/rate-rnn.ts): Adam over the trained parameter groups, one trial per update,
 * gradients from the hand-written BPTT in src/rnn/bptt.ts, and the reference's stopping rule. Source: Kim, Li &
 * Sejnowski (2019) Methods and SI; rkim35/spikeRNN rate/main.py (read, not ported); docs/rnn.md.
 *
 * Trained: W_raw (on the fixed support), W_out, b_out and theta (if tauMax > tauMin). Not trained: W_in, x_0,
 * the unit signs and the masks.
 *
 * Stopping rule (reference code): after the update of 0-based trial tr with (tr - 1) mod evalEvery = 0, run
 * evalTrials fresh noisy trials; stop when their mean loss < lossThreshold, accuracy > accuracyThreshold and
 * tr > minTrials (1500 for Go-NoGo), or after maxTrials updates.
 */
import { runToEnd } from "../core/steps.ts";
import {
  DivergenceError,
  InvalidParameterError,
  describeValue,
  requireInteger,
  requirePositive,
} from "../core/errors.ts";
import { type Rng, createRng } from "../core/rng.ts";
import { requireKnownKeys, withDefaults } from "../core/options.ts";
import { sameStep } from "../core/time.ts";
import {
  ADAM_DEFAULTS,
  type AdamParams,
  type AdamSlot,
  adamStepSize,
  adamUpdate,
  createAdamSlot,
  validateAdam,
} from "./adam.ts";
import { type LossKind, RateRnnBackprop } from "./bptt.ts";
import {
  RATE_RNN_DEFAULTS,
  type RateRnn,
  type RateRnnOptions,
  cloneRateRnn,
  createRateRnn,
  tauTrainable,
} from "./rate-rnn.ts";
import {
  type TaskName,
  type Trial,
  generateTrial,
  isCorrect,
  requireTaskInputs,
  taskSpec,
  trialRng,
} from "./tasks.ts";

export { type LossKind, type RateRnnGradients, RateRnnBackprop, trialLoss } from "./bptt.ts";

export interface RateTrainOptions extends AdamParams {
  /** Model options (units, activation, taus, ...); `inputs` is set from the task. Default RATE_RNN_DEFAULTS. */
  readonly model: Partial<RateRnnOptions>;
  /** Seed of everything: the model (unless model.seed is set), trials, noise. Default 1. */
  readonly seed: number;
  /** Loss. Default "l2" (paper). */
  readonly loss: LossKind;
  /** Cap on updates (one trial each). Default 6000 (paper). */
  readonly maxTrials: number;
  /** Evaluate after trials tr with (tr - 1) mod evalEvery = 0. Default 100 (code). */
  readonly evalEvery: number;
  /** Fresh trials per evaluation. Default 100 (code). */
  readonly evalTrials: number;
  /** Stop when the mean evaluation loss is below this... Default 7 (code). */
  readonly lossThreshold: number;
  /** ...and the accuracy above this. Default 0.95 (code). */
  readonly accuracyThreshold: number;
  /** ...and tr > minTrials. Default: the task's minTrials (1500 for Go-NoGo, 0 otherwise; code). */
  readonly minTrials?: number;
  /** Start from a copy of this model instead of a fresh one (`model` options are then ignored). */
  readonly initial?: RateRnn;
}

export const RATE_TRAIN_DEFAULTS: Readonly<Omit<RateTrainOptions, "minTrials" | "initial">> = Object.freeze({
  ...ADAM_DEFAULTS,
  model: {},
  seed: 1,
  loss: "l2" as LossKind,
  maxTrials: 6000,
  evalEvery: 100,
  evalTrials: 100,
  lossThreshold: 7,
  accuracyThreshold: 0.95,
});

/** Adam over the trained parameter groups of a model: W_raw, W_out, b_out and (if tauMax > tauMin) theta. */
export class RateRnnTrainer {
  readonly model: RateRnn;
  readonly backprop: RateRnnBackprop;
  readonly adam: Readonly<AdamParams>;
  readonly lossKind: LossKind;
  private readonly slots: { wRaw: AdamSlot; wOut: AdamSlot; bOut: AdamSlot; theta: AdamSlot };
  private t = 0;

  constructor(model: RateRnn, steps: number, options: Partial<AdamParams> & { loss?: LossKind } = {}) {
    requireKnownKeys("RateRnnTrainer options", options, [...Object.keys(ADAM_DEFAULTS), "loss"]);
    this.adam = Object.freeze({
      learningRate: options.learningRate ?? ADAM_DEFAULTS.learningRate,
      beta1: options.beta1 ?? ADAM_DEFAULTS.beta1,
      beta2: options.beta2 ?? ADAM_DEFAULTS.beta2,
      epsilon: options.epsilon ?? ADAM_DEFAULTS.epsilon,
    });
    validateAdam(this.adam);
    this.lossKind = options.loss ?? "l2";
    if (this.lossKind !== "l2" && this.lossKind !== "l1") {
      throw new InvalidParameterError(`loss must be "l2" or "l1", got ${JSON.stringify(this.lossKind)}`);
    }
    this.model = model;
    this.backprop = new RateRnnBackprop(model, steps);
    this.slots = {
      wRaw: createAdamSlot(model.wRaw.length),
      wOut: createAdamSlot(model.units),
      bOut: createAdamSlot(1),
      theta: createAdamSlot(model.units),
    };
  }

  /** Number of updates done. */
  get updates(): number {
    return this.t;
  }

  /** One update on one trial; returns the trial's loss before the update. */
  update(trial: Trial, noise: Rng): number {
    const loss = this.backprop.lossAndGradients(trial, noise, this.lossKind);
    const g = this.backprop.gradients;
    const m = this.model;
    this.t++;
    const lrT = adamStepSize(this.adam, this.t);
    adamUpdate(m.wRaw, g.wRaw, this.slots.wRaw, this.adam, lrT);
    adamUpdate(m.wOut, g.wOut, this.slots.wOut, this.adam, lrT);
    adamUpdate(m.bOut, g.bOut, this.slots.bOut, this.adam, lrT);
    if (tauTrainable(m)) adamUpdate(m.theta, g.theta, this.slots.theta, this.adam, lrT);
    return loss;
  }

  /** Loss and rate-criterion correctness of one trial with the current weights (no update). */
  evaluate(trial: Trial, noise: Rng): { loss: number; correct: boolean } {
    const loss = this.backprop.loss(trial, noise, this.lossKind);
    return { loss, correct: isCorrect(trial.task, this.backprop.trace.output, trial) };
  }
}

export interface EvalPoint {
  /** 0-based index of the last training trial before this evaluation. */
  readonly trial: number;
  /** Updates done (trial + 1). */
  readonly updates: number;
  readonly meanLoss: number;
  /** Fraction of evaluation trials passed by the rate criterion. */
  readonly accuracy: number;
}

export interface RateTrainResult {
  readonly model: RateRnn;
  readonly curve: readonly EvalPoint[];
  /** Training loss of each update. */
  readonly trainLoss: Float64Array;
  readonly updates: number;
  /** Whether the stopping criterion was met before maxTrials. */
  readonly success: boolean;
}

/**
 * Trains a fresh rate RNN (or a copy of `options.initial`) on `task`. Streams: model `createRng(seed, "rnn-init")`, training trial k
 * `createRng(seed, "trial", k)` and its noise `createRng(seed, "noise", k)`, evaluation j after trial tr
 * `createRng(seed, "eval-trial", tr, j)` / `createRng(seed, "eval-noise", tr, j)`.
 */
/**
 * The fewest updates after which the stopping rule can end a run of `task`: the first evaluation (every
 * `evalEvery` updates, at trial indices 1, 101, 201, ...) after trial index minTrials. Go-NoGo: 1502; others: 2.
 */
export function firstStopUpdates(
  task: TaskName,
  evalEvery = RATE_TRAIN_DEFAULTS.evalEvery,
  minTrials = taskSpec(task).minTrials,
): number {
  const after = minTrials + 1; // the first trial index that may stop
  const tr = after + ((((1 - after) % evalEvery) + evalEvery) % evalEvery);
  return tr + 1;
}

/**
 * The fewest updates after which the stopping rule can end a run of `task` that made `updates` updates
 * without meeting it: the first evaluation that may stop (firstStopUpdates, with the run's `minTrials`) or,
 * past that, the next one.
 */
export function nextStopUpdates(
  task: TaskName,
  updates: number,
  evalEvery = RATE_TRAIN_DEFAULTS.evalEvery,
  minTrials = taskSpec(task).minTrials,
): number {
  const first = firstStopUpdates(task, evalEvery, minTrials);
  return updates < first ? first : first + (Math.floor((updates - first) / evalEvery) + 1) * evalEvery;
}

export function trainRateRnn(
  task: TaskName,
  options: Partial<RateTrainOptions> = {},
  onProgress?: (point: EvalPoint) => void,
): RateTrainResult {
  return runToEnd(trainRateRnnSteps(task, options, onProgress));
}

/**
 * trainRateRnn as a generator that yields between two training trials (after a trial's evaluation, if it has
 * one) and returns the result: a caller can let other work run between two trials, or stop there
 * (experiments/rnn-run.ts does both, so that Ctrl-C stops `spikeflow rnn train` within one trial). Like any
 * generator it runs nothing, not even its checks of `options`, before the first `next()`.
 */
export function* trainRateRnnSteps(
  task: TaskName,
  options: Partial<RateTrainOptions> = {},
  onProgress?: (point: EvalPoint) => void,
): Generator<void, RateTrainResult, void> {
  const spec = taskSpec(task);
  const o: Partial<RateTrainOptions> & typeof RATE_TRAIN_DEFAULTS = withDefaults(
    "rate RNN training options",
    RATE_TRAIN_DEFAULTS as Readonly<RateTrainOptions>,
    options,
    ["minTrials", "initial"],
  );
  requireKnownKeys("rate RNN training options: model", o.model, Object.keys(RATE_RNN_DEFAULTS));
  requireInteger("seed", o.seed, 0);
  requireInteger("maxTrials", o.maxTrials, 1);
  requireInteger("evalEvery", o.evalEvery, 1);
  requireInteger("evalTrials", o.evalTrials, 1);
  requirePositive("lossThreshold", o.lossThreshold);
  // the rule needs accuracy > threshold: at 1 or above it could never be met
  if (!(o.accuracyThreshold < 1)) {
    throw new InvalidParameterError(
      `accuracyThreshold must be below 1 (the rule needs accuracy above it; the paper: 0.95), got ` +
        `${describeValue(o.accuracyThreshold)}`,
    );
  }
  // options that build a new network mean nothing for one that is given
  if (o.initial !== undefined && Object.keys(options.model ?? {}).length > 0) {
    throw new InvalidParameterError(
      "rate RNN training options: model (a new network's settings) and initial (a network to go on training) " +
        "exclude each other; pass one",
    );
  }
  // the initial weights come from createRng(seed, "rnn-init"): a second seed in model would override it
  if (
    options.model?.seed !== undefined &&
    options.seed !== undefined &&
    options.model.seed !== options.seed
  ) {
    throw new InvalidParameterError(
      `rate RNN training options: seed ${options.seed} and model.seed ${options.model.seed} differ; the ` +
        "initial weights come from one seed: give seed only",
    );
  }
  const minTrials = o.minTrials ?? spec.minTrials;
  requireInteger("minTrials", minTrials, 0);
  if (o.model.inputs !== undefined && o.model.inputs !== spec.inputs) {
    throw new InvalidParameterError(
      `model.inputs = ${o.model.inputs} but ${task} has ${spec.inputs} input channels`,
    );
  }
  if (o.model.dt_ms !== undefined && !sameStep(o.model.dt_ms, spec.dt_ms)) {
    throw new InvalidParameterError(
      `model.dt_ms = ${o.model.dt_ms} but the ${task} timings are in ${spec.dt_ms} ms steps`,
    );
  }
  const model = o.initial
    ? cloneRateRnn(o.initial)
    : createRateRnn({ seed: o.seed, ...o.model, inputs: spec.inputs });
  requireTaskInputs("initial model", model.inputs, task);
  if (!sameStep(model.dynamics.dt_ms, spec.dt_ms)) {
    throw new InvalidParameterError(
      `initial model has dt_ms = ${model.dynamics.dt_ms} but the ${task} timings are in ${spec.dt_ms} ms steps`,
    );
  }
  const trainer = new RateRnnTrainer(model, spec.steps, {
    learningRate: o.learningRate,
    beta1: o.beta1,
    beta2: o.beta2,
    epsilon: o.epsilon,
    loss: o.loss,
  });
  const trainLoss = new Float64Array(o.maxTrials);
  const curve: EvalPoint[] = [];
  let success = false;
  let tr = 0;
  for (; tr < o.maxTrials; tr++) {
    if (tr > 0) yield;
    const trial = generateTrial(task, trialRng(o.seed, tr));
    trainLoss[tr] = trainer.update(trial, createRng(o.seed, "noise", tr));
    if (!Number.isFinite(trainLoss[tr])) {
      // the weights have left the float64 range (a learning rate far too large): every later step is NaN
      throw new DivergenceError(
        `rate RNN training diverged: the loss of training trial ${tr} is ${trainLoss[tr]} (the weights left ` +
          `the float64 range); lower the learning rate (now ${o.learningRate}; the paper's is 0.01)`,
        { trial: tr, learningRate: o.learningRate },
      );
    }
    if ((tr - 1) % o.evalEvery !== 0) continue;

    let lossSum = 0;
    let correct = 0;
    for (let j = 0; j < o.evalTrials; j++) {
      const evalTrial = generateTrial(task, createRng(o.seed, "eval-trial", tr, j));
      const r = trainer.evaluate(evalTrial, createRng(o.seed, "eval-noise", tr, j));
      lossSum += r.loss;
      if (r.correct) correct++;
    }
    const point: EvalPoint = {
      trial: tr,
      updates: tr + 1,
      meanLoss: lossSum / o.evalTrials,
      accuracy: correct / o.evalTrials,
    };
    curve.push(point);
    onProgress?.(point);
    if (point.meanLoss < o.lossThreshold && point.accuracy > o.accuracyThreshold && tr > minTrials) {
      success = true;
      tr++;
      break;
    }
  }
  return { model, curve, trainLoss: trainLoss.slice(0, tr), updates: tr, success };
}
