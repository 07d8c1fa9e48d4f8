/**
 * Scaling-factor search: the reference grid, parsing, the argmax rule, per-trial seeding (identical results for
 * 1 and 2 workers and for any chunking), progress, and errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError } from "../../src/core/errors.ts";
import { setLogLevel } from "../../src/core/log.ts";
import { searchScaleParallel, searchThreads } from "../../src/parallel/scale-search-pool.ts";
import { createRateRnn } from "../../src/rnn/rate-rnn.ts";
import {
  DEFAULT_SCALES,
  NON_FINITE_TRIAL,
  evaluateScaleTrials,
  parseScales,
  pickBestScale,
  scaleJobs,
  searchScale,
} from "../../src/rnn/scale-search.ts";

test("the default grid is the reference's s = 20:5:75 (12 values); parseScales reads ranges and lists", () => {
  assert.deepEqual(DEFAULT_SCALES, [20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75]);
  assert.deepEqual(parseScales("20:75:5"), DEFAULT_SCALES);
  // spaces around the commas and colons are fine, around the whole value not (as for every CLI number)
  assert.deepEqual(parseScales("20 : 30 : 5"), [20, 25, 30]);
  assert.deepEqual(parseScales("20, 40"), [20, 40]);
  for (const spaced of [" 20", "20 ", " 20,30", "20:30:5 "]) {
    assert.throws(() => parseScales(spaced), /without spaces before or after/, JSON.stringify(spaced));
  }
  assert.deepEqual(parseScales("0.1:0.3:0.1"), [0.1, 0.2, 0.3]);
  assert.deepEqual(parseScales("20, 40,55"), [20, 40, 55]);
  // spaces around separators are allowed (README), inside a number they are not
  assert.deepEqual(parseScales("20 ,40"), [20, 40]);
  assert.deepEqual(parseScales("20 : 30 : 5"), [20, 25, 30]);
  // decimal notation only: Number() alone reads "0x14" as 20 and "" as 0
  for (const bad of ["20:75", "a,b", "0,10", "0x14:75:5", "20,0x19", "20,,25", "0b101"]) {
    assert.throws(() => parseScales(bad), /start:end:step \(e\.g\. 20:75:5\) or a comma list/, bad);
  }
  // a reversed range and a step that is not > 0 are said as such
  assert.throws(
    () => parseScales("75:20:5"),
    /^InvalidParameterError: scales "75:20:5": the start 75 is above the end 20; write start:end:step with start <= end \(e\.g\. 20:75:5\)$/,
  );
  for (const [bad, step] of [
    ["20:75:0", "0"],
    ["20:75:-5", "-5"],
  ]) {
    assert.throws(
      () => parseScales(bad),
      new RegExp(`^InvalidParameterError: scales "${bad}": the step ${step} must be > 0$`),
    );
  }
  // a range of 10^18 values is refused by count, not by a raw "Invalid array length"
  assert.throws(() => parseScales("20:1e9:1e-9"), /spans \d+ values; a search takes at most 1000/);
  assert.equal(parseScales("1:1000:1").length, 1000);
});

test("pickBestScale takes the highest accuracy and the first scale on ties", () => {
  assert.deepEqual(pickBestScale([20, 25, 30], [0.5, 0.9, 0.9]), { scale: 25, accuracy: 0.9, index: 1 });
  assert.deepEqual(pickBestScale([20], [0]), { scale: 20, accuracy: 0, index: 0 });
  assert.throws(() => pickBestScale([20, 25], [1]), InvalidParameterError);
});

test("scaleJobs covers every (s, trial) once, in chunks", () => {
  const jobs = scaleJobs([20, 30], 25, 10);

  assert.deepEqual(
    jobs.map((j) => [j.scale, j.start, j.end]),
    [
      [20, 0, 10],
      [20, 10, 20],
      [20, 20, 25],
      [30, 0, 10],
      [30, 10, 20],
      [30, 20, 25],
    ],
  );
});

test("per-trial streams: the same correctness for 1 and 2 workers and for chunk sizes 1 and 3", async () => {
  const model = createRateRnn({ units: 24, seed: 4, inputs: 1 });
  const common = { scales: [20, 45], trials: 5, seed: 9 };
  const progress: number[] = [];

  const one = await searchScale(model, "go-nogo", { ...common, chunk: 1 }, undefined, (p) =>
    progress.push(p.done),
  );
  const two = await searchScaleParallel(model, "go-nogo", { ...common, chunk: 3, workers: 2 });

  assert.deepEqual(two.correct, one.correct);
  // the per-trial time is the trials' computation, measured where they run: at most the wall time per trial
  // times the threads (the pool's wall time also holds starting the workers)
  assert.ok(one.trial_s > 0 && one.trial_s <= one.wall_s / 10, `${one.trial_s} ${one.wall_s}`);
  assert.ok(two.trial_s > 0 && two.trial_s <= (2 * two.wall_s) / 10, `${two.trial_s} ${two.wall_s}`);
  assert.deepEqual(two.accuracy, one.accuracy);
  assert.deepEqual(two.best, one.best);
  assert.deepEqual(progress, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const direct = evaluateScaleTrials(
    model,
    "go-nogo",
    { scale: 45, start: 2, end: 4, stream: "lif-search" },
    9,
  );
  assert.deepEqual(Array.from(direct), one.correct[1].slice(2, 4));
});

test("search errors: empty or repeated grids, a model with the wrong number of inputs", async () => {
  const model = createRateRnn({ units: 8, inputs: 1, seed: 1 });

  await assert.rejects(searchScale(model, "go-nogo", { scales: [] }), /at least one scaling factor/);
  await assert.rejects(searchScale(model, "go-nogo", { scales: [20, 20] }), /must not repeat/);
  await assert.rejects(searchScale(model, "xor", { trials: 1 }), /the model has 1 inputs but xor has 2/);
  await assert.rejects(searchScale(model, "go-nogo", { scales: [-1] }), /scales\[0\] must be > 0/);
});

test("workers must be an integer >= 1: 0, 2.5, -1 and NaN are refused before any thread starts", async () => {
  const model = createRateRnn({ units: 8, inputs: 1, seed: 1 });

  for (const workers of [0, 2.5, -1, NaN]) {
    assert.throws(
      () => searchThreads({ workers }),
      (e: unknown) =>
        e instanceof InvalidParameterError && e.message === `workers must be an integer >= 1, got ${workers}`,
    );
    await assert.rejects(
      searchScaleParallel(model, "go-nogo", { scales: [20], trials: 1, workers }),
      new RegExp(`workers must be an integer >= 1, got ${workers}`),
    );
  }
  assert.equal(
    searchThreads({ workers: 3, scales: [20], trials: 2, chunk: 1 }),
    2,
    "one thread per job at most",
  );
});

test("evaluateScaleTrials (the workers' kernel) refuses a model whose inputs do not fit the task", () => {
  const model = createRateRnn({ units: 8, inputs: 1, seed: 1 });

  assert.throws(
    () => evaluateScaleTrials(model, "mante", { scale: 20, start: 0, end: 1, stream: "s" }, 1),
    /the model has 1 inputs but mante has 4/,
  );
});

test("a trial whose spiking output is not finite refuses the search, naming s and the trial, for any workers", async () => {
  const model = createRateRnn({ units: 6, seed: 1, inputs: 1 });
  // the readout of the LIF network at s = 0.01 is 100 x 1e306 per unit and Hz: beyond float64
  model.wOut.fill(1e306);
  const job = { scale: 0.01, start: 0, end: 2, stream: "lif-search" };
  assert.deepEqual(Array.from(evaluateScaleTrials(model, "go-nogo", job, 3)), [
    NON_FINITE_TRIAL,
    NON_FINITE_TRIAL,
  ]);
  const message =
    /^DivergenceError: the spiking network's output at s = 0\.01 is not a finite number in trial 0 \("lif-search" trials\): the model's weights, divided by s, overflow the LIF network \(a larger s divides them more; a trained model does not do this unless its files were edited or damaged\)$/;
  for (const workers of [1, 2]) {
    await assert.rejects(
      searchScaleParallel(model, "go-nogo", { scales: [20, 0.01], trials: 3, seed: 3, workers }),
      message,
      `workers ${workers}`,
    );
  }
  // the same model at s = 20 stays finite and is scored as usual
  const fine = await searchScale(model, "go-nogo", { scales: [20], trials: 3, seed: 3 });
  assert.ok(fine.correct[0].every((flag) => flag === 0 || flag === 1));
});

test("a warning raised in the search's worker threads is printed once, by the calling thread", async () => {
  const model = createRateRnn({ units: 8, seed: 2, inputs: 1 });
  const printed: string[] = [];
  const error = console.error;
  console.error = (...args: unknown[]) => void printed.push(args.join(" "));
  setLogLevel("warn");
  try {
    // tauRise 0.01 ms is shorter than the step 0.05 ms: every job's network warns about it
    const transfer = { neuron: { tauRise_ms: 0.01 } };
    await searchScaleParallel(model, "go-nogo", {
      scales: [20, 25],
      trials: 2,
      chunk: 1,
      transfer,
      workers: 2,
    });
  } finally {
    console.error = error;
    setLogLevel("silent");
  }
  const warned = printed.filter((line) => line.includes("[time-constant-below-dt]: tauRise_ms = 0.01 ms"));
  assert.equal(warned.length, 1, printed.join("\n"));
});

test("pickBestScale never picks a NaN accuracy", () => {
  assert.deepEqual(pickBestScale([20, 25], [Number.NaN, 0.5]), { scale: 25, accuracy: 0.5, index: 1 });
  assert.deepEqual(pickBestScale([20, 25, 30], [0.4, Number.NaN, 0.4]), {
    scale: 20,
    accuracy: 0.4,
    index: 0,
  });
});
