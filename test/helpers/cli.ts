/** The `spikeflow` command as the CLI tests run it: a child process, warnings silenced (SPIKEFLOW_LOG). */
import { spawnSync } from "node:child_process";

/** bin/spikeflow.js, the entry `npx spikeflow` runs. */
export const BIN = new URL("../../bin/spikeflow.js", import.meta.url).pathname;

/** The environment of a CLI run: this process's, with the logger silent. */
export const CLI_ENV = { ...process.env, SPIKEFLOW_LOG: "silent" };

/** Runs `spikeflow ...args` to its end; its exit code, stdout and stderr. */
export function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: CLI_ENV });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
