/**
 * All-to-all projection.
 *
 * Layout: row-major [pre][post], w[i * postSize + j] is the weight from pre neuron i to post neuron j, so a
 * spike of i adds one contiguous row into the target port.
 * Cost per step: spikes x postSize additions; no work without spikes.
 *
 * Note: PyTorch's nn.Linear stores [out][in] = [post][pre], the transpose of this layout; exporters that
 * write PyTorch-style tensors transpose.
 */
import { InvalidParameterError, requireFloat32 } from "../core/errors.ts";
import type { Population } from "../network/types.ts";
import { requirePopulation } from "../network/types.ts";
import { WeightedProjection, addRun, makeWeights, placeForSimd, requireWeightOptionKeys } from "./common.ts";
import type { SimdPlacement, WeightOptions } from "./common.ts";

export type DenseOptions = WeightOptions;

export class Dense extends WeightedProjection {
  readonly kind = "dense";
  readonly maxFanIn: number;
  readonly maxFanOut: number;
  private readonly simd: SimdPlacement | undefined;

  /** `weights`, when given, are in [pre][post] layout (length source.size * target.size). */
  constructor(source: Population, target: Population, opts: DenseOptions) {
    requirePopulation("Dense source", source);
    requirePopulation("Dense target", target);
    requireWeightOptionKeys("Dense", opts);
    const w = makeWeights(
      source.size * target.size,
      opts,
      "Dense",
      `[pre][post] = ${source.size} x ${target.size}`,
    );
    const simd = placeForSimd(w, target.size, target.size);
    super(source, target, simd?.w ?? w, opts, "Dense");
    this.simd = simd;
    this.maxFanIn = source.size;
    this.maxFanOut = target.size;
  }

  protected deliverSpikes(idx: Int32Array, count: number): void {
    const n = this.postSize;
    const w = this.w;
    const out = this.target.port(this.port);
    const simd = this.simd;
    if (simd !== undefined) {
      if (count === 0) return;
      // SIMD path: the same additions in the same order, on a copy of the port in the workspace
      const { ws, acc, accOffset, wOffset } = simd;
      acc.set(out);
      for (let k = 0; k < count; k++) ws.add(accOffset, wOffset + idx[k] * n, n);
      out.set(acc);
      return;
    }
    for (let k = 0; k < count; k++) {
      addRun(out, 0, w, idx[k] * n, n);
    }
  }

  /** Weight from pre neuron i to post neuron j. */
  get(i: number, j: number): number {
    return this.w[this.index(i, j)];
  }

  /** Sets the weight from pre neuron i to post neuron j; must lie within `bounds` when there are bounds. */
  set(i: number, j: number, value: number): void {
    requireFloat32(`Dense weight (${i}, ${j})`, value);
    const b = this.bounds;
    if (b !== undefined && (value < b.wMin || value > b.wMax)) {
      throw new InvalidParameterError(
        `Dense weight (${i}, ${j}) = ${value} is outside bounds [${b.wMin}, ${b.wMax}]`,
        { i, j, value, ...b },
      );
    }
    this.w[this.index(i, j)] = value;
  }

  incoming(j: number, pre: Int32Array, widx: Int32Array): number {
    const n = this.postSize;
    for (let i = 0; i < this.preSize; i++) {
      pre[i] = i;
      widx[i] = i * n + j;
    }
    return this.preSize;
  }

  synapseIndex(i: number, j: number): number {
    return i * this.postSize + j;
  }

  outgoing(i: number, post: Int32Array, widx: Int32Array): number {
    const row = i * this.postSize;
    for (let j = 0; j < this.postSize; j++) {
      post[j] = j;
      widx[j] = row + j;
    }
    return this.postSize;
  }

  private index(i: number, j: number): number {
    if (
      !Number.isInteger(i) ||
      i < 0 ||
      i >= this.preSize ||
      !Number.isInteger(j) ||
      j < 0 ||
      j >= this.postSize
    ) {
      const integers = Number.isInteger(i) && Number.isInteger(j);
      throw new InvalidParameterError(
        `Dense index (${i}, ${j}) ${integers ? "is outside" : "must be two integers in"} ` +
          `[0, ${this.preSize}) x [0, ${this.postSize}) (pre, post)`,
        { i, j },
      );
    }
    return i * this.postSize + j;
  }
}
