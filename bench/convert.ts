/**
 * Speed of a converted SNN (src/convert/): Diehl et al. 2015's fully connected 784-1200-1200-10 network with
 * random (PyTorch-default) weights, normalised on MNIST training images (99.9th percentile), converted with
 * each input kind and run for 100 steps per test image on one thread. Prints images per second, steps per
 * second, spikes and synaptic operations per image against the ANN's multiply-adds, and how often the SNN
 * agrees with its ANN (the weights are untrained, so accuracy means nothing here).
 *
 *   node --import tsx bench/convert.ts [--images 200] [--steps 100] [--norm-images 1000]
 */
import { parseArgs } from "node:util";
import { createRng } from "../src/core/rng.ts";
import { Ann } from "../src/convert/ann.ts";
import { normalizeAnn } from "../src/convert/normalize.ts";
import { annMacs, annToSnn } from "../src/convert/to-snn.ts";
import { evaluateSnn } from "../src/convert/evaluate.ts";
import { loadMnist } from "../src/data/mnist.ts";

const { values } = parseArgs({
  options: {
    images: { type: "string", default: "200" },
    steps: { type: "string", default: "100" },
    "norm-images": { type: "string", default: "1000" },
  },
});
const images = Number(values.images);
const steps = Number(values.steps);
const ann = Ann.create(
  {
    inputShape: [784],
    layers: [
      { type: "dense", out: 1200 },
      { type: "relu" },
      { type: "dense", out: 1200 },
      { type: "relu" },
      { type: "dense", out: 10 },
    ],
  },
  { rng: createRng(1, "bench-convert") },
);
const train = loadMnist({ split: "train", limit: Number(values["norm-images"]) });
const testSet = loadMnist({ split: "test", limit: images });
const cpu = () => process.cpuUsage().user / 1e6;
let t0 = performance.now();
let c0 = cpu();
const { ann: norm, lambdas } = normalizeAnn(ann, train);
console.log(
  `normalisation on ${train.count} images (percentile 99.9, two passes): ${((performance.now() - t0) / 1000).toFixed(2)} s ` +
    `(CPU ${(cpu() - c0).toFixed(2)} s), ` +
    `lambdas ${[...lambdas].map((l) => l.toFixed(3)).join(", ")}`,
);
const annPred = Array.from({ length: testSet.count }, (_, k) =>
  ann.predict(Float64Array.from(testSet.image(k), (v) => v / 255)),
);
for (const input of ["analog", "if", "poisson"] as const) {
  const snn = annToSnn(norm, input === "poisson" ? { input, seed: 1 } : { input, vInit: 0.5 });
  evaluateSnn(snn, testSet, { steps, end: Math.min(5, images) }); // warm-up
  t0 = performance.now();
  c0 = cpu();
  const res = evaluateSnn(snn, testSet, { steps });
  const s = (performance.now() - t0) / 1000;
  const cpuS = cpu() - c0;
  const nc = res.checkpoints.length;
  const agree = annPred.filter((p, k) => res.predictions[k * nc + nc - 1] === p).length;
  const mean = (a: Float64Array) => a.reduce((x, y) => x + y, 0) / a.length;
  console.log(
    `${input.padEnd(7)} ${images} images x ${steps} steps: ${s.toFixed(2)} s, ${(images / s).toFixed(1)} images/s, ` +
      `${((images * steps) / s).toFixed(0)} steps/s (CPU ${cpuS.toFixed(2)} s: ${(images / cpuS).toFixed(1)} images/s); spikes/image ${mean(res.spikes).toFixed(0)}, ` +
      `synaptic ops/image ${mean(res.synapticOps).toExponential(3)} (ANN MACs ${annMacs(norm).toExponential(3)}, ` +
      `analog first layer ${snn.analogMacs.toExponential(3)}); agrees with the ANN on ${agree}/${images}; ` +
      `agreement by checkpoint ${res.checkpoints
        .map((c, j) => `${c}:${annPred.filter((p, k) => res.predictions[k * nc + j] === p).length}`)
        .join(" ")}`,
  );
}
