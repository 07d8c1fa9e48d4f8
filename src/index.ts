/**
 * spikeflow's library entry: the browser-safe core (no Node-only modules). File loading, workers, plots and
 * the CLI sit at the edges: import them from their folders (e.g. `spikeflow/src/data/mnist.ts`).
 */
export * from "./core/errors.ts";
export * from "./core/rng.ts";
export * from "./core/time.ts";
export { log, captureLogs, muteWarning, setLogLevel } from "./core/log.ts";
export type { LogLevel, LogRecord } from "./core/log.ts";
export * from "./network/types.ts";
export * from "./network/network.ts";
export * from "./network/monitors.ts";
export * from "./neurons/index.ts";
export * from "./projections/index.ts";
export * from "./plasticity/index.ts";
export * from "./encoding/index.ts";
export * from "./readout/index.ts";
export * from "./models/index.ts";
