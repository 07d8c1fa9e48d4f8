/**
 * NumPy .npz read and write: a zip archive with one `<name>.npy` member per array (numpy.savez stores the
 * members, numpy.savez_compressed deflates them). Zip handling is fflate's zipSync/unzipSync.
 *
 * Writing: members in the caller's key order, each stored (default, like np.savez) or deflated (like
 * np.savez_compressed), with a fixed 1980-01-01 timestamp so the same arrays always give the same bytes.
 *
 * Reading validates the central directory before fflate allocates anything: at most one entry per 46 bytes of
 * archive (the size of a central directory record, so a forged entry count cannot spin), compression stored
 * or deflate, a stored member's size equal to its compressed size, a deflated member at most 1032 times its
 * compressed size (the DEFLATE maximum ratio) and the total under `maxUncompressedBytes`, every name ending in
 * ".npy" and unique. Each member is then parsed by decodeNpy, which checks its sizes exactly.
 * Limitation: member CRC-32s are not verified (fflate's unzipSync does not expose them), so a flipped bit in a
 * stored member's data yields different values rather than an error; the .npy structure is still checked.
 */
import { unzipSync, zipSync } from "fflate";
import type { Zippable } from "fflate";
import { FormatError, InvalidParameterError, requireNonNegative } from "../core/errors.ts";
import { requireKnownKeys } from "../core/options.ts";
import { defineEntry, isWellFormedText, typedArrayClass } from "./dtype.ts";
import type { Tensor } from "./dtype.ts";
import { decodeNpy, encodeNpy } from "./npy.ts";

export type NpzCompression = "stored" | "deflate";

export interface NpzWriteOptions {
  /** "stored" (np.savez) or "deflate" (np.savez_compressed). Default "stored". */
  readonly compression?: NpzCompression;
}

export interface NpzReadOptions {
  /** Refuse archives whose members expand to more than this many bytes in total. Default 2^31 (2 GiB). */
  readonly maxUncompressedBytes?: number;
}

const CENTRAL_RECORD_BYTES = 46;
const DEFLATE_MAX_RATIO = 1032;
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

/** Serialises arrays into a .npz archive (member `<name>.npy` per key). */
export function encodeNpz(
  arrays: Readonly<Record<string, Tensor>>,
  options: NpzWriteOptions = {},
): Uint8Array {
  requireKnownKeys("encodeNpz options", options, ["compression"]);
  const compression = options.compression ?? "stored";
  if (compression !== "stored" && compression !== "deflate") {
    throw new InvalidParameterError(
      `npz compression must be "stored" or "deflate", got ${String(compression)}`,
    );
  }
  if (typeof arrays !== "object" || arrays === null) {
    throw new InvalidParameterError("encodeNpz: arrays must be an object mapping names to tensors");
  }
  const level = compression === "stored" ? 0 : 6;
  const members: Zippable = {};
  for (const name of Object.keys(arrays)) {
    if (name.length === 0 || !isWellFormedText(name)) {
      throw new InvalidParameterError(
        `npz array name ${JSON.stringify(name)} must be a non-empty string without unpaired surrogates`,
      );
    }
    const bytes = encodeNpy(arrays[name], `array ${JSON.stringify(name)}`);
    defineEntry(members as Record<string, unknown>, `${name}.npy`, [bytes, { level, mtime: FIXED_MTIME }]);
  }
  return zipSync(members, { level, mtime: FIXED_MTIME });
}

/** Parses a .npz archive into arrays keyed by member name without ".npy". */
export function decodeNpz(
  bytes: Uint8Array,
  name: string,
  options: NpzReadOptions = {},
): Record<string, Tensor> {
  requireKnownKeys("decodeNpz options", options, ["maxUncompressedBytes"]);
  if (typedArrayClass(bytes) !== "Uint8Array") {
    throw new InvalidParameterError(`decodeNpz: bytes must be a Uint8Array (or Buffer), got ${typeof bytes}`);
  }
  const limit = requireNonNegative("maxUncompressedBytes", options.maxUncompressedBytes ?? 2 ** 31);
  const bad = (problem: string): FormatError => new FormatError(`${name}: ${problem}`, { file: name });

  const seen = new Set<string>();
  let total = 0;
  const check = (entry: {
    name: string;
    size: number;
    originalSize: number;
    compression: number;
  }): boolean => {
    if (seen.size >= Math.floor(bytes.length / CENTRAL_RECORD_BYTES)) {
      throw bad("zip central directory lists more entries than the archive can hold; corrupt file");
    }
    const member = entry.name;
    if (!member.endsWith(".npy")) throw bad(`member ${JSON.stringify(member)} is not a .npy file`);
    if (seen.has(member)) throw bad(`member ${JSON.stringify(member)} appears twice`);
    seen.add(member);
    const { size, originalSize, compression } = entry;
    if (!(size >= 0 && size <= bytes.length)) {
      throw bad(
        `member ${JSON.stringify(member)} claims ${size} compressed bytes in a ${bytes.length}-byte archive`,
      );
    }
    if (compression === 0) {
      if (originalSize !== size) {
        throw bad(
          `stored member ${JSON.stringify(member)} has sizes ${size} and ${originalSize}, which must match`,
        );
      }
    } else if (compression === 8) {
      if (!(originalSize >= 0 && originalSize <= size * DEFLATE_MAX_RATIO + 1024)) {
        throw bad(
          `deflated member ${JSON.stringify(member)} claims ${originalSize} bytes from ${size}, ` +
            `beyond the deflate maximum ratio`,
        );
      }
    } else {
      throw bad(
        `member ${JSON.stringify(member)} uses zip compression method ${compression}; only stored and deflate`,
      );
    }
    total += originalSize;
    if (total > limit) {
      throw bad(
        `archive expands to more than maxUncompressedBytes = ${limit}; raise the limit if this is expected`,
      );
    }
    return true;
  };

  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes, { filter: check });
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw bad(`not a valid zip archive (${e instanceof Error ? e.message : String(e)})`);
  }

  const out: Record<string, Tensor> = {};
  for (const member of seen) {
    const data = members[member];
    if (data === undefined) throw bad(`member ${JSON.stringify(member)} could not be read`);
    defineEntry(out, member.slice(0, -4), decodeNpy(data, `${name}:${member}`));
  }
  return out;
}
