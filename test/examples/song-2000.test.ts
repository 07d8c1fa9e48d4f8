/**
 * The Song, Miller & Abbott (2000) example (examples/from-papers/song-2000): the text build (Equations +
 * SynapseEquations) and the built ones (Dense + Stdp on the text neuron or on CobaLIF) on the same seeded
 * input. Frozen, the text build and the text neuron with Dense deliver the same spikes to the bit; learning,
 * the weights stay in [0, gmax], spread towards both bounds, and the output rate falls; and with fast
 * learning the order of "ge += w" and the pre spike's own weight change (Brian2's in the text, after the
 * change in Stdp) sets the output rate (README.md in the example's folder, "Text against built-in").
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  SONG_DEFAULTS,
  buildSong,
  initialWeights,
  runSong,
  weightStats,
} from "../../examples/from-papers/song-2000/model.ts";
import { withExample } from "../helpers/example.ts";

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test("frozen, the text build and the text neuron with Dense give the same output spikes and weights", () => {
  const text = buildSong("text", 4);
  const mixed = buildSong("mixed", 4);
  text.net.learning = false;
  mixed.net.learning = false;

  const a = runSong(text, 4, 3);
  const b = runSong(mixed, 4, 3);

  assert.ok(a.spikeSteps.length > 30, `the neuron fires (${a.spikeSteps.length} spikes)`);
  assert.deepEqual(b.spikeSteps, a.spikeSteps);
  assert.deepEqual([...text.w], [...initialWeights(4, SONG_DEFAULTS)]);
  assert.deepEqual([...mixed.w], [...text.w]);
});

test("learning for 20 s: weights stay in [0, gmax], move towards both bounds, and the output rate falls", () => {
  const gMax = SONG_DEFAULTS.gMax;
  const start = weightStats(initialWeights(1, SONG_DEFAULTS), gMax);
  for (const variant of ["text", "builtin"] as const) {
    const model = buildSong(variant, 1);

    const r = runSong(model, 1, 20);

    const w = [...model.w];
    assert.ok(
      w.every((x) => x >= 0 && x <= gMax),
      `${variant}: weights in [0, ${gMax}]: ${Math.min(...w)}..${Math.max(...w)}`,
    );
    assert.ok(
      w.some((x) => x === 0) && w.some((x) => x === Math.fround(gMax)),
      `${variant}: both bounds reached`,
    );
    assert.ok(
      r.nearZero > start.nearZero + 0.02 && r.nearMax > start.nearMax + 0.02,
      `${variant}: below 0.1 gmax ${start.nearZero} -> ${r.nearZero}, above 0.9 gmax ${start.nearMax} -> ${r.nearMax}`,
    );
    const late = mean(r.rate_Hz.slice(10));
    assert.ok(
      r.rate_Hz[0] > 1.3 * late,
      `${variant}: ${r.rate_Hz[0]} Hz in second 1, ${late} Hz in seconds 11-20`,
    );
  }
});

test("with A+ = 0.1 gmax, Brian2's order (the text) fires far faster than Stdp's (weight changed first)", () => {
  // Brian2 2.5.1 with these parameters: 47-67 Hz in second 1, 53-68 Hz over seconds 11-20 (three seeds)
  const late = (variant: "text" | "mixed") => {
    const r = runSong(buildSong(variant, 2, { aPlus: 0.1 }), 2, 20);
    return mean(r.rate_Hz.slice(10));
  };

  const text = late("text");
  const mixed = late("mixed");

  assert.ok(text > 40, `text: ${text} Hz`);
  assert.ok(mixed < 25, `text neuron + Stdp: ${mixed} Hz`);
});

test("the script runs the three builds, compares them, writes its files and refuses bad options", () => {
  withExample("from-papers/song-2000/network.ts", "sf-song-", (run, dir) => {
    const ok = run("--seed", "1", "--seconds", "2", "--out", join(dir, "out"));
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /\(a\) text: Equations \+ SynapseEquations\n {2}second 1: output \d+ Hz/);
    assert.match(ok.stdout, /\(b\) built-in: CobaLIF \+ Dense \+ Stdp/);
    assert.match(ok.stdout, /text vs builtin: .*weights differ/);
    assert.match(ok.stdout, /text vs mixed: .*weights differ/);
    for (const f of ["summary.json", "weights.svg"]) assert.ok(existsSync(join(dir, "out", f)), f);
    const summary = JSON.parse(readFileSync(join(dir, "out", "summary.json"), "utf8")) as {
      runs: Record<string, { rate_Hz: number[]; histogram: number[] }>;
    };
    assert.deepEqual(Object.keys(summary.runs), ["text", "builtin", "mixed"]);
    for (const r of Object.values(summary.runs)) {
      assert.equal(r.rate_Hz.length, 2);
      assert.equal(
        r.histogram.reduce((a, b) => a + b, 0),
        1000,
      );
    }

    const bad = run("--rate", "0");
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--rate must be an integer in \[1, 100\]/);
  });
});
