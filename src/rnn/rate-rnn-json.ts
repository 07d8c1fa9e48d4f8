/**
 * Save / load of a rate RNN as plain JSON-able data. Numbers survive JSON.stringify / JSON.parse exactly
 * (shortest round-trip formatting of float64), so a reloaded model gives bit-identical outputs.
 */
import { FormatError, InvalidParameterError, describeValue, requireInteger } from "../core/errors.ts";
import { type RateRnn, type RateRnnDynamics, validateDynamics } from "./rate-rnn.ts";

export const RATE_RNN_FORMAT = "spikeflow-rate-rnn";

/** Plain JSON-able data of a rate RNN (numbers survive JSON.stringify / parse exactly). */
export interface RateRnnJSON {
  readonly format: typeof RATE_RNN_FORMAT;
  readonly version: 1;
  readonly units: number;
  readonly inputs: number;
  readonly dynamics: RateRnnDynamics;
  readonly inhibitoryUnits: number[];
  readonly sstUnits: number[];
  readonly rowPtr: number[];
  readonly colIdx: number[];
  readonly wRaw: number[];
  readonly wIn: number[];
  readonly wOut: number[];
  readonly bOut: number;
  readonly theta: number[];
}

export function rateRnnToJSON(model: RateRnn): RateRnnJSON {
  const inhibitoryUnits: number[] = [];
  const sstUnits: number[] = [];
  for (let i = 0; i < model.units; i++) {
    if (model.sign[i] < 0) inhibitoryUnits.push(i);
    if (model.sst[i] === 1) sstUnits.push(i);
  }
  return {
    format: RATE_RNN_FORMAT,
    version: 1,
    units: model.units,
    inputs: model.inputs,
    dynamics: { ...model.dynamics },
    inhibitoryUnits,
    sstUnits,
    rowPtr: Array.from(model.rowPtr),
    colIdx: Array.from(model.colIdx),
    wRaw: Array.from(model.wRaw),
    wIn: Array.from(model.wIn),
    wOut: Array.from(model.wOut),
    bOut: model.bOut[0],
    theta: Array.from(model.theta),
  };
}

function numberArray(data: Record<string, unknown>, key: string, length: number): number[] {
  const v = data[key];
  if (!Array.isArray(v) || v.some((e) => typeof e !== "number" || !Number.isFinite(e))) {
    throw new FormatError(`rate RNN JSON: "${key}" must be an array of finite numbers`);
  }
  if (v.length !== length) {
    throw new FormatError(`rate RNN JSON: "${key}" has ${v.length} entries, expected ${length}`);
  }
  return v as number[];
}

export function rateRnnFromJSON(json: unknown): RateRnn {
  if (typeof json !== "object" || json === null) throw new FormatError("rate RNN JSON: expected an object");
  const data = json as Record<string, unknown>;
  if (data.format !== RATE_RNN_FORMAT || data.version !== 1) {
    throw new FormatError(
      `rate RNN JSON: expected format "${RATE_RNN_FORMAT}" version 1, got ${JSON.stringify(data.format)} ` +
        `version ${JSON.stringify(data.version)}`,
    );
  }
  const n = data.units as number;
  const nIn = data.inputs as number;
  requireInteger("units", n, 1);
  requireInteger("inputs", nIn, 1);
  if (typeof data.dynamics !== "object" || data.dynamics === null || Array.isArray(data.dynamics)) {
    throw new FormatError(`rate RNN JSON: "dynamics" must be an object, got ${describeValue(data.dynamics)}`);
  }
  const dynamics = Object.freeze({ ...(data.dynamics as RateRnnDynamics) });
  try {
    validateDynamics(dynamics, "dynamics.");
  } catch (e) {
    // a value of the data, named as its field ("dynamics.noiseSd")
    if (e instanceof InvalidParameterError) throw new FormatError(`rate RNN JSON: ${e.message}`);
    throw e;
  }
  const rowPtr = Int32Array.from(numberArray(data, "rowPtr", n + 1));
  const nnz = rowPtr[n];
  for (let i = 0; i < n; i++) {
    if (rowPtr[i + 1] < rowPtr[i]) throw new FormatError("rate RNN JSON: rowPtr must be non-decreasing");
  }
  const colIdx = Int32Array.from(numberArray(data, "colIdx", nnz));
  if (colIdx.some((j) => j < 0 || j >= n))
    throw new FormatError(`rate RNN JSON: colIdx entries must be in [0, ${n})`);
  const sign = new Int8Array(n).fill(1);
  const sst = new Uint8Array(n);
  for (const [key, target] of [
    ["inhibitoryUnits", sign],
    ["sstUnits", sst],
  ] as const) {
    const list = data[key];
    if (!Array.isArray(list) || list.some((i) => !Number.isInteger(i) || i < 0 || i >= n)) {
      throw new FormatError(`rate RNN JSON: "${key}" must list unit indices in [0, ${n})`);
    }
    for (const i of list as number[]) target[i] = key === "inhibitoryUnits" ? -1 : 1;
  }
  const bOut = data.bOut;
  if (typeof bOut !== "number" || !Number.isFinite(bOut))
    throw new FormatError('rate RNN JSON: "bOut" must be a number');
  return {
    units: n,
    inputs: nIn,
    dynamics,
    sign,
    sst,
    rowPtr,
    colIdx,
    wRaw: Float64Array.from(numberArray(data, "wRaw", nnz)),
    wIn: Float64Array.from(numberArray(data, "wIn", n * nIn)),
    wOut: Float64Array.from(numberArray(data, "wOut", n)),
    bOut: Float64Array.of(bOut),
    theta: Float64Array.from(numberArray(data, "theta", n)),
  };
}
