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
import { InvalidParameterError, describeValue, requireNonNegative } from "../core/errors.ts";
import { requireKnownKeys } from "../core/options.ts";
import { type Rng, requireRng } from "../core/rng.ts";
import { perNeuron } from "../neurons/base.ts";
import type { Drive, Population } from "./types.ts";

export interface NoiseCurrentOptions {
  /** Target port. Default: the target's first port. */
  readonly port?: string;
}

export class NoiseCurrentDrive implements Drive {
  /** Standard deviation per neuron, in the port's units. */
  readonly sd: Float64Array;
  readonly port: string | undefined;
  private readonly rng: Rng;

  /**
   * @param sd one standard deviation for every neuron, or one per neuron (>= 0, in the port's units)
   * @param size the target population's size
   * @param rng the stream the normals come from, e.g. createRng(seed, "thalamus")
   */
  constructor(sd: number | ArrayLike<number>, size: number, rng: Rng, options: NoiseCurrentOptions = {}) {
    requireKnownKeys("NoiseCurrentDrive options", options, ["port"]);
    if (!Number.isInteger(size) || size < 1) {
      throw new InvalidParameterError(
        `NoiseCurrentDrive size must be an integer >= 1, got ${describeValue(size)}`,
      );
    }
    this.sd = perNeuron("sd", sd, size, requireNonNegative);
    this.rng = requireRng("NoiseCurrentDrive", rng, '"noise"');
    this.port = options.port;
  }

  apply(_step: number, target: Population): void {
    const sd = this.sd;
    if (target.size !== sd.length) {
      throw new InvalidParameterError(
        `NoiseCurrentDrive was built for ${sd.length} neurons but drives a population of ${target.size}`,
      );
    }
    const out = target.port(this.port);
    const rng = this.rng;
    for (let i = 0; i < sd.length; i++) out[i] += sd[i] * rng.normal();
  }
}
