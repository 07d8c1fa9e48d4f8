/**
 * Lateral inhibition of a population onto itself, without a weight matrix.
 *
 * Every spike of neuron i subtracts `strength_mV` from every OTHER neuron of its group:
 *   "within-group": groups are [g * groupSize, (g + 1) * groupSize), e.g. the F filters of one Local2d location
 *                   (location-major), as in the LC-SNN of Saunders et al. 2019 (strength 250);
 *   "all-but-self": one group, the whole population: the recurrent inhibition of Diehl & Cook's network as
 *                   BindsNET's DiehlAndCook2015v2 builds it.
 * So neuron j of group g receives  -strength * (spikes in g - own spike of j).
 *
 * Computed from spike counts: count the spikes per group, then update only the groups that had a spike.
 * Cost per step: O(spikes + sizes of the groups with a spike); "all-but-self" is O(N) in a step with any
 * spike and free otherwise. Equivalent to a fixed weight of -strength between every ordered pair of different
 * neurons in a group, but never stores that N x N matrix. It has no view and takes no learning rule.
 */
import {
  InvalidParameterError,
  ShapeMismatchError,
  requireFloat32Factor,
  requireInteger,
  requirePositive,
} from "../core/errors.ts";
import type { LearningRule, Population, Projection } from "../network/types.ts";
import { requirePopulation } from "../network/types.ts";
import { requireKnownKeys } from "../core/options.ts";
import { resolvePort } from "./common.ts";
import { refuseDelayOption } from "./delay.ts";

export type InhibitionMode = "within-group" | "all-but-self";

export interface LateralInhibitionOptions {
  /** Size of each group for "within-group"; must divide the population size. Not used by "all-but-self". */
  readonly groupSize?: number;
  /** Amount subtracted per spike of another group member, > 0, in the port's unit (mV for LIF's dv_mV). */
  readonly strength_mV: number;
  /** Who inhibits whom. Default "within-group". */
  readonly mode?: InhibitionMode;
  /** Target port. Default: the population's first port. */
  readonly port?: string;
  /**
   * Population that receives the inhibition, when it is not the spiking population itself; it must have the
   * same size, and "self" then means the neuron with the same index (Diehl & Cook's inhibitory layer Ai
   * inhibits every excitatory neuron except its partner). Default: the spiking population.
   */
  readonly target?: Population;
}

export class LateralInhibition implements Projection {
  readonly kind = "lateral-inhibition";
  readonly source: Population;
  readonly target: Population;
  readonly port: string;
  readonly rules: LearningRule[] = [];
  /** Weightless: no synapse view, so no rule can attach. */
  readonly view: undefined = undefined;
  readonly mode: InhibitionMode;
  readonly groupSize: number;
  readonly groups: number;
  readonly strength_mV: number;
  private readonly groupSpikes: Int32Array;
  private readonly touched: Int32Array;

  /** Construction settings, recorded by a saved network to tell a rebuilt one with other options. */
  settings(): Record<string, number | string> {
    return { mode: this.mode, groupSize: this.groupSize, strength_mV: this.strength_mV };
  }

  constructor(pop: Population, opts: LateralInhibitionOptions) {
    requirePopulation("LateralInhibition population", pop);
    if (opts === undefined) {
      throw new InvalidParameterError(
        "LateralInhibition needs its options, at least strength_mV, e.g. new LateralInhibition(pop, " +
          "{ strength_mV: 250 })",
      );
    }
    refuseDelayOption("LateralInhibition", opts, "its inhibition acts in the step after the spikes");
    requireKnownKeys("LateralInhibition options", opts, [
      "groupSize",
      "strength_mV",
      "mode",
      "port",
      "target",
    ]);
    const mode = opts.mode ?? "within-group";
    // subtracted into the target's float32 port: 1e39 would make it -Infinity
    this.strength_mV = requireFloat32Factor("strength_mV", requirePositive("strength_mV", opts.strength_mV));
    switch (mode) {
      case "within-group": {
        if (opts.groupSize === undefined) {
          throw new InvalidParameterError(
            `LateralInhibition "within-group" needs groupSize (e.g. the number of filters per location)`,
          );
        }
        requireInteger("groupSize", opts.groupSize, 1);
        if (pop.size % opts.groupSize !== 0) {
          throw new ShapeMismatchError(
            `LateralInhibition: population of ${pop.size} neurons does not split into groups of ${opts.groupSize} ` +
              `(${pop.size} / ${opts.groupSize} = ${(pop.size / opts.groupSize).toFixed(3)}); groups must tile it`,
            { size: pop.size, groupSize: opts.groupSize },
          );
        }
        this.groupSize = opts.groupSize;
        break;
      }
      case "all-but-self":
        if (opts.groupSize !== undefined && opts.groupSize !== pop.size) {
          throw new InvalidParameterError(
            `LateralInhibition "all-but-self" inhibits the whole population; drop groupSize ` +
              `(got ${opts.groupSize}) or use mode "within-group"`,
            { groupSize: opts.groupSize },
          );
        }
        this.groupSize = pop.size;
        break;
      default: {
        const never: never = mode;
        throw new InvalidParameterError(
          `LateralInhibition mode must be "within-group" or "all-but-self", got ${JSON.stringify(never)}`,
        );
      }
    }
    const target = opts.target ?? pop;
    if (target.size !== pop.size) {
      throw new ShapeMismatchError(
        `LateralInhibition target has ${target.size} neurons but the spiking population has ${pop.size}; ` +
          `they must match one to one`,
        { source: pop.size, target: target.size },
      );
    }
    this.mode = mode;
    this.source = pop;
    this.target = target;
    this.port = resolvePort(target, opts.port);
    this.groups = pop.size / this.groupSize;
    this.groupSpikes = new Int32Array(this.groups);
    this.touched = new Int32Array(this.groups);
  }

  deliver(): void {
    const pop = this.source;
    const count = pop.spikeCount;
    if (count === 0) return;
    const idx = pop.spikeIdx;
    const spiked = pop.spiked;
    const out = this.target.port(this.port);
    const G = this.groupSize;
    const k = this.strength_mV;
    const per = this.groupSpikes;
    const touched = this.touched;

    // count spikes per group
    let nTouched = 0;
    for (let s = 0; s < count; s++) {
      const g = (idx[s] / G) | 0;
      if (per[g] === 0) touched[nTouched++] = g;
      per[g]++;
    }

    // subtract strength * (group spikes - own spike) in every touched group
    for (let t = 0; t < nTouched; t++) {
      const g = touched[t];
      const total = per[g];
      const start = g * G;
      const end = start + G;
      for (let j = start; j < end; j++) out[j] -= k * (total - spiked[j]);
      per[g] = 0;
    }
  }
}
