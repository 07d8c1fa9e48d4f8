/**
 * A tiny logger. Warnings carry a stable id (e.g. "monitor-large") so they can be filtered, asserted in tests
 * and silenced one by one; each message says how to make it go away. Levels: debug < info < warn.
 * Real errors throw; they are not logged.
 *
 * The level comes from `SPIKEFLOW_LOG` (debug | info | warn | silent, default warn); the test runner sets
 * it to silent. `captureLogs` records messages instead of printing them.
 */

import { InvalidParameterError } from "./errors.ts";

export type LogLevel = "debug" | "info" | "warn" | "silent";
export interface LogRecord {
  readonly level: Exclude<LogLevel, "silent">;
  readonly id: string;
  readonly message: string;
}

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, silent: 3 };

function envLevel(): LogLevel {
  const v = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
    ?.SPIKEFLOW_LOG;
  return v === "debug" || v === "info" || v === "warn" || v === "silent" ? v : "warn";
}

let level: LogLevel = envLevel();
let sink: ((r: LogRecord) => void) | null = null;
let rewrite: ((message: string) => string) | null = null;
const seenOnce = new Set<string>();
const muted = new Set<string>();

export function setLogLevel(l: LogLevel): void {
  level = l;
}

/**
 * Rewrites every printed message (not captured ones), e.g. so that a command-line program says its option
 * names where the library names its parameters (src/cli/options.ts). `null` restores the plain messages.
 */
export function setLogRewrite(fn: ((message: string) => string) | null): void {
  rewrite = fn;
}

/** Never print warnings with this id again. */
export function muteWarning(id: string): void {
  // every id is lowercase words joined by hyphens, as printed in its message; another spelling would mute
  // nothing, silently
  if (typeof id !== "string" || !/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(id)) {
    const suggestion =
      typeof id === "string"
        ? `; did you mean "${id
            .trim()
            .toLowerCase()
            .replace(/[\s_]+/g, "-")}"?`
        : "";
    throw new InvalidParameterError(
      `muteWarning takes a warning id, lowercase words joined by hyphens as the warning prints it (e.g. ` +
        `"si-units"), got ${JSON.stringify(id)}${suggestion}`,
      { id },
    );
  }
  muted.add(id);
}

function emit(lvl: Exclude<LogLevel, "silent">, id: string, message: string, once: boolean): void {
  if (muted.has(id)) return;
  if (once) {
    const key = `${id}\u0000${message}`;
    if (seenOnce.has(key)) return;
    seenOnce.add(key);
  }
  const rec: LogRecord = { level: lvl, id, message };
  if (sink) {
    sink(rec);
    return;
  }
  if (ORDER[lvl] < ORDER[level]) return;
  // The logger is the one place in the library that writes to the console.
  console.error(`spikeflow ${lvl} [${id}]: ${rewrite === null ? message : rewrite(message)}`);
}

export const log = {
  debug(id: string, message: string): void {
    emit("debug", id, message, false);
  },
  info(id: string, message: string): void {
    emit("info", id, message, false);
  },
  warn(id: string, message: string, opts: { once?: boolean } = {}): void {
    emit("warn", id, message, opts.once ?? false);
  },
};

/**
 * Runs `fn` with warnings of this id muted, e.g. where the library itself made the value a warning is about
 * (the NIR importer's converted time constants); the id's previous state is restored afterwards.
 */
export function withWarningMuted<T>(id: string, fn: () => T): T {
  if (muted.has(id)) return fn();
  muted.add(id);
  try {
    return fn();
  } finally {
    muted.delete(id);
  }
}

/** Runs `fn` with every log record captured (nothing printed) and returns the records. */
export function captureLogs(fn: () => void): LogRecord[] {
  const records: LogRecord[] = [];
  const prev = sink;
  sink = (r) => records.push(r);
  let result: unknown;
  try {
    result = fn();
  } finally {
    sink = prev;
  }
  if (typeof (result as { then?: unknown } | null | undefined)?.then === "function") {
    // the work goes on after this returns, and its later records would be printed, not captured
    throw new InvalidParameterError(
      "captureLogs runs fn synchronously, but fn returned a Promise: the records it makes after its first " +
        "await would not be captured. Capture inside the async work (around each synchronous part), or " +
        "await it and capture the synchronous calls",
    );
  }
  return records;
}

/** A warning raised in a worker thread, handed back as plain data to the thread that prints it. */
export interface HandedWarning {
  readonly id: string;
  readonly message: string;
}

/** Runs `fn` with log records captured (nothing printed) and returns its warnings, for a worker's result. */
export function captureWarnings(fn: () => void): HandedWarning[] {
  return captureLogs(fn)
    .filter((r) => r.level === "warn")
    .map(({ id, message }) => ({ id, message }));
}

/**
 * Logs warnings that worker threads handed back (captureWarnings), each once per process: a warning every
 * worker raised prints once, in this thread's wording (a command line's option names).
 */
export function logHandedWarnings(warnings: readonly HandedWarning[]): void {
  for (const w of warnings) log.warn(w.id, w.message, { once: true });
}
