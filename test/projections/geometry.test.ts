import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError, ShapeMismatchError } from "../../src/core/errors.ts";
import { buildPatchIndex, convOutputSize, resolveGeometry2d } from "../../src/projections/geometry.ts";

test("output sizes follow floor((in + 2p - k) / s) + 1 (case C27)", () => {
  assert.equal(convOutputSize(28, 12, 4, 0), 5);
  assert.equal(convOutputSize(28, 16, 4), 4);
  assert.equal(convOutputSize(28, 4, 2), 13);
  assert.equal(convOutputSize(28, 5, 2), 12); // 23 / 2 is floored
  assert.equal(convOutputSize(28, 5, 3, 2), 10);
});

test("1-D chain: length 10, kernel 3 gives 8, then kernel 3 again gives 6 (case C27)", () => {
  const first = convOutputSize(10, 3);

  const second = convOutputSize(first, 3);

  assert.equal(first, 8);
  assert.equal(second, 6);
});

test("a kernel larger than the padded input is a ShapeMismatchError naming the sizes and the formula", () => {
  assert.throws(
    () => convOutputSize(4, 7, 1, 1),
    (e: unknown) =>
      e instanceof ShapeMismatchError &&
      /kernel 7/.test(e.message) &&
      /4 \+ 2 \* 1 = 6/.test(e.message) &&
      /floor\(\(in \+ 2p - k\) \/ s\) \+ 1/.test(e.message),
  );
  assert.equal(convOutputSize(4, 6, 1, 1), 1);
});

test("non-integer or out-of-range geometry is rejected", () => {
  assert.throws(() => convOutputSize(28, 0), InvalidParameterError);
  assert.throws(() => convOutputSize(28, 3, 0), InvalidParameterError);
  assert.throws(() => convOutputSize(28, 3, 1, -1), InvalidParameterError);
  assert.throws(() => convOutputSize(28.5, 3), InvalidParameterError);
  assert.throws(
    () => resolveGeometry2d({ inputShape: [28, 28] as unknown as [number, number, number], kernel: 3 }),
    /\[channels, height, width\]/,
  );
  assert.throws(
    () => resolveGeometry2d({ inputShape: [1, 28, 28], kernel: [3, 3, 3] as unknown as [number, number] }),
    InvalidParameterError,
  );
  // an array of the wrong length is shown as an array, not as the number it prints like
  assert.throws(
    () => resolveGeometry2d({ inputShape: [1, 28, 28], kernel: [3] as unknown as [number, number] }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      /kernel must be a number or a pair \[rows, columns\], got an Array of length 1/.test(e.message),
  );
});

test("resolveGeometry2d expands scalars to pairs and computes both axes", () => {
  const g = resolveGeometry2d({ inputShape: [2, 28, 20], kernel: [5, 4], stride: [3, 2], padding: 2 });

  assert.deepEqual(
    { ...g },
    { C: 2, H: 28, W: 20, kh: 5, kw: 4, sh: 3, sw: 2, ph: 2, pw: 2, Ho: 10, Wo: 11 },
  );
  assert.ok(Object.isFrozen(g));
});

test("the patch index lists every (location, kernel offset) covering each position exactly once", () => {
  const g = resolveGeometry2d({ inputShape: [1, 5, 6], kernel: [3, 2], stride: [2, 1], padding: [1, 0] });
  const idx = buildPatchIndex(g);
  const expected = new Map<number, string[]>();
  for (let oy = 0; oy < g.Ho; oy++)
    for (let ox = 0; ox < g.Wo; ox++)
      for (let ky = 0; ky < g.kh; ky++)
        for (let kx = 0; kx < g.kw; kx++) {
          const y = oy * g.sh - g.ph + ky;
          const x = ox * g.sw - g.pw + kx;
          if (y < 0 || y >= g.H || x < 0 || x >= g.W) continue;
          const s = y * g.W + x;
          expected.set(s, [...(expected.get(s) ?? []), `${oy * g.Wo + ox}:${ky * g.kw + kx}`]);
        }

  let max = 0;
  for (let s = 0; s < g.H * g.W; s++) {
    const got: string[] = [];
    for (let e = idx.ptr[s]; e < idx.ptr[s + 1]; e++) got.push(`${idx.loc[e]}:${idx.koff[e]}`);
    assert.deepEqual(got.sort(), (expected.get(s) ?? []).sort(), `position ${s}`);
    max = Math.max(max, got.length);
  }
  assert.equal(idx.maxPerPosition, max);
});
