/**
 * Engine benchmark: the CUBA network of Vogels & Abbott (2005) as in Brian2's benchmark example.
 * 4000 current-based LIF neurons (3200 excitatory, 800 inhibitory), each pair connected with p = 0.02,
 * dt = 0.1 ms, 1 s of simulated time. taum 20 ms, taue 5 ms, taui 10 ms, Vt -50 mV, Vr -60 mV, El -49 mV,
 * refractory 5 ms, we = 1.62 mV, wi = -9 mV, initial v uniform in [Vr, Vt].
 *
 * Prints wall seconds per simulated second (the network's run only; construction timed separately), spikes
 * and synaptic events per second, and writes bench/results/engine.json. Not a test.
 * Usage: npm run bench [-- --repeats 5]
 */
import { performance } from "node:perf_hooks";
import { createRng } from "../src/core/rng.ts";
import { msToSteps } from "../src/core/time.ts";
import { Network } from "../src/network/network.ts";
import { SpikeCounter } from "../src/network/monitors.ts";
import { CubaLIF, CUBA_BENCHMARK_PARAMS, CUBA_BENCHMARK_WEIGHTS } from "../src/neurons/cuba-lif.ts";
import { Sparse } from "../src/projections/sparse.ts";
import { machine, median, packageVersion, writeResult } from "./common.ts";

const N = 4000;
const N_EXC = 3200;
const P_CONNECT = 0.02;
const DT_MS = 0.1;
const DURATION_MS = 1000;

interface RunFigures {
  build_s: number;
  run_s: number;
  spikes: number;
  synapticEvents: number;
  synapses: number;
}

function runOnce(seed: number): RunFigures {
  const t0 = performance.now();
  const net = new Network({ dt_ms: DT_MS, learning: false });
  // Excitatory and inhibitory neurons as two populations (Brian2's subgroups P[:3200] and P[3200:]).
  const pe = net.addPopulation("exc", new CubaLIF(N_EXC, DT_MS, CUBA_BENCHMARK_PARAMS));
  const pi = net.addPopulation("inh", new CubaLIF(N - N_EXC, DT_MS, CUBA_BENCHMARK_PARAMS));
  const vRng = createRng(seed, "cuba", "v0");
  const { vReset_mV = -60, vThreshold_mV = -50 } = CUBA_BENCHMARK_PARAMS;
  for (const pop of [pe, pi]) {
    for (let i = 0; i < pop.size; i++) pop.v_mV[i] = vReset_mV + vRng.float() * (vThreshold_mV - vReset_mV);
  }
  const projs: Sparse[] = [];
  for (const [src, srcName, weight] of [
    [pe, "exc", CUBA_BENCHMARK_WEIGHTS.exc_nA],
    [pi, "inh", CUBA_BENCHMARK_WEIGHTS.inh_nA],
  ] as const) {
    for (const [tgt, tgtName] of [
      [pe, "exc"],
      [pi, "inh"],
    ] as const) {
      const proj = Sparse.random(src, tgt, {
        p: P_CONNECT,
        weight,
        rng: createRng(seed, "cuba", srcName, tgtName),
        port: srcName,
        allowSelf: true,
      });
      projs.push(net.addProjection(`${srcName}->${tgtName}`, proj));
    }
  }
  const counters = [net.addMonitor(new SpikeCounter(pe)), net.addMonitor(new SpikeCounter(pi))];
  const steps = msToSteps(DURATION_MS, DT_MS);
  const t1 = performance.now();
  net.run({}, steps);
  const t2 = performance.now();

  // synaptic events = sum over spikes of the spiking neuron's fan-out
  let events = 0;
  for (const proj of projs) {
    const counts = counters[proj.source === pe ? 0 : 1].counts;
    for (let i = 0; i < proj.source.size; i++) events += counts[i] * (proj.rowPtr[i + 1] - proj.rowPtr[i]);
  }
  return {
    build_s: (t1 - t0) / 1000,
    run_s: (t2 - t1) / 1000,
    spikes: counters[0].totalSpikes + counters[1].totalSpikes,
    synapticEvents: events,
    synapses: projs.reduce((a, p) => a + p.nnz, 0),
  };
}

const repeatsArg = process.argv.indexOf("--repeats");
const repeats = repeatsArg > 0 ? Number(process.argv[repeatsArg + 1]) : 5;
runOnce(99); // warm-up: JIT compilation
const runs: RunFigures[] = [];
for (let r = 0; r < repeats; r++) runs.push(runOnce(r + 1));
const secPerSimSecond = median(runs.map((r) => r.run_s)) / (DURATION_MS / 1000);
const spikes = median(runs.map((r) => r.spikes));
const eventsPerSecond = median(runs.map((r) => r.synapticEvents / r.run_s));

const result = {
  benchmark: "CUBA (Vogels & Abbott 2005), 4000 neurons, p = 0.02, dt = 0.1 ms, 1 s",
  spikeflow: packageVersion(),
  date: new Date().toISOString(),
  machine: machine(),
  threads: 1,
  repeats,
  wall_s_per_simulated_s: { median: secPerSimSecond, runs: runs.map((r) => r.run_s) },
  build_s_median: median(runs.map((r) => r.build_s)),
  spikes_median: spikes,
  mean_rate_Hz: spikes / N / (DURATION_MS / 1000),
  synaptic_events_per_s_median: eventsPerSecond,
  synapses: runs[0].synapses,
  target_s_per_simulated_s: 0.25,
  peers_on_this_machine_kind: {
    "Brian2 2.5.1 cpp_standalone": "0.075-0.10 s",
    "Brian2 Cython": "0.22-0.37 s",
    "Brian2 numpy": "1.1-1.7 s",
    BindsNET: "140-219 s",
  },
};
writeResult(new URL("./results/engine.json", import.meta.url).pathname, result);
console.log(
  `CUBA 4000 neurons, 1 s at dt 0.1 ms: ${secPerSimSecond.toFixed(3)} s wall per simulated s (median of ${repeats}), ` +
    `${spikes} spikes (${result.mean_rate_Hz.toFixed(1)} Hz mean), ${(eventsPerSecond / 1e6).toFixed(1)} M synaptic events/s; ` +
    `target <= 0.25 s; Brian2 C++ 0.075-0.10 s, Cython 0.22-0.37 s`,
);
