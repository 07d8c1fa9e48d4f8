/**
 * ANN-to-SNN conversion: builds an ordinary engine `Network` of IF neurons from a (normalised, normalize.ts)
 * ReLU network, so monitors, plots, saving and NIR export work on it unchanged (docs/convert.md).
 * Sources: Diehl, Neil, Binas, Cook, Liu & Pfeiffer, IJCNN 2015 (IF neurons, rate code, Poisson input);
 * Rueckauer, Lungu, Hu, Pfeiffer & Liu, Front. Neurosci. 11:682 (2017) (reset by subtraction, biases as
 * constant currents, analog input to the first layer, spiking average pooling).
 *
 * Every dense or conv2d layer (with its ReLU) and every avgpool2d layer becomes one population of IF neurons
 * (threshold 1, reset by subtraction or, option `reset: "zero"`, to 0; v(0) = vInit; docs/models/if.md), fed from the population before it:
 *   dense      Dense projection, weights transposed from PyTorch's [out][in] to the engine's [pre][post],
 *              plus a Bias projection adding b every step (when the layer has a bias);
 *   conv2d     Conv2d projection ([outC][inC][kh][kw], the same layout) plus a Bias with b[oc] per neuron;
 *   avgpool2d  AvgPool2d projection into its own IF population: the pooled output spikes (as the papers and
 *              BindsNET do);
 *   flatten    nothing: populations are channel-major [C][H][W], which is the flattened order already;
 *   relu       nothing: an IF neuron carries only non-negative rates, which is the rectification.
 * Per step (1 step = 1 time unit; dt is irrelevant, the network's dt_ms is 1), neuron j of a layer:
 *   v_j <- v_j + sum_i w_ij s_i(t-1) + b_j;   if v_j >= 1: spike, v_j <- v_j - 1
 * so after T steps the spike count n_j = floor(V_j(T) + vInit) for the integrated input V_j(T) as long as
 * v stays in [0, 1 + max input), and the rate n_j / T approximates the normalised ANN activation a_j in
 * [0, 1] with an error below (1 + |vInit|) / T in the first layer (more in deeper layers, where the input is
 * itself a spike train: Rueckauer et al. 2017, eq. 6-8).
 *
 * Input (option `input`):
 *   "analog" (default; Rueckauer et al.): the first population receives the first layer's linear map of the
 *            image, W x (or the pooled image), as a constant added into its "dv_mV" port every step; there is
 *            no input population. `setImage` computes W x once into a kept buffer (no allocation).
 *   "poisson" (Diehl et al. 2015): an `Input` population "input" of one neuron per pixel; pixel i spikes in a
 *            step with probability maxRate x_i (x_i in [0, 1]). The first projection's weights are divided by
 *            maxRate, so the expected input per step is W x, as with analog input. Each image draws from its
 *            own stream createRng(seed, "convert-poisson", stream) (`setImage(image, stream)`), so results do
 *            not depend on the order or on the worker an image is shown on.
 *   "if"     (deterministic): an IF population "input" (threshold 1, subtract, vInit) driven by x_i every
 *            step: pixel i fires floor(x_i T + vInit) spikes in T steps, evenly spread.
 * Poisson and IF input need x_i in [0, 1] (an EncodingRangeError names the pixel otherwise); analog takes any
 * value.
 *
 * The prediction is the output neuron with the most spikes; a tie is broken by the higher membrane potential
 * (the larger integrated input, count + v), then by the lower index.
 *
 * Limitation: pooling is never folded into the next layer's weights (the linear alternative, which saves a
 * population and its quantisation error); max pooling, batch norm and other layers are not in the Ann model.
 */
import {
  EncodingRangeError,
  FLOAT32_MAX,
  InvalidParameterError,
  ShapeMismatchError,
  UnsupportedError,
  describeValue,
} from "../core/errors.ts";
import { requireKnownKeys } from "../core/options.ts";
import { createRng } from "../core/rng.ts";
import type { Rng } from "../core/rng.ts";
import { SpikeCounter } from "../network/monitors.ts";
import { Network } from "../network/network.ts";
import type { InputMap } from "../network/network.ts";
import type { Drive, Population } from "../network/types.ts";
import { IF } from "../neurons/if.ts";
import { Input } from "../neurons/input.ts";
import { AvgPool2d } from "../projections/avg-pool-2d.ts";
import { Bias } from "../projections/bias.ts";
import { Conv2d } from "../projections/conv-2d.ts";
import { Dense } from "../projections/dense.ts";
import type { WeightedProjection } from "../projections/common.ts";
import { Ann, linearInto, shapeSize } from "./ann.ts";
import type { AnnLayer, AnnLinearLayer } from "./ann.ts";

export type SnnInputKind = "analog" | "poisson" | "if";

export interface AnnToSnnOptions {
  /** How the image enters; see the file comment. Default "analog". */
  readonly input?: SnnInputKind;
  /**
   * Initial membrane potential of every IF neuron, in [0, 1). Default 0. 0.5 rounds each count to the
   * nearest integer of the integrated input instead of down, halving the worst quantisation error.
   */
  readonly vInit?: number;
  /** "poisson": spike probability per step of a pixel of intensity 1, in (0, 1]. Default 1. */
  readonly maxRate?: number;
  /** "poisson": the seed of the per-image streams. Default 0. */
  readonly seed?: number;
  /**
   * What a spike does to v: "subtract" (default; v <- v - 1, Rueckauer et al. 2017, BindsNET, snntoolbox) keeps
   * the charge above the threshold, so the rate tracks the activation without a bias; "zero" (v <- 0, the
   * reset of Diehl et al. 2015's code) drops it, so a neuron whose input per step is above 1 - v loses the
   * excess and rates fall short of the activation by up to one input per spike.
   */
  readonly reset?: "subtract" | "zero";
}

/** A linear layer of the ANN and the population that carries its (rectified) output. */
export interface SnnLayer {
  /** The ANN layer's index. */
  readonly annIndex: number;
  readonly type: "dense" | "conv2d" | "avgpool2d";
  /** Population name in the network: "layer<annIndex>". */
  readonly name: string;
  readonly population: IF;
  /** [features] or [channels, height, width]. */
  readonly shape: readonly number[];
}

const OPTION_KEYS = ["input", "vInit", "maxRate", "seed", "reset"];

type LinearLayer = AnnLinearLayer;

/**
 * The linear layers of `ann` in order, after checking that it converts: a dense or conv2d layer followed by
 * another linear layer must have a ReLU between them (an IF population cannot carry the negative values the
 * ANN would pass on), and a ReLU must follow a linear layer.
 */
function linearLayers(ann: Ann): LinearLayer[] {
  const out: LinearLayer[] = [];
  let unrectified: AnnLayer | undefined;
  for (const layer of ann.layers) {
    switch (layer.type) {
      case "dense":
      case "conv2d":
      case "avgpool2d":
        if (unrectified !== undefined) {
          throw new UnsupportedError(
            `layer ${layer.index} (${layer.type}) takes the output of layer ${unrectified.index} ` +
              `(${unrectified.type}) with no ReLU between them; the spiking layer ${unrectified.index} can only ` +
              `pass on non-negative rates, so the ANN's negative values would be lost. Insert { type: "relu" } ` +
              `after layer ${unrectified.index}` +
              (layer.type === "avgpool2d" ? "" : `, or merge the two linear layers into one`),
            { index: layer.index, previous: unrectified.index },
          );
        }
        if (layer.type !== "avgpool2d") unrectified = layer;
        out.push(layer);
        break;
      case "relu":
        if (out.length === 0) {
          throw new UnsupportedError(
            `layer ${layer.index} (relu) rectifies the input image, which the SNN passes on unchanged; ` +
              `remove it and give non-negative inputs`,
            { index: layer.index },
          );
        }
        unrectified = undefined;
        break;
      case "flatten":
        break;
      default: {
        const type = (layer as { type: unknown }).type;
        throw new UnsupportedError(
          `layer ${(layer as { index: number }).index} (${String(type)}) has no spiking counterpart; ` +
            `ANN-to-SNN conversion takes dense, conv2d, avgpool2d, relu and flatten layers`,
          { index: (layer as { index: number }).index },
        );
      }
    }
  }
  if (out.length === 0) {
    throw new UnsupportedError(
      `the ANN has no dense, conv2d or avgpool2d layer, so the SNN would have no neurons`,
    );
  }
  return out;
}

/** Pixel i of the Input population spikes with probability p_i per step, from the image's own stream. */
class PixelPoissonDrive implements Drive {
  readonly size: number;
  /** Spike probability per step of each pixel. */
  readonly probability: Float64Array;
  rng: Rng;
  constructor(
    private readonly population: Input,
    seed: number,
  ) {
    this.size = population.size;
    this.probability = new Float64Array(population.size);
    // checks the seed here rather than at the first image
    this.rng = createRng(seed, "convert-poisson", 0);
  }
  apply(): void {
    const p = this.probability;
    const rng = this.rng;
    const pop = this.population;
    for (let i = 0; i < p.length; i++) {
      if (p[i] > 0 && rng.float() < p[i]) pop.emit(i);
    }
  }
}

/** The number of synapses leaving each neuron of `source` through `proj` added to `fanOut`. */
function addFanOut(proj: WeightedProjection, fanOut: Float64Array): void {
  const post = new Int32Array(proj.maxFanOut);
  const widx = new Int32Array(proj.maxFanOut);
  for (let i = 0; i < fanOut.length; i++) fanOut[i] += proj.outgoing(i, post, widx);
}

/** A converted network: the engine network plus the handles to present images and read the prediction. */
export class ConvertedSnn {
  readonly network: Network;
  readonly inputKind: SnnInputKind;
  /** The pixel population ("poisson": Input, "if": IF), or null for analog input. */
  readonly input: Input | IF | null;
  /** One entry per linear layer of the ANN, in order; the last is the output. */
  readonly layers: readonly SnnLayer[];
  readonly output: IF;
  /** Spike counts since the last reset: the input population's first (if any), then each layer's. */
  readonly counters: readonly SpikeCounter[];
  /** Synapses leaving each neuron of the population counted by counters[k] (Bias not counted). */
  readonly fanOut: readonly Float64Array[];
  /**
   * Multiply-adds of the first layer's linear map computed per image for analog input (0 otherwise): the
   * analog input's share of the operations, which the SNN's spike-driven count leaves out.
   */
  readonly analogMacs: number;
  /** What `run` passes to `network.run` (the live input buffers). */
  readonly inputs: InputMap;
  /** Values per image (the ANN's input size). */
  readonly pixelCount: number;
  readonly vInit: number;
  readonly maxRate: number;
  readonly seed: number;
  readonly reset: "subtract" | "zero";
  private readonly firstLayer: LinearLayer;
  private readonly pixels: Float64Array;
  private readonly analog64: Float64Array | undefined;
  private readonly analogCurrent: Float32Array | undefined;
  private readonly pixelDrive: Float32Array | undefined;
  private readonly poisson: PixelPoissonDrive | undefined;

  constructor(ann: Ann, opts: AnnToSnnOptions = {}) {
    if (!(ann instanceof Ann)) {
      throw new InvalidParameterError(
        `annToSnn needs an Ann (Ann.create or Ann.fromParameters), got ${describeValue(ann)}`,
      );
    }
    if (opts === null || typeof opts !== "object") {
      throw new InvalidParameterError(`annToSnn options must be an object, got ${describeValue(opts)}`);
    }
    requireKnownKeys("annToSnn options", opts, OPTION_KEYS);
    const kind = opts.input ?? "analog";
    if (kind !== "analog" && kind !== "poisson" && kind !== "if") {
      throw new InvalidParameterError(
        `input must be "analog" (constant current, Rueckauer et al. 2017), "poisson" (Diehl et al. 2015) or ` +
          `"if" (deterministic IF encoding), got ${describeValue(kind)}`,
      );
    }
    const vInit = opts.vInit ?? 0;
    if (typeof vInit !== "number" || !(vInit >= 0 && vInit < 1)) {
      throw new InvalidParameterError(
        `vInit must be a number in [0, 1) (the threshold is 1), got ${describeValue(vInit)}; 0.5 is the usual choice`,
      );
    }
    const maxRate = opts.maxRate ?? 1;
    if (typeof maxRate !== "number" || !(maxRate > 0 && maxRate <= 1)) {
      throw new InvalidParameterError(
        `maxRate must be a spike probability per step in (0, 1], got ${describeValue(maxRate)}`,
      );
    }
    if (opts.maxRate !== undefined && kind !== "poisson") {
      throw new InvalidParameterError(`maxRate applies to input "poisson" only, but input is "${kind}"`);
    }
    const seed = opts.seed ?? 0;
    if (opts.seed !== undefined) {
      if (kind !== "poisson") {
        throw new InvalidParameterError(`seed applies to input "poisson" only, but input is "${kind}"`);
      }
      if (!Number.isSafeInteger(seed)) {
        throw new InvalidParameterError(
          `seed must be an integer (the Poisson input's streams are createRng(seed, "convert-poisson", image)), ` +
            `got ${describeValue(seed)}`,
        );
      }
    }
    const reset = opts.reset ?? "subtract";
    if (reset !== "subtract" && reset !== "zero") {
      throw new InvalidParameterError(
        `reset must be "subtract" (v <- v - 1, the default) or "zero" (v <- 0, Diehl et al. 2015), got ${describeValue(reset)}`,
      );
    }
    const linear = linearLayers(ann);
    const first = linear[0];
    if (kind === "poisson" && first.type !== "avgpool2d") {
      // the first layer's weights are divided by maxRate, so the expected input per step stays W x
      let largest = 0;
      for (const w of first.weight) largest = Math.max(largest, Math.abs(w));
      if (largest / maxRate > FLOAT32_MAX) {
        throw new InvalidParameterError(
          `maxRate ${maxRate} is too small: the first layer's weights are divided by it, and its largest, ` +
            `${largest}, would become ${(largest / maxRate).toPrecision(3)}, beyond the float32 range; give maxRate >= ` +
            `${(largest / FLOAT32_MAX).toPrecision(3)}`,
        );
      }
    }
    this.inputKind = kind;
    this.reset = reset;
    this.vInit = vInit;
    this.maxRate = maxRate;
    this.seed = seed;
    this.firstLayer = linear[0];
    const network = new Network({ dt_ms: 1, learning: false });
    this.network = network;
    const nIn = shapeSize(ann.inputShape);
    this.pixels = new Float64Array(nIn);
    this.pixelCount = nIn;
    const ifParams = {
      vThreshold_mV: 1,
      vReset_mV: 0,
      reset: reset === "zero" ? ("to-value" as const) : ("subtract" as const),
      vInit_mV: vInit,
    };
    let source: Population | null = null;
    if (kind === "poisson") {
      const input = network.addPopulation("input", new Input(nIn));
      this.poisson = new PixelPoissonDrive(input, seed);
      source = input;
      this.input = input;
    } else if (kind === "if") {
      const input = network.addPopulation("input", new IF(nIn, 1, ifParams));
      this.pixelDrive = new Float32Array(nIn);
      source = input;
      this.input = input;
    } else {
      this.input = null;
    }
    const counters: SpikeCounter[] = [];
    const fanOut: Float64Array[] = [];
    if (source !== null) {
      counters.push(network.addMonitor(new SpikeCounter(source)));
      fanOut.push(new Float64Array(source.size));
    }
    const layers: SnnLayer[] = [];
    linear.forEach((layer, k) => {
      const name = `layer${layer.index}`;
      const size = shapeSize(layer.outShape);
      const pop = network.addPopulation(name, new IF(size, 1, ifParams));
      const first = k === 0;
      // Poisson input: an input spike carries 1 / maxRate, so the expected input per step is W x
      const gain = first && kind === "poisson" ? 1 / maxRate : 1;
      if (source !== null) {
        const proj = this.linearProjection(layer, source, pop, gain);
        network.addProjection(`${name}.weights`, proj);
        addFanOut(proj, fanOut[fanOut.length - 1]);
      }
      if (layer.type !== "avgpool2d" && layer.bias) {
        const bias = new Float32Array(size);
        const per = size / layer.bias.length;
        for (let j = 0; j < size; j++) bias[j] = layer.bias[Math.floor(j / per)];
        network.addProjection(`${name}.bias`, new Bias(pop, { bias }));
      }
      layers.push(
        Object.freeze({
          annIndex: layer.index,
          type: layer.type,
          name,
          population: pop,
          shape: layer.outShape,
        }),
      );
      counters.push(network.addMonitor(new SpikeCounter(pop)));
      fanOut.push(new Float64Array(size));
      source = pop;
    });
    this.layers = Object.freeze(layers);
    this.output = layers[layers.length - 1].population;
    this.counters = Object.freeze(counters);
    this.fanOut = Object.freeze(fanOut);
    let analogMacs = 0;
    const inputs: Record<string, Float32Array | Drive> = {};
    if (kind === "analog") {
      const size = layers[0].population.size;
      this.analog64 = new Float64Array(size);
      this.analogCurrent = new Float32Array(size);
      inputs[layers[0].name] = this.analogCurrent;
      const f = this.firstLayer;
      analogMacs =
        f.type === "dense"
          ? f.inFeatures * f.outFeatures
          : f.type === "conv2d"
            ? convMacs(f)
            : shapeSize(f.inShape);
    } else if (kind === "poisson") {
      inputs.input = this.poisson as PixelPoissonDrive;
    } else {
      inputs.input = this.pixelDrive as Float32Array;
    }
    this.analogMacs = analogMacs;
    this.inputs = Object.freeze(inputs);
  }

  private linearProjection(
    layer: LinearLayer,
    source: Population,
    target: IF,
    gain: number,
  ): WeightedProjection {
    if (layer.type === "dense") {
      const { inFeatures: nIn, outFeatures: nOut, weight } = layer;
      // PyTorch [out][in] -> engine [pre][post]
      const w = new Float32Array(nIn * nOut);
      for (let o = 0; o < nOut; o++)
        for (let i = 0; i < nIn; i++) w[i * nOut + o] = weight[o * nIn + i] * gain;
      return new Dense(source, target, { weights: w });
    }
    const g = layer.geometry;
    const geometry = {
      inputShape: [g.C, g.H, g.W] as [number, number, number],
      kernel: [g.kh, g.kw] as [number, number],
      stride: [g.sh, g.sw] as [number, number],
    };
    if (layer.type === "conv2d") {
      const weights = gain === 1 ? layer.weight : layer.weight.map((w) => w * gain);
      return new Conv2d(source, target, {
        ...geometry,
        padding: [g.ph, g.pw],
        outChannels: layer.outChannels,
        weights,
      });
    }
    const pool = new AvgPool2d(source, target, geometry);
    if (gain !== 1) pool.w[0] *= gain;
    return pool;
  }

  /**
   * Sets the image for the next `run` (x in the ANN's input layout; [0, 1] for "poisson" and "if"), and for
   * "poisson" the random stream it draws from (the image's index in its dataset, so that every image has its
   * own). Does not reset the network (see `present`). Allocates nothing but, for "poisson", the stream's
   * generator.
   */
  setImage(image: ArrayLike<number>, stream = 0): void {
    const x = this.pixels;
    if (image === null || typeof image !== "object" || image.length !== x.length) {
      throw new ShapeMismatchError(
        `the image must hold ${x.length} values (the ANN's input), got ${describeValue(image)}` +
          (image !== null && typeof image === "object" ? ` of length ${String(image.length)}` : ""),
        { expected: x.length },
      );
    }
    for (let i = 0; i < x.length; i++) {
      const v = image[i];
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new InvalidParameterError(
          `pixel ${i} of the image must be a finite number, got ${describeValue(v)}`,
        );
      }
      if (this.inputKind !== "analog" && !(v >= 0 && v <= 1)) {
        throw new EncodingRangeError(
          `pixel ${i} is ${v}, but input "${this.inputKind}" encodes intensities in [0, 1] as rates; scale ` +
            `the image into [0, 1] (a Dataset's bytes / 255), or use input "analog", which takes any value`,
          { index: i, value: v },
        );
      }
      x[i] = v;
    }
    if (this.inputKind === "analog") {
      const a = this.analog64 as Float64Array;
      linearInto(this.firstLayer, x, a, false); // the bias is the Bias projection's
      (this.analogCurrent as Float32Array).set(a);
    } else if (this.inputKind === "if") {
      (this.pixelDrive as Float32Array).set(x);
    } else {
      const drive = this.poisson as PixelPoissonDrive;
      for (let i = 0; i < x.length; i++) drive.probability[i] = x[i] * this.maxRate;
      drive.rng = createRng(this.seed, "convert-poisson", stream);
    }
  }

  /** Runs `steps` more steps on the image set last (the spike counts keep adding up until `reset`). */
  run(steps: number): void {
    this.network.run(this.inputs, steps);
  }

  /** reset(), setImage(image, stream), run(steps); returns the prediction. */
  present(image: ArrayLike<number>, steps: number, stream = 0): number {
    this.network.reset();
    this.setImage(image, stream);
    this.run(steps);
    return this.predict();
  }

  /** Output spike counts since the last reset (live). */
  get outputCounts(): Int32Array {
    return this.counters[this.counters.length - 1].counts;
  }

  /** The output neuron with the most spikes; ties go to the higher membrane potential, then the lower index. */
  predict(): number {
    const c = this.outputCounts;
    const v = this.output.v_mV;
    let best = 0;
    for (let j = 1; j < c.length; j++) {
      if (c[j] > c[best] || (c[j] === c[best] && v[j] > v[best])) best = j;
    }
    return best;
  }

  /** Spikes since the last reset, summed over every population (the input's included, if spiking). */
  totalSpikes(): number {
    let s = 0;
    for (const c of this.counters) s += c.totalSpikes;
    return s;
  }

  /** Synaptic operations since the last reset: sum over neurons of spikes x fan-out (Bias not counted). */
  synapticOps(): number {
    let s = 0;
    for (let k = 0; k < this.counters.length; k++) {
      const c = this.counters[k].counts;
      const f = this.fanOut[k];
      for (let i = 0; i < c.length; i++) s += c[i] * f[i];
    }
    return s;
  }
}

/**
 * Throws the UnsupportedError annToSnn would throw for `ann`'s structure (two linear layers with no ReLU
 * between them, a ReLU on the input, no linear layer), so that a network can be checked before it is trained.
 */
export function requireConvertible(ann: Ann): void {
  linearLayers(ann);
}

/** Multiply-adds of a conv2d layer, padded positions left out. */
function convMacs(layer: Extract<AnnLayer, { type: "conv2d" }>): number {
  const { C, H, W, kh, kw, sh, sw, ph, pw, Ho, Wo } = layer.geometry;
  let rows = 0;
  for (let oy = 0; oy < Ho; oy++) {
    for (let ky = 0; ky < kh; ky++) {
      const iy = oy * sh - ph + ky;
      if (iy >= 0 && iy < H) rows++;
    }
  }
  let cols = 0;
  for (let ox = 0; ox < Wo; ox++) {
    for (let kx = 0; kx < kw; kx++) {
      const ix = ox * sw - pw + kx;
      if (ix >= 0 && ix < W) cols++;
    }
  }
  return layer.outChannels * C * rows * cols;
}

/**
 * The ANN's multiply-adds for one input (dense and conv2d layers; padded taps left out), the figure the SNN's
 * synaptic operations are compared with (Rueckauer et al. 2017, section 2.5). Average pooling adds and biases
 * are not counted.
 */
export function annMacs(ann: Ann): number {
  let s = 0;
  for (const layer of ann.weightLayers()) {
    s += layer.type === "dense" ? layer.inFeatures * layer.outFeatures : convMacs(layer);
  }
  return s;
}

/** Converts `ann` (normalise it first: normalizeAnn) into a spiking network; see the file comment. */
export function annToSnn(ann: Ann, opts: AnnToSnnOptions = {}): ConvertedSnn {
  return new ConvertedSnn(ann, opts);
}
