/**
 * Worker side of guarded.ts (Node only): decodes NIR files sent by the parent thread with its own h5wasm
 * instance and answers with the document or the error, the warnings it logged, the size of h5wasm's memory
 * and whether h5wasm hit a WebAssembly trap (the parent then replaces this worker).
 */
import { parentPort } from "node:worker_threads";
import { SpikeflowError } from "../../core/errors.ts";
import { captureLogs } from "../../core/log.ts";
import type { LogRecord } from "../../core/log.ts";
import { decodeNirSync } from "./codec.ts";
import type { DecodeNirOptions } from "./codec.ts";
import type { NirDocument } from "./graph.ts";
import { hdf5Trapped, loadHdf5 } from "./hdf5.ts";

export interface DecodeRequest {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly file: string;
  readonly opts: DecodeNirOptions;
}

export interface DecodeReply {
  readonly id: number;
  readonly doc?: NirDocument;
  readonly error?: {
    readonly code: string;
    readonly message: string;
    readonly details: Record<string, unknown>;
  };
  readonly logs: readonly LogRecord[];
  readonly heapBytes: number;
  readonly trapped: boolean;
}

/** Sent once, when h5wasm is loaded and the worker takes requests. */
export interface ReadyMessage {
  readonly ready: true;
}

const port = parentPort;
if (port !== null) {
  const loading = loadHdf5();
  void loading.then(() => port.postMessage({ ready: true } satisfies ReadyMessage));
  port.on("message", (req: DecodeRequest) => {
    void (async () => {
      const loaded = await loading;
      let doc: NirDocument | undefined;
      let error: DecodeReply["error"];
      const logs = captureLogs(() => {
        try {
          doc = decodeNirSync(loaded, req.bytes, req.file, req.opts);
        } catch (e) {
          error =
            e instanceof SpikeflowError
              ? { code: e.code, message: e.message, details: { ...e.details } }
              : {
                  code: "format",
                  message: `${req.file}: unexpected ${String(e)}`,
                  details: { file: req.file },
                };
        }
      });
      const reply: DecodeReply = {
        id: req.id,
        ...(doc === undefined ? {} : { doc }),
        ...(error === undefined ? {} : { error }),
        logs,
        heapBytes: loaded.module.HEAPU8.length,
        trapped: hdf5Trapped(),
      };
      port.postMessage(reply);
    })();
  });
}
