/**
 * Progress display: a bar with images/s, ETA and the running accuracy on a TTY; otherwise one plain line
 * every `every` examples. Everything goes to stderr so `--json` output on stdout stays clean.
 *
 * The rate and the ETA count only the images this process has done: a run resumed at image 3000 (`from`)
 * that reaches image 5000 has done 2000 of them here.
 */
import cliProgress from "cli-progress";
import type { ProgressFn } from "../experiments/unsupervised.ts";

export interface ProgressOptions {
  readonly quiet: boolean;
  /** Plain lines (no TTY): one every this many images of a phase, and at its end. Default 5000. */
  readonly every?: number;
  /** Images of each phase done before this process started (a resumed run's checkpoint). Default none. */
  readonly from?: Readonly<Partial<Record<"train" | "test", number>>>;
  /** The clock in ms (tests). Default performance.now. */
  readonly now?: () => number;
  /** Where plain lines go (tests). Default stderr. */
  readonly write?: (line: string) => void;
}

export function makeProgress(opts: ProgressOptions): { fn: ProgressFn; stop: () => void } {
  if (opts.quiet) return { fn: () => {}, stop: () => {} };
  const now = opts.now ?? (() => performance.now());
  const write = opts.write ?? ((line: string) => void process.stderr.write(line));
  const tty = opts.write === undefined && process.stderr.isTTY === true;
  const every = opts.every ?? 5000;
  let phase = "";
  let bar: cliProgress.SingleBar | null = null;
  // a phase's clock starts at its first call when that call reports nothing done yet (the test phase announces
  // itself with done = 0, so its rate matches summary.json's, which leaves out the work between the phases);
  // otherwise when the previous call returned (the first one's at creation): such a first call comes after
  // the phase's first block of examples, so starting the clock there would count none of its time
  let t0 = now();
  let lastCall = t0;
  let base = 0;
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
      base = opts.from?.[p.phase] ?? 0;
      t0 = p.done <= base ? now() : lastCall;
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
        bar.start(p.total, base, { rate: "0", acc });
      }
    }
    if (p.last) {
      const a = p.last.accuracy;
      const vals = [a["all-activity"], a.proportion, a.ngram].filter((x): x is number => x !== null);
      if (vals.length) acc = `${(100 * Math.max(...vals)).toFixed(1)} %`;
    }
    const rate = (p.done - base) / ((now() - t0) / 1000);
    if (bar) {
      bar.update(p.done, { rate: rate.toFixed(0), acc });
      if (p.done >= p.total) stop();
    } else if (p.done - lastLogged >= every || p.done >= p.total) {
      lastLogged = p.done;
      const eta = (p.total - p.done) / Math.max(rate, 1e-9);
      write(
        `${p.phase}: ${p.done}/${p.total} images, ${rate.toFixed(0)} img/s, ETA ${eta.toFixed(0)} s` +
          (p.phase === "train" ? `, running accuracy ${acc}` : "") +
          "\n",
      );
    }
    lastCall = now();
  };
  return { fn, stop };
}
