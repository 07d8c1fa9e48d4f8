/**
 * docs/inputs.md: the worked example (a LIF under a constant current follows the analytic solution), the
 * contrast with a Float32Array input (a voltage jump per step on the default port), and the port table,
 * checked against the models' `portNames`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  AdaptiveLIF,
  CobaLIF,
  CubaLIF,
  DoubleExpLIF,
  HeldCurrentDrive,
  IF,
  Input,
  Integrator,
  Izhikevich,
  LI,
  LIF,
  Network,
  NoiseCurrentDrive,
  SpikeCounter,
  SpikeMonitor,
  SpikeTrain,
  StateMonitor,
  SynapticLIF,
  Threshold,
  createRng,
} from "../../src/index.ts";
import type { Population } from "../../src/index.ts";
import { NotFoundError, ShapeMismatchError } from "../../src/core/errors.ts";
import { captureLogs } from "../../src/core/log.ts";

const DOC = readFileSync(new URL("../../docs/inputs.md", import.meta.url), "utf8");

/** The doc's example network: a LIF with tau 10 ms and R 10 MOhm at dt 0.1 ms, its v recorded. */
function exampleNetwork() {
  const dt_ms = 0.1;
  const net = new Network({ dt_ms });
  const lif = net.addPopulation("lif", new LIF(1, dt_ms, { tauMem_ms: 10, resistance_MOhm: 10 }));
  const v = net.addMonitor(new StateMonitor(lif, "v_mV"));
  const spikes = net.addMonitor(new SpikeCounter(lif));
  return { net, v, spikes };
}

test("a LIF under a constant 1.2 nA on i_nA follows v_rest + R I (1 - e^(-t/tau)) (the docs/inputs.md example)", () => {
  const steps = 500;
  const { net, v, spikes } = exampleNetwork();

  net.run({ lif: new HeldCurrentDrive([1], 1, 1, [1.2], { holdSteps: steps }) }, steps);
  const trace = v.trace(0);

  // Tolerance: each step stores v (53 < |v| <= 65 mV) as float32, an error of at most half an ulp, 2^-18 mV;
  // an error is multiplied by e^(-dt/tau) = 0.990 at every later step, so the errors sum to at most
  // 2^-18 / (1 - e^(-0.01)) = 3.8e-4 mV. The float32 current 1.2 is off by 4.8e-8 nA, R x that = 5e-7 mV.
  assert.equal(trace.length, steps);
  for (let s = 0; s < steps; s++) {
    const exact = -65 + 10 * 1.2 * (1 - Math.exp(-((s + 1) * 0.1) / 10));
    assert.ok(Math.abs(trace[s] - exact) < 4e-4, `sample ${s}: ${trace[s]} vs ${exact}`);
  }
  assert.ok(Math.abs(trace[steps - 1] - (-65 + 12 * (1 - Math.exp(-5)))) < 4e-4, "50 ms = 5 tau");
  assert.equal(spikes.totalSpikes, 0, "v tends to -53 mV, below the -52 mV threshold");
});

test("the hand-written drive of docs/inputs.md gives the same trace, bit for bit", () => {
  const steps = 500;
  const held = exampleNetwork();
  const custom = exampleNetwork();
  const constantCurrent = {
    apply: (_step: number, target: Population) => void (target.port("i_nA")[0] += 1.2),
  };

  held.net.run({ lif: new HeldCurrentDrive([1], 1, 1, [1.2], { holdSteps: steps }) }, steps);
  custom.net.run({ lif: constantCurrent }, steps);

  assert.deepEqual(custom.v.trace(0), held.v.trace(0));
});

test("a Float32Array input goes to the default port dv_mV: 1.2 mV per step fires after 12 steps", () => {
  // v_k = -65 + 1.2 (1 - D^k) / (1 - D), D = e^(-0.01): reaches -52 mV first at k = 12 (v_11 = -51.74 mV)
  const { net, v, spikes } = exampleNetwork();

  net.run({ lif: new Float32Array([1.2]) }, 12);

  assert.equal(spikes.totalSpikes, 1);
  assert.ok(v.trace(0)[10] < -52, `v after 11 steps ${v.trace(0)[10]}`);
  assert.equal(v.trace(0)[11], -65, "reset in the spike step");
});

test("the port table of docs/inputs.md matches every model's portNames", () => {
  const models: Record<string, Population> = {
    Input: new Input(1),
    LIF: new LIF(1, 1),
    AdaptiveLIF: new AdaptiveLIF(1, 1),
    IF: new IF(1, 1),
    Izhikevich: new Izhikevich(1, 1),
    CubaLIF: new CubaLIF(1, 1),
    CobaLIF: new CobaLIF(1, 1),
    DoubleExpLIF: new DoubleExpLIF(1, 0.05),
    SynapticLIF: new SynapticLIF(1, 1),
    LI: new LI(1, 1),
    Integrator: new Integrator(1, 1),
    Threshold: new Threshold(1, 1),
  };
  const section = DOC.split("## The ports of each model")[1].split("\n## ")[0];
  const rows = section.split("\n").filter((l) => l.startsWith("| `"));
  const seen: string[] = [];

  for (const row of rows) {
    const [names, defaultPort, others] = row.split("|").slice(1, 4);
    const ticks = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    for (const name of ticks(names)) {
      assert.ok(name in models, `the table names ${name}`);
      assert.deepEqual([...models[name].portNames], [ticks(defaultPort)[0], ...ticks(others)], name);
      seen.push(name);
    }
  }
  assert.deepEqual(seen.sort(), Object.keys(models).sort(), "every model has a row");
});

test("NoiseCurrentDrive adds sd_i N(0, 1) per neuron and step: the draws of its stream, in neuron order", () => {
  const pop = new LI(3, 1);
  const drive = new NoiseCurrentDrive([1, 0, 2.5], 3, createRng(4, "noise"), { port: "i_nA" });
  const rng = createRng(4, "noise");
  const port = pop.port("i_nA");
  for (let k = 0; k < 50; k++) {
    port.set([0.5, -1, 0]);
    drive.apply(k, pop);
    const expected = [0.5 + 1 * rng.normal(), -1 + 0 * rng.normal(), 0 + 2.5 * rng.normal()].map(Math.fround);
    assert.deepEqual(Array.from(port), expected, `step ${k}`);
  }
  // long-run moments of the largest-sd neuron: mean 0, sd 2.5 (10 000 draws: se of the sd ~ 0.018)
  const long = new NoiseCurrentDrive(2.5, 1, createRng(9, "noise"));
  const target = new LI(1, 1);
  let m = 0;
  let m2 = 0;
  for (let k = 0; k < 10_000; k++) {
    target.port("i_nA")[0] = 0;
    long.apply(k, target);
    const x = target.port("i_nA")[0];
    m += x / 10_000;
    m2 += (x * x) / 10_000;
  }
  assert.ok(
    Math.abs(m) < 0.08 && Math.abs(Math.sqrt(m2 - m * m) - 2.5) < 0.06,
    `mean ${m}, sd ${Math.sqrt(m2)}`,
  );
});

test("NoiseCurrentDrive refuses a negative sd, a wrong length, a missing rng, a bad port and another population's size", () => {
  assert.throws(() => new NoiseCurrentDrive(-1, 2, createRng(1, "n")), /sd must be >= 0, got -1/);
  assert.throws(
    () => new NoiseCurrentDrive([1, 2, 3], 2, createRng(1, "n")),
    /sd has 3 values but the population has 2 neurons/,
  );
  assert.throws(
    () => new NoiseCurrentDrive(1, 2, 42 as never),
    /^InvalidParameterError: NoiseCurrentDrive\(sd, size, rng\) needs a random generator as its third argument, e\.g\. createRng\(seed, "noise"\), got number 42$/,
  );
  assert.throws(
    () => new NoiseCurrentDrive(1, 2, createRng(1, "n"), { port: 3 as never }),
    /port must be a port name such as "i_nA", got number 3/,
  );
  const drive = new NoiseCurrentDrive([1, 2], 2, createRng(1, "n"));
  assert.throws(
    () => drive.apply(0, new LI(3, 1)),
    (e: unknown) =>
      e instanceof ShapeMismatchError && /built for 2 neurons but drives a population of 3/.test(e.message),
  );
  // sd is fixed: the getter hands out a copy
  drive.sd[0] = Number.NaN;
  assert.deepEqual(Array.from(drive.sd), [1, 2]);
});

test("NoiseCurrentDrive refuses an sd beyond float32 (its port would get +-Infinity), one value or per neuron", () => {
  const beyond = (name: string): RegExp =>
    new RegExp(
      `^InvalidParameterError: ${name.replace(/[[\]]/g, "\\$&")} = 1e\\+39 is beyond the float32 range ` +
        `\\(magnitude up to 3\\.4028234663852886e\\+38\\) of the state it scales or adds into, where the ` +
        `result would become Infinity; rescale it$`,
    );
  assert.throws(() => new NoiseCurrentDrive(1e39, 2, createRng(1, "n")), beyond("sd"));
  assert.throws(() => new NoiseCurrentDrive([1, 1e39], 2, createRng(1, "n")), beyond("sd[1]"));
});

test("a drive built for another size names the population it was given for, before any step", () => {
  const net = new Network({ dt_ms: 1 });
  const a = net.addPopulation("a", new LIF(3, 1));
  net.addPopulation("c", new LIF(3, 1));
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      { c: SpikeTrain.fromEvents(2, 3, []) },
      /^ShapeMismatchError: input for "c" is a SpikeTrain built for 2 neurons but the population has 3 neurons; build it with size 3, the size of "c"$/,
    ],
    [
      { a: new Float32Array(3), c: new HeldCurrentDrive([1, 1], 2, 1, [1], { holdSteps: 3 }) },
      /^ShapeMismatchError: input for "c" is a HeldCurrentDrive built for 2 neurons but the population has 3 neurons; build it with size 3, the size of "c"$/,
    ],
    [
      { c: { size: 5, apply: () => undefined } },
      /^ShapeMismatchError: input for "c" is a drive built for 5 neurons but the population has 3 neurons; build it with size 3, the size of "c"$/,
    ],
    [
      { c: new NoiseCurrentDrive(1, 4, createRng(1, "n")) },
      /^ShapeMismatchError: input for "c" is a NoiseCurrentDrive built for 4 neurons but the population has 3 neurons; build it with size 3, the size of "c"$/,
    ],
  ];
  for (const [inputs, message] of cases) {
    assert.throws(() => net.run(inputs as never, 3), message);
    assert.equal(net.time, 0, "refused before the first step");
    assert.equal(a.v_mV[0], -65);
  }
  // the right sizes run
  net.run({ c: SpikeTrain.fromEvents(3, 3, [[0, 1]]) }, 3);
  assert.equal(net.time, 3);
});

test("run takes a list of inputs per population: their effects add up, and errors name the entry", () => {
  // a tester's case: a spike train and a background current into one population needed a hand-written drive
  const build = () => {
    const net = new Network({ dt_ms: 1 });
    net.addPopulation("y", new LIF(2, 1, { vRest_mV: 0, vReset_mV: 0, vThreshold_mV: 1000, tauMem_ms: 10 }));
    return net;
  };
  const train = SpikeTrain.fromEvents(2, 3, [
    [0, 0],
    [1, 1],
  ]);
  const constant = Float32Array.from([0.5, 0.25]);
  const both = build();
  both.run({ y: [train, constant] }, 3);
  const separate = build();
  const y = separate.population<LIF>("y");
  // the same by hand: each step adds the train's spikes (+1 mV) and the constant into dv_mV
  for (let s = 0; s < 3; s++) {
    const jump = [s === 0 ? 1 : 0, s === 1 ? 1 : 0];
    for (let i = 0; i < 2; i++) y.port("dv_mV")[i] = jump[i] + constant[i];
    separate.run({}, 1);
  }
  assert.ok(y.v_mV[0] > 1, "the train and the constant both acted");
  assert.deepEqual(Array.from(both.population<LIF>("y").v_mV), Array.from(y.v_mV));
  // two trains into one Input: one spike where both spike in a step
  const net = new Network({ dt_ms: 1 });
  net.addPopulation("x", new Input(2));
  const spikes = net.addMonitor(new SpikeMonitor(net.population("x")));
  net.run(
    {
      x: [
        SpikeTrain.fromEvents(2, 2, [[0, 0]]),
        SpikeTrain.fromEvents(2, 2, [
          [0, 0],
          [1, 1],
        ]),
      ],
    },
    2,
  );
  assert.deepEqual(
    [Array.from(spikes.steps), Array.from(spikes.neurons)],
    [
      [0, 1],
      [0, 1],
    ],
  );
  assert.throws(
    () => build().run({ y: [train, Float32Array.from([1])] }, 3),
    /^ShapeMismatchError: input at index 1 for "y" has length 1 but the population has 2 neurons$/,
  );
  assert.throws(
    () => build().run({ y: [train, 5 as never] }, 3),
    /^InvalidParameterError: input at index 1 for "y" must be a Float32Array of 2 values \(added every step\) or a drive/,
  );
  assert.throws(
    () => build().run({ y: [] }, 3),
    /^InvalidParameterError: the inputs for "y" are an empty list; give an input, a list of inputs, or leave "y" out$/,
  );
  assert.throws(
    () => build().run({ y: [[train]] as never }, 3),
    /^InvalidParameterError: input at index 0 for "y" is a list; lists of inputs do not nest: give the inputs in one flat list$/,
  );
  const holed: SpikeTrain[] = [train];
  holed[2] = train;
  assert.throws(
    () => build().run({ y: holed }, 3),
    /^InvalidParameterError: input at index 1 for "y" is missing \(a hole in the list\); give an input there$/,
  );
  // a drive that names a port the population lacks is refused before the first step, naming the input
  const net2 = build();
  assert.throws(
    () =>
      net2.run({ y: [train, new HeldCurrentDrive([1, 1], 2, 1, [1], { holdSteps: 3, port: "i_mA" })] }, 3),
    (e: unknown) =>
      e instanceof NotFoundError &&
      e.message ===
        'input at index 1 for "y" adds into port "i_mA", which the lif population "y" does not have; its ' +
          "ports are: dv_mV, i_nA",
  );
  assert.equal(net2.time, 0);
  // a plain list of numbers is still a constant written as an array, refused with the advice to convert it
  assert.throws(
    () => build().run({ y: [0.5, 0.25] as never }, 3),
    /^InvalidParameterError: input for "y" must be a Float32Array .*; convert an array with Float32Array\.from\(values\)$/,
  );
});

test("a list of exactly `steps` constant arrays (a [T][N] input) warns that each acts at every step", () => {
  const build = (): Network => {
    const net = new Network({ dt_ms: 1 });
    net.addPopulation("x", new Input(3));
    return net;
  };
  const perStep = [0, 1, 2, 3].map((k) => Float32Array.from([k === 0 ? 1 : 0, k === 1 ? 1 : 0, 0]));
  const net = build();
  const counter = net.addMonitor(new SpikeCounter(net.population("x")));
  const logs = captureLogs(() => net.run({ x: perStep }, 4));
  const warned = logs.filter((r) => r.id === "input-list-per-step");
  assert.equal(warned.length, 1);
  assert.match(warned[0].message, /4 arrays for a run of 4 steps; a list adds its inputs up/);
  // what the warning says happens: neurons 0 and 1 spike at all four steps
  assert.deepEqual([...counter.counts], [4, 4, 0]);
  // a list of another length, or of drives, says nothing
  const quiet = build();
  assert.equal(
    captureLogs(() => quiet.run({ x: perStep.slice(0, 2) }, 4)).filter((r) => r.id === "input-list-per-step")
      .length,
    0,
  );
});
