/**
 * LIF neuron driven through one first-order synaptic current: the NIR `CubaLIF` primitive and snnTorch's
 * `Synaptic` (the NIR documentation); docs/models/synaptic-lif.md.
 *
 *   tau_syn dI/dt = -I + w_in x(t)
 *   tau_mem dv/dt = (v_rest - v) + R I
 *   spike when v >= v_th; then reset ("to-value": v <- v_reset, "subtract": v <- v - (v_th - v_reset))
 *
 * x is the input at port "i_nA", held constant over the step (a spike is x = 1 for one step, as in the
 * discrete frameworks). Discretisation (`method`), with I and v the values at the start of the step:
 *   "euler" (the NIR paper's reference CubaLIF, paper/03_rnn/extras/debug_CubaLIF/nir_reference_impl.py):
 *       I' = I + (dt/tau_syn) (w_in x - I)
 *       v' = v + (dt/tau_mem) (v_rest - v + R I)          (the current of the previous step drives v)
 *   "exact" (zero-order hold on x; the exact solution of the linear pair over the step):
 *       D_s = e^(-dt/tau_syn), D_m = e^(-dt/tau_mem), k = tau_syn / (tau_syn - tau_mem) (D_s - D_m)
 *       I' = D_s I + (1 - D_s) w_in x
 *       v' = v_rest + D_m (v - v_rest) + R k I + R w_in (1 - D_m - k) x
 *     k is evaluated as D_m (dt/tau_mem) expm1(y)/y, y = dt (tau_syn - tau_mem) / (tau_mem tau_syn), which has
 *     no cancellation when the two time constants are close (as in cuba-lif.ts).
 * Both forms are  I' = aS I + bS x,  v' = v_rest + aM (v - v_rest) + gI I + gX x  with the constants of
 * `deriveSynapticLif`; the threshold test and reset follow the update, in the same step.
 *
 * How this differs from `CubaLIF` (cuba-lif.ts): there a weight arriving at a synapse port is an impulse that
 * jumps I by w after the step's decay; here the input is a current x held over the step and filtered by the
 * synapse with gain w_in, which is NIR's definition. The defaults are NIR's normalised units.
 */
// Limitation: no refractory period, because NIR's CubaLIF has none; use CubaLIF for a refractory neuron.
import { requireFloat32, requireFloat32Factor, requirePositive } from "../core/errors.ts";
import { withDefaults } from "../core/options.ts";
import type { StepContext } from "../network/types.ts";
import {
  PopulationBase,
  fillInitial,
  initialVoltage,
  keepInitialVoltage,
  requireNeuronDt,
  requireNoExtraArguments,
} from "./base.ts";
import type { PerNeuronValue } from "./base.ts";
import { firstOrderFactors, requireMethod } from "./first-order.ts";
import type { IntegrationMethod } from "./first-order.ts";
import { type ResetMode, requireThresholdReset } from "./lif.ts";

export interface SynapticLifParams {
  /** Synaptic time constant. Default 5 ms. */
  readonly tauSyn_ms: number;
  /** Membrane time constant. Default 10 ms. */
  readonly tauMem_ms: number;
  /** Leak (resting) potential. Default 0 mV (normalised units, NIR CubaLIF). */
  readonly vRest_mV: number;
  /** Reset potential used by the "to-value" reset. Default 0 mV. */
  readonly vReset_mV: number;
  /** Spike threshold (spike when v >= threshold). Default 1 mV. */
  readonly vThreshold_mV: number;
  /** Resistance that turns the synaptic current into mV. Default 1 MOhm. */
  readonly resistance_MOhm: number;
  /** Gain of the input onto the synaptic current (NIR's w_in), dimensionless. Default 1. */
  readonly wIn: number;
  /** What happens to v at a spike. Default "to-value" (NIR). */
  readonly reset: ResetMode;
  /** Discretisation. Default "exact". */
  readonly method: IntegrationMethod;
  /** Initial membrane potential, one value or one per neuron. Default: v_rest (the current starts at 0). */
  readonly vInit_mV?: PerNeuronValue;
}

export const SYNAPTIC_LIF_DEFAULTS: Readonly<SynapticLifParams> = Object.freeze({
  tauSyn_ms: 5,
  tauMem_ms: 10,
  vRest_mV: 0,
  vReset_mV: 0,
  vThreshold_mV: 1,
  resistance_MOhm: 1,
  wIn: 1,
  reset: "to-value" as ResetMode,
  method: "exact" as IntegrationMethod,
});

/** Per-step constants of  I' = aS I + bS x,  v' = v_rest + aM (v - v_rest) + gI I + gX x  (pure). */
export interface SynapticLifDerived {
  readonly aS: number;
  readonly bS: number;
  readonly aM: number;
  readonly gI: number;
  readonly gX: number;
  readonly resetDrop_mV: number;
}

export function deriveSynapticLif(p: SynapticLifParams, dt_ms: number): SynapticLifDerived {
  requireNeuronDt(dt_ms);
  const method = requireMethod(p.method);
  requireFloat32("vRest_mV", p.vRest_mV);
  requireFloat32Factor("wIn", p.wIn);
  requireFloat32Factor("resistance_MOhm", requirePositive("resistance_MOhm", p.resistance_MOhm));
  // both in range, their product (the input's gain onto v) can still overflow
  requireFloat32Factor("resistance_MOhm * wIn", p.resistance_MOhm * p.wIn);
  requireThresholdReset(p);
  const syn = firstOrderFactors(p.tauSyn_ms, dt_ms, method, "tauSyn_ms");
  const mem = firstOrderFactors(p.tauMem_ms, dt_ms, method, "tauMem_ms");
  const R = p.resistance_MOhm;
  const resetDrop_mV = p.vThreshold_mV - p.vReset_mV;
  if (method === "euler") {
    return { aS: syn.decay, bS: syn.gain * p.wIn, aM: mem.decay, gI: mem.gain * R, gX: 0, resetDrop_mV };
  }
  const tS = p.tauSyn_ms;
  const tM = p.tauMem_ms;
  const y = (dt_ms * (tS - tM)) / (tM * tS);
  const k = mem.decay * (dt_ms / tM) * (y === 0 ? 1 : Math.expm1(y) / y);
  return {
    aS: syn.decay,
    bS: syn.gain * p.wIn,
    aM: mem.decay,
    gI: R * k,
    gX: R * p.wIn * (mem.gain - k),
    resetDrop_mV,
  };
}

export class SynapticLIF extends PopulationBase {
  readonly model = "synaptic-lif";
  readonly params: Readonly<SynapticLifParams>;
  readonly derived: SynapticLifDerived;
  readonly dt_ms: number;
  /** The initial membrane potential (`vInit_mV`), one value or one per neuron; `reset()` restores it. */
  private readonly vInit: number | Float32Array;
  /** Membrane potential in mV. */
  readonly v_mV: Float32Array;
  /** Synaptic current in nA. */
  readonly iSyn_nA: Float32Array;

  constructor(size: number, dt_ms: number, params: Partial<SynapticLifParams> = {}, ...extra: never[]) {
    requireNoExtraArguments("SynapticLIF", "size, dt_ms, params", extra);
    super(size, ["i_nA"]);
    this.params = Object.freeze(
      withDefaults("SynapticLIF params", SYNAPTIC_LIF_DEFAULTS, params, ["vInit_mV"]),
    );
    this.dt_ms = dt_ms;
    this.derived = deriveSynapticLif(this.params, dt_ms);
    this.vInit = initialVoltage(this.params.vInit_mV, this.params.vRest_mV, size);
    this.params = keepInitialVoltage(this.params, this.vInit);
    this.v_mV = this.addState("v_mV", this.vInit);
    this.iSyn_nA = this.addState("iSyn_nA", 0);
  }

  step(_ctx: StepContext): void {
    const { aS, bS, aM, gI, gX, resetDrop_mV } = this.derived;
    const { vRest_mV, vThreshold_mV, vReset_mV } = this.params;
    const subtract = this.params.reset === "subtract";
    const v = this.v_mV;
    const I = this.iSyn_nA;
    const x = this.portAt(0);
    this.beginSpikes();
    for (let i = 0; i < this.size; i++) {
      // integrate: both from the values at the start of the step
      const I0 = I[i];
      const xi = x[i];
      x[i] = 0;
      I[i] = aS * I0 + bS * xi;
      let vi = vRest_mV + aM * (v[i] - vRest_mV) + gI * I0 + gX * xi;

      // threshold and reset
      if (vi >= vThreshold_mV) {
        this.pushSpike(i);
        vi = subtract ? vi - resetDrop_mV : vReset_mV;
      }
      v[i] = vi;
    }
  }

  override reset(): void {
    super.reset();
    fillInitial(this.v_mV, this.vInit);
    this.iSyn_nA.fill(0);
  }
}
