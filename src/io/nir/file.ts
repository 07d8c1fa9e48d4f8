/**
 * NIR files on disk (Node only): read (in a guarded worker by default), write (atomically), import into a
 * spikeflow network, export a network. The pure pieces are codec.ts, import.ts and export.ts.
 */
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { FormatError, InvalidParameterError, NotFoundError, describeValue } from "../../core/errors.ts";
import { optionKeys, requireKnownKeys } from "../../core/options.ts";
import { Network } from "../../network/network.ts";
import { isDirectory, requireFilePathWritable, writeFileAtomic } from "../atomic.ts";
import { decodeNir, encodeNir } from "./codec.ts";
import type { DecodeNirOptions } from "./codec.ts";
import { NIR_EXPORT_KEYS, networkToNir } from "./export.ts";
import type { NirExportOptions } from "./export.ts";
import type { NirDocument } from "./graph.ts";
import { readNirGuarded } from "./guarded.ts";
import type { NirReaderOptions } from "./guarded.ts";
import { NIR_IMPORT_KEYS, nirToNetwork } from "./import.ts";
import type { NirImport, NirImportOptions } from "./import.ts";

export interface ReadNirFileOptions extends DecodeNirOptions, NirReaderOptions {
  /** Decode in a worker with a time budget (guarded.ts). Default true; false decodes in this thread. */
  readonly isolate?: boolean;
  /** Largest file accepted. Default 2 GiB. */
  readonly maxFileBytes?: number;
}

/** The keys of ReadNirFileOptions. */
const READ_NIR_FILE_KEYS = optionKeys<ReadNirFileOptions>({
  danglingEdges: true,
  maxDecodedBytes: true,
  timeout_ms: true,
  recycleHeapBytes: true,
  isolate: true,
  maxFileBytes: true,
});

/**
 * Reads and validates a NIR file. Errors: NotFoundError, InvalidParameterError (a directory), FormatError
 * (named after the file), UnsupportedError.
 */
export async function readNirFile(path: string, opts: ReadNirFileOptions = {}): Promise<NirDocument> {
  requireKnownKeys("readNirFile options", opts, READ_NIR_FILE_KEYS);
  if (typeof path !== "string" || path.trim() === "") {
    throw new InvalidParameterError(
      `a NIR file's path must be a non-empty string, got ${JSON.stringify(path)}; give the path of a .nir file`,
    );
  }
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) {
      const inside = join(path, "model.nir");
      throw new InvalidParameterError(
        `${path} is a directory, not a NIR file; ` +
          (existsSync(inside) ? `the NIR file in it is ${inside}` : "pass the path of a .nir file"),
        { file: path },
      );
    }
    size = st.size;
  } catch (e) {
    if (e instanceof InvalidParameterError) throw e;
    throw new NotFoundError(`${path}: no such NIR file`, { file: path });
  }
  const max = opts.maxFileBytes ?? 2 ** 31;
  if (size > max) {
    throw new FormatError(`${path}: ${size} bytes is more than the ${max} bytes allowed (maxFileBytes)`, {
      file: path,
    });
  }
  const bytes = new Uint8Array(await readFile(path));
  return opts.isolate === false ? decodeNir(bytes, path, opts) : readNirGuarded(bytes, path, opts);
}

/** Writes a NIR document to `path` through a temporary file and a rename. */
export async function writeNirFile(path: string, doc: NirDocument): Promise<Uint8Array> {
  const bytes = await encodeNir(doc);
  await writeFileAtomic(path, bytes);
  return bytes;
}

export type ImportNirOptions = NirImportOptions & ReadNirFileOptions;

/**
 * Imports a NIR model: `file` is a path, the bytes of a file, or a document already read.
 * The result holds the network and the description of which node became which population or projection.
 */
export async function importNir(
  file: string | Uint8Array | NirDocument,
  opts: ImportNirOptions,
): Promise<NirImport> {
  if (opts === undefined || file === undefined) {
    throw new InvalidParameterError(
      "importNir(file, { dt_s }) needs the file (a path, its bytes or a parsed document) and the options " +
        'with at least dt_s, the simulation step in seconds, e.g. importNir("net.nir", { dt_s: 1e-3 })',
    );
  }
  requireKnownKeys("importNir options", opts, [...NIR_IMPORT_KEYS, ...READ_NIR_FILE_KEYS]);
  const readOptions: ReadNirFileOptions = pick(opts, READ_NIR_FILE_KEYS);
  let doc: NirDocument;
  let name = opts.file;
  if (typeof file === "string") {
    doc = await readNirFile(file, readOptions);
    name ??= file;
  } else if (file instanceof Uint8Array) {
    name ??= "model.nir";
    doc =
      opts.isolate === false
        ? await decodeNir(file, name, readOptions)
        : await readNirGuarded(file, name, readOptions);
  } else if (typeof file === "object" && file !== null && "graph" in file) {
    doc = file;
  } else {
    const promise = typeof (file as { then?: unknown } | null)?.then === "function";
    throw new InvalidParameterError(
      `importNir: pass a path, the file's bytes or a NirDocument, got ${describeValue(file)}` +
        (promise ? " (await it first)" : ""),
    );
  }
  const importOptions = pick(opts, NIR_IMPORT_KEYS) as unknown as NirImportOptions;
  return nirToNetwork(doc, { ...importOptions, ...(name === undefined ? {} : { file: name }) });
}

export interface ExportNirOptions extends NirExportOptions {
  /** Write the file here (atomically); omit to only get the bytes. */
  readonly path?: string;
}

/** The entries of `options` whose keys are in `keys`. */
function pick(options: object, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([k]) => keys.includes(k)));
}

/** Refuses an output path that cannot take the file (a directory, a missing directory, a path through a file) before any work. */
function refuseUnwritablePath(path: unknown): void {
  if (typeof path === "string" && isDirectory(path)) {
    throw new InvalidParameterError(
      `${path} is a directory; exportNir writes a file: pass a file path such as ${join(path, "model.nir")}`,
      { file: path },
    );
  }
  requireFilePathWritable(path, "exportNir path");
}

export interface ExportedNir {
  readonly bytes: Uint8Array;
  readonly document: NirDocument;
  readonly notes: readonly string[];
}

/** Exports a network as a NIR file (see export.ts for the conventions). */
export async function exportNir(network: Network, opts: ExportNirOptions = {}): Promise<ExportedNir> {
  if (!(network instanceof Network)) {
    const promise = typeof (network as { then?: unknown } | null)?.then === "function";
    throw new InvalidParameterError(
      `exportNir takes the Network to export, got ${describeValue(network)}${promise ? " (await it first)" : ""}`,
    );
  }
  requireKnownKeys("exportNir options", opts, [...NIR_EXPORT_KEYS, "path"]);
  const { path, ...exportOptions } = opts;
  if (path !== undefined) refuseUnwritablePath(path);
  const { document, notes } = networkToNir(network, exportOptions);
  const bytes = path === undefined ? await encodeNir(document) : await writeNirFile(path, document);
  return { bytes, document, notes };
}
