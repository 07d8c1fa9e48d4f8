/**
 * The construction settings of a population, projection or learning rule, as a flat record of JSON values,
 * so that a saved network (src/network/parameters.ts) can tell a network rebuilt with other options.
 *
 * Where the settings come from:
 *   - an object with a `settings()` method (e.g. `Stdp`: its variant and the two traces' parameters);
 *   - otherwise its `params` object (every built-in neuron model: time constants, thresholds, resets, seeds);
 *   - a projection adds its weight bounds and its conduction delay (`delaySteps`, when not 0).
 * Flattening: nested plain objects become dotted keys (`vInit.lo_mV`); numbers, strings, booleans and null are
 * kept (a non-finite number as the string "Infinity", "-Infinity" or "NaN", which JSON cannot hold); a list or
 * typed array of numbers becomes the string "<n> values, CRC-32 <hex>" over its float64 bytes, so a per-neuron
 * array of any size costs one short string; a list of up to 32 other things (CubaLIF's synapses) is flattened
 * entry by entry (`synapses[0].tauSyn_ms`); functions, undefined and other objects (a generator) are left out,
 * and so is anything nested deeper than 4 levels (a user-written `settings()` should stay flat).
 */
import { crc32Hex } from "../io/crc32.ts";
import type { LearningRule, Population, Projection } from "./types.ts";

/** One flattened setting. */
export type SettingValue = number | string | boolean | null;

/** Flattened settings by dotted key. */
export type Settings = Record<string, SettingValue>;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" &&
  v !== null &&
  (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

function numberValue(x: number): SettingValue {
  return Number.isFinite(x) ? x : String(x);
}

/** "<n> values, CRC-32 <hex>" of a list of numbers, or undefined when it holds anything else. */
function listDigest(list: ArrayLike<unknown>): string | undefined {
  const values = new Float64Array(list.length);
  for (let k = 0; k < list.length; k++) {
    const x = list[k];
    if (typeof x !== "number") return undefined;
    values[k] = x === 0 ? 0 : x; // -0 as 0, as JSON gives a single -0 back
  }
  return `${list.length} values, CRC-32 ${crc32Hex(new Uint8Array(values.buffer))}`;
}

function flattenInto(out: Settings, prefix: string, value: unknown, depth: number): void {
  if (value === null || typeof value === "string" || typeof value === "boolean") out[prefix] = value;
  else if (typeof value === "number") out[prefix] = numberValue(value);
  else if (Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    const list = value as ArrayLike<unknown>;
    const digest = listDigest(list);
    if (digest !== undefined) out[prefix] = digest;
    // a short list of other things (CubaLIF's synapses): entry by entry
    else if (list.length <= 32) {
      for (let k = 0; k < list.length; k++) flattenInto(out, `${prefix}[${k}]`, list[k], depth + 1);
    }
  } else if (isPlainObject(value) && depth < 4) {
    for (const [k, v] of Object.entries(value))
      flattenInto(out, prefix === "" ? k : `${prefix}.${k}`, v, depth + 1);
  }
}

/** `value` (a plain object) flattened to dotted keys. */
export function flattenSettings(value: unknown): Settings {
  const out: Settings = {};
  if (isPlainObject(value)) flattenInto(out, "", value, 0);
  return out;
}

/** The object's own settings: `settings()` if it has one, else its `params`. */
function ownSettings(x: object): Settings {
  const o = x as { settings?: unknown; params?: unknown };
  if (typeof o.settings === "function") return flattenSettings((o.settings as () => unknown).call(x));
  return flattenSettings(o.params);
}

/** A population's settings (its model's parameters). */
export function populationSettings(p: Population): Settings {
  return ownSettings(p);
}

/** A projection's settings: its own (if any), its weight bounds, and each rule's as `rules[k].<key>`. */
export function projectionSettings(p: Projection): Settings {
  const out: Settings = { ...ownSettings(p) };
  if (p.bounds !== undefined) {
    out["bounds.wMin"] = numberValue(p.bounds.wMin);
    out["bounds.wMax"] = numberValue(p.bounds.wMax);
  }
  // a conduction delay, in steps (0.3 ms and 3 x 0.1 ms are the same delay), only when there is one, so that
  // files saved without delays still compare equal
  const delay: unknown = (p as { delaySteps?: unknown }).delaySteps;
  if (typeof delay === "number" && delay !== 0) out.delaySteps = numberValue(delay);
  p.rules.forEach((r: LearningRule, k) => {
    for (const [key, v] of Object.entries(ownSettings(r))) out[`rules[${k}].${key}`] = v;
  });
  return out;
}

/**
 * The settings that differ between a saved record and the live one, as "key: <live> here, <saved> in the
 * saved network" (a key on one side only counts as a difference).
 */
export function settingDifferences(saved: Settings, live: Settings): string[] {
  const show = (s: Settings, k: string): string => (Object.hasOwn(s, k) ? JSON.stringify(s[k]) : "not set");
  const keys = [...new Set([...Object.keys(live), ...Object.keys(saved)])];
  return keys
    .filter((k) => !(Object.hasOwn(saved, k) && Object.hasOwn(live, k) && saved[k] === live[k]))
    .map((k) => `${k} is ${show(live, k)} here, ${show(saved, k)} in the saved network`);
}
