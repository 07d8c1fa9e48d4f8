/**
 * Tells a script that imports the compiled package from a checkout that `dist/` is older than `src/`.
 *
 * In a checkout, `import "spikeflow"` without the `spikeflow-source` condition loads `dist/` (package.json's
 * exports), while the CLI, the tests and the type checker read `src/`. After an edit to `src/` without
 * `npm run build`, such a script would run the old code without a word. Node's entry (`dist/index.node.js`,
 * the "node" condition of package.json's "." export) calls `warnIfStaleBuild` once, and it logs the warning
 * `stale-build` when a `src/` folder stands beside `dist/` and, since the build (the mtime of the build's mark
 * file, set by scripts/build.mjs to when tsc started):
 *   - a `.ts` file of `src/` was modified (links followed; a time in the future, clock skew, is passed over,
 *     since no build could clear it: an edit always sets the present time);
 *   - or a `.ts` file the build compiled (the list in the mark) is gone (deleted or renamed).
 * Other files (an editor's swap file) do not count. The installed package ships no `src/`, so there the check
 * ends at one `existsSync`. Node-only (node:fs); the browser's entry (`dist/index.js`) does not load it.
 *
 * Cost: one stat per file of `src/` (about 170), a few milliseconds at import.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { log } from "./log.ts";

/** The file scripts/build.mjs writes into the output directory once tsc has succeeded. */
export const BUILD_MARK = ".spikeflow-build";

interface Changed {
  /** The newest modified source, relative to src/. */
  newest: string;
  mtimeMs: number;
  count: number;
}

/**
 * The `.ts` files (not `.d.ts`) under `dir` modified after `since` and not after `now` (ms since the epoch).
 * Links are followed, but each directory is read once (by its real path), so link loops end; `node_modules`,
 * dot directories and `skip` (the build's output) are not entered (a link to the project root would otherwise
 * walk every dependency).
 */
function changedSince(dir: string, since: number, now: number, skip: string): Changed | null {
  let found: Changed | null = null;
  // the build's output itself (reached through a link to the project root) is never a source
  const seen = new Set<string>([skip]);
  const walk = (d: string, depth: number): void => {
    let real: string;
    try {
      real = realpathSync(d);
    } catch {
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      let st;
      try {
        st = statSync(p); // follows links; a dangling one is passed over
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (depth < 32 && e.name !== "node_modules" && !e.name.startsWith(".")) walk(p, depth + 1);
        continue;
      }
      if (!st.isFile() || !e.name.endsWith(".ts") || e.name.endsWith(".d.ts")) continue;
      const t = st.mtimeMs;
      if (t <= since || t > now) continue;
      if (found === null) found = { newest: relative(dir, p), mtimeMs: t, count: 1 };
      else {
        found.count++;
        if (t > found.mtimeMs) {
          found.newest = relative(dir, p);
          found.mtimeMs = t;
        }
      }
    }
  };
  walk(dir, 0);
  return found;
}

/** The sources the build compiled, as the mark lists them (relative to src/), or [] for an older mark. */
function builtSources(mark: string): string[] {
  try {
    const parsed = JSON.parse(readFileSync(mark, "utf8")) as { sources?: unknown };
    return Array.isArray(parsed.sources) ? parsed.sources.filter((s) => typeof s === "string") : [];
  } catch {
    return [];
  }
}

/**
 * Warns (`stale-build`) when `distDir` was built before a file of the `src/` beside it changed or went away.
 * Returns the warning's text, or null when there is nothing to say (no `src/` beside it, no build mark,
 * nothing changed). Never throws: a file system that cannot be read makes no warning.
 */
export function warnIfStaleBuild(distDir: string | URL): string | null {
  try {
    const dist = distDir instanceof URL ? fileURLToPath(distDir) : distDir;
    const src = join(dist, "..", "src");
    const mark = join(dist, BUILD_MARK);
    if (!existsSync(src) || !existsSync(mark)) return null;
    const built = statSync(mark).mtimeMs;
    const changed = changedSince(src, built, Date.now(), realpathSync(dist));
    const gone = builtSources(mark).filter((f) => !existsSync(join(src, f)));
    if (changed === null && gone.length === 0) return null;
    const root = join(dist, "..");
    const what: string[] = [];
    if (changed !== null) {
      const others = changed.count - 1;
      what.push(
        `src/${changed.newest} changed (${new Date(changed.mtimeMs).toISOString()})` +
          (others > 0 ? ` and ${others} other file${others === 1 ? "" : "s"} of src/` : ""),
      );
    }
    if (gone.length > 0) {
      what.push(
        `src/${gone[0]}` +
          (gone.length > 1 ? ` and ${gone.length - 1} other source${gone.length === 2 ? "" : "s"}` : "") +
          ` it compiled ${gone.length === 1 ? "is" : "are"} gone`,
      );
    }
    const message =
      `${relative(root, dist) || dist}/ was built ${new Date(built).toISOString()}, before ` +
      `${what.join(", and ")}, so this script runs the old code: run \`npm run build\` in ${root}, or run ` +
      `node with --conditions=spikeflow-source to import src/ directly`;
    log.warn("stale-build", message, { once: true });
    return message;
  } catch {
    return null;
  }
}
