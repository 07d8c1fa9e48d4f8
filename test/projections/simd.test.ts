/**
 * The WebAssembly SIMD delivery path (src/core/simd.ts) against the scalar path: the same additions in the
 * same order give bit-identical ports, for run lengths with and without a tail of n mod 4.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { F32Workspace } from "../../src/core/simd.ts";
import { createRng } from "../../src/core/rng.ts";
import { addRun } from "../../src/projections/common.ts";
import { Dense } from "../../src/projections/dense.ts";
import { Local2d } from "../../src/projections/local-2d.ts";
import { Input } from "../../src/neurons/input.ts";
import { LIF } from "../../src/neurons/lif.ts";
import { ctxAt } from "../neurons/helpers.ts";

test("F32Workspace.add equals the scalar float32 add bit for bit, tails included", () => {
  const ws = F32Workspace.create([64, 64]);
  assert.ok(ws !== undefined, "Node 20 has WebAssembly SIMD");
  const a = ws.reserve(64);
  const b = ws.reserve(64);
  assert.equal(b % 4, 0, "regions start on 16-byte boundaries");
  const rng = createRng(7, "simd");
  for (let n = 0; n <= 37; n++) {
    const dst: Float32Array = ws.view(a, 64);
    const src: Float32Array = ws.view(b, 64);
    for (let i = 0; i < 64; i++) {
      dst[i] = (rng.float() - 0.5) * 1e3;
      src[i] = (rng.float() - 0.5) * 1e-3;
    }
    const expected: Float32Array = Float32Array.from(dst);
    addRun(expected, 0, src, 0, n);
    ws.add(a, b, n);
    assert.deepEqual(Array.from(dst), Array.from(expected), `n = ${n}`);
  }
  assert.throws(() => ws.reserve(1), /does not fit/);
});

function scalarTwin<T>(make: () => T): T {
  const saved = process.env.SPIKEFLOW_SIMD;
  process.env.SPIKEFLOW_SIMD = "0";
  try {
    return make();
  } finally {
    if (saved === undefined) delete process.env.SPIKEFLOW_SIMD;
    else process.env.SPIKEFLOW_SIMD = saved;
  }
}

test("Local2d and Dense deliver the same port values with and without SIMD, on top of earlier arrivals", () => {
  const cases: Array<
    [string, (src: Input, dst: LIF, rng: ReturnType<typeof createRng>) => { deliver(): void }]
  > = [
    [
      "local",
      (src, dst, rng) =>
        new Local2d(src, dst, {
          inputShape: [1, 10, 10],
          kernel: 4,
          stride: 2,
          filters: 18,
          init: { kind: "uniform", lo: 0, hi: 1, rng },
        }),
    ],
    ["dense", (src, dst, rng) => new Dense(src, dst, { init: { kind: "uniform", lo: -1, hi: 1, rng } })],
  ];
  for (const [name, build] of cases) {
    const src = new Input(100);
    const dstSize = name === "local" ? 16 * 18 : 50;
    const a = new LIF(dstSize, 1);
    const b = new LIF(dstSize, 1);
    const pa = build(src, a, createRng(3, name));
    const pb = scalarTwin(() => build(src, b, createRng(3, name)));
    assert.notEqual((pa as unknown as { simd?: object }).simd, undefined, `${name}: SIMD path in use`);
    assert.equal((pb as unknown as { simd?: object }).simd, undefined, `${name}: scalar twin`);
    const rng = createRng(4, name);
    for (let step = 0; step < 20; step++) {
      for (let i = 0; i < 100; i++) if (rng.float() < 0.2) src.emit(i);
      src.step(ctxAt(step, 1));
      assert.ok(src.spikeCount > 0);
      const portA = a.port("dv_mV");
      const portB = b.port("dv_mV");
      for (let j = 0; j < dstSize; j++) portA[j] = portB[j] = j % 3 === 0 ? Math.fround(j * 0.37) : 0;
      pa.deliver();
      pb.deliver();
      assert.deepEqual(Array.from(portA), Array.from(portB), `${name}, step ${step}`);
    }
  }
});
