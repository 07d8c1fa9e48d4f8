/**
 * Conduction delays: a projection with `delay_ms` = d delivers a spike emitted at step s at the start of step
 * s + 1 + d / dt instead of step s + 1. So `delay_ms` is the time added to the engine's one-step delivery
 * (docs/conventions.md), which is what Brian2's `delay` means: with Brian2's default schedule a spike at step s
 * with delay d changes the target at step s + d / dt and is first seen by the integration of the step after.
 * NEST counts the step in its delay (its smallest delay is one step): NEST's delay D is `delay_ms` = D - dt.
 *
 * The delay is the same for every synapse of the projection (homogeneous). The line keeps the source's spike
 * lists of the last D + 1 steps (D = delay_ms / dt steps) in a ring, so memory grows with the spikes in flight,
 * not with D x neurons: each slot's list starts at 16 entries and doubles, up to the source's size, the first
 * time a step brings more spikes than it has held. After those few growths nothing is allocated per step.
 *
 * Plasticity sees a delayed spike when it arrives (`arrivals`): a pre spike at step s pairs with post spikes
 * as if it were emitted at step s + D, as Brian2's `on_pre` runs at arrival. An STDP pair of a pre spike at
 * t_pre and a post spike at t_post therefore has the interval t_post - (t_pre + delay_ms).
 */
import { InvalidParameterError, describeValue } from "../core/errors.ts";
import { msToSteps } from "../core/time.ts";
import type { Population, SpikeSource } from "../network/types.ts";

/** First capacity of a slot's spike list (grown by doubling, up to the source's size). */
const FIRST_CAPACITY = 16;

/**
 * Steps of conduction delay from a projection's `delay_ms` and `dt_ms` options: 0 when `delay_ms` is absent or
 * 0; otherwise `delay_ms` must be a whole number of steps of `dt_ms`, which must then be given.
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
  if (typeof delay_ms !== "number" || !Number.isFinite(delay_ms) || delay_ms < 0) {
    throw new InvalidParameterError(
      `${what} delay_ms must be a number of ms >= 0 (the conduction delay added to the one-step delivery), got ` +
        `${describeValue(delay_ms)}`,
      { delay_ms },
    );
  }
  if (typeof dt_ms !== "number" || !(dt_ms > 0 && Number.isFinite(dt_ms))) {
    throw new InvalidParameterError(
      `${what} delay_ms = ${delay_ms} needs dt_ms, the network's time step, to count the delay in steps; ` +
        `got dt_ms = ${describeValue(dt_ms)}; e.g. { ..., delay_ms: ${delay_ms}, dt_ms: net.dt_ms }`,
      { delay_ms, dt_ms },
    );
  }
  return msToSteps(delay_ms, dt_ms, `${what} delay_ms`);
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
    const first = Math.min(FIRST_CAPACITY, Math.max(1, source.size));
    this.slots = Array.from({ length: L }, () => new Int32Array(first));
    this.counts = new Int32Array(L);
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
      let cap = list.length;
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
