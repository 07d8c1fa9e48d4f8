/**
 * NIR files as bytes: `decodeNir` (bytes -> validated NirDocument) and `encodeNir` (NirDocument -> bytes),
 * through h5wasm (hdf5.ts). Runs in Node and browsers. Node callers reading untrusted files should prefer
 * `readNirFile` (file.ts), which adds a time budget and a worker (guarded.ts).
 */
import { FormatError, InvalidParameterError } from "../../core/errors.ts";
import type { NirDocument } from "./graph.ts";
import { NIR_WRITE_VERSION } from "./graph.ts";
import { memoryTree } from "./hdf5-tree.ts";
import { withHdf5File, withHdf5FileSync, writeHdf5 } from "./hdf5.ts";
import type { Hdf5ReadLimits, Loaded } from "./hdf5.ts";
import { parseNirTree } from "./read.ts";
import type { NirReadOptions } from "./read.ts";
import { nirToTree } from "./write.ts";
import { checkNirDocument } from "./check.ts";

export type DecodeNirOptions = NirReadOptions & Hdf5ReadLimits;

/** Reads a NIR file from its bytes. `file` names it in messages. Errors: FormatError, UnsupportedError. */
export function decodeNir(
  bytes: Uint8Array,
  file: string,
  opts: DecodeNirOptions = {},
): Promise<NirDocument> {
  return withHdf5File(bytes, file, (root) => parseNirTree(root, file, opts), opts);
}

/** decodeNir without awaiting, for a caller that has loaded h5wasm (`loadHdf5()`) and passes the result. */
export function decodeNirSync(
  loaded: Loaded,
  bytes: Uint8Array,
  file: string,
  opts: DecodeNirOptions = {},
): NirDocument {
  return withHdf5FileSync(loaded, bytes, file, (root) => parseNirTree(root, file, opts), opts);
}

/**
 * Writes a NIR document as the bytes of an HDF5 file. The document is validated first by reading its tree
 * back with the NIR reader, so nothing is written that `decodeNir` would reject; the version defaults to
 * NIR_WRITE_VERSION when empty.
 */
export async function encodeNir(doc: NirDocument): Promise<Uint8Array> {
  try {
    // a document built in code: every field of the in-memory model, before the tree is built from it
    checkNirDocument(doc, "graph");
    if (!("graph" in doc)) {
      throw new FormatError(
        'graph: encodeNir takes a document { version, graph }; wrap a bare graph as { version: "", graph } ' +
          '(version "" writes the newest)',
      );
    }
    if (typeof (doc as { version?: unknown }).version !== "string") {
      throw new FormatError(
        `graph: version must be a string such as "${NIR_WRITE_VERSION}" ("" writes the newest), got ` +
          `${JSON.stringify((doc as { version?: unknown }).version)}`,
      );
    }
    const fixed: NirDocument = doc.version === "" ? { ...doc, version: NIR_WRITE_VERSION } : doc;
    const tree = nirToTree(fixed);
    parseNirTree(memoryTree(tree), "graph", { danglingEdges: "error" });
    return await writeHdf5(tree);
  } catch (e) {
    if (e instanceof FormatError) {
      throw new InvalidParameterError(`cannot write this NIR graph: ${e.message}`, { ...e.details });
    }
    throw e;
  }
}
