/**
 * Option parsing and checks shared by the CLI's commands. Every refusal names the option, the value and the
 * allowed range or the fix, as one line (commander prints an InvalidArgumentError as "error: option ...";
 * our typed errors go through main.ts's handler), and happens before a command creates its --out directory.
 *
 *   --workers N     an integer in [1, MAX_CONFIG_WORKERS] (config.json records it and accepts no more);
 *                   more than os.availableParallelism() is legal (the threads share the cores) and warns
 *   run directory   eval, plot, report, rnn convert|eval take DIR or DIR/model; a file is refused
 */
import { existsSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { InvalidArgumentError } from "commander";
import { decimal } from "../core/decimal.ts";
import { InvalidParameterError, NotFoundError } from "../core/errors.ts";
import { MAX_CONFIG_WORKERS } from "../experiments/run-config.ts";

export { decimal };

/** Parser of an integer option in [min, max]; `why` (optional) says where the bound comes from. */
export function int(name: string, min = 0, max = Number.MAX_SAFE_INTEGER, why = "") {
  return (v: string): number => {
    const n = decimal(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
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
    `offers (os.availableParallelism()); the threads will share them, which is slower than --workers ${cores}`
  );
}

/** "1 worker", "2 workers". */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/**
 * The run directory named by `given` (DIR, or DIR/model: the directory `spikeflow train` or `rnn train`
 * wrote). Throws NotFoundError when it does not exist and InvalidParameterError when it is a file.
 */
export function resolveRunDir(given: string, command: string): string {
  const hint = `\`spikeflow ${command}\` takes a run directory (the --out of a train command) or its model/ subdirectory`;
  if (given.trim() === "") throw new InvalidParameterError(`the run directory is an empty string; ${hint}`);
  if (!existsSync(given)) throw new NotFoundError(`${given} does not exist; ${hint}`);
  if (!statSync(given).isDirectory())
    throw new InvalidParameterError(`${given} is a file, not a directory; ${hint}`);
  // DIR/model: the model files are here and there is no model/ below, so the run is the parent
  const abs = resolve(given);
  if (basename(abs) === "model" && existsSync(join(abs, "model.json")) && !existsSync(join(abs, "model"))) {
    return dirname(abs);
  }
  return given;
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
