/**
 * HeldCurrentDrive: the zero-order hold of a coarse-grid input (both alignments), the current W u it adds, its
 * step coverage (T + 1 rows for T intervals with the reference's rounding), and shape errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ShapeMismatchError } from "../../src/core/errors.ts";
import { HeldCurrentDrive } from "../../src/network/current-drive.ts";
import { Network } from "../../src/network/network.ts";
import { DoubleExpLIF } from "../../src/neurons/double-exp-lif.ts";

test('align "round" reproduces the reference index round(i / 100) + 1 (1-based i = k + 1)', () => {
  const u = Float64Array.from({ length: 201 }, (_, t) => t);
  const drive = new HeldCurrentDrive([1], 1, 1, u, { holdSteps: 100, align: "round" });

  for (const k of [0, 1, 48, 49, 50, 148, 149, 19_948, 19_949, 19_999, 20_048]) {
    const matlab = Math.round((k + 1) / 100) + 1; // MATLAB column, 1-based
    assert.equal(drive.rowAt(k), matlab - 1, `step ${k}`);
  }
  // 2 (k + 1) + 100 < 2 * 100 * 201 <=> k <= 20 048: 201 rows cover 20 049 steps (a 20 000-step trial fits)
  assert.equal(drive.steps, 20_049);
});

test('align "floor" holds row t on steps [t h, (t + 1) h)', () => {
  const drive = new HeldCurrentDrive([1], 1, 1, new Float64Array(3), { holdSteps: 4 });

  assert.deepEqual(
    Array.from({ length: 12 }, (_, k) => drive.rowAt(k)),
    [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2],
  );
  assert.equal(drive.steps, 12);
});

test("the current added to the port is W u of the held row, for every neuron (W: size x channels, row-major)", () => {
  const w = [1, 2, -1, 0.5, 0, 3]; // 3 neurons x 2 channels
  const u = [0, 0, 1, -2, 0.5, 0.25]; // 3 rows x 2 channels; row 0 is all zero
  const net = new Network({ dt_ms: 0.05 });
  const pop = net.addPopulation(
    "p",
    new DoubleExpLIF(3, 0.05, { noiseSd_mV: 0, vInit: -65, vThreshold_mV: 1e3 }),
  );
  const drive = new HeldCurrentDrive(w, 3, 2, u, { holdSteps: 2 });
  const port = pop.port("i_nA");
  const seen: number[][] = [];
  const spy = {
    steps: drive.steps,
    apply: (s: number, p: typeof pop) => (drive.apply(s, p), seen.push(Array.from(port))),
  };

  net.run({ p: spy }, 6);

  const row1 = [1 * 1 + 2 * -2, -1 * 1 + 0.5 * -2, 0 * 1 + 3 * -2];
  const row2 = [1 * 0.5 + 2 * 0.25, -1 * 0.5 + 0.5 * 0.25, 0 * 0.5 + 3 * 0.25];
  assert.deepEqual(seen, [[0, 0, 0], [0, 0, 0], row1, row1, row2, row2]);
});

test("shape errors name both sizes", () => {
  assert.throws(
    () => new HeldCurrentDrive([1, 2, 3], 2, 2, [0, 0], { holdSteps: 1 }),
    (e: unknown) =>
      e instanceof ShapeMismatchError && /3 values; 2 neurons x 2 channels need 4/.test(e.message),
  );
  assert.throws(
    () => new HeldCurrentDrive([1, 2], 1, 2, [0, 0, 0], { holdSteps: 1 }),
    /not a positive multiple of 2/,
  );
  const drive = new HeldCurrentDrive([1], 1, 1, [1], { holdSteps: 1 });
  assert.throws(
    () => drive.apply(0, new DoubleExpLIF(2, 0.05)),
    /built for 1 neurons but drives a population of 2/,
  );
});

test("weights, samples and held currents beyond float32 are refused at construction, naming them", () => {
  const beyond = (name: string, value: string): RegExp =>
    new RegExp(
      `^InvalidParameterError: ${name.replace(/[[\]]/g, "\\$&")} = ${value.replace("+", "\\+")} is beyond the ` +
        `float32 range \\(magnitude up to 3\\.4028234663852886e\\+38\\) of the state it scales or adds into, ` +
        `where the result would become Infinity; rescale it$`,
    );
  assert.throws(
    () => new HeldCurrentDrive([1e39, 1], 2, 1, [1], { holdSteps: 3 }),
    beyond("input weights[0]", "1e+39"),
  );
  assert.throws(
    () => new HeldCurrentDrive([1, 1], 2, 1, [0, 1e39], { holdSteps: 3 }),
    beyond("u[1]", "1e+39"),
  );
  // each factor fits float32, their product does not
  assert.throws(
    () => new HeldCurrentDrive([1, 1e20], 2, 1, [0, 1e20], { holdSteps: 3 }),
    /^InvalidParameterError: HeldCurrentDrive: the held current W u of neuron 1 at row 1 of u is 1e\+40, beyond the float32 range \(magnitude up to 3\.4028234663852886e\+38\) of the current it is held in; rescale weights or u$/,
  );
  // the same drive with a product inside float32 builds and holds it
  const ok = new HeldCurrentDrive([1, 1e19], 2, 1, [0, 1e19], { holdSteps: 1 });
  const pop = new DoubleExpLIF(2, 0.05);
  ok.apply(1, pop);
  assert.equal(pop.port("i_nA")[1], Math.fround(1e38));
});
