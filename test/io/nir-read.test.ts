// NIR reading and writing: the eight real fixtures decode with their quirks (versions 0.1.1/0.2.0, missing
// v_reset, edges out of order, dotted names, cycles, nested subgraphs with dangling inner edges), and every
// kind of malformed content is a typed error naming the file and the dataset.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FormatError, InvalidParameterError, UnsupportedError } from "../../src/core/errors.ts";
import { messageInOptionTerms } from "../../src/cli/options.ts";
import { decodeNir, encodeNir } from "../../src/io/nir/codec.ts";
import type { NirDocument, NirGraph, NirNode, NirPool2d } from "../../src/io/nir/graph.ts";
import { checkSuperblock } from "../../src/io/nir/hdf5.ts";
import { memoryTree } from "../../src/io/nir/hdf5-tree.ts";
import type { H5WriteDataset, H5WriteGroup } from "../../src/io/nir/hdf5-tree.ts";
import { parseNirTree } from "../../src/io/nir/read.ts";
import { nirToTree } from "../../src/io/nir/write.ts";
import { FIXTURES, doc, fixtureBytes, graph, lif, readFixture, t } from "./nir-helpers.ts";

const typesOf = (g: NirGraph): Record<string, string> =>
  Object.fromEntries(Object.entries(g.nodes).map(([k, n]) => [k, n.type]));

test("lif_norse.nir (version 0.1.1): Input -> Affine -> LIF -> Output, tau 2.5 ms in seconds, no v_reset read as 0", async () => {
  const { doc: d, logs } = await readFixture("lif_norse");
  const lifNode = d.graph.nodes["1"] as Extract<NirNode, { type: "LIF" }>;

  assert.equal(d.version, "0.1.1");
  assert.deepEqual(typesOf(d.graph), { "0": "Affine", "1": "LIF", input: "Input", output: "Output" });
  assert.deepEqual(d.graph.edges, [
    ["input", "0"],
    ["0", "1"],
    ["1", "output"],
  ]);
  assert.equal(lifNode.tau.data[0], Math.fround(0.0025), "float32 as stored, in seconds");
  assert.equal(lifNode.v_threshold.data[0], Math.fround(0.1));
  assert.deepEqual(
    [...lifNode.v_reset.data],
    [0],
    "C32: files written before v_reset existed default it to 0",
  );
  assert.equal(logs.length, 0);
});

test("lif_rockpool.nir and two_lif_neurons.nir: Linear nodes, a [1, 1, 1] Output, float64 parameters", async () => {
  const rock = (await readFixture("lif_rockpool")).doc;
  const two = (await readFixture("two_lif_neurons")).doc;
  const out = rock.graph.nodes.output as Extract<NirNode, { type: "Output" }>;
  const lif1 = two.graph.nodes.lif1 as Extract<NirNode, { type: "LIF" }>;

  assert.deepEqual(out.shape, [1, 1, 1]);
  assert.equal(
    (rock.graph.nodes["0_LinearTorch"] as Extract<NirNode, { type: "Linear" }>).weight.data[0],
    Math.fround(0.04),
  );
  assert.ok(lif1.v_leak.data instanceof Float64Array);
  assert.equal(lif1.v_leak.data[0], 1.2);
  assert.deepEqual(typesOf(two.graph), {
    in: "Input",
    lif1: "LIF",
    lif2: "LIF",
    linear1: "Linear",
    linear2: "Linear",
    out: "Output",
  });
});

test("cnn_sinabs.nir: Conv2d / IF / SumPool2d / Flatten / Affine with their fields, edges stored out of order", async () => {
  const { doc: d } = await readFixture("cnn_sinabs");
  const conv = d.graph.nodes["0"] as Extract<NirNode, { type: "Conv2d" }>;
  const flat = d.graph.nodes["8"] as Extract<NirNode, { type: "Flatten" }>;
  const pool = d.graph.nodes["4"] as NirPool2d;
  const ifNode = d.graph.nodes["1"] as Extract<NirNode, { type: "IF" }>;

  assert.equal(Object.keys(d.graph.nodes).length, 15);
  assert.deepEqual(conv.weight.shape, [16, 2, 5, 5]);
  assert.deepEqual([conv.stride, conv.padding, conv.dilation, conv.groups], [[2, 2], [1, 1], [1, 1], 1]);
  assert.deepEqual(conv.input_shape, [34, 34]);
  assert.deepEqual([flat.input_type, flat.start_dim, flat.end_dim], [[8, 4, 4], 0, -1]);
  assert.deepEqual(
    [pool.kernel_size, pool.stride, pool.padding],
    [
      [2, 2],
      [2, 2],
      [0, 0],
    ],
  );
  assert.deepEqual(ifNode.r.shape, [16, 16, 16]);
  assert.deepEqual(d.graph.edges[0], ["8", "9"], "the file lists edges out of topological order");
  assert.equal(d.graph.edges.length, 14);
});

test("braille RNNs: dotted node names and the recurrent cycle lif1.lif -> lif1.w_rec -> lif1.lif", async () => {
  for (const name of ["braille_noDelay_bias_zero", "braille_noDelay_noBias_subtract"]) {
    const { doc: d } = await readFixture(name);
    const edges = d.graph.edges.map(([a, b]) => `${a}>${b}`);

    assert.equal(d.graph.nodes["lif1.lif"].type, "CubaLIF", name);
    assert.ok(edges.includes("lif1.lif>lif1.w_rec") && edges.includes("lif1.w_rec>lif1.lif"), name);
  }
  const bias = (await readFixture("braille_noDelay_bias_zero")).doc.graph.nodes.fc1.type;
  const noBias = (await readFixture("braille_noDelay_noBias_subtract")).doc.graph.nodes.fc1.type;
  assert.deepEqual([bias, noBias], ["Affine", "Linear"]);
});

test("subgraph fixtures: the inner edges name 'lif' while the node is 'lif1'; repaired with a warning that says how", async () => {
  for (const name of ["braille_noDelay_bias_zero_subgraph", "braille_noDelay_noBias_subtract_subgraph"]) {
    const { doc: d, logs } = await readFixture(name);
    const sub = d.graph.nodes.lif1 as NirGraph;

    assert.equal(sub.type, "NIRGraph");
    assert.deepEqual(sub.edges, [
      ["input", "lif1"],
      ["lif1", "lin"],
      ["lin", "lif1"],
      ["lif1", "output"],
    ]);
    assert.deepEqual(
      logs.map((l) => l.id),
      ["nir-dangling-edge-repaired"],
    );
    assert.match(
      logs[0].message,
      /names "lif", which is not a node of subgraph "lif1".*renamed to "lif1", the only node no edge names/,
    );
    assert.match(logs[0].message, /Read with \{ danglingEdges: "error" \} to reject such files instead$/);
    assert.match(
      messageInOptionTerms(logs[0].message),
      /\. Give --dangling-edges error to refuse such files$/,
    );
  }
});

test("danglingEdges: 'error' rejects the subgraph fixtures, naming the edge, the missing name and the nodes", async () => {
  await assert.rejects(
    decodeNir(fixtureBytes("braille_noDelay_bias_zero_subgraph"), "sub.nir", { danglingEdges: "error" }),
    (e: unknown) => {
      assert.ok(e instanceof FormatError);
      assert.match(
        e.message,
        /^sub\.nir: \/node\/nodes\/lif1\/edges: edge 0 \("input" -> "lif"\) names "lif", which is not a node of subgraph "lif1" \(nodes: input, lif1, lin, output\); dangling edges are rejected/,
      );
      assert.match(e.message, /; dangling edges are rejected \(\{ danglingEdges: "error" \}\)/);
      assert.match(
        messageInOptionTerms(e.message),
        /; dangling edges are rejected \(--dangling-edges error\)/,
      );
      return true;
    },
  );
});

/** A readable tree of `d` with `edit` applied to its write tree first. */
function treeWith(
  d: NirDocument,
  edit: (root: H5WriteGroup) => void = () => {},
): ReturnType<typeof memoryTree> {
  const tree = nirToTree(d);
  edit(tree);
  return memoryTree(tree);
}

function groupAt(root: H5WriteGroup, path: string[]): Map<string, H5WriteGroup | H5WriteDataset> {
  let g = root;
  for (const p of path) g = g.children.get(p) as H5WriteGroup;
  return g.children as Map<string, H5WriteGroup | H5WriteDataset>;
}

const floats = (shape: number[], values: number[]): H5WriteDataset => ({
  kind: "dataset",
  value: { kind: "float", shape, data: Float64Array.from(values) },
});

const simple = doc(
  graph(
    {
      input: { type: "Input", shape: [2] },
      fc: { type: "Linear", weight: t([1, 2], [1, 2]) },
      lif: lif(1, { tau: 0.01 }),
      out: { type: "Output", shape: [1] },
    },
    [
      ["input", "fc"],
      ["fc", "lif"],
      ["lif", "out"],
    ],
  ),
);

function assertFormat(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FormatError, `expected FormatError, got ${String(e)}`);
    assert.match(e.message, /^f\.nir: /);
    assert.match(e.message, pattern);
    return true;
  });
}

test("malformed fields are FormatErrors naming the dataset: missing, wrong kind, non-finite, non-positive tau", () => {
  const parse = (edit: (root: H5WriteGroup) => void) => () => parseNirTree(treeWith(simple, edit), "f.nir");
  const lifAt = (r: H5WriteGroup) => groupAt(r, ["node", "nodes", "lif"]);

  assertFormat(
    parse((r) => lifAt(r).delete("tau")),
    /\/node\/nodes\/lif: has no "tau" dataset/,
  );
  assertFormat(
    parse((r) => lifAt(r).set("tau", floats([1], [-0.01]))),
    /\/node\/nodes\/lif\/tau: entry 0 is -0.01; time constants must be > 0 s/,
  );
  assertFormat(
    parse((r) => lifAt(r).set("r", floats([1], [NaN]))),
    /\/node\/nodes\/lif\/r: entry 0 is NaN; parameters must be finite/,
  );
  assertFormat(
    parse((r) => lifAt(r).set("r", { kind: "dataset", value: { kind: "string", shape: [], data: ["1"] } })),
    /\/node\/nodes\/lif\/r: should be a float array, got string/,
  );
  assertFormat(
    parse((r) => lifAt(r).set("r", floats([2], [1, 1]))),
    /\/node\/nodes\/lif\/r: has shape \[2\] but tau has \[1\]/,
  );
  assertFormat(
    parse((r) => groupAt(r, ["node", "nodes", "fc"]).set("weight", floats([2], [1, 2]))),
    /\/node\/nodes\/fc\/weight: should be a matrix \[out, in\]/,
  );
  assertFormat(
    parse((r) =>
      groupAt(r, ["node"]).set("edges", {
        kind: "dataset",
        value: { kind: "string", shape: [3], data: ["a", "b", "c"] },
      }),
    ),
    /\/node\/edges: should have shape \[E, 2\]/,
  );
  assertFormat(
    parse((r) => (r.children as Map<string, unknown>).delete("node")),
    /\/node: is missing/,
  );
});

test("types: an unknown string is a FormatError, a known NIR type spikeflow lacks (Conv1d) an UnsupportedError", () => {
  const retype = (type: string) => (r: H5WriteGroup) =>
    groupAt(r, ["node", "nodes", "fc"]).set("type", {
      kind: "dataset",
      value: { kind: "string", shape: [], data: [type] },
    });

  assertFormat(
    () => parseNirTree(treeWith(simple, retype("Lineer")), "f.nir"),
    /\/node\/nodes\/fc\/type: "Lineer" is not a NIR node type/,
  );
  assert.throws(
    () => parseNirTree(treeWith(simple, retype("Conv1d")), "f.nir"),
    (e: unknown) => {
      assert.ok(e instanceof UnsupportedError);
      assert.match(
        e.message,
        /f\.nir: \/node\/nodes\/fc: NIR node type "Conv1d" is not supported by spikeflow/,
      );
      return true;
    },
  );
});

test("dangling edges: at the top level always an error; in a subgraph an ambiguous repair is refused", () => {
  const top = doc(graph({ a: { type: "Input", shape: [1] }, b: lif(1, { tau: 0.01 }) }, [["a", "c"]]));
  const sub: NirGraph = graph(
    {
      input: { type: "Input", shape: [1] },
      x: lif(1, { tau: 0.01 }),
      y: lif(1, { tau: 0.01 }),
      output: { type: "Output", shape: [1] },
    },
    [
      ["input", "p"],
      ["q", "output"],
    ],
  );
  const outer = doc(
    graph({ i: { type: "Input", shape: [1] }, g: sub, o: { type: "Output", shape: [1] } }, [
      ["i", "g"],
      ["g", "o"],
    ]),
  );

  assertFormat(
    () => parseNirTree(treeWith(top), "f.nir"),
    /edge 0 \("a" -> "c"\) names "c", which is not a node of the graph/,
  );
  assertFormat(
    () => parseNirTree(treeWith(outer), "f.nir"),
    /not repaired because it is ambiguous \(2 dangling names, 2 nodes that no edge names\)/,
  );
});

test("NIRGraph nesting deeper than 16 levels is rejected (a guard against looping links)", () => {
  let g: NirGraph = graph({ i: { type: "Input", shape: [1] }, o: { type: "Output", shape: [1] } }, [
    ["i", "o"],
  ]);
  for (let k = 0; k < 18; k++)
    g = graph({ i: { type: "Input", shape: [1] }, g, o: { type: "Output", shape: [1] } }, [
      ["i", "g"],
      ["g", "o"],
    ]);

  assertFormat(() => parseNirTree(treeWith(doc(g)), "f.nir"), /NIRGraph nodes are nested more than 16 deep/);
});

test("bytes that are not HDF5, or are cut short, fail before h5wasm with a clear message", async () => {
  const bytes = fixtureBytes("lif_norse");

  await assert.rejects(
    decodeNir(new TextEncoder().encode("hello, not a NIR file"), "x.nir"),
    /^FormatError: x\.nir: not an HDF5 file/,
  );
  await assert.rejects(decodeNir(new Uint8Array(0), "x.nir"), /x\.nir: not an HDF5 file/);
  await assert.rejects(
    decodeNir(bytes.subarray(0, 5000), "x.nir"),
    /x\.nir: truncated or damaged: the HDF5 superblock says the file ends at byte 17584, but it has 5000 bytes/,
  );
  assert.equal(checkSuperblock(bytes, "x.nir"), 0);
  assert.throws(
    () => checkSuperblock(bytes.subarray(0, 30), "x.nir"),
    /truncated inside the HDF5 superblock/,
  );
  // the signature alone, and one byte more: truncated, not "superblock version undefined"
  for (const n of [8, 9, 13]) {
    assert.throws(
      () => checkSuperblock(bytes.subarray(0, n), "x.nir"),
      new RegExp(`^FormatError: x\\.nir: truncated inside the HDF5 superblock \\(${n} bytes`),
    );
  }
});

test("write then read gives back the same document: metadata of every kind, Conv2d string padding, Flatten without input_type", async () => {
  const d: NirDocument = doc({
    type: "NIRGraph",
    nodes: {
      input: { type: "Input", shape: [1, 4, 4] },
      conv: {
        type: "Conv2d",
        weight: { shape: [2, 1, 3, 3], data: new Float32Array(18).fill(0.5) },
        bias: t([2], [0, 1]),
        stride: [1, 1],
        padding: "same",
        dilation: [1, 1],
        groups: 1,
      },
      flat: { type: "Flatten", start_dim: 0, end_dim: -1 },
      out: { type: "Output", shape: [32] },
    },
    edges: [
      ["input", "conv"],
      ["conv", "flat"],
      ["flat", "out"],
    ],
    metadata: { dt: 1e-4, producer: "test", tags: ["a", "b"], table: t([2], [3, 4]) },
  });

  const back = await decodeNir(await encodeNir(d), "w.nir");

  assert.deepEqual(back, d);
});

test("the writer refuses names HDF5 cannot hold and documents the reader would reject", async () => {
  const slash = doc(graph({ "a/b": { type: "Input", shape: [1] } }, []));
  const dangling = doc(graph({ a: { type: "Input", shape: [1] } }, [["a", "nowhere"]]));

  await assert.rejects(
    encodeNir(slash),
    (e: unknown) =>
      e instanceof InvalidParameterError && /"a\/b" cannot be an HDF5 group name/.test(e.message),
  );
  await assert.rejects(
    encodeNir(dangling),
    (e: unknown) =>
      e instanceof InvalidParameterError && /cannot write this NIR graph: .*names "nowhere"/.test(e.message),
  );
});

test("every fixture decodes with no warning except the documented repairs", async () => {
  for (const name of FIXTURES) {
    const { doc: d, logs } = await readFixture(name);

    assert.equal(d.graph.type, "NIRGraph", name);
    assert.ok(
      logs.every((l) => l.id === "nir-dangling-edge-repaired"),
      `${name}: ${logs.map((l) => l.id)}`,
    );
  }
});
