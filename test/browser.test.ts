/**
 * The core entry ("spikeflow", src/index.ts) and the browser data entry (src/data/browser.ts) run without Node:
 * each is bundled by esbuild for the browser platform (which refuses any `node:` import) and run in a fresh
 * V8 context that has only what a browser page has in common with it (typed arrays, WebAssembly, console,
 * performance, timers, TextEncoder/TextDecoder): no `process`, `require`, `Buffer` or file system. The
 * networks run there must give exactly the numbers they give under Node. The same bundles then run in a real
 * page of headless Chromium (test/helpers/chromium.ts), from an inline script, with no request leaving it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createContext, runInContext } from "node:vm";
import { build } from "esbuild";
import * as core from "../src/index.ts";
import * as data from "../src/data/browser.ts";
import { launchChromium, watchPage } from "./helpers/chromium.ts";
import { loadMnist } from "../src/data/mnist.ts";
import { encodeIdx } from "../src/data/idx.ts";

/** `entry` bundled as a script that defines the global `lib`. */
async function browserBundle(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "browser",
    format: "iife",
    globalName: "lib",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

/** A context with the globals a browser page shares with this test, and `bundle` loaded in it. */
function browserLikeContext(bundle: string): Record<string, unknown> {
  const context = createContext({ console, performance, setTimeout, clearTimeout, TextEncoder, TextDecoder });
  runInContext(bundle, context);
  for (const name of ["process", "require", "Buffer", "module"]) {
    assert.equal(runInContext(`typeof ${name}`, context), "undefined", `${name} is not defined in the page`);
  }
  // the WebAssembly kernels (the two-port steps of CubaLIF and CobaLIF, DoubleExpLIF's step) are used in the
  // page too
  assert.equal(runInContext("typeof WebAssembly.Memory", context), "function");
  return context;
}

/**
 * Work for the bundle, written once and run both here and in the page: the README's network, two-port CubaLIF
 * and CobaLIF populations (their WebAssembly kernels) and a spiking-RNN trial transferred from a fresh rate RNN, with
 * each synapse filter (the "sender" one through RateCoupling's WebAssembly SIMD module).
 */
const WORK = `(lib) => {
  const { Network, LIF, Input, Dense, CubaLIF, CobaLIF, poisson, createRng, SpikeMonitor } = lib;
  const dt_ms = 1;
  const net = new Network({ dt_ms });
  const x = net.addPopulation("X", new Input(100));
  const y = net.addPopulation("Y", new LIF(10, dt_ms, { tauMem_ms: 20 }));
  const z = net.addPopulation("Z", new CubaLIF(40, dt_ms, lib.CUBA_BENCHMARK_PARAMS));
  const c = net.addPopulation("C", new CobaLIF(37, dt_ms));
  net.addProjection("X->Y", new Dense(x, y, { init: { kind: "uniform", lo: 0, hi: 2, rng: createRng(1, "w") } }));
  net.addProjection(
    "X->Z",
    new Dense(x, z, { port: "exc", init: { kind: "uniform", lo: 0, hi: 3, rng: createRng(2, "w") } }),
  );
  net.addProjection(
    "Y->Z",
    new Dense(y, z, { port: "inh", init: { kind: "uniform", lo: -1, hi: 0, rng: createRng(3, "w") } }),
  );
  net.addProjection(
    "X->C",
    new Dense(x, c, { port: "exc", init: { kind: "uniform", lo: 0, hi: 60, rng: createRng(4, "w") } }),
  );
  net.addProjection(
    "Y->C",
    new Dense(y, c, { port: "inh", init: { kind: "uniform", lo: 0, hi: 300, rng: createRng(5, "w") } }),
  );
  const spikesY = net.addMonitor(new SpikeMonitor(y));
  const spikesC = net.addMonitor(new SpikeMonitor(c));
  const spikesZ = net.addMonitor(new SpikeMonitor(z));
  net.run({ X: poisson(new Float32Array(100).fill(20), { steps: 500, dt_ms, rng: createRng(1, "in") }) }, 500);

  const rate = lib.createRateRnn({ units: 30, seed: 2 });
  const spiking = lib.transferRateRnn(rate, 30);
  const trial = lib.generateTrial("go-nogo", lib.trialRng(1, 0));
  const lif = lib.runLifTrial(spiking, trial, createRng(1, "lif-noise"));
  const sender = lib.transferRateRnn(rate, 30, { synapseFilter: "sender" });
  const lifSender = lib.runLifTrial(sender, trial, createRng(1, "lif-noise"));
  return {
    y: [Array.from(spikesY.steps), Array.from(spikesY.neurons)],
    z: [Array.from(spikesZ.steps), Array.from(spikesZ.neurons)],
    c: [Array.from(spikesC.steps), Array.from(spikesC.neurons)],
    lifSpikes: lif.spikeSteps.length,
    lifOutputSum: lif.output.reduce((a, b) => a + b, 0),
    senderSpikes: lifSender.spikeSteps.length,
    senderSteps: Array.from(lifSender.spikeSteps.subarray(0, 200)),
    senderOutputSum: lifSender.output.reduce((a, b) => a + b, 0),
  };
}`;

test("the core bundles for the browser and runs there, giving the same spikes as under Node", async () => {
  const page = browserLikeContext(await browserBundle("src/index.ts"));
  const inPage = runInContext(`JSON.stringify((${WORK})(lib))`, page) as string;
  // the same source, evaluated here against the Node modules
  const work = runInContext(`(${WORK})`, createContext({})) as (lib: unknown) => unknown;
  const inNode = JSON.stringify(work(core));

  const result = JSON.parse(inPage) as { y: number[][]; z: number[][]; c: number[][]; lifSpikes: number };
  assert.ok(result.y[0].length > 100, `${result.y[0].length} spikes in Y`);
  assert.ok(result.z[0].length > 0, "the CubaLIF population spikes");
  assert.ok(result.c[0].length > 0, "the CobaLIF population spikes");
  assert.ok(result.lifSpikes > 0, "the spiking RNN spikes");
  assert.equal(inPage, inNode);
});

test("the browser data entry reads IDX bytes into a data set in the page", async () => {
  const page = browserLikeContext(await browserBundle("src/data/browser.ts"));
  const pixels = [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255];
  const read = `(lib) => {
    const images = lib.parseIdx(lib.encodeIdx("uint8", [2, 2, 3], ${JSON.stringify(pixels)}), "images");
    const labels = lib.parseIdx(lib.encodeIdx("uint8", [2], [7, 1]), "labels");
    const d = lib.fromIdx(images, labels);
    return JSON.stringify({ count: d.count, rows: d.rows, cols: d.cols, second: Array.from(d.image(1)),
      labels: Array.from(d.labels) });
  }`;
  const inPage = runInContext(`(${read})(lib)`, page) as string;
  const inNode = (runInContext(`(${read})`, createContext({})) as (lib: unknown) => string)(data);

  assert.deepEqual(JSON.parse(inPage), {
    count: 2,
    rows: 2,
    cols: 3,
    second: [250, 251, 252, 253, 254, 255],
    labels: [7, 1],
  });
  assert.equal(inPage, inNode);
});

test("in a real page of headless Chromium both bundles give the numbers they give under Node", async () => {
  const coreBundle = await browserBundle("src/index.ts");
  const dataBundle = await browserBundle("src/data/browser.ts");
  const readIdx = `(lib) => {
    const images = lib.parseIdx(lib.encodeIdx("uint8", [3, 4, 4], Array.from({ length: 48 }, (_, i) => 5 * i)),
      "images");
    const labels = lib.parseIdx(lib.encodeIdx("uint8", [3], [4, 0, 9]), "labels");
    const d = lib.fromIdx(images, labels);
    return JSON.stringify({ count: d.count, last: Array.from(d.image(2)), labels: Array.from(d.labels) });
  }`;
  const inNode = {
    work: JSON.stringify((runInContext(`(${WORK})`, createContext({})) as (lib: unknown) => unknown)(core)),
    idx: (runInContext(`(${readIdx})`, createContext({})) as (lib: unknown) => string)(data),
  };

  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const { errors, requests } = watchPage(page);
    await page.setContent("<!doctype html><title>spikeflow</title>");
    // each bundle defines the global `lib`; keep the core's under another name before loading the data entry
    await page.addScriptTag({ content: `${coreBundle}\nwindow.spikeflowCore = lib;` });
    await page.addScriptTag({ content: `${dataBundle}\nwindow.spikeflowData = lib;` });
    // a source string, not a function: tsx compiles this file with helpers the page does not have
    const inPage = (await page.evaluate(`({
      node: typeof process,
      wasm: typeof WebAssembly.Memory,
      work: JSON.stringify((${WORK})(window.spikeflowCore)),
      idx: (${readIdx})(window.spikeflowData),
    })`)) as { node: string; wasm: string; work: string; idx: string };
    assert.deepEqual(errors, [], "console errors");
    assert.deepEqual(requests, [], "requests from the page");
    assert.equal(inPage.node, "undefined", "the page has no process object");
    assert.equal(inPage.wasm, "function", "the page has WebAssembly (the kernels run there)");
    const result = JSON.parse(inPage.work) as {
      y: number[][];
      z: number[][];
      lifSpikes: number;
      lifOutputSum: number;
      senderSpikes: number;
      senderOutputSum: number;
    };
    assert.ok(result.y[0].length > 100, `${result.y[0].length} spikes in Y`);
    assert.ok(result.lifSpikes > 0, "the spiking RNN spikes");
    assert.ok(result.senderSpikes > 0, "the spiking RNN with the sender synapse spikes");
    // The spikes are the same; the RNN's summed output may differ in its last bits, because this Chromium's
    // Math.exp, log, sin, cos and pow round differently from Node 20's in about one case in ten
    // (docs/conventions.md, "Reproducibility across JavaScript engines").
    const node = JSON.parse(inNode.work) as typeof result;
    const sums = { lifOutputSum: 0, senderOutputSum: 0 };
    assert.deepEqual({ ...result, ...sums }, { ...node, ...sums });
    for (const key of ["lifOutputSum", "senderOutputSum"] as const) {
      assert.ok(
        Math.abs(result[key] - node[key]) <= 1e-12 * Math.abs(node[key]),
        `${key}: summed RNN output ${result[key]} in the page, ${node[key]} under Node`,
      );
    }
    assert.deepEqual(JSON.parse(inPage.idx), {
      count: 3,
      last: Array.from({ length: 16 }, (_, i) => 5 * (32 + i)),
      labels: [4, 0, 9],
    });
    assert.equal(inPage.idx, inNode.idx);
  } finally {
    await browser.close();
  }
});

test("in headless Chromium an LC-SNN trains and tests on real MNIST bytes, with Node's numbers", async () => {
  // the first 60 training and 30 test images of MNIST, written as IDX files and read in the page from
  // ArrayBuffers, as a page reads files it fetched
  const train = loadMnist({ split: "train", limit: 60 });
  const testSet = loadMnist({ split: "test", limit: 30 });
  const idx = (d: typeof train) => ({
    images: Buffer.from(encodeIdx("uint8", [d.count, 28, 28], d.images)).toString("base64"),
    labels: Buffer.from(encodeIdx("uint8", [d.count], d.labels)).toString("base64"),
  });
  const files = { train: idx(train), test: idx(testSet) };
  const run = `(core, data, files) => {
    const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer;
    const read = (f, name) => data.fromIdx(data.parseIdx(bytes(f.images), name + "-images"),
      data.parseIdx(bytes(f.labels), name + "-labels"));
    const train = read(files.train, "train");
    const test = read(files.test, "test");
    const model = new core.Lcsnn({ filters: 4, seed: 2 });
    const r = core.trainUnsupervised(model, train, { trainCount: 60, updateInterval: 30, seed: 2 });
    const indices = Array.from({ length: test.count }, (_, i) => i);
    const pres = core.presentTest(model, test, indices, 2);
    const s = core.scoreTest(r.readouts, pres, test.labels, model.output.size, 10, 1);
    let weightSum = 0;
    for (const v of model.local.w) weightSum += v;
    // the trained model and its readouts as the two files of a model directory
    const saved = core.encodeModel(core.runModelInput(model, r.readouts));
    let binary = "";
    for (const b of saved.files[core.WEIGHTS_FILE]) binary += String.fromCharCode(b);
    return JSON.stringify({ accuracy: s.accuracy, predictions: Object.fromEntries(Object.entries(s.predictions)
      .map(([k, p]) => [k, Array.from(p)])), spikes: pres.map((p) => p.events.count), weightSum,
      monitors: model.net.monitorList.length, manifest: saved.manifestText, weights: btoa(binary) });
  }`;
  const inNode = (runInContext(`(${run})`, createContext({ atob, btoa })) as (...a: unknown[]) => string)(
    core,
    data,
    files,
  );
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const { requests } = watchPage(page);
    await page.setContent("<!doctype html><title>spikeflow</title>");
    await page.addScriptTag({
      content: `${await browserBundle("src/index.ts")}\nwindow.spikeflowCore = lib;`,
    });
    await page.addScriptTag({
      content: `${await browserBundle("src/data/browser.ts")}\nwindow.spikeflowData = lib;`,
    });
    const inPage = (await page.evaluate(
      `(${run})(window.spikeflowCore, window.spikeflowData, ${JSON.stringify(files)})`,
    )) as string;
    assert.deepEqual(requests, [], "requests from the page");
    const result = JSON.parse(inPage) as { spikes: number[]; monitors: number; weightSum: number };
    assert.equal(result.spikes.length, 30);
    assert.ok(
      result.spikes.every((n) => n >= 5),
      "every test image drew spikes (the retry rule's minimum)",
    );
    assert.equal(result.monitors, 0, "training and testing left no monitor on the network");
    type Saved = { manifest: string; weights: string; predictions: Record<string, number[]> };
    const fromPage = JSON.parse(inPage) as Saved;
    const fromNode = JSON.parse(inNode) as Saved;
    const numbers = (r: Saved) => JSON.stringify({ ...r, manifest: "", weights: "" });
    assert.equal(numbers(fromPage), numbers(fromNode), "spikes, weights, accuracies and predictions");

    // the saved models hold the same tensors, except the last bits of the logistic regression, which is
    // fitted through Math.exp (Chromium's rounds differently: docs/conventions.md)
    const decode = (r: Saved) =>
      core.decodeModel(core.parseModelManifest(r.manifest, "model.json"), {
        [core.WEIGHTS_FILE]: new Uint8Array(Buffer.from(r.weights, "base64")),
      });
    const [a, b] = [decode(fromPage), decode(fromNode)];
    assert.deepEqual([a.kind, a.config, a.extra], [b.kind, b.config, b.extra]);
    assert.deepEqual(Object.keys(a.tensors).sort(), Object.keys(b.tensors).sort());
    for (const [name, t] of Object.entries(a.tensors)) {
      const [x, y] = [Array.from(t.data as Float64Array), Array.from(b.tensors[name].data as Float64Array)];
      if (!name.startsWith("readout.logreg.")) assert.deepEqual(x, y, name);
      else x.forEach((v, i) => assert.ok(Math.abs(v - y[i]) <= 1e-9 * Math.max(1, Math.abs(y[i])), name));
    }

    // the page's saved model opens under Node (as `spikeflow eval` would open it) and predicts the same
    const opened = core.runModelFromSaved(a, "model.json");
    const pres = core.presentTest(
      opened.model,
      testSet,
      Array.from({ length: 30 }, (_, i) => i),
      2,
    );
    const again = core.scoreTest(opened.readouts, pres, testSet.labels, opened.model.output.size, 10, 1);
    assert.deepEqual(
      Object.fromEntries(Object.entries(again.predictions).map(([k, p]) => [k, Array.from(p)])),
      fromPage.predictions,
    );
  } finally {
    await browser.close();
  }
});
