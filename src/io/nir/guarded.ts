/**
 * Reading NIR files from untrusted sources with a time budget (Node only).
 *
 * h5wasm runs HDF5's C code synchronously; a damaged file could in principle make it loop, and a WebAssembly
 * trap ("memory access out of bounds", seen on about 1 % of bit-flipped NIR files) may leave its state
 * damaged. A `NirReader` therefore decodes in a worker thread with its own h5wasm:
 *   - a read that takes longer than `timeout_ms` (counted once the worker has loaded h5wasm) terminates the
 *     worker and fails with a FormatError;
 *   - after a trap, or once h5wasm's memory has grown past `recycleHeapBytes` (WebAssembly memory never
 *     shrinks), the worker is replaced before the next read;
 *   - warnings logged in the worker are logged again here, with their ids.
 * The worker starts on the first read (about a second: h5wasm is 4 MB of JS) and is reused.
 */
import { Worker } from "node:worker_threads";
import { FormatError, InvalidParameterError, UnsupportedError, requirePositive } from "../../core/errors.ts";
import { log } from "../../core/log.ts";
import { isTypeScriptModule, siblingModule } from "../../core/module-url.ts";
import type { DecodeNirOptions } from "./codec.ts";
import type { DecodeReply, DecodeRequest, ReadyMessage } from "./decode-worker.ts";
import type { NirDocument } from "./graph.ts";

/** Longest wait for a new worker to load h5wasm (a loaded machine can take several seconds). */
const STARTUP_MS = 120_000;

export interface NirReaderOptions {
  /** Longest time one read may take. Default 30 000 ms. */
  readonly timeout_ms?: number;
  /** Replace the worker once h5wasm's memory exceeds this. Default 256 MiB. */
  readonly recycleHeapBytes?: number;
}

export interface NirReaderStats {
  readonly reads: number;
  readonly timeouts: number;
  readonly traps: number;
  /** Workers started. */
  readonly starts: number;
  /** Largest h5wasm memory any worker reported, in bytes. */
  readonly maxHeapBytes: number;
}

function rebuild(error: NonNullable<DecodeReply["error"]>): Error {
  switch (error.code) {
    case "unsupported":
      return new UnsupportedError(error.message, error.details);
    case "invalid-parameter":
      return new InvalidParameterError(error.message, error.details);
    default:
      return new FormatError(error.message, error.details);
  }
}

export class NirReader {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly timeout_ms: number;
  private readonly recycleHeapBytes: number;
  private readonly counts = { reads: 0, timeouts: 0, traps: 0, starts: 0, maxHeapBytes: 0 };
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: NirReaderOptions = {}) {
    this.timeout_ms = requirePositive("timeout_ms", opts.timeout_ms ?? 30_000);
    this.recycleHeapBytes = requirePositive("recycleHeapBytes", opts.recycleHeapBytes ?? 256 * 2 ** 20);
  }

  get stats(): NirReaderStats {
    return { ...this.counts };
  }

  /** Decodes one file; reads are served one at a time, in call order. */
  read(bytes: Uint8Array, file: string, opts: DecodeNirOptions = {}): Promise<NirDocument> {
    const run = this.queue.then(() => this.readNow(bytes, file, opts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stops the worker. The reader can still be used; the next read starts a new one. */
  async close(): Promise<void> {
    await this.queue;
    await this.stop();
  }

  private async stop(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w !== null) await w.terminate();
  }

  /** Starts a worker and waits until its h5wasm is loaded (so the read timeout excludes start-up). */
  private async start(): Promise<Worker> {
    const entry = siblingModule("./decode-worker", import.meta.url);
    // the TypeScript worker (a checkout's sources) starts from a plain-JS entry that registers tsx's loader
    const w = isTypeScriptModule(entry)
      ? new Worker(
          `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`,
          { eval: true },
        )
      : new Worker(entry);
    this.counts.starts++;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        void w.terminate();
        reject(new FormatError(`the NIR reader's worker did not start within ${STARTUP_MS} ms`));
      }, STARTUP_MS);
      w.once("message", (m: ReadyMessage) => {
        clearTimeout(timer);
        if (m.ready) resolve();
      });
      w.once("error", (e) => {
        clearTimeout(timer);
        reject(new FormatError(`the NIR reader's worker failed to start (${e.message})`));
      });
    });
    w.unref();
    this.worker = w;
    return w;
  }

  private async readNow(bytes: Uint8Array, file: string, opts: DecodeNirOptions): Promise<NirDocument> {
    if (!(bytes instanceof Uint8Array)) {
      throw new InvalidParameterError(
        `${file}: expected the file's bytes as a Uint8Array, got ${typeof bytes}`,
      );
    }
    this.counts.reads++;
    const w = this.worker ?? (await this.start());
    const id = ++this.nextId;
    const reply = await new Promise<DecodeReply>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        w.off("message", onMessage);
        w.off("error", onError);
        w.off("exit", onExit);
        w.unref();
      };
      const onMessage = (m: DecodeReply): void => {
        if (m.id !== id) return;
        cleanup();
        resolve(m);
      };
      const onError = (e: Error): void => {
        cleanup();
        this.worker = null;
        reject(new FormatError(`${file}: the NIR reader's worker failed (${e.message})`, { file }));
      };
      const onExit = (code: number): void => {
        cleanup();
        this.worker = null;
        reject(new FormatError(`${file}: the NIR reader's worker stopped (exit code ${code})`, { file }));
      };
      const timer = setTimeout(() => {
        cleanup();
        this.counts.timeouts++;
        void this.stop();
        reject(
          new FormatError(
            `${file}: reading took longer than ${this.timeout_ms} ms and was stopped; the file is damaged or ` +
              `very large (raise timeout_ms to wait longer)`,
            { file, timeout_ms: this.timeout_ms },
          ),
        );
      }, this.timeout_ms);
      w.ref();
      w.on("message", onMessage);
      w.on("error", onError);
      w.on("exit", onExit);
      const req: DecodeRequest = { id, bytes, file, opts };
      w.postMessage(req);
    });
    for (const r of reply.logs) {
      if (r.level === "warn") log.warn(r.id, r.message);
      else log[r.level](r.id, r.message);
    }
    this.counts.maxHeapBytes = Math.max(this.counts.maxHeapBytes, reply.heapBytes);
    if (reply.trapped) this.counts.traps++;
    if (reply.trapped || reply.heapBytes > this.recycleHeapBytes) await this.stop();
    if (reply.error !== undefined) throw rebuild(reply.error);
    return reply.doc!;
  }
}

/** Decodes one file in a fresh worker (see NirReader), then stops it. */
export async function readNirGuarded(
  bytes: Uint8Array,
  file: string,
  opts: DecodeNirOptions & NirReaderOptions = {},
): Promise<NirDocument> {
  const reader = new NirReader(opts);
  try {
    return await reader.read(bytes, file, opts);
  } finally {
    await reader.close();
  }
}
