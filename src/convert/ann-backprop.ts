/**
 * Batched forward and backward passes of an `Ann` (src/convert/ann.ts), written out by hand for its five layer
 * types, with softmax cross-entropy on the last layer's output. Training (ann-train.ts) and batched evaluation
 * run on these kernels; `Ann.forward` stays the one-example float64 reference.
 *
 * Notation: a batch of B examples, x the layer input, y its output, g_y = dL/dy, "." elementwise.
 *   loss     L = (1/B) sum_n -log softmax(z_n)[label_n],   dL/dz_n = (softmax(z_n) - onehot(label_n)) / B
 *   dense    y_n = W x_n + b:   dL/dW = sum_n g_y,n x_n^T,   dL/db = sum_n g_y,n,   g_x,n = W^T g_y,n
 *   conv2d   as dense on the patch matrix P_n[(c, ky, kx)][(oy, ox)] of example n (im2col):
 *            Y_n = W P_n + b,   dL/dW = sum_n G_n P_n^T,   dL/dP_n = W^T G_n, scattered back to the pixels each
 *            patch entry came from (col2im); W is [outC][inC kh kw], G_n the output gradient [outC][Ho Wo]
 *   avgpool  y = (1/(kh kw)) sum over the window:   g_x += g_y / (kh kw) at every input of the window
 *   relu     y = max(0, x) (times the dropout mask m / (1 - p) in training):   g_x = g_y . [y > 0] (/ (1 - p))
 *   flatten  a view: the same buffer, the same gradient
 *
 * Buffers: every layer's batched output and its gradient are allocated once, at construction, for the largest
 * batch, and reused; a pass allocates nothing. Activations are stored as float32 (default) or float64
 * (`precision`); every sum is accumulated in a JavaScript number (a double) and rounded once when stored, and
 * parameter gradients are float64. In float64, the forward pass adds the same terms in the same order as
 * `Ann.forward` (bias first, then inputs in index order; (c, ky, kx) order in conv2d), so its outputs equal the
 * reference's bit for bit.
 *
 * Loop orders (B examples, all rows contiguous):
 *   dense forward   for each output o, four examples at a time: four dot products of W's row o with four input
 *                   rows (W's row stays in L1, each weight is loaded once per four examples)
 *   dense g_x       W transposed once per batch into a scratch [in][out], then dot products of g_y's rows with
 *                   its rows, four examples at a time, as in the forward pass
 *   dense dL/dW     for each output o, four examples at a time: row o of dL/dW += sum of four scaled input rows
 *   conv2d          per example: the patches as rows, [Ho Wo][K] (K = inC kh kw, in W's (c, ky, kx) order),
 *                   then the three dense kernels above with the Ho Wo patches as the "batch", and a transpose
 *                   between [Ho Wo][outC] and the [outC][Ho Wo] layout; the backward pass rebuilds the patches
 *                   (cheaper than keeping B of them)
 */
import { InvalidParameterError, ShapeMismatchError, describeValue, requireInteger } from "../core/errors.ts";
import type { Rng } from "../core/rng.ts";
import { type Ann, type AnnLayer, shapeSize } from "./ann.ts";

/** How activations are stored between layers. */
export type AnnPrecision = "float32" | "float64";

/** A buffer of activations or activation gradients. */
export type ActivationBuffer = Float32Array | Float64Array;

export interface AnnBackpropOptions {
  /** The largest batch a pass will be given. */
  readonly batchSize: number;
  /** Storage of activations. Default "float32" (training); "float64" matches `Ann.forward` exactly. */
  readonly precision?: AnnPrecision;
  /** Allocate the gradient buffers (false for evaluation only). Default true. */
  readonly gradients?: boolean;
}

/** Inverted dropout for one pass: drop with probability `rate` after every ReLU, `inputRate` on the input. */
export interface DropoutSetting {
  /** Probability of zeroing a ReLU output, in [0, 1). Kept outputs are scaled by 1 / (1 - rate). */
  readonly rate: number;
  /** Probability of zeroing an input value, in [0, 1) (scaled likewise). */
  readonly inputRate: number;
  /** The masks' random numbers: one `float()` per unit and example, in buffer order. */
  readonly rng: Rng;
}

/** The parameter gradients of one weight layer. */
export interface LayerGradients {
  readonly weight: Float64Array;
  readonly bias: Float64Array | null;
}

function makeBuffer(precision: AnnPrecision, length: number): ActivationBuffer {
  return precision === "float64" ? new Float64Array(length) : new Float32Array(length);
}

/**
 * The buffers and passes of one network for batches of up to `batchSize` examples. Fill `input` (example n at
 * n * inputSize), call `forward(count)` and read `output`, or `lossAndGradients(labels, count)` and read
 * `gradients` (by PyTorch name, "1.weight"). The network's parameters are read live, so an optimizer may update
 * them between passes.
 */
export class AnnBackprop {
  readonly ann: Ann;
  readonly batchSize: number;
  readonly precision: AnnPrecision;
  readonly inputSize: number;
  readonly outputSize: number;
  /** The batch input, [batchSize][inputSize]. */
  readonly input: ActivationBuffer;
  /** acts[k + 1] is layer k's output, [batchSize][size]; acts[0] is `input`. */
  readonly acts: readonly ActivationBuffer[];
  /** The last layer's output (the logits), [batchSize][outputSize]. */
  readonly output: ActivationBuffer;
  /** Parameter gradients of the last `lossAndGradients`, by PyTorch name. */
  readonly gradients: Readonly<Record<string, Float64Array>>;
  /** Correctly classified examples of the last `lossAndGradients` (argmax of the logits, lowest on a tie). */
  correct = 0;

  private readonly grads: readonly ActivationBuffer[];
  private readonly layerGrads: readonly (LayerGradients | null)[];
  /** Per dense layer above the first: W transposed, [in][out]. */
  private readonly wT: readonly (ActivationBuffer | null)[];
  /** Per conv2d layer: its patch matrices and transposes. */
  private readonly conv: readonly (ConvScratch | null)[];
  /** Per relu layer: 1 where the unit was kept in the last training pass. */
  private readonly masks: readonly (Uint8Array | null)[];
  private readonly inputMask: Uint8Array | null;
  private readonly probs: Float64Array;
  private dropout: DropoutSetting | null = null;

  constructor(ann: Ann, options: AnnBackpropOptions) {
    if (options === null || typeof options !== "object") {
      throw new InvalidParameterError(
        `AnnBackprop needs { batchSize }, got ${describeValue(options)}; e.g. new AnnBackprop(ann, { batchSize: 100 })`,
      );
    }
    this.ann = ann;
    this.batchSize = requireInteger("batchSize", options.batchSize, 1);
    const precision = options.precision ?? "float32";
    if (precision !== "float32" && precision !== "float64") {
      throw new InvalidParameterError(
        `precision must be "float32" or "float64", got ${describeValue(precision)}`,
      );
    }
    this.precision = precision;
    const withGrads = options.gradients ?? true;
    const B = this.batchSize;
    this.inputSize = shapeSize(ann.inputShape);
    this.outputSize = shapeSize(ann.outputShape);
    const acts: ActivationBuffer[] = [makeBuffer(precision, B * this.inputSize)];
    const grads: ActivationBuffer[] = [makeBuffer(precision, 0)];
    const wTs: (ActivationBuffer | null)[] = [];
    const convs: (ConvScratch | null)[] = [];
    const masks: (Uint8Array | null)[] = [];
    const layerGrads: (LayerGradients | null)[] = [];
    const gradients: Record<string, Float64Array> = {};
    // the first layer that holds parameters needs no input gradient (nothing below it learns)
    let firstWeight = ann.layers.findIndex((l) => l.type === "dense" || l.type === "conv2d");
    if (firstWeight < 0) firstWeight = ann.layers.length;
    for (const layer of ann.layers) {
      const k = layer.index;
      const size = shapeSize(layer.outShape);
      // flatten is a view: its output and gradient are its input's buffers
      acts.push(layer.type === "flatten" ? acts[k] : makeBuffer(precision, B * size));
      grads.push(
        layer.type === "flatten"
          ? grads[k]
          : makeBuffer(precision, withGrads && k >= firstWeight ? B * size : 0),
      );
      wTs.push(
        layer.type === "dense" && withGrads && k > firstWeight
          ? makeBuffer(precision, layer.inFeatures * layer.outFeatures)
          : null,
      );
      if (layer.type === "conv2d") {
        const { C, kh, kw, Ho, Wo } = layer.geometry;
        const K = C * kh * kw;
        const P = Ho * Wo;
        const F = layer.outChannels;
        const input = withGrads && k > firstWeight;
        convs.push({
          colT: makeBuffer(precision, P * K),
          yT: makeBuffer(precision, P * F),
          gyT: withGrads ? makeBuffer(precision, P * F) : null,
          gcolT: input ? new Float64Array(P * K) : null,
          wT: input ? makeBuffer(precision, K * F) : null,
        });
      } else {
        convs.push(null);
      }
      masks.push(layer.type === "relu" && withGrads ? new Uint8Array(B * size) : null);
      if ((layer.type === "dense" || layer.type === "conv2d") && withGrads) {
        const g: LayerGradients = {
          weight: new Float64Array(layer.weight.length),
          bias: layer.bias ? new Float64Array(layer.bias.length) : null,
        };
        gradients[`${k}.weight`] = g.weight;
        if (g.bias) gradients[`${k}.bias`] = g.bias;
        layerGrads.push(g);
      } else {
        layerGrads.push(null);
      }
    }
    this.input = acts[0];
    this.acts = Object.freeze(acts);
    this.output = acts[acts.length - 1];
    this.grads = Object.freeze(grads);
    this.wT = Object.freeze(wTs);
    this.conv = Object.freeze(convs);
    this.masks = Object.freeze(masks);
    this.inputMask = withGrads ? new Uint8Array(B * this.inputSize) : null;
    this.layerGrads = Object.freeze(layerGrads);
    this.gradients = Object.freeze(gradients);
    this.probs = new Float64Array(this.outputSize);
  }

  /**
   * Dropout for the following `lossAndGradients` calls (null: none). Evaluation (`forward`) never drops.
   */
  setDropout(dropout: DropoutSetting | null): void {
    if (dropout !== null) {
      for (const [name, p] of [
        ["dropout", dropout.rate],
        ["inputDropout", dropout.inputRate],
      ] as const) {
        if (typeof p !== "number" || !(p >= 0 && p < 1)) {
          throw new InvalidParameterError(
            `${name} is a probability of dropping a unit and must be in [0, 1), got ${describeValue(p)}`,
          );
        }
      }
      if (!this.inputMask) {
        throw new InvalidParameterError(
          "dropout needs a network built for training: create the AnnBackprop with gradients: true",
        );
      }
    }
    this.dropout = dropout;
  }

  private requireCount(count: number): number {
    if (!Number.isInteger(count) || count < 1 || count > this.batchSize) {
      throw new InvalidParameterError(
        `a batch holds 1 to ${this.batchSize} examples (batchSize), got ${describeValue(count)}`,
      );
    }
    return count;
  }

  /** The logits of the first `count` examples of `input` (no dropout); returns `output`. */
  forward(count: number): ActivationBuffer {
    this.requireCount(count);
    this.runForward(count, false);
    return this.output;
  }

  private runForward(count: number, train: boolean): void {
    const drop = train ? this.dropout : null;
    if (drop && drop.inputRate > 0)
      applyDropout(this.input, this.inputMask!, count * this.inputSize, drop.inputRate, drop.rng);
    const layers = this.ann.layers;
    for (let k = 0; k < layers.length; k++) {
      const layer = layers[k];
      const x = this.acts[k];
      const y = this.acts[k + 1];
      switch (layer.type) {
        case "dense":
          denseForward(x, y, layer.weight, layer.bias, layer.inFeatures, layer.outFeatures, count);
          break;
        case "conv2d":
          convForward(layer, x, y, this.conv[k]!, count);
          break;
        case "avgpool2d":
          poolForward(layer, x, y, count);
          break;
        case "relu": {
          const n = count * shapeSize(layer.outShape);
          for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0;
          if (drop && drop.rate > 0) applyDropout(y, this.masks[k]!, n, drop.rate, drop.rng);
          break;
        }
        case "flatten":
          break;
      }
    }
  }

  /**
   * Mean softmax cross-entropy of the first `count` examples against `labels` (class indices), with every
   * parameter gradient in `gradients` (overwritten, not accumulated). Sets `correct`.
   */
  lossAndGradients(labels: ArrayLike<number>, count: number): number {
    this.requireCount(count);
    if (this.layerGrads.every((g) => g === null)) {
      throw new InvalidParameterError(
        "lossAndGradients needs gradient buffers: create the AnnBackprop with gradients: true",
      );
    }
    this.runForward(count, true);
    const loss = this.softmaxLoss(labels, count);
    this.runBackward(count);
    return loss;
  }

  /** The loss and its gradient with respect to the logits, into grads[last]. */
  private softmaxLoss(labels: ArrayLike<number>, count: number): number {
    const z = this.output;
    const gz = this.grads[this.grads.length - 1];
    const nOut = this.outputSize;
    const p = this.probs;
    const invB = 1 / count;
    let loss = 0;
    let correct = 0;
    for (let n = 0; n < count; n++) {
      const row = n * nOut;
      const label = labels[n];
      if (!(Number.isInteger(label) && label >= 0 && label < nOut)) {
        throw new InvalidParameterError(
          `label ${describeValue(label)} of batch example ${n} is not a class index of the network's ${nOut} outputs`,
        );
      }
      let best = 0;
      let max = z[row];
      for (let j = 1; j < nOut; j++) {
        if (z[row + j] > max) {
          max = z[row + j];
          best = j;
        }
      }
      if (best === label) correct++;
      let sum = 0;
      for (let j = 0; j < nOut; j++) {
        const e = Math.exp(z[row + j] - max);
        p[j] = e;
        sum += e;
      }
      loss += Math.log(sum) - (z[row + label] - max);
      const inv = 1 / sum;
      for (let j = 0; j < nOut; j++) gz[row + j] = (p[j] * inv - (j === label ? 1 : 0)) * invB;
    }
    this.correct = correct;
    return loss * invB;
  }

  private runBackward(count: number): void {
    const layers = this.ann.layers;
    const scale = this.dropout && this.dropout.rate > 0 ? 1 / (1 - this.dropout.rate) : 1;
    for (let k = layers.length - 1; k >= 0; k--) {
      const layer = layers[k];
      const gy = this.grads[k + 1];
      const gx = this.grads[k];
      if (gy.length === 0) break; // below the first weight layer: nothing left to learn
      const x = this.acts[k];
      const wantInput = gx.length > 0;
      switch (layer.type) {
        case "dense": {
          const g = this.layerGrads[k]!;
          g.weight.fill(0);
          if (g.bias) g.bias.fill(0);
          denseWeightGradient(x, gy, g.weight, g.bias, layer.inFeatures, layer.outFeatures, count);
          if (wantInput) {
            const wT = this.wT[k]!;
            transpose(layer.weight, wT, layer.outFeatures, layer.inFeatures);
            // g_x = W^T g_y is a dense forward pass through W^T without bias
            denseForward(gy, gx, wT, null, layer.outFeatures, layer.inFeatures, count);
          }
          break;
        }
        case "conv2d":
          convBackward(layer, x, gy, wantInput ? gx : null, this.layerGrads[k]!, this.conv[k]!, count);
          break;
        case "avgpool2d":
          poolBackward(layer, gy, gx, count);
          break;
        case "relu": {
          const y = this.acts[k + 1];
          const n = count * shapeSize(layer.outShape);
          // y > 0 exactly where x > 0 and the unit was kept
          for (let i = 0; i < n; i++) gx[i] = y[i] > 0 ? gy[i] * scale : 0;
          break;
        }
        case "flatten":
          break;
      }
    }
  }
}

/** Zeroes each of the first n values with probability `rate` and scales the rest by 1 / (1 - rate). */
function applyDropout(v: ActivationBuffer, mask: Uint8Array, n: number, rate: number, rng: Rng): void {
  const scale = 1 / (1 - rate);
  for (let i = 0; i < n; i++) {
    const keep = rng.float() >= rate;
    mask[i] = keep ? 1 : 0;
    v[i] = keep ? v[i] * scale : 0;
  }
}

function transpose(w: Float32Array, wT: ActivationBuffer, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    for (let c = 0; c < cols; c++) wT[c * rows + r] = w[row + c];
  }
}

/**
 * y[n][o] = b[o] + sum_i w[o][i] x[n][i] for n < count, summed in i order from the bias (as Ann.forward does),
 * four examples at a time.
 */
export function denseForward(
  x: ArrayLike<number>,
  y: ActivationBuffer,
  w: ArrayLike<number>,
  b: ArrayLike<number> | null,
  nIn: number,
  nOut: number,
  count: number,
): void {
  for (let o = 0; o < nOut; o++) {
    const row = o * nIn;
    const bo = b ? b[o] : 0;
    let n = 0;
    for (; n + 3 < count; n += 4) {
      const x0 = n * nIn;
      const x1 = x0 + nIn;
      const x2 = x1 + nIn;
      const x3 = x2 + nIn;
      let s0 = bo;
      let s1 = bo;
      let s2 = bo;
      let s3 = bo;
      for (let i = 0; i < nIn; i++) {
        const wi = w[row + i];
        s0 += wi * x[x0 + i];
        s1 += wi * x[x1 + i];
        s2 += wi * x[x2 + i];
        s3 += wi * x[x3 + i];
      }
      y[n * nOut + o] = s0;
      y[(n + 1) * nOut + o] = s1;
      y[(n + 2) * nOut + o] = s2;
      y[(n + 3) * nOut + o] = s3;
    }
    for (; n < count; n++) {
      const x0 = n * nIn;
      let s = bo;
      for (let i = 0; i < nIn; i++) s += w[row + i] * x[x0 + i];
      y[n * nOut + o] = s;
    }
  }
}

/** gw[o][i] += sum_n gy[n][o] x[n][i], gb[o] += sum_n gy[n][o] (accumulated: zero them first). */
function denseWeightGradient(
  x: ActivationBuffer,
  gy: ActivationBuffer,
  gw: Float64Array,
  gb: Float64Array | null,
  nIn: number,
  nOut: number,
  count: number,
): void {
  for (let o = 0; o < nOut; o++) {
    const row = o * nIn;
    let sb = 0;
    let n = 0;
    for (; n + 3 < count; n += 4) {
      const g0 = gy[n * nOut + o];
      const g1 = gy[(n + 1) * nOut + o];
      const g2 = gy[(n + 2) * nOut + o];
      const g3 = gy[(n + 3) * nOut + o];
      sb += g0 + g1 + g2 + g3;
      if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0) continue; // common below a ReLU
      const x0 = n * nIn;
      const x1 = x0 + nIn;
      const x2 = x1 + nIn;
      const x3 = x2 + nIn;
      for (let i = 0; i < nIn; i++) {
        gw[row + i] += g0 * x[x0 + i] + g1 * x[x1 + i] + g2 * x[x2 + i] + g3 * x[x3 + i];
      }
    }
    for (; n < count; n++) {
      const g = gy[n * nOut + o];
      sb += g;
      if (g === 0) continue;
      const x0 = n * nIn;
      for (let i = 0; i < nIn; i++) gw[row + i] += g * x[x0 + i];
    }
    if (gb) gb[o] += sb;
  }
}

type ConvLayer = Extract<AnnLayer, { type: "conv2d" }>;
type PoolLayer = Extract<AnnLayer, { type: "avgpool2d" }>;

/** A conv2d layer's scratch: patch matrix and transposes, for one example at a time. */
interface ConvScratch {
  /** The patches, [Ho Wo][K]: row p holds the K = inC kh kw inputs under output position p. */
  readonly colT: ActivationBuffer;
  /** The output of one example, [Ho Wo][outC]. */
  readonly yT: ActivationBuffer;
  /** The output gradient of one example, [Ho Wo][outC] (training only). */
  readonly gyT: ActivationBuffer | null;
  /** The patch gradient, [Ho Wo][K] (when the input gradient is needed). */
  readonly gcolT: Float64Array | null;
  /** W transposed, [K][outC] (when the input gradient is needed). */
  readonly wT: ActivationBuffer | null;
}

/**
 * The patches of one example at x[x0..] as rows: colT[(oy, ox)][(c, ky, kx)], zero where a patch meets the
 * padding. Row order (c, ky, kx) is W's, so each output is a dot product of a W row and a patch row.
 */
function im2row(layer: ConvLayer, x: ActivationBuffer, x0: number, colT: ActivationBuffer): void {
  const { C, H, W, kh, kw, sh, sw, ph, pw, Ho, Wo } = layer.geometry;
  const K = C * kh * kw;
  for (let oy = 0; oy < Ho; oy++) {
    for (let ox = 0; ox < Wo; ox++) {
      let at = (oy * Wo + ox) * K;
      for (let c = 0; c < C; c++) {
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - ph + ky;
          if (iy < 0 || iy >= H) {
            for (let kx = 0; kx < kw; kx++) colT[at++] = 0;
            continue;
          }
          const rowIn = x0 + (c * H + iy) * W + ox * sw - pw;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - pw + kx;
            colT[at++] = ix >= 0 && ix < W ? x[rowIn + kx] : 0;
          }
        }
      }
    }
  }
}

/** Y = W P + b per example: a dense pass over the patch rows, then [Ho Wo][outC] -> [outC][Ho Wo]. */
function convForward(
  layer: ConvLayer,
  x: ActivationBuffer,
  y: ActivationBuffer,
  s: ConvScratch,
  count: number,
): void {
  const { C, H, W, kh, kw, Ho, Wo } = layer.geometry;
  const F = layer.outChannels;
  const K = C * kh * kw;
  const P = Ho * Wo;
  const { colT, yT } = s;
  for (let n = 0; n < count; n++) {
    im2row(layer, x, n * C * H * W, colT);
    denseForward(colT, yT, layer.weight, layer.bias, K, F, P);
    const y0 = n * F * P;
    for (let f = 0; f < F; f++) {
      const out = y0 + f * P;
      for (let p = 0; p < P; p++) y[out + p] = yT[p * F + f];
    }
  }
}

function convBackward(
  layer: ConvLayer,
  x: ActivationBuffer,
  gy: ActivationBuffer,
  gx: ActivationBuffer | null,
  g: LayerGradients,
  s: ConvScratch,
  count: number,
): void {
  const { C, H, W, kh, kw, sh, sw, ph, pw, Ho, Wo } = layer.geometry;
  const F = layer.outChannels;
  const K = C * kh * kw;
  const P = Ho * Wo;
  const { colT, gcolT, wT } = s;
  const gyT = s.gyT!;
  g.weight.fill(0);
  if (g.bias) g.bias.fill(0);
  if (gx && wT) transpose(layer.weight, wT, F, K);
  const inSize = C * H * W;
  for (let n = 0; n < count; n++) {
    const g0 = n * F * P;
    for (let f = 0; f < F; f++) {
      const row = g0 + f * P;
      for (let p = 0; p < P; p++) gyT[p * F + f] = gy[row + p];
    }
    // dL/dW[f][k] += sum_p G[f][p] P[k][p]: a dense weight gradient over the patch rows
    im2row(layer, x, n * inSize, colT);
    denseWeightGradient(colT, gyT, g.weight, g.bias, K, F, P);
    if (!gx || !gcolT || !wT) continue;
    // dL/dP = W^T G as rows: gcolT[p] = sum_f G[f][p] W[f], a dense pass through W^T
    denseForward(gyT, gcolT, wT, null, F, K, P);
    // row2im: every patch entry goes back to the pixel it was copied from
    const x0 = n * inSize;
    gx.fill(0, x0, x0 + inSize);
    for (let oy = 0; oy < Ho; oy++) {
      for (let ox = 0; ox < Wo; ox++) {
        let at = (oy * Wo + ox) * K;
        for (let c = 0; c < C; c++) {
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh - ph + ky;
            if (iy < 0 || iy >= H) {
              at += kw;
              continue;
            }
            const rowIn = x0 + (c * H + iy) * W + ox * sw - pw;
            for (let kx = 0; kx < kw; kx++, at++) {
              const ix = ox * sw - pw + kx;
              if (ix >= 0 && ix < W) gx[rowIn + kx] += gcolT[at];
            }
          }
        }
      }
    }
  }
}

function poolForward(layer: PoolLayer, x: ActivationBuffer, y: ActivationBuffer, count: number): void {
  const { C, H, W, kh, kw, sh, sw, Ho, Wo } = layer.geometry;
  const scale = 1 / (kh * kw);
  for (let n = 0; n < count; n++) {
    const x0 = n * C * H * W;
    const y0 = n * C * Ho * Wo;
    for (let c = 0; c < C; c++) {
      for (let oy = 0; oy < Ho; oy++) {
        for (let ox = 0; ox < Wo; ox++) {
          let s = 0;
          for (let ky = 0; ky < kh; ky++) {
            const row = x0 + (c * H + oy * sh + ky) * W + ox * sw;
            for (let kx = 0; kx < kw; kx++) s += x[row + kx];
          }
          y[y0 + (c * Ho + oy) * Wo + ox] = s * scale;
        }
      }
    }
  }
}

function poolBackward(layer: PoolLayer, gy: ActivationBuffer, gx: ActivationBuffer, count: number): void {
  const { C, H, W, kh, kw, sh, sw, Ho, Wo } = layer.geometry;
  const scale = 1 / (kh * kw);
  const inSize = C * H * W;
  gx.fill(0, 0, count * inSize);
  for (let n = 0; n < count; n++) {
    const x0 = n * inSize;
    const y0 = n * C * Ho * Wo;
    for (let c = 0; c < C; c++) {
      for (let oy = 0; oy < Ho; oy++) {
        for (let ox = 0; ox < Wo; ox++) {
          const g = gy[y0 + (c * Ho + oy) * Wo + ox] * scale;
          for (let ky = 0; ky < kh; ky++) {
            const row = x0 + (c * H + oy * sh + ky) * W + ox * sw;
            for (let kx = 0; kx < kw; kx++) gx[row + kx] += g;
          }
        }
      }
    }
  }
}

/** Throws unless a batch input of `length` values fits the network's input shape. */
export function requireInputLength(ann: Ann, length: number, what: string): void {
  const n = shapeSize(ann.inputShape);
  if (length !== n) {
    throw new ShapeMismatchError(
      `${what} has ${length} values per example, but the network's input shape [${ann.inputShape.join(", ")}] ` +
        `holds ${n}; give the network inputShape [1, rows, cols] (or [rows * cols]) of the dataset`,
      { expected: n, got: length },
    );
  }
}
