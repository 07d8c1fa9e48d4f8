/**
 * The CLI's rule for output directories: a command writes into a new or empty directory only, so a finished
 * run (or the input of the command itself) is never overwritten or mixed with new files. An output file
 * (refuseOutFile) must be new too, unless it is the command's own earlier output at its default place.
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

/**
 * The rule for a single output file (nir export's NIR file, report's report.html): `path` must name a file
 * that does not exist yet, or one that `replace` allows (the command's own earlier output, which it writes
 * again). `option` is the option that gave the path, if one did. `hint` says what to do instead.
 */
export function refuseOutFile(
  path: string,
  option: string | undefined,
  replace: boolean,
  hint: string,
): void {
  if (path.trim() === "") {
    throw new InvalidParameterError(`${option ?? "the output path"} must name a file, got ""; ${hint}`);
  }
  const label = option === undefined ? path : `${option} ${path}`;
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory())
    throw new InvalidParameterError(`${label} is a directory, not a file; ${hint}`);
  if (!replace) throw new InvalidParameterError(`${label} already exists; ${hint}`);
}
