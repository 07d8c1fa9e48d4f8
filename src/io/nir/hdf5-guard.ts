/**
 * Structural checks of HDF5 bytes made before h5wasm sees them (pure): the superblock (HDF5 File Format
 * Specification, section II.A) and the global heap collections (section III.E). They exist because fuzzing
 * showed HDF5 failing badly on exactly these structures (hdf5.ts, docs/nir.md "Damaged files"): truncated
 * files are reported by name instead of as a page of HDF5 diagnostics, and damaged global heaps, where HDF5
 * keeps every variable-length string, made it spin for seconds or allocate a gigabyte.
 */
import { FormatError } from "../../core/errors.ts";

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function readAddress(bytes: Uint8Array, at: number, size: number): number {
  let v = 0;
  let allOnes = true;
  for (let k = size - 1; k >= 0; k--) {
    const b = bytes[at + k];
    if (b !== 0xff) allOnes = false;
    v = v * 256 + b;
  }
  return allOnes ? Infinity : v;
}

/**
 * Checks the HDF5 signature and superblock (format spec section II.A), that the end-of-file address fits
 * the bytes, and the global heaps (checkGlobalHeaps). Returns the signature's offset (0, or a power of two
 * >= 512 after a user block).
 */
export function checkSuperblock(bytes: Uint8Array, file: string): number {
  let at = -1;
  for (let off = 0; off + 8 <= bytes.length; off = off === 0 ? 512 : off * 2) {
    if (HDF5_SIGNATURE.every((b, k) => bytes[off + k] === b)) {
      at = off;
      break;
    }
  }
  if (at < 0) {
    throw new FormatError(
      `${file}: not an HDF5 file (no signature \\x89HDF\\r\\n\\x1a\\n at offset 0, 512, 1024, ...); ` +
        `a NIR file is HDF5, as written by nir.write`,
      { file },
    );
  }
  // the fields read below lie within the first 14 bytes after the signature's start
  if (at + 14 > bytes.length) {
    throw new FormatError(
      `${file}: truncated inside the HDF5 superblock (${bytes.length} bytes: the signature and no more)`,
      { file },
    );
  }
  const version = bytes[at + 8];
  let sizeOffsets: number;
  let eofAt: number;
  let baseAt: number;
  if (version === 0 || version === 1) {
    sizeOffsets = bytes[at + 13];
    baseAt = at + (version === 0 ? 24 : 28);
    eofAt = baseAt + 2 * sizeOffsets;
  } else if (version === 2 || version === 3) {
    sizeOffsets = bytes[at + 9];
    baseAt = at + 12;
    eofAt = baseAt + 2 * sizeOffsets;
  } else {
    throw new FormatError(
      `${file}: HDF5 superblock version ${String(version)} is not one of 0-3 (damaged or not HDF5)`,
      { file, version },
    );
  }
  if (sizeOffsets !== 2 && sizeOffsets !== 4 && sizeOffsets !== 8) {
    throw new FormatError(
      `${file}: HDF5 superblock gives ${sizeOffsets}-byte addresses; expected 2, 4 or 8 (damaged)`,
      {
        file,
        sizeOffsets,
      },
    );
  }
  if (eofAt + sizeOffsets > bytes.length) {
    throw new FormatError(`${file}: truncated inside the HDF5 superblock (${bytes.length} bytes)`, { file });
  }
  const base = readAddress(bytes, baseAt, sizeOffsets);
  const eof = readAddress(bytes, eofAt, sizeOffsets);
  if (!Number.isFinite(base) || !Number.isFinite(eof) || base + eof > bytes.length) {
    throw new FormatError(
      `${file}: truncated or damaged: the HDF5 superblock says the file ends at byte ` +
        `${Number.isFinite(base + eof) ? base + eof : "(undefined)"}, but it has ${bytes.length} bytes`,
      { file, eof: base + eof, length: bytes.length },
    );
  }
  const sizeLengths = version <= 1 ? bytes[at + 14] : bytes[at + 10];
  if (sizeLengths !== 2 && sizeLengths !== 4 && sizeLengths !== 8) {
    throw new FormatError(
      `${file}: HDF5 superblock gives ${sizeLengths}-byte lengths; expected 2, 4 or 8 (damaged)`,
      {
        file,
      },
    );
  }
  checkGlobalHeaps(bytes, file, sizeLengths);
  return at;
}

/**
 * Checks every global heap collection (format spec III.E, signature "GCOL", where HDF5 keeps the text of
 * variable-length strings, i.e. all of NIR's strings): the collection fits the file, and its objects
 * (index u16, reference count u16, reserved u32 = 0, size, data padded to 8 bytes) tile it, ending with the
 * free-space object (index 0) whose size is exactly what is left. Fuzzing found that HDF5 can spin for
 * seconds, or allocate a gigabyte, on a collection whose object headers are damaged; this stops them first.
 */
function checkGlobalHeaps(bytes: Uint8Array, file: string, sizeLengths: number): void {
  const bad = (at: number, why: string): never => {
    throw new FormatError(
      `${file}: damaged HDF5 global heap (variable-length strings) at byte ${at}: ${why}`,
      {
        file,
        at,
      },
    );
  };
  const lengthAt = (at: number): number => readAddress(bytes, at, sizeLengths);
  const head = 8 + sizeLengths;
  const objHead = 8 + sizeLengths;
  for (let at = bytes.indexOf(0x47); at >= 0 && at + head <= bytes.length; at = bytes.indexOf(0x47, at + 1)) {
    // "GCOL", version 1, three reserved zero bytes
    if (bytes[at + 1] !== 0x43 || bytes[at + 2] !== 0x4f || bytes[at + 3] !== 0x4c) continue;
    if (bytes[at + 4] !== 1 || bytes[at + 5] !== 0 || bytes[at + 6] !== 0 || bytes[at + 7] !== 0) continue;
    const size = lengthAt(at + 8);
    if (!(size >= head && at + size <= bytes.length)) bad(at, `its size ${size} does not fit the file`);
    const end = at + size;
    let pos = at + head;
    while (pos + objHead <= end) {
      const index = bytes[pos] | (bytes[pos + 1] << 8);
      const reserved = bytes[pos + 4] | bytes[pos + 5] | bytes[pos + 6] | bytes[pos + 7];
      const objSize = lengthAt(pos + 8);
      if (reserved !== 0) bad(pos, "an object header's reserved bytes are not zero");
      if (index === 0) {
        if (objSize !== end - pos) bad(pos, `the free space is ${objSize} bytes but ${end - pos} are left`);
        pos = end;
        break;
      }
      const stored = Math.ceil(objSize / 8) * 8;
      if (!(pos + objHead + stored <= end))
        bad(pos, `object ${index} of ${objSize} bytes runs past the collection`);
      pos += objHead + stored;
    }
    if (end - pos >= objHead) bad(pos, "the collection ends without its free-space object");
    at = end - 1;
  }
}
