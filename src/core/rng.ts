/**
 * Seeded pseudo-random numbers: xoshiro128** (Blackman & Vigna, 2018), 32-bit state words, period 2^128 - 1.
 *
 * Streams: a generator is keyed by a seed (a safe integer) and a stream key: any number of parts, each a safe
 * integer or a string; anything else (an object, a boolean, undefined, null, 1.5) is an `InvalidParameterError`
 * naming the argument, never a key that silently collapses onto another. The key is hashed with
 * murmur3's 32-bit finaliser and expanded to the 128-bit state by SplitMix32, so `createRng(seed, "poisson", 17)`
 * always yields the same sequence, whatever was drawn from any other stream before. Give every independent
 * consumer (an example's encoder, a network's initial weights, a worker's trial) its own key, and results
 * never depend on evaluation order or on the number of workers.
 *
 * Floats have 32 bits of resolution: `float()` returns k / 2^32 for an integer k in [0, 2^32).
 */
import { InvalidParameterError, describeArgument, describeValue } from "./errors.ts";

export type StreamKey = number | string;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Mixes one part of a generator's key into h. `name` says which argument of `createRng` the part is, for the
 * error: a seed must be a safe integer, a stream key part a safe integer or a string.
 */
function hashKeyPart(h: number, part: StreamKey, name: string, stringAllowed: boolean): number {
  if (typeof part === "number") {
    if (!Number.isSafeInteger(part)) {
      throw new InvalidParameterError(
        `createRng: ${name} must be ${Number.isInteger(part) ? "a safe integer (|x| <= 2^53 - 1)" : "an integer"}, ` +
          `got ${describeArgument(part)}; seeds and numeric stream keys are safe integers (|x| <= 2^53 - 1), ` +
          `e.g. createRng(1, "poisson", 17)`,
        { name, part },
      );
    }
    const lo = part >>> 0;
    const hi = Math.floor(part / 4294967296) >>> 0;
    h = fmix32(h ^ lo);
    h = fmix32((h + 0x9e3779b9) ^ hi);
    return h;
  }
  if (typeof part !== "string" || !stringAllowed) {
    throw new InvalidParameterError(
      `createRng: ${name} must be ${stringAllowed ? "a string or " : ""}a safe integer, got ${describeValue(part)}; ` +
        `e.g. createRng(1, "poisson", 17)`,
      { name, part },
    );
  }
  // Strings: FNV-1a over UTF-16 code units, then mixed in. A tag keeps "1" and 1 apart.
  let f = 0x811c9dc5;
  for (let i = 0; i < part.length; i++) f = Math.imul(f ^ part.charCodeAt(i), 0x01000193);
  return fmix32((h ^ (f >>> 0)) + 0x632be5ab);
}

export class Rng {
  /**
   * The four state words. An Int32Array rather than four number fields: V8 stores a field as a small integer
   * until a value outgrows 31 bits and then changes its representation, which deoptimised every caller of
   * nextU32 again and again (thousands of times in an LC-SNN run, where a generator is created per
   * example); typed-array elements keep one representation. The words are read as int32 and every
   * operation below is 32-bit, so the sequence is the same as with uint32 words. The ziggurat's rejection
   * branch (core/ziggurat.ts) advances them in place, as nextU32 does; nothing else should write them.
   */
  readonly state = new Int32Array(4);
  private spareNormal = NaN;

  /** Use `createRng(seed, ...stream)` rather than the constructor. `key` is a 32-bit unsigned integer. */
  constructor(key: number) {
    if (!(Number.isInteger(key) && key >= 0 && key <= 0xffffffff)) {
      throw new InvalidParameterError(
        `Rng: key must be an integer from 0 to 2^32 - 1, got ${describeArgument(key)}; ` +
          `build generators with createRng(seed, ...streamKey)`,
        { key },
      );
    }
    // SplitMix32 expansion of the 32-bit key into four state words (never all zero).
    let z = key >>> 0;
    const next = () => {
      z = (z + 0x9e3779b9) >>> 0;
      let t = z;
      t = Math.imul(t ^ (t >>> 16), 0x21f0aaad);
      t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
      return (t ^ (t >>> 15)) >>> 0;
    };
    const s = this.state;
    s[0] = next();
    s[1] = next();
    s[2] = next();
    s[3] = next();
    if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.state;
    const s0 = s[0];
    const s1 = s[1];
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    const s2 = s[2] ^ s0;
    const s3 = s[3] ^ s1;
    s[1] = s1 ^ s2;
    s[0] = s0 ^ s3;
    s[2] = s2 ^ t;
    s[3] = rotl(s3, 11);
    return r;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.nextU32() * 2.3283064365386963e-10;
  }

  /** Uniform in (0, 1]: 1 - float(), for logarithms. */
  positiveUnit(): number {
    return 1 - this.float();
  }

  /** Uniform float in [lo, hi); lo and hi finite, lo <= hi (lo = hi gives lo). */
  uniform(lo: number, hi: number): number {
    if (!(lo <= hi && Number.isFinite(lo) && Number.isFinite(hi))) {
      throw new InvalidParameterError(
        `Rng.uniform: the bounds must be finite numbers with lo <= hi, got lo = ${describeArgument(lo)}, hi = ${describeArgument(hi)}`,
        { lo, hi },
      );
    }
    return lo + (hi - lo) * this.float();
  }

  /** Uniform integer in [0, n) for an integer n from 1 to 2^32. Bias is below n / 2^32. */
  int(n: number): number {
    if (!(n >= 1 && n <= 4294967296 && Number.isInteger(n))) {
      throw new InvalidParameterError(
        `Rng.int: n must be an integer from 1 to 2^32 (the draw is uniform in [0, n)), got ${describeArgument(n)}`,
        { n },
      );
    }
    return Math.floor(this.float() * n);
  }

  /** true with probability p, for p in [0, 1]. */
  bernoulli(p: number): boolean {
    if (!(p >= 0 && p <= 1)) throw probabilityError("Rng.bernoulli", p);
    return this.float() < p;
  }

  /** Standard normal by the Box-Muller transform (pairs are cached). */
  normal(): number {
    if (!Number.isNaN(this.spareNormal)) {
      const v = this.spareNormal;
      this.spareNormal = NaN;
      return v;
    }
    const u1 = 1 - this.float(); // (0, 1]
    const u2 = this.float();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /**
   * Number of failures before the first success of Bernoulli(p) trials: P(k) = (1-p)^k p.
   * Used to skip straight to the next spike of a per-step Bernoulli train. p must lie in [0, 1]: p = 1 gives 0;
   * p = 0 gives Infinity (and draws nothing).
   */
  geometric(p: number): number {
    if (p > 0 && p < 1) {
      const u = 1 - this.float(); // (0, 1]
      return Math.floor(Math.log(u) / Math.log1p(-p));
    }
    if (p === 1) return 0;
    if (p === 0) return Infinity;
    throw probabilityError("Rng.geometric", p);
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(a: T[] | Int32Array | Uint32Array): void {
    if (!Array.isArray(a) && !(ArrayBuffer.isView(a) && !(a instanceof DataView))) {
      throw new InvalidParameterError(
        `Rng.shuffle takes an Array or typed array to shuffle in place, got ${describeValue(a)}`,
      );
    }
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}

/** The error of a probability outside [0, 1] (NaN included); built off the draw methods' fast path. */
function probabilityError(what: string, p: number): InvalidParameterError {
  return new InvalidParameterError(
    `${what}: p is a probability and must be in [0, 1], got ${describeArgument(p)}`,
    {
      p,
    },
  );
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * A generator for `seed` (a safe integer) and the stream named by `stream` (any mix of safe integers and
 * strings). Any other seed or stream part is an `InvalidParameterError` naming the argument.
 */
export function createRng(seed: number, ...stream: StreamKey[]): Rng {
  let h = hashKeyPart(0x2545f491, seed, "the seed", false);
  for (let k = 0; k < stream.length; k++) {
    h = hashKeyPart(h, stream[k], `stream key part ${k} (argument ${k + 2})`, true);
  }
  return new Rng(h);
}

/**
 * `requireRng` for a generator passed as the second argument of `call` ("shuffleIndices(n, rng)") instead of
 * in an options object: the message says to pass `example` ("trialRng(seed, k)") there, and, with `advice`,
 * to give each independent use its own stream.
 */
export function requireRngArgument(call: string, rng: unknown, example: string, advice = false): Rng {
  if (typeof (rng as Partial<Rng> | null | undefined)?.geometric !== "function") {
    throw new InvalidParameterError(
      `${call} needs a random generator as its second argument: pass ${example} ` +
        `(got ${rng === undefined ? "no rng" : describeValue(rng)})` +
        (advice ? "; give each independent use its own stream" : ""),
      { what: call },
    );
  }
  return rng as Rng;
}

/**
 * Throws `InvalidParameterError` unless `rng` is a generator (an object with the `Rng` methods). `what` names
 * the caller and `streamKey` the stream key the message suggests, e.g. `"poisson", exampleIndex`.
 */
export function requireRng(what: string, rng: unknown, streamKey: string): Rng {
  if (typeof (rng as Partial<Rng> | null | undefined)?.geometric !== "function") {
    throw new InvalidParameterError(
      `${what} needs a random generator: pass rng: createRng(seed, ${streamKey}) in its options ` +
        `(got ${rng === undefined ? "no rng" : describeValue(rng)}); give each independent use its own stream`,
      { what },
    );
  }
  return rng as Rng;
}
