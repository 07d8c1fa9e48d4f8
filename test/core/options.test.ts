/**
 * Options objects refuse keys their owner does not know (src/core/options.ts): the shared check, its
 * closest-name suggestion, and every constructor and encoder of the library that takes an options object.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError } from "../../src/core/errors.ts";
import { closestKey, requireKnownKeys, withDefaults } from "../../src/core/options.ts";
import { createRng } from "../../src/core/rng.ts";
import { bernoulli, latency, poisson, rankOrder } from "../../src/encoding/index.ts";
import { HeldCurrentDrive } from "../../src/network/current-drive.ts";
import { LinearReadout } from "../../src/network/linear-readout.ts";
import { SpikeMonitor, StateMonitor } from "../../src/network/monitors.ts";
import { Network } from "../../src/network/network.ts";
import {
  AdaptiveLIF,
  CubaLIF,
  DoubleExpLIF,
  IF,
  Integrator,
  Izhikevich,
  LI,
  LIF,
  LIF_DEFAULTS,
  SynapticLIF,
  Threshold,
} from "../../src/neurons/index.ts";
import { SpikeTrace, postPre } from "../../src/plasticity/index.ts";
import {
  RateRnnTrainer,
  createRateRnn,
  searchScale,
  trainRateRnn,
  transferRateRnn,
} from "../../src/rnn/index.ts";
import {
  Affine,
  AvgPool2d,
  Bias,
  Conv2d,
  Dense,
  LateralInhibition,
  Local2d,
  OneToOne,
  RateCoupling,
  Sparse,
  SumPool2d,
} from "../../src/projections/index.ts";

/** Asserts that `make` throws an InvalidParameterError naming `key`, the suggestion, and the valid list. */
function assertRefusesKey(make: () => unknown, owner: string, key: string, suggestion: string | null): void {
  assert.throws(make, (e: unknown) => {
    assert.ok(e instanceof InvalidParameterError, `${owner}: ${String(e)}`);
    const near = suggestion === null ? "" : ` \\(did you mean ${suggestion}\\?\\)`;
    assert.match(e.message, new RegExp(`^${owner}: unknown option "${key}"${near}; the valid options are `));
    return true;
  });
}

test("an unknown key is refused, naming it, the closest valid name and every valid name", () => {
  const valid = ["tauMem_ms", "vRest_mV", "resistance_MOhm"];

  assert.throws(
    () => requireKnownKeys("LIF params", { tauMem_ms: 5, tau_m: 5 }, valid),
    (e: unknown) => {
      assert.ok(e instanceof InvalidParameterError);
      assert.equal(
        e.message,
        'LIF params: unknown option "tau_m" (did you mean tauMem_ms?); ' +
          "the valid options are tauMem_ms, vRest_mV, resistance_MOhm",
      );
      assert.deepEqual(e.details.unknown, ["tau_m"]);
      return true;
    },
  );
});

test("several unknown keys are all named; a key like none of the valid ones gets no suggestion", () => {
  assert.throws(
    () =>
      requireKnownKeys("StateMonitor options", { neuron: [0], colour: "red" }, [
        "neurons",
        "every",
        "window",
      ]),
    /StateMonitor options: unknown options "neuron" \(did you mean neurons\?\), "colour"; the valid options are neurons, every, window$/,
  );
});

test("undefined passes; a non-object (a number, an array, a typed array, null) is refused with the valid names", () => {
  requireKnownKeys("X", undefined, ["a"]);
  requireKnownKeys("X", {}, ["a"]);

  const said: [unknown, string][] = [
    [1, "number 1"],
    [[1, 2], "an Array of length 2"],
    [null, "null"],
    ["a", 'string "a"'],
    [new Float32Array(3), "a Float32Array"],
  ];
  for (const [bad, description] of said) {
    assert.throws(
      () => requireKnownKeys("Threshold params", bad, ["threshold_nA"]),
      (e: Error) =>
        e.message ===
        `Threshold params must be an object of named options (threshold_nA), got ${description}`,
      description,
    );
  }
});

test("the closest name: abbreviations, case and underscores, small typos; nothing for unrelated keys", () => {
  const lif = [...Object.keys(LIF_DEFAULTS), "vInit_mV"];

  assert.equal(closestKey("tau_m", lif), "tauMem_ms");
  assert.equal(closestKey("TAUMEM_MS", lif), "tauMem_ms");
  assert.equal(closestKey("vThresh", lif), "vThreshold_mV");
  assert.equal(closestKey("resistance", lif), "resistance_MOhm");
  assert.equal(closestKey("vThreshld_mV", lif), "vThreshold_mV");
  assert.equal(closestKey("colour", lif), undefined);
  assert.equal(closestKey("dt", ["steps", "dt_ms"]), "dt_ms", "the same name without its unit");
  assert.equal(closestKey("prot", ["bias", "port"]), "port", "two letters swapped");
  assert.equal(closestKey("tau_m", ["tauSyn_ms", "tauMem_ms"]), "tauMem_ms", "longer common prefix wins");
});

test("a key named like an Object.prototype member (constructor, toString) is refused as unknown, not a TypeError", () => {
  const lif = [...Object.keys(LIF_DEFAULTS), "vInit_mV"];
  for (const key of ["constructor", "Con_structor", "toString", "__proto__", "hasOwnProperty"]) {
    assert.equal(closestKey(key, lif), undefined, key);
  }
  assert.throws(
    () => new LIF(1, 1, { constructor: 1 } as never),
    (e: unknown) => e instanceof InvalidParameterError && /unknown option "constructor"/.test(e.message),
  );
});

test("withDefaults merges over the defaults and accepts the listed optional keys", () => {
  const defaults = Object.freeze({ a: 1, b: 2 }) as Readonly<{ a: number; b: number; c?: number }>;

  assert.deepEqual(withDefaults("T", defaults, { b: 5, c: 3 }, ["c"]), { a: 1, b: 5, c: 3 });
  assert.deepEqual(withDefaults("T", defaults, undefined), { a: 1, b: 2 });
  assert.throws(() => withDefaults("T", defaults, { c: 3 }), /T: unknown option "c"/);
});

test("every neuron model refuses a misspelled parameter instead of keeping its default", () => {
  const bad = { tau_m: 5 } as never;
  const cases: [string, () => unknown, string | null][] = [
    ["LIF params", () => new LIF(1, 1, bad), "tauMem_ms"],
    ["AdaptiveLIF params", () => new AdaptiveLIF(1, 1, bad), "tauMem_ms"],
    ["CubaLIF params", () => new CubaLIF(1, 1, bad), "tauMem_ms"],
    ["SynapticLIF params", () => new SynapticLIF(1, 1, bad), "tauMem_ms"],
    ["LI params", () => new LI(1, 1, bad), "tauMem_ms"],
    ["DoubleExpLIF params", () => new DoubleExpLIF(1, 0.05, bad), "tauMem_ms"],
    ["IF params", () => new IF(1, 1, bad), null],
    ["Integrator params", () => new Integrator(1, 1, bad), null],
    ["Izhikevich params", () => new Izhikevich(1, 1, bad), null],
    ["Threshold params", () => new Threshold(1, 1, bad), null],
  ];

  for (const [owner, make, suggestion] of cases) assertRefusesKey(make, owner, "tau_m", suggestion);
  assertRefusesKey(
    () => new AdaptiveLIF(1, 1, {}, { oneSpikePerStp: true } as never),
    "AdaptiveLIF options",
    "oneSpikePerStp",
    "oneSpikePerStep",
  );
  assertRefusesKey(
    () => new Izhikevich(1, 1, { u_init: 1 } as never),
    "Izhikevich params",
    "u_init",
    "uInit",
  );
});

test("the optional parameters without a default (vInit_mV, uInit) are accepted", () => {
  assert.equal(new LIF(1, 1, { vInit_mV: -60 }).v_mV[0], -60);
  assert.equal(new AdaptiveLIF(1, 1, { vInit_mV: -61 }).v_mV[0], -61);
  assert.equal(new Izhikevich(1, 1, { uInit: -13 }).u[0], -13);
});

test("monitors, the network, the held-current drive and plasticity refuse misspelled options", () => {
  const pop = new LIF(3, 1);

  assertRefusesKey(
    () => new StateMonitor(pop, "v_mV", { neuron: [0] } as never),
    "StateMonitor options",
    "neuron",
    "neurons",
  );
  assertRefusesKey(
    () => new SpikeMonitor(pop, { maxEvent: 5 } as never),
    "SpikeMonitor options",
    "maxEvent",
    "maxEvents",
  );
  assertRefusesKey(
    () => new LinearReadout(new Float64Array(2), [1, 1], { bias_nA: 1 } as never),
    "LinearReadout options",
    "bias_nA",
    "bias",
  );
  assertRefusesKey(
    () => new Network({ dt_ms: 1, learn: false } as never),
    "Network options",
    "learn",
    "learning",
  );
  assertRefusesKey(
    () => new HeldCurrentDrive([1], 1, 1, [1], { holdSteps: 2, hold: 3 } as never),
    "HeldCurrentDrive options",
    "hold",
    "holdSteps",
  );
  assertRefusesKey(() => new SpikeTrace(pop, 1, { tau: 5 } as never), "SpikeTrace params", "tau", "tau_ms");
  const proj = new Dense(new LIF(2, 1), pop, { weights: 0.1, bounds: { wMin: 0, wMax: 1 } });
  assertRefusesKey(() => postPre(proj, 1, { nu_pre: 1 } as never), "Stdp params", "nu_pre", "nuPre");
});

test("encoders refuse misspelled options", () => {
  const rng = createRng(1, "enc");

  assertRefusesKey(
    () => poisson([1], { steps: 2, dt_ms: 1, rng, dt: 1 } as never),
    "poisson options",
    "dt",
    "dt_ms",
  );
  assertRefusesKey(
    () => bernoulli([1], { steps: 2, rng, max_prob: 0.5 } as never),
    "bernoulli options",
    "max_prob",
    "maxProb",
  );
  assertRefusesKey(
    () => latency([1], { steps: 2, dt_ms: 1, tau: 1 } as never),
    "latency options",
    "tau",
    "tau_ms",
  );
  assertRefusesKey(() => rankOrder([1], { step: 2 } as never), "rankOrder options", "step", "steps");
});

test("every projection refuses a misspelled option", () => {
  const a = new LIF(4, 1);
  const b = new LIF(4, 1);
  const rng = createRng(1, "w");
  const geometry = { inputShape: [1, 2, 2] as const, kernel: 1 };
  const dexp = new DoubleExpLIF(4, 0.05);

  assertRefusesKey(() => new Dense(a, b, { weight: 1 } as never), "Dense options", "weight", "weights");
  assertRefusesKey(
    () => new OneToOne(a, b, { weigths: 1 } as never),
    "OneToOne options",
    "weigths",
    "weights",
  );
  assertRefusesKey(
    () => new Affine(a, b, { weights: 1, biases: 1 } as never),
    "Affine options",
    "biases",
    "bias",
  );
  assertRefusesKey(
    () => new Conv2d(a, b, { ...geometry, weights: 1, outChannel: 1 } as never),
    "Conv2d options",
    "outChannel",
    "outChannels",
  );
  assertRefusesKey(
    () => new Local2d(a, b, { ...geometry, weights: 1, filter: 1 } as never),
    "Local2d options",
    "filter",
    "filters",
  );
  assertRefusesKey(
    () => new SumPool2d(a, b, { ...geometry, strides: 1 } as never),
    "SumPool2d options",
    "strides",
    "stride",
  );
  assertRefusesKey(
    () => new AvgPool2d(a, b, { ...geometry, pad: 1 } as never),
    "AvgPool2d options",
    "pad",
    "padding",
  );
  assertRefusesKey(() => new Bias(b, { bias: 1, prot: "i_nA" } as never), "Bias options", "prot", "port");
  assertRefusesKey(
    () => new RateCoupling(dexp, dexp, { weight: [] } as never),
    "RateCoupling options",
    "weight",
    "weights",
  );
  assertRefusesKey(
    () => new LateralInhibition(a, { strength: 1, groupSize: 2 } as never),
    "LateralInhibition options",
    "strength",
    "strength_mV",
  );
  const csr = { rowPtr: [0, 0, 0, 0, 0], colIdx: [], w: [] };
  assertRefusesKey(() => new Sparse(a, b, csr, { bound: {} } as never), "Sparse options", "bound", "bounds");
  assertRefusesKey(
    () => Sparse.fromTriplets(a, b, { pre: [0], post: [0], w: 1 }, { duplicate: "sum" } as never),
    "Sparse.fromTriplets options",
    "duplicate",
    "duplicates",
  );
  assertRefusesKey(
    () => Sparse.random(a, b, { p: 0.5, weight: 1, rng, allowSelfs: true } as never),
    "Sparse.random options",
    "allowSelfs",
    "allowSelf",
  );
});

test("the Sparse factories hand only the CSR options on: duplicates, p and rng are not refused there", () => {
  const a = new LIF(3, 1);
  const b = new LIF(3, 1);

  const summed = Sparse.fromTriplets(
    a,
    b,
    { pre: [0, 0], post: [1, 1], w: 0.25 },
    { duplicates: "sum", port: "i_nA" },
  );
  const random = Sparse.random(a, b, {
    p: 1,
    weight: 0.5,
    rng: createRng(2, "c"),
    bounds: { wMin: 0, wMax: 1 },
  });

  assert.deepEqual(Array.from(summed.w), [0.5]);
  assert.equal(summed.port, "i_nA");
  assert.equal(random.nnz, 9);
  assert.deepEqual(random.bounds, { wMin: 0, wMax: 1 });
  assert.throws(
    () => Sparse.fromTriplets(a, b, { pre: [0], post: [0], w: 1 }, { duplicates: "add" as never }),
    /duplicates must be "reject" or "sum", got "add"/,
  );
  assert.throws(
    () => Sparse.random(a, b, { p: 0.5, weight: 1 } as never),
    /Sparse.random needs a random generator: pass rng: createRng\(seed, "connectivity"\)/,
  );
});

test("the spiking-RNN pipeline's option objects refuse unknown keys too", async () => {
  const model = createRateRnn({ units: 10, seed: 3 });
  assertRefusesKey(() => createRateRnn({ unit: 10 } as never), "rate RNN options", "unit", "units");
  assertRefusesKey(
    () => trainRateRnn("go-nogo", { maxTrial: 5 } as never),
    "rate RNN training options",
    "maxTrial",
    "maxTrials",
  );
  assertRefusesKey(
    () => trainRateRnn("go-nogo", { model: { tau_max: 40 } } as never),
    "rate RNN training options: model",
    "tau_max",
    "tauMax_ms",
  );
  assertRefusesKey(
    () => new RateRnnTrainer(model, 10, { lr: 0.1 } as never),
    "RateRnnTrainer options",
    "lr",
    null,
  );
  assertRefusesKey(() => transferRateRnn(model, 20, { dt: 0.1 } as never), "transfer options", "dt", "dt_ms");
  await assert.rejects(
    searchScale(model, "go-nogo", { trial: 3 } as never),
    /^InvalidParameterError: scale-search options: unknown option "trial" \(did you mean trials\?\)/,
  );
  // the neuron's own parameters are checked by DoubleExpLIF
  assert.throws(() => transferRateRnn(model, 20, { neuron: { tau_m: 10 } } as never), /tau_m/);
});

test("data, readout, file and NIR entry points refuse unknown option keys too", async () => {
  const { toRates, fromIdx, parseIdx, encodeIdx } = await import("../../src/data/browser.ts");
  const { loadMnist } = await import("../../src/data/mnist.ts");
  const { parseModelManifest } = await import("../../src/io/model-codec.ts");
  const { decodeNpz, encodeNpz } = await import("../../src/io/npz.ts");
  const { assignLabels } = await import("../../src/readout/assign.ts");
  const { NgramTable } = await import("../../src/readout/ngram.ts");
  const { LogisticRegression } = await import("../../src/readout/logistic.ts");
  const { isCorrect, generateTrial, trialRng } = await import("../../src/rnn/tasks.ts");
  const { importNir, exportNir, readNirFile } = await import("../../src/io/nir/file.ts");

  assertRefusesKey(
    () => toRates([1], { intensity: 0.25 } as never),
    "toRates options",
    "intensity",
    "intensity_Hz_per_unit",
  );
  assertRefusesKey(
    () => loadMnist({ split: "test", limt: 5 } as never),
    "loadMnist options",
    "limt",
    "limit",
  );
  const images = parseIdx(encodeIdx("uint8", [1, 1, 1], [0]), "i");
  const labels = parseIdx(encodeIdx("uint8", [1], [0]), "l");
  assertRefusesKey(
    () => fromIdx(images, labels, { classes: 3 } as never),
    "fromIdx options",
    "classes",
    "numClasses",
  );
  assertRefusesKey(
    () => parseModelManifest("{}", "model.json", { expect: "lcsnn" } as never),
    "model loading options",
    "expect",
    "expectKind",
  );
  assertRefusesKey(
    () => decodeNpz(new Uint8Array(0), "x.npz", { maxUncompressed: 5 } as never),
    "decodeNpz options",
    "maxUncompressed",
    "maxUncompressedBytes",
  );
  assertRefusesKey(
    () => encodeNpz({}, { compress: "deflate" } as never),
    "encodeNpz options",
    "compress",
    "compression",
  );
  assertRefusesKey(
    () => assignLabels(new Float32Array(4), [0, 1], 2, { numNeuron: 2 } as never),
    "assignLabels options",
    "numNeuron",
    "numNeurons",
  );
  assertRefusesKey(() => new NgramTable(2, 2, { ngram: 2 } as never), "NgramTable options", "ngram", null);
  assertRefusesKey(
    () => new LogisticRegression().fit(new Float32Array(4), [0, 1], 2, { epoch: 1 } as never),
    "LogisticRegression.fit options",
    "epoch",
    "epochs",
  );
  const trial = generateTrial("go-nogo", trialRng(1, 0));
  assertRefusesKey(
    () => isCorrect("go-nogo", new Float64Array(200), trial, { dt: 0.05 } as never),
    "isCorrect options",
    "dt",
    "dt_ms",
  );
  const fixture = new URL("../fixtures/nir/lif_norse.nir", import.meta.url).pathname;
  await assert.rejects(
    importNir(fixture, { dt_s: 1e-4, rest: "subtract" } as never),
    /^InvalidParameterError: importNir options: unknown option "rest" \(did you mean reset\?\)/,
  );
  await assert.rejects(
    readNirFile(fixture, { isolated: false } as never),
    /^InvalidParameterError: readNirFile options: unknown option "isolated" \(did you mean isolate\?\)/,
  );
  const net = new Network({ dt_ms: 1 });
  net.addPopulation("a", new LIF(1, 1));
  await assert.rejects(
    exportNir(net, { methd: "euler" } as never),
    /^InvalidParameterError: exportNir options: unknown option "methd" \(did you mean method\?\)/,
  );
});

test("the remaining entry points refuse unknown keys: LabelAssigner, generateTrial, runNir, createDataset, loadMnist files", async () => {
  const { LabelAssigner } = await import("../../src/readout/assign.ts");
  const { generateTrial } = await import("../../src/rnn/tasks.ts");
  const { createDataset } = await import("../../src/data/dataset.ts");
  const { loadMnist } = await import("../../src/data/mnist.ts");
  const { runNir } = await import("../../src/io/nir/run.ts");
  const { importNir } = await import("../../src/io/nir/file.ts");

  assertRefusesKey(
    () => new LabelAssigner(4, 2, { alpa: 1 } as never),
    "LabelAssigner options",
    "alpa",
    "alpha",
  );
  assertRefusesKey(
    () => generateTrial("go-nogo", createRng(1, "t"), { Go: true } as never),
    "generateTrial overrides",
    "Go",
    "go",
  );
  assertRefusesKey(
    () =>
      createDataset({
        images: new Uint8Array(1),
        labels: new Uint8Array(1),
        rows: 1,
        cols: 1,
        numClasses: 2,
        cuont: 1,
      } as never),
    "createDataset",
    "cuont",
    null,
  );
  assertRefusesKey(
    () => loadMnist({ split: "test", files: { image: "a", labels: "b" } } as never),
    "loadMnist files",
    "image",
    "images",
  );
  assert.throws(
    () => loadMnist({ split: "test", files: { images: "", labels: "b" } }),
    /^InvalidParameterError: files\.images must name the images file in .*, got ""/,
  );
  const fixture = new URL("../fixtures/nir/lif_norse.nir", import.meta.url).pathname;
  const imp = await importNir(fixture, { dt_s: 1e-4 });
  const input = { data: new Float32Array(3), steps: 3 };
  assertRefusesKey(() => runNir(imp, { input }, { step: 2 } as never), "runNir options", "step", "steps");
  assertRefusesKey(
    () => runNir(imp, { input: { ...input, knd: "spikes" } as never }),
    'runNir input "input"',
    "knd",
    "kind",
  );
});

test("an option given as undefined takes its default, as one left out does", async () => {
  const { LIF } = await import("../../src/neurons/lif.ts");
  // (TypeScript's exactOptionalPropertyTypes refuses an explicit undefined; plain JavaScript and a spread of
  // another object's optional fields pass one)
  const lif = new LIF(1, 0.1, { tauMem_ms: undefined } as never);
  assert.equal(lif.params.tauMem_ms, new LIF(1, 0.1).params.tauMem_ms);
  assert.deepEqual(withDefaults("X params", { a: 1, b: 2 }, { a: undefined, b: 3 } as never), { a: 1, b: 3 });
  // an unknown key is refused even when undefined
  assert.throws(
    () => withDefaults("X params", { a: 1 }, { c: undefined } as never),
    /X params: unknown option "c"/,
  );
});
