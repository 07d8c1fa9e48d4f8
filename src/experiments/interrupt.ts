/**
 * Stopping long work when an AbortSignal is aborted (Ctrl-C or SIGTERM in the CLI): `pauses` for synchronous
 * work done piece by piece (training examples, test images, training trials), `unlessAborted` for a promise
 * (a worker pool's jobs). Both end with the signal's reason.
 */
import { performance } from "node:perf_hooks";

/**
 * A function to await between two pieces of synchronous work: about every 50 ms it lets the event loop run
 * (so that a signal handler can abort `signal`), then throws the reason of an aborted `signal`. Without a
 * signal it does nothing.
 */
export function pauses(signal: AbortSignal | undefined): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (signal === undefined || performance.now() - last < 50) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    last = performance.now();
    signal.throwIfAborted();
  };
}

/**
 * `promise`, or a rejection with the reason of `signal` as soon as it is aborted. The work behind `promise`
 * is not stopped: the caller ends it (a pool it destroys, or the process it exits).
 */
export function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason as Error);
    if (signal.aborted) abort();
    signal.addEventListener("abort", abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}
