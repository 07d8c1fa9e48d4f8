/**
 * Song, Miller & Abbott (2000): one integrate-and-fire neuron, 1000 Poisson inputs, additive pair STDP. Builds
 * the model twice, (a) from Brian2-style text (`Equations` + `SynapseEquations`) and (b) from spikeflow's
 * built-in `CobaLIF` + `Dense` + `Stdp`, plus (c) the text neuron with the built-in plasticity, runs each on
 * the same input spikes, and prints the output rate over time, the weight histogram, the wall time and how
 * far the builds agree. With --out DIR it writes summary.json and weights.svg. See README.md in this folder.
 *
 * Usage: node --import tsx examples/from-papers/song-2000/network.ts [--seed 1] [--seconds 100]
 *        [--rate 15] [--every 10] [--out DIR]
 * --seconds: simulated time in s (1 to 100 000); --rate: the input rate in Hz (1 to 100).
 */
import * as Plot from "@observablehq/plot";
import { join } from "node:path";
import { writeFileAtomicSync, writeJsonAtomicSync } from "../../../src/io/atomic.ts";
import { renderSvg } from "../../../src/plot/svg.ts";
import { type ScriptArgs, scriptArgs } from "../script-args.ts";
import { type SongRun, type SongVariant, buildSong, runSong } from "./model.ts";

const USAGE =
  "usage: node --import tsx examples/from-papers/song-2000/network.ts [--seed 1] [--seconds 100] " +
  "[--rate 15] [--every 10] [--out DIR]\n";
const args: ScriptArgs = scriptArgs("network.ts", USAGE, [
  "--seed",
  "--seconds",
  "--rate",
  "--every",
  "--out",
]);
const seed = args.int("seed", "1", 0, 2 ** 31 - 1);
const seconds = args.int("seconds", "100", 1, 100_000);
const rate_Hz = args.int("rate", "15", 1, 100);
const every = args.int("every", String(Math.max(1, Math.round(seconds / 10))), 1, 100_000);
// the output directory is checked (and made) before the simulation, not after it
const out = args.outDir("out");
const print = (line: string) => process.stdout.write(line + "\n");

const LABEL: Record<SongVariant, string> = {
  text: "(a) text: Equations + SynapseEquations",
  builtin: "(b) built-in: CobaLIF + Dense + Stdp",
  mixed: "(c) text neuron + Dense + Stdp",
};
const percent = (x: number) => `${(100 * x).toFixed(1)} %`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);

print(
  `Song, Miller & Abbott (2000), one neuron, 1000 Poisson inputs at ${rate_Hz} Hz, additive STDP; ` +
    `${seconds} s at dt = 0.1 ms, seed ${seed}`,
);
const runs = {} as Record<SongVariant, SongRun>;
const weights = {} as Record<SongVariant, Float32Array>;
for (const variant of ["text", "builtin", "mixed"] as const) {
  print(LABEL[variant]);
  const model = buildSong(variant, seed, { rate_Hz });
  runs[variant] = runSong(model, seed, seconds, (s, rate) => {
    if ((s + 1) % every === 0) print(`  second ${s + 1}: output ${rate} Hz`);
  });
  weights[variant] = model.w;
  const r = runs[variant];
  print(
    `  output rate: ${r.rate_Hz[0]} Hz in second 1, ${mean(r.rate_Hz.slice(-10)).toFixed(1)} Hz over the last ` +
      `${Math.min(10, seconds)} s; weights: ${percent(r.nearZero)} below 0.1 gmax, ${percent(r.nearMax)} above ` +
      `0.9 gmax, mean ${(r.meanWeight / model.params.gMax).toFixed(3)} gmax; histogram (0.1 gmax bins): ` +
      `${r.histogram.join(" ")}; wall ${r.wall_s.toFixed(2)} s (${((1000 * r.wall_s) / seconds).toFixed(1)} ms ` +
      `per simulated s)`,
  );
}

/** How far two builds agree: their first differing output spike and their weights. */
const compare = (x: SongVariant, y: SongVariant) => {
  const a = runs[x].spikeSteps;
  const b = runs[y].spikeSteps;
  let first = 0;
  while (first < Math.min(a.length, b.length) && a[first] === b[first]) first++;
  let differ = 0;
  let maxDiff = 0;
  for (let k = 0; k < weights[x].length; k++) {
    const d = Math.abs(weights[x][k] - weights[y][k]);
    if (d > 0) differ++;
    maxDiff = Math.max(maxDiff, d);
  }
  const same = first === a.length && a.length === b.length;
  const at = (s: number[]) => (first < s.length ? `${(s[first] * 0.1).toFixed(1)} ms` : "none");
  print(
    `${x} vs ${y}: ` +
      (same
        ? `the same ${a.length} output spikes`
        : `the same first ${first} output spikes, then ${x} at ${at(a)} and ${y} at ${at(b)}`) +
      `; ${differ} of ${weights[x].length} weights differ (largest difference ${maxDiff.toExponential(2)})`,
  );
  return {
    firstDifferentSpike: same ? null : first,
    weightsDiffering: differ,
    largestWeightDifference: maxDiff,
  };
};
const agreement = { textVsBuiltin: compare("text", "builtin"), textVsMixed: compare("text", "mixed") };

if (out !== "") {
  writeJsonAtomicSync(join(out, "summary.json"), {
    seed,
    seconds,
    rate_Hz,
    runs: Object.fromEntries(
      Object.entries(runs).map(([k, r]) => [
        k,
        { ...r, spikeSteps: undefined, outputSpikes: r.spikeSteps.length },
      ]),
    ),
    agreement,
  });
  const bins = (["text", "builtin"] as const).flatMap((variant) =>
    runs[variant].histogram.map((count, k) => ({ variant, x1: k / 10, x2: (k + 1) / 10, count })),
  );
  const svg = renderSvg({
    title: `Weights after ${seconds} s (seed ${seed}, inputs at ${rate_Hz} Hz)`,
    caption: `w / gmax of the 1000 synapses; (a) text and (b) built-in`,
    width: 640,
    height: 360,
    marginLeft: 60,
    x: { label: "w / gmax", domain: [0, 1] },
    y: { label: "synapses", grid: true },
    fy: { label: null },
    marks: [
      Plot.rectY(bins, { x1: "x1", x2: "x2", y: "count", fy: "variant", fill: "#4e79a7", inset: 0.5 }),
      Plot.ruleY([0]),
    ],
  }).svg;
  writeFileAtomicSync(join(out, "weights.svg"), svg);
  print(`wrote summary.json and weights.svg to ${out}`);
}
