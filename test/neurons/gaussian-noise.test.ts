/**
 * GaussianNoise: moments and tail mass of the ziggurat sampler, agreement of the fast block path with the
 * one-at-a-time path, and seeding from an Rng stream.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "../../src/core/rng.ts";
import { GaussianNoise } from "../../src/neurons/gaussian-noise.ts";

test("one million samples: mean 0, variance 1, skewness 0, kurtosis 3, tail mass beyond the ziggurat's r", () => {
  // Standard errors for n = 1e6: mean 0.001, variance 0.0014, skewness 0.0024, kurtosis 0.0049; we allow ~4 SE.
  // P(|x| > 3.442619855899) = 2 (1 - Phi(3.4426)) = 5.762e-4 (normal tables), SE 2.4e-5.
  const g = new GaussianNoise(createRng(11, "gauss-test"));
  const n = 1_000_000;
  const x = new Float64Array(n);
  g.fill(x, n, 1);
  let m1 = 0;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  let tail = 0;
  for (const v of x) {
    m1 += v;
    m2 += v * v;
    m3 += v * v * v;
    m4 += v * v * v * v;
    if (Math.abs(v) > 3.442619855899) tail++;
  }

  assert.ok(Math.abs(m1 / n) < 0.004);
  assert.ok(Math.abs(m2 / n - 1) < 0.006);
  assert.ok(Math.abs(m3 / n) < 0.01);
  assert.ok(Math.abs(m4 / n - 3) < 0.02);
  assert.ok(Math.abs(tail / n - 5.762e-4) < 1e-4, `tail ${tail / n}`);
});

test("fill(out, n, sd) equals n calls of next() times sd, from the same seed (same words in the same order)", () => {
  const a = new GaussianNoise(createRng(5, "x"));
  const b = new GaussianNoise(createRng(5, "x"));
  const block = new Float64Array(5000);

  a.fill(block, 5000, 0.1);

  for (let k = 0; k < 5000; k++) assert.equal(block[k], 0.1 * b.next(), `sample ${k}`);
});

test("seed(rng) restarts the sequence from that stream; another stream gives another sequence", () => {
  const g = new GaussianNoise();
  const draw = (key: number) => {
    g.seed(createRng(1, "noise", key));
    const out = new Float64Array(100);
    g.fill(out, 100, 1);
    return Array.from(out);
  };

  const a = draw(1);
  const b = draw(2);

  assert.deepEqual(draw(1), a);
  assert.notDeepEqual(b, a);
});
