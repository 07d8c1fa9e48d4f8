/**
 * Learned weights as grids of image tiles. Each tile is one PNG (image.ts) placed by Plot's `image` mark, so
 * a grid of n tiles is n <image> elements however many pixels they hold.
 *
 * `denseWeights` turns any synapse view (Sparse, SynapseEquations: w in CSR order) into w[pre][post].
 * Tile builders (pure):
 * - `denseTiles` (Diehl & Cook): weights [pre][post] with pre = side x side pixels; tile j is column j, one
 *   side x side tile per neuron, on a near-square grid.
 * - `localFilterCanvases` (LC-SNN, one tile per filter): for filter f, an input-sized canvas (20 x 20) on
 *   which every location's kernel for f is drawn at its patch offset (oy, ox) = (ly s, lx s); where patches
 *   overlap the kernels' weights are averaged, pixels no patch covers are left blank (NaN, drawn grey). It
 *   shows what part of the digit each filter responds to across the whole input.
 * - `localKernelTiles` (LC-SNN, one tile per neuron): neuron j = loc F + f gets its own k x k kernel tile;
 *   the F kernels of one location form a block of ceil(sqrt F) columns, and the blocks sit on the Ho x Wo
 *   grid of locations with a one-tile gap, like BindsNET's locally connected weight plot.
 * Colour: white = vmin (0) to black = vmax (the largest weight) through yellow and red (image.ts `hotR`).
 */
import * as Plot from "@observablehq/plot";
import { InvalidParameterError, requireInteger } from "../core/errors.ts";
import { pngDataUri } from "./image.ts";
import { type PlotSpec, squareGrid } from "./common.ts";
import type { SynapseView } from "../network/types.ts";

export interface WeightTile {
  /** Row-major values, height x width (NaN = no value). */
  readonly pixels: ArrayLike<number>;
  readonly width: number;
  readonly height: number;
  /** Grid position in tile units (may be fractional for gaps). */
  readonly col: number;
  readonly row: number;
}

export interface WeightGrid {
  readonly tiles: readonly WeightTile[];
  /** Grid extent in tile units. */
  readonly columns: number;
  readonly rows: number;
  /** What a tile is, for the caption ("neuron", "filter"). */
  readonly tileName: string;
}

/** Geometry of an LC-SNN weight tensor [loc][ky][kx][f] (one input channel). */
export interface LocalGeometry {
  readonly inputSide: number;
  readonly kernel: number;
  readonly stride: number;
  readonly filters: number;
}

/** Locations per side of a square local layer: (inputSide - kernel) / stride + 1, floored. */
export function localSide(g: LocalGeometry): number {
  requireInteger("inputSide", g.inputSide, 1);
  requireInteger("kernel", g.kernel, 1);
  requireInteger("stride", g.stride, 1);
  requireInteger("filters", g.filters, 1);
  if (g.kernel > g.inputSide) {
    throw new InvalidParameterError(`kernel ${g.kernel} is larger than the ${g.inputSide}-pixel input`);
  }
  return Math.floor((g.inputSide - g.kernel) / g.stride) + 1;
}

/**
 * The weights of a synapse view as a dense [pre][post] matrix (the layout `denseTiles` reads), `missing` where
 * no synapse joins a pair (default 0; NaN draws those pixels grey). For a Sparse or a SynapseEquations, whose
 * `w` holds one entry per synapse in CSR order: `denseTiles(denseWeights(S.view), post, side)`. Synapses that
 * share a pair add up.
 */
export function denseWeights(view: SynapseView, missing = 0): Float32Array {
  if (typeof view !== "object" || view === null || typeof view.outgoing !== "function") {
    throw new InvalidParameterError(
      `denseWeights takes a projection's synapse view (projection.view), got ${String(view)}; a projection ` +
        `without weights has none (a SynapseEquations whose model declares no variable w: record its ` +
        `variables with SynapseMonitor instead)`,
    );
  }
  const pre = view.preSize;
  const post = view.postSize;
  const out = new Float32Array(pre * post);
  const seen = new Uint8Array(pre * post);
  const other = new Int32Array(Math.max(view.maxFanOut, 1));
  const widx = new Int32Array(other.length);
  for (let i = 0; i < pre; i++) {
    const n = view.outgoing(i, other, widx);
    for (let e = 0; e < n; e++) {
      out[i * post + other[e]] += view.w[widx[e]];
      seen[i * post + other[e]] = 1;
    }
  }
  if (missing !== 0) for (let k = 0; k < out.length; k++) if (seen[k] === 0) out[k] = missing;
  return out;
}

/** One side x side tile per post neuron of dense weights w[pre][post] (pre = side^2). */
export function denseTiles(w: ArrayLike<number>, post: number, side: number): WeightGrid {
  requireInteger("post", post, 1);
  requireInteger("side", side, 1);
  const pre = side * side;
  if (w.length !== pre * post) {
    throw new InvalidParameterError(
      `dense weights have ${w.length} entries, expected ${pre} inputs (${side}x${side}) x ${post} neurons = ` +
        `${pre * post}; the per-synapse weights of a Sparse or SynapseEquations (CSR order) become a dense ` +
        `[pre][post] matrix with denseWeights(S.view)`,
    );
  }
  const { columns, rows } = squareGrid(post);
  const tiles: WeightTile[] = [];
  for (let j = 0; j < post; j++) {
    const px = new Float32Array(pre);
    for (let p = 0; p < pre; p++) px[p] = w[p * post + j];
    tiles.push({ pixels: px, width: side, height: side, col: j % columns, row: Math.floor(j / columns) });
  }
  return { tiles, columns, rows, tileName: "neuron" };
}

function checkLocal(w: ArrayLike<number>, g: LocalGeometry): number {
  const side = localSide(g);
  const expected = side * side * g.kernel * g.kernel * g.filters;
  if (w.length !== expected) {
    throw new InvalidParameterError(
      `local weights have ${w.length} entries, expected ${side * side} locations x ${g.kernel}x${g.kernel} x ` +
        `${g.filters} filters = ${expected}`,
    );
  }
  return side;
}

/** One input-sized canvas per filter; kernels drawn at their patch offsets, overlaps averaged. */
export function localFilterCanvases(w: ArrayLike<number>, g: LocalGeometry): WeightGrid {
  const side = checkLocal(w, g);
  const { kernel: k, stride: s, filters: F, inputSide: S } = g;
  const sum = new Float64Array(S * S);
  const count = new Int32Array(S * S);
  const { columns, rows } = squareGrid(F);
  const tiles: WeightTile[] = [];
  for (let f = 0; f < F; f++) {
    sum.fill(0);
    count.fill(0);
    for (let ly = 0; ly < side; ly++) {
      for (let lx = 0; lx < side; lx++) {
        const loc = ly * side + lx;
        for (let ky = 0; ky < k; ky++) {
          for (let kx = 0; kx < k; kx++) {
            const p = (ly * s + ky) * S + lx * s + kx;
            sum[p] += w[((loc * k + ky) * k + kx) * F + f];
            count[p]++;
          }
        }
      }
    }
    const px = new Float32Array(S * S);
    for (let p = 0; p < px.length; p++) px[p] = count[p] > 0 ? sum[p] / count[p] : NaN;
    tiles.push({ pixels: px, width: S, height: S, col: f % columns, row: Math.floor(f / columns) });
  }
  return { tiles, columns, rows, tileName: "filter" };
}

/** One k x k tile per neuron, grouped in blocks by location (see the file comment). */
export function localKernelTiles(w: ArrayLike<number>, g: LocalGeometry): WeightGrid {
  const side = checkLocal(w, g);
  const { kernel: k, filters: F } = g;
  const bc = Math.ceil(Math.sqrt(F));
  const br = Math.ceil(F / bc);
  const gap = 0.5;
  const tiles: WeightTile[] = [];
  for (let loc = 0; loc < side * side; loc++) {
    const ly = Math.floor(loc / side);
    const lx = loc % side;
    for (let f = 0; f < F; f++) {
      const px = new Float32Array(k * k);
      for (let q = 0; q < k * k; q++) px[q] = w[(loc * k * k + q) * F + f];
      tiles.push({
        pixels: px,
        width: k,
        height: k,
        col: lx * (bc + gap) + (f % bc),
        row: ly * (br + gap) + Math.floor(f / bc),
      });
    }
  }
  return {
    tiles,
    columns: side * bc + (side - 1) * gap,
    rows: side * br + (side - 1) * gap,
    tileName: "neuron",
  };
}

export interface WeightGridOptions {
  readonly title: string;
  /** Colour scale bounds; default 0 and the largest weight. */
  readonly vmin?: number;
  readonly vmax?: number;
  /** Widest outer width in px. Default 820. */
  readonly maxWidth: number;
  /** Largest tile side in px. Default 84. */
  readonly maxTile_px: number;
  readonly note?: string;
}

export const WEIGHT_GRID_DEFAULTS: Readonly<WeightGridOptions> = Object.freeze({
  title: "Learned weights",
  maxWidth: 820,
  maxTile_px: 84,
});

function extent(tiles: readonly WeightTile[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of tiles) {
    for (let i = 0; i < t.pixels.length; i++) {
      const v = t.pixels[i];
      if (Number.isNaN(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/** Plot spec of a tile grid: one <image> per tile, a colour bar under the grid. */
export function weightGridSpec(grid: WeightGrid, options: Partial<WeightGridOptions> = {}): PlotSpec {
  const o = { ...WEIGHT_GRID_DEFAULTS, ...options };
  if (grid.tiles.length === 0) throw new InvalidParameterError("weight grid has no tiles");
  const [lo, hi] = extent(grid.tiles);
  const vmin = o.vmin ?? Math.min(0, lo);
  const vmax = o.vmax ?? (hi > vmin ? hi : vmin + 1);
  const tileW = grid.tiles[0].width;
  const margin = { left: 10, right: 10, top: 10, bottom: 46 };
  // tile side: as large as fits, whole pixels per weight where possible
  const fit = Math.floor((o.maxWidth - margin.left - margin.right) / grid.columns);
  const cell = Math.max(4, Math.min(o.maxTile_px, fit));
  const gap = cell >= 20 ? 2 : cell >= 8 ? 1 : 0;
  const gridWidth = Math.round(margin.left + margin.right + grid.columns * cell);
  const width = Math.max(440, gridWidth);
  const height = Math.round(margin.top + margin.bottom + grid.rows * cell);
  const data = grid.tiles.map((t) => ({
    x: t.col + 0.5,
    y: t.row + 0.5,
    src: pngDataUri(t.pixels, t.width, t.height, vmin, vmax),
  }));
  // colour bar in the bottom margin
  const barSrc = pngDataUri(
    Float32Array.from({ length: 64 }, (_, i) => vmin + ((vmax - vmin) * i) / 63),
    64,
    1,
    vmin,
    vmax,
  );
  const missing = grid.tiles.some((t) => Array.prototype.some.call(t.pixels, (v: number) => Number.isNaN(v)));
  return {
    title: o.title,
    caption:
      `${grid.tiles.length} tiles, one per ${grid.tileName} (${tileW}x${grid.tiles[0].height} weights each); ` +
      `colour: white = ${vmin.toPrecision(3)} to black = ${vmax.toPrecision(3)}` +
      (missing ? "; grey: input pixels no patch covers" : "") +
      (o.note ? `. ${o.note}` : "."),
    width,
    height,
    marginLeft: margin.left,
    marginRight: margin.right + width - gridWidth,
    marginTop: margin.top,
    marginBottom: margin.bottom,
    x: { domain: [0, grid.columns], axis: null },
    y: { domain: [0, grid.rows], axis: null, reverse: true },
    marks: [
      Plot.image(data, {
        x: "x",
        y: "y",
        src: "src",
        width: cell - gap,
        height: cell - gap,
        preserveAspectRatio: "none",
        imageRendering: "pixelated",
        className: "weight-tiles",
      }),
      Plot.text([`weight ${vmin.toPrecision(2)}`], {
        frameAnchor: "bottom-left",
        dy: 30,
        textAnchor: "start",
        fontSize: 10,
      }),
      Plot.image([0], {
        frameAnchor: "bottom-left",
        src: barSrc,
        width: 160,
        height: 10,
        dx: 66 + 80,
        dy: 30,
        preserveAspectRatio: "none",
        imageRendering: "pixelated",
      }),
      Plot.text([vmax.toPrecision(3)], {
        frameAnchor: "bottom-left",
        dx: 66 + 166,
        dy: 30,
        textAnchor: "start",
        fontSize: 10,
      }),
    ],
  };
}
