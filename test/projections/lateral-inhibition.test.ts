import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError, ShapeMismatchError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { LIF } from "../../src/neurons/lif.ts";
import { LateralInhibition } from "../../src/projections/lateral-inhibition.ts";
import { FakePopulation, randomSubset } from "./fake-population.ts";

/** Naive N x N reference: out[j] -= strength for every spiking i != j in the same group. */
function naiveInhibition(
  size: number,
  groupSize: number,
  strength: number,
  spikes: number[],
  start: Float32Array,
) {
  const out = Float64Array.from(start);
  for (let j = 0; j < size; j++)
    for (const i of spikes)
      if (i !== j && Math.floor(i / groupSize) === Math.floor(j / groupSize)) out[j] -= strength;
  return out;
}

test("within-group: a spike inhibits the other members of its group only", () => {
  const pop = new FakePopulation(6);
  const inh = new LateralInhibition(pop, { groupSize: 3, strength_mV: 250 });

  pop.fire([1]);
  inh.deliver();

  assert.deepEqual([...pop.port()], [-250, 0, -250, 0, 0, 0]);
  assert.equal(inh.view, undefined);
  assert.deepEqual(inh.rules, []);
  assert.equal(inh.source, inh.target);
});

test("two spikes in a group: each spiker gets the other's inhibition, the rest both", () => {
  const pop = new FakePopulation(4);
  const inh = new LateralInhibition(pop, { groupSize: 4, strength_mV: 10 });

  pop.fire([0, 2]);
  inh.deliver();

  assert.deepEqual([...pop.port()], [-10, -20, -10, -20]);
});

test("within-group matches the naive N x N sum for random spike sets; repeated deliveries stay correct", () => {
  const size = 60;
  const pop = new FakePopulation(size);
  const inh = new LateralInhibition(pop, { groupSize: 5, strength_mV: 3.5 });
  const rng = createRng(9, "spikes");
  for (let trial = 0; trial < 8; trial++) {
    const spikes = randomSubset(size, [0.02, 0.2, 0.6, 1][trial % 4], rng);
    const port = pop.port();
    for (let j = 0; j < size; j++) port[j] = rng.uniform(-1, 1);
    const expected = naiveInhibition(size, 5, 3.5, spikes, port);

    pop.fire(spikes);
    inh.deliver();

    for (let j = 0; j < size; j++)
      assert.ok(Math.abs(port[j] - expected[j]) < 1e-4, `trial ${trial} neuron ${j}`);
  }
});

test("all-but-self inhibits every other neuron of the population", () => {
  const size = 40;
  const pop = new FakePopulation(size);
  const inh = new LateralInhibition(pop, { mode: "all-but-self", strength_mV: 17.5 });
  const spikes = randomSubset(size, 0.3, createRng(2, "spikes"));
  const port = pop.port();
  const expected = naiveInhibition(size, size, 17.5, spikes, port);

  pop.fire(spikes);
  inh.deliver();

  assert.equal(inh.groups, 1);
  for (let j = 0; j < size; j++) assert.ok(Math.abs(port[j] - expected[j]) < 1e-4);
});

test("no spikes leaves the port untouched", () => {
  const pop = new FakePopulation(10);
  const inh = new LateralInhibition(pop, { groupSize: 2, strength_mV: 5 });
  pop.port().fill(0.25);

  pop.fire([]);
  inh.deliver();

  assert.ok(pop.port().every((v) => v === 0.25));
});

test("adds into the named port of a LIF population", () => {
  const pop = new LIF(4, 1);
  const inh = new LateralInhibition(pop, { groupSize: 2, strength_mV: 1, port: "i_nA" });
  assert.equal(inh.port, "i_nA");
  assert.equal(new LateralInhibition(pop, { groupSize: 2, strength_mV: 1 }).port, "dv_mV");
});

test("invalid options are rejected with a message saying how to fix them", () => {
  const pop = new FakePopulation(10);
  assert.throws(
    () => new LateralInhibition(pop, { groupSize: 3, strength_mV: 1 }),
    (e: unknown) =>
      e instanceof ShapeMismatchError && /10 neurons does not split into groups of 3/.test(e.message),
  );
  assert.throws(() => new LateralInhibition(pop, { strength_mV: 1 }), /needs groupSize/);
  assert.throws(
    () => new LateralInhibition(pop, { groupSize: 2, strength_mV: -250 }),
    /strength_mV must be > 0/,
  );
  assert.throws(
    () => new LateralInhibition(pop, { groupSize: 2, strength_mV: 1, mode: "all-but-self" }),
    InvalidParameterError,
  );
  assert.throws(
    () => new LateralInhibition(pop, { groupSize: 2, strength_mV: 1, mode: "ring" as "all-but-self" }),
    /mode must be "within-group" or "all-but-self", got "ring"/,
  );
});

test("a strength beyond float32 is refused: the target's port would become -Infinity", () => {
  assert.throws(
    () => new LateralInhibition(new LIF(2, 1), { strength_mV: 1e39, mode: "all-but-self" }),
    /^InvalidParameterError: strength_mV = 1e\+39 is beyond the float32 range \(magnitude up to 3\.4028234663852886e\+38\) of the state it scales or adds into, where the result would become Infinity; rescale it$/,
  );
});
