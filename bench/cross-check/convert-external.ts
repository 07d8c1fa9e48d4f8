/**
 * Converts a Go-NoGo rate RNN trained outside spikeflow (train-torch.py's JSON: relu'd raw weights w[post][pre],
 * sign, wIn, wOut, bOut, theta, tau_ms) with spikeflow's LIF transfer and scale search (s = 20, 25, ..., 75,
 * 100 trials each), after checking on 100 trials that spikeflow's rate simulator reproduces the network's
 * rate accuracy. Appends one JSON line per network to bench/results/rnn-torch-crosscheck.jsonl.
 *
 * Usage: node --import tsx bench/cross-check/convert-external.ts NET.json [receiver|sender] [WORKERS]
 */
import { appendFileSync, readFileSync } from "node:fs";
import { createRng } from "../../src/core/rng.ts";
import { searchScaleParallel } from "../../src/parallel/scale-search-pool.ts";
import { type RateRnn, simulateRateRnn } from "../../src/rnn/rate-rnn.ts";
import { generateTrial, isCorrect } from "../../src/rnn/tasks.ts";
import type { SynapseFilter } from "../../src/rnn/transfer.ts";

interface ExternalNet {
  seed: number;
  trials: number;
  sign: number[];
  w: number[][];
  wIn: number[];
  wOut: number[];
  bOut: number;
  theta: number[];
  tau_ms: [number, number];
}

const [file, filterArg = "receiver", workersArg = "1"] = process.argv.slice(2);
if (file === undefined) throw new Error("usage: convert-external.ts NET.json [receiver|sender] [WORKERS]");
const synapseFilter = filterArg as SynapseFilter;
const net = JSON.parse(readFileSync(file, "utf8")) as ExternalNet;
const n = net.sign.length;

// the live recurrent weights as spikeflow's CSR (row = post), raw values > 0, signs per pre unit
const rowPtr = new Int32Array(n + 1);
const cols: number[] = [];
const vals: number[] = [];
for (let i = 0; i < n; i++) {
  for (let j = 0; j < n; j++) {
    if (net.w[i][j] > 0) {
      cols.push(j);
      vals.push(net.w[i][j]);
    }
  }
  rowPtr[i + 1] = cols.length;
}
const model: RateRnn = {
  units: n,
  inputs: 1,
  dynamics: {
    dale: true,
    activation: "sigmoid",
    dt_ms: 5,
    tauMin_ms: net.tau_ms[0],
    tauMax_ms: net.tau_ms[1],
    noiseSd: 0.1,
    initStateSd: 0.01,
  },
  sign: Int8Array.from(net.sign),
  sst: new Uint8Array(n),
  rowPtr,
  colIdx: Int32Array.from(cols),
  wRaw: Float64Array.from(vals),
  wIn: Float64Array.from(net.wIn),
  wOut: Float64Array.from(net.wOut),
  bOut: Float64Array.of(net.bOut),
  theta: Float64Array.from(net.theta),
};

let rateCorrect = 0;
for (let k = 0; k < 100; k++) {
  const trial = generateTrial("go-nogo", createRng(net.seed, "crosscheck-trial", k));
  const out = simulateRateRnn(model, trial.u, trial.steps, createRng(net.seed, "crosscheck-noise", k)).output;
  if (isCorrect("go-nogo", out, trial)) rateCorrect++;
}
const search = await searchScaleParallel(model, "go-nogo", {
  trials: 100,
  seed: net.seed,
  workers: Number(workersArg),
  transfer: { synapseFilter },
});
const line = {
  seed: net.seed,
  trials: net.trials,
  synapseFilter,
  rateAccuracySpikeflow: rateCorrect / 100,
  liveWeights: cols.length,
  bestScale: search.best.scale,
  lifAccuracy: search.best.accuracy,
  accuracyPerScale: Array.from(search.accuracy),
};
appendFileSync("bench/results/rnn-torch-crosscheck.jsonl", JSON.stringify(line) + "\n");
process.stdout.write(JSON.stringify(line) + "\n");
