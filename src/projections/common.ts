/**
 * What every weighted projection shares: the target port, weight initialisation, weight bounds and the
 * `SynapseView` plumbing. A projection subclasses `WeightedProjection`, passes it a filled weight buffer and
 * implements `deliver`, `incoming` and `outgoing` for its own layout.
 *
 * Weights are always copied into a Float32Array the projection owns; the caller's arrays are never kept or
 * written. With `bounds`, the initial weights must already lie in [wMin, wMax] (a projection is never
 * silently clipped); `clampAll()` enforces the bounds after any outside change to `w`.
 */
import {
  InvalidParameterError,
  ShapeMismatchError,
  StateError,
  allocateBuffer,
  requireFloat32,
} from "../core/errors.ts";
import { describeValue, requireKnownKeys } from "../core/options.ts";
import { type Rng, requireRng } from "../core/rng.ts";
import type { LearningRule, Population, Projection, SynapseView, WeightBounds } from "../network/types.ts";
import { storedBounds } from "../network/types.ts";
import { F32Workspace } from "../core/simd.ts";
import type { SpikeSource } from "../network/types.ts";
import { SpikeDelayLine, delaySteps } from "./delay.ts";

/** Random or constant initial weights. */
export type WeightInit =
  | { readonly kind: "uniform"; readonly lo: number; readonly hi: number; readonly rng: Rng }
  | { readonly kind: "normal"; readonly mean: number; readonly sd: number; readonly rng: Rng }
  | { readonly kind: "constant"; readonly value: number };

/**
 * A conduction delay (src/projections/delay.ts), the same for every synapse of the projection. Default none:
 * a spike emitted at step s reaches the target at step s + 1.
 */
export interface DelayOptions {
  /**
   * Time in ms added to the one-step delivery: a spike emitted at step s reaches the target at step
   * s + 1 + delay_ms / dt_ms (Brian2's `delay`; NEST's delay D is D - dt here). A whole number of steps.
   */
  readonly delay_ms?: number | undefined;
  /** The network's time step, needed with a nonzero `delay_ms` to count it in steps; checked by the network. */
  readonly dt_ms?: number | undefined;
}

/** Options shared by every weighted projection. Give exactly one of `weights` and `init`. */
export interface WeightOptions extends DelayOptions {
  /** Initial weights in the projection's documented layout (copied), or one number for all synapses. */
  readonly weights?: number | ArrayLike<number> | undefined;
  /** How to draw the initial weights. */
  readonly init?: WeightInit | undefined;
  /** Target port to add into. Default: the target's first port (`target.portNames[0]`). */
  readonly port?: string | undefined;
  /** Inclusive weight bounds; required before a learning rule is attached. Default: none. */
  readonly bounds?: WeightBounds | undefined;
}

/** The keys of `WeightOptions`. */
export const WEIGHT_OPTION_KEYS: readonly string[] = Object.freeze([
  "weights",
  "init",
  "port",
  "bounds",
  "delay_ms",
  "dt_ms",
]);

/**
 * Refuses a projection's options object when it has a key outside `WEIGHT_OPTION_KEYS` and `extra`; `what`
 * names the projection ("Dense options").
 */
export function requireWeightOptionKeys(what: string, opts: object, extra: readonly string[] = []): void {
  if (opts === undefined) {
    throw new InvalidParameterError(
      `${what} needs an options object with its weights: \`weights\` (a number or one value per synapse) or ` +
        `\`init\`, e.g. { init: { kind: "uniform", lo: 0, hi: 0.3, rng: createRng(seed, "weights") } }`,
    );
  }
  requireKnownKeys(`${what} options`, opts, [...WEIGHT_OPTION_KEYS, ...extra]);
}

/** The port name this projection adds into; throws `NotFoundError` if the target has no such port. */
export function resolvePort(target: Population, port: string | undefined): string {
  const name = port ?? target.portNames[0];
  target.port(name);
  return name;
}

/** Validates bounds and returns a frozen copy. */
export function checkBounds(bounds: WeightBounds | undefined): WeightBounds | undefined {
  if (bounds === undefined) return undefined;
  requireKnownKeys("bounds", bounds, ["wMin", "wMax"]);
  const b = bounds as Partial<WeightBounds>;
  if (typeof bounds === "object" && bounds !== null && (b.wMin === undefined || b.wMax === undefined)) {
    // a one-sided bound is a common wish (weights >= 0 only): say both are needed and how to leave one open
    const missing = b.wMin === undefined ? "wMin" : "wMax";
    throw new InvalidParameterError(
      `bounds needs both wMin and wMax, got no ${missing}; for a bound on one side only give the other as ` +
        `${missing === "wMin" ? "-3.4e38" : "3.4e38"} (about the float32 limit), e.g. bounds: ` +
        (missing === "wMin"
          ? `{ wMin: -3.4e38, wMax: ${String(b.wMax)} }`
          : `{ wMin: ${String(b.wMin)}, wMax: 3.4e38 }`),
      { ...bounds },
    );
  }
  requireFloat32("bounds.wMin", bounds.wMin);
  requireFloat32("bounds.wMax", bounds.wMax);
  if (bounds.wMin > bounds.wMax) {
    throw new InvalidParameterError(
      `bounds.wMin (${bounds.wMin}) must be <= bounds.wMax (${bounds.wMax}); swap them`,
      { ...bounds },
    );
  }
  return Object.freeze({ wMin: bounds.wMin, wMax: bounds.wMax });
}

/** The keys each initialiser kind takes. */
const INIT_KEYS: Readonly<Record<string, readonly string[]>> = {
  uniform: ["kind", "lo", "hi", "rng"],
  normal: ["kind", "mean", "sd", "rng"],
  // a generator is allowed (and unused), so code that always passes one can switch kinds freely
  constant: ["kind", "value", "rng"],
};

/** Fills `w` from an initialiser, drawing in index order (so a seed fixes every weight). */
export function fillWeights(w: Float32Array, init: WeightInit, what: string): void {
  if (init === null || typeof init !== "object" || Array.isArray(init)) {
    throw new InvalidParameterError(
      `${what} init must be an object such as { kind: "uniform", lo, hi, rng }, got ${describeValue(init)}`,
    );
  }
  const keys = Object.hasOwn(INIT_KEYS, init.kind) ? INIT_KEYS[init.kind] : undefined;
  if (keys !== undefined) requireKnownKeys(`${what} init`, init, keys);
  switch (init.kind) {
    case "constant":
      requireFloat32(`${what} init.value`, init.value);
      w.fill(init.value);
      return;
    case "uniform": {
      requireFloat32(`${what} init.lo`, init.lo);
      requireFloat32(`${what} init.hi`, init.hi);
      if (init.lo > init.hi) {
        throw new InvalidParameterError(`${what} init.lo (${init.lo}) must be <= init.hi (${init.hi})`, {
          lo: init.lo,
          hi: init.hi,
        });
      }
      const rng = requireRng(`${what} init`, init.rng, '"weights"');
      for (let k = 0; k < w.length; k++) w[k] = rng.uniform(init.lo, init.hi);
      return;
    }
    case "normal": {
      requireFloat32(`${what} init.mean`, init.mean);
      requireFloat32(`${what} init.sd`, init.sd);
      if (init.sd < 0) {
        throw new InvalidParameterError(`${what} init.sd must be >= 0, got ${init.sd}`, { sd: init.sd });
      }
      const rng = requireRng(`${what} init`, init.rng, '"weights"');
      for (let k = 0; k < w.length; k++) {
        w[k] = init.mean + init.sd * rng.normal();
        if (!Number.isFinite(w[k])) {
          throw new InvalidParameterError(
            `${what} init drew weight ${k} beyond the float32 range (mean ${init.mean}, sd ${init.sd}), where ` +
              `it would become Infinity; rescale the initialiser`,
            { index: k, mean: init.mean, sd: init.sd },
          );
        }
      }
      return;
    }
    default: {
      const never: never = init;
      throw new InvalidParameterError(
        `${what} init.kind must be "uniform", "normal" or "constant", got ${JSON.stringify((never as WeightInit).kind)}`,
      );
    }
  }
}

/** Largest weight buffer of one projection: 2^29 float32 = 2 GiB (JavaScript engines refuse much more). */
export const MAX_WEIGHTS = 2 ** 29;

/**
 * A new weight buffer of `count` entries from `weights` (copied) or `init`. `layout` describes the expected
 * layout for the length-mismatch message, e.g. "[pre][post] = 784 x 100".
 */
export function makeWeights(count: number, opts: WeightOptions, what: string, layout: string): Float32Array {
  const { weights, init } = opts;
  if (count > MAX_WEIGHTS) {
    throw new InvalidParameterError(
      `${what} would hold ${count} weights (${layout}), ${((count * 4) / 2 ** 30).toFixed(1)} GiB of float32; ` +
        `the most one projection may hold is ${MAX_WEIGHTS} (2 GiB): make the layers smaller or use Sparse`,
      { count },
    );
  }
  if ((weights === undefined) === (init === undefined)) {
    throw new InvalidParameterError(
      `${what} needs exactly one of \`weights\` and \`init\`, got ${weights === undefined ? "neither" : "both"}; ` +
        `e.g. init: { kind: "uniform", lo: 0, hi: 0.3, rng: createRng(seed, "weights") }`,
    );
  }
  const w = allocateBuffer(
    Float32Array,
    count,
    `${what} weights (${layout})`,
    "make the layers smaller or use Sparse",
  );
  if (init !== undefined) {
    fillWeights(w, init, what);
    return w;
  }
  if (typeof weights === "number") {
    requireFloat32(`${what} weights`, weights);
    return w.fill(weights);
  }
  if (
    typeof weights !== "object" ||
    weights === null ||
    typeof (weights as ArrayLike<number>).length !== "number"
  ) {
    // a string has a length too: it would be read character by character
    throw new InvalidParameterError(
      `${what} weights must be a number (every weight) or an array of ${count} numbers (${layout}), got ` +
        `${describeValue(weights)}`,
    );
  }
  const src = weights as ArrayLike<number>;
  if (src.length !== count) {
    throw new ShapeMismatchError(
      `${what} weights have length ${src.length}, but the layout ${layout} needs ${count}`,
      { length: src.length, expected: count },
    );
  }
  for (let k = 0; k < count; k++) {
    const v = src[k];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new InvalidParameterError(
        `${what} weights[${k}] must be a finite number, got ${describeValue(v)}`,
        {
          index: k,
          value: v,
        },
      );
    }
    w[k] = v;
    if (!Number.isFinite(w[k])) requireFloat32(`${what} weights[${k}]`, v);
  }
  return w;
}

/**
 * Throws unless every weight lies within the bounds, as float32 holds them: a weight given as 0.3 is stored
 * as fround(0.3) = 0.30000001..., which is inside bounds [0, 0.3].
 */
export function requireWithinBounds(
  w: Float32Array,
  bounds: WeightBounds,
  what: string,
  empty?: Uint8Array,
): void {
  const [lo, hi] = storedBounds(bounds, true);
  for (let k = 0; k < w.length; k++) {
    if (empty !== undefined && empty[k] !== 0) continue;
    if (!(w[k] >= lo && w[k] <= hi)) {
      throw new InvalidParameterError(
        `${what} weight ${k} is ${w[k]}, outside bounds [${bounds.wMin}, ${bounds.wMax}]; ` +
          `draw the initial weights inside the bounds or widen the bounds`,
        { index: k, value: w[k], ...bounds },
      );
    }
  }
}

/**
 * Clamps every entry of `w` into [wMin, wMax] in place; entries where `empty` is non-zero (slots that are no
 * synapse, such as Local2d's padded kernel positions, which stay 0) are left alone.
 */
export function clampWeights(w: Float32Array, bounds: WeightBounds, empty?: Uint8Array): void {
  const { wMin, wMax } = bounds;
  for (let k = 0; k < w.length; k++) {
    if (empty !== undefined && empty[k] !== 0) continue;
    const v = w[k];
    if (v < wMin) w[k] = wMin;
    else if (v > wMax) w[k] = wMax;
  }
}

/** The error for an assignment to a projection's delay, which is fixed at construction. */
export function refuseDelayChange(name: string): never {
  throw new StateError(
    `a projection's ${name} is fixed when it is built (its delay line is sized for it); build the projection ` +
      `again with { delay_ms, dt_ms } (Brian2's S.delay = ... has no equivalent), and add that one instead`,
  );
}

/** Base of every projection with a weight buffer; the projection is its own `SynapseView`. */
export abstract class WeightedProjection implements Projection, SynapseView {
  abstract readonly kind: string;
  readonly source: Population;
  readonly target: Population;
  readonly port: string;
  readonly rules: LearningRule[] = [];
  readonly bounds?: WeightBounds;
  /** The weights, in the layout documented by each projection. Mutate only through rules, `set` or loaders. */
  readonly w: Float32Array;
  readonly preSize: number;
  readonly postSize: number;
  abstract readonly maxFanIn: number;
  abstract readonly maxFanOut: number;

  /** 1 where a slot of `w` is no synapse (it holds 0 and is exempt from the bounds); undefined: none is. */
  private readonly empty: Uint8Array | undefined;
  private readonly delayMs: number;
  private readonly delayStepCount: number;
  /** The time step the delays were counted in (the `dt_ms` option); `addProjection` compares it. */
  readonly dt_ms: number | undefined;
  private readonly line: SpikeDelayLine | undefined;

  /** Conduction delay in ms added to the one-step delivery (0: none); fixed at construction. */
  get delay_ms(): number {
    return this.delayMs;
  }
  /**
   * Refuses a new delay (Brian2's `S.delay = 2*ms` has no equivalent here): the delay line is built for the
   * delay given at construction, and a changed number would be recorded without taking effect.
   */
  set delay_ms(_value: never) {
    refuseDelayChange("delay_ms");
  }

  /** The delay in steps, `delay_ms / dt_ms`; fixed at construction. */
  get delaySteps(): number {
    return this.delayStepCount;
  }
  set delaySteps(_value: never) {
    refuseDelayChange("delaySteps");
  }

  /** `empty`: 1 where a slot of `w` is no synapse (Local2d's padded kernel positions), exempt from the bounds. */
  protected constructor(
    source: Population,
    target: Population,
    w: Float32Array,
    opts: WeightOptions,
    what: string,
    empty?: Uint8Array,
  ) {
    this.source = source;
    this.target = target;
    this.port = resolvePort(target, opts.port);
    this.w = w;
    this.preSize = source.size;
    this.postSize = target.size;
    this.empty = empty;
    this.delayStepCount = delaySteps(what, opts.delay_ms, opts.dt_ms);
    this.delayMs = this.delayStepCount === 0 ? 0 : (opts.delay_ms as number);
    this.dt_ms = opts.dt_ms;
    this.line = this.delayStepCount === 0 ? undefined : new SpikeDelayLine(source, this.delayStepCount);
    const bounds = checkBounds(opts.bounds);
    if (bounds !== undefined) {
      requireWithinBounds(w, bounds, what, empty);
      this.bounds = bounds;
    }
  }

  /**
   * The slots of `w` that are no synapse (1; they hold 0 and the bounds do not apply to them), or undefined
   * when every slot is one. `networkParameters` and `restoreNetworkParameters` skip them in their bounds checks.
   */
  emptySlots(): Uint8Array | undefined {
    return this.empty;
  }

  get view(): SynapseView {
    return this;
  }

  /** The weights, live (saved and restored by `networkParameters` / `restoreNetworkParameters`). */
  parameters(): Readonly<Record<string, Float32Array | Float64Array>> {
    return { w: this.w };
  }

  /** Clamps every weight into `bounds` (slots that are no synapse stay 0); a no-op without bounds. */
  clampAll(): void {
    if (this.bounds !== undefined) clampWeights(this.w, this.bounds, this.empty);
  }

  /**
   * The presynaptic spikes as the synapses see them in the step being taken: the source's own, or with a
   * delay the ones arriving now (what learning rules read).
   */
  get arrivals(): SpikeSource | undefined {
    return this.line?.arrivals;
  }

  /** Adds the weights of the source's latest spikes (with a delay: of the ones arriving) into the target. */
  deliver(): void {
    const line = this.line;
    if (line === undefined) {
      this.deliverSpikes(this.source.spikeIdx, this.source.spikeCount);
      return;
    }
    line.advance();
    this.deliverSpikes(line.deliveredIdx, line.deliveredCount);
  }

  /** Back to the initial transient state: drops the spikes in flight (the weights are kept). */
  reset(): void {
    this.line?.reset();
  }

  /** Adds the outgoing weights of the presynaptic neurons `idx[0 .. count)` into the target port. */
  protected abstract deliverSpikes(idx: Int32Array, count: number): void;
  abstract incoming(j: number, pre: Int32Array, widx: Int32Array): number;
  abstract outgoing(i: number, post: Int32Array, widx: Int32Array): number;
}

/**
 * out[o .. o+n) += w[wo .. wo+n): the inner loop of every event-driven delivery. Unrolled by 4, which is
 * about twice as fast in V8 as the plain loop.
 */
export function addRun(out: Float32Array, o: number, w: Float32Array, wo: number, n: number): void {
  let f = 0;
  for (; f + 4 <= n; f += 4) {
    out[o + f] += w[wo + f];
    out[o + f + 1] += w[wo + f + 1];
    out[o + f + 2] += w[wo + f + 2];
    out[o + f + 3] += w[wo + f + 3];
  }
  for (; f < n; f++) out[o + f] += w[wo + f];
}

/**
 * Weights and an accumulator for the target port, placed in a SIMD workspace (core/simd.ts). `deliver`
 * copies the port into `acc`, adds weight runs there with the SIMD kernel and copies `acc` back, so the sums
 * are bit-identical to adding into the port directly.
 */
export interface SimdPlacement {
  readonly ws: F32Workspace;
  /** The weights (a view into the workspace; the projection's `w`). */
  readonly w: Float32Array;
  readonly wOffset: number;
  readonly acc: Float32Array;
  readonly accOffset: number;
}

/** Shortest weight run for which the SIMD call beats the scalar loop (measured: the call costs ~10 adds). */
export const SIMD_MIN_RUN = 16;

/**
 * Copies `w` into a new SIMD workspace with an accumulator of `accFloats`, or returns undefined when runs are
 * shorter than SIMD_MIN_RUN or the kernel is unavailable (then the projection keeps `w` and the scalar path).
 */
export function placeForSimd(
  w: Float32Array,
  accFloats: number,
  runLength: number,
): SimdPlacement | undefined {
  if (runLength < SIMD_MIN_RUN) return undefined;
  const ws = F32Workspace.create([w.length, accFloats]);
  if (ws === undefined) return undefined;
  const wOffset = ws.reserve(w.length);
  const accOffset = ws.reserve(accFloats);
  const placed = ws.view(wOffset, w.length);
  placed.set(w);
  return { ws, w: placed, wOffset, acc: ws.view(accOffset, accFloats), accOffset };
}
