// Runs node:test over the explicit list in test/files.txt (Node 20 does not expand globs).
// Fails when the list is empty, names a missing file, or when a test file exists that the list omits.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const listed = readFileSync("test/files.txt", "utf8")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
if (listed.length === 0) {
  console.error("run-tests: test/files.txt lists no test files");
  process.exit(1);
}
const missing = listed.filter((f) => !existsSync(f));
if (missing.length) {
  console.error(`run-tests: listed test files do not exist: ${missing.join(", ")}`);
  process.exit(1);
}
const found = [];
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith(".test.ts")) found.push(p);
  }
};
walk("test");
const unlisted = found.filter((f) => !listed.includes(f));
if (unlisted.length) {
  console.error(`run-tests: test files missing from test/files.txt: ${unlisted.join(", ")}`);
  process.exit(1);
}
const extra = process.argv.slice(2);
const r = spawnSync(
  process.execPath,
  ["--import", "tsx", "--conditions=spikeflow-source", "--test", "--test-reporter=spec", ...extra, ...listed],
  {
    stdio: "inherit",
    env: { ...process.env, SPIKEFLOW_LOG: process.env.SPIKEFLOW_LOG ?? "silent" },
  },
);
process.exit(r.status ?? 1);
