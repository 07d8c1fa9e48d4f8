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
import { warnIfSiUnits } from "../core/units.ts";
import { withDefaults } from "../core/options.ts";
import type { StepContext } from "../network/types.ts";
import {
  PER_NEURON_PARAMETERS,
  PopulationBase,
  fillInitial,
  perNeuron,
  buildPerNeuron,
  requireNeuronDt,
  requireNoExtraArguments,
} from "./base.ts";
import type { PerNeuronOptions, PerNeuronParams, PerNeuronValue, ReadonlyFloat64Array } from "./base.ts";
import { firstOrderFactors, firstOrderFactorsPerNeuron, requireMethod } from "./first-order.ts";
import type { FirstOrderFactors, IntegrationMethod } from "./first-order.ts";
import { type ResetMode, requireThresholdReset, thresholdResetPerNeuron } from "./lif.ts";

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

/** The SynapticLIF parameters that `SynapticLIF` takes once per neuron as well (`SynapticLifOptions`). */
export const SYNAPTIC_LIF_PER_NEURON_KEYS = PER_NEURON_PARAMETERS.SynapticLIF.keys;
type PerNeuronKey = (typeof SYNAPTIC_LIF_PER_NEURON_KEYS)[number];

/**
 * What `new SynapticLIF` takes: `SynapticLifParams`, where the time constants, potentials, resistance and
 * input gain may also be one value per neuron (NIR's CubaLIF gives each as a per-neuron tensor).
 */
export type SynapticLifOptions = PerNeuronOptions<SynapticLifParams, PerNeuronKey>;

/** A SynapticLIF's `params`: a parameter given per neuron is kept as a frozen array of numbers. */
export type SynapticLifStoredParams = PerNeuronParams<SynapticLifParams, PerNeuronKey>;

/** The coefficients of the input terms:  I' = aS I + bS x,  v' = v_rest + aM (v - v_rest) + gI I + gX x. */
interface SynapticLifGains {
  readonly aS: number;
  readonly bS: number;
  readonly aM: number;
  readonly gI: number;
  readonly gX: number;
}

/** Per-step constants of  I' = aS I + bS x,  v' = v_rest + aM (v - v_rest) + gI I + gX x  (pure). */
export interface SynapticLifDerived extends SynapticLifGains {
  readonly resetDrop_mV: number;
}

/**
 * The gains of one neuron from its checked factors (`firstOrderFactors` of tau_syn and tau_mem), time
 * constants, resistance and input gain: one formula for a population's one neuron and for each of a
 * per-neuron population's, so both give the same numbers.
 */
function synapticGains(
  syn: FirstOrderFactors,
  mem: FirstOrderFactors,
  tS: number,
  tM: number,
  R: number,
  wIn: number,
  dt_ms: number,
  method: IntegrationMethod,
): SynapticLifGains {
  if (method === "euler")
    return { aS: syn.decay, bS: syn.gain * wIn, aM: mem.decay, gI: mem.gain * R, gX: 0 };
  const y = (dt_ms * (tS - tM)) / (tM * tS);
  const k = mem.decay * (dt_ms / tM) * (y === 0 ? 1 : Math.expm1(y) / y);
  return { aS: syn.decay, bS: syn.gain * wIn, aM: mem.decay, gI: R * k, gX: R * wIn * (mem.gain - k) };
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
  const g = synapticGains(syn, mem, p.tauSyn_ms, p.tauMem_ms, p.resistance_MOhm, p.wIn, dt_ms, method);
  // a literal, not a spread: fields V8 keeps as unboxed doubles, which the step's loop reads
  return { aS: g.aS, bS: g.bS, aM: g.aM, gI: g.gI, gX: g.gX, resetDrop_mV: p.vThreshold_mV - p.vReset_mV };
}

/** Per-neuron step constants of a SynapticLIF with per-neuron parameters (one entry per neuron). */
export interface SynapticLifPerNeuronDerived {
  readonly aS: ReadonlyFloat64Array;
  readonly bS: ReadonlyFloat64Array;
  readonly aM: ReadonlyFloat64Array;
  readonly gI: ReadonlyFloat64Array;
  readonly gX: ReadonlyFloat64Array;
  readonly vRest_mV: ReadonlyFloat64Array;
  readonly vThreshold_mV: ReadonlyFloat64Array;
  readonly vReset_mV: ReadonlyFloat64Array;
  readonly resetDrop_mV: ReadonlyFloat64Array;
}

/**
 * The per-neuron constants of `p` for `size` neurons, each parameter checked as `deriveSynapticLif` checks
 * it (an entry named `tauSyn_ms[i]` in its error), each neuron's reset below its threshold; each neuron's
 * constants are the numbers `deriveSynapticLif` gives for its values.
 */
export function deriveSynapticLifPerNeuron(
  p: SynapticLifOptions,
  dt_ms: number,
  size: number,
): SynapticLifPerNeuronDerived {
  requireNeuronDt(dt_ms);
  const method = requireMethod(p.method);
  const rest = perNeuron("vRest_mV", p.vRest_mV, size, requireFloat32);
  const wIn = perNeuron("wIn", p.wIn, size, requireFloat32Factor);
  const R = perNeuron("resistance_MOhm", p.resistance_MOhm, size, (name, x) =>
    requireFloat32Factor(name, requirePositive(name, x)),
  );
  // both in range, their product (the input's gain onto v) can still overflow
  for (let i = 0; i < size; i++) requireFloat32Factor(`resistance_MOhm * wIn of neuron ${i}`, R[i] * wIn[i]);
  const thresholdReset = thresholdResetPerNeuron(p, size);
  const syn = firstOrderFactorsPerNeuron(p.tauSyn_ms, size, dt_ms, method, "tauSyn_ms");
  const mem = firstOrderFactorsPerNeuron(p.tauMem_ms, size, dt_ms, method, "tauMem_ms");
  const out = {
    aS: new Float64Array(size),
    bS: new Float64Array(size),
    aM: new Float64Array(size),
    gI: new Float64Array(size),
    gX: new Float64Array(size),
  };
  for (let i = 0; i < size; i++) {
    const g = synapticGains(
      { decay: syn.decay[i], gain: syn.gain[i] },
      { decay: mem.decay[i], gain: mem.gain[i] },
      syn.tau_ms[i],
      mem.tau_ms[i],
      R[i],
      wIn[i],
      dt_ms,
      method,
    );
    out.aS[i] = g.aS;
    out.bS[i] = g.bS;
    out.aM[i] = g.aM;
    out.gI[i] = g.gI;
    out.gX[i] = g.gX;
  }
  return { ...out, vRest_mV: rest, ...thresholdReset };
}

export class SynapticLIF extends PopulationBase {
  readonly model = "synaptic-lif";
  /** The parameters, per-neuron ones as frozen arrays (`SynapticLifStoredParams`). */
  readonly params: SynapticLifStoredParams;
  /** The step constants; with per-neuron parameters all NaN, and the constants are in `perNeuronDerived`. */
  readonly derived: SynapticLifDerived;
  /** One entry per neuron when a parameter was given per neuron (SYNAPTIC_LIF_PER_NEURON_KEYS); else undefined. */
  readonly perNeuronDerived: SynapticLifPerNeuronDerived | undefined;
  readonly dt_ms: number;
  /** The initial membrane potential (`vInit_mV`), one value or one per neuron; `reset()` restores it. */
  private readonly vInit: number | Float32Array;
  /** Membrane potential in mV. */
  readonly v_mV: Float32Array;
  /** Synaptic current in nA. */
  readonly iSyn_nA: Float32Array;

  constructor(size: number, dt_ms: number, params: Partial<SynapticLifOptions> = {}, ...extra: never[]) {
    requireNoExtraArguments("SynapticLIF", "size, dt_ms, params", extra);
    super(size, ["i_nA"]);
    const given = withDefaults("SynapticLIF params", SYNAPTIC_LIF_DEFAULTS as SynapticLifOptions, params, [
      "vInit_mV",
    ]);
    // a list of equal values is that one value (so [1, 1, 1] and 1 build, save and compare alike); the
    // initial voltage defaults to the rest, per neuron when the rest is given per neuron
    const built = buildPerNeuron(given, SYNAPTIC_LIF_PER_NEURON_KEYS, size, "vRest_mV", {
      uniform: (p) => deriveSynapticLif(p as SynapticLifParams, dt_ms),
      each: (p) => deriveSynapticLifPerNeuron(p, dt_ms, size),
      placeholder: () => ({ aS: NaN, bS: NaN, aM: NaN, gI: NaN, gX: NaN, resetDrop_mV: NaN }),
    });
    this.dt_ms = dt_ms;
    this.params = built.params as SynapticLifStoredParams;
    warnIfSiUnits("SynapticLIF", this.params);
    this.derived = built.derived;
    this.perNeuronDerived = built.perNeuronDerived;
    this.vInit = built.vInit;
    this.v_mV = this.addState("v_mV", this.vInit);
    this.iSyn_nA = this.addState("iSyn_nA", 0);
  }

  step(_ctx: StepContext): void {
    if (this.perNeuronDerived !== undefined) {
      this.stepPerNeuron(this.perNeuronDerived);
      return;
    }
    const { aS, bS, aM, gI, gX, resetDrop_mV } = this.derived;
    const { vRest_mV, vThreshold_mV, vReset_mV } = this.params as SynapticLifParams;
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

  /** The same step with each neuron's own constants. */
  private stepPerNeuron(d: SynapticLifPerNeuronDerived): void {
    const { aS, bS, aM, gI, gX, vRest_mV, vThreshold_mV, vReset_mV, resetDrop_mV } = d;
    const subtract = this.params.reset === "subtract";
    const v = this.v_mV;
    const I = this.iSyn_nA;
    const x = this.portAt(0);
    this.beginSpikes();
    for (let i = 0; i < this.size; i++) {
      const I0 = I[i];
      const xi = x[i];
      x[i] = 0;
      I[i] = aS[i] * I0 + bS[i] * xi;
      const rest = vRest_mV[i];
      let vi = rest + aM[i] * (v[i] - rest) + gI[i] * I0 + gX[i] * xi;
      if (vi >= vThreshold_mV[i]) {
        this.pushSpike(i);
        vi = subtract ? vi - resetDrop_mV[i] : vReset_mV[i];
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
