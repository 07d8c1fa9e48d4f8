/** Test helper: the message of the InvalidParameterError a call throws. */
import assert from "node:assert/strict";
import { InvalidParameterError } from "../../src/core/errors.ts";

/** The InvalidParameterError message `act` throws (fails the test when it throws anything else or nothing). */
export function refusalOf(act: () => unknown): string {
  try {
    act();
  } catch (e) {
    assert.ok(e instanceof InvalidParameterError, `expected InvalidParameterError, got ${String(e)}`);
    return e.message;
  }
  assert.fail("expected a refusal");
}
