/**
 * A worker pool (piscina). A TypeScript worker file (a checkout's sources) runs through tsx's loader; a
 * JavaScript one (the compiled package, dist/) runs as it is. `workers = 1` runs in the calling thread
 * instead, with identical results.
 */
import { availableParallelism } from "node:os";
import { Piscina } from "piscina";
import {
  DivergenceError,
  EncodingRangeError,
  FormatError,
  InvalidParameterError,
  NotFoundError,
  ShapeMismatchError,
  SpikeflowError,
  StateError,
  TimeStepError,
  UnsupportedError,
} from "../core/errors.ts";
import { isTypeScriptModule } from "../core/module-url.ts";

export function defaultWorkers(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

export function createPool(workerFile: URL, threads: number): Piscina {
  return new Piscina({
    filename: workerFile.href,
    minThreads: threads,
    maxThreads: threads,
    execArgv: isTypeScriptModule(workerFile) ? ["--import", import.meta.resolve("tsx")] : [],
  });
}

const WORKER_ERROR_TYPES: Readonly<Record<string, new (message: string) => SpikeflowError>> = Object.freeze({
  DivergenceError,
  EncodingRangeError,
  FormatError,
  InvalidParameterError,
  NotFoundError,
  ShapeMismatchError,
  StateError,
  TimeStepError,
  UnsupportedError,
});

/**
 * A typed error thrown in a pool's worker arrives as a plain Error: the structured clone keeps the message and
 * the stack, whose first line still reads "DivergenceError: ...", but the name becomes "Error". This makes the
 * typed error again (same class, same message; details are lost), so callers and the CLI treat it as the one
 * thrown; any other value is returned as it is.
 */
export function retypeWorkerError(e: unknown): unknown {
  if (e instanceof SpikeflowError || !(e instanceof Error)) return e;
  const name = e.name !== "Error" ? e.name : /^(\w+): /.exec(e.stack ?? "")?.[1];
  const type =
    name !== undefined && Object.hasOwn(WORKER_ERROR_TYPES, name) ? WORKER_ERROR_TYPES[name] : undefined;
  return type === undefined ? e : new type(e.message);
}
