/**
 * Geometry shared by the 2-D projections (Local2d, Conv2d): output sizes and the patch index.
 *
 * Output size along one axis (the usual convolution arithmetic; case C27):
 *   out = floor((in + 2p - k) / s) + 1,   valid when in + 2p >= k
 *
 * Input neurons are laid out channel-major, [C][H][W] (index (c * H + y) * W + x), as PyTorch stores images.
 * Output location (oy, ox) covers input rows y = oy * sh - ph + ky for ky in [0, kh) (columns likewise);
 * positions that fall in the padding have no synapse.
 *
 * The patch index lists, for every input position (y, x), the (location, kernel offset) pairs whose patch
 * covers it, in CSR form. It does not depend on the channel, so one index serves all channels.
 */
import { InvalidParameterError, ShapeMismatchError, describeValue, requireInteger } from "../core/errors.ts";

/** A size given once for both axes, or as [rows, columns]. */
export type Size2d = number | readonly [number, number];

/** Resolved 2-D geometry; every field is a whole number. */
export interface Geometry2d {
  /** Input channels, height and width. */
  readonly C: number;
  readonly H: number;
  readonly W: number;
  /** Kernel height and width. */
  readonly kh: number;
  readonly kw: number;
  /** Stride along rows and columns. */
  readonly sh: number;
  readonly sw: number;
  /** Zero padding on each side, along rows and columns. */
  readonly ph: number;
  readonly pw: number;
  /** Output height and width. */
  readonly Ho: number;
  readonly Wo: number;
}

/** What the 2-D projections take to describe their geometry. */
export interface Geometry2dOptions {
  /** Input shape [channels, height, width]; the source population must have C * H * W neurons. */
  readonly inputShape: readonly [number, number, number];
  /** Kernel size k or [kh, kw]. */
  readonly kernel: Size2d;
  /** Stride s or [sh, sw]. Default 1. */
  readonly stride?: Size2d;
  /** Zero padding p or [ph, pw] on each side. Default 0. */
  readonly padding?: Size2d;
}

/** The keys of `Geometry2dOptions`. */
export const GEOMETRY_OPTION_KEYS: readonly string[] = Object.freeze([
  "inputShape",
  "kernel",
  "stride",
  "padding",
]);

/**
 * Output length of a convolution or locally connected layer along one axis:
 * floor((inSize + 2 * padding - kernel) / stride) + 1.
 * Throws `ShapeMismatchError` when the kernel is larger than the padded input.
 */
export function convOutputSize(inSize: number, kernel: number, stride = 1, padding = 0): number {
  requireInteger("input size", inSize, 1);
  requireInteger("kernel size", kernel, 1);
  requireInteger("stride", stride, 1);
  requireInteger("padding", padding, 0);
  const padded = inSize + 2 * padding;
  if (padded < kernel) {
    throw new ShapeMismatchError(
      `kernel ${kernel} is larger than the padded input ${inSize} + 2 * ${padding} = ${padded}; ` +
        `out = floor((in + 2p - k) / s) + 1 needs in + 2p >= k: use a smaller kernel or more padding`,
      { inSize, kernel, stride, padding },
    );
  }
  return Math.floor((padded - kernel) / stride) + 1;
}

function pair(name: string, v: Size2d | undefined, fallback: number, min: number): [number, number] {
  if (v === undefined) return [fallback, fallback];
  if (typeof v === "number") {
    requireInteger(name, v, min);
    return [v, v];
  }
  if (!Array.isArray(v) || v.length !== 2) {
    throw new InvalidParameterError(
      `${name} must be a number or a pair [rows, columns], got ${describeValue(v)}`,
      {
        [name]: v,
      },
    );
  }
  requireInteger(`${name}[0]`, v[0], min);
  requireInteger(`${name}[1]`, v[1], min);
  return [v[0], v[1]];
}

/** Validates the options and computes the output grid. Throws on a kernel larger than the padded input. */
export function resolveGeometry2d(opts: Geometry2dOptions): Geometry2d {
  const shape = opts.inputShape;
  if (!Array.isArray(shape) || shape.length !== 3) {
    throw new InvalidParameterError(
      `inputShape must be [channels, height, width], got ${JSON.stringify(shape)}; use [1, H, W] for one channel`,
      { inputShape: shape },
    );
  }
  const [C, H, W] = shape;
  requireInteger("inputShape channels", C, 1);
  requireInteger("inputShape height", H, 1);
  requireInteger("inputShape width", W, 1);
  const [kh, kw] = pair("kernel", opts.kernel, 0, 1);
  const [sh, sw] = pair("stride", opts.stride, 1, 1);
  const [ph, pw] = pair("padding", opts.padding, 0, 0);
  const Ho = convOutputSize(H, kh, sh, ph);
  const Wo = convOutputSize(W, kw, sw, pw);
  return Object.freeze({ C, H, W, kh, kw, sh, sw, ph, pw, Ho, Wo });
}

/** A readable summary, used in error messages: "[1, 28, 28], kernel [12, 12], stride [4, 4], padding [0, 0]". */
export function describeGeometry(g: Geometry2d): string {
  return (
    `input [${g.C}, ${g.H}, ${g.W}], kernel [${g.kh}, ${g.kw}], stride [${g.sh}, ${g.sw}], ` +
    `padding [${g.ph}, ${g.pw}]`
  );
}

/** The output-grid formula with this geometry's numbers filled in, for error messages. */
export function describeOutputFormula(g: Geometry2d): string {
  return (
    `Ho = floor((H + 2ph - kh) / sh) + 1 = floor((${g.H} + ${2 * g.ph} - ${g.kh}) / ${g.sh}) + 1 = ${g.Ho}, ` +
    `Wo = floor((W + 2pw - kw) / sw) + 1 = floor((${g.W} + ${2 * g.pw} - ${g.kw}) / ${g.sw}) + 1 = ${g.Wo}`
  );
}

/**
 * The population sizes a 2-D projection needs: the source holds the input grid C x H x W, the target the
 * output grid `outShape` (named `outNames`, e.g. "Ho x Wo x F"); `detail` (e.g. " with 8 filters") goes into
 * the message after the geometry. ShapeMismatchError naming both sizes and the output formula otherwise.
 */
export function checkGridSizes(
  what: string,
  sourceSize: number,
  targetSize: number,
  g: Geometry2d,
  outShape: readonly [number, number, number],
  outNames: string,
  detail = "",
): void {
  if (sourceSize !== g.C * g.H * g.W) {
    throw new ShapeMismatchError(
      `${what} source has ${sourceSize} neurons, but inputShape [${g.C}, ${g.H}, ${g.W}] needs C * H * W = ` +
        `${g.C * g.H * g.W}`,
      { source: sourceSize, inputShape: [g.C, g.H, g.W] },
    );
  }
  const expected = outShape[0] * outShape[1] * outShape[2];
  if (targetSize !== expected) {
    throw new ShapeMismatchError(
      `${what} target has ${targetSize} neurons, but ${describeGeometry(g)}${detail} gives ${outNames} = ` +
        `${outShape.join(" x ")} = ${expected} (${describeOutputFormula(g)})`,
      { target: targetSize, expected, outShape: [...outShape] },
    );
  }
}

/** For every input position s = y * W + x: the (location, kernel offset) pairs whose patch covers it. */
export interface PatchIndex {
  /** Length H * W + 1; the pairs of position s are entries [ptr[s], ptr[s + 1]). */
  readonly ptr: Int32Array;
  /** Output location oy * Wo + ox of each entry; ascending within a position. */
  readonly loc: Int32Array;
  /** Kernel offset ky * kw + kx of each entry. */
  readonly koff: Int32Array;
  /** The largest number of entries at any position. */
  readonly maxPerPosition: number;
}

/** Builds the patch index in two passes (count, then fill); O(Ho * Wo * kh * kw). */
export function buildPatchIndex(g: Geometry2d): PatchIndex {
  const { H, W, kh, kw, sh, sw, ph, pw, Ho, Wo } = g;
  const ptr = new Int32Array(H * W + 1);
  const visit = (fn: (s: number, loc: number, koff: number) => void): void => {
    for (let oy = 0; oy < Ho; oy++) {
      for (let ox = 0; ox < Wo; ox++) {
        const loc = oy * Wo + ox;
        for (let ky = 0; ky < kh; ky++) {
          const y = oy * sh - ph + ky;
          if (y < 0 || y >= H) continue;
          for (let kx = 0; kx < kw; kx++) {
            const x = ox * sw - pw + kx;
            if (x < 0 || x >= W) continue;
            fn(y * W + x, loc, ky * kw + kx);
          }
        }
      }
    }
  };

  visit((s) => ptr[s + 1]++);
  let maxPerPosition = 0;
  for (let s = 0; s < H * W; s++) {
    maxPerPosition = Math.max(maxPerPosition, ptr[s + 1]);
    ptr[s + 1] += ptr[s];
  }
  const total = ptr[H * W];
  const loc = new Int32Array(total);
  const koff = new Int32Array(total);
  const fill = ptr.slice(0, H * W);
  visit((s, l, k) => {
    const e = fill[s]++;
    loc[e] = l;
    koff[e] = k;
  });
  return { ptr, loc, koff, maxPerPosition };
}
