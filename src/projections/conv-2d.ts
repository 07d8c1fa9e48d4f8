/**
 * 2-D convolution (cross-correlation, as in PyTorch) with kernels shared across output locations.
 *
 * Geometry (geometry.ts): input [C][H][W] channel-major; Ho = floor((H + 2ph - kh) / sh) + 1, likewise Wo.
 * Post neurons are CHANNEL-MAJOR, [outC][Ho][Wo]: j = (oc * Ho + oy) * Wo + ox (PyTorch's output layout).
 * Weights: w[((oc * C + c) * kh + ky) * kw + kx], [outC][C][kh][kw] (PyTorch's Conv2d weight layout);
 * outC * C * kh * kw entries (for 28x28, k 12, s 4, 25 channels: 25 * 144 = 3600).
 *
 * Delivery scatters each input spike: for every location whose patch covers the spiking input (the
 * precomputed patch index) and every output channel, add one shared weight. Cost per step: spikes x
 * (covering locations) x outC. Padded positions have no synapse.
 *
 * The view lists every synapse (pre, post) with the index of the shared weight it uses, so many synapses
 * name the same entry of `w`; a rule that sums its updates through the view sums them over locations.
 */
// Limitation: no dilation, groups or bias; the LC-SNN and Diehl & Cook models need none of them, and a bias
// belongs to the target population (a constant current), not to the synapses.
import { requireInteger } from "../core/errors.ts";
import type { Population } from "../network/types.ts";
import { requirePopulation } from "../network/types.ts";
import { WeightedProjection, makeWeights, requireWeightOptionKeys } from "./common.ts";
import type { WeightOptions } from "./common.ts";
import { GEOMETRY_OPTION_KEYS, buildPatchIndex, checkGridSizes, resolveGeometry2d } from "./geometry.ts";
import type { Geometry2d, Geometry2dOptions, PatchIndex } from "./geometry.ts";

export interface Conv2dOptions extends Geometry2dOptions, WeightOptions {
  /** Output channels (number of kernels). */
  readonly outChannels: number;
}

export class Conv2d extends WeightedProjection {
  readonly kind = "conv-2d";
  readonly geometry: Geometry2d;
  readonly outChannels: number;

  /** Construction settings, recorded by a saved network to tell a rebuilt one with other options. */
  settings(): Record<string, unknown> {
    return { geometry: this.geometry, outChannels: this.outChannels };
  }

  /** Output locations Ho * Wo. */
  readonly locations: number;
  /** [outC, Ho, Wo], in the order of the post index. */
  readonly outShape: readonly [number, number, number];
  /** [kh, kw]. */
  readonly kernelSize: readonly [number, number];
  readonly maxFanIn: number;
  readonly maxFanOut: number;
  private readonly patches: PatchIndex;

  constructor(source: Population, target: Population, opts: Conv2dOptions) {
    requirePopulation("Conv2d source", source);
    requirePopulation("Conv2d target", target);
    requireWeightOptionKeys("Conv2d", opts, [...GEOMETRY_OPTION_KEYS, "outChannels"]);
    const g = resolveGeometry2d(opts);
    requireInteger("outChannels", opts.outChannels, 1);
    const OC = opts.outChannels;
    const L = g.Ho * g.Wo;
    checkGridSizes(
      "Conv2d",
      source.size,
      target.size,
      g,
      [OC, g.Ho, g.Wo],
      "outC x Ho x Wo",
      ` with ${OC} output channels`,
    );
    const w = makeWeights(
      OC * g.C * g.kh * g.kw,
      opts,
      "Conv2d",
      `[outC][C][kh][kw] = ${OC} x ${g.C} x ${g.kh} x ${g.kw}`,
    );
    super(source, target, w, opts, "Conv2d");
    this.geometry = g;
    this.outChannels = OC;
    this.locations = L;
    this.outShape = Object.freeze([OC, g.Ho, g.Wo] as const);
    this.kernelSize = Object.freeze([g.kh, g.kw] as const);
    this.patches = buildPatchIndex(g);
    this.maxFanIn = g.C * g.kh * g.kw;
    this.maxFanOut = this.patches.maxPerPosition * OC;
  }

  /** Weight index of kernel position (c, ky, kx) of output channel oc. */
  weightIndex(oc: number, c: number, ky: number, kx: number): number {
    const g = this.geometry;
    return ((oc * g.C + c) * g.kh + ky) * g.kw + kx;
  }

  /** Post index of output channel oc at location (oy, ox). */
  postIndex(oc: number, oy: number, ox: number): number {
    const g = this.geometry;
    return (oc * g.Ho + oy) * g.Wo + ox;
  }

  protected deliverSpikes(idx: Int32Array, count: number): void {
    const out = this.target.port(this.port);
    const w = this.w;
    const OC = this.outChannels;
    const L = this.locations;
    const { C, H, W, kh, kw } = this.geometry;
    const HW = H * W;
    const KK = kh * kw;
    const perOut = C * KK;
    const { ptr, loc, koff } = this.patches;
    for (let s = 0; s < count; s++) {
      const n = idx[s];
      const c = (n / HW) | 0;
      const pos = n - c * HW;
      const end = ptr[pos + 1];
      for (let e = ptr[pos]; e < end; e++) {
        const l = loc[e];
        const wb = c * KK + koff[e];
        for (let oc = 0; oc < OC; oc++) out[oc * L + l] += w[oc * perOut + wb];
      }
    }
  }

  incoming(j: number, pre: Int32Array, widx: Int32Array): number {
    const { C, H, W, kh, kw, sh, sw, ph, pw, Wo } = this.geometry;
    const L = this.locations;
    const oc = (j / L) | 0;
    const l = j - oc * L;
    const oy = (l / Wo) | 0;
    const ox = l - oy * Wo;
    let n = 0;
    for (let c = 0; c < C; c++) {
      for (let ky = 0; ky < kh; ky++) {
        const y = oy * sh - ph + ky;
        if (y < 0 || y >= H) continue;
        for (let kx = 0; kx < kw; kx++) {
          const x = ox * sw - pw + kx;
          if (x < 0 || x >= W) continue;
          pre[n] = (c * H + y) * W + x;
          widx[n] = ((oc * C + c) * kh + ky) * kw + kx;
          n++;
        }
      }
    }
    return n;
  }

  outgoing(i: number, post: Int32Array, widx: Int32Array): number {
    const OC = this.outChannels;
    const L = this.locations;
    const { C, H, W, kh, kw } = this.geometry;
    const HW = H * W;
    const KK = kh * kw;
    const c = (i / HW) | 0;
    const pos = i - c * HW;
    const { ptr, loc, koff } = this.patches;
    let n = 0;
    for (let e = ptr[pos]; e < ptr[pos + 1]; e++) {
      const wb = c * KK + koff[e];
      for (let oc = 0; oc < OC; oc++) {
        post[n] = oc * L + loc[e];
        widx[n] = oc * C * KK + wb;
        n++;
      }
    }
    return n;
  }
}
