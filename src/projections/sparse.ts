/**
 * Sparse projection in compressed sparse row (CSR) form, rows = pre neurons.
 *
 * Layout: the synapses of pre neuron i are entries k in [rowPtr[i], rowPtr[i + 1]), with post index colIdx[k]
 * (strictly ascending within a row, so there are no duplicate pairs) and weight w[k].
 * Cost per step: the sum of the spiking rows' lengths (spikes x mean fan-out).
 *
 * `incoming(j)` needs a column index; a CSC index (per post neuron: pre indices and weight indices) is built
 * once, on the first call of `incoming` or `maxFanIn`, and reused. Rules should read `maxFanIn` when they
 * attach so that the build happens outside the step loop.
 *
 * Construction: from CSR arrays (validated), from COO triplets (`fromTriplets`: sorted here; duplicates are
 * rejected by default or summed with `duplicates: "sum"`), or at random (`random`: each pair independently
 * with probability p, drawn by geometric skipping so the cost is O(pre + synapses), never O(pre x post)).
 *
 * Delays: one `delay_ms` for the projection (the base class, src/projections/delay.ts), or one per synapse
 * (`delay_ms` as a function of (pre, post) or an array in CSR order): the synapses are then grouped by
 * (delay, pre), and the delivery of a step adds, for each delay d, the synapses of delay d of the spikes
 * emitted d steps before the latest ones. `synapseDelayGroups` (built on first read) numbers the non-empty
 * (delay, pre) groups and lists the ones a pre spike reaches in each step: STDP keeps one pre trace per group.
 */
// Limitation: the synapse structure is fixed at construction (no structural plasticity); rules change
// weights only, which keeps the CSR and the lazily built CSC index valid.
import {
  InvalidParameterError,
  ShapeMismatchError,
  describeValue,
  allocateBuffer,
  MAX_BUFFER_LENGTH,
  requireBufferLength,
  requireFinite,
  requireFloat32,
} from "../core/errors.ts";
import { type Rng, requireRng } from "../core/rng.ts";
import type { Population, SynapseDelayGroups, WeightBounds } from "../network/types.ts";
import { requirePopulation } from "../network/types.ts";
import { closestKey, requireKnownKeys } from "../core/options.ts";
import { WeightedProjection, fillWeights } from "./common.ts";
import type { WeightInit, WeightOptions } from "./common.ts";
import { SpikeDelayLine, delaySteps, requireDelayDt, stepsOfDelay } from "./delay.ts";

/** Options of the CSR constructor and `fromTriplets`. */
export interface SparseOptions {
  /** Target port. Default: the target's first port. */
  readonly port?: string | undefined;
  /** Inclusive weight bounds; required before a learning rule is attached. */
  readonly bounds?: WeightBounds | undefined;
  /**
   * Conduction delay in ms added to the one-step delivery (docs/projections.md, "Conduction delays"): one
   * number for every synapse, or one per synapse, as a function (pre, post) => ms called in CSR order, or
   * (the CSR constructor only) an array in CSR order. Each a whole number of steps of `dt_ms`. Default none.
   */
  readonly delay_ms?: number | SynapseDelays | undefined;
  /** The network's time step, needed with a nonzero `delay_ms` to count it in steps. */
  readonly dt_ms?: number | undefined;
}

/** Per-synapse delays in ms: a function of (pre, post), or an array in CSR order. */
export type SynapseDelays = ArrayLike<number> | ((pre: number, post: number) => number);

/** Per-synapse delays in steps and the synapses grouped by (delay, pre) for delivery. */
interface DelayGroups {
  /** Delay in steps of each synapse, in CSR order. */
  readonly steps: Int32Array;
  readonly maxSteps: number;
  /** The distinct delays in steps, ascending: delivery and `arriving` visit only these. */
  readonly delays: Int32Array;
  /**
   * Synapses of pre i with the q-th distinct delay `delays[q]`:
   * `syn[ptr[q * (pre + 1) + i] .. ptr[q * (pre + 1) + i + 1])`.
   */
  readonly ptr: Int32Array;
  readonly syn: Int32Array;
  readonly line: SpikeDelayLine;
}

export interface CsrArrays {
  /** Length pre + 1, rowPtr[0] = 0, non-decreasing, rowPtr[pre] = number of synapses. */
  readonly rowPtr: ArrayLike<number>;
  /** Post index per synapse, strictly ascending within each row. */
  readonly colIdx: ArrayLike<number>;
  /** Weight per synapse. */
  readonly w: ArrayLike<number>;
}

export interface Triplets {
  readonly pre: ArrayLike<number>;
  readonly post: ArrayLike<number>;
  /** One weight per triplet, or one number for all. */
  readonly w: number | ArrayLike<number>;
}

export interface TripletOptions extends SparseOptions {
  /** What to do with repeated (pre, post) pairs: throw (default) or add their weights into one synapse. */
  readonly duplicates?: "reject" | "sum";
}

export interface SparseRandomOptions extends SparseOptions {
  /** Probability of each (pre, post) synapse, in [0, 1]. */
  readonly p: number;
  /** A number, an initialiser (drawn in CSR order), or a function of (pre, post). */
  readonly weight: number | WeightInit | ((pre: number, post: number) => number);
  /** Generator for the connectivity. */
  readonly rng: Rng;
  /** When source and target are the same population, whether i -> i synapses may exist. Default false. */
  readonly allowSelf?: boolean;
}

export interface SparseFixedInDegreeOptions extends SparseOptions {
  /** Presynaptic neurons per postsynaptic neuron, exactly (distinct), 0 <= k <= source size (minus self). */
  readonly k: number;
  /** A number, an initialiser (drawn in CSR order), or a function of (pre, post). */
  readonly weight: SparseRandomOptions["weight"];
  /** Generator for the connectivity. */
  readonly rng: Rng;
  /** When source and target are the same population, whether i -> i synapses may exist. Default false. */
  readonly allowSelf?: boolean;
}

const SPARSE_OPTION_KEYS = ["port", "bounds", "delay_ms", "dt_ms"];

/** The `allowSelf` option: true, false or absent (false); anything else is refused. */
function allowSelfOption(what: string, allowSelf: unknown): boolean {
  if (allowSelf === undefined) return false;
  if (typeof allowSelf !== "boolean") {
    throw new InvalidParameterError(
      `${what}: allowSelf must be true or false, got ${describeValue(allowSelf)}`,
    );
  }
  return allowSelf;
}

/** Throws unless `weight` is given (a number, an initialiser or a function); `what` names the factory. */
function requireWeightOption(what: string, weight: unknown): void {
  if (weight === undefined || weight === null) {
    throw new InvalidParameterError(
      `${what} needs weight: one number, an initialiser ({ kind: "uniform", lo, hi, rng }, ...) or a ` +
        `function (pre, post) => weight; got ${describeValue(weight)}`,
    );
  }
}

/** The weights of the synapses (rowPtr, colIdx), in CSR order, from a factory's `weight` option. */
function sparseWeights(
  rowPtr: Int32Array,
  colIdx: Int32Array,
  weight: SparseRandomOptions["weight"],
  what: string,
): Float32Array {
  if (
    typeof weight !== "number" &&
    typeof weight !== "function" &&
    (typeof weight !== "object" || weight === null)
  ) {
    throw new InvalidParameterError(
      `${what} weight must be one number, an initialiser ({ kind: "uniform", lo, hi, rng }, ...) or a function ` +
        `(pre, post) => weight, got ${describeValue(weight)}`,
    );
  }
  const w = allocateBuffer(
    Float32Array,
    colIdx.length,
    `${what}: ${colIdx.length} weights`,
    "use fewer synapses",
  );
  if (typeof weight === "number") {
    w.fill(requireFloat32("weight", weight));
  } else if (typeof weight === "function") {
    for (let i = 0; i + 1 < rowPtr.length; i++) {
      for (let k = rowPtr[i]; k < rowPtr[i + 1]; k++) w[k] = requireFloat32("weight", weight(i, colIdx[k]));
    }
  } else {
    fillWeights(w, weight, what);
  }
  return w;
}

/**
 * The `SparseOptions` part of a factory's options (the CSR constructor refuses any other key). A factory's
 * per-synapse delays are a function: an array would have to be in the CSR order the factory makes.
 */
function sparseOptions(opts: SparseOptions, what: string): SparseOptions {
  const d = opts.delay_ms;
  if (typeof d === "object" && d !== null) {
    throw new InvalidParameterError(
      `${what}: delay_ms is a number or a function (pre, post) => ms here; an array of delays is taken only ` +
        `by new Sparse(source, target, csr, { delay_ms, dt_ms }), in the CSR order of its arrays`,
    );
  }
  // checked before the connectivity is drawn, with the factory's name in the message
  if (typeof d === "function") {
    requireDelayDt(`${what} per-synapse delay_ms`, opts.dt_ms, "delay_ms: (pre, post) => 1.5");
  } else {
    delaySteps(what, d, opts.dt_ms);
  }
  return { port: opts.port, bounds: opts.bounds, delay_ms: opts.delay_ms, dt_ms: opts.dt_ms };
}

/**
 * Throws unless `o` is an object with the fields `names`, each a list or typed array of numbers (or a number,
 * for the field `scalar`); `usage` says what to pass. Named before any array is read. A field that is an
 * option, or is closest to one (`delay` for `delay_ms`), is refused with where it belongs (`call` shows the
 * call with it in the options); it would be ignored. With `strict`, any other unknown field is refused with
 * the closest valid name; without (the CSR arrays: the NIR importer's map carries rows and cols) it is
 * allowed, and a missing field's message lists the fields there are, so that a misspelling shows.
 */
/** Longer names of the data fields, which no edit distance relates to the short ones ("weights" for w). */
const FIELD_ALIASES: Readonly<Record<string, string>> = {
  weight: "w",
  weights: "w",
  source: "pre",
  target: "post",
  src: "pre",
  tgt: "post",
};

function requireArrayFields(
  what: string,
  o: unknown,
  names: readonly string[],
  usage: string,
  fields: { options: readonly string[]; call: string; strict: boolean; scalar?: string },
): void {
  if (typeof o !== "object" || o === null || Array.isArray(o) || ArrayBuffer.isView(o)) {
    throw new InvalidParameterError(`${what} must be ${usage}, got ${describeValue(o)}`);
  }
  const { options, call, strict, scalar } = fields;
  const extra = Object.keys(o).filter((key) => !names.includes(key));
  // each extra key that is an option or nearest one (`delay` for delay_ms; "ww" is nearer w than port)
  const misplaced = extra.flatMap((key) => {
    const option = options.includes(key) ? key : closestKey(key, options);
    return option !== undefined && closestKey(key, [...names, option]) === option ? [{ key, option }] : [];
  });
  if (misplaced.length > 0) {
    const shown = misplaced.map(({ key, option }) => {
      const value = (o as Record<string, unknown>)[key];
      return `${option}: ${typeof value === "number" || typeof value === "string" ? JSON.stringify(value) : "..."}`;
    });
    const named = misplaced.map(({ key, option }) => (key === option ? `"${key}"` : `"${key}" (${option}?)`));
    throw new InvalidParameterError(
      `${what}: ${named.join(", ")} ${misplaced.length > 1 ? "are options" : "is an option"}, not part of the ` +
        `data, which has only ${names.join(", ")}; options belong in the options argument: ` +
        call.replace("OPTIONS", shown.join(", ")),
      { fields: misplaced.map((m) => m.key) },
    );
  }
  if (strict && extra.length > 0) {
    const named = extra.map((key) => {
      const alias = closestKey(key, Object.keys(FIELD_ALIASES));
      const near =
        closestKey(key, names) ??
        (alias === undefined ? undefined : names.find((n) => n === FIELD_ALIASES[alias]));
      return near === undefined ? `"${key}"` : `"${key}" (did you mean ${near}?)`;
    });
    throw new InvalidParameterError(
      `${what}: unknown field${extra.length > 1 ? "s" : ""} ${named.join(", ")}; the fields are ` +
        `${names.join(", ")}, and the options (${options.join(", ")}) go in the options argument`,
      { fields: extra },
    );
  }
  for (const name of names) {
    const v = (o as Record<string, unknown>)[name];
    const isList = Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
    if (!isList && !(name === scalar && typeof v === "number")) {
      const present = Object.keys(o);
      throw new InvalidParameterError(
        `${what}: ${name} must be ${name === scalar ? "one number or " : ""}a list of numbers, got ` +
          `${describeValue(v)}; pass ${usage}` +
          (v === undefined
            ? ` (the object has ${present.length > 0 ? present.join(", ") : "no fields"})`
            : ""),
        { field: name },
      );
    }
  }
}

/**
 * Most synapses of one Sparse projection, 2^31 - 1: its CSR offsets (rowPtr) are int32, and each per-synapse
 * array (colIdx, w, delays) is one typed array, which holds no more (MAX_BUFFER_LENGTH).
 */
export const MAX_SYNAPSES = MAX_BUFFER_LENGTH;

/**
 * Throws `InvalidParameterError` when `count` synapses (`how` says how it was counted: "p = 1 over 70000 x
 * 70000 pairs gives") exceed MAX_SYNAPSES; called before anything of that size is allocated. `smaller` names
 * the builder's own way to fewer synapses ("a smaller p").
 */
function requireSynapseCount(what: string, how: string, count: number, smaller: string): void {
  if (count <= MAX_SYNAPSES) return;
  throw new InvalidParameterError(
    `${what}: ${how} ${Math.round(count)} synapses, more than the ${MAX_SYNAPSES} (2^31 - 1) one Sparse ` +
      `projection can hold (its CSR offsets are int32 and each per-synapse array is one typed array); use ` +
      `fewer neurons, ${smaller}, or several projections that each connect a part of the source or target`,
    { count: Math.round(count), max: MAX_SYNAPSES },
  );
}

function toInt32(name: string, a: ArrayLike<number>): Int32Array {
  const out = allocateBuffer(
    Int32Array,
    a.length,
    `Sparse: ${name} of ${a.length} entries`,
    "use fewer synapses",
  );
  for (let k = 0; k < a.length; k++) {
    if (!Number.isInteger(a[k])) {
      throw new InvalidParameterError(`${name}[${k}] must be an integer, got ${String(a[k])}`, { index: k });
    }
    // an Int32Array would wrap 2^32 to 0 and 2^31 to -2^31: refuse the value as given, before it is stored
    if (a[k] > 2147483647 || a[k] < -2147483648) {
      throw new InvalidParameterError(
        `${name}[${k}] = ${String(a[k])} is outside the range of an index or count (|value| < 2^31); ` +
          `neuron indices run from 0 to the population size - 1`,
        { index: k, value: a[k] },
      );
    }
    out[k] = a[k];
  }
  return out;
}

function toFloat32(name: string, a: ArrayLike<number>): Float32Array {
  const out = allocateBuffer(
    Float32Array,
    a.length,
    `Sparse: ${name} of ${a.length} entries`,
    "use fewer synapses",
  );
  for (let k = 0; k < a.length; k++) out[k] = requireFloat32(`${name}[${k}]`, a[k]);
  return out;
}

/**
 * Per-synapse delays from the `delay_ms` option (a function of (pre, post) or an array in CSR order), counted
 * in steps of `dt_ms`, and the synapses grouped by (delay, pre). Memory: 4 bytes per synapse twice, plus
 * 4 (pre + 1) bytes per distinct delay value (8 while it is built), and the delay line's ring (12 bytes per
 * step of the longest delay while empty, src/projections/delay.ts).
 */
function delayGroups(
  source: Population,
  rowPtr: Int32Array,
  colIdx: Int32Array,
  delay: SynapseDelays | null,
  dt_ms: unknown,
): DelayGroups {
  const nnz = colIdx.length;
  const M = source.size;
  if (delay === null) {
    throw new InvalidParameterError(
      "Sparse delay_ms must be a number of ms, a function (pre, post) => ms or an array in CSR order, got null",
    );
  }
  // a delay of 0 is no delay and needs no dt_ms (as a projection's one delay_ms: 0); any other needs it
  const toSteps = (what: string, v: unknown): number => {
    if (v === 0 && dt_ms === undefined) return 0;
    requireDelayDt("Sparse per-synapse delay_ms", dt_ms, "delay_ms: (pre, post) => 1 + (pre % 5)");
    return stepsOfDelay(what, v, dt_ms);
  };
  const steps = allocateBuffer(Int32Array, nnz, `Sparse: delays of ${nnz} synapses`, "use fewer synapses");
  if (typeof delay === "function") {
    for (let i = 0; i < M; i++) {
      for (let k = rowPtr[i]; k < rowPtr[i + 1]; k++) {
        steps[k] = toSteps(`Sparse delay_ms(${i}, ${colIdx[k]})`, delay(i, colIdx[k]));
      }
    }
  } else {
    if (typeof delay.length !== "number") {
      throw new InvalidParameterError(
        `Sparse delay_ms must be a number of ms, a function (pre, post) => ms or an array in CSR order, got ` +
          `${describeValue(delay)}`,
      );
    }
    if (delay.length !== nnz) {
      throw new ShapeMismatchError(
        `Sparse delay_ms has ${delay.length} values but the projection has ${nnz} synapses; give one per ` +
          `synapse in CSR order (rowPtr, colIdx), or a function (pre, post) => ms`,
        { delays: delay.length, synapses: nnz },
      );
    }
    for (let k = 0; k < nnz; k++) steps[k] = toSteps(`Sparse delay_ms[${k}]`, delay[k]);
  }
  let maxSteps = 0;
  for (let k = 0; k < nnz; k++) if (steps[k] > maxSteps) maxSteps = steps[k];
  // the distinct delays, and each one's slot q (its rank); a table over slots, not over every step up to the
  // longest delay, so that one long delay among short ones costs one slot
  const slotOf = new Int32Array(maxSteps + 1).fill(-1);
  for (let k = 0; k < nnz; k++) slotOf[steps[k]] = 0;
  const delays: number[] = [];
  for (let d = 0; d <= maxSteps; d++) if (slotOf[d] === 0) slotOf[d] = delays.push(d) - 1;
  const nSlots = delays.length;
  // synapses grouped by (delay, pre), each group in CSR order: a counting sort on q * (M + 1) + pre
  const M1 = M + 1;
  const what = `Sparse: delay groups for ${M} neurons x ${nSlots} distinct delays`;
  const fix = "use shorter delays, a longer dt_ms, or split the projection by delay";
  requireBufferLength(what, nSlots * M1, 4, fix);
  const ptr = allocateBuffer(Int32Array, nSlots * M1, what, fix);
  for (let i = 0; i < M; i++) {
    for (let k = rowPtr[i]; k < rowPtr[i + 1]; k++) ptr[slotOf[steps[k]] * M1 + i + 1]++;
  }
  for (let e = 1; e < ptr.length; e++) ptr[e] += ptr[e - 1];
  const fill = ptr.slice();
  const syn = allocateBuffer(Int32Array, nnz, `Sparse: delays of ${nnz} synapses`, "use fewer synapses");
  for (let i = 0; i < M; i++) {
    for (let k = rowPtr[i]; k < rowPtr[i + 1]; k++) syn[fill[slotOf[steps[k]] * M1 + i]++] = k;
  }
  return {
    steps,
    maxSteps,
    delays: Int32Array.from(delays),
    ptr,
    syn,
    line: new SpikeDelayLine(source, maxSteps),
  };
}

/**
 * The non-empty (delay, pre) groups of per-synapse delays, numbered by delay then pre neuron
 * (`SynapseDelayGroups`), for rules that pair arrival times per synapse. A group's synapses are a run of
 * `DelayGroups.syn`, which is sorted by (delay, pre), so the group ranges are `syn`'s runs. Memory: 4 bytes per
 * synapse (`groupOf`) and 4 per group, G <= min(synapses, pre x distinct delays).
 */
class SparseDelayGroups implements SynapseDelayGroups {
  readonly groupCount: number;
  readonly groupOf: Int32Array;
  /** The synapses (CSR indices) of group g are `byDelay.syn[groupStart[g] .. groupStart[g + 1])`. */
  private readonly groupStart: Int32Array;

  constructor(
    private readonly source: Population,
    private readonly byDelay: DelayGroups,
    private readonly colIdx: Int32Array,
  ) {
    const { delays, ptr, syn } = byDelay;
    const M = source.size;
    const M1 = M + 1;
    // the table's rows are the distinct delays' slots (DelayGroups.ptr)
    const base = (slot: number) => slot * M1;
    let count = 0;
    for (let slot = 0; slot < delays.length; slot++) {
      for (let i = 0; i < M; i++) if (ptr[base(slot) + i + 1] > ptr[base(slot) + i]) count++;
    }
    this.groupCount = count;
    this.groupStart = new Int32Array(count + 1);
    this.groupOf = new Int32Array(syn.length);
    let next = 0;
    for (let slot = 0; slot < delays.length; slot++) {
      for (let i = 0; i < M; i++) {
        const a = ptr[base(slot) + i];
        const b = ptr[base(slot) + i + 1];
        if (b === a) continue;
        this.groupStart[next] = a;
        for (let q = a; q < b; q++) this.groupOf[syn[q]] = next;
        next++;
      }
    }
    this.groupStart[count] = syn.length;
  }

  synapses(g: number, post: Int32Array, widx: Int32Array): number {
    const syn = this.byDelay.syn;
    const start = this.groupStart[g];
    const n = this.groupStart[g + 1] - start;
    for (let q = 0; q < n; q++) {
      const k = syn[start + q];
      post[q] = this.colIdx[k];
      widx[q] = k;
    }
    return n;
  }

  arriving(out: Int32Array): number {
    const { delays, ptr, syn, line } = this.byDelay;
    const groupOf = this.groupOf;
    const M1 = this.source.size + 1;
    let n = 0;
    for (let q = 0; q < delays.length; q++) {
      const d = delays[q];
      // a spike emitted at step s reaches its delay-d synapses at step s + d; the line's age 0 is the step
      // before this one (recorded by this step's delivery), so delay d >= 1 is age d - 1
      const idx = d === 0 ? this.source.spikeIdx : line.emittedIdx(d - 1);
      const count = d === 0 ? this.source.spikeCount : line.emittedCount(d - 1);
      const base = q * M1;
      for (let s = 0; s < count; s++) {
        const i = idx[s];
        const a = ptr[base + i];
        if (a !== ptr[base + i + 1]) out[n++] = groupOf[syn[a]];
      }
    }
    return n;
  }
}

export class Sparse extends WeightedProjection {
  readonly kind = "sparse";
  readonly rowPtr: Int32Array;
  readonly colIdx: Int32Array;
  readonly maxFanOut: number;
  private colPtr: Int32Array | null = null;
  private colPre: Int32Array | null = null;
  private colW: Int32Array | null = null;
  private fanIn = 0;
  /** Per-synapse delays (the `delay_ms` option as a function or an array); undefined otherwise. */
  private readonly groups: DelayGroups | undefined;
  private groupIndex: SparseDelayGroups | undefined;

  /** Per-synapse delays in steps, in CSR order, when `delay_ms` gave one per synapse; else undefined. */
  get synapseDelaySteps(): Int32Array | undefined {
    return this.groups?.steps;
  }

  /**
   * With per-synapse delays, the synapses grouped by (delay, pre) for learning rules (built on the first read,
   * which a rule makes when it attaches); undefined otherwise.
   */
  get synapseDelayGroups(): SynapseDelayGroups | undefined {
    if (this.groups === undefined) return undefined;
    this.groupIndex ??= new SparseDelayGroups(this.source, this.groups, this.colIdx);
    return this.groupIndex;
  }

  /** Construction settings: per-synapse delays (as a digest), which a saved network compares. */
  settings(): Record<string, unknown> {
    return this.groups === undefined ? {} : { synapseDelaySteps: this.groups.steps };
  }

  /**
   * Delivery with per-synapse delays: for each delay d, the spikes emitted d steps before the latest ones
   * add the weights of their synapses of delay d. Without them, the base class's delivery.
   */
  override deliver(): void {
    const g = this.groups;
    if (g === undefined) {
      super.deliver();
      return;
    }
    g.line.advance();
    const out = this.target.port(this.port);
    const { colIdx, w } = this;
    const { delays, ptr, syn, line } = g;
    const M1 = this.preSize + 1;
    // only the delays some synapse has: a spike emitted d steps ago has no synapses of any other delay
    for (let q = 0; q < delays.length; q++) {
      const d = delays[q];
      const count = line.emittedCount(d);
      if (count === 0) continue;
      const idx = line.emittedIdx(d);
      const base = q * M1;
      for (let s = 0; s < count; s++) {
        const i = idx[s];
        const end = ptr[base + i + 1];
        for (let r = ptr[base + i]; r < end; r++) {
          const k = syn[r];
          out[colIdx[k]] += w[k];
        }
      }
    }
  }

  /** Drops the spikes in flight. */
  override reset(): void {
    super.reset();
    this.groups?.line.reset();
  }

  /** From CSR arrays (copied and validated). */
  constructor(source: Population, target: Population, csr: CsrArrays, opts: SparseOptions = {}) {
    requirePopulation("Sparse source", source);
    requirePopulation("Sparse target", target);
    if (typeof csr !== "object" || csr === null) {
      throw new InvalidParameterError(
        `new Sparse(source, target, csr) needs the CSR arrays { rowPtr, colIdx, w }, got ${describeValue(csr)}; ` +
          "or build one with Sparse.random(source, target, { p, ... }) or Sparse.fromTriplets",
      );
    }
    requireArrayFields("Sparse CSR arrays", csr, ["rowPtr", "colIdx", "w"], "{ rowPtr, colIdx, w }", {
      options: SPARSE_OPTION_KEYS,
      call: "new Sparse(source, target, { rowPtr, colIdx, w }, { OPTIONS })",
      strict: false,
    });
    requireKnownKeys("Sparse options", opts, SPARSE_OPTION_KEYS);
    const csrLength = Math.max(csr.colIdx.length, csr.w.length);
    requireSynapseCount("new Sparse", "the CSR arrays list", csrLength, "fewer synapses per projection");
    const rowPtr = toInt32("rowPtr", csr.rowPtr);
    const colIdx = toInt32("colIdx", csr.colIdx);
    const w = toFloat32("w", csr.w);
    Sparse.validate(source.size, target.size, rowPtr, colIdx, w.length);
    const perSynapse = typeof opts.delay_ms === "function" || typeof opts.delay_ms === "object";
    // per-synapse delays are this class's; the base takes a single delay (a number) or none
    super(
      source,
      target,
      w,
      { ...opts, delay_ms: perSynapse ? undefined : opts.delay_ms } as WeightOptions,
      "Sparse",
    );
    this.rowPtr = rowPtr;
    this.colIdx = colIdx;
    if (perSynapse) {
      this.groups = delayGroups(source, rowPtr, colIdx, opts.delay_ms as SynapseDelays | null, opts.dt_ms);
    }
    let maxRow = 0;
    for (let i = 0; i < source.size; i++) maxRow = Math.max(maxRow, rowPtr[i + 1] - rowPtr[i]);
    this.maxFanOut = maxRow;
  }

  /** The sparsity pattern, which restored weights must belong to. */
  structure(): Readonly<Record<string, Int32Array>> {
    return { rowPtr: this.rowPtr, colIdx: this.colIdx };
  }

  /** Number of synapses. */
  get nnz(): number {
    return this.colIdx.length;
  }

  /** Upper bound on `incoming` counts (builds the column index on first use). */
  get maxFanIn(): number {
    this.buildColumnIndex();
    return this.fanIn;
  }

  /**
   * From COO triplets in any order. Repeated (pre, post) pairs throw unless `duplicates: "sum"`, which adds
   * their weights into one synapse.
   */
  static fromTriplets(
    source: Population,
    target: Population,
    t: Triplets,
    opts: TripletOptions = {},
  ): Sparse {
    requireArrayFields(
      "Sparse.fromTriplets triplets",
      t,
      ["pre", "post", "w"],
      "{ pre, post, w } with one entry per synapse (w may be one number for all)",
      {
        options: [...SPARSE_OPTION_KEYS, "duplicates"],
        call: "Sparse.fromTriplets(source, target, { pre, post, w }, { OPTIONS })",
        strict: true,
        scalar: "w",
      },
    );
    requireKnownKeys("Sparse.fromTriplets options", opts, [...SPARSE_OPTION_KEYS, "duplicates"]);
    const sparseOpts = sparseOptions(opts, "Sparse.fromTriplets");
    if (opts.duplicates !== undefined && opts.duplicates !== "reject" && opts.duplicates !== "sum") {
      throw new InvalidParameterError(
        `Sparse.fromTriplets: duplicates must be "reject" or "sum", got ${JSON.stringify(opts.duplicates)}`,
      );
    }
    const n = t.pre.length;
    if (t.post.length !== n || (typeof t.w !== "number" && t.w.length !== n)) {
      throw new ShapeMismatchError(
        `Sparse.fromTriplets: pre, post and w must have one entry per synapse, got lengths ` +
          `${n}, ${t.post.length}, ${typeof t.w === "number" ? "(scalar)" : t.w.length}`,
      );
    }
    requireSynapseCount("Sparse.fromTriplets", "the triplets list", n, "fewer triplets");
    const M = source.size;
    const N = target.size;
    const pre = toInt32("pre", t.pre);
    const post = toInt32("post", t.post);
    for (let k = 0; k < n; k++) {
      if (pre[k] < 0 || pre[k] >= M || post[k] < 0 || post[k] >= N) {
        throw new InvalidParameterError(
          `Sparse.fromTriplets: triplet ${k} = (${pre[k]}, ${post[k]}) is outside [0, ${M}) x [0, ${N})`,
          { index: k, pre: pre[k], post: post[k] },
        );
      }
    }
    const wk = (k: number): number =>
      requireFloat32(`w[${k}]`, typeof t.w === "number" ? t.w : (t.w as ArrayLike<number>)[k]);

    // Lexicographic (pre, post) order by two stable counting sorts: by post, then by pre.
    const byPost = countingOrder(post, N, null);
    const order = countingOrder(pre, M, byPost);

    const rowPtr = new Int32Array(M + 1);
    const colIdx: number[] = [];
    const w: number[] = [];
    let prevPre = -1;
    let prevPost = -1;
    let prevK = -1;
    // synapses made of several triplets: their slot and triplets, to check each whole sum (float64, so the
    // order of the triplets does not matter) against float32 once it is complete
    const summed = new Map<number, number[]>();
    for (const k of order) {
      if (pre[k] === prevPre && post[k] === prevPost) {
        if (opts.duplicates === "sum") {
          w[w.length - 1] += wk(k);
          const slot = w.length - 1;
          const parts = summed.get(slot);
          if (parts) parts.push(k);
          else summed.set(slot, [prevK, k]);
          continue;
        }
        throw new InvalidParameterError(
          `Sparse.fromTriplets: synapse (${pre[k]}, ${post[k]}) appears twice (triplets ${prevK} and ${k}); ` +
            `remove the repeat or pass duplicates: "sum" to add their weights`,
          { pre: pre[k], post: post[k], first: prevK, second: k },
        );
      }
      rowPtr[pre[k] + 1]++;
      colIdx.push(post[k]);
      w.push(wk(k));
      prevPre = pre[k];
      prevPost = post[k];
      prevK = k;
    }
    for (const [slot, parts] of summed) {
      const k = parts[0];
      requireFloat32(
        `the summed weight of synapse (${pre[k]}, ${post[k]}) (triplets ${parts.join(", ")})`,
        w[slot],
      );
    }
    for (let i = 0; i < M; i++) rowPtr[i + 1] += rowPtr[i];
    return new Sparse(source, target, { rowPtr, colIdx, w }, sparseOpts);
  }

  /** Each (pre, post) pair independently with probability p; cost O(pre + synapses). */
  static random(source: Population, target: Population, opts: SparseRandomOptions): Sparse {
    if (typeof opts !== "object" || opts === null) {
      throw new InvalidParameterError(
        `Sparse.random needs its options { p, weight, rng }, e.g. Sparse.random(source, target, { p: 0.1, ` +
          `weight: 0.5, rng: createRng(seed, "connectivity") }); got ${describeValue(opts)}`,
      );
    }
    requireKnownKeys("Sparse.random options", opts, [
      ...SPARSE_OPTION_KEYS,
      "p",
      "weight",
      "rng",
      "allowSelf",
    ]);
    const { p } = opts;
    const sparseOpts = sparseOptions(opts, "Sparse.random");
    requireFinite("Sparse.random: p", p);
    const rng = requireRng("Sparse.random", opts.rng, '"connectivity"');
    requireWeightOption("Sparse.random", opts.weight);
    if (p < 0 || p > 1) {
      throw new InvalidParameterError(`Sparse.random: p must be in [0, 1], got ${p}`, { p });
    }
    const M = source.size;
    const N = target.size;
    const skipSelf = source === target && !allowSelfOption("Sparse.random", opts.allowSelf);
    // refused before drawing: exact for p = 1; otherwise when the expected count plus 6 standard deviations
    // of the binomial draw does not fit (a draw that still exceeds it is refused when it does)
    const pairs = skipSelf ? M * (M - 1) : M * N;
    const expected = p * pairs;
    const fix = "a smaller p";
    const pairsText = `p = ${p} over ${M} x ${N}${skipSelf ? " (less self)" : ""} neuron pairs gives`;
    if (p === 1) requireSynapseCount("Sparse.random", pairsText, pairs, fix);
    else if (expected + 6 * Math.sqrt(expected * (1 - p)) > MAX_SYNAPSES) {
      requireSynapseCount("Sparse.random", `${pairsText} about`, Math.max(expected, MAX_SYNAPSES + 1), fix);
    }
    const rowPtr = new Int32Array(M + 1);
    const first = Math.min(MAX_SYNAPSES, Math.max(16, Math.ceil(expected * 1.05) + 16));
    let cols = allocateBuffer(
      Int32Array,
      first,
      `Sparse.random: ${first} synapses`,
      `use fewer neurons or ${fix}`,
    );
    let nnz = 0;
    for (let i = 0; i < M; i++) {
      for (let j = rng.geometric(p); j < N; j += 1 + rng.geometric(p)) {
        if (skipSelf && j === i) continue;
        if (nnz === cols.length) {
          if (nnz === MAX_SYNAPSES) {
            requireSynapseCount("Sparse.random", `${pairsText}, in this draw, at least`, nnz + 1, fix);
          }
          const size = Math.min(MAX_SYNAPSES, cols.length * 2);
          const grown = allocateBuffer(Int32Array, size, `Sparse.random: ${size} synapses`, `use ${fix}`);
          grown.set(cols);
          cols = grown;
        }
        cols[nnz++] = j;
      }
      rowPtr[i + 1] = nnz;
    }
    const colIdx = cols.subarray(0, nnz);
    const w = sparseWeights(rowPtr, colIdx, opts.weight, "Sparse.random");
    return new Sparse(source, target, { rowPtr, colIdx, w }, sparseOpts);
  }

  /**
   * Exactly `k` distinct presynaptic neurons for every postsynaptic one, drawn uniformly without replacement
   * (NEST's fixed_indegree; Brunel 2000's C_E and C_I inputs per neuron). Post neurons draw in ascending
   * order, each with Floyd's algorithm (k draws); cost O(post x k + pre).
   */
  static fixedInDegree(source: Population, target: Population, opts: SparseFixedInDegreeOptions): Sparse {
    if (typeof opts !== "object" || opts === null) {
      throw new InvalidParameterError(
        `Sparse.fixedInDegree needs its options { k, weight, rng }, e.g. Sparse.fixedInDegree(source, target, ` +
          `{ k: 100, weight: 0.1, rng: createRng(seed, "connectivity") }); got ${describeValue(opts)}`,
      );
    }
    requireKnownKeys("Sparse.fixedInDegree options", opts, [
      ...SPARSE_OPTION_KEYS,
      "k",
      "weight",
      "rng",
      "allowSelf",
    ]);
    requirePopulation("Sparse.fixedInDegree source", source);
    const sparseOpts = sparseOptions(opts, "Sparse.fixedInDegree");
    requirePopulation("Sparse.fixedInDegree target", target);
    const rng = requireRng("Sparse.fixedInDegree", opts.rng, '"connectivity"');
    requireWeightOption("Sparse.fixedInDegree", opts.weight);
    const M = source.size;
    const N = target.size;
    const skipSelf = source === target && !allowSelfOption("Sparse.fixedInDegree", opts.allowSelf);
    const pool = skipSelf ? M - 1 : M; // candidates per post neuron
    const k = opts.k;
    if (!(Number.isInteger(k) && k >= 0 && k <= pool)) {
      throw new InvalidParameterError(
        `Sparse.fixedInDegree: k must be a whole number from 0 to ${pool} (the source's ${M} neuron${M === 1 ? "" : "s"}` +
          `${skipSelf ? ", less the neuron itself" : ""}), got ${describeValue(k)}`,
        { k },
      );
    }
    // the pre list and the CSR arrays coexist for a moment: about 16 bytes per synapse at the peak
    const what = `Sparse.fixedInDegree: ${N} x ${k} synapses`;
    const fix = "use a smaller k or fewer neurons";
    requireSynapseCount(
      "Sparse.fixedInDegree",
      `k = ${k} for each of ${N} target neurons gives`,
      N * k,
      "a smaller k",
    );
    // Floyd: for t = pool - k .. pool - 1 draw r in [0, t]; take r unless taken, else t. Distinct, uniform.
    const taken = new Uint8Array(pool);
    const chosen = new Int32Array(k);
    const pre = allocateBuffer(Int32Array, N * k, what, fix);
    for (let j = 0; j < N; j++) {
      let n = 0;
      for (let t = pool - k; t < pool; t++) {
        const r = rng.int(t + 1);
        const pick = taken[r] === 0 ? r : t;
        taken[pick] = 1;
        chosen[n++] = pick;
      }
      for (let c = 0; c < k; c++) {
        taken[chosen[c]] = 0;
        // without self-connections the candidates skip j: candidate c >= j is neuron c + 1
        pre[j * k + c] = skipSelf && chosen[c] >= j ? chosen[c] + 1 : chosen[c];
      }
    }
    // CSR by pre: a counting sort; posts are visited in ascending order, so each row comes out ascending
    const rowPtr = new Int32Array(M + 1);
    for (let e = 0; e < pre.length; e++) rowPtr[pre[e] + 1]++;
    for (let i = 0; i < M; i++) rowPtr[i + 1] += rowPtr[i];
    const fill = rowPtr.slice(0, M);
    const colIdx = allocateBuffer(Int32Array, pre.length, what, fix);
    for (let j = 0; j < N; j++) {
      for (let c = 0; c < k; c++) colIdx[fill[pre[j * k + c]]++] = j;
    }
    const w = sparseWeights(rowPtr, colIdx, opts.weight, "Sparse.fixedInDegree");
    return new Sparse(source, target, { rowPtr, colIdx, w }, sparseOpts);
  }

  protected deliverSpikes(idx: Int32Array, count: number): void {
    const out = this.target.port(this.port);
    const { rowPtr, colIdx, w } = this;
    for (let s = 0; s < count; s++) {
      const i = idx[s];
      const end = rowPtr[i + 1];
      for (let k = rowPtr[i]; k < end; k++) out[colIdx[k]] += w[k];
    }
  }

  incoming(j: number, pre: Int32Array, widx: Int32Array): number {
    this.buildColumnIndex();
    const colPtr = this.colPtr as Int32Array;
    const colPre = this.colPre as Int32Array;
    const colW = this.colW as Int32Array;
    const start = colPtr[j];
    const n = colPtr[j + 1] - start;
    for (let k = 0; k < n; k++) {
      pre[k] = colPre[start + k];
      widx[k] = colW[start + k];
    }
    return n;
  }

  /** Binary search in row i (column indices ascend within a row). */
  synapseIndex(i: number, j: number): number {
    let lo = this.rowPtr[i];
    let hi = this.rowPtr[i + 1] - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = this.colIdx[mid];
      if (c === j) return mid;
      if (c < j) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  outgoing(i: number, post: Int32Array, widx: Int32Array): number {
    const start = this.rowPtr[i];
    const n = this.rowPtr[i + 1] - start;
    for (let k = 0; k < n; k++) {
      post[k] = this.colIdx[start + k];
      widx[k] = start + k;
    }
    return n;
  }

  /** Builds the CSC index used by `incoming` (once; later calls return at once). */
  buildColumnIndex(): void {
    if (this.colPtr !== null) return;
    const N = this.postSize;
    const nnz = this.colIdx.length;
    const colPtr = new Int32Array(N + 1);
    for (let k = 0; k < nnz; k++) colPtr[this.colIdx[k] + 1]++;
    let fanIn = 0;
    for (let j = 0; j < N; j++) {
      fanIn = Math.max(fanIn, colPtr[j + 1]);
      colPtr[j + 1] += colPtr[j];
    }
    const fix = "use fewer synapses";
    const colPre = allocateBuffer(Int32Array, nnz, `Sparse: the column index of ${nnz} synapses`, fix);
    const colW = allocateBuffer(Int32Array, nnz, `Sparse: the column index of ${nnz} synapses`, fix);
    const fill = colPtr.slice(0, N);
    for (let i = 0; i < this.preSize; i++) {
      for (let k = this.rowPtr[i]; k < this.rowPtr[i + 1]; k++) {
        const e = fill[this.colIdx[k]]++;
        colPre[e] = i;
        colW[e] = k;
      }
    }
    this.colPtr = colPtr;
    this.colPre = colPre;
    this.colW = colW;
    this.fanIn = fanIn;
  }

  private static validate(M: number, N: number, rowPtr: Int32Array, colIdx: Int32Array, nw: number): void {
    if (rowPtr.length !== M + 1) {
      throw new ShapeMismatchError(
        `Sparse: rowPtr has length ${rowPtr.length}, but a source of ${M} neurons needs ${M + 1} (pre + 1)`,
        { length: rowPtr.length, expected: M + 1 },
      );
    }
    const nnz = colIdx.length;
    if (rowPtr[0] !== 0 || rowPtr[M] !== nnz || nw !== nnz) {
      throw new ShapeMismatchError(
        `Sparse: rowPtr must start at 0 and end at the synapse count; got rowPtr[0] = ${rowPtr[0]}, ` +
          `rowPtr[${M}] = ${rowPtr[M]}, colIdx length ${nnz}, w length ${nw}`,
      );
    }
    for (let i = 0; i < M; i++) {
      const a = rowPtr[i];
      const b = rowPtr[i + 1];
      if (b < a) {
        throw new InvalidParameterError(
          `Sparse: rowPtr must be non-decreasing, but rowPtr[${i + 1}] < rowPtr[${i}]`,
        );
      }
      for (let k = a; k < b; k++) {
        const j = colIdx[k];
        if (j < 0 || j >= N) {
          throw new InvalidParameterError(
            `Sparse: colIdx[${k}] = ${j} (row ${i}) is outside the target's [0, ${N})`,
            { row: i, index: k, post: j },
          );
        }
        if (k > a && j <= colIdx[k - 1]) {
          throw new InvalidParameterError(
            `Sparse: row ${i} must list post indices in strictly ascending order without repeats; ` +
              `colIdx[${k - 1}] = ${colIdx[k - 1]}, colIdx[${k}] = ${j} (use Sparse.fromTriplets to sort)`,
            { row: i, index: k },
          );
        }
      }
    }
  }
}

/** Stable counting sort of positions by key in [0, n); `within` is the incoming order (null = 0..len-1). */
function countingOrder(key: Int32Array, n: number, within: Int32Array | null): Int32Array {
  const len = key.length;
  const start = new Int32Array(n + 1);
  for (let k = 0; k < len; k++) start[key[k] + 1]++;
  for (let v = 0; v < n; v++) start[v + 1] += start[v];
  const out = allocateBuffer(
    Int32Array,
    len,
    `Sparse.fromTriplets: the order of ${len} triplets`,
    "use fewer",
  );
  for (let r = 0; r < len; r++) {
    const k = within === null ? r : within[r];
    out[start[key[k]]++] = k;
  }
  return out;
}
