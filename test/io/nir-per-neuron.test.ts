// NIR and per-neuron parameters of SynapticLIF (CubaLIF), IF and LI: the export writes per-neuron tensors,
// the import builds per-neuron populations from them (it refused them before), and export -> import (in
// memory and through the HDF5 file) gives the same parameters, voltages and spikes, step for step. A
// per-neuron CubaLIF graph as snnTorch writes it runs as NIR's reference Euler equations, neuron by neuron.
import { test } from "node:test";
import assert from "node:assert/strict";
import { UnsupportedError } from "../../src/core/errors.ts";
import { captureLogs } from "../../src/core/log.ts";
import { createRng } from "../../src/core/rng.ts";
import { decodeNir, encodeNir } from "../../src/io/nir/codec.ts";
import { networkToNir } from "../../src/io/nir/export.ts";
import type { NirDocument, NirNode } from "../../src/io/nir/graph.ts";
import { nirToNetwork } from "../../src/io/nir/import.ts";
import { Network } from "../../src/network/network.ts";
import type { IntegrationMethod } from "../../src/neurons/first-order.ts";
import { AdaptiveLIF } from "../../src/neurons/adaptive-lif.ts";
import { IF } from "../../src/neurons/if.ts";
import { Input } from "../../src/neurons/input.ts";
import { LI } from "../../src/neurons/li.ts";
import type { ResetMode } from "../../src/neurons/lif.ts";
import { SynapticLIF } from "../../src/neurons/synaptic-lif.ts";
import { Dense } from "../../src/projections/dense.ts";
import { graph, t } from "./nir-helpers.ts";

type Of<T extends NirNode["type"]> = Extract<NirNode, { type: T }>;
const DT_MS = 0.5;
const STEPS = 400;
const POPS = ["syn", "li", "if"] as const;

/**
 * x (Input) -> syn (SynapticLIF) -> li (LI readout), and x -> if (IF), each with parameters that differ
 * between neurons (values whose ms -> s -> ms and C -> r -> C conversions are exact, so the import rebuilds
 * the same numbers).
 */
function heterogeneous(method: IntegrationMethod, reset: ResetMode): Network {
  const net = new Network({ dt_ms: DT_MS });
  const x = net.addPopulation("x", new Input(5));
  const syn = net.addPopulation(
    "syn",
    new SynapticLIF(4, DT_MS, {
      tauSyn_ms: [2, 4, 5, 8],
      tauMem_ms: [5, 10, 2.5, 20],
      vRest_mV: [0, 0.125, -0.25, 0],
      vReset_mV: [-0.5, -0.25, -0.75, -1],
      vThreshold_mV: [0.5, 0.75, 1, 1.25],
      resistance_MOhm: [1, 2, 0.5, 1.5],
      wIn: [1, 0.5, 2, 1.25],
      reset,
      method,
    }),
  );
  const li = net.addPopulation(
    "li",
    new LI(3, DT_MS, {
      tauMem_ms: [4, 10, 25],
      vRest_mV: [0, -0.5, 0.25],
      resistance_MOhm: [1, 0.5, 2],
      method,
    }),
  );
  const integrate = net.addPopulation(
    "if",
    new IF(4, DT_MS, {
      capacitance_nF: [0.5, 1, 2, 4],
      vReset_mV: [0, -0.25, 0, -0.5],
      vThreshold_mV: [1, 0.75, 1.5, 0.5],
      tRef_ms: 0,
      reset,
    }),
  );
  const rng = createRng(3, "per-neuron-nir");
  const init = (hi: number) => ({ kind: "uniform" as const, lo: 0, hi, rng });
  net.addProjection("x->syn", new Dense(x, syn, { port: "i_nA", init: init(2) }));
  net.addProjection("syn->li", new Dense(syn, li, { port: "i_nA", init: init(1) }));
  net.addProjection("x->if", new Dense(x, integrate, { port: "i_nA", init: init(1) }));
  return net;
}

/** Every population's voltages and spikes, step by step, under one fixed input train. */
function traces(net: Network): { v: number[][]; spikes: number[][] } {
  const rng = createRng(9, "per-neuron-nir-train");
  const train = Array.from({ length: STEPS }, () => Array.from({ length: 5 }, () => rng.float() < 0.3));
  const v: number[][] = [];
  const spikes: number[][] = [];
  net.addMonitor({
    record() {
      v.push(POPS.flatMap((p) => Array.from(net.population(p).state("v_mV"))));
      spikes.push(
        POPS.flatMap((p) => {
          const pop = net.population(p);
          return Array.from(pop.spikeIdx.subarray(0, pop.spikeCount), (i) => i + 100 * POPS.indexOf(p));
        }),
      );
    },
    reset() {},
  });
  const x = net.population<Input>("x");
  net.run({ x: { apply: (s: number) => train[s].forEach((b, k) => b && x.emit(k)) } }, STEPS);
  return { v, spikes };
}

/** The network that export then import gives (the export's notes muted). */
function exportThenImport(net: Network, method: IntegrationMethod, reset: ResetMode): Network {
  let document: NirDocument | undefined;
  captureLogs(() => (document = networkToNir(net, { method }).document));
  return nirToNetwork(document!, { dt_s: DT_MS / 1000, method, reset }).network;
}

for (const method of ["exact", "euler"] as const) {
  for (const reset of ["to-value", "subtract"] as const) {
    test(`export -> import of per-neuron SynapticLIF, LI and IF (${method}, ${reset}): the same parameters, voltages and spikes`, () => {
      const net = heterogeneous(method, reset);
      const back = exportThenImport(net, method, reset);
      for (const p of POPS) {
        assert.notEqual(
          (back.population(p) as unknown as { perNeuronDerived?: unknown }).perNeuronDerived,
          undefined,
          `${p} is built per neuron`,
        );
        assert.deepEqual(
          (back.population(p) as unknown as { params: object }).params,
          (net.population(p) as unknown as { params: object }).params,
          `${p} params`,
        );
      }
      const a = traces(net);
      const b = traces(back);
      const fired = new Set(a.spikes.flat());
      for (const i of [0, 1, 2, 3, 200, 201, 202, 203]) assert.ok(fired.has(i), `neuron ${i} fires`);
      assert.deepEqual(b.v, a.v);
      assert.deepEqual(b.spikes, a.spikes);
    });
  }
}

test("the per-neuron tensors are each neuron's value (seconds for time constants, r = dt / C for IF)", () => {
  const net = heterogeneous("exact", "to-value");
  const nodes = networkToNir(net, {}).document.graph.nodes;
  const syn = nodes.syn as Of<"CubaLIF">;
  assert.deepEqual(Array.from(syn.tau_syn.data), [0.002, 0.004, 0.005, 0.008]);
  assert.deepEqual(Array.from(syn.tau_mem.data), [0.005, 0.01, 0.0025, 0.02]);
  assert.deepEqual(Array.from(syn.w_in.data), [1, 0.5, 2, 1.25]);
  assert.deepEqual(Array.from(syn.v_leak.data), [0, 0.125, -0.25, 0]);
  const integrate = nodes.if as Of<"IF">;
  assert.deepEqual(Array.from(integrate.r.data), [1, 0.5, 0.25, 0.125]);
  assert.deepEqual(Array.from(integrate.v_threshold.data), [1, 0.75, 1.5, 0.5]);
  const li = nodes.li as Of<"LI">;
  assert.deepEqual(Array.from(li.tau.data), [0.004, 0.01, 0.025]);
  assert.deepEqual(Array.from(li.r.data), [1, 0.5, 2]);
  // an LI exported for the other method: each neuron's tau gives its own decay under that method
  const eulerLi = networkToNir(net, { method: "euler" }).document.graph.nodes.li as Of<"LI">;
  const decay = (net.population("li") as LI).perNeuronDerived!.decay;
  assert.deepEqual(
    Array.from(eulerLi.tau.data),
    Array.from(decay, (d) => DT_MS / 1000 / (1 - d)),
  );
  assert.deepEqual(
    Array.from(decay),
    [4, 10, 25].map((tau) => Math.exp(-DT_MS / tau)),
  );
  // a parameter given once stays a filled tensor
  const one = new Network({ dt_ms: DT_MS });
  one.addPopulation("n", new IF(3, DT_MS, { vThreshold_mV: [1, 2, 3] }));
  const n = networkToNir(one, {}).document.graph.nodes.n as Of<"IF">;
  assert.deepEqual(Array.from(n.r.data), [0.5, 0.5, 0.5]);
  assert.deepEqual(Array.from(n.v_reset.data), [0, 0, 0]);
});

test("export -> HDF5 file -> import keeps the per-neuron values (same voltages and spikes)", async () => {
  const net = heterogeneous("euler", "to-value");
  let document: NirDocument | undefined;
  captureLogs(() => (document = networkToNir(net, { method: "euler" }).document));
  const decoded = await decodeNir(await encodeNir(document!), "per-neuron.nir");
  const back = nirToNetwork(decoded, { dt_s: DT_MS / 1000, method: "euler" }).network;
  const a = traces(net);
  const b = traces(back);
  assert.deepEqual(b.v, a.v);
  assert.deepEqual(b.spikes, a.spikes);
});

test("a per-neuron CubaLIF graph (snnTorch-style, euler) runs as NIR's reference equations, neuron by neuron", () => {
  // NIR's reference CubaLIF (forward Euler), per neuron i:
  //   I' = I + (dt/ts_i) (w_i x - I),   v' = v + (dt/tm_i) (v_leak_i - v + r_i I),   spike when v' >= th_i
  const n = 3;
  const dt_s = 1e-3;
  const ts = [0.002, 0.005, 0.01];
  const tm = [0.004, 0.01, 0.02];
  const r = [1, 2, 0.5];
  const w = [1, 1.5, 4];
  const leak = [0, 0.1, -0.1];
  const th = [0.4, 0.7, 0.6];
  const g = graph(
    {
      input: { type: "Input", shape: [n] },
      w: { type: "Linear", weight: t([n, n], [1, 0, 0, 0, 1, 0, 0, 0, 1]) },
      n: {
        type: "CubaLIF",
        tau_syn: t([n], ts),
        tau_mem: t([n], tm),
        r: t([n], r),
        v_leak: t([n], leak),
        v_threshold: t([n], th),
        v_reset: t([n], 0),
        w_in: t([n], w),
      },
      out: { type: "Output", shape: [n] },
    },
    [
      ["input", "w"],
      ["w", "n"],
      ["n", "out"],
    ],
  );
  const imp = nirToNetwork(g, { dt_s, method: "euler" });
  const pop = imp.network.population("n") as SynapticLIF;
  assert.deepEqual(pop.params.tauSyn_ms, [2, 5, 10]);
  const rng = createRng(21, "cuba-ref");
  const inputs = Array.from({ length: 300 }, () => Array.from({ length: n }, () => rng.float() < 0.4));
  // the reference, in float64 with the engine's float32 state stores
  const I = [0, 0, 0];
  const v = [...leak];
  const refSpikes: number[][] = [];
  const gotSpikes: number[][] = [];
  const input = imp.network.population<Input>("input");
  let step = 0;
  imp.network.addMonitor({
    record() {
      gotSpikes.push(Array.from(pop.spikeIdx.subarray(0, pop.spikeCount)));
      for (let i = 0; i < n; i++) {
        assert.ok(
          Math.abs(pop.v_mV[i] - v[i]) < 1e-5,
          `step ${step}, neuron ${i}: ${pop.v_mV[i]} vs ${v[i]}`,
        );
      }
    },
    reset() {},
  });
  for (step = 0; step < 300; step++) {
    // the Input spikes at step s reach the CubaLIF at step s + 1 (the engine's one-step delivery)
    const x = step === 0 ? [0, 0, 0] : inputs[step - 1].map((b) => (b ? 1 : 0));
    const fired: number[] = [];
    for (let i = 0; i < n; i++) {
      const dt = dt_s;
      const I0 = I[i];
      I[i] = Math.fround(I0 + (dt / ts[i]) * (w[i] * x[i] - I0));
      let vi = v[i] + (dt / tm[i]) * (leak[i] - v[i] + r[i] * I0);
      if (vi >= th[i]) {
        fired.push(i);
        vi = 0;
      }
      v[i] = Math.fround(vi);
    }
    refSpikes.push(fired);
    imp.network.run({ input: { apply: () => inputs[step].forEach((b, k) => b && input.emit(k)) } }, 1);
  }
  assert.ok(refSpikes.flat().length > 30, "the neurons fire");
  for (let i = 0; i < n; i++) assert.ok(refSpikes.flat().includes(i), `neuron ${i} fires`);
  assert.deepEqual(gotSpikes, refSpikes);
});

test('a "dv_mV" projection into an IF whose capacitances differ is refused; equal capacitances are written', () => {
  const net = new Network({ dt_ms: 1 });
  const x = net.addPopulation("x", new Input(2));
  const h = net.addPopulation("h", new IF(2, 1, { capacitance_nF: [1, 2] }));
  net.addProjection("x->h", new Dense(x, h, { weights: 1 }));
  assert.throws(
    () => networkToNir(net, {}),
    (err: unknown) =>
      err instanceof UnsupportedError &&
      /^projection "x->h" jumps the voltage \("dv_mV"\) of population "h", whose neurons have different current gains \(per-neuron capacitance_nF\), so no NIR weight gives the same jumps; export a network whose projections into it use "i_nA"$/.test(
        err.message,
      ),
  );
  // per-neuron thresholds with one capacitance (C = 2 nF, r = 0.5): a jump of 1 mV is an input of 2
  const same = new Network({ dt_ms: 1 });
  const sx = same.addPopulation("x", new Input(2));
  const sh = same.addPopulation("h", new IF(2, 1, { capacitance_nF: 2, vThreshold_mV: [1, 2] }));
  same.addProjection("x->h", new Dense(sx, sh, { weights: 1 }));
  const nodes = networkToNir(same, {}).document.graph.nodes;
  assert.deepEqual(Array.from((nodes.h as Of<"IF">).v_threshold.data), [1, 2]);
  assert.deepEqual(Array.from((nodes["x->h"] as Of<"Linear">).weight.data), [2, 2, 2, 2]);
});

test("an AdaptiveLIF with per-neuron values is written with per-neuron tensors (thresholds v_th + theta) and imports to the same spikes", () => {
  const net = new Network({ dt_ms: 1, learning: false });
  const x = net.addPopulation("x", new Input(4));
  const a = net.addPopulation(
    "a",
    new AdaptiveLIF(3, 1, {
      tauMem_ms: [10, 20, 40],
      vRest_mV: [-65, -64, -66],
      vReset_mV: -70,
      vThreshold_mV: [-52, -54, -50],
      resistance_MOhm: [1, 2, 0.5],
      tRef_ms: 0,
      thetaPlus_mV: 0,
      tauTheta_ms: Infinity,
    }),
  );
  a.theta_mV.set([0.5, 1, 0]);
  net.addProjection(
    "x->a",
    new Dense(x, a, { port: "i_nA", init: { kind: "uniform", lo: 0, hi: 60, rng: createRng(4, "w") } }),
  );
  const document = networkToNir(net, {}).document;
  const node = document.graph.nodes.a as Of<"LIF">;
  assert.deepEqual(Array.from(node.v_threshold.data), [-51.5, -53, -50]);
  assert.deepEqual(Array.from(node.tau.data), [0.01, 0.02, 0.04]);
  assert.deepEqual(Array.from(node.r.data), [1, 2, 0.5]);
  const back = nirToNetwork(document, { dt_s: 1e-3 }).network;
  const rng = createRng(6, "adaptive-train");
  const train = Array.from({ length: 300 }, () => Array.from({ length: 4 }, () => rng.float() < 0.3));
  const run = (n: Network) => {
    const v: number[][] = [];
    const spikes: number[][] = [];
    const pop = n.population("a");
    n.addMonitor({
      record() {
        v.push(Array.from(pop.state("v_mV")));
        spikes.push(Array.from(pop.spikeIdx.subarray(0, pop.spikeCount)));
      },
      reset() {},
    });
    const input = n.population<Input>("x");
    n.run({ x: { apply: (s: number) => train[s].forEach((b, k) => b && input.emit(k)) } }, 300);
    return { v, spikes };
  };
  const want = run(net);
  assert.ok(new Set(want.spikes.flat()).size === 3, "every neuron fires");
  assert.deepEqual(run(back), want);
  // a voltage jump into it needs one current gain for all its neurons
  const jumps = new Network({ dt_ms: 1 });
  const jx = jumps.addPopulation("x", new Input(2));
  const ja = jumps.addPopulation("a", new AdaptiveLIF(2, 1, { tauMem_ms: [10, 20] }));
  jumps.addProjection("x->a", new Dense(jx, ja, { weights: 1 }));
  assert.throws(
    () => networkToNir(jumps, {}),
    /^UnsupportedError: projection "x->a" jumps the voltage \("dv_mV"\) of population "a", whose neurons have different current gains \(per-neuron tauMem_ms or resistance_MOhm\)/,
  );
});
