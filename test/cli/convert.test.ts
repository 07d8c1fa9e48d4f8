/**
 * The `spikeflow convert` commands end to end in a child process, on small subsets of the real MNIST files:
 * train a tiny dense network, run its conversion with --json (the same result with 1 and 2 workers, Poisson
 * input with a seed), run a directory holding only a state_dict and a minimal ann.json, and the refusals of
 * bad options, each in one line with exit status 2 and nothing written.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRng } from "../../src/core/rng.ts";
import { Ann } from "../../src/convert/ann.ts";
import type { AnnManifest } from "../../src/convert/ann-io.ts";
import { ANN_PRESETS } from "../../src/convert/presets.ts";
import type { ConvertTrainSummary, SnnRunFile } from "../../src/experiments/convert-run.ts";

const BIN = new URL("../../bin/spikeflow.js", import.meta.url).pathname;

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, SPIKEFLOW_LOG: "silent" },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const TINY = {
  inputShape: [784],
  layers: [{ type: "dense", out: 32 }, { type: "relu" }, { type: "dense", out: 10 }],
};

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, "utf8")) as T;

test("the --arch presets: Diehl et al.'s 784-1200-1200-10 and 12c5-2s-64c5-2s-10o on 28x28 images", () => {
  const count = (a: Ann) => Object.values(a.parameters()).reduce((s, p) => s + p.length, 0);
  const fc = Ann.create(ANN_PRESETS.fc, { rng: createRng(1, "ann-init") });
  assert.deepEqual(
    fc.weightLayers().map((l) => (l.type === "dense" ? [l.inFeatures, l.outFeatures] : [])),
    [
      [784, 1200],
      [1200, 1200],
      [1200, 10],
    ],
  );
  assert.equal(count(fc), 2_395_210);
  const cnn = Ann.create(ANN_PRESETS.cnn, { rng: createRng(1, "ann-init") });
  assert.deepEqual(
    cnn.layers.map((l) => l.outShape),
    [[12, 24, 24], [12, 24, 24], [12, 12, 12], [64, 8, 8], [64, 8, 8], [64, 4, 4], [1024], [10]],
  );
  assert.equal(count(cnn), 29_826);
});

test("convert train -> run on a tiny dense network: files, --json summaries, workers 1 and 2 agree", () => {
  const root = mkdtempSync(join(tmpdir(), "spikeflow-cli-convert-"));
  try {
    const arch = join(root, "tiny.json");
    writeFileSync(arch, JSON.stringify(TINY));
    const dir = join(root, "run");
    const train = cli(
      "convert",
      "train",
      "--arch",
      arch,
      "--train-limit",
      "500",
      "--test-limit",
      "100",
      "--epochs",
      "2",
      "--batch",
      "20",
      "--optimizer",
      "adam",
      "--lr",
      "0.005",
      "--out",
      dir,
      "--json",
    );
    assert.equal(train.status, 0, train.stderr);
    assert.match(
      train.stderr,
      /spikeflow: ANN --arch .*tiny\.json \(25,450 parameters\), 500 training images/,
    );
    assert.match(train.stderr, /train: 50\/50 batches/);
    const summary = JSON.parse(train.stdout) as ConvertTrainSummary & { out: string };
    assert.equal(summary.out, dir);
    assert.deepEqual(summary.architecture, TINY);
    assert.equal(summary.parameters, 784 * 32 + 32 + 32 * 10 + 10);
    assert.deepEqual(summary.data, { trainCount: 500, testCount: 100 });
    assert.equal(summary.settings.epochs, 2);
    assert.equal(summary.settings.optimizer, "adam");
    assert.equal(summary.settings.learningRate, 0.005);
    assert.equal(summary.settings.batchSize, 20);
    assert.ok(summary.testAccuracy > 0.5 && summary.testAccuracy <= 1, `${summary.testAccuracy}`);
    assert.ok(summary.secondsPerEpoch > 0 && summary.wall_s >= summary.secondsPerEpoch);
    for (const f of ["ann.json", "model.safetensors", "curve.json", "summary.json"])
      assert.ok(existsSync(join(dir, f)), f);
    const curve = readJson<{ epochs: { testAccuracy: number }[]; batchLoss: number[] }>(
      join(dir, "curve.json"),
    );
    assert.equal(curve.epochs.length, 2);
    assert.equal(curve.epochs[1].testAccuracy, summary.testAccuracy);
    assert.equal(curve.batchLoss.length, 50);
    assert.equal(readJson<AnnManifest>(join(dir, "ann.json")).training?.epochs.length, 2);

    const run = (workers: string, ...more: string[]) =>
      cli(
        "convert",
        "run",
        dir,
        "--steps",
        "20",
        "--test-limit",
        "50",
        "--input",
        "poisson",
        "--max-rate",
        "0.5",
        "--seed",
        "3",
        "--norm-images",
        "200",
        "--workers",
        workers,
        ...more,
      );
    const one = run("1", "--json", "--quiet");
    assert.equal(one.status, 0, one.stderr);
    assert.equal(one.stderr, "");
    const r1 = JSON.parse(one.stdout) as SnnRunFile;
    assert.deepEqual(r1, readJson<SnnRunFile>(join(dir, "snn.json")));
    assert.deepEqual(r1.settings, {
      steps: 20,
      checkpoints: [10, 20],
      input: "poisson",
      vInit: 0,
      reset: "subtract",
      maxRate: 0.5,
      seed: 3,
      norm: "percentile",
      percentile: 99.9,
      normImages: 200,
      workers: 1,
    });
    assert.deepEqual(r1.data, { testImages: 50 });
    assert.deepEqual(r1.layerIndices, [0, 2]);
    assert.equal(r1.lambdas.length, 2);
    assert.ok(r1.lambdas.every((l: number) => l > 0));
    assert.equal(r1.ann.macsPerImage, 784 * 32 + 32 * 10);
    assert.equal(r1.ann.correct, Math.round(r1.ann.accuracy * 50));
    assert.deepEqual(r1.snn.checkpoints, [10, 20]);
    assert.equal(r1.snn.accuracy.length, 2);
    assert.ok(r1.snn.spikesPerImage > 0 && r1.snn.synapticOpsPerImage > 0);
    assert.equal(r1.model.weightsCrc32, readJson<AnnManifest>(join(dir, "ann.json")).weights?.crc32);
    assert.ok(r1.imagesPerSecond > 0 && r1.wall_s > 0);

    // the table and the progress on stderr; the same numbers on 2 workers
    const two = run("2");
    assert.equal(two.status, 0, two.stderr);
    assert.match(
      two.stdout,
      /ANN \d+\.\d\d % on 50 test images; SNN, poisson input \(max rate 0\.5, seed 3\)/,
    );
    assert.match(two.stdout, /^ +10 +\d+\.\d\d %$/m);
    assert.match(two.stdout, /^ +20 +\d+\.\d\d %$/m);
    assert.match(two.stderr, /on 2 threads\n/);
    assert.match(two.stderr, /snn: 50\/50 test images/);
    const r2 = readJson<SnnRunFile>(join(dir, "snn.json"));
    assert.deepEqual(r2.snn, r1.snn);
    assert.deepEqual(r2.lambdas, r1.lambdas);
    assert.deepEqual(r2.ann, r1.ann);
    assert.equal(r2.threads, 2);

    // a PyTorch user's directory: the state_dict and an ann.json with the format, version and architecture
    const torch = join(root, "torch");
    mkdirSync(torch);
    cpSync(join(dir, "model.safetensors"), join(torch, "model.safetensors"));
    writeFileSync(
      join(torch, "ann.json"),
      JSON.stringify({ format: "spikeflow-ann", version: 1, architecture: TINY }),
    );
    const t = cli(
      "convert",
      "run",
      torch,
      "--steps",
      "20",
      "--test-limit",
      "50",
      "--input",
      "poisson",
      "--max-rate",
      "0.5",
      "--seed",
      "3",
      "--norm-images",
      "200",
      "--workers",
      "1",
      "--json",
      "--quiet",
    );
    assert.equal(t.status, 0, t.stderr);
    assert.deepEqual((JSON.parse(t.stdout) as SnnRunFile).snn, r1.snn);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("convert train and run refuse bad options in one line naming the option, writing nothing", () => {
  const root = mkdtempSync(join(tmpdir(), "spikeflow-cli-convert-bad-"));
  try {
    const dir = join(root, "run");
    mkdirSync(dir);
    writeFileSync(
      join(dir, "ann.json"),
      JSON.stringify({ format: "spikeflow-ann", version: 1, architecture: TINY }),
    );
    const empty = join(root, "empty");
    mkdirSync(empty);
    const tiny = join(root, "tiny.json");
    writeFileSync(tiny, JSON.stringify(TINY));
    const linear = join(root, "linear.json");
    writeFileSync(
      linear,
      JSON.stringify({
        inputShape: [1, 28, 28],
        layers: [{ type: "flatten" }, { type: "dense", out: 8 }, { type: "dense", out: 10 }],
      }),
    );
    const diverged = join(root, "diverged");
    const cases: [string[], RegExp][] = [
      [["run", dir, "--steps", "0"], /--steps must be an integer in \[1, 100000\], got "0"/],
      [["run", dir, "--percentile", "100.5"], /--percentile must be a number in \(0, 100\], got "100\.5"/],
      [["run", dir, "--vinit", "1"], /--vinit must be a number in \[0, 1\) \(the threshold is 1\), got "1"/],
      [
        ["run", dir, "--input", "foo"],
        /'--input <kind>' argument 'foo' is invalid\. Allowed choices are analog, poisson, if/,
      ],
      [["run", dir, "--max-rate", "0.5"], /--max-rate applies to --input poisson only \(it is analog\)/],
      [["run", dir, "--norm", "max", "--percentile", "99"], /--percentile applies to --norm percentile only/],
      [
        ["run", dir, "--steps", "50", "--checkpoints", "10,100"],
        /--checkpoints 10,100 goes beyond --steps 50/,
      ],
      [
        ["run", empty],
        /holds no ann\.json; `spikeflow convert run` takes the --out of `spikeflow convert train`/,
      ],
      [["run", dir], /model\.safetensors does not exist/],
      [
        ["train", "--arch", join(root, "nope.json")],
        /--arch .*nope\.json is neither a preset nor an existing file/,
      ],
      [["train", "--out", dir], /--out .* already exists and is not an empty directory/],
      [
        // a typed error thrown on the training thread is still one line (it crossed as a plain Error)
        [
          "train",
          "--arch",
          tiny,
          "--train-limit",
          "200",
          "--test-limit",
          "50",
          "--lr",
          "1e30",
          "--out",
          diverged,
        ],
        /ANN training diverged: the loss of batch \d+ of epoch 1 is NaN .* lower --lr, e.g. to 1e\+29$/m,
      ],
      [
        ["train", "--arch", linear, "--out", diverged],
        /--arch .*linear\.json cannot be converted to IF neurons: layer 2 \(dense\) takes the output of layer 1 \(dense\) with no ReLU between them/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = cli("convert", ...args, "--quiet");
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.equal(r.stdout, "");
    }
    assert.ok(!existsSync(join(dir, "snn.json")));
    assert.ok(!existsSync(join(root, "runs")));
    assert.ok(!existsSync(diverged));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
