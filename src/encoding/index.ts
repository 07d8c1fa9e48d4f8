/** Input encoders: values or rates to spike trains. */
export { SpikeTrain } from "./spike-train.ts";
export { poisson } from "./poisson.ts";
export type { PoissonOptions } from "./poisson.ts";
export { bernoulli } from "./bernoulli.ts";
export type { BernoulliOptions } from "./bernoulli.ts";
export { rankOrder } from "./rank-order.ts";
export type { RankOrderOptions } from "./rank-order.ts";
export { latency, LATENCY_DEFAULTS } from "./latency.ts";
export type { LatencyOptions } from "./latency.ts";
export { resolveSteps, trainFromFirstSpikes, trainFromProbabilities } from "./common.ts";
export type { WindowOptions } from "./common.ts";
