import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { InvalidParameterError, ShapeMismatchError } from "../../src/core/errors.ts";
import { SpikeTrain } from "../../src/encoding/spike-train.ts";
import { Input } from "../../src/neurons/input.ts";
import { FakePopulation, FakeSink } from "../projections/fake-population.ts";

test("fromEvents stores spikes CSR by step with ascending indices", () => {
  const t = SpikeTrain.fromEvents(4, 3, [
    [2, 3],
    [0, 2],
    [2, 0],
    [0, 1],
  ]);

  assert.deepEqual([...t.offsets], [0, 2, 2, 4]);
  assert.deepEqual([...t.indices], [1, 2, 0, 3]);
  assert.equal(t.totalSpikes, 4);
  assert.equal(t.count(0), 1);
  assert.equal(t.count(3), 1);
  assert.equal(t.count(2), 1);
  assert.deepEqual([...t.spikesAt(2)], [0, 3]);
  assert.deepEqual([...t.spikesAt(1)], []);
});

test("toDense gives [steps][size] 0/1 and fromDense inverts it", () => {
  const dense = [0, 1, 0, 0, 0, 0, 1, 0, 1];
  const t = SpikeTrain.fromDense(dense, 3, 3);

  assert.deepEqual([...t.toDense()], dense);
  assert.deepEqual([...t.offsets], [0, 1, 1, 3]);
  assert.deepEqual([...t.indices], [1, 0, 2]);
});

test("property: dense -> train -> dense is the identity", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 0, max: 9 }),
      fc.infiniteStream(fc.boolean()),
      (size, steps, bits) => {
        const it = bits[Symbol.iterator]();
        const dense: number[] = Array.from({ length: size * steps }, () => (it.next().value ? 1 : 0));
        const t = SpikeTrain.fromDense(dense, size, steps);
        assert.deepEqual([...t.toDense()], dense);
        assert.equal(
          t.totalSpikes,
          dense.reduce((a, b) => a + b, 0),
        );
      },
    ),
    { numRuns: 100, seed: 7 },
  );
});

test("apply emits into a SpikeSink and adds 1 into the default port otherwise", () => {
  const t = SpikeTrain.fromEvents(3, 2, [
    [1, 0],
    [1, 2],
  ]);
  const sink = new FakeSink(3);
  const plain = new FakePopulation(3, ["a", "b"]);
  plain.port("a").fill(0.5);

  t.apply(0, sink);
  t.apply(1, sink);
  t.apply(0, plain);
  t.apply(1, plain);

  assert.deepEqual(sink.emitted, [0, 2]);
  assert.deepEqual([...plain.port("a")], [1.5, 0.5, 1.5]);
  assert.deepEqual([...plain.port("b")], [0, 0, 0]);
  assert.equal(t.steps, 2);
});

test("apply rejects a step outside the train and a population of another size", () => {
  const t = SpikeTrain.fromEvents(3, 2, []);
  assert.throws(() => t.apply(2, new FakePopulation(3)), /step 2 is outside the train's \[0, 2\)/);
  assert.throws(
    () => t.apply(0, new FakePopulation(4)),
    (e: unknown) =>
      e instanceof ShapeMismatchError && /3 inputs cannot drive a population of 4/.test(e.message),
  );
});

test("invalid events and arrays are rejected", () => {
  assert.throws(
    () =>
      SpikeTrain.fromEvents(3, 2, [
        [1, 2],
        [1, 2],
      ]),
    (e: unknown) => e instanceof InvalidParameterError && /input 2 spikes twice at step 1/.test(e.message),
  );
  assert.throws(() => SpikeTrain.fromEvents(3, 2, [[2, 0]]), /\(step 2, input 0\) is outside/);
  assert.throws(() => SpikeTrain.fromDense([1, 0], 3, 1), /not \[steps\]\[size\] = 1 x 3 = 3/);
  assert.throws(
    () => new SpikeTrain(3, 1, new Int32Array([0, 2]), new Int32Array([2, 1])),
    /strictly ascending/,
  );
  assert.throws(() => new SpikeTrain(3, 2, new Int32Array([0, 1]), new Int32Array([0])), ShapeMismatchError);
});

test("driving the Input population reproduces the train step by step", () => {
  const train = SpikeTrain.fromEvents(5, 3, [
    [0, 4],
    [0, 1],
    [2, 3],
  ]);
  const input = new Input(5);
  const seen: number[][] = [];

  for (let step = 0; step < train.steps; step++) {
    train.apply(step, input);
    input.step({ step, dt_ms: 1, learning: false });
    seen.push([...input.spikeIdx.subarray(0, input.spikeCount)]);
  }

  assert.deepEqual(seen, [[1, 4], [], [3]]);
});
