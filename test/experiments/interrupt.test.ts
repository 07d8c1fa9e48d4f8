/**
 * unlessAborted (src/experiments/interrupt.ts) and retypeWorkerError (src/parallel/pool.ts): a failing
 * promise behind an abort signal rejects once, with its own error and no unhandled rejection left over, and
 * a typed error that crossed a worker thread as a plain Error (the structured clone keeps the message and
 * the stack but renames it "Error") gets its class back, so the CLI prints it as one line instead of a stack
 * trace.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { setImmediate as tick } from "node:timers/promises";
import { DivergenceError, FormatError, SpikeflowError } from "../../src/core/errors.ts";
import { unlessAborted } from "../../src/experiments/interrupt.ts";
import { retypeWorkerError } from "../../src/parallel/pool.ts";

test("unlessAborted: a rejection passes through once and leaves nothing unhandled; an abort rejects with its reason", async () => {
  const unhandled: unknown[] = [];
  const listener = (reason: unknown) => unhandled.push(reason);
  process.on("unhandledRejection", listener);
  try {
    const controller = new AbortController();
    const failure = new Error("worker failed");
    await assert.rejects(unlessAborted(Promise.reject(failure), controller.signal), (e) => e === failure);
    assert.equal(await unlessAborted(Promise.resolve(7), controller.signal), 7);
    const reason = new Error("stopped");
    const pending = unlessAborted(new Promise<number>(() => {}), controller.signal);
    controller.abort(reason);
    await assert.rejects(pending, (e) => e === reason);
    await tick();
    await tick();
    assert.deepEqual(unhandled, []);
  } finally {
    process.off("unhandledRejection", listener);
  }
});

test("retypeWorkerError: the class named by the stack's first line comes back; other values pass unchanged", () => {
  const crossed = new Error("ANN training diverged: the loss is NaN");
  crossed.stack =
    "DivergenceError: ANN training diverged: the loss is NaN\n    at trainAnn (ann-train.ts:1:1)";
  const back = retypeWorkerError(crossed);
  assert.ok(back instanceof DivergenceError);
  assert.equal((back as Error).message, "ANN training diverged: the loss is NaN");
  const named = new Error("bad header");
  named.name = "FormatError";
  assert.ok(retypeWorkerError(named) instanceof FormatError);
  const typed = new FormatError("kept");
  assert.equal(retypeWorkerError(typed), typed);
  const plain = new TypeError("x is not a function");
  assert.equal(retypeWorkerError(plain), plain);
  const unknown = new Error("m");
  unknown.stack = "SomethingError: m";
  assert.equal(retypeWorkerError(unknown), unknown);
  assert.equal(retypeWorkerError("text"), "text");
  assert.ok(!(retypeWorkerError(plain) instanceof SpikeflowError));
});
