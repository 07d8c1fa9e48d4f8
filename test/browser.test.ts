/**
 * The core entry ("spikeflow", src/index.ts) and the browser data entry (src/data/browser.ts) run without Node:
 * each is bundled by esbuild for the browser platform (which refuses any `node:` import) and run in a fresh
 * V8 context that has only what a browser page has in common with it (typed arrays, WebAssembly, console,
 * performance, timers, TextEncoder/TextDecoder): no `process`, `require`, `Buffer` or file system. The
 * networks run there must give exactly the numbers they give under Node.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createContext, runInContext } from "node:vm";
import { build } from "esbuild";
import * as core from "../src/index.ts";
import * as data from "../src/data/browser.ts";

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
  // the WebAssembly kernels (CubaLIF's two-port step, DoubleExpLIF's step) are used in the page too
  assert.equal(runInContext("typeof WebAssembly.Memory", context), "function");
  return context;
}

/**
 * Work for the bundle, written once and run both here and in the page: the README's network, a two-port
 * CubaLIF population (its WebAssembly kernel) and a spiking-RNN trial transferred from a fresh rate RNN.
 */
const WORK = `(lib) => {
  const { Network, LIF, Input, Dense, CubaLIF, poisson, createRng, SpikeMonitor } = lib;
  const dt_ms = 1;
  const net = new Network({ dt_ms });
  const x = net.addPopulation("X", new Input(100));
  const y = net.addPopulation("Y", new LIF(10, dt_ms, { tauMem_ms: 20 }));
  const z = net.addPopulation("Z", new CubaLIF(40, dt_ms, lib.CUBA_BENCHMARK_PARAMS));
  net.addProjection("X->Y", new Dense(x, y, { init: { kind: "uniform", lo: 0, hi: 2, rng: createRng(1, "w") } }));
  net.addProjection(
    "X->Z",
    new Dense(x, z, { port: "exc", init: { kind: "uniform", lo: 0, hi: 3, rng: createRng(2, "w") } }),
  );
  net.addProjection(
    "Y->Z",
    new Dense(y, z, { port: "inh", init: { kind: "uniform", lo: -1, hi: 0, rng: createRng(3, "w") } }),
  );
  const spikesY = net.addMonitor(new SpikeMonitor(y));
  const spikesZ = net.addMonitor(new SpikeMonitor(z));
  net.run({ X: poisson(new Float32Array(100).fill(20), { steps: 500, dt_ms, rng: createRng(1, "in") }) }, 500);

  const rate = lib.createRateRnn({ units: 30, seed: 2 });
  const spiking = lib.transferRateRnn(rate, 30);
  const trial = lib.generateTrial("go-nogo", lib.trialRng(1, 0));
  const lif = lib.runLifTrial(spiking, trial, createRng(1, "lif-noise"));
  return {
    y: [Array.from(spikesY.steps), Array.from(spikesY.neurons)],
    z: [Array.from(spikesZ.steps), Array.from(spikesZ.neurons)],
    lifSpikes: lif.spikeSteps.length,
    lifOutputSum: lif.output.reduce((a, b) => a + b, 0),
  };
}`;

test("the core bundles for the browser and runs there, giving the same spikes as under Node", async () => {
  const page = browserLikeContext(await browserBundle("src/index.ts"));
  const inPage = runInContext(`JSON.stringify((${WORK})(lib))`, page) as string;
  // the same source, evaluated here against the Node modules
  const work = runInContext(`(${WORK})`, createContext({})) as (lib: unknown) => unknown;
  const inNode = JSON.stringify(work(core));

  const result = JSON.parse(inPage) as { y: number[][]; z: number[][]; lifSpikes: number };
  assert.ok(result.y[0].length > 100, `${result.y[0].length} spikes in Y`);
  assert.ok(result.z[0].length > 0, "the CubaLIF population spikes");
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
