import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { InvalidParameterError, ShapeMismatchError, TimeStepError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { bernoulli, latency, poisson, rankOrder } from "../../src/encoding/index.ts";
import { Network } from "../../src/network/network.ts";
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

test("the constructor takes Int32Arrays only, and fromEvents a list of pairs (plain arrays could hold 0.5 or NaN)", () => {
  // a tester's cases: [0.5] as indices counted a spike that a LIF port dropped; NaN was accepted; a plain
  // array made spikesAt fail with a raw TypeError, and missing arrays too
  const make =
    (...args: unknown[]) =>
    () =>
      new (SpikeTrain as unknown as new (...a: unknown[]) => SpikeTrain)(...args);
  assert.throws(
    make(2, 1, [0, 1], [0.5]),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message ===
        "SpikeTrain offsets must be an Int32Array, got an Array of length 2; build a train from spike events " +
          "with SpikeTrain.fromEvents(size, steps, [[step, index], ...]) or from a 0/1 matrix with " +
          "SpikeTrain.fromDense, or convert with Int32Array.from(offsets)",
  );
  assert.throws(
    make(2, 1, new Int32Array([0, 1]), [NaN]),
    /^InvalidParameterError: SpikeTrain indices must be an Int32Array, got /,
  );
  assert.throws(make(2, 1, new Int32Array([0, 1]), new Float32Array([0])), /indices must be an Int32Array/);
  assert.throws(make(2, 2), /SpikeTrain offsets must be an Int32Array, got undefined/);
  assert.throws(
    () => SpikeTrain.fromEvents(2, 3, undefined as never),
    /^InvalidParameterError: SpikeTrain\.fromEvents takes \(size, steps, events\) with events a list of \[step, index\] pairs, e\.g\. \[\[0, 3\], \[5, 1\]\]; got undefined as events$/,
  );
  assert.throws(
    () => SpikeTrain.fromEvents(2, 3, [[0, 1], 5] as never),
    /^InvalidParameterError: SpikeTrain\.fromEvents: event 1 is 5; each event is a pair \[step, index\]$/,
  );
  assert.equal(new SpikeTrain(2, 1, new Int32Array([0, 1]), new Int32Array([1])).count(1), 1);
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

test("count and spikesAt refuse an index that is not an integer in range, naming it and the range", () => {
  const t = SpikeTrain.fromEvents(2, 5, [
    [1, 0],
    [4, 1],
  ]);
  // count(-1) and count(7) used to return undefined, spikesAt(2.5) the spikes of other steps
  for (const i of [-1, 2, 7, 0.5, NaN]) {
    assert.throws(
      () => t.count(i),
      (e: unknown) =>
        e instanceof InvalidParameterError &&
        e.message ===
          `SpikeTrain.count: input ${i} is not an input of the train: use an integer from 0 to 1 (size 2)`,
    );
  }
  for (const s of [-1, 5]) {
    assert.throws(
      () => t.spikesAt(s),
      (e: unknown) =>
        e instanceof InvalidParameterError &&
        e.message ===
          `SpikeTrain.spikesAt: step ${s} is outside the train's [0, 5): use an integer from 0 to 4`,
    );
  }
  assert.throws(
    () => t.spikesAt(2.5),
    /^InvalidParameterError: SpikeTrain.spikesAt: step 2.5 is not an integer step in the train's \[0, 5\): use an integer from 0 to 4$/,
  );
  assert.throws(() => t.spikesAt(NaN), /step NaN is not an integer step/);
  assert.throws(() => SpikeTrain.fromEvents(2, 0, []).spikesAt(0), /\[0, 0\) \(the train has no steps\)/);
  assert.deepEqual([...t.spikesAt(4)], [1]);
  assert.equal(t.count(1), 1);
});

test("apply refuses a step that is not an integer", () => {
  const t = SpikeTrain.fromEvents(3, 2, [[1, 0]]);
  // apply(0.5) used to do nothing at all
  assert.throws(
    () => t.apply(0.5, new FakePopulation(3)),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      /SpikeTrain.apply: step 0.5 is not an integer step in/.test(e.message),
  );
});

test("fromDense refuses a NaN or non-number entry, naming its index, step and input", () => {
  // NaN used to count as a spike ("nonzero")
  assert.throws(
    () => SpikeTrain.fromDense([0, 1, NaN, 0], 2, 2),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message ===
        "SpikeTrain.fromDense: entry 2 (step 1, input 0) is NaN; entries must be numbers, 0 for no spike " +
          "and nonzero (e.g. 1) for a spike",
  );
  assert.throws(
    () => SpikeTrain.fromDense([0, "1", 0, 0] as never, 2, 2),
    /entry 1 \(step 0, input 1\) is string "1"/,
  );
  assert.throws(
    () => SpikeTrain.fromDense(new Float32Array([0, 0, 0, NaN]), 2, 2),
    /entry 3 \(step 1, input 1\) is NaN/,
  );
  assert.deepEqual([...SpikeTrain.fromDense([0, 2, -1, 0], 2, 2).toDense()], [0, 1, 1, 0]);
});

test("a train remembers the dt it was encoded for, and Network.run refuses it at another dt", () => {
  const rng = () => createRng(3, "enc");
  // poisson (Hz) and latency (ms) record their dt; bernoulli (per step) and rankOrder (an order) do not
  const p = poisson([20, 40], { steps: 50, dt_ms: 1, rng: rng() });
  assert.equal(p.dt_ms, 1);
  assert.equal(latency([0.5, 1], { steps: 50, dt_ms: 0.5 }).dt_ms, 0.5);
  assert.equal(bernoulli([0.5, 0.2], { steps: 10, rng: rng() }).dt_ms, undefined);
  assert.equal(bernoulli([0.5, 0.2], { duration_ms: 10, dt_ms: 0.25, rng: rng() }).dt_ms, undefined);
  assert.equal(rankOrder([0.5, 0.2], { duration_ms: 10, dt_ms: 0.25 }).dt_ms, undefined);
  assert.equal(rankOrder([0.5, 0.2], { steps: 10 }).dt_ms, undefined);
  assert.equal(SpikeTrain.fromDense([1, 0, 0, 1], 2, 2).dt_ms, undefined);
  // a saved train rebuilt with its dt keeps the check
  const rebuilt = SpikeTrain.fromDense(p.toDense(), 2, 50, p.dt_ms);
  assert.equal(rebuilt.dt_ms, 1);
  assert.equal(SpikeTrain.fromEvents(2, 3, [[0, 1]], 0.5).dt_ms, 0.5);

  const run = (dt_ms: number, train: SpikeTrain | { steps: number; apply(): void }) => {
    const net = new Network({ dt_ms });
    net.addPopulation("X", new Input(2));
    net.run({ X: train }, 50);
    return net;
  };
  assert.doesNotThrow(() => run(1, p));
  assert.throws(
    () => run(0.5, p),
    (e: unknown) =>
      e instanceof TimeStepError &&
      e.message ===
        'input for "X" was encoded for dt = 1 ms but the network steps at dt = 0.5 ms, so its rates and spike ' +
          "times would be off by a factor 2; encode it again with dt_ms: 0.5",
  );
  assert.throws(() => run(0.5, rebuilt), TimeStepError);
  // steps equal up to rounding (0.1 * 3 / 3) are the same step
  assert.doesNotThrow(() => run((0.1 * 3) / 3, poisson([20, 40], { steps: 50, dt_ms: 0.1, rng: rng() })));
  // a factor that rounds to 1 is shown in full
  assert.throws(
    () => run(1, poisson([20, 40], { steps: 50, dt_ms: 1.000001, rng: rng() })),
    /off by a factor 1\.000001;/,
  );
  // a train built from steps alone runs at any dt, and so do bernoulli's and rankOrder's
  assert.doesNotThrow(() => run(0.5, bernoulli([0.5, 0.2], { steps: 50, rng: rng() })));
  assert.doesNotThrow(() => run(0.5, bernoulli([0.5, 0.2], { steps: 50, dt_ms: 1, rng: rng() })));
  assert.doesNotThrow(() => run(0.5, rankOrder([0.5, 0.2], { steps: 50, dt_ms: 1 })));
  // a custom drive's dt_ms must be a number of ms > 0
  for (const bad of [NaN, "abc", -1, null, 0, Infinity, {}]) {
    assert.throws(
      () => run(1, { steps: 50, dt_ms: bad, apply() {} } as never),
      (e: unknown) =>
        e instanceof InvalidParameterError &&
        /^input for "X" says it was made for dt_ms = .*; a drive's dt_ms must be a number of ms > 0, or absent/.test(
          e.message,
        ),
      String(bad),
    );
  }
  assert.throws(
    () => new SpikeTrain(1, 1, new Int32Array([0, 0]), new Int32Array(0), -1),
    /SpikeTrain dt_ms must be > 0/,
  );
});

test("fromEvents, fromDense and toDense refuse a train too long for one buffer, naming the steps and the size", () => {
  const limit =
    "more than the 2147483647 entries \\(2\\^31 - 1, the int32 index limit\\) one buffer may hold; ";
  assert.throws(
    () => SpikeTrain.fromEvents(1, 1e12, []),
    new RegExp(
      `^InvalidParameterError: SpikeTrain\\.fromEvents steps = 1000000000000 would need a buffer of 1000000000001 ` +
        `entries \\(3725\\.3 GiB\\), ${limit}encode and run the input in chunks of fewer steps \\(e\\.g\\. one ` +
        `example at a time\\)$`,
    ),
  );
  assert.throws(
    () => SpikeTrain.fromEvents(1, 2 ** 31, []),
    new RegExp(
      `^InvalidParameterError: SpikeTrain\\.fromEvents steps = 2147483648 would need a buffer of 2147483649 entries \\(8\\.0 GiB\\), ${limit}`,
    ),
  );
  assert.throws(
    () => SpikeTrain.fromDense([], 1, 2 ** 31),
    new RegExp(
      `^InvalidParameterError: SpikeTrain\\.fromDense steps = 2147483648 would need a buffer of 2147483649 entries`,
    ),
  );
  const wide = SpikeTrain.fromEvents(100_000, 100_000, [[0, 1]]);
  assert.throws(
    () => wide.toDense(),
    new RegExp(
      `^InvalidParameterError: SpikeTrain\\.toDense of 100000 steps x 100000 inputs would need a buffer of ` +
        `10000000000 entries \\(9\\.3 GiB\\), ${limit}read the train step by step with spikesAt\\(t\\) instead$`,
    ),
  );
  assert.deepEqual(Array.from(wide.spikesAt(0)), [1]);
});
