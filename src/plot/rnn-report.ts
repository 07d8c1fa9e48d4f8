/**
 * report.html for a spiking-RNN run directory: one self-contained page (no scripts, no network access, plots
 * inlined as SVG) with the training summary, the scaling-factor search beside the paper's numbers, the
 * evaluation and every plot of `plotRnnRun`, which also redraws plots/ (SVG and PNG, as `plot` does). Values
 * are shown with their units. The files are checked against the model first, as `plot` checks them
 * (readRnnRunFiles: a damaged or mismatched one is a FormatError). A training that ended before its first
 * evaluation says "no evaluation reached" for the evaluation's loss and accuracy; a value a run of an older
 * version did not record (the threads of a search.json) shows as "?".
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RnnEvalResult, RnnTrainSummary } from "../experiments/rnn-run.ts";
import { writeFileAtomicSync } from "../io/atomic.ts";
import type { TaskName } from "../rnn/tasks.ts";
import { plotRnnRun } from "./rnn-run-plots.ts";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The paper's conversion figures per task (Kim, Li & Sejnowski 2019; docs/rnn.md section 6). */
export const PAPER_CONVERSION: Readonly<Record<TaskName, string>> = Object.freeze({
  "go-nogo":
    "Paper (Go-NoGo, Fig 7, N 250, tau_d 20-50 ms): 94 of 100 networks convert with at least 95 % LIF accuracy, " +
    "98.8 +- 4.7 %; its example network (N 200) has s = 25.",
  mante:
    "Paper (context task, N 250, tau_d 20-100 ms): 97.0 +- 6.6 % over 100 networks; its example network " +
    "(tau_d 20-50 ms) reaches 98 % at s = 60.",
  xor: "The paper gives no XOR figures.",
});

const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const percent = (v: unknown) => (isNum(v) ? `${(100 * v).toFixed(1)} %` : "?");
const fixed =
  (digits: number, unit = "") =>
  (v: unknown) =>
    isNum(v) ? `${v.toFixed(digits)}${unit}` : "?";
const plain = (v: unknown) => (v === undefined || v === null ? "?" : String(v));
const threads = (n: unknown) => (isNum(n) ? `${n} thread${n === 1 ? "" : "s"}` : "? threads");

type Row<T> = readonly [label: string, key: keyof T, format: (v: unknown, all: Partial<T>) => string];

function table<T>(rows: readonly Row<T>[], values: Partial<T>): string {
  return rows
    .map(
      ([label, key, format]) => `<tr><th>${esc(label)}</th><td>${esc(format(values[key], values))}</td></tr>`,
    )
    .join("");
}

/** What a training that ended before its first evaluation (after trial 2) shows for the evaluation's values. */
const unlessUnevaluated = (all: Partial<RnnTrainSummary>) =>
  all.evaluatedAfterUpdates === null
    ? `no evaluation reached (${plain(all.updates)} training trial${all.updates === 1 ? "" : "s"}; the first ` +
      "evaluation comes after trial 2)"
    : undefined;

const TRAIN_ROWS: readonly Row<RnnTrainSummary>[] = [
  ["task", "task", plain],
  ["units N", "units", plain],
  ["seed", "seed", plain],
  [
    "trained decay range",
    "tauRange_ms",
    (v) => (Array.isArray(v) && v.length === 2 ? `${v[0]}-${v[1]} ms` : "?"),
  ],
  ["training trials (updates)", "updates", plain],
  [
    "stopping rule",
    "success",
    (v) => (v === true ? "met (loss < 7 and accuracy > 95 %)" : v === false ? "not met" : "?"),
  ],
  ["last evaluation: mean loss", "finalLoss", (v, all) => unlessUnevaluated(all) ?? fixed(2)(v)],
  [
    "last evaluation: rate accuracy",
    "rateAccuracy",
    (v, all) =>
      unlessUnevaluated(all) ??
      percent(v) + (isNum(all.evaluatedAfterUpdates) ? ` (after trial ${all.evaluatedAfterUpdates})` : ""),
  ],
  ["training time", "wall_s", fixed(1, " s")],
  ["time per update", "msPerUpdate", fixed(2, " ms")],
];

const EVAL_ROWS: readonly Row<RnnEvalResult>[] = [
  ["scaling factor s", "scale", plain],
  ["fresh trials", "trials", plain],
  ["rate accuracy", "rateAccuracy", percent],
  ["LIF accuracy", "lifAccuracy", percent],
  ["synapse filter", "synapseFilter", plain],
  ["wall time", "wall_s", fixed(1, " s")],
];

export async function writeRnnReport(
  dir: string,
  options: { png?: boolean; signal?: AbortSignal } = {},
): Promise<{ path: string; plots: number }> {
  // every file is checked (against the model too) before a plot is drawn
  const { names, files } = await plotRnnRun(dir, options);
  const { task, summary, search, evaluation } = files;
  const train: Partial<RnnTrainSummary> = summary ?? {};
  const paper = PAPER_CONVERSION[task];
  const searchRows = search
    ? search.scales
        .map(
          (s, k) =>
            `<tr${s === search.best.scale ? ' class="best"' : ""}><td>${s}</td><td>${percent(search.accuracy[k])}</td></tr>`,
        )
        .join("")
    : "";
  const searchNote = search
    ? [
        `${plain(search.synapseFilter ?? "receiver")} synapse filter`,
        `${fixed(1, " s")(search.wall_s)} on ${threads(search.threads ?? search.workers)}`,
        isNum(search.lifTrial_s) ? `${(1000 * search.lifTrial_s).toFixed(0)} ms per LIF trial` : "",
      ]
        .filter((x) => x !== "")
        .join(", ")
    : "";
  const svgs = names
    .map((name) => `<figure>${readFileSync(join(dir, "plots", `${name}.svg`), "utf8")}</figure>`)
    .join("\n");
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>spikeflow spiking-RNN run (${esc(task)})</title>
<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}th{font-weight:normal;color:#555}tr.best{background:#ffe9a8}figure{margin:1.5em 0}</style></head>
<body><h1>Spiking RNN from a rate RNN (Kim, Li &amp; Sejnowski 2019)</h1>
<h2>Rate training</h2>${summary ? `<table>${table(TRAIN_ROWS, train)}</table>` : "<p>No summary.json: run <code>spikeflow rnn train</code>.</p>"}
${search ? `<h2>Scaling-factor search (${search.trials} LIF trials per s)</h2><p>best s = ${search.best.scale}: ${percent(search.best.accuracy)} of trials correct (${esc(searchNote)}). ${esc(paper)}</p><table><tr><th>s</th><th>LIF accuracy</th></tr>${searchRows}</table>` : "<p>No scaling-factor search yet: run <code>spikeflow rnn convert</code>.</p>"}
${evaluation ? `<h2>Evaluation on fresh trials</h2><table>${table(EVAL_ROWS, evaluation)}</table>` : ""}
<h2>Plots</h2>${svgs}
</body></html>
`;
  const path = join(dir, "report.html");
  writeFileAtomicSync(path, html);
  return { path, plots: names.length };
}
