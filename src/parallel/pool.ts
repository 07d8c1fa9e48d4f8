/**
 * A worker pool (piscina). A TypeScript worker file (a checkout's sources) runs through tsx's loader; a
 * JavaScript one (the compiled package, dist/) runs as it is. `workers = 1` runs in the calling thread
 * instead, with identical results.
 */
import { availableParallelism } from "node:os";
import { Piscina } from "piscina";
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
