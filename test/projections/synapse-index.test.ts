import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "../../src/core/rng.ts";
import { Dense } from "../../src/projections/dense.ts";
import { Sparse } from "../../src/projections/sparse.ts";
import { OneToOne } from "../../src/projections/one-to-one.ts";
import { Local2d } from "../../src/projections/local-2d.ts";
import type { SynapseView } from "../../src/network/types.ts";
import { postPre } from "../../src/plasticity/stdp.ts";
import { FakePopulation } from "./fake-population.ts";

/** synapseIndex(i, j) must be the weight index `outgoing(i)` lists for j, and -1 for every other j. */
function checkSynapseIndex(view: SynapseView): void {
  const post = new Int32Array(view.maxFanOut);
  const widx = new Int32Array(view.maxFanOut);
  for (let i = 0; i < view.preSize; i++) {
    const n = view.outgoing(i, post, widx);
    const expected = new Map<number, number>();
    for (let k = 0; k < n; k++) expected.set(post[k], widx[k]);
    for (let j = 0; j < view.postSize; j++) {
      assert.equal(view.synapseIndex!(i, j), expected.get(j) ?? -1, `pre ${i}, post ${j}`);
    }
  }
}

test("synapseIndex agrees with outgoing() for dense, sparse, one-to-one and locally connected projections", () => {
  const rng = createRng(1, "synapse-index");
  const a = new FakePopulation(12);
  const b = new FakePopulation(7);
  checkSynapseIndex(new Dense(a, b, { init: { kind: "uniform", lo: 0, hi: 1, rng } }));
  checkSynapseIndex(Sparse.random(a, b, { p: 0.3, weight: 1, rng }));
  checkSynapseIndex(new OneToOne(b, new FakePopulation(7), { weights: 1 }));
  const img = new FakePopulation(2 * 7 * 6);
  const geo = {
    inputShape: [2, 7, 6] as [number, number, number],
    kernel: [3, 2] as [number, number],
    stride: 2,
    padding: 1,
  };
  const out = new FakePopulation(4 * 4 * 3);
  checkSynapseIndex(
    new Local2d(img, out, { ...geo, filters: 3, init: { kind: "uniform", lo: 0, hi: 1, rng } }),
  );
});

test("depression through the live-trace path gives bit-identical weights to the full fan-out path", () => {
  // Same random spike history twice; the second projection hides synapseIndex, forcing the general path.
  const run = (hide: boolean) => {
    const pre = new FakePopulation(30);
    const post = new FakePopulation(40);
    const proj = new Dense(pre, post, {
      init: { kind: "uniform", lo: 0, hi: 1, rng: createRng(3, "w") },
      bounds: { wMin: 0, wMax: 1 },
    });
    if (hide) (proj as { synapseIndex?: unknown }).synapseIndex = undefined;
    const rule = postPre(proj, 1, { nuPre: 0.05, nuPost: 0.02 });
    const rng = createRng(4, "spikes");
    for (let t = 0; t < 300; t++) {
      pre.fire([...Array(30).keys()].filter(() => rng.bernoulli(0.1)));
      post.fire([...Array(40).keys()].filter(() => rng.bernoulli(0.02)));
      const ctx = { step: t, dt_ms: 1, learning: true };
      rule.observe(ctx);
      rule.update(ctx);
    }
    return proj.w;
  };
  const fast = run(false);
  const full = run(true);
  assert.deepEqual(fast, full);
});
