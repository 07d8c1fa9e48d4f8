/**
 * One trial of a spiking RNN (transfer.ts) on a task trial (tasks.ts), and its spiking success criterion.
 * Source: reference code spiking/LIF_network_fnc.m and lambda_grid_search.m (read, not ported); docs/rnn.md.
 *
 * The rate trial's input u has T rows on the 5 ms grid. The LIF run appends one zero row (T + 1 rows, as the
 * reference's u with T + 1 columns), holds each row for `holdSteps` = 100 LIF steps with the reference's
 * rounding (HeldCurrentDrive, align "round"), and simulates T x 100 steps: 20 000 (Go-NoGo, 1 s), 30 000 (XOR),
 * 50 000 (Mante) at 0.05 ms. The output is sampled after every step (sample k at time (k + 1) dt) and judged
 * with `isCorrect(task, output, trial, { criterion: "spiking", dt_ms })`: from 0.5 s (Go-NoGo: Go needs
 * max > 0.7, NoGo max < 0.3, no abs), 1.0 s (XOR) or 1.3 s (Mante), +-0.7 for the two-sided tasks.
 *
 * A trial draws its initial voltages and all membrane noise from the `rng` it is given, so trial k of a search
 * gives the same result on any worker.
 */
import type { Rng } from "../core/rng.ts";
import { HeldCurrentDrive } from "../network/current-drive.ts";
import type { SpikingRnn } from "./transfer.ts";
import { type Trial, isCorrect, requireTrialFits } from "./tasks.ts";

export interface LifTrialResult {
  /** z after every LIF step (a view into the readout, valid until the network runs again). */
  readonly output: Float64Array;
  /** Spikes as (step, neuron) pairs in time order (views, valid until the network runs again). */
  readonly spikeSteps: Int32Array;
  readonly spikeNeurons: Int32Array;
  /** LIF steps simulated. */
  readonly steps: number;
  /** The spiking success criterion of the trial's task. */
  readonly correct: boolean;
}

/** The trial's input with one zero row appended (T + 1 rows, time-major). */
export function paddedInput(trial: Trial): Float64Array {
  const u = new Float64Array((trial.steps + 1) * trial.inputs);
  u.set(trial.u);
  return u;
}

/** LIF steps of a trial: T rate steps x holdSteps. */
export function lifTrialSteps(net: SpikingRnn, trial: Trial): number {
  return trial.steps * net.holdSteps;
}

/**
 * The input drive of a trial: W_in u held over holdSteps per row. Throws `InvalidParameterError` when the
 * trial's task has another number of input channels than the network (an XOR trial on a Go-NoGo network).
 */
export function trialDrive(net: SpikingRnn, trial: Trial): HeldCurrentDrive {
  requireTrialFits("the spiking network", net.inputs, trial);
  return new HeldCurrentDrive(net.inputWeights, net.units, net.inputs, paddedInput(trial), {
    holdSteps: net.holdSteps,
    align: net.inputAlign,
    port: "i_nA",
  });
}

/**
 * Runs one trial: `rng` replaces the population's random stream (initial voltages and noise), the network is
 * reset, then driven by W_in u for T x holdSteps steps. A trial whose task does not fit the network's inputs
 * is refused before anything runs (`trialDrive`).
 */
export function runLifTrial(net: SpikingRnn, trial: Trial, rng: Rng): LifTrialResult {
  const drive = trialDrive(net, trial);
  const steps = lifTrialSteps(net, trial);
  net.population.setRng(rng);
  net.network.reset();
  net.network.run({ lif: drive }, steps);
  const output = net.readout.values;
  return {
    output,
    spikeSteps: net.spikes.steps,
    spikeNeurons: net.spikes.neurons,
    steps,
    correct: isCorrect(trial.task, output, trial, { criterion: "spiking", dt_ms: net.dt_ms }),
  };
}

/** Mean firing rate of every unit over a trial's spikes, in Hz. */
export function firingRates_Hz(net: SpikingRnn, result: LifTrialResult): Float64Array {
  const rates = new Float64Array(net.units);
  for (let k = 0; k < result.spikeNeurons.length; k++) rates[result.spikeNeurons[k]]++;
  const duration_s = (result.steps * net.dt_ms) / 1000;
  for (let i = 0; i < rates.length; i++) rates[i] /= duration_s;
  return rates;
}
