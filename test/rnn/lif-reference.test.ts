/**
 * The transferred network (engine: DoubleExpLIF + Dense + HeldCurrentDrive + LinearReadout) against a plain
 * dense reference kernel written here from the reference code's loop (spiking/LIF_network_fnc.m, read, not
 * ported): per step I = IPSC + BIAS + W_in u; Euler membrane with noise; spikes; JD = column sums of W over the
 * spikers; IPSC <- IPSC e^(-dt/td_i) + h dt; h <- h e^(-dt/tr) + JD / (tr td_i); the same filter of each unit's
 * own spikes for the readout; out = (W_out / s) r. The kernel counts refractoriness either by the reference's
 * rule (dv = 0 while t <= t_last + t_ref with t = (k + 1) dt and t_last = 0 at the start, written in whole
 * steps: held while k <= k_last + 40, k_last = -1 at the start; the threshold is tested in every step), which
 * is the transfer's default, or by the engine's convention (R - 1 held steps, no threshold test while held).
 * It draws the same random numbers in the same order and rounds where the engine stores float32 (weights,
 * ports, v), so the two must agree exactly: the same spikes, and outputs to float64 rounding.
 * (MATLAB compares the float times dt * i > t_last + t_ref; at dt = 0.00005 s that holds 39 instead of 40
 * steps after 147 of the 20 000 possible spike steps of a trial, a rounding artefact not reproduced here.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "../../src/core/rng.ts";
import { GaussianNoise } from "../../src/neurons/gaussian-noise.ts";
import { paddedInput, runLifTrial } from "../../src/rnn/lif-trial.ts";
import type { RefractoryRule } from "../../src/neurons/double-exp-lif.ts";
import { type RateRnn, createRateRnn, decayTaus_ms } from "../../src/rnn/rate-rnn.ts";
import { generateTrial, type Trial } from "../../src/rnn/tasks.ts";
import { spikingWeights, transferRateRnn } from "../../src/rnn/transfer.ts";

const f32 = Math.fround;

function referenceRun(
  model: RateRnn,
  scale: number,
  trial: Trial,
  seed: number,
  steps: number,
  rule: RefractoryRule,
) {
  const N = model.units;
  const C = model.inputs;
  const dt = 0.05;
  const tr = 2;
  const td = decayTaus_ms(model);
  const { recurrent, readout } = spikingWeights(model, scale);
  const W = recurrent.map(f32); // [post * N + pre]
  const u = paddedInput(trial);
  const rng = createRng(seed, "ref");
  const v = new Float64Array(N);
  for (let i = 0; i < N; i++) v[i] = f32(rng.uniform(-65, 30));
  const gauss = new GaussianNoise(rng);
  const noise = new Float64Array(N);
  const IPSC = new Float64Array(N);
  const h = new Float64Array(N);
  const r = new Float64Array(N);
  const hr = new Float64Array(N);
  const JD = new Float64Array(N); // the engine's float32 "syn" port
  const ext = new Float64Array(N); // the engine's float32 "i_nA" port
  const ref = new Int32Array(N); // "engine": steps left
  const kLast = new Int32Array(N).fill(-1); // "t-last": step of the last spike (t_last = 0 <=> k = -1)
  const spikes: [number, number][] = [];
  const out: number[] = [];
  for (let k = 0; k < steps; k++) {
    gauss.fill(noise, N, 0.1);
    const row = Math.floor((2 * (k + 1) + 100) / 200); // round((k + 1) / 100)
    for (let i = 0; i < N; i++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += model.wIn[i * C + c] * u[row * C + c];
      ext[i] = f32(f32(s)); // rows are precomputed in float32, then added into a zero port
    }
    const fired: number[] = [];
    for (let i = 0; i < N; i++) {
      const ed = Math.exp(-dt / td[i]);
      IPSC[i] = IPSC[i] * ed + h[i] * dt;
      h[i] = h[i] * Math.exp(-dt / tr) + JD[i] * (1000 / (tr * td[i]));
      r[i] = r[i] * ed + hr[i] * dt;
      hr[i] = hr[i] * Math.exp(-dt / tr);
      let vi: number;
      if (rule === "t-last") {
        const held = k <= kLast[i] + 40;
        const I = IPSC[i] - 40 + ext[i];
        vi = held ? v[i] + noise[i] : v[i] + (dt / 10) * (0 + I - v[i]) + noise[i];
      } else {
        if (ref[i] > 0 && --ref[i] > 0) {
          v[i] = f32(v[i] + noise[i]);
          continue;
        }
        const I = IPSC[i] - 40 + ext[i];
        vi = v[i] + (dt / 10) * (0 + I - v[i]) + noise[i];
      }
      if (vi >= -40) {
        fired.push(i);
        vi = -65;
        ref[i] = 40;
        kLast[i] = k;
        hr[i] += 1000 / (tr * td[i]);
      }
      v[i] = f32(vi);
    }
    JD.fill(0);
    for (const j of fired) {
      spikes.push([k, j]);
      for (let i = 0; i < N; i++) JD[i] = f32(JD[i] + W[i * N + j]);
    }
    let z = 0;
    for (let i = 0; i < N; i++) z += readout[i] * r[i];
    out.push(z);
  }
  return { spikes, out };
}

function uneven(seed: number): RateRnn {
  const model = createRateRnn({ units: 50, seed });
  const rng = createRng(seed, "w");
  for (let k = 0; k < model.wRaw.length; k++) model.wRaw[k] *= 1 + 0.5 * rng.float(); // uneven weights
  return model;
}

function assertSame(engine: ReturnType<typeof runLifTrial>, ref: ReturnType<typeof referenceRun>): void {
  assert.ok(ref.spikes.length > 1000, `${ref.spikes.length} spikes`);
  assert.deepEqual(
    Array.from(engine.spikeSteps, (s, k) => [s, engine.spikeNeurons[k]]),
    ref.spikes,
  );
  let maxErr = 0;
  for (let k = 0; k < ref.out.length; k++) maxErr = Math.max(maxErr, Math.abs(engine.output[k] - ref.out[k]));
  assert.ok(maxErr < 1e-9, `max output difference ${maxErr}`);
}

test("the default transfer equals the reference loop (t_last refractory rule): identical spikes and outputs over a Go trial", () => {
  const model = uneven(6);
  const trial = generateTrial("go-nogo", createRng(6, "t"), { go: true });
  const net = transferRateRnn(model, 20);

  const engine = runLifTrial(net, trial, createRng(6, "ref"));
  const ref = referenceRun(model, 20, trial, 6, 20_000, "t-last");

  assertSame(engine, ref);
  // the rule holds a unit for the 40 steps after each spike
  const last = new Map<number, number>();
  for (const [k, j] of ref.spikes) {
    const prev = last.get(j);
    if (prev !== undefined) assert.ok(k - prev >= 41, `unit ${j} fired at steps ${prev} and ${k}`);
    last.set(j, k);
  }
});

test('with neuron.refractoryRule = "engine" the transfer equals the reference loop with our convention (R - 1 held steps)', () => {
  const model = uneven(6);
  const trial = generateTrial("go-nogo", createRng(6, "t"), { go: true });
  const net = transferRateRnn(model, 20, { neuron: { refractoryRule: "engine" } });

  const engine = runLifTrial(net, trial, createRng(6, "ref"));
  const ref = referenceRun(model, 20, trial, 6, 20_000, "engine");

  assertSame(engine, ref);
});
