/**
 * Input to randomly chosen neurons: every step, `count` neurons drawn uniformly (with replacement) from the
 * population each get `amplitude` added into a port. This is the thalamic input of Izhikevich's 2006
 * polychronization network: in every 1 ms step one random neuron of the 1000 gets I = 20 (on top of its
 * synaptic input), which keeps the otherwise silent network active.
 *
 *   port_i(t) += amplitude * n_i(t),   n_i(t) = how often neuron i is among the step's `count` draws
 *
 * The draws are taken from one seeded stream (`rng.int(size)`, `count` per step, in order), so a network
 * built with the same seed gets the same input. As with `NoiseCurrentDrive`, the amplitude is held over the
 * step: its effect depends on dt; give the value of the step the model was published with.
 */
import {
  InvalidParameterError,
  describeValue,
  requireFloat32Factor,
  requireInteger,
  requireFinite,
} from "../core/errors.ts";
import { requireKnownKeys } from "../core/options.ts";
import type { Rng } from "../core/rng.ts";
import { requireDriveTarget, requirePortOption } from "./current-drive.ts";
import type { Drive, Population } from "./types.ts";

export interface RandomNeuronDriveOptions {
  /** Added into the port of each drawn neuron, in the port's unit (Izhikevich 2006: 20). */
  readonly amplitude: number;
  /** The stream the neurons are drawn from, e.g. createRng(seed, "thalamus"). */
  readonly rng: Rng;
  /** Neurons drawn per step (with replacement), an integer >= 0. Default 1. */
  readonly count?: number;
  /** Target port. Default: the target's first port. */
  readonly port?: string;
}

export class RandomNeuronDrive implements Drive {
  readonly port: string | undefined;
  /** The number of neurons it drives (the target population's size). */
  readonly size: number;
  readonly amplitude: number;
  readonly count: number;
  private readonly rng: Rng;

  /**
   * @param size the target population's size
   */
  constructor(size: number, options: RandomNeuronDriveOptions) {
    if (typeof options !== "object" || options === null) {
      throw new InvalidParameterError(
        `RandomNeuronDrive(size, { amplitude, rng, count?, port? }) needs its options, e.g. ` +
          `{ amplitude: 20, rng: createRng(seed, "thalamus") }, got ${describeValue(options)}`,
      );
    }
    requireKnownKeys("RandomNeuronDrive options", options, ["amplitude", "rng", "count", "port"]);
    requireInteger("RandomNeuronDrive size", size, 1);
    requirePortOption("RandomNeuronDrive", options.port);
    // added into a float32 port: an amplitude beyond float32 would put +-Infinity there
    this.amplitude = requireFloat32Factor(
      "RandomNeuronDrive amplitude",
      requireFinite("RandomNeuronDrive amplitude", options.amplitude),
    );
    this.count = requireInteger("RandomNeuronDrive count", options.count ?? 1, 0);
    const rng = options.rng as Partial<Rng> | null | undefined;
    if (typeof rng?.int !== "function") {
      throw new InvalidParameterError(
        `RandomNeuronDrive needs a random generator as its rng option, e.g. createRng(seed, "thalamus"), got ` +
          `${describeValue(options.rng)}`,
      );
    }
    this.rng = options.rng;
    this.size = size;
    this.port = options.port;
  }

  apply(_step: number, target: Population): void {
    requireDriveTarget("RandomNeuronDrive", this.size, target);
    const out = target.port(this.port);
    for (let k = 0; k < this.count; k++) out[this.rng.int(this.size)] += this.amplitude;
  }
}
