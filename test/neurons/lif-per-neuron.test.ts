/**
 * LIF with per-neuron parameters: a population of N heterogeneous neurons steps exactly as N one-neuron
 * populations with each neuron's parameters (bit for bit, both ports, both reset modes, refractoriness);
 * the initial voltage follows a per-neuron rest; errors name the neuron; settings and the NIR export.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ShapeMismatchError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { networkToNir } from "../../src/io/nir/export.ts";
import { Network } from "../../src/network/network.ts";
import { populationSettings } from "../../src/network/settings.ts";
import { LIF } from "../../src/neurons/lif.ts";
import type { LifParams } from "../../src/neurons/lif.ts";

const N = 12;

function heterogeneous(seed: number, reset: "to-value" | "subtract") {
  const rng = createRng(seed, "lif-per-neuron");
  const draw = (lo: number, hi: number) => Array.from({ length: N }, () => rng.uniform(lo, hi));
  const rest = draw(-70, -60);
  return {
    tauMem_ms: draw(5, 40),
    vRest_mV: rest,
    vReset_mV: rest.map((r) => r - 2),
    vThreshold_mV: draw(-55, -45),
    resistance_MOhm: draw(0.5, 2),
    tRef_ms: 1,
    reset,
  };
}

for (const reset of ["to-value", "subtract"] as const) {
  test(`per-neuron parameters (${reset}): the population steps as ${N} one-neuron LIFs, bit for bit`, () => {
    const dt = 0.25;
    const p = heterogeneous(3, reset);
    const pop = new LIF(N, dt, p);
    const singles = Array.from({ length: N }, (_, i) => {
      const one: Partial<LifParams> = {
        tauMem_ms: p.tauMem_ms[i],
        vRest_mV: p.vRest_mV[i],
        vReset_mV: p.vReset_mV[i],
        vThreshold_mV: p.vThreshold_mV[i],
        resistance_MOhm: p.resistance_MOhm[i],
        tRef_ms: p.tRef_ms,
        reset,
      };
      return new LIF(1, dt, one);
    });
    const rng = createRng(4, "inputs");
    let spikes = 0;
    for (let s = 0; s < 2000; s++) {
      for (let i = 0; i < N; i++) {
        const jump = rng.float() < 0.1 ? 6 * rng.float() : 0;
        const current = rng.float() < 0.5 ? 3 * rng.float() : 0;
        pop.port("dv_mV")[i] += jump;
        pop.port("i_nA")[i] += current;
        singles[i].port("dv_mV")[0] += jump;
        singles[i].port("i_nA")[0] += current;
      }
      const ctx = { step: s, dt_ms: dt, learning: false };
      pop.step(ctx);
      const fired: number[] = [];
      singles.forEach((one, i) => {
        one.step(ctx);
        if (one.spikeCount === 1) fired.push(i);
        assert.equal(pop.v_mV[i], one.v_mV[0], `step ${s}, neuron ${i}`);
      });
      assert.deepEqual(Array.from(pop.spikeIdx.subarray(0, pop.spikeCount)), fired, `step ${s}`);
      spikes += fired.length;
    }
    assert.ok(spikes > 200, `spikes and refractoriness are exercised (${spikes} spikes)`);
  });
}

test("the initial voltage is each neuron's rest unless vInit_mV is given; reset() restores it", () => {
  const pop = new LIF(3, 1, { vRest_mV: [-70, -65, -60] });
  assert.deepEqual(Array.from(pop.v_mV), [-70, -65, -60]);
  pop.v_mV.fill(0);
  pop.reset();
  assert.deepEqual(Array.from(pop.v_mV), [-70, -65, -60]);
  assert.deepEqual(
    Array.from(new LIF(3, 1, { vRest_mV: [-70, -65, -60], vInit_mV: -50 }).v_mV),
    [-50, -50, -50],
  );
  const one = new LIF(3, 1, { tauMem_ms: [5, 10, 20] });
  assert.equal(one.params.vInit_mV, undefined, "a scalar rest keeps a scalar initial voltage");
  assert.deepEqual(one.params.tauMem_ms, [5, 10, 20]);
  assert.ok(Object.isFrozen(one.params.tauMem_ms));
  assert.ok(Number.isNaN(one.derived.decay), "the scalar constants are not a neuron's");
  assert.equal(one.perNeuronDerived?.decay[2], Math.exp(-1 / 20));
});

test("per-neuron errors name the neuron; settings record a digest; the NIR export writes the values", () => {
  assert.throws(
    () => new LIF(3, 1, { tauMem_ms: [10, 20] }),
    (e: unknown) =>
      e instanceof ShapeMismatchError &&
      /^tauMem_ms has 2 values but the population has 3 neurons; give one value or one per neuron$/.test(
        e.message,
      ),
  );
  assert.throws(
    () => new LIF(3, 1, { vReset_mV: [-65, -40, -65] }),
    /^InvalidParameterError: neuron 1: vReset_mV \(-40\) must be below vThreshold_mV \(-52\), or every step would spike$/,
  );
  assert.throws(() => new LIF(3, 1, { tauMem_ms: [10, -1, 3] }), /tauMem_ms\[1\] must be > 0, got -1/);
  assert.throws(() => new LIF(2, 1, { resistance_MOhm: [1, 0] }), /resistance_MOhm\[1\] must be > 0/);
  assert.throws(
    () => new LIF(2, 1, { vThreshold_mV: "x" as never }),
    /vThreshold_mV must be a number or an array/,
  );
  assert.throws(
    () => new LIF(2, 1, { tRef_ms: [1, 2] as never }),
    /^InvalidParameterError: LIF takes tRef_ms once for the population/,
  );
  // a reset and threshold given once keep the population-wide message beside a per-neuron tau
  assert.throws(
    () => new LIF(2, 1, { tauMem_ms: [5, 10], vReset_mV: -50, vThreshold_mV: -52 }),
    /^InvalidParameterError: vReset_mV \(-50\) must be below vThreshold_mV \(-52\), or every step would spike$/,
  );
  assert.throws(() => new LIF(1, 1, { Vt: -50 } as never), /"Vt" \(did you mean vThreshold_mV\?\)/);
  assert.throws(
    () => new LIF(1, 1, { C: 1 } as never),
    /"C" \(the capacitance is tauMem_ms \/ resistance_MOhm/,
  );
  // equal values per neuron are one value: the scalar step, and the same settings
  const same = new LIF(4, 1, { resistance_MOhm: [1, 1, 1, 1], tauMem_ms: Float32Array.of(20, 20, 20, 20) });
  assert.equal(same.perNeuronDerived, undefined);
  assert.deepEqual(
    populationSettings(same),
    populationSettings(new LIF(4, 1, { resistance_MOhm: 1, tauMem_ms: 20 })),
  );

  const a = populationSettings(new LIF(3, 1, { tauMem_ms: [5, 10, 20] }));
  const b = populationSettings(new LIF(3, 1, { tauMem_ms: Float32Array.of(5, 10, 21) }));
  assert.match(String(a.tauMem_ms), /^3 values, CRC-32 [0-9a-f]{8}$/);
  assert.notEqual(a.tauMem_ms, b.tauMem_ms);

  // the NIR export writes per-neuron tensors (test/io/nir-export.test.ts runs them back)
  const net = new Network({ dt_ms: 1 });
  net.addPopulation("h", new LIF(3, 1, { vThreshold_mV: [-50, -51, -52] }));
  const node = networkToNir(net).document.graph.nodes.h as { v_threshold: { data: Float64Array } };
  assert.deepEqual(Array.from(node.v_threshold.data), [-50, -51, -52]);
});
