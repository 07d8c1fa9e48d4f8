// NIR documents built in code are checked like files: typed errors naming the node and field, never a raw
// TypeError from deep inside the importer or the writer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { captureLogs } from "../../src/core/log.ts";
import { decodeNir, encodeNir } from "../../src/io/nir/codec.ts";
import { networkToNir } from "../../src/io/nir/export.ts";
import { exportNir, importNir } from "../../src/io/nir/file.ts";
import type { NirDocument } from "../../src/io/nir/graph.ts";
import { nirToNetwork } from "../../src/io/nir/import.ts";
import { BIN } from "../helpers/cli.ts";

const t = (shape: number[], v: number) => ({
  shape,
  data: new Float64Array(shape.reduce((a, b) => a * b, 1)).fill(v),
});
const lif = (fields: Record<string, unknown> = {}) => ({
  type: "LIF",
  tau: t([1], 0.01),
  r: t([1], 1),
  v_leak: t([1], 0),
  v_threshold: t([1], 1),
  v_reset: t([1], 0),
  ...fields,
});
const doc = (node: unknown): NirDocument =>
  ({
    version: "",
    graph: {
      type: "NIRGraph",
      nodes: { input: { type: "Input", shape: [1] }, lif: node, output: { type: "Output", shape: [1] } },
      edges: [
        ["input", "lif"],
        ["lif", "output"],
      ],
    },
  }) as unknown as NirDocument;
const imported = (d: unknown) => nirToNetwork(d as NirDocument, { dt_s: 1e-3, file: "m.nir" });

test("a well-formed document built in code imports and encodes; it reads back the same", async () => {
  const ok = doc(lif());
  assert.equal(imported(ok).network.populationNames.length, 2);
  const again = await decodeNir(await encodeNir(ok), "m.nir");
  assert.deepEqual(Array.from((again.graph.nodes.lif as { tau: { data: Float64Array } }).tau.data), [0.01]);
});

test("missing or malformed fields are FormatErrors naming the node and the field, in the file's units", () => {
  const cases: [unknown, string | RegExp, string][] = [
    [
      doc(lif({ tau: undefined })),
      "m.nir: graph.nodes.lif.tau: must be a tensor { shape, data }, got undefined",
      "FormatError",
    ],
    [
      doc(lif({ tau: t([1], -1) })),
      "m.nir: graph.nodes.lif.tau: entry 0 is -1; time constants must be > 0 s",
      "FormatError",
    ],
    [
      doc({ type: "Linear", weight: { shape: [1, 1], data: new Float64Array(3) } }),
      "m.nir: graph.nodes.lif.weight: holds 3 values, but its shape [1, 1] needs 1",
      "FormatError",
    ],
    [
      doc({ type: "Linear", weight: t([1], 1) }),
      /graph\.nodes\.lif\.weight: must be a matrix \[out, in\]/,
      "FormatError",
    ],
    [doc({ type: "Bogus" }), 'm.nir: graph.nodes.lif.type: "Bogus" is not a NIR node type', "FormatError"],
    [
      doc({ type: "Conv1d" }),
      /^m\.nir: graph\.nodes\.lif: NIR node type "Conv1d" is not supported by spikeflow; supported: Input, /,
      "UnsupportedError",
    ],
    [
      doc({ type: "Delay", delay: t([1], Infinity) }),
      "m.nir: graph.nodes.lif.delay: entry 0 is Infinity; delays must be finite and >= 0 s",
      "FormatError",
    ],
    [
      { graph: { nodes: null, edges: [] } },
      "m.nir: graph.nodes: must map node names to nodes, got null",
      "FormatError",
    ],
    [
      { graph: { nodes: {}, edges: [["a"]] } },
      /^m\.nir: graph\.edges\[0\]: must be \[source, target\]/,
      "FormatError",
    ],
    [
      Promise.resolve({}),
      "m.nir: got a Promise, not a NIR document; await readNirFile or decodeNir before importing",
      "FormatError",
    ],
  ];
  for (const [d, message, name] of cases)
    assert.throws(() => imported(d), { name, message }, String(message));
});

test("encodeNir and networkToNir name a malformed argument", async () => {
  await assert.rejects(
    encodeNir({
      version: "",
      graph: { type: "NIRGraph", nodes: { i: { type: "Input", shape: "1" } }, edges: [] },
    } as never),
    {
      name: "InvalidParameterError",
      message:
        'cannot write this NIR graph: graph: graph.nodes.i.shape: must be a list of sizes >= 1, got string "1"',
    },
  );
  assert.throws(() => networkToNir({} as never), {
    name: "InvalidParameterError",
    message: "networkToNir takes a Network (the one to export), got an object with keys []",
  });
});

test("an Output that no neuron reaches is warned about; nir run of a graph without outputs says so", async () => {
  const g = doc(lif());
  const unfed = {
    ...g,
    graph: { ...g.graph, edges: [["input", "lif"]] },
  } as unknown as NirDocument;
  const logs = captureLogs(() => void imported(unfed));
  assert.deepEqual(
    logs.filter((l) => l.id === "nir-output-unfed").map((l) => l.message),
    ['m.nir: Output "output" is fed by no neuron (no edge reaches it), so it reports nothing'],
  );
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-nir-check-"));
  try {
    const file = join(dir, "no-output.nir");
    writeFileSync(file, await encodeNir(unfed));
    const r = spawnSync(process.execPath, [BIN, "nir", "run", file, "--dt", "1e-3", "--steps", "2"], {
      encoding: "utf8",
      env: { ...process.env, SPIKEFLOW_LOG: "warn" },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `spikeflow warn \\[nir-no-output\\]: ${file} has no Output node that a neuron feeds, so the run ` +
          'reports no output \\("outputs": \\{\\}\\)\n',
      ),
    );
    assert.deepEqual(JSON.parse(r.stdout).outputs, {});
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an import step of whole seconds or below a microsecond is warned about as a likely unit slip", () => {
  for (const [dt_s, warned] of [
    [1, true],
    [1e-7, true],
    [1e-3, false],
    [0.1, false],
  ] as const) {
    const logs = captureLogs(() => void nirToNetwork(doc(lif()), { dt_s, file: "m.nir" }));
    assert.deepEqual(
      logs.filter((l) => l.id === "nir-dt-unusual").map((l) => l.message),
      warned
        ? [
            `dt_s = ${dt_s} s is an unusual simulation step; NIR times are in seconds, so a step of 1 ms is dt_s = ` +
              "1e-3 (the spikeflow command line takes 1e-6 to 1)",
          ]
        : [],
      String(dt_s),
    );
  }
});

test("encodeNir names a document without a graph or with a version that is no string", async () => {
  const ok = doc(lif());
  await assert.rejects(encodeNir({ ...ok, version: 5 } as never), {
    name: "InvalidParameterError",
    message: /^cannot write this NIR graph: graph: version must be a string such as "[\d.]+" \(""/,
  });
  await assert.rejects(encodeNir(ok.graph as never), {
    name: "InvalidParameterError",
    message:
      /^cannot write this NIR graph: graph: encodeNir takes a document \{ version, graph \}; wrap a bare graph/,
  });
});

test("metadata holds texts, numbers, lists of texts or tensors; a Promise node or argument says to await it", async () => {
  const nested = doc(lif({ metadata: { a: { b: 1 } } }));
  assert.throws(() => imported(nested), {
    name: "FormatError",
    message:
      "m.nir: graph.nodes.lif.metadata.a: must be a text, a number, a list of texts or a tensor, got an object " +
      'with keys ["b"]',
  });
  assert.equal(
    imported(doc(lif({ metadata: { note: "x", n: 3, tags: ["a"], t: t([2], 1) } }))).network.populationNames
      .length,
    2,
  );
  assert.throws(() => imported(doc(Promise.resolve(lif()))), {
    name: "FormatError",
    message: "m.nir: graph.nodes.lif: is a Promise, not a node (await it first)",
  });
  await assert.rejects(importNir(Promise.resolve(doc(lif())) as never, { dt_s: 1e-3 }), {
    name: "InvalidParameterError",
    message: /^importNir: pass a path, the file's bytes or a NirDocument, got .* \(await it first\)$/,
  });
  await assert.rejects(exportNir(Promise.resolve({}) as never), {
    name: "InvalidParameterError",
    message: /^exportNir takes the Network to export, got .* \(await it first\)$/,
  });
});

test("a Flatten whose dimensions lie outside its input, or start after they end, is refused; NIR's batch default on a flat input is kept", () => {
  const flat = (start_dim: number, end_dim: number, shape: number[]) =>
    ({
      version: "",
      graph: {
        type: "NIRGraph",
        nodes: {
          input: { type: "Input", shape },
          f: { type: "Flatten", start_dim, end_dim },
          lif: lif({
            tau: t([4], 0.01),
            r: t([4], 1),
            v_leak: t([4], 0),
            v_threshold: t([4], 1),
            v_reset: t([4], 0),
          }),
          output: { type: "Output", shape: [4] },
        },
        edges: [
          ["input", "f"],
          ["f", "lif"],
          ["lif", "output"],
        ],
      },
    }) as unknown as NirDocument;
  assert.throws(() => imported(flat(5, -7, [1, 2, 2])), {
    name: "FormatError",
    message:
      'm.nir: node "f" (Flatten): start_dim 5 and end_dim -7 must name dimensions of its input [1, 2, 2] (from -3 to 2)',
  });
  // a start after the end was read as the identity; PyTorch's flatten refuses it, and so does the import
  assert.throws(() => imported(flat(2, 1, [1, 2, 2])), {
    name: "FormatError",
    message:
      'm.nir: node "f" (Flatten): start_dim 2 comes after end_dim 1 on its input [1, 2, 2]; a Flatten joins ' +
      "dims start_dim..end_dim, so start_dim must not be after end_dim (as in PyTorch's flatten)",
  });
  assert.throws(() => imported(flat(-1, 0, [1, 2, 2])), /start_dim -1 comes after end_dim 0/);
  // a start just past the last dimension is the identity only with NIR's end_dim default (-1)
  assert.throws(
    () => imported(flat(3, 0, [1, 2, 2])),
    /start_dim 3 and end_dim 0 must name dimensions of its input \[1, 2, 2\] \(from -3 to 2\)$/,
  );
  assert.throws(
    () => imported(flat(1, 0, [4])),
    /start_dim 1 and end_dim 0 must name dimensions of its input \[4\]/,
  );
  assert.equal(imported(flat(0, -1, [1, 2, 2])).network.populationNames.length, 2);
  assert.equal(imported(flat(1, 1, [1, 4, 1])).network.populationNames.length, 2);
  assert.equal(imported(flat(1, -1, [4])).network.populationNames.length, 2);
});
