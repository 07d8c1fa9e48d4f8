/**
 * Node's entry of "spikeflow" (package.json's "node" condition): the library entry (src/index.ts) as it is,
 * plus one check at import that the compiled `dist/` of a checkout is not older than its `src/`
 * (src/core/stale-build.ts). Browsers and bundlers for them get src/index.ts's build, which touches no
 * Node module.
 */
import { warnIfStaleBuild } from "./core/stale-build.ts";

export * from "./index.ts";

try {
  warnIfStaleBuild(new URL(".", import.meta.url));
} catch {
  // a bundle for CommonJS has no import.meta.url: nothing to check, and an import must never fail here
}
