/**
 * Each equation of a resolved model as A x + B, read off its syntax tree, for exponential Euler: where it is
 * not linear in its own variable, the node and the reason. Also the rewritings of -B/A and A dt that keep
 * the common cases free of extra rounding (`ratio`, `timesDt`).
 */
import { UnsupportedError } from "../../core/errors.ts";
import { namesIn } from "./analyse.ts";
import type { SubExpression, Variable } from "./analyse.ts";
import type { Expr, Position, Source } from "./parse.ts";
import { quoteLine } from "./tokenize.ts";

/** Whether `e` mentions the name `x`, or one of the names `through` (sub-expressions that mention x). */
export function mentions(e: Expr, x: string, through?: ReadonlySet<string>): boolean {
  switch (e.kind) {
    case "number":
    case "bool":
      return false;
    case "name":
      return e.name === x || (through !== undefined && through.has(e.name));
    case "unary":
      return mentions(e.arg, x, through);
    case "binary":
      return mentions(e.left, x, through) || mentions(e.right, x, through);
    case "call":
      return e.args.some((a) => mentions(a, x, through));
  }
}

/** Structural equality of two trees (positions ignored). */
export function sameTree(a: Expr, b: Expr): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "number":
    case "bool":
      return a.value === (b as typeof a).value;
    case "name":
      return a.name === (b as typeof a).name;
    case "unary":
      return a.op === (b as typeof a).op && sameTree(a.arg, (b as typeof a).arg);
    case "binary": {
      const o = b as typeof a;
      return a.op === o.op && sameTree(a.left, o.left) && sameTree(a.right, o.right);
    }
    case "call": {
      const o = b as typeof a;
      return (
        a.fn === o.fn && a.args.length === o.args.length && a.args.every((x, k) => sameTree(x, o.args[k]))
      );
    }
  }
}

/** A x + B with each part a tree, or null for zero. */
export interface Linear {
  readonly a: Expr | null;
  readonly b: Expr | null;
}

const one = (pos: Position): Expr => ({ kind: "number", value: 1, pos });
export const negate = (e: Expr | null): Expr | null =>
  e === null
    ? null
    : e.kind === "unary" && e.op === "-"
      ? e.arg
      : { kind: "unary", op: "-", arg: e, pos: e.pos };
const binary = (op: "+" | "-" | "*" | "/", left: Expr, right: Expr): Expr => ({
  kind: "binary",
  op,
  left,
  right,
  pos: left.pos,
});
const plus = (x: Expr | null, y: Expr | null): Expr | null =>
  x === null ? y : y === null ? x : binary("+", x, y);
const minus = (x: Expr | null, y: Expr | null): Expr | null =>
  y === null ? x : x === null ? negate(y) : binary("-", x, y);
const times = (x: Expr | null, y: Expr | null): Expr | null =>
  x === null || y === null ? null : binary("*", x, y);
const over = (x: Expr | null, y: Expr): Expr | null => (x === null ? null : binary("/", x, y));

/**
 * The sub-expressions as the split of one variable x sees them: those that mention x (directly or through
 * another), each with its own A and B. A part that is more than a number or a name is a name of its own
 * (`Split.parts`), so a chain of sub-expressions that each use the one below twice gives parts of constant
 * size, not trees that double with each level.
 */
interface SubSplits {
  readonly mentioning: Set<string>;
  readonly split: Map<string, Linear>;
}

/**
 * `e` as A x + B where neither A nor B mentions x, or a description of where it is not linear in x (the node
 * and why). A sub-expression in `e` that mentions x must be in `subs` (its A and B); the others are part of B.
 */
export function splitLinear(
  e: Expr,
  x: string,
  subs: SubSplits = { mentioning: new Set(), split: new Map() },
): Linear | { readonly at: Expr; readonly why: string } {
  if (!mentions(e, x, subs.mentioning)) return { a: null, b: e };
  switch (e.kind) {
    case "name":
      return e.name === x ? { a: one(e.pos), b: null } : (subs.split.get(e.name) as Linear);
    case "call":
      return { at: e, why: `${x} inside ${e.fn}()` };
    case "unary": {
      if (e.op === "not") return { at: e, why: `${x} in a condition` };
      const r = splitLinear(e.arg, x, subs);
      return "at" in r ? r : { a: negate(r.a), b: negate(r.b) };
    }
    case "binary": {
      if (e.op !== "+" && e.op !== "-" && e.op !== "*" && e.op !== "/") {
        const why =
          e.op === "**"
            ? `${x} in a power`
            : e.op === "//" || e.op === "%"
              ? `${x} in ${e.op === "//" ? "a floor division (//)" : "a modulo (%)"}`
              : `${x} in a condition`;
        return { at: e, why };
      }
      const m = subs.mentioning;
      if (e.op === "/" && mentions(e.right, x, m)) return { at: e, why: `${x} in a denominator` };
      if (e.op === "*" && mentions(e.left, x, m) && mentions(e.right, x, m)) {
        return { at: e, why: `${x} times an expression of ${x}` };
      }
      const l = splitLinear(e.left, x, subs);
      if ("at" in l) return l;
      const r = splitLinear(e.right, x, subs);
      if ("at" in r) return r;
      switch (e.op) {
        case "+":
          return { a: plus(l.a, r.a), b: plus(l.b, r.b) };
        case "-":
          return { a: minus(l.a, r.a), b: minus(l.b, r.b) };
        case "*":
          return mentions(e.left, x, m)
            ? { a: times(l.a, e.right), b: times(l.b, e.right) }
            : { a: times(e.left, r.a), b: times(e.left, r.b) };
        case "/":
          return { a: over(l.a, e.right), b: over(l.b, e.right) };
      }
    }
  }
  return { at: e, why: `${x} in an expression that is not a sum of terms` };
}

/**
 * B / A written so that a shared denominator cancels ((c/tau) / (d/tau) is c/d) and a coefficient of -1 or 1
 * costs nothing: for `(El - v)/tau` the fixed point -B/A is `El` itself, not El/tau divided by -1/tau.
 */
export function ratio(b: Expr, a: Expr): Expr {
  if (a.kind === "number" && a.value === 1) return b;
  if (a.kind === "unary" && a.op === "-") return negate(ratio(b, a.arg)) as Expr;
  if (
    a.kind === "binary" &&
    a.op === "/" &&
    b.kind === "binary" &&
    b.op === "/" &&
    sameTree(a.right, b.right)
  ) {
    return ratio(b.left, a.left);
  }
  return binary("/", b, a);
}

/**
 * A dt written so that dt joins A's numerator: for A = -1/tau it is (-dt)/tau, the same float64 number as
 * -dt/tau (the factor e^(-dt/tau) of spikeflow's LIF), where (-1/tau)*dt may round differently.
 */
export function timesDt(a: Expr): Expr {
  const dt: Expr = { kind: "name", name: "dt", pos: a.pos };
  if (a.kind === "number" && a.value === 1) return dt;
  if (a.kind === "unary" && a.op === "-") return negate(timesDt(a.arg)) as Expr;
  if (a.kind === "binary" && a.op === "/") return binary("/", timesDt(a.left), a.right);
  return binary("*", a, dt);
}

/** The linear forms of a model's equations, and the parts of its sub-expressions they name. */
export interface LinearForms {
  /** A x + B of each variable, in the order of the variables. */
  readonly forms: readonly Linear[];
  /**
   * The A or B part of a sub-expression that a form (or another part) names: `name` is of the form `#p3`
   * (no user name has a "#"); each comes after the sub-expressions and parts it uses. The generated code
   * computes each as a local.
   */
  readonly parts: readonly SubExpression[];
}

/** A part as small as a number, a name or a negated one stays a tree; a larger one becomes a named part. */
function isSmall(e: Expr): boolean {
  return (
    e.kind === "number" ||
    e.kind === "name" ||
    (e.kind === "unary" && (e.arg.kind === "number" || e.arg.kind === "name"))
  );
}

/**
 * Every equation split as A x + B (`splitLinear`); refuses the first one that is not linear in its own
 * variable with an UnsupportedError naming it, when `required`, else returns undefined. The sub-expressions
 * a derivative uses (`subs`, in dependency order) are split once each, in that order, with no recursion from
 * one to the next.
 */
export function linearForms(
  eq: Source,
  variables: readonly Variable[],
  subs: readonly SubExpression[],
  required: boolean,
): LinearForms | undefined {
  const forms: Linear[] = [];
  const parts: SubExpression[] = [];
  const bodies = new Map(subs.map((s) => [s.name, s.expr]));
  const share = (e: Expr | null): Expr | null => {
    if (e === null || isSmall(e)) return e;
    const name = `#p${parts.length}`;
    parts.push({ name, expr: e });
    return { kind: "name", name, pos: e.pos };
  };
  for (const v of variables) {
    // the sub-expressions the derivative reaches, then those of them that mention v, split in order
    const reached = new Set<string>();
    const work = namesIn(v.rhs).filter((n) => bodies.has(n));
    while (work.length > 0) {
      const name = work.pop() as string;
      if (reached.has(name)) continue;
      reached.add(name);
      for (const n of namesIn(bodies.get(name) as Expr)) if (bodies.has(n) && !reached.has(n)) work.push(n);
    }
    const split: SubSplits = { mentioning: new Set(), split: new Map() };
    let r: Linear | { readonly at: Expr; readonly why: string } = { a: null, b: null };
    for (const s of subs) {
      if (!reached.has(s.name) || !mentions(s.expr, v.name, split.mentioning)) continue;
      r = splitLinear(s.expr, v.name, split);
      if ("at" in r) break;
      split.mentioning.add(s.name);
      split.split.set(s.name, { a: share(r.a), b: share(r.b) });
    }
    if (!("at" in r)) r = splitLinear(v.rhs, v.name, split);
    if ("at" in r) {
      if (!required) return undefined;
      const lineText = quoteLine(eq.text, v.pos).quote;
      const at = `line ${r.at.pos.line}, column ${quoteLine(eq.text, r.at.pos).column}`;
      throw new UnsupportedError(
        `method "exponential-euler" needs each equation linear in its own variable (dx/dt = A x + B, with A ` +
          `and B free of x); d${v.name}/dt (equations line ${v.pos.line}: "${lineText}") is not: ${r.why} at ` +
          `${at}; use method "euler" or "rk4"`,
        { variable: v.name, line: v.pos.line, column: r.at.pos.column },
      );
    }
    forms.push(r);
  }
  return { forms, parts };
}
