/**
 * A worker pool (piscina) running TypeScript workers through tsx. `workers = 1` runs in the calling thread
 * instead, with identical results.
 */
import { availableParallelism } from "node:os";
import { Piscina } from "piscina";

export function defaultWorkers(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

export function createPool(workerFile: URL, threads: number): Piscina {
  return new Piscina({
    filename: workerFile.href,
    minThreads: threads,
    maxThreads: threads,
    execArgv: ["--import", import.meta.resolve("tsx")],
  });
}
