/**
 * Projections, rules and monitors called without the options they need, or with them misnamed, get a typed
 * error that says what to pass (a tester saw raw TypeErrors: "Cannot read properties of undefined").
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { StateMonitor } from "../../src/network/monitors.ts";
import { DoubleExpLIF } from "../../src/neurons/double-exp-lif.ts";
import { Input } from "../../src/neurons/input.ts";
import { LIF } from "../../src/neurons/lif.ts";
import { postPre } from "../../src/plasticity/stdp.ts";
import { AvgPool2d } from "../../src/projections/avg-pool-2d.ts";
import { Bias } from "../../src/projections/bias.ts";
import { RateCoupling } from "../../src/projections/rate-coupling.ts";
import { Sparse } from "../../src/projections/sparse.ts";
import { SumPool2d } from "../../src/projections/sum-pool-2d.ts";

const refused = (make: () => unknown, message: string) =>
  assert.throws(make, (e: unknown) => {
    assert.ok(e instanceof InvalidParameterError, `an InvalidParameterError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
const any = (f: unknown) => f as (...a: unknown[]) => unknown;
const build =
  (C: unknown) =>
  (...a: unknown[]) =>
    new (C as new (...b: unknown[]) => unknown)(...a);

test("Sparse: missing or misnamed CSR arrays, triplets and random options name what to pass", () => {
  const x = new Input(4);
  const y = new LIF(4, 1);
  refused(
    () => build(Sparse)(x, y, {}),
    "Sparse CSR arrays: rowPtr must be a list of numbers, got undefined; pass { rowPtr, colIdx, w }",
  );
  refused(
    () => build(Sparse)(x, y, { rowPtr: [0, 1, 1, 1, 1], col: [0], w: [1] }),
    'Sparse CSR arrays: unknown option "col" (did you mean colIdx?); the valid options are rowPtr, colIdx, w',
  );
  refused(
    () => any(Sparse.fromTriplets)(x, y),
    "Sparse.fromTriplets triplets must be { pre, post, w } with one entry per synapse (w may be one number for " +
      "all), got undefined",
  );
  refused(
    () => any(Sparse.fromTriplets)(x, y, { pre: [0], post: 0, w: 1 }),
    "Sparse.fromTriplets triplets: post must be a list of numbers, got number 0; pass { pre, post, w } with one " +
      "entry per synapse (w may be one number for all)",
  );
  refused(
    () => any(Sparse.random)(x, y),
    "Sparse.random needs its options { p, weight, rng }, e.g. Sparse.random(source, target, { p: 0.1, weight: " +
      '0.5, rng: createRng(seed, "connectivity") }); got undefined',
  );
  refused(
    () => any(Sparse.random)(x, y, { p: 0.5, rng: createRng(1, "c") }),
    'Sparse.random needs weight: one number, an initialiser ({ kind: "uniform", lo, hi, rng }, ...) or a ' +
      "function (pre, post) => weight; got undefined",
  );
  // the triplets' w may be one number
  assert.equal(Sparse.fromTriplets(x, y, { pre: [0, 1], post: [1, 2], w: 0.5 }).nnz, 2);
});

test("Bias, the pooling layers and RateCoupling without their options say what to pass", () => {
  const x = new Input(16);
  const y = new LIF(4, 1);
  refused(
    () => build(Bias)(y),
    "Bias needs its options (bias, port), e.g. new Bias(population, { bias: 0.5 })",
  );
  refused(
    () => build(Bias)(y, {}),
    "Bias needs bias: one number for every neuron or one per neuron, e.g. new Bias(population, { bias: 0.5 })",
  );
  for (const [name, Pool] of [
    ["AvgPool2d", AvgPool2d],
    ["SumPool2d", SumPool2d],
  ] as const) {
    refused(
      () => build(Pool)(x, y),
      `${name} needs its options (inputShape, kernel, stride, padding, port), e.g. new ${name}(source, target, ` +
        "{ inputShape: [C, H, W], kernel: 2 })",
    );
  }
  const d = new DoubleExpLIF(2, 0.05);
  refused(
    () => build(RateCoupling)(d, d),
    "RateCoupling needs its options (weights, port), e.g. new RateCoupling(source, target, { weights: W, port: " +
      '"i_nA" }) with W the dense [post][pre] matrix, flat',
  );
  refused(
    () => build(RateCoupling)(d, d, {}),
    "RateCoupling weights must be the dense [post][pre] matrix as one flat list of 2 x 2 numbers, got undefined",
  );
});

test("STDP without a projection and a StateMonitor with neurons: null are typed errors", () => {
  refused(
    () => postPre(undefined as never, 1, {}),
    "STDP needs the projection it learns on (what net.addProjection returns) as its first argument, got " +
      "undefined; call e.g. postPre(projection, net.dt_ms, { nuPre, nuPost })",
  );
  refused(
    () => new StateMonitor(new LIF(2, 1), "v_mV", { neurons: null as never }),
    "StateMonitor neurons must be a list of neuron indices, e.g. [0, 1, 2], got null",
  );
});
