/**
 * Locally connected 2-D projection: like a convolution, but every (output location, filter) pair has its own
 * kernel (no weight sharing), as in the LC-SNN of Saunders et al. 2019 (docs/projections.md).
 *
 * Geometry (geometry.ts): input [C][H][W] channel-major; Ho = floor((H + 2ph - kh) / sh) + 1, likewise Wo;
 * L = Ho * Wo locations, loc = oy * Wo + ox.
 *
 * Post neurons are LOCATION-MAJOR: j = loc * F + f, so the F filters of one location are a contiguous group
 * (what within-location lateral inhibition needs). BindsNET's LocalConnection numbers them filter-major,
 * j = f * L + loc; convert when comparing.
 *
 * Weights: w[((((loc * C + c) * kh + ky) * kw + kx) * F) + f], i.e. [loc][c][ky][kx][f]; L * C * kh * kw * F
 * entries (for 28x28, k 12, s 4, 25 filters: 5 * 5 * 25 * 144 = 90,000). Kernel positions that fall in the
 * padding have a slot but no synapse: they are set to 0 and never read by `deliver` or the view.
 *
 * Delivery: one input spike at (c, y, x) adds, for each location whose patch covers (y, x) (the precomputed
 * patch index), the contiguous run of F weights at [loc][c][ky][kx][0..F) into the contiguous run of F post
 * neurons [loc * F, loc * F + F). Cost per step: spikes x (covering locations) x F.
 */
import { InvalidParameterError, requireInteger } from "../core/errors.ts";
import type { Population } from "../network/types.ts";
import { requirePopulation } from "../network/types.ts";
import { WeightedProjection, addRun, makeWeights, placeForSimd, requireWeightOptionKeys } from "./common.ts";
import type { SimdPlacement, WeightOptions } from "./common.ts";
import { GEOMETRY_OPTION_KEYS, buildPatchIndex, checkGridSizes, resolveGeometry2d } from "./geometry.ts";
import type { Geometry2d, Geometry2dOptions, PatchIndex } from "./geometry.ts";

export interface Local2dOptions extends Geometry2dOptions, WeightOptions {
  /** Filters per location, F. */
  readonly filters: number;
}

export class Local2d extends WeightedProjection {
  readonly kind = "local-2d";
  readonly geometry: Geometry2d;
  /** Filters per location. */
  readonly filters: number;

  /** Construction settings, recorded by a saved network to tell a rebuilt one with other options. */
  settings(): Record<string, unknown> {
    return { geometry: this.geometry, filters: this.filters };
  }

  /** Output locations Ho * Wo. */
  readonly locations: number;
  /** [Ho, Wo, F], in the order of the post index. */
  readonly outShape: readonly [number, number, number];
  /** [kh, kw]. */
  readonly kernelSize: readonly [number, number];
  /** Weight slots per post neuron, C * kh * kw (fewer are synapses at padded borders). */
  readonly weightsPerNeuron: number;
  readonly maxFanIn: number;
  readonly maxFanOut: number;
  private readonly patches: PatchIndex;
  private readonly simd: SimdPlacement | undefined;

  constructor(source: Population, target: Population, opts: Local2dOptions) {
    requirePopulation("Local2d source", source);
    requirePopulation("Local2d target", target);
    requireWeightOptionKeys("Local2d", opts, [...GEOMETRY_OPTION_KEYS, "filters"]);
    const g = resolveGeometry2d(opts);
    requireInteger("filters", opts.filters, 1);
    const F = opts.filters;
    const L = g.Ho * g.Wo;
    checkGridSizes(
      "Local2d",
      source.size,
      target.size,
      g,
      [g.Ho, g.Wo, F],
      "Ho x Wo x F",
      ` with ${F} filters`,
    );
    const perNeuron = g.C * g.kh * g.kw;
    const w = makeWeights(
      L * perNeuron * F,
      opts,
      "Local2d",
      `[loc][c][ky][kx][f] = ${L} x ${g.C} x ${g.kh} x ${g.kw} x ${F}`,
    );
    const simd = placeForSimd(w, L * F, F);
    super(source, target, simd?.w ?? w, opts, "Local2d", paddedSlotMask(g, F));
    this.simd = simd;
    this.geometry = g;
    this.filters = F;
    this.locations = L;
    this.outShape = Object.freeze([g.Ho, g.Wo, F] as const);
    this.kernelSize = Object.freeze([g.kh, g.kw] as const);
    this.weightsPerNeuron = perNeuron;
    this.patches = buildPatchIndex(g);
    this.maxFanOut = this.patches.maxPerPosition * F;
    this.maxFanIn = perNeuron;
    this.zeroPaddingSlots(typeof opts.weights === "object" && opts.weights !== null);
  }

  /** Total weight slots, Ho * Wo * F * C * kh * kw. */
  get weightCount(): number {
    return this.w.length;
  }

  /** Post index of filter f at output location (oy, ox). */
  postIndex(oy: number, ox: number, f: number): number {
    return (oy * this.geometry.Wo + ox) * this.filters + f;
  }

  /** Weight index of kernel position (c, ky, kx) of filter f at location loc. */
  weightIndex(loc: number, c: number, ky: number, kx: number, f: number): number {
    const g = this.geometry;
    return (((loc * g.C + c) * g.kh + ky) * g.kw + kx) * this.filters + f;
  }

  protected deliverSpikes(idx: Int32Array, count: number): void {
    const out = this.target.port(this.port);
    const w = this.w;
    const F = this.filters;
    const { C, H, W, kh, kw } = this.geometry;
    const HW = H * W;
    const KK = kh * kw;
    const { ptr, loc, koff } = this.patches;
    const simd = this.simd;
    if (count === 0) return;
    // SIMD path: the same additions in the same order, on a copy of the port in the workspace
    if (simd !== undefined) simd.acc.set(out);
    for (let s = 0; s < count; s++) {
      const n = idx[s];
      const c = (n / HW) | 0;
      const pos = n - c * HW;
      const end = ptr[pos + 1];
      for (let e = ptr[pos]; e < end; e++) {
        const l = loc[e];
        const wb = ((l * C + c) * KK + koff[e]) * F;
        if (simd !== undefined) simd.ws.add(simd.accOffset + l * F, simd.wOffset + wb, F);
        else addRun(out, l * F, w, wb, F);
      }
    }
    if (simd !== undefined) out.set(simd.acc);
  }

  synapseIndex(i: number, j: number): number {
    const F = this.filters;
    const { C, H, W, kh, kw, sh, sw, ph, pw, Wo } = this.geometry;
    const l = (j / F) | 0;
    const f = j - l * F;
    const oy = (l / Wo) | 0;
    const ox = l - oy * Wo;
    const c = (i / (H * W)) | 0;
    const pos = i - c * H * W;
    const y = (pos / W) | 0;
    const x = pos - y * W;
    const ky = y - (oy * sh - ph);
    const kx = x - (ox * sw - pw);
    if (ky < 0 || ky >= kh || kx < 0 || kx >= kw || c >= C) return -1;
    return (((l * C + c) * kh + ky) * kw + kx) * F + f;
  }

  incoming(j: number, pre: Int32Array, widx: Int32Array): number {
    const F = this.filters;
    const { C, H, W, kh, kw, sh, sw, ph, pw, Wo } = this.geometry;
    const l = (j / F) | 0;
    const f = j - l * F;
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
          widx[n] = (((l * C + c) * kh + ky) * kw + kx) * F + f;
          n++;
        }
      }
    }
    return n;
  }

  outgoing(i: number, post: Int32Array, widx: Int32Array): number {
    const F = this.filters;
    const { C, H, W, kh, kw } = this.geometry;
    const HW = H * W;
    const c = (i / HW) | 0;
    const pos = i - c * HW;
    const { ptr, loc, koff } = this.patches;
    let n = 0;
    for (let e = ptr[pos]; e < ptr[pos + 1]; e++) {
      const l = loc[e];
      const wb = ((l * C + c) * kh * kw + koff[e]) * F;
      for (let f = 0; f < F; f++) {
        post[n] = l * F + f;
        widx[n] = wb + f;
        n++;
      }
    }
    return n;
  }

  /**
   * Sets the slots of padded kernel positions to 0. `given` (a weights array from the caller): a value other
   * than 0 there is refused instead, since it would be dropped; init and a single number fill them and are
   * not checked.
   */
  private zeroPaddingSlots(given: boolean): void {
    if (given) this.refusePaddedValues(this.w, "Local2d weights");
    this.forEachPaddedSlot((wb) => this.w.fill(0, wb, wb + this.filters));
  }

  /**
   * `restoreNetworkParameters` checks restored weights here: a value other than 0 at a padded kernel position
   * would sit in `w` without ever being delivered, so it is refused, as the constructor refuses it.
   */
  checkRestoredParameter(name: string, data: ArrayLike<number>): void {
    if (name === "w") this.refusePaddedValues(data, "the saved weights w");
  }

  /** Throws, naming the first slot, when `w` holds a value other than 0 at a padded kernel position. */
  private refusePaddedValues(w: ArrayLike<number>, what: string): void {
    const { Wo } = this.geometry;
    this.forEachPaddedSlot((wb, l, c, ky, kx) => {
      for (let f = 0; f < this.filters; f++) {
        if (w[wb + f] === 0) continue;
        throw new InvalidParameterError(
          `${what}[${wb + f}] = ${w[wb + f]} is at a padded kernel position (location ` +
            `(${Math.floor(l / Wo)}, ${l % Wo}), channel ${c}, kernel (${ky}, ${kx}), filter ${f}), which has no ` +
            `synapse and would be dropped; give 0 at padded positions (weightIndex(loc, c, ky, kx, f) finds them)`,
          { index: wb + f, value: w[wb + f] },
        );
      }
    });
  }

  /** Calls `visit` with the first slot (f = 0) of every padded kernel position, in weight order. */
  private forEachPaddedSlot(visit: PaddedSlotVisitor): void {
    forEachPaddedSlot(this.geometry, this.filters, visit);
  }
}

type PaddedSlotVisitor = (wb: number, l: number, c: number, ky: number, kx: number) => void;

/** Calls `visit` with the first slot (f = 0) of every padded kernel position of geometry `g`, in weight order. */
function forEachPaddedSlot(g: Geometry2d, F: number, visit: PaddedSlotVisitor): void {
  const { C, H, W, kh, kw, sh, sw, ph, pw, Ho, Wo } = g;
  if (ph === 0 && pw === 0) return;
  for (let oy = 0; oy < Ho; oy++) {
    for (let ox = 0; ox < Wo; ox++) {
      const l = oy * Wo + ox;
      for (let c = 0; c < C; c++) {
        for (let ky = 0; ky < kh; ky++) {
          const y = oy * sh - ph + ky;
          for (let kx = 0; kx < kw; kx++) {
            const x = ox * sw - pw + kx;
            if (y >= 0 && y < H && x >= 0 && x < W) continue;
            visit((((l * C + c) * kh + ky) * kw + kx) * F, l, c, ky, kx);
          }
        }
      }
    }
  }
}

/**
 * 1 at every slot of a padded kernel position (no synapse: it holds 0 and the weight bounds do not apply), or
 * undefined without padding or when no kernel position falls outside the input.
 */
function paddedSlotMask(g: Geometry2d, F: number): Uint8Array | undefined {
  if (g.ph === 0 && g.pw === 0) return undefined;
  const mask = new Uint8Array(g.Ho * g.Wo * g.C * g.kh * g.kw * F);
  let any = false;
  forEachPaddedSlot(g, F, (wb) => {
    mask.fill(1, wb, wb + F);
    any = true;
  });
  return any ? mask : undefined;
}
