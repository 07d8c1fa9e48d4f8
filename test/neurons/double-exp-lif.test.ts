/**
 * DoubleExpLIF: the closed-form LIF interval under constant input (case C34.3) for both integration schemes
 * and both refractory conventions, rheobase, the discrete double-exponential kernel's area and peak (C34.4)
 * for the synaptic current and the filtered spike train, the single exponential, the membrane noise, seeding,
 * refractoriness, and parameter errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError, ShapeMismatchError, TimeStepError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { DoubleExpLIF } from "../../src/neurons/double-exp-lif.ts";
import type { DoubleExpLifParams } from "../../src/neurons/double-exp-lif.ts";
import { diffs, run, spikeStepsOf } from "./helpers.ts";

const DT = 0.05;
const QUIET: Partial<DoubleExpLifParams> = { noiseSd_mV: 0, vInit: -65 };

/** Closed-form ISI (C34.3): t_ref + tau_m ln((I - v_reset) / (I - v_th)) with t_ref 2, tau_m 10, -65, -40. */
function isiClosed_ms(I: number): number {
  return 2 + 10 * Math.log((I + 65) / (I + 40));
}

test("C34.3: the closed-form interval is 14.528 ms at I = -30 (and 19.918, 34.581, 10.109 ms at -35, -39, -20)", () => {
  assert.ok(Math.abs(isiClosed_ms(-30) - 14.528) < 5e-4);
  assert.ok(Math.abs(isiClosed_ms(-35) - 19.918) < 5e-4);
  assert.ok(Math.abs(isiClosed_ms(-39) - 34.581) < 5e-4);
  assert.ok(Math.abs(isiClosed_ms(-20) - 10.109) < 5e-4);
});

test("C34.3, Euler with our refractory convention: I = -30 fires at step 249, then every 289 steps (14.45 ms), 69 spikes in 1 s", () => {
  // Euler: v_n - I = (v_0 - I)(1 - dt/tau)^n, threshold when (1 - 0.005)^n <= 10/35, n >= 249.93: 250 integrating
  // steps. From v_reset at step 0 the first spike is at step 249 (time 12.5 ms). After a spike at s the neuron
  // is held in s+1 .. s+39 (R = 40) and integrates 250 steps from s+40: the next spike is at s + 289.
  // Steps 249 + 289 m <= 19 999 give m = 0 .. 68: 69 spikes.
  const pop = new DoubleExpLIF(1, DT, { ...QUIET, bias_nA: -30 });

  const steps = spikeStepsOf(run(pop, 20_000, DT), 0);

  assert.equal(steps[0], 249);
  assert.deepEqual([...new Set(diffs(steps))], [289]);
  assert.equal(steps.length, 69);
});

test("C34.3, the reference's convention (held while t <= t_last + 2 ms, t_last = 0 at start): 68 spikes at 14.5, 29.0, 43.5 ms, ...", () => {
  // The reference integrates again only once dt * i > t_last + 2 ms, one step later than our convention: that is
  // our convention with R = 41 (tRef 2.05 ms). Its start t_last = 0 holds the neuron for the first 40 steps,
  // i.e. our refractory counter set to 41 at reset. MATLAB step i is our step i - 1 and is at time i dt.
  const pop = new DoubleExpLIF(1, DT, { ...QUIET, bias_nA: -30, tRef_ms: 2.05 });
  pop.refractoryLeft[0] = 41;

  const times = spikeStepsOf(run(pop, 20_000, DT), 0).map((s) => (s + 1) * DT);

  assert.equal(times.length, 68);
  times.forEach((t, k) => assert.ok(Math.abs(t - 14.5 * (k + 1)) < 1e-9, `spike ${k} at ${t} ms`));
});

test("exact integration: every interval lies in (closed form - dt, closed form] for I = -30, -35, -39, -20", () => {
  // Exact: v_n - I = (v_0 - I) e^(-n dt / tau), so n = ceil(n*) steps with n* = tau/dt ln((I+65)/(I+40)); with
  // R - 1 held steps the interval is (R - 1 + ceil(n*)) dt, within one dt below t_ref + n* dt.
  for (const I of [-30, -35, -39, -20]) {
    const pop = new DoubleExpLIF(1, DT, { ...QUIET, bias_nA: I, integration: "exact" });

    const isi = diffs(spikeStepsOf(run(pop, 40_000, DT), 0)).map((d) => d * DT);

    assert.ok(isi.length > 5, `I = ${I}: ${isi.length} intervals`);
    for (const x of isi) {
      assert.ok(
        x <= isiClosed_ms(I) + 1e-9 && x > isiClosed_ms(I) - DT,
        `I = ${I}: ISI ${x} vs ${isiClosed_ms(I)}`,
      );
    }
  }
});

test("no spikes without noise at or below rheobase (I <= -40), from below or above the reset", () => {
  for (const [I, v0] of [
    [-40, -65],
    [-40, -41],
    [-45, -65],
    [-60, -50],
  ]) {
    const pop = new DoubleExpLIF(1, DT, { ...QUIET, bias_nA: I, vInit: v0 });

    assert.equal(run(pop, 40_000, DT).steps.length, 0, `I = ${I}, v0 = ${v0}`);
  }
});

test("one Euler step is v + (dt/tau)(v_rest + R I - v); one exact step is v_rest + R I + (v - v_rest - R I) e^(-dt/tau)", () => {
  const common = {
    ...QUIET,
    vInit: -50,
    vRest_mV: 2,
    resistance_MOhm: 1.5,
    bias_nA: -30,
    vThreshold_mV: 100,
  };
  const euler = new DoubleExpLIF(1, DT, common);
  const exact = new DoubleExpLIF(1, DT, { ...common, integration: "exact" });

  run(euler, 1, DT);
  run(exact, 1, DT);

  const target = 2 + 1.5 * -30;
  assert.equal(euler.v_mV[0], Math.fround(-50 + (DT / 10) * (target + 50)));
  assert.equal(exact.v_mV[0], Math.fround(target + (-50 - target) * Math.exp(-DT / 10)));
});

/** The current I(step) of one neuron after one unit weight arrives at its "syn" port at step 0. */
function synapticKernel(params: Partial<DoubleExpLifParams>, steps: number): number[] {
  const pop = new DoubleExpLIF(1, DT, { ...QUIET, bias_nA: -100, ...params });
  const syn = pop.port("syn");
  const out: number[] = [];
  run(pop, steps, DT, { feed: (s) => (syn[0] = s === 0 ? 1 : 0), after: () => out.push(pop.iSyn_nA[0]) });
  return out;
}

test("C34.4: the double-exponential current of one unit weight: area 1.0138 (x 1000 nA ms), peak 39.25 nA 5.10 ms after arrival", () => {
  // Exponential-Euler update I <- I e_d + h dt, h <- h e_r + 1000/(tau_r tau_d) per unit weight, arrival at step
  // 0: I_m = 1000 dt/(tau_r tau_d) (e_d^m - e_r^m)/(e_d - e_r), so sum_m I_m dt = 1000 dt^2 / (tau_r tau_d
  // (1 - e_r)(1 - e_d)) = 1000 x 1.0138; the discrete peak is 39.248 at m = 102 (5.10 ms). Continuous form: area
  // 1, peak 38.71 at 5.117 ms.
  const kernel = synapticKernel({ tauDecay_ms: 20, tauRise_ms: 2 }, 40_000);
  const er = Math.exp(-DT / 2);
  const ed = Math.exp(-DT / 20);

  const area = (kernel.reduce((a, b) => a + b, 0) * DT) / 1000;
  const peak = Math.max(...kernel);
  const at = kernel.indexOf(peak);

  assert.ok(Math.abs(area - DT ** 2 / (2 * 20 * (1 - er) * (1 - ed))) < 1e-9);
  assert.ok(Math.abs(area - 1.0138) < 5e-5, `area ${area}`);
  assert.ok(Math.abs(peak - 39.25) < 5e-3, `peak ${peak}`);
  assert.equal(at * DT, 102 * DT);
  assert.ok(Math.abs(at * DT - 5.1) < 1e-9);
  assert.equal(kernel[0], 0, "the arrival moves h, not yet I");
  for (const m of [1, 10, 100, 1000]) {
    const closed = ((1000 * DT) / (2 * 20)) * ((ed ** m - er ** m) / (ed - er));
    assert.ok(Math.abs(kernel[m] - closed) < 1e-9 * closed, `m = ${m}`);
  }
});

test("the filtered spike train r_Hz has the same kernel (area 1 spike), starting in the step after the spike", () => {
  const pop = new DoubleExpLIF(1, DT, { ...QUIET, bias_nA: -100, tauDecay_ms: 20 });
  const dv = pop.port("dv_mV");
  const r: number[] = [];

  const ev = run(pop, 40_000, DT, {
    feed: (s) => (dv[0] = s === 10 ? 200 : 0),
    after: () => r.push(pop.r_Hz[0]),
  });
  const kernel = synapticKernel({ tauDecay_ms: 20 }, 40_000);

  assert.deepEqual(ev.steps, [10]);
  assert.equal(r[10], 0);
  for (const m of [1, 50, 102, 5000]) assert.ok(Math.abs(r[10 + m] - kernel[m]) < 1e-12 * kernel[m]);
  assert.ok(Math.abs((r.reduce((a, b) => a + b, 0) * DT) / 1000 - 1.0138) < 5e-5);
});

test("tau_r = 0 gives the single exponential 1000/tau_d e^(-m dt/tau_d), starting in the arrival step", () => {
  const kernel = synapticKernel({ tauDecay_ms: 25, tauRise_ms: 0 }, 20_000);

  for (const m of [0, 1, 100, 5000]) {
    const closed = (1000 / 25) * Math.exp((-m * DT) / 25);
    assert.ok(Math.abs(kernel[m] - closed) < 1e-9 * closed, `m = ${m}`);
  }
});

test("per-neuron decay constants: each neuron filters with its own tau_d", () => {
  const pop = new DoubleExpLIF(2, DT, { ...QUIET, bias_nA: -100, tauDecay_ms: [20, 50] });
  const syn = pop.port("syn");

  run(pop, 2001, DT, { feed: (s) => syn.fill(s === 0 ? 1 : 0) });

  const closed = (tau: number, m: number) => {
    const er = Math.exp(-DT / 2);
    const ed = Math.exp(-DT / tau);
    return ((1000 * DT) / (2 * tau)) * ((ed ** m - er ** m) / (ed - er));
  };
  assert.ok(Math.abs(pop.iSyn_nA[0] - closed(20, 2000)) < 1e-9);
  assert.ok(Math.abs(pop.iSyn_nA[1] - closed(50, 2000)) < 1e-9);
  assert.equal(pop.state("iSyn_nA")[1], Math.fround(pop.iSyn_nA[1]), "state() returns a fresh float32 copy");
});

test("membrane noise: Euler OU with sd 0.1 mV per step has stationary sd 0.1 / sqrt(1 - (1 - dt/tau)^2) = 1.00125 mV", () => {
  const pop = new DoubleExpLIF(200, DT, { vInit: -100, bias_nA: -100, seed: 3 });
  let sum = 0;
  let sumSq = 0;
  let count = 0;

  run(pop, 6000, DT, {
    after: (s) => {
      if (s < 2000) return;
      for (let i = 0; i < 200; i++) {
        sum += pop.v_mV[i];
        sumSq += pop.v_mV[i] ** 2;
        count++;
      }
    },
  });

  const mean = sum / count;
  const sd = Math.sqrt(sumSq / count - mean * mean);
  assert.ok(Math.abs(mean + 100) < 0.05, `mean ${mean}`);
  assert.ok(Math.abs(sd - 0.1 / Math.sqrt(1 - (1 - DT / 10) ** 2)) < 0.03, `sd ${sd}`);
});

test("noise is added while refractory (reference) unless noiseWhenRefractory is false", () => {
  const make = (noiseWhenRefractory: boolean) =>
    new DoubleExpLIF(1, DT, { vInit: -20, bias_nA: -100, noiseWhenRefractory, seed: 1 });
  const on = make(true);
  const off = make(false);

  const spikes = run(on, 20, DT).steps;
  run(off, 20, DT);

  assert.deepEqual(spikes, [0], "v0 = -20 spikes in step 0; steps 1 .. 19 are refractory");
  assert.equal(off.v_mV[0], -65, "held exactly at reset");
  assert.notEqual(on.v_mV[0], -65);
  assert.ok(Math.abs(on.v_mV[0] + 65) < 2);
});

test("saturating drive: the interval is exactly R = 40 steps (our refractory convention)", () => {
  const pop = new DoubleExpLIF(1, DT, { ...QUIET, bias_nA: 1e6 });

  const steps = spikeStepsOf(run(pop, 1000, DT), 0);

  assert.equal(steps[0], 0);
  assert.deepEqual([...new Set(diffs(steps))], [40]);
});

test("seeding: setRng then reset reproduces initial voltages and noise exactly; another stream differs", () => {
  const pop = new DoubleExpLIF(50, DT, { tauDecay_ms: 30 });
  const trialSpikes = (k: number) => {
    pop.setRng(createRng(7, "trial", k));
    pop.reset();
    const v0 = Array.from(pop.v_mV);
    return { v0, events: run(pop, 400, DT) };
  };

  const a = trialSpikes(1);
  const b = trialSpikes(2);
  const c = trialSpikes(1);

  assert.deepEqual(c, a);
  assert.notDeepEqual(b.v0, a.v0);
  assert.ok(a.v0.every((v) => v >= -65 && v < 30));
  assert.ok(
    a.events.steps.filter((s) => s === 0).length > 5,
    "v0 ~ U(-65, 30): many spike in the first step",
  );
});

test("parameter errors name the value and the fix", () => {
  assert.throws(
    () => new DoubleExpLIF(3, DT, { tauDecay_ms: [20, 30] }),
    (e: unknown) =>
      e instanceof ShapeMismatchError && /tauDecay_ms has 2 values but the population has 3/.test(e.message),
  );
  assert.throws(() => new DoubleExpLIF(2, DT, { tauDecay_ms: [20, -1] }), /tauDecay_ms\[1\] must be > 0/);
  assert.throws(
    () => new DoubleExpLIF(1, DT, { vReset_mV: -40 }),
    /vReset_mV \(-40\) must be below vThreshold_mV \(-40\)/,
  );
  assert.throws(
    () => new DoubleExpLIF(1, DT, { integration: "rk4" as "euler" }),
    /integration must be "euler" or "exact"/,
  );
  assert.throws(() => new DoubleExpLIF(1, 0.03, {}), TimeStepError);
  assert.throws(() => new DoubleExpLIF(1, 20, {}), /use integration "exact" or a smaller dt/);
  assert.throws(
    () => new DoubleExpLIF(1, DT, { vInit: { kind: "uniform", lo_mV: 0, hi_mV: -1 } }),
    /vInit.lo_mV \(0\) must be <= vInit.hi_mV/,
  );
});

const T_LAST: Partial<DoubleExpLifParams> = { ...QUIET, refractoryRule: "t-last" };

test('C34.3 with refractoryRule "t-last" (the reference rule, no tRef trick): I = -30 fires at 14.5, 29.0, ... ms, 68 spikes', () => {
  // Held while t <= t_last + 2 ms with t = (k + 1) dt and t_last = 0 at reset: steps 0 .. 39 are held, the
  // membrane integrates from step 40 and needs 250 Euler steps from -65 (see above): first spike at step 289,
  // time 290 dt = 14.5 ms. After a spike at s the steps s+1 .. s+40 are held and the next spike is at
  // s + 40 + 250 = s + 290. Spikes 289 + 290 m <= 19 999 give m = 0 .. 67: 68 spikes.
  const pop = new DoubleExpLIF(1, DT, { ...T_LAST, bias_nA: -30 });

  const steps = spikeStepsOf(run(pop, 20_000, DT), 0);

  assert.equal(steps[0], 289);
  assert.deepEqual([...new Set(diffs(steps))], [290]);
  assert.equal(steps.length, 68);
  assert.equal(pop.derived.refCounter, 41);
  assert.equal(pop.derived.refAtReset, 41);
});

test('"t-last" under saturating drive: held for the first 40 steps, then a spike every R + 1 = 41 steps', () => {
  const fromReset = new DoubleExpLIF(1, DT, { ...T_LAST, bias_nA: 1e6 });
  const aboveThreshold = new DoubleExpLIF(1, DT, { ...T_LAST, bias_nA: 1e6, vInit: 0 });

  const a = spikeStepsOf(run(fromReset, 1000, DT), 0);
  const b = spikeStepsOf(run(aboveThreshold, 1000, DT), 0);

  // from -65 nothing integrates before step 40, which then jumps far above threshold
  assert.equal(a[0], 40);
  assert.deepEqual([...new Set(diffs(a))], [41]);
  // a unit starting above threshold fires in step 0 although held (the threshold is tested while held)
  assert.equal(b[0], 0);
  assert.deepEqual([...new Set(diffs(b))], [41]);
});

test('"t-last" resets the hold at every reset; "engine" starts free', () => {
  const tLast = new DoubleExpLIF(1, DT, { ...T_LAST, bias_nA: 1e6 });
  const engine = new DoubleExpLIF(1, DT, { ...QUIET, bias_nA: 1e6 });

  run(tLast, 100, DT);
  tLast.reset();
  engine.reset();

  assert.equal(tLast.refractoryLeft[0], 41);
  assert.equal(spikeStepsOf(run(tLast, 100, DT), 0)[0], 40);
  assert.equal(engine.refractoryLeft[0], 0);
  assert.equal(spikeStepsOf(run(engine, 100, DT), 0)[0], 0);
});

test('"t-last" while held: "i_nA" is discarded, "dv_mV" is added and a kick past threshold fires and restarts the hold', () => {
  // No noise, v = -65 and bias -65: the membrane is at its fixed point, so v changes only through the ports.
  const pop = new DoubleExpLIF(1, DT, { ...T_LAST, bias_nA: -65 });
  const cur = pop.port("i_nA");
  const dv = pop.port("dv_mV");
  const v: number[] = [];

  const events = run(pop, 120, DT, {
    feed: (k) => {
      cur[0] = 100; // would drive a free neuron to threshold within a few steps
      if (k === 5) dv[0] = 1;
      if (k === 20) dv[0] = 30;
    },
    after: () => v.push(pop.v_mV[0]),
  });

  assert.equal(v[4], -65);
  assert.deepEqual(v.slice(5, 20), new Array(15).fill(-64), "the kick stays; the current is ignored");
  assert.deepEqual(spikeStepsOf(events, 0).slice(0, 1), [20], "-64 + 30 >= -40 fires while held");
  assert.deepEqual(v.slice(21, 61), new Array(40).fill(-65), "held for steps 21 .. 60 after the spike");
  assert.ok(v[61] > -65, "integrates the current again at step 61");
});

test('"engine" while held: the "dv_mV" kick is discarded', () => {
  const pop = new DoubleExpLIF(1, DT, { ...QUIET, bias_nA: -65, vInit: 0 });
  const dv = pop.port("dv_mV");
  const v: number[] = [];

  const events = run(pop, 10, DT, {
    feed: (k) => {
      if (k === 5) dv[0] = 1;
    },
    after: () => v.push(pop.v_mV[0]),
  });

  assert.deepEqual(spikeStepsOf(events, 0), [0]);
  assert.deepEqual(v, new Array(10).fill(-65));
});

test("refractoryRule errors name the value and the choices", () => {
  assert.throws(
    () => new DoubleExpLIF(1, DT, { refractoryRule: "matlab" as "t-last" }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      /refractoryRule must be "engine" or "t-last", got "matlab"/.test(e.message),
  );
});
