/**
 * The `spikeflow rnn` commands end to end in a child process: train (with the "context" alias), convert and
 * eval with --json, a bad option's error message and exit status, and the kim-2019 example script at a tiny
 * size.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32Hex } from "../../src/io/crc32.ts";

const BIN = new URL("../../bin/spikeflow.js", import.meta.url).pathname;

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, SPIKEFLOW_LOG: "silent" },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `rnn train` of a 10-unit Go-NoGo network for `maxTrials` updates into `dir` (progress on stderr). */
function trainGoNogo10(dir: string, maxTrials: number, ...more: string[]) {
  return cli(
    "rnn",
    "train",
    "--task",
    "go-nogo",
    "--neurons",
    "10",
    "--max-trials",
    String(maxTrials),
    "--out",
    dir,
    ...more,
  );
}

/** `rnn convert` of `dir` over `scales` with 1 trial each on 1 worker, quietly. */
function convertTiny(dir: string, scales: string) {
  return cli("rnn", "convert", dir, "--scales", scales, "--trials", "1", "--workers", "1", "--quiet");
}

const EXAMPLE = new URL("../../examples/from-papers/kim-2019/go-nogo.ts", import.meta.url).pathname;

/** Runs the kim-2019 example script with `args`. */
function example(...args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", EXAMPLE, ...args], {
    encoding: "utf8",
    env: { ...process.env, SPIKEFLOW_LOG: "silent" },
  });
}

test("rnn train -> convert -> eval on a tiny context-task network, with --json summaries", () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-cli-rnn-"));
  try {
    const train = cli(
      "rnn",
      "train",
      "--task",
      "context",
      "--neurons",
      "10",
      "--max-trials",
      "2",
      "--seed",
      "4",
      "--out",
      dir,
      "--json",
      "--quiet",
    );
    assert.equal(train.status, 0, train.stderr);
    const t = JSON.parse(train.stdout) as {
      train: { task: string; updates: number; units: number };
      out: string;
    };
    assert.deepEqual([t.train.task, t.train.updates, t.train.units, t.out], ["mante", 2, 10, dir]);
    // --json prints what summary.json holds, plus the run directory
    assert.deepEqual(JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")), {
      train: t.train,
      model: (t as unknown as { model: unknown }).model,
    });
    assert.match((t as unknown as { model: { manifestCrc32: string } }).model.manifestCrc32, /^[0-9a-f]{8}$/);

    const convert = cli(
      "rnn",
      "convert",
      dir,
      "--scales",
      "20,40",
      "--trials",
      "1",
      "--workers",
      "1",
      "--json",
      "--quiet",
    );
    assert.equal(convert.status, 0, convert.stderr);
    const s = JSON.parse(convert.stdout) as { scales: number[]; trials: number };
    assert.deepEqual([s.scales, s.trials], [[20, 40], 1]);
    assert.ok(existsSync(join(dir, "examples.json")));

    const human = cli("rnn", "eval", dir, "--trials", "1", "--workers", "1", "--quiet");
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /LIF accuracy .* at s = \d+ \(receiver synapse\)/);
    const ev = cli("rnn", "eval", dir, "--trials", "1", "--workers", "1", "--json", "--quiet");
    assert.equal(ev.status, 0, ev.stderr);
    const e = JSON.parse(ev.stdout) as { task: string; trials: number; lifAccuracy: number };
    assert.deepEqual([e.task, e.trials], ["mante", 1]);
    assert.ok(e.lifAccuracy === 0 || e.lifAccuracy === 1);
    // DIR/model names the same run (as for eval and plot of an MNIST run)
    const viaModel = cli("rnn", "eval", join(dir, "model"), "--trials", "1", "--workers", "1", "--json");
    assert.equal(viaModel.status, 0, viaModel.stderr);
    assert.deepEqual(JSON.parse(viaModel.stdout), { ...e, wall_s: JSON.parse(viaModel.stdout).wall_s });

    // --scale keeps the conversion's synapse filter (search.json), and eval.json records it
    writeFileSync(
      join(dir, "search.json"),
      JSON.stringify({
        ...JSON.parse(readFileSync(join(dir, "search.json"), "utf8")),
        synapseFilter: "sender",
      }),
    );
    const withScale = cli("rnn", "eval", dir, "--trials", "1", "--workers", "1", "--scale", "30", "--json");
    assert.equal(withScale.status, 0, withScale.stderr);
    assert.deepEqual(
      [JSON.parse(withScale.stdout).scale, JSON.parse(withScale.stdout).synapseFilter],
      [30, "sender"],
    );

    // a damaged search.json: a typed one-line error naming the file, no stack trace
    for (const text of ['{"task": "go-nogo", "scales": [20', "[]", '{"best": {"scale": -1}}']) {
      writeFileSync(join(dir, "search.json"), text);
      const bad = cli("rnn", "eval", dir, "--trials", "1", "--workers", "1");
      assert.equal(bad.status, 2, `${text}: ${bad.stderr}`);
      assert.match(bad.stderr, /search\.json/);
      assert.doesNotMatch(bad.stderr, /\n\s+at /);
    }
    const plotBadSearch = cli("plot", dir);
    assert.equal(plotBadSearch.status, 2, plotBadSearch.stderr);
    assert.match(plotBadSearch.stderr, /search\.json: "scales" must be an array/);
    // the hint names the command that writes the file
    assert.ok(
      plotBadSearch.stderr.endsWith(
        `; run "spikeflow rnn convert ${dir}" again to rewrite it, or delete it\n`,
      ),
      plotBadSearch.stderr,
    );
    rmSync(join(dir, "search.json"));
    writeFileSync(join(dir, "examples.json"), '{"examples": [');
    const plot = cli("plot", dir);
    assert.equal(plot.status, 2, plot.stderr);
    assert.match(plot.stderr, /examples\.json is not valid JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bad arguments fail with a message naming the value", () => {
  const badTask = cli("rnn", "train", "--task", "dms", "--quiet");
  const badScales = cli("rnn", "convert", "nowhere", "--scales", "20:75");
  const noRun = cli("rnn", "eval", join(tmpdir(), "spikeflow-no-such-run"), "--quiet");

  assert.notEqual(badTask.status, 0);
  assert.match(badTask.stderr, /dms/);
  assert.notEqual(badScales.status, 0);
  assert.match(badScales.stderr, /start:end:step/);
  assert.equal(noRun.status, 2);
  assert.match(noRun.stderr, /does not exist/);

  // a misspelt option gets commander's suggestion on the same line; --units (the benchmark's name) the CLI's
  const typo = cli("rnn", "train", "--task", "go-nogo", "--neuron", "3");
  assert.equal(typo.status, 2);
  assert.equal(typo.stderr, "spikeflow: error: unknown option '--neuron' (did you mean --neurons?)\n");
  const units = cli("rnn", "train", "--task", "go-nogo", "--units", "3");
  assert.equal(units.status, 2);
  assert.match(units.stderr, /the number of units is --neurons N here/);

  // --trials has an upper bound (a search keeps a flag per trial), and --out "" is not the current directory
  const huge = cli("rnn", "convert", "nowhere", "--trials", "1000000000000");
  assert.notEqual(huge.status, 0);
  assert.match(huge.stderr, /--trials must be an integer in \[1, 100000\]/);
  // so has --max-trials (curve.json keeps every trial's loss): one line, not a raw "Invalid typed array length"
  const hugeTrain = cli("rnn", "train", "--task", "go-nogo", "--max-trials", "1e12", "--quiet");
  assert.equal(hugeTrain.status, 2);
  assert.match(hugeTrain.stderr, /--max-trials must be an integer in \[1, 1000000\] \(curve\.json keeps/);
  const emptyOut = cli("rnn", "train", "--task", "go-nogo", "--max-trials", "1", "--out", "", "--quiet");
  assert.equal(emptyOut.status, 2);
  assert.match(emptyOut.stderr, /--out must name a directory/);

  // a run too short for an evaluation says so instead of printing "NaN %"
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-cli-rnn-short-"));
  try {
    const short = trainGoNogo10(dir, 1);
    assert.equal(short.status, 0, short.stderr);
    assert.match(short.stdout, /no evaluation reached/);
    assert.doesNotMatch(short.stdout, /NaN/);
    // Go-NoGo may stop only after trial 1500: a shorter cap is said up front
    assert.match(
      short.stderr,
      /warning: --max-trials 1 cannot meet the stopping rule: go-nogo may stop at trial 1502 at the earliest/,
    );
    // and convert says what to do, without a "?" for the accuracy that was never measured
    const convert = convertTiny(dir, "20");
    assert.equal(convert.status, 0, convert.stderr);
    assert.match(
      convert.stderr,
      /did not meet the stopping rule \(1 trial, no evaluation reached\).*--max-trials 1502 or more, e\.g\. the default 6000, or with another --seed/,
    );
    assert.doesNotMatch(convert.stderr, /\?/);
    assert.match(convert.stdout, /\(1 trial each, [\d.]+ s on 1 thread\)/);
    const evaluated = cli("rnn", "eval", dir, "--trials", "1", "--workers", "1", "--quiet");
    assert.equal(evaluated.status, 0, evaluated.stderr);
    assert.match(evaluated.stderr, /warning: the rate network in .* did not meet the stopping rule/);
    assert.match(evaluated.stdout, /go-nogo, 1 fresh trial: rate accuracy/);
    // --min-trials moves the first possible stop (and is recorded in summary.json)
    const late = trainGoNogo10(join(dir, "late"), 3, "--min-trials", "250", "--quiet");
    assert.equal(late.status, 0, late.stderr);
    assert.match(
      late.stderr,
      /warning: --max-trials 3 cannot meet the stopping rule: go-nogo may stop at trial 302 at the earliest \(--min-trials 250\)/,
    );
    const lateSummary = JSON.parse(readFileSync(join(dir, "late", "summary.json"), "utf8")) as {
      train: { minTrials: number };
    };
    assert.equal(lateSummary.train.minTrials, 250);
    // --quiet hides progress, never a warning
    const quiet = trainGoNogo10(join(dir, "quiet"), 1, "--quiet");
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.match(quiet.stderr, /^spikeflow: warning: --max-trials 1 cannot meet the stopping rule/);
    // a run past its first evaluation is told the next one, not "above 1"
    const xor = join(dir, "xor");
    const x = cli(
      "rnn",
      "train",
      "--task",
      "xor",
      "--neurons",
      "10",
      "--max-trials",
      "3",
      "--out",
      xor,
      "--quiet",
    );
    assert.equal(x.status, 0, x.stderr);
    const advice = convertTiny(xor, "20");
    assert.equal(advice.status, 0, advice.stderr);
    assert.match(
      advice.stderr,
      /\(3 trials, rate accuracy [\d.]+ % at the last evaluation, after trial 2\); .*train again with --max-trials 102 or more, e\.g\. the default 6000, or with another --seed: the first evaluation that can meet the rule comes after trial 102\)/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("examples/from-papers/kim-2019/go-nogo.ts runs at a tiny size and prints the search table and two trials", () => {
  const r = example(
    "--neurons",
    "12",
    "--max-trials",
    "2",
    "--trials",
    "1",
    "--scales",
    "20,30",
    "--workers",
    "1",
  );

  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /rate RNN \(N = 12, seed 1\): 2 training trials/);
  assert.match(r.stdout, /s = {2}20: \d+ %\n {2}s = {2}30: \d+ %/);
  assert.match(r.stdout, /Go {3}trial: output every 100 ms/);
  assert.match(r.stdout, /NoGo trial: output every 100 ms/);
});

test("scaling factors and decay ranges outside their useful ranges are refused before anything is written", () => {
  const out = join(tmpdir(), `spikeflow-cli-rnn-refused-${process.pid}`);
  const tinyScale = cli("rnn", "convert", "nowhere", "--scales", "1e-300");
  const zeroScale = cli("rnn", "eval", "nowhere", "--scale", "0");
  const hugeTau = cli("rnn", "train", "--task", "go-nogo", "--taus", "20:1e300", "--out", out);
  const shortTau = cli("rnn", "train", "--task", "go-nogo", "--taus", "1:50", "--out", out);
  const hexTau = cli("rnn", "train", "--task", "go-nogo", "--taus", "0x14:50", "--out", out);
  const spacedTau = cli("rnn", "train", "--task", "go-nogo", "--taus", " 20:50", "--out", out);
  const spacedScales = cli("rnn", "convert", "nowhere", "--scales", " 20,30");

  assert.notEqual(tinyScale.status, 0);
  assert.match(tinyScale.stderr, /1e-300 is outside \[0\.01, 10000\]/);
  assert.notEqual(zeroScale.status, 0);
  assert.match(zeroScale.stderr, /--scale must be a scaling factor in \[0\.01, 10000\].*got "0"/);
  assert.doesNotMatch(zeroScale.stderr, /scales\[0\]/);
  // a value that is not a number is said as such, not as a range
  const spacedScale = cli("rnn", "eval", "nowhere", "--scale", " 25");
  assert.equal(spacedScale.status, 2);
  assert.match(
    spacedScale.stderr,
    /--scale must be a decimal number such as 25, written as it is \(no spaces, no leading \+\), got " 25"/,
  );
  assert.notEqual(spacedScales.status, 0);
  assert.match(spacedScales.stderr, /without spaces before or after/);
  for (const r of [hugeTau, shortTau, hexTau, spacedTau]) {
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--taus must be min:max in ms with 5 <= min <= max <= 10000/);
  }
  assert.equal(existsSync(out), false);
});

test("the kim-2019 example script refuses bad arguments with one line and exit status 2", () => {
  const units = example("--neurons", "0");
  const hex = example("--neurons", "0x10");
  const workers = example("--workers", "0");
  const scales = example("--scales", "abc");
  const oldName = example("--units", "12");

  assert.equal(units.status, 2);
  assert.equal(units.stderr, 'go-nogo.ts: --neurons must be an integer in [2, 2000], got "0"\n');
  assert.equal(hex.status, 2, "decimal numbers only, as in the CLI");
  assert.match(hex.stderr, /--neurons must be an integer in \[2, 2000\], got "0x10"/);
  assert.equal(workers.status, 2);
  assert.match(workers.stderr, /--workers must be an integer in \[1, 1024\], got "0"/);
  assert.equal(oldName.status, 2);
  assert.match(oldName.stderr, /unknown argument "--units" \(the number of units is --neurons N\)/);
  assert.equal(scales.status, 2);
  assert.match(scales.stderr, /^go-nogo\.ts: scales "abc" must be start:end:step/);
});

test("damaged or inconsistent run files and the wrong command get one line naming the file or the right command", () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-cli-rnn-damaged-"));
  try {
    const train = trainGoNogo10(dir, 50);
    assert.equal(train.status, 0, train.stderr);
    // 50 updates, last evaluation after update 2: the summary says which network it describes
    assert.match(
      train.stdout,
      /at the last evaluation, after trial 2 \(the final network was not evaluated\)/,
    );
    assert.equal(JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")).train.evaluatedAfterUpdates, 2);
    const convert = convertTiny(dir, "20,30");
    assert.equal(convert.status, 0, convert.stderr);
    const good = readFileSync(join(dir, "search.json"), "utf8");
    const edit = (change: Record<string, unknown>) =>
      writeFileSync(join(dir, "search.json"), JSON.stringify({ ...JSON.parse(good), ...change }));

    edit({ best: { scale: 1e300, accuracy: 0 } });
    const hugeBest = cli("rnn", "eval", dir, "--trials", "1", "--workers", "1");
    edit({ accuracy: ["a", "b"] });
    const badAccuracy = cli("plot", dir, "--no-png");
    edit({ task: "xor" });
    const wrongTask = cli("rnn", "eval", dir, "--trials", "1", "--workers", "1");
    writeFileSync(join(dir, "search.json"), good);
    writeFileSync(join(dir, "summary.json"), '{"train": {"task": "go-');
    const badSummary = cli("report", dir);
    rmSync(join(dir, "summary.json"));
    rmSync(join(dir, "curve.json"));
    const plotWithoutCurve = cli("plot", dir, "--no-png");
    rmSync(join(dir, "search.json"));
    rmSync(join(dir, "examples.json"), { force: true });
    const plotNothing = cli("plot", dir, "--no-png");
    const mnistEval = cli("eval", dir);
    const withData = cli("plot", dir, "--data", dir);
    const empty = mkdtempSync(join(tmpdir(), "spikeflow-cli-rnn-empty-"));
    const plotEmpty = cli("plot", empty);
    rmSync(empty, { recursive: true, force: true });

    assert.equal(hugeBest.status, 2);
    assert.match(
      hugeBest.stderr,
      /search\.json: best\.scale must be one of "scales" \(20, 30\), got 1e\+300/,
    );
    // a search.json that is there is read even with --scale, so the hint says to delete it first
    assert.match(
      hugeBest.stderr,
      /run "spikeflow rnn convert .*" again, or delete search\.json and pass --scale \(the receiver synapse\)/,
    );
    assert.equal(badAccuracy.status, 2);
    assert.match(
      badAccuracy.stderr,
      /search\.json: "accuracy" must hold one fraction in \[0, 1\] per scale \(2\)/,
    );
    assert.equal(wrongTask.status, 2);
    assert.match(wrongTask.stderr, /"task" is "xor", but the model was trained on "go-nogo"/);
    assert.equal(badSummary.status, 2);
    assert.match(badSummary.stderr, /summary\.json is not valid JSON/);
    assert.doesNotMatch(badSummary.stderr, /\n\s+at /);
    assert.equal(plotWithoutCurve.status, 0, plotWithoutCurve.stderr);
    assert.match(plotWithoutCurve.stdout, /plots in/);
    assert.equal(plotNothing.status, 0, plotNothing.stderr);
    assert.match(plotNothing.stdout, /nothing to plot in .*: no curve\.json, search\.json or examples\.json/);
    assert.equal(mnistEval.status, 2);
    assert.match(mnistEval.stderr, /rate-RNN model .* use "spikeflow rnn eval"/);
    assert.doesNotMatch(mnistEval.stderr, /is damaged|re-run training/);
    assert.equal(withData.status, 2);
    assert.match(
      withData.stderr,
      /--data names MNIST files, but .* is a spiking-RNN run, which reads no data set/,
    );
    assert.equal(plotEmpty.status, 2);
    assert.match(
      plotEmpty.stderr,
      /is not a run directory: it has neither config\.json .* nor model\/model\.json/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the kim-2019 example refuses unknown or valueless arguments and reports a run without an evaluation", () => {
  const typo = example("--unit", "12");
  const noValue = example("--seed");
  const short = example(
    "--neurons",
    "10",
    "--max-trials",
    "1",
    "--trials",
    "1",
    "--scales",
    "20",
    "--workers",
    "1",
  );

  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /^go-nogo\.ts: unknown argument "--unit"\nusage:/);
  assert.equal(noValue.status, 2);
  assert.match(noValue.stderr, /--seed needs a value/);
  assert.equal(short.status, 0, short.stderr);
  assert.match(short.stdout, /no evaluation reached/);
});

test("plot and report replace an rnn run's plots/ as a whole (report draws PNGs too) and refuse the same damaged files", () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-cli-rnn-plots-"));
  try {
    const train = trainGoNogo10(dir, 2, "--quiet");
    assert.equal(train.status, 0, train.stderr);
    const plots = join(dir, "plots");
    const drawn = ["rnn-accuracy.png", "rnn-accuracy.svg", "rnn-loss.png", "rnn-loss.svg"];
    assert.deepEqual(readdirSync(plots).sort(), drawn);
    // a file plot did not draw does not stay; --no-png leaves no PNG of an earlier drawing
    writeFileSync(join(plots, "junk.svg"), "<svg/>");
    const svgOnly = cli("plot", dir, "--no-png");
    assert.equal(svgOnly.status, 0, svgOnly.stderr);
    assert.deepEqual(readdirSync(plots).sort(), ["rnn-accuracy.svg", "rnn-loss.svg"]);
    // report redraws the set it shows, PNGs included, as for an LC-SNN run
    const report = cli("report", dir);
    assert.equal(report.status, 0, report.stderr);
    assert.deepEqual(readdirSync(plots).sort(), drawn);
    // a truncated summary.json: plot refuses it as report does, and plots/ stays as it was
    const summary = readFileSync(join(dir, "summary.json"), "utf8");
    writeFileSync(join(dir, "summary.json"), summary.slice(0, 40));
    const badPlot = cli("plot", dir);
    const badReport = cli("report", dir);
    assert.equal(badPlot.status, 2);
    assert.match(badPlot.stderr, /^spikeflow: error: .*summary\.json is not valid JSON/);
    assert.equal(badReport.status, 2);
    assert.equal(badReport.stderr, badPlot.stderr);
    assert.deepEqual(readdirSync(plots).sort(), drawn);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rnn train without a terminal ends its progress with the last evaluation, even when it stops early", () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-rnn-progress-"));
  try {
    const out = join(dir, "run");
    const r = trainGoNogo10(out, 150, "--seed", "1");
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("train: "));
    // evaluations after trials 2 and 102; the first is printed at once, the last by the end of the run
    assert.deepEqual(
      lines.map((l) => l.split(",")[0]),
      ["train: 2/150 trials", "train: 102/150 trials"],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rnn convert, eval and plot refuse a model copied in from another run (summary.json's model.manifestCrc32)", () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-rnn-swap-"));
  try {
    const a = join(dir, "a");
    const b = join(dir, "b");
    assert.equal(trainGoNogo10(a, 3, "--seed", "1", "--quiet").status, 0);
    assert.equal(trainGoNogo10(b, 3, "--seed", "2", "--quiet").status, 0);
    rmSync(join(a, "model"), { recursive: true });
    cpSync(join(b, "model"), join(a, "model"), { recursive: true });
    for (const command of [["rnn", "convert"], ["rnn", "eval"], ["plot"]]) {
      const r = cli(...command, a, "--quiet");
      assert.equal(r.status, 2, `${command.join(" ")}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /model\/model\.json is not the model this run trained: its CRC-32 is [0-9a-f]{8} but .*summary\.json records "[0-9a-f]{8}" \(model\.manifestCrc32\)/,
        command.join(" "),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("search.json and examples.json copied in from another run of the same seed are refused by their model record", () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-rnn-copied-"));
  try {
    const a = join(dir, "a");
    const b = join(dir, "b");
    // the same seed, other decay times: only the model record tells the files apart
    assert.equal(trainGoNogo10(a, 3, "--seed", "1", "--quiet").status, 0);
    assert.equal(trainGoNogo10(b, 3, "--seed", "1", "--taus", "20:100", "--quiet").status, 0);
    for (const run of [a, b]) {
      const c = cli("rnn", "convert", run, "--scales", "20,30", "--trials", "2", "--quiet");
      assert.equal(c.status, 0, c.stderr);
    }
    const own = JSON.parse(readFileSync(join(a, "search.json"), "utf8")) as {
      model: { manifestCrc32: string };
    };
    assert.equal(own.model.manifestCrc32, crc32Hex(readFileSync(join(a, "model", "model.json"))));
    for (const file of ["search.json", "examples.json"]) {
      const copy = join(dir, "copy");
      rmSync(copy, { recursive: true, force: true });
      cpSync(a, copy, { recursive: true });
      cpSync(join(b, file), join(copy, file));
      for (const command of [
        ["rnn", "eval", copy, "--trials", "1"],
        ["plot", copy, "--no-png"],
      ]) {
        const r = cli(...command, "--quiet");
        assert.equal(r.status, 2, `${file}, ${command.join(" ")}: ${r.stderr}`);
        assert.match(
          r.stderr,
          new RegExp(
            `^spikeflow: error: ${join(copy, file)} was written for another model: it records "[0-9a-f]{8}" ` +
              `\\(model\\.manifestCrc32\\), but ${join(copy, "model", "model.json")} has CRC-32 [0-9a-f]{8}; it ` +
              "was copied from another run or edited: run",
          ),
          `${file}, ${command.join(" ")}`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rnn convert and rnn eval refuse a damaged curve.json before their trials, as plot does", () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-rnn-curve-"));
  try {
    assert.equal(trainGoNogo10(dir, 3, "--quiet").status, 0);
    assert.equal(cli("rnn", "convert", dir, "--scales", "20", "--trials", "1", "--quiet").status, 0);
    writeFileSync(join(dir, "curve.json"), "{");
    const before = readdirSync(dir).sort();
    for (const command of [
      ["rnn", "convert"],
      ["rnn", "eval"],
    ]) {
      const r = cli(...command, dir, "--trials", "1", "--quiet");
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`^spikeflow: error: ${join(dir, "curve.json")} is not valid JSON`));
      assert.deepEqual(readdirSync(dir).sort(), before, "nothing removed or written");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an edited model.json of an rnn run gets one line naming the file and the field, not another command to try", () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-rnn-edited-"));
  try {
    assert.equal(trainGoNogo10(dir, 2, "--quiet").status, 0);
    const manifest = join(dir, "model", "model.json");
    const good = readFileSync(manifest, "utf8");
    const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as Record<string, unknown>;
    /** Writes model.json with `edit` applied, and summary.json's record of it (so the swap check passes). */
    const edit = (change: (doc: { kind: string; config: Record<string, unknown> }) => void) => {
      const doc = JSON.parse(good) as { kind: string; config: Record<string, unknown> };
      change(doc);
      writeFileSync(manifest, JSON.stringify(doc));
      const model = { manifestCrc32: crc32Hex(readFileSync(manifest)) };
      writeFileSync(join(dir, "summary.json"), JSON.stringify({ ...summary, model }));
    };

    edit((d) => (d.kind = "lcsnn"));
    const kind = [cli("plot", dir), cli("rnn", "eval", dir, "--trials", "1")];
    edit((d) => (d.config.seed = -1));
    const seed = [cli("plot", dir), cli("rnn", "eval", dir, "--trials", "1", "--quiet")];

    for (const r of kind) {
      assert.equal(r.status, 2, r.stderr);
      assert.equal(
        r.stderr,
        `spikeflow: error: ${manifest}: "kind" is "lcsnn", but ${dir} is a spiking-RNN run (it has ` +
          `curve.json), whose model is a "rate-rnn": model.json was edited or replaced (put the run's own model ` +
          `back, or train the run again)\n`,
      );
    }
    for (const r of seed) {
      assert.equal(r.status, 2, r.stderr);
      assert.match(
        r.stderr,
        /^(spikeflow: warning: .*\n)*spikeflow: error: .*model\.json: config\.seed must be an integer from 0 to 2\^53 - 1 \(the seed of every random stream\), got number -1\n$/,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rnn convert and eval refuse up front a directory where they remove an earlier step's eval.json or report.html, and a file named plots", () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-cli-rnn-stale-"));
  try {
    assert.equal(trainGoNogo10(dir, 2, "--quiet").status, 0);
    mkdirSync(join(dir, "eval.json"));
    const convert = convertTiny(dir, "20");
    assert.equal(convert.status, 2, convert.stderr);
    assert.equal(
      convert.stderr,
      `spikeflow: error: ${join(dir, "eval.json")} is a directory, not a file; \`spikeflow rnn convert\` ` +
        "removes the eval.json of the search it replaces: remove it\n",
    );
    assert.ok(!existsSync(join(dir, "search.json")), "nothing written");
    rmSync(join(dir, "eval.json"), { recursive: true });
    assert.equal(convertTiny(dir, "20").status, 0);

    mkdirSync(join(dir, "report.html"));
    const convertAgain = convertTiny(dir, "20");
    assert.equal(convertAgain.status, 2, convertAgain.stderr);
    assert.match(convertAgain.stderr, /report\.html is a directory, not a file; .*rnn convert/);
    const ev = cli("rnn", "eval", dir, "--trials", "1", "--workers", "1", "--quiet");
    assert.equal(ev.status, 2, ev.stderr);
    assert.equal(
      ev.stderr,
      `spikeflow: error: ${join(dir, "report.html")} is a directory, not a file; \`spikeflow rnn eval\` ` +
        "removes the report.html of the evaluation it replaces: remove it\n",
    );
    assert.ok(!existsSync(join(dir, "eval.json")), "nothing written");

    // a file named plots is not deleted by the commands that replace plots/ as a whole
    rmSync(join(dir, "report.html"), { recursive: true });
    rmSync(join(dir, "plots"), { recursive: true, force: true });
    writeFileSync(join(dir, "plots"), "my notes");
    for (const [args, command] of [
      [
        ["rnn", "convert", dir, "--scales", "20", "--trials", "1", "--workers", "1", "--quiet"],
        "rnn convert",
      ],
      [["plot", dir], "plot"],
      [["report", dir], "report"],
    ] as const) {
      const r = cli(...args);
      assert.equal(r.status, 2, r.stderr);
      assert.equal(
        r.stderr,
        `spikeflow: error: ${join(dir, "plots")} is a file, not a directory; \`spikeflow ${command}\` replaces ` +
          "plots/ as a whole, which would delete it: remove it\n",
      );
      assert.equal(readFileSync(join(dir, "plots"), "utf8"), "my notes");
    }
    // a link to nothing would fail the rename after the drawing, leaving plots.tmp/: refused first
    rmSync(join(dir, "plots"));
    symlinkSync(join(dir, "nothere"), join(dir, "plots"));
    const dangling = cli("plot", dir);
    assert.equal(dangling.status, 2, dangling.stderr);
    assert.equal(
      dangling.stderr,
      `spikeflow: error: ${join(dir, "plots")} is a symbolic link to nothing (its target does not exist); ` +
        "`spikeflow plot` replaces plots/ as a whole: remove the link\n",
    );
    assert.ok(!existsSync(join(dir, "plots.tmp")), "no half-drawn plots left");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rnn eval of an unconverted run that missed its stopping rule prints only the refusal, not the warning before it", () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-cli-rnn-noscale-"));
  try {
    // 2 trials: far from the stopping rule, so convert and eval would warn
    assert.equal(trainGoNogo10(dir, 2, "--quiet").status, 0);
    const ev = cli("rnn", "eval", dir, "--trials", "1", "--workers", "1");
    assert.equal(ev.status, 2, ev.stderr);
    assert.equal(
      ev.stderr,
      `spikeflow: error: ${join(dir, "search.json")} does not exist; run "spikeflow rnn convert ${dir}" ` +
        "first, or pass --scale\n",
    );
    // with --scale the evaluation runs, and the warning comes
    const scaled = cli("rnn", "eval", dir, "--trials", "1", "--workers", "1", "--scale", "30", "--quiet");
    assert.equal(scaled.status, 0, scaled.stderr);
    assert.match(scaled.stderr, /^spikeflow: warning: the rate network in .* did not meet the stopping rule/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
