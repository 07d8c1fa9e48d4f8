/**
 * A linear readout recorded as a monitor: after every step (phase 5 of the step order) it computes
 *   z(t) = bias + sum_i w_i x_i(t)
 * from a live state buffer x (for example a population's filtered spike trains r_Hz) and appends z to a
 * preallocated float64 trace. This is the output unit of a spiking RNN built from a rate RNN (z = W_out r / s,
 * Kim, Li & Sejnowski 2019), but any weighted sum of a per-neuron state fits.
 * The trace grows by doubling only when more steps are recorded than `capacity`; size it to the run.
 */
import {
  InvalidParameterError,
  ShapeMismatchError,
  describeValue,
  requireFinite,
  requireInteger,
} from "../core/errors.ts";
import { requireKnownKeys } from "../core/options.ts";
import type { Monitor } from "./network.ts";

export interface LinearReadoutOptions {
  /** Constant added to every output. Default 0. */
  readonly bias?: number;
  /** Steps to preallocate. Default 1024. */
  readonly capacity?: number;
}

export class LinearReadout implements Monitor {
  readonly weights: Float64Array;
  readonly bias: number;
  private readonly source: Float64Array | Float32Array;
  private trace: Float64Array;
  private stepsBuf: Int32Array;
  private n = 0;

  /**
   * @param source the live buffer read at every step (kept by reference, never written).
   * @param weights one weight per entry of `source` (copied).
   */
  constructor(
    source: Float64Array | Float32Array,
    weights: ArrayLike<number>,
    opts: LinearReadoutOptions = {},
  ) {
    requireKnownKeys("LinearReadout options", opts, ["bias", "capacity"]);
    if (!(source instanceof Float64Array || source instanceof Float32Array)) {
      throw new InvalidParameterError(
        `LinearReadout reads a live state buffer (a Float32Array or Float64Array, e.g. population.state("r_Hz")), ` +
          `got ${describeValue(source)}; then give one weight per entry: new LinearReadout(buffer, weights)`,
      );
    }
    if (weights === null || typeof weights !== "object" || typeof weights.length !== "number") {
      throw new InvalidParameterError(
        `LinearReadout needs one weight per entry of its source (an array), got ${describeValue(weights)}`,
      );
    }
    if (weights.length !== source.length) {
      throw new ShapeMismatchError(
        `readout has ${weights.length} weights but its source has ${source.length} entries; give one weight per entry`,
      );
    }
    this.source = source;
    this.weights = Float64Array.from(weights, (w, k) => requireFinite(`weights[${k}]`, w));
    this.bias = requireFinite("bias", opts.bias ?? 0);
    const cap = requireInteger("capacity", opts.capacity ?? 1024, 1);
    this.trace = new Float64Array(cap);
    this.stepsBuf = new Int32Array(cap);
  }

  record(step: number): void {
    if (this.n === this.trace.length) this.grow();
    const w = this.weights;
    const x = this.source;
    let s0 = 0;
    let s1 = 0;
    let k = 0;
    for (const end = w.length - 1; k < end; k += 2) {
      s0 += w[k] * x[k];
      s1 += w[k + 1] * x[k + 1];
    }
    if (k < w.length) s0 += w[k] * x[k];
    this.trace[this.n] = this.bias + s0 + s1;
    this.stepsBuf[this.n++] = step;
  }

  private grow(): void {
    const t = new Float64Array(this.trace.length * 2);
    t.set(this.trace);
    this.trace = t;
    const s = new Int32Array(this.stepsBuf.length * 2);
    s.set(this.stepsBuf);
    this.stepsBuf = s;
  }

  /** Number of recorded outputs. */
  get count(): number {
    return this.n;
  }

  /** The recorded outputs, one per step since the last reset (a view, valid until the next record). */
  get values(): Float64Array {
    return this.trace.subarray(0, this.n);
  }

  /** The step index of each recorded output. */
  get steps(): Int32Array {
    return this.stepsBuf.subarray(0, this.n);
  }

  reset(): void {
    this.n = 0;
  }
}
