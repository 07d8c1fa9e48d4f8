/**
 * A constant input into a port, added at every step: the bias b of y = W x + b when it is kept apart from the
 * weights (NIR import uses it for the bias of a Conv2d, or of a chain of stateless nodes, whose weights
 * become another projection).
 *
 *   port[j] += bias[j]     at every delivery (phase 1 of every step, docs/conventions.md)
 *
 * A bias has no presynaptic population: `source` is the target itself (the network only checks that both ends
 * belong to it) and no spike is read. It has no synapses, so no view and no learning rule.
 * Cost per step: target size additions.
 */
import { InvalidParameterError } from "../core/errors.ts";
import type { LearningRule, Population, Projection } from "../network/types.ts";
import { requirePopulation } from "../network/types.ts";
import { makeBias } from "./affine.ts";
import { requireOptions } from "../core/options.ts";
import { resolvePort } from "./common.ts";
import { refuseDelayOption } from "./delay.ts";

export interface BiasOptions {
  /** Bias per target neuron (copied), or one number for all. */
  readonly bias: number | ArrayLike<number>;
  /** Target port. Default: the target's first port. */
  readonly port?: string;
}

export class Bias implements Projection {
  readonly kind = "bias";
  readonly source: Population;
  readonly target: Population;
  readonly port: string;
  readonly rules: LearningRule[] = [];
  /** Weightless: no synapse view, so no rule can attach. */
  readonly view: undefined = undefined;
  /** The constant added to each target neuron's port per step. */
  readonly bias: Float32Array;

  constructor(target: Population, opts: BiasOptions) {
    requirePopulation("Bias target", target);
    refuseDelayOption("Bias", opts, "it adds its constant in every step, with nothing to delay");
    requireOptions("Bias", opts, ["bias", "port"], "new Bias(population, { bias: 0.5 })");
    if (opts.bias === undefined) {
      throw new InvalidParameterError(
        `Bias needs bias: one number for every neuron or one per neuron, e.g. new Bias(population, { bias: 0.5 })`,
      );
    }
    this.source = target;
    this.target = target;
    this.port = resolvePort(target, opts.port);
    this.bias = makeBias(target.size, opts.bias, "Bias");
  }

  /** The bias, live (saved and restored by `networkParameters` / `restoreNetworkParameters`). */
  parameters(): Readonly<Record<string, Float32Array>> {
    return { bias: this.bias };
  }

  deliver(): void {
    const out = this.target.port(this.port);
    const b = this.bias;
    for (let j = 0; j < b.length; j++) out[j] += b[j];
  }
}
