/**
 * CobaLIF with per-neuron tauMem_ms, vRest_mV, vReset_mV, vThreshold_mV and gLeak_nS: a population of N
 * neurons gives, bit for bit, the voltages, conductances, spikes and refractory counters of N one-neuron
 * populations with those values (which run the WebAssembly kernel where there is one), for one, two and three
 * synapse ports, both reset modes and refractoriness; lists of equal values are one value; errors name the
 * parameter and the neuron; a closed-form relaxation per neuron; settings, save and restore; the si-units hint.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "../../src/core/rng.ts";
import { InvalidParameterError, ShapeMismatchError, StateError } from "../../src/core/errors.ts";
import { captureLogs } from "../../src/core/log.ts";
import { SI_UNITS } from "../../src/core/units.ts";
import { Network } from "../../src/network/network.ts";
import {
  SETTINGS_DIFFER,
  networkParameters,
  restoreNetworkParameters,
} from "../../src/network/parameters.ts";
import { populationSettings } from "../../src/network/settings.ts";
import { decodeModel, encodeModel } from "../../src/io/model-codec.ts";
import type { SavedModel } from "../../src/io/model-codec.ts";
import { CobaLIF, type CobaLifOptions, type ConductanceSynapse } from "../../src/neurons/coba-lif.ts";

const ctx = { step: 0, dt_ms: 0.1, learning: false };
const dt = 0.1;

const SYNAPSES: Record<number, ConductanceSynapse[]> = {
  1: [{ port: "exc", tauSyn_ms: 5, vRev_mV: 0 }],
  2: [
    { port: "exc", tauSyn_ms: 5, vRev_mV: 0 },
    { port: "inh", tauSyn_ms: 10, vRev_mV: -80 },
  ],
  3: [
    { port: "exc", tauSyn_ms: 5, vRev_mV: 0 },
    { port: "inh", tauSyn_ms: 10, vRev_mV: -80 },
    { port: "slow", tauSyn_ms: 40, vRev_mV: -10 },
  ],
};

/** Per-neuron values drawn around the defaults (resets below thresholds). */
function drawValues(n: number, seed: number) {
  const rng = createRng(seed, "coba-per-neuron-values");
  const draw = (lo: number, hi: number) => Array.from({ length: n }, () => rng.uniform(lo, hi));
  const threshold = draw(-54, -46);
  return {
    tauMem_ms: draw(8, 40),
    vRest_mV: draw(-70, -55),
    vThreshold_mV: threshold,
    vReset_mV: threshold.map((t, i) => t - 4 - 8 * ((i * 7) % 5) * 0.25),
    gLeak_nS: draw(4, 25),
  };
}

interface Trace {
  v: number[];
  g: number[][];
  spikes: number[];
  ref: number[];
}

/**
 * Runs a population of n neurons and n one-neuron populations with the same values side by side for `steps`
 * steps with random weights on every synapse port, random currents on i_nA and jumps on dv_mV, and returns
 * the per-step traces of both (the one-neuron ones gathered into population order).
 */
function runBoth(nSyn: number, reset: "to-value" | "subtract", tRef_ms: number, seed: number, steps = 300) {
  const n = 7;
  const values = drawValues(n, seed);
  const common = { synapses: SYNAPSES[nSyn], reset, tRef_ms };
  const pop = new CobaLIF(n, dt, { ...common, ...values });
  assert.notEqual(pop.perNeuronDerived, undefined);
  const singles = Array.from(
    { length: n },
    (_x, i) =>
      new CobaLIF(1, dt, {
        ...common,
        tauMem_ms: values.tauMem_ms[i],
        vRest_mV: values.vRest_mV[i],
        vThreshold_mV: values.vThreshold_mV[i],
        vReset_mV: values.vReset_mV[i],
        gLeak_nS: values.gLeak_nS[i],
      }),
  );
  const rng = createRng(seed, "coba-per-neuron-drive");
  const traces: { many: Trace; one: Trace }[] = [];
  let spikes = 0;
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < nSyn; k++) {
        // excitatory-ish weights on port 0, occasional larger ones on the others
        const w = rng.uniform(0, 1) < 0.3 ? rng.uniform(0, k === 0 ? 25 : 15) : 0;
        pop.port(SYNAPSES[nSyn][k].port)[i] += w;
        singles[i].port(SYNAPSES[nSyn][k].port)[0] += w;
      }
      const current = rng.uniform(-0.05, 0.25);
      pop.port("i_nA")[i] = current;
      singles[i].port("i_nA")[0] = current;
      const jump = rng.uniform(0, 1) < 0.05 ? rng.uniform(-2, 2) : 0;
      pop.port("dv_mV")[i] = jump;
      singles[i].port("dv_mV")[0] = jump;
    }
    if (t === 120) {
      pop.setRefractory(2, 7);
      singles[2].setRefractory(0, 7);
    }
    pop.step(ctx);
    for (const s of singles) s.step(ctx);
    spikes += pop.spikeCount;
    traces.push({
      many: {
        v: Array.from(pop.v_mV),
        g: pop.g_nS.map((g) => Array.from(g)),
        spikes: Array.from(pop.spikeIdx.subarray(0, pop.spikeCount)),
        ref: Array.from(pop.refractoryLeft),
      },
      one: {
        v: singles.map((s) => s.v_mV[0]),
        g: pop.g_nS.map((_g, k) => singles.map((s) => s.g_nS[k][0])),
        spikes: singles.flatMap((s, i) => (s.spikeCount > 0 ? [i] : [])),
        ref: singles.map((s) => s.refractoryLeft[0]),
      },
    });
  }
  return { traces, spikes };
}

for (const nSyn of [1, 2, 3]) {
  for (const reset of ["to-value", "subtract"] as const) {
    test(`${nSyn} synapse port(s), reset ${reset}: N neurons with per-neuron values step as N one-neuron populations, bit for bit`, () => {
      for (const [seed, tRef] of [
        [1, 0.5],
        [2, 0],
        [3, 2],
      ] as const) {
        const { traces, spikes } = runBoth(nSyn, reset, tRef, seed + 10 * nSyn);
        // the drive makes the neurons fire, so thresholds, resets and refractoriness are exercised
        assert.ok(spikes > 20, `only ${spikes} spikes`);
        traces.forEach(({ many, one }, t) => assert.deepStrictEqual(many, one, `step ${t}, seed ${seed}`));
      }
    });
  }
}

test("lists of equal values are one value: the same params, settings, derived constants and numbers (the kernel path)", () => {
  const lists: Partial<CobaLifOptions> = {
    tauMem_ms: [15, 15, 15, 15],
    vRest_mV: Float64Array.of(-62, -62, -62, -62),
    vReset_mV: [-63, -63, -63, -63],
    vThreshold_mV: Float32Array.of(-51, -51, -51, -51),
    gLeak_nS: Int32Array.of(12, 12, 12, 12),
  };
  const scalars: Partial<CobaLifOptions> = {
    tauMem_ms: 15,
    vRest_mV: -62,
    vReset_mV: -63,
    vThreshold_mV: -51,
    gLeak_nS: 12,
  };
  const a = new CobaLIF(4, dt, lists);
  const b = new CobaLIF(4, dt, scalars);
  assert.equal(a.perNeuronDerived, undefined);
  assert.deepStrictEqual(a.params, b.params);
  assert.deepStrictEqual(a.derived, b.derived);
  assert.deepStrictEqual(populationSettings(a), populationSettings(b));
  const rng = createRng(5, "equal-lists");
  let spikes = 0;
  for (let t = 0; t < 300; t++) {
    for (let i = 0; i < 4; i++) {
      const w = rng.uniform(0, 30);
      const wi = rng.uniform(0, 20);
      const c = rng.uniform(0, 0.2);
      a.port("exc")[i] = w;
      b.port("exc")[i] = w;
      a.port("inh")[i] = wi;
      b.port("inh")[i] = wi;
      a.port("i_nA")[i] = c;
      b.port("i_nA")[i] = c;
    }
    a.step(ctx);
    b.step(ctx);
    spikes += a.spikeCount;
    assert.deepStrictEqual(Array.from(a.v_mV), Array.from(b.v_mV));
    assert.deepStrictEqual(Array.from(a.g_nS[0]), Array.from(b.g_nS[0]));
    assert.deepStrictEqual(Array.from(a.spikeIdx.subarray(0, a.spikeCount)), [
      ...b.spikeIdx.subarray(0, b.spikeCount),
    ]);
  }
  assert.ok(spikes > 0);
  // one differing entry makes the population per-neuron, with its values kept as a frozen copy
  const given = [15, 15, 15, 16];
  const c = new CobaLIF(4, dt, { ...scalars, tauMem_ms: given });
  given[0] = 99;
  assert.notEqual(c.perNeuronDerived, undefined);
  assert.deepStrictEqual(c.params.tauMem_ms, [15, 15, 15, 16]);
  assert.ok(Object.isFrozen(c.params.tauMem_ms));
  assert.ok(Number.isNaN(c.derived.dtOverC) && Number.isNaN(c.derived.resetDrop_mV));
  assert.equal(c.derived.refSteps, b.derived.refSteps);
  assert.deepStrictEqual(c.derived.synMean, b.derived.synMean);
  // the per-neuron constants are each neuron's: dt / (tau_m g_L), g_L E_L, v_th - v_reset
  const d = c.perNeuronDerived!;
  assert.deepStrictEqual(
    Array.from(d.dtOverC),
    [15, 15, 15, 16].map((tau) => dt / (tau * 12)),
  );
  assert.deepStrictEqual(Array.from(d.gLeakRest), [-744, -744, -744, -744]);
  assert.deepStrictEqual(Array.from(d.resetDrop_mV), [12, 12, 12, 12]);
});

test("two neurons relax to their own rest (plus 1000 i / g_L) with their own tau_m", () => {
  const tau = [10, 30];
  const gL = [5, 20];
  const rest = [-70, -55];
  const I = 0.05; // nA: 10 mV above rest through 5 nS, 2.5 mV through 20 nS
  const v0 = -65;
  const pop = new CobaLIF(2, dt, {
    tauMem_ms: tau,
    gLeak_nS: gL,
    vRest_mV: rest,
    vThreshold_mV: [0, 0],
    vInit_mV: v0,
  });
  const current = pop.port("i_nA");
  for (let t = 1; t <= 500; t++) {
    current.fill(I);
    pop.step(ctx);
    for (let i = 0; i < 2; i++) {
      const vInf = rest[i] + (1000 * I) / gL[i];
      const expected = vInf + (v0 - vInf) * Math.exp((-t * dt) / tau[i]);
      assert.ok(
        Math.abs(pop.v_mV[i] - expected) < 2e-4,
        `neuron ${i} step ${t}: ${pop.v_mV[i]} vs ${expected}`,
      );
    }
  }
  // after 50 ms neuron 0 (tau 10 ms) is within 0.04 mV of -60 mV, neuron 1 (tau 30 ms) still 1.4 mV away
  assert.ok(Math.abs(pop.v_mV[0] - -60) < 0.04);
  assert.ok(Math.abs(pop.v_mV[1] - -52.5) > 1);
});

test("errors name the parameter and the neuron; the negative-conductance error uses that neuron's g_L", () => {
  assert.throws(() => new CobaLIF(3, dt, { tauMem_ms: [10, -1, 5] }), {
    name: "InvalidParameterError",
    message: /^tauMem_ms\[1\] must be > 0/,
  });
  assert.throws(() => new CobaLIF(2, dt, { gLeak_nS: [10, 0] }), {
    name: "InvalidParameterError",
    message: /^gLeak_nS\[1\] must be > 0/,
  });
  assert.throws(() => new CobaLIF(2, dt, { vRest_mV: [-60, 1e39] }), /^InvalidParameterError: vRest_mV\[1\]/);
  assert.throws(
    () => new CobaLIF(2, dt, { vReset_mV: [-60, -45] }),
    /^InvalidParameterError: neuron 1: vReset_mV \(-45\) must be below vThreshold_mV \(-50\)/,
  );
  assert.throws(() => new CobaLIF(3, dt, { gLeak_nS: [10, 20] }), ShapeMismatchError);
  assert.throws(
    () => new CobaLIF(3, dt, { gLeak_nS: [10, 20] }),
    /^ShapeMismatchError: gLeak_nS has 2 values but the population has 3 neurons/,
  );
  assert.throws(() => new CobaLIF(2, dt, { gLeak_nS: "10" as never }), InvalidParameterError);
  assert.throws(
    () => new CobaLIF(2, dt, { tauMem_ms: [10, 20], tRef_ms: [1, 2] as never }),
    /^InvalidParameterError: CobaLIF takes tRef_ms once for the population \(one number\)/,
  );
  assert.throws(
    () => new CobaLIF(2, dt, { tauMem_ms: [10, 20], synapses: [] }),
    /at least one \{ port, tauSyn_ms, vRev_mV \}/,
  );
  for (const nSyn of [1, 2, 3]) {
    const pop = new CobaLIF(3, dt, { gLeak_nS: [10, 7, 12], synapses: SYNAPSES[nSyn] });
    pop.port("exc")[1] = -1000;
    assert.throws(
      () => pop.step(ctx),
      (e: unknown) => {
        assert.ok(e instanceof StateError);
        assert.match(e.message, /^CobaLIF neuron 1: its total conductance .* below 0 \(g_L = 7 nS\)/);
        return true;
      },
    );
  }
});

const roundTrip = (saved: ReturnType<typeof networkParameters>): SavedModel => {
  const encoded = encodeModel(saved);
  return decodeModel(encoded.manifest, encoded.files as Record<string, Uint8Array>, "memory");
};

test("settings record per-neuron values; a saved per-neuron population restores into its twin, and another value is a difference", () => {
  const build = (threshold1: number) => {
    const net = new Network({ dt_ms: dt });
    const pop = net.addPopulation(
      "c",
      new CobaLIF(3, dt, {
        tauMem_ms: [10, 20, 30],
        gLeak_nS: [5, 10, 20],
        vThreshold_mV: [-50, threshold1, -48],
        tRef_ms: 1,
      }),
    );
    return { net, pop };
  };
  const drive = (pop: CobaLIF, t: number) => {
    pop.port("exc").set([12 * (t % 3 === 0 ? 1 : 0), 30 * (t % 7 === 0 ? 1 : 0), 8]);
    pop.port("i_nA").set([0.1, 0.05, 0.2]);
  };
  const a = build(-49);
  for (let t = 0; t < 150; t++) {
    drive(a.pop, t);
    a.pop.step(ctx);
  }
  const saved = roundTrip(networkParameters(a.net));
  const settings = (saved.config as { populations: { settings: Record<string, unknown> }[] }).populations[0]
    .settings;
  assert.match(String(settings.tauMem_ms), /^3 values, CRC-32 [0-9a-f]{8}$/);
  assert.match(String(settings.gLeak_nS), /^3 values, CRC-32 [0-9a-f]{8}$/);
  const b = build(-49);
  const logs = captureLogs(() => restoreNetworkParameters(b.net, saved));
  assert.deepStrictEqual(
    logs.filter((r) => r.id === SETTINGS_DIFFER),
    [],
  );
  // the transient state (v, g) is not saved (src/network/parameters.ts): both start again from vInit
  a.pop.reset();
  let spikes = 0;
  for (let t = 0; t < 300; t++) {
    drive(a.pop, t);
    drive(b.pop, t);
    a.pop.step(ctx);
    b.pop.step(ctx);
    spikes += a.pop.spikeCount;
    assert.deepStrictEqual(Array.from(b.pop.v_mV), Array.from(a.pop.v_mV), `step ${t}`);
  }
  assert.ok(spikes > 0);
  // another per-neuron threshold is a difference in the saved settings
  const [w] = captureLogs(() => restoreNetworkParameters(build(-48.5).net, saved)).filter(
    (r) => r.id === SETTINGS_DIFFER,
  );
  assert.match(
    w?.message ?? "",
    /population "c" vThreshold_mV is "3 values, CRC-32 [0-9a-f]{8}" here, "3 values, CRC-32 [0-9a-f]{8}" in the saved network/,
  );
});

test("the si-units hint reads per-neuron lists", () => {
  const logs = captureLogs(
    () => new CobaLIF(2, dt, { gLeak_nS: [1e-8, 2e-8], vRest_mV: [-0.06, -0.065] }),
  ).filter((r) => r.id === SI_UNITS);
  assert.deepStrictEqual(
    logs.map((r) => r.message.replace(/ \(Brian2.*$/, "")),
    [
      "CobaLIF: vRest_mV = [-0.06, ...] (2 values) looks like volts",
      "CobaLIF: gLeak_nS = [1e-8, ...] (2 values) looks like siemens",
    ],
  );
});
