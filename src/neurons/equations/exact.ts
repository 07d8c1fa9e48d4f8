/**
 * Method "exact": for a system x' = A x + b whose A and b are constants (numbers, dt and uniform parameters),
 * the propagator over one step, x(t + dt) = P x(t) + q, from the matrix exponential of the augmented system
 * [[A dt, b dt], [0, 0]] (its last column is q). A and b are read off the trees with linear.ts's split, one
 * state variable at a time; a coefficient that still names a state variable (a product of two), t, i,
 * lastspike, not_refractory or a per-neuron parameter is refused, as is noise.
 */
import { UnsupportedError } from "../../core/errors.ts";
import { namesIn } from "./analyse.ts";
import type { SubExpression, Variable } from "./analyse.ts";
import { PY_ARITHMETIC, generate } from "./codegen.ts";
import { splitLinear, timesDt } from "./linear.ts";
import type { Expr, Source } from "./parse.ts";
import { quoteLine } from "./tokenize.ts";

/** The one-step propagator: y = P x + q, P row-major n by n. */
export interface Propagator {
  readonly p: readonly (readonly number[])[];
  readonly q: readonly number[];
}

/** The most nodes a derivative may have once its sub-expressions are written into it. */
const MAX_INLINED_NODES = 100_000;

/** `e` with every sub-expression name replaced by its body (recursively). */
function inline(e: Expr, bodies: ReadonlyMap<string, Expr>, count: { nodes: number }): Expr {
  if (--count.nodes < 0) throw new Error("too large");
  switch (e.kind) {
    case "number":
    case "bool":
      return e;
    case "name": {
      const body = bodies.get(e.name);
      return body === undefined ? e : inline(body, bodies, count);
    }
    case "unary":
      return { ...e, arg: inline(e.arg, bodies, count) };
    case "binary":
      return { ...e, left: inline(e.left, bodies, count), right: inline(e.right, bodies, count) };
    case "call":
      return { ...e, args: e.args.map((a) => inline(a, bodies, count)) };
  }
}

/** Matrix product of two square matrices. */
function multiply(a: readonly number[][], b: readonly number[][]): number[][] {
  const n = a.length;
  const c = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      const aik = a[i][k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) c[i][j] += aik * b[k][j];
    }
  return c;
}

/** The largest column sum of absolute values (the 1-norm). */
function norm1(a: readonly number[][]): number {
  let best = 0;
  for (let j = 0; j < a.length; j++) {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += Math.abs(a[i][j]);
    best = Math.max(best, s);
  }
  return best;
}

/**
 * e^M for a small square matrix, in float64: M is halved s times until its 1-norm is at most 1/2, e^(M/2^s)
 * is summed as a Taylor series until the terms stop changing the sum (at most 40 terms; the remainder after
 * k terms is below 0.5^k / k!), and the result squared s times.
 */
export function expm(m: readonly (readonly number[])[]): number[][] {
  const n = m.length;
  const norm = norm1(m as number[][]);
  if (!Number.isFinite(norm)) throw new Error("internal: non-finite matrix");
  const s = norm > 0.5 ? Math.ceil(Math.log2(norm / 0.5)) : 0;
  const scale = 2 ** -s;
  const x = m.map((row) => row.map((v) => v * scale));
  const sum: number[][] = Array.from({ length: n }, (_r, i) =>
    Array.from({ length: n }, (_c, j) => (i === j ? 1 : 0)),
  );
  let term = sum.map((row) => row.slice());
  for (let k = 1; k <= 40; k++) {
    term = multiply(term, x).map((row) => row.map((v) => v / k));
    let changed = false;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const before = sum[i][j];
        sum[i][j] += term[i][j];
        if (sum[i][j] !== before) changed = true;
      }
    if (!changed) break;
  }
  let result = sum;
  for (let k = 0; k < s; k++) result = multiply(result, result);
  return result;
}

/**
 * The propagator of the equations over dt, or an UnsupportedError naming the first equation that is not
 * linear with constant coefficients, and why.
 */
export function exactPropagator(
  eq: Source,
  variables: readonly Variable[],
  subs: readonly SubExpression[],
  uniform: ReadonlyMap<string, number>,
  perNeuron: readonly string[],
  dt_ms: number,
): Propagator {
  const n = variables.length;
  const names = variables.map((v) => v.name);
  const bodies = new Map(subs.map((s) => [s.name, s.expr]));
  const env = new Map<string, string>([["dt", String(dt_ms)]]);
  const constants = new Set(["dt", ...uniform.keys()]);
  for (const [name, value] of uniform) env.set(name, `(${value})`);
  const value = (e: Expr): number =>
    (new Function("M", "F", `"use strict"; return ${generate(e, env)};`) as (m: Math, f: unknown) => number)(
      Math,
      PY_ARITHMETIC,
    );
  const refuse = (v: Variable, why: string): never => {
    throw new UnsupportedError(
      `method "exact" needs a system linear in its state variables with constant coefficients ` +
        `(dx/dt = A x + b, A and b made of numbers, dt and parameters with one value for every neuron); ` +
        `d${v.name}/dt (equations line ${v.pos.line}: "${quoteLine(eq.text, v.pos).quote}") is not: ${why}; ` +
        `use method "exponential-euler", "euler" or "rk4"`,
      { variable: v.name, line: v.pos.line },
    );
  };
  const a = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const b = new Array<number>(n).fill(0);
  /** Per row, when its only term is the diagonal one: A dt as a tree (e^(A dt) then rounds as LIF's). */
  const diagonalDt: (Expr | null)[] = new Array<Expr | null>(n).fill(null);
  const describe = (e: Expr, name: string): string => {
    const bad = namesIn(e).find((m) => !constants.has(m));
    if (bad === undefined) return "";
    if (names.includes(bad))
      return `the coefficient of ${name} depends on the state variable ${bad} (a product of state variables is not linear)`;
    if (bad === "t")
      return `the ${name === "" ? "constant term" : `coefficient of ${name}`} depends on the time t`;
    if (perNeuron.includes(bad)) {
      return `the parameter ${bad} has one value per neuron (exact integration needs one value for all)`;
    }
    return `the ${name === "" ? "constant term" : `coefficient of ${name}`} depends on ${bad}, which is not constant`;
  };
  variables.forEach((v, row) => {
    if ((v.noise ?? []).length > 0) refuse(v, "it has noise (xi); exact integration is deterministic");
    let rest: Expr;
    try {
      rest = inline(v.rhs, bodies, { nodes: MAX_INLINED_NODES });
    } catch {
      return refuse(v, "its sub-expressions are too large to write out");
    }
    const terms: [number, Expr][] = [];
    let remainder: Expr | null = rest;
    for (let k = 0; k < n && remainder !== null; k++) {
      const r = splitLinear(remainder, names[k]);
      if ("at" in r) return refuse(v, `${r.why} (column ${quoteLine(eq.text, r.at.pos).column} of its line)`);
      if (r.a !== null) {
        const why = describe(r.a, names[k]);
        if (why !== "") return refuse(v, why);
        terms.push([k, r.a]);
      }
      remainder = r.b;
    }
    if (remainder !== null) {
      const why = describe(remainder, "");
      if (why !== "") return refuse(v, why);
      b[row] = value(remainder);
    }
    for (const [k, e] of terms) a[row][k] += value(e);
    if (terms.length === 1 && terms[0][0] === row) diagonalDt[row] = timesDt(terms[0][1]);
    if (!a[row].every(Number.isFinite) || !Number.isFinite(b[row])) {
      return refuse(v, "a coefficient is not finite with these parameters");
    }
  });
  const m = Array.from({ length: n + 1 }, (_r, i) =>
    Array.from({ length: n + 1 }, (_c, j) => (i === n ? 0 : j === n ? b[i] * dt_ms : a[i][j] * dt_ms)),
  );
  const e = expm(m);
  const p = e.slice(0, n).map((row) => row.slice(0, n));
  const q = e.slice(0, n).map((row) => row[n]);
  // a row that only decays towards a constant (x' = a x + b) takes the closed form from Math.exp directly,
  // so that x' = -x/tau decays by the same float64 factor e^(-dt/tau) as LIF's
  diagonalDt.forEach((adt, row) => {
    if (adt === null || a[row][row] === 0) return;
    const x = value(adt);
    p[row] = p[row].map((_v, j) => (j === row ? Math.exp(x) : 0));
    q[row] = b[row] === 0 ? 0 : b[row] * dt_ms * PY_ARITHMETIC.exprel(x);
  });
  return { p, q };
}
