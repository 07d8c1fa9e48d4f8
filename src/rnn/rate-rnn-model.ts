/**
 * A rate RNN as a spikeflow model (io/model-codec.ts: model.json + weights.safetensors), so a trained network
 * can be saved with `saveModel`, loaded with `loadModel` and read from Python (safetensors).
 *
 * kind "rate-rnn"; config = { units, inputs, dynamics, ...caller fields (task, seed, ...) }; tensors:
 *   rowPtr I32 [N+1], colIdx I32 [nnz], wRaw F64 [nnz]   the recurrent support, CSR by post row (exact state)
 *   wIn F64 [N, inputs], wOut F64 [N], bOut F64 [1], theta F64 [N], sign I8 [N] (+1 E, -1 I), sst U8 [N]
 *   wEff F64 [N, N] (post, pre) and tauDecay_ms F64 [N]   derived, for readers outside spikeflow; on load
 *                                                          they are checked against the exact state
 * On load every float tensor must be finite, sign +-1 and sst 0 or 1 (FormatError naming the tensor), and
 * config.units, config.inputs and every field of config.dynamics of the right type and range (FormatError
 * naming the field, e.g. "config.dynamics.noiseSd").
 * Pure (no file system): pair with io/model-file.ts.
 */
import { FormatError, InvalidParameterError, describeValue } from "../core/errors.ts";
import type { ModelInput, SavedModel } from "../io/model-codec.ts";
import {
  type RateRnn,
  type RateRnnDynamics,
  decayTaus_ms,
  effectiveWeightsDense,
  validateDynamics,
} from "./rate-rnn.ts";

export const RATE_RNN_KIND = "rate-rnn";

/** The model-file form of `model`; `config` adds caller fields (task, seed, ...) to the manifest's config. */
export function rateRnnModelInput(
  model: RateRnn,
  config: Readonly<Record<string, unknown>> = {},
): ModelInput {
  const n = model.units;
  const nnz = model.rowPtr[n];
  return {
    kind: RATE_RNN_KIND,
    config: { ...config, units: n, inputs: model.inputs, dynamics: { ...model.dynamics } },
    tensors: {
      rowPtr: { data: model.rowPtr, shape: [n + 1] },
      colIdx: { data: model.colIdx, shape: [nnz] },
      wRaw: { data: model.wRaw, shape: [nnz] },
      wIn: { data: model.wIn, shape: [n, model.inputs] },
      wOut: { data: model.wOut, shape: [n] },
      bOut: { data: model.bOut, shape: [1] },
      theta: { data: model.theta, shape: [n] },
      sign: { data: model.sign, shape: [n] },
      sst: { data: model.sst, shape: [n] },
      wEff: { data: effectiveWeightsDense(model), shape: [n, n] },
      tauDecay_ms: { data: decayTaus_ms(model), shape: [n] },
    },
  };
}

interface TensorKinds {
  F64: Float64Array;
  I32: Int32Array;
  I8: Int8Array;
  U8: Uint8Array;
}

function tensorOf<K extends keyof TensorKinds>(
  saved: SavedModel,
  name: string,
  dtype: K,
  length: number,
): TensorKinds[K] {
  const t = saved.tensors[name];
  if (t === undefined) throw new FormatError(`rate-rnn model: tensor "${name}" is missing`);
  if (t.dtype !== dtype || t.data.length !== length) {
    throw new FormatError(
      `rate-rnn model: tensor "${name}" must be ${dtype} with ${length} values, got ${t.dtype} with ${t.data.length}`,
    );
  }
  return t.data as TensorKinds[K];
}

/** The fields of config.dynamics (RateRnnDynamics), in the order rateRnnModelInput writes them. */
const DYNAMICS_FIELDS = [
  "dale",
  "activation",
  "dt_ms",
  "tauMin_ms",
  "tauMax_ms",
  "noiseSd",
  "initStateSd",
] as const satisfies readonly (keyof RateRnnDynamics)[];

/**
 * config.dynamics of a saved model, checked field by field (validateDynamics: types and ranges): a FormatError
 * naming the field ("config.dynamics.noiseSd ..."), since the value came from the file. Other keys are dropped.
 */
function dynamicsOf(value: unknown): RateRnnDynamics {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FormatError(
      `rate-rnn model: config.dynamics must be an object { ${DYNAMICS_FIELDS.join(", ")} }, got ` +
        describeValue(value),
    );
  }
  const d = value as Record<string, unknown>;
  const dynamics = Object.freeze(
    Object.fromEntries(DYNAMICS_FIELDS.map((k) => [k, d[k]])),
  ) as unknown as RateRnnDynamics;
  try {
    validateDynamics(dynamics, "config.dynamics.");
  } catch (e) {
    if (e instanceof InvalidParameterError) throw new FormatError(`rate-rnn model: ${e.message}`);
    throw e;
  }
  return dynamics;
}

/** Rebuilds the rate RNN from a loaded model (checks shapes, dtypes and the derived tensors). */
export function rateRnnFromSavedModel(saved: SavedModel): RateRnn {
  if (saved.kind !== RATE_RNN_KIND) {
    throw new FormatError(`expected a "${RATE_RNN_KIND}" model, got "${saved.kind}"`);
  }
  const { units: n, inputs } = saved.config as { units?: unknown; inputs?: unknown };
  for (const [name, v] of [
    ["units", n],
    ["inputs", inputs],
  ] as const) {
    if (!Number.isSafeInteger(v) || (v as number) < 1) {
      throw new FormatError(
        `rate-rnn model: config.${name} must be a positive integer, got ${describeValue(v)}`,
      );
    }
  }
  const N = n as number;
  const C = inputs as number;
  const dynamics = dynamicsOf(saved.config.dynamics);
  const rows = saved.tensors.rowPtr?.data.length;
  if (rows !== undefined && rows !== N + 1) {
    throw new FormatError(
      `rate-rnn model: config.units is ${N}, but tensor "rowPtr" holds ${rows} values (units + 1 = ${rows - 1} units)`,
    );
  }
  const rowPtr = tensorOf(saved, "rowPtr", "I32", N + 1).slice();
  const nnz = rowPtr[N];
  for (let i = 0; i < N; i++) {
    if (rowPtr[i + 1] < rowPtr[i] || rowPtr[0] !== 0)
      throw new FormatError("rate-rnn model: rowPtr must rise from 0");
  }
  const colIdx = tensorOf(saved, "colIdx", "I32", nnz).slice();
  if (colIdx.some((j) => j < 0 || j >= N))
    throw new FormatError(`rate-rnn model: colIdx must lie in [0, ${N})`);
  const model: RateRnn = {
    units: N,
    inputs: C,
    dynamics,
    sign: tensorOf(saved, "sign", "I8", N).slice(),
    sst: tensorOf(saved, "sst", "U8", N).slice(),
    rowPtr,
    colIdx,
    wRaw: tensorOf(saved, "wRaw", "F64", nnz).slice(),
    wIn: tensorOf(saved, "wIn", "F64", N * C).slice(),
    wOut: tensorOf(saved, "wOut", "F64", N).slice(),
    bOut: tensorOf(saved, "bOut", "F64", 1).slice(),
    theta: tensorOf(saved, "theta", "F64", N).slice(),
  };
  if (model.sign.some((s) => s !== 1 && s !== -1))
    throw new FormatError("rate-rnn model: sign entries must be +1 or -1");
  const sst = model.sst.findIndex((m) => m !== 0 && m !== 1);
  if (sst >= 0) {
    throw new FormatError(`rate-rnn model: sst entries must be 0 or 1, got sst[${sst}] = ${model.sst[sst]}`);
  }
  for (const name of ["wRaw", "wIn", "wOut", "bOut", "theta"] as const) {
    const k = model[name].findIndex((x) => !Number.isFinite(x));
    if (k >= 0) {
      throw new FormatError(
        `rate-rnn model: tensor "${name}" must hold finite numbers, got ${name}[${k}] = ${model[name][k]}`,
      );
    }
  }
  const taus = tensorOf(saved, "tauDecay_ms", "F64", N);
  const derived = decayTaus_ms(model);
  const tau = derived.findIndex((t, k) => t !== taus[k]);
  if (tau >= 0) {
    throw new FormatError(
      `rate-rnn model: tauDecay_ms[${tau}] = ${taus[tau]} ms does not match theta and the decay range ` +
        `(config.dynamics.tauMin_ms to tauMax_ms: ${derived[tau]} ms); model.json or the weights file was ` +
        `edited or mixed`,
    );
  }
  const wEff = tensorOf(saved, "wEff", "F64", N * N);
  const dense = effectiveWeightsDense(model);
  if (dense.some((w, k) => w !== wEff[k])) {
    throw new FormatError(
      "rate-rnn model: wEff does not match wRaw and sign; the weights file was edited or mixed",
    );
  }
  return model;
}
