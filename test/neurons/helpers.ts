/**
 * Shared test helpers for the neuron models: a step loop that records spikes, and float32 arithmetic aids.
 */
import type { Population, StepContext } from "../../src/network/types.ts";

export interface SpikeEvents {
  /** Step index of every spike, in time order (ascending neuron within a step). */
  readonly steps: number[];
  /** Neuron index of every spike. */
  readonly neurons: number[];
}

export interface RunOptions {
  readonly learning?: boolean;
  /** Called before each step (phase 2 of the step order): write ports, emit spikes. */
  readonly feed?: (step: number) => void;
  /** Called after each step (phase 5): read state. */
  readonly after?: (step: number) => void;
}

/** Steps `pop` `steps` times at `dt_ms` and returns its spikes. */
export function run(pop: Population, steps: number, dt_ms: number, options: RunOptions = {}): SpikeEvents {
  const ctx: { step: number; dt_ms: number; learning: boolean } = {
    step: 0,
    dt_ms,
    learning: options.learning ?? true,
  };
  const events: SpikeEvents = { steps: [], neurons: [] };
  for (let s = 0; s < steps; s++) {
    ctx.step = s;
    options.feed?.(s);
    pop.step(ctx as StepContext);
    for (let k = 0; k < pop.spikeCount; k++) {
      events.steps.push(s);
      events.neurons.push(pop.spikeIdx[k]);
    }
    options.after?.(s);
  }
  return events;
}

/** The spike steps of one neuron. */
export function spikeStepsOf(events: SpikeEvents, neuron: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < events.steps.length; k++) if (events.neurons[k] === neuron) out.push(events.steps[k]);
  return out;
}

/** Differences between consecutive entries. */
export function diffs(a: readonly number[]): number[] {
  const out: number[] = [];
  for (let k = 1; k < a.length; k++) out.push(a[k] - a[k - 1]);
  return out;
}

/** The spacing of float32 numbers at |x| (one unit in the last place). */
export function ulp32(x: number): number {
  const ax = Math.abs(Math.fround(x));
  if (ax < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(ax)) - 23);
}

/** A step context for a single manual `step` call. */
export function ctxAt(step: number, dt_ms: number, learning = true): StepContext {
  return { step, dt_ms, learning };
}
