// The lock of a run directory (src/experiments/run-lock.ts): a command that writes into a run directory is
// refused up front while another live process holds its lock, and takes over a lock left by a dead process.
// "Another command" is simulated by a lock file naming this test process's pid (alive, and not the CLI's),
// so that no test depends on two processes racing.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { finishedRun } from "../helpers/runs.ts";
import {
  LOCK_FILE,
  lockRunDir,
  processIdentity,
  refuseLockedRunDir,
} from "../../src/experiments/run-lock.ts";
import { cli } from "../helpers/cli.ts";

const root = mkdtempSync(join(tmpdir(), "spikeflow-lock-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** A pid that belonged to a process which has exited (a lock it left is stale). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  return Number(r.stdout);
}

/** Writes a lock into `dir` as command `command` of process `pid` would have. */
function holdLock(dir: string, pid: number, command: string, identity?: string): string {
  const path = join(dir, LOCK_FILE);
  const info = {
    pid,
    command,
    started: "2025-01-01T00:00:00.000Z",
    ...(identity === undefined ? {} : { process: identity }),
  };
  writeFileSync(path, JSON.stringify(info) + "\n");
  return path;
}

/** The files of `dir`, recursively, with their sizes (what a refused command must leave as it was). */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => `${join(e.parentPath, e.name)}:${readFileSync(join(e.parentPath, e.name)).length}`)
    .sort();
}

let run: string;
before(async () => {
  run = join(root, "run");
  await finishedRun(run);
});

test("eval, plot, report and nir export refuse a run directory another command holds, naming it and its pid; nothing is written", () => {
  const lock = holdLock(run, process.pid, "train lcsnn");
  try {
    const was = snapshot(run);
    for (const args of [
      ["eval", run],
      ["plot", run],
      ["report", run],
      ["nir", "export", run],
    ]) {
      const r = cli(...args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
      assert.equal(
        r.err,
        `spikeflow: error: the run directory ${run} is in use by another spikeflow command (pid ${process.pid}: ` +
          `spikeflow train lcsnn); wait for it (if no such command is running, delete ${lock})\n`,
      );
      assert.equal(r.out, "");
    }
    assert.deepEqual(snapshot(run), was);
  } finally {
    rmSync(lock);
  }
});

test("train, rnn train, nir import and nir run refuse an --out another command holds, before any work, and offer another --out", () => {
  const out = join(root, "busy");
  mkdirSync(out);
  const lock = holdLock(out, process.pid, "train lcsnn");
  const nir = fileURLToPath(new URL("../fixtures/nir/lif_norse.nir", import.meta.url));
  try {
    for (const args of [
      ["train", "lcsnn", "--filters", "2", "--train", "10", "--test", "5", "--out", out],
      ["rnn", "train", "--task", "go-nogo", "--neurons", "10", "--max-trials", "2", "--out", out],
      ["nir", "import", nir, "--dt", "1e-4", "--out", out],
      ["nir", "run", nir, "--dt", "1e-4", "--steps", "5", "--out", out],
    ]) {
      const r = cli(...args);
      assert.equal(r.code, 2, r.err);
      assert.equal(
        r.err,
        `spikeflow: error: --out ${out} is in use by another spikeflow command (pid ${process.pid}: spikeflow ` +
          `train lcsnn); wait for it or pick another --out (if no such command is running, delete ${lock})\n`,
      );
    }
    assert.deepEqual(readdirSync(out), [LOCK_FILE]);
  } finally {
    rmSync(lock);
  }
});

test("train --resume refuses a run another command holds, naming --resume", () => {
  const lock = holdLock(run, process.pid, "eval");
  try {
    const r = cli("train", "lcsnn", "--resume", run);
    assert.equal(r.code, 2, r.err);
    assert.equal(
      r.err,
      `spikeflow: error: --resume ${run} is in use by another spikeflow command (pid ${process.pid}: spikeflow ` +
        `eval); wait for it (if no such command is running, delete ${lock})\n`,
    );
  } finally {
    rmSync(lock);
  }
});

test("a lock left by a process that is gone is taken over, and removed when the command ends", () => {
  holdLock(run, deadPid(), "plot");
  const r = cli("eval", run, "--quiet");
  assert.equal(r.code, 0, r.err);
  assert.ok(existsSync(join(run, "eval.json")));
  assert.ok(!existsSync(join(run, LOCK_FILE)), "the lock is removed at exit");
  // a new run into an --out that holds only such a stale lock: the lock is not a file of the run
  const out = join(root, "stale");
  mkdirSync(out);
  holdLock(out, deadPid(), "train lcsnn");
  const n = cli(
    "train",
    "lcsnn",
    ...["--filters", "2", "--train", "10", "--test", "5", "--update-interval", "10", "--workers", "1"],
    ...["--out", out, "--quiet"],
  );
  assert.equal(n.code, 0, n.err);
  assert.ok(existsSync(join(out, "summary.json")));
  assert.ok(!existsSync(join(out, LOCK_FILE)));
  // nir import and nir run --out lock their directory too: a stale lock there is taken over and removed
  const nir = fileURLToPath(new URL("../fixtures/nir/lif_norse.nir", import.meta.url));
  for (const [command, written] of [
    ["import", "model.json"],
    ["run", "run.json"],
  ] as const) {
    const dir = join(root, `stale-nir-${command}`);
    mkdirSync(dir);
    holdLock(dir, deadPid(), "train lcsnn");
    const extra = command === "run" ? ["--steps", "5"] : [];
    const m = cli("nir", command, nir, "--dt", "1e-4", ...extra, "--out", dir, "--quiet");
    assert.equal(m.code, 0, m.err);
    assert.ok(existsSync(join(dir, written)));
    assert.ok(!existsSync(join(dir, LOCK_FILE)), `nir ${command} removed the lock it took over`);
  }
});

test("a refused new run leaves no directory behind that its lock created; a refused one in an existing empty directory leaves it empty", () => {
  // a training refused after its lock is taken: its --data does not exist
  const refusedTrain = (out: string) =>
    cli(
      "train",
      "lcsnn",
      "--filters",
      "2",
      "--train",
      "10",
      "--test",
      "5",
      "--data",
      join(root, "nope"),
      "--out",
      out,
    );
  const out = join(root, "never");
  const r = refusedTrain(out);
  assert.equal(r.code, 2, r.err);
  assert.ok(!existsSync(out), "the --out the lock created is removed again");
  const made = join(root, "made");
  mkdirSync(made);
  const m = refusedTrain(made);
  assert.equal(m.code, 2, m.err);
  assert.deepEqual(readdirSync(made), []);
});

test("lockRunDir: one holder at a time; release removes the lock and the directory it created", () => {
  const dir = join(root, "api", "x");
  const lock = lockRunDir(dir, "train lcsnn", `--out ${dir}`, { create: true });
  assert.equal(lock.created, true);
  assert.equal(lockRunDir(dir, "train lcsnn", "--out"), lock, "the same process gets the lock it holds");
  const info = JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")) as { pid: number; command: string };
  assert.deepEqual([info.pid, info.command], [process.pid, "train lcsnn"]);
  // this process's own lock is not "another command"
  refuseLockedRunDir(dir, "x");
  lock.release();
  assert.ok(!existsSync(dir));
  assert.ok(!existsSync(join(root, "api")), "and the parent it created on the way");
  // another live process's lock (the parent of this test process) is refused
  mkdirSync(dir, { recursive: true });
  const path = holdLock(dir, process.ppid, "plot");
  assert.throws(
    () => lockRunDir(dir, "eval", `the run directory ${dir}`),
    new RegExp(
      `is in use by another spikeflow command \\(pid ${process.ppid}: spikeflow plot\\); wait for it`,
    ),
  );
  assert.throws(() => refuseLockedRunDir(dir, "here"), /^InvalidParameterError: here is in use/);
  assert.equal(JSON.parse(readFileSync(path, "utf8")).pid, process.ppid, "the other lock is left alone");
});

test("a directory where the lock file belongs is named, not reported as a raw EEXIST", () => {
  const dir = join(root, "dir-lock");
  mkdirSync(join(dir, LOCK_FILE), { recursive: true });
  assert.throws(
    () => lockRunDir(dir, "plot", "the run directory " + dir),
    (e: unknown) => {
      assert.equal(
        (e as Error).message,
        `cannot lock the run directory ${dir}: ${join(dir, LOCK_FILE)} is a directory, not a spikeflow lock; ` +
          "remove it and run again",
      );
      assert.equal((e as Error).name, "StateError");
      return true;
    },
  );
  assert.deepEqual(readdirSync(dir), [LOCK_FILE], "no temporary file is left");
});

test("on Linux a live pid whose start time differs from the one the lock recorded is a reused pid: the lock is taken over", (t) => {
  const parent = processIdentity(process.ppid);
  if (parent === "") {
    t.skip("no /proc here: only the pid is checked");
    return;
  }
  const [boot, start] = [parent.slice(0, parent.lastIndexOf(":")), parent.slice(parent.lastIndexOf(":") + 1)];
  assert.match(boot, /^[0-9a-f-]{36}$/, "the boot id");
  assert.match(start, /^\d+$/, "the start time in clock ticks");
  const mine = processIdentity(process.pid);
  assert.equal(mine.slice(0, mine.lastIndexOf(":")), boot, "one boot for this process and its parent");
  assert.ok(
    Number(mine.slice(mine.lastIndexOf(":") + 1)) >= Number(start),
    "a child starts after its parent",
  );
  assert.equal(processIdentity(deadPid()), "", "a process that has exited has no identity");

  const dir = join(root, "reused-pid");
  mkdirSync(dir);
  // the parent itself holds it: refused
  holdLock(dir, process.ppid, "plot", parent);
  assert.throws(
    () => refuseLockedRunDir(dir, "here"),
    /^InvalidParameterError: here is in use .*pid \d+: spikeflow plot/,
  );
  // recorded under another boot (another machine sharing the disk): only the pid counts, so still refused
  holdLock(dir, process.ppid, "plot", `00000000-0000-0000-0000-000000000000:${start}`);
  assert.throws(() => refuseLockedRunDir(dir, "here"), /^InvalidParameterError: here is in use/);
  // the same pid, started at another time on this boot: the lock's holder is gone and the pid reused
  holdLock(dir, process.ppid, "plot", `${boot}:${Number(start) + 1}`);
  refuseLockedRunDir(dir, "here");
  const lock = lockRunDir(dir, "eval", `the run directory ${dir}`);
  const info = JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")) as { pid: number; process: string };
  assert.deepEqual([info.pid, info.process], [process.pid, processIdentity(process.pid)], "taken over");
  lock.release();
  assert.deepEqual(readdirSync(dir), []);
});

test("a lock whose command holds control characters is named on one line", () => {
  const dir = join(root, "control");
  mkdirSync(dir);
  holdLock(dir, process.ppid, "plot\n\u001b[31mred");
  assert.throws(() => refuseLockedRunDir(dir, "here"), {
    name: "InvalidParameterError",
    message: `here is in use by another spikeflow command (pid ${process.ppid}: spikeflow plot??[31mred); wait for it (if no such command is running, delete ${join(dir, LOCK_FILE)})`,
  });
});

test("lockRunDir: release removes the parents it created, up to the first that holds anything else", () => {
  const base = join(root, "parents");
  mkdirSync(base);
  const dir = join(base, "a", "b", "c");
  const lock = lockRunDir(dir, "rnn train", `--out ${dir}`, { create: true });
  lock.release();
  assert.deepEqual(readdirSync(base), [], "a/b/c all created by the lock, all removed");

  const again = lockRunDir(dir, "rnn train", `--out ${dir}`, { create: true });
  writeFileSync(join(base, "a", "note.txt"), "written meanwhile");
  again.release();
  assert.deepEqual(
    readdirSync(join(base, "a")),
    ["note.txt"],
    "b and c removed; a holds a file, so it stays",
  );

  // a failed new train run removes its directory itself (lock file included): the parents still go
  rmSync(join(base, "a"), { recursive: true });
  const third = lockRunDir(dir, "train lcsnn", `--out ${dir}`, { create: true });
  rmSync(dir, { recursive: true });
  third.release();
  assert.deepEqual(readdirSync(base), [], "c removed by the run, b and a by the lock");
});

test("a train command refused after it took its --out leaves no parent directory it created", () => {
  const base = join(root, "refused-parents");
  mkdirSync(base);
  const out = join(base, "p", "q", "run");
  const r = cli(
    "train",
    "lcsnn",
    "--filters",
    "4",
    "--train",
    "10",
    "--data",
    join(base, "missing"),
    "--out",
    out,
  );
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /dataset directory .*missing does not exist/);
  assert.deepEqual(readdirSync(base), [], "p and p/q removed with the run directory");
});

test("plot and report on the directory of a train command still at work say it is in use, not that it is no run", () => {
  // rnn train writes its files when training ends: until then its directory holds only the lock
  const dir = join(root, "training");
  mkdirSync(dir);
  holdLock(dir, process.ppid, "rnn train");
  for (const command of ["plot", "report"]) {
    const r = cli(command, dir, "--quiet");
    assert.equal(r.code, 2, r.err);
    assert.match(
      r.err,
      new RegExp(
        `^spikeflow: error: the run directory ${dir} is in use by another spikeflow command \\(pid ${process.ppid}: spikeflow rnn train\\)`,
      ),
      command,
    );
  }
  rmSync(join(dir, LOCK_FILE));
  assert.match(cli("plot", dir).err, /is not a run directory/);
});
