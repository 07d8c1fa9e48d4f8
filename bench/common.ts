/** Shared helpers of the benchmark scripts: machine description and atomic result writing. */
import { cpus, totalmem } from "node:os";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, writeFileSync, readFileSync } from "node:fs";
import { dirname } from "node:path";

export function machine(): Record<string, unknown> {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? "unknown",
    cores: c.length,
    memory_GiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

export function packageVersion(): string {
  return (
    JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
  ).version;
}

/** Writes JSON to `path` through a temporary file and a rename, so a crash never leaves half a file. */
export function writeResult(path: string, data: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(data, null, 2) + "\n");
  renameSync(tmp, path);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Brian2's figures for a benchmark: with `--brian2` on the command line, runs the peer script `script`
 * (bench/peers/, under /usr/bin/python3 with Debian's python3-brian) with `args` for the numpy, cython and
 * cpp_standalone targets and keeps what each printed on its last line (a JSON object with `runs_s` and
 * `brian2`, the version) plus `median_s`, or the error it ended with; without it, the figures already in
 * `outFile` (`brian2_on_this_machine`), if any.
 */
export function brian2Figures(
  script: URL,
  args: readonly string[],
  outFile: string,
): Record<string, unknown> | undefined {
  if (!process.argv.includes("--brian2")) {
    if (!existsSync(outFile)) return undefined;
    return (JSON.parse(readFileSync(outFile, "utf8")) as { brian2_on_this_machine?: Record<string, unknown> })
      .brian2_on_this_machine;
  }
  const figures: Record<string, unknown> = {};
  for (const target of ["numpy", "cython", "cpp_standalone"]) {
    const r = spawnSync("/usr/bin/python3", [script.pathname, target, ...args], {
      encoding: "utf8",
      timeout: 3_600_000,
    });
    if (r.status !== 0) {
      figures[target] = {
        error: (r.stderr || r.error?.message || "failed").trim().split("\n").slice(-3).join(" | "),
      };
      continue;
    }
    const {
      target: _target,
      brian2: version,
      ...line
    } = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as {
      target: string;
      brian2: string;
      runs_s: number[];
    };
    figures[target] = { median_s: median(line.runs_s), ...line, version };
    process.stderr.write(`Brian2 ${target}: ${median(line.runs_s).toFixed(3)} s\n`);
  }
  figures.date = new Date().toISOString();
  return figures;
}
