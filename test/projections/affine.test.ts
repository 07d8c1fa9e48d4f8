/**
 * Affine (dense + bias) and Bias: layout [pre][post], the bias present at every step, errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ShapeMismatchError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { Affine } from "../../src/projections/affine.ts";
import { Bias } from "../../src/projections/bias.ts";
import { FakePopulation } from "./fake-population.ts";
import { assertViewMatches, referenceDelivery } from "./harness.ts";
import type { Triplet } from "./harness.ts";

test("the view lists every (i, j) with weight index i * post + j, and delivery adds rows plus the bias", () => {
  const rng = createRng(3, "affine");
  const src = new FakePopulation(5);
  const tgt = new FakePopulation(4);
  const bias = [0.5, -1, 0, 2];
  const proj = new Affine(src, tgt, { init: { kind: "uniform", lo: -1, hi: 1, rng }, bias });
  const ref: Triplet[] = [];
  for (let i = 0; i < 5; i++) for (let j = 0; j < 4; j++) ref.push([i, j, i * 4 + j]);
  const port = tgt.port();

  assertViewMatches(proj, ref);
  for (const spikes of [[], [0], [1, 3, 4]]) {
    for (let j = 0; j < 4; j++) port[j] = rng.uniform(-1, 1);
    const expected = referenceDelivery(ref, proj.w, spikes, port).map((v, j) => v + bias[j]);
    src.fire(spikes);
    proj.deliver();
    for (let j = 0; j < 4; j++)
      assert.ok(Math.abs(port[j] - expected[j]) < 1e-6, `spikes ${spikes}, post ${j}`);
  }
});

test("a zero bias adds nothing (the port is bit-identical after a silent step)", () => {
  const src = new FakePopulation(2);
  const tgt = new FakePopulation(3);
  const proj = new Affine(src, tgt, { weights: 1 });
  const port = tgt.port();
  port.set([0.1, 0.2, 0.3]);
  const before = Float32Array.from(port);

  src.fire([]);
  proj.deliver();

  assert.deepEqual(port, before);
});

test("bias length must match the target", () => {
  const src = new FakePopulation(2);
  const tgt = new FakePopulation(3);

  assert.throws(
    () => new Affine(src, tgt, { weights: 0, bias: [1, 2] }),
    (e: unknown) => {
      assert.ok(e instanceof ShapeMismatchError);
      assert.match(e.message, /Affine bias has length 2, but the target has 3 neurons/);
      return true;
    },
  );
});

test("Bias adds its constant at every delivery, reads no spikes and has no view", () => {
  const tgt = new FakePopulation(3, ["a", "b"]);
  const proj = new Bias(tgt, { bias: [1, 0, -2], port: "b" });
  const port = tgt.port("b");

  proj.deliver();
  proj.deliver();

  assert.deepEqual([...port], [2, 0, -4]);
  assert.deepEqual([...tgt.port("a")], [0, 0, 0]);
  assert.equal(proj.view, undefined);
  assert.equal(proj.source, tgt);
  assert.throws(() => new Bias(tgt, { bias: 1, port: "c" }), /no input port "c"/);
});
