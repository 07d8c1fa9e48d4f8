/**
 * Weight normalisation for ANN-to-SNN conversion (docs/convert.md): rescales a ReLU network so that every
 * layer's activations lie (mostly) in [0, 1], the range an IF neuron of threshold 1 can carry as a rate of at
 * most one spike per step.
 * Sources: Diehl, Neil, Binas, Cook, Liu & Pfeiffer, IJCNN 2015 ("data-based" and "model-based"
 * normalisation); Rueckauer, Lungu, Hu, Pfeiffer & Liu, Front. Neurosci. 11:682 (2017), section 2.3 (biases,
 * robust normalisation with a percentile of the activations).
 *
 * For weight layer l (dense or conv2d, in order) with scale lambda_l and the scale lambda_{l-1} of the layer
 * that feeds it (lambda_0 = 1 for the input: pixels are taken to lie in [0, 1]):
 *   W_l <- W_l lambda_{l-1} / lambda_l,      b_l <- b_l / lambda_l
 * avgpool2d, flatten and relu are linear or positively homogeneous and carry the scale through unchanged. By
 * induction every activation of the new network is the old one divided by its layer's lambda, so the
 * prediction (the argmax of the last layer) does not change.
 *
 * lambda_l, the scale of weight layer l, is taken from the positive values of its output a_l over a sample of
 * images (the positive values of relu(a_l) and of a_l are the same, so a last layer without a ReLU is treated
 * like the others, as Rueckauer et al. do for the output layer):
 *   "max"         lambda_l = max a_l (Diehl et al. 2015);
 *   "percentile"  lambda_l = the p-th percentile of the positive a_l (default p = 99.9; Rueckauer et al.
 *                 2017; BindsNET's `ann_to_snn(..., percentile=99.9)`), linear interpolation between the two
 *                 nearest ranks (numpy's default). BindsNET takes its percentile over all activations,
 *                 zeros included, which gives a smaller lambda where most units are silent;
 *   "model"       lambda_l = max_j (lambda_{l-1} sum_i max(0, W_ji) + max(0, b_j)): the largest input any
 *                 unit could receive when every unit before it is at its bound (Diehl et al.'s model-based
 *                 normalisation, a guaranteed bound; it needs no data and is usually far too cautious).
 * A layer with no positive output on the sample keeps lambda_l = 1 (nothing to scale it by).
 *
 * Memory and accuracy of the percentile: the activations are not stored. A first pass over the sample finds
 * each layer's maximum and its number of positive values (exact); a second pass counts the positive values
 * in `bins` equal bins over (0, max]; the rank p/100 (n - 1) is found in its bin and interpolated linearly
 * inside it. The result differs from the exact percentile by less than one bin width, max / bins (with the
 * default 65 536 bins: 1.5e-5 of the maximum). Cost: two forward passes over the sample and bins float64
 * counters per weight layer; "max" needs one pass.
 */
import { InvalidParameterError, describeValue, requireInteger } from "../core/errors.ts";
import { requireKnownKeys } from "../core/options.ts";
import type { Dataset } from "../data/dataset.ts";
import { Ann, shapeSize } from "./ann.ts";
import type { AnnWeightLayer } from "./ann.ts";

/** Images for activation statistics: arrays of input values (already scaled), or a Dataset (pixels / 255). */
export type AnnImages = readonly ArrayLike<number>[] | Dataset;

export type NormalizationMethod = "max" | "percentile" | "model";

export interface NormalizeOptions {
  /** How lambda_l is taken; see the file comment. Default "percentile". */
  readonly method?: NormalizationMethod;
  /** The percentile p in (0, 100] for "percentile". Default 99.9. */
  readonly percentile?: number;
  /** Histogram bins of the percentile's second pass. Default 65 536. */
  readonly bins?: number;
}

export interface NormalizationResult {
  /** The normalised network (new parameters; the given one is unchanged). */
  readonly ann: Ann;
  /** lambda_l of each weight layer, in the order of `ann.weightLayers()`. */
  readonly lambdas: Float64Array;
  /** The ANN layer index of each weight layer. */
  readonly layerIndices: readonly number[];
  readonly method: NormalizationMethod;
}

const NORMALIZE_KEYS = ["method", "percentile", "bins"];

function isDataset(images: AnnImages): images is Dataset {
  return !Array.isArray(images) && typeof (images as Partial<Dataset>).image === "function";
}

/** The number of images in `images`. */
export function imageCount(images: AnnImages): number {
  return isDataset(images) ? images.count : images.length;
}

/**
 * Writes image k of `images` into `out` (a Dataset's pixels divided by 255), after checking its length.
 * Allocates nothing.
 */
export function readImage(images: AnnImages, k: number, out: Float64Array | Float32Array): void {
  if (isDataset(images)) {
    const px = images.image(k);
    if (px.length !== out.length) {
      throw new InvalidParameterError(
        `the dataset's images have ${px.length} pixels, but the network's input has ${out.length} values`,
      );
    }
    for (let i = 0; i < px.length; i++) out[i] = px[i] / 255;
    return;
  }
  const img = images[k];
  if (img === null || typeof img !== "object" || img.length !== out.length) {
    throw new InvalidParameterError(
      `image ${k} must hold ${out.length} values (the network's input), got ${describeValue(img)}` +
        (img !== null && typeof img === "object" ? ` of length ${String(img.length)}` : ""),
    );
  }
  for (let i = 0; i < out.length; i++) {
    const v = img[i];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new InvalidParameterError(
        `pixel ${i} of image ${k} must be a finite number, got ${describeValue(v)}`,
      );
    }
    out[i] = v;
  }
}

/**
 * The value of rank k (0-based) among the sorted positive values, estimated from their histogram over
 * (0, max]: the bin that holds rank k is exact, and inside it the values are taken as spread evenly, so the
 * estimate lies in the same bin as the true value.
 */
function valueAtRank(hist: Float64Array, rank: number, max: number): number {
  const bins = hist.length;
  const width = max / bins;
  let below = 0;
  for (let b = 0; b < bins; b++) {
    const n = hist[b];
    if (n > 0 && below + n > rank) return Math.min(max, (b + (rank - below + 0.5) / n) * width);
    below += n;
  }
  return max;
}

/**
 * The p-th percentile of the positive values (linear interpolation between the ranks floor(r) and
 * floor(r) + 1, r = p/100 (n - 1)): each of the two values is within one bin of the true one, so the result is.
 */
function histogramPercentile(hist: Float64Array, positives: number, max: number, p: number): number {
  const r = (p / 100) * (positives - 1);
  const lo = Math.floor(r);
  const vLo = valueAtRank(hist, lo, max);
  if (lo + 1 >= positives || r === lo) return vLo;
  return vLo + (r - lo) * (valueAtRank(hist, lo + 1, max) - vLo);
}

function requireImages(images: AnnImages): number {
  const ok = images !== null && typeof images === "object" && (Array.isArray(images) || isDataset(images));
  if (!ok) {
    throw new InvalidParameterError(
      `the images for weight normalisation must be an array of images or a Dataset, got ${describeValue(images)}`,
    );
  }
  const n = imageCount(images);
  if (n === 0) {
    throw new InvalidParameterError(
      `weight normalisation needs at least one image to measure activations on; give a sample of the ` +
        `training set (Rueckauer et al. use a few thousand), or use method "model", which needs none`,
    );
  }
  return n;
}

/** The bound on each weight layer's output from the weights alone (method "model"). */
function modelScales(layers: readonly AnnWeightLayer[]): Float64Array {
  const lambdas = new Float64Array(layers.length);
  let prev = 1;
  layers.forEach((layer, l) => {
    const outs = layer.type === "dense" ? layer.outFeatures : layer.outChannels;
    const fanIn = layer.weight.length / outs;
    let best = 0;
    for (let o = 0; o < outs; o++) {
      let s = 0;
      for (let i = 0; i < fanIn; i++) {
        const w = layer.weight[o * fanIn + i];
        if (w > 0) s += w;
      }
      const b = layer.bias ? Math.max(0, layer.bias[o]) : 0;
      best = Math.max(best, prev * s + b);
    }
    lambdas[l] = best > 0 ? best : 1;
    prev = lambdas[l];
  });
  return lambdas;
}

/**
 * lambda_l of each weight layer of `ann` (in the order of `ann.weightLayers()`), measured on `images` (not
 * needed for "model"). See the file comment.
 */
export function activationScales(
  ann: Ann,
  images: AnnImages | undefined,
  opts: NormalizeOptions = {},
): Float64Array {
  if (!(ann instanceof Ann)) {
    throw new InvalidParameterError(`weight normalisation needs an Ann, got ${describeValue(ann)}`);
  }
  requireKnownKeys("normalisation options", opts, NORMALIZE_KEYS);
  const method = opts.method ?? "percentile";
  if (method !== "max" && method !== "percentile" && method !== "model") {
    throw new InvalidParameterError(
      `normalisation method must be "max" (Diehl et al. 2015), "percentile" (Rueckauer et al. 2017) or ` +
        `"model", got ${describeValue(method)}`,
    );
  }
  const p = opts.percentile ?? 99.9;
  if (typeof p !== "number" || !(p > 0 && p <= 100)) {
    throw new InvalidParameterError(
      `percentile must be a number in (0, 100], got ${describeValue(p)}; Rueckauer et al. and BindsNET use 99.9`,
    );
  }
  if (opts.percentile !== undefined && method !== "percentile") {
    throw new InvalidParameterError(
      `percentile ${p} is given, but method is "${method}"; give method "percentile" or leave percentile out`,
    );
  }
  const bins = requireInteger("bins", opts.bins ?? 65_536, 1);
  const layers = ann.weightLayers();
  if (layers.length === 0) {
    throw new InvalidParameterError(`the ANN has no dense or conv2d layer, so there is nothing to normalise`);
  }
  if (method === "model") return modelScales(layers);
  const n = requireImages(images as AnnImages);
  const x = new Float64Array(shapeSize(ann.inputShape));
  const acts: Float64Array[] = [];
  const max = new Float64Array(layers.length);
  const positives = new Float64Array(layers.length);
  for (let k = 0; k < n; k++) {
    readImage(images as AnnImages, k, x);
    ann.forward(x, acts);
    layers.forEach((layer, l) => {
      const a = acts[layer.index];
      let m = max[l];
      let c = 0;
      for (let i = 0; i < a.length; i++) {
        const v = a[i];
        if (v > 0) {
          c++;
          if (v > m) m = v;
        }
      }
      max[l] = m;
      positives[l] += c;
    });
  }
  const lambdas = new Float64Array(layers.length);
  for (let l = 0; l < layers.length; l++) lambdas[l] = max[l] > 0 ? max[l] : 1;
  if (method === "max" || p === 100) return lambdas;
  const hists = layers.map(() => new Float64Array(bins));
  for (let k = 0; k < n; k++) {
    readImage(images as AnnImages, k, x);
    ann.forward(x, acts);
    layers.forEach((layer, l) => {
      if (max[l] <= 0) return;
      const a = acts[layer.index];
      const h = hists[l];
      const perBin = bins / max[l];
      for (let i = 0; i < a.length; i++) {
        const v = a[i];
        if (v > 0) h[Math.min(bins - 1, Math.floor(v * perBin))]++;
      }
    });
  }
  for (let l = 0; l < layers.length; l++) {
    if (max[l] > 0) lambdas[l] = histogramPercentile(hists[l], positives[l], max[l], p);
  }
  return lambdas;
}

/**
 * A copy of `ann` with W_l lambda_{l-1} / lambda_l and b_l / lambda_l (the file comment); `lambdas` in the
 * order of `ann.weightLayers()`, each finite and > 0.
 */
export function scaleAnn(ann: Ann, lambdas: ArrayLike<number>): Ann {
  const layers = ann.weightLayers();
  if (lambdas.length !== layers.length) {
    throw new InvalidParameterError(
      `scaleAnn needs one lambda per weight layer (${layers.length}), got ${lambdas.length}`,
    );
  }
  const params: Record<string, Float32Array> = {};
  let prev = 1;
  layers.forEach((layer, l) => {
    const lam = lambdas[l];
    if (typeof lam !== "number" || !(lam > 0) || !Number.isFinite(lam)) {
      throw new InvalidParameterError(
        `lambda of weight layer ${l} (ANN layer ${layer.index}) must be a finite number > 0, got ${describeValue(lam)}`,
      );
    }
    const wScale = prev / lam;
    params[`${layer.index}.weight`] = layer.weight.map((w) => w * wScale);
    if (layer.bias) params[`${layer.index}.bias`] = layer.bias.map((b) => b / lam);
    prev = lam;
  });
  return Ann.fromParameters(ann.architecture, params);
}

/**
 * Data-based (or model-based) weight normalisation: measures lambda_l on `images` and returns the rescaled
 * network with the lambdas. The prediction of the new network equals the old one's for every input (up to
 * the float32 rounding of the rescaled parameters). `images` may be undefined for method "model".
 */
export function normalizeAnn(
  ann: Ann,
  images: AnnImages | undefined,
  opts: NormalizeOptions = {},
): NormalizationResult {
  const lambdas = activationScales(ann, images, opts);
  return {
    ann: scaleAnn(ann, lambdas),
    lambdas,
    layerIndices: Object.freeze(ann.weightLayers().map((l) => l.index)),
    method: opts.method ?? "percentile",
  };
}
