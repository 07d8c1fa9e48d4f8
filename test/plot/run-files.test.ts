// The files of an LC-SNN run directory as plot and report read them (src/experiments/run-files.ts): damaged,
// hand-edited or mixed files end in a FormatError naming the file (and line) and the field, never in an
// exception from inside a plot or a "NaN" on the report page; the CLI turns them into one line and exit
// status 2. And plots/ is replaced as a whole: a drawing stopped midway leaves the previous set.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { FormatError, NotFoundError } from "../../src/core/errors.ts";
import { readRunFiles } from "../../src/experiments/run-files.ts";
import { runUnsupervised } from "../../src/experiments/run.ts";
import { reportHtml } from "../../src/plot/report.ts";
import { plotRun } from "../../src/plot/run-plots.ts";

const BIN = new URL("../../bin/spikeflow.js", import.meta.url).pathname;
const FILES = ["config.json", "summary.json", "metrics.jsonl", "test-spikes.json"];
let root = "";
let run = "";

before(async () => {
  root = mkdtempSync(join(tmpdir(), "spikeflow-run-files-"));
  run = join(root, "run");
  await runUnsupervised({
    kind: "lcsnn",
    config: { filters: 3 },
    protocol: { trainCount: 40, testCount: 10, updateInterval: 20, seed: 2, logreg: false },
    out: run,
    workers: 1,
    paper: { label: "test reference", accuracy_pct: 84.01, sd_pct: 2.28 },
  });
});

after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

let copies = 0;
/** A new directory with the run's four files, `file` replaced by `edit(its text)`. */
function damaged(file: string, edit: (text: string) => string): string {
  const dir = join(root, `copy-${copies++}`);
  mkdirSync(dir);
  for (const f of FILES) copyFileSync(join(run, f), join(dir, f));
  writeFileSync(join(dir, file), edit(readFileSync(join(run, file), "utf8")));
  return dir;
}

/** `text` as JSON, changed by `f`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- edits reach into the parsed files freely
type Doc = Record<string, any>;
const json = (f: (doc: Doc) => void) => (text: string) => {
  const doc = JSON.parse(text) as Doc;
  f(doc);
  return JSON.stringify(doc);
};

/** Line `k` (1-based) of metrics.jsonl, changed by `f`. */
const metricsLine = (k: number, f: (doc: Doc) => void) => (text: string) =>
  text
    .split("\n")
    .map((l, i) => (i === k - 1 ? json(f)(l) : l))
    .join("\n");

test("the files a run writes are read back whole", () => {
  const files = readRunFiles(run);
  assert.equal(files.config.kind, "lcsnn");
  assert.equal(files.summary.seed, 2);
  assert.deepEqual(
    files.metrics.map((m) => m.examples),
    [20, 40],
  );
  assert.equal(files.spikesPerTestExample?.length, 10);
  // the two optional files may be missing (runs that predate them)
  const dir = damaged("summary.json", (t) => t);
  rmSync(join(dir, "metrics.jsonl"));
  rmSync(join(dir, "test-spikes.json"));
  const older = readRunFiles(dir);
  assert.deepEqual(older.metrics, []);
  assert.equal(older.spikesPerTestExample, null);
});

test("damaged run files are FormatErrors that name the file, the line and the field", () => {
  const cases: [file: string, edit: (text: string) => string, message: RegExp][] = [
    ["metrics.jsonl", (t) => t + '{"broken\n', /metrics\.jsonl, line 3 is not valid JSON \(/],
    [
      "metrics.jsonl",
      metricsLine(2, (m) => (m.accuracy.ngram = "abc")),
      /metrics\.jsonl, line 2: "accuracy\.ngram" must be a fraction in \[0, 1\], or null before any label assignment, got "abc"/,
    ],
    [
      "metrics.jsonl",
      metricsLine(2, (m) => (m.examples = 20)),
      /metrics\.jsonl, line 2: "examples" must be a count of training examples > 20 \(the line before\), got 20/,
    ],
    ["metrics.jsonl", metricsLine(1, (m) => delete m.accuracy), /line 1: "accuracy" must be an object/],
    ["summary.json", () => "{", /summary\.json is not valid JSON/],
    ["summary.json", () => "null", /summary\.json must hold a JSON object, not null/],
    ["summary.json", () => "[1, 2]", /summary\.json must hold a JSON object, not an array/],
    [
      "summary.json",
      () => '{"kind": "lcsnn"}',
      /summary\.json: "seed" must be 2, the seed of config\.json, got nothing/,
    ],
    [
      "summary.json",
      json((s) => (s.test.accuracy.ngram = "abc")),
      /summary\.json: "test\.accuracy\.ngram" must be a fraction in \[0, 1\], got "abc"/,
    ],
    [
      "summary.json",
      json((s) => (s.test.accuracy.best = 0.5)),
      /summary\.json: "best" is not a readout \(readouts: all-activity, proportion, ngram, logreg\)/,
    ],
    [
      "summary.json",
      json((s) => (s.kind = "diehl-cook-2015")),
      /summary\.json: "kind" must be "lcsnn", the kind of config\.json, got "diehl-cook-2015"/,
    ],
    [
      "summary.json",
      json((s) => s.test.confusion.ngram.pop()),
      /summary\.json: "test\.confusion\.ngram" must be K rows of K or K \+ 1 counts/,
    ],
    [
      "summary.json",
      json((s) => (s.test.confusion.proportion[0][0] = -1)),
      /"test\.confusion\.proportion" must be K rows/,
    ],
    ["summary.json", json((s) => (s.test.confusion.best = [[1]])), /summary\.json: "best" is not a readout/],
    [
      "summary.json",
      json((s) => delete s.train),
      /summary\.json: "train" must be an object \(the training timings\), got nothing/,
    ],
    [
      "summary.json",
      json((s) => (s.train.wall_s = "1 s")),
      /"train\.wall_s" must be seconds >= 0, got "1 s"/,
    ],
    [
      "summary.json",
      json((s) => (s.protocol.testCount = 11)),
      /"protocol\.testCount" must be 10, the test count of config\.json/,
    ],
    [
      "summary.json",
      json((s) => (s.paper.accuracy_pct = "84")),
      /"paper\.accuracy_pct" must be a percentage in \[0, 100\]/,
    ],
    ["summary.json", json((s) => (s.versions = "0.1.0")), /"versions" must be an object/],
    ["test-spikes.json", () => "[1,2", /test-spikes\.json is not valid JSON/],
    [
      "test-spikes.json",
      json((t) => t.spikesPerTestExample.push(3)),
      /test-spikes\.json: "spikesPerTestExample" must be an array of 10 spike counts \(one per test example of config\.json's protocol\)/,
    ],
    [
      "test-spikes.json",
      json((t) => (t.spikesPerTestExample[4] = 1.5)),
      /"spikesPerTestExample" must be an array of 10/,
    ],
    ["config.json", () => "{}", /config\.json: kind must be "lcsnn" or "diehl-cook-2015", got null/],
  ];
  for (const [file, edit, message] of cases) {
    const dir = damaged(file, edit);
    assert.throws(
      () => readRunFiles(dir),
      (e: unknown) => {
        assert.ok(e instanceof FormatError, `${file} ${message}: a FormatError, got ${String(e)}`);
        assert.ok(e.message.startsWith(join(dir, file)), e.message);
        assert.match(e.message, message);
        // what to do about it
        assert.match(e.message, /; (the run directory is damaged|delete the file to draw the other plots)/);
        return true;
      },
    );
  }
  // a long value is cut in the message
  const long = damaged(
    "test-spikes.json",
    json((t) => t.spikesPerTestExample.push(...Array(5000).fill(7))),
  );
  assert.throws(
    () => readRunFiles(long),
    (e: Error) => e.message.length < 400 && /\(\d+ characters\)/.test(e.message),
  );
  const gone = damaged("summary.json", (t) => t);
  rmSync(join(gone, "summary.json"));
  assert.throws(() => readRunFiles(gone), NotFoundError);
});

/** Every leaf of summary.json that plot or report shows or uses, as a path of keys. */
function leaves(value: unknown, path: string[] = []): string[][] {
  if (typeof value !== "object" || value === null) return [path];
  const keys = Object.keys(value);
  return [path, ...keys.flatMap((k) => leaves((value as Record<string, unknown>)[k], [...path, k]))];
}

test("any value anywhere in summary.json: a FormatError or a report without NaN or undefined", () => {
  const text = readFileSync(join(run, "summary.json"), "utf8");
  const paths = leaves(JSON.parse(text)).filter((p) => p.length > 0);
  const dir = damaged("summary.json", (t) => t);
  const value = fc
    .jsonValue({ maxDepth: 2 })
    .filter((v) => !/NaN|undefined|Infinity/.test(JSON.stringify(v) ?? ""));
  fc.assert(
    fc.property(fc.constantFrom(...paths), value, fc.boolean(), (path, v, drop) => {
      const doc = JSON.parse(text) as Record<string, unknown>;
      let at = doc as Record<string, unknown>;
      for (const k of path.slice(0, -1)) at = at[k] as Record<string, unknown>;
      if (drop) delete at[path.at(-1)!];
      else at[path.at(-1)!] = v;
      writeFileSync(join(dir, "summary.json"), JSON.stringify(doc));
      let files: ReturnType<typeof readRunFiles>;
      try {
        files = readRunFiles(dir);
      } catch (e) {
        assert.ok(e instanceof FormatError, `${path.join(".")} = ${JSON.stringify(v)}: ${String(e)}`);
        assert.match(e.message, /summary\.json: "/);
        return;
      }
      const html = reportHtml({ dir, files, plots: [] });
      assert.doesNotMatch(html, /NaN|undefined/, `${path.join(".")} = ${JSON.stringify(v)}`);
    }),
    { numRuns: 300, seed: 7 },
  );
});

test("plot and report of a damaged run: one line naming the file and the field, exit status 2", () => {
  const cases: [string, string, (t: string) => string, RegExp][] = [
    ["plot", "metrics.jsonl", (t) => t + '{"broken\n', /metrics\.jsonl, line 3 is not valid JSON/],
    ["report", "summary.json", () => "null", /summary\.json must hold a JSON object, not null/],
    [
      "report",
      "summary.json",
      json((s) => (s.test.accuracy.ngram = "abc")),
      /summary\.json: "test\.accuracy\.ngram" must be a fraction in \[0, 1\], got "abc"/,
    ],
    ["plot", "config.json", () => "{}", /config\.json: kind must be "lcsnn" or "diehl-cook-2015"/],
  ];
  for (const [command, file, edit, message] of cases) {
    const dir = damaged(file, edit);
    const r = spawnSync(process.execPath, [BIN, command, dir], {
      encoding: "utf8",
      env: { ...process.env, SPIKEFLOW_LOG: "silent" },
    });
    assert.equal(r.status, 2, `${command} ${file}: ${r.stderr}`);
    const lines = r.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^spikeflow: error: /);
    assert.match(lines[0], message);
    assert.equal(existsSync(join(dir, "plots")), false, "nothing drawn");
    assert.equal(existsSync(join(dir, "report.html")), false);
  }
});

test("plots/ is replaced as a whole: a drawing stopped midway leaves the previous set and no temporary directory", async () => {
  const first = await plotRun(run, { png: false });
  const plots = join(run, "plots");
  const before = readdirSync(plots).sort();
  assert.deepEqual(before, first.plots.map((p) => `${p.name}.svg`).sort());
  const raster = readFileSync(join(plots, "raster.svg"), "utf8");
  // a signal that turns aborted at its fourth check: three plots are drawn into plots.tmp, then it stops
  let checks = 0;
  const reason = new Error("stopped");
  const signal = {
    get aborted() {
      return checks >= 4;
    },
    reason,
    throwIfAborted() {
      if (++checks >= 4) throw reason;
    },
  } as unknown as AbortSignal;
  await assert.rejects(plotRun(run, { png: true, signal }), (e) => e === reason);
  assert.equal(checks, 4, "stopped after three plots");
  assert.deepEqual(readdirSync(plots).sort(), before, "the old set, without PNGs of the stopped drawing");
  assert.equal(readFileSync(join(plots, "raster.svg"), "utf8"), raster);
  assert.ok(!existsSync(`${plots}.tmp`) && !existsSync(`${plots}.old`), "no temporary directory is left");
  // a whole new set replaces the old one, PNGs included
  await plotRun(run, { png: true });
  const after = readdirSync(plots);
  assert.equal(after.length, 2 * before.length);
});
