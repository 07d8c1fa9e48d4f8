import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { trainRnnRun, convertRnnRun } from "../../src/experiments/rnn-run.ts";
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
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
