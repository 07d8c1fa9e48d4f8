/**
 * Song, Miller & Abbott (2000), "Competitive Hebbian learning through spike-timing-dependent synaptic
 * plasticity", single-neuron setting: one conductance-based integrate-and-fire neuron driven by N excitatory
 * Poisson inputs through plastic synapses, additive pair STDP with A- slightly above A+, weights in [0, gmax].
 * Parameters and where each comes from: README.md in this folder.
 *
 * Three builds of the same model, fed the same input spikes:
 * - "text":    `Equations` + `SynapseEquations`, the model written as a Brian2 user writes it;
 * - "builtin": `CobaLIF` (g_L = 1 nS, so a weight in nS is a conductance in units of g_L) + `Dense` + `Stdp`;
 * - "mixed":   the text neuron (`Equations`) + `Dense` + `Stdp`: the plasticity of "builtin" on the
 *              neuron of "text", which separates the two sources of difference.
 */
import { createRng } from "../../../src/core/rng.ts";
import { poisson } from "../../../src/encoding/poisson.ts";
import { SpikeMonitor } from "../../../src/network/monitors.ts";
import { Network } from "../../../src/network/network.ts";
import { CobaLIF } from "../../../src/neurons/coba-lif.ts";
import { Equations } from "../../../src/neurons/equations.ts";
import { Input } from "../../../src/neurons/input.ts";
import { postPre } from "../../../src/plasticity/stdp.ts";
import { Dense } from "../../../src/projections/dense.ts";
import { SynapseEquations } from "../../../src/projections/synapse-equations.ts";

/** The model's parameters (units in the names; conductances in units of the leak conductance g_L). */
export interface SongParams {
  /** Number of excitatory Poisson inputs. */
  readonly inputs: number;
  /** Rate of every input, Hz. */
  readonly rate_Hz: number;
  /** Membrane time constant C / g_L, ms. */
  readonly tauMem_ms: number;
  /** Leak (resting) potential, mV. */
  readonly vRest_mV: number;
  /** Spike threshold, mV. */
  readonly vThreshold_mV: number;
  /** Reset potential, mV. */
  readonly vReset_mV: number;
  /** Excitatory reversal potential, mV. */
  readonly vExc_mV: number;
  /** Decay time constant of the excitatory conductance, ms. */
  readonly tauExc_ms: number;
  /** Largest weight (peak conductance in units of g_L). */
  readonly gMax: number;
  /** Potentiation per pair, as a fraction of gMax (A+ / gMax). */
  readonly aPlus: number;
  /** A- / A+ (the depression to potentiation ratio; slightly above 1). */
  readonly aRatio: number;
  /** Time constants of the potentiation and depression windows, ms. */
  readonly tauPlus_ms: number;
  readonly tauMinus_ms: number;
  /** Simulation step, ms. */
  readonly dt_ms: number;
}

/** The widely used single-neuron setting (README.md, "Parameters": which come from where). */
export const SONG_DEFAULTS: Readonly<SongParams> = Object.freeze({
  inputs: 1000,
  rate_Hz: 15,
  tauMem_ms: 10,
  vRest_mV: -74,
  vThreshold_mV: -54,
  vReset_mV: -60,
  vExc_mV: 0,
  tauExc_ms: 5,
  gMax: 0.01,
  aPlus: 0.01,
  aRatio: 1.05,
  tauPlus_ms: 20,
  tauMinus_ms: 20,
  dt_ms: 0.1,
});

export type SongVariant = "text" | "builtin" | "mixed";

/** A built model: its network, the input and output populations and the live weight buffer. */
export interface SongModel {
  readonly net: Network;
  readonly input: Input;
  /** The neuron: `post.spikeCount` is its spikes in the last step. */
  readonly post: Equations | CobaLIF;
  /** The weights (one per input, input order), live. */
  readonly w: Float32Array;
  readonly params: Readonly<SongParams>;
}

/** The neuron's equations as a Brian2 user writes them (conductance ge in units of g_L). */
export const NEURON_EQUATIONS = "dv/dt = (ge*(Ee - v) + El - v)/taum : mV\ndge/dt = -ge/taue : 1";

/** The synapses' model and statements as a Brian2 user writes them (pair STDP, all-to-all traces). */
export const SYNAPSE_TEXT = {
  model: `w : 1
          dapre/dt = -apre/taupre : 1 (event-driven)
          dapost/dt = -apost/taupost : 1 (event-driven)`,
  on_pre: "ge += w\napre += Apre\nw = clip(w + apost, 0, gmax)",
  on_post: "apost += Apost\nw = clip(w + apre, 0, gmax)",
} as const;

/** Initial weights, uniform in [0, gMax), from the seed's "weights" stream (the same for every variant). */
export function initialWeights(seed: number, p: Readonly<SongParams>): Float32Array {
  const rng = createRng(seed, "weights");
  const w = new Float32Array(p.inputs);
  for (let i = 0; i < w.length; i++) w[i] = rng.uniform(0, p.gMax);
  return w;
}

function textNeuron(p: Readonly<SongParams>): Equations {
  return new Equations(1, p.dt_ms, {
    equations: NEURON_EQUATIONS,
    threshold: "v > vt",
    reset: "v = vr",
    // Brian2's port of the model integrates with forward Euler
    method: "euler",
    params: {
      Ee: p.vExc_mV,
      El: p.vRest_mV,
      taum: p.tauMem_ms,
      taue: p.tauExc_ms,
      vt: p.vThreshold_mV,
      vr: p.vReset_mV,
    },
    init: { v: p.vRest_mV },
  });
}

/** Builds one variant of the model with the seed's initial weights. */
export function buildSong(
  variant: SongVariant,
  seed: number,
  overrides: Partial<SongParams> = {},
): SongModel {
  const p: Readonly<SongParams> = Object.freeze({ ...SONG_DEFAULTS, ...overrides });
  const aPlus = p.aPlus * p.gMax;
  const aMinus = p.aRatio * aPlus;
  const w0 = initialWeights(seed, p);
  const net = new Network({ dt_ms: p.dt_ms });
  const input = net.addPopulation("input", new Input(p.inputs));
  if (variant === "text") {
    const post = net.addPopulation("neuron", textNeuron(p));
    const syn = net.addProjection(
      "input->neuron",
      new SynapseEquations(input, post, {
        ...SYNAPSE_TEXT,
        params: { taupre: p.tauPlus_ms, taupost: p.tauMinus_ms, Apre: aPlus, Apost: -aMinus, gmax: p.gMax },
        connect: () => true,
        init: { w: w0 },
        bounds: { wMin: 0, wMax: p.gMax },
        dt_ms: p.dt_ms,
      }),
    );
    return { net, input, post, w: syn.variable("w"), params: p };
  }
  const post = net.addPopulation(
    "neuron",
    variant === "mixed"
      ? textNeuron(p)
      : new CobaLIF(1, p.dt_ms, {
          tauMem_ms: p.tauMem_ms,
          vRest_mV: p.vRest_mV,
          vReset_mV: p.vReset_mV,
          vThreshold_mV: p.vThreshold_mV,
          tRef_ms: 0,
          // g_L = 1 nS: a weight in nS is the conductance in units of g_L, as in the text
          gLeak_nS: 1,
          synapses: [{ port: "exc", tauSyn_ms: p.tauExc_ms, vRev_mV: p.vExc_mV }],
        }),
  );
  const dense = net.addProjection(
    "input->neuron",
    new Dense(input, post, {
      weights: w0,
      bounds: { wMin: 0, wMax: p.gMax },
      port: variant === "mixed" ? "ge" : "exc",
    }),
  );
  // additive traces pair every pre spike with every post spike, as the text's apre and apost do
  postPre(dense, p.dt_ms, {
    nuPre: aMinus,
    nuPost: aPlus,
    preTrace: { tau_ms: p.tauPlus_ms, mode: "additive" },
    postTrace: { tau_ms: p.tauMinus_ms, mode: "additive" },
  });
  return { net, input, post, w: dense.w, params: p };
}

/** What a run gives: the output rate per second, the weight histogram and the wall time. */
export interface SongRun {
  /** Output spikes in each simulated second, Hz. */
  readonly rate_Hz: number[];
  /** Weights after the run, w / gMax, in 10 bins of 0.1 over [0, 1]. */
  readonly histogram: number[];
  /** Fraction of weights below 0.1 gMax and above 0.9 gMax. */
  readonly nearZero: number;
  readonly nearMax: number;
  readonly meanWeight: number;
  /** Wall time of the simulation (input generation included), s. */
  readonly wall_s: number;
  /** The steps of every output spike. */
  readonly spikeSteps: number[];
}

/** Weight statistics of `w` (values in [0, gMax]). */
export function weightStats(
  w: Float32Array,
  gMax: number,
): Pick<SongRun, "histogram" | "nearZero" | "nearMax" | "meanWeight"> {
  const histogram = new Array<number>(10).fill(0);
  let low = 0;
  let high = 0;
  let sum = 0;
  for (let k = 0; k < w.length; k++) {
    const x = w[k] / gMax;
    histogram[Math.min(9, Math.floor(x * 10))]++;
    if (x < 0.1) low++;
    if (x > 0.9) high++;
    sum += w[k];
  }
  return { histogram, nearZero: low / w.length, nearMax: high / w.length, meanWeight: sum / w.length };
}

/**
 * Runs `model` for `seconds`, one second at a time, each second's input a fresh Poisson train from the seed's
 * "input" stream (so every variant built with the same seed sees the same input spikes). `onSecond` is
 * called after each second with its index and output rate.
 */
export function runSong(
  model: SongModel,
  seed: number,
  seconds: number,
  onSecond: (second: number, rate_Hz: number) => void = () => {},
): SongRun {
  const p = model.params;
  const stepsPerSecond = Math.round(1000 / p.dt_ms);
  const rates = new Float64Array(p.inputs).fill(p.rate_Hz);
  const rng = createRng(seed, "input");
  const rate_Hz: number[] = [];
  const spikeSteps: number[] = [];
  const monitor = model.net.addMonitor(new SpikeMonitor(model.post));
  const t0 = performance.now();
  for (let s = 0; s < seconds; s++) {
    const train = poisson(rates, { steps: stepsPerSecond, dt_ms: p.dt_ms, rng });
    monitor.reset();
    model.net.run({ input: train }, stepsPerSecond);
    rate_Hz.push(monitor.count);
    for (let k = 0; k < monitor.count; k++) spikeSteps.push(monitor.steps[k]);
    onSecond(s, monitor.count);
  }
  const wall_s = (performance.now() - t0) / 1000;
  return { rate_Hz, ...weightStats(model.w, p.gMax), wall_s, spikeSteps };
}
