/**
 * Monitors record what a population did, after every step (phase 5 of the step order).
 *
 * - `SpikeMonitor`: every spike as an event (step, neuron) in growable typed arrays; memory grows with spikes,
 *   never with neurons x steps. An optional `maxEvents` caps it (throws rather than silently dropping).
 * - `StateMonitor`: chosen variables of chosen neurons, every `every` steps. With `window` it is a ring buffer
 *   that keeps exactly the last `window` samples (case C25), so memory never grows.
 * - `SpikeCounter`: spike counts per neuron since the last reset.
 * `Network.reset()` empties every monitor.
 */
import { requirePopulation } from "./types.ts";
import {
  InvalidParameterError,
  MAX_BUFFER_LENGTH,
  allocateBuffer,
  describeArgument,
  requireInteger,
} from "../core/errors.ts";
import { log } from "../core/log.ts";
import { describeValue, requireKnownKeys } from "../core/options.ts";
import { SampleStore } from "./sample-store.ts";
import type { BufferTexts } from "./sample-store.ts";
import type { Population } from "./types.ts";
import type { Monitor } from "./network.ts";

export interface SpikeMonitorOptions {
  /** Events to preallocate. Default 4096; the buffers double when full. */
  readonly initialCapacity?: number;
  /** Most events to keep; one more throws instead of dropping. Default: no limit. */
  readonly maxEvents?: number;
}

export class SpikeMonitor implements Monitor {
  private stepsBuf: Int32Array;
  private neuronsBuf: Int32Array;
  private n = 0;
  private readonly maxEvents: number;

  constructor(
    readonly population: Population,
    opts: SpikeMonitorOptions = {},
  ) {
    requirePopulation("SpikeMonitor population", population);
    requireKnownKeys("SpikeMonitor options", opts, ["initialCapacity", "maxEvents"]);
    const initial = requireInteger("initialCapacity", opts.initialCapacity ?? 4096, 1);
    this.maxEvents = opts.maxEvents === undefined ? Infinity : requireInteger("maxEvents", opts.maxEvents, 1);
    // never more room than maxEvents: growing past the room is where the cap is checked
    const cap = Math.min(initial, this.maxEvents);
    const what = `SpikeMonitor initialCapacity = ${initial}`;
    const fix = "give a smaller initialCapacity (the buffers grow as spikes arrive)";
    this.stepsBuf = allocateBuffer(Int32Array, cap, what, fix);
    this.neuronsBuf = allocateBuffer(Int32Array, cap, what, fix);
  }

  record(step: number): void {
    const p = this.population;
    const c = p.spikeCount;
    if (c === 0) return;
    if (this.n + c > this.stepsBuf.length) this.grow(this.n + c, step, c);
    const idx = p.spikeIdx;
    for (let k = 0; k < c; k++) {
      this.stepsBuf[this.n] = step;
      this.neuronsBuf[this.n++] = idx[k];
    }
  }

  private grow(need: number, step: number, spikes: number): void {
    if (need > this.maxEvents) {
      // nothing of this step is kept, so the monitor ends at a whole step
      throw new InvalidParameterError(
        `SpikeMonitor reached its maxEvents of ${this.maxEvents} at step ${step}: it holds the ${this.n} ` +
          `spikes before that step, not its ${spikes} (the network has taken the step, and its other monitors ` +
          `with room recorded it); raise maxEvents or reset the network more often`,
      );
    }
    const cap = Math.min(Math.max(need, this.stepsBuf.length * 2), this.maxEvents, MAX_BUFFER_LENGTH);
    // past 2^31 - 1 events the buffers cannot grow: need is the length that is refused
    const what = `SpikeMonitor holding ${need} events`;
    const fix = "reset the network more often (it empties the monitor), or record a smaller population";
    const s = allocateBuffer(Int32Array, Math.max(cap, need), what, fix);
    const nb = allocateBuffer(Int32Array, Math.max(cap, need), what, fix);
    s.set(this.stepsBuf.subarray(0, this.n));
    nb.set(this.neuronsBuf.subarray(0, this.n));
    this.stepsBuf = s;
    this.neuronsBuf = nb;
  }

  /** Number of recorded spikes. */
  get count(): number {
    return this.n;
  }

  /** Views of the recorded events, in time order (neurons ascending within a step). Valid until the next record. */
  get steps(): Int32Array {
    return this.stepsBuf.subarray(0, this.n);
  }

  get neurons(): Int32Array {
    return this.neuronsBuf.subarray(0, this.n);
  }

  reset(): void {
    this.n = 0;
  }
}

export interface StateMonitorOptions {
  /** Neuron indices to record. Default: all. */
  readonly neurons?: ArrayLike<number>;
  /** Record every k-th step (k >= 1). Default 1. */
  readonly every?: number;
  /** Keep only the last `window` samples (ring buffer). Default: keep all (growable). */
  readonly window?: number;
}

/** Full recordings above this many bytes log the warning "monitor-large". */
const LARGE_RECORDING_BYTES = 256 * 1024 * 1024;

export class StateMonitor implements Monitor {
  readonly neurons: Int32Array;
  readonly every: number;
  readonly window: number | undefined;
  private readonly store: SampleStore;
  private warned = false;

  constructor(
    readonly population: Population,
    readonly variable: string,
    opts: StateMonitorOptions = {},
  ) {
    requirePopulation("StateMonitor population", population);
    requireKnownKeys("StateMonitor options", opts, ["neurons", "every", "window"]);
    if (typeof variable !== "string") {
      throw new InvalidParameterError(
        `StateMonitor needs the name of the state variable it records as its second argument, e.g. ` +
          `new StateMonitor(pop, ${JSON.stringify(population.stateNames[0] ?? "v_mV")}); got ` +
          `${describeValue(variable)} (this ${population.model} population has: ${population.stateNames.join(", ")})`,
      );
    }
    population.state(variable); // throws NotFoundError for an unknown variable
    if (
      opts.neurons !== undefined &&
      (typeof opts.neurons !== "object" || opts.neurons === null || typeof opts.neurons.length !== "number")
    ) {
      throw new InvalidParameterError(
        `StateMonitor neurons must be a list of neuron indices, e.g. [0, 1, 2], got ${JSON.stringify(opts.neurons)}`,
      );
    }
    if (opts.neurons !== undefined && opts.neurons.length === 0) {
      throw new InvalidParameterError(
        `StateMonitor neurons is an empty list, so it would record no values: list at least one neuron index ` +
          `(0 to ${population.size - 1}), or leave neurons out to record all ${population.size}`,
      );
    }
    const given: ArrayLike<number> = opts.neurons ?? Array.from({ length: population.size }, (_, i) => i);
    // checked before the Int32Array conversion, which would truncate 0.5 to 0
    for (let k = 0; k < given.length; k++) {
      const i = given[k];
      if (!Number.isInteger(i) || i < 0 || i >= population.size) {
        throw new InvalidParameterError(
          `StateMonitor neuron index ${i} is not a neuron of the population: use integers from 0 to ` +
            `${population.size - 1} (size ${population.size})`,
        );
      }
    }
    const ids = Int32Array.from(given);
    this.neurons = ids;
    this.every = requireInteger("every", opts.every ?? 1, 1);
    this.window = opts.window === undefined ? undefined : requireInteger("window", opts.window, 1);
    const cap = this.window ?? 1024;
    const what =
      this.window === undefined
        ? `StateMonitor on ${ids.length} neurons (${cap} samples to start)`
        : `StateMonitor window = ${this.window} samples x ${ids.length} neurons`;
    const fix =
      this.window === undefined ? "record fewer neurons" : "use a smaller window or record fewer neurons";
    this.store = new SampleStore(ids.length, this.window, cap, { what, fix }, (c) => this.growing(c));
  }

  record(step: number): void {
    if (step % this.every !== 0) return;
    // fetched every time: a model may keep a variable lazily and bring the buffer up to date on request
    this.store.record(step, this.population.state(this.variable), this.neurons);
  }

  /** Warns once past LARGE_RECORDING_BYTES, and names a growth to `cap` samples for a buffer-size error. */
  private growing(cap: number): BufferTexts {
    const bytes = cap * this.neurons.length * 4;
    const what = `StateMonitor without a window, growing to ${cap} samples x ${this.neurons.length} neurons`;
    const fix = 'set "window" to keep only recent samples, record fewer neurons, or set "every" to subsample';
    if (bytes > LARGE_RECORDING_BYTES && !this.warned) {
      this.warned = true;
      log.warn(
        "monitor-large",
        `StateMonitor on "${this.variable}" is growing past ${Math.round(bytes / 1e6)} MB; ` +
          `record fewer neurons, set "every" to subsample, or set "window" to keep only recent samples`,
      );
    }
    return { what, fix };
  }

  /** Number of samples currently held (at most `window`). */
  get length(): number {
    return this.store.length;
  }

  /**
   * The samples in time order and their step indices (copies). `data` is one flat Float32Array of
   * `length * neurons.length` values: sample s of the k-th recorded neuron is `data[s * neurons.length + k]`
   * (sample-major); `trace(k)` extracts one neuron's series.
   */
  values(): { steps: Int32Array; data: Float32Array } {
    return this.store.values();
  }

  /**
   * Trace of one recorded neuron, by its position k in `neurons` (an integer in [0, neurons.length)), not by
   * its index in the population.
   */
  trace(k: number): Float32Array {
    const n0 = this.neurons.length;
    if (!(Number.isInteger(k) && k >= 0 && k < n0)) {
      throw new InvalidParameterError(
        `StateMonitor.trace: k = ${describeArgument(k)} is not a position in the monitor's neurons: ` +
          `use an integer from 0 to ${n0 - 1} (it records ${n0} neuron${n0 === 1 ? "" : "s"}; ` +
          `neurons[k] is the population index)`,
        { k, recorded: n0 },
      );
    }
    return this.store.trace(k);
  }

  /** Bytes held by the buffers. */
  get bytes(): number {
    return this.store.bytes;
  }

  reset(): void {
    this.store.reset();
  }
}

export class SpikeCounter implements Monitor {
  readonly counts: Int32Array;
  private total = 0;
  constructor(
    readonly population: Population,
    ...extra: never[]
  ) {
    requirePopulation("SpikeCounter population", population);
    if (extra.length > 0) {
      throw new InvalidParameterError(
        `SpikeCounter takes only the population it counts (it has no options), got ${extra.length + 1} arguments`,
      );
    }
    this.counts = new Int32Array(population.size);
  }
  record(): void {
    const p = this.population;
    const c = p.spikeCount;
    const idx = p.spikeIdx;
    for (let k = 0; k < c; k++) this.counts[idx[k]]++;
    this.total += c;
  }
  get totalSpikes(): number {
    return this.total;
  }
  reset(): void {
    this.counts.fill(0);
    this.total = 0;
  }
}
