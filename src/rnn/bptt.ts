/**
 * Fused forward + backward pass of the rate RNN (src/rnn/rate-rnn.ts) through one unrolled trial:
 * backpropagation through time written out by hand for this fixed architecture (no autograd). Source:
 * Kim, Li & Sejnowski (2019) Methods; derivation in docs/rnn.md.
 *
 * Loss over one trial (o_t for t = 1..T-1, compared with z_{t-1}):
 *   "l2" (default): L = sqrt(S), S = sum_t (o_t - z_{t-1})^2,  e_t = dL/do_t = (o_t - z_{t-1}) / L
 *   "l1":           L = sum_t |o_t - z_{t-1}|,                 e_t = sign(o_t - z_{t-1})
 * Backward recursion (gx_T = 0, alpha = dt / tau_d, "." elementwise):
 *   gr_t = e_t W_out^T + W_eff^T (alpha . gx_{t+1})
 *   gx_t = gr_t . f'(x_t) + (1 - alpha) . gx_{t+1}
 * Gradients, summed over t = 1..T-1 (drive_t = W_eff r_{t-1} + W_in u_{t-1} - x_{t-1}):
 *   dL/dW_eff[i,j] = sum_t alpha_i gx_t,i r_{t-1},j         (only on the support)
 *   dL/dW_raw      = dL/dW_eff . s_j . [W_raw > 0]         (Dale; = dL/dW_eff without Dale)
 *   dL/dW_out      = sum_t e_t r_t,   dL/db_out = sum_t e_t
 *   dL/dalpha_i    = sum_t gx_t,i drive_t,i
 *   dL/dtheta_i    = dL/dalpha_i . (-dt / tau_i^2) . sigmoid'(theta_i) (tau_max - tau_min)
 * The noise and x_0 do not depend on the parameters, so the gradient is exact for the realised noise.
 * W_in is not trained.
 */
import { InvalidParameterError, ShapeMismatchError } from "../core/errors.ts";
import type { Rng } from "../core/rng.ts";
import { activationDerivative, sigmoid } from "./activation.ts";
import { type RateRnn, type RateRnnTrace, createTrace, forwardTrial, supportSize } from "./rate-rnn.ts";
import type { Trial } from "./tasks.ts";

export type LossKind = "l2" | "l1";

export interface RateRnnGradients {
  readonly wRaw: Float64Array;
  readonly wOut: Float64Array;
  readonly bOut: Float64Array;
  readonly theta: Float64Array;
}

/** Loss of the trace's output against `target` (o_t vs z_{t-1}); writes e_t = dL/do_t into `dOut` if given. */
export function trialLoss(
  output: Float64Array,
  target: Float64Array,
  kind: LossKind,
  dOut?: Float64Array,
): number {
  if (target.length < output.length) {
    throw new ShapeMismatchError(
      `target has ${target.length} values; the output needs at least ${output.length}`,
    );
  }
  let acc = 0;
  if (kind === "l2") {
    for (let k = 0; k < output.length; k++) {
      const e = output[k] - target[k];
      acc += e * e;
    }
    const loss = Math.sqrt(acc);
    if (dOut) for (let k = 0; k < output.length; k++) dOut[k] = loss > 0 ? (output[k] - target[k]) / loss : 0;
    return loss;
  }
  if (kind === "l1") {
    for (let k = 0; k < output.length; k++) {
      const e = output[k] - target[k];
      acc += Math.abs(e);
      if (dOut) dOut[k] = e > 0 ? 1 : e < 0 ? -1 : 0;
    }
    return acc;
  }
  throw new InvalidParameterError(`loss must be "l2" or "l1", got ${JSON.stringify(kind)}`);
}

/**
 * Forward and backward pass of one trial, fused over preallocated buffers. `lossAndGradients` fills
 * `gradients` and returns the loss; nothing is allocated per call.
 *
 * Layout: the forward pass gathers over CSR rows (postsynaptic). The backward pass needs W_eff^T d, so the
 * support is also indexed by column (CSC, built once here): column j lists the postsynaptic units of unit j,
 * and one gather over it gives (W_eff^T d)_j while the same loaded d_i updates dL/dW_eff[i, j] += d_i r_{t-1,j}
 * (r_{t-1,j} is a scalar for the whole column). Both matvecs therefore cost nnz per step, with no scatter.
 * With Dale, raw weights <= 0 are skipped in both passes (relu makes them inert and their gradient exactly 0);
 * the live lists are rebuilt from the current weights every trial.
 */
export class RateRnnBackprop {
  readonly model: RateRnn;
  readonly trace: RateRnnTrace;
  readonly gradients: RateRnnGradients;
  /** CSC structure of the support: entries p in [colPtr[j], colPtr[j+1]) are (rowT[p], j) = CSR entry perm[p]. */
  private readonly colPtr: Int32Array;
  private readonly rowT: Int32Array;
  private readonly perm: Int32Array;
  /** The live part of the CSC lists for the current trial (see `compactColumns`). */
  private readonly liveColPtr: Int32Array;
  private readonly liveRowT: Int32Array;
  private readonly livePerm: Int32Array;
  private readonly weffT: Float64Array;
  private readonly gWeffT: Float64Array;
  private readonly gAlpha: Float64Array;
  private readonly dOut: Float64Array;
  private gx: Float64Array;
  private gxNext: Float64Array;
  private readonly dAlpha: Float64Array;
  private readonly grRec: Float64Array;
  private readonly fprime: Float64Array;

  constructor(model: RateRnn, steps: number) {
    this.model = model;
    this.trace = createTrace(model, steps);
    const n = model.units;
    const nnz = supportSize(model);
    this.gradients = {
      wRaw: new Float64Array(nnz),
      wOut: new Float64Array(n),
      bOut: new Float64Array(1),
      theta: new Float64Array(n),
    };
    const { rowPtr, colIdx } = model;
    this.colPtr = new Int32Array(n + 1);
    for (let k = 0; k < nnz; k++) this.colPtr[colIdx[k] + 1]++;
    for (let j = 0; j < n; j++) this.colPtr[j + 1] += this.colPtr[j];
    this.rowT = new Int32Array(nnz);
    this.perm = new Int32Array(nnz);
    const next = this.colPtr.slice(0, n);
    for (let i = 0; i < n; i++) {
      for (let k = rowPtr[i]; k < rowPtr[i + 1]; k++) {
        const p = next[colIdx[k]]++;
        this.rowT[p] = i;
        this.perm[p] = k;
      }
    }
    this.liveColPtr = new Int32Array(n + 1);
    this.liveRowT = new Int32Array(nnz);
    this.livePerm = new Int32Array(nnz);
    this.weffT = new Float64Array(nnz);
    this.gWeffT = new Float64Array(nnz);
    this.gAlpha = new Float64Array(n);
    this.dOut = new Float64Array(steps - 1);
    this.gx = new Float64Array(n);
    this.gxNext = new Float64Array(n);
    this.dAlpha = new Float64Array(n);
    this.grRec = new Float64Array(n);
    this.fprime = new Float64Array(n);
  }

  /** Forward pass only; returns the loss. The output stays in `trace.output`. */
  loss(trial: Trial, noise: Rng, kind: LossKind = "l2"): number {
    this.checkTrial(trial);
    forwardTrial(this.model, trial.u, noise, this.trace);
    return trialLoss(this.trace.output, trial.target, kind);
  }

  lossAndGradients(trial: Trial, noise: Rng, kind: LossKind = "l2"): number {
    this.checkTrial(trial);
    forwardTrial(this.model, trial.u, noise, this.trace);
    const loss = trialLoss(this.trace.output, trial.target, kind, this.dOut);
    this.backward();
    return loss;
  }

  private checkTrial(trial: Trial): void {
    if (trial.steps !== this.trace.steps || trial.inputs !== this.model.inputs) {
      throw new ShapeMismatchError(
        `the ${trial.task} trial has ${trial.steps} steps x ${trial.inputs} inputs; this trainer was built for ` +
          `${this.trace.steps} steps x ${this.model.inputs} inputs`,
      );
    }
  }

  /**
   * Live CSC lists: with Dale the entries with raw weight > 0 (the others have zero effect and zero gradient),
   * without Dale all entries (a zero weight still has a gradient). Returns the live count.
   */
  private compactColumns(): number {
    const model = this.model;
    const { colPtr, rowT, perm, liveColPtr, liveRowT, livePerm, weffT } = this;
    const { wRaw } = model;
    const weff = this.trace.weff;
    const dale = model.dynamics.dale;
    let q = 0;
    for (let j = 0; j < model.units; j++) {
      liveColPtr[j] = q;
      for (let p = colPtr[j], end = colPtr[j + 1]; p < end; p++) {
        const k = perm[p];
        if (dale && !(wRaw[k] > 0)) continue;
        liveRowT[q] = rowT[p];
        livePerm[q] = k;
        weffT[q] = weff[k];
        q++;
      }
    }
    liveColPtr[model.units] = q;
    return q;
  }

  private backward(): void {
    const model = this.model;
    const n = model.units;
    const T = this.trace.steps;
    const { wOut } = model;
    const { x, r, drive, alpha } = this.trace;
    const live = this.compactColumns();
    const {
      liveColPtr: colPtr,
      liveRowT: rowT,
      livePerm: perm,
      weffT,
      gWeffT,
      gAlpha,
      grRec,
      dAlpha,
      dOut,
    } = this;
    const fp = this.fprime;
    const g = this.gradients;
    const gWout = g.wOut;
    const act = model.dynamics.activation;
    gWeffT.fill(0, 0, live);
    gAlpha.fill(0);
    gWout.fill(0);
    grRec.fill(0);
    this.gxNext.fill(0);
    let gb = 0;

    for (let t = T - 1; t >= 1; t--) {
      const gx = this.gx;
      const gxNext = this.gxNext;
      const cur = t * n;
      const prev = (t - 1) * n;
      const e = dOut[t - 1];

      // gx_t from the readout, the recurrent path and the leak
      activationDerivative(act, x, r, cur, n, fp);
      for (let i = 0; i < n; i++) {
        const gxi = (e * wOut[i] + grRec[i]) * fp[i] + (1 - alpha[i]) * gxNext[i];
        gx[i] = gxi;
        gWout[i] += e * r[cur + i];
        gAlpha[i] += gxi * drive[cur + i];
        dAlpha[i] = alpha[i] * gxi;
      }
      gb += e;

      // per column j: (W_eff^T d)_j for step t-1 and dL/dW_eff[., j] += d r_{t-1,j}
      for (let j = 0; j < n; j++) {
        const rj = r[prev + j];
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let p = colPtr[j];
        const end = colPtr[j + 1];
        for (const end4 = end - 3; p < end4; p += 4) {
          const d0 = dAlpha[rowT[p]];
          const d1 = dAlpha[rowT[p + 1]];
          const d2 = dAlpha[rowT[p + 2]];
          const d3 = dAlpha[rowT[p + 3]];
          s0 += weffT[p] * d0;
          s1 += weffT[p + 1] * d1;
          s2 += weffT[p + 2] * d2;
          s3 += weffT[p + 3] * d3;
          gWeffT[p] += d0 * rj;
          gWeffT[p + 1] += d1 * rj;
          gWeffT[p + 2] += d2 * rj;
          gWeffT[p + 3] += d3 * rj;
        }
        for (; p < end; p++) {
          const d0 = dAlpha[rowT[p]];
          s0 += weffT[p] * d0;
          gWeffT[p] += d0 * rj;
        }
        grRec[j] = s0 + s1 + (s2 + s3);
      }
      this.gx = gxNext;
      this.gxNext = gx;
    }
    g.bOut[0] = gb;

    // through relu and the sign matrix (back to CSR order; skipped entries have gradient 0)
    const { sign, colIdx } = model;
    const dale = model.dynamics.dale;
    g.wRaw.fill(0);
    for (let q = 0; q < live; q++) {
      const k = perm[q];
      g.wRaw[k] = dale ? gWeffT[q] * sign[colIdx[k]] : gWeffT[q];
    }

    // through alpha = dt / tau(theta)
    const { tauMin_ms, tauMax_ms, dt_ms } = model.dynamics;
    const span = tauMax_ms - tauMin_ms;
    for (let i = 0; i < n; i++) {
      const s = sigmoid(model.theta[i]);
      const tau = s * span + tauMin_ms;
      g.theta[i] = gAlpha[i] * (-dt_ms / (tau * tau)) * s * (1 - s) * span;
    }
  }
}
