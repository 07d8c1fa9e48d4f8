/** RateCoupling: the current W r added into the target port every step, CSR storage of the non-zeros, errors. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError } from "../../src/core/errors.ts";
import { LIF } from "../../src/neurons/lif.ts";
import { DoubleExpLIF } from "../../src/neurons/double-exp-lif.ts";
import { RateCoupling } from "../../src/projections/rate-coupling.ts";

test("deliver adds sum_i W[j, i] r_i into port i_nA of every target neuron; zeros are not stored", () => {
  const src = new DoubleExpLIF(3, 0.05);
  const dst = new DoubleExpLIF(2, 0.05);
  const proj = new RateCoupling(src, dst, { weights: [1, 0, -2, 0, 0.5, 0] }); // [post][pre]: 2 x 3
  src.r_Hz.set([10, 4, 1]);

  proj.deliver();
  proj.deliver();

  assert.deepEqual(Array.from(dst.port("i_nA")), [2 * (10 - 2), 2 * 2]);
  assert.equal(proj.w.length, 3);
  assert.deepEqual(Array.from(proj.rowPtr), [0, 2, 3]);
});

test("a source without a live r_Hz buffer is rejected with the fix", () => {
  assert.throws(
    () =>
      new RateCoupling(new LIF(2, 1), new DoubleExpLIF(2, 1, { integration: "exact" }), {
        weights: [0, 0, 0, 0],
      }),
    (e: unknown) =>
      e instanceof InvalidParameterError && /needs a source with a live r_Hz buffer/.test(e.message),
  );
  assert.throws(
    () => new RateCoupling(new DoubleExpLIF(2, 0.05), new DoubleExpLIF(2, 0.05), { weights: [1] }),
    /\[post\]\[pre\] = 2 x 2 needs 4/,
  );
});
