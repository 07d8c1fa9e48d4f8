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
 * ".npy" and unique. Each member's CRC-32 is then checked against the one its central directory record
 * holds (fflate does not check it, so the records are read here), its name must be the same in the central
 * directory and in its local header (a changed byte in either copy would rename the array), and the member
 * is parsed by decodeNpy, which checks its sizes exactly: a flipped bit anywhere in a member's data is an
 * error, not other values.
 */
import { unzipSync, zipSync } from "fflate";
import type { Zippable } from "fflate";
import { FormatError, InvalidParameterError, requireNonNegative } from "../core/errors.ts";
import { requireKnownKeys } from "../core/options.ts";
import { defineEntry, isWellFormedText, typedArrayClass } from "./dtype.ts";
import type { Tensor } from "./dtype.ts";
import { decodeNpy, encodeNpy } from "./npy.ts";
import { crc32 } from "./crc32.ts";

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

  // the directory is read and cross-checked here first, so that fflate only ever reads a consistent one
  const crcs = centralDirectoryCrcs(bytes, bad);
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes, { filter: check });
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw bad(`not a valid zip archive (${e instanceof Error ? e.message : String(e)})`);
  }
  if (crcs.length !== seen.size) {
    throw bad(
      `zip central directory holds ${crcs.length} records but ${seen.size} members were read; corrupt file`,
    );
  }

  const out: Record<string, Tensor> = {};
  let index = 0;
  for (const member of seen) {
    const data = members[member];
    if (data === undefined) throw bad(`member ${JSON.stringify(member)} could not be read`);
    const expected = crcs[index++];
    const actual = crc32(data);
    if (actual !== expected) {
      throw bad(
        `member ${JSON.stringify(member)} fails its CRC-32 check (recorded ${hex(expected)}, data ${hex(actual)}); ` +
          `the file is corrupt: write it again from its source`,
      );
    }
    defineEntry(out, member.slice(0, -4), decodeNpy(data, `${name}:${member}`));
  }
  return out;
}

const hex = (v: number): string => `0x${v.toString(16).padStart(8, "0")}`;

/**
 * The CRC-32 of every central directory record, in directory order (the order in which fflate's filter saw
 * the members). The end record is the last "PK\x05\x06" within the final 22 + 65 535 bytes (the comment may
 * take up to 65 535); a zip64 locator 20 bytes before it sends the reader to the zip64 end record, as fflate
 * does. Each record's name is compared with its local header's. Called before fflate reads the archive, so
 * every offset is checked against the archive's length.
 */
function centralDirectoryCrcs(bytes: Uint8Array, bad: (problem: string) => FormatError): Uint32Array {
  const z = zipReader(bytes, bad);
  const { u16, u32, u64 } = z;
  let end = bytes.length - 22;
  const stop = Math.max(0, bytes.length - 22 - 65_535);
  while (end >= stop && u32(end) !== 0x06054b50) end--;
  if (end < stop) throw bad("not a valid zip archive: no end-of-central-directory record");
  // the directory fflate reads: the zip64 end record's whenever its locator precedes the end record, else
  // the end record's own. Every count and size is written twice (entries on this disk and in all; the end
  // record's values beside the zip64 ones); the copies must agree, so that one flipped bit cannot make a
  // shorter directory that silently drops members
  const disk = u16(end + 8);
  let count = u16(end + 10);
  let size = u32(end + 12);
  let at = u32(end + 16);
  if (disk !== count) {
    throw bad(`zip end record lists ${disk} entries on this disk but ${count} in all; corrupt file`);
  }
  if (end >= 20 && u32(end - 20) === 0x07064b50) {
    const end64 = u64(end - 12);
    if (u32(end64) !== 0x06064b50) throw bad("zip64 end-of-central-directory record not found");
    const disk64 = u64(end64 + 24);
    const count64 = u64(end64 + 32);
    const size64 = u64(end64 + 40);
    const at64 = u64(end64 + 48);
    if (disk64 !== count64) {
      throw bad(`zip64 end record lists ${disk64} entries on this disk but ${count64} in all; corrupt file`);
    }
    if (
      (count !== 0xffff && count !== count64) ||
      (size !== 0xffffffff && size !== size64) ||
      (at !== 0xffffffff && at !== at64)
    ) {
      throw bad("zip end record and zip64 end record describe different central directories; corrupt file");
    }
    count = count64;
    size = size64;
    at = at64;
  } else if (count === 0xffff || at === 0xffffffff) {
    throw bad("zip64 end-of-central-directory locator not found");
  }
  if (count > Math.floor(bytes.length / CENTRAL_RECORD_BYTES)) {
    throw bad("zip central directory lists more entries than the archive can hold; corrupt file");
  }
  const start = at;
  const crcs = new Uint32Array(count);
  for (let k = 0; k < count; k++) {
    if (u32(at) !== 0x02014b50) throw bad(`zip central directory record ${k} has a wrong signature`);
    crcs[k] = u32(at + 16);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    // the member's name is written twice, here and in its local header: a byte changed in one copy would
    // rename the array (fflate reads the central copy), so both must agree, as numpy's zipfile requires
    const local = localHeaderOffset(z, at, extraLength);
    if (u32(local) !== 0x04034b50) throw bad(`zip member ${k} has no local header where its record points`);
    const localNameLength = u16(local + 26);
    if (local + 30 + localNameLength > bytes.length)
      throw bad("zip central directory points outside the archive");
    const central = bytes.subarray(at + CENTRAL_RECORD_BYTES, at + CENTRAL_RECORD_BYTES + nameLength);
    const own = bytes.subarray(local + 30, local + 30 + localNameLength);
    // bit 11 of the flags says whether a name is UTF-8 (else CP437; fflate reads latin-1): a name with a byte
    // above 0x7f reads differently when the two copies disagree, as numpy notices
    const flags = u16(at + 8);
    const localFlags = u16(local + 6);
    const utf8Differs = ((flags ^ localFlags) & 0x800) !== 0 && central.some((b) => b > 0x7f);
    if (nameLength !== localNameLength || central.some((b, i) => b !== own[i]) || utf8Differs) {
      throw bad(
        `zip member ${k} is named ${JSON.stringify(nameText(central, flags))} in the central directory ` +
          `but ${JSON.stringify(nameText(own, localFlags))} in its local header; the file is corrupt: ` +
          `write it again from its source`,
      );
    }
    at += CENTRAL_RECORD_BYTES + nameLength + extraLength + u16(at + 32);
  }
  if (at - start !== size) {
    throw bad(
      `zip central directory is ${size} bytes long but its ${count} records take ${at - start}; ` +
        `the entry count or the size is corrupt`,
    );
  }
  return crcs;
}

/** Little-endian reads of an archive's fields; one outside the archive is a FormatError from `bad`. */
interface ZipReader {
  u16(at: number): number;
  u32(at: number): number;
  u64(at: number): number;
}

function zipReader(bytes: Uint8Array, bad: (problem: string) => FormatError): ZipReader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const inside = (at: number, n: number): number => {
    if (at < 0 || at + n > bytes.length) throw bad("zip central directory points outside the archive");
    return at;
  };
  const u32 = (at: number): number => view.getUint32(inside(at, 4), true);
  return {
    u16: (at) => view.getUint16(inside(at, 2), true),
    u32,
    u64: (at) => u32(at) + u32(at + 4) * 2 ** 32,
  };
}

/** A name as its flags say to read it: UTF-8 when bit 11 is set, else one character per byte. */
const nameText = (b: Uint8Array, flags: number): string =>
  (flags & 0x800) !== 0 ? new TextDecoder().decode(b) : String.fromCharCode(...b);

/**
 * Where the local header of the central record at `at` starts: its 32-bit field, or, when that holds
 * 0xffffffff, the zip64 extra field (id 1), whose 64-bit values come in the order uncompressed size,
 * compressed size, offset, each present only when its 32-bit field holds 0xffffffff.
 */
function localHeaderOffset({ u16, u32, u64 }: ZipReader, at: number, extraLength: number): number {
  const offset = u32(at + 42);
  if (offset !== 0xffffffff) return offset;
  let field = at + CENTRAL_RECORD_BYTES + u16(at + 28);
  const end = field + extraLength;
  while (field + 4 <= end) {
    const size = u16(field + 2);
    if (u16(field) === 0x0001) {
      let value = field + 4;
      if (u32(at + 24) === 0xffffffff) value += 8;
      if (u32(at + 20) === 0xffffffff) value += 8;
      return u64(value);
    }
    field += 4 + size;
  }
  return offset;
}
