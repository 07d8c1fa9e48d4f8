/**
 * Worker side of the parallel test phase: rebuilds the frozen model from its config and tensors, shows it a
 * shard of images with learning off, and returns the spike records flattened into transferable arrays.
 * Every example draws from its own random streams (see experiments/present.ts), so the result does not
 * depend on how the examples are split across workers.
 */
import { type HandedWarning, captureWarnings } from "../core/log.ts";
import { loadMnist } from "../data/mnist.ts";
import { buildModel } from "../models/index.ts";
import { presentTest } from "../experiments/unsupervised.ts";
import type { RetryRule } from "../experiments/present.ts";

export interface PresentTask {
  readonly kind: string;
  readonly config: Record<string, unknown>;
  readonly tensors: Record<string, Float32Array>;
  readonly dataDir?: string;
  readonly start: number;
  readonly end: number;
  readonly seed: number;
  readonly retry: RetryRule;
}

export interface PresentShard {
  readonly start: number;
  /** offsets[k] .. offsets[k+1] index the events of example start + k. */
  readonly offsets: Int32Array;
  readonly steps: Int32Array;
  readonly neurons: Int32Array;
  readonly attempts: Int32Array;
  /**
   * The warnings the shard raised, captured here instead of printed: the calling thread logs them, so that
   * a warning is printed once per process (not once per worker) and in the caller's wording.
   */
  readonly warnings: readonly HandedWarning[];
}

const datasets = new Map<string, ReturnType<typeof loadMnist>>();

export default function present(task: PresentTask): PresentShard {
  const key = task.dataDir ?? "";
  let data = datasets.get(key);
  if (!data) {
    data = loadMnist({ split: "test", ...(task.dataDir ? { dir: task.dataDir } : {}) });
    datasets.set(key, data);
  }
  const indices = Array.from({ length: task.end - task.start }, (_, k) => task.start + k);
  let pres: ReturnType<typeof presentTest> = [];
  // building the model is inside too: its construction warnings (a stride that leaves input unseen) were
  // printed by the caller already, and would otherwise come once per worker, in the library's words
  const warnings = captureWarnings(() => {
    const model = buildModel(task.kind, task.config, task.tensors);
    pres = presentTest(model, data, indices, task.seed, task.retry);
  });
  const offsets = new Int32Array(pres.length + 1);
  for (let k = 0; k < pres.length; k++) offsets[k + 1] = offsets[k] + pres[k].events.count;
  const steps = new Int32Array(offsets[pres.length]);
  const neurons = new Int32Array(offsets[pres.length]);
  pres.forEach((p, k) => {
    steps.set(p.events.steps.subarray(0, p.events.count), offsets[k]);
    neurons.set(p.events.neurons.subarray(0, p.events.count), offsets[k]);
  });
  return {
    start: task.start,
    offsets,
    steps,
    neurons,
    attempts: Int32Array.from(pres, (p) => p.attempts),
    warnings,
  };
}
