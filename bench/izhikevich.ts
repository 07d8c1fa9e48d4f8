/**
 * Izhikevich (2003)'s network: 1000 Izhikevich neurons (800 excitatory, 200 inhibitory) with per-neuron
 * parameters, all-to-all coupled (1 000 000 synapses), random thalamic input, 1 s at dt = 1 ms
 * (src/models/izhikevich-2003.ts). Prints the wall time of the run (construction timed separately), spikes
 * and synaptic events per second, and writes bench/results/izhikevich.json. Not a test.
 *
 * With --brian2 it also times the same network in Brian2 (bench/peers/izhikevich2003_brian2.py, run by
 * /usr/bin/python3 with Debian's python3-brian) for the numpy, cython and cpp_standalone targets, on the same
 * machine, and records those figures beside ours.
 * Usage: npm run bench:izhikevich [-- --repeats 7] [-- --brian2]
 */
import { performance } from "node:perf_hooks";
import { izhikevich2003 } from "../src/models/izhikevich-2003.ts";
import { SpikeCounter } from "../src/network/monitors.ts";
import { brian2Figures, machine, median, packageVersion, writeResult } from "./common.ts";

const outFile = new URL("./results/izhikevich.json", import.meta.url).pathname;
const repeatsArg = process.argv.indexOf("--repeats");
const repeats = repeatsArg > 0 ? Number(process.argv[repeatsArg + 1]) : 7;
if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`--repeats must be an integer >= 1`);

function runOnce(seed: number): { build_s: number; run_s: number; spikes: number } {
  const t0 = performance.now();
  const m = izhikevich2003({ seed });
  const counter = m.net.addMonitor(new SpikeCounter(m.neurons));
  const t1 = performance.now();
  m.net.run({ cortex: m.thalamus }, 1000);
  const t2 = performance.now();
  return { build_s: (t1 - t0) / 1000, run_s: (t2 - t1) / 1000, spikes: counter.totalSpikes };
}

runOnce(99); // warm-up: JIT compilation
const runs = Array.from({ length: repeats }, (_, r) => runOnce(r + 1));
const run_s = median(runs.map((r) => r.run_s));
const spikes = median(runs.map((r) => r.spikes));

/** Brian2 figures: measured now with --brian2, else the ones already in the file (if any). */
const brian2 = brian2Figures(new URL("./peers/izhikevich2003_brian2.py", import.meta.url), ["5"], outFile);

const result = {
  benchmark: "Izhikevich 2003 network, 800 + 200 neurons, all-to-all, dt = 1 ms, 1 s",
  spikeflow: packageVersion(),
  date: new Date().toISOString(),
  machine: machine(),
  threads: 1,
  repeats,
  wall_s_per_simulated_s: { median: run_s, runs: runs.map((r) => r.run_s) },
  build_s_median: median(runs.map((r) => r.build_s)),
  spikes_median: spikes,
  synaptic_events_per_s_median: median(runs.map((r) => (r.spikes * 1000) / r.run_s)),
  ...(brian2 === undefined ? {} : { brian2_on_this_machine: brian2 }),
};
writeResult(outFile, result);
console.log(
  `Izhikevich 2003, 1000 neurons, 1 s at dt 1 ms: ${run_s.toFixed(3)} s wall (median of ${repeats}), ` +
    `${spikes} spikes, ${((spikes * 1000) / run_s / 1e6).toFixed(1)} M synaptic events/s`,
);
