import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../../src/network/network.ts";
import { SpikeCounter, SpikeMonitor, StateMonitor } from "../../src/network/monitors.ts";
import { LIF } from "../../src/neurons/lif.ts";
import { InvalidParameterError, NotFoundError, ShapeMismatchError } from "../../src/core/errors.ts";
import { Input } from "../../src/neurons/input.ts";
import { captureLogs } from "../../src/core/log.ts";
import { ScriptedPopulation, TinyDense } from "../helpers/fixtures.ts";

test("a spike at step t-1 is delivered at step t (one-step synaptic delay)", () => {
  const net = new Network({ dt_ms: 1 });
  const pre = net.addPopulation("pre", new ScriptedPopulation(1, { 0: [3] }));
  // a 20 mV jump from rest (-65) crosses the -52 mV threshold in the step it arrives
  const post = net.addPopulation("post", new LIF(1, 1, { tRef_ms: 0 }));
  net.addProjection("pre->post", new TinyDense(pre, post, new Float32Array([20])));
  const mon = net.addMonitor(new SpikeMonitor(post));

  net.run({}, 10);

  assert.deepEqual([...mon.steps], [4]);
  assert.deepEqual([...mon.neurons], [0]);
});

test("external input for step t acts in step t, and a constant Float32Array input applies every step", () => {
  const net = new Network({ dt_ms: 1 });
  const pop = net.addPopulation("lif", new LIF(2, 1, { tRef_ms: 0, tauMem_ms: 1e9 }));
  const counter = net.addMonitor(new SpikeCounter(pop));
  // Almost no leak: 2 mV per step from -65 passes -52 after 7 steps (spike at step index 6), then the
  // neuron restarts at -65 and reaches only -53 by step 12.
  net.run({ lif: new Float32Array([2, 0]) }, 13);
  assert.deepEqual([...counter.counts], [1, 0]);
  assert.equal(net.time, 13);
});

test("reset empties monitors, zeroes the step counter and restores voltages", () => {
  const net = new Network({ dt_ms: 1 });
  const pop = net.addPopulation("lif", new LIF(1, 1));
  const mon = net.addMonitor(new SpikeMonitor(pop));
  const vmon = net.addMonitor(new StateMonitor(pop, "v_mV"));
  net.run({ lif: new Float32Array([5]) }, 50);
  assert.ok(mon.count > 0);
  net.reset();
  assert.equal(mon.count, 0);
  assert.equal(vmon.length, 0);
  assert.equal(net.time, 0);
  assert.equal(pop.v_mV[0], -65);
});

test("a windowed state monitor holds exactly the last `window` samples, and memory stays flat over 50 cycles (C25)", () => {
  const net = new Network({ dt_ms: 0.1 });
  const pop = net.addPopulation("lif", new LIF(10, 0.1));
  const mon = net.addMonitor(new StateMonitor(pop, "v_mV", { window: 100 }));
  net.run({ lif: new Float32Array(10).fill(0.3) }, 10_000);
  assert.equal(mon.length, 100);
  const { steps } = mon.values();
  assert.deepEqual([steps[0], steps[99]], [9900, 9999]);
  const bytesAfterOne = mon.bytes;
  for (let c = 0; c < 50; c++) {
    net.reset();
    net.run({ lif: new Float32Array(10).fill(0.3) }, 10_000);
  }
  assert.equal(mon.bytes, bytesAfterOne);
  assert.equal(mon.length, 100);
});

test("a state monitor records chosen neurons every k-th step, in order", () => {
  const net = new Network({ dt_ms: 1 });
  const pop = net.addPopulation("lif", new LIF(3, 1, { tauMem_ms: 1e9, vThreshold_mV: 100 }));
  const mon = net.addMonitor(new StateMonitor(pop, "v_mV", { neurons: [2, 0], every: 2 }));
  net.run({ lif: new Float32Array([1, 2, 3]) }, 6);
  // samples at steps 0, 2, 4; v after step s is -65 + (s+1)*input
  assert.deepEqual([...mon.values().steps], [0, 2, 4]);
  assert.deepEqual([...mon.trace(0)], [-62, -56, -50]);
  assert.deepEqual([...mon.trace(1)], [-64, -62, -60]);
});

test("a full state recording that grows large logs the warning id monitor-large", () => {
  const pop = new LIF(40_000, 1);
  const net = new Network({ dt_ms: 1 });
  net.addPopulation("big", pop);
  const mon = net.addMonitor(new StateMonitor(pop, "v_mV"));
  const logs = captureLogs(() => net.run({}, 2100));
  assert.ok(
    logs.some((r) => r.id === "monitor-large"),
    JSON.stringify(logs),
  );
  assert.equal(mon.length, 2100);
});

test("bad inputs name the problem", () => {
  const net = new Network({ dt_ms: 1 });
  net.addPopulation("a", new LIF(2, 1));
  assert.throws(
    () => net.run({ b: new Float32Array(2) }, 1),
    (e: unknown) => e instanceof NotFoundError && /"b"/.test(e.message) && /a/.test(e.message),
  );
  assert.throws(
    () => net.run({ a: new Float32Array(3) }, 1),
    (e: unknown) => e instanceof ShapeMismatchError && /length 3 but the population has 2/.test(e.message),
  );
  assert.throws(
    () => net.run({ a: { steps: 5, apply() {} } }, 10),
    /covers 5 steps but run\(\) was asked for 10/,
  );
  assert.throws(() => net.addPopulation("a", new LIF(1, 1)), InvalidParameterError);
  assert.throws(
    () => net.addPopulation("c", new LIF(1, 0.5)),
    /dt = 0.5 ms but the network steps at dt = 1 ms/,
  );
  assert.throws(() => net.run({}, 1.5), /steps must be an integer/);
});

test("the same inputs give bit-identical spike trains across fresh networks", () => {
  const trains = [0, 1].map(() => {
    const net = new Network({ dt_ms: 0.5 });
    const pop = net.addPopulation("lif", new LIF(5, 0.5));
    const mon = net.addMonitor(new SpikeMonitor(pop));
    net.run({ lif: new Float32Array([0.5, 1, 1.5, 2, 2.5]) }, 400);
    return [Array.from(mon.steps), Array.from(mon.neurons)];
  });
  assert.deepEqual(trains[0], trains[1]);
  assert.ok(trains[0][0].length > 10);
});

test("a constant input with NaN or an infinity is refused before any step, naming the entry and the port", () => {
  const net = new Network({ dt_ms: 1 });
  const y = net.addPopulation("Y", new LIF(3, 1));
  const x = net.addPopulation("X", new Input(2));

  for (const bad of [NaN, Infinity, -Infinity]) {
    assert.throws(
      () => net.run({ Y: new Float32Array([0, bad, 0]) }, 3),
      (e: unknown) => {
        assert.ok(e instanceof InvalidParameterError);
        assert.match(
          e.message,
          new RegExp(`input for "Y" has ${bad} at neuron 1; every value must be a finite number`),
        );
        assert.match(e.message, /"dv_mV" port/);
        return true;
      },
    );
  }
  assert.throws(() => net.run({ X: new Float32Array([NaN, 0]) }, 1), /input for "X" has NaN at neuron 0/);

  assert.equal(net.time, 0, "nothing ran");
  assert.deepEqual(Array.from(y.v_mV), [-65, -65, -65]);
  assert.equal(x.spikeCount, 0);
});
