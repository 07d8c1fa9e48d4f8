/**
 * Building blocks of the encoders: the window length, input validation, and two train builders.
 *
 * `trainFromProbabilities` draws, for each input i, an independent Bernoulli(p_i) spike at every step. It
 * jumps from spike to spike: the gap to the next spike is a geometric number of silent steps
 * (`rng.geometric(p)`, P(gap = k) = (1 - p)^k p), which gives exactly the per-step Bernoulli distribution at
 * a cost of O(inputs + spikes) draws instead of O(inputs x steps). Events are gathered input by input, then
 * counting-sorted by step (stable, so indices stay ascending within a step). Inputs are drawn in index
 * order, so a seed fixes the whole train.
 */
import {
  EncodingRangeError,
  InvalidParameterError,
  MAX_BUFFER_LENGTH,
  requireBufferLength,
  requireInteger,
} from "../core/errors.ts";
import { type Rng, requireRng } from "../core/rng.ts";
import { describeValue, requireKnownKeys } from "../core/options.ts";
import { msToSteps } from "../core/time.ts";
import { SpikeTrain, TRAIN_CHUNK_HINT, allocateTrainBuffer, requireTrainSteps } from "./spike-train.ts";

/** The window: a number of steps, or a duration in ms converted with `msToSteps` (whole steps only). */
export interface WindowOptions {
  /** Number of steps, >= 1. Give this or `duration_ms`. */
  readonly steps?: number;
  /** Window length in ms; must be a whole number of steps of `dt_ms`. Give this or `steps`. */
  readonly duration_ms?: number;
  /** Step length in ms (needed with `duration_ms`). */
  readonly dt_ms?: number;
}

/** The keys of `WindowOptions`. */
export const WINDOW_KEYS: readonly string[] = Object.freeze(["steps", "duration_ms", "dt_ms"]);

/**
 * Checks an encoder's options once: an options object (every encoder needs at least its window), no key
 * outside the window's and `extra` (a misspelling names the closest valid key), and, when `needsRng`, a
 * generator in `rng`.
 */
export function requireEncoderOptions(
  what: string,
  opts: object,
  extra: readonly string[],
  needsRng: boolean,
): void {
  const valid = [...WINDOW_KEYS, ...extra];
  if (opts === undefined) {
    throw new InvalidParameterError(
      `${what} needs an options object with the window (steps, or duration_ms and dt_ms)` +
        `${needsRng ? " and rng" : ""}; the valid options are ${valid.join(", ")}`,
      { what },
    );
  }
  requireKnownKeys(`${what} options`, opts, valid);
  if (needsRng) requireRng(what, (opts as { rng?: unknown }).rng, `"${what}", exampleIndex`);
}

/** The number of steps of a window (see `WindowOptions`). */
export function resolveSteps(opts: WindowOptions, what: string): number {
  const { steps, duration_ms, dt_ms } = opts;
  if ((steps === undefined) === (duration_ms === undefined)) {
    throw new InvalidParameterError(
      `${what} needs exactly one of \`steps\` and \`duration_ms\`, got ${steps === undefined ? "neither" : "both"}`,
      { steps, duration_ms },
    );
  }
  if (steps !== undefined) {
    requireInteger(`${what} steps`, steps, 1);
    return requireTrainSteps(`${what} steps = ${steps}`, steps);
  }
  if (dt_ms === undefined) {
    throw new InvalidParameterError(
      `${what}: duration_ms = ${duration_ms} needs dt_ms to convert it to steps`,
    );
  }
  const n = msToSteps(duration_ms as number, dt_ms, `${what} duration_ms`);
  if (n < 1) {
    throw new InvalidParameterError(
      `${what}: duration_ms must cover at least one step, got ${duration_ms} ms`,
    );
  }
  return requireTrainSteps(`${what} duration_ms = ${duration_ms} at dt_ms = ${dt_ms} (${n} steps)`, n);
}

/**
 * Checks an encoder's input, the first argument (named `name`, e.g. "values" or "rates_Hz"): an Array or typed
 * array of at least one entry (else `InvalidParameterError`, naming what was given), every entry a number
 * (else `InvalidParameterError` naming the entry) that is finite and >= 0 (else `EncodingRangeError`). `unit`
 * follows a value in the messages (" Hz").
 */
export function requireNonNegativeValues(
  values: ArrayLike<number>,
  what: string,
  name = "values",
  unit = "",
): void {
  const isArray =
    Array.isArray(values) ||
    (ArrayBuffer.isView(values) &&
      !(values instanceof DataView) &&
      !(values instanceof BigInt64Array) &&
      !(values instanceof BigUint64Array));
  const example = unit === "" ? "[0.5, 1, 0]" : `[20, 5, 0]`;
  if (!isArray) {
    throw new InvalidParameterError(
      `${what}: ${name} must be an Array or typed array of ${unit === "" ? "values" : `rates in${unit}`}, ` +
        `one per input (e.g. ${example}), got ${describeValue(values)}`,
      { name },
    );
  }
  if (values.length === 0) {
    throw new InvalidParameterError(
      `${what}: ${name} is empty; give one ${unit === "" ? "value" : "rate"} per input, at least one (e.g. ${example})`,
      { name },
    );
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== "number") {
      throw new InvalidParameterError(
        `${what}: input ${i} is ${describeValue(v)}; ${name} must hold numbers${unit === "" ? "" : ` (in${unit})`}, ` +
          `finite and >= 0`,
        { index: i, value: v },
      );
    }
    if (!(Number.isFinite(v) && v >= 0)) {
      throw new EncodingRangeError(
        `${what}: input ${i} is ${String(v)}${unit}; ${name} must be finite and >= 0`,
        { index: i, value: v },
      );
    }
  }
}

/**
 * Per-step Bernoulli(p[i]) spikes for every input over `steps` steps; p[i] must lie in [0, 1]. `dt_ms`, when
 * given, is recorded as the step the train was made for (SpikeTrain.dt_ms).
 */
export function trainFromProbabilities(p: Float64Array, steps: number, rng: Rng, dt_ms?: number): SpikeTrain {
  requireInteger("trainFromProbabilities steps", steps, 0);
  requireTrainSteps(`trainFromProbabilities steps = ${steps}`, steps);
  const size = p.length;
  for (let i = 0; i < size; i++) {
    if (!(p[i] >= 0 && p[i] <= 1)) {
      throw new EncodingRangeError(
        `trainFromProbabilities: p[${i}] = ${p[i]} is not a per-step spike probability; each p must be in [0, 1]`,
        { index: i, p: p[i] },
      );
    }
  }
  let expected = 0;
  for (let i = 0; i < size; i++) expected += p[i] * steps;
  // the train's offsets count spikes in int32: refuse a train that would hold more
  const tooMany = (count: number): void => {
    requireBufferLength(
      `a train of ${steps} steps x ${size} inputs with about ${Math.round(expected)} spikes`,
      count,
      Int32Array.BYTES_PER_ELEMENT,
      TRAIN_CHUNK_HINT,
    );
  };
  tooMany(Math.ceil(expected));
  let cap = Math.min(MAX_BUFFER_LENGTH, Math.max(16, Math.ceil(expected + 6 * Math.sqrt(expected) + 16)));
  let evStep = allocateTrainBuffer(cap, "the spike events of a train");
  let evIdx = allocateTrainBuffer(cap, "the spike events of a train");
  let n = 0;
  for (let i = 0; i < size; i++) {
    const pi = p[i];
    if (pi <= 0) continue;
    for (let t = rng.geometric(pi); t < steps; t += 1 + rng.geometric(pi)) {
      if (n === cap) {
        tooMany(n + 1);
        cap = Math.min(MAX_BUFFER_LENGTH, cap * 2);
        const s2 = allocateTrainBuffer(cap, "the spike events of a train");
        const i2 = allocateTrainBuffer(cap, "the spike events of a train");
        s2.set(evStep);
        i2.set(evIdx);
        evStep = s2;
        evIdx = i2;
      }
      evStep[n] = t;
      evIdx[n] = i;
      n++;
    }
  }
  return sortByStep(size, steps, evStep, evIdx, n, dt_ms);
}

/**
 * At most one spike per input: input i spikes at step firstStep[i] (< steps), or never when firstStep[i] < 0.
 * `dt_ms`, when given, is recorded as the step the train was made for (SpikeTrain.dt_ms).
 */
export function trainFromFirstSpikes(firstStep: Int32Array, steps: number, dt_ms?: number): SpikeTrain {
  requireInteger("trainFromFirstSpikes steps", steps, 0);
  requireTrainSteps(`trainFromFirstSpikes steps = ${steps}`, steps);
  const size = firstStep.length;
  let n = 0;
  for (let i = 0; i < size; i++) {
    if (firstStep[i] >= steps) {
      throw new InvalidParameterError(
        `trainFromFirstSpikes: firstStep[${i}] = ${firstStep[i]} is outside the window of ${steps} steps; ` +
          `use ${steps === 0 ? "" : `a step from 0 to ${steps - 1}, or `}-1 for no spike`,
        { index: i, step: firstStep[i], steps },
      );
    }
    if (firstStep[i] >= 0) n++;
  }
  const evStep = new Int32Array(n);
  const evIdx = new Int32Array(n);
  let e = 0;
  for (let i = 0; i < size; i++) {
    if (firstStep[i] < 0) continue;
    evStep[e] = firstStep[i];
    evIdx[e++] = i;
  }
  return sortByStep(size, steps, evStep, evIdx, n, dt_ms);
}

/** Stable counting sort of n events (gathered in ascending input order) into a CSR-by-step train. */
function sortByStep(
  size: number,
  steps: number,
  evStep: Int32Array,
  evIdx: Int32Array,
  n: number,
  dt_ms: number | undefined,
): SpikeTrain {
  const offsets = allocateTrainBuffer(steps + 1, `a train of ${steps} steps`);
  for (let e = 0; e < n; e++) offsets[evStep[e] + 1]++;
  for (let t = 0; t < steps; t++) offsets[t + 1] += offsets[t];
  const fill = allocateTrainBuffer(steps, `a train of ${steps} steps`);
  fill.set(offsets.subarray(0, steps));
  const indices = new Int32Array(n);
  for (let e = 0; e < n; e++) indices[fill[evStep[e]]++] = evIdx[e];
  return new SpikeTrain(size, steps, offsets, indices, dt_ms);
}
