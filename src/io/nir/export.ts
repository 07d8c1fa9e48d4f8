/**
 * spikeflow `Network` -> NIR graph (pure; file.ts writes files). docs/nir.md.
 *
 * Populations become neuron nodes, projections become stateless nodes between them:
 *   Input -> Input; LIF -> LIF; AdaptiveLIF -> LIF with its current thresholds v_th + theta (frozen);
 *   IF -> IF; SynapticLIF -> CubaLIF; LI -> LI; Integrator -> I; Threshold -> Threshold;
 *   Dense -> Linear; Affine -> Affine; OneToOne -> Scale (a direct edge when every weight is 1); Conv2d ->
 *   Conv2d; SumPool2d/AvgPool2d -> the same; Bias -> merged into the bias of an Affine/Linear or Conv2d
 *   into the same population (else an Affine with zero weights); Sparse, Local2d, LateralInhibition and any
 *   other projection with synapses -> Linear with the dense [post, pre] matrix; a SynapseEquations only when
 *   it is static weights (on_pre exactly "<port> += w", no on_post, w not event-driven), else refused. A conduction delay adds a
 *   Delay node (export-delays.ts): after the weight node for one `delay_ms`, before it for per-synapse
 *   delays that depend on the pre neuron alone, one on each side for a sum of a pre and a post delay.
 * Time constants are written in seconds and are NOT multiplied by dt (case C32: a LIF with tau_mem = 1/900 s
 * is written as tau = 1.111e-3 s). With method "exact" (default) tau is the engine's tau; with "euler" it is
 * the tau for which forward Euler at dt gives the engine's per-step decay, tau = dt / (1 - decay). IF and I
 * write r as the per-step gain dt / C ("per-step", default) or as 1 / C per second ("ode"). Every LIF, IF
 * and CubaLIF carries v_reset. A parameter that a LIF, IF, SynapticLIF or LI takes per neuron is written as a
 * per-neuron tensor, one given once as a filled one. The graph metadata records dt (s), the method and the
 * integrator mode as hints; node metadata records the reset mode ("spikeflow.reset").
 *
 * Ports. NIR neurons have one input, a current I held over the step. A projection into a LIF or IF "dv_mV"
 * port (a voltage jump per spike) is rescaled to that current: x = dv / currentGain, which gives the same
 * jump in the same step, so the exported graph computes exactly what the network does. Exporting then
 * importing with the same dt and options rebuilds the same network (test/io/nir-roundtrip.test.ts).
 *
 * Lossy cases, each reported with log.warn id "nir-export-lossy" and in `notes`: refractory periods (NIR has
 * none), AdaptiveLIF adaptation and its one-spike-per-step rule, a SynapticLIF discretised with another
 * method than the export's, an initial v other than the rest value the importer starts from (NIR stores no
 * state).
 */
import {
  InvalidParameterError,
  UnsupportedError,
  describeValue,
  requirePositive,
} from "../../core/errors.ts";
import { optionKeys, requireKnownKeys } from "../../core/options.ts";
import { log } from "../../core/log.ts";
import { Network } from "../../network/network.ts";
import type { Population, Projection } from "../../network/types.ts";
import { Subgroup } from "../../network/subgroup.ts";
import type { PerNeuronValue } from "../../neurons/base.ts";
import { AdaptiveLIF } from "../../neurons/adaptive-lif.ts";
import { requireMethod } from "../../neurons/first-order.ts";
import type { IntegrationMethod } from "../../neurons/first-order.ts";
import { IF } from "../../neurons/if.ts";
import { Input } from "../../neurons/input.ts";
import { Integrator } from "../../neurons/integrator.ts";
import { LI } from "../../neurons/li.ts";
import { LIF } from "../../neurons/lif.ts";
import type { LifParams } from "../../neurons/lif.ts";
import { SynapticLIF } from "../../neurons/synaptic-lif.ts";
import { Threshold } from "../../neurons/threshold.ts";
import { Affine } from "../../projections/affine.ts";
import { Bias } from "../../projections/bias.ts";
import { Conv2d } from "../../projections/conv-2d.ts";
import { Dense } from "../../projections/dense.ts";
import { LateralInhibition } from "../../projections/lateral-inhibition.ts";
import { OneToOne } from "../../projections/one-to-one.ts";
import { Pool2d } from "../../projections/pool-2d.ts";
import { SynapseEquations } from "../../projections/synapse-equations.ts";
import type { NirDocument, NirMetadata, NirNode, NirTensor } from "./graph.ts";
import { NIR_WRITE_VERSION, filledTensor, shapeSize } from "./graph.ts";
import type { IntegratorMode } from "./import.ts";
import { delayPlanOf } from "./export-delays.ts";
import type { DelayPlan } from "./export-delays.ts";

export interface NirExportOptions {
  /** Step length in seconds; must be the network's (dt_ms / 1000), which is the default. */
  readonly dt_s?: number;
  /** How tau relates to the per-step decay: "exact" (default) or "euler" (see the file comment). */
  readonly method?: IntegrationMethod;
  /** How IF and I write r: "per-step" (default) or "ode". */
  readonly integrators?: IntegratorMode;
  /**
   * Output node name -> the population it reads (and optionally the Output's shape). Default: every
   * population that feeds no projection (Input populations excepted), as "output" when there is one.
   */
  readonly outputs?: Readonly<
    Record<string, string | { readonly population: string; readonly shape?: readonly number[] }>
  >;
  /** Population -> NIR shape (default: from convolution/pooling geometry, else [size]). */
  readonly shapes?: Readonly<Record<string, readonly number[]>>;
  /** Extra graph metadata (strings, numbers, tensors). */
  readonly metadata?: NirMetadata;
}

export interface NirExport {
  readonly document: NirDocument;
  /** What the NIR file cannot express (also logged with id "nir-export-lossy"). */
  readonly notes: readonly string[];
}

/** Largest dense matrix written for a projection without a NIR counterpart (Sparse, Local2d...). */
const MAX_DENSE_ENTRIES = 2 ** 27;

interface DenseRecord {
  kind: "dense";
  readonly name: string;
  readonly target: string;
  /** [post][pre]. */
  readonly weight: Float32Array;
  readonly shape: readonly [number, number];
  bias: Float32Array | null;
}

interface ConvRecord {
  kind: "conv";
  readonly name: string;
  readonly target: string;
  readonly node: Omit<Extract<NirNode, { type: "Conv2d" }>, "bias">;
  bias: Float32Array;
  readonly outShape: readonly [number, number, number];
}

interface OtherRecord {
  kind: "other";
  readonly name: string;
  readonly target: string;
  readonly node: NirNode;
}

type NodeRecord = DenseRecord | ConvRecord | OtherRecord;

const t64 = (shape: readonly number[], values: ArrayLike<number>): NirTensor => ({
  shape: [...shape],
  data: Float64Array.from(values),
});

/**
 * The NIR graph of a network. Throws UnsupportedError for a population or projection that NIR cannot
 * express (Izhikevich, the multi-synapse CubaLIF, ...), naming it.
 */
/**
 * Refuses a `shapes` option that names no population of `network`, or gives a population a shape that is not
 * a list of positive integers whose product is the population's size (a hint that cannot be used is an
 * error, not silently ignored).
 */
function requireShapeHints(shapes: NirExportOptions["shapes"], network: Network): void {
  if (shapes === undefined) return;
  if (typeof shapes !== "object" || shapes === null || Array.isArray(shapes)) {
    throw new InvalidParameterError(
      `shapes must map population names to shapes (e.g. { X: [1, 28, 28] }), got ${describeValue(shapes)}`,
    );
  }
  const names = network.populationNames;
  for (const [name, hint] of Object.entries(shapes)) {
    if (!names.includes(name)) {
      throw new InvalidParameterError(
        `shapes names population "${name}", which the network does not have; its populations are ` +
          names.map((n) => JSON.stringify(n)).join(", "),
      );
    }
    requireShapeOf(`shapes.${name}`, hint, network.population(name).size);
  }
}

/** Refuses a shape that is not a list of positive integers whose product is `size`; `label` names the option. */
function requireShapeOf(label: string, shape: unknown, size: number): void {
  if (
    !Array.isArray(shape) ||
    shape.length === 0 ||
    !shape.every((d) => Number.isInteger(d) && d > 0) ||
    shapeSize(shape as number[]) !== size
  ) {
    throw new InvalidParameterError(
      `${label} must be a list of positive integers whose product is the population's size ${size} ` +
        `(e.g. [${size}]), got ${Array.isArray(shape) ? JSON.stringify(shape) : describeValue(shape)}`,
    );
  }
}

/** The keys of NirExportOptions. */
export const NIR_EXPORT_KEYS = optionKeys<NirExportOptions>({
  dt_s: true,
  method: true,
  integrators: true,
  outputs: true,
  shapes: true,
  metadata: true,
});

export function networkToNir(network: Network, opts: NirExportOptions = {}): NirExport {
  if (!(network instanceof Network)) {
    throw new InvalidParameterError(
      `networkToNir takes a Network (the one to export), got ${describeValue(network)}`,
    );
  }
  requireKnownKeys("NIR export options", opts, NIR_EXPORT_KEYS);
  const dt_ms = network.dt_ms;
  const dt_s = opts.dt_s ?? dt_ms / 1000;
  requirePositive("dt_s", dt_s);
  if (Math.abs(dt_s * 1000 - dt_ms) > 1e-9 * dt_ms) {
    throw new InvalidParameterError(
      `dt_s = ${dt_s} s does not match the network's step of ${dt_ms} ms; NIR has no step of its own, and the ` +
        `parameters are converted at the network's step: pass dt_s = ${dt_ms / 1000} (or omit it)`,
      { dt_s, dt_ms },
    );
  }
  const method = requireMethod(opts.method ?? "exact");
  const integrators = opts.integrators ?? "per-step";
  if (integrators !== "per-step" && integrators !== "ode") {
    throw new InvalidParameterError(
      `integrators must be "per-step" or "ode", got ${JSON.stringify(integrators)}`,
    );
  }
  const notes: string[] = [];
  const note = (message: string): void => {
    notes.push(message);
    log.warn("nir-export-lossy", message);
  };

  const popNames = network.populationNames;
  const projNames = network.projectionNames;
  const projs = projNames.map((n) => network.projection(n));
  const nameOf = new Map<Population, string>(popNames.map((n) => [network.population(n), n]));
  // Limitation: a projection from or to a subgroup (Network.addSubgroup) is refused. NIR edges connect whole
  // nodes: writing it would need the dense weights padded to the parent's size (and a Sparse or delayed one
  // to a full [post, pre] matrix of the parent), or a slicing node that NIR does not define.
  projs.forEach((p, k) => {
    const end = [p.source, p.target].find((e): e is Subgroup => e instanceof Subgroup);
    if (end === undefined) return;
    throw new UnsupportedError(
      `projection "${projNames[k]}" ${end === p.source ? "starts at" : "ends at"} subgroup "${end.name}" ` +
        `(neurons ${end.start}..${end.stop - 1} of "${end.parentName}"), which NIR cannot express: its edges ` +
        `connect whole nodes; to export, build the network with one population per group`,
      { projection: projNames[k], subgroup: end.name },
    );
  });

  // node names: "/" is not allowed in HDF5 names, so "sub/node" (from an imported subgraph) becomes "sub.node"
  const used = new Set<string>();
  // `named`: a population's or projection's own name, whose change the notes report (not a generated one)
  const unique = (raw: string, named = false): string => {
    const base = raw.replace(/\//g, ".") || "node";
    let name = base;
    for (let k = 2; used.has(name) || name === "."; k++) name = `${base}~${k}`;
    used.add(name);
    if (named && name !== raw) {
      note(
        `"${raw}" is written as node "${name}"` +
          (name === base ? ' (HDF5 names cannot hold "/")' : ` (the name "${base}" was taken)`),
      );
    }
    return name;
  };
  const popNode = new Map<string, string>(popNames.map((n) => [n, unique(n, true)]));
  requireShapeHints(opts.shapes, network);

  // a voltage jump into a LIF, AdaptiveLIF or IF whose neurons differ in current gain (per-neuron tau, R or
  // C) has no NIR weight: refused first, as the delays below, before any warning about what the export
  // approximates
  projs.forEach((p, k) => {
    const t = p.target;
    const gain = perNeuronCurrentGain(t);
    if (p.port === "dv_mV" && gain !== undefined && !gain.every((g) => g === gain[0])) {
      const why = t instanceof IF ? "capacitance_nF" : "tauMem_ms or resistance_MOhm";
      throw new UnsupportedError(
        `projection "${projNames[k]}" jumps the voltage ("dv_mV") of population "${nameOf.get(t)}", whose ` +
          `neurons have different current gains (per-neuron ${why}), so no NIR weight gives the same jumps; ` +
          `export a network whose projections into it use "i_nA"`,
      );
    }
  });
  // synapses from text: only a static weight projection ("port += w" on_pre, nothing else) has a NIR form
  projs.forEach((p, k) => {
    if (!(p instanceof SynapseEquations)) return;
    const why = p.staticWeightsRefusal();
    if (why === undefined) return;
    throw new UnsupportedError(
      `projection "${projNames[k]}" (synapse-equations) cannot be exported: ${why}. NIR has no form for ` +
        `synaptic statements or per-synapse variables; only a SynapseEquations whose on_pre is exactly ` +
        `"${p.port} += w", without on_post and with w not event-driven, is written (as a Linear of w, with its ` +
        `delay)`,
      { projection: projNames[k] },
    );
  });
  // delays first (a per-synapse pattern that no Delay node can write is refused), before any warning about
  // what the export approximates
  const delayPlans = projs.map((p, k) => delayPlanOf(p, projNames[k], dt_ms));
  // shapes: hints, then convolution/pooling geometry, else flat
  const shapeOf = new Map<string, readonly number[]>();
  for (const p of projs) {
    const src = nameOf.get(p.source)!;
    const tgt = nameOf.get(p.target)!;
    if (p instanceof Conv2d || p instanceof Pool2d) {
      const g = p.geometry;
      if (!shapeOf.has(src)) shapeOf.set(src, [g.C, g.H, g.W]);
      if (!shapeOf.has(tgt)) shapeOf.set(tgt, [...p.outShape]);
    }
  }
  // A weight matrix (Linear, Affine) writes a flat vector, and NIR has no node that gives a vector a
  // multi-dimensional shape again. So a population that a weight matrix feeds is written flat, whatever its
  // hint says (a convolution or pooling into it then goes through a Flatten), unless its shape is needed: it
  // feeds a convolution or pooling, or is joined one-to-one (then the file keeps the shape and the matrix's
  // edge joins equal sizes of different shapes; see the Limitation in docs/nir.md).
  const geometric = new Set<string>();
  const matrixFed = new Set<string>();
  for (const p of projs) {
    const src = nameOf.get(p.source)!;
    const tgt = nameOf.get(p.target)!;
    if (p instanceof Conv2d || p instanceof Pool2d) geometric.add(src);
    else if (p instanceof OneToOne) {
      geometric.add(src);
      geometric.add(tgt);
    } else if (!(p instanceof Bias)) matrixFed.add(tgt);
  }
  const writtenFlat = new Set([...matrixFed].filter((name) => !geometric.has(name)));
  const flattenedHints = new Set<string>(); // populations whose shape hint was noted as not used
  const shape = (name: string): readonly number[] => {
    const size = network.population(name).size;
    const hint = opts.shapes?.[name];
    if (writtenFlat.has(name)) {
      if (hint !== undefined && hint.length > 1 && !flattenedHints.has(name)) {
        flattenedHints.add(name);
        note(
          `population "${name}": its shape [${hint.join(", ")}] (shapes option) is written as [${size}], ` +
            "because a weight matrix feeds it and NIR cannot give a vector a shape again",
        );
      }
      return [size];
    }
    if (hint !== undefined) return hint;
    const geo = shapeOf.get(name);
    return geo !== undefined && shapeSize(geo) === size ? geo : [size];
  };

  const nodes: Record<string, NirNode> = {};
  for (const name of popNames) {
    nodes[popNode.get(name)!] = populationNode(
      network.population(name),
      name,
      shape(name),
      dt_ms,
      method,
      integrators,
      note,
    );
  }
  // a NIR import applies one reset mode to every node (the nodes' "spikeflow.reset" is a hint), so a network
  // whose populations reset in different ways cannot come back as it was
  const resets = new Map<string, string[]>();
  for (const name of popNames) {
    const mode = nodes[popNode.get(name)!].metadata?.["spikeflow.reset"];
    if (typeof mode === "string") resets.set(mode, [...(resets.get(mode) ?? []), name]);
  }
  if (resets.size > 1) {
    note(
      `the populations reset in different ways (${[...resets]
        .map(([mode, names]) => `${mode}: ${names.map((n) => `"${n}"`).join(", ")}`)
        .join("; ")}); a NIR import applies one reset mode to the whole graph, so it reproduces only the ` +
        "populations of the mode it is given",
    );
  }

  // projections
  const edges: [string, string][] = [];
  const records: NodeRecord[] = [];
  // A weight matrix reads a flat vector: a population with a multi-dimensional shape (an image Input) feeds
  // it through one Flatten node, so the file's shapes agree edge by edge (no relaxed-shape reading).
  const flatNodes = new Map<string, string>();
  const flatOf = (pop: string): string => {
    const shp = shape(pop);
    if (shp.length <= 1) return popNode.get(pop)!;
    let flat = flatNodes.get(pop);
    if (flat === undefined) {
      flat = unique(`${pop}.flatten`);
      flatNodes.set(pop, flat);
      records.push({
        kind: "other",
        name: flat,
        target: pop,
        node: { type: "Flatten", input_type: [...shp], start_dim: 0, end_dim: -1 },
      });
      edges.push([popNode.get(pop)!, flat]);
    }
    return flat;
  };
  // a convolution or pooling writes [C, H, W]; into a population written flat it goes through a Flatten
  const intoTarget = (from: string, tgt: string, outShape: readonly number[]): [string, string][] => {
    if (shape(tgt).length > 1 || outShape.length <= 1) return [[from, popNode.get(tgt)!]];
    const flat = unique(`${from}.flatten`);
    records.push({
      kind: "other",
      name: flat,
      target: tgt,
      node: { type: "Flatten", input_type: [...outShape], start_dim: 0, end_dim: -1 },
    });
    return [
      [from, flat],
      [flat, popNode.get(tgt)!],
    ];
  };
  const biases: { proj: string; target: string; values: Float32Array }[] = [];
  const writeProjection = (p: Projection, k: number): void => {
    const src = nameOf.get(p.source)!;
    const tgt = nameOf.get(p.target)!;
    const scale = inputScale(p, projNames[k]);
    if (p.target instanceof Input) {
      throw new UnsupportedError(
        `projection "${projNames[k]}" feeds Input population "${tgt}"; NIR Inputs take no edges`,
      );
    }
    if (p instanceof Bias) {
      biases.push({ proj: projNames[k], target: tgt, values: Float32Array.from(p.bias, (b) => b * scale) });
      return;
    }
    if (p instanceof OneToOne) {
      const w = Float32Array.from(p.w, (x) => x * scale);
      if (w.every((x) => x === 1)) {
        edges.push([popNode.get(src)!, popNode.get(tgt)!]);
        return;
      }
      const name = unique(projNames[k], true);
      records.push({
        kind: "other",
        name,
        target: tgt,
        node: { type: "Scale", scale: { shape: [...shape(tgt)], data: w } },
      });
      edges.push([popNode.get(src)!, name], [name, popNode.get(tgt)!]);
      return;
    }
    if (p instanceof Conv2d) {
      const g = p.geometry;
      const name = unique(projNames[k], true);
      records.push({
        kind: "conv",
        name,
        target: tgt,
        node: {
          type: "Conv2d",
          weight: { shape: [p.outChannels, g.C, g.kh, g.kw], data: Float32Array.from(p.w, (x) => x * scale) },
          stride: [g.sh, g.sw],
          padding: [g.ph, g.pw],
          dilation: [1, 1],
          groups: 1,
          input_shape: [g.H, g.W],
        },
        bias: new Float32Array(p.outChannels),
        outShape: p.outShape,
      });
      edges.push([popNode.get(src)!, name], ...intoTarget(name, tgt, p.outShape));
      return;
    }
    if (p instanceof Pool2d) {
      const g = p.geometry;
      const name = unique(projNames[k], true);
      const type = p.kind === "sum-pool-2d" ? "SumPool2d" : "AvgPool2d";
      records.push({
        kind: "other",
        name,
        target: tgt,
        node: { type, kernel_size: [g.kh, g.kw], stride: [g.sh, g.sw], padding: [g.ph, g.pw] },
      });
      if (scale === 1) edges.push([popNode.get(src)!, name], ...intoTarget(name, tgt, p.outShape));
      else {
        const s = unique(`${projNames[k]}.scale`);
        records.push({
          kind: "other",
          name: s,
          target: tgt,
          node: { type: "Scale", scale: t64([], [scale]) },
        });
        edges.push([popNode.get(src)!, name], [name, s], ...intoTarget(s, tgt, p.outShape));
      }
      return;
    }
    const matrix = denseMatrix(p, projNames[k], scale);
    const name = unique(projNames[k], true);
    records.push({
      kind: "dense",
      name,
      target: tgt,
      weight: matrix,
      shape: [p.target.size, p.source.size],
      bias: p instanceof Affine ? Float32Array.from(p.bias, (b) => b * scale) : null,
    });
    edges.push([flatOf(src), name], [name, popNode.get(tgt)!]);
  };
  // splits the edge into the weight node (pre side) or into the target (post side) with a Delay node
  const addDelayNodes = (
    p: Projection,
    k: number,
    plan: DelayPlan,
    firstEdge: number,
    firstRecord: number,
  ) => {
    const tgt = nameOf.get(p.target)!;
    const weightNode = records.slice(firstRecord).find((r) => r.kind === "dense")?.name;
    // a direct edge (OneToOne with weights 1) writes no node: its Delay carries the projection's name
    const lone = records.length === firstRecord;
    const sides = [
      { side: "pre", delay: plan.pre, into: weightNode, shape: [p.source.size] },
      { side: "post", delay: plan.post, into: popNode.get(tgt)!, shape: [...shape(tgt)] },
    ] as const;
    for (const { side, delay, into, shape: delayShape } of sides) {
      if (delay === null) continue;
      const name = lone
        ? unique(projNames[k], true)
        : unique(`${projNames[k]}.delay${plan.pre !== null && plan.post !== null ? `.${side}` : ""}`);
      const at = edges.findIndex((e, q) => q >= firstEdge && e[1] === into);
      records.push({
        kind: "other",
        name,
        target: tgt,
        node: { type: "Delay", delay: { shape: delayShape, data: delay } },
      });
      const [a, b] = edges[at];
      edges.splice(at, 1, [a, name], [name, b]);
    }
  };
  projs.forEach((p, k) => {
    const firstEdge = edges.length;
    const firstRecord = records.length;
    writeProjection(p, k);
    const plan = delayPlans[k];
    if (plan !== null) addDelayNodes(p, k, plan, firstEdge, firstRecord);
  });

  // biases join a Conv2d or Affine/Linear into the same population (first the node the bias came from,
  // "<node>.bias" as import names it), else get an Affine with zero weights of their own
  for (const b of biases) {
    const stem = b.proj.replace(/\.bias(->.*)?$/, "").replace(/\//g, ".");
    const fits = (r: NodeRecord): boolean =>
      r.target === b.target &&
      (r.kind === "dense" || (r.kind === "conv" && perChannel(b.values, r.outShape) !== null));
    const into =
      records.find((r) => fits(r) && r.name === stem) ??
      records.find((r) => fits(r) && r.kind === "conv") ??
      records.find((r) => fits(r) && r.kind === "dense");
    if (into !== undefined && into.kind === "conv") {
      const pc = perChannel(b.values, into.outShape)!;
      for (let c = 0; c < pc.length; c++) into.bias[c] += pc[c];
      continue;
    }
    if (into !== undefined && into.kind === "dense") {
      into.bias ??= new Float32Array(into.shape[0]);
      for (let j = 0; j < b.values.length; j++) into.bias[j] += b.values[j];
      continue;
    }
    const target = network.population(b.target);
    const name = unique(b.proj, true);
    records.push({
      kind: "dense",
      name,
      target: b.target,
      weight: new Float32Array(target.size * target.size),
      shape: [target.size, target.size],
      bias: b.values,
    });
    edges.push([popNode.get(b.target)!, name], [name, popNode.get(b.target)!]);
  }
  for (const r of records) {
    if (r.kind === "dense") {
      const weight: NirTensor = { shape: [...r.shape], data: r.weight };
      nodes[r.name] =
        r.bias === null
          ? { type: "Linear", weight }
          : { type: "Affine", weight, bias: { shape: [r.shape[0]], data: r.bias } };
    } else if (r.kind === "conv") {
      nodes[r.name] = { ...r.node, bias: { shape: [r.bias.length], data: r.bias } };
    } else nodes[r.name] = r.node;
  }

  // outputs
  const outputs: [string, string, readonly number[] | undefined][] = [];
  if (opts.outputs !== undefined) {
    for (const [out, spec] of Object.entries(opts.outputs)) {
      const population = typeof spec === "string" ? spec : spec.population;
      const size = network.population(population).size;
      const outShape = typeof spec === "string" ? undefined : spec.shape;
      if (outShape !== undefined) requireShapeOf(`outputs.${out}.shape`, outShape, size);
      outputs.push([out, population, outShape]);
    }
  } else {
    const feeding = new Set(projs.filter((p) => !(p instanceof Bias)).map((p) => nameOf.get(p.source)!));
    const sinks = popNames.filter((n) => !feeding.has(n) && !(network.population(n) instanceof Input));
    sinks.forEach((n) => outputs.push([sinks.length === 1 ? "output" : `output.${n}`, n, undefined]));
  }
  for (const [out, population, outShape] of outputs) {
    const name = unique(out);
    const popShape = shape(population);
    // a population written flat by the weight-matrix rule above gives its Output the flat shape too, so that
    // edge also joins equal shapes (a given shape describes the population's layout before flattening)
    nodes[name] = {
      type: "Output",
      shape: outShape !== undefined && !writtenFlat.has(population) ? [...outShape] : [...popShape],
    };
    edges.push([popNode.get(population)!, name]);
  }

  const metadata: NirMetadata = {
    dt: dt_s,
    "spikeflow.method": method,
    "spikeflow.integrators": integrators,
    "spikeflow.producer": "spikeflow",
    ...opts.metadata,
  };
  return {
    document: { version: NIR_WRITE_VERSION, graph: { type: "NIRGraph", nodes, edges, metadata } },
    notes,
  };
}

/** Bias per channel when `values` ([C][Ho][Wo]) is constant over each channel, else null. */
function perChannel(values: Float32Array, outShape: readonly [number, number, number]): Float32Array | null {
  const [C, Ho, Wo] = outShape;
  const L = Ho * Wo;
  if (values.length !== C * L) return null;
  const out = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    out[c] = values[c * L];
    for (let l = 1; l < L; l++) if (values[c * L + l] !== out[c]) return null;
  }
  return out;
}

/**
 * The current gains (mV per nA held over a step) of a population that steps per neuron and has a "dv_mV"
 * port (a LIF, AdaptiveLIF or IF with per-neuron parameters), one per neuron; undefined for any other population.
 */
function perNeuronCurrentGain(
  t: Population,
): (ArrayLike<number> & { every: Float64Array["every"] }) | undefined {
  if ((t instanceof LIF || t instanceof AdaptiveLIF || t instanceof IF) && t.perNeuronDerived !== undefined)
    return t.perNeuronDerived.currentGain;
  return undefined;
}

/** NIR input per unit delivered into the projection's port (1 for "i_nA"; 1 / currentGain for "dv_mV"). */
function inputScale(p: Projection, name: string): number {
  const t = p.target;
  if (p.port === "i_nA") return 1;
  if (p.port === "dv_mV" && (t instanceof LIF || t instanceof AdaptiveLIF || t instanceof IF)) {
    // a per-neuron population's gains are all equal here (networkToNir refused the others)
    const gain = perNeuronCurrentGain(t)?.[0] ?? t.derived.currentGain;
    if (!(Number.isFinite(gain) && gain !== 0)) {
      throw new UnsupportedError(
        `projection "${name}" jumps the voltage of a neuron with no current gain (R = 0); NIR cannot express it`,
      );
    }
    return 1 / gain;
  }
  if (t instanceof Input) return 1;
  throw new UnsupportedError(
    `projection "${name}" feeds port "${p.port}" of ${withArticle(t.model)} population, which has no NIR counterpart`,
    { projection: name, port: p.port },
  );
}

/** "an equations", "a lif": the indefinite article by the first letter (model names are lower-case words). */
function withArticle(word: string): string {
  return `${/^[aeiou]/i.test(word) ? "an" : "a"} ${word}`;
}

/** [post][pre] weights of a projection, times `scale`. */
function denseMatrix(p: Projection, name: string, scale: number): Float32Array {
  const pre = p.source.size;
  const post = p.target.size;
  if (pre * post > MAX_DENSE_ENTRIES) {
    throw new UnsupportedError(
      `projection "${name}" (${p.kind}) would be written as a dense ${post} x ${pre} matrix, more than ` +
        `${MAX_DENSE_ENTRIES} entries`,
    );
  }
  const W = new Float32Array(pre * post);
  if (p instanceof Dense || p instanceof Affine) {
    for (let i = 0; i < pre; i++) for (let j = 0; j < post; j++) W[j * pre + i] = p.w[i * post + j] * scale;
    return W;
  }
  if (p instanceof LateralInhibition) {
    const G = p.groupSize;
    const v = -p.strength_mV * scale;
    for (let j = 0; j < post; j++) {
      const g0 = Math.floor(j / G) * G;
      for (let i = g0; i < g0 + G; i++) if (i !== j) W[j * pre + i] = v;
    }
    return W;
  }
  const view = p.view;
  if (view === undefined) {
    throw new UnsupportedError(`projection "${name}" (${p.kind}) has no synapse view; NIR cannot express it`);
  }
  const other = new Int32Array(Math.max(view.maxFanOut, 1));
  const widx = new Int32Array(other.length);
  for (let i = 0; i < pre; i++) {
    const n = view.outgoing(i, other, widx);
    for (let k = 0; k < n; k++) W[other[k] * pre + i] += view.w[widx[k]] * scale;
  }
  return W;
}

function populationNode(
  pop: Population,
  name: string,
  shape: readonly number[],
  dt_ms: number,
  method: IntegrationMethod,
  integrators: IntegratorMode,
  note: (m: string) => void,
): NirNode {
  const f = (v: number): NirTensor => filledTensor(shape, v);
  // a parameter given once (a filled tensor) or once per neuron (one entry each), each value through `map`
  const tensor = (v: number | ArrayLike<number>, map: (x: number) => number = (x) => x): NirTensor =>
    typeof v === "number" ? f(map(v)) : { shape: Object.freeze([...shape]), data: Float64Array.from(v, map) };
  const dt_s = dt_ms / 1000;
  const meta = (reset: string): NirMetadata => ({ "spikeflow.reset": reset });
  const tauOf = (decay: number, tau_ms: number): number => {
    if (method === "exact") return tau_ms / 1000;
    if (!(decay < 1))
      throw new UnsupportedError(`population "${name}" does not leak (decay 1); export it as IF`);
    return dt_s / (1 - decay);
  };
  const refractory = (tRef_ms: number): void => {
    if (tRef_ms > 0)
      note(`population "${name}": its refractory period of ${tRef_ms} ms is dropped (NIR has none)`);
  };
  // NIR stores no initial state; the importer starts at rest (v_leak, v_reset for IF, 0 for I)
  // rest: one value, or one per neuron (a LIF with per-neuron v_rest, whose initial v is then each rest as float32)
  const start = (vInit: PerNeuronValue | undefined, rest: number | ArrayLike<number>): void => {
    if (vInit === undefined || vInit === rest) return;
    const restOf = (i: number): number => (typeof rest === "number" ? rest : Math.fround(rest[i]));
    const atRest =
      typeof vInit === "number"
        ? typeof rest !== "number" && Array.from(rest).every((_, i) => vInit === restOf(i))
        : Array.from(vInit).every((v, i) => v === restOf(i));
    if (atRest) return;
    const what = typeof vInit === "number" ? `its initial v of ${vInit} mV` : "its per-neuron initial v";
    const from = typeof rest === "number" ? rest : "each neuron's v_leak";
    note(`population "${name}": ${what} is not written (NIR has no initial state; import starts at ${from})`);
  };
  const r = (C_nF: number): number => (integrators === "per-step" ? dt_ms / C_nF : 1000 / C_nF);
  if (pop instanceof Input) return { type: "Input", shape: [...shape] };
  // an AdaptiveLIF is written with its current thresholds v_th + theta, fixed (NIR's LIF has no adaptation)
  const adaptive = (pop: AdaptiveLIF, vThreshold: (i: number) => number): NirTensor => {
    if (pop.params.thetaPlus_mV > 0 || pop.params.tauTheta_ms !== Infinity) {
      note(
        `population "${name}": its adaptive threshold is written as the current fixed thresholds v_th + theta`,
      );
    }
    if (pop.oneSpikePerStep)
      note(`population "${name}": its one-spike-per-step rule is dropped (NIR has none)`);
    return { shape: [...shape], data: Float64Array.from(pop.theta_mV, (t, i) => vThreshold(i) + t) };
  };
  if ((pop instanceof LIF || pop instanceof AdaptiveLIF) && pop.perNeuronDerived !== undefined) {
    // per-neuron parameters: one tensor entry per neuron (NIR's parameters are per-neuron arrays)
    const p = pop.params;
    const d = pop.perNeuronDerived;
    refractory(p.tRef_ms);
    start(p.vInit_mV, typeof p.vRest_mV === "number" ? p.vRest_mV : d.vRest_mV);
    const tauMs = p.tauMem_ms;
    return {
      type: "LIF",
      tau: tensor(
        Array.from(d.decay, (decay, i) => tauOf(decay, typeof tauMs === "number" ? tauMs : tauMs[i])),
      ),
      r: tensor(p.resistance_MOhm),
      v_leak: tensor(d.vRest_mV),
      v_threshold:
        pop instanceof AdaptiveLIF ? adaptive(pop, (i) => d.vThreshold_mV[i]) : tensor(d.vThreshold_mV),
      v_reset: tensor(d.vReset_mV),
      metadata: meta(p.reset),
    };
  }
  if (pop instanceof LIF || pop instanceof AdaptiveLIF) {
    // one value per parameter (the per-neuron LIF is above)
    const p = pop.params as LifParams;
    refractory(p.tRef_ms);
    start(p.vInit_mV, p.vRest_mV);
    return {
      type: "LIF",
      tau: f(tauOf(pop.derived.decay, p.tauMem_ms)),
      r: f(p.resistance_MOhm),
      v_leak: f(p.vRest_mV),
      v_threshold: pop instanceof AdaptiveLIF ? adaptive(pop, () => p.vThreshold_mV) : f(p.vThreshold_mV),
      v_reset: f(p.vReset_mV),
      metadata: meta(p.reset),
    };
  }
  // IF, SynapticLIF and LI: a parameter given per neuron as one tensor entry per neuron, else filled
  if (pop instanceof IF) {
    const p = pop.params;
    refractory(p.tRef_ms);
    start(p.vInit_mV, p.vReset_mV);
    return {
      type: "IF",
      r: tensor(p.capacitance_nF, r),
      v_threshold: tensor(p.vThreshold_mV),
      v_reset: tensor(p.vReset_mV),
      metadata: meta(p.reset),
    };
  }
  if (pop instanceof SynapticLIF) {
    const p = pop.params;
    start(p.vInit_mV, p.vRest_mV);
    if (p.method !== method) {
      note(
        `population "${name}" is discretised with "${p.method}" but exported for "${method}"; its constants are written as they are`,
      );
    }
    const seconds = (ms: number): number => ms / 1000;
    return {
      type: "CubaLIF",
      tau_syn: tensor(p.tauSyn_ms, seconds),
      tau_mem: tensor(p.tauMem_ms, seconds),
      r: tensor(p.resistance_MOhm),
      v_leak: tensor(p.vRest_mV),
      v_threshold: tensor(p.vThreshold_mV),
      v_reset: tensor(p.vReset_mV),
      w_in: tensor(p.wIn),
      metadata: meta(p.reset),
    };
  }
  if (pop instanceof LI) {
    const p = pop.params;
    start(p.vInit_mV, p.vRest_mV);
    // the tau whose per-step decay under the export's method is the LI's (the LI's own tau for its method)
    const tau_s = (tau_ms: number, decay: number): number =>
      p.method === method ? tau_ms / 1000 : method === "euler" ? dt_s / (1 - decay) : -dt_s / Math.log(decay);
    const tauMs = p.tauMem_ms;
    const d = pop.perNeuronDerived;
    return {
      type: "LI",
      tau:
        typeof tauMs === "number" || d === undefined
          ? f(tau_s(tauMs as number, pop.derived.decay))
          : tensor(tauMs.map((t, i) => tau_s(t, d.decay[i]))),
      r: tensor(p.resistance_MOhm),
      v_leak: tensor(p.vRest_mV),
    };
  }
  if (pop instanceof Integrator) {
    start(pop.params.vInit_mV, 0);
    return { type: "I", r: f(r(pop.params.capacitance_nF)) };
  }
  if (pop instanceof Threshold)
    return { type: "Threshold", threshold: { shape: [...shape], data: Float64Array.from(pop.threshold_nA) } };
  throw new UnsupportedError(
    `population "${name}" is ${withArticle(pop.model)} population, which has no NIR counterpart; NIR has Input, LIF, ` +
      `CubaLIF (one synaptic current, spikeflow's SynapticLIF), IF, LI, I and Threshold`,
    { population: name, model: pop.model },
  );
}
