/**
 * STDP options of Izhikevich (2006): pairing "delivery" (the presynaptic trace takes a spike in the step it
 * is delivered, one after its arrival) and deferred weight changes (pairs accumulate in a synaptic derivative
 * sd that the weights take once per period, w <- clamp(w + drift + sd), sd <- retain sd). Closed forms on
 * scripted spikes, with and without conduction delays; the defaults unchanged; refusals.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError, TimeStepError } from "../../src/core/errors.ts";
import { Network } from "../../src/network/network.ts";
import { networkParameters, restoreNetworkParameters } from "../../src/network/parameters.ts";
import { type StdpParams, Stdp } from "../../src/plasticity/stdp.ts";
import { Dense } from "../../src/projections/dense.ts";
import { Sparse } from "../../src/projections/sparse.ts";
import { ScriptedPopulation } from "../helpers/fixtures.ts";

const f32 = Math.fround;
const TAU = 20;
const e = (k: number) => Math.exp(-k / TAU);

/**
 * One synapse pre -> post (weight w0, bounds [0, 10]), pre spiking at `preSteps` and post at `postSteps`, with
 * an STDP rule "post-pre" nuPre 0.12, nuPost 0.1, traces tau 20 ms, plus `params`; dt = 1 ms.
 */
function pair(
  preSteps: number[],
  postSteps: number[],
  params: Partial<StdpParams> = {},
  opts: { delay_ms?: number; w0?: number; sparse?: boolean } = {},
) {
  const net = new Network({ dt_ms: 1 });
  const pre = net.addPopulation("pre", new ScriptedPopulation(1, { 0: preSteps }));
  const post = net.addPopulation("post", new ScriptedPopulation(1, { 0: postSteps }));
  const w0 = opts.w0 ?? 6;
  const bounds = { wMin: 0, wMax: 10 };
  const proj = net.addProjection(
    "pre->post",
    opts.sparse === true
      ? new Sparse(
          pre,
          post,
          { rowPtr: [0, 1], colIdx: [0], w: [w0] },
          { bounds, delay_ms: [opts.delay_ms ?? 0], dt_ms: 1 },
        )
      : new Dense(pre, post, { weights: [w0], bounds, delay_ms: opts.delay_ms ?? 0, dt_ms: 1 }),
  );
  const rule = new Stdp(proj, "post-pre", 1, { nuPre: 0.12, nuPost: 0.1, ...params });
  return { net, proj, rule };
}

/** The weight change of one pre/post pair, applied at once. */
function dw(pre: number, post: number, params: Partial<StdpParams>, opts = {}): number {
  const { net, proj } = pair([pre], [post], params, opts);
  net.run({}, 40);
  return proj.view!.w[0] - 6;
}

test("pairing 'arrival' (default) and 'delivery' without a delay: the same step, one step apart, further apart", () => {
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b}`);
  // arrival: a pre and a post spike of the same step pair both ways
  close(dw(10, 10, {}), 0.1 - 0.12);
  close(dw(10, 11, {}), 0.1 * e(1));
  close(dw(10, 14, {}), 0.1 * e(4));
  close(dw(14, 10, {}), -0.12 * e(4));
  // delivery: the pre spike of step 10 reaches the input of step 11; a post spike of step 10 came before it
  close(dw(10, 10, { pairing: "delivery" }), -0.12);
  close(dw(10, 11, { pairing: "delivery" }), 0.1);
  close(dw(10, 14, { pairing: "delivery" }), 0.1 * e(3));
  close(dw(14, 10, { pairing: "delivery" }), -0.12 * e(4));
  close(dw(11, 10, { pairing: "delivery" }), -0.12 * e(1));
});

test("pairing 'delivery' with conduction delays (Dense, and Sparse with one delay per synapse)", () => {
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b}`);
  for (const sparse of [false, true]) {
    const opts = { delay_ms: 4, sparse };
    // a pre spike of step 10 with delay 4 arrives at step 14 and is delivered into the input of step 15
    close(dw(10, 14, { pairing: "delivery" }, opts), -0.12);
    close(dw(10, 15, { pairing: "delivery" }, opts), 0.1);
    close(dw(10, 18, { pairing: "delivery" }, opts), 0.1 * e(3));
    close(dw(10, 12, { pairing: "delivery" }, opts), -0.12 * e(2));
    // the default pairs at the arrival step
    close(dw(10, 14, {}, opts), 0.1 - 0.12);
    close(dw(10, 15, {}, opts), 0.1 * e(1));
  }
});

test("deferred: pairs go into sd; every period w <- clamp(w + (drift + sd)), sd <- retain sd, in closed form", () => {
  const deferred = { period_ms: 10, drift: 0.01, retain: 0.9 };
  // pre at 2, post at 5: +0.1 e^(-3/20) into sd at step 5; the weight moves only at the end of step 9
  const { net, proj, rule } = pair([2], [5], { deferred });
  const w = proj.view!.w;
  net.run({}, 9); // steps 0 .. 8
  assert.equal(w[0], 6);
  const sd0 = 0.1 * e(3);
  assert.ok(Math.abs(rule.derivative![0] - sd0) < 1e-15, `${rule.derivative![0]}`);
  net.run({}, 1); // step 9 ends the first period
  const w1 = f32(6 + (0.01 + sd0));
  assert.equal(w[0], w1);
  assert.ok(Math.abs(rule.derivative![0] - 0.9 * sd0) < 1e-15);
  net.run({}, 10); // steps 10 .. 19: no pairs; the second application takes the retained 0.9 sd
  const w2 = f32(w1 + (0.01 + 0.9 * sd0));
  assert.equal(w[0], w2);
  net.run({}, 30); // three more periods: w3 = w2 + 0.01 + 0.81 sd, ...
  let expected = w2;
  for (let k = 2; k <= 4; k++) expected = f32(expected + (0.01 + 0.9 ** k * sd0));
  assert.ok(Math.abs(w[0] - expected) < 1e-6, `${w[0]} vs ${expected}`);
  assert.equal(rule.deferredPeriodSteps, 10);
  assert.deepEqual(rule.settings().deferred, deferred);
});

test("deferred: the pairs of a period's last step count in the next period; clamped only when applied", () => {
  const deferred = { period_ms: 10, drift: 0, retain: 0 };
  // post at step 9 (the last step of the first period): its potentiation is applied at the end of step 19
  {
    const { net, proj } = pair([7], [9], { deferred });
    net.run({}, 10);
    assert.equal(proj.view!.w[0], 6, "not in the first period");
    net.run({}, 10);
    assert.equal(proj.view!.w[0], f32(6 + 0.1 * e(2)));
  }
  // sd may leave [wMin - w, wMax - w] between applications; the weight is clamped when it takes it
  {
    const pres = [1, 3, 5, 7];
    const { net, proj, rule } = pair(pres, [2, 4, 6, 8], { deferred, nuPost: 3, nuPre: 0 }, { w0: 9 });
    net.run({}, 9);
    assert.ok(rule.derivative![0] > 3, `sd ${rule.derivative![0]}`);
    assert.equal(proj.view!.w[0], 9);
    net.run({}, 1);
    assert.equal(proj.view!.w[0], 10);
    assert.equal(rule.derivative![0], 0, "retain 0");
  }
  // learning off: no pairs and no application
  {
    const { net, proj, rule } = pair([2], [5], { deferred: { period_ms: 10, drift: 0.5 } });
    net.learning = false;
    net.run({}, 30);
    assert.equal(proj.view!.w[0], 6);
    assert.equal(rule.derivative![0], 0);
  }
});

test("without the new options the rule is what it was: settings, weights, no derivative", () => {
  const { net, proj, rule } = pair([2], [5]);
  net.run({}, 10);
  assert.equal(proj.view!.w[0], f32(6 + 0.1 * e(3)));
  assert.equal(rule.derivative, undefined);
  assert.equal(rule.deferredPeriodSteps, 0);
  assert.equal(rule.pairing, "arrival");
  assert.deepEqual(Object.keys(rule.settings()), ["preTrace", "postTrace"]);
});

test("deferred: reset keeps sd, a restore of saved parameters clears it; the settings are recorded", () => {
  const deferred = { period_ms: 10, drift: 0.01, retain: 0.9 };
  const { net, rule } = pair([2], [5], { deferred, pairing: "delivery" });
  net.run({}, 8);
  const sd = rule.derivative![0];
  assert.ok(Math.abs(sd - 0.1 * e(2)) < 1e-15, `${sd}`);
  net.reset();
  assert.equal(rule.derivative![0], sd, "reset keeps the learned derivative");
  const snapshot = networkParameters(net);
  restoreNetworkParameters(net, snapshot);
  assert.equal(rule.derivative![0], 0, "restored weights start with sd = 0");
  assert.deepEqual(rule.settings(), {
    preTrace: rule.preTrace.params,
    postTrace: rule.postTrace.params,
    pairing: "delivery",
    deferred,
  });
});

test("bad pairing and deferred options are refused with the fix", () => {
  const build = (params: Partial<StdpParams>) => () => pair([1], [2], params);
  assert.throws(build({ pairing: "arrive" as never }), /STDP pairing must be "arrival" .* or "delivery"/);
  assert.throws(build({ deferred: 1000 as never }), /deferred must be \{ period_ms, drift\?, retain\? \}/);
  assert.throws(build({ deferred: { period_ms: 0 } }), InvalidParameterError);
  assert.throws(build({ deferred: { period_ms: 2.5 } }), TimeStepError);
  assert.throws(build({ deferred: { period_ms: 10, retain: 1.5 } }), /retain .* in \[0, 1\], got 1\.5/);
  assert.throws(build({ deferred: { period_ms: 10, drift: NaN } }), /drift must be a finite number/);
  assert.throws(
    build({ deferred: { period: 10 } as never }),
    /unknown option "period" .*did you mean period_ms/,
  );
});
