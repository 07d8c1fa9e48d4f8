/**
 * CobaLIF: exact relaxation at constant conductance, the leak alone against LIF, an EPSP against a fine
 * Runge-Kutta solution of the ODE, the current port's steady state, Brian2's arrival timing, refractoriness,
 * reset and parameter errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError, TimeStepError } from "../../src/core/errors.ts";
import { SpikeTrain } from "../../src/encoding/spike-train.ts";
import { StateMonitor } from "../../src/network/monitors.ts";
import { Network } from "../../src/network/network.ts";
import {
  COBA_BENCHMARK_WEIGHTS,
  COBA_LIF_DEFAULTS,
  CobaLIF,
  relaxFactor,
} from "../../src/neurons/coba-lif.ts";
import { createRng } from "../../src/core/rng.ts";
import { Input } from "../../src/neurons/input.ts";
import { NoiseCurrentDrive } from "../../src/network/noise-drive.ts";
import { LIF } from "../../src/neurons/lif.ts";
import { OneToOne } from "../../src/projections/one-to-one.ts";
import { run, ulp32 } from "./helpers.ts";

/** v after each step of one neuron given weights into port `port` before chosen steps. */
function trace(
  pop: CobaLIF,
  steps: number,
  dt: number,
  arrivals: Record<number, number>,
  port = "exc",
): number[] {
  const v: number[] = [];
  run(pop, steps, dt, {
    feed: (s) => {
      if (arrivals[s] !== undefined) pop.port(port)[0] += arrivals[s];
    },
    after: () => v.push(pop.v_mV[0]),
  });
  return v;
}

test("at a constant conductance v relaxes exactly: v(t) = v_oo + (v0 - v_oo) e^(-t G / C)", () => {
  const dt = 0.1;
  const gL = 10;
  const tauM = 20;
  const g = 7; // nS, held: a decay time so long that it does not change within the run in float32
  const pop = new CobaLIF(1, dt, {
    vThreshold_mV: 100,
    synapses: [{ port: "exc", tauSyn_ms: 1e30, vRev_mV: 0 }],
  });
  const v = trace(pop, 300, dt, { 0: g });
  const G = gL + g;
  const vInf = (gL * -60 + g * 0) / G; // -35.294... mV
  for (let n = 1; n <= 300; n++) {
    const want = vInf + (-60 - vInf) * Math.exp((-n * dt * G) / (tauM * gL));
    // one float32 rounding of v per step: the error stays within a few ulp
    assert.ok(Math.abs(v[n - 1] - want) <= 4 * ulp32(want), `step ${n}: ${v[n - 1]} against ${want}`);
  }
  assert.ok(
    v[299] < vInf && v[299] > vInf - 2,
    "near the equilibrium after 30 ms, 2.6 effective time constants",
  );
});

test("without synaptic input the membrane decays as a LIF with the same tau_m, to float32 rounding", () => {
  const dt = 0.25;
  const coba = new CobaLIF(3, dt, { vInit_mV: [-40, -55, -75], vThreshold_mV: 0 });
  const lif = new LIF(3, dt, {
    tauMem_ms: 20,
    vRest_mV: -60,
    vReset_mV: -60,
    vThreshold_mV: 0,
    vInit_mV: [-40, -55, -75],
  });
  for (let s = 0; s < 200; s++) {
    coba.step({ step: s, dt_ms: dt, learning: false });
    lif.step({ step: s, dt_ms: dt, learning: false });
    for (let i = 0; i < 3; i++) {
      assert.ok(Math.abs(coba.v_mV[i] - lif.v_mV[i]) <= 2 * ulp32(lif.v_mV[i]), `step ${s}, neuron ${i}`);
    }
  }
});

/** The ODE of one neuron after a weight w (nS) at t = 0 into a conductance with tau_s and reversal E, by RK4. */
function rk4Epsp(t_ms: number, w: number, tauS: number, E: number, h = 1e-4): number {
  const C = 20 * 10; // pF
  const f = (t: number, v: number) => (10 * (-60 - v) + w * Math.exp(-t / tauS) * (E - v)) / C;
  let v = -60;
  const n = Math.round(t_ms / h);
  for (let k = 0; k < n; k++) {
    const t = k * h;
    const k1 = f(t, v);
    const k2 = f(t + h / 2, v + (h / 2) * k1);
    const k3 = f(t + h / 2, v + (h / 2) * k2);
    const k4 = f(t + h, v + h * k3);
    v += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  return v;
}

test("an EPSP and an IPSP follow the ODE's solution with a second-order error (halving dt quarters it)", () => {
  for (const [port, w, tauS, E] of [
    ["exc", COBA_BENCHMARK_WEIGHTS.exc_nS, 5, 0],
    ["inh", COBA_BENCHMARK_WEIGHTS.inh_nS, 10, -80],
  ] as const) {
    const errors: number[] = [];
    for (const dt of [0.5, 0.25, 0.1]) {
      const pop = new CobaLIF(1, dt, { vThreshold_mV: 100, vInit_mV: -60 });
      const v = trace(pop, Math.round(20 / dt), dt, { 0: w }, port);
      let worst = 0;
      for (const t of [1, 2, 5, 10, 20]) {
        const got = v[Math.round(t / dt) - 1];
        worst = Math.max(worst, Math.abs(got - rk4Epsp(t, w, tauS, E)));
      }
      errors.push(worst);
    }
    const peak = rk4Epsp(5, w, tauS, E) + 60;
    // second order: halving dt divides the error by about 4 (a first-order method: by 2; at dt = 0.1 ms the
    // float32 rounding of v is already a third of it), and at dt = 0.1 ms it is under 0.05 % of the PSP
    // (Brian2's exponential Euler: about 1 %)
    assert.ok(errors[1] < 0.3 * errors[0], `${port}: ${errors.join(", ")}`);
    assert.ok(errors[2] < 5e-4 * Math.abs(peak), `${port}: error ${errors[2]} mV on a PSP of ${peak} mV`);
  }
});

test("the i_nA port drives v to E_L + 1000 i / g_L (1 nA into 1 nS is 1000 mV)", () => {
  const dt = 0.1;
  const pop = new CobaLIF(1, dt, {});
  let v = 0;
  run(pop, 2000, dt, { feed: () => (pop.port("i_nA")[0] = 0.05), after: () => (v = pop.v_mV[0]) });
  assert.ok(Math.abs(v - -55) < 1e-3, `steady state ${v} mV, want -55 mV`);
});

test("Brian2's timing: a spike in step s moves v from step s + 1; refractoriness holds v while g decays", () => {
  const dt = 0.1;
  const net = new Network({ dt_ms: dt });
  const pre = net.addPopulation("pre", new Input(1));
  const post = net.addPopulation("post", new CobaLIF(1, dt, {}));
  net.addProjection("pre->post", new OneToOne(pre, post, { weights: 6 }));
  const v = net.addMonitor(new StateMonitor(post, "v_mV"));
  const g = net.addMonitor(new StateMonitor(post, "g_exc_nS"));
  net.run({ pre: SpikeTrain.fromEvents(1, 20, [[5, 0]]) }, 20);
  const vs = Array.from(v.values().data);
  const gs = Array.from(g.values().data);
  assert.deepEqual(vs.slice(0, 6), [-60, -60, -60, -60, -60, -60], "nothing before step 6");
  assert.ok(vs[6] > -60, "v moves in step 6, the step the weight arrives");
  // the conductance after step 6 is the weight decayed once
  assert.equal(gs[6], Math.fround(6 * Math.exp(-dt / 5)));

  const held = new CobaLIF(1, dt, { vInit_mV: -50.5 });
  held.port("exc")[0] = 60; // enough to fire at once
  const vh: number[] = [];
  const gh: number[] = [];
  const events = run(held, 60, dt, { after: () => (vh.push(held.v_mV[0]), gh.push(held.g_nS[0][0])) });
  assert.deepEqual(events.steps.slice(0, 1), [0]);
  // 5 ms = 50 steps: held at v_reset in steps 1 .. 49, integrates again in step 50
  assert.ok(vh.slice(0, 50).every((x) => x === -60));
  assert.ok(vh[50] > -60, "the conductance left over drives v once the hold ends");
  assert.ok(gh[49] < gh[0] && gh[49] > 0, "the conductance kept decaying while v was held");
});

test("reset() restores v_init, zeroes the conductances and frees refractory neurons", () => {
  const dt = 0.1;
  const pop = new CobaLIF(2, dt, { vInit_mV: [-58, -52] });
  pop.port("exc")[1] = 100;
  run(pop, 3, dt);
  assert.equal(pop.spikeCount, 0);
  assert.ok(pop.refractoryLeft[1] > 0 && pop.g_nS[0][1] > 0);
  pop.reset();
  assert.deepEqual(Array.from(pop.v_mV), [-58, -52]);
  assert.deepEqual(Array.from(pop.g_nS[0]), [0, 0]);
  assert.deepEqual(Array.from(pop.refractoryLeft), [0, 0]);
  assert.deepEqual(pop.stateNames, ["v_mV", "g_exc_nS", "g_inh_nS"]);
  assert.deepEqual(pop.portNames, ["exc", "inh", "i_nA", "dv_mV"]);
  assert.equal(COBA_LIF_DEFAULTS.synapses[1].vRev_mV, -80);
});

test("relaxFactor is (1 - e^(-x)) / x to 1e-10 relative, on both sides of its polynomial's range", () => {
  for (let k = 0; k <= 4000; k++) {
    const x = k / 2000; // 0 .. 2
    const want = x === 0 ? 1 : -Math.expm1(-x) / x;
    assert.ok(Math.abs(relaxFactor(x) - want) <= 1e-10 * want, `x = ${x}: ${relaxFactor(x)} against ${want}`);
  }
  assert.equal(relaxFactor(0), 1);
});

test("the fused two-port step and the general step (three ports, one unused) give the same voltages", () => {
  const dt = 0.1;
  const two = new CobaLIF(50, dt, {});
  const three = new CobaLIF(50, dt, {
    synapses: [...COBA_LIF_DEFAULTS.synapses, { port: "nmda", tauSyn_ms: 100, vRev_mV: 0 }],
  });
  const rng = createRng(5, "coba-paths");
  let spikes = 0;
  for (let s = 0; s < 3000; s++) {
    for (let i = 0; i < 50; i++) {
      const e = rng.float() < 0.05 ? 40 * rng.float() : 0;
      const h = rng.float() < 0.02 ? 60 * rng.float() : 0;
      const cur = rng.float() < 0.1 ? 0.2 * (rng.float() - 0.5) : 0;
      for (const p of [two, three]) {
        p.port("exc")[i] += e;
        p.port("inh")[i] += h;
        p.port("i_nA")[i] += cur;
      }
    }
    two.step({ step: s, dt_ms: dt, learning: false });
    three.step({ step: s, dt_ms: dt, learning: false });
    spikes += two.spikeCount;
    assert.deepEqual(Array.from(three.v_mV), Array.from(two.v_mV), `step ${s}`);
    assert.deepEqual(
      Array.from(three.spikeIdx.subarray(0, three.spikeCount)),
      Array.from(two.spikeIdx.subarray(0, two.spikeCount)),
    );
  }
  assert.ok(spikes > 100, `the comparison covers spikes and refractoriness (${spikes} spikes)`);
});

test("a conductance driven below 0 stops the run with the cause (noise into the default port)", () => {
  const dt = 0.1;
  const net = new Network({ dt_ms: dt });
  net.addPopulation("P", new CobaLIF(50, dt, {}));
  assert.throws(
    () => net.run({ P: new NoiseCurrentDrive(2, 50, createRng(1, "n")) }, 200),
    /^StateError: CobaLIF neuron \d+: its total conductance g_L \+ sum of a_k g_k is -[\d.e+-]+ nS, below 0 .*send currents into "i_nA"/,
  );
  // the same noise into "i_nA" is a current and runs
  const ok = new Network({ dt_ms: dt });
  ok.addPopulation("P", new CobaLIF(50, dt, {}));
  ok.run({ P: new NoiseCurrentDrive(0.02, 50, createRng(1, "n"), { port: "i_nA" }) }, 200);
  assert.equal(relaxFactor(-2), -Math.expm1(2) / -2, "exact below 0 too");
});

test("parameter errors name the value and the fix", () => {
  const dt = 0.1;
  assert.throws(
    () => new CobaLIF(1, dt, { synapses: [{ port: "exc", tauSyn_ms: 5 } as never] }),
    /synapses\[0\] needs vRev_mV, the reversal potential of its conductance/,
  );
  assert.throws(
    () =>
      new CobaLIF(1, dt, {
        synapses: [
          { port: "a", tauSyn_ms: 5, vRev_mV: 0 },
          { port: "a", tauSyn_ms: 5, vRev_mV: 0 },
        ],
      }),
    /synapses\[1\]\.port "a" is the port of synapses\[0\] too/,
  );
  assert.throws(
    () => new CobaLIF(1, dt, { synapses: [{ port: "i_nA", tauSyn_ms: 5, vRev_mV: 0 }] }),
    /synapses\[0\]\.port "i_nA" must be a non-empty name other than the model's own ports/,
  );
  assert.throws(
    () => new CobaLIF(1, dt, { synapses: [{ port: "e", tauSyn_ms: 5, vRev_mV: 0, tau: 1 } as never] }),
    /unknown option "tau"/,
  );
  assert.throws(() => new CobaLIF(1, dt, { synapses: [] }), /at least one \{ port, tauSyn_ms, vRev_mV \}/);
  assert.throws(() => new CobaLIF(1, dt, { gLeak_nS: 0 }), InvalidParameterError);
  assert.throws(() => new CobaLIF(1, dt, { gLeak_nS: 0 }), /gLeak_nS/);
  assert.throws(
    () => new CobaLIF(1, dt, { vReset_mV: -40 }),
    /vReset_mV \(-40\) must be below vThreshold_mV/,
  );
  assert.throws(() => new CobaLIF(1, dt, { tRef_ms: 0.15 }), TimeStepError);
  assert.throws(
    () => new CobaLIF(1, dt, { tRef_ms: 0.005 }),
    /tRef_ms of 0\.005 ms is not a whole number of steps .* \(times are in ms: if 0\.005 is in seconds, as Brian2 stores them, write 5\)$/,
  );
  assert.throws(() => new CobaLIF(1, dt, { gleak_nS: 1 } as never), /did you mean gLeak_nS/);
  assert.throws(
    () => new CobaLIF(2, dt, { tRef_ms: [1, 2] as never }),
    /^InvalidParameterError: CobaLIF takes tRef_ms once for the population \(one number\), got .*; per-neuron values: vInit_mV on every model, and on LIF also tauMem_ms.* on CobaLIF also tauMem_ms, vRest_mV, vReset_mV, vThreshold_mV and gLeak_nS \(docs\/models\/coba-lif\.md\)/,
  );
  // Brian2's symbols
  assert.throws(() => new CobaLIF(1, dt, { El: -60 } as never), /"El" \(did you mean vRest_mV\?\)/);
  assert.throws(() => new CobaLIF(1, dt, { gl: 10 } as never), /"gl" \(did you mean gLeak_nS\?\)/);
  assert.throws(() => new CobaLIF(1, dt, { Ee: 0 } as never), /"Ee" \(did you mean synapses\?\)/);
  assert.throws(
    () => new CobaLIF(1, dt, { C: 200 } as never),
    /"C" \(the capacitance is tauMem_ms x gLeak_nS: give those two, e\.g\. 20 ms and 10 nS for 200 pF\)/,
  );
});
