/**
 * Spiking RNNs from trained rate RNNs (Kim, Li & Sejnowski 2019): the rate model, its tasks, BPTT training,
 * the one-to-one transfer to a LIF network and the scaling-factor search. Browser-safe (no Node-only
 * modules); the worker-pool search is in src/parallel/scale-search-pool.ts and the run directories in
 * src/experiments/rnn-run.ts (Node). See docs/rnn.md.
 */
export * from "./activation.ts";
export * from "./adam.ts";
export * from "./rate-rnn.ts";
export * from "./rate-rnn-json.ts";
export * from "./rate-rnn-model.ts";
export * from "./tasks.ts";
export * from "./train.ts";
export * from "./transfer.ts";
export * from "./lif-trial.ts";
export * from "./scale-search.ts";
