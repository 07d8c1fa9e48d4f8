/**
 * A subgroup: neurons [start, stop) of a population seen as a population of their own, with local indices
 * 0 .. size - 1 (Brian2's `P[:3200]`). Built by `Network.addSubgroup(name, parent, start, stop)`; a subgroup
 * of a subgroup is a view of the same root population with the offsets added.
 *
 * The view holds no neuron state and does not step. Its ports, state buffers and `spiked` mask are
 * `subarray`s of the root's buffers (the same memory, so a projection into `sub.port()` adds into the root's
 * port and a write into `sub.state("v_mV")` changes the root's voltages). Its spike list is its own: after
 * every population has stepped (phase 3 of the step order) the network copies the root's spikes in
 * [start, stop) into it, shifted to local indices. The root's list is ascending (the Population contract),
 * so that is one binary search for `start` and a copy until `stop`: O(log spikes + spikes in range), no
 * allocation.
 *
 * What it relies on, which every model of spikeflow keeps: `port(name)` and `state(name)` return the same
 * live buffer on every call (the WebAssembly kernels of CubaLIF, CobaLIF, DoubleExpLIF keep their buffers in a
 * memory that never grows, src/core/wasm.ts `newWasmMemory`). A population that hands out a new buffer is
 * followed (the view is taken again from the new one), so such a swap costs one small allocation and is
 * still correct.
 */
import { InvalidParameterError, StateError } from "../core/errors.ts";
import type { Population, SpikeSink, StepContext } from "./types.ts";
import { isSpikeSink } from "./types.ts";

/** A buffer of the root and the view of it that the subgroup hands out. */
interface Viewed<T> {
  full: T;
  view: T;
}

/**
 * A view of neurons [start, stop) of a population: a `Population` with local indices. Get one from
 * `net.addSubgroup(name, parent, start, stop)`: the network refreshes its spike list after every step, and
 * refuses in projections and monitors a subgroup it did not build.
 */
export class Subgroup implements Population {
  /** The name it was added under (`net.population(name)` finds it). */
  readonly name: string;
  /** The population it is a view of (for a subgroup of a subgroup, the root population). */
  readonly parent: Population;
  /** The name of `parent` in the network. */
  readonly parentName: string;
  /** First neuron of the view in `parent`'s indices. */
  readonly start: number;
  /** One past the last neuron of the view in `parent`'s indices. */
  readonly stop: number;
  readonly size: number;
  /** This step's spikes in local indices (`spikeIdx[0 .. spikeCount)`, ascending). */
  readonly spikeIdx: Int32Array;
  private count = 0;
  private readonly spikedView: Viewed<Uint8Array>;
  private readonly ports = new Map<string | undefined, Viewed<Float32Array>>();
  private readonly states = new Map<string, Viewed<Float32Array>>();
  private readonly rates: Viewed<Float64Array> | undefined;

  /** Use `net.addSubgroup`; `start` and `stop` are in `parent`'s indices and have been checked there. */
  protected constructor(name: string, parent: Population, parentName: string, start: number, stop: number) {
    this.name = name;
    this.parent = parent;
    this.parentName = parentName;
    this.start = start;
    this.stop = stop;
    this.size = stop - start;
    this.spikeIdx = new Int32Array(this.size);
    this.spikedView = this.viewOf(parent.spiked);
    const r: unknown = (parent as { r_Hz?: unknown }).r_Hz;
    // the filtered spike train that RateCoupling reads (DoubleExpLIF), when the parent has one
    this.rates = r instanceof Float64Array && r.length === parent.size ? this.viewOf(r) : undefined;
  }

  /** Built by `Network.addSubgroup`: a SpikeSink when the parent is one (an Input). */
  static create(name: string, parent: Population, parentName: string, start: number, stop: number): Subgroup {
    return isSpikeSink(parent)
      ? new SinkSubgroup(name, parent, parentName, start, stop)
      : new Subgroup(name, parent, parentName, start, stop);
  }

  get model(): string {
    return this.parent.model;
  }

  get portNames(): readonly string[] {
    return this.parent.portNames;
  }

  get stateNames(): readonly string[] {
    return this.parent.stateNames;
  }

  get spikeCount(): number {
    return this.count;
  }

  /** 1 where a neuron of the view spiked in the latest step: the parent's mask over [start, stop). */
  get spiked(): Uint8Array {
    return this.follow(this.spikedView, this.parent.spiked);
  }

  /**
   * The parent's filtered spike train over [start, stop) (`r_Hz` of DoubleExpLIF, what `RateCoupling` reads),
   * or undefined when the parent has none.
   */
  get r_Hz(): Float64Array | undefined {
    const rates = this.rates;
    if (rates === undefined) return undefined;
    return this.follow(rates, (this.parent as unknown as { r_Hz: Float64Array }).r_Hz);
  }

  /**
   * The parent's port buffer over [start, stop). Calls the parent's `port()` each time: it throws for an
   * unknown name, and a population that works only on ports someone obtained (Input's port scan, the ports
   * PopulationBase skips) learns that this one is in use.
   */
  port(name?: string): Float32Array {
    const full = this.parent.port(name);
    return this.cachedView(this.ports, name, full);
  }

  /**
   * The parent's state buffer over [start, stop). Calls the parent's `state()` each time, since some bring the
   * buffer up to date on request (AdaptiveLIF's theta_mV, DoubleExpLIF's float32 mirrors).
   */
  state(name: string): Float32Array {
    const full = this.parent.state(name);
    return this.cachedView(this.states, name, full);
  }

  /** A subgroup does not step: its parent steps, and the network then refreshes the view's spikes. */
  step(_ctx: StepContext): void {
    throw new StateError(
      `subgroup "${this.name}" does not step: its parent "${this.parentName}" steps, and the network copies ` +
        `the parent's spikes into the subgroup after every step; run the network (net.run) instead`,
    );
  }

  /** Clears the view's spikes (the parent's state is reset by the parent's own reset). */
  reset(): void {
    this.count = 0;
  }

  /** What a saved network records and compares: the parent's name and the range in its indices. */
  settings(): Readonly<Record<string, unknown>> {
    return { parent: this.parentName, start: this.start, stop: this.stop };
  }

  /**
   * Copies the parent's spikes in [start, stop) into this view, shifted to local indices. Called by the
   * network after every population has stepped; the parent's list is ascending, so one binary search finds
   * the first spike in range and the copy stops at the first one past it.
   */
  refresh(): void {
    const idx = this.parent.spikeIdx;
    const n = this.parent.spikeCount;
    const start = this.start;
    const stop = this.stop;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (idx[mid] < start) lo = mid + 1;
      else hi = mid;
    }
    const out = this.spikeIdx;
    let c = 0;
    for (let k = lo; k < n; k++) {
      const i = idx[k];
      if (i >= stop) break;
      out[c++] = i - start;
    }
    this.count = c;
  }

  /** The view of `full` kept in `cache` under `key` (made on first use), brought up to date with `full`. */
  private cachedView<K>(cache: Map<K, Viewed<Float32Array>>, key: K, full: Float32Array): Float32Array {
    let v = cache.get(key);
    if (v === undefined) {
      v = this.viewOf(full);
      cache.set(key, v);
    }
    return this.follow(v, full);
  }

  private viewOf<T extends Uint8Array | Float32Array | Float64Array>(full: T): Viewed<T> {
    return { full, view: full.subarray(this.start, this.stop) as T };
  }

  /** The view of `full`, taken again when the parent has handed out another buffer than before. */
  private follow<T extends Uint8Array | Float32Array | Float64Array>(v: Viewed<T>, full: T): T {
    if (v.full !== full) {
      v.full = full;
      v.view = full.subarray(this.start, this.stop) as T;
    }
    return v.view;
  }
}

/** The subgroup of a SpikeSink (an Input): `emit(i)` makes neuron start + i of the parent spike. */
class SinkSubgroup extends Subgroup implements SpikeSink {
  emit(i: number): void {
    // `i >>> 0 !== i` rejects negatives, fractions and NaN in one comparison
    if (i >>> 0 !== i || i >= this.size) {
      throw new InvalidParameterError(
        `subgroup "${this.name}".emit: neuron index ${String(i)} is not an integer in [0, ${this.size}) ` +
          `(the subgroup's local indices: neurons ${this.start}..${this.stop - 1} of "${this.parentName}"); ` +
          `check that the encoder's size matches the subgroup`,
        { subgroup: this.name, index: i, size: this.size },
      );
    }
    (this.parent as Population & SpikeSink).emit(this.start + i);
  }
}

/** What `Network.addSubgroup` returns for a parent of type P: a SpikeSink too when P is one. */
export type SubgroupOf<P extends Population> = P extends SpikeSink ? Subgroup & SpikeSink : Subgroup;
