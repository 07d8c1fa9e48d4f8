/**
 * report.html for a spiking-RNN run directory: one self-contained page (no scripts, no network access, plots
 * inlined as SVG) with the training summary, the scaling-factor search beside the paper's numbers, the
 * evaluation and every plot of `plotRnnRun`.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { readSearchFile } from "../experiments/rnn-run.ts";
import { writeFileAtomicSync } from "../io/atomic.ts";
import { readRunJson } from "../io/json-file.ts";
import { plotRnnRun } from "./rnn-run-plots.ts";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const HINT = "rerun the command that writes it (rnn train, convert or eval)";
const readIf = (path: string): unknown => (existsSync(path) ? readRunJson(path, HINT) : undefined);

export async function writeRnnReport(dir: string): Promise<{ path: string; plots: number }> {
  const { plots } = await plotRnnRun(dir, { png: false });
  const summary = readIf(join(dir, "summary.json")) as { train?: Record<string, unknown> } | undefined;
  const searchPath = join(dir, "search.json");
  const search = existsSync(searchPath) ? readSearchFile(searchPath, HINT) : undefined;
  const evaluation = readIf(join(dir, "eval.json"));
  const train = summary?.train ?? {};
  const rows = Object.entries(train)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(JSON.stringify(v))}</td></tr>`)
    .join("");
  const searchRows = search
    ? search.scales
        .map(
          (s, k) =>
            `<tr${s === search.best.scale ? ' class="best"' : ""}><td>${s}</td><td>${(100 * search.accuracy[k]).toFixed(1)} %</td></tr>`,
        )
        .join("")
    : "";
  const svgs = existsSync(join(dir, "plots"))
    ? readdirSync(join(dir, "plots"))
        .filter((f) => f.startsWith("rnn-") && f.endsWith(".svg"))
        .sort()
        .map((f) => `<figure>${readFileSync(join(dir, "plots", f), "utf8")}</figure>`)
        .join("\n")
    : "";
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>spikeflow spiking-RNN run</title>
<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}tr.best{background:#ffe9a8}figure{margin:1.5em 0}</style></head>
<body><h1>Spiking RNN from a rate RNN (Kim, Li &amp; Sejnowski 2019)</h1>
<h2>Rate training</h2><table>${rows}</table>
${search ? `<h2>Scaling-factor search (${search.trials} LIF trials per s)</h2><p>best s = ${search.best.scale}: ${(100 * search.best.accuracy).toFixed(1)} % of trials correct. Paper (Go-NoGo, N 250): 94 of 100 networks reach at least 95 %.</p><table><tr><th>s</th><th>LIF accuracy</th></tr>${searchRows}</table>` : "<p>No scaling-factor search yet: run <code>spikeflow rnn convert</code>.</p>"}
${evaluation ? `<h2>Evaluation</h2><pre>${esc(JSON.stringify(evaluation, null, 2))}</pre>` : ""}
<h2>Plots</h2>${svgs}
</body></html>
`;
  const path = join(dir, "report.html");
  writeFileAtomicSync(path, html);
  return { path, plots };
}
