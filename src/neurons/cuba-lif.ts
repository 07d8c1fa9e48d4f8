/**
 * Current-based leaky integrate-and-fire neuron with exponentially decaying synaptic currents.
 * Source: Gerstner, Kistler, Naud & Paninski, Neuronal Dynamics (2014), sections 1.3 and 3.1 (current-based
 * synapses); the CUBA network of Vogels & Abbott, J. Neurosci. 25:10786 (2005), benchmark 2 of Brette et al.,
 * J. Comput. Neurosci. 23:349 (2007); NIR `CubaLIF`; docs/models/cuba-lif.md.
 *
 *   tau_m dv/dt   = -(v - v_rest) + R (I_1 + ... + I_K) + R i_ext
 *   tau_k dI_k/dt = -I_k          for each synapse port k; a spike of weight w arriving at port k: I_k += w
 *   spike when v >= v_th; reset ("to-value" | "subtract") and refractoriness as LIF (docs/conventions.md)
 *
 * Discretisation: exact for the linear system over one step (i_ext held over the step). With
 * D_m = e^(-dt/tau_m) and D_k = e^(-dt/tau_k):
 *   I_k <- I_k + (weights arrived at port k in this step)
 *   v   <- v_rest + (v - v_rest) D_m + (1 - D_m) R i_ext + sum_k R I_k c_k + dv
 *   I_k <- I_k D_k
 *   c_k  = tau_k / (tau_k - tau_m) (D_k - D_m)    (= (dt/tau_m) D_m in the limit tau_k = tau_m)
 * c_k is evaluated as D_m (dt/tau_m) expm1(x)/x with x = dt (tau_k - tau_m) / (tau_m tau_k), which has no
 * cancellation when tau_k is close to tau_m. A weight that arrives in step t (from a spike in step t - 1, the
 * engine's one-step delivery) joins I_k before the step's integration, so v moves in step t itself: as in
 * Brian2, whose `on_pre` raises the current in the spike's step t - 1, after the state update, so that the
 * integration of step t is the first to see it. Refractoriness clamps only v: the synaptic currents keep
 * decaying and accumulating arrivals.
 *
 * Units: I_k and the weights on synapse ports are currents in nA, R is in MOhm, so R I is in mV. The
 * voltage-unit formulation of Brian2's CUBA example (dv/dt = (ge + gi - (v - El))/taum, ge and gi in mV) is
 * this model with R = 1 MOhm and weights in nA numerically equal to the mV of Brian2; see
 * CUBA_BENCHMARK_PARAMS below.
 * Ports: the synapse ports (in order; the first is the default), then "i_nA" (external current held over the
 * step) and "dv_mV" (instantaneous jump).
 */
import { InvalidParameterError, requireFloat32Factor, requirePositive } from "../core/errors.ts";
import { warnIfSiUnits } from "../core/units.ts";
import { withDefaults } from "../core/options.ts";
import type { StepContext } from "../network/types.ts";
import {
  PER_NEURON_PARAMETERS,
  PopulationBase,
  checkSynapseEntry,
  fillInitial,
  initialVoltageOrRest,
  keepInitialVoltage,
  perNeuron,
  perNeuronParams,
  refusePerNeuron,
  requireNeuronDt,
  requireNoExtraArguments,
} from "./base.ts";
import type { PerNeuronOptions, PerNeuronParams, ReadonlyFloat64Array } from "./base.ts";
import { CUBA_KERNEL_CONSTANTS, CubaKernel } from "./cuba-kernel.ts";
import { RefractoryList } from "./refractory.ts";
import { LIF_DEFAULTS, deriveLif, deriveLifPerNeuron, lifPlaceholderDerived } from "./lif.ts";
import type { LifDerived, LifParams, LifPerNeuronDerived } from "./lif.ts";

/** One synaptic current: the port that feeds it and its decay time constant. */
export interface SynapsePort {
  /** Port name; must differ from "i_nA", "dv_mV" and from the other synapse ports. */
  readonly port: string;
  /** Decay time constant of the current. */
  readonly tauSyn_ms: number;
}

export interface CubaLifParams extends LifParams {
  /** Synaptic currents. Default [{ port: "syn", tauSyn_ms: 5 }]. The other fields default as LIF. */
  readonly synapses: readonly SynapsePort[];
}

export const CUBA_LIF_DEFAULTS: Readonly<CubaLifParams> = Object.freeze({
  ...LIF_DEFAULTS,
  synapses: Object.freeze([Object.freeze({ port: "syn", tauSyn_ms: 5 })]),
});

/**
 * The CUBA benchmark neuron (Vogels & Abbott 2005, as in Brian2's example): taum 20 ms, El -49 mV, Vr -60 mV,
 * Vt -50 mV, refractory 5 ms, excitatory taue 5 ms and inhibitory taui 10 ms; R = 1 MOhm so currents in nA
 * read as the example's mV. Use the weights in CUBA_BENCHMARK_WEIGHTS.
 */
export const CUBA_BENCHMARK_PARAMS: Readonly<Partial<CubaLifParams>> = Object.freeze({
  tauMem_ms: 20,
  vRest_mV: -49,
  vReset_mV: -60,
  vThreshold_mV: -50,
  tRef_ms: 5,
  resistance_MOhm: 1,
  synapses: Object.freeze([
    Object.freeze({ port: "exc", tauSyn_ms: 5 }),
    Object.freeze({ port: "inh", tauSyn_ms: 10 }),
  ]),
});

/** CUBA weights: we = 60 * 0.27 / 10 mV and wi = -20 * 4.5 / 10 mV, as nA on a 1 MOhm membrane. */
export const CUBA_BENCHMARK_WEIGHTS: Readonly<{ exc_nA: number; inh_nA: number }> = Object.freeze({
  exc_nA: (60 * 0.27) / 10,
  inh_nA: (-20 * 4.5) / 10,
});

/** Per-step constants derived from the parameters and dt (pure). */
export interface CubaLifDerived extends LifDerived {
  /** D_k = e^(-dt/tau_k) per synapse port. */
  readonly synDecay: readonly number[];
  /** R c_k: mV added to v over one step per nA of synaptic current k at the start of the step. */
  readonly synGain: readonly number[];
}

const RESERVED_PORTS = ["i_nA", "dv_mV"];

/** The CubaLIF parameters that `CubaLIF` takes once per neuron as well (`CubaLifOptions`): LIF's. */
export const CUBA_LIF_PER_NEURON_KEYS = PER_NEURON_PARAMETERS.CubaLIF.keys;
type PerNeuronKey = (typeof CUBA_LIF_PER_NEURON_KEYS)[number];

/**
 * What `new CubaLIF` takes: `CubaLifParams`, where tau_m, the rest, reset and threshold potentials and the
 * resistance may also be one value per neuron (as LIF's); the synapse ports' time constants stay one per port.
 */
export type CubaLifOptions = PerNeuronOptions<CubaLifParams, PerNeuronKey>;

/** A CubaLIF's `params`: a parameter given per neuron is kept as a frozen array of numbers. */
export type CubaLifStoredParams = PerNeuronParams<CubaLifParams, PerNeuronKey>;

/**
 * The synapse list checked (at least one entry, each as `checkSynapseEntry` checks it): each port's tau_k and
 * its decay per step D_k = e^(-dt/tau_k).
 */
function checkSynapses(
  synapses: readonly SynapsePort[],
  dt_ms: number,
): { readonly tau: number[]; readonly synDecay: number[] } {
  if (!Array.isArray(synapses) || synapses.length === 0) {
    throw new InvalidParameterError(
      "synapses must list at least one { port, tauSyn_ms }; for a neuron without synaptic currents use LIF",
    );
  }
  const names: string[] = [];
  const tau = synapses.map((s, k) =>
    checkSynapseEntry(s, k, ["port", "tauSyn_ms"], RESERVED_PORTS, names, dt_ms),
  );
  return { tau, synDecay: tau.map((tauK) => Math.exp(-dt_ms / tauK)) };
}

/** R c_k of one neuron (membrane decay D_m, tau_m, resistance R) for a synapse of tau_k (see the file comment). */
function synapseGain(decay: number, tauM: number, tauK: number, R: number, dt_ms: number): number {
  const x = (dt_ms * (tauK - tauM)) / (tauM * tauK);
  const c = decay * (dt_ms / tauM) * (x === 0 ? 1 : Math.expm1(x) / x);
  return R * c;
}

export function deriveCubaLif(p: CubaLifParams, dt_ms: number): CubaLifDerived {
  requireNeuronDt(dt_ms);
  const lif = deriveLif(p, dt_ms);
  const { tau, synDecay } = checkSynapses(p.synapses, dt_ms);
  const synGain = tau.map((tauK) => synapseGain(lif.decay, p.tauMem_ms, tauK, p.resistance_MOhm, dt_ms));
  return { ...lif, synDecay, synGain };
}

/** Per-neuron step constants of a CubaLIF with per-neuron parameters: LIF's, and R c_k per port and neuron. */
export interface CubaLifPerNeuronDerived extends LifPerNeuronDerived {
  /** Per synapse port, one R c_k per neuron (its tau_m and R with the port's tau_k). */
  readonly synGain: readonly ReadonlyFloat64Array[];
}

/**
 * The per-neuron constants of `p` for `size` neurons: `deriveLifPerNeuron`'s (errors name the neuron), the
 * synapses checked as `deriveCubaLif` checks them, and each neuron's gains the numbers `deriveCubaLif` gives
 * for its values.
 */
export function deriveCubaLifPerNeuron(
  p: CubaLifOptions,
  dt_ms: number,
  size: number,
): CubaLifPerNeuronDerived {
  requireNeuronDt(dt_ms);
  const lif = deriveLifPerNeuron(p, dt_ms, size);
  const { tau } = checkSynapses(p.synapses, dt_ms);
  // checked by deriveLifPerNeuron; read again as numbers per neuron
  const tauM = perNeuron("tauMem_ms", p.tauMem_ms, size, requirePositive);
  const R = perNeuron("resistance_MOhm", p.resistance_MOhm, size, requireFloat32Factor);
  const synGain = tau.map((tauK) =>
    lif.decay.map((decay, i) => synapseGain(decay, tauM[i], tauK, R[i], dt_ms)),
  );
  return { ...lif, synGain };
}

export class CubaLIF extends PopulationBase {
  readonly model = "cuba-lif";
  /** The parameters, per-neuron ones as frozen arrays (`CubaLifStoredParams`). */
  readonly params: CubaLifStoredParams;
  /**
   * The step constants; with per-neuron parameters its decay, currentGain, resetDrop_mV and synGain are NaN
   * and the constants are in `perNeuronDerived`.
   */
  readonly derived: CubaLifDerived;
  /** One entry per neuron when a parameter was given per neuron (CUBA_LIF_PER_NEURON_KEYS); else undefined. */
  readonly perNeuronDerived: CubaLifPerNeuronDerived | undefined;
  readonly dt_ms: number;
  /** The initial membrane potential (`vInit_mV`), one value or one per neuron; `reset()` restores it. */
  private readonly vInit: number | Float32Array;
  /** Membrane potential in mV. */
  readonly v_mV: Float32Array;
  /** Synaptic currents in nA, one buffer per synapse port (state "iSyn_<port>_nA"). */
  readonly iSyn_nA: readonly Float32Array[];
  /**
   * Steps of refractoriness left (see docs/conventions.md). Read it freely; change it only through
   * `setRefractory`, because the model keeps its own list of refractory neurons.
   * Limitation: a direct write to this array is not seen by the step (LIF and IF honour one); the list is
   * what lets the step loop skip a per-neuron refractory test, which is most of a simulation's time.
   */
  readonly refractoryLeft: Int32Array;
  private readonly refractory: RefractoryList;
  private readonly synDecay: Float64Array;
  private readonly synGain: Float64Array;
  private readonly synPorts: readonly Float32Array[];
  /** Synaptic drive of the current step in mV (scratch, preallocated). */
  private readonly drive: Float64Array;
  /** Spike and refractory counts handed to and from stepTwoPortsArena and the kernel. */
  private readonly counts: Int32Array;
  /** The two-port step's float constants (see stepTwoPortsArena). */
  private readonly twoPortConstants: Float64Array;
  /** The WebAssembly two-port step owning the arena and the spike and refractory buffers (cuba-kernel.ts). */
  private readonly kernel: CubaKernel | undefined;
  /**
   * Whether the two-port step runs in the WebAssembly kernel, where there is one (two synapse ports,
   * WebAssembly available, SPIKEFLOW_WASM not 0). Set it to false to run the TypeScript reference step on the
   * same state, e.g. to compare both; the results are identical (test/neurons/cuba-kernel.test.ts).
   */
  useKernel = true;

  constructor(size: number, dt_ms: number, params: Partial<CubaLifOptions> = {}, ...extra: never[]) {
    requireNoExtraArguments("CubaLIF", "size, dt_ms, params", extra);
    const given = withDefaults("CubaLIF params", CUBA_LIF_DEFAULTS as CubaLifOptions, params, ["vInit_mV"]);
    refusePerNeuron("CubaLIF", given, ["tRef_ms"]);
    // one value per neuron, all equal, is one value (as LIF's)
    const { params: merged, perNeuron: perNeuronGiven } = perNeuronParams(
      given,
      CUBA_LIF_PER_NEURON_KEYS,
      size,
    );
    // the scalar constants, or for per-neuron values the synapse list checked (the ports are named after it)
    // and NaN constants: the per-neuron ones are derived below, once the population's size is checked
    let derived: CubaLifDerived;
    if (perNeuronGiven) {
      requireNeuronDt(dt_ms);
      const { synDecay } = checkSynapses(merged.synapses, dt_ms);
      derived = {
        ...lifPlaceholderDerived(merged.tRef_ms, dt_ms),
        synDecay,
        synGain: synDecay.map(() => NaN),
      };
    } else derived = deriveCubaLif(merged as CubaLifParams, dt_ms);
    // with two synapse ports and one value per parameter the WebAssembly kernel, when available, holds the
    // arena and the spike buffers; per-neuron values take the TypeScript step (stepPerNeuron).
    // Limitation: the kernel holds one set of membrane constants, so a population with per-neuron values
    // never uses it; its step is about 3 times slower than the TypeScript two-port step
    // (docs/models/cuba-lif.md).
    const kernel =
      !perNeuronGiven && merged.synapses.length === 2 && Number.isInteger(size) && size >= 1
        ? CubaKernel.create(size)
        : undefined;
    // v and the synaptic currents live in the arena beside the ports (see PopulationBase.arena)
    super(
      size,
      [...merged.synapses.map((s) => s.port), ...RESERVED_PORTS],
      1 + merged.synapses.length,
      kernel?.buffers,
    );
    this.kernel = kernel;
    this.params = Object.freeze({
      ...merged,
      synapses: Object.freeze(merged.synapses.map((s) => ({ ...s }))),
    }) as CubaLifStoredParams;
    this.dt_ms = dt_ms;
    this.perNeuronDerived = perNeuronGiven ? deriveCubaLifPerNeuron(this.params, dt_ms, size) : undefined;
    this.derived = derived;
    this.synDecay = Float64Array.from(derived.synDecay);
    this.synGain = Float64Array.from(derived.synGain);
    this.synPorts = this.params.synapses.map((_s, k) => this.portAt(k));
    // the initial voltage defaults to the rest, per neuron when the rest is given per neuron
    this.vInit = initialVoltageOrRest(this.params.vInit_mV, this.params.vRest_mV, size);
    this.params = keepInitialVoltage(this.params, this.vInit);
    warnIfSiUnits("CubaLIF", this.params);
    this.v_mV = this.addState("v_mV", this.vInit);
    this.iSyn_nA = Object.freeze(this.params.synapses.map((s) => this.addState(`iSyn_${s.port}_nA`, 0)));
    this.refractory = new RefractoryList(size, kernel?.refractory);
    this.refractoryLeft = this.refractory.left;
    this.drive = new Float64Array(size);
    const { decay, currentGain, resetDrop_mV } = derived;
    // NaN for per-neuron values (the two-port constants are then unused)
    const { vRest_mV, vThreshold_mV, vReset_mV } = this.params as CubaLifParams;
    this.counts = kernel?.counts ?? new Int32Array(2);
    this.twoPortConstants = kernel?.constants ?? new Float64Array(CUBA_KERNEL_CONSTANTS);
    this.twoPortConstants.set([
      this.synGain[0],
      this.synGain[1] ?? 0,
      this.synDecay[0],
      this.synDecay[1] ?? 0,
      decay,
      currentGain,
      vRest_mV,
      vThreshold_mV,
      vReset_mV,
      resetDrop_mV,
    ]);
  }

  /**
   * Makes neuron i refractory for `steps` more steps from now (0 releases it): v keeps its present value and
   * membrane inputs are discarded while the count is above zero, exactly as after a spike.
   */
  setRefractory(i: number, steps: number): void {
    this.refractory.set(i, steps, this.v_mV[i] ?? 0);
  }

  step(_ctx: StepContext): void {
    if (this.perNeuronDerived !== undefined) {
      this.stepPerNeuron(this.perNeuronDerived);
      return;
    }
    const { decay, currentGain, refSteps, resetDrop_mV } = this.derived;
    const { vRest_mV, vThreshold_mV, vReset_mV } = this.params as CubaLifParams;
    const subtract = this.params.reset === "subtract";
    const nSyn = this.synDecay.length;
    const synDecay = this.synDecay;
    const synGain = this.synGain;
    const syn = this.iSyn_nA;
    const synPorts = this.synPorts;
    const v = this.v_mV;
    const ref = this.refractoryLeft;
    const cur = this.portAt(nSyn);
    const dv = this.portAt(nSyn + 1);
    const refractory = this.refractory;
    this.beginSpikes();
    if (nSyn === 2) {
      this.stepTwoPorts();
      return;
    }
    refractory.countDown();

    // the weights that arrived join the currents, which then drive v over the step and decay; one
    // contiguous pass per synapse port (much faster than an inner loop over ports per neuron)
    const drive = this.drive;
    const n = this.size;
    for (let k = 0; k < nSyn; k++) {
      const current = syn[k];
      const arrived = synPorts[k];
      const gain = synGain[k];
      const d = synDecay[k];
      if (k === 0) {
        for (let i = 0; i < n; i++) {
          const I = current[i] + arrived[i];
          drive[i] = gain * I;
          current[i] = I * d;
          arrived[i] = 0;
        }
      } else {
        for (let i = 0; i < n; i++) {
          const I = current[i] + arrived[i];
          drive[i] += gain * I;
          current[i] = I * d;
          arrived[i] = 0;
        }
      }
    }

    // Every neuron integrates; a refractory one (ref > 0 after the count-down) cannot fire and gets its held
    // voltage back in refractory.restore, which discards its membrane inputs of this step (RefractoryList).
    for (let i = 0; i < n; i++) {
      let vi = vRest_mV + (v[i] - vRest_mV) * decay + currentGain * cur[i] + drive[i] + dv[i];
      cur[i] = 0;
      dv[i] = 0;
      if (vi >= vThreshold_mV && ref[i] === 0) {
        this.pushSpike(i);
        vi = subtract ? vi - resetDrop_mV : vReset_mV;
        if (refSteps > 0) {
          ref[i] = refSteps;
          refractory.hold(i, vi);
        }
      }
      v[i] = vi;
    }
    refractory.restore(v);
  }

  /**
   * The same update as `step`, fused into one pass for the common case of two synapse ports (excitatory and
   * inhibitory, as in the CUBA benchmark): `stepTwoPortsArena` over the arena (ports and states in one buffer,
   * see PopulationBase) with fixed offsets, testing refractoriness only for a neuron that crossed threshold
   * (RefractoryList), or the same step in WebAssembly (cuba-kernel.ts, which also counts the list down and
   * restores it) over the same buffers.
   */
  private stepTwoPorts(): void {
    const refSteps = this.derived.refSteps;
    const refractory = this.refractory;
    const counts = this.counts;
    // the membrane ports ("i_nA", "dv_mV") are all zeros unless someone obtained them through port()
    const useMembrane = this.portEverRequested(2) || this.portEverRequested(3);
    const subtract = this.params.reset === "subtract";
    const kernel = this.useKernel ? this.kernel : undefined;
    if (kernel === undefined) refractory.countDown();
    counts[0] = 0;
    counts[1] = refractory.count;
    if (kernel !== undefined) {
      kernel.step(useMembrane, subtract, refSteps);
    } else {
      stepTwoPortsArena(
        this.arena,
        this.size,
        // arena slots: ports exc, inh, i_nA, dv_mV; states v_mV, iSyn_exc_nA, iSyn_inh_nA
        this.arenaOffset(1),
        this.arenaOffset(2),
        this.arenaOffset(3),
        this.arenaOffset(4),
        this.arenaOffset(5),
        this.arenaOffset(6),
        useMembrane,
        this.twoPortConstants,
        subtract,
        refSteps,
        this.refractoryLeft,
        this.spikeIdx,
        this.spiked,
        this.refractory.idx,
        this.refractory.vHeld,
        counts,
      );
    }
    this.setSpikeCount(counts[0]);
    refractory.count = counts[1];
    if (kernel === undefined) refractory.restore(this.v_mV);
  }

  /**
   * The step with each neuron's own constants, in TypeScript (the kernel takes one value per parameter). It
   * sums as the step a one-neuron population of the same ports takes: with two ports as the fused two-port
   * step (v_rest + leak + g_0 I_0 + g_1 I_1, then the membrane ports), else as the K-port step (the membrane
   * ports, then the synaptic drive), so it gives the same numbers as N one-neuron populations.
   */
  private stepPerNeuron(d: CubaLifPerNeuronDerived): void {
    const { decay, currentGain, vRest_mV, vThreshold_mV, vReset_mV, resetDrop_mV, synGain } = d;
    const refSteps = this.derived.refSteps;
    const subtract = this.params.reset === "subtract";
    const nSyn = this.synDecay.length;
    const synDecay = this.synDecay;
    const syn = this.iSyn_nA;
    const synPorts = this.synPorts;
    const v = this.v_mV;
    const ref = this.refractoryLeft;
    const cur = this.portAt(nSyn);
    const dv = this.portAt(nSyn + 1);
    const refractory = this.refractory;
    const drive = this.drive;
    const n = this.size;
    const two = nSyn === 2;
    this.beginSpikes();
    refractory.countDown();
    if (!two) {
      // the arrived weights join the currents, which then drive v over the step and decay; one pass per port
      for (let k = 0; k < nSyn; k++) {
        const current = syn[k];
        const arrived = synPorts[k];
        const gain = synGain[k];
        const dk = synDecay[k];
        for (let i = 0; i < n; i++) {
          const I = current[i] + arrived[i];
          drive[i] = k === 0 ? gain[i] * I : drive[i] + gain[i] * I;
          current[i] = I * dk;
          arrived[i] = 0;
        }
      }
    }
    // with two ports the membrane ports are all zeros unless someone obtained them (that step skips them)
    const useMembrane = !two || this.portEverRequested(2) || this.portEverRequested(3);
    const [I0s, I1s] = syn;
    const [a0, a1] = synPorts;
    const [g0, g1] = synGain;
    const d0 = synDecay[0];
    const d1 = synDecay[1];
    for (let i = 0; i < n; i++) {
      const rest = vRest_mV[i];
      let vi: number;
      if (two) {
        const I0 = I0s[i] + a0[i];
        const I1 = I1s[i] + a1[i];
        I0s[i] = I0 * d0;
        I1s[i] = I1 * d1;
        a0[i] = 0;
        a1[i] = 0;
        vi = rest + (v[i] - rest) * decay[i] + g0[i] * I0 + g1[i] * I1;
        if (useMembrane) vi += currentGain[i] * cur[i] + dv[i];
      } else vi = rest + (v[i] - rest) * decay[i] + currentGain[i] * cur[i] + drive[i] + dv[i];
      cur[i] = 0;
      dv[i] = 0;
      if (vi >= vThreshold_mV[i] && ref[i] === 0) {
        this.pushSpike(i);
        vi = subtract ? vi - resetDrop_mV[i] : vReset_mV[i];
        if (refSteps > 0) {
          ref[i] = refSteps;
          refractory.hold(i, vi);
        }
      }
      v[i] = vi;
    }
    refractory.restore(v);
  }

  override reset(): void {
    super.reset();
    fillInitial(this.v_mV, this.vInit);
    for (const current of this.iSyn_nA) current.fill(0);
    this.refractory.clear();
  }
}

/**
 * The two-port step as a plain function of typed arrays. Its float constants come in `c`, a Float64Array
 * (gain 0, gain 1, decay 0, decay 1, membrane decay, current gain, v_rest, v_th, v_reset, reset drop), not as
 * numbers taken from object fields: V8 generalises the representation of such fields once enough
 * populations exist, and the loop then unboxed them in every iteration and boxed the new voltage into a heap
 * number (CUBA benchmark: 0.39-0.45 s per simulated s from the fourth network of a process on, instead of
 * 0.23 s). A Float64Array element is always an unboxed float64.
 * counts: [0] spikes of this step (written), [1] refractory neurons listed (read and written).
 */
function stepTwoPortsArena(
  m: Float32Array,
  n: number,
  oA1: number,
  oCur: number,
  oDv: number,
  oV: number,
  oI0: number,
  oI1: number,
  useMembrane: boolean,
  c: Float64Array,
  subtract: boolean,
  refSteps: number,
  ref: Int32Array,
  spikeIdx: Int32Array,
  spiked: Uint8Array,
  held: Int32Array,
  heldV: Float32Array,
  counts: Int32Array,
): void {
  const oA0 = 0;
  // float64 loads: the compiler keeps these unboxed whatever representation the source numbers had
  const g0 = c[0];
  const g1 = c[1];
  const d0 = c[2];
  const d1 = c[3];
  const decay = c[4];
  const currentGain = c[5];
  const vRest_mV = c[6];
  const vThreshold_mV = c[7];
  const vReset_mV = c[8];
  const resetDrop_mV = c[9];
  let nSpikes = 0;
  let nHeld = counts[1];
  for (let i = 0; i < n; i++) {
    // the arrived weights join the currents, which drive v over the step and decay
    const I0 = m[oI0 + i] + m[oA0 + i];
    const I1 = m[oI1 + i] + m[oA1 + i];
    m[oI0 + i] = I0 * d0;
    m[oI1 + i] = I1 * d1;

    // integrate (exact over the step); a refractory neuron is restored afterwards (RefractoryList)
    let vi = vRest_mV + (m[oV + i] - vRest_mV) * decay + g0 * I0 + g1 * I1;
    if (useMembrane) {
      vi += currentGain * m[oCur + i] + m[oDv + i];
      m[oCur + i] = 0;
      m[oDv + i] = 0;
    }

    // threshold and reset
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
    m[oV + i] = vi;
  }
  // both synapse ports were consumed: clear them in one native fill (ports are slots 0 and 1)
  m.fill(0, oA0, oA1 + n);
  counts[0] = nSpikes;
  counts[1] = nHeld;
}
