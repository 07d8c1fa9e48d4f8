/**
 * JavaScript for the `on_pre` and `on_post` pathways of a `SynapseEquations` projection, generated from the
 * resolved trees of model.ts with the equation language's expression generator (src/neurons/equations/
 * codegen.ts) and compiled once with `new Function`. As there, every name becomes a local of our own choosing
 * (s0, R1[i], Q0[j], a number literal), so nothing a user writes is pasted into the code.
 *
 * Per synapse k = (i, j) reached by an event at step ts (time t = ts dt):
 *   load     the variables; each event-driven one decayed exactly since the synapse's last event:
 *            x <- x exp(A (ts - L[k]) dt)   (Brian2's event-driven update, with L[k] its `lastupdate`)
 *   run      the statements in order, in float64 (a port statement adds into the target's buffer)
 *   store    the variables back into their float32 buffers (those assigned and the event-driven ones), w
 *            clamped into the bounds, L[k] <- ts
 * Four functions are made: on_pre and on_post, each learning and frozen. The frozen ones skip the statements
 * that assign a plastic variable (the `plastic` option) and so never store one; every other statement runs
 * and is stored as when learning. Nothing is allocated.
 *
 * Limitation: `new Function` is eval (as for `Equations`): a page whose Content-Security-Policy forbids
 * 'unsafe-eval' cannot build this projection.
 */
import { generate, literal } from "../../neurons/equations/codegen.ts";
import type { Expr } from "../../neurons/equations/parse.ts";
import type { SynapseModel, SynapseStatement } from "./model.ts";

/** One pathway: runs the statements for the spikes `idx[0 .. count)` of step `ts`. */
export type Pathway = (
  idx: Int32Array,
  count: number,
  ts: number,
  R: readonly Float32Array[],
  T: readonly Float32Array[],
  Q: readonly Float32Array[],
) => void;

export interface CompiledSynapses {
  readonly pre: Pathway;
  readonly post: Pathway;
  readonly preFrozen: Pathway;
  readonly postFrozen: Pathway;
}

export interface SynapseCodegenInput {
  readonly model: SynapseModel;
  readonly dt_ms: number;
  /** The value of every constant the texts use. */
  readonly params: ReadonlyMap<string, number>;
  /** Source state names read (the order of `R`), target state names read (`T`), ports added into (`Q`). */
  readonly preStates: readonly string[];
  readonly postStates: readonly string[];
  readonly ports: readonly string[];
  /** Indices of the plastic variables: their assignments are skipped while learning is off. */
  readonly plastic: readonly number[];
  /** Bounds of the variable `w` as float32 holds them, when given. */
  readonly wBounds: readonly [number, number] | undefined;
}

/** What the generated factory closes over. */
export interface SynapseBuffers {
  readonly variables: readonly Float32Array[];
  /** The step of each synapse's last event (Brian2's lastupdate), in steps. */
  readonly lastStep: Int32Array;
  readonly rowPtr: Int32Array;
  readonly colIdx: Int32Array;
  /** Writes the synapses onto post neuron j as (pre, synapse) pairs into `pre` and `syn`; returns the count. */
  readonly incoming: (j: number, pre: Int32Array, syn: Int32Array) => number;
  /** Scratch of at least the largest fan-in. */
  readonly scratchPre: Int32Array;
  readonly scratchSyn: Int32Array;
  /** Called with (synapse, variable index, value) when a stored value leaves the float32 range; must throw. */
  readonly fail: (synapse: number, variable: number, value: number) => never;
  /**
   * Called when an event-driven decay leaves the float32 range, with (synapse, variable index, value, the
   * value before the decay, the time since the last event in ms, the rate A of dx/dt = A x); must throw.
   */
  readonly failDecay: (
    synapse: number,
    variable: number,
    value: number,
    before: number,
    elapsed_ms: number,
    rate: number,
  ) => never;
}

const FLOAT32_OVERFLOW = 3.4028235677973366e38;

/** The factory's source: `(M, V, L, rowPtr, colIdx, inc, A, W, fail, failDecay) => CompiledSynapses`. */
export function synapseSource(c: SynapseCodegenInput): string {
  const { model } = c;
  const env = new Map<string, string>();
  for (const [name, ref] of model.names) {
    switch (ref.kind) {
      case "variable":
        env.set(name, `s${ref.index}`);
        break;
      case "constant":
        env.set(name, literal(c.params.get(name) as number));
        break;
      case "builtin":
        env.set(name, name === "dt" ? literal(c.dt_ms) : name);
        break;
      case "pre":
        env.set(name, `R${c.preStates.indexOf(ref.state)}[i]`);
        break;
      case "post":
        env.set(name, `T${c.postStates.indexOf(ref.state)}[j]`);
        break;
      case "temporary":
        env.set(name, `tmp${ref.index}`);
        break;
    }
  }
  const head = ['"use strict";'];
  model.variables.forEach((_v, m) => head.push(`const V${m} = V[${m}];`));
  const fns = [
    ["pre", pathway(c, env, model.onPre, "pre", true)],
    ["post", pathway(c, env, model.onPost, "post", true)],
    ["preFrozen", pathway(c, env, model.onPre, "pre", false)],
    ["postFrozen", pathway(c, env, model.onPost, "post", false)],
  ];
  return [...head, "return {", ...fns.map(([name, body]) => `${name}: ${body},`), "};"].join("\n");
}

/** One pathway's function (see the file header). */
function pathway(
  c: SynapseCodegenInput,
  env: ReadonlyMap<string, string>,
  statements: readonly SynapseStatement[],
  side: "pre" | "post",
  learning: boolean,
): string {
  const vars = c.model.variables;
  const frozen = (s: SynapseStatement) => s.target.kind === "variable" && c.plastic.includes(s.target.index);
  const run = learning ? statements : statements.filter((s) => !frozen(s));
  if (run.length === 0) return "function () {}";
  const assigned = new Set<number>();
  for (const s of run) if (s.target.kind === "variable") assigned.add(s.target.index);
  const traces = vars.some((v) => v.eventDriven);

  const body: string[] = [];
  if (traces) body.push(`const el = (ts - L[k]) * ${literal(c.dt_ms)};`);
  // per-synapse parameters first: an event-driven rate may read them
  vars.forEach((v, m) => {
    if (!v.eventDriven) body.push(`let s${m} = V${m}[k];`);
  });
  vars.forEach((v, m) => {
    if (!v.eventDriven) return;
    body.push(
      `let s${m} = V${m}[k] * ${decayFactor(v.rate as Expr, env)};`,
      `if (!(s${m} < ${FLOAT32_OVERFLOW} && s${m} > ${-FLOAT32_OVERFLOW})) ` +
        `failDecay(k, ${m}, s${m}, V${m}[k], el, ${generate(v.rate as Expr, env)});`,
    );
  });
  // the temporaries of this pathway: locals of one synapse's event (each assigned before it is read)
  const temps = new Set(run.flatMap((s) => (s.target.kind === "temporary" ? [s.target.index] : [])));
  for (const t of temps) body.push(`let tmp${t} = 0;`);
  for (const s of run) {
    const value = generate(s.value, env);
    if (s.target.kind === "variable") body.push(`s${s.target.index} ${s.op} ${value};`);
    else if (s.target.kind === "temporary") body.push(`tmp${s.target.index} ${s.op} ${value};`);
    else body.push(`Q${c.ports.indexOf(s.target.port)}[j] ${s.op} ${value};`);
  }
  const w = vars.findIndex((v) => v.name === "w");
  if (w >= 0 && assigned.has(w) && c.wBounds !== undefined) {
    const [lo, hi] = c.wBounds.map(literal);
    body.push(`s${w} = s${w} < ${lo} ? ${lo} : s${w} > ${hi} ? ${hi} : s${w};`);
  }
  // an event-driven variable is stored decayed to this event even when frozen (with L[k] moved to it, the
  // decay it keeps is the same)
  vars.forEach((v, m) => {
    if (!v.eventDriven && !assigned.has(m)) return;
    body.push(
      `if (!(s${m} < ${FLOAT32_OVERFLOW} && s${m} > ${-FLOAT32_OVERFLOW})) fail(k, ${m}, s${m});`,
      `V${m}[k] = s${m};`,
    );
  });
  if (traces) body.push("L[k] = ts;");

  const loop =
    side === "pre"
      ? [
          "const i = idx[q];",
          "const end = rowPtr[i + 1];",
          "for (let k = rowPtr[i]; k < end; k++) {",
          "const j = colIdx[k];",
        ]
      : [
          "const j = idx[q];",
          "const n = inc(j, A, W);",
          "for (let p = 0; p < n; p++) {",
          "const i = A[p], k = W[p];",
        ];
  return [
    "function (idx, count, ts, R, T, Q) {",
    ...c.preStates.map((_s, r) => `const R${r} = R[${r}];`),
    ...c.postStates.map((_s, r) => `const T${r} = T[${r}];`),
    ...c.ports.map((_p, q) => `const Q${q} = Q[${q}];`),
    `const t = ts * ${literal(c.dt_ms)};`,
    "for (let q = 0; q < count; q++) {",
    ...loop,
    ...body,
    "}",
    "}",
    "}",
  ].join("\n");
}

/**
 * exp(A el), written so that A = c / tau gives exp((c el) / tau): for -x/tau, exp(-el / tau), Brian2's own
 * rounding of the exact update.
 */
function decayFactor(rate: Expr, env: ReadonlyMap<string, string>): string {
  if (rate.kind === "binary" && rate.op === "/") {
    return `M.exp((${generate(rate.left, env)} * el) / ${generate(rate.right, env)})`;
  }
  return `M.exp(${generate(rate, env)} * el)`;
}

/** Compiles the factory once and binds it to the projection's buffers. */
export function compileSynapses(source: string, b: SynapseBuffers): CompiledSynapses {
  // the source is generated from checked trees only (see the file header)
  const factory = new Function(
    "M",
    "V",
    "L",
    "rowPtr",
    "colIdx",
    "inc",
    "A",
    "W",
    "fail",
    "failDecay",
    source,
  ) as (...args: unknown[]) => CompiledSynapses;
  return factory(
    Math,
    b.variables,
    b.lastStep,
    b.rowPtr,
    b.colIdx,
    b.incoming,
    b.scratchPre,
    b.scratchSyn,
    b.fail,
    b.failDecay,
  );
}
