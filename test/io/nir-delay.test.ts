// NIR Delay nodes, both ways (docs/nir.md, "Delays"): export writes a projection's conduction delay as a
// Delay node (after the weight node for one delay_ms or post-side per-synapse delays, before it for pre-side
// ones, both for a sum, none for zeros) and refuses the per-synapse patterns NIR cannot hold; import turns Delay nodes on a path
// between neurons into delay_ms or per-synapse delays, refusing delays that are not whole steps. Round trips
// through the HDF5 bytes run spike for spike the same; a hand-made file checks the import on its own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FormatError, InvalidParameterError, UnsupportedError } from "../../src/core/errors.ts";
import { captureLogs } from "../../src/core/log.ts";
import { createRng } from "../../src/core/rng.ts";
import { Network } from "../../src/network/network.ts";
import { Input } from "../../src/neurons/input.ts";
import { LIF } from "../../src/neurons/lif.ts";
import { Affine } from "../../src/projections/affine.ts";
import { Conv2d } from "../../src/projections/conv-2d.ts";
import { Dense } from "../../src/projections/dense.ts";
import { OneToOne } from "../../src/projections/one-to-one.ts";
import { Sparse } from "../../src/projections/sparse.ts";
import { decodeNir, encodeNir } from "../../src/io/nir/codec.ts";
import { networkToNir } from "../../src/io/nir/export.ts";
import { writeHdf5 } from "../../src/io/nir/hdf5.ts";
import { nirToTree } from "../../src/io/nir/write.ts";
import type { NirDocument, NirNode } from "../../src/io/nir/graph.ts";
import { nirToNetwork } from "../../src/io/nir/import.ts";
import type { NirImport } from "../../src/io/nir/import.ts";
import { runNir } from "../../src/io/nir/run.ts";
import { doc, graph, lif, record, t } from "./nir-helpers.ts";

type Of<T extends NirNode["type"]> = Extract<NirNode, { type: T }>;

const DT_MS = 1;
// R = 20 MOhm: a current of 1 nA held over a step moves v by 1.9 mV. Every projection here feeds the "i_nA"
// port, which NIR's weights are (a "dv_mV" weight is rescaled by the current gain and back, which rounds v)
const LIF_PARAMS = {
  tauMem_ms: 10,
  resistance_MOhm: 20,
  vRest_mV: 0,
  vReset_mV: 0,
  vThreshold_mV: 1,
  tRef_ms: 0,
};

/** A network with an Input "x" of `n` neurons and a LIF "a" of `m`; `connect` adds the projections. */
function net(n: number, m: number, connect: (x: Input, a: LIF, net: Network) => void): Network {
  const network = new Network({ dt_ms: DT_MS });
  const x = network.addPopulation("x", new Input(n));
  const a = network.addPopulation("a", new LIF(m, DT_MS, LIF_PARAMS));
  connect(x, a, network);
  return network;
}

/** Export, write the bytes, read them back, import at the network's step. */
async function roundTrip(network: Network): Promise<{ doc: NirDocument; imp: NirImport }> {
  let exported: NirDocument | undefined;
  captureLogs(() => (exported = networkToNir(network).document));
  const back = await decodeNir(await encodeNir(exported!), "delay.nir");
  let imp: NirImport | undefined;
  captureLogs(() => (imp = nirToNetwork(back, { dt_s: DT_MS / 1000 })));
  return { doc: exported!, imp: imp! };
}

/** Spikes of "a" in both networks under the same random input spikes (seeded), and v of a's neuron 0. */
function runBoth(a: Network, b: Network, steps: number, p = 0.2) {
  const rng = createRng(5, "nir-delay");
  const n = a.population("x").size;
  const input = Array.from({ length: steps }, () => Array.from({ length: n }, () => rng.bernoulli(p)));
  const drive = (net: Network) => (s: number) =>
    input[s].forEach((on, i) => on && net.population<Input>("x").emit(i));
  return [record(a, steps, drive(a), ["a"]), record(b, steps, drive(b), ["a"])];
}

const edgesOf = (d: NirDocument): string[] => d.graph.edges.map(([u, v]) => `${u} -> ${v}`);

test("one delay_ms is a Delay node after the weight node, d / 1000 s per target element; the round trip runs the same spikes", async () => {
  const network = net(6, 4, (x, a, n) =>
    n.addProjection("w", new Dense(x, a, { weights: 0.3, delay_ms: 3, dt_ms: DT_MS, port: "i_nA" })),
  );

  const { doc: d, imp } = await roundTrip(network);
  const [before, after] = runBoth(network, imp.network, 80);

  const delay = d.graph.nodes["w.delay"] as Of<"Delay">;
  assert.equal(delay.type, "Delay");
  assert.deepEqual(delay.delay.shape, [4]);
  assert.deepEqual([...delay.delay.data], [0.003, 0.003, 0.003, 0.003]);
  assert.deepEqual(edgesOf(d).sort(), ["a -> output", "w -> w.delay", "w.delay -> a", "x -> w"]);
  const back = imp.network.projection("w") as Dense;
  assert.equal(back.kind, "dense");
  assert.equal(back.delaySteps, 3);
  assert.ok(before.spikes.a.flat().length > 20, "the layer should be active");
  assert.deepEqual(after.spikes, before.spikes);
  assert.deepEqual(after.v, before.v);
});

test("a spike crosses a delay_ms of 3 steps in 1 + 3 steps after export and import (the engine's step counted once)", async () => {
  // one input spike at step 2 through a weight that fires the LIF at once: it reaches the LIF in step
  // 2 + 1 + 3 = 6 and the LIF spikes in that step, as in the original network
  const network = net(1, 1, (x, a, n) =>
    n.addProjection("w", new Dense(x, a, { weights: 5, delay_ms: 3, dt_ms: DT_MS, port: "i_nA" })),
  );

  const { imp } = await roundTrip(network);
  const x = imp.network.population<Input>("x");
  const { spikes } = record(imp.network, 12, (s) => s === 2 && x.emit(0), ["a"]);

  assert.deepEqual(spikes.a, [[6]]);
  assert.equal(imp.latency_steps.output, 4);
});

test("per-synapse delays that depend on the pre neuron only: a Delay before the weight node, one per source neuron", async () => {
  const network = net(12, 5, (x, a, n) =>
    n.addProjection(
      "s",
      Sparse.random(x, a, {
        p: 0.5,
        weight: 0.3,
        rng: createRng(3, "pre"),
        delay_ms: (i) => (i % 4) * DT_MS,
        dt_ms: DT_MS,
        port: "i_nA",
      }),
    ),
  );
  const original = network.projection("s") as Sparse;

  const { doc: d, imp } = await roundTrip(network);
  const [before, after] = runBoth(network, imp.network, 120);

  const delay = d.graph.nodes["s.delay"] as Of<"Delay">;
  assert.deepEqual(delay.delay.shape, [12]);
  assert.deepEqual(
    [...delay.delay.data],
    Array.from({ length: 12 }, (_, i) => (i % 4) / 1000),
  );
  assert.deepEqual(edgesOf(d).sort(), ["a -> output", "s -> a", "s.delay -> s", "x -> s.delay"]);
  const back = imp.network.projection("s") as Sparse;
  assert.equal(back.kind, "sparse");
  assert.deepEqual([...back.rowPtr], [...original.rowPtr]);
  assert.deepEqual([...back.synapseDelaySteps!], [...original.synapseDelaySteps!]);
  assert.ok(before.spikes.a.flat().length > 20, "the layer should be active");
  assert.deepEqual(after.spikes, before.spikes);
  assert.deepEqual(after.v, before.v);
});

test("per-synapse delays that depend on the post neuron only: a Delay after the weight node, one per target neuron", async () => {
  const network = net(10, 6, (x, a, n) =>
    n.addProjection(
      "s",
      Sparse.random(x, a, {
        p: 0.6,
        weight: 0.3,
        rng: createRng(4, "post"),
        delay_ms: (_i, j) => ((j * 2) % 5) * DT_MS,
        dt_ms: DT_MS,
        port: "i_nA",
      }),
    ),
  );
  const original = network.projection("s") as Sparse;

  const { doc: d, imp } = await roundTrip(network);
  const [before, after] = runBoth(network, imp.network, 120);

  const delay = d.graph.nodes["s.delay"] as Of<"Delay">;
  assert.deepEqual([...delay.delay.data], [0, 0.002, 0.004, 0.001, 0.003, 0]);
  assert.deepEqual(edgesOf(d).sort(), ["a -> output", "s -> s.delay", "s.delay -> a", "x -> s"]);
  const back = imp.network.projection("s") as Sparse;
  assert.deepEqual([...back.synapseDelaySteps!], [...original.synapseDelaySteps!]);
  assert.ok(before.spikes.a.flat().length > 20, "the layer should be active");
  assert.deepEqual(after.spikes, before.spikes);
  assert.deepEqual(after.v, before.v);
});

test("per-synapse delays all 0 write no Delay node; all equal write the one delay_ms form", async () => {
  const zeros = net(8, 3, (x, a, n) =>
    n.addProjection(
      "s",
      Sparse.random(x, a, {
        p: 0.5,
        weight: 0.3,
        rng: createRng(6, "z"),
        delay_ms: () => 0,
        dt_ms: DT_MS,
        port: "i_nA",
      }),
    ),
  );
  const equal = net(8, 3, (x, a, n) =>
    n.addProjection(
      "s",
      Sparse.random(x, a, {
        p: 0.5,
        weight: 0.3,
        rng: createRng(6, "z"),
        delay_ms: () => 2,
        dt_ms: DT_MS,
        port: "i_nA",
      }),
    ),
  );

  const z = await roundTrip(zeros);
  const e = await roundTrip(equal);
  const [zBefore, zAfter] = runBoth(zeros, z.imp.network, 100);
  const [eBefore, eAfter] = runBoth(equal, e.imp.network, 100);

  assert.ok(!Object.values(z.doc.graph.nodes).some((node) => node.type === "Delay"), "no Delay node");
  assert.deepEqual([...(e.doc.graph.nodes["s.delay"] as Of<"Delay">).delay.data], [0.002, 0.002, 0.002]);
  assert.ok(zBefore.spikes.a.flat().length > 10 && eBefore.spikes.a.flat().length > 10, "active");
  assert.deepEqual(zAfter.spikes, zBefore.spikes);
  assert.deepEqual(eAfter.spikes, eBefore.spikes);
  assert.notDeepEqual(eBefore.spikes, zBefore.spikes, "the delay changes the spikes");
});

test("a recurrent projection with a delay: the Delay sits in the cycle and the round trip runs the same spikes", async () => {
  // "rec" is added first: the file's nodes are read in name order, so the import adds the projections out of
  // "a" before those out of "x", and a neuron then sums its two inputs in the same order as here
  const network = net(5, 6, (x, a, n) => {
    const w = Float32Array.from({ length: 36 }, (_, k) => (k % 7 === 0 ? 0 : ((k * 37) % 11) / 40 - 0.1));
    n.addProjection("rec", new Dense(a, a, { weights: w, delay_ms: 4, dt_ms: DT_MS, port: "i_nA" }));
    n.addProjection("in", new Dense(x, a, { weights: 0.35, port: "i_nA" }));
  });

  const { doc: d, imp } = await roundTrip(network);
  const [before, after] = runBoth(network, imp.network, 150, 0.1);

  assert.ok(edgesOf(d).includes("rec -> rec.delay") && edgesOf(d).includes("rec.delay -> a"));
  assert.equal((imp.network.projection("rec") as Dense).delaySteps, 4);
  assert.ok(before.spikes.a.flat().length > 20, "the layer should be active");
  assert.deepEqual(after.spikes, before.spikes);
  assert.deepEqual(after.v, before.v);
});

test("a delayed Conv2d keeps its [C, H, W] Delay and a delayed Affine its bias: the round trip runs the same spikes", async () => {
  const network = new Network({ dt_ms: DT_MS });
  const x = network.addPopulation("x", new Input(16));
  const c = network.addPopulation("c", new LIF(18, DT_MS, LIF_PARAMS));
  const d = network.addPopulation("d", new LIF(3, DT_MS, LIF_PARAMS));
  const conv = { inputShape: [1, 4, 4] as const, kernel: 2, outChannels: 2, port: "i_nA" as const };
  const w = Float32Array.from({ length: 8 }, (_, k) => 0.2 + 0.05 * k);
  network.addProjection("conv", new Conv2d(x, c, { ...conv, weights: w, delay_ms: 2, dt_ms: DT_MS }));
  const weights = Float32Array.from({ length: 18 * 3 }, (_, k) => ((k * 7) % 5) / 10);
  network.addProjection(
    "fc",
    new Affine(c, d, { weights, bias: [0.1, 0, 0.2], port: "i_nA", delay_ms: 3, dt_ms: DT_MS }),
  );

  const { doc: file, imp } = await roundTrip(network);
  const rng = createRng(7, "conv");
  const input = Array.from({ length: 100 }, () => Array.from({ length: 16 }, () => rng.bernoulli(0.3)));
  const run = (n: Network) =>
    record(n, 100, (s) => input[s].forEach((on, i) => on && n.population<Input>("x").emit(i)), ["c", "d"]);
  const [before, after] = [run(network), run(imp.network)];

  assert.deepEqual((file.graph.nodes["conv.delay"] as Of<"Delay">).delay.shape, [2, 3, 3]);
  assert.deepEqual((file.graph.nodes["fc.delay"] as Of<"Delay">).delay.shape, [3]);
  assert.equal((imp.network.projection("conv") as Conv2d).delaySteps, 2);
  const fc = imp.network.projection("fc") as Affine;
  assert.equal(fc.kind, "affine");
  assert.equal(fc.delaySteps, 3);
  assert.ok(before.spikes.c.flat().length > 20 && before.spikes.d.flat().length > 5, "both layers active");
  assert.deepEqual(after.spikes, before.spikes);
  assert.deepEqual(after.v, before.v);
});

test("a delayed OneToOne with weights 1 is a lone Delay node named by the projection, and keeps its name", async () => {
  const network = net(3, 3, (x, a, n) =>
    n.addProjection("link", new OneToOne(x, a, { weights: 1, delay_ms: 2, dt_ms: DT_MS, port: "i_nA" })),
  );

  const { doc: d, imp } = await roundTrip(network);
  const [before, after] = runBoth(network, imp.network, 60, 0.3);

  assert.deepEqual(edgesOf(d).sort(), ["a -> output", "link -> a", "x -> link"]);
  assert.equal(d.graph.nodes.link.type, "Delay");
  const back = imp.network.projection("link") as OneToOne;
  assert.equal(back.kind, "one-to-one");
  assert.equal(back.delaySteps, 2);
  assert.ok(before.spikes.a.flat().length > 5, "active");
  assert.deepEqual(after.spikes, before.spikes);
});

test("per-synapse delays that are one delay per pre neuron plus one per post neuron: a Delay on each side", async () => {
  const pre = [0, 2, 1, 3, 0, 2, 1, 3];
  const post = [1, 0, 2, 0, 3];
  const network = net(8, 5, (x, a, n) =>
    n.addProjection(
      "s",
      Sparse.random(x, a, {
        p: 0.6,
        weight: 0.3,
        rng: createRng(8, "both"),
        delay_ms: (i, j) => (pre[i] + post[j]) * DT_MS,
        dt_ms: DT_MS,
        port: "i_nA",
      }),
    ),
  );
  const original = network.projection("s") as Sparse;

  const { doc: d, imp } = await roundTrip(network);
  const [before, after] = runBoth(network, imp.network, 120);

  assert.deepEqual(edgesOf(d).sort(), [
    "a -> output",
    "s -> s.delay.post",
    "s.delay.post -> a",
    "s.delay.pre -> s",
    "x -> s.delay.pre",
  ]);
  const sum = (name: string) => [...(d.graph.nodes[name] as Of<"Delay">).delay.data].map((v) => v * 1000);
  // the smallest pre delay is written as 0 and the post delays carry it: the sums are the same
  const [preMs, postMs] = [sum("s.delay.pre"), sum("s.delay.post")];
  assert.equal(Math.min(...preMs), 0);
  const view = original.rowPtr;
  for (let i = 0; i < 8; i++) {
    for (let e = view[i]; e < view[i + 1]; e++) {
      const j = original.colIdx[e];
      assert.ok(Math.abs(preMs[i] + postMs[j] - (pre[i] + post[j])) < 1e-9, `synapse ${i} -> ${j}`);
    }
  }
  const back = imp.network.projection("s") as Sparse;
  assert.deepEqual([...back.synapseDelaySteps!], [...original.synapseDelaySteps!]);
  assert.ok(before.spikes.a.flat().length > 20, "the layer should be active");
  assert.deepEqual(after.spikes, before.spikes);
  assert.deepEqual(after.v, before.v);
});

test("export refuses per-synapse delays that no Delay nodes can write, naming the projection and saying why", () => {
  const triplets = (delay: (i: number, j: number) => number, pre: number[], post: number[]) =>
    net(2, 2, (x, a, n) =>
      n.addProjection(
        "mixed",
        Sparse.fromTriplets(x, a, { pre, post, w: 1 }, { delay_ms: delay, dt_ms: DT_MS, port: "i_nA" }),
      ),
    );
  const crossed = triplets((i, j) => (i === j ? 1 : 3), [0, 0, 1, 1], [0, 1, 0, 1]);
  const negative = triplets((i, j) => [[0], [5, 3]][i][j], [0, 1, 1], [0, 0, 1]);
  const why =
    "; NIR's Delay node gives each element of a vector one delay, not each synapse, so the export writes " +
    "per-synapse delays only as one delay per pre neuron plus one per post neuron (a Delay before and after " +
    "the weight node); split the projection into one per delay value (each with one delay_ms) to export it";

  assert.throws(
    () => networkToNir(crossed),
    (e: unknown) =>
      e instanceof UnsupportedError &&
      e.message ===
        'projection "mixed" has per-synapse conduction delays that depend on both the pre and the post neuron ' +
          "(synapse 1 -> 1 has 1 steps, but the one delay per pre and per post neuron that its neighbouring " +
          "synapses give makes it 5)" +
          why,
  );
  assert.throws(
    () => networkToNir(negative),
    (e: unknown) =>
      e instanceof UnsupportedError &&
      e.message ===
        'projection "mixed" has per-synapse conduction delays that depend on both the pre and the post neuron ' +
          "(they are one delay per pre neuron plus one per post neuron only if some of these are negative " +
          "(post neuron 1: -2 steps))" +
          why,
  );
});

test("export and import again settle: the same projection names and delays, and from the second round the same bytes", async () => {
  // dt = 0.1 ms: 1.4 ms is 14 steps, written 0.0014 s and read back as 14.000000000000002 steps
  const network = new Network({ dt_ms: 0.1 });
  const x = network.addPopulation("x", new Input(8));
  const a = network.addPopulation("a", new LIF(5, 0.1, LIF_PARAMS));
  const b = network.addPopulation("b", new LIF(5, 0.1, LIF_PARAMS));
  const pre = [0, 2, 1, 3, 0, 2, 1, 3];
  const post = [1, 0, 2, 0, 3];
  const rng = createRng(8, "settle");
  const delay_ms = (i: number, j: number) => (pre[i] + post[j]) * 0.1;
  network.addProjection("s", Sparse.random(x, a, { p: 0.6, weight: 0.3, rng, delay_ms, dt_ms: 0.1 }));
  network.addProjection("link", new OneToOne(a, b, { weights: 1, delay_ms: 1.4, dt_ms: 0.1, port: "i_nA" }));
  network.addProjection("rec", new Dense(b, b, { weights: 0.1, delay_ms: 0.3, dt_ms: 0.1, port: "i_nA" }));

  const rounds: { names: string[]; steps: string; bytes: Uint8Array }[] = [];
  let current = network;
  for (let round = 0; round < 3; round++) {
    let d: NirDocument | undefined;
    captureLogs(() => (d = networkToNir(current).document));
    const bytes = await encodeNir(d!);
    const back = await decodeNir(bytes, `round-${round}.nir`);
    let imp: NirImport | undefined;
    captureLogs(() => (imp = nirToNetwork(back, { dt_s: 1e-4 })));
    const steps = imp!.network.projectionNames.map((n) => {
      const p = imp!.network.projection(n);
      return `${n}:${p.synapseDelaySteps?.join(",") ?? (p as Dense).delaySteps}`;
    });
    rounds.push({ names: imp!.network.projectionNames.slice(), steps: steps.join(" "), bytes });
    current = imp!.network;
  }

  assert.deepEqual(rounds[0].names, ["link", "rec", "s"]);
  assert.match(rounds[0].steps, /^link:14 rec:3 s:/);
  assert.equal(
    rounds[0].steps.split(" s:")[1],
    [...(network.projection("s") as Sparse).synapseDelaySteps!].join(","),
  );
  assert.equal(rounds[1].steps, rounds[0].steps);
  assert.equal(rounds[2].steps, rounds[0].steps);
  assert.ok(
    rounds[2].bytes.length === rounds[1].bytes.length &&
      rounds[2].bytes.every((v, k) => v === rounds[1].bytes[k]),
    "the second and third exports are byte-identical",
  );
});

// ---- import, from hand-made files ----

/** Input x (2) -> [pre Delay] -> Linear fc (3 x 2) -> [post Delay] -> LIF lif (3) -> Output. */
function handMade(pre: NirNode | null, post: NirNode | null): NirDocument {
  const nodes: Record<string, NirNode> = {
    x: { type: "Input", shape: [2] },
    fc: { type: "Linear", weight: t([3, 2], [5, 0, 0, 5, 5, 5]) },
    lif: lif(3, { tau: 0.01, r: 20 }),
    out: { type: "Output", shape: [3] },
  };
  const chain = ["x"];
  if (pre !== null) {
    nodes.d1 = pre;
    chain.push("d1");
  }
  chain.push("fc");
  if (post !== null) {
    nodes.d2 = post;
    chain.push("d2");
  }
  chain.push("lif", "out");
  const edges = chain.slice(1).map((v, k): [string, string] => [chain[k], v]);
  return doc(graph(nodes, edges));
}

test("a hand-written file: pre- and post-side Delay nodes around a Linear become a Sparse with delays pre[i] + post[j]", async () => {
  // written with the project's HDF5 writer and read back, so the reader's Delay path is covered too
  const file = handMade(
    { type: "Delay", delay: t([2], [0.002, 0.005]) },
    { type: "Delay", delay: t([3], [0, 0.001, 0.003]) },
  );
  const bytes = await encodeNir(file);

  const back = await decodeNir(bytes, "hand.nir");
  const imp = nirToNetwork(back, { dt_s: 1e-3 });
  const x = imp.network.population<Input>("x");
  const { spikes } = record(imp.network, 20, (s) => s === 1 && x.emit(0), ["lif"]);

  assert.deepEqual([...(back.graph.nodes.d1 as Of<"Delay">).delay.data], [0.002, 0.005]);
  const p = imp.network.projection("fc") as Sparse;
  assert.equal(p.kind, "sparse");
  // synapses (CSR by pre): 0 -> 0, 0 -> 2, 1 -> 1, 1 -> 2; delays 2 + post[j] and 5 + post[j]
  assert.deepEqual([...p.colIdx], [0, 2, 1, 2]);
  assert.deepEqual([...p.synapseDelaySteps!], [2, 5, 6, 8]);
  // a spike of x0 at step 1 arrives at lif0 in step 1 + 1 + 2 and at lif2 in step 1 + 1 + 5
  assert.deepEqual(spikes.lif, [[4], [], [7]]);
  assert.equal(imp.latency_steps.out, 3);
  assert.deepEqual(imp.projections[0].nodes, ["d1", "fc", "d2"]);
  // written back (what `spikeflow nir import` does), it has two Delays again, which may split each
  // synapse's delay differently (pre 0 and 1 share no post neuron) but give every synapse the same
  const again = networkToNir(imp.network).document;
  assert.ok(
    again.graph.nodes["fc.delay.pre"].type === "Delay" && again.graph.nodes["fc.delay.post"].type === "Delay",
  );
  const reimported = nirToNetwork(again, { dt_s: 1e-3 }).network.projection("fc") as Sparse;
  assert.deepEqual([...reimported.synapseDelaySteps!], [2, 5, 6, 8]);
});

test("runNir: a current input crosses the Delay nodes as a spike does, synapse by synapse", () => {
  // the Delays of [2, 5] ms before and [0, 1, 3] ms after the Linear; one-row inputs at step 1 on x0 and x1
  const file = handMade(
    { type: "Delay", delay: t([2], [0.002, 0.005]) },
    { type: "Delay", delay: t([3], [0, 0.001, 0.003]) },
  );
  const data = new Float32Array(20 * 2);
  data[1 * 2 + 0] = 1;
  data[3 * 2 + 1] = 1;
  const run = (kind: "spikes" | "current") =>
    runNir(nirToNetwork(file, { dt_s: 1e-3 }), { x: { data, steps: 20, kind } }).outputs.out.data;
  const firing = (out: ArrayLike<number>) =>
    [0, 1, 2].map((j) => Array.from({ length: 20 }, (_, s) => s).filter((s) => out[s * 3 + j] === 1));

  const spikes = firing(run("spikes"));
  const current = firing(run("current"));

  // x0 at 1: lif0 at 1 + 1 + 2, lif2 at 1 + 1 + 5; x1 at 3: lif1 at 3 + 1 + 6, lif2 at 3 + 1 + 8
  assert.deepEqual(spikes, [[4], [10], [7, 12]]);
  assert.deepEqual(current, spikes);
});

test("a hand-written file: uniform Delay nodes add up into the projection's delay_ms; a lone one between neurons is a OneToOne (a Sparse one-to-one per element)", () => {
  const uniform = handMade(
    { type: "Delay", delay: t([], 0.002) },
    { type: "Delay", delay: t([3], [0.003, 0.003, 0.003]) },
  );
  const lone = doc(
    graph(
      {
        x: { type: "Input", shape: [2] },
        d: { type: "Delay", delay: t([2], [0.004, 0.004]) },
        lif: lif(2, { tau: 0.01, r: 5 }),
        out: { type: "Output", shape: [2] },
      },
      [
        ["x", "d"],
        ["d", "lif"],
        ["lif", "out"],
      ],
    ),
  );

  const perElement = doc(
    graph(
      { ...lone.graph.nodes, d: { type: "Delay", delay: t([2], [0.001, 0.004]) } },
      lone.graph.edges.map(([u, v]): [string, string] => [u, v]),
    ),
  );

  const a = nirToNetwork(uniform, { dt_s: 1e-3 });
  const b = nirToNetwork(lone, { dt_s: 1e-3 });
  const c = nirToNetwork(perElement, { dt_s: 1e-3 });

  const dense = a.network.projection("fc") as Dense;
  assert.equal(dense.kind, "dense");
  assert.equal(dense.delaySteps, 5);
  assert.equal(dense.delay_ms, 5);
  assert.equal(a.latency_steps.out, 6);
  const link = b.network.projection("d") as OneToOne;
  assert.equal(link.kind, "one-to-one");
  assert.equal(link.delaySteps, 4);
  // per element, neuron i feeds neuron i through its own delay: a Sparse one-to-one
  const sparse = c.network.projection("d") as Sparse;
  assert.deepEqual([...sparse.colIdx], [0, 1]);
  assert.deepEqual([...sparse.synapseDelaySteps!], [1, 4]);
  assert.equal(c.latency_steps.out, 2);
});

test("a per-element Delay on an Affine's target side: the Affine's bias becomes a Bias projection beside the Sparse", () => {
  const file = doc(
    graph(
      {
        x: { type: "Input", shape: [2] },
        fc: { type: "Affine", weight: t([2, 2], [1, 2, 3, 4]), bias: t([2], [0.25, 0.5]) },
        d: { type: "Delay", delay: t([2], [0, 0.002]) },
        lif: lif(2, { tau: 0.01 }),
        out: { type: "Output", shape: [2] },
      },
      [
        ["x", "fc"],
        ["fc", "d"],
        ["d", "lif"],
        ["lif", "out"],
      ],
    ),
  );

  const imp = nirToNetwork(file, { dt_s: 1e-3 });

  assert.deepEqual(
    imp.projections.map((p) => [p.projection, p.kind]),
    [
      ["fc", "sparse"],
      ["fc.bias", "bias"],
    ],
  );
  assert.deepEqual([...(imp.network.projection("fc") as Sparse).synapseDelaySteps!], [0, 2, 0, 2]);
});

test("a Delay that is not a whole number of steps is refused with the value, dt and the nearest whole count; one too long, with its steps", () => {
  const file = handMade({ type: "Delay", delay: t([2], [0.002, 0.0025]) }, null);
  const scalar = handMade(null, { type: "Delay", delay: t([], 0.0014) });

  assert.throws(
    () => nirToNetwork(file, { dt_s: 1e-3, file: "d.nir" }),
    (e: unknown) =>
      e instanceof UnsupportedError &&
      e.message ===
        'd.nir: node "d1" (Delay): delay[1] = 0.0025 s is not a whole number of steps of dt = 0.001 s (2.5 ' +
          "steps); the nearest whole count is 3 steps (0.003 s). spikeflow delays spikes by whole steps and does " +
          "not round a delay: import with a dt that divides it, or change the delay in the file",
  );
  assert.throws(
    () => nirToNetwork(scalar, { dt_s: 1e-3, file: "d.nir" }),
    /^UnsupportedError: d\.nir: node "d2" \(Delay\): delay = 0\.0014 s is not a whole number of steps of dt = 0\.001 s \(1\.4 steps\); the nearest whole count is 1 step \(0\.001 s\)\./,
  );
  // more steps than the engine's longest delay (2^20): refused in seconds, not in the projection's ms
  assert.throws(
    () => nirToNetwork(handMade(null, { type: "Delay", delay: t([], 2000) }), { dt_s: 1e-3, file: "d.nir" }),
    (e: unknown) =>
      e instanceof UnsupportedError &&
      e.message ===
        'd.nir: node "d2" (Delay): delay = 2000 s is 2000000 steps of dt = 0.001 s; spikeflow\'s delays are at ' +
          "most 1048576 steps (1048.576 s at this dt), since every step keeps a slot for the spikes in flight",
  );
  // a long delay with a fraction of a step: refused, not rounded (a relative 1e-6 let it through)
  assert.throws(
    () =>
      nirToNetwork(handMade(null, { type: "Delay", delay: t([], 1000.0004) }), { dt_s: 1e-3, file: "d.nir" }),
    /^UnsupportedError: d\.nir: node "d2" \(Delay\): delay = 1000\.0004 s is not a whole number of steps of dt = 0\.001 s \(1000000\.4 steps\); the nearest whole count is 1000000 steps \(1000 s\)\./,
  );
  // the same file at a step that divides the delay imports
  assert.equal(
    (nirToNetwork(file, { dt_s: 5e-4 }).network.projection("fc") as Sparse).synapseDelaySteps!.length,
    4,
  );
});

test("a per-element Delay between two weight nodes is refused: its elements are neither source nor target neurons", () => {
  const file = doc(
    graph(
      {
        x: { type: "Input", shape: [2] },
        fc1: { type: "Linear", weight: t([2, 2], [1, 0, 0, 1]) },
        d: { type: "Delay", delay: t([2], [0.001, 0.002]) },
        fc2: { type: "Linear", weight: t([2, 2], [1, 1, 1, 1]) },
        lif: lif(2, { tau: 0.01 }),
        out: { type: "Output", shape: [2] },
      },
      [
        ["x", "fc1"],
        ["fc1", "d"],
        ["d", "fc2"],
        ["fc2", "lif"],
        ["lif", "out"],
      ],
    ),
  );

  assert.throws(
    () => nirToNetwork(file, { dt_s: 1e-3, file: "mid.nir" }),
    (e: unknown) =>
      e instanceof UnsupportedError &&
      e.message ===
        'mid.nir: Delay node "d" gives its elements different delays, but it sits between the weight nodes ' +
          '"fc1" and "fc2", where an element is neither a source nor a target neuron; spikeflow\'s delays belong ' +
          "to synapses, so a per-element Delay must come before the first weight node (one delay per source " +
          "neuron) or after the last one (one per target neuron)",
  );
});

test("a Delay in a loop without a neuron, or in front of an Output, is refused naming the nodes", () => {
  const loop = doc(
    graph(
      {
        x: { type: "Input", shape: [1] },
        w: { type: "Linear", weight: t([1, 1], [1]) },
        d: { type: "Delay", delay: t([1], [0.001]) },
        lif: lif(1, { tau: 0.01 }),
      },
      [
        ["x", "w"],
        ["w", "d"],
        ["d", "w"],
        ["d", "lif"],
      ],
    ),
  );
  const toOutput = doc(
    graph(
      {
        x: { type: "Input", shape: [1] },
        lif: lif(1, { tau: 0.01 }),
        d: { type: "Delay", delay: t([1], [0.001]) },
        out: { type: "Output", shape: [1] },
      },
      [
        ["x", "lif"],
        ["lif", "d"],
        ["d", "out"],
      ],
    ),
  );

  assert.throws(
    () => nirToNetwork(loop, { dt_s: 1e-3, file: "loop.nir" }),
    (e: unknown) =>
      e instanceof UnsupportedError &&
      e.message ===
        'loop.nir: the stateless nodes w -> d -> w form a loop without a neuron in it; its Delay node(s) "d" ' +
          "would hold values between steps, but spikeflow delays only the spikes of projections between " +
          "neurons: put a neuron in the cycle",
  );
  assert.throws(
    () => nirToNetwork(toOutput, { dt_s: 1e-3, file: "out.nir" }),
    /^UnsupportedError: out\.nir: Output "out" is fed through stateless node\(s\) d from "lif"/,
  );
});

test("negative delays are refused by the reader and by the check of a document built in code", async () => {
  const bad = handMade({ type: "Delay", delay: t([2], [0.001, -0.001]) }, null);

  assert.throws(
    () => nirToNetwork(bad, { dt_s: 1e-3, file: "neg.nir" }),
    (e: unknown) =>
      e instanceof FormatError &&
      e.message === "neg.nir: graph.nodes.d1.delay: entry 1 is -0.001; delays must be finite and >= 0 s",
  );
  await assert.rejects(encodeNir(bad), (e: unknown) => e instanceof InvalidParameterError);
  // a file holding one (written past the checks) is refused as it is read
  const bytes = await writeHdf5(nirToTree(bad));
  await assert.rejects(
    decodeNir(bytes, "neg.nir"),
    (e: unknown) =>
      e instanceof FormatError &&
      e.message === "neg.nir: /node/nodes/d1/delay: entry 1 is -0.001; delays must be >= 0 s",
  );
});
