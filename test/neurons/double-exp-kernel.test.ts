/**
 * The WebAssembly step of DoubleExpLIF (src/neurons/double-exp-kernel.ts) against the TypeScript step: the same
 * spikes, voltages, synaptic states and random sequence, bit for bit, over random networks and inputs, for both
 * refractory rules, with and without the "i_nA" port, and across a switch to the TypeScript path mid-run (the
 * "dv_mV" port requested). Also the signed LEB128 encoder the module builder uses.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createRng } from "../../src/core/rng.ts";
import { sleb, uleb } from "../../src/core/wasm.ts";
import { DoubleExpKernel } from "../../src/neurons/double-exp-kernel.ts";
import { DoubleExpLIF, type DoubleExpLifParams } from "../../src/neurons/double-exp-lif.ts";

const DT = 0.05;

/** Builds a population with the WebAssembly kernel enabled or disabled (the switch is read at construction). */
function build(wasm: boolean, n: number, params: Partial<DoubleExpLifParams>): DoubleExpLIF {
  const saved = process.env.SPIKEFLOW_WASM;
  process.env.SPIKEFLOW_WASM = wasm ? "1" : "0";
  try {
    return new DoubleExpLIF(n, DT, params);
  } finally {
    if (saved === undefined) delete process.env.SPIKEFLOW_WASM;
    else process.env.SPIKEFLOW_WASM = saved;
  }
}

interface Trace {
  spikes: number[];
  v: number[];
  r: number[];
  i: number[];
  ref: number[];
}

/**
 * Runs `steps` steps with seeded synaptic and current inputs; `dvFrom` (if given) requests the "dv_mV" port
 * at that step and kicks neuron 0 by 0.5 mV every step from then on (which moves the model off the kernel).
 */
function trace(pop: DoubleExpLIF, seed: number, steps: number, useCur: boolean, dvFrom?: number): Trace {
  const rng = createRng(seed, "inputs");
  pop.setRng(createRng(seed, "pop"));
  pop.reset();
  const syn = pop.port("syn");
  const cur = useCur ? pop.port("i_nA") : undefined;
  let dv: Float32Array | undefined;
  const out: Trace = { spikes: [], v: [], r: [], i: [], ref: [] };
  const ctx = { step: 0, dt_ms: DT, learning: false };
  for (let s = 0; s < steps; s++) {
    ctx.step = s;
    for (let k = 0; k < pop.size; k++) {
      if (rng.float() < 0.05) syn[k] += rng.uniform(-2, 3);
      if (cur) cur[k] += rng.uniform(-1, 4);
    }
    if (dvFrom !== undefined && s >= dvFrom) {
      dv ??= pop.port("dv_mV");
      dv[0] += 0.5;
    }
    pop.step(ctx);
    for (let k = 0; k < pop.spikeCount; k++) out.spikes.push(s * 100_000 + pop.spikeIdx[k]);
    // the flags agree with the index list (projections read either)
    const flagged = pop.spiked.reduce((a, f) => a + f, 0);
    assert.equal(flagged, pop.spikeCount, `step ${s}: ${flagged} flags for ${pop.spikeCount} spikes`);
    for (let k = 0; k < pop.spikeCount; k++) assert.equal(pop.spiked[pop.spikeIdx[k]], 1);
  }
  out.v = [...pop.v_mV];
  out.r = [...pop.r_Hz];
  out.i = [...pop.iSyn_nA];
  out.ref = [...pop.refractoryLeft];
  return out;
}

const wasmAvailable = DoubleExpKernel.create(1) !== undefined;

test("the WebAssembly kernel is available in this Node (else the comparisons below would test nothing)", () => {
  assert.ok(wasmAvailable);
});

test("WebAssembly and TypeScript steps agree bit for bit: spikes, v, r, I_syn, counters (random nets, both rules)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 70 }),
      fc.integer({ min: 0, max: 1_000_000 }),
      fc.constantFrom("t-last" as const, "engine" as const),
      fc.boolean(),
      fc.double({ min: -44, max: -36, noNaN: true }),
      fc.constantFrom(0.1, 1, 3),
      (n, seed, rule, useCur, bias, noise) => {
        const tauDecay_ms = Array.from({ length: n }, (_, k) => 20 + ((k * 7) % 31));
        const params: Partial<DoubleExpLifParams> = {
          refractoryRule: rule,
          bias_nA: bias,
          noiseSd_mV: noise,
          tauDecay_ms,
          seed,
        };
        const a = trace(build(true, n, params), seed, 600, useCur);
        const b = trace(build(false, n, params), seed, 600, useCur);
        assert.deepEqual(a, b);
        // the comparison must cover spikes, and with noise 3 mV the ziggurat's slow path (~1.2 % of words)
        assert.ok(a.spikes.length > 0);
      },
    ),
    { numRuns: 40, seed: 3 },
  );
});

test("switching from the WebAssembly to the TypeScript path mid-run keeps one state and one noise sequence", () => {
  const n = 30;
  const params: Partial<DoubleExpLifParams> = { refractoryRule: "t-last", bias_nA: -39, seed: 5 };
  const a = trace(build(true, n, params), 9, 800, true, 400);
  const b = trace(build(false, n, params), 9, 800, true, 400);
  assert.deepEqual(a, b);
  assert.ok(
    a.spikes.some((s) => s >= 400 * 100_000 && s % 100_000 === 0),
    "neuron 0 fires after the kicks",
  );
});

test("signed and unsigned LEB128 (WebAssembly spec 5.2.2 examples)", () => {
  assert.deepEqual(sleb(0), [0x00]);
  assert.deepEqual(sleb(63), [0x3f]);
  assert.deepEqual(sleb(64), [0xc0, 0x00]);
  assert.deepEqual(sleb(127), [0xff, 0x00]);
  assert.deepEqual(sleb(-1), [0x7f]);
  assert.deepEqual(sleb(-64), [0x40]);
  assert.deepEqual(sleb(-65), [0xbf, 0x7f]);
  assert.deepEqual(sleb(2048), [0x80, 0x10]);
  assert.deepEqual(uleb(624485), [0xe5, 0x8e, 0x26]);
});
