/**
 * Reads an IDX file from disk (Node only: node:fs). The parsing itself is `parseIdx` in idx.ts, which stays
 * free of Node modules so that browsers can parse bytes they fetched themselves.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { NotFoundError } from "../core/errors.ts";
import { parseIdx } from "./idx.ts";
import type { IdxArray } from "./idx.ts";

/**
 * Reads and parses the IDX file at `path`. Throws `NotFoundError` naming the path when it does not exist or
 * is a directory, and `FormatError` (from `parseIdx`) when its contents are malformed or gzip-compressed.
 */
export function readIdxFile(path: string): IdxArray {
  if (!existsSync(path)) {
    const gz = `${path}.gz`;
    const hint = existsSync(gz)
      ? `; found ${gz}: gzipped files must be unpacked first (gunzip -k ${gz})`
      : "; check the path";
    throw new NotFoundError(`IDX file ${path} does not exist${hint}`, { path });
  }
  if (statSync(path).isDirectory()) {
    throw new NotFoundError(`${path} is a directory, not an IDX file; pass the file's path`, { path });
  }
  const buf = readFileSync(path);
  return parseIdx(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path);
}
