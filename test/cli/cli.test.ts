import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  readFileSync,
  existsSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeIdx } from "../../src/data/idx.ts";
import { mnistDataDir } from "../../src/data/mnist.ts";
import { Dense, Input, LIF, Network } from "../../src/index.ts";
import { saveNetwork } from "../../src/io/network-file.ts";
import { defaultRunDir } from "../../src/cli/options.ts";
import { encodeNpy } from "../../src/io/npy.ts";
import { BIN, cli } from "../helpers/cli.ts";

test("bad option values are rejected with the option's name and the value", () => {
  const r = cli("train", "lcsnn", "--filters", "0");
  assert.notEqual(r.code, 0);
  assert.match(r.err, /--filters must be an integer >= 1, got "0"/);
  const t = cli("train", "lcsnn", "--time", "abc");
  assert.match(t.err, /--time must be a time in ms > 0, got "abc"/);
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
    assert.match(r.err, /--time 2.5 ms is not a whole number of steps of --dt 1 ms/);
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
    assert.match(f.err, /--train 70000 exceeds the 60000 training images; use --train 60000 or fewer/);
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
    const written = JSON.parse(readFileSync(join(dir, "eval.json"), "utf8"));
    assert.deepEqual(written.accuracy, s.test.accuracy);
    // eval.json says what it tested, in config.json's terms: the same test images as the run, and the seed
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    assert.deepEqual(written.data, { source: config.data.source, test: config.data.test });
    assert.equal(written.data.test.count, 20);
    assert.equal(written.seed, s.seed);
    assert.deepEqual(JSON.parse(e.out), written, "--json prints what eval.json holds");
    // the model/ subdirectory is accepted as well
    const m = cli("eval", join(dir, "model"), "--workers", "1", "--json", "--test", "5");
    assert.equal(m.code, 0, m.err);
    assert.equal(JSON.parse(m.out).accuracy.ngram !== undefined, true);
    // plot takes DIR/model as eval does, and draws into DIR/plots
    rmSync(join(dir, "plots"), { recursive: true, force: true });
    const p = cli("plot", join(dir, "model"), "--no-png");
    assert.equal(p.code, 0, p.err);
    assert.ok(readdirSync(join(dir, "plots")).some((f) => f.endsWith(".svg")));
    assert.equal(existsSync(join(dir, "model", "plots")), false);
    // the spiking-RNN commands on this LC-SNN run point to the commands that take it, and write nothing
    for (const sub of ["convert", "eval"]) {
      const wrong = cli("rnn", sub, dir, "--trials", "1");
      assert.equal(wrong.code, 2, wrong.err);
      assert.match(
        wrong.err,
        /holds a "lcsnn" model, not a rate RNN; .*use "spikeflow eval", "plot" or "report"/,
      );
      assert.equal(existsSync(join(dir, "search.json")), false);
    }
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

// ---- fresh-user findings: every refusal names the option and the allowed range, before --out exists ----

/** A new temporary directory for `use`, removed afterwards. */
function withTmp(use: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-cli-"));
  try {
    use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `spikeflow train KIND ...args` that must be refused. Tiny bounds and a missing --data come first (`args`
 * override them), so that without the check under test the command fails fast on the data instead of
 * training. Asserts a non-zero exit and that its --out was never created.
 */
function refusedTrain(kind: string, ...args: string[]) {
  let r = { code: null as number | null, out: "", err: "" };
  withTmp((dir) => {
    const out = join(dir, "run");
    // small, safe defaults for whatever the test does not set (a repeated option is refused)
    const given = new Set(args.filter((a) => a.startsWith("--")));
    const defaults = [
      kind === "lcsnn" ? ["--filters", "2"] : ["--neurons", "2"],
      ["--train", "10"],
      ["--test", "5"],
      ["--workers", "1"],
      ["--quiet"],
    ];
    const base = defaults.filter(([name]) => !given.has(name)).flat();
    r = cli("train", kind, ...base, "--data", join(dir, "no-data"), "--out", out, ...args);
    assert.notEqual(r.code, 0, r.err);
    assert.equal(existsSync(out), false, "the run directory is not created");
  });
  return r;
}

test("--intensity must be a Poisson rate scale > 0 and keep the brightest pixel at <= 1 spike per step", () => {
  for (const kind of ["lcsnn", "diehl-cook"]) {
    for (const bad of ["0", "-1", "NaN"]) {
      const r = refusedTrain(kind, "--intensity", bad);
      assert.match(r.err, new RegExp(`--intensity must be a rate in Hz per pixel unit > 0, got "${bad}"`));
    }
  }
  // rate = 255 x 5 Hz = 1275 Hz at dt = 1 ms is p = 1.275 per step; the most is 1000 / 255 = 3.9215...
  const r = refusedTrain("lcsnn", "--intensity", "5");
  assert.equal(r.code, 2);
  assert.match(r.err, /--intensity 5 Hz per pixel unit drives a 255 pixel at 1275 Hz/);
  assert.match(r.err, /use --intensity in \(0, 3\.9215\] \(1000 \/ \(255 x dt\)\) or a smaller --dt/);
});

test("an --intensity that gives even the brightest pixel less than one spike per image is warned about", () => {
  withTmp((dir) => {
    const train = (intensity: string) =>
      spawnSync(
        process.execPath,
        [BIN, "train", "lcsnn", "--filters", "2", "--train", "10", "--test", "5", "--workers", "1"].concat([
          "--intensity",
          intensity,
          "--data",
          join(dir, "no-data"),
          "--out",
          join(dir, "run"),
        ]),
        { encoding: "utf8", env: { ...process.env, SPIKEFLOW_LOG: "warn" } },
      );
    // 255 x 0.001 Hz x 8 (the last retry) x 0.25 s = 0.51 expected spikes; the run goes on to the data check
    const low = train("0.001");
    assert.equal(low.status, 2, low.stderr);
    assert.match(
      low.stderr,
      /^spikeflow warn \[intensity-low\]: --intensity 0\.001 Hz per pixel unit gives a 255 pixel 0\.51 expected spikes per --time 250 ms image, even at the 8x intensity of the last retry: the network gets almost no input; use an --intensity of at least 0\.00197 /,
    );
    assert.match(low.stderr, /dataset directory .*no-data does not exist/);
    // the suggested minimum is enough (255 x 0.00197 x 8 x 0.25 = 1.005): no warning
    assert.doesNotMatch(train("0.00197").stderr, /intensity-low/);
  });
});

test("--ngram must lie in [1, 16] (config.json's bound) and within the presentation's steps", () => {
  for (const bad of ["50", "17", "0", "1.5"]) {
    const r = refusedTrain("lcsnn", "--ngram", bad);
    assert.match(r.err, new RegExp(`--ngram must be an integer in \\[1, 16\\] .*, got "${bad}"`));
  }
  const r = refusedTrain("diehl-cook", "--ngram", "10", "--time", "5");
  assert.equal(r.code, 2);
  assert.match(
    r.err,
    /--ngram 10 needs 10 spiking steps .* --time 5 ms at --dt 1 ms has 5; use --ngram 1 to 5/,
  );
  // a presentation of 1e9 steps used to end in a raw "Invalid typed array length"
  const long = refusedTrain("lcsnn", "--time", "1e9");
  assert.equal(long.code, 2);
  assert.match(long.err, /--time 1000000000 ms at --dt 1 ms is 1000000000 steps per image; at most 100000/);
});

test("--workers is an integer in [1, 1024] in every command; more than the cores is one warning line", () => {
  const commands: ((...a: string[]) => { err: string })[] = [
    (...a) => refusedTrain("lcsnn", ...a),
    (...a) => refusedTrain("diehl-cook", ...a),
    (...a) => cli("eval", "nowhere", ...a),
    (...a) => cli("rnn", "convert", "nowhere", ...a),
    (...a) => cli("rnn", "eval", "nowhere", ...a),
  ];
  for (const run of commands) {
    for (const bad of ["0", "1.5", "-2", "5000"]) {
      const r = run("--workers", bad);
      assert.match(r.err, new RegExp(`--workers must be an integer in \\[1, 1024\\] .*, got "${bad}"`));
    }
  }
  const cores = availableParallelism();
  withTmp((dir) => {
    const quiet = cli("eval", dir, "--workers", String(Math.min(cores, 1024)));
    assert.doesNotMatch(quiet.err, /warning/);
    if (cores >= 1024) return;
    const over = cli("eval", dir, "--workers", String(cores + 1));
    assert.equal(over.code, 2, "the warning does not stop the command; the missing model does");
    const warnings = over.err.split("\n").filter((l) => /warning/.test(l));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], new RegExp(`--workers ${cores + 1} is more than the ${cores} cores?`));
    assert.match(over.err, /model\.json/);
  });
});

test("a model with more than 2^26 weights is refused before --out is created, with the count", () => {
  // 100000 filters take the paper's 16x16 kernel, stride 2: (20 - 16) / 2 + 1 = 3, so 9 x 256 x 100000
  const lc = refusedTrain("lcsnn", "--filters", "100000");
  assert.equal(lc.code, 2);
  assert.match(lc.err, /--filters 100000 .* needs 230400000 weights, more than the 67108864 \(2\^26\)/);
  assert.match(lc.err, /use at most 29127 filters/); // floor(2^26 / 2304)
  // Diehl & Cook: 784 x 100000 = 78,400,000; at most floor(2^26 / 784) = 85598 neurons
  const dc = refusedTrain("diehl-cook", "--neurons", "100000");
  assert.equal(dc.code, 2);
  assert.match(dc.err, /--neurons 100000 .* needs 78400000 weights, .* use at most 85598 neurons/);
});

test("nir run refuses non-finite input, --steps beyond the input, and two inputs for one node", () => {
  const nir = fileURLToPath(new URL("../fixtures/nir/lif_norse.nir", import.meta.url));
  withTmp((dir) => {
    const npy = (name: string, values: number[]): string => {
      const path = join(dir, name);
      writeFileSync(
        path,
        encodeNpy({ dtype: "F64", shape: [values.length, 1], data: Float64Array.from(values) }),
      );
      return path;
    };
    const good = npy("good.npy", [0, 1, 0, 1, 0]);
    const run = (...args: string[]) => cli("nir", "run", nir, "--dt", "1e-4", ...args);
    for (const [name, v] of [
      ["nan.npy", NaN],
      ["inf.npy", Infinity],
    ] as const) {
      const r = run("--input", npy(name, [0, 1, 0, v, 0]));
      assert.equal(r.code, 2);
      assert.match(
        r.err,
        new RegExp(`${name}: value 3 \\(step 3, value 0 of the step\\) is ${v}; inputs must be finite`),
      );
    }
    const long = run("--input", good, "--steps", "8");
    assert.equal(long.code, 2);
    assert.match(long.err, /--steps 8 is more than the 5 rows \(steps\) of .*good\.npy/);
    assert.equal(run("--input", good, "--steps", "5").code, 0, "as many steps as rows is fine");
    const none = run("--input", good, "--steps", "0");
    assert.equal(none.code, 2);
    assert.match(
      none.err,
      /--steps must be an integer from 1 \(a run of no step has no output\) to 2\^53 - 1, got "0"/,
    );
    const empty = run("--input", npy("empty.npy", []));
    assert.equal(empty.code, 2);
    assert.match(
      empty.err,
      /error: --input \S*empty\.npy has no rows \(shape \[0, 1\]\): a run needs at least one step of input/,
    );
    // a file that is no .npy at all: named as the --input it came from
    const notNpy = run("--input", nir);
    assert.equal(notNpy.code, 2);
    assert.match(notNpy.err, /^spikeflow: error: --input \S*lif_norse\.nir/);
    const twice = run("--input", good, "--input", npy("other.npy", [1, 1, 1, 1, 1]));
    assert.equal(twice.code, 2);
    assert.match(twice.err, /--input is given twice for Input node "input" \(.*good\.npy and .*other\.npy\)/);
  });
});

test("eval, plot, report, rnn eval and nir export of a file say that they need a run directory", () => {
  withTmp((dir) => {
    const file = join(dir, "summary.json");
    writeFileSync(file, "{}");
    for (const args of [["eval"], ["plot"], ["report"], ["nir", "export"], ["rnn", "eval"]]) {
      const r = cli(...args, file);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(
        r.err,
        new RegExp(
          `summary\\.json is a file, not a directory; \`spikeflow ${args.join(" ")}\` takes a run ` +
            `directory .* or its model/ subdirectory`,
        ),
      );
      assert.doesNotMatch(r.err, /ENOTDIR/);
    }
  });
});

test("train checks the data before it writes into --out; the start line says '1 test worker'", () => {
  withTmp((dir) => {
    // an existing empty --out stays empty when the run fails on its data (config.json came first before)
    const out = join(dir, "empty");
    mkdirSync(out);
    const args = ["train", "lcsnn", "--filters", "2", "--train", "10", "--test", "5", "--workers", "1"];
    const missing = cli(...args, "--data", join(dir, "no-data"), "--out", out);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /no-data does not exist/);
    assert.doesNotMatch(missing.err, /->/, "a refused run prints no start line");
    assert.deepEqual(readdirSync(out), []);
    // 2x2 images: refused by their size before the directory exists, not by the model at the first image
    const data = join(dir, "tiny");
    mkdirSync(data);
    for (const p of ["train", "t10k"]) {
      writeFileSync(join(data, `${p}-images-idx3-ubyte`), encodeIdx("uint8", [20, 2, 2], new Uint8Array(80)));
      writeFileSync(join(data, `${p}-labels-idx1-ubyte`), encodeIdx("uint8", [20], new Uint8Array(20)));
    }
    const fresh = join(dir, "fresh");
    const tiny = cli(...args, "--data", data, "--out", fresh, "--quiet");
    assert.equal(tiny.code, 2);
    assert.match(tiny.err, /the training images in .*tiny are 2x2, but the model reads 28x28 images/);
    assert.equal(existsSync(fresh), false);
    const ck = refusedTrain("lcsnn", "--checkpoint-every", "100");
    assert.equal(ck.code, 2);
    assert.match(ck.err, /--checkpoint-every 100 must be a multiple of --update-interval 250/);
  });
});

test("help text shows array defaults in the input syntax", () => {
  const taus = cli("rnn", "train", "--help").out;
  assert.match(taus, /\(default:\s+20:50\)/);
  assert.doesNotMatch(taus, /\[20,50\]/);
  const scales = cli("rnn", "convert", "--help").out;
  assert.match(scales, /\(default:\s+20:75:5\)/);
  assert.doesNotMatch(scales, /\[20,25/);
  assert.match(cli("train", "diehl-cook", "--help").out, /\(default:\s+128\/255\)/);
});

test("a kernel or crop too large for the input is said as such, not as too many --filters", () => {
  // the weight count of a geometry without locations used to come first: "-39x-39 locations", "use at most 4
  // filters" (or 0)
  const refusal = (...args: string[]) => {
    const r = refusedTrain("lcsnn", ...args);
    assert.equal(r.code, 2, r.err);
    return r.err;
  };
  for (const kernel of ["100", "1e9"]) {
    assert.equal(
      refusal("--kernel", kernel, "--filters", "100"),
      `spikeflow: error: --kernel ${Number(kernel)} does not fit the 20x20 input (28 - 2 x --crop 4); use ` +
        `--kernel <= 20 or a smaller --crop\n`,
    );
  }
  assert.equal(
    refusal("--crop", "1e9", "--filters", "100"),
    "spikeflow: error: --crop 1000000000 leaves no input of the 28x28 image; use --crop below 14\n",
  );
  // a geometry that fits is still bounded by its size, said with its locations
  assert.match(
    refusal("--kernel", "20", "--filters", "200000"),
    /^spikeflow: error: --filters 200000 \(1x1 locations x 20x20 kernel x 200000 filters\) needs 80000000 weights, /,
  );
});

test("an integer option without a bound of its own says the 2^53 - 1 limit to a value past it", () => {
  for (const [option, min] of [
    ["--seed", 0],
    ["--train", 1],
    ["--checkpoint-every", 1],
    ["--filters", 1],
  ] as const) {
    const r = refusedTrain("lcsnn", option, "9007199254740992");
    assert.equal(r.code, 2, r.err);
    const said =
      `${option} must be an integer from ${min} to 2^53 - 1 (9007199254740991), ` +
      `got "9007199254740992"\n`;
    assert.ok(r.err.startsWith("spikeflow: error: ") && r.err.endsWith(said), r.err);
  }
  const e = cli("eval", "nowhere", "--test", "1e300");
  assert.equal(e.code, 2);
  assert.match(e.err, /--test must be an integer from 1 to 2\^53 - 1 \(9007199254740991\), got "1e300"/);
  // below the lower bound, or not an integer, the message stays as it was
  assert.match(refusedTrain("lcsnn", "--seed", "-1").err, /--seed must be an integer >= 0, got "-1"\n$/);
  assert.match(refusedTrain("lcsnn", "--seed", "1.5").err, /--seed must be an integer >= 0, got "1\.5"\n$/);
});

test("a repeated option is refused instead of silently taking its last value", () => {
  const r = cli("rnn", "convert", "nowhere", "--trials", "5", "--trials=6");
  const eval_ = cli("eval", "nowhere", "--workers", "1", "--workers", "2");

  assert.equal(r.code, 2);
  assert.equal(r.err, "spikeflow: error: --trials is given more than once; give it once\n");
  assert.equal(eval_.code, 2);
  assert.match(eval_.err, /--workers is given more than once/);
});

test("a command line without a command, or with an unknown one, gets one line listing the commands", () => {
  const cases: [string[], string][] = [
    [
      ["bogus"],
      'unknown command "bogus": give one of train, eval, plot, report, rnn, nir, convert (spikeflow --help describes them)',
    ],
    [
      ["train", "bogus", "--quiet"],
      'unknown command "bogus" after "spikeflow train": give one of lcsnn, diehl-cook (spikeflow train --help describes them)',
    ],
    [
      ["train", "--resume", "nowhere"],
      'missing command after "spikeflow train": the options follow the command, so give one of lcsnn, diehl-cook ' +
        "first (spikeflow train lcsnn --resume nowhere, or train diehl-cook for a Diehl & Cook run)",
    ],
    [
      ["rnn", "--task", "xor", "train"],
      'missing command after "spikeflow rnn": the options follow the command, so give one of train, convert, ' +
        "eval first (spikeflow rnn --help describes them)",
    ],
    [
      ["nir", "imprt"],
      'unknown command "imprt" after "spikeflow nir": give one of export, import, run (spikeflow nir --help describes them)',
    ],
    [
      [],
      "missing command: give one of train, eval, plot, report, rnn, nir, convert (spikeflow --help describes them)",
    ],
    [
      ["--quiet"],
      "missing command: give one of train, eval, plot, report, rnn, nir, convert (spikeflow --help describes them)",
    ],
    [
      ["train"],
      'missing command after "spikeflow train": give one of lcsnn, diehl-cook (spikeflow train --help describes them)',
    ],
    [
      ["rnn", "--quiet"],
      'missing command after "spikeflow rnn": give one of train, convert, eval (spikeflow rnn --help describes them)',
    ],
    [
      ["nir"],
      'missing command after "spikeflow nir": give one of export, import, run (spikeflow nir --help describes them)',
    ],
  ];
  for (const [args, line] of cases) {
    const r = cli(...args);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.err, `spikeflow: error: ${line}\n`, args.join(" "));
    assert.equal(r.out, "");
  }
  // a run directory's config.json names the command that resumes it
  withTmp((dir) => {
    writeFileSync(join(dir, "config.json"), JSON.stringify({ kind: "diehl-cook-2015" }));
    const r = cli("train", "--resume", dir);
    assert.equal(r.code, 2);
    assert.match(
      r.err,
      new RegExp(`\\(${dir} is resumed by spikeflow train diehl-cook --resume ${dir}\\)\n$`),
    );
    // a finished run is not sent to a command that would refuse it; --resume=DIR is read too
    writeFileSync(join(dir, "summary.json"), "{}");
    const done = cli("train", `--resume=${dir}`);
    assert.match(
      done.err,
      new RegExp(
        `\\(${dir} is a finished run, so there is nothing to resume; re-test it with spikeflow eval ${dir}\\)\n$`,
      ),
    );
  });
  // --help still prints the help, with status 0
  const help = cli("train", "--help");
  assert.equal(help.code, 0);
  assert.match(help.out, /^Usage: spikeflow train/);
});

test("numbers must be written in decimal: hexadecimal, binary, spaced and '+' forms are refused", () => {
  const hex = refusedTrain("lcsnn", "--filters", "0x10");
  const bin = refusedTrain("lcsnn", "--lr", "0b1");
  const spaced = cli("rnn", "convert", "nowhere", "--trials", " 5 ");
  const leading = refusedTrain("lcsnn", "--filters", " 25");
  const plus = refusedTrain("lcsnn", "--filters", "+25");
  const plusTime = refusedTrain("lcsnn", "--time", "+250");

  assert.match(hex.err, /--filters must be an integer >= 1, got "0x10"/);
  assert.match(bin.err, /--lr must be a number, got "0b1"/);
  // the value is refused, not the missing run
  assert.equal(spaced.code, 2);
  assert.match(spaced.err, /--trials must be an integer in \[1, 100000\], got " 5 "/);
  assert.match(leading.err, /--filters must be an integer >= 1, got " 25"/);
  assert.match(plus.err, /--filters must be an integer >= 1, got "\+25"/);
  assert.match(plusTime.err, /--time must be a time in ms > 0, got "\+250"/);
  // exponent notation stays, its sign included: the refusal is about the missing run
  const exponent = cli("rnn", "convert", "nowhere", "--trials", "1e+1", "--scales", "2.5e1, 30");
  assert.equal(exponent.code, 2);
  assert.match(exponent.err, /nowhere does not exist/);
});

test("default run directories: time to the millisecond, and -2, -3 when two runs start at the same moment", () => {
  const root = mkdtempSync(join(tmpdir(), "spikeflow-cli-default-out-"));
  try {
    const now = new Date("2026-12-04T20:43:11.123Z");
    const first = defaultRunDir("rnn-go-nogo", now, root);
    assert.equal(first, join(root, "rnn-go-nogo-2026-12-04T20-43-11-123"));
    mkdirSync(first);
    assert.equal(defaultRunDir("rnn-go-nogo", now, root), `${first}-2`);
    mkdirSync(`${first}-2`);
    assert.equal(defaultRunDir("rnn-go-nogo", now, root), `${first}-3`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

// ---- fresh-user findings (2): refusals before the start line, in option names; output paths; model dirs ----

/** MNIST-format IDX files in `dir`: `count` images per split with a 28x28 square, labels `label(i)`. */
function fakeMnist(dir: string, count = 20, label = (i: number) => i % 10): void {
  mkdirSync(dir, { recursive: true });
  const images = new Uint8Array(count * 784);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < 784; p++) if ((p + 7 * i) % 5 === 0) images[i * 784 + p] = 255;
  }
  const labels = Uint8Array.from({ length: count }, (_, i) => label(i));
  for (const p of ["train", "t10k"]) {
    writeFileSync(join(dir, `${p}-images-idx3-ubyte`), encodeIdx("uint8", [count, 28, 28], images));
    writeFileSync(join(dir, `${p}-labels-idx1-ubyte`), encodeIdx("uint8", [count], labels));
  }
}

/** Options of a train lcsnn run that takes a second or two on fakeMnist's data. */
const TINY_RUN = "--filters 2 --train 10 --test 5 --update-interval 5 --workers 1".split(" ");

/**
 * `spikeflow train lcsnn` with tiny bounds (`args` override them) and without --quiet, which must be
 * refused with one line: no start line before it, and no --out. Returns that line.
 */
function refusedBeforeStart(...args: string[]): string {
  let line = "";
  withTmp((dir) => {
    const out = join(dir, "run");
    const given = new Set(args.filter((a) => a.startsWith("--")));
    const base = [
      ["--filters", "2"],
      ["--train", "10"],
      ["--test", "5"],
      ["--workers", "1"],
    ].filter(([name]) => !given.has(name));
    const r = cli("train", "lcsnn", ...base.flat(), "--out", out, ...args);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /^spikeflow: error: [^\n]*\n$/, "one line, and no start line before it");
    assert.equal(existsSync(out), false, "the run directory is not created");
    line = r.err;
  });
  return line;
}

test("train refuses a bad model, count or data set before its start line, in the options' names", () => {
  assert.match(
    refusedBeforeStart("--dt", "0.3"),
    /--time 250 ms is not a whole number of steps of --dt 0\.3 ms .*; use a multiple of dt such as 249\.9 or 250\.2 ms/,
  );
  assert.match(
    refusedBeforeStart("--dt", "0.3", "--time", "249.9"),
    /--dt 0\.3 ms does not divide the model's tRef_ms of 5 ms .* use a --dt that divides 5 ms, such as 0\.25 or 0\.5/,
  );
  assert.match(
    refusedBeforeStart("--kernel", "30"),
    /--kernel 30 does not fit the 20x20 input \(28 - 2 x --crop 4\); use --kernel <= 20 or a smaller --crop/,
  );
  assert.match(
    refusedBeforeStart("--crop", "14"),
    /--crop 14 leaves no input of the 28x28 image; use --crop below 14/,
  );
  assert.match(
    refusedBeforeStart("--train", "70000"),
    /--train 70000 exceeds the 60000 training images; use --train 60000 or fewer/,
  );
  assert.match(
    refusedBeforeStart("--data", join(tmpdir(), "spikeflow-no-such-data")),
    /dataset directory .*spikeflow-no-such-data does not exist; pass an existing directory as --data$/m,
  );
  assert.match(
    refusedBeforeStart("--inhibition", "-5"),
    /--inhibition must be a strength in mV > 0, got "-5"/,
  );
  const time = refusedBeforeStart("--time", "0.5");
  assert.match(time, /--time 0\.5 ms is not a whole number of steps of --dt 1 ms .* such as 1 ms$/m);
  assert.doesNotMatch(time, /such as 0 /);
  withTmp((dir) => {
    fakeMnist(dir, 20, (i) => (i === 3 ? 12 : i % 10));
    const label = refusedBeforeStart("--data", dir);
    assert.match(
      label,
      /label 12 of example 3 is not a class of the data: spikeflow's MNIST commands read labels 0 to 9/,
    );
    assert.doesNotMatch(label, /numClasses|`/);
  });
});

test("a run that passes its checks prints its start line, then trains", () => {
  withTmp((dir) => {
    fakeMnist(join(dir, "data"));
    const r = cli("train", "lcsnn", ...TINY_RUN, "--data", join(dir, "data"), "--out", join(dir, "run"));
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /^spikeflow: lcsnn-2, 10 training \+ 5 test images, seed 0, 1 test worker -> /);
  });
});

/** A small trained LC-SNN run on fake data (made once, for the tests below): its directory and data. */
let trained: { run: string; data: string; root: string } | undefined;
function trainedRun(): { run: string; data: string; root: string } {
  if (trained) return trained;
  const root = mkdtempSync(join(tmpdir(), "spikeflow-cli-run-"));
  const data = join(root, "data");
  fakeMnist(data);
  const run = join(root, "run");
  const r = cli("train", "lcsnn", ...TINY_RUN, "--data", data, "--out", run, "--quiet");
  assert.equal(r.code, 0, r.err);
  trained = { run, data, root };
  return trained;
}
after(() => {
  if (trained) rmSync(trained.root, { recursive: true, force: true });
});

test("nir export writes a new file or its own DIR/model.nir, never over a directory or another file", () => {
  const { run } = trainedRun();
  withTmp((dir) => {
    const exp = (...a: string[]) => cli("nir", "export", run, ...a);
    const isDir = exp("--out", dir);
    assert.equal(isDir.code, 2);
    assert.match(isDir.err, /--out .* is a directory, not a file; choose a new --out or delete it/);
    const empty = exp("--out", "");
    assert.equal(empty.code, 2);
    assert.match(empty.err, /--out must name a file, got ""/);
    const other = join(dir, "notes.txt");
    writeFileSync(other, "mine");
    const taken = exp("--out", other);
    assert.equal(taken.code, 2);
    assert.match(
      taken.err,
      /--out .*notes\.txt already exists; choose a new --out or delete it \(nir export replaces only its default .*model\.nir\)/,
    );
    assert.equal(readFileSync(other, "utf8"), "mine", "the file is untouched");
    // a missing directory on the way is created, as train --out creates its directory
    const nested = join(dir, "new", "x.nir");
    assert.equal(exp("--out", nested).code, 0);
    assert.ok(existsSync(nested));
    // the default file is this command's own: exporting again replaces it
    assert.equal(exp().code, 0);
    assert.equal(exp().code, 0);
    assert.equal(exp("--out", join(run, "model.nir")).code, 0);
    const dt = exp("--dt", "0.002");
    assert.equal(dt.code, 2);
    assert.match(
      dt.err,
      /--dt 0\.002 s does not match the network's step of 1 ms; .*pass --dt 0\.001 \(or omit it\)/,
    );
    for (const e of [isDir, empty, taken, dt]) assert.doesNotMatch(e.err, /EISDIR|ENOENT|dt_s|\.tmp/);
  });
});

test("nir import and run: --dt is decimal, in [1e-6, 1] s; a directory is not a NIR file", () => {
  const { run } = trainedRun();
  const nir = join(run, "model.nir");
  if (!existsSync(nir)) assert.equal(cli("nir", "export", run).code, 0);
  withTmp((dir) => {
    for (const bad of ["0x1", "1e-30", "1e9", "0"]) {
      for (const r of [
        cli("nir", "import", nir, "--dt", bad, "--out", join(dir, "imp")),
        cli("nir", "run", nir, "--dt", bad, "--steps", "1"),
      ]) {
        assert.equal(r.code, 2);
        assert.match(r.err, new RegExp(`--dt must be a step in seconds in \\[1e-6, 1\\] .*, got "${bad}"`));
      }
    }
    assert.equal(existsSync(join(dir, "imp")), false);
    const isDir = cli("nir", "import", run, "--dt", "0.001", "--out", join(dir, "imp"));
    assert.equal(isDir.code, 2);
    assert.match(isDir.err, /is a directory, not a NIR file; the NIR file in it is .*model\.nir/);
    assert.doesNotMatch(isDir.err, /EISDIR/);
  });
});

test("eval takes any directory that holds model.json; other commands say what a model dir is for", () => {
  const { run, data } = trainedRun();
  withTmp((dir) => {
    const copy = join(dir, "mymodel");
    cpSync(join(run, "model"), copy, { recursive: true });
    const args = ["--test", "5", "--workers", "1", "--data", data, "--json"];
    const fromRun = cli("eval", run, ...args);
    const fromCopy = cli("eval", copy, ...args);
    assert.equal(fromCopy.code, 0, fromCopy.err);
    assert.deepEqual(JSON.parse(fromCopy.out).accuracy, JSON.parse(fromRun.out).accuracy);
    assert.ok(existsSync(join(copy, "eval.json")));
    const plot = cli("plot", copy);
    assert.equal(plot.code, 2);
    assert.match(
      plot.err,
      /mymodel holds a model \(model\.json\) but not the run it belongs to; `spikeflow plot` reads/,
    );
    // the output of nir import: said for what it is, with the command that runs it
    const imp = join(dir, "imp");
    assert.equal(cli("nir", "import", join(run, "model.nir"), "--dt", "0.001", "--out", imp).code, 0);
    for (const command of [["eval"], ["nir", "export"], ["report"]]) {
      const r = cli(...command, imp);
      assert.equal(r.code, 2, r.err);
      assert.match(
        r.err,
        new RegExp(
          `imp holds a network imported by \`spikeflow nir import\` \\(model kind "nir-network"\\), which ` +
            `\`spikeflow ${command.join(" ")}\` does not take; use \`spikeflow nir run .*imp --input FILE\\.npy\`; ` +
            `its NIR file is .*imp/model\\.nir`,
        ),
      );
    }
    // a file written last that is in the way as a directory: one line naming it, not the temporary file
    rmSync(join(copy, "eval.json"));
    mkdirSync(join(copy, "eval.json"));
    const blocked = cli("eval", copy, ...args);
    assert.equal(blocked.code, 2);
    assert.match(
      blocked.err,
      /^spikeflow: error: .*mymodel\/eval\.json is a directory, not a file; remove it: `spikeflow eval` writes eval\.json there\n$/,
      "refused before the test runs: no start line",
    );
  });
});

test("report refuses a report.html that is a directory before it redraws any plot", () => {
  const { run, data } = trainedRun();
  rmSync(join(run, "plots"), { recursive: true, force: true });
  rmSync(join(run, "report.html"), { force: true });
  mkdirSync(join(run, "report.html"));
  try {
    const r = cli("report", run, "--data", data);
    assert.equal(r.code, 2);
    assert.match(
      r.err,
      /report\.html is a directory, not a file; remove it: `spikeflow report` writes report\.html there/,
    );
    assert.equal(existsSync(join(run, "plots")), false, "no plot was drawn");
  } finally {
    rmSync(join(run, "report.html"), { recursive: true, force: true });
  }
});

test("help and behaviour agree: --kernel and --stride defaults; --quiet keeps warnings", () => {
  const help = cli("train", "lcsnn", "--help").out.replace(/\s+/g, " ");
  assert.match(help, /kernel side \(default: the paper's, 12 up to 150 filters and 16 above\)/);
  assert.match(help, /stride \(default: 4 with kernel 12, 2 with any other kernel/);
  assert.match(help, /--quiet no progress or status lines \(warnings and errors still print\)/);
});

// ---- fresh-user findings (3): output paths checked up front, worker caps, --quiet, NIR, edited runs ----

test("an --out that cannot be created is refused before the start line and before any work, naming --out", () => {
  const { run } = trainedRun();
  const nir = fileURLToPath(new URL("../fixtures/nir/lif_norse.nir", import.meta.url));
  withTmp((dir) => {
    fakeMnist(join(dir, "data"));
    const file = join(dir, "afile");
    writeFileSync(file, "mine");
    const underFile = (out: string) =>
      `spikeflow: error: --out ${out} cannot be written: ${file} is a file, not a directory; ` +
      `choose an --out in a directory you can write to\n`;
    // rnn train used to train the whole network and then fail on ENOTDIR, losing it
    const rnnArgs = "rnn train --task go-nogo --neurons 20 --max-trials 2 --out".split(" ");
    const rnn = cli(...rnnArgs, join(file, "x"));
    assert.equal(rnn.code, 2);
    assert.equal(rnn.err, underFile(join(file, "x")));
    const train = cli("train", "lcsnn", ...TINY_RUN, "--data", join(dir, "data"), "--out", join(file, "sub"));
    assert.equal(train.code, 2);
    assert.equal(train.err, underFile(join(file, "sub")));
    const imp = cli("nir", "import", nir, "--dt", "1e-4", "--out", join(file, "imp"));
    assert.equal(imp.code, 2);
    assert.equal(imp.err, underFile(join(file, "imp")));
    const runOut = cli("nir", "run", nir, "--dt", "1e-4", "--steps", "1", "--out", join(file, "r"));
    assert.equal(runOut.code, 2);
    assert.equal(runOut.err, underFile(join(file, "r")));
    const exp = cli("nir", "export", run, "--out", join(file, "x.nir"));
    assert.equal(exp.code, 2);
    assert.equal(exp.err, underFile(join(file, "x.nir")));
    assert.equal(readFileSync(file, "utf8"), "mine");
    if (existsSync("/proc")) {
      // /proc is a directory that takes no new entries, whatever its permissions say (root included)
      const proc = `/proc/spikeflow-test-${process.pid}`;
      const p = cli("train", "lcsnn", ...TINY_RUN, "--data", join(dir, "data"), "--out", proc);
      assert.equal(p.code, 2);
      assert.match(
        p.err,
        /^spikeflow: error: --out \/proc\/spikeflow-test-\d+ cannot be written: \/proc [^\n]*\n$/,
      );
      assert.equal(existsSync(proc), false);
    }
  });
});

test("rnn eval and rnn convert refuse an output that is a directory before they run", () => {
  withTmp((dir) => {
    const out = join(dir, "rnn");
    const train = cli(
      "rnn",
      "train",
      "--task",
      "go-nogo",
      "--neurons",
      "8",
      "--max-trials",
      "2",
      "--out",
      out,
    );
    assert.equal(train.code, 0, train.err);
    mkdirSync(join(out, "eval.json"));
    const ev = cli("rnn", "eval", out, "--scale", "20", "--trials", "1", "--workers", "1");
    assert.equal(ev.code, 2);
    assert.equal(
      ev.err,
      `spikeflow: error: ${join(out, "eval.json")} is a directory, not a file; remove it: ` +
        "`spikeflow rnn eval` writes eval.json there\n",
    );
    mkdirSync(join(out, "examples.json"));
    const conv = cli("rnn", "convert", out, "--scales", "20", "--trials", "1", "--workers", "1");
    assert.equal(conv.code, 2);
    assert.match(conv.err, /examples\.json is a directory, not a file; remove it: `spikeflow rnn convert`/);
    assert.equal(existsSync(join(out, "search.json")), false, "the search did not run");
  });
});

test("the test phase runs at most one thread per 250 test images, and the start lines say how many", () => {
  withTmp((dir) => {
    const data = join(dir, "data");
    fakeMnist(data);
    const out = join(dir, "run");
    const tiny = ["--filters", "2", "--train", "10", "--test", "10", "--update-interval", "5"];
    const r = cli("train", "lcsnn", ...tiny, "--workers", "50", "--data", data, "--out", out);
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.err,
      /^spikeflow: lcsnn-2, 10 training \+ 10 test images, seed 0, 1 test worker \(--workers 50, at most one per 250 test images\) -> /m,
    );
    assert.equal(JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).workers, 1);
    const e = cli("eval", out, "--test", "4", "--workers", "40", "--data", data);
    assert.equal(e.code, 0, e.err);
    assert.match(
      e.err,
      new RegExp(
        `^spikeflow: eval ${out}, 4 test images, seed 0, 1 test worker \\(--workers 40, at most one per 250 test images\\); data: --data ${data}$`,
        "m",
      ),
    );
  });
});

test("--checkpoint-every beyond --train is refused: no checkpoint would be written during training", () => {
  const r = refusedTrain(
    "lcsnn",
    "--train",
    "1000",
    "--update-interval",
    "250",
    "--checkpoint-every",
    "5000",
  );
  assert.equal(r.code, 2);
  assert.match(
    r.err,
    /--checkpoint-every 5000 is more than the --train 1000 training images, so no checkpoint would be written during training; use a multiple of the update interval 250 up to 1000 \(a checkpoint is also written when training ends\)/,
  );
  // fewer images than one block: no value fits (a value up to --train would not be a multiple)
  const few = refusedTrain("lcsnn", "--train", "5", "--update-interval", "250", "--checkpoint-every", "250");
  assert.equal(few.code, 2);
  assert.match(
    few.err,
    /--checkpoint-every 250 is more than the --train 5 training images, so no checkpoint would be written during training; no value can be: the 5 images are fewer than one update interval \(250\), so leave --checkpoint-every out \(/,
  );
});

test("--quiet is taken by every command; it hides status lines, not results", () => {
  const { run, data } = trainedRun();
  const nir = fileURLToPath(new URL("../fixtures/nir/lif_norse.nir", import.meta.url));
  withTmp((dir) => {
    const loud = cli("eval", run, "--workers", "1", "--data", data);
    assert.equal(loud.code, 0, loud.err);
    assert.match(loud.err, /^spikeflow: eval /m);
    const quiet = cli("eval", run, "--workers", "1", "--data", data, "--quiet");
    assert.equal(quiet.code, 0, quiet.err);
    assert.equal(quiet.err, "");
    assert.match(quiet.out, /^test accuracy: /);
    for (const args of [
      ["plot", run, "--data", data, "--no-png"],
      ["report", run, "--data", data],
      ["nir", "export", run, "--out", join(dir, "m.nir")],
      ["nir", "import", nir, "--dt", "1e-4", "--out", join(dir, "imp")],
      ["nir", "run", nir, "--dt", "1e-4", "--steps", "2"],
    ]) {
      const r = cli(...args, "--quiet");
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.err}`);
      assert.notEqual(r.out, "", "the result still prints");
    }
  });
});

test("nir run names a node that is not an Input before it reads the file; nir export says each lossy note once", () => {
  const nir = fileURLToPath(new URL("../fixtures/nir/lif_norse.nir", import.meta.url));
  const { run } = trainedRun();
  withTmp((dir) => {
    // node "1" is the LIF population: a file of the wrong shape for it is not the problem
    const path = join(dir, "in.npy");
    writeFileSync(path, encodeNpy({ dtype: "F64", shape: [5, 3], data: new Float64Array(15) }));
    const r = cli("nir", "run", nir, "--dt", "1e-4", "--input", `1=${path}`);
    assert.equal(r.code, 2);
    assert.equal(
      r.err,
      `spikeflow: error: --input 1=${path}: no NIR Input node "1"; the graph's inputs are: input\n`,
    );
    // a file of the wrong shape for the Input node: the message names --input too
    const shaped = cli("nir", "run", nir, "--dt", "1e-4", "--input", path);
    assert.equal(shaped.code, 2);
    assert.match(
      shaped.err,
      new RegExp(`^spikeflow: error: --input ${path}: shape \\[5, 3\\] should be \\[steps, `),
    );
    // with warnings on (the default), as a user sees it
    const exp = spawnSync(process.execPath, [BIN, "nir", "export", run, "--out", join(dir, "m.nir")], {
      encoding: "utf8",
      env: { ...process.env, SPIKEFLOW_LOG: "warn" },
    });
    assert.equal(exp.status, 0, exp.stderr);
    const said = (exp.stdout + exp.stderr).match(/its refractory period of 5 ms is dropped/g) ?? [];
    assert.equal(said.length, 1, exp.stdout + exp.stderr);
  });
});

test("eval and plot refuse a run whose config.json and model/model.json describe different models", () => {
  const { run, data } = trainedRun();
  withTmp((dir) => {
    const copy = join(dir, "run");
    cpSync(run, copy, { recursive: true });
    const path = join(copy, "config.json");
    const config = JSON.parse(readFileSync(path, "utf8"));
    assert.equal(config.config.filters, 2);
    config.config.filters = 3;
    writeFileSync(path, JSON.stringify(config));
    const message =
      `spikeflow: error: ${path} and ${join(copy, "model", "model.json")} describe different models: ` +
      `config.filters is 3 in config.json but 2 in model.json; one of them was edited or comes from another ` +
      `run (re-run training to rewrite the run directory)\n`;
    for (const args of [
      ["eval", copy, "--workers", "1"],
      ["plot", copy, "--no-png"],
      ["report", copy],
    ]) {
      const r = cli(...args, "--data", data);
      assert.equal(r.code, 2, args.join(" "));
      assert.equal(r.err, message, args.join(" "));
    }
  });
});

test("a warning raised in the test workers is printed once, by the command, in its options' words", () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-cli-"));
  try {
    const data = join(dir, "data");
    // saturated squares and 8 ms presentations: every image is retried until the rate limit stops it
    fakeMnist(data, 600);
    const args = [
      "--filters",
      "2",
      "--time",
      "8",
      "--train",
      "10",
      "--test",
      "600",
      "--update-interval",
      "5",
      // a construction warning too: the model is built in every worker
      "--stride",
      "100",
    ];
    const r = spawnSync(
      process.execPath,
      [
        BIN,
        "train",
        "lcsnn",
        ...args,
        "--workers",
        "2",
        "--data",
        data,
        "--out",
        join(dir, "run"),
        "--quiet",
      ],
      { encoding: "utf8", env: { ...process.env, SPIKEFLOW_LOG: "warn" } },
    );
    assert.equal(r.status, 0, r.stderr);
    const warnings = r.stderr.split("\n").filter((l) => l.includes("[retry-rate-limit]"));
    assert.deepEqual(warnings, [
      "spikeflow warn [retry-rate-limit]: a low-activity retry would drive an input above 1000 Hz, more than " +
        "one spike per 1 ms step; such examples keep their last attempt (lower --intensity or --dt to allow it)",
    ]);
    assert.deepEqual(
      r.stderr.split("\n").filter((l) => l.includes("[lcsnn-unseen-input]")),
      [
        "spikeflow warn [lcsnn-unseen-input]: --stride 100 with --kernel 12 leaves the last 8 of the 20 input " +
          "rows and columns outside every receptive field; a stride that divides 8 covers them all (1, 2, 4, 8)",
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the paper's figure is shown beside runs on MNIST only, and says its image counts when the run uses fewer", () => {
  withTmp((dir) => {
    const summaryOf = (out: string) =>
      JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { paper?: { label: string } };
    const dc = ["train", "diehl-cook", "--neurons", "100", "--train", "2", "--test", "2", "--workers", "1"];
    // MNIST from the package: the paper's figure, with the paper's counts named
    const mnist = cli(...dc, "--update-interval", "2", "--out", join(dir, "mnist"));
    assert.equal(mnist.code, 0, mnist.err);
    assert.match(
      mnist.out,
      /\| paper \(Diehl & Cook 2015, 100 neurons, trained on all 60000 images and tested on all 10000\): 82\.90 %/,
    );
    assert.equal(
      summaryOf(join(dir, "mnist")).paper?.label,
      "Diehl & Cook 2015, 100 neurons, trained on all 60000 images and tested on all 10000",
    );
    // the same files elsewhere are MNIST too (recognised by their CRC-32)
    const copy = join(dir, "copy");
    mkdirSync(copy);
    for (const f of [
      "train-images-idx3-ubyte",
      "train-labels-idx1-ubyte",
      "t10k-images-idx3-ubyte",
      "t10k-labels-idx1-ubyte",
    ]) {
      symlinkSync(join(mnistDataDir(), f), join(copy, f));
    }
    const linked = cli(...dc, "--update-interval", "2", "--data", copy, "--out", join(dir, "linked"));
    assert.equal(linked.code, 0, linked.err);
    assert.match(linked.out, /\| paper \(Diehl & Cook 2015, 100 neurons, /);
    // other data: no paper figure in the result line or in summary.json
    fakeMnist(join(dir, "fake"));
    const other = cli(
      ...dc,
      "--update-interval",
      "2",
      "--data",
      join(dir, "fake"),
      "--out",
      join(dir, "other"),
    );
    assert.equal(other.code, 0, other.err);
    assert.doesNotMatch(other.out, /paper/);
    assert.equal(summaryOf(join(dir, "other")).paper, undefined);
  });
});

test("eval and plot refuse test images of another size than the model's, naming --data", () => {
  const { run } = trainedRun();
  withTmp((dir) => {
    const data = join(dir, "small");
    mkdirSync(data);
    writeFileSync(
      join(data, "t10k-images-idx3-ubyte"),
      encodeIdx("uint8", [4, 16, 16], new Uint8Array(1024)),
    );
    writeFileSync(join(data, "t10k-labels-idx1-ubyte"), encodeIdx("uint8", [4], new Uint8Array(4)));
    const before = readdirSync(run).sort();
    for (const command of ["eval", "plot"]) {
      const r = cli(command, run, "--data", data);
      assert.equal(r.code, 2, command);
      assert.equal(
        r.err,
        `spikeflow: error: the test images in ${data} are 16x16, but the model reads 28x28 images; give --data ` +
          "a directory of 28x28 images\n",
        command,
      );
    }
    assert.deepEqual(readdirSync(run).sort(), before, "nothing written");
  });
});

test("plot and report refuse test images other than those the run was tested on (config.json's data.test)", () => {
  const { run } = trainedRun();
  const config = JSON.parse(readFileSync(join(run, "config.json"), "utf8"));
  withTmp((dir) => {
    const relabelled = join(dir, "relabelled");
    fakeMnist(relabelled, 20, (i) => (i + 1) % 10);
    const few = join(dir, "few");
    fakeMnist(few, 3);
    for (const command of ["plot", "report"]) {
      const other = cli(command, run, "--data", relabelled, ...(command === "plot" ? ["--no-png"] : []));
      assert.equal(other.code, 2, command);
      assert.match(
        other.err,
        new RegExp(
          `^spikeflow: error: --data ${relabelled} is not the data the run in ${run} was tested on: its first 5 ` +
            `test labels have CRC-32 [0-9a-f]{8}, but ${join(run, "config.json")} records ${config.data.test.labels}, ` +
            `read from ${config.data.source}; plots show the run's own test images: give the data the run was ` +
            `tested on \\(${config.data.source}\\)\\n$`,
        ),
        command,
      );
    }
    // eval tests the run's count unless --test says otherwise, so that count is named, not --test
    const evalFew = cli("eval", run, "--data", few);
    assert.equal(evalFew.code, 2);
    assert.equal(
      evalFew.err,
      "spikeflow: error: the run was tested on 5 images (its protocol), but the test set has 3; give --test 1 " +
        "to 3, or the run's own data\n",
    );
    const short = cli("plot", run, "--data", few, "--no-png");
    assert.equal(short.code, 2);
    assert.match(
      short.err,
      new RegExp(`--data ${few} has 3 test images, but the run in ${run} was tested on 5 `),
    );
  });
});

test("a run warns when test labels never occur in training and when the network never fires", () => {
  withTmp((dir) => {
    const train = (data: string, out: string, ...extra: string[]) =>
      spawnSync(
        process.execPath,
        [BIN, "train", "lcsnn", "--filters", "2", "--test", "5", "--workers", "1", ...extra].concat([
          "--data",
          data,
          "--out",
          join(dir, out),
          "--quiet",
        ]),
        { encoding: "utf8", env: { ...process.env, SPIKEFLOW_LOG: "warn" } },
      );
    const data = join(dir, "data");
    fakeMnist(data);
    // 3 training images hold labels 0-2; the 5 test images 0-4
    const short = train(data, "short", "--train", "3", "--update-interval", "3");
    assert.equal(short.status, 0, short.stderr);
    assert.match(
      short.stderr,
      /spikeflow warn \[test-label-unseen\]: test labels 3, 4 never occur among the 3 training images, so the readouts cannot predict them: 2 of the 5 test images count as wrong \(at most 60 % accuracy\); /,
    );
    assert.doesNotMatch(short.stderr, /no-output-spikes/);
    // blank images: no input spike, so no output spike, even after the retries
    const blank = join(dir, "blank");
    mkdirSync(blank);
    for (const p of ["train", "t10k"]) {
      writeFileSync(
        join(blank, `${p}-images-idx3-ubyte`),
        encodeIdx("uint8", [20, 28, 28], new Uint8Array(20 * 784)),
      );
      writeFileSync(
        join(blank, `${p}-labels-idx1-ubyte`),
        encodeIdx(
          "uint8",
          [20],
          Uint8Array.from({ length: 20 }, (_, i) => i % 10),
        ),
      );
    }
    const none = train(blank, "none", "--train", "10", "--update-interval", "5");
    assert.equal(none.status, 0, none.stderr);
    assert.match(
      none.stderr,
      /spikeflow warn \[no-output-spikes\]: the network did not fire once in 10 training images \(after every retry\), so it learned nothing and its labels are unassigned: check the data \(blank images\?\) and the input rate/,
    );
    assert.doesNotMatch(none.stderr, /test-label-unseen/);
  });
});

test("a saveNetwork directory given to a command is named as what it is, not as a damaged model", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-cli-"));
  try {
    const net = new Network({ dt_ms: 1 });
    const a = net.addPopulation("a", new Input(2));
    const b = net.addPopulation("b", new LIF(2, 1));
    net.addProjection("ab", new Dense(a, b, { weights: new Float32Array(4) }));
    const saved = join(dir, "net");
    await saveNetwork(saved, net);
    for (const command of [["nir", "export"], ["eval"]]) {
      const r = cli(...command, saved);
      assert.equal(r.code, 2);
      assert.equal(
        r.err,
        `spikeflow: error: ${saved} holds a network saved by the library's \`saveNetwork\` (model kind ` +
          `"network"), which \`spikeflow ${command.join(" ")}\` does not take; use \`restoreNetwork\` ` +
          "(spikeflow/io) in code that builds the same network, and `exportNir` (spikeflow/nir) on it for a NIR " +
          "file; docs/network-files.md\n",
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
