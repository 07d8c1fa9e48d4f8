/**
 * Input population: the emit path (idempotent, sorted, deduplicated), the "spikes" port, their union, reset,
 * determinism and index errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { InvalidParameterError, NotFoundError } from "../../src/core/errors.ts";
import { isSpikeSink } from "../../src/network/types.ts";
import { Input } from "../../src/neurons/input.ts";
import { ctxAt } from "./helpers.ts";

const spikesOf = (p: Input) => [...p.spikeIdx.subarray(0, p.spikeCount)];

test('is a SpikeSink with the default port "spikes" and no state variables', () => {
  const input = new Input(4);

  assert.equal(input.model, "input");
  assert.ok(isSpikeSink(input));
  assert.deepEqual(input.portNames, ["spikes"]);
  assert.deepEqual(input.stateNames, []);
  assert.throws(() => input.state("v_mV"), NotFoundError);
});

test("emitted neurons become this step's spikes, sorted ascending and deduplicated", () => {
  const input = new Input(10);

  for (const i of [7, 2, 7, 0, 9, 2, 2]) input.emit(i);
  input.step(ctxAt(0, 1));

  assert.deepEqual(spikesOf(input), [0, 2, 7, 9]);
  assert.deepEqual([...input.spiked], [1, 0, 1, 0, 0, 0, 0, 1, 0, 1]);
});

test("spikes last one step: the next step without input is silent and clears the mask", () => {
  const input = new Input(5);
  input.emit(3);
  input.step(ctxAt(0, 1));

  input.step(ctxAt(1, 1));

  assert.equal(input.spikeCount, 0);
  assert.deepEqual([...input.spiked], [0, 0, 0, 0, 0]);
});

test("any nonzero entry of the port spikes, and the port is consumed", () => {
  const input = new Input(6);
  const port = input.port();
  port.set([0, 1, 0, -0.5, 0, 2]);

  input.step(ctxAt(0, 1));

  assert.deepEqual(spikesOf(input), [1, 3, 5]);
  assert.deepEqual([...port], [0, 0, 0, 0, 0, 0]);
});

test("the port and emit are merged into one ascending list without duplicates", () => {
  const input = new Input(8);
  const port = input.port("spikes");
  port[4] = 1;
  port[1] = 1;
  input.emit(6);
  input.emit(4);
  input.emit(0);

  input.step(ctxAt(0, 1));

  assert.deepEqual(spikesOf(input), [0, 1, 4, 6]);
});

test("reset discards emitted spikes that have not been stepped and the last step's spikes", () => {
  const input = new Input(4);
  input.emit(1);
  input.step(ctxAt(0, 1));
  input.emit(2);

  input.reset();
  input.step(ctxAt(0, 1));

  assert.equal(input.spikeCount, 0);
  input.emit(2);
  input.step(ctxAt(1, 1));
  assert.deepEqual(spikesOf(input), [2], "a neuron pending at reset can be emitted again");
});

test("property: for any emit sequence (few or many, any order) the spikes are the sorted distinct set", () => {
  // Covers both sorting paths: heap sort for few spikes, rebuilding from flags for many.
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 63 }), { maxLength: 200 }), (emits) => {
      const input = new Input(64);
      for (const i of emits) input.emit(i);

      input.step(ctxAt(0, 1));

      const expected = [...new Set(emits)].sort((a, b) => a - b);
      assert.deepEqual(spikesOf(input), expected);
    }),
    { seed: 3, numRuns: 300 },
  );
});

test("emit rejects indices that are not integers in [0, size) and names the index", () => {
  const input = new Input(10);
  for (const bad of [-1, 10, 2.5, Number.NaN]) {
    assert.throws(
      () => input.emit(bad),
      (e: unknown) =>
        e instanceof InvalidParameterError &&
        e.message.includes(`neuron index ${String(bad)} is not an integer in [0, 10)`),
    );
  }
});

test("Input takes only its size: a dt or parameters are refused, not ignored", () => {
  assert.throws(
    () => new (Input as unknown as new (...a: unknown[]) => Input)(3, 1),
    /^InvalidParameterError: Input takes only its size \(it has no dynamics, so neither a dt nor parameters\), got 2 arguments; use new Input\(3\)$/,
  );
  // an explicit undefined (a generic caller's "no options") changes nothing, as for every model
  assert.equal(new (Input as unknown as new (...a: unknown[]) => Input)(3, undefined).size, 3);
});
