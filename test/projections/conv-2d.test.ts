import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ShapeMismatchError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { Conv2d } from "../../src/projections/conv-2d.ts";
import { FakePopulation } from "./fake-population.ts";
import { assertDeliveryMatches, assertViewMatches } from "./harness.ts";
import type { Triplet } from "./harness.ts";

interface Geo {
  C: number;
  H: number;
  W: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  OC: number;
}

const outSize = (n: number, k: number, s: number, p: number): number => Math.floor((n + 2 * p - k) / s) + 1;

/** Every synapse from the documented layout: post [outC][Ho][Wo], shared weight [outC][C][kh][kw]. */
function convReference(g: Geo): Triplet[] {
  const Ho = outSize(g.H, g.kh, g.sh, g.ph);
  const Wo = outSize(g.W, g.kw, g.sw, g.pw);
  const ref: Triplet[] = [];
  for (let oc = 0; oc < g.OC; oc++)
    for (let oy = 0; oy < Ho; oy++)
      for (let ox = 0; ox < Wo; ox++)
        for (let c = 0; c < g.C; c++)
          for (let ky = 0; ky < g.kh; ky++)
            for (let kx = 0; kx < g.kw; kx++) {
              const y = oy * g.sh - g.ph + ky;
              const x = ox * g.sw - g.pw + kx;
              if (y < 0 || y >= g.H || x < 0 || x >= g.W) continue;
              ref.push([
                (c * g.H + y) * g.W + x,
                (oc * Ho + oy) * Wo + ox,
                ((oc * g.C + c) * g.kh + ky) * g.kw + kx,
              ]);
            }
  return ref;
}

function build(g: Geo, seed: number): { src: FakePopulation; tgt: FakePopulation; conv: Conv2d } {
  const Ho = outSize(g.H, g.kh, g.sh, g.ph);
  const Wo = outSize(g.W, g.kw, g.sw, g.pw);
  const src = new FakePopulation(g.C * g.H * g.W);
  const tgt = new FakePopulation(g.OC * Ho * Wo);
  const conv = new Conv2d(src, tgt, {
    inputShape: [g.C, g.H, g.W],
    kernel: [g.kh, g.kw],
    stride: [g.sh, g.sw],
    padding: [g.ph, g.pw],
    outChannels: g.OC,
    init: { kind: "uniform", lo: -1, hi: 1, rng: createRng(seed, "w") },
  });
  return { src, tgt, conv };
}

test("shared kernels: 28x28x1, k 12, s 4, 25 channels has 3600 weights for 625 neurons (C27)", () => {
  const conv = new Conv2d(new FakePopulation(784), new FakePopulation(625), {
    inputShape: [1, 28, 28],
    kernel: 12,
    stride: 4,
    outChannels: 25,
    weights: 0.1,
  });

  assert.equal(conv.w.length, 3600);
  assert.deepEqual(conv.outShape, [25, 5, 5]);
  assert.equal(conv.locations, 25);
  assert.equal(conv.maxFanIn, 144);
});

test("a 1-channel 3x3 input with a 2x2 kernel computes the cross-correlation (closed form)", () => {
  // Kernel [[1, 2], [3, 4]], stride 1, no padding: output (oy, ox) = sum_ky,kx k[ky][kx] * in[oy + ky][ox + kx].
  // With only the centre input (1, 1) spiking, every output sees it at offset (1 - oy, 1 - ox):
  // out = [[k11, k10], [k01, k00]] = [[4, 3], [2, 1]].
  const src = new FakePopulation(9);
  const tgt = new FakePopulation(4);
  const conv = new Conv2d(src, tgt, {
    inputShape: [1, 3, 3],
    kernel: 2,
    outChannels: 1,
    weights: [1, 2, 3, 4],
  });

  src.fire([4]);
  conv.deliver();

  assert.deepEqual([...tgt.port()], [4, 3, 2, 1]);
});

test("post index is channel-major [outC][Ho][Wo]", () => {
  // Input 1x2x2, kernel 2: one location. Channel oc holds the constant kernel oc + 1, so one spike gives
  // post oc the value oc + 1.
  const src = new FakePopulation(4);
  const tgt = new FakePopulation(3);
  const conv = new Conv2d(src, tgt, {
    inputShape: [1, 2, 2],
    kernel: 2,
    outChannels: 3,
    weights: [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3],
  });

  src.fire([3]);
  conv.deliver();

  assert.deepEqual([...tgt.port()], [1, 2, 3]);
  assert.equal(conv.postIndex(2, 0, 0), 2);
  assert.equal(conv.weightIndex(2, 0, 1, 1), 11);
});

test("deliver matches the naive reference with padding, stride 2 and several channels", () => {
  const g: Geo = { C: 2, H: 8, W: 7, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 2, OC: 3 };
  const { src, tgt, conv } = build(g, 1);
  const ref = convReference(g);

  assertViewMatches(conv, ref);
  assertDeliveryMatches(conv, src, tgt, ref, createRng(1, "spikes"), 6);
});

test("the view names shared weights: every synapse of one kernel entry uses the same index", () => {
  const g: Geo = { C: 1, H: 5, W: 5, kh: 2, kw: 2, sh: 1, sw: 1, ph: 0, pw: 0, OC: 2 };
  const { conv } = build(g, 3);
  const pre = new Int32Array(conv.maxFanIn);
  const widx = new Int32Array(conv.maxFanIn);
  const uses = new Map<number, number>();
  for (let j = 0; j < conv.postSize; j++) {
    const n = conv.incoming(j, pre, widx);
    for (let k = 0; k < n; k++) uses.set(widx[k], (uses.get(widx[k]) ?? 0) + 1);
  }

  assert.equal(uses.size, 8); // 2 channels x 2 x 2
  for (const count of uses.values()) assert.equal(count, 16); // one per location of the 4x4 output
});

test("a target of the wrong size is a ShapeMismatchError naming both shapes and the formula", () => {
  assert.throws(
    () =>
      new Conv2d(new FakePopulation(784), new FakePopulation(100), {
        inputShape: [1, 28, 28],
        kernel: 5,
        stride: 3,
        padding: 2,
        outChannels: 2,
        weights: 0,
      }),
    (e: unknown) =>
      e instanceof ShapeMismatchError &&
      /target has 100 neurons/.test(e.message) &&
      /2 x 10 x 10 = 200/.test(e.message) &&
      /floor\(\(28 \+ 4 - 5\) \/ 3\) \+ 1 = 10/.test(e.message),
  );
});

test("property: view and delivery match the reference for random geometries", () => {
  fc.assert(
    fc.property(
      fc.record({
        C: fc.integer({ min: 1, max: 3 }),
        H: fc.integer({ min: 1, max: 7 }),
        W: fc.integer({ min: 1, max: 7 }),
        kh: fc.integer({ min: 1, max: 4 }),
        kw: fc.integer({ min: 1, max: 4 }),
        sh: fc.integer({ min: 1, max: 3 }),
        sw: fc.integer({ min: 1, max: 3 }),
        ph: fc.integer({ min: 0, max: 2 }),
        pw: fc.integer({ min: 0, max: 2 }),
        OC: fc.integer({ min: 1, max: 3 }),
      }),
      fc.integer({ min: 0, max: 1000 }),
      (g, seed) => {
        fc.pre(g.H + 2 * g.ph >= g.kh && g.W + 2 * g.pw >= g.kw);
        const { src, tgt, conv } = build(g, seed);
        const ref = convReference(g);
        assertViewMatches(conv, ref);
        assertDeliveryMatches(conv, src, tgt, ref, createRng(seed, "spikes"), 3);
      },
    ),
    { numRuns: 60, seed: 42 },
  );
});
