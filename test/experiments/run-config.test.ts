/**
 * config.json of a run directory (src/experiments/run-config.ts): the files `train` writes parse back; named
 * errors for unknown fields, wrong types, missing protocol fields and oversized models; and a seeded fuzz of
 * 1,200 damaged variants per model kind, each ending in a FormatError (or another typed error from the model
 * builder) or a model that builds, never an untyped exception or a huge allocation.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FormatError, InvalidParameterError, NotFoundError, SpikeflowError } from "../../src/core/errors.ts";
import { createRng, type Rng } from "../../src/core/rng.ts";
import { MAX_CONFIG_WEIGHTS, configWeightCount, parseRunConfig } from "../../src/experiments/run-config.ts";
import { bestOf, readRunConfig } from "../../src/experiments/run.ts";
import { PROTOCOL_DEFAULTS } from "../../src/experiments/unsupervised.ts";
import { buildModel } from "../../src/models/index.ts";
import { largestAllocation } from "../io/helpers.ts";

/** What `train` writes: the model's resolved config, the protocol and the worker count. */
function writtenConfig(kind: "lcsnn" | "diehl-cook-2015", config: Record<string, unknown>): string {
  const model = buildModel(kind, config);
  return JSON.stringify(
    {
      kind,
      config: model.config,
      protocol: { ...PROTOCOL_DEFAULTS, trainCount: 500, testCount: 100 },
      workers: 2,
    },
    null,
    2,
  );
}

const SMALL = {
  lcsnn: writtenConfig("lcsnn", { filters: 4 }),
  "diehl-cook-2015": writtenConfig("diehl-cook-2015", { neurons: 10 }),
} as const;

test("the config files train writes parse back to the same kind, config and protocol", () => {
  for (const [kind, text] of Object.entries(SMALL)) {
    const parsed = parseRunConfig(text, "run/config.json");
    const raw = JSON.parse(text) as { config: unknown; protocol: unknown };
    assert.equal(parsed.kind, kind);
    assert.deepEqual(parsed.config, raw.config);
    assert.deepEqual(parsed.protocol, raw.protocol);
    assert.equal(parsed.workers, 2);
    assert.equal(parsed.checkpointEvery, undefined);
  }
  // --checkpoint-every is recorded, so that --resume keeps writing checkpoints
  const every = JSON.stringify({ ...JSON.parse(SMALL.lcsnn), checkpointEvery: 500 });
  assert.equal(parseRunConfig(every, "run/config.json").checkpointEvery, 500);
});

test("damaged config files give FormatErrors that name the file and the field", () => {
  const base = JSON.parse(SMALL.lcsnn) as Record<string, Record<string, unknown>>;
  const edit = (f: (c: typeof base) => void): string => {
    const c = structuredClone(base);
    f(c);
    return JSON.stringify(c);
  };
  const cases: Array<[string, RegExp]> = [
    ["{", /not valid JSON/],
    ["[]", /top level must be an object/],
    [edit((c) => (c.kind = "lcsn" as never)), /kind must be "lcsnn" or "diehl-cook-2015", got "lcsn"/],
    [edit((c) => (c.config.filterz = 3)), /config\.filterz is not a lcsnn field/],
    [edit((c) => (c.config.filters = "100")), /config\.filters must be a finite number, got "100"/],
    [
      edit((c) => ((c.config.neuron as Record<string, unknown>).tauMem = 3)),
      /config\.neuron\.tauMem is not a parameter/,
    ],
    [
      edit((c) => (c.config.filters = 100000)),
      new RegExp(`needs 129600000 weights, more than the ${MAX_CONFIG_WEIGHTS}`),
    ],
    // a kernel or crop without locations is said as such, not as a weight count of negative locations
    [
      edit((c) => (c.config.kernel = 100)),
      /: config\.kernel 100 does not fit the 20x20 input \(28 - 2 x crop_px 4\); use kernel <= 20 or a smaller crop_px; the run directory is damaged/,
    ],
    [
      edit((c) => (c.config.crop_px = 1e9)),
      /: config\.crop_px 1000000000 leaves no input of the 28x28 image; use crop_px below 14; /,
    ],
    [edit((c) => delete c.protocol.testCount), /protocol\.testCount is missing/],
    // the seeds --seed takes (train writes no other), and the one the model was built with
    [
      edit((c) => (c.protocol.seed = -1)),
      /: protocol\.seed must be an integer in \[0, 9007199254740991\], got -1; /,
    ],
    [
      edit((c) => (c.protocol.seed = 5)),
      /: protocol\.seed 5 differs from config\.seed 0; a run builds its model with the protocol's seed, so the two are equal in every config\.json train writes; /,
    ],
    [edit((c) => (c.protocol.lrDecay = 0)), /protocol\.lrDecay must be a number in \(0, 1\], got 0/],
    [
      edit((c) => (c.protocol.trainCount = 1e12)),
      /protocol\.trainCount must be an integer in \[1, 10000000\]/,
    ],
    [edit((c) => (c.protocol.retry = { minSpikes: 5 })), /protocol\.retry\.maxRetries is missing/],
    [edit((c) => (c.protocol.extra = 1)), /protocol\.extra is not a known field/],
    [edit((c) => (c.protocol.logreg = "yes" as never)), /protocol\.logreg must be true or false/],
    [
      edit((c) => (c.checkpointEvery = 300 as never)),
      /checkpointEvery 300 must be a multiple of protocol\.updateInterval 250/,
    ],
    [
      edit((c) => (c.checkpointEvery = 0 as never)),
      /checkpointEvery must be an integer in \[1, 10000000\], got 0/,
    ],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(
      () => parseRunConfig(text, "runs/x/config.json"),
      (e: unknown) => {
        assert.ok(e instanceof FormatError, `FormatError for ${text.slice(0, 60)}, got ${String(e)}`);
        assert.ok(e.message.startsWith("runs/x/config.json: "), e.message);
        assert.match(e.message, pattern);
        return true;
      },
    );
  }
});

test("configWeightCount: a geometry without locations is an InvalidParameterError naming the field, not a count", () => {
  assert.equal(configWeightCount("lcsnn", { filters: 100, kernel: 12, stride: 4, crop_px: 4 }), 129600);
  assert.throws(
    () => configWeightCount("lcsnn", { filters: 100, kernel: 100, stride: 2, crop_px: 4 }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message ===
        "kernel 100 does not fit the 20x20 input (28 - 2 x crop_px 4); use kernel <= 20 or a smaller crop_px",
  );
  assert.throws(
    () => configWeightCount("lcsnn", { filters: 100, kernel: 12, stride: 4, crop_px: 1e9 }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message === "crop_px 1000000000 leaves no input of the 28x28 image; use crop_px below 14",
  );
  assert.equal(configWeightCount("diehl-cook-2015", { neurons: 10 }), 7840);
});

test("readRunConfig: a missing file is a NotFoundError, a damaged one a FormatError naming its path", () => {
  const dir = mkdtempSync(join(tmpdir(), "spikeflow-config-"));
  try {
    assert.throws(
      () => readRunConfig(dir),
      (e: unknown) => e instanceof NotFoundError && /config\.json does not exist/.test(String(e)),
    );
    writeFileSync(join(dir, "config.json"), SMALL.lcsnn.slice(0, 40));
    assert.throws(
      () => readRunConfig(dir),
      (e: unknown) => e instanceof FormatError && e.message.startsWith(join(dir, "config.json")),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const ODD_VALUES = [
  "0",
  "-1",
  "1e9",
  "2147483648",
  "1e300",
  "0.5",
  "3",
  "1e6",
  '"x"',
  "null",
  "true",
  "[]",
  "{}",
];

function variantsOf(text: string, rng: Rng, count: number): string[] {
  const bytes = new TextEncoder().encode(text);
  const decode = (b: Uint8Array): string => new TextDecoder().decode(b);
  const out: string[] = [];
  for (let n = 0; n < bytes.length && out.length < count / 4; n += 1 + rng.int(8))
    out.push(decode(bytes.slice(0, n)));
  const numbers = [...text.matchAll(/-?\d+(\.\d+)?(e-?\d+)?/g)];
  while (out.length < count) {
    const kind = rng.int(3);
    if (kind === 0) {
      const v = bytes.slice();
      for (let f = 1 + rng.int(3); f > 0; f--) v[rng.int(v.length)] ^= 1 << rng.int(8);
      out.push(decode(v));
    } else if (kind === 1) {
      // one number replaced by an odd or oversized value
      const m = numbers[rng.int(numbers.length)];
      const at = m.index ?? 0;
      out.push(text.slice(0, at) + ODD_VALUES[rng.int(ODD_VALUES.length)] + text.slice(at + m[0].length));
    } else {
      out.push(text + "x".repeat(1 + rng.int(8)));
    }
  }
  return out;
}

test("config fuzz: 1,200 damaged variants per model kind end in a typed error or a model that builds", () => {
  for (const [kind, text] of Object.entries(SMALL)) {
    const rng = createRng(31, "config-fuzz", kind);
    let errors = 0;
    let built = 0;
    const variants = variantsOf(text, rng, 1200);
    variants.forEach((v, k) => {
      const biggest = largestAllocation(() => {
        try {
          const parsed = parseRunConfig(v, "config.json");
          const model = buildModel(parsed.kind, { ...parsed.config, seed: parsed.protocol.seed });
          assert.ok(model.output.size > 0);
          built++;
        } catch (e) {
          if (!(e instanceof SpikeflowError)) assert.fail(`${kind} variant ${k}: untyped ${String(e)}\n${v}`);
          errors++;
        }
      });
      assert.ok(biggest <= 4 * MAX_CONFIG_WEIGHTS, `${kind} variant ${k}: allocated ${biggest} bytes`);
    });
    assert.equal(variants.length, 1200);
    assert.ok(errors > 600, `${kind}: most variants are rejected (${errors})`);
    assert.ok(built > 20, `${kind}: harmless changes still build (${built})`);
  }
});

test("the best readout is the first with the highest accuracy, 0 % included; none only without any", () => {
  assert.deepEqual(bestOf({ ngram: 0.5, proportion: 0.7, all: 0.7 } as never), ["proportion", 0.7]);
  assert.deepEqual(bestOf({ ngram: 0, proportion: 0, all: 0 } as never), ["ngram", 0]);
  assert.deepEqual(bestOf({ ngram: undefined, logreg: 0 } as never), ["logreg", 0]);
  assert.deepEqual(bestOf({} as never), ["none", 0]);
});
