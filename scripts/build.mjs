// Compiles src/ into dist/ (tsconfig.build.json): `node scripts/build.mjs [outDir]`, default dist.
// The output is written to a fresh temporary directory beside the target and renamed over it only when tsc
// succeeds, so a failed build leaves the previous one whole and a module deleted from src/ leaves nothing
// behind in the package.
import { spawnSync } from "node:child_process";
import { renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

const out = resolve(process.argv[2] ?? "dist");
const staging = `${out}.building-${process.pid}`;
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const project = fileURLToPath(new URL("../tsconfig.build.json", import.meta.url));
rmSync(staging, { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, "-p", project, "--outDir", staging], { stdio: "inherit" });
if (r.status !== 0) {
  rmSync(staging, { recursive: true, force: true });
  console.error(`build: tsc failed (status ${r.status}); ${out} is unchanged`);
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
renameSync(staging, out);
