import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { InvalidParameterError } from "../../src/core/errors.ts";
import { trainFromFirstSpikes } from "../../src/encoding/common.ts";
import { rankOrder } from "../../src/encoding/rank-order.ts";
import type { SpikeTrain } from "../../src/encoding/spike-train.ts";

/** Step of each input's spike, or -1. */
function firstSteps(t: SpikeTrain): number[] {
  const out = new Array(t.size).fill(-1);
  for (let s = 0; s < t.steps; s++) for (const i of t.spikesAt(s)) out[i] = s;
  return out;
}

test("linear mapping: the max at step 0, the smallest nonzero at step steps - 1, zeros silent", () => {
  // vMax 3, vMin 1, span 2, steps 5: step = round((3 - v) / 2 * 4); v = 2 gives 2.
  const t = rankOrder([0, 1, 3, 2, 3], { steps: 5 });

  assert.deepEqual(firstSteps(t), [-1, 4, 0, 2, 0]);
  assert.equal(t.totalSpikes, 4);
});

test("equal nonzero values all spike at step 0; all-zero input gives no spike", () => {
  assert.deepEqual(firstSteps(rankOrder([0, 7, 7], { steps: 10 })), [-1, 0, 0]);
  assert.equal(rankOrder([0, 0], { steps: 10 }).totalSpikes, 0);
  assert.deepEqual(firstSteps(rankOrder([1, 2, 3], { steps: 1 })), [0, 0, 0]);
});

test("the values are not modified", () => {
  const values = Object.freeze([0.2, 0.1, 0.4]);
  assert.deepEqual(firstSteps(rankOrder(values, { steps: 3 })), [1, 2, 0]);
});

test("property: one spike per nonzero input, never later for a larger value", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 100, noNaN: true })), {
        minLength: 1,
        maxLength: 30,
      }),
      fc.integer({ min: 1, max: 50 }),
      (values, steps) => {
        const s = firstSteps(rankOrder(values, { steps }));
        for (let i = 0; i < values.length; i++) {
          assert.equal(s[i] >= 0, values[i] > 0);
          for (let j = 0; j < values.length; j++)
            if (values[i] > 0 && values[j] > values[i]) assert.ok(s[j] <= s[i]);
        }
      },
    ),
    { numRuns: 100, seed: 3 },
  );
});

test("values that are not an array of numbers are refused as such", () => {
  assert.throws(
    () => rankOrder(new DataView(new ArrayBuffer(4)) as never, { steps: 5 }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message ===
        "rankOrder: values must be an Array or typed array of values, one per input (e.g. [0.5, 1, 0]), got a DataView",
  );
  assert.throws(() => rankOrder([1, undefined] as never, { steps: 5 }), /rankOrder: input 1 is undefined;/);
  assert.throws(() => rankOrder(new Float64Array(0), { steps: 5 }), /rankOrder: values is empty/);
});

test("trainFromFirstSpikes refuses a first spike at or past the end of the window", () => {
  assert.throws(
    () => trainFromFirstSpikes(new Int32Array([0, 5]), 5),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message ===
        "trainFromFirstSpikes: firstStep[1] = 5 is outside the window of 5 steps; use a step from 0 to 4, or -1 for no spike",
  );
  assert.deepEqual([...trainFromFirstSpikes(new Int32Array([4, -1]), 5).offsets], [0, 0, 0, 0, 0, 1]);
});

test("a window too long for one SpikeTrain is refused up front, naming the steps and the size", () => {
  assert.throws(
    () => rankOrder([1, 2], { steps: 1e12 }),
    /^InvalidParameterError: rankOrder steps = 1000000000000 would need a buffer of 1000000000001 entries \(3725\.3 GiB\), more than the 2147483647 entries \(2\^31 - 1, the int32 index limit\) one buffer may hold; encode and run the input in chunks of fewer steps \(e\.g\. one example at a time\)$/,
  );
  assert.throws(
    () => trainFromFirstSpikes(Int32Array.of(-1), 2 ** 31),
    /^InvalidParameterError: trainFromFirstSpikes steps = 2147483648 would need a buffer of 2147483649 entries \(8\.0 GiB\)/,
  );
  // a presentation window of MNIST size is far from the limit
  assert.equal(rankOrder([1, 2], { steps: 350 }).steps, 350);
});
