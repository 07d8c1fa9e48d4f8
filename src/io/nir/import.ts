/**
 * NIR graph -> spikeflow `Network` (pure: no file system; file.ts reads files). docs/nir.md.
 *
 * Every stateful node becomes a population: Input -> Input, LIF -> LIF (AdaptiveLIF with frozen per-neuron
 * thresholds when only v_threshold differs between neurons), IF -> IF, CubaLIF -> SynapticLIF, LI -> LI,
 * I -> Integrator, Threshold -> Threshold; parameters that differ between neurons give a population with
 * per-neuron values (import-neurons.ts). Every path through stateless nodes (Affine, Linear, Scale, Conv2d,
 * Flatten, SumPool2d, AvgPool2d, Delay, subgraph Input/Output) from one population to another becomes one
 * projection into the target's "i_nA" port (the NIR input I, held over the step); a chain of several
 * stateless nodes is composed into one map (ops.ts). Biases become the Affine's own bias, or a Bias
 * projection (Conv2d biases, biases inside chains, biases shared by several paths).
 *
 * Time. NIR stores no step, so `dt_s` is required. The continuous equations are discretised at dt:
 *   method "exact" (default): zero-order hold, the exact solution for input constant over a step;
 *   method "euler": forward Euler, v += (dt/tau) (v_leak - v + r I), the form snnTorch and Norse export from
 *     (tau = dt / (1 - beta)) and NIR's reference CubaLIF uses. LIF gets it through the engine's exact LIF
 *     with tau' = -dt / ln(1 - dt/tau), whose per-step decay is exactly 1 - dt/tau.
 *   IF and I ("integrators"): "per-step" (default) is v[t+1] = v[t] + r x[t], what snnTorch (PR #452), Sinabs,
 *     Norse and Spyx do and case C31 states; "ode" is dv/dt = r x with t in seconds, v += r x dt.
 * Units: NIR's voltages and currents are taken as the engine's mV and nA, seconds become ms.
 * Thresholds: v >= v_threshold (the engine's convention; NIR says >, which differs only when v lands on the
 * threshold exactly, as in case C31); Threshold nodes keep NIR's strict >. Reset: `reset` "to-value"
 * (default, NIR's v <- v_reset) or "subtract" (v <- v - (v_threshold - v_reset)). State starts at rest:
 * v = v_leak (LIF, CubaLIF, LI; Norse's choice), v_reset (IF), 0 (I), synaptic currents 0; NIR's reference
 * implementations start at 0, the same thing for their v_leak = 0. There is no refractory period.
 *
 * Delays. The engine delivers spikes one step after they are emitted, through every projection
 * (docs/conventions.md), so a feed-forward chain of k stateful nodes (the Input included) answers k - 1
 * steps after its input, and every cycle (a recurrent weight, lif -> w_rec -> lif) carries a one-step delay,
 * the rule NIR suggests for graph-level simulators (outputs at t feed inputs at t + 1). A Delay node on a
 * path adds its delay to that step: it becomes the projection's `delay_ms`, or per-synapse delays on a Sparse
 * when its elements differ (import-delays.ts). `latency_steps` reports the shortest delay from an Input to
 * each Output, conduction delays included.
 */
// Limitation: an Output must be fed directly by a stateful node; an Output behind stateless nodes (a readout
// computed without a neuron) has no population to hold it and is rejected.
import {
  InvalidParameterError,
  SpikeflowError,
  UnsupportedError,
  requirePositive,
} from "../../core/errors.ts";
import { optionKeys, requireKnownKeys } from "../../core/options.ts";
import { log, withWarningMuted } from "../../core/log.ts";
import { SHORT_TIME_CONSTANT } from "../../core/time.ts";
import { Network } from "../../network/network.ts";
import type { Population, Projection } from "../../network/types.ts";
import { requireMethod } from "../../neurons/first-order.ts";
import type { IntegrationMethod } from "../../neurons/first-order.ts";
import type { ResetMode } from "../../neurons/lif.ts";
import { Affine } from "../../projections/affine.ts";
import { AvgPool2d } from "../../projections/avg-pool-2d.ts";
import { Bias } from "../../projections/bias.ts";
import { Conv2d } from "../../projections/conv-2d.ts";
import { Dense } from "../../projections/dense.ts";
import { OneToOne } from "../../projections/one-to-one.ts";
import { Sparse } from "../../projections/sparse.ts";
import { SumPool2d } from "../../projections/sum-pool-2d.ts";
import type { NirDocument, NirGraph, NirNodeType, NirTensor } from "./graph.ts";
import { NIR_NEURON_TYPES, shapeSize } from "./graph.ts";
import { checkNirDocument } from "./check.ts";
import { flattenGraph } from "./flatten.ts";
import { buildPopulation } from "./import-neurons.ts";
import type { IntegratorMode, NeuronContext } from "./import-neurons.ts";

export type { IntegratorMode };
import type { FlatGraph, FlatNode } from "./flatten.ts";
import { chainDelays, perElement } from "./import-delays.ts";
import type { ChainDelays } from "./import-delays.ts";
import { applyChain, composeChain, linearOpOf } from "./ops.ts";
import type { LinearOp } from "./ops.ts";
import { convPadding, inferShapes } from "./shapes.ts";
import type { NodeShapes } from "./shapes.ts";

export interface NirImportOptions {
  /** Step length in seconds. Required: NIR files store no time step. */
  readonly dt_s: number;
  /** Reset of LIF, IF and CubaLIF after a spike. Default "to-value" (NIR's v <- v_reset). */
  readonly reset?: ResetMode;
  /** Discretisation of LIF, CubaLIF and LI. Default "exact". */
  readonly method?: IntegrationMethod;
  /** IF and I: "per-step" v += r x each step (default), or "ode" v += r x dt. */
  readonly integrators?: IntegratorMode;
  /** Name of the file, for messages. Default "graph". */
  readonly file?: string;
}

/** The options as used, so a caller can report them. */
export interface ResolvedNirImportOptions {
  readonly dt_s: number;
  readonly reset: ResetMode;
  readonly method: IntegrationMethod;
  readonly integrators: IntegratorMode;
}

export interface NirPopulationInfo {
  readonly population: string;
  /** Flat-graph path of the NIR node ("lif1/lif1" for node lif1 of subgraph lif1). */
  readonly node: string;
  readonly type: NirNodeType;
  /** The engine model, e.g. "lif", "synaptic-lif". */
  readonly model: string;
  readonly shape: readonly number[];
  readonly size: number;
}

export interface NirProjectionInfo {
  readonly projection: string;
  /** The stateless nodes composed into it, in order ([] for a direct edge; [node] for a bias). */
  readonly nodes: readonly string[];
  readonly source: string;
  readonly target: string;
  /** The engine projection kind: "dense", "affine", "sparse", "conv-2d", "bias", ... */
  readonly kind: string;
  readonly port: string;
}

/** What exportNir needs to write the graph back with its original shapes and Output names. */
export interface NirExportHints {
  readonly shapes: Readonly<Record<string, readonly number[]>>;
  readonly outputs: Readonly<
    Record<string, { readonly population: string; readonly shape: readonly number[] }>
  >;
}

export interface NirImport {
  readonly network: Network;
  readonly populations: readonly NirPopulationInfo[];
  readonly projections: readonly NirProjectionInfo[];
  /** Input node -> population. */
  readonly inputs: Readonly<Record<string, string>>;
  /** Output node -> the population it reads. */
  readonly outputs: Readonly<Record<string, string>>;
  /** Output node -> steps from the nearest Input (null when no Input reaches it). */
  readonly latency_steps: Readonly<Record<string, number | null>>;
  readonly options: ResolvedNirImportOptions;
  readonly exportHints: NirExportHints;
}

/** Most source-to-target paths through stateless nodes an import enumerates (diamonds multiply them). */
const MAX_PATHS = 100_000;

type Ctx = NeuronContext;

type Role = "input" | "output" | "neuron" | "map";

function roleOf(f: FlatNode): Role {
  if (f.passThrough) return "map";
  if (f.node.type === "Input") return "input";
  if (f.node.type === "Output") return "output";
  return NIR_NEURON_TYPES.includes(f.node.type) ? "neuron" : "map";
}

interface Chain {
  readonly source: string;
  readonly target: string;
  /** Stateless node paths, in order. */
  readonly path: readonly string[];
  /** The Affine whose bias this projection carries, if any. */
  bias: string | null;
}

function enumerate(
  ctx: Ctx,
  flat: FlatGraph,
  succ: ReadonlyMap<string, readonly string[]>,
  start: string,
  onTarget: (node: string, path: readonly string[]) => void,
  onOutput: (node: string, path: readonly string[]) => void,
): void {
  let count = 0;
  const visit = (node: string, path: string[]): void => {
    if (++count > MAX_PATHS) {
      throw new UnsupportedError(
        `${ctx.file}: more than ${MAX_PATHS} paths through stateless nodes start at ${JSON.stringify(start)}; ` +
          `the graph branches and joins too often to be composed into projections`,
        { file: ctx.file, node: start },
      );
    }
    const f = flat.nodes.get(node)!;
    switch (roleOf(f)) {
      case "neuron":
        onTarget(node, path);
        return;
      case "output":
        onOutput(node, path);
        return;
      case "input":
        throw new UnsupportedError(`${ctx.file}: an edge enters Input node ${JSON.stringify(node)}`, {
          file: ctx.file,
          node,
        });
      case "map":
        if (path.includes(node)) {
          const loop = [...path.slice(path.indexOf(node)), node];
          const delays = loop.filter((p) => flat.nodes.get(p)!.node.type === "Delay");
          if (delays.length > 0) {
            throw new UnsupportedError(
              `${ctx.file}: the stateless nodes ${loop.join(" -> ")} form a loop without a neuron in it; its ` +
                `Delay node(s) ${delays.map((p) => JSON.stringify(p)).join(", ")} would hold values between ` +
                "steps, but spikeflow delays only the spikes of projections between neurons: put a neuron in the cycle",
              { file: ctx.file, node },
            );
          }
          throw new UnsupportedError(
            `${ctx.file}: the stateless nodes ${[...path.slice(path.indexOf(node)), node].join(" -> ")} form a ` +
              `loop without a neuron in it (an algebraic loop with no delay); put a stateful node in the cycle`,
            { file: ctx.file, node },
          );
        }
        for (const s of succ.get(node) ?? []) visit(s, [...path, node]);
    }
  };
  for (const s of succ.get(start) ?? []) visit(s, []);
}

/**
 * The weight, bias and scale tensors of a node (the stateless ones have them), checked against float32, which the engine stores
 * them in: a finite value beyond its range is an UnsupportedError naming the file, the node and the entry (it
 * would become Infinity); nonzero values too small for it, which become 0, are warned about
 * ("nir-float32-underflow"), not dropped without a word.
 */
function checkFloat32Tensors(file: string, f: FlatNode): void {
  const n = f.node as unknown as Record<string, unknown>;
  for (const field of ["weight", "bias", "scale"]) {
    const t = n[field] as NirTensor | undefined;
    if (t === undefined || !(t.data instanceof Float64Array)) continue;
    let tiny = 0;
    let first = -1;
    for (let k = 0; k < t.data.length; k++) {
      const v = t.data[k];
      const single = Math.fround(v);
      if (Number.isFinite(v) && !Number.isFinite(single)) {
        throw new UnsupportedError(
          `${file}: node ${JSON.stringify(f.path)} (${f.node.type}): ${field}[${k}] = ${v} is beyond the ` +
            `float32 range (+-3.4e38) that spikeflow stores weights in; scale the network's weights down`,
          { file, node: f.path, field, index: k },
        );
      }
      if (single === 0 && v !== 0) {
        tiny++;
        if (first < 0) first = k;
      }
    }
    if (tiny > 0) {
      log.warn(
        "nir-float32-underflow",
        `${file}: node ${JSON.stringify(f.path)} (${f.node.type}): ${tiny} ${field} value${tiny === 1 ? " is" : "s are"} ` +
          `nonzero but below float32's smallest (1.4e-45), so spikeflow stores 0 (the first: ${field}[${first}] = ` +
          `${t.data[first]})`,
      );
    }
  }
}

function transpose(W: NirTensor): Float32Array {
  const [out, inn] = W.shape;
  const t = new Float32Array(out * inn);
  for (let j = 0; j < out; j++) for (let i = 0; i < inn; i++) t[i * out + j] = W.data[j * inn + i];
  return t;
}

/** The engine projection for one chain (weights only, plus the Affine bias it carries). */
function buildProjection(
  chain: Chain,
  ops: readonly LinearOp[],
  flat: FlatGraph,
  shapes: ReadonlyMap<string, NodeShapes>,
  source: Population,
  target: Population,
  delays: ChainDelays,
  dt_ms: number,
): Projection {
  const port = "i_nA";
  const real = ops.filter((op) => !op.identity);
  if (perElement(delays)) return perSynapseDelayed(real, source, target, delays, dt_ms);
  // one delay for every synapse: the projection's own delay_ms (none when 0)
  const timing = delays.uniform === 0 ? {} : { delay_ms: delays.uniform * dt_ms, dt_ms };
  if (real.length === 0) return new OneToOne(source, target, { weights: 1, port, ...timing });
  if (real.length === 1) {
    const op = real[0];
    const f = flat.nodes.get(op.path)!;
    const n = f.node;
    const s = shapes.get(op.path)!;
    switch (n.type) {
      case "Affine":
      case "Linear": {
        const weights = transpose(n.weight);
        if (chain.bias !== null)
          return new Affine(source, target, { weights, bias: op.bias ?? 0, port, ...timing });
        return new Dense(source, target, { weights, port, ...timing });
      }
      case "Scale":
        return new OneToOne(source, target, {
          weights: n.scale.data.length === 1 ? n.scale.data[0] : n.scale.data,
          port,
          ...timing,
        });
      case "Conv2d": {
        const [pt, pb, pl, pr] = convPadding(n);
        const plain = n.groups === 1 && n.dilation[0] === 1 && n.dilation[1] === 1 && pt === pb && pl === pr;
        if (!plain) break;
        const [C, H, W] = s.in;
        return new Conv2d(source, target, {
          inputShape: [C, H, W],
          kernel: [n.weight.shape[2], n.weight.shape[3]],
          stride: [n.stride[0], n.stride[1]],
          padding: [pt, pl],
          outChannels: n.weight.shape[0],
          weights: n.weight.data,
          port,
          ...timing,
        });
      }
      case "SumPool2d":
      case "AvgPool2d": {
        const [C, H, W] = s.in;
        const Kind = n.type === "SumPool2d" ? SumPool2d : AvgPool2d;
        return new Kind(source, target, {
          inputShape: [C, H, W],
          kernel: [n.kernel_size[0], n.kernel_size[1]],
          stride: [n.stride[0], n.stride[1]],
          padding: [n.padding[0], n.padding[1]],
          port,
          ...timing,
        });
      }
      default:
        break;
    }
  }
  const map = composeChain(real, source.size);
  const nnz = map.colIdx.length;
  if (nnz > 0.25 * map.rows * map.cols) {
    const w = new Float32Array(map.rows * map.cols);
    for (let i = 0; i < map.rows; i++) {
      for (let e = map.rowPtr[i]; e < map.rowPtr[i + 1]; e++) w[i * map.cols + map.colIdx[e]] = map.w[e];
    }
    return new Dense(source, target, { weights: w, port, ...timing });
  }
  return new Sparse(source, target, map, { port, ...timing });
}

/**
 * A chain whose Delay nodes give its synapses different delays (import-delays.ts): a Sparse with one delay
 * per synapse, uniform + pre[i] + post[j] steps, whatever the weight nodes (a dense matrix included; its
 * zero entries are no synapses). Its bias, if any, is a Bias projection of its own (the caller's).
 */
function perSynapseDelayed(
  real: readonly LinearOp[],
  source: Population,
  target: Population,
  delays: ChainDelays,
  dt_ms: number,
): Projection {
  const { uniform, pre, post } = delays;
  const delay_ms = (i: number, j: number): number =>
    (uniform + (pre === null ? 0 : pre[i]) + (post === null ? 0 : post[j])) * dt_ms;
  return new Sparse(source, target, composeChain(real, source.size), { port: "i_nA", delay_ms, dt_ms });
}

/** The shortest conduction delay of a projection's synapses, in steps (0 without delays). */
function leastDelaySteps(p: Projection): number {
  const per = p.synapseDelaySteps;
  if (per === undefined) return (p as { delaySteps?: number }).delaySteps ?? 0;
  let least = per.length === 0 ? 0 : per[0];
  for (let k = 1; k < per.length; k++) if (per[k] < least) least = per[k];
  return least;
}

/**
 * Warns (log id "nir-option-hint") where the metadata that spikeflow's export writes disagrees with the
 * options of this import: the graph's "spikeflow.method" and "spikeflow.integrators", and the nodes'
 * "spikeflow.reset". Metadata never changes what a node computes (NIR's rule), so a file exported with
 * `reset: "subtract"` runs with the import's reset; the warning says which option reproduces the export.
 */
function warnAboutOptionHints(
  graph: NirGraph,
  flat: FlatGraph,
  file: string,
  opts: ResolvedNirImportOptions,
): void {
  const say = (what: string, hinted: string, used: string, key: string): void =>
    log.warn(
      "nir-option-hint",
      `${file}: its metadata says it was exported with ${what} "${hinted}" (${key}), but it is imported with ` +
        `${what} "${used}"; metadata is only a hint: import it with ${what} "${hinted}" to run it as exported`,
    );
  const meta = graph.metadata ?? {};
  const method = meta["spikeflow.method"];
  if (typeof method === "string" && method !== opts.method)
    say("method", method, opts.method, "spikeflow.method");
  const integrators = meta["spikeflow.integrators"];
  if (typeof integrators === "string" && integrators !== opts.integrators) {
    say("integrators", integrators, opts.integrators, "spikeflow.integrators");
  }
  // the nodes' reset hints (subgraphs' nodes included): one mode that differs names the option to use; two
  // modes (a network whose populations reset differently) cannot both be reproduced by one import
  const modes = new Set<string>();
  for (const { node } of flat.nodes.values()) {
    const reset = node.metadata?.["spikeflow.reset"];
    if (typeof reset === "string") modes.add(reset);
  }
  if (modes.size > 1) {
    log.warn(
      "nir-option-hint",
      `${file}: its metadata says its nodes were exported with different reset modes (` +
        `${[...modes].map((m) => `"${m}"`).join(", ")}; spikeflow.reset), but an import applies one to the whole ` +
        `graph (here "${opts.reset}"): only the nodes exported with "${opts.reset}" run as exported`,
    );
    return;
  }
  const [hinted] = modes;
  if (hinted !== undefined && hinted !== opts.reset) {
    say("reset", hinted, opts.reset, "spikeflow.reset of its nodes");
  }
}

/** The keys of NirImportOptions (`importNir` hands these on to `nirToNetwork`). */
export const NIR_IMPORT_KEYS = optionKeys<NirImportOptions>({
  dt_s: true,
  reset: true,
  method: true,
  integrators: true,
  file: true,
});

/**
 * Builds a spikeflow network from a NIR document (see the file comment for every convention).
 * Errors: InvalidParameterError (options), FormatError (inconsistent graph), UnsupportedError (valid NIR
 * that spikeflow cannot represent), each naming the file and the node.
 */
export function nirToNetwork(doc: NirDocument | NirGraph, options: NirImportOptions): NirImport {
  requireKnownKeys("NIR import options", options, NIR_IMPORT_KEYS);
  const file = options.file ?? "graph";
  // a document built in code gets the checks a file gets as it is read (read.ts)
  const graph = checkNirDocument(doc, file);
  const dt_s = requirePositive("dt_s", options.dt_s);
  // NIR's times are in seconds: a step of whole seconds or below a microsecond is almost always a unit slip
  if (dt_s > 0.1 || dt_s < 1e-6) {
    log.warn(
      "nir-dt-unusual",
      `dt_s = ${dt_s} s is an unusual simulation step; NIR times are in seconds, so a step of 1 ms is ` +
        "dt_s = 1e-3 (the spikeflow command line takes 1e-6 to 1)",
    );
  }
  const reset = options.reset ?? "to-value";
  if (reset !== "to-value" && reset !== "subtract") {
    throw new InvalidParameterError(`reset must be "to-value" or "subtract", got ${JSON.stringify(reset)}`);
  }
  const integrators = options.integrators ?? "per-step";
  if (integrators !== "per-step" && integrators !== "ode") {
    throw new InvalidParameterError(
      `integrators must be "per-step" or "ode", got ${JSON.stringify(integrators)}`,
    );
  }
  const opts: ResolvedNirImportOptions = {
    dt_s,
    reset,
    method: requireMethod(options.method ?? "exact"),
    integrators,
  };
  const ctx: Ctx = { file, dt_ms: dt_s * 1000, ...opts };
  const hint = graph.metadata?.dt;
  if (typeof hint === "number" && Math.abs(hint - dt_s) > 1e-9 * dt_s) {
    log.warn(
      "nir-dt-hint",
      `${file}: its metadata gives a step of ${hint} s, but it is imported at dt_s = ${dt_s} s; metadata is only a ` +
        `hint, check that the time step is the one the network was trained with`,
    );
  }

  const flat = flattenGraph(graph, file);
  warnAboutOptionHints(graph, flat, file, opts);
  // the weights of every stateless node, once, before a projection copies them to float32
  for (const f of flat.nodes.values()) checkFloat32Tensors(file, f);
  const shapes = inferShapes(flat, file);
  const succ = new Map<string, string[]>();
  for (const [a, b] of flat.edges) succ.set(a, [...(succ.get(a) ?? []), b]);

  const network = new Network({ dt_ms: ctx.dt_ms, learning: false });
  const pops = new Map<string, Population>();
  const populations: NirPopulationInfo[] = [];
  const inputs: Record<string, string> = {};
  const hintShapes: Record<string, readonly number[]> = {};
  for (const f of flat.nodes.values()) {
    const role = roleOf(f);
    if (role !== "input" && role !== "neuron") continue;
    const shape = shapes.get(f.path)!.out;
    // the file's time constants are in seconds by the NIR spec and converted here (for "euler" to an
    // equivalent exact tau that can be below dt), so the seconds-for-ms warning would be wrong
    const pop = network.addPopulation(
      f.path,
      withWarningMuted(SHORT_TIME_CONSTANT, () => buildPopulation(ctx, f, shapeSize(shape))),
    );
    pops.set(f.path, pop);
    populations.push({
      population: f.path,
      node: f.path,
      type: f.node.type,
      model: pop.model,
      shape,
      size: pop.size,
    });
    hintShapes[f.path] = shape;
    if (role === "input") inputs[f.path] = f.path;
  }

  const chains: Chain[] = [];
  const outputs: Record<string, string> = {};
  const hintOutputs: Record<string, { population: string; shape: readonly number[] }> = {};
  for (const start of pops.keys()) {
    enumerate(
      ctx,
      flat,
      succ,
      start,
      (target, path) => chains.push({ source: start, target, path, bias: null }),
      (out, path) => {
        if (path.length > 0) {
          throw new UnsupportedError(
            `${file}: Output ${JSON.stringify(out)} is fed through stateless node(s) ${path.join(" -> ")} from ` +
              `${JSON.stringify(start)}; spikeflow reads outputs from neurons, so end the graph with a neuron ` +
              `(an LI node for a readout)`,
            { file, node: out },
          );
        }
        if (outputs[out] !== undefined && outputs[out] !== start) {
          throw new UnsupportedError(`${file}: Output ${JSON.stringify(out)} is fed by several nodes`, {
            file,
          });
        }
        outputs[out] = start;
        hintOutputs[out] = { population: start, shape: shapes.get(out)!.in };
      },
    );
  }

  // an Output that nothing reaches reports nothing (a file without edges, say): said, not dropped silently
  const declared = [...flat.nodes.values()].filter((f) => roleOf(f) === "output").map((f) => f.path);
  for (const out of declared) {
    if (outputs[out] !== undefined) continue;
    log.warn(
      "nir-output-unfed",
      `${file}: Output ${JSON.stringify(out)} is fed by no neuron (no edge reaches it), so it reports nothing`,
    );
  }

  const opOf = new Map<string, LinearOp>();
  const op = (path: string): LinearOp => {
    let o = opOf.get(path);
    if (o === undefined) {
      o = linearOpOf(flat.nodes.get(path)!, shapes.get(path)!);
      opOf.set(path, o);
    }
    return o;
  };

  // the delays of each chain's Delay nodes (checked here, before anything is built)
  const delaysOf = new Map<Chain, ChainDelays>();
  for (const c of chains) {
    const size = (p: string): number => pops.get(p)!.size;
    delaysOf.set(c, chainDelays(file, flat, c.path, dt_s, size(c.source), size(c.target)));
  }
  // a chain with per-synapse delays becomes a Sparse, which carries no bias: its Affine's bias is separate
  const delayed = (c: Chain): boolean => perElement(delaysOf.get(c)!);

  // biases: each node's bias reaches every stateful node downstream of it, through the nodes in between
  const biases: { node: string; target: string; downstream: readonly string[] }[] = [];
  for (const f of flat.nodes.values()) {
    if (roleOf(f) !== "map" || (f.node.type !== "Affine" && f.node.type !== "Conv2d")) continue;
    if (op(f.path).bias === null) continue;
    enumerate(
      ctx,
      flat,
      succ,
      f.path,
      (target, downstream) => biases.push({ node: f.path, target, downstream }),
      (out) => {
        throw new UnsupportedError(
          `${file}: the bias of ${JSON.stringify(f.path)} reaches Output ${JSON.stringify(out)} without a neuron`,
          { file, node: f.path },
        );
      },
    );
  }
  const separate = biases.filter((b) => {
    const real = b.downstream.filter((p) => !op(p).identity);
    if (real.length > 0 || flat.nodes.get(b.node)!.node.type !== "Affine") return true;
    const through = chains.filter((c) => c.target === b.target && c.path.includes(b.node));
    const only = through.length === 1 ? through[0] : null;
    if (only === null || delayed(only) || only.path.filter((p) => !op(p).identity).length !== 1) return true;
    only.bias = b.node;
    return false;
  });

  // an Affine that is the only node of the only path through it keeps its bias (even a zero one) in place
  for (const c of chains) {
    const real = c.path.filter((p) => !op(p).identity);
    if (c.bias !== null || delayed(c) || real.length !== 1 || flat.nodes.get(real[0])!.node.type !== "Affine")
      continue;
    if (op(real[0]).bias === null && chains.filter((d) => d.path.includes(real[0])).length === 1)
      c.bias = real[0];
  }

  // a projection is named by its nodes; a Flatten right after the source or right before the target (what
  // spikeflow's export writes around a weight matrix or a convolution) is left out, so that exporting and
  // importing again gives the same names instead of a longer one every round; so are Delay nodes (export
  // writes "<projection>.delay"), unless they are all the chain has (export names a lone one by its
  // projection)
  const keyOf = (c: Chain): string => {
    const named = c.path.filter(
      (p, k) =>
        !flat.nodes.get(p)!.passThrough &&
        !(flat.nodes.get(p)!.node.type === "Flatten" && (k === 0 || k === c.path.length - 1)),
    );
    const weights = named.filter((p) => flat.nodes.get(p)!.node.type !== "Delay");
    const shown = weights.length > 0 ? weights : named;
    return shown.length === 0 ? `${c.source}->${c.target}` : shown.join("+");
  };
  const keyCount = new Map<string, number>();
  for (const c of chains) keyCount.set(keyOf(c), (keyCount.get(keyOf(c)) ?? 0) + 1);
  const projections: NirProjectionInfo[] = [];
  const leastDelay = new Map<Chain, number>();
  for (const c of chains) {
    const key = keyOf(c);
    const name = keyCount.get(key)! > 1 ? `${key}[${c.source}->${c.target}]` : key;
    let built: Projection;
    try {
      built = buildProjection(
        c,
        c.path.map(op),
        flat,
        shapes,
        pops.get(c.source)!,
        pops.get(c.target)!,
        delaysOf.get(c)!,
        ctx.dt_ms,
      );
    } catch (e) {
      if (e instanceof UnsupportedError || !(e instanceof SpikeflowError)) throw e;
      throw new UnsupportedError(
        `${ctx.file}: the connection ${c.source} -> ${c.target} through ${c.path.map((p) => JSON.stringify(p)).join(", ")} ` +
          `cannot be built: ${e.message}`,
        { file: ctx.file, nodes: c.path },
      );
    }
    const proj = network.addProjection(name, built);
    leastDelay.set(c, leastDelaySteps(proj));
    projections.push({
      projection: name,
      nodes: c.path,
      source: c.source,
      target: c.target,
      kind: proj.kind,
      port: proj.port,
    });
  }
  const biasCount = new Map<string, number>();
  for (const b of separate) biasCount.set(b.node, (biasCount.get(b.node) ?? 0) + 1);
  separate.forEach((b, k) => {
    const vector = applyChain(b.downstream.map(op), op(b.node).bias!);
    const name = biasCount.get(b.node)! > 1 ? `${b.node}.bias->${b.target}#${k}` : `${b.node}.bias`;
    const proj = network.addProjection(name, new Bias(pops.get(b.target)!, { bias: vector, port: "i_nA" }));
    projections.push({
      projection: name,
      nodes: [b.node, ...b.downstream],
      source: b.target,
      target: b.target,
      kind: proj.kind,
      port: proj.port,
    });
  });

  // latency: the fewest steps from an Input population to each output population, one per projection plus
  // its shortest conduction delay (relaxed until nothing changes: at most one round per population)
  const dist = new Map<string, number>();
  Object.values(inputs).forEach((p) => dist.set(p, 0));
  const hops = chains.map((c) => ({ c, steps: 1 + leastDelay.get(c)! }));
  for (let changed = true; changed;) {
    changed = false;
    for (const { c, steps } of hops) {
      const from = dist.get(c.source);
      if (from === undefined) continue;
      const to = dist.get(c.target);
      if (to === undefined || from + steps < to) {
        dist.set(c.target, from + steps);
        changed = true;
      }
    }
  }
  const latency_steps: Record<string, number | null> = {};
  for (const [out, pop] of Object.entries(outputs)) latency_steps[out] = dist.get(pop) ?? null;

  return {
    network,
    populations,
    projections,
    inputs,
    outputs,
    latency_steps,
    options: opts,
    exportHints: { shapes: hintShapes, outputs: hintOutputs },
  };
}
