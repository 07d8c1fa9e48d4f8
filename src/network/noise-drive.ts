/**
 * A fresh Gaussian current every step: neuron i gets sd_i * N(0, 1) added into a port, with the normal draws
 * taken in neuron order from one seeded stream. This is the random "thalamic input" of Izhikevich's 2003
 * network (I = 5 randn for excitatory cells, 2 randn for inhibitory ones, redrawn every 1 ms step), and the
 * per-step noise current of many rate and spiking models.
 *
 *   port_i(t) += sd_i * z_i(t),   z_i(t) ~ N(0, 1) independent over neurons and steps
 *
 * The current is held over the step, so its effect depends on dt (it is not a white-noise process scaled by
 * sqrt(dt)); give the sd the model's step was published with.
 */
import {
  InvalidParameterError,
  describeValue,
  requireFloat32Factor,
  requireInteger,
  requireNonNegative,
} from "../core/errors.ts";
import { requireKnownKeys } from "../core/options.ts";
import type { Rng } from "../core/rng.ts";
import { type PerNeuronValue, perNeuron } from "../neurons/base.ts";
import { requireDriveTarget, requirePortOption } from "./current-drive.ts";
import type { Drive, Population } from "./types.ts";

export interface NoiseCurrentOptions {
  /** Target port. Default: the target's first port. */
  readonly port?: string;
}

export class NoiseCurrentDrive implements Drive {
  readonly port: string | undefined;
  /** The number of neurons it drives (the target population's size). */
  readonly size: number;
  private readonly sdValues: Float64Array;
  private readonly rng: Rng;

  /**
   * @param sd one standard deviation for every neuron, or one per neuron (>= 0, in the port's units)
   * @param size the target population's size
   * @param rng the stream the normals come from, e.g. createRng(seed, "thalamus")
   */
  constructor(sd: PerNeuronValue, size: number, rng: Rng, options: NoiseCurrentOptions = {}) {
    requireKnownKeys("NoiseCurrentDrive options", options, ["port"]);
    requireInteger("NoiseCurrentDrive size", size, 1);
    requirePortOption("NoiseCurrentDrive", options.port);
    // added into a float32 port: an sd beyond float32 would put +-Infinity there
    this.sdValues = perNeuron("sd", sd, size, (name, x) =>
      requireFloat32Factor(name, requireNonNegative(name, x)),
    );
    this.size = size;
    if (typeof (rng as Partial<Rng> | null | undefined)?.normal !== "function") {
      throw new InvalidParameterError(
        `NoiseCurrentDrive(sd, size, rng) needs a random generator as its third argument, e.g. ` +
          `createRng(seed, "noise"), got ${describeValue(rng)}`,
      );
    }
    this.rng = rng;
    this.port = options.port;
  }

  /** The standard deviation of each neuron's current (a copy: it is fixed at construction). */
  get sd(): Float64Array {
    return this.sdValues.slice();
  }

  apply(_step: number, target: Population): void {
    const sd = this.sdValues;
    requireDriveTarget("NoiseCurrentDrive", sd.length, target);
    const out = target.port(this.port);
    const rng = this.rng;
    for (let i = 0; i < sd.length; i++) out[i] += sd[i] * rng.normal();
  }
}
