/**
 * NIR reader: the HDF5 tree of a NIR file (hdf5-tree.ts) to a validated `NirDocument` (graph.ts). Pure.
 *
 * Layout (neuromorphs/NIR nir/serialization.py; the NIR documentation):
 *   /version            string ("0.1.1", "0.2.0", "1.0.x")
 *   /node/              the top-level graph: type "NIRGraph", edges (string [E, 2]), nodes/<name>/, metadata/
 *   /node/nodes/<name>/ type (string) and one dataset per field; a NIRGraph node nests nodes/ and edges again
 *
 * Everything read is validated; a problem is a FormatError whose message starts with the file name and gives
 * the dataset path (e.g. "lif.nir: /node/nodes/1/tau: ..."). Known NIR types that spikeflow does not handle
 * (Conv1d, CubaLI, Identity, Sequence) are an UnsupportedError. Leniency, for files from older writers:
 *   - a missing v_reset (LIF, IF, CubaLIF) is 0, as NIR's own reader does (PR neuromorphs/NIR#129; case C32);
 *   - a missing w_in (CubaLIF) is 1; a missing Conv2d bias is 0; missing Flatten dims are NIR's defaults (1, -1);
 *   - integer-valued parameters stored as integers are read as floats; scalar shape fields broadcast;
 *   - fields this reader does not know (input_type/output_type dicts of newer writers) are ignored.
 * Dangling edges inside a subgraph (an edge naming a node the subgraph does not have, as in the snnTorch
 * braille *_subgraph.nir files, whose inner edges say "lif" while the node is "lif1"): with
 * `danglingEdges: "repair"` (the default) the name is replaced when the repair is unambiguous (exactly one
 * dangling name, and exactly one node of that subgraph that no edge names) and a warning with id
 * "nir-dangling-edge-repaired" says what was renamed; otherwise, and always with "error", it is a FormatError.
 */
import { FormatError, UnsupportedError } from "../../core/errors.ts";
import { log } from "../../core/log.ts";
import type {
  NirDocument,
  NirGraph,
  NirMetaValue,
  NirMetadata,
  NirNode,
  NirPadding,
  NirTensor,
} from "./graph.ts";
import type { H5Dataset, H5Group, H5Value } from "./hdf5-tree.ts";
import { fail } from "./hdf5-tree.ts";
import { UNSUPPORTED_NIR_TYPES } from "./check.ts";

export interface NirReadOptions {
  /** Inner subgraph edges that name a missing node: rename when unambiguous, with a warning, or reject. */
  readonly danglingEdges?: "repair" | "error";
}

/** How deep NIRGraph nodes may nest (a guard against damaged files whose links loop). */
export const NIR_MAX_DEPTH = 16;

interface Ctx {
  readonly file: string;
  readonly dangling: "repair" | "error";
}

function child(g: H5Group, name: string): H5Dataset | H5Group | null {
  return g.get(name);
}

function dataset(ctx: Ctx, g: H5Group, name: string): H5Dataset | null {
  const d = child(g, name);
  if (d === null) return null;
  if (d.kind !== "dataset") fail(ctx.file, d.path, `should be a dataset, but it is a group`);
  return d;
}

function required(ctx: Ctx, g: H5Group, name: string): H5Dataset {
  const d = dataset(ctx, g, name);
  if (d === null) {
    fail(ctx.file, g.path, `has no "${name}" dataset, which this node type requires`, { field: name });
  }
  return d;
}

function readString(ctx: Ctx, d: H5Dataset): string {
  const v = d.read();
  if (v.kind !== "string" || v.data.length !== 1) {
    fail(ctx.file, d.path, `should be one string, got ${describe(v)}`);
  }
  return v.data[0];
}

function describe(v: H5Value): string {
  return `${v.kind} [${v.shape.join(", ")}]`;
}

/** A float tensor field, all finite (ints accepted). */
function floats(ctx: Ctx, d: H5Dataset): NirTensor {
  const v = d.read();
  let data: Float32Array | Float64Array;
  if (v.kind === "float") data = v.data;
  else if (v.kind === "int") data = Float64Array.from(v.data);
  else return fail(ctx.file, d.path, `should be a float array, got ${describe(v)}`);
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k])) {
      fail(ctx.file, d.path, `entry ${k} is ${data[k]}; parameters must be finite numbers`, { index: k });
    }
  }
  return { shape: Object.freeze([...v.shape]), data };
}

function ints(ctx: Ctx, d: H5Dataset): number[] {
  const v = d.read();
  const values: readonly number[] = v.kind === "int" ? v.data : v.kind === "float" ? [...v.data] : [];
  if (v.kind === "string" || v.shape.length > 1)
    fail(ctx.file, d.path, `should be integers, got ${describe(v)}`);
  values.forEach((x, k) => {
    if (!Number.isSafeInteger(x)) fail(ctx.file, d.path, `entry ${k} is ${x}, not an integer`, { index: k });
  });
  return [...values];
}

function intScalar(ctx: Ctx, d: H5Dataset): number {
  const v = ints(ctx, d);
  if (v.length !== 1) fail(ctx.file, d.path, `should be one integer, got ${v.length} values`);
  return v[0];
}

/** An int pair field; a single value applies to both axes. */
function pair(ctx: Ctx, d: H5Dataset, min: number): readonly [number, number] {
  const v = ints(ctx, d);
  if (v.length !== 1 && v.length !== 2) fail(ctx.file, d.path, `should be 2 integers, got ${v.length}`);
  const p: [number, number] = v.length === 1 ? [v[0], v[0]] : [v[0], v[1]];
  if (p[0] < min || p[1] < min) fail(ctx.file, d.path, `values [${p.join(", ")}] must be >= ${min}`);
  return p;
}

function shapeField(ctx: Ctx, d: H5Dataset): readonly number[] {
  const s = ints(ctx, d);
  s.forEach((x, k) => {
    if (x < 1) fail(ctx.file, d.path, `dimension ${k} is ${x}; shapes need sizes >= 1`);
  });
  return Object.freeze(s);
}

function requirePositive(ctx: Ctx, d: H5Dataset, t: NirTensor): NirTensor {
  for (let k = 0; k < t.data.length; k++) {
    if (!(t.data[k] > 0)) fail(ctx.file, d.path, `entry ${k} is ${t.data[k]}; time constants must be > 0 s`);
  }
  return t;
}

function zerosLike(t: NirTensor): NirTensor {
  return { shape: t.shape, data: new Float64Array(t.data.length) };
}

function onesLike(t: NirTensor): NirTensor {
  return { shape: t.shape, data: new Float64Array(t.data.length).fill(1) };
}

function readMetadata(ctx: Ctx, g: H5Group): NirMetadata | undefined {
  const m = child(g, "metadata");
  if (m === null) return undefined;
  if (m.kind !== "group") fail(ctx.file, m.path, "should be a group of datasets");
  const out: Record<string, NirMetaValue> = {};
  for (const key of m.keys()) {
    const d = m.get(key);
    if (d === null || d.kind !== "dataset") continue; // nested metadata groups: not part of NIR's layout
    const v = d.read();
    if (v.kind === "string") out[key] = v.shape.length === 0 ? v.data[0] : Object.freeze([...v.data]);
    else if (v.shape.length === 0) out[key] = v.data[0];
    else
      out[key] = {
        shape: Object.freeze([...v.shape]),
        data: v.kind === "float" ? v.data : Float64Array.from(v.data),
      };
  }
  return Object.freeze(out);
}

/** Checks that every neuron parameter has the same shape (or [], which broadcasts). */
function commonShape(ctx: Ctx, g: H5Group, node: object): void {
  let shape: readonly number[] | null = null;
  let from = "";
  for (const [name, t] of Object.entries(node) as [string, unknown][]) {
    if (typeof t !== "object" || t === null || !("shape" in t)) continue;
    const tt = t as NirTensor;
    if (tt.shape.length === 0) continue;
    if (shape === null) {
      shape = tt.shape;
      from = name;
    } else if (shape.length !== tt.shape.length || shape.some((d, k) => d !== tt.shape[k])) {
      fail(
        ctx.file,
        `${g.path}/${name}`,
        `has shape [${tt.shape.join(", ")}] but ${from} has [${shape.join(", ")}]; all parameters of a neuron node share one shape`,
      );
    }
  }
}

function withMeta<T extends NirNode>(node: T, meta: NirMetadata | undefined): T {
  return Object.freeze(meta === undefined ? node : { ...node, metadata: meta });
}

function parseNeuron(ctx: Ctx, g: H5Group, type: string): NirNode {
  const f = (name: string): NirTensor => floats(ctx, required(ctx, g, name));
  const opt = (name: string): NirTensor | null => {
    const d = dataset(ctx, g, name);
    return d === null ? null : floats(ctx, d);
  };
  const tau = (name: string): NirTensor => {
    const d = required(ctx, g, name);
    return requirePositive(ctx, d, floats(ctx, d));
  };
  switch (type) {
    case "LIF": {
      const fields = { tau: tau("tau"), r: f("r"), v_leak: f("v_leak"), v_threshold: f("v_threshold") };
      const node = {
        type: "LIF" as const,
        ...fields,
        v_reset: opt("v_reset") ?? zerosLike(fields.v_threshold),
      };
      commonShape(ctx, g, node);
      return node;
    }
    case "CubaLIF": {
      const fields = {
        tau_syn: tau("tau_syn"),
        tau_mem: tau("tau_mem"),
        r: f("r"),
        v_leak: f("v_leak"),
        v_threshold: f("v_threshold"),
      };
      const node = {
        type: "CubaLIF" as const,
        ...fields,
        v_reset: opt("v_reset") ?? zerosLike(fields.v_threshold),
        w_in: opt("w_in") ?? onesLike(fields.v_threshold),
      };
      commonShape(ctx, g, node);
      return node;
    }
    case "IF": {
      const fields = { r: f("r"), v_threshold: f("v_threshold") };
      const node = {
        type: "IF" as const,
        ...fields,
        v_reset: opt("v_reset") ?? zerosLike(fields.v_threshold),
      };
      commonShape(ctx, g, node);
      return node;
    }
    case "LI": {
      const node = { type: "LI" as const, tau: tau("tau"), r: f("r"), v_leak: f("v_leak") };
      commonShape(ctx, g, node);
      return node;
    }
    case "I":
      return { type: "I", r: f("r") };
    default:
      return { type: "Threshold", threshold: f("threshold") };
  }
}

function parseConv2d(ctx: Ctx, g: H5Group): NirNode {
  const wd = required(ctx, g, "weight");
  const weight = floats(ctx, wd);
  if (weight.shape.length !== 4) {
    fail(ctx.file, wd.path, `should be [Cout, Cin/groups, kH, kW], got [${weight.shape.join(", ")}]`);
  }
  const [cout] = weight.shape;
  const bd = dataset(ctx, g, "bias");
  const bias = bd === null ? { shape: [cout], data: new Float64Array(cout) } : floats(ctx, bd);
  if (bias.data.length !== cout) {
    fail(ctx.file, `${g.path}/bias`, `has ${bias.data.length} entries; the weight has Cout = ${cout}`);
  }
  const groupsD = dataset(ctx, g, "groups");
  const groups = groupsD === null ? 1 : intScalar(ctx, groupsD);
  if (groups < 1 || cout % groups !== 0) {
    fail(ctx.file, `${g.path}/groups`, `is ${groups}; it must be >= 1 and divide Cout = ${cout}`);
  }
  const pd = required(ctx, g, "padding");
  let padding: NirPadding;
  const pv = pd.read();
  if (pv.kind === "string") {
    const s = pv.data[0];
    if (pv.data.length !== 1 || (s !== "same" && s !== "valid")) {
      fail(ctx.file, pd.path, `string padding must be "same" or "valid", got ${JSON.stringify(pv.data)}`);
    }
    padding = s;
  } else {
    padding = pair(ctx, pd, 0);
  }
  const sd = dataset(ctx, g, "stride");
  const dd = dataset(ctx, g, "dilation");
  const id = dataset(ctx, g, "input_shape");
  return {
    type: "Conv2d",
    weight,
    bias,
    stride: sd === null ? [1, 1] : pair(ctx, sd, 1),
    padding,
    dilation: dd === null ? [1, 1] : pair(ctx, dd, 1),
    groups,
    ...(id === null ? {} : { input_shape: pair(ctx, id, 1) }),
  };
}

function parseFlatten(ctx: Ctx, g: H5Group): NirNode {
  const it = child(g, "input_type");
  let input: readonly number[] | undefined;
  if (it !== null) {
    // older files store the shape itself; newer writers a {"input": shape} group
    const d = it.kind === "dataset" ? it : dataset(ctx, it, "input");
    if (d !== null) input = shapeField(ctx, d);
  }
  const sd = dataset(ctx, g, "start_dim");
  const ed = dataset(ctx, g, "end_dim");
  return {
    type: "Flatten",
    ...(input === undefined ? {} : { input_type: input }),
    start_dim: sd === null ? 1 : intScalar(ctx, sd),
    end_dim: ed === null ? -1 : intScalar(ctx, ed),
  };
}

function parseNode(ctx: Ctx, g: H5Group, depth: number): NirNode {
  const type = readString(ctx, required(ctx, g, "type"));
  const meta = readMetadata(ctx, g);
  switch (type) {
    case "Input":
    case "Output":
      return withMeta({ type, shape: shapeField(ctx, required(ctx, g, "shape")) }, meta);
    case "Affine":
    case "Linear": {
      const wd = required(ctx, g, "weight");
      const weight = floats(ctx, wd);
      if (weight.shape.length !== 2) {
        fail(ctx.file, wd.path, `should be a matrix [out, in], got shape [${weight.shape.join(", ")}]`);
      }
      if (type === "Linear") return withMeta({ type, weight }, meta);
      const bd = required(ctx, g, "bias");
      const bias = floats(ctx, bd);
      if (bias.data.length !== weight.shape[0] && bias.data.length !== 1) {
        fail(ctx.file, bd.path, `has ${bias.data.length} entries; the weight has ${weight.shape[0]} outputs`);
      }
      return withMeta({ type, weight, bias }, meta);
    }
    case "Scale":
      return withMeta({ type, scale: floats(ctx, required(ctx, g, "scale")) }, meta);
    case "LIF":
    case "CubaLIF":
    case "IF":
    case "LI":
    case "I":
    case "Threshold":
      return withMeta(parseNeuron(ctx, g, type), meta);
    case "Conv2d":
      return withMeta(parseConv2d(ctx, g), meta);
    case "Flatten":
      return withMeta(parseFlatten(ctx, g), meta);
    case "SumPool2d":
    case "AvgPool2d": {
      const kernel_size = pair(ctx, required(ctx, g, "kernel_size"), 1);
      const sd = dataset(ctx, g, "stride");
      const pd = dataset(ctx, g, "padding");
      return withMeta(
        {
          type,
          kernel_size,
          stride: sd === null ? kernel_size : pair(ctx, sd, 1),
          padding: pd === null ? [0, 0] : pair(ctx, pd, 0),
        },
        meta,
      );
    }
    case "Delay": {
      const dd = required(ctx, g, "delay");
      const delay = floats(ctx, dd);
      for (let k = 0; k < delay.data.length; k++) {
        if (!(delay.data[k] >= 0)) {
          fail(ctx.file, dd.path, `entry ${k} is ${delay.data[k]}; delays must be >= 0 s`, { index: k });
        }
      }
      return withMeta({ type, delay }, meta);
    }
    case "NIRGraph":
      return parseGraph(ctx, g, depth + 1);
    default:
      if (UNSUPPORTED_NIR_TYPES.has(type)) {
        throw new UnsupportedError(
          `${ctx.file}: ${g.path}: NIR node type "${type}" is not supported by spikeflow; supported: ` +
            "Input, Output, Affine, Linear, Scale, LIF, CubaLIF, IF, LI, I, Threshold, Conv2d, Flatten, SumPool2d, " +
            "AvgPool2d, Delay, NIRGraph",
          { file: ctx.file, path: g.path, type },
        );
      }
      return fail(ctx.file, `${g.path}/type`, `${JSON.stringify(type)} is not a NIR node type`);
  }
}

function readEdges(ctx: Ctx, g: H5Group): [string, string][] {
  const d = dataset(ctx, g, "edges");
  if (d === null) return [];
  const v = d.read();
  if (v.kind !== "string") fail(ctx.file, d.path, `should be strings [E, 2], got ${describe(v)}`);
  const n = v.data.length;
  const ok = (v.shape.length === 2 && v.shape[1] === 2) || n === 0;
  if (!ok) fail(ctx.file, d.path, `should have shape [E, 2] (source, target), got [${v.shape.join(", ")}]`);
  const out: [string, string][] = [];
  for (let k = 0; k < n; k += 2) out.push([v.data[k], v.data[k + 1]]);
  return out;
}

/** Renames dangling names in a subgraph's edges when unambiguous, else throws; see the file comment. */
function resolveEdges(
  ctx: Ctx,
  g: H5Group,
  nodes: Readonly<Record<string, NirNode>>,
  edges: [string, string][],
  depth: number,
): [string, string][] {
  const exists = (name: string): boolean => {
    if (Object.hasOwn(nodes, name)) return true;
    const dot = name.lastIndexOf(".");
    if (dot <= 0) return false;
    const sub = nodes[name.slice(0, dot)];
    return sub !== undefined && sub.type === "NIRGraph" && Object.hasOwn(sub.nodes, name.slice(dot + 1));
  };
  const dangling = [...new Set(edges.flat().filter((n) => !exists(n)))];
  if (dangling.length === 0) return edges;
  const named = new Set(edges.flat());
  const unnamed = Object.keys(nodes).filter((n) => !named.has(n));
  const where = depth === 0 ? "the graph" : `subgraph "${g.path.split("/").pop()}"`;
  const k = edges.findIndex(([a, b]) => a === dangling[0] || b === dangling[0]);
  const listing =
    `edge ${k} (${JSON.stringify(edges[k][0])} -> ${JSON.stringify(edges[k][1])}) names ` +
    `${JSON.stringify(dangling[0])}, which is not a node of ${where} (nodes: ${Object.keys(nodes).join(", ")})`;
  if (depth > 0 && ctx.dangling === "repair" && dangling.length === 1 && unnamed.length === 1) {
    const [from, to] = [dangling[0], unnamed[0]];
    log.warn(
      "nir-dangling-edge-repaired",
      `${ctx.file}: ${g.path}/edges: ${listing}; renamed to ${JSON.stringify(to)}, the only node no edge ` +
        `names (the snnTorch RNN exporter names the inner node after the subgraph). Read with ` +
        `{ danglingEdges: "error" } to reject such files instead`,
    );
    return edges.map(([a, b]) => [a === from ? to : a, b === from ? to : b]);
  }
  const why =
    depth === 0
      ? ""
      : ctx.dangling === "error"
        ? `; dangling edges are rejected ({ danglingEdges: "error" })`
        : `; not repaired because it is ambiguous (${dangling.length} dangling names, ${unnamed.length} nodes that no edge names)`;
  return fail(ctx.file, `${g.path}/edges`, `${listing}${why}`, { dangling });
}

function parseGraph(ctx: Ctx, g: H5Group, depth: number): NirGraph {
  if (depth > NIR_MAX_DEPTH) {
    fail(
      ctx.file,
      g.path,
      `NIRGraph nodes are nested more than ${NIR_MAX_DEPTH} deep (damaged or looping file)`,
    );
  }
  const nodesGroup = child(g, "nodes");
  if (nodesGroup === null || nodesGroup.kind !== "group") {
    fail(ctx.file, g.path, `a NIRGraph needs a "nodes" group`);
  }
  const nodes: Record<string, NirNode> = {};
  for (const name of nodesGroup.keys()) {
    const ng = nodesGroup.get(name);
    if (ng === null) fail(ctx.file, `${nodesGroup.path}/${name}`, "is a link, not a node group");
    if (ng.kind !== "group") fail(ctx.file, ng.path, "should be a node group, but it is a dataset");
    nodes[name] = parseNode(ctx, ng, depth);
  }
  const edges = resolveEdges(ctx, g, nodes, readEdges(ctx, g), depth);
  const meta = readMetadata(ctx, g);
  return Object.freeze({
    type: "NIRGraph" as const,
    nodes: Object.freeze(nodes),
    edges: Object.freeze(edges.map((e) => Object.freeze(e) as readonly [string, string])),
    ...(meta === undefined ? {} : { metadata: meta }),
  });
}

/** Parses and validates a NIR file's HDF5 tree. `file` names the file in every message. */
export function parseNirTree(root: H5Group, file: string, opts: NirReadOptions = {}): NirDocument {
  const dangling = opts.danglingEdges ?? "repair";
  if (dangling !== "repair" && dangling !== "error") {
    throw new FormatError(`danglingEdges must be "repair" or "error", got ${JSON.stringify(dangling)}`);
  }
  const ctx: Ctx = { file, dangling };
  const vd = dataset(ctx, root, "version");
  const version = vd === null ? "" : readString(ctx, vd);
  if (vd === null)
    log.warn("nir-no-version", `${file}: has no /version dataset; reading it as a NIR file anyway`);
  const node = child(root, "node");
  if (node === null || node.kind !== "group") {
    fail(
      ctx.file,
      "/node",
      `is missing; a NIR file keeps its graph in the group /node (is this a NIR file?)`,
    );
  }
  const type = readString(ctx, required(ctx, node, "type"));
  if (type !== "NIRGraph")
    fail(ctx.file, "/node/type", `is ${JSON.stringify(type)}; the top level must be a NIRGraph`);
  return Object.freeze({ version, graph: parseGraph(ctx, node, 0) });
}
