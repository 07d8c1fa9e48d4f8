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
        /eval\.json: "lifAccuracy" must be a fraction in \[0, 1\], got 5/,
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
      ["examples", (d) => (d.dt_ms = "a"), /examples\.json: "dt_ms" must be a number > 0, got "a";/],
      [
        "examples",
        (d) => (d.examples = []),
        /examples\.json: "examples" must be a non-empty array, got \[\];/,
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
