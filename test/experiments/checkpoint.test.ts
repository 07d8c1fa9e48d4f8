import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { FormatError } from "../../src/core/errors.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { discardFailedRun, runUnsupervised } from "../../src/experiments/run.ts";

const CLI = new URL("../../src/cli/main.ts", import.meta.url).pathname;
const TRAIN = 1500;

function checkpointAt(dir: string): number {
  const f = join(dir, "checkpoint", "model.json");
  if (!existsSync(f)) return 0;
  try {
    return (JSON.parse(readFileSync(f, "utf8")) as { extra: { next: number } }).extra.next;
  } catch {
    return 0; // being replaced right now
  }
}

/** metrics.jsonl without the wall-clock fields, which differ between any two runs. */
function metrics(dir: string): unknown[] {
  return readFileSync(join(dir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => {
      const { elapsed_s: _e, imagesPerSecond: _i, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });
}

test("a run killed with SIGKILL and resumed ends bit-identical to an uninterrupted run", async () => {
  const root = mkdtempSync(join(tmpdir(), "spikeflow-ckpt-"));
  try {
    const killed = join(root, "killed");
    const args = [
      "--import",
      "tsx",
      CLI,
      "train",
      "lcsnn",
      "--filters",
      "5",
      "--train",
      String(TRAIN),
      "--test",
      "40",
    ];
    args.push(
      "--workers",
      "1",
      "--checkpoint-every",
      "250",
      "--seed",
      "11",
      "--quiet",
      "--no-logreg",
      "--out",
      killed,
    );
    const child = spawn(process.execPath, args, { stdio: "ignore" });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // kill once the checkpoint after 500 examples is on disk, while training goes on
    const deadline = Date.now() + 120_000;
    while (checkpointAt(killed) < 500 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGKILL");
    const code = await exited;
    assert.equal(code, null, "the child was killed, not finished");
    const at = checkpointAt(killed);
    assert.ok(at >= 500 && at < TRAIN, `checkpoint at ${at}`);
    assert.ok(!existsSync(join(killed, "summary.json")), "the killed run never finished");

    // resume, and run the same configuration without interruption
    await runUnsupervised({ kind: "lcsnn", config: {}, protocol: {}, out: killed, workers: 1, resume: true });
    const clean = join(root, "clean");
    await runUnsupervised({
      kind: "lcsnn",
      config: { filters: 5 },
      protocol: { trainCount: TRAIN, testCount: 40, seed: 11, logreg: false },
      out: clean,
      workers: 1,
    });

    assert.deepEqual(
      readFileSync(join(killed, "model", "weights.safetensors")),
      readFileSync(join(clean, "model", "weights.safetensors")),
      "weights, thresholds and readout tables are byte-identical",
    );
    assert.deepEqual(metrics(killed), metrics(clean));
    const s1 = JSON.parse(readFileSync(join(killed, "summary.json"), "utf8"));
    const s2 = JSON.parse(readFileSync(join(clean, "summary.json"), "utf8"));
    assert.deepEqual(s1.test.accuracy, s2.test.accuracy);
    assert.equal(metrics(clean).length, TRAIN / 250);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("resuming a directory without a checkpoint says how to make one", async () => {
  const root = mkdtempSync(join(tmpdir(), "spikeflow-ckpt-"));
  try {
    await runUnsupervised({
      kind: "lcsnn",
      config: { filters: 3 },
      protocol: { trainCount: 20, testCount: 5, updateInterval: 10, logreg: false },
      out: root,
      workers: 1,
    });
    await assert.rejects(
      runUnsupervised({ kind: "lcsnn", config: {}, protocol: {}, out: root, workers: 1, resume: true }),
      /has no checkpoint to resume from; start the run with --checkpoint-every/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a damaged config.json is a typed error naming the file", async () => {
  const root = mkdtempSync(join(tmpdir(), "spikeflow-ckpt-"));
  try {
    writeFileSync(join(root, "config.json"), '{"kind": "lcsnn", ');
    await assert.rejects(
      runUnsupervised({ kind: "lcsnn", config: {}, protocol: {}, out: root, workers: 1, resume: true }),
      (e: unknown) => e instanceof FormatError && e.message.includes("config.json: not valid JSON"),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a failed new run's directory is removed unless it reached a checkpoint or its summary, or existed before", () => {
  const root = mkdtempSync(join(tmpdir(), "spikeflow-discard-"));
  try {
    const early = join(root, "early");
    mkdirSync(early);
    writeFileSync(join(early, "config.json"), "{}");
    writeFileSync(join(early, "metrics.jsonl"), "");
    const checkpointed = join(root, "checkpointed");
    mkdirSync(join(checkpointed, "checkpoint"), { recursive: true });
    const summarised = join(root, "summarised");
    mkdirSync(summarised);
    writeFileSync(join(summarised, "summary.json"), "{}");
    const usersOwn = join(root, "users-own");
    mkdirSync(usersOwn);
    writeFileSync(join(usersOwn, "config.json"), "{}");

    assert.equal(discardFailedRun(early, false), true);
    assert.equal(existsSync(early), false);
    for (const dir of [checkpointed, summarised]) {
      assert.equal(discardFailedRun(dir, false), false, dir);
      assert.ok(existsSync(dir), dir);
    }
    assert.equal(discardFailedRun(usersOwn, true), false);
    assert.ok(existsSync(join(usersOwn, "config.json")));
    assert.equal(discardFailedRun(join(root, "never-made"), false), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
