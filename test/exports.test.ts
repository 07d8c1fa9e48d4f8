import { test } from "node:test";
import assert from "node:assert/strict";

// The package's entry points, imported by the package name as a user would (Node resolves a package's own
// name through its "exports"): the browser-safe core, the Node-side folders and any file under src/.
test("the package name resolves the core, the folder entries and files under src/", async () => {
  const core = await import("spikeflow");
  for (const name of [
    "Network",
    "LIF",
    "createRng",
    "trainRateRnn",
    "transferRateRnn",
    "searchScale",
    "LinearReadout",
    "HeldCurrentDrive",
    "SpikeMonitor",
    "StateMonitor",
    "SpikeCounter",
    "Subgroup",
    "networkParameters",
    "restoreNetworkParameters",
    "Lcsnn",
    "trainUnsupervised",
    "trainSteps",
    "presentTest",
    "presentTestSteps",
    "scoreTest",
    "Ann",
    "normalizeAnn",
    "annToSnn",
    "evaluateSnn",
    "trainAnn",
    "evaluateAnn",
  ]) {
    assert.equal(typeof (core as Record<string, unknown>)[name], "function", `spikeflow exports ${name}`);
  }
  const data = await import("spikeflow/data");
  assert.equal(typeof data.loadMnist, "function");
  const dataInPage = await import("spikeflow/data/browser");
  assert.equal(typeof dataInPage.parseIdx, "function");
  assert.equal(typeof dataInPage.fromIdx, "function");
  const io = await import("spikeflow/io");
  assert.equal(typeof io.saveModel, "function");
  assert.equal(typeof io.saveNetwork, "function");
  assert.equal(typeof io.restoreNetwork, "function");
  assert.equal(typeof io.saveAnn, "function");
  assert.equal(typeof io.loadAnn, "function");
  const nir = await import("spikeflow/nir");
  assert.equal(typeof nir.importNir, "function");
  assert.equal(typeof nir.exportNir, "function");
  const plot = await import("spikeflow/plot");
  assert.equal(typeof plot.rasterSpec, "function");
  const pool = await import("spikeflow/src/parallel/scale-search-pool.ts");
  assert.equal(typeof pool.searchScaleParallel, "function");
  const convertPool = await import("spikeflow/src/parallel/convert-pool.ts");
  assert.equal(typeof convertPool.evaluateSnnParallel, "function");
  await assert.rejects(import("spikeflow/nonexistent" as string), { code: "ERR_PACKAGE_PATH_NOT_EXPORTED" });
});
