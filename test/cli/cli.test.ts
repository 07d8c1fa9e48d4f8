import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, readFileSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BIN = new URL("../../bin/spikeflow.js", import.meta.url).pathname;

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, SPIKEFLOW_LOG: "silent" },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("bad option values are rejected with the option's name and the value", () => {
  const r = cli("train", "lcsnn", "--filters", "0");
  assert.notEqual(r.code, 0);
  assert.match(r.err, /--filters must be an integer >= 1, got "0"/);
  const t = cli("train", "lcsnn", "--time", "abc");
  assert.match(t.err, /--time must be a number, got "abc"/);
  for (const bad of ["0", "5", "-0.5"]) {
    const d = cli("train", "lcsnn", "--lr-decay", bad);
    assert.notEqual(d.code, 0);
    assert.match(d.err, new RegExp(`--lr-decay must lie in \\(0, 1\\] \\(1 keeps the rate\\), got ${bad}`));
  }
});

test("a presentation time that is not a whole number of steps is a typed error, not a crash", () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-cli-"));
  try {
    const r = cli(
      "train",
      "lcsnn",
      "--filters",
      "2",
      "--train",
      "10",
      "--test",
      "5",
      "--time",
      "2.5",
      "--out",
      dir,
      "--quiet",
    );
    assert.equal(r.code, 2);
    assert.match(r.err, /time_ms of 2.5 ms is not a whole number of steps of dt = 1 ms/);
    // a run that failed before its first checkpoint leaves no half-written directory behind
    const fresh = join(dir, "new-run");
    const f = cli(
      "train",
      "lcsnn",
      "--filters",
      "2",
      "--train",
      "70000",
      "--test",
      "5",
      "--out",
      fresh,
      "--quiet",
    );
    assert.equal(f.code, 2);
    assert.match(f.err, /trainCount 70000 exceeds the 60000 training images/);
    assert.equal(existsSync(fresh), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("train --json prints the summary on stdout and eval reproduces its accuracies", () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-cli-"));
  try {
    const r = cli(
      "train",
      "lcsnn",
      "--filters",
      "3",
      "--train",
      "50",
      "--test",
      "20",
      "--update-interval",
      "25",
      "--workers",
      "1",
      "--out",
      dir,
      "--json",
      "--quiet",
    );
    assert.equal(r.code, 0, r.err);
    const s = JSON.parse(r.out);
    assert.equal(s.protocol.trainCount, 50);
    assert.ok(existsSync(join(dir, "summary.json")));
    const e = cli("eval", dir, "--workers", "1", "--json");
    assert.equal(e.code, 0, e.err);
    assert.deepEqual(JSON.parse(e.out).accuracy, s.test.accuracy);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, "eval.json"), "utf8")).accuracy, s.test.accuracy);
    // the model/ subdirectory is accepted as well
    const m = cli("eval", join(dir, "model"), "--workers", "1", "--json", "--test", "5");
    assert.equal(m.code, 0, m.err);
    assert.equal(JSON.parse(m.out).accuracy.ngram !== undefined, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("eval of a directory without a model names the missing file", () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-cli-"));
  try {
    const r = cli("eval", dir);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /model\.json/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("commands refuse to write into an existing run: train, rnn train, nir import; rnn train refuses a huge N", () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-cli-"));
  try {
    writeFileSync(join(dir, "keep.json"), "{}");
    const rnn = cli(
      "rnn",
      "train",
      "--task",
      "go-nogo",
      "--neurons",
      "5",
      "--max-trials",
      "1",
      "--out",
      dir,
      "--quiet",
    );
    assert.equal(rnn.code, 2);
    assert.match(
      rnn.err,
      /--out .* already exists and is not an empty directory; choose a new --out or delete it/,
    );
    const nir = cli("nir", "import", "no-such.nir", "--dt", "0.001", "--out", dir);
    assert.equal(nir.code, 2);
    assert.match(nir.err, /already exists and is not an empty directory/);
    const file = join(dir, "keep.json");
    const train = cli(
      "train",
      "lcsnn",
      "--filters",
      "2",
      "--train",
      "10",
      "--test",
      "5",
      "--out",
      file,
      "--quiet",
    );
    assert.equal(train.code, 2);
    assert.match(train.err, /--out .*keep\.json is a file, not a directory/);
    assert.equal(readFileSync(file, "utf8"), "{}", "nothing was overwritten");
    const huge = cli(
      "rnn",
      "train",
      "--task",
      "go-nogo",
      "--neurons",
      "100000",
      "--out",
      join(dir, "big"),
      "--quiet",
    );
    assert.equal(huge.code, 2);
    assert.match(huge.err, /--neurons 100000 is too large: .* at most 8192/);
    for (const bad of ["-1", "1e9"]) {
      const lr = cli("train", "lcsnn", "--lr", bad);
      assert.notEqual(lr.code, 0);
      assert.match(lr.err, new RegExp(`--lr must lie in \\[0, 1\\] \\(the paper: 0.01\\), got ${bad}`));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
