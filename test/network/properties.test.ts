import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createRng } from "../../src/core/rng.ts";
import { Network } from "../../src/network/network.ts";
import { SpikeMonitor } from "../../src/network/monitors.ts";
import { Input } from "../../src/neurons/input.ts";
import { AdaptiveLIF } from "../../src/neurons/adaptive-lif.ts";
import { Local2d } from "../../src/projections/local-2d.ts";
import { Dense } from "../../src/projections/dense.ts";
import { LateralInhibition } from "../../src/projections/lateral-inhibition.ts";
import { postPre } from "../../src/plasticity/stdp.ts";
import { IncomingNormalization } from "../../src/plasticity/normalization.ts";
import { poisson } from "../../src/encoding/poisson.ts";

/** A small plastic network of every kind the experiments use: local + dense inputs, one-spike theta neurons. */
function build(seed: number, filters: number, learning: boolean) {
  const net = new Network({ dt_ms: 1, learning });
  const x = net.addPopulation("X", new Input(64));
  const y = net.addPopulation(
    "Y",
    new AdaptiveLIF(
      9 * filters,
      1,
      { thetaPlus_mV: 0.5 },
      { oneSpikePerStep: true, rng: createRng(seed, "one") },
    ),
  );
  const z = net.addPopulation("Z", new AdaptiveLIF(6, 1, { thetaPlus_mV: 0.5 }));
  const local = net.addProjection(
    "X->Y",
    new Local2d(x, y, {
      inputShape: [1, 8, 8],
      kernel: 4,
      stride: 2,
      filters,
      bounds: { wMin: 0, wMax: 1 },
      init: { kind: "uniform", lo: 0, hi: 1, rng: createRng(seed, "w1") },
    }),
  );
  const dense = net.addProjection(
    "X->Z",
    new Dense(x, z, {
      bounds: { wMin: 0, wMax: 1 },
      init: { kind: "uniform", lo: 0, hi: 1, rng: createRng(seed, "w2") },
    }),
  );
  postPre(local, 1, { nuPre: 0.001, nuPost: 0.05 });
  postPre(dense, 1, { nuPre: 0.01, nuPost: 0.05 });
  new IncomingNormalization(local, 4);
  net.addProjection("Y->Y", new LateralInhibition(y, { groupSize: filters, strength_mV: 5 }));
  const spikes = net.addMonitor(new SpikeMonitor(y));
  return { net, x, y, z, local, dense, spikes };
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer.slice(0)));

test("property: with learning off no weight or threshold changes, bit-identical", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1e6 }),
      fc.integer({ min: 1, max: 4 }),
      fc.double({ min: 20, max: 400, noNaN: true }),
      (seed, filters, rate) => {
        const m = build(seed, filters, true);
        // learn a little first so theta and weights are not at their initial values
        m.net.run(
          {
            X: poisson(new Float32Array(64).fill(rate), {
              steps: 50,
              dt_ms: 1,
              rng: createRng(seed, "in", 0),
            }),
          },
          50,
        );
        m.net.learning = false;
        const w1 = bits(m.local.w);
        const w2 = bits(m.dense.w);
        const th = [bits(m.y.theta_mV), bits(m.z.theta_mV)];
        for (let e = 1; e <= 3; e++) {
          m.net.run(
            {
              X: poisson(new Float32Array(64).fill(rate), {
                steps: 40,
                dt_ms: 1,
                rng: createRng(seed, "in", e),
              }),
            },
            40,
          );
          m.net.reset();
        }
        assert.deepEqual(bits(m.local.w), w1);
        assert.deepEqual(bits(m.dense.w), w2);
        assert.deepEqual([bits(m.y.theta_mV), bits(m.z.theta_mV)], th);
      },
    ),
    { numRuns: 30, seed: 1 },
  );
});

test("property: the same seed gives bit-identical spike trains, weights and thresholds", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 3 }), (seed, filters) => {
      const runOnce = () => {
        const m = build(seed, filters, true);
        const trains: number[][] = [];
        for (let e = 0; e < 3; e++) {
          m.net.run(
            {
              X: poisson(new Float32Array(64).fill(150), {
                steps: 60,
                dt_ms: 1,
                rng: createRng(seed, "in", e),
              }),
            },
            60,
          );
          trains.push([...m.spikes.steps], [...m.spikes.neurons]);
          m.net.reset();
          m.y.setRng(createRng(seed, "one", e));
        }
        return { trains, w: bits(m.local.w), theta: bits(m.y.theta_mV) };
      };
      const a = runOnce();
      assert.ok(
        a.trains.some((t) => t.length > 0),
        "the network spiked",
      );
      assert.deepEqual(runOnce(), a);
    }),
    { numRuns: 20, seed: 2 },
  );
});
