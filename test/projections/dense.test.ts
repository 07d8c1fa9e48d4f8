import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError, NotFoundError, ShapeMismatchError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { LIF } from "../../src/neurons/lif.ts";
import { Input } from "../../src/neurons/input.ts";
import { Dense } from "../../src/projections/dense.ts";
import { FakePopulation } from "./fake-population.ts";
import { assertDeliveryMatches, assertViewMatches } from "./harness.ts";
import type { Triplet } from "./harness.ts";

function denseReference(M: number, N: number): Triplet[] {
  const ref: Triplet[] = [];
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) ref.push([i, j, i * N + j]);
  return ref;
}

test("a pre spike adds its row [pre][post] into the target's default port", () => {
  const src = new FakePopulation(2);
  const tgt = new LIF(3, 1);
  const d = new Dense(src, tgt, { weights: [1, 2, 3, 10, 20, 30] });

  src.fire([1]);
  d.deliver();

  assert.equal(d.port, "dv_mV");
  assert.deepEqual([...tgt.port("dv_mV")], [10, 20, 30]);
  assert.deepEqual([...tgt.port("i_nA")], [0, 0, 0]);
  assert.equal(d.get(1, 2), 30);
  assert.equal(d.get(0, 1), 2);
});

test("deliver matches a naive dense sum for random spike sets, and the view lists all synapses", () => {
  const src = new FakePopulation(17);
  const tgt = new FakePopulation(11, ["a", "b"]);
  const d = new Dense(src, tgt, {
    init: { kind: "uniform", lo: -1, hi: 1, rng: createRng(1, "w") },
    port: "b",
  });
  const ref = denseReference(17, 11);

  assertViewMatches(d, ref);
  assertDeliveryMatches(d, src, tgt, ref, createRng(1, "spikes"), 6);
  assert.equal(d.maxFanIn, 17);
  assert.equal(d.maxFanOut, 11);
  assert.ok(
    tgt.port("a").every((v) => v === 0),
    "the other port is untouched",
  );
});

test("uniform init draws within [lo, hi) and is reproducible from the seed", () => {
  const a = new Dense(new FakePopulation(20), new FakePopulation(30), {
    init: { kind: "uniform", lo: 0, hi: 0.3, rng: createRng(7, "w") },
  });
  const b = new Dense(new FakePopulation(20), new FakePopulation(30), {
    init: { kind: "uniform", lo: 0, hi: 0.3, rng: createRng(7, "w") },
  });

  assert.equal(a.w.length, 600);
  assert.ok(a.w.every((v) => v >= 0 && v < 0.3));
  assert.deepEqual(a.w, b.w);
});

test("weights are copied, never aliased, and constant init fills every entry", () => {
  const given = new Float32Array([1, 2, 3, 4]);
  const d = new Dense(new FakePopulation(2), new FakePopulation(2), { weights: given });
  d.set(0, 0, 9);

  const c = new Dense(new FakePopulation(2), new FakePopulation(3), {
    init: { kind: "constant", value: 0.5 },
  });

  assert.equal(given[0], 1);
  assert.equal(d.get(0, 0), 9);
  assert.deepEqual([...c.w], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
});

test("bad weights, ports and indices throw typed errors that say what is wrong", () => {
  const src = new FakePopulation(2);
  const tgt = new FakePopulation(3);
  assert.throws(
    () => new Dense(src, tgt, { weights: [1, 2, 3] }),
    (e: unknown) => e instanceof ShapeMismatchError && /length 3/.test(e.message) && /2 x 3/.test(e.message),
  );
  assert.throws(() => new Dense(src, tgt, {}), /exactly one of `weights` and `init`, got neither/);
  assert.throws(() => new Dense(src, tgt, { weights: [1, 2, 3, 4, NaN, 6] }), /weights\[4\]/);
  // a string has a length: it used to be read as an array of characters ("weights have length 1")
  assert.throws(
    () => new Dense(src, tgt, { weights: "1" as never }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      /^Dense.* weights must be a number \(every weight\) or an array of 6 numbers \(.*2 x 3.*\), got string "1"$/.test(
        e.message,
      ),
  );
  assert.throws(() => new Dense(src, tgt, { weights: 0, port: "nope" }), NotFoundError);
  const d = new Dense(src, tgt, { weights: 0 });
  assert.throws(() => d.get(2, 0), InvalidParameterError);
  assert.throws(() => d.set(0, 3, 1), /outside \[0, 2\) x \[0, 3\)/);
});

test("finite values that float32 cannot hold (1e39 -> Infinity) are refused wherever weights enter", () => {
  const src = new FakePopulation(1);
  const tgt = new FakePopulation(2);
  const beyond =
    /= 1e\+39 is beyond the float32 range \(magnitude up to 3\.4028234663852886e\+38\) it is stored in, where it would become Infinity; rescale it$/;
  assert.throws(() => new Dense(src, tgt, { weights: 1e39 }), beyond);
  assert.throws(
    () => new Dense(src, tgt, { weights: [0, -1e39] }),
    /weights\[1\] = -1e\+39 is beyond the float32 range/,
  );
  assert.throws(() => new Dense(src, tgt, { init: { kind: "constant", value: 1e39 } }), beyond);
  assert.throws(
    () => new Dense(src, tgt, { weights: 0, bounds: { wMin: 0, wMax: 1e39 } }),
    /bounds\.wMax = 1e\+39 is beyond the float32 range/,
  );
  assert.throws(
    () => new Dense(src, tgt, { init: { kind: "normal", mean: 3e38, sd: 3e38, rng: createRng(1, "w") } }),
    /init drew weight \d beyond the float32 range \(mean 3e\+38, sd 3e\+38\)/,
  );
  const d = new Dense(src, tgt, { weights: 0 });
  assert.throws(() => d.set(0, 1, 1e39), beyond);
  assert.deepEqual([...d.w], [0, 0], "nothing was written");
  // the largest float32 itself is fine
  assert.equal(new Dense(src, tgt, { weights: 3.4028234663852886e38 }).w[0], 3.4028234663852886e38);
});

test("unknown keys inside init and bounds are refused, naming the key", () => {
  const src = new FakePopulation(1);
  const tgt = new FakePopulation(2);
  assert.throws(
    () => new Dense(src, tgt, { init: { kind: "constant", value: 1, sd: 0.1 } as never }),
    /^InvalidParameterError: Dense init: unknown option "sd"; the valid options are kind, value, rng$/,
  );
  assert.throws(
    () => new Dense(src, tgt, { weights: 0, bounds: { wMin: 0, wMax: 1, clip: true } as never }),
    /^InvalidParameterError: bounds: unknown option "clip"; the valid options are wMin, wMax$/,
  );
  assert.throws(
    () => new Dense(src, tgt, { weights: 0, bounds: { min: 0, max: 1 } as never }),
    /bounds: unknown options "min" \(did you mean wMin\?\), "max" \(did you mean wMax\?\)/,
  );
  assert.throws(
    () => new Dense(src, tgt, { init: 0.5 as never }),
    /Dense init must be an object such as \{ kind: "uniform", lo, hi, rng \}, got number 0\.5/,
  );
  assert.throws(
    () => new Dense(src, tgt, { init: { kind: "gamma" } as never }),
    /init\.kind must be "uniform", "normal" or "constant", got "gamma"/,
  );
});

test("bounds: initial weights must lie inside, set() refuses values outside, clampAll() clamps", () => {
  const src = new FakePopulation(1);
  const tgt = new FakePopulation(3);
  assert.throws(
    () => new Dense(src, tgt, { weights: [0.5, 1.5, 0], bounds: { wMin: 0, wMax: 1 } }),
    (e: unknown) => e instanceof InvalidParameterError && /weight 1 is 1.5/.test(e.message),
  );
  assert.throws(
    () => new Dense(src, tgt, { weights: 0, bounds: { wMin: 1, wMax: 0 } }),
    /wMin \(1\) must be <= bounds.wMax/,
  );

  const d = new Dense(src, tgt, { weights: [0.5, 1, 0], bounds: { wMin: 0, wMax: 1 } });
  assert.throws(() => d.set(0, 0, 1.03), /outside bounds \[0, 1\]/);
  d.w[0] = 1.03;
  d.w[2] = -0.03;
  d.clampAll();

  assert.deepEqual([...d.w], [1, 1, 0]);
  assert.deepEqual(d.bounds, { wMin: 0, wMax: 1 });
  assert.deepEqual(d.rules, []);
  assert.equal(d.view, d);
});

test("a Dense without options, or with a random init but no generator, is refused with an example", () => {
  const a = new Input(2);
  const b = new LIF(2, 1);
  assert.throws(
    () => new Dense(a, b, undefined as never),
    /^InvalidParameterError: Dense needs an options object with its weights: `weights` \(a number or one value per synapse\) or `init`, e\.g\. \{ init: \{ kind: "uniform"/,
  );
  for (const init of [
    { kind: "uniform", lo: 0, hi: 1 },
    { kind: "normal", mean: 0, sd: 1 },
  ]) {
    assert.throws(
      () => new Dense(a, b, { init } as never),
      /^InvalidParameterError: Dense init needs a random generator: pass rng: createRng\(seed, "weights"\) in its options \(got no rng\)/,
    );
  }
});

test("a Dense projection of more weights than one buffer holds is refused up front, not with a raw RangeError", () => {
  assert.throws(
    () => new Dense(new Input(70000), new Input(70000), { weights: 1 }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      /would hold 4900000000 weights \(\[pre\]\[post\] = 70000 x 70000\), 18\.3 GiB of float32; the most one projection may hold is 536870912/.test(
        e.message,
      ),
  );
});
