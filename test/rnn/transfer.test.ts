/**
 * Rate-to-LIF transfer (case C34.2 and the reference's mapping): W_spk = W_eff / s, W_out / s without bias,
 * W_in and tau_d copied, the time base (one rate step = 100 LIF steps), Dale's signs, the two synapse filters
 * agreeing when all decay constants are equal, and errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError, TimeStepError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { Dense } from "../../src/projections/dense.ts";
import { type RateRnn, createRateRnn, decayTaus_ms, effectiveWeightsDense } from "../../src/rnn/rate-rnn.ts";
import { runLifTrial } from "../../src/rnn/lif-trial.ts";
import { generateTrial } from "../../src/rnn/tasks.ts";
import { spikingWeights, transferRateRnn } from "../../src/rnn/transfer.ts";

/** A fully connected 3-unit net (unit 2 inhibitory after the override) with every raw weight 0.5. */
function tinyNet(): RateRnn {
  const m = createRateRnn({
    units: 3,
    inputs: 2,
    pConnect: 1,
    pInhibitory: 0,
    tauMin_ms: 20,
    tauMax_ms: 20,
    seed: 1,
  });
  m.sign[2] = -1;
  m.wRaw.fill(0.5);
  m.wOut.set([0.5, -1, 2]);
  m.bOut[0] = 0.3;
  return m;
}

test("C34.2: with s = 50 a rate weight of 0.5 becomes 0.01 (W_spk = W_rate / s), readout W_out / s without bias", () => {
  const m = tinyNet();

  const w = spikingWeights(m, 50);
  const net = transferRateRnn(m, 50);
  const dense = net.recurrent as Dense;

  // [post * 3 + pre]; column 2 (from the inhibitory unit) is negative
  assert.deepEqual(Array.from(w.recurrent), [0.01, 0.01, -0.01, 0.01, 0.01, -0.01, 0.01, 0.01, -0.01]);
  assert.ok(dense instanceof Dense);
  assert.equal(dense.get(0, 1), Math.fround(0.01), "Dense is [pre][post]: from unit 0 to unit 1");
  assert.equal(dense.get(2, 0), Math.fround(-0.01));
  assert.deepEqual(Array.from(net.readout.weights), [0.01, -0.02, 0.04]);
  assert.equal(net.readout.bias, 0, "b_out is not used by the spiking readout");
  assert.deepEqual(Array.from(net.inputWeights), Array.from(m.wIn), "W_in is copied unscaled");
});

test("C34.2 time base: a 5 ms rate step is 100 LIF steps of 0.05 ms; tau_d is copied in ms (4 rate steps = 20 ms)", () => {
  const m = tinyNet();

  const net = transferRateRnn(m, 25);
  const trial = generateTrial("go-nogo", createRng(1, "t"));

  assert.equal(net.holdSteps, 100);
  assert.equal(decayTaus_ms(m)[0], 4 * m.dynamics.dt_ms);
  assert.equal(net.population.derived.decay[0], Math.exp(-0.05 / 20));
  assert.equal(net.population.derived.jump[0], 1000 / (2 * 20));
  assert.equal(trial.steps * net.holdSteps, 20_000, "a 200-step Go-NoGo trial runs 20 000 LIF steps (1 s)");
});

test("Dale: every non-zero spiking weight out of unit j carries unit j's sign, also after arbitrary raw changes", () => {
  const m = createRateRnn({ units: 40, seed: 5 });
  const rng = createRng(5, "perturb");
  for (let k = 0; k < m.wRaw.length; k++) m.wRaw[k] += rng.normal() * 0.3; // some go <= 0 (inert under relu)

  const net = transferRateRnn(m, 30);
  const dense = net.recurrent as Dense;

  let negative = 0;
  for (let pre = 0; pre < 40; pre++) {
    for (let post = 0; post < 40; post++) {
      const w = dense.get(pre, post);
      if (w !== 0) assert.equal(Math.sign(w), m.sign[pre], `weight ${pre} -> ${post}`);
      if (w < 0) negative++;
    }
  }
  assert.ok(negative > 0 && m.sign.includes(-1));
  const weff = effectiveWeightsDense(m);
  for (let post = 0; post < 40; post++) {
    for (let k = m.rowPtr[post]; k < m.rowPtr[post + 1]; k++) {
      if (m.wRaw[k] <= 0) assert.equal(dense.get(m.colIdx[k], post), 0, "raw weights <= 0 are inert");
      else assert.equal(dense.get(m.colIdx[k], post), Math.fround(weff[post * 40 + m.colIdx[k]] / 30));
    }
  }
});

test('with equal decay constants the "receiver" filter (event-driven) and the "sender" filter (W r) agree', () => {
  // I_i = sum_j W_ij (k * s_j) for the same kernel k whichever unit's tau filters it (see transfer.ts), so the
  // two runs differ only by float32 rounding of the delivered currents.
  const m = createRateRnn({ units: 60, tauMin_ms: 35, tauMax_ms: 35, seed: 2 });
  const trial = generateTrial("go-nogo", createRng(2, "t"), { go: true });
  const run = (synapseFilter: "receiver" | "sender") => {
    const net = transferRateRnn(m, 20, { synapseFilter });
    const r = runLifTrial(net, trial, createRng(2, "noise"));
    return {
      out: Array.from(r.output.subarray(0, 6000)),
      spikes: Array.from(r.spikeSteps).filter((s) => s < 6000),
    };
  };

  const a = run("receiver");
  const b = run("sender");

  assert.ok(a.spikes.length > 100, `${a.spikes.length} spikes`);
  assert.deepEqual(b.spikes, a.spikes);
  for (let k = 0; k < a.out.length; k++) assert.ok(Math.abs(a.out[k] - b.out[k]) < 1e-5, `step ${k}`);
});

test("errors: a non-positive s, overriding tau_d, and a LIF step that does not divide the rate step", () => {
  const m = tinyNet();

  assert.throws(() => transferRateRnn(m, 0), /scale must be > 0/);
  assert.throws(
    () => transferRateRnn(m, 25, { neuron: { tauDecay_ms: 5 } as object }),
    (e: unknown) =>
      e instanceof InvalidParameterError && /copies the rate net's decay constants/.test(e.message),
  );
  assert.throws(() => transferRateRnn(m, 25, { dt_ms: 0.3 }), TimeStepError);
  // the advice names LIF steps that divide the 5 ms rate step (not another rate step)
  assert.throws(
    () => transferRateRnn(m, 25, { dt_ms: 0.07 }),
    (e: unknown) =>
      e instanceof TimeStepError &&
      e.message ===
        "dt_ms = 0.07 ms does not divide the model's rate step of 5 ms (71.4286 LIF steps per rate step; each " +
          "input value is held a whole number of steps); use a dt_ms that divides it, such as 0.0625 or 0.1 ms " +
          "(default 0.05)",
  );
  assert.throws(
    () => transferRateRnn(m, 25, { synapseFilter: "both" as "sender" }),
    /"receiver" or "sender"/,
  );
});

test("transferRateRnn and runLifTrial refuse what is not a rate RNN or a random generator, by name", () => {
  assert.throws(
    () => transferRateRnn({ units: 3 } as never, 20),
    /^InvalidParameterError: transferRateRnn takes a rate RNN \(from createRateRnn, trainRateRnn, rateRnnFromJSON or rateRnnFromSavedModel\), got an object with keys units$/,
  );
  const net = transferRateRnn(createRateRnn({ units: 10, seed: 1 }), 20);
  const trial = generateTrial("go-nogo", createRng(1, "t"));
  assert.throws(
    () => runLifTrial(net, trial, undefined as never),
    /^InvalidParameterError: DoubleExpLIF\.setRng needs a random generator: pass rng: createRng\(seed, "trial", k\)/,
  );
});
