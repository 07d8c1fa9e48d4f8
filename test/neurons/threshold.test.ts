/**
 * Threshold (NIR Threshold): strict >, memoryless, per-neuron thresholds, the (size, dt_ms, params)
 * constructor, errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError, ShapeMismatchError } from "../../src/core/errors.ts";
import { Network } from "../../src/network/network.ts";
import { Threshold } from "../../src/neurons/threshold.ts";
import { run } from "./helpers.ts";

test("fires when the input exceeds the threshold strictly: x = theta is silent, the next float above fires", () => {
  const n = new Threshold(3, 1, { threshold_nA: 0.5 });
  const x = n.port("i_nA");
  const above = Math.fround(0.5 + 2 ** -24);

  const events = run(n, 1, 1, { feed: () => x.set([0.5, above, 0.25]) });

  assert.deepEqual(events.neurons, [1]);
});

test("with threshold 0, silence never fires (the reason for strict > here)", () => {
  const n = new Threshold(4, 1);

  const events = run(n, 20, 1);

  assert.equal(events.steps.length, 0);
});

test("is memoryless: input of one step does not carry into the next", () => {
  const n = new Threshold(1, 1, { threshold_nA: 1 });
  const x = n.port("i_nA");

  const events = run(n, 4, 1, { feed: (s) => (x[0] = s === 0 ? 0.75 : s === 1 ? 0.75 : s === 2 ? 2 : 0) });

  assert.deepEqual(events.steps, [2], "0.75 + 0.75 would cross if it accumulated");
  assert.equal(n.state("i_nA")[0], 0, "the recorded input of the last step");
});

test("per-neuron thresholds, and a length mismatch is a ShapeMismatchError", () => {
  const n = new Threshold(3, 1, { threshold_nA: [0, 1, 2] });
  const x = n.port("i_nA");

  const events = run(n, 1, 1, { feed: () => x.fill(1.5) });

  assert.deepEqual(events.neurons, [0, 1]);
  assert.throws(
    () => new Threshold(3, 1, { threshold_nA: [1, 2] }),
    (e: unknown) => {
      assert.ok(e instanceof ShapeMismatchError);
      assert.match(e.message, /threshold_nA has 2 entries but the population has 3 neurons/);
      return true;
    },
  );
  assert.throws(() => new Threshold(1, 1, { threshold_nA: NaN }), /threshold_nA must be a finite number/);
});

test("takes (size, dt_ms, params) like every model: the params reach the thresholds", () => {
  const n = new Threshold(3, 0.5, { threshold_nA: [5, 6, 7] });
  const x = n.port("i_nA");

  const events = run(n, 1, 0.5, { feed: () => x.fill(6.5) });

  assert.deepEqual(Array.from(n.threshold_nA), [5, 6, 7]);
  assert.equal(n.dt_ms, 0.5);
  assert.deepEqual(events.neurons, [0, 1], "6.5 > 5 and 6.5 > 6 only");
});

test("the old form (size, params) is refused with a message that says to insert dt_ms", () => {
  const oldForm = () =>
    new (Threshold as unknown as new (n: number, p: object) => Threshold)(3, { threshold_nA: 1 });

  assert.throws(oldForm, (e: unknown) => {
    assert.ok(e instanceof InvalidParameterError);
    assert.match(e.message, /Threshold takes \(size, dt_ms, params\)/);
    assert.match(e.message, /new Threshold\(size, dt_ms, params\)/);
    return true;
  });
});

test("a misspelled option is refused, naming the valid one; a dt different from the network's is refused", () => {
  assert.throws(
    () => new Threshold(2, 1, { threshold: 1 } as never),
    /Threshold params: unknown option "threshold" \(did you mean threshold_nA\?\); the valid options are threshold_nA/,
  );
  assert.throws(() => new Threshold(2, 0), /dt_ms must be > 0, got 0/);
  const net = new Network({ dt_ms: 1 });
  assert.throws(() => net.addPopulation("z", new Threshold(2, 0.5)), /built for dt = 0.5 ms/);
});
