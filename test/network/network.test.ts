import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../../src/network/network.ts";
import { SpikeCounter, SpikeMonitor, StateMonitor } from "../../src/network/monitors.ts";
import { LIF } from "../../src/neurons/lif.ts";
import { InvalidParameterError, NotFoundError, ShapeMismatchError } from "../../src/core/errors.ts";
import { Input } from "../../src/neurons/input.ts";
import { captureLogs } from "../../src/core/log.ts";
import { ScriptedPopulation, TinyDense, refusal } from "../helpers/fixtures.ts";
import { Dense } from "../../src/projections/dense.ts";
import { postPre } from "../../src/plasticity/stdp.ts";
import { IncomingNormalization } from "../../src/plasticity/normalization.ts";

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
  assert.throws(
    () => net.run({}, 1.5),
    /^InvalidParameterError: steps must be an integer >= 0 \(run takes a number of steps, not a time\), got 1\.5; for a duration in ms, call net\.run\(inputs, msToSteps\(duration_ms, net\.dt_ms\)\)$/,
  );
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

test("run refuses inputs that are neither a Float32Array nor a drive, naming the population and the fix", () => {
  const net = new Network({ dt_ms: 1 });
  net.addPopulation("a", new LIF(2, 1));
  const said = (inputs: unknown) => {
    try {
      net.run(inputs as never, 3);
    } catch (e) {
      assert.ok(e instanceof InvalidParameterError, String(e));
      return e.message;
    }
    throw new Error("expected a refusal");
  };

  assert.equal(
    said({ a: [1, 2] }),
    'input for "a" must be a Float32Array of 2 values (added every step) or a drive with apply(step, ' +
      "population) (a spike train, HeldCurrentDrive, ...), got an Array of length 2; convert an array with " +
      "Float32Array.from(values)",
  );
  assert.match(
    said({ a: new Float64Array(2) }),
    /got a Float64Array; convert an array with Float32Array\.from/,
  );
  assert.match(said({ a: 5 }), /got number 5$/);
  assert.match(said({ a: { foo: 1 } }), /got an object with keys \["foo"\]$/);
  assert.match(said({ a: null }), /got null$/);
  assert.equal(
    said(null),
    "run takes an object that maps population names to inputs (or {} for none), got null",
  );
  assert.equal(net.time, 0, "nothing ran");
});

test("a population, projection or monitor is added once, to one network; monitors watch its populations", () => {
  const net = new Network({ dt_ms: 1 });
  const a = net.addPopulation("a", new Input(1));
  const b = net.addPopulation("b", new LIF(1, 1));
  const proj = net.addProjection("ab", new TinyDense(a, b, new Float32Array([1])));
  const counter = net.addMonitor(new SpikeCounter(b));

  assert.throws(
    () => net.addPopulation("a2", a),
    /^InvalidParameterError: this population object is already in the network as "a"; build a new one for "a2"$/,
  );
  assert.throws(
    () => net.addProjection("ab2", proj),
    /already in the network as "ab" \(adding it again would deliver its spikes twice\); build a new one for "ab2"$/,
  );
  assert.throws(() => net.addMonitor(counter), /this monitor is already in the network; it would record/);
  const other = new Network({ dt_ms: 1 });
  assert.throws(() => other.addPopulation("a", a), /population "a" already belongs to another network/);
  const stranger = new LIF(1, 1);
  assert.throws(
    () => net.addMonitor(new SpikeMonitor(stranger)),
    /the monitor records a population that is not in this network; add the population with addPopulation/,
  );
  assert.throws(
    () => net.addMonitor({} as never),
    /addMonitor takes a monitor \(an object with record\(step\) and reset\(\)\), got an object with keys \[\]/,
  );
  // what was refused changed nothing: one delivery, one count per spike
  net.run({ a: new Float32Array([1]) }, 3);
  assert.deepEqual(Array.from(counter.counts), [0]);
  assert.equal(net.populationNames.length, 2);
});

test("a drive or monitor cannot run, reset or change the network from inside a step", () => {
  const net = new Network({ dt_ms: 1 });
  net.addPopulation("a", new LIF(1, 1));
  for (const [what, act] of [
    ["run", () => net.run({}, 1)],
    ["reset", () => net.reset()],
    ["addPopulation", () => net.addPopulation("b", new LIF(1, 1))],
  ] as const) {
    assert.throws(
      () => net.run({ a: { apply: () => act() } }, 2),
      new RegExp(
        `^StateError: ${what} was called while the network is running \\(from a drive, monitor or rule\\); call it between runs$`,
      ),
    );
  }
  // the flag is cleared after a failed run
  net.run({}, 2);
  assert.equal(net.time, 2);
});

test("SpikeMonitor maxEvents holds whatever initialCapacity is; StateMonitor refuses fractional neuron indices", () => {
  const net = new Network({ dt_ms: 1 });
  const a = net.addPopulation("a", new Input(2));
  const capped = net.addMonitor(new SpikeMonitor(a, { maxEvents: 5 }));
  assert.throws(
    () => net.run({ a: new Float32Array([1, 1]) }, 10),
    /SpikeMonitor reached its maxEvents of 5 at step 2: it holds the 4 spikes before that step, not its 2 \(the network has taken the step, and its other monitors with room recorded it\); raise maxEvents or reset the network more often/,
  );
  assert.ok(capped.count <= 5, `${capped.count} events kept`);
  // two full monitors in the same step: the first one's error is reported, and neither keeps part of the step
  net.reset();
  const first = net.addMonitor(new SpikeMonitor(a, { maxEvents: 3 }));
  const second = net.addMonitor(new SpikeMonitor(a, { maxEvents: 3 }));
  const roomy = net.addMonitor(new SpikeMonitor(a));
  assert.throws(
    () => net.run({ a: new Float32Array([1, 1]) }, 10),
    /^InvalidParameterError: SpikeMonitor reached its maxEvents of 3 at step 1: it holds the 2 spikes before/,
  );
  // steps 0 and 1 were taken (2 spikes each); the full monitors keep step 0 only
  assert.deepEqual([capped.count, first.count, second.count, roomy.count, net.time], [4, 2, 2, 4, 2]);
  assert.throws(
    () => new StateMonitor(new LIF(2, 1), "v_mV", { neurons: [0.5] }),
    /^InvalidParameterError: StateMonitor neuron index 0\.5 is not a neuron of the population: use integers from 0 to 1 \(size 2\)$/,
  );
});

test("run also refuses a missing input, a Map, a drive with a non-integer step count; a foreign-realm Float32Array is taken", async () => {
  const net = new Network({ dt_ms: 1 });
  const a = net.addPopulation("a", new LIF(1, 1));
  const v = net.addMonitor(new StateMonitor(a, "v_mV"));
  // an options object after the step count is not read by run: refused, before any step
  assert.throws(
    () => (net.run as (...x: unknown[]) => void)({}, 3, { learning: false }),
    /^InvalidParameterError: Network\.run takes 2 arguments \(inputs, steps\), got 3: argument 3 \(an object with keys \["learning"\]\) would be ignored; remove it$/,
  );
  assert.equal(net.time, 0);
  assert.throws(
    () => net.run({ a: undefined } as never, 1),
    /^InvalidParameterError: input for "a" must be a Float32Array .*got undefined$/,
  );
  assert.throws(
    () => net.run(new Map([["a", new Float32Array([1])]]) as never, 1),
    /^InvalidParameterError: run takes an object that maps population names to inputs \(or \{\} for none\), got a Map$/,
  );
  assert.throws(
    () => net.run({ a: { steps: Number.NaN, apply() {} } }, 1),
    /input for "a" says it covers NaN steps; a drive's steps must be a whole number >= 0/,
  );
  const { runInNewContext } = await import("node:vm");
  const foreign = runInNewContext("new Float32Array([2])") as Float32Array;
  assert.ok(!(foreign instanceof Float32Array));
  net.run({ a: foreign }, 1);
  assert.equal(v.trace(0)[0], -63, "2 mV added into dv_mV at the first step");
});

test("a monitor that throws mid-run leaves time equal to the steps taken; SpikeCounter and StateMonitor refuse odd arguments", () => {
  const net = new Network({ dt_ms: 1 });
  const a = net.addPopulation("a", new Input(2));
  const b = net.addPopulation("b", new LIF(1, 1));
  const before = net.addMonitor(new StateMonitor(b, "v_mV"));
  const spikes = net.addMonitor(new SpikeMonitor(a, { maxEvents: 3 }));
  const after = net.addMonitor(new StateMonitor(b, "v_mV"));
  assert.throws(() => net.run({ a: new Float32Array([1, 1]) }, 5), /reached its maxEvents of 3 at step 1/);
  assert.equal(net.time, 2, "two steps were taken; the second one's spikes did not fit");
  // the full monitor keeps whole steps; the monitors after it still recorded the step the network took
  assert.deepEqual([...spikes.steps], [0, 0]);
  assert.deepEqual([...before.values().steps, ...after.values().steps], [0, 1, 0, 1]);
  assert.throws(
    () => new (SpikeCounter as unknown as new (...x: unknown[]) => SpikeCounter)(a, { foo: 1 }),
    /^InvalidParameterError: SpikeCounter takes only the population it counts \(it has no options\), got 2 arguments$/,
  );
  assert.throws(
    () => new (StateMonitor as unknown as new (p: unknown) => StateMonitor)(new LIF(4, 1)),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message ===
        "StateMonitor needs the name of the state variable it records as its second argument, e.g. " +
          'new StateMonitor(pop, "v_mV"); got undefined (this lif population has: v_mV)',
  );
  assert.throws(
    () => new StateMonitor(new LIF(4, 1), "v_mV", { neurons: 3 as never }),
    /^InvalidParameterError: StateMonitor neurons must be a list of neuron indices, e\.g\. \[0, 1, 2\], got 3$/,
  );
});

test("learning cannot change inside a step: a drive, monitor or end-of-run rule that sets it is refused", () => {
  // what a tester saw: learning switched off by a monitor during a run went on applying STDP to the end of the
  // run but skipped the end-of-run normalisation; now the switch is refused and the run stops there
  const build = () => {
    const net = new Network({ dt_ms: 1 });
    const x = net.addPopulation("x", new Input(2));
    const y = net.addPopulation("y", new LIF(1, 1, { tRef_ms: 0 }));
    const d = net.addProjection("d", new Dense(x, y, { weights: 0.5, bounds: { wMin: 0, wMax: 1 } }));
    postPre(d, 1);
    new IncomingNormalization(d, 1);
    return { net, d };
  };
  const inputs = { x: new Float32Array([1, 1]), y: new Float32Array([100]) };
  const refusal =
    /^StateError: learning was set while the network is running \(from a drive, monitor or rule\); a run learns or not from its first step to its end, so set learning between runs \(split the run in two where it should change\)$/;

  const a = build();
  a.net.addMonitor({
    record: (s: number) => {
      if (s === 0) a.net.learning = false;
    },
    reset() {},
  });
  assert.throws(() => a.net.run(inputs, 10), refusal);
  assert.equal(a.net.learning, true, "the refused switch changed nothing");
  assert.equal(a.net.time, 1, "the run stopped at the step that tried");

  const b = build();
  assert.throws(
    () =>
      b.net.run(
        {
          ...inputs,
          y: {
            apply: (step: number, pop) => {
              pop.port()[0] += 100;
              if (step === 3) b.net.learning = true; // even to the value it has
            },
          },
        },
        10,
      ),
    refusal,
  );

  // from an end-of-run hook: a rule's afterRun runs while the network is still running
  const c = build();
  c.d.rules.push({ name: "switch-off", update() {}, reset() {}, afterRun: () => (c.net.learning = false) });
  assert.throws(() => c.net.run(inputs, 2), refusal);

  // between runs it takes full effect: learning, then frozen, then normalised again
  const d = build();
  d.net.run(inputs, 10);
  assert.ok(Math.abs(d.d.w[0] + d.d.w[1] - 1) < 1e-6, `normalised to 1: ${Array.from(d.d.w)}`);
  d.net.learning = false;
  const frozen = Array.from(d.d.w);
  d.net.run(inputs, 10);
  assert.deepEqual(Array.from(d.d.w), frozen, "learning off: weights bit-identical");
  // the failed runs above cleared the running flag: the switch works on them again
  a.net.learning = false;
  assert.equal(a.net.learning, false);
});

test("learning must be a boolean, in the options and when set", () => {
  for (const bad of ["no", 0, null] as const) {
    assert.throws(
      () => new Network({ dt_ms: 1, learning: bad as never }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidParameterError, String(e));
        assert.match(e.message, /^Network option learning must be true or false, got /);
        return true;
      },
    );
  }
  assert.throws(
    () => new Network({ dt_ms: 1, learning: "no" as never }),
    /^InvalidParameterError: Network option learning must be true or false, got string "no"$/,
  );
  assert.equal(new Network({ dt_ms: 1 }).learning, true, "default on");
  assert.equal(new Network({ dt_ms: 1, learning: false }).learning, false);
  const net = new Network({ dt_ms: 1, learning: false });
  assert.throws(
    () => (net.learning = "yes" as never),
    /^InvalidParameterError: learning must be true or false, got string "yes"$/,
  );
  assert.throws(() => (net.learning = 1 as never), /learning must be true or false, got number 1$/);
  assert.equal(net.learning, false, "a refused value changes nothing");
  net.learning = true;
  assert.equal(net.learning, true);
});

test("missing or wrong arguments of the constructor and the add and lookup methods are typed errors", () => {
  const said = refusal;
  const Ctor = Network as unknown as new (...a: unknown[]) => Network;
  assert.equal(
    said(() => new Ctor()),
    "Network takes its options { dt_ms, learning? }, got none; e.g. new Network({ dt_ms: 1 }) for 1 ms steps",
  );
  assert.match(
    said(() => new Ctor(null)),
    /^Network options must be an object of named options .*got null$/,
  );
  assert.match(
    said(() => new Ctor({})),
    /^dt_ms must be a finite number, got undefined$/,
  );

  const net = new Network({ dt_ms: 1 });
  const a = net.addPopulation("a", new Input(1));
  const b = net.addPopulation("b", new LIF(1, 1));
  const anyNet = net as unknown as Record<string, (...x: unknown[]) => unknown>;
  // an object that is no population was taken, and failed only at run with "pops[k].step is not a function"
  assert.equal(
    said(() => anyNet.addPopulation.call(net, "p", {})),
    'addPopulation("p", ...) takes a population, but the object given lacks model (a string), size (a whole ' +
      "number >= 0), spikeIdx (an Int32Array), spikeCount (a whole number >= 0), spiked (a Uint8Array), " +
      "portNames (a list of port names), port (a function port(name?)), step (a function step(ctx)), reset (a " +
      "function reset()), stateNames (a list of state names), state (a function state(name)); pass a neuron " +
      "model such as new LIF(size, dt_ms), or an object with every member of the Population interface that " +
      'spikeflow exports (docs/architecture.md, "The engine")',
  );
  // one member of the wrong kind and one missing are both named
  const lif = new LIF(2, 1);
  const almost = Object.create(lif, { step: { value: undefined }, size: { value: "2" } });
  assert.match(
    said(() => anyNet.addPopulation.call(net, "p", almost)),
    /the object given lacks step \(a function step\(ctx\)\); has size = string "2", expected a whole number >= 0;/,
  );
  assert.equal(
    said(() => anyNet.addPopulation.call(net, "p")),
    'addPopulation("p", ...) takes a population (a neuron model such as new LIF(size, dt_ms)), got undefined',
  );
  assert.equal(
    said(() => anyNet.addPopulation.call(net, 3, new LIF(1, 1))),
    'addPopulation takes the population\'s name (a non-empty string) first, got number 3; e.g. addPopulation("X", new Input(784))',
  );
  assert.equal(
    said(() => anyNet.addPopulation.call(net, "", new LIF(1, 1))),
    'addPopulation takes the population\'s name (a non-empty string) first, got string ""; e.g. addPopulation("X", new Input(784))',
  );
  assert.equal(
    said(() => anyNet.addProjection.call(net, "d")),
    'addProjection("d", ...) takes a projection (such as new Dense(source, target, options)), got undefined',
  );
  assert.match(
    said(() => anyNet.addProjection.call(net, "d", {})),
    /^addProjection\("d", \.\.\.\) takes a projection, but the object given lacks kind \(a string\), source \(a population\), target \(a population\), port \(a port name\), deliver \(a function deliver\(\)\), rules \(a list of learning rules\); pass one such as/,
  );
  const proj = new TinyDense(a, b, new Float32Array([1]));
  assert.match(
    said(() => anyNet.addProjection.call(net, undefined, proj)),
    /^addProjection takes the projection's name \(a non-empty string\) first, got undefined; e\.g\. addProjection\("X->Y", /,
  );
  assert.match(
    said(() => anyNet.population.call(net)),
    /^population takes the population's name \(a non-empty string\) first, got undefined; e\.g\. population\("X"\)$/,
  );
  assert.match(
    said(() => anyNet.projection.call(net, 0)),
    /^projection takes the projection's name .*got number 0/,
  );
  // nothing refused was added
  assert.deepEqual(net.populationNames, ["a", "b"]);
  assert.deepEqual(net.projectionNames, []);
  net.run({}, 1);

  // rules are attached after addProjection: run checks them before the first step (a TypeError from inside
  // the step loop before)
  net.addProjection("ab", proj);
  proj.rules.push({ name: "half" } as never);
  assert.match(
    said(() => net.run({}, 1)),
    /^learning rule 1 of projection "ab" is not a learning rule: it lacks update \(a function update\(ctx\)\), reset \(a function reset\(\)\); attach rules with their builders/,
  );
  proj.rules[0] = undefined as never;
  assert.match(
    said(() => net.run({}, 1)),
    /^learning rule 1 of projection "ab" is undefined; attach rules/,
  );
  proj.rules[0] = { name: "odd-dt", dt_ms: "1" as never, update() {}, reset() {} };
  assert.match(
    said(() => net.run({}, 1)),
    /^learning rule "odd-dt" of projection "[^"]+" was built for dt = string "1" but the network steps at dt = 1 ms/,
  );
  assert.equal(net.time, 1, "no refused run took a step");
});

test("run refuses to pass step 2^31 - 1, where int32 step numbers would wrap, and says how many steps remain", () => {
  const net = new Network({ dt_ms: 1 });
  net.addPopulation("y", new LIF(1, 1));
  assert.throws(
    () => net.run({}, 2 ** 31),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message ===
        "net.run(inputs, 2147483648) would take the network from step 0 past step 2147483647 (2^31 - 1), " +
          "where recorded step numbers (monitors, trace stamps) are int32 and would wrap; run at most " +
          "2147483647 steps, in several runs with net.reset() between them",
  );
  net.run({}, 5);
  assert.throws(
    () => net.run({}, 2 ** 31 - 5),
    /from step 5 past step 2147483647 .*call net\.reset\(\) to start again from step 0, or run at most 2147483642 more steps$/,
  );
  assert.equal(net.time, 5, "the refused runs took no step");
  (net as unknown as { t: number }).t = 2 ** 31 - 1; // as if it had run that far
  assert.throws(
    () => net.run({}, 1),
    /from step 2147483647 past step 2147483647 .*; it is at the last step: call net\.reset\(\) to start again from step 0$/,
  );
  net.run({}, 0);
  net.reset();
  net.run({}, 2);
  assert.equal(net.time, 2);
});

test("a step of 1 us or less is warned about as a step likely given in seconds (Brian2's 0.1*ms is 0.0001)", () => {
  const warnings = (dt_ms: number) =>
    captureLogs(() => new Network({ dt_ms })).filter((r) => r.id === "dt-tiny");
  assert.deepEqual(
    warnings(0.0001).map((r) => r.message),
    [
      "dt_ms = 0.0001 ms is a step of 0.1 us. Times are in ms here: if 0.0001 is in seconds (Brian2's units), " +
        'write dt_ms: 0.1; if it is meant, muteWarning("dt-tiny") silences this',
    ],
  );
  assert.equal(warnings(0.001).length, 1);
  assert.deepEqual(warnings(0.01), []);
  assert.deepEqual(warnings(0.1), []);
});
