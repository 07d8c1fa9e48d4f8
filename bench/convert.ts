/**
 * Reproduction of ANN-to-SNN conversion on MNIST (src/convert/, docs/convert.md): Diehl et al. 2015 (IJCNN,
 * "Fast-classifying, high-accuracy spiking deep networks through weight and threshold balancing") and
 * Rueckauer et al. 2017 (Front. Neurosci. 11:682).
 *
 * 1. Trains on the full MNIST training set (60 000 images) the two networks of Diehl et al. 2015, without
 *    biases as in their code: the ConvNet 28x28-12c5-2s-64c5-2s-10o ("cnn": conv 12 5x5, relu, avgpool 2,
 *    conv 64 5x5, relu, avgpool 2, flatten, dense 10) and the fully connected 784-1200-1200-10 ("fc", with
 *    dropout as Diehl et al. trained it). The two train in parallel worker threads (one each); every random
 *    draw is seeded, so the weights are the same either way. Each is saved with saveAnn under --save-models
 *    (default runs/convert-bench/<net>), its training record (settings, s/epoch, test accuracy per epoch)
 *    in its ann.json.
 * 2. For each network and each normalisation (99.9th percentile, Rueckauer et al.; maximum, Diehl et al.'s
 *    data-based normalisation) on --norm-images training images, converts it and evaluates the SNN on the
 *    test set (all 10 000 images unless --test-images) with evaluateSnnParallel over --workers threads:
 *      analog input, reset by subtraction, vInit 0 and 0.5 (Rueckauer et al.)
 *      Poisson input with maxRate 1 (P(spike) = pixel per step), reset by subtraction and reset to zero
 *      (the latter is the setting of Diehl et al.'s code)
 *      IF input (deterministic, evenly spread spikes), reset by subtraction, vInit 0.5
 *    with the accuracy at each checkpoint, the mean spikes and synaptic operations per image against the
 *    ANN's multiply-adds, images per second and wall time.
 * 3. Writes everything to bench/results/convert.json (each network's entry replaced by a run that covers
 *    it; other entries kept). A run on fewer test images writes only with an explicit --out.
 *
 *   npm run bench:convert                        # train both, then evaluate (over an hour)
 *   npm run bench:convert -- --models runs/convert-bench   # reuse saved models (<dir>/cnn, <dir>/fc)
 *   npm run bench:convert -- --models runs/convert-bench --nets cnn --test-images 500 --out /tmp/quick.json
 *
 * Flags: --nets cnn,fc  --models DIR  --save-models DIR  --train-only  --test-images N  --norm-images N
 *        --steps N (last checkpoint, default 100)  --workers N (default 2)  --out FILE
 *        --settings all | normalisation/setting,...  e.g. percentile/analog-v0.5,max/poisson-zero (default all:
 *        percentile and max, each with analog-v0, analog-v0.5, poisson-subtract, poisson-zero, if-v0.5)
 *
 * Time on the 2-core development machine: training ~25 minutes (both at once), then per setting on all 10 000
 * test images at 100 steps about 4 minutes for the ConvNet and 1 minute for the FC network.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Piscina } from "piscina";
import { createPool } from "../src/parallel/pool.ts";
import type { Ann, AnnArchitecture } from "../src/convert/ann.ts";
import { type AnnTrainSettings, evaluateAnn } from "../src/convert/ann-train.ts";
import { loadAnn } from "../src/convert/ann-io.ts";
import { type NormalizeOptions, normalizeAnn } from "../src/convert/normalize.ts";
import { type AnnToSnnOptions, annMacs, annToSnn } from "../src/convert/to-snn.ts";
import { evaluateSnnParallel } from "../src/parallel/convert-pool.ts";
import { loadMnist } from "../src/data/mnist.ts";
import type { TrainJob } from "./convert-train-worker.ts";
import { machine, packageVersion, writeResult } from "./common.ts";

const { values } = parseArgs({
  options: {
    nets: { type: "string", default: "cnn,fc" },
    models: { type: "string" },
    "save-models": { type: "string", default: "runs/convert-bench" },
    "train-only": { type: "boolean", default: false },
    "test-images": { type: "string" },
    "norm-images": { type: "string", default: "1000" },
    steps: { type: "string", default: "100" },
    workers: { type: "string", default: "2" },
    out: { type: "string" },
    settings: { type: "string", default: "all" },
  },
});

/** The networks, their training recipes and the ANN test accuracies of the models Diehl et al. released. */
interface NetSpec {
  readonly description: string;
  readonly architecture: AnnArchitecture;
  readonly settings: Partial<AnnTrainSettings>;
  /** ANN test accuracy of the authors' released trained network. */
  readonly paperAnn: { readonly accuracy: number; readonly source: string };
}

const PAPER_SOURCE =
  "README of github.com/dannyneil/spiking_relu_conversion (Diehl et al. 2015's code), which names the trained nets";

export const NETS: Record<string, NetSpec> = {
  cnn: {
    description: "Diehl et al. 2015 ConvNet 28x28-12c5-2s-64c5-2s-10o, no biases",
    architecture: {
      inputShape: [1, 28, 28],
      layers: [
        { type: "conv2d", outChannels: 12, kernel: 5, bias: false },
        { type: "relu" },
        { type: "avgpool2d", kernel: 2 },
        { type: "conv2d", outChannels: 64, kernel: 5, bias: false },
        { type: "relu" },
        { type: "avgpool2d", kernel: 2 },
        { type: "flatten" },
        { type: "dense", out: 10, bias: false },
      ],
    },
    settings: {
      epochs: 4,
      batchSize: 100,
      optimizer: "sgd",
      learningRate: 0.05,
      momentum: 0.9,
      learningRateDecay: 0.5,
      seed: 1,
    },
    paperAnn: { accuracy: 0.9914, source: `${PAPER_SOURCE} cnn_99.14.mat` },
  },
  fc: {
    description: "Diehl et al. 2015 fully connected 784-1200-1200-10, no biases, dropout",
    architecture: {
      inputShape: [784],
      layers: [
        { type: "dense", out: 1200, bias: false },
        { type: "relu" },
        { type: "dense", out: 1200, bias: false },
        { type: "relu" },
        { type: "dense", out: 10, bias: false },
      ],
    },
    settings: {
      epochs: 3,
      batchSize: 100,
      optimizer: "adam",
      learningRate: 0.001,
      learningRateDecay: 0.5,
      dropout: 0.25,
      seed: 1,
    },
    paperAnn: { accuracy: 0.9884, source: `${PAPER_SOURCE} nn_98.84.mat` },
  },
};

const INIT_SEED = 1;
const nets = values.nets.split(",").map((s) => s.trim());
for (const n of nets) {
  if (!(n in NETS)) throw new Error(`unknown net "${n}"; choose from ${Object.keys(NETS).join(", ")}`);
}

/** Trains `net` on a thread of `pool` and saves it in `dir`. */
function trainInWorker(pool: Piscina, net: string, dir: string): Promise<void> {
  const job: TrainJob = {
    net,
    architecture: NETS[net].architecture,
    initSeed: INIT_SEED,
    settings: NETS[net].settings,
    dir,
  };
  return pool.run(job) as Promise<void>;
}

const modelDir = (net: string) => join(values.models ?? values["save-models"], net);
const training = new Map<string, Promise<void>>();
const toTrain = values.models ? 0 : nets.length;
const trainPool =
  toTrain > 0 ? createPool(new URL("./convert-train-worker.ts", import.meta.url), toTrain) : null;
for (const net of nets) {
  if (values.models) {
    if (!existsSync(join(modelDir(net), "ann.json"))) {
      throw new Error(`--models ${values.models}: ${modelDir(net)}/ann.json is missing`);
    }
    training.set(net, Promise.resolve());
  } else {
    training.set(net, trainInWorker(trainPool!, net, modelDir(net)));
  }
}
if (values["train-only"]) {
  await Promise.all(training.values());
  await trainPool?.destroy();
  process.exit(0);
}

// ---- evaluation ----

const fullTest = loadMnist({ split: "test" });
const testImages = values["test-images"] ? Number(values["test-images"]) : fullTest.count;
if (!Number.isInteger(testImages) || testImages < 1 || testImages > fullTest.count) {
  throw new Error(`--test-images must be an integer in [1, ${fullTest.count}], got ${values["test-images"]}`);
}
const test = testImages === fullTest.count ? fullTest : loadMnist({ split: "test", limit: testImages });
const normImages = Number(values["norm-images"]);
const normSet = loadMnist({ split: "train", limit: normImages });
const steps = Number(values.steps);
const workers = Number(values.workers);
const checkpoints = [10, 20, 30, 40, 50, 100, 200, 500, 1000].filter((c) => c < steps).concat([steps]);
const outFile = values.out ?? (testImages === fullTest.count ? "bench/results/convert.json" : undefined);
if (!outFile) console.log(`(${testImages} of ${fullTest.count} test images: no results file without --out)`);

/** The SNN settings, by key. */
const CONFIGS: Record<string, { readonly name: string; readonly options: AnnToSnnOptions }> = {
  "analog-v0": {
    name: "analog, subtract, vInit 0",
    options: { input: "analog", reset: "subtract", vInit: 0 },
  },
  "analog-v0.5": {
    name: "analog, subtract, vInit 0.5",
    options: { input: "analog", reset: "subtract", vInit: 0.5 },
  },
  "poisson-subtract": {
    name: "poisson maxRate 1, subtract",
    options: { input: "poisson", maxRate: 1, seed: 1, reset: "subtract", vInit: 0 },
  },
  "poisson-zero": {
    name: "poisson maxRate 1, zero reset (Diehl)",
    options: { input: "poisson", maxRate: 1, seed: 1, reset: "zero", vInit: 0 },
  },
  "if-v0.5": {
    name: "if input, subtract, vInit 0.5",
    options: { input: "if", reset: "subtract", vInit: 0.5 },
  },
};
/** The normalisations, by key. */
const NORMALISATIONS: Record<string, NormalizeOptions> = {
  percentile: { method: "percentile", percentile: 99.9 },
  max: { method: "max" },
};
/** What runs: normalisation/setting pairs in order; by default every pair. */
const settings: readonly (readonly [string, string])[] =
  values.settings === "all"
    ? Object.keys(NORMALISATIONS).flatMap((n) => Object.keys(CONFIGS).map((c) => [n, c] as const))
    : values.settings.split(",").map((pair) => {
        const [n, c] = pair.trim().split("/");
        if (!(n in NORMALISATIONS) || !(c in CONFIGS)) {
          throw new Error(
            `--settings: "${pair}" is not normalisation/setting with normalisation in ` +
              `${Object.keys(NORMALISATIONS).join(", ")} and setting in ${Object.keys(CONFIGS).join(", ")}`,
          );
        }
        return [n, c] as const;
      });

const mean = (a: Float64Array) => a.reduce((x, y) => x + y, 0) / a.length;
const round = (x: number, digits = 4) => Number(x.toPrecision(digits));
const stamp = () => `[${new Date().toISOString().slice(11, 19)}]`;

interface Results {
  benchmark: string;
  papers: readonly string[];
  spikeflow: string;
  machine: Record<string, unknown>;
  nets: Record<string, unknown>;
}
function readResults(file: string): Results {
  const fresh: Results = {
    benchmark: "ANN-to-SNN conversion on MNIST: Diehl et al. 2015's ConvNet and FC network, full test set",
    papers: [
      "Diehl, Neil, Binas, Cook, Liu & Pfeiffer 2015, IJCNN, Fast-classifying, high-accuracy spiking deep networks through weight and threshold balancing",
      "Rueckauer, Lungu, Hu, Pfeiffer & Liu 2017, Front. Neurosci. 11:682, Conversion of continuous-valued deep networks to efficient event-driven networks for image classification",
    ],
    spikeflow: packageVersion(),
    machine: {},
    nets: {},
  };
  if (!existsSync(file)) return fresh;
  const old = JSON.parse(readFileSync(file, "utf8")) as Results;
  return { ...fresh, nets: old.nets ?? {} };
}

/** Evaluates `net`; `save` gets the entry after every SNN setting (complete: false until the last). */
async function evaluateNet(net: string, save: (entry: Record<string, unknown>) => void): Promise<void> {
  const spec = NETS[net];
  const dir = modelDir(net);
  const { ann, manifest } = await loadAnn(dir);
  const tr = manifest.training;
  let t0 = performance.now();
  const annEval = evaluateAnn(ann, test);
  const annSeconds = (performance.now() - t0) / 1000;
  const macs = annMacs(ann);
  console.log(
    `${stamp()} ${net}: ANN test accuracy ${(annEval.accuracy * 100).toFixed(2)} % (${annEval.correct}/${annEval.count}), ` +
      `${macs.toExponential(3)} MACs/image`,
  );
  const normalisations: Record<string, unknown> = {};
  const snn: Record<string, unknown>[] = [];
  const secondsPerEpoch = tr?.epochs.map((e) => round(e.seconds, 5)) ?? [];
  const entry: Record<string, unknown> = {
    description: spec.description,
    architecture: manifest.architecture,
    model_dir: dir,
    paper_ann: spec.paperAnn,
    paper_snn:
      "unconfirmed: the SNN accuracies of Diehl et al. 2015 and Rueckauer et al. 2017 could not be checked " +
      "against the papers' text here, so none is quoted",
    training: tr
      ? {
          settings: tr.settings,
          initial_weights: `createRng(${INIT_SEED}, "ann", "${net}")`,
          train_images: tr.trainCount,
          epochs: tr.epochs,
          seconds_per_epoch: secondsPerEpoch,
          mean_seconds_per_epoch: round(
            secondsPerEpoch.reduce((a, b) => a + b, 0) / secondsPerEpoch.length,
            5,
          ),
          total_seconds: round(tr.seconds, 5),
          note:
            "trained by this script (bench/convert-train-worker.ts), both networks at once in two threads of a " +
            "2-core machine whose cores were partly busy with other work, so s/epoch is above a quiet " +
            "machine's single-thread figure",
        }
      : null,
    ann: {
      test_accuracy: annEval.accuracy,
      correct: annEval.correct,
      test_images: annEval.count,
      evaluate_seconds: round(annSeconds, 4),
      macs_per_image: macs,
      parameters: Object.values(ann.parameters()).reduce((s, p) => s + p.length, 0),
    },
    normalisations,
    snn,
    complete: false,
  };
  const normalised = new Map<string, Ann>();
  for (const [normKey, configKey] of settings) {
    const config = CONFIGS[configKey];
    let norm = normalised.get(normKey);
    if (!norm) {
      const normOpts = NORMALISATIONS[normKey];
      const method = normOpts.method!;
      t0 = performance.now();
      const r = normalizeAnn(ann, normSet, normOpts);
      norm = r.ann;
      const lambdas = r.lambdas;
      const normSeconds = (performance.now() - t0) / 1000;
      normalised.set(normKey, norm);
      normalisations[normKey] = {
        ...normOpts,
        images: normSet.count,
        lambdas: [...lambdas].map((l) => round(l, 6)),
        seconds: round(normSeconds, 3),
      };
      console.log(
        `${stamp()} ${net}: ${method} normalisation on ${normSet.count} images in ${normSeconds.toFixed(1)} s, ` +
          `lambdas ${[...lambdas].map((l) => l.toFixed(3)).join(", ")}`,
      );
    }
    const method = normKey;
    const analogMacs = config.options.input === "analog" ? annToSnn(norm, config.options).analogMacs : 0;
    t0 = performance.now();
    const res = await evaluateSnnParallel(norm, config.options, test, { steps, checkpoints, workers });
    const wall = (performance.now() - t0) / 1000;
    const nc = res.checkpoints.length;
    const n = res.end - res.start;
    const agreement = res.checkpoints.map((_, j) => {
      let a = 0;
      for (let k = 0; k < n; k++) if (res.predictions[k * nc + j] === annEval.predictions[k]) a++;
      return a / n;
    });
    const spikes = mean(res.spikes);
    const ops = mean(res.synapticOps);
    const row = {
      normalisation: method,
      setting: configKey,
      config: config.name,
      snn_options: config.options,
      images: n,
      steps,
      checkpoints: res.checkpoints,
      accuracy: [...res.accuracy],
      correct: [...res.correct],
      agreement_with_ann: agreement.map((a) => round(a, 6)),
      spikes_per_image: round(spikes, 5),
      synaptic_ops_per_image: round(ops, 5),
      synaptic_ops_over_ann_macs: round(ops / macs, 4),
      ...(analogMacs ? { analog_first_layer_macs_per_image: analogMacs } : {}),
      wall_s: round(wall, 4),
      images_per_s: round(n / wall, 4),
      steps_per_s: round((n * steps) / wall, 4),
    };
    snn.push(row);
    console.log(
      `${stamp()} ${net} ${method.padEnd(10)} ${config.name.padEnd(38)} ` +
        res.checkpoints.map((c, j) => `${c}:${(res.accuracy[j] * 100).toFixed(2)}`).join(" ") +
        ` | spikes ${spikes.toExponential(2)}, ops ${ops.toExponential(2)} (${(ops / macs).toFixed(2)} x MACs), ` +
        `${(n / wall).toFixed(1)} images/s, ${wall.toFixed(0)} s`,
    );
    save(entry);
  }
  entry.complete = true;
  save(entry);
}

for (const net of nets) {
  await training.get(net);
  await evaluateNet(net, (entry) => {
    if (!outFile) return;
    const results = readResults(outFile);
    results.machine = machine();
    results.spikeflow = packageVersion();
    results.nets[net] = {
      date: new Date().toISOString(),
      command: `node --import tsx bench/convert.ts ${process.argv.slice(2).join(" ")}`.trim(),
      workers,
      test_images: test.count,
      norm_images: normSet.count,
      steps,
      settings_run: settings.map(([n, c]) => `${n}/${c}`),
      settings_not_run: Object.keys(NORMALISATIONS)
        .flatMap((n) => Object.keys(CONFIGS).map((c) => `${n}/${c}`))
        .filter((k) => !settings.some(([n, c]) => `${n}/${c}` === k)),
      ...entry,
    };
    writeResult(outFile, results);
  });
  if (outFile) console.log(`${stamp()} ${net}: written to ${outFile}`);
}
await trainPool?.destroy();
