/**
 * SumPool2d and AvgPool2d: the synapse lists against the PyTorch definition, delivery, defaults, errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ShapeMismatchError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { AvgPool2d } from "../../src/projections/avg-pool-2d.ts";
import { SumPool2d } from "../../src/projections/sum-pool-2d.ts";
import { FakePopulation } from "./fake-population.ts";
import { assertDeliveryMatches, assertViewMatches } from "./harness.ts";
import type { Triplet } from "./harness.ts";

const outSize = (n: number, k: number, s: number, p: number): number => Math.floor((n + 2 * p - k) / s) + 1;

/** Every synapse from PyTorch's pooling definition: output (c, oy, ox) sums input (c, oy s - p + ky, ...). */
function poolReference(C: number, H: number, W: number, k: number, s: number, p: number): Triplet[] {
  const Ho = outSize(H, k, s, p);
  const Wo = outSize(W, k, s, p);
  const ref: Triplet[] = [];
  for (let c = 0; c < C; c++)
    for (let oy = 0; oy < Ho; oy++)
      for (let ox = 0; ox < Wo; ox++)
        for (let ky = 0; ky < k; ky++)
          for (let kx = 0; kx < k; kx++) {
            const y = oy * s - p + ky;
            const x = ox * s - p + kx;
            if (y < 0 || y >= H || x < 0 || x >= W) continue;
            ref.push([(c * H + y) * W + x, (c * Ho + oy) * Wo + ox, 0]);
          }
  return ref;
}

test("sum and average pooling list exactly PyTorch's windows and deliver their sums (random geometries)", () => {
  fc.assert(
    fc.property(
      fc.record({
        C: fc.integer({ min: 1, max: 3 }),
        H: fc.integer({ min: 2, max: 7 }),
        W: fc.integer({ min: 2, max: 7 }),
        k: fc.integer({ min: 1, max: 3 }),
        s: fc.integer({ min: 1, max: 3 }),
        p: fc.integer({ min: 0, max: 1 }),
      }),
      fc.integer(),
      ({ C, H, W, k, s, p }, seed) => {
        fc.pre(2 * p <= k && H + 2 * p >= k && W + 2 * p >= k);
        const Ho = outSize(H, k, s, p);
        const Wo = outSize(W, k, s, p);
        const ref = poolReference(C, H, W, k, s, p);
        for (const Kind of [SumPool2d, AvgPool2d]) {
          const src = new FakePopulation(C * H * W);
          const tgt = new FakePopulation(C * Ho * Wo);
          const proj = new Kind(src, tgt, { inputShape: [C, H, W], kernel: k, stride: s, padding: p });
          assert.equal(proj.w[0], Kind === SumPool2d ? 1 : Math.fround(1 / (k * k)));
          assertViewMatches(proj, ref);
          assertDeliveryMatches(proj, src, tgt, ref, createRng(seed, "pool"));
        }
      },
    ),
    { numRuns: 40, seed: 11 },
  );
});

test("stride defaults to the window (PyTorch): 2x2 pooling of 4x4 gives 2x2, as the Sinabs CNN uses it", () => {
  const src = new FakePopulation(1 * 4 * 4);
  const tgt = new FakePopulation(1 * 2 * 2);
  const proj = new SumPool2d(src, tgt, { inputShape: [1, 4, 4], kernel: 2 });
  const port = tgt.port();

  src.fire([0, 1, 4, 5, 15]);
  proj.deliver();

  assert.deepEqual(proj.outShape, [1, 2, 2]);
  assert.deepEqual([...port], [4, 0, 0, 1]);
});

test("a target of the wrong size names the expected C x Ho x Wo", () => {
  const src = new FakePopulation(2 * 4 * 4);
  const tgt = new FakePopulation(7);

  assert.throws(
    () => new AvgPool2d(src, tgt, { inputShape: [2, 4, 4], kernel: 2 }),
    (e: unknown) => {
      assert.ok(e instanceof ShapeMismatchError);
      assert.match(e.message, /AvgPool2d target has 7 neurons, but .* gives C x Ho x Wo = 2 x 2 x 2 = 8/);
      return true;
    },
  );
});
