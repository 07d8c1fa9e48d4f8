import { test } from "node:test";
import assert from "node:assert/strict";
import { EncodingRangeError, InvalidParameterError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { bernoulli } from "../../src/encoding/bernoulli.ts";

test("probabilities are value / max * maxProb: totals within 3 sd of the expectation", () => {
  // 1000 copies each of values 0, 5 and 10 with maxProb 0.5: p = 0, 0.25, 0.5 per step.
  const n = 1000;
  const T = 100;
  const values = [...new Array(n).fill(0), ...new Array(n).fill(5), ...new Array(n).fill(10)];
  const t = bernoulli(values, { steps: T, maxProb: 0.5, rng: createRng(1, "bernoulli") });
  const total = (from: number) => {
    let s = 0;
    for (let i = from; i < from + n; i++) s += t.count(i);
    return s;
  };

  assert.equal(total(0), 0);
  for (const [from, p] of [
    [n, 0.25],
    [2 * n, 0.5],
  ]) {
    const sd = Math.sqrt(n * T * p * (1 - p));
    assert.ok(Math.abs(total(from) - n * T * p) < 3 * sd, `p = ${p}: ${total(from)}`);
  }
});

test("the largest input fires every step with maxProb 1 (the default); all-zero input is silent", () => {
  const t = bernoulli([2, 8], { steps: 50, rng: createRng(2, "bernoulli") });
  const silent = bernoulli([0, 0, 0], { steps: 50, rng: createRng(2, "bernoulli") });

  assert.equal(t.count(1), 50);
  assert.ok(t.count(0) < 50);
  assert.equal(silent.totalSpikes, 0);
  assert.equal(silent.steps, 50);
});

test("maxProb outside [0, 1] and negative values are rejected", () => {
  assert.throws(
    () => bernoulli([1], { steps: 5, maxProb: 1.5, rng: createRng(1) }),
    (e: unknown) => e instanceof EncodingRangeError && /maxProb .* \[0, 1\], got 1.5/.test(e.message),
  );
  assert.throws(() => bernoulli([1, -1], { steps: 5, rng: createRng(1) }), /input 1 is -1/);
});

test("inputs are not modified; same seed gives the same train, another stream another", () => {
  const values = new Float32Array([0.1, 0.5, 0.9, 0.3]);
  const copy = values.slice();

  const a = bernoulli(values, { steps: 100, rng: createRng(9, "b", 1) });
  const b = bernoulli(values, { steps: 100, rng: createRng(9, "b", 1) });
  const c = bernoulli(values, { steps: 100, rng: createRng(9, "b", 2) });

  assert.deepEqual(values, copy);
  assert.deepEqual(a.indices, b.indices);
  assert.notDeepEqual(a.indices, c.indices);
});

test("without rng the encoder says to pass one", () => {
  assert.throws(
    () => bernoulli([1, 2], { steps: 5 } as never),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      /bernoulli needs a random generator: pass rng: createRng\(seed, "bernoulli", exampleIndex\)/.test(
        e.message,
      ),
  );
});

test("values that are not an array of numbers, or no options, are refused as such", () => {
  const opts = { steps: 5, rng: createRng(1) };
  assert.throws(
    () => bernoulli(0.5 as never, opts),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message ===
        "bernoulli: values must be an Array or typed array of values, one per input (e.g. [0.5, 1, 0]), got number 0.5",
  );
  assert.throws(
    () => bernoulli([1, "2"] as never, opts),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message === 'bernoulli: input 1 is string "2"; values must hold numbers, finite and >= 0',
  );
  assert.throws(() => bernoulli([], opts), /bernoulli: values is empty/);
  assert.throws(
    () => bernoulli([1], undefined as never),
    /^InvalidParameterError: bernoulli needs an options object/,
  );
  // NaN and negative numbers stay range errors
  assert.throws(() => bernoulli([NaN], opts), EncodingRangeError);
});
