/**
 * Worker side of the scaling-factor search (src/rnn/scale-search.ts): rebuilds the rate RNN from its JSON form
 * (cached per model key, so a worker parses each model once), transfers it at the job's scaling factor and
 * returns the per-trial correctness of the job's trial range. Every trial draws from its own streams, so the
 * result does not depend on which worker runs which job.
 */
import { type HandedWarning, captureWarnings } from "../core/log.ts";
import { type RateRnnJSON, rateRnnFromJSON } from "../rnn/rate-rnn-json.ts";
import type { RateRnn } from "../rnn/rate-rnn.ts";
import { type ScaleJob, evaluateScaleTrials } from "../rnn/scale-search.ts";
import type { TaskName } from "../rnn/tasks.ts";
import type { TransferOptions } from "../rnn/transfer.ts";

export interface ScaleWorkerTask {
  /** Identifies the model across jobs (the worker keeps the last one it parsed). */
  readonly modelKey: string;
  readonly model: RateRnnJSON;
  readonly task: TaskName;
  readonly seed: number;
  readonly transfer: Partial<TransferOptions>;
  readonly job: ScaleJob;
}

let cached: { key: string; model: RateRnn } | undefined;

/** What a job returns: the correctness of its trials and the seconds they took (parsing excluded). */
export interface ScaleWorkerResult {
  readonly flags: Uint8Array;
  readonly compute_s: number;
  /**
   * The warnings the job raised, captured instead of printed: the calling thread logs them, once per process
   * (not once per job and worker) and in its own wording (the command line's option names).
   */
  readonly warnings: readonly HandedWarning[];
}

export default function scaleWorker(t: ScaleWorkerTask): ScaleWorkerResult {
  let flags: Uint8Array = new Uint8Array(0);
  let compute_s = 0;
  const warnings = captureWarnings(() => {
    if (cached?.key !== t.modelKey) cached = { key: t.modelKey, model: rateRnnFromJSON(t.model) };
    const t0 = performance.now();
    flags = evaluateScaleTrials(cached.model, t.task, t.job, t.seed, t.transfer);
    compute_s = (performance.now() - t0) / 1000;
  });
  return { flags, compute_s, warnings };
}
