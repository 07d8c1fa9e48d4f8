/**
 * The engine's contracts: populations (neurons), projections (synapses) and learning rules.
 *
 * Step order (see docs/conventions.md). At step t the network
 *   1. delivers the spikes every population emitted at step t-1 through every projection (one-step delay);
 *   2. adds the external input for step t;
 *   3. steps every population: integrate, threshold, reset, refractory; then copies each subgroup's range of
 *      its parent's spikes into the subgroup (src/network/subgroup.ts);
 *   4. lets every plastic projection update its weights from the spikes of step t (only while learning);
 *   5. lets monitors record.
 *
 * All state is preallocated typed arrays owned by the population or projection. Nothing in steps 1-5
 * allocates.
 */
import { InvalidParameterError, describeValue } from "../core/errors.ts";

/** What a population or rule needs to know about the step being taken. */
export interface StepContext {
  /** Index of the current step since the last `reset()`; the first step is 0. */
  readonly step: number;
  /** Step length in ms. */
  readonly dt_ms: number;
  /** When false, every plastic quantity (weights, adaptive thresholds, traces used for learning) is frozen. */
  readonly learning: boolean;
}

/**
 * A list of spikes per step: what a learning rule or a spike trace reads. Every population is one; a projection
 * with a conduction delay offers its delayed spikes as one (`Projection.arrivals`).
 */
export interface SpikeSource {
  readonly size: number;
  /** Spike index list of the most recent step: `spikeIdx[0 .. spikeCount)`, ascending. */
  readonly spikeIdx: Int32Array;
  readonly spikeCount: number;
}

/** A group of neurons of one model with struct-of-arrays state. */
export interface Population extends SpikeSource {
  /** Model name, e.g. "lif". */
  readonly model: string;
  /** 1 where the neuron spiked in the most recent step, else 0. */
  readonly spiked: Uint8Array;
  /**
   * Names of the input ports. Projections add into a port's buffer during delivery; `step` consumes the
   * buffer and zeroes it. The first name is the default port. What a port's value means (a voltage jump in mV,
   * a current, a conductance) is documented by each model.
   */
  readonly portNames: readonly string[];
  /**
   * The accumulation buffer of a port (length `size`), the same buffer at every call (a subgroup keeps a view
   * of it). Throws `NotFoundError` for an unknown name.
   */
  port(name?: string): Float32Array;
  /** Advance one step. */
  step(ctx: StepContext): void;
  /** Back to the initial state: voltages, refractory counters, synaptic currents, spikes, port buffers.
   * Learned quantities (adaptive thresholds) are kept; see `resetLearned` where a model has them. */
  reset(): void;
  /** Names of the per-neuron state variables a monitor can record, e.g. ["v_mV"]. */
  readonly stateNames: readonly string[];
  /**
   * The live buffer of a state variable (length `size`), the same buffer at every call (it may be brought up
   * to date on the call). Throws `NotFoundError` for an unknown name.
   */
  state(name: string): Float32Array;
  /**
   * Optional: what the population has learned (AdaptiveLIF's thresholds), for `networkParameters`. Models
   * without learned quantities leave it out.
   */
  learnedState?(): LearnedState;
  /**
   * Optional: throws a typed error when `state` (same names and lengths as `learnedState` returns, finite
   * values) is still not one this population can take; `restoreNetworkParameters` asks before writing.
   */
  checkLearnedState?(state: LearnedState): void;
  /** Restores what `learnedState` returned. */
  restoreLearnedState?(state: LearnedState): void;
  /**
   * Optional: construction settings as a plain object, which a saved network records and a restore compares
   * (src/network/settings.ts, warning "network-settings-differ"). Without it, a `params` object is used.
   */
  settings?(): Readonly<Record<string, unknown>>;
  /**
   * Optional: called by `Network.run` before its first step, e.g. to take over values written into a state
   * buffer between runs (AdaptiveLIF's `theta_mV`).
   */
  beforeRun?(): void;
}

/**
 * Learned state of a population or learning rule as saved by `networkParameters`: typed arrays go to the
 * weights file, finite numbers to the manifest's JSON.
 */
export interface LearnedState {
  readonly arrays: Readonly<Record<string, Float32Array | Float64Array>>;
  readonly values: Readonly<Record<string, number>>;
}

/**
 * How a learning rule reaches a projection's synapses, whatever the connectivity (dense, sparse, local,
 * convolutional). A rule written against this view works on every projection that provides one.
 */
export interface SynapseView {
  /** The weight buffer. Several synapses may share an entry (convolution). */
  readonly w: Float32Array;
  readonly preSize: number;
  readonly postSize: number;
  /** Upper bound on `incoming` counts; size scratch buffers with it. */
  readonly maxFanIn: number;
  /** Upper bound on `outgoing` counts. */
  readonly maxFanOut: number;
  /** Writes the synapses onto post neuron `j` as (pre index, weight index) pairs; returns their count. */
  incoming(j: number, pre: Int32Array, widx: Int32Array): number;
  /** Writes the synapses out of pre neuron `i` as (post index, weight index) pairs; returns their count. */
  outgoing(i: number, post: Int32Array, widx: Int32Array): number;
  /**
   * Optional: the weight index of the synapse from pre `i` onto post `j`, or -1 when there is none. Lets a
   * rule visit only the few post neurons with a nonzero trace instead of a whole fan-out.
   */
  synapseIndex?(i: number, j: number): number;
}

/**
 * The synapses of a projection with one conduction delay per synapse, grouped by (delay, pre neuron): a spike of
 * pre neuron i arrives at every synapse of its group of delay d in the same step, d steps after it was emitted.
 * What a rule that pairs arrival times per synapse reads (STDP keeps one presynaptic trace per group).
 * Group ids run from 0 to `groupCount - 1`, ordered by delay, then by pre neuron.
 */
export interface SynapseDelayGroups {
  /** Number of groups: the (delay, pre neuron) pairs that have at least one synapse; at most the synapses. */
  readonly groupCount: number;
  /** The group of each synapse, by weight index. */
  readonly groupOf: Int32Array;
  /**
   * Writes the synapses of group g as (post index, weight index) pairs, as `SynapseView.outgoing` writes a pre
   * neuron's (a group holds at most `maxFanOut` synapses); returns their count.
   */
  synapses(g: number, post: Int32Array, widx: Int32Array): number;
  /**
   * Writes into `out` (at least `groupCount` long) the groups that a pre spike reaches in the step being taken,
   * in ascending order, and returns their count: for each delay d, the groups of delay d of the pre neurons
   * that spiked d steps before this step (d = 0: in this step). Call it once the populations have stepped
   * (phase 4, where rules observe); allocates nothing.
   */
  arriving(out: Int32Array): number;
}

/** Inclusive weight bounds; enforced after every plasticity update. */
export interface WeightBounds {
  readonly wMin: number;
  readonly wMax: number;
}

/**
 * The bounds as a buffer of this precision holds them: float32 rounds a bound such as 0.3 to
 * fround(0.3) = 0.30000001..., and a weight clamped to it must still count as inside. [-inf, inf] without bounds.
 */
export function storedBounds(bounds: WeightBounds | undefined, float32: boolean): readonly [number, number] {
  if (bounds === undefined) return [-Infinity, Infinity];
  return float32 ? [Math.fround(bounds.wMin), Math.fround(bounds.wMax)] : [bounds.wMin, bounds.wMax];
}

/** A set of synapses from one population's spikes to a port of another population. */
export interface Projection {
  readonly kind: string;
  readonly source: Population;
  readonly target: Population;
  /** The target port this projection adds into. */
  readonly port: string;
  /**
   * Add the weights of the source's most recent spikes into the target port (with a conduction delay: of the
   * spikes emitted that many steps before them).
   */
  deliver(): void;
  /**
   * Optional: the presynaptic spikes as the synapses see them in the step being taken, for learning rules,
   * when they are not the source's own (a projection with a conduction delay, src/projections/delay.ts).
   */
  readonly arrivals?: SpikeSource | undefined;
  /**
   * Optional: the delay of each synapse in steps (Sparse with one `delay_ms` per synapse, in CSR order). Its
   * synapses see a pre spike at different steps: a rule that pairs spike times (STDP) reads
   * `synapseDelayGroups` for them, and refuses a projection that has these delays without those groups.
   */
  readonly synapseDelaySteps?: Int32Array | undefined;
  /**
   * Optional, with `synapseDelaySteps`: the synapses grouped by (delay, pre neuron), and which groups a pre
   * spike reaches in the step being taken. Built on first read (read it when a rule attaches, outside the
   * step loop).
   */
  readonly synapseDelayGroups?: SynapseDelayGroups | undefined;
  /** Learning rules attached to this projection, applied in order at step 4. */
  readonly rules: LearningRule[];
  /** Synapse access for rules, normalisation and monitors; absent for weightless projections. */
  readonly view?: SynapseView | undefined;
  /** Weight bounds; required for a plastic projection. */
  readonly bounds?: WeightBounds | undefined;
  /**
   * Optional: called by `Network.run` before its first step with the step it starts at and whether it learns
   * (`deliver` has no StepContext; SynapseEquations needs both for its statements and event times).
   */
  beforeRun?(ctx: StepContext): void;
  /** Called once at the end of every `Network.run` while learning (per-example normalisation). */
  afterRun?(learning: boolean): void;
  /** Back to the initial transient state (not the weights). */
  reset?(): void;
  /**
   * Optional: the buffers that hold the projection's parameters (weights, biases), by name, as live arrays.
   * `networkParameters` saves them and `restoreNetworkParameters` fills them in place.
   */
  parameters?(): Readonly<Record<string, Float32Array | Float64Array>>;
  /**
   * Optional: connectivity fixed at construction (a sparse pattern) that restored parameters must belong to;
   * saved beside the parameters and compared on restore.
   */
  structure?(): Readonly<Record<string, Int32Array>>;
  /**
   * Optional: 1 where a slot of the weights `w` is no synapse (Local2d's padded kernel positions): it holds 0,
   * and the weight bounds do not apply to it. Save and restore skip these slots in their bounds checks.
   */
  emptySlots?(): Uint8Array | undefined;
  /**
   * Optional: construction settings as a plain object, which a saved network records and a restore compares
   * (src/network/settings.ts, warning "network-settings-differ"). Without it, a `params` object is used.
   */
  settings?(): Readonly<Record<string, unknown>>;
  /**
   * Optional: refuses (InvalidParameterError) values that `restoreNetworkParameters` would write into
   * `parameters()[name]` but the projection cannot hold (Local2d: a weight at a padded kernel position).
   */
  checkRestoredParameter?(name: string, data: ArrayLike<number>): void;
}

/** A plasticity rule bound to one projection. */
export interface LearningRule {
  readonly name: string;
  /** The step its constants were computed for (trace decays); `Network.run` refuses a rule built for another. */
  readonly dt_ms?: number | undefined;
  /** Update weights from the spikes of this step. Called only while learning. */
  update(ctx: StepContext): void;
  /** Called after the populations have stepped, learning or not, to keep rule state (traces) current. */
  observe?(ctx: StepContext): void;
  /** Called once at the end of every `Network.run` while learning (e.g. per-example normalisation). */
  afterRun?(): void;
  reset(): void;
  /** Optional: learned numbers (STDP's current learning rates) for `networkParameters`. */
  learnedValues?(): Readonly<Record<string, number>>;
  /** Optional: throws a typed error when saved `values` (the keys of `learnedValues`) are not ones it can take. */
  checkLearnedValues?(values: Readonly<Record<string, number>>): void;
  /**
   * Called by `restoreNetworkParameters` after the weights were replaced, with what `learnedValues` returned
   * when the file was saved (`{}` for a rule without them).
   */
  restoreLearnedValues?(values: Readonly<Record<string, number>>): void;
  /**
   * Optional: construction settings as a plain object, which a saved network records and a restore compares
   * (src/network/settings.ts, warning "network-settings-differ"). Without it, a `params` object is used.
   */
  settings?(): Readonly<Record<string, unknown>>;
}

/**
 * External input to one population during `Network.run`. At every step (phase 2) the network calls
 * `apply(step, target)`, where `step` counts from 0 at the start of that run.
 */
export interface Drive {
  /** Number of steps this drive covers, if it is finite (a spike train); `run` checks it against `steps`. */
  readonly steps?: number | undefined;
  /** The time step (ms) the drive was made for, if it has one (an encoded spike train); `run` checks it. */
  readonly dt_ms?: number | undefined;
  /**
   * The number of neurons the drive was built for, if it has one (a spike train, a held or noise current);
   * `run` refuses it for a population of another size, naming the population.
   */
  readonly size?: number | undefined;
  apply(step: number, target: Population): void;
}

/** A population that accepts spikes pushed straight into the current step (the `Input` population). */
export interface SpikeSink {
  /** Make neuron `i` spike in the step being taken. Idempotent within a step. */
  emit(i: number): void;
}

export function isSpikeSink(p: Population): p is Population & SpikeSink {
  return typeof (p as Partial<SpikeSink>).emit === "function";
}

/**
 * Throws `InvalidParameterError` unless `value` is a population (the object `addPopulation` returned or a
 * model's constructor built). `what` names the caller and the argument, e.g. "Dense source". Users of
 * Brian2 or BindsNET often pass a population's name; the message then says how to get the object.
 */
export function requirePopulation(what: string, value: unknown): asserts value is Population {
  const p = value as Partial<Population> | null;
  if (
    typeof p === "object" &&
    p !== null &&
    typeof p.size === "number" &&
    typeof p.state === "function" &&
    typeof p.port === "function"
  ) {
    return;
  }
  throw new InvalidParameterError(
    `${what} must be a population (the object that addPopulation returns), got ${describeValue(value)}` +
      (typeof value === "string"
        ? `; pass the population itself, e.g. net.population(${JSON.stringify(value)})`
        : ""),
  );
}
