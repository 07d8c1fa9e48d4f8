/** Small real run directories for the tests of --resume, eval, plot and report. */
import { runUnsupervised, type RunSummary } from "../../src/experiments/run.ts";

/**
 * A finished LC-SNN run in `out`: 2 filters, 20 training images in blocks of 10, 5 test images, on one
 * thread; it keeps its checkpoint at the end of training, after 20 images (checkpoints come every 10 images
 * and when training ends; config.json records checkpointEvery 10).
 */
export function finishedRun(out: string): Promise<RunSummary> {
  return runUnsupervised({
    kind: "lcsnn",
    config: { filters: 2 },
    protocol: { trainCount: 20, testCount: 5, updateInterval: 10, logreg: false },
    out,
    workers: 1,
    checkpointEvery: 10,
  });
}
