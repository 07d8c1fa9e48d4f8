/**
 * The lock of a run directory: every command that writes into a run directory (train, train --resume, eval,
 * plot, report, rnn train|convert|eval, nir export into a run) holds it while it runs, so that two commands
 * never write into one directory at once (two runs mixing their files, two resumes sharing checkpoint.tmp,
 * two plots sharing plots.tmp).
 *
 * The lock is the file DIR/.spikeflow.lock, holding {"pid", "command", "started", "process"}. It is made
 * complete in a temporary file and linked into place (link fails with EEXIST when the name exists), so a lock
 * is never seen half-written and only one of two commands gets it. It is removed when the process exits (also
 * after an error or Ctrl-C, through process.on("exit")); a lock left by a killed process (its pid is not
 * alive) is taken over.
 *
 * A pid can be reused: after a kill, an unrelated process may get the same number. On Linux "process" records
 * the holder's identity, the machine's boot id and the process's start time (field 22 of /proc/PID/stat, in
 * clock ticks since boot), so a live pid whose start time differs on the same boot is a reused one and its
 * lock is stale. Limitation: without /proc (macOS, Windows), for a lock written before "process" was recorded,
 * or for one written under another boot id (another machine sharing the disk, or a reboot), only the pid is
 * checked, so a reused pid keeps the lock held; the refusal then names the lock file to delete.
 */
import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, rmdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { InvalidParameterError, StateError } from "../core/errors.ts";
import { ensureDirSync, isDirectory } from "../io/atomic.ts";

/** The lock file's name inside a run directory (never part of a run: listings of a run skip it). */
export const LOCK_FILE = ".spikeflow.lock";

interface LockInfo {
  readonly pid: number;
  readonly command: string;
  readonly started: string;
  /** "BOOT_ID:START_TICKS" of the holder (processIdentity), or "" where none was recorded. */
  readonly process: string;
}

/** What an unreadable or damaged lock file reads as (pid 0: not alive). */
const DAMAGED: LockInfo = { pid: 0, command: "", started: "", process: "" };

/** A lock held by this process. */
export interface RunLock {
  readonly dir: string;
  /** Whether taking the lock created `dir` (it did not exist before the command). */
  readonly created: boolean;
  /** Removes the lock, and `dir` too when the lock created it and it holds nothing else. Idempotent. */
  release(): void;
}

/** The lock file of `dir`, or null when there is none; unreadable or damaged content reads as pid 0. */
function readLock(path: string): LockInfo | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    return DAMAGED;
  }
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    const pid = Number.isInteger(v.pid) && (v.pid as number) > 0 ? (v.pid as number) : 0;
    return {
      pid,
      command: typeof v.command === "string" ? v.command : "",
      started: String(v.started ?? ""),
      process: typeof v.process === "string" ? v.process : "",
    };
  } catch {
    return DAMAGED;
  }
}

/**
 * "BOOT_ID:START_TICKS" of process `pid` on Linux (the boot id of /proc/sys/kernel/random/boot_id and field 22
 * of /proc/PID/stat), or "" where /proc cannot tell (another system, or no such process).
 */
export function processIdentity(pid: number): string {
  try {
    const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses, so count the fields after the last ")";
    // STATE is field 3, so the start time (field 22) is the 20th of them.
    const start = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
    return boot !== "" && start !== undefined && /^\d+$/.test(start) ? `${boot}:${start}` : "";
  } catch {
    return "";
  }
}

/**
 * Whether the process that wrote `info` is still running: its pid is alive and, where the lock recorded the
 * holder's identity under this boot, the live process is that one and not a later one that reused the pid.
 */
function holderAlive(info: LockInfo): boolean {
  if (!alive(info.pid)) return false;
  if (info.process === "") return true;
  const now = processIdentity(info.pid);
  if (now === "") return true;
  const bootOf = (identity: string): string => identity.slice(0, identity.lastIndexOf(":"));
  if (bootOf(now) !== bootOf(info.process)) return true; // another machine's lock, or a reboot: the pid alone
  return now === info.process;
}

/** Whether process `pid` exists (EPERM: it exists but belongs to another user). */
function alive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The refusal for `dir`, held by `info`; `label` names the directory as the user gave it, `alt` the other way out. */
function inUse(label: string, info: LockInfo, lockPath: string, alt: string): InvalidParameterError {
  // the command as written by another process (or by hand): control characters would break the one-line refusal
  // eslint-disable-next-line no-control-regex
  const command = info.command.replace(/[\u0000-\u001f\u007f]/g, "?");
  const what = command === "" ? "" : `: spikeflow ${command}`;
  return new InvalidParameterError(
    `${label} is in use by another spikeflow command (pid ${info.pid}${what}); wait for it${alt} ` +
      `(if no such command is running, delete ${lockPath})`,
  );
}

/** The locks this process holds, released when it exits. */
const held = new Map<string, RunLock>();
let exitHook = false;

/**
 * Throws the in-use refusal when another live process holds the lock of `dir` (a directory or not yet one);
 * takes nothing. For checks made before a command decides to create its directory.
 */
export function refuseLockedRunDir(dir: string, label: string, alt = ""): void {
  const path = join(dir, LOCK_FILE);
  const info = readLock(path);
  if (info !== null && info.pid !== process.pid && holderAlive(info)) throw inUse(label, info, path, alt);
}

/**
 * Takes the lock of run directory `dir` for `command` ("train lcsnn", "eval"), or throws the in-use refusal
 * (naming `label`, e.g. "--out runs/x", and offering `alt`, e.g. " or pick another --out"). With `create`
 * a missing `dir` is created (and removed again on release if it is still empty); without it a missing or
 * non-directory `dir` gets no lock (the command's own checks refuse it). Taking the lock again in the same
 * process returns the lock already held.
 */
export function lockRunDir(
  dir: string,
  command: string,
  label: string,
  opts: { create?: boolean; alt?: string } = {},
): RunLock {
  const path = join(dir, LOCK_FILE);
  const mine = held.get(path);
  if (mine !== undefined) return mine;
  let created = false;
  // the outermost directory this lock created: `dir`, or a parent it had to make on the way
  let outermost = dir;
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) {
    if (!opts.create) return { dir, created: false, release: () => undefined };
    const parent = ensureDirSync(dirname(dir));
    try {
      mkdirSync(dir);
      created = true;
      outermost = parent ?? dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
  const info: LockInfo = {
    pid: process.pid,
    command,
    started: new Date().toISOString(),
    process: processIdentity(process.pid),
  };
  const tmp = join(dir, `${LOCK_FILE}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  writeFileSync(tmp, JSON.stringify(info) + "\n", { flag: "wx" });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        if (attempt >= 5) {
          if (created) removeCreated(dir, outermost);
          throw new StateError(
            `cannot lock ${label}: ${path} ` +
              (isDirectory(path)
                ? "is a directory, not a spikeflow lock; remove it and run again"
                : "is held or keeps changing; if no spikeflow command is using the directory, delete it"),
            { file: path },
          );
        }
      }
      const other = readLock(path);
      if (other === null) continue; // released in between
      if (other.pid === process.pid || !holderAlive(other)) {
        // stale: left by a process that was killed (or by one whose pid was since reused); taken over unless
        // another command took it meanwhile
        const again = readLock(path);
        if (again !== null && again.pid === other.pid && again.started === other.started) {
          try {
            unlinkSync(path);
          } catch {
            // gone already
          }
        }
        continue;
      }
      if (created) removeCreated(dir, outermost);
      throw inUse(label, other, path, opts.alt ?? "");
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
  const lock: RunLock = {
    dir,
    created,
    release: () => {
      if (!held.has(path)) return;
      held.delete(path);
      const now = readLock(path);
      if (now !== null && now.pid === process.pid && now.started === info.started) {
        try {
          unlinkSync(path);
        } catch {
          // removed with its directory (a failed new run)
        }
      }
      if (created) removeCreated(dir, outermost);
    },
  };
  held.set(path, lock);
  if (!exitHook) {
    exitHook = true;
    process.on("exit", () => {
      for (const l of [...held.values()]) l.release();
    });
  }
  return lock;
}

/**
 * Removes `dir` if it is empty, then each parent up to `outermost` (the first directory the lock created) that
 * is left empty; stops at the first that is not (something else was written there meanwhile).
 */
function removeCreated(dir: string, outermost: string): void {
  const top = resolve(outermost);
  for (let p = resolve(dir); ; p = dirname(p)) {
    if (!rmdirQuiet(p) || p === top || dirname(p) === p) return;
  }
}

/**
 * Removes `dir` if it is empty; returns whether it is gone now (removed here, or already removed: a failed
 * new run removes its directory itself, and its parents are still this lock's to remove). A directory that
 * is not empty is left as it is.
 */
function rmdirQuiet(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ENOENT";
  }
}
