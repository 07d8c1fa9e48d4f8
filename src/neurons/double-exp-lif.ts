/**
 * Leaky integrate-and-fire neuron with a bias current, Gaussian membrane noise, random initial voltages and
 * double-exponential synapses whose decay constant is a per-neuron parameter: the spiking unit of Kim, Li &
 * Sejnowski, PNAS 116:22811 (2019), SI Table S1 and the reference code spiking/LIF_network_fnc.m (read, not
 * ported), itself derived from Nicola & Clopath, Nat. Commun. 8:2208 (2017). See docs/models/double-exp-lif.md
 * and docs/rnn.md.
 *
 * Membrane (currents in nA, R in MOhm, so R I is in mV):
 *   tau_m dv/dt = -(v - v_rest) + R (I_syn + b + i_ext)          b = per-neuron bias current
 *   spike when v >= v_th; then v <- v_reset and refractory for R = t_ref / dt steps, counted by `refractoryRule`:
 *     "engine" (default, docs/conventions.md): a spike at step s holds the neuron in steps s+1 .. s+R-1; it
 *       integrates again (and may spike) at step s+R. The threshold is not tested while held.
 *     "t-last" (the reference code: dv = 0 while t <= t_last + t_ref, t = (k+1) dt at step k, t_last = 0 at the
 *       start): a spike at step s holds the neuron in steps s+1 .. s+R and after every reset the first R steps
 *       (0 .. R-1) are held too. The threshold is tested in every step, held or not, so a neuron that starts
 *       at or above threshold fires in step 0; a spike while held resets and restarts the hold.
 * Integration over one step (`integration`), I = I_syn + b + i_ext held over the step:
 *   "euler" (the reference code):  v <- v + (dt / tau_m) (v_rest - v + R I)
 *   "exact":                       v <- v_rest + R I + (v - v_rest - R I) e^(-dt/tau_m)
 * then v <- v + noise + dv, noise ~ N(0, noiseSd_mV^2) drawn every step for every neuron (also while
 * refractory when `noiseWhenRefractory`, as in the reference code, where only the deterministic part of dv is
 * switched off). While refractory the deterministic update and the "i_nA" input are discarded (the synaptic
 * filters keep running); the "dv_mV" input is discarded under "engine" and added under "t-last" (the reference
 * adds its optogenetic-like kicks to v whether or not the unit is held).
 *
 * Synaptic current (port "syn", receiving-neuron decay tau_d,i, rise tau_r, case C34.4):
 *   dI/dt = -I / tau_d,i + h,   dh/dt = -h / tau_r + (1000 / (tau_r tau_d,i)) sum_k w_k delta(t - t_k)
 * discretised as the reference's exponential-Euler update, with x_i the weights that arrived at the port this
 * step (the spikes of step t-1, delivered by a projection):
 *   I <- I e^(-dt/tau_d,i) + h dt   (this I drives the membrane in this step)
 *   h <- h e^(-dt/tau_r) + x_i 1000 / (tau_r tau_d,i)
 * The kernel of one unit weight has area 1000 (nA ms per unit weight; ~1.0138 x that at dt = 0.05 ms, C34.4),
 * i.e. I = sum_j w_ij r_j with r_j in Hz when every tau_d equals the sender's. tau_r = 0 gives the single
 * exponential I <- I e^(-dt/tau_d,i) + x_i 1000 / tau_d,i.
 *
 * Filtered spike train (state "r_Hz", the neuron's own spikes filtered with its own tau_d; the readout and the
 * `RateCoupling` projection read it), updated after the threshold in the same step:
 *   r <- r e^(-dt/tau_d,i) + hr dt;   hr <- hr e^(-dt/tau_r) + s_i 1000 / (tau_r tau_d,i)   (s_i = 1 on a spike)
 * so a spike in step t moves r from step t+1 on; r is a rate in Hz (area 1 spike). With tau_r = 0:
 * r <- r e^(-dt/tau_d,i) + s_i 1000 / tau_d,i.
 *
 * Ports: "syn" (default; weights of presynaptic spikes into the double-exponential current), "i_nA" (a current
 * held over the step, e.g. W_in u), "dv_mV" (an instantaneous voltage jump, e.g. an optogenetic-like kick).
 * The filter states are float64 (they integrate over 10^4 steps and must reproduce the discrete kernel to
 * 1e-12); `state("iSyn_nA")` and `state("r_Hz")` return float32 copies brought up to date on request. The live
 * float64 buffer `r_Hz` is what readouts read; the synaptic current is packed with the other per-neuron
 * constants for speed (`iSyn_nA` returns a copy).
 */
import {
  InvalidParameterError,
  describeArgument,
  requireFloat32,
  requireFloat32Factor,
  requireNonNegative,
  requirePositive,
} from "../core/errors.ts";
import { warnIfSiUnits } from "../core/units.ts";
import { withDefaults } from "../core/options.ts";
import { type Rng, createRng, requireRng } from "../core/rng.ts";
import { decayPerStep, secondsHint, warnIfShorterThanStep } from "../core/time.ts";
import type { StepContext } from "../network/types.ts";
import {
  PopulationBase,
  copyPerNeuron,
  perNeuron,
  requireNeuronDt,
  requireNoExtraArguments,
  type PerNeuronValue,
  type ReadonlyFloat64Array,
} from "./base.ts";
import {
  BIAS,
  CELL,
  DECAY,
  DoubleExpKernel,
  type DoubleExpKernelConstants,
  H_RATE,
  H_SYN,
  I_SYN,
  JUMP,
} from "./double-exp-kernel.ts";
import { GaussianNoise } from "./gaussian-noise.ts";
import { requireThresholdReset } from "./lif.ts";
import { refractorySteps } from "./refractory.ts";

export type IntegrationMethod = "euler" | "exact";

/** How refractory steps are counted (see the file comment). */
export type RefractoryRule = "engine" | "t-last";

/** A fixed initial voltage, or one drawn per neuron from U(lo, hi) at every reset. */
export type VoltageInit =
  number | { readonly kind: "uniform"; readonly lo_mV: number; readonly hi_mV: number };

export interface DoubleExpLifParams {
  /** Membrane time constant. Default 10 ms (SI Table S1). */
  readonly tauMem_ms: number;
  /** Leak reversal potential. Default 0 mV (reference code: tau_m dv/dt = -v + I). */
  readonly vRest_mV: number;
  /** Reset potential. Default -65 mV (SI Table S1). */
  readonly vReset_mV: number;
  /** Threshold (spike when v >= threshold). Default -40 mV (SI Table S1, "vpeak"). */
  readonly vThreshold_mV: number;
  /** Refractory period; a whole number of steps. Default 2 ms (SI Table S1). */
  readonly tRef_ms: number;
  /**
   * How the refractory steps are counted. Default "engine" (docs/conventions.md: R - 1 held steps after a
   * spike); "t-last" is the reference code's rule (R held steps, the first R steps after a reset held, the
   * threshold tested while held). The rate-to-LIF transfer (src/rnn/transfer.ts) uses "t-last".
   */
  readonly refractoryRule: RefractoryRule;
  /** Membrane resistance. Default 1 MOhm, so the reference's currents read as mV of drive. */
  readonly resistance_MOhm: number;
  /** Membrane integration scheme. Default "euler" (reference code). */
  readonly integration: IntegrationMethod;
  /** Bias current, one value for all or one per neuron. Default -40 nA: rest sits at threshold (reference). */
  readonly bias_nA: PerNeuronValue;
  /** SD of the membrane noise added every step (per step, not per sqrt(ms)). Default 0.1 mV (reference code). */
  readonly noiseSd_mV: number;
  /** Whether the noise is also added while refractory. Default true (reference code). */
  readonly noiseWhenRefractory: boolean;
  /** Initial voltage at every reset. Default U(-65, 30) mV (reference code). */
  readonly vInit: VoltageInit;
  /** Synaptic rise time; 0 = single exponential. Default 2 ms (paper). */
  readonly tauRise_ms: number;
  /** Synaptic decay constant, one value or one per neuron. Default 20 ms (the rate nets' lower bound). */
  readonly tauDecay_ms: PerNeuronValue;
  /** Seed of the default random stream `createRng(seed, "double-exp-lif")`; `setRng` replaces it. Default 0. */
  readonly seed: number;
}

export const DOUBLE_EXP_LIF_DEFAULTS: Readonly<DoubleExpLifParams> = Object.freeze({
  tauMem_ms: 10,
  vRest_mV: 0,
  vReset_mV: -65,
  vThreshold_mV: -40,
  tRef_ms: 2,
  refractoryRule: "engine" as RefractoryRule,
  resistance_MOhm: 1,
  integration: "euler" as IntegrationMethod,
  bias_nA: -40,
  noiseSd_mV: 0.1,
  noiseWhenRefractory: true,
  vInit: Object.freeze({ kind: "uniform", lo_mV: -65, hi_mV: 30 }) as VoltageInit,
  tauRise_ms: 2,
  tauDecay_ms: 20,
  seed: 0,
});

/** Per-step constants derived from the parameters and dt (pure). */
export interface DoubleExpLifDerived {
  /** Euler: dt / tau_m; exact: 1 - e^(-dt/tau_m). Both multiply (v_rest + R I - v). */
  readonly memGain: number;
  /** R = t_ref / dt. */
  readonly refSteps: number;
  /** Value of the refractory counter after a spike: R ("engine") or R + 1 ("t-last"); see `step`. */
  readonly refCounter: number;
  /** Refractory counter after a reset: 0 ("engine") or R + 1 ("t-last", the first R steps held). */
  readonly refAtReset: number;
  /** "t-last": the threshold is tested while held and "dv_mV" is added. */
  readonly tLast: boolean;
  /** e^(-dt/tau_r); 0 for the single exponential. */
  readonly riseDecay: number;
  /** e^(-dt/tau_d,i) per neuron. */
  readonly decay: ReadonlyFloat64Array;
  /** Jump per unit input: 1000 / (tau_r tau_d,i), or 1000 / tau_d,i for the single exponential. */
  readonly jump: ReadonlyFloat64Array;
  readonly bias_nA: ReadonlyFloat64Array;
  readonly single: boolean;
}

export function deriveDoubleExpLif(p: DoubleExpLifParams, size: number, dt_ms: number): DoubleExpLifDerived {
  requirePositive("tauMem_ms", p.tauMem_ms);
  requireFloat32("vRest_mV", p.vRest_mV);
  requireThresholdReset(p);
  requireFloat32Factor("resistance_MOhm", requirePositive("resistance_MOhm", p.resistance_MOhm));
  requireFloat32Factor("noiseSd_mV", requireNonNegative("noiseSd_mV", p.noiseSd_mV));
  requireNonNegative("tauRise_ms", p.tauRise_ms);
  if (p.refractoryRule !== "engine" && p.refractoryRule !== "t-last") {
    throw new InvalidParameterError(
      `refractoryRule must be "engine" or "t-last", got ${JSON.stringify(p.refractoryRule)}`,
    );
  }
  if (p.integration !== "euler" && p.integration !== "exact") {
    throw new InvalidParameterError(
      `integration must be "euler" or "exact", got ${JSON.stringify(p.integration)}`,
    );
  }
  if (p.integration === "euler" && dt_ms >= p.tauMem_ms) {
    throw new InvalidParameterError(
      `euler integration needs dt_ms (${dt_ms}) < tauMem_ms (${p.tauMem_ms}); use integration "exact" or a smaller dt ` +
        secondsHint(p.tauMem_ms),
    );
  }
  const v0 = p.vInit;
  if (typeof v0 === "number") requireFloat32("vInit", v0);
  else if (typeof v0 !== "object" || v0 === null || v0.kind !== "uniform") {
    throw new InvalidParameterError('vInit must be a number of mV or { kind: "uniform", lo_mV, hi_mV }');
  } else {
    requireFloat32("vInit.lo_mV", v0.lo_mV);
    requireFloat32("vInit.hi_mV", v0.hi_mV);
    if (v0.lo_mV > v0.hi_mV) {
      throw new InvalidParameterError(`vInit.lo_mV (${v0.lo_mV}) must be <= vInit.hi_mV (${v0.hi_mV})`);
    }
  }
  const tauD = perNeuron("tauDecay_ms", p.tauDecay_ms, size, requirePositive);
  warnIfShorterThanStep("tauMem_ms", p.tauMem_ms, dt_ms);
  if (p.tauRise_ms > 0) warnIfShorterThanStep("tauRise_ms", p.tauRise_ms, dt_ms);
  const single = p.tauRise_ms === 0;
  const decay = new Float64Array(size);
  const jump = new Float64Array(size);
  let shortest = Infinity;
  for (let i = 0; i < size; i++) {
    decay[i] = Math.exp(-dt_ms / tauD[i]);
    jump[i] = single ? 1000 / tauD[i] : 1000 / (p.tauRise_ms * tauD[i]);
    shortest = Math.min(shortest, tauD[i]);
  }
  warnIfShorterThanStep(size > 1 ? "the shortest tauDecay_ms" : "tauDecay_ms", shortest, dt_ms);
  const tLast = p.refractoryRule === "t-last";
  // "t-last" stores R + 1 in the int32 counter
  const refSteps = refractorySteps(p.tRef_ms, dt_ms, tLast ? 1 : 0);
  return {
    memGain: p.integration === "euler" ? dt_ms / p.tauMem_ms : 1 - decayPerStep(p.tauMem_ms, dt_ms),
    refSteps,
    refCounter: tLast ? refSteps + 1 : refSteps,
    refAtReset: tLast ? refSteps + 1 : 0,
    tLast,
    riseDecay: single ? 0 : Math.exp(-dt_ms / p.tauRise_ms),
    decay,
    jump,
    // the bias drives v as R b: both the bias and that product must stay within float32
    bias_nA: perNeuron("bias_nA", p.bias_nA, size, (name, b) => {
      requireFloat32Factor(name, b);
      requireFloat32Factor(`resistance_MOhm * ${name}`, p.resistance_MOhm * b);
      return b;
    }),
    single,
  };
}

export class DoubleExpLIF extends PopulationBase {
  readonly model = "double-exp-lif";
  readonly params: Readonly<DoubleExpLifParams>;
  readonly derived: DoubleExpLifDerived;
  readonly dt_ms: number;
  /** Membrane potential in mV (live). */
  readonly v_mV: Float32Array;
  /** Refractory counter: the neuron is held while it is > 1 at the start of a step (see `refractoryRule`). */
  readonly refractoryLeft: Int32Array;
  /** The neuron's own filtered spike train in Hz (live, float64; read by LinearReadout and RateCoupling). */
  readonly r_Hz: Float64Array;
  /**
   * Packed float64 state, CELL values per neuron: synaptic current I (nA), its rise variable h (nA/ms), the
   * rise variable of r (Hz/ms), and the constants e^(-dt/tau_d), the jump and the bias.
   */
  private readonly cells: Float64Array;
  private rng: Rng;
  private readonly gauss: GaussianNoise;
  /** The WebAssembly kernel owning the state buffers, when available (double-exp-kernel.ts). */
  private readonly kernel: DoubleExpKernel | undefined;
  private readonly kernelConstants: DoubleExpKernelConstants;
  private readonly noise: Float64Array;
  private readonly iSynMirror: Float32Array;
  private readonly rMirror: Float32Array;

  constructor(size: number, dt_ms: number, params: Partial<DoubleExpLifParams> = {}, ...extra: never[]) {
    requireNoExtraArguments("DoubleExpLIF", "size, dt_ms, params", extra);
    // the WebAssembly kernel, when available, holds the ports, the spike buffers and the state
    const kernel = Number.isInteger(size) && size >= 1 ? DoubleExpKernel.create(size) : undefined;
    super(size, ["syn", "i_nA", "dv_mV"], 0, kernel?.buffers);
    requireNeuronDt(dt_ms);
    const merged = withDefaults("DoubleExpLIF params", DOUBLE_EXP_LIF_DEFAULTS, params);
    this.params = Object.freeze({
      ...merged,
      bias_nA: copyPerNeuron(merged.bias_nA),
      tauDecay_ms: copyPerNeuron(merged.tauDecay_ms),
    });
    this.dt_ms = dt_ms;
    this.derived = deriveDoubleExpLif(this.params, size, dt_ms);
    warnIfSiUnits("DoubleExpLIF", this.params);
    if (!Number.isSafeInteger(this.params.seed)) {
      throw new InvalidParameterError(
        `DoubleExpLIF seed must be an integer (the seed of its noise and initial voltages), got ` +
          `${describeArgument(this.params.seed)}`,
        { seed: this.params.seed },
      );
    }
    this.rng = createRng(this.params.seed, "double-exp-lif");
    this.kernel = kernel;
    this.v_mV = kernel ? this.adoptState("v_mV", kernel.v_mV) : this.addState("v_mV", 0);
    this.iSynMirror = this.addState("iSyn_nA", 0);
    this.rMirror = this.addState("r_Hz", 0);
    this.refractoryLeft = (kernel?.refractoryLeft ?? new Int32Array(size)).fill(this.derived.refAtReset);
    this.r_Hz = kernel?.r_Hz ?? new Float64Array(size);
    this.cells = kernel?.cells ?? new Float64Array(size * CELL);
    this.gauss = kernel?.noise ?? new GaussianNoise();
    const { vRest_mV, resistance_MOhm, vThreshold_mV, vReset_mV, noiseSd_mV } = this.params;
    const { memGain, refCounter, riseDecay, tLast } = this.derived;
    this.kernelConstants = Object.freeze({
      memGain,
      vRest_mV,
      resistance_MOhm,
      vThreshold_mV,
      vReset_mV,
      refCounter,
      riseDecay,
      dt_ms,
      noiseSd_mV,
      tLast,
    });
    for (let i = 0; i < size; i++) {
      this.cells[i * CELL + DECAY] = this.derived.decay[i];
      this.cells[i * CELL + JUMP] = this.derived.jump[i];
      this.cells[i * CELL + BIAS] = this.derived.bias_nA[i];
    }
    this.noise = new Float64Array(size);
    this.initRandom();
  }

  /**
   * Replaces the random stream. It takes effect at the next `reset`, which draws the initial voltages from it
   * (when `vInit` is uniform) and then seeds the membrane noise with four of its words. To start a seeded
   * trial: `setRng(createRng(seed, "trial", k))`, then `network.reset()`.
   */
  setRng(rng: Rng): void {
    this.rng = requireRng("DoubleExpLIF.setRng", rng, '"trial", k');
  }

  /** The synaptic current of every neuron in nA (a float64 copy). */
  get iSyn_nA(): Float64Array {
    const out = new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.cells[i * CELL + I_SYN];
    return out;
  }

  override state(name: string): Float32Array {
    if (name === "iSyn_nA")
      for (let i = 0; i < this.size; i++) this.iSynMirror[i] = this.cells[i * CELL + I_SYN];
    else if (name === "r_Hz") this.rMirror.set(this.r_Hz);
    return super.state(name);
  }

  step(_ctx: StepContext): void {
    this.beginSpikes();
    // ports nobody ever obtained hold only zeros: skip reading and clearing them
    const useCur = this.portEverRequested(1);
    const useDv = this.portEverRequested(2);
    const { noiseSd_mV, noiseWhenRefractory } = this.params;
    if (this.kernel && !this.derived.single && !useDv && noiseWhenRefractory && noiseSd_mV > 0) {
      // the spiking-RNN configuration in WebAssembly: noise and update in one pass, ports cleared there
      this.setSpikeCount(this.kernel.step(this.size, useCur, this.kernelConstants));
      return;
    }
    if (noiseSd_mV > 0) this.gauss.fill(this.noise, this.size, noiseSd_mV);
    this.stepTypeScript(useCur, useDv);
  }

  /**
   * Every option (single exponential, the "dv_mV" port, no noise while held), and the fallback where
   * WebAssembly is unavailable: one loop with branches, the noise already drawn into `noise`.
   */
  private stepTypeScript(useCur: boolean, useDv: boolean): void {
    const { memGain, refCounter, riseDecay, single, tLast } = this.derived;
    // from kernelConstants, not from params: two instances' params objects (a frozen spread of the options)
    // do not share one hidden class, even for the same options, and a constant read through both made `vi`
    // a boxed (heap) number per neuron and step from the second instance in a process on
    const { vRest_mV, vThreshold_mV, vReset_mV, resistance_MOhm: R } = this.kernelConstants;
    const noiseRef = this.params.noiseWhenRefractory;
    const n = this.size;
    const dt = this.dt_ms;
    const v = this.v_mV;
    const ref = this.refractoryLeft;
    const c = this.cells;
    const r = this.r_Hz;
    const syn = this.portAt(0);
    const cur = this.portAt(1);
    const dv = this.portAt(2);
    const noise = this.noise;

    // one pass per neuron (about twice as fast as one pass per variable)
    for (let i = 0, o = 0; i < n; i++, o += CELL) {
      const d = c[o + DECAY];
      // synaptic current: decay and rise from the start of the step, then this step's arrivals into h;
      // own filtered spike train: decay and rise (this step's spike jumps in below)
      let Ii: number;
      if (single) {
        Ii = c[o + I_SYN] * d + syn[i] * c[o + JUMP];
        r[i] *= d;
      } else {
        const h = c[o + H_SYN];
        Ii = c[o + I_SYN] * d + h * dt;
        c[o + H_SYN] = h * riseDecay + syn[i] * c[o + JUMP];
        const hr = c[o + H_RATE];
        r[i] = r[i] * d + hr * dt;
        c[o + H_RATE] = hr * riseDecay;
      }
      c[o + I_SYN] = Ii;
      syn[i] = 0;

      // refractory (counter > 1): the deterministic update and "i_nA" are discarded; under "t-last" the
      // threshold is still tested and "dv_mV" still added (the reference code)
      const left = ref[i];
      let vi: number;
      if (left > 1) {
        ref[i] = left - 1;
        if (useCur) cur[i] = 0;
        vi = noiseRef ? v[i] + noise[i] : v[i];
        if (useDv) {
          if (tLast) vi += dv[i];
          dv[i] = 0;
        }
        if (!tLast || vi < vThreshold_mV) {
          v[i] = vi;
          continue;
        }
      } else {
        if (left === 1) ref[i] = 0;
        // integrate
        let total = Ii + c[o + BIAS];
        if (useCur) {
          total += cur[i];
          cur[i] = 0;
        }
        const vOld = v[i];
        vi = vOld + memGain * (vRest_mV + R * total - vOld) + noise[i];
        if (useDv) {
          vi += dv[i];
          dv[i] = 0;
        }
      }

      // threshold, reset, and the spike's jump into the filtered train
      if (vi >= vThreshold_mV) {
        this.pushSpike(i);
        vi = vReset_mV;
        ref[i] = refCounter;
        if (single) r[i] += c[o + JUMP];
        else c[o + H_RATE] += c[o + JUMP];
      }
      v[i] = vi;
    }
  }

  /** Initial voltages (drawn first when uniform), then the noise seed, both from the current stream. */
  private initRandom(): void {
    const v0 = this.params.vInit;
    if (typeof v0 === "number") this.v_mV.fill(v0);
    else for (let i = 0; i < this.size; i++) this.v_mV[i] = this.rng.uniform(v0.lo_mV, v0.hi_mV);
    this.gauss.seed(this.rng);
  }

  override reset(): void {
    super.reset();
    this.initRandom();
    this.refractoryLeft.fill(this.derived.refAtReset);
    this.r_Hz.fill(0);
    for (let o = 0; o < this.cells.length; o += CELL) {
      this.cells[o + I_SYN] = 0;
      this.cells[o + H_SYN] = 0;
      this.cells[o + H_RATE] = 0;
    }
  }
}
