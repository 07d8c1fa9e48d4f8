/**
 * DIR/report.html: one self-contained page per run (no network access, no scripts, no external CSS; the
 * plots are inline SVG whose images are data: URIs). Sections: results (test accuracy per readout beside the
 * paper's number), timings, configuration and protocol, then every plot with its caption. `reportHtml` is
 * pure; `writeReport` (Node) reads the run directory, renders the plots and writes the page.
 */
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { writeFileAtomicSync } from "../io/atomic.ts";
import { formatPct } from "./common.ts";
import { escapeXml } from "./svg.ts";
import type { RunFiles } from "../experiments/run-files.ts";
import { type PlotFile, type PlotRunOptions, plotRun } from "./run-plots.ts";

const esc = escapeXml;

const CSS = `
body { font-family: system-ui, "DejaVu Sans", sans-serif; margin: 24px auto; max-width: 1100px; color: #222; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; }
h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.sub { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 8px 0; max-width: 100%; }
td code { word-break: break-all; }
th, td { border: 1px solid #ddd; padding: 4px 10px; text-align: left; font-size: 14px; }
th { background: #f4f6f8; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.best td { font-weight: bold; background: #f3f9f1; }
pre { background: #f7f7f7; padding: 8px; font-size: 12px; overflow-x: auto; }
figure { margin: 24px 0; }
figure svg { max-width: 100%; height: auto; }
nav a { margin-right: 12px; }
`;

function row(cells: string[], cls?: string): string {
  return `<tr${cls ? ` class="${cls}"` : ""}>${cells.join("")}</tr>`;
}
function td(text: string, attrs = ""): string {
  return `<td${attrs}>${text}</td>`;
}

function valueText(v: unknown): string {
  return typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
}

function keyValueTable(obj: Record<string, unknown>, id: string): string {
  const rows = Object.entries(obj).map(([k, v]) =>
    row([td(esc(k)), td(`<code>${esc(valueText(v))}</code>`)]),
  );
  return `<table id="${id}"><tr><th>name</th><th>value</th></tr>${rows.join("")}</table>`;
}

export interface ReportInput {
  readonly dir: string;
  readonly files: RunFiles;
  readonly plots: readonly PlotFile[];
  /** Seconds spent drawing the plots (shown with the timings). */
  readonly plot_s?: number;
}

/** The report page (see the file comment). */
export function reportHtml(input: ReportInput): string {
  const { summary: s, metrics } = input.files;
  const paper = s.paper;
  // where the images came from (config.json records it; runs written before it did not)
  const source = input.files.config.data?.source;
  const accRows = Object.entries(s.test.accuracy).map(([readout, acc]) => {
    const diff = paper && acc !== undefined ? (100 * acc - paper.accuracy_pct).toFixed(2) : "";
    return row(
      [
        td(esc(readout)),
        td(formatPct(acc), ` class="num" data-readout="${esc(readout)}" data-accuracy="${acc}"`),
        td(
          paper ? `${paper.accuracy_pct.toFixed(2)} %${paper.sd_pct ? ` ± ${paper.sd_pct}` : ""}` : "-",
          ' class="num"',
        ),
        td(diff ? `${Number(diff) > 0 ? "+" : ""}${diff}` : "-", ' class="num"'),
      ],
      readout === s.bestReadout ? "best" : undefined,
    );
  });
  const lastBlock = metrics.at(-1);
  const running = lastBlock
    ? Object.entries(lastBlock.accuracy)
        .map(([k, v]) => `${esc(k)} ${formatPct(v)}`)
        .join(", ")
    : "-";
  const timings: [string, string][] = [
    [
      "training",
      `${s.train.examples} images in ${s.train.wall_s.toFixed(1)} s (${s.train.imagesPerSecond.toFixed(1)} images/s)`,
    ],
    [
      "test",
      `${s.protocol.testCount} images in ${s.test.wall_s.toFixed(1)} s (${s.test.imagesPerSecond.toFixed(1)} images/s on ${s.workers} worker${s.workers === 1 ? "" : "s"})`,
    ],
    ["whole run", `${s.wall_s.toFixed(1)} s`],
    ...(input.plot_s !== undefined
      ? ([["plots and report", `${input.plot_s.toFixed(1)} s`]] as [string, string][])
      : []),
    [
      "spikes per example",
      `training ${s.train.spikesPerExample.toFixed(1)}, test ${s.test.spikesPerExample.toFixed(1)}`,
    ],
    ["retries per test example", s.test.retriesPerExample.toFixed(3)],
    ["versions", `spikeflow ${esc(s.versions.spikeflow)}, Node ${esc(s.versions.node)}`],
  ];
  const nav = input.plots.map((p) => `<a href="#plot-${esc(p.name)}">${esc(p.title || p.name)}</a>`).join("");
  const figures = input.plots
    .map(
      (p) =>
        `<figure id="plot-${esc(p.name)}" data-plot="${esc(p.name)}">${p.svg}` +
        `<figcaption class="sub">plots/${esc(p.name)}.svg</figcaption></figure>`,
    )
    .join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>spikeflow ${esc(s.kind)} run</title>
<style>${CSS}</style>
</head>
<body>
<h1>spikeflow run: ${esc(s.kind)}</h1>
<p class="sub">${esc(input.dir)} · seed ${s.seed} · ${s.train.examples} training and ${s.protocol.testCount} test images${source === undefined ? "" : ` · <span id="data">data: ${esc(source)}</span>`}</p>
<h2 id="results">Results</h2>
<table id="accuracy"><tr><th>readout</th><th>test accuracy</th><th>paper${paper ? ` (${esc(paper.label)})` : ""}</th><th>difference (points)</th></tr>${accRows.join("")}</table>
<p>Best readout: <strong id="best">${esc(s.bestReadout)} ${formatPct(s.bestAccuracy)}</strong>${paper ? "" : " · no paper reference for this configuration and data"}.
Running accuracy of the last training block: ${running}.</p>
<h2 id="timings">Timings</h2>
<table id="timing">${timings.map(([k, v]) => row([td(esc(k)), td(v)])).join("")}</table>
<h2 id="config">Configuration</h2>
<h3>Model (${esc(input.files.config.kind)})</h3>
${keyValueTable(s.config, "model-config")}
<h3>Protocol</h3>
${keyValueTable(s.protocol as unknown as Record<string, unknown>, "protocol")}
<h2 id="plots">Plots</h2>
<nav>${nav}</nav>
${figures}
</body>
</html>
`;
}

/** Renders the run's plots into dir/plots/ and writes dir/report.html; returns its path and the time taken. */
export async function writeReport(
  dir: string,
  options: Partial<PlotRunOptions> & { signal?: AbortSignal } = {},
): Promise<{ path: string; plots: PlotFile[]; wall_s: number }> {
  const t0 = performance.now();
  const { plots, files } = await plotRun(dir, options);
  const path = join(dir, "report.html");
  const plot_s = (performance.now() - t0) / 1000;
  writeFileAtomicSync(path, reportHtml({ dir, files, plots, plot_s }));
  return { path, plots, wall_s: (performance.now() - t0) / 1000 };
}
