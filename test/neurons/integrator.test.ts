/**
 * Integrator (NIR I): exact accumulation (the C31 numbers without a threshold), no leak, reset, errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError } from "../../src/core/errors.ts";
import { Integrator } from "../../src/neurons/integrator.ts";
import { run } from "./helpers.ts";

test("per-step form (C = dt / r): 0.0625 per step sums to exactly t * 0.0625 after t steps, and never spikes", () => {
  // r = 1 per step at dt = 0.1 ms is C = 0.1 nF. 0.0625 = 2^-4: every partial sum is exact in float32.
  const n = new Integrator(1, 0.1, { capacitance_nF: 0.1 });
  const cur = n.port("i_nA");
  const trace: number[] = [];

  const events = run(n, 40, 0.1, { feed: () => (cur[0] = 0.0625), after: () => trace.push(n.v_mV[0]) });

  assert.equal(events.steps.length, 0);
  trace.forEach((v, k) => assert.equal(v, (k + 1) * 0.0625, `after ${k + 1} steps`));
});

test("continuous form (C = 1000 / r per ms): dv/dt = r i with t in seconds gives r i dt_s per step", () => {
  // r = 50 /s, i = 2, dt = 1 ms = 1e-3 s: 0.1 per step. C = 1000 / 50 = 20 nF, dt / C = 1 / 20 per nA.
  const n = new Integrator(1, 1, { capacitance_nF: 20 });
  const cur = n.port("i_nA");

  run(n, 10, 1, { feed: () => (cur[0] = 2) });

  assert.ok(Math.abs(n.v_mV[0] - 1) < 1e-6);
});

test("holds its value without input and resets to v_init", () => {
  const n = new Integrator(2, 1, { vInit_mV: -0.5 });
  n.port("i_nA")[1] = 3;
  run(n, 1, 1);
  run(n, 100, 1);

  assert.deepEqual([...n.v_mV], [-0.5, 2.5]);
  n.reset();
  assert.deepEqual([...n.v_mV], [-0.5, -0.5]);
});

test("rejects a non-positive capacitance", () => {
  assert.throws(
    () => new Integrator(1, 1, { capacitance_nF: 0 }),
    (e: unknown) => {
      assert.ok(e instanceof InvalidParameterError);
      assert.match(e.message, /capacitance_nF must be > 0, got 0/);
      return true;
    },
  );
});
