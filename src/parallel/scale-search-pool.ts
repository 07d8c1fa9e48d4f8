/**
 * The scaling-factor search on a worker pool (piscina, src/parallel/pool.ts): every job of src/rnn/scale-search.ts
 * goes to src/parallel/scale-worker.ts. `workers <= 1` runs in the calling thread. Results are identical for
 * any number of workers (per-trial streams; test/rnn/scale-search.test.ts).
 */
import { randomUUID } from "node:crypto";
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
import { createPool } from "./pool.ts";
import type { ScaleWorkerTask } from "./scale-worker.ts";

/** Runs `searchScale` with its jobs spread over `workers` threads. */
export async function searchScaleParallel(
  model: RateRnn,
  task: TaskName,
  options: Partial<ScaleSearchOptions> & { readonly workers?: number } = {},
  onProgress?: (p: ScaleSearchProgress) => void,
): Promise<ScaleSearchResult> {
  const { workers: asked = 1, ...search } = options;
  // no more threads than jobs: a thread without a job costs its start-up (a second or more) and nothing else
  // (the job count of scaleJobs; bad options give NaN here and are refused by searchScale's validation)
  const { scales, trials, chunk } = { ...SCALE_SEARCH_DEFAULTS, ...search };
  const jobs = scales.length * Math.ceil(trials / chunk);
  const workers = jobs >= 1 ? Math.min(asked, jobs) : asked;
  if (workers <= 1) return searchScale(model, task, search, undefined, onProgress);
  const seed = search.seed ?? SCALE_SEARCH_DEFAULTS.seed;
  const transfer = search.transfer ?? SCALE_SEARCH_DEFAULTS.transfer;
  const json = rateRnnToJSON(model);
  const modelKey = randomUUID();
  const pool = createPool(new URL("./scale-worker.ts", import.meta.url), workers);
  const runner: ScaleJobRunner = async (jobs, done) => {
    await Promise.all(
      jobs.map((job) => {
        const t: ScaleWorkerTask = { modelKey, model: json, task, seed, transfer, job };
        return (pool.run(t) as Promise<Uint8Array>).then((flags) => done(job, flags));
      }),
    );
  };
  try {
    return await searchScale(model, task, search, runner, onProgress);
  } finally {
    await pool.destroy();
  }
}
