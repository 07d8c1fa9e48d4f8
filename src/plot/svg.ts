/**
 * Renders a spec to one standalone SVG document without a browser: Plot draws into a linkedom document; when
 * Plot wraps the chart in an HTML <figure> (title, subtitle, caption), the parts are stacked into one outer
 * <svg>: the title and subtitle as text above, every chart <svg> nested below them, and the caption as
 * wrapped text at the bottom. The result is valid stand-alone SVG (namespaces added), fit for a file, for
 * inlining into HTML, and for resvg. linkedom is plain JavaScript, so this runs in a browser too (where
 * `Plot.plot(spec)` with the real document is the simpler choice).
 */
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import { InvalidParameterError } from "../core/errors.ts";
import type { PlotSpec } from "./common.ts";

const SVG_NS = "http://www.w3.org/2000/svg";
const XLINK_NS = "http://www.w3.org/1999/xlink";
/** Font stack written on the outer SVG; resvg is told to use DejaVu Sans for sans-serif (png.ts). */
export const FONT_FAMILY = "system-ui, 'DejaVu Sans', sans-serif";

interface DomNode {
  tagName?: string;
  textContent: string | null;
  outerHTML: string;
  children: ArrayLike<DomNode>;
  getAttribute(name: string): string | null;
}

let sharedDocument: unknown;
function plotDocument(): unknown {
  sharedDocument ??= parseHTML("<!DOCTYPE html><html><head></head><body></body></html>").document;
  return sharedDocument;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Greedy word wrap for text of `fontSize` px into `width` px (average glyph 0.55 em). */
export function wrapText(text: string, width: number, fontSize: number): string[] {
  const perLine = Math.max(10, Math.floor(width / (0.55 * fontSize)));
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > perLine) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function withNamespaces(svg: string): string {
  return svg.replace(/^<svg\b/, `<svg xmlns="${SVG_NS}" xmlns:xlink="${XLINK_NS}"`);
}

function num(node: DomNode, name: string): number {
  const v = Number(node.getAttribute(name));
  if (!Number.isFinite(v) || v <= 0) {
    throw new InvalidParameterError(
      `Plot produced an <svg> without a usable ${name} ("${node.getAttribute(name)}")`,
    );
  }
  return v;
}

export interface RenderedSvg {
  /** Standalone SVG document text. */
  readonly svg: string;
  readonly width: number;
  readonly height: number;
  readonly title: string;
  readonly caption: string;
}

/** Runs Plot on `spec` and returns one standalone SVG (see the file comment). */
export function renderSvg(spec: PlotSpec): RenderedSvg {
  const el = Plot.plot({ ...spec, document: plotDocument() as PlotSpec["document"] }) as unknown as DomNode;
  if (el.tagName?.toLowerCase() === "svg") {
    return {
      svg: withNamespaces(el.outerHTML),
      width: num(el, "width"),
      height: num(el, "height"),
      title: "",
      caption: "",
    };
  }
  let title = "";
  let subtitle = "";
  let caption = "";
  const charts: DomNode[] = [];
  for (const child of Array.from(el.children)) {
    const tag = child.tagName?.toLowerCase();
    if (tag === "h2") title = child.textContent ?? "";
    else if (tag === "h3") subtitle = child.textContent ?? "";
    else if (tag === "figcaption") caption = child.textContent ?? "";
    else if (tag === "svg") charts.push(child);
    else {
      throw new InvalidParameterError(
        `the figure holds a <${tag}> (an HTML legend?); specs must draw legends with marks so they render to SVG`,
      );
    }
  }
  const width = Math.max(...charts.map((c) => num(c, "width")));
  const parts: string[] = [];
  let y = 0;
  if (title) {
    y += 22;
    parts.push(`<text x="4" y="${y - 4}" font-size="16" font-weight="bold">${escapeXml(title)}</text>`);
  }
  if (subtitle) {
    y += 18;
    parts.push(`<text x="4" y="${y - 4}" font-size="12" fill="#555">${escapeXml(subtitle)}</text>`);
  }
  for (const c of charts) {
    const h = num(c, "height");
    parts.push(withNamespaces(c.outerHTML).replace(/^<svg\b/, `<svg x="0" y="${y}"`));
    y += h;
  }
  if (caption) {
    y += 6;
    for (const line of wrapText(caption, width - 8, 11)) {
      y += 14;
      parts.push(`<text x="4" y="${y - 3}" font-size="11" fill="#444">${escapeXml(line)}</text>`);
    }
    y += 4;
  }
  const svg =
    `<svg xmlns="${SVG_NS}" xmlns:xlink="${XLINK_NS}" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" ` +
    `font-family="${FONT_FAMILY}" role="img" aria-label="${escapeXml(title || "plot")}">` +
    `<rect width="100%" height="100%" fill="white"/>${parts.join("")}</svg>`;
  return { svg, width, height: y, title, caption };
}
