/**
 * Izhikevich (2006), "Polychronization: computation with spikes": 1000 Izhikevich neurons with conduction
 * delays of 1-20 ms and STDP, driven by one random neuron per ms, for --seconds of simulated time. Prints the
 * firing rates and the excitatory weights as they evolve, and at the end the weight distribution and the
 * rhythm of the population activity; with --out DIR writes summary.json, weights.svg (the final weight
 * histogram) and rasters of the first and the last second. See README.md in this folder.
 *
 * Usage: node --import tsx examples/from-papers/izhikevich-2006/network.ts [--seed 1] [--seconds 60]
 *        [--every 10] [--out DIR]
 * --seconds: simulated time in s (1 to 86 400); --every: seconds between progress lines (default: 1 up to
 * 20 s, else 60).
 */
import * as Plot from "@observablehq/plot";
import { join } from "node:path";
import { writeFileAtomicSync, writeJsonAtomicSync } from "../../../src/io/atomic.ts";
import { izhikevich2006 } from "../../../src/models/izhikevich-2006.ts";
import { SpikeMonitor } from "../../../src/network/monitors.ts";
import { rasterSpec } from "../../../src/plot/raster.ts";
import { renderSvg } from "../../../src/plot/svg.ts";
import { type ScriptArgs, scriptArgs } from "../script-args.ts";

const USAGE =
  "usage: node --import tsx examples/from-papers/izhikevich-2006/network.ts [--seed 1] [--seconds 60] " +
  "[--every 10] [--out DIR]\n";
const args: ScriptArgs = scriptArgs("network.ts", USAGE, ["--seed", "--seconds", "--every", "--out"]);
const seed = args.int("seed", "1", 0, 2 ** 31 - 1);
const seconds = args.int("seconds", "60", 1, 86_400);
const every = args.int("every", seconds <= 20 ? "1" : "60", 1, 86_400);
// the output directory is checked (and made) before the simulation, not after it
const out = args.outDir("out");

const model = izhikevich2006({ seed });
const { net, neurons, thalamus, excitatory: ne, inhibitory: ni } = model;
const spikes = net.addMonitor(new SpikeMonitor(neurons, { initialCapacity: 65_536 }));
const w = model.exc.w;
const print = (line: string) => process.stdout.write(line + "\n");

/** Mean weight and the fractions below 1 and above 9 (of sm = 10). */
const weightStats = () => {
  let sum = 0;
  let low = 0;
  let high = 0;
  for (let k = 0; k < w.length; k++) {
    sum += w[k];
    if (w[k] < 1) low++;
    if (w[k] > 9) high++;
  }
  return { mean: sum / w.length, below1: low / w.length, above9: high / w.length };
};

// the population activity (spikes per 1 ms bin) of the last `window` seconds, for the spectrum
const window = Math.min(10, seconds);
const counts = new Float64Array(window * 1000);
const rateExc: number[] = [];
const rateInh: number[] = [];
const meanWeight: number[] = [];
let firstSecond: { steps: number[]; neurons: number[] } | undefined;
let lastSecond: { steps: number[]; neurons: number[] } = { steps: [], neurons: [] };

print(
  `Izhikevich 2006 network (seed ${seed}): ${ne} excitatory + ${ni} inhibitory neurons, ${model.synapses} ` +
    `synapses each, delays 1-${model.maxDelay_ms} ms, STDP; ${seconds} s at dt = 1 ms`,
);
const t0 = performance.now();
for (let sec = 0; sec < seconds; sec++) {
  spikes.reset();
  net.run({ cortex: thalamus }, 1000);
  let exc = 0;
  for (let k = 0; k < spikes.count; k++) if (spikes.neurons[k] < ne) exc++;
  rateExc.push(exc / ne);
  rateInh.push((spikes.count - exc) / Math.max(ni, 1));
  const stats = weightStats();
  meanWeight.push(stats.mean);
  const slot = sec - (seconds - window);
  if (slot >= 0) {
    for (let k = 0; k < spikes.count; k++) counts[slot * 1000 + (spikes.steps[k] % 1000)]++;
  }
  if (sec === 0 || sec === seconds - 1) {
    const copy = { steps: Array.from(spikes.steps, (s) => s % 1000), neurons: Array.from(spikes.neurons) };
    if (sec === 0) firstSecond = copy;
    lastSecond = copy;
  }
  if ((sec + 1) % every === 0 || sec === seconds - 1) {
    print(
      `second ${sec + 1}: excitatory ${rateExc[sec].toFixed(2)} Hz, inhibitory ${rateInh[sec].toFixed(2)} Hz; ` +
        `weights mean ${stats.mean.toFixed(3)}, ${(100 * stats.below1).toFixed(1)} % < 1, ` +
        `${(100 * stats.above9).toFixed(1)} % > 9 (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
  }
}
const wall_s = (performance.now() - t0) / 1000;

// the weight distribution: 20 bins of 0.5 over [0, 10]
const histogram = new Array<number>(20).fill(0);
for (let k = 0; k < w.length; k++) histogram[Math.min(19, Math.floor(w[k] / 0.5))]++;
const final = weightStats();
print(
  `excitatory weights: mean ${final.mean.toFixed(3)}; ${(100 * final.below1).toFixed(1)} % below 1, ` +
    `${(100 * final.above9).toFixed(1)} % above 9, ${(100 * (1 - final.below1 - final.above9)).toFixed(1)} % ` +
    `between (of ${w.length}); histogram (0.5 wide bins from 0): ${histogram.join(" ")}`,
);

// population rhythm: power spectrum of the 1 ms spike counts, averaged over 1 s windows, 1-100 Hz
const power = new Float64Array(101);
for (let win = 0; win < window; win++) {
  let mean = 0;
  for (let t = 0; t < 1000; t++) mean += counts[win * 1000 + t] / 1000;
  for (let f = 1; f <= 100; f++) {
    let re = 0;
    let im = 0;
    for (let t = 0; t < 1000; t++) {
      const x = counts[win * 1000 + t] - mean;
      re += x * Math.cos((2 * Math.PI * f * t) / 1000);
      im += x * Math.sin((2 * Math.PI * f * t) / 1000);
    }
    power[f] += (re * re + im * im) / window;
  }
}
const band = (lo: number, hi: number) => {
  let peak = lo;
  let total = 0;
  for (let f = lo; f <= hi; f++) {
    total += power[f];
    if (power[f] > power[peak]) peak = f;
  }
  return { peak_Hz: peak, power: total };
};
const all = band(1, 100);
const slow = band(1, 12);
const gamma = band(30, 80);
print(
  `population rhythm (last ${window} s): strongest at ${all.peak_Hz} Hz; 1-12 Hz ` +
    `${((100 * slow.power) / all.power).toFixed(0)} % of the 1-100 Hz power (peak ${slow.peak_Hz} Hz), gamma ` +
    `band (30-80 Hz) ${((100 * gamma.power) / all.power).toFixed(0)} % (peak ${gamma.peak_Hz} Hz)`,
);
print(
  `simulated ${seconds} s in ${wall_s.toFixed(1)} s (${((1000 * wall_s) / seconds).toFixed(0)} ms per second)`,
);

if (out !== "") {
  writeJsonAtomicSync(join(out, "summary.json"), {
    seed,
    seconds,
    wall_s,
    rateExc_Hz: rateExc,
    rateInh_Hz: rateInh,
    meanWeight,
    weightHistogram: { binWidth: 0.5, counts: histogram },
    weightsBelow1: final.below1,
    weightsAbove9: final.above9,
    spectrum: { windowSeconds: window, power_byHz: Array.from(power.subarray(1)), peak_Hz: all.peak_Hz },
  });
  const bins = histogram.map((count, k) => ({ x1: k * 0.5, x2: (k + 1) * 0.5, count }));
  const weightsSvg = renderSvg({
    title: `Excitatory weights after ${seconds} s (seed ${seed})`,
    caption: `${w.length} synapses; ${(100 * final.below1).toFixed(1)} % below 1, ${(100 * final.above9).toFixed(1)} % above 9`,
    width: 640,
    height: 320,
    marginLeft: 60,
    x: { label: "weight", domain: [0, 10] },
    y: { label: "synapses", grid: true },
    marks: [
      Plot.rectY(bins, { x1: "x1", x2: "x2", y: "count", fill: "#4e79a7", inset: 0.5 }),
      Plot.ruleY([0]),
    ],
  }).svg;
  writeFileAtomicSync(join(out, "weights.svg"), weightsSvg);
  const raster = (s: { steps: number[]; neurons: number[] }, title: string) =>
    renderSvg(
      rasterSpec(
        {
          populations: [
            {
              name: "excitatory",
              size: ne,
              steps: s.steps.filter((_, k) => s.neurons[k] < ne),
              neurons: s.neurons.filter((x) => x < ne),
            },
            {
              name: "inhibitory",
              size: Math.max(ni, 1),
              steps: s.steps.filter((_, k) => s.neurons[k] >= ne),
              neurons: s.neurons.filter((x) => x >= ne).map((x) => x - ne),
            },
          ],
          dt_ms: 1,
          duration_ms: 1000,
        },
        { title, maxMarks: 20_000 },
      ),
    ).svg;
  if (firstSecond !== undefined) {
    writeFileAtomicSync(join(out, "raster-first.svg"), raster(firstSecond, `Second 1 (seed ${seed})`));
  }
  writeFileAtomicSync(join(out, "raster-last.svg"), raster(lastSecond, `Second ${seconds} (seed ${seed})`));
  print(`wrote summary.json, weights.svg, raster-first.svg and raster-last.svg to ${out}`);
}
