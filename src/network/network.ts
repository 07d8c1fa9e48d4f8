/**
 * A network of named populations and projections, stepped in the fixed order of docs/conventions.md:
 *   1. deliver the spikes of step t-1 through every projection (one-step synaptic delay);
 *   2. add the external input of step t;
 *   3. step every population (integrate, threshold, reset, refractory) in insertion order, then copy the
 *      spikes of each subgroup's range into the subgroup (src/network/subgroup.ts);
 *   4. while learning, apply every projection's learning rules;
 *   5. record monitors.
 * `run` ends by calling each projection's `afterRun` (per-example weight normalisation) when learning.
 */
import {
  InvalidParameterError,
  NotFoundError,
  ShapeMismatchError,
  StateError,
  TimeStepError,
  requireBoolean,
  requireInteger,
  requirePositive,
  isBinaryKind,
} from "../core/errors.ts";
import { describeValue, refuseExtraArguments, requireKnownKeys } from "../core/options.ts";
import { sameStep, warnIfTinyStep } from "../core/time.ts";
import { log } from "../core/log.ts";
import type { Drive, Population, Projection } from "./types.ts";
import { isSpikeSink } from "./types.ts";
import { Subgroup } from "./subgroup.ts";
import type { SubgroupOf } from "./subgroup.ts";

/** Something that records from the network after every step. */
export interface Monitor {
  /** The population it records, if any; `addMonitor` refuses one that is not in the network. */
  readonly population?: Population;
  record(step: number): void;
  /** Empties the recording (called by `Network.reset`). */
  reset(): void;
}

/** One input of a population: a drive, or a Float32Array added into its default port at every step. */
export type RunInput = Drive | Float32Array;

/**
 * What `run` takes: for each population name, one input or a list of them (effects add up). An empty list is
 * refused when run: the type allows it so that lists built at run time (`Drive[]`) type-check.
 */
export type InputMap = Readonly<Record<string, RunInput | readonly RunInput[]>>;

export interface NetworkOptions {
  /** Step length in ms. */
  readonly dt_ms: number;
  /** Whether plasticity is on initially. Default true. */
  readonly learning?: boolean;
}

/** A constant per-neuron input applied every step. */
class ConstantDrive implements Drive {
  constructor(private readonly values: Float32Array) {}
  apply(_step: number, target: Population): void {
    const v = this.values;
    if (isSpikeSink(target)) {
      for (let i = 0; i < v.length; i++) if (v[i] !== 0) target.emit(i);
      return;
    }
    const port = target.port();
    for (let i = 0; i < v.length; i++) port[i] += v[i];
  }
}

/** The network each population was added to: a population holds one network's state. */
const OWNER = new WeakMap<Population, Network>();
/** The last step a network may reach without a reset: step numbers are recorded as int32. */
const MAX_STEP = 2 ** 31 - 1;

/**
 * Whether `v` is a typed array of class `name`, of this realm or another (an iframe's, a vm context's):
 * `instanceof` sees only its own realm's.
 */
function isFloat32Array(v: unknown): v is Float32Array {
  return v instanceof Float32Array || isBinaryKind(v, "Float32Array");
}

/**
 * Refuses a drive that says how many neurons it was built for (`Drive.size`: a spike train, a held or noise
 * current) when the population `name` it is given for has another size, before any step; the drive's own check
 * in `apply` could not name the population.
 */
function requireDriveSize(name: string, label: string, d: Drive, pop: Population): void {
  const size = d.size;
  if (size === undefined || size === pop.size) return;
  const kind = (Object.getPrototypeOf(d) as { constructor?: { name?: string } } | null)?.constructor?.name;
  const what = kind === undefined || kind === "Object" ? "a drive" : `a ${kind}`;
  throw new ShapeMismatchError(
    `${label} is ${what} built for ${size} neurons but the population has ${pop.size} neurons; ` +
      `build it with size ${pop.size}, the size of "${name}"`,
    { input: name, size, target: pop.size },
  );
}

const isFunction = (v: unknown): boolean => typeof v === "function";
const isStringList = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === "string");

/** A member of a contract: its name, what it must be (in words), and the test of that. */
type Member = readonly [name: string, what: string, ok: (v: unknown) => boolean];

/** The members of the Population contract (network/types.ts) that `addPopulation` checks: what each must be. */
const POPULATION_MEMBERS: readonly Member[] = [
  ["model", "a string", (v) => typeof v === "string"],
  ["size", "a whole number >= 0", (v) => Number.isInteger(v) && (v as number) >= 0],
  ["spikeIdx", "an Int32Array", (v) => isBinaryKind(v, "Int32Array")],
  ["spikeCount", "a whole number >= 0", (v) => Number.isInteger(v) && (v as number) >= 0],
  ["spiked", "a Uint8Array", (v) => isBinaryKind(v, "Uint8Array")],
  ["portNames", "a list of port names", isStringList],
  ["port", "a function port(name?)", isFunction],
  ["step", "a function step(ctx)", isFunction],
  ["reset", "a function reset()", isFunction],
  ["stateNames", "a list of state names", isStringList],
  ["state", "a function state(name)", isFunction],
];

/** The members of the Projection contract that `addProjection` checks (the ends are checked on their own). */
const PROJECTION_MEMBERS: readonly Member[] = [
  ["kind", "a string", (v) => typeof v === "string"],
  ["source", "a population", (v) => typeof v === "object" && v !== null],
  ["target", "a population", (v) => typeof v === "object" && v !== null],
  ["port", "a port name", (v) => typeof v === "string"],
  ["deliver", "a function deliver()", isFunction],
  ["rules", "a list of learning rules", Array.isArray],
];

/** The members of the LearningRule contract that `run` checks before the first step. */
const RULE_MEMBERS: readonly Member[] = [
  ["name", "a string", (v) => typeof v === "string"],
  ["update", "a function update(ctx)", isFunction],
  ["reset", "a function reset()", isFunction],
];

/**
 * What is wrong with `obj` as a member of a contract: the members it lacks, then those of the wrong kind, in
 * words ("lacks step (a function step(ctx)); has size = string \"3\", expected a whole number >= 0"), or
 * undefined when it has them all.
 */
function contractProblems(obj: object, members: readonly Member[]): string | undefined {
  const rec = obj as Record<string, unknown>;
  const missing = members.filter(([name]) => rec[name] === undefined);
  const wrong = members.filter(([name, , ok]) => rec[name] !== undefined && !ok(rec[name]));
  const said: string[] = [];
  if (missing.length > 0) {
    said.push(`lacks ${missing.map(([name, what]) => `${name} (${what})`).join(", ")}`);
  }
  for (const [name, what] of wrong) said.push(`has ${name} = ${describeValue(rec[name])}, expected ${what}`);
  return said.length === 0 ? undefined : said.join("; ");
}

/**
 * Throws unless `name` is a string: the name a population or projection is added or looked up under. `example`
 * shows a right call.
 */
function requireName(method: string, what: string, name: unknown, example: string): asserts name is string {
  if (typeof name !== "string" || name === "") {
    throw new InvalidParameterError(
      `${method} takes the ${what}'s name (a non-empty string) first, got ${describeValue(name)}; e.g. ${example}`,
    );
  }
}

export class Network {
  readonly dt_ms: number;
  private learningOn: boolean;
  private readonly pops = new Map<string, Population>();
  private readonly projs = new Map<string, Projection>();
  private readonly subs = new Map<string, Subgroup>();
  private popList: Population[] = [];
  private subList: Subgroup[] = [];
  private projList: Projection[] = [];
  private readonly monitors: Monitor[] = [];
  private t = 0;
  /** Set while `run` steps: the network's structure and state are not to be changed from inside a step. */
  private running = false;

  constructor(opts: NetworkOptions) {
    if (opts === undefined) {
      throw new InvalidParameterError(
        "Network takes its options { dt_ms, learning? }, got none; e.g. new Network({ dt_ms: 1 }) for 1 ms steps",
      );
    }
    requireKnownKeys("Network options", opts, ["dt_ms", "learning"]);
    this.dt_ms = requirePositive("dt_ms", opts.dt_ms);
    warnIfTinyStep(this.dt_ms);
    // null too is refused: only an absent option means the default
    this.learningOn =
      opts.learning === undefined ? true : requireBoolean("Network option learning", opts.learning);
  }

  /**
   * When false every plastic quantity is frozen: weights, adaptive thresholds, normalisation. Set it between
   * runs: a run learns, or not, from its first step to its end-of-run normalisation, so setting it from inside
   * a step (a drive, monitor or rule) is a StateError.
   */
  get learning(): boolean {
    return this.learningOn;
  }

  set learning(on: boolean) {
    if (this.running) {
      throw new StateError(
        `learning was set while the network is running (from a drive, monitor or rule); ` +
          `a run learns or not from its first step to its end, so set learning between runs (split the run in ` +
          `two where it should change)`,
      );
    }
    this.learningOn = requireBoolean("learning", on);
  }

  /** Steps taken since the last `reset()`. */
  get time(): number {
    return this.t;
  }

  addPopulation<P extends Population>(name: string, pop: P): P {
    this.refuseWhileRunning("addPopulation");
    requireName("addPopulation", "population", name, 'addPopulation("X", new Input(784))');
    if (pop === null || typeof pop !== "object") {
      throw new InvalidParameterError(
        `addPopulation("${name}", ...) takes a population (a neuron model such as new LIF(size, dt_ms)), got ` +
          `${describeValue(pop)}`,
      );
    }
    if (pop instanceof Subgroup) {
      throw new InvalidParameterError(
        `addPopulation("${name}", ...) was given subgroup "${pop.name}", a view that does not step; a subgroup ` +
          `is added with addSubgroup(name, parent, start, stop), which also makes it known by name`,
      );
    }
    const problems = contractProblems(pop, POPULATION_MEMBERS);
    if (problems !== undefined) {
      throw new InvalidParameterError(
        `addPopulation("${name}", ...) takes a population, but the object given ${problems}; pass a neuron ` +
          `model such as new LIF(size, dt_ms), or an object with every member of the ` +
          `Population interface that spikeflow exports (docs/architecture.md, "The engine")`,
      );
    }
    this.requireFreeName(name);
    const dt = (pop as { dt_ms?: number }).dt_ms;
    if (dt !== undefined && !(typeof dt === "number" && sameStep(dt, this.dt_ms))) {
      throw new InvalidParameterError(
        `population "${name}" was built for dt = ${dt} ms but the network steps at dt = ${this.dt_ms} ms; ` +
          `build it with the network's dt`,
      );
    }
    const known = this.nameOf(this.pops, pop);
    if (known !== undefined) {
      throw new InvalidParameterError(
        `this population object is already in the network as "${known}"; build a new one for "${name}"`,
      );
    }
    const owner = OWNER.get(pop);
    if (owner !== undefined && owner !== this) {
      throw new InvalidParameterError(
        `population "${name}" already belongs to another network (it holds one network's state); build a new ` +
          `one for this network`,
      );
    }
    OWNER.set(pop, this);
    this.pops.set(name, pop);
    this.popList = [...this.pops.values()];
    return pop;
  }

  addProjection<P extends Projection>(name: string, proj: P): P {
    this.refuseWhileRunning("addProjection");
    requireName("addProjection", "projection", name, 'addProjection("X->Y", new Dense(x, y, options))');
    if (proj === null || typeof proj !== "object") {
      throw new InvalidParameterError(
        `addProjection("${name}", ...) takes a projection (such as new Dense(source, target, options)), got ` +
          `${describeValue(proj)}`,
      );
    }
    const problems = contractProblems(proj, PROJECTION_MEMBERS);
    if (problems !== undefined) {
      throw new InvalidParameterError(
        `addProjection("${name}", ...) takes a projection, but the object given ${problems}; pass one such as ` +
          `new Dense(source, target, options), or an object with every member of the ` +
          `Projection interface that spikeflow exports (docs/architecture.md, "The engine")`,
      );
    }
    if (this.projs.has(name)) {
      throw new InvalidParameterError(`a projection named "${name}" already exists; choose another name`);
    }
    const known = this.nameOf(this.projs, proj);
    if (known !== undefined) {
      throw new InvalidParameterError(
        `this projection object is already in the network as "${known}" (adding it again would deliver its ` +
          `spikes twice); build a new one for "${name}"`,
      );
    }
    for (const end of [proj.source, proj.target]) {
      if (!this.has(end)) {
        throw new InvalidParameterError(
          end instanceof Subgroup
            ? `projection "${name}" connects subgroup "${end.name}", which is not a subgroup of this network; ` +
                `make it with this network's addSubgroup`
            : `projection "${name}" connects a population that is not in this network; add it with addPopulation first`,
        );
      }
    }
    // a conduction delay is counted in steps of the dt it was built with (src/projections/delay.ts)
    const dt: unknown = (proj as { dt_ms?: unknown }).dt_ms;
    if (dt !== undefined && !(typeof dt === "number" && sameStep(dt, this.dt_ms))) {
      const delay: unknown = (proj as { delay_ms?: unknown }).delay_ms;
      throw new InvalidParameterError(
        `projection "${name}" was built for dt = ${typeof dt === "number" ? `${dt} ms` : describeValue(dt)}` +
          (typeof delay === "number" && delay !== 0 ? ` (its delay_ms = ${delay} counts steps of it)` : "") +
          ` but the network steps at dt = ${this.dt_ms} ms; build it with dt_ms: net.dt_ms`,
        { projection: name, dt_ms: dt, networkDt_ms: this.dt_ms },
      );
    }
    this.projs.set(name, proj);
    this.projList = [...this.projs.values()];
    return proj;
  }

  addMonitor<M extends Monitor>(monitor: M): M {
    this.refuseWhileRunning("addMonitor");
    const m = monitor as Partial<Monitor> | null;
    if (
      m === null ||
      typeof m !== "object" ||
      typeof m.record !== "function" ||
      typeof m.reset !== "function"
    ) {
      throw new InvalidParameterError(
        `addMonitor takes a monitor (an object with record(step) and reset()), got ${describeValue(monitor)}; ` +
          `e.g. new SpikeMonitor(population)`,
      );
    }
    if (this.monitors.includes(monitor)) {
      throw new InvalidParameterError(
        "this monitor is already in the network; it would record every step twice",
      );
    }
    if (m.population !== undefined && !this.has(m.population)) {
      throw new InvalidParameterError(
        m.population instanceof Subgroup
          ? `the monitor records subgroup "${m.population.name}", which is not a subgroup of this network; ` +
              `make the subgroup with this network's addSubgroup, or build the monitor on one of its own`
          : "the monitor records a population that is not in this network; add the population with addPopulation " +
              "first, or build the monitor on one of this network's populations",
      );
    }
    this.monitors.push(monitor);
    return monitor;
  }

  /**
   * Takes a monitor out of the network: it records nothing from the next step on and keeps what it has
   * recorded. A monitor that is not in the network is an `InvalidParameterError`; calling this from inside
   * a step is a `StateError`, like `addMonitor`.
   */
  removeMonitor(monitor: Monitor): void {
    this.refuseWhileRunning("removeMonitor");
    const at = this.monitors.indexOf(monitor);
    if (at < 0) {
      throw new InvalidParameterError(
        `removeMonitor: ${describeValue(monitor)} is not a monitor of this network (never added, or already ` +
          `removed)`,
      );
    }
    this.monitors.splice(at, 1);
  }

  /**
   * Adds a view of neurons [start, stop) of `parent` (a population or subgroup of this network) under `name`
   * and returns it: Brian2's `P[start:stop]`. The subgroup has local indices 0 .. stop - start - 1; its ports,
   * state buffers and spike mask share the parent's memory, and the network copies the parent's spikes in the
   * range into it after every step, so projections, drives (`run({ [name]: drive })`) and monitors take it as
   * they take a population. A subgroup of a subgroup is a view of the same root population (offsets added).
   * Overlapping subgroups are allowed. `start` and `stop` are whole numbers with 0 <= start < stop <=
   * parent.size: an empty range is refused (a group with no neurons has nothing to connect or record).
   */
  addSubgroup<P extends Population>(name: string, parent: P, start: number, stop: number): SubgroupOf<P> {
    this.refuseWhileRunning("addSubgroup");
    requireName("addSubgroup", "subgroup", name, 'addSubgroup("Pe", P, 0, 3200)');
    const parentName =
      parent instanceof Subgroup ? parent.name : this.nameOf(this.pops, parent as Population);
    if (parentName === undefined || !this.has(parent)) {
      throw new InvalidParameterError(
        `addSubgroup("${name}", parent, ...): the parent ${describeValue(parent)} is not a population or ` +
          `subgroup of this network; add it with addPopulation first (a subgroup is a view of a population of ` +
          `the same network)` +
          (typeof parent === "string"
            ? `; pass the population itself, e.g. net.population("${parent}")`
            : ""),
      );
    }
    const shown = (v: unknown): string => (typeof v === "number" ? String(v) : describeValue(v));
    const call = `addSubgroup("${name}", ${parentName}, ${shown(start)}, ${shown(stop)})`;
    for (const [what, v] of [
      ["start", start],
      ["stop", stop],
    ] as const) {
      if (!Number.isInteger(v)) {
        throw new InvalidParameterError(
          `${call}: ${what} must be a whole number (a neuron index of "${parentName}"), got ${describeValue(v)}`,
          { subgroup: name, [what]: v },
        );
      }
    }
    const size = parent.size;
    if (start < 0 || stop > size) {
      throw new InvalidParameterError(
        `${call}: the range [${start}, ${stop}) lies outside "${parentName}", which has neurons 0..${size - 1}; ` +
          `give 0 <= start < stop <= ${size}` +
          (start < 0 ? ` (counting from the end, as P[-k:] in Python, is start = ${size} - k)` : ""),
        { subgroup: name, start, stop, size },
      );
    }
    if (start >= stop) {
      throw new InvalidParameterError(
        `${call}: the range [${start}, ${stop}) is empty` +
          (start > stop ? ` (start > stop)` : "") +
          `; a subgroup needs at least one neuron: give start < stop`,
        { subgroup: name, start, stop },
      );
    }
    this.requireFreeName(name);
    const root = parent instanceof Subgroup ? parent.parent : parent;
    const rootName = parent instanceof Subgroup ? parent.parentName : parentName;
    const offset = parent instanceof Subgroup ? parent.start : 0;
    const sub = Subgroup.create(name, root, rootName, offset + start, offset + stop);
    // the parent may hold spikes of the last step of an earlier run: projections from the subgroup deliver them
    sub.refresh();
    this.subs.set(name, sub);
    this.subList = [...this.subs.values()];
    return sub as SubgroupOf<P>;
  }

  /** Whether `p` is a population or a subgroup of this network. */
  private has(p: unknown): boolean {
    return p instanceof Subgroup ? this.subList.includes(p) : this.popList.includes(p as Population);
  }

  /** Throws unless `name` is free: no population and no subgroup has it. */
  private requireFreeName(name: string): void {
    if (this.pops.has(name)) {
      throw new InvalidParameterError(`a population named "${name}" already exists; choose another name`);
    }
    if (this.subs.has(name)) {
      throw new InvalidParameterError(
        `a subgroup named "${name}" already exists (net.population("${name}") finds it); choose another name`,
      );
    }
  }

  /** The name under which `item` was added to `map`, if it was. */
  private nameOf<T>(map: ReadonlyMap<string, T>, item: T): string | undefined {
    for (const [name, x] of map) if (x === item) return name;
    return undefined;
  }

  /**
   * Throws StateError when called from inside a step (a drive, monitor or rule). Functions outside the class
   * that change the network's state (`restoreNetworkParameters`) call it first.
   */
  requireIdle(what: string): void {
    this.refuseWhileRunning(what);
  }

  private refuseWhileRunning(what: string): void {
    if (this.running) {
      throw new StateError(
        `${what} was called while the network is running (from a drive, monitor or rule); call it between runs`,
      );
    }
  }

  /** The population or subgroup added under `name`. */
  population<P extends Population = Population>(name: string): P {
    requireName("population", "population", name, 'population("X")');
    const p = this.pops.get(name) ?? this.subs.get(name);
    if (!p) {
      throw new NotFoundError(
        `no population "${name}"; the network has: ${[...this.pops.keys()].join(", ") || "none"}` +
          (this.subs.size > 0 ? `; subgroups: ${[...this.subs.keys()].join(", ")}` : ""),
      );
    }
    return p as P;
  }

  projection<P extends Projection = Projection>(name: string): P {
    requireName("projection", "projection", name, 'projection("X->Y")');
    const p = this.projs.get(name);
    if (!p) {
      throw new NotFoundError(
        `no projection "${name}"; the network has: ${[...this.projs.keys()].join(", ") || "none"}`,
      );
    }
    return p as P;
  }

  /** The populations that step, in the order they were added (subgroups are in `subgroupNames`). */
  get populationNames(): string[] {
    return [...this.pops.keys()];
  }

  /** The subgroups, in the order they were added (`population(name)` returns each). */
  get subgroupNames(): string[] {
    return [...this.subs.keys()];
  }

  get projectionNames(): string[] {
    return [...this.projs.keys()];
  }

  /** The monitors in the network, in the order they record (a copy; use addMonitor / removeMonitor). */
  get monitorList(): Monitor[] {
    return [...this.monitors];
  }

  /**
   * Runs `steps` steps. `inputs` maps population (or subgroup) names to drives (spike trains, current sources) or to a
   * Float32Array applied unchanged at every step, or to a list of them, whose effects add up (a spike train
   * and a background current; two trains into one Input spike once where both do). A drive's step index
   * counts from 0 within this run.
   * A Float32Array is added into the population's default port (`portNames[0]`: "dv_mV" for LIF, a voltage
   * jump, not a current; docs/inputs.md); it is checked once here (length, finite values), not per step.
   * If a step throws (a full SpikeMonitor, a drive's error), `time` counts the steps the populations took and
   * the run stops there; call `reset()` before running again.
   */
  run(inputs: InputMap, steps: number, ...extra: never[]): void {
    this.refuseWhileRunning("run");
    refuseExtraArguments("Network.run", "inputs, steps", extra);
    if (typeof steps !== "number") {
      throw new InvalidParameterError(
        `steps must be an integer >= 0, got ${describeValue(steps)}; call net.run(inputs, steps), e.g. ` +
          `net.run({ X: train }, 500)`,
      );
    }
    if (!Number.isInteger(steps) && Number.isFinite(steps) && steps > 0) {
      // a duration in ms given for a step count
      throw new InvalidParameterError(
        `steps must be an integer >= 0 (run takes a number of steps, not a time), got ${steps}; for a duration ` +
          `in ms, call net.run(inputs, msToSteps(duration_ms, net.dt_ms))`,
        { steps },
      );
    }
    requireInteger("steps", steps, 0);
    if (this.t + steps > MAX_STEP) {
      // step numbers are stored as int32 (monitors, STDP's trace stamps, refractory counters): past this they
      // would wrap to negative numbers without a word
      throw new InvalidParameterError(
        `net.run(inputs, ${steps}) would take the network from step ${this.t} past step ${MAX_STEP} ` +
          `(2^31 - 1), where recorded step numbers (monitors, trace stamps) are int32 and would wrap; ` +
          (this.t === MAX_STEP
            ? `it is at the last step: call net.reset() to start again from step 0`
            : this.t > 0
              ? `call net.reset() to start again from step 0, or run at most ${MAX_STEP - this.t} more steps`
              : `run at most ${MAX_STEP} steps, in several runs with net.reset() between them`),
        { steps, time: this.t },
      );
    }
    // a plain object of any realm ([object Object]); a Map's entries are not its properties
    if (
      inputs === null ||
      typeof inputs !== "object" ||
      Object.prototype.toString.call(inputs) !== "[object Object]"
    ) {
      throw new InvalidParameterError(
        `run takes an object that maps population names to inputs (or {} for none), got ${describeValue(inputs)}`,
      );
    }
    for (const [projName, p] of this.projs) {
      p.rules.forEach((r, k) => {
        // rules are attached after addProjection (postPre(projection, ...)): checked here, before any step
        const isObject = r !== null && typeof r === "object";
        const problems = isObject ? contractProblems(r, RULE_MEMBERS) : `is ${describeValue(r)}`;
        if (problems !== undefined) {
          throw new InvalidParameterError(
            `learning rule ${k + 1} of projection "${projName}" ` +
              (isObject ? `is not a learning rule: it ${problems}` : problems) +
              `; attach rules with their builders (postPre(projection, dt_ms, params), new ` +
              `IncomingNormalization(projection, total)) or give every member of the LearningRule interface that spikeflow exports`,
          );
        }
        if (r.dt_ms !== undefined && !(typeof r.dt_ms === "number" && sameStep(r.dt_ms, this.dt_ms))) {
          const built = typeof r.dt_ms === "number" ? `${r.dt_ms} ms` : describeValue(r.dt_ms);
          throw new InvalidParameterError(
            `learning rule "${r.name}" of projection "${projName}" was built for dt = ${built} but the network ` +
              `steps at dt = ${this.dt_ms} ms ` +
              `(its trace decays would be wrong); remove it (net.projection("${projName}").rules.splice(${k}, 1)) ` +
              `and build it again with the network's dt`,
          );
        }
      });
    }
    const targets: Population[] = [];
    const drives: Drive[] = [];
    for (const [name, given] of Object.entries(inputs)) {
      const pop = this.population(name);
      if (Array.isArray(given) && given.length === 0) {
        throw new InvalidParameterError(
          `the inputs for "${name}" are an empty list; give an input, a list of inputs, or leave "${name}" out`,
        );
      }
      // a list of inputs (not a list of numbers: a constant input written as a plain array, which is refused
      // below with the advice to convert it)
      const list =
        Array.isArray(given) && !given.every((x) => typeof x === "number")
          ? (given as readonly unknown[])
          : undefined;
      const each = list ?? [given];
      if (list !== undefined && steps > 1 && list.length === steps && list.every(isFloat32Array)) {
        // snnTorch's [T][N] input written as a list: each array is a constant added at every step, not the
        // input of one step, which the sum makes easy to miss
        log.warn(
          "input-list-per-step",
          `the inputs for "${name}" are ${steps} arrays for a run of ${steps} steps; a list adds its inputs up, ` +
            `each at every step (docs/inputs.md), so every array acts at all ${steps} steps. For one array per ` +
            `step, give a drive: a SpikeTrain for spikes (SpikeTrain.fromEvents), a HeldCurrentDrive with holdSteps 1 ` +
            `for currents, or a drive of your own (docs/inputs.md)`,
        );
      }
      for (let k = 0; k < each.length; k++) {
        const label = list === undefined ? `input for "${name}"` : `input at index ${k} for "${name}"`;
        if (list !== undefined && !Object.hasOwn(list, k)) {
          throw new InvalidParameterError(`${label} is missing (a hole in the list); give an input there`);
        }
        if (list !== undefined && Array.isArray(each[k])) {
          throw new InvalidParameterError(
            `${label} is a list; lists of inputs do not nest: give the inputs in one flat list`,
          );
        }
        drives.push(this.checkedDrive(name, label, pop, each[k], steps));
        targets.push(pop);
      }
    }

    this.running = true;
    try {
      this.steps(drives, targets, steps);
    } finally {
      this.running = false;
    }
  }

  /**
   * One input of `run` checked: a Float32Array (length, finite values; a ConstantDrive) or a drive (its steps
   * cover the run, its dt is the network's, its size the population's). `label` names it in errors.
   */
  private checkedDrive(name: string, label: string, pop: Population, given: unknown, steps: number): Drive {
    const constant = isFloat32Array(given);
    if (!constant && (given == null || typeof (given as Partial<Drive>).apply !== "function")) {
      throw new InvalidParameterError(
        `${label} must be a Float32Array of ${pop.size} values (added every step) or a drive ` +
          `with apply(step, population) (a spike train, HeldCurrentDrive, ...), got ${describeValue(given)}` +
          (Array.isArray(given) || ArrayBuffer.isView(given)
            ? "; convert an array with Float32Array.from(values)"
            : ""),
      );
    }
    if (constant) {
      const d = given;
      if (d.length !== pop.size) {
        throw new ShapeMismatchError(
          `${label} has length ${d.length} but the population has ${pop.size} neurons`,
          { input: name, length: d.length, size: pop.size },
        );
      }
      // a plain loop: findIndex's callback boxed every non-integer value it was handed
      let bad = -1;
      for (let k = 0; k < d.length; k++) {
        if (!Number.isFinite(d[k])) {
          bad = k;
          break;
        }
      }
      if (bad >= 0) {
        throw new InvalidParameterError(
          `${label} has ${d[bad]} at neuron ${bad}; every value must be a finite number ` +
            `(it is added into the "${pop.portNames[0]}" port at every step)`,
          { input: name, index: bad, value: d[bad] },
        );
      }
      return new ConstantDrive(d);
    } else {
      const d = given as Drive;
      if (d.steps !== undefined && !(Number.isInteger(d.steps) && d.steps >= 0)) {
        throw new InvalidParameterError(
          `${label} says it covers ${String(d.steps)} steps; a drive's steps must be a whole ` +
            `number >= 0, or absent for a drive without end`,
        );
      }
      if (d.steps !== undefined && d.steps < steps) {
        throw new InvalidParameterError(
          `${label} covers ${d.steps} steps but run() was asked for ${steps}; ` +
            `encode at least ${steps} steps or run fewer`,
        );
      }
      const dtIn: unknown = d.dt_ms;
      if (dtIn !== undefined && !(typeof dtIn === "number" && dtIn > 0 && Number.isFinite(dtIn))) {
        throw new InvalidParameterError(
          `${label} says it was made for dt_ms = ${describeValue(dtIn)}; a drive's dt_ms must be ` +
            `a number of ms > 0, or absent for a drive that fits any step`,
          { input: name },
        );
      }
      if (dtIn !== undefined && !sameStep(dtIn, this.dt_ms)) {
        const ratio = dtIn / this.dt_ms;
        const shown = +ratio.toPrecision(4) === 1 ? ratio : +ratio.toPrecision(4);
        throw new TimeStepError(
          `${label} was encoded for dt = ${dtIn} ms but the network steps at dt = ${this.dt_ms} ms, ` +
            `so its rates and spike times would be off by a factor ${shown}; ` +
            `encode it again with dt_ms: ${this.dt_ms}`,
          { input: name, inputDt_ms: dtIn, dt_ms: this.dt_ms },
        );
      }
      requireDriveSize(name, label, d, pop);
      // a drive that names its port (HeldCurrentDrive, NoiseCurrentDrive) is checked before the first step,
      // so that the error names the input rather than only the population's model
      const port: unknown = (d as { port?: unknown }).port;
      if (typeof port === "string" && !pop.portNames.includes(port)) {
        throw new NotFoundError(
          `${label} adds into port "${port}", which the ${pop.model} population "${name}" does not have; ` +
            `its ports are: ${pop.portNames.join(", ")}`,
          { input: name, port, ports: pop.portNames },
        );
      }
      return d;
    }
  }

  /** The step loop of `run` over checked drives. */
  private steps(drives: readonly Drive[], targets: readonly Population[], steps: number): void {
    const pops = this.popList;
    const subs = this.subList;
    const projs = this.projList;
    const mons = this.monitors;
    // read once: `learning` cannot change while running, and the end-of-run hooks below use the same value
    const learning = this.learningOn;
    const ctx = { step: 0, dt_ms: this.dt_ms, learning };
    for (let k = 0; k < pops.length; k++) pops[k].beforeRun?.();
    ctx.step = this.t;
    for (let k = 0; k < projs.length; k++) projs[k].beforeRun?.(ctx);
    for (let s = 0; s < steps; s++) {
      ctx.step = this.t;
      for (let k = 0; k < projs.length; k++) projs[k].deliver();
      for (let k = 0; k < drives.length; k++) drives[k].apply(s, targets[k]);
      for (let k = 0; k < pops.length; k++) pops[k].step(ctx);
      for (let k = 0; k < subs.length; k++) subs[k].refresh();
      for (let k = 0; k < projs.length; k++) {
        const rules = projs[k].rules;
        for (let r = 0; r < rules.length; r++) {
          const rule = rules[r];
          if (rule.observe) rule.observe(ctx);
          if (learning) rule.update(ctx);
        }
      }
      // the step is taken: count it before the monitors record it, so that a monitor that throws (a full
      // SpikeMonitor) leaves `time` equal to the steps the populations have taken
      const now = this.t++;
      for (let k = 0; k < mons.length; k++) {
        try {
          mons[k].record(now);
        } catch (e) {
          // the other monitors still record this step, so they all end at the step the network took
          for (let rest = k + 1; rest < mons.length; rest++) {
            try {
              mons[rest].record(now);
            } catch {
              // a second failing monitor: the first error is the one reported
            }
          }
          throw e;
        }
      }
    }
    // index loops: a for-of allocated an iterator per run
    for (let k = 0; k < projs.length; k++) {
      const p = projs[k];
      p.afterRun?.(learning);
      if (!learning) continue;
      const rules = p.rules;
      for (let r = 0; r < rules.length; r++) rules[r].afterRun?.();
    }
  }

  /**
   * Back to the initial transient state: voltages, refractory counters, synaptic currents, traces, spikes,
   * the step counter, and every monitor's recording. Weights and learned thresholds are kept.
   */
  reset(): void {
    this.refuseWhileRunning("reset");
    for (const p of this.popList) p.reset();
    for (const s of this.subList) s.reset();
    for (const p of this.projList) {
      p.reset?.();
      for (const r of p.rules) r.reset();
    }
    for (const m of this.monitors) m.reset();
    this.t = 0;
  }
}
