/**
 * An image-classification dataset held in two flat byte arrays: `images` is count x rows x cols, row-major
 * (pixel (r, c) of example i at i*rows*cols + r*cols + c), `labels` holds one class index per example.
 * Pure (no file access): `fromIdx` builds one from two parsed IDX files, whatever produced their bytes.
 */
import {
  FormatError,
  InvalidParameterError,
  ShapeMismatchError,
  describeValue,
  isBinaryKind,
  requireInteger,
} from "../core/errors.ts";
import { optionKeys, requireKnownKeys } from "../core/options.ts";
import type { IdxArray } from "./idx.ts";

export interface Dataset {
  /** count * rows * cols pixel intensities 0..255, row-major. */
  readonly images: Uint8Array;
  /** count class indices, each < numClasses. */
  readonly labels: Uint8Array;
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  /** Number of classes; labels lie in [0, numClasses). */
  readonly numClasses: number;
  /** Example i's pixels as a view (no copy) of `images`. */
  image(i: number): Uint8Array;
}

export interface DatasetInit {
  /** Pixels 0-255, row-major, one channel (a Uint8ClampedArray is read as the same bytes, without a copy). */
  readonly images: Uint8Array | Uint8ClampedArray;
  readonly labels: Uint8Array | Uint8ClampedArray;
  readonly rows: number;
  readonly cols: number;
  readonly numClasses: number;
}

class ImageDataset implements Dataset {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  readonly numClasses: number;

  constructor(init: DatasetInit & { images: Uint8Array; labels: Uint8Array }, count: number) {
    this.images = init.images;
    this.labels = init.labels;
    this.count = count;
    this.rows = init.rows;
    this.cols = init.cols;
    this.numClasses = init.numClasses;
  }

  image(i: number): Uint8Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) {
      throw new InvalidParameterError(`image index must be an integer in [0, ${this.count}), got ${i}`, {
        i,
      });
    }
    const size = this.rows * this.cols;
    return this.images.subarray(i * size, (i + 1) * size);
  }
}

/**
 * Checks the arrays against each other and wraps them (no copy). Throws `ShapeMismatchError` when
 * images.length != labels.length * rows * cols and `InvalidParameterError` for a label >= numClasses.
 */
export function createDataset(init: DatasetInit): Dataset {
  if (init === undefined) {
    throw new InvalidParameterError(
      "createDataset needs { images, labels, rows, cols, numClasses } (images: Uint8Array of 0-255 pixels, " +
        "row-major; labels: Uint8Array, one per image)",
    );
  }
  requireKnownKeys(
    "createDataset",
    init,
    optionKeys<DatasetInit>({ images: true, labels: true, rows: true, cols: true, numClasses: true }),
  );
  requireInteger("rows", init.rows, 1);
  requireInteger("cols", init.cols, 1);
  requireInteger("numClasses", init.numClasses, 1);
  // canvas pixels (ImageData.data) are a Uint8ClampedArray: the same bytes, viewed without a copy
  const asBytes = (a: unknown): Uint8Array => {
    const c = a as Uint8ClampedArray;
    return isBinaryKind(a, "Uint8ClampedArray")
      ? new Uint8Array(c.buffer, c.byteOffset, c.length)
      : (a as Uint8Array);
  };
  const bytes = { ...init, images: asBytes(init.images), labels: asBytes(init.labels) };
  for (const field of ["images", "labels"] as const) {
    const a: unknown = bytes[field];
    if (!isBinaryKind(a, "Uint8Array")) {
      throw new InvalidParameterError(
        `createDataset: ${field} must be a Uint8Array (${field === "images" ? "pixels 0-255, row-major" : "one label per image"}), ` +
          `got ${describeValue(a)}` +
          (field === "images" && (isBinaryKind(a, "Float32Array") || isBinaryKind(a, "Float64Array"))
            ? "; scale float pixels in [0, 1] to 0-255 and round (Uint8Array.from(x, (v) => Math.round(v * 255)))"
            : "; wrap the values in new Uint8Array(...)"),
        { field },
      );
    }
  }
  const count = bytes.labels.length;
  const need = count * init.rows * init.cols;
  if (bytes.images.length !== need) {
    throw new ShapeMismatchError(
      `images hold ${bytes.images.length} pixels but ${count} labels x ${init.rows}x${init.cols} need ` +
        `${need}; ` +
        (bytes.images.length === 4 * need
          ? "these look like RGBA canvas pixels (4 bytes per pixel): take one channel, e.g. " +
            "Uint8Array.from({ length: w * h }, (_, i) => rgba[4 * i])"
          : "pass as many labels as images"),
    );
  }
  const bad = firstLabelOutOfRange(bytes.labels, init.numClasses);
  if (bad >= 0) {
    throw new InvalidParameterError(
      `label ${bytes.labels[bad]} of example ${bad} is not below numClasses = ${init.numClasses}; ` +
        `raise numClasses (EMNIST letters use labels 1..26, so 27)`,
      { index: bad, label: bytes.labels[bad] },
    );
  }
  return new ImageDataset(bytes, count);
}

function firstLabelOutOfRange(labels: Uint8Array, numClasses: number): number {
  for (let i = 0; i < labels.length; i++) if (labels[i] >= numClasses) return i;
  return -1;
}

export interface FromIdxOptions {
  /** Number of classes. Default 10 (MNIST, Fashion-MNIST); EMNIST letters need 27 (labels 1..26). */
  readonly numClasses?: number | undefined;
  /** Keep only the first `limit` examples (views, no copy). Default: all. */
  readonly limit?: number | undefined;
  /** Names of the two files, for error messages. */
  readonly imagesName?: string;
  readonly labelsName?: string;
}

/**
 * Builds a dataset from a parsed images file (uint8, 3 dims: count x rows x cols) and labels file
 * (uint8, 1 dim: count). Throws `FormatError` naming the file when the types, shapes or counts disagree or a
 * label is out of range.
 */
export function fromIdx(images: IdxArray, labels: IdxArray, opts: FromIdxOptions = {}): Dataset {
  requireKnownKeys(
    "fromIdx options",
    opts,
    optionKeys<FromIdxOptions>({ numClasses: true, limit: true, imagesName: true, labelsName: true }),
  );
  const imagesName = opts.imagesName ?? "images file";
  const labelsName = opts.labelsName ?? "labels file";
  const numClasses = requireInteger("numClasses", opts.numClasses ?? 10, 1);
  if (images.type !== "uint8" || images.dims.length !== 3) {
    const d = images.dims;
    const fix =
      d.length === 1
        ? "this looks like a labels file: pass an images file (…-images-idx3-ubyte)"
        : d.length === 4 && (d[3] === 1 || d[1] === 1)
          ? `drop the channel dimension of 1 (write the images as ${d[3] === 1 ? d.slice(0, 3).join("x") : [d[0], d[2], d[3]].join("x")})`
          : d.length === 2
            ? `give each image rows and columns (write them as ${d[0]} x rows x cols, e.g. ${d[0]}x28x28 for 784 pixels)`
            : d.length === 3
              ? "write the pixels as unsigned bytes, 0 to 255 (IDX type 0x08)"
              : "write the images as count x rows x cols unsigned bytes";
    throw new FormatError(
      `${imagesName}: expected unsigned bytes with 3 dimensions (count x rows x cols), got ${images.type} ` +
        `with dims ${d.join("x")}; ${fix}`,
      { file: imagesName },
    );
  }
  if (labels.type !== "uint8" || labels.dims.length !== 1) {
    const d = labels.dims;
    const fix =
      d.length === 3
        ? "this looks like an images file: pass a labels file (…-labels-idx1-ubyte)"
        : d.length === 2 && d[1] === 1
          ? `drop the trailing dimension of 1 (write the labels as ${d[0]})`
          : d.length === 1
            ? "write the labels as unsigned bytes (IDX type 0x08)"
            : "write the labels as count unsigned bytes";
    throw new FormatError(
      `${labelsName}: expected unsigned bytes with 1 dimension (count), got ${labels.type} with dims ` +
        `${d.join("x")}; ${fix}`,
      { file: labelsName },
    );
  }
  const [n, rows, cols] = images.dims;
  if (labels.dims[0] !== n) {
    throw new FormatError(
      `${labelsName} holds ${labels.dims[0]} labels but ${imagesName} holds ${n} images; use the labels file ` +
        `of the same split`,
      { imagesFile: imagesName, labelsFile: labelsName },
    );
  }
  const limit = opts.limit === undefined ? n : Math.min(n, requireInteger("limit", opts.limit, 0));
  const labelBytes = (labels.data as Uint8Array).subarray(0, limit);
  const bad = firstLabelOutOfRange(labelBytes, numClasses);
  if (bad >= 0) {
    throw new FormatError(
      `${labelsName}: label ${labelBytes[bad]} of example ${bad} is not below numClasses = ${numClasses}; ` +
        `pass a larger numClasses (EMNIST letters need 27)`,
      { file: labelsName, index: bad, label: labelBytes[bad] },
    );
  }
  return createDataset({
    images: (images.data as Uint8Array).subarray(0, limit * rows * cols),
    labels: labelBytes,
    rows,
    cols,
    numClasses,
  });
}
