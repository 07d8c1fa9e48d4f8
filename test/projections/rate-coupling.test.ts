/**
 * RateCoupling: the current W r added into the target port every step, CSR storage of the non-zeros, the
 * WebAssembly product against the TypeScript loop, errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createRng } from "../../src/core/rng.ts";
import { InvalidParameterError } from "../../src/core/errors.ts";
import { LIF } from "../../src/neurons/lif.ts";
import { DoubleExpLIF } from "../../src/neurons/double-exp-lif.ts";
import { RateCoupling } from "../../src/projections/rate-coupling.ts";
import { RateCouplingKernel, rateCouplingModuleBytes } from "../../src/projections/rate-coupling-kernel.ts";
import { compileWasm } from "../../src/core/wasm.ts";

test("deliver adds sum_i W[j, i] r_i into port i_nA of every target neuron; zeros are not stored", () => {
  const src = new DoubleExpLIF(3, 0.05);
  const dst = new DoubleExpLIF(2, 0.05);
  const proj = new RateCoupling(src, dst, { weights: [1, 0, -2, 0, 0.5, 0] }); // [post][pre]: 2 x 3
  src.r_Hz.set([10, 4, 1]);

  proj.deliver();
  proj.deliver();

  assert.deepEqual(Array.from(dst.port("i_nA")), [2 * (10 - 2), 2 * 2]);
  assert.equal(proj.w.length, 3);
  assert.deepEqual(Array.from(proj.rowPtr), [0, 2, 3]);
});

test("a source without a live r_Hz buffer is rejected with the fix", () => {
  assert.throws(
    () =>
      new RateCoupling(new LIF(2, 1), new DoubleExpLIF(2, 1, { integration: "exact" }), {
        weights: [0, 0, 0, 0],
      }),
    (e: unknown) =>
      e instanceof InvalidParameterError && /needs a source with a live r_Hz buffer/.test(e.message),
  );
  assert.throws(
    () => new RateCoupling(new DoubleExpLIF(2, 0.05), new DoubleExpLIF(2, 0.05), { weights: [1] }),
    /\[post\]\[pre\] = 2 x 2 needs 4/,
  );
});

type Path = "simd" | "scalar" | "ts";

/** Builds a projection on one path: the SIMD module, the scalar module or the TypeScript loop (read at construction). */
function coupling(
  path: Path,
  src: DoubleExpLIF,
  dst: DoubleExpLIF,
  weights: ArrayLike<number>,
): RateCoupling {
  const saved = [process.env.SPIKEFLOW_WASM, process.env.SPIKEFLOW_SIMD];
  process.env.SPIKEFLOW_WASM = path === "ts" ? "0" : "1";
  process.env.SPIKEFLOW_SIMD = path === "simd" ? "1" : "0";
  try {
    return new RateCoupling(src, dst, { weights });
  } finally {
    (["SPIKEFLOW_WASM", "SPIKEFLOW_SIMD"] as const).forEach((key, k) => {
      if (saved[k] === undefined) delete process.env[key];
      else process.env[key] = saved[k];
    });
  }
}

const hasKernel = (p: RateCoupling) => (p as unknown as { kernel?: object }).kernel !== undefined;

test("both WebAssembly modules are available in this Node (else the comparison below would test less)", () => {
  const make = (path: Path) =>
    coupling(path, new DoubleExpLIF(2, 0.05), new DoubleExpLIF(2, 0.05), [1, 0, 0, 1]);
  assert.ok(hasKernel(make("simd")));
  assert.ok(hasKernel(make("scalar")));
  assert.ok(!hasKernel(make("ts")));
  assert.ok(compileWasm(rateCouplingModuleBytes(true)) !== null);
  assert.ok(compileWasm(rateCouplingModuleBytes(false)) !== null);
});

test("the SIMD module, the scalar module and the TypeScript loop agree bit for bit (random sparsity, rows of any length, live weights)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 40 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      (nPre, nPost, density, seed) => {
        const rng = createRng(seed, "weights");
        // half the weights +-1e16 or +-2e16, which cancel exactly against each other (r is a multiple of 0.5),
        // half of order 1, lost or kept depending on when they are added: the delivered value then depends on
        // the order of the adds even after rounding to float32
        const weights = Array.from({ length: nPre * nPost }, () => {
          if (rng.float() >= density) return 0;
          const sign = rng.float() < 0.5 ? -1 : 1;
          return sign * (rng.float() < 0.5 ? (1 + rng.int(2)) * 1e16 : rng.uniform(0.1, 3));
        });
        const runs = (["simd", "scalar", "ts"] as const).map((path) => {
          const src = new DoubleExpLIF(nPre, 0.05);
          const dst = new DoubleExpLIF(nPost, 0.05);
          const proj = coupling(path, src, dst, weights);
          const r = createRng(seed, "r");
          const out: number[] = [];
          for (let step = 0; step < 3; step++) {
            for (let i = 0; i < nPre; i++) src.r_Hz[i] = 0.5 * (1 + r.int(4));
            if (step === 2) proj.w[0] = proj.w.length > 0 ? -proj.w[0] : 0; // restored weights are read live
            proj.deliver();
            out.push(...dst.port("i_nA"));
          }
          return out;
        });
        assert.deepEqual(runs[0], runs[2]);
        assert.deepEqual(runs[1], runs[2]);
      },
    ),
    { numRuns: 200, seed: 7 },
  );
});

test("a kernel memory above 2 GiB is not attempted: the projection keeps its TypeScript loop", () => {
  // 3e8 source neurons: 2.4 GB of r alone; nothing is allocated before the size is checked
  assert.equal(RateCouplingKernel.create(new Int32Array([0, 1]), new Int32Array([0]), 3e8), undefined);
  assert.notEqual(RateCouplingKernel.create(new Int32Array([0, 1]), new Int32Array([0]), 1000), undefined);
});
