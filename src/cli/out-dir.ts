/**
 * The CLI's rules for output paths, checked before a command prints its start line or does any work:
 *   - a command writes into a new or empty directory only (refuseNonEmptyOut), so a finished run (or the input
 *     of the command itself) is never overwritten or mixed with new files;
 *   - an output file (refuseOutFile) must be new too, unless it is the command's own earlier output at its
 *     default place;
 *   - every output directory must be creatable and writable (refuseUnwritableDir): each of these checks ends
 *     with it, and the commands that write into a run directory (eval, plot, report, rnn convert|eval) call
 *     refuseRunOutputs. A path under a file, under /proc or in a read-only directory is refused here, not after
 *     a whole run has been trained.
 */
import { existsSync, lstatSync, mkdtempSync, readdirSync, readlinkSync, rmdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { InvalidParameterError } from "../core/errors.ts";
import { LOCK_FILE, refuseLockedRunDir } from "../experiments/run-lock.ts";
import { endsWithSeparator, requireNameLength } from "../io/atomic.ts";

/**
 * Throws when `out` exists and is a file or a non-empty directory (the lock file of a killed command does not
 * count), is in use by another command (its lock, run-lock.ts), is a symbolic link to nothing, or cannot be
 * created; `hint` says what to do.
 */
export function refuseNonEmptyOut(out: string, hint = "choose a new --out or delete it"): void {
  if (out.trim() === "") {
    throw new InvalidParameterError(
      `--out must name a directory, got ${JSON.stringify(out)}; give a path such as runs/my-run`,
    );
  }
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) {
      throw new InvalidParameterError(`--out ${out} is a file, not a directory; ${hint}`);
    }
    refuseLockedRunDir(out, `--out ${out}`, " or pick another --out");
    if (readdirSync(out).some((f) => f !== LOCK_FILE)) {
      throw new InvalidParameterError(`--out ${out} already exists and is not an empty directory; ${hint}`);
    }
  } else if (isSymlink(out)) {
    throw new InvalidParameterError(
      `--out ${out} ${brokenLink(out)}; ` +
        (symlinkLoops(out)
          ? "give an --out that is not a link loop"
          : "create that directory or give an --out that is not a dangling link"),
    );
  }
  refuseUnwritableDir(out, `--out ${out}`, "choose an --out in a directory you can write to");
}

/** What is wrong with the link `path`, which leads to nothing: a loop of links, or a target that does not exist. */
function brokenLink(path: string): string {
  if (symlinkLoops(path)) return "is a symbolic link that leads back to itself (a loop of links)";
  const target = readlinkSync(path);
  // a chain: the first link's target exists, as a link to nothing
  return isSymlink(resolve(dirname(path), target))
    ? `is a symbolic link to ${target}, itself a link that leads to nothing`
    : `is a symbolic link to ${target}, which does not exist`;
}

/** Whether resolving the link `path` runs into a loop of links (ELOOP) rather than a missing target. */
function symlinkLoops(path: string): boolean {
  try {
    statSync(path);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ELOOP";
  }
}

/** Whether `path` itself is a symbolic link (existsSync follows links, so a dangling one "does not exist"). */
function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * The rule for a single output file (nir export's NIR file, report's report.html): `path` must name a file
 * that does not exist yet, or one that `replace` allows (the command's own earlier output, which it writes
 * again), in a directory that exists or can be created. `option` is the option that gave the path, if one
 * did. `hint` says what to do instead; `writableHint`, what to do when the directory takes no files (default:
 * choose another directory).
 */
export function refuseOutFile(
  path: string,
  option: string | undefined,
  replace: boolean,
  hint: string,
  writableHint?: string,
): void {
  if (path.trim() === "") {
    throw new InvalidParameterError(
      `${option ?? "the output path"} must name a file, got ""; give a file path`,
    );
  }
  const label = option === undefined ? path : `${option} ${path}`;
  if (endsWithSeparator(path)) {
    throw new InvalidParameterError(`${label} ends with a path separator, which names a directory; ${hint}`);
  }
  requireNameLength(path, label);
  if (existsSync(path)) {
    const st = statSync(path);
    if (st.isDirectory()) throw new InvalidParameterError(`${label} is a directory, not a file; ${hint}`);
    // a device or FIFO (or a link to one): the atomic write would replace it, so it is refused after the work
    if (!st.isFile()) {
      throw new InvalidParameterError(
        `${label} is not a regular file (a device, FIFO or socket${isSymlink(path) ? `, through a link` : ""}); ${hint}`,
      );
    }
    if (!replace) throw new InvalidParameterError(`${label} already exists; ${hint}`);
  } else if (isSymlink(path)) {
    // a dangling link or a loop: writing would replace the link itself, not write where it points
    throw new InvalidParameterError(`${label} ${brokenLink(path)}; ${hint}`);
  }
  refuseUnwritableDir(
    dirname(resolve(path)),
    label,
    writableHint ??
      (option === undefined
        ? "give a directory you can write to"
        : `choose an ${option} in a directory you can write to`),
  );
}

/** What a system error code says about the directory that refused a new entry. */
const REFUSALS: Readonly<Record<string, string>> = {
  EACCES: "may not be written (permission denied)",
  EPERM: "does not allow new entries (operation not permitted)",
  EROFS: "is on a read-only file system",
  ENOENT: "does not accept new entries",
  ENOSPC: "is on a full disk",
  EDQUOT: "is on a disk whose quota is used up",
};

/**
 * Throws unless directory `dir` exists and takes new entries or can be created: the nearest existing path on
 * the way to it (`dir` itself or a parent) must be a directory in which a directory can be made. A permission
 * check alone would pass root under /proc or a read-only mount, so the check makes a probe directory there
 * and removes it at once. `label` names the output in the message ("--out runs/x"); `hint` says what to do.
 */
export function refuseUnwritableDir(dir: string, label: string, hint: string): void {
  for (let p = resolve(dir); ; p = dirname(p)) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // a link to nothing on the way: no directory can be made through it (mkdir -p fails with ENOENT)
      if ((code === "ENOENT" || code === "ELOOP") && isSymlink(p)) {
        throw new InvalidParameterError(`${label} cannot be written: ${p} ${brokenLink(p)}; ${hint}`);
      }
      // missing (ENOENT), below a file (ENOTDIR) or below a link loop (ELOOP): the parent decides
      if ((code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP") && dirname(p) !== p) continue;
      throw new InvalidParameterError(`${label} cannot be written: ${p} cannot be read (${code}); ${hint}`);
    }
    if (!isDir) {
      throw new InvalidParameterError(`${label} cannot be written: ${p} is a file, not a directory; ${hint}`);
    }
    let probe: string;
    try {
      probe = mkdtempSync(join(p, ".spikeflow-probe-"));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? String(e);
      throw new InvalidParameterError(
        `${label} cannot be written: ${p} ${REFUSALS[code] ?? "does not accept new entries"} (${code}); ${hint}`,
      );
    }
    rmdirSync(probe);
    return;
  }
}

/**
 * For the commands that write into an existing run directory `dir` (eval, plot, report, rnn convert|eval):
 * `dir` must take new files, and none of `files` (the command's own outputs, which it rewrites) may be a
 * directory. `command` names the command in the message.
 */
export function refuseRunOutputs(dir: string, command: string, files: readonly string[]): void {
  refuseUnwritableDir(
    dir,
    `the run directory ${dir}`,
    `\`spikeflow ${command}\` writes ${files.join(" and ")} there`,
  );
  for (const f of files) {
    if (f.endsWith("/")) {
      // a directory the command replaces as a whole (plots/), by a rename
      const name = f.slice(0, -1);
      refuseMountPoint(dir, name, `\`spikeflow ${command}\` replaces it as a whole`);
      refuseFileAt(join(dir, name), `\`spikeflow ${command}\` replaces ${f} as a whole`);
      continue;
    }
    refuseOutFile(join(dir, f), undefined, true, `remove it: \`spikeflow ${command}\` writes ${f} there`);
  }
}

/**
 * For the commands that remove files of an earlier run step which no longer match what they write (rnn
 * convert: eval.json and report.html; rnn eval: report.html): a directory standing at one of those names is
 * not such a file, so it is refused up front instead of being left beside the new results. `files` are names
 * inside `dir`; `why` says why the command removes them.
 */
export function refuseStaleDirectories(
  dir: string,
  command: string,
  files: readonly string[],
  why: string,
): void {
  for (const f of files) {
    const path = join(dir, f);
    let entry;
    try {
      entry = lstatSync(path);
    } catch {
      continue; // missing: nothing to remove
    }
    if (entry.isDirectory())
      throw new InvalidParameterError(
        `${path} is a directory, not a file; \`spikeflow ${command}\` removes the ${f} of ${why}: remove it`,
      );
  }
}

/**
 * Throws when `path`, where a command puts a directory it replaces as a whole (plots/), is a file (the
 * replacement would delete it without a word) or a symbolic link to nothing or to a file (the rename would fail
 * after the work). A link to a directory is left to the rename, which replaces the link. `why` says what the
 * command does there.
 */
function refuseFileAt(path: string, why: string): void {
  let entry;
  try {
    entry = lstatSync(path);
  } catch {
    return; // missing: the command creates it
  }
  if (entry.isDirectory()) return;
  if (entry.isSymbolicLink()) {
    // a link to a directory is replaced by the rename (the link goes, its target stays); a dangling one, or a
    // link to a file, would fail the rename after the work
    let target;
    try {
      target = statSync(path);
    } catch {
      throw new InvalidParameterError(
        `${path} is a symbolic link to nothing (its target does not exist); ${why}: remove the link`,
      );
    }
    if (target.isDirectory()) return;
    throw new InvalidParameterError(`${path} is a link to a file, not a directory; ${why}: remove the link`);
  }
  throw new InvalidParameterError(
    `${path} is a file, not a directory; ${why}, which would delete it: remove it`,
  );
}

/**
 * Throws when `dir/name` is a mount point: a directory on another file system than `dir` (a bind mount). A
 * command that replaces it by renaming a new directory over it would fail with EBUSY after its work. A
 * symbolic link is not one (the rename replaces the link). `why` says what the command does with it.
 */
export function refuseMountPoint(dir: string, name: string, why: string): void {
  const path = join(dir, name);
  let entry;
  try {
    entry = lstatSync(path);
  } catch {
    return; // missing: the command creates it
  }
  if (!entry.isDirectory() || entry.dev === statSync(dir).dev) return;
  throw new InvalidParameterError(
    `${path} is a mount point (another file system than ${dir}), which cannot be replaced; ${why}: ` +
      `unmount it, or move the run to a disk of its own`,
  );
}

/**
 * For `train --resume DIR`, before any work: what the resumed run rewrites inside DIR must take it. model/,
 * which it writes into, must take new files (a link to a read-only directory is refused); checkpoint/ and
 * plots/, which it replaces by renames, must not be mount points.
 */
export function refuseResumeOutputs(dir: string): void {
  const model = join(dir, "model");
  if (existsSync(model)) {
    if (!statSync(model).isDirectory()) {
      throw new InvalidParameterError(
        `--resume ${dir}: ${model} is a file, not a directory; the resumed run writes its model there: remove it`,
      );
    }
    refuseUnwritableDir(model, `--resume ${dir}: ${model}`, "the resumed run writes its model there");
  }
  refuseMountPoint(dir, "checkpoint", "the resumed run replaces it with every new checkpoint");
  refuseMountPoint(dir, "plots", "the resumed run replaces it when it draws its plots");
  refuseFileAt(join(dir, "plots"), "the resumed run replaces plots/ as a whole when it draws its plots");
}
