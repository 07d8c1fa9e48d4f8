/**
 * The locally connected SNN of Saunders, Patel, Hazan, Siegelmann & Kozma (2019), "Locally connected spiking
 * neural networks for unsupervised feature learning", Neural Networks 119:332-340.
 * Parameters: ../../docs/lcsnn.md (from the authors' experiment code; reference notes A.2-A.5).
 *
 *   X: 20x20 Poisson inputs (MNIST cropped by 4 px per side), rate = pixel (0-255) x 0.5 Hz
 *   Y: F filters at each of L = Ho x Wo locations (location-major: j = loc F + f), Diehl & Cook adaptive LIF
 *      (rest -65, reset -60, threshold -52 + theta mV, tau 100 ms, refractory 5 ms, theta +0.05 mV per
 *      crossing, tau_theta 1e7 ms) with the layer-wide rule that at most one neuron emits a spike per step
 *   X -> Y: locally connected, un-shared k x k kernels, stride s, weights uniform in [0, 1] and clamped there,
 *      post-pre STDP with nu = (0, 0.01) and traces tau 20 ms, each neuron's incoming weights normalised to
 *      0.2 k^2 after every example
 *   Y -> Y: -250 mV from every spike onto the other filters of the same location (hard winner-take-all)
 * One-step synaptic delay, dt = 1 ms, 250 ms per example.
 */
import {
  InvalidParameterError,
  ShapeMismatchError,
  requireInteger,
  requirePositive,
} from "../core/errors.ts";
import { requireKnownKeys } from "../core/options.ts";
import { createRng, type Rng } from "../core/rng.ts";
import { log } from "../core/log.ts";
import { msToSteps } from "../core/time.ts";
import { Network } from "../network/network.ts";
import { Input } from "../neurons/input.ts";
import { AdaptiveLIF, ADAPTIVE_LIF_DEFAULTS, type AdaptiveLifParams } from "../neurons/adaptive-lif.ts";
import { Local2d } from "../projections/local-2d.ts";
import { LateralInhibition } from "../projections/lateral-inhibition.ts";
import { convOutputSize } from "../projections/geometry.ts";
import { postPre } from "../plasticity/stdp.ts";
import { IncomingNormalization } from "../plasticity/normalization.ts";
import type { LearnedTensor, UnsupervisedModel } from "./types.ts";

export interface LcsnnConfig {
  /** Filters per location. Paper: 25 to 1000. */
  readonly filters: number;
  /** Square kernel side in pixels. Paper: 12 (up to 150 filters), 16 (from 200). */
  readonly kernel: number;
  /** Stride in pixels. Paper: 4 with k 12, 2 with k 16. */
  readonly stride: number;
  /** Side of the square input image before cropping. MNIST: 28. */
  readonly imageSide: number;
  /** Pixels removed from each side. Paper: 4 (28 -> 20). */
  readonly crop_px: number;
  /** Input rate per pixel unit (0-255). Paper: 0.5 Hz, so at most 127.5 Hz. */
  readonly intensity_Hz_per_unit: number;
  /** Presentation time per example. Paper: 250 ms. */
  readonly time_ms: number;
  /** Step. Paper: 1 ms. */
  readonly dt_ms: number;
  /** Inhibition between filters of one location. Paper: 250 mV. */
  readonly inhibition_mV: number;
  /** Potentiation rate (on post spikes). Paper: 0.01. */
  readonly nuPost: number;
  /** Depression rate (on pre spikes). Paper: 0. */
  readonly nuPre: number;
  /** Trace time constant of inputs and outputs. Paper: 20 ms. */
  readonly traceTau_ms: number;
  /** Incoming weights of each neuron are normalised to norm x k^2 after each example. Paper: 0.2. */
  readonly norm: number;
  /** Output neurons (Diehl & Cook nodes); LC-SNN values by default. */
  readonly neuron: Readonly<Partial<AdaptiveLifParams>>;
  /** Seed of the initial weights (and, in the experiments, of everything else). */
  readonly seed: number;
}

export const LCSNN_DEFAULTS: Readonly<LcsnnConfig> = Object.freeze({
  filters: 100,
  kernel: 12,
  stride: 4,
  imageSide: 28,
  crop_px: 4,
  intensity_Hz_per_unit: 0.5,
  time_ms: 250,
  dt_ms: 1,
  inhibition_mV: 250,
  nuPost: 0.01,
  nuPre: 0,
  traceTau_ms: 20,
  norm: 0.2,
  neuron: Object.freeze({ ...ADAPTIVE_LIF_DEFAULTS }),
  seed: 0,
});

/** The paper's geometry for a filter count: 12x12 stride 4 up to 150 filters, 16x16 stride 2 from 200. */
export function lcsnnPaperGeometry(filters: number): { kernel: number; stride: number } {
  requireInteger("filters", filters, 1);
  return filters <= 150 ? { kernel: 12, stride: 4 } : { kernel: 16, stride: 2 };
}

/**
 * The side of the cropped input of an LC-SNN geometry (imageSide - 2 crop_px), checked: the crop must leave
 * an input and the kernel must fit it. Throws an InvalidParameterError that begins with the field at fault
 * (crop_px, kernel), as the constructor does: a geometry that fails it has no size (its count of
 * locations would be zero or negative).
 */
export function lcsnnInputSide(c: Pick<LcsnnConfig, "imageSide" | "crop_px" | "kernel">): number {
  const inputSide = c.imageSide - 2 * c.crop_px;
  if (inputSide < 1) {
    throw new InvalidParameterError(
      `crop_px ${c.crop_px} leaves no input of the ${c.imageSide}x${c.imageSide} image; use crop_px below ` +
        `${Math.ceil(c.imageSide / 2)}`,
    );
  }
  if (inputSide < c.kernel) {
    throw new InvalidParameterError(
      `kernel ${c.kernel} does not fit the ${inputSide}x${inputSide} input (${c.imageSide} - 2 x ` +
        `crop_px ${c.crop_px}); use kernel <= ${inputSide} or a smaller crop_px`,
    );
  }
  return inputSide;
}

export interface LcsnnState {
  /** Weights in Local2d layout [loc][ky][kx][f]. */
  readonly weights?: Float32Array;
  /** Adaptive thresholds per output neuron. */
  readonly theta_mV?: Float32Array;
}

export class Lcsnn implements UnsupervisedModel {
  readonly kind = "lcsnn";
  readonly config: Readonly<LcsnnConfig>;
  readonly net: Network;
  readonly input: Input;
  readonly output: AdaptiveLIF;
  readonly local: Local2d;
  readonly stdp: ReturnType<typeof postPre>;
  readonly steps: number;
  readonly dt_ms: number;
  readonly inputSide: number;
  readonly inputSize: number;
  readonly locations: number;

  constructor(config: Partial<LcsnnConfig> = {}, state: LcsnnState = {}) {
    requireKnownKeys("Lcsnn config", config, Object.keys(LCSNN_DEFAULTS));
    requireKnownKeys("Lcsnn state", state, ["weights", "theta_mV"]);
    const c: LcsnnConfig = Object.freeze({
      ...LCSNN_DEFAULTS,
      ...config,
      neuron: Object.freeze({ ...LCSNN_DEFAULTS.neuron, ...(config.neuron ?? {}) }),
    });
    this.config = c;
    requireInteger("filters", c.filters, 1);
    requireInteger("crop_px", c.crop_px, 0);
    requirePositive("norm", c.norm);
    if (c.norm > 1) {
      throw new InvalidParameterError(
        `norm ${c.norm} cannot be reached: each neuron's kernel x kernel incoming weights lie in [0, 1], so ` +
          `their sum is at most 1 x kernel^2; use a norm in (0, 1] (paper: 0.2)`,
        { norm: c.norm },
      );
    }
    this.inputSide = lcsnnInputSide(c);
    const side = convOutputSize(this.inputSide, c.kernel, c.stride, 0);
    const unseen = this.inputSide - ((side - 1) * c.stride + c.kernel);
    if (unseen > 0) {
      const span = this.inputSide - c.kernel;
      const strides = Array.from({ length: span }, (_, k) => k + 1).filter((s) => span % s === 0);
      log.warn(
        "lcsnn-unseen-input",
        `stride ${c.stride} with kernel ${c.kernel} leaves the last ${unseen} of the ${this.inputSide} input ` +
          `rows and columns outside every receptive field; a stride that divides ${span} covers them all ` +
          `(${strides.join(", ")})`,
        { once: true },
      );
    }
    this.locations = side * side;
    this.inputSize = this.inputSide * this.inputSide;
    this.dt_ms = c.dt_ms;
    this.steps = msToSteps(c.time_ms, c.dt_ms, "time_ms");

    const n = this.locations * c.filters;
    // saved tensors (a model file) must be of this config's model: said in its terms, not Local2d's layout
    const weightCount = this.locations * c.kernel * c.kernel * c.filters;
    if (state.weights && state.weights.length !== weightCount) {
      throw new ShapeMismatchError(
        `tensor "X->Y.weight" has ${state.weights.length} weights, but the config (filters ${c.filters}, ` +
          `kernel ${c.kernel}, stride ${c.stride}, crop_px ${c.crop_px}) needs ${weightCount}: ` +
          `${this.locations} locations x ${c.kernel}x${c.kernel} kernel x ${c.filters} filters`,
        { tensor: "X->Y.weight", length: state.weights.length, expected: weightCount },
      );
    }
    if (state.theta_mV && state.theta_mV.length !== n) {
      throw new ShapeMismatchError(
        `tensor "Y.theta_mV" has ${state.theta_mV.length} thresholds, but the config's model has ${n} ` +
          `neurons (${this.locations} locations x ${c.filters} filters)`,
        { tensor: "Y.theta_mV", length: state.theta_mV.length, expected: n },
      );
    }
    this.net = new Network({ dt_ms: c.dt_ms });
    this.input = this.net.addPopulation("X", new Input(this.inputSize));
    this.output = this.net.addPopulation(
      "Y",
      new AdaptiveLIF(n, c.dt_ms, c.neuron, { oneSpikePerStep: true, rng: createRng(c.seed, "one-spike") }),
    );
    this.local = this.net.addProjection(
      "X->Y",
      new Local2d(this.input, this.output, {
        inputShape: [1, this.inputSide, this.inputSide],
        kernel: c.kernel,
        stride: c.stride,
        filters: c.filters,
        bounds: { wMin: 0, wMax: 1 },
        ...(state.weights
          ? { weights: state.weights }
          : { init: { kind: "uniform" as const, lo: 0, hi: 1, rng: createRng(c.seed, "init", "X->Y") } }),
      }),
    );
    this.stdp = postPre(this.local, c.dt_ms, {
      nuPre: c.nuPre,
      nuPost: c.nuPost,
      preTrace: { tau_ms: c.traceTau_ms },
      postTrace: { tau_ms: c.traceTau_ms },
    });
    new IncomingNormalization(this.local, c.norm * c.kernel * c.kernel);
    this.net.addProjection(
      "Y->Y",
      new LateralInhibition(this.output, {
        groupSize: c.filters,
        strength_mV: c.inhibition_mV,
        mode: "within-group",
      }),
    );
    if (state.theta_mV) this.output.theta_mV.set(state.theta_mV);
  }

  rates(image: Uint8Array, out: Float32Array): Float32Array {
    const { imageSide, crop_px, intensity_Hz_per_unit } = this.config;
    const side = this.inputSide;
    if (image.length !== imageSide * imageSide) {
      throw new InvalidParameterError(
        `image has ${image.length} pixels, the model expects ${imageSide}x${imageSide}`,
      );
    }
    for (let y = 0; y < side; y++) {
      const row = (y + crop_px) * imageSide + crop_px;
      for (let x = 0; x < side; x++) out[y * side + x] = image[row + x] * intensity_Hz_per_unit;
    }
    return out;
  }

  setExampleRng(rng: Rng): void {
    this.output.setRng(rng);
  }

  tensors(): Record<string, LearnedTensor> {
    const [kh, kw] = this.local.kernelSize;
    return {
      "X->Y.weight": { data: this.local.w, shape: [this.locations, kh, kw, this.config.filters] },
      "Y.theta_mV": { data: this.output.theta_mV, shape: [this.output.size] },
    };
  }
}
