/**
 * Threshold (NIR Threshold): strict >, memoryless, per-neuron thresholds, errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ShapeMismatchError } from "../../src/core/errors.ts";
import { Threshold } from "../../src/neurons/threshold.ts";
import { run } from "./helpers.ts";

test("fires when the input exceeds the threshold strictly: x = theta is silent, the next float above fires", () => {
  const n = new Threshold(3, { threshold_nA: 0.5 });
  const x = n.port("i_nA");
  const above = Math.fround(0.5 + 2 ** -24);

  const events = run(n, 1, 1, { feed: () => x.set([0.5, above, 0.25]) });

  assert.deepEqual(events.neurons, [1]);
});

test("with threshold 0, silence never fires (the reason for strict > here)", () => {
  const n = new Threshold(4);

  const events = run(n, 20, 1);

  assert.equal(events.steps.length, 0);
});

test("is memoryless: input of one step does not carry into the next", () => {
  const n = new Threshold(1, { threshold_nA: 1 });
  const x = n.port("i_nA");

  const events = run(n, 4, 1, { feed: (s) => (x[0] = s === 0 ? 0.75 : s === 1 ? 0.75 : s === 2 ? 2 : 0) });

  assert.deepEqual(events.steps, [2], "0.75 + 0.75 would cross if it accumulated");
  assert.equal(n.state("i_nA")[0], 0, "the recorded input of the last step");
});

test("per-neuron thresholds, and a length mismatch is a ShapeMismatchError", () => {
  const n = new Threshold(3, { threshold_nA: [0, 1, 2] });
  const x = n.port("i_nA");

  const events = run(n, 1, 1, { feed: () => x.fill(1.5) });

  assert.deepEqual(events.neurons, [0, 1]);
  assert.throws(
    () => new Threshold(3, { threshold_nA: [1, 2] }),
    (e: unknown) => {
      assert.ok(e instanceof ShapeMismatchError);
      assert.match(e.message, /threshold_nA has 2 entries but the population has 3 neurons/);
      return true;
    },
  );
  assert.throws(() => new Threshold(1, { threshold_nA: NaN }), /threshold_nA must be a finite number/);
});
