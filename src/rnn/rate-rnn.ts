/**
 * Continuous-variable rate RNN with Dale's principle and trainable synaptic decay constants.
 * Source: Kim, Li & Sejnowski, PNAS 116:22811 (2019), Methods; rkim35/spikeRNN rate/model.py (read, not ported);
 * docs/rnn.md section 1.
 *
 * Continuous form:  tau_d,i dx_i/dt = -x_i + sum_j W_ij r_j + (W_in u)_i,   r = f(x),   o = W_out r + b_out
 * Discretised (first-order Euler, step dt = 5 ms, alpha_i = dt / tau_d,i), for t = 1 .. T-1:
 *   x_t = (1 - alpha) . x_{t-1} + alpha . (W_eff r_{t-1} + W_in u_{t-1}) + xi_t,   xi_t ~ N(0, noiseSd^2) per unit
 *   r_t = f(x_t),   o_t = W_out r_t + b_out
 * with x_0 ~ N(0, initStateSd^2), r_0 = f(x_0). The noise sits outside the alpha factor, as in the reference code.
 * The trial produces T-1 outputs o_1 .. o_{T-1}, stored at indices 0 .. T-2 and compared with target[0 .. T-2].
 *
 * Dale's principle (Song, Yang & Wang 2016 parametrisation): W_eff = relu(W_raw) . D . M, D = diag(s_j) with
 * s_j = +1 (excitatory) or -1 (inhibitory) per PRESYNAPTIC unit j, so column j of W_eff carries unit j's sign.
 * M is the optional SST mask (no connection from any inhibitory unit onto an SST unit). Without Dale,
 * W_eff = W_raw (no relu, all units excitatory).
 *
 * Synaptic decay per unit: tau_d,i = sigmoid(theta_i) (tau_max - tau_min) + tau_min, theta ~ N(0, 1), trained.
 *
 * Storage: the recurrent support (connection probability pConnect, drawn once) is CSR by postsynaptic row, so
 * row i lists the presynaptic units j that feed unit i; the forward matvec is then a gather over row i and costs
 * nnz ~ pConnect N^2. The support never changes; the SST mask is applied by leaving its entries out of the
 * support at initialisation (a fixed zero in M is the same as an absent entry: no effect, no gradient). All
 * parameters are Float64Array: JavaScript arithmetic is float64, so float64 storage costs no conversions and
 * matches the finite-difference gradient check; Float32Array weights measured no faster at N = 200 (the
 * support, 8000 entries, stays in L2 either way).
 *
 * Limitation: without Dale the reference code trains the full N x N matrix, so entries off the initial support
 * can grow (the network densifies). Here the support stays fixed in both modes, which keeps the CSR layout
 * and the 0.2 N^2 cost; pConnect = 1 gives a dense no-Dale network, but with a Gaussian init on every entry.
 */
import { log } from "../core/log.ts";
import {
  FLOAT32_MAX,
  InvalidParameterError,
  ShapeMismatchError,
  describeValue,
  requireFinite,
  requireInteger,
  requireNonNegative,
  requirePositive,
} from "../core/errors.ts";
import { withDefaults } from "../core/options.ts";
import { type Rng, createRng } from "../core/rng.ts";
import { type RateActivation, applyActivation, sigmoid } from "./activation.ts";
import { fillGaussian } from "./gaussian.ts";

export {
  ACTIVATION_CLIP,
  type RateActivation,
  activationDerivative,
  applyActivation,
  sigmoid,
} from "./activation.ts";

export interface RateRnnOptions {
  /** Number of units N. Default 200 (paper's Go-NoGo example). */
  readonly units: number;
  /** Number of input channels (1 Go-NoGo, 2 XOR, 4 Mante). Default 1. */
  readonly inputs: number;
  /** Probability that a unit is inhibitory (Bernoulli per unit). Default 0.2 (paper, code). */
  readonly pInhibitory: number;
  /** Connection probability of the fixed recurrent support. Default 0.2 (paper, code). */
  readonly pConnect: number;
  /** Gain g of the initial weights N(0,1) g / sqrt(N pConnect). Default 1.5 (code `--gain`). */
  readonly gain: number;
  /** Dale's principle: relu on raw weights, sign per presynaptic unit. Default true. false = the no-Dale variant. */
  readonly dale: boolean;
  /** Number of SST units (the first sstCount inhibitory units); 0 = no SST mask. Default 0 (code `--som_N`). */
  readonly sstCount: number;
  /** Rate transfer function. Default "sigmoid" (the only one that converts robustly to LIF, paper Fig 7). */
  readonly activation: RateActivation;
  /** Rate-model time step. Default 5 ms (paper, code). */
  readonly dt_ms: number;
  /** Lower bound of the synaptic decay constants. Default 20 ms (paper's main setting, `--decay_taus 4 10`). */
  readonly tauMin_ms: number;
  /** Upper bound; equal to tauMin_ms means fixed, untrained decay constants. Default 50 ms. */
  readonly tauMax_ms: number;
  /** SD of the additive per-step noise on x. Default 0.1, i.e. N(0, 0.01) (code `randn/10`). */
  readonly noiseSd: number;
  /** SD of the initial state x_0. Default 0.01 (code `randn/100`). */
  readonly initStateSd: number;
  /** Seed of the initial weights and unit types, drawn from `createRng(seed, "rnn-init")`. Default 1. */
  readonly seed: number;
}

export const RATE_RNN_DEFAULTS: Readonly<RateRnnOptions> = Object.freeze({
  units: 200,
  inputs: 1,
  pInhibitory: 0.2,
  pConnect: 0.2,
  gain: 1.5,
  dale: true,
  sstCount: 0,
  activation: "sigmoid" as RateActivation,
  dt_ms: 5,
  tauMin_ms: 20,
  tauMax_ms: 50,
  noiseSd: 0.1,
  initStateSd: 0.01,
  seed: 1,
});

/** The dynamics settings a trained model keeps (everything but the initialisation-only fields). */
export interface RateRnnDynamics {
  readonly dale: boolean;
  readonly activation: RateActivation;
  readonly dt_ms: number;
  readonly tauMin_ms: number;
  readonly tauMax_ms: number;
  readonly noiseSd: number;
  readonly initStateSd: number;
}

/**
 * A rate RNN. The typed arrays are the parameters; training updates wRaw, wOut, bOut and theta in place.
 * Row i of the CSR arrays lists the presynaptic units of unit i: entries k in [rowPtr[i], rowPtr[i+1]) connect
 * colIdx[k] -> i with raw weight wRaw[k].
 */
export interface RateRnn {
  readonly units: number;
  readonly inputs: number;
  readonly dynamics: Readonly<RateRnnDynamics>;
  /** +1 for excitatory, -1 for inhibitory units (all +1 without Dale). */
  readonly sign: Int8Array;
  /** 1 for SST units (a subset of the inhibitory ones). */
  readonly sst: Uint8Array;
  readonly rowPtr: Int32Array;
  readonly colIdx: Int32Array;
  readonly wRaw: Float64Array;
  /** Fixed input weights, units x inputs, row-major: wIn[i * inputs + c]. */
  readonly wIn: Float64Array;
  readonly wOut: Float64Array;
  /** The scalar output bias, in a one-element array so that it can be updated in place. */
  readonly bOut: Float64Array;
  /** Decay parameters: tau_d,i = sigmoid(theta_i) (tauMax - tauMin) + tauMin. */
  readonly theta: Float64Array;
}

function validateOptions(o: RateRnnOptions): void {
  requireInteger("units", o.units, 1);
  requireInteger("inputs", o.inputs, 1);
  requireInteger("sstCount", o.sstCount, 0);
  requireInteger("seed", o.seed, 0);
  for (const [name, p] of [
    ["pInhibitory", o.pInhibitory],
    ["pConnect", o.pConnect],
  ] as const) {
    requireFinite(name, p);
    if (p < 0 || p > 1) throw new InvalidParameterError(`${name} must be in [0, 1], got ${p}`, { [name]: p });
  }
  if (o.pConnect === 0)
    throw new InvalidParameterError("pConnect must be > 0 (0 leaves no recurrent weights)");
  requirePositive("gain", o.gain);
  if (typeof o.dale !== "boolean")
    throw new InvalidParameterError(`dale must be true or false, got ${String(o.dale)}`);
  if (o.sstCount > 0 && !o.dale) {
    throw new InvalidParameterError(
      `sstCount = ${o.sstCount} needs dale = true: SST units are chosen among the inhibitory units`,
    );
  }
  validateDynamics(o);
}

/**
 * Throws `InvalidParameterError` unless `model` looks like a rate RNN (the object createRateRnn,
 * trainRateRnn, rateRnnFromJSON or rateRnnFromSavedModel return); `what` names the caller.
 */
export function requireRateRnn(what: string, model: unknown): RateRnn {
  const m = model as Partial<RateRnn> | null | undefined;
  const ok =
    m !== null &&
    typeof m === "object" &&
    Number.isInteger(m.units) &&
    Number.isInteger(m.inputs) &&
    typeof m.dynamics === "object" &&
    m.sign instanceof Int8Array &&
    m.rowPtr instanceof Int32Array &&
    m.wRaw instanceof Float64Array &&
    m.wIn instanceof Float64Array &&
    m.wOut instanceof Float64Array &&
    m.theta instanceof Float64Array;
  if (!ok) {
    const got =
      m === null || typeof m !== "object" ? String(m) : `an object with keys ${Object.keys(m).join(", ")}`;
    throw new InvalidParameterError(
      `${what} takes a rate RNN (from createRateRnn, trainRateRnn, rateRnnFromJSON or rateRnnFromSavedModel), ` +
        `got ${got}`,
    );
  }
  return m as RateRnn;
}

/**
 * The largest noiseSd and initStateSd: FLOAT32_MAX (3.4e38), the bound spikeflow puts on every noise SD. The
 * activations are bounded (at most ACTIVATION_CLIP), so the state x is the only thing the noise can overflow:
 * with |xi| < 15 SD per draw (fillGaussian's ziggurat tail) the noise adds less than 1e46 to x over a million
 * steps, while an SD of 1e308 makes x infinite, then NaN (Infinity - Infinity), and the outputs NaN.
 */
export const MAX_NOISE_SD = FLOAT32_MAX;

/**
 * Throws `InvalidParameterError` unless the dynamics settings are valid: `dale` a boolean, a known activation,
 * dt_ms > 0, dt_ms <= tauMin_ms <= tauMax_ms (finite), noiseSd and initStateSd in [0, MAX_NOISE_SD]. Messages
 * begin with the field's name, after `prefix` (e.g. "config.dynamics." for a model file's field).
 */
export function validateDynamics(d: RateRnnDynamics, prefix = ""): void {
  if (typeof d.dale !== "boolean") {
    throw new InvalidParameterError(`${prefix}dale must be true or false, got ${describeValue(d.dale)}`);
  }
  if (d.activation !== "sigmoid" && d.activation !== "clipped-relu" && d.activation !== "softplus") {
    throw new InvalidParameterError(
      `${prefix}activation must be "sigmoid", "clipped-relu" or "softplus", got ${JSON.stringify(d.activation)}`,
    );
  }
  requirePositive(`${prefix}dt_ms`, d.dt_ms);
  requirePositive(`${prefix}tauMin_ms`, d.tauMin_ms);
  requireFinite(`${prefix}tauMax_ms`, d.tauMax_ms);
  if (d.tauMin_ms < d.dt_ms) {
    throw new InvalidParameterError(
      `${prefix}tauMin_ms (${d.tauMin_ms}) must be >= dt_ms (${d.dt_ms}): with tau < dt the Euler step overshoots`,
    );
  }
  if (d.tauMax_ms < d.tauMin_ms) {
    throw new InvalidParameterError(
      `${prefix}tauMax_ms (${d.tauMax_ms}) must be >= tauMin_ms (${d.tauMin_ms}); set them equal for fixed decay constants`,
    );
  }
  for (const name of ["noiseSd", "initStateSd"] as const) {
    requireNonNegative(`${prefix}${name}`, d[name]);
    if (d[name] > MAX_NOISE_SD) {
      throw new InvalidParameterError(
        `${prefix}${name} must be at most ${MAX_NOISE_SD} (the float32 range, as for every noise SD), got ` +
          `${d[name]}: a larger SD can drive the state x, and with it the outputs, to Infinity or NaN`,
        { name, value: d[name] },
      );
    }
  }
}

/** Builds a freshly initialised rate RNN (all randomness from `createRng(seed, "rnn-init")`). */
export function createRateRnn(options: Partial<RateRnnOptions> = {}): RateRnn {
  const o: RateRnnOptions = withDefaults("rate RNN options", RATE_RNN_DEFAULTS, options);
  validateOptions(o);
  const n = o.units;
  const rng = createRng(o.seed, "rnn-init");

  // unit types: inhibitory with probability pInhibitory (none without Dale)
  const sign = new Int8Array(n).fill(1);
  if (o.dale) for (let i = 0; i < n; i++) if (rng.bernoulli(o.pInhibitory)) sign[i] = -1;
  const sst = new Uint8Array(n);
  let inhibitoryCount = 0;
  for (let i = 0; i < n; i++) if (sign[i] < 0) inhibitoryCount++;
  if (o.sstCount > inhibitoryCount) {
    throw new InvalidParameterError(
      `sstCount = ${o.sstCount} exceeds the ${inhibitoryCount} inhibitory units drawn for units = ${n}, ` +
        `seed = ${o.seed}; lower sstCount or raise units / pInhibitory`,
    );
  }
  for (let i = 0, left = o.sstCount; i < n && left > 0; i++) {
    if (sign[i] < 0) {
      sst[i] = 1;
      left--;
    }
  }

  // support and initial raw weights, row by row; the SST mask removes inhibitory -> SST entries up front
  const scale = o.gain / Math.sqrt(n * o.pConnect);
  const rowPtr = new Int32Array(n + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (!rng.bernoulli(o.pConnect)) continue;
      const w = rng.normal() * scale;
      if (sst[i] === 1 && sign[j] < 0) continue;
      cols.push(j);
      vals.push(o.dale ? Math.abs(w) : w);
    }
    rowPtr[i + 1] = cols.length;
  }
  // a small network can draw no connection at all (2 units at 20 %: 41 % of seeds); it still runs (input,
  // decay, readout), but it is no recurrent network, so it is said
  if (cols.length === 0) {
    log.warn(
      "rnn-no-recurrent",
      `the drawn connectivity of ${n} units (pConnect ${o.pConnect}, seed ${o.seed}) has no recurrent ` +
        "weights, so the network has no recurrence to train; use more units, a larger pConnect or another seed",
    );
  }

  const wIn = new Float64Array(n * o.inputs);
  for (let k = 0; k < wIn.length; k++) wIn[k] = rng.normal();
  const wOut = new Float64Array(n);
  for (let i = 0; i < n; i++) wOut[i] = rng.normal() / 100;
  const theta = new Float64Array(n);
  for (let i = 0; i < n; i++) theta[i] = rng.normal();

  return {
    units: n,
    inputs: o.inputs,
    dynamics: Object.freeze({
      dale: o.dale,
      activation: o.activation,
      dt_ms: o.dt_ms,
      tauMin_ms: o.tauMin_ms,
      tauMax_ms: o.tauMax_ms,
      noiseSd: o.noiseSd,
      initStateSd: o.initStateSd,
    }),
    sign,
    sst,
    rowPtr,
    colIdx: Int32Array.from(cols),
    wRaw: Float64Array.from(vals),
    wIn,
    wOut,
    bOut: new Float64Array(1),
    theta,
  };
}

/** Number of entries on the recurrent support. */
export function supportSize(model: RateRnn): number {
  return model.rowPtr[model.units];
}

/** Whether the decay constants are trained (tauMax > tauMin). */
export function tauTrainable(model: RateRnn): boolean {
  return model.dynamics.tauMax_ms > model.dynamics.tauMin_ms;
}

/** Effective weights on the support: relu(wRaw) . sign[pre] with Dale, wRaw without. Writes into `out`. */
export function effectiveWeights(
  model: RateRnn,
  out: Float64Array = new Float64Array(supportSize(model)),
): Float64Array {
  const { wRaw, colIdx, sign } = model;
  if (!model.dynamics.dale) {
    out.set(wRaw);
    return out;
  }
  for (let k = 0; k < wRaw.length; k++) {
    const w = wRaw[k];
    out[k] = w > 0 ? w * sign[colIdx[k]] : 0;
  }
  return out;
}

/** Dense W_eff, units x units, row-major [post * units + pre]: the matrix that multiplies r. */
export function effectiveWeightsDense(model: RateRnn): Float64Array {
  const n = model.units;
  const weff = effectiveWeights(model);
  const dense = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = model.rowPtr[i]; k < model.rowPtr[i + 1]; k++) dense[i * n + model.colIdx[k]] = weff[k];
  }
  return dense;
}

/** Decay constant of each unit in ms. */
export function decayTaus_ms(model: RateRnn): Float64Array {
  const { tauMin_ms, tauMax_ms } = model.dynamics;
  const out = new Float64Array(model.units);
  for (let i = 0; i < model.units; i++)
    out[i] = sigmoid(model.theta[i]) * (tauMax_ms - tauMin_ms) + tauMin_ms;
  return out;
}

/** alpha_i = dt / tau_d,i (dimensionless per-step factor). Writes into `out`. */
export function decayAlphas(model: RateRnn, out: Float64Array = new Float64Array(model.units)): Float64Array {
  const { tauMin_ms, tauMax_ms, dt_ms } = model.dynamics;
  for (let i = 0; i < model.units; i++) {
    out[i] = dt_ms / (sigmoid(model.theta[i]) * (tauMax_ms - tauMin_ms) + tauMin_ms);
  }
  return out;
}
export interface RateRnnTrace {
  readonly steps: number;
  /** W_eff on the support, filled by `forwardTrial`. */
  readonly weff: Float64Array;
  /** dt / tau_d per unit, filled by `forwardTrial`. */
  readonly alpha: Float64Array;
  /** x_t for t = 0 .. T-1. */
  readonly x: Float64Array;
  /** r_t for t = 0 .. T-1. */
  readonly r: Float64Array;
  /** drive_t = W_eff r_{t-1} + W_in u_{t-1} - x_{t-1} for t = 1 .. T-1 (entry t = 0 unused). */
  readonly drive: Float64Array;
  /** o_t for t = 1 .. T-1 at index t-1. */
  readonly output: Float64Array;
  /** Scratch: the noise xi_t of the current step (drawn step by step so that it stays in cache). */
  readonly xi: Float64Array;
  /** Scratch: r_{t-1} during the forward pass. */
  readonly rPrev: Float64Array;
  /**
   * The live part of the support for this trial, CSR: the entries with W_eff != 0 (with Dale, raw weights
   * <= 0 are inert under relu and skipped; they can come back to life when Adam's momentum lifts them above 0,
   * so the list is rebuilt every trial).
   */
  readonly liveRowPtr: Int32Array;
  readonly liveCol: Int32Array;
  readonly liveW: Float64Array;
}

export function createTrace(model: RateRnn, steps: number): RateRnnTrace {
  requireInteger("steps", steps, 2);
  const n = model.units;
  return {
    steps,
    weff: new Float64Array(supportSize(model)),
    alpha: new Float64Array(n),
    x: new Float64Array(steps * n),
    r: new Float64Array(steps * n),
    drive: new Float64Array(steps * n),
    output: new Float64Array(steps - 1),
    xi: new Float64Array(n),
    rPrev: new Float64Array(n),
    liveRowPtr: new Int32Array(n + 1),
    liveCol: new Int32Array(supportSize(model)),
    liveW: new Float64Array(supportSize(model)),
  };
}

/** Fills trace.weff and the live (nonzero) CSR lists of the trace from the model's current weights. */
export function compactSupport(model: RateRnn, trace: RateRnnTrace): number {
  const weff = effectiveWeights(model, trace.weff);
  const { rowPtr, colIdx } = model;
  const { liveRowPtr, liveCol, liveW } = trace;
  let m = 0;
  for (let i = 0; i < model.units; i++) {
    liveRowPtr[i] = m;
    for (let k = rowPtr[i], end = rowPtr[i + 1]; k < end; k++) {
      const w = weff[k];
      if (w === 0) continue;
      liveCol[m] = colIdx[k];
      liveW[m] = w;
      m++;
    }
  }
  liveRowPtr[model.units] = m;
  return m;
}

/**
 * Runs one trial forward into `trace` (allocates nothing). `u` is time-major, u[t * inputs + c], with exactly
 * trace.steps rows (so a trial with another number of input channels is refused, not reinterpreted). The noise comes from `noise` by the ziggurat method (src/rnn/gaussian.ts): first x_0
 * (units values), then xi_t (units values) at each step t = 1 .. T-1.
 */
export function forwardTrial(model: RateRnn, u: Float64Array, noise: Rng, trace: RateRnnTrace): void {
  const n = model.units;
  const nIn = model.inputs;
  const T = trace.steps;
  if (u.length !== T * nIn) {
    throw new ShapeMismatchError(
      `input u has ${u.length} values; ${T} steps x ${nIn} inputs need ${T * nIn} (time-major, u[t * inputs + c]); ` +
        `a trial of a task with another number of input channels does not fit this model`,
    );
  }
  // a NaN or infinite input would turn every state it reaches into NaN without a word (T x inputs checks,
  // nothing beside the trial's N^2 work)
  for (let k = 0; k < u.length; k++) {
    if (!Number.isFinite(u[k])) {
      throw new InvalidParameterError(
        `input u[${k}] (step ${Math.floor(k / nIn)}, channel ${k % nIn}) is ${u[k]}; inputs must be finite numbers`,
      );
    }
  }
  const { wIn, wOut } = model;
  const { noiseSd, initStateSd, activation } = model.dynamics;
  compactSupport(model, trace);
  const { liveRowPtr: rowPtr, liveCol: colIdx, liveW: weff } = trace;
  const alpha = decayAlphas(model, trace.alpha);
  const { x, r, drive, output, xi } = trace;
  fillGaussian(noise, x, 0, n, initStateSd);
  const b = model.bOut[0];
  applyActivation(activation, x, r, 0, n);

  const rp = trace.rPrev;
  for (let t = 1; t < T; t++) {
    const prev = (t - 1) * n;
    const cur = t * n;
    const uOff = (t - 1) * nIn;
    // r_{t-1} copied to a unit-length buffer: the gathers then index it directly
    for (let j = 0; j < n; j++) rp[j] = r[prev + j];
    fillGaussian(noise, xi, 0, n, noiseSd);
    let inputOn = false;
    for (let c = 0; c < nIn; c++) if (u[uOff + c] !== 0) inputOn = true;
    for (let i = 0; i < n; i++) {
      // W_eff r_{t-1}: a gather over row i, four partial sums to break the add latency chain
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let k = rowPtr[i];
      const end = rowPtr[i + 1];
      for (const end4 = end - 3; k < end4; k += 4) {
        s0 += weff[k] * rp[colIdx[k]];
        s1 += weff[k + 1] * rp[colIdx[k + 1]];
        s2 += weff[k + 2] * rp[colIdx[k + 2]];
        s3 += weff[k + 3] * rp[colIdx[k + 3]];
      }
      for (; k < end; k++) s0 += weff[k] * rp[colIdx[k]];
      let s = s0 + s1 + (s2 + s3);
      if (inputOn) for (let c = 0, w = i * nIn; c < nIn; c++) s += wIn[w + c] * u[uOff + c];
      const d = s - x[prev + i];
      drive[cur + i] = d;
      x[cur + i] = x[prev + i] + alpha[i] * d + xi[i];
    }
    applyActivation(activation, x, r, cur, cur + n);
    let o = b;
    for (let i = 0; i < n; i++) o += wOut[i] * r[cur + i];
    output[t - 1] = o;
  }
}

export interface SimulateResult {
  /** o_1 .. o_{T-1} (T-1 values). */
  readonly output: Float64Array;
  /** x and r, time-major [t * units + i], t = 0 .. T-1. */
  readonly x: Float64Array;
  readonly r: Float64Array;
}

/** Runs the model on `u` (time-major, `steps` rows) with noise from `noise`; the result owns fresh arrays. */
export function simulateRateRnn(model: RateRnn, u: Float64Array, steps: number, noise: Rng): SimulateResult {
  const trace = createTrace(model, steps);
  forwardTrial(model, u, noise, trace);
  return { output: trace.output, x: trace.x, r: trace.r };
}

/** A deep copy (the typed arrays are copied). JSON save / load: src/rnn/rate-rnn-json.ts. */
export function cloneRateRnn(model: RateRnn): RateRnn {
  return {
    ...model,
    sign: model.sign.slice(),
    sst: model.sst.slice(),
    rowPtr: model.rowPtr.slice(),
    colIdx: model.colIdx.slice(),
    wRaw: model.wRaw.slice(),
    wIn: model.wIn.slice(),
    wOut: model.wOut.slice(),
    bOut: model.bOut.slice(),
    theta: model.theta.slice(),
  };
}
