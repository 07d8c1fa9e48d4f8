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
import { warnIfSiUnits } from "../core/units.ts";
import { withDefaults } from "../core/options.ts";
import type { StepContext } from "../network/types.ts";
import {
  PER_NEURON_PARAMETERS,
  PopulationBase,
  fillInitial,
  perNeuron,
  buildPerNeuron,
  requireNoExtraArguments,
} from "./base.ts";
import type { PerNeuronOptions, PerNeuronParams, PerNeuronValue, ReadonlyFloat64Array } from "./base.ts";
import { firstOrderFactors, firstOrderFactorsPerNeuron, requireMethod } from "./first-order.ts";
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
  /** Initial (and after-`reset()`) membrane potential: one value, or one per neuron. Default: v_rest. */
  readonly vInit_mV?: PerNeuronValue;
}

export const LI_DEFAULTS: Readonly<LiParams> = Object.freeze({
  tauMem_ms: 10,
  vRest_mV: 0,
  resistance_MOhm: 1,
  method: "exact" as IntegrationMethod,
});

/** The LI parameters that `LI` takes once per neuron as well (`LiOptions`). */
export const LI_PER_NEURON_KEYS = PER_NEURON_PARAMETERS.LI.keys;
type PerNeuronKey = (typeof LI_PER_NEURON_KEYS)[number];

/**
 * What `new LI` takes: `LiParams`, where tau, the rest and the resistance may also be one value per neuron
 * (NIR's LI gives them as per-neuron tensors).
 */
export type LiOptions = PerNeuronOptions<LiParams, PerNeuronKey>;

/** An LI's `params`: a parameter given per neuron is kept as a frozen array of numbers. */
export type LiStoredParams = PerNeuronParams<LiParams, PerNeuronKey>;

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
  // one number is checked here; one per neuron when the population knows its size (initialVoltage)
  if (typeof p.vInit_mV === "number") requireFloat32("vInit_mV", p.vInit_mV);
  const f = firstOrderFactors(p.tauMem_ms, dt_ms, p.method, "tauMem_ms");
  return { decay: f.decay, currentGain: f.gain * p.resistance_MOhm };
}

/** Per-neuron step constants of an LI with per-neuron parameters (one entry per neuron). */
export interface LiPerNeuronDerived {
  readonly decay: ReadonlyFloat64Array;
  readonly currentGain: ReadonlyFloat64Array;
  readonly vRest_mV: ReadonlyFloat64Array;
}

/**
 * The per-neuron constants of `p` for `size` neurons, each parameter checked as `deriveLi` checks it (an
 * entry named `tauMem_ms[i]` in its error); each neuron's constants are the numbers `deriveLi` gives for its
 * values.
 */
export function deriveLiPerNeuron(p: LiOptions, dt_ms: number, size: number): LiPerNeuronDerived {
  requireMethod(p.method);
  const rest = perNeuron("vRest_mV", p.vRest_mV, size, requireFloat32);
  const R = perNeuron("resistance_MOhm", p.resistance_MOhm, size, (name, x) =>
    requireFloat32Factor(name, requirePositive(name, x)),
  );
  const f = firstOrderFactorsPerNeuron(p.tauMem_ms, size, dt_ms, p.method, "tauMem_ms");
  return { decay: f.decay, currentGain: f.gain.map((g, i) => g * R[i]), vRest_mV: rest };
}

export class LI extends PopulationBase {
  readonly model = "li";
  /** The parameters, per-neuron ones as frozen arrays (`LiStoredParams`). */
  readonly params: LiStoredParams;
  /** The step constants; with per-neuron parameters both NaN, and the constants are in `perNeuronDerived`. */
  readonly derived: LiDerived;
  /** One entry per neuron when a parameter was given per neuron (LI_PER_NEURON_KEYS); else undefined. */
  readonly perNeuronDerived: LiPerNeuronDerived | undefined;
  readonly dt_ms: number;
  /** The initial membrane potential (`vInit_mV`), one value or one per neuron; `reset()` restores it. */
  private readonly vInit: number | Float32Array;
  /** Membrane potential in mV. */
  readonly v_mV: Float32Array;

  constructor(size: number, dt_ms: number, params: Partial<LiOptions> = {}, ...extra: never[]) {
    requireNoExtraArguments("LI", "size, dt_ms, params", extra);
    super(size, ["i_nA"]);
    const given = withDefaults("LI params", LI_DEFAULTS as LiOptions, params, ["vInit_mV"]);
    // a list of equal values is that one value (so [1, 1, 1] and 1 build, save and compare alike); the
    // initial voltage defaults to the rest, per neuron when the rest is given per neuron
    const built = buildPerNeuron(given, LI_PER_NEURON_KEYS, size, "vRest_mV", {
      uniform: (p) => deriveLi(p as LiParams, dt_ms),
      each: (p) => deriveLiPerNeuron(p, dt_ms, size),
      placeholder: () => ({ decay: NaN, currentGain: NaN }),
    });
    this.dt_ms = dt_ms;
    this.params = built.params as LiStoredParams;
    warnIfSiUnits("LI", this.params);
    this.derived = built.derived;
    this.perNeuronDerived = built.perNeuronDerived;
    this.vInit = built.vInit;
    this.v_mV = this.addState("v_mV", this.vInit);
  }

  step(_ctx: StepContext): void {
    if (this.perNeuronDerived !== undefined) {
      this.stepPerNeuron(this.perNeuronDerived);
      return;
    }
    const { decay, currentGain } = this.derived;
    const vRest = this.params.vRest_mV as number;
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

  /** The same step with each neuron's own constants. */
  private stepPerNeuron(d: LiPerNeuronDerived): void {
    const { decay, currentGain, vRest_mV } = d;
    const v = this.v_mV;
    const cur = this.portAt(0);
    this.beginSpikes();
    if (!this.portEverRequested(0)) {
      for (let i = 0; i < this.size; i++) v[i] = vRest_mV[i] + (v[i] - vRest_mV[i]) * decay[i];
      return;
    }
    for (let i = 0; i < this.size; i++) {
      v[i] = vRest_mV[i] + (v[i] - vRest_mV[i]) * decay[i] + currentGain[i] * cur[i];
      cur[i] = 0;
    }
  }

  override reset(): void {
    super.reset();
    fillInitial(this.v_mV, this.vInit);
  }
}
