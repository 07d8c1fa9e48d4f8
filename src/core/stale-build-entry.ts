/**
 * Runs the stale-build check (stale-build.ts) once per process, for the entries Node loads: "spikeflow"
 * (index.node.ts), "spikeflow/io" and "spikeflow/data". Imported for its effect. Compiled, this module is
 * dist/core/stale-build-entry.js, so the build it checks is the folder above it; run from the sources
 * (src/core/...) it finds no build mark beside src/ and says nothing. Never throws: a bundle for CommonJS,
 * which has no import.meta.url, checks nothing.
 */
import { warnIfStaleBuild } from "./stale-build.ts";

try {
  warnIfStaleBuild(new URL("..", import.meta.url));
} catch {
  // no module URL (a CommonJS bundle): nothing to check, and an import must never fail here
}
