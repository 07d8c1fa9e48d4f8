import { test } from "node:test";
import assert from "node:assert/strict";
import { EncodingRangeError, InvalidParameterError, TimeStepError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { msToSteps } from "../../src/core/time.ts";
import { poisson } from "../../src/encoding/poisson.ts";
import { trainFromProbabilities } from "../../src/encoding/common.ts";
import type { SpikeTrain } from "../../src/encoding/spike-train.ts";

function perInputCounts(t: SpikeTrain): number[] {
  return Array.from({ length: t.size }, (_, i) => t.count(i));
}

for (const rate_Hz of [100, 300, 600]) {
  test(`${rate_Hz} Hz at dt 1 ms: counts are Binomial(T, r dt), mean r T within 3 sd (case C11)`, () => {
    // Bernoulli p = r dt per step: a count over T steps has mean T p = r T and variance T p (1 - p).
    // Over N inputs the total has sd sqrt(N T p (1 - p)); the sample variance of N counts has relative sd
    // about sqrt(2 / (N - 1)) (near-normal counts), so 4 of those bound it.
    const N = 400;
    const T = 1000;
    const p = rate_Hz / 1000;
    const t = poisson(new Array(N).fill(rate_Hz), {
      steps: T,
      dt_ms: 1,
      rng: createRng(1, "poisson", rate_Hz),
    });
    const counts = perInputCounts(t);
    const mean = counts.reduce((a, b) => a + b, 0) / N;
    const variance = counts.reduce((a, c) => a + (c - mean) ** 2, 0) / (N - 1);

    assert.ok(
      Math.abs(t.totalSpikes - N * T * p) < 3 * Math.sqrt(N * T * p * (1 - p)),
      `total ${t.totalSpikes}`,
    );
    assert.ok(
      Math.abs(variance / (T * p * (1 - p)) - 1) < 4 * Math.sqrt(2 / (N - 1)),
      `variance ${variance}`,
    );
  });
}

test("1000 Hz at dt 1 ms is p = 1: exactly one spike every step (case C11)", () => {
  const t = poisson([1000, 1000, 1000], { steps: 1000, dt_ms: 1, rng: createRng(1, "poisson") });

  assert.deepEqual(perInputCounts(t), [1000, 1000, 1000]);
  assert.ok(t.toDense().every((v) => v === 1));
});

test("63.75 Hz at dt 0.5 ms over 350 ms: 700 steps, mean count 22.31 within 3 sd / sqrt(n) (case C12)", () => {
  // p = 63.75 * 0.5 / 1000 = 0.031875; mean 700 p = 22.3125; sd sqrt(700 p (1 - p)) = 4.648.
  const n = 2000;
  const t = poisson(new Array(n).fill(63.75), { duration_ms: 350, dt_ms: 0.5, rng: createRng(2, "poisson") });
  const mean = t.totalSpikes / n;
  const sd = Math.sqrt(700 * 0.031875 * (1 - 0.031875));

  assert.equal(t.steps, 700);
  assert.ok(Math.abs(mean - 22.3125) < (3 * sd) / Math.sqrt(n), `mean ${mean}`);
});

test("every step, step 0 included, fires with probability p", () => {
  // N inputs at p = 0.2: each step's count is Binomial(N, p), sd sqrt(N p (1 - p)).
  const N = 5000;
  const t = poisson(new Array(N).fill(200), { steps: 4, dt_ms: 1, rng: createRng(3, "poisson") });
  const sd = Math.sqrt(N * 0.2 * 0.8);

  for (let s = 0; s < 4; s++) {
    const c = t.offsets[s + 1] - t.offsets[s];
    assert.ok(Math.abs(c - N * 0.2) < 3 * sd, `step ${s}: ${c}`);
  }
});

test("r dt > 1 throws an EncodingRangeError naming the input, rate and dt and suggesting a smaller dt (C12)", () => {
  assert.throws(
    () => poisson([10, 2000], { steps: 10, dt_ms: 1, rng: createRng(1) }),
    (e: unknown) =>
      e instanceof EncodingRangeError &&
      /input 1 has rate 2000 Hz/.test(e.message) &&
      /dt = 1 ms/.test(e.message) &&
      /probability of 2 per step/.test(e.message) &&
      /dt_ms <= 0.5/.test(e.message) &&
      e.details.rate_Hz === 2000 &&
      e.details.index === 1,
  );
  assert.equal(poisson([2000], { steps: 10, dt_ms: 0.5, rng: createRng(1) }).totalSpikes, 10);
});

test("negative or non-finite rates are rejected with their index", () => {
  assert.throws(() => poisson([1, -5], { steps: 10, dt_ms: 1, rng: createRng(1) }), /input 1 is -5 Hz/);
  assert.throws(() => poisson([NaN], { steps: 10, dt_ms: 1, rng: createRng(1) }), EncodingRangeError);
  assert.throws(
    () => poisson([1], { dt_ms: 1, rng: createRng(1) }),
    /exactly one of `steps` and `duration_ms`/,
  );
});

test("durations convert to whole steps by rounding: 250 ms / 0.1 ms = 2500, 150 ms / 0.1 ms = 1500 (C26)", () => {
  const rng = createRng(4, "poisson");

  const a = poisson([50], { duration_ms: 250, dt_ms: 0.1, rng });
  const b = poisson([50], { duration_ms: 150, dt_ms: 0.1, rng });

  assert.equal(msToSteps(250, 0.1), 2500);
  assert.equal(msToSteps(150, 0.1), 1500);
  assert.equal(a.steps, 2500);
  assert.equal(b.steps, 1500);
  assert.equal(a.offsets.length, 2501);
  assert.throws(() => poisson([50], { duration_ms: 150.05, dt_ms: 0.1, rng }), TimeStepError);
});

test("the rates are not modified", () => {
  const frozen = Object.freeze([10, 20, 30]);
  const typed = new Float64Array([5, 0, 400]);
  const copy = typed.slice();

  poisson(frozen, { steps: 100, dt_ms: 1, rng: createRng(5) });
  poisson(typed, { steps: 100, dt_ms: 1, rng: createRng(5) });

  assert.deepEqual(typed, copy);
});

test("the same seed and stream give a bit-identical train; another stream key gives another", () => {
  const rates = Array.from({ length: 100 }, (_, i) => i);
  const opts = { steps: 200, dt_ms: 1 };

  const a = poisson(rates, { ...opts, rng: createRng(42, "poisson", 7) });
  const b = poisson(rates, { ...opts, rng: createRng(42, "poisson", 7) });
  const c = poisson(rates, { ...opts, rng: createRng(42, "poisson", 8) });

  assert.deepEqual(a.offsets, b.offsets);
  assert.deepEqual(a.indices, b.indices);
  assert.notDeepEqual(a.indices, c.indices);
  assert.equal(a.count(0), 0); // rate 0 never fires
});

test("without rng the encoder says to pass one (a typed error, not a TypeError deep inside)", () => {
  for (const opts of [
    { steps: 5, dt_ms: 1 },
    { steps: 5, dt_ms: 1, rng: undefined },
    { steps: 5, dt_ms: 1, rng: {} },
  ]) {
    assert.throws(
      () => poisson([10, 20], opts as never),
      (e: unknown) => {
        assert.ok(e instanceof InvalidParameterError, String(e));
        assert.match(
          e.message,
          /poisson needs a random generator: pass rng: createRng\(seed, "poisson", exampleIndex\)/,
        );
        return true;
      },
    );
  }
});

test("rates that are not an array of numbers are refused as such, naming what was given", () => {
  const opts = { steps: 10, dt_ms: 1, rng: createRng(1) };
  // a bare number used to fail as "size must be an integer >= 1, got 0"
  assert.throws(
    () => poisson(20 as never, opts),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message ===
        "poisson: rates_Hz must be an Array or typed array of rates in Hz, one per input (e.g. [20, 5, 0]), got number 20",
  );
  assert.throws(
    () => poisson("20" as never, opts),
    /rates_Hz must be an Array or typed array .* got string "20"$/,
  );
  assert.throws(
    () => poisson({ length: 1, 0: 5 } as never, opts),
    /got an object with keys \["0","length"\]$/,
  );
  assert.throws(() => poisson(new BigInt64Array(2) as never, opts), /got a BigInt64Array$/);
  // a string entry used to be reported as "input 0 is 500 Hz"
  assert.throws(
    () => poisson(["500"] as never, opts),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message === 'poisson: input 0 is string "500"; rates_Hz must hold numbers (in Hz), finite and >= 0',
  );
  assert.throws(() => poisson([5, null] as never, opts), /input 1 is null; rates_Hz must hold numbers/);
  assert.throws(
    () => poisson([], opts),
    /^InvalidParameterError: poisson: rates_Hz is empty; give one rate per input/,
  );
  assert.equal(poisson(new Float32Array([0, 0]), opts).size, 2);
});

test("poisson without options says what it needs instead of a TypeError", () => {
  assert.throws(
    () => poisson([1], undefined as never),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message ===
        "poisson needs an options object with the window (steps, or duration_ms and dt_ms) and rng; " +
          "the valid options are steps, duration_ms, dt_ms, rng",
  );
});

test("trainFromProbabilities refuses a probability outside [0, 1] and a bad step count", () => {
  const rng = createRng(1, "p");
  for (const p of [NaN, 1.5, -0.25]) {
    assert.throws(
      () => trainFromProbabilities(new Float64Array([0.5, p]), 5, rng),
      (e: unknown) =>
        e instanceof EncodingRangeError &&
        e.message ===
          `trainFromProbabilities: p[1] = ${p} is not a per-step spike probability; each p must be in [0, 1]`,
    );
  }
  assert.throws(
    () => trainFromProbabilities(new Float64Array([0.5]), 2.5, rng),
    /steps must be an integer >= 0, got 2.5/,
  );
  assert.equal(trainFromProbabilities(new Float64Array([1, 0]), 4, rng).totalSpikes, 4);
});

test("a window too long for one SpikeTrain is refused up front, by steps or by duration, not by a RangeError", () => {
  const tooLong = (what: string, steps: number, gib: string): RegExp =>
    new RegExp(
      `^InvalidParameterError: ${what} would need a buffer of ${steps + 1} entries \\(${gib} GiB\\), more than the ` +
        `2147483647 entries \\(2\\^31 - 1, the int32 index limit\\) one buffer may hold; encode and run the input ` +
        `in chunks of fewer steps \\(e\\.g\\. one example at a time\\)$`,
    );
  const rng = createRng(1, "poisson");
  assert.throws(
    () => poisson([1], { steps: 2 ** 31, dt_ms: 1, rng }),
    tooLong("poisson steps = 2147483648", 2 ** 31, "8.0"),
  );
  assert.throws(
    () => poisson([1], { steps: 1e12, dt_ms: 1, rng }),
    tooLong("poisson steps = 1000000000000", 1e12, "3725.3"),
  );
  assert.throws(
    () => poisson([1], { duration_ms: 1e12, dt_ms: 1, rng }),
    tooLong("poisson duration_ms = 1000000000000 at dt_ms = 1 \\(1000000000000 steps\\)", 1e12, "3725.3"),
  );
  assert.throws(
    () => trainFromProbabilities(Float64Array.of(0.5), 1e12, rng),
    tooLong("trainFromProbabilities steps = 1000000000000", 1e12, "3725.3"),
  );
  // more spikes than the int32 offsets count: refused before drawing any
  assert.throws(
    () => trainFromProbabilities(new Float64Array(3).fill(1), 2 ** 30, rng),
    /^InvalidParameterError: a train of 1073741824 steps x 3 inputs with about 3221225472 spikes would need a buffer of 3221225472 entries \(12\.0 GiB\), more than the 2147483647 entries/,
  );
});
