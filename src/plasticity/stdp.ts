/**
 * Trace-based pair STDP rules, written once against `SynapseView` so they work on every projection kind.
 *
 * PostPre (online pair STDP; BindsNET's PostPre, Morrison et al. 2008 nearest/all-to-all with traces):
 *   on a presynaptic spike of i at step t:   w_ij -= nuPre  * x_post_j(t)     (depression)
 *   on a postsynaptic spike of j at step t:  w_ij += nuPost * x_pre_i(t)      (potentiation)
 * WeightDependentPostPre (soft bounds):
 *   depression scaled by (w - wMin), potentiation by (wMax - w)
 * Hebbian:
 *   both terms potentiate: w += nuPre * x_post on pre spikes, w += nuPost * x_pre on post spikes.
 *
 * Traces include the spike of the current step (see trace.ts), so a pre spike at 10 ms and a post spike at
 * 20 ms (tau 20 ms) give +nuPost e^(-10/20) (case C18); a simultaneous pre and post spike gives
 * nuPost - nuPre. Updates touch only the synapses of neurons that spiked. After every update the touched
 * weights are clamped to the projection's bounds (after, not before: case C16).
 *
 * Conduction delays: "a presynaptic spike" is its arrival at the synapse. With one delay D for the projection,
 * x_pre_i is the trace of i's spikes shifted by D steps (the projection's `arrivals`). With one delay d_ij per
 * synapse (Sparse), synapse (i, j) sees the trace of i's spikes shifted by d_ij: the rule keeps one pre trace
 * per (delay, pre) group (`synapseDelayGroups`), bumped when a spike of i reaches that group, so
 *   on the arrival of a spike of i at the synapses of delay d (emitted d steps ago): w_ij -= nuPre x_post_j(t)
 *   on a postsynaptic spike of j:  w_ij += nuPost x_pre_(i, d_ij)(t)
 * A pair of a pre spike at t_pre and a post spike at t_post therefore has the interval t_post - (t_pre + d_ij)
 * at every synapse (Brian2's on_pre with a per-synapse delay; Izhikevich 2006). With equal delays this is the
 * one-delay rule to the bit.
 *
 * Pairing (`pairing`): "arrival" (default) counts a presynaptic spike at its arrival step a (the spike's step
 * plus the delay in steps) for both terms, so a post spike of step a is paired both ways (nuPost - nuPre).
 * "delivery" keeps depression at a but lets the presynaptic trace take the spike one step later, at a + 1,
 * the step in which the projection delivers it into the target's input (docs/conventions.md): a post spike of
 * step a or earlier came before the spike could act (depression only, nuPre x_post(a)), one of step a + 1 or
 * later after it (potentiation only, nuPost e^(-(t_post - (a + 1)) dt / tau)). This is the pairing of
 * Izhikevich (2006)'s published network.
 *
 * Deferred weight changes (`deferred: { period_ms, drift, retain }`, Izhikevich 2006): the pair updates above
 * go into a synaptic derivative sd_ij (unclamped) instead of w_ij, and once per period P = period_ms / dt
 * steps the weights take it:
 *   w_ij <- min(wMax, max(wMin, w_ij + (drift + sd_ij)));   sd_ij <- retain sd_ij
 * in the update of every step t with (t + 1) mod P = 0, before that step's own pairs, which go into the next
 * period's sd. So the weights delivered from step kP on hold the pairs of steps kP - P - 1 .. kP - 2 (and the
 * retained part of earlier ones): a spike found at the end of a period's last step counts in the next period,
 * as in Izhikevich's loop, which sees it at the top of its next iteration (after its once-a-second update).
 * Between the applications w does not move.
 */
import {
  InvalidParameterError,
  UnsupportedError,
  describeValue,
  requireFinite,
  requireNonNegative,
  requirePositive,
} from "../core/errors.ts";
import { msToSteps } from "../core/time.ts";
import type {
  LearningRule,
  Projection,
  SpikeSource,
  StepContext,
  SynapseDelayGroups,
  SynapseView,
  WeightBounds,
} from "../network/types.ts";
import { refuseExtraArguments, requireKnownKeys, withDefaults } from "../core/options.ts";
import { SpikeTrace, type TraceParams } from "./trace.ts";

export type StdpVariant = "post-pre" | "weight-dependent" | "hebbian";

/** When a presynaptic spike counts for the pair rule (module comment). */
export type StdpPairing = "arrival" | "delivery";

/** Deferred weight changes: pairs accumulate in a synaptic derivative applied once per period (module comment). */
export interface StdpDeferred {
  /** The period P in ms between applications, a whole number of steps >= 1. */
  readonly period_ms: number;
  /** Added to every weight at each application (Izhikevich 2006: 0.01), in the weight unit. Default 0. */
  readonly drift?: number;
  /** Fraction of the derivative kept after each application, in [0, 1] (Izhikevich 2006: 0.9). Default 0. */
  readonly retain?: number;
}

export interface StdpParams {
  /** Learning rate applied on presynaptic spikes (depression for post-pre). Default 1e-4 (BindsNET). */
  readonly nuPre: number;
  /** Learning rate applied on postsynaptic spikes (potentiation). Default 1e-2 (BindsNET). */
  readonly nuPost: number;
  /** Presynaptic trace. Default tau 20 ms, "set". */
  readonly preTrace: Partial<TraceParams>;
  /** Postsynaptic trace. Default tau 20 ms, "set". */
  readonly postTrace: Partial<TraceParams>;
  /** When a presynaptic spike counts: "arrival" (default) or "delivery" (one step later for potentiation). */
  readonly pairing: StdpPairing;
  /** Accumulate the changes and apply them once per period (Izhikevich 2006); default none (w changes at once). */
  readonly deferred?: StdpDeferred | undefined;
}

export const STDP_DEFAULTS: Readonly<StdpParams> = Object.freeze({
  nuPre: 1e-4,
  nuPost: 1e-2,
  preTrace: {},
  postTrace: {},
  pairing: "arrival" as StdpPairing,
});

export class Stdp implements LearningRule {
  readonly name: string;
  /** The learning rates behind `nuPre` / `nuPost` (whose setters check them), read by the update loops. */
  private nuPre_ = 0;
  private nuPost_ = 0;
  /**
   * The presynaptic trace: one per pre neuron, or with per-synapse delays one per (delay, pre) group (synapse k
   * reads entry `projection.synapseDelayGroups.groupOf[k]`).
   */
  readonly preTrace: SpikeTrace;
  readonly postTrace: SpikeTrace;
  private readonly view: SynapseView;
  /**
   * The presynaptic spikes as the synapses see them: the source's, a delayed projection's arrivals, or with
   * per-synapse delays the (delay, pre) groups a spike reaches in this step (`groupArrivals`).
   */
  private readonly pre: SpikeSource;
  /** With per-synapse delays: the synapses by (delay, pre) group, and the groups reached in this step. */
  private readonly groups: SynapseDelayGroups | undefined;
  private readonly groupArrivals: GroupArrivals | undefined;
  /** With pairing "delivery": the presynaptic spikes one step later, which the presynaptic trace takes. */
  private readonly delivered: OneStepLater | undefined;
  readonly pairing: StdpPairing;
  /** With `deferred`: the synaptic derivative sd, one per weight of the view (pair updates go here). */
  private readonly sd: Float64Array | undefined;
  private readonly periodSteps: number;
  private readonly drift: number;
  private readonly retain: number;
  /** `deferred` as given (period in ms), for `settings()`. */
  private readonly period_ms: number;
  private readonly bounds: WeightBounds;
  private readonly idxA: Int32Array;
  private readonly idxW: Int32Array;
  /** Post neurons whose incoming weights this rule changed since `takeChanged` was last called. */
  private readonly changed: Uint8Array;
  private readonly changedList: Int32Array;
  private changedCount = 0;

  /**
   * Construction settings (the traces' parameters), recorded by a saved network to tell a rebuilt one with
   * other options; the learning rates are learned values (`learnedValues`), saved and restored.
   */
  settings(): Record<string, unknown> {
    const out: Record<string, unknown> = { preTrace: this.preTrace.params, postTrace: this.postTrace.params };
    // only when not the default, so that the settings of every rule saved before these options are unchanged
    if (this.pairing !== "arrival") out.pairing = this.pairing;
    if (this.sd !== undefined) {
      out.deferred = { period_ms: this.period_ms, drift: this.drift, retain: this.retain };
    }
    return out;
  }

  constructor(
    readonly projection: Projection,
    readonly variant: StdpVariant,
    readonly dt_ms: number,
    params: Partial<StdpParams> = {},
    ...extra: never[]
  ) {
    refuseExtraArguments("new Stdp", "projection, variant, dt_ms, params", extra);
    if (typeof dt_ms !== "number" || !(dt_ms > 0 && Number.isFinite(dt_ms))) {
      throw new InvalidParameterError(
        `STDP needs the network's time step dt_ms (a number > 0): the second argument of postPre, ` +
          `weightDependentPostPre and hebbian, the third of new Stdp; got ${describeValue(dt_ms)}; call e.g. ` +
          `postPre(projection, net.dt_ms, { nuPre, nuPost })`,
        { dt_ms },
      );
    }
    if (typeof projection !== "object" || projection === null || !Array.isArray(projection.rules)) {
      throw new InvalidParameterError(
        `STDP needs the projection it learns on (what net.addProjection returns) as its first argument, got ` +
          `${describeValue(projection)}; call e.g. postPre(projection, net.dt_ms, { nuPre, nuPost })`,
      );
    }
    const p = withDefaults("Stdp params", STDP_DEFAULTS, params, ["deferred"]);
    if (p.pairing !== "arrival" && p.pairing !== "delivery") {
      throw new InvalidParameterError(
        `STDP pairing must be "arrival" (a pre spike counts at its arrival for both terms) or "delivery" (the ` +
          `pre trace takes it one step later, when it reaches the target's input; Izhikevich 2006), got ` +
          `${describeValue(p.pairing)}`,
      );
    }
    const deferred = p.deferred === undefined ? undefined : checkDeferred(p.deferred, dt_ms);
    if (variant !== "post-pre" && variant !== "weight-dependent" && variant !== "hebbian") {
      throw new InvalidParameterError(
        `unknown STDP variant ${JSON.stringify(variant)}; use "post-pre", "weight-dependent" or "hebbian"`,
      );
    }
    if (!projection.view) {
      throw new InvalidParameterError(`a ${projection.kind} projection has no synapses to learn`);
    }
    // per-synapse delays: the projection's (delay, pre) groups, built on this first read, outside the step loop
    const groups = projection.synapseDelaySteps === undefined ? undefined : projection.synapseDelayGroups;
    if (projection.synapseDelaySteps !== undefined && groups === undefined) {
      throw new UnsupportedError(
        `STDP on this ${projection.kind} projection with per-synapse delays is not supported: it does not ` +
          `group its synapses by delay (synapseDelayGroups), so no synapse's arrival times are known; use a ` +
          `Sparse with delay_ms: (pre, post) => ms, or one projection per delay value`,
      );
    }
    if (!projection.bounds) {
      throw new InvalidParameterError(
        `a plastic ${projection.kind} projection needs weight bounds; construct it with bounds: { wMin, wMax }`,
      );
    }
    const { wMin, wMax } = projection.bounds;
    if (variant === "weight-dependent" && !(Number.isFinite(wMin) && Number.isFinite(wMax))) {
      throw new InvalidParameterError(`weight-dependent STDP needs finite bounds, got [${wMin}, ${wMax}]`);
    }
    this.name = `stdp-${variant}`;
    this.nuPre = p.nuPre;
    this.nuPost = p.nuPost;
    this.view = projection.view;
    this.bounds = projection.bounds;
    // with a conduction delay the synapses see a pre spike when it arrives (src/projections/delay.ts); with one
    // per synapse each (delay, pre) group has its own arrivals and trace
    this.groups = groups;
    this.groupArrivals = groups === undefined ? undefined : new GroupArrivals(groups);
    this.pre = this.groupArrivals ?? projection.arrivals ?? projection.source;
    this.pairing = p.pairing;
    this.delivered = p.pairing === "delivery" ? new OneStepLater(this.pre) : undefined;
    this.preTrace = new SpikeTrace(this.delivered ?? this.pre, dt_ms, p.preTrace, "preTrace");
    this.sd = deferred === undefined ? undefined : new Float64Array(this.view.w.length);
    this.periodSteps = deferred?.periodSteps ?? 0;
    this.drift = deferred?.drift ?? 0;
    this.retain = deferred?.retain ?? 0;
    this.period_ms = p.deferred?.period_ms ?? 0;
    this.postTrace = new SpikeTrace(projection.target, dt_ms, p.postTrace, "postTrace");
    const scratch = Math.max(this.view.maxFanIn, this.view.maxFanOut);
    this.idxA = new Int32Array(scratch);
    this.idxW = new Int32Array(scratch);
    this.changed = new Uint8Array(this.view.postSize);
    this.changedList = new Int32Array(this.view.postSize);
    projection.rules.push(this);
  }

  /** Current depression rate; schedules change it between examples (see `scaleRates`). Finite. */
  get nuPre(): number {
    return this.nuPre_;
  }
  set nuPre(value: number) {
    this.nuPre_ = requireFinite("nuPre", value);
  }

  /** Current potentiation rate; finite. */
  get nuPost(): number {
    return this.nuPost_;
  }
  set nuPost(value: number) {
    this.nuPost_ = requireFinite("nuPost", value);
  }

  /** Multiplies both learning rates (learning-rate decay schedules) by a finite factor >= 0. */
  scaleRates(factor: number): void {
    requireNonNegative("scaleRates factor", factor);
    this.nuPre *= factor;
    this.nuPost *= factor;
  }

  /**
   * With `deferred`: the synaptic derivative sd (one per weight, in the view's order), which the pair updates
   * add to and every period's application moves into the weights; undefined otherwise. Kept by `reset()`
   * (it is learned, like the weights). Limitation: not saved by `networkParameters`; a restored network starts
   * with sd = 0.
   */
  get derivative(): Float64Array | undefined {
    return this.sd;
  }

  /** With `deferred`: the period in steps between applications of the derivative; 0 without. */
  get deferredPeriodSteps(): number {
    return this.periodSteps;
  }

  observe(ctx: StepContext): void {
    this.groupArrivals?.collect(ctx.step);
    this.delivered?.advance(ctx.step);
    this.preTrace.observe(ctx.step);
    this.postTrace.observe(ctx.step);
  }

  update(ctx: StepContext): void {
    const t = ctx.step;
    const sd = this.sd;
    // the end of a period: the weights take the derivative before this step's pairs (module comment)
    if (sd !== undefined && (t + 1) % this.periodSteps === 0) this.applyDerivative(sd);
    // pair updates go into w (clamped), or with `deferred` into sd (unclamped; the clamp comes when applied)
    const w = sd ?? this.view.w;
    const { wMin, wMax } = sd === undefined ? this.bounds : UNBOUNDED;
    const weights = this.view.w;
    const a = this.idxA;
    const wi = this.idxW;
    const soft = this.variant === "weight-dependent";
    const preSign = this.variant === "hebbian" ? 1 : -1;

    // presynaptic spikes: depression by the postsynaptic trace
    if (this.nuPre_ !== 0) {
      const src = this.pre;
      const post = this.postTrace;
      const find = this.view.synapseIndex;
      // Limitation: not with per-synapse delays, whose spikes reach (delay, pre) groups, which synapseIndex
      // does not know; a group is already the part of a fan-out with one delay, which depressAll visits
      if (find !== undefined && this.groups === undefined && post.liveCount * 4 < this.view.maxFanOut) {
        // few post neurons have a nonzero trace: visit only those (same updates, far less work)
        const live = post.live;
        const nLive = post.liveCount;
        const { table, lastStep, valueAtLast } = post;
        // read once: a delayed projection's arrivals compute them
        const srcIdx = src.spikeIdx;
        const srcCount = src.spikeCount;
        for (let k = 0; k < srcCount; k++) {
          const i = srcIdx[k];
          for (let q = 0; q < nLive; q++) {
            const j = live[q];
            // post.value(j, t), read in place (SpikeTrace.table)
            const d = t - lastStep[j];
            const x = d >= 0 && d < table.length ? valueAtLast[j] * table[d] : post.value(j, t);
            if (x === 0) continue;
            const wk = find.call(this.view, i, j);
            if (wk < 0) continue;
            const dw = preSign * this.nuPre_ * x * (soft ? weights[wk] - this.bounds.wMin : 1);
            w[wk] = clamp(w[wk] + dw, wMin, wMax);
            this.markChanged(j);
          }
        }
      } else {
        this.depressAll(t, preSign, soft, w, wMin, wMax);
      }
    }

    // postsynaptic spikes: potentiation by the presynaptic trace
    if (this.nuPost_ !== 0) {
      const tgt = this.projection.target;
      const pre = this.preTrace;
      const { table, lastStep, valueAtLast } = pre;
      const groupOf = this.groups?.groupOf;
      for (let k = 0; k < tgt.spikeCount; k++) {
        const j = tgt.spikeIdx[k];
        const n = this.view.incoming(j, a, wi);
        this.markChanged(j);
        // per-synapse delays: each synapse reads the trace of its (delay, pre) group
        if (groupOf !== undefined) for (let s = 0; s < n; s++) a[s] = groupOf[wi[s]];
        for (let s = 0; s < n; s++) {
          // pre.value(a[s], t), read in place (SpikeTrace.table)
          const i = a[s];
          const d = t - lastStep[i];
          const x = d >= 0 && d < table.length ? valueAtLast[i] * table[d] : pre.value(i, t);
          if (x === 0) continue;
          const wk = wi[s];
          const dw = this.nuPost_ * x * (soft ? this.bounds.wMax - weights[wk] : 1);
          w[wk] = clamp(w[wk] + dw, wMin, wMax);
        }
      }
    }
  }

  /**
   * Depression over every synapse out of each presynaptic spike (the general path); with per-synapse delays
   * over every synapse of each (delay, pre) group a spike reaches in this step.
   */
  private depressAll(
    t: number,
    preSign: number,
    soft: boolean,
    w: Float32Array | Float64Array,
    wMin: number,
    wMax: number,
  ): void {
    const weights = this.view.w;
    const a = this.idxA;
    const wi = this.idxW;
    const src = this.pre;
    const post = this.postTrace;
    const { table, lastStep, valueAtLast } = post;
    const srcIdx = src.spikeIdx;
    const srcCount = src.spikeCount;
    const groups = this.groups;
    for (let k = 0; k < srcCount; k++) {
      const n =
        groups === undefined ? this.view.outgoing(srcIdx[k], a, wi) : groups.synapses(srcIdx[k], a, wi);
      for (let s = 0; s < n; s++) {
        // post.value(a[s], t), read in place (SpikeTrace.table)
        const j = a[s];
        const d = t - lastStep[j];
        const x = d >= 0 && d < table.length ? valueAtLast[j] * table[d] : post.value(j, t);
        if (x === 0) continue;
        const wk = wi[s];
        const dw = preSign * this.nuPre_ * x * (soft ? weights[wk] - this.bounds.wMin : 1);
        w[wk] = clamp(w[wk] + dw, wMin, wMax);
        this.markChanged(a[s]);
      }
    }
  }

  /** w <- clamp(w + (drift + sd)), sd <- retain sd, for every weight; every post neuron counts as changed. */
  private applyDerivative(sd: Float64Array): void {
    const w = this.view.w;
    const { wMin, wMax } = this.bounds;
    const drift = this.drift;
    const retain = this.retain;
    for (let k = 0; k < sd.length; k++) {
      w[k] = clamp(w[k] + (drift + sd[k]), wMin, wMax);
      sd[k] *= retain;
    }
    for (let j = 0; j < this.view.postSize; j++) this.markChanged(j);
  }

  private markChanged(j: number): void {
    if (this.changed[j] === 0) {
      this.changed[j] = 1;
      this.changedList[this.changedCount++] = j;
    }
  }

  /**
   * Calls `visit(j)` for every post neuron whose incoming weights this rule changed since the last call, and
   * forgets them (weight normalisation renormalises only those).
   */
  takeChanged(visit: (j: number) => void): void {
    for (let k = 0; k < this.changedCount; k++) {
      const j = this.changedList[k];
      this.changed[j] = 0;
      visit(j);
    }
    this.changedCount = 0;
  }

  /**
   * Whether the changed-neuron list holds neurons. Between runs only an interrupted run leaves it so: a run
   * that ends normally hands the list to the normalisation (`afterRun`).
   */
  hasChanged(): boolean {
    return this.changedCount > 0;
  }

  reset(): void {
    this.groupArrivals?.reset();
    this.delivered?.reset();
    this.preTrace.reset();
    this.postTrace.reset();
  }

  /** The current learning rates, which schedules change (`scaleRates`). */
  learnedValues(): Readonly<Record<string, number>> {
    return { nuPre: this.nuPre, nuPost: this.nuPost };
  }

  /**
   * Takes the saved learning rates; the changed-neuron list is forgotten and the derivative sd (with
   * `deferred`) cleared, since the weights were replaced (sd is not saved: a restored network starts from 0).
   */
  restoreLearnedValues(values: Readonly<Record<string, number>>): void {
    this.nuPre = values.nuPre;
    this.nuPost = values.nuPost;
    this.takeChanged(() => {});
    this.sd?.fill(0);
  }
}

/**
 * The (delay, pre) groups of a projection with per-synapse delays that a pre spike reaches in a step, as a
 * `SpikeSource` whose "neurons" are the groups: the presynaptic trace over it is one trace per group, i.e. the
 * trace of pre neuron i's spikes delayed by d for the synapses of delay d. `collect(step)` lists them once per
 * step (idempotent, so the list is the step's whatever calls it first); nothing is allocated after construction.
 */
class GroupArrivals implements SpikeSource {
  readonly size: number;
  readonly spikeIdx: Int32Array;
  spikeCount = 0;
  private collected = -1;

  constructor(private readonly groups: SynapseDelayGroups) {
    this.size = groups.groupCount;
    // a group is reached at most once per step
    this.spikeIdx = new Int32Array(groups.groupCount);
  }

  collect(step: number): void {
    if (step === this.collected) return;
    this.collected = step;
    this.spikeCount = this.groups.arriving(this.spikeIdx);
  }

  reset(): void {
    this.collected = -1;
    this.spikeCount = 0;
  }
}

/**
 * A spike source that shows, at step t, the spikes another source had at step t - 1 (none after a reset or a
 * skipped step): the presynaptic spikes as pairing "delivery" counts them. `advance(step)` once per step,
 * after the source has its step's list; two buffers swapped, nothing allocated after construction.
 */
class OneStepLater implements SpikeSource {
  readonly size: number;
  spikeIdx: Int32Array;
  spikeCount = 0;
  private held: Int32Array;
  private heldCount = 0;
  private heldStep = -2;
  private shown = -1;

  constructor(private readonly source: SpikeSource) {
    this.size = source.size;
    this.spikeIdx = new Int32Array(source.size);
    this.held = new Int32Array(source.size);
  }

  advance(step: number): void {
    if (step === this.shown) return;
    this.shown = step;
    const fresh = this.heldStep === step - 1;
    // show what was held (the previous step's list), then hold this step's in the other buffer
    const shown = this.held;
    this.held = this.spikeIdx;
    this.spikeIdx = shown;
    this.spikeCount = fresh ? this.heldCount : 0;
    const src = this.source;
    const n = src.spikeCount;
    const idx = src.spikeIdx;
    for (let k = 0; k < n; k++) this.held[k] = idx[k];
    this.heldCount = n;
    this.heldStep = step;
  }

  reset(): void {
    this.spikeCount = 0;
    this.heldCount = 0;
    this.heldStep = -2;
    this.shown = -1;
  }
}

/** Checks `deferred` (module comment): the period in whole steps, a finite drift, retain in [0, 1]. */
function checkDeferred(
  d: StdpDeferred,
  dt_ms: number,
): { periodSteps: number; drift: number; retain: number } {
  if (typeof d !== "object" || d === null) {
    throw new InvalidParameterError(
      `STDP deferred must be { period_ms, drift?, retain? }, e.g. { period_ms: 1000, drift: 0.01, retain: 0.9 } ` +
        `(Izhikevich 2006), got ${describeValue(d)}`,
    );
  }
  requireKnownKeys("STDP deferred", d, ["period_ms", "drift", "retain"]);
  const periodSteps = msToSteps(
    requirePositive("STDP deferred period_ms", d.period_ms),
    dt_ms,
    "STDP deferred period_ms",
  );
  const drift = requireFinite("STDP deferred drift", d.drift ?? 0);
  const retain = requireFinite("STDP deferred retain", d.retain ?? 0);
  if (retain < 0 || retain > 1) {
    throw new InvalidParameterError(
      `STDP deferred retain is the fraction of the derivative kept after each application, in [0, 1], got ${retain}`,
      { retain },
    );
  }
  return { periodSteps, drift, retain };
}

/** The bounds of the derivative sd: none (the weights are clamped when it is applied). */
const UNBOUNDED: WeightBounds = Object.freeze({ wMin: -Infinity, wMax: Infinity });

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Online pair STDP (BindsNET PostPre). */
export function postPre(
  projection: Projection,
  dt_ms: number,
  params: Partial<StdpParams> = {},
  ...extra: never[]
): Stdp {
  refuseExtraArguments("postPre", "projection, dt_ms, params", extra);
  return new Stdp(projection, "post-pre", dt_ms, params);
}

/** Pair STDP with soft bounds. */
export function weightDependentPostPre(
  projection: Projection,
  dt_ms: number,
  params: Partial<StdpParams> = {},
  ...extra: never[]
): Stdp {
  refuseExtraArguments("weightDependentPostPre", "projection, dt_ms, params", extra);
  return new Stdp(projection, "weight-dependent", dt_ms, params);
}

/** Both spike orders potentiate. */
export function hebbian(
  projection: Projection,
  dt_ms: number,
  params: Partial<StdpParams> = {},
  ...extra: never[]
): Stdp {
  refuseExtraArguments("hebbian", "projection, dt_ms, params", extra);
  return new Stdp(projection, "hebbian", dt_ms, params);
}
