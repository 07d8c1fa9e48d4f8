/**
 * When the engine refuses a WebAssembly memory (too many live ones), the kernels fall back to their
 * TypeScript paths and stop asking: one warning, no further attempts, the same results. The refusal is
 * simulated by a throwing WebAssembly.Memory (a real one needs about 13 000 live memories); this file runs
 * in its own process, so the refusal it records reaches no other test.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { captureLogs } from "../../src/core/log.ts";
import { createRng } from "../../src/core/rng.ts";
import { newWasmMemory } from "../../src/core/wasm.ts";
import { CobaLIF } from "../../src/neurons/coba-lif.ts";
import { CubaLIF, CUBA_BENCHMARK_PARAMS } from "../../src/neurons/cuba-lif.ts";
import { DoubleExpLIF } from "../../src/neurons/double-exp-lif.ts";
import { RateCoupling } from "../../src/projections/rate-coupling.ts";

const hasKernel = (x: object) => (x as { kernel?: object }).kernel !== undefined;

test("a large memory refused sends only its own kernel to TypeScript: small ones are still asked for", () => {
  const wasm = (globalThis as unknown as { WebAssembly: { Memory: unknown } }).WebAssembly;
  const real = wasm.Memory;
  wasm.Memory = function refuse() {
    throw new RangeError("WebAssembly.Memory(): could not allocate memory");
  };
  let logs;
  try {
    logs = captureLogs(() => assert.equal(newWasmMemory(4096, "a big test"), undefined));
  } finally {
    wasm.Memory = real;
  }
  assert.deepEqual(
    logs.map((r) => r.message),
    [
      "the engine refused a WebAssembly memory of 4096 pages (256 MiB) for a big test; it uses its " +
        "TypeScript path (same results, slower)",
    ],
  );
  assert.ok(newWasmMemory(1, "a test") !== undefined);
  assert.ok(hasKernel(new DoubleExpLIF(4, 0.05)));
});

test("after one refused memory every kernel takes its TypeScript path, with one warning and no retry", () => {
  const wasm = (globalThis as unknown as { WebAssembly: { Memory: unknown } }).WebAssembly;
  // before: the kernels are there
  const before = new DoubleExpLIF(4, 0.05);
  assert.ok(hasKernel(before));
  const cobaBefore = new CobaLIF(9, 0.1, { vThreshold_mV: -59 });
  assert.ok(hasKernel(cobaBefore));
  let cobaRefused: CobaLIF | undefined;
  assert.ok(newWasmMemory(1, "a test") !== undefined);

  const real = wasm.Memory;
  let attempts = 0;
  wasm.Memory = function refuse() {
    attempts++;
    throw new RangeError("WebAssembly.Memory(): could not allocate memory");
  };
  let logs;
  try {
    logs = captureLogs(() => {
      const src = new DoubleExpLIF(4, 0.05);
      assert.ok(!hasKernel(src));
      const proj = new RateCoupling(src, src, { weights: new Array(16).fill(0.5) });
      assert.ok(!hasKernel(proj));
      assert.ok(!hasKernel(new CubaLIF(8, 0.1, CUBA_BENCHMARK_PARAMS)));
      cobaRefused = new CobaLIF(9, 0.1, { vThreshold_mV: -59 });
      assert.ok(!hasKernel(cobaRefused));
    });
  } finally {
    wasm.Memory = real;
  }
  assert.equal(attempts, 1, "asked once, then never again");
  assert.deepEqual(
    logs.map((r) => [r.id, r.message]),
    [
      [
        "wasm-memory-refused",
        "the engine refused a WebAssembly memory of 1 pages for a DoubleExpLIF population (too many live ones?); " +
          "this and every later kernel in this process use their TypeScript paths (same results, slower)",
      ],
    ],
  );
  // the engine would give memories again, but the process does not ask: predictable speed, same results
  assert.equal(newWasmMemory(1, "a test"), undefined);
  const after = new DoubleExpLIF(4, 0.05);
  assert.ok(!hasKernel(after));
  // the TypeScript step gives the kernel's numbers (same seed, same inputs)
  const run = (pop: DoubleExpLIF) => {
    pop.setRng(createRng(5, "pop"));
    pop.reset();
    const ctx = { step: 0, dt_ms: 0.05, learning: false };
    const spikes: number[] = [];
    for (let s = 0; s < 4000; s++) {
      ctx.step = s;
      pop.port("i_nA").fill(3);
      pop.step(ctx);
      for (let k = 0; k < pop.spikeCount; k++) spikes.push(s * 10 + pop.spikeIdx[k]);
    }
    return { spikes, v: Array.from(pop.v_mV) };
  };
  const ts = run(after);
  assert.ok(ts.spikes.length > 5, `${ts.spikes.length} spikes`);
  assert.deepEqual(ts, run(before));
  // CobaLIF too (its kernel defers the neurons with large conductances: 700 nS puts all of them there)
  const runCoba = (pop: CobaLIF) => {
    const v: number[] = [];
    for (let s = 0; s < 50; s++) {
      pop.port("exc").fill(s % 10 === 0 ? 700 : 0);
      pop.step({ step: s, dt_ms: 0.1, learning: false });
      v.push(...pop.v_mV);
    }
    return v;
  };
  assert.deepEqual(runCoba(cobaRefused!), runCoba(cobaBefore));
});
