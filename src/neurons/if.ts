/**
 * Integrate-and-fire neuron (perfect integrator, no leak).
 * Source: Lapicque's integrator as in Gerstner, Kistler, Naud & Paninski, Neuronal Dynamics (2014), section
 * 1.3 with tau_m -> infinity; the NIR `IF` primitive (dv/dt = R i); docs/models/if.md.
 *
 *   C dv/dt = i(t)
 *   spike when v >= v_th; then reset ("to-value": v <- v_reset, "subtract": v <- v - (v_th - v_reset))
 *   refractory for R_steps = t_ref / dt steps (docs/conventions.md)
 *
 * Discretisation: exact for i held constant over the step (the ODE has no state dependence):
 *   v <- v + i dt / C + dv            (nA x ms / nF = mV)
 * Two input ports:
 *   "dv_mV" (default): an instantaneous voltage jump in mV;
 *   "i_nA":            a current in nA held over the step.
 * The NIR form v[t+1] = v[t] + r i[t] is the "dv_mV" port with dv = r i, or "i_nA" with dt / C = r.
 * Defaults are the normalised units of NIR and of ANN-to-SNN conversion: threshold 1, reset 0, start 0.
 * While refractory the neuron is held at its reset value and both ports are discarded.
 */
import { requireFloat32Factor, requirePositive } from "../core/errors.ts";
import { warnIfSiUnits } from "../core/units.ts";
import { withDefaults } from "../core/options.ts";
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
import { type ResetMode, requireThresholdReset, thresholdResetPerNeuron } from "./lif.ts";

export interface IfParams {
  /** Membrane capacitance for the "i_nA" port. Default 1 nF (1 nA for 1 ms raises v by 1 mV). */
  readonly capacitance_nF: number;
  /** Reset potential used by the "to-value" reset. Default 0 mV (normalised units, NIR IF). */
  readonly vReset_mV: number;
  /** Spike threshold (spike when v >= threshold). Default 1 mV (normalised units, NIR IF). */
  readonly vThreshold_mV: number;
  /** Refractory period; must be a whole number of steps. Default 0 ms. */
  readonly tRef_ms: number;
  /** What happens to v at a spike. Default "to-value" (NIR IF). */
  readonly reset: ResetMode;
  /** Initial (and after-`reset()`) membrane potential: one value, or one per neuron. Default: v_reset. */
  readonly vInit_mV?: PerNeuronValue;
}

export const IF_DEFAULTS: Readonly<IfParams> = Object.freeze({
  capacitance_nF: 1,
  vReset_mV: 0,
  vThreshold_mV: 1,
  tRef_ms: 0,
  reset: "to-value" as ResetMode,
});

/** The IF parameters that `IF` takes once per neuron as well (`IfOptions`). */
export const IF_PER_NEURON_KEYS = PER_NEURON_PARAMETERS.IF.keys;
type PerNeuronKey = (typeof IF_PER_NEURON_KEYS)[number];

/**
 * What `new IF` takes: `IfParams`, where the capacitance, reset and threshold may also be one value per neuron
 * (NIR's IF gives r, v_reset and v_threshold as per-neuron tensors).
 */
export type IfOptions = PerNeuronOptions<IfParams, PerNeuronKey>;

/** An IF's `params`: a parameter given per neuron is kept as a frozen array of numbers. */
export type IfStoredParams = PerNeuronParams<IfParams, PerNeuronKey>;

/** Per-step constants derived from the parameters and dt (pure). */
export interface IfDerived {
  /** dt / C: mV per nA held over one step. */
  readonly currentGain: number;
  readonly refSteps: number;
  readonly resetDrop_mV: number;
}

export function deriveIf(p: IfParams, dt_ms: number): IfDerived {
  requireNeuronDt(dt_ms);
  requirePositive("capacitance_nF", p.capacitance_nF);
  requireThresholdReset(p);
  return {
    // a tiny capacitance makes the gain itself overflow float32 (dt / 1e-39 nF)
    currentGain: requireFloat32Factor("dt_ms / capacitance_nF", dt_ms / p.capacitance_nF),
    refSteps: refractorySteps(p.tRef_ms, dt_ms),
    resetDrop_mV: p.vThreshold_mV - p.vReset_mV,
  };
}

/** Per-neuron step constants of an IF with per-neuron parameters (one entry per neuron). */
export interface IfPerNeuronDerived {
  /** dt / C_i: mV per nA held over one step. */
  readonly currentGain: ReadonlyFloat64Array;
  readonly vThreshold_mV: ReadonlyFloat64Array;
  readonly vReset_mV: ReadonlyFloat64Array;
  readonly resetDrop_mV: ReadonlyFloat64Array;
}

/**
 * The per-neuron constants of `p` for `size` neurons, each parameter checked as `deriveIf` checks it (an
 * entry named `capacitance_nF[i]` in its error), each neuron's reset below its threshold.
 */
export function deriveIfPerNeuron(p: IfOptions, dt_ms: number, size: number): IfPerNeuronDerived {
  requireNeuronDt(dt_ms);
  const currentGain = perNeuron("capacitance_nF", p.capacitance_nF, size, (name, C) =>
    requireFloat32Factor(`dt_ms / ${name}`, dt_ms / requirePositive(name, C)),
  );
  return { currentGain, ...thresholdResetPerNeuron(p, size) };
}

export class IF extends PopulationBase {
  readonly model = "if";
  /** The parameters, per-neuron ones as frozen arrays (`IfStoredParams`). */
  readonly params: IfStoredParams;
  /** The step constants; with per-neuron parameters its currentGain and resetDrop_mV are NaN. */
  readonly derived: IfDerived;
  /** One entry per neuron when a parameter was given per neuron (IF_PER_NEURON_KEYS); else undefined. */
  readonly perNeuronDerived: IfPerNeuronDerived | undefined;
  readonly dt_ms: number;
  /** The initial membrane potential (`vInit_mV`), one value or one per neuron; `reset()` restores it. */
  private readonly vInit: number | Float32Array;
  /** Membrane potential in mV. */
  readonly v_mV: Float32Array;
  /** Steps of refractoriness left (see docs/conventions.md). */
  readonly refractoryLeft: Int32Array;

  constructor(size: number, dt_ms: number, params: Partial<IfOptions> = {}, ...extra: never[]) {
    requireNoExtraArguments("IF", "size, dt_ms, params", extra);
    super(size, ["dv_mV", "i_nA"]);
    const given = withDefaults("IF params", IF_DEFAULTS as IfOptions, params, ["vInit_mV"]);
    refusePerNeuron("IF", given, ["tRef_ms"]);
    // a list of equal values is that one value (so [1, 1, 1] and 1 build, save and compare alike); the
    // initial voltage defaults to the reset, per neuron when the reset is given per neuron
    const built = buildPerNeuron(given, IF_PER_NEURON_KEYS, size, "vReset_mV", {
      uniform: (p) => deriveIf(p as IfParams, dt_ms),
      each: (p) => deriveIfPerNeuron(p, dt_ms, size),
      placeholder: (p) => ({
        currentGain: NaN,
        refSteps: refractorySteps(p.tRef_ms, dt_ms),
        resetDrop_mV: NaN,
      }),
    });
    this.dt_ms = dt_ms;
    this.params = built.params as IfStoredParams;
    warnIfSiUnits("IF", this.params);
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
    const { currentGain, refSteps, resetDrop_mV } = this.derived;
    const { vThreshold_mV, vReset_mV } = this.params as IfParams;
    const subtract = this.params.reset === "subtract";
    const v = this.v_mV;
    const ref = this.refractoryLeft;
    const dv = this.portAt(0);
    const cur = this.portAt(1);
    this.beginSpikes();
    for (let i = 0; i < this.size; i++) {
      // refractory: input is discarded
      if (ref[i] > 0 && --ref[i] > 0) {
        dv[i] = 0;
        cur[i] = 0;
        continue;
      }

      // integrate
      let vi = v[i] + currentGain * cur[i] + dv[i];
      dv[i] = 0;
      cur[i] = 0;

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
  private stepPerNeuron(d: IfPerNeuronDerived): void {
    const { currentGain, vThreshold_mV, vReset_mV, resetDrop_mV } = d;
    const refSteps = this.derived.refSteps;
    const subtract = this.params.reset === "subtract";
    const v = this.v_mV;
    const ref = this.refractoryLeft;
    const dv = this.portAt(0);
    const cur = this.portAt(1);
    this.beginSpikes();
    for (let i = 0; i < this.size; i++) {
      if (ref[i] > 0 && --ref[i] > 0) {
        dv[i] = 0;
        cur[i] = 0;
        continue;
      }
      let vi = v[i] + currentGain[i] * cur[i] + dv[i];
      dv[i] = 0;
      cur[i] = 0;
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
