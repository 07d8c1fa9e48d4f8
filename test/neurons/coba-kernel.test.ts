/**
 * The WebAssembly two-port step of CobaLIF (src/neurons/coba-kernel.ts), in its SIMD and its scalar module,
 * against the TypeScript step (`stepTwoPorts`): the same spikes (in the same order), spike flags, voltages,
 * conductances and refractory counters after every step, bit for bit, over random populations and inputs on
 * both synapse ports and the membrane ports, conductances large enough that relaxFactor takes its expm1 branch
 * (the neurons the kernel defers), both reset modes, refractory periods of 0-5 steps, refractoriness set from
 * outside, and across switches between the kernel and the TypeScript path mid-run. Also: a threshold on a
 * neuron's exact float64 voltage, a small COBA network, and the stop at a negative total conductance (the same
 * error and the same state as the TypeScript step leaves).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createRng } from "../../src/core/rng.ts";
import { compileWasm } from "../../src/core/wasm.ts";
import { CobaKernel, cobaKernelModuleBytes, compiledCobaKernels } from "../../src/neurons/coba-kernel.ts";
import {
  COBA_BENCHMARK_WEIGHTS,
  CobaLIF,
  relaxFactor,
  type CobaLifParams,
} from "../../src/neurons/coba-lif.ts";
import {
  assertPathsAgree,
  KERNEL_RUN,
  kernelRunReset,
  kernelTrace,
  nextUp,
  onPath,
  pathBuilder,
  runExcInh,
  spikesAfterRefractoriness,
} from "./helpers.ts";
import type { KernelDrive, KernelPath as Path, KernelTrace } from "./helpers.ts";

const ctx = (step: number, dt_ms: number) => ({ step, dt_ms, learning: false });

/** Builds a population on one path (the environment switches are read at construction). */
const build = pathBuilder<Partial<CobaLifParams>, CobaLIF>(CobaLIF);

interface Drive extends KernelDrive {
  /** Steps from which "i_nA" and "dv_mV" are requested and fed (never when >= steps). */
  readonly currentFrom: number;
  readonly jumpFrom: number;
  /** The largest weights on the synapse ports (nS). */
  readonly wExc: number;
  readonly wInh: number;
}

/**
 * The spikes, v, g_exc, g_inh and the refractory counters after every step, and what was covered: updates
 * with x = (dt / C) G >= 0.25 (relaxFactor's expm1 branch, deferred by the kernel), spikes among them, and
 * those that come before a spike with x < 0.25 in the same step (the kernel merges the two runs).
 */
interface Trace extends KernelTrace {
  slow: number;
  slowSpikes: number;
  merged: number;
}

function trace(pop: CobaLIF, d: Drive, dt_ms: number): Trace {
  const n = pop.size;
  const rng = createRng(d.seed, "inputs");
  const exc = pop.port("exc");
  const inh = pop.port("inh");
  const { dtOverC, synMean } = pop.derived;
  const gL = (pop.params as CobaLifParams).gLeak_nS;
  let cur: Float32Array | undefined;
  let dv: Float32Array | undefined;
  const covered = { slow: 0, slowSpikes: 0, merged: 0 };
  const slow = new Uint8Array(n);
  const feed = (s: number) => {
    for (let i = 0; i < n; i++) {
      if (rng.float() < d.pArrive) exc[i] += rng.uniform(0, d.wExc);
      if (rng.float() < d.pArrive) inh[i] += rng.uniform(0, d.wInh);
    }
    if (s >= d.currentFrom) {
      cur ??= pop.port("i_nA");
      for (let i = 0; i < n; i++) cur[i] += rng.uniform(-0.2, 0.5);
    }
    if (s >= d.jumpFrom) {
      dv ??= pop.port("dv_mV");
      for (let i = 0; i < n; i++) if (rng.float() < 0.1) dv[i] += rng.uniform(-3, 5);
    }
    for (let i = 0; i < n; i++) {
      const ge = pop.g_nS[0][i] + exc[i];
      const gi = pop.g_nS[1][i] + inh[i];
      slow[i] = dtOverC * (gL + (synMean[0] * ge + synMean[1] * gi)) >= 0.25 ? 1 : 0;
      covered.slow += slow[i];
    }
  };
  const afterStep = () => {
    let lastFast = -1;
    for (let k = pop.spikeCount - 1; k >= 0; k--) {
      const i = pop.spikeIdx[k];
      covered.slowSpikes += slow[i];
      if (slow[i] === 0) lastFast = Math.max(lastFast, i);
      else if (i < lastFast) covered.merged++;
    }
  };
  const record = [pop.v_mV, ...pop.g_nS, pop.refractoryLeft];
  return {
    ...kernelTrace(pop, { steps: d.steps, dt_ms, rng, switches: d.switches, record, feed, afterStep }),
    ...covered,
  };
}

const kernelAvailable = CobaKernel.create(1, relaxFactor) !== undefined;

test("both kernel modules validate and compile in this Node (else the comparisons below would test less)", () => {
  assert.ok(kernelAvailable);
  assert.ok(compileWasm(cobaKernelModuleBytes(37, true)) !== null, "SIMD module");
  assert.ok(compileWasm(cobaKernelModuleBytes(37, false)) !== null, "scalar module");
});

test("kernel (SIMD and scalar) and TypeScript steps agree bit for bit after every step, also across switches", () => {
  const covered = { spikes: 0, refractorySpikes: 0, slow: 0, slowSpikes: 0, merged: 0 };
  fc.assert(
    fc.property(
      fc.record({
        ...KERNEL_RUN,
        tauMem_ms: fc.double({ min: 5, max: 30, noNaN: true }),
        gLeak_nS: fc.double({ min: 5, max: 30, noNaN: true }),
        vRevExc_mV: fc.constantFrom(0, -10, 10),
        vRevInh_mV: fc.double({ min: -90, max: -65, noNaN: true }),
        vRest_mV: fc.double({ min: -70, max: -55, noNaN: true }),
        currentFrom: fc.integer({ min: 0, max: 250 }),
        jumpFrom: fc.integer({ min: 0, max: 250 }),
        wExc: fc.constantFrom(10, 60, 400),
        wInh: fc.constantFrom(20, 100, 1500),
      }),
      (r) => {
        const steps = 200;
        const params: Partial<CobaLifParams> = {
          ...kernelRunReset(r),
          tauMem_ms: r.tauMem_ms,
          gLeak_nS: r.gLeak_nS,
          vRest_mV: r.vRest_mV,
          synapses: [
            { port: "exc", tauSyn_ms: r.tauExc_ms, vRev_mV: r.vRevExc_mV },
            { port: "inh", tauSyn_ms: r.tauInh_ms, vRev_mV: r.vRevInh_mV },
          ],
        };
        const expected = assertPathsAgree(
          (path, switches) => trace(build(path, r.n, r.dt_ms, params), { ...r, steps, switches }, r.dt_ms),
          r.switchAt,
        );
        covered.spikes += expected.spikes.length;
        covered.refractorySpikes += spikesAfterRefractoriness(expected, r.n, 3);
        covered.slow += expected.slow;
        covered.slowSpikes += expected.slowSpikes;
        covered.merged += expected.merged;
      },
    ),
    { numRuns: 60, seed: 4 },
  );
  // the comparisons covered spikes, neurons released from refractoriness that fire again, the expm1 branch
  // and spikes there (whose list the kernel merges)
  assert.ok(covered.spikes > 1000, `${covered.spikes} spikes`);
  assert.ok(covered.refractorySpikes > 1000, `${covered.refractorySpikes} spikes right after refractoriness`);
  assert.ok(covered.slow > 10_000, `${covered.slow} updates with x >= 0.25`);
  assert.ok(covered.slowSpikes > 3000, `${covered.slowSpikes} spikes with x >= 0.25`);
  assert.ok(covered.merged > 1000, `${covered.merged} spikes with x >= 0.25 before one with x < 0.25`);
});

test("a COBA network (projections writing into the kernel's ports) spikes identically on all paths", () => {
  const run = (path: Path) => {
    const dt = 0.1;
    const pe = build(path, 401, dt, {});
    const pi = build(path, 101, dt, {});
    const rng = createRng(3, "v0");
    for (const pop of [pe, pi]) {
      for (let i = 0; i < pop.size; i++) {
        pop.v_mV[i] = -60 + 10 * rng.float();
        pop.g_nS[0][i] = Math.max(0, 1.5 * rng.normal() + 4) * 10;
        pop.g_nS[1][i] = Math.max(0, 12 * rng.normal() + 20) * 10;
      }
    }
    const { exc_nS, inh_nS } = COBA_BENCHMARK_WEIGHTS;
    const out = runExcInh(pe, pi, exc_nS * 8, inh_nS * 8, 3000, dt);
    return { ...out, g: [pe, pi].flatMap((p) => p.g_nS.map((g) => Array.from(g))) };
  };
  const expected = run("ts");
  assert.ok(expected.spikes[0][0].length > 500, `${expected.spikes[0][0].length} excitatory spikes`);
  assert.deepStrictEqual(run("simd"), expected);
  assert.deepStrictEqual(run("scalar"), expected);
});

/** The state and inputs of n neurons, float32 values as the buffers hold them. */
interface Start {
  v: number[];
  gExc: number[];
  gInh: number[];
  exc: number[];
  inh: number[];
  cur: number[];
  dv: number[];
}

function randomStart(n: number, seed: number, gScale: number): Start {
  const rng = createRng(seed, "start");
  const u = (lo: number, hi: number) => Array.from({ length: n }, () => Math.fround(rng.uniform(lo, hi)));
  return {
    v: u(-70, -45),
    gExc: u(0, 40 * gScale),
    gInh: u(0, 200 * gScale),
    exc: u(0, 30 * gScale),
    inh: u(0, 60 * gScale),
    cur: u(-0.3, 0.3),
    dv: u(-2, 2),
  };
}

function load(pop: CobaLIF, s: Start, membrane: boolean): void {
  pop.v_mV.set(s.v);
  pop.g_nS[0].set(s.gExc);
  pop.g_nS[1].set(s.gInh);
  pop.port("exc").set(s.exc);
  pop.port("inh").set(s.inh);
  if (membrane) {
    pop.port("i_nA").set(s.cur);
    pop.port("dv_mV").set(s.dv);
  }
}

/** The float64 voltage of neuron j after one step, computed as stepTwoPorts does (coba-lif.ts). */
function voltage(pop: CobaLIF, s: Start, j: number, membrane: boolean, phi = relaxFactor): number {
  const { dtOverC, synMean } = pop.derived;
  const { gLeak_nS: gL, vRest_mV, synapses } = pop.params as CobaLifParams;
  const ge = s.gExc[j] + s.exc[j];
  const gi = s.gInh[j] + s.inh[j];
  const G = gL + (synMean[0] * ge + synMean[1] * gi);
  let drive = gL * vRest_mV + (synMean[0] * synapses[0].vRev_mV * ge + synMean[1] * synapses[1].vRev_mV * gi);
  if (membrane) drive += 1000 * s.cur[j];
  let vi = s.v[j] + dtOverC * phi(dtOverC * G) * (drive - G * s.v[j]);
  if (membrane) vi += s.dv[j];
  return vi;
}

test("a threshold placed exactly on a neuron's float64 voltage, or one ulp above, splits every path alike", () => {
  // Results stored as float32 hide most float64 rounding differences; the threshold test is the one place where
  // the float64 voltage counts. With the threshold on the voltage that stepTwoPorts's order of operations gives,
  // the neuron must fire on every path; one ulp above it, on none. Large conductances put some neurons on
  // relaxFactor's expm1 branch (x >= 0.25), which the kernel defers.
  let slow = 0;
  fc.assert(
    fc.property(
      fc.record({
        n: fc.integer({ min: 1, max: 9 }),
        target: fc.nat(),
        membrane: fc.boolean(),
        subtract: fc.boolean(),
        gScale: fc.constantFrom(0.3, 1, 4),
        tauMem_ms: fc.double({ min: 5, max: 30, noNaN: true }),
        tauInh_ms: fc.double({ min: 1, max: 30, noNaN: true }),
        seed: fc.integer({ min: 0, max: 1_000_000 }),
      }),
      (r) => {
        const j = r.target % r.n;
        const start = randomStart(r.n, r.seed, r.gScale);
        const base: Partial<CobaLifParams> = {
          tauMem_ms: r.tauMem_ms,
          tRef_ms: 0.2,
          reset: r.subtract ? "subtract" : "to-value",
          synapses: [
            { port: "exc", tauSyn_ms: 5, vRev_mV: 0 },
            { port: "inh", tauSyn_ms: r.tauInh_ms, vRev_mV: -80 },
          ],
        };
        const probe = build("ts", 1, 0.1, base);
        const vi = voltage(probe, start, j, r.membrane);
        const stepOnce = (path: Path, vThreshold_mV: number) => {
          const pop = build(path, r.n, 0.1, { ...base, vThreshold_mV, vReset_mV: vThreshold_mV - 5 });
          load(pop, start, r.membrane);
          pop.step(ctx(0, 0.1));
          return pop.spiked[j];
        };
        for (const path of ["ts", "simd", "scalar"] as const) {
          assert.equal(stepOnce(path, vi), 1, `${path}: neuron ${j} at threshold ${vi} fires`);
          assert.equal(
            stepOnce(path, nextUp(vi)),
            0,
            `${path}: neuron ${j} one ulp below threshold is silent`,
          );
        }
        const { dtOverC, synMean } = probe.derived;
        const G =
          10 + (synMean[0] * (start.gExc[j] + start.exc[j]) + synMean[1] * (start.gInh[j] + start.inh[j]));
        if (dtOverC * G >= 0.25) slow++;
      },
    ),
    { numRuns: 300, seed: 5 },
  );
  assert.ok(slow > 50, `${slow} of the thresholds on relaxFactor's expm1 branch`);
});

test("large conductances (x >= 0.25) give the expm1 branch's voltages, which the polynomial would not", () => {
  // The voltages of the expm1 branch against both formulas: on every path they are those of -expm1(-x)/x, and
  // for many neurons the polynomial's would be another float32 (so a kernel that used it would fail here).
  const n = 64;
  const start = randomStart(n, 11, 8);
  const params: Partial<CobaLifParams> = { vThreshold_mV: 50, tRef_ms: 0 };
  const probe = build("ts", 1, 0.1, params);
  // relaxFactor's polynomial branch, beyond its range
  const polynomialOnly = (x: number) => {
    const y = -x;
    const y2 = y * y;
    const y4 = y2 * y2;
    return (
      1 +
      y * 0.5 +
      y2 * (1 / 6 + y * (1 / 24)) +
      y4 * (1 / 120 + y * (1 / 720) + y2 * (1 / 5040 + y * (1 / 40320)))
    );
  };
  const want = Array.from({ length: n }, (_, j) => Math.fround(voltage(probe, start, j, true)));
  const other = Array.from({ length: n }, (_, j) =>
    Math.fround(voltage(probe, start, j, true, polynomialOnly)),
  );
  const { dtOverC, synMean } = probe.derived;
  const xs = start.v.map(
    (_v, j) =>
      dtOverC *
      (10 + (synMean[0] * (start.gExc[j] + start.exc[j]) + synMean[1] * (start.gInh[j] + start.inh[j]))),
  );
  assert.ok(xs.filter((x) => x >= 0.25).length > 40, `x: ${xs.map((x) => x.toFixed(2)).join(" ")}`);
  assert.ok(want.filter((w, j) => w !== other[j]).length > 10, "the polynomial would give other voltages");
  for (const path of ["ts", "simd", "scalar"] as const) {
    const pop = build(path, n, 0.1, params);
    load(pop, start, true);
    pop.step(ctx(0, 0.1));
    assert.deepEqual(Array.from(pop.v_mV), want, path);
  }
});

/** Everything a stop leaves behind, as plain arrays. */
function snapshot(pop: CobaLIF) {
  const list = (pop as unknown as { refractory: { count: number } }).refractory;
  return {
    v: Array.from(pop.v_mV),
    g: pop.g_nS.map((g) => Array.from(g)),
    ports: ["exc", "inh", "i_nA", "dv_mV"].map((name) => Array.from(pop.port(name))),
    ref: Array.from(pop.refractoryLeft),
    spiked: Array.from(pop.spiked),
    spikeIdx: Array.from(
      pop.spikeIdx.subarray(
        0,
        pop.spiked.reduce((a, f) => a + f, 0),
      ),
    ),
    spikeCount: pop.spikeCount,
    listed: list.count,
  };
}

test("a negative (or NaN) total conductance stops every path with the same error and the same state", () => {
  fc.assert(
    fc.property(
      fc.record({
        n: fc.integer({ min: 1, max: 23 }),
        bad: fc.nat(),
        nan: fc.boolean(),
        gScale: fc.constantFrom(1, 6),
        seed: fc.integer({ min: 0, max: 1_000_000 }),
      }),
      (r) => {
        const j = r.bad % r.n;
        const start = randomStart(r.n, r.seed, r.gScale);
        // a few steps first, so that some neurons are refractory, then neuron j's excitatory arrival is negative
        const results = (["ts", "simd", "scalar"] as const).map((path) => {
          const pop = build(path, r.n, 0.1, { vThreshold_mV: -55, tRef_ms: 0.3 });
          load(pop, start, true);
          for (let s = 0; s < 3; s++) {
            pop.port("exc").set(start.exc);
            pop.step(ctx(s, 0.1));
          }
          load(pop, start, true);
          pop.port("exc")[j] = r.nan ? NaN : -1e4;
          let message = "no error";
          try {
            pop.step(ctx(3, 0.1));
          } catch (error) {
            assert.equal((error as Error).name, "StateError");
            message = (error as Error).message;
          }
          const state = snapshot(pop);
          // reset() leaves nothing of the stopped step (its uncounted spike flags included)
          pop.reset();
          assert.deepEqual(snapshot(pop), snapshot(build("ts", r.n, 0.1, {})));
          return { message, state };
        });
        assert.match(results[0].message, new RegExp(`^CobaLIF neuron ${j}: `));
        assert.deepStrictEqual(results[1], results[0], "SIMD module");
        assert.deepStrictEqual(results[2], results[0], "scalar module");
      },
    ),
    { numRuns: 100, seed: 6 },
  );
});

test("compiled modules are kept for at most 32 sizes; a kernel built before its module was dropped still steps", () => {
  const make = (n: number) => onPath("simd", () => new CobaLIF(n, 0.1, { vThreshold_mV: -59 }));
  const first = make(3);
  for (let n = 1000; n < 1040; n++) CobaKernel.create(n, relaxFactor);
  assert.ok(compiledCobaKernels() <= 32, `${compiledCobaKernels()} modules cached`);
  const fresh = make(3);
  for (const pop of [first, fresh]) {
    pop.port("exc").fill(700);
    pop.step(ctx(0, 0.1));
  }
  assert.ok(fresh.spikeCount > 0);
  assert.deepEqual(Array.from(first.v_mV), Array.from(fresh.v_mV));
  assert.deepEqual(Array.from(first.spikeIdx), Array.from(fresh.spikeIdx));
});
