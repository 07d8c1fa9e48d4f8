// The progress lines of `spikeflow train` (src/cli/progress.ts) on a fake clock: what they say, not how fast.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeProgress } from "../../src/cli/progress.ts";

test("a resumed run's rate and ETA count only the images trained in this process", () => {
  const lines: string[] = [];
  let now_ms = 0;
  const progress = makeProgress({
    quiet: false,
    every: 1000,
    from: { train: 3000 },
    now: () => now_ms,
    write: (line) => lines.push(line),
  });
  // resumed at image 3000; 2 s later image 5000 is done: 2000 images here, 1000 img/s, 15,000 to go
  now_ms = 2000;
  progress.fn({ done: 5000, total: 20000, phase: "train" });
  // the test phase starts from none, on its own clock
  now_ms = 6000;
  progress.fn({ done: 400, total: 400, phase: "test" });
  progress.stop();
  assert.deepEqual(lines, [
    "train: 5000/20000 images, 1000 img/s, ETA 15 s, running accuracy -\n",
    "test: 400/400 images, 100 img/s, ETA 0 s\n",
  ]);
});

test("a new run counts from image 0, and --quiet prints nothing", () => {
  const lines: string[] = [];
  let now_ms = 0;
  const clock = { now: () => now_ms, write: (line: string) => lines.push(line) };
  const progress = makeProgress({ quiet: false, every: 1000, ...clock });
  now_ms = 4000;
  progress.fn({ done: 2000, total: 20000, phase: "train" });
  makeProgress({ quiet: true, ...clock }).fn({ done: 2000, total: 20000, phase: "train" });
  assert.deepEqual(lines, ["train: 2000/20000 images, 500 img/s, ETA 36 s, running accuracy -\n"]);
});

test("a phase that announces itself with nothing done starts its clock there: the work between phases is not its time", () => {
  const lines: string[] = [];
  let now_ms = 0;
  const progress = makeProgress({
    quiet: false,
    every: 1000,
    now: () => now_ms,
    write: (l) => lines.push(l),
  });
  now_ms = 1000;
  progress.fn({ done: 1000, total: 1000, phase: "train" });
  // 3 s of readout fitting and saving, then the test phase starts (done = 0) and takes 2 s
  now_ms = 4000;
  progress.fn({ done: 0, total: 400, phase: "test" });
  now_ms = 6000;
  progress.fn({ done: 400, total: 400, phase: "test" });
  assert.deepEqual(lines, [
    "train: 1000/1000 images, 1000 img/s, ETA 0 s, running accuracy -\n",
    "test: 400/400 images, 200 img/s, ETA 0 s\n",
  ]);
});
