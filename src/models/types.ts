/**
 * What the unsupervised-learning experiments need from a model: a network with an `Input` population "X"
 * fed by Poisson spikes, an output population whose spikes are read out, its STDP rule (for learning-rate
 * schedules), the image preprocessing, and the learned tensors for saving.
 */
import type { Rng } from "../core/rng.ts";
import type { Network } from "../network/network.ts";
import type { Input } from "../neurons/input.ts";
import type { AdaptiveLIF } from "../neurons/adaptive-lif.ts";
import type { Stdp } from "../plasticity/stdp.ts";

export interface LearnedTensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

export interface UnsupervisedModel {
  /** "lcsnn" or "diehl-cook-2015". */
  readonly kind: string;
  /** Every hyper-parameter, JSON-able. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly net: Network;
  readonly input: Input;
  /** The population whose spikes are read out. */
  readonly output: AdaptiveLIF;
  readonly stdp: Stdp;
  /** Steps per presentation. */
  readonly steps: number;
  readonly dt_ms: number;
  /** Input rates in Hz for an image (after cropping), at intensity factor 1; written into `out`. */
  rates(image: Uint8Array, out: Float32Array): Float32Array;
  /** Length of the rate vector (input population size). */
  readonly inputSize: number;
  /** Gives the example its own random stream for any in-network randomness (the one-spike choice). */
  setExampleRng(rng: Rng): void;
  /** Every learned quantity, by name (weights, thresholds). */
  tensors(): Record<string, LearnedTensor>;
}
