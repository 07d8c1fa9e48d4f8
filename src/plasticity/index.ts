export * from "./trace.ts";
export * from "./stdp.ts";
export * from "./normalization.ts";
