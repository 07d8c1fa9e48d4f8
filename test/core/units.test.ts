import assert from "node:assert/strict";
import { test } from "node:test";
import { captureLogs, muteWarning } from "../../src/core/log.ts";
import { SI_UNITS, warnIfSiUnits } from "../../src/core/units.ts";
import { LIF } from "../../src/neurons/lif.ts";

const siWarnings = (fn: () => void) => captureLogs(fn).filter((r) => r.id === SI_UNITS);

test("potentials in volts (Brian2's SI values) get a hint with the values in mV", () => {
  const logs = siWarnings(
    () => new LIF(3, 0.1, { vRest_mV: -0.065, vReset_mV: -0.07, vThreshold_mV: -0.05 }),
  );
  assert.equal(logs.length, 1);
  assert.match(
    logs[0].message,
    /^LIF: vRest_mV = -0\.065, vReset_mV = -0\.07, vThreshold_mV = -0\.05 look like volts/,
  );
  assert.match(logs[0].message, /write vRest_mV: -65, vReset_mV: -70, vThreshold_mV: -50;/);
  assert.match(logs[0].message, /muteWarning\("si-units"\)/);
});

test("per-neuron potentials in volts are recognised too", () => {
  const logs = siWarnings(
    () => new LIF(2, 0.1, { vRest_mV: [-0.065, -0.06], vReset_mV: -0.065, vThreshold_mV: -0.05 }),
  );
  assert.equal(logs.length, 1);
  assert.match(logs[0].message, /vRest_mV = \[-0\.065, \.\.\.\] \(2 values\)/);
  assert.match(logs[0].message, /vRest_mV: \[-65, \.\.\.\] \(2 values, each times 1000\)/);
});

test("mV, normalised units and small non-negative potentials give no hint", () => {
  assert.deepEqual(
    siWarnings(() => new LIF(3, 0.1)),
    [],
  );
  // snnTorch-style normalised neuron: rest 0, threshold 1
  assert.deepEqual(
    siWarnings(() => new LIF(3, 0.1, { vRest_mV: 0, vReset_mV: 0, vThreshold_mV: 1 })),
    [],
  );
  // small, but nothing at -0.01 or below: not a membrane in volts
  assert.deepEqual(
    siWarnings(() => new LIF(3, 0.1, { vRest_mV: 0, vReset_mV: 0, vThreshold_mV: 0.1 })),
    [],
  );
  // normalised units with a reset below 0 (a potential at exactly 0 and one above)
  assert.deepEqual(
    siWarnings(() => new LIF(3, 0.1, { vRest_mV: 0, vReset_mV: -0.05, vThreshold_mV: 0.1 })),
    [],
  );
});

test("conductance, capacitance and resistance magnitudes of SI base units get a hint", () => {
  const logs = siWarnings(() => {
    warnIfSiUnits("CobaLIF", { gLeak_nS: 1e-8 });
    warnIfSiUnits("IF", { capacitance_nF: 2e-10 });
    warnIfSiUnits("LIF", { resistance_MOhm: 1e8 });
  });
  assert.deepEqual(
    logs.map((r) => r.message.split(";")[0]),
    [
      "CobaLIF: gLeak_nS = 1e-8 looks like siemens (Brian2's unit)",
      "IF: capacitance_nF = 2e-10 looks like farads (Brian2's unit)",
      "LIF: resistance_MOhm = 100000000 looks like ohms (Brian2's unit)",
    ],
  );
  assert.match(logs[0].message, /write 10;/);
  assert.match(logs[1].message, /write 0\.2;/);
  assert.match(logs[2].message, /write 100;/);
});

test("plausible magnitudes give no hint", () => {
  assert.deepEqual(
    siWarnings(() =>
      warnIfSiUnits("X", { gLeak_nS: 10, capacitance_nF: 0.2, resistance_MOhm: 100, thetaPlus_mV: 0.05 }),
    ),
    [],
  );
  // a per-neuron list is flagged only when every entry looks SI
  assert.deepEqual(
    siWarnings(() => warnIfSiUnits("X", { gLeak_nS: [1e-8, 10] })),
    [],
  );
});

test("the LIF resistance check runs in the constructor", () => {
  // (another value than above: a warning is printed once per message)
  const logs = siWarnings(() => new LIF(1, 0.1, { resistance_MOhm: 2e8 }));
  assert.equal(logs.length, 1);
  assert.match(logs[0].message, /resistance_MOhm = 200000000 looks like ohms.*write 200;/);
});

test("every LIF-family model checks its parameters when built", async () => {
  const { IF } = await import("../../src/neurons/if.ts");
  const { CubaLIF } = await import("../../src/neurons/cuba-lif.ts");
  const { AdaptiveLIF } = await import("../../src/neurons/adaptive-lif.ts");
  const { SynapticLIF } = await import("../../src/neurons/synaptic-lif.ts");
  const { LI } = await import("../../src/neurons/li.ts");
  const volts = { vRest_mV: -0.06, vReset_mV: -0.061, vThreshold_mV: -0.051 };
  const logs = siWarnings(() => {
    new IF(1, 0.1, { capacitance_nF: 3e-10 });
    new CubaLIF(1, 0.1, volts);
    new AdaptiveLIF(1, 0.1, volts);
    new SynapticLIF(1, 0.1, volts);
    new LI(1, 0.1, { vRest_mV: -0.06 });
  });
  assert.deepEqual(
    logs.map((r) => r.message.split(":")[0]),
    ["IF", "CubaLIF", "AdaptiveLIF", "SynapticLIF", "LI"],
  );
});

test("a single potential in volts among mV ones (a partial slip) is named alone", () => {
  const logs = siWarnings(() => new LIF(1, 0.1, { vRest_mV: -0.07 }));
  assert.equal(logs.length, 1);
  assert.match(
    logs[0].message,
    /^LIF: vRest_mV = -0\.07 looks like volts .* write vRest_mV: -70; if it is meant/,
  );
});

test("Izhikevich's c and peak, and the Integrator's capacitance, are checked", async () => {
  const { Izhikevich } = await import("../../src/neurons/izhikevich.ts");
  const { Integrator } = await import("../../src/neurons/integrator.ts");
  const logs = siWarnings(() => {
    new Izhikevich(1, 0.5, { c_mV: -0.065, vPeak_mV: 0.03 });
    new Integrator(1, 0.1, { capacitance_nF: 4e-10 });
  });
  assert.equal(logs.length, 2);
  assert.match(
    logs[0].message,
    /^Izhikevich: vPeak_mV = 0\.03, c_mV = -0\.065 look like volts .* write vPeak_mV: 30, c_mV: -65;/,
  );
  assert.match(logs[1].message, /^Integrator: capacitance_nF = 4e-10 looks like farads .* write 0\.4;/);
});

test("CobaLIF checks its leak conductance and potentials", async () => {
  const { CobaLIF } = await import("../../src/neurons/coba-lif.ts");
  const logs = siWarnings(() => new CobaLIF(1, 0.1, { gLeak_nS: 2e-8, vRest_mV: -0.06 }));
  assert.deepEqual(
    logs.map((r) => r.message.split(";")[0]),
    [
      "CobaLIF: vRest_mV = -0.06 looks like volts (Brian2 stores potentials in volts)",
      "CobaLIF: gLeak_nS = 2e-8 looks like siemens (Brian2's unit)",
    ],
  );
});

test("muteWarning refuses an id that no warning can have, with the spelling it probably meant", () => {
  assert.throws(
    () => muteWarning("si_units"),
    /muteWarning takes a warning id, .* got "si_units"; did you mean "si-units"\?/,
  );
  assert.throws(() => muteWarning("SI-units"), /got "SI-units"; did you mean "si-units"\?/);
  assert.throws(() => muteWarning(undefined as never), /got undefined$/);
});
