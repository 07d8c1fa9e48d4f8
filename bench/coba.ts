/**
 * COBA benchmark (Vogels & Abbott 2005; Brette et al. 2007, benchmark 1): 4000 conductance-based LIF neurons
 * (`CobaLIF` with its defaults: C 200 pF, g_L 10 nS, E_L -60 mV, V_t -50 mV, V_r -60 mV, refractory 5 ms,
 * E_e 0 mV, E_i -80 mV, tau_e 5 ms, tau_i 10 ms), 3200 excitatory and 800 inhibitory, every ordered pair
 * connected with p = 0.02 (self-pairs included), w_e 6 nS, w_i 67 nS, dt = 0.1 ms, 1 s. Initial v uniform in
 * [V_r, V_t], initial g_e = max(0, 1.5 N(0,1) + 4) x 10 nS and g_i = max(0, 12 N(0,1) + 20) x 10 nS.
 *
 * The network is bistable: from some initial states its activity dies out within about 100 ms, from others it
 * settles into self-sustained irregular firing near 19 Hz. Runs are therefore classified (sustained: a mean
 * rate above 1 Hz) and summarised separately; a median over both kinds would describe no run.
 * Prints, for the sustained runs, the wall time per simulated second (the run only; construction timed
 * separately), spikes, the excitatory and inhibitory rates and the mean CV of the inter-spike intervals, and
 * how many runs were sustained; writes bench/results/coba.json. With --brian2 it also runs the same network in Brian2
 * (bench/peers/coba_brian2.py under /usr/bin/python3 with Debian's python3-brian) for the numpy, cython and
 * cpp_standalone targets and records those figures beside ours. Not a test.
 * Usage: npm run bench:coba [-- --repeats 5] [-- --brian2]
 */
import { performance } from "node:perf_hooks";
import { msToSteps } from "../src/core/time.ts";
import { COBA_DT_MS as DT_MS, COBA_N as N, buildCobaNetwork } from "./coba-network.ts";
import { brian2Figures, machine, median, packageVersion, writeResult } from "./common.ts";

const DURATION_MS = 1000;
const outFile = new URL("./results/coba.json", import.meta.url).pathname;

interface RunFigures {
  build_s: number;
  run_s: number;
  spikes: number;
  rateExc_Hz: number;
  rateInh_Hz: number;
  cvIsi: number;
}

/** Mean CV of the inter-spike intervals over neurons with at least 3 spikes. */
function meanCv(steps: Int32Array, neurons: Int32Array, count: number, size: number): number {
  const times: number[][] = Array.from({ length: size }, () => []);
  for (let k = 0; k < count; k++) times[neurons[k]].push(steps[k]);
  let sum = 0;
  let n = 0;
  for (const t of times) {
    if (t.length < 3) continue;
    const d = t.slice(1).map((x, k) => x - t[k]);
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
    sum += sd / mean;
    n++;
  }
  return sum / n;
}

function runOnce(seed: number): RunFigures {
  const t0 = performance.now();
  const { net, exc: pe, inh: pi, monitors } = buildCobaNetwork(seed);
  const steps = msToSteps(DURATION_MS, DT_MS);
  const t1 = performance.now();
  net.run({}, steps);
  const t2 = performance.now();
  const [me, mi] = monitors;
  const cvE = meanCv(me.steps, me.neurons, me.count, pe.size);
  const cvI = meanCv(mi.steps, mi.neurons, mi.count, pi.size);
  return {
    build_s: (t1 - t0) / 1000,
    run_s: (t2 - t1) / 1000,
    spikes: me.count + mi.count,
    rateExc_Hz: me.count / pe.size / (DURATION_MS / 1000),
    rateInh_Hz: mi.count / pi.size / (DURATION_MS / 1000),
    cvIsi: (cvE * pe.size + cvI * pi.size) / N,
  };
}

const repeatsArg = process.argv.indexOf("--repeats");
const repeats = repeatsArg > 0 ? Number(process.argv[repeatsArg + 1]) : 5;
if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`--repeats must be an integer >= 1`);
runOnce(99); // warm-up: JIT compilation
const runs = Array.from({ length: repeats }, (_, r) => runOnce(r + 1));
const run_s = median(runs.map((r) => r.run_s));

/** Brian2 figures: measured now with --brian2, else the ones already in the file (if any). */
const brian2 = brian2Figures(new URL("./peers/coba_brian2.py", import.meta.url), [String(repeats)], outFile);

/** A run whose mean rate stayed above 1 Hz (4000 spikes in 1 s): the self-sustained state. */
const SUSTAINED_SPIKES = N * 1 * (DURATION_MS / 1000);
const live = runs.filter((r) => r.spikes > SUSTAINED_SPIKES);
const liveOf = (spikes: number[]): string =>
  `${spikes.filter((s) => s > SUSTAINED_SPIKES).length} of ${spikes.length}`;
const sustained = {
  runs: liveOf(runs.map((r) => r.spikes)),
  wall_s_per_simulated_s_median: live.length > 0 ? median(live.map((r) => r.run_s)) : null,
  spikes_median: live.length > 0 ? median(live.map((r) => r.spikes)) : null,
  rate_exc_Hz_median: live.length > 0 ? median(live.map((r) => r.rateExc_Hz)) : null,
  rate_inh_Hz_median: live.length > 0 ? median(live.map((r) => r.rateInh_Hz)) : null,
  cv_isi_median: live.length > 0 ? median(live.map((r) => r.cvIsi)) : null,
};
if (brian2 !== undefined) {
  for (const fig of Object.values(brian2)) {
    const spikes = (fig as { spikes?: number[] }).spikes;
    if (spikes !== undefined) (fig as Record<string, unknown>).sustained_runs = liveOf(spikes);
  }
}

const result = {
  benchmark:
    "COBA (Vogels & Abbott 2005; Brette et al. 2007 benchmark 1), 4000 neurons, p = 0.02, dt = 0.1 ms, 1 s",
  spikeflow: packageVersion(),
  date: new Date().toISOString(),
  machine: machine(),
  threads: 1,
  repeats,
  wall_s_per_simulated_s: { median: run_s, runs: runs.map((r) => r.run_s) },
  build_s_median: median(runs.map((r) => r.build_s)),
  spikes: runs.map((r) => r.spikes),
  rate_exc_Hz: runs.map((r) => r.rateExc_Hz),
  rate_inh_Hz: runs.map((r) => r.rateInh_Hz),
  cv_isi: runs.map((r) => r.cvIsi),
  sustained_threshold_spikes: SUSTAINED_SPIKES,
  sustained,
  ...(brian2 === undefined ? {} : { brian2_on_this_machine: brian2 }),
};
writeResult(outFile, result);
const f = (x: number | null, digits: number): string => (x === null ? "-" : x.toFixed(digits));
console.log(
  `COBA 4000 neurons, 1 s at dt 0.1 ms: activity sustained in ${sustained.runs} runs; those: ` +
    `${f(sustained.wall_s_per_simulated_s_median, 3)} s wall per simulated s, ${f(sustained.spikes_median, 0)} ` +
    `spikes, rates ${f(sustained.rate_exc_Hz_median, 1)} Hz (exc) / ${f(sustained.rate_inh_Hz_median, 1)} Hz ` +
    `(inh), CV ${f(sustained.cv_isi_median, 2)} (medians); all ${repeats} runs: ${run_s.toFixed(3)} s median`,
);
