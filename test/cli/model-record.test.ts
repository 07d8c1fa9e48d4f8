// How a run's summary.json vouches for its model (src/experiments/run-files.ts refuseForeignModel), and how the
// run files are read (src/io/json-file.ts): a damaged summary.json is refused, not skipped; a missing one or
// one without the record is a warning; a directory where a run file belongs and a JSON error are one line that
// names the file.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readRunJson } from "../../src/io/json-file.ts";
import { finishedRun } from "../helpers/runs.ts";
import { spawnSync } from "node:child_process";
import { BIN, cli } from "../helpers/cli.ts";

const root = mkdtempSync(join(tmpdir(), "spikeflow-record-"));
after(() => rmSync(root, { recursive: true, force: true }));

let run: string;
before(async () => {
  run = join(root, "run");
  await finishedRun(run);
});

/** `spikeflow ...args` with the library's warnings printed (the other CLI tests silence them). */
function cliWarn(...args: string[]): { code: number | null; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, SPIKEFLOW_LOG: "warn" },
  });
  return { code: r.status, err: r.stderr };
}

/** A copy of the finished run, named `name`. */
function copy(name: string): string {
  const dir = join(root, name);
  cpSync(run, dir, { recursive: true });
  return dir;
}

test("a damaged summary.json stops eval instead of letting any model pass", () => {
  const dir = copy("truncated");
  const summary = join(dir, "summary.json");
  const text = readFileSync(summary, "utf8");
  writeFileSync(summary, text.slice(0, text.length >> 1));
  const r = cli("eval", dir, "--quiet");
  assert.equal(r.code, 2, r.err);
  assert.match(
    r.err,
    new RegExp(
      `^spikeflow: error: ${summary.replace(/[.]/g, "\\.")} is not valid JSON \\([^\\n]*\\); the file was edited or is damaged \\(train the run again\\)\\n$`,
    ),
  );
});

test("a summary.json without the model record, or none at all, is a warning that the model cannot be checked", () => {
  const noRecord = copy("no-record");
  const summary = join(noRecord, "summary.json");
  const doc = JSON.parse(readFileSync(summary, "utf8")) as Record<string, unknown>;
  delete doc.model;
  writeFileSync(summary, JSON.stringify(doc));
  const manifest = join(noRecord, "model", "model.json");
  let r = cliWarn("eval", noRecord, "--quiet");
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.err,
    new RegExp(
      `${summary.replace(/[.]/g, "\\.")} records no "model" \\(a run written before spikeflow recorded it, or an edited file\\), so ${manifest.replace(/[.]/g, "\\.")} cannot be checked against the run that trained it`,
    ),
  );

  const noSummary = copy("no-summary");
  rmSync(join(noSummary, "summary.json"));
  r = cliWarn("eval", noSummary, "--quiet");
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.err,
    /summary\.json does not exist, so .*model\.json cannot be checked against the run that trained it/,
  );
});

test("a run file that is a directory, or JSON that does not parse, is one line naming the file", () => {
  const dir = join(root, "files");
  mkdirSync(join(dir, "summary.json"), { recursive: true });
  assert.throws(() => readRunJson(join(dir, "summary.json"), "train the run again"), {
    name: "FormatError",
    message: `${join(dir, "summary.json")} is a directory, not the file the run wrote; train the run again`,
  });
  const pretty = join(dir, "search.json");
  writeFileSync(pretty, '{\n  "accuracy": [\n    NaN,\n    0.8\n  ]\n}\n');
  assert.throws(
    () => readRunJson(pretty, "convert again"),
    (e: unknown) => {
      assert.equal((e as Error).name, "FormatError");
      const message = (e as Error).message;
      assert.ok(message.startsWith(`${pretty} is not valid JSON (`), message);
      assert.ok(message.endsWith("); convert again"), message);
      assert.ok(!message.includes("\n"), `one line: ${message}`);
      return true;
    },
  );
  assert.throws(() => readRunJson(join(dir, "none.json"), "hint"), {
    name: "NotFoundError",
    message: `${join(dir, "none.json")} does not exist; hint`,
  });
});

test("a directory where config.json belongs is named by eval, not reported as a bare EISDIR", () => {
  const dir = copy("config-dir");
  rmSync(join(dir, "config.json"));
  mkdirSync(join(dir, "config.json"));
  const r = cli("eval", dir, "--quiet");
  assert.equal(r.code, 2, r.err);
  assert.equal(
    r.err,
    `spikeflow: error: ${join(dir, "config.json")} is a directory, not the file the run wrote; is ${dir} a spikeflow run directory?\n`,
  );
});
