import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { FormatError } from "../../src/core/errors.ts";
import { crc32Hex } from "../../src/io/crc32.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convertRnnRun, evalRnnRun, trainRnnRun } from "../../src/experiments/rnn-run.ts";
import { plotRnnRun } from "../../src/plot/rnn-run-plots.ts";
import { writeRnnReport } from "../../src/plot/rnn-report.ts";

test("an rnn run directory gets its loss, accuracy, scale-search, output and firing-rate plots", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-rnnplot-"));
  try {
    await trainRnnRun({ task: "go-nogo", units: 40, seed: 2, out: dir, maxTrials: 101 });
    const before = await plotRnnRun(dir, { png: false });
    assert.equal(before.plots, 2, "before conversion: loss and accuracy only");
    await convertRnnRun(dir, { scales: [20, 40], trials: 2, workers: 1 });
    const after = await plotRnnRun(dir, { png: false });
    assert.equal(after.plots, 5);
    const files = readdirSync(join(dir, "plots")).sort();
    assert.deepEqual(files, [
      "rnn-accuracy.svg",
      "rnn-firing-rates.svg",
      "rnn-loss.svg",
      "rnn-outputs.svg",
      "rnn-scale-search.svg",
    ]);
    // axis labels carry units
    assert.match(readFileSync(join(dir, "plots", "rnn-outputs.svg"), "utf8"), /time \(ms\)/);
    assert.match(readFileSync(join(dir, "plots", "rnn-scale-search.svg"), "utf8"), /s \(scaling factor\)/);
    // the trial plots say which network they show
    assert.match(
      readFileSync(join(dir, "plots", "rnn-outputs.svg"), "utf8"),
      /spiking network at s = (20|40)/,
    );
    assert.match(
      readFileSync(join(dir, "plots", "rnn-firing-rates.svg"), "utf8"),
      /over the 2 example trials \(one per condition\) at s = (20|40)/,
    );
    // the report page inlines the five plots and needs nothing from outside
    const page = readFileSync((await writeRnnReport(dir)).path, "utf8");
    assert.ok((page.match(/<svg/g)?.length ?? 0) >= 5);
    assert.doesNotMatch(page, /<script|(src|href)="https?:/);
    assert.match(page, /best s = (20|40)/);
    // labelled values with units, the paper's Go-NoGo figure, no raw JSON
    assert.match(page, /<th>training trials \(updates\)<\/th><td>101<\/td>/);
    assert.match(page, /<th>trained decay range<\/th><td>20-50 ms<\/td>/);
    assert.match(page, /<th>time per update<\/th><td>\d+\.\d\d ms<\/td>/);
    assert.match(page, /receiver synapse filter, \d+\.\d s on 1 thread, \d+ ms per LIF trial/);
    assert.match(page, /94 of 100 networks/);
    assert.doesNotMatch(page, /<pre>|"wall_s"|wall_s/);
    assert.doesNotMatch(page, /Evaluation on fresh trials/, "no eval.json yet");
    await evalRnnRun(dir, { trials: 2, workers: 1 });
    const evaluated = readFileSync((await writeRnnReport(dir)).path, "utf8");
    assert.match(evaluated, /Evaluation on fresh trials/);
    assert.match(evaluated, /<th>fresh trials<\/th><td>2<\/td>/);
    assert.match(evaluated, /<th>LIF accuracy<\/th><td>(0|50|100)\.0 %<\/td>/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

type Doc = Record<string, unknown>;

test("report refuses damaged or mismatched summary.json, eval.json and search.json; plot drops plots whose data is gone", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-rnnreport-"));
  try {
    await trainRnnRun({ task: "go-nogo", units: 12, seed: 3, out: dir, maxTrials: 2 });
    await convertRnnRun(dir, { scales: [20], trials: 1, workers: 1, examples: false });
    await evalRnnRun(dir, { trials: 1, workers: 1 });
    const original = (f: string) => readFileSync(join(dir, f), "utf8");
    const files = {
      summary: original("summary.json"),
      search: original("search.json"),
      eval: original("eval.json"),
    };
    /** report with one file edited by `edit`, the others as written; restores the file afterwards. */
    const withEdit = async (file: "summary" | "search" | "eval", edit: (doc: Doc) => void) => {
      const doc = JSON.parse(files[file]) as Doc;
      edit(doc);
      writeFileSync(join(dir, `${file}.json`), JSON.stringify(doc));
      try {
        return await writeRnnReport(dir);
      } finally {
        writeFileSync(join(dir, `${file}.json`), files[file]);
      }
    };
    const cases: [string, "summary" | "search" | "eval", (d: Doc) => void, RegExp][] = [
      ["empty summary", "summary", (d) => delete d.train, /summary\.json: "train" must be an object/],
      [
        "search seed",
        "search",
        (d) => (d.seed = (d.seed as number) + 1),
        /search\.json: "seed" is \d+, but the model's seed \(model\/model\.json config\.seed\) is \d+/,
      ],
      [
        "search accuracy not of the trials",
        "search",
        (d) => {
          const a = d.accuracy as number[];
          d.accuracy = a.map(() => 0.123);
          d.best = { scale: (d.scales as number[])[0], accuracy: 0.123, index: 0 };
        },
        /search\.json: accuracy\[0\] is 0\.123, not a count of correct trials over "trials" \(\d+\)/,
      ],
      [
        "search stream",
        "search",
        (d) => (d.stream = "lif-eval"),
        /search\.json: "stream" is "lif-eval"; rnn convert writes "lif-search"/,
      ],
      [
        "summary size",
        "summary",
        (d) => ((d.train as Doc).units = 999),
        /a go-nogo network of 999 units, but the model is a go-nogo network of 12/,
      ],
      [
        "summary task",
        "summary",
        (d) => ((d.train as Doc).task = "xor"),
        /a xor network of 12 units, but the model is a go-nogo/,
      ],
      [
        "accuracy > 1",
        "eval",
        (d) => (d.lifAccuracy = 5),
        /eval\.json: "lifAccuracy" must be a fraction in \[0, 1\]: correct trials over "trials" \(1\), got 5/,
      ],
      [
        "accuracy not of the trials",
        "eval",
        (d) => {
          d.trials = 7;
          d.lifAccuracy = 0.8;
        },
        /eval\.json: "lifAccuracy" must be a fraction in \[0, 1\]: correct trials over "trials" \(7\), got 0\.8;/,
      ],
      [
        "trials text",
        "eval",
        (d) => (d.trials = "five"),
        /eval\.json: "trials" must be a positive integer, got "five"/,
      ],
      [
        "search task",
        "search",
        (d) => (d.task = "mante"),
        /search\.json: "task" is "mante", but the model was trained on "go-nogo"/,
      ],
      [
        "search trials",
        "search",
        (d) => (d.trials = -3),
        /search\.json: "trials" must be a positive integer, got -3/,
      ],
      [
        "summary seed",
        "summary",
        (d) => ((d.train as Doc).seed = 4),
        /summary\.json: "train\.seed" must be 3, the seed of model\/model\.json \(config\.seed\), got 4;/,
      ],
      [
        "summary decay range",
        "summary",
        (d) => ((d.train as Doc).tauRange_ms = [5, 9]),
        /summary\.json: "train\.tauRange_ms" must be \[20, 50\], the decay range of model\/model\.json \(config\.dynamics\.tauMin_ms and tauMax_ms\), got \[5,9\];/,
      ],
      [
        "summary minTrials",
        "summary",
        (d) => ((d.train as Doc).minTrials = "1500"),
        /summary\.json: "train\.minTrials" must be an integer >= 0 .*, got "1500";/,
      ],
      [
        "summary loss without evaluation",
        "summary",
        (d) => ((d.train as Doc).evaluatedAfterUpdates = null),
        /summary\.json: "train\.finalLoss" must be null exactly when "train\.evaluatedAfterUpdates" \(null\) is \(no evaluation reached\), got \d/,
      ],
      [
        "summary evaluation after the training",
        "summary",
        (d) => ((d.train as Doc).evaluatedAfterUpdates = 102),
        /summary\.json: "train\.evaluatedAfterUpdates" must be at most "train\.updates" \(2\), or null, got 102;/,
      ],
      [
        "summary success before the end",
        "summary",
        (d) => Object.assign(d.train as Doc, { success: true, updates: 3 }),
        /summary\.json: "train\.success" must be false unless "train\.evaluatedAfterUpdates" \(2\) is "train\.updates" \(3\)/,
      ],
      [
        "search negative time per trial",
        "search",
        (d) => (d.lifTrial_s = -0.5),
        /search\.json: "lifTrial_s" must be seconds >= 0, got -0\.5;/,
      ],
      [
        "search negative wall time",
        "search",
        (d) => (d.wall_s = -1),
        /search\.json: "wall_s" must be seconds >= 0, got -1;/,
      ],
      [
        "search workers",
        "search",
        (d) => (d.workers = 1.5),
        /search\.json: "workers" must be a positive integer \(the worker threads asked for\), got 1\.5;/,
      ],
      [
        "search threads above workers",
        "search",
        (d) => (d.threads = 4),
        /search\.json: "threads" must be 1, "workers" \(1\) capped at the search's jobs of 10 trials per s, as rnn convert writes it, got 4;/,
      ],
      [
        "search threads not an integer",
        "search",
        (d) => Object.assign(d, { workers: 8, threads: 0.5 }),
        /search\.json: "threads" must be 1, "workers" \(8\) capped at the search's jobs .*, got 0\.5;/,
      ],
    ];
    for (const [what, file, edit, message] of cases) {
      await assert.rejects(withEdit(file, edit), (e: unknown) => {
        assert.ok(e instanceof FormatError, what);
        assert.match(e.message, message, what);
        return true;
      });
    }
    // the files as written give a report; the accuracy plot marks the 95 % stopping threshold
    assert.equal((await writeRnnReport(dir)).plots, 3);
    assert.match(readFileSync(join(dir, "plots", "rnn-accuracy.svg"), "utf8"), /stopping threshold 95 %/);
    // without search.json, its plot goes too (it would show a search that is no longer there)
    rmSync(join(dir, "search.json"));
    rmSync(join(dir, "eval.json"));
    const again = await plotRnnRun(dir, { png: false });
    assert.deepEqual(again.names, ["rnn-loss", "rnn-accuracy"]);
    assert.deepEqual(readdirSync(join(dir, "plots")).sort(), ["rnn-accuracy.svg", "rnn-loss.svg"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("plot refuses a damaged curve.json or examples.json, and a search.json whose best is not its own choice, naming file and field", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-rnnfiles-"));
  try {
    await trainRnnRun({ task: "go-nogo", units: 12, seed: 4, out: dir, maxTrials: 102 });
    await convertRnnRun(dir, { scales: [20, 30], trials: 1, workers: 1 });
    const files = {
      curve: readFileSync(join(dir, "curve.json"), "utf8"),
      examples: readFileSync(join(dir, "examples.json"), "utf8"),
      search: readFileSync(join(dir, "search.json"), "utf8"),
      summary: readFileSync(join(dir, "summary.json"), "utf8"),
    };
    const withEdit = async (file: keyof typeof files, edit: (doc: Doc) => void) => {
      const doc = JSON.parse(files[file]) as Doc;
      edit(doc);
      writeFileSync(join(dir, `${file}.json`), JSON.stringify(doc));
      try {
        return await plotRnnRun(dir, { png: false });
      } finally {
        writeFileSync(join(dir, `${file}.json`), files[file]);
      }
    };
    const example = (d: Doc) => (d.examples as Doc[])[0];
    const cases: [keyof typeof files, (d: Doc) => void, RegExp][] = [
      ["curve", (d) => ((d.curve as unknown[])[1] = null), /curve\.json: "curve\[1\]" must be an object/],
      [
        "curve",
        (d) => (((d.curve as Doc[])[0] as Doc).accuracy = 5),
        /curve\.json: "curve\[0\]\.accuracy" must be a fraction in \[0, 1\], got 5;/,
      ],
      [
        "curve",
        (d) => (((d.curve as Doc[])[0] as Doc).meanLoss = "x"),
        /curve\.json: "curve\[0\]\.meanLoss" must be a finite number >= 0, got "x";/,
      ],
      [
        "examples",
        (d) => (example(d).spikingOutput = null),
        /examples\.json: "examples\[0\]\.spikingOutput" must be a non-empty array, got null;/,
      ],
      [
        "examples",
        (d) => ((example(d).spikingOutput as unknown[])[2] = "x"),
        /examples\.json: "examples\[0\]\.spikingOutput\[2\]" must be a finite number, got "x";/,
      ],
      [
        "examples",
        (d) => delete (d.examples as Doc[])[1].spikeNeurons,
        /"examples\[1\]\.spikeNeurons" must be an array/,
      ],
      [
        "examples",
        (d) => (example(d).spikeNeurons = [5000]),
        /"examples\[0\]\.spikeNeurons\[0\]" must be a unit index from 0 to 11 \(the model has 12 units\), got 5000;/,
      ],
      [
        "examples",
        (d) => (d.dt_ms = "a"),
        /examples\.json: "dt_ms" must be 0\.05, the LIF step of rnn convert, got "a";/,
      ],
      [
        "examples",
        (d) => (d.examples = []),
        /examples\.json: "examples" must be a non-empty array, got \[\];/,
      ],
      [
        "curve",
        (d) => ((d.trainLoss as number[])[5] = -1),
        /curve\.json: "trainLoss\[5\]" must be a finite number >= 0 \(the loss of one training trial\), got -1;/,
      ],
      [
        "curve",
        (d) => ((d.curve as Doc[])[1].trial = 5),
        /curve\.json: "curve\[1\]\.trial" must be 101, the 0-based index of the last training trial \(updates - 1\), got 5;/,
      ],
      [
        "curve",
        (d) => ((d.curve as Doc[])[1].updates = 50),
        /curve\.json: "curve\[1\]\.updates" must be 102, the updates before evaluation 1 \(evaluations after trials 2, 102, 202, \.\.\.\), got 50;/,
      ],
      [
        "curve",
        (d) => (d.curve = []),
        /curve\.json: "curve" must hold 2 evaluations \(one after trials 2, 102, \.\.\. up to the 102 training trials of "trainLoss"\), got 0;/,
      ],
      ["curve", (d) => (d.trainLoss = []), /curve\.json: "trainLoss" must be a non-empty array, got \[\];/],
      [
        "curve",
        (d) => Object.assign(d, { curve: [], trainLoss: [0.5] }),
        /curve\.json: "trainLoss" holds 1 training losses, but .*summary\.json records 102 training trials \("train\.updates"\), one loss each; the two files are from different runs or were edited: train the run again \(spikeflow rnn train\)$/,
      ],
      [
        "summary",
        (d) => ((d.train as Doc).finalLoss = 0.25),
        /curve\.json: the last evaluation of "curve" is \{ updates: 102, meanLoss: [\d.e+-]+, accuracy: [\d.]+ \}, but .*summary\.json records \{ updates: 102, meanLoss: 0\.25, accuracy: [\d.]+ \} \("train\.evaluatedAfterUpdates", "train\.finalLoss", "train\.rateAccuracy"\); the two files/,
      ],
      [
        "examples",
        (d) => (d.scale = d.scale === 20 ? 30 : 20),
        /examples\.json: "scale" must be (20|30), best\.scale of .*search\.json \(rnn convert writes both from one search\), got (20|30);/,
      ],
      [
        "examples",
        (d) => (d.dt_ms = 0.1),
        /examples\.json: "dt_ms" must be 0\.05, the LIF step of rnn convert, got 0\.1;/,
      ],
      [
        "examples",
        (d) => (d.rateDt_ms = 1),
        /examples\.json: "rateDt_ms" must be 5, the model's rate step \(config\.dynamics\.dt_ms\), got 1;/,
      ],
      [
        "examples",
        (d) => (example(d).spikingOutput = (example(d).spikingOutput as number[]).slice(0, 1000)),
        /examples\.json: "examples\[0\]\.spikingOutput" must hold 2000 values \(one every 10 of the 20000 LIF steps of the 200-step go-nogo trial\), got 1000;/,
      ],
      [
        "examples",
        (d) => (example(d).rateOutput as number[]).push(0),
        /"examples\[0\]\.rateOutput" must hold 199 values \(o_1 \.\. o_199 of the 200-step go-nogo trial\), got 200;/,
      ],
      [
        "examples",
        (d) => ((d.examples as Doc[])[1].target = [0]),
        /"examples\[1\]\.target" must hold 200 values \(one per step of the 200-step go-nogo trial\), got 1;/,
      ],
      [
        "examples",
        (d) => (example(d).input as unknown[]).pop(),
        /"examples\[0\]\.input" must hold 200 rows \(the steps of the 200-step go-nogo trial\), got 199;/,
      ],
      [
        "examples",
        (d) => ((example(d).input as unknown[])[3] = [1, 2]),
        /"examples\[0\]\.input\[3\]" must be a row of 1 finite number \(one per input channel\), got \[1,2\];/,
      ],
      [
        "examples",
        (d) => Object.assign(example(d), { spikeSteps: [20000], spikeNeurons: [0] }),
        /"examples\[0\]\.spikeSteps\[0\]" must be an LIF step from 0 to 19999, not before the previous spike's \(the trial has 20000 steps\), got 20000;/,
      ],
      [
        "examples",
        (d) => Object.assign(example(d), { spikeSteps: [3, 7.5], spikeNeurons: [0, 1] }),
        /"examples\[0\]\.spikeSteps\[1\]" must be an LIF step from 0 to 19999, .*, got 7\.5;/,
      ],
      [
        "examples",
        (d) => Object.assign(example(d), { spikeSteps: [9, 4], spikeNeurons: [0, 1] }),
        /"examples\[0\]\.spikeSteps\[1\]" must be an LIF step .*, got 4;/,
      ],
      [
        "examples",
        (d) => Object.assign(example(d), { spikeSteps: [1, 2], spikeNeurons: [0] }),
        /"examples\[0\]\.spikeNeurons" must hold 2 entries, one neuron per spike of "examples\[0\]\.spikeSteps", got 1;/,
      ],
      [
        "examples",
        (d) => (example(d).condition = "maybe"),
        /"examples\[0\]\.condition" must be "go", the go-nogo task's condition 0 \("go", "nogo"\), got "maybe";/,
      ],
      [
        "examples",
        (d) => (d.examples as Doc[]).reverse(),
        /"examples\[0\]\.condition" must be "go", .*, got "nogo";/,
      ],
      [
        "examples",
        (d) => (d.examples as Doc[]).push(example(d)),
        /examples\.json: "examples" must hold 2 trials, one per go-nogo condition \("go", "nogo"\), got 3;/,
      ],
      [
        "examples",
        (d) => ((d.examples as Doc[])[1].label = 7),
        /"examples\[1\]\.label" must be 0, the label of the condition, got 7;/,
      ],
      [
        "examples",
        (d) => (example(d).rateCorrect = "yes"),
        /"examples\[0\]\.rateCorrect" must be true or false, got "yes";/,
      ],
      [
        "examples",
        (d) => (example(d).spikingCorrect = 1),
        /"examples\[0\]\.spikingCorrect" must be true or false, got 1;/,
      ],
      [
        "search",
        (d) => ((d.best as Doc).index = 1 - ((d.best as Doc).index as number)),
        /search\.json: "best" must be the search's choice, the first s of the highest accuracy/,
      ],
      [
        "search",
        (d) => ((d.best as Doc).accuracy = 0.123),
        /search\.json: "best" must be the search's choice/,
      ],
    ];
    for (const [file, edit, message] of cases) {
      await assert.rejects(withEdit(file, edit), (e: unknown) => {
        assert.ok(e instanceof FormatError, `${file}: ${String(e)}`);
        assert.match(e.message, message);
        return true;
      });
    }
    // the files as written plot
    assert.ok((await plotRnnRun(dir, { png: false })).plots >= 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("plot and report refuse a model.json field the model refuses (seed, dale), naming the file and the field", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-rnnmodel-"));
  try {
    await trainRnnRun({ task: "go-nogo", units: 6, seed: 1, out: dir, maxTrials: 2 });
    await plotRnnRun(dir, { png: false });
    const manifest = join(dir, "model", "model.json");
    const good = readFileSync(manifest, "utf8");
    const summary = readFileSync(join(dir, "summary.json"), "utf8");
    const plotted = readdirSync(join(dir, "plots")).sort();
    const cases: [(config: Doc) => void, string][] = [
      [
        (c) => (c.seed = -1),
        "config.seed must be an integer from 0 to 2^53 - 1 (the seed of every random stream), got number -1",
      ],
      [
        (c) => ((c.dynamics as Doc).dale = "yes"),
        'config.dynamics.dale must be true or false, got string "yes"',
      ],
    ];
    for (const [edit, message] of cases) {
      const doc = JSON.parse(good) as { config: Doc };
      edit(doc.config);
      writeFileSync(manifest, JSON.stringify(doc));
      // summary.json records the edited file, so that the model-swap check passes and the field is checked
      const record = { manifestCrc32: crc32Hex(readFileSync(manifest)) };
      writeFileSync(join(dir, "summary.json"), JSON.stringify({ ...JSON.parse(summary), model: record }));
      for (const draw of [() => plotRnnRun(dir, { png: false }), () => writeRnnReport(dir)]) {
        await assert.rejects(draw(), (e: unknown) => {
          assert.ok(e instanceof FormatError, String(e));
          assert.equal(e.message, `${manifest}: ${message}`);
          return true;
        });
      }
      assert.deepEqual(readdirSync(join(dir, "plots")).sort(), plotted, "plots/ is as it was");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the report of a run that ended before its first evaluation says so, not "?"', async () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-rnnnoeval-"));
  try {
    await trainRnnRun({ task: "xor", units: 6, seed: 1, out: dir, maxTrials: 1 });

    const page = readFileSync((await writeRnnReport(dir)).path, "utf8");

    const none = "no evaluation reached (1 training trial; the first evaluation comes after trial 2)";
    assert.match(
      page,
      new RegExp(`<th>last evaluation: mean loss</th><td>${none.replace(/[()]/g, "\\$&")}</td>`),
    );
    assert.match(
      page,
      new RegExp(`<th>last evaluation: rate accuracy</th><td>${none.replace(/[()]/g, "\\$&")}</td>`),
    );
    assert.doesNotMatch(page, /<td>\?/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
