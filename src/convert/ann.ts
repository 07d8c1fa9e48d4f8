/**
 * A small feed-forward artificial neural network (ANN): the source model of ANN-to-SNN conversion
 * (docs/convert.md). It mirrors PyTorch's `nn.Sequential` of Linear, Conv2d, AvgPool2d, ReLU and Flatten, so
 * that a model trained in PyTorch loads by its `state_dict` names ("1.weight", "1.bias": the layer's index in
 * the list) and a model trained here loads in PyTorch the same way.
 *
 * Layouts (PyTorch's):
 *   dense   y[o] = b[o] + sum_i W[o][i] x[i]                 weight [out][in]
 *   conv2d  y[oc][oy][ox] = b[oc] + sum_{c,ky,kx} W[oc][c][ky][kx] x[c][oy sh - ph + ky][ox sw - pw + kx]
 *           weight [outC][inC][kh][kw], zero padding, output [outC][Ho][Wo], Ho = floor((H + 2ph - kh)/sh) + 1
 *   avgpool2d  y[c][oy][ox] = (1 / (kh kw)) sum over the window (no padding, floor mode; stride = kernel by
 *           default, as in PyTorch)
 *   relu    y = max(0, x)
 *   flatten [C][H][W] -> [C H W], channel-major (PyTorch's order)
 * A shape is [features] or [channels, height, width].
 *
 * `forward` is the float64 reference used for predictions and for the activation statistics of weight
 * normalisation; training has its own batched kernels (ann-train.ts).
 */
import { InvalidParameterError, ShapeMismatchError, describeValue, requireInteger } from "../core/errors.ts";
import { requireOptions } from "../core/options.ts";
import type { Rng } from "../core/rng.ts";
import { resolveGeometry2d } from "../projections/geometry.ts";
import type { Geometry2d, Size2d } from "../projections/geometry.ts";

/** One layer of an architecture, as written in a config file. */
export type AnnLayerSpec =
  | { readonly type: "dense"; readonly out: number; readonly bias?: boolean }
  | {
      readonly type: "conv2d";
      readonly outChannels: number;
      readonly kernel: Size2d;
      readonly stride?: Size2d;
      readonly padding?: Size2d;
      readonly bias?: boolean;
    }
  | { readonly type: "avgpool2d"; readonly kernel: Size2d; readonly stride?: Size2d }
  | { readonly type: "relu" }
  | { readonly type: "flatten" };

/** An architecture: the input's shape and the layers in order (nn.Sequential). */
export interface AnnArchitecture {
  /** [features] or [channels, height, width]; MNIST is [1, 28, 28] (or [784] for a plain MLP). */
  readonly inputShape: readonly number[];
  readonly layers: readonly AnnLayerSpec[];
}

/** A layer with its resolved shapes and, for dense and conv2d, its parameters. */
export type AnnLayer =
  | {
      readonly type: "dense";
      readonly index: number;
      readonly inShape: readonly number[];
      readonly outShape: readonly number[];
      readonly inFeatures: number;
      readonly outFeatures: number;
      /** [out][in] (PyTorch's nn.Linear layout). */
      readonly weight: Float32Array;
      readonly bias: Float32Array | null;
    }
  | {
      readonly type: "conv2d";
      readonly index: number;
      readonly inShape: readonly number[];
      readonly outShape: readonly number[];
      readonly geometry: Geometry2d;
      readonly outChannels: number;
      /** [outC][inC][kh][kw] (PyTorch's nn.Conv2d layout). */
      readonly weight: Float32Array;
      readonly bias: Float32Array | null;
    }
  | {
      readonly type: "avgpool2d";
      readonly index: number;
      readonly inShape: readonly number[];
      readonly outShape: readonly number[];
      readonly geometry: Geometry2d;
    }
  | {
      readonly type: "relu" | "flatten";
      readonly index: number;
      readonly inShape: readonly number[];
      readonly outShape: readonly number[];
    };

/** A layer that holds parameters. */
export type AnnWeightLayer = Extract<AnnLayer, { type: "dense" | "conv2d" }>;

const LAYER_KEYS: Readonly<Record<AnnLayerSpec["type"], readonly string[]>> = Object.freeze({
  dense: ["type", "out", "bias"],
  conv2d: ["type", "outChannels", "kernel", "stride", "padding", "bias"],
  avgpool2d: ["type", "kernel", "stride"],
  relu: ["type"],
  flatten: ["type"],
});

const LAYER_EXAMPLE = `{ type: "dense", out: 10 }, { type: "conv2d", outChannels: 16, kernel: 5 }, { type: "avgpool2d", kernel: 2 }, { type: "relu" } or { type: "flatten" }`;

/** The number of values in a shape. */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function describeShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

function requireShape(shape: unknown): readonly number[] {
  if (!Array.isArray(shape) || (shape.length !== 1 && shape.length !== 3)) {
    throw new InvalidParameterError(
      `inputShape must be [features] or [channels, height, width], got ${describeValue(shape)}; ` +
        `MNIST is [1, 28, 28], or [784] for a network that starts with a dense layer`,
      { inputShape: shape },
    );
  }
  shape.forEach((d, k) => requireInteger(`inputShape[${k}]`, d as number, 1));
  return Object.freeze([...(shape as number[])]);
}

/** Resolves shapes layer by layer; throws with the layer's index and a fix when a layer does not fit. */
function resolveLayers(
  arch: AnnArchitecture,
  params: (index: number, name: "weight" | "bias", length: number) => Float32Array,
): AnnLayer[] {
  if (arch === null || typeof arch !== "object") {
    throw new InvalidParameterError(
      `an ANN architecture must be an object { inputShape, layers }, got ${describeValue(arch)}`,
    );
  }
  requireOptions("ANN architecture", arch, ["inputShape", "layers"], "{ inputShape: [784], layers: [...] }");
  let shape = requireShape(arch.inputShape);
  if (!Array.isArray(arch.layers) || arch.layers.length === 0) {
    throw new InvalidParameterError(
      `an ANN architecture needs a non-empty list of layers, got ${describeValue(arch.layers)}; layers are ${LAYER_EXAMPLE}`,
    );
  }
  const out: AnnLayer[] = [];
  arch.layers.forEach((spec: AnnLayerSpec, index: number) => {
    const where = `layer ${index}`;
    const type = (spec as { type?: unknown } | null)?.type;
    if (typeof type !== "string" || !Object.hasOwn(LAYER_KEYS, type)) {
      throw new InvalidParameterError(
        `${where}: unknown layer ${typeof type === "string" ? `type "${type}"` : describeValue(spec)}; layers are ${LAYER_EXAMPLE}` +
          (typeof type === "string" && /max.?pool/i.test(type)
            ? ` (max pooling has no spiking counterpart here: use avgpool2d)`
            : ""),
        { index },
      );
    }
    requireOptions(`${where} (${type})`, spec, LAYER_KEYS[type as AnnLayerSpec["type"]], LAYER_EXAMPLE);
    const inShape = shape;
    switch (spec.type) {
      case "dense": {
        if (inShape.length !== 1) {
          throw new ShapeMismatchError(
            `${where} (dense) needs a flat input, but it gets ${describeShape(inShape)}: put { type: "flatten" } before it`,
            { index, inShape },
          );
        }
        requireInteger(`${where} (dense) out`, spec.out, 1);
        const inFeatures = inShape[0];
        const outShape = Object.freeze([spec.out]);
        const useBias = spec.bias ?? true;
        requireBias(where, useBias);
        out.push({
          type: "dense",
          index,
          inShape,
          outShape,
          inFeatures,
          outFeatures: spec.out,
          weight: params(index, "weight", spec.out * inFeatures),
          bias: useBias ? params(index, "bias", spec.out) : null,
        });
        shape = outShape;
        break;
      }
      case "conv2d":
      case "avgpool2d": {
        if (inShape.length !== 3) {
          throw new ShapeMismatchError(
            `${where} (${spec.type}) needs a [channels, height, width] input, but it gets ${describeShape(inShape)}; ` +
              `give the network inputShape [1, 28, 28] for MNIST images`,
            { index, inShape },
          );
        }
        const geometry = resolveGeometry2d({
          inputShape: inShape as [number, number, number],
          kernel: spec.kernel,
          stride: (spec.type === "avgpool2d" ? (spec.stride ?? spec.kernel) : spec.stride) ?? 1,
          padding: (spec.type === "conv2d" ? spec.padding : 0) ?? 0,
        });
        if (spec.type === "avgpool2d") {
          const outShape = Object.freeze([geometry.C, geometry.Ho, geometry.Wo]);
          out.push({ type: "avgpool2d", index, inShape, outShape, geometry });
          shape = outShape;
          break;
        }
        requireInteger(`${where} (conv2d) outChannels`, spec.outChannels, 1);
        const useBias = spec.bias ?? true;
        requireBias(where, useBias);
        const outShape = Object.freeze([spec.outChannels, geometry.Ho, geometry.Wo]);
        out.push({
          type: "conv2d",
          index,
          inShape,
          outShape,
          geometry,
          outChannels: spec.outChannels,
          weight: params(index, "weight", spec.outChannels * geometry.C * geometry.kh * geometry.kw),
          bias: useBias ? params(index, "bias", spec.outChannels) : null,
        });
        shape = outShape;
        break;
      }
      case "relu":
        out.push({ type: "relu", index, inShape, outShape: inShape });
        break;
      case "flatten": {
        const outShape = Object.freeze([shapeSize(inShape)]);
        out.push({ type: "flatten", index, inShape, outShape });
        shape = outShape;
        break;
      }
    }
  });
  return out;
}

function requireBias(where: string, bias: unknown): void {
  if (typeof bias !== "boolean") {
    throw new InvalidParameterError(`${where}: bias must be true or false, got ${describeValue(bias)}`);
  }
}

/** Options of `createAnn`. */
export interface CreateAnnOptions {
  /** Initialises weights and biases (PyTorch's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in))). */
  readonly rng: Rng;
}

/**
 * A feed-forward ANN: the architecture, its resolved layers and their parameters (live Float32Arrays that
 * training updates in place).
 */
export class Ann {
  readonly architecture: AnnArchitecture;
  readonly layers: readonly AnnLayer[];
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];

  private constructor(architecture: AnnArchitecture, layers: AnnLayer[]) {
    this.architecture = architecture;
    this.layers = Object.freeze(layers);
    this.inputShape = layers[0].inShape;
    this.outputShape = layers[layers.length - 1].outShape;
  }

  /**
   * A new network with PyTorch's default initialisation: weights and biases uniform in
   * [-1/sqrt(fan_in), 1/sqrt(fan_in)], fan_in = in (dense) or inC kh kw (conv2d). Layers are drawn in order,
   * weight before bias, so the same seed gives the same network.
   */
  static create(architecture: AnnArchitecture, opts: CreateAnnOptions): Ann {
    const rng = opts?.rng;
    if (typeof (rng as Partial<Rng> | undefined)?.uniform !== "function") {
      throw new InvalidParameterError(
        `Ann.create needs { rng: createRng(seed, "ann") } to draw the initial weights, got ${describeValue(rng)}`,
      );
    }
    const layers = resolveLayers(architecture, (_index, _name, length) => new Float32Array(length));
    for (const layer of layers) {
      if (layer.type !== "dense" && layer.type !== "conv2d") continue;
      const fanIn =
        layer.type === "dense" ? layer.inFeatures : layer.geometry.C * layer.geometry.kh * layer.geometry.kw;
      const bound = 1 / Math.sqrt(fanIn);
      for (let k = 0; k < layer.weight.length; k++) layer.weight[k] = rng.uniform(-bound, bound);
      if (layer.bias) for (let k = 0; k < layer.bias.length; k++) layer.bias[k] = rng.uniform(-bound, bound);
    }
    return new Ann(freezeArchitecture(architecture), layers);
  }

  /**
   * A network with every weight and bias 0: the architecture resolved and checked (each layer's shapes and
   * parameter sizes), e.g. to know which tensors a file must hold before reading them.
   */
  static zeros(architecture: AnnArchitecture): Ann {
    const layers = resolveLayers(architecture, (_index, _name, length) => new Float32Array(length));
    return new Ann(freezeArchitecture(architecture), layers);
  }

  /**
   * A network from an architecture and named parameters ("<index>.weight", "<index>.bias", as in a PyTorch
   * nn.Sequential state_dict), copied. Every expected name must be present with the right length, and no other
   * name may be: a mismatch is a ShapeMismatchError naming the parameter.
   */
  static fromParameters(
    architecture: AnnArchitecture,
    parameters: Readonly<Record<string, ArrayLike<number>>>,
  ): Ann {
    if (parameters === null || typeof parameters !== "object") {
      throw new InvalidParameterError(
        `Ann.fromParameters needs the parameters as { "1.weight": Float32Array, ... }, got ${describeValue(parameters)}`,
      );
    }
    const used = new Set<string>();
    const layers = resolveLayers(architecture, (index, name, length) => {
      const key = `${index}.${name}`;
      const value = Object.hasOwn(parameters, key) ? parameters[key] : undefined;
      if (value === undefined) {
        throw new ShapeMismatchError(
          `parameter "${key}" is missing: layer ${index} needs ${length} values; the parameters hold ` +
            `${
              Object.keys(parameters)
                .map((k) => `"${k}"`)
                .join(", ") || "nothing"
            }`,
          { key, expected: length },
        );
      }
      if (value === null || typeof value !== "object" || typeof value.length !== "number") {
        throw new InvalidParameterError(
          `parameter "${key}" must be an array of numbers, got ${describeValue(value)}`,
        );
      }
      if (value.length !== length) {
        throw new ShapeMismatchError(
          `parameter "${key}" has ${value.length} values, but layer ${index} needs ${length}`,
          { key, length: value.length, expected: length },
        );
      }
      const copy = new Float32Array(length);
      for (let k = 0; k < length; k++) {
        const v = value[k];
        if (typeof v !== "number" || !Number.isFinite(v)) {
          throw new InvalidParameterError(
            `parameter "${key}"[${k}] must be a finite number, got ${describeValue(v)}`,
          );
        }
        copy[k] = v;
      }
      used.add(key);
      return copy;
    });
    for (const key of Object.keys(parameters)) {
      if (!used.has(key)) {
        throw new ShapeMismatchError(
          `parameter "${key}" belongs to no layer of the architecture (expected ${[...used].map((k) => `"${k}"`).join(", ")}); ` +
            `check that the architecture lists every layer, including relu and flatten, in the model's order`,
          { key },
        );
      }
    }
    return new Ann(freezeArchitecture(architecture), layers);
  }

  /** The layers that hold parameters, in order. */
  weightLayers(): AnnWeightLayer[] {
    return this.layers.filter((l): l is AnnWeightLayer => l.type === "dense" || l.type === "conv2d");
  }

  /** The parameters by PyTorch state_dict name ("1.weight", "1.bias"), live. */
  parameters(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const layer of this.weightLayers()) {
      out[`${layer.index}.weight`] = layer.weight;
      if (layer.bias) out[`${layer.index}.bias`] = layer.bias;
    }
    return out;
  }

  /**
   * The output for one input (float64 arithmetic). With `activations`, each layer's output is also stored
   * there, activations[k] for layer k.
   */
  forward(input: ArrayLike<number>, activations?: Float64Array[]): Float64Array {
    const n = shapeSize(this.inputShape);
    if (input === null || typeof input !== "object" || input.length !== n) {
      throw new ShapeMismatchError(
        `the ANN's input has shape ${describeShape(this.inputShape)} (${n} values), got ` +
          `${input !== null && typeof input === "object" && typeof input.length === "number" ? `${input.length} values` : describeValue(input)}`,
        { expected: n },
      );
    }
    let x: Float64Array = Float64Array.from(input);
    for (const layer of this.layers) {
      x = forwardLayer(layer, x);
      if (activations) activations[layer.index] = x;
    }
    return x;
  }

  /** The index of the largest output (the lowest index on a tie). */
  predict(input: ArrayLike<number>): number {
    return argmax(this.forward(input));
  }
}

/** The index of the largest value, the lowest on a tie. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k] > values[best]) best = k;
  return best;
}

function freezeArchitecture(arch: AnnArchitecture): AnnArchitecture {
  return Object.freeze({
    inputShape: Object.freeze([...arch.inputShape]),
    layers: Object.freeze(arch.layers.map((l) => Object.freeze({ ...l }))),
  });
}

/** The layers with a linear map: dense, conv2d and avgpool2d. */
export type AnnLinearLayer = Extract<AnnLayer, { type: "dense" | "conv2d" | "avgpool2d" }>;

/**
 * out = the linear map of `layer` applied to x, with the layer's bias added when `withBias` (and the layer has
 * one); float64 sums in a fixed order. Allocates nothing.
 */
export function linearInto(
  layer: AnnLinearLayer,
  x: ArrayLike<number>,
  out: Float64Array,
  withBias: boolean,
): void {
  switch (layer.type) {
    case "dense": {
      const { inFeatures: nIn, outFeatures: nOut, weight: w } = layer;
      const b = withBias ? layer.bias : null;
      for (let o = 0; o < nOut; o++) {
        let s = b ? b[o] : 0;
        const row = o * nIn;
        for (let i = 0; i < nIn; i++) s += w[row + i] * x[i];
        out[o] = s;
      }
      return;
    }
    case "conv2d": {
      const { C, H, W, kh, kw, sh, sw, ph, pw, Ho, Wo } = layer.geometry;
      const { outChannels: F, weight: w } = layer;
      const b = withBias ? layer.bias : null;
      for (let f = 0; f < F; f++) {
        for (let oy = 0; oy < Ho; oy++) {
          for (let ox = 0; ox < Wo; ox++) {
            let s = b ? b[f] : 0;
            for (let c = 0; c < C; c++) {
              for (let ky = 0; ky < kh; ky++) {
                const iy = oy * sh - ph + ky;
                if (iy < 0 || iy >= H) continue;
                for (let kx = 0; kx < kw; kx++) {
                  const ix = ox * sw - pw + kx;
                  if (ix < 0 || ix >= W) continue;
                  s += w[((f * C + c) * kh + ky) * kw + kx] * x[(c * H + iy) * W + ix];
                }
              }
            }
            out[(f * Ho + oy) * Wo + ox] = s;
          }
        }
      }
      return;
    }
    case "avgpool2d": {
      const { C, H, W, kh, kw, sh, sw, Ho, Wo } = layer.geometry;
      const scale = 1 / (kh * kw);
      for (let c = 0; c < C; c++) {
        for (let oy = 0; oy < Ho; oy++) {
          for (let ox = 0; ox < Wo; ox++) {
            let s = 0;
            for (let ky = 0; ky < kh; ky++) {
              for (let kx = 0; kx < kw; kx++) s += x[(c * H + oy * sh + ky) * W + ox * sw + kx];
            }
            out[(c * Ho + oy) * Wo + ox] = s * scale;
          }
        }
      }
      return;
    }
  }
}

/** One layer's output for input x (float64). */
export function forwardLayer(layer: AnnLayer, x: Float64Array): Float64Array {
  switch (layer.type) {
    case "dense":
    case "conv2d":
    case "avgpool2d": {
      const y = new Float64Array(shapeSize(layer.outShape));
      linearInto(layer, x, y, true);
      return y;
    }
    case "relu": {
      const y = new Float64Array(x.length);
      for (let k = 0; k < x.length; k++) y[k] = x[k] > 0 ? x[k] : 0;
      return y;
    }
    case "flatten":
      return x;
  }
}
