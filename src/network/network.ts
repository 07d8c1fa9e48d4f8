/**
 * A network of named populations and projections, stepped in the fixed order of docs/conventions.md:
 *   1. deliver the spikes of step t-1 through every projection (one-step synaptic delay);
 *   2. add the external input of step t;
 *   3. step every population (integrate, threshold, reset, refractory) in insertion order;
 *   4. while learning, apply every projection's learning rules;
 *   5. record monitors.
 * `run` ends by calling each projection's `afterRun` (per-example weight normalisation) when learning.
 */
import {
  InvalidParameterError,
  NotFoundError,
  ShapeMismatchError,
  requireInteger,
  requirePositive,
} from "../core/errors.ts";
import { requireKnownKeys } from "../core/options.ts";
import type { Drive, Population, Projection, StepContext } from "./types.ts";
import { isSpikeSink } from "./types.ts";

/** Something that records from the network after every step. */
export interface Monitor {
  record(step: number): void;
  /** Empties the recording (called by `Network.reset`). */
  reset(): void;
}

export type InputMap = Readonly<Record<string, Drive | Float32Array>>;

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

export class Network {
  readonly dt_ms: number;
  /** When false every plastic quantity is frozen: weights, adaptive thresholds, normalisation. */
  learning: boolean;
  private readonly pops = new Map<string, Population>();
  private readonly projs = new Map<string, Projection>();
  private popList: Population[] = [];
  private projList: Projection[] = [];
  private readonly monitors: Monitor[] = [];
  private t = 0;

  constructor(opts: NetworkOptions) {
    requireKnownKeys("Network options", opts, ["dt_ms", "learning"]);
    this.dt_ms = requirePositive("dt_ms", opts.dt_ms);
    this.learning = opts.learning ?? true;
  }

  /** Steps taken since the last `reset()`. */
  get time(): number {
    return this.t;
  }

  addPopulation<P extends Population>(name: string, pop: P): P {
    if (this.pops.has(name)) {
      throw new InvalidParameterError(`a population named "${name}" already exists; choose another name`);
    }
    const dt = (pop as { dt_ms?: number }).dt_ms;
    if (dt !== undefined && dt !== this.dt_ms) {
      throw new InvalidParameterError(
        `population "${name}" was built for dt = ${dt} ms but the network steps at dt = ${this.dt_ms} ms; ` +
          `build it with the network's dt`,
      );
    }
    this.pops.set(name, pop);
    this.popList = [...this.pops.values()];
    return pop;
  }

  addProjection<P extends Projection>(name: string, proj: P): P {
    if (this.projs.has(name)) {
      throw new InvalidParameterError(`a projection named "${name}" already exists; choose another name`);
    }
    for (const end of [proj.source, proj.target]) {
      if (!this.popList.includes(end)) {
        throw new InvalidParameterError(
          `projection "${name}" connects a population that is not in this network; add it with addPopulation first`,
        );
      }
    }
    this.projs.set(name, proj);
    this.projList = [...this.projs.values()];
    return proj;
  }

  addMonitor<M extends Monitor>(monitor: M): M {
    this.monitors.push(monitor);
    return monitor;
  }

  population<P extends Population = Population>(name: string): P {
    const p = this.pops.get(name);
    if (!p) {
      throw new NotFoundError(
        `no population "${name}"; the network has: ${[...this.pops.keys()].join(", ") || "none"}`,
      );
    }
    return p as P;
  }

  projection<P extends Projection = Projection>(name: string): P {
    const p = this.projs.get(name);
    if (!p) {
      throw new NotFoundError(
        `no projection "${name}"; the network has: ${[...this.projs.keys()].join(", ") || "none"}`,
      );
    }
    return p as P;
  }

  get populationNames(): string[] {
    return [...this.pops.keys()];
  }

  get projectionNames(): string[] {
    return [...this.projs.keys()];
  }

  /**
   * Runs `steps` steps. `inputs` maps population names to drives (spike trains, current sources) or to a
   * Float32Array applied unchanged at every step. A drive's step index counts from 0 within this run.
   * A Float32Array is added into the population's default port (`portNames[0]`: "dv_mV" for LIF, a voltage
   * jump, not a current; docs/inputs.md); it is checked once here (length, finite values), not per step.
   */
  run(inputs: InputMap, steps: number): void {
    requireInteger("steps", steps, 0);
    const targets: Population[] = [];
    const drives: Drive[] = [];
    for (const [name, d] of Object.entries(inputs)) {
      const pop = this.population(name);
      if (d instanceof Float32Array) {
        if (d.length !== pop.size) {
          throw new ShapeMismatchError(
            `input for "${name}" has length ${d.length} but the population has ${pop.size} neurons`,
            { input: name, length: d.length, size: pop.size },
          );
        }
        const bad = d.findIndex((x) => !Number.isFinite(x));
        if (bad >= 0) {
          throw new InvalidParameterError(
            `input for "${name}" has ${d[bad]} at neuron ${bad}; every value must be a finite number ` +
              `(it is added into the "${pop.portNames[0]}" port at every step)`,
            { input: name, index: bad, value: d[bad] },
          );
        }
        drives.push(new ConstantDrive(d));
      } else {
        if (d.steps !== undefined && d.steps < steps) {
          throw new InvalidParameterError(
            `input for "${name}" covers ${d.steps} steps but run() was asked for ${steps}; ` +
              `encode at least ${steps} steps or run fewer`,
          );
        }
        drives.push(d);
      }
      targets.push(pop);
    }

    const pops = this.popList;
    const projs = this.projList;
    const mons = this.monitors;
    const ctx = { step: 0, dt_ms: this.dt_ms, learning: this.learning };
    for (let s = 0; s < steps; s++) {
      ctx.step = this.t;
      for (let k = 0; k < projs.length; k++) projs[k].deliver();
      for (let k = 0; k < drives.length; k++) drives[k].apply(s, targets[k]);
      for (let k = 0; k < pops.length; k++) pops[k].step(ctx as StepContext);
      for (let k = 0; k < projs.length; k++) {
        const rules = projs[k].rules;
        for (let r = 0; r < rules.length; r++) {
          const rule = rules[r];
          if (rule.observe) rule.observe(ctx);
          if (ctx.learning) rule.update(ctx);
        }
      }
      for (let k = 0; k < mons.length; k++) mons[k].record(this.t);
      this.t++;
    }
    for (const p of projs) {
      p.afterRun?.(this.learning);
      if (this.learning) for (const r of p.rules) r.afterRun?.();
    }
  }

  /**
   * Back to the initial transient state: voltages, refractory counters, synaptic currents, traces, spikes,
   * the step counter, and every monitor's recording. Weights and learned thresholds are kept.
   */
  reset(): void {
    for (const p of this.popList) p.reset();
    for (const p of this.projList) {
      p.reset?.();
      for (const r of p.rules) r.reset();
    }
    for (const m of this.monitors) m.reset();
    this.t = 0;
  }
}
