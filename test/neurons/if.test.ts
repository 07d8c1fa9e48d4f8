/**
 * IF (perfect integrator): case C31 (NIR IF, first spike at the 16th step under >=), no leak, reset modes,
 * refractoriness, properties and parameter errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { InvalidParameterError, TimeStepError } from "../../src/core/errors.ts";
import { IF } from "../../src/neurons/if.ts";
import { ctxAt, diffs, run } from "./helpers.ts";

test("C31: constant 0.0625 per step reaches exactly 1.0 on the 16th step (index 15) and spikes under >=", () => {
  // NIR IF: v[t+1] = v[t] + r i[t] with r = 1, threshold 1. Here "i_nA" with C = 1 nF at dt = 1 ms, so
  // dt / C = r = 1. 0.0625 = 2^-4, and every partial sum k 2^-4 (k <= 16) is exactly representable in
  // float32 and float64, so the accumulation is exact: v = (k + 1) / 16 after step k, and 1.0 at step 15.
  // The strict test v > threshold (snnTorch) would fire one step later, at index 16.
  const n = new IF(1, 1, { capacitance_nF: 1, vThreshold_mV: 1, vReset_mV: 0 });
  const i = n.port("i_nA");
  const trace: number[] = [];

  const events = run(n, 17, 1, { feed: () => (i[0] = 0.0625), after: () => trace.push(n.v_mV[0]) });

  assert.equal(events.steps[0], 15);
  for (let k = 0; k < 15; k++) assert.equal(trace[k], (k + 1) / 16, `exact partial sum after step ${k}`);
  assert.equal(trace[15], 0, "reset in the spike step");
  assert.equal(trace[16], 0.0625);
});

test("C31: float accumulation of 0.0625 is exact (unlike 0.1), which is what makes >= vs > visible", () => {
  let sum32 = 0;
  for (let k = 0; k < 16; k++) sum32 = Math.fround(sum32 + Math.fround(0.0625));
  let sumTenths = 0;
  for (let k = 0; k < 10; k++) sumTenths += 0.1;

  assert.equal(sum32, 1);
  assert.notEqual(sumTenths, 1, "0.1 added ten times is 0.9999999999999999 in float64");
});

test("C31: the same through the dv_mV port, and a threshold just above 1 fires one step later (the > behaviour)", () => {
  const atOne = new IF(1, 1);
  const above = new IF(1, 1, { vThreshold_mV: 1 + 2 ** -20 });
  const feed = (n: IF) => () => (n.port("dv_mV")[0] = 0.0625);

  assert.equal(run(atOne, 20, 1, { feed: feed(atOne) }).steps[0], 15);
  assert.equal(run(above, 20, 1, { feed: feed(above) }).steps[0], 16);
});

test("C31: r = dt / C maps NIR's r at any dt (C = 2 nF at dt = 2 ms is r = 1)", () => {
  const n = new IF(1, 2, { capacitance_nF: 2 });
  const i = n.port("i_nA");

  const events = run(n, 20, 2, { feed: () => (i[0] = 0.0625) });

  assert.equal(events.steps[0], 15);
});

test("has no leak: v stays where it is without input", () => {
  const n = new IF(1, 0.1, { vInit_mV: 0.7 });

  run(n, 1000, 0.1);

  assert.equal(n.v_mV[0], Math.fround(0.7));
});

test('"subtract" keeps the overshoot, "to-value" drops it', () => {
  // 0.375 per step (exact in binary): 0.375, 0.75, 1.125 -> spike at index 2; subtract leaves 0.125,
  // then 0.5, 0.875, 1.25 -> spike at index 5, leaves 0.25. To-value restarts from 0: spikes at 2, 5, 8.
  const sub = new IF(1, 1, { reset: "subtract" });
  const zero = new IF(1, 1, { reset: "to-value" });
  const trace: number[] = [];

  const es = run(sub, 9, 1, {
    feed: () => (sub.port("dv_mV")[0] = 0.375),
    after: () => trace.push(sub.v_mV[0]),
  });
  const ez = run(zero, 9, 1, { feed: () => (zero.port("dv_mV")[0] = 0.375) });

  assert.deepEqual(trace.slice(0, 6), [0.375, 0.75, 0.125, 0.5, 0.875, 0.25]);
  assert.deepEqual(es.steps, [2, 5, 7]);
  assert.deepEqual(ez.steps, [2, 5, 8]);
});

test("refractoriness follows the engine convention: t_ref 1 ms at dt 0.1 ms gives ISI 10 steps", () => {
  const n = new IF(1, 0.1, { tRef_ms: 1 });
  const dv = n.port("dv_mV");

  const events = run(n, 10000, 0.1, { feed: () => (dv[0] = 100) });

  assert.equal(events.steps.length, 1000);
  assert.deepEqual([...new Set(diffs(events.steps))], [10]);
});

test("property: spikes exactly when the re-derived v + i dt / C + dv reaches threshold; runs are reproducible", () => {
  fc.assert(
    fc.property(
      fc.record({
        c: fc.double({ min: 0.1, max: 10, noNaN: true }),
        refSteps: fc.integer({ min: 0, max: 4 }),
        inputs: fc.array(
          fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 2, noNaN: true })),
          {
            minLength: 1,
            maxLength: 60,
          },
        ),
      }),
      ({ c, refSteps, inputs }) => {
        const dt = 0.5;
        const make = () => new IF(1, dt, { capacitance_nF: c, tRef_ms: refSteps * dt });
        const n = make();
        const twin = make();
        for (let s = 0; s < inputs.length; s++) {
          const v0 = n.v_mV[0];
          const ref0 = n.refractoryLeft[0];
          for (const m of [n, twin]) {
            m.port("dv_mV")[0] = inputs[s][0];
            m.port("i_nA")[0] = inputs[s][1];
          }
          const dv = n.port("dv_mV")[0];
          const cur = n.port("i_nA")[0];

          n.step(ctxAt(s, dt));
          twin.step(ctxAt(s, dt));

          if (n.spikeCount !== twin.spikeCount || n.v_mV[0] !== twin.v_mV[0]) return false;
          if (ref0 > 1) {
            if (n.spikeCount !== 0 || n.v_mV[0] !== v0) return false;
            continue;
          }
          const pre = v0 + (dt / c) * cur + dv;
          if ((n.spikeCount === 1) !== pre >= 1) return false;
        }
        return true;
      },
    ),
    { seed: 31, numRuns: 200 },
  );
});

test("errors: a non-positive capacitance, reset at or above threshold and a t_ref off the step grid", () => {
  assert.throws(
    () => new IF(1, 1, { capacitance_nF: -1 }),
    (e: unknown) =>
      e instanceof InvalidParameterError && /capacitance_nF must be > 0, got -1/.test(e.message),
  );
  assert.throws(
    () => new IF(1, 1, { vReset_mV: 1, vThreshold_mV: 1 }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      /vReset_mV \(1\) must be below vThreshold_mV \(1\)/.test(e.message),
  );
  assert.throws(
    () => new IF(1, 0.1, { tRef_ms: 0.05 }),
    (e: unknown) =>
      e instanceof TimeStepError &&
      /tRef_ms of 0.05 ms is not a whole number of steps of dt = 0.1/.test(e.message),
  );
  assert.throws(
    () => new IF(1, 1, { reset: "zero" as never }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      /reset must be "to-value" or "subtract", got "zero"/.test(e.message),
  );
});
