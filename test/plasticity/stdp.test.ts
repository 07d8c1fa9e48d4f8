import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../../src/network/network.ts";
import { Stdp, postPre, weightDependentPostPre, hebbian } from "../../src/plasticity/stdp.ts";
import { IncomingNormalization, normalizeIncoming } from "../../src/plasticity/normalization.ts";
import { SpikeTrace } from "../../src/plasticity/trace.ts";
import { InvalidParameterError } from "../../src/core/errors.ts";
import { ScriptedPopulation, TinyDense } from "../helpers/fixtures.ts";
import { SpikeMonitor } from "../../src/network/monitors.ts";
import { Input } from "../../src/neurons/input.ts";
import { LIF } from "../../src/neurons/lif.ts";
import { Conv2d } from "../../src/projections/conv-2d.ts";
import { Dense } from "../../src/projections/dense.ts";
import { SpikeTrain } from "../../src/encoding/spike-train.ts";

const f32 = Math.fround;

function pairRun(preSteps: number[], postSteps: number[], w0 = 0.5, variant = postPre) {
  const net = new Network({ dt_ms: 1 });
  const pre = net.addPopulation("pre", new ScriptedPopulation(1, { 0: preSteps }));
  const post = net.addPopulation("post", new ScriptedPopulation(1, { 0: postSteps }));
  const proj = net.addProjection("pre->post", new TinyDense(pre, post, new Float32Array([w0])));
  variant(proj, 1, { nuPre: 0.01, nuPost: 0.01, preTrace: { tau_ms: 20 }, postTrace: { tau_ms: 20 } });
  net.run({}, 40);
  return proj.w[0];
}

test("pre at 10 ms then post at 20 ms potentiates by A+ e^(-10/20) (case C18)", () => {
  // The pre trace is 1 at step 10 and decays by e^(-1/20) per step, so at step 20 it is e^(-10/20);
  // the post spike adds nuPost * x_pre = 0.01 * 0.60653. e^(-9/20) or e^(-11/20) would mean an off-by-one.
  const w = pairRun([10], [20]);
  assert.ok(Math.abs(w - 0.5 - 0.0060653) < 1e-6, `got dw = ${w - 0.5}`);
});

test("post at 10 ms then pre at 20 ms depresses by A- e^(-10/20) (case C18)", () => {
  const w = pairRun([20], [10]);
  assert.ok(Math.abs(w - 0.5 + 0.0060653) < 1e-6, `got dw = ${w - 0.5}`);
});

test("a simultaneous pre and post spike gives nuPost - nuPre (both traces include the current step)", () => {
  const w = pairRun([10], [10]);
  assert.equal(w, f32(f32(0.5 - 0.01) + 0.01));
});

test("weights are clamped after the update, never before it (case C16)", () => {
  // 0.98 + 0.05 would be 1.03; the stored and used weight must be exactly 1. Likewise 0.02 - 0.05 -> 0.
  const potentiate = (() => {
    const net = new Network({ dt_ms: 1 });
    const pre = net.addPopulation("pre", new ScriptedPopulation(1, { 0: [5] }));
    const post = net.addPopulation("post", new ScriptedPopulation(1, { 0: [5] }));
    const proj = net.addProjection("p", new TinyDense(pre, post, new Float32Array([0.98])));
    postPre(proj, 1, { nuPre: 0, nuPost: 0.05 });
    net.run({}, 6);
    return proj.w[0];
  })();
  const depress = (() => {
    const net = new Network({ dt_ms: 1 });
    const pre = net.addPopulation("pre", new ScriptedPopulation(1, { 0: [5] }));
    const post = net.addPopulation("post", new ScriptedPopulation(1, { 0: [5] }));
    const proj = net.addProjection("p", new TinyDense(pre, post, new Float32Array([0.02])));
    postPre(proj, 1, { nuPre: 0.05, nuPost: 0 });
    net.run({}, 6);
    return proj.w[0];
  })();
  assert.equal(potentiate, 1);
  assert.equal(depress, 0);
});

test("weight-dependent STDP scales potentiation by (wMax - w) and depression by (w - wMin)", () => {
  const wPot = pairRun([10], [20], 0.75, weightDependentPostPre);
  assert.ok(Math.abs(wPot - (0.75 + 0.01 * Math.exp(-0.5) * 0.25)) < 1e-7);
  const wDep = pairRun([20], [10], 0.75, weightDependentPostPre);
  assert.ok(Math.abs(wDep - (0.75 - 0.01 * Math.exp(-0.5) * 0.75)) < 1e-7);
});

test("Hebbian potentiates in both spike orders", () => {
  assert.ok(pairRun([10], [20], 0.5, hebbian) > 0.5);
  assert.ok(pairRun([20], [10], 0.5, hebbian) > 0.5);
});

test("with learning off no weight changes, bit-identical", () => {
  const net = new Network({ dt_ms: 1, learning: false });
  const pre = net.addPopulation("pre", new ScriptedPopulation(3, { 0: [1, 5, 9], 1: [2, 3], 2: [7] }));
  const post = net.addPopulation("post", new ScriptedPopulation(2, { 0: [2, 6], 1: [8] }));
  const w = new Float32Array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
  const proj = net.addProjection("p", new TinyDense(pre, post, w.slice()));
  postPre(proj, 1);
  new IncomingNormalization(proj, 1);
  net.run({}, 20);
  assert.deepEqual(proj.w, w);
});

test("a plastic projection without bounds is rejected with a fix", () => {
  const pre = new ScriptedPopulation(1, {});
  const post = new ScriptedPopulation(1, {});
  const proj = new TinyDense(pre, post, new Float32Array(1));
  (proj as { bounds?: unknown }).bounds = undefined;
  assert.throws(
    () => postPre(proj, 1),
    (e: unknown) => e instanceof InvalidParameterError && /bounds/.test(e.message),
  );
});

test("additive traces sum decayed spikes; set traces restart at 1", () => {
  const pop = new ScriptedPopulation(1, { 0: [0, 10] });
  const add = new SpikeTrace(pop, 1, { tau_ms: 10, mode: "additive" });
  const set = new SpikeTrace(pop, 1, { tau_ms: 10, mode: "set" });
  for (let s = 0; s <= 20; s++) {
    pop.step({ step: s, dt_ms: 1, learning: true });
    add.observe(s);
    set.observe(s);
  }
  // additive: at step 20 = e^(-2) + e^(-1); set: e^(-1)
  assert.ok(Math.abs(add.value(0, 20) - (Math.exp(-2) + Math.exp(-1))) < 1e-12);
  assert.ok(Math.abs(set.value(0, 20) - Math.exp(-1)) < 1e-12);
});

test("normalisation sets each neuron's incoming sum to the total and leaves an all-zero column alone (C16)", () => {
  const pre = new ScriptedPopulation(3, {});
  const post = new ScriptedPopulation(2, {});
  // column 0 = [0.1, 0.3, 0.6] (sum 1), column 1 = zeros
  const proj = new TinyDense(pre, post, new Float32Array([0.1, 0, 0.3, 0, 0.6, 0]));
  normalizeIncoming(proj.view, 78, new Int32Array(3), new Int32Array(3));
  const col0 = proj.w[0] + proj.w[2] + proj.w[4];
  assert.ok(Math.abs(col0 - 78) < 1e-4);
  assert.deepEqual([proj.w[1], proj.w[3], proj.w[5]], [0, 0, 0]);
});

test("the docs/plasticity.md example: potentiation one step after the pre spike, depression 9 after the post spike, frozen with learning off", () => {
  const dt_ms = 1;
  const net = new Network({ dt_ms });
  const pre = net.addPopulation("pre", new Input(2));
  const post = net.addPopulation("post", new LIF(1, dt_ms));
  const proj = net.addProjection(
    "pre->post",
    new Dense(pre, post, { weights: [14, 2], bounds: { wMin: 0, wMax: 20 } }),
  );
  postPre(proj, dt_ms, { nuPre: 0.1, nuPost: 0.5 });
  const input = SpikeTrain.fromEvents(2, 40, [
    [10, 0],
    [20, 1],
  ]);
  const spikes = net.addMonitor(new SpikeMonitor(post));

  net.run({ pre: input }, 40);
  const learned = Array.from(proj.w);
  const postSteps = Array.from(spikes.steps);
  net.learning = false;
  net.reset();
  net.run({ pre: input }, 40);

  assert.deepEqual(
    postSteps,
    [11],
    "14 mV from rest (-65) reaches the -52 mV threshold in the step it arrives",
  );
  assert.equal(learned[0], f32(14 + 0.5 * Math.exp(-1 / 20)));
  assert.equal(learned[1], f32(2 - 0.1 * Math.exp(-9 / 20)));
  assert.deepEqual(Array.from(proj.w), learned, "no change with learning off");
  assert.deepEqual(Array.from(spikes.steps), [11]);
});

test("STDP and trace parameters are checked: a misspelled rate or a non-finite trace scale is refused", () => {
  const net = new Network({ dt_ms: 1 });
  const pre = net.addPopulation("pre", new ScriptedPopulation(1, {}));
  const post = net.addPopulation("post", new ScriptedPopulation(1, {}));
  const proj = net.addProjection("p", new TinyDense(pre, post, new Float32Array([0.5])));

  assert.throws(
    () => postPre(proj, 1, { nu_post: 0.1 } as never),
    /Stdp params: unknown option "nu_post" \(did you mean nuPost\?\)/,
  );
  assert.throws(() => new SpikeTrace(pre, 1, { scale: NaN }), /trace scale must be a finite number, got NaN/);
});

test("a rule built for another dt than the network's is refused at run, before any step", () => {
  const net = new Network({ dt_ms: 1 });
  const pre = net.addPopulation("pre", new ScriptedPopulation(1, { 0: [0] }));
  const post = net.addPopulation("post", new ScriptedPopulation(1, { 0: [20] }));
  const proj = net.addProjection("pre->post", new TinyDense(pre, post, new Float32Array([0])));
  postPre(proj, 0.5, { nuPre: 0, nuPost: 1 });

  assert.throws(
    () => net.run({}, 30),
    /^InvalidParameterError: learning rule "stdp-post-pre" of projection "[^"]+" was built for dt = 0\.5 ms but the network steps at dt = 1 ms \(its trace decays would be wrong\); remove it \(net\.projection\("pre->post"\)\.rules\.splice\(0, 1\)\) and build it again with the network's dt$/,
  );
  assert.equal(proj.w[0], 0, "no weight moved");
  assert.equal(net.time, 0);
});

test("the dt argument and the learning rates are checked: scaleRates(NaN), a NaN rate and params in dt's place", () => {
  const net = new Network({ dt_ms: 1 });
  const pre = net.addPopulation("pre", new ScriptedPopulation(1, {}));
  const post = net.addPopulation("post", new ScriptedPopulation(1, {}));
  const proj = net.addProjection("pre->post", new TinyDense(pre, post, new Float32Array([0.5])));
  assert.throws(
    () => postPre(proj, { nuPre: 1 } as never),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message ===
        "STDP needs the network's time step dt_ms (a number > 0): the second argument of postPre, " +
          'weightDependentPostPre and hebbian, the third of new Stdp; got an object with keys ["nuPre"]; call e.g. ' +
          "postPre(projection, net.dt_ms, { nuPre, nuPost })",
  );
  assert.throws(() => postPre(proj, 0), /the third of new Stdp; got number 0;/);
  // new Stdp(projection, variant, params) without dt: the message names the third argument
  assert.throws(
    () => new Stdp(proj, "post-pre", {} as never),
    /the third of new Stdp; got an object with keys \[\]/,
  );
  assert.equal(proj.rules.length, 0, "a refused rule is not attached");

  const rule = postPre(proj, 1, { nuPre: 0.1, nuPost: 0.2 });
  for (const bad of [Number.NaN, -1, Infinity]) {
    assert.throws(() => rule.scaleRates(bad), InvalidParameterError, String(bad));
  }
  assert.throws(
    () => (rule.nuPre = Number.NaN),
    /^InvalidParameterError: nuPre must be a finite number, got NaN$/,
  );
  assert.throws(() => (rule.nuPost = "1" as never), /nuPost must be a finite number, got string "1"/);
  assert.deepEqual([rule.nuPre, rule.nuPost], [0.1, 0.2], "refused values change nothing");
  rule.scaleRates(0.5);
  assert.deepEqual([rule.nuPre, rule.nuPost], [0.05, 0.1]);
  rule.nuPost = 0.3;
  assert.deepEqual(rule.learnedValues(), { nuPre: 0.05, nuPost: 0.3 });
});

test("a second IncomingNormalization on one projection is refused, naming both totals", () => {
  const net = new Network({ dt_ms: 1 });
  const pre = net.addPopulation("pre", new ScriptedPopulation(2, {}));
  const post = net.addPopulation("post", new ScriptedPopulation(1, {}));
  const proj = net.addProjection("p", new TinyDense(pre, post, new Float32Array([0.5, 0.5])));
  new IncomingNormalization(proj, 2);
  assert.throws(
    () => new IncomingNormalization(proj, 4),
    /already normalises its incoming weights to 2; a second IncomingNormalization \(total 4\) would contradict it: keep one$/,
  );
  assert.equal(proj.rules.length, 1);
});

test("IncomingNormalization refuses shared weights (a convolution) and an argument past its last", () => {
  const net = new Network({ dt_ms: 1 });
  const x = net.addPopulation("x", new Input(9));
  const y = net.addPopulation("y", new Input(4));
  // a 2 x 2 kernel over a 3 x 3 input: the 4 output locations share its 4 weights
  const conv = net.addProjection(
    "conv",
    new Conv2d(x, y, { inputShape: [1, 3, 3], kernel: 2, outChannels: 1, weights: 0.25 }),
  );
  assert.throws(
    () => new IncomingNormalization(conv, 1),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      /^a conv-2d projection shares weights among synapses \(weight 0 reaches post neurons 0 and 1\), so its post neurons' sums cannot be normalised one by one;/.test(
        e.message,
      ),
  );
  assert.equal(conv.rules.length, 0, "nothing attached");
  const dense = net.addProjection("dense", new Dense(x, y, { weights: 0.1 }));
  assert.throws(
    () => new (IncomingNormalization as unknown as new (...a: unknown[]) => unknown)(dense, 1, { every: 2 }),
    /^InvalidParameterError: IncomingNormalization takes 2 arguments \(projection, total\), got 3: argument 3 \(an object with keys \["every"\]\) would be ignored; remove it$/,
  );
  new (IncomingNormalization as unknown as new (...a: unknown[]) => unknown)(dense, 1, undefined);
  // something that is no projection is said as such (it was "a undefined projection has no weights")
  assert.throws(
    () => new IncomingNormalization({} as never, 1),
    /^InvalidParameterError: IncomingNormalization needs a projection \(what net\.addProjection returns\), got an object with keys \[\]$/,
  );
  assert.equal(dense.rules.length, 1);
});

test("normalisation keeps a bounded projection inside its bounds and refuses a total no neuron can reach", () => {
  const net = new Network({ dt_ms: 1 });
  const pre = net.addPopulation("pre", new Input(4));
  const post = net.addPopulation("post", new Input(1));
  const proj = net.addProjection(
    "pre->post",
    new Dense(pre, post, { weights: [0.9, 0.1, 0.1, 0.1], bounds: { wMin: 0, wMax: 1 } }),
  );
  new IncomingNormalization(proj, 2.4);
  net.run({}, 1);
  // 2.4 / 1.2 = 2: [1.8, 0.2, 0.2, 0.2], the first held at wMax
  assert.deepEqual(Array.from(proj.w), [1, 0.2, 0.2, 0.2].map(f32));

  const other = new Network({ dt_ms: 1 });
  const a = other.addPopulation("a", new Input(4));
  const b = other.addPopulation("b", new Input(1));
  const bounded = other.addProjection("ab", new Dense(a, b, { weights: 0.5, bounds: { wMin: 0, wMax: 1 } }));
  assert.throws(
    () => new IncomingNormalization(bounded, 4.5),
    /^InvalidParameterError: normalisation total 4\.5 cannot be reached: post neuron 0 has 4 incoming weights of at most wMax = 1 \(sum at most 4\); lower the total or raise wMax$/,
  );
});

test("normalisation holds wMin too, and refuses a total below fan-in x wMin", () => {
  const net = new Network({ dt_ms: 1 });
  const pre = net.addPopulation("pre", new Input(2));
  const post = net.addPopulation("post", new Input(1));
  const proj = net.addProjection(
    "p",
    new Dense(pre, post, { weights: [10, 1], bounds: { wMin: 1, wMax: 20 } }),
  );
  new IncomingNormalization(proj, 5);
  net.run({}, 1);
  // 5 / 11: [4.545..., 0.4545...], the second held at wMin = 1
  assert.deepEqual(Array.from(proj.w), [f32(50 / 11), 1]);

  const other = new Network({ dt_ms: 1 });
  const a = other.addPopulation("a", new Input(2));
  const b = other.addPopulation("b", new Input(1));
  const bounded = other.addProjection("ab", new Dense(a, b, { weights: 3, bounds: { wMin: 2, wMax: 5 } }));
  assert.throws(
    () => new IncomingNormalization(bounded, 1),
    /^InvalidParameterError: normalisation total 1 cannot be reached: post neuron 0 has 2 incoming weights of at least wMin = 2 \(sum at least 4\); raise the total or lower wMin$/,
  );
});
