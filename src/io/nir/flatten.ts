/**
 * Inlines nested NIRGraph nodes into one flat graph (pure), the first step of importing (import.ts).
 *
 * A node inside subgraph "g" gets the path "g/name" ("/" cannot occur in an HDF5 name, so paths never clash
 * with the dotted names exporters use, like "lif1.lif"). A subgraph's own Input and Output nodes become
 * pass-through nodes (the identity map) that the edges around the subgraph attach to:
 *   an edge into "g" goes to g's Input node (the only one, or the one named by "g.port");
 *   an edge out of "g" leaves from g's Output node (the only one, or "g.port").
 * Duplicate edges are kept once (warning "nir-duplicate-edge"): NIR allows them but gives no meaning to a
 * repeated connection, and counting it twice would silently double a weight.
 */
import { FormatError } from "../../core/errors.ts";
import { log } from "../../core/log.ts";
import type { NirGraph, NirNode } from "./graph.ts";

export type NirLeaf = Exclude<NirNode, NirGraph>;

export interface FlatNode {
  /** "name" at the top level, "sub/name" inside subgraph "sub". */
  readonly path: string;
  readonly node: NirLeaf;
  /** A subgraph's Input or Output: the identity map between the outer and inner edges. */
  readonly passThrough: boolean;
}

export interface FlatGraph {
  /** In the order met (top-level nodes first, in the file's key order). */
  readonly nodes: ReadonlyMap<string, FlatNode>;
  readonly edges: readonly (readonly [string, string])[];
}

function resolve(
  graph: NirGraph,
  prefix: string,
  name: string,
  side: "source" | "target",
  file: string,
): string {
  const want = side === "source" ? "Output" : "Input";
  const join = (n: string): string => (prefix === "" ? n : `${prefix}/${n}`);
  let node: NirNode | undefined = graph.nodes[name];
  let sub = name;
  let port: string | null = null;
  const dot = name.lastIndexOf(".");
  if (node === undefined && dot > 0) {
    sub = name.slice(0, dot);
    port = name.slice(dot + 1);
    node = graph.nodes[sub];
    if (node !== undefined && node.type !== "NIRGraph") node = undefined;
  }
  if (node === undefined) {
    throw new FormatError(`${file}: edge endpoint ${JSON.stringify(join(name))} is not a node`, {
      file,
      name,
    });
  }
  if (node.type !== "NIRGraph") return join(name);
  const ports = Object.entries(node.nodes).filter(([, n]) => n.type === want);
  const chosen = port === null ? (ports.length === 1 ? ports[0][0] : null) : port;
  if (chosen === null || node.nodes[chosen]?.type !== want) {
    throw new FormatError(
      `${file}: an edge ${side === "source" ? "leaves" : "enters"} subgraph ${JSON.stringify(join(sub))}, ` +
        `which has ${ports.length} ${want} nodes (${ports.map(([n]) => n).join(", ") || "none"}); ` +
        `name one as "${sub}.<${want.toLowerCase()}>"`,
      { file, subgraph: join(sub) },
    );
  }
  return `${join(sub)}/${chosen}`;
}

function inline(
  graph: NirGraph,
  prefix: string,
  file: string,
  nodes: Map<string, FlatNode>,
  edges: [string, string][],
): void {
  for (const [name, node] of Object.entries(graph.nodes)) {
    const path = prefix === "" ? name : `${prefix}/${name}`;
    if (node.type === "NIRGraph") inline(node, path, file, nodes, edges);
    else {
      const passThrough = prefix !== "" && (node.type === "Input" || node.type === "Output");
      nodes.set(path, { path, node, passThrough });
    }
  }
  for (const [a, b] of graph.edges) {
    edges.push([resolve(graph, prefix, a, "source", file), resolve(graph, prefix, b, "target", file)]);
  }
}

/** The flat graph of a (possibly nested) NIR graph. `file` names the file in messages. */
export function flattenGraph(graph: NirGraph, file: string): FlatGraph {
  const nodes = new Map<string, FlatNode>();
  const raw: [string, string][] = [];
  inline(graph, "", file, nodes, raw);
  const seen = new Set<string>();
  const edges: (readonly [string, string])[] = [];
  for (const [a, b] of raw) {
    const key = `${a}\u0000${b}`;
    if (seen.has(key)) {
      log.warn(
        "nir-duplicate-edge",
        `${file}: the edge ${JSON.stringify(a)} -> ${JSON.stringify(b)} is listed more than once; it is used once`,
      );
      continue;
    }
    seen.add(key);
    edges.push(Object.freeze([a, b] as const));
  }
  return { nodes, edges };
}
