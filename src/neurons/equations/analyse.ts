/**
 * What an equation model's texts mean: every name resolved (state variable, sub-expression, parameter,
 * built-in, unit), sub-expressions put in dependency order (cycles refused) but left as names in the
 * expressions that use them, types checked (a threshold is a condition, a derivative a number).
 * linear.ts splits the resolved equations as A x + B; the code generator (codegen.ts) reads only the
 * resolved trees.
 */
import { InvalidParameterError } from "../../core/errors.ts";
import { closestKey } from "../../core/options.ts";
import { sourceError, unitNames } from "./parse.ts";
import type { EquationLine, Expr, Position, Source, Statement } from "./parse.ts";
import { unitValue } from "./units.ts";

/** The functions an expression may call, with their number of arguments. */
const FUNCTION_ARITY: Readonly<Record<string, number>> = Object.freeze({
  exp: 1,
  log: 1,
  sqrt: 1,
  abs: 1,
  sin: 1,
  cos: 1,
  tanh: 1,
  floor: 1,
  ceil: 1,
  exprel: 1,
  min: 2,
  max: 2,
  clip: 3,
});

/** The functions an expression may call (a Map, so that "constructor" or "toString" is no function). */
export const FUNCTIONS: ReadonlyMap<string, number> = new Map(Object.entries(FUNCTION_ARITY));

/**
 * Names every expression knows: time (ms) at the start of the step, the step, neuron index, size, the time
 * (ms) of the neuron's last spike (Brian2's -1e4 s before the first) and whether it is not refractory (a
 * condition: the only built-in that is one).
 */
export const BUILTINS = Object.freeze(["t", "dt", "i", "N", "lastspike", "not_refractory"]);

/** The value of `lastspike` before a neuron's first spike: Brian2's -1e4 second, in ms. */
export const NO_SPIKE_YET_MS = -1e7;

const KEYWORDS = new Set(["and", "or", "not", "True", "False"]);

/** Brian2's types after ":" that are not units: refused with their own message. */
const TYPES = new Set(["integer", "boolean", "bool"]);

/** The flags an equation line may carry, by kind. */
const FLAGS: Readonly<Record<EquationLine["kind"], readonly string[]>> = {
  differential: ["unless refractory"],
  subexpression: ["constant over dt"],
  parameter: ["constant", "shared"],
};

/** One state variable: a `dx/dt = ...` line. */
export interface Variable {
  readonly name: string;
  /** The unit as written after ":" ("" when none); recorded, not checked against the expression. */
  readonly unit: string;
  /** `(unless refractory)`: held while the neuron is refractory. */
  readonly unlessRefractory: boolean;
  /** The right-hand side, resolved; a sub-expression in it is still a name (`Analysed.subs`). */
  readonly rhs: Expr;
  readonly pos: Position;
  /** The noise terms taken out of `rhs` by noise.ts (`rhs` is then the deterministic part). */
  readonly noise?: readonly NoiseTerm[];
}

/** One noise term g*xi of a derivative (noise.ts). */
export interface NoiseTerm {
  /** The noise's name (`xi`, `xi_1`): one Gaussian draw per neuron and step, shared by every equation using it. */
  readonly name: string;
  /** g, free of the noise and of the state variables. */
  readonly coefficient: Expr;
}

/** A sub-expression's resolved body (it may name sub-expressions that come before it in `Analysed.subs`). */
export interface SubExpression {
  readonly name: string;
  readonly expr: Expr;
}

/** The resolved model: what codegen.ts turns into a step. */
export interface Analysed {
  readonly variables: readonly Variable[];
  /**
   * Every sub-expression's resolved body, each after the ones it uses (dependency order); the generated code
   * computes them as locals.
   */
  readonly subs: readonly SubExpression[];
  /** Sub-expressions by name, with their units as written. */
  readonly subexpressions: Readonly<Record<string, { readonly unit: string }>>;
  /** Parameters declared in the equations (`tau : ms`), with their units as written. */
  readonly declared: Readonly<Record<string, { readonly unit: string }>>;
  readonly threshold: Expr | undefined;
  readonly reset: readonly Statement[];
  /** Every parameter name an expression uses. */
  readonly usedParams: ReadonlySet<string>;
}

export interface AnalyseInput {
  readonly equations: Source;
  readonly lines: readonly EquationLine[];
  readonly threshold: { readonly source: Source; readonly expr: Expr } | undefined;
  readonly reset: { readonly source: Source; readonly statements: readonly Statement[] } | undefined;
  /** The names given in `params`. */
  readonly params: readonly string[];
}

/** "a, b and c". */
export function listed(names: readonly string[]): string {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/**
 * Resolves an expression that is not a name: a number or bool as it is, the operands of an operator with
 * `resolve`, and a call's arguments with `resolve` once its function and arity are checked. The resolvers of
 * neuron equations (here) and synapse equations share it; each resolves names its own way.
 */
export function resolveOperands(
  source: Source,
  e: Exclude<Expr, { readonly kind: "name" }>,
  resolve: (e: Expr) => Expr,
): Expr {
  switch (e.kind) {
    case "number":
    case "bool":
      return e;
    case "unary":
      return { ...e, arg: resolve(e.arg) };
    case "binary":
      return { ...e, left: resolve(e.left), right: resolve(e.right) };
    case "call": {
      const arity = FUNCTIONS.get(e.fn);
      if (arity === undefined) {
        throw sourceError(
          source,
          e.pos,
          `unknown function '${e.fn}'; the functions are ${listed([...FUNCTIONS.keys()])}`,
        );
      }
      if (e.args.length !== arity) {
        throw sourceError(
          source,
          e.pos,
          `${e.fn}() takes ${arity} argument${arity > 1 ? "s" : ""}, got ${e.args.length}`,
        );
      }
      return { ...e, args: e.args.map(resolve) };
    }
  }
}

/** Checks the lines' names, flags and units and resolves every expression (see the file header). */
export function analyse(input: AnalyseInput): Analysed {
  const { equations: eq, lines } = input;
  const defined = new Map<string, EquationLine>();
  for (const line of lines) {
    checkDefinedName(eq, line);
    const earlier = defined.get(line.name);
    if (earlier !== undefined) {
      throw sourceError(
        eq,
        line.pos,
        `${line.name} is defined twice (first in line ${earlier.pos.line}); give each name one equation`,
      );
    }
    defined.set(line.name, line);
    for (const flag of line.flags) {
      if (!FLAGS[line.kind].includes(flag)) {
        throw sourceError(
          eq,
          line.pos,
          `unknown flag "${flag}" on ${line.name}; a ${line.kind === "differential" ? "differential equation" : line.kind} ` +
            `takes ${FLAGS[line.kind].map((f) => `(${f})`).join(" or ")}`,
        );
      }
    }
    for (const u of unitNames(line.unit)) {
      if (TYPES.has(u)) {
        throw sourceError(
          eq,
          line.unitPos,
          `${u} state is not supported (state is float32, every value a float): write ": 1" for a ` +
            (u === "integer"
              ? `dimensionless variable and round it where needed with floor(), ceil(), // or %`
              : `dimensionless variable, or put the condition into the threshold or reset`),
        );
      }
      if (unitValue(u) === undefined) {
        throw sourceError(
          eq,
          line.unitPos,
          `unknown unit "${u}" in ": ${line.unit}"; units are those of the table in docs/models/equations.md ` +
            `(ms, mV, nA, uS, nF, MOhm, second, volt, amp, siemens, farad, ohm, Hz, metre and their prefixed ` +
            `forms), or 1`,
        );
      }
    }
  }
  const states = lines.filter((l) => l.kind === "differential").map((l) => l.name);
  if (states.length === 0) {
    throw new InvalidParameterError(
      `equations define no state variable: write at least one differential equation, e.g. ` +
        `"dv/dt = (El - v)/tau : mV"`,
      { equations: eq.text },
    );
  }
  const subs = new Map<string, Extract<EquationLine, { kind: "subexpression" }>>();
  const declared = new Map<string, { unit: string }>();
  for (const line of lines) {
    if (line.kind === "subexpression") subs.set(line.name, line);
    if (line.kind === "parameter") declared.set(line.name, { unit: line.unit });
  }
  const params = new Set([...input.params, ...declared.keys()]);
  // a declared parameter counts as used: it must be given even when no expression reads it (as in Brian2)
  const usedParams = new Set<string>(declared.keys());
  const known = [...states, ...subs.keys(), ...params, ...BUILTINS];

  // names are checked and kept as they are: a sub-expression stays a name, computed once per neuron (and
  // per evaluation point) by the generated code, so a chain of sub-expressions costs its length, not the
  // size of its substituted tree (which can double with each level)
  let noiseAllowed = false;
  const resolve = (source: Source, e: Expr): Expr => {
    switch (e.kind) {
      case "name": {
        const name = e.name;
        if (states.includes(name) || BUILTINS.includes(name) || subs.has(name)) return e;
        if (params.has(name)) {
          usedParams.add(name);
          return e;
        }
        if (unitValue(name) !== undefined)
          return { kind: "number", value: unitValue(name) as number, pos: e.pos };
        if (isNoise(name)) {
          if (noiseAllowed) return e;
          throw sourceError(
            source,
            e.pos,
            `the noise ${name} may appear only in a differential equation, as a term g*${name} of its right ` +
              `side (docs/models/equations.md, "Noise")`,
          );
        }
        const near = closestKey(name, known);
        throw sourceError(
          source,
          e.pos,
          `unknown name '${name}'; known: ${known.join(", ")} and the unit names (docs/models/equations.md)` +
            (near !== undefined
              ? `; did you mean ${near}?`
              : `; give a parameter's value in params: { ${name}: ... }`),
        );
      }
      default:
        return resolveOperands(source, e, (a) => resolve(source, a));
    }
  };

  const subBodies = new Map<string, Expr>();
  for (const line of lines) {
    if (line.kind !== "subexpression") continue;
    const body = resolve(eq, line.expr);
    requireNumber(eq, body, `the sub-expression ${line.name}`);
    subBodies.set(line.name, body);
  }
  const subOrder = dependencyOrder(eq, subs, subBodies);

  const variables: Variable[] = [];
  for (const line of lines) {
    if (line.kind !== "differential") continue;
    noiseAllowed = true;
    const rhs = resolve(eq, line.expr);
    noiseAllowed = false;
    requireNumber(eq, rhs, `the right side of d${line.name}/dt`);
    variables.push({
      name: line.name,
      unit: line.unit,
      unlessRefractory: line.flags.includes("unless refractory"),
      rhs,
      pos: line.pos,
    });
  }

  let threshold: Expr | undefined;
  if (input.threshold !== undefined) {
    const { source, expr } = input.threshold;
    threshold = resolve(source, expr);
    if (typeOf(source, threshold) !== "bool") {
      throw sourceError(
        source,
        expr.pos,
        `a threshold is a condition (a comparison such as "v > -50*mV"), found a number`,
      );
    }
  }
  const reset: Statement[] = [];
  if (input.reset !== undefined) {
    const { source, statements } = input.reset;
    for (const s of statements) {
      if (!states.includes(s.target)) {
        const what = subs.has(s.target)
          ? "a sub-expression"
          : params.has(s.target)
            ? "a parameter"
            : BUILTINS.includes(s.target)
              ? "a built-in name"
              : "not a name of the equations";
        throw sourceError(
          source,
          s.pos,
          `a reset assigns to state variables (${listed(states)}); '${s.target}' is ${what}` +
            (what === "a parameter"
              ? `; to change it at a spike, make it a state variable (d${s.target}/dt = 0 : unit)`
              : ""),
        );
      }
      const value = resolve(source, s.value);
      requireNumber(source, value, `the value assigned to ${s.target}`);
      reset.push({ ...s, value });
    }
  }
  return {
    variables,
    subexpressions: Object.fromEntries([...subs].map(([n, l]) => [n, { unit: l.unit }])),
    subs: subOrder.map((name) => ({ name, expr: subBodies.get(name) as Expr })),
    declared: Object.fromEntries(declared),
    threshold,
    reset,
    usedParams,
  };
}

/** Brian2's white-noise names: `xi` and `xi_` followed by anything (`xi_1`, `xi_shared`). */
export function isNoise(name: string): boolean {
  return name === "xi" || name.startsWith("xi_");
}

/** Every name an expression mentions (in the order met; repeats possible). */
export function namesIn(e: Expr, out: string[] = []): string[] {
  switch (e.kind) {
    case "number":
    case "bool":
      break;
    case "name":
      out.push(e.name);
      break;
    case "unary":
      namesIn(e.arg, out);
      break;
    case "binary":
      namesIn(e.left, out);
      namesIn(e.right, out);
      break;
    case "call":
      for (const a of e.args) namesIn(a, out);
      break;
  }
  return out;
}

/**
 * The sub-expressions ordered so that each comes after those it uses, or the error naming a cycle. Iterative
 * (an explicit stack), so a chain of thousands of sub-expressions needs no deep recursion.
 */
function dependencyOrder(
  eq: Source,
  lines: ReadonlyMap<string, Extract<EquationLine, { kind: "subexpression" }>>,
  bodies: ReadonlyMap<string, Expr>,
): string[] {
  const uses = new Map<string, string[]>();
  for (const [name, body] of bodies) uses.set(name, [...new Set(namesIn(body).filter((n) => bodies.has(n)))]);
  const order: string[] = [];
  const state = new Map<string, "open" | "done">();
  for (const root of bodies.keys()) {
    if (state.has(root)) continue;
    const stack: { name: string; next: number }[] = [{ name: root, next: 0 }];
    state.set(root, "open");
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const deps = uses.get(top.name) as string[];
      if (top.next < deps.length) {
        const dep = deps[top.next++];
        const seen = state.get(dep);
        if (seen === "done") continue;
        if (seen === "open") {
          const path = stack.map((f) => f.name);
          const cycle = [...path.slice(path.indexOf(dep)), dep];
          throw sourceError(
            eq,
            (lines.get(dep) as EquationLine).pos,
            `the sub-expressions ${cycle.join(" -> ")} refer to one another in a cycle; one of them must be a ` +
              `state variable`,
          );
        }
        state.set(dep, "open");
        stack.push({ name: dep, next: 0 });
        continue;
      }
      state.set(top.name, "done");
      order.push(top.name);
      stack.pop();
    }
  }
  return order;
}

/** Refuses a name that an equation may not define (a built-in, function, keyword or unit name). */
function checkDefinedName(eq: Source, line: EquationLine): void {
  const name = line.name;
  let why: string | undefined;
  if (BUILTINS.includes(name)) why = `a built-in name (${BUILTINS.join(", ")})`;
  else if (FUNCTIONS.has(name)) why = "a function";
  else if (KEYWORDS.has(name)) why = "a keyword";
  else if (unitValue(name) !== undefined) why = "a unit";
  else if (isNoise(name)) why = "reserved for noise";
  if (why !== undefined) throw sourceError(eq, line.pos, `'${name}' is ${why}; choose another name`);
}

type Kind = "number" | "bool";

/** The kind of value an expression gives; refuses a condition used as a number and the reverse. */
export function typeOf(source: Source, e: Expr): Kind {
  switch (e.kind) {
    case "number":
      return "number";
    case "name":
      return e.name === "not_refractory" ? "bool" : "number";
    case "bool":
      return "bool";
    case "call":
      for (const a of e.args) requireNumber(source, a, `the argument of ${e.fn}()`);
      return "number";
    case "unary":
      if (e.op === "not") {
        requireBool(source, e.arg, "the operand of not");
        return "bool";
      }
      requireNumber(source, e.arg, "the operand of -");
      return "number";
    case "binary":
      if (e.op === "and" || e.op === "or") {
        requireBool(source, e.left, `the left side of ${e.op}`);
        requireBool(source, e.right, `the right side of ${e.op}`);
        return "bool";
      }
      requireNumber(source, e.left, `the left side of ${e.op}`);
      requireNumber(source, e.right, `the right side of ${e.op}`);
      return ["<", "<=", ">", ">=", "==", "!="].includes(e.op) ? "bool" : "number";
  }
}

export function requireNumber(source: Source, e: Expr, what: string): void {
  if (typeOf(source, e) !== "number") {
    throw sourceError(
      source,
      e.pos,
      `${what} must be a number, found a condition (a comparison, and, or, not)`,
    );
  }
}

function requireBool(source: Source, e: Expr, what: string): void {
  if (typeOf(source, e) !== "bool") {
    throw sourceError(
      source,
      e.pos,
      `${what} must be a condition (a comparison such as v > 0), found a number`,
    );
  }
}
