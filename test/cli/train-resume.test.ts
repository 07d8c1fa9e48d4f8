// `spikeflow train` interrupted with Ctrl-C (SIGINT, sent to a real child process once a known progress line is
// on its stderr) and continued with --resume: what is kept, the line that says so, and what --resume refuses
// (options that the run's config.json decides, another model kind, a finished run). The runs are small: 2
// filters, 500 training images; the 10,000 test images only make sure that the test phase is still running
// when the signal arrives.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { finishedRun } from "../helpers/runs.ts";

const BIN = new URL("../../bin/spikeflow.js", import.meta.url).pathname;
const ENV = { ...process.env, SPIKEFLOW_LOG: "silent" };
const RUN = ["--filters", "2", "--train", "500", "--test", "10000", "--update-interval", "100"];

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: ENV });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/**
 * Runs the CLI, sends SIGINT once `ready` matches its stderr, and returns the exit code and stderr. The
 * deadline only keeps a broken run from hanging the suite.
 */
async function interrupted(args: string[], ready: RegExp): Promise<{ code: number | null; err: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: ENV, stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  let sent = false;
  const deadline = setTimeout(() => child.kill("SIGKILL"), 300_000);
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    err += chunk;
    if (!sent && ready.test(err)) {
      sent = true;
      child.kill("SIGINT");
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  clearTimeout(deadline);
  assert.ok(sent, `the progress line ${ready} never came: ${err}`);
  return { code, err };
}

/** The last line of `err`, which must hold no stack trace. */
function lastLine(err: string): string {
  assert.doesNotMatch(err, /^\s+at /m, "no stack trace");
  return err.trimEnd().split("\n").at(-1) ?? "";
}

function withTmp(use: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-resume-"));
  return use(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test("Ctrl-C before any checkpoint: one line, exit status 130, and nothing left for a rerun to trip over", () =>
  withTmp(async (dir) => {
    const out = join(dir, "run");
    const args = ["train", "lcsnn", ...RUN, "--workers", "1", "--out", out];
    // in the test phase: config.json and metrics.jsonl are written by now
    const r = await interrupted(args, /^train: 500\/500 images/m);
    assert.equal(r.code, 130, r.err);
    assert.equal(
      lastLine(r.err),
      "spikeflow: interrupted; nothing kept; --checkpoint-every N makes a run that can be continued",
    );
    assert.equal(existsSync(out), false, "the run directory is removed");
    // an empty directory the user made is kept, and left empty
    const made = join(dir, "made");
    mkdirSync(made);
    const again = await interrupted([...args.slice(0, -1), made], /^train: 500\/500 images/m);
    assert.equal(again.code, 130, again.err);
    assert.equal(
      lastLine(again.err),
      `spikeflow: interrupted; nothing kept (${made} is empty again); --checkpoint-every N makes a run that can be continued`,
    );
    assert.deepEqual(readdirSync(made), []);
  }));

test("Ctrl-C after a checkpoint keeps it and says how to continue; --resume continues with the run's own settings", () =>
  withTmp(async (dir) => {
    const out = join(dir, "run");
    const args = ["train", "lcsnn", ...RUN, "--checkpoint-every", "200", "--workers", "2", "--out", out];
    const r = await interrupted(args, /^train: 500\/500 images/m);
    assert.equal(r.code, 130, r.err);
    const kept =
      `spikeflow: interrupted; checkpoint at image 400 of 500 kept in ${out}; ` +
      `continue with "spikeflow train lcsnn --resume ${out}"`;
    assert.equal(lastLine(r.err), kept);
    assert.deepEqual(readdirSync(out).sort(), ["checkpoint", "config.json", "metrics.jsonl"]);
    // config.json keeps --checkpoint-every for the resumed run
    assert.equal(JSON.parse(readFileSync(join(out, "config.json"), "utf8")).checkpointEvery, 200);

    // the same command again points to --resume
    const rerun = cli(...args);
    assert.equal(rerun.code, 2);
    assert.match(
      rerun.err,
      /already exists and is not an empty directory; choose a new --out, delete it, or continue the interrupted run with "spikeflow train lcsnn --resume /,
    );
    // another model kind is refused before anything is printed
    const kind = cli("train", "diehl-cook", "--resume", out);
    assert.equal(kind.code, 2);
    assert.equal(
      kind.err,
      `spikeflow: error: ${out} holds a run of kind "lcsnn" (config.json), not "diehl-cook-2015"; ` +
        `resume it with "spikeflow train lcsnn --resume ${out}"\n`,
    );
    // settings that come from config.json cannot be given with --resume; nothing is written anywhere
    const other = join(dir, "other");
    const opts = cli(
      "train",
      "lcsnn",
      "--resume",
      out,
      "--filters",
      "50",
      "--out",
      other,
      "--no-logreg",
      "--quiet",
    );
    assert.equal(opts.code, 2);
    assert.match(
      opts.err,
      /^spikeflow: error: --filters, --no-logreg, --out cannot be combined with --resume: the run continues in .* with the model and protocol of its config\.json; drop them \(with --resume only --workers, --data, --checkpoint-every, --json and --quiet apply\)\n$/,
    );
    assert.equal(existsSync(other), false);
    assert.deepEqual(readdirSync(out).sort(), ["checkpoint", "config.json", "metrics.jsonl"]);

    // --resume starts with the run's own settings, from its checkpoint, and keeps it when interrupted again
    const resumed = await interrupted(
      ["train", "lcsnn", "--resume", out, "--workers", "1"],
      /^train: 500\/500 images/m,
    );
    assert.equal(resumed.code, 130, resumed.err);
    assert.match(
      resumed.err,
      new RegExp(
        `^spikeflow: lcsnn-2, 500 training \\+ 10000 test images, seed 0, 1 test worker -> ${out} ` +
          `\\(resuming from the checkpoint at image 400\\)$`,
        "m",
      ),
    );
    assert.equal(lastLine(resumed.err), kept);
  }));

test("--resume of a finished run is refused, naming eval; the run is untouched", () =>
  withTmp(async (dir) => {
    await finishedRun(dir);
    const files = readdirSync(dir).sort();
    const summary = readFileSync(join(dir, "summary.json"));
    const r = cli("train", "lcsnn", "--resume", dir);
    assert.equal(r.code, 2);
    assert.equal(
      r.err,
      `spikeflow: error: ${dir} is a finished run (it has summary.json), so there is nothing to resume; ` +
        `re-test its model with "spikeflow eval ${dir}", or train a new run with --out\n`,
    );
    assert.deepEqual(readdirSync(dir).sort(), files);
    assert.deepEqual(readFileSync(join(dir, "summary.json")), summary);
    // and a new run into it says what it is
    const fresh = cli("train", "lcsnn", "--filters", "2", "--out", dir);
    assert.equal(fresh.code, 2);
    assert.match(
      fresh.err,
      /choose a new --out or delete it \(it holds a finished run: re-test it with "spikeflow eval /,
    );
  }));
