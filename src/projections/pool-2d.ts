/**
 * Shared machinery of the 2-D pooling projections (sum-pool-2d.ts, avg-pool-2d.ts): a depthwise window
 * with one fixed weight, as PyTorch's pooling layers compute it.
 *
 * Geometry (geometry.ts): input [C][H][W] channel-major, Ho = floor((H + 2ph - kh) / sh) + 1, likewise Wo.
 * Post neurons are channel-major [C][Ho][Wo], j = (c * Ho + oy) * Wo + ox: channel c pools only channel c.
 * Output (c, oy, ox) receives input (c, oy * sh - ph + ky, ox * sw - pw + kx) for ky < kh, kx < kw; padded
 * positions contribute nothing (zero padding).
 * One weight, shared by every synapse: w[0] (1 for a sum, 1 / (kh kw) for a mean). The view lists every
 * synapse with weight index 0, like a convolution whose kernel is fixed.
 * Delivery scatters each input spike into the outputs whose window covers it (the patch index).
 * Cost per step: spikes x (covering windows).
 */
import type { Population } from "../network/types.ts";
import { requirePopulation } from "../network/types.ts";
import { requireOptions } from "../core/options.ts";
import { WeightedProjection } from "./common.ts";
import type { DelayOptions } from "./common.ts";
import { GEOMETRY_OPTION_KEYS, buildPatchIndex, checkGridSizes, resolveGeometry2d } from "./geometry.ts";
import type { Geometry2d, PatchIndex, Size2d } from "./geometry.ts";

export interface Pool2dOptions extends DelayOptions {
  /** Input shape [channels, height, width]; the source must have C * H * W neurons. */
  readonly inputShape: readonly [number, number, number];
  /** Window size k or [kh, kw]. */
  readonly kernel: Size2d;
  /** Stride s or [sh, sw]. Default: the window size (PyTorch's default for pooling). */
  readonly stride?: Size2d;
  /** Zero padding p or [ph, pw] on each side. Default 0. */
  readonly padding?: Size2d;
  /** Target port. Default: the target's first port. */
  readonly port?: string;
}

export abstract class Pool2d extends WeightedProjection {
  readonly geometry: Geometry2d;

  /** Construction settings, recorded by a saved network to tell a rebuilt one with other options. */
  settings(): Record<string, unknown> {
    return { geometry: this.geometry };
  }

  /** Output locations Ho * Wo per channel. */
  readonly locations: number;
  /** [C, Ho, Wo], in the order of the post index. */
  readonly outShape: readonly [number, number, number];
  readonly maxFanIn: number;
  readonly maxFanOut: number;
  private readonly patches: PatchIndex;

  protected constructor(
    source: Population,
    target: Population,
    opts: Pool2dOptions,
    weightOf: (g: Geometry2d) => number,
    what: string,
  ) {
    requirePopulation(`${what} source`, source);
    requirePopulation(`${what} target`, target);
    requireOptions(
      what,
      opts,
      [...GEOMETRY_OPTION_KEYS, "port", "delay_ms", "dt_ms"],
      `new ${what}(source, target, { inputShape: [C, H, W], kernel: 2 })`,
    );
    const g = resolveGeometry2d({
      inputShape: opts.inputShape,
      kernel: opts.kernel,
      stride: opts.stride ?? opts.kernel,
      ...(opts.padding !== undefined ? { padding: opts.padding } : {}),
    });
    const L = g.Ho * g.Wo;
    checkGridSizes(what, source.size, target.size, g, [g.C, g.Ho, g.Wo], "C x Ho x Wo");
    super(
      source,
      target,
      Float32Array.of(weightOf(g)),
      { port: opts.port, delay_ms: opts.delay_ms, dt_ms: opts.dt_ms },
      what,
    );
    this.geometry = g;
    this.locations = L;
    this.outShape = Object.freeze([g.C, g.Ho, g.Wo] as const);
    this.patches = buildPatchIndex(g);
    this.maxFanIn = g.kh * g.kw;
    this.maxFanOut = this.patches.maxPerPosition;
  }

  protected deliverSpikes(idx: Int32Array, count: number): void {
    const out = this.target.port(this.port);
    const w0 = this.w[0];
    const L = this.locations;
    const HW = this.geometry.H * this.geometry.W;
    const { ptr, loc } = this.patches;
    for (let s = 0; s < count; s++) {
      const n = idx[s];
      const c = (n / HW) | 0;
      const pos = n - c * HW;
      const base = c * L;
      const end = ptr[pos + 1];
      for (let e = ptr[pos]; e < end; e++) out[base + loc[e]] += w0;
    }
  }

  incoming(j: number, pre: Int32Array, widx: Int32Array): number {
    const { H, W, kh, kw, sh, sw, ph, pw, Wo } = this.geometry;
    const L = this.locations;
    const c = (j / L) | 0;
    const l = j - c * L;
    const oy = (l / Wo) | 0;
    const ox = l - oy * Wo;
    let n = 0;
    for (let ky = 0; ky < kh; ky++) {
      const y = oy * sh - ph + ky;
      if (y < 0 || y >= H) continue;
      for (let kx = 0; kx < kw; kx++) {
        const x = ox * sw - pw + kx;
        if (x < 0 || x >= W) continue;
        pre[n] = (c * H + y) * W + x;
        widx[n] = 0;
        n++;
      }
    }
    return n;
  }

  outgoing(i: number, post: Int32Array, widx: Int32Array): number {
    const L = this.locations;
    const HW = this.geometry.H * this.geometry.W;
    const c = (i / HW) | 0;
    const pos = i - c * HW;
    const { ptr, loc } = this.patches;
    let n = 0;
    for (let e = ptr[pos]; e < ptr[pos + 1]; e++) {
      post[n] = c * L + loc[e];
      widx[n] = 0;
      n++;
    }
    return n;
  }
}
