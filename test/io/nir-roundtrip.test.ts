// Round trips (fast-check): NIR document -> HDF5 bytes -> document is the identity for every node type,
// and NIR graph -> spikeflow network -> NIR graph is the identity for every node type that has an engine
// counterpart, under both discretisations and both integrator conventions. Flatten is the one exception:
// a reshape does not move flat indices, so it has no engine object; export writes one Flatten where a
// multi-dimensional population feeds a weight matrix and a plain edge elsewhere. The property compares both
// graphs with their Flatten nodes contracted, and the fixtures (Flatten and
// composed chains included) are checked by behaviour: they run identically after export and re-import.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { captureLogs } from "../../src/core/log.ts";
import { createRng } from "../../src/core/rng.ts";
import type { Network } from "../../src/network/network.ts";
import type { Input } from "../../src/neurons/input.ts";
import { decodeNir, encodeNir } from "../../src/io/nir/codec.ts";
import { networkToNir } from "../../src/io/nir/export.ts";
import type { NirDocument, NirGraph, NirMetadata, NirNode, NirTensor } from "../../src/io/nir/graph.ts";
import { isNirTensor } from "../../src/io/nir/graph.ts";
import { nirToNetwork } from "../../src/io/nir/import.ts";
import type { IntegratorMode } from "../../src/io/nir/import.ts";
import type { IntegrationMethod } from "../../src/neurons/first-order.ts";
import { FIXTURES, doc, readFixture, record } from "./nir-helpers.ts";

// ---- arbitraries ----

const f64 = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const f32 = (min: number, max: number) =>
  fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true, noDefaultInfinity: true });

function tensorOf(shape: number[], value: fc.Arbitrary<number>, single: boolean): fc.Arbitrary<NirTensor> {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc
    .array(value, { minLength: n, maxLength: n })
    .map((vs) => ({ shape, data: single ? Float32Array.from(vs) : Float64Array.from(vs) }));
}

const smallShape = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 });
const pair = (min: number, max: number) => fc.tuple(fc.integer({ min, max }), fc.integer({ min, max }));

/** Any node the reader accepts (fields valid on their own; graphs are not type-checked). */
function anyLeaf(): fc.Arbitrary<NirNode> {
  const neuron = smallShape.chain((shape) =>
    fc.oneof(
      fc.record({
        type: fc.constant("LIF" as const),
        tau: tensorOf(shape, f64(1e-4, 1), false),
        r: tensorOf(shape, f64(-5, 5), false),
        v_leak: tensorOf(shape, f64(-1, 1), false),
        v_threshold: tensorOf(shape, f64(-1, 2), true),
        v_reset: tensorOf(shape, f64(-1, 1), false),
      }),
      fc.record({
        type: fc.constant("CubaLIF" as const),
        tau_syn: tensorOf(shape, f64(1e-4, 1), false),
        tau_mem: tensorOf(shape, f64(1e-4, 1), true),
        r: tensorOf(shape, f64(0, 5), false),
        v_leak: tensorOf(shape, f64(-1, 1), false),
        v_threshold: tensorOf(shape, f64(0, 2), false),
        v_reset: tensorOf(shape, f64(-1, 0), false),
        w_in: tensorOf(shape, f64(0, 3), false),
      }),
      fc.record({
        type: fc.constant("IF" as const),
        r: tensorOf(shape, f64(0, 5), true),
        v_threshold: tensorOf(shape, f64(0, 2), true),
        v_reset: tensorOf(shape, f64(-1, 0), true),
      }),
      fc.record({
        type: fc.constant("LI" as const),
        tau: tensorOf(shape, f64(1e-4, 1), false),
        r: tensorOf(shape, f64(0, 5), false),
        v_leak: tensorOf(shape, f64(-1, 1), false),
      }),
      fc.record({ type: fc.constant("I" as const), r: tensorOf(shape, f64(-5, 5), false) }),
      fc.record({ type: fc.constant("Threshold" as const), threshold: tensorOf(shape, f64(-1, 1), true) }),
      fc.record({ type: fc.constant("Scale" as const), scale: tensorOf(shape, f64(-2, 2), true) }),
      fc.record({ type: fc.constant("Delay" as const), delay: tensorOf(shape, f64(0, 0.1), false) }),
    ),
  );
  const dense = pair(1, 4).chain(([o, i]) =>
    fc.oneof(
      fc.record({ type: fc.constant("Linear" as const), weight: tensorOf([o, i], f32(-1, 1), true) }),
      fc.record({
        type: fc.constant("Affine" as const),
        weight: tensorOf([o, i], f32(-1, 1), true),
        bias: tensorOf([o], f32(-1, 1), true),
      }),
    ),
  );
  const conv = fc
    .record({
      oc: fc.integer({ min: 1, max: 2 }),
      g: fc.integer({ min: 1, max: 2 }),
      cin: fc.integer({ min: 1, max: 2 }),
      k: pair(1, 3),
    })
    .chain(({ oc, g, cin, k }) =>
      fc
        .record({
          type: fc.constant("Conv2d" as const),
          weight: tensorOf([oc * g, cin, k[0], k[1]], f32(-1, 1), true),
          bias: tensorOf([oc * g], f32(-1, 1), true),
          stride: pair(1, 3),
          padding: fc.oneof(pair(0, 2), fc.constantFrom("same" as const, "valid" as const)),
          dilation: pair(1, 2),
          groups: fc.constant(g),
          input_shape: fc.option(pair(3, 6), { nil: undefined }),
        })
        .map((n) => (n.input_shape === undefined ? (({ input_shape: _, ...rest }) => rest)(n) : n)),
    );
  const pool = fc.record({
    type: fc.constantFrom("SumPool2d" as const, "AvgPool2d" as const),
    kernel_size: pair(1, 3),
    stride: pair(1, 3),
    padding: pair(0, 1),
  });
  const flatten = fc
    .record({
      type: fc.constant("Flatten" as const),
      input_type: fc.option(smallShape, { nil: undefined }),
      start_dim: fc.integer({ min: -3, max: 2 }),
      end_dim: fc.integer({ min: -3, max: 2 }),
    })
    .map((n) => (n.input_type === undefined ? (({ input_type: _, ...rest }) => rest)(n) : n));
  const io = fc.record({ type: fc.constantFrom("Input" as const, "Output" as const), shape: smallShape });
  // fast-check builds records without a prototype; the reader returns plain objects
  return fc.oneof(neuron, dense, conv, pool, flatten, io).map((n) => ({ ...n })) as fc.Arbitrary<NirNode>;
}

const nodeName = fc.stringMatching(/^[a-z][a-z0-9_.]{0,6}$/);
const metadata: fc.Arbitrary<NirMetadata> = fc.dictionary(
  fc.stringMatching(/^[a-z][a-z_]{0,5}$/),
  fc.oneof(
    fc.string({ maxLength: 8 }),
    f64(-1e6, 1e6),
    fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
    tensorOf([2], f64(-1, 1), false),
  ),
  { maxKeys: 3 },
);

function anyGraph(depth: number): fc.Arbitrary<NirGraph> {
  const node: fc.Arbitrary<NirNode> =
    depth > 0
      ? fc.oneof(
          { weight: 5, arbitrary: anyLeaf() },
          { weight: 1, arbitrary: fc.constant(null).chain(() => anyGraph(depth - 1)) },
        )
      : anyLeaf();
  return fc
    .uniqueArray(fc.tuple(nodeName, node), { minLength: 1, maxLength: 5, selector: ([n]) => n })
    .chain((entries) => {
      const names = entries.map(([n]) => n);
      return fc
        .record({
          edges: fc.array(fc.tuple(fc.constantFrom(...names), fc.constantFrom(...names)), { maxLength: 6 }),
          metadata: fc.option(metadata, { nil: undefined }),
        })
        .map(({ edges, metadata: m }) => ({
          type: "NIRGraph" as const,
          nodes: Object.fromEntries(entries),
          edges,
          ...(m === undefined || Object.keys(m).length === 0 ? {} : { metadata: { ...m } }),
        }));
    });
}

test("HDF5 round trip: every node type, nested subgraphs, metadata: decode(encode(doc)) equals doc bit for bit", async () => {
  await fc.assert(
    fc.asyncProperty(anyGraph(2), async (g) => {
      const d: NirDocument = doc(g);
      const back = await decodeNir(await encodeNir(d), "p.nir", { danglingEdges: "error" });
      assert.deepEqual(back, d);
    }),
    { numRuns: 40, seed: 20240501 },
  );
});

// ---- engine round trip ----

interface Canonical {
  readonly graph: NirGraph;
  readonly method: IntegrationMethod;
  readonly integrators: IntegratorMode;
}

const DT_S = 1e-3;

/**
 * A neuron node of `shape` with valid parameters: uniform, or per neuron for CubaLIF, IF and LI (Threshold:
 * per-neuron float32 values).
 */
function neuronOf(shape: number[], spiking: boolean): fc.Arbitrary<NirNode> {
  const n = shape.reduce((a, b) => a * b, 1);
  const fill = (v: number): NirTensor => ({ shape, data: new Float64Array(n).fill(v) });
  const tau = f64(2 * DT_S, 0.1);
  const lifLike = fc.record({
    tau,
    r: f64(0.5, 30),
    v_leak: f64(-1, 1),
    v_reset: f64(-1, 0),
    gap: f64(0.1, 2),
  });
  /**
   * A node drawn from `fields` either with one value per parameter (filled tensors) or, where the engine
   * takes per-neuron values, with one drawn per neuron; `node(at)` builds it, `at(pick)` giving the tensor of
   * the parameter that `pick` reads from a draw.
   */
  function uniformOrPerNeuron<T>(
    fields: fc.Arbitrary<T>,
    node: (at: (pick: (p: T) => number) => NirTensor) => NirNode,
  ): fc.Arbitrary<NirNode>[] {
    return [
      fields.map((p) => node((pick) => fill(pick(p)))),
      fc
        .array(fields, { minLength: n, maxLength: n })
        .map((ps) => node((pick) => ({ shape, data: Float64Array.from(ps, pick) }))),
    ];
  }
  const options: fc.Arbitrary<NirNode>[] = [
    lifLike.map((p) => ({
      type: "LIF",
      tau: fill(p.tau),
      r: fill(p.r),
      v_leak: fill(p.v_leak),
      v_threshold: fill(p.v_reset + p.gap),
      v_reset: fill(p.v_reset),
    })),
    ...uniformOrPerNeuron(
      fc.record({
        ts: tau,
        tm: tau,
        r: f64(0.5, 30),
        w: f64(0.1, 5),
        vl: f64(-1, 1),
        vr: f64(-1, 0),
        gap: f64(0.1, 2),
      }),
      (at) => ({
        type: "CubaLIF",
        tau_syn: at((p) => p.ts),
        tau_mem: at((p) => p.tm),
        r: at((p) => p.r),
        v_leak: at((p) => p.vl),
        v_threshold: at((p) => p.vr + p.gap),
        v_reset: at((p) => p.vr),
        w_in: at((p) => p.w),
      }),
    ),
    ...uniformOrPerNeuron(fc.record({ r: f64(0.1, 5), vr: f64(-1, 0), gap: f64(0.1, 2) }), (at) => ({
      type: "IF",
      r: at((p) => p.r),
      v_threshold: at((p) => p.vr + p.gap),
      v_reset: at((p) => p.vr),
    })),
    tensorOf(shape, f32(-1, 1), false).map((threshold) => ({ type: "Threshold", threshold })),
  ];
  if (!spiking) {
    options.push(
      ...uniformOrPerNeuron(fc.record({ tau, r: f64(0.1, 5), vl: f64(-1, 1) }), (at) => ({
        type: "LI",
        tau: at((p) => p.tau),
        r: at((p) => p.r),
        v_leak: at((p) => p.vl),
      })),
      f64(0.1, 5).map((r) => ({ type: "I", r: fill(r) })),
    );
  }
  return fc.oneof(...options);
}

type Layer = { op: NirNode | null; shape: number[] };

/** The stateless node (or none: a direct edge) from a population of `shape`, and the shape it produces. */
function layerFrom(shape: number[]): fc.Arbitrary<Layer> {
  const n = shape.reduce((a, b) => a * b, 1);
  const choices: fc.Arbitrary<Layer>[] = [
    fc.constant({ op: null, shape }),
    fc.integer({ min: 1, max: 4 }).chain((out) =>
      tensorOf([out, n], f32(-1, 1), true).map((weight) => ({
        op: { type: "Linear", weight },
        shape: [out],
      })),
    ),
    fc
      .integer({ min: 1, max: 4 })
      .chain((out) =>
        fc
          .tuple(tensorOf([out, n], f32(-1, 1), true), tensorOf([out], f32(-1, 1), true))
          .map(([weight, bias]) => ({ op: { type: "Affine", weight, bias }, shape: [out] })),
      ),
    tensorOf(shape, f32(-2, 2), true)
      .filter((s) => s.data.some((v) => v !== 1))
      .map((scale) => ({ op: { type: "Scale", scale }, shape })),
  ];
  if (shape.length === 3) {
    const [C, H, W] = shape;
    choices.push(
      fc
        .record({
          oc: fc.integer({ min: 1, max: 2 }),
          k: fc.integer({ min: 1, max: Math.min(H, W) }),
          s: fc.integer({ min: 1, max: 2 }),
          p: fc.integer({ min: 0, max: 1 }),
          zeroBias: fc.boolean(),
        })
        .chain(({ oc, k, s, p, zeroBias }) =>
          fc
            .tuple(tensorOf([oc, C, k, k], f32(-1, 1), true), tensorOf([oc], f32(-1, 1), true))
            .map(([weight, b]) => ({
              op: {
                type: "Conv2d",
                weight,
                bias: zeroBias ? { shape: [oc], data: new Float32Array(oc) } : b,
                stride: [s, s],
                padding: [p, p],
                dilation: [1, 1],
                groups: 1,
                input_shape: [H, W],
              } as NirNode,
              shape: [oc, Math.floor((H + 2 * p - k) / s) + 1, Math.floor((W + 2 * p - k) / s) + 1],
            })),
        ),
      fc
        .record({
          type: fc.constantFrom("SumPool2d" as const, "AvgPool2d" as const),
          k: fc.integer({ min: 1, max: Math.min(2, H, W) }),
          s: fc.integer({ min: 1, max: 2 }),
        })
        .map(({ type, k, s }) => ({
          op: { type, kernel_size: [k, k], stride: [s, s], padding: [0, 0] } as NirNode,
          shape: [C, Math.floor((H - k) / s) + 1, Math.floor((W - k) / s) + 1],
        })),
      fc.constant({
        op: { type: "Flatten", input_type: [C, H, W], start_dim: 0, end_dim: -1 } as NirNode,
        shape: [C * H * W],
      }),
    );
  }
  return fc.oneof(...choices);
}

/** `g` with every Flatten node replaced by a direct edge (the form both sides are compared in). */
function withoutFlatten(g: NirGraph): NirGraph {
  const flat = new Set(
    Object.entries(g.nodes)
      .filter(([, n]) => n.type === "Flatten")
      .map(([k]) => k),
  );
  const nodes = Object.fromEntries(Object.entries(g.nodes).filter(([k]) => !flat.has(k)));
  const edges: [string, string][] = [];
  for (const [a, b] of g.edges) {
    if (flat.has(a)) continue;
    if (flat.has(b)) for (const [c, d] of g.edges) if (c === b) edges.push([a, d]);
    if (!flat.has(b)) edges.push([a, b]);
  }
  return { type: "NIRGraph", nodes, edges };
}

const canonical: fc.Arbitrary<Canonical> = fc
  .record({
    input: fc.oneof(
      fc.tuple(fc.integer({ min: 1, max: 4 })).map((s) => [...s]),
      fc
        .tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 2, max: 4 }), fc.integer({ min: 2, max: 4 }))
        .map((s) => [...s]),
    ),
    depth: fc.integer({ min: 1, max: 3 }),
    method: fc.constantFrom("exact" as const, "euler" as const),
    integrators: fc.constantFrom("per-step" as const, "ode" as const),
    recurrent: fc.boolean(),
  })
  .chain(({ input, depth, method, integrators, recurrent }) => {
    const build = (
      shape: number[],
      k: number,
    ): fc.Arbitrary<{
      nodes: [string, NirNode][];
      edges: [string, string][];
      last: string;
      lastShape: number[];
    }> =>
      layerFrom(shape).chain((layer) =>
        neuronOf(layer.shape, k < depth).chain((neuron) => {
          const nodes: [string, NirNode][] = [[`n${k}`, neuron]];
          const prev = k === 1 ? "input" : `n${k - 1}`;
          const edges: [string, string][] =
            layer.op === null
              ? [[prev, `n${k}`]]
              : [
                  [prev, `op${k}`],
                  [`op${k}`, `n${k}`],
                ];
          if (layer.op !== null) nodes.push([`op${k}`, layer.op]);
          const here = { nodes, edges, last: `n${k}`, lastShape: layer.shape };
          return k === depth
            ? fc.constant(here)
            : build(layer.shape, k + 1).map((rest) => ({
                ...rest,
                nodes: [...nodes, ...rest.nodes],
                edges: [...edges, ...rest.edges],
              }));
        }),
      );
    return build(input, 1).chain((chain) => {
      const n1 = chain.nodes.find(([name]) => name === "n1")![1];
      const size1 =
        chain.nodes.length > 0
          ? n1.type === "Threshold"
            ? n1.threshold.data.length
            : Object.values(n1).find(isNirTensor)!.data.length
          : 1;
      return tensorOf([size1, size1], f32(-1, 1), true).map((w) => {
        const nodes: Record<string, NirNode> = {
          input: { type: "Input", shape: input },
          ...Object.fromEntries(chain.nodes),
          output: { type: "Output", shape: chain.lastShape },
        };
        const edges = [...chain.edges, [chain.last, "output"] as [string, string]];
        if (recurrent) {
          nodes.rec = { type: "Linear", weight: w };
          edges.push(["n1", "rec"], ["rec", "n1"]);
        }
        return { graph: { type: "NIRGraph" as const, nodes, edges }, method, integrators };
      });
    });
  });

function assertClose(a: NirTensor, b: NirTensor, where: string, flatOk = false): void {
  assertShape(a.shape, b.shape, where, flatOk);
  for (let k = 0; k < a.data.length; k++) {
    const x = a.data[k];
    const y = b.data[k];
    assert.ok(Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y)), `${where}[${k}]: ${x} vs ${y}`);
  }
}

/**
 * The same shape, or, where `flatOk`, the flat shape of the same size: export writes a population that a
 * weight matrix feeds flat (docs/nir.md, "Shapes agree edge by edge"), and so its Output.
 */
function assertShape(got: readonly number[], want: readonly number[], where: string, flatOk: boolean): void {
  const size = want.reduce((a, b) => a * b, 1);
  if (flatOk && got.length === 1 && got[0] === size) return;
  assert.deepEqual([...got], [...want], `${where} shape`);
}

function assertSameGraph(got: NirGraph, want: NirGraph): void {
  assert.deepEqual(Object.keys(got.nodes).sort(), Object.keys(want.nodes).sort(), "node names");
  const key = (e: readonly [string, string]) => `${e[0]} > ${e[1]}`;
  assert.deepEqual(got.edges.map(key).sort(), want.edges.map(key).sort(), "edges");
  // the nodes a Linear or Affine feeds, and the Outputs that read them, may come back flat
  const matrixFed = new Set(
    want.edges
      .filter(([a]) => want.nodes[a].type === "Linear" || want.nodes[a].type === "Affine")
      .map(([, b]) => b),
  );
  for (const [a, b] of want.edges) if (matrixFed.has(a) && want.nodes[b].type === "Output") matrixFed.add(b);
  for (const [name, w] of Object.entries(want.nodes)) {
    const g = got.nodes[name];
    assert.equal(g.type, w.type, `${name} type`);
    const flatOk = matrixFed.has(name);
    for (const [field, value] of Object.entries(w)) {
      if (field === "metadata" || field === "type") continue;
      const other = (g as unknown as Record<string, unknown>)[field];
      if (isNirTensor(value)) assertClose(other as NirTensor, value, `${name}.${field}`, flatOk);
      else if (w.type === "Output" && field === "shape") {
        assertShape(other as number[], value as number[], `${name}.${field}`, flatOk);
      } else assert.deepEqual(other, value, `${name}.${field}`);
    }
  }
}

test("engine round trip: export(import(g)) equals g for Input, Output, Affine, Linear, Scale, Conv2d, SumPool2d, AvgPool2d, LIF, CubaLIF, IF, LI, I, Threshold and cycles (Flatten contracted)", () => {
  // Weights are float32 on both sides and come back bit for bit; time constants and gains go through
  // s -> ms -> s (and, for "euler", through the per-step decay), so they agree to a few ulp: 1e-9 relative.
  fc.assert(
    fc.property(canonical, ({ graph, method, integrators }) => {
      let back: NirGraph | undefined;
      captureLogs(() => {
        const imp = nirToNetwork(graph, { dt_s: DT_S, method, integrators });
        back = networkToNir(imp.network, {
          method,
          integrators,
          shapes: imp.exportHints.shapes,
          outputs: imp.exportHints.outputs,
        }).document.graph;
      });
      assertSameGraph(withoutFlatten(back!), withoutFlatten(graph));
    }),
    { numRuns: 300, seed: 42 },
  );
});

test("engine round trip through the file: encode(export(import(g))) decodes to g (20 graphs)", async () => {
  await fc.assert(
    fc.asyncProperty(canonical, async ({ graph, method, integrators }) => {
      let exported: NirDocument | undefined;
      captureLogs(() => {
        const imp = nirToNetwork(graph, { dt_s: DT_S, method, integrators });
        exported = networkToNir(imp.network, {
          method,
          integrators,
          shapes: imp.exportHints.shapes,
          outputs: imp.exportHints.outputs,
        }).document;
      });
      const back = await decodeNir(await encodeNir(exported!), "rt.nir");
      assertSameGraph(withoutFlatten(back.graph), withoutFlatten(graph));
    }),
    { numRuns: 20, seed: 7 },
  );
});

test("every fixture, Flatten and composed chains included, runs identically after export and re-import, with shapes that agree edge by edge", async () => {
  for (const name of FIXTURES) {
    const { doc: d } = await readFixture(name);
    let spikesA: Record<string, number[][]> = {};
    let spikesB: Record<string, number[][]> = {};
    const outputs: string[] = [];
    let reimportLogs: { id: string; message: string }[] = [];
    captureLogs(() => {
      const a = nirToNetwork(d, { dt_s: 1e-4, method: "euler" });
      const ex = networkToNir(a.network, {
        method: "euler",
        shapes: a.exportHints.shapes,
        outputs: a.exportHints.outputs,
      });
      let b: ReturnType<typeof nirToNetwork> | undefined;
      reimportLogs = captureLogs(() => (b = nirToNetwork(ex.document, { dt_s: 1e-4, method: "euler" })));
      b = b!;
      outputs.push(...Object.values(a.outputs));
      const inputName = Object.values(a.inputs)[0];
      const size = a.network.population(inputName).size;
      const rng = createRng(3, "fixture-roundtrip", name);
      const trains = Array.from({ length: 60 }, () => Array.from({ length: size }, () => rng.bernoulli(0.2)));
      const drive = (net: Network) => {
        const inp = net.population<Input>(inputName);
        return (s: number) => trains[s].forEach((x, i) => x && inp.emit(i));
      };
      spikesA = record(a.network, 60, drive(a.network), outputs).spikes;
      spikesB = record(b.network, 60, drive(b.network), Object.values(b.outputs)).spikes;
    });
    assert.deepEqual(spikesB, spikesA, name);
    // cnn_sinabs's pool + conv is composed into one weight matrix, which feeds an IF layer of shape [8, 8, 8]:
    // that layer is written flat, so no edge of the file joins different shapes
    assert.deepEqual(
      reimportLogs.filter((r) => r.id === "nir-shape-relaxed").map((r) => r.message),
      [],
      name,
    );
  }
});
