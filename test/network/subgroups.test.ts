import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../../src/network/network.ts";
import { Subgroup } from "../../src/network/subgroup.ts";
import { SpikeMonitor, StateMonitor } from "../../src/network/monitors.ts";
import { networkParameters, restoreNetworkParameters } from "../../src/network/parameters.ts";
import { LIF } from "../../src/neurons/lif.ts";
import { Input } from "../../src/neurons/input.ts";
import { AdaptiveLIF } from "../../src/neurons/adaptive-lif.ts";
import { CubaLIF, CUBA_BENCHMARK_PARAMS, CUBA_BENCHMARK_WEIGHTS } from "../../src/neurons/cuba-lif.ts";
import { CobaLIF } from "../../src/neurons/coba-lif.ts";
import { DoubleExpLIF } from "../../src/neurons/double-exp-lif.ts";
import { Izhikevich } from "../../src/neurons/izhikevich.ts";
import { IF } from "../../src/neurons/if.ts";
import { SynapticLIF } from "../../src/neurons/synaptic-lif.ts";
import { LI } from "../../src/neurons/li.ts";
import { Integrator } from "../../src/neurons/integrator.ts";
import { Threshold } from "../../src/neurons/threshold.ts";
import { Dense } from "../../src/projections/dense.ts";
import { Sparse } from "../../src/projections/sparse.ts";
import { OneToOne } from "../../src/projections/one-to-one.ts";
import { RateCoupling } from "../../src/projections/rate-coupling.ts";
import { Affine } from "../../src/projections/affine.ts";
import { Bias } from "../../src/projections/bias.ts";
import { Conv2d } from "../../src/projections/conv-2d.ts";
import { LateralInhibition } from "../../src/projections/lateral-inhibition.ts";
import { Local2d } from "../../src/projections/local-2d.ts";
import { SumPool2d } from "../../src/projections/sum-pool-2d.ts";
import { HeldCurrentDrive } from "../../src/network/current-drive.ts";
import { NoiseCurrentDrive } from "../../src/network/noise-drive.ts";
import { PoissonInputDrive } from "../../src/network/poisson-input.ts";
import { RandomNeuronDrive } from "../../src/network/random-neuron-drive.ts";
import { postPre } from "../../src/plasticity/stdp.ts";
import { createRng } from "../../src/core/rng.ts";
import { NotFoundError, StateError, UnsupportedError } from "../../src/core/errors.ts";
import { SpikeTrain } from "../../src/encoding/spike-train.ts";
import { poisson } from "../../src/encoding/poisson.ts";
import { networkToNir } from "../../src/io/nir/export.ts";
import { decodeModel, encodeModel } from "../../src/io/model-codec.ts";
import type { Drive, Population } from "../../src/network/types.ts";
import { refusal } from "../helpers/fixtures.ts";

// ---------------------------------------------------------------------------------------------------------
// The oracle: a network of one population P with projections between its subgroups must give exactly the
// spikes and weights of the same network built with full-size projections P -> P whose synapses outside the
// subgroups' ranges are absent (Sparse from triplets with the indices offset by the subgroups' starts).

const DT = 0.1;
const N = 400;
const NE = 320; // Brian2's CUBA: Pe = P[:3200], Pi = P[3200:], here at a tenth of the size

interface Block {
  readonly pre: Int32Array;
  readonly post: Int32Array;
  readonly w: Float32Array;
}

/** Random synapses of a block pre x post (each pair with probability p), weights w0 * U(0.5, 1.5). */
function block(seed: number, nPre: number, nPost: number, p: number, w0: number): Block {
  const rng = createRng(seed, "block");
  const pre: number[] = [];
  const post: number[] = [];
  const w: number[] = [];
  for (let i = 0; i < nPre; i++) {
    for (let j = 0; j < nPost; j++) {
      if (rng.uniform(0, 1) < p) {
        pre.push(i);
        post.push(j);
        w.push(w0 * rng.uniform(0.5, 1.5));
      }
    }
  }
  return { pre: Int32Array.from(pre), post: Int32Array.from(post), w: Float32Array.from(w) };
}

const shifted = (a: Int32Array, by: number): Int32Array => a.map((x) => x + by);

interface CubaRun {
  readonly steps: number[];
  readonly neurons: number[];
  readonly weights: Float32Array[];
}

/**
 * The CUBA shape: P = CubaLIF(N), excitatory P[:NE] -> P and inhibitory P[NE:] -> P (Sparse random), a Dense
 * P[NE:] -> P[:NE] and a plastic Sparse P[:NE] -> P[NE:] with STDP; optionally a conduction delay on the
 * excitatory projection and per-synapse delays on the inhibitory one. `sub` builds it with subgroups, else with
 * full-size projections whose synapses are offset.
 */
function cuba(sub: boolean, delays: boolean, steps = 600): CubaRun {
  const net = new Network({ dt_ms: DT });
  const vRng = createRng(7, "v");
  const vInit = Float32Array.from({ length: N }, () => vRng.uniform(-60, -50));
  const P = net.addPopulation("P", new CubaLIF(N, DT, { ...CUBA_BENCHMARK_PARAMS, vInit_mV: vInit }));
  const Pe = sub ? net.addSubgroup("Pe", P, 0, NE) : P;
  const Pi = sub ? net.addSubgroup("Pi", P, NE, N) : P;
  const [oe, oi] = sub ? [0, 0] : [0, NE];
  const { exc_nA: we, inh_nA: wi } = CUBA_BENCHMARK_WEIGHTS;
  const ee = block(1, NE, N, 0.05, we);
  const ie = block(2, N - NE, N, 0.05, wi);
  const ei = block(3, NE, N - NE, 0.1, we);
  const perSynapse = (pre: number, post: number): number => DT * ((pre * 7 + post * 3) % 5);
  const projs: (Sparse | Dense)[] = [
    net.addProjection(
      "Ce",
      Sparse.fromTriplets(
        Pe,
        P,
        { pre: shifted(ee.pre, oe), post: ee.post, w: ee.w },
        { port: "exc", bounds: { wMin: 0, wMax: 3 }, ...(delays ? { delay_ms: 0.3, dt_ms: DT } : {}) },
      ),
    ),
    net.addProjection(
      "Ci",
      Sparse.fromTriplets(
        Pi,
        P,
        { pre: shifted(ie.pre, oi), post: ie.post, w: ie.w },
        {
          port: "inh",
          bounds: { wMin: -15, wMax: 0 },
          // the delay of a synapse is a function of its local indices in both builds
          ...(delays
            ? { delay_ms: (pre: number, post: number) => perSynapse(pre - oi, post), dt_ms: DT }
            : {}),
        },
      ),
    ),
  ];
  // with delays, STDP on both: one delay line, and one trace per (delay, pre) group
  if (delays) for (const p of projs) postPre(p, DT, { nuPre: 0.02, nuPost: 0.05 });
  // a Dense block Pi -> Pe: in the full-size build every pair of the block is a synapse
  const dRng = createRng(4, "dense");
  const dw = Float32Array.from({ length: (N - NE) * NE }, () => dRng.uniform(0, 0.2));
  if (sub) {
    projs.push(net.addProjection("D", new Dense(Pi, Pe, { weights: dw, port: "exc" })));
  } else {
    const pre: number[] = [];
    const post: number[] = [];
    for (let i = 0; i < N - NE; i++) {
      for (let j = 0; j < NE; j++) {
        pre.push(i + NE);
        post.push(j);
      }
    }
    projs.push(net.addProjection("D", Sparse.fromTriplets(P, P, { pre, post, w: dw }, { port: "exc" })));
  }
  const plastic = net.addProjection(
    "S",
    Sparse.fromTriplets(
      Pe,
      Pi,
      { pre: shifted(ei.pre, oe), post: shifted(ei.post, oi), w: ei.w },
      { port: "exc", bounds: { wMin: 0, wMax: 3 } },
    ),
  );
  postPre(plastic, DT, { nuPre: 0.05, nuPost: 0.1 });
  projs.push(plastic);
  const mon = net.addMonitor(new SpikeMonitor(P));
  // a constant drive per neuron; the subgroup build gives it through the subgroups' names
  const cRng = createRng(5, "drive");
  const drive = Float32Array.from({ length: N }, () => cRng.uniform(0, 0.06));
  net.run(sub ? { Pe: drive.slice(0, NE), Pi: drive.slice(NE) } : { P: drive }, steps);
  return { steps: [...mon.steps], neurons: [...mon.neurons], weights: projs.map((p) => p.w.slice()) };
}

for (const delays of [false, true]) {
  test(`CUBA with subgroups gives the spikes and weights of full-size offset projections, bit for bit (${delays ? "with delays and per-synapse delays" : "no delays"})`, () => {
    const withSubs = cuba(true, delays);
    const flat = cuba(false, delays);

    // enough activity that the comparison means something, in both groups
    assert.ok(withSubs.neurons.length > 250, `${withSubs.neurons.length} spikes`);
    assert.ok(withSubs.neurons.some((i) => i >= NE));
    assert.ok(withSubs.steps.filter((s) => s >= 300).length > 100, "spikes after the first 30 ms");
    assert.deepEqual(withSubs.steps, flat.steps);
    assert.deepEqual(withSubs.neurons, flat.neurons);
    withSubs.weights.forEach((w, k) => assert.deepEqual(w, flat.weights[k], `projection ${k}`));
    // STDP has changed the plastic weights (else their equality proves little)
    const ei = block(3, NE, N - NE, 0.1, CUBA_BENCHMARK_WEIGHTS.exc_nA);
    assert.notDeepEqual(withSubs.weights[3], ei.w);
    if (delays) {
      assert.notDeepEqual(withSubs.weights[0], block(1, NE, N, 0.05, CUBA_BENCHMARK_WEIGHTS.exc_nA).w);
      assert.notDeepEqual(withSubs.weights[1], block(2, N - NE, N, 0.05, CUBA_BENCHMARK_WEIGHTS.inh_nA).w);
    }
  });
}

test("a subgroup's delivery differs from the parent's: the oracle can tell a subgroup built one neuron off", () => {
  // P[0:NE] against P[1:NE+1] as the excitatory source: the spikes must differ
  const run = (start: number): number[] => {
    const net = new Network({ dt_ms: DT });
    const vRng = createRng(7, "v");
    const vInit = Float32Array.from({ length: N }, () => vRng.uniform(-60, -50));
    const P = net.addPopulation("P", new CubaLIF(N, DT, { ...CUBA_BENCHMARK_PARAMS, vInit_mV: vInit }));
    const Pe = net.addSubgroup("Pe", P, start, start + NE);
    const ee = block(1, NE, N, 0.05, CUBA_BENCHMARK_WEIGHTS.exc_nA);
    net.addProjection("Ce", Sparse.fromTriplets(Pe, P, ee, { port: "exc" }));
    const mon = net.addMonitor(new SpikeMonitor(P));
    net.run({ P: new Float32Array(N).fill(0.02) }, 400);
    return [...mon.neurons];
  };
  assert.notDeepEqual(run(0), run(1));
});

// ---------------------------------------------------------------------------------------------------------
// Second oracle: subgroups of one population against one population per group (the way round them), with
// Input subgroups fed by spike trains, Dense projections and STDP on a Dense between subgroups.

function perGroup(sub: boolean): { spikes: number[][]; weights: Float32Array[] } {
  const net = new Network({ dt_ms: 1 });
  let Xa: Population, Xb: Population, Pa: Population, Pb: Population;
  if (sub) {
    const X = net.addPopulation("X", new Input(20));
    const P = net.addPopulation("P", new LIF(30, 1, { tRef_ms: 2 }));
    Xa = net.addSubgroup("Xa", X, 0, 10);
    Xb = net.addSubgroup("Xb", X, 10, 20);
    Pa = net.addSubgroup("Pa", P, 0, 12);
    Pb = net.addSubgroup("Pb", P, 12, 30);
  } else {
    Xa = net.addPopulation("Xa", new Input(10));
    Xb = net.addPopulation("Xb", new Input(10));
    Pa = net.addPopulation("Pa", new LIF(12, 1, { tRef_ms: 2 }));
    Pb = net.addPopulation("Pb", new LIF(18, 1, { tRef_ms: 2 }));
  }
  const init = (k: string) => ({ kind: "uniform" as const, lo: 0, hi: 6, rng: createRng(2, k) });
  const bounds = { wMin: 0, wMax: 8 };
  const aa = net.addProjection("Xa->Pa", new Dense(Xa, Pa, { init: init("aa"), bounds }));
  const bb = net.addProjection("Xb->Pb", new Dense(Xb, Pb, { init: init("bb") }));
  const ab = net.addProjection("Pa->Pb", new Dense(Pa, Pb, { init: init("ab"), bounds }));
  const one = net.addProjection("Pa->Pa", new OneToOne(Pa, Pa, { weights: 1 }));
  postPre(aa, 1, { nuPre: 0.05, nuPost: 0.2 });
  postPre(ab, 1, { nuPre: 0.05, nuPost: 0.2 });
  const mons = [Pa, Pb, Xa].map((p) => net.addMonitor(new SpikeMonitor(p)));
  const rates = new Float32Array(10).fill(80);
  for (let example = 0; example < 3; example++) {
    net.reset();
    net.run(
      {
        Xa: poisson(rates, { steps: 100, dt_ms: 1, rng: createRng(3, "a", example) }),
        Xb: poisson(rates, { steps: 100, dt_ms: 1, rng: createRng(3, "b", example) }),
      },
      100,
    );
  }
  return {
    spikes: mons.flatMap((m) => [[...m.steps], [...m.neurons]]),
    weights: [aa, bb, ab, one].map((p) => p.w.slice()),
  };
}

test("subgroups of Input and LIF populations match one population per group: spikes (local indices) and STDP weights", () => {
  const a = perGroup(true);
  const b = perGroup(false);

  assert.ok(a.spikes[3].length > 20, `${a.spikes[3].length} spikes of Pb`);
  assert.deepEqual(a.spikes, b.spikes);
  a.weights.forEach((w, k) => assert.deepEqual(w, b.weights[k], `projection ${k}`));
  assert.ok(a.weights[2].some((x, k) => x !== createRngWeights("ab", a.weights[2].length)[k]));
});

/** The initial weights `init(key)` of perGroup draws. */
function createRngWeights(key: string, n: number): Float32Array {
  const rng = createRng(2, key);
  return Float32Array.from({ length: n }, () => rng.uniform(0, 6));
}

// ---------------------------------------------------------------------------------------------------------
// The view: local indices, shared buffers, monitors, drives, reset

test("a SpikeMonitor and a StateMonitor on a subgroup record local indices and the parent's values", () => {
  const net = new Network({ dt_ms: 1 });
  const P = net.addPopulation("P", new LIF(10, 1, { tRef_ms: 0 }));
  const S = net.addSubgroup("S", P, 3, 8);
  const all = net.addMonitor(new SpikeMonitor(P));
  const part = net.addMonitor(new SpikeMonitor(S));
  const v = net.addMonitor(new StateMonitor(S, "v_mV"));
  const vAll = net.addMonitor(new StateMonitor(P, "v_mV"));

  net.run({ P: Float32Array.from({ length: 10 }, (_, i) => 1 + i * 0.7) }, 40);

  const expected: [number, number][] = [];
  for (let k = 0; k < all.count; k++) {
    if (all.neurons[k] >= 3 && all.neurons[k] < 8) expected.push([all.steps[k], all.neurons[k] - 3]);
  }
  assert.ok(expected.length > 10);
  assert.deepEqual(
    [...part.neurons].map((n, k) => [part.steps[k], n]),
    expected,
  );
  const sv = v.values();
  const pv = vAll.values();
  for (let s = 0; s < 40; s++) {
    for (let i = 0; i < 5; i++) assert.equal(sv.data[s * 5 + i], pv.data[s * 10 + 3 + i]);
  }
});

test("a subgroup of a subgroup is a view of the root with the offsets added", () => {
  const net = new Network({ dt_ms: 1 });
  const P = net.addPopulation("P", new LIF(20, 1));
  const A = net.addSubgroup("A", P, 5, 15);
  const B = net.addSubgroup("B", A, 2, 6);

  assert.equal(B.parent, P);
  assert.equal(B.parentName, "P");
  assert.deepEqual([B.start, B.stop, B.size], [7, 11, 4]);
  assert.deepEqual(B.settings(), { parent: "P", start: 7, stop: 11 });
  B.state("v_mV")[0] = 12;
  assert.equal(P.v_mV[7], 12);
  assert.equal(A.state("v_mV")[2], 12);
});

test("ports, states and the spike mask share the parent's memory, for every model, kernels included", () => {
  const models: [string, Population][] = [
    ["LIF", new LIF(12, 0.1)],
    ["AdaptiveLIF", new AdaptiveLIF(12, 0.1)],
    ["CubaLIF (two-port kernel)", new CubaLIF(12, 0.1, CUBA_BENCHMARK_PARAMS)],
    ["CobaLIF (two-port kernel)", new CobaLIF(12, 0.1)],
    ["DoubleExpLIF (kernel)", new DoubleExpLIF(12, 0.1)],
    ["Izhikevich", new Izhikevich(12, 0.1)],
    ["IF", new IF(12, 0.1)],
    ["SynapticLIF", new SynapticLIF(12, 0.1)],
    ["LI", new LI(12, 0.1)],
    ["Integrator", new Integrator(12, 0.1)],
    ["Threshold", new Threshold(12, 0.1)],
    ["Input", new Input(12)],
  ];
  for (const [label, pop] of models) {
    const net = new Network({ dt_ms: 0.1 });
    net.addPopulation("P", pop);
    const S = net.addSubgroup("S", pop, 4, 9);
    const before = pop.portNames.map((n) => pop.port(n));
    const statesBefore = pop.stateNames.map((n) => pop.state(n));
    net.run({ S: new Float32Array(5).fill(1) }, 30);

    for (const [k, name] of pop.portNames.entries()) {
      // the parent hands out the same buffer after running (a kernel memory that never grows)
      assert.equal(pop.port(name), before[k], `${label} port ${name} moved`);
      const view = S.port(name);
      assert.equal(view.buffer, pop.port(name).buffer, `${label} port ${name}`);
      view[1] = 0.5;
      assert.equal(pop.port(name)[5], 0.5, `${label} port ${name}`);
      view[1] = 0;
    }
    for (const [k, name] of pop.stateNames.entries()) {
      assert.equal(pop.state(name), statesBefore[k], `${label} state ${name} moved`);
      assert.deepEqual(S.state(name), pop.state(name).slice(4, 9), `${label} state ${name}`);
    }
    assert.deepEqual(S.spiked, pop.spiked.slice(4, 9), label);
    assert.deepEqual(S.portNames, pop.portNames);
    assert.equal(S.model, pop.model);
  }
});

test("an Input subgroup is a SpikeSink: emit(i) makes neuron start + i spike, and a bad index names the subgroup", () => {
  const net = new Network({ dt_ms: 1 });
  const X = net.addPopulation("X", new Input(20));
  const Xb = net.addSubgroup("Xb", X, 10, 20);
  const mon = net.addMonitor(new SpikeMonitor(X));
  const monB = net.addMonitor(new SpikeMonitor(Xb));

  net.run(
    {
      Xb: SpikeTrain.fromEvents(
        10,
        3,
        [
          [0, 3],
          [2, 9],
          [2, 0],
        ],
        1,
      ),
    },
    3,
  );

  assert.deepEqual([...mon.steps], [0, 2, 2]);
  assert.deepEqual([...mon.neurons], [13, 10, 19]);
  assert.deepEqual([...monB.neurons], [3, 0, 9]);
  for (const bad of [10, -1, 1.5]) {
    assert.match(
      refusal(() => Xb.emit(bad)),
      /^subgroup "Xb"\.emit: neuron index .* is not an integer in \[0, 10\) \(the subgroup's local indices: neurons 10\.\.19 of "X"\)/,
    );
  }
  // the port path: a write into the subgroup's "spikes" port (Input scans its port once someone obtained it)
  net.reset();
  Xb.port()[4] = 1;
  net.run({}, 1);
  assert.deepEqual([...mon.neurons], [14]);
  // a LIF's subgroup is no SpikeSink: a spike train drives its default port instead
  const P = net.addPopulation("P", new LIF(4, 1));
  assert.equal(typeof (net.addSubgroup("Pa", P, 0, 2) as Partial<{ emit: unknown }>).emit, "undefined");
});

test("run({ sub: ... }) checks a drive's size against the subgroup and names it", () => {
  const net = new Network({ dt_ms: 1 });
  const X = net.addPopulation("X", new Input(20));
  net.addSubgroup("Xb", X, 10, 20);
  const msg = (() => {
    try {
      net.run({ Xb: SpikeTrain.fromEvents(20, 3, [], 1) }, 3);
    } catch (e) {
      return (e as Error).message;
    }
    return "";
  })();
  assert.match(
    msg,
    /built for 20 neurons but the population has 10 neurons; build it with size 10, the size of "Xb"/,
  );
});

test("reset clears a subgroup's spikes; a subgroup added after a run starts with the parent's last spikes", () => {
  const net = new Network({ dt_ms: 1 });
  const X = net.addPopulation("X", new Input(6));
  const A = net.addSubgroup("A", X, 2, 5);
  net.run(
    {
      X: SpikeTrain.fromEvents(
        6,
        1,
        [
          [0, 1],
          [0, 3],
          [0, 4],
          [0, 5],
        ],
        1,
      ),
    },
    1,
  );
  assert.deepEqual([...A.spikeIdx.subarray(0, A.spikeCount)], [1, 2]);

  const B = net.addSubgroup("B", X, 3, 6);
  assert.deepEqual([...B.spikeIdx.subarray(0, B.spikeCount)], [0, 1, 2]);

  net.reset();
  assert.equal(A.spikeCount, 0);
  assert.equal(B.spikeCount, 0);
});

test("overlapping subgroups each see their own range of the same spikes", () => {
  const net = new Network({ dt_ms: 1 });
  const X = net.addPopulation("X", new Input(10));
  const A = net.addSubgroup("A", X, 0, 6);
  const B = net.addSubgroup("B", X, 4, 10);
  const W = net.addSubgroup("W", X, 0, 10);
  net.run(
    {
      X: SpikeTrain.fromEvents(
        10,
        1,
        [
          [0, 0],
          [0, 4],
          [0, 5],
          [0, 9],
        ],
        1,
      ),
    },
    1,
  );

  const list = (s: Subgroup): number[] => [...s.spikeIdx.subarray(0, s.spikeCount)];
  assert.deepEqual(list(A), [0, 4, 5]);
  assert.deepEqual(list(B), [0, 1, 5]);
  assert.deepEqual(list(W), [0, 4, 5, 9]);
});

test("RateCoupling from a DoubleExpLIF subgroup reads the parent's r_Hz over the range: the same currents as zero-padded weights", () => {
  const run = (sub: boolean): Float32Array => {
    const net = new Network({ dt_ms: 0.1 });
    const P = net.addPopulation("P", new DoubleExpLIF(16, 0.1, { seed: 3 }));
    const T = net.addPopulation("T", new LIF(3, 0.1));
    const rng = createRng(9, "w");
    const w = Float64Array.from({ length: 3 * 6 }, () => rng.uniform(-1, 1));
    if (sub) {
      net.addProjection("R", new RateCoupling(net.addSubgroup("S", P, 5, 11), T, { weights: w }));
    } else {
      const padded = new Float64Array(3 * 16);
      for (let j = 0; j < 3; j++) for (let i = 0; i < 6; i++) padded[j * 16 + 5 + i] = w[j * 6 + i];
      net.addProjection("R", new RateCoupling(P, T, { weights: padded }));
    }
    const v = net.addMonitor(new StateMonitor(T, "v_mV"));
    net.run({}, 200);
    return v.values().data;
  };
  const a = run(true);
  assert.ok(
    a.some((x, k) => k > 3 && x !== a[k - 3]),
    "the coupling moves the target",
  );
  assert.deepEqual(a, run(false));
});

// ---------------------------------------------------------------------------------------------------------
// Saving and restoring

function savedNet(start: number): { net: Network; plastic: Dense } {
  const net = new Network({ dt_ms: 1 });
  const P = net.addPopulation("P", new LIF(10, 1));
  const A = net.addSubgroup("A", P, 0, start);
  const B = net.addSubgroup("B", P, start, 10);
  const plastic = net.addProjection(
    "A->B",
    new Dense(A, B, {
      init: { kind: "uniform", lo: 0, hi: 1, rng: createRng(1, "w") },
      bounds: { wMin: 0, wMax: 1 },
    }),
  );
  return { net, plastic };
}

test("a saved network names its subgroups and projection ends, and restores into one with the same subgroups", () => {
  const { net, plastic } = savedNet(4);
  plastic.w[3] = 0.125;
  const saved = networkParameters(net);

  assert.deepEqual(saved.config.subgroups, [
    { name: "A", parent: "P", start: 0, stop: 4 },
    { name: "B", parent: "P", start: 4, stop: 10 },
  ]);
  const proj = (saved.config.projections as { source: string; target: string }[])[0];
  assert.deepEqual([proj.source, proj.target], ["A", "B"]);

  // through the bytes of a model directory (model.json and the weights file) as saveNetwork writes them
  const encoded = encodeModel(saved);
  const fromFiles = decodeModel(encoded.manifest, encoded.files as Record<string, Uint8Array>, "memory");
  const other = savedNet(4);
  assert.notEqual(other.plastic.w[3], 0.125);
  restoreNetworkParameters(other.net, fromFiles);
  assert.deepEqual(other.plastic.w, plastic.w);
});

test("restoring into a network with other subgroups is refused, naming the first difference", () => {
  const saved = networkParameters(savedNet(4).net);

  const msg = refusal(() => restoreNetworkParameters(savedNet(5).net, saved));

  assert.equal(
    msg,
    'the saved network has subgroups "A" = P[0:4], "B" = P[4:10], this one "A" = P[0:5], "B" = P[5:10] (the ' +
      'first difference is subgroup 0, counting from 0 in the order of addSubgroup: "A" = P[0:4] saved, ' +
      '"A" = P[0:5] here); add the same subgroups with addSubgroup, in the same order, before restoring',
  );
  const plain = new Network({ dt_ms: 1 });
  plain.addPopulation("P", new LIF(10, 1));
  assert.match(
    refusal(() => restoreNetworkParameters(plain, saved)),
    /this one none \(the first difference/,
  );
});

test("a network without subgroups saves no subgroups field (files stay as before)", () => {
  const net = new Network({ dt_ms: 1 });
  net.addPopulation("P", new LIF(3, 1));
  assert.equal("subgroups" in networkParameters(net).config, false);
});

test("NIR export refuses a projection that ends at a subgroup, naming it", () => {
  const net = new Network({ dt_ms: 1 });
  const X = net.addPopulation("X", new Input(4));
  const P = net.addPopulation("P", new LIF(6, 1));
  net.addProjection("X->Pa", new Dense(X, net.addSubgroup("Pa", P, 0, 3), { weights: 1 }));

  assert.throws(
    () => networkToNir(net),
    (e: unknown) =>
      e instanceof UnsupportedError &&
      e.message ===
        'projection "X->Pa" ends at subgroup "Pa" (neurons 0..2 of "P"), which NIR cannot express: its edges ' +
          "connect whole nodes; to export, build the network with one population per group",
  );
});

// ---------------------------------------------------------------------------------------------------------
// Refusals

test("addSubgroup refuses ranges that are not whole numbers, outside the parent or empty", () => {
  const net = new Network({ dt_ms: 1 });
  const P = net.addPopulation("P", new LIF(10, 1));

  assert.equal(
    refusal(() => net.addSubgroup("S", P, 1.5, 4)),
    'addSubgroup("S", P, 1.5, 4): start must be a whole number (a neuron index of "P"), got number 1.5',
  );
  assert.match(
    refusal(() => net.addSubgroup("S", P, 0, NaN)),
    /: stop must be a whole number .* got number NaN$/,
  );
  assert.match(
    refusal(() => net.addSubgroup("S", P, "0" as unknown as number, 4)),
    /^addSubgroup\("S", P, string "0", 4\): start must be a whole number/,
  );
  assert.equal(
    refusal(() => net.addSubgroup("S", P, 2, 11)),
    'addSubgroup("S", P, 2, 11): the range [2, 11) lies outside "P", which has neurons 0..9; give ' +
      "0 <= start < stop <= 10",
  );
  assert.match(
    refusal(() => net.addSubgroup("S", P, -3, 10)),
    /lies outside "P".* \(counting from the end, as P\[-k:\] in Python, is start = 10 - k\)$/,
  );
  assert.equal(
    refusal(() => net.addSubgroup("S", P, 4, 4)),
    'addSubgroup("S", P, 4, 4): the range [4, 4) is empty; a subgroup needs at least one ' +
      "neuron: give start < stop",
  );
  assert.match(
    refusal(() => net.addSubgroup("S", P, 5, 2)),
    /is empty \(start > stop\);/,
  );
  // a subgroup's range is checked against the subgroup's own size
  const A = net.addSubgroup("A", P, 2, 6);
  assert.match(
    refusal(() => net.addSubgroup("S", A, 0, 5)),
    /lies outside "A", which has neurons 0\.\.3;/,
  );
  assert.deepEqual(net.subgroupNames, ["A"]);
});

test("addSubgroup refuses a parent outside the network and a name that is taken", () => {
  const net = new Network({ dt_ms: 1 });
  const P = net.addPopulation("P", new LIF(10, 1));
  net.addSubgroup("A", P, 0, 5);
  const other = new Network({ dt_ms: 1 });
  const Q = other.addPopulation("Q", new LIF(10, 1));
  const foreign = other.addSubgroup("F", Q, 0, 5);

  assert.match(
    refusal(() => net.addSubgroup("S", Q, 0, 5)),
    /^addSubgroup\("S", parent, \.\.\.\): the parent a LIF is not a population or subgroup of this network; add it with addPopulation first/,
  );
  assert.match(
    refusal(() => net.addSubgroup("S", foreign, 0, 2)),
    /is not a population or subgroup of this network/,
  );
  assert.match(
    refusal(() => net.addSubgroup("S", "P" as unknown as Population, 0, 2)),
    /; pass the population itself, e.g. net.population\("P"\)$/,
  );
  assert.equal(
    refusal(() => net.addSubgroup("P", P, 0, 2)),
    'a population named "P" already exists; choose another name',
  );
  assert.equal(
    refusal(() => net.addSubgroup("A", P, 0, 2)),
    'a subgroup named "A" already exists (net.population("A") finds it); choose another name',
  );
  assert.equal(
    refusal(() => net.addPopulation("A", new LIF(2, 1))),
    'a subgroup named "A" already exists (net.population("A") finds it); choose another name',
  );
  assert.match(
    refusal(() => net.addSubgroup("", P, 0, 2)),
    /^addSubgroup takes the subgroup's name/,
  );
});

test("a subgroup is found by name, listed apart from the populations, and cannot be added as a population", () => {
  const net = new Network({ dt_ms: 1 });
  const P = net.addPopulation("P", new LIF(10, 1));
  const A = net.addSubgroup("A", P, 0, 5);

  assert.equal(net.population("A"), A);
  assert.deepEqual(net.populationNames, ["P"]);
  assert.deepEqual(net.subgroupNames, ["A"]);
  assert.throws(
    () => net.population("B"),
    (e: unknown) => e instanceof NotFoundError && /subgroups: A$/.test(e.message),
  );
  assert.match(
    refusal(() => net.addPopulation("A2", A)),
    /^addPopulation\("A2", \.\.\.\) was given subgroup "A", a view that does not step; a subgroup is added with addSubgroup/,
  );
  assert.throws(() => A.step({ step: 0, dt_ms: 1, learning: true }), StateError);
});

test("projections and monitors refuse a subgroup of another network", () => {
  const net = new Network({ dt_ms: 1 });
  const P = net.addPopulation("P", new LIF(10, 1));
  const other = new Network({ dt_ms: 1 });
  const foreign = other.addSubgroup("F", other.addPopulation("Q", new LIF(10, 1)), 0, 5);

  assert.equal(
    refusal(() => net.addProjection("F->P", new Dense(foreign, P, { weights: 1 }))),
    'projection "F->P" connects subgroup "F", which is not a subgroup of this network; make it with this ' +
      "network's addSubgroup",
  );
  assert.equal(
    refusal(() => net.addMonitor(new SpikeMonitor(foreign))),
    'the monitor records subgroup "F", which is not a subgroup of this network; make the subgroup with this ' +
      "network's addSubgroup, or build the monitor on one of its own",
  );
});

test("addSubgroup from inside a step is a StateError", () => {
  const net = new Network({ dt_ms: 1 });
  const P = net.addPopulation("P", new LIF(10, 1));
  let error: unknown;
  net.addMonitor({
    record: () => {
      try {
        net.addSubgroup("S", P, 0, 2);
      } catch (e) {
        error = e;
      }
    },
    reset: () => {},
  });
  net.run({}, 1);
  assert.ok(error instanceof StateError);
  assert.match((error as Error).message, /^addSubgroup was called while the network is running/);
});

// ---------------------------------------------------------------------------------------------------------
// Every projection kind and drive with subgroup ends: the same target spikes and voltages as the same network
// built with one population per group.

/** Adds the projection under test from `src` to `tgt`; returns the inputs the run gives `tgt` (by name). */
type Wiring = (net: Network, src: Population, tgt: Population) => Record<string, Drive>;

const geometry = { inputShape: [1, 6, 6] as const, kernel: 3 };
const uniform = (key: string) => ({ kind: "uniform" as const, lo: 0, hi: 8, rng: createRng(4, key) });

const KINDS: readonly (readonly [string, number, Wiring])[] = [
  ["Dense", 20, (net, s, t) => (net.addProjection("p", new Dense(s, t, { init: uniform("d") })), {})],
  [
    "Affine",
    20,
    (net, s, t) => (net.addProjection("p", new Affine(s, t, { init: uniform("a"), bias: 0.1 })), {}),
  ],
  ["OneToOne", 36, (net, s, t) => (net.addProjection("p", new OneToOne(s, t, { weights: 9 })), {})],
  [
    "Local2d",
    32,
    (net, s, t) => (
      net.addProjection("p", new Local2d(s, t, { ...geometry, filters: 2, init: uniform("l") })),
      {}
    ),
  ],
  [
    "Conv2d",
    32,
    (net, s, t) => (
      net.addProjection("p", new Conv2d(s, t, { ...geometry, outChannels: 2, init: uniform("c") })),
      {}
    ),
  ],
  [
    "SumPool2d",
    9,
    (net, s, t) => {
      // 1 mV per pooled spike: a Dense beside it makes the target fire
      net.addProjection("p", new SumPool2d(s, t, { inputShape: [1, 6, 6], kernel: 2 }));
      net.addProjection("d", new Dense(s, t, { init: uniform("d") }));
      return {};
    },
  ],
  [
    "Sparse with delays",
    20,
    (net, s, t) => {
      const sp = Sparse.random(s, t, {
        p: 0.3,
        weight: uniform("s"),
        rng: createRng(4, "sp"),
        delay_ms: (i, j) => (i + j) % 4,
        dt_ms: 1,
      });
      net.addProjection("p", sp);
      postPre(
        net.addProjection("q", new Dense(s, t, { init: uniform("q"), bounds: { wMin: 0, wMax: 8 } })),
        1,
        { nuPre: 0.1, nuPost: 0.2 },
      );
      return {};
    },
  ],
  [
    "LateralInhibition (from the target subgroup)",
    20,
    (net, s, t) => {
      net.addProjection("p", new Dense(s, t, { init: uniform("d") }));
      net.addProjection("inh", new LateralInhibition(t, { groupSize: 5, strength_mV: 3 }));
      return {};
    },
  ],
  [
    "Bias and HeldCurrentDrive",
    20,
    (net, s, t) => {
      net.addProjection("b", new Bias(t, { bias: 1.5 }));
      const u = Float32Array.from({ length: 4 }, (_, k) => k * 0.5);
      return {
        T: new HeldCurrentDrive(
          Float32Array.from({ length: 20 }, (_, j) => j / 10),
          20,
          1,
          u,
          { holdSteps: 50 },
        ),
      };
    },
  ],
  ["NoiseCurrentDrive", 20, () => ({ T: new NoiseCurrentDrive(3, 20, createRng(4, "noise")) })],
  [
    "PoissonInputDrive",
    20,
    () => ({
      T: new PoissonInputDrive(20, {
        sources: 50,
        rate_Hz: 20,
        weight: 2,
        dt_ms: 1,
        rng: createRng(4, "pi"),
      }),
    }),
  ],
  [
    "RandomNeuronDrive",
    20,
    () => ({ T: new RandomNeuronDrive(20, { amplitude: 20, rng: createRng(4, "rn") }) }),
  ],
];

function kindRun(sub: boolean, tgtSize: number, wire: Wiring): number[][] {
  const net = new Network({ dt_ms: 1 });
  let src: Population, tgt: Population;
  if (sub) {
    src = net.addSubgroup("X", net.addPopulation("Xall", new Input(50)), 7, 43);
    tgt = net.addSubgroup(
      "T",
      net.addPopulation("Tall", new LIF(tgtSize + 13, 1, { tRef_ms: 2 })),
      5,
      5 + tgtSize,
    );
  } else {
    src = net.addPopulation("X", new Input(36));
    tgt = net.addPopulation("T", new LIF(tgtSize, 1, { tRef_ms: 2 }));
  }
  const drives = wire(net, src, tgt);
  const spikes = net.addMonitor(new SpikeMonitor(tgt));
  const v = net.addMonitor(new StateMonitor(tgt, "v_mV"));
  const train = poisson(new Float32Array(36).fill(60), { steps: 200, dt_ms: 1, rng: createRng(4, "x") });
  net.run({ X: train, ...drives }, 200);
  return [[...spikes.steps], [...spikes.neurons], [...v.values().data]];
}

for (const [kind, size, wire] of KINDS) {
  test(`${kind} with subgroup ends gives what one population per group gives`, () => {
    const a = kindRun(true, size, wire);

    assert.ok(a[1].length > 10, `${a[1].length} target spikes`);
    assert.deepEqual(a, kindRun(false, size, wire));
  });
}
