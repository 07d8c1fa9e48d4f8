/**
 * Leaky integrate-and-fire neuron.
 * Source: Gerstner, Kistler, Naud & Paninski, Neuronal Dynamics (2014), section 1.3; docs/models/lif.md.
 *
 *   tau_m dv/dt = -(v - v_rest) + R i(t)
 *   spike when v >= v_th; then reset ("to-value": v <- v_reset, "subtract": v <- v - (v_th - v_reset))
 *   refractory for R_steps = t_ref / dt steps (see docs/conventions.md)
 *
 * Discretisation: exact exponential integration over one step, i held constant within the step:
 *   v <- v_rest + (v - v_rest) e^(-dt/tau_m) + (1 - e^(-dt/tau_m)) R i + dv
 * Two input ports:
 *   "dv_mV" (default): an instantaneous voltage jump in mV added after the leak (delta synapses, as BindsNET
 *                      and the Diehl & Cook / LC-SNN models use them);
 *   "i_nA":            a current in nA, held over the step, times `resistance_MOhm` gives mV.
 * While refractory the neuron is held at v_reset (or keeps its subtracted value) and both ports are discarded.
 */
import {
  InvalidParameterError,
  requireFloat32,
  requireFloat32Factor,
  requirePositive,
} from "../core/errors.ts";
import { withDefaults } from "../core/options.ts";
import { warnIfSiUnits } from "../core/units.ts";
import { decayPerStep, warnIfShorterThanStep } from "../core/time.ts";
import type { StepContext } from "../network/types.ts";
import { refractorySteps, setRefractoryCounter } from "./refractory.ts";
import {
  PER_NEURON_PARAMETERS,
  PopulationBase,
  fillInitial,
  perNeuron,
  buildPerNeuron,
  refusePerNeuron,
  requireNeuronDt,
  requireNoExtraArguments,
} from "./base.ts";
import type { PerNeuronOptions, PerNeuronParams, PerNeuronValue, ReadonlyFloat64Array } from "./base.ts";

export type ResetMode = "to-value" | "subtract";

export interface LifParams {
  /** Membrane time constant. Default 10 ms. */
  readonly tauMem_ms: number;
  /** Resting (leak reversal) potential. Default -65 mV. */
  readonly vRest_mV: number;
  /** Reset potential used by the "to-value" reset. Default -65 mV. */
  readonly vReset_mV: number;
  /** Spike threshold (spike when v >= threshold). Default -52 mV. */
  readonly vThreshold_mV: number;
  /** Refractory period; must be a whole number of steps. Default 2 ms. */
  readonly tRef_ms: number;
  /** Membrane resistance for the "i_nA" port. Default 1 MOhm (so 1 nA drives 1 mV). */
  readonly resistance_MOhm: number;
  /** What happens to v at a spike. Default "to-value". */
  readonly reset: ResetMode;
  /** Initial (and after-`reset()`) membrane potential: one value, or one per neuron. Default: v_rest. */
  readonly vInit_mV?: PerNeuronValue;
}

export const LIF_DEFAULTS: Readonly<LifParams> = Object.freeze({
  tauMem_ms: 10,
  vRest_mV: -65,
  vReset_mV: -65,
  vThreshold_mV: -52,
  tRef_ms: 2,
  resistance_MOhm: 1,
  reset: "to-value" as ResetMode,
});

/** The LIF parameters that `LIF` takes once per neuron as well (`LifOptions`). */
export const LIF_PER_NEURON_KEYS = PER_NEURON_PARAMETERS.LIF.keys;
type PerNeuronKey = (typeof LIF_PER_NEURON_KEYS)[number];

/**
 * What `new LIF` takes: `LifParams`, where tau_m, the rest, reset and threshold potentials and the resistance
 * may also be one value per neuron (a heterogeneous population, as Brian2's per-neuron `G.tau = ...`).
 */
export type LifOptions = PerNeuronOptions<LifParams, PerNeuronKey>;

/** A LIF's `params`: a parameter given per neuron is kept as a frozen array of numbers. */
export type LifStoredParams = PerNeuronParams<LifParams, PerNeuronKey>;

/** Per-neuron step constants of a LIF with per-neuron parameters (one entry per neuron). */
export interface LifPerNeuronDerived {
  readonly decay: ReadonlyFloat64Array;
  readonly currentGain: ReadonlyFloat64Array;
  readonly vRest_mV: ReadonlyFloat64Array;
  readonly vThreshold_mV: ReadonlyFloat64Array;
  readonly vReset_mV: ReadonlyFloat64Array;
  readonly resetDrop_mV: ReadonlyFloat64Array;
}

/**
 * The per-neuron constants of `p` for `size` neurons, each parameter checked as `deriveLif` checks it (an
 * entry named `tauMem_ms[i]` in its error), and each neuron's reset below its threshold.
 */
export function deriveLifPerNeuron(p: LifOptions, dt_ms: number, size: number): LifPerNeuronDerived {
  requireNeuronDt(dt_ms);
  requireResetMode(p.reset);
  const tau = perNeuron("tauMem_ms", p.tauMem_ms, size, requirePositive);
  const rest = perNeuron("vRest_mV", p.vRest_mV, size, requireFloat32);
  const thresholdReset = thresholdResetPerNeuron(p, size);
  const R = perNeuron("resistance_MOhm", p.resistance_MOhm, size, (name, x) =>
    requireFloat32Factor(name, requirePositive(name, x)),
  );
  let shortest = Infinity;
  for (const t of tau) shortest = Math.min(shortest, t);
  warnIfShorterThanStep("tauMem_ms", shortest, dt_ms);
  const decay = tau.map((t) => decayPerStep(t, dt_ms));
  return {
    decay,
    currentGain: decay.map((d, i) => (1 - d) * R[i]),
    vRest_mV: rest,
    ...thresholdReset,
  };
}

/** Throws unless `reset` is "to-value" or "subtract". */
function requireResetMode(reset: unknown): void {
  if (reset !== "to-value" && reset !== "subtract") {
    throw new InvalidParameterError(`reset must be "to-value" or "subtract", got ${JSON.stringify(reset)}`);
  }
}

/** Each neuron's threshold, reset and reset drop (v_th - v_reset), one entry per neuron. */
export interface ThresholdResetPerNeuron {
  readonly vThreshold_mV: ReadonlyFloat64Array;
  readonly vReset_mV: ReadonlyFloat64Array;
  readonly resetDrop_mV: ReadonlyFloat64Array;
}

/**
 * `requireThresholdReset` for a population of `size` neurons whose threshold or reset may be one per neuron:
 * each entry within float32 (named `vReset_mV[i]` in its error), each neuron's reset below its threshold
 * (the error names the neuron), and with "subtract" each neuron's drop within float32. A threshold and a reset
 * given once keep the population-wide message. The reset mode is checked when `p` has one.
 */
export function thresholdResetPerNeuron(
  p: {
    readonly vThreshold_mV: PerNeuronValue;
    readonly vReset_mV: PerNeuronValue;
    readonly vInit_mV?: PerNeuronValue;
    readonly reset?: ResetMode;
  },
  size: number,
): ThresholdResetPerNeuron {
  if ("reset" in p) requireResetMode(p.reset);
  const reset = perNeuron("vReset_mV", p.vReset_mV, size, requireFloat32);
  const threshold = perNeuron("vThreshold_mV", p.vThreshold_mV, size, requireFloat32);
  // a reset and threshold given once: the population-wide message
  if (typeof p.vReset_mV === "number" && typeof p.vThreshold_mV === "number")
    requireThresholdReset(p as { vThreshold_mV: number; vReset_mV: number });
  const drop = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    if (reset[i] >= threshold[i]) {
      throw new InvalidParameterError(
        `neuron ${i}: vReset_mV (${reset[i]}) must be below vThreshold_mV (${threshold[i]}), or every step would spike`,
        { neuron: i, vReset_mV: reset[i], vThreshold_mV: threshold[i] },
      );
    }
    drop[i] = threshold[i] - reset[i];
    if (p.reset === "subtract") requireFloat32Factor(`vThreshold_mV - vReset_mV of neuron ${i}`, drop[i]);
  }
  return { vThreshold_mV: threshold, vReset_mV: reset, resetDrop_mV: drop };
}

/** Per-step constants derived from the parameters and dt (pure). */
export interface LifDerived {
  readonly decay: number;
  readonly currentGain: number;
  readonly refSteps: number;
  readonly resetDrop_mV: number;
}

/**
 * The checks every threshold-and-reset neuron makes of its voltages: vThreshold_mV, vReset_mV and (when given)
 * vInit_mV finite and within float32 (the membrane potential is a Float32Array: 1e39 would be stored as
 * Infinity), the reset mode (when the model has one) "to-value" or "subtract", vReset_mV below vThreshold_mV
 * (else a neuron reset to vReset_mV would cross the threshold again in every step), and for "subtract" the
 * drop vThreshold_mV - vReset_mV within float32 too.
 */
export function requireThresholdReset(p: {
  readonly vThreshold_mV: number;
  readonly vReset_mV: number;
  readonly vInit_mV?: PerNeuronValue;
  readonly reset?: ResetMode;
}): void {
  requireFloat32("vThreshold_mV", p.vThreshold_mV);
  requireFloat32("vReset_mV", p.vReset_mV);
  // one number is checked here; one per neuron when the population knows its size (initialVoltage)
  if (typeof p.vInit_mV === "number") requireFloat32("vInit_mV", p.vInit_mV);
  if ("reset" in p) requireResetMode(p.reset);
  if (p.vReset_mV >= p.vThreshold_mV) {
    throw new InvalidParameterError(
      `vReset_mV (${p.vReset_mV}) must be below vThreshold_mV (${p.vThreshold_mV}), or every step would spike`,
    );
  }
  if (p.reset === "subtract")
    requireFloat32Factor("vThreshold_mV - vReset_mV", p.vThreshold_mV - p.vReset_mV);
}

/**
 * `derived` of a LIF-like population with per-neuron values (LIF, AdaptiveLIF, CubaLIF): its refractory steps,
 * and NaN for the constants that are not one neuron's (they are in its `perNeuronDerived`).
 */
export function lifPlaceholderDerived(tRef_ms: number, dt_ms: number): LifDerived {
  return { decay: NaN, currentGain: NaN, refSteps: refractorySteps(tRef_ms, dt_ms), resetDrop_mV: NaN };
}

export function deriveLif(p: LifParams, dt_ms: number): LifDerived {
  requireNeuronDt(dt_ms);
  requirePositive("tauMem_ms", p.tauMem_ms);
  requireFloat32("vRest_mV", p.vRest_mV);
  requireFloat32Factor("resistance_MOhm", requirePositive("resistance_MOhm", p.resistance_MOhm));
  requireThresholdReset(p);
  warnIfShorterThanStep("tauMem_ms", p.tauMem_ms, dt_ms);
  const decay = decayPerStep(p.tauMem_ms, dt_ms);
  return {
    decay,
    currentGain: (1 - decay) * p.resistance_MOhm,
    refSteps: refractorySteps(p.tRef_ms, dt_ms),
    resetDrop_mV: p.vThreshold_mV - p.vReset_mV,
  };
}

export class LIF extends PopulationBase {
  readonly model = "lif";
  /** The parameters, per-neuron ones as frozen arrays (`LifStoredParams`). */
  readonly params: LifStoredParams;
  /**
   * The step constants; with per-neuron parameters its decay, currentGain and resetDrop_mV are NaN and the
   * constants are in `perNeuronDerived`.
   */
  readonly derived: LifDerived;
  /** One entry per neuron when a parameter was given per neuron (LIF_PER_NEURON_KEYS); else undefined. */
  readonly perNeuronDerived: LifPerNeuronDerived | undefined;
  readonly dt_ms: number;
  /** The initial membrane potential (`vInit_mV`), one value or one per neuron; `reset()` restores it. */
  private readonly vInit: number | Float32Array;
  /** Membrane potential in mV. */
  readonly v_mV: Float32Array;
  /** Steps of refractoriness left (see docs/conventions.md). */
  readonly refractoryLeft: Int32Array;

  constructor(size: number, dt_ms: number, params: Partial<LifOptions> = {}, ...extra: never[]) {
    requireNoExtraArguments("LIF", "size, dt_ms, params", extra);
    super(size, ["dv_mV", "i_nA"]);
    const given: LifOptions = withDefaults("LIF params", LIF_DEFAULTS as LifOptions, params, ["vInit_mV"]);
    refusePerNeuron("LIF", given, ["tRef_ms"]);
    // a list of equal values is that one value (so [1, 1, 1] and 1 build, save and compare alike); the
    // initial voltage defaults to the rest, per neuron when the rest is given per neuron
    const built = buildPerNeuron(given, LIF_PER_NEURON_KEYS, size, "vRest_mV", {
      uniform: (p) => deriveLif(p as LifParams, dt_ms),
      each: (p) => deriveLifPerNeuron(p, dt_ms, size),
      placeholder: (p) => lifPlaceholderDerived(p.tRef_ms, dt_ms),
    });
    this.dt_ms = dt_ms;
    this.params = built.params as LifStoredParams;
    warnIfSiUnits("LIF", this.params);
    this.derived = built.derived;
    this.perNeuronDerived = built.perNeuronDerived;
    this.vInit = built.vInit;
    this.v_mV = this.addState("v_mV", this.vInit);
    this.refractoryLeft = new Int32Array(size);
  }

  /**
   * Makes neuron i refractory for the next `steps` steps (0 releases it): v keeps its present value and the
   * inputs are discarded, as after a spike. The same as writing `refractoryLeft[i] = steps + 1`: the counter
   * is decremented before each step's test (docs/conventions.md).
   */
  setRefractory(i: number, steps: number): void {
    setRefractoryCounter(this.refractoryLeft, i, steps);
  }

  step(_ctx: StepContext): void {
    if (this.perNeuronDerived !== undefined) {
      this.stepPerNeuron(this.perNeuronDerived);
      return;
    }
    const { decay, currentGain, refSteps, resetDrop_mV } = this.derived;
    const { vRest_mV, vThreshold_mV, vReset_mV } = this.params as LifParams;
    const subtract = this.params.reset === "subtract";
    const v = this.v_mV;
    const ref = this.refractoryLeft;
    const dv = this.portAt(0);
    const cur = this.portAt(1);
    // a current port nobody ever wrote into is all zeros: skip reading and clearing it
    const useCur = this.portEverRequested(1);
    this.beginSpikes();
    for (let i = 0; i < this.size; i++) {
      // refractory: input is discarded
      if (ref[i] > 0 && --ref[i] > 0) {
        dv[i] = 0;
        if (useCur) cur[i] = 0;
        continue;
      }

      // integrate (exact over the step)
      let vi = vRest_mV + (v[i] - vRest_mV) * decay + dv[i];
      dv[i] = 0;
      if (useCur) {
        vi += currentGain * cur[i];
        cur[i] = 0;
      }

      // threshold and reset
      if (vi >= vThreshold_mV) {
        this.pushSpike(i);
        vi = subtract ? vi - resetDrop_mV : vReset_mV;
        ref[i] = refSteps;
      }
      v[i] = vi;
    }
  }

  /** The same step with each neuron's own constants. */
  private stepPerNeuron(d: LifPerNeuronDerived): void {
    const { decay, currentGain, vRest_mV, vThreshold_mV, vReset_mV, resetDrop_mV } = d;
    const refSteps = this.derived.refSteps;
    const subtract = this.params.reset === "subtract";
    const v = this.v_mV;
    const ref = this.refractoryLeft;
    const dv = this.portAt(0);
    const cur = this.portAt(1);
    const useCur = this.portEverRequested(1);
    this.beginSpikes();
    for (let i = 0; i < this.size; i++) {
      if (ref[i] > 0 && --ref[i] > 0) {
        dv[i] = 0;
        if (useCur) cur[i] = 0;
        continue;
      }
      const rest = vRest_mV[i];
      let vi = rest + (v[i] - rest) * decay[i] + dv[i];
      dv[i] = 0;
      if (useCur) {
        vi += currentGain[i] * cur[i];
        cur[i] = 0;
      }
      if (vi >= vThreshold_mV[i]) {
        this.pushSpike(i);
        vi = subtract ? vi - resetDrop_mV[i] : vReset_mV[i];
        ref[i] = refSteps;
      }
      v[i] = vi;
    }
  }

  override reset(): void {
    super.reset();
    fillInitial(this.v_mV, this.vInit);
    this.refractoryLeft.fill(0);
  }
}
