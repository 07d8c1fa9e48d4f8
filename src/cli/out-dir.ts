/**
 * The CLI's rule for output directories: a command writes into a new or empty directory only, so a finished
 * run (or the input of the command itself) is never overwritten or mixed with new files.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { InvalidParameterError } from "../core/errors.ts";

/** Throws when `out` exists and is a file or a non-empty directory; `hint` says what to do instead. */
export function refuseNonEmptyOut(out: string, hint = "choose a new --out or delete it"): void {
  if (out.trim() === "") {
    throw new InvalidParameterError(
      `--out must name a directory, got ${JSON.stringify(out)}; give a path such as runs/my-run`,
    );
  }
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) {
    throw new InvalidParameterError(`--out ${out} is a file, not a directory; ${hint}`);
  }
  if (readdirSync(out).length > 0) {
    throw new InvalidParameterError(`--out ${out} already exists and is not an empty directory; ${hint}`);
  }
}
