/**
 * Per-neuron parameters of SynapticLIF, IF and LI (LIF's are in lif-per-neuron.test.ts): closed-form
 * trajectories and spike times per neuron, a population of N heterogeneous neurons stepping exactly as N
 * one-neuron populations, lists of one value stepping exactly as that value, errors that name the neuron,
 * and saved settings that record the values and restore a network that steps bit for bit as before.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ShapeMismatchError } from "../../src/core/errors.ts";
import { captureLogs } from "../../src/core/log.ts";
import { createRng } from "../../src/core/rng.ts";
import { restoreNetwork, saveNetwork } from "../../src/io/network-file.ts";
import { Network } from "../../src/network/network.ts";
import {
  SETTINGS_DIFFER,
  networkParameters,
  restoreNetworkParameters,
} from "../../src/network/parameters.ts";
import { populationSettings } from "../../src/network/settings.ts";
import type { Population, StepContext } from "../../src/network/types.ts";
import { PER_NEURON_PARAMETERS } from "../../src/neurons/base.ts";
import { AdaptiveLIF } from "../../src/neurons/adaptive-lif.ts";
import { CubaLIF } from "../../src/neurons/cuba-lif.ts";
import { CobaLIF } from "../../src/neurons/coba-lif.ts";
import { IF } from "../../src/neurons/if.ts";
import { Input } from "../../src/neurons/input.ts";
import { LI } from "../../src/neurons/li.ts";
import { SynapticLIF } from "../../src/neurons/synaptic-lif.ts";
import { Dense } from "../../src/projections/dense.ts";

const N = 10;
type Values = Record<string, number | readonly number[]>;
/** A model built from options (the params argument), with the ports the test drives. */
interface Spec {
  readonly name: string;
  readonly make: (
    size: number,
    dt: number,
    options: Values,
  ) => Population & { v_mV: Float32Array; params: object };
  readonly ports: readonly string[];
  /** Largest input per port and step (enough to make the neurons fire often). */
  readonly amplitude: number;
  /** Per-neuron values drawn from `rng` (one list per per-neuron key of the model). */
  readonly draw: (draw: (lo: number, hi: number) => number[]) => Values;
  /** The options shared by every neuron in each case of the comparison with one-neuron populations. */
  readonly variants: readonly { readonly shared: Values; readonly ports?: readonly string[] }[];
}

const cubaSynapses = (taus: number[]) => taus.map((tauSyn_ms, k) => ({ port: `s${k}`, tauSyn_ms }));

/** LIF's five per-neuron parameters, drawn around the LIF defaults (CubaLIF, AdaptiveLIF). */
const lifLike = (draw: (lo: number, hi: number) => number[]): Values => {
  const rest = draw(-66, -64);
  return {
    tauMem_ms: draw(5, 30),
    vRest_mV: rest,
    vReset_mV: rest.map((r) => r - 3),
    vThreshold_mV: draw(-55, -50),
    resistance_MOhm: draw(0.5, 2),
  };
};

const SPECS: readonly Spec[] = [
  {
    name: "SynapticLIF",
    make: (size, dt, o) => new SynapticLIF(size, dt, o),
    ports: ["i_nA"],
    amplitude: 8,
    draw: (draw) => {
      const rest = draw(-0.2, 0.2);
      return {
        tauSyn_ms: draw(1, 10),
        tauMem_ms: draw(2, 30),
        vRest_mV: rest,
        vReset_mV: rest.map((r) => r - 0.1),
        vThreshold_mV: draw(0.5, 1.5),
        resistance_MOhm: draw(0.5, 2),
        wIn: draw(0.5, 2),
      };
    },
    variants: [
      { shared: { reset: "to-value" as never, method: "exact" as never } },
      { shared: { reset: "subtract" as never, method: "euler" as never } },
    ],
  },
  {
    name: "IF",
    make: (size, dt, o) => new IF(size, dt, o),
    ports: ["dv_mV", "i_nA"],
    amplitude: 0.6,
    draw: (draw) => ({
      capacitance_nF: draw(0.5, 4),
      vReset_mV: draw(-0.5, 0),
      vThreshold_mV: draw(0.5, 1.5),
    }),
    variants: [
      { shared: { reset: "to-value" as never, tRef_ms: 1 } },
      { shared: { reset: "subtract" as never, tRef_ms: 0 } },
    ],
  },
  {
    name: "LI",
    make: (size, dt, o) => new LI(size, dt, o),
    ports: ["i_nA"],
    amplitude: 0.6,
    draw: (draw) => ({ tauMem_ms: draw(1, 30), vRest_mV: draw(-1, 1), resistance_MOhm: draw(0.5, 2) }),
    variants: [{ shared: { method: "exact" as never } }, { shared: { method: "euler" as never } }],
  },
  {
    name: "CubaLIF",
    make: (size, dt, o) => new CubaLIF(size, dt, o),
    ports: ["syn", "i_nA", "dv_mV"],
    amplitude: 14,
    draw: lifLike,
    // one, two (the WebAssembly kernel's case for one value per parameter) and three synapse ports; two
    // ports with and without the membrane ports, which that step skips when nobody asked for them
    variants: [
      {
        shared: { reset: "to-value" as never, tRef_ms: 1, synapses: cubaSynapses([4]) as never },
        ports: ["s0", "i_nA", "dv_mV"],
      },
      {
        shared: { reset: "subtract" as never, tRef_ms: 1.5, synapses: cubaSynapses([3, 8]) as never },
        ports: ["s0", "s1", "i_nA", "dv_mV"],
      },
      { shared: { tRef_ms: 2, synapses: cubaSynapses([5, 10]) as never }, ports: ["s0", "s1"] },
      {
        shared: { tRef_ms: 0, synapses: cubaSynapses([2, 5, 20]) as never },
        ports: ["s0", "s1", "s2", "dv_mV"],
      },
    ],
  },
  {
    name: "AdaptiveLIF",
    make: (size, dt, o) => new AdaptiveLIF(size, dt, o),
    ports: ["dv_mV", "i_nA"],
    amplitude: 14,
    draw: lifLike,
    variants: [
      { shared: { reset: "to-value" as never, tRef_ms: 1 } },
      { shared: { reset: "subtract" as never, tRef_ms: 0 } },
    ],
  },
];

/** Drives `pops` (one population, or one-neuron populations) with the same random inputs; returns v per step. */
function drive(
  pops: readonly (Population & { v_mV: Float32Array; params: object })[],
  { ports, amplitude }: { readonly ports: readonly string[]; readonly amplitude: number },
  steps: number,
  dt: number,
  seed: number,
  learning: (step: number) => boolean = () => false,
): { v: number[][]; spikes: number[][] } {
  const single = pops.length > 1;
  const rng = createRng(seed, "per-neuron-inputs");
  const v: number[][] = [];
  const spikes: number[][] = [];
  const ctx: StepContext = { step: 0, dt_ms: dt, learning: false } as StepContext;
  for (let s = 0; s < steps; s++) {
    for (let i = 0; i < N; i++) {
      for (const port of ports) {
        const x = rng.float() < 0.4 ? amplitude * rng.float() : 0;
        if (single) pops[i].port(port)[0] += x;
        else pops[0].port(port)[i] += x;
      }
    }
    const fired: number[] = [];
    const row: number[] = [];
    for (const [k, pop] of pops.entries()) {
      pop.step({ ...ctx, step: s, learning: learning(s) });
      for (let j = 0; j < pop.spikeCount; j++) fired.push(single ? k : pop.spikeIdx[j]);
      row.push(...pop.v_mV);
    }
    v.push(row);
    spikes.push(fired);
  }
  return { v, spikes };
}

for (const spec of SPECS) {
  for (const { shared, ports = spec.ports } of spec.variants) {
    test(`${spec.name} ${JSON.stringify(shared)}: per-neuron values step as ${N} one-neuron populations, bit for bit`, () => {
      const dt = 0.5;
      const rng = createRng(7, spec.name);
      const values = spec.draw((lo, hi) => Array.from({ length: N }, () => rng.uniform(lo, hi)));
      const pop = spec.make(N, dt, { ...values, ...shared });
      assert.notEqual((pop as { perNeuronDerived?: unknown }).perNeuronDerived, undefined);
      const singles = Array.from({ length: N }, (_, i) => {
        const one: Values = { ...shared };
        for (const [k, list] of Object.entries(values)) one[k] = (list as number[])[i];
        return spec.make(1, dt, one);
      });
      const a = drive([pop], { ports, amplitude: spec.amplitude }, 600, dt, 11);
      const b = drive(singles, { ports, amplitude: spec.amplitude }, 600, dt, 11);
      assert.deepEqual(a.v, b.v);
      assert.deepEqual(a.spikes, b.spikes);
      if (spec.name !== "LI") {
        const count = a.spikes.flat().length;
        assert.ok(count > 100, `spikes and resets are exercised (${count} spikes)`);
      }
      // the heterogeneity matters: every neuron's trace differs from neuron 0's
      for (let i = 1; i < N; i++) assert.notEqual(a.v[599][i], a.v[599][0]);
      // reset() restores the per-neuron initial voltages
      pop.reset();
      singles.forEach((one, i) => {
        one.reset();
        assert.equal(pop.v_mV[i], one.v_mV[0]);
      });
    });
  }

  test(`${spec.name}: lists of one value are that value (scalar step, params, settings and traces alike)`, () => {
    const dt = 0.5;
    const rng = createRng(8, spec.name);
    const one = spec.draw((lo, hi) => [rng.uniform(lo, hi)]);
    const scalar: Values = {};
    const lists: Values = {};
    for (const [k, v] of Object.entries(one)) {
      const x = (v as number[])[0];
      scalar[k] = x;
      // plain arrays and typed arrays alike
      lists[k] = k.startsWith("v") ? new Array<number>(N).fill(x) : (new Float64Array(N).fill(x) as never);
    }
    const a = spec.make(N, dt, scalar);
    const b = spec.make(N, dt, lists);
    assert.equal((b as { perNeuronDerived?: unknown }).perNeuronDerived, undefined);
    assert.deepEqual(b.params, a.params);
    assert.deepEqual((b as { derived?: unknown }).derived, (a as { derived?: unknown }).derived);
    assert.deepEqual(populationSettings(b), populationSettings(a));
    assert.deepEqual(drive([b], spec, 300, dt, 12), drive([a], spec, 300, dt, 12));
  });
}

test("LI: two neurons with different tau and rest relax as rest_i + (v0_i - rest_i) e^(-t/tau_i)", () => {
  const dt = 0.25;
  const tau = [4, 25];
  const rest = [-1, 2];
  const v0 = [1, -3];
  const pop = new LI(2, dt, { tauMem_ms: tau, vRest_mV: rest, vInit_mV: v0 });
  for (let k = 1; k <= 200; k++) {
    pop.step({ step: k - 1, dt_ms: dt, learning: false } as StepContext);
    for (let i = 0; i < 2; i++) {
      const want = rest[i] + (v0[i] - rest[i]) * Math.exp((-k * dt) / tau[i]);
      assert.ok(Math.abs(pop.v_mV[i] - want) < 2e-6, `step ${k}, neuron ${i}: ${pop.v_mV[i]} vs ${want}`);
    }
  }
});

test("LI: a held current charges each neuron as rest_i + R_i i (1 - e^(-t/tau_i)) (exact), (1 - (1 - dt/tau_i)^k) (euler)", () => {
  const dt = 0.5;
  const tau = [3, 12, 40];
  const R = [2, 0.5, 1];
  const rest = [0, -1, 1];
  for (const method of ["exact", "euler"] as const) {
    const pop = new LI(3, dt, { tauMem_ms: tau, resistance_MOhm: R, vRest_mV: rest, method });
    const cur = pop.port("i_nA");
    for (let k = 1; k <= 300; k++) {
      cur.fill(1.5);
      pop.step({ step: k - 1, dt_ms: dt, learning: false } as StepContext);
      for (let i = 0; i < 3; i++) {
        const left = method === "exact" ? Math.exp((-k * dt) / tau[i]) : (1 - dt / tau[i]) ** k;
        const want = rest[i] + R[i] * 1.5 * (1 - left);
        assert.ok(Math.abs(pop.v_mV[i] - want) < 4e-6, `${method} step ${k}, neuron ${i}`);
      }
    }
  }
});

test("IF: per-neuron thresholds and capacitances fire at the closed-form rates 1 / (ceil(th_i C_i / (i dt)) dt)", () => {
  // dyadic increments, so the float accumulation is exact and the crossing step is the closed-form one
  const dt = 1;
  const current = 0.0625;
  const th = [1, 0.75, 0.5, 1.5];
  const C = [1, 1, 0.5, 2];
  const pop = new IF(4, dt, { vThreshold_mV: th, capacitance_nF: C });
  const counts = [0, 0, 0, 0];
  const T = 960;
  const cur = pop.port("i_nA");
  for (let s = 0; s < T; s++) {
    cur.fill(current);
    pop.step({ step: s, dt_ms: dt, learning: false } as StepContext);
    for (let k = 0; k < pop.spikeCount; k++) counts[pop.spikeIdx[k]]++;
  }
  const isi = th.map((t, i) => Math.ceil(t / ((current * dt) / C[i])));
  assert.deepEqual(isi, [16, 12, 4, 48]);
  const rates_Hz = counts.map((c) => (c / T) * 1000);
  assert.deepEqual(
    rates_Hz,
    isi.map((n) => 1000 / (n * dt)),
  );
});

test("SynapticLIF: per-neuron tau_syn, tau_mem, R, w_in follow the closed-form response to a held input, and per-neuron thresholds give its crossing steps", () => {
  // held input x from t = 0, I(0) = 0, v(0) = v_rest:
  //   I(t) = w x (1 - e^(-t/ts)),  v(t) = v_rest + R w x (1 - (ts e^(-t/ts) - tm e^(-t/tm)) / (ts - tm))
  const dt = 0.5;
  const ts = [2, 5, 8];
  const tm = [10, 4, 20];
  const R = [1, 2, 0.5];
  const w = [1.5, 0.5, 3];
  const rest = [0, 0.25, -0.5];
  const x = 1;
  const vOf = (i: number, t: number) =>
    rest[i] +
    R[i] * w[i] * x * (1 - (ts[i] * Math.exp(-t / ts[i]) - tm[i] * Math.exp(-t / tm[i])) / (ts[i] - tm[i]));
  // thresholds at 60 %, 80 % and 90 % of each neuron's way to its steady state
  const th = [0.6, 0.8, 0.9].map((f, i) => rest[i] + f * R[i] * w[i] * x);
  const crossing = th.map((t, i) => {
    let k = 1;
    while (vOf(i, k * dt) < t) k++;
    // far from the threshold on both sides, so float32 storage cannot move the crossing
    assert.ok(vOf(i, k * dt) - t > 1e-4 && t - vOf(i, (k - 1) * dt) > 1e-4);
    return k;
  });
  assert.equal(new Set(crossing).size, 3, "the neurons cross at different steps");
  const pop = new SynapticLIF(3, dt, {
    tauSyn_ms: ts,
    tauMem_ms: tm,
    resistance_MOhm: R,
    wIn: w,
    vRest_mV: rest,
    vReset_mV: rest.map((r) => r - 1),
    vThreshold_mV: th,
  });
  const first = [-1, -1, -1];
  const cur = pop.port("i_nA");
  for (let k = 1; k <= Math.max(...crossing); k++) {
    cur.fill(x);
    pop.step({ step: k - 1, dt_ms: dt, learning: false } as StepContext);
    for (let j = 0; j < pop.spikeCount; j++) if (first[pop.spikeIdx[j]] < 0) first[pop.spikeIdx[j]] = k;
    for (let i = 0; i < 3; i++) {
      if (first[i] >= 0) continue;
      assert.ok(Math.abs(pop.v_mV[i] - vOf(i, k * dt)) < 1e-5, `step ${k}, neuron ${i}`);
      const I = w[i] * x * (1 - Math.exp((-k * dt) / ts[i]));
      assert.ok(Math.abs(pop.iSyn_nA[i] - I) < 1e-5, `I at step ${k}, neuron ${i}`);
    }
  }
  assert.deepEqual(first, crossing);
});

test("CubaLIF: one synaptic impulse gives each neuron rest_i + R_i w ts / (ts - tm_i) (e^(-t/ts) - e^(-t/tm_i)), and per-neuron thresholds pick who fires", () => {
  // the weight joins the current before the step's integration: after step s, t = (s + 1) dt
  const dt = 0.25;
  const ts = 5;
  const tm = [2, 10, 30];
  const R = [1, 2, 0.5];
  const rest = [-65, -60, -70];
  const w = 10;
  for (const ports of [1, 2]) {
    const synapses = cubaSynapses(ports === 1 ? [ts] : [ts, 7]);
    const quiet = new CubaLIF(3, dt, {
      tauMem_ms: tm,
      resistance_MOhm: R,
      vRest_mV: rest,
      vThreshold_mV: 0,
      synapses,
    });
    quiet.port("s0").fill(w);
    for (let s = 0; s < 200; s++) {
      quiet.step({ step: s, dt_ms: dt, learning: false } as StepContext);
      const t = (s + 1) * dt;
      for (let i = 0; i < 3; i++) {
        const want = rest[i] + ((R[i] * w * ts) / (ts - tm[i])) * (Math.exp(-t / ts) - Math.exp(-t / tm[i]));
        assert.ok(
          Math.abs(quiet.v_mV[i] - want) < 6e-5,
          `${ports} ports, step ${s}, neuron ${i}: ${quiet.v_mV[i] - want}`,
        );
      }
    }
  }
  // the peak of neuron 1 (tm 10, R 2) is rest + 2 w ts/(ts - tm) (e^(-t*/ts) - e^(-t*/tm)); thresholds just
  // below and just above it: only the first fires
  const tStar = (Math.log(ts / 10) * ts * 10) / (ts - 10);
  const peak = -60 + ((2 * w * ts) / (ts - 10)) * (Math.exp(-tStar / ts) - Math.exp(-tStar / 10));
  const pop = new CubaLIF(2, dt, {
    tauMem_ms: 10,
    resistance_MOhm: 2,
    vRest_mV: -60,
    vReset_mV: -70,
    vThreshold_mV: [peak - 0.05, peak + 0.05],
    synapses: cubaSynapses([ts]),
  });
  pop.port("s0").fill(w);
  const fired = [0, 0];
  for (let s = 0; s < 200; s++) {
    pop.step({ step: s, dt_ms: dt, learning: false } as StepContext);
    for (let k = 0; k < pop.spikeCount; k++) fired[pop.spikeIdx[k]]++;
  }
  assert.deepEqual(fired, [1, 0]);
});

test("AdaptiveLIF while learning: per-neuron values give the spikes, voltages and thetas of one-neuron populations, across threshold-bound refreshes", () => {
  const dt = 0.5;
  const rng = createRng(31, "adaptive-learning");
  const values = lifLike((lo, hi) => Array.from({ length: N }, () => rng.uniform(lo, hi)));
  // a fast theta (decay and increments both visible) and more than one bound window (1000 learning steps)
  const shared = { thetaPlus_mV: 0.75, tauTheta_ms: 80, tRef_ms: 1 };
  const pop = new AdaptiveLIF(N, dt, { ...values, ...shared });
  const singles = Array.from({ length: N }, (_, i) => {
    const one: Values = { ...shared };
    for (const [k, list] of Object.entries(values)) one[k] = (list as number[])[i];
    return new AdaptiveLIF(1, dt, one);
  });
  // learning off now and then: theta neither decays nor grows
  const learning = (step: number) => step % 700 < 600;
  const a = drive([pop], { ports: ["dv_mV", "i_nA"], amplitude: 14 }, 2500, dt, 32, learning);
  const b = drive(singles, { ports: ["dv_mV", "i_nA"], amplitude: 14 }, 2500, dt, 32, learning);
  assert.deepEqual(a.v, b.v);
  assert.deepEqual(a.spikes, b.spikes);
  assert.deepEqual(
    Array.from(pop.theta_mV),
    singles.map((one) => one.theta_mV[0]),
  );
  const spikes = a.spikes.flat().length;
  assert.ok(spikes > 300, `spikes exercised (${spikes})`);
  assert.ok(Math.max(...pop.theta_mV) > 0.5, "theta grew");
});

test("AdaptiveLIF with per-neuron values and one spike per step: one crosser emits", () => {
  const pop = new AdaptiveLIF(
    4,
    1,
    { vThreshold_mV: [-52, -53, -54, -55], tRef_ms: 0 },
    { oneSpikePerStep: true, rng: createRng(3, "one-spike") },
  );
  pop.port("dv_mV").fill(20);
  pop.step({ step: 0, dt_ms: 1, learning: true } as StepContext);
  assert.equal(pop.crossedCount, 4);
  assert.equal(pop.spikeCount, 1);
  assert.deepEqual(Array.from(pop.theta_mV), [0.05, 0.05, 0.05, 0.05].map(Math.fround));
});

test("per-neuron errors name the parameter and the neuron, and say what to give", () => {
  const cases: [() => unknown, RegExp][] = [
    [
      () => new SynapticLIF(3, 1, { tauSyn_ms: [1, -2, 3] }),
      /^InvalidParameterError: tauSyn_ms\[1\] must be > 0, got -2$/,
    ],
    [
      () => new SynapticLIF(3, 1, { wIn: [1, 2, NaN] }),
      /^InvalidParameterError: wIn\[2\] must be a finite number, got NaN$/,
    ],
    [
      () => new SynapticLIF(3, 1, { tauMem_ms: [5, 0.5, 3], method: "euler" }),
      /^InvalidParameterError: tauMem_ms\[1\] = 0\.5 ms is shorter than dt = 1 ms: forward Euler would give the decay .* use method "exact" or a step <= 0\.5 ms/,
    ],
    [
      () => new SynapticLIF(2, 1, { vThreshold_mV: [1, -0.5] }),
      /^InvalidParameterError: neuron 1: vReset_mV \(0\) must be below vThreshold_mV \(-0\.5\), or every step would spike$/,
    ],
    [
      () => new SynapticLIF(2, 1, { resistance_MOhm: [1, 1e20], wIn: [1, 1e20] }),
      /^InvalidParameterError: resistance_MOhm \* wIn of neuron 1 = 1e\+40 is beyond the float32 range/,
    ],
    [
      () => new IF(3, 1, { capacitance_nF: [1, 0, 2] }),
      /^InvalidParameterError: capacitance_nF\[1\] must be > 0, got 0$/,
    ],
    [
      () => new IF(2, 1, { capacitance_nF: [1, 1e-40] }),
      /^InvalidParameterError: dt_ms \/ capacitance_nF\[1\] = 1e\+40 is beyond/,
    ],
    [
      () => new IF(2, 1, { vReset_mV: [0, Infinity] }),
      /^InvalidParameterError: vReset_mV\[1\] must be a finite number, got Infinity$/,
    ],
    [
      () => new IF(2, 1, { vReset_mV: [-3e38, 0], vThreshold_mV: [3e38, 1], reset: "subtract" }),
      /^InvalidParameterError: vThreshold_mV - vReset_mV of neuron 0 = 6e\+38 is beyond the float32 range/,
    ],
    [
      () => new LI(3, 1, { resistance_MOhm: [1, 2, -1] }),
      /^InvalidParameterError: resistance_MOhm\[2\] must be > 0, got -1$/,
    ],
    [
      () => new LI(2, 1, { vRest_mV: [0, 1e39] }),
      /^InvalidParameterError: vRest_mV\[1\] is beyond the float32 range|vRest_mV\[1\]/,
    ],
    [
      () => new LI(2, 1, { tauMem_ms: "20" as never }),
      /^InvalidParameterError: tauMem_ms must be a number or an array of one number per neuron \(2\), got /,
    ],
    [
      () => new LI(3, 1, { vInit_mV: [0, NaN, 1] }),
      /^InvalidParameterError: vInit_mV\[1\] must be a finite number, got NaN$/,
    ],
  ];
  cases.push(
    [
      () => new CubaLIF(3, 1, { tauMem_ms: [10, -1, 5] }),
      /^InvalidParameterError: tauMem_ms\[1\] must be > 0, got -1$/,
    ],
    [
      () => new CubaLIF(2, 1, { vThreshold_mV: [-50, -70] }),
      /^InvalidParameterError: neuron 1: vReset_mV \(-65\) must be below vThreshold_mV \(-70\)/,
    ],
    [
      () => new CubaLIF(2, 1, { tauMem_ms: [10, 20], synapses: [] }),
      /^InvalidParameterError: synapses must list at least one \{ port, tauSyn_ms \}/,
    ],
    [
      () => new CubaLIF(2, 1, { tRef_ms: [1, 2] as never }),
      /^InvalidParameterError: CubaLIF takes tRef_ms once for the population \(one number\)/,
    ],
  );
  for (const [make, message] of cases) assert.throws(make, message);
  for (const make of [
    () => new SynapticLIF(3, 1, { vRest_mV: [0, 1] }),
    () => new IF(3, 1, { vThreshold_mV: Float32Array.of(1, 2, 3, 4) }),
    () => new LI(3, 1, { tauMem_ms: [] }),
  ]) {
    assert.throws(
      make,
      (e: unknown) =>
        e instanceof ShapeMismatchError &&
        /^(vRest_mV|vThreshold_mV|tauMem_ms) has [024] values but the population has 3 neurons; give one value or one per neuron$/.test(
          e.message,
        ),
    );
  }
  // a parameter taken once for the population: the message lists every model's per-neuron parameters
  assert.throws(
    () => new IF(2, 1, { tRef_ms: [1, 2] as never }),
    (e: unknown) => {
      const m = String(e);
      assert.match(m, /^InvalidParameterError: IF takes tRef_ms once for the population \(one number\)/);
      for (const [model, { keys, doc }] of Object.entries(PER_NEURON_PARAMETERS)) {
        assert.ok(m.includes(`on ${model} also `) && m.includes(`(${doc})`), model);
        for (const key of keys) assert.ok(m.includes(key), `${model} ${key}`);
      }
      return true;
    },
  );
});

test("every model accepts one value per neuron for each parameter PER_NEURON_PARAMETERS lists for it", () => {
  const make: Record<string, (o: Values) => { perNeuronDerived?: unknown; params: object }> = {
    SynapticLIF: (o) => new SynapticLIF(2, 1, o),
    IF: (o) => new IF(2, 1, o),
    LI: (o) => new LI(2, 1, o),
    CubaLIF: (o) => new CubaLIF(2, 1, o),
    CobaLIF: (o) => new CobaLIF(2, 1, o),
    AdaptiveLIF: (o) => new AdaptiveLIF(2, 1, o),
  };
  for (const [model, build] of Object.entries(make)) {
    const keys = PER_NEURON_PARAMETERS[model as keyof typeof PER_NEURON_PARAMETERS].keys;
    for (const key of keys) {
      const base = (build({}).params as Record<string, number>)[key];
      // a second neuron with a slightly larger value (a threshold raised, a reset lowered, so both stay valid)
      const other = key === "vReset_mV" ? base - 0.25 : base + 0.25;
      const pop = build({ [key]: [base, other] });
      assert.notEqual(pop.perNeuronDerived, undefined, `${model} ${key}`);
      assert.deepEqual((pop.params as Record<string, unknown>)[key], [base, other], `${model} ${key}`);
      assert.ok(Object.isFrozen((pop.params as Record<string, unknown>)[key]), `${model} ${key} frozen`);
    }
  }
});

test("the initial voltage follows a per-neuron rest (SynapticLIF, LI) or reset (IF) unless vInit_mV is given", () => {
  assert.deepEqual(Array.from(new SynapticLIF(3, 1, { vRest_mV: [0, 0.5, -0.25] }).v_mV), [0, 0.5, -0.25]);
  assert.deepEqual(Array.from(new LI(3, 1, { vRest_mV: [0, 0.5, -0.25] }).v_mV), [0, 0.5, -0.25]);
  const fired = new IF(3, 1, { vReset_mV: [0, -0.5, -0.25] });
  assert.deepEqual(Array.from(fired.v_mV), [0, -0.5, -0.25]);
  fired.v_mV.fill(0.9);
  fired.reset();
  assert.deepEqual(Array.from(fired.v_mV), [0, -0.5, -0.25]);
  assert.deepEqual(Array.from(new LI(3, 1, { vRest_mV: [0, 0.5, -0.25], vInit_mV: 2 }).v_mV), [2, 2, 2]);
  const li = new LI(3, 1, { vInit_mV: Float64Array.of(1, 2, 3) });
  assert.deepEqual(li.params.vInit_mV, [1, 2, 3]);
  li.v_mV.fill(0);
  li.reset();
  assert.deepEqual(Array.from(li.v_mV), [1, 2, 3]);
});

/** A network with per-neuron SynapticLIF, IF and LI populations fed from one Input. */
function heterogeneousNetwork(thresholdOfIf1 = 1.25): Network {
  const dt = 0.5;
  const net = new Network({ dt_ms: dt });
  const x = net.addPopulation("x", new Input(4));
  const syn = net.addPopulation(
    "syn",
    new SynapticLIF(3, dt, { tauSyn_ms: [2, 4, 6], tauMem_ms: [5, 10, 20], vThreshold_mV: [0.3, 0.5, 0.7] }),
  );
  const integrate = net.addPopulation(
    "if",
    new IF(3, dt, { capacitance_nF: [1, 2, 4], vThreshold_mV: [1, thresholdOfIf1, 1.5], tRef_ms: 1 }),
  );
  const li = net.addPopulation("li", new LI(3, dt, { tauMem_ms: [3, 6, 9], vRest_mV: [0, 0.1, 0.2] }));
  const cuba = net.addPopulation(
    "cuba",
    new CubaLIF(3, dt, {
      tauMem_ms: [5, 10, 20],
      vThreshold_mV: [-64, -63.5, -63],
      tRef_ms: 1,
      synapses: cubaSynapses([2, 6]),
    }),
  );
  // learns its thresholds (theta) while the network runs: saved and restored exactly
  const adapt = net.addPopulation(
    "adapt",
    new AdaptiveLIF(3, dt, {
      tauMem_ms: [5, 10, 20],
      vRest_mV: -65,
      vReset_mV: [-66, -67, -68],
      vThreshold_mV: [-64.5, -64, -63.5],
      thetaPlus_mV: 0.25,
      tauTheta_ms: 100,
      tRef_ms: 1,
    }),
  );
  const weights = (seed: number) => ({
    init: { kind: "uniform" as const, lo: 0, hi: 1, rng: createRng(seed, "w") },
  });
  net.addProjection("x->syn", new Dense(x, syn, { port: "i_nA", ...weights(1) }));
  net.addProjection("x->if", new Dense(x, integrate, { port: "i_nA", ...weights(2) }));
  net.addProjection("syn->li", new Dense(syn, li, { port: "i_nA", ...weights(3) }));
  net.addProjection("x->cuba", new Dense(x, cuba, { port: "s0", ...weights(4) }));
  net.addProjection("x->adapt", new Dense(x, adapt, { ...weights(5) }));
  return net;
}

/** Runs `net` from reset for 300 steps with a fixed input train; returns every v, step by step. */
function trace(net: Network): number[][] {
  net.reset();
  const rng = createRng(5, "train");
  const train = Array.from({ length: 300 }, () =>
    Array.from({ length: 4 }, () => (rng.float() < 0.3 ? 1 : 0)),
  );
  const out: number[][] = [];
  for (const row of train) {
    const x = net.population("x") as Input;
    row.forEach((b, i) => {
      if (b) x.port()[i] = 1;
    });
    net.run({}, 1);
    out.push(
      ["syn", "if", "li", "cuba", "adapt"].flatMap((n) =>
        Array.from((net.population(n) as unknown as { v_mV: Float32Array }).v_mV),
      ),
    );
  }
  return out;
}

test("saved settings record per-neuron values; a restored network steps bit for bit as the saved one", async () => {
  const saved = heterogeneousNetwork();
  assert.match(
    String(populationSettings(saved.population("syn")).tauSyn_ms),
    /^3 values, CRC-32 [0-9a-f]{8}$/,
  );
  assert.match(String(populationSettings(saved.population("if")).capacitance_nF), /^3 values, CRC-32 /);
  assert.match(String(populationSettings(saved.population("li")).vRest_mV), /^3 values, CRC-32 /);
  assert.match(String(populationSettings(saved.population("cuba")).tauMem_ms), /^3 values, CRC-32 /);
  assert.match(String(populationSettings(saved.population("adapt")).vReset_mV), /^3 values, CRC-32 /);
  // a run that learns thresholds, then the network is saved; `before` continues from there
  trace(saved);
  assert.ok(Math.max(...(saved.population("adapt") as AdaptiveLIF).theta_mV) > 0, "theta was learned");
  const parameters = networkParameters(saved);
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-per-neuron-"));
  await saveNetwork(dir, saved);
  const before = trace(saved);
  // in memory: the same per-neuron values restore without a word, another one is named
  const quiet = captureLogs(() => restoreNetworkParameters(heterogeneousNetwork(), parameters));
  assert.deepEqual(
    quiet.filter((r) => r.id === SETTINGS_DIFFER),
    [],
  );
  const [w] = captureLogs(() => restoreNetworkParameters(heterogeneousNetwork(1.3), parameters));
  assert.match(
    w?.message ?? "",
    /population "if" vThreshold_mV is "3 values, CRC-32 [0-9a-f]{8}" here, "3 values, CRC-32 [0-9a-f]{8}" in the saved network/,
  );
  // through the files: the restored network steps as the saved one did
  try {
    const restored = heterogeneousNetwork();
    await restoreNetwork(dir, restored);
    assert.deepEqual(trace(restored), before);
    assert.notDeepEqual(trace(heterogeneousNetwork(1.3)), before, "the traces see the thresholds");
    assert.notDeepEqual(trace(heterogeneousNetwork()), before, "the traces see the learned thetas");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
