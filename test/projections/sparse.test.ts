import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError, ShapeMismatchError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { Input } from "../../src/neurons/input.ts";
import { MAX_SYNAPSES, Sparse } from "../../src/projections/sparse.ts";
import { FakePopulation } from "./fake-population.ts";
import { assertDeliveryMatches, assertViewMatches } from "./harness.ts";
import type { Triplet } from "./harness.ts";

/** Reference synapses of a CSR projection: the documented order is lexicographic (pre, post). */
function csrReference(pairs: ReadonlyArray<readonly [number, number]>): Triplet[] {
  return [...pairs].sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([i, j], k) => [i, j, k] as const);
}

test("fromTriplets sorts into CSR by pre, ascending post within a row", () => {
  const s = Sparse.fromTriplets(new FakePopulation(3), new FakePopulation(4), {
    pre: [2, 0, 2, 0],
    post: [1, 3, 0, 0],
    w: [0.5, 0.25, 0.75, 1],
  });

  assert.deepEqual([...s.rowPtr], [0, 2, 2, 4]);
  assert.deepEqual([...s.colIdx], [0, 3, 0, 1]);
  assert.deepEqual([...s.w], [1, 0.25, 0.75, 0.5]);
  assert.equal(s.nnz, 4);
  assert.equal(s.maxFanOut, 2);
  assert.equal(s.maxFanIn, 2); // post 0 has pre 0 and pre 2
});

test("deliver matches a naive sum for random spike sets, and incoming/outgoing list the same synapses", () => {
  const rng = createRng(3, "triplets");
  const pairs = new Map<string, [number, number]>();
  while (pairs.size < 120) {
    const i = rng.int(25);
    const j = rng.int(19);
    pairs.set(`${i},${j}`, [i, j]);
  }
  const list = [...pairs.values()];
  const src = new FakePopulation(25);
  const tgt = new FakePopulation(19);
  const s = Sparse.fromTriplets(src, tgt, {
    pre: list.map((p) => p[0]),
    post: list.map((p) => p[1]),
    w: list.map(() => rng.uniform(-1, 1)),
  });
  const ref = csrReference(list);

  assertViewMatches(s, ref);
  assertDeliveryMatches(s, src, tgt, ref, createRng(3, "spikes"), 6);
});

test("duplicate pairs are rejected by default, naming the pair and both triplets, or summed on request", () => {
  const t = { pre: [1, 0, 1], post: [2, 0, 2], w: [0.5, 1, 0.25] };
  assert.throws(
    () => Sparse.fromTriplets(new FakePopulation(2), new FakePopulation(3), t),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      /\(1, 2\) appears twice \(triplets 0 and 2\)/.test(e.message) &&
      /duplicates: "sum"/.test(e.message),
  );

  const s = Sparse.fromTriplets(new FakePopulation(2), new FakePopulation(3), t, { duplicates: "sum" });

  assert.deepEqual([...s.colIdx], [0, 2]);
  assert.deepEqual([...s.w], [1, 0.75]);

  // each entry fits float32, their sum does not: the error names the synapse and its triplets, not a CSR
  // slot; the whole sum is checked, so the order of the triplets does not matter
  const big = { pre: [0, 1, 1], post: [0, 2, 2], w: [1, 3e38, 3e38] };
  assert.throws(
    () => Sparse.fromTriplets(new FakePopulation(2), new FakePopulation(3), big, { duplicates: "sum" }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      /^the summed weight of synapse \(1, 2\) \(triplets 1, 2\) = 6e\+38 is beyond the float32 range/.test(
        e.message,
      ),
  );
  for (const ws of [
    [3e38, 3e38, -3e38],
    [3e38, -3e38, 3e38],
  ]) {
    const s3 = Sparse.fromTriplets(
      new FakePopulation(1),
      new FakePopulation(1),
      { pre: [0, 0, 0], post: [0, 0, 0], w: ws },
      { duplicates: "sum" },
    );
    assert.deepEqual([...s3.w], [Math.fround(3e38)], `${ws.join(", ")} sums to 3e38 in any order`);
  }
});

test("triplets outside the populations and inconsistent CSR arrays are rejected", () => {
  const a = new FakePopulation(2);
  const b = new FakePopulation(3);
  assert.throws(
    () => Sparse.fromTriplets(a, b, { pre: [0], post: [3], w: 1 }),
    /\(0, 3\) is outside \[0, 2\) x \[0, 3\)/,
  );
  assert.throws(() => Sparse.fromTriplets(a, b, { pre: [0, 1], post: [0], w: 1 }), ShapeMismatchError);
  assert.throws(() => new Sparse(a, b, { rowPtr: [0, 1], colIdx: [0], w: [1] }), /needs 3 \(pre \+ 1\)/);
  assert.throws(
    () => new Sparse(a, b, { rowPtr: [0, 2, 2], colIdx: [2, 1], w: [1, 1] }),
    /strictly ascending/,
  );
  assert.throws(() => new Sparse(a, b, { rowPtr: [0, 1, 1], colIdx: [5], w: [1] }), /colIdx\[0\] = 5/);
  assert.throws(() => new Sparse(a, b, { rowPtr: [0, 1, 2], colIdx: [0], w: [1] }), ShapeMismatchError);
});

test("the CSR constructor copies its inputs", () => {
  const rowPtr = new Int32Array([0, 1, 2]);
  const colIdx = new Int32Array([1, 0]);
  const w = new Float32Array([0.5, 0.25]);
  const s = new Sparse(new FakePopulation(2), new FakePopulation(2), { rowPtr, colIdx, w });

  s.w[0] = 9;

  assert.equal(w[0], 0.5);
  assert.notEqual(s.rowPtr, rowPtr);
});

test("random with p = 1 is all-to-all; on one population it skips i -> i unless allowSelf", () => {
  const a = new FakePopulation(6);
  const b = new FakePopulation(4);
  const rng = createRng(5, "conn");

  const full = Sparse.random(a, b, { p: 1, weight: 0.5, rng });
  const rec = Sparse.random(a, a, { p: 1, weight: 0.5, rng });
  const recSelf = Sparse.random(a, a, { p: 1, weight: 0.5, rng, allowSelf: true });
  const none = Sparse.random(a, b, { p: 0, weight: 0.5, rng });

  assert.equal(full.nnz, 24);
  assert.equal(rec.nnz, 30);
  for (let i = 0; i < 6; i++) {
    const row = [...rec.colIdx.subarray(rec.rowPtr[i], rec.rowPtr[i + 1])];
    assert.deepEqual(
      row,
      [0, 1, 2, 3, 4, 5].filter((j) => j !== i),
    );
  }
  assert.equal(recSelf.nnz, 36);
  assert.equal(none.nnz, 0);
  assert.equal(none.maxFanIn, 0);
});

test("random connects each pair with probability p: counts per column within 3 sd of M p", () => {
  // Each column j receives Binomial(M, p) synapses; sd = sqrt(M p (1 - p)). Column 0 checks that geometric
  // skipping can select the first post neuron (an off-by-one would leave it empty).
  const M = 2000;
  const N = 5;
  const p = 0.3;
  const s = Sparse.random(new FakePopulation(M), new FakePopulation(N), {
    p,
    weight: 1,
    rng: createRng(11, "conn"),
  });
  const perColumn = new Array(N).fill(0);
  for (const j of s.colIdx) perColumn[j]++;
  const sd = Math.sqrt(M * p * (1 - p));

  for (let j = 0; j < N; j++)
    assert.ok(Math.abs(perColumn[j] - M * p) < 3 * sd, `column ${j}: ${perColumn[j]}`);
});

test("random is reproducible from the seed and draws weights from a function or an initialiser", () => {
  const a = new FakePopulation(40);
  const b = new FakePopulation(30);
  const s1 = Sparse.random(a, b, { p: 0.2, weight: (i, j) => i + j / 100, rng: createRng(2, "c") });
  const s2 = Sparse.random(a, b, { p: 0.2, weight: (i, j) => i + j / 100, rng: createRng(2, "c") });
  const s3 = Sparse.random(a, b, {
    p: 0.2,
    weight: { kind: "uniform", lo: 0, hi: 0.1, rng: createRng(2, "w") },
    rng: createRng(2, "c"),
    bounds: { wMin: 0, wMax: 0.1 },
  });

  assert.deepEqual(s1.colIdx, s2.colIdx);
  assert.deepEqual(s1.rowPtr, s3.rowPtr);
  for (let i = 0; i < 40; i++)
    for (let k = s1.rowPtr[i]; k < s1.rowPtr[i + 1]; k++)
      assert.equal(s1.w[k], Math.fround(i + s1.colIdx[k] / 100));
  assert.ok(s3.w.every((v) => v >= 0 && v < 0.1));
  assert.throws(
    () => Sparse.random(a, b, { p: 1.5, weight: 1, rng: createRng(1) }),
    /p must be in \[0, 1\], got 1.5/,
  );
});

test("random projections deliver like their own synapse list", () => {
  const src = new FakePopulation(30);
  const tgt = new FakePopulation(30);
  const s = Sparse.random(src, tgt, {
    p: 0.15,
    weight: { kind: "normal", mean: 0, sd: 1, rng: createRng(4, "w") },
    rng: createRng(4, "c"),
  });
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < 30; i++)
    for (let k = s.rowPtr[i]; k < s.rowPtr[i + 1]; k++) pairs.push([i, s.colIdx[k]]);

  assertViewMatches(s, csrReference(pairs));
  assertDeliveryMatches(s, src, tgt, csrReference(pairs), createRng(4, "spikes"));
});

/** The pre neurons of every post neuron of a Sparse projection, ascending. */
function presOfPost(s: Sparse, N: number): number[][] {
  const pres: number[][] = Array.from({ length: N }, () => []);
  for (let i = 0; i + 1 < s.rowPtr.length; i++) {
    for (let e = s.rowPtr[i]; e < s.rowPtr[i + 1]; e++) pres[s.colIdx[e]].push(i);
  }
  return pres;
}

test("fixedInDegree gives every post neuron exactly k distinct pre neurons, without i -> i on one population", () => {
  const pre = new FakePopulation(50);
  const post = new FakePopulation(40);
  const s = Sparse.fixedInDegree(pre, post, { k: 7, weight: 0.5, rng: createRng(3, "c") });
  assert.equal(s.nnz, 40 * 7);
  for (const list of presOfPost(s, 40)) {
    assert.equal(list.length, 7);
    assert.equal(new Set(list).size, 7, "distinct");
    assert.ok(list.every((i) => i >= 0 && i < 50));
  }
  const one = new FakePopulation(20);
  const self = Sparse.fixedInDegree(one, one, { k: 19, weight: 1, rng: createRng(4, "c") });
  presOfPost(self, 20).forEach((list, j) => {
    assert.equal(list.length, 19);
    assert.ok(!list.includes(j), `no ${j} -> ${j}`);
  });
  const withSelf = Sparse.fixedInDegree(one, one, {
    k: 20,
    weight: 1,
    rng: createRng(4, "c"),
    allowSelf: true,
  });
  assert.equal(withSelf.nnz, 400, "k = the whole source with allowSelf: all to all");
  assert.equal(Sparse.fixedInDegree(pre, post, { k: 0, weight: 1, rng: createRng(1, "c") }).nnz, 0);
});

test("fixedInDegree draws uniformly: each pre neuron's out-degree is within 4 sd of N k / M", () => {
  // out-degree of pre i is a sum of N independent Bernoulli(k / M) draws (one per post neuron)
  const M = 200;
  const N = 500;
  const k = 20;
  const s = Sparse.fixedInDegree(new FakePopulation(M), new FakePopulation(N), {
    k,
    weight: 1,
    rng: createRng(2000, "brunel"),
  });
  const q = k / M;
  const mean = N * q;
  const sd = Math.sqrt(N * q * (1 - q));
  for (let i = 0; i < M; i++) {
    const out = s.rowPtr[i + 1] - s.rowPtr[i];
    assert.ok(Math.abs(out - mean) < 4 * sd, `pre ${i}: ${out} vs ${mean} +- ${sd.toFixed(2)}`);
  }
});

test("fixedInDegree is reproducible from its seed, takes weight functions and initialisers, and names bad options", () => {
  const pre = new FakePopulation(30);
  const post = new FakePopulation(10);
  const a = Sparse.fixedInDegree(pre, post, { k: 5, weight: (i, j) => i + j / 100, rng: createRng(9, "c") });
  const b = Sparse.fixedInDegree(pre, post, { k: 5, weight: (i, j) => i + j / 100, rng: createRng(9, "c") });
  assert.deepEqual(
    [Array.from(a.rowPtr), Array.from(a.colIdx), Array.from(a.w)],
    [Array.from(b.rowPtr), Array.from(b.colIdx), Array.from(b.w)],
  );
  for (let i = 0; i < 30; i++) {
    for (let e = a.rowPtr[i]; e < a.rowPtr[i + 1]; e++)
      assert.equal(a.w[e], Math.fround(i + a.colIdx[e] / 100));
  }
  const c = Sparse.fixedInDegree(pre, post, { k: 5, weight: 1, rng: createRng(10, "c") });
  assert.notDeepEqual(Array.from(c.colIdx), Array.from(a.colIdx), "another seed, another draw");
  const u = Sparse.fixedInDegree(pre, post, {
    k: 5,
    weight: { kind: "uniform", lo: 0, hi: 1, rng: createRng(1, "w") },
    rng: createRng(9, "c"),
  });
  assert.ok(Array.from(u.w).every((x) => x >= 0 && x < 1));
  assert.throws(
    () => Sparse.fixedInDegree(pre, post, { k: 31, weight: 1, rng: createRng(1, "c") }),
    /^InvalidParameterError: Sparse\.fixedInDegree: k must be a whole number from 0 to 30 \(the source's 30 neurons\), got number 31$/,
  );
  assert.throws(
    () => Sparse.fixedInDegree(pre, pre, { k: 30, weight: 1, rng: createRng(1, "c") }),
    /k must be a whole number from 0 to 29 \(the source's 30 neurons, less the neuron itself\), got number 30$/,
  );
  assert.throws(
    () => Sparse.fixedInDegree(pre, post, { k: 2.5, weight: 1, rng: createRng(1, "c") }),
    /k must be a whole number from 0 to 30/,
  );
  assert.throws(
    () => Sparse.fixedInDegree(pre, post, { k: 2, rng: createRng(1, "c") } as never),
    /^InvalidParameterError: Sparse\.fixedInDegree needs weight: one number/,
  );
  assert.throws(
    () => Sparse.fixedInDegree(pre, post, { k: 2, weight: 1, rng: createRng(1, "c"), indegree: 3 } as never),
    /unknown option "indegree"/,
  );
  assert.throws(
    () => (Sparse.fixedInDegree as (...x: unknown[]) => unknown)(pre, post),
    /needs its options \{ k, weight, rng \}/,
  );
});

test("Sparse factories refuse a non-boolean allowSelf and a weight of another kind, naming the option", () => {
  const one = new FakePopulation(4);
  for (const [name, make] of [
    [
      "Sparse.random",
      (o: object) => Sparse.random(one, one, { p: 0.5, weight: 1, rng: createRng(1, "c"), ...o }),
    ],
    [
      "Sparse.fixedInDegree",
      (o: object) => Sparse.fixedInDegree(one, one, { k: 2, weight: 1, rng: createRng(1, "c"), ...o }),
    ],
  ] as const) {
    assert.throws(
      () => make({ allowSelf: "yes" }),
      new RegExp(
        `^InvalidParameterError: ${name.replace(".", "\\.")}: allowSelf must be true or false, got string "yes"$`,
      ),
    );
    assert.throws(
      () => make({ weight: "1" }),
      new RegExp(
        `^InvalidParameterError: ${name.replace(".", "\\.")} weight must be one number, an initialiser .* or a function \\(pre, post\\) => weight, got string "1"$`,
      ),
    );
  }
  assert.throws(
    () =>
      Sparse.fixedInDegree(new FakePopulation(1), new FakePopulation(2), {
        k: 2,
        weight: 1,
        rng: createRng(1, "c"),
      }),
    /k must be a whole number from 0 to 1 \(the source's 1 neuron\), got number 2$/,
  );
});

test("connectivity beyond 2^31 - 1 synapses is refused up front by every builder, naming the count and the limit", () => {
  const rng = createRng(1, "c");
  const big = (n: number) => new Input(n);
  const refused = (count: string) => (e: unknown) =>
    e instanceof InvalidParameterError &&
    e.message.includes(
      ` ${count} synapses, more than the 2147483647 (2^31 - 1) one Sparse projection can hold`,
    ) &&
    /use fewer neurons, .*, or several projections/.test(e.message);
  // p = 1: exact (was a raw RangeError: Invalid typed array length: 5145000016)
  assert.throws(() => Sparse.random(big(70000), big(70000), { p: 1, weight: 1, rng }), refused("4900000000"));
  const self = big(50000);
  assert.throws(
    () => Sparse.random(self, self, { p: 1, weight: 1, rng }),
    (e: unknown) => refused("2499950000")(e) && /50000 x 50000 \(less self\) neuron pairs/.test(String(e)),
  );
  // random: refused before drawing (it ran for minutes), naming the expected count and a smaller p
  assert.throws(
    () => Sparse.random(big(50000), big(50000), { p: 0.9, weight: 1, rng }),
    (e: unknown) =>
      refused("2250000000")(e) &&
      /p = 0\.9 over 50000 x 50000 neuron pairs gives about/.test(String(e)) &&
      /a smaller p/.test(String(e)),
  );
  // just below the limit on average, but a draw could exceed it: refused too
  assert.throws(
    () => Sparse.random(big(50000), big(50000), { p: 0.85899, weight: 1, rng }),
    refused("2147483648"),
  );
  assert.throws(
    () => Sparse.fixedInDegree(big(70000), big(40000), { k: 60000, weight: 1, rng }),
    (e: unknown) => refused("2400000000")(e) && /k = 60000 for each of 40000 target neurons/.test(String(e)),
  );
  // lists of 2^31 entries without allocating them (holey arrays)
  const hole = (): number[] => {
    const a: number[] = [];
    a.length = 2 ** 31;
    return a;
  };
  assert.throws(
    () => Sparse.fromTriplets(big(2), big(2), { pre: hole(), post: hole(), w: 1 }),
    (e: unknown) => refused("2147483648")(e) && /Sparse\.fromTriplets: the triplets list/.test(String(e)),
  );
  assert.throws(
    () => new Sparse(big(1), big(2), { rowPtr: [0, 0], colIdx: hole(), w: hole() }),
    (e: unknown) => refused("2147483648")(e) && /new Sparse: the CSR arrays list/.test(String(e)),
  );
  assert.equal(MAX_SYNAPSES, 2 ** 31 - 1);
});

test("an option or an unknown field in the triplets object is refused (it was ignored), saying where it belongs", () => {
  const P = new FakePopulation(2);
  const Q = new FakePopulation(2);
  const data = { pre: [0, 1], post: [1, 0], w: [1, 2] };
  assert.throws(
    () => Sparse.fromTriplets(P, Q, { ...data, delay_ms: 3 } as never),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message ===
        'Sparse.fromTriplets triplets: "delay_ms" is an option, not part of the data, which has only pre, post, ' +
          "w; options belong in the options argument: Sparse.fromTriplets(source, target, { pre, post, w }, " +
          "{ delay_ms: 3 })",
  );
  assert.throws(
    () => Sparse.fromTriplets(P, Q, { ...data, delay_ms: 3, dt_ms: 0.1 } as never),
    /"delay_ms", "dt_ms" are options, .*\{ pre, post, w \}, \{ delay_ms: 3, dt_ms: 0\.1 \}\)$/,
  );
  assert.throws(
    () => Sparse.fromTriplets(P, Q, { ...data, delay: 3 } as never),
    /"delay" \(delay_ms\?\) is an option, .*\{ delay_ms: 3 \}\)$/,
  );
  assert.throws(
    () => Sparse.fromTriplets(P, Q, { ...data, duplicates: "sum" } as never),
    /"duplicates" is an option, .*\{ duplicates: "sum" \}\)$/,
  );
  assert.throws(
    () => Sparse.fromTriplets(P, Q, { ...data, bounds: { lo: 0, hi: 1 } } as never),
    /"bounds" is an option, .*\{ bounds: \.\.\. \}\)$/,
  );
  assert.throws(
    () => Sparse.fromTriplets(P, Q, { ...data, wieght: [1, 2] } as never),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message ===
        'Sparse.fromTriplets triplets: unknown field "wieght" (did you mean w?); the fields are pre, post, w, ' +
          "and the options (port, bounds, delay_ms, dt_ms, duplicates) go in the options argument",
  );
  assert.throws(
    () => Sparse.fromTriplets(P, Q, { pre: [0], post: [1], weights: [1] } as never),
    /unknown field "weights" \(did you mean w\?\)/,
  );
  assert.throws(
    () => Sparse.fromTriplets(P, Q, { ...data, posts: [1] } as never),
    /unknown field "posts" \(did you mean post\?\)/,
  );
  // in the options argument, the delay applies
  assert.equal(Sparse.fromTriplets(P, Q, data, { delay_ms: 3, dt_ms: 0.1 }).delaySteps, 30);
  // the CSR arrays may carry other fields (the NIR importer's map has rows and cols), but not options
  const csr = { rowPtr: [0, 1, 1], colIdx: [1], w: [1] };
  assert.equal(new Sparse(P, Q, { ...csr, rows: 2, cols: 2 } as never).nnz, 1);
  assert.throws(
    () => new Sparse(P, Q, { ...csr, delay_ms: 2 } as never),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message ===
        'Sparse CSR arrays: "delay_ms" is an option, not part of the data, which has only rowPtr, colIdx, w; ' +
          "options belong in the options argument: new Sparse(source, target, { rowPtr, colIdx, w }, " +
          "{ delay_ms: 2 })",
  );
  assert.throws(() => new Sparse(P, Q, { ...csr, port: "ge" } as never), /"port" is an option/);
});

test("indices beyond int32 are refused as given, not wrapped into a neuron (2^32 would become 0)", () => {
  const [P, Q] = [new FakePopulation(2), new FakePopulation(3)];
  const refused = (f: () => unknown, text: RegExp): void => {
    assert.throws(f, (e: unknown) => e instanceof InvalidParameterError && text.test(e.message));
  };
  refused(
    () => Sparse.fromTriplets(P, Q, { pre: [2 ** 32], post: [2], w: [1] }),
    /pre\[0\] = 4294967296 is outside the range of an index/,
  );
  refused(
    () => Sparse.fromTriplets(P, Q, { pre: [0], post: [-(2 ** 32)], w: [1] }),
    /post\[0\] = -4294967296 is outside/,
  );
  refused(
    () => Sparse.fromTriplets(P, Q, { pre: [0], post: [2 ** 31], w: [1] }),
    /post\[0\] = 2147483648 is outside/,
  );
  refused(
    () => new Sparse(P, Q, { rowPtr: [0, 1, 2], colIdx: [2 ** 32, 1], w: [1, 2] }),
    /colIdx\[0\] = 4294967296 is outside/,
  );
  refused(
    () => new Sparse(P, Q, { rowPtr: [0, 3e9, 3e9], colIdx: [0, 1], w: [1, 2] }),
    /rowPtr\[1\] = 3000000000 is outside/,
  );
  // the largest int32 still reaches the range check of the projection, with its own value
  refused(
    () => Sparse.fromTriplets(P, Q, { pre: [0], post: [2 ** 31 - 1], w: [1] }),
    /triplet 0 = \(0, 2147483647\) is outside \[0, 2\) x \[0, 3\)/,
  );
});

test("Sparse.random names itself when p is not a number; one-sided bounds say both are needed and how", () => {
  const [P, Q] = [new FakePopulation(2), new FakePopulation(3)];
  assert.throws(
    () => Sparse.random(P, Q, { p: NaN, weight: 1, rng: createRng(1, "t") }),
    (e: unknown) =>
      e instanceof InvalidParameterError && /^Sparse\.random: p must be a finite number/.test(e.message),
  );
  const triplets = { pre: [0], post: [1], w: [0.5] };
  assert.throws(
    () => Sparse.fromTriplets(P, Q, triplets, { bounds: { wMax: 1 } as never }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      /bounds needs both wMin and wMax, got no wMin.*\{ wMin: -3\.4e38, wMax: 1 \}/.test(e.message),
  );
  assert.throws(
    () => Sparse.fromTriplets(P, Q, triplets, { bounds: { wMin: 0 } as never }),
    /got no wMax.*\{ wMin: 0, wMax: 3\.4e38 \}/,
  );
  // the suggested open side is a valid bound
  const s = Sparse.fromTriplets(P, Q, triplets, { bounds: { wMin: 0, wMax: 3.4e38 } });
  assert.equal(s.bounds?.wMax, 3.4e38);
});
