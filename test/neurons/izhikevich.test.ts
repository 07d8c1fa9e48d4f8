/**
 * Izhikevich: the documented spike counts of every preset for I = 10 (cross-checked by an independent loop),
 * the reset rule, refractoriness, properties and parameter errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  DivergenceError,
  InvalidParameterError,
  ShapeMismatchError,
  TimeStepError,
} from "../../src/core/errors.ts";
import { IZHIKEVICH_PRESETS, Izhikevich } from "../../src/neurons/izhikevich.ts";
import type { IzhikevichCoefficients, IzhikevichPreset } from "../../src/neurons/izhikevich.ts";
import { ctxAt, diffs, run, spikeStepsOf } from "./helpers.ts";

/**
 * Spike counts in 1000 ms for constant I = 10 from v = -65 mV, u = b v, dt = 1 ms (docs/models/izhikevich.md).
 * Computed with this model's schemes and cross-checked below by a plain re-implementation.
 *
 * The counts are a property of the exact arithmetic, not only of the equations: on a spike step the
 * "izhikevich-2003" scheme's second half step overshoots far past 30 mV (v^2 grows fast) and the u update
 * uses that overshoot before the reset, so u after a spike depends sensitively on the low bits of v. The
 * population stores v and u as float32; a float64 loop gives 20, 28, 43, 63, 44, 67, 80 for the 2003 scheme
 * and agrees with the float32 spike times only for the first 5 to 29 spikes. The reference loop therefore
 * rounds v and u with Math.fround exactly where the population stores them (end of each step), and does all
 * arithmetic within a step in float64, as the population does.
 */
const EXPECTED_COUNTS: Readonly<Record<IzhikevichPreset, { "izhikevich-2003": number; euler: number }>> = {
  RS: { "izhikevich-2003": 21, euler: 22 },
  IB: { "izhikevich-2003": 28, euler: 31 },
  CH: { "izhikevich-2003": 45, euler: 75 },
  FS: { "izhikevich-2003": 64, euler: 110 },
  LTS: { "izhikevich-2003": 46, euler: 69 },
  TC: { "izhikevich-2003": 75, euler: 201 },
  RZ: { "izhikevich-2003": 74, euler: 143 },
};

/** Independent straightforward loop of Izhikevich 2003's code at dt = 1 ms; `store` rounds the state. */
function referenceSpikes(
  { a, b, c_mV: c, d }: IzhikevichCoefficients,
  method: "izhikevich-2003" | "euler",
  store: (x: number) => number,
): number[] {
  const I = 10;
  let v = store(-65);
  let u = store(b * -65);
  const spikes: number[] = [];
  for (let t = 0; t < 1000; t++) {
    if (method === "izhikevich-2003") {
      v = v + 0.5 * (0.04 * v * v + 5 * v + 140 - u + I);
      v = v + 0.5 * (0.04 * v * v + 5 * v + 140 - u + I);
      u = u + a * (b * v - u);
    } else {
      const vNew = v + (0.04 * v * v + 5 * v + 140 - u + I);
      u = u + a * (b * v - u);
      v = vNew;
    }
    if (v >= 30) {
      spikes.push(t);
      v = c;
      u = u + d;
    }
    v = store(v);
    u = store(u);
  }
  return spikes;
}

function modelSpikes(coefficients: IzhikevichCoefficients, method: "izhikevich-2003" | "euler"): number[] {
  const n = new Izhikevich(1, 1, { ...coefficients, method });
  const i = n.port("i");
  return run(n, 1000, 1, { feed: () => (i[0] = 10) }).steps;
}

const PRESETS = Object.keys(IZHIKEVICH_PRESETS) as IzhikevichPreset[];

test("every preset gives its documented spike count for I = 10 under the izhikevich-2003 and euler schemes", () => {
  for (const name of PRESETS) {
    for (const method of ["izhikevich-2003", "euler"] as const) {
      assert.equal(
        modelSpikes(IZHIKEVICH_PRESETS[name], method).length,
        EXPECTED_COUNTS[name][method],
        `${name} ${method}`,
      );
    }
  }
});

test("the counts are cross-checked by the plain loop with float32 stores, spike for spike", () => {
  for (const name of PRESETS) {
    for (const method of ["izhikevich-2003", "euler"] as const) {
      const reference = referenceSpikes(IZHIKEVICH_PRESETS[name], method, Math.fround);
      assert.deepEqual(modelSpikes(IZHIKEVICH_PRESETS[name], method), reference, `${name} ${method}`);
    }
  }
});

test("the first five spike times agree with a pure float64 loop (before rounding differences are amplified)", () => {
  for (const name of PRESETS) {
    const f64 = referenceSpikes(IZHIKEVICH_PRESETS[name], "izhikevich-2003", (x) => x);
    const f32 = modelSpikes(IZHIKEVICH_PRESETS[name], "izhikevich-2003");
    assert.deepEqual(f32.slice(0, 5), f64.slice(0, 5), name);
  }
});

test("presets carry the published a, b, c, d", () => {
  const table = PRESETS.map((k) => {
    const p = IZHIKEVICH_PRESETS[k];
    return [k, p.a, p.b, p.c_mV, p.d];
  });

  assert.deepEqual(table, [
    ["RS", 0.02, 0.2, -65, 8],
    ["IB", 0.02, 0.2, -55, 4],
    ["CH", 0.02, 0.2, -50, 2],
    ["FS", 0.1, 0.2, -65, 2],
    ["LTS", 0.02, 0.25, -65, 2],
    ["TC", 0.02, 0.25, -65, 0.05],
    ["RZ", 0.1, 0.26, -65, 2],
  ]);
});

test("starts at v = -65 mV, u = b v, and a spike sets v <- c and u <- u + d", () => {
  // One step from v = -65, u = -13 (RS) with I = 0 and a jump of 200 mV: the 2003 scheme takes two half
  // steps of v (the first is 0.5 (169 - 325 + 140 + 13) = -1.5) and one step of u; then v + 200 >= 30 fires
  // and the stored state is v = c = -65, u = (u after its update) + d.
  const n = new Izhikevich(1, 1, IZHIKEVICH_PRESETS.RS);
  assert.equal(n.v_mV[0], -65);
  assert.equal(n.u[0], Math.fround(0.2 * -65));

  n.port("dv_mV")[0] = 200;
  n.step(ctxAt(0, 1));

  let v = -65;
  let u = Math.fround(-13);
  v += 0.5 * (0.04 * v * v + 5 * v + 140 - u);
  v += 0.5 * (0.04 * v * v + 5 * v + 140 - u);
  u += 0.02 * (0.2 * v - u);
  assert.equal(n.spikeCount, 1);
  assert.equal(n.v_mV[0], -65);
  assert.equal(n.u[0], Math.fround(u + 8));
});

test("refractoriness when t_ref is set: ISI >= R steps, v held at c, u relaxing toward b c", () => {
  const n = new Izhikevich(1, 0.5, { ...IZHIKEVICH_PRESETS.FS, tRef_ms: 5 });
  const i = n.port("i");
  const us: number[] = [];
  const vs: number[] = [];

  const events = run(n, 2000, 0.5, {
    feed: () => (i[0] = 40),
    after: () => {
      vs.push(n.v_mV[0]);
      us.push(n.u[0]);
    },
  });

  assert.ok(events.steps.length > 5);
  assert.ok(diffs(events.steps).every((d) => d >= 10));
  const s = events.steps[0];
  for (let k = s; k < s + 10; k++) assert.equal(vs[k], -65, `held at c at step ${k}`);
  // u moves toward b c = -13 while clamped: u_{k+1} - u_k = dt a (b c - u_k)
  for (let k = s + 1; k < s + 10; k++) {
    assert.equal(us[k], Math.fround(us[k - 1] + 0.5 * 0.1 * (0.2 * -65 - us[k - 1])));
  }
});

test("property: spikes only when the re-derived v after the scheme and the jump reaches 30 mV; reproducible", () => {
  fc.assert(
    fc.property(
      fc.record({
        preset: fc.constantFrom(...PRESETS),
        euler: fc.boolean(),
        inputs: fc.array(
          fc.tuple(
            fc.double({ min: -5, max: 30, noNaN: true }),
            fc.double({ min: -5, max: 40, noNaN: true }),
          ),
          {
            minLength: 1,
            maxLength: 80,
          },
        ),
      }),
      ({ preset, euler, inputs }) => {
        const dt = 0.5;
        const p = IZHIKEVICH_PRESETS[preset];
        const make = () => new Izhikevich(1, dt, { ...p, method: euler ? "euler" : "izhikevich-2003" });
        const n = make();
        const twin = make();
        for (let s = 0; s < inputs.length; s++) {
          let v = n.v_mV[0];
          let u = n.u[0];
          for (const m of [n, twin]) {
            m.port("i")[0] = inputs[s][0];
            m.port("dv_mV")[0] = inputs[s][1];
          }
          const I = n.port("i")[0];
          const jump = n.port("dv_mV")[0];

          n.step(ctxAt(s, dt));
          twin.step(ctxAt(s, dt));

          if (euler) {
            const dvdt = 0.04 * v * v + 5 * v + 140 - u + I;
            u += dt * p.a * (p.b * v - u);
            v += dt * dvdt;
          } else {
            v += (dt / 2) * (0.04 * v * v + 5 * v + 140 - u + I);
            v += (dt / 2) * (0.04 * v * v + 5 * v + 140 - u + I);
            u += dt * p.a * (p.b * v - u);
          }
          v += jump;
          const spiked = v >= 30;
          if ((n.spikeCount === 1) !== spiked) return false;
          if (n.v_mV[0] !== Math.fround(spiked ? p.c_mV : v)) return false;
          if (n.u[0] !== Math.fround(spiked ? u + p.d : u)) return false;
          if (twin.v_mV[0] !== n.v_mV[0] || twin.u[0] !== n.u[0] || twin.spikeCount !== n.spikeCount)
            return false;
        }
        return true;
      },
    ),
    { seed: 2003, numRuns: 200 },
  );
});

test("errors: a non-positive a, c at or above the peak, a t_ref off the grid and an unknown method", () => {
  assert.throws(
    () => new Izhikevich(1, 1, { a: -0.02 }),
    (e: unknown) => e instanceof InvalidParameterError && /a must be > 0, got -0.02/.test(e.message),
  );
  assert.throws(
    () => new Izhikevich(1, 1, { c_mV: 30 }),
    (e: unknown) =>
      e instanceof InvalidParameterError && /c_mV \(30\) must be below vPeak_mV \(30\)/.test(e.message),
  );
  assert.throws(
    () => new Izhikevich(1, 1, { tRef_ms: 1.5 }),
    (e: unknown) =>
      e instanceof TimeStepError &&
      /tRef_ms of 1.5 ms is not a whole number of steps of dt = 1 ms/.test(e.message),
  );
  assert.throws(
    () => new Izhikevich(1, 1, { method: "rk4" as never }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      /method must be "izhikevich-2003" or "euler", got "rk4"/.test(e.message),
  );
});

test("per-neuron a, b, c, d: a population of the seven presets spikes as seven one-preset populations", () => {
  const column = (key: keyof IzhikevichCoefficients) => PRESETS.map((k) => IZHIKEVICH_PRESETS[k][key]);
  for (const method of ["izhikevich-2003", "euler"] as const) {
    const mixed = new Izhikevich(PRESETS.length, 1, {
      a: column("a"),
      b: Float64Array.from(column("b")),
      c_mV: Float32Array.from(column("c_mV")),
      d: column("d"),
      method,
    });
    PRESETS.forEach((k, i) => assert.equal(mixed.u[i], Math.fround(IZHIKEVICH_PRESETS[k].b * -65), k));
    const input = mixed.port("i");
    const events = run(mixed, 1000, 1, { feed: () => input.fill(10) });
    PRESETS.forEach((name, i) => {
      const alone = modelSpikes(IZHIKEVICH_PRESETS[name], method);
      assert.deepEqual(spikeStepsOf(events, i), alone, `${name} ${method}`);
      assert.equal(alone.length, EXPECTED_COUNTS[name][method]);
    });
    // reset restores u = b v per neuron
    mixed.u.fill(0);
    mixed.reset();
    PRESETS.forEach((k, i) => assert.equal(mixed.u[i], Math.fround(IZHIKEVICH_PRESETS[k].b * -65), k));
  }
});

test("per-neuron parameters are copied at construction; a later write to the caller's array changes nothing", () => {
  const a = [0.02, 0.1];
  const n = new Izhikevich(2, 1, { a });
  a[0] = 5;
  assert.deepEqual(n.params.a, [0.02, 0.1]);
  assert.ok(Object.isFrozen(n.params.a));
  assert.equal(n.derived.a[0], 0.02);
  // the per-neuron constants the step reads are typed read-only, so TypeScript refuses a write that would
  // change the dynamics behind `params` (npm run typecheck fails if this line compiles)
  const write = (): unknown => {
    // @ts-expect-error derived arrays are read-only
    n.derived.a[0] = 1;
    // @ts-expect-error and so is their buffer: no writable view of it
    return new Float64Array(n.derived.a.buffer);
  };
  assert.equal(typeof write, "function");
});

test("per-neuron errors name the entry; a wrong length or a non-array is refused", () => {
  assert.throws(
    () => new Izhikevich(3, 1, { a: [0.02, 0, 0.1] }),
    (e: unknown) => e instanceof InvalidParameterError && /^a\[1\] must be > 0, got 0$/.test(e.message),
  );
  assert.throws(
    () => new Izhikevich(3, 1, { c_mV: [-65, -50, 31] }),
    (e: unknown) =>
      e instanceof InvalidParameterError && /^c_mV\[2\] \(31\) must be below vPeak_mV \(30\)/.test(e.message),
  );
  assert.throws(
    () => new Izhikevich(3, 1, { d: [8, Number.NaN, 2] }),
    (e: unknown) =>
      e instanceof InvalidParameterError && /^d\[1\] must be a finite number, got NaN/.test(e.message),
  );
  assert.throws(
    () => new Izhikevich(3, 1, { b: [0.2, 0.25] }),
    (e: unknown) =>
      e instanceof ShapeMismatchError &&
      e.message === "b has 2 values but the population has 3 neurons; give one value or one per neuron",
  );
  assert.throws(
    () => new Izhikevich(3, 1, { d: "8" as never }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message === 'd must be a number or an array of one number per neuron (3), got string "8"',
  );
});

test("a diverging scheme (RS at dt = 2.5 ms, I = 10) throws DivergenceError instead of running on as NaN", () => {
  const n = new Izhikevich(2, 2.5);
  const input = n.port("i");
  let step = 0;
  assert.throws(
    () => {
      for (; step < 400; step++) {
        input[0] = 10; // neuron 1 gets no input and stays finite
        n.step(ctxAt(step, 2.5));
      }
    },
    (e: unknown) =>
      e instanceof DivergenceError &&
      e.code === "divergence" &&
      e.details.neuron === 0 &&
      /^Izhikevich neuron 0 diverged \(v = .* mV, u = .*\) at dt = 2\.5 ms: .* use dt_ms <= 1, or a smaller input$/.test(
        e.message,
      ),
  );
  assert.ok(step > 30 && step < 400, `diverged at step ${step}`);
  // the same neuron at dt = 1 ms runs the whole second (21 spikes, the documented count)
  const m = new Izhikevich(1, 1);
  const mi = m.port("i");
  assert.equal(run(m, 1000, 1, { feed: () => (mi[0] = 10) }).steps.length, 21);
});

test("a value float32 cannot hold (it would be stored as Infinity) is a divergence too, before it is stored", () => {
  const n = new Izhikevich(1, 1);
  const input = n.port("i");
  let caught: unknown;
  for (let step = 0; step < 3 && caught === undefined; step++) {
    input[0] = 1e20;
    try {
      n.step(ctxAt(step, 1));
    } catch (e) {
      caught = e;
    }
    assert.ok(Number.isFinite(n.u[0]) && Number.isFinite(n.v_mV[0]), `stored u ${n.u[0]}, v ${n.v_mV[0]}`);
  }
  assert.ok(caught instanceof DivergenceError, String(caught));
  const { v, u } = (caught as DivergenceError).details as { v: number; u: number };
  assert.ok(Number.isFinite(v) || Number.isFinite(u), "the error names the values as computed");
});
