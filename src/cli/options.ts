/**
 * Option parsing and checks shared by the CLI's commands. Every refusal names the option, the value and the
 * allowed range or the fix, as one line (commander prints an InvalidArgumentError as "error: option ...";
 * our typed errors go through main.ts's handler), and happens before a command creates its --out directory.
 *
 *   --workers N     an integer in [1, MAX_CONFIG_WORKERS] (config.json records it and accepts no more);
 *                   more than os.availableParallelism() is legal (the threads share the cores) and warns
 *   run directory   eval, plot, report, rnn convert|eval take DIR or DIR/model; a file is refused
 *   model kinds     which commands take which kind of saved model (MODEL_KINDS), said when one is misused
 *   library errors  name their parameters (time_ms, `dir`); inOptionTerms says them as the options the
 *                   user typed (--time, --data), through one table (OPTION_OF_PARAMETER)
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, dirname, join, normalize, resolve } from "node:path";
import { InvalidArgumentError } from "commander";
import { decimal } from "../core/decimal.ts";
import { InvalidParameterError, NotFoundError, TimeStepError } from "../core/errors.ts";
import { isWholeCount } from "../core/time.ts";
import { MAX_CONFIG_WORKERS } from "../experiments/run-config.ts";

export { decimal };

/**
 * Parser of an integer option in [min, max]; `why` (optional) says where the bound comes from. Without a
 * `max`, the bound is 2^53 - 1 (Number.MAX_SAFE_INTEGER, the largest integer a number holds exactly): it is
 * said only to a value above it, which would otherwise be refused as if it were no integer >= min.
 */
export function int(name: string, min = 0, max = Number.MAX_SAFE_INTEGER, why = "") {
  return (v: string): number => {
    const n = decimal(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      const range =
        max !== Number.MAX_SAFE_INTEGER
          ? `in [${min}, ${max}]`
          : n > max
            ? `from ${min} to 2^53 - 1 (${max})`
            : `>= ${min}`;
      throw new InvalidArgumentError(`${name} must be an integer ${range}${why}, got "${v}"`);
    }
    return n;
  };
}

/** Parser of a finite number. */
export function num(name: string) {
  return (v: string): number => {
    const n = decimal(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got "${v}"`);
    return n;
  };
}

/** Parser of a finite number > 0; `what` describes the quantity ("a rate scale in Hz per pixel unit"). */
export function positive(name: string, what = "a number") {
  return (v: string): number => {
    const n = decimal(v);
    if (!(Number.isFinite(n) && n > 0))
      throw new InvalidArgumentError(`${name} must be ${what} > 0, got "${v}"`);
    return n;
  };
}

/** Parser of --workers: an integer in [1, MAX_CONFIG_WORKERS]. */
export const workersArg = int(
  "--workers",
  1,
  MAX_CONFIG_WORKERS,
  " (worker threads; oversubscribing the cores is allowed)",
);

/** The warning line for a worker count above the machine's parallelism, or null when there is none. */
export function oversubscribedWarning(workers: number, cores = availableParallelism()): string | null {
  if (workers <= cores) return null;
  return (
    `spikeflow: warning: --workers ${workers} is more than the ${plural(cores, "core")} this machine ` +
    `offers (os.availableParallelism()); if more threads than that run, they share them, which is slower ` +
    `than --workers ${cores} (a command starts no more threads than it has jobs)`
  );
}

/**
 * Help of --quiet, which every command takes: it hides progress and the lines that say what a command does
 * (on stderr); warnings, errors and the result (stdout) always print.
 */
export const QUIET_HELP = "no progress or status lines (warnings and errors still print)";

/** "1 worker", "2 workers". */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** A fraction as a percentage with two decimals ("87.69 %"); undefined (not measured) is "-". */
export function pct(x: number | undefined): string {
  return x === undefined ? "-" : `${(100 * x).toFixed(2)} %`;
}

/** Commands that take a model directory on its own (model.json, copied out of its run or named otherwise). */
const MODEL_DIR_COMMANDS = new Set(["eval", "nir export"]);

/**
 * The run directory named by `given` (DIR, or DIR/model: the directory `spikeflow train` or `rnn train`
 * wrote), or for eval and nir export any directory that holds a model.json. Throws NotFoundError when it
 * does not exist and InvalidParameterError when it is a file, or a model that `command` does not take.
 */
export function resolveRunDir(given: string, command: string): string {
  const hint =
    `\`spikeflow ${command}\` takes a run directory (the --out of a train command) or its model/ subdirectory` +
    (MODEL_DIR_COMMANDS.has(command) ? " (any directory that holds a model.json)" : "");
  if (given.trim() === "") throw new InvalidParameterError(`the run directory is an empty string; ${hint}`);
  if (!existsSync(given)) throw new NotFoundError(`${given} does not exist; ${hint}`);
  if (!statSync(given).isDirectory())
    throw new InvalidParameterError(`${given} is a file, not a directory; ${hint}`);
  const abs = resolve(given);
  if (!existsSync(join(abs, "model.json")) || existsSync(join(abs, "model"))) return given;
  // DIR/model: the model files are here and there is no model/ below, so the run is the parent, named as the
  // user named it (relative stays relative) where the given path ends in model
  if (basename(abs) === "model") {
    const named = normalize(given).replace(/(?<=.)[\\/]+$/, "");
    return basename(named) === "model" ? dirname(named) : dirname(abs);
  }
  // a model directory of another name: one that this command takes, and only where it needs no run files
  refuseModelKind(given, command);
  if (!MODEL_DIR_COMMANDS.has(command)) {
    throw new InvalidParameterError(
      `${given} holds a model (model.json) but not the run it belongs to; \`spikeflow ${command}\` reads ` +
        `the run's files, so give the run directory (the --out of the train command)`,
    );
  }
  return given;
}

/** The model directory of what resolveRunDir returned: DIR/model, or DIR itself when it holds model.json. */
export function modelDirOf(dir: string): string {
  const inside = join(dir, "model");
  return !existsSync(join(inside, "model.json")) && existsSync(join(dir, "model.json")) ? dir : inside;
}

/**
 * Each kind of saved model: what it is, the commands that take it, and what to use instead (said when
 * another command is given it).
 */
const MODEL_KINDS: Readonly<
  Record<string, { what: string; commands: readonly string[]; use: (dir: string, command: string) => string }>
> = {
  lcsnn: {
    what: "an LC-SNN trained by `spikeflow train lcsnn`",
    commands: ["eval", "nir export", "plot", "report"],
    use: () => "`spikeflow eval` or `nir export`, or `plot` and `report` on its run directory",
  },
  "diehl-cook-2015": {
    what: "a Diehl & Cook network trained by `spikeflow train diehl-cook`",
    commands: ["eval", "nir export", "plot", "report"],
    use: () => "`spikeflow eval` or `nir export`, or `plot` and `report` on its run directory",
  },
  "rate-rnn": {
    what: "a rate RNN trained by `spikeflow rnn train`",
    commands: ["rnn convert", "rnn eval", "plot", "report"],
    use: () => "`spikeflow rnn convert`, `rnn eval`, `plot` or `report` on its run directory",
  },
  "lcsnn-checkpoint": {
    what: "a training checkpoint of `spikeflow train lcsnn`",
    commands: [],
    use: (dir, command) => useCheckpoint(dir, command, "spikeflow train lcsnn"),
  },
  "diehl-cook-2015-checkpoint": {
    what: "a training checkpoint of `spikeflow train diehl-cook`",
    commands: [],
    use: (dir, command) => useCheckpoint(dir, command, "spikeflow train diehl-cook"),
  },
  network: {
    what: "a network saved by the library's `saveNetwork`",
    commands: [],
    use: () =>
      "`restoreNetwork` (spikeflow/io) in code that builds the same network, and `exportNir` (spikeflow/nir) " +
      "on it for a NIR file; docs/network-files.md",
  },
  "nir-network": {
    what: "a network imported by `spikeflow nir import`",
    commands: ["nir run"],
    use: (dir) => `\`spikeflow nir run ${dir} --input FILE.npy\`; its NIR file is ${join(dir, "model.nir")}`,
  },
};

/**
 * What to do instead of `command` on the checkpoint directory `dir` (RUN/checkpoint, written by `train` with
 * --checkpoint-every): continue its run with --resume (`train`: the command that wrote it), or, once the run
 * has finished (RUN/summary.json), use the command on the run, whose model/ holds the trained model.
 */
function useCheckpoint(dir: string, command: string, train: string): string {
  const abs = resolve(dir);
  const inRun =
    (basename(abs) === "checkpoint" || basename(abs) === "checkpoint.old") &&
    existsSync(join(dirname(abs), "config.json"));
  if (!inRun) {
    return (
      `\`${train} --resume RUN\` on the run directory it belongs to (RUN/checkpoint) to continue that run, ` +
      `or \`spikeflow ${command}\` on the run once it has finished`
    );
  }
  const run = dirname(dir.replace(/[\\/]+$/, "") || dir);
  if (existsSync(join(dirname(abs), "summary.json"))) {
    // the commands that take a trained MNIST model; another one (rnn eval, nir run) is pointed at eval
    const instead = MODEL_KINDS.lcsnn.commands.includes(command) ? command : "eval";
    return `\`spikeflow ${instead} ${run}\`: the run has finished and its trained model is in ${join(run, "model")}`;
  }
  return (
    `\`${train} --resume ${run}\` to continue the run, which has not finished (its trained model is ` +
    `written to ${join(run, "model")} at the end)`
  );
}

/**
 * Refuses the model directory `dir` when its model.json names a kind that `command` does not take, saying
 * what the model is and what to use instead. An unknown or unreadable kind passes: the loader reports it.
 */
export function refuseModelKind(dir: string, command: string): void {
  let kind: unknown;
  try {
    kind = (JSON.parse(readFileSync(join(dir, "model.json"), "utf8")) as { kind?: unknown }).kind;
  } catch {
    return;
  }
  const k = typeof kind === "string" && Object.hasOwn(MODEL_KINDS, kind) ? MODEL_KINDS[kind] : undefined;
  if (k === undefined || k.commands.includes(command)) return;
  throw new InvalidParameterError(
    `${dir} holds ${k.what} (model kind "${kind}"), which \`spikeflow ${command}\` does not take; use ${k.use(dir, command)}`,
  );
}

/**
 * runs/<prefix>-<time to the millisecond>, with -2, -3, ... appended while that exists: two runs started in
 * the same second (a script that trains several seeds at once) get different directories.
 */
export function defaultRunDir(prefix: string, now: Date = new Date(), root = "runs"): string {
  const base = join(root, `${prefix}-${now.toISOString().replace(/[:.]/g, "-").slice(0, 23)}`);
  let dir = base;
  for (let k = 2; existsSync(dir); k++) dir = `${base}-${k}`;
  return dir;
}

/**
 * Library parameter names and the options that set them. A library error names the parameter it was given
 * ("time_ms of 2.5 ms is not ...", "pass an existing directory as `dir`"); the CLI says the option instead
 * (inOptionTerms). One table for every command: a name stands for the same option wherever it appears.
 */
export const OPTION_OF_PARAMETER: Readonly<Record<string, string>> = Object.freeze({
  // train lcsnn | diehl-cook (model config and protocol), eval, plot, report (data set)
  filters: "--filters",
  kernel: "--kernel",
  stride: "--stride",
  crop_px: "--crop",
  neurons: "--neurons",
  intensity_Hz_per_unit: "--intensity",
  inhibition_mV: "--inhibition",
  strength_mV: "--inhibition",
  norm: "--norm",
  time_ms: "--time",
  dt_ms: "--dt",
  nuPost: "--lr",
  lrDecay: "--lr-decay",
  updateInterval: "--update-interval",
  ngramN: "--ngram",
  trainCount: "--train",
  testCount: "--test",
  dir: "--data",
  dataDir: "--data",
  // nir export | import | run
  dt_s: "--dt",
  dt: "--dt",
  method: "--method",
  reset: "--reset",
  integrators: "--integrators",
  danglingEdges: "--dangling-edges",
  // rnn convert
  scales: "--scales",
  // convert train | run
  learningRate: "--lr",
  maxRate: "--max-rate",
});

/**
 * Names in OPTION_OF_PARAMETER that are also ordinary words ("a 30x30 kernel") or symbols of formulas
 * ("1000 / (255 x dt)"): replaced only where a value or a condition follows them ("kernel 30", "dt = 1",
 * "method \"exact\"", "norm must") or in backticks.
 */
const PLAIN_WORDS = new Set([
  "dt",
  "filters",
  "kernel",
  "stride",
  "neurons",
  "norm",
  "dir",
  "method",
  "reset",
  "scales",
]);

/** `name` as a parameter in a message: the option replaces it, and a following " =" or " of" before a number. */
function parameterPattern(name: string): RegExp {
  const value = String.raw`-?[\d.]`;
  const next = PLAIN_WORDS.has(name)
    ? String.raw`(?= (?:[=<>"]|must\b|of ${value}|${value}))`
    : String.raw`(?![\w/])`;
  return new RegExp(String.raw`\`${name}\`|(?<![\w.\-/])${name}${next}(?: =| of(?= ${value}))?`, "g");
}

const PARAMETER_PATTERNS = Object.entries(OPTION_OF_PARAMETER).map(
  ([name, option]) => [parameterPattern(name), option] as const,
);

/**
 * Library hints that name what only the API can change (a `files` parameter, a class count), and what the
 * CLI says instead. Checked by test/cli/options.test.ts against the library's current wording.
 */
const CLI_HINTS: readonly (readonly [RegExp, string])[] = [
  [
    /; pass `dir` pointing at the IDX files, or `files` with their names$/,
    "; give --data a directory holding train-images-idx3-ubyte and train-labels-idx1-ubyte (read by " +
      "train) and t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (read by train and eval)",
  ],
  [
    / is not below numClasses = \d+; pass a larger numClasses \(EMNIST letters need 27\)$/,
    " is not a class of the data: spikeflow's MNIST commands read labels 0 to 9 (MNIST, Fashion-MNIST); " +
      "check that --data holds such files",
  ],
  [
    /Read with \{ danglingEdges: "error" \} to reject such files instead$/,
    "Give --dangling-edges error to refuse such files",
  ],
  [/ \(\{ danglingEdges: "error" \}\)/, " (--dangling-edges error)"],
  [/\(lower the intensity or dt to allow it\)$/, "(lower --intensity or --dt to allow it)"],
  [/; use a data set of (\d+)x(\d+) images$/, "; give --data a directory of $1x$2 images"],
  // a model's own time constant below --dt: the constants are the model's, so no seconds slip is possible
  [
    /\. Times are in ms here: if .* silences this$/,
    "; the model's time constant is shorter than --dt: use a smaller --dt",
  ],
];

/** Step sizes in ms that --dt suggestions are taken from. */
const NICE_STEPS_MS = [2, 1, 0.5, 0.25, 0.2, 0.1, 0.05, 0.025, 0.02, 0.01];

/**
 * The message of a library error as the CLI prints it: parameter names become the options that set them
 * (FormatErrors keep theirs: they name fields of a file) and API-only hints become CLI ones. A duration the
 * model fixes (a refractory period) that --dt does not divide is said as a --dt problem.
 */
export function inOptionTerms(e: Error & { details?: Readonly<Record<string, unknown>> }): string {
  const d = e.details ?? {};
  if (
    e instanceof TimeStepError &&
    typeof d.what === "string" &&
    !Object.hasOwn(OPTION_OF_PARAMETER, d.what) &&
    typeof d.duration_ms === "number" &&
    typeof d.dt_ms === "number"
  ) {
    const { duration_ms: dur, dt_ms: dt } = d as { duration_ms: number; dt_ms: number };
    const divides = (x: number) => isWholeCount(dur / x);
    const near = [
      NICE_STEPS_MS.filter((x) => x < dt && divides(x))[0],
      NICE_STEPS_MS.findLast((x) => x > dt && divides(x)),
    ];
    const such = near.filter((x) => x !== undefined);
    return (
      `--dt ${dt} ms does not divide the model's ${d.what} of ${dur} ms (${+(dur / dt).toPrecision(8)} ` +
      `steps), which no option sets; use a --dt that divides ${dur} ms` +
      (such.length > 0 ? `, such as ${such.join(" or ")}` : "")
    );
  }
  return messageInOptionTerms(e.message, e.name !== "FormatError");
}

/**
 * A library message (an error's or a warning's) as the CLI prints it: API-only hints become CLI ones and,
 * unless `parameters` is false (a FormatError's field names are the file's), parameter names become options.
 * The CLI hands it to the logger (core/log.ts setLogRewrite), so that warnings speak in options too.
 */
export function messageInOptionTerms(text: string, parameters = true): string {
  let message = text;
  for (const [pattern, hint] of CLI_HINTS) message = message.replace(pattern, hint);
  if (parameters) {
    for (const [pattern, option] of PARAMETER_PATTERNS) message = message.replace(pattern, option);
  }
  return message;
}
