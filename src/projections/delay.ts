/**
 * Conduction delays: a projection with `delay_ms` = d delivers a spike emitted at step s at the start of step
 * s + 1 + d / dt instead of step s + 1. So `delay_ms` is the time added to the engine's one-step delivery
 * (docs/conventions.md), which is what Brian2's `delay` means: with Brian2's default schedule a spike at step s
 * with delay d changes the target at step s + d / dt and is first seen by the integration of the step after.
 * NEST counts the step in its delay (its smallest delay is one step): NEST's delay D is `delay_ms` = D - dt.
 *
 * The delay is the same for every synapse of the projection (homogeneous). The line keeps the source's spike
 * lists of the last D + 1 steps (D = delay_ms / dt steps) in a ring, so memory grows with the spikes in flight,
 * not with D x neurons: 12 bytes per step of delay while empty; a slot's list gets 16 entries the first time a
 * step brings spikes, and doubles, up to the source's size, whenever a step brings more than it has held.
 * So allocation stops once every slot has seen its largest step (at most log2(size / 16) + 1 times per slot).
 * D is at most MAX_DELAY_STEPS.
 *
 * Plasticity sees a delayed spike when it arrives (`arrivals`): a pre spike at step s pairs with post spikes
 * as if it were emitted at step s + D, as Brian2's `on_pre` runs at arrival. An STDP pair of a pre spike at
 * t_pre and a post spike at t_post therefore has the interval t_post - (t_pre + delay_ms).
 */
import { InvalidParameterError, TimeStepError, allocateBuffer, describeValue } from "../core/errors.ts";
import { timesDecimal } from "../core/decimal.ts";
import { countText, isWholeCount, secondsHint } from "../core/time.ts";
import type { Population, SpikeSource } from "../network/types.ts";

/** First capacity of a slot's spike list (grown by doubling, up to the source's size). */
const FIRST_CAPACITY = 16;

/** The list of every slot that has not held a spike yet. */
const EMPTY = new Int32Array(0);

/**
 * The longest delay in steps (2^20: 105 s at dt = 0.1 ms). Each step of delay keeps a slot for the spikes in
 * flight (12 bytes while empty), so an unbounded delay, such as one written in the wrong unit, would exhaust
 * the memory instead of being refused.
 */
export const MAX_DELAY_STEPS = 2 ** 20;

/**
 * One conduction delay in ms as whole steps of `dt_ms` (a number > 0), or a typed error that names it (`what`,
 * e.g. "Dense delay_ms"): a number >= 0, a whole number of steps (the message suggests the nearest multiples,
 * 0 among them, and the value in ms when it looks like seconds), at most MAX_DELAY_STEPS.
 */
export function stepsOfDelay(what: string, delay_ms: unknown, dt_ms: number): number {
  if (typeof delay_ms !== "number" || !Number.isFinite(delay_ms) || delay_ms < 0) {
    throw new InvalidParameterError(
      `${what} must be a number of ms >= 0 (the conduction delay added to the one-step delivery), got ` +
        `${describeValue(delay_ms)}`,
      { delay_ms },
    );
  }
  const exact = delay_ms / dt_ms;
  const steps = Math.round(exact);
  if (!isWholeCount(exact)) {
    const near = [Math.floor(exact), Math.ceil(exact)].map((k) =>
      k === 0 ? "0 (no delay)" : `${+(k * dt_ms).toPrecision(12)} ms`,
    );
    // 0.0015 for 1.5 ms: Brian2 stores times in seconds
    const asMs = (delay_ms * 1000) / dt_ms;
    const hint = delay_ms < dt_ms && isWholeCount(asMs);
    throw new TimeStepError(
      `${what} of ${delay_ms} ms is not a whole number of steps of dt = ${dt_ms} ms ` +
        `(${countText(exact)} steps; the nearest whole count is ${steps}); use a multiple of dt such as ` +
        `${near.join(" or ")}` +
        (hint ? ` ${secondsHint(delay_ms)}` : ""),
      { what, delay_ms, dt_ms, steps: exact },
    );
  }
  if (steps > MAX_DELAY_STEPS) {
    throw new InvalidParameterError(
      `${what} of ${delay_ms} ms is ${steps} steps of dt = ${dt_ms} ms; a delay may be at most ` +
        `${MAX_DELAY_STEPS} steps (${timesDecimal(MAX_DELAY_STEPS, dt_ms)} ms at this dt), since every step ` +
        `of delay keeps a slot for the spikes in flight` +
        (delay_ms >= 1000 ? "; delays are in ms (1.5 for 1.5 ms)" : ""),
      { delay_ms, dt_ms, steps },
    );
  }
  return steps;
}

/** Throws unless `dt_ms` is a number of ms > 0 (the network's step), saying what needs it. */
export function requireDelayDt(what: string, dt_ms: unknown, example: string): asserts dt_ms is number {
  if (typeof dt_ms !== "number" || !(dt_ms > 0 && Number.isFinite(dt_ms))) {
    throw new InvalidParameterError(
      `${what} needs dt_ms, the network's time step, to count the delay in steps; got dt_ms = ` +
        `${describeValue(dt_ms)}; e.g. { ..., ${example}, dt_ms: net.dt_ms }`,
      { dt_ms },
    );
  }
}

/**
 * Steps of conduction delay from a projection's `delay_ms` and `dt_ms` options: 0 when `delay_ms` is absent or
 * 0 (a given `dt_ms` must still be a step); otherwise `delay_ms` must be a whole number of steps of `dt_ms`,
 * which must then be given. `what` names the projection ("Dense").
 */
export function delaySteps(what: string, delay_ms: unknown, dt_ms: unknown): number {
  if (delay_ms === undefined || delay_ms === 0) {
    if (dt_ms !== undefined && !(typeof dt_ms === "number" && dt_ms > 0 && Number.isFinite(dt_ms))) {
      throw new InvalidParameterError(
        `${what} dt_ms must be the network's time step (a number of ms > 0), got ${describeValue(dt_ms)}`,
        { dt_ms },
      );
    }
    return 0;
  }
  if (typeof delay_ms === "function" || (typeof delay_ms === "object" && delay_ms !== null)) {
    throw new InvalidParameterError(
      `${what} delay_ms must be one number of ms for all its synapses, got ${describeValue(delay_ms)}; ` +
        `one delay per synapse is taken by Sparse (delay_ms: (pre, post) => ms); else build one projection ` +
        `per delay value`,
      { delay_ms },
    );
  }
  if (typeof delay_ms === "number" && Number.isFinite(delay_ms) && delay_ms > 0) {
    requireDelayDt(`${what} delay_ms = ${delay_ms}`, dt_ms, `delay_ms: ${delay_ms}`);
  }
  return stepsOfDelay(`${what} delay_ms`, delay_ms, dt_ms as number);
}

/**
 * The presynaptic spikes of a projection with a conduction delay of `steps` (>= 1) steps. Call `advance()`
 * once per network step, in the delivery phase; it records the source's spikes of the step before and makes
 * `deliveredIdx` / `deliveredCount` the spikes to add into the target now.
 */
export class SpikeDelayLine {
  /** Spike lists by slot: slot k % (steps + 1) holds the spikes emitted at step k - 1 (k counts deliveries). */
  private readonly slots: Int32Array[];
  private readonly counts: Int32Array;
  /** Deliveries since the last reset. */
  private k = 0;
  /** The spikes the delivery of this step adds into the target (valid after `advance`). */
  deliveredIdx: Int32Array;
  deliveredCount = 0;
  /**
   * The spikes that arrive at the synapses in this step as plasticity sees them (those that the next step
   * delivers): a spike emitted at step s arrives at step s + steps. A `SpikeSource` for learning rules.
   */
  readonly arrivals: SpikeSource;

  constructor(
    readonly source: Population,
    readonly steps: number,
  ) {
    const L = steps + 1;
    // slots start empty (shared) and get their own list the first time a step brings spikes
    this.slots = new Array<Int32Array>(L).fill(EMPTY);
    this.counts = allocateBuffer(Int32Array, L, `a delay line of ${steps} steps`, "use a shorter delay");
    this.deliveredIdx = this.slots[0];
    this.arrivals = new Arrivals(this);
  }

  /** Records the source's latest spikes and selects the ones emitted `steps` steps before them. */
  advance(): void {
    const L = this.steps + 1;
    const src = this.source;
    const n = src.spikeCount;
    const slot = this.k % L;
    let list = this.slots[slot];
    if (n > list.length) {
      let cap = Math.max(list.length, FIRST_CAPACITY);
      while (cap < n) cap *= 2;
      list = new Int32Array(Math.min(cap, src.size));
      this.slots[slot] = list;
    }
    const idx = src.spikeIdx;
    for (let q = 0; q < n; q++) list[q] = idx[q];
    this.counts[slot] = n;
    // the slot written `steps` deliveries ago (or one never written since the reset: count 0)
    const out = (this.k + 1) % L;
    this.deliveredIdx = this.slots[out];
    this.deliveredCount = this.counts[out];
    this.k++;
  }

  /**
   * The spikes emitted `age` steps before the latest recorded ones (age 0: the step before this delivery),
   * for 0 <= age <= steps: their list, of which `emittedCount(age)` entries are spikes. After `advance`.
   */
  emittedIdx(age: number): Int32Array {
    return this.slots[this.ageSlot(age)];
  }

  /** The number of spikes emitted `age` steps before the latest recorded ones (0 before any were). */
  emittedCount(age: number): number {
    return this.counts[this.ageSlot(age)];
  }

  private ageSlot(age: number): number {
    const L = this.steps + 1;
    // the latest recorded slot is (k - 1) % L; a slot of a step before the reset holds count 0
    return (((this.k - 1 - age) % L) + L) % L;
  }

  /** The spikes that arrive in the step being taken (the ones the next delivery reads): their list. */
  arrivalIdx(): Int32Array {
    return this.slots[this.arrivalSlot()];
  }

  /** The number of spikes that arrive in the step being taken. */
  arrivalCount(): number {
    return this.counts[this.arrivalSlot()];
  }

  private arrivalSlot(): number {
    // `k` deliveries so far, so the next one writes slot k % L and reads slot (k + 1) % L
    return (this.k + 1) % (this.steps + 1);
  }

  /** Drops every spike in flight. */
  reset(): void {
    this.counts.fill(0);
    this.k = 0;
    this.deliveredCount = 0;
  }
}

/** A delay line's arriving spikes as a `SpikeSource` (what STDP's presynaptic side and trace read). */
class Arrivals implements SpikeSource {
  readonly size: number;
  constructor(private readonly line: SpikeDelayLine) {
    this.size = line.source.size;
  }
  get spikeIdx(): Int32Array {
    return this.line.arrivalIdx();
  }
  get spikeCount(): number {
    return this.line.arrivalCount();
  }
}

/**
 * Refuses `delay_ms` / `dt_ms` in the options of a projection that takes no delay (`what`), saying why
 * (`why`): the generic unknown-option error would not.
 */
export function refuseDelayOption(what: string, opts: unknown, why: string): void {
  if (typeof opts !== "object" || opts === null) return;
  for (const key of ["delay_ms", "dt_ms"]) {
    if (Object.hasOwn(opts, key)) {
      throw new InvalidParameterError(
        `${what} takes no ${key}: ${why}; conduction delays are for the projections that deliver spikes ` +
          `(Dense, Sparse, OneToOne, Local2d, Conv2d, the pooling layers, Affine)`,
      );
    }
  }
}
