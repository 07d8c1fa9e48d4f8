// Plot specs rendered to SVG: the content is checked (marks per spike / tile / cell, numbers in cells, axis
// labels with units), not the pixels.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import { InvalidParameterError } from "../../src/core/errors.ts";
import { renderSvg } from "../../src/plot/svg.ts";
import { rasterSpec, rasterSampling } from "../../src/plot/raster.ts";
import { membraneSpec } from "../../src/plot/traces.ts";
import { denseTiles, localFilterCanvases, localKernelTiles, weightGridSpec } from "../../src/plot/weights.ts";
import { assignmentSpec } from "../../src/plot/assignments.ts";
import { confusionSpec } from "../../src/plot/confusion.ts";
import { spikeHistogramSpec, trainingAccuracySpec } from "../../src/plot/curves.ts";
import {
  firingRateSpec,
  rnnAccuracySpec,
  rnnLossSpec,
  rnnOutputsSpec,
  scalingPoints,
  scalingSearchSpec,
} from "../../src/plot/rnn.ts";
import { createRng } from "../../src/core/rng.ts";
import type { PlotSpec } from "../../src/plot/common.ts";
import { CLASS_COLORS, classColor } from "../../src/plot/common.ts";

interface El {
  textContent: string | null;
  getAttribute(n: string): string | null;
  querySelectorAll(s: string): ArrayLike<El>;
}

function dom(spec: PlotSpec): { root: El; svg: string; caption: string } {
  const r = renderSvg(spec);
  const { document } = parseHTML(`<!DOCTYPE html><html><body>${r.svg}</body></html>`);
  return { root: document.body as unknown as El, svg: r.svg, caption: r.caption };
}

function all(root: El, sel: string): El[] {
  return Array.from(root.querySelectorAll(sel));
}

function texts(root: El): string[] {
  return all(root, "text").map((t) => t.textContent ?? "");
}

function hasLabel(root: El, label: string): boolean {
  return texts(root).some((t) => t.includes(label));
}

function spikes(n: number, size: number, steps: number, seed: number) {
  const rng = createRng(seed, "raster-test");
  return {
    steps: Array.from({ length: n }, () => rng.int(steps)),
    neurons: Array.from({ length: n }, () => rng.int(size)),
  };
}

test("raster: one <circle> per recorded spike, axis labels with units, standalone SVG", () => {
  const a = spikes(37, 20, 100, 1);
  const b = spikes(12, 5, 100, 2);
  const { root, svg, caption } = dom(
    rasterSpec({
      dt_ms: 0.5,
      populations: [
        { name: "X", size: 20, ...a },
        { name: "Y", size: 5, ...b },
      ],
    }),
  );
  assert.equal(all(root, "circle").length, 37 + 12);
  assert.match(caption, /one dot per spike \(49 spikes\)/);
  assert.ok(hasLabel(root, "time (ms)"), "x label names its unit");
  assert.ok(hasLabel(root, "neuron"));
  assert.ok(hasLabel(root, "X (20)") && hasLabel(root, "Y (5)"), "population bands are labelled");
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
});

test("raster: the dot positions are time = step x dt and the stacked neuron index", () => {
  const { root } = dom(
    rasterSpec(
      {
        dt_ms: 2,
        duration_ms: 10,
        populations: [
          { name: "A", size: 3, steps: [0], neurons: [2] },
          { name: "B", size: 2, steps: [4], neurons: [1] },
        ],
      },
      { width: 210, height: 150 },
    ),
  );
  // Plot maps x in [0, 10] ms onto [marginLeft 50, width - marginRight 110 = 100] and y in [0, 5] (reversed)
  // onto [marginTop 20, height - marginBottom 30 = 120]: step 4 x 2 ms = 8 ms -> 50 + 50 * 0.8 = 90;
  // B's neuron 1 is stacked neuron 3 + 1 + 0.5 = 4.5 -> 20 + 100 * 0.9 = 110.
  const c = all(root, "circle");
  assert.equal(c.length, 2);
  const xy = c.map((e) => [Number(e.getAttribute("cx")), Number(e.getAttribute("cy"))]);
  assert.deepEqual(xy[1], [90, 110]);
  assert.deepEqual(xy[0], [50, 20 + 100 * (2.5 / 5)]);
});

test("raster: large rasters are thinned to 1 in k spikes and the caption says so", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 900 }),
      fc.integer({ min: 0, max: 300 }),
      fc.integer({ min: 50, max: 400 }),
      (na, nb, maxMarks) => {
        const data = {
          dt_ms: 1,
          duration_ms: 100,
          populations: [
            { name: "X", size: 30, ...spikes(na, 30, 100, na) },
            { name: "Y", size: 10, ...spikes(nb, 10, 100, nb + 7) },
          ],
        };
        const { stride, shown, total } = rasterSampling(data, maxMarks);
        // k = ceil(total / maxMarks); spikes 0, k, 2k, ... of the concatenation are kept
        assert.equal(stride, Math.max(1, Math.ceil(total / maxMarks)));
        const { root, caption } = dom(rasterSpec(data, { maxMarks }));
        const circles = all(root, "circle").length;
        assert.equal(circles, shown);
        assert.equal(circles, Math.ceil(total / stride));
        assert.ok(circles <= maxMarks);
        if (stride > 1)
          assert.match(caption, new RegExp(`showing 1 in ${stride} spikes \\(${shown} of ${total}\\)`));
        else assert.match(caption, /one dot per spike/);
      },
    ),
    { numRuns: 12, seed: 5 },
  );
});

test("raster: spike steps and neurons must pair up", () => {
  assert.throws(
    () => rasterSpec({ dt_ms: 1, populations: [{ name: "X", size: 2, steps: [0, 1], neurons: [0] }] }),
    (e: unknown) =>
      e instanceof InvalidParameterError && /"X": 2 spike steps but 1 spike neurons/.test(e.message),
  );
  assert.throws(() => rasterSpec({ dt_ms: 1, populations: [] }), /at least one population/);
});

test("membrane traces: one line and one threshold rule per neuron, labelled axes", () => {
  const t = Float64Array.from({ length: 50 }, (_, i) => i);
  const { root, caption } = dom(
    membraneSpec({
      t_ms: t,
      traces: [
        { label: "Y 1", v_mV: t.map((x) => -65 + x / 5), threshold_mV: -52, spikes_ms: [10, 20] },
        { label: "Y 2", v_mV: t.map(() => -60), threshold_mV: -50 },
      ],
    }),
  );
  assert.equal(all(root, 'g[aria-label="line"] path').length, 2);
  assert.equal(all(root, 'g[aria-label="rule"] line').length, 2);
  assert.equal(all(root, "circle").length, 2, "one dot per spike");
  assert.ok(hasLabel(root, "time (ms)") && hasLabel(root, "membrane potential (mV)"));
  assert.match(caption, /threshold/);
  assert.throws(
    () => membraneSpec({ t_ms: [0, 1], traces: [{ label: "a", v_mV: [1], threshold_mV: -50 }] }),
    /trace "a" has 1 samples but t_ms has 2/,
  );
});

test("dense weights: one 28x28 tile per neuron holding column j of w[pre][post]", () => {
  const post = 7;
  const w = Float32Array.from({ length: 784 * post }, (_, i) => (i % 13) / 13);
  const grid = denseTiles(w, post, 28);
  assert.equal(grid.tiles.length, post);
  for (const j of [0, 3, 6]) {
    for (const p of [0, 100, 783]) assert.equal(grid.tiles[j].pixels[p], w[p * post + j]);
  }
  const { root, caption } = dom(weightGridSpec(grid));
  assert.equal(all(root, "g.weight-tiles image").length, post);
  assert.match(caption, /7 tiles, one per neuron \(28x28 weights each\)/);
  for (const img of all(root, "g.weight-tiles image"))
    assert.match(img.getAttribute("href") ?? "", /^data:image\/png;base64,/);
  assert.throws(() => denseTiles(w, 8, 28), /expected 784 inputs \(28x28\) x 8 neurons/);
});

test("LC-SNN filter canvases: kernels drawn at their patch offsets, overlaps averaged, gaps NaN", () => {
  // input 6x6, kernel 4, stride 2 -> 2x2 locations at offsets (0,0), (0,2), (2,0), (2,2); F = 2
  const g = { inputSide: 6, kernel: 4, stride: 2, filters: 2 };
  const w = new Float32Array(4 * 16 * 2);
  for (let loc = 0; loc < 4; loc++) for (let q = 0; q < 16; q++) w[(loc * 16 + q) * 2] = loc + 1;
  const grid = localFilterCanvases(w, g);
  assert.equal(grid.tiles.length, 2, "one canvas per filter");
  const f0 = grid.tiles[0].pixels;
  assert.equal(f0[0], 1, "pixel (0,0): location 0 only");
  assert.equal(f0[2], 1.5, "pixel (0,2): locations 0 and 1 -> (1 + 2) / 2");
  assert.equal(f0[2 * 6 + 2], 2.5, "pixel (2,2): all four -> (1 + 2 + 3 + 4) / 4");
  assert.equal(f0[5 * 6 + 5], 4, "pixel (5,5): location 3 only");
  assert.ok(Array.from(grid.tiles[1].pixels).every((v) => v === 0));
  // input 7: kernel 4, stride 2 -> 2 locations per side covering pixels 0..5; column and row 6 uncovered
  const g7 = { inputSide: 7, kernel: 4, stride: 2, filters: 1 };
  const c7 = localFilterCanvases(new Float32Array(4 * 16).fill(0.5), g7).tiles[0].pixels;
  assert.ok(Number.isNaN(c7[6]) && Number.isNaN(c7[6 * 7]) && c7[0] === 0.5);
  const { caption } = dom(weightGridSpec(localFilterCanvases(new Float32Array(4 * 16).fill(0.5), g7)));
  assert.match(caption, /grey: input pixels no patch covers/);
});

test("LC-SNN kernel tiles: one tile per neuron j = loc F + f, grouped by location", () => {
  const g = { inputSide: 20, kernel: 12, stride: 4, filters: 5 };
  const w = Float32Array.from({ length: 9 * 144 * 5 }, (_, i) => i);
  const grid = localKernelTiles(w, g);
  assert.equal(grid.tiles.length, 45);
  // neuron j = 4 * 5 + 3 (location 4, filter 3): pixel q holds w[(4 * 144 + q) * 5 + 3]
  const t = grid.tiles[4 * 5 + 3];
  assert.equal(t.pixels[0], 4 * 144 * 5 + 3);
  assert.equal(t.pixels[143], (4 * 144 + 143) * 5 + 3);
  // location 4 is the centre of the 3x3 grid: its block starts at (1 x (3 + 0.5), 1 x (2 + 0.5))
  assert.equal(grid.tiles[4 * 5].col, 3.5);
  assert.equal(grid.tiles[4 * 5].row, 2.5);
  const { root } = dom(weightGridSpec(grid));
  assert.equal(all(root, "g.weight-tiles image").length, 45);
  assert.throws(() => localKernelTiles(new Float32Array(10), g), /expected 9 locations x 12x12 x 5 filters/);
});

test("assignments: one cell per neuron, unassigned shown with a dash, per-class counts", () => {
  const a = Int32Array.from([0, 1, 2, -1, 9, 9, -1, 3, 4, 5, 6, 7, 8]);
  const { root, caption } = dom(assignmentSpec({ assignments: a, numClasses: 10 }));
  assert.equal(all(root, 'g[aria-label="cell"] rect').length, a.length);
  assert.equal(texts(root).filter((t) => t === "–").length, 2);
  assert.match(caption, /2 unassigned/);
  assert.match(caption, /9: 2\)/);
  assert.ok(hasLabel(root, "unassigned"), "legend entry");
  const lc = dom(
    assignmentSpec({
      assignments: new Int32Array(18),
      numClasses: 10,
      layout: { columns: 6, rows: 3, xLabel: "filter", yLabel: "location" },
    }),
  ).root;
  assert.ok(hasLabel(lc, "filter") && hasLabel(lc, "location"));
  assert.throws(() => assignmentSpec({ assignments: [0, 11], numClasses: 10 }), /neuron 1 is 11/);
});

test("confusion matrix: cells show counts that sum to the number of test images", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 10 }),
      fc.boolean(),
      fc.integer({ min: 0, max: 1000 }),
      (K, none, seed) => {
        const rng = createRng(seed, "confusion");
        const cols = none ? K + 1 : K;
        const m = Array.from({ length: K }, () => Array.from({ length: cols }, () => rng.int(40)));
        const total = m.flat().reduce((a, b) => a + b, 0);
        const { root, caption } = dom(confusionSpec({ matrix: m, readout: "ngram" }));
        const counts = all(root, "g.confusion-counts text").map((t) => Number(t.textContent));
        assert.equal(counts.length, K * cols);
        assert.deepEqual(counts, m.flat(), "row-major: true class, then predicted class");
        assert.equal(
          counts.reduce((a, b) => a + b, 0),
          total,
        );
        assert.match(caption, new RegExp(`counts of ${total} test examples`));
        assert.ok(hasLabel(root, "predicted class") && hasLabel(root, "true class"));
        assert.equal(hasLabel(root, "none"), none);
      },
    ),
    { numRuns: 8, seed: 3 },
  );
  assert.throws(() => confusionSpec({ matrix: [[1, 2, 3, 4]] }), /1 x 4; expected 1 x 1 or 1 x 2/);
});

test("running accuracy: one line per readout in %, null blocks skipped, the paper's reference line", () => {
  const metrics = [
    { examples: 250, accuracy: { "all-activity": null, ngram: null } },
    { examples: 500, accuracy: { "all-activity": 0.5, ngram: 0.6 } },
    { examples: 750, accuracy: { "all-activity": 0.7, ngram: 0.8 } },
  ];
  const { root, caption } = dom(
    trainingAccuracySpec(metrics, {
      paper: { label: "Saunders et al. 2019, 100 filters", accuracy_pct: 91.68, sd_pct: 1.31 },
    }),
  );
  assert.equal(all(root, 'g[aria-label="line"] path').length, 2);
  assert.equal(all(root, 'g[aria-label="dot"] circle').length, 4, "two scored blocks x two readouts");
  assert.ok(hasLabel(root, "accuracy (%)") && hasLabel(root, "training examples"));
  assert.ok(hasLabel(root, "paper: 91.68 % ± 1.31"));
  assert.match(caption, /Dashed: the paper's test accuracy/);
  // y = 91.68 % on a [0, 100] axis from y 20 to 350 (height 380, margins 20 / 30)
  const rule = all(root, 'g[aria-label="rule"] line')[0];
  assert.ok(Math.abs(Number(rule.getAttribute("y1")) - (350 - 3.3 * 91.68)) < 0.5);
});

test("spikes-per-example histogram: bars count every example; labelled axes", () => {
  const values = Array.from({ length: 200 }, (_, i) => 20 + (i % 37));
  const spec = spikeHistogramSpec(values);
  const { root, caption } = dom(spec);
  assert.ok(hasLabel(root, "spikes per example") && hasLabel(root, "examples"));
  assert.match(caption, /each of 200 test examples; mean 37\.\d/);
  assert.ok(all(root, 'g[aria-label="rect"] rect').length > 3);
  assert.throws(() => spikeHistogramSpec([]), /no spike counts/);
});

test("RNN plots: loss and accuracy curves, outputs per condition, s search, E/I rates", () => {
  const curve = [1, 101, 201].map((u, i) => ({ updates: u + 1, meanLoss: 20 - 6 * i, accuracy: 0.3 * i }));
  const loss = dom(rnnLossSpec(curve, { lossThreshold: 7 })).root;
  assert.ok(hasLabel(loss, "training trials") && hasLabel(loss, "loss"));
  const acc = dom(rnnAccuracySpec(curve, { accuracyThreshold: 0.95 })).root;
  assert.ok(hasLabel(acc, "accuracy (%)"));

  const steps = 200;
  const rateT = Array.from({ length: steps }, (_, t) => t * 5);
  const spikeT = Array.from({ length: 20000 }, (_, k) => (k + 1) * 0.05);
  const trials = ["Go", "NoGo"].map((condition, c) => ({
    condition,
    target: { t_ms: rateT, values: rateT.map((t) => (c === 0 && t >= 375 ? 1 : 0)) },
    rate: { t_ms: rateT, values: rateT.map((t) => (c === 0 ? Math.min(1, t / 600) : 0.05)) },
    spiking: { t_ms: spikeT, values: spikeT.map((t) => (c === 0 ? Math.min(1, t / 650) : 0.1)) },
  }));
  const out = dom(rnnOutputsSpec(trials, { task: "go-nogo" }));
  assert.equal(all(out.root, 'g[aria-label="line"] path').length, 2 * 3, "three series in each condition");
  assert.ok(hasLabel(out.root, "time (ms)") && hasLabel(out.root, "output"));
  assert.ok(
    hasLabel(out.root, "spiking RNN") && hasLabel(out.root, "rate RNN") && hasLabel(out.root, "target"),
  );
  assert.match(out.caption, /thinned to at most 1500 points \(up to 1 in 14 samples\)/);

  const s = dom(
    scalingSearchSpec(
      [20, 30, 40, 50].map((v, i) => ({ s: v, accuracy: [0.2, 0.9, 0.95, 0.6][i] })),
      { chosen: 40 },
    ),
  );
  assert.ok(hasLabel(s.root, "s (scaling factor)") && hasLabel(s.root, "accuracy (%)"));
  assert.equal(all(s.root, "circle").length, 4);
  assert.match(s.caption, /chosen s = 40/);
  // one scaling factor: one tick, written as the value, and a singular caption
  const one = dom(scalingSearchSpec([{ s: 40, accuracy: 0.5 }], { chosen: 40 }));
  assert.ok(texts(one.root).includes("40"));
  assert.ok(!texts(one.root).some((t) => /40\.0/.test(t)), texts(one.root).join(" | "));
  assert.match(one.caption, /\(1 value\); dashed: the chosen s = 40\./);

  const rng = createRng(9, "rates");
  const n = 200;
  const sign = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? -1 : 1));
  const rates = Array.from({ length: n }, (_, i) => (sign[i] < 0 ? 30 : 10) + 5 * rng.normal());
  const r = dom(firingRateSpec({ rate_Hz: rates, sign }));
  assert.ok(hasLabel(r.root, "firing rate (Hz)") && hasLabel(r.root, "units"));
  assert.match(r.caption, /160 excitatory \(mean \d+\.\d Hz\), 40 inhibitory/);
  assert.equal(all(r.root, 'g[aria-label="rect"] rect').length > 2, true);
  assert.throws(() => firingRateSpec({ rate_Hz: [1, 2], sign: [1] }), /2 rates but 1 unit signs/);
  assert.deepEqual(scalingPoints({ scales: [20, 25], accuracy: [0.5, 0.75] }), [
    { s: 20, accuracy: 0.5 },
    { s: 25, accuracy: 0.75 },
  ]);
});

test("renderSvg: title and caption become SVG text; HTML legends are refused", () => {
  const { root, svg } = dom({ title: "T & <x>", caption: "c", marks: [Plot.dot([[1, 2]])] });
  assert.ok(svg.includes("T &amp; &lt;x&gt;"), "escaped title");
  assert.ok(hasLabel(root, "c"));
  assert.throws(
    () =>
      renderSvg({
        color: { legend: true },
        marks: [Plot.dot([{ a: "p" }, { a: "q" }], { x: 1, y: 1, fill: "a" })],
      }),
    (e: unknown) => e instanceof InvalidParameterError && /HTML legend/.test(e.message),
  );
});

test("class colours: the ten Tableau colours first, then distinct hex colours for EMNIST's 26 classes and more", () => {
  const colours = Array.from({ length: 40 }, (_, c) => classColor(c));
  assert.deepEqual(colours.slice(0, 10), CLASS_COLORS);
  for (const c of colours) assert.match(c, /^#[0-9a-f]{6}$/);
  assert.equal(new Set(colours).size, 40, "no two classes share a colour");
  // the 11th class: hue 15 degrees, saturation 0.55, lightness 0.42
  assert.equal(classColor(10), "#a64e30");
});

test("a class colour is asked for by a class index, an integer >= 0", () => {
  for (const bad of [1.5, -1, Number.NaN]) {
    assert.throws(() => classColor(bad), {
      name: "InvalidParameterError",
      message: /^class must be an integer >= 0/,
    });
  }
});
