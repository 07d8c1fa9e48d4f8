/**
 * One-to-one transfer of a trained rate RNN to a spiking LIF RNN with a scaling factor s (= 1/lambda).
 * Source: Kim, Li & Sejnowski, PNAS 116:22811 (2019), Methods "Transfer learning from a rate model to a spiking
 * model"; SI Table S1; reference code spiking/LIF_network_fnc.m (read, not ported); docs/rnn.md section 6.
 *
 * Same N, same E/I identity, same masks; W_in and the decay constants are copied unchanged:
 *   W_spk = W_eff / s,   W_out,spk = W_out / s (no bias),   W_in,spk = W_in,   tau_d,spk = tau_d (ms)
 * The result is an ordinary engine `Network` with one `DoubleExpLIF` population "lif", a recurrent projection
 * and two monitors (a `LinearReadout` z = W_out r / s over the filtered spike trains, and a `SpikeMonitor`):
 *   synapseFilter "receiver" (default, the reference code): a `Dense` projection delivers sum_j W_spk[i, j] over
 *     the spikes of step t-1 into the "syn" port; unit i filters its summed input with its own tau_d,i (as x_i
 *     in the rate model). Event-driven: cost = spikes x N per step.
 *   synapseFilter "sender" (the paper's equations, I = W_spk r): a `RateCoupling` projection adds W_spk r every
 *     step, r filtered with each sender's tau_d. Dense work: nnz(W) per step.
 * Both give the same current when all decay constants are equal (test/rnn/transfer.test.ts).
 * The LIF units count refractoriness by the reference code's rule (`refractoryRule: "t-last"`: dv = 0 while
 * t <= t_last + 2 ms, i.e. 40 held steps after a spike and the first 40 steps of a trial, threshold tested
 * throughout; src/neurons/double-exp-lif.ts), not the engine's R - 1 held steps.
 * The input u (rate grid, 5 ms) is held for dt_rate / dt_lif = 100 LIF steps (`HeldCurrentDrive`, align
 * "round" = the reference's u(:, round(i/100) + 1)); see lif-trial.ts.
 */
import { InvalidParameterError, TimeStepError, requirePositive } from "../core/errors.ts";
import { msToSteps } from "../core/time.ts";
import { withDefaults } from "../core/options.ts";
import type { HoldAlign } from "../network/current-drive.ts";
import { LinearReadout } from "../network/linear-readout.ts";
import { SpikeMonitor } from "../network/monitors.ts";
import { Network } from "../network/network.ts";
import {
  DOUBLE_EXP_LIF_DEFAULTS,
  DoubleExpLIF,
  type DoubleExpLifParams,
  type RefractoryRule,
} from "../neurons/double-exp-lif.ts";
import { Dense } from "../projections/dense.ts";
import { RateCoupling } from "../projections/rate-coupling.ts";
import { type RateRnn, decayTaus_ms, effectiveWeightsDense, requireRateRnn } from "./rate-rnn.ts";

export type SynapseFilter = "receiver" | "sender";

export interface TransferOptions {
  /** LIF step. Default 0.05 ms (reference code: 0.00005 s). */
  readonly dt_ms: number;
  /** Whose decay constant filters the recurrent current (see the file comment). Default "receiver" (code). */
  readonly synapseFilter: SynapseFilter;
  /** Which input sample a LIF step uses (network/current-drive.ts). Default "round" (reference code). */
  readonly inputAlign: HoldAlign;
  /**
   * LIF parameters over DOUBLE_EXP_LIF_DEFAULTS (SI Table S1); tauDecay_ms always comes from the rate net.
   * Default { refractoryRule: "t-last" } (the reference code's refractory rule); a given object is merged over
   * this default.
   */
  readonly neuron: Partial<Omit<DoubleExpLifParams, "tauDecay_ms">>;
  /** Readout samples to preallocate. Default 50 000 (a Mante trial at 0.05 ms). */
  readonly capacity_steps: number;
}

export const TRANSFER_DEFAULTS: Readonly<TransferOptions> = Object.freeze({
  dt_ms: 0.05,
  synapseFilter: "receiver" as SynapseFilter,
  inputAlign: "round" as HoldAlign,
  neuron: Object.freeze({ refractoryRule: "t-last" as RefractoryRule }),
  capacity_steps: 50_000,
});

/** A spiking RNN built by `transferRateRnn`: the network plus handles on its parts. */
export interface SpikingRnn {
  readonly network: Network;
  readonly population: DoubleExpLIF;
  readonly recurrent: Dense | RateCoupling;
  /** z = W_out r / s after every step. */
  readonly readout: LinearReadout;
  readonly spikes: SpikeMonitor;
  readonly scale: number;
  readonly units: number;
  readonly inputs: number;
  /** W_in, units x inputs, row-major (copied, unscaled). */
  readonly inputWeights: Float64Array;
  /** LIF steps per rate step (100 for 5 ms / 0.05 ms). */
  readonly holdSteps: number;
  readonly inputAlign: HoldAlign;
  readonly dt_ms: number;
  /** +1 excitatory, -1 inhibitory (copied from the rate net). */
  readonly sign: Int8Array;
  readonly options: Readonly<TransferOptions>;
}

/** The scaled spiking weights: recurrent [post * N + pre] = W_eff / s and readout W_out / s (float64). */
export function spikingWeights(
  model: RateRnn,
  scale: number,
): { recurrent: Float64Array; readout: Float64Array } {
  requirePositive("scale", scale);
  const recurrent = effectiveWeightsDense(model);
  for (let k = 0; k < recurrent.length; k++) recurrent[k] /= scale;
  const readout = Float64Array.from(model.wOut, (w) => w / scale);
  return { recurrent, readout };
}

/**
 * The first step rate_ms / k, for k = `from`, from + `dir`, ... (at most 1000 tries, k >= 1), that is written
 * with at most three significant digits (5 ms: 0.05, 0.0625, 0.1, ...), or undefined.
 */
function shortDivisor(rate_ms: number, from: number, dir: 1 | -1): number | undefined {
  for (let k = from, tries = 0; k >= 1 && tries < 1000; k += dir, tries++) {
    const d = rate_ms / k;
    if (Number(d.toPrecision(3)) === d) return d;
  }
  return undefined;
}

/**
 * How many LIF steps of `dt_ms` make one rate step of `rate_ms` (each input value is held that long). A
 * `dt_ms` that does not divide the rate step is refused, suggesting the nearest ones that do: it is the LIF
 * step that is chosen here, the rate step is the trained model's.
 */
function lifStepsPerRateStep(rate_ms: number, dt_ms: number): number {
  requirePositive("dt_ms", dt_ms);
  try {
    return msToSteps(rate_ms, dt_ms, "the rate step (model.dynamics.dt_ms)");
  } catch (e) {
    if (!(e instanceof TimeStepError)) throw e;
    const exact = rate_ms / dt_ms;
    const near = [
      shortDivisor(rate_ms, Math.ceil(exact), 1),
      shortDivisor(rate_ms, Math.floor(exact), -1),
    ].filter((d) => d !== undefined);
    throw new TimeStepError(
      `dt_ms = ${dt_ms} ms does not divide the model's rate step of ${rate_ms} ms ` +
        `(${exact.toPrecision(6)} LIF steps per rate step; each input value is held a whole number of steps); ` +
        `use a dt_ms that divides it, such as ${near.join(" or ")} ms (default 0.05)`,
      { dt_ms, rate_ms },
    );
  }
}

/** Builds the spiking RNN of `model` at scaling factor `scale` (see the file comment). */
export function transferRateRnn(
  model: RateRnn,
  scale: number,
  options: Partial<TransferOptions> = {},
): SpikingRnn {
  requireRateRnn("transferRateRnn", model);
  const given = withDefaults("transfer options", TRANSFER_DEFAULTS, options);
  const o: TransferOptions = { ...given, neuron: { ...TRANSFER_DEFAULTS.neuron, ...options.neuron } };
  if (o.synapseFilter !== "receiver" && o.synapseFilter !== "sender") {
    throw new InvalidParameterError(
      `synapseFilter must be "receiver" or "sender", got ${JSON.stringify(o.synapseFilter)}`,
    );
  }
  if ("tauDecay_ms" in o.neuron) {
    throw new InvalidParameterError(
      "neuron.tauDecay_ms cannot be overridden: the transfer copies the rate net's decay constants",
    );
  }
  const n = model.units;
  const holdSteps = lifStepsPerRateStep(model.dynamics.dt_ms, o.dt_ms);
  const { recurrent, readout } = spikingWeights(model, scale);

  const network = new Network({ dt_ms: o.dt_ms, learning: false });
  const population = network.addPopulation(
    "lif",
    new DoubleExpLIF(n, o.dt_ms, {
      ...DOUBLE_EXP_LIF_DEFAULTS,
      ...o.neuron,
      tauDecay_ms: decayTaus_ms(model),
    }),
  );
  let proj: Dense | RateCoupling;
  if (o.synapseFilter === "receiver") {
    // Dense layout is [pre][post]: transpose
    const prePost = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) prePost[j * n + i] = recurrent[i * n + j];
    proj = new Dense(population, population, { weights: prePost, port: "syn" });
  } else {
    proj = new RateCoupling(population, population, { weights: recurrent, port: "i_nA" });
  }
  network.addProjection("recurrent", proj);
  const out = network.addMonitor(new LinearReadout(population.r_Hz, readout, { capacity: o.capacity_steps }));
  const spikes = network.addMonitor(new SpikeMonitor(population, { initialCapacity: 16_384 }));
  return {
    network,
    population,
    recurrent: proj,
    readout: out,
    spikes,
    scale,
    units: n,
    inputs: model.inputs,
    inputWeights: model.wIn.slice(),
    holdSteps,
    inputAlign: o.inputAlign,
    dt_ms: o.dt_ms,
    sign: model.sign.slice(),
    options: Object.freeze({ ...o, neuron: Object.freeze({ ...o.neuron }) }),
  };
}
