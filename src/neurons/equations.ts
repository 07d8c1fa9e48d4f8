/**
 * A neuron model written as equation strings, as Brian2's `NeuronGroup(N, eqs, threshold, reset, refractory,
 * method)` takes it; docs/models/equations.md.
 *
 *   new Equations(size, dt_ms, {
 *     equations: `dv/dt = (El - v + R*I)/tau : mV (unless refractory)
 *                 dI/dt = -I/tau_syn : nA`,
 *     threshold: "v > -50*mV", reset: "v = -60*mV", refractory_ms: 2,
 *     params: { El: -65, R: 10, tau: 20, tau_syn: 5 },
 *   })
 *
 * Each step (docs/conventions.md's order): every variable x first takes what its port of the same name
 * received (x <- x + port, a projection's weight added as Brian2's `on_pre: "x += w"` adds it; a held variable
 * discards it); then every variable is integrated over dt from the values at the start of the step
 * (`method`, below), so the order of the equations does not matter; then the threshold is tested on the new
 * values (not while refractory) and the reset statements run, in order, for each neuron that spiked.
 *
 * Methods, for x' = f(...):
 *   "euler":             x <- x + dt f
 *   "exponential-euler": for f = A x + B (A and B free of x): x <- F + (x - F) e^(A dt), F = -B/A
 *                        (x <- x + dt B where A = 0); the default when every equation has that form
 *   "rk4":               classic fourth-order Runge-Kutta, t advanced with the stages
 *   "exact":             for x' = A x + b with A and b constant (numbers, dt, uniform parameters):
 *                        x <- P x + q, [[P, q], [0, 1]] = e^([[A, b], [0, 0]] dt) computed at construction
 *                        (equations/exact.ts); never the default (Brian2's default would pick it)
 * Noise: a term g*xi (xi, xi_1, ...: white noise, 1/sqrt(ms)) with g free of the state adds sqrt(dt) g N(0, 1)
 * after the method's step (with "euler", Euler-Maruyama), the draws from the `rng` option (equations/noise.ts).
 * Refractoriness: `refractory_ms` R / dt steps (docs/conventions.md); while refractory, variables flagged
 * `(unless refractory)` keep their value and their port input is discarded, the others integrate and take
 * input, and the threshold is not tested.
 *
 * State is float32 like every model's (`state(name)` is the live buffer), arithmetic within a step float64.
 */
import {
  DivergenceError,
  InvalidParameterError,
  NotFoundError,
  requireFinite,
  requireFloat32,
} from "../core/errors.ts";
import { closestKey, describeValue, optionKeys, requireOptions } from "../core/options.ts";
import type { StepContext } from "../network/types.ts";
import { BUILTINS, NO_SPIKE_YET_MS, analyse } from "./equations/analyse.ts";
import { exactPropagator } from "./equations/exact.ts";
import { linearForms } from "./equations/linear.ts";
import { splitNoise } from "./equations/noise.ts";
import { requireRng } from "../core/rng.ts";
import type { Rng } from "../core/rng.ts";
import type { Analysed } from "./equations/analyse.ts";
import { compileStep, stepSource } from "./equations/codegen.ts";
import type { EquationsMethod, GeneratedStep } from "./equations/codegen.ts";
import { parseEquations, parseExpression, parseStatements } from "./equations/parse.ts";
import type { Source } from "./equations/parse.ts";
import { unitValue } from "./equations/units.ts";
import { refractorySteps } from "./refractory.ts";
import {
  PopulationBase,
  fillInitial,
  isUniformList,
  perNeuron,
  requireNeuronDt,
  requireNoExtraArguments,
} from "./base.ts";
import type { PerNeuronValue } from "./base.ts";

export type { EquationsMethod } from "./equations/codegen.ts";
export { EQUATION_UNITS } from "./equations/units.ts";
export type { UnitConstant } from "./equations/units.ts";

const METHODS: readonly EquationsMethod[] = ["euler", "exponential-euler", "rk4", "exact"];

export interface EquationsOptions {
  /** The equations, one per line (`dx/dt = expr : unit (flags)`, `y = expr : unit`, `p : unit`); `#` comments. */
  readonly equations: string;
  /** A condition tested after integration, e.g. "v > -50*mV". Default: none (the neurons never spike). */
  readonly threshold?: string;
  /** Statements run for each neuron that spiked, e.g. "v = -60*mV; w += b". Default: none. */
  readonly reset?: string;
  /** Refractory period; a whole number of steps. Default 0 ms. */
  readonly refractory_ms?: number;
  /**
   * Integration scheme: "euler", "exponential-euler", "rk4" or "exact". Default "exponential-euler" when every
   * equation is linear in its variable, else "euler" (never "exact", which Brian2 would pick for linear systems).
   */
  readonly method?: EquationsMethod;
  /** Values of the names the equations use that are not variables: one number, or one per neuron. */
  readonly params?: Readonly<Record<string, PerNeuronValue>>;
  /** Initial (and after-`reset()`) value of each state variable: one number or one per neuron. Default 0. */
  readonly init?: Readonly<Record<string, PerNeuronValue>>;
  /**
   * The generator of the noise (`xi`, `xi_1`, ...): its `normal()` draws, e.g. `createRng(seed, "noise")`.
   * Required when the equations have noise, refused when they have none.
   */
  readonly rng?: Rng;
}

const OPTION_KEYS = optionKeys<EquationsOptions>({
  equations: true,
  threshold: true,
  reset: true,
  refractory_ms: true,
  method: true,
  params: true,
  init: true,
  rng: true,
});

/** What an `Equations` population was built with (`params`, and what `settings()` returns). */
export interface EquationsSettings {
  readonly equations: string;
  readonly threshold: string | null;
  readonly reset: string | null;
  readonly refractory_ms: number;
  /** The method used (the default resolved). */
  readonly method: EquationsMethod;
  /** Each parameter: a number, or a frozen array of one per neuron. */
  readonly params: Readonly<Record<string, number | readonly number[]>>;
  /** Each state variable's initial value: a number, or a frozen array of one per neuron. */
  readonly init: Readonly<Record<string, number | readonly number[]>>;
}

/** A state variable as the equations declare it. */
export interface EquationVariable {
  readonly name: string;
  /** The unit written after ":" ("" when none): documentation only, the value is in spikeflow's units. */
  readonly unit: string;
  /** Flagged `(unless refractory)`. */
  readonly unlessRefractory: boolean;
}

export class Equations extends PopulationBase {
  readonly model = "equations";
  readonly dt_ms: number;
  /** The texts, the method used, the parameters and initial values (frozen). */
  readonly params: EquationsSettings;
  /** The state variables in the order of the equations (also the ports' and `stateNames`' order). */
  readonly variables: readonly EquationVariable[];
  /** The units written for the sub-expressions and declared parameters, by name. */
  readonly units: Readonly<Record<string, string>>;
  /** The generated step's JavaScript, for reading (docs/models/equations.md, "What runs"). */
  readonly code: string;
  /** Steps of refractoriness left (docs/conventions.md). */
  readonly refractoryLeft: Int32Array;
  /**
   * Each neuron's last spike time in ms (the time at the start of its spike step), the equations' `lastspike`;
   * -1e7 ms (Brian2's -1e4 s) before the first spike and after `reset()`.
   */
  readonly lastSpike_ms: Float64Array;
  private readonly buffers: readonly Float32Array[];
  /** The sub-expressions (`I = ... : nA`), which are computed within the step and not stored. */
  private readonly subexpressionNames: readonly string[];
  private readonly initial: readonly (number | Float32Array)[];
  private readonly run: GeneratedStep;

  constructor(size: number, dt_ms: number, options: EquationsOptions, ...extra: never[]) {
    requireNoExtraArguments("Equations", "size, dt_ms, options", extra);
    requireNeuronDt(dt_ms);
    requireOptions(
      "Equations",
      options,
      OPTION_KEYS,
      'new Equations(n, dt_ms, { equations: "dv/dt = (El - v)/tau : mV", params: { El: -65, tau: 10 } })',
    );
    const texts = requireTexts(options);
    const { lines, threshold, reset } = parseAll(texts);
    const paramNames = Object.keys(options.params ?? {});
    const resolved = analyse({ equations: texts.equations, lines, threshold, reset, params: paramNames });
    const analysed: Analysed = {
      ...resolved,
      variables: splitNoise(texts.equations, resolved.variables, resolved.subs),
    };
    const noisy = analysed.variables.some((v) => (v.noise ?? []).length > 0);
    const names = analysed.variables.map((v) => v.name);
    super(size, names, names.length);
    this.dt_ms = dt_ms;

    const refractory_ms = options.refractory_ms ?? 0;
    requireFinite("refractory_ms", refractory_ms);
    const refSteps = refractorySteps(refractory_ms, dt_ms, 0, "refractory_ms");
    if (options.reset !== undefined && options.threshold === undefined) {
      throw new InvalidParameterError(
        "Equations: a reset was given without a threshold, so it would never run; give threshold too",
      );
    }
    const method = chooseMethod(options.method, analysed, texts.equations);
    if (method === "exact") {
      // refused before the generator is asked for: exact integration has no noise
      const noisyVar = analysed.variables.find((v) => (v.noise ?? []).length > 0);
      if (noisyVar !== undefined) {
        exactPropagator(texts.equations, [noisyVar], [], new Map(), [], dt_ms);
      }
    }
    const rng = checkRng(options.rng, noisy, method);
    const linear = linearForms(
      texts.equations,
      analysed.variables,
      analysed.subs,
      method === "exponential-euler",
    );
    const params = checkParams(options.params ?? {}, analysed, names, size);
    const init = checkInit(options.init ?? {}, names, size);
    const propagator =
      method === "exact"
        ? exactPropagator(
            texts.equations,
            analysed.variables,
            analysed.subs,
            params.uniform,
            params.perNeuron.map(([name]) => name),
            dt_ms,
          )
        : undefined;

    this.variables = Object.freeze(
      analysed.variables.map((v) =>
        Object.freeze({ name: v.name, unit: v.unit, unlessRefractory: v.unlessRefractory }),
      ),
    );
    this.subexpressionNames = Object.freeze(Object.keys(analysed.subexpressions));
    this.units = Object.freeze(
      Object.fromEntries([
        ...Object.entries(analysed.subexpressions).map(([n, u]) => [n, u.unit]),
        ...Object.entries(analysed.declared).map(([n, u]) => [n, u.unit]),
      ]),
    );
    this.params = Object.freeze({
      equations: options.equations,
      threshold: options.threshold ?? null,
      reset: options.reset ?? null,
      refractory_ms,
      method,
      params: params.stored,
      init: init.stored,
    });
    this.initial = init.values;
    this.buffers = names.map((name, k) => this.addState(name, init.values[k]));
    this.refractoryLeft = new Int32Array(size);
    this.lastSpike_ms = new Float64Array(size).fill(NO_SPIKE_YET_MS);
    this.code = stepSource({
      analysed,
      method,
      linear,
      propagator,
      size,
      dt_ms,
      refSteps,
      uniform: params.uniform,
      perNeuron: params.perNeuron.map(([name]) => name),
    });
    this.run = compileStep(this.code, {
      states: this.buffers,
      ports: names.map((_n, k) => this.portAt(k)),
      perNeuron: params.perNeuron.map(([, values]) => values),
      refractoryLeft: this.refractoryLeft,
      lastSpike: this.lastSpike_ms,
      rng,
      spikeIdx: this.spikeIdx,
      spiked: this.spiked,
      fail: (i, k, value, statement) =>
        statement === undefined
          ? this.diverged(i, k, value)
          : this.resetDiverged(i, k, value, analysed.reset[statement].text),
    });
  }

  step(ctx: StepContext): void {
    this.beginSpikes();
    this.setSpikeCount(this.run(ctx.step * this.dt_ms));
  }

  /** The construction settings a saved network records (src/network/settings.ts). */
  settings(): Readonly<Record<string, unknown>> {
    return this.params as unknown as Readonly<Record<string, unknown>>;
  }

  /**
   * The live buffer of a state variable. A sub-expression has none: it is computed where it is used within
   * the step (Brian2 records it by evaluating it; here record the variables it is made of, or declare it as a
   * state variable), and asking for one says so.
   */
  override state(name: string): Float32Array {
    if (this.subexpressionNames.includes(name) && !this.stateNames.includes(name)) {
      throw new NotFoundError(
        `Equations: "${name}" is a sub-expression, computed within the step and not stored, so it cannot be ` +
          `recorded; record the state variables it is computed from (${this.stateNames.join(", ")}) and ` +
          `evaluate it from them, or make it a state variable`,
        { variable: name, variables: this.stateNames },
      );
    }
    return super.state(name);
  }

  override reset(): void {
    super.reset();
    this.buffers.forEach((b, k) => fillInitial(b, this.initial[k]));
    this.refractoryLeft.fill(0);
    this.lastSpike_ms.fill(NO_SPIKE_YET_MS);
  }

  private resetDiverged(i: number, k: number, value: number, statement: string): never {
    throw resetDivergence(i, this.variables[k].name, value, statement);
  }

  private diverged(i: number, k: number, value: number): never {
    const name = this.variables[k].name;
    throw new DivergenceError(
      `Equations neuron ${i}: ${name} = ${value} left the float32 range of the state in a step of ` +
        `${this.params.method} at dt = ${this.dt_ms} ms; a smaller dt_ms, another method or smaller inputs ` +
        `keep it finite`,
      { neuron: i, variable: name, value, dt_ms: this.dt_ms },
    );
  }
}

/** The DivergenceError of a reset statement that gave a value outside float32 (not the integration's fault). */
function resetDivergence(i: number, name: string, value: number, statement: string): DivergenceError {
  return new DivergenceError(
    `Equations neuron ${i}: the reset statement "${statement}" gave ${name} = ${value}, outside the float32 ` +
      `range of the state (NaN, infinite or beyond ±3.4e38); the reset must keep every value finite`,
    { neuron: i, variable: name, value, statement },
  );
}

interface Texts {
  readonly equations: Source;
  readonly threshold: Source | undefined;
  readonly reset: Source | undefined;
}

/** `text` without its `#` comments. */
function stripComments(text: string): string {
  return text.replace(/#[^\r\n]*/g, "");
}

function requireTexts(options: EquationsOptions): Texts {
  const text = (name: "equations" | "threshold" | "reset", required: boolean): Source | undefined => {
    const value: unknown = options[name];
    if (value === undefined && !required) return undefined;
    if (typeof value !== "string") {
      throw new InvalidParameterError(
        `Equations ${name} must be a string, got ${describeValue(value)}` +
          (name === "equations" ? '; e.g. "dv/dt = (El - v)/tau : mV"' : ""),
        { option: name },
      );
    }
    if (name === "threshold" && stripComments(value).trim() === "") {
      throw new InvalidParameterError(
        `Equations threshold is empty${value === "" ? "" : " (only blanks or comments)"}; give a condition ` +
          `such as "v > -50*mV", or leave threshold out for neurons that never spike`,
        { option: name },
      );
    }
    return { label: name, text: value };
  };
  return {
    equations: text("equations", true) as Source,
    threshold: text("threshold", false),
    reset: text("reset", false),
  };
}

function parseAll(t: Texts) {
  return {
    lines: parseEquations(t.equations),
    threshold: t.threshold && { source: t.threshold, expr: parseExpression(t.threshold) },
    reset: t.reset && { source: t.reset, statements: parseStatements(t.reset) },
  };
}

/** The method given (checked), or the default: exponential Euler when every equation allows it. */
function chooseMethod(given: unknown, analysed: Analysed, equations: Source): EquationsMethod {
  if (given === undefined) {
    return linearForms(equations, analysed.variables, analysed.subs, false) === undefined
      ? "euler"
      : "exponential-euler";
  }
  if (!METHODS.includes(given as EquationsMethod)) {
    const near = typeof given === "string" ? closestKey(given, METHODS) : undefined;
    throw new InvalidParameterError(
      `Equations method must be ${METHODS.map((m) => `"${m}"`).join(", ")}, got ${describeValue(given)}` +
        (given === "linear"
          ? `; Brian2's "linear" is spikeflow's "exact"`
          : near !== undefined
            ? `; did you mean "${near}"?`
            : ""),
      { method: given },
    );
  }
  return given as EquationsMethod;
}

/** The noise's generator: required with noise (and not with rk4), refused without. */
function checkRng(rng: unknown, noisy: boolean, method: EquationsMethod): Rng | undefined {
  if (!noisy) {
    if (rng !== undefined) {
      throw new InvalidParameterError(
        `Equations rng is given but the equations have no noise (xi); remove rng, or add a term such as ` +
          `sigma*xi to a differential equation`,
      );
    }
    return undefined;
  }
  if (method === "rk4") {
    throw new InvalidParameterError(
      `Equations method "rk4" does not integrate noise (xi); use "euler" (Euler-Maruyama) or ` +
        `"exponential-euler" (docs/models/equations.md, "Noise")`,
      { method },
    );
  }
  return requireRng("Equations with noise (xi)", rng, '"noise"');
}

interface CheckedParams {
  readonly stored: Readonly<Record<string, number | readonly number[]>>;
  readonly uniform: ReadonlyMap<string, number>;
  readonly perNeuron: readonly [string, Float64Array][];
}

/**
 * Every parameter the expressions use given, each given one used, none named like a variable, built-in or
 * unit, values finite: one number (or a list of equal ones) is written into the code, a list is one per neuron.
 */
function checkParams(
  given: Readonly<Record<string, PerNeuronValue>>,
  analysed: Analysed,
  variables: readonly string[],
  size: number,
): CheckedParams {
  if (given === null || typeof given !== "object" || Array.isArray(given)) {
    throw new InvalidParameterError(
      `Equations params must be an object of named values, got ${describeValue(given)}`,
    );
  }
  const subs = Object.keys(analysed.subexpressions);
  const used = [...analysed.usedParams];
  for (const name of Object.keys(given)) {
    let why: string | undefined;
    if (variables.includes(name)) why = `is a state variable; set its start value in init: { ${name}: ... }`;
    else if (subs.includes(name)) why = "is a sub-expression of the equations; remove it from params";
    else if (BUILTINS.includes(name)) why = `is a built-in name (${BUILTINS.join(", ")})`;
    else if (unitValue(name) !== undefined) why = "is a unit name; choose another name";
    else if (!analysed.usedParams.has(name)) {
      const near = closestKey(name, used);
      why =
        `is not used by the equations, threshold or reset; the parameters they use are ` +
        `${used.length > 0 ? used.join(", ") : "none"}` +
        (near !== undefined ? ` (did you mean ${near}?)` : "");
    }
    if (why !== undefined) {
      throw new InvalidParameterError(`Equations params: '${name}' ${why}`, { name });
    }
  }
  for (const name of Object.keys(analysed.declared)) {
    if (!Object.hasOwn(given, name)) {
      throw new InvalidParameterError(
        `Equations: the parameter '${name}' is declared in the equations ("${name} : ${analysed.declared[name].unit}") ` +
          `but not given; give it in params: { ${name}: ... } (one number or one per neuron)`,
        { name },
      );
    }
  }
  const stored: [string, number | readonly number[]][] = [];
  const uniform = new Map<string, number>();
  const perNeuronParams: [string, Float64Array][] = [];
  for (const name of used) {
    const value = given[name] as PerNeuronValue;
    if (typeof value === "number" || isUniformList(value, size)) {
      const x = requireFinite(`params.${name}`, typeof value === "number" ? value : value[0]);
      stored.push([name, x]);
      uniform.set(name, x);
    } else {
      const values = perNeuron(`params.${name}`, value, size, requireFinite);
      stored.push([name, Object.freeze(Array.from(values))]);
      perNeuronParams.push([name, values]);
    }
  }
  return { stored: Object.freeze(Object.fromEntries(stored)), uniform, perNeuron: perNeuronParams };
}

/** Initial values: known variables only, each a float32-range number or one per neuron; 0 by default. */
function checkInit(
  given: Readonly<Record<string, PerNeuronValue>>,
  variables: readonly string[],
  size: number,
): { stored: Readonly<Record<string, number | readonly number[]>>; values: (number | Float32Array)[] } {
  if (given === null || typeof given !== "object" || Array.isArray(given)) {
    throw new InvalidParameterError(
      `Equations init must be an object of named values, got ${describeValue(given)}`,
    );
  }
  for (const name of Object.keys(given)) {
    if (!variables.includes(name)) {
      const near = closestKey(name, variables);
      throw new InvalidParameterError(
        `Equations init: '${name}' is not a state variable; the state variables are ${variables.join(", ")}` +
          (near !== undefined ? ` (did you mean ${near}?)` : ""),
        { name },
      );
    }
  }
  const stored: [string, number | readonly number[]][] = [];
  const values = variables.map((name) => {
    const value = Object.hasOwn(given, name) ? given[name] : 0;
    if (typeof value === "number" || isUniformList(value, size)) {
      const x = requireFloat32(`init.${name}`, typeof value === "number" ? value : value[0]);
      stored.push([name, x]);
      return x;
    }
    const array = Float32Array.from(perNeuron(`init.${name}`, value, size, requireFloat32));
    stored.push([name, Object.freeze(Array.from(array))]);
    return array;
  });
  return { stored: Object.freeze(Object.fromEntries(stored)), values };
}
