/**
 * RandomNeuronDrive: `count` neurons drawn uniformly per step (one seeded stream) each get `amplitude` added
 * into a port (Izhikevich 2006's thalamic input: one neuron of 1000 per ms, I = 20).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError, NotFoundError, ShapeMismatchError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { Network } from "../../src/network/network.ts";
import { RandomNeuronDrive } from "../../src/network/random-neuron-drive.ts";
import { Izhikevich } from "../../src/neurons/izhikevich.ts";
import { LIF } from "../../src/neurons/lif.ts";

test("every step one neuron drawn from the seeded stream gets the amplitude, on top of what the port holds", () => {
  const pop = new Izhikevich(10, 1);
  const drive = new RandomNeuronDrive(10, { amplitude: 20, rng: createRng(4, "thalamus"), port: "i" });
  const same = createRng(4, "thalamus");
  const port = pop.port("i");
  for (let step = 0; step < 50; step++) {
    port.fill(0);
    port[3] = 1.5;
    drive.apply(step, pop);
    const j = same.int(10);
    for (let i = 0; i < 10; i++)
      assert.equal(port[i], (i === j ? 20 : 0) + (i === 3 ? 1.5 : 0), `step ${step}`);
  }
  assert.equal(drive.count, 1);
  assert.equal(drive.amplitude, 20);
});

test("the draws are uniform over the neurons, and count > 1 draws with replacement", () => {
  const pop = new Izhikevich(10, 1);
  const drive = new RandomNeuronDrive(10, { amplitude: 1, rng: createRng(1, "uniform"), count: 3 });
  const port = pop.port("i");
  const totals = new Float64Array(10);
  const steps = 20_000;
  let repeats = 0;
  for (let step = 0; step < steps; step++) {
    port.fill(0);
    drive.apply(step, pop);
    let sum = 0;
    for (let i = 0; i < 10; i++) {
      totals[i] += port[i];
      sum += port[i];
      if (port[i] > 1) repeats++;
    }
    assert.equal(sum, 3);
  }
  // expected 6000 per neuron, sd sqrt(60000 * 0.1 * 0.9) = 73: within 5 sd
  for (let i = 0; i < 10; i++) assert.ok(Math.abs(totals[i] - 6000) < 370, `neuron ${i}: ${totals[i]}`);
  // P(some neuron drawn twice among 3 of 10) = 1 - 0.9 * 0.8 = 0.28
  assert.ok(Math.abs(repeats / steps - 0.28) < 0.02, `${repeats / steps}`);
});

test("in a network: the same seed gives the same run; the port and size are checked before the first step", () => {
  const spikes = (seed: number) => {
    const net = new Network({ dt_ms: 1 });
    const pop = net.addPopulation("cortex", new Izhikevich(20, 1));
    const drive = new RandomNeuronDrive(20, { amplitude: 20, rng: createRng(seed, "thalamus"), count: 2 });
    let n = 0;
    const list: number[] = [];
    net.addMonitor({
      record: (step: number) => {
        for (let k = 0; k < pop.spikeCount; k++) list.push(step * 100 + pop.spikeIdx[k]);
        n += pop.spikeCount;
      },
      reset: () => {},
    });
    net.run({ cortex: drive }, 2000);
    assert.ok(n > 20, `${n} spikes`);
    return list;
  };
  assert.deepEqual(spikes(1), spikes(1));
  assert.notDeepEqual(spikes(1), spikes(2));
  const net = new Network({ dt_ms: 1 });
  net.addPopulation("lif", new LIF(5, 1));
  const wrongPort = new RandomNeuronDrive(5, { amplitude: 1, rng: createRng(1, "x"), port: "i" });
  assert.throws(() => net.run({ lif: wrongPort }, 1), NotFoundError);
  const wrongSize = new RandomNeuronDrive(6, { amplitude: 1, rng: createRng(1, "x") });
  assert.throws(() => net.run({ lif: wrongSize }, 1), ShapeMismatchError);
});

test("bad options are refused, naming the value and the fix", () => {
  const rng = createRng(1, "x");
  assert.throws(
    () => new RandomNeuronDrive(5, undefined as never),
    /needs its options, e\.g\. \{ amplitude: 20/,
  );
  assert.throws(() => new RandomNeuronDrive(0, { amplitude: 1, rng }), /size must be an integer >= 1, got 0/);
  assert.throws(() => new RandomNeuronDrive(5, { amplitude: NaN, rng }), /amplitude must be a finite number/);
  assert.throws(() => new RandomNeuronDrive(5, { amplitude: 1e39, rng }), InvalidParameterError);
  assert.throws(
    () => new RandomNeuronDrive(5, { amplitude: 1, rng: 7 as never }),
    /needs a random generator/,
  );
  assert.throws(
    () => new RandomNeuronDrive(5, { amplitude: 1, rng, count: -1 }),
    /count must be an integer >= 0/,
  );
  assert.throws(() => new RandomNeuronDrive(5, { amplitude: 1, rng, port: "" }), /port must be a port name/);
  assert.throws(
    () => new RandomNeuronDrive(5, { amplitude: 1, rng, amplitude_pA: 1 } as never),
    /unknown option "amplitude_pA"/,
  );
});
