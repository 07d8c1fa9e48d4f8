/** Readouts that turn a spiking layer's output into class predictions. Pure: no Node modules. */
export { argmaxPositive, checkLabels, checkSparse, rowsOf, toSparseCounts } from "./counts.ts";
export type { Counts, SparseCounts } from "./counts.ts";
export { LabelAssigner, UNASSIGNED, assignLabels, deriveAssignments } from "./assign.ts";
export type { AssignOptions, Assignment, LabelAssignerJSON } from "./assign.ts";
export { allActivity, proportionWeighting } from "./vote.ts";
export type { VoteResult } from "./vote.ts";
export { checkEvents, countsFromEvents, spikeEventsFromRaster } from "./events.ts";
export type { SpikeEvents } from "./events.ts";
export { NGRAM_DEFAULTS, NgramTable } from "./ngram.ts";
export type { NgramOptions, NgramTableJSON } from "./ngram.ts";
export { LOGISTIC_DEFAULTS, LogisticRegression } from "./logistic.ts";
export type { LogisticFitReport, LogisticOptions, LogisticRegressionJSON } from "./logistic.ts";
export { NO_PREDICTION, accuracy, confusionMatrix } from "./metrics.ts";
export type { ConfusionMatrix } from "./metrics.ts";
