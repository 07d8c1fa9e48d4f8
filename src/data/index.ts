/**
 * Datasets: the IDX parser, the Dataset type, transforms, and the Node-only file loaders.
 *
 * Browser code must not import this index (it pulls in node:fs through idx-file.ts and mnist.ts); import
 * `./browser.ts` instead, which re-exports only the pure modules.
 */
// a script of a checkout that imports the compiled package is told when src/ changed after the build
import "../core/stale-build-entry.ts";

export * from "./browser.ts";
export { readIdxFile } from "./idx-file.ts";
export { loadMnist, mnistDataDir } from "./mnist.ts";
export type { LoadMnistOptions, Split } from "./mnist.ts";
