/**
 * The WebAssembly two-port step of CubaLIF (src/neurons/cuba-kernel.ts), in its SIMD and its scalar module,
 * against the TypeScript step (`stepTwoPortsArena`): the same spikes, spike flags, voltages, synaptic currents
 * and refractory counters after every step, bit for bit, over random populations and inputs on both synapse
 * ports and the membrane ports, both reset modes, refractory periods of 0-5 steps, refractoriness set from
 * outside, and across switches between the kernel and the TypeScript path mid-run. Also a small CUBA network,
 * whose projections write into the ports in the kernel's memory.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createRng } from "../../src/core/rng.ts";
import { compileWasm } from "../../src/core/wasm.ts";
import { CubaKernel, compiledCubaKernels, cubaKernelModuleBytes } from "../../src/neurons/cuba-kernel.ts";
import {
  CUBA_BENCHMARK_PARAMS,
  CUBA_BENCHMARK_WEIGHTS,
  CubaLIF,
  type CubaLifParams,
} from "../../src/neurons/cuba-lif.ts";
import {
  assertPathsAgree,
  KERNEL_RUN,
  kernelRunReset,
  kernelTrace,
  nextUp,
  pathBuilder,
  runExcInh,
  spikesAfterRefractoriness,
} from "./helpers.ts";
import type { KernelDrive, KernelPath, KernelTrace } from "./helpers.ts";

type Path = KernelPath;

/** Builds a population on one path (the environment switches are read at construction). */
const build = pathBuilder<Partial<CubaLifParams>, CubaLIF>(CubaLIF);

interface Drive extends KernelDrive {
  /** Step from which "i_nA" and "dv_mV" are requested and fed (never when >= steps). */
  readonly membraneFrom: number;
}

/** The spikes, and v, I_exc, I_inh and the refractory counters after every step. */
function trace(pop: CubaLIF, d: Drive, dt_ms: number): KernelTrace {
  const n = pop.size;
  const rng = createRng(d.seed, "inputs");
  const exc = pop.port("exc");
  const inh = pop.port("inh");
  let cur: Float32Array | undefined;
  let dv: Float32Array | undefined;
  const feed = (s: number) => {
    for (let i = 0; i < n; i++) {
      if (rng.float() < d.pArrive) exc[i] += rng.uniform(0, 6);
      if (rng.float() < d.pArrive) inh[i] += rng.uniform(-8, 0);
    }
    if (s >= d.membraneFrom) {
      cur ??= pop.port("i_nA");
      dv ??= pop.port("dv_mV");
      for (let i = 0; i < n; i++) {
        cur[i] += rng.uniform(-2, 4);
        if (rng.float() < 0.1) dv[i] += rng.uniform(-3, 5);
      }
    }
  };
  const record = [pop.v_mV, ...pop.iSyn_nA, pop.refractoryLeft];
  return kernelTrace(pop, { steps: d.steps, dt_ms, rng, switches: d.switches, record, feed });
}

const kernelAvailable = CubaKernel.create(1) !== undefined;

test("both kernel modules validate and compile in this Node (else the comparisons below would test less)", () => {
  assert.ok(kernelAvailable);
  assert.ok(compileWasm(cubaKernelModuleBytes(37, true)) !== null, "SIMD module");
  assert.ok(compileWasm(cubaKernelModuleBytes(37, false)) !== null, "scalar module");
});

test("kernel (SIMD and scalar) and TypeScript steps agree bit for bit after every step, also across switches", () => {
  let spikes = 0;
  let refractorySpikes = 0;
  fc.assert(
    fc.property(
      fc.record({
        ...KERNEL_RUN,
        tauMem_ms: fc.double({ min: 4, max: 30, noNaN: true }),
        vRest_mV: fc.double({ min: -60, max: -45, noNaN: true }),
        resistance_MOhm: fc.constantFrom(0.5, 1, 3),
        membraneFrom: fc.integer({ min: 0, max: 250 }),
      }),
      (r) => {
        const steps = 200;
        const params: Partial<CubaLifParams> = {
          ...kernelRunReset(r),
          tauMem_ms: r.tauMem_ms,
          vRest_mV: r.vRest_mV,
          resistance_MOhm: r.resistance_MOhm,
          synapses: [
            { port: "exc", tauSyn_ms: r.tauExc_ms },
            { port: "inh", tauSyn_ms: r.tauInh_ms },
          ],
        };
        const expected = assertPathsAgree(
          (path, switches) => trace(build(path, r.n, r.dt_ms, params), { ...r, steps, switches }, r.dt_ms),
          r.switchAt,
        );
        spikes += expected.spikes.length;
        refractorySpikes += spikesAfterRefractoriness(expected, r.n, 3);
      },
    ),
    { numRuns: 60, seed: 4 },
  );
  // the comparisons covered spikes, and neurons released from refractoriness that fire again
  assert.ok(spikes > 1000, `${spikes} spikes`);
  assert.ok(refractorySpikes > 10, `${refractorySpikes} spikes right after refractoriness`);
});

test("a CUBA network (projections writing into the kernel's ports) spikes identically on both paths", () => {
  const run = (path: Path) => {
    const dt = 0.1;
    const pe = build(path, 400, dt, CUBA_BENCHMARK_PARAMS);
    const pi = build(path, 101, dt, CUBA_BENCHMARK_PARAMS);
    const rng = createRng(3, "v0");
    for (const pop of [pe, pi]) for (let i = 0; i < pop.size; i++) pop.v_mV[i] = -60 + 10 * rng.float();
    const { exc_nA, inh_nA } = CUBA_BENCHMARK_WEIGHTS;
    return runExcInh(pe, pi, exc_nA * 8, inh_nA * 8, 3000, dt);
  };
  const expected = run("ts");
  assert.ok(expected.spikes[0][0].length > 500, `${expected.spikes[0][0].length} excitatory spikes`);
  assert.deepStrictEqual(run("simd"), expected);
  assert.deepStrictEqual(run("scalar"), expected);
});

test("a threshold placed exactly on a neuron's float64 voltage, or one ulp above, splits every path alike", () => {
  // Results stored as float32 hide most float64 rounding differences (a different order of additions changes
  // the float32 value with a probability of about 2^-29); the threshold test is the one place where the float64
  // voltage counts. With the threshold on the voltage that the update gives in float64, in the order of the
  // equation in cuba-lif.ts, the neuron must fire on every path; one ulp above it, on none.
  fc.assert(
    fc.property(
      fc.record({
        n: fc.integer({ min: 1, max: 9 }),
        target: fc.nat(),
        membrane: fc.boolean(),
        subtract: fc.boolean(),
        tauMem_ms: fc.double({ min: 4, max: 30, noNaN: true }),
        tauInh_ms: fc.double({ min: 1, max: 30, noNaN: true }),
        resistance_MOhm: fc.double({ min: 0.3, max: 3, noNaN: true }),
        seed: fc.integer({ min: 0, max: 1_000_000 }),
      }),
      (r) => {
        const j = r.target % r.n;
        const vRest_mV = -55;
        const rng = createRng(r.seed, "exact-threshold");
        const u = (lo: number, hi: number) => Array.from({ length: r.n }, () => rng.uniform(lo, hi));
        const inputs = {
          v: u(-70, -40),
          iExc: u(-5, 5),
          iInh: u(-5, 5),
          exc: u(0, 3),
          inh: u(-3, 0),
          cur: u(-3, 3),
          dv: u(-2, 2),
        };
        const base: Partial<CubaLifParams> = {
          tauMem_ms: r.tauMem_ms,
          vRest_mV,
          tRef_ms: 0.2,
          resistance_MOhm: r.resistance_MOhm,
          reset: r.subtract ? "subtract" : "to-value",
          synapses: [
            { port: "exc", tauSyn_ms: 5 },
            { port: "inh", tauSyn_ms: r.tauInh_ms },
          ],
        };
        const stepOnce = (path: Path, vThreshold_mV: number) => {
          const pop = build(path, r.n, 0.1, { ...base, vThreshold_mV, vReset_mV: vThreshold_mV - 5 });
          pop.v_mV.set(inputs.v);
          pop.iSyn_nA[0].set(inputs.iExc);
          pop.iSyn_nA[1].set(inputs.iInh);
          pop.port("exc").set(inputs.exc);
          pop.port("inh").set(inputs.inh);
          if (r.membrane) {
            pop.port("i_nA").set(inputs.cur);
            pop.port("dv_mV").set(inputs.dv);
          }
          pop.step({ step: 0, dt_ms: 0.1, learning: false });
          return pop.spiked[j];
        };
        // the float64 voltage of neuron j, from float32 state and inputs (the arrivals join the currents)
        const probe = build("ts", 1, 0.1, base).derived;
        const [g0, g1] = probe.synGain;
        const f = Math.fround;
        let vi =
          vRest_mV +
          (f(inputs.v[j]) - vRest_mV) * probe.decay +
          g0 * (f(inputs.iExc[j]) + f(inputs.exc[j])) +
          g1 * (f(inputs.iInh[j]) + f(inputs.inh[j]));
        if (r.membrane) vi += probe.currentGain * f(inputs.cur[j]) + f(inputs.dv[j]);
        for (const path of ["ts", "simd", "scalar"] as const) {
          assert.equal(stepOnce(path, vi), 1, `${path}: neuron ${j} at threshold ${vi} fires`);
          assert.equal(
            stepOnce(path, nextUp(vi)),
            0,
            `${path}: neuron ${j} one ulp below threshold is silent`,
          );
        }
      },
    ),
    { numRuns: 300, seed: 5 },
  );
});

test("compiled modules are kept for at most 32 sizes; a kernel built before its module was dropped still steps", () => {
  const first = CubaKernel.create(3);
  assert.ok(first, "a kernel for 3 neurons");
  for (let n = 1000; n < 1100; n++) CubaKernel.create(n);
  assert.ok(compiledCubaKernels() <= 32, `${compiledCubaKernels()} modules cached`);
  // the 3-neuron module left the cache long ago; its kernel steps like one built from a fresh module
  const fresh = CubaKernel.create(3)!;
  for (const k of [first, fresh]) {
    k.constants.fill(0.5);
    k.buffers.arena.fill(1);
    k.step(true, false, 0);
  }
  assert.deepEqual(Array.from(first.counts), Array.from(fresh.counts));
  assert.deepEqual(Array.from(first.buffers.arena), Array.from(fresh.buffers.arena));
});
