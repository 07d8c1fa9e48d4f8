/**
 * Shared pieces of the plot specs. A spec is a plain Observable Plot options object (`PlotSpec`): the same
 * spec renders in a browser with `Plot.plot(spec)` or in Node through `renderSvg` (svg.ts), which also turns
 * the figure's title and caption into SVG text. Specs never ask for a continuous colour legend (Plot draws
 * those on a canvas) or a swatch legend (HTML): legends are drawn with ordinary marks instead.
 */
import type { PlotOptions } from "@observablehq/plot";
import { InvalidParameterError, requireInteger } from "../core/errors.ts";

/** Observable Plot options: what every spec builder returns. */
export type PlotSpec = PlotOptions;

/** Colours of the ten digit classes (Tableau 10). */
export const CLASS_COLORS: readonly string[] = Object.freeze([
  "#4e79a7",
  "#f28e2c",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc949",
  "#af7aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ab",
]);

/** Fill of unassigned neurons / missing entries. */
export const UNASSIGNED_COLOR = "#ffffff";

/** Line colours of series (readouts, outputs), in order. */
export const SERIES_COLORS: readonly string[] = Object.freeze([
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#9467bd",
  "#ff7f0e",
  "#8c564b",
]);

/**
 * Colour of the class with index c >= 0: CLASS_COLORS for the first ten; beyond them (EMNIST letters have 26
 * classes) hues spaced by the golden angle, 137.5 degrees, alternately darker and lighter, so that no two
 * classes of a data set share a colour (they are less evenly balanced than the first ten).
 */
export function classColor(c: number): string {
  requireInteger("class", c, 0);
  if (c < CLASS_COLORS.length) return CLASS_COLORS[c];
  const k = c - CLASS_COLORS.length;
  return hslHex((15 + 137.508 * k) % 360, 0.55, k % 2 === 0 ? 0.42 : 0.68);
}

/** An HSL colour (hue in degrees, saturation and lightness in [0, 1]) as #rrggbb. */
function hslHex(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const channel = (n: number) => {
    const k = (n + h / 30) % 12;
    const v = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(v * 255)
      .toString(16)
      .padStart(2, "0");
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}

/**
 * The stride of a deterministic 1-in-k subsample that keeps at most `maxMarks` of `total` items:
 * k = ceil(total / maxMarks) (1 when everything fits).
 */
export function subsampleStride(total: number, maxMarks: number): number {
  requireInteger("total", total, 0);
  requireInteger("maxMarks", maxMarks, 1);
  return Math.max(1, Math.ceil(total / maxMarks));
}

/** Number of items a 1-in-k subsample of `total` keeps (indices 0, k, 2k, ...). */
export function subsampleCount(total: number, stride: number): number {
  return Math.ceil(total / stride);
}

/** "12.34 %" from a fraction. */
export function formatPct(fraction: number | null | undefined, digits = 2): string {
  return fraction === null || fraction === undefined || !Number.isFinite(fraction)
    ? "-"
    : `${(100 * fraction).toFixed(digits)} %`;
}

/** A near-square grid for n items: columns = ceil(sqrt(n)), rows = ceil(n / columns). */
export function squareGrid(n: number): { columns: number; rows: number } {
  requireInteger("n", n, 1);
  const columns = Math.ceil(Math.sqrt(n));
  return { columns, rows: Math.ceil(n / columns) };
}

/** Throws unless `xs` has at least one element. */
export function requireNonEmpty(name: string, length: number, hint: string): void {
  if (length === 0) throw new InvalidParameterError(`${name} is empty; ${hint}`);
}

/** Keeps at most `maxPoints` of an evenly sampled series (every k-th point, and the last). */
export function thinSeries(length: number, maxPoints: number): { indices: number[]; stride: number } {
  const stride = subsampleStride(length, maxPoints);
  const indices: number[] = [];
  for (let i = 0; i < length; i += stride) indices.push(i);
  if (length > 0 && indices[indices.length - 1] !== length - 1) indices.push(length - 1);
  return { indices, stride };
}
