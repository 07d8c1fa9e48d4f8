// The `spikeflow nir` commands end to end: import a fixture, run it on .npy input (the lif_exact.csv spikes),
// and export a saved run's model. Each test spawns the real CLI.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeNpy, decodeNpy } from "../../src/io/npy.ts";
import { decodeNir, encodeNir } from "../../src/io/nir/codec.ts";
import { nirToNetwork } from "../../src/io/nir/import.ts";
import { DiehlCook2015 } from "../../src/models/diehl-cook.ts";
import { LabelAssigner } from "../../src/readout/assign.ts";
import { NgramTable } from "../../src/readout/ngram.ts";
import { saveRunModel } from "../../src/experiments/run.ts";
import { captureLogs } from "../../src/core/log.ts";
import { FIXTURE_DIR, doc, graph, lif, t } from "./nir-helpers.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURE = (name: string) => fileURLToPath(new URL(name, FIXTURE_DIR));

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return cliLogging("silent", ...args);
}

/** The CLI with warnings printed at `level` (SPIKEFLOW_LOG). */
function cliLogging(
  level: string,
  ...args: string[]
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, "bin/spikeflow.js"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, SPIKEFLOW_LOG: level },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("nir import writes the network description, its weights and the re-exported NIR; nir run replays lif_exact.csv", () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-nir-cli-"));
  try {
    const out = join(dir, "imported");
    const imp = cli(
      "nir",
      "import",
      FIXTURE("lif_norse.nir"),
      "--dt",
      "1e-4",
      "--reset",
      "subtract",
      "--out",
      out,
      "--json",
    );
    assert.equal(imp.status, 0, imp.stderr);
    const described = JSON.parse(imp.stdout) as {
      options: { dt_s: number; reset: string; method: string };
      latency_steps: Record<string, number>;
    };
    assert.deepEqual(described.options, {
      dt_s: 1e-4,
      reset: "subtract",
      method: "exact",
      integrators: "per-step",
    });
    assert.deepEqual(described.latency_steps, { output: 1 });
    for (const f of ["model.json", "weights.safetensors", "model.nir"])
      assert.ok(existsSync(join(out, f)), f);

    const rows = readFileSync(FIXTURE("lif_exact.csv"), "utf8")
      .trim()
      .split("\n")
      .map((l) => Number(l.split(",")[0]));
    const npy = join(dir, "in.npy");
    writeFileSync(npy, encodeNpy({ dtype: "F32", shape: [rows.length, 1], data: Float32Array.from(rows) }));
    // the directory remembers dt and the reset mode it was imported with
    const run = cli(
      "nir",
      "run",
      out,
      "--input",
      npy,
      "--steps",
      String(rows.length),
      "--out",
      join(dir, "run"),
      "--json",
    );
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as {
      options: { dt_s: number; reset: string };
      inputKinds: Record<string, string>;
      outputs: Record<string, { spikes: number; firstSpikeStep: number }>;
    };
    assert.deepEqual([report.options.dt_s, report.options.reset], [1e-4, "subtract"]);
    assert.deepEqual(report.inputKinds, { input: "spikes" });
    assert.deepEqual([report.outputs.output.spikes, report.outputs.output.firstSpikeStep], [4, 461]);

    // the same spikes as float16 (0x3c00 is 1.0): decoded, not read as the bit pattern 15360
    const half = join(dir, "in-f16.npy");
    assert.ok(
      rows.every((x) => x === 0 || x === 1),
      "lif_exact.csv holds 0/1 spikes",
    );
    const bits = Uint16Array.from(rows, (x) => (x === 1 ? 0x3c00 : 0));
    writeFileSync(half, encodeNpy({ dtype: "F16", shape: [rows.length, 1], data: bits }));
    const fromHalf = cli("nir", "run", out, "--input", half, "--steps", String(rows.length), "--json");
    assert.equal(fromHalf.status, 0, fromHalf.stderr);
    const halfReport = JSON.parse(fromHalf.stdout) as typeof report;
    assert.deepEqual(halfReport.inputKinds, { input: "spikes" });
    assert.deepEqual(halfReport.outputs, report.outputs);
    const spikes = decodeNpy(new Uint8Array(readFileSync(join(dir, "run", "output.npy"))), "output.npy");
    const steps = [...spikes.data].flatMap((v, k) => (v ? [k] : []));
    assert.deepEqual(steps, [461, 511, 711, 761], "the CSV's spikes 460, 510, 710, 760, one step later");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("nir export turns a saved run's model into NIR and says what NIR cannot hold; errors exit with code 2", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-nir-export-"));
  try {
    const model = new DiehlCook2015({ neurons: 5 });
    await saveRunModel(join(dir, "model"), model, {
      assigner: new LabelAssigner(5, 10),
      ngram: new NgramTable(5, 10),
      logreg: null,
    });

    const r = cli("nir", "export", dir, "--json");
    assert.equal(r.status, 0, r.stderr);
    const res = JSON.parse(r.stdout) as { path: string; nodes: string[]; notes: string[] };
    assert.equal(res.path, join(dir, "model.nir"));
    assert.deepEqual(res.nodes.sort(), [
      "Ae (LIF)",
      "Ae->Ai (Scale)",
      "Ai (LIF)",
      "Ai->Ae (Linear)",
      "X (Input)",
      "X->Ae (Linear)",
      "X.flatten (Flatten)",
      "output (Output)",
    ]);
    assert.ok(res.notes.some((n) => /refractory period of 5 ms is dropped/.test(n)));
    assert.ok(res.notes.some((n) => /one-spike-per-step rule is dropped/.test(n)));

    const back = await decodeNir(new Uint8Array(readFileSync(res.path)), "model.nir");
    assert.deepEqual(back.graph.nodes.X, { type: "Input", shape: [28, 28] });
    // the 28 x 28 input reaches the weight matrix through a Flatten, so no edge joins different shapes
    assert.deepEqual(back.graph.nodes["X.flatten"], {
      type: "Flatten",
      input_type: [28, 28],
      start_dim: 0,
      end_dim: -1,
    });
    let sizes: number[] = [];
    const logs = captureLogs(() => {
      const imp = nirToNetwork(back, { dt_s: 1e-3 });
      sizes = ["X", "Ae", "Ai"].map((p) => imp.network.population(p).size);
    });
    assert.deepEqual(sizes, [784, 5, 5]);
    assert.deepEqual(
      logs.filter((r) => r.id === "nir-shape-relaxed"),
      [],
      "no relaxed-shape edge in our own export",
    );

    const bad = cli("nir", "import", FIXTURE("lif_norse.nir"), "--dt", "-1", "--out", join(dir, "x"));
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--dt must be a step in seconds in \[1e-6, 1\] .*, got "-1"/);
    const missing = cli("nir", "run", join(dir, "nope.nir"), "--dt", "1e-4");
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /spikeflow: error: .*nope\.nir: no such NIR file/);
    const noInput = cli("nir", "run", FIXTURE("lif_norse.nir"), "--dt", "1e-4");
    assert.equal(noInput.status, 2);
    assert.match(noInput.stderr, /nir run needs --input \[NODE=\]FILE\.npy .* or --steps N/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the CLI's warnings name its options: a repaired subgraph edge points at --dangling-edges error", () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-nir-cli-"));
  try {
    const fixture = FIXTURE("braille_noDelay_bias_zero_subgraph.nir");
    const repaired = cliLogging("warn", "nir", "import", fixture, "--dt", "0.0001", "--out", join(dir, "a"));

    assert.equal(repaired.status, 0, repaired.stderr);
    assert.match(
      repaired.stderr,
      /spikeflow warn \[nir-dangling-edge-repaired\]: .*renamed to "lif1".*\. Give --dangling-edges error to refuse such files\n/,
    );
    assert.doesNotMatch(repaired.stderr, /danglingEdges/);

    const refused = cli(
      "nir",
      "import",
      fixture,
      "--dt",
      "0.0001",
      "--dangling-edges",
      "error",
      "--out",
      join(dir, "b"),
    );
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /; dangling edges are rejected \(--dangling-edges error\)/);
    assert.equal(existsSync(join(dir, "b")), false, "nothing is written for a refused file");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("nir run checks a directory's saved options, the input's layout, and names Input nodes left silent", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-nir-cli-"));
  try {
    const imported = join(dir, "imported");
    assert.equal(cli("nir", "import", FIXTURE("lif_norse.nir"), "--dt", "1e-4", "--out", imported).status, 0);
    const one = join(dir, "one.npy");
    writeFileSync(one, encodeNpy({ dtype: "F32", shape: [20, 1], data: new Float32Array(20).fill(1) }));

    // a hand-edited model.json: refused naming the file and the field, never run or blamed on an option
    const saved = readFileSync(join(imported, "model.json"), "utf8");
    const damaged: [string, unknown, RegExp][] = [
      ["dt_s", 5, /config\.options\.dt_s is number 5; expected a step in seconds in \[1e-6, 1\]/],
      ["dt_s", "1e-4", /config\.options\.dt_s is string "1e-4"; expected a step in seconds/],
      ["method", "rk4", /config\.options\.method is string "rk4"; expected "exact" or "euler"/],
    ];
    for (const [field, value, message] of damaged) {
      const model = JSON.parse(saved) as { config: { options: Record<string, unknown> } };
      model.config.options[field] = value;
      writeFileSync(join(imported, "model.json"), JSON.stringify(model));
      const r = cli("nir", "run", imported, "--input", one);
      assert.equal(r.status, 2, `${field} = ${String(value)}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /model\.json/);
      assert.doesNotMatch(r.stderr, /--dt is required|--method must/);
    }
    // a field left out, or one nir import never writes: named too; an option given on the command line is
    // not read from the file, so it gets past a damaged or missing field
    const edited = (edit: (options: Record<string, unknown>) => void): void => {
      const model = JSON.parse(saved) as { config: { options: Record<string, unknown> } };
      edit(model.config.options);
      writeFileSync(join(imported, "model.json"), JSON.stringify(model));
    };
    const cases: [string, (options: Record<string, unknown>) => void, RegExp, string[]][] = [
      ["dt_s", (op) => delete op.dt_s, /config\.options\.dt_s is missing/, ["--dt", "1e-4"]],
      ["reset", (op) => delete op.reset, /config\.options\.reset is missing/, ["--reset", "subtract"]],
      ["method", (op) => delete op.method, /config\.options\.method is missing/, ["--method", "exact"]],
      ["dt (unknown)", (op) => (op.dt = 0.5), /config\.options\.dt is not an option nir import records/, []],
      ["dt_s = 5", (op) => (op.dt_s = 5), /config\.options\.dt_s is number 5/, ["--dt", "1e-4"]],
    ];
    for (const [what, edit, message, fix] of cases) {
      edited(edit);
      const r = cli("nir", "run", imported, "--input", one);
      assert.equal(r.status, 2, `${what}: ${r.stderr}`);
      assert.match(r.stderr, message, what);
      assert.match(r.stderr, /give the option on the command line/, what);
      if (fix.length > 0) {
        const withOption = cli("nir", "run", imported, "--input", one, ...fix);
        assert.equal(withOption.status, 0, `${what} with ${fix.join(" ")}: ${withOption.stderr}`);
      }
    }

    // cnn_sinabs's Input is [2, 34, 34]: [steps, 2, 34, 34] and flat [steps, 2312] run; channels last,
    // the same number of values in another layout, is refused
    const cnn = FIXTURE("cnn_sinabs.nir");
    const frames = (shape: number[]): string => {
      const path = join(dir, `in-${shape.join("x")}.npy`);
      const n = shape.reduce((a, b) => a * b, 1);
      writeFileSync(path, encodeNpy({ dtype: "F32", shape, data: new Float32Array(n) }));
      return path;
    };
    assert.equal(cli("nir", "run", cnn, "--dt", "1e-3", "--input", frames([3, 2, 34, 34])).status, 0);
    assert.equal(cli("nir", "run", cnn, "--dt", "1e-3", "--input", frames([3, 2312])).status, 0);
    const channelsLast = cli("nir", "run", cnn, "--dt", "1e-3", "--input", frames([3, 34, 34, 2]));
    assert.equal(channelsLast.status, 2);
    assert.match(
      channelsLast.stderr,
      /shape \[3, 34, 34, 2\] should be \[steps, 2, 34, 34\] or \[steps, 2312\] for Input "input" \(the same number of values in another layout: its axes are in another order: transpose them to \[steps, 2, 34, 34\]\)$/m,
    );
    // an extra axis of size 1 is said as such, and so is another split of the values
    const extraAxis = cli("nir", "run", cnn, "--dt", "1e-3", "--input", frames([3, 1, 2, 34, 34]));
    assert.match(
      extraAxis.stderr,
      /\(the same number of values in another layout: it has an axis of size 1 too many: reshape it to \[steps, 2, 34, 34\]\)$/m,
    );
    const split = cli("nir", "run", cnn, "--dt", "1e-3", "--input", frames([3, 68, 34]));
    assert.match(
      split.stderr,
      /\(the same number of values in another layout: reshape it to \[steps, 2, 34, 34\], if its values are in that order\)$/m,
    );

    // two Input nodes, one given: the other is named in a warning; no Input node: --input is refused
    const lifNode = lif(1, { tau: 0.01, v_threshold: 0.5 });
    const twoIn = join(dir, "two-in.nir");
    writeFileSync(
      twoIn,
      await encodeNir(
        doc(
          graph(
            {
              a: { type: "Input", shape: [1] },
              b: { type: "Input", shape: [1] },
              wa: { type: "Linear", weight: t([1, 1], [1]) },
              wb: { type: "Linear", weight: t([1, 1], [1]) },
              n: lifNode,
              out: { type: "Output", shape: [1] },
            },
            [
              ["a", "wa"],
              ["b", "wb"],
              ["wa", "n"],
              ["wb", "n"],
              ["n", "out"],
            ],
          ),
        ),
      ),
    );
    const partly = cliLogging("warn", "nir", "run", twoIn, "--dt", "1e-3", "--input", `a=${one}`);
    assert.equal(partly.status, 0, partly.stderr);
    assert.match(
      partly.stderr,
      /spikeflow warn \[nir-input-missing\]: no --input for Input node "b": it stays silent for the whole run; give --input NODE=FILE\.npy for each Input node \(a, b\)/,
    );
    const both = cliLogging(
      "warn",
      "nir",
      "run",
      twoIn,
      "--dt",
      "1e-3",
      "--input",
      `a=${one}`,
      "--input",
      `b=${one}`,
    );
    assert.equal(both.status, 0, both.stderr);
    assert.doesNotMatch(both.stderr, /nir-input-missing/);

    const noIn = join(dir, "no-in.nir");
    writeFileSync(
      noIn,
      await encodeNir(
        doc(
          graph(
            { n: lif(1, { tau: 0.01, v_leak: 2, v_threshold: 1 }), out: { type: "Output", shape: [1] } },
            [["n", "out"]],
          ),
        ),
      ),
    );
    const described = cli("nir", "import", noIn, "--dt", "1e-3", "--out", join(dir, "no-in"));
    assert.equal(described.status, 0, described.stderr);
    assert.match(described.stdout, /output out: n, not reached from any Input node/);
    const refused = cli("nir", "run", noIn, "--dt", "1e-3", "--input", one);
    assert.equal(refused.status, 2);
    assert.match(
      refused.stderr,
      /the graph has no Input node, so it takes no --input .*; run it on its own with --steps N/,
    );
    assert.equal(cli("nir", "run", noIn, "--dt", "1e-3", "--steps", "10").status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("nir run refuses an empty --input or NIR path, a directory or FIFO as --input, and a --steps past 2^53 - 1, naming them", () => {
  const file = join(ROOT, "test", "fixtures", "nir", "lif_norse.nir");
  for (const given of ["", "input="]) {
    const r = cli("nir", "run", file, "--dt", "0.001", "--input", given);
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `--input needs a \\.npy file \\(or NODE=file\\.npy\\), got ${JSON.stringify(given)}; give the path of the file\\n$`,
      ),
    );
  }
  // a directory or a FIFO as --input is refused before any read (a FIFO's read would block past Ctrl-C)
  const scratch = mkdtempSync(join(tmpdir(), "spikeflow-nir-input-"));
  try {
    const fifo = join(scratch, "f.npy");
    const made = spawnSync("mkfifo", [fifo]).status === 0;
    const cases: [string, string][] = [
      [scratch, `--input ${scratch} is a directory; give the path of a .npy file`],
      [
        join(scratch, "none.npy"),
        `--input ${join(scratch, "none.npy")} does not exist; give the path of a .npy file`,
      ],
      ...(made
        ? ([
            [
              fifo,
              `--input ${fifo} is not a regular file (a FIFO, socket or device); give the path of a .npy file`,
            ],
          ] as [string, string][])
        : []),
    ];
    for (const [given, message] of cases) {
      const bad = cli("nir", "run", file, "--dt", "0.001", "--input", given);
      assert.equal(bad.status, 2, bad.stderr);
      assert.equal(bad.stderr, `spikeflow: error: ${message}\n`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const empty = cli("nir", "run", "", "--dt", "0.001", "--steps", "3");
  assert.equal(
    empty.stderr,
    `spikeflow: error: a NIR file's path must be a non-empty string, got ""; give the path of a .nir file\n`,
  );
  const r = cli("nir", "run", file, "--dt", "0.001", "--steps", "9007199254740993");
  assert.equal(r.status, 2, r.stderr);
  assert.match(
    r.stderr,
    /--steps must be an integer from 1 \(a run of no step has no output\) to 2\^53 - 1, got "9007199254740993"\n$/,
  );
});

test("nir run DIR refuses a model.nir that is not the network model.json records; a file exported with other options warns", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-nir-cli-"));
  try {
    const imported = join(dir, "imported");
    assert.equal(
      cli("nir", "import", FIXTURE("lif_norse.nir"), "--dt", "1e-4", "--reset", "subtract", "--out", imported)
        .status,
      0,
    );
    assert.equal(cli("nir", "run", imported, "--steps", "5").status, 0);
    // the directory runs with its recorded options; its model.nir alone warns that it was exported with another
    // reset than the command line's default, naming the option
    const alone = cliLogging(
      "warn",
      "nir",
      "run",
      join(imported, "model.nir"),
      "--dt",
      "1e-4",
      "--steps",
      "5",
    );
    assert.equal(alone.status, 0, alone.stderr);
    assert.match(
      alone.stderr,
      /\[nir-option-hint\]: \S*model\.nir: its metadata says it was exported with --reset "subtract" \(spikeflow\.reset of its nodes\), but it is imported with --reset "to-value"; metadata is only a hint: import it with --reset "subtract" to run it as exported/,
    );
    // another file copied over model.nir
    writeFileSync(join(imported, "model.nir"), readFileSync(FIXTURE("lif_rockpool.nir")));
    const foreign = cli("nir", "run", imported, "--steps", "5");
    assert.equal(foreign.status, 2);
    assert.equal(
      foreign.stderr,
      `spikeflow: error: ${join(imported, "model.nir")} does not hold the network ${join(imported, "model.json")} ` +
        `describes: it has no population 1 (LIF, 1 neuron); it was replaced or edited (import the NIR file again ` +
        `with "spikeflow nir import", or run the NIR file itself)\n`,
    );
    // the same graph with one weight changed
    const reimport = join(dir, "again");
    assert.equal(cli("nir", "import", FIXTURE("lif_norse.nir"), "--dt", "1e-4", "--out", reimport).status, 0);
    const exported = await decodeNir(new Uint8Array(readFileSync(join(reimport, "model.nir"))), "model.nir");
    const nodes = exported.graph.nodes as Record<string, { type: string; weight?: { data: Float32Array } }>;
    const linear = Object.values(nodes).find((n) => n.weight !== undefined);
    assert.ok(linear?.weight, `a node with a weight in ${Object.keys(nodes).join(", ")}`);
    linear.weight.data[0] += 1;
    writeFileSync(join(reimport, "model.nir"), await encodeNir(exported));
    const edited = cli("nir", "run", reimport, "--steps", "5");
    assert.equal(edited.status, 2);
    assert.match(
      edited.stderr,
      /model\.nir does not hold the network .*model\.json describes: \S+\.weight\[0\] is /,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
