// The stop-signal router of the CLI (src/cli/signals.ts), in child processes that signal themselves: no
// timing is involved, a signal sent to oneself is delivered at the next turn of the event loop.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

const SIGNALS = new URL("../../src/cli/signals.ts", import.meta.url).pathname;

/** Runs `body` (an ES module body with the router's functions imported) in a child; its status and output. */
function child(body: string): { status: number | null; signal: string | null; out: string } {
  const code =
    `import { stopRouter, takeOverStopSignals, untilInterrupted, withDefaultStop, Interrupted, REPEAT_WINDOW_MS } from ${JSON.stringify(SIGNALS)};\n` +
    body;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
    encoding: "utf8",
  });
  return { status: r.status, signal: r.signal, out: r.stdout + r.stderr };
}

test("a signal sent while commands' phases hand over is never lost", () => {
  // the router's listeners stay installed, so the signal reaches whichever handler holds it when it arrives:
  // a phase's (Interrupted) or the idle one between phases; before the router, a hand-off could drop it
  const r = child(`
    stopRouter().idle = (status) => {
      console.log("idle " + status);
      process.exit(status);
    };
    process.kill(process.pid, "SIGINT");
    for (let phase = 0; phase < 1000; phase++) {
      try {
        await untilInterrupted(async (signal) => {
          await new Promise((resolve) => setImmediate(resolve));
          signal.throwIfAborted();
        });
      } catch (e) {
        console.log("interrupted " + (e instanceof Interrupted ? e.status : e));
        process.exit(e.status);
      }
    }
    console.log("lost");
  `);
  assert.equal(r.status, 130, r.out);
  assert.match(r.out, /^(idle|interrupted) 130\n$/);
});

test("outside a command's work a signal prints one line and exits with its status; SIGTERM gives 143", () => {
  const r = child(`
    takeOverStopSignals();
    process.kill(process.pid, "SIGTERM");
    setTimeout(() => console.log("still running"), 5000);
  `);
  assert.equal(r.status, 143);
  assert.equal(r.out, "spikeflow: interrupted\n");
});

test("after the first signal a second one ends the process at once; withDefaultStop gives Node's own handling", () => {
  // past the repeat window the listeners are gone: Node's default ends the process
  const twice = child(`
    await untilInterrupted(async (signal) => {
      process.kill(process.pid, "SIGINT");
      for (let turn = 0; turn < 100000 && !signal.aborted; turn++) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      console.log("aborted " + signal.aborted);
      await new Promise((resolve) => setTimeout(resolve, REPEAT_WINDOW_MS + 300));
      process.kill(process.pid, "SIGINT");
      await new Promise((resolve) => setTimeout(resolve, 5000));
      console.log("still running");
    });
  `);
  assert.equal(twice.signal, "SIGINT");
  assert.equal(twice.out, "aborted true\n");
  // a second signal that reaches the listener late, because the work kept the thread busy past the window,
  // ends the process too
  const busy = child(`
    await untilInterrupted(async (signal) => {
      process.kill(process.pid, "SIGTERM");
      for (let turn = 0; turn < 100000 && !signal.aborted; turn++) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      const end = performance.now() + REPEAT_WINDOW_MS + 300;
      process.kill(process.pid, "SIGTERM");
      while (performance.now() < end); // synchronous work: the signal waits for the listener
      await new Promise((resolve) => setTimeout(resolve, 5000));
      console.log("still running");
    });
  `);
  assert.equal(busy.signal, "SIGTERM", busy.out);
  assert.equal(busy.out, "");
  const sync = child(`
    stopRouter();
    withDefaultStop(() => {
      process.kill(process.pid, "SIGINT");
      const end = Date.now() + 5000;
      while (Date.now() < end); // synchronous work that never yields
      console.log("finished");
    });
  `);
  assert.equal(sync.signal, "SIGINT", sync.out);
  assert.equal(sync.out, "");
});

test("a repeat of the stop signal (GNU timeout signals the command, then its process group) is one stop, not two", () => {
  const r = child(`
    try {
      await untilInterrupted(async (signal) => {
        process.kill(process.pid, "SIGINT");
        for (let turn = 0; turn < 100000 && !signal.aborted; turn++) {
          await new Promise((resolve) => setImmediate(resolve));
        }
        // the copy arrives after the first was handled, as timeout's second kill() can (two sent at once
        // would merge into one pending signal)
        process.kill(process.pid, "SIGINT");
        // the work's cleanup after the stop: the copy must not end the process in it
        await new Promise((resolve) => setTimeout(resolve, 50));
        console.log("cleaned up");
        signal.throwIfAborted();
      });
    } catch (e) {
      console.log("interrupted " + (e instanceof Interrupted ? e.status : e));
      process.exit(e.status);
    }
  `);
  assert.equal(r.signal, null, r.out);
  assert.equal(r.status, 130, r.out);
  assert.equal(r.out, "cleaned up\ninterrupted 130\n");
});
