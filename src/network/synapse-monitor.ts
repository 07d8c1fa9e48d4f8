/**
 * `SynapseMonitor`: a per-synapse variable of a projection recorded after every step (Brian2's
 * `StateMonitor(S, 'w', record=[...])`), docs/monitors.md. It reads any variable of a `SynapseEquations`
 * (`w`, a trace, a short-term plasticity variable) and the weights `w` of every other projection with a
 * synapse view (Sparse, Dense, ...). Synapses are chosen by their index in the variable's buffer (a
 * SynapseEquations' or Sparse's CSR order, `pre * post + j` for Dense); `pre` and `post` say which neurons each
 * recorded one joins. Samples go into buffers allocated up front (`capacity`, or the `window` of a ring
 * buffer): `record` allocates nothing unless a recording without a window outgrows its capacity, when the
 * buffers double, as StateMonitor's do.
 */
import { InvalidParameterError, describeArgument, requireInteger } from "../core/errors.ts";
import { closestKey, describeValue, requireKnownKeys } from "../core/options.ts";
import type { Monitor } from "./network.ts";
import { SampleStore } from "./sample-store.ts";
import type { Projection } from "./types.ts";

export interface SynapseMonitorOptions {
  /** Indices of the synapses to record, in the variable's buffer. Default: all. */
  readonly synapses?: ArrayLike<number>;
  /** Record every k-th step (k >= 1). Default 1. */
  readonly every?: number;
  /** Keep only the last `window` samples (ring buffer, never grows). Default: keep all. */
  readonly window?: number;
  /** Without a window: samples allocated up front (default 1024); past it the buffers double. */
  readonly capacity?: number;
}

/** What a projection offers: per-synapse variables by name (SynapseEquations) or its view's `w`. */
interface Recordable {
  readonly variables?: readonly { readonly name: string }[];
  variable?(name: string): Float32Array;
  readonly rowPtr?: Int32Array;
  readonly colIdx?: Int32Array;
}

export class SynapseMonitor implements Monitor {
  /** The recorded synapses (indices in the variable's buffer), and the pre and post neuron of each. */
  readonly synapses: Int32Array;
  readonly pre: Int32Array;
  readonly post: Int32Array;
  readonly every: number;
  readonly window: number | undefined;
  private readonly source: Float32Array;
  private readonly store: SampleStore;

  constructor(
    readonly projection: Projection,
    readonly variable: string,
    opts: SynapseMonitorOptions = {},
  ) {
    if (typeof projection !== "object" || projection === null || !("source" in projection)) {
      throw new InvalidParameterError(
        `SynapseMonitor records a projection's per-synapse variable, e.g. new SynapseMonitor(S, "w"); got ` +
          `${describeValue(projection)} as the projection`,
      );
    }
    requireKnownKeys("SynapseMonitor options", opts, ["synapses", "every", "window", "capacity"]);
    const p = projection as Projection & Recordable;
    const names =
      p.variables !== undefined && typeof p.variable === "function"
        ? p.variables.map((v) => v.name)
        : p.view !== undefined
          ? ["w"]
          : [];
    if (typeof variable !== "string" || !names.includes(variable)) {
      const near = typeof variable === "string" ? closestKey(variable, names) : undefined;
      throw new InvalidParameterError(
        `SynapseMonitor: the ${p.kind} projection has no per-synapse variable ` +
          `${typeof variable === "string" ? `'${variable}'` : describeValue(variable)}; ` +
          (names.length > 0
            ? `its variables are ${names.join(", ")}` + (near !== undefined ? ` (did you mean ${near}?)` : "")
            : "it has no synapse view (no per-synapse weights to record)"),
      );
    }
    this.source = typeof p.variable === "function" ? p.variable(variable) : p.view!.w;
    const n = this.source.length;
    const given = opts.synapses;
    if (
      given !== undefined &&
      (typeof given !== "object" || given === null || typeof given.length !== "number")
    ) {
      throw new InvalidParameterError(
        `SynapseMonitor synapses must be a list of synapse indices, e.g. [0, 1, 2], got ${describeValue(given)}`,
      );
    }
    if (given !== undefined && given.length === 0) {
      throw new InvalidParameterError(
        `SynapseMonitor synapses is an empty list, so it would record no values: list at least one synapse ` +
          `index (0 to ${n - 1}), or leave synapses out to record all ${n}`,
      );
    }
    if (given !== undefined) {
      for (let k = 0; k < given.length; k++) {
        const s = given[k];
        if (!Number.isInteger(s) || s < 0 || s >= n) {
          throw new InvalidParameterError(
            `SynapseMonitor synapse index ${describeArgument(s)} is not a synapse of the projection: use ` +
              `integers from 0 to ${n - 1} (its ${variable} has ${n} entries)`,
          );
        }
      }
    }
    this.synapses =
      given === undefined ? Int32Array.from({ length: n }, (_, k) => k) : Int32Array.from(given);
    [this.pre, this.post] = endsOf(p, this.synapses);
    this.every = requireInteger("every", opts.every ?? 1, 1);
    this.window = opts.window === undefined ? undefined : requireInteger("window", opts.window, 1);
    if (opts.window !== undefined && opts.capacity !== undefined) {
      throw new InvalidParameterError(
        "SynapseMonitor takes window (keep the last samples) or capacity (samples allocated up front), not both",
      );
    }
    const cap = this.window ?? requireInteger("capacity", opts.capacity ?? 1024, 1);
    const what = `SynapseMonitor of ${this.synapses.length} synapses x ${cap} samples`;
    const fix = "record fewer synapses, or a smaller window or capacity";
    this.store = new SampleStore(this.synapses.length, this.window, cap, { what, fix }, (c) => ({
      what: `SynapseMonitor without a window, growing to ${c} samples x ${this.synapses.length} synapses`,
      fix: 'set "window" to keep only recent samples, record fewer synapses, or set "every" to subsample',
    }));
  }

  record(step: number): void {
    if (step % this.every !== 0) return;
    this.store.record(step, this.source, this.synapses);
  }

  /** Number of samples held (at most `window`). */
  get length(): number {
    return this.store.length;
  }

  /**
   * The samples in time order and their steps (copies): sample s of the k-th recorded synapse is
   * `data[s * synapses.length + k]`.
   */
  values(): { steps: Int32Array; data: Float32Array } {
    return this.store.values();
  }

  /** The series of the k-th recorded synapse (k a position in `synapses`, not a synapse index). */
  trace(k: number): Float32Array {
    const n = this.synapses.length;
    if (!(Number.isInteger(k) && k >= 0 && k < n)) {
      throw new InvalidParameterError(
        `SynapseMonitor.trace: k = ${describeArgument(k)} is not a position in the monitor's synapses: use an ` +
          `integer from 0 to ${n - 1} (synapses[k] is the synapse index)`,
        { k, recorded: n },
      );
    }
    return this.store.trace(k);
  }

  /** Bytes held by the buffers. */
  get bytes(): number {
    return this.store.bytes;
  }

  reset(): void {
    this.store.reset();
  }
}

/** The pre and post neuron of each synapse index (from the CSR, else the view; -1 where none is found). */
function endsOf(p: Projection & Recordable, ids: Int32Array): [Int32Array, Int32Array] {
  const pre = new Int32Array(ids.length).fill(-1);
  const post = new Int32Array(ids.length).fill(-1);
  const where = new Map<number, number[]>();
  ids.forEach((s, k) => where.set(s, [...(where.get(s) ?? []), k]));
  const put = (i: number, j: number, s: number) => {
    for (const k of where.get(s) ?? []) {
      if (pre[k] >= 0) continue;
      pre[k] = i;
      post[k] = j;
    }
  };
  if (p.rowPtr !== undefined && p.colIdx !== undefined && p.view === undefined) {
    const { rowPtr, colIdx } = p;
    for (let i = 0; i + 1 < rowPtr.length; i++)
      for (let s = rowPtr[i]; s < rowPtr[i + 1]; s++) put(i, colIdx[s], s);
    return [pre, post];
  }
  const view = p.view;
  if (view === undefined) return [pre, post];
  const other = new Int32Array(Math.max(view.maxFanOut, 1));
  const widx = new Int32Array(other.length);
  for (let i = 0; i < view.preSize; i++) {
    const c = view.outgoing(i, other, widx);
    for (let e = 0; e < c; e++) put(i, other[e], widx[e]);
  }
  return [pre, post];
}
