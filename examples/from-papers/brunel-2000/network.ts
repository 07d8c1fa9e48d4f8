/**
 * Brunel (2000), model A: N_E excitatory and N_I = N_E / 4 inhibitory LIF neurons, sparse random coupling
 * (C_E = eps N_E, C_I = eps N_I inputs per neuron), delta synapses J and -g J with delay D = 1.5 ms, external
 * Poisson input at eta nu_thr, dt = 0.1 ms. Prints the firing rates, the CV of the inter-spike intervals, the
 * population activity's irregularity and rhythm, and the mean-field rate of the paper's eq. 21, and with
 * --out DIR writes a raster of 100 excitatory and 25 inhibitory neurons over the last 200 ms (raster.svg)
 * and the figures as JSON (rates.json). See README.md in this folder.
 *
 * Usage: node --import tsx examples/from-papers/brunel-2000/network.ts [--g 5] [--eta 2] [--scale 1]
 *   [--eps 0.1] [--J 0.1] [--ms 1000] [--seed 1] [--out DIR]
 * --J is the excitatory jump in mV (inhibitory: -g J).
 * --ms is the simulated time in ms, 200 to 20 000; the statistics leave out its first 100 ms (the start
 * from uniformly spread potentials).
 */
import { join } from "node:path";
import { decimal } from "../../../src/core/decimal.ts";
import { writeFileAtomicSync, writeJsonAtomicSync } from "../../../src/io/atomic.ts";
import { brunel2000 } from "../../../src/models/brunel-2000.ts";
import { SpikeMonitor } from "../../../src/network/monitors.ts";
import { rasterSpec } from "../../../src/plot/raster.ts";
import { renderSvg } from "../../../src/plot/svg.ts";
import { type ScriptArgs, scriptArgs } from "../script-args.ts";

const USAGE =
  "usage: node --import tsx examples/from-papers/brunel-2000/network.ts [--g 5] [--eta 2] [--scale 1] " +
  "[--eps 0.1] [--J 0.1] [--ms 1000] [--seed 1] [--out DIR]\n";
const args: ScriptArgs = scriptArgs("network.ts", USAGE, [
  "--g",
  "--eta",
  "--scale",
  "--eps",
  "--J",
  "--ms",
  "--seed",
  "--out",
]);
/** A decimal option in [min, max] (`open`: min itself excluded). */
const num = (name: string, fallback: string, min: number, max: number, open = false): number => {
  const given = args.text(name, fallback);
  const x = decimal(given);
  if (!(Number.isFinite(x) && (open ? x > min : x >= min) && x <= max)) {
    args.fail(`--${name} must be a number in ${open ? "(" : "["}${min}, ${max}], got "${given}"`);
  }
  return x;
};
const g = num("g", "5", 0, 100);
const eta = num("eta", "2", 0, 100);
const scale = num("scale", "1", 0, 4, true);
const eps = num("eps", "0.1", 0, 0.5, true);
const J_mV = num("J", "0.1", 0, 10, true);
const ms = args.int("ms", "1000", 200, 20_000);
const seed = args.int("seed", "1", 0, 2 ** 31 - 1);
// the output directory is checked (and made) before the simulation, not after it
const out = args.outDir("out");

const t0 = performance.now();
let model: ReturnType<typeof brunel2000>;
try {
  model = brunel2000({ g, eta, scale, eps, J_mV, seed });
} catch (e) {
  // a scale or eps too small for one inhibitory input, an eta too large for the step: one line, status 2
  args.fail((e as Error).message);
}
const built_s = (performance.now() - t0) / 1000;
const p = model.params;
const dt = p.dt_ms;
const spikesE = model.net.addMonitor(new SpikeMonitor(model.exc));
const spikesI = model.net.addMonitor(new SpikeMonitor(model.inh));
const steps = Math.round(ms / dt);
const t1 = performance.now();
model.net.run(model.drives, steps);
const run_s = (performance.now() - t1) / 1000;

const skip = Math.round(100 / dt); // the first 100 ms are left out
const window_s = ((steps - skip) * dt) / 1000;

/** Rate (Hz) and mean CV of the ISIs over neurons with at least 3 spikes after `skip`. */
const statistics = (mon: SpikeMonitor, n: number) => {
  const last = new Int32Array(n).fill(-1);
  const count = new Int32Array(n);
  const sum = new Float64Array(n);
  const sumSq = new Float64Array(n);
  let spikes = 0;
  for (let k = 0; k < mon.count; k++) {
    const s = mon.steps[k];
    if (s < skip) continue;
    const i = mon.neurons[k];
    spikes++;
    if (last[i] >= 0) {
      const isi = (s - last[i]) * dt;
      count[i]++;
      sum[i] += isi;
      sumSq[i] += isi * isi;
    }
    last[i] = s;
  }
  let cvSum = 0;
  let neurons = 0;
  for (let i = 0; i < n; i++) {
    if (count[i] < 2) continue;
    const mean = sum[i] / count[i];
    const variance = Math.max(0, sumSq[i] / count[i] - mean * mean);
    cvSum += Math.sqrt(variance) / mean;
    neurons++;
  }
  return { rate_Hz: spikes / n / window_s, cv: neurons > 0 ? cvSum / neurons : NaN, cvNeurons: neurons };
};
const exc = statistics(spikesE, p.N_E);
const inh = statistics(spikesI, p.N_I);

// population activity: the spikes of both populations in each step after `skip`
const bins = steps - skip;
const activity = new Float64Array(bins);
for (const mon of [spikesE, spikesI]) {
  for (let k = 0; k < mon.count; k++) if (mon.steps[k] >= skip) activity[mon.steps[k] - skip]++;
}
// SD / mean over 0.5 ms windows; independent Poisson neurons would give 1 / sqrt(mean)
const perWindow = Math.max(1, Math.round(0.5 / dt));
const windows = Math.floor(bins / perWindow);
const counts = new Float64Array(windows);
for (let b = 0; b < windows * perWindow; b++) counts[Math.floor(b / perWindow)] += activity[b];
let mean = 0;
for (const c of counts) mean += c / windows;
let variance = 0;
for (const c of counts) variance += (c - mean) ** 2 / windows;
const activityCv = mean > 0 ? Math.sqrt(variance) / mean : NaN;
const poissonCv = mean > 0 ? 1 / Math.sqrt(mean) : NaN;
// strongest rhythm of the per-step activity on a 2 Hz grid from 2 to 998 Hz, and its share of that power
// (steps of 0.1 ms sample up to 5 kHz, so the volleys of the synchronous states, up to 1 / (D + dt), are not
// folded onto other frequencies); the phase turns by a complex rotation, one multiplication per step
const stepS = dt / 1000;
const stepMean = bins > 0 ? activity.reduce((x, y) => x + y, 0) / bins : 0;
let peak_Hz = NaN;
let peakPower = 0;
let totalPower = 0;
for (let f = 2; f <= 998; f += 2) {
  const c = Math.cos(2 * Math.PI * f * stepS);
  const s = Math.sin(2 * Math.PI * f * stepS);
  let zr = 1;
  let zi = 0;
  let re = 0;
  let im = 0;
  for (let b = 0; b < bins; b++) {
    re += (activity[b] - stepMean) * zr;
    im += (activity[b] - stepMean) * zi;
    const next = zr * c - zi * s;
    zi = zr * s + zi * c;
    zr = next;
  }
  const power = re * re + im * im;
  totalPower += power;
  if (power > peakPower) [peakPower, peak_Hz] = [power, f];
}
const peakShare = totalPower > 0 ? peakPower / totalPower : NaN;

const print = (line: string) => process.stdout.write(line + "\n");
print(
  `Brunel 2000 model A, g ${g}, eta ${eta} (seed ${seed}): N_E ${p.N_E} + N_I ${p.N_I}, C_E ${p.C_E}, ` +
    `C_I ${p.C_I}, J ${p.J_mV} mV, D ${p.D_ms} ms, nu_ext ${p.nuExt_Hz.toFixed(2)} Hz; built in ` +
    `${built_s.toFixed(2)} s`,
);
print(`${ms} ms at dt = ${dt} ms in ${run_s.toFixed(2)} s`);
print(
  `rates (${100}-${ms} ms): excitatory ${exc.rate_Hz.toFixed(2)} Hz, inhibitory ${inh.rate_Hz.toFixed(2)} Hz; ` +
    `mean field ${model.meanField.rate_Hz.toFixed(2)} Hz`,
);
print(
  `CV of ISIs: excitatory ${exc.cv.toFixed(2)} (${exc.cvNeurons} neurons with >= 3 spikes), inhibitory ` +
    `${inh.cv.toFixed(2)} (${inh.cvNeurons})`,
);
print(
  `population activity (0.5 ms bins): SD / mean ${activityCv.toFixed(3)} (independent Poisson neurons: ` +
    `${poissonCv.toFixed(3)}); strongest rhythm ${peak_Hz} Hz with ${(100 * peakShare).toFixed(0)} % of the ` +
    `2-998 Hz power`,
);

if (out !== "") {
  const from = Math.max(0, steps - Math.round(200 / dt));
  const shown = (mon: SpikeMonitor, n: number) => {
    const s: number[] = [];
    const i: number[] = [];
    for (let k = 0; k < mon.count; k++) {
      if (mon.steps[k] >= from && mon.neurons[k] < n) {
        s.push(mon.steps[k] - from);
        i.push(mon.neurons[k]);
      }
    }
    return { steps: s, neurons: i };
  };
  const nE = Math.min(100, p.N_E);
  const nI = Math.min(25, p.N_I);
  const svg = renderSvg(
    rasterSpec(
      {
        populations: [
          { name: "excitatory", size: nE, ...shown(spikesE, nE) },
          { name: "inhibitory", size: nI, ...shown(spikesI, nI) },
        ],
        dt_ms: dt,
        duration_ms: (steps - from) * dt,
      },
      {
        title: `Brunel 2000 model A, g ${g}, eta ${eta}: ${((from * dt) / 1000).toFixed(2)}-${ms / 1000} s`,
        maxMarks: 20_000,
      },
    ),
  ).svg;
  writeFileAtomicSync(join(out, "raster.svg"), svg);
  writeJsonAtomicSync(join(out, "rates.json"), {
    model: "Brunel 2000, model A",
    params: p,
    meanField: model.meanField,
    simulated_ms: ms,
    statisticsFrom_ms: 100,
    excitatory: exc,
    inhibitory: inh,
    activity: { window_ms: perWindow * dt, cv: activityCv, poissonCv, peak_Hz, peakShare },
    wall: { build_s: built_s, run_s },
  });
  print(`wrote ${join(out, "raster.svg")} and rates.json`);
}
