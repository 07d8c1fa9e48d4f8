/**
 * An analog input u(t), given on a coarse time grid, fed to a population as the current W u through a fixed
 * weight matrix and held constant over `holdSteps` simulation steps per sample (zero-order hold). This is the
 * input path of a spiking RNN built from a rate RNN (Kim, Li & Sejnowski 2019): u on the 5 ms rate grid,
 * held for 100 LIF steps of 0.05 ms, added every step to the population's current port.
 *
 *   i_j(k) = sum_c W[j, c] u[row(k), c]        (W: size x channels, row-major; u: time-major rows x channels)
 *   row(k) = floor(k / hold)                   align "floor": a step uses the sample of the interval it lies in
 *   row(k) = round((k + 1) / hold)             align "round": the reference code's u(:, round(i/hold) + 1) with
 *                                              i = k + 1, so samples change half an interval early and the
 *                                              first sample covers only hold/2 - 1 steps; a run of T intervals
 *                                              then needs T + 1 rows.
 * round() is computed in integers, floor((2 (k + 1) + hold) / (2 hold)), so no float ties arise.
 * The current of every row is precomputed once (rows x size multiply-adds); a step adds one row into the port,
 * and rows that are all zero are skipped.
 */
import {
  FLOAT32_MAX,
  InvalidParameterError,
  ShapeMismatchError,
  allocateBuffer,
  requireFloat32Factor,
  requireInteger,
} from "../core/errors.ts";
import { describeValue, requireKnownKeys } from "../core/options.ts";
import type { Drive, Population } from "./types.ts";

export type HoldAlign = "floor" | "round";

/** Refuses a drive's `port` option unless it is absent or a port name (a bad one would fail only mid-run). */
export function requirePortOption(what: string, port: unknown): void {
  if (port !== undefined && (typeof port !== "string" || port === "")) {
    throw new InvalidParameterError(
      `${what} port must be a port name such as "i_nA", got ${describeValue(port)}`,
    );
  }
}

/**
 * Throws ShapeMismatchError unless a drive built for `size` neurons is applied to a population of that size
 * (`run` checks this before the first step through the drive's `size`; this covers a drive applied by hand).
 */
export function requireDriveTarget(what: string, size: number, target: Population): void {
  if (target.size === size) return;
  throw new ShapeMismatchError(
    `${what} was built for ${size} neurons but drives a population of ${target.size}; build it with the ` +
      `population's size`,
    { size, target: target.size },
  );
}

export interface HeldCurrentOptions {
  /** Simulation steps per input sample. */
  readonly holdSteps: number;
  /** Which sample a step uses; see the file comment. Default "floor". */
  readonly align?: HoldAlign;
  /** Target port. Default "i_nA". */
  readonly port?: string;
}

export class HeldCurrentDrive implements Drive {
  /** Number of steps the samples cover. */
  readonly steps: number;
  readonly holdSteps: number;
  readonly align: HoldAlign;
  readonly port: string;
  /** The number of neurons it drives (the target population's size). */
  readonly size: number;
  /** The current of every row, rows x size. */
  private readonly rowCurrent: Float32Array;
  private readonly rowNonZero: Uint8Array;

  /**
   * @param weights size x channels, row-major (weights[j * channels + c]); not kept.
   * @param u rows x channels, time-major (u[t * channels + c]); not kept.
   */
  constructor(
    weights: ArrayLike<number>,
    size: number,
    channels: number,
    u: ArrayLike<number>,
    opts: HeldCurrentOptions,
  ) {
    if (opts === undefined) {
      throw new InvalidParameterError(
        "HeldCurrentDrive needs its options, at least holdSteps (how many steps each input row is held), " +
          "e.g. new HeldCurrentDrive(weights, size, channels, u, { holdSteps: 100 })",
      );
    }
    requireKnownKeys("HeldCurrentDrive options", opts, ["holdSteps", "align", "port"]);
    requireInteger("size", size, 1);
    requireInteger("channels", channels, 1);
    this.holdSteps = requireInteger("holdSteps", opts.holdSteps, 1);
    requirePortOption("HeldCurrentDrive", opts.port);
    this.align = opts.align ?? "floor";
    if (this.align !== "floor" && this.align !== "round") {
      throw new InvalidParameterError(`align must be "floor" or "round", got ${JSON.stringify(this.align)}`);
    }
    this.port = opts.port ?? "i_nA";
    if (weights.length !== size * channels) {
      throw new ShapeMismatchError(
        `input weights have ${weights.length} values; ${size} neurons x ${channels} channels need ${size * channels}`,
      );
    }
    if (u.length % channels !== 0 || u.length === 0) {
      throw new ShapeMismatchError(
        `input u has ${u.length} values, not a positive multiple of ${channels} channels (time-major, u[t * channels + c])`,
      );
    }
    for (let k = 0; k < weights.length; k++) requireFloat32Factor(`input weights[${k}]`, weights[k]);
    const rows = u.length / channels;
    this.size = size;
    this.rowCurrent = allocateBuffer(
      Float32Array,
      rows * size,
      `HeldCurrentDrive: ${rows} rows of u x ${size} neurons`,
      "drive the run in chunks of fewer rows",
    );
    this.rowNonZero = new Uint8Array(rows);
    for (let t = 0; t < rows; t++) {
      let any = false;
      for (let c = 0; c < channels; c++) {
        if (requireFloat32Factor(`u[${t * channels + c}]`, u[t * channels + c]) !== 0) any = true;
      }
      if (!any) continue;
      this.rowNonZero[t] = 1;
      for (let j = 0; j < size; j++) {
        let s = 0;
        for (let c = 0; c < channels; c++) s += weights[j * channels + c] * u[t * channels + c];
        // the held current is a float32: W u beyond its range would be stored as Infinity
        if (!Number.isFinite(Math.fround(s))) {
          throw new InvalidParameterError(
            `HeldCurrentDrive: the held current W u of neuron ${j} at row ${t} of u is ${s}, beyond the ` +
              `float32 range (magnitude up to ${FLOAT32_MAX}) of the current it is held in; rescale weights or u`,
            { neuron: j, row: t, current: s },
          );
        }
        this.rowCurrent[t * size + j] = s;
      }
    }
    const h = this.holdSteps;
    // "round": steps k with 2 (k + 1) + h < 2 h rows, i.e. row(k) <= rows - 1
    this.steps = this.align === "floor" ? rows * h : Math.ceil((2 * h * rows - h) / 2) - 1;
  }

  /** The input row used at step k. */
  rowAt(k: number): number {
    const h = this.holdSteps;
    return this.align === "floor" ? Math.floor(k / h) : Math.floor((2 * (k + 1) + h) / (2 * h));
  }

  apply(step: number, target: Population): void {
    requireDriveTarget("HeldCurrentDrive", this.size, target);
    const row = this.rowAt(step);
    if (this.rowNonZero[row] === 0) return;
    const out = target.port(this.port);
    const src = this.rowCurrent;
    const o = row * this.size;
    for (let j = 0; j < this.size; j++) out[j] += src[o + j];
  }
}
