/**
 * The files of an unsupervised run directory (experiments/run.ts writes them) as `plot` and `report` read them:
 * config.json through its strict parser (run-config.ts); summary.json, metrics.jsonl and test-spikes.json field
 * by field with the checks of io/json-file.ts (as the spiking-RNN run files are read), and against config.json
 * (kind, seed, test count). A damaged, hand-edited or mixed file is a FormatError that names the file (and the
 * line of metrics.jsonl) and the field, never an exception from inside a plot or a "NaN" in report.html.
 * metrics.jsonl and test-spikes.json are optional (runs that predate them draw no accuracy or spikes plot).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { FormatError } from "../core/errors.ts";
import { log } from "../core/log.ts";
import { crc32Hex } from "../io/crc32.ts";
import { MANIFEST_FILE } from "../io/model-codec.ts";
import {
  type FieldCheck,
  checkFields,
  isCount,
  isFraction,
  isNonNegative,
  isObject,
  objectField,
  parseRunJson,
  readRunJson,
  readRunText,
} from "../io/json-file.ts";
import { type RunSummary, TRAIN_COMMAND, checkpointDir, readRunConfig } from "./run.ts";
import type { RunConfigFile } from "./run-config.ts";
import { type BlockMetrics, READOUTS } from "./unsupervised.ts";

/** What a run directory holds, parsed and checked. */
export interface RunFiles {
  readonly config: RunConfigFile;
  readonly summary: RunSummary;
  readonly metrics: BlockMetrics[];
  readonly spikesPerTestExample: number[] | null;
}

/** The test-spikes.json file experiments/run.ts writes. */
export interface TestSpikesFile {
  readonly spikesPerTestExample: number[];
}

const DAMAGED = "the run directory is damaged (re-run training to rewrite it)";
/** metrics.jsonl and test-spikes.json: the plots can do without them. */
const OPTIONAL = "delete the file to draw the other plots, or re-run training to rewrite it";
const VOTING = ["all-activity", "proportion", "ngram"] as const;
const RUNNING = "a fraction in [0, 1], or null before any label assignment";

/** config.json (strict, run-config.ts), summary.json, and metrics.jsonl and test-spikes.json if present. */
export function readRunFiles(dir: string): RunFiles {
  const config = readRunConfig(dir);
  const summary = readRunSummary(join(dir, "summary.json"), config);
  const metricsPath = join(dir, "metrics.jsonl");
  const spikesPath = join(dir, "test-spikes.json");
  return {
    config,
    summary,
    metrics: existsSync(metricsPath) ? readRunMetrics(metricsPath) : [],
    spikesPerTestExample: existsSync(spikesPath) ? readTestSpikes(spikesPath, config) : null,
  };
}

/**
 * Checks of a map from readout names (`names`, no others) to values that pass `ok`: every name when `all`
 * (metrics.jsonl), otherwise those present.
 */
function readoutChecks(
  where: string,
  hint: string,
  map: Record<string, unknown>,
  names: readonly string[],
  all: boolean,
  ok: (v: unknown) => boolean,
  what: string,
): FieldCheck[] {
  for (const key of Object.keys(map)) {
    if (!names.includes(key)) {
      throw new FormatError(`${where}: "${key}" is not a readout (readouts: ${names.join(", ")}); ${hint}`, {
        file: where,
      });
    }
  }
  return names.filter((k) => all || k in map).map((k) => [k, ok, what] as const);
}

/** A confusion matrix as scoreTest writes it: K rows of K or K + 1 ("none") counts. */
function isConfusionMatrix(v: unknown): boolean {
  if (!Array.isArray(v) || v.length === 0 || !Array.isArray(v[0])) return false;
  const cols = (v[0] as unknown[]).length;
  if (cols !== v.length && cols !== v.length + 1) return false;
  return v.every((row) => Array.isArray(row) && row.length === cols && row.every((x) => isCount(x)));
}

const seconds: FieldCheck[1] = isNonNegative;

/** summary.json, checked field by field and against config.json (kind, seed, test count). */
export function readRunSummary(path: string, config: RunConfigFile): RunSummary {
  // a run stopped before its end has a checkpoint instead: say how to finish it
  const dir = dirname(path);
  const unfinished =
    !existsSync(path) && checkpointDir(dir) !== undefined
      ? `the run was stopped before its end; finish it with "${TRAIN_COMMAND[config.kind]} --resume ${dir}"`
      : "is this a finished spikeflow run directory?";
  const text = readRunText(path, unfinished);
  const doc = parseRunJson<Record<string, unknown>>(text, path, DAMAGED);
  /** Field `field` of `parent` (named `prefix` in the file) must be an object whose fields pass `checks`. */
  const section = (
    parent: Record<string, unknown>,
    prefix: string,
    field: string,
    what: string,
    checks: (o: Record<string, unknown>) => readonly FieldCheck[],
  ) => {
    const o = objectField(path, DAMAGED, parent, field, what, prefix);
    checkFields(path, DAMAGED, o, checks(o), `${prefix}${field}.`);
    return o;
  };
  /** The field must hold config.json's `value`. */
  const same = (field: string, value: unknown, what: string): FieldCheck => [
    field,
    (v) => v === value,
    `${JSON.stringify(value)}, the ${what} of config.json`,
  ];
  const isText = (v: unknown) => typeof v === "string";
  checkFields(path, DAMAGED, doc, [
    same("kind", config.kind, "kind"),
    same("seed", config.protocol.seed, "seed"),
    ["config", isObject, "an object (the model configuration)"],
    ["bestReadout", isText, "a readout name"],
    ["bestAccuracy", isFraction, "a fraction in [0, 1]"],
    ["wall_s", seconds, "seconds >= 0"],
    ["workers", (v) => isCount(v, 1), "a positive integer"],
  ]);
  section(doc, "", "protocol", "the training and test protocol", () => [
    same("testCount", config.protocol.testCount, "test count"),
  ]);
  const test = section(doc, "", "test", "the test results", () => [
    ["spikesPerExample", isNonNegative, "a number >= 0"],
    ["retriesPerExample", isNonNegative, "a number >= 0"],
    ["wall_s", seconds, "seconds >= 0"],
    ["imagesPerSecond", isNonNegative, "a number >= 0"],
  ]);
  section(test, "test.", "accuracy", "test accuracy per readout", (o) =>
    readoutChecks(path, DAMAGED, o, READOUTS, false, isFraction, "a fraction in [0, 1]"),
  );
  section(test, "test.", "confusion", "a matrix per readout", (o) =>
    readoutChecks(path, DAMAGED, o, READOUTS, false, isConfusionMatrix, "K rows of K or K + 1 counts"),
  );
  section(doc, "", "train", "the training timings", () => [
    ["wall_s", seconds, "seconds >= 0"],
    ["imagesPerSecond", isNonNegative, "a number >= 0"],
    ["spikesPerExample", isNonNegative, "a number >= 0"],
    same("examples", config.protocol.trainCount, "training count"),
  ]);
  section(doc, "", "versions", "spikeflow and Node versions", () => [
    ["spikeflow", isText, "a version string"],
    ["node", isText, "a version string"],
  ]);
  if (doc.model !== undefined) section(doc, "", "model", MODEL_RECORD, () => [MANIFEST_CRC_CHECK]);
  if (doc.paper !== undefined) {
    section(doc, "", "paper", "the paper's result, or absent", () => [
      ["label", isText, "a string"],
      ["accuracy_pct", (v) => isNonNegative(v) && (v as number) <= 100, "a percentage in [0, 100]"],
      ["sd_pct", (v) => v === undefined || isNonNegative(v), "a number >= 0 or absent"],
    ]);
  }
  return doc as unknown as RunSummary;
}

/** metrics.jsonl: one BlockMetrics object per line (blank lines skipped), `examples` increasing. */
export function readRunMetrics(path: string): BlockMetrics[] {
  const lines = readRunText(path, OPTIONAL).split("\n");
  const out: BlockMetrics[] = [];
  let before = 0;
  lines.forEach((line, k) => {
    if (line.trim() === "") return;
    const where = `${path}, line ${k + 1}`;
    const m = parseRunJson<Record<string, unknown>>(line, where, OPTIONAL);
    checkBlockMetrics(where, OPTIONAL, m, before);
    before = m.examples as number;
    out.push(m as unknown as BlockMetrics);
  });
  return out;
}

/**
 * One block of training metrics (a line of metrics.jsonl, or an entry of a checkpoint's extra.metrics),
 * checked field by field: `examples` above `before`, rates and speeds >= 0, running accuracies in [0, 1].
 * `where` names the file (and line); `hint` says what to do about it.
 */
export function checkBlockMetrics(
  where: string,
  hint: string,
  m: Record<string, unknown>,
  before: number,
): void {
  checkFields(where, hint, m, [
    ["examples", (v) => isCount(v, before + 1), `a count of training examples > ${before} (the line before)`],
    ["nuPost", isNonNegative, "a learning rate >= 0"],
    ["spikesPerExample", isNonNegative, "a number >= 0"],
    ["retriesPerExample", isNonNegative, "a number >= 0"],
    ["elapsed_s", seconds, "seconds >= 0"],
    ["imagesPerSecond", isNonNegative, "a number >= 0"],
  ]);
  const accuracy = objectField(where, hint, m, "accuracy", "running accuracy per voting readout");
  checkFields(
    where,
    hint,
    accuracy,
    readoutChecks(where, hint, accuracy, VOTING, true, (v) => v === null || isFraction(v), RUNNING),
    "accuracy.",
  );
}

/** test-spikes.json: one spike count per test example of config.json's protocol. */
export function readTestSpikes(path: string, config: RunConfigFile): number[] {
  const doc = readRunJson<Record<string, unknown>>(path, OPTIONAL);
  const n = config.protocol.testCount;
  checkFields(path, OPTIONAL, doc, [
    [
      "spikesPerTestExample",
      (v) => Array.isArray(v) && v.length === n && v.every((x) => isCount(x)),
      `an array of ${n} spike counts (one per test example of config.json's protocol)`,
    ],
  ]);
  return (doc as unknown as TestSpikesFile).spikesPerTestExample;
}

/** A CRC-32 as crc32Hex writes it: 8 lower-case hex digits. */
const isCrc32Hex = (v: unknown): v is string => typeof v === "string" && /^[0-9a-f]{8}$/.test(v);

/** summary.json's "model" field, checked alike by readRunSummary and refuseForeignModel. */
const MODEL_RECORD = "the trained model's record, or absent";
const MANIFEST_CRC_CHECK: FieldCheck = [
  "manifestCrc32",
  isCrc32Hex,
  "8 lower-case hex digits (the CRC-32 of model/model.json)",
];

/** summary.json's record of the model a train command just wrote into `dir`/model (see refuseForeignModel). */
export function modelRecord(dir: string): { readonly manifestCrc32: string } {
  return { manifestCrc32: crc32Hex(readFileSync(join(dir, "model", MANIFEST_FILE))) };
}

/** A run file's `model.manifestCrc32`, checked (FormatError naming `path`, ending with `hint`). */
function recordedManifestCrc(path: string, hint: string, doc: Record<string, unknown>): string {
  const model = objectField(path, hint, doc, "model", MODEL_RECORD);
  checkFields(path, hint, model, [MANIFEST_CRC_CHECK], "model.");
  return model.manifestCrc32 as string;
}

/**
 * Refuses a file of run directory `dir` written for another model: `doc.model.manifestCrc32` (written by the
 * command that made the file, rnn convert's search.json and examples.json) must be the CRC-32 of the run's
 * model/model.json, so that a file copied in from another run is not shown or used as this run's. A file
 * without the record (written before spikeflow kept it) passes. `rewrite` says which command writes it again.
 */
export function refuseOtherModelRecord(
  path: string,
  doc: Record<string, unknown>,
  dir: string,
  rewrite: string,
): void {
  if (doc.model === undefined) return;
  const recorded = recordedManifestCrc(path, rewrite, doc);
  const manifestPath = join(dir, "model", MANIFEST_FILE);
  const found = crc32Hex(readFileSync(manifestPath));
  if (recorded === found) return;
  throw new FormatError(
    `${path} was written for another model: it records ${JSON.stringify(recorded)} ` +
      `(model.manifestCrc32), but ${manifestPath} has CRC-32 ${found}; it was copied from another run or ` +
      `edited: ${rewrite}`,
    { file: path },
  );
}

/**
 * Refuses a run directory whose model/model.json is not the one its summary.json records (model.manifestCrc32):
 * a model copied in from another run, or edited. A summary.json that is not a JSON object is refused (it would
 * otherwise let any model pass); a run without summary.json, or one whose summary.json has no record (written
 * before spikeflow recorded it), passes with a warning that its model cannot be checked.
 */
export function refuseForeignModel(dir: string): void {
  const summaryPath = join(dir, "summary.json");
  const manifestPath = join(dir, "model", MANIFEST_FILE);
  if (!existsSync(manifestPath)) return;
  const unchecked = (why: string): void =>
    log.warn(
      "run-model-unchecked",
      `${why}, so ${manifestPath} cannot be checked against the run that trained it`,
    );
  if (!existsSync(summaryPath)) {
    unchecked(`${summaryPath} does not exist`);
    return;
  }
  const doc = readRunJson<{ model?: unknown }>(
    summaryPath,
    "the file was edited or is damaged (train the run again)",
  );
  if (!("model" in doc)) {
    unchecked(
      `${summaryPath} records no "model" (a run written before spikeflow recorded it, or an edited file)`,
    );
    return;
  }
  // present but damaged is refused: it would otherwise let any model pass
  const recorded = recordedManifestCrc(summaryPath, DAMAGED, doc);
  const found = crc32Hex(readFileSync(manifestPath));
  if (recorded !== found) {
    throw new FormatError(
      `${manifestPath} is not the model this run trained: its CRC-32 is ${found} but ${summaryPath} records ` +
        `${JSON.stringify(recorded)} (model.manifestCrc32); it was replaced or edited (put the run's own model ` +
        `back, or train the run again)`,
      { file: manifestPath },
    );
  }
}
