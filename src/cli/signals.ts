/**
 * Ctrl-C (SIGINT) and SIGTERM in the CLI.
 *
 * One listener per signal is installed once, by the first `stopRouter()` call (bin/spikeflow.js makes it
 * before the rest of the sources load; main.ts when the CLI is started without bin, as `npm start` does), and
 * stays until the process ends. It routes the signal to the handler of the moment: `untilInterrupted`'s while
 * a command works, `idle` otherwise. Commands never add or remove listeners themselves, because Node drops a
 * signal that arrives while the last listener of that signal is being replaced: a Ctrl-C at such a hand-off
 * was lost, and the command ran to its end.
 *
 * The first signal during `untilInterrupted` aborts its AbortSignal: the work stops at its next check and says
 * what it kept (an `Interrupted` error; the exit status is 128 + the signal's number, 130 or 143). A tenth of
 * a second later (REPEAT_WINDOW_MS) it removes the listeners, so that a second signal ends the process at
 * once, even inside synchronous work. A signal that reaches its listener within that tenth of a second of the
 * one before is a repeat of it, not a second one, and is dropped: GNU `timeout` sends its signal to the
 * command and then again to the command's process group, and ending the process on that copy left
 * half-written outputs and the run's lock file.
 * Limitation: a listener runs only when the main thread is free, so signals that arrive while it computes
 * (a search or an evaluation with --workers 1, between its jobs of trials) reach their listeners together
 * when it is: a second Ctrl-C sent then counts as a repeat, and the command stops as after one. Node tells a
 * listener nothing of when its signal arrived, so the two cannot be told apart.
 */

/** The signals that stop a command the way Ctrl-C does, with the exit status of each. */
export const STOP_SIGNALS: readonly (readonly [NodeJS.Signals, number])[] = [
  ["SIGINT", 130],
  ["SIGTERM", 143],
];

/** A stop signal within this many ms of the one before is a repeat of it (see the file comment). */
export const REPEAT_WINDOW_MS = 100;

/** Where a signal goes; one per process, kept under a global key so that every module copy shares it. */
interface StopRouter {
  /** The handler of the command at work; undefined between commands' work. */
  handler: ((status: number) => void) | undefined;
  /** Called when no command is at work. */
  idle: (status: number) => void;
  /** Removes the listeners: the next signal gets Node's default (the process ends at once). */
  release: () => void;
  /** Installs the listeners again (after `release`); a no-op while they are installed. */
  attach: () => void;
}

const ROUTER = Symbol.for("spikeflow.stop-signals");

/** The process's router, installed by the first call. */
export function stopRouter(): StopRouter {
  const g = globalThis as { [ROUTER]?: StopRouter };
  const existing = g[ROUTER];
  if (existing !== undefined) return existing;
  let attached = false;
  const router: StopRouter = {
    handler: undefined,
    idle: (status) => process.exit(status),
    release: () => {
      for (const [name, listener] of listeners) process.off(name, listener);
      attached = false;
    },
    attach: () => {
      if (!attached) for (const [name, listener] of listeners) process.on(name, listener);
      attached = true;
    },
  };
  let last = -Infinity;
  const listeners = STOP_SIGNALS.map(
    ([name, status]) =>
      [
        name,
        (): void => {
          const now = performance.now();
          if (now - last < REPEAT_WINDOW_MS) return; // a repeat of the signal just routed
          last = now;
          (router.handler ?? router.idle)(status);
        },
      ] as const,
  );
  router.attach();
  g[ROUTER] = router;
  return router;
}

/**
 * From here on a signal outside any command's work prints `spikeflow: interrupted` and exits with its status
 * (the exit hooks release run-directory locks). Called once the CLI's sources are loaded.
 */
export function takeOverStopSignals(): void {
  stopRouter().idle = (status) => {
    process.stderr.write("spikeflow: interrupted\n");
    process.exit(status);
  };
}

/** Ctrl-C or SIGTERM during a command: the message says what is kept; `status` is the exit status. */
export class Interrupted extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The Interrupted error that says `message` for the signal that aborted `signal`. */
export function interruption(signal: AbortSignal, message: string): Interrupted {
  const reason = signal.reason as unknown;
  return new Interrupted(message, reason instanceof Interrupted ? reason.status : 130);
}

/**
 * Runs `work` with a signal that the first Ctrl-C or SIGTERM aborts, so that the work stops at its next check
 * and says what it kept (an Interrupted error); a second one, from REPEAT_WINDOW_MS on, ends the process at
 * once.
 */
/** `work()`, or when it failed because `signal` was aborted (Ctrl-C, SIGTERM), an Interrupted saying `message`. */
export async function orInterrupted<T>(
  signal: AbortSignal,
  message: string,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (signal.aborted) throw interruption(signal, message);
    throw e;
  }
}

export async function untilInterrupted<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const router = stopRouter();
  const interrupt = new AbortController();
  const previous = router.handler;
  const handler = (status: number): void => {
    if (!interrupt.signal.aborted) {
      interrupt.abort(new Interrupted("interrupted", status));
      // the listeners stay through the repeat window (they drop a repeat), then go: Node's default ends the
      // process at the next signal, even inside synchronous work. They go in the check phase, after the poll
      // phase that hands out a signal received while the thread was busy: removed before it, that signal
      // would be dropped
      setTimeout(() => {
        setImmediate(() => {
          if (router.handler === handler) router.release();
        });
      }, REPEAT_WINDOW_MS).unref();
      return;
    }
    // a second signal that reached the listener before the timer ran (the work kept the thread busy)
    router.release();
    process.kill(process.pid, STOP_SIGNALS.find(([, code]) => code === status)?.[0] ?? "SIGINT");
  };
  router.handler = handler;
  try {
    return await work(interrupt.signal);
  } finally {
    router.handler = previous;
  }
}

/**
 * Runs synchronous `work` that cannot check a signal (a simulation in one piece) with Node's own handling:
 * Ctrl-C or SIGTERM ends the process at once instead of waiting for the work to end. Take no lock and write
 * nothing before it, since the process then ends without its exit hooks.
 */
export function withDefaultStop<T>(work: () => T): T {
  const router = stopRouter();
  router.release();
  try {
    return work();
  } finally {
    router.attach();
  }
}
