/**
 * A spike train: which of `size` inputs spike at each of `steps` steps, stored sparsely.
 *
 * Layout: CSR by step. The spikes of step t are indices[offsets[t] .. offsets[t + 1]), strictly ascending
 * (an input spikes at most once per step). offsets has length steps + 1 and offsets[steps] = totalSpikes.
 * Memory is O(steps + spikes), not O(steps x size).
 *
 * As a `Drive`, `apply(step, target)` pushes the step's spikes into the target: through `emit(i)` when the
 * target is a `SpikeSink` (the Input population), otherwise by adding 1 to the target's default port at i.
 * Cost per step: the spikes of that step; no allocation.
 *
 * A SpikeTrain is never changed after construction; treat `offsets` and `indices` as read-only.
 *
 * `dt_ms` is the time step the train was encoded for, when its spikes depend on it: `poisson` (a rate in Hz)
 * and `latency` (a time in ms) record it, and `fromDense`, `fromEvents` and the constructor take it. Such a
 * train holds only at that step, so `Network.run` refuses it on a network that steps at another dt (a 20 Hz
 * train encoded at dt = 1 ms would drive a 0.5 ms network at 40 Hz). `bernoulli` (a probability per step)
 * and `rankOrder` (an order of steps) make trains without a dt, which run at any step, as does any train
 * built from steps alone.
 */
import {
  InvalidParameterError,
  MAX_BUFFER_LENGTH,
  ShapeMismatchError,
  allocateBuffer,
  requireBufferLength,
  requireInteger,
  requirePositive,
  describeArgument,
} from "../core/errors.ts";
import { isSpikeSink } from "../network/types.ts";
import type { Drive, Population } from "../network/types.ts";

/** Most steps of one SpikeTrain: its `offsets` hold steps + 1 int32 entries, at most 2^31 - 1. */
export const MAX_TRAIN_STEPS = MAX_BUFFER_LENGTH - 1;

/** What to do about a train too long for one buffer. */
export const TRAIN_CHUNK_HINT =
  "encode and run the input in chunks of fewer steps (e.g. one example at a time)";

/**
 * Throws `InvalidParameterError` unless a train of `steps` steps fits one SpikeTrain (MAX_TRAIN_STEPS: its
 * offsets are one int32 per step, plus one). `what` names the option and its value ("poisson steps = 1e12").
 */
export function requireTrainSteps(what: string, steps: number): number {
  requireBufferLength(what, steps + 1, Int32Array.BYTES_PER_ELEMENT, TRAIN_CHUNK_HINT);
  return steps;
}

/** A zeroed Int32Array of a train's `length` offsets or indices; a failed allocation is a typed error. */
export function allocateTrainBuffer(length: number, what: string): Int32Array {
  return allocateBuffer(Int32Array, length, what, TRAIN_CHUNK_HINT);
}

export class SpikeTrain implements Drive {
  /** Number of inputs. */
  readonly size: number;
  /** Number of steps. */
  readonly steps: number;
  /** Length steps + 1; the spikes of step t are indices[offsets[t] .. offsets[t + 1]). */
  readonly offsets: Int32Array;
  /** Input indices of all spikes, by step, ascending within a step. */
  readonly indices: Int32Array;
  /** The time step (ms) the train was encoded for, or undefined when it was built from steps alone. */
  readonly dt_ms: number | undefined;
  private perInput: Int32Array | null = null;

  /**
   * Adopts (does not copy) `offsets` and `indices` after validating them; use `fromEvents` or `fromDense`
   * to build a train from arrays you keep using. `dt_ms`, when given, is the step the train was made for.
   */
  constructor(size: number, steps: number, offsets: Int32Array, indices: Int32Array, dt_ms?: number) {
    requireInteger("size", size, 1);
    requireInteger("steps", steps, 0);
    if (dt_ms !== undefined) requirePositive("SpikeTrain dt_ms", dt_ms);
    // adopted as they are and read as int32 by the delivery loops: a plain array could hold 0.5 or NaN, which
    // a port would drop without a word
    for (const [name, a] of [
      ["offsets", offsets],
      ["indices", indices],
    ] as const) {
      if (Object.prototype.toString.call(a) !== "[object Int32Array]") {
        throw new InvalidParameterError(
          `SpikeTrain ${name} must be an Int32Array, got ${describeArgument(a)}; build a train from spike ` +
            `events with SpikeTrain.fromEvents(size, steps, [[step, index], ...]) or from a 0/1 matrix with ` +
            `SpikeTrain.fromDense, or convert with Int32Array.from(${name})`,
        );
      }
    }
    if (offsets.length !== steps + 1 || offsets[0] !== 0 || offsets[steps] !== indices.length) {
      throw new ShapeMismatchError(
        `SpikeTrain: offsets must have length steps + 1 = ${steps + 1}, start at 0 and end at ` +
          `indices.length = ${indices.length}; got length ${offsets.length}, ends ${offsets[0]} and ${offsets[offsets.length - 1]}`,
      );
    }
    for (let t = 0; t < steps; t++) {
      const a = offsets[t];
      const b = offsets[t + 1];
      if (b < a) throw new InvalidParameterError(`SpikeTrain: offsets must be non-decreasing (step ${t})`);
      for (let k = a; k < b; k++) {
        const i = indices[k];
        if (i < 0 || i >= size) {
          throw new InvalidParameterError(
            `SpikeTrain: input index ${i} at step ${t} is outside [0, ${size})`,
            {
              step: t,
              index: i,
            },
          );
        }
        if (k > a && i <= indices[k - 1]) {
          throw new InvalidParameterError(
            `SpikeTrain: indices of step ${t} must be strictly ascending (each input spikes at most once a step); ` +
              `got ${indices[k - 1]} then ${i}`,
            { step: t },
          );
        }
      }
    }
    this.size = size;
    this.steps = steps;
    this.offsets = offsets;
    this.indices = indices;
    this.dt_ms = dt_ms;
  }

  /**
   * From a dense 0/1 array [steps][size] (any nonzero entry is a spike). An entry that is not a number, or is
   * NaN, is an `InvalidParameterError` naming its index, step and input. `dt_ms`, when given, is the step the
   * train was made for (e.g. `train.dt_ms` of a train saved with `toDense()`), so that `run` checks it.
   */
  static fromDense(dense: ArrayLike<number>, size: number, steps: number, dt_ms?: number): SpikeTrain {
    requireInteger("size", size, 1);
    requireInteger("steps", steps, 0);
    requireTrainSteps(`SpikeTrain.fromDense steps = ${steps}`, steps);
    if (dense.length !== steps * size) {
      throw new ShapeMismatchError(
        `SpikeTrain.fromDense: array of length ${dense.length} is not [steps][size] = ${steps} x ${size} = ${steps * size}`,
        { length: dense.length, steps, size },
      );
    }
    const offsets = allocateTrainBuffer(steps + 1, `SpikeTrain.fromDense steps = ${steps}`);
    let total = 0;
    for (let k = 0; k < dense.length; k++) {
      const v = dense[k];
      if (typeof v !== "number" || Number.isNaN(v)) {
        throw new InvalidParameterError(
          `SpikeTrain.fromDense: entry ${k} (step ${Math.floor(k / size)}, input ${k % size}) is ` +
            `${describeArgument(v)}; entries must be numbers, 0 for no spike ` +
            `and nonzero (e.g. 1) for a spike`,
          { index: k, value: v },
        );
      }
      if (v !== 0) total++;
    }
    const indices = new Int32Array(total);
    let e = 0;
    for (let t = 0; t < steps; t++) {
      const row = t * size;
      for (let i = 0; i < size; i++) if (dense[row + i] !== 0) indices[e++] = i;
      offsets[t + 1] = e;
    }
    return new SpikeTrain(size, steps, offsets, indices, dt_ms);
  }

  /** From (step, input) pairs in any order; a repeated pair throws. `dt_ms` as for `fromDense`. */
  static fromEvents(
    size: number,
    steps: number,
    events: ReadonlyArray<readonly [number, number]>,
    dt_ms?: number,
  ): SpikeTrain {
    requireInteger("size", size, 1);
    requireInteger("steps", steps, 0);
    const what = `SpikeTrain.fromEvents steps = ${steps}`;
    requireTrainSteps(what, steps);
    if (!Array.isArray(events)) {
      throw new InvalidParameterError(
        `SpikeTrain.fromEvents takes (size, steps, events) with events a list of [step, index] pairs, e.g. ` +
          `[[0, 3], [5, 1]]; got ${describeArgument(events)} as events`,
      );
    }
    const bad = events.findIndex((e) => !Array.isArray(e) || e.length !== 2);
    if (bad >= 0) {
      throw new InvalidParameterError(
        `SpikeTrain.fromEvents: event ${bad} is ${describeArgument(events[bad])}; each event is a pair ` +
          `[step, index]`,
        { event: bad },
      );
    }
    const offsets = allocateTrainBuffer(steps + 1, what);
    for (const [t, i] of events) {
      if (!Number.isInteger(t) || t < 0 || t >= steps || !Number.isInteger(i) || i < 0 || i >= size) {
        const integers = Number.isInteger(t) && Number.isInteger(i);
        throw new InvalidParameterError(
          integers
            ? `SpikeTrain.fromEvents: event (step ${t}, input ${i}) is outside [0, ${steps}) x [0, ${size})`
            : `SpikeTrain.fromEvents: event (step ${describeArgument(t)}, input ${describeArgument(i)}) must be ` +
                `two integers in [0, ${steps}) x [0, ${size})`,
          { step: t, index: i },
        );
      }
      offsets[t + 1]++;
    }
    for (let t = 0; t < steps; t++) offsets[t + 1] += offsets[t];
    const indices = new Int32Array(events.length);
    const fill = allocateTrainBuffer(steps, what);
    fill.set(offsets.subarray(0, steps));
    for (const [t, i] of events) indices[fill[t]++] = i;
    for (let t = 0; t < steps; t++) {
      const run = indices.subarray(offsets[t], offsets[t + 1]);
      run.sort();
      for (let k = 1; k < run.length; k++) {
        if (run[k] === run[k - 1]) {
          throw new InvalidParameterError(
            `SpikeTrain.fromEvents: input ${run[k]} spikes twice at step ${t}; an input spikes at most once a step`,
            { step: t, index: run[k] },
          );
        }
      }
    }
    return new SpikeTrain(size, steps, offsets, indices, dt_ms);
  }

  /** Total number of spikes. */
  get totalSpikes(): number {
    return this.indices.length;
  }

  /** Number of spikes of input i (an integer in [0, size)) over the whole train. */
  count(i: number): number {
    if (!(Number.isInteger(i) && i >= 0 && i < this.size)) {
      throw new InvalidParameterError(
        `SpikeTrain.count: input ${describeArgument(i)} is not an input of the train: use an integer from 0 to ` +
          `${this.size - 1} (size ${this.size})`,
        { index: i, size: this.size },
      );
    }
    if (this.perInput === null) {
      const c = new Int32Array(this.size);
      for (let k = 0; k < this.indices.length; k++) c[this.indices[k]]++;
      this.perInput = c;
    }
    return this.perInput[i];
  }

  /**
   * The inputs that spike at step t, an integer in [0, steps) (a view into `indices`; allocates a small view
   * object).
   */
  spikesAt(t: number): Int32Array {
    if (!(Number.isInteger(t) && t >= 0 && t < this.steps)) throw stepError("spikesAt", t, this.steps);
    return this.indices.subarray(this.offsets[t], this.offsets[t + 1]);
  }

  /** Dense 0/1 copy, [steps][size]. */
  toDense(): Uint8Array {
    const out = allocateBuffer(
      Uint8Array,
      this.steps * this.size,
      `SpikeTrain.toDense of ${this.steps} steps x ${this.size} inputs`,
      "read the train step by step with spikesAt(t) instead",
    );
    for (let t = 0; t < this.steps; t++) {
      const row = t * this.size;
      for (let k = this.offsets[t]; k < this.offsets[t + 1]; k++) out[row + this.indices[k]] = 1;
    }
    return out;
  }

  apply(step: number, target: Population): void {
    if (!(step >= 0 && step < this.steps && Number.isInteger(step)))
      throw stepError("apply", step, this.steps);
    if (target.size !== this.size) {
      throw new ShapeMismatchError(
        `SpikeTrain of ${this.size} inputs cannot drive a population of ${target.size} neurons`,
        { train: this.size, target: target.size },
      );
    }
    const end = this.offsets[step + 1];
    const idx = this.indices;
    if (isSpikeSink(target)) {
      for (let k = this.offsets[step]; k < end; k++) target.emit(idx[k]);
    } else {
      const port = target.port();
      for (let k = this.offsets[step]; k < end; k++) port[idx[k]] += 1;
    }
  }
}

/** The error of a step that is not an integer in [0, steps). */
function stepError(method: string, step: number, steps: number): InvalidParameterError {
  const what = Number.isInteger(step) ? "is outside" : "is not an integer step in";
  return new InvalidParameterError(
    `SpikeTrain.${method}: step ${describeArgument(step)} ${what} the train's [0, ${steps})` +
      (steps === 0 ? " (the train has no steps)" : `: use an integer from 0 to ${steps - 1}`),
    { step, steps },
  );
}
