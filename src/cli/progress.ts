/**
 * Progress display: a bar with images/s, ETA and the running accuracy on a TTY; otherwise one plain line
 * every `every` examples. Everything goes to stderr so `--json` output on stdout stays clean.
 */
import cliProgress from "cli-progress";
import type { ProgressFn } from "../experiments/unsupervised.ts";

export function makeProgress(opts: { quiet: boolean; every?: number }): { fn: ProgressFn; stop: () => void } {
  if (opts.quiet) return { fn: () => {}, stop: () => {} };
  const tty = process.stderr.isTTY === true;
  const every = opts.every ?? 5000;
  let phase = "";
  let bar: cliProgress.SingleBar | null = null;
  // a phase's clock starts when the previous call returned (the first one's at creation): the first call of a
  // phase comes after its first block of examples, so starting the clock there would count none of its time
  let t0 = performance.now();
  let lastCall = t0;
  let lastLogged = 0;
  let acc = "-";
  const stop = () => {
    bar?.stop();
    bar = null;
  };
  const fn: ProgressFn = (p) => {
    if (p.phase !== phase) {
      stop();
      phase = p.phase;
      t0 = lastCall;
      lastLogged = 0;
      if (tty) {
        bar = new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: `${p.phase.padEnd(5)} [{bar}] {value}/{total} | {rate} img/s | ETA {eta_formatted} | acc {acc}`,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(p.total, 0, { rate: "0", acc });
      }
    }
    if (p.last) {
      const a = p.last.accuracy;
      const vals = [a["all-activity"], a.proportion, a.ngram].filter((x): x is number => x !== null);
      if (vals.length) acc = `${(100 * Math.max(...vals)).toFixed(1)} %`;
    }
    const rate = p.done / ((performance.now() - t0) / 1000);
    if (bar) {
      bar.update(p.done, { rate: rate.toFixed(0), acc });
      if (p.done >= p.total) stop();
    } else if (p.done - lastLogged >= every || p.done >= p.total) {
      lastLogged = p.done;
      const eta = (p.total - p.done) / Math.max(rate, 1e-9);
      process.stderr.write(
        `${p.phase}: ${p.done}/${p.total} images, ${rate.toFixed(0)} img/s, ETA ${eta.toFixed(0)} s` +
          (p.phase === "train" ? `, running accuracy ${acc}` : "") +
          "\n",
      );
    }
    lastCall = performance.now();
  };
  return { fn, stop };
}
