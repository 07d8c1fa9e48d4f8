/**
 * Runs an example script of examples/ in a child Node (with tsx) inside a fresh temporary folder, which is
 * removed afterwards: `withExample("from-papers/brunel-2000/network.ts", "sf-brunel-", (run, dir) => ...)`.
 */
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type RunExample = (...args: string[]) => SpawnSyncReturns<string>;

export function withExample(
  script: string,
  prefix: string,
  body: (run: RunExample, dir: string) => void,
): void {
  const path = new URL(`../../examples/${script}`, import.meta.url).pathname;
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    const run: RunExample = (...args) =>
      spawnSync(process.execPath, ["--import", "tsx", path, ...args], { encoding: "utf8" });
    body(run, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
