/**
 * The plots of a spiking-RNN run directory (written by `spikeflow rnn train` / `rnn convert`): loss and
 * accuracy over training (curve.json), accuracy against the scaling factor s (search.json), rate and spiking
 * outputs against the target for each trial condition, and the firing-rate distributions of excitatory and
 * inhibitory units (examples.json; unit signs from the saved model). Files that a run has not written yet
 * (no search before `rnn convert`) are skipped.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { FormatError } from "../core/errors.ts";
import { readSearchFile } from "../experiments/rnn-run.ts";
import { readRunJson } from "../io/json-file.ts";
import { loadModel } from "../io/model-file.ts";
import type { PlotSpec } from "./common.ts";
import {
  firingRateSpec,
  rnnAccuracySpec,
  rnnLossSpec,
  rnnOutputsSpec,
  scalingPoints,
  scalingSearchSpec,
} from "./rnn.ts";
import type { RnnCurvePoint, RnnTrialOutputs } from "./rnn.ts";
import { writePlots } from "./run-plots.ts";

interface ExamplesFile {
  readonly dt_ms: number;
  readonly rateDt_ms: number;
  readonly scale: number;
  readonly examples: readonly {
    condition: string;
    target: number[];
    rateOutput: number[];
    spikingOutput: number[];
    every: number;
    spikeNeurons: number[];
  }[];
}

const HINT = "rerun the spikeflow rnn command that writes it, or delete it";
const readJson = <T>(path: string): T => readRunJson<T>(path, HINT);

/** FormatError unless every named field of `doc` (read from `path`) is an array. */
function requireArrays(path: string, doc: object, fields: readonly string[]): void {
  for (const f of fields) {
    if (!Array.isArray((doc as Record<string, unknown>)[f])) {
      throw new FormatError(`${path}: "${f}" must be an array; ${HINT}`);
    }
  }
}

export async function plotRnnRun(
  dir: string,
  options: { png?: boolean } = {},
): Promise<{ plots: number; wall_s: number }> {
  const t0 = performance.now();
  const specs: { name: string; spec: PlotSpec }[] = [];
  if (existsSync(join(dir, "curve.json"))) {
    const doc = readJson<{ curve: RnnCurvePoint[] }>(join(dir, "curve.json"));
    requireArrays(join(dir, "curve.json"), doc, ["curve"]);
    const { curve } = doc;
    if (curve.length > 0) {
      specs.push({ name: "rnn-loss", spec: rnnLossSpec(curve, { lossThreshold: 7 }) });
      specs.push({ name: "rnn-accuracy", spec: rnnAccuracySpec(curve) });
    }
  }
  if (existsSync(join(dir, "search.json"))) {
    const search = readSearchFile(join(dir, "search.json"), HINT);
    specs.push({
      name: "rnn-scale-search",
      spec: scalingSearchSpec(scalingPoints(search), { chosen: search.best.scale }),
    });
  }
  if (existsSync(join(dir, "examples.json"))) {
    const ex = readJson<ExamplesFile>(join(dir, "examples.json"));
    requireArrays(join(dir, "examples.json"), ex, ["examples"]);
    const trials: RnnTrialOutputs[] = ex.examples.map((e) => ({
      condition: e.condition,
      target: { t_ms: e.target.map((_, k) => k * ex.rateDt_ms), values: e.target },
      rate: { t_ms: e.rateOutput.map((_, k) => k * ex.rateDt_ms), values: e.rateOutput },
      spiking: {
        t_ms: e.spikingOutput.map((_, k) => (e.every - 1 + k * e.every) * ex.dt_ms),
        values: e.spikingOutput,
      },
    }));
    specs.push({ name: "rnn-outputs", spec: rnnOutputsSpec(trials) });
    const model = await loadModel(join(dir, "model"));
    const sign = model.tensors.sign?.data as Int8Array | undefined;
    if (sign && ex.examples.length > 0) {
      // mean rate of each unit over the example trials: spikes / (trials x trial duration)
      const counts = new Float64Array(sign.length);
      for (const e of ex.examples) for (const n of e.spikeNeurons) counts[n]++;
      const duration_s = (ex.examples[0].spikingOutput.length * ex.examples[0].every * ex.dt_ms) / 1000;
      const rate_Hz = Array.from(counts, (c) => c / (ex.examples.length * duration_s));
      specs.push({ name: "rnn-firing-rates", spec: firingRateSpec({ rate_Hz, sign }) });
    }
  }
  await writePlots(join(dir, "plots"), specs, { png: options.png ?? true });
  return { plots: specs.length, wall_s: (performance.now() - t0) / 1000 };
}
