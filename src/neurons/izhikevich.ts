/**
 * Izhikevich's simple spiking neuron.
 * Source: E. M. Izhikevich, "Simple model of spiking neurons", IEEE Trans. Neural Networks 14:1569-1572
 * (2003), eqs. (1)-(3) and its published MATLAB network code; parameter sets from that paper's Fig. 2
 * and from Izhikevich, "Which model to use for cortical spiking neurons?", IEEE TNN 15:1063-1070 (2004);
 * docs/models/izhikevich.md.
 *
 *   dv/dt = 0.04 v^2 + 5 v + 140 - u + I
 *   du/dt = a (b v - u)
 *   spike when v >= v_peak (30 mV); then v <- c, u <- u + d
 * Time is in ms and v in mV; u, I, a, b and d are in the paper's units (it treats them as dimensionless).
 *
 * Discretisation (`method`), per step of dt with I held over the step:
 *   "izhikevich-2003" (default): the scheme of the 2003 code, two half steps for v, then one step for u that
 *       uses the new v (the code does this at dt = 1 ms "for numerical stability"):
 *         v <- v + (dt/2) (0.04 v^2 + 5 v + 140 - u + I);  v <- v + (dt/2) (same, with the new v);
 *         u <- u + dt a (b v - u)
 *   "euler": forward Euler for both variables from the values at the start of the step.
 * Then the "dv_mV" jump is added and the threshold tested. The 2003 code tests v >= 30 at the start of the
 * next loop iteration; testing at the end of the step, as here, gives the same spikes one index earlier.
 *
 * A step whose v or u comes out non-finite, or beyond the float32 range of the state, throws DivergenceError
 * (at dt = 2.5 ms and I = 10, for example, the overshoot after a spike feeds u; the neuron then fires every
 * step and u leaves the float32 range some 28 steps later).
 *
 * Ports: "i" (default): the input I of the model, held over the step; "dv_mV": an instantaneous jump in mV.
 * Refractoriness: none by default (tRef_ms 0). With tRef_ms > 0 the convention of docs/conventions.md
 * applies: v is held at c and the ports are discarded, while u keeps relaxing toward b c.
 *
 * a, b, c and d are each one number for the population or one per neuron (the 2003 network draws them per
 * neuron: examples/from-papers/izhikevich-2003/).
 */
import {
  DivergenceError,
  InvalidParameterError,
  requireFloat32,
  requireFloat32Factor,
  requirePositive,
} from "../core/errors.ts";
import { warnIfSiUnits } from "../core/units.ts";
import { withDefaults } from "../core/options.ts";
import type { StepContext } from "../network/types.ts";
import { refractorySteps, setRefractoryCounter } from "./refractory.ts";
import {
  PopulationBase,
  copyPerNeuron,
  perNeuron,
  requireNeuronDt,
  requireNoExtraArguments,
  type PerNeuronValue,
  type ReadonlyFloat64Array,
} from "./base.ts";

export type IzhikevichMethod = "izhikevich-2003" | "euler";

/** Regular spiking, intrinsically bursting, chattering, fast spiking, low-threshold spiking,
 * thalamo-cortical, resonator. */
export type IzhikevichPreset = "RS" | "IB" | "CH" | "FS" | "LTS" | "TC" | "RZ";

/** The four parameters of one firing type. */
export interface IzhikevichCoefficients {
  /** Time scale of the recovery variable u (1/ms). */
  readonly a: number;
  /** Sensitivity of u to v. */
  readonly b: number;
  /** After-spike reset value of v. */
  readonly c_mV: number;
  /** After-spike increment of u. */
  readonly d: number;
}

export interface IzhikevichParams {
  /** Time scale of the recovery variable u (1/ms), > 0; one value, or one per neuron. */
  readonly a: PerNeuronValue;
  /** Sensitivity of u to v; one value, or one per neuron. */
  readonly b: PerNeuronValue;
  /** After-spike reset value of v, below vPeak_mV; one value, or one per neuron. */
  readonly c_mV: PerNeuronValue;
  /** After-spike increment of u; one value, or one per neuron. */
  readonly d: PerNeuronValue;
  /** Spike cut-off (spike when v >= v_peak). Default 30 mV (Izhikevich 2003). */
  readonly vPeak_mV: number;
  /** Refractory period; a whole number of steps. Default 0 ms (the model has none). */
  readonly tRef_ms: number;
  /** Integration scheme. Default "izhikevich-2003". */
  readonly method: IzhikevichMethod;
  /** Initial v. Default -65 mV (Izhikevich 2003 code). */
  readonly vInit_mV: number;
  /** Initial u, for every neuron. Default b * vInit_mV, per neuron (Izhikevich 2003 code). */
  readonly uInit?: number;
}

/** a, b, c, d of the firing types in Izhikevich 2003, Fig. 2, and 2004, Fig. 1. */
export const IZHIKEVICH_PRESETS: Readonly<Record<IzhikevichPreset, IzhikevichCoefficients>> = Object.freeze({
  RS: Object.freeze({ a: 0.02, b: 0.2, c_mV: -65, d: 8 }),
  IB: Object.freeze({ a: 0.02, b: 0.2, c_mV: -55, d: 4 }),
  CH: Object.freeze({ a: 0.02, b: 0.2, c_mV: -50, d: 2 }),
  FS: Object.freeze({ a: 0.1, b: 0.2, c_mV: -65, d: 2 }),
  LTS: Object.freeze({ a: 0.02, b: 0.25, c_mV: -65, d: 2 }),
  TC: Object.freeze({ a: 0.02, b: 0.25, c_mV: -65, d: 0.05 }),
  RZ: Object.freeze({ a: 0.1, b: 0.26, c_mV: -65, d: 2 }),
});

export const IZHIKEVICH_DEFAULTS: Readonly<IzhikevichParams> = Object.freeze({
  /** Regular spiking (RS) coefficients, Izhikevich 2003. */
  ...IZHIKEVICH_PRESETS.RS,
  vPeak_mV: 30,
  tRef_ms: 0,
  method: "izhikevich-2003" as IzhikevichMethod,
  vInit_mV: -65,
});

/** Per-step constants derived from the parameters and dt (pure); a, b, c, d and u(0) one per neuron. */
export interface IzhikevichDerived {
  readonly halfDt_ms: number;
  readonly refSteps: number;
  readonly a: ReadonlyFloat64Array;
  readonly b: ReadonlyFloat64Array;
  readonly c_mV: ReadonlyFloat64Array;
  readonly d: ReadonlyFloat64Array;
  readonly uInit: ReadonlyFloat64Array;
}

export function deriveIzhikevich(p: IzhikevichParams, size: number, dt_ms: number): IzhikevichDerived {
  requireNeuronDt(dt_ms);
  // v and u are Float32Arrays: a start value or a reset beyond float32 would be stored as Infinity
  requireFloat32("vPeak_mV", p.vPeak_mV);
  requireFloat32("vInit_mV", p.vInit_mV);
  if (p.uInit !== undefined) requireFloat32("uInit", p.uInit);
  if (p.method !== "izhikevich-2003" && p.method !== "euler") {
    throw new InvalidParameterError(
      `method must be "izhikevich-2003" or "euler", got ${JSON.stringify(p.method)}`,
      { method: p.method },
    );
  }
  const belowPeak = (name: string, c: number): number => {
    requireFloat32(name, c);
    if (c >= p.vPeak_mV) {
      throw new InvalidParameterError(
        `${name} (${c}) must be below vPeak_mV (${p.vPeak_mV}), or every step would spike`,
      );
    }
    return c;
  };
  const a = perNeuron("a", p.a, size, (name, x) => requireFloat32Factor(name, requirePositive(name, x)));
  const b = perNeuron("b", p.b, size, requireFloat32Factor);
  const c_mV = perNeuron("c_mV", p.c_mV, size, belowPeak);
  const d = perNeuron("d", p.d, size, requireFloat32Factor);
  const uInit = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    if (p.uInit !== undefined) uInit[i] = p.uInit;
    // the default u(0) = b v(0) can leave float32 with both factors inside it
    else
      uInit[i] = requireFloat32(
        `the default uInit (b${size > 1 ? `[${i}]` : ""} * vInit_mV)`,
        b[i] * p.vInit_mV,
      );
  }
  return {
    halfDt_ms: dt_ms / 2,
    refSteps: refractorySteps(p.tRef_ms, dt_ms),
    a,
    b,
    c_mV,
    d,
    uInit,
  };
}

/** The smallest magnitude that float32 stores as Infinity (2^128 - 2^103, which rounds up). */
const FLOAT32_OVERFLOW = 3.4028235677973366e38;

export class Izhikevich extends PopulationBase {
  readonly model = "izhikevich";
  readonly params: Readonly<IzhikevichParams>;
  readonly derived: IzhikevichDerived;
  readonly dt_ms: number;
  /** Membrane potential in mV. */
  readonly v_mV: Float32Array;
  /** Recovery variable (paper units). */
  readonly u: Float32Array;
  /** Steps of refractoriness left (see docs/conventions.md). */
  readonly refractoryLeft: Int32Array;

  constructor(size: number, dt_ms: number, params: Partial<IzhikevichParams> = {}, ...extra: never[]) {
    requireNoExtraArguments("Izhikevich", "size, dt_ms, params", extra);
    super(size, ["i", "dv_mV"]);
    const merged = withDefaults("Izhikevich params", IZHIKEVICH_DEFAULTS, params, ["uInit"]);
    this.params = Object.freeze({
      ...merged,
      a: copyPerNeuron(merged.a),
      b: copyPerNeuron(merged.b),
      c_mV: copyPerNeuron(merged.c_mV),
      d: copyPerNeuron(merged.d),
    });
    this.dt_ms = dt_ms;
    warnIfSiUnits("Izhikevich", this.params);
    this.derived = deriveIzhikevich(this.params, size, dt_ms);
    this.v_mV = this.addState("v_mV", this.params.vInit_mV);
    this.u = this.addState("u", 0);
    this.u.set(this.derived.uInit);
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
    const { halfDt_ms, refSteps, a, b, c_mV, d } = this.derived;
    const { vPeak_mV } = this.params;
    const dt = this.dt_ms;
    const euler = this.params.method === "euler";
    const v = this.v_mV;
    const u = this.u;
    const ref = this.refractoryLeft;
    const input = this.portAt(0);
    const jump = this.portAt(1);
    this.beginSpikes();
    for (let i = 0; i < this.size; i++) {
      // refractory: v held at c, input discarded, u relaxes
      if (ref[i] > 0 && --ref[i] > 0) {
        input[i] = 0;
        jump[i] = 0;
        u[i] = u[i] + dt * a[i] * (b[i] * v[i] - u[i]);
        continue;
      }

      // integrate
      let vi = v[i];
      let ui = u[i];
      const ai = a[i];
      const bi = b[i];
      const I = input[i];
      if (euler) {
        const dvdt = 0.04 * vi * vi + 5 * vi + 140 - ui + I;
        ui += dt * ai * (bi * vi - ui);
        vi += dt * dvdt;
      } else {
        vi += halfDt_ms * (0.04 * vi * vi + 5 * vi + 140 - ui + I);
        vi += halfDt_ms * (0.04 * vi * vi + 5 * vi + 140 - ui + I);
        ui += dt * ai * (bi * vi - ui);
      }
      vi += jump[i];
      input[i] = 0;
      jump[i] = 0;

      // a scheme that diverged (dt too large for the quadratic v, or a huge input) stops the run: v or u
      // non-finite, or beyond what the float32 state can hold (it would be stored as Infinity)
      if (!(Math.abs(vi) < FLOAT32_OVERFLOW && Math.abs(ui) < FLOAT32_OVERFLOW)) this.diverged(i, vi, ui);

      // threshold and reset
      if (vi >= vPeak_mV) {
        this.pushSpike(i);
        vi = c_mV[i];
        ui += d[i];
        ref[i] = refSteps;
      }
      v[i] = vi;
      u[i] = ui;
    }
  }

  /** Throws the DivergenceError of neuron i; v and u keep their last finite values. */
  private diverged(i: number, v: number, u: number): never {
    throw new DivergenceError(
      `Izhikevich neuron ${i} diverged (v = ${v} mV, u = ${u}) at dt = ${this.dt_ms} ms: the quadratic v ` +
        `overshoots when dt or the input is too large; the 2003 code uses dt = 1 ms (two half steps), so use ` +
        `dt_ms <= 1, or a smaller input`,
      { neuron: i, v, u, dt_ms: this.dt_ms },
    );
  }

  override reset(): void {
    super.reset();
    this.v_mV.fill(this.params.vInit_mV);
    this.u.set(this.derived.uInit);
    this.refractoryLeft.fill(0);
  }
}
