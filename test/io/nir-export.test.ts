// NIR export: case C32 (tau in seconds, never multiplied by dt; v_reset always written), the port
// conversions that make an exported graph compute what the network computes, the lossy cases reported,
// bias merging, and the errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidParameterError, UnsupportedError } from "../../src/core/errors.ts";
import { captureLogs } from "../../src/core/log.ts";
import { createRng } from "../../src/core/rng.ts";
import { Network } from "../../src/network/network.ts";
import { AdaptiveLIF } from "../../src/neurons/adaptive-lif.ts";
import { CubaLIF } from "../../src/neurons/cuba-lif.ts";
import { Equations } from "../../src/neurons/equations.ts";
import { Input } from "../../src/neurons/input.ts";
import { LIF } from "../../src/neurons/lif.ts";
import { IF } from "../../src/neurons/if.ts";
import { Bias } from "../../src/projections/bias.ts";
import { Conv2d } from "../../src/projections/conv-2d.ts";
import { Dense } from "../../src/projections/dense.ts";
import { LateralInhibition } from "../../src/projections/lateral-inhibition.ts";
import { OneToOne } from "../../src/projections/one-to-one.ts";
import { Sparse } from "../../src/projections/sparse.ts";
import { SynapseEquations } from "../../src/projections/synapse-equations.ts";
import { decodeNir, encodeNir } from "../../src/io/nir/codec.ts";
import { networkToNir } from "../../src/io/nir/export.ts";
import { exportNir } from "../../src/io/nir/file.ts";
import type { NirExport } from "../../src/io/nir/export.ts";
import type { NirDocument, NirNode } from "../../src/io/nir/graph.ts";
import { nirToNetwork } from "../../src/io/nir/import.ts";
import { readFixture, record } from "./nir-helpers.ts";

type Of<T extends NirNode["type"]> = Extract<NirNode, { type: T }>;

function quiet(fn: () => NirExport): NirExport {
  let r: NirExport | undefined;
  captureLogs(() => (r = fn()));
  return r!;
}

test("C32: a LIF with tau_mem_inv = 900 /s at dt = 1 ms is written with tau = 1/900 s (not 1/900000), and with v_reset", async () => {
  const net = new Network({ dt_ms: 1 });
  const x = net.addPopulation("x", new Input(1));
  const n = net.addPopulation(
    "n",
    new LIF(1, 1, { tauMem_ms: 1000 / 900, vRest_mV: 0, vReset_mV: -0.25, vThreshold_mV: 1, tRef_ms: 0 }),
  );
  net.addProjection("w", new Dense(x, n, { weights: 0.5, port: "i_nA" }));

  const { document } = networkToNir(net, { dt_s: 1e-3 });
  const back = await decodeNir(await encodeNir(document), "c32.nir");
  const node = back.graph.nodes.n as Of<"LIF">;

  assert.ok(Math.abs(node.tau.data[0] - 1 / 900) < 1e-18, `tau = ${node.tau.data[0]}`);
  assert.ok(
    Math.abs(1e-3 / node.tau.data[0] - 0.9) < 1e-12,
    "dt / tau = 0.9, so Euler's beta = 1 - dt/tau = 0.1",
  );
  assert.deepEqual([...node.v_reset.data], [-0.25]);
  assert.equal(back.graph.metadata?.dt, 1e-3, "dt is written to the metadata as a hint");
  assert.equal(back.graph.metadata?.["spikeflow.method"], "exact");
  assert.equal(node.metadata?.["spikeflow.reset"], "to-value");
  const lifNorse = (await readFixture("lif_norse")).doc.graph.nodes["1"] as Of<"LIF">;
  assert.deepEqual([...lifNorse.v_reset.data], [0], "C32: a file without v_reset reads it as 0");
});

test("the same network exports to the same bytes whatever the clock says, and the clock is left as it was", async () => {
  const net = new Network({ dt_ms: 1 });
  const x = net.addPopulation("x", new Input(3));
  const n = net.addPopulation("n", new LIF(2, 1));
  net.addProjection("w", new Dense(x, n, { weights: 0.5, port: "i_nA" }));
  const { document } = networkToNir(net, { dt_s: 1e-3 });
  // HDF5 stamps its objects with the time it reads from Date.now: two writes at clocks a day apart
  const clock = Date.now;
  const at = async (ms: number): Promise<[Uint8Array, number]> => {
    Date.now = () => ms;
    try {
      const bytes = await encodeNir(document);
      return [bytes, Date.now()];
    } finally {
      Date.now = clock;
    }
  };
  const [first, after1] = await at(1.7e12);
  const [second, after2] = await at(1.7e12 + 86_400_000);
  assert.equal(first.length, second.length);
  assert.ok(
    first.every((b, i) => b === second[i]),
    "byte-identical exports",
  );
  assert.deepEqual([after1, after2], [1.7e12, 1.7e12 + 86_400_000], "the caller's clock is restored");
  assert.equal(Date.now, clock);
});

test("C32 under 'euler': tau is the one forward Euler needs for the engine's decay, dt / (1 - e^(-dt/tau))", () => {
  const net = new Network({ dt_ms: 1 });
  net.addPopulation("n", new LIF(1, 1, { tauMem_ms: 1000 / 900, tRef_ms: 0 }));

  const tau = (networkToNir(net, { method: "euler" }).document.graph.nodes.n as Of<"LIF">).tau.data[0];

  assert.ok(Math.abs(tau - 1e-3 / (1 - Math.exp(-0.9))) < 1e-15);
});

test("projections into the voltage-jump port are rescaled to NIR's current: export then import gives the same spikes", () => {
  // A Diehl & Cook-style layer: Dense into LIF's dv_mV port (a jump in mV per spike). NIR has only the
  // current input, so the weights are divided by the current gain (1 - e^(-dt/tau)) R; imported back into
  // i_nA they give the same jump in the same step. Exact spike equality: the same float32 weights reach
  // the same additions (w / g * g rounds back to w for these values, checked by the trace bound below).
  const rng = createRng(9, "dv-export");
  const net = new Network({ dt_ms: 0.5 });
  const x = net.addPopulation("x", new Input(20));
  const e = net.addPopulation(
    "e",
    new LIF(8, 0.5, { tauMem_ms: 20, vRest_mV: -65, vReset_mV: -60, vThreshold_mV: -52, tRef_ms: 0 }),
  );
  const i = net.addPopulation("i", new IF(8, 0.5, { vThreshold_mV: 2, tRef_ms: 0 }));
  net.addProjection("x->e", new Dense(x, e, { init: { kind: "uniform", lo: 0, hi: 4, rng } }));
  net.addProjection("e->i", new OneToOne(e, i, { weights: 1.5 }));
  net.addProjection("i->e", new LateralInhibition(i, { mode: "all-but-self", strength_mV: 3, target: e }));

  const ex = networkToNir(net, {});
  const imp = nirToNetwork(ex.document, { dt_s: 0.5e-3 });
  const spikesIn = Array.from({ length: 150 }, () => Array.from({ length: 20 }, () => rng.bernoulli(0.15)));
  const drive = (n: Network) => {
    const inp = n.population<Input>("x");
    return (s: number) => spikesIn[s].forEach((b, k) => b && inp.emit(k));
  };
  const a = record(net, 150, drive(net), ["e", "i"]);
  const b = record(imp.network, 150, drive(imp.network), ["e", "i"]);

  assert.ok(a.spikes.e.flat().length > 10, "the layer should be active");
  assert.deepEqual(b.spikes, a.spikes);
  for (let k = 0; k < 150; k++) assert.ok(Math.abs(a.v.e[k] - b.v.e[k]) < 1e-4, `v at ${k}`);
  assert.deepEqual(Object.keys(ex.document.graph.nodes).sort(), ["e", "e->i", "i", "i->e", "x", "x->e"]);
  const inhibition = ex.document.graph.nodes["i->e"] as Of<"Linear">;
  assert.deepEqual(inhibition.weight.shape, [8, 8]);
  assert.equal(inhibition.weight.data[0], 0, "no self-inhibition");
  assert.ok(Math.abs(inhibition.weight.data[1] * e.derived.currentGain + 3) < 1e-5, "-3 mV as a current");
});

test("a LIF with per-neuron parameters is written with per-neuron tensors and imports to the same spikes", () => {
  const rng = createRng(12, "per-neuron-export");
  const net = new Network({ dt_ms: 0.5 });
  const x = net.addPopulation("x", new Input(10));
  const e = net.addPopulation(
    "e",
    new LIF(6, 0.5, {
      tauMem_ms: [10, 15, 20, 25, 30, 40],
      vRest_mV: [-65, -64, -66, -65, -63, -65],
      vReset_mV: -70,
      vThreshold_mV: [-52, -53, -50, -55, -51, -52],
      resistance_MOhm: [1, 2, 1.5, 1, 2.5, 1],
      tRef_ms: 0,
    }),
  );
  net.addProjection("x->e", new Dense(x, e, { init: { kind: "uniform", lo: 0, hi: 40, rng }, port: "i_nA" }));
  const ex = networkToNir(net, {});
  const node = ex.document.graph.nodes.e as Of<"LIF">;
  assert.deepEqual(Array.from(node.tau.data), [0.01, 0.015, 0.02, 0.025, 0.03, 0.04]);
  assert.deepEqual(Array.from(node.v_threshold.data), [-52, -53, -50, -55, -51, -52]);
  assert.deepEqual(Array.from(node.v_reset.data), [-70, -70, -70, -70, -70, -70]);
  const imp = nirToNetwork(ex.document, { dt_s: 0.5e-3 });
  const spikesIn = Array.from({ length: 200 }, () => Array.from({ length: 10 }, () => rng.bernoulli(0.2)));
  const drive = (n: Network) => {
    const inp = n.population<Input>("x");
    return (s: number) => spikesIn[s].forEach((b, k) => b && inp.emit(k));
  };
  const a = record(net, 200, drive(net), ["e"]);
  const b = record(imp.network, 200, drive(imp.network), ["e"]);
  assert.ok(a.spikes.e.flat().length > 20, "the neurons should fire");
  assert.deepEqual(b.spikes, a.spikes);

  // voltage jumps into it: one NIR weight per projection needs one current gain for all its neurons
  const jumpNet = new Network({ dt_ms: 0.5 });
  const jx = jumpNet.addPopulation("x", new Input(2));
  const het = jumpNet.addPopulation("h", new LIF(2, 0.5, { tauMem_ms: [10, 20] }));
  jumpNet.addProjection("x->h", new Dense(jx, het, { weights: 1 }));
  assert.throws(
    () => networkToNir(jumpNet, {}),
    (err: unknown) =>
      err instanceof UnsupportedError &&
      /^projection "x->h" jumps the voltage \("dv_mV"\) of population "h", whose neurons have different current gains/.test(
        err.message,
      ),
  );
  const sameGain = new Network({ dt_ms: 0.5 });
  const sx = sameGain.addPopulation("x", new Input(2));
  const th = sameGain.addPopulation("h", new LIF(2, 0.5, { vThreshold_mV: [-50, -55] }));
  sameGain.addProjection("x->h", new Dense(sx, th, { weights: 1 }));
  assert.equal((networkToNir(sameGain, {}).document.graph.nodes.h as Of<"LIF">).v_threshold.data[1], -55);
});

test("lossy cases are reported: refractory period, adaptive threshold (written as v_th + theta), one spike per step", () => {
  const net = new Network({ dt_ms: 1, learning: false });
  const x = net.addPopulation("X", new Input(4));
  const ae = net.addPopulation(
    "Ae",
    new AdaptiveLIF(3, 1, { tRef_ms: 5 }, { oneSpikePerStep: true, rng: createRng(1, "one-spike") }),
  );
  ae.theta_mV.set([0.5, 1, 2]);
  net.addProjection("X->Ae", new Dense(x, ae, { weights: 0.1 }));

  let r: NirExport | undefined;
  const logs = captureLogs(() => (r = networkToNir(net, { outputs: { output: "Ae" } })));
  const node = r!.document.graph.nodes.Ae as Of<"LIF">;

  assert.deepEqual(
    [...node.v_threshold.data].map((v) => Math.round(v * 1e6) / 1e6),
    [-51.5, -51, -50],
    "v_th (-52) + theta",
  );
  assert.equal(r!.notes.length, 3);
  assert.match(
    r!.notes.join("\n"),
    /refractory period of 5 ms is dropped.*\n.*adaptive threshold is written as the current fixed thresholds.*\n.*one-spike-per-step rule is dropped/,
  );
  assert.deepEqual(
    logs.map((l) => l.id),
    ["nir-export-lossy", "nir-export-lossy", "nir-export-lossy"],
  );
  assert.deepEqual(r!.document.graph.edges.at(-1), ["Ae", "output"]);
});

test("an initial v is noted as not written, one value or per neuron, unless every neuron starts at rest", () => {
  const notesFor = (vInit_mV: number | number[]) => {
    const net = new Network({ dt_ms: 1 });
    const x = net.addPopulation("X", new Input(3));
    const y = net.addPopulation("Y", new LIF(3, 1, { vInit_mV, tRef_ms: 0 }));
    net.addProjection("X->Y", new Dense(x, y, { weights: 0.1 }));
    let r: NirExport | undefined;
    captureLogs(() => (r = networkToNir(net, { outputs: { output: "Y" } })));
    return r!.notes;
  };
  assert.deepEqual(notesFor(-65), []);
  assert.deepEqual(notesFor([-65, -65, -65]), [], "every neuron at rest: nothing lost");
  assert.match(notesFor(-60).join("\n"), /its initial v of -60 mV is not written/);
  assert.match(notesFor([-65, -60, -65]).join("\n"), /its per-neuron initial v is not written/);
});

test("biases merge: a per-channel Bias joins the Conv2d's bias, a Bias behind a Sparse makes it an Affine", () => {
  const net = new Network({ dt_ms: 1 });
  const x = net.addPopulation("x", new Input(1 * 4 * 4));
  const c = net.addPopulation("c", new IF(2 * 3 * 3, 1));
  const d = net.addPopulation("d", new IF(3, 1));
  net.addProjection(
    "conv",
    new Conv2d(x, c, { inputShape: [1, 4, 4], kernel: 2, outChannels: 2, weights: 0.25, port: "i_nA" }),
  );
  net.addProjection(
    "conv.bias",
    new Bias(c, { bias: [...new Array(9).fill(0.5), ...new Array(9).fill(-1)], port: "i_nA" }),
  );
  net.addProjection(
    "sp",
    new Sparse(
      c,
      d,
      { rowPtr: [0, 1, ...new Array(17).fill(2)], colIdx: [0, 2], w: [1, 2] },
      { port: "i_nA" },
    ),
  );
  net.addProjection("sp.bias", new Bias(d, { bias: [0.1, 0.2, 0.3], port: "i_nA" }));

  const g = quiet(() => networkToNir(net)).document.graph;
  const conv = g.nodes.conv as Of<"Conv2d">;
  const sp = g.nodes.sp as Of<"Affine">;

  assert.deepEqual([...conv.bias.data], [0.5, -1]);
  assert.deepEqual(
    [conv.input_shape, conv.stride, conv.padding, conv.weight.shape],
    [
      [4, 4],
      [1, 1],
      [0, 0],
      [2, 1, 2, 2],
    ],
  );
  assert.equal(sp.type, "Affine");
  assert.deepEqual(
    [...sp.bias.data].map((v) => Math.fround(v)),
    [0.1, 0.2, 0.3].map(Math.fround),
  );
  assert.deepEqual([...sp.weight.data.slice(0, 18)], [1, ...new Array(17).fill(0)]);
  assert.ok(!("conv.bias" in g.nodes) && !("sp.bias" in g.nodes));
  assert.deepEqual(g.nodes.x, { type: "Input", shape: [1, 4, 4] }, "the shape comes from the convolution");
});

test("default outputs are the populations that feed nothing; a network's own dt is the default and must match", () => {
  const net = new Network({ dt_ms: 0.1 });
  const x = net.addPopulation("x", new Input(1));
  const a = net.addPopulation("a", new IF(1, 0.1));
  net.addProjection("w", new Dense(x, a, { weights: 1, port: "i_nA" }));

  const g = networkToNir(net).document.graph;

  assert.deepEqual(g.edges, [
    ["x", "w"],
    ["w", "a"],
    ["a", "output"],
  ]);
  assert.equal(g.metadata?.dt, 1e-4);
  assert.throws(
    () => networkToNir(net, { dt_s: 1e-3 }),
    (e: unknown) => {
      assert.ok(e instanceof InvalidParameterError);
      assert.match(e.message, /dt_s = 0\.001 s does not match the network's step of 0\.1 ms/);
      return true;
    },
  );
});

test("a shapes or outputs hint that cannot be used is refused, naming it; one a weight matrix overrides is noted", () => {
  const net = new Network({ dt_ms: 1 });
  const x = net.addPopulation("X", new Input(4));
  const y = net.addPopulation("Y", new LIF(4, 1));
  net.addProjection("w", new Dense(x, y, { weights: 1 }));
  const refused = (opts: Parameters<typeof networkToNir>[1], message: string): void =>
    assert.throws(() => networkToNir(net, opts), { name: "InvalidParameterError", message });
  refused(
    { shapes: { X: [3, 3] } },
    "shapes.X must be a list of positive integers whose product is the population's size 4 (e.g. [4]), got [3,3]",
  );
  refused(
    { shapes: { X: [-4] } },
    "shapes.X must be a list of positive integers whose product is the population's size 4 (e.g. [4]), got [-4]",
  );
  refused(
    { shapes: { X: [4.5] } },
    "shapes.X must be a list of positive integers whose product is the population's size 4 (e.g. [4]), got [4.5]",
  );
  refused(
    { shapes: { Nope: [4] } },
    'shapes names population "Nope", which the network does not have; its populations are "X", "Y"',
  );
  refused(
    { outputs: { out: { population: "Y", shape: [5] } } },
    "outputs.out.shape must be a list of positive integers whose product is the population's size 4 (e.g. [4]), got [5]",
  );
  // a usable hint is used; Y's hint cannot be (the Dense feeds it a flat vector) and a note says so
  const logs = captureLogs(() => {
    const { document, notes } = networkToNir(net, { shapes: { X: [1, 2, 2], Y: [2, 2] } });
    assert.deepEqual(document.graph.nodes.X, { type: "Input", shape: [1, 2, 2] });
    assert.deepEqual(
      notes.filter((n) => n.includes("shapes option")),
      [
        'population "Y": its shape [2, 2] (shapes option) is written as [4], because a weight matrix feeds it and NIR cannot give a vector a shape again',
      ],
    );
  });
  assert.equal(logs.filter((r) => r.message.includes("shapes option")).length, 1, "and warned");
});

test("populations NIR cannot express are an UnsupportedError naming them", () => {
  const net = new Network({ dt_ms: 1 });
  net.addPopulation("cuba", new CubaLIF(2, 1));

  assert.throws(
    () => networkToNir(net),
    (e: unknown) => {
      assert.ok(e instanceof UnsupportedError);
      assert.match(e.message, /population "cuba" is a cuba-lif population, which has no NIR counterpart/);
      return true;
    },
  );
  // "an" before a vowel
  const eq = new Network({ dt_ms: 1 });
  eq.addPopulation("E", new Equations(2, 1, { equations: "dv/dt = -v/ms : mV" }));
  assert.throws(() => networkToNir(eq), /population "E" is an equations population, which has no NIR/);
});

test("export and import again settle at once: the same projection names and the same bytes every round", async () => {
  // the Flatten nodes export writes around a weight matrix or a convolution are not folded into the
  // projection names on import, so cnn_sinabs's "4+5" stays "4+5" (it grew a "3.flatten+" prefix per round)
  let d: NirDocument = (await readFixture("cnn_sinabs")).doc;
  const rounds: { names: string[]; bytes: Uint8Array }[] = [];
  for (let round = 0; round < 3; round++) {
    let next: NirDocument | undefined;
    let names: string[] = [];
    captureLogs(() => {
      const imp = nirToNetwork(d, { dt_s: 1e-3 });
      names = imp.projections.map((p) => p.projection).sort();
      next = networkToNir(imp.network, {
        shapes: imp.exportHints.shapes,
        outputs: imp.exportHints.outputs,
      }).document;
    });
    const bytes = await encodeNir(next!);
    rounds.push({ names, bytes });
    d = await decodeNir(bytes, `round-${round}.nir`);
  }
  assert.ok(rounds[0].names.includes("4+5"), rounds[0].names.join(", "));
  assert.deepEqual(rounds[1].names, rounds[0].names);
  assert.deepEqual(rounds[2].names, rounds[0].names);
  assert.equal(rounds[2].bytes.length, rounds[1].bytes.length);
  assert.ok(
    rounds[2].bytes.every((b, i) => b === rounds[1].bytes[i]),
    "the second and third exports are byte-identical",
  );
});

test("exportNir refuses a path it cannot write before the export, naming the path and not a temporary file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-nir-path-"));
  try {
    const net = new Network({ dt_ms: 1 });
    const x = net.addPopulation("X", new Input(2));
    const y = net.addPopulation("Y", new IF(2, 1));
    net.addProjection("w", new Dense(x, y, { weights: 1 }));
    writeFileSync(join(dir, "afile"), "x");
    const cases: [unknown, string, string][] = [
      [
        "",
        "InvalidParameterError",
        'exportNir path must be a file path, got ""; give one such as out/model.nir',
      ],
      [
        join(dir, "afile", "x.nir"),
        "InvalidParameterError",
        `exportNir path ${join(dir, "afile", "x.nir")} runs through a file: ${join(dir, "afile")} is a file, not a directory`,
      ],
      [
        join(dir, "afile", "deeper", "x.nir"),
        "InvalidParameterError",
        `exportNir path ${join(dir, "afile", "deeper", "x.nir")} runs through a file: a part of ${join(dir, "afile", "deeper")} is a file, not a directory`,
      ],
      [
        join(dir, "missing", "x.nir"),
        "NotFoundError",
        `exportNir path ${join(dir, "missing", "x.nir")}: the directory ${join(dir, "missing")} does not exist; create it first`,
      ],
      [
        dir,
        "InvalidParameterError",
        `${dir} is a directory; exportNir writes a file: pass a file path such as ${join(dir, "model.nir")}`,
      ],
    ];
    for (const [path, name, message] of cases) {
      await assert.rejects(exportNir(net, { path: path as string }), { name, message });
    }
    assert.deepEqual(readdirSync(dir), ["afile"], "nothing written");
    await exportNir(net, { path: join(dir, "ok.nir") });
    assert.deepEqual(readdirSync(dir).sort(), ["afile", "ok.nir"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("export notes populations that reset in different ways and names it had to change", () => {
  const net = new Network({ dt_ms: 1 });
  const x = net.addPopulation("x", new Input(1));
  const y = net.addPopulation("y", new LIF(1, 1, { reset: "subtract", tRef_ms: 0 }));
  const z = net.addPopulation("a/b", new LIF(1, 1, { tRef_ms: 0 }));
  net.addPopulation("a.b", new LIF(1, 1, { tRef_ms: 0 }));
  net.addProjection("xy", new Dense(x, y, { weights: Float32Array.of(1) }));
  net.addProjection("yz", new Dense(y, z, { weights: Float32Array.of(1) }));
  let notes: readonly string[] = [];
  const logged = captureLogs(() => {
    notes = networkToNir(net).notes;
  });
  assert.deepEqual(notes, [
    '"a/b" is written as node "a.b" (HDF5 names cannot hold "/")',
    '"a.b" is written as node "a.b~2" (the name "a.b" was taken)',
    'the populations reset in different ways (subtract: "y"; to-value: "a/b", "a.b"); a NIR import applies ' +
      "one reset mode to the whole graph, so it reproduces only the populations of the mode it is given",
  ]);
  assert.deepEqual(
    logged.map((r) => r.id),
    notes.map(() => "nir-export-lossy"),
  );
});

test("importing a file whose nodes reset in different ways warns that one import cannot run them all as exported", () => {
  const net = new Network({ dt_ms: 1 });
  const x = net.addPopulation("x", new Input(1));
  const y = net.addPopulation("y", new LIF(1, 1, { reset: "subtract", tRef_ms: 0 }));
  const z = net.addPopulation("z", new LIF(1, 1, { tRef_ms: 0 }));
  net.addProjection("xy", new Dense(x, y, { weights: Float32Array.of(1) }));
  net.addProjection("yz", new Dense(y, z, { weights: Float32Array.of(1) }));
  let document: NirDocument | undefined;
  captureLogs(() => {
    document = networkToNir(net).document;
  });
  for (const reset of ["to-value", "subtract"] as const) {
    const logged = captureLogs(() => void nirToNetwork(document!, { dt_s: 1e-3, reset, file: "m.nir" }));
    assert.deepEqual(
      logged.filter((r) => r.id === "nir-option-hint").map((r) => r.message),
      [
        'm.nir: its metadata says its nodes were exported with different reset modes ("subtract", ' +
          `"to-value"; spikeflow.reset), but an import applies one to the whole graph (here "${reset}"): only ` +
          `the nodes exported with "${reset}" run as exported`,
      ],
    );
  }
});

test("a SynapseEquations is exported only as static weights ('port += w', with its delay); any other statement is refused", () => {
  const build = (on_pre: string, extra: { on_post?: string; model?: string; delay_ms?: number } = {}) => {
    const net = new Network({ dt_ms: 1 });
    const x = net.addPopulation("x", new Input(2));
    const y = net.addPopulation("y", new LIF(2, 1));
    net.addProjection(
      "s",
      new SynapseEquations(x, y, {
        model: extra.model ?? "w : 1",
        on_pre,
        ...(extra.on_post === undefined ? {} : { on_post: extra.on_post }),
        connect: { pre: [0, 1], post: [1, 0] },
        dt_ms: 1,
        init: { w: [0.5, 0.25] },
        ...(extra.delay_ms === undefined ? {} : { delay_ms: extra.delay_ms }),
      }),
    );
    return net;
  };
  const plain = quiet(() => networkToNir(build("dv_mV += w"))).document.graph;
  const sparse = new Network({ dt_ms: 1 });
  const sx = sparse.addPopulation("x", new Input(2));
  const sy = sparse.addPopulation("y", new LIF(2, 1));
  sparse.addProjection("s", Sparse.fromTriplets(sx, sy, { pre: [0, 1], post: [1, 0], w: [0.5, 0.25] }));
  const ref = quiet(() => networkToNir(sparse)).document.graph;
  assert.equal(plain.nodes.s.type, "Linear");
  assert.deepEqual(plain.nodes.s, ref.nodes.s, "the same Linear as the Sparse with the same weights");

  const delayed = quiet(() => networkToNir(build("dv_mV_post += w", { delay_ms: 3 }))).document.graph;
  const delay = delayed.nodes["s.delay"] as Of<"Delay">;
  assert.equal(delay.type, "Delay");
  assert.deepEqual([...delay.delay.data], [0.003, 0.003]);

  const refused: [string, { on_post?: string; model?: string }, RegExp][] = [
    ["dv_mV += 0*w", {}, /on_pre \("dv_mV \+= 0\*w"\) is not exactly one statement "dv_mV \+= w"/],
    ["dv_mV += w; x += 1", { model: "w : 1\nx : 1" }, /is not exactly one statement/],
    ["dv_mV += w", { on_post: "w += 0.1" }, /it has on_post statements/],
    ["dv_mV += w", { model: "dw/dt = -w/(5*ms) : 1 (event-driven)" }, /w is event-driven/],
  ];
  for (const [on_pre, extra, why] of refused) {
    assert.throws(
      () => quiet(() => networkToNir(build(on_pre, extra))),
      (e: unknown) =>
        e instanceof UnsupportedError &&
        /projection "s" \(synapse-equations\) cannot be exported/.test(e.message) &&
        why.test(e.message) &&
        /NIR has no form for synaptic statements/.test(e.message),
      on_pre,
    );
  }
});
