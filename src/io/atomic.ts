/**
 * Atomic file writes (Node only).
 *
 * The data goes to a new temporary file in the target's directory (same file system, so the rename below is
 * atomic), is flushed with fsync, and the temporary file is renamed over the target. Readers therefore see the
 * old file or the new one, never a partial one, even if the process dies mid-write. On any failure the
 * temporary file is removed and the error is rethrown; the target is untouched. After the rename the
 * directory itself is fsynced (where the platform allows it) so the new name survives a power loss.
 * Temporary names are `.<basename>.<pid>.<random>.tmp` (`.spikeflow.<pid>.<random>.tmp` for a name longer than
 * 200 bytes), created exclusively so two writers never share one. A symbolic link to a file is written
 * through (the file it names is replaced); what a rename would wrongly replace (a dangling link, a directory,
 * a device) is refused, and system errors name the target, not the temporary file.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { InvalidParameterError, NotFoundError } from "../core/errors.ts";
import { describeValue } from "../core/options.ts";

/** Longest file name (in UTF-8 bytes) whose temporary name keeps it: most file systems allow 255 bytes. */
const MAX_NAME_IN_TEMP = 200;

function tempPathFor(path: string): string {
  // a long name would make the temporary name too long (ENAMETOOLONG) where the name itself is fine
  const name = basename(path);
  const stem = Buffer.byteLength(name) > MAX_NAME_IN_TEMP ? "spikeflow" : name;
  return join(dirname(path), `.${stem}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

/** Longest file name most file systems take, in UTF-8 bytes (NAME_MAX on Linux, ext4, APFS, NTFS in UTF-16). */
const MAX_NAME_BYTES = 255;

/** Refuses a path whose last name is longer than file systems allow; `label` names it ("--out x.nir"). */
export function requireNameLength(path: string, label: string): void {
  const bytes = Buffer.byteLength(basename(path));
  if (bytes <= MAX_NAME_BYTES) return;
  throw new InvalidParameterError(
    `${label}: its file name is ${bytes} bytes long, more than the ${MAX_NAME_BYTES} that file systems allow; ` +
      "give a shorter name",
    { file: path },
  );
}

/**
 * The file an atomic write of `path` replaces. The rename puts a new file in place of whatever is at `path`,
 * so: a symbolic link to a regular file is followed (the file it names is written and the link stays, as a
 * plain write would do); a link to nothing or a loop of links, a directory, and a device, FIFO or socket are
 * refused, naming what is there; a NUL byte in the path is refused too.
 */
function writeTarget(path: string): string {
  requireNameLength(path, path);
  if (path.includes("\0")) {
    throw new InvalidParameterError(
      `the output path ${JSON.stringify(path)} contains a NUL byte, which no file name may hold`,
      { file: path },
    );
  }
  let link;
  try {
    link = lstatSync(path);
  } catch {
    return path; // nothing there yet (a missing directory is reported by the write, naming the path)
  }
  if (link.isFile()) return path;
  let st = link;
  if (link.isSymbolicLink()) {
    try {
      st = statSync(path);
    } catch {
      throw new InvalidParameterError(
        `${path} is a symbolic link to ${readlinkSync(path)}, which leads to no file (missing, or a loop of ` +
          "links); writing would replace the link itself: give the path of a file, or remove the link",
        { file: path },
      );
    }
    if (st.isFile()) return realpathSync(path);
  }
  const what = st.isDirectory() ? "a directory" : "not a regular file (a device, FIFO or socket)";
  throw new InvalidParameterError(
    `${path} is ${what}; writing a file there would replace it: give the path of a file`,
    { file: path },
  );
}

/**
 * The temporary file beside `path` could not be created (`code` ENOENT or ENOTDIR): a missing directory or a
 * path through a file (requireFilePathWritable says which), or a directory that exists but takes no new
 * entries, such as one under /proc.
 */
function refuseUnwritableDirectory(path: string, code: string): never {
  requireFilePathWritable(path, "the output path");
  throw new InvalidParameterError(
    `cannot write ${path}: the directory ${dirname(path)} does not accept new files (${code}); give a path ` +
      "in a directory you can write to",
    { file: path },
  );
}

/** `e`, a system error of the write to `temp`, made to name `path`: the file the caller asked for. */
function namingTarget(e: unknown, temp: string, path: string): unknown {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.message === "string" && err.message.includes(temp)) {
    err.message = err.message.split(temp).join(path);
  }
  if (err && typeof err === "object" && err.path === temp) err.path = path;
  return e;
}

function toBytes(data: Uint8Array | string, path: string): Uint8Array {
  if (typeof data === "string") return new TextEncoder().encode(data);
  if (data instanceof Uint8Array) return data;
  throw new InvalidParameterError(`writeFileAtomic(${path}): data must be a Uint8Array or a string`);
}

async function syncDirectory(dir: string): Promise<void> {
  // Limitation: some platforms (Windows) cannot open or fsync a directory; durability of the rename then
  // rests on the OS, and the failure is ignored because the write itself has succeeded.
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // see the limitation above
  }
}

/** Whether `path` ends with a path separator ("out/"), which names a directory, never a file to write. */
export function endsWithSeparator(path: string): boolean {
  return path.endsWith("/") || (process.platform === "win32" && path.endsWith("\\"));
}

/** Refuses a file path that ends with a path separator: renaming a file there fails. */
function refuseDirectorySyntax(path: string, what: string): void {
  if (endsWithSeparator(path)) {
    throw new InvalidParameterError(
      `${what} ${path} ends with a path separator, which names a directory; give the path of a file`,
      { file: path },
    );
  }
}

/**
 * Throws a typed error naming `path` unless a file can be written there: a non-blank path whose directory
 * exists and is a directory (no part of it a file), and which is not itself a directory. `what` names the
 * caller ("exportNir path"). Call it before the work whose result goes to `path`.
 */
export function requireFilePathWritable(path: unknown, what: string): void {
  if (typeof path !== "string" || path.trim() === "") {
    const got = typeof path === "string" ? JSON.stringify(path) : describeValue(path);
    throw new InvalidParameterError(
      `${what} must be a file path, got ${got}; give one such as out/model.nir`,
    );
  }
  refuseDirectorySyntax(path, what);
  const dir = dirname(path);
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOTDIR") {
      throw new InvalidParameterError(
        `${what} ${path} runs through a file: a part of ${dir} is a file, not a directory`,
        { file: path },
      );
    }
    throw new NotFoundError(`${what} ${path}: the directory ${dir} does not exist; create it first`, {
      file: path,
    });
  }
  if (!st.isDirectory()) {
    throw new InvalidParameterError(
      `${what} ${path} runs through a file: ${dir} is a file, not a directory`,
      {
        file: path,
      },
    );
  }
  if (isDirectory(path)) {
    throw new InvalidParameterError(`${what} ${path} is a directory; give the path of a file in it`, {
      file: path,
    });
  }
}

/** Writes `data` to `path` atomically (see the file comment). Strings are written as UTF-8. */
export async function writeFileAtomic(given: string, data: Uint8Array | string): Promise<void> {
  refuseDirectorySyntax(given, "the output path");
  const path = writeTarget(given);
  const temp = tempPathFor(path);
  const bytes = toBytes(data, path);
  const handle = await open(temp, "wx", 0o644).catch((e: unknown) => {
    // a missing directory or a path through a file: name the target, not the temporary file
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") refuseUnwritableDirectory(path, code);
    throw namingTarget(e, temp, path);
  });
  try {
    try {
      let written = 0;
      while (written < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, written, bytes.length - written);
        written += bytesWritten;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw namingTarget(error, temp, path);
  }
  await syncDirectory(dirname(path));
}

/** Synchronous twin of writeFileAtomic, for CLI exit paths and tests. */
export function writeFileAtomicSync(given: string, data: Uint8Array | string): void {
  refuseDirectorySyntax(given, "the output path");
  const path = writeTarget(given);
  const temp = tempPathFor(path);
  const bytes = toBytes(data, path);
  let fd: number;
  try {
    fd = openSync(temp, "wx", 0o644);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") refuseUnwritableDirectory(path, code);
    throw namingTarget(e, temp, path);
  }
  try {
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
    throw namingTarget(error, temp, path);
  }
  try {
    const dirFd = openSync(dirname(path), "r");
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Limitation: as in syncDirectory, directory fsync is best effort.
  }
}

/** Writes `value` as pretty-printed JSON (2-space indent, trailing newline) atomically. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, jsonText(value, path));
}

/** Synchronous twin of writeJsonAtomic. */
export function writeJsonAtomicSync(path: string, value: unknown): void {
  writeFileAtomicSync(path, jsonText(value, path));
}

function jsonText(value: unknown, path: string): string {
  const text = JSON.stringify(value, null, 2);
  if (text === undefined) {
    throw new InvalidParameterError(
      `writeJsonAtomic(${path}): a ${typeof value} has no JSON form; pass an object`,
    );
  }
  return `${text}\n`;
}

/**
 * What stands at `path` for a reader that takes only a regular file: its size, or why there is none to read
 * ("missing": nothing, or a path through a file; otherwise what is there instead, for the message). A FIFO or
 * device is refused before any read, because its read can block past Ctrl-C (it runs outside JavaScript).
 */
export function regularFile(
  path: string,
): { readonly size: number } | { readonly missing: true } | { readonly is: string } {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { missing: true };
    throw e;
  }
  if (st.isFile()) return { size: st.size };
  return { is: st.isDirectory() ? "a directory" : "not a regular file (a FIFO, socket or device)" };
}

/** Whether `path` is a directory (false when it does not exist). */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Creates directory `dir` and its missing parents, one level at a time. Used instead of
 * `mkdirSync(dir, { recursive: true })`, which in Node 20 spins forever when the parent exists but refuses
 * the new entry with ENOENT (e.g. a path under /proc). Errors are typed and name the directory. Returns the
 * outermost directory it created (undefined when `dir` existed), so that a caller can take them away again.
 */
export function ensureDirSync(dir: string): string | undefined {
  const target = resolve(dir);
  const missing: string[] = [];
  for (let p = target; ; p = dirname(p)) {
    try {
      if (statSync(p).isDirectory()) break;
      throw new InvalidParameterError(`${p} exists and is not a directory; choose another output directory`);
    } catch (e) {
      if (e instanceof InvalidParameterError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT") {
        throw new InvalidParameterError(
          `cannot use ${p} as a directory (${code ?? String(e)}); choose another path`,
        );
      }
    }
    missing.push(p);
    if (dirname(p) === p) break;
  }
  let outermost: string | undefined;
  for (const p of missing.reverse()) {
    try {
      mkdirSync(p);
      outermost ??= p;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EEXIST") continue;
      throw new InvalidParameterError(
        `cannot create directory ${p} (${code ?? String(e)}); choose an output directory you can write to`,
      );
    }
  }
  return outermost;
}

/**
 * A directory replaced as a whole (a checkpoint, a run's plots): `stageDirSync(dir)` gives a fresh, empty
 * `dir.tmp` (an older one, left by a killed process, is removed) to write the new content into;
 * `commitDirSync(dir)` then moves `dir` aside to `dir.old`, renames `dir.tmp` into place and removes `dir.old`,
 * and `discardStagedDirSync(dir)` drops `dir.tmp` after a failure. A kill at any moment leaves the old
 * content or the new one whole: in `dir`, or, between the two renames, in `dir.old` (or `dir.tmp`) only.
 */
export function stageDirSync(dir: string): string {
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  ensureDirSync(tmp);
  return tmp;
}

/** Moves the staged `dir.tmp` into place (see stageDirSync). */
export function commitDirSync(dir: string): void {
  const old = `${dir}.old`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(`${dir}.tmp`, dir);
  rmSync(old, { recursive: true, force: true });
}

/** Removes the staged `dir.tmp` (see stageDirSync); `dir` is untouched. */
export function discardStagedDirSync(dir: string): void {
  rmSync(`${dir}.tmp`, { recursive: true, force: true });
}
