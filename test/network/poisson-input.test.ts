/**
 * PoissonInputDrive: each neuron gets weight x Binomial(sources, p) per step, p = rate dt. Checked against the
 * binomial's mean, variance and P(0) over many draws (Brunel 2000's external drive: 800 sources at 25 Hz,
 * dt 0.1 ms), with and without chunking of the sources, at p = 0 and p = 1, in a network, and its errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError, ShapeMismatchError, TimeStepError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { Network } from "../../src/network/network.ts";
import { SpikeMonitor } from "../../src/network/monitors.ts";
import { PoissonInputDrive } from "../../src/network/poisson-input.ts";
import { LIF } from "../../src/neurons/lif.ts";
import { FakePopulation } from "../projections/fake-population.ts";

/** `steps` applications to a population of `size`; every port value divided by the weight (the counts). */
function counts(drive: PoissonInputDrive, size: number, steps: number): Float64Array {
  const pop = new FakePopulation(size);
  const port = pop.port();
  const out = new Float64Array(size * steps);
  for (let s = 0; s < steps; s++) {
    port.fill(0);
    drive.apply(s, pop);
    for (let i = 0; i < size; i++) out[s * size + i] = port[i] / drive.weight;
  }
  return out;
}

function moments(x: Float64Array): { mean: number; variance: number; zeros: number } {
  let sum = 0;
  let zeros = 0;
  for (const v of x) {
    sum += v;
    if (v === 0) zeros++;
  }
  const mean = sum / x.length;
  let ss = 0;
  for (const v of x) ss += (v - mean) ** 2;
  return { mean, variance: ss / (x.length - 1), zeros: zeros / x.length };
}

test("counts are Binomial(sources, rate dt): mean, variance and P(0) for Brunel's 800 sources at 25 Hz", () => {
  const drive = new PoissonInputDrive(50, {
    sources: 800,
    rate_Hz: 25,
    weight: 1,
    dt_ms: 0.1,
    rng: createRng(2000, "external"),
  });
  const p = 25 * 0.1e-3;
  assert.equal(drive.p, p);
  assert.equal(drive.expectedPerStep, 2);
  const x = counts(drive, 50, 20_000); // 1e6 draws
  const { mean, variance, zeros } = moments(x);
  const varTrue = 800 * p * (1 - p);
  // the mean of 1e6 draws has sd sqrt(var / 1e6) = 0.0014; the variance's sd is about var sqrt(2 / 1e6)
  assert.ok(Math.abs(mean - 2) < 4 * Math.sqrt(varTrue / 1e6), `mean ${mean}`);
  assert.ok(Math.abs(variance - varTrue) < 4 * varTrue * Math.sqrt(2 / 1e6) * 1.5, `variance ${variance}`);
  const p0 = (1 - p) ** 800;
  assert.ok(Math.abs(zeros - p0) < 4 * Math.sqrt((p0 * (1 - p0)) / 1e6), `P(0) ${zeros} vs ${p0}`);
  assert.ok(x.every((v) => Number.isInteger(v) && v >= 0 && v <= 800));
});

test("many sources are drawn in chunks whose binomials sum to the whole one: mean and variance still hold", () => {
  // p = 0.01, 100 000 sources: mean 1000, drawn as 100 chunks of 1000 sources (a mean of 10 each)
  const drive = new PoissonInputDrive(10, {
    sources: 100_000,
    rate_Hz: 10,
    weight: 0.5,
    dt_ms: 1,
    rng: createRng(7, "external"),
  });
  const x = counts(drive, 10, 1000); // 1e4 draws
  const { mean, variance } = moments(x);
  const varTrue = 100_000 * 0.01 * 0.99;
  assert.ok(Math.abs(mean - 1000) < 4 * Math.sqrt(varTrue / 1e4), `mean ${mean}`);
  assert.ok(Math.abs(variance - varTrue) < 4 * varTrue * Math.sqrt(2 / 1e4) * 1.5, `variance ${variance}`);
});

test("p = 0 adds nothing, p = 1 adds weight x sources every step; the same seed gives the same counts", () => {
  const make = (rate_Hz: number, seed = 1) =>
    new PoissonInputDrive(3, { sources: 4, rate_Hz, weight: 0.25, dt_ms: 1, rng: createRng(seed, "x") });
  assert.ok(counts(make(0), 3, 10).every((v) => v === 0));
  assert.ok(counts(make(1000), 3, 10).every((v) => v === 4));
  assert.deepEqual(counts(make(300, 5), 3, 50), counts(make(300, 5), 3, 50));
  assert.notDeepEqual(counts(make(300, 5), 3, 50), counts(make(300, 6), 3, 50));
});

test("in a network it drives a LIF through dv_mV, and is refused at another dt or size; options are named", () => {
  const net = new Network({ dt_ms: 0.1 });
  const y = net.addPopulation(
    "y",
    new LIF(100, 0.1, { tauMem_ms: 20, vRest_mV: 0, vReset_mV: 10, vThreshold_mV: 20, tRef_ms: 2 }),
  );
  const ext = new PoissonInputDrive(100, {
    sources: 1000,
    rate_Hz: 20,
    weight: 0.1,
    dt_ms: 0.1,
    rng: createRng(3, "ext"),
  });
  const spikes = net.addMonitor(new SpikeMonitor(y));
  net.run({ y: ext }, 2000);
  // mean drive 1000 x 20 Hz x 0.1 mV = 2 mV per ms: v tends to 40 mV above rest, twice the threshold, so every
  // neuron fires regularly (noise-free, the interval is 2 + 20 ln((40 - 10) / (40 - 20)) = 10.1 ms: ~20 in 200 ms)
  const perNeuron = spikes.count / 100;
  assert.ok(perNeuron > 15 && perNeuron < 25, `${perNeuron} spikes per neuron in 200 ms`);
  const other = new PoissonInputDrive(100, {
    sources: 10,
    rate_Hz: 5,
    weight: 1,
    dt_ms: 1,
    rng: createRng(1, "e"),
  });
  assert.throws(() => net.run({ y: other }, 1), TimeStepError);
  const small = new PoissonInputDrive(5, {
    sources: 10,
    rate_Hz: 5,
    weight: 1,
    dt_ms: 0.1,
    rng: createRng(1, "e"),
  });
  assert.throws(() => net.run({ y: small }, 1), ShapeMismatchError);
  const bad = (o: object, re: RegExp) =>
    assert.throws(
      () =>
        new PoissonInputDrive(3, {
          sources: 10,
          rate_Hz: 5,
          weight: 1,
          dt_ms: 1,
          rng: createRng(1, "e"),
          ...o,
        }),
      (e: unknown) => e instanceof InvalidParameterError && re.test(e.message),
    );
  bad(
    { rate_Hz: 2000 },
    /a source of 2000 Hz would spike 2 times per step of 1 ms; a source spikes at most once a step: use a rate <= 1000 Hz/,
  );
  bad({ rate_Hz: -1 }, /rate_Hz must be a rate in Hz >= 0, got number -1/);
  bad({ sources: 2.5 }, /PoissonInputDrive sources must be an integer >= 1, got 2\.5/);
  bad({ dt_ms: 0 }, /dt_ms must be the network's step in ms/);
  bad({ rng: undefined }, /needs rng, a random generator/);
  bad({ weight: NaN }, /PoissonInputDrive weight/);
  bad({ rates: 5 }, /unknown option "rates"/);
  assert.throws(
    () => new (PoissonInputDrive as unknown as new (n: number) => PoissonInputDrive)(3),
    /needs its options \{ sources, rate_Hz, weight, dt_ms, rng \}/,
  );
});
