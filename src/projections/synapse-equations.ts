/**
 * Synapses from text, as Brian2's `Synapses(P, Q, model, on_pre, on_post)` (docs/synapse-equations.md):
 * per-synapse variables declared in `model` (`w : 1`, `dapre/dt = -apre/taupre : 1 (event-driven)`) and
 * statements run for each synapse of a presynaptic spike (`on_pre`: "ge += w; apre += Apre; w = clip(w + apost,
 * 0, wmax)") and of a postsynaptic spike (`on_post`). Connectivity is CSR, built by Sparse's builders (triplets,
 * CSR arrays, at random with p) or from a predicate.
 *
 * Timing. Brian2 runs `on_pre` for the spikes of step s (arrived after the delay) in step s after the
 * thresholds, then `on_post` for the target's spikes of step s, and its `ge += w` is seen by the integration
 * of step s + 1. Here both run in the delivery of step s + 1 (phase 1, docs/conventions.md), on_pre first,
 * with the time of step s, and a port statement adds into the target's port, which step s + 1 consumes: the
 * same effect. Event-driven variables decay exactly from their synapse's last event to the event's step.
 *
 * Learning: with `net.learning` false the statements that assign a plastic variable (the `plastic` option,
 * default w) are skipped, so those variables stay as they are; every other statement runs (port increments,
 * traces, short-term plasticity variables), as when learning. `Network.run` says whether it
 * learns, and the step it starts at, through `beforeRun` (the only hook this class needs from the network).
 */
import { DivergenceError, InvalidParameterError } from "../core/errors.ts";
import { closestKey, describeValue, requireKnownKeys } from "../core/options.ts";
import type { Rng } from "../core/rng.ts";
import type {
  LearningRule,
  Population,
  Projection,
  SpikeSource,
  StepContext,
  SynapseView,
  WeightBounds,
} from "../network/types.ts";
import { requirePopulation, storedBounds } from "../network/types.ts";
import { checkBounds, refuseDelayChange, requireWithinBounds } from "./common.ts";
import { SpikeDelayLine, delaySteps } from "./delay.ts";
import { Sparse } from "./sparse.ts";
import { analyseSynapses } from "./synapse-equations/model.ts";
import {
  checkInit,
  checkParams,
  checkPlastic,
  connectivity,
  refuseUnused,
} from "./synapse-equations/options.ts";
import { compileSynapses, synapseSource } from "./synapse-equations/codegen.ts";
import type { CompiledSynapses } from "./synapse-equations/codegen.ts";
import type { SynapseModel } from "./synapse-equations/model.ts";

/**
 * Which synapses exist: triplets `{ pre, post }` (repeats refused), CSR arrays `{ rowPtr, colIdx }`, each pair
 * with probability p (`{ p, rng, allowSelf? }`, Sparse.random's draw), or a predicate (pre, post) => boolean
 * asked for every pair (Brian2's `connect(condition=...)`; cost pre x post calls).
 */
export type SynapseConnect =
  | { readonly pre: ArrayLike<number>; readonly post: ArrayLike<number> }
  | { readonly rowPtr: ArrayLike<number>; readonly colIdx: ArrayLike<number> }
  | { readonly p: number; readonly rng: Rng; readonly allowSelf?: boolean }
  | ((pre: number, post: number) => boolean);

/** A per-synapse start value: one number, one per synapse in CSR order, or a function of (pre, post). */
export type SynapseInit = number | ArrayLike<number> | ((pre: number, post: number) => number);

export interface SynapseEquationsOptions {
  /** Per-synapse variables, one per line: `x : unit` (a parameter) or `dx/dt = -x/tau : unit (event-driven)`. */
  readonly model: string;
  /** Statements run for each synapse of a presynaptic spike (after the delay), `;` or new lines between. */
  readonly on_pre?: string | undefined;
  /** Statements run for each synapse of a postsynaptic spike, after on_pre. */
  readonly on_post?: string | undefined;
  /** The synapses (see `SynapseConnect`). */
  readonly connect: SynapseConnect;
  /** The network's time step in ms (event-driven decays, `t`, `dt`, the delay). */
  readonly dt_ms: number;
  /** Values of the constants the texts use (one number each, shared by every synapse). */
  readonly params?: Readonly<Record<string, number>> | undefined;
  /** Start value of each per-synapse variable (default 0); event-driven ones return to it at `reset()`. */
  readonly init?: Readonly<Record<string, SynapseInit>> | undefined;
  /** Inclusive bounds of `w` (needs a variable `w`): checked at start, enforced after every statement that assigns w. */
  readonly bounds?: WeightBounds | undefined;
  /** Conduction delay in ms added to the one-step delivery, one for every synapse (src/projections/delay.ts). */
  readonly delay_ms?: number | undefined;
  /**
   * The per-synapse variables that `net.learning = false` freezes: the statements assigning them are skipped
   * then, every other statement runs. Default ["w"] when the model has w, else [].
   */
  readonly plastic?: readonly string[] | undefined;
}

const OPTION_KEYS = [
  "model",
  "on_pre",
  "on_post",
  "connect",
  "dt_ms",
  "params",
  "init",
  "bounds",
  "delay_ms",
  "plastic",
];

export class SynapseEquations implements Projection {
  readonly kind = "synapse-equations";
  readonly source: Population;
  readonly target: Population;
  /** The first port the statements add into (the target's first port when none does). */
  readonly port: string;
  readonly rules: LearningRule[] = [];
  readonly dt_ms: number;
  readonly bounds?: WeightBounds;
  /** The per-synapse variables in the order of the model: name, unit as written, event-driven or not. */
  readonly variables: readonly {
    readonly name: string;
    readonly unit: string;
    readonly eventDriven: boolean;
  }[];
  /** The variables frozen while `net.learning` is false (the `plastic` option). */
  readonly plastic: readonly string[];
  /** The generated JavaScript of both pathways, for reading. */
  readonly code: string;
  /** Synapses in CSR form (rows = pre neurons); its `w` is the variable `w` when the model has one. */
  private readonly csr: Sparse;
  private readonly buffers: readonly Float32Array[];
  private readonly initial: readonly (number | Float32Array)[];
  private readonly lastStep: Int32Array;
  private readonly line: SpikeDelayLine | undefined;
  private readonly compiled: CompiledSynapses;
  private readonly preStates: readonly string[];
  private readonly postStates: readonly string[];
  private readonly ports: readonly string[];
  private readonly R: Float32Array[];
  private readonly T: Float32Array[];
  private readonly Q: Float32Array[];
  private readonly settingsRecord: Readonly<Record<string, unknown>>;
  private readonly hasW: boolean;
  private readonly model: SynapseModel;
  private readonly delayMs: number;
  private readonly delayStepCount: number;
  /** The network step of the next delivery (its events are of the step before). */
  private now = 0;
  private learning = true;

  constructor(source: Population, target: Population, options: SynapseEquationsOptions) {
    requirePopulation("SynapseEquations source", source);
    requirePopulation("SynapseEquations target", target);
    if (typeof options !== "object" || options === null) {
      throw new InvalidParameterError(
        `SynapseEquations needs its options { model, on_pre, on_post, connect, dt_ms, ... }, got ` +
          `${describeValue(options)}; e.g. new SynapseEquations(P, Q, { model: "w : 1", on_pre: "ge += w", ` +
          `connect: { p: 0.1, rng }, dt_ms: net.dt_ms, init: { w: 0.5 } })`,
      );
    }
    requireKnownKeys("SynapseEquations options", options, OPTION_KEYS);
    const dt_ms: unknown = options.dt_ms;
    if (typeof dt_ms !== "number" || !(dt_ms > 0 && Number.isFinite(dt_ms))) {
      throw new InvalidParameterError(
        `SynapseEquations needs dt_ms, the network's time step (event-driven decays and t count in it), got ` +
          `${describeValue(dt_ms)}; e.g. { ..., dt_ms: net.dt_ms }`,
      );
    }
    const text = (name: "model" | "on_pre" | "on_post", required: boolean) => {
      const value: unknown = options[name];
      if (value === undefined && !required) return undefined;
      if (typeof value !== "string") {
        throw new InvalidParameterError(
          `SynapseEquations ${name} must be a string, got ${describeValue(value)}` +
            (name === "model" ? '; e.g. "w : 1" (use "" for synapses without variables)' : ""),
        );
      }
      return { label: name, text: value };
    };
    const params = checkParams(options.params);
    const ends = {
      preStates: source.stateNames,
      postStates: target.stateNames,
      postPorts: target.portNames,
    };
    const model = analyseSynapses(
      {
        model: text("model", true) as { label: string; text: string },
        onPre: text("on_pre", false),
        onPost: text("on_post", false),
      },
      [...params.keys()],
      ends,
    );
    refuseUnused(params, model);

    this.source = source;
    this.target = target;
    this.dt_ms = dt_ms;
    this.model = model;
    this.csr = connectivity(source, target, options.connect);
    const nnz = this.csr.nnz;
    const names = model.variables.map((v) => v.name);
    this.hasW = names.includes("w");
    this.variables = Object.freeze(
      model.variables.map((v) => Object.freeze({ name: v.name, unit: v.unit, eventDriven: v.eventDriven })),
    );
    this.plastic = Object.freeze(checkPlastic(options.plastic, names));
    const init = checkInit(options.init, names, this.csr);
    this.initial = init;
    this.buffers = names.map((name, m) => {
      const b = name === "w" ? this.csr.w : new Float32Array(nnz);
      const v = init[m];
      if (typeof v === "number") b.fill(v);
      else b.set(v);
      return b;
    });
    this.lastStep = new Int32Array(nnz);
    if (options.bounds !== undefined) {
      if (!this.hasW) {
        throw new InvalidParameterError(
          `SynapseEquations bounds apply to the variable w, which the model does not declare; add "w : 1" or ` +
            `leave bounds out`,
        );
      }
      this.bounds = checkBounds(options.bounds) as WeightBounds;
      requireWithinBounds(this.csr.w, this.bounds, "SynapseEquations");
    }
    const steps = delaySteps("SynapseEquations", options.delay_ms, dt_ms);
    this.line = steps === 0 ? undefined : new SpikeDelayLine(source, steps);
    this.delayMs = steps === 0 ? 0 : (options.delay_ms as number);
    this.delayStepCount = steps;

    const used = (side: "pre" | "post") => [
      ...new Set([...model.names.values()].flatMap((r) => (r.kind === side ? [r.state] : []))),
    ];
    this.preStates = used("pre");
    this.postStates = used("post");
    this.ports = [
      ...new Set(
        [...model.onPre, ...model.onPost].flatMap((s) => (s.target.kind === "port" ? [s.target.port] : [])),
      ),
    ];
    this.port = this.ports[0] ?? target.portNames[0];
    this.R = this.preStates.map(() => new Float32Array(0));
    this.T = this.postStates.map(() => new Float32Array(0));
    // a port is the same buffer at every call (the Population contract), so it is taken once, as every
    // projection takes its port; neuron states are read per step, since some models refresh them on request
    this.Q = this.ports.map((name) => target.port(name));
    this.code = synapseSource({
      model,
      dt_ms,
      params,
      preStates: this.preStates,
      postStates: this.postStates,
      ports: this.ports,
      plastic: this.plastic.map((n) => names.indexOf(n)),
      wBounds: this.bounds === undefined ? undefined : (storedBounds(this.bounds, true) as [number, number]),
    });
    const fanIn = this.csr.maxFanIn;
    const csr = this.csr;
    this.compiled = compileSynapses(this.code, {
      variables: this.buffers,
      lastStep: this.lastStep,
      rowPtr: csr.rowPtr,
      colIdx: csr.colIdx,
      incoming: (j, pre, syn) => csr.incoming(j, pre, syn),
      scratchPre: new Int32Array(fanIn),
      scratchSyn: new Int32Array(fanIn),
      fail: (k, m, value) => this.diverged(k, m, value),
      failDecay: (k, m, value, before, elapsed, rate) =>
        this.decayDiverged(k, m, value, before, elapsed, rate),
    });
    this.settingsRecord = Object.freeze({
      model: options.model,
      on_pre: options.on_pre ?? null,
      on_post: options.on_post ?? null,
      params: Object.freeze(Object.fromEntries(params)),
      init: Object.freeze(
        Object.fromEntries(
          names.map((n, m) => [n, typeof init[m] === "number" ? init[m] : "per synapse"] as const),
        ),
      ),
      delay_ms: steps === 0 ? 0 : options.delay_ms,
      // only when not the default, so that networks saved before the option compare equal
      ...(options.plastic === undefined ? {} : { plastic: this.plastic }),
    });
  }

  /** Number of synapses. */
  get nnz(): number {
    return this.csr.nnz;
  }

  /** CSR row pointers (length pre + 1) and post indices of the synapses; synapse k is entry k. */
  get rowPtr(): Int32Array {
    return this.csr.rowPtr;
  }
  get colIdx(): Int32Array {
    return this.csr.colIdx;
  }

  /** Conduction delay in ms added to the one-step delivery (0: none); fixed at construction. */
  get delay_ms(): number {
    return this.delayMs;
  }
  /** Refuses a new delay (Brian2's `S.delay = 2*ms` has no equivalent): the delay line is sized for it. */
  set delay_ms(_value: never) {
    refuseDelayChange("delay_ms");
  }

  /** The delay in steps, `delay_ms / dt_ms`; fixed at construction. */
  get delaySteps(): number {
    return this.delayStepCount;
  }
  set delaySteps(_value: never) {
    refuseDelayChange("delaySteps");
  }

  /**
   * Why this projection is more than static weights, or undefined when it is one: its on_pre is exactly one
   * statement `<port> += w`, it has no on_post and `w` is not event-driven (so no other per-synapse variable
   * is written either). The NIR export writes only such a projection, as a Linear of `w`.
   */
  staticWeightsRefusal(): string | undefined {
    const { onPre, onPost, variables } = this.model;
    const w = variables.find((v) => v.name === "w");
    if (w === undefined) return "it has no variable w";
    if (w.eventDriven) return "w is event-driven (it decays between events)";
    if (onPost.length > 0)
      return `it has on_post statements (${JSON.stringify(this.settingsRecord.on_post)})`;
    const s = onPre[0];
    if (
      onPre.length !== 1 ||
      s.target.kind !== "port" ||
      s.op !== "+=" ||
      s.value.kind !== "name" ||
      s.value.name !== "w"
    ) {
      return `its on_pre (${JSON.stringify(this.settingsRecord.on_pre)}) is not exactly one statement "${this.port} += w"`;
    }
    return undefined;
  }

  /** The live buffer of a per-synapse variable (one value per synapse, CSR order). */
  variable(name: string): Float32Array {
    const m = this.variables.findIndex((v) => v.name === name);
    if (m < 0) {
      const names = this.variables.map((v) => v.name);
      const near = closestKey(name, names);
      throw new InvalidParameterError(
        `SynapseEquations has no variable '${name}'; its variables are ${names.join(", ") || "none"}` +
          (near !== undefined ? ` (did you mean ${near}?)` : ""),
      );
    }
    return this.buffers[m];
  }

  /** The weights `w` as a SynapseView (monitors, normalisation, STDP rules); undefined without `w`. */
  get view(): SynapseView | undefined {
    return this.hasW ? this.csr : undefined;
  }

  /** With a delay: the presynaptic spikes arriving in the step being taken (what a rule pairs). */
  get arrivals(): SpikeSource | undefined {
    return this.line?.arrivals;
  }

  /** Called by `Network.run` before its first step: the step it starts at and whether it learns. */
  beforeRun(ctx: StepContext): void {
    this.now = ctx.step;
    this.learning = ctx.learning;
  }

  /** Runs on_pre for the arriving presynaptic spikes, then on_post for the target's spikes (file header). */
  deliver(): void {
    const ts = this.now - 1;
    this.now++;
    for (let r = 0; r < this.R.length; r++) this.R[r] = this.source.state(this.preStates[r]);
    for (let r = 0; r < this.T.length; r++) this.T[r] = this.target.state(this.postStates[r]);
    const c = this.compiled;
    const line = this.line;
    let idx = this.source.spikeIdx;
    let count = this.source.spikeCount;
    if (line !== undefined) {
      line.advance();
      idx = line.deliveredIdx;
      count = line.deliveredCount;
    }
    (this.learning ? c.pre : c.preFrozen)(idx, count, ts, this.R, this.T, this.Q);
    const tgt = this.target;
    (this.learning ? c.post : c.postFrozen)(tgt.spikeIdx, tgt.spikeCount, ts, this.R, this.T, this.Q);
  }

  /**
   * Back to the start of time: spikes in flight dropped, every event-driven variable back to its `init` value
   * and every synapse's last event at step 0. The other per-synapse variables (w and every `x : unit`) are
   * kept, as a projection keeps its weights.
   */
  reset(): void {
    this.line?.reset();
    this.now = 0;
    this.lastStep.fill(0);
    this.variables.forEach((v, m) => {
      if (!v.eventDriven) return;
      const init = this.initial[m];
      if (typeof init === "number") this.buffers[m].fill(init);
      else this.buffers[m].set(init);
    });
  }

  /** The per-synapse variables that `reset()` keeps (all but the event-driven ones), live, by name. */
  parameters(): Readonly<Record<string, Float32Array>> {
    return Object.fromEntries(
      this.variables.flatMap((v, m) => (v.eventDriven ? [] : [[v.name, this.buffers[m]] as const])),
    );
  }

  /** The CSR pattern, which restored variables must belong to. */
  structure(): Readonly<Record<string, Int32Array>> {
    return this.csr.structure();
  }

  /** The texts, constants, start values (per-synapse ones as "per synapse") and delay. */
  settings(): Readonly<Record<string, unknown>> {
    return this.settingsRecord;
  }

  private diverged(k: number, m: number, value: number): never {
    const name = this.variables[m].name;
    throw new DivergenceError(
      `SynapseEquations synapse ${k}: ${name} = ${value} left the float32 range of its buffer; check the ` +
        `statements that assign ${name}`,
      { synapse: k, variable: name, value },
    );
  }

  /** An event-driven decay x <- x exp(A elapsed) that gave no float32 number: says which of its parts did. */
  private decayDiverged(
    k: number,
    m: number,
    value: number,
    before: number,
    elapsed_ms: number,
    rate: number,
  ): never {
    const name = this.variables[m].name;
    let why: string;
    if (Number.isNaN(rate) || (!Number.isFinite(rate) && elapsed_ms === 0)) {
      why =
        `its rate A is ${rate}` +
        (Number.isNaN(rate) ? "" : `, and exp(A * 0 ms) for an event at the time of the last one is NaN`) +
        `: a time constant of 0 (d${name}/dt = -${name}/tau with tau = 0, a per-synapse tau set to 0 in init?)`;
    } else if (rate > 0) {
      why =
        `its rate A = ${rate} /ms is positive, so ${name} grows as exp(A t) instead of decaying ` +
        `(d${name}/dt = ${name}/tau for -${name}/tau?)`;
    } else {
      why = `its rate A is ${rate} /ms`;
    }
    throw new DivergenceError(
      `SynapseEquations synapse ${k}: the event-driven decay of ${name} (d${name}/dt = A ${name}, applied as ` +
        `${name} * exp(A * ${elapsed_ms} ms) since the synapse's last event, from ${name} = ${before}) gave ` +
        `${value}, outside the float32 range; ${why}`,
      { synapse: k, variable: name, value, before, elapsed_ms, rate },
    );
  }
}
