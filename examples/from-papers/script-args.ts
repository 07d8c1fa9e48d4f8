/**
 * Named options of the example scripts (`--name value` pairs): unknown, repeated or value-less options and
 * numbers out of range stop the script with one line and exit status 2, as the spikeflow CLI does; `--help`
 * prints the usage. Numbers are decimal only (`decimal`: exponents allowed, `0x10` refused).
 */
import { decimal } from "../../src/core/decimal.ts";
import { ensureDirSync } from "../../src/io/atomic.ts";

export interface ScriptArgs {
  /** The value of `--name`, or `fallback` when it is not given. */
  text(name: string, fallback: string): string;
  /** An integer option in [min, max]. */
  int(name: string, fallback: string, min: number, max: number): number;
  /**
   * The output folder `--name` ("" when it is not given), made now, so that a folder that cannot be written
   * stops the script before its simulation, not after it.
   */
  outDir(name: string): string;
  /** Stops the script with `script: message` and exit status 2. */
  fail(message: string): never;
}

/**
 * Checks `process.argv` against `known` (e.g. ["--seed", "--out"]); `hint(option)` may add a word to the
 * message of an unknown option (e.g. the right name of a misspelled one).
 */
export function scriptArgs(
  script: string,
  usage: string,
  known: readonly string[],
  hint: (option: string) => string = () => "",
): ScriptArgs {
  const argv = process.argv.slice(2);
  const fail = (message: string, withUsage = false): never => {
    process.stderr.write(`${script}: ${message}\n${withUsage ? usage : ""}`);
    process.exit(2);
  };
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(usage);
    process.exit(0);
  }
  for (let k = 0; k < argv.length; k += 2) {
    const problem = !known.includes(argv[k])
      ? `unknown argument "${argv[k]}"${hint(argv[k])}`
      : k + 1 >= argv.length
        ? `${argv[k]} needs a value`
        : argv.indexOf(argv[k]) !== k
          ? `${argv[k]} is given more than once`
          : "";
    if (problem !== "") fail(problem, true);
  }
  const text = (name: string, fallback: string): string => {
    const k = argv.indexOf(`--${name}`);
    return k >= 0 ? argv[k + 1] : fallback;
  };
  return {
    text,
    int(name, fallback, min, max) {
      const given = text(name, fallback);
      const n = decimal(given);
      if (!Number.isInteger(n) || n < min || n > max) {
        fail(`--${name} must be an integer in [${min}, ${max}], got "${given}"`);
      }
      return n;
    },
    outDir(name) {
      const dir = text(name, "");
      if (dir === "") return dir;
      try {
        ensureDirSync(dir);
      } catch (e) {
        fail(`cannot write to --${name} ${dir}: ${(e as Error).message}`);
      }
      return dir;
    },
    fail: (message) => fail(message),
  };
}
