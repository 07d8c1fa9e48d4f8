import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError, ShapeMismatchError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { createDataset } from "../../src/data/dataset.ts";
import { loadMnist } from "../../src/data/mnist.ts";
import {
  DIEHL_COOK_INTENSITY_Hz_PER_UNIT,
  crop,
  shuffleIndices,
  subset,
  toRates,
} from "../../src/data/transforms.ts";

/** A rows x cols image whose pixel (r, c) is 10 r + c, so every crop is easy to write down. */
function coded(rows: number, cols: number, add = 0): Uint8Array {
  const img = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) img[r * cols + c] = 10 * r + c + add;
  return img;
}

test("crop drops the border of one image", () => {
  const img = coded(6, 5);
  const before = img.slice();

  const out = crop(img, 1, { rows: 6, cols: 5 });

  // Rows 1..4 and columns 1..3 remain: pixel (r, c) of the crop is 10 (r + 1) + (c + 1).
  assert.deepEqual(Array.from(out), [11, 12, 13, 21, 22, 23, 31, 32, 33, 41, 42, 43]);
  assert.deepEqual(img, before);
});

test("crop of a square image needs no shape; 0 pixels copies it", () => {
  const img = coded(4, 4);

  assert.deepEqual(Array.from(crop(img, 1)), [11, 12, 21, 22]);
  const same = crop(img, 0);
  assert.deepEqual(same, img);
  assert.notEqual(same, img);
});

test("crop rejects shapes it cannot honour", () => {
  assert.throws(() => crop(new Uint8Array(6), 1), ShapeMismatchError);
  assert.throws(
    () => crop(new Uint8Array(6), 1, { rows: 2, cols: 2 }),
    /image has 6 pixels, shape 2x2 needs 4/,
  );
  assert.throws(() => crop(coded(4, 4), 2), /leaves nothing of a 4x4 image; use pixels < 2/);
  assert.throws(() => crop(coded(4, 4), 0.5), InvalidParameterError);
});

test("crop of a dataset gives 20x20 MNIST images and leaves the input alone", () => {
  const d = loadMnist({ split: "train", limit: 3 });
  const before = d.images.slice();

  const c = crop(d, 4);

  assert.equal(c.rows, 20);
  assert.equal(c.cols, 20);
  assert.equal(c.count, 3);
  assert.deepEqual(Array.from(c.labels), [5, 0, 4]);
  for (let i = 0; i < 3; i++) assert.deepEqual(c.image(i), crop(d.image(i), 4));
  // (r, c) of the crop is (r + 4, c + 4) of the original.
  assert.equal(c.image(0)[3 * 20 + 7], d.image(0)[7 * 28 + 11]);
  assert.deepEqual(d.images, before);
});

test("toRates scales grey levels: 255 -> 127.5 Hz (LC-SNN default), 63.75 Hz (Diehl & Cook)", () => {
  const img = Uint8Array.from([0, 1, 128, 255]);

  assert.deepEqual(Array.from(toRates(img)), [0, 0.5, 64, 127.5]);
  assert.deepEqual(
    Array.from(toRates(img, { intensity_Hz_per_unit: DIEHL_COOK_INTENSITY_Hz_PER_UNIT })),
    [0, 0.25, 32, 63.75],
  );
  assert.deepEqual(Array.from(img), [0, 1, 128, 255]);
});

test("toRates writes into a caller's buffer and checks it", () => {
  const out = new Float32Array(2).fill(9);

  const r = toRates(Uint8Array.from([2, 4]), { intensity_Hz_per_unit: 1 }, out);

  assert.equal(r, out);
  assert.deepEqual(Array.from(out), [2, 4]);
  assert.throws(() => toRates(Uint8Array.from([2]), {}, out), /out has length 2, the image 1/);
  assert.throws(() => toRates(Uint8Array.from([2]), { intensity_Hz_per_unit: -1 }), /must be >= 0/);
});

test("shuffleIndices is a seeded permutation", () => {
  const a = shuffleIndices(100, createRng(1, "order"));
  const b = shuffleIndices(100, createRng(1, "order"));
  const c = shuffleIndices(100, createRng(2, "order"));

  assert.deepEqual(
    Array.from(a).sort((x, y) => x - y),
    Array.from({ length: 100 }, (_, i) => i),
  );
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.equal(shuffleIndices(0, createRng(1)).length, 0);
});

test("subset copies the chosen examples in order", () => {
  const images = new Uint8Array([...coded(2, 2, 0), ...coded(2, 2, 100)]);
  const d = createDataset({ images, labels: Uint8Array.from([4, 7]), rows: 2, cols: 2, numClasses: 10 });

  const s = subset(d, [1, 1, 0]);

  assert.deepEqual(Array.from(s.labels), [7, 7, 4]);
  assert.deepEqual(Array.from(s.image(0)), [100, 101, 110, 111]);
  assert.deepEqual(Array.from(s.image(2)), [0, 1, 10, 11]);
  assert.throws(() => subset(d, [2]), /indices\[0\] = 2 is not an example index in \[0, 2\)/);
});

test("createDataset checks sizes and labels", () => {
  assert.throws(
    () =>
      createDataset({
        images: new Uint8Array(5),
        labels: new Uint8Array(1),
        rows: 2,
        cols: 2,
        numClasses: 2,
      }),
    /images hold 5 pixels but 1 labels x 2x2 need 4/,
  );
  assert.throws(
    () =>
      createDataset({
        images: new Uint8Array(4),
        labels: Uint8Array.from([2]),
        rows: 2,
        cols: 2,
        numClasses: 2,
      }),
    /label 2 of example 0 is not below numClasses = 2/,
  );
});

test("createDataset takes bytes only: float pixels and plain arrays are refused up front, canvas bytes are viewed", () => {
  const base = { rows: 2, cols: 2, numClasses: 10 };
  // float pixels in [0, 1] used to be accepted and encoded at 1/255 of the intended rate (no spikes at all)
  assert.throws(
    () =>
      createDataset({ ...base, images: new Float32Array(4).fill(0.5) as never, labels: Uint8Array.of(1) }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message ===
        "createDataset: images must be a Uint8Array (pixels 0-255, row-major), got a Float32Array; scale float " +
          "pixels in [0, 1] to 0-255 and round (Uint8Array.from(x, (v) => Math.round(v * 255)))",
  );
  // plain-array labels used to fail only at the end of training, inside the logistic regression
  assert.throws(
    () => createDataset({ ...base, images: new Uint8Array(4), labels: [1] as never }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message ===
        "createDataset: labels must be a Uint8Array (one label per image), got an Array of length 1; wrap the " +
          "values in new Uint8Array(...)",
  );
  // a canvas's ImageData.data is a Uint8ClampedArray: the same bytes, read without a copy
  const canvas = Uint8ClampedArray.of(0, 64, 128, 255);
  const d = createDataset({ ...base, images: canvas, labels: Uint8Array.of(3) });
  assert.deepEqual(Array.from(d.image(0)), [0, 64, 128, 255]);
  canvas[0] = 9;
  assert.equal(d.image(0)[0], 9, "a view, not a copy");
  // a canvas's RGBA bytes as they come (4 per pixel) are named as such
  assert.throws(
    () => createDataset({ ...base, images: new Uint8ClampedArray(16), labels: Uint8Array.of(3) }),
    (e: unknown) =>
      e instanceof ShapeMismatchError &&
      e.message ===
        "images hold 16 pixels but 1 labels x 2x2 need 4; these look like RGBA canvas pixels (4 bytes per " +
          "pixel): take one channel, e.g. Uint8Array.from({ length: w * h }, (_, i) => rgba[4 * i])",
  );
});

test("shuffleIndices without a generator asks for one instead of a TypeError", () => {
  const message = (got: string) =>
    `shuffleIndices(n, rng) needs a random generator as its second argument: pass createRng(seed, "order") ` +
    `(got ${got}); give each independent use its own stream`;
  for (const [rng, got] of [
    [undefined, "no rng"],
    [7, "number 7"],
    [{}, "an object with keys []"],
  ] as const) {
    assert.throws(
      () => shuffleIndices(5, rng as never),
      (e: unknown) => e instanceof InvalidParameterError && e.message === message(got),
    );
  }
  assert.throws(() => shuffleIndices(-1, createRng(1)), /n must be an integer >= 0, got -1/);
  // an argument past the generator is refused, not ignored
  assert.throws(
    () => (shuffleIndices as (...a: unknown[]) => Int32Array)(5, createRng(1), 3),
    /^InvalidParameterError: shuffleIndices takes 2 arguments \(n, rng\), got 3: argument 3 \(number 3\) would be ignored; remove it$/,
  );
});
