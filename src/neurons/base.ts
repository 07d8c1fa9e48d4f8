/**
 * Shared plumbing of every neuron model: the spike list, named input ports and named state buffers.
 * A model subclasses `PopulationBase`, allocates its state in the constructor with `addState`, and implements
 * `step` with a tight loop over typed arrays that calls `beginSpikes()` once and `pushSpike(i)` for each
 * neuron that fires, in ascending index order.
 */
import {
  InvalidParameterError,
  NotFoundError,
  ShapeMismatchError,
  requireFloat32,
  requireInteger,
  requirePositive,
} from "../core/errors.ts";
import { describeValue, refuseExtraArguments, requireKnownKeys } from "../core/options.ts";
import { warnIfShorterThanStep } from "../core/time.ts";
import type { Population, StepContext } from "../network/types.ts";

/**
 * A Float64Array that may be read but not written: the per-neuron arrays in a population's `derived`
 * constants, which the step reads and which must keep agreeing with `params`. It refuses the direct writes
 * (an element, `set`, `fill`, ..., a new view on its `buffer`). JavaScript cannot freeze a typed array, and
 * TypeScript lets a readonly index be assigned to a mutable one, so a write through such an alias or a cast
 * still compiles; it is unsupported.
 */
export type ReadonlyFloat64Array = Omit<
  Float64Array,
  number | "set" | "fill" | "copyWithin" | "reverse" | "sort" | "subarray" | "buffer"
> & { readonly [index: number]: number };

/**
 * A parameter given once for the population (a number) or once per neuron: an Array or a typed array of the
 * population's size (other array-likes, strings and DataViews are refused at run time, so the type leaves
 * them out).
 */
export type PerNeuronValue =
  | number
  | readonly number[]
  | Float32Array
  | Float64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array
  | Uint8ClampedArray;

/**
 * A neuron model's time step, its second constructor argument: a number > 0. Anything else (the params
 * object given in its place, as in `new LIF(10, { tauMem_ms: 20 })`) is named with the argument order.
 */
export function requireNeuronDt(dt_ms: unknown): number {
  if (typeof dt_ms !== "number") {
    throw new InvalidParameterError(
      `dt_ms must be a number > 0, got ${describeValue(dt_ms)}; neuron models are built as ` +
        `new Model(size, dt_ms, params), e.g. new LIF(10, 1, { tauMem_ms: 20 })`,
    );
  }
  return requirePositive("dt_ms", dt_ms);
}

/**
 * A frozen copy of a per-neuron parameter for a model's `params` (so a later write to the caller's array
 * changes nothing); a number, or anything that is not an array for `perNeuron` to refuse, is returned as is.
 */
export function copyPerNeuron(value: PerNeuronValue): number | readonly number[] {
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    return Object.freeze(Array.from(value as ArrayLike<number>));
  }
  return value as number;
}

/**
 * A parameter given once for the population or once per neuron, as a fresh Float64Array of `size` values.
 * `check(name, value)` validates one value and returns it (`requireFinite`, `requirePositive`, ...); an entry
 * is named `name[i]` in its error. An array of another length is a `ShapeMismatchError`.
 */
export function perNeuron(
  name: string,
  value: PerNeuronValue,
  size: number,
  check: (name: string, value: number) => number,
): Float64Array {
  const out = new Float64Array(size);
  if (typeof value === "number") return out.fill(check(name, value));
  if (!(Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView)))) {
    throw new InvalidParameterError(
      `${name} must be a number or an array of one number per neuron (${size}), got ${describeValue(value)}`,
      { name, value },
    );
  }
  if (value.length !== size) {
    throw new ShapeMismatchError(
      `${name} has ${value.length} values but the population has ${size} neurons; give one value or one per neuron`,
      { length: value.length, size },
    );
  }
  for (let i = 0; i < size; i++) out[i] = check(`${name}[${i}]`, value[i]);
  return out;
}

/**
 * Checks entry k of a model's `synapses` list (CubaLIF, CobaLIF): only the options `keys`, a port name that
 * is not empty, not one of the model's own ports `reserved` and not an earlier entry's (`names`, which it is
 * added to), and tauSyn_ms > 0 (warned about when shorter than the step). Returns tauSyn_ms.
 */
export function checkSynapseEntry(
  entry: { readonly port: string; readonly tauSyn_ms: number },
  k: number,
  keys: readonly string[],
  reserved: readonly string[],
  names: string[],
  dt_ms: number,
): number {
  requireKnownKeys(`synapses[${k}]`, entry, keys);
  const port: unknown = entry.port;
  if (typeof port !== "string" || port === "" || reserved.includes(port)) {
    throw new InvalidParameterError(
      `synapses[${k}].port ${JSON.stringify(port)} must be a non-empty name other than the model's own ` +
        `ports ${reserved.map((n) => JSON.stringify(n)).join(" and ")}`,
      { port },
    );
  }
  const first = names.indexOf(port);
  if (first >= 0) {
    throw new InvalidParameterError(
      `synapses[${k}].port ${JSON.stringify(port)} is the port of synapses[${first}] too; each synapse ` +
        `needs its own port name`,
      { port },
    );
  }
  names.push(port);
  const tau = requirePositive(`synapses[${k}].tauSyn_ms`, entry.tauSyn_ms);
  warnIfShorterThanStep(`synapses[${k}].tauSyn_ms`, tau, dt_ms);
  return tau;
}

/** The LIF membrane's parameters that LIF, AdaptiveLIF and CubaLIF take per neuron. */
const LIF_KEYS = Object.freeze([
  "tauMem_ms",
  "vRest_mV",
  "vReset_mV",
  "vThreshold_mV",
  "resistance_MOhm",
] as const);

/**
 * The parameters each model takes once per population or once per neuron (beside `vInit_mV`, which every model
 * takes per neuron), with the page that documents them. The models read their own lists from here, and
 * `refusePerNeuron` names them all.
 */
export const PER_NEURON_PARAMETERS = Object.freeze({
  LIF: { keys: LIF_KEYS, doc: "docs/models/lif.md" },
  AdaptiveLIF: { keys: LIF_KEYS, doc: "docs/models/adaptive-lif.md" },
  CubaLIF: { keys: LIF_KEYS, doc: "docs/models/cuba-lif.md" },
  CobaLIF: {
    keys: Object.freeze(["tauMem_ms", "vRest_mV", "vReset_mV", "vThreshold_mV", "gLeak_nS"] as const),
    doc: "docs/models/coba-lif.md",
  },
  SynapticLIF: {
    keys: Object.freeze([
      "tauSyn_ms",
      "tauMem_ms",
      "vRest_mV",
      "vReset_mV",
      "vThreshold_mV",
      "resistance_MOhm",
      "wIn",
    ] as const),
    doc: "docs/models/synaptic-lif.md",
  },
  IF: {
    keys: Object.freeze(["capacitance_nF", "vReset_mV", "vThreshold_mV"] as const),
    doc: "docs/models/if.md",
  },
  LI: {
    keys: Object.freeze(["tauMem_ms", "vRest_mV", "resistance_MOhm"] as const),
    doc: "docs/models/li.md",
  },
  DoubleExpLIF: {
    keys: Object.freeze(["tauDecay_ms", "bias_nA"] as const),
    doc: "docs/models/double-exp-lif.md",
  },
  Izhikevich: { keys: Object.freeze(["a", "b", "c_mV", "d"] as const), doc: "docs/models/izhikevich.md" },
});

/** "a, b and c". */
function listed(names: readonly string[]): string {
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/**
 * Refuses an array given for a parameter that `model` takes once per population (`keys`), saying so and
 * which parameters are per neuron where (PER_NEURON_PARAMETERS): a per-neuron value would otherwise be
 * reported as "not a number".
 */
export function refusePerNeuron(model: string, params: object, keys: readonly string[]): void {
  for (const key of keys) {
    const v: unknown = (params as Record<string, unknown>)[key];
    if (Array.isArray(v) || ArrayBuffer.isView(v)) {
      const where = Object.entries(PER_NEURON_PARAMETERS)
        .map(([name, { keys: own, doc }]) => `on ${name} also ${listed(own)} (${doc})`)
        .join("; ");
      throw new InvalidParameterError(
        `${model} takes ${key} once for the population (one number), got ${describeValue(v)}; per-neuron ` +
          `values: vInit_mV on every model, and ${where}; else one population per value`,
        { model, key },
      );
    }
  }
}

/**
 * A model's options where the parameters `K` of `P` may be given once per neuron (`PerNeuronValue`), as
 * `new LIF(n, dt, { tauMem_ms: [10, 20] })` takes them.
 */
export type PerNeuronOptions<P, K extends keyof P> = {
  readonly [Q in keyof P]: Q extends K ? PerNeuronValue : P[Q];
};

/** A model's `params` with the parameters `K` of `P` kept as one number or a frozen array of one per neuron. */
export type PerNeuronParams<P, K extends keyof P> = {
  readonly [Q in keyof P]: Q extends K ? number | readonly number[] : P[Q];
};

/** Whether `v` is a list of `size` numbers that are all the same finite number (a list to collapse into it). */
export function isUniformList(v: unknown, size: number): v is readonly number[] {
  if (!(Array.isArray(v) || ArrayBuffer.isView(v)) || (ArrayBuffer.isView(v) && v instanceof DataView))
    return false;
  const list = v as ArrayLike<unknown>;
  if (list.length !== size || size === 0 || typeof list[0] !== "number" || !Number.isFinite(list[0]))
    return false;
  for (let i = 1; i < size; i++) if (!Object.is(list[i], list[0])) return false;
  return true;
}

/**
 * A model's `params` from its options `given` (defaults filled in) for `size` neurons, where the parameters
 * `keys` may be one per neuron: a list of equal numbers becomes that number (so [1, 1, 1] and 1 build, save
 * and compare alike), any other list a frozen copy (`copyPerNeuron`, so a later write to the caller's array
 * changes nothing), and the whole frozen. `perNeuron` says whether any of `keys` is still not one number
 * (a list, or something for the model's per-neuron checks to refuse); the model then steps per neuron.
 */
export function perNeuronParams<T extends object>(
  given: T,
  keys: readonly string[],
  size: number,
): { readonly params: T; readonly perNeuron: boolean } {
  const fields = given as Record<string, unknown>;
  // every parameter one number (the common case): `given` itself, not a copy through this one spread that
  // every model shares (with it, LIF's uniform step ran about 40 % slower in a benchmark that stepped several
  // models in one process)
  if (keys.every((k) => typeof fields[k] === "number"))
    return { params: Object.freeze(given), perNeuron: false };
  const out: Record<string, unknown> = { ...fields };
  let perNeuron = false;
  for (const k of keys) {
    const v = out[k];
    if (typeof v === "number") continue;
    if (isUniformList(v, size)) out[k] = v[0];
    else {
      out[k] = copyPerNeuron(v as PerNeuronValue);
      perNeuron = true;
    }
  }
  return { params: Object.freeze(out) as T, perNeuron };
}

/** What `buildPerNeuron` gives a model's constructor. */
export interface PerNeuronBuild<T, D, E> {
  /** The frozen params: per-neuron values as frozen arrays, and a per-neuron initial voltage as one too. */
  readonly params: T;
  readonly derived: D;
  /** The per-neuron step constants, or undefined when every parameter is one number. */
  readonly perNeuronDerived: E | undefined;
  /** The initial voltage that `reset()` restores: one value or one per neuron. */
  readonly vInit: number | Float32Array;
}

/**
 * The params, step constants and initial voltage of a model whose parameters `keys` may be one per neuron
 * (LIF, AdaptiveLIF, SynapticLIF, IF, LI): `perNeuronParams`, then `derive.uniform(params)` when every one of `keys` is one
 * number, else `derive.each(params)` for the per-neuron constants and `derive.placeholder(params)` for
 * `derived` (NaN for the constants that are not one neuron's). The initial voltage is `vInit_mV`, else the
 * parameter `restKey` (v_rest, or v_reset for IF), per neuron when that is per neuron.
 */
export function buildPerNeuron<T extends { readonly vInit_mV?: PerNeuronValue }, D, E>(
  given: T,
  keys: readonly string[],
  size: number,
  restKey: keyof T & string,
  derive: {
    readonly uniform: (params: T) => D;
    readonly each: (params: T) => E;
    readonly placeholder: (params: T) => D;
  },
): PerNeuronBuild<T, D, E> {
  const { params, perNeuron: perNeuronGiven } = perNeuronParams(given, keys, size);
  const perNeuronDerived = perNeuronGiven ? derive.each(params) : undefined;
  const derived = perNeuronGiven ? derive.placeholder(params) : derive.uniform(params);
  const rest = params[restKey] as number | readonly number[];
  const vInit = initialVoltageOrRest(params.vInit_mV, rest, size);
  return { params: keepInitialVoltage(params, vInit), derived, perNeuronDerived, vInit };
}

/**
 * A model's initial membrane potential (`vInit_mV`, or `fallback` when it is not given) checked for `size`
 * neurons: one float32-range number, or a Float32Array of one value per neuron (a copy, so that `reset()`
 * restores what was given even if the caller's array changes later).
 */
export function initialVoltage(
  vInit: PerNeuronValue | undefined,
  fallback: number,
  size: number,
): number | Float32Array {
  if (vInit === undefined || typeof vInit === "number") return requireFloat32("vInit_mV", vInit ?? fallback);
  return Float32Array.from(perNeuron("vInit_mV", vInit, size, requireFloat32));
}

/**
 * `initialVoltage` where the fallback (the model's rest) may be one value per neuron: without `vInit_mV`, a
 * per-neuron rest is each neuron's initial voltage (as float32, the state's type).
 */
export function initialVoltageOrRest(
  vInit: PerNeuronValue | undefined,
  rest: number | readonly number[],
  size: number,
): number | Float32Array {
  if (vInit === undefined && typeof rest !== "number") return Float32Array.from(rest);
  return initialVoltage(vInit, rest as number, size);
}

/**
 * Frozen `params` whose per-neuron `vInit_mV` is `vInit` (what `initialVoltage` checked and copied, as float32
 * values), so that `population.params`, which saved settings and exporters read, keeps describing the
 * population when the caller's array changes later, and a number[] and a Float32Array of the same voltages
 * read alike. One initial value leaves `params` as it is.
 */
export function keepInitialVoltage<T extends { readonly vInit_mV?: PerNeuronValue }>(
  params: T,
  vInit: number | Float32Array,
): T {
  return typeof vInit === "number"
    ? params
    : Object.freeze({ ...params, vInit_mV: Object.freeze(Array.from(vInit)) });
}

/** Sets a state buffer to its initial value: one number for all, or one per neuron. */
export function fillInitial(buffer: Float32Array, initial: number | Float32Array): void {
  if (typeof initial === "number") buffer.fill(initial);
  else buffer.set(initial);
}

/**
 * Refuses arguments past a model's last parameter (`refuseExtraArguments`): an options object given to a
 * model that takes none (`new LIF(n, dt, params, { rng })`, AdaptiveLIF's 4th argument) would run the model
 * without it. `signature` lists the model's parameters ("size, dt_ms, params").
 */
export function requireNoExtraArguments(model: string, signature: string, extra: readonly unknown[]): void {
  const hint =
    signature.split(",").length === 3
      ? `${model} has no options argument (AdaptiveLIF is the model that takes one)`
      : undefined;
  refuseExtraArguments(model, signature, extra, hint);
}

/**
 * Refuses, for a model built as `new Model(size, dt_ms, params, options)`, a key of the options (4th) argument
 * given among the params (3rd), or a parameter given among the options, with a message that says which
 * argument it belongs to: the generic unknown-key error would list only the other argument's keys. `model`
 * names the class ("AdaptiveLIF"); anything that is not a plain object is left to the generic checks.
 */
export function requireRightArgument(
  model: string,
  params: unknown,
  paramKeys: readonly string[],
  options: unknown,
  optionKeys: readonly string[],
): void {
  const misplaced = (given: unknown, belongs: readonly string[], own: readonly string[]): string[] =>
    given !== null && typeof given === "object" && !Array.isArray(given) && !ArrayBuffer.isView(given)
      ? Object.keys(given).filter((k) => belongs.includes(k) && !own.includes(k))
      : [];
  const list = (keys: string[]): string =>
    keys.length === 1 ? keys[0] : `${keys.slice(0, -1).join(", ")} and ${keys[keys.length - 1]}`;
  const options4 = misplaced(params, optionKeys, paramKeys);
  if (options4.length > 0) {
    throw new InvalidParameterError(
      `${model} params: ${list(options4)} ${options4.length === 1 ? "is an option" : "are options"} of the ` +
        `4th argument, not ${options4.length === 1 ? "a neuron parameter" : "neuron parameters"}: ` +
        `new ${model}(size, dt_ms, params, { ${options4.join(", ")} })`,
      { model, keys: options4 },
    );
  }
  const params3 = misplaced(options, paramKeys, optionKeys);
  if (params3.length > 0) {
    throw new InvalidParameterError(
      `${model} options: ${list(params3)} ${params3.length === 1 ? "is a neuron parameter" : "are neuron parameters"} ` +
        `of the 3rd argument, not ${params3.length === 1 ? "an option" : "options"}: ` +
        `new ${model}(size, dt_ms, { ${params3.join(", ")} }, options)`,
      { model, keys: params3 },
    );
  }
}

/** Most floats in one population's arena, 2^29 (2 GiB of float32, as for a projection's weights). */
const MAX_ARENA = 2 ** 29;
/** Most neurons in one population (its per-neuron Int32Array and Uint8Array buffers must fit too). */
const MAX_POPULATION = 2 ** 28;

/** Storage a model may hand to `PopulationBase` instead of letting it allocate (see the constructor). */
export interface PopulationBuffers {
  readonly arena: Float32Array;
  readonly spikeIdx: Int32Array;
  readonly spiked: Uint8Array;
}

export abstract class PopulationBase implements Population {
  abstract readonly model: string;
  readonly size: number;
  readonly spikeIdx: Int32Array;
  readonly spiked: Uint8Array;
  readonly portNames: readonly string[];
  private readonly ports: Float32Array[];
  /** 1 once `port()` has handed out the buffer; a port never handed out is always zero. */
  private readonly portsRequested: Uint8Array;
  private readonly states = new Map<string, Float32Array>();
  private count = 0;
  /**
   * One buffer holding every port and the first `arenaStates` states, back to back, `size` floats each: port k
   * at offset k * size, then the states in the order of `addState`. A hot loop can then index a single typed
   * array with constant offsets instead of keeping one base pointer per buffer (fewer registers, measurably
   * faster in V8); the public buffers are views into it.
   */
  protected readonly arena: Float32Array;
  private readonly arenaStates: number;
  private arenaUsed = 0;

  /**
   * @param buffers optional storage the model allocated itself (e.g. in a WebAssembly memory): the arena
   *   (size x (ports + arenaStates) floats, zeroed) and the spike buffers (size entries each).
   */
  protected constructor(
    size: number,
    portNames: readonly string[] = ["input"],
    arenaStates = 0,
    buffers?: PopulationBuffers,
  ) {
    requireInteger("population size", size, 1);
    if (portNames.length === 0) {
      throw new InvalidParameterError("a population needs at least one input port name");
    }
    const arenaLength = size * (portNames.length + arenaStates);
    if (size > MAX_POPULATION || arenaLength > MAX_ARENA) {
      throw new InvalidParameterError(
        `a population of ${size} neurons is too large: its ports and state need ${arenaLength} float32 ` +
          `(${((arenaLength * 4) / 2 ** 30).toFixed(1)} GiB), and one buffer holds at most ${MAX_ARENA}; ` +
          `split it into several populations`,
        { size },
      );
    }
    if (
      buffers &&
      (buffers.arena.length !== arenaLength ||
        buffers.spikeIdx.length !== size ||
        buffers.spiked.length !== size)
    ) {
      throw new InvalidParameterError(
        `population buffers must hold ${arenaLength} arena floats and ${size} spike entries`,
      );
    }
    this.size = size;
    this.spikeIdx = buffers?.spikeIdx ?? new Int32Array(size);
    this.spiked = buffers?.spiked ?? new Uint8Array(size);
    this.portNames = Object.freeze([...portNames]);
    this.arenaStates = arenaStates;
    this.arena = buffers?.arena ?? new Float32Array(arenaLength);
    this.ports = portNames.map((_n, k) => this.arena.subarray(k * size, (k + 1) * size));
    this.portsRequested = new Uint8Array(portNames.length);
  }

  get spikeCount(): number {
    return this.count;
  }

  get stateNames(): readonly string[] {
    return [...this.states.keys()];
  }

  port(name?: string): Float32Array {
    if (name === undefined) {
      this.portsRequested[0] = 1;
      return this.ports[0];
    }
    const k = this.portNames.indexOf(name);
    if (k < 0) {
      throw new NotFoundError(
        `${this.model} population has no input port "${name}"; its ports are: ${this.portNames.join(", ")}`,
        { port: name, ports: this.portNames },
      );
    }
    this.portsRequested[k] = 1;
    return this.ports[k];
  }

  /**
   * Whether anyone ever obtained port k's buffer through `port()`. A port nobody obtained holds only zeros,
   * so a model may skip reading and clearing it.
   */
  protected portEverRequested(k: number): boolean {
    return this.portsRequested[k] === 1;
  }

  /** Offset in `arena` of slot k: ports are slots 0..ports-1, then the arena states in `addState` order. */
  protected arenaOffset(slot: number): number {
    return slot * this.size;
  }

  /** The port buffer at position k of `portNames` (fast path for models). */
  protected portAt(k: number): Float32Array {
    return this.ports[k];
  }

  state(name: string): Float32Array {
    const s = this.states.get(name);
    if (!s) {
      throw new NotFoundError(
        `${this.model} population has no state variable "${name}"; ` +
          (this.stateNames.length > 0
            ? `it has: ${this.stateNames.join(", ")}`
            : `it has none (its neurons only pass spikes on); record them with a SpikeMonitor`),
        { variable: name, variables: this.stateNames },
      );
    }
    return s;
  }

  /** Allocates a named per-neuron state buffer set to `initial` (one number, or one value per neuron). */
  protected addState(name: string, initial: number | Float32Array = 0): Float32Array {
    let a: Float32Array;
    if (this.arenaUsed < this.arenaStates) {
      const offset = this.arenaOffset(this.portNames.length + this.arenaUsed++);
      a = this.arena.subarray(offset, offset + this.size);
    } else {
      a = new Float32Array(this.size);
    }
    fillInitial(a, initial);
    this.states.set(name, a);
    return a;
  }

  /** Registers a buffer the model allocated itself (e.g. in WebAssembly memory) as the state `name`. */
  protected adoptState(name: string, buffer: Float32Array): Float32Array {
    if (buffer.length !== this.size) {
      throw new InvalidParameterError(`state "${name}" needs ${this.size} values, got ${buffer.length}`);
    }
    this.states.set(name, buffer);
    return buffer;
  }

  /** Clears the previous step's spikes; call at the start of `step`. */
  protected beginSpikes(): void {
    const idx = this.spikeIdx;
    const spiked = this.spiked;
    for (let k = 0; k < this.count; k++) spiked[idx[k]] = 0;
    this.count = 0;
  }

  /** Records a spike of neuron i in this step. Call in ascending order of i. */
  protected pushSpike(i: number): void {
    this.spikeIdx[this.count++] = i;
    this.spiked[i] = 1;
  }

  /**
   * Sets this step's spike count for a model that wrote `spikeIdx` and `spiked` itself, in ascending order,
   * right after `beginSpikes()` (a hot loop keeps the count in a local instead of calling pushSpike).
   */
  protected setSpikeCount(count: number): void {
    this.count = count;
  }

  /** Zeroes spikes and port buffers; models extend this to reset their own state. */
  reset(): void {
    this.beginSpikes();
    for (const p of this.ports) p.fill(0);
  }

  abstract step(ctx: StepContext): void;
}
