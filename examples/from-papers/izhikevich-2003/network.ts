/**
 * Izhikevich (2003), Fig. 3: 1000 heterogeneous Izhikevich neurons (800 excitatory, 200 inhibitory), all to
 * all, under random thalamic input, for 1 s at dt = 1 ms. Prints the firing rates and the population rhythm,
 * and with --out DIR writes the spike raster (raster.svg, raster.png) and the spikes (spikes.json).
 * See README.md in this folder.
 *
 * Usage: node --import tsx examples/from-papers/izhikevich-2003/network.ts [--seed 1] [--ms 1000] [--out DIR]
 * --ms is the simulated time in ms, 200 to 20 000.
 */
import { join } from "node:path";
import { writeFileAtomicSync, writeJsonAtomicSync } from "../../../src/io/atomic.ts";
import { izhikevich2003 } from "../../../src/models/izhikevich-2003.ts";
import { SpikeMonitor } from "../../../src/network/monitors.ts";
import { svgToPng } from "../../../src/plot/png.ts";
import { rasterSpec } from "../../../src/plot/raster.ts";
import { renderSvg } from "../../../src/plot/svg.ts";
import { type ScriptArgs, scriptArgs } from "../script-args.ts";

const USAGE =
  "usage: node --import tsx examples/from-papers/izhikevich-2003/network.ts [--seed 1] [--ms 1000] [--out DIR]\n";
const args: ScriptArgs = scriptArgs("network.ts", USAGE, ["--seed", "--ms", "--out"]);
const intArg = args.int;
const seed = intArg("seed", "1", 0, 2 ** 31 - 1);
// dt = 1 ms; at least 200 ms (a spectrum with 5 Hz resolution), at most 20 s (the spectrum is a plain DFT)
const steps = intArg("ms", "1000", 200, 20_000);
// the output directory is checked (and made) before the simulation, not after it
const out = args.outDir("out");

const model = izhikevich2003({ seed });
const spikes = model.net.addMonitor(new SpikeMonitor(model.neurons));
const t0 = performance.now();
model.net.run({ cortex: model.thalamus }, steps);
const wall_ms = performance.now() - t0;

// firing rates
let excSpikes = 0;
for (let k = 0; k < spikes.count; k++) if (spikes.neurons[k] < model.excitatory) excSpikes++;
const seconds = steps / 1000;
const excHz = excSpikes / model.excitatory / seconds;
const inhHz = (spikes.count - excSpikes) / model.inhibitory / seconds;

// population rhythm: power spectrum of the spike count per 1 ms bin (mean removed), 1-80 Hz
const counts = new Float64Array(steps);
for (let k = 0; k < spikes.count; k++) counts[spikes.steps[k]]++;
const mean = spikes.count / steps;
/** Strongest frequency and summed power over the spectrum's grid points in [lo, hi] Hz (there is always one:
 * the grid step 1 / duration is at most 5 Hz). */
const band = (lo: number, hi: number): { peak_Hz: number; power: number } => {
  let peak_Hz = lo;
  let best = -1;
  let power = 0;
  // frequencies on the spectrum's grid: multiples of 1 / duration
  for (let kf = Math.ceil(lo * seconds); kf <= Math.floor(hi * seconds); kf++) {
    let re = 0;
    let im = 0;
    for (let t = 0; t < steps; t++) {
      const phase = (2 * Math.PI * kf * t) / steps;
      re += (counts[t] - mean) * Math.cos(phase);
      im += (counts[t] - mean) * Math.sin(phase);
    }
    const p = re * re + im * im;
    power += p;
    if (p > best) [best, peak_Hz] = [p, kf / seconds];
  }
  return { peak_Hz, power };
};
const all = band(1, 80);
const alpha = band(8, 13);
const gamma = band(30, 80);

const print = (line: string) => process.stdout.write(line + "\n");
print(
  `Izhikevich 2003 network (seed ${seed}): ${model.excitatory} excitatory + ${model.inhibitory} inhibitory neurons, ` +
    `${steps} ms at dt = 1 ms in ${wall_ms.toFixed(0)} ms`,
);
print(
  `spikes: ${spikes.count}; mean rate excitatory ${excHz.toFixed(2)} Hz, inhibitory ${inhHz.toFixed(2)} Hz`,
);
print(
  `population rhythm: strongest at ${all.peak_Hz.toFixed(1)} Hz; alpha band (8-13 Hz) peak ` +
    `${alpha.peak_Hz.toFixed(1)} Hz with ${((100 * alpha.power) / all.power).toFixed(0)} % of the 1-80 Hz power, ` +
    `gamma band (30-80 Hz) peak ${gamma.peak_Hz.toFixed(1)} Hz with ${((100 * gamma.power) / all.power).toFixed(0)} %`,
);

if (out !== "") {
  const svg = renderSvg(
    rasterSpec(
      {
        populations: [
          {
            name: "excitatory",
            size: model.excitatory,
            steps: spikes.steps.filter((_, k) => spikes.neurons[k] < model.excitatory),
            neurons: spikes.neurons.filter((n) => n < model.excitatory),
          },
          {
            name: "inhibitory",
            size: model.inhibitory,
            steps: spikes.steps.filter((_, k) => spikes.neurons[k] >= model.excitatory),
            neurons: spikes.neurons.filter((n) => n >= model.excitatory).map((n) => n - model.excitatory),
          },
        ],
        dt_ms: 1,
        duration_ms: steps,
      },
      { title: `Izhikevich 2003 network, seed ${seed}`, maxMarks: 20_000 },
    ),
  ).svg;
  writeFileAtomicSync(join(out, "raster.svg"), svg);
  writeFileAtomicSync(join(out, "raster.png"), svgToPng(svg));
  writeJsonAtomicSync(join(out, "spikes.json"), {
    seed,
    dt_ms: 1,
    steps,
    excitatory: model.excitatory,
    inhibitory: model.inhibitory,
    spikeSteps: Array.from(spikes.steps),
    spikeNeurons: Array.from(spikes.neurons),
  });
  print(`wrote ${join(out, "raster.svg")}, raster.png and spikes.json`);
}
