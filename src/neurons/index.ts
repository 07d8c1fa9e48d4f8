/** The neuron models: one file each, all on `PopulationBase`. See docs/models/. */
export { PopulationBase } from "./base.ts";
export { PER_NEURON_PARAMETERS } from "./base.ts";
export type { PerNeuronOptions, PerNeuronParams, PerNeuronValue, ReadonlyFloat64Array } from "./base.ts";
export { Input } from "./input.ts";
export { LIF, LIF_DEFAULTS, LIF_PER_NEURON_KEYS, deriveLif, deriveLifPerNeuron } from "./lif.ts";
export type {
  LifDerived,
  LifOptions,
  LifParams,
  LifPerNeuronDerived,
  LifStoredParams,
  ResetMode,
} from "./lif.ts";
export {
  AdaptiveLIF,
  ADAPTIVE_LIF_DEFAULTS,
  ADAPTIVE_LIF_PER_NEURON_KEYS,
  deriveAdaptiveLif,
  deriveAdaptiveLifPerNeuron,
} from "./adaptive-lif.ts";
export type {
  AdaptiveLifDerived,
  AdaptiveLifOptions,
  AdaptiveLifParams,
  AdaptiveLifPerNeuronOptions,
  AdaptiveLifStoredParams,
} from "./adaptive-lif.ts";
export { IF, IF_DEFAULTS, IF_PER_NEURON_KEYS, deriveIf, deriveIfPerNeuron } from "./if.ts";
export type { IfDerived, IfOptions, IfParams, IfPerNeuronDerived, IfStoredParams } from "./if.ts";
export { Izhikevich, IZHIKEVICH_DEFAULTS, IZHIKEVICH_PRESETS, deriveIzhikevich } from "./izhikevich.ts";
export type {
  IzhikevichCoefficients,
  IzhikevichDerived,
  IzhikevichMethod,
  IzhikevichParams,
  IzhikevichPreset,
} from "./izhikevich.ts";
export {
  CubaLIF,
  CUBA_BENCHMARK_PARAMS,
  CUBA_BENCHMARK_WEIGHTS,
  CUBA_LIF_DEFAULTS,
  CUBA_LIF_PER_NEURON_KEYS,
  deriveCubaLif,
  deriveCubaLifPerNeuron,
} from "./cuba-lif.ts";
export type {
  CubaLifDerived,
  CubaLifOptions,
  CubaLifParams,
  CubaLifPerNeuronDerived,
  CubaLifStoredParams,
  SynapsePort,
} from "./cuba-lif.ts";
export { CobaLIF, COBA_BENCHMARK_WEIGHTS, COBA_LIF_DEFAULTS, deriveCobaLif } from "./coba-lif.ts";
export type { CobaLifDerived, CobaLifParams, ConductanceSynapse } from "./coba-lif.ts";
export * from "./li.ts";
export * from "./integrator.ts";
export * from "./threshold.ts";
export * from "./synaptic-lif.ts";
export * from "./double-exp-lif.ts";
export * from "./equations.ts";
