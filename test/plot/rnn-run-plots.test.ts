import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, readdirSync, readFileSync } from "node:fs";
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
