/**
 * Pure dataset and image transforms. None of them mutates its input; each returns new arrays (or writes
 * into an `out` array the caller owns).
 *
 *   crop:        drops `pixels` rows and columns on every side (LC-SNN: 28x28 -> 20x20 with 4).
 *   toRates:     rate_Hz = pixel * intensity_Hz_per_unit. LC-SNN (Saunders et al. 2019) uses 0.5 Hz per
 *                grey level (255 -> 127.5 Hz); Diehl & Cook (2015) use pixel / 4 (255 -> 63.75 Hz).
 *   shuffleIndices: a seeded permutation of 0..n-1 (Fisher-Yates with the caller's Rng).
 */
import {
  InvalidParameterError,
  ShapeMismatchError,
  allocateBuffer,
  requireFinite,
  requireInteger,
} from "../core/errors.ts";
import { refuseExtraArguments, requireKnownKeys } from "../core/options.ts";
import { type Rng, requireRngArgument } from "../core/rng.ts";
import { createDataset } from "./dataset.ts";
import type { Dataset } from "./dataset.ts";

export interface ImageShape {
  readonly rows: number;
  readonly cols: number;
}

function cropShape(shape: ImageShape, pixels: number): ImageShape {
  requireInteger("pixels", pixels, 0);
  const rows = shape.rows - 2 * pixels;
  const cols = shape.cols - 2 * pixels;
  if (rows < 1 || cols < 1) {
    throw new InvalidParameterError(
      `cropping ${pixels} pixels per side leaves nothing of a ${shape.rows}x${shape.cols} image; ` +
        `use pixels < ${Math.ceil(Math.min(shape.rows, shape.cols) / 2)}`,
      { pixels, ...shape },
    );
  }
  return { rows, cols };
}

function cropInto(
  src: Uint8Array,
  srcOff: number,
  from: ImageShape,
  pixels: number,
  dst: Uint8Array,
  dstOff: number,
) {
  const to = { rows: from.rows - 2 * pixels, cols: from.cols - 2 * pixels };
  for (let r = 0; r < to.rows; r++) {
    const start = srcOff + (r + pixels) * from.cols + pixels;
    dst.set(src.subarray(start, start + to.cols), dstOff + r * to.cols);
  }
}

/** Crops every image of a dataset by `pixels` on each side; labels are copied. */
export function crop(dataset: Dataset, pixels: number): Dataset;
/**
 * Crops one row-major image by `pixels` on each side. Without `shape` the image must be square.
 * Throws `ShapeMismatchError` when the length does not match the shape.
 */
export function crop(image: Uint8Array, pixels: number, shape?: ImageShape): Uint8Array;
export function crop(input: Dataset | Uint8Array, pixels: number, shape?: ImageShape): Dataset | Uint8Array {
  if (input instanceof Uint8Array) {
    const from = shape ?? squareShape(input.length);
    if (from.rows * from.cols !== input.length) {
      throw new ShapeMismatchError(
        `image has ${input.length} pixels, shape ${from.rows}x${from.cols} needs ${from.rows * from.cols}; ` +
          `pass the image's own shape`,
      );
    }
    const to = cropShape(from, pixels);
    const out = new Uint8Array(to.rows * to.cols);
    cropInto(input, 0, from, pixels, out, 0);
    return out;
  }
  const from = { rows: input.rows, cols: input.cols };
  const to = cropShape(from, pixels);
  const srcSize = from.rows * from.cols;
  const dstSize = to.rows * to.cols;
  const images = new Uint8Array(input.count * dstSize);
  for (let i = 0; i < input.count; i++)
    cropInto(input.images, i * srcSize, from, pixels, images, i * dstSize);
  return createDataset({
    images,
    labels: input.labels.slice(),
    rows: to.rows,
    cols: to.cols,
    numClasses: input.numClasses,
  });
}

function squareShape(length: number): ImageShape {
  const side = Math.round(Math.sqrt(length));
  if (side * side !== length) {
    throw new ShapeMismatchError(
      `image has ${length} pixels, which is not a square; pass its shape as crop(image, pixels, { rows, cols })`,
    );
  }
  return { rows: side, cols: side };
}

export interface RateOptions {
  /** Firing rate per grey level (pixel value 0..255). Default 0.5 Hz (LC-SNN); Diehl & Cook use 0.25. */
  readonly intensity_Hz_per_unit: number;
}

export const RATE_DEFAULTS: Readonly<RateOptions> = Object.freeze({ intensity_Hz_per_unit: 0.5 });

/** LC-SNN (Saunders et al. 2019): pixel * 0.5 Hz, at most 127.5 Hz. */
export const LCSNN_INTENSITY_Hz_PER_UNIT = 0.5;
/**
 * Diehl & Cook (2015): pixel / 4 Hz, at most 63.75 Hz. The `diehl-cook` model defaults to BindsNET's 128/255
 * instead (models/diehl-cook.ts), as the LC-SNN paper's re-run of Diehl & Cook did.
 */
export const DIEHL_COOK_INTENSITY_Hz_PER_UNIT = 0.25;

/**
 * Poisson rates for an image: rate_Hz[i] = image[i] * intensity_Hz_per_unit. Writes into `out` when given
 * (it must have the image's length) so a training loop can reuse one buffer.
 */
export function toRates(
  image: ArrayLike<number>,
  opts: Partial<RateOptions> = {},
  out: Float32Array = new Float32Array(image.length),
): Float32Array {
  requireKnownKeys("toRates options", opts, ["intensity_Hz_per_unit"]);
  const factor = requireFinite(
    "intensity_Hz_per_unit",
    opts.intensity_Hz_per_unit ?? RATE_DEFAULTS.intensity_Hz_per_unit,
  );
  if (factor < 0) {
    throw new InvalidParameterError(`intensity_Hz_per_unit must be >= 0, got ${factor}`, { factor });
  }
  if (out.length !== image.length) {
    throw new ShapeMismatchError(
      `out has length ${out.length}, the image ${image.length}; pass an out of equal length`,
    );
  }
  for (let i = 0; i < image.length; i++) out[i] = image[i] * factor;
  return out;
}

/**
 * A permutation of 0..n-1 drawn with `rng` (seeded, so reproducible). A missing or non-generator `rng` and an
 * `n` that is not an integer >= 0 are `InvalidParameterError`s.
 */
export function shuffleIndices(n: number, rng: Rng, ...extra: never[]): Int32Array {
  refuseExtraArguments("shuffleIndices", "n, rng", extra);
  requireInteger("n", n, 0);
  requireRngArgument("shuffleIndices(n, rng)", rng, 'createRng(seed, "order")', true);
  const idx = allocateBuffer(Int32Array, n, `shuffleIndices n = ${n}`, "shuffle fewer indices");
  for (let i = 0; i < n; i++) idx[i] = i;
  rng.shuffle(idx);
  return idx;
}

/** A new dataset holding copies of the examples at `indices`, in that order (e.g. from shuffleIndices). */
export function subset(dataset: Dataset, indices: ArrayLike<number>): Dataset {
  const size = dataset.rows * dataset.cols;
  const images = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= dataset.count) {
      throw new InvalidParameterError(
        `indices[${k}] = ${i} is not an example index in [0, ${dataset.count})`,
      );
    }
    images.set(dataset.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = dataset.labels[i];
  }
  return createDataset({
    images,
    labels,
    rows: dataset.rows,
    cols: dataset.cols,
    numClasses: dataset.numClasses,
  });
}
