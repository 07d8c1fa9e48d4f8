/**
 * Trained MNIST models (the LC-SNN, Diehl & Cook 2015) with their readouts, to and from the spikeflow model
 * format, without a file system: `spikeflow train` saves DIR/model through these (src/experiments/run.ts,
 * `saveRunModel` / `loadRunModel`), and a web page can save a model it trained, or open one the command line
 * wrote, from the files' bytes:
 *
 *   const { manifestText, files } = encodeModel(runModelInput(model, readouts));      // model.json, weights
 *   const saved = decodeModel(parseModelManifest(text, "model.json"), { "weights.safetensors": bytes }, "");
 *   const { model, readouts } = runModelFromSaved(saved, "model.json");
 */
import {
  FormatError,
  InvalidParameterError,
  ShapeMismatchError,
  SpikeflowError,
  describeValue,
} from "../core/errors.ts";
import { tensorToFloat64 } from "../io/dtype.ts";
import type { ModelInput, SavedModel } from "../io/model-codec.ts";
import { buildModel } from "../models/index.ts";
import type { UnsupervisedModel } from "../models/types.ts";
import { LabelAssigner } from "../readout/assign.ts";
import { LogisticRegression } from "../readout/logistic.ts";
import { NgramTable } from "../readout/ngram.ts";
import type { Readouts } from "./unsupervised.ts";

function readoutTensors(r: Readouts): Record<string, { data: Float64Array | Int32Array; shape: number[] }> {
  const a = r.assigner.toJSON();
  const ng = r.ngram.toJSON();
  const t: Record<string, { data: Float64Array | Int32Array; shape: number[] }> = {
    "readout.rates": { data: Float64Array.from(a.rates), shape: [a.numNeurons, a.numClasses] },
    "readout.ngram.grams": { data: Int32Array.from(ng.grams), shape: [ng.grams.length / ng.n, ng.n] },
    "readout.ngram.scores": {
      data: Float64Array.from(ng.scores),
      shape: [ng.grams.length / ng.n, ng.numClasses],
    },
  };
  if (r.logreg) {
    const l = r.logreg.toJSON();
    t["readout.logreg.mean"] = { data: Float64Array.from(l.mean), shape: [l.numFeatures] };
    t["readout.logreg.sd"] = { data: Float64Array.from(l.sd), shape: [l.numFeatures] };
    t["readout.logreg.weights"] = { data: Float64Array.from(l.weights), shape: [l.weights.length] };
    t["readout.logreg.bias"] = { data: Float64Array.from(l.bias), shape: [l.numClasses] };
  }
  return t;
}

/**
 * A trained MNIST model and its readouts as a spikeflow model (kind "lcsnn" or "diehl-cook-2015"): the
 * network's tensors, the readouts' tensors ("readout.rates", "readout.ngram.*", "readout.logreg.*") and their
 * sizes in `extra.readout`. What `saveRunModel` writes as DIR/model; `encodeModel` turns it into the two files'
 * bytes.
 */
export function runModelInput(model: UnsupervisedModel, readouts: Readouts): ModelInput {
  const tensors: Record<
    string,
    { data: Float32Array | Float64Array | Int32Array; shape: readonly number[] }
  > = {};
  for (const [k, t] of Object.entries(model.tensors())) tensors[k] = { data: t.data.slice(), shape: t.shape };
  Object.assign(tensors, readoutTensors(readouts));
  const a = readouts.assigner.toJSON();
  const ng = readouts.ngram.toJSON();
  return {
    kind: model.kind,
    config: model.config as Record<string, unknown>,
    tensors,
    extra: {
      readout: {
        numClasses: a.numClasses,
        numNeurons: a.numNeurons,
        alpha: a.alpha,
        ngramN: ng.n,
        logreg: readouts.logreg !== null,
      },
    },
  };
}

export interface LoadedRun {
  readonly model: UnsupervisedModel;
  readonly readouts: Readouts;
  readonly config: Record<string, unknown>;
}

/** The readout sizes `runModelInput` writes under `extra.readout`. */
interface ReadoutInfo {
  readonly numClasses: number;
  readonly numNeurons: number;
  readonly alpha: number;
  readonly ngramN: number;
  readonly logreg: boolean;
}

/** The fields of `extra.readout` (ReadoutInfo). */
const READOUT_FIELDS = ["numClasses", "numNeurons", "alpha", "ngramN", "logreg"];

const LOGREG_TENSORS = [
  "readout.logreg.mean",
  "readout.logreg.sd",
  "readout.logreg.weights",
  "readout.logreg.bias",
];

/** `extra.readout`, checked field by field (a FormatError names model.json and the field). */
function readoutInfo(saved: SavedModel, manifest: string): ReadoutInfo {
  const bad = (what: string): FormatError =>
    new FormatError(
      `${manifest}: ${what} (the file was edited or is damaged; re-run training to rewrite it)`,
      {
        file: manifest,
      },
    );
  const r: unknown = saved.extra.readout;
  if (r === undefined) {
    throw bad(
      "extra.readout is missing: a trained MNIST model records its readouts' sizes there " +
        "(save it with encodeModel(runModelInput(model, readouts)))",
    );
  }
  if (typeof r !== "object" || r === null || Array.isArray(r)) {
    throw bad(
      `extra.readout must be an object of the readouts' sizes { ${READOUT_FIELDS.join(", ")} }, got ` +
        JSON.stringify(r),
    );
  }
  const o = r as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !READOUT_FIELDS.includes(k));
  if (unknown.length > 0) throw bad(`extra.readout has unknown field ${JSON.stringify(unknown[0])}`);
  for (const k of ["numClasses", "numNeurons", "ngramN"]) {
    if (!Number.isInteger(o[k]) || (o[k] as number) < 1) {
      throw bad(`extra.readout.${k} must be an integer >= 1, got ${JSON.stringify(o[k])}`);
    }
  }
  if (typeof o.alpha !== "number" || !(o.alpha >= 0 && o.alpha <= 1)) {
    throw bad(`extra.readout.alpha must be a number in [0, 1], got ${JSON.stringify(o.alpha)}`);
  }
  if (typeof o.logreg !== "boolean") {
    throw bad(`extra.readout.logreg must be true or false, got ${JSON.stringify(o.logreg)}`);
  }
  return o as unknown as ReadoutInfo;
}

/**
 * Rebuilds a trained MNIST model and its readouts from a decoded spikeflow model (`loadModel`, or
 * `decodeModel` of the files' bytes). `manifest` names model.json in error messages; `learning` is set
 * explicitly (never restored silently). Everything the model learned must be in the file: each of the
 * network's tensors (float32, e.g. "X->Y.weight" and "Y.theta_mV"), the readouts' tensors and
 * `extra.readout`, and nothing else; a missing, extra or damaged one is a FormatError naming model.json and
 * the tensor or field (a model without its weights would otherwise run with fresh random ones).
 */
export function runModelFromSaved(saved: SavedModel, manifest: string, learning = false): LoadedRun {
  if (
    typeof saved !== "object" ||
    saved === null ||
    typeof saved.kind !== "string" ||
    typeof saved.config !== "object" ||
    typeof saved.tensors !== "object" ||
    typeof saved.extra !== "object" ||
    saved.tensors === null ||
    saved.extra === null
  ) {
    throw new InvalidParameterError(
      `runModelFromSaved takes a decoded model (what decodeModel or loadModel returns), got ` +
        `${describeValue(saved)}; e.g. runModelFromSaved(decodeModel(parseModelManifest(text, "model.json"), ` +
        `files), "model.json")`,
    );
  }
  if (typeof manifest !== "string") {
    throw new InvalidParameterError(
      `runModelFromSaved: the second argument names model.json in messages (a string), got ` +
        `${describeValue(manifest)}; learning is the third argument`,
    );
  }
  if (typeof learning !== "boolean") {
    throw new InvalidParameterError(
      `runModelFromSaved: learning must be true or false, got ${describeValue(learning)}`,
    );
  }
  const damaged = (what: string): FormatError =>
    new FormatError(
      `${manifest}: ${what} (the file was edited or is damaged; re-run training to rewrite it)`,
      {
        file: manifest,
      },
    );
  const f32: Record<string, Float32Array> = {};
  const f64 = (name: string): number[] => {
    const t = saved.tensors[name];
    if (!t) throw damaged(`tensor "${name}" is missing`);
    return Array.from(tensorToFloat64(t));
  };
  for (const [k, t] of Object.entries(saved.tensors)) if (t.dtype === "F32") f32[k] = t.data as Float32Array;
  if (saved.kind === "rate-rnn") {
    // an intact model of the other pipeline: say where it goes, not that the file is damaged
    throw new FormatError(
      `${manifest}: this is a rate-RNN model (kind "rate-rnn", Kim et al. 2019), not an MNIST network; ` +
        `use "spikeflow rnn eval" / "spikeflow rnn convert" on its run directory`,
      { file: manifest },
    );
  }
  const trained = Object.hasOwn(CHECKPOINT_OF, saved.kind) ? CHECKPOINT_OF[saved.kind] : undefined;
  if (trained !== undefined) {
    // an intact checkpoint (run.ts writeCheckpoint) of a run: it is continued, not tested
    const run = checkpointRun(manifest);
    throw new FormatError(
      `${manifest}: this is a training checkpoint (kind "${saved.kind}"), not a trained model; continue ` +
        `its run with "${trained} --resume ${run}" (a finished run's model is in ` +
        `${run === "/" ? "" : run}/model: "spikeflow eval ${run}" tests it)`,
      { file: manifest },
    );
  }
  let model: UnsupervisedModel;
  try {
    model = buildModel(saved.kind, saved.config as Record<string, unknown>, f32);
  } catch (e) {
    // a tensor of another size than the config's model: config and tensors come from different models
    if (e instanceof ShapeMismatchError) {
      const what = String(e.details.tensor ?? "").endsWith(".weight") ? "weights" : "tensors";
      throw damaged(`config and ${what} disagree: ${e.message}`);
    }
    // a value the model refuses came from the file (edited or damaged): said as the file's field
    if (!(e instanceof InvalidParameterError)) throw e;
    const field = /^`?([A-Za-z_]\w*)`?\b/.exec(e.message)?.[1];
    const at = field === undefined ? undefined : fieldPath(saved.config, field, "config");
    throw damaged(
      at === undefined
        ? `the model does not build from its config and tensors: ${e.message}`
        : at + e.message.slice(e.message.indexOf(field!) + field!.length).replace(/^`/, ""),
    );
  }
  // the kind is known (a rate-RNN model is sent to its own commands by buildModel); now the readouts
  const info = readoutInfo(saved, manifest);
  // every learned tensor of the network is in the file (the builder draws fresh ones for a missing one)
  const live = model.tensors();
  for (const name of Object.keys(live)) {
    const t = saved.tensors[name];
    if (t === undefined) throw damaged(`tensor "${name}" (learned by the network) is missing`);
    if (t.dtype !== "F32") throw damaged(`tensor "${name}" must be F32, got ${t.dtype}`);
  }
  const known = new Set([
    ...Object.keys(live),
    "readout.rates",
    "readout.ngram.grams",
    "readout.ngram.scores",
    ...(info.logreg ? LOGREG_TENSORS : []),
  ]);
  for (const name of Object.keys(saved.tensors)) {
    if (!known.has(name)) {
      throw damaged(
        LOGREG_TENSORS.includes(name)
          ? `tensor "${name}" is there but extra.readout.logreg is false`
          : `tensor "${name}" is not part of a ${saved.kind} model`,
      );
    }
  }
  if (info.numNeurons !== model.output.size) {
    throw damaged(
      `extra.readout.numNeurons is ${info.numNeurons} but the network has ${model.output.size} output neurons`,
    );
  }
  model.net.learning = learning;
  /** Builds one readout; its own error is named by the tensors it came from. */
  const readout = <T>(tensors: string, build: () => T): T => {
    try {
      return build();
    } catch (e) {
      if (e instanceof FormatError || !(e instanceof SpikeflowError)) throw e;
      throw damaged(`tensors ${tensors} do not fit extra.readout or each other: ${e.message}`);
    }
  };
  const assigner = readout('"readout.rates"', () =>
    LabelAssigner.fromJSON({
      kind: "label-assigner",
      version: 1,
      numNeurons: info.numNeurons,
      numClasses: info.numClasses,
      alpha: info.alpha,
      rates: f64("readout.rates"),
    }),
  );
  const ngram = readout('"readout.ngram.grams" and "readout.ngram.scores"', () =>
    NgramTable.fromJSON({
      kind: "ngram",
      version: 1,
      n: info.ngramN,
      numNeurons: info.numNeurons,
      numClasses: info.numClasses,
      grams: f64("readout.ngram.grams"),
      scores: f64("readout.ngram.scores"),
    }),
  );
  const logreg = info.logreg
    ? readout('"readout.logreg.*"', () =>
        LogisticRegression.fromJSON({
          kind: "logistic-regression",
          version: 1,
          numFeatures: info.numNeurons,
          numClasses: info.numClasses,
          mean: f64("readout.logreg.mean"),
          sd: f64("readout.logreg.sd"),
          weights: f64("readout.logreg.weights"),
          bias: f64("readout.logreg.bias"),
        }),
      )
    : null;
  return { model, readouts: { assigner, ngram, logreg }, config: saved.config as Record<string, unknown> };
}

/** Checkpoint kinds (run.ts writeCheckpoint: the run's kind + "-checkpoint") and the command that resumes them. */
const CHECKPOINT_OF: Readonly<Record<string, string>> = Object.freeze({
  "lcsnn-checkpoint": "spikeflow train lcsnn",
  "diehl-cook-2015-checkpoint": "spikeflow train diehl-cook",
});

/**
 * The run directory of a checkpoint whose model.json is `manifest` (RUN/checkpoint/model.json, or
 * checkpoint.old/ after an interrupted write), as the path names it; "RUN" when the path does not say.
 */
function checkpointRun(manifest: string): string {
  const m = /^(?:(.*?)([\\/]+))?checkpoint(?:\.old)?[\\/]+model\.json$/.exec(manifest);
  if (m === null) return "RUN";
  return m[2] === undefined ? "." : m[1] === "" ? m[2][0] : m[1];
}

/** The dotted path of the first field named `name` in `value` (depth first), e.g. "config.neuron.tauMem_ms". */
function fieldPath(value: unknown, name: string, prefix: string): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  if (Object.hasOwn(value, name)) return `${prefix}.${name}`;
  for (const [k, v] of Object.entries(value)) {
    const found = fieldPath(v, name, `${prefix}.${k}`);
    if (found !== undefined) return found;
  }
  return undefined;
}
