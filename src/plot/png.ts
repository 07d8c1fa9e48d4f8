/**
 * SVG -> PNG with resvg (Node only: a native module), at 1.5x the SVG size by default. Text needs system fonts: resvg loads them and maps
 * sans-serif to DejaVu Sans (Debian `fonts-dejavu-core`; .ci/run installs it). Weight tiles are drawn with
 * nearest-neighbour scaling: Plot writes `image-rendering="pixelated"` (browsers), which resvg spells
 * `optimizeSpeed`.
 */
import { Resvg, renderAsync, type ResvgRenderOptions } from "@resvg/resvg-js";

export interface PngOptions {
  /** Scale factor over the SVG's own size. Default 1.5 (sharper than 1; 2 costs about 1.8x the time). */
  readonly scale: number;
}

export const PNG_DEFAULTS: Readonly<PngOptions> = Object.freeze({ scale: 1.5 });

function prepare(svg: string, options: Partial<PngOptions>): [string, ResvgRenderOptions] {
  const o = { ...PNG_DEFAULTS, ...options };
  return [
    svg.replaceAll('image-rendering="pixelated"', 'image-rendering="optimizeSpeed"'),
    {
      background: "white",
      fitTo: { mode: "zoom", value: o.scale },
      font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
    },
  ];
}

/** Rasterises a standalone SVG document; `pixels` are RGBA bytes, row-major. */
export function rasterize(
  svg: string,
  options: Partial<PngOptions> = {},
): { png: Uint8Array; pixels: Uint8Array; width: number; height: number } {
  const img = new Resvg(...prepare(svg, options)).render();
  return { png: img.asPng(), pixels: img.pixels, width: img.width, height: img.height };
}

/** Rasterises a standalone SVG document to PNG bytes. */
export function svgToPng(svg: string, options: Partial<PngOptions> = {}): Uint8Array {
  return rasterize(svg, options).png;
}

/** As svgToPng, on libuv's thread pool: several run in parallel and beside the JavaScript thread. */
export async function svgToPngAsync(svg: string, options: Partial<PngOptions> = {}): Promise<Uint8Array> {
  const img = await renderAsync(...prepare(svg, options));
  return img.asPng();
}
