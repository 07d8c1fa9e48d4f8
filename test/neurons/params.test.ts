/**
 * Physical parameters of every neuron model are checked at construction: resistances, time constants and
 * capacitances must be > 0 (a refractory period and a threshold increment >= 0), while voltages may be negative.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError, TimeStepError } from "../../src/core/errors.ts";
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
} from "../../src/neurons/index.ts";

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
