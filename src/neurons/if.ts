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
import { withDefaults } from "../core/options.ts";
import type { StepContext } from "../network/types.ts";
import { refractorySteps, setRefractoryCounter } from "./refractory.ts";
import {
  PopulationBase,
  fillInitial,
  initialVoltage,
  keepInitialVoltage,
  requireNeuronDt,
  requireNoExtraArguments,
} from "./base.ts";
import type { PerNeuronValue } from "./base.ts";
import { type ResetMode, requireThresholdReset } from "./lif.ts";

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

export class IF extends PopulationBase {
  readonly model = "if";
  readonly params: Readonly<IfParams>;
  readonly derived: IfDerived;
  readonly dt_ms: number;
  /** The initial membrane potential (`vInit_mV`), one value or one per neuron; `reset()` restores it. */
  private readonly vInit: number | Float32Array;
  /** Membrane potential in mV. */
  readonly v_mV: Float32Array;
  /** Steps of refractoriness left (see docs/conventions.md). */
  readonly refractoryLeft: Int32Array;

  constructor(size: number, dt_ms: number, params: Partial<IfParams> = {}, ...extra: never[]) {
    requireNoExtraArguments("IF", "size, dt_ms, params", extra);
    super(size, ["dv_mV", "i_nA"]);
    this.params = Object.freeze(withDefaults("IF params", IF_DEFAULTS, params, ["vInit_mV"]));
    this.dt_ms = dt_ms;
    this.derived = deriveIf(this.params, dt_ms);
    this.vInit = initialVoltage(this.params.vInit_mV, this.params.vReset_mV, size);
    this.params = keepInitialVoltage(this.params, this.vInit);
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
    const { currentGain, refSteps, resetDrop_mV } = this.derived;
    const { vThreshold_mV, vReset_mV } = this.params;
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

  override reset(): void {
    super.reset();
    fillInitial(this.v_mV, this.vInit);
    this.refractoryLeft.fill(0);
  }
}
