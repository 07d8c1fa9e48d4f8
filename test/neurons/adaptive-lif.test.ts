/**
 * AdaptiveLIF: theta arithmetic and the learning switch (case C20), the layer-wide one-spike rule of LC-SNN,
 * properties and parameter errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { InvalidParameterError, TimeStepError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { ADAPTIVE_LIF_DEFAULTS, AdaptiveLIF } from "../../src/neurons/adaptive-lif.ts";
import { Network } from "../../src/network/network.ts";
import { ctxAt, run, ulp32 } from "./helpers.ts";

const bits = (a: Float32Array) => [...new Uint32Array(a.buffer.slice(0))];

test("defaults are the DiehlAndCookNodes of LC-SNN (A.3)", () => {
  const p = ADAPTIVE_LIF_DEFAULTS;

  assert.deepEqual(
    [p.vRest_mV, p.vReset_mV, p.vThreshold_mV, p.tRef_ms, p.tauMem_ms, p.thetaPlus_mV, p.tauTheta_ms],
    [-65, -60, -52, 5, 100, 0.05, 1e7],
  );
  assert.ok(Object.isFrozen(p));
});

test("C20: theta starts at 0, so the effective threshold is exactly -52 mV", () => {
  // From rest (-65) a jump of 13 mV lands exactly on -52 (the leak of v - v_rest = 0 is 0); >= fires.
  const below = new AdaptiveLIF(1, 0.5);
  const at = new AdaptiveLIF(1, 0.5);
  below.port("dv_mV")[0] = 12.99;
  at.port("dv_mV")[0] = 13;

  below.step(ctxAt(0, 0.5));
  at.step(ctxAt(0, 0.5));

  assert.equal(below.theta_mV[0], 0);
  assert.equal(below.spikeCount, 0);
  assert.equal(at.spikeCount, 1);
});

test("C20: one spike raises theta by exactly 0.05 mV (float32), and the threshold with it", () => {
  // Step 0: theta = 0 * D + 0.05, stored as fround(0.05). Over the next 9 steps (refractory, 5 ms = 10 steps)
  // it decays by D = e^(-0.5/1e7) per step. A fresh neuron given that theta (learning off) must not fire at
  // -52 + 0.04999 mV and must fire at -52 + 0.05001 mV.
  const dt = 0.5;
  const n = new AdaptiveLIF(1, dt);
  n.port("dv_mV")[0] = 20;

  n.step(ctxAt(0, dt));

  assert.equal(n.spikeCount, 1);
  assert.equal(n.theta_mV[0], Math.fround(0.05));
  const D = Math.exp(-dt / 1e7);
  let theta64 = 0.05;
  for (let s = 1; s < 10; s++) {
    n.step(ctxAt(s, dt));
    theta64 *= D;
  }
  assert.equal(n.theta_mV[0], Math.fround(theta64));
  const probe = (v_mV: number) => {
    const m = new AdaptiveLIF(1, dt);
    m.theta_mV[0] = n.theta_mV[0];
    m.port("dv_mV")[0] = v_mV + 65; // from rest, v after the step is -65 + dv
    m.step(ctxAt(0, dt, false));
    return m.spikeCount;
  };
  assert.equal(probe(-52), 0);
  assert.equal(probe(-52 + 0.04999), 0);
  assert.equal(probe(-52 + 0.05001), 1);
});

test("C20: theta decays over 500 ms at dt = 0.5 ms by e^(-500/1e7) to float32 precision", () => {
  // Per-step factor D = e^(-0.5/1e7) = 1 - 5e-8 is below half a float32 ulp of theta; the float64 shadow keeps
  // the decay exact, so theta after 1000 steps is the float32 rounding of 20 e^(-5e-5) (half an ulp, plus
  // float64 round-off of 1000 multiplications, ~1e-13 relative).
  const dt = 0.5;
  const n = new AdaptiveLIF(1, dt);
  n.state("theta_mV")[0] = 20;

  run(n, 1000, dt);

  const expected = 20 * Math.exp(-500 / 1e7);
  assert.ok(
    Math.abs(n.theta_mV[0] - expected) <= ulp32(expected) / 2 + 1e-12,
    `${n.theta_mV[0]} vs ${expected}`,
  );
  assert.ok(Math.abs(1 - n.theta_mV[0] / 20 - 5.0e-5) < 1e-6, "a relative drop of 5.0e-5");
});

test("C20: 100 back-to-back spikes at 1 per ms add 0.05 (1 - D^100)/(1 - D) ~ 4.99998 mV", () => {
  // Each step theta <- theta D + 0.05 with D = e^(-1/1e7): a geometric sum. t_ref 1 ms at dt 1 ms = 1 step, so
  // a saturated neuron spikes every step.
  const n = new AdaptiveLIF(1, 1, { tRef_ms: 1 });
  const dv = n.port("dv_mV");

  const events = run(n, 100, 1, { feed: () => (dv[0] = 1000) });

  const D = Math.exp(-1 / 1e7);
  const expected = (0.05 * (1 - D ** 100)) / (1 - D);
  assert.equal(events.steps.length, 100);
  assert.ok(Math.abs(n.theta_mV[0] - expected) <= ulp32(expected) / 2 + 1e-12);
  assert.ok(Math.abs(expected - 4.99998) < 1e-5);
});

test("C20: with learning off theta is bit-identical after any number of presentations", () => {
  const rng = createRng(20, "drive");
  const n = new AdaptiveLIF(16, 0.5);
  const dv = n.port("dv_mV");
  const feed = () => {
    for (let i = 0; i < 16; i++) dv[i] = rng.float() < 0.3 ? rng.uniform(0, 8) : 0;
  };
  run(n, 400, 0.5, { feed }); // learn some theta
  const before = bits(n.theta_mV);
  assert.ok(
    n.theta_mV.some((t) => t > 0),
    "learning produced theta to freeze",
  );

  let spikes = 0;
  for (let example = 0; example < 5; example++) {
    n.reset();
    spikes += run(n, 700, 0.5, { feed, learning: false }).steps.length;
  }

  assert.ok(spikes > 0, "the frozen network still spikes");
  assert.deepEqual(bits(n.theta_mV), before);
});

test("C20: a learning-off phase leaves the learned state untouched (the twin that skipped it agrees bit for bit)", () => {
  // A: learn, test with learning off, learn again. B: learn, learn again. Same theta at the end means the
  // frozen phase touched neither the public theta nor its float64 shadow.
  const make = () => new AdaptiveLIF(8, 1, { tauTheta_ms: 1000 });
  const drive = (seed: number) => {
    const rng = createRng(seed, "drive");
    return (n: AdaptiveLIF) => () => {
      const dv = n.port("dv_mV");
      for (let i = 0; i < 8; i++) dv[i] = rng.float() < 0.4 ? rng.uniform(0, 10) : 0;
    };
  };
  const a = make();
  const b = make();
  run(a, 300, 1, { feed: drive(1)(a) });
  run(b, 300, 1, { feed: drive(1)(b) });
  a.reset();
  run(a, 300, 1, { feed: drive(2)(a), learning: false });

  a.reset();
  b.reset();
  run(a, 300, 1, { feed: drive(3)(a) });
  run(b, 300, 1, { feed: drive(3)(b) });

  assert.deepEqual(bits(a.theta_mV), bits(b.theta_mV));
});

test("reset() keeps theta, resetLearned() zeroes it", () => {
  const n = new AdaptiveLIF(2, 1);
  n.port("dv_mV").set([50, 0]);
  n.step(ctxAt(0, 1));
  const theta = n.theta_mV[0];

  n.reset();
  assert.equal(n.theta_mV[0], theta);
  assert.equal(n.v_mV[0], -65);
  assert.equal(n.refractoryLeft[0], 0);

  n.resetLearned();
  assert.deepEqual([...n.theta_mV], [0, 0]);
  n.step(ctxAt(0, 1));
  assert.deepEqual([...n.theta_mV], [0, 0], "the float64 shadow was zeroed too");
});

test('a theta written into state("theta_mV") (loading) is used at once and decays from there', () => {
  const n = new AdaptiveLIF(1, 1);
  n.state("theta_mV")[0] = 3;

  n.step(ctxAt(0, 1));

  assert.equal(n.theta_mV[0], Math.fround(3 * Math.exp(-1 / 1e7)));
  const m = new AdaptiveLIF(1, 1);
  m.state("theta_mV")[0] = 3;
  m.port("dv_mV")[0] = 13 + 2.9; // -52 + 2.9 < -52 + theta
  m.step(ctxAt(0, 1, false));
  assert.equal(m.spikeCount, 0);
});

test("a write into a theta_mV buffer kept from an earlier request is adopted at the next run, however late", () => {
  const net = new Network({ dt_ms: 1, learning: false });
  const n = net.addPopulation("a", new AdaptiveLIF(2, 1));
  const theta = n.state("theta_mV"); // kept, as a user keeps a live buffer
  net.run({}, 2);
  theta[0] = 20; // written between runs, through the old reference
  // the adopted value is the threshold: -52 + 20 = -32 mV; a jump of 32.9 from -65 stays below it
  net.run({ a: Float32Array.of(32.9, 0) }, 1);
  assert.equal(n.spikeCount, 0);
  assert.equal(n.state("theta_mV")[0], 20);
  assert.equal(n.state("theta_mV")[1], 0);
  // a crossing written into the shadow by the model is not mistaken for an outside write: theta grows by 0.05
  const net2 = new Network({ dt_ms: 1 });
  const m = net2.addPopulation("m", new AdaptiveLIF(1, 1));
  const mt = m.state("theta_mV");
  net2.run({ m: Float32Array.of(100) }, 1);
  assert.equal(m.spikeCount, 1);
  assert.equal(mt[0], Math.fround(0.05));
  net2.learning = false;
  net2.run({}, 1);
  assert.equal(m.state("theta_mV")[0], Math.fround(0.05));
});

test("a snapshot written through a fresh request restores every neuron; a kept buffer shows the last request", () => {
  const n = new AdaptiveLIF(2, 1, { tauTheta_ms: 50 });
  const kept = n.state("theta_mV");
  kept.set([2, 2]);
  const d = Math.exp(-1 / 50);
  for (let k = 0; k < 100; k++) n.step(ctxAt(k, 1)); // no input: no crossing, theta only decays
  // the kept buffer is as of its last request (theta decays lazily, off the buffer); a request refreshes it
  assert.deepEqual(Array.from(kept), [2, 2]);
  assert.ok(Math.abs(n.state("theta_mV")[0] - 2 * d ** 100) < 1e-6);
  // loading a snapshot: request the buffer, then write; every value that differs from now is adopted
  n.state("theta_mV").set([2, 5]);
  n.step(ctxAt(100, 1));
  assert.deepEqual(Array.from(n.state("theta_mV")), [Math.fround(2 * d), Math.fround(5 * d)]);
});

test("a non-finite theta written into the buffer is refused at the next run, naming the neuron", () => {
  const net = new Network({ dt_ms: 1 });
  const n = net.addPopulation("a", new AdaptiveLIF(3, 1));
  const theta = n.state("theta_mV");
  net.run({}, 1);
  theta[2] = Number.NaN;
  assert.throws(
    () => net.run({}, 1),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message === "AdaptiveLIF theta_mV[2] was set to NaN; write a finite threshold offset in mV",
  );
  assert.equal(theta[2], 0); // the bad value is not kept
  assert.equal(net.time, 1, "refused before any step");
});

/** Five neurons pushed far above threshold in the same step. */
function crossFive(n: AdaptiveLIF, s: number, learning = true): number {
  n.reset();
  n.port("dv_mV").fill(100);
  n.step(ctxAt(s, 1, learning));
  assert.equal(n.spikeCount, 1);
  return n.spikeIdx[0];
}

test("one spike per step: of five crossers exactly one spikes, all five are reset, refractory and get theta", () => {
  const n = new AdaptiveLIF(5, 1, {}, { oneSpikePerStep: true, rng: createRng(4, "one-spike") });
  n.port("dv_mV").fill(100);

  n.step(ctxAt(0, 1));

  assert.equal(n.spikeCount, 1);
  assert.equal(n.crossedCount, 5);
  assert.equal(
    [...n.spiked].reduce((x, y) => x + y, 0),
    1,
  );
  assert.deepEqual([...n.v_mV], new Array(5).fill(-60));
  assert.deepEqual([...n.refractoryLeft], new Array(5).fill(5));
  assert.deepEqual([...n.theta_mV], new Array(5).fill(Math.fround(0.05)));
});

test("one spike per step: a single crosser always spikes; without oneSpikePerStep all crossers spike", () => {
  const one = new AdaptiveLIF(5, 1, {}, { oneSpikePerStep: true, rng: createRng(4, "one-spike") });
  one.port("dv_mV")[3] = 100;
  one.step(ctxAt(0, 1));
  assert.deepEqual([...one.spikeIdx.subarray(0, one.spikeCount)], [3]);

  const all = new AdaptiveLIF(5, 1);
  all.port("dv_mV").fill(100);
  all.step(ctxAt(0, 1));
  assert.deepEqual([...all.spikeIdx.subarray(0, all.spikeCount)], [0, 1, 2, 3, 4]);
});

test("one spike per step: the choice is reproducible from the seed", () => {
  const winners = (seed: number) => {
    const n = new AdaptiveLIF(5, 1, {}, { oneSpikePerStep: true, rng: createRng(seed, "one-spike") });
    return Array.from({ length: 40 }, (_, s) => crossFive(n, s));
  };

  assert.deepEqual(winners(9), winners(9));
  assert.notDeepEqual(winners(9), winners(10));
});

test("one spike per step: the choice is uniform (chi-square over 5000 seeded trials)", () => {
  // Under uniformity each of the 5 neurons wins 1000 of 5000 times; the chi-square statistic with 4 degrees
  // of freedom exceeds 18.47 with probability 0.001. The trials are seeded, so the test is deterministic.
  const n = new AdaptiveLIF(5, 1, {}, { oneSpikePerStep: true, rng: createRng(2019, "one-spike") });
  const counts = [0, 0, 0, 0, 0];

  for (let t = 0; t < 5000; t++) counts[crossFive(n, t, false)]++;

  const chi2 = counts.reduce((acc, c) => acc + (c - 1000) ** 2 / 1000, 0);
  assert.ok(chi2 < 18.47, `counts ${counts.join(", ")}, chi2 ${chi2}`);
});

test("property: a neuron crosses only when its re-derived value reaches v_th + theta; spikes are a subset", () => {
  fc.assert(
    fc.property(
      fc.record({
        seed: fc.integer({ min: 0, max: 1000 }),
        oneSpike: fc.boolean(),
        learning: fc.boolean(),
        steps: fc.integer({ min: 1, max: 80 }),
      }),
      ({ seed, oneSpike, learning, steps }) => {
        const size = 6;
        const dt = 1;
        const n = new AdaptiveLIF(
          size,
          dt,
          { tRef_ms: 2, thetaPlus_mV: 1, tauTheta_ms: 50 },
          {
            oneSpikePerStep: oneSpike,
            rng: createRng(seed, "one-spike"),
          },
        );
        const rng = createRng(seed, "drive");
        const { decay } = n.derived;
        const thetaDecay = Math.exp(-dt / 50);
        for (let s = 0; s < steps; s++) {
          const v0 = Float32Array.from(n.v_mV);
          const th0 = Float32Array.from(n.theta_mV);
          const ref0 = Int32Array.from(n.refractoryLeft);
          const dv = n.port("dv_mV");
          for (let i = 0; i < size; i++) dv[i] = rng.uniform(-2, 12);
          const dvIn = Float32Array.from(dv);

          n.step(ctxAt(s, dt, learning));

          let crossers = 0;
          for (let i = 0; i < size; i++) {
            const clamped = ref0[i] > 1;
            const pre = -65 + (v0[i] + 65) * decay + dvIn[i];
            // theta before the increment; the shadow agrees with th0 to float32, so compare via fround
            const thNow = learning ? Math.fround(th0[i] * thetaDecay) : th0[i];
            const crossed = !clamped && pre >= -52 + thNow;
            if (!crossed && n.spiked[i] === 1) return false;
            if (crossed) {
              crossers++;
              if (n.v_mV[i] !== -60 || n.refractoryLeft[i] !== 2) return false;
            }
          }
          if (n.crossedCount !== crossers) return false;
          if (n.spikeCount !== (oneSpike ? Math.min(1, crossers) : crossers)) return false;
        }
        return true;
      },
    ),
    { seed: 5, numRuns: 150 },
  );
});

test("property: the same seed and inputs give bit-identical spikes, v and theta", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10_000 }), (seed) => {
      const once = () => {
        const n = new AdaptiveLIF(
          10,
          1,
          { tauTheta_ms: 100 },
          {
            oneSpikePerStep: true,
            rng: createRng(seed, "one-spike"),
          },
        );
        const rng = createRng(seed, "drive");
        const dv = n.port("dv_mV");
        const ev = run(n, 60, 1, { feed: () => dv.forEach((_, i) => (dv[i] = rng.uniform(0, 9))) });
        return { ev, v: bits(n.v_mV), theta: bits(n.theta_mV) };
      };
      assert.deepEqual(once(), once());
    }),
    { seed: 6, numRuns: 30 },
  );
});

test("errors: oneSpikePerStep without an rng, bad theta parameters and the LIF checks name the value", () => {
  assert.throws(
    () => new AdaptiveLIF(3, 1, {}, { oneSpikePerStep: true }),
    (e: unknown) => e instanceof InvalidParameterError && /oneSpikePerStep needs an rng/.test(e.message),
  );
  // the options are checked when the population is built, not when the first crossing needs them
  assert.throws(
    () => new AdaptiveLIF(3, 1, {}, { oneSpikePerStep: "no" as never, rng: createRng(1, "one-spike") }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message === 'AdaptiveLIF options.oneSpikePerStep must be true or false, got string "no"',
  );
  assert.throws(
    () => new AdaptiveLIF(3, 1, {}, { oneSpikePerStep: true, rng: {} as never }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      /^AdaptiveLIF oneSpikePerStep needs a random generator: pass rng: createRng\(seed, "one-spike", split, index\)/.test(
        e.message,
      ),
  );
  assert.throws(
    () => new AdaptiveLIF(3, 1, {}, { rng: 5 as never }),
    (e: unknown) =>
      e instanceof InvalidParameterError && /needs a random generator.*got number 5\)/.test(e.message),
  );
  assert.throws(
    () => new AdaptiveLIF(3, 1, { tauTheta_ms: -1 }),
    (e: unknown) => e instanceof InvalidParameterError && /tauTheta_ms must be > 0 .*got -1/.test(e.message),
  );
  assert.throws(
    () => new AdaptiveLIF(3, 1, { thetaPlus_mV: -0.05 }),
    (e: unknown) =>
      e instanceof InvalidParameterError && /thetaPlus_mV must be >= 0, got -0.05/.test(e.message),
  );
  assert.throws(
    () => new AdaptiveLIF(3, 1, { tauMem_ms: -100 }),
    (e: unknown) => e instanceof InvalidParameterError && /tauMem_ms must be > 0, got -100/.test(e.message),
  );
  assert.throws(
    () => new AdaptiveLIF(3, 1, { vReset_mV: -52 }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      /vReset_mV \(-52\) must be below vThreshold_mV \(-52\)/.test(e.message),
  );
  assert.throws(
    () => new AdaptiveLIF(3, 0.3, { tRef_ms: 5 }),
    (e: unknown) =>
      e instanceof TimeStepError &&
      /tRef_ms of 5 ms is not a whole number of steps of dt = 0.3/.test(e.message),
  );
  assert.doesNotThrow(() => new AdaptiveLIF(3, 1, { tauTheta_ms: Infinity }));
});

test("a theta written into the public buffer survives a second read before any step (loading a model)", () => {
  const n = new AdaptiveLIF(3, 1);
  n.theta_mV.set([1, 2, 3]);
  // reading again (e.g. to save or copy the model) must not overwrite the written values
  assert.deepEqual([...n.theta_mV], [1, 2, 3]);
  n.step({ step: 0, dt_ms: 1, learning: false });
  assert.deepEqual([...n.theta_mV], [1, 2, 3]);
});

test("the cached threshold bounds never change a spike: the same run with bounds refreshed every step", () => {
  // The step skips the exact theta (a Math.pow) for a neuron below a lower bound of its threshold computed
  // for BOUND_WINDOW learning steps ahead. With a window of 0 the bound is the exact threshold of the current
  // step, i.e. the plain rule. Theta moves fast here (tau_theta 200 ms, +2 mV per spike) and the run crosses
  // several windows, with learning switched off for a stretch (the clock stops) and on again.
  const run = (window: number) => {
    const cls = AdaptiveLIF as unknown as { BOUND_WINDOW: number };
    const saved = cls.BOUND_WINDOW;
    cls.BOUND_WINDOW = window;
    try {
      const n = new AdaptiveLIF(
        40,
        1,
        { thetaPlus_mV: 2, tauTheta_ms: 200, tRef_ms: 2 },
        {
          oneSpikePerStep: true,
          rng: createRng(9, "one-spike"),
        },
      );
      const rng = createRng(9, "drive");
      const spikes: number[] = [];
      for (let s = 0; s < 3500; s++) {
        const dv = n.port("dv_mV");
        for (let i = 0; i < 40; i++) dv[i] = rng.uniform(-1, 4);
        n.step(ctxAt(s, 1, s < 1500 || s > 2200));
        for (let k = 0; k < n.crossedCount; k++) spikes.push(s);
        if (n.spikeCount > 0) spikes.push(-1 - n.spikeIdx[0]);
      }
      return { spikes, v: Array.from(n.v_mV), theta: Array.from(n.theta_mV) };
    } finally {
      cls.BOUND_WINDOW = saved;
    }
  };
  const cached = run(1000);
  const plain = run(0);
  assert.ok(cached.spikes.length > 500, `enough spikes to matter (${cached.spikes.length})`);
  assert.deepEqual(cached.spikes, plain.spikes);
  assert.deepEqual(cached.v, plain.v);
  assert.deepEqual(cached.theta, plain.theta);
});

test("an option given among the params, or a parameter among the options, is named with its argument", () => {
  assert.throws(
    () => new AdaptiveLIF(2, 1, { oneSpikePerStep: true } as never),
    /^InvalidParameterError: AdaptiveLIF params: oneSpikePerStep is an option of the 4th argument, not a neuron parameter: new AdaptiveLIF\(size, dt_ms, params, \{ oneSpikePerStep \}\)$/,
  );
  assert.throws(
    () => new AdaptiveLIF(2, 1, { tauMem_ms: 20, oneSpikePerStep: true, rng: createRng(1) } as never),
    /^InvalidParameterError: AdaptiveLIF params: oneSpikePerStep and rng are options of the 4th argument, not neuron parameters: new AdaptiveLIF\(size, dt_ms, params, \{ oneSpikePerStep, rng \}\)$/,
  );
  assert.throws(
    () => new AdaptiveLIF(2, 1, {}, { tauTheta_ms: 1e6 } as never),
    /^InvalidParameterError: AdaptiveLIF options: tauTheta_ms is a neuron parameter of the 3rd argument, not an option: new AdaptiveLIF\(size, dt_ms, \{ tauTheta_ms \}, options\)$/,
  );
  // a key of neither argument still gets the generic message with the closest name
  assert.throws(() => new AdaptiveLIF(2, 1, { oneSpike: true } as never), /unknown option "oneSpike"/);
});
