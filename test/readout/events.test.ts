import { test } from "node:test";
import assert from "node:assert/strict";
import { countsFromEvents, spikeEventsFromRaster } from "../../src/readout/events.ts";

test("a raster becomes an event list sorted by step, neurons by index", () => {
  // 3 steps x 3 neurons: step 0 neuron 2; step 2 neurons 0 and 1.
  const ev = spikeEventsFromRaster(Uint8Array.from([0, 0, 1, 0, 0, 0, 1, 1, 0]), 3);

  assert.equal(ev.count, 3);
  assert.deepEqual(Array.from(ev.steps), [0, 2, 2]);
  assert.deepEqual(Array.from(ev.neurons), [2, 0, 1]);
  assert.throws(() => spikeEventsFromRaster([0, 1], 3), /not a multiple of 3 neurons/);
});

test("counts per neuron from events, reusing a buffer", () => {
  const out = new Int32Array(3).fill(7);
  const ev = { steps: Int32Array.from([0, 1, 1, 4]), neurons: Int32Array.from([1, 0, 1, 1]), count: 4 };

  assert.equal(countsFromEvents(ev, 3, out), out);
  assert.deepEqual(Array.from(out), [1, 3, 0]);
  assert.throws(() => countsFromEvents(ev, 3, new Int32Array(2)), /out has length 2, needs 3/);
});
