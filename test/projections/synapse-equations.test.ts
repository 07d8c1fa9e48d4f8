/**
 * SynapseEquations (Brian2's Synapses from text): "ge += w" against Sparse to the bit (with and without a
 * delay, Equations and CobaLIF targets), pair STDP written in Brian2's text against closed forms and against
 * spikeflow's Stdp, neuron reads (x_pre, x_post, i, j, t), the learning flag, runs split in two, save and
 * restore, and every error message.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError, StateError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { SpikeTrain } from "../../src/encoding/spike-train.ts";
import { SpikeMonitor } from "../../src/network/monitors.ts";
import { Network } from "../../src/network/network.ts";
import { networkParameters, restoreNetworkParameters } from "../../src/network/parameters.ts";
import { CobaLIF } from "../../src/neurons/coba-lif.ts";
import { Equations } from "../../src/neurons/equations.ts";
import { Input } from "../../src/neurons/input.ts";
import { LIF } from "../../src/neurons/lif.ts";
import { IncomingNormalization } from "../../src/plasticity/normalization.ts";
import { postPre } from "../../src/plasticity/stdp.ts";
import { Sparse } from "../../src/projections/sparse.ts";
import { SynapseEquations } from "../../src/projections/synapse-equations.ts";
import type { SynapseEquationsOptions } from "../../src/projections/synapse-equations.ts";

const DT = 0.5;

/** A leaky neuron with an exponentially decaying synaptic variable ge fed through its port. */
function target(n: number, dt_ms = DT): Equations {
  return new Equations(n, dt_ms, {
    equations: "dv/dt = (ge - v)/tau : mV\ndge/dt = -ge/taug : mV",
    threshold: "v > 1",
    reset: "v = 0",
    params: { tau: 10, taug: 5 },
  });
}

/** Random input spikes of `size` neurons over `steps` steps, each with probability p per step. */
function randomTrain(size: number, steps: number, p: number, seed: number): SpikeTrain {
  const rng = createRng(seed, "spikes");
  const events: [number, number][] = [];
  for (let s = 0; s < steps; s++)
    for (let i = 0; i < size; i++) if (rng.uniform(0, 1) < p) events.push([s, i]);
  return SpikeTrain.fromEvents(size, steps, events);
}

/** The (step, neuron) events a monitor holds, as one list. */
function events(m: SpikeMonitor): number[] {
  return [...m.steps].flatMap((s, k) => [s, m.neurons[k]]);
}

for (const delay_ms of [0, 1.5]) {
  test(`"ge += w" into an Equations port spikes as Sparse does, to the bit (delay_ms ${delay_ms})`, () => {
    const net = new Network({ dt_ms: DT });
    const pre = net.addPopulation("pre", new Input(30));
    const a = net.addPopulation("a", target(12));
    const b = net.addPopulation("b", target(12));
    const sparse = net.addProjection(
      "sparse",
      Sparse.random(pre, a, {
        p: 0.3,
        weight: { kind: "uniform", lo: 0, hi: 0.8, rng: createRng(1, "weights") },
        rng: createRng(1, "connectivity"),
        port: "ge",
        delay_ms,
        dt_ms: DT,
      }),
    );
    const syn = net.addProjection(
      "text",
      new SynapseEquations(pre, b, {
        model: "w : 1",
        on_pre: "ge += w",
        connect: { rowPtr: sparse.rowPtr, colIdx: sparse.colIdx },
        init: { w: sparse.w },
        delay_ms,
        dt_ms: DT,
      }),
    );
    const ma = net.addMonitor(new SpikeMonitor(a));
    const mb = net.addMonitor(new SpikeMonitor(b));

    net.run({ pre: randomTrain(30, 400, 0.05, 2) }, 400);

    assert.ok(ma.count > 20, `the target spikes (${ma.count} spikes)`);
    assert.deepEqual(events(mb), events(ma));
    assert.deepEqual([...b.state("v")], [...a.state("v")]);
    assert.deepEqual([...b.state("ge")], [...a.state("ge")]);
    assert.equal(syn.port, "ge");
    assert.equal(syn.view?.w, syn.variable("w"));
  });
}

test('"exc += w" into a CobaLIF spikes as Sparse does, to the bit; triplets and a predicate build the same CSR', () => {
  const net = new Network({ dt_ms: DT });
  const pre = net.addPopulation("pre", new Input(20));
  const coba = () => new CobaLIF(8, DT, { vRest_mV: -65, vThreshold_mV: -55 });
  const a = net.addPopulation("a", coba());
  const b = net.addPopulation("b", coba());
  const weight = (i: number, j: number) => 2 + ((i * 7 + j * 3) % 5);
  const keep = (i: number, j: number) => (i + 2 * j) % 3 === 0;
  const pairs: [number, number][] = [];
  for (let j = 7; j >= 0; j--) for (let i = 0; i < 20; i++) if (keep(i, j)) pairs.push([i, j]);
  const sparse = net.addProjection(
    "sparse",
    Sparse.fromTriplets(
      pre,
      a,
      { pre: pairs.map((p) => p[0]), post: pairs.map((p) => p[1]), w: pairs.map(([i, j]) => weight(i, j)) },
      { port: "exc" },
    ),
  );
  const fromTriplets = new SynapseEquations(pre, b, {
    model: "w : 1",
    on_pre: "exc += w",
    connect: { pre: pairs.map((p) => p[0]), post: pairs.map((p) => p[1]) },
    init: { w: weight },
    dt_ms: DT,
  });
  const fromPredicate = new SynapseEquations(pre, b, {
    model: "w : 1",
    on_pre: "exc_post += w",
    connect: keep,
    init: { w: weight },
    dt_ms: DT,
  });
  net.addProjection("text", fromTriplets);
  const ma = net.addMonitor(new SpikeMonitor(a));
  const mb = net.addMonitor(new SpikeMonitor(b));

  net.run({ pre: randomTrain(20, 300, 0.1, 3) }, 300);

  assert.deepEqual([...fromTriplets.rowPtr], [...sparse.rowPtr]);
  assert.deepEqual([...fromPredicate.colIdx], [...sparse.colIdx]);
  assert.deepEqual([...fromPredicate.variable("w")], [...sparse.w]);
  assert.ok(ma.count > 10, `the target spikes (${ma.count} spikes)`);
  assert.deepEqual(events(mb), events(ma));
  assert.deepEqual([...b.state("v_mV")], [...a.state("v_mV")]);
});

test("subgroups at both ends: a recurrent excitatory subgroup delivers as Sparse does, to the bit", () => {
  const build = (text: boolean) => {
    const net = new Network({ dt_ms: DT });
    const drive = net.addPopulation("drive", new Input(10));
    const P = net.addPopulation("P", target(10));
    const Pe = net.addSubgroup("Pe", P, 0, 6);
    const Pi = net.addSubgroup("Pi", P, 6, 10);
    net.addProjection(
      "in",
      new Sparse(
        drive,
        P,
        { rowPtr: [...Array(11).keys()], colIdx: [...Array(10).keys()], w: new Float32Array(10).fill(3) },
        { port: "ge" },
      ),
    );
    const weight = (i: number, j: number) => 0.2 + 0.05 * ((i + j) % 4);
    const connect = (i: number, j: number) => (i * 3 + j) % 4 !== 0;
    if (text) {
      net.addProjection(
        "ee",
        new SynapseEquations(Pe, Pi, {
          model: "w : 1",
          on_pre: "ge_post += w",
          connect,
          init: { w: weight },
          dt_ms: DT,
        }),
      );
    } else {
      const pairs: [number, number][] = [];
      for (let i = 0; i < 6; i++) for (let j = 0; j < 4; j++) if (connect(i, j)) pairs.push([i, j]);
      net.addProjection(
        "ee",
        Sparse.fromTriplets(
          Pe,
          Pi,
          {
            pre: pairs.map((p) => p[0]),
            post: pairs.map((p) => p[1]),
            w: pairs.map(([i, j]) => weight(i, j)),
          },
          { port: "ge" },
        ),
      );
    }
    const m = net.addMonitor(new SpikeMonitor(P));
    net.run({ drive: randomTrain(10, 300, 0.05, 8) }, 300);
    return events(m);
  };

  const withText = build(true);

  assert.ok(
    withText.some((x, k) => k % 2 === 1 && x >= 6),
    "the inhibitory part spikes",
  );
  assert.deepEqual(withText, build(false));
});

/** Song, Miller & Abbott (2000) pair STDP as Brian2 writes it. */
const STDP: Omit<SynapseEquationsOptions, "connect" | "dt_ms"> = {
  model: `
    w : 1
    dapre/dt = -apre/taupre : 1 (event-driven)
    dapost/dt = -apost/taupost : 1 (event-driven)`,
  on_pre: "apre += Apre\nw = clip(w + apost, 0, wmax)",
  on_post: "apost += Apost; w = clip(w + apre, 0, wmax)",
  params: { taupre: 20, taupost: 30, Apre: 0.01, Apost: -0.0105, wmax: 1 },
  init: { w: 0.5 },
  bounds: { wMin: 0, wMax: 1 },
};

/** Input -> Input with the STDP text on the one-to-one synapses (k, k); runs the given events. */
function pairNetwork(
  n: number,
  dt_ms: number,
  preEvents: [number, number][],
  postEvents: [number, number][],
) {
  const net = new Network({ dt_ms });
  const pre = net.addPopulation("pre", new Input(n));
  const post = net.addPopulation("post", new Input(n));
  const ks = Array.from({ length: n }, (_v, k) => k);
  const syn = net.addProjection(
    "stdp",
    new SynapseEquations(pre, post, { ...STDP, connect: { pre: ks, post: ks }, dt_ms }),
  );
  const steps = 100;
  const inputs = {
    pre: SpikeTrain.fromEvents(n, steps, preEvents),
    post: SpikeTrain.fromEvents(n, steps, postEvents),
  };
  return { net, syn, inputs, steps };
}

test("pair STDP in Brian2's text matches the closed forms of hand-placed pairs", () => {
  const dt = 1;
  const { Apre, Apost, taupre, taupost } = STDP.params as Record<string, number>;
  // synapse 0: pre 10, post 15; 1: post 30, pre 38; 2: pre and post at 50; 3: pre 60 and 65, post 70;
  // 4: post 20, pre 26, post 40 (depression by the first post, then potentiation by the pre trace)
  const { net, syn, inputs, steps } = pairNetwork(
    5,
    dt,
    [
      [10, 0],
      [38, 1],
      [50, 2],
      [60, 3],
      [65, 3],
      [26, 4],
    ],
    [
      [15, 0],
      [30, 1],
      [50, 2],
      [70, 3],
      [20, 4],
      [40, 4],
    ],
  );

  net.run(inputs, steps);

  const expected = [
    0.5 + Apre * Math.exp(-5 / taupre),
    0.5 + Apost * Math.exp(-8 / taupost),
    0.5 + Apre, // Brian2's order: on_pre reads apost before on_post adds the same step's Apost
    0.5 + Apre * (Math.exp(-10 / taupre) + Math.exp(-5 / taupre)),
    0.5 + Apost * Math.exp(-6 / taupost) + Apre * Math.exp(-14 / taupre),
  ];
  const w = syn.variable("w");
  expected.forEach((x, k) => assert.ok(Math.abs(w[k] - x) < 2e-7, `w[${k}] = ${w[k]}, expected ${x}`));
  // the traces as stored at each synapse's last event: apre of synapse 3 at step 70 holds both pre spikes
  const apre = syn.variable("apre");
  assert.ok(Math.abs(apre[3] - Apre * (Math.exp(-10 / taupre) + Math.exp(-5 / taupre))) < 1e-9);
});

test("the STDP text agrees with spikeflow's Stdp (additive traces) when no pair falls in one step", () => {
  const dt = 0.5;
  const { Apre, Apost, taupre, taupost } = STDP.params as Record<string, number>;
  const n = 6;
  const steps = 600;
  const rng = createRng(7, "pairs");
  // pre spikes on even steps and post spikes on odd ones: no same-step pairs (docs/plasticity.md)
  const preEvents: [number, number][] = [];
  const postEvents: [number, number][] = [];
  for (let s = 0; s < steps; s++) {
    for (let i = 0; i < n; i++) {
      if (rng.uniform(0, 1) < 0.03) (s % 2 === 0 ? preEvents : postEvents).push([s, i]);
    }
  }
  const net = new Network({ dt_ms: dt });
  const pre = net.addPopulation("pre", new Input(n));
  // post neurons that spike exactly at the train's steps (a 1 into v), and a port z that Sparse's delivery
  // fills without changing them (delivered into an Input, its weights would be spikes)
  const post = net.addPopulation(
    "post",
    new Equations(n, dt, { equations: "dv/dt = 0 : 1\ndz/dt = 0 : 1", threshold: "v > 0.5", reset: "v = 0" }),
  );
  const all = (i: number, j: number) => i >= 0 && j >= 0;
  const text = net.addProjection(
    "text",
    new SynapseEquations(pre, post, { ...STDP, connect: all, dt_ms: dt }),
  );
  const sparse = net.addProjection(
    "stdp",
    new Sparse(
      pre,
      post,
      { rowPtr: text.rowPtr, colIdx: text.colIdx, w: new Float32Array(text.nnz).fill(0.5) },
      { bounds: { wMin: 0, wMax: 1 }, port: "z" },
    ),
  );
  postPre(sparse, dt, {
    nuPre: -Apost,
    nuPost: Apre,
    preTrace: { tau_ms: taupre, mode: "additive" },
    postTrace: { tau_ms: taupost, mode: "additive" },
  });

  net.run(
    { pre: SpikeTrain.fromEvents(n, steps, preEvents), post: SpikeTrain.fromEvents(n, steps, postEvents) },
    steps,
  );

  const w = text.variable("w");
  assert.equal(post.spikeCount, postEvents.filter(([s]) => s === steps - 1).length);
  let moved = 0;
  for (let k = 0; k < w.length; k++) {
    assert.ok(Math.abs(w[k] - sparse.w[k]) < 1e-6, `synapse ${k}: text ${w[k]}, Stdp ${sparse.w[k]}`);
    if (Math.abs(w[k] - 0.5) > 1e-3) moved++;
  }
  assert.ok(moved > w.length / 2, `most weights moved (${moved} of ${w.length})`);
});

test("the statements of a run's last step run in the first delivery of the next run", () => {
  const { Apre, taupre } = STDP.params as Record<string, number>;
  const { net, syn, inputs, steps } = pairNetwork(1, 1, [[90, 0]], [[99, 0]]);

  net.run(inputs, steps);
  const before = syn.variable("w")[0];
  net.run({}, 1);

  assert.equal(before, 0.5); // the post spike of step 99 is not yet seen: Brian2 would have run on_post in step 99
  assert.ok(Math.abs(syn.variable("w")[0] - (0.5 + Apre * Math.exp(-9 / taupre))) < 2e-7);
});

test("spikeflow's entry point exports SynapseEquations", async () => {
  const index = await import("../../src/index.ts");

  assert.equal(index.SynapseEquations, SynapseEquations);
});

test("spikeflow's Stdp and IncomingNormalization work on its view as on a Sparse, to the bit", () => {
  const build = (text: boolean) => {
    const net = new Network({ dt_ms: 1 });
    const pre = net.addPopulation("pre", new Input(8));
    const post = net.addPopulation("post", target(3, 1));
    const connect = { p: 0.8, rng: createRng(9, "connectivity") };
    const proj = text
      ? new SynapseEquations(pre, post, {
          model: "w : 1",
          on_pre: "ge += w",
          connect,
          init: { w: 0.6 },
          bounds: { wMin: 0, wMax: 1 },
          dt_ms: 1,
        })
      : Sparse.random(pre, post, { ...connect, weight: 0.6, port: "ge", bounds: { wMin: 0, wMax: 1 } });
    net.addProjection("p", proj);
    postPre(proj, 1, { nuPre: 0.01, nuPost: 0.02 });
    new IncomingNormalization(proj, 3);
    net.run({ pre: randomTrain(8, 200, 0.1, 10) }, 200);
    return [...(proj.view as { w: Float32Array }).w];
  };

  const w = build(true);

  assert.ok(w.some((x) => x !== 0.6));
  assert.deepEqual(w, build(false));
});

test("statements read the pre and post neurons' state, i, j and t (after the reset of the spike step)", () => {
  const net = new Network({ dt_ms: 1 });
  const pre = net.addPopulation(
    "pre",
    new Equations(3, 1, {
      equations: "dc/dt = 1 : 1\ndk/dt = 0 : 1",
      threshold: "c > 2.5",
      reset: "c = 0",
      init: { c: [2, 1, 0], k: [10, 20, 30] },
    }),
  );
  const post = net.addPopulation(
    "post",
    new Equations(2, 1, { equations: "dz/dt = 0 : 1", init: { z: [1, 2] } }),
  );
  const syn = net.addProjection(
    "s",
    new SynapseEquations(pre, post, {
      model: "got : 1\nwho : 1\nwhen : 1\nc_seen : 1",
      on_pre: "got = k_pre + 100*z_post + 1000*z; who = 10*i + j; when = t; c_seen = c_pre",
      connect: (i, j) => i >= 0 && j >= 0,
      dt_ms: 1,
    }),
  );

  net.run({}, 2); // neuron 0 spikes at step 0 (c = 3), its synapses run in the delivery of step 1

  const k = [10, 20, 30];
  const z = [1, 2];
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 2; j++) {
      const s = i * 2 + j;
      const ran = i === 0;
      assert.equal(syn.variable("got")[s], ran ? k[i] + 1100 * z[j] : 0, `got of (${i}, ${j})`);
      assert.equal(syn.variable("who")[s], ran ? 10 * i + j : 0);
      assert.equal(syn.variable("when")[s], 0); // the spike's step, 0 ms
      // Brian2's on_pre would read c = 3 (its synapses run before resets); here the reset value
      assert.equal(syn.variable("c_seen")[s], 0);
    }
  }
});

test("with learning off the plastic w stays, traces still run, and runs may be split", () => {
  const build = () => {
    const net = new Network({ dt_ms: 1 });
    const pre = net.addPopulation("pre", new Input(2));
    const post = net.addPopulation("post", target(2, 1));
    const syn = net.addProjection(
      "s",
      new SynapseEquations(pre, post, {
        ...STDP,
        on_pre: `ge += w\n${STDP.on_pre as string}`,
        connect: { pre: [0, 1], post: [0, 1] },
        dt_ms: 1,
      }),
    );
    return { net, post, syn };
  };
  const spikes: [number, number][] = [
    [5, 0],
    [20, 1],
    [30, 0],
    [50, 1],
  ];
  const train = SpikeTrain.fromEvents(2, 60, spikes);
  // a drive counts its steps from 0 in every run: the second part of a split run gets the later spikes
  const part = (from: number, steps: number) =>
    SpikeTrain.fromEvents(
      2,
      steps,
      spikes.filter(([s]) => s >= from && s < from + steps).map(([s, i]) => [s - from, i]),
    );

  const frozen = build();
  // the post neurons fire on a constant drive into v
  const drive = new Float32Array([0.3, 0.3]);
  frozen.net.learning = false;
  frozen.net.run({ pre: train, post: drive }, 7);
  const geAfterSpike = frozen.post.state("ge")[0];
  frozen.net.run({ pre: train, post: drive }, 53);

  assert.ok(Math.abs(geAfterSpike - 0.5 * Math.exp(-1 / 5)) < 1e-6, `ge received w (${geAfterSpike})`);
  assert.deepEqual([...frozen.syn.variable("w")], [0.5, 0.5]);
  assert.deepEqual(frozen.syn.plastic, ["w"], "w is plastic by default");

  const learning = build();
  learning.net.run({ pre: train, post: drive }, 60);
  // the traces are not plastic: they still follow the spikes (stored at each synapse's last event)
  assert.ok(frozen.syn.variable("apre")[0] > 0 && frozen.syn.variable("apre")[1] > 0);
  assert.ok(frozen.syn.variable("apost")[0] < 0 && frozen.syn.variable("apost")[1] < 0);
  const split = build();
  split.net.run({ pre: part(0, 25), post: drive }, 25);
  split.net.run({ pre: part(25, 35), post: drive }, 35); // a second run continues the event times from step 25

  assert.notDeepEqual([...learning.syn.variable("w")], [0.5, 0.5]);
  assert.deepEqual([...split.syn.variable("w")], [...learning.syn.variable("w")]);
  assert.deepEqual([...split.syn.variable("apre")], [...learning.syn.variable("apre")]);
});

test("save and restore carry w and the structure; reset clears the event-driven traces only", () => {
  const build = () => {
    const net = new Network({ dt_ms: 1 });
    const pre = net.addPopulation("pre", new Input(4));
    const post = net.addPopulation("post", new Input(3));
    const syn = net.addProjection(
      "s",
      new SynapseEquations(pre, post, { ...STDP, connect: { p: 0.7, rng: createRng(4, "c") }, dt_ms: 1 }),
    );
    return { net, syn };
  };
  const a = build();
  a.net.run({ pre: randomTrain(4, 80, 0.1, 5), post: randomTrain(3, 80, 0.1, 6) }, 80);
  const snapshot = networkParameters(a.net);
  const b = build();

  assert.deepEqual(Object.keys(a.syn.parameters()), ["w"]);
  assert.deepEqual(Object.keys(a.syn.structure()), ["rowPtr", "colIdx"]);
  restoreNetworkParameters(b.net, snapshot);

  assert.deepEqual([...b.syn.variable("w")], [...a.syn.variable("w")]);
  const w = [...a.syn.variable("w")];
  assert.ok(a.syn.variable("apre").some((x) => x !== 0));
  a.net.reset();
  assert.deepEqual([...a.syn.variable("w")], w);
  assert.ok(a.syn.variable("apre").every((x) => x === 0));
  assert.ok(a.syn.variable("apost").every((x) => x === 0));
  assert.equal((a.syn.settings() as { on_post: string }).on_post, STDP.on_post);
});

/** Asserts that building with `options` throws an InvalidParameterError whose message matches every pattern. */
function refuses(options: Partial<SynapseEquationsOptions>, ...patterns: RegExp[]): void {
  const pre = new Input(2);
  const post = target(2);
  assert.throws(
    () =>
      new SynapseEquations(pre, post, {
        model: "w : 1",
        connect: { pre: [0], post: [1] },
        dt_ms: 1,
        ...options,
      } as SynapseEquationsOptions),
    (e: unknown) => {
      assert.ok(e instanceof InvalidParameterError, String(e));
      for (const p of patterns) assert.match(e.message, p);
      return true;
    },
  );
}

test("errors: unknown names with a suggestion and their line and column", () => {
  refuses(
    { model: "w : 1\nweight : 1", on_pre: "ge += w\nge += wieght" },
    /^on_pre line 2, column 7: unknown name 'wieght'/,
    /did you mean weight\?/,
  );
  refuses({ on_pre: "gee += w" }, /column 1: unknown name 'gee'/, /did you mean ge\?/);
  refuses({ on_pre: "ge += v_pree" }, /unknown name 'v_pree'/);
  refuses({ on_pre: "ge += foo(w)" }, /unknown function 'foo'/);
  refuses({ on_pre: "ge += w*A", params: { A: 1, B: 2 } }, /'B' is not used/);
  refuses(
    { model: "weight : 1", init: { wieght: 1 } },
    /'wieght' is not a per-synapse/,
    /did you mean weight\?/,
  );
});

test("errors: writing neuron state directly, and '=' to a port, say why", () => {
  refuses({ on_pre: "ge = w" }, /column 1: ge is an input port/, /may only add into it/, /Limitation/);
  refuses({ on_pre: "v_post *= 2" }, /input port/);
  const lif = new LIF(2, 1);
  assert.throws(
    () =>
      new SynapseEquations(new Input(2), lif, {
        model: "w : 1",
        on_pre: "v_mV = w",
        connect: { pre: [0], post: [1] },
        dt_ms: 1,
      }),
    /'v_mV' is a state variable of the target neurons that is not one of its ports \(dv_mV and i_nA\).*Limitation/,
  );
  assert.throws(
    () =>
      new SynapseEquations(new Input(2), lif, {
        model: "w : 1",
        on_pre: "ge = dv_mV",
        connect: { pre: [0], post: [1] },
        dt_ms: 1,
      }),
    /'dv_mV' is an input port of the target, which a statement can only add into/,
  );
  refuses({ on_pre: "v_pre = 1" }, /unknown name 'v_pre'/);
  refuses({ on_pre: "t = 1" }, /'t' is a built-in name/);
  refuses({ on_pre: "A = 1", params: { A: 2 } }, /'A' is a constant given in params/);
  refuses({ model: "w : 1 (constant)", on_pre: "w += 1" }, /flagged \(constant\)/);
});

test("errors: event-driven equations that are not decays, clock-driven ones, flags and names", () => {
  refuses(
    { model: "w : 1\ndx/dt = (1 - x)/tau : 1 (event-driven)", params: { tau: 5 } },
    /^model line 2, column 1: an event-driven equation must be a linear decay/,
    /a term without x/,
  );
  refuses({ model: "dx/dt = -x**2 : 1 (event-driven)" }, /x in a power/);
  refuses({ model: "dx/dt = -x*v_post : 1 (event-driven)" }, /depends on v_post/);
  refuses({ model: "dx/dt = -x/tau : 1", params: { tau: 5 } }, /no \(event-driven\) flag/, /Limitation/);
  refuses({ model: "dx/dt = -x/tau : 1 (clock-driven)", params: { tau: 5 } }, /clock-driven/, /Limitation/);
  refuses({ model: "w : 1 (shared)" }, /params/);
  refuses({ model: "g = 2*w : 1\nw : 1" }, /sub-expressions/, /Limitation/);
  refuses({ model: "w_post : 1" }, /reserved/);
  refuses({ model: "w : 1", params: { w: 1 } }, /'w' is a per-synapse variable and also given in params/);
  refuses({ model: "x : 1", bounds: { wMin: 0, wMax: 1 } }, /bounds apply to the variable w/);
  refuses({ dt_ms: undefined as unknown as number }, /needs dt_ms/);
});

/** Tsodyks-Markram short-term plasticity in Brian2's lazy form (each variable brought up to date at a spike). */
const STP: Omit<SynapseEquationsOptions, "connect" | "dt_ms"> = {
  model: "w : 1\nu : 1\nx : 1\nr : 1\ntlast : ms",
  on_pre: `
    u = U + (u - U)*exp(-(t - tlast)/tauf)
    x = 1 + (x - 1)*exp(-(t - tlast)/taud)
    r = u*x
    ge_post += w*r
    x -= r
    u += U*(1 - u)
    tlast = t`,
  params: { U: 0.2, tauf: 50, taud: 100 },
  init: { w: 0.5, u: 0.2, x: 1 },
};

test("short-term plasticity in text transmits the same ge with learning off (only w is plastic); plastic freezes others", () => {
  const spikes: [number, number][] = [5, 10, 15, 20, 60, 62].map((s) => [s, 0]);
  const run = (learning: boolean, plastic?: string[]) => {
    const net = new Network({ dt_ms: 1 });
    const pre = net.addPopulation("pre", new Input(1));
    const post = net.addPopulation("post", target(1, 1));
    const syn = net.addProjection(
      "s",
      new SynapseEquations(pre, post, {
        ...STP,
        connect: { pre: [0], post: [0] },
        dt_ms: 1,
        ...(plastic === undefined ? {} : { plastic }),
      }),
    );
    net.learning = learning;
    const ge: number[] = [];
    for (let s = 0; s < 70; s++) {
      net.run(
        {
          pre: SpikeTrain.fromEvents(
            1,
            1,
            spikes.filter(([t]) => t === s).map(() => [0, 0]),
          ),
        },
        1,
      );
      ge.push(post.state("ge")[0]);
    }
    return { ge, syn };
  };
  const on = run(true);
  const off = run(false);
  assert.deepEqual(off.ge, on.ge, "the same ge, step by step");
  assert.deepEqual([...off.syn.variable("u")], [...on.syn.variable("u")]);
  // the releases by hand (float64): each spike of step s runs at t = s ms
  let u = 0.2;
  let x = 1;
  let last = 0;
  let r = 0;
  for (const [s] of spikes) {
    u = 0.2 + (u - 0.2) * Math.exp(-(s - last) / 50);
    x = 1 + (x - 1) * Math.exp(-(s - last) / 100);
    r = u * x;
    x -= r;
    u += 0.2 * (1 - u);
    last = s;
  }
  assert.ok(Math.abs(off.syn.variable("r")[0] - r) < 1e-6, `${off.syn.variable("r")[0]} vs ${r}`);
  assert.ok(Math.max(...off.ge) > 0.05, "frozen, the synapse transmits");
  assert.deepEqual([...off.syn.variable("w")], [0.5]);

  // u declared plastic stays at its start value while frozen: every release is then U x
  const fixedU = run(false, ["w", "u"]);
  assert.deepEqual([...fixedU.syn.variable("u")], [0.2].map(Math.fround));
  assert.notDeepEqual(fixedU.ge, on.ge);
  assert.throws(
    () => run(false, ["uu"]),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      /plastic: 'uu' is not a per-synapse variable; the variables are w, u, x, r, tlast/.test(e.message),
  );
});

test("delay_ms, delaySteps and dt_ms read back as on a Sparse; the delay is fixed at construction", () => {
  const pre = new Input(2);
  const post = target(2);
  const opts = { model: "w : 1", on_pre: "ge += w", connect: { pre: [0], post: [1] }, dt_ms: DT };
  const delayed = new SynapseEquations(pre, post, { ...opts, delay_ms: 1.5 });
  const sparse = Sparse.fromTriplets(pre, post, { pre: [0], post: [1], w: 0 }, { delay_ms: 1.5, dt_ms: DT });
  assert.deepEqual(
    [delayed.delay_ms, delayed.delaySteps, delayed.dt_ms],
    [sparse.delay_ms, sparse.delaySteps, sparse.dt_ms],
  );
  assert.deepEqual([delayed.delay_ms, delayed.delaySteps, delayed.dt_ms], [1.5, 3, DT]);
  const none = new SynapseEquations(pre, post, opts);
  assert.deepEqual([none.delay_ms, none.delaySteps], [0, 0]);
  for (const key of ["delay_ms", "delaySteps"] as const) {
    assert.throws(
      () => ((delayed as unknown as Record<string, number>)[key] = 2),
      (e: unknown) => e instanceof StateError && new RegExp(`projection's ${key} is fixed`).test(e.message),
    );
    assert.throws(
      () => ((sparse as unknown as Record<string, number>)[key] = 2),
      (e: unknown) => e instanceof StateError,
    );
  }
  assert.equal(delayed.delay_ms, 1.5);
});

test("params may not shadow built-ins, noise, units, functions or neuron variables", () => {
  const pre = new Input(2);
  const post = target(2);
  const cases: [string, RegExp][] = [
    ["t", /'t' is a built-in name \(t, dt, i, j\)/],
    ["dt", /'dt' is a built-in name/],
    ["i", /'i' is a built-in name/],
    ["j", /'j' is a built-in name/],
    ["xi", /'xi' is Brian2's white-noise name/],
    ["ms", /'ms' is a unit name/],
    ["mV", /'mV' is a unit name/],
    ["exp", /'exp' is a function/],
    ["v_post", /'v_post' is reserved: the suffixes _pre and _post name neuron variables/],
    ["v", /'v' is a variable of the target neurons \(a bare name reads it, as v_post\)/],
  ];
  for (const [name, why] of cases) {
    assert.throws(
      () =>
        new SynapseEquations(pre, post, {
          model: "w : 1",
          on_pre: `w += ${name === "exp" ? "1" : name}; ge += w`,
          connect: { pre: [0], post: [1] },
          dt_ms: DT,
          params: { [name]: 7 },
        }),
      (e: unknown) =>
        e instanceof InvalidParameterError &&
        new RegExp(`^SynapseEquations params: ${why.source}.*; choose another name$`).test(e.message),
      name,
    );
  }
});

test("undeclared names assigned with '=' in on_pre / on_post are temporaries of one synapse's event", () => {
  const net = new Network({ dt_ms: 1 });
  const pre = net.addPopulation("pre", new Input(2));
  const post = net.addPopulation("post", target(2, 1));
  const syn = net.addProjection(
    "s",
    new SynapseEquations(pre, post, {
      model: "w : 1\nc : 1",
      on_pre: "u = U + uq\nge_post += w*u\nu = 2*u; c += u",
      on_post: "u = 1; c += u",
      connect: { pre: [0, 1], post: [0, 1] },
      dt_ms: 1,
      params: { U: 0.1, uq: 0.2 },
      init: { w: [0.5, 1] },
    }),
  );
  assert.match(syn.code, /let tmp0 = 0;/);
  net.run({ pre: SpikeTrain.fromEvents(2, 2, [[0, 0]]) }, 2);
  // the spike of step 0 is delivered in step 1: ge(1) = w u, decayed by one step of taug = 5 ms
  const ge = post.state("ge");
  assert.ok(Math.abs(ge[0] - 0.5 * 0.3 * Math.exp(-1 / 5)) < 1e-6, `${ge[0]}`);
  assert.equal(ge[1], 0);
  assert.deepEqual([...syn.variable("c")], [Math.fround(0.6), 0], "a temporary starts over at each event");

  refuses(
    { on_pre: "ge += u\nu = 1" },
    /^on_pre line 1, column 7: 'u' is read before it is assigned: it is a temporary of this pathway/,
  );
  refuses({ on_pre: "u = u + 1; ge += u" }, /column 5: 'u' is read before it is assigned/);
  refuses(
    { on_pre: "u = 1; ge += w", on_post: "w += u" },
    /^on_pre line 1, column 1: 'u' is assigned but never read/,
  );
  refuses({ on_pre: "u = 1; ge += u*w", on_post: "w += u" }, /^on_post line 1, column 6: unknown name 'u'/);
  refuses({ on_pre: "gee = w" }, /'gee' is assigned but never read/, /did you mean ge\?/);
  refuses({ on_pre: "u += 1; ge += w" }, /column 1: unknown name 'u'/);
  refuses({ on_pre: "t = 1; ge += t" }, /'t' is a built-in name/);
  refuses({ on_pre: "ms = 1; ge += w" }, /column 1: 'ms' is a unit name/);
  refuses({ on_pre: "exp = 1; ge += w" }, /column 1: 'exp' is a function/);
  refuses({ on_pre: "A = 1; ge += w*A", params: { A: 2 } }, /'A' is a constant given in params/);
});

test("messages: a diverging event-driven decay names the decay; (summed); a zero term; hyphenated flags quoted as written", () => {
  const diverge = (options: Partial<SynapseEquationsOptions>, ...patterns: RegExp[]) => {
    const net = new Network({ dt_ms: 1 });
    const pre = net.addPopulation("pre", new Input(1));
    const post = net.addPopulation("post", target(1, 1));
    net.addProjection(
      "s",
      new SynapseEquations(pre, post, {
        model: "w : 1",
        on_pre: "x += 1; ge += w",
        connect: { pre: [0], post: [0] },
        dt_ms: 1,
        ...options,
      } as SynapseEquationsOptions),
    );
    assert.throws(
      () =>
        net.run(
          {
            pre: SpikeTrain.fromEvents(1, 60, [
              [0, 0],
              [50, 0],
            ]),
          },
          60,
        ),
      (e: unknown) => {
        assert.ok(e instanceof Error, String(e));
        assert.match(
          e.message,
          /synapse 0: the event-driven decay of x \(dx\/dt = A x, applied as x \* exp\(A \*/,
        );
        for (const p of patterns) assert.match(e.message, p);
        assert.doesNotMatch(e.message, /check the statements/);
        return true;
      },
    );
  };
  // growth: dx/dt = x/tau overflows over the 50 ms between the two events
  diverge(
    { model: "w : 1\ndx/dt = x/tau : 1 (event-driven)", params: { tau: 0.01 }, init: { x: 1 } },
    /exp\(A \* 50 ms\)/,
    /rate A = 100 \/ms is positive, so x grows as exp\(A t\) instead of decaying \(dx\/dt = x\/tau for -x\/tau\?\)/,
  );
  // a per-synapse tau of 0 at the first event (0 ms since step 0): exp(-inf * 0) = NaN
  diverge(
    { model: "w : 1\ntau : ms\ndx/dt = -x/tau : 1 (event-driven)", init: { x: 1, tau: 0 } },
    /gave NaN/,
    /its rate A is -Infinity, and exp\(A \* 0 ms\) for an event at the time of the last one is NaN: a time constant of 0/,
  );

  refuses(
    { model: "w : 1\nI_post = w : 1 (summed)" },
    /^model line 2, column 1: \(summed\) variables are not supported \(Limitation\)/,
  );
  for (const zero of ["+ 0", "- 0*tau", "+ 0*(1 + tau)"]) {
    const s = new SynapseEquations(new Input(1), target(1), {
      model: `w : 1\ndx/dt = -x/tau ${zero} : 1 (event-driven)`,
      on_pre: "x += 1; ge += w",
      params: { tau: 5 },
      connect: { pre: [0], post: [0] },
      dt_ms: 1,
    });
    assert.equal(s.variables[1].eventDriven, true);
  }
  refuses(
    { model: "w : 1\ndx/dt = -x/tau + 1 : 1 (event-driven)", on_pre: "x += 1; ge += w", params: { tau: 5 } },
    /a term without x \(a drive or a rest value; only a term that is exactly 0, such as "\+ 0", is accepted\)/,
  );
  // the flag is read as one word: a parse error elsewhere on the line quotes the line as written
  refuses(
    { model: "w : 1\ndx/dt = -x/tau + * 2 : 1 (event-driven)" },
    /^model line 2, column 18: expected a number, a name or "\("/,
    /\(in "dx\/dt = -x\/tau \+ \* 2 : 1 \(event-driven\)"\)/,
  );
  refuses(
    { model: "w : 1\ndx/dt = -x/tau : 1 (event-driven, no-such)" },
    /the flag \(no-such\) on x is not supported/,
  );
});
