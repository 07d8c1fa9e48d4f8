import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { timesDecimal } from "../../src/core/decimal.ts";
import { countText, isWholeCount, msToSteps, decayPerStep, sameStep } from "../../src/core/time.ts";
import { createRng } from "../../src/core/rng.ts";
import {
  TimeStepError,
  SpikeflowError,
  InvalidParameterError,
  allocateBuffer,
  requireFloat32Factor,
} from "../../src/core/errors.ts";
import { log, captureLogs, muteWarning } from "../../src/core/log.ts";

test("durations convert to steps by rounding, so 150 ms at 0.1 ms is 1500 steps, not 1499 (case C26)", () => {
  assert.equal(0.15 / 0.0001 < 1500, true); // the float64 trap this guards against
  assert.equal(msToSteps(150, 0.1), 1500);
  assert.equal(msToSteps(250, 0.1), 2500);
  assert.equal(msToSteps(100, 0.1), 1000);
  assert.equal(msToSteps(1, 0.1), 10);
  assert.equal(msToSteps(0, 0.1), 0);
});

test("a duration that is not a whole number of steps is rejected with the nearest valid values (C04, C26)", () => {
  assert.throws(
    () => msToSteps(0.25, 0.1, "tRef_ms"),
    (e: unknown) =>
      e instanceof TimeStepError &&
      e.code === "time-step" &&
      /tRef_ms of 0.25 ms is not a whole number of steps of dt = 0.1 ms/.test(e.message) &&
      /0.2 or 0.3 ms/.test(e.message),
  );
  // below one step the only suggestion is one step: 0 ms is no duration to suggest
  assert.throws(
    () => msToSteps(0.5, 1, "time_ms"),
    /\(0\.5 steps; the nearest whole count is 1\); use a multiple of dt such as 1 ms$/,
  );
  assert.throws(() => msToSteps(0.25, 1, "time_ms"), /\(0\.25 steps\); use a multiple of dt such as 1 ms$/);
  assert.throws(() => msToSteps(-1, 0.1), TimeStepError);
  assert.throws(
    () => msToSteps(1, 0),
    (e: unknown) => e instanceof InvalidParameterError && /dt_ms must be > 0/.test(e.message),
  );
  assert.throws(() => msToSteps(NaN, 1), /must be a finite number, got NaN/);
});

test("every whole number of steps round-trips for any dt", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1_000_000 }),
      fc.constantFrom(0.01, 0.05, 0.1, 0.25, 0.5, 1),
      (n, dt) => {
        return msToSteps(n * dt, dt) === n;
      },
    ),
  );
});

test("a large duration with a fraction of a step is refused, naming the value, dt and the nearest whole count", () => {
  // a relative 1e-6 let any fraction through from 500,000 steps on
  assert.throws(
    () => msToSteps(600000.5, 1, "time_ms"),
    (e: unknown) =>
      e instanceof TimeStepError &&
      e.message.startsWith(
        "time_ms of 600000.5 ms is not a whole number of steps of dt = 1 ms (600000.5 steps; the nearest " +
          "whole count is 600001); use a multiple of dt such as 600000 or 600001 ms",
      ),
  );
  assert.throws(
    () => msToSteps(1000000.0004, 1),
    /^TimeStepError: duration of 1000000\.0004 ms is not a whole number of steps of dt = 1 ms \(1000000\.0004 steps; the nearest whole count is 1000000\)/,
  );
  assert.throws(
    () => msToSteps(123456.00001, 0.1),
    /\(1234560\.0001 steps; the nearest whole count is 1234560\)/,
  );
  assert.throws(() => msToSteps(2 ** 31 - 0.5, 1), TimeStepError);
  // a fraction that 12 digits would hide is printed in full
  assert.equal(countText(1000000.0000004), "1000000.0000004");
  assert.equal(countText(2.4999999999999996), "2.5");
});

test("decimal durations that are whole numbers of steps are accepted despite float rounding", () => {
  assert.equal(0.3 / 0.1, 2.9999999999999996);
  assert.equal(msToSteps(0.3, 0.1), 3);
  assert.equal(msToSteps(2.2, 0.1), 22);
  assert.equal(msToSteps(0.7, 0.1), 7);
  assert.equal(msToSteps(0.1 + 0.2, 0.1), 3);
  assert.equal(msToSteps((1000 * 0.1) / 0.1, 1), 1000);
  assert.equal(msToSteps(1000 * 0.1, 0.1), 1000);
  assert.equal(msToSteps(1e5, 0.1), 1e6);
  assert.equal(msToSteps(1e6, 1), 1e6);
  assert.equal(msToSteps(12345.6, 0.1), 123456);
  assert.equal(msToSteps(0.0015 * 1000, 0.5), 3);
  // the residue of a difference is 0 steps
  assert.equal(msToSteps(0.1 * 3 - 0.3, 0.1), 0);
  assert.equal(isWholeCount(3 + 1e-9), false);
  assert.equal(isWholeCount(1e6 + 1e-6), false);
  // sameStep keeps its own, looser question: two steps that differ by a billionth are the same step
  assert.equal(sameStep(0.1, (0.1 * 3) / 3), true);
  assert.equal(sameStep(0.1, 0.1 * (1 + 1e-8)), false);
});

test("k * dt is k steps, and (k + f) * dt is refused, for counts up to 2^31 and common steps", () => {
  const dts = [0.001, 0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.125, 0.2, 0.25, 0.3, 0.5, 0.7, 1, 1.5, 2, 3];
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom(...dts), (k, dt) => {
      assert.equal(msToSteps(k * dt, dt), k);
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      fc.constantFrom(...dts),
      fc.double({ min: 0.001, max: 0.999, noNaN: true }),
      (k, dt, f) => {
        assert.throws(() => msToSteps((k + f) * dt, dt), TimeStepError);
      },
    ),
    { numRuns: 2000 },
  );
});

test("timesDecimal writes the exact decimal product of a whole number and a decimal", () => {
  assert.equal(timesDecimal(2 ** 20, 0.1), "104857.6");
  assert.equal(timesDecimal(2 ** 20, 1), "1048576");
  assert.equal(timesDecimal(2 ** 20, 0.001), "1048.576");
  assert.equal(timesDecimal(2 ** 20, 0.3), "314572.8");
  assert.equal(timesDecimal(2 ** 20, 0.025), "26214.4");
  assert.equal(timesDecimal(2 ** 20, 1e-7), "0.1048576");
  assert.equal(timesDecimal(3, 1e21), "3000000000000000000000");
  assert.equal(timesDecimal(0, 0.1), "0");
  assert.equal(timesDecimal(-3, 0.5), "-1.5");
  assert.equal(timesDecimal(7, 1.25), "8.75");
});

test("decayPerStep is exp(-dt/tau)", () => {
  assert.equal(decayPerStep(20, 1), Math.exp(-1 / 20));
  assert.throws(() => decayPerStep(-1, 1), /tau_ms must be > 0, got -1/);
});

test("the same seed and stream give the same sequence; other streams and seeds differ", () => {
  const draw = (seed: number, ...s: (string | number)[]) => {
    const r = createRng(seed, ...s);
    return Array.from({ length: 8 }, () => r.nextU32());
  };
  assert.deepEqual(draw(1, "poisson", 3), draw(1, "poisson", 3));
  assert.notDeepEqual(draw(1, "poisson", 3), draw(1, "poisson", 4));
  assert.notDeepEqual(draw(1, "poisson", 3), draw(2, "poisson", 3));
  assert.notDeepEqual(draw(1, "1"), draw(1, 1));
  // A stream's sequence does not depend on what was drawn from another stream first.
  const a = createRng(7, "x");
  createRng(7, "y").nextU32();
  assert.deepEqual(
    Array.from({ length: 4 }, () => a.nextU32()),
    draw(7, "x").slice(0, 4),
  );
});

test("uniform, normal and geometric draws have the right moments (seeded, 5 standard errors)", () => {
  const r = createRng(42, "moments");
  const n = 200_000;
  let s = 0;
  let s2 = 0;
  let g = 0;
  let z = 0;
  let z2 = 0;
  const p = 0.2;
  for (let i = 0; i < n; i++) {
    const u = r.float();
    assert.ok(u >= 0 && u < 1);
    s += u;
    s2 += u * u;
    const x = r.normal();
    z += x;
    z2 += x * x;
    g += r.geometric(p);
  }
  assert.ok(Math.abs(s / n - 0.5) < 5 * Math.sqrt(1 / 12 / n));
  assert.ok(Math.abs(s2 / n - 1 / 3) < 0.005);
  assert.ok(Math.abs(z / n) < 5 / Math.sqrt(n));
  assert.ok(Math.abs(z2 / n - 1) < 5 * Math.sqrt(2 / n));
  // geometric (failures before success): mean (1-p)/p = 4, variance (1-p)/p^2 = 20
  assert.ok(Math.abs(g / n - 4) < 5 * Math.sqrt(20 / n));
  assert.equal(r.geometric(1), 0);
  assert.equal(r.geometric(0), Infinity);
});

test("an unsafe integer seed is a typed error", () => {
  assert.throws(
    () => createRng(2 ** 60),
    (e: unknown) => e instanceof SpikeflowError && /safe integers/.test(e.message),
  );
});

test("the logger tags warnings with ids, can warn once and can mute an id", () => {
  const recs = captureLogs(() => {
    log.warn("demo-id", "first");
    log.warn("demo-once", "same", { once: true });
    log.warn("demo-once", "same", { once: true });
    muteWarning("demo-muted");
    log.warn("demo-muted", "hidden");
  });
  assert.deepEqual(
    recs.map((r) => [r.id, r.message]),
    [
      ["demo-id", "first"],
      ["demo-once", "same"],
    ],
  );
});

test("allocateBuffer refuses a length past 2^31 - 1 and turns a failed allocation into a typed error", () => {
  assert.throws(
    () => allocateBuffer(Int32Array, 2 ** 31, "the buffer x", "do y"),
    /^InvalidParameterError: the buffer x would need a buffer of 2147483648 entries \(8\.0 GiB\), more than the 2147483647 entries \(2\^31 - 1, the int32 index limit\) one buffer may hold; do y$/,
  );
  // an engine that runs out of memory throws a RangeError from the constructor
  class Unallocatable {
    static readonly BYTES_PER_ELEMENT = 4;
    constructor(_length: number) {
      throw new RangeError("Array buffer allocation failed");
    }
  }
  assert.throws(
    () => allocateBuffer(Unallocatable, 2 ** 28, "the buffer x", "do y"),
    /^InvalidParameterError: the buffer x needs a buffer of 268435456 entries \(1\.0 GiB\), and allocating it failed \(Array buffer allocation failed\): not enough memory; do y$/,
  );
  assert.equal(allocateBuffer(Float32Array, 3, "b", "f").length, 3);
  assert.throws(
    () => requireFloat32Factor("g", -1e39),
    /^InvalidParameterError: g = -1e\+39 is beyond the float32 range/,
  );
  assert.equal(requireFloat32Factor("g", -3e38), -3e38);
});

test("captureLogs refuses an async function, whose records after its first await it could not capture", () => {
  let resolved = false;
  assert.throws(
    () =>
      captureLogs((async () => {
        await Promise.resolve();
        resolved = true;
      }) as unknown as () => void),
    /^InvalidParameterError: captureLogs runs fn synchronously, but fn returned a Promise/,
  );
  assert.equal(resolved, false, "checked as soon as fn returned");
});
