/** Test-only populations: one that spikes a given list of indices, and one that is a SpikeSink. */
import { PopulationBase } from "../../src/neurons/base.ts";
import type { Rng } from "../../src/core/rng.ts";
import type { SpikeSink, StepContext } from "../../src/network/types.ts";

/** A population whose spikes are set by `fire`; `step` does nothing. */
export class FakePopulation extends PopulationBase {
  readonly model = "fake";
  constructor(size: number, portNames: readonly string[] = ["input"]) {
    super(size, portNames);
  }

  /** Makes exactly these neurons the most recent step's spikes (any order, no repeats). */
  fire(indices: readonly number[]): void {
    this.beginSpikes();
    for (const i of [...indices].sort((a, b) => a - b)) this.pushSpike(i);
  }

  step(_ctx: StepContext): void {}
}

/** A population that records `emit` calls, so SpikeTrain.apply can be checked against a sink. */
export class FakeSink extends PopulationBase implements SpikeSink {
  readonly model = "fake-sink";
  readonly emitted: number[] = [];
  constructor(size: number) {
    super(size, ["input"]);
  }
  emit(i: number): void {
    this.emitted.push(i);
  }
  step(_ctx: StepContext): void {}
}

/** A random subset of [0, n), each index with probability p. */
export function randomSubset(n: number, p: number, rng: Rng): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (rng.float() < p) out.push(i);
  return out;
}
