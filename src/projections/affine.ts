/**
 * All-to-all projection with a bias: y = W x + b, the NIR `Affine` primitive (PyTorch's nn.Linear).
 *
 * Layout: as Dense, row-major [pre][post]: w[i * postSize + j] is the weight from pre neuron i to post neuron
 * j (the transpose of PyTorch's and NIR's [out][in]). `bias[j]` is added into the target port at every step,
 * spikes or not: it is the constant input b of y = W x + b, so it is present from the first step on.
 * Cost per step: spikes x postSize additions for the weights, plus postSize for the bias when it is nonzero.
 */
import { InvalidParameterError, ShapeMismatchError, requireFloat32 } from "../core/errors.ts";
import type { Population } from "../network/types.ts";
import { requirePopulation } from "../network/types.ts";
import { WeightedProjection, addRun, makeWeights, requireWeightOptionKeys } from "./common.ts";
import type { WeightOptions } from "./common.ts";
import { describeValue } from "../core/options.ts";

export interface AffineOptions extends WeightOptions {
  /** Bias per post neuron (copied), or one number for all. Default 0. */
  readonly bias?: number | ArrayLike<number>;
}

/** A Float32Array bias of `size` entries from a number or an array (copied, checked finite). */
export function makeBias(
  size: number,
  bias: number | ArrayLike<number> | undefined,
  what: string,
): Float32Array {
  const out = new Float32Array(size);
  if (bias === undefined) return out;
  if (typeof bias === "number") return out.fill(requireFloat32(`${what} bias`, bias));
  if (bias === null || typeof bias !== "object" || typeof bias.length !== "number") {
    throw new InvalidParameterError(`${what} bias must be a number or an array, got ${describeValue(bias)}`);
  }
  if (bias.length !== size) {
    throw new ShapeMismatchError(
      `${what} bias has length ${bias.length}, but the target has ${size} neurons (one bias per post neuron)`,
      { length: bias.length, expected: size },
    );
  }
  for (let j = 0; j < size; j++) out[j] = requireFloat32(`${what} bias[${j}]`, bias[j]);
  return out;
}

export class Affine extends WeightedProjection {
  readonly kind = "affine";
  readonly maxFanIn: number;
  readonly maxFanOut: number;
  /** Bias per post neuron, added every step. */
  readonly bias: Float32Array;

  /** `weights`, when given, are in [pre][post] layout (length source.size * target.size). */
  constructor(source: Population, target: Population, opts: AffineOptions) {
    requirePopulation("Affine source", source);
    requirePopulation("Affine target", target);
    requireWeightOptionKeys("Affine", opts, ["bias"]);
    const w = makeWeights(
      source.size * target.size,
      opts,
      "Affine",
      `[pre][post] = ${source.size} x ${target.size}`,
    );
    super(source, target, w, opts, "Affine");
    this.maxFanIn = source.size;
    this.maxFanOut = target.size;
    this.bias = makeBias(target.size, opts.bias, "Affine");
  }

  override parameters(): Readonly<Record<string, Float32Array | Float64Array>> {
    return { w: this.w, bias: this.bias };
  }

  protected deliverSpikes(idx: Int32Array, count: number): void {
    const n = this.postSize;
    const w = this.w;
    const out = this.target.port(this.port);
    // always added (target-size additions per step): `bias` may be written at any time
    addRun(out, 0, this.bias, 0, n);
    for (let k = 0; k < count; k++) addRun(out, 0, w, idx[k] * n, n);
  }

  incoming(j: number, pre: Int32Array, widx: Int32Array): number {
    const n = this.postSize;
    for (let i = 0; i < this.preSize; i++) {
      pre[i] = i;
      widx[i] = i * n + j;
    }
    return this.preSize;
  }

  outgoing(i: number, post: Int32Array, widx: Int32Array): number {
    const row = i * this.postSize;
    for (let j = 0; j < this.postSize; j++) {
      post[j] = j;
      widx[j] = row + j;
    }
    return this.postSize;
  }
}
