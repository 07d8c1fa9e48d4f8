import { after, before, test } from "node:test";
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
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRateRnn } from "../src/rnn/rate-rnn.ts";
import { searchScale } from "../src/rnn/scale-search.ts";
import { importNir } from "../src/io/nir/index.ts";
import { BIN } from "./helpers/cli.ts";
import { readmeExampleSpikeCount, readmeLibraryBlock } from "./helpers/readme-example.ts";

// The package as an installed user gets it: the compiled dist/ (`npm run build`) and the other entries of
// package.json's "files", without src/, in a project's node_modules whose dependencies lack tsx, run by
// plain Node. Every check compares with the TypeScript sources run in this process (through tsx).

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  files: string[];
  bin: Record<string, string>;
  main: string;
  types: string;
  exports: Record<string, string | Record<string, string>>;
};
const FIXTURE = join(ROOT, "test", "fixtures", "nir", "lif_norse.nir");

let project = ""; // the user's project: app files and node_modules/spikeflow
let pkg = ""; // node_modules/spikeflow

/** Runs plain Node (no tsx, no inherited NODE_OPTIONS) in the user's project. */
function node(...args: string[]): { code: number | null; out: string; err: string } {
  return nodeWith({ SPIKEFLOW_LOG: "silent" }, ...args);
}

/** `node` with these environment variables set. */
function nodeWith(
  vars: NodeJS.ProcessEnv,
  ...args: string[]
): { code: number | null; out: string; err: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, ...vars };
  delete env.NODE_OPTIONS;
  // a bound, so that a hang fails the test instead of the whole run
  const r = spawnSync(process.execPath, args, { cwd: project, encoding: "utf8", env, timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(() => {
  project = mkdtempSync(join(tmpdir(), "spikeflow-package-"));
  pkg = join(project, "node_modules", "spikeflow");
  mkdirSync(pkg, { recursive: true });
  for (const entry of ["package.json", ...PKG.files.filter((f) => f !== "dist/")]) {
    cpSync(join(ROOT, entry), join(pkg, entry), { recursive: true });
  }
  // `npm run build` into the package: a module left from an earlier build is removed, not shipped
  mkdirSync(join(pkg, "dist", "removed-module"), { recursive: true });
  writeFileSync(join(pkg, "dist", "removed-module", "gone.js"), "export const gone = 1;\n");
  writeFileSync(join(pkg, "dist", ".spikeflow-build"), "an earlier build\n");
  const built = spawnSync(process.execPath, [join(ROOT, "scripts", "build.mjs"), join(pkg, "dist")], {
    encoding: "utf8",
  });
  assert.equal(built.status, 0, `npm run build failed:\n${built.stdout}${built.stderr}`);
  // the package's dependencies, as an install would bring them: everything but the dev-only tsx
  const deps = join(project, "deps");
  mkdirSync(deps);
  for (const name of readdirSync(join(ROOT, "node_modules"))) {
    if (name !== "tsx" && name !== ".bin") symlinkSync(join(ROOT, "node_modules", name), join(deps, name));
  }
  symlinkSync(deps, join(pkg, "node_modules"));
});

after(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

test("the installed package holds what its exports and bin name, compiled, and no sources", () => {
  assert.equal(PKG.files.includes("dist/"), true);
  assert.equal(existsSync(join(pkg, "src")), false, "src/ is not shipped");
  const missing: string[] = [];
  for (const [path, targets] of Object.entries(PKG.exports)) {
    const byCondition = typeof targets === "string" ? { default: targets } : targets;
    for (const [condition, target] of Object.entries(byCondition)) {
      if (condition === "spikeflow-source") continue; // the checkout's condition
      const file = target.includes("*") ? target.replace("*", "parallel/scale-search-pool") : target;
      if (!existsSync(join(pkg, file))) missing.push(`${path} (${condition}): ${file}`);
    }
  }
  for (const file of [PKG.main, PKG.types, ...Object.values(PKG.bin)]) {
    if (!existsSync(join(pkg, file))) missing.push(file);
  }
  assert.deepEqual(missing, []);
  const ts = readdirSync(join(pkg, "dist"), { recursive: true, encoding: "utf8" }).filter(
    (f) => f.endsWith(".ts") && !f.endsWith(".d.ts"),
  );
  assert.deepEqual(ts, [], "dist/ holds JavaScript and declarations only");
  assert.equal(
    existsSync(join(pkg, "dist", "removed-module")),
    false,
    "the build starts from an empty dist/",
  );
  assert.deepEqual(
    readdirSync(join(project, "node_modules", "spikeflow")).filter((f) => f.startsWith("dist.")),
    [],
    "no staging directory is left",
  );
  const main = readFileSync(join(pkg, "dist", "index.js"), "utf8");
  assert.doesNotMatch(main, /from "\.[^"]*\.ts"/, "import specifiers were rewritten to .js");
});

test("the build refuses to replace a directory that an earlier build did not write", () => {
  const mine = join(project, "mine");
  mkdirSync(mine);
  writeFileSync(join(mine, "notes.txt"), "keep");
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "build.mjs"), mine], { encoding: "utf8" });
  assert.equal(r.status, 2);
  assert.match(
    r.stderr,
    /build: .*mine exists and was not written by this build \(no \.spikeflow-build in it\); delete it yourself or choose another output directory/,
  );
  assert.deepEqual(readdirSync(mine), ["notes.txt"]);
  assert.equal(existsSync(`${mine}.building`), false);
});

test("plain Node runs the README's library example from the package, with the sources' spikes", () => {
  writeFileSync(join(project, "readme.mjs"), readmeLibraryBlock());
  const r = node("readme.mjs");
  assert.equal(r.code, 0, r.err);
  const count = readmeExampleSpikeCount(); // the same code on the sources
  assert.ok(count > 100);
  assert.equal(r.out.trim(), String(count));
});

test("the package's worker pools and NIR reader start their compiled workers without tsx", async () => {
  writeFileSync(
    join(project, "workers.mjs"),
    `import { createRateRnn } from "spikeflow/src/rnn/rate-rnn.ts";
import { searchScaleParallel } from "spikeflow/src/parallel/scale-search-pool.ts";
import { importNir } from "spikeflow/nir";
const model = createRateRnn({ units: 24, seed: 4, inputs: 1 });
const search = await searchScaleParallel(model, "go-nogo", { scales: [20, 45], trials: 4, seed: 9, workers: 2 });
const nir = await importNir(${JSON.stringify(FIXTURE)}, { dt_s: 1e-4 });
console.log(JSON.stringify({ correct: search.correct, best: search.best, populations: nir.populations }));
`,
  );
  const r = node("workers.mjs");
  assert.equal(r.code, 0, r.err);
  const got = JSON.parse(r.out) as { correct: unknown; best: unknown; populations: unknown };
  const model = createRateRnn({ units: 24, seed: 4, inputs: 1 });
  const search = await searchScale(model, "go-nogo", { scales: [20, 45], trials: 4, seed: 9 });
  const nir = await importNir(FIXTURE, { dt_s: 1e-4 });
  assert.deepEqual(got.correct, search.correct);
  assert.deepEqual(got.best, JSON.parse(JSON.stringify(search.best)));
  assert.deepEqual(got.populations, JSON.parse(JSON.stringify(nir.populations)));
  assert.ok(nir.populations.length > 0);
});

test("the package's declarations type-check a user's TypeScript under the strictest flags, without allowImportingTsExtensions", () => {
  writeFileSync(join(project, "app.ts"), readmeLibraryBlock());
  writeFileSync(
    join(project, "wrong.ts"),
    `import { LIF } from "spikeflow";\nnew LIF("ten", 1, { tauMem_ms: 20 });\n`,
  );
  const options = {
    module: "nodenext",
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    noEmit: true,
    types: [],
  };
  const check = (file: string) => {
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({ compilerOptions: options, files: [file] }),
    );
    return spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", project], {
      encoding: "utf8",
    });
  };
  writeFileSync(join(project, "package.json"), JSON.stringify({ type: "module" }));
  const ok = check("app.ts");
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  const bad = check("wrong.ts");
  assert.notEqual(bad.status, 0, "a wrong argument type is a type error");
  assert.match(bad.stdout, /wrong\.ts\(2,\d+\): error TS2345: Argument of type 'string' is not assignable/);
});

test("the package's command runs a training with 2 test workers and matches the sources' command", () => {
  const args = ["train", "lcsnn", "--filters", "2", "--train", "20", "--test", "500", "--quiet"];
  const version = node(join(pkg, "bin", "spikeflow.js"), "--version");
  assert.equal(version.code, 0, version.err);
  assert.equal(
    version.out.trim(),
    (JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")) as { version: string }).version,
  );
  const installed = node(join(pkg, "bin", "spikeflow.js"), ...args, "--workers", "2", "--out", "installed");
  assert.equal(installed.code, 0, installed.err);
  const source = spawnSync(
    process.execPath,
    [BIN, ...args, "--workers", "1", "--out", join(project, "source")],
    {
      encoding: "utf8",
      env: { ...process.env, SPIKEFLOW_LOG: "silent" },
    },
  );
  assert.equal(source.status, 0, source.stderr);
  const spikesOf = (dir: string) => readFileSync(join(project, dir, "test-spikes.json"), "utf8");
  assert.equal(spikesOf("installed"), spikesOf("source"));
  const accuracyOf = (dir: string) =>
    (JSON.parse(readFileSync(join(project, dir, "summary.json"), "utf8")) as { test: unknown }).test;
  const a = accuracyOf("installed") as Record<string, unknown>;
  const b = accuracyOf("source") as Record<string, unknown>;
  for (const key of Object.keys(b)) if (!/second|_s$/i.test(key)) assert.deepEqual(a[key], b[key], key);
});

test("imported from a checkout, the compiled package warns when a source changed or went away after the build", () => {
  // a script that imports "spikeflow" by name in a checkout runs dist/ (no spikeflow-source condition) and
  // used to run the old code after an edit to src/ without a word; the installed package (no src/) is silent
  writeFileSync(join(project, "stale.mjs"), 'import { LIF } from "spikeflow";\nconsole.log(typeof LIF);\n');
  const warned = () => nodeWith({ SPIKEFLOW_LOG: "warn" }, "stale.mjs");
  const installed = warned();
  assert.equal(installed.code, 0, installed.err);
  assert.equal(installed.out.trim(), "function");
  assert.equal(installed.err, "", "no src/ beside dist/: nothing to say");
  // a checkout: the sources the package was built from, beside its dist/, all older than the build
  const src = join(pkg, "src");
  cpSync(join(ROOT, "src"), src, { recursive: true });
  try {
    const mark = join(pkg, "dist", ".spikeflow-build");
    const built = Date.now() - 600_000; // the build, ten minutes ago
    utimesSync(mark, new Date(built), new Date(built));
    const at = (file: string, t: number) => utimesSync(join(src, file), new Date(t), new Date(t));
    for (const f of readdirSync(src, { recursive: true, encoding: "utf8" })) {
      if (statSync(join(src, f)).isFile()) at(f, built - 60_000);
    }
    assert.equal(warned().err, "", "every source older than the build: nothing to say");
    // two link loops (each directory is read once) and a link to the project root (node_modules is not
    // entered): the import neither hangs nor warns
    symlinkSync(".", join(src, "loopA"));
    symlinkSync(".", join(src, "loopB"));
    symlinkSync(pkg, join(src, "root"));
    const looped = warned();
    assert.equal(looped.code, 0, looped.err);
    assert.equal(looped.err, "", "link loops: nothing to say");
    for (const link of ["loopA", "loopB", "root"]) rmSync(join(src, link));
    // an editor's swap file and a source dated in the future (clock skew, which no build could clear) do not count
    writeFileSync(join(src, "neurons", ".lif.ts.swp"), "swap");
    at("neurons/izhikevich.ts", Date.now() + 3_600_000);
    assert.equal(warned().err, "", "a swap file and a future date: nothing to say");
    at("neurons/lif.ts", built + 60_000);
    at("neurons/if.ts", built + 120_000);
    const stale = warned();
    assert.equal(stale.code, 0, stale.err);
    assert.equal(stale.out.trim(), "function", "the script still runs");
    // the Node-only entries spikeflow/io and spikeflow/data check too
    for (const entry of ["spikeflow/io", "spikeflow/data"]) {
      writeFileSync(
        join(project, "stale-entry.mjs"),
        `import * as m from "${entry}";\nconsole.log(typeof m);\n`,
      );
      const r = nodeWith({ SPIKEFLOW_LOG: "warn" }, "stale-entry.mjs");
      assert.equal(r.code, 0, r.err);
      assert.match(
        r.err,
        /^spikeflow warn \[stale-build\]: dist\/ was built \S+Z, before src\/neurons\/if\.ts changed/,
        entry,
      );
    }
    assert.match(
      stale.err,
      /^spikeflow warn \[stale-build\]: dist\/ was built \S+Z, before src\/neurons\/if\.ts changed \(\S+Z\) and 1 other file of src\/, so this script runs the old code: run `npm run build` in \S+spikeflow, or run node with --conditions=spikeflow-source to import src\/ directly\n$/,
    );
    // a source the build compiled that is gone (deleted or renamed) is told too
    for (const f of ["neurons/lif.ts", "neurons/if.ts"]) at(f, built - 60_000);
    rmSync(join(src, "core", "ziggurat.ts"));
    assert.match(
      warned().err,
      /before src\/core\/ziggurat\.ts it compiled is gone, so this script runs the old code/,
    );
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
});

test("a CommonJS bundle of the package for Node runs (no import.meta.url there for the stale-build check)", async () => {
  // esbuild takes the "node" condition for platform node; in CommonJS import.meta.url is undefined, and the
  // entry's check threw "Invalid URL" at start
  writeFileSync(
    join(project, "bundle-in.mjs"),
    'import { LIF } from "spikeflow";\nconsole.log(typeof LIF);\n',
  );
  const { build } = await import("esbuild");
  await build({
    entryPoints: [join(project, "bundle-in.mjs")],
    bundle: true,
    platform: "node",
    format: "cjs",
    outfile: join(project, "bundle-out.cjs"),
    logLevel: "silent",
  });
  const r = nodeWith({ SPIKEFLOW_LOG: "warn" }, "bundle-out.cjs");
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim(), "function");
});
