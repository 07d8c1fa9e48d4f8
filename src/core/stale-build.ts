/**
 * Tells a script that imports the compiled package from a checkout that `dist/` is older than `src/`.
 *
 * In a checkout, `import "spikeflow"` without the `spikeflow-source` condition loads `dist/` (package.json's
 * exports), while the CLI, the tests and the type checker read `src/`. After an edit to `src/` without
 * `npm run build`, such a script would run the old code without a word. Node's entry (`dist/index.node.js`,
 * the "node" condition of package.json's "." export) calls `warnIfStaleBuild` once: when a `src/` folder
 * stands beside `dist/` and a file in it was modified after the build (the mtime of the build's mark file,
 * written by scripts/build.mjs when tsc has finished), it logs the warning `stale-build`. The installed
 * package ships no `src/`, so there the check ends at one `existsSync`. Node-only (node:fs); the browser's
 * entry (`dist/index.js`) does not load it.
 *
 * Cost: one stat per file of `src/` (about 200), a few milliseconds at import.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { log } from "./log.ts";

/** The file scripts/build.mjs writes into the output directory once tsc has succeeded. */
export const BUILD_MARK = ".spikeflow-build";

/** The newest file under `dir` modified after `since` (ms since the epoch), with how many such files there are. */
function changedSince(dir: string, since: number): { newest: string; mtimeMs: number; count: number } | null {
  let found: { newest: string; mtimeMs: number; count: number } | null = null;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const t = statSync(p).mtimeMs;
        if (t <= since) continue;
        if (found === null) found = { newest: p, mtimeMs: t, count: 1 };
        else {
          found.count++;
          if (t > found.mtimeMs) {
            found.newest = p;
            found.mtimeMs = t;
          }
        }
      }
    }
  };
  walk(dir);
  return found;
}

/**
 * Warns (`stale-build`) when `distDir` was built before a file of the `src/` beside it changed. Returns the
 * warning's text, or null when there is nothing to say (no `src/` beside it, no build mark, nothing newer).
 * Never throws: a file system that cannot be read makes no warning.
 */
export function warnIfStaleBuild(distDir: string | URL): string | null {
  try {
    const dist = distDir instanceof URL ? fileURLToPath(distDir) : distDir;
    const src = join(dist, "..", "src");
    const mark = join(dist, BUILD_MARK);
    if (!existsSync(src) || !existsSync(mark)) return null;
    const built = statSync(mark).mtimeMs;
    const changed = changedSince(src, built);
    if (changed === null) return null;
    const root = join(dist, "..");
    const others = changed.count - 1;
    const message =
      `${relative(root, dist) || dist}/ was built ${new Date(built).toISOString()}, before ` +
      `${relative(root, changed.newest)} changed (${new Date(changed.mtimeMs).toISOString()})` +
      (others > 0 ? ` and ${others} other file${others === 1 ? "" : "s"} of src/` : "") +
      `, so this script runs the old code: run \`npm run build\` in ${root}, or run node with ` +
      `--conditions=spikeflow-source to import src/ directly`;
    log.warn("stale-build", message, { once: true });
    return message;
  } catch {
    return null;
  }
}
