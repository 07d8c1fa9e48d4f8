/**
 * Diehl et al. (2015) / Rueckauer et al. (2017) conversion with the trained ConvNet kept in this folder
 * (cnn/, written by bench/convert.ts): load it, normalise it on training images, convert it into an IF
 * network and compare the SNN's accuracy at each checkpoint with the ANN's on the first test images.
 * See README.md in this folder.
 *
 * Usage: node --import tsx examples/from-papers/diehl-2015-conversion/run.ts [--model DIR] [--images 500]
 *        [--steps 100] [--norm-images 1000] [--input analog|poisson|if] [--reset subtract|zero]
 *        [--norm percentile|max] [--workers 2]
 * The defaults take about a minute on two cores.
 */
import { fileURLToPath } from "node:url";
import { evaluateAnn } from "../../../src/convert/ann-train.ts";
import { loadAnn } from "../../../src/convert/ann-io.ts";
import { normalizeAnn } from "../../../src/convert/normalize.ts";
import { type AnnToSnnOptions, annMacs } from "../../../src/convert/to-snn.ts";
import { loadMnist } from "../../../src/data/mnist.ts";
import { evaluateSnnParallel } from "../../../src/parallel/convert-pool.ts";
import { scriptArgs } from "../script-args.ts";

const USAGE =
  "usage: node --import tsx examples/from-papers/diehl-2015-conversion/run.ts [--model DIR] [--images 500]\n" +
  "       [--steps 100] [--norm-images 1000] [--input analog|poisson|if] [--reset subtract|zero]\n" +
  "       [--norm percentile|max] [--workers 2]\n";
const args = scriptArgs("run.ts", USAGE, [
  "--model",
  "--images",
  "--steps",
  "--norm-images",
  "--input",
  "--reset",
  "--norm",
  "--workers",
]);
const modelDir = args.text("model", fileURLToPath(new URL("./cnn", import.meta.url)));
const images = args.int("images", "500", 1, 10_000);
const steps = args.int("steps", "100", 1, 10_000);
const normImages = args.int("norm-images", "1000", 1, 60_000);
const workers = args.int("workers", "2", 1, 16);
const input = args.text("input", "analog");
const reset = args.text("reset", "subtract");
const method = args.text("norm", "percentile");
if (input !== "analog" && input !== "poisson" && input !== "if")
  args.fail(`--input must be analog, poisson or if`);
if (reset !== "subtract" && reset !== "zero") args.fail(`--reset must be subtract or zero`);
if (method !== "percentile" && method !== "max") args.fail(`--norm must be percentile or max`);
const print = (line: string) => process.stdout.write(line + "\n");

const { ann, manifest } = await loadAnn(modelDir);
const test = loadMnist({ split: "test", limit: images });
const annEval = evaluateAnn(ann, test);
const lastEpoch = manifest.training?.epochs.at(-1);
print(
  `ANN (${modelDir}): ${annEval.correct}/${annEval.count} correct on the first ${images} test images` +
    (lastEpoch?.testAccuracy === undefined
      ? ""
      : `; ${(100 * lastEpoch.testAccuracy).toFixed(2)} % on all 10 000 after training`),
);

const { ann: normalised, lambdas } = normalizeAnn(ann, loadMnist({ split: "train", limit: normImages }), {
  method: method as "percentile" | "max",
});
print(
  `${method} normalisation on ${normImages} training images: lambdas ${[...lambdas].map((l) => l.toFixed(3)).join(", ")}`,
);

const snnOptions: AnnToSnnOptions =
  input === "poisson"
    ? { input, reset: reset as "subtract" | "zero", maxRate: 1, seed: 1 }
    : { input: input as "analog" | "if", reset: reset as "subtract" | "zero", vInit: 0.5 };
const t0 = performance.now();
const res = await evaluateSnnParallel(normalised, snnOptions, test, { steps, workers });
const seconds = (performance.now() - t0) / 1000;
print(`SNN (${JSON.stringify(snnOptions)}), ${images} images x ${steps} steps in ${seconds.toFixed(1)} s:`);
for (let j = 0; j < res.checkpoints.length; j++) {
  print(`  ${String(res.checkpoints[j]).padStart(5)} steps: ${res.correct[j]}/${images} correct`);
}
const ops = res.synapticOps.reduce((a, b) => a + b, 0) / images;
print(
  `synaptic operations per image: ${ops.toExponential(3)} (the ANN: ${annMacs(ann).toExponential(3)} multiply-adds)`,
);
