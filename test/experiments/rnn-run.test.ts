/**
 * Run directories of the spiking-RNN protocol: train -> model/, curve.json, summary.json; convert ->
 * search.json, examples.json; eval -> eval.json. Saving and loading reproduce the model bit for bit and the
 * LIF outputs exactly; the task alias; a tampered weights file is rejected.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DivergenceError, FormatError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { loadModel, saveModel } from "../../src/io/model-file.ts";
import {
  convertRnnRun,
  evalRnnRun,
  loadRnnRun,
  resolveTask,
  trainRnnRun,
} from "../../src/experiments/rnn-run.ts";
import { modelRecord } from "../../src/experiments/run-files.ts";
import { plotRnnRun } from "../../src/plot/rnn-run-plots.ts";
import { runLifTrial } from "../../src/rnn/lif-trial.ts";
import { rateRnnFromSavedModel, rateRnnModelInput } from "../../src/rnn/rate-rnn-model.ts";
import { generateTrial } from "../../src/rnn/tasks.ts";
import { trainRateRnn } from "../../src/rnn/train.ts";
import { transferRateRnn } from "../../src/rnn/transfer.ts";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "spikeflow-rnn-"));
}

test("train writes a model that loads bit-identically and gives the same LIF output as the in-memory model", async () => {
  const dir = tempDir();
  try {
    const summary = await trainRnnRun({ task: "xor", units: 16, seed: 2, out: dir, maxTrials: 3 });
    const direct = trainRateRnn("xor", {
      model: { units: 16, tauMin_ms: 20, tauMax_ms: 50 },
      seed: 2,
      maxTrials: 3,
    });

    const { model, task, seed } = await loadRnnRun(dir);

    assert.equal(task, "xor");
    assert.equal(seed, 2);
    assert.equal(summary.updates, 3);
    for (const key of ["wRaw", "wIn", "wOut", "bOut", "theta", "rowPtr", "colIdx", "sign", "sst"] as const) {
      assert.deepEqual(model[key], direct.model[key], key);
    }
    assert.deepEqual(model.dynamics, direct.model.dynamics);
    const trial = generateTrial("xor", createRng(1, "t"));
    const a = runLifTrial(transferRateRnn(model, 30), trial, createRng(1, "n"));
    const outA = a.output.slice();
    const b = runLifTrial(transferRateRnn(direct.model, 30), trial, createRng(1, "n"));
    assert.deepEqual(b.output, outA);
    const curve = JSON.parse(readFileSync(join(dir, "curve.json"), "utf8")) as {
      curve: unknown[];
      trainLoss: number[];
    };
    assert.equal(curve.trainLoss.length, 3);
    assert.equal(curve.curve.length, 1, "one evaluation, after trial 1");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("convert writes search.json and examples.json; eval is reproducible and writes eval.json", async () => {
  const dir = tempDir();
  try {
    await trainRnnRun({ task: "go-nogo", units: 12, seed: 3, out: dir, maxTrials: 2 });

    const search = await convertRnnRun(dir, { scales: [20, 30], trials: 3, workers: 1 });
    const examples = JSON.parse(readFileSync(join(dir, "examples.json"), "utf8")) as {
      scale: number;
      examples: {
        condition: string;
        rateOutput: number[];
        spikingOutput: number[];
        input: number[][];
        spikeSteps: number[];
      }[];
    };
    const e1 = await evalRnnRun(dir, { trials: 2 });
    const e2 = await evalRnnRun(dir, { trials: 2 });

    assert.deepEqual(search.scales, [20, 30]);
    assert.equal(search.accuracy.length, 2);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, "search.json"), "utf8")).best, search.best);
    assert.equal(examples.scale, search.best.scale);
    assert.deepEqual(
      examples.examples.map((x) => x.condition),
      ["go", "nogo"],
    );
    assert.equal(examples.examples[0].rateOutput.length, 199);
    assert.equal(examples.examples[0].spikingOutput.length, 2000, "20 000 LIF steps sampled every 10");
    assert.equal(examples.examples[0].input.length, 200);
    assert.deepEqual({ ...e1, wall_s: 0 }, { ...e2, wall_s: 0 });
    assert.equal(e1.scale, search.best.scale);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, "eval.json"), "utf8")).lifAccuracy, e2.lifAccuracy);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a weights file whose derived wEff disagrees with wRaw is rejected", async () => {
  const dir = tempDir();
  try {
    await trainRnnRun({ task: "go-nogo", units: 6, seed: 1, out: dir, maxTrials: 1 });
    const saved = await loadModel(join(dir, "model"));
    (saved.tensors.wEff.data as Float64Array)[0] += 1;

    assert.throws(
      () => rateRnnFromSavedModel(saved),
      (e: unknown) => e instanceof FormatError && /wEff does not match/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('task names: "context" is Mante\'s task; unknown names list the choices', () => {
  assert.equal(resolveTask("context"), "mante");
  assert.equal(resolveTask("go-nogo"), "go-nogo");
  assert.throws(() => resolveTask("dms"), /use go-nogo, xor or context/);
});

test("convert warns about a rate network that missed its stopping rule and removes the eval.json of an earlier search", async () => {
  const dir = tempDir();
  try {
    await trainRnnRun({ task: "go-nogo", units: 10, seed: 4, out: dir, maxTrials: 2 });
    const warnings: string[] = [];
    const onWarning = (m: string) => warnings.push(m);

    // 8 workers asked for one job (1 scale x 2 trials): one thread runs, and the per-trial time says so
    const one = await convertRnnRun(dir, { scales: [30], trials: 2, workers: 8, examples: false, onWarning });
    const first = warnings.splice(0);
    await evalRnnRun(dir, { trials: 1 });
    const evalWritten = existsSync(join(dir, "eval.json"));
    writeFileSync(join(dir, "report.html"), "<p>the previous search</p>");
    writeFileSync(join(dir, "examples.json"), "{}");
    await convertRnnRun(dir, { scales: [40], trials: 2, workers: 1, examples: false, onWarning });
    assert.equal(existsSync(join(dir, "examples.json")), false, "no examples of an earlier search stay");

    assert.equal(one.workers, 8);
    assert.equal(one.threads, 1);
    // computation only: 8 workers or 1, the pool's start-up is not in the per-trial time
    assert.ok(one.lifTrial_s > 0 && one.lifTrial_s <= one.wall_s / 2, `${one.lifTrial_s} vs ${one.wall_s}`);
    assert.equal("trial_s" in one, false, "search.json names it lifTrial_s only");
    assert.equal(first.length, 1);
    assert.match(first[0], /did not meet the stopping rule \(2 trials/);
    assert.ok(evalWritten);
    assert.equal(existsSync(join(dir, "eval.json")), false, "the stale eval.json is gone");
    assert.equal(existsSync(join(dir, "report.html")), false, "the stale report is gone");
    assert.equal(warnings.length, 3);
    assert.match(
      warnings[1],
      /removed .*eval\.json: it was written before this search; run "spikeflow rnn eval /,
    );
    assert.match(
      warnings[2],
      /removed .*report\.html: it was written before this search; run "spikeflow report /,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a bad value inside model.json is a FormatError naming the file", async () => {
  const dir = tempDir();
  try {
    await trainRnnRun({ task: "go-nogo", units: 6, seed: 1, out: dir, maxTrials: 1 });
    const manifest = join(dir, "model", "model.json");
    const doc = JSON.parse(readFileSync(manifest, "utf8")) as { config: Record<string, unknown> };
    doc.config.task = "foo";
    writeFileSync(manifest, JSON.stringify(doc));

    await assert.rejects(loadRnnRun(dir), (e: unknown) => {
      assert.ok(e instanceof FormatError);
      assert.equal(
        e.message,
        `${manifest}: config.task must be the task the model was trained on, one of go-nogo, xor, mante, got ` +
          `string "foo"`,
      );
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a model whose tensors were edited is refused with the tensor's name: non-finite, sst, tau_d, size, inputs", async () => {
  const dir = tempDir();
  try {
    await trainRnnRun({ task: "go-nogo", units: 6, seed: 1, out: dir, maxTrials: 1 });
    const good = rateRnnFromSavedModel(await loadModel(join(dir, "model")));
    /** Saves a copy of the good model with `edit` applied to its model-file form, then loads the run. */
    const tampered = async (edit: (input: ReturnType<typeof rateRnnModelInput>) => void) => {
      const fresh = rateRnnModelInput(good, { task: "go-nogo", seed: 1 });
      const input = {
        ...fresh,
        config: { ...fresh.config },
        tensors: Object.fromEntries(
          Object.entries(fresh.tensors).map(([k, t]) => [k, { ...t, data: t.data.slice() }]),
        ),
      };
      edit(input);
      await saveModel(join(dir, "model"), input);
      return loadRnnRun(dir);
    };
    const data = (input: ReturnType<typeof rateRnnModelInput>, name: string) =>
      input.tensors[name].data as Float64Array | Uint8Array;
    const cases: [string, (input: ReturnType<typeof rateRnnModelInput>) => void, RegExp][] = [
      [
        "NaN",
        (m) => (data(m, "wOut")[2] = NaN),
        /model: tensor "wOut" must hold finite numbers, got wOut\[2\] = NaN/,
      ],
      ["sst", (m) => (data(m, "sst")[0] = 7), /model: sst entries must be 0 or 1, got sst\[0\] = 7/],
      ["tau", (m) => (data(m, "tauDecay_ms")[1] = -5), /tauDecay_ms\[1\] = -5 ms does not match theta/],
      [
        "units",
        (m) => ((m.config as Record<string, unknown>).units = 5),
        /config\.units is 5, but tensor "rowPtr" holds 7 values/,
      ],
      [
        "task",
        (m) => ((m.config as Record<string, unknown>).task = "xor"),
        /model\.json: config\.task is "xor", which has 2 input channels, but the model has 1/,
      ],
    ];
    for (const [what, edit, message] of cases) {
      await assert.rejects(tampered(edit), (e: unknown) => {
        assert.ok(e instanceof FormatError, what);
        assert.match(e.message, message, what);
        return true;
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Rewrites DIR/model/model.json with `edit` applied, and summary.json's record of it (model.manifestCrc32). */
function editManifest(dir: string, edit: (doc: { kind: string; config: Record<string, unknown> }) => void) {
  const manifest = join(dir, "model", "model.json");
  const doc = JSON.parse(readFileSync(manifest, "utf8")) as { kind: string; config: Record<string, unknown> };
  edit(doc);
  writeFileSync(manifest, JSON.stringify(doc, null, 2));
  // the run's records of its model follow the edit (summary.json, and rnn convert's files when there)
  for (const file of ["summary.json", "search.json", "examples.json"]) {
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    const doc = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ ...doc, model: modelRecord(dir) }));
  }
}

test("every model.json config field the run reads is checked (type and range), naming the file and the field", async () => {
  const dir = tempDir();
  const copy = tempDir();
  try {
    await trainRnnRun({ task: "go-nogo", units: 6, seed: 1, out: dir, maxTrials: 1 });
    const m = join(copy, "model", "model.json");
    const dynamics = (d: { config: Record<string, unknown> }) => d.config.dynamics as Record<string, unknown>;
    const seed = "config.seed must be an integer from 0 to 2^53 - 1 (the seed of every random stream), got";
    const cases: [string, (d: { config: Record<string, unknown> }) => void, string][] = [
      ["seed -1", (d) => (d.config.seed = -1), `${m}: ${seed} number -1`],
      ["seed 2^60", (d) => (d.config.seed = 2 ** 60), `${m}: ${seed} number 1152921504606847000`],
      ["seed 1.5", (d) => (d.config.seed = 1.5), `${m}: ${seed} number 1.5`],
      [
        "task",
        (d) => (d.config.task = 5),
        `${m}: config.task must be the task the model was trained on, one of go-nogo, xor, mante, got number 5`,
      ],
      [
        "units",
        (d) => (d.config.units = "6"),
        `${m}: config.units must be a positive integer, got string "6"`,
      ],
      [
        "dale",
        (d) => (dynamics(d).dale = "yes"),
        `${m}: config.dynamics.dale must be true or false, got string "yes"`,
      ],
      [
        "activation",
        (d) => (dynamics(d).activation = "tanh"),
        `${m}: config.dynamics.activation must be "sigmoid", "clipped-relu" or "softplus", got "tanh"`,
      ],
      [
        "noiseSd",
        (d) => (dynamics(d).noiseSd = 1e308),
        `${m}: config.dynamics.noiseSd must be at most 3.4028234663852886e+38 (the float32 range, as for every ` +
          `noise SD), got 1e+308: a larger SD can drive the state x, and with it the outputs, to Infinity or NaN`,
      ],
      [
        "initStateSd",
        (d) => (dynamics(d).initStateSd = "0.01"),
        `${m}: config.dynamics.initStateSd must be a finite number, got string "0.01"`,
      ],
      [
        "dt_ms",
        (d) => (dynamics(d).dt_ms = 2),
        `${m}: config.dynamics.dt_ms is 2, but the go-nogo task's timings are in 5 ms steps (the rate step of ` +
          `every trained model); the file was edited or is damaged`,
      ],
      [
        "dynamics",
        (d) => delete d.config.dynamics,
        `${m}: config.dynamics must be an object { dale, activation, dt_ms, tauMin_ms, tauMax_ms, noiseSd, ` +
          `initStateSd }, got undefined`,
      ],
    ];
    for (const [what, edit, message] of cases) {
      rmSync(copy, { recursive: true, force: true });
      cpSync(dir, copy, { recursive: true });
      editManifest(copy, edit);
      for (const run of [() => loadRnnRun(copy), () => evalRnnRun(copy, { trials: 1 })]) {
        await assert.rejects(run(), (e: unknown) => {
          assert.ok(e instanceof FormatError, what);
          assert.equal(e.message, message, what);
          return true;
        });
      }
      assert.equal(existsSync(join(copy, "eval.json")), false, what);
    }
    // the bound is the float32 range: an SD at it still gives finite outputs
    rmSync(copy, { recursive: true, force: true });
    cpSync(dir, copy, { recursive: true });
    editManifest(copy, (d) => {
      dynamics(d).noiseSd = 3.4e38;
      dynamics(d).initStateSd = 3.4e38;
    });
    assert.equal((await evalRnnRun(copy, { trials: 2, scale: 20 })).trials, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(copy, { recursive: true, force: true });
  }
});

test("a model whose outputs overflow is refused by eval and convert, which then leave the run as it was", async () => {
  const dir = tempDir();
  try {
    await trainRnnRun({ task: "go-nogo", units: 6, seed: 1, out: dir, maxTrials: 1 });
    await convertRnnRun(dir, { scales: [20], trials: 1, workers: 1 });
    mkdirSync(join(dir, "plots"));
    writeFileSync(join(dir, "plots", "rnn-loss.svg"), "<svg/>");
    // finite weights whose readout sum is beyond float64: o = 6 x 1e308 x r
    const good = rateRnnFromSavedModel(await loadModel(join(dir, "model")));
    good.wOut.fill(1e308);
    await saveModel(join(dir, "model"), rateRnnModelInput(good, { task: "go-nogo", seed: 1 }));
    editManifest(dir, () => {});
    const search = readFileSync(join(dir, "search.json"), "utf8");
    const examples = readFileSync(join(dir, "examples.json"), "utf8");

    const overflow = (where: string) =>
      `${join(dir, "model")}: the rate network's output is Infinity at ${where}, not a finite number: the ` +
      `model's weights or config.dynamics overflow the network (the files were edited or are damaged; train ` +
      `the run again)`;
    await assert.rejects(evalRnnRun(dir, { trials: 1 }), (e: unknown) => {
      assert.ok(e instanceof FormatError);
      assert.equal(e.message, overflow("output 0 of evaluation trial 0"));
      return true;
    });
    // at s = 10000 the LIF readout (r in Hz / s) stays finite, so the search ends and the rate output of the
    // example trials is what overflows (at s = 30 the search itself refuses the LIF output: DivergenceError)
    await assert.rejects(convertRnnRun(dir, { scales: [10000], trials: 1, workers: 1 }), (e: unknown) => {
      assert.ok(e instanceof FormatError);
      assert.equal(e.message, overflow('rateOutput[0] of the example trial "go"'));
      return true;
    });

    assert.equal(existsSync(join(dir, "eval.json")), false);
    assert.equal(readFileSync(join(dir, "search.json"), "utf8"), search);
    assert.equal(readFileSync(join(dir, "examples.json"), "utf8"), examples);
    assert.deepEqual(readdirSync(join(dir, "plots")), ["rnn-loss.svg"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a spiking output that is not finite stops convert and eval, naming the model, s and the trial; files stay", async () => {
  const dir = tempDir();
  try {
    await trainRnnRun({ task: "go-nogo", units: 6, seed: 1, out: dir, maxTrials: 1 });
    await convertRnnRun(dir, { scales: [20], trials: 1, workers: 1 });
    await evalRnnRun(dir, { trials: 1 });
    // the rate outputs stay finite (6 x 1e306 x r); the LIF readout at s = 0.01 does not (100 x 1e306 per Hz)
    const model = rateRnnFromSavedModel(await loadModel(join(dir, "model")));
    model.wOut.fill(1e306);
    await saveModel(join(dir, "model"), rateRnnModelInput(model, { task: "go-nogo", seed: 1 }));
    editManifest(dir, () => {});
    const before = ["search.json", "examples.json", "eval.json"].map((f) =>
      readFileSync(join(dir, f), "utf8"),
    );
    const refusal = (stream: string) =>
      `${join(dir, "model")}: the spiking network's output at s = 0.01 is not a finite number in trial 0 ` +
      `("${stream}" trials): the model's weights, divided by s, overflow the LIF network (a larger s divides ` +
      `them more; a trained model does not do this unless its files were edited or damaged)`;
    await assert.rejects(evalRnnRun(dir, { trials: 2, scale: 0.01 }), (e: unknown) => {
      assert.ok(e instanceof DivergenceError);
      assert.equal(e.message, refusal("lif-eval"));
      return true;
    });
    await assert.rejects(convertRnnRun(dir, { scales: [20, 0.01], trials: 2, workers: 2 }), (e: unknown) => {
      assert.ok(e instanceof DivergenceError);
      assert.equal(e.message, refusal("lif-search"));
      return true;
    });
    const after = ["search.json", "examples.json", "eval.json"].map((f) =>
      readFileSync(join(dir, f), "utf8"),
    );
    assert.deepEqual(after, before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("convert removes the plots of the files it replaces before it writes them (the caller draws the new set)", async () => {
  const dir = tempDir();
  try {
    await trainRnnRun({ task: "go-nogo", units: 6, seed: 1, out: dir, maxTrials: 1 });
    await convertRnnRun(dir, { scales: [20], trials: 1, workers: 1 });
    await plotRnnRun(dir, { png: false });
    const drawn = readdirSync(join(dir, "plots")).sort();
    const warnings: string[] = [];

    await convertRnnRun(dir, { scales: [30], trials: 2, workers: 1, onWarning: (w) => warnings.push(w) });

    // one training trial: no evaluation yet, so no training curves
    assert.deepEqual(drawn, ["rnn-firing-rates.svg", "rnn-outputs.svg", "rnn-scale-search.svg"]);
    assert.equal(existsSync(join(dir, "plots")), false, "no plot of the previous search stays");
    assert.equal(JSON.parse(readFileSync(join(dir, "search.json"), "utf8")).trials, 2);
    assert.doesNotMatch(warnings.join("\n"), /plots/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a run whose model.json "kind" was edited is refused as edited; a directory of another model is sent to its commands', async () => {
  const dir = tempDir();
  try {
    await trainRnnRun({ task: "go-nogo", units: 6, seed: 1, out: dir, maxTrials: 1 });
    editManifest(dir, (d) => (d.kind = "lcsnn"));
    const manifest = join(dir, "model", "model.json");

    await assert.rejects(loadRnnRun(dir), (e: unknown) => {
      assert.ok(e instanceof FormatError);
      assert.equal(
        e.message,
        `${manifest}: "kind" is "lcsnn", but ${dir} is a spiking-RNN run (it has curve.json), whose model is a ` +
          `"rate-rnn": model.json was edited or replaced (put the run's own model back, or train the run again)`,
      );
      return true;
    });
    // without the rnn run's files it is a model directory of the other pipeline
    rmSync(join(dir, "curve.json"));
    await assert.rejects(
      loadRnnRun(dir),
      /holds a "lcsnn" model, not a rate RNN; .*for this run use "spikeflow eval", "plot" or "report"$/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Rewrites DIR/summary.json with `edit` applied to its "train" object. */
function editSummary(dir: string, edit: (train: Record<string, unknown>) => void): void {
  const path = join(dir, "summary.json");
  const doc = JSON.parse(readFileSync(path, "utf8")) as { train: Record<string, unknown> };
  edit(doc.train);
  writeFileSync(path, JSON.stringify(doc));
}

test("the advice of convert and eval for a network that missed the rule counts from the run's minTrials (summary.json)", async () => {
  const dir = tempDir();
  try {
    await trainRnnRun({ task: "go-nogo", units: 6, seed: 1, out: dir, maxTrials: 3, minTrials: 5900 });
    const warnings: string[] = [];
    const onWarning = (w: string) => warnings.push(w);

    await evalRnnRun(dir, { trials: 1, scale: 20, onWarning });
    // the task's own minTrials (Go-NoGo 1500) needs no --min-trials
    editSummary(dir, (t) => (t.minTrials = 1500));
    await convertRnnRun(dir, { scales: [20], trials: 1, examples: false, onWarning });
    // a summary.json written before minTrials was recorded: the task's
    editSummary(dir, (t) => delete t.minTrials);
    await evalRnnRun(dir, { trials: 1, onWarning });

    const advice = warnings.filter((w) => /did not meet the stopping rule/.test(w));
    assert.equal(advice.length, 3);
    assert.match(
      advice[0],
      /\(3 trials, .*\); its LIF transfer is not expected to work \(train again with the same --min-trials 5900 and --max-trials 5902 or more, e\.g\. the default 6000, or with another --seed: the first evaluation that can meet the rule comes after trial 5902\)$/,
    );
    for (const w of advice.slice(1)) {
      assert.match(
        w,
        /\(train again with --max-trials 1502 or more, e\.g\. the default 6000, or with another --seed: the first evaluation that can meet the rule comes after trial 1502\)$/,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("convert and eval refuse a summary.json whose minTrials, seed or decay range is not the run's, naming the field", async () => {
  const dir = tempDir();
  try {
    await trainRnnRun({ task: "xor", units: 6, seed: 3, out: dir, maxTrials: 1, tauRange_ms: [20, 50] });
    const summary = join(dir, "summary.json");
    const good = readFileSync(summary, "utf8");
    const hint = `run "spikeflow rnn train" again`;
    const cases: [string, (t: Record<string, unknown>) => void, string][] = [
      [
        "minTrials -1",
        (t) => (t.minTrials = -1),
        `"train.minTrials" must be an integer >= 0 (no stop before this trial index; absent in runs written ` +
          `before rnn train had --min-trials), got -1`,
      ],
      ["minTrials 2.5", (t) => (t.minTrials = 2.5), `"train.minTrials" must be an integer >= 0`],
      [
        "seed",
        (t) => (t.seed = 4),
        `"train.seed" must be 3, the seed of model/model.json (config.seed), got 4`,
      ],
      [
        "tauRange_ms",
        (t) => (t.tauRange_ms = [5, 9]),
        `"train.tauRange_ms" must be [20, 50], the decay range of model/model.json (config.dynamics.tauMin_ms ` +
          `and tauMax_ms), got [5,9]`,
      ],
    ];
    for (const [what, edit, message] of cases) {
      writeFileSync(summary, good);
      editSummary(dir, edit);
      for (const run of [
        () => evalRnnRun(dir, { trials: 1, scale: 20 }),
        () => convertRnnRun(dir, { scales: [20], trials: 1 }),
      ]) {
        await assert.rejects(run(), (e: unknown) => {
          assert.ok(e instanceof FormatError, what);
          assert.ok(e.message.startsWith(`${summary}: ${message}`), `${what}: ${e.message}`);
          assert.ok(e.message.endsWith(`; ${hint}`), `${what}: ${e.message}`);
          return true;
        });
      }
      assert.deepEqual(readdirSync(dir).sort(), ["curve.json", "model", "summary.json"], what);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("eval removes the report.html of an earlier evaluation, with a warning, when it writes eval.json", async () => {
  const dir = tempDir();
  try {
    await trainRnnRun({ task: "xor", units: 6, seed: 1, out: dir, maxTrials: 1 });
    await evalRnnRun(dir, { trials: 1, scale: 20 });
    const report = join(dir, "report.html");
    writeFileSync(report, "<p>the previous evaluation</p>");
    const before = readFileSync(join(dir, "eval.json"), "utf8");
    const warnings: string[] = [];
    const onWarning = (w: string) => warnings.push(w);

    // stopped before it writes eval.json: report.html still shows it
    const stopped = new AbortController();
    stopped.abort(new Error("stopped"));
    await assert.rejects(evalRnnRun(dir, { trials: 1, scale: 20, signal: stopped.signal }), /stopped/);
    const kept = existsSync(report) && readFileSync(join(dir, "eval.json"), "utf8") === before;
    await evalRnnRun(dir, { trials: 2, scale: 20, onWarning });

    assert.ok(kept, "an interrupted eval leaves eval.json and report.html as they were");
    assert.equal(existsSync(report), false);
    assert.equal(JSON.parse(readFileSync(join(dir, "eval.json"), "utf8")).trials, 2);
    assert.equal(
      warnings.at(-1),
      `removed ${report}: it was written before this evaluation; run "spikeflow report ${dir}" again`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
