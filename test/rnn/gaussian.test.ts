// Ziggurat normal sampler against the standard normal's moments and tail probabilities.
import { test } from "node:test";
import assert from "node:assert/strict";

import { createRng } from "../../src/core/rng.ts";
import { INNER, SIGNED_WIDTH } from "../../src/core/ziggurat.ts";
import { GaussianNoise } from "../../src/neurons/gaussian-noise.ts";
import { fillGaussian, zigguratNormal } from "../../src/rnn/gaussian.ts";

test("ziggurat samples have mean 0, variance 1, kurtosis 3 and normal tail probabilities", () => {
  const n = 400_000;
  const rng = createRng(12, "ziggurat");
  let s1 = 0;
  let s2 = 0;
  let s4 = 0;
  let over1 = 0;
  let over2 = 0;
  let over3 = 0;
  let maxAbs = 0;
  for (let k = 0; k < n; k++) {
    const z = zigguratNormal(rng);
    s1 += z;
    s2 += z * z;
    s4 += z ** 4;
    const a = Math.abs(z);
    if (a > 1) over1++;
    if (a > 2) over2++;
    if (a > 3.44262) over3++; // beyond the ziggurat's tail start r: exercises the tail sampler
    maxAbs = Math.max(maxAbs, a);
  }
  // tolerances: about 4 standard errors of each estimate at n = 400 000 (Var z^4 = 105 - 9 = 96)
  assert.ok(Math.abs(s1 / n) < 0.0064, `mean ${s1 / n}`);
  assert.ok(Math.abs(s2 / n - 1) < 0.009, `variance ${s2 / n}`);
  assert.ok(Math.abs(s4 / n - 3) < 0.065, `fourth moment ${s4 / n}`);
  // P(|Z| > 1) = 0.317311, P(|Z| > 2) = 0.0455003, P(|Z| > 3.44262) = 5.761e-4
  assert.ok(Math.abs(over1 / n - 0.317311) < 0.003);
  assert.ok(Math.abs(over2 / n - 0.0455003) < 0.0013);
  assert.ok(Math.abs(over3 / n - 5.761e-4) < 1.6e-4, `tail ${over3 / n}`);
  assert.ok(maxAbs > 3.44262, "the tail beyond r was sampled");
});

test("fillGaussian scales by sd, is reproducible per seed, and draws nothing for sd = 0", () => {
  const a = new Float64Array(1000);
  const b = new Float64Array(1000);
  fillGaussian(createRng(3), a, 0, 1000, 0.1);
  const rng = createRng(3);
  for (let k = 0; k < 1000; k++) b[k] = 0.1 * zigguratNormal(rng);
  assert.deepEqual(a, b);

  const r = createRng(3);
  const z = new Float64Array(10).fill(7);
  fillGaussian(r, z, 2, 8, 0);
  assert.deepEqual(Array.from(z), [7, 7, 0, 0, 0, 0, 0, 0, 7, 7]);
  assert.equal(r.nextU32(), createRng(3).nextU32());
});

/**
 * The ziggurat written plainly, one call per draw, as Marsaglia & Tsang describe it: words and uniforms come
 * from the generator's own methods. The samplers step the generator state themselves on the rejection branch
 * (src/core/ziggurat.ts); they must draw the same words in the same order and give the same samples.
 */
function plainZiggurat(nextU32: () => number, positiveUnit: () => number): number {
  const R = 3.442619855899;
  const f = (x: number) => Math.exp(-0.5 * x * x);
  const width = (i: number) => SIGNED_WIDTH[i] * 16777216; // X[i]
  for (let u = nextU32(); ; u = nextU32()) {
    const i = u & 127;
    const m = u >>> 8;
    const sign = u & 128 ? -1 : 1;
    const x = m * SIGNED_WIDTH[i];
    if (m < INNER[i]) return sign * x;
    if (i === 0) {
      for (;;) {
        const e1 = -Math.log(positiveUnit()) / R;
        const e2 = -Math.log(positiveUnit());
        if (e2 + e2 > e1 * e1) return sign * (R + e1);
      }
    }
    const lo = f(width(i));
    const hi = i === 127 ? 1 : f(width(i + 1));
    if (lo + (1 - positiveUnit()) * (hi - lo) < f(x)) return sign * x;
  }
}

test("both samplers' rejection branch draws the generator's own words and uniforms, bit for bit", () => {
  const n = 200_000; // about 2 400 rejections, 60 of them in the tail
  const rng = createRng(3, "plain");
  const ref = createRng(3, "plain");
  const sd = 0.7;
  const out = new Float64Array(n);
  fillGaussian(rng, out, 0, n, sd);
  let differ = 0;
  for (let k = 0; k < n; k++) {
    const z = plainZiggurat(
      () => ref.nextU32(),
      () => ref.positiveUnit(),
    );
    if (!Object.is(out[k], sd * z)) differ++;
  }
  assert.equal(differ, 0);
  assert.equal(rng.nextU32(), ref.nextU32(), "the generators end in the same state");

  const noise = new GaussianNoise(createRng(4, "plain"));
  const twin = new GaussianNoise(createRng(4, "plain"));
  // GaussianNoise's uniform in (0, 1] is (w + 1) 2^-32, Rng's is 1 - w 2^-32
  const unit = () => (twin.nextU32() + 1) * 2.3283064365386963e-10;
  noise.fill(out, n, sd);
  differ = 0;
  for (let k = 0; k < n; k++)
    if (!Object.is(out[k], sd * plainZiggurat(() => twin.nextU32(), unit))) differ++;
  assert.equal(differ, 0);
  assert.equal(noise.nextU32(), twin.nextU32());
});
