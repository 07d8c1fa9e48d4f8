/**
 * Leaky integrator: a LIF membrane without threshold, the NIR `LI` primitive (the NIR
 * documentation); docs/models/li.md. It never spikes; its output is the state v.
 *
 *   tau dv/dt = (v_rest - v) + R i(t)
 *
 * Discretisation (`method`, see first-order.ts), i held constant over the step:
 *   v <- v_rest + (v - v_rest) decay + gain R i
 *   "exact": decay = e^(-dt/tau), gain = 1 - decay;   "euler": decay = 1 - dt/tau, gain = dt/tau
 * One input port, "i_nA": a current in nA held over the step (R in MOhm, so R i is in mV).
 * The defaults are NIR's normalised units: v_rest 0, R 1.
 */
import { requireFloat32, requireFloat32Factor, requirePositive } from "../core/errors.ts";
import { withDefaults } from "../core/options.ts";
import type { StepContext } from "../network/types.ts";
import { PopulationBase, requireNoExtraArguments } from "./base.ts";
import { firstOrderFactors, requireMethod } from "./first-order.ts";
import type { IntegrationMethod } from "./first-order.ts";

export interface LiParams {
  /** Membrane time constant. Default 10 ms. */
  readonly tauMem_ms: number;
  /** Leak (resting) potential. Default 0 mV (normalised units, NIR LI). */
  readonly vRest_mV: number;
  /** Resistance that turns the "i_nA" current into mV. Default 1 MOhm. */
  readonly resistance_MOhm: number;
  /** Discretisation. Default "exact". */
  readonly method: IntegrationMethod;
  /** Initial membrane potential. Default: v_rest. */
  readonly vInit_mV?: number;
}

export const LI_DEFAULTS: Readonly<LiParams> = Object.freeze({
  tauMem_ms: 10,
  vRest_mV: 0,
  resistance_MOhm: 1,
  method: "exact" as IntegrationMethod,
});

/** Per-step constants derived from the parameters and dt (pure). */
export interface LiDerived {
  /** Weight of the previous v - v_rest. */
  readonly decay: number;
  /** mV added per nA held over one step. */
  readonly currentGain: number;
}

export function deriveLi(p: LiParams, dt_ms: number): LiDerived {
  requireMethod(p.method);
  requireFloat32("vRest_mV", p.vRest_mV);
  requireFloat32Factor("resistance_MOhm", requirePositive("resistance_MOhm", p.resistance_MOhm));
  if (p.vInit_mV !== undefined) requireFloat32("vInit_mV", p.vInit_mV);
  const f = firstOrderFactors(p.tauMem_ms, dt_ms, p.method, "tauMem_ms");
  return { decay: f.decay, currentGain: f.gain * p.resistance_MOhm };
}

export class LI extends PopulationBase {
  readonly model = "li";
  readonly params: Readonly<LiParams>;
  readonly derived: LiDerived;
  readonly dt_ms: number;
  /** Membrane potential in mV. */
  readonly v_mV: Float32Array;

  constructor(size: number, dt_ms: number, params: Partial<LiParams> = {}, ...extra: never[]) {
    requireNoExtraArguments("LI", "size, dt_ms, params", extra);
    super(size, ["i_nA"]);
    this.params = Object.freeze(withDefaults("LI params", LI_DEFAULTS, params, ["vInit_mV"]));
    this.dt_ms = dt_ms;
    this.derived = deriveLi(this.params, dt_ms);
    this.v_mV = this.addState("v_mV", this.params.vInit_mV ?? this.params.vRest_mV);
  }

  step(_ctx: StepContext): void {
    const { decay, currentGain } = this.derived;
    const vRest = this.params.vRest_mV;
    const v = this.v_mV;
    const cur = this.portAt(0);
    this.beginSpikes();
    if (!this.portEverRequested(0)) {
      for (let i = 0; i < this.size; i++) v[i] = vRest + (v[i] - vRest) * decay;
      return;
    }
    for (let i = 0; i < this.size; i++) {
      v[i] = vRest + (v[i] - vRest) * decay + currentGain * cur[i];
      cur[i] = 0;
    }
  }

  override reset(): void {
    super.reset();
    this.v_mV.fill(this.params.vInit_mV ?? this.params.vRest_mV);
  }
}
