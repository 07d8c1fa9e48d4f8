/**
 * evaluateSnnParallel (src/parallel/convert-pool.ts): the same evaluation, image by image, on 1 or 2 workers
 * and for any chunk size, since every image draws its Poisson input from its own stream.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "../../src/core/rng.ts";
import { Ann } from "../../src/convert/ann.ts";
import { normalizeAnn } from "../../src/convert/normalize.ts";
import { evaluateSnnParallel } from "../../src/parallel/convert-pool.ts";
import { loadMnist } from "../../src/data/mnist.ts";

test("1 and 2 workers give identical results (Poisson input, per-image streams)", async () => {
  const ann = Ann.create(
    {
      inputShape: [1, 28, 28],
      layers: [
        { type: "conv2d", outChannels: 3, kernel: 5, stride: 2 },
        { type: "relu" },
        { type: "avgpool2d", kernel: 2 },
        { type: "flatten" },
        { type: "dense", out: 10 },
      ],
    },
    { rng: createRng(21, "ann") },
  );
  const data = loadMnist({ split: "test", limit: 9 });
  const { ann: norm } = normalizeAnn(ann, data, { method: "max" });
  const opts = { input: "poisson" as const, seed: 4, maxRate: 0.8 };
  const one = await evaluateSnnParallel(norm, opts, data, { steps: 40, start: 1, workers: 1 });
  const two = await evaluateSnnParallel(norm, opts, data, { steps: 40, start: 1, workers: 2, chunk: 3 });
  assert.deepEqual(two, one);
  assert.equal(one.end - one.start, 8);
  assert.ok(one.spikes.every((s) => s > 0));
});
