/**
 * SynapticLIF (NIR CubaLIF): the Euler form is NIR's reference implementation, the exact form matches a
 * fine integration of the ODE pair, the tau_syn = tau_mem branch, threshold >= and both resets, errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { InvalidParameterError } from "../../src/core/errors.ts";
import { SynapticLIF, deriveSynapticLif, SYNAPTIC_LIF_DEFAULTS } from "../../src/neurons/synaptic-lif.ts";
import type { SynapticLifParams } from "../../src/neurons/synaptic-lif.ts";
import { run } from "./helpers.ts";

const P = (over: Partial<SynapticLifParams>): SynapticLifParams => ({ ...SYNAPTIC_LIF_DEFAULTS, ...over });

test("euler constants are NIR's reference CubaLIF: I += dt/ts (w x - I), v += dt/tm (v_rest - v + R I_prev)", () => {
  const d = deriveSynapticLif(
    P({ tauSyn_ms: 0.5, tauMem_ms: 2, resistance_MOhm: 3, wIn: 4, method: "euler" }),
    0.1,
  );

  assert.ok(Math.abs(d.aS - 0.8) < 1e-15);
  assert.ok(Math.abs(d.bS - 0.2 * 4) < 1e-15);
  assert.ok(Math.abs(d.aM - 0.95) < 1e-15);
  assert.ok(Math.abs(d.gI - 0.05 * 3) < 1e-15);
  assert.equal(d.gX, 0, "under Euler the input reaches v only through I, one step later");
});

test("euler with snnTorch's export (tau = dt/(1-beta), w_in = tau_syn/dt, R = tau_mem/dt): I' = aI + x, v' = bv + I", () => {
  // alpha = 0.5, beta = 0.75 at dt = 1 ms: tau_syn = 2 ms, tau_mem = 4 ms, w_in = 2, R = 4.
  const n = new SynapticLIF(1, 1, {
    tauSyn_ms: 2,
    tauMem_ms: 4,
    wIn: 2,
    resistance_MOhm: 4,
    vThreshold_mV: 100,
    method: "euler",
  });
  const x = n.port("i_nA");
  const inputs = [1, 0, 2, 0, 0];
  let I = 0;
  let v = 0;

  run(n, inputs.length, 1, {
    feed: (s) => (x[0] = inputs[s]),
    after: (s) => {
      const I0 = I;
      I = 0.5 * I + inputs[s];
      v = 0.75 * v + I0;
      assert.ok(Math.abs(n.iSyn_nA[0] - I) < 1e-6, `I at step ${s}`);
      assert.ok(Math.abs(n.v_mV[0] - v) < 1e-6, `v at step ${s}`);
    },
  });
});

/** Integrates the ODE pair over one step with x held, by classical RK4 on 2000 sub-steps. */
function odeStep(p: SynapticLifParams, dt: number, I: number, v: number, x: number): [number, number] {
  const f = (Ii: number, vi: number): [number, number] => [
    (-Ii + p.wIn * x) / p.tauSyn_ms,
    (p.vRest_mV - vi + p.resistance_MOhm * Ii) / p.tauMem_ms,
  ];
  const n = 2000;
  const h = dt / n;
  for (let k = 0; k < n; k++) {
    const a = f(I, v);
    const b = f(I + (h / 2) * a[0], v + (h / 2) * a[1]);
    const c = f(I + (h / 2) * b[0], v + (h / 2) * b[1]);
    const d = f(I + h * c[0], v + h * c[1]);
    I += (h / 6) * (a[0] + 2 * b[0] + 2 * c[0] + d[0]);
    v += (h / 6) * (a[1] + 2 * b[1] + 2 * c[1] + d[1]);
  }
  return [I, v];
}

test("exact form agrees with a fine RK4 integration of the ODE pair, step by step, for random inputs", () => {
  // RK4 with 2000 sub-steps is accurate to ~1e-12 here; the remaining difference is float32 storage of
  // I and v (values <= ~10, so ~1e-6 per step, not accumulating: both follow the same contraction).
  fc.assert(
    fc.property(
      fc.double({ min: 0.3, max: 5, noNaN: true }),
      fc.double({ min: 0.3, max: 5, noNaN: true }),
      fc.array(fc.double({ min: -2, max: 3, noNaN: true }), { minLength: 5, maxLength: 12 }),
      (tauSyn, tauMem, inputs) => {
        const p = P({ tauSyn_ms: tauSyn, tauMem_ms: tauMem, wIn: 1.5, resistance_MOhm: 2, vRest_mV: 0.2 });
        const dt = 0.5;
        const n = new SynapticLIF(1, dt, { ...p, vThreshold_mV: 1e6 });
        const x = n.port("i_nA");
        let I = 0;
        let v = 0.2;
        run(n, inputs.length, dt, {
          feed: (s) => (x[0] = inputs[s]),
          after: (s) => {
            [I, v] = odeStep(p, dt, I, v, Math.fround(inputs[s]));
            assert.ok(Math.abs(n.iSyn_nA[0] - I) < 1e-5 * (1 + Math.abs(I)), `I at ${s}`);
            assert.ok(Math.abs(n.v_mV[0] - v) < 1e-5 * (1 + Math.abs(v)), `v at ${s}`);
          },
        });
      },
    ),
    { numRuns: 25, seed: 7 },
  );
});

test("exact form with tau_syn = tau_mem uses the limit k = D (dt/tau)", () => {
  const d = deriveSynapticLif(P({ tauSyn_ms: 2, tauMem_ms: 2, resistance_MOhm: 1, wIn: 1 }), 0.5);
  const D = Math.exp(-0.25);

  assert.ok(Math.abs(d.gI - D * 0.25) < 1e-15);
  assert.ok(Math.abs(d.gX - (1 - D - D * 0.25)) < 1e-15);
});

test("threshold is >= and the reset modes: to-value sets v_reset, subtract removes v_th - v_reset", () => {
  // Euler with tau_mem = dt: v' = R I_prev exactly. I' = x (tau_syn = dt, w_in = 1). Input 1 at step 0 gives
  // I = 1 after step 0 and v = R * 1 = 1 at step 1, exactly the threshold.
  const build = (reset: "to-value" | "subtract", vReset: number) =>
    new SynapticLIF(1, 1, {
      tauSyn_ms: 1,
      tauMem_ms: 1,
      method: "euler",
      vThreshold_mV: 1,
      vReset_mV: vReset,
      reset,
      resistance_MOhm: 1.25,
    });
  const toValue = build("to-value", -0.5);
  const subtract = build("subtract", -0.5);
  const feed = (n: SynapticLIF) => (s: number) => (n.port("i_nA")[0] = s === 0 ? 1 : 0);

  const a = run(toValue, 2, 1, { feed: feed(toValue) });
  const b = run(subtract, 2, 1, { feed: feed(subtract) });

  assert.deepEqual(a.steps, [1]);
  assert.equal(toValue.v_mV[0], -0.5);
  assert.deepEqual(b.steps, [1]);
  assert.ok(Math.abs(subtract.v_mV[0] - (1.25 - 1.5)) < 1e-7);
});

test("reset() clears v and the synaptic current", () => {
  const n = new SynapticLIF(2, 1, { vInit_mV: 0.5 });
  n.port("i_nA").fill(3);
  run(n, 1, 1);
  n.reset();

  assert.deepEqual([...n.v_mV], [0.5, 0.5]);
  assert.deepEqual([...n.iSyn_nA], [0, 0]);
});

test("parameter errors name the field", () => {
  assert.throws(
    () => new SynapticLIF(1, 1, { vReset_mV: 1, vThreshold_mV: 1 }),
    (e: unknown) => {
      assert.ok(e instanceof InvalidParameterError);
      assert.match(e.message, /vReset_mV \(1\) must be below vThreshold_mV \(1\)/);
      return true;
    },
  );
  assert.throws(
    () => new SynapticLIF(1, 1, { tauSyn_ms: 0.5, method: "euler" }),
    /tauSyn_ms = 0.5 ms is shorter/,
  );
  assert.throws(() => new SynapticLIF(1, 1, { wIn: Infinity }), /wIn must be a finite number/);
});
