/**
 * Shared test helpers for the neuron models: a step loop that records spikes, float32 arithmetic aids, the
 * construction of a model on each step path and a small excitatory-inhibitory network.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { createRng } from "../../src/core/rng.ts";
import type { Rng } from "../../src/core/rng.ts";
import { SpikeMonitor } from "../../src/network/monitors.ts";
import { Network } from "../../src/network/network.ts";
import type { Population, StepContext } from "../../src/network/types.ts";
import { Sparse } from "../../src/projections/sparse.ts";

export interface SpikeEvents {
  /** Step index of every spike, in time order (ascending neuron within a step). */
  readonly steps: number[];
  /** Neuron index of every spike. */
  readonly neurons: number[];
}

export interface RunOptions {
  readonly learning?: boolean;
  /** Called before each step (phase 2 of the step order): write ports, emit spikes. */
  readonly feed?: (step: number) => void;
  /** Called after each step (phase 5): read state. */
  readonly after?: (step: number) => void;
}

/** Steps `pop` `steps` times at `dt_ms` and returns its spikes. */
export function run(pop: Population, steps: number, dt_ms: number, options: RunOptions = {}): SpikeEvents {
  const ctx: { step: number; dt_ms: number; learning: boolean } = {
    step: 0,
    dt_ms,
    learning: options.learning ?? true,
  };
  const events: SpikeEvents = { steps: [], neurons: [] };
  for (let s = 0; s < steps; s++) {
    ctx.step = s;
    options.feed?.(s);
    pop.step(ctx as StepContext);
    for (let k = 0; k < pop.spikeCount; k++) {
      events.steps.push(s);
      events.neurons.push(pop.spikeIdx[k]);
    }
    options.after?.(s);
  }
  return events;
}

/** The spike steps of one neuron. */
export function spikeStepsOf(events: SpikeEvents, neuron: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < events.steps.length; k++) if (events.neurons[k] === neuron) out.push(events.steps[k]);
  return out;
}

/** Differences between consecutive entries. */
export function diffs(a: readonly number[]): number[] {
  const out: number[] = [];
  for (let k = 1; k < a.length; k++) out.push(a[k] - a[k - 1]);
  return out;
}

/** The spacing of float32 numbers at |x| (one unit in the last place). */
export function ulp32(x: number): number {
  const ax = Math.abs(Math.fround(x));
  if (ax < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(ax)) - 23);
}

/** A step context for a single manual `step` call. */
export function ctxAt(step: number, dt_ms: number, learning = true): StepContext {
  return { step, dt_ms, learning };
}

/** The step paths of a model with a WebAssembly kernel: TypeScript, the scalar module, the SIMD module. */
export type KernelPath = "ts" | "scalar" | "simd";

/**
 * `make()` with SPIKEFLOW_WASM and SPIKEFLOW_SIMD set for `path` (a model reads them when it is built), the
 * environment restored afterwards.
 */
export function onPath<T>(path: KernelPath, make: () => T): T {
  const saved = { wasm: process.env.SPIKEFLOW_WASM, simd: process.env.SPIKEFLOW_SIMD };
  process.env.SPIKEFLOW_WASM = path === "ts" ? "0" : "1";
  process.env.SPIKEFLOW_SIMD = path === "simd" ? "1" : "0";
  try {
    return make();
  } finally {
    for (const [key, value] of [
      ["SPIKEFLOW_WASM", saved.wasm],
      ["SPIKEFLOW_SIMD", saved.simd],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** The next float64 above x (x finite). */
export function nextUp(x: number): number {
  const f = new Float64Array([x]);
  const bits = new BigInt64Array(f.buffer);
  if (x === 0) return Number.MIN_VALUE;
  bits[0] += x > 0 ? 1n : -1n;
  return f[0];
}

/**
 * A small excitatory-inhibitory network of two populations of a two-port model: from each population to both,
 * p = 0.02, weights wExc and wInh into the ports "exc" and "inh", run for `steps` steps. Returns the spikes
 * ([steps, neurons] per population) and the final voltages.
 */
export function runExcInh(
  pe: Population & { v_mV: Float32Array },
  pi: Population & { v_mV: Float32Array },
  wExc: number,
  wInh: number,
  steps: number,
  dt_ms: number,
): { spikes: number[][][]; v: number[][] } {
  const net = new Network({ dt_ms, learning: false });
  net.addPopulation("exc", pe);
  net.addPopulation("inh", pi);
  for (const [src, srcName, weight] of [
    [pe, "exc", wExc],
    [pi, "inh", wInh],
  ] as const) {
    for (const tgt of [pe, pi]) {
      const rngP = createRng(3, srcName, tgt.size);
      net.addProjection(
        `${srcName}->${tgt.size}`,
        Sparse.random(src, tgt, { p: 0.02, weight, rng: rngP, port: srcName }),
      );
    }
  }
  const monitors = [net.addMonitor(new SpikeMonitor(pe)), net.addMonitor(new SpikeMonitor(pi))];
  net.run({}, steps);
  return {
    spikes: monitors.map((m) => [Array.from(m.steps), Array.from(m.neurons)]),
    v: [Array.from(pe.v_mV), Array.from(pi.v_mV)],
  };
}

/** What the kernel comparisons need of a model with a WebAssembly step (CubaLIF, CobaLIF). */
export interface KernelModel extends Population {
  useKernel: boolean;
  readonly v_mV: Float32Array;
  readonly refractoryLeft: Int32Array;
  setRefractory(i: number, steps: number): void;
}

/** A kernel comparison's run: spikes as step * 100 000 + neuron in list order, the recorded buffers. */
export interface KernelTrace {
  spikes: number[];
  /** Each recorded buffer after every step, back to back. */
  states: (Float32Array | Int32Array)[];
}

export interface KernelTraceOptions {
  readonly steps: number;
  readonly dt_ms: number;
  /** The inputs' generator; also picks the neurons made refractory from outside. */
  readonly rng: Rng;
  /** Steps at which the run changes between kernel and TypeScript path (useKernel toggled). */
  readonly switches: readonly number[];
  /** The buffers recorded after every step (each `size` long). */
  readonly record: readonly (Float32Array | Int32Array)[];
  /** Writes the step's inputs. */
  readonly feed: (step: number) => void;
  /** Called after the step, before the recording. */
  readonly afterStep?: (step: number) => void;
}

/**
 * Steps `pop` for a comparison of its paths: at every step it toggles `useKernel` at `switches`, feeds the
 * inputs, now and then makes a neuron refractory (or releases it) from outside, steps, checks the spike flags
 * against the spike list, and records the spikes and the buffers of `record`.
 */
export function kernelTrace(pop: KernelModel, o: KernelTraceOptions): KernelTrace {
  const n = pop.size;
  const out: KernelTrace = {
    spikes: [],
    states: o.record.map((b) =>
      b instanceof Int32Array ? new Int32Array(n * o.steps) : new Float32Array(n * o.steps),
    ),
  };
  for (let s = 0; s < o.steps; s++) {
    if (o.switches.includes(s)) pop.useKernel = !pop.useKernel;
    o.feed(s);
    if (o.rng.float() < 0.05) pop.setRefractory(o.rng.int(n), o.rng.int(4));
    pop.step({ step: s, dt_ms: o.dt_ms, learning: false });
    const flagged = pop.spiked.reduce((a, f) => a + f, 0);
    assert.equal(flagged, pop.spikeCount, `step ${s}: ${flagged} flags for ${pop.spikeCount} spikes`);
    for (let k = 0; k < pop.spikeCount; k++) {
      assert.equal(pop.spiked[pop.spikeIdx[k]], 1);
      out.spikes.push(s * 100_000 + pop.spikeIdx[k]);
    }
    o.afterStep?.(s);
    o.record.forEach((b, j) => out.states[j].set(b, s * n));
  }
  return out;
}

/**
 * The spikes of a kernel trace whose neuron's refractory counter (recorded buffer `refAt`) was above zero after
 * the step before: spikes right after refractoriness, where the refractory test mattered.
 */
export function spikesAfterRefractoriness(t: KernelTrace, n: number, refAt: number): number {
  let count = 0;
  for (const s of t.spikes) {
    const step = Math.floor(s / 100_000);
    if (step > 0 && t.states[refAt][(step - 1) * n + (s % 100_000)] > 0) count++;
  }
  return count;
}

/** A model's constructor, `new Model(size, dt_ms, params)`. */
type ModelClass<P, M> = new (size: number, dt_ms: number, params: P) => M;

/** `build(path, n, dt_ms, params)`: a population of `Model` on one step path (see onPath). */
export function pathBuilder<P, M>(Model: ModelClass<P, M>) {
  return (path: KernelPath, n: number, dt_ms: number, params: P): M =>
    onPath(path, () => new Model(n, dt_ms, params));
}

/** The common part of a kernel comparison's inputs. */
export interface KernelDrive {
  readonly seed: number;
  readonly steps: number;
  /** Probability that a neuron receives a weight on a synapse port in a step. */
  readonly pArrive: number;
  /** Steps at which the run changes between kernel and TypeScript path (useKernel toggled). */
  readonly switches: readonly number[];
}

/**
 * The trace of the TypeScript path, after checking that the SIMD module, the scalar module, and the SIMD module
 * switched to the TypeScript path at `switchAt` and back 30 steps later (the same buffers throughout), give the
 * same trace. `run(path, switches)` builds a population on `path` and traces it.
 */
export function assertPathsAgree<T>(
  run: (path: KernelPath, switches: readonly number[]) => T,
  switchAt: number,
): T {
  const expected = run("ts", []);
  assert.deepStrictEqual(run("simd", []), expected, "SIMD module");
  assert.deepStrictEqual(run("scalar", []), expected, "scalar module");
  assert.deepStrictEqual(run("simd", [switchAt, switchAt + 30]), expected, "SIMD module, switched");
  return expected;
}

/**
 * The random parts of a kernel comparison's run that every two-port model has: population size (multiples of
 * 4 and not), step, membrane and synaptic time constants, reset, refractory steps, inputs' seed and rate, and
 * where the run switches paths.
 */
export const KERNEL_RUN = {
  n: fc.integer({ min: 1, max: 41 }),
  dt_ms: fc.constantFrom(0.1, 0.25),
  tauExc_ms: fc.constantFrom(1, 2.5, 5, 20),
  tauInh_ms: fc.double({ min: 1, max: 30, noNaN: true }),
  resetBelow_mV: fc.double({ min: 0.5, max: 15, noNaN: true }),
  refSteps: fc.integer({ min: 0, max: 5 }),
  subtract: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  pArrive: fc.constantFrom(0.05, 0.3),
  switchAt: fc.integer({ min: 1, max: 150 }),
};

/** The threshold (-50 mV), reset and refractory parameters of a KERNEL_RUN run. */
export function kernelRunReset(r: {
  dt_ms: number;
  resetBelow_mV: number;
  refSteps: number;
  subtract: boolean;
}) {
  return {
    vThreshold_mV: -50,
    vReset_mV: -50 - r.resetBelow_mV,
    tRef_ms: r.refSteps * r.dt_ms,
    reset: r.subtract ? ("subtract" as const) : ("to-value" as const),
  };
}
