/**
 * Conductance-based leaky integrate-and-fire neuron with exponentially decaying synaptic conductances.
 * Source: Vogels & Abbott, J. Neurosci. 25:10786 (2005) and benchmark 1 ("COBA") of Brette et al.,
 * J. Comput. Neurosci. 23:349 (2007); Gerstner, Kistler, Naud & Paninski, Neuronal Dynamics (2014), section
 * 3.1 (conductance-based synapses); docs/models/coba-lif.md.
 *
 *   C dv/dt       = g_L (E_L - v) + g_1 (E_1 - v) + ... + g_K (E_K - v) + i_ext,   C = tau_m g_L
 *   tau_k dg_k/dt = -g_k          for each synapse port k; a spike of weight w arriving at port k: g_k += w
 *   spike when v >= v_th; reset ("to-value" | "subtract") and refractoriness as LIF (docs/conventions.md)
 *
 * Discretisation: the conductances decay exactly, and v relaxes exactly towards the equilibrium of the
 * conductances averaged over the step (i_ext held over the step):
 *   g_k  <- g_k + (weights arrived at port k in this step)
 *   a_k  = (tau_k / dt) (1 - D_k),  D_k = e^(-dt/tau_k)     (the mean of e^(-t/tau_k) over the step)
 *   G    = g_L + sum_k a_k g_k
 *   v_oo = (g_L E_L + sum_k a_k g_k E_k + 1000 i_ext) / G      (nS, mV and nA: 1 nA / 1 nS = 1000 mV)
 *   v    <- v_oo + (v - v_oo) exp(-dt G / C) + dv
 *   g_k  <- g_k D_k
 * computed as v <- v + (dt / C) phi(dt G / C) (G v_oo - G v) with phi(x) = (1 - e^(-x)) / x (`relaxFactor`:
 * a polynomial for x < 0.25, so that the step needs neither a division nor an exponential).
 * The decay of v over the step, exp(-(1/C) integral of the total conductance), is then exact, and the error
 * is second order in dt (halving dt quarters it; tested against a fine Runge-Kutta solution). Brian2's
 * exponential Euler, the method it picks for these equations, holds g_k at its start-of-step value instead
 * (a_k = 1): first order, an EPSP about dt / (2 tau_k) too large (1 % at dt = 0.1 ms, tau_k = 5 ms), so
 * single-neuron traces differ from Brian2's by that much. A weight that arrives in step t (from a
 * presynaptic spike of step t - 1) joins g_k before the step's integration, as in Brian2, whose
 * `on_pre: ge += w` in the spike's step is first seen by the next step's state update.
 * Refractoriness clamps only v: the conductances keep decaying and accumulating arrivals.
 *
 * Units: conductances and the weights on synapse ports in nS, g_L in nS, C = tau_m g_L in pF (ms x nS),
 * potentials in mV, i_ext in nA. Brian2's COBA example writes the conductances in units of g_L
 * (`dv/dt = (ge (Ee - v) + gi (Ei - v) - (v - El)) / taum`, we = 6/10): that is this model with its weights
 * multiplied by g_L (6 nS with g_L = 10 nS).
 * Ports: the synapse ports (in order; the first is the default), then "i_nA" (external current held over the
 * step) and "dv_mV" (instantaneous jump after the integration).
 * Step: with two synapse ports (the default "exc" and "inh") the fused `stepTwoPorts`, or the same step in
 * WebAssembly (coba-kernel.ts, SIMD, bit-identical; `useKernel`), else one pass per port and `stepMembrane`.
 * Limitation: only two synapse ports have the WebAssembly kernel; other port counts run the TypeScript loops.
 * Per-neuron values: tau_m, E_L, v_reset, v_th and g_L may each be one number or one per neuron
 * (PER_NEURON_PARAMETERS.CobaLIF). Such a population keeps per neuron dt / C_i = dt / (tau_m,i g_L,i), g_L,i,
 * g_L,i E_L,i, v_th,i, v_reset,i and v_th,i - v_reset,i (`perNeuronDerived`) and steps as the K-port
 * path does: the passes over the conductances, then the membrane update with neuron i's constants
 * (`stepMembranePerNeuron`), the same
 * arithmetic per neuron as the uniform TypeScript step, so N neurons give the numbers of N one-neuron
 * populations with their values (tested).
 * Limitation: that per-neuron step is TypeScript only, for any number of ports; the kernel holds one set of
 * membrane constants and is never used for a population with per-neuron values.
 * Limitation: a negative weight on a synapse port is not refused (a projection does not know what its target
 * port means); a total conductance G < 0 or NaN, with which v would run away, stops the step with a
 * StateError naming the neuron (`negativeConductance`), on every path with the same state: the neurons
 * before it updated, its conductances decayed, the synapse ports not cleared, the spikes flagged but not
 * counted, no restore of the refractory neurons' voltages (the steps with one pass per port first, K != 2
 * and per-neuron values, have decayed every neuron's conductances and cleared the synapse ports by then).
 * `reset()` clears all of it.
 */
import { InvalidParameterError, StateError, requireFloat32, requirePositive } from "../core/errors.ts";
import { warnIfSiUnits } from "../core/units.ts";
import { withDefaults } from "../core/options.ts";
import { warnIfShorterThanStep } from "../core/time.ts";
import type { StepContext } from "../network/types.ts";
import {
  PER_NEURON_PARAMETERS,
  PopulationBase,
  checkSynapseEntry,
  refusePerNeuron,
  fillInitial,
  initialVoltageOrRest,
  keepInitialVoltage,
  perNeuron,
  perNeuronParams,
  requireNeuronDt,
  requireNoExtraArguments,
} from "./base.ts";
import type { PerNeuronOptions, PerNeuronParams, PerNeuronValue, ReadonlyFloat64Array } from "./base.ts";
import type { ResetMode } from "./lif.ts";
import { requireThresholdReset, thresholdResetPerNeuron } from "./lif.ts";
import { RefractoryList, refractorySteps } from "./refractory.ts";
import { CobaKernel } from "./coba-kernel.ts";

/** One synaptic conductance: the port that feeds it, its decay time constant and its reversal potential. */
export interface ConductanceSynapse {
  /** Port name; must differ from "i_nA", "dv_mV" and from the other synapse ports. */
  readonly port: string;
  /** Decay time constant of the conductance. */
  readonly tauSyn_ms: number;
  /** Reversal potential: 0 mV for AMPA-like excitation, -80 mV for GABA_A-like inhibition. */
  readonly vRev_mV: number;
}

export interface CobaLifParams {
  /** Membrane time constant C / g_L. Default 20 ms. */
  readonly tauMem_ms: number;
  /** Leak reversal (resting) potential E_L. Default -60 mV. */
  readonly vRest_mV: number;
  /** Reset potential used by the "to-value" reset. Default -60 mV. */
  readonly vReset_mV: number;
  /** Spike threshold (spike when v >= threshold). Default -50 mV. */
  readonly vThreshold_mV: number;
  /** Refractory period; a whole number of steps. Default 5 ms. */
  readonly tRef_ms: number;
  /** Leak conductance g_L. Default 10 nS (so C = 200 pF with tau_m = 20 ms). */
  readonly gLeak_nS: number;
  /** What happens to v at a spike. Default "to-value". */
  readonly reset: ResetMode;
  /** Initial (and after-`reset()`) membrane potential: one value, or one per neuron. Default: v_rest. */
  readonly vInit_mV?: PerNeuronValue;
  /**
   * Synaptic conductances. Default: "exc" (5 ms, 0 mV) and "inh" (10 ms, -80 mV), the COBA benchmark's.
   */
  readonly synapses: readonly ConductanceSynapse[];
}

/** The defaults: the neuron of the COBA benchmark (Brette et al. 2007, benchmark 1). */
export const COBA_LIF_DEFAULTS: Readonly<CobaLifParams> = Object.freeze({
  tauMem_ms: 20,
  vRest_mV: -60,
  vReset_mV: -60,
  vThreshold_mV: -50,
  tRef_ms: 5,
  gLeak_nS: 10,
  reset: "to-value" as ResetMode,
  synapses: Object.freeze([
    Object.freeze({ port: "exc", tauSyn_ms: 5, vRev_mV: 0 }),
    Object.freeze({ port: "inh", tauSyn_ms: 10, vRev_mV: -80 }),
  ]),
});

/** COBA benchmark weights in nS: we = 6 nS and wi = 67 nS (0.6 and 6.7 in units of g_L = 10 nS). */
export const COBA_BENCHMARK_WEIGHTS: Readonly<{ exc_nS: number; inh_nS: number }> = Object.freeze({
  exc_nS: 6,
  inh_nS: 67,
});

/** Per-step constants derived from the parameters and dt (pure). */
export interface CobaLifDerived {
  /** dt / C in ms / pF: exp(-G dt / C) is the membrane's decay over a step at total conductance G (nS). */
  readonly dtOverC: number;
  /** D_k = e^(-dt/tau_k) per synapse port. */
  readonly synDecay: readonly number[];
  /** a_k = (tau_k / dt) (1 - D_k): the mean over a step of a conductance relative to its start value. */
  readonly synMean: readonly number[];
  readonly refSteps: number;
  readonly resetDrop_mV: number;
}

const RESERVED_PORTS = ["i_nA", "dv_mV"];

/** The CobaLIF parameters that `CobaLIF` takes once per neuron as well (`CobaLifOptions`). */
export const COBA_LIF_PER_NEURON_KEYS = PER_NEURON_PARAMETERS.CobaLIF.keys;
type PerNeuronKey = (typeof COBA_LIF_PER_NEURON_KEYS)[number];

/**
 * What `new CobaLIF` takes: `CobaLifParams`, where tau_m, the rest, reset and threshold potentials and the leak
 * conductance may also be one value per neuron; tRef_ms and the synapses (tau_k, E_k) stay one per population.
 */
export type CobaLifOptions = PerNeuronOptions<CobaLifParams, PerNeuronKey>;

/** A CobaLIF's `params`: a parameter given per neuron is kept as a frozen array of numbers. */
export type CobaLifStoredParams = PerNeuronParams<CobaLifParams, PerNeuronKey>;

/** Per-neuron membrane constants of a CobaLIF with per-neuron parameters (one entry per neuron). */
export interface CobaLifPerNeuronDerived {
  /** dt / C_i = dt / (tau_m,i g_L,i), ms / pF. */
  readonly dtOverC: ReadonlyFloat64Array;
  /** g_L,i in nS. */
  readonly gLeak_nS: ReadonlyFloat64Array;
  /** g_L,i E_L,i in nS x mV (the leak's share of the drive G v_oo). */
  readonly gLeakRest: ReadonlyFloat64Array;
  readonly vThreshold_mV: ReadonlyFloat64Array;
  readonly vReset_mV: ReadonlyFloat64Array;
  /** v_th,i - v_reset,i, the drop of the "subtract" reset. */
  readonly resetDrop_mV: ReadonlyFloat64Array;
}

export function deriveCobaLif(p: CobaLifParams, dt_ms: number): CobaLifDerived {
  requireNeuronDt(dt_ms);
  refusePerNeuron("CobaLIF", p, ["tRef_ms"]);
  const tauM = requirePositive("tauMem_ms", p.tauMem_ms);
  const gL = requirePositive("gLeak_nS", p.gLeak_nS);
  requireFloat32("vRest_mV", p.vRest_mV);
  requireThresholdReset(p);
  warnIfShorterThanStep("tauMem_ms", tauM, dt_ms);
  const { synDecay, synMean } = checkCobaSynapses(p.synapses, dt_ms);
  return {
    dtOverC: dt_ms / (tauM * gL),
    synDecay,
    synMean,
    refSteps: refractorySteps(p.tRef_ms, dt_ms),
    resetDrop_mV: p.vThreshold_mV - p.vReset_mV,
  };
}

/**
 * The per-neuron membrane constants of `p` for `size` neurons, each value checked as `deriveCobaLif` checks
 * it (an entry is named `gLeak_nS[i]` in its error, a reset at or above its threshold names the neuron); each
 * neuron's constants are computed by the same expressions as `deriveCobaLif`'s and the constructor's, so they
 * are the numbers a one-neuron population with its values uses. The synapses are checked by the caller.
 */
export function deriveCobaLifPerNeuron(
  p: CobaLifOptions,
  dt_ms: number,
  size: number,
): CobaLifPerNeuronDerived {
  requireNeuronDt(dt_ms);
  const tauM = perNeuron("tauMem_ms", p.tauMem_ms, size, requirePositive);
  const gL = perNeuron("gLeak_nS", p.gLeak_nS, size, requirePositive);
  const rest = perNeuron("vRest_mV", p.vRest_mV, size, requireFloat32);
  const thresholdReset = thresholdResetPerNeuron(p, size);
  let shortest = Infinity;
  for (const t of tauM) shortest = Math.min(shortest, t);
  warnIfShorterThanStep("tauMem_ms", shortest, dt_ms);
  return {
    dtOverC: tauM.map((t, i) => dt_ms / (t * gL[i])),
    gLeak_nS: gL,
    gLeakRest: gL.map((g, i) => g * rest[i]),
    ...thresholdReset,
  };
}

/**
 * The synapse list checked (at least one entry, each an object with port, tauSyn_ms and vRev_mV as
 * `checkSynapseEntry` checks them): D_k = e^(-dt/tau_k) and a_k = (tau_k / dt)(1 - D_k) per port.
 */
function checkCobaSynapses(
  synapses: readonly ConductanceSynapse[],
  dt_ms: number,
): { readonly synDecay: number[]; readonly synMean: number[] } {
  if (!Array.isArray(synapses) || synapses.length === 0) {
    throw new InvalidParameterError(
      "synapses must list at least one { port, tauSyn_ms, vRev_mV }; for a neuron without synaptic " +
        "conductances use LIF",
    );
  }
  const names: string[] = [];
  const synDecay: number[] = [];
  const synMean: number[] = [];
  synapses.forEach((s, k) => {
    if (s === null || typeof s !== "object") {
      throw new InvalidParameterError(
        `synapses[${k}] must be an object { port, tauSyn_ms, vRev_mV }, got ${JSON.stringify(s)}`,
      );
    }
    const tauK = checkSynapseEntry(s, k, ["port", "tauSyn_ms", "vRev_mV"], RESERVED_PORTS, names, dt_ms);
    if (s.vRev_mV === undefined) {
      throw new InvalidParameterError(
        `synapses[${k}] needs vRev_mV, the reversal potential of its conductance (e.g. 0 mV for ` +
          `excitation, -80 mV for inhibition)`,
      );
    }
    requireFloat32(`synapses[${k}].vRev_mV`, s.vRev_mV);
    synDecay.push(Math.exp(-dt_ms / tauK));
    // -expm1(-x)/x without cancellation for a long tau_k (x = dt / tau_k small)
    const x = dt_ms / tauK;
    synMean.push(-Math.expm1(-x) / x);
  });
  return { synDecay, synMean };
}

export class CobaLIF extends PopulationBase {
  readonly model = "coba-lif";
  /** The parameters, per-neuron ones as frozen arrays (`CobaLifStoredParams`). */
  readonly params: CobaLifStoredParams;
  /**
   * The step constants; with per-neuron parameters its dtOverC and resetDrop_mV are NaN and the membrane
   * constants are in `perNeuronDerived`.
   */
  readonly derived: CobaLifDerived;
  /** One entry per neuron when a parameter was given per neuron (COBA_LIF_PER_NEURON_KEYS); else undefined. */
  readonly perNeuronDerived: CobaLifPerNeuronDerived | undefined;
  readonly dt_ms: number;
  /** The initial membrane potential (`vInit_mV`), one value or one per neuron; `reset()` restores it. */
  private readonly vInit: number | Float32Array;
  /** Membrane potential in mV. */
  readonly v_mV: Float32Array;
  /** Synaptic conductances in nS, one buffer per synapse port (state "g_<port>_nS"). */
  readonly g_nS: readonly Float32Array[];
  /**
   * Steps of refractoriness left (docs/conventions.md). Read it freely; change it only through
   * `setRefractory`: the model keeps its own list of refractory neurons (as CubaLIF does).
   */
  readonly refractoryLeft: Int32Array;
  private readonly refractory: RefractoryList;
  private readonly synPorts: readonly Float32Array[];
  /**
   * Float constants of the step: dt/C, g_L, g_L E_L, v_th, v_reset, reset drop, then per port D_k, a_k, E_k.
   */
  private readonly constants: Float64Array;
  /** Per neuron: total synaptic conductance and sum of g_k E_k of the step (scratch for K != 2). */
  private readonly gSum: Float64Array;
  private readonly gESum: Float64Array;
  /** Spike and refractory counts handed to and from the step functions and the kernel. */
  private readonly counts: Int32Array;
  /** The buffers the TypeScript step functions write besides v and the conductances (counts among them). */
  private readonly outputs: StepOutputs;
  /** The WebAssembly two-port step owning the arena and the spike and refractory buffers (coba-kernel.ts). */
  private readonly kernel: CobaKernel | undefined;
  /**
   * Whether the two-port step runs in the WebAssembly kernel, where there is one (two synapse ports,
   * WebAssembly available, SPIKEFLOW_WASM not 0). Set it to false to run the TypeScript reference step on the
   * same state, e.g. to compare both; the results are identical (test/neurons/coba-kernel.test.ts).
   */
  useKernel = true;

  constructor(size: number, dt_ms: number, params: Partial<CobaLifOptions> = {}, ...extra: never[]) {
    requireNoExtraArguments("CobaLIF", "size, dt_ms, params", extra);
    const given = withDefaults("CobaLIF params", COBA_LIF_DEFAULTS as CobaLifOptions, params, ["vInit_mV"]);
    refusePerNeuron("CobaLIF", given, ["tRef_ms"]);
    // one value per neuron, all equal, is one value (so [10, 10] and 10 build, save and step alike)
    const { params: merged, perNeuron: perNeuronGiven } = perNeuronParams(
      given,
      COBA_LIF_PER_NEURON_KEYS,
      size,
    );
    // the scalar constants, or for per-neuron values the synapse list checked (the ports are named after it)
    // and NaN membrane constants: the per-neuron ones are derived below, once the population's size is checked
    let derived: CobaLifDerived;
    if (perNeuronGiven) {
      requireNeuronDt(dt_ms);
      const { synDecay, synMean } = checkCobaSynapses(merged.synapses, dt_ms);
      derived = {
        dtOverC: NaN,
        synDecay,
        synMean,
        refSteps: refractorySteps(merged.tRef_ms, dt_ms),
        resetDrop_mV: NaN,
      };
    } else derived = deriveCobaLif(merged as CobaLifParams, dt_ms);
    const twoPorts = merged.synapses.length === 2;
    // with two synapse ports and one value per parameter the WebAssembly kernel, when available, holds the
    // arena and the spike buffers; per-neuron values take the TypeScript step (stepMembranePerNeuron)
    const kernel =
      !perNeuronGiven && twoPorts && Number.isInteger(size) && size >= 1
        ? CobaKernel.create(size, relaxFactor)
        : undefined;
    // with two ports, v and the conductances live in the arena beside the ports (see PopulationBase.arena)
    super(
      size,
      [...merged.synapses.map((s) => s.port), ...RESERVED_PORTS],
      twoPorts ? 3 : 0,
      kernel?.buffers,
    );
    this.kernel = kernel;
    this.params = Object.freeze({
      ...merged,
      synapses: Object.freeze(merged.synapses.map((s) => Object.freeze({ ...s }))),
    }) as CobaLifStoredParams;
    this.dt_ms = dt_ms;
    this.perNeuronDerived = perNeuronGiven ? deriveCobaLifPerNeuron(this.params, dt_ms, size) : undefined;
    this.derived = derived;
    this.synPorts = this.params.synapses.map((_s, k) => this.portAt(k));
    // the initial voltage defaults to the rest, per neuron when the rest is given per neuron
    this.vInit = initialVoltageOrRest(this.params.vInit_mV, this.params.vRest_mV, size);
    this.params = keepInitialVoltage(this.params, this.vInit);
    warnIfSiUnits("CobaLIF", this.params);
    this.v_mV = this.addState("v_mV", this.vInit);
    this.g_nS = Object.freeze(this.params.synapses.map((s) => this.addState(`g_${s.port}_nS`, 0)));
    this.refractory = new RefractoryList(size, kernel?.refractory);
    this.refractoryLeft = this.refractory.left;
    this.counts = kernel?.counts ?? new Int32Array(2);
    this.outputs = {
      ref: this.refractoryLeft,
      spikeIdx: this.spikeIdx,
      spiked: this.spiked,
      held: this.refractory.idx,
      heldV: this.refractory.vHeld,
      counts: this.counts,
    };
    const p = this.params as CobaLifParams;
    const constants = [
      derived.dtOverC,
      p.gLeak_nS,
      p.gLeak_nS * p.vRest_mV,
      p.vThreshold_mV,
      p.vReset_mV,
      derived.resetDrop_mV,
      ...p.synapses.flatMap((s, k) => [derived.synDecay[k], derived.synMean[k], s.vRev_mV]),
    ];
    // per-neuron values: the six membrane constants are NaN (stepMembranePerNeuron reads perNeuronDerived for them
    // and only the per-port D_k, a_k, E_k from here)
    if (perNeuronGiven) constants.fill(NaN, 0, 6);
    // two ports: 12 constants, COBA_KERNEL_CONSTANTS, in the kernel's memory where there is one
    this.constants = kernel?.constants ?? new Float64Array(constants.length);
    this.constants.set(constants);
    this.gSum = new Float64Array(size);
    this.gESum = new Float64Array(size);
  }

  /**
   * Makes neuron i refractory for `steps` more steps from now (0 releases it): v keeps its present value and
   * membrane inputs are discarded while the count is above zero, exactly as after a spike.
   */
  setRefractory(i: number, steps: number): void {
    this.refractory.set(i, steps, this.v_mV[i] ?? 0);
  }

  step(_ctx: StepContext): void {
    const nSyn = this.synPorts.length;
    const refractory = this.refractory;
    const counts = this.counts;
    // the membrane ports ("i_nA", "dv_mV") are all zeros unless someone obtained them through port()
    const useCurrent = this.portEverRequested(nSyn);
    const useJump = this.portEverRequested(nSyn + 1);
    this.beginSpikes();
    const perNeuron = this.perNeuronDerived;
    if (perNeuron === undefined && nSyn === 2) {
      this.stepTwoPorts(useCurrent, useJump);
      return;
    }
    // any other number of ports, or per-neuron constants: the conductances port by port, then the membrane
    refractory.countDown();
    counts[0] = 0;
    counts[1] = refractory.count;
    this.sumConductances();
    const current = useCurrent ? this.portAt(nSyn) : undefined;
    const jump = useJump ? this.portAt(nSyn + 1) : undefined;
    const subtract = this.params.reset === "subtract";
    if (perNeuron === undefined) {
      stepMembrane(
        this.v_mV,
        this.size,
        this.gSum,
        this.gESum,
        current,
        jump,
        this.constants,
        subtract,
        this.derived.refSteps,
        this.outputs,
      );
    } else {
      // each neuron's own membrane constants: the numbers of a one-neuron population with its values
      stepMembranePerNeuron(
        this.v_mV,
        this.size,
        this.gSum,
        this.gESum,
        current,
        jump,
        perNeuron,
        subtract,
        this.derived.refSteps,
        this.outputs,
      );
    }
    this.setSpikeCount(counts[0]);
    refractory.count = counts[1];
    refractory.restore(this.v_mV);
  }

  /**
   * The arrived weights join the conductances, whose step means summed over ports (G - g_L into gSum and
   * sum a_k g_k E_k into gESum, port by port in this order: with two ports the same sums as the fused two-port
   * step and the kernel) drive v over the step; then they decay. One contiguous pass per port.
   */
  private sumConductances(): void {
    const c = this.constants;
    const n = this.size;
    const gSum = this.gSum;
    const gESum = this.gESum;
    for (let k = 0; k < this.synPorts.length; k++) {
      const g = this.g_nS[k];
      const arrived = this.synPorts[k];
      const d = c[6 + 3 * k];
      const a = c[7 + 3 * k];
      const aE = a * c[8 + 3 * k];
      if (k === 0) {
        for (let i = 0; i < n; i++) {
          const gi = g[i] + arrived[i];
          gSum[i] = a * gi;
          gESum[i] = aE * gi;
          g[i] = gi * d;
        }
      } else {
        for (let i = 0; i < n; i++) {
          const gi = g[i] + arrived[i];
          gSum[i] += a * gi;
          gESum[i] += aE * gi;
          g[i] = gi * d;
        }
      }
      arrived.fill(0);
    }
  }

  /**
   * The step of two synapse ports (excitatory and inhibitory, as in the COBA benchmark): `stepTwoPorts`, or the
   * same step in WebAssembly (coba-kernel.ts, which also counts the refractory list down and restores it) over
   * the same buffers.
   */
  private stepTwoPorts(useCurrent: boolean, useJump: boolean): void {
    const refractory = this.refractory;
    const counts = this.counts;
    const c = this.constants;
    const subtract = this.params.reset === "subtract";
    const refSteps = this.derived.refSteps;
    const kernel = this.useKernel ? this.kernel : undefined;
    if (kernel === undefined) refractory.countDown();
    counts[0] = 0;
    counts[1] = refractory.count;
    if (kernel !== undefined) {
      const failed = kernel.step(useCurrent, useJump, subtract, refSteps);
      if (failed >= 0) {
        // the kernel stopped where stepTwoPorts throws, with the list counted down (coba-kernel.ts)
        refractory.count = counts[1];
        throw negativeConductance(failed, kernel.failedG[0], c[1]);
      }
    } else {
      stepTwoPorts(
        this.v_mV,
        this.size,
        this.g_nS[0],
        this.g_nS[1],
        this.synPorts[0],
        this.synPorts[1],
        useCurrent ? this.portAt(2) : undefined,
        useJump ? this.portAt(3) : undefined,
        c,
        subtract,
        refSteps,
        this.outputs,
      );
    }
    this.setSpikeCount(counts[0]);
    refractory.count = counts[1];
    if (kernel === undefined) refractory.restore(this.v_mV);
  }

  override reset(): void {
    super.reset();
    // a step stopped by negativeConductance flagged spikes that it never counted, which super.reset() misses
    this.spiked.fill(0);
    fillInitial(this.v_mV, this.vInit);
    for (const g of this.g_nS) g.fill(0);
    this.refractory.clear();
  }
}

/**
 * What the TypeScript step functions write besides v and the conductances: refractory counters, spike indices
 * and flags, the refractory list's neurons and held voltages, and counts ([0] spikes of this step, written;
 * [1] refractory neurons listed, read and written).
 */
interface StepOutputs {
  readonly ref: Int32Array;
  readonly spikeIdx: Int32Array;
  readonly spiked: Uint8Array;
  readonly held: Int32Array;
  readonly heldV: Float32Array;
  readonly counts: Int32Array;
}

/**
 * The error for a neuron whose total conductance went below 0 (or NaN): conductances are >= 0, and with
 * G < 0 the membrane would run away. Usually a current or a negative weight sent into a conductance port.
 */
function negativeConductance(i: number, G: number, gL: number): StateError {
  return new StateError(
    `CobaLIF neuron ${i}: its total conductance g_L + sum of a_k g_k is ${G} nS, below 0 (g_L = ${gL} nS), so ` +
      `its membrane would run away; synapse ports take conductances in nS, and a negative weight, or a current ` +
      `or noise sent into one (the first synapse port is the default port: a plain Float32Array input and ` +
      `drives without a port go there), makes them negative; send currents into "i_nA" (e.g. a drive with ` +
      `{ port: "i_nA" }) and keep conductance weights >= 0`,
    { neuron: i, G_nS: G },
  );
}

/**
 * The membrane update of a step as a plain function of typed arrays (its constants in a Float64Array, so that
 * V8 keeps them unboxed; see cuba-lif.ts). Every neuron integrates; one that crosses threshold fires unless
 * refractory, and is listed with its reset voltage; `RefractoryList.restore` then puts back the held voltage
 * of every listed neuron, which discards its membrane inputs of the step.
 */
function stepMembrane(
  v: Float32Array,
  n: number,
  gSum: Float64Array,
  gESum: Float64Array,
  current: Float32Array | undefined,
  jump: Float32Array | undefined,
  c: Float64Array,
  subtract: boolean,
  refSteps: number,
  out: StepOutputs,
): void {
  const { ref, spikeIdx, spiked, held, heldV, counts } = out;
  const dtOverC = c[0];
  const gL = c[1];
  const gLEL = c[2];
  const vThreshold_mV = c[3];
  const vReset_mV = c[4];
  const resetDrop_mV = c[5];
  let nSpikes = 0;
  let nHeld = counts[1];
  for (let i = 0; i < n; i++) {
    const G = gL + gSum[i];
    if (!(G >= 0)) throw negativeConductance(i, G, gL);
    let drive = gLEL + gESum[i];
    if (current !== undefined) {
      drive += 1000 * current[i];
      current[i] = 0;
    }
    const vi0 = v[i];
    let vi = vi0 + dtOverC * relaxFactor(dtOverC * G) * (drive - G * vi0);
    if (jump !== undefined) {
      vi += jump[i];
      jump[i] = 0;
    }
    if (vi >= vThreshold_mV && ref[i] === 0) {
      spikeIdx[nSpikes++] = i;
      spiked[i] = 1;
      vi = subtract ? vi - resetDrop_mV : vReset_mV;
      if (refSteps > 0) {
        ref[i] = refSteps;
        held[nHeld] = i;
        heldV[nHeld++] = vi;
      }
    }
    v[i] = vi;
  }
  counts[0] = nSpikes;
  counts[1] = nHeld;
}

/**
 * `stepMembrane` with each neuron's own constants (`CobaLifPerNeuronDerived`): the same expressions in the same
 * order, with dt/C, g_L, g_L E_L, v_th, v_reset and the reset drop read at index i.
 */
function stepMembranePerNeuron(
  v: Float32Array,
  n: number,
  gSum: Float64Array,
  gESum: Float64Array,
  current: Float32Array | undefined,
  jump: Float32Array | undefined,
  d: CobaLifPerNeuronDerived,
  subtract: boolean,
  refSteps: number,
  out: StepOutputs,
): void {
  const { ref, spikeIdx, spiked, held, heldV, counts } = out;
  const { dtOverC, gLeak_nS, gLeakRest, vThreshold_mV, vReset_mV, resetDrop_mV } = d;
  let nSpikes = 0;
  let nHeld = counts[1];
  for (let i = 0; i < n; i++) {
    const gL = gLeak_nS[i];
    const G = gL + gSum[i];
    if (!(G >= 0)) throw negativeConductance(i, G, gL);
    let drive = gLeakRest[i] + gESum[i];
    if (current !== undefined) {
      drive += 1000 * current[i];
      current[i] = 0;
    }
    const k = dtOverC[i];
    const vi0 = v[i];
    let vi = vi0 + k * relaxFactor(k * G) * (drive - G * vi0);
    if (jump !== undefined) {
      vi += jump[i];
      jump[i] = 0;
    }
    if (vi >= vThreshold_mV[i] && ref[i] === 0) {
      spikeIdx[nSpikes++] = i;
      spiked[i] = 1;
      vi = subtract ? vi - resetDrop_mV[i] : vReset_mV[i];
      if (refSteps > 0) {
        ref[i] = refSteps;
        held[nHeld] = i;
        heldV[nHeld++] = vi;
      }
    }
    v[i] = vi;
  }
  counts[0] = nSpikes;
  counts[1] = nHeld;
}

/**
 * The same step as `step`'s general path, fused into one pass for two synapse ports (excitatory and
 * inhibitory, as in the COBA benchmark): no scratch arrays, and the same arithmetic per neuron, so the two
 * paths give identical results (tested).
 */
function stepTwoPorts(
  v: Float32Array,
  n: number,
  g0: Float32Array,
  g1: Float32Array,
  arrived0: Float32Array,
  arrived1: Float32Array,
  current: Float32Array | undefined,
  jump: Float32Array | undefined,
  c: Float64Array,
  subtract: boolean,
  refSteps: number,
  out: StepOutputs,
): void {
  const { ref, spikeIdx, spiked, held, heldV, counts } = out;
  const dtOverC = c[0];
  const gL = c[1];
  const gLEL = c[2];
  const vThreshold_mV = c[3];
  const vReset_mV = c[4];
  const resetDrop_mV = c[5];
  const d0 = c[6];
  const a0 = c[7];
  const aE0 = a0 * c[8];
  const d1 = c[9];
  const a1 = c[10];
  const aE1 = a1 * c[11];
  let nSpikes = 0;
  let nHeld = counts[1];
  for (let i = 0; i < n; i++) {
    const ge = g0[i] + arrived0[i];
    const gi = g1[i] + arrived1[i];
    g0[i] = ge * d0;
    g1[i] = gi * d1;
    // the same sums, in the same order, as the general path's port passes
    const G = gL + (a0 * ge + a1 * gi);
    if (!(G >= 0)) throw negativeConductance(i, G, gL);
    let drive = gLEL + (aE0 * ge + aE1 * gi);
    if (current !== undefined) {
      drive += 1000 * current[i];
      current[i] = 0;
    }
    const vi0 = v[i];
    let vi = vi0 + dtOverC * relaxFactor(dtOverC * G) * (drive - G * vi0);
    if (jump !== undefined) {
      vi += jump[i];
      jump[i] = 0;
    }
    if (vi >= vThreshold_mV && ref[i] === 0) {
      spikeIdx[nSpikes++] = i;
      spiked[i] = 1;
      vi = subtract ? vi - resetDrop_mV : vReset_mV;
      if (refSteps > 0) {
        ref[i] = refSteps;
        held[nHeld] = i;
        heldV[nHeld++] = vi;
      }
    }
    v[i] = vi;
  }
  arrived0.fill(0);
  arrived1.fill(0);
  counts[0] = nSpikes;
  counts[1] = nHeld;
}

/**
 * phi(x) = (1 - e^(-x)) / x for x >= 0 (phi(0) = 1), the factor of the exact relaxation
 *   v <- v + (dt / C) phi(dt G / C) (drive - G v)
 * which equals v_oo + (v - v_oo) e^(-dt G / C) with v_oo = drive / G, without a division or an exponential
 * for x < 0.25 (every step of a membrane whose conductance keeps dt G / C under 0.25: at dt = 0.1 ms and
 * C = 200 pF, G up to 500 nS): there by its Taylor polynomial of degree 7, sum_k (-x)^k / (k + 1)!, evaluated
 * in Estrin's form (a short dependency chain), whose relative error is below 5e-11 (the remainder
 * x^8 / 9!); -expm1(-x) / x otherwise.
 */
const P2 = 1 / 6;
const P3 = 1 / 24;
const P4 = 1 / 120;
const P5 = 1 / 720;
const P6 = 1 / 5040;
const P7 = 1 / 40320;

export function relaxFactor(x: number): number {
  if (!(x >= 0 && x < 0.25)) return x === 0 ? 1 : -Math.expm1(-x) / x;
  const y = -x;
  const y2 = y * y;
  const y4 = y2 * y2;
  // multiplications only: V8 does not turn a division by a constant into one
  return 1 + y * 0.5 + y2 * (P2 + y * P3) + y4 * (P4 + y * P5 + y2 * (P6 + y * P7));
}
