/**
 * Perfect integrator without threshold: the NIR `I` primitive (dv/dt = R i; the NIR
 * documentation); docs/models/integrator.md. It never spikes; its output is the state v.
 *
 *   C dv/dt = i(t)
 *
 * Discretisation: exact for i held constant over the step (the right-hand side does not depend on v):
 *   v <- v + (dt / C) i                  (nA x ms / nF = mV)
 * One input port, "i_nA". NIR's per-step form v[t+1] = v[t] + r i[t] is C = dt / r; the continuous form
 * dv/dt = r i with t in seconds is C = 1000 / r (per ms). The defaults are NIR's normalised units.
 */
import { requireFloat32, requireFloat32Factor, requirePositive } from "../core/errors.ts";
import { warnIfSiUnits } from "../core/units.ts";
import { withDefaults } from "../core/options.ts";
import type { StepContext } from "../network/types.ts";
import { PopulationBase, requireNeuronDt, requireNoExtraArguments } from "./base.ts";

export interface IntegratorParams {
  /** Capacitance; dt / C is the mV added per nA held over one step. Default 1 nF. */
  readonly capacitance_nF: number;
  /** Initial value. Default 0 mV. */
  readonly vInit_mV: number;
}

export const INTEGRATOR_DEFAULTS: Readonly<IntegratorParams> = Object.freeze({
  capacitance_nF: 1,
  vInit_mV: 0,
});

/** Per-step constants derived from the parameters and dt (pure). */
export interface IntegratorDerived {
  /** dt / C: mV per nA held over one step. */
  readonly currentGain: number;
}

export function deriveIntegrator(p: IntegratorParams, dt_ms: number): IntegratorDerived {
  requireNeuronDt(dt_ms);
  requirePositive("capacitance_nF", p.capacitance_nF);
  requireFloat32("vInit_mV", p.vInit_mV);
  return { currentGain: requireFloat32Factor("dt_ms / capacitance_nF", dt_ms / p.capacitance_nF) };
}

export class Integrator extends PopulationBase {
  readonly model = "integrator";
  readonly params: Readonly<IntegratorParams>;
  readonly derived: IntegratorDerived;
  readonly dt_ms: number;
  /** Integrated value in mV. */
  readonly v_mV: Float32Array;

  constructor(size: number, dt_ms: number, params: Partial<IntegratorParams> = {}, ...extra: never[]) {
    requireNoExtraArguments("Integrator", "size, dt_ms, params", extra);
    super(size, ["i_nA"]);
    this.params = Object.freeze(withDefaults("Integrator params", INTEGRATOR_DEFAULTS, params));
    warnIfSiUnits("Integrator", this.params);
    this.dt_ms = dt_ms;
    this.derived = deriveIntegrator(this.params, dt_ms);
    this.v_mV = this.addState("v_mV", this.params.vInit_mV);
  }

  step(_ctx: StepContext): void {
    const gain = this.derived.currentGain;
    const v = this.v_mV;
    const cur = this.portAt(0);
    this.beginSpikes();
    if (!this.portEverRequested(0)) return;
    for (let i = 0; i < this.size; i++) {
      v[i] += gain * cur[i];
      cur[i] = 0;
    }
  }

  override reset(): void {
    super.reset();
    this.v_mV.fill(this.params.vInit_mV);
  }
}
