import { test } from "node:test";
import assert from "node:assert/strict";
import { ShapeMismatchError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { OneToOne } from "../../src/projections/one-to-one.ts";
import { FakePopulation } from "./fake-population.ts";
import { assertDeliveryMatches, assertViewMatches } from "./harness.ts";

test("each spike adds its own weight into the same index of the target", () => {
  const src = new FakePopulation(4);
  const tgt = new FakePopulation(4);
  const p = new OneToOne(src, tgt, { weights: [1, 2, 3, 4] });

  src.fire([0, 2]);
  p.deliver();

  assert.deepEqual([...tgt.port()], [1, 0, 3, 0]);
});

test("a scalar weight applies to every neuron; view and delivery match the diagonal reference", () => {
  const src = new FakePopulation(9);
  const tgt = new FakePopulation(9);
  const scalar = new OneToOne(src, tgt, { weights: 0.75 });
  const random = new OneToOne(src, tgt, { init: { kind: "uniform", lo: -1, hi: 1, rng: createRng(1, "w") } });
  const ref = Array.from({ length: 9 }, (_, i) => [i, i, i] as const);

  assert.ok(scalar.w.every((v) => v === 0.75));
  assertViewMatches(random, ref);
  assertDeliveryMatches(random, src, tgt, ref, createRng(1, "spikes"));
  assert.equal(random.maxFanIn, 1);
  assert.equal(random.maxFanOut, 1);
});

test("sizes must match, and a weight vector must have one entry per neuron", () => {
  assert.throws(
    () => new OneToOne(new FakePopulation(3), new FakePopulation(4), { weights: 1 }),
    (e: unknown) => e instanceof ShapeMismatchError && /same size, got 3 and 4/.test(e.message),
  );
  assert.throws(
    () => new OneToOne(new FakePopulation(3), new FakePopulation(3), { weights: [1, 2] }),
    /length 2/,
  );
});
