/**
 * STDP on a Sparse projection with one conduction delay per synapse: every synapse (i, j) pairs the arrival of
 * i's spikes at it (t_pre + d_ij) with j's spikes. Closed-form pairs, equivalence with one-delay projections
 * (all delays equal; one projection per delay value), the reset and save/restore of the new state, refusals.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UnsupportedError } from "../../src/core/errors.ts";
import { captureLogs } from "../../src/core/log.ts";
import { createRng, type Rng } from "../../src/core/rng.ts";
import { SpikeTrain } from "../../src/encoding/spike-train.ts";
import { restoreNetwork, saveNetwork } from "../../src/io/network-file.ts";
import { Network } from "../../src/network/network.ts";
import { networkParameters, restoreNetworkParameters } from "../../src/network/parameters.ts";
import type { Population, Projection } from "../../src/network/types.ts";
import { Input } from "../../src/neurons/input.ts";
import { LIF } from "../../src/neurons/lif.ts";
import { IncomingNormalization } from "../../src/plasticity/normalization.ts";
import { type StdpParams, type StdpVariant, Stdp, postPre } from "../../src/plasticity/stdp.ts";
import { type CsrArrays, type SparseOptions, Sparse } from "../../src/projections/sparse.ts";
import { ScriptedPopulation, TinyDense } from "../helpers/fixtures.ts";

const f32 = Math.fround;
const BOUNDS = { wMin: 0, wMax: 1 };

/** Spikes of `size` neurons over `steps` steps, each with probability p per step, as a ScriptedPopulation script. */
function randomScript(size: number, steps: number, p: number, rng: Rng): Record<number, number[]> {
  const script: Record<number, number[]> = {};
  for (let i = 0; i < size; i++) {
    script[i] = [];
    for (let s = 0; s < steps; s++) if (rng.float() < p) script[i].push(s);
  }
  return script;
}

/** CSR arrays restricted to the synapses k (CSR indices) for which keep(k) holds. */
function subCsr(csr: CsrArrays, keep: (k: number) => boolean): CsrArrays {
  const rowPtr = [0];
  const colIdx: number[] = [];
  const w: number[] = [];
  for (let i = 0; i + 1 < csr.rowPtr.length; i++) {
    for (let k = csr.rowPtr[i]; k < csr.rowPtr[i + 1]; k++) {
      if (!keep(k)) continue;
      colIdx.push(csr.colIdx[k]);
      w.push(csr.w[k]);
    }
    rowPtr.push(colIdx.length);
  }
  return { rowPtr, colIdx, w };
}

/**
 * A network of `pre` -> `post` (built into it) through the synapses [pre, post, delay in steps] of `synapses`,
 * each of weight w0, bounds [0, 1], at dt_ms.
 */
function tripletNet(
  dt_ms: number,
  pre: Population,
  post: Population,
  synapses: readonly (readonly [number, number, number])[],
  w0: number,
) {
  const net = new Network({ dt_ms });
  const delay = new Map(synapses.map(([i, j, d]) => [`${i},${j}`, d * dt_ms]));
  const proj = net.addProjection(
    "pre->post",
    Sparse.fromTriplets(
      net.addPopulation("pre", pre),
      net.addPopulation("post", post),
      { pre: synapses.map((s) => s[0]), post: synapses.map((s) => s[1]), w: w0 },
      { delay_ms: (i, j) => delay.get(`${i},${j}`) as number, dt_ms, bounds: BOUNDS },
    ),
  );
  return { net, proj };
}

/**
 * Input x (nIn) -> LIF y (nOut) through a random Sparse (p, weights uniform in [0, wHi], bounds [0, 10]) with
 * the given delays, at dt_ms.
 */
function inputToLif(o: {
  nIn: number;
  nOut: number;
  dt_ms: number;
  p: number;
  wHi: number;
  delay_ms: number | ((i: number, j: number) => number);
}) {
  const net = new Network({ dt_ms: o.dt_ms });
  const x = net.addPopulation("x", new Input(o.nIn));
  const y = net.addPopulation("y", new LIF(o.nOut, o.dt_ms));
  const proj = net.addProjection(
    "x->y",
    Sparse.random(x, y, {
      p: o.p,
      weight: { kind: "uniform", lo: 0, hi: o.wHi, rng: createRng(3, "w") },
      rng: createRng(4, "c"),
      bounds: { wMin: 0, wMax: 10 },
      delay_ms: o.delay_ms,
      dt_ms: o.dt_ms,
    }),
  );
  return { net, proj };
}

/** A spike train of `size` inputs over `steps` steps, each spiking with probability p per step. */
function randomTrain(size: number, steps: number, p: number, seed: number): SpikeTrain {
  const rng = createRng(seed, "input");
  const events: [number, number][] = [];
  for (let s = 0; s < steps; s++) for (let i = 0; i < size; i++) if (rng.float() < p) events.push([s, i]);
  return SpikeTrain.fromEvents(size, steps, events);
}

test("per-synapse delays: each synapse's pair update is the closed form of t_post - (t_pre + d_ij)", () => {
  const dt_ms = 0.5;
  const tauPre = 20;
  const tauPost = 10;
  const nuPre = 0.01;
  const nuPost = 0.02;
  // pre 0 spikes at step 10, pre 1 at step 30; post j spikes once, at post[j]
  const postSteps = [20, 20, 20, 20, 25, 25, 33];
  // synapse (pre, post, delay in steps)
  const synapses: [number, number, number][] = [
    [0, 0, 0], // arrival 10 < 20: LTP over 10 steps
    [0, 1, 4], // arrival 14 < 20: LTP over 6 steps
    [0, 2, 10], // arrival 20 = 20: nuPost - nuPre
    [0, 3, 14], // arrival 24 > 20: LTD over 4 steps; undelayed (10 < 20) it would be LTP
    [1, 4, 0], // arrival 30 > 25: LTD over 5 steps
    [1, 5, 7], // arrival 37 > 25: LTD over 12 steps
    [1, 6, 2], // arrival 32 < 33: LTP over 1 step
  ];
  const { net, proj } = tripletNet(
    dt_ms,
    new ScriptedPopulation(2, { 0: [10], 1: [30] }),
    new ScriptedPopulation(7, Object.fromEntries(postSteps.map((s, j) => [j, [s]]))),
    synapses,
    0.5,
  );
  postPre(proj, dt_ms, { nuPre, nuPost, preTrace: { tau_ms: tauPre }, postTrace: { tau_ms: tauPost } });
  net.run({}, 60);
  const w0 = f32(0.5);
  const want = synapses.map(([i, j, d]) => {
    const arrival = (i === 0 ? 10 : 30) + d;
    const gap_ms = (postSteps[j] - arrival) * dt_ms;
    if (gap_ms === 0) return f32(f32(w0 - nuPre) + nuPost) - w0;
    return gap_ms > 0 ? nuPost * Math.exp(-gap_ms / tauPre) : -nuPre * Math.exp(gap_ms / tauPost);
  });
  synapses.forEach(([i, j, d], n) => {
    const k = proj.synapseIndex(i, j);
    const got = proj.w[k] - w0;
    assert.ok(Math.abs(got - want[n]) < 1e-7, `synapse (${i}, ${j}) delay ${d}: dw ${got}, want ${want[n]}`);
  });
  assert.ok(proj.w[proj.synapseIndex(0, 3)] < w0, "the delay turned the pair at (0, 3) into depression");
});

test("per-synapse delays: soft bounds, Hebbian, all-to-all traces and a trace scale act per synapse", () => {
  const dt_ms = 1;
  // pre 0 spikes at 10 and 12; post 0 and 1 at 20; delays 4 (arrivals 14, 16) and 9 (arrivals 19, 21)
  const run = (variant: StdpVariant, params: Partial<StdpParams>) => {
    const { net, proj } = tripletNet(
      dt_ms,
      new ScriptedPopulation(1, { 0: [10, 12] }),
      new ScriptedPopulation(2, { 0: [20], 1: [20] }),
      [
        [0, 0, 4],
        [0, 1, 9],
      ],
      0.75,
    );
    new Stdp(proj, variant, dt_ms, { nuPre: 0.01, nuPost: 0.02, ...params });
    net.run({}, 40);
    return [proj.w[0] - f32(0.75), proj.w[1] - f32(0.75)];
  };
  const e = (steps: number, tau = 20) => Math.exp(-steps / tau);
  const close = (got: number[], want: number[], what: string) =>
    got.forEach((g, n) => assert.ok(Math.abs(g - want[n]) < 1e-7, `${what}[${n}]: ${g}, want ${want[n]}`));
  // "set" traces (nearest spike). Synapse 1: arrival 19 potentiates at 20 (pre trace e^-1/20); arrival 21
  // depresses by the post trace e^-1/20 at the potentiated weight
  const set1 = 0.75 + 0.02 * e(1);
  close(run("post-pre", {}), [0.02 * e(4), f32(set1 - 0.01 * e(1)) - 0.75], "post-pre");
  close(
    run("weight-dependent", {}),
    [0.02 * e(4) * 0.25, ((x) => x - 0.01 * e(1) * x)(0.75 + 0.02 * e(1) * 0.25) - 0.75],
    "weight-dependent",
  );
  close(run("hebbian", {}), [0.02 * e(4), f32(set1 + 0.01 * e(1)) - 0.75], "hebbian");
  // all-to-all ("additive") pre trace with scale 2: both arrivals before the post spike add up
  close(
    run("post-pre", { preTrace: { mode: "additive", scale: 2 } }),
    [0.02 * 2 * (e(6) + e(4)), f32(0.75 + 0.02 * 2 * e(1)) - 0.01 * e(1) - 0.75],
    "additive",
  );
});

/**
 * Runs STDP (one rule per projection) over 400 steps of random scripted spikes of 30 pre and 12 post neurons;
 * returns the projections that `build` made and their weights before learning.
 */
function learnTogether(
  seed: number,
  variant: StdpVariant,
  params: Partial<StdpParams>,
  build: (pre: Population, post: Population) => Sparse[],
): { projs: Sparse[]; before: Float32Array[] } {
  const rng = createRng(seed, "spikes");
  const net = new Network({ dt_ms: 1 });
  const pre = net.addPopulation("pre", new ScriptedPopulation(30, randomScript(30, 400, 0.08, rng)));
  const post = net.addPopulation("post", new ScriptedPopulation(12, randomScript(12, 400, 0.05, rng)));
  const projs = build(pre, post);
  projs.forEach((p, n) => {
    net.addProjection(`p${n}`, p);
    new Stdp(p, variant, 1, params);
  });
  const before = projs.map((p) => Float32Array.from(p.w));
  net.run({}, 400);
  return { projs, before };
}

/** Random connectivity (probability p) and weights in [0.1, 0.9] from fixed seeds, bounds [0, 1], dt 1 ms. */
function seededSparse(pre: Population, post: Population, p: number, delay_ms: SparseOptions["delay_ms"]) {
  const weight = { kind: "uniform", lo: 0.1, hi: 0.9, rng: createRng(5, "w") } as const;
  return Sparse.random(pre, post, { p, weight, rng: createRng(6, "c"), bounds: BOUNDS, delay_ms, dt_ms: 1 });
}

/** How many entries of `after` differ from `before`. */
function changed(before: Float32Array, after: Float32Array): number {
  let n = 0;
  for (let k = 0; k < before.length; k++) if (after[k] !== before[k]) n++;
  return n;
}

const VARIANTS: [StdpVariant, Partial<StdpParams>][] = [
  ["post-pre", { nuPre: 0.02, nuPost: 0.05 }],
  ["weight-dependent", { nuPre: 0.05, nuPost: 0.1, preTrace: { mode: "additive" } }],
  ["hebbian", { nuPre: 0.01, nuPost: 0.03, postTrace: { mode: "additive", tau_ms: 7 } }],
];

test("per-synapse delays all equal to D give bit-identical weights to delay_ms: D (every variant, random spikes)", () => {
  for (const D of [0, 3]) {
    for (const [variant, params] of VARIANTS) {
      const what = `${variant}, delay ${D}`;
      const perSynapse = learnTogether(11, variant, params, (pre, post) => [
        seededSparse(pre, post, 0.4, () => D),
      ]);
      const single = learnTogether(11, variant, params, (pre, post) => [seededSparse(pre, post, 0.4, D)]);
      const [a, b] = [perSynapse.projs[0], single.projs[0]];
      assert.ok(a.synapseDelaySteps !== undefined && b.synapseDelaySteps === undefined);
      assert.deepEqual(a.w, b.w, what);
      const moved = changed(single.before[0], b.w);
      assert.ok(moved > b.nnz / 2, `${what}: the rule changed ${moved} of ${b.nnz} weights`);
    }
  }
});

test("per-synapse delays of k values learn as k one-delay projections, one per value (every variant)", () => {
  const delays = [0, 2, 5, 9];
  const delayOf = (i: number, j: number) => delays[(i * 3 + j * 5) % delays.length];
  for (const [variant, params] of VARIANTS) {
    const whole = learnTogether(23, variant, params, (pre, post) => [seededSparse(pre, post, 0.5, delayOf)]);
    const mixed = whole.projs[0];
    const steps = mixed.synapseDelaySteps as Int32Array;
    // the same synapses and initial weights, one projection per delay value
    const initial = { rowPtr: mixed.rowPtr, colIdx: mixed.colIdx, w: whole.before[0] };
    const { projs: split } = learnTogether(23, variant, params, (pre, post) =>
      delays.map(
        (d) =>
          new Sparse(
            pre,
            post,
            subCsr(initial, (k) => steps[k] === d),
            { bounds: BOUNDS, delay_ms: d, dt_ms: 1 },
          ),
      ),
    );
    const rejoined = new Float32Array(mixed.nnz);
    delays.forEach((d, n) => {
      let q = 0;
      for (let k = 0; k < mixed.nnz; k++) if (steps[k] === d) rejoined[k] = split[n].w[q++];
      assert.equal(q, split[n].nnz);
      assert.ok(q > 0, `some synapses have delay ${d}`);
    });
    assert.deepEqual(mixed.w, rejoined, variant);
    const moved = changed(whole.before[0], mixed.w);
    assert.ok(moved > mixed.nnz / 2, `${variant}: ${moved} of ${mixed.nnz} weights changed`);
  }
});

test("per-synapse delays with a LIF target and normalisation: equal delays learn as one delay, to the bit", () => {
  const input = randomTrain(40, 600, 0.04, 9);
  const run = (delay_ms: number | (() => number)) => {
    const { net, proj } = inputToLif({ nIn: 40, nOut: 6, dt_ms: 0.5, p: 0.6, wHi: 8, delay_ms });
    postPre(proj, 0.5, { nuPre: 0.05, nuPost: 0.2 });
    new IncomingNormalization(proj, 60);
    const w0 = Float32Array.from(proj.w);
    for (let r = 0; r < 3; r++) {
      net.reset();
      net.run({ x: input }, 600);
    }
    assert.notDeepEqual(proj.w, w0, "the weights learned");
    return proj.w;
  };
  const a = run(() => 1.5);
  assert.deepEqual(a, run(1.5));
  assert.notDeepEqual(
    a,
    run(() => 2),
    "another delay learns other weights",
  );
});

test("net.reset() drops arrivals in flight and the per-group traces; a run without it pairs them", () => {
  // pre 0 reaches post 0 with delay 2, post 1 with delay 6 and post 2 with delay 0; the posts spike at step 3
  // of every run
  const build = () => {
    const post = new ScriptedPopulation(3, { 0: [3], 1: [3], 2: [3] });
    const built = tripletNet(
      1,
      new Input(1),
      post,
      [
        [0, 0, 2],
        [0, 1, 6],
        [0, 2, 0],
      ],
      0.5,
    );
    postPre(built.proj, 1, { nuPre: 0.01, nuPost: 0.02 });
    return built;
  };
  const w0 = f32(0.5);
  const { net, proj } = build();
  // a spike at step 0 reaches the delay-0 synapse at once; the other two are in flight when the reset comes
  net.run({ pre: SpikeTrain.fromEvents(1, 1, [[0, 0]]) }, 1);
  net.reset();
  // a spike at step 5 arrives at 7 (delay 2: depression by the post trace 4 steps old), at 11 (delay 6: after
  // this run) and at 5 (delay 0: 2 steps old); nothing of the run before the reset pairs with the posts at 3
  const second = SpikeTrain.fromEvents(1, 8, [[5, 0]]);
  net.run({ pre: second }, 8);
  const want = [w0 - 0.01 * Math.exp(-4 / 20), w0, w0 - 0.01 * Math.exp(-2 / 20)];
  want.forEach((x, k) => assert.ok(Math.abs(proj.w[k] - x) < 1e-7, `w[${k}] = ${proj.w[k]}, want ${x}`));
  const after = Float32Array.from(proj.w);
  net.reset();
  // posts at 3 and a quiet pre: nothing arrives, no trace is left
  net.run({}, 20);
  assert.deepEqual(proj.w, after);
  // without the reset the delay-6 spike arrives at step 11 and depresses by the post trace 8 steps old
  const cont = build();
  cont.net.run({ pre: second }, 8);
  cont.net.run({}, 12);
  assert.ok(Math.abs(cont.proj.w[1] - (w0 - 0.01 * Math.exp(-8 / 20))) < 1e-7, `${cont.proj.w[1]}`);
});

test("a network with per-synapse-delay STDP saves and restores: same weights, same settings, same learning after", async () => {
  const build = (delay_ms: (i: number, j: number) => number) => {
    const built = inputToLif({ nIn: 20, nOut: 5, dt_ms: 1, p: 0.7, wHi: 6, delay_ms });
    const rule = postPre(built.proj, 1, { nuPre: 0.05, nuPost: 0.2, preTrace: { mode: "additive" } });
    return { ...built, rule };
  };
  const delays = (i: number, j: number) => (i + 2 * j) % 4;
  const input = (seed: number) => randomTrain(20, 300, 0.06, seed);
  const a = build(delays);
  a.net.run({ x: input(1) }, 300);
  a.rule.scaleRates(0.5);
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-stdp-delays-"));
  try {
    await saveNetwork(join(dir, "net"), a.net);
    const b = build(delays);
    b.net.run({ x: input(2) }, 100); // other weights and spikes in flight, replaced and dropped by the restore
    await restoreNetwork(join(dir, "net"), b.net);
    assert.deepEqual(b.proj.w, a.proj.w);
    assert.equal(b.rule.nuPost, a.rule.nuPost);
    // from here both learn alike: the restore left b as a.net.reset() leaves a
    a.net.reset();
    a.net.run({ x: input(3) }, 300);
    b.net.run({ x: input(3) }, 300);
    assert.deepEqual(b.proj.w, a.proj.w);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // a restore into the same delays is silent; into other delays it warns, naming the setting
  const snapshot = networkParameters(a.net);
  const same = captureLogs(() => restoreNetworkParameters(build(delays).net, snapshot));
  assert.deepEqual(same, []);
  const other = captureLogs(() => restoreNetworkParameters(build((i, j) => (i + j) % 4).net, snapshot));
  assert.ok(
    other.some((r) => r.id === "network-settings-differ" && /synapseDelaySteps/.test(r.message)),
    JSON.stringify(other),
  );
});

test("STDP refuses per-synapse delays without delay groups, naming the projection kind and the fix", () => {
  const pre = new ScriptedPopulation(1, {});
  const post = new ScriptedPopulation(1, {});
  const proj: Projection = Object.assign(new TinyDense(pre, post, new Float32Array(1)), {
    synapseDelaySteps: new Int32Array([2]),
  });
  assert.throws(
    () => postPre(proj, 1),
    (e: unknown) =>
      e instanceof UnsupportedError &&
      /^STDP on this tiny-dense projection with per-synapse delays is not supported: it does not group its synapses by delay \(synapseDelayGroups\), .*use a Sparse with delay_ms: \(pre, post\) => ms, or one projection per delay value$/.test(
        e.message,
      ),
  );
  assert.equal(proj.rules.length, 0, "nothing attached");
  // a Sparse with per-synapse delays still needs bounds, like any plastic projection
  const sparse = Sparse.fromTriplets(
    pre,
    post,
    { pre: [0], post: [0], w: 1 },
    { delay_ms: () => 1, dt_ms: 1 },
  );
  assert.throws(() => postPre(sparse, 1), /a plastic sparse projection needs weight bounds/);
});
