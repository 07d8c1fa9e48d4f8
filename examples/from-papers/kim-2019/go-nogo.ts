/**
 * Kim, Li & Sejnowski (2019), Go-NoGo: train a rate RNN, transfer it one-to-one to a LIF network, search the
 * scaling factor, and show one Go and one NoGo trial of the spiking network. See README.md in this folder.
 *
 * Usage: node --import tsx examples/from-papers/kim-2019/go-nogo.ts [--neurons 200] [--seed 1] [--trials 20]
 *        [--workers 2] [--scales 20:75:5] [--max-trials 6000]
 * The defaults take under a minute on two cores (training ~16 s, a search of 12 x 20 LIF trials ~10 s).
 * The options are named and checked as in `spikeflow rnn train | convert` (decimal numbers only).
 */
import { createRng } from "../../../src/core/rng.ts";
import { MAX_CONFIG_WORKERS } from "../../../src/experiments/run-config.ts";
import { searchScaleParallel, searchThreads } from "../../../src/parallel/scale-search-pool.ts";
import { firingRates_Hz, runLifTrial } from "../../../src/rnn/lif-trial.ts";
import { parseScales } from "../../../src/rnn/scale-search.ts";
import { generateTrial } from "../../../src/rnn/tasks.ts";
import { trainRateRnn } from "../../../src/rnn/train.ts";
import { transferRateRnn } from "../../../src/rnn/transfer.ts";
import { type ScriptArgs, scriptArgs } from "../script-args.ts";

const USAGE =
  "usage: node --import tsx examples/from-papers/kim-2019/go-nogo.ts [--neurons 200] [--seed 1] [--trials 20]\n" +
  "       [--workers 2] [--scales 20:75:5] [--max-trials 6000]\n";
const args: ScriptArgs = scriptArgs(
  "go-nogo.ts",
  USAGE,
  ["--neurons", "--seed", "--trials", "--workers", "--scales", "--max-trials"],
  (o) => (o === "--units" ? " (the number of units is --neurons N)" : ""),
);
const intArg = args.int;
const arg = args.text;
const units = intArg("neurons", "200", 2, 2000);
const seed = intArg("seed", "1", 0, 2 ** 31 - 1);
const trials = intArg("trials", "20", 1, 10_000);
const workers = intArg("workers", "2", 1, MAX_CONFIG_WORKERS);
const maxTrials = intArg("max-trials", "6000", 1, 100_000);
let scales: number[];
try {
  scales = parseScales(arg("scales", "20:75:5"));
} catch (e) {
  args.fail((e as Error).message);
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
