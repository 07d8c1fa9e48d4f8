/**
 * Node's entry of "spikeflow" (package.json's "node" condition): the library entry (src/index.ts) as it is,
 * plus one check at import that the compiled `dist/` of a checkout is not older than its `src/`
 * (src/core/stale-build.ts, run by stale-build-entry.ts, which "spikeflow/io" and "spikeflow/data" load too).
 * Browsers and bundlers for them get src/index.ts's build, which touches no Node module.
 */
import "./core/stale-build-entry.ts";

export * from "./index.ts";
