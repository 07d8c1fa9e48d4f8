/**
 * The CLI's translation of library errors into option names (src/cli/options.ts inOptionTerms), checked on
 * the errors the library really throws, so that a change of wording there shows up here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FormatError, InvalidParameterError, TimeStepError } from "../../src/core/errors.ts";
import { msToSteps } from "../../src/core/time.ts";
import { encodeIdx } from "../../src/data/idx.ts";
import { loadMnist } from "../../src/data/mnist.ts";
import { Lcsnn } from "../../src/models/lcsnn.ts";
import { inOptionTerms, resolveRunDir } from "../../src/cli/options.ts";

/** The message of what `f` throws, as the CLI prints it. */
function said(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return inOptionTerms(e as Error);
  }
  throw new Error("expected an error");
}

test("parameter names become the options that set them, written as on the command line", () => {
  assert.equal(
    said(() => new Lcsnn({ time_ms: 250, dt_ms: 0.3 })),
    "--time 250 ms is not a whole number of steps of --dt 0.3 ms (833.33333 steps; the nearest whole count is 833); use a multiple of dt " +
      "such as 249.9 or 250.2 ms",
  );
  assert.equal(
    said(() => new Lcsnn({ kernel: 30 })),
    "--kernel 30 does not fit the 20x20 input (28 - 2 x --crop 4); use --kernel <= 20 or a smaller --crop",
  );
  assert.equal(
    said(() => new Lcsnn({ crop_px: 14 })),
    "--crop 14 leaves no input of the 28x28 image; use --crop below 14",
  );
  assert.equal(
    said(() => new Lcsnn({ inhibition_mV: -5 })),
    "--inhibition must be > 0, got -5",
  );
  assert.equal(
    said(() => new Lcsnn({ norm: 1.5 })),
    "--norm 1.5 cannot be reached: each neuron's kernel x kernel incoming weights lie in [0, 1], so their sum " +
      "is at most 1 x kernel^2; use a norm in (0, 1] (paper: 0.2)",
  );
  // the suggestion never offers 0 ms, which --time refuses
  assert.match(
    said(() => new Lcsnn({ time_ms: 0.5 })),
    /use a multiple of dt such as 1 ms$/,
  );
});

test("ordinary words, file fields and names inside other names stay as they are", () => {
  const keep = [
    "a 30x30 kernel does not fit",
    "config.time_ms must be a finite number",
    "protocol.trainCount must be an integer",
    "1 - dt/tau = -0.5 < 0",
    "(1000 / (255 x dt))",
    "the filters of one location",
    "--time 250 ms",
  ];
  for (const text of keep) assert.equal(inOptionTerms(new InvalidParameterError(text)), text);
  // a FormatError describes a file: its field names are the file's
  assert.equal(inOptionTerms(new FormatError("x.nir: dt_s = 3 is wrong")), "x.nir: dt_s = 3 is wrong");
  assert.equal(inOptionTerms(new InvalidParameterError("x: dt_s = 3 is wrong")), "x: --dt 3 is wrong");
});

test("a step that the model's fixed durations do not divide is said as a --dt problem with divisors", () => {
  const e = (() => {
    try {
      msToSteps(5, 0.3, "tRef_ms");
    } catch (err) {
      return err as TimeStepError;
    }
    throw new Error("expected an error");
  })();
  assert.ok(e instanceof TimeStepError);
  assert.equal(
    inOptionTerms(e),
    "--dt 0.3 ms does not divide the model's tRef_ms of 5 ms (16.666667 steps), which no option sets; use a " +
      "--dt that divides 5 ms, such as 0.25 or 0.5",
  );
});

test("data-set errors name --data and the labels the MNIST commands read, not `dir`, `files` or numClasses", () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-options-"));
  try {
    const missing = said(() => loadMnist({ dir: join(dir, "none"), split: "train" }));
    assert.match(missing, /dataset directory .*none does not exist; pass an existing directory as --data$/);
    const empty = said(() => loadMnist({ dir, split: "train" }));
    assert.match(
      empty,
      /does not exist; give --data a directory holding train-images-idx3-ubyte and train-labels-idx1-ubyte \(read by train\) and t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte \(read by train and eval\)$/,
    );
    assert.doesNotMatch(empty, /`/);
    mkdirSync(join(dir, "bad"));
    writeFileSync(
      join(dir, "bad", "train-images-idx3-ubyte"),
      encodeIdx("uint8", [2, 28, 28], new Uint8Array(1568)),
    );
    writeFileSync(join(dir, "bad", "train-labels-idx1-ubyte"), encodeIdx("uint8", [2], Uint8Array.of(3, 12)));
    const label = said(() => loadMnist({ dir: join(dir, "bad"), split: "train" }));
    assert.match(
      label,
      /train-labels-idx1-ubyte: label 12 of example 1 is not a class of the data: spikeflow's MNIST commands read labels 0 to 9/,
    );
    assert.doesNotMatch(label, /numClasses/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a model's time constant below --dt is said in option terms (no seconds advice, no API call)", async () => {
  const { captureLogs } = await import("../../src/core/log.ts");
  const { messageInOptionTerms } = await import("../../src/cli/options.ts");
  const { LIF } = await import("../../src/neurons/lif.ts");
  const logs = captureLogs(() => new LIF(2, 1.5, { tauMem_ms: 1.2, tRef_ms: 3 }));
  assert.deepEqual(
    logs.map((r) => [r.id, messageInOptionTerms(r.message)]),
    [
      [
        "time-constant-below-dt",
        "tauMem_ms = 1.2 ms is shorter than the step --dt 1.5 ms, so the state keeps e^-1.25 of itself per " +
          "step; the model's time constant is shorter than --dt: use a smaller --dt",
      ],
    ],
  );
});

test("an LC-SNN stride that leaves input rows unseen is a warning in option terms, once; a dividing stride is silent", async () => {
  const { captureLogs } = await import("../../src/core/log.ts");
  const { messageInOptionTerms } = await import("../../src/cli/options.ts");
  const unseen = captureLogs(() => {
    new Lcsnn({ filters: 2, kernel: 12, stride: 9 });
    new Lcsnn({ filters: 2, kernel: 12, stride: 9 });
  });
  assert.deepEqual(
    unseen.map((r) => [r.id, messageInOptionTerms(r.message)]),
    [
      [
        "lcsnn-unseen-input",
        "--stride 9 with --kernel 12 leaves the last 8 of the 20 input rows and columns outside every receptive " +
          "field; a stride that divides 8 covers them all (1, 2, 4, 8)",
      ],
    ],
  );
  assert.deepEqual(
    captureLogs(() => new Lcsnn({ filters: 2, kernel: 12, stride: 4 })),
    [],
  );
});

test("a run's model/ directory resolves to the run as the user named it: relative stays relative", () => {
  const root = mkdtempSync(join(tmpdir(), "spikeflow-options-"));
  const cwd = process.cwd();
  try {
    mkdirSync(join(root, "run", "model"), { recursive: true });
    writeFileSync(join(root, "run", "model", "model.json"), "{}");
    process.chdir(root);
    for (const given of ["run/model", "run/model/", "./run/model/.", "run//model"]) {
      assert.equal(resolveRunDir(given, "rnn eval"), "run", given);
    }
    assert.equal(resolveRunDir(join(root, "run", "model"), "rnn eval"), join(root, "run"));
    process.chdir(join(root, "run"));
    assert.equal(resolveRunDir("model", "rnn eval"), ".");
    // "model/.." names the run itself (it holds no model.json), so it is returned as given
    assert.equal(resolveRunDir("model/..", "rnn eval"), "model/..");
    process.chdir(join(root, "run", "model"));
    assert.equal(resolveRunDir(".", "rnn eval"), join(root, "run"));
  } finally {
    process.chdir(cwd);
    rmSync(root, { recursive: true, force: true });
  }
});
