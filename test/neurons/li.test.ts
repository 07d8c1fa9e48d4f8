/**
 * LI (leaky integrator, NIR LI): closed-form charging and decay under both discretisations, no spikes,
 * reset, and parameter errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { InvalidParameterError } from "../../src/core/errors.ts";
import { LI, deriveLi } from "../../src/neurons/li.ts";
import { firstOrderFactors } from "../../src/neurons/first-order.ts";
import { run } from "./helpers.ts";

test("exact: constant current charges as v_rest + R i (1 - e^(-t/tau)) at the end of each step", () => {
  // tau dv/dt = (v_rest - v) + R i with i constant from t = 0 has v(t) = v_rest + R i (1 - e^(-t/tau)); the
  // exact step reproduces it at t = (k + 1) dt after step k. v is stored in float32 each step: after 200
  // steps the rounding error is at most ~200 ulp of values <= 3, i.e. < 1e-4.
  const dt = 0.1;
  const n = new LI(1, dt, { tauMem_ms: 5, vRest_mV: 0.5, resistance_MOhm: 2, method: "exact" });
  const cur = n.port("i_nA");
  const trace: number[] = [];

  run(n, 200, dt, { feed: () => (cur[0] = 1.25), after: () => trace.push(n.v_mV[0]) });

  trace.forEach((v, k) => {
    const expected = 0.5 + 2 * 1.25 * (1 - Math.exp((-(k + 1) * dt) / 5));
    assert.ok(Math.abs(v - expected) < 1e-4, `step ${k}: ${v} vs ${expected}`);
  });
});

test("euler: v after step k is R i (1 - (1 - dt/tau)^(k+1)) (geometric sum of forward Euler)", () => {
  const dt = 1;
  const n = new LI(1, dt, { tauMem_ms: 4, method: "euler" });
  const cur = n.port("i_nA");
  const trace: number[] = [];

  run(n, 30, dt, { feed: () => (cur[0] = 2), after: () => trace.push(n.v_mV[0]) });

  trace.forEach((v, k) => {
    const expected = 2 * (1 - 0.75 ** (k + 1));
    assert.ok(Math.abs(v - expected) < 1e-5, `step ${k}: ${v} vs ${expected}`);
  });
});

test("without input v relaxes to v_rest by the per-step decay, even when nobody asked for the port", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0.5, max: 50, noNaN: true }),
      fc.constantFrom("exact" as const, "euler" as const),
      (tau, method) => {
        const n = new LI(1, 0.5, { tauMem_ms: tau, vRest_mV: -1, vInit_mV: 3, method });
        const { decay } = firstOrderFactors(tau, 0.5, method);
        let expected = 3;
        for (let k = 0; k < 10; k++) {
          run(n, 1, 0.5);
          expected = -1 + (expected + 1) * decay;
          assert.ok(Math.abs(n.v_mV[0] - expected) <= 1e-5 * (1 + Math.abs(expected)));
        }
      },
    ),
  );
});

test("never spikes, however large v gets; reset restores v_init", () => {
  const n = new LI(3, 1, { tauMem_ms: 2, vInit_mV: 0.25 });
  const cur = n.port("i_nA");

  const events = run(n, 50, 1, { feed: () => cur.fill(1e6) });
  n.reset();

  assert.equal(events.steps.length, 0);
  assert.deepEqual([...n.v_mV], [0.25, 0.25, 0.25]);
  assert.deepEqual([...cur], [0, 0, 0]);
});

test("derived constants: exact gain is 1 - e^(-dt/tau) times R, euler gain is dt/tau times R", () => {
  const exact = deriveLi({ tauMem_ms: 2.5, vRest_mV: 0, resistance_MOhm: 3, method: "exact" }, 0.1);
  const euler = deriveLi({ tauMem_ms: 2.5, vRest_mV: 0, resistance_MOhm: 3, method: "euler" }, 0.1);

  assert.equal(exact.decay, Math.exp(-0.04));
  assert.ok(Math.abs(exact.currentGain - 3 * (1 - Math.exp(-0.04))) < 1e-15);
  assert.ok(Math.abs(euler.decay - 0.96) < 1e-15);
  assert.ok(Math.abs(euler.currentGain - 0.12) < 1e-15);
});

test("rejects forward Euler with dt > tau, a non-positive tau and an unknown method, naming the field", () => {
  assert.throws(
    () => new LI(1, 2, { tauMem_ms: 1, method: "euler" }),
    (e: unknown) => {
      assert.ok(e instanceof InvalidParameterError);
      assert.match(e.message, /tauMem_ms = 1 ms is shorter than dt = 2 ms.*use method "exact"/);
      return true;
    },
  );
  assert.throws(() => new LI(1, 1, { tauMem_ms: 0 }), /tauMem_ms must be > 0, got 0/);
  assert.throws(
    () => new LI(1, 1, { method: "rk4" as unknown as "exact" }),
    /method must be "exact" or "euler", got "rk4"/,
  );
});
