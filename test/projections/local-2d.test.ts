import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ShapeMismatchError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { Local2d } from "../../src/projections/local-2d.ts";
import { Network } from "../../src/network/network.ts";
import { networkParameters, restoreNetworkParameters } from "../../src/network/parameters.ts";
import { Input } from "../../src/neurons/input.ts";
import { LIF } from "../../src/neurons/lif.ts";
import type { Local2dOptions } from "../../src/projections/local-2d.ts";
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
  F: number;
}

const outSize = (n: number, k: number, s: number, p: number): number => Math.floor((n + 2 * p - k) / s) + 1;

/**
 * Every synapse of a locally connected layer, straight from the documented layout: post j = loc * F + f
 * (location-major), weight [loc][c][ky][kx][f], input (c * H + y) * W + x, padded positions skipped.
 */
function localReference(g: Geo): Triplet[] {
  const Ho = outSize(g.H, g.kh, g.sh, g.ph);
  const Wo = outSize(g.W, g.kw, g.sw, g.pw);
  const ref: Triplet[] = [];
  for (let oy = 0; oy < Ho; oy++)
    for (let ox = 0; ox < Wo; ox++)
      for (let f = 0; f < g.F; f++)
        for (let c = 0; c < g.C; c++)
          for (let ky = 0; ky < g.kh; ky++)
            for (let kx = 0; kx < g.kw; kx++) {
              const y = oy * g.sh - g.ph + ky;
              const x = ox * g.sw - g.pw + kx;
              if (y < 0 || y >= g.H || x < 0 || x >= g.W) continue;
              const loc = oy * Wo + ox;
              ref.push([
                (c * g.H + y) * g.W + x,
                loc * g.F + f,
                (((loc * g.C + c) * g.kh + ky) * g.kw + kx) * g.F + f,
              ]);
            }
  return ref;
}

function build(g: Geo, seed: number): { src: FakePopulation; tgt: FakePopulation; lc: Local2d } {
  const Ho = outSize(g.H, g.kh, g.sh, g.ph);
  const Wo = outSize(g.W, g.kw, g.sw, g.pw);
  const src = new FakePopulation(g.C * g.H * g.W);
  const tgt = new FakePopulation(Ho * Wo * g.F);
  const opts: Local2dOptions = {
    inputShape: [g.C, g.H, g.W],
    kernel: [g.kh, g.kw],
    stride: [g.sh, g.sw],
    padding: [g.ph, g.pw],
    filters: g.F,
    init: { kind: "uniform", lo: 0, hi: 1, rng: createRng(seed, "w") },
  };
  return { src, tgt, lc: new Local2d(src, tgt, opts) };
}

test("LC-SNN geometry: 28x28x1, k 12, s 4, 25 filters has 625 neurons, 144 weights each, 90,000 in all (C27)", () => {
  const src = new FakePopulation(784);
  const tgt = new FakePopulation(625);

  const lc = new Local2d(src, tgt, {
    inputShape: [1, 28, 28],
    kernel: 12,
    stride: 4,
    filters: 25,
    weights: 0.5,
  });

  assert.deepEqual(lc.outShape, [5, 5, 25]);
  assert.equal(lc.locations, 25);
  assert.deepEqual(lc.kernelSize, [12, 12]);
  assert.equal(lc.weightsPerNeuron, 144);
  assert.equal(lc.weightCount, 90000);
  assert.equal(lc.maxFanIn, 144);
  const pre = new Int32Array(lc.maxFanIn);
  const widx = new Int32Array(lc.maxFanIn);
  for (const j of [0, 24, 312, 624]) assert.equal(lc.incoming(j, pre, widx), 144);
});

test("a target of the wrong size is a ShapeMismatchError naming both shapes and the formula", () => {
  const src = new FakePopulation(784);
  assert.throws(
    () =>
      new Local2d(src, new FakePopulation(600), {
        inputShape: [1, 28, 28],
        kernel: 12,
        stride: 4,
        filters: 25,
        weights: 0,
      }),
    (e: unknown) =>
      e instanceof ShapeMismatchError &&
      /target has 600 neurons/.test(e.message) &&
      /input \[1, 28, 28\], kernel \[12, 12\], stride \[4, 4\], padding \[0, 0\]/.test(e.message) &&
      /5 x 5 x 25 = 625/.test(e.message) &&
      /Ho = floor\(\(H \+ 2ph - kh\) \/ sh\) \+ 1/.test(e.message),
  );
  assert.throws(
    () =>
      new Local2d(new FakePopulation(700), new FakePopulation(625), {
        inputShape: [1, 28, 28],
        kernel: 12,
        stride: 4,
        filters: 25,
        weights: 0,
      }),
    /source has 700 neurons, but inputShape \[1, 28, 28\] needs C \* H \* W = 784/,
  );
});

test("post neurons are location-major: one input spike reaches the F filters of each covering location", () => {
  // 1x4x4 input, kernel 2, stride 2: four disjoint 2x2 patches. Input (y 1, x 2) lies in location 1 only,
  // at kernel offset (ky 1, kx 0); with weights = their own index, post j = 1 * 3 + f receives
  // w[((1 * 1 + 0) * 2 + 1) * 2 + 0) * 3 + f] = w[18 + f] = 18 + f.
  const src = new FakePopulation(16);
  const tgt = new FakePopulation(12);
  const lc = new Local2d(src, tgt, {
    inputShape: [1, 4, 4],
    kernel: 2,
    stride: 2,
    filters: 3,
    weights: Array.from({ length: 48 }, (_, k) => k),
  });

  src.fire([1 * 4 + 2]);
  lc.deliver();

  assert.deepEqual([...tgt.port()], [0, 0, 0, 18, 19, 20, 0, 0, 0, 0, 0, 0]);
  assert.equal(lc.postIndex(0, 1, 2), 5);
  assert.equal(lc.weightIndex(1, 0, 1, 0, 2), 20);
});

test("deliver matches the naive reference with padding, stride 2 and several channels", () => {
  const g: Geo = { C: 3, H: 7, W: 6, kh: 3, kw: 2, sh: 2, sw: 2, ph: 1, pw: 1, F: 4 };
  const { src, tgt, lc } = build(g, 1);
  const ref = localReference(g);

  assertViewMatches(lc, ref);
  assertDeliveryMatches(lc, src, tgt, ref, createRng(1, "spikes"), 6);
  assert.equal(lc.weightCount, 16 * 4 * 3 * 3 * 2); // Ho = Wo = 4: 16 locations x F 4 x C 3 x kh 3 x kw 2
});

test("padding slots hold 0 and are never synapses", () => {
  const g: Geo = { C: 1, H: 3, W: 3, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, F: 2 };
  const { lc } = build(g, 2);
  const live = new Set(localReference(g).map((t) => t[2]));

  let liveNonzero = 0;
  for (let k = 0; k < lc.w.length; k++) {
    if (!live.has(k)) assert.equal(lc.w[k], 0, `slot ${k}`);
    else if (lc.w[k] > 0) liveNonzero++;
  }
  assert.equal(liveNonzero, live.size, "live synapses keep their uniform (0, 1) draws");
  assert.equal(live.size, 2 * (4 * 4 + 4 * 6 + 9)); // corners see 4 inputs, edges 6, the centre 9
});

test("a weights array with a value at a padded position is refused, naming the slot; 0 there and one number build", () => {
  const g = { inputShape: [1, 3, 3] as const, kernel: 3, padding: 1, filters: 2 };
  const src = new FakePopulation(9);
  const tgt = new FakePopulation(18);
  const weights = new Float32Array(9 * 9 * 2).fill(0.5);
  // location (0, 0): kernel row 0 and column 0 lie in the padding; slot (ky 0, kx 0) of filter 0 is index 0
  assert.throws(
    () => new Local2d(src, tgt, { ...g, weights }),
    /^InvalidParameterError: Local2d weights\[0\] = 0\.5 is at a padded kernel position \(location \(0, 0\), channel 0, kernel \(0, 0\), filter 0\), which has no synapse and would be dropped; give 0 at padded positions \(weightIndex\(loc, c, ky, kx, f\) finds them\)$/,
  );
  const live = new Set(
    localReference({ C: 1, H: 3, W: 3, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, F: 2 }).map((t) => t[2]),
  );
  for (let k = 0; k < weights.length; k++) if (!live.has(k)) weights[k] = 0;
  const lc = new Local2d(src, tgt, { ...g, weights });
  assert.deepEqual(Array.from(lc.w), Array.from(weights));
  // a single number fills the live slots only, as documented
  const filled = new Local2d(src, tgt, { ...g, weights: 7 });
  for (let k = 0; k < filled.w.length; k++) assert.equal(filled.w[k], live.has(k) ? 7 : 0, `slot ${k}`);
});

test("restoreNetworkParameters refuses saved weights with a value at a padded position, and leaves the network as it was", () => {
  const net = new Network({ dt_ms: 1 });
  const src = net.addPopulation("in", new Input(16));
  const tgt = net.addPopulation("out", new LIF(32, 1));
  const lc = net.addProjection(
    "lc",
    new Local2d(src, tgt, { inputShape: [1, 4, 4], kernel: 3, padding: 1, filters: 2, weights: 0.5 }),
  );
  const snapshot = networkParameters(net);
  const w = Object.values(snapshot.tensors).find((t) => t.data.length === lc.w.length)!.data as Float32Array;
  w[0] = 9; // location (0, 0), kernel (0, 0): in the padding
  const before = Array.from(lc.w);
  assert.throws(
    () => restoreNetworkParameters(net, snapshot),
    /^InvalidParameterError: projection "lc": the saved weights w\[0\] = 9 is at a padded kernel position \(location \(0, 0\), channel 0, kernel \(0, 0\), filter 0\), which has no synapse and would be dropped/,
  );
  assert.deepEqual(Array.from(lc.w), before);
  w[0] = 0;
  restoreNetworkParameters(net, snapshot);
});

test("bounds with wMin > 0 apply to synapses only: padded slots stay 0 through construction, clampAll, save and restore", () => {
  // a tester's case: padded slots must hold 0, which lies outside bounds [0.1, 1]; the constructor refused
  // given weights with 0 there, a save refused the network, and clampAll wrote 0.1 there, which a restore refused
  const g = { inputShape: [1, 4, 4] as const, kernel: 3, padding: 1, filters: 2 };
  const bounds = { wMin: 0.1, wMax: 1 };
  const live = new Set(
    localReference({ C: 1, H: 4, W: 4, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, F: 2 }).map((t) => t[2]),
  );
  const weights = new Float32Array(16 * 9 * 2).map((_, k) => (live.has(k) ? 0.5 : 0));
  const k0 = Math.min(...live); // the first synapse; the slots before it are padded
  const given = new Local2d(new FakePopulation(16), new FakePopulation(32), { ...g, weights, bounds });
  assert.deepEqual(Array.from(given.w), Array.from(weights));
  const mask = given.emptySlots();
  assert.ok(mask !== undefined);
  for (let k = 0; k < weights.length; k++) assert.equal(mask[k], live.has(k) ? 0 : 1, `slot ${k}`);
  assert.throws(
    () =>
      new Local2d(new FakePopulation(16), new FakePopulation(32), {
        ...g,
        weights: weights.map((x) => x / 10),
        bounds,
      }),
    new RegExp(
      `^InvalidParameterError: Local2d weight ${k0} is 0\\.05000000074505806, outside bounds \\[0\\.1, 1\\]`,
    ),
    "a live synapse below wMin is still refused",
  );

  const net = new Network({ dt_ms: 1 });
  const src = net.addPopulation("in", new Input(16));
  const tgt = net.addPopulation("out", new LIF(32, 1));
  const lc = net.addProjection(
    "lc",
    new Local2d(src, tgt, {
      ...g,
      init: { kind: "uniform", lo: 0.2, hi: 0.8, rng: createRng(1, "w") },
      bounds,
    }),
  );
  lc.w[k0] = 5; // a live synapse written by hand, above wMax
  lc.clampAll();
  for (let k = 0; k < lc.w.length; k++) {
    if (!live.has(k)) assert.equal(lc.w[k], 0, `padded slot ${k} stays 0 through clampAll`);
  }
  assert.equal(lc.w[k0], 1, "a live synapse is clamped");
  assert.ok(k0 > 0 && !live.has(0));
  const snapshot = networkParameters(net);
  const before = Array.from(lc.w);
  lc.w.fill(0.3);
  restoreNetworkParameters(net, snapshot);
  assert.deepEqual(Array.from(lc.w), before);
  // a value written by hand into a padded slot is refused when saving, as a restore would refuse it
  const padded = lc.emptySlots()!.indexOf(1);
  lc.w[padded] = 0.7;
  assert.throws(
    () => networkParameters(net),
    new RegExp(
      `^InvalidParameterError: projection "lc" w\\[${padded}\\] = 0\\.699999988079071 is in a slot that is no ` +
        `synapse \\(a padded kernel position\\), which must hold 0, so the network could not be restored; set ` +
        `it back to 0 \\(emptySlots\\(\\) marks these slots\\)$`,
    ),
  );
  lc.w[padded] = 0;
  const w = Object.values(snapshot.tensors).find((t) => t.data.length === lc.w.length)!.data as Float32Array;
  w[k0] = 0.05; // a live synapse below wMin in the file is still refused
  assert.throws(
    () => restoreNetworkParameters(net, snapshot),
    new RegExp(
      `^InvalidParameterError: projection "lc" w\\[${k0}\\] = 0\\.05000000074505806 in the saved network lies ` +
        `outside this projection's bounds \\[0\\.1, 1\\]`,
    ),
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
        F: fc.integer({ min: 1, max: 3 }),
      }),
      fc.integer({ min: 0, max: 1000 }),
      (g, seed) => {
        fc.pre(g.H + 2 * g.ph >= g.kh && g.W + 2 * g.pw >= g.kw);
        const { src, tgt, lc } = build(g, seed);
        const ref = localReference(g);
        assertViewMatches(lc, ref);
        assertDeliveryMatches(lc, src, tgt, ref, createRng(seed, "spikes"), 3);
      },
    ),
    { numRuns: 60, seed: 42 },
  );
});

test("weights of another geometry refused at a padded slot name the geometry settings that differ", () => {
  // a tester's case: stride 2 / padding 0 and stride 3 / padding 1 give the same output size; the refusal only
  // said to give 0 at padded positions, which cannot be done for saved weights
  const make = (stride: number, padding: number) => {
    const net = new Network({ dt_ms: 1 });
    const src = net.addPopulation("in", new Input(25));
    const tgt = net.addPopulation("out", new LIF(8, 1));
    net.addProjection(
      "lc",
      new Local2d(src, tgt, { inputShape: [1, 5, 5], kernel: 3, stride, padding, filters: 2, weights: 0.5 }),
    );
    return net;
  };
  const saved = networkParameters(make(2, 0));
  assert.throws(
    () => restoreNetworkParameters(make(3, 1), saved),
    /^InvalidParameterError: projection "lc": the saved weights w\[\d+\] = 0\.5 is at a padded kernel position .*; the projection was saved with other settings \(geometry\.sh is 3 here, 2 in the saved network; geometry\.sw is 3 here, 2 in the saved network; geometry\.ph is 1 here, 0 in the saved network; geometry\.pw is 1 here, 0 in the saved network\), which is the likely cause: build the network with the same code and options as the one that was saved$/,
  );
});
