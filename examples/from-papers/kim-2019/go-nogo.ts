/**
 * Kim, Li & Sejnowski (2019), Go-NoGo: train a rate RNN, transfer it one-to-one to a LIF network, search the
 * scaling factor, and show one Go and one NoGo trial of the spiking network. See README.md in this folder.
 *
 * Usage: node --import tsx examples/from-papers/kim-2019/go-nogo.ts [--neurons 200] [--seed 1] [--trials 20]
 *        [--workers 2] [--scales 20:75:5] [--max-trials 6000]
 * The defaults take under a minute on two cores (training ~16 s, a search of 12 x 20 LIF trials ~10 s).
 * The options are named and checked as in `spikeflow rnn train | convert` (decimal numbers only).
 */
import { decimal } from "../../../src/core/decimal.ts";
import { createRng } from "../../../src/core/rng.ts";
import { MAX_CONFIG_WORKERS } from "../../../src/experiments/run-config.ts";
import { searchScaleParallel, searchThreads } from "../../../src/parallel/scale-search-pool.ts";
import { firingRates_Hz, runLifTrial } from "../../../src/rnn/lif-trial.ts";
import { parseScales } from "../../../src/rnn/scale-search.ts";
import { generateTrial } from "../../../src/rnn/tasks.ts";
import { trainRateRnn } from "../../../src/rnn/train.ts";
import { transferRateRnn } from "../../../src/rnn/transfer.ts";

const USAGE =
  "usage: node --import tsx examples/from-papers/kim-2019/go-nogo.ts [--neurons 200] [--seed 1] [--trials 20]\n" +
  "       [--workers 2] [--scales 20:75:5] [--max-trials 6000]\n";
const KNOWN = ["--neurons", "--seed", "--trials", "--workers", "--scales", "--max-trials"];
const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
  process.stdout.write(USAGE);
  process.exit(0);
}
for (let k = 0; k < argv.length; k += 2) {
  const problem = !KNOWN.includes(argv[k])
    ? `unknown argument "${argv[k]}"${argv[k] === "--units" ? " (the number of units is --neurons N)" : ""}`
    : k + 1 >= argv.length
      ? `${argv[k]} needs a value`
      : argv.indexOf(argv[k]) !== k
        ? `${argv[k]} is given more than once`
        : "";
  if (problem !== "") {
    process.stderr.write(`go-nogo.ts: ${problem}\n${USAGE}`);
    process.exit(2);
  }
}
function arg(name: string, fallback: string): string {
  const k = process.argv.indexOf(`--${name}`);
  return k >= 0 && k + 1 < process.argv.length ? process.argv[k + 1] : fallback;
}
/** An integer option in [min, max]; anything else stops the script with a one-line message (exit code 2). */
function intArg(name: string, fallback: string, min: number, max: number): number {
  const text = arg(name, fallback);
  const n = decimal(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(`go-nogo.ts: --${name} must be an integer in [${min}, ${max}], got "${text}"\n`);
    process.exit(2);
  }
  return n;
}
const units = intArg("neurons", "200", 2, 2000);
const seed = intArg("seed", "1", 0, 2 ** 31 - 1);
const trials = intArg("trials", "20", 1, 10_000);
const workers = intArg("workers", "2", 1, MAX_CONFIG_WORKERS);
const maxTrials = intArg("max-trials", "6000", 1, 100_000);
let scales: number[];
try {
  scales = parseScales(arg("scales", "20:75:5"));
} catch (e) {
  process.stderr.write(`go-nogo.ts: ${(e as Error).message}\n`);
  process.exit(2);
}
const print = (line: string) => process.stdout.write(line + "\n");

// 1. the rate RNN: Dale's principle, trainable tau_d in 20-50 ms, the reference's stopping rule
const t0 = performance.now();
const trained = trainRateRnn("go-nogo", { model: { units }, seed, maxTrials }, (p) =>
  process.stderr.write(
    `  after trial ${p.updates}: eval loss ${p.meanLoss.toFixed(2)}, accuracy ${(100 * p.accuracy).toFixed(0)} %\n`,
  ),
);
const last = trained.curve.at(-1);
print(
  `rate RNN (N = ${units}, seed ${seed}): ${trained.updates} training trials in ${((performance.now() - t0) / 1000).toFixed(0)} s, ` +
    (last === undefined
      ? "no evaluation reached (evaluations run after trial 2, 102, 202, ...; raise --max-trials)"
      : `accuracy ${(100 * last.accuracy).toFixed(0)} %, loss ${last.meanLoss.toFixed(2)}` +
        (last.updates === trained.updates ? "" : ` at the last evaluation, after trial ${last.updates}`)),
);

// 2. the scaling-factor search: W_spk = W / s, W_out,spk = W_out / s, W_in and tau_d copied
const threads = searchThreads({ scales, trials, workers });
const search = await searchScaleParallel(trained.model, "go-nogo", { scales, trials, seed, workers }, (p) => {
  if (p.done % (5 * trials) === 0) process.stderr.write(`  search: ${p.done}/${p.total} LIF trials\n`);
});
print(
  `LIF accuracy per scaling factor (${trials} trial${trials === 1 ? "" : "s"} each, ${search.wall_s.toFixed(0)} s on ${threads} thread${threads === 1 ? "" : "s"}):`,
);
search.scales.forEach((s, k) =>
  print(`  s = ${String(s).padStart(3)}: ${(100 * search.accuracy[k]).toFixed(0)} %`),
);
print(`best s = ${search.best.scale} (paper's example network, N = 200: s = 25)`);

// 3. one Go and one NoGo trial of the spiking network at the best s
const net = transferRateRnn(trained.model, search.best.scale);
for (const go of [true, false]) {
  const trial = generateTrial("go-nogo", createRng(seed, "example", go ? 1 : 0), { go });
  const r = runLifTrial(net, trial, createRng(seed, "example-noise", go ? 1 : 0));
  const rates = firingRates_Hz(net, r);
  let max = -Infinity;
  for (let k = 9_999; k < r.output.length; k++) max = Math.max(max, r.output[k]);
  const trace = [];
  for (let t = 0; t < 10; t++) trace.push(r.output[t * 2000 + 1999].toFixed(2));
  print(
    `${go ? "Go  " : "NoGo"} trial: output every 100 ms ${trace.join(" ")}; max from 0.5 s ${max.toFixed(2)} -> ` +
      `${r.correct ? "correct" : "wrong"}; ${r.spikeSteps.length} spikes, mean rate ` +
      `${(rates.reduce((a, b) => a + b, 0) / units).toFixed(1)} Hz`,
  );
}
