/**
 * Diehl & Cook (2015), "Unsupervised learning of digit recognition using spike-timing-dependent plasticity",
 * Front. Comput. Neurosci. 9:99, in the form BindsNET's DiehlAndCook2015 model gives it (reference notes B.9):
 *
 *   X: 28x28 Poisson inputs, rate = pixel (0-255) x 128/255 Hz (BindsNET's intensity 128), 250 ms at dt 1 ms
 *   Ae: n excitatory adaptive-LIF neurons (rest -65, reset -60, threshold -52 + theta mV, tau 100 ms,
 *       refractory 5 ms, theta +0.05 mV, tau_theta 1e7 ms; at most one spike per step)
 *   X -> Ae: all-to-all, weights 0.3 x uniform[0, 1), bounds [0, 1], post-pre STDP nu = (1e-4, 1e-2), traces
 *       20 ms, each neuron's incoming weights normalised to 78.4 (0.1 x 784) after every example
 *   variant "original": Ai: n inhibitory LIF (rest -60, reset -45, threshold -40 mV, tau 10 ms, refractory 2 ms);
 *       Ae -> Ai one-to-one 22.5 mV; Ai -> Ae -120 mV onto every excitatory neuron but the partner (the value
 *       of BindsNET's eth_mnist example)
 *   variant "recurrent" (BindsNET's DiehlAndCook2015v2, the LC-SNN paper's baseline): no Ai; Ae -> Ae
 *       -500 mV between every pair of different neurons
 *
 * Differences from the Brian original: delta (voltage-jump) synapses instead of conductances, 250 ms without a
 * rest period at dt = 1 ms instead of 350 + 150 ms at dt = 0.5 ms (docs/lcsnn.md lists them).
 */
import { InvalidParameterError, ShapeMismatchError, requireInteger } from "../core/errors.ts";
import { requireKnownKeys } from "../core/options.ts";
import { createRng, type Rng } from "../core/rng.ts";
import { msToSteps } from "../core/time.ts";
import { Network } from "../network/network.ts";
import { Input } from "../neurons/input.ts";
import { LIF, type LifParams } from "../neurons/lif.ts";
import { AdaptiveLIF, ADAPTIVE_LIF_DEFAULTS, type AdaptiveLifParams } from "../neurons/adaptive-lif.ts";
import { Dense } from "../projections/dense.ts";
import { OneToOne } from "../projections/one-to-one.ts";
import { LateralInhibition } from "../projections/lateral-inhibition.ts";
import { postPre } from "../plasticity/stdp.ts";
import { IncomingNormalization } from "../plasticity/normalization.ts";
import type { LearnedTensor, UnsupervisedModel } from "./types.ts";

export type DiehlCookVariant = "original" | "recurrent";

export interface DiehlCookConfig {
  /** Excitatory neurons. Paper: 100, 400, 1600, 6400. */
  readonly neurons: number;
  readonly variant: DiehlCookVariant;
  /** Side of the square input image. MNIST: 28. */
  readonly imageSide: number;
  /** Input rate per pixel unit (0-255). BindsNET: 128/255 Hz. */
  readonly intensity_Hz_per_unit: number;
  readonly time_ms: number;
  readonly dt_ms: number;
  /** Ae -> Ai weight ("original" only; a "recurrent" model has no Ai and leaves it out). 22.5 mV. */
  readonly excToInh_mV?: number;
  /**
   * Ai -> Ae inhibition ("original"), or Ae -> Ae inhibition ("recurrent"). Default by variant: 120 mV for
   * "original" (BindsNET's eth_mnist example; the model class's own default of 17.5 mV gives a weak
   * winner-take-all that learns far worse: 47 % vs 75 % after 3000 examples with 100 neurons), 500 mV for
   * "recurrent" (the LC-SNN paper's re-run of Diehl & Cook).
   */
  readonly inhibition_mV: number;
  readonly nuPre: number;
  readonly nuPost: number;
  readonly traceTau_ms: number;
  /** Sum of each excitatory neuron's incoming weights after every example. 78.4. */
  readonly normTotal: number;
  /** Initial weights are uniform in [0, initMax). 0.3. */
  readonly initMax: number;
  readonly excitatory: Readonly<Partial<AdaptiveLifParams>>;
  /** At most one excitatory spike per step (BindsNET's DiehlAndCookNodes default). */
  readonly oneSpikePerStep: boolean;
  /** The Ai neurons ("original" only; left out of a "recurrent" model, like excToInh_mV). */
  readonly inhibitory?: Readonly<Partial<LifParams>>;
  readonly seed: number;
}

/** The fields of the inhibitory layer Ai, which only the "original" variant has. */
const AI_FIELDS = ["excToInh_mV", "inhibitory"] as const;

export const DIEHL_COOK_DEFAULTS: Readonly<Required<Omit<DiehlCookConfig, "inhibition_mV">>> = Object.freeze({
  neurons: 400,
  variant: "original" as DiehlCookVariant,
  imageSide: 28,
  intensity_Hz_per_unit: 128 / 255,
  time_ms: 250,
  dt_ms: 1,
  excToInh_mV: 22.5,
  nuPre: 1e-4,
  nuPost: 1e-2,
  traceTau_ms: 20,
  normTotal: 78.4,
  initMax: 0.3,
  excitatory: Object.freeze({ ...ADAPTIVE_LIF_DEFAULTS }),
  oneSpikePerStep: true,
  inhibitory: Object.freeze({ vRest_mV: -60, vReset_mV: -45, vThreshold_mV: -40, tauMem_ms: 10, tRef_ms: 2 }),
  seed: 0,
});

/**
 * A "recurrent" config without the Ai fields, which that variant does not use. Their default values (which
 * config files of older runs hold) are dropped; any other value is refused, as it would have no effect.
 */
function withoutAi(c: Required<DiehlCookConfig>): DiehlCookConfig {
  for (const field of AI_FIELDS) {
    if (JSON.stringify(c[field]) !== JSON.stringify(DIEHL_COOK_DEFAULTS[field])) {
      throw new InvalidParameterError(
        `${field} ${JSON.stringify(c[field])} has no effect in the "recurrent" variant, which has no ` +
          `inhibitory layer (Ai); drop it, or use variant "original"`,
      );
    }
  }
  const { excToInh_mV: _w, inhibitory: _ai, ...rest } = c;
  return rest;
}

export interface DiehlCookState {
  readonly weights?: Float32Array;
  readonly theta_mV?: Float32Array;
}

export class DiehlCook2015 implements UnsupervisedModel {
  readonly kind = "diehl-cook-2015";
  readonly config: Readonly<DiehlCookConfig>;
  readonly net: Network;
  readonly input: Input;
  readonly output: AdaptiveLIF;
  readonly dense: Dense;
  readonly stdp: ReturnType<typeof postPre>;
  readonly steps: number;
  readonly dt_ms: number;
  readonly inputSize: number;

  constructor(config: Partial<DiehlCookConfig> = {}, state: DiehlCookState = {}) {
    requireKnownKeys("DiehlCook2015 config", config, [...Object.keys(DIEHL_COOK_DEFAULTS), "inhibition_mV"]);
    requireKnownKeys("DiehlCook2015 state", state, ["weights", "theta_mV"]);
    const variant = config.variant ?? DIEHL_COOK_DEFAULTS.variant;
    const full: Required<DiehlCookConfig> = {
      ...DIEHL_COOK_DEFAULTS,
      inhibition_mV: variant === "recurrent" ? 500 : 120,
      ...config,
      excitatory: Object.freeze({ ...DIEHL_COOK_DEFAULTS.excitatory, ...(config.excitatory ?? {}) }),
      inhibitory: Object.freeze({ ...DIEHL_COOK_DEFAULTS.inhibitory, ...(config.inhibitory ?? {}) }),
    };
    if (full.variant !== "original" && full.variant !== "recurrent") {
      throw new InvalidParameterError(
        `variant must be "original" or "recurrent", got ${JSON.stringify(full.variant)}`,
      );
    }
    const c: DiehlCookConfig = Object.freeze(full.variant === "recurrent" ? withoutAi(full) : full);
    this.config = c;
    const n = requireInteger("neurons", c.neurons, 1);
    this.inputSize = c.imageSide * c.imageSide;
    this.dt_ms = c.dt_ms;
    this.steps = msToSteps(c.time_ms, c.dt_ms, "time_ms");
    // saved tensors (a model file) must be of this config's model: said in its terms, not Dense's layout
    const weightCount = this.inputSize * n;
    if (state.weights && state.weights.length !== weightCount) {
      throw new ShapeMismatchError(
        `tensor "X->Ae.weight" has ${state.weights.length} weights, but the config (neurons ${n}, imageSide ` +
          `${c.imageSide}) needs ${weightCount}: ${this.inputSize} inputs x ${n} neurons`,
        { tensor: "X->Ae.weight", length: state.weights.length, expected: weightCount },
      );
    }
    if (state.theta_mV && state.theta_mV.length !== n) {
      throw new ShapeMismatchError(
        `tensor "Ae.theta_mV" has ${state.theta_mV.length} thresholds, but the config's model has ${n} neurons`,
        { tensor: "Ae.theta_mV", length: state.theta_mV.length, expected: n },
      );
    }
    this.net = new Network({ dt_ms: c.dt_ms });
    this.input = this.net.addPopulation("X", new Input(this.inputSize));
    this.output = this.net.addPopulation(
      "Ae",
      new AdaptiveLIF(n, c.dt_ms, c.excitatory, {
        oneSpikePerStep: true,
        rng: createRng(c.seed, "one-spike"),
      }),
    );
    this.dense = this.net.addProjection(
      "X->Ae",
      new Dense(this.input, this.output, {
        bounds: { wMin: 0, wMax: 1 },
        ...(state.weights
          ? { weights: state.weights }
          : {
              init: {
                kind: "uniform" as const,
                lo: 0,
                hi: c.initMax,
                rng: createRng(c.seed, "init", "X->Ae"),
              },
            }),
      }),
    );
    this.stdp = postPre(this.dense, c.dt_ms, {
      nuPre: c.nuPre,
      nuPost: c.nuPost,
      preTrace: { tau_ms: c.traceTau_ms },
      postTrace: { tau_ms: c.traceTau_ms },
    });
    new IncomingNormalization(this.dense, c.normTotal);
    if (c.variant === "original") {
      const ai = this.net.addPopulation("Ai", new LIF(n, c.dt_ms, full.inhibitory));
      this.net.addProjection("Ae->Ai", new OneToOne(this.output, ai, { weights: full.excToInh_mV }));
      this.net.addProjection(
        "Ai->Ae",
        new LateralInhibition(ai, {
          mode: "all-but-self",
          strength_mV: c.inhibition_mV,
          target: this.output,
        }),
      );
    } else {
      this.net.addProjection(
        "Ae->Ae",
        new LateralInhibition(this.output, { mode: "all-but-self", strength_mV: c.inhibition_mV }),
      );
    }
    if (state.theta_mV) this.output.theta_mV.set(state.theta_mV);
  }

  rates(image: Uint8Array, out: Float32Array): Float32Array {
    const k = this.config.intensity_Hz_per_unit;
    if (image.length !== this.inputSize) {
      throw new InvalidParameterError(
        `image has ${image.length} pixels, the model expects ${this.inputSize}`,
      );
    }
    for (let i = 0; i < image.length; i++) out[i] = image[i] * k;
    return out;
  }

  setExampleRng(rng: Rng): void {
    this.output.setRng(rng);
  }

  tensors(): Record<string, LearnedTensor> {
    return {
      "X->Ae.weight": { data: this.dense.w, shape: [this.inputSize, this.output.size] },
      "Ae.theta_mV": { data: this.output.theta_mV, shape: [this.output.size] },
    };
  }
}
