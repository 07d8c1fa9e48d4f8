/**
 * Physical parameters of every neuron model are checked at construction: resistances, time constants and
 * capacitances must be > 0 (a refractory period and a threshold increment >= 0), while voltages may be negative.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError, ShapeMismatchError, TimeStepError } from "../../src/core/errors.ts";
import {
  AdaptiveLIF,
  CubaLIF,
  DoubleExpLIF,
  IF,
  Integrator,
  Izhikevich,
  LI,
  LIF,
  SynapticLIF,
  Threshold,
} from "../../src/neurons/index.ts";
import { ctxAt } from "./helpers.ts";

type Make = (params: Record<string, unknown>) => unknown;

const MODELS: Record<string, Make> = {
  LIF: (p) => new LIF(1, 0.1, p),
  AdaptiveLIF: (p) => new AdaptiveLIF(1, 0.1, p),
  CubaLIF: (p) => new CubaLIF(1, 0.1, p),
  SynapticLIF: (p) => new SynapticLIF(1, 0.1, p),
  LI: (p) => new LI(1, 0.1, p),
  DoubleExpLIF: (p) => new DoubleExpLIF(1, 0.05, p),
  IF: (p) => new IF(1, 0.1, p),
  Integrator: (p) => new Integrator(1, 0.1, p),
  Izhikevich: (p) => new Izhikevich(1, 0.1, p),
};

/** [model, field]: the field must be > 0; 0 and -1 are refused, naming the field and the bound. */
const POSITIVE: [string, string][] = [
  ["LIF", "resistance_MOhm"],
  ["LIF", "tauMem_ms"],
  ["AdaptiveLIF", "resistance_MOhm"],
  ["AdaptiveLIF", "tauMem_ms"],
  ["AdaptiveLIF", "tauTheta_ms"],
  ["CubaLIF", "resistance_MOhm"],
  ["CubaLIF", "tauMem_ms"],
  ["SynapticLIF", "resistance_MOhm"],
  ["SynapticLIF", "tauMem_ms"],
  ["SynapticLIF", "tauSyn_ms"],
  ["LI", "resistance_MOhm"],
  ["LI", "tauMem_ms"],
  ["DoubleExpLIF", "resistance_MOhm"],
  ["DoubleExpLIF", "tauMem_ms"],
  ["DoubleExpLIF", "tauDecay_ms"],
  ["IF", "capacitance_nF"],
  ["Integrator", "capacitance_nF"],
  ["Izhikevich", "a"],
];

test("resistances, time constants and capacitances of 0 or below are refused, naming the field", () => {
  for (const [model, field] of POSITIVE) {
    for (const value of [-1, 0]) {
      assert.throws(
        () => MODELS[model]({ [field]: value }),
        (e: unknown) => {
          assert.ok(e instanceof InvalidParameterError, `${model} ${field} = ${value}: ${String(e)}`);
          assert.match(e.message, new RegExp(`${field} must be > 0`), `${model} ${field} = ${value}`);
          return true;
        },
      );
    }
  }
});

test("a CubaLIF synapse time constant, a negative refractory period and a negative theta increment are refused", () => {
  assert.throws(
    () => new CubaLIF(1, 0.1, { synapses: [{ port: "syn", tauSyn_ms: -5 }] }),
    /synapses\[0\]\.tauSyn_ms must be > 0, got -5/,
  );
  for (const model of ["LIF", "AdaptiveLIF", "CubaLIF", "DoubleExpLIF", "IF", "Izhikevich"]) {
    assert.throws(
      () => MODELS[model]({ tRef_ms: -1 }),
      (e: unknown) => e instanceof TimeStepError && /tRef_ms must be >= 0 ms, got -1 ms/.test(e.message),
      model,
    );
  }
  assert.throws(
    () => new AdaptiveLIF(1, 0.1, { thetaPlus_mV: -0.05 }),
    /thetaPlus_mV must be >= 0, got -0.05/,
  );
});

test("a population too large for one buffer is refused up front, not by a RangeError from the engine", () => {
  for (const [name, make] of [
    ["LIF", () => new LIF(1e10, 1)],
    ["DoubleExpLIF", () => new DoubleExpLIF(1e10, 0.05)],
    ["Izhikevich", () => new Izhikevich(3e8, 1)],
  ] as const) {
    assert.throws(
      make,
      (e: unknown) =>
        e instanceof InvalidParameterError &&
        /^a population of \d+ neurons is too large: its ports and state need \d+ float32 \([\d.]+ GiB\), and one buffer holds at most 536870912; split it into several populations$/.test(
          e.message,
        ),
      name,
    );
  }
});

test("negative voltages stay legitimate: rest, reset, threshold and initial values below 0 mV build", () => {
  const lif = new LIF(1, 0.1, { vRest_mV: -70, vReset_mV: -75, vThreshold_mV: -50, vInit_mV: -80 });
  const ifn = new IF(1, 0.1, { vReset_mV: -10, vThreshold_mV: -5 });
  const li = new LI(1, 0.1, { vRest_mV: -3 });
  const syn = new SynapticLIF(1, 0.1, { vRest_mV: -2, wIn: -1 });

  assert.equal(lif.v_mV[0], -80);
  assert.equal(ifn.v_mV[0], -10);
  assert.equal(li.v_mV[0], -3);
  assert.equal(syn.params.wIn, -1, "a negative input gain is a sign, not a physical impossibility");
});

/** The exact refusals of a value stored in float32 state, and of a factor that scales or adds into it. */
const STORED = (name: string, value: string): RegExp =>
  new RegExp(
    `^${escape(name)} = ${escape(value)} is beyond the float32 range \\(magnitude up to 3\\.4028234663852886e\\+38\\) ` +
      `it is stored in, where it would become Infinity; rescale it$`,
  );
const FACTOR = (name: string, value: string): RegExp =>
  new RegExp(
    `^${escape(name)} = ${escape(value)} is beyond the float32 range \\(magnitude up to 3\\.4028234663852886e\\+38\\) ` +
      `of the state it scales or adds into, where the result would become Infinity; rescale it$`,
  );
/** An InvalidParameterError whose message matches `message`. */
const refusal =
  (message: RegExp) =>
  (e: unknown): boolean =>
    e instanceof InvalidParameterError && message.test(e.message);
function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** [model, params, expected message]: every option stored in (or scaling into) float32 state, model by model. */
const BEYOND_FLOAT32: [string, Record<string, unknown>, RegExp][] = [
  ["LIF", { vInit_mV: 1e39 }, STORED("vInit_mV", "1e+39")],
  ["LIF", { vRest_mV: -1e39, vReset_mV: -1e39, vThreshold_mV: 0 }, STORED("vRest_mV", "-1e+39")],
  ["LIF", { vReset_mV: -1e39 }, STORED("vReset_mV", "-1e+39")],
  ["LIF", { vThreshold_mV: 1e39 }, STORED("vThreshold_mV", "1e+39")],
  ["LIF", { resistance_MOhm: 1e39 }, FACTOR("resistance_MOhm", "1e+39")],
  [
    "LIF",
    { reset: "subtract", vReset_mV: -3e38, vThreshold_mV: 3e38 },
    FACTOR("vThreshold_mV - vReset_mV", "6e+38"),
  ],
  ["AdaptiveLIF", { vInit_mV: -1e39 }, STORED("vInit_mV", "-1e+39")],
  ["AdaptiveLIF", { vRest_mV: 1e39 }, STORED("vRest_mV", "1e+39")],
  ["AdaptiveLIF", { thetaPlus_mV: 1e39 }, FACTOR("thetaPlus_mV", "1e+39")],
  ["AdaptiveLIF", { resistance_MOhm: 1e39 }, FACTOR("resistance_MOhm", "1e+39")],
  ["CubaLIF", { vInit_mV: 1e39 }, STORED("vInit_mV", "1e+39")],
  ["CubaLIF", { vReset_mV: -1e39 }, STORED("vReset_mV", "-1e+39")],
  ["CubaLIF", { resistance_MOhm: 1e39 }, FACTOR("resistance_MOhm", "1e+39")],
  ["IF", { vInit_mV: 1e39 }, STORED("vInit_mV", "1e+39")],
  ["IF", { vThreshold_mV: 1e39 }, STORED("vThreshold_mV", "1e+39")],
  ["IF", { capacitance_nF: 1e-40 }, FACTOR("dt_ms / capacitance_nF", String(0.1 / 1e-40))],
  ["Integrator", { vInit_mV: 1e39 }, STORED("vInit_mV", "1e+39")],
  ["Integrator", { capacitance_nF: 1e-40 }, FACTOR("dt_ms / capacitance_nF", String(0.1 / 1e-40))],
  ["LI", { vInit_mV: 1e39 }, STORED("vInit_mV", "1e+39")],
  ["LI", { vRest_mV: -1e39 }, STORED("vRest_mV", "-1e+39")],
  ["LI", { resistance_MOhm: 1e39 }, FACTOR("resistance_MOhm", "1e+39")],
  ["SynapticLIF", { vInit_mV: 1e39 }, STORED("vInit_mV", "1e+39")],
  ["SynapticLIF", { vRest_mV: 1e39 }, STORED("vRest_mV", "1e+39")],
  ["SynapticLIF", { wIn: -1e39 }, FACTOR("wIn", "-1e+39")],
  ["SynapticLIF", { resistance_MOhm: 1e39 }, FACTOR("resistance_MOhm", "1e+39")],
  ["SynapticLIF", { resistance_MOhm: 1e20, wIn: 1e20 }, FACTOR("resistance_MOhm * wIn", "1e+40")],
  ["DoubleExpLIF", { vInit: 1e39 }, STORED("vInit", "1e+39")],
  ["DoubleExpLIF", { vInit: { kind: "uniform", lo_mV: -1e39, hi_mV: 0 } }, STORED("vInit.lo_mV", "-1e+39")],
  ["DoubleExpLIF", { vInit: { kind: "uniform", lo_mV: 0, hi_mV: 1e39 } }, STORED("vInit.hi_mV", "1e+39")],
  ["DoubleExpLIF", { vRest_mV: 1e39 }, STORED("vRest_mV", "1e+39")],
  ["DoubleExpLIF", { vReset_mV: -1e39 }, STORED("vReset_mV", "-1e+39")],
  ["DoubleExpLIF", { resistance_MOhm: 1e39 }, FACTOR("resistance_MOhm", "1e+39")],
  ["DoubleExpLIF", { noiseSd_mV: 1e39 }, FACTOR("noiseSd_mV", "1e+39")],
  ["DoubleExpLIF", { bias_nA: [1e39] }, FACTOR("bias_nA[0]", "1e+39")],
  ["DoubleExpLIF", { resistance_MOhm: 1e20, bias_nA: 1e20 }, FACTOR("resistance_MOhm * bias_nA", "1e+40")],
  ["Izhikevich", { vInit_mV: 1e39 }, STORED("vInit_mV", "1e+39")],
  ["Izhikevich", { uInit: 1e39 }, STORED("uInit", "1e+39")],
  ["Izhikevich", { vPeak_mV: 1e39 }, STORED("vPeak_mV", "1e+39")],
  ["Izhikevich", { c_mV: -1e39 }, STORED("c_mV", "-1e+39")],
  ["Izhikevich", { a: 1e39 }, FACTOR("a", "1e+39")],
  ["Izhikevich", { b: [1e39] }, FACTOR("b[0]", "1e+39")],
  ["Izhikevich", { d: 1e39 }, FACTOR("d", "1e+39")],
  ["Izhikevich", { b: 1e37, vInit_mV: -65 }, STORED("the default uInit (b * vInit_mV)", String(1e37 * -65))],
];

test("every start value and parameter beyond float32 is refused at construction, naming the option", () => {
  for (const [model, params, message] of BEYOND_FLOAT32) {
    assert.throws(
      () => MODELS[model](params),
      (e: unknown) => {
        assert.ok(e instanceof InvalidParameterError, `${model} ${JSON.stringify(params)}: ${String(e)}`);
        assert.match(e.message, message, `${model} ${JSON.stringify(params)}`);
        return true;
      },
    );
  }
  // the largest float32 itself is still accepted (it is stored exactly)
  assert.equal(
    new LIF(1, 0.1, { vInit_mV: 3.4028234663852886e38, vThreshold_mV: 3.4e38 }).v_mV[0],
    3.4028234663852886e38,
  );
});

test("a Threshold unit refuses thresholds beyond float32, one value or one per neuron", () => {
  assert.throws(() => new Threshold(1, 1, { threshold_nA: 1e39 }), refusal(STORED("threshold_nA", "1e+39")));
  assert.throws(
    () => new Threshold(2, 1, { threshold_nA: [0, -1e39] }),
    refusal(STORED("threshold_nA[1]", "-1e+39")),
  );
});

/** Models with a refractory period, built at dt = 1 ms so that tRef_ms counts steps. */
const REFRACTORY: Record<string, Make> = {
  LIF: (p) => new LIF(1, 1, p),
  AdaptiveLIF: (p) => new AdaptiveLIF(1, 1, p),
  CubaLIF: (p) => new CubaLIF(1, 1, p),
  DoubleExpLIF: (p) => new DoubleExpLIF(1, 1, p),
  IF: (p) => new IF(1, 1, p),
  Izhikevich: (p) => new Izhikevich(1, 1, p),
};

test("a refractory period the int32 counter cannot hold is refused with its steps and the limit", () => {
  const limit = (tRef: number, steps: string, max: number): RegExp =>
    new RegExp(
      `^tRef_ms = ${tRef} ms is ${steps} steps of dt = 1 ms, more than the ${max} steps the int32 refractory ` +
        `counter holds; use a shorter tRef_ms or a larger dt_ms$`,
    );
  for (const [model, make] of Object.entries(REFRACTORY)) {
    for (const tRef of [2 ** 31, 2 ** 32 + 2]) {
      assert.throws(
        () => make({ tRef_ms: tRef }),
        (e: unknown) =>
          e instanceof InvalidParameterError && limit(tRef, String(tRef), 2147483647).test(e.message),
        `${model} tRef_ms ${tRef}`,
      );
    }
    // the largest period that fits is still a period
    make({ tRef_ms: 2 ** 31 - 1 });
  }
  // "t-last" stores R + 1
  assert.throws(
    () => new DoubleExpLIF(1, 1, { tRef_ms: 2 ** 31 - 1, refractoryRule: "t-last" }),
    refusal(limit(2 ** 31 - 1, "2147483647", 2147483646)),
  );
  assert.throws(
    () => new LIF(1, 1e-300),
    refusal(
      /^tRef_ms = 2 ms is 1\.9999999999999998e\+300 steps of dt = 1e-300 ms, more than the 2147483647 steps/,
    ),
  );
});

test("a refractory period of 2^31 - 1 steps holds the neuron: one spike in 20 driven steps", () => {
  const lif = new LIF(1, 1, { tRef_ms: 2 ** 31 - 1 });
  let spikes = 0;
  for (let s = 0; s < 20; s++) {
    lif.port("dv_mV")[0] = 100;
    lif.step(ctxAt(s, 1));
    spikes += lif.spikeCount;
  }
  assert.equal(spikes, 1);
  assert.equal(lif.refractoryLeft[0], 2 ** 31 - 1 - 19);
});

test("setRefractory refuses more steps than the int32 counter holds (it stores steps + 1)", () => {
  for (const pop of [
    new LIF(1, 1),
    new AdaptiveLIF(1, 1),
    new CubaLIF(1, 1),
    new IF(1, 1),
    new Izhikevich(1, 1),
  ]) {
    assert.throws(
      () => pop.setRefractory(0, 2 ** 31 - 1),
      /^InvalidParameterError: refractory steps = 2147483647 is more than the 2147483646 steps the int32 refractory counter holds \(it stores steps \+ 1\); use fewer steps$/,
      pop.model,
    );
    pop.setRefractory(0, 2 ** 31 - 2);
    assert.equal(pop.refractoryLeft[0], 2 ** 31 - 1, pop.model);
  }
});

test("an argument past a model's last one is refused, not dropped: new LIF(n, dt, params, { rng }) has no options", () => {
  type Loose = new (...args: unknown[]) => unknown;
  const three: [string, Loose][] = [
    ["LIF", LIF as unknown as Loose],
    ["CubaLIF", CubaLIF as unknown as Loose],
    ["SynapticLIF", SynapticLIF as unknown as Loose],
    ["LI", LI as unknown as Loose],
    ["DoubleExpLIF", DoubleExpLIF as unknown as Loose],
    ["IF", IF as unknown as Loose],
    ["Integrator", Integrator as unknown as Loose],
    ["Izhikevich", Izhikevich as unknown as Loose],
    ["Threshold", Threshold as unknown as Loose],
  ];
  for (const [name, Model] of three) {
    assert.throws(
      () => new Model(2, 0.05, {}, { noise_mV: 1 }),
      new RegExp(
        `^InvalidParameterError: ${name} takes 3 arguments \\(size, dt_ms, params\\), got 4: argument 4 ` +
          `\\(an object with keys \\["noise_mV"\\]\\) would be ignored; remove it; ${name} has no options ` +
          "argument \\(AdaptiveLIF is the model that takes one\\)$",
      ),
      name,
    );
    // an explicit undefined (a generic caller's "no options") changes nothing and builds
    assert.ok(new Model(2, 0.05, {}, undefined), name);
  }
  assert.throws(
    () => new (AdaptiveLIF as unknown as Loose)(2, 0.05, {}, {}, undefined, 7),
    /^InvalidParameterError: AdaptiveLIF takes 4 arguments \(size, dt_ms, params, options\), got 6: argument 6 \(number 7\) would be ignored; remove it$/,
  );
});

test("vInit_mV takes one value per neuron for LIF, IF, AdaptiveLIF, CubaLIF and SynapticLIF; reset() restores it", () => {
  // a tester's case: random initial voltages had to be written into v_mV after construction, and reset()
  // then put every neuron back to the one scalar
  const given = [-70, -60.5, -55];
  for (const make of [
    (v: unknown) => new LIF(3, 1, { vInit_mV: v as number }),
    (v: unknown) => new IF(3, 1, { vInit_mV: v as number }),
    (v: unknown) => new AdaptiveLIF(3, 1, { vInit_mV: v as number }),
    (v: unknown) => new CubaLIF(3, 0.1, { vInit_mV: v as number }),
    (v: unknown) =>
      new CubaLIF(3, 0.1, {
        vInit_mV: v as number,
        synapses: [
          { port: "e", tauSyn_ms: 5 },
          { port: "i", tauSyn_ms: 10 },
        ],
      }),
    (v: unknown) => new SynapticLIF(3, 1, { vInit_mV: v as number, vThreshold_mV: 100 }),
  ]) {
    const source = Float64Array.from(given);
    const pop = make(source);
    assert.deepEqual(Array.from(pop.v_mV), given, pop.model);
    source[0] = 0; // the population keeps its own copy, in params too (saved settings and NIR export read it)
    assert.deepEqual(Array.from(pop.params.vInit_mV as ArrayLike<number>), given, `${pop.model} params`);
    pop.v_mV.fill(-1);
    pop.reset();
    assert.deepEqual(Array.from(pop.v_mV), given, `${pop.model} after reset()`);
    assert.throws(
      () => make([-70, -60]),
      (e: unknown) =>
        e instanceof ShapeMismatchError &&
        e.message ===
          "vInit_mV has 2 values but the population has 3 neurons; give one value or one per neuron",
    );
    assert.throws(
      () => make([-70, NaN, -60]),
      /^InvalidParameterError: vInit_mV\[1\] must be a finite number, got NaN$/,
    );
    assert.throws(() => make([-70, 1e39, -60]), /vInit_mV\[1\]/);
  }
});

test("a DataView as vInit_mV is refused as not an array of numbers (it said 0 values)", () => {
  assert.throws(
    () => new LIF(3, 1, { vInit_mV: new DataView(new ArrayBuffer(12)) as never }),
    /^InvalidParameterError: vInit_mV must be a number or an array of one number per neuron \(3\), got /,
  );
});
