/**
 * Rate coupling: a projection that feeds the target the current W r every step, where r is the source
 * population's filtered spike train (its live `r_Hz` buffer, e.g. `DoubleExpLIF`). This is the synaptic current
 * of the equations in Kim, Li & Sejnowski (2019), I = W r with r filtered by the SENDER's decay constant; the
 * reference code instead filters the summed input with the receiver's decay constant (DoubleExpLIF's "syn"
 * port fed by an event-driven `Dense` projection), and the two coincide exactly when all decay constants are
 * equal (docs/rnn.md).
 *
 *   i_j(t) += sum_i W[j, i] r_i(t - 1)       (r after the source's step t-1: the engine's one-step delay)
 *
 * Not event-driven: r is dense (every unit's trace is non-zero long after a spike), so every step costs the
 * number of stored non-zero weights. The weights are stored CSR by post row, so a row is one gather over r.
 * Where WebAssembly runs, the product runs in a small module (rate-coupling-kernel.ts; bit-identical, 4-8x
 * faster per weight, about 3x per step of a small net); SPIKEFLOW_WASM=0 selects the TypeScript loop below.
 * Limitation: weights are fixed (no learning rule can attach: there is no SynapseView).
 */
import { InvalidParameterError, ShapeMismatchError, requireFinite } from "../core/errors.ts";
import type { LearningRule, Population, Projection } from "../network/types.ts";
import { requirePopulation } from "../network/types.ts";
import { describeValue, requireOptions } from "../core/options.ts";
import { resolvePort } from "./common.ts";
import { RateCouplingKernel } from "./rate-coupling-kernel.ts";

/** A population that exposes a live filtered spike train per neuron. */
export interface FilteredRateSource extends Population {
  readonly r_Hz: Float64Array;
}

export interface RateCouplingOptions {
  /** Dense weights [post * preSize + pre] (the matrix that multiplies r); zeros are not stored. */
  readonly weights: ArrayLike<number>;
  /** Target port. Default "i_nA". */
  readonly port?: string;
}

export class RateCoupling implements Projection {
  readonly kind = "rate-coupling";
  readonly source: FilteredRateSource;
  readonly target: Population;
  readonly port: string;
  readonly rules: LearningRule[] = [];
  readonly rowPtr: Int32Array;
  readonly colIdx: Int32Array;
  readonly w: Float64Array;
  /** The WebAssembly product, when available; it owns `w`. */
  private readonly kernel: RateCouplingKernel | undefined;

  constructor(source: Population, target: Population, opts: RateCouplingOptions) {
    requirePopulation("RateCoupling source", source);
    requirePopulation("RateCoupling target", target);
    requireOptions(
      "RateCoupling",
      opts,
      ["weights", "port"],
      'new RateCoupling(source, target, { weights: W, port: "i_nA" }) with W the dense [post][pre] matrix, flat',
    );
    const r = (source as Partial<FilteredRateSource>).r_Hz;
    if (!(r instanceof Float64Array) || r.length !== source.size) {
      throw new InvalidParameterError(
        `RateCoupling needs a source with a live r_Hz buffer (e.g. DoubleExpLIF); "${source.model}" has none`,
      );
    }
    this.source = source as FilteredRateSource;
    this.target = target;
    this.port = resolvePort(target, opts.port ?? "i_nA");
    const nPre = source.size;
    const nPost = target.size;
    const given: unknown = opts.weights;
    if (!(Array.isArray(given) || (ArrayBuffer.isView(given) && !(given instanceof DataView)))) {
      throw new InvalidParameterError(
        `RateCoupling weights must be the dense [post][pre] matrix as one flat list of ${nPost} x ${nPre} ` +
          `numbers, got ${describeValue(given)}`,
      );
    }
    if (opts.weights.length !== nPre * nPost) {
      throw new ShapeMismatchError(
        `RateCoupling weights have ${opts.weights.length} values; [post][pre] = ${nPost} x ${nPre} needs ${nPre * nPost}`,
      );
    }
    const rowPtr = new Int32Array(nPost + 1);
    const cols: number[] = [];
    const vals: number[] = [];
    for (let j = 0; j < nPost; j++) {
      for (let i = 0; i < nPre; i++) {
        const v = requireFinite(`weights[${j * nPre + i}]`, opts.weights[j * nPre + i]);
        if (v === 0) continue;
        cols.push(i);
        vals.push(v);
      }
      rowPtr[j + 1] = cols.length;
    }
    this.rowPtr = rowPtr;
    this.colIdx = Int32Array.from(cols);
    this.kernel = RateCouplingKernel.create(rowPtr, this.colIdx, nPre);
    this.w = this.kernel?.w ?? new Float64Array(vals.length);
    this.w.set(vals);
  }

  /** The stored (nonzero) weights, live, in CSR order. */
  parameters(): Readonly<Record<string, Float64Array>> {
    return { w: this.w };
  }

  /** Which weights are stored: restored weights must have the same pattern. */
  structure(): Readonly<Record<string, Int32Array>> {
    return { rowPtr: this.rowPtr, colIdx: this.colIdx };
  }

  deliver(): void {
    const out = this.target.port(this.port);
    const r = this.source.r_Hz;
    if (this.kernel) {
      this.kernel.deliver(r, out);
      return;
    }
    const { rowPtr, colIdx, w } = this;
    const n = this.target.size;
    for (let j = 0; j < n; j++) {
      let s0 = 0;
      let s1 = 0;
      let k = rowPtr[j];
      const end = rowPtr[j + 1];
      for (const end2 = end - 1; k < end2; k += 2) {
        s0 += w[k] * r[colIdx[k]];
        s1 += w[k + 1] * r[colIdx[k + 1]];
      }
      if (k < end) s0 += w[k] * r[colIdx[k]];
      out[j] += s0 + s1;
    }
  }
}
