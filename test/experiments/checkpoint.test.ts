import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { FormatError } from "../../src/core/errors.ts";
import { tmpdir } from "node:os";
import { finishedRun } from "../helpers/runs.ts";
import { join } from "node:path";
import { checkpointExamples, discardFailedRun, runUnsupervised } from "../../src/experiments/run.ts";

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
    // the whole run's time includes the training before the kill, as train.wall_s does
    assert.ok(s1.wall_s > s1.train.wall_s, `wall_s ${s1.wall_s} vs train.wall_s ${s1.train.wall_s}`);
    assert.equal(metrics(clean).length, TRAIN / 250);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a checkpoint is written when training ends: a run stopped in its test phase resumes into the test, bit-identical", async () => {
  const root = mkdtempSync(join(tmpdir(), "spikeflow-ckpt-"));
  try {
    const clean = join(root, "clean");
    const s1 = await finishedRun(clean);
    // 20 training images with checkpoints every 10: the last one is at the end of training
    assert.equal(checkpointExamples(clean), 20);
    // the same run as if stopped in its test phase: the checkpoint, config.json and metrics.jsonl only
    const stopped = join(root, "stopped");
    mkdirSync(stopped);
    for (const f of ["checkpoint", "config.json", "metrics.jsonl"]) {
      cpSync(join(clean, f), join(stopped, f), { recursive: true });
    }
    const seen: string[] = [];
    const s2 = await runUnsupervised({
      kind: "lcsnn",
      config: {},
      protocol: {},
      out: stopped,
      workers: 1,
      resume: true,
      onProgress: (p) => seen.push(p.phase),
    });
    assert.ok(!seen.includes("train"), "no training example is shown again");
    assert.deepEqual(
      readFileSync(join(stopped, "model", "weights.safetensors")),
      readFileSync(join(clean, "model", "weights.safetensors")),
    );
    assert.deepEqual(s2.test.accuracy, s1.test.accuracy);
    assert.deepEqual(metrics(stopped), metrics(clean));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("resume refuses a finished run, a run without a checkpoint and a run of another kind, naming the fix", async () => {
  const root = mkdtempSync(join(tmpdir(), "spikeflow-ckpt-"));
  try {
    await finishedRun(root);
    assert.equal(checkpointExamples(root), 20, "the checkpoint at the end of training is kept");
    const summary = readFileSync(join(root, "summary.json"));
    const resume = (kind: "lcsnn" | "diehl-cook-2015") =>
      runUnsupervised({ kind, config: {}, protocol: {}, out: root, workers: 1, resume: true });
    // a finished run is not trained again from its last checkpoint
    await assert.rejects(
      resume("lcsnn"),
      new RegExp(
        `${root} is a finished run \\(it has summary\\.json\\), so there is nothing to resume; ` +
          `re-test its model with "spikeflow eval ${root}"`,
      ),
    );
    assert.deepEqual(readFileSync(join(root, "summary.json")), summary, "summary.json is untouched");
    await assert.rejects(
      resume("diehl-cook-2015"),
      /holds a run of `spikeflow train lcsnn` \(config\.json kind "lcsnn"\), not of `spikeflow train diehl-cook`; resume it with "spikeflow train lcsnn --resume /,
    );
    rmSync(join(root, "summary.json"));
    rmSync(join(root, "checkpoint"), { recursive: true });
    assert.equal(checkpointExamples(root), undefined);
    const every = (JSON.parse(readFileSync(join(root, "config.json"), "utf8")) as { checkpointEvery: number })
      .checkpointEvery;
    // metrics.jsonl shows the run went past its first checkpoint: the checkpoint went missing
    await assert.rejects(resume("lcsnn"), {
      message:
        `${root} has no checkpoint to resume from: its checkpoint/ is missing, although the run trained 20 ` +
        "images (metrics.jsonl); put the checkpoint back, or delete the run and start it again",
    });
    // without training metrics, it stopped before its first checkpoint
    rmSync(join(root, "metrics.jsonl"));
    await assert.rejects(resume("lcsnn"), {
      message:
        `${root} has no checkpoint to resume from: the run stopped before its first one (due after ${every} ` +
        "training images); delete it and start the run again",
    });
    // a run without checkpoints: the message says how to start one that can be resumed
    const config = JSON.parse(readFileSync(join(root, "config.json"), "utf8")) as Record<string, unknown>;
    delete config.checkpointEvery;
    writeFileSync(join(root, "config.json"), JSON.stringify(config));
    await assert.rejects(resume("lcsnn"), {
      message:
        `${root} has no checkpoint to resume from: it was started without --checkpoint-every; delete it and ` +
        "start the run again (with --checkpoint-every N to be able to resume it)",
    });
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

test("a failed new run's directory is removed unless it reached a checkpoint or its summary; one made before is emptied", () => {
  const root = mkdtempSync(join(tmpdir(), "spikeflow-discard-"));
  try {
    const early = join(root, "early");
    mkdirSync(early);
    writeFileSync(join(early, "config.json"), "{}");
    writeFileSync(join(early, "metrics.jsonl"), "");
    const checkpointed = join(root, "checkpointed");
    mkdirSync(join(checkpointed, "checkpoint"), { recursive: true });
    writeFileSync(join(checkpointed, "checkpoint", "model.json"), "{}");
    // killed while its first checkpoint was written: nothing to resume from
    const halfCheckpointed = join(root, "half-checkpointed");
    mkdirSync(join(halfCheckpointed, "checkpoint.tmp"), { recursive: true });
    const summarised = join(root, "summarised");
    mkdirSync(summarised);
    writeFileSync(join(summarised, "summary.json"), "{}");
    const usersOwn = join(root, "users-own");
    mkdirSync(usersOwn);
    writeFileSync(join(usersOwn, "config.json"), "{}");

    assert.equal(discardFailedRun(early, false), true);
    assert.equal(existsSync(early), false);
    assert.equal(discardFailedRun(halfCheckpointed, false), true);
    assert.equal(existsSync(halfCheckpointed), false);
    for (const dir of [checkpointed, summarised]) {
      assert.equal(discardFailedRun(dir, false), false, dir);
      assert.ok(existsSync(dir), dir);
    }
    // the (empty) directory the user made is kept, emptied of what the run wrote
    assert.equal(discardFailedRun(usersOwn, true), true);
    assert.deepEqual(readdirSync(usersOwn), []);
    assert.equal(discardFailedRun(usersOwn, true), false);
    assert.equal(discardFailedRun(join(root, "never-made"), false), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
