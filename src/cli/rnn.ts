/**
 * The `spikeflow rnn` commands: spiking RNNs from trained rate RNNs (Kim, Li & Sejnowski 2019; docs/rnn.md).
 *   spikeflow rnn train --task go-nogo|xor|context [options]   rate RNN by BPTT -> DIR (model/, curve.json)
 *   spikeflow rnn convert DIR [--scales 20:75:5]               LIF scaling-factor search -> search.json
 *   spikeflow rnn eval DIR                                     fresh trials at the chosen s -> eval.json
 * The work is in src/experiments/rnn-run.ts; this file parses the options, prints and draws the plots.
 */
import { InvalidArgumentError, Option } from "commander";
import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidParameterError } from "../core/errors.ts";
import { convertRnnRun, evalRnnRun, resolveTask, trainRnnRun } from "../experiments/rnn-run.ts";
import type { RnnSearchFile, RnnSearchPlan, RnnTrainSummary } from "../experiments/rnn-run.ts";
import { lockRunDir } from "../experiments/run-lock.ts";
import { defaultWorkers } from "../parallel/pool.ts";
import { plotRnnRun, readRnnRunFiles } from "../plot/rnn-run-plots.ts";
import { RATE_RNN_DEFAULTS } from "../rnn/rate-rnn.ts";
import { MAX_SCALE, MIN_SCALE, parseScales } from "../rnn/scale-search.ts";
import type { TaskName } from "../rnn/tasks.ts";
import { firstStopUpdates } from "../rnn/train.ts";
import { makeCountProgress } from "./count-progress.ts";
import {
  QUIET_HELP,
  decimal,
  defaultRunDir,
  inOptionTerms,
  int,
  pct,
  plural,
  resolveRunDir,
  workersArg,
} from "./options.ts";
import { refuseNonEmptyOut, refuseRunOutputs, refuseStaleDirectories } from "./out-dir.ts";
import { interruption, orInterrupted, untilInterrupted } from "./signals.ts";

/** Largest rate RNN the CLI builds: 8192^2 = 2^26 recurrent weights. */
const MAX_RNN_UNITS = 8192;
/** Most LIF trials per scaling factor or evaluation (the paper uses 100; a search keeps one flag per trial). */
const MAX_RNN_TRIALS = 100_000;
/** Most training trials of rnn train: curve.json keeps every trial's loss (the paper caps at 6000). */
const MAX_RNN_TRAIN_TRIALS = 1_000_000;

/** What `rnn train` prints: summary.json plus the run directory with --json, else two lines. */
function printRnnTrainResult(task: TaskName, s: RnnTrainSummary, out: string, json: boolean): void {
  // summary.json's content plus the run directory, as `spikeflow train --json` prints its summary.json
  if (json) {
    const written = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as object;
    process.stdout.write(JSON.stringify({ ...written, out }, null, 2) + "\n");
  } else {
    process.stdout.write(
      `${task}: ${s.success ? "met the stopping rule" : "did not meet the stopping rule"} after ${s.updates} trials ` +
        `(${s.wall_s.toFixed(1)} s, ${s.msPerUpdate.toFixed(2)} ms per update); ` +
        (Number.isNaN(s.rateAccuracy)
          ? "no evaluation reached (evaluations run at trial 2, 102, 202, ...; raise --max-trials)"
          : `rate accuracy ${pct(s.rateAccuracy)}, loss ${s.finalLoss.toFixed(3)}` +
            (s.evaluatedAfterUpdates !== s.updates
              ? ` at the last evaluation, after trial ${s.evaluatedAfterUpdates} (the final network was not evaluated)`
              : "")) +
        `\nrun directory: ${out}\n`,
    );
  }
}

/** The start line of `rnn convert` and `rnn eval`: what the LIF trials run and on how many threads. */
function describePlan(plan: RnnSearchPlan): string {
  const { scales, trials, threads, synapseFilter } = plan;
  const what =
    scales.length === 1
      ? `${plural(trials, "LIF trial")} at s = ${scales[0]}`
      : `${scales.length} scaling factors (${scales[0]} to ${scales[scales.length - 1]}) x ` +
        plural(trials, "LIF trial");
  return `${what}, ${synapseFilter} synapse, on ${plural(threads, "thread")}`;
}

/** What `rnn convert` prints: search.json with --json, else the accuracy per s and the best s. */
function printSearchResult(r: RnnSearchFile, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(r, null, 2) + "\n");
    return;
  }
  const table = r.scales.map((s, k) => `  s = ${String(s).padStart(4)}: ${pct(r.accuracy[k])}`).join("\n");
  process.stdout.write(
    `${r.task}: LIF accuracy per scaling factor (${plural(r.trials, "trial")} each, ${r.wall_s.toFixed(1)} s on ${plural(r.threads, "thread")})\n` +
      `${table}\nbest s = ${r.best.scale}: ${pct(r.best.accuracy)}\n`,
  );
}

/**
 * Every rnn train/convert ends with its plots; a drawing failure is reported but keeps the run, and Ctrl-C or
 * SIGTERM (`signal`) stops the drawing, leaving no plots/ (rnn train writes a new directory, and rnn convert
 * removes the plots of the files it replaces before writing them).
 */
async function rnnPlotsAfterRun(dir: string, quiet: boolean, signal: AbortSignal): Promise<void> {
  try {
    const r = await plotRnnRun(dir, { signal });
    if (!quiet)
      process.stderr.write(
        `spikeflow: ${r.plots} plots in ${join(dir, "plots")} in ${r.wall_s.toFixed(1)} s\n`,
      );
  } catch (e) {
    if (signal.aborted) {
      throw interruption(
        signal,
        `interrupted while drawing the plots; the run is complete in ${dir}, without ${join(dir, "plots")}: ` +
          `draw them with "spikeflow plot ${dir}"`,
      );
    }
    process.stderr.write(
      `spikeflow: warning: the run is complete but its plots failed: ${(e as Error).message}\n`,
    );
  }
}

function scalesArg(v: string): number[] {
  try {
    return parseScales(v);
  } catch (e) {
    throw new InvalidArgumentError(inOptionTerms(e as Error));
  }
}

/** Longest trained decay constant --taus accepts (ms); the paper sweeps tau_max up to 1000 ms. */
const MAX_RNN_TAU_MS = 10_000;

function tauRangeArg(v: string): [number, number] {
  // spaces around the colon are fine (as in --scales), around the value not
  const parts = v.split(":").map((part) => decimal(part.trim()));
  const step = RATE_RNN_DEFAULTS.dt_ms;
  if (
    v !== v.trim() ||
    parts.length !== 2 ||
    parts.some((x) => !Number.isFinite(x) || x < step || x > MAX_RNN_TAU_MS) ||
    parts[0] > parts[1]
  ) {
    throw new InvalidArgumentError(
      `--taus must be min:max in ms with ${step} <= min <= max <= ${MAX_RNN_TAU_MS}, e.g. 20:50 ` +
        `(a decay constant below the ${step} ms rate step makes the Euler step overshoot); got "${v}"`,
    );
  }
  return [parts[0], parts[1]];
}

/** Parser of --scale: one scaling factor in [MIN_SCALE, MAX_SCALE]. */
function scaleArg(v: string): number {
  const n = decimal(v);
  if (Number.isNaN(n)) {
    throw new InvalidArgumentError(
      `--scale must be a decimal number such as 25, written as it is (no spaces, no leading +), got "${v}"`,
    );
  }
  if (!(Number.isFinite(n) && n >= MIN_SCALE && n <= MAX_SCALE)) {
    throw new InvalidArgumentError(
      `--scale must be a scaling factor in [${MIN_SCALE}, ${MAX_SCALE}] (the paper searches 4 to 75), got "${v}"`,
    );
  }
  return n;
}

/** Adds the `rnn` group (train, convert, eval) to the program. */
export function addRnnCommands(program: Command): void {
  const rnn = program
    .command("rnn")
    .description("spiking RNNs from trained rate RNNs (Kim, Li & Sejnowski 2019)");

  rnn
    .command("train")
    .description(
      "train a rate RNN with BPTT to the reference's stopping rule; writes model/, curve.json, summary.json",
    )
    .addOption(
      new Option("--task <task>", "cognitive task (required; context and mante name the same task)")
        .choices(["go-nogo", "xor", "context", "mante"])
        .makeOptionMandatory(),
    )
    .option("--neurons <n>", "units N", int("--neurons", 2), 200)
    .addOption(
      // the benchmark says --units; here (and in the example script) the option is --neurons, as in train diehl-cook
      new Option("--units <n>").hideHelp().argParser(() => {
        throw new InvalidArgumentError("the number of units is --neurons N here");
      }),
    )
    .option("--seed <s>", "seed of the weights, trials and noise", int("--seed"), 1)
    .option(
      "--max-trials <n>",
      "cap on training trials (one update each)",
      int(
        "--max-trials",
        1,
        MAX_RNN_TRAIN_TRIALS,
        " (curve.json keeps every trial's loss; the paper caps at 6000)",
      ),
      6000,
    )
    .option(
      "--min-trials <n>",
      "no stop before this trial index (default: the reference code's, 1500 for go-nogo, 0 otherwise; " +
        "5900 trains to the paper's 6000-trial cap)",
      int("--min-trials", 0, MAX_RNN_TRAIN_TRIALS),
    )
    .addOption(
      new Option("--taus <min:max>", "range of the trained synaptic decay constants in ms")
        .argParser(tauRangeArg)
        .default([20, 50], "20:50"),
    )
    .option("--out <dir>", "run directory (default runs/rnn-<task>-<time>)")
    .option("--json", "print the summary as JSON on stdout")
    .option("--quiet", QUIET_HELP)
    .action(
      async (o: {
        task: string;
        neurons: number;
        seed: number;
        maxTrials: number;
        minTrials?: number;
        taus: [number, number];
        out?: string;
        json?: boolean;
        quiet?: boolean;
      }) => {
        const task = resolveTask(o.task);
        if (o.neurons > MAX_RNN_UNITS) {
          throw new InvalidParameterError(
            `--neurons ${o.neurons} is too large: the recurrent matrix has N^2 weights, and N may be at most ` +
              `${MAX_RNN_UNITS} (the paper uses 10 to 500)`,
          );
        }
        const out = o.out ?? defaultRunDir(`rnn-${task}`);
        refuseNonEmptyOut(out);
        // taken (and --out created) now; released, and a created --out removed, when the command ends
        lockRunDir(out, "rnn train", `--out ${out}`, { create: true, alt: " or pick another --out" });
        // another command may have written a run there between the check above and the lock
        refuseNonEmptyOut(out);
        const firstStop = firstStopUpdates(task, undefined, o.minTrials);
        if (o.maxTrials < firstStop) {
          process.stderr.write(
            `spikeflow: warning: --max-trials ${o.maxTrials} cannot meet the stopping rule: ${task} may stop at ` +
              `trial ${firstStop} at the earliest${
                o.minTrials !== undefined
                  ? ` (--min-trials ${o.minTrials})`
                  : task === "go-nogo"
                    ? " (the reference stops Go-NoGo only after trial 1500)"
                    : ""
              }; ` +
              `the run trains and saves the network all the same\n`,
          );
        }
        const progress = makeCountProgress({ label: "train", unit: "trials", quiet: o.quiet === true });
        if (!o.quiet)
          process.stderr.write(`spikeflow: rate RNN ${task}, N = ${o.neurons}, seed ${o.seed} -> ${out}\n`);
        try {
          // Ctrl-C or SIGTERM stops the training between two trials; nothing is written before it ends
          await untilInterrupted(async (signal) => {
            const stopped = `interrupted during training; nothing kept (rnn train writes ${out} only when training ends)`;
            const summary = await orInterrupted(signal, stopped, () =>
              trainRnnRun({
                task,
                units: o.neurons,
                seed: o.seed,
                out,
                maxTrials: o.maxTrials,
                ...(o.minTrials !== undefined ? { minTrials: o.minTrials } : {}),
                tauRange_ms: o.taus,
                onProgress: (p) =>
                  progress.update(
                    p.updates,
                    p.maxTrials,
                    `eval loss ${p.meanLoss.toFixed(2)}, acc ${pct(p.accuracy)}`,
                  ),
                signal,
              }).finally(() => progress.stop()),
            );
            // the result first, as `train` prints it: the run is complete, and Ctrl-C while drawing keeps it
            printRnnTrainResult(task, summary, out, o.json === true);
            await rnnPlotsAfterRun(out, o.quiet === true, signal);
          });
        } finally {
          progress.stop();
        }
      },
    );

  rnn
    .command("convert <dir>")
    .description("grid-search the scaling factor of the LIF transfer; writes search.json and examples.json")
    .addOption(
      new Option("--scales <grid>", "scaling factors: start:end:step or a comma list")
        .argParser(scalesArg)
        .default(parseScales("20:75:5"), "20:75:5"),
    )
    .option("--trials <n>", "LIF trials per scaling factor", int("--trials", 1, MAX_RNN_TRIALS), 100)
    .option("--workers <n>", "worker threads", workersArg, defaultWorkers())
    .addOption(
      new Option(
        "--synapse <filter>",
        "whose decay constant filters the recurrent current (receiver = reference code)",
      )
        .choices(["receiver", "sender"])
        .default("receiver"),
    )
    .option("--json", "print search.json on stdout")
    .option("--quiet", QUIET_HELP)
    .action(
      async (
        given: string,
        o: {
          scales: number[];
          trials: number;
          workers: number;
          synapse: string;
          json?: boolean;
          quiet?: boolean;
        },
      ) => {
        const dir = resolveRunDir(given, "rnn convert");
        refuseRunOutputs(dir, "rnn convert", ["search.json", "examples.json", "plots/"]);
        refuseStaleDirectories(dir, "rnn convert", ["eval.json", "report.html"], "the search it replaces");
        // the files the search keeps, which its plots are drawn from, are checked before the search
        await readRnnRunFiles(dir, ["summary.json", "curve.json"]);
        lockRunDir(dir, "rnn convert", `the run directory ${dir}`);
        const progress = makeCountProgress({ label: "search", unit: "LIF trials", quiet: o.quiet === true });
        try {
          // Ctrl-C or SIGTERM ends the search before it writes anything
          await untilInterrupted(async (signal) => {
            const stopped = `interrupted during the search; ${dir} is as before (the search writes its files when it ends)`;
            const search = await orInterrupted(signal, stopped, () =>
              convertRnnRun(dir, {
                scales: o.scales,
                trials: o.trials,
                workers: o.workers,
                synapseFilter: o.synapse as "receiver" | "sender",
                onStart: (plan) => {
                  if (!o.quiet)
                    process.stderr.write(`spikeflow: rnn convert ${dir}: ${describePlan(plan)}\n`);
                },
                onProgress: (p) => progress.update(p.done, p.total),
                onWarning: (message) => {
                  progress.stop();
                  process.stderr.write(`spikeflow: warning: ${message}\n`);
                },
                signal,
              }).finally(() => progress.stop()),
            );
            // the result first: the search is complete, and Ctrl-C while drawing keeps it
            printSearchResult(search, o.json === true);
            await rnnPlotsAfterRun(dir, o.quiet === true, signal);
          });
        } finally {
          progress.stop();
        }
      },
    );

  rnn
    .command("eval <dir>")
    .description("rate and LIF accuracy on fresh trials at the searched scaling factor; writes eval.json")
    .option("--trials <n>", "trials", int("--trials", 1, MAX_RNN_TRIALS), 100)
    .option("--scale <s>", "scaling factor (default: the best of search.json)", scaleArg)
    .option("--workers <n>", "worker threads", workersArg, defaultWorkers())
    .option("--json", "print the result as JSON")
    .option("--quiet", QUIET_HELP)
    .action(
      async (
        given: string,
        o: { trials: number; scale?: number; workers: number; json?: boolean; quiet?: boolean },
      ) => {
        const dir = resolveRunDir(given, "rnn eval");
        refuseRunOutputs(dir, "rnn eval", ["eval.json"]);
        refuseStaleDirectories(dir, "rnn eval", ["report.html"], "the evaluation it replaces");
        await readRnnRunFiles(dir, ["summary.json", "curve.json", "examples.json"]);
        lockRunDir(dir, "rnn eval", `the run directory ${dir}`);
        const progress = makeCountProgress({ label: "eval", unit: "LIF trials", quiet: o.quiet === true });
        const kept = `interrupted; ${join(dir, "eval.json")} is as it was (rnn eval writes it when the trials end)`;
        try {
          const r = await untilInterrupted((signal) =>
            orInterrupted(signal, kept, () =>
              evalRnnRun(dir, {
                signal,
                trials: o.trials,
                workers: o.workers,
                ...(o.scale !== undefined ? { scale: o.scale } : {}),
                onStart: (plan) => {
                  if (!o.quiet) process.stderr.write(`spikeflow: rnn eval ${dir}: ${describePlan(plan)}\n`);
                },
                onProgress: (p) => progress.update(p.done, p.total),
                onWarning: (message) => {
                  progress.stop();
                  process.stderr.write(`spikeflow: warning: ${message}\n`);
                },
              }),
            ),
          );
          progress.stop();
          if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + "\n");
          else {
            process.stdout.write(
              `${r.task}, ${plural(r.trials, "fresh trial")}: rate accuracy ${pct(r.rateAccuracy)}, LIF accuracy ${pct(r.lifAccuracy)} at s = ${r.scale} (${r.synapseFilter} synapse)\n`,
            );
          }
        } finally {
          progress.stop();
        }
      },
    );
}
