/**
 * Typed errors. Every error spikeflow throws on bad input is a `SpikeflowError` with a stable `code`,
 * a message that names the offending value and says how to fix it, and optional structured `details`.
 * Callers can branch on `instanceof` or on `code`.
 */

export type ErrorCode =
  | "invalid-parameter"
  | "shape-mismatch"
  | "time-step"
  | "encoding-range"
  | "format"
  | "not-found"
  | "unsupported"
  | "state"
  | "divergence";

export class SpikeflowError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = Object.freeze({ ...details });
  }
}

/** A parameter is out of its valid range or of the wrong kind. */
export class InvalidParameterError extends SpikeflowError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("invalid-parameter", message, details);
  }
}

/** Array or layer shapes do not fit together. The message gives both shapes and the formula used. */
export class ShapeMismatchError extends SpikeflowError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("shape-mismatch", message, details);
  }
}

/** A duration is not a whole number of simulation steps. */
export class TimeStepError extends SpikeflowError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("time-step", message, details);
  }
}

/** An encoder was asked for a spike probability outside [0, 1] per step. */
export class EncodingRangeError extends SpikeflowError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("encoding-range", message, details);
  }
}

/** A file is malformed: wrong magic, truncated, inconsistent sizes. The message names the file. */
export class FormatError extends SpikeflowError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("format", message, details);
  }
}

/** A named thing (population, projection, variable, file) does not exist. */
export class NotFoundError extends SpikeflowError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("not-found", message, details);
  }
}

/** A valid request that this version does not support. */
export class UnsupportedError extends SpikeflowError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("unsupported", message, details);
  }
}

/** An operation was called in a state that does not allow it (e.g. run before build). */
export class StateError extends SpikeflowError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("state", message, details);
  }
}

/**
 * A model's state became non-finite in a step: its numerical scheme diverged (a time step too large for it,
 * or an input too large). The message names the model, the neuron, the value and the step size.
 */
export class DivergenceError extends SpikeflowError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("divergence", message, details);
  }
}

/**
 * A short description of a value for error messages, the same wording everywhere: its type, and the value
 * when it is short ("number 3", "an Array of length 2", "a Float64Array", "a LIF", "an object with keys [\"a\"]").
 */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === "number") return `number ${String(v)}`;
  if (typeof v === "bigint") return `bigint ${String(v)}n`;
  if (typeof v === "symbol" || typeof v === "function") return typeof v;
  if (Array.isArray(v)) return `an Array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === "object") {
    // an instance of a class (a LIF, a Network, a Map) by its class, not by its private fields
    const proto = Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null;
    const name = proto?.constructor?.name;
    if (
      proto !== null &&
      proto !== Object.prototype &&
      typeof name === "string" &&
      name !== "" &&
      name !== "Object"
    ) {
      return `${/^[AEIOU]/.test(name) ? "an" : "a"} ${name}`;
    }
    return `an object with keys ${JSON.stringify(Object.keys(v))}`;
  }
  // a long string (a whole file read as text) is described by its length and start, not quoted whole
  if (typeof v === "string" && v.length > 200) {
    return `a string of length ${v.length} starting ${JSON.stringify(v.slice(0, 40))}`;
  }
  return `${typeof v} ${JSON.stringify(v)}`;
}

/**
 * Whether `v` is a `kind` (a typed array or an ArrayBuffer) from any realm: one made in another page, iframe,
 * worker or vm context fails `instanceof` here but carries the same built-in tag.
 */
export function isBinaryKind(
  v: unknown,
  kind:
    | "ArrayBuffer"
    | "Uint8Array"
    | "Uint8ClampedArray"
    | "Int32Array"
    | "Float32Array"
    | "Float64Array"
    | "Blob"
    | "File",
): boolean {
  return Object.prototype.toString.call(v) === `[object ${kind}]`;
}

/** A number as itself ("NaN", "-3"), anything else through describeValue ('string "10"'). */
export function describeArgument(value: unknown): string {
  return typeof value === "number" ? String(value) : describeValue(value);
}

/** Throws unless `value` is true or false; `name` says where it was given. */
export function requireBoolean(name: string, value: unknown): boolean {
  if (typeof value !== "boolean") {
    throw new InvalidParameterError(`${name} must be true or false, got ${describeValue(value)}`, {
      name,
      value,
    });
  }
  return value;
}

/** Throws `InvalidParameterError` unless `value` is a finite number. */
export function requireFinite(name: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new InvalidParameterError(`${name} must be a finite number, got ${describeArgument(value)}`, {
      name,
      value,
    });
  }
  return value;
}

/** The largest finite float32, 3.4028234663852886e38: a larger magnitude is stored as Infinity. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Throws `InvalidParameterError` unless `value` is a finite number that a Float32Array holds as a finite
 * value (weights, biases and bounds are stored as float32: 1e39 would silently become Infinity).
 */
export function requireFloat32(name: string, value: number): number {
  return requireFloat32Range(name, value, "it is stored in, where it would become Infinity");
}

/**
 * Throws `InvalidParameterError` unless `value` is a finite number within the float32 range, for a factor or
 * increment that scales or adds into float32 state (a resistance, a gain, a per-spike increment, a noise SD):
 * beyond that range even an input of 1 would store Infinity. `requireFloat32` is for values stored as such.
 */
export function requireFloat32Factor(name: string, value: number): number {
  return requireFloat32Range(
    name,
    value,
    "of the state it scales or adds into, where the result would become Infinity",
  );
}

/** The check of requireFloat32 and requireFloat32Factor; `why` ends the message's range clause. */
function requireFloat32Range(name: string, value: number, why: string): number {
  requireFinite(name, value);
  if (!Number.isFinite(Math.fround(value))) {
    throw new InvalidParameterError(
      `${name} = ${value} is beyond the float32 range (magnitude up to ${FLOAT32_MAX}) ${why}; rescale it`,
      { name, value },
    );
  }
  return value;
}

/** The largest int32, 2^31 - 1: the most steps a refractory counter or a step index in an Int32Array holds. */
export const INT32_MAX = 0x7fffffff;

/**
 * Most entries of one typed array that spikeflow allocates: 2^31 - 1, the most an int32 index or offset
 * (spike-train offsets, recorded steps, event counts) can address. JavaScript engines refuse 2^32 and more.
 */
export const MAX_BUFFER_LENGTH = INT32_MAX;

/** A byte count for messages: "3725.3 GiB". */
function gibibytes(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

/**
 * Throws `InvalidParameterError` unless a buffer of `length` entries fits one typed array (at most
 * MAX_BUFFER_LENGTH). `what` names the option and its value that sized it ("poisson steps = 1e12"),
 * `bytesPerEntry` gives the size shown, `fix` says what to do instead.
 */
export function requireBufferLength(
  what: string,
  length: number,
  bytesPerEntry: number,
  fix: string,
): number {
  if (length > MAX_BUFFER_LENGTH) {
    throw new InvalidParameterError(
      `${what} would need a buffer of ${length} entries (${gibibytes(length * bytesPerEntry)}), more than ` +
        `the ${MAX_BUFFER_LENGTH} entries (2^31 - 1, the int32 index limit) one buffer may hold; ${fix}`,
      { length, max: MAX_BUFFER_LENGTH },
    );
  }
  return length;
}

/**
 * `new Type(length)` after `requireBufferLength`, with the RangeError of an allocation that fails for lack of
 * memory turned into an `InvalidParameterError` that names the buffer, its size and `fix`.
 */
export function allocateBuffer<T>(
  Type: { new (length: number): T; readonly BYTES_PER_ELEMENT: number },
  length: number,
  what: string,
  fix: string,
): T {
  requireBufferLength(what, length, Type.BYTES_PER_ELEMENT, fix);
  try {
    return new Type(length);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new InvalidParameterError(
      `${what} needs a buffer of ${length} entries (${gibibytes(length * Type.BYTES_PER_ELEMENT)}), and ` +
        `allocating it failed (${e.message}): not enough memory; ${fix}`,
      { length },
    );
  }
}

/** Throws unless `value` is a finite number > 0. */
export function requirePositive(name: string, value: number): number {
  requireFinite(name, value);
  if (value <= 0) {
    throw new InvalidParameterError(`${name} must be > 0, got ${value}`, { name, value });
  }
  return value;
}

/** Throws unless `value` is a finite number >= 0. */
export function requireNonNegative(name: string, value: number): number {
  requireFinite(name, value);
  if (value < 0) {
    throw new InvalidParameterError(`${name} must be >= 0, got ${value}`, { name, value });
  }
  return value;
}

/** Throws unless `value` is an integer >= `min`. */
export function requireInteger(name: string, value: number, min = 0): number {
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidParameterError(`${name} must be an integer >= ${min}, got ${describeArgument(value)}`, {
      name,
      value,
    });
  }
  return value;
}
