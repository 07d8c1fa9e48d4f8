/** Projections (synapses): dense, sparse (CSR), one-to-one, locally connected, convolutional, lateral inhibition. */
export {
  WeightedProjection,
  checkBounds,
  clampWeights,
  fillWeights,
  makeWeights,
  resolvePort,
} from "./common.ts";
export type { DelayOptions, WeightInit, WeightOptions } from "./common.ts";
export { MAX_DELAY_STEPS } from "./delay.ts";
export { Dense } from "./dense.ts";
export type { DenseOptions } from "./dense.ts";
export { MAX_SYNAPSES, Sparse } from "./sparse.ts";
export type { CsrArrays, SparseOptions, SparseRandomOptions, TripletOptions, Triplets } from "./sparse.ts";
export { OneToOne } from "./one-to-one.ts";
export type { OneToOneOptions } from "./one-to-one.ts";
export { Local2d } from "./local-2d.ts";
export type { Local2dOptions } from "./local-2d.ts";
export { Conv2d } from "./conv-2d.ts";
export type { Conv2dOptions } from "./conv-2d.ts";
export { LateralInhibition } from "./lateral-inhibition.ts";
export type { InhibitionMode, LateralInhibitionOptions } from "./lateral-inhibition.ts";
export { buildPatchIndex, convOutputSize, resolveGeometry2d } from "./geometry.ts";
export type { Geometry2d, Geometry2dOptions, PatchIndex, Size2d } from "./geometry.ts";
export * from "./affine.ts";
export * from "./bias.ts";
export * from "./sum-pool-2d.ts";
export * from "./avg-pool-2d.ts";
export * from "./rate-coupling.ts";
export { SynapseEquations } from "./synapse-equations.ts";
export type { SynapseConnect, SynapseEquationsOptions, SynapseInit } from "./synapse-equations.ts";
