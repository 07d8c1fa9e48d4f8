/**
 * Projections, rules and monitors called without the options they need, or with them misnamed, get a typed
 * error that says what to pass (a tester saw raw TypeErrors: "Cannot read properties of undefined").
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError, NotFoundError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { StateMonitor } from "../../src/network/monitors.ts";
import { DoubleExpLIF } from "../../src/neurons/double-exp-lif.ts";
import { Input } from "../../src/neurons/input.ts";
import { LIF } from "../../src/neurons/lif.ts";
import { Stdp, hebbian, postPre, weightDependentPostPre } from "../../src/plasticity/stdp.ts";
import { SpikeTrain } from "../../src/encoding/spike-train.ts";
import { Network } from "../../src/network/network.ts";
import { AvgPool2d } from "../../src/projections/avg-pool-2d.ts";
import { Bias } from "../../src/projections/bias.ts";
import { Dense } from "../../src/projections/dense.ts";
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
    "Sparse CSR arrays: rowPtr must be a list of numbers, got undefined; pass { rowPtr, colIdx, w } (the " +
      "object has no fields)",
  );
  refused(
    () => build(Sparse)(x, y, { rowPtr: [0, 1, 1, 1, 1], col: [0], w: [1] }),
    "Sparse CSR arrays: colIdx must be a list of numbers, got undefined; pass { rowPtr, colIdx, w } (the " +
      "object has rowPtr, col, w)",
  );
  // other fields are allowed: a CSR map may carry its shape (the NIR importer's does)
  assert.equal(
    new Sparse(x, y, { rowPtr: [0, 1, 1, 1, 1], colIdx: [2], w: [1], rows: 4, cols: 4 } as never).nnz,
    1,
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
      `${name} needs its options (inputShape, kernel, stride, padding, port, delay_ms, dt_ms), e.g. new ${name}(source, target, ` +
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

test("messages name the real problem: a non-integer Dense index, an Input's missing state, DoubleExpLIF's seed", () => {
  const d = new Dense(new Input(2), new LIF(1, 1), { weights: 1 });
  refused(() => d.get(0.5, 0), "Dense index (0.5, 0) must be two integers in [0, 2) x [0, 1) (pre, post)");
  refused(() => d.get(2, 0), "Dense index (2, 0) is outside [0, 2) x [0, 1) (pre, post)");
  assert.throws(
    () => new StateMonitor(new Input(3), "v_mV"),
    (e: unknown) =>
      e instanceof NotFoundError &&
      e.message ===
        'input population has no state variable "v_mV"; it has none (its neurons only pass spikes on); ' +
          "record them with a SpikeMonitor",
  );
  refused(
    () => new DoubleExpLIF(3, 0.05, { seed: 1.5 }),
    "DoubleExpLIF seed must be an integer (the seed of its noise and initial voltages), got 1.5",
  );
});

test("postPre, weightDependentPostPre and hebbian refuse an extra argument", () => {
  const net = new Network({ dt_ms: 1 });
  const x = net.addPopulation("x", new Input(2));
  const y = net.addPopulation("y", new LIF(1, 1));
  const d = net.addProjection("d", new Dense(x, y, { weights: 0.5, bounds: { wMin: 0, wMax: 1 } }));
  for (const [name, rule] of [
    ["postPre", postPre],
    ["weightDependentPostPre", weightDependentPostPre],
    ["hebbian", hebbian],
  ] as const) {
    refused(
      () => any(rule)(d, 1, {}, { nuPre: 1 }),
      `${name} takes 3 arguments (projection, dt_ms, params), got 4: argument 4 (an object with keys ` +
        '["nuPre"]) would be ignored; remove it',
    );
  }
  assert.equal(d.rules.length, 0, "nothing was attached");
});

test("more messages: string events, a string bias, Bias without a target, new Stdp's extra argument", () => {
  refused(
    () => SpikeTrain.fromEvents(2, 2, [["0", "1"]] as never),
    'SpikeTrain.fromEvents: event (step string "0", input string "1") must be two integers in [0, 2) x [0, 2)',
  );
  refused(
    () => new Bias(new LIF(2, 1), { bias: "1" as never }),
    'Bias bias must be a number or an array, got string "1"',
  );
  assert.throws(() => build(Bias)(), /^InvalidParameterError: Bias target must be a population/);
  const net = new Network({ dt_ms: 1 });
  const d = net.addProjection(
    "d",
    new Dense(net.addPopulation("x", new Input(1)), net.addPopulation("y", new LIF(1, 1)), {
      weights: 0.5,
      bounds: { wMin: 0, wMax: 1 },
    }),
  );
  refused(
    () => build(Stdp)(d, "post-pre", 1, {}, 5),
    "new Stdp takes 4 arguments (projection, variant, dt_ms, params), got 5: argument 5 (number 5) would be ignored; " +
      "remove it",
  );
});
