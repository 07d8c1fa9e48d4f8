// Compiles src/ into dist/ (tsconfig.build.json): `node scripts/build.mjs [outDir]`, default the project's
// dist/. tsc writes into `<outDir>.building`; only when it succeeds is that renamed over the output, so a
// failed or interrupted build leaves the previous one whole, and a module deleted from src/ leaves nothing
// behind. An existing output directory is replaced only if an earlier build wrote it (its BUILD_MARK file)
// or it is empty: `npm run build -- docs` is refused instead of deleting docs/.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

// The mark's mtime is set to when tsc started: src/core/stale-build.ts warns a script that imports dist/
// when a file of src/ is newer (so an edit made while tsc ran counts as not built).
const BUILD_MARK = ".spikeflow-build";
const started = new Date();
const root = fileURLToPath(new URL("..", import.meta.url));
// the sources this build compiles, listed in the mark: the check also tells a source deleted since
const sources = readdirSync(resolve(root, "src"), { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.split("\\").join("/"))
  .sort();
const out = resolve(process.argv[2] ?? resolve(root, "dist"));
const staging = `${out}.building`;
const previous = `${out}.previous`;

if (existsSync(out) && readdirSync(out).length > 0 && !existsSync(resolve(out, BUILD_MARK))) {
  console.error(
    `build: ${out} exists and was not written by this build (no ${BUILD_MARK} in it); ` +
      `delete it yourself or choose another output directory`,
  );
  process.exit(2);
}
// leftovers of an interrupted build
rmSync(staging, { recursive: true, force: true });
rmSync(previous, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const child = spawn(
  process.execPath,
  [tsc, "-p", resolve(root, "tsconfig.build.json"), "--outDir", staging],
  {
    stdio: "inherit",
  },
);
const stop = (signal, status) => {
  child.kill(signal);
  rmSync(staging, { recursive: true, force: true });
  console.error(`build: interrupted; ${out} is unchanged`);
  process.exit(status);
};
process.on("SIGINT", () => stop("SIGINT", 130));
process.on("SIGTERM", () => stop("SIGTERM", 143));
child.on("exit", (status) => {
  if (status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    console.error(`build: tsc failed (status ${status}); ${out} is unchanged`);
    process.exit(1);
  }
  writeFileSync(
    resolve(staging, BUILD_MARK),
    JSON.stringify({ note: "written by scripts/build.mjs; replaced by the next build", sources }) + "\n",
  );
  utimesSync(resolve(staging, BUILD_MARK), started, started);
  // two renames, so that the output is missing only between them
  if (existsSync(out)) renameSync(out, previous);
  renameSync(staging, out);
  rmSync(previous, { recursive: true, force: true });
});
