/**
 * Progress for counted work (training trials, LIF trials of a search): a bar with rate and ETA on a TTY,
 * otherwise one plain line every `every` seconds. Everything goes to stderr so `--json` output stays clean.
 */
import cliProgress from "cli-progress";

export interface CountProgress {
  /** Reports `done` of `total` units; `note` is shown after the ETA (e.g. the last evaluation's loss). */
  update(done: number, total: number, note?: string): void;
  stop(): void;
}

export function makeCountProgress(opts: {
  label: string;
  unit: string;
  quiet: boolean;
  every_s?: number;
}): CountProgress {
  if (opts.quiet) return { update: () => {}, stop: () => {} };
  const tty = process.stderr.isTTY === true;
  const every_ms = (opts.every_s ?? 10) * 1000;
  const t0 = performance.now();
  let lastLine = -Infinity;
  let bar: cliProgress.SingleBar | null = null;
  // the last update that no plain line has shown yet; stop() prints it, so a run that ends early (a stopping
  // rule) still ends with a line that says where it stopped
  let unshown: (() => void) | null = null;
  return {
    update(done, total, note = "") {
      const elapsed_s = (performance.now() - t0) / 1000;
      const rate = done / Math.max(elapsed_s, 1e-9);
      if (tty) {
        if (!bar) {
          bar = new cliProgress.SingleBar(
            {
              stream: process.stderr,
              format: `${opts.label} [{bar}] {value}/{total} ${opts.unit} | {rate}/s | ETA {eta_formatted} | {note}`,
              hideCursor: true,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(total, 0, { rate: "0", note });
        }
        bar.setTotal(total);
        bar.update(done, { rate: rate.toFixed(1), note });
        return;
      }
      // no ETA before anything is done or a second has passed: an estimate from a few ms means nothing
      const eta = done > 0 && elapsed_s >= 1 ? `${((total - done) / rate).toFixed(0)} s` : "-";
      const line = `${opts.label}: ${done}/${total} ${opts.unit}, ${rate.toFixed(1)}/s, ETA ${eta}${note ? `, ${note}` : ""}\n`;
      unshown = () => process.stderr.write(line);
      const now = performance.now();
      if (now - lastLine < every_ms && done < total) return;
      lastLine = now;
      unshown();
      unshown = null;
    },
    stop() {
      bar?.stop();
      bar = null;
      unshown?.();
      unshown = null;
    },
  };
}
