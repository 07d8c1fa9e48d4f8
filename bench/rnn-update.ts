/**
 * Milliseconds per rate-RNN training update (forward + hand-written BPTT + Adam) on Go-NoGo trials:
 * N = 200 units by default, 200 steps, one trial per update, one thread.
 *
 * Two states are timed: the freshly initialised network (every raw weight > 0, the full 20 % support is live;
 * its weights are restored before each timed update) and the network after `trained` updates, when with Dale
 * many raw weights have gone <= 0 and are
 * skipped (relu makes them inert). Wall-clock and CPU time per update are printed (CPU time is the better
 * figure on a shared machine), plus the forward-only evaluation cost.
 * Usage: node --import tsx bench/rnn-update.ts [units = 200] [updates = 300] [trained = 800]
 */
import { createRng } from "../src/core/rng.ts";
import { createRateRnn } from "../src/rnn/rate-rnn.ts";
import { TASKS, type Trial, generateTrial, trialRng } from "../src/rnn/tasks.ts";
import { RateRnnTrainer } from "../src/rnn/train.ts";

const units = Number(process.argv[2] ?? 200);
const updates = Number(process.argv[3] ?? 300);
const trained = Number(process.argv[4] ?? 800);
const model = createRateRnn({ units, inputs: 1, seed: 7 });
const trainer = new RateRnnTrainer(model, TASKS["go-nogo"].steps);
const trials: Trial[] = Array.from({ length: updates }, (_, k) => generateTrial("go-nogo", trialRng(7, k)));
let next = 0;

function measure(fn: (k: number) => void): { wall_ms: number; cpu_ms: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let k = 0; k < updates; k++) fn(k);
  const wall_ms = (performance.now() - t0) / updates;
  const c = process.cpuUsage(c0);
  return { wall_ms, cpu_ms: (c.user + c.system) / 1000 / updates };
}

function report(label: string, restore: boolean): void {
  const live = model.wRaw.filter((w) => w > 0).length;
  const snapshot = { wRaw: model.wRaw.slice(), wOut: model.wOut.slice(), bOut: model.bOut.slice() };
  // restore = true times every update from the same weights (the live support does not shrink meanwhile)
  const reset = () => {
    if (!restore) return;
    model.wRaw.set(snapshot.wRaw);
    model.wOut.set(snapshot.wOut);
    model.bOut.set(snapshot.bOut);
  };
  const ev = measure((k) => trainer.evaluate(trials[k], createRng(7, "eval-noise", k)));
  const upd = measure((k) => {
    reset();
    trainer.update(trials[k], createRng(7, "noise", next++));
  });
  reset();
  console.log(
    `${label}: ${live} of ${model.wRaw.length} support entries live\n` +
      `  update (forward + backward + Adam): ${upd.wall_ms.toFixed(2)} ms wall, ${upd.cpu_ms.toFixed(2)} ms CPU\n` +
      `  forward-only evaluation:            ${ev.wall_ms.toFixed(2)} ms wall, ${ev.cpu_ms.toFixed(2)} ms CPU`,
  );
}

console.log(`rate RNN go-nogo: N = ${units}, 200 steps, ${updates} timed updates per line`);
// warm the JIT on a throw-away network so the fresh one is timed as initialised
const warm = new RateRnnTrainer(createRateRnn({ units, inputs: 1, seed: 8 }), TASKS["go-nogo"].steps);
for (let k = 0; k < 50; k++) warm.update(trials[k % updates], createRng(8, "noise", k));
report("fresh network, weights restored before each update (full support, worst case)", true);
for (let k = 0; k < trained; k++) {
  trainer.update(generateTrial("go-nogo", trialRng(7, 10_000 + k)), createRng(7, "noise", next++));
}
report(`after ${trained} training updates, timed over the next ${updates}`, false);
