/**
 * Small raster images for the plots, without a canvas: a colour map from values to RGB, a PNG encoder
 * (8-bit RGB, filter 0 on every row, zlib via fflate; PNG spec: signature, IHDR, one IDAT, IEND, each chunk
 * with its CRC-32), and base64 data URIs. Used for weight tiles, which Plot's `image` mark then places; a
 * canvas-based raster mark is not available under linkedom. Runs in Node and in a browser.
 */
import { zlibSync } from "fflate";
import { InvalidParameterError, requireInteger } from "../core/errors.ts";
import { crc32 } from "../io/crc32.ts";

/** An RGB colour, each channel 0-255. */
export type Rgb = readonly [number, number, number];

/**
 * Anchors of the weight colour map (white -> yellow -> red -> black, like Matplotlib's "hot_r"): a weight of
 * 0 is white, the largest weight black.
 */
const HOT_R: readonly Rgb[] = [
  [255, 255, 255],
  [255, 236, 120],
  [244, 134, 32],
  [178, 24, 16],
  [0, 0, 0],
];

/** Colour of pixels that carry no value (NaN), e.g. input pixels no LC-SNN patch covers. */
export const MISSING_RGB: Rgb = [214, 222, 230];

/** Maps t in [0, 1] (clamped) to the weight colour map. */
export function hotR(t: number): Rgb {
  const u = Math.min(1, Math.max(0, t)) * (HOT_R.length - 1);
  const i = Math.min(HOT_R.length - 2, Math.floor(u));
  const f = u - i;
  const a = HOT_R[i];
  const b = HOT_R[i + 1];
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ];
}

/** CSS form "#rrggbb" of a colour. */
export function rgbHex(c: Rgb): string {
  return "#" + c.map((v) => v.toString(16).padStart(2, "0")).join("");
}

/**
 * Colours a row-major `width` x `height` array of values: (v - vmin) / (vmax - vmin) through `hotR`, NaN as
 * MISSING_RGB. Returns RGB bytes, 3 per pixel.
 */
export function colorize(
  values: ArrayLike<number>,
  width: number,
  height: number,
  vmin: number,
  vmax: number,
): Uint8Array {
  requireInteger("width", width, 1);
  requireInteger("height", height, 1);
  if (values.length !== width * height) {
    throw new InvalidParameterError(
      `image has ${values.length} values, expected width x height = ${width} x ${height} = ${width * height}`,
    );
  }
  const span = vmax > vmin ? vmax - vmin : 1;
  const lut: Rgb[] = Array.from({ length: 256 }, (_, k) => hotR(k / 255));
  const out = new Uint8Array(width * height * 3);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const c = Number.isNaN(v)
      ? MISSING_RGB
      : lut[Math.round(Math.min(1, Math.max(0, (v - vmin) / span)) * 255)];
    out[3 * i] = c[0];
    out[3 * i + 1] = c[1];
    out[3 * i + 2] = c[2];
  }
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const b = new Uint8Array(12 + data.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) b[4 + i] = type.charCodeAt(i);
  b.set(data, 8);
  v.setUint32(8 + data.length, crc32(b.subarray(4, 8 + data.length)));
  return b;
}

/** Encodes RGB bytes (3 per pixel, row-major) as a PNG file. */
export function encodePngRgb(width: number, height: number, rgb: Uint8Array): Uint8Array {
  requireInteger("width", width, 1);
  requireInteger("height", height, 1);
  if (rgb.length !== width * height * 3) {
    throw new InvalidParameterError(
      `PNG data has ${rgb.length} bytes, expected 3 x ${width} x ${height} = ${3 * width * height}`,
    );
  }
  const stride = width * 3 + 1;
  const raw = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * stride + 1);
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: truecolour
  const parts = [
    new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", header),
    chunk("IDAT", zlibSync(raw, { level: 6 })),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Standard base64 (RFC 4648, with padding). */
export function base64(bytes: Uint8Array): string {
  let s = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    s += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    s += B64[n >> 18] + B64[(n >> 12) & 63] + "==";
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    s += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + "=";
  }
  return s;
}

/** A `data:image/png;base64,...` URI of colourised values. */
export function pngDataUri(
  values: ArrayLike<number>,
  width: number,
  height: number,
  vmin: number,
  vmax: number,
): string {
  return (
    "data:image/png;base64," +
    base64(encodePngRgb(width, height, colorize(values, width, height, vmin, vmax)))
  );
}
