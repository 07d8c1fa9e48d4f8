/** LinearReadout: z = bias + w . x after every step, from a live buffer; growth beyond the capacity; reset. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ShapeMismatchError } from "../../src/core/errors.ts";
import { LinearReadout } from "../../src/network/linear-readout.ts";

test("records bias + sum_i w_i x_i at every record, reading the live buffer each time", () => {
  const x = new Float64Array(3);
  const ro = new LinearReadout(x, [0.5, -1, 2], { bias: 0.25, capacity: 2 });

  for (let s = 0; s < 5; s++) {
    x.set([s, 2 * s, 1]);
    ro.record(s);
  }

  // z_s = 0.25 + 0.5 s - 2 s + 2 = 2.25 - 1.5 s
  assert.deepEqual(Array.from(ro.values), [2.25, 0.75, -0.75, -2.25, -3.75]);
  assert.deepEqual(Array.from(ro.steps), [0, 1, 2, 3, 4]);
  ro.reset();
  assert.equal(ro.count, 0);
});

test("one weight per source entry, else a ShapeMismatchError naming both counts", () => {
  assert.throws(
    () => new LinearReadout(new Float32Array(4), [1, 2, 3]),
    (e: unknown) =>
      e instanceof ShapeMismatchError && /3 weights but its source has 4 entries/.test(e.message),
  );
});
