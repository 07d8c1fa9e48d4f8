import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError, TimeStepError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { SpikeTrain } from "../../src/encoding/spike-train.ts";
import { networkToNir } from "../../src/io/nir/export.ts";
import { SpikeMonitor, StateMonitor } from "../../src/network/monitors.ts";
import { Network } from "../../src/network/network.ts";
import { projectionSettings } from "../../src/network/settings.ts";
import { Input } from "../../src/neurons/input.ts";
import { LIF } from "../../src/neurons/lif.ts";
import { postPre } from "../../src/plasticity/stdp.ts";
import { Affine } from "../../src/projections/affine.ts";
import { Bias } from "../../src/projections/bias.ts";
import { LateralInhibition } from "../../src/projections/lateral-inhibition.ts";
import { AvgPool2d } from "../../src/projections/avg-pool-2d.ts";
import type { WeightedProjection } from "../../src/projections/common.ts";
import { Conv2d } from "../../src/projections/conv-2d.ts";
import { Dense } from "../../src/projections/dense.ts";
import { Local2d } from "../../src/projections/local-2d.ts";
import { OneToOne } from "../../src/projections/one-to-one.ts";
import { Sparse } from "../../src/projections/sparse.ts";
import { ScriptedPopulation } from "../helpers/fixtures.ts";
import { FakePopulation, randomSubset } from "./fake-population.ts";

type Build = (
  src: FakePopulation,
  tgt: FakePopulation,
  delay: { delay_ms?: number; dt_ms?: number },
) => WeightedProjection;

const init = (seed: number) => ({ kind: "uniform", lo: -1, hi: 1, rng: createRng(seed, "w") }) as const;

/** Every spike projection, each with a source of 64 neurons (more spikes per step than a slot first holds). */
const KINDS: Record<string, { pre: number; post: number; build: Build }> = {
  Dense: { pre: 64, post: 5, build: (s, t, d) => new Dense(s, t, { init: init(1), ...d }) },
  Sparse: {
    pre: 64,
    post: 7,
    build: (s, t, d) => Sparse.random(s, t, { p: 0.3, weight: init(2), rng: createRng(3, "c"), ...d }),
  },
  OneToOne: { pre: 64, post: 64, build: (s, t, d) => new OneToOne(s, t, { init: init(4), ...d }) },
  Affine: { pre: 64, post: 3, build: (s, t, d) => new Affine(s, t, { init: init(5), bias: 0.25, ...d }) },
  Conv2d: {
    pre: 64,
    post: 2 * 3 * 3,
    build: (s, t, d) =>
      new Conv2d(s, t, { inputShape: [1, 8, 8], kernel: 4, stride: 2, outChannels: 2, init: init(6), ...d }),
  },
  Local2d: {
    pre: 64,
    post: 3 * 3 * 2,
    build: (s, t, d) =>
      new Local2d(s, t, { inputShape: [1, 8, 8], kernel: 4, stride: 2, filters: 2, init: init(7), ...d }),
  },
  AvgPool2d: {
    pre: 64,
    post: 16,
    build: (s, t, d) => new AvgPool2d(s, t, { inputShape: [1, 8, 8], kernel: 2, ...d }),
  },
};

for (const [name, kind] of Object.entries(KINDS)) {
  test(`${name}: a delay of D steps delivers at step t exactly what the undelayed projection delivers at t - D`, () => {
    const rng = createRng(11, "spikes");
    // about half the source fires in each step: 32 spikes, more than a slot's first 16 entries
    const script = Array.from({ length: 30 }, (_, t) =>
      t % 7 === 6 ? [] : randomSubset(kind.pre, 0.5, rng),
    );
    const run = (delay: { delay_ms?: number; dt_ms?: number }) => {
      const src = new FakePopulation(kind.pre);
      const tgt = new FakePopulation(kind.post);
      return portsOf(kind.build(src, tgt, delay), src, tgt, script);
    };
    const plain = run({});
    for (const D of [1, 3]) {
      const delayed = run({ delay_ms: D * 0.5, dt_ms: 0.5 });
      // before the first delayed spike arrives, only what arrives without spikes (Affine's bias)
      for (let t = 0; t < D; t++) assert.deepEqual(delayed[t], plain[0], `D ${D}, step ${t}`);
      for (let t = D; t < script.length; t++) assert.deepEqual(delayed[t], plain[t - D], `D ${D}, step ${t}`);
    }
    assert.deepEqual(run({ delay_ms: 0 }), plain, "delay_ms 0 is no delay");
    assert.ok(plain.some((row) => row.some((x) => x !== 0)));
  });
}

test("a LIF neuron fires delay_ms after its undelayed time; net.reset() drops the spikes in flight", () => {
  const spikeSteps = (delay_ms: number | undefined, dt_ms: number, resetAt?: number) => {
    const net = new Network({ dt_ms });
    const pre = net.addPopulation("pre", new Input(1));
    const post = net.addPopulation("post", new LIF(1, dt_ms));
    net.addProjection("pre->post", new Dense(pre, post, { weights: 14, delay_ms, dt_ms }));
    const spikes = net.addMonitor(new SpikeMonitor(post));
    const train = SpikeTrain.fromEvents(1, 60, [[10, 0]]);
    if (resetAt === undefined) {
      net.run({ pre: train }, 60);
      return Array.from(spikes.steps);
    }
    net.run({ pre: SpikeTrain.fromEvents(1, resetAt, [[10, 0]]) }, resetAt);
    net.reset();
    net.run({}, 60);
    return Array.from(spikes.steps);
  };
  assert.deepEqual(spikeSteps(undefined, 1), [11], "a spike at step 10 raises v at step 11 without a delay");
  assert.deepEqual(spikeSteps(5, 1), [16]);
  assert.deepEqual(spikeSteps(1.5, 0.1), [26], "1.5 ms at dt = 0.1 ms is 15 steps");
  assert.deepEqual(spikeSteps(5, 1, 12), [], "the spike was in flight at the reset");
});

test("the delayed potential has the undelayed shape: v(t + D) with a delay equals v(t) without one", () => {
  const trace = (delay_ms: number) => {
    const dt_ms = 0.25;
    const net = new Network({ dt_ms });
    const pre = net.addPopulation("pre", new Input(2));
    const post = net.addPopulation("post", new LIF(2, dt_ms));
    net.addProjection("pre->post", new Dense(pre, post, { weights: [3, 1, 2, 4], delay_ms, dt_ms }));
    const v = net.addMonitor(new StateMonitor(post, "v_mV"));
    const train = SpikeTrain.fromEvents(2, 80, [
      [4, 0],
      [9, 1],
      [9, 0],
      [30, 1],
    ]);
    net.run({ pre: train }, 80);
    return Array.from(v.values().data);
  };
  const plain = trace(0);
  const delayed = trace(2); // 8 steps
  assert.deepEqual(delayed.slice(16), plain.slice(0, plain.length - 16));
  assert.ok(plain.some((x) => x !== -65));
});

test("STDP on a delayed projection pairs the spike's arrival: pre at 10, delay 4, post at 20 gives e^(-6/20)", () => {
  const pair = (pre: number, post: number, delay_ms: number) => {
    const net = new Network({ dt_ms: 1 });
    const a = net.addPopulation("pre", new ScriptedPopulation(1, { 0: [pre] }));
    const b = net.addPopulation("post", new ScriptedPopulation(1, { 0: [post] }));
    const proj = net.addProjection(
      "p",
      new Dense(a, b, { weights: 0.5, bounds: { wMin: 0, wMax: 1 }, delay_ms, dt_ms: 1 }),
    );
    postPre(proj, 1, { nuPre: 0.01, nuPost: 0.01, preTrace: { tau_ms: 20 }, postTrace: { tau_ms: 20 } });
    net.run({}, 40);
    return proj.w[0] - Math.fround(0.5);
  };
  const close = (got: number, want: number) =>
    assert.ok(Math.abs(got - want) < 1e-7, `got ${got}, want ${want}`);
  close(pair(10, 20, 0), 0.01 * Math.exp(-10 / 20));
  close(pair(10, 20, 4), 0.01 * Math.exp(-6 / 20));
  // post at 12 comes before the arrival at 14: depression by the post trace 2 steps old
  close(pair(10, 12, 4), -0.01 * Math.exp(-2 / 20));
  // arrival at 14 and post at 14: both traces include the step, nuPost - nuPre
  close(pair(10, 14, 4), Math.fround(Math.fround(0.5 - 0.01) + 0.01) - Math.fround(0.5));
});

test("delay options are checked: a fraction of a step, a missing or other dt, a negative or non-number delay", () => {
  const net = new Network({ dt_ms: 0.1 });
  const a = net.addPopulation("a", new Input(2));
  const b = net.addPopulation("b", new LIF(2, 0.1));
  assert.throws(
    () => new Dense(a, b, { weights: 1, delay_ms: 1.55, dt_ms: 0.1 }),
    (e: unknown) =>
      e instanceof TimeStepError &&
      /Dense delay_ms of 1\.55 ms is not a whole number of steps of dt = 0\.1 ms .*such as 1\.5 ms or 1\.6 ms$/.test(
        e.message,
      ),
  );
  assert.throws(
    () => new Dense(a, b, { weights: 1, delay_ms: 1.5 }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      /Dense delay_ms = 1\.5 needs dt_ms, the network's time step, .*got dt_ms = undefined; e\.g\. \{ \.\.\., delay_ms: 1\.5, dt_ms: net\.dt_ms \}/.test(
        e.message,
      ),
  );
  assert.throws(
    () => Sparse.random(a, b, { p: 1, weight: 1, rng: createRng(1, "c"), delay_ms: -1, dt_ms: 0.1 }),
    /Sparse\.random delay_ms must be a number of ms >= 0 .*got number -1/,
  );
  assert.throws(
    () => new OneToOne(a, b, { weights: 1, delay_ms: "2" as never, dt_ms: 0.1 }),
    /OneToOne delay_ms must be a number of ms >= 0 .*got string "2"/,
  );
  assert.throws(
    () => new Dense(a, b, { weights: 1, dt_ms: -1 }),
    /Dense dt_ms must be the network's time step/,
  );
  assert.throws(() => new Dense(a, b, { weights: 1, delay: 2 } as never), /unknown option "delay"/);
  const other = new Dense(a, b, { weights: 1, delay_ms: 2, dt_ms: 0.2 });
  assert.throws(
    () => net.addProjection("a->b", other),
    /projection "a->b" was built for dt = 0\.2 ms \(its delay_ms = 2 counts steps of it\) but the network steps at dt = 0\.1 ms; build it with dt_ms: net\.dt_ms/,
  );
  const ok = net.addProjection("a->b", new Dense(a, b, { weights: 1, delay_ms: 2, dt_ms: (0.1 * 3) / 3 }));
  assert.equal(ok.delaySteps, 20);
  assert.equal(ok.delay_ms, 2);
});

test("a saved network records a projection's delay, and the NIR export writes it", () => {
  const net = new Network({ dt_ms: 1 });
  const a = net.addPopulation("a", new LIF(2, 1));
  const b = net.addPopulation("b", new LIF(2, 1));
  const plain = new Dense(a, b, { weights: 1 });
  assert.equal(
    projectionSettings(plain).delay_ms,
    undefined,
    "no key without a delay: older files compare equal",
  );
  const delayed = net.addProjection("a->b", new Dense(a, b, { weights: 1, delay_ms: 3, dt_ms: 1 }));
  assert.equal(projectionSettings(delayed).delaySteps, 3);
  // compared in steps: 0.3 ms and 3 x 0.1 ms (0.30000000000000004) are the same delay
  const net2 = new Network({ dt_ms: 0.1 });
  const c = net2.addPopulation("c", new LIF(1, 0.1));
  assert.deepEqual(
    projectionSettings(new Dense(c, c, { weights: 1, delay_ms: 0.3, dt_ms: 0.1 })),
    projectionSettings(new Dense(c, c, { weights: 1, delay_ms: 3 * 0.1, dt_ms: 0.1 })),
  );
  // the NIR export writes the delay as a Delay node of 3 ms after the weight node (test/io/nir-delay.test.ts)
  const delay = networkToNir(net).document.graph.nodes["a->b.delay"];
  assert.ok(delay.type === "Delay" && delay.delay.data.every((d) => d === 0.003));
});

/** The target port after each delivery, with the source firing `script[t]` before delivery t (any projection). */
function portsOf(
  p: { deliver(): void; port: string },
  src: FakePopulation,
  tgt: FakePopulation,
  script: number[][],
) {
  const out: number[][] = [];
  const port = tgt.port(p.port);
  for (const spikes of script) {
    p.deliver();
    out.push(Array.from(port));
    port.fill(0);
    src.fire(spikes);
  }
  return out;
}

test("per-synapse delays: each synapse delivers its weight delay(i, j) / dt steps after the one-step delivery", () => {
  const M = 40;
  const N = 9;
  const dt_ms = 0.5;
  const rng = createRng(21, "spikes");
  const script = Array.from({ length: 40 }, () => randomSubset(M, 0.45, rng));
  const delayOf = (i: number, j: number) => ((i * 7 + j * 3) % 6) * dt_ms; // 0 to 5 steps
  const src = new FakePopulation(M);
  const tgt = new FakePopulation(N);
  const sparse = Sparse.random(src, tgt, {
    p: 0.5,
    weight: init(31),
    rng: createRng(32, "c"),
    delay_ms: delayOf,
    dt_ms,
  });
  const got = portsOf(sparse, src, tgt, script);
  // oracle: a float64 sum per step and target, from the CSR arrays and the emission steps
  const want = script.map(() => new Float64Array(N));
  script.forEach((spikes, s) => {
    // spikes fired before delivery s + 1 are those of emission step s; they arrive at delivery s + 1 + d
    for (const i of spikes) {
      for (let k = sparse.rowPtr[i]; k < sparse.rowPtr[i + 1]; k++) {
        const at = s + 1 + Math.round(delayOf(i, sparse.colIdx[k]) / dt_ms);
        if (at < script.length) want[at][sparse.colIdx[k]] += sparse.w[k];
      }
    }
  });
  for (let t = 0; t < script.length; t++) {
    for (let j = 0; j < N; j++) {
      assert.ok(
        Math.abs(got[t][j] - want[t][j]) < 1e-4,
        `step ${t}, post ${j}: ${got[t][j]} against ${want[t][j]}`,
      );
    }
  }
  assert.deepEqual(
    Array.from(sparse.synapseDelaySteps ?? []),
    Array.from(sparse.colIdx, (j, k) => {
      let i = 0;
      while (sparse.rowPtr[i + 1] <= k) i++;
      return Math.round(delayOf(i, j) / dt_ms);
    }),
  );
  assert.equal(sparse.delay_ms, 0, "no single delay");
  // the same delays as an array in CSR order give the same deliveries; all-equal delays equal one delay_ms
  const src2 = new FakePopulation(M);
  const tgt2 = new FakePopulation(N);
  const csr = { rowPtr: sparse.rowPtr, colIdx: sparse.colIdx, w: sparse.w };
  const asArray = new Sparse(src2, tgt2, csr, {
    delay_ms: Array.from(sparse.synapseDelaySteps ?? [], (d) => d * dt_ms),
    dt_ms,
  });
  assert.deepEqual(portsOf(asArray, src2, tgt2, script), got);
  const src3 = new FakePopulation(M);
  const tgt3 = new FakePopulation(N);
  const src4 = new FakePopulation(M);
  const tgt4 = new FakePopulation(N);
  assert.deepEqual(
    portsOf(new Sparse(src3, tgt3, csr, { delay_ms: () => 1.5, dt_ms }), src3, tgt3, script),
    portsOf(new Sparse(src4, tgt4, csr, { delay_ms: 1.5, dt_ms }), src4, tgt4, script),
  );
});

test("per-synapse delays: reset drops spikes in flight, STDP learns on them, the NIR export writes them, settings record them", () => {
  const net = new Network({ dt_ms: 1 });
  const pre = net.addPopulation("pre", new Input(2));
  const post = net.addPopulation("post", new LIF(2, 1));
  const proj = net.addProjection(
    "pre->post",
    Sparse.fromTriplets(
      pre,
      post,
      { pre: [0, 1], post: [0, 1], w: 14 },
      { delay_ms: (i) => (i === 0 ? 2 : 6), dt_ms: 1, bounds: { wMin: 0, wMax: 20 } },
    ),
  );
  const spikes = net.addMonitor(new SpikeMonitor(post));
  const train = SpikeTrain.fromEvents(2, 30, [
    [5, 0],
    [5, 1],
  ]);
  net.run({ pre: train }, 30);
  assert.deepEqual(Array.from(spikes.steps), [8, 12], "spikes at step 5 arrive at 5 + 1 + 2 and 5 + 1 + 6");
  net.reset();
  net.run({ pre: SpikeTrain.fromEvents(2, 9, [[5, 1]]) }, 9);
  net.reset();
  net.run({}, 20);
  assert.deepEqual(Array.from(spikes.steps), [], "the spike in flight at the reset never arrives");
  // STDP attaches and pairs each synapse's arrivals (test/plasticity/stdp-delays.test.ts has the cases)
  assert.equal(postPre(proj, 1).name, "stdp-post-pre");
  // delays that depend on the pre neuron alone: a NIR Delay node before the weight node (nir-delay.test.ts)
  const delay = networkToNir(net).document.graph.nodes["pre->post.delay"];
  assert.ok(delay.type === "Delay" && delay.delay.data.join() === "0.002,0.006");
  assert.match(String(projectionSettings(proj).synapseDelaySteps), /^2 values, CRC-32 [0-9a-f]{8}$/);
});

test("per-synapse delays are checked: length, whole steps, dt_ms, factories take functions only", () => {
  const a = new Input(3);
  const b = new LIF(2, 0.1);
  const csr = { rowPtr: [0, 1, 2, 3], colIdx: [0, 1, 0], w: [1, 1, 1] };
  assert.throws(
    () => new Sparse(a, b, csr, { delay_ms: [0.1, 0.2], dt_ms: 0.1 }),
    /Sparse delay_ms has 2 values but the projection has 3 synapses; give one per synapse in CSR order/,
  );
  assert.throws(
    () => new Sparse(a, b, csr, { delay_ms: [0.1, 0.25, 0.3], dt_ms: 0.1 }),
    (e: unknown) =>
      e instanceof TimeStepError && /Sparse delay_ms\[1\] of 0\.25 ms is not a whole number/.test(e.message),
  );
  assert.throws(
    () => new Sparse(a, b, csr, { delay_ms: (i: number) => -i, dt_ms: 0.1 }),
    /Sparse delay_ms\(1, 1\) must be a number of ms >= 0 .*got number -1$/,
  );
  assert.throws(
    () => new Sparse(a, b, csr, { delay_ms: () => 1 }),
    /Sparse per-synapse delay_ms needs dt_ms, the network's time step, .*got dt_ms = undefined/,
  );
  // zeros need no dt_ms (a delay of 0 is no delay), as a projection's one delay_ms: 0; a nonzero one does
  assert.deepEqual([...new Sparse(a, b, csr, { delay_ms: [0, 0, 0] }).synapseDelaySteps!], [0, 0, 0]);
  assert.throws(
    () => new Sparse(a, b, csr, { delay_ms: [0, 0, 0.1] }),
    /Sparse per-synapse delay_ms needs dt_ms, the network's time step, .*got dt_ms = undefined/,
  );
  assert.throws(
    () =>
      Sparse.random(a, b, { p: 1, weight: 1, rng: createRng(1, "c"), delay_ms: [1, 2] as never, dt_ms: 0.1 }),
    /Sparse\.random: delay_ms is a number or a function \(pre, post\) => ms here; an array of delays is taken only by new Sparse/,
  );
  assert.throws(
    () => new Sparse(a, b, csr, { delay_ms: null as never, dt_ms: 0.1 }),
    /Sparse delay_ms must be a number of ms, a function \(pre, post\) => ms or an array in CSR order, got null/,
  );
});

test("a long delay with a fraction of a step is refused, not rounded; decimal delays that are whole steps pass", () => {
  const a = new Input(2);
  const b = new LIF(2, 0.1);
  const csr = { rowPtr: [0, 1, 2], colIdx: [0, 1], w: [1, 1] };
  assert.throws(
    () => new Sparse(a, b, csr, { delay_ms: 600000.5, dt_ms: 1 }),
    (e: unknown) =>
      e instanceof TimeStepError &&
      e.message ===
        "Sparse delay_ms of 600000.5 ms is not a whole number of steps of dt = 1 ms (600000.5 steps; the " +
          "nearest whole count is 600001); use a multiple of dt such as 600000 ms or 600001 ms",
  );
  assert.throws(
    () => new Sparse(a, b, csr, { delay_ms: [1, 600000.5], dt_ms: 1 }),
    /delay_ms.* of 600000\.5 ms is not a whole number of steps of dt = 1 ms \(600000\.5 steps; the nearest whole count is 600001\)/,
  );
  assert.throws(
    () => new Dense(a, b, { weights: 1, delay_ms: 104857.60001, dt_ms: 0.1 }),
    /\(1048576\.0001 steps; the nearest whole count is 1048576\)/,
  );
  assert.equal(new Sparse(a, b, csr, { delay_ms: 12345.6, dt_ms: 0.1 }).delaySteps, 123456);
  assert.equal(new Dense(a, b, { weights: 1, delay_ms: 0.3, dt_ms: 0.1 }).delaySteps, 3);
  assert.equal(new Dense(a, b, { weights: 1, delay_ms: 0.7, dt_ms: 0.1 }).delaySteps, 7);
  assert.equal(new Dense(a, b, { weights: 1, delay_ms: 2.2, dt_ms: 0.1 }).delaySteps, 22);
  assert.deepEqual(
    [...new Sparse(a, b, csr, { delay_ms: [0.3, 2.2], dt_ms: 0.1 }).synapseDelaySteps!],
    [3, 22],
  );
});

test("delays are refused with a reason: too long, in seconds, per synapse on Dense, reassigned, on a projection without one", () => {
  const a = new Input(2);
  const b = new LIF(2, 0.1);
  assert.throws(
    () => new Dense(a, b, { weights: 1, delay_ms: 1e6, dt_ms: 0.1 }),
    /^InvalidParameterError: Dense delay_ms of 1000000 ms is 10000000 steps of dt = 0\.1 ms; a delay may be at most 1048576 steps \(104857\.6 ms at this dt\), since every step of delay keeps a slot for the spikes in flight; delays are in ms \(1\.5 for 1\.5 ms\)$/,
  );
  assert.equal(new Dense(a, b, { weights: 1, delay_ms: 2 ** 20 * 0.1, dt_ms: 0.1 }).delaySteps, 2 ** 20);
  // the limit in ms is exact: rounded to 6 digits it read as more than the refused value
  assert.throws(
    () => new Sparse(a, b, { rowPtr: [0, 1, 1], colIdx: [1], w: [1] }, { delay_ms: () => 1048578, dt_ms: 1 }),
    /^InvalidParameterError: Sparse delay_ms\(0, 1\) of 1048578 ms is 1048578 steps of dt = 1 ms; a delay may be at most 1048576 steps \(1048576 ms at this dt\)/,
  );
  assert.throws(
    () => new Dense(a, b, { weights: 1, delay_ms: 314573.1, dt_ms: 0.3 }),
    /is 1048577 steps of dt = 0\.3 ms; a delay may be at most 1048576 steps \(314572\.8 ms at this dt\)/,
  );
  assert.throws(
    () => new Dense(a, b, { weights: 1, delay_ms: 0.0015, dt_ms: 0.1 }),
    /Dense delay_ms of 0\.0015 ms is not a whole number of steps .*such as 0 \(no delay\) or 0\.1 ms \(times are in ms: if 0\.0015 is in seconds, as Brian2 stores them, write 1\.5\)$/,
  );
  assert.throws(
    () => new Dense(a, b, { weights: 1, delay_ms: ((i: number) => i) as never, dt_ms: 0.1 }),
    /Dense delay_ms must be one number of ms for all its synapses, got .*; one delay per synapse is taken by Sparse/,
  );
  const p = new Dense(a, b, { weights: 1, delay_ms: 0.5, dt_ms: 0.1 });
  assert.throws(
    () => ((p as unknown as { delay_ms: number }).delay_ms = 2),
    /^StateError: a projection's delay_ms is fixed when it is built .*build the projection again with \{ delay_ms, dt_ms \}/,
  );
  assert.throws(() => ((p as unknown as { delaySteps: number }).delaySteps = 20), /delaySteps is fixed/);
  assert.equal(p.delay_ms, 0.5);
  assert.throws(
    () => new LateralInhibition(b, { strength_mV: 1, groupSize: 2, delay_ms: 1 } as never),
    /^InvalidParameterError: LateralInhibition takes no delay_ms: its inhibition acts in the step after the spikes/,
  );
  assert.throws(
    () => new Bias(b, { bias: 1, dt_ms: 0.1 } as never),
    /^InvalidParameterError: Bias takes no dt_ms/,
  );
  // no seconds reading for a delay of more than a step: 0.15 ms is a plausible delay in ms
  assert.throws(
    () => new Dense(a, b, { weights: 1, delay_ms: 0.15, dt_ms: 0.1 }),
    (e: unknown) =>
      e instanceof TimeStepError &&
      !/in seconds/.test(e.message) &&
      /such as 0\.1 ms or 0\.2 ms$/.test(e.message),
  );
  // a factory names itself and checks the delay before drawing the connectivity
  assert.throws(
    () => Sparse.fixedInDegree(a, b, { k: 1, weight: 1, rng: createRng(1, "c"), delay_ms: 0.15, dt_ms: 0.1 }),
    /^TimeStepError: Sparse\.fixedInDegree delay_ms of 0\.15 ms is not a whole number/,
  );
  const net = new Network({ dt_ms: 0.1 });
  const x = net.addPopulation("x", new Input(2));
  assert.throws(
    () => net.addProjection("x->x", new OneToOne(x, x, { weights: 1, dt_ms: 0.5 })),
    /^InvalidParameterError: projection "x->x" was built for dt = 0\.5 ms but the network steps at dt = 0\.1 ms/,
  );
});
