import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRng } from "../../src/core/rng.ts";
import { FormatError, InvalidParameterError, ShapeMismatchError, StateError } from "../../src/core/errors.ts";
import { Network } from "../../src/network/network.ts";
import { SpikeMonitor } from "../../src/network/monitors.ts";
import {
  SETTINGS_DIFFER,
  networkParameters,
  restoreNetworkParameters,
} from "../../src/network/parameters.ts";
import { captureLogs } from "../../src/core/log.ts";
import { DoubleExpLIF } from "../../src/neurons/double-exp-lif.ts";
import { Conv2d } from "../../src/projections/conv-2d.ts";
import { settingDifferences } from "../../src/network/settings.ts";
import { CUBA_BENCHMARK_PARAMS, CubaLIF } from "../../src/neurons/cuba-lif.ts";
import { Input } from "../../src/neurons/input.ts";
import { AdaptiveLIF } from "../../src/neurons/adaptive-lif.ts";
import { LIF } from "../../src/neurons/lif.ts";
import { Dense } from "../../src/projections/dense.ts";
import { Sparse } from "../../src/projections/sparse.ts";
import { Affine } from "../../src/projections/affine.ts";
import { Bias } from "../../src/projections/bias.ts";
import { LateralInhibition } from "../../src/projections/lateral-inhibition.ts";
import { postPre } from "../../src/plasticity/stdp.ts";
import { IncomingNormalization } from "../../src/plasticity/normalization.ts";
import { poisson } from "../../src/encoding/poisson.ts";
import { decodeModel, encodeModel } from "../../src/io/model-codec.ts";
import type { SavedModel } from "../../src/io/model-codec.ts";
import { loadModel } from "../../src/io/model-file.ts";
import { restoreNetwork, saveNetwork } from "../../src/io/network-file.ts";

interface Options {
  readonly hidden?: number;
  readonly sparseSeed?: number;
  readonly rules?: boolean;
  readonly dt_ms?: number;
  readonly affineBias?: number;
}

/** A small plastic network with every parameter kind: dense STDP + normalisation into theta neurons, a
 * seeded sparse projection, an affine layer with a bias, a Bias, lateral inhibition. Seeds fixed. */
function build(o: Options = {}) {
  const dt = o.dt_ms ?? 1;
  const hidden = o.hidden ?? 12;
  const net = new Network({ dt_ms: dt });
  const x = net.addPopulation("X", new Input(20));
  const y = net.addPopulation("Y", new AdaptiveLIF(hidden, dt, { thetaPlus_mV: 0.5, tauTheta_ms: 500 }));
  const z = net.addPopulation("Z", new LIF(5, dt));
  const dense = net.addProjection(
    "X->Y",
    new Dense(x, y, {
      bounds: { wMin: 0, wMax: 1 },
      init: { kind: "uniform", lo: 0, hi: 1, rng: createRng(1, "w") },
    }),
  );
  if (o.rules ?? true) {
    const stdp = postPre(dense, dt, { nuPre: 0.01, nuPost: 0.05 });
    stdp.scaleRates(0.5); // a schedule moved the rates: they are learned state
    new IncomingNormalization(dense, 6);
  }
  net.addProjection(
    "Y->Z",
    Sparse.random(y, z, { p: 0.5, weight: 3, rng: createRng(o.sparseSeed ?? 2, "c") }),
  );
  net.addProjection(
    "X->Z",
    new Affine(x, z, {
      init: { kind: "uniform", lo: 0, hi: 0.5, rng: createRng(3, "a") },
      bias: o.affineBias ?? 0.1,
    }),
  );
  net.addProjection("bias Z", new Bias(z, { bias: 0.2 }));
  net.addProjection("Y->Y", new LateralInhibition(y, { groupSize: hidden, strength_mV: 2 }));
  const spikes = net.addMonitor(new SpikeMonitor(y));
  const zSpikes = net.addMonitor(new SpikeMonitor(z));
  return { net, x, y, z, dense, spikes, zSpikes };
}

const drive = (seed: number, steps: number) =>
  poisson(new Float32Array(20).fill(80), { steps, dt_ms: 1, rng: createRng(seed, "in") });

/** Runs `steps` of input `seed` and returns what the network did and learned. */
function trace(m: ReturnType<typeof build>, seed: number, steps: number) {
  m.net.run({ X: drive(seed, steps) }, steps);
  return {
    y: `${Array.from(m.spikes.steps)}|${Array.from(m.spikes.neurons)}`,
    z: `${Array.from(m.zSpikes.steps)}|${Array.from(m.zSpikes.neurons)}`,
    w: Array.from(m.dense.w),
    theta: Array.from(m.y.theta_mV),
  };
}

function trained() {
  const m = build();
  m.net.run({ X: drive(7, 300) }, 300);
  (m.net.projection("X->Y").rules[0] as ReturnType<typeof postPre>).scaleRates(0.1);
  // change every other parameter kind too, as a user or a training loop could
  const affine = m.net.projection<Affine>("X->Z");
  affine.w[3] = 0.45;
  affine.bias[1] = -0.3;
  m.net.projection<Bias>("bias Z").bias[0] = 0.7;
  m.net.projection<Sparse>("Y->Z").w[0] = 1.5;
  return m;
}

const roundTrip = (saved: ReturnType<typeof networkParameters>): SavedModel => {
  const encoded = encodeModel(saved);
  return decodeModel(encoded.manifest, encoded.files as Record<string, Uint8Array>, "memory");
};

test("a restored network runs exactly as the saved one, learning on and off", () => {
  const a = trained();
  assert.ok(
    a.y.theta_mV.some((t) => t > 0),
    "the test network learned thresholds",
  );
  const saved = roundTrip(networkParameters(a.net));

  const b = build();
  // the affine bias is a parameter, not part of the layout: a network built with none takes the saved one
  const c = build({ affineBias: 0 });
  const fresh = build();
  restoreNetworkParameters(b.net, saved);
  restoreNetworkParameters(c.net, saved);
  a.net.reset();
  for (const learning of [false, true]) {
    a.net.learning = b.net.learning = c.net.learning = fresh.net.learning = learning;
    const ta = trace(a, 11, 200);
    const tb = trace(b, 11, 200);
    const tc = trace(c, 11, 200);
    const tf = trace(fresh, 11, 200);
    assert.deepEqual(tb, ta, `learning ${learning}: the restored network behaves exactly as the saved one`);
    assert.deepEqual(tc, ta, `learning ${learning}: also when it was built with another affine bias`);
    assert.notDeepEqual(tf, ta, "a network without the saved parameters behaves differently");
    for (const m of [a, b, c, fresh]) m.net.reset();
  }
  const stdp = b.net.projection("X->Y").rules[0] as ReturnType<typeof postPre>;
  assert.equal(stdp.nuPre, 0.01 * 0.5 * 0.1, "the scheduled learning rate is restored");
  assert.equal(b.net.projection<Affine>("X->Z").bias[1], Math.fround(-0.3));
  assert.equal(b.net.projection<Bias>("bias Z").bias[0], Math.fround(0.7));
});

test("saveNetwork and restoreNetwork go through a model directory", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-net-"));
  try {
    const a = trained();
    const manifest = await saveNetwork(join(dir, "net"), a.net);
    assert.equal(manifest.kind, "network");
    assert.ok("projection.0.w" in manifest.tensors && "population.1.thetaExact" in manifest.tensors);
    assert.ok("projection.1.structure.colIdx" in manifest.tensors, "the sparse pattern is saved");
    const b = build();
    await restoreNetwork(join(dir, "net"), b.net);
    assert.deepEqual(Array.from(b.dense.w), Array.from(a.dense.w));
    assert.deepEqual(Array.from(b.y.theta_mV), Array.from(a.y.theta_mV));
    // a model of another kind is refused by name
    const other = JSON.parse(readFileSync(join(dir, "net", "model.json"), "utf8"));
    other.kind = "lcsnn";
    writeFileSync(join(dir, "net", "model.json"), JSON.stringify(other));
    await assert.rejects(restoreNetwork(join(dir, "net"), build().net), FormatError);
    const loaded = await loadModel(join(dir, "net"));
    assert.throws(() => restoreNetworkParameters(build().net, loaded), /"lcsnn" model, not a saved network/);
    // a hand-edited field of the file: the refusal names the directory it came from
    other.kind = "network";
    other.extra.rules[0][0].nuPre = "x";
    writeFileSync(join(dir, "net", "model.json"), JSON.stringify(other));
    await assert.rejects(restoreNetwork(join(dir, "net"), build().net), {
      name: "FormatError",
      message: `${join(dir, "net")}: saved network: extra.rules[0][0].nuPre must be a finite number`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Asserts that restoring `saved` into a network built with `o` throws `error` and changes nothing. */
function refused(saved: SavedModel, o: Options, error: RegExp, type: new (...a: never[]) => Error) {
  const m = build(o);
  const before = Array.from(m.dense.w);
  const thetaBefore = Array.from(m.y.theta_mV);
  assert.throws(
    () => restoreNetworkParameters(m.net, saved),
    (e: Error) => {
      assert.ok(e instanceof type, `${e.constructor.name}: ${e.message}`);
      assert.match(e.message, error);
      return true;
    },
  );
  assert.deepEqual(Array.from(m.dense.w), before, "nothing was written");
  assert.deepEqual(Array.from(m.y.theta_mV), thetaBefore);
}

test("a network built otherwise is refused with the difference named, and left unchanged", () => {
  const saved = roundTrip(networkParameters(trained().net));
  refused(
    saved,
    { hidden: 13 },
    /population "Y" has 12 neurons in the saved network but 13 here/,
    ShapeMismatchError,
  );
  refused(
    saved,
    { sparseSeed: 9 },
    /projection "Y->Z" was saved with another connectivity/,
    InvalidParameterError,
  );
  refused(
    saved,
    { rules: false },
    /had learning rules \[stdp-post-pre, normalize-incoming\] when saved but has \[\]/,
    InvalidParameterError,
  );
  refused(saved, { dt_ms: 0.5 }, /dt = 1 ms, this one at 0.5 ms/, InvalidParameterError);
});

test("damaged saved values are refused before anything is written", () => {
  const good = networkParameters(trained().net);
  // a hand-edited file: the JSON parts are plain data, reached without the types
  type Editable = {
    config: { populations: Record<string, unknown>[] };
    tensors: Record<string, { data: Float32Array | Float64Array }>;
    extra: { populations: Record<string, number>[]; rules: Record<string, number>[][] };
  };
  const edit = (f: (s: Editable) => void): SavedModel => {
    const s = structuredClone(roundTrip(good));
    f(s as unknown as Editable);
    return s;
  };
  // positions counted from 0, as the tensor names count them (population.1.*)
  refused(
    edit((s) => (s.config.populations[1].name = "W")),
    {},
    /^population 1 \(counting from 0, in the order of addPopulation\) is "W" .* in the saved network but "Y" .* here/,
    InvalidParameterError,
  );
  refused(
    edit((s) => (s.tensors["projection.0.w"].data[5] = 1.5)),
    {},
    /projection "X->Y" w\[5\] = 1.5 in the saved network lies outside this projection's bounds \[0, 1\]/,
    InvalidParameterError,
  );
  refused(
    edit((s) => (s.tensors["projection.2.bias"].data[0] = NaN)),
    {},
    /projection "X->Z" bias\[0\] is NaN in the saved network/,
    InvalidParameterError,
  );
  refused(
    edit((s) => delete s.tensors["population.1.thetaStamp"]),
    {},
    /tensor "population.1.thetaStamp" \(population "Y" thetaStamp\) is missing/,
    FormatError,
  );
  refused(
    edit((s) => (s.extra.populations[1].learnClock = -1)),
    {},
    /learnClock -1 is not a whole number >= 0/,
    InvalidParameterError,
  );
  refused(
    edit((s) => delete s.extra.rules[0][0].nuPost),
    {},
    /extra.rules\[0\]\[0\] must hold \[nuPre, nuPost\] \(rule "stdp-post-pre"\)/,
    FormatError,
  );
  refused(
    edit((s) => ((s.config as Record<string, unknown>).seed = 1)),
    {},
    /config has unknown field "seed"; it holds dt_ms, populations, subgroups, projections/,
    FormatError,
  );
  refused(
    edit((s) => (s.tensors["projection.99.w"] = s.tensors["projection.0.w"])),
    {},
    /tensor "projection.99.w" belongs to no population or projection of the layout/,
    FormatError,
  );
  refused(
    edit((s) => (s.extra.populations[2] = { learnClock: 3 })),
    {},
    /extra.populations\[2\] must be null \("Z" learns nothing\)/,
    FormatError,
  );
  refused(
    edit((s) => (s.tensors["population.1.thetaExact"].data[0] = 1e300)),
    {},
    /thetaExact\[0\] = 1e\+300 mV does not fit the float32 threshold buffer/,
    InvalidParameterError,
  );
  refused(
    edit((s) => ((s as unknown as { config: unknown }).config = null)),
    {},
    /saved network: config must be an object/,
    FormatError,
  );
  refused(
    edit((s) => (s.config.populations[2].size = "5")),
    {},
    /config.populations\[2\].size must be a finite number/,
    FormatError,
  );
});

test("restoring from inside a step is refused", () => {
  const saved = roundTrip(networkParameters(trained().net));
  const m = build();
  m.net.addMonitor({
    record: () => restoreNetworkParameters(m.net, saved),
    reset: () => {},
  });
  assert.throws(
    () => m.net.run({}, 1),
    (e: Error) => {
      assert.ok(e instanceof StateError);
      assert.match(e.message, /restoreNetworkParameters was called while the network is running/);
      return true;
    },
  );
});

test("normalisation continues exactly: a neuron held at a bound is not renormalised again after a restore", () => {
  const make = () => {
    const net = new Network({ dt_ms: 1 });
    const x = net.addPopulation("X", new Input(2));
    const y = net.addPopulation("Y", new LIF(1, 1));
    const d = net.addProjection(
      "X->Y",
      new Dense(x, y, { weights: [0.9, 0.1], bounds: { wMin: 0, wMax: 1 } }),
    );
    postPre(d, 1);
    new IncomingNormalization(d, 1.5);
    return { net, d };
  };
  const a = make();
  a.net.run({}, 1); // the first pass normalises every neuron: 0.9, 0.1 -> 1.35 (clamped to 1), 0.15
  assert.deepEqual(Array.from(a.d.w), [1, Math.fround(0.15)]);
  const b = make();
  restoreNetworkParameters(b.net, roundTrip(networkParameters(a.net)));
  a.net.run({}, 1);
  b.net.run({}, 1);
  // renormalising would move 0.15 to 0.1957 (the clamped weight keeps the sum below 1.5)
  assert.deepEqual(Array.from(b.d.w), Array.from(a.d.w));
  assert.deepEqual(Array.from(a.d.w), [1, Math.fround(0.15)]);
});

test("weights clamped to a bound that float32 cannot hold exactly (0.3) restore", () => {
  const make = () => {
    const net = new Network({ dt_ms: 1 });
    const x = net.addPopulation("X", new Input(3));
    const y = net.addPopulation("Y", new LIF(2, 1));
    const d = net.addProjection(
      "X->Y",
      new Dense(x, y, { weights: [0, 0.1, 0.2, 0.3, 0.3, 0.3], bounds: { wMin: 0, wMax: 0.3 } }),
    );
    return { net, d };
  };
  const a = make();
  a.d.w.fill(1);
  a.d.clampAll(); // what STDP's clamp writes: fround(0.3) = 0.30000001192..., above 0.3
  assert.ok(a.d.w[0] > 0.3);
  const b = make();
  restoreNetworkParameters(b.net, roundTrip(networkParameters(a.net)));
  assert.deepEqual(Array.from(b.d.w), Array.from(a.d.w));
});

test("a network without parameters, an Affine bias written later, and bad directories", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-net-"));
  try {
    const plain = () => {
      const net = new Network({ dt_ms: 1 });
      const y = net.addPopulation("Y", new LIF(4, 1));
      net.addProjection("Y->Y", new LateralInhibition(y, { groupSize: 4, strength_mV: 2 }));
      return net;
    };
    const manifest = await saveNetwork(join(dir, "plain"), plain());
    assert.deepEqual(manifest.files, {}, "no tensors, no weights file");
    await restoreNetwork(join(dir, "plain"), plain());

    // a bias written after construction acts at once (Affine adds its bias whatever its value)
    const net = new Network({ dt_ms: 1 });
    const x = net.addPopulation("X", new Input(1));
    const z = net.addPopulation("Z", new LIF(1, 1));
    const affine = net.addProjection("X->Z", new Affine(x, z, { weights: [0] }));
    const spikes = net.addMonitor(new SpikeMonitor(z));
    affine.bias[0] = 30;
    net.run({}, 20);
    assert.ok(spikes.count > 0, "the bias written by hand drives the neuron");

    await assert.rejects(saveNetwork("", plain()), /saveNetwork needs the model directory, got ""/);
    await assert.rejects(restoreNetwork(" ", plain()), /restoreNetwork needs the model directory, got " "/);
    const blocked = join(dir, "blocked");
    mkdirSync(join(blocked, "model.json"), { recursive: true });
    await assert.rejects(saveNetwork(blocked, trained().net), (e: Error) => {
      assert.ok(e instanceof InvalidParameterError);
      assert.match(e.message, /model\.json is a directory; the model's file goes there/);
      return true;
    });
    assert.ok(!existsSync(join(blocked, "weights.safetensors")), "nothing was written");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a normalisation flag other than 0 or 1 is refused, and a model without tensors saved over one with them leaves no weights file", async () => {
  const good = networkParameters(trained().net);
  const s = structuredClone(roundTrip(good));
  (s.extra as { rules: Record<string, number>[][] }).rules[0][1].pending = 0.5;
  refused(
    s,
    {},
    /IncomingNormalization pending = 0.5; it is 1 \(the next pass renormalises every neuron\) or 0/,
    InvalidParameterError,
  );
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-net-"));
  try {
    await saveNetwork(dir, trained().net);
    assert.ok(existsSync(join(dir, "weights.safetensors")));
    const net = new Network({ dt_ms: 1 });
    net.addPopulation("Y", new LIF(2, 1));
    await saveNetwork(dir, net);
    assert.ok(!existsSync(join(dir, "weights.safetensors")), "the old weights file went with the old model");
    await restoreNetwork(dir, net);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("missing or wrong arguments are typed errors that name them", async () => {
  const message = (e: unknown): string => {
    assert.ok(e instanceof InvalidParameterError, `${(e as Error).constructor.name}: ${String(e)}`);
    return e.message;
  };
  const saving = networkParameters as (net: unknown) => unknown;
  const restoring = restoreNetworkParameters as (net: unknown, saved?: unknown) => void;
  assert.throws(
    () => saving({}),
    (e) =>
      message(e) ===
      "networkParameters takes the Network itself (the one built with new Network({ dt_ms }), e.g. model.net), " +
        "got an object with keys []",
  );
  assert.throws(
    () => saving(undefined),
    (e) => /^networkParameters takes the Network itself.*got undefined$/.test(message(e)),
  );
  const m = build();
  const before = Array.from(m.dense.w);
  assert.throws(
    () => restoring(m.net, undefined),
    (e) =>
      message(e) ===
      "restoreNetworkParameters takes the network to restore into and the saved network, { kind, config, " +
        'tensors, extra } as loadModel(dir, { expectKind: "network" }) or decodeModel returns it, got ' +
        "undefined; or restore from a directory with restoreNetwork(dir, net)",
  );
  assert.throws(
    () => restoring(m.net, { kind: "network" }),
    (e) => /got an object with keys \["kind"\];/.test(message(e)),
  );
  const saved = roundTrip(networkParameters(trained().net));
  assert.throws(
    () => restoring(saved, m.net),
    (e) =>
      /^restoreNetworkParameters takes the Network itself .*got an object with keys \["kind","config","tensors","extra"\]$/.test(
        message(e),
      ),
  );
  const broken = { ...saved, tensors: { ...saved.tensors, "projection.0.w": null } };
  assert.throws(
    () => restoring(m.net, broken),
    (e: Error) =>
      e instanceof FormatError &&
      /tensor "projection.0.w" \(projection "X->Y" w\) must be a tensor \{ dtype, shape, data \}/.test(
        e.message,
      ),
  );
  assert.deepEqual(Array.from(m.dense.w), before, "nothing was written");

  const dir = mkdtempSync(join(tmpdir(), "spikeflow-net-"));
  try {
    const save = saveNetwork as (dir: unknown, net: unknown) => Promise<unknown>;
    const restore = restoreNetwork as (dir: unknown, net: unknown) => Promise<void>;
    await assert.rejects(
      save(dir, {}),
      (e) =>
        message(e) ===
        "saveNetwork(dir, net) takes the Network itself as its second argument (the one built with " +
          "new Network({ dt_ms }), e.g. model.net), got an object with keys []",
    );
    assert.ok(!existsSync(join(dir, "model.json")), "nothing was written");
    await saveNetwork(dir, m.net);
    await assert.rejects(restore(dir, undefined), (e) =>
      /^restoreNetwork\(dir, net\) takes the Network itself as its second argument .*got undefined$/.test(
        message(e),
      ),
    );
    await assert.rejects(save(m.net, dir), (e) =>
      /^saveNetwork needs the model directory, got a Network;/.test(message(e)),
    );
    await assert.rejects(restore(undefined, m.net), (e) =>
      /^restoreNetwork needs the model directory, got undefined;/.test(message(e)),
    );

    // called from inside a step, restoreNetwork refuses at once, not later when the file has been read and the
    // run is over
    let pending: Promise<void> | undefined;
    m.net.addMonitor({ record: () => (pending ??= restoreNetwork(dir, m.net)), reset: () => {} });
    m.net.run({}, 1);
    await assert.rejects(pending!, (e: Error) => {
      assert.ok(e instanceof StateError, String(e));
      assert.match(e.message, /^restoreNetwork was called while the network is running/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("networkParameters is also an in-memory snapshot: restore from it directly, as often as needed", () => {
  const m = trained();
  const snapshot = networkParameters(m.net);
  m.net.reset();
  const first = trace(m, 11, 200); // learning on: weights, theta and rates move
  assert.notDeepEqual(
    Array.from(m.dense.w),
    Array.from(snapshot.tensors["projection.0.w"].data as Float32Array),
  );
  for (let k = 0; k < 2; k++) {
    m.spikes.reset();
    m.zSpikes.reset();
    restoreNetworkParameters(m.net, snapshot); // Brian2's restore(): back to the stored state
    assert.deepEqual(trace(m, 11, 200), first, `restore ${k + 1}`);
  }
});

test("a network that a restore would refuse cannot be saved: a non-finite weight, or one outside its bounds", () => {
  const m = build();
  m.dense.w[5] = Number.POSITIVE_INFINITY;
  assert.throws(
    () => networkParameters(m.net),
    /^InvalidParameterError: projection "X->Y" w\[5\] is Infinity; a network with a non-finite parameter cannot be saved/,
  );
  m.dense.w[5] = 1.5; // outside [0, 1]
  assert.throws(
    () => networkParameters(m.net),
    /projection "X->Y" w\[5\] = 1\.5 lies outside the projection's bounds \[0, 1\], so the network could not be restored; call the projection's clampAll\(\)/,
  );
  m.dense.clampAll();
  assert.equal(m.dense.w[5], 1);
  m.net.projection<Affine>("X->Z").bias[2] = Number.NaN;
  assert.throws(() => networkParameters(m.net), /projection "X->Z" bias\[2\] is NaN/);
});

test("a network restores into one whose dt differs only by rounding (0.1 and 0.1 * 3 / 3), not into another dt", () => {
  const build = (dt_ms: number) => {
    const net = new Network({ dt_ms });
    const x = net.addPopulation("X", new Input(2));
    const y = net.addPopulation("Y", new LIF(2, 0.1));
    net.addProjection("X->Y", new Dense(x, y, { weights: [0.5, 1, 1.5, 2] }));
    return net;
  };
  const saved = networkParameters(build(0.1));
  const twin = build((0.1 * 3) / 3);
  restoreNetworkParameters(twin, saved);
  assert.deepEqual(Array.from((twin.projection("X->Y") as Dense).w), [0.5, 1, 1.5, 2]);
  const other = new Network({ dt_ms: 0.2 });
  other.addPopulation("X", new Input(2));
  assert.throws(
    () => restoreNetworkParameters(other, saved),
    /the saved network steps at dt = 0\.1 ms, this one at 0\.2 ms/,
  );
});

/** A small network whose construction settings the options change. */
function settingsNet(o: { tauMem_ms?: number; wMax?: number; traceTau_ms?: number; total?: number } = {}) {
  const net = new Network({ dt_ms: 1 });
  const x = net.addPopulation("X", new Input(4));
  const y = net.addPopulation(
    "Y",
    new AdaptiveLIF(3, 1, { tauMem_ms: o.tauMem_ms ?? 100, tauTheta_ms: Infinity }),
  );
  const d = net.addProjection(
    "X->Y",
    new Dense(x, y, {
      bounds: { wMin: 0, wMax: o.wMax ?? 1 },
      init: { kind: "uniform", lo: 0, hi: 0.5, rng: createRng(4, "w") },
    }),
  );
  postPre(d, 1, { preTrace: { tau_ms: o.traceTau_ms ?? 20 } });
  new IncomingNormalization(d, o.total ?? 1);
  return { net, d };
}

test("a network built with other settings takes the saved weights, with a warning that lists the differences", () => {
  // construction options are code, not saved values: a restore used to take the saved weights into a network
  // built with another time constant or bound without a word
  const a = settingsNet();
  a.d.w[2] = 0.25;
  const saved = roundTrip(networkParameters(a.net));
  const warnings = (net: Network, from: SavedModel = saved) =>
    captureLogs(() => restoreNetworkParameters(net, from)).filter((r) => r.id === SETTINGS_DIFFER);
  assert.deepEqual(
    warnings(settingsNet().net),
    [],
    "the same options (tauTheta Infinity included): no warning",
  );

  const b = settingsNet({ tauMem_ms: 50, traceTau_ms: 30 });
  const [w] = warnings(b.net);
  assert.equal(w?.level, "warn");
  assert.equal(
    w?.message,
    "the saved network was built with other settings than this one, and its weights and learned state were " +
      'restored into this one as it is: population "Y" tauMem_ms is 50 here, 100 in the saved network; ' +
      'projection "X->Y" rules[0].preTrace.tau_ms is 30 here, 20 in the saved network. To continue the saved ' +
      'network, build it with the same options; if the change is meant, muteWarning("network-settings-differ") ' +
      "silences this",
  );
  assert.equal(b.d.w[2], Math.fround(0.25), "the weights were restored all the same");

  const many = settingsNet({ tauMem_ms: 50, traceTau_ms: 30, wMax: 2, total: 1.5 });
  many.net.addPopulation("Z", new LIF(1, 1)); // a layout change is still an error, not a warning
  assert.throws(() => restoreNetworkParameters(many.net, saved), /the saved network has 2 populations/);
  const four = settingsNet({ tauMem_ms: 50, traceTau_ms: 30, wMax: 2, total: 1.5 });
  assert.match(
    warnings(four.net)[0]?.message ?? "",
    /bounds\.wMax is 2 here, 1 in the saved network; .*rules\[1\]\.total is 1\.5 here, 1 in the saved network\./,
  );

  // a file saved before settings were recorded restores without comparing them
  const config = structuredClone(saved.config) as {
    populations: { settings?: unknown }[];
    projections: { settings?: unknown }[];
  };
  for (const p of [...config.populations, ...config.projections]) delete p.settings;
  assert.deepEqual(warnings(settingsNet({ tauMem_ms: 50 }).net, { ...saved, config } as SavedModel), []);
  // a hand-edited setting that is no JSON scalar is a FormatError naming it
  const edited = structuredClone(saved.config) as { populations: { settings: Record<string, unknown> }[] };
  edited.populations[1].settings.tauMem_ms = { ms: 100 };
  assert.throws(() => restoreNetworkParameters(settingsNet().net, { ...saved, config: edited }), {
    name: "FormatError",
    message:
      "saved network: config.populations[1].settings.tauMem_ms must be a number, string, boolean or null",
  });
});

test("settings: per-neuron arrays are recorded as a count and a CRC-32, CubaLIF's synapses entry by entry", () => {
  const tau = (t: number[]) => {
    const net = new Network({ dt_ms: 0.1 });
    net.addPopulation("d", new DoubleExpLIF(3, 0.1, { tauDecay_ms: Float64Array.from(t) }));
    net.addPopulation("c", new CubaLIF(2, 0.1, CUBA_BENCHMARK_PARAMS));
    return net;
  };
  const saved = networkParameters(tau([20, 30, 40]));
  const settings = (saved.config as { populations: { settings: Record<string, unknown> }[] }).populations;
  assert.match(String(settings[0].settings.tauDecay_ms), /^3 values, CRC-32 [0-9a-f]{8}$/);
  assert.equal(settings[1].settings["synapses[0].tauSyn_ms"], CUBA_BENCHMARK_PARAMS.synapses?.[0]?.tauSyn_ms);
  const [w] = captureLogs(() => restoreNetworkParameters(tau([20, 30, 41]), saved));
  assert.match(
    w?.message ?? "",
    /population "d" tauDecay_ms is "3 values, CRC-32 [0-9a-f]{8}" here, "3 values, CRC-32 [0-9a-f]{8}" in the saved network\./,
  );
});

test("settings: AdaptiveLIF's oneSpikePerStep and a 2-D projection's geometry are compared; -0 equals 0", () => {
  // a tester's cases: stride 1 / padding 0 and stride 2 / padding 1 both give 3 x 3 outputs with the same
  // weight count, and oneSpikePerStep lived outside params; both restored without a word. A per-neuron array
  // holding -0 was a difference from one holding 0, while a single -0 was not
  const net = (o: { stride: number; padding: number; one: boolean; zero: number }) => {
    const n = new Network({ dt_ms: 1 });
    const x = n.addPopulation("x", new Input(25));
    const y = n.addPopulation(
      "y",
      new AdaptiveLIF(18, 1, {}, o.one ? { oneSpikePerStep: true, rng: createRng(1, "one") } : {}),
    );
    n.addProjection(
      "conv",
      new Conv2d(x, y, {
        inputShape: [1, 5, 5],
        kernel: 3,
        stride: o.stride,
        padding: o.padding,
        outChannels: 2,
        weights: 0.1,
      }),
    );
    n.addPopulation("d", new DoubleExpLIF(2, 1, { bias_nA: Float64Array.from([o.zero, -40]) }));
    return n;
  };
  const saved = roundTrip(networkParameters(net({ stride: 1, padding: 0, one: false, zero: 0 })));
  const differences = (n: Network) =>
    captureLogs(() => restoreNetworkParameters(n, saved)).filter((r) => r.id === SETTINGS_DIFFER);
  assert.deepEqual(differences(net({ stride: 1, padding: 0, one: false, zero: -0 })), []);
  const [w] = differences(net({ stride: 2, padding: 1, one: true, zero: 0 }));
  assert.match(
    w?.message ?? "",
    /population "y" oneSpikePerStep is true here, false in the saved network; projection "conv" geometry\.sh is 2 here, 1 in the saved network; projection "conv" geometry\.sw is 2 here, 1 in the saved network; projection "conv" geometry\.ph is 1 here, 0 in the saved network; projection "conv" geometry\.pw is 1 here, 0 in the saved network\./,
  );
});

test("settings: a setting named like an Object.prototype member shows as not set where it is missing", () => {
  assert.deepEqual(settingDifferences({ toString: 1 }, {}), [
    "toString is not set here, 1 in the saved network",
  ]);
  assert.deepEqual(settingDifferences({}, { constructor: "x" }), [
    'constructor is "x" here, not set in the saved network',
  ]);
});

test("settings: a per-neuron vInit_mV given as number[] or as Float32Array of the same voltages records the same", () => {
  // a tester's case: -60.1 as a float64 and as a float32 made two CRC-32s, and a false warning
  const build = (v: number[] | Float32Array) => {
    const n = new Network({ dt_ms: 0.1 });
    n.addPopulation("p", new LIF(3, 0.1, { vInit_mV: v }));
    return n;
  };
  const saved = networkParameters(build([-70, -60.1, -55]));
  const logs = captureLogs(() =>
    restoreNetworkParameters(build(Float32Array.from([-70, -60.1, -55])), saved),
  );
  assert.deepEqual(
    logs.filter((r) => r.id === SETTINGS_DIFFER),
    [],
  );
  const [w] = captureLogs(() => restoreNetworkParameters(build([-70, -60.2, -55]), saved));
  assert.match(w?.message ?? "", /population "p" vInit_mV is "3 values, CRC-32 [0-9a-f]{8}" here/);
});
