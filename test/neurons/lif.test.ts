/**
 * LIF: closed-form decay, the firing rate under constant drive (case C01), refractoriness (C04, C05), reset
 * modes (C08), properties and parameter errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { InvalidParameterError, TimeStepError } from "../../src/core/errors.ts";
import { IF } from "../../src/neurons/if.ts";
import { Izhikevich } from "../../src/neurons/izhikevich.ts";
import { LIF } from "../../src/neurons/lif.ts";
import type { LifParams } from "../../src/neurons/lif.ts";
import { ctxAt, diffs, run, spikeStepsOf, ulp32 } from "./helpers.ts";

/** Normalised LIF of case C01: threshold 1, reset 0, rest 0, R = 1 so a current J on "i_nA" has steady state J. */
const C01: Partial<LifParams> = {
  tauMem_ms: 20,
  tRef_ms: 2,
  vThreshold_mV: 1,
  vReset_mV: 0,
  vRest_mV: 0,
  resistance_MOhm: 1,
};

test("decays without input as exp(-t/tau) to float32 precision", () => {
  // Without input v - v_rest = (v0 - v_rest) e^(-t/tau) exactly; the model multiplies by D = e^(-dt/tau) per
  // step in float64 and stores float32. With v_rest = 0 each store is a relative rounding of at most 2^-24,
  // so after n steps |v_n / v_0 - D^n| <= D^n ((1 + 2^-24)^n - 1) ~ n 2^-24 D^n.
  // With v_rest = -65 the stored v lies in [-65, -55], whose rounding is absolute: at most ulp(65)/2 per step,
  // damped by D afterwards, so |error| <= (ulp(75)/2) (1 - D^n) / (1 - D).
  const dt = 0.1;
  const tau = 20;
  const steps = 2000;
  const D = Math.exp(-dt / tau);
  for (const vRest of [0, -65]) {
    const offset = 10;
    const lif = new LIF(1, dt, {
      tauMem_ms: tau,
      vRest_mV: vRest,
      vReset_mV: vRest - 5,
      vThreshold_mV: vRest + 20,
      vInit_mV: vRest + offset,
    });
    let maxRatioErr = 0;
    let bound = 0;
    run(lif, steps, dt, {
      after: (s) => {
        const n = s + 1;
        const expected = Math.exp((-n * dt) / tau);
        const got = (lif.v_mV[0] - vRest) / offset;
        const err = Math.abs(got - expected);
        const b =
          vRest === 0
            ? expected * ((1 + 2 ** -24) ** n - 1) + 1e-15
            : ((ulp32(vRest) / 2) * (1 - D ** n)) / (1 - D) / offset;
        maxRatioErr = Math.max(maxRatioErr, err / b);
        bound = Math.max(bound, b);
      },
    });

    assert.ok(maxRatioErr <= 1, `v_rest ${vRest}: error reached ${maxRatioErr} of the float32 bound`);
    assert.ok(bound < 1e-4, "the bound itself is tight enough to mean something");
  }
});

test("the first decay step stores exactly the float32 rounding of v_rest + offset * e^(-dt/tau)", () => {
  const lif = new LIF(1, 0.5, { tauMem_ms: 10, vInit_mV: -55 });

  lif.step(ctxAt(0, 0.5, true));

  assert.equal(lif.v_mV[0], Math.fround(-65 + 10 * Math.exp(-0.05)));
});

test("spikes when v reaches the threshold exactly (v >= v_th), not only above it", () => {
  // From rest -65 a jump of 13 mV gives exactly -52 (the leak of v - v_rest = 0 is 0).
  const at = new LIF(1, 1);
  const below = new LIF(1, 1);
  at.port("dv_mV")[0] = 13;
  below.port("dv_mV")[0] = 12.999;

  at.step(ctxAt(0, 1));
  below.step(ctxAt(0, 1));

  assert.equal(at.spikeCount, 1);
  assert.equal(at.v_mV[0], -65, "reset to v_reset in the spike step");
  assert.equal(below.spikeCount, 0);
});

test("C01: J = 2 fires 63 +- 1 times in 1 s at dt = 0.1 and 0.01 ms", () => {
  // tau ln(J/(J-1)) = 13.863 ms to threshold, plus t_ref 2 ms: ISI 15.863 ms, so 1 s holds 63 spikes.
  for (const dt of [0.1, 0.01]) {
    const lif = new LIF(1, dt, C01);
    const drive = lif.port("i_nA");

    const events = run(lif, Math.round(1000 / dt), dt, { feed: () => (drive[0] = 2) });

    assert.ok(Math.abs(events.steps.length - 63) <= 1, `dt ${dt}: ${events.steps.length} spikes`);
  }
});

test("C01: J = 2 at dt = 1 ms fires 66 times, ISI 15 steps, under the refractory convention", () => {
  // Steady state 2, reset 0: after m integrating steps v = 2 (1 - e^(-m/20)); m = 13 gives 0.956 and m = 14
  // gives 1.0068, so threshold is reached on the 14th integrating step. The first spike is at index 13.
  // Refractory R = 2 steps: a neuron that spikes at s is clamped at s+1 and integrates from s+2, so the ISI is
  // R - 1 + 14 = 15 steps; spikes at 13 + 15 k <= 999 give k = 0..65, i.e. 66 spikes. (Case C01's 62 counts
  // R whole skipped steps after the spike step, ISI 16; see docs/conventions.md.)
  const lif = new LIF(1, 1, C01);
  const drive = lif.port("i_nA");

  const events = run(lif, 1000, 1, { feed: () => (drive[0] = 2) });

  assert.equal(events.steps.length, 66);
  assert.equal(events.steps[0], 13);
  assert.deepEqual([...new Set(diffs(events.steps))], [15]);
});

test("C01: rates for J in {1.01, 1.5, 5, 10} at dt = 0.01 ms match 1/(t_ref + tau ln(1 + 1/(J-1))) within one step per ISI", () => {
  // From reset, threshold is reached on the m-th integrating step, m = ceil(T/dt) with T = tau ln(J/(J-1)).
  // With R = t_ref/dt, the discrete ISI is (R - 1 + m) dt, and since ceil(x) - 1 is in [x - 1, x), it lies in
  // [ISI_c - dt, ISI_c) where ISI_c = t_ref + T is the closed form. Float32 rounding of v could move the
  // crossing by a step where T/dt is within rounding of an integer, so we allow [ISI_c - dt, ISI_c] padded
  // by 1e-9 ms. J = 1.0 only approaches the threshold and must give no spike. All J run as one population.
  const dt = 0.01;
  const Js = [1.0, 1.01, 1.5, 2, 5, 10];
  const lif = new LIF(Js.length, dt, C01);
  const drive = lif.port("i_nA");

  const events = run(lif, Math.round(1000 / dt), dt, { feed: () => drive.set(Js) });

  assert.equal(spikeStepsOf(events, 0).length, 0, "J = 1.0 never reaches threshold");
  for (let n = 1; n < Js.length; n++) {
    const J = Math.fround(Js[n]);
    const isiClosed = 2 + 20 * Math.log(1 + 1 / (J - 1));
    const spikes = spikeStepsOf(events, n);
    const meanIsi = ((spikes[spikes.length - 1] - spikes[0]) * dt) / (spikes.length - 1);
    assert.ok(
      meanIsi >= isiClosed - dt - 1e-9 && meanIsi <= isiClosed + 1e-9,
      `J ${Js[n]}: mean ISI ${meanIsi} ms vs closed form ${isiClosed} ms`,
    );
    const rate_Hz = 1000 / meanIsi;
    const rateClosed_Hz = 1000 / isiClosed;
    assert.ok(Math.abs(rate_Hz - rateClosed_Hz) <= (rateClosed_Hz * dt) / (isiClosed - dt) + 1e-6);
  }
});

test("C04: an always-true threshold with t_ref = 1 ms at dt = 0.1 ms gives 1000 spikes in 1 s, every ISI 10 steps", () => {
  // Saturating drive: every non-refractory step crosses. Refractoriness is an integer step count, so no ISI
  // can be 11 steps through float comparisons of times.
  const lif = new LIF(1, 0.1, { ...C01, tRef_ms: 1 });
  const dv = lif.port("dv_mV");

  const events = run(lif, 10000, 0.1, { feed: () => (dv[0] = 1e6) });

  assert.equal(events.steps.length, 1000);
  assert.equal(events.steps[0], 0);
  assert.deepEqual([...new Set(diffs(events.steps))], [10]);
});

test("C04: refractory periods that are multiples of dt in decimal give round(t_ref/dt) steps", () => {
  // 0.3 / 0.1 = 2.9999999999999996 and 0.7 / 0.1 = 6.999999999999999 in float64.
  for (const [tRef, steps] of [
    [0.3, 3],
    [0.7, 7],
    [1.1, 11],
    [2.3, 23],
  ]) {
    const lif = new LIF(1, 0.1, { ...C01, tRef_ms: tRef });
    const dv = lif.port("dv_mV");

    const events = run(lif, 200, 0.1, { feed: () => (dv[0] = 1e6) });

    assert.deepEqual([...new Set(diffs(events.steps))], [steps], `t_ref ${tRef} ms`);
  }
});

test("C05: with saturating drive the ISI equals t_ref (spikes at 0, 1, ..., 9 ms in 10 ms)", () => {
  const lif = new LIF(1, 0.1, { ...C01, tRef_ms: 1 });
  const dv = lif.port("dv_mV");

  const events = run(lif, 100, 0.1, { feed: () => (dv[0] = 1e6) });

  assert.deepEqual(events.steps, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
});

test("C05: input on the last refractory step is dropped, input on the first free step is integrated", () => {
  // Spike at step 0, R = 10: clamped at steps 1..9, free at step 10.
  for (const [arrival, expectSpikeAt] of [
    [9, -1],
    [10, 10],
  ]) {
    const lif = new LIF(1, 0.1, { ...C01, tRef_ms: 1 });
    const dv = lif.port("dv_mV");
    const trace: number[] = [];

    const events = run(lif, 12, 0.1, {
      feed: (s) => {
        if (s === 0) dv[0] = 5;
        if (s === arrival) dv[0] = 1;
      },
      after: () => trace.push(lif.v_mV[0]),
    });

    const later = events.steps.filter((s) => s > 0);
    assert.deepEqual(later, expectSpikeAt < 0 ? [] : [expectSpikeAt], `input at step ${arrival}`);
    assert.deepEqual(trace.slice(1, 10), new Array(9).fill(0), "held at reset while refractory");
    assert.equal(dv[0], 0, "the port is consumed even when its input is discarded");
  }
});

/**
 * Case C08 in our conventions. beta = 0.8 = e^(-dt/tau) gives tau = -dt / ln 0.8; threshold 1, reset 0,
 * rest 0, t_ref 0; input 0 for steps 0-9, then 0.21 per step on "dv_mV" (added after the leak, as snnTorch's
 * U <- beta U + I). The pre-spike sequence 0.21, 0.378, 0.5124, ... reaches 1.0038 at step 23.
 * Mapping to C08's variants (snnTorch takes S from the previous step's U, so its reset lands one step late):
 *  - our "subtract" subtracts in the spike step: stored 0.0038 at 23 and 0.8 * 0.0038 + 0.21 = 0.2131 at 24,
 *    which is C08's "subtract-beta" sequence (its U at 24 is beta U - beta thr + I); next spike at 37.
 *  - our "to-value" stores 0 at step 23 and integrates from step 24: 0.21, 0.378, ... , i.e. the pre-spike
 *    sequence again, so the next spike is at 23 + 14 = 37 (ISI 14). C08's "zero" reset stores 1.0038 at 23
 *    and 0 at 24 (the input of step 24 is lost to the late reset), hence its next spike at 38.
 */
const C08_PRE_SPIKE = [
  0.21, 0.378, 0.5124, 0.6199, 0.7059, 0.7747, 0.8298, 0.8738, 0.9091, 0.9373, 0.9598, 0.9778, 0.9923, 1.0038,
];

function runC08(reset: LifParams["reset"]): { trace: number[]; spikes: number[] } {
  const dt = 1;
  const lif = new LIF(1, dt, {
    tauMem_ms: -dt / Math.log(0.8),
    vThreshold_mV: 1,
    vReset_mV: 0,
    vRest_mV: 0,
    tRef_ms: 0,
    reset,
  });
  const dv = lif.port("dv_mV");
  const trace: number[] = [];
  const events = run(lif, 60, dt, {
    feed: (s) => (dv[0] = s < 10 ? 0 : 0.21),
    after: () => trace.push(lif.v_mV[0]),
  });
  return { trace, spikes: events.steps };
}

test("C08: the pre-spike sequence and the first spike at step index 23", () => {
  const { trace, spikes } = runC08("to-value");

  for (let k = 0; k < 13; k++) {
    assert.ok(Math.abs(trace[10 + k] - C08_PRE_SPIKE[k]) < 5e-5, `step ${10 + k}: ${trace[10 + k]}`);
  }
  assert.equal(spikes[0], 23);
  assert.deepEqual(trace.slice(0, 10), new Array(10).fill(0));
});

test('C08: "to-value" stores 0 in the spike step and fires again 14 steps later', () => {
  const { trace, spikes } = runC08("to-value");

  assert.equal(trace[23], 0);
  assert.equal(trace[24], Math.fround(0.21));
  assert.deepEqual(spikes.slice(0, 3), [23, 37, 51]);
});

test('C08: "subtract" subtracts in the spike step, giving the subtract-beta values 0.0038 and 0.2131', () => {
  const { trace, spikes } = runC08("subtract");

  // 1.0038 - 1 and 0.8 * 0.0038 + 0.21, to C08's four decimals
  assert.ok(Math.abs(trace[23] - 0.0038) < 5e-5, `step 23: ${trace[23]}`);
  assert.ok(Math.abs(trace[24] - 0.2131) < 5e-5, `step 24: ${trace[24]}`);
  assert.equal(spikes[1], 37);
});

test("property: a neuron spikes only when its re-derived pre-reset value reaches threshold", () => {
  // Re-derive each step from the stored state before it: clamped if the refractory counter is still > 0
  // after its decrement; otherwise the integrated value v_rest + (v - v_rest) D + (1 - D) R i + dv (float64,
  // same operands) must be >= v_th exactly when the neuron spiked, and the stored value must be its reset.
  fc.assert(
    fc.property(
      fc.record({
        tau: fc.double({ min: 1, max: 50, noNaN: true }),
        refSteps: fc.integer({ min: 0, max: 5 }),
        subtract: fc.boolean(),
        inputs: fc.array(
          fc.tuple(fc.double({ min: -5, max: 10, noNaN: true }), fc.double({ min: -2, max: 4, noNaN: true })),
          { minLength: 1, maxLength: 60 },
        ),
      }),
      ({ tau, refSteps, subtract, inputs }) => {
        const dt = 0.5;
        const lif = new LIF(1, dt, {
          tauMem_ms: tau,
          tRef_ms: refSteps * dt,
          vRest_mV: -65,
          vReset_mV: -70,
          vThreshold_mV: -60,
          reset: subtract ? "subtract" : "to-value",
        });
        const D = lif.derived.decay;
        for (let s = 0; s < inputs.length; s++) {
          const v0 = lif.v_mV[0];
          const ref0 = lif.refractoryLeft[0];
          lif.port("dv_mV")[0] = inputs[s][0];
          lif.port("i_nA")[0] = inputs[s][1];
          const dv = lif.port("dv_mV")[0];
          const cur = lif.port("i_nA")[0];

          lif.step(ctxAt(s, dt));

          const clamped = ref0 > 0 && ref0 - 1 > 0;
          const spiked = lif.spikeCount === 1;
          if (clamped) {
            if (spiked || lif.v_mV[0] !== v0) return false;
            continue;
          }
          const pre = -65 + (v0 + 65) * D + (1 - D) * 1 * cur + dv;
          if (spiked !== pre >= -60) return false;
          const expected = spiked ? (subtract ? pre - 10 : -70) : pre;
          if (lif.v_mV[0] !== Math.fround(expected)) return false;
        }
        return true;
      },
    ),
    { seed: 1, numRuns: 200 },
  );
});

test("property: the same inputs give bit-identical spike trains and voltages, also after reset()", () => {
  fc.assert(
    fc.property(
      fc.array(fc.float({ min: -2, max: 6, noNaN: true }), { minLength: 4 * 20, maxLength: 4 * 20 }),
      (drive) => {
        const make = () => new LIF(4, 1, { tauMem_ms: 10, tRef_ms: 2 });
        const a = make();
        const b = make();
        const record = (lif: LIF) => {
          const dv = lif.port("dv_mV");
          const vs: number[] = [];
          const ev = run(lif, 20, 1, {
            feed: (s) => dv.set(drive.slice(4 * s, 4 * s + 4)),
            after: () => vs.push(...lif.v_mV),
          });
          return { ev, vs };
        };
        const ra = record(a);
        const rb = record(b);
        b.reset();
        const rb2 = record(b);
        assert.deepEqual(ra, rb);
        assert.deepEqual(ra, rb2);
      },
    ),
    { seed: 2, numRuns: 50 },
  );
});

test("errors: a negative tau, reset at or above threshold and a t_ref off the step grid are rejected by name", () => {
  assert.throws(
    () => new LIF(1, 0.1, { tauMem_ms: -5 }),
    (e: unknown) => e instanceof InvalidParameterError && /tauMem_ms must be > 0, got -5/.test(e.message),
  );
  assert.throws(
    () => new LIF(1, 0.1, { vReset_mV: -50, vThreshold_mV: -52 }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      /vReset_mV \(-50\) must be below vThreshold_mV \(-52\)/.test(e.message),
  );
  assert.throws(
    () => new LIF(1, 0.1, { tRef_ms: 0.25 }),
    (e: unknown) =>
      e instanceof TimeStepError &&
      /tRef_ms of 0.25 ms is not a whole number of steps of dt = 0.1 ms/.test(e.message) &&
      /0.2 or 0.3 ms/.test(e.message),
  );
  assert.throws(
    () => new LIF(1, 0.1, { resistance_MOhm: Number.NaN }),
    (e: unknown) =>
      e instanceof InvalidParameterError && /resistance_MOhm must be a finite number/.test(e.message),
  );
});

test("setRefractory holds LIF, IF and Izhikevich neurons for exactly the given steps, as CubaLIF's does; bad arguments are named", () => {
  const dt = 1;
  const models = {
    lif: (n: number) => new LIF(n, dt, { vThreshold_mV: 1000, tRef_ms: 0 }),
    if: (n: number) => new IF(n, dt, { vThreshold_mV: 1000, tRef_ms: 0 }),
    izhikevich: (n: number) => new Izhikevich(n, dt, { vPeak_mV: 1000 }),
  };
  for (const [name, make] of Object.entries(models)) {
    const held = make(2);
    held.setRefractory(1, 3);
    const v: number[] = [];
    const dv = held.port("dv_mV");
    run(held, 5, dt, { feed: () => dv.fill(2), after: () => v.push(held.v_mV[1]) });
    const start = make(1).v_mV[0];
    assert.deepEqual(v.slice(0, 3), [start, start, start], `${name}: held in the next 3 steps`);
    const fresh = make(1);
    const freshDv = fresh.port("dv_mV");
    const free: number[] = [];
    run(fresh, 2, dt, { feed: () => freshDv.fill(2), after: () => free.push(fresh.v_mV[0]) });
    assert.notEqual(free[0], start, `${name}: a free neuron moves`);
    assert.deepEqual(v.slice(3), free, `${name}: after the hold it follows a fresh neuron's first steps`);
    held.setRefractory(1, 0);
    assert.equal(held.refractoryLeft[1], 0, `${name}: 0 releases`);
    assert.throws(
      () => held.setRefractory(2, 1),
      (e: unknown) =>
        e instanceof InvalidParameterError &&
        /index 2 is out of range: the population has 2/.test((e as Error).message),
    );
    assert.throws(
      () => held.setRefractory(0, 1.5),
      (e: unknown) =>
        e instanceof InvalidParameterError &&
        /refractory steps must be an integer >= 0, got 1.5/.test((e as Error).message),
    );
  }
});
