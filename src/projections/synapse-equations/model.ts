/**
 * What the texts of a `SynapseEquations` projection mean (docs/synapse-equations.md): the per-synapse
 * variables of `model`, and the statements of `on_pre` / `on_post` with every name resolved (synaptic variable,
 * constant, built-in, pre- or postsynaptic neuron state, target port, unit). Parsing, functions, units and
 * types are the equation language's own (src/neurons/equations/); this file knows only what a name means in a
 * synapse. codegen.ts reads the resolved trees only.
 */
import { InvalidParameterError } from "../../core/errors.ts";
import { closestKey } from "../../core/options.ts";
import {
  FUNCTIONS,
  isNoise,
  listed,
  requireNumber,
  resolveOperands,
} from "../../neurons/equations/analyse.ts";
import { mentions, splitLinear } from "../../neurons/equations/linear.ts";
import { parseEquations, parseStatements, sourceError, unitNames } from "../../neurons/equations/parse.ts";
import type { EquationLine, Expr, Position, Source, Statement } from "../../neurons/equations/parse.ts";
import { unitValue } from "../../neurons/equations/units.ts";

/** Names every synaptic statement knows: the event's time (ms), the step (ms), the pre and post index. */
export const SYNAPSE_BUILTINS: readonly string[] = Object.freeze(["t", "dt", "i", "j"]);

const KEYWORDS = new Set(["and", "or", "not", "True", "False"]);

/** One per-synapse variable: a `x : unit` line (a parameter of each synapse) or an event-driven decay. */
export interface SynapticVariable {
  readonly name: string;
  /** The unit as written after ":" ("" when none): documentation only. */
  readonly unit: string;
  /** `dx/dt = -x/tau : unit (event-driven)`: decayed exactly at each event of its synapse. */
  readonly eventDriven: boolean;
  /** `(constant)`: the statements may not assign it. */
  readonly constant: boolean;
  /** With `eventDriven`: A of dx/dt = A x, free of x and of every neuron variable. */
  readonly rate: Expr | undefined;
}

/** What a name in a statement stands for. */
export type NameRef =
  | { readonly kind: "variable"; readonly index: number }
  | { readonly kind: "constant"; readonly name: string }
  | { readonly kind: "builtin"; readonly name: string }
  | { readonly kind: "pre"; readonly state: string }
  | { readonly kind: "post"; readonly state: string }
  /** A name first assigned with "=" in on_pre or on_post: a local of one synapse's event (Brian2's temporary). */
  | { readonly kind: "temporary"; readonly index: number };

/** A statement with its target resolved: a synaptic variable, or a target port (increment only). */
export interface SynapseStatement {
  readonly target:
    | { readonly kind: "variable"; readonly index: number }
    | { readonly kind: "port"; readonly port: string }
    | { readonly kind: "temporary"; readonly index: number };
  readonly op: Statement["op"];
  /** The value, with unit names turned into numbers and every other name in `SynapseModel.names`. */
  readonly value: Expr;
}

export interface SynapseModel {
  readonly variables: readonly SynapticVariable[];
  readonly onPre: readonly SynapseStatement[];
  readonly onPost: readonly SynapseStatement[];
  /** Every name the resolved trees use, with its meaning. */
  readonly names: ReadonlyMap<string, NameRef>;
  /** The constants (`params`) the texts use. */
  readonly usedParams: ReadonlySet<string>;
  /** The names of the temporaries of on_pre and on_post (index = `temporary` index). */
  readonly temporaries: readonly string[];
}

/** The neurons at both ends, as the names of their state and ports. */
export interface SynapseEnds {
  readonly preStates: readonly string[];
  readonly postStates: readonly string[];
  readonly postPorts: readonly string[];
}

export interface SynapseTexts {
  readonly model: Source;
  readonly onPre: Source | undefined;
  readonly onPost: Source | undefined;
}

/**
 * Why `name` cannot be a constant or a statement's temporary (it would hide a name the texts already have), or
 * undefined when it can: a built-in, Brian2's noise, a function, a keyword, a unit, a neuron variable.
 */
export function reservedName(name: string, ends: SynapseEnds): string | undefined {
  if (SYNAPSE_BUILTINS.includes(name)) return `is a built-in name (${SYNAPSE_BUILTINS.join(", ")})`;
  if (isNoise(name)) return "is Brian2's white-noise name (xi), which synaptic statements do not support";
  if (FUNCTIONS.has(name)) return "is a function";
  if (KEYWORDS.has(name)) return "is a keyword";
  if (unitValue(name) !== undefined) return "is a unit name";
  if (name.endsWith("_pre") || name.endsWith("_post"))
    return "is reserved: the suffixes _pre and _post name neuron variables";
  if (ends.postStates.includes(name) || ends.postPorts.includes(name))
    return `is a variable of the target neurons (a bare name reads it, as ${name}_post)`;
  return undefined;
}

/** Parses and resolves the texts (see the file header) against the constants given and the two ends. */
export function analyseSynapses(
  texts: SynapseTexts,
  params: readonly string[],
  ends: SynapseEnds,
): SynapseModel {
  const model = texts.model;
  for (const p of params) {
    const why = reservedName(p, ends);
    if (why !== undefined) {
      throw new InvalidParameterError(`SynapseEquations params: '${p}' ${why}; choose another name`, {
        name: p,
      });
    }
  }
  const lines = parseEquations(model);
  const variables = lines.map((line) => declaredVariable(model, line, lines));
  const varNames = variables.map((v) => v.name);
  for (const p of params) {
    if (varNames.includes(p)) {
      throw sourceError(
        model,
        lines[varNames.indexOf(p)].pos,
        `'${p}' is a per-synapse variable and also given in params; set its start value in init: { ${p}: ... }`,
      );
    }
  }
  const names = new Map<string, NameRef>();
  const usedParams = new Set<string>();
  const r = new Resolver(varNames, params, ends, names, usedParams);

  // event-driven equations: dx/dt = A x exactly, A free of x, of the other event-driven variables and neurons
  const resolvedVars = variables.map((v, index) => {
    if (!v.eventDriven) return v;
    const line = lines[index] as Extract<EquationLine, { kind: "differential" }>;
    const rhs = r.resolve(model, line.expr);
    const form = splitLinear(rhs, v.name);
    const refuse = (why: string): never => {
      throw sourceError(
        model,
        line.pos,
        `an event-driven equation must be a linear decay, d${v.name}/dt = -${v.name}/tau with tau a constant ` +
          `or a per-synapse parameter, so that it can be solved exactly between events; ${why}` +
          ` (Limitation: other event-driven equations are not supported)`,
      );
    };
    if ("at" in form) return refuse(`here: ${form.why}`);
    if (form.a === null) return refuse(`d${v.name}/dt does not depend on ${v.name}`);
    if (form.b !== null && !isZero(form.b)) {
      return refuse(
        `it has a term without ${v.name} (a drive or a rest value; only a term that is exactly 0, such as ` +
          `"+ 0", is accepted)`,
      );
    }
    const moving = [...names].filter(
      ([n, ref]) =>
        mentions(form.a as Expr, n) &&
        (ref.kind === "pre" ||
          ref.kind === "post" ||
          (ref.kind === "builtin" && ref.name === "t") ||
          (ref.kind === "variable" && variables[ref.index].eventDriven)),
    );
    if (moving.length > 0) {
      return refuse(`its rate depends on ${listed(moving.map(([n]) => n))}, which changes between events`);
    }
    requireNumber(model, form.a, `the rate of d${v.name}/dt`);
    return { ...v, rate: form.a };
  });

  const temporaries: string[] = [];
  const statements = (source: Source | undefined): SynapseStatement[] => {
    if (source === undefined) return [];
    const parsed = parseStatements(source);
    // the names this pathway defines as temporaries: first met as the target of "=" and unknown otherwise
    const later = new Set(
      parsed.flatMap((s) => (s.op === "=" && isTemporary(s.target, r, ends) ? [s.target] : [])),
    );
    r.beginPathway(later);
    const out = parsed.map((s) => {
      const resolved = resolveStatement(source, s, resolvedVars, r, ends, temporaries);
      if (resolved.target.kind === "temporary") r.defined(s.target, resolved.target.index);
      return resolved;
    });
    // a temporary nobody reads is most likely a misspelt variable or port
    for (const name of later) {
      if (r.readTemps.has(name)) continue;
      const first = parsed.find((s) => s.target === name) as Statement;
      const near = closestKey(name, r.known().concat(ends.postPorts));
      throw sourceError(
        source,
        first.pos,
        `'${name}' is assigned but never read: a name that is not a per-synapse variable, a constant or a ` +
          `port of the target is a temporary of this event (Brian2's), which only later statements can use` +
          (near !== undefined
            ? `; did you mean ${near}?`
            : `; declare "${name} : unit" in the model to keep it`),
      );
    }
    r.beginPathway(new Set());
    return out;
  };
  const onPre = statements(texts.onPre);
  const onPost = statements(texts.onPost);
  return { variables: resolvedVars, onPre, onPost, names, usedParams, temporaries };
}

/** A model line as a per-synapse variable, or the reason it cannot be one. */
function declaredVariable(
  model: Source,
  line: EquationLine,
  lines: readonly EquationLine[],
): SynapticVariable {
  const name = line.name;
  const earlier = lines.find((l) => l.name === name);
  if (earlier !== undefined && earlier !== line) {
    throw sourceError(
      model,
      line.pos,
      `${name} is defined twice (first in line ${earlier.pos.line}); give each name one line`,
    );
  }
  if (line.flags.includes("summed")) {
    throw sourceError(
      model,
      line.pos,
      `(summed) variables are not supported (Limitation): a synapse cannot write a sum into the target ` +
        `neurons' state at every step; to drive the target, add into one of its ports in on_pre ` +
        `("ge_post += w"), which the target integrates`,
    );
  }
  let why: string | undefined;
  if (SYNAPSE_BUILTINS.includes(name)) why = `a built-in name (${SYNAPSE_BUILTINS.join(", ")})`;
  else if (isNoise(name)) why = "Brian2's white-noise name (xi)";
  else if (FUNCTIONS.has(name)) why = "a function";
  else if (KEYWORDS.has(name)) why = "a keyword";
  else if (unitValue(name) !== undefined) why = "a unit";
  else if (name.endsWith("_pre") || name.endsWith("_post"))
    why = "reserved: the suffixes _pre and _post name neuron variables";
  if (why !== undefined) throw sourceError(model, line.pos, `'${name}' is ${why}; choose another name`);
  for (const u of unitNames(line.unit)) {
    if (unitValue(u) === undefined) {
      throw sourceError(
        model,
        line.unitPos,
        `unknown unit "${u}" in ": ${line.unit}"; units are those of docs/models/equations.md, or 1`,
      );
    }
  }
  const flags = line.flags;
  const refuseFlag = (flag: string, hint: string): never => {
    throw sourceError(model, line.pos, `the flag (${flag}) on ${name} is not supported here; ${hint}`);
  };
  if (line.kind === "subexpression") {
    throw sourceError(
      model,
      line.pos,
      `sub-expressions (${name} = ...) in a synapse model are not supported yet (Limitation); write the ` +
        `expression into the statements, or make ${name} a per-synapse variable ("${name} : unit")`,
    );
  }
  if (line.kind === "differential") {
    for (const f of flags) {
      if (f === "clock-driven") {
        refuseFlag(f, "clock-driven synaptic equations are a Limitation: only (event-driven) decays are");
      }
      if (f !== "event-driven") refuseFlag(f, "a synaptic differential equation takes (event-driven)");
    }
    if (!flags.includes("event-driven")) {
      throw sourceError(
        model,
        line.pos,
        `d${name}/dt has no (event-driven) flag, so it would be integrated at every step for every synapse ` +
          `(Brian2's clock-driven default); that is not supported (Limitation): mark a decay ` +
          `"d${name}/dt = -${name}/tau : 1 (event-driven)"`,
      );
    }
    return { name, unit: line.unit, eventDriven: true, constant: false, rate: undefined };
  }
  for (const f of flags) {
    if (f === "shared") {
      refuseFlag(f, `give a value shared by every synapse in params: { ${name}: ... } instead of the model`);
    }
    if (f !== "constant") refuseFlag(f, "a per-synapse parameter takes (constant)");
  }
  return { name, unit: line.unit, eventDriven: false, constant: flags.includes("constant"), rate: undefined };
}

/** Resolves names for one projection; records every name used in `names` and `usedParams`. */
class Resolver {
  constructor(
    private readonly vars: readonly string[],
    private readonly params: readonly string[],
    private readonly ends: SynapseEnds,
    private readonly names: Map<string, NameRef>,
    private readonly usedParams: Set<string>,
  ) {}

  /** The temporaries the current pathway has assigned so far, and those it assigns at all. */
  private temps = new Map<string, number>();
  private pending: ReadonlySet<string> = new Set();
  /** The temporaries read so far in the current pathway. */
  readonly readTemps = new Set<string>();

  /** Starts resolving one pathway, which will define the temporaries `pending`. */
  beginPathway(pending: ReadonlySet<string>): void {
    this.temps = new Map();
    this.pending = pending;
    this.readTemps.clear();
  }

  /** A temporary is assigned: later statements of the pathway may read it. */
  defined(name: string, index: number): void {
    this.temps.set(name, index);
  }

  /** Whether the pathway assigns `name` as a temporary in a statement not yet reached. */
  assignedLater(name: string): boolean {
    return this.pending.has(name) && !this.temps.has(name);
  }

  /** The meaning of a name read in an expression, or undefined when it has none. */
  lookup(name: string): NameRef | undefined {
    const temp = this.temps.get(name);
    if (temp !== undefined) return { kind: "temporary", index: temp };
    const index = this.vars.indexOf(name);
    if (index >= 0) return { kind: "variable", index };
    if (this.params.includes(name)) return { kind: "constant", name };
    if (SYNAPSE_BUILTINS.includes(name)) return { kind: "builtin", name };
    const { preStates, postStates } = this.ends;
    if (name.endsWith("_pre") && preStates.includes(name.slice(0, -4)))
      return { kind: "pre", state: name.slice(0, -4) };
    if (name.endsWith("_post") && postStates.includes(name.slice(0, -5)))
      return { kind: "post", state: name.slice(0, -5) };
    // as in Brian2, a bare name of the postsynaptic neuron is its variable
    if (postStates.includes(name)) return { kind: "post", state: name };
    return undefined;
  }

  /** Every name a text could use, for suggestions. */
  known(): string[] {
    const { preStates, postStates, postPorts } = this.ends;
    return [
      ...this.vars,
      ...this.params,
      ...SYNAPSE_BUILTINS,
      ...preStates.map((s) => `${s}_pre`),
      ...postStates.map((s) => `${s}_post`),
      ...postPorts.filter((p) => !postStates.includes(p)),
    ];
  }

  resolve(source: Source, e: Expr): Expr {
    switch (e.kind) {
      case "name": {
        const ref = this.lookup(e.name);
        if (ref !== undefined) {
          if (ref.kind === "temporary") this.readTemps.add(e.name);
          this.names.set(e.name, ref);
          if (ref.kind === "constant") this.usedParams.add(e.name);
          return e;
        }
        const unit = unitValue(e.name);
        if (unit !== undefined) return { kind: "number", value: unit, pos: e.pos };
        throw this.unknown(source, e.name, e.pos);
      }
      default:
        return resolveOperands(source, e, (a) => this.resolve(source, a));
    }
  }

  unknown(source: Source, name: string, pos: Position): Error {
    if (this.assignedLater(name)) {
      return sourceError(
        source,
        pos,
        `'${name}' is read before it is assigned: it is a temporary of this pathway (a name first set with ` +
          `"${name} = ..."), which holds a value only after its assignment, for one synapse's event`,
      );
    }
    const { postPorts, postStates } = this.ends;
    const port = name.endsWith("_post") ? name.slice(0, -5) : name;
    if (postPorts.includes(port) && !postStates.includes(port)) {
      return sourceError(
        source,
        pos,
        `'${name}' is an input port of the target, which a statement can only add into ("${name} += ...", ` +
          `"${name} -= ..."), not read`,
      );
    }
    const known = this.known();
    // bare names of the target (read as its state, or a port to add into) are suggested too
    const near = closestKey(name, [...known, ...postStates, ...postPorts]);
    return sourceError(
      source,
      pos,
      `unknown name '${name}'; known: ${known.join(", ")} and the unit names (docs/models/equations.md)` +
        (near !== undefined
          ? `; did you mean ${near}?`
          : `; give a constant's value in params: { ${name}: ... }, or declare "${name} : unit" in the model`),
    );
  }
}

/** Whether `name` as the target of "=" would be a temporary: a name with no other meaning, not reserved. */
function isTemporary(name: string, r: Resolver, ends: SynapseEnds): boolean {
  if (r.lookup(name) !== undefined) return false;
  const port = name.endsWith("_post") ? name.slice(0, -5) : name;
  return !ends.postPorts.includes(port) && reservedName(name, ends) === undefined;
}

/** One statement resolved: its target (see `SynapseStatement`) and value. */
function resolveStatement(
  source: Source,
  s: Statement,
  vars: readonly SynapticVariable[],
  r: Resolver,
  ends: SynapseEnds,
  temporaries: string[],
): SynapseStatement {
  const value = r.resolve(source, s.value);
  requireNumber(source, value, `the value assigned to ${s.target}`);
  const known = r.lookup(s.target);
  if (known?.kind === "temporary") return { target: known, op: s.op, value };
  if (known === undefined && s.op === "=" && isTemporary(s.target, r, ends)) {
    let index = temporaries.indexOf(s.target);
    if (index < 0) index = temporaries.push(s.target) - 1;
    return { target: { kind: "temporary", index }, op: s.op, value };
  }
  const index = vars.findIndex((v) => v.name === s.target);
  if (index >= 0) {
    if (vars[index].constant) {
      throw sourceError(
        source,
        s.pos,
        `${s.target} is flagged (constant) in the model; a statement may not change it`,
      );
    }
    return { target: { kind: "variable", index }, op: s.op, value };
  }
  const port = s.target.endsWith("_post") ? s.target.slice(0, -5) : s.target;
  if (ends.postPorts.includes(port)) {
    if (s.op !== "+=" && s.op !== "-=") {
      throw sourceError(
        source,
        s.pos,
        `${s.target} is an input port of the target neurons: a statement may only add into it ` +
          `("${s.target} += ..." or "-="), since ports are the engine's way into a neuron (delivered before ` +
          `the neurons step); "${s.op}" would set the neuron's state directly (Limitation)`,
      );
    }
    return { target: { kind: "port", port }, op: s.op, value };
  }
  const ref = r.lookup(s.target);
  let what: string | undefined;
  if (ref?.kind === "post")
    what = `a state variable of the target neurons that is not one of its ports (${listed([...ends.postPorts])})`;
  else if (ref?.kind === "pre") what = "a state variable of the source neurons";
  else if (ref?.kind === "constant") what = "a constant given in params";
  else if (ref?.kind === "builtin") what = "a built-in name";
  else if (unitValue(s.target) !== undefined) what = "a unit name";
  else if (FUNCTIONS.has(s.target) || KEYWORDS.has(s.target) || isNoise(s.target))
    what = `${reservedName(s.target, ends)?.replace(/^is /, "")}`;
  if (what !== undefined) {
    throw sourceError(
      source,
      s.pos,
      `'${s.target}' is ${what}: synaptic statements assign per-synapse variables and add into the ` +
        `target's ports only; neuron state is changed through its ports, which the engine delivers before the ` +
        `neurons step (Limitation: no direct writes to neuron state)`,
    );
  }
  throw r.unknown(source, s.target, s.pos);
}

/** Whether an expression is 0 whatever its names hold: 0, -0, a sum of zeros, a product with a zero. */
function isZero(e: Expr): boolean {
  if (e.kind === "number") return e.value === 0;
  if (e.kind === "unary") return e.op === "-" && isZero(e.arg);
  if (e.kind !== "binary") return false;
  if (e.op === "+" || e.op === "-") return isZero(e.left) && isZero(e.right);
  if (e.op === "*") return isZero(e.left) || isZero(e.right);
  return false;
}
