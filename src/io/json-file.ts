/**
 * Reading the JSON files of a run directory (curve.json, search.json, summary.json, metrics.jsonl, ...) with
 * typed errors: a missing file is a NotFoundError carrying the caller's hint, a damaged one a FormatError
 * naming the file (and the line of a .jsonl file), and `checkFields` checks a parsed object field by field,
 * naming the field, what it must be and what it holds.
 */
import { readFileSync } from "node:fs";
import { regularFile } from "./atomic.ts";
import { FormatError, NotFoundError } from "../core/errors.ts";

/**
 * The text of a run file: NotFoundError with `hint` when it is missing, FormatError naming it when something
 * else than a file stands there (a directory, a FIFO that would block the read).
 */
export function readRunText(path: string, hint: string): string {
  const f = regularFile(path);
  if ("missing" in f) throw new NotFoundError(`${path} does not exist; ${hint}`);
  if ("is" in f)
    throw new FormatError(`${path} is ${f.is}, not the file the run wrote; ${hint}`, { file: path });
  return readFileSync(path, "utf8");
}

/** A JSON.parse message on one line: V8 quotes the text around the error, newlines and indentation included. */
function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, " ");
}

/**
 * Parses `text` (the file or the line that `where` names) as one JSON object: FormatError naming `where` when it
 * is not JSON or not an object.
 */
export function parseRunJson<T>(text: string, where: string, hint: string): T {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`${where} is not valid JSON (${oneLine((e as Error).message)}); ${hint}`, {
      file: where,
    });
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    const got = doc === null ? "null" : Array.isArray(doc) ? "an array" : `a ${typeof doc}`;
    throw new FormatError(`${where} must hold a JSON object, not ${got}; ${hint}`, {
      file: where,
    });
  }
  return doc as T;
}

/**
 * Reads a JSON file of a run directory: NotFoundError with `hint` when it is missing, FormatError naming the
 * file when it is not JSON or not an object.
 */
export function readRunJson<T>(path: string, hint: string): T {
  return parseRunJson<T>(readRunText(path, hint), path, hint);
}

/** One field check: the field's name, a test (true when the value is fine), and what the value must be. */
export type FieldCheck = readonly [field: string, ok: (v: unknown) => boolean, what: string];

/**
 * FormatError `<where>: "<prefix><field>" must be <what>, got <value>; <hint>` for the first field of `doc`
 * that fails its check. `prefix` names the object within the file ("test." for summary.json's test object).
 */
export function checkFields(
  where: string,
  hint: string,
  doc: Record<string, unknown>,
  checks: readonly FieldCheck[],
  prefix = "",
): void {
  for (const [field, ok, what] of checks) {
    if (!ok(doc[field])) {
      const text = JSON.stringify(doc[field]) ?? "nothing";
      const got = text.length > 80 ? `${text.slice(0, 72)} ... (${text.length} characters)` : text;
      throw new FormatError(`${where}: "${prefix}${field}" must be ${what}, got ${got}; ${hint}`, {
        file: where,
      });
    }
  }
}

/** True for a JSON object (not an array, not null). */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The object in field `field` of `doc`, or the FormatError of checkFields when it is not one. */
export function objectField(
  where: string,
  hint: string,
  doc: Record<string, unknown>,
  field: string,
  what: string,
  prefix = "",
): Record<string, unknown> {
  checkFields(where, hint, doc, [[field, isObject, `an object (${what})`]], prefix);
  return doc[field] as Record<string, unknown>;
}

/** Field tests shared by the readers of run files (true when the value is fine). */
export const isFiniteNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
export const isNumberOrNull = (v: unknown) => v === null || isFiniteNumber(v);
export const isNonNegative = (v: unknown) => isFiniteNumber(v) && v >= 0;
export const isFraction = (v: unknown) => typeof v === "number" && v >= 0 && v <= 1;
export const isCount = (v: unknown, min = 0) => Number.isInteger(v) && (v as number) >= min;
