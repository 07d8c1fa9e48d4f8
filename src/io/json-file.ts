/**
 * Reading the JSON files of a run directory (curve.json, search.json, examples.json, ...) with typed errors:
 * a missing file is a NotFoundError carrying the caller's hint, a damaged one a FormatError naming the file.
 */
import { readFileSync } from "node:fs";
import { FormatError, NotFoundError } from "../core/errors.ts";

/**
 * Reads a JSON file of a run directory: NotFoundError with `hint` when it is missing, FormatError naming the
 * file when it is not JSON or not an object.
 */
export function readRunJson<T>(path: string, hint: string): T {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      throw new NotFoundError(`${path} does not exist; ${hint}`);
    throw e;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`${path} is not valid JSON (${(e as Error).message}); ${hint}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new FormatError(`${path} must hold a JSON object; ${hint}`);
  }
  return doc as T;
}
