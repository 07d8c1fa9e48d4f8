/**
 * Worker side of `evaluateSnnParallel` (convert-pool.ts): rebuilds the ANN from its parameters and converts it
 * (cached per model key, so a worker builds each network once), then evaluates one chunk of images. The
 * chunk's images sit at their indices in the whole test set, so each draws from its own stream (the image's
 * index) wherever it runs.
 */
import { type HandedWarning, captureWarnings } from "../core/log.ts";
import { Ann, type AnnArchitecture } from "../convert/ann.ts";
import { type SnnEvaluation, evaluateSnn } from "../convert/evaluate.ts";
import { type AnnToSnnOptions, type ConvertedSnn, annToSnn } from "../convert/to-snn.ts";

export interface ConvertWorkerTask {
  /** Identifies the model and conversion options across chunks. */
  readonly modelKey: string;
  readonly architecture: AnnArchitecture;
  readonly parameters: Record<string, Float32Array>;
  readonly snn: AnnToSnnOptions;
  /** The chunk's images, (end - start) x pixels, already scaled. */
  readonly pixels: Float32Array;
  readonly labels: Int32Array;
  readonly start: number;
  readonly end: number;
  readonly steps: number;
  readonly checkpoints: readonly number[];
}

export interface ConvertWorkerResult {
  readonly evaluation: SnnEvaluation;
  readonly warnings: readonly HandedWarning[];
}

let cached: { key: string; snn: ConvertedSnn } | undefined;

export default function convertWorker(t: ConvertWorkerTask): ConvertWorkerResult {
  let evaluation: SnnEvaluation | undefined;
  const warnings = captureWarnings(() => {
    if (cached?.key !== t.modelKey) {
      cached = { key: t.modelKey, snn: annToSnn(Ann.fromParameters(t.architecture, t.parameters), t.snn) };
    }
    const n = t.end - t.start;
    const size = t.pixels.length / Math.max(1, n);
    // a sparse array: the chunk's images at their indices in the whole set, so image k uses stream k
    const images: Float32Array[] = new Array<Float32Array>(t.end);
    const labels = new Int32Array(t.end);
    for (let k = 0; k < n; k++) {
      images[t.start + k] = t.pixels.subarray(k * size, (k + 1) * size);
      labels[t.start + k] = t.labels[k];
    }
    evaluation = evaluateSnn(
      cached.snn,
      { images, labels },
      {
        steps: t.steps,
        checkpoints: t.checkpoints,
        start: t.start,
        end: t.end,
      },
    );
  });
  return { evaluation: evaluation as SnnEvaluation, warnings };
}
