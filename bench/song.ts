/**
 * Song, Miller & Abbott (2000) single-neuron STDP benchmark (examples/from-papers/song-2000): one
 * conductance-based integrate-and-fire neuron, 1000 Poisson inputs at 15 Hz, additive pair STDP, dt = 0.1 ms,
 * 100 s per run. Times (a) the model written as text (`Equations` + `SynapseEquations`) and (b) the built-in
 * build (`CobaLIF` + `Dense` + `Stdp`), one run per seed, and records each run's outcome: the output rate in
 * the first second and over the last 10 s, and the fractions of weights below 0.1 gmax and above 0.9 gmax.
 * Wall time per simulated second covers the whole run (the Poisson input is drawn inside it); construction is
 * not timed. Writes bench/results/song.json.
 *
 * With --brian2 it also runs the model in Brian2 (bench/peers/song_brian2.py under /usr/bin/python3 with
 * Debian's python3-brian): numpy for 10 s (it takes about 0.7 s per simulated second), cython for 100 s once
 * and cpp_standalone for 100 s with two seeds; without it, the Brian2 figures already in the file are kept.
 * Not a test.
 * Usage: npm run bench:song [-- --seeds 3] [-- --brian2]
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { type SongVariant, buildSong, runSong } from "../examples/from-papers/song-2000/model.ts";
import { machine, median, packageVersion, writeResult } from "./common.ts";

const SECONDS = 100;
const outFile = new URL("./results/song.json", import.meta.url).pathname;
const seedsArg = process.argv.indexOf("--seeds");
const seeds = seedsArg > 0 ? Number(process.argv[seedsArg + 1]) : 3;
if (!Number.isInteger(seeds) || seeds < 1) throw new Error(`--seeds must be an integer >= 1`);

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** One timed run of `variant` with `seed`, and its outcome. */
function runOnce(variant: SongVariant, seed: number, seconds: number) {
  const t0 = performance.now();
  const model = buildSong(variant, seed);
  const build_s = (performance.now() - t0) / 1000;
  const r = runSong(model, seed, seconds);
  return {
    seed,
    build_s,
    wall_s_per_simulated_s: r.wall_s / seconds,
    rate_Hz_first_s: r.rate_Hz[0],
    rate_Hz_last_10s: mean(r.rate_Hz.slice(-10)),
    near_zero: r.nearZero,
    near_max: r.nearMax,
    histogram: r.histogram,
  };
}

// warm-up: JIT compilation of both builds
for (const variant of ["text", "builtin"] as const) runOnce(variant, 99, 5);
const spikeflow = Object.fromEntries(
  (["text", "builtin"] as const).map((variant) => {
    const runs = Array.from({ length: seeds }, (_, k) => runOnce(variant, k + 1, SECONDS));
    const perSecond = median(runs.map((r) => r.wall_s_per_simulated_s));
    process.stderr.write(`spikeflow ${variant}: ${(1000 * perSecond).toFixed(2)} ms per simulated s\n`);
    return [variant, { wall_s_per_simulated_s_median: perSecond, runs }];
  }),
);

/** Brian2's figures: measured now with --brian2, else the ones already in the file (if any). */
function brian2(): Record<string, unknown> | undefined {
  if (!process.argv.includes("--brian2")) {
    if (!existsSync(outFile)) return undefined;
    return (JSON.parse(readFileSync(outFile, "utf8")) as { brian2_on_this_machine?: Record<string, unknown> })
      .brian2_on_this_machine;
  }
  const script = new URL("./peers/song_brian2.py", import.meta.url).pathname;
  const plan: [string, number, number][] = [
    ["numpy", 10, 1],
    ["cython", SECONDS, 1],
    ["cpp_standalone", SECONDS, 2],
  ];
  const figures: Record<string, unknown> = {};
  for (const [target, seconds, repeats] of plan) {
    const r = spawnSync("/usr/bin/python3", [script, target, String(seconds), String(repeats)], {
      encoding: "utf8",
      timeout: 1_800_000,
    });
    if (r.status !== 0) {
      figures[target] = {
        error: (r.stderr || r.error?.message || "failed").trim().split("\n").slice(-3).join(" | "),
      };
      continue;
    }
    const line = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { runs_s: number[]; seconds: number };
    const perSecond = median(line.runs_s) / line.seconds;
    figures[target] = { wall_s_per_simulated_s_median: perSecond, ...line };
    process.stderr.write(`Brian2 ${target}: ${(1000 * perSecond).toFixed(1)} ms per simulated s\n`);
  }
  figures.date = new Date().toISOString();
  return figures;
}
const peer = brian2();

const result = {
  benchmark:
    "Song, Miller & Abbott (2000) single neuron: 1000 Poisson inputs at 15 Hz, additive pair STDP, dt 0.1 ms, 100 s",
  spikeflow: packageVersion(),
  date: new Date().toISOString(),
  machine: machine(),
  threads: 1,
  seconds: SECONDS,
  seeds,
  text: spikeflow.text,
  builtin: spikeflow.builtin,
  ...(peer === undefined ? {} : { brian2_on_this_machine: peer }),
};
writeResult(outFile, result);
const f = (v: { runs: { near_zero: number; near_max: number; rate_Hz_last_10s: number }[] }) =>
  `${(100 * median(v.runs.map((r) => r.near_zero))).toFixed(1)} % near 0, ` +
  `${(100 * median(v.runs.map((r) => r.near_max))).toFixed(1)} % near gmax, ` +
  `${median(v.runs.map((r) => r.rate_Hz_last_10s)).toFixed(1)} Hz over the last 10 s`;
console.log(
  `Song 2000, ${SECONDS} s, ${seeds} seeds: text ${(1000 * spikeflow.text.wall_s_per_simulated_s_median).toFixed(2)} ` +
    `ms per simulated s (${f(spikeflow.text)}); built-in ` +
    `${(1000 * spikeflow.builtin.wall_s_per_simulated_s_median).toFixed(2)} ms (${f(spikeflow.builtin)}) (medians)`,
);
