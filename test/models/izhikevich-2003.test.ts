/**
 * Izhikevich (2003)'s network built from engine parts against a plain transcription of the paper's loop: the
 * same random numbers, float32 where the engine stores float32 (v, u, the input port, the weights), so the
 * spike lists must agree exactly, however chaotic the network is.
 */
import { test } from "node:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";
import { InvalidParameterError } from "../../src/core/errors.ts";
import { createRng } from "../../src/core/rng.ts";
import { izhikevich2003 } from "../../src/models/izhikevich-2003.ts";
import { SpikeMonitor } from "../../src/network/monitors.ts";
import { withExample } from "../helpers/example.ts";
import { izhikevichLoopStep } from "../helpers/izhikevich-loop.ts";

/** The paper's algorithm, written out: returns [step, neuron] of every spike (step of the threshold test). */
function paperLoop(ne: number, ni: number, seed: number, steps: number): [number, number][] {
  const n = ne + ni;
  const cells = createRng(seed, "izhikevich-2003", "cells");
  const a: number[] = [];
  const b: number[] = [];
  const c: number[] = [];
  const d: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = cells.float();
    const exc = i < ne;
    a.push(exc ? 0.02 : 0.02 + 0.08 * r);
    b.push(exc ? 0.2 : 0.25 - 0.05 * r);
    c.push(exc ? -65 + 15 * r * r : -65);
    d.push(exc ? 8 - 6 * r * r : 2);
  }
  const draw = createRng(seed, "izhikevich-2003", "weights");
  const S = new Float32Array(n * n); // S[pre * n + post]
  for (let k = 0; k < n * n; k++) S[k] = Math.floor(k / n) < ne ? 0.5 * draw.float() : -draw.float();
  const thalamus = createRng(seed, "izhikevich-2003", "thalamus");
  const v = new Float32Array(n).fill(-65);
  const u = new Float32Array(n).map((_, i) => b[i] * -65);
  const I = new Float32Array(n);
  let fired: number[] = [];
  const out: [number, number][] = [];
  for (let t = 0; t < steps; t++) {
    I.fill(0);
    for (const pre of fired) for (let post = 0; post < n; post++) I[post] += S[pre * n + post];
    for (let i = 0; i < n; i++) I[i] += (i < ne ? 5 : 2) * thalamus.normal();
    fired = izhikevichLoopStep(v, u, I, a, b, c, d);
    for (const i of fired) out.push([t, i]);
  }
  return out;
}

function engineSpikes(ne: number, ni: number, seed: number, steps: number): [number, number][] {
  const m = izhikevich2003({ excitatory: ne, inhibitory: ni, seed });
  const mon = m.net.addMonitor(new SpikeMonitor(m.neurons));
  m.net.run({ cortex: m.thalamus }, steps);
  return Array.from(mon.steps, (s, k) => [s, mon.neurons[k]] as [number, number]);
}

test("the engine network spikes exactly as the paper's loop (80 + 20 neurons, 1000 ms; 800 + 200, 300 ms)", () => {
  for (const [ne, ni, steps] of [
    [80, 20, 1000],
    [800, 200, 300],
  ]) {
    const expected = paperLoop(ne, ni, 7, steps);
    assert.ok(expected.length > 100, `${expected.length} spikes`);
    assert.deepEqual(engineSpikes(ne, ni, 7, steps), expected, `${ne} + ${ni}`);
  }
});

test("the paper's network: excitatory and inhibitory cells fire at 5-10 Hz, the population rhythm peaks at 6-12 Hz", () => {
  const m = izhikevich2003({ seed: 1 });
  const mon = m.net.addMonitor(new SpikeMonitor(m.neurons));
  m.net.run({ cortex: m.thalamus }, 1000);
  const counts = new Float64Array(1000);
  let exc = 0;
  for (let k = 0; k < mon.count; k++) {
    counts[mon.steps[k]]++;
    if (mon.neurons[k] < 800) exc++;
  }
  const excHz = exc / 800;
  const inhHz = (mon.count - exc) / 200;
  assert.ok(excHz > 5 && excHz < 10 && inhHz > 5 && inhHz < 10, `${excHz} Hz, ${inhHz} Hz`);
  const mean = mon.count / 1000;
  let best = 0;
  let bestPower = 0;
  for (let f = 2; f <= 80; f++) {
    let re = 0;
    let im = 0;
    for (let t = 0; t < 1000; t++) {
      re += (counts[t] - mean) * Math.cos((2 * Math.PI * f * t) / 1000);
      im += (counts[t] - mean) * Math.sin((2 * Math.PI * f * t) / 1000);
    }
    if (re * re + im * im > bestPower) [best, bestPower] = [f, re * re + im * im];
  }
  assert.ok(best >= 6 && best <= 12, `peak at ${best} Hz`);
});

test("options are checked", () => {
  assert.throws(() => izhikevich2003({ excitatory: -1 }), InvalidParameterError);
  assert.throws(
    () => izhikevich2003({ excitatory: "8" as never }),
    /^InvalidParameterError: izhikevich2003: excitatory must be an integer >= 0, got string "8"$/,
  );
  assert.throws(
    () => izhikevich2003({ excitatory: 1e5 }),
    /^InvalidParameterError: izhikevich2003: 100200 neurons coupled all to all need 10040040000 weights; one projection holds at most 536870912 \(23170 neurons\)$/,
  );
  assert.throws(() => izhikevich2003({ excitatory: 0, inhibitory: 0 }), /at least one neuron/);
  assert.throws(
    () => izhikevich2003({ seeds: 1 } as never),
    /unknown option "seeds" \(did you mean seed\?\)/,
  );
});

test("the example script prints rates and rhythm, writes the raster, and refuses bad options with one line", () => {
  withExample("from-papers/izhikevich-2003/network.ts", "sf-izh-", (run, dir) => {
    const ok = run("--seed", "1", "--ms", "1000", "--out", join(dir, "out"));
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /spikes: 7589; mean rate excitatory 7\.67 Hz, inhibitory 7\.26 Hz/);
    assert.match(ok.stdout, /population rhythm: strongest at 8\.0 Hz;/);
    for (const f of ["raster.svg", "raster.png", "spikes.json"])
      assert.ok(existsSync(join(dir, "out", f)), f);
    const short = run("--ms", "10");
    assert.equal(short.status, 2);
    assert.equal(short.stderr, 'network.ts: --ms must be an integer in [200, 20000], got "10"\n');
    writeFileSync(join(dir, "file"), "");
    const badOut = run("--ms", "200", "--out", join(dir, "file", "x"));
    assert.equal(badOut.status, 2);
    assert.match(badOut.stderr, /^network\.ts: cannot write to --out .*file\/x: /);
    assert.equal(badOut.stdout, "", "refused before the simulation");
  });
});
