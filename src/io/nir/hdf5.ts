/**
 * HDF5 bytes in and out through h5wasm (usnistgov/h5wasm: the HDF5 C library compiled to WebAssembly, with the
 * wasm inlined in its JS), adapted to the interfaces of hdf5-tree.ts. Runs in Node and in browsers: it uses
 * h5wasm's default ESM build, whose file system is in memory (Emscripten MEMFS), so a file being read can
 * never reach the real file system (no external links, external storage or virtual datasets resolve).
 *
 * Guards against damaged input, found by fuzzing real NIR files (docs/nir.md, "Damaged files"):
 *   1. the superblock is checked before h5wasm sees the bytes: signature, version, offset size, and the
 *      end-of-file address against the real length (truncated files stop here, with a clear message), and
 *      so are the global heaps that hold every variable-length string (damaged ones made HDF5 spin for
 *      seconds or allocate a gigabyte);
 *   2. every dataset's declared size is checked against what the file can hold before it is decoded: at most
 *      the file length when stored raw, at most DEFLATE_MAX_RATIO times the file length when filtered
 *      (deflate cannot expand more), and the total over all datasets likewise;
 *   3. h5wasm's WebAssembly memory may grow only by a budget while a file is read (a corrupt
 *      variable-length string length once made HDF5 allocate 1.1 GB): `WebAssembly.Memory.prototype.grow`
 *      is wrapped so that growing h5wasm's own memory past the budget fails, which HDF5 reports as a failed
 *      allocation (an ordinary error); other modules' memories are not affected;
 *   4. HDF5's error stacks are turned into exceptions (h5wasm's throwing error handler) instead of being
 *      printed, and every failure, including WebAssembly traps ("memory access out of bounds"), becomes a
 *      FormatError naming the file.
 * Limitation: a read cannot be interrupted in the calling thread; in Node, guarded.ts runs it in a worker
 * with a time budget and a fresh h5wasm after any trap.
 */
import { FormatError, InvalidParameterError } from "../../core/errors.ts";
import { log } from "../../core/log.ts";
import type {
  H5Dataset,
  H5DatasetInfo,
  H5Entry,
  H5Group,
  H5Value,
  H5WriteDataset,
  H5WriteGroup,
} from "./hdf5-tree.ts";
import { fail } from "./hdf5-tree.ts";
import { checkSuperblock } from "./hdf5-guard.ts";

export { checkSuperblock };

/** Largest expansion of deflate (RFC 1951: a stored stream of repeated symbols tops out near 1032:1). */
export const DEFLATE_MAX_RATIO = 1032;
const WASM_PAGE = 65536;
/** Heap head-room for HDF5's own structures (metadata and chunk caches) while reading one file. */
const HEAP_SLACK_BYTES = 32 * 2 ** 20;

export interface Hdf5ReadLimits {
  /** Largest total of decoded dataset bytes, whatever the file's size. Default 1 GiB. */
  readonly maxDecodedBytes?: number;
}

// ---- h5wasm loading ----

interface H5Module {
  FS: {
    writeFile(path: string, data: Uint8Array): void;
    readFile(path: string): Uint8Array;
    unlink(path: string): void;
  };
  HEAPU8: Uint8Array;
  activate_throwing_error_handler(): number;
}

interface H5Metadata {
  type: number;
  size: number;
  signed: boolean;
  vlen: boolean;
  shape: number[] | null;
}

interface H5wasmDataset {
  readonly metadata: H5Metadata;
  readonly filters: unknown[];
  readonly value: unknown;
}

interface H5wasmGroup {
  keys(): string[];
  get(name: string): unknown;
  create_group(name: string): H5wasmGroup;
  create_dataset(args: {
    name: string;
    data: unknown;
    shape?: number[] | null;
    dtype?: string | null;
    chunks?: number[] | null;
    compression?: number | "gzip";
  }): unknown;
}

interface H5wasmFile extends H5wasmGroup {
  close(): unknown;
}

interface H5wasmApi {
  File: new (path: string, mode: "r" | "w") => H5wasmFile;
  Group: abstract new (...args: never[]) => H5wasmGroup;
  Dataset: abstract new (...args: never[]) => H5wasmDataset;
  ready: Promise<H5Module>;
}

export interface Loaded {
  readonly api: H5wasmApi;
  readonly module: H5Module;
}

let loading: Promise<Loaded> | null = null;
/** Bytes h5wasm's memory may reach while a read is in progress (Infinity otherwise). */
let heapCap = Infinity;
let fileCounter = 0;
let trapped = false;

interface WasmMemoryLike {
  readonly buffer: ArrayBuffer;
  grow(delta: number): number;
}

function installGrowCap(module: H5Module): void {
  const wasm = (globalThis as { WebAssembly?: { Memory?: { prototype: WasmMemoryLike } } }).WebAssembly;
  const proto = wasm?.Memory?.prototype;
  if (!proto) return;
  const original = proto.grow;
  proto.grow = function (this: WasmMemoryLike, delta: number): number {
    if (this.buffer === module.HEAPU8.buffer && this.buffer.byteLength + delta * WASM_PAGE > heapCap) {
      throw new RangeError(`h5wasm memory budget of ${heapCap} bytes reached`);
    }
    return original.call(this, delta);
  };
}

/** Loads h5wasm once (about 4 MB of JS with the wasm inlined). */
export function loadHdf5(): Promise<Loaded> {
  loading ??= (async () => {
    const imported = (await import("h5wasm")) as unknown as { default: H5wasmApi };
    const api = imported.default;
    const module = await api.ready;
    module.activate_throwing_error_handler();
    installGrowCap(module);
    return { api, module };
  })();
  return loading;
}

/** Size of h5wasm's WebAssembly memory in bytes (it never shrinks), or 0 before h5wasm is loaded. */
export async function hdf5HeapBytes(): Promise<number> {
  if (loading === null) return 0;
  return (await loading).module.HEAPU8.length;
}

/** Whether h5wasm hit a WebAssembly trap in this thread (its state may be damaged; guarded.ts restarts it). */
export function hdf5Trapped(): boolean {
  return trapped;
}

// ---- reading ----

interface ReadContext {
  readonly file: string;
  readonly api: H5wasmApi;
  readonly fileBytes: number;
  readonly maxTotal: number;
  decoded: number;
}

/** The deepest HDF5 error description in an h5wasm error, or the message's first line. */
export function summarizeHdf5Error(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const name = e instanceof Error ? e.name : "";
  if (name === "RuntimeError") return `WebAssembly trap in h5wasm (${text})`;
  const entries = [...text.matchAll(/#\d+: .*? in (\w+)\(\): (.*)/g)];
  if (entries.length > 0) {
    const last = entries[entries.length - 1];
    return `HDF5: ${last[2].trim()} (in ${last[1]})`;
  }
  return text.split("\n")[0].slice(0, 200);
}

function wrapError(ctx: ReadContext, path: string, e: unknown): never {
  if (e instanceof FormatError) throw e;
  if (e instanceof Error && e.name === "RuntimeError" && !trapped) {
    trapped = true;
    log.warn(
      "nir-hdf5-trap",
      `h5wasm hit a WebAssembly trap reading ${ctx.file}; its state may be damaged for later reads in this ` +
        `thread: read untrusted NIR files with readNirFile (a worker that is restarted after a trap)`,
    );
  }
  fail(
    ctx.file,
    path,
    `cannot be read (${summarizeHdf5Error(e)}); the file is damaged or not written by NIR`,
  );
}

function datasetInfo(meta: H5Metadata): H5DatasetInfo {
  const shape = meta.shape ?? [];
  if (meta.type === 1 && (meta.size === 4 || meta.size === 8)) {
    return {
      shape,
      kind: "float",
      elementBytes: meta.size,
      describe: meta.size === 4 ? "float32" : "float64",
    };
  }
  if (meta.type === 0 && meta.size >= 1 && meta.size <= 8) {
    return {
      shape,
      kind: "int",
      elementBytes: meta.size,
      describe: `${meta.signed ? "" : "u"}int${8 * meta.size}`,
    };
  }
  if (meta.type === 3)
    return { shape, kind: "string", elementBytes: meta.vlen ? 16 : meta.size, describe: "string" };
  const names: Record<number, string> = {
    1: "float",
    2: "time",
    4: "bitfield",
    5: "opaque",
    6: "compound",
    7: "reference",
    8: "enum",
    9: "vlen",
    10: "array",
  };
  return {
    shape,
    kind: "other",
    elementBytes: Math.max(1, meta.size),
    describe: `${names[meta.type] ?? "type " + String(meta.type)}${meta.type === 1 ? String(8 * meta.size) : ""}`,
  };
}

function checkedCount(ctx: ReadContext, path: string, info: H5DatasetInfo, filtered: boolean): number {
  let n = 1;
  for (const d of info.shape) {
    if (!Number.isSafeInteger(d) || d < 0)
      fail(ctx.file, path, `has an invalid dimension ${String(d)} (damaged)`);
    n *= d;
  }
  const bytes = n * info.elementBytes;
  const limit = filtered ? DEFLATE_MAX_RATIO * ctx.fileBytes : ctx.fileBytes;
  if (!(bytes <= limit) || ctx.decoded + bytes > ctx.maxTotal) {
    fail(
      ctx.file,
      path,
      `declares [${info.shape.join(", ")}] ${info.describe} (${bytes} bytes), more than a ` +
        `${ctx.fileBytes}-byte file can hold${filtered ? " even compressed" : ""} (damaged)`,
      { bytes, limit },
    );
  }
  ctx.decoded += bytes;
  return n;
}

function toNumbers(value: unknown): number[] | null {
  if (typeof value === "number") return [value];
  if (typeof value === "bigint") return [Number.isSafeInteger(Number(value)) ? Number(value) : NaN];
  if (ArrayBuffer.isView(value) || Array.isArray(value)) {
    const out: number[] = [];
    for (const x of Array.from(value as ArrayLike<unknown>)) {
      if (typeof x === "bigint") out.push(Number.isSafeInteger(Number(x)) ? Number(x) : NaN);
      else if (typeof x === "number") out.push(x);
      else return null;
    }
    return out;
  }
  return null;
}

function decodeValue(ctx: ReadContext, path: string, info: H5DatasetInfo, n: number, raw: unknown): H5Value {
  const shape = info.shape;
  const wrongCount = (got: number): never =>
    fail(ctx.file, path, `holds ${got} values but its shape [${shape.join(", ")}] needs ${n} (damaged)`);
  switch (info.kind) {
    case "float": {
      let data: Float32Array | Float64Array;
      if (raw instanceof Float32Array || raw instanceof Float64Array) data = raw;
      else if (typeof raw === "number")
        data = info.elementBytes === 4 ? Float32Array.of(raw) : Float64Array.of(raw);
      else return fail(ctx.file, path, `float dataset decoded to ${typeof raw} (damaged)`);
      if (data.length !== n) wrongCount(data.length);
      return { kind: "float", shape, data };
    }
    case "int": {
      const data = toNumbers(raw);
      if (data === null) return fail(ctx.file, path, `integer dataset decoded to ${typeof raw} (damaged)`);
      if (data.length !== n) wrongCount(data.length);
      return { kind: "int", shape, data };
    }
    case "string": {
      const data = typeof raw === "string" ? [raw] : Array.isArray(raw) ? raw : null;
      if (data === null || !data.every((s) => typeof s === "string")) {
        return fail(ctx.file, path, `string dataset decoded to something else (damaged)`);
      }
      if (data.length !== n) wrongCount(data.length);
      return { kind: "string", shape, data: data as string[] };
    }
    default:
      return fail(ctx.file, path, `is a ${info.describe} dataset, which NIR never stores`);
  }
}

function wrapDataset(ctx: ReadContext, d: H5wasmDataset, path: string): H5Dataset {
  let info: H5DatasetInfo;
  let filtered: boolean;
  try {
    info = datasetInfo(d.metadata);
    filtered = d.filters.length > 0;
  } catch (e) {
    wrapError(ctx, path, e);
  }
  return {
    kind: "dataset",
    path,
    info,
    read(): H5Value {
      const n = checkedCount(ctx, path, info, filtered);
      let raw: unknown;
      try {
        raw = d.value;
      } catch (e) {
        wrapError(ctx, path, e);
      }
      return decodeValue(ctx, path, info, n, raw);
    },
  };
}

function wrapGroup(ctx: ReadContext, g: H5wasmGroup, path: string): H5Group {
  const join = (name: string): string => (path === "/" ? `/${name}` : `${path}/${name}`);
  return {
    kind: "group",
    path,
    keys(): readonly string[] {
      try {
        return g.keys();
      } catch (e) {
        wrapError(ctx, path, e);
      }
    },
    get(name: string): H5Entry | null {
      let child: unknown;
      try {
        child = g.get(name);
      } catch (e) {
        wrapError(ctx, join(name), e);
      }
      if (child instanceof ctx.api.Group) return wrapGroup(ctx, child, join(name));
      if (child instanceof ctx.api.Dataset) return wrapDataset(ctx, child, join(name));
      return null;
    },
  };
}

/**
 * Opens `bytes` as an HDF5 file and runs `fn` on its root group; the file is closed and removed from the
 * in-memory file system afterwards, whatever happens. Every failure is a FormatError naming `file`.
 */
export async function withHdf5File<T>(
  bytes: Uint8Array,
  file: string,
  fn: (root: H5Group) => T,
  limits: Hdf5ReadLimits = {},
): Promise<T> {
  if (bytes instanceof Uint8Array) checkSuperblock(bytes, file);
  return withHdf5FileSync(await loadHdf5(), bytes, file, fn, limits);
}

/** As withHdf5File, synchronously, once `loadHdf5()` has resolved (its result is the first argument). */
export function withHdf5FileSync<T>(
  loaded: Loaded,
  bytes: Uint8Array,
  file: string,
  fn: (root: H5Group) => T,
  limits: Hdf5ReadLimits = {},
): T {
  if (!(bytes instanceof Uint8Array)) {
    throw new InvalidParameterError(
      `${file}: expected the file's bytes as a Uint8Array, got ${typeof bytes}`,
    );
  }
  checkSuperblock(bytes, file);
  const { api, module } = loaded;
  const maxTotal = Math.min(limits.maxDecodedBytes ?? 2 ** 30, DEFLATE_MAX_RATIO * bytes.length + 65536);
  const ctx: ReadContext = { file, api, fileBytes: bytes.length, maxTotal, decoded: 0 };
  const path = `/spikeflow-nir-${++fileCounter}.h5`;
  heapCap = Math.min(2 ** 31, module.HEAPU8.length + HEAP_SLACK_BYTES + 2 * maxTotal);
  let h5: H5wasmFile | null = null;
  try {
    module.FS.writeFile(path, bytes);
    try {
      h5 = new api.File(path, "r");
    } catch (e) {
      wrapError(ctx, "/", e);
    }
    return fn(wrapGroup(ctx, h5, "/"));
  } finally {
    try {
      h5?.close();
    } catch {
      // the file was damaged; the error that matters has been thrown already or the result is complete
    }
    try {
      module.FS.unlink(path);
    } catch {
      // never written (out of memory): nothing to remove
    }
    heapCap = Infinity;
  }
}

// ---- writing ----

function writeDataset(group: H5wasmGroup, name: string, d: H5WriteDataset): void {
  const v = d.value;
  const shape = [...v.shape];
  const n = shape.reduce((a, b) => a * b, 1);
  const compress = d.compress === true && shape.length > 0 && n > 0 && v.kind !== "string";
  const extra = compress ? { chunks: shape, compression: 4 } : {};
  switch (v.kind) {
    case "float":
      group.create_dataset({ name, data: v.data, shape, ...extra });
      return;
    case "int":
      group.create_dataset({ name, data: BigInt64Array.from(v.data, (x) => BigInt(x)), shape, ...extra });
      return;
    case "string":
      if (shape.length === 0) group.create_dataset({ name, data: v.data[0] });
      else group.create_dataset({ name, data: [...v.data], shape, dtype: "S" });
      return;
  }
}

function writeChildren(group: H5wasmGroup, tree: H5WriteGroup): void {
  for (const [name, child] of tree.children) {
    if (child.kind === "group") writeChildren(group.create_group(name), child);
    else writeDataset(group, name, child);
  }
}

/**
 * The clock HDF5 reads while spikeflow writes a file (the Unix epoch). HDF5 stamps every object with its
 * creation and modification time, which h5wasm offers no switch to leave out; its library reads the time
 * through `Date.now`, so a write that sees a fixed clock gives the same bytes for the same tree, whenever it
 * runs (as reproducible builds fix SOURCE_DATE_EPOCH).
 */
const HDF5_WRITE_CLOCK_MS = 0;

/** Writes a tree as an HDF5 file and returns its bytes, the same bytes for the same tree. */
export async function writeHdf5(tree: H5WriteGroup): Promise<Uint8Array> {
  const { api, module } = await loadHdf5();
  const path = `/spikeflow-nir-${++fileCounter}.h5`;
  // synchronous from here to the restore: no other code runs while Date.now is fixed
  const clock = Date.now;
  Date.now = () => HDF5_WRITE_CLOCK_MS;
  try {
    const h5 = new api.File(path, "w");
    try {
      writeChildren(h5, tree);
    } finally {
      h5.close();
    }
    return module.FS.readFile(path).slice();
  } finally {
    Date.now = clock;
    try {
      module.FS.unlink(path);
    } catch {
      // already gone
    }
  }
}
