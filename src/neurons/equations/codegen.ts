/**
 * JavaScript for one step of an equation model, generated from the resolved trees of analyse.ts and compiled
 * once with `new Function`. Only the trees reach the generated text: every name becomes a local of our own
 * choosing (x0, P1[i], a number literal), every operator one of a fixed table and every function a member
 * of Math or of PY_ARITHMETIC (F), a noise draw a call of the given generator's normal() (R), so nothing a user
 * writes is pasted into the code (no injection). The step allocates nothing.
 *
 * Limitation: `new Function` is eval; a page whose Content-Security-Policy forbids 'unsafe-eval' cannot build
 * an equation model (the constructor throws the browser's EvalError).
 */
import { InvalidParameterError } from "../../core/errors.ts";
import { namesIn } from "./analyse.ts";
import type { Analysed, SubExpression } from "./analyse.ts";
import { mentions, negate, ratio, timesDt } from "./linear.ts";
import type { Linear, LinearForms } from "./linear.ts";
import type { Expr } from "./parse.ts";

export type EquationsMethod = "euler" | "exponential-euler" | "rk4" | "exact";

export interface CodegenInput {
  readonly analysed: Analysed;
  readonly method: EquationsMethod;
  /** A x + B of every equation and the sub-expression parts they name, for "exponential-euler". */
  readonly linear: LinearForms | undefined;
  /** The one-step propagator y = P x + q, for "exact" (exact.ts). */
  readonly propagator?:
    { readonly p: readonly (readonly number[])[]; readonly q: readonly number[] } | undefined;
  readonly size: number;
  readonly dt_ms: number;
  /** Refractory steps R (0: none). */
  readonly refSteps: number;
  /** Parameters with one value for the population: written into the code as literals. */
  readonly uniform: ReadonlyMap<string, number>;
  /** Parameters with one value per neuron, in the order of the `P` arrays the step is given. */
  readonly perNeuron: readonly string[];
}

/** The step the generated code returns: advances every neuron from time t (ms), returns the spike count. */
export type GeneratedStep = (t: number) => number;

/** What the generated factory is called with (the buffers it closes over). */
export interface StepBuffers {
  readonly states: readonly Float32Array[];
  readonly ports: readonly Float32Array[];
  readonly perNeuron: readonly Float64Array[];
  readonly refractoryLeft: Int32Array;
  /** Each neuron's last spike time (ms), `lastspike`. */
  readonly lastSpike: Float64Array;
  /** The generator of the noise's normal draws (only called when the equations have noise). */
  readonly rng: { normal(): number } | undefined;
  readonly spikeIdx: Int32Array;
  readonly spiked: Uint8Array;
  /**
   * Called with (neuron, variable index, value) when a value leaves the float32 range in the integration, and
   * with the index of the reset statement as a fourth argument when that statement produced it; must throw.
   */
  readonly fail: (neuron: number, variable: number, value: number, statement?: number) => never;
}

/** The smallest magnitude that float32 stores as Infinity (as src/neurons/izhikevich.ts). */
const FLOAT32_OVERFLOW = 3.4028235677973366e38;

/** A finite number as JavaScript source. */
export function literal(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`internal: non-finite literal ${x}`);
  if (Object.is(x, -0)) return "(-0)";
  return x < 0 ? `(${String(x)})` : String(x);
}

/**
 * Python's (and numpy's, so Brian2's) float `%` and `//`: the remainder has the sign of the divisor, and
 * a // b is the quotient that goes with it, so a == (a // b) * b + a % b up to rounding. Computed from the
 * exact remainder fmod (JavaScript's %) as CPython's float divmod does, so 1 // 0.1 is 9 (1 % 0.1 is
 * 0.0999...), not floor(1 / 0.1) = 10. x % 0 is NaN and x // 0 is x / 0 (numpy's values; Python raises).
 */
export const PY_ARITHMETIC = Object.freeze({
  /**
   * Brian2's exprel(x) = (e^x - 1)/x, 1 at x = 0: from expm1, so it keeps full precision near 0, where
   * exp(x) - 1 would cancel (HH rate functions at their removable singularity).
   */
  exprel(x: number): number {
    return x === 0 ? 1 : Math.expm1(x) / x;
  },
  mod(a: number, b: number): number {
    const r = a % b;
    if (r === 0) return b < 0 ? -0 : 0; // a zero remainder takes the divisor's sign too
    return r < 0 !== b < 0 ? r + b : r;
  },
  floordiv(a: number, b: number): number {
    if (b === 0) return a / b;
    const r = a % b;
    let div = (a - r) / b;
    if (r !== 0 && r < 0 !== b < 0) div -= 1; // the remainder moves to the divisor's sign
    if (div === 0) return a / b < 0 ? -0 : 0;
    const floor = Math.floor(div);
    return div - floor > 0.5 ? floor + 1 : floor;
  },
});

const JS_OPERATORS: Readonly<Record<string, string>> = {
  "+": "+",
  "-": "-",
  "*": "*",
  "/": "/",
  "**": "**",
  "<": "<",
  "<=": "<=",
  ">": ">",
  ">=": ">=",
  "==": "===",
  "!=": "!==",
  and: "&&",
  or: "||",
};

/** Operators that associate to the left with the others of their group, as in JavaScript. */
const CHAIN_GROUP: Readonly<Record<string, number | undefined>> = {
  "+": 1,
  "-": 1,
  "*": 2,
  "/": 2,
  and: 3,
  or: 4,
};

type Env = ReadonlyMap<string, string>;

/** JavaScript for a resolved expression; `env` gives the code of every name. */
export function generate(e: Expr, env: Env): string {
  switch (e.kind) {
    case "number":
      return literal(e.value);
    case "bool":
      return e.value ? "true" : "false";
    case "name": {
      const code = env.get(e.name);
      if (code === undefined) throw new Error(`internal: no code for the name ${e.name}`);
      return code;
    }
    case "unary":
      return e.op === "-" ? `(-${generate(e.arg, env)})` : `(!${generate(e.arg, env)})`;
    case "binary": {
      if (e.op === "//" || e.op === "%") {
        return `F.${e.op === "//" ? "floordiv" : "mod"}(${generate(e.left, env)}, ${generate(e.right, env)})`;
      }
      // a left-associative chain (a + b - c, a * b / c, a and b and c) is written without inner parentheses,
      // in a loop: JavaScript associates it the same way, and its parser then needs no nesting per term
      const group = CHAIN_GROUP[e.op];
      const rights: string[] = [];
      let left: Expr = e;
      while (left.kind === "binary" && group !== undefined && CHAIN_GROUP[left.op] === group) {
        rights.push(`${JS_OPERATORS[left.op]} ${generate(left.right, env)}`);
        left = left.left;
      }
      if (rights.length === 0)
        return `(${generate(e.left, env)} ${JS_OPERATORS[e.op]} ${generate(e.right, env)})`;
      return `(${generate(left, env)} ${rights.reverse().join(" ")})`;
    }
    case "call": {
      const args = e.args.map((a) => generate(a, env));
      if (e.fn === "clip") return `M.min(M.max(${args[0]}, ${args[1]}), ${args[2]})`;
      if (e.fn === "exprel") return `F.exprel(${args[0]})`;
      return `M.${e.fn}(${args.join(", ")})`;
    }
  }
}

/**
 * The most characters of generated code: a safety net, as the code grows with the length of the texts (each
 * sub-expression is computed once per place it is evaluated, never substituted), so only texts of hundreds of
 * kilobytes reach it.
 */
export const MAX_CODE_CHARS = 4_000_000;

function tooLong(size: string): InvalidParameterError {
  return new InvalidParameterError(
    `Equations: the generated step would be ${size} characters of JavaScript, more than the ` +
      `${MAX_CODE_CHARS} allowed; shorten the equations, threshold or reset (a reset of many statements ` +
      `that each use a long chain of sub-expressions computes the chain once per statement)`,
    { limit: MAX_CODE_CHARS },
  );
}

/**
 * Emits, into `out`, a local for each sub-expression (or part of one) that `exprs` use directly or through
 * another, each after those it uses, named `prefix` + its index, and returns `env` with their names added.
 * Each line is taken from `budget.chars`; the error of a too long step is thrown as soon as it runs out.
 */
function withLocals(
  exprs: readonly Expr[],
  locals: readonly SubExpression[],
  env: Env,
  prefix: string,
  out: string[],
  budget: { chars: number },
): Env {
  const index = new Map(locals.map((s, k) => [s.name, k]));
  const needed = new Set<number>();
  const work = exprs.flatMap((e) => namesIn(e));
  while (work.length > 0) {
    const k = index.get(work.pop() as string);
    if (k === undefined || needed.has(k)) continue;
    needed.add(k);
    namesIn(locals[k].expr, work);
  }
  const inner = new Map(env);
  locals.forEach((s, k) => {
    if (!needed.has(k)) return;
    const line = `const ${prefix}${k} = ${generate(s.expr, inner)};`;
    out.push(line);
    budget.chars -= line.length;
    if (budget.chars < 0) throw tooLong(`more than ${MAX_CODE_CHARS}`);
    inner.set(s.name, `${prefix}${k}`);
  });
  return inner;
}

/** The source of the factory `(M, F, R, S, Q, P, ref, L, idx, spiked, fail) => step`. */
export function stepSource(c: CodegenInput): string {
  const vars = c.analysed.variables;
  const n = vars.length;
  const base = new Map<string, string>([
    ["dt", literal(c.dt_ms)],
    ["N", literal(c.size)],
    ["i", "i"],
    ["lastspike", "L[i]"],
    ["not_refractory", "(!held)"],
  ]);
  for (const [name, value] of c.uniform) base.set(name, literal(value));
  c.perNeuron.forEach((name, k) => base.set(name, `P${k}[i]`));
  const envWith = (stateCode: (k: number) => string, t: string): Env => {
    const env = new Map(base);
    vars.forEach((v, k) => env.set(v.name, stateCode(k)));
    env.set("t", t);
    return env;
  };
  const head: string[] = ['"use strict";'];
  for (let k = 0; k < n; k++) head.push(`const S${k} = S[${k}], Q${k} = Q[${k}];`);
  c.perNeuron.forEach((_name, k) => head.push(`const P${k} = P[${k}];`));
  const prologue: string[] = [];
  const budget = { chars: MAX_CODE_CHARS };

  // a sub-expression (or linear part) that depends on no state, per-neuron parameter, i or t is the same for
  // every neuron and every evaluation of the step: computed once per step, before the loop; the others are
  // per-neuron locals
  const varying = new Set<string>([
    ...vars.map((v) => v.name),
    ...c.perNeuron,
    "i",
    "t",
    "lastspike",
    "not_refractory",
  ]);
  const locals: SubExpression[] = [];
  [...c.analysed.subs, ...(c.linear?.parts ?? [])].forEach((s, k) => {
    if (namesIn(s.expr).some((name) => varying.has(name))) {
      varying.add(s.name);
      locals.push(s);
    } else {
      prologue.push(`const g${k} = ${generate(s.expr, base)};`);
      base.set(s.name, `g${k}`);
    }
  });
  const subs = c.analysed.subs.filter((s) => varying.has(s.name));
  varying.delete("t"); // A and E may use t: the prologue has it
  const invariant = (e: Expr): boolean => ![...varying].some((name) => mentions(e, name));

  const body: string[] = [];
  const refractory = c.refSteps > 0;
  body.push(refractory ? "const held = ref[i] > 0 && --ref[i] > 0;" : "const held = false;");

  // the state at the start of the step, with what the ports received (discarded while held)
  vars.forEach((v, k) => {
    body.push(`let x${k} = S${k}[i];`, `const q${k} = Q${k}[i];`, `Q${k}[i] = 0;`);
    body.push(v.unlessRefractory && refractory ? `if (!held) x${k} += q${k};` : `x${k} += q${k};`);
  });
  // the sub-expressions the derivatives use, from the state at the start of the step
  const start = withLocals(
    [
      // exponential Euler reads A and B only, the other methods the derivatives
      ...(c.method === "exponential-euler"
        ? (c.linear as LinearForms).forms.flatMap((f) => [f.a, f.b]).filter((e): e is Expr => e !== null)
        : c.method === "exact"
          ? []
          : vars.map((v) => v.rhs)),
      ...vars.flatMap((v) => (v.noise ?? []).map((t) => t.coefficient)),
    ],
    locals,
    envWith((k) => `x${k}`, "t"),
    "s",
    body,
    budget,
  );

  // integrate: every variable from the state at the start of the step
  const heldWrap = (k: number, code: string): string =>
    vars[k].unlessRefractory && refractory ? `held ? x${k} : ${code}` : code;
  if (c.method === "euler") {
    vars.forEach((v, k) =>
      body.push(`let y${k} = ${heldWrap(k, `x${k} + ${literal(c.dt_ms)} * ${generate(v.rhs, start)}`)};`),
    );
  } else if (c.method === "exponential-euler") {
    const forms = (c.linear as LinearForms).forms;
    vars.forEach((_v, k) =>
      body.push(
        `let y${k} = ${heldWrap(k, exponentialEuler(k, forms[k], start, invariant, prologue, body, c.dt_ms))};`,
      ),
    );
  } else if (c.method === "exact") {
    // y = P x + q with P and q computed at construction (exact.ts); zero entries left out
    const { p, q } = c.propagator as NonNullable<CodegenInput["propagator"]>;
    vars.forEach((_v, k) => {
      const terms = p[k].flatMap((pkj, j) => (pkj === 0 ? [] : [`${literal(pkj)} * x${j}`]));
      if (q[k] !== 0) terms.push(literal(q[k]));
      body.push(`let y${k} = ${heldWrap(k, terms.length === 0 ? "0" : terms.join(" + "))};`);
    });
  } else {
    rungeKutta(
      c,
      start,
      (stage, stateCode, t) =>
        withLocals(
          vars.map((v) => v.rhs),
          locals,
          envWith(stateCode, t),
          `s${stage}_`,
          body,
          budget,
        ),
      prologue,
      body,
      heldWrap,
    );
  }
  addNoise(c, start, body);
  for (let k = 0; k < n; k++)
    body.push(`if (!(y${k} < ${FLOAT32_OVERFLOW} && y${k} > ${-FLOAT32_OVERFLOW})) fail(i, ${k}, y${k});`);

  // threshold and reset, from the new state: a reset statement's sub-expressions are computed anew from
  // what the statements before it assigned
  const { threshold, reset } = c.analysed;
  const after = envWith((k) => `y${k}`, "t");
  if (threshold !== undefined) {
    const env = withLocals([threshold], subs, after, "h", body, budget);
    body.push(
      `if (!held && ${generate(threshold, env)}) {`,
      "idx[count++] = i;",
      "spiked[i] = 1;",
      "L[i] = t;",
    );
    // in the reset the neuron has just spiked: lastspike is now, and it is refractory (as Brian2 sets them)
    const afterSpike = new Map(after).set("not_refractory", "false");
    reset.forEach((s, m) => {
      const k = vars.findIndex((v) => v.name === s.target);
      const env = withLocals([s.value], subs, afterSpike, `r${m}_`, body, budget);
      body.push(`y${k} ${s.op} ${generate(s.value, env)};`);
      body.push(
        `if (!(y${k} < ${FLOAT32_OVERFLOW} && y${k} > ${-FLOAT32_OVERFLOW})) fail(i, ${k}, y${k}, ${m});`,
      );
    });
    if (refractory) body.push(`ref[i] = ${c.refSteps};`);
    body.push("}");
  }
  for (let k = 0; k < n; k++) body.push(`S${k}[i] = y${k};`);

  const source = [
    ...head,
    "return function step(t) {",
    ...prologue,
    "let count = 0;",
    `for (let i = 0; i < ${c.size}; i++) {`,
    ...body,
    "}",
    "return count;",
    "};",
  ].join("\n");
  if (source.length > MAX_CODE_CHARS) throw tooLong(String(source.length));
  return source;
}

/**
 * The Euler-Maruyama noise increment of each noisy variable, added after its deterministic update: one normal
 * draw per noise name, neuron and step (drawn also while the neuron is refractory, so the stream does not
 * depend on the spikes), and y += sqrt(dt) (g_1 n_1 + g_2 n_2 + ...), with each g at the start of the step.
 * A held variable gets none.
 */
function addNoise(c: CodegenInput, start: Env, body: string[]): void {
  const vars = c.analysed.variables;
  const names = [...new Set(vars.flatMap((v) => (v.noise ?? []).map((t) => t.name)))];
  if (names.length === 0) return;
  names.forEach((_name, m) => body.push(`const n${m} = R.normal();`));
  const sqrtDt = literal(Math.sqrt(c.dt_ms));
  vars.forEach((v, k) => {
    const terms = v.noise ?? [];
    if (terms.length === 0) return;
    const sum = terms.map((t) => `${generate(t.coefficient, start)} * n${names.indexOf(t.name)}`).join(" + ");
    const add = `y${k} += ${sqrtDt} * (${sum});`;
    body.push(v.unlessRefractory && c.refSteps > 0 ? `if (!held) ${add}` : add);
  });
}

/**
 * The exponential-Euler update of variable k, x' = A x + B with A and B at the start of the step:
 * with F = -B/A and E = e^(A dt), x <- F + (x - F) E; x <- x E when B = 0; x <- x + dt B when A = 0 (also
 * when A comes out 0 for a neuron). A and E go to the prologue when A is the same for every neuron.
 */
function exponentialEuler(
  k: number,
  form: Linear,
  env: Env,
  invariant: (e: Expr) => boolean,
  prologue: string[],
  body: string[],
  dt_ms: number,
): string {
  const { a, b } = form;
  if (a === null) return b === null ? `x${k}` : `x${k} + ${literal(dt_ms)} * ${generate(b, env)}`;
  (invariant(a) ? prologue : body).push(
    `const A${k} = ${generate(a, env)};`,
    `const E${k} = M.exp(${generate(timesDt(a), env)});`,
  );
  if (b === null) return `x${k} * E${k}`;
  body.push(`const F${k} = ${generate(negate(ratio(b, a)) as Expr, env)};`);
  return `(A${k} === 0 ? x${k} + ${literal(dt_ms)} * ${generate(b, env)} : F${k} + (x${k} - F${k}) * E${k})`;
}

/** Classic fourth-order Runge-Kutta over the step; a held variable has slope 0 in every stage. */
function rungeKutta(
  c: CodegenInput,
  start: Env,
  stageEnv: (stage: number, stateCode: (k: number) => string, t: string) => Env,
  prologue: string[],
  body: string[],
  heldWrap: (k: number, code: string) => string,
): void {
  const vars = c.analysed.variables;
  const half = literal(c.dt_ms / 2);
  prologue.push(`const tHalf = t + ${half}, tEnd = t + ${literal(c.dt_ms)};`);
  const slope = (stage: number, env: Env): void =>
    vars.forEach((v, k) =>
      body.push(
        `const k${stage}_${k} = ${vars[k].unlessRefractory && c.refSteps > 0 ? `held ? 0 : ` : ""}${generate(v.rhs, env)};`,
      ),
    );
  slope(1, start);
  const stages: [number, string, string][] = [
    [2, half, "tHalf"],
    [3, half, "tHalf"],
    [4, literal(c.dt_ms), "tEnd"],
  ];
  for (const [stage, h, t] of stages) {
    vars.forEach((_v, k) => body.push(`const z${stage}_${k} = x${k} + ${h} * k${stage - 1}_${k};`));
    slope(
      stage,
      stageEnv(stage, (k) => `z${stage}_${k}`, t),
    );
  }
  const sixth = literal(c.dt_ms / 6);
  vars.forEach((_v, k) =>
    body.push(
      `let y${k} = ${heldWrap(k, `x${k} + ${sixth} * (k1_${k} + 2 * (k2_${k} + k3_${k}) + k4_${k})`)};`,
    ),
  );
}

/** Compiles the factory once and binds it to the population's buffers. */
export function compileStep(source: string, b: StepBuffers): GeneratedStep {
  // the source is generated from checked trees only (see the file header)
  const factory = new Function("M", "F", "R", "S", "Q", "P", "ref", "L", "idx", "spiked", "fail", source) as (
    ...args: unknown[]
  ) => GeneratedStep;
  return factory(
    Math,
    PY_ARITHMETIC,
    b.rng,
    b.states,
    b.ports,
    b.perNeuron,
    b.refractoryLeft,
    b.lastSpike,
    b.spikeIdx,
    b.spiked,
    b.fail,
  );
}
