/**
 * A time constant shorter than the step (almost always a time given in seconds where spikeflow takes ms) is
 * warned about (once per message: name, value and dt), with the value to write instead; values at or above
 * the step are not.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { captureLogs } from "../../src/core/log.ts";
import { SHORT_TIME_CONSTANT } from "../../src/core/time.ts";
import { AdaptiveLIF } from "../../src/neurons/adaptive-lif.ts";
import { CubaLIF } from "../../src/neurons/cuba-lif.ts";
import { DoubleExpLIF } from "../../src/neurons/double-exp-lif.ts";
import { LI } from "../../src/neurons/li.ts";
import { LIF } from "../../src/neurons/lif.ts";
import { SpikeTrace } from "../../src/plasticity/trace.ts";
import { postPre } from "../../src/plasticity/stdp.ts";
import { Dense } from "../../src/projections/dense.ts";
import { Input } from "../../src/neurons/input.ts";
import { latency } from "../../src/encoding/latency.ts";
import { nirToNetwork } from "../../src/io/nir/import.ts";
import { graph, lif, readFixture, t } from "../io/nir-helpers.ts";

/** The messages of the short-time-constant warnings that `build` logs. */
function warnings(build: () => unknown): string[] {
  return captureLogs(() => void build())
    .filter((r) => r.id === SHORT_TIME_CONSTANT && r.level === "warn")
    .map((r) => r.message);
}

test("a Brian2-style tau in seconds (tauMem_ms: 0.02 at dt 0.1 ms) is warned about with the ms value", () => {
  assert.deepEqual(
    warnings(() => new LIF(3, 0.1, { tauMem_ms: 0.02 })),
    [
      "tauMem_ms = 0.02 ms is shorter than the step dt = 0.1 ms, so the state keeps e^-5 of itself per step. " +
        "Times are in ms here: if 0.02 is in seconds (Brian2's units), write 20; if it is meant, " +
        'muteWarning("time-constant-below-dt") silences this',
    ],
  );
  // at or above the step: nothing
  assert.deepEqual(
    warnings(() => new LIF(3, 0.1, { tauMem_ms: 0.1 })),
    [],
  );
  assert.deepEqual(
    warnings(() => new LIF(3, 0.1, { tauMem_ms: 20 })),
    [],
  );
});

test("every model's time constants are checked, each by its own name", () => {
  const named = (build: () => unknown) => warnings(build).map((m) => m.slice(0, m.indexOf(" = ")));
  assert.deepEqual(
    named(() => new AdaptiveLIF(2, 1, { tauMem_ms: 100, tauTheta_ms: 0.5 })),
    ["tauTheta_ms"],
  );
  assert.deepEqual(
    named(
      () =>
        new CubaLIF(2, 0.5, {
          synapses: [
            { port: "exc", tauSyn_ms: 5 },
            { port: "inh", tauSyn_ms: 0.01 },
          ],
        }),
    ),
    ["synapses[1].tauSyn_ms"],
  );
  assert.deepEqual(
    named(() => new LI(2, 1, { tauMem_ms: 0.03 })),
    ["tauMem_ms"],
  );
  assert.deepEqual(
    named(
      () =>
        new DoubleExpLIF(3, 0.05, {
          integration: "exact",
          tauMem_ms: 0.01,
          tauRise_ms: 0.002,
          tauDecay_ms: [20, 0.03, 35],
        }),
    ),
    ["tauMem_ms", "tauRise_ms", "the shortest tauDecay_ms"],
  );
  assert.deepEqual(
    named(() => new SpikeTrace(new LIF(2, 1), 1, { tau_ms: 0.02 })),
    ["trace tau_ms"],
  );
  // an STDP rule's traces by their option names
  assert.deepEqual(
    named(() =>
      postPre(
        new Dense(new Input(2), new LIF(2, 1), { weights: [1, 1, 1, 1], bounds: { wMin: 0, wMax: 1 } }),
        1,
        {
          preTrace: { tau_ms: 0.04 },
          postTrace: { tau_ms: 0.05 },
        },
      ),
    ),
    ["preTrace tau_ms", "postTrace tau_ms"],
  );
  // the latency encoder's charging constant (shorter than a step, every spike falls in step 0)
  assert.deepEqual(
    named(() => latency([0.5, 1], { steps: 20, dt_ms: 1, tau_ms: 0.06 })),
    ["latency tau_ms"],
  );
  // its default (the window / 5) is not the caller's, so a short window is not warned about
  assert.deepEqual(
    named(() => latency([0.5, 1], { steps: 4, dt_ms: 1 })),
    [],
  );
});

test("the NIR importer does not warn: the file's seconds are converted, and Euler's equivalent tau may be below dt", () => {
  for (const method of ["euler", "exact"] as const) {
    for (const tau of [1e-3, 1 / 900, 2e-5]) {
      if (method === "euler" && tau < 1e-3) continue; // Euler refuses dt > tau
      const g = graph(
        {
          input: { type: "Input", shape: [1] },
          w: { type: "Linear", weight: t([1, 1], [1]) },
          n: lif(1, { tau }),
        } as never,
        [
          ["input", "w"],
          ["w", "n"],
        ],
      );
      assert.deepEqual(
        warnings(() => nirToNetwork(g, { dt_s: 1e-3, method })),
        [],
        `${method}, tau ${tau} s`,
      );
    }
  }
});

test("the same warning is printed once, however many populations repeat the slip", () => {
  const messages = warnings(() => {
    for (let k = 0; k < 5; k++) new LIF(2, 0.25, { tauMem_ms: 0.015 });
  });
  assert.equal(messages.length, 1);
});

test("a NIR node that Euler cannot step is refused in the file's terms (seconds, dt_s), without the seconds-for-ms advice", async () => {
  const { doc } = await readFixture("braille_noDelay_bias_zero");
  assert.throws(
    () => nirToNetwork(doc, { dt_s: 1e-3, method: "euler" }),
    (e: unknown) =>
      e instanceof Error &&
      /node "lif1\.lif" \(CubaLIF\): tau_syn = .* s is shorter than dt = 0\.001 s: forward Euler would be unstable/.test(
        e.message,
      ) &&
      !/seconds|Brian2/.test(e.message),
  );
});
