/**
 * Checks a NIR document built in code (or changed after reading) against the in-memory model of graph.ts,
 * before the importer or the writer uses it. A file read by read.ts is checked field by field as it is read;
 * a document from anywhere else gets the same guarantees here: every node of a known type with the fields
 * its type has, tensors whose data fill their shape, time constants > 0 (in seconds, as NIR stores them),
 * integer sizes, edges between names. Errors are a FormatError (or an UnsupportedError for a NIR type
 * spikeflow does not read) naming the file label, the node's path and the field.
 */
import { FormatError, UnsupportedError } from "../../core/errors.ts";
import { describeValue } from "../../core/options.ts";
import type { NirGraph, NirTensor } from "./graph.ts";
import { NIR_NODE_TYPES, shapeSize } from "./graph.ts";

/** NIR node types that spikeflow knows and does not read (the reader says the same). */
export const UNSUPPORTED_NIR_TYPES: ReadonlySet<string> = new Set([
  "Conv1d",
  "CubaLI",
  "Identity",
  "Sequence",
]);

/** Required tensor fields of each node type ("+": a time constant, > 0); every other field is checked below. */
const TENSORS: Readonly<Record<string, readonly string[]>> = {
  LIF: ["+tau", "r", "v_leak", "v_threshold", "v_reset"],
  CubaLIF: ["+tau_syn", "+tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in"],
  IF: ["r", "v_threshold", "v_reset"],
  LI: ["+tau", "r", "v_leak"],
  I: ["r"],
  Threshold: ["threshold"],
  Affine: ["weight", "bias"],
  Linear: ["weight"],
  Scale: ["scale"],
  Conv2d: ["weight", "bias"],
  Delay: ["delay"],
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isInteger = (v: unknown, min: number): v is number => Number.isInteger(v) && (v as number) >= min;
/** A shape: a list of sizes >= 1. */
const isSizes = (v: unknown): boolean => Array.isArray(v) && v.every((d) => isInteger(d, 1));
const isPair = (v: unknown, min: number): boolean =>
  Array.isArray(v) && v.length === 2 && v.every((x) => isInteger(x, min));

/**
 * The graph of `doc` (a NirDocument or a bare NirGraph), checked (see the file comment). `file` labels the
 * messages ("graph" for a document built in code).
 */
export function checkNirDocument(doc: unknown, file: string): NirGraph {
  if (typeof (doc as { then?: unknown } | null)?.then === "function") {
    throw new FormatError(
      `${file}: got a Promise, not a NIR document; await readNirFile or decodeNir before importing`,
      { file },
    );
  }
  if (!isObject(doc)) {
    throw new FormatError(
      `${file}: a NIR document must be { version, graph } or a graph { nodes, edges }, got ${describeValue(doc)}`,
      { file },
    );
  }
  const graph = "graph" in doc ? doc.graph : doc;
  checkGraph(graph, file, "graph", 0);
  return graph as NirGraph;
}

function fail(file: string, path: string, what: string): never {
  throw new FormatError(`${file}: ${path}: ${what}`, { file, path });
}

function checkGraph(graph: unknown, file: string, path: string, depth: number): void {
  if (depth > 32) fail(file, path, "graphs are nested more than 32 deep");
  if (!isObject(graph)) fail(file, path, `must be a graph { nodes, edges }, got ${describeValue(graph)}`);
  const { nodes, edges } = graph;
  if (!isObject(nodes))
    fail(file, `${path}.nodes`, `must map node names to nodes, got ${describeValue(nodes)}`);
  for (const [name, node] of Object.entries(nodes)) checkNode(node, file, `${path}.nodes.${name}`, depth);
  if (!Array.isArray(edges))
    fail(file, `${path}.edges`, `must be a list of [source, target], got ${describeValue(edges)}`);
  edges.forEach((e: unknown, k) => {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== "string" || typeof e[1] !== "string") {
      fail(file, `${path}.edges[${k}]`, `must be [source, target] (two node names), got ${describeValue(e)}`);
    }
  });
  checkMetadata(graph.metadata, file, `${path}.metadata`);
}

function checkNode(node: unknown, file: string, path: string, depth: number): void {
  if (typeof (node as { then?: unknown } | null)?.then === "function") {
    fail(file, path, "is a Promise, not a node (await it first)");
  }
  if (!isObject(node)) fail(file, path, `must be a node { type, ... }, got ${describeValue(node)}`);
  const type = node.type;
  if (typeof type !== "string") fail(file, `${path}.type`, `must be a node type, got ${describeValue(type)}`);
  if (UNSUPPORTED_NIR_TYPES.has(type)) {
    throw new UnsupportedError(
      `${file}: ${path}: NIR node type "${type}" is not supported by spikeflow; supported: ` +
        `${NIR_NODE_TYPES.join(", ")}`,
      { file, path, type },
    );
  }
  if (!(NIR_NODE_TYPES as readonly string[]).includes(type)) {
    fail(file, `${path}.type`, `${JSON.stringify(type)} is not a NIR node type`);
  }
  checkMetadata(node.metadata, file, `${path}.metadata`);
  for (const spec of TENSORS[type] ?? []) {
    const positive = spec.startsWith("+");
    const field = positive ? spec.slice(1) : spec;
    checkTensor(node[field], file, `${path}.${field}`, positive);
  }
  const field = (name: string, ok: boolean, what: string) => {
    if (!ok) fail(file, `${path}.${name}`, `must be ${what}, got ${describeValue(node[name])}`);
  };
  switch (type) {
    case "Input":
    case "Output":
      field("shape", isSizes(node.shape), "a list of sizes >= 1");
      break;
    case "Affine":
    case "Linear":
      field("weight", (node.weight as { shape: unknown[] }).shape.length === 2, "a matrix [out, in]");
      break;
    case "Conv2d":
      field(
        "weight",
        (node.weight as { shape: unknown[] }).shape.length === 4,
        "a tensor [Cout, Cin/groups, kH, kW]",
      );
      field("stride", isPair(node.stride, 1), "a pair of integers >= 1");
      field("dilation", isPair(node.dilation, 1), "a pair of integers >= 1");
      field(
        "padding",
        node.padding === "same" || node.padding === "valid" || isPair(node.padding, 0),
        '"same", "valid" or a pair of integers >= 0',
      );
      field("groups", isInteger(node.groups, 1), "an integer >= 1");
      if (node.input_shape !== undefined)
        field("input_shape", isPair(node.input_shape, 1), "a pair of sizes >= 1");
      break;
    case "Flatten":
      field("start_dim", Number.isInteger(node.start_dim), "an integer");
      field("end_dim", Number.isInteger(node.end_dim), "an integer");
      if (node.input_type !== undefined)
        field("input_type", isSizes(node.input_type), "a list of sizes >= 1");
      break;
    case "SumPool2d":
    case "AvgPool2d":
      field("kernel_size", isPair(node.kernel_size, 1), "a pair of integers >= 1");
      field("stride", isPair(node.stride, 1), "a pair of integers >= 1");
      field("padding", isPair(node.padding, 0), "a pair of integers >= 0");
      break;
    case "Delay": {
      const data = (node.delay as NirTensor).data;
      const k = data.findIndex((v) => !(v >= 0 && Number.isFinite(v)));
      if (k >= 0) fail(file, `${path}.delay`, `entry ${k} is ${data[k]}; delays must be finite and >= 0 s`);
      break;
    }
    case "NIRGraph":
      checkGraph(node, file, path, depth + 1);
      break;
  }
}

/** Metadata (optional): an object whose values are a text, a number, a list of texts or a tensor. */
function checkMetadata(meta: unknown, file: string, path: string): void {
  if (meta === undefined) return;
  if (!isObject(meta)) fail(file, path, `must be an object, got ${describeValue(meta)}`);
  for (const [key, v] of Object.entries(meta)) {
    const ok =
      typeof v === "string" ||
      typeof v === "number" ||
      (Array.isArray(v) && v.every((x) => typeof x === "string"));
    if (ok) continue;
    if (isObject(v) && "data" in v) {
      checkTensor(v, file, `${path}.${key}`, false);
      continue;
    }
    fail(
      file,
      `${path}.${key}`,
      `must be a text, a number, a list of texts or a tensor, got ${describeValue(v)}`,
    );
  }
}

function checkTensor(t: unknown, file: string, path: string, positive: boolean): void {
  if (!isObject(t)) fail(file, path, `must be a tensor { shape, data }, got ${describeValue(t)}`);
  const { shape, data } = t;
  if (!Array.isArray(shape) || !shape.every((d) => isInteger(d, 0))) {
    fail(file, `${path}.shape`, `must be a list of sizes, got ${describeValue(shape)}`);
  }
  if (!(data instanceof Float32Array || data instanceof Float64Array)) {
    fail(file, `${path}.data`, `must be a Float32Array or Float64Array, got ${describeValue(data)}`);
  }
  const n = shapeSize(shape as number[]);
  if (data.length !== n) {
    fail(
      file,
      path,
      `holds ${data.length} values, but its shape [${(shape as number[]).join(", ")}] needs ${n}`,
    );
  }
  if (positive) {
    const k = data.findIndex((v) => !(v > 0));
    if (k >= 0) fail(file, path, `entry ${k} is ${data[k]}; time constants must be > 0 s`);
  }
}
