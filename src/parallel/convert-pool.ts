/**
 * `evaluateSnn` (src/convert/evaluate.ts) on a worker pool (piscina, pool.ts): the images are split into
 * chunks of consecutive indices, each converted network lives once per worker (convert-worker.ts), and the
 * chunks' results are merged. Every image draws from its own stream, so the result is the same for any
 * number of workers and any chunk size (test/convert/evaluate-pool.test.ts). `workers <= 1` runs in the
 * calling thread.
 */
import { randomUUID } from "node:crypto";
import { InvalidParameterError, requireInteger } from "../core/errors.ts";
import { logHandedWarnings } from "../core/log.ts";
import { siblingModule } from "../core/module-url.ts";
import type { Ann } from "../convert/ann.ts";
import {
  type EvaluateSnnOptions,
  type LabelledImages,
  type SnnEvaluation,
  defaultCheckpoints,
  evaluateSnn,
  mergeSnnEvaluations,
} from "../convert/evaluate.ts";
import { type AnnImages, imageCount, readImage } from "../convert/normalize.ts";
import type { Dataset } from "../data/dataset.ts";
import { type AnnToSnnOptions, annToSnn } from "../convert/to-snn.ts";
import { unlessAborted } from "../experiments/interrupt.ts";
import { createPool, retypeWorkerError } from "./pool.ts";
import type { ConvertWorkerResult, ConvertWorkerTask } from "./convert-worker.ts";

export interface ParallelEvaluateOptions extends EvaluateSnnOptions {
  /** Worker threads. Default 1 (the calling thread). */
  readonly workers?: number;
  /** Images per job. Default: the range split into 4 jobs per worker. */
  readonly chunk?: number;
  /**
   * Called with the images evaluated so far after every job. With it (or `signal`), `workers <= 1` runs the
   * jobs one after another in the calling thread and lets the event loop run between them.
   */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * Ends the evaluation with the signal's reason when aborted: between two jobs in the calling thread, at
   * once on workers (whose pool is destroyed). The result does not depend on it.
   */
  readonly signal?: AbortSignal;
}

/** Converts `ann` with `snnOptions` and evaluates it on images [start, end) of `data` over `workers` threads. */
export async function evaluateSnnParallel(
  ann: Ann,
  snnOptions: AnnToSnnOptions,
  data: LabelledImages,
  options: ParallelEvaluateOptions,
): Promise<SnnEvaluation> {
  const { workers: asked = 1, chunk: chunkAsked, onProgress, signal, ...evalOpts } = options;
  const workers = requireInteger("workers", asked, 1);
  const snn = annToSnn(ann, snnOptions);
  if (workers <= 1 && onProgress === undefined && signal === undefined)
    return evaluateSnn(snn, data, evalOpts);
  const images: AnnImages =
    typeof (data as Partial<Dataset>).image === "function"
      ? (data as Dataset)
      : (data as { images: readonly ArrayLike<number>[] }).images;
  const count = imageCount(images);
  const start = requireInteger("start", evalOpts.start ?? 0, 0);
  const end = requireInteger("end", evalOpts.end ?? count, start);
  if (end > count) throw new InvalidParameterError(`end = ${end} is beyond the test set's ${count} images`);
  const steps = requireInteger("steps", evalOpts.steps, 1);
  const checkpoints = evalOpts.checkpoints ?? defaultCheckpoints(steps);
  const n = end - start;
  const chunk = requireInteger("chunk", chunkAsked ?? Math.max(1, Math.ceil(n / (4 * workers))), 1);
  if (n === 0) return evaluateSnn(snn, data, evalOpts);
  if (workers <= 1) {
    // in the calling thread, job by job, with the event loop free between jobs (progress, Ctrl-C)
    const parts: SnnEvaluation[] = [];
    for (let s = start; s < end; s += chunk) {
      signal?.throwIfAborted();
      const e = Math.min(end, s + chunk);
      parts.push(evaluateSnn(snn, data, { steps, checkpoints, start: s, end: e }));
      onProgress?.(e - start, n);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    signal?.throwIfAborted();
    return mergeSnnEvaluations(parts);
  }
  signal?.throwIfAborted();
  const labels = (data as { labels: ArrayLike<number> }).labels;
  const modelKey = randomUUID();
  const parameters = ann.parameters();
  const pool = createPool(
    siblingModule("./convert-worker", import.meta.url),
    Math.min(workers, Math.ceil(n / chunk)),
  );
  const size = snn.pixelCount;
  const x = new Float64Array(size);
  let done = 0;
  try {
    const jobs: Promise<SnnEvaluation>[] = [];
    for (let s = start; s < end; s += chunk) {
      const e = Math.min(end, s + chunk);
      const pixels = new Float32Array((e - s) * size);
      const chunkLabels = new Int32Array(e - s);
      for (let k = s; k < e; k++) {
        readImage(images, k, x);
        pixels.set(x, (k - s) * size);
        chunkLabels[k - s] = labels[k];
      }
      const task: ConvertWorkerTask = {
        modelKey,
        architecture: ann.architecture,
        parameters,
        snn: snnOptions,
        pixels,
        labels: chunkLabels,
        start: s,
        end: e,
        steps,
        checkpoints,
      };
      jobs.push(
        (pool.run(task) as Promise<ConvertWorkerResult>).then(
          (r) => {
            logHandedWarnings(r.warnings);
            done += r.evaluation.end - r.evaluation.start;
            onProgress?.(done, n);
            return r.evaluation;
          },
          (e: unknown) => {
            throw retypeWorkerError(e);
          },
        ),
      );
    }
    const all = Promise.all(jobs);
    // aborted: reject at once (the finally below destroys the pool, ending the jobs still running)
    return mergeSnnEvaluations(await unlessAborted(all, signal));
  } finally {
    await pool.destroy();
  }
}
