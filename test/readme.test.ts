import { test } from "node:test";
import assert from "node:assert/strict";
import { Network, LIF, Input, Dense, poisson, createRng, SpikeMonitor } from "../src/index.ts";

test("the README's library example runs through the package entry and spikes", () => {
  // the code block of README.md "Use it as a library", with the console.log replaced by an assertion
  const dt_ms = 1;
  const net = new Network({ dt_ms });
  const x = net.addPopulation("X", new Input(100));
  const y = net.addPopulation("Y", new LIF(10, dt_ms, { tauMem_ms: 20 }));
  net.addProjection(
    "X->Y",
    new Dense(x, y, { init: { kind: "uniform", lo: 0, hi: 2, rng: createRng(1, "w") } }),
  );
  const spikes = net.addMonitor(new SpikeMonitor(y));
  net.run(
    { X: poisson(new Float32Array(100).fill(20), { steps: 500, dt_ms, rng: createRng(1, "in") }) },
    500,
  );
  assert.ok(spikes.count > 100, `${spikes.count} spikes`);
});
