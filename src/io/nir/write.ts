/**
 * NIR writer: a `NirDocument` (graph.ts) to the HDF5 tree of a NIR file (hdf5-tree.ts). Pure. The layout is
 * the one read.ts documents and NIR's Python `nir.write` produces: strings as variable-length UTF-8, float
 * arrays in their own precision and gzip-compressed, integer fields as int64, edges as a string [E, 2] array,
 * metadata as one dataset per key (omitted when empty), every LIF/IF/CubaLIF with its v_reset.
 */
import { InvalidParameterError } from "../../core/errors.ts";
import type { NirDocument, NirGraph, NirMetadata, NirNode, NirTensor } from "./graph.ts";
import { isNirTensor, shapeSize } from "./graph.ts";
import type { H5WriteDataset, H5WriteGroup } from "./hdf5-tree.ts";
import { stringDataset, writeGroup } from "./hdf5-tree.ts";

type Entry = readonly [string, H5WriteGroup | H5WriteDataset];

function tensor(name: string, t: NirTensor, where: string): Entry {
  if (!(t.data instanceof Float32Array || t.data instanceof Float64Array)) {
    throw new InvalidParameterError(`${where}.${name}: data must be a Float32Array or Float64Array`);
  }
  if (t.shape.some((d) => !Number.isSafeInteger(d) || d < 0) || shapeSize(t.shape) !== t.data.length) {
    throw new InvalidParameterError(
      `${where}.${name}: shape [${t.shape.join(", ")}] does not match ${t.data.length} values`,
    );
  }
  return [name, { kind: "dataset", value: { kind: "float", shape: t.shape, data: t.data }, compress: true }];
}

function intArray(name: string, values: readonly number[], scalar = false): Entry {
  return [
    name,
    { kind: "dataset", value: { kind: "int", shape: scalar ? [] : [values.length], data: values } },
  ];
}

function metadataGroup(meta: NirMetadata | undefined, where: string): Entry[] {
  if (meta === undefined || Object.keys(meta).length === 0) return [];
  const entries: Entry[] = [];
  for (const [key, v] of Object.entries(meta)) {
    checkName(key, `${where}.metadata`);
    if (typeof v === "string") entries.push([key, stringDataset(v)]);
    else if (typeof v === "number") {
      entries.push([key, { kind: "dataset", value: { kind: "float", shape: [], data: Float64Array.of(v) } }]);
    } else if (Array.isArray(v)) {
      entries.push([
        key,
        { kind: "dataset", value: { kind: "string", shape: [v.length], data: v as string[] } },
      ]);
    } else if (isNirTensor(v)) entries.push(tensor(key, v, `${where}.metadata`));
    else
      throw new InvalidParameterError(
        `${where}.metadata.${key}: a value must be a string, number, string list or tensor`,
      );
  }
  return [["metadata", writeGroup(entries)]];
}

function checkName(name: string, where: string): void {
  if (name === "" || name === "." || name.includes("/")) {
    throw new InvalidParameterError(
      `${where}: the name ${JSON.stringify(name)} cannot be an HDF5 group name (empty, "." or containing "/"); rename it`,
    );
  }
}

function nodeEntries(node: NirNode, where: string): Entry[] {
  const out: Entry[] = [["type", stringDataset(node.type)]];
  const t = (name: string, value: NirTensor): void => void out.push(tensor(name, value, where));
  switch (node.type) {
    case "Input":
    case "Output":
      out.push(intArray("shape", node.shape));
      break;
    case "Affine":
      t("weight", node.weight);
      t("bias", node.bias);
      break;
    case "Linear":
      t("weight", node.weight);
      break;
    case "Scale":
      t("scale", node.scale);
      break;
    case "LIF":
      for (const k of ["tau", "r", "v_leak", "v_threshold", "v_reset"] as const) t(k, node[k]);
      break;
    case "CubaLIF":
      for (const k of ["tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in"] as const)
        t(k, node[k]);
      break;
    case "IF":
      for (const k of ["r", "v_threshold", "v_reset"] as const) t(k, node[k]);
      break;
    case "LI":
      for (const k of ["tau", "r", "v_leak"] as const) t(k, node[k]);
      break;
    case "I":
      t("r", node.r);
      break;
    case "Threshold":
      t("threshold", node.threshold);
      break;
    case "Conv2d":
      t("weight", node.weight);
      t("bias", node.bias);
      out.push(intArray("stride", node.stride));
      out.push(
        typeof node.padding === "string"
          ? ["padding", stringDataset(node.padding)]
          : intArray("padding", node.padding),
      );
      out.push(intArray("dilation", node.dilation));
      out.push(intArray("groups", [node.groups], true));
      if (node.input_shape !== undefined) out.push(intArray("input_shape", node.input_shape));
      break;
    case "Flatten":
      if (node.input_type !== undefined) out.push(intArray("input_type", node.input_type));
      out.push(intArray("start_dim", [node.start_dim], true));
      out.push(intArray("end_dim", [node.end_dim], true));
      break;
    case "SumPool2d":
    case "AvgPool2d":
      out.push(intArray("kernel_size", node.kernel_size));
      out.push(intArray("stride", node.stride));
      out.push(intArray("padding", node.padding));
      break;
    case "Delay":
      t("delay", node.delay);
      break;
    case "NIRGraph":
      return graphEntries(node, where);
    default: {
      const never: never = node;
      throw new InvalidParameterError(
        `${where}: unknown node type ${JSON.stringify((never as NirNode).type)}`,
      );
    }
  }
  out.push(...metadataGroup(node.metadata, where));
  return out;
}

function graphEntries(graph: NirGraph, where: string): Entry[] {
  const nodes: Entry[] = [];
  for (const [name, node] of Object.entries(graph.nodes)) {
    checkName(name, where);
    nodes.push([name, writeGroup(nodeEntries(node, `${where}.${name}`))]);
  }
  const flat: string[] = [];
  for (const [a, b] of graph.edges) flat.push(a, b);
  return [
    ["type", stringDataset("NIRGraph")],
    ["edges", { kind: "dataset", value: { kind: "string", shape: [graph.edges.length, 2], data: flat } }],
    ["nodes", writeGroup(nodes)],
    ...metadataGroup(graph.metadata, where),
  ];
}

/** The HDF5 tree of a NIR document. Throws InvalidParameterError for names HDF5 cannot hold or bad tensors. */
export function nirToTree(doc: NirDocument): H5WriteGroup {
  return writeGroup([
    ["version", stringDataset(doc.version)],
    ["node", writeGroup(graphEntries(doc.graph, "graph"))],
  ]);
}
