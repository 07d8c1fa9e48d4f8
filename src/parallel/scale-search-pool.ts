/**
 * The scaling-factor search on a worker pool (piscina, src/parallel/pool.ts): every job of src/rnn/scale-search.ts
 * goes to src/parallel/scale-worker.ts. `workers <= 1` runs in the calling thread. Results are identical for
 * any number of workers (per-trial streams; test/rnn/scale-search.test.ts).
 */
import { randomUUID } from "node:crypto";
import { requireInteger } from "../core/errors.ts";
import { logHandedWarnings } from "../core/log.ts";
import { rateRnnToJSON } from "../rnn/rate-rnn-json.ts";
import type { RateRnn } from "../rnn/rate-rnn.ts";
import {
  SCALE_SEARCH_DEFAULTS,
  type ScaleJobRunner,
  type ScaleSearchOptions,
  type ScaleSearchProgress,
  type ScaleSearchResult,
  searchScale,
} from "../rnn/scale-search.ts";
import type { TaskName } from "../rnn/tasks.ts";
import { siblingModule } from "../core/module-url.ts";
import { createPool, retypeWorkerError } from "./pool.ts";
import type { ScaleWorkerResult, ScaleWorkerTask } from "./scale-worker.ts";

/**
 * The number of threads `searchScaleParallel` starts for these options: `workers` (an integer >= 1, else an
 * `InvalidParameterError`), but no more than there are jobs (a thread without a job costs its start-up, a
 * second or more, and nothing else). Bad search options give NaN job counts here and the request back;
 * searchScale's validation refuses them.
 */
export function searchThreads(
  options: Partial<ScaleSearchOptions> & { readonly workers?: number } = {},
): number {
  const { workers: asked = 1, ...search } = options;
  requireInteger("workers", asked, 1);
  const { scales, trials, chunk } = { ...SCALE_SEARCH_DEFAULTS, ...search };
  const jobs = scales.length * Math.ceil(trials / chunk); // the job count of scaleJobs
  return jobs >= 1 ? Math.min(asked, jobs) : asked;
}

/** Runs `searchScale` with its jobs spread over `workers` threads (at most one per job: `searchThreads`). */
export async function searchScaleParallel(
  model: RateRnn,
  task: TaskName,
  options: Partial<ScaleSearchOptions> & { readonly workers?: number } = {},
  onProgress?: (p: ScaleSearchProgress) => void,
): Promise<ScaleSearchResult> {
  const { workers: _asked, ...search } = options;
  const workers = searchThreads(options);
  if (workers <= 1) return searchScale(model, task, search, undefined, onProgress);
  const seed = search.seed ?? SCALE_SEARCH_DEFAULTS.seed;
  const transfer = search.transfer ?? SCALE_SEARCH_DEFAULTS.transfer;
  const json = rateRnnToJSON(model);
  const modelKey = randomUUID();
  const pool = createPool(siblingModule("./scale-worker", import.meta.url), workers);
  const runner: ScaleJobRunner = async (jobs, done) => {
    await Promise.all(
      jobs.map((job) => {
        const t: ScaleWorkerTask = { modelKey, model: json, task, seed, transfer, job };
        return (pool.run(t) as Promise<ScaleWorkerResult>).then(
          (r) => {
            logHandedWarnings(r.warnings);
            done(job, r.flags, r.compute_s);
          },
          (e: unknown) => {
            throw retypeWorkerError(e);
          },
        );
      }),
    );
  };
  try {
    return await searchScale(model, task, search, runner, onProgress);
  } finally {
    await pool.destroy();
  }
}
