import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { InvalidParameterError } from "../../src/core/errors.ts";
import { latency } from "../../src/encoding/latency.ts";
import type { SpikeTrain } from "../../src/encoding/spike-train.ts";

function firstSteps(t: SpikeTrain): number[] {
  const out = new Array(t.size).fill(-1);
  for (let s = 0; s < t.steps; s++) for (const i of t.spikesAt(s)) out[i] = s;
  return out;
}

test("spike time t = tau ln(v / (v - threshold)), in step floor(t / dt)", () => {
  // tau 10 ms, threshold 0.5, dt 1 ms:
  //   v = 1    -> 10 ln 2   = 6.93 ms  -> step 6
  //   v = 0.75 -> 10 ln 3   = 10.99 ms -> step 10
  //   v = 4    -> 10 ln(8/7) = 1.34 ms -> step 1
  //   v = 0.5  -> never (not above threshold)
  //   v = 0.51 -> 10 ln 51  = 39.3 ms  -> after the 20-step window: dropped
  const t = latency([1, 0.75, 4, 0.5, 0.51, 0], { steps: 20, dt_ms: 1, tau_ms: 10, threshold: 0.5 });

  assert.deepEqual(firstSteps(t), [6, 10, 1, -1, -1, -1]);
});

test("default tau is a fifth of the window and default threshold 0.01", () => {
  // 100 steps of 1 ms -> tau 20 ms. v = 0.02: 20 ln 2 = 13.86 ms -> step 13; v = 1: 20 ln(1/0.99) = 0.2 -> 0.
  const t = latency([0.02, 1, 0.01], { steps: 100, dt_ms: 1 });

  assert.deepEqual(firstSteps(t), [13, 0, -1]);
});

test("a crossing time that is a whole number of steps up to rounding lands on that step", () => {
  // v chosen so that ln(v / (v - th)) = 0.3 exactly in real arithmetic: t = 0.3 ms, dt 0.1 ms -> step 3.
  const th = 0.2;
  const v = th / (1 - Math.exp(-0.3));
  const t = latency([v], { duration_ms: 1, dt_ms: 0.1, tau_ms: 1, threshold: th });

  assert.equal(t.steps, 10);
  assert.deepEqual(firstSteps(t), [3]);
});

test("property: at most one spike per input, never later for a larger value; inputs unchanged", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 2, noNaN: true }), { minLength: 1, maxLength: 30 }),
      (values) => {
        const copy = [...values];
        const t = latency(values, { steps: 50, dt_ms: 0.5 });
        const s = firstSteps(t);
        assert.deepEqual(values, copy);
        assert.ok(t.totalSpikes <= values.length);
        for (let i = 0; i < values.length; i++) {
          if (values[i] <= 0.01) assert.equal(s[i], -1);
          for (let j = 0; j < values.length; j++)
            if (s[i] >= 0 && values[j] > values[i]) assert.ok(s[j] >= 0 && s[j] <= s[i]);
        }
      },
    ),
    { numRuns: 100, seed: 5 },
  );
});

test("invalid options are rejected", () => {
  assert.throws(() => latency([1], { steps: 10, dt_ms: 0 }), /dt_ms must be > 0/);
  assert.throws(() => latency([1], { steps: 10, dt_ms: 1, threshold: 0 }), /threshold must be > 0/);
  assert.throws(() => latency([NaN], { steps: 10, dt_ms: 1 }), /input 0 is NaN/);
});

test("values that are not an array of numbers, or no options, are refused as such", () => {
  const opts = { steps: 10, dt_ms: 1 };
  assert.throws(
    () => latency("abc" as never, opts),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message ===
        'latency: values must be an Array or typed array of values, one per input (e.g. [0.5, 1, 0]), got string "abc"',
  );
  assert.throws(
    () => latency([true] as never, opts),
    /^InvalidParameterError: latency: input 0 is boolean true;/,
  );
  assert.throws(() => latency([], opts), /latency: values is empty/);
  assert.throws(
    () => latency([1], undefined as never),
    /^InvalidParameterError: latency needs an options object with the window \(steps, or duration_ms and dt_ms\);/,
  );
});
