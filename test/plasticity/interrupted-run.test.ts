/**
 * A learning run interrupted by an error (a drive that throws) leaves STDP's changed-neuron list unconsumed,
 * because the end-of-run normalisation never ran. That list becomes a pending full pass at `reset()` or when
 * the network is saved, so a network restored from a file normalises exactly as the original does.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "../../src/core/rng.ts";
import { poisson } from "../../src/encoding/poisson.ts";
import { Network } from "../../src/network/network.ts";
import { networkParameters, restoreNetworkParameters } from "../../src/network/parameters.ts";
import type { Population } from "../../src/network/types.ts";
import { AdaptiveLIF } from "../../src/neurons/adaptive-lif.ts";
import { Input } from "../../src/neurons/input.ts";
import { IncomingNormalization } from "../../src/plasticity/normalization.ts";
import { postPre } from "../../src/plasticity/stdp.ts";
import { Dense } from "../../src/projections/dense.ts";
import { decodeModel, encodeModel } from "../../src/io/model-codec.ts";

function build() {
  const net = new Network({ dt_ms: 1 });
  const x = net.addPopulation("X", new Input(40));
  const y = net.addPopulation("Y", new AdaptiveLIF(8, 1));
  const p = net.addProjection(
    "XY",
    new Dense(x, y, {
      init: { kind: "uniform", lo: 0, hi: 3, rng: createRng(1, "w") },
      bounds: { wMin: 0, wMax: 6 },
    }),
  );
  postPre(p, 1, { nuPre: 0.02, nuPost: 0.2 });
  const norm = new IncomingNormalization(p, 60);
  return { net, p, norm };
}
const input = (k: number) =>
  poisson(new Float32Array(40).fill(40), { steps: 100, dt_ms: 1, rng: createRng(5, "in", k) });

/** Trains one example, then runs a second whose drive throws at step 60. */
function interrupted(): ReturnType<typeof build> {
  const a = build();
  a.net.run({ X: input(0) }, 100);
  const x = input(1);
  const failing = {
    steps: 100,
    apply: (s: number, t: Population) => {
      if (s === 60) throw new Error("source failed");
      x.apply(s, t);
    },
  };
  assert.throws(() => a.net.run({ X: failing }, 100), /source failed/);
  return a;
}

const incomingSums = (w: Float32Array, post: number, pre: number): number[] =>
  Array.from({ length: post }, (_, j) => {
    let s = 0;
    for (let i = 0; i < pre; i++) s += w[i * post + j];
    return s;
  });

for (const saveBeforeReset of [false, true]) {
  test(`after an interrupted run a restored network normalises as the original (saved ${saveBeforeReset ? "before" : "after"} reset())`, () => {
    const a = interrupted();
    if (!saveBeforeReset) a.net.reset();
    const encoded = encodeModel(networkParameters(a.net));
    if (saveBeforeReset) a.net.reset();
    assert.equal(a.norm.learnedValues().pending, 1, "the interrupted run's changes are a pending full pass");
    const b = build();
    restoreNetworkParameters(b.net, decodeModel(encoded.manifest, encoded.files));
    assert.deepEqual(b.p.w, a.p.w);

    a.net.run({ X: input(2) }, 30);
    b.net.run({ X: input(2) }, 30);
    assert.deepEqual(b.p.w, a.p.w);
    // every neuron was renormalised: each incoming sum is 60 (to float32 rounding; no weight at a bound here)
    for (const s of incomingSums(a.p.w, 8, 40)) assert.ok(Math.abs(s - 60) < 1e-3, `sum ${s}`);
  });
}

test("a run that ends normally leaves no pending pass: only the neurons STDP changed are renormalised next", () => {
  const a = build();
  a.net.run({ X: input(0) }, 100);
  a.net.reset();
  assert.equal(a.norm.learnedValues().pending, 0);
});
