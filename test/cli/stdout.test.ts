// The result on standard output may fail to be written (a full disk behind "> file"): the command says so in
// one line and exits with 2, instead of dying on an unhandled 'error' event with a stack trace; a reader that
// went away (EPIPE) ends it quietly.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { finishedRun } from "../helpers/runs.ts";
import { BIN, CLI_ENV } from "../helpers/cli.ts";

const root = mkdtempSync(join(tmpdir(), "spikeflow-stdout-"));
after(() => rmSync(root, { recursive: true, force: true }));

let run: string;
before(async () => {
  run = join(root, "run");
  await finishedRun(run);
});

test("a result that cannot be written to standard output is one line and exit 2", (t) => {
  if (!existsSync("/dev/full")) {
    t.skip("no /dev/full here");
    return;
  }
  const full = openSync("/dev/full", "w");
  try {
    const r = spawnSync(process.execPath, [BIN, "eval", run, "--json", "--quiet"], {
      encoding: "utf8",
      env: CLI_ENV,
      stdio: ["ignore", full, "pipe"],
    });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(
      r.stderr,
      "spikeflow: error: cannot write the result to standard output: ENOSPC: no space left on device, " +
        "write (the files it describes were written before it; plots/ and report.html, drawn after it, may be " +
        "missing)\n",
    );
  } finally {
    closeSync(full);
  }
  assert.ok(
    existsSync(join(run, "eval.json")),
    "the command's own file is written before the result is printed",
  );
  assert.equal(existsSync(join(run, ".spikeflow.lock")), false, "the run's lock is released");
});
