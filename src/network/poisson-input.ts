/**
 * Many independent Poisson sources per neuron, summed into a port without simulating them one by one: the
 * external drive of Brunel 2000 (C_ext = C_E sources of rate nu_ext per neuron) and Brian2's `PoissonInput`.
 * Each step every neuron receives the number of source spikes of that step, times `weight`:
 *
 *   port_i(t) += weight * n_i(t),   n_i(t) ~ Binomial(sources, p),   p = rate_Hz * dt_ms / 1000
 *
 * independent over neurons and steps, drawn in neuron order from one seeded stream. That is the exact count
 * of `sources` independent Bernoulli(p) inputs per step (Brian2 draws the same binomial); a spike train could
 * carry at most one spike per input and step and adds exactly 1, so it cannot express this.
 *
 * Sampling: inversion by sequential search over the binomial's probabilities. The sources are split into
 * chunks whose expected count is at most 10, so that (1 - p)^chunk never underflows; the sum of the chunks'
 * binomials is the binomial of all. Cost per neuron and step: about 1 + sources * p uniforms and
 * multiplications; nothing is allocated in `apply`.
 */
import {
  InvalidParameterError,
  describeValue,
  requireFloat32Factor,
  requireInteger,
} from "../core/errors.ts";
import { requireKnownKeys } from "../core/options.ts";
import type { Rng } from "../core/rng.ts";
import { requireDriveTarget, requirePortOption } from "./current-drive.ts";
import type { Drive, Population } from "./types.ts";

export interface PoissonInputOptions {
  /** Independent sources per neuron (Brunel's C_ext, Brian2's N), an integer >= 1. */
  readonly sources: number;
  /** Rate of each source in Hz, >= 0 and at most one spike per step (rate_Hz * dt_ms / 1000 <= 1). */
  readonly rate_Hz: number;
  /** Added into the port per source spike (Brunel's J in mV into LIF's `dv_mV`). */
  readonly weight: number;
  /** The network's step in ms (the run refuses the drive on a network of another step). */
  readonly dt_ms: number;
  /** The stream the counts come from, e.g. createRng(seed, "external"). */
  readonly rng: Rng;
  /** Target port. Default: the target's first port. */
  readonly port?: string;
}

/** Expected count per chunk of sources: (1 - p)^chunk >= e^-10.5 or so, far from underflow. */
const CHUNK_MEAN = 10;

export class PoissonInputDrive implements Drive {
  readonly size: number;
  readonly dt_ms: number;
  readonly port: string | undefined;
  readonly sources: number;
  readonly rate_Hz: number;
  readonly weight: number;
  /** Probability that one source spikes in one step. */
  readonly p: number;
  private readonly rng: Rng;
  /** Full chunks of `chunk` sources, then one chunk of `rest` sources (0: none). */
  private readonly chunks: number;
  private readonly chunk: number;
  private readonly rest: number;
  /** (1 - p)^chunk and (1 - p)^rest: the probability of no spike in a chunk. */
  private readonly none: number;
  private readonly noneRest: number;
  /** p / (1 - p), the step of the probabilities' recurrence. */
  private readonly odds: number;

  /** @param size the target population's size */
  constructor(size: number, options: PoissonInputOptions) {
    if (typeof options !== "object" || options === null) {
      throw new InvalidParameterError(
        `PoissonInputDrive(size, options) needs its options { sources, rate_Hz, weight, dt_ms, rng }, e.g. ` +
          `new PoissonInputDrive(n, { sources: 800, rate_Hz: 10, weight: 0.1, dt_ms: net.dt_ms, rng: ` +
          `createRng(seed, "external") }); got ${describeValue(options)}`,
      );
    }
    requireKnownKeys("PoissonInputDrive options", options, [
      "sources",
      "rate_Hz",
      "weight",
      "dt_ms",
      "rng",
      "port",
    ]);
    this.size = requireInteger("PoissonInputDrive size", size, 1);
    this.sources = requireInteger("PoissonInputDrive sources", options.sources, 1);
    const { rate_Hz, dt_ms } = options;
    if (!(typeof dt_ms === "number" && dt_ms > 0 && Number.isFinite(dt_ms))) {
      throw new InvalidParameterError(
        `PoissonInputDrive dt_ms must be the network's step in ms (a number > 0), got ${describeValue(dt_ms)}`,
      );
    }
    if (!(typeof rate_Hz === "number" && rate_Hz >= 0 && Number.isFinite(rate_Hz))) {
      throw new InvalidParameterError(
        `PoissonInputDrive rate_Hz must be a rate in Hz >= 0, got ${describeValue(rate_Hz)}`,
      );
    }
    const p = (rate_Hz * dt_ms) / 1000;
    if (p > 1) {
      throw new InvalidParameterError(
        `PoissonInputDrive: a source of ${rate_Hz} Hz would spike ${p} times per step of ${dt_ms} ms; a source ` +
          `spikes at most once a step: use a rate <= ${1000 / dt_ms} Hz (or more sources at a lower rate)`,
        { rate_Hz, dt_ms },
      );
    }
    this.weight = requireFloat32Factor("PoissonInputDrive weight", options.weight);
    if (typeof (options.rng as Partial<Rng> | null | undefined)?.float !== "function") {
      throw new InvalidParameterError(
        `PoissonInputDrive needs rng, a random generator, e.g. createRng(seed, "external"), got ` +
          `${describeValue(options.rng)}`,
      );
    }
    requirePortOption("PoissonInputDrive", options.port);
    this.rng = options.rng;
    this.port = options.port;
    this.rate_Hz = rate_Hz;
    this.dt_ms = dt_ms;
    this.p = p;
    const chunk =
      p > 0 && p < 1 ? Math.max(1, Math.min(this.sources, Math.floor(CHUNK_MEAN / p))) : this.sources;
    this.chunk = chunk;
    this.chunks = Math.floor(this.sources / chunk);
    this.rest = this.sources - this.chunks * chunk;
    this.none = Math.pow(1 - p, chunk);
    this.noneRest = Math.pow(1 - p, this.rest);
    this.odds = p < 1 ? p / (1 - p) : 0;
  }

  /** Expected source spikes per neuron and step, sources * p. */
  get expectedPerStep(): number {
    return this.sources * this.p;
  }

  /** One Binomial(n, p) draw by inversion, with none = (1 - p)^n. */
  private binomial(n: number, none: number): number {
    let u = this.rng.float();
    let k = 0;
    let prob = none;
    while (u > prob && k < n) {
      u -= prob;
      prob *= ((n - k) / (k + 1)) * this.odds;
      k++;
    }
    return k;
  }

  apply(_step: number, target: Population): void {
    requireDriveTarget("PoissonInputDrive", this.size, target);
    const out = target.port(this.port);
    const w = this.weight;
    if (this.p === 0) return;
    if (this.p === 1) {
      for (let i = 0; i < out.length; i++) out[i] += w * this.sources;
      return;
    }
    for (let i = 0; i < out.length; i++) {
      let n = 0;
      for (let c = 0; c < this.chunks; c++) n += this.binomial(this.chunk, this.none);
      if (this.rest > 0) n += this.binomial(this.rest, this.noneRest);
      if (n > 0) out[i] += w * n;
    }
  }
}
