import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError } from "../../src/core/errors.ts";
import { Rng, createRng } from "../../src/core/rng.ts";

/** Asserts that `f` throws an InvalidParameterError whose message matches every pattern. */
function throwsInvalid(f: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof InvalidParameterError, `expected an InvalidParameterError, got ${String(e)}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

test("the streams are pinned: the same numbers as before argument checks were added", () => {
  // Seeded results must stay bit-identical; these values were drawn before Rng checked its arguments.
  const r = createRng(1, "poisson", 3);
  assert.deepEqual([r.nextU32(), r.nextU32(), r.nextU32()], [4061980442, 3324698192, 225569611]);
  assert.deepEqual([r.int(10), r.int(1), r.int(2 ** 32)], [0, 0, 2259851953]);
  assert.deepEqual([r.geometric(0.1), r.geometric(0.5), r.geometric(1), r.geometric(0)], [5, 0, 0, Infinity]);
  assert.deepEqual([r.bernoulli(0.5), r.bernoulli(0), r.bernoulli(1)], [false, false, true]);
  assert.deepEqual([r.uniform(-1, 2), r.uniform(3, 3)], [-0.8849316106643528, 3]);
  assert.equal(createRng(-5, "", 0, "x").nextU32(), 1085816510);
  assert.equal(createRng(0).nextU32(), 3875239877);
  assert.equal(createRng(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER).nextU32(), 1181834952);
});

test("a seed that is not a safe integer is refused, naming the seed and what was given", () => {
  const bad: [unknown, RegExp][] = [
    [{}, /got an object with keys \[\]/],
    [true, /got boolean true/],
    [undefined, /got undefined/],
    [null, /got null/],
    ["1", /got string "1"/],
    [[1], /got an Array of length 1/],
    [1.5, /must be an integer, got 1\.5/],
    [NaN, /must be an integer, got NaN/],
    [2 ** 53, /the seed must be a safe integer \(\|x\| <= 2\^53 - 1\), got 9007199254740992;/],
    [2 ** 60, /safe integers/],
  ];
  for (const [seed, pattern] of bad) {
    throwsInvalid(() => createRng(seed as number), /^createRng: the seed must be/, pattern);
  }
});

test("a stream key part that is not a string or a safe integer is refused, naming its position", () => {
  // {} and true used to hash like "" and 1 and null threw a raw TypeError.
  throwsInvalid(
    () => createRng(1, {} as string),
    /^createRng: stream key part 0 \(argument 2\) must be a string or a safe integer, got an object with keys \[\]/,
  );
  throwsInvalid(
    () => createRng(1, "a", true as unknown as string),
    /stream key part 1 \(argument 3\)/,
    /boolean true/,
  );
  throwsInvalid(() => createRng(1, null as unknown as string), /stream key part 0 .* got null/);
  throwsInvalid(() => createRng(1, undefined as unknown as string), /got undefined/);
  throwsInvalid(
    () => createRng(1, "x", 2.5),
    /stream key part 1 \(argument 3\) must be an integer, got 2\.5/,
  );
  // the documented kinds still work, and a string is not the number it spells
  assert.notEqual(createRng(1, "1").nextU32(), createRng(1, 1).nextU32());
  assert.notEqual(createRng(1, "").nextU32(), createRng(1).nextU32());
});

test("the Rng constructor takes a 32-bit unsigned key only", () => {
  throwsInvalid(() => new Rng(-1), /^Rng: key must be an integer from 0 to 2\^32 - 1, got -1; .*createRng/);
  throwsInvalid(() => new Rng({} as number), /got an object with keys \[\]/);
  throwsInvalid(() => new Rng(2 ** 32), /got 4294967296/);
  assert.equal(typeof new Rng(0xffffffff).nextU32(), "number");
});

test("int(n) needs an integer n from 1 to 2^32", () => {
  const r = createRng(1, "int");
  for (const n of [0, -3, 1.5, NaN, Infinity, 2 ** 32 + 1]) {
    throwsInvalid(
      () => r.int(n),
      new RegExp(`^Rng\\.int: n must be an integer from 1 to 2\\^32 .*got ${String(n)}$`),
    );
  }
  throwsInvalid(() => r.int("3" as unknown as number), /got string "3"/);
  for (let k = 0; k < 100; k++) assert.ok(r.int(3) >= 0 && r.int(3) < 3);
});

test("geometric(p) and bernoulli(p) need a probability in [0, 1]", () => {
  const r = createRng(1, "p");
  for (const p of [NaN, 1.5, -0.1, Infinity, -Infinity]) {
    throwsInvalid(
      () => r.geometric(p),
      new RegExp(`^Rng\\.geometric: p is a probability and must be in \\[0, 1\\], got ${p}$`),
    );
    throwsInvalid(() => r.bernoulli(p), new RegExp(`^Rng\\.bernoulli: p .* got ${p}$`));
  }
  assert.equal(r.geometric(1), 0);
  assert.equal(r.geometric(0), Infinity);
  assert.equal(r.geometric(-0), Infinity);
});

test("uniform(lo, hi) needs finite bounds with lo <= hi; shuffle needs an array", () => {
  const r = createRng(1, "u");
  throwsInvalid(() => r.uniform(2, 1), /^Rng\.uniform: .*lo <= hi, got lo = 2, hi = 1$/);
  throwsInvalid(() => r.uniform(0, Infinity), /got lo = 0, hi = Infinity/);
  throwsInvalid(() => r.uniform(NaN, 1), /got lo = NaN, hi = 1/);
  throwsInvalid(
    () => r.shuffle(5 as unknown as number[]),
    /^Rng\.shuffle takes an Array or typed array .*got number 5$/,
  );
  const a = [1, 2, 3, 4];
  r.shuffle(a);
  assert.deepEqual([...a].sort(), [1, 2, 3, 4]);
});
