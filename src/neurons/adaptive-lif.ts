/**
 * Leaky integrate-and-fire neuron with an adaptive threshold (homeostasis).
 * Source: Diehl & Cook, Front. Comput. Neurosci. 9:99 (2015), "homoeostasis"; the DiehlAndCookNodes of
 * BindsNET as used by Saunders et al. 2019 (LC-SNN; Neural Networks 119:332);
 * docs/models/adaptive-lif.md.
 *
 *   tau_m dv/dt = -(v - v_rest) + R i(t)                        (as LIF, src/neurons/lif.ts)
 *   tau_theta dtheta/dt = -theta                                 (per neuron, only while learning)
 *   spike when v >= v_th + theta; then reset (as LIF), refractory, and theta <- theta + theta_plus
 *
 * Discretisation, per step and neuron, in this order:
 *   1. theta <- theta e^(-dt/tau_theta)       (learning only; every neuron, refractory ones too)
 *   2. refractory neurons are clamped exactly as LIF (docs/conventions.md) and skip 3-4 (implemented with a
 *      list of refractory neurons, RefractoryList: all integrate, a listed one cannot fire and gets its
 *      held v back after the loop)
 *   3. v <- v_rest + (v - v_rest) e^(-dt/tau_m) + (1 - e^(-dt/tau_m)) R i + dv   (exact leak)
 *   4. if v >= v_th + theta (theta after step 1): reset v, refractory, and while learning
 *      theta <- theta + theta_plus
 * With learning off, theta is neither decayed nor incremented: its buffer is not written at all.
 *
 * One spike per step (`oneSpikePerStep`, the layer-wide rule of the LC-SNN code): every neuron that crosses
 * threshold in a step is reset, made refractory and gets its theta increment, but only one of them, chosen
 * uniformly at random with the `rng` passed in, emits a spike. When exactly one neuron crosses it spikes and
 * no random number is drawn.
 *
 * Precision and cost: theta is kept in float64 and decayed lazily: each neuron stores its theta and the value
 * of a learning-step clock when it was last exact, and theta(now) = stored x e^(-dt/tau_theta)^(clock - stamp)
 * is computed only where it is needed: for a neuron whose membrane has reached v_th + min(theta, 0) (no other
 * neuron can cross), at a crossing, and when the public buffer is read. With tau_theta = 1e7 ms the per-step
 * factor is below half a float32 ulp, so decaying a float32 value in place would lose the decay altogether.
 * The threshold test compares with the float32 rounding of theta, so a saved and reloaded theta gives the same
 * spikes. The public float32 buffer `theta_mV` (also `state("theta_mV")`) is brought up to date whenever it is
 * requested (it shows theta as of the last request: the decay runs off the buffer). A value written into
 * it from outside is adopted: at the next step after a request, and at the start of every `Network.run`
 * through a buffer kept from any earlier request (`beforeRun` compares the buffer with a float32 shadow of
 * what the model wrote, as bits: one integer comparison per neuron and run).
 */
import { warnIfShorterThanStep } from "../core/time.ts";
import { warnIfSiUnits } from "../core/units.ts";
import {
  FLOAT32_MAX,
  InvalidParameterError,
  requireBoolean,
  requireFloat32Factor,
  requireNonNegative,
} from "../core/errors.ts";
import { requireKnownKeys, withDefaults } from "../core/options.ts";
import { type Rng, requireRng } from "../core/rng.ts";
import type { LearnedState, StepContext } from "../network/types.ts";
import {
  PER_NEURON_PARAMETERS,
  PopulationBase,
  buildPerNeuron,
  fillInitial,
  refusePerNeuron,
  requireNeuronDt,
  requireNoExtraArguments,
  requireRightArgument,
} from "./base.ts";
import type { PerNeuronOptions, PerNeuronParams } from "./base.ts";
import { RefractoryList } from "./refractory.ts";
import { deriveLif, deriveLifPerNeuron, lifPlaceholderDerived } from "./lif.ts";
import type { LifDerived, LifParams, LifPerNeuronDerived, ResetMode } from "./lif.ts";

export interface AdaptiveLifParams extends LifParams {
  /** Threshold increment per threshold crossing. Default 0.05 mV (Diehl & Cook 2015; LC-SNN A.3). */
  readonly thetaPlus_mV: number;
  /** Time constant of the theta decay; Infinity disables the decay. Default 1e7 ms (LC-SNN A.3). */
  readonly tauTheta_ms: number;
}

export const ADAPTIVE_LIF_DEFAULTS: Readonly<AdaptiveLifParams> = Object.freeze({
  /** 100 ms: DiehlAndCookNodes voltage decay 0.01/ms (LC-SNN A.3). */
  tauMem_ms: 100,
  /** -65 mV (LC-SNN A.3). */
  vRest_mV: -65,
  /** -60 mV, the value the LC-SNN and Diehl & Cook builders pass (LC-SNN A.3). */
  vReset_mV: -60,
  /** -52 mV; the effective threshold is this plus theta (LC-SNN A.3). */
  vThreshold_mV: -52,
  /** 5 ms (LC-SNN A.3). */
  tRef_ms: 5,
  /** 1 MOhm, so 1 nA on "i_nA" drives 1 mV. */
  resistance_MOhm: 1,
  /** "to-value" (LC-SNN A.3). */
  reset: "to-value" as ResetMode,
  thetaPlus_mV: 0.05,
  tauTheta_ms: 1e7,
});

export interface AdaptiveLifOptions {
  /** Let at most one of the neurons that cross threshold in a step emit a spike. Default false. */
  readonly oneSpikePerStep?: boolean;
  /** Chooses the emitting neuron; required when `oneSpikePerStep` is true. */
  readonly rng?: Rng;
}

/** The keys of `AdaptiveLifOptions`. */
const ADAPTIVE_LIF_OPTION_KEYS: readonly string[] = Object.freeze(["oneSpikePerStep", "rng"]);

export interface AdaptiveLifDerived extends LifDerived {
  /** e^(-dt/tau_theta), 1 for tau_theta = Infinity. */
  readonly thetaDecay: number;
}

/** The AdaptiveLIF parameters that `AdaptiveLIF` takes once per neuron as well: LIF's. */
export const ADAPTIVE_LIF_PER_NEURON_KEYS = PER_NEURON_PARAMETERS.AdaptiveLIF.keys;
type PerNeuronKey = (typeof ADAPTIVE_LIF_PER_NEURON_KEYS)[number];

/**
 * What `new AdaptiveLIF` takes as its params: `AdaptiveLifParams`, where tau_m, the rest, reset and threshold
 * potentials and the resistance may also be one value per neuron (as LIF's); theta's parameters, tRef_ms and
 * reset stay one per population.
 */
export type AdaptiveLifPerNeuronOptions = PerNeuronOptions<AdaptiveLifParams, PerNeuronKey>;

/** An AdaptiveLIF's `params`: a parameter given per neuron is kept as a frozen array of numbers. */
export type AdaptiveLifStoredParams = PerNeuronParams<AdaptiveLifParams, PerNeuronKey>;

/** theta_plus and tau_theta checked; theta's decay per learning step, e^(-dt/tau_theta) (1 for Infinity). */
function thetaDecayOf(
  p: { readonly thetaPlus_mV: number; readonly tauTheta_ms: number },
  dt_ms: number,
): number {
  requireFloat32Factor("thetaPlus_mV", requireNonNegative("thetaPlus_mV", p.thetaPlus_mV));
  if (typeof p.tauTheta_ms !== "number" || !(p.tauTheta_ms > 0)) {
    throw new InvalidParameterError(
      `tauTheta_ms must be > 0 (Infinity disables the decay), got ${String(p.tauTheta_ms)}`,
      { tauTheta_ms: p.tauTheta_ms },
    );
  }
  warnIfShorterThanStep("tauTheta_ms", p.tauTheta_ms, dt_ms);
  return p.tauTheta_ms === Infinity ? 1 : Math.exp(-dt_ms / p.tauTheta_ms);
}

/** Per-step constants (pure). Validates the LIF part with `deriveLif` and the theta parameters. */
export function deriveAdaptiveLif(p: AdaptiveLifParams, dt_ms: number): AdaptiveLifDerived {
  requireNeuronDt(dt_ms);
  const lif = deriveLif(p, dt_ms);
  return { ...lif, thetaDecay: thetaDecayOf(p, dt_ms) };
}

/**
 * The per-neuron constants of an AdaptiveLIF with per-neuron parameters: `deriveLifPerNeuron`'s (errors name
 * the neuron), with the theta parameters checked as `deriveAdaptiveLif` checks them.
 */
export function deriveAdaptiveLifPerNeuron(
  p: AdaptiveLifPerNeuronOptions,
  dt_ms: number,
  size: number,
): LifPerNeuronDerived {
  requireNeuronDt(dt_ms);
  const lif = deriveLifPerNeuron(p, dt_ms, size);
  thetaDecayOf(p, dt_ms);
  return lif;
}

export class AdaptiveLIF extends PopulationBase {
  readonly model = "adaptive-lif";
  /** The parameters, per-neuron ones as frozen arrays (`AdaptiveLifStoredParams`). */
  readonly params: AdaptiveLifStoredParams;
  /**
   * The step constants; with per-neuron parameters its decay, currentGain and resetDrop_mV are NaN and the
   * constants are in `perNeuronDerived` (thetaDecay and refSteps stay one per population).
   */
  readonly derived: AdaptiveLifDerived;
  /** One entry per neuron when a parameter was given per neuron (ADAPTIVE_LIF_PER_NEURON_KEYS); else undefined. */
  readonly perNeuronDerived: LifPerNeuronDerived | undefined;
  readonly dt_ms: number;
  readonly oneSpikePerStep: boolean;

  /** Construction settings, recorded by a saved network to tell a rebuilt one with other options. */
  settings(): Record<string, unknown> {
    return { ...this.params, oneSpikePerStep: this.oneSpikePerStep };
  }

  /** The initial membrane potential (`vInit_mV`), one value or one per neuron; `reset()` restores it. */
  private readonly vInit: number | Float32Array;
  /** Membrane potential in mV. */
  readonly v_mV: Float32Array;
  /** The public float32 buffer of theta (see `theta_mV`). */
  private readonly theta32: Float32Array;
  /** What the model last wrote into `theta32`: an entry that differs was written from outside. */
  private readonly thetaShadow: Float32Array;
  /** `theta32` and `thetaShadow` as bits, for a fast exact comparison (also tells -0 from 0 and NaNs apart). */
  private readonly theta32Bits: Uint32Array;
  private readonly thetaShadowBits: Uint32Array;
  /**
   * Steps of refractoriness left (see docs/conventions.md). Read it freely; change it only through
   * `setRefractory` (the step keeps a list of refractory neurons, RefractoryList).
   */
  readonly refractoryLeft: Int32Array;
  private readonly refractory: RefractoryList;
  private readonly thetaExact: Float64Array;
  /** Learning-step clock value at which `thetaExact[i]` is exact. */
  private readonly thetaStamp: Float64Array;
  /** Counts the steps taken while learning (theta decays only then). */
  private learnClock = 0;
  /** min(0, smallest theta): no neuron with v below v_th + thetaFloor can cross. */
  private thetaFloor = 0;
  /**
   * Per neuron, a lower bound of its threshold v_th + fround(theta), valid while the learning clock stays at
   * or below `boundsUntil`: v_th + fround(min(theta now, theta at boundsUntil)) (theta(k) = x d^k is monotone
   * in k, and fround and + round monotonically). A neuron above v_th + thetaFloor but below its bound cannot
   * cross, so its theta (a Math.pow) is not evaluated; in a trained LC-SNN that is hundreds of neurons a step.
   */
  private readonly thresholdLow: Float64Array;
  private boundsUntil = -1;
  /** The public buffer was handed out since the last step: the next step looks for outside writes. */
  private exposed = false;
  /** The public buffer has ever been handed out: every run (`beforeRun`) looks for outside writes. */
  private everExposed = false;
  private readonly crossers: Int32Array;
  /** The float inputs of `integrateAdaptive` (indices below): the constants and this step's candidate level. */
  private readonly constants: Float64Array;
  /** Crossers (written) and listed refractory neurons (read and written) of `integrateAdaptive`. */
  private readonly counts = new Int32Array(2);
  private rng: Rng | null;
  private crossed = 0;

  constructor(
    size: number,
    dt_ms: number,
    params: Partial<AdaptiveLifPerNeuronOptions> = {},
    options: AdaptiveLifOptions = {},
    ...extra: never[]
  ) {
    requireNoExtraArguments("AdaptiveLIF", "size, dt_ms, params, options", extra);
    super(size, ["dv_mV", "i_nA"], 1); // v_mV in the arena beside the ports
    requireRightArgument(
      "AdaptiveLIF",
      params,
      [...Object.keys(ADAPTIVE_LIF_DEFAULTS), "vInit_mV"],
      options,
      ADAPTIVE_LIF_OPTION_KEYS,
    );
    const given = withDefaults(
      "AdaptiveLIF params",
      ADAPTIVE_LIF_DEFAULTS as AdaptiveLifPerNeuronOptions,
      params,
      ["vInit_mV"],
    );
    requireKnownKeys("AdaptiveLIF options", options, ADAPTIVE_LIF_OPTION_KEYS);
    refusePerNeuron("AdaptiveLIF", given, ["tRef_ms", "thetaPlus_mV", "tauTheta_ms"]);
    this.dt_ms = dt_ms;
    // one value per neuron, all equal, is one value (as LIF's); the initial voltage defaults to the rest, per
    // neuron when the rest is given per neuron
    const built = buildPerNeuron(given, ADAPTIVE_LIF_PER_NEURON_KEYS, size, "vRest_mV", {
      uniform: (p) => deriveAdaptiveLif(p as AdaptiveLifParams, dt_ms),
      each: (p) => deriveAdaptiveLifPerNeuron(p, dt_ms, size),
      placeholder: (p) => ({
        ...lifPlaceholderDerived(p.tRef_ms, dt_ms),
        thetaDecay: thetaDecayOf(p, dt_ms),
      }),
    });
    this.params = built.params as AdaptiveLifStoredParams;
    warnIfSiUnits("AdaptiveLIF", this.params);
    this.derived = built.derived;
    this.perNeuronDerived = built.perNeuronDerived;
    this.vInit = built.vInit;
    this.oneSpikePerStep =
      options.oneSpikePerStep === undefined
        ? false
        : requireBoolean("AdaptiveLIF options.oneSpikePerStep", options.oneSpikePerStep);
    if (this.oneSpikePerStep && options.rng === undefined) {
      throw new InvalidParameterError(
        "oneSpikePerStep needs an rng to choose the spiking neuron; " +
          'pass { rng: createRng(seed, "one-spike", ...) }',
      );
    }
    // a generator is checked even without oneSpikePerStep (a config may pass one either way; setRng too)
    this.rng =
      options.rng === undefined
        ? null
        : requireRng("AdaptiveLIF oneSpikePerStep", options.rng, '"one-spike", split, index');
    this.v_mV = this.addState("v_mV", this.vInit);
    this.theta32 = this.addState("theta_mV", 0);
    this.thetaShadow = new Float32Array(size);
    this.theta32Bits = new Uint32Array(this.theta32.buffer, this.theta32.byteOffset, size);
    this.thetaShadowBits = new Uint32Array(this.thetaShadow.buffer, this.thetaShadow.byteOffset, size);
    this.thetaExact = new Float64Array(size);
    this.thetaStamp = new Float64Array(size);
    this.thresholdLow = new Float64Array(size);
    this.refractory = new RefractoryList(size);
    this.refractoryLeft = this.refractory.left;
    this.crossers = new Int32Array(size);
    const { decay, currentGain, resetDrop_mV, thetaDecay } = this.derived;
    const { vRest_mV, vReset_mV, thetaPlus_mV } = this.params as AdaptiveLifParams;
    // per-neuron values: the lowest threshold, from which the candidate level is measured (the other
    // membrane constants, NaN here, come from perNeuronDerived)
    const pnd = this.perNeuronDerived;
    const vThreshold_mV =
      pnd === undefined ? (this.params.vThreshold_mV as number) : Math.min(...pnd.vThreshold_mV);
    this.constants = Float64Array.of(
      decay,
      currentGain,
      resetDrop_mV,
      thetaDecay,
      vRest_mV,
      vThreshold_mV,
      vReset_mV,
      thetaPlus_mV,
      0, // CANDIDATE, set by every step
    );
  }

  /**
   * Replaces the generator of the one-spike choice. Experiments give every example its own stream
   * (`createRng(seed, "one-spike", split, index)`), so results do not depend on which worker runs it.
   */
  setRng(rng: Rng): void {
    this.rng = requireRng("AdaptiveLIF.setRng", rng, '"one-spike", split, index');
  }

  /**
   * Makes neuron i refractory for `steps` more steps from now (0 releases it): v keeps its present value and
   * inputs are discarded while the count is above zero, exactly as after a spike.
   */
  setRefractory(i: number, steps: number): void {
    this.refractory.set(i, steps, this.v_mV[i] ?? 0);
  }

  /** How many neurons crossed threshold in the last step (more than `spikeCount` under one-spike). */
  get crossedCount(): number {
    return this.crossed;
  }

  /** Adaptive threshold offset in mV, float32, brought up to date on every read; writes are adopted. */
  get theta_mV(): Float32Array {
    if (this.everExposed) this.adoptWrites();
    const out = this.theta32;
    const shadow = this.thetaShadow;
    for (let i = 0; i < this.size; i++) out[i] = shadow[i] = this.thetaAt(i);
    this.exposed = true;
    this.everExposed = true;
    return out;
  }

  override state(name: string): Float32Array {
    return name === "theta_mV" ? this.theta_mV : super.state(name);
  }

  /** theta of neuron i now (float64). */
  private thetaAt(i: number): number {
    const k = this.learnClock - this.thetaStamp[i];
    return k === 0 ? this.thetaExact[i] : this.thetaExact[i] * Math.pow(this.derived.thetaDecay, k);
  }

  /**
   * Takes over values written into the public buffer from outside: the entries that differ from the shadow.
   * A non-finite value is refused (it would make the threshold meaningless).
   */
  private adoptWrites(): void {
    const bufBits = this.theta32Bits;
    const shadowBits = this.thetaShadowBits;
    const n = this.size;
    let i = 0;
    // the common case, nothing written: one integer comparison per neuron
    while (i < n && bufBits[i] === shadowBits[i]) i++;
    this.exposed = false;
    if (i < n) this.adoptFrom(i);
  }

  /** Network.run: values written through a kept buffer since the last run are taken over now. */
  beforeRun(): void {
    if (this.everExposed) this.adoptWrites();
  }

  /** adoptWrites from neuron `first` on, the first entry that differs. */
  private adoptFrom(first: number): void {
    const buf = this.theta32;
    const shadow = this.thetaShadow;
    for (let i = first; i < this.size; i++) {
      const b = buf[i];
      if (this.theta32Bits[i] === this.thetaShadowBits[i]) continue;
      if (!Number.isFinite(b)) {
        buf[i] = shadow[i];
        throw new InvalidParameterError(
          `AdaptiveLIF theta_mV[${i}] was set to ${b}; write a finite threshold offset in mV`,
          { index: i, value: b },
        );
      }
      shadow[i] = b;
      this.thetaExact[i] = b;
      this.thetaStamp[i] = this.learnClock;
      this.boundsUntil = -1;
      // thetaFloor stays a lower bound of every theta (decay moves a negative theta up toward 0)
      if (b < this.thetaFloor) this.thetaFloor = b;
    }
  }

  /** Learning steps for which `thresholdLow` is computed ahead (any positive value gives the same spikes). */
  private static readonly BOUND_WINDOW = 1000;

  /** Recomputes every neuron's threshold lower bound for the clock range [now, now + BOUND_WINDOW]. */
  private refreshThresholdBounds(): void {
    const pnd = this.perNeuronDerived;
    for (let i = 0; i < this.size; i++) {
      const vThreshold_mV = pnd === undefined ? (this.params.vThreshold_mV as number) : pnd.vThreshold_mV[i];
      this.thresholdLow[i] = this.lowerThreshold(this.thetaAt(i), AdaptiveLIF.BOUND_WINDOW, vThreshold_mV);
    }
    this.boundsUntil = this.learnClock + AdaptiveLIF.BOUND_WINDOW;
  }

  /** v_th + fround(min(theta, theta after `ahead` more decay steps)), v_th the neuron's threshold. */
  private lowerThreshold(theta: number, ahead: number, vThreshold_mV: number): number {
    const later = theta * Math.pow(this.derived.thetaDecay, ahead);
    return vThreshold_mV + Math.fround(Math.min(theta, later));
  }

  step(ctx: StepContext): void {
    const learning = ctx.learning;
    const oneSpike = this.oneSpikePerStep;
    const refractory = this.refractory;
    if (this.exposed) this.adoptWrites();
    // theta decays by one step (learning only) before the threshold test
    if (learning) this.learnClock++;
    const clock = this.learnClock;
    if (clock > this.boundsUntil) this.refreshThresholdBounds();
    const c = this.constants;
    c[CANDIDATE] = c[V_TH] + this.thetaFloor;
    this.beginSpikes();
    refractory.countDown();
    const counts = this.counts;
    counts[0] = 0;
    counts[1] = refractory.count;
    if (this.perNeuronDerived !== undefined) this.integratePerNeuron(this.perNeuronDerived, learning, clock);
    else
      integrateAdaptive(
        this.arena,
        this.size,
        // arena slots: ports dv_mV, i_nA; state v_mV
        this.arenaOffset(1),
        this.arenaOffset(2),
        this.portEverRequested(1),
        c,
        this.params.reset === "subtract",
        learning,
        oneSpike,
        this.derived.refSteps,
        clock,
        this.boundsUntil,
        refractory.left,
        refractory.idx,
        refractory.vHeld,
        this.thetaExact,
        this.thetaStamp,
        this.theta32,
        this.thetaShadow,
        this.thresholdLow,
        // a crosser goes to `spikeIdx` directly, or under one-spike to `crossers`, which picks one afterwards
        oneSpike ? this.crossers : this.spikeIdx,
        this.spiked,
        counts,
      );
    const crossed = counts[0];
    refractory.count = counts[1];
    refractory.restore(this.v_mV);
    this.crossed = crossed;

    if (!oneSpike) {
      this.setSpikeCount(crossed);
    } else if (crossed > 0) {
      // one spike per step: a uniformly chosen crosser emits
      this.pushSpike(this.crossers[crossed === 1 ? 0 : (this.rng as Rng).int(crossed)]);
    }
  }

  /**
   * `integrateAdaptive` with each neuron's own membrane constants and threshold (per-neuron parameters): the
   * same steps in the same order, reading `d` where that reads one constant.
   */
  private integratePerNeuron(d: LifPerNeuronDerived, learning: boolean, clock: number): void {
    const { decay, currentGain, vRest_mV, vThreshold_mV, vReset_mV, resetDrop_mV } = d;
    const c = this.constants;
    const thetaDecay = c[THETA_DECAY];
    const thetaPlus_mV = c[THETA_PLUS];
    const candidate_mV = c[CANDIDATE];
    const subtract = this.params.reset === "subtract";
    const oneSpike = this.oneSpikePerStep;
    const refSteps = this.derived.refSteps;
    const until = this.boundsUntil;
    const { left: ref, idx: held, vHeld: heldV } = this.refractory;
    const { thetaExact, thetaStamp, theta32, thetaShadow: shadow, thresholdLow: low, spiked } = this;
    const out = oneSpike ? this.crossers : this.spikeIdx;
    const v = this.v_mV;
    const dv = this.portAt(0);
    const cur = this.portAt(1);
    const useCur = this.portEverRequested(1);
    let crossed = 0;
    let nHeld = this.counts[1];
    for (let i = 0; i < this.size; i++) {
      const rest = vRest_mV[i];
      let vi = rest + (v[i] - rest) * decay[i] + dv[i];
      dv[i] = 0;
      if (useCur) {
        vi += currentGain[i] * cur[i];
        cur[i] = 0;
      }
      if (vi >= candidate_mV && vi >= low[i] && ref[i] === 0) {
        const k = clock - thetaStamp[i];
        let th = k === 0 ? thetaExact[i] : thetaExact[i] * Math.pow(thetaDecay, k);
        if (vi >= vThreshold_mV[i] + Math.fround(th)) {
          vi = subtract ? vi - resetDrop_mV[i] : vReset_mV[i];
          if (refSteps > 0) {
            ref[i] = refSteps;
            held[nHeld] = i;
            heldV[nHeld++] = vi;
          }
          if (learning) {
            th += thetaPlus_mV;
            thetaExact[i] = th;
            thetaStamp[i] = clock;
            theta32[i] = shadow[i] = th;
            low[i] = this.lowerThreshold(th, until - clock, vThreshold_mV[i]);
          }
          out[crossed++] = i;
          if (!oneSpike) spiked[i] = 1;
        }
      }
      v[i] = vi;
    }
    this.counts[0] = crossed;
    this.counts[1] = nHeld;
  }

  /** Back to the initial transient state (v, refractory counters, spikes, ports). Theta is kept. */
  override reset(): void {
    super.reset();
    fillInitial(this.v_mV, this.vInit);
    this.refractory.clear();
    this.crossed = 0;
  }

  /**
   * The exact internal theta state (float64 values, their clock stamps and the clock) for checkpoints: a run
   * restored from it continues bit-identically, which the float32 `theta_mV` alone would not give.
   */
  exactThetaState(): { thetaExact: Float64Array; thetaStamp: Float64Array; learnClock: number } {
    if (this.everExposed) this.adoptWrites();
    return {
      thetaExact: this.thetaExact.slice(),
      thetaStamp: this.thetaStamp.slice(),
      learnClock: this.learnClock,
    };
  }

  /** Restores what `exactThetaState` returned. */
  restoreExactThetaState(s: {
    thetaExact: ArrayLike<number>;
    thetaStamp: ArrayLike<number>;
    learnClock: number;
  }): void {
    if (s.thetaExact.length !== this.size || s.thetaStamp.length !== this.size) {
      throw new InvalidParameterError(
        `theta state has ${s.thetaExact.length} values for a population of ${this.size}; it belongs to another model`,
      );
    }
    this.thetaExact.set(s.thetaExact);
    this.thetaStamp.set(s.thetaStamp);
    this.learnClock = s.learnClock;
    this.boundsUntil = -1;
    let floor = 0;
    for (let i = 0; i < this.size; i++) {
      const th = this.thetaAt(i);
      this.theta32[i] = this.thetaShadow[i] = th;
      if (th < floor) floor = th;
    }
    this.thetaFloor = floor;
  }

  /** The learned thresholds for `networkParameters`: the exact state of `exactThetaState`. */
  learnedState(): LearnedState {
    const s = this.exactThetaState();
    return {
      arrays: { thetaExact: s.thetaExact, thetaStamp: s.thetaStamp },
      values: { learnClock: s.learnClock },
    };
  }

  /** Refuses a clock that is not a whole number >= 0, or a stamp that is not a whole number in [0, clock]. */
  checkLearnedState(state: LearnedState): void {
    const clock = state.values.learnClock;
    if (!Number.isSafeInteger(clock) || clock < 0) {
      throw new InvalidParameterError(
        `AdaptiveLIF learnClock ${String(clock)} is not a whole number >= 0 (it counts learning steps)`,
      );
    }
    const theta = state.arrays.thetaExact;
    for (let i = 0; i < theta.length; i++) {
      if (!(Math.abs(theta[i]) <= FLOAT32_MAX)) {
        throw new InvalidParameterError(
          `AdaptiveLIF thetaExact[${i}] = ${theta[i]} mV does not fit the float32 threshold buffer ` +
            `(|theta| <= ${FLOAT32_MAX})`,
        );
      }
    }
    const stamps = state.arrays.thetaStamp;
    for (let i = 0; i < stamps.length; i++) {
      const t = stamps[i];
      if (!Number.isInteger(t) || t < 0 || t > clock) {
        throw new InvalidParameterError(
          `AdaptiveLIF thetaStamp[${i}] = ${t} is not a learning step in [0, learnClock = ${clock}]`,
        );
      }
    }
  }

  /** Restores what `learnedState` returned. */
  restoreLearnedState(state: LearnedState): void {
    this.restoreExactThetaState({
      thetaExact: state.arrays.thetaExact,
      thetaStamp: state.arrays.thetaStamp,
      learnClock: state.values.learnClock,
    });
  }

  /** Zeroes the learned thresholds. */
  resetLearned(): void {
    this.theta32.fill(0);
    this.thetaShadow.fill(0);
    this.thetaExact.fill(0);
    this.thetaStamp.fill(this.learnClock);
    this.thetaFloor = 0;
    this.boundsUntil = -1;
  }
}

// Indices into AdaptiveLIF's `constants`.
const DECAY = 0;
const CURRENT_GAIN = 1;
const RESET_DROP = 2;
const THETA_DECAY = 3;
const V_REST = 4;
const V_TH = 5;
const V_RESET = 6;
const THETA_PLUS = 7;
/** v_th + the smallest theta: no neuron below it can cross in this step. */
const CANDIDATE = 8;

/**
 * The neuron loop of `AdaptiveLIF.step`, a plain function of typed arrays. Its float inputs come from the
 * Float64Array `c` (constants above), never from object fields, so the loop computes on unboxed float64
 * whatever representation V8 gave those numbers; and as a small function of its own it is optimised as a
 * whole early. (With the loop inside the method, V8 sometimes kept entering the method's on-stack-replacement
 * code from the interpreter on every call and never used its optimised code: LC-SNN training at about 250
 * instead of 450 images/s, in about half of the runs.)
 * Per neuron: integrate exactly over the step; a neuron at or above the candidate level and its cached lower
 * threshold bound that is not refractory gets its exact theta; if it crosses v_th + fround(theta) it is reset,
 * held (refractory list), and with learning its theta grows by theta_plus and its bound is recomputed for the
 * clock range [clock, until]. counts: [0] crossers (written), [1] listed refractory neurons (read, written).
 */
function integrateAdaptive(
  m: Float32Array,
  n: number,
  oCur: number,
  oV: number,
  useCur: boolean,
  c: Float64Array,
  subtract: boolean,
  learning: boolean,
  oneSpike: boolean,
  refSteps: number,
  clock: number,
  until: number,
  ref: Int32Array,
  held: Int32Array,
  heldV: Float32Array,
  thetaExact: Float64Array,
  thetaStamp: Float64Array,
  theta32: Float32Array,
  shadow: Float32Array,
  low: Float64Array,
  out: Int32Array,
  spiked: Uint8Array,
  counts: Int32Array,
): void {
  const oDv = 0;
  const decay = c[DECAY];
  const currentGain = c[CURRENT_GAIN];
  const resetDrop_mV = c[RESET_DROP];
  const thetaDecay = c[THETA_DECAY];
  const vRest_mV = c[V_REST];
  const vThreshold_mV = c[V_TH];
  const vReset_mV = c[V_RESET];
  const thetaPlus_mV = c[THETA_PLUS];
  const candidate_mV = c[CANDIDATE];
  let crossed = 0;
  let nHeld = counts[1];
  for (let i = 0; i < n; i++) {
    // integrate (exact over the step); a refractory neuron gets its held v back after the loop
    let vi = vRest_mV + (m[oV + i] - vRest_mV) * decay + m[oDv + i];
    if (useCur) {
      vi += currentGain * m[oCur + i];
      m[oCur + i] = 0;
    }

    // threshold (theta evaluated only for candidates that are not refractory), reset, theta increment
    if (vi >= candidate_mV && vi >= low[i] && ref[i] === 0) {
      const k = clock - thetaStamp[i];
      let th = k === 0 ? thetaExact[i] : thetaExact[i] * Math.pow(thetaDecay, k);
      if (vi >= vThreshold_mV + Math.fround(th)) {
        vi = subtract ? vi - resetDrop_mV : vReset_mV;
        if (refSteps > 0) {
          ref[i] = refSteps;
          held[nHeld] = i;
          heldV[nHeld++] = vi;
        }
        if (learning) {
          th += thetaPlus_mV;
          thetaExact[i] = th;
          thetaStamp[i] = clock;
          theta32[i] = shadow[i] = th;
          // AdaptiveLIF.lowerThreshold(th, until - clock)
          low[i] = vThreshold_mV + Math.fround(Math.min(th, th * Math.pow(thetaDecay, until - clock)));
        }
        out[crossed++] = i;
        if (!oneSpike) spiked[i] = 1;
      }
    }
    m[oV + i] = vi;
  }
  // the dv_mV port was consumed by every neuron (refractory ones discard it): one native fill
  m.fill(0, oDv, oDv + n);
  counts[0] = crossed;
  counts[1] = nHeld;
}
