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
  | "state";

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

/** Throws `InvalidParameterError` unless `value` is a finite number. */
export function requireFinite(name: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new InvalidParameterError(`${name} must be a finite number, got ${String(value)}`, { name, value });
  }
  return value;
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
    throw new InvalidParameterError(`${name} must be an integer >= ${min}, got ${String(value)}`, {
      name,
      value,
    });
  }
  return value;
}
