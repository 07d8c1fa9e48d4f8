/**
 * Options objects are checked against the keys their owner knows: a misspelled key (`tau_m` for `tauMem_ms`)
 * is an `InvalidParameterError` that names the key, suggests the closest valid name and lists them all,
 * never a silently ignored setting. Every neuron model, monitor, encoder, projection and plasticity rule
 * checks its options here once, at construction.
 */
import { InvalidParameterError, describeValue } from "./errors.ts";

export { describeValue };

/**
 * Throws `InvalidParameterError` when `options` is not a plain object or has a key outside `valid`.
 * `undefined` passes (the caller's defaults apply). `what` names the owner in the message, e.g. "LIF params".
 */
export function requireKnownKeys(what: string, options: unknown, valid: readonly string[]): void {
  if (options === undefined) return;
  if (
    options === null ||
    typeof options !== "object" ||
    Array.isArray(options) ||
    ArrayBuffer.isView(options)
  ) {
    throw new InvalidParameterError(
      `${what} must be an object of named options (${valid.join(", ")}), got ${describeValue(options)}`,
      { what, options },
    );
  }
  const unknown = Object.keys(options).filter((k) => !valid.includes(k));
  if (unknown.length === 0) return;
  const named = unknown.map((k) => {
    const capacitance = capacitanceHint(k, valid);
    if (capacitance !== undefined) return `"${k}" (${capacitance})`;
    const near = closestKey(k, valid);
    return near === undefined ? `"${k}"` : `"${k}" (did you mean ${near}?)`;
  });
  throw new InvalidParameterError(
    `${what}: unknown option${unknown.length > 1 ? "s" : ""} ${named.join(", ")}; ` +
      `the valid options are ${valid.join(", ")}`,
    { what, unknown, valid },
  );
}

/**
 * `requireKnownKeys` for an options object that must be given: a missing one is refused with `example`, a
 * call that shows the options (e.g. 'new Bias(pop, { bias: 0.5 })').
 */
export function requireOptions(
  what: string,
  options: unknown,
  valid: readonly string[],
  example: string,
): void {
  if (options === undefined) {
    throw new InvalidParameterError(`${what} needs its options (${valid.join(", ")}), e.g. ${example}`, {
      what,
    });
  }
  requireKnownKeys(`${what} options`, options, valid);
}

/**
 * `{ ...defaults, ...params }` after checking that every key of `params` is a key of `defaults` or one of
 * `optional` (parameters without a default, such as `vInit_mV`); a key given as undefined is left out, so it
 * takes its default. The result is a fresh, unfrozen object.
 */
export function withDefaults<T extends object>(
  what: string,
  defaults: Readonly<T>,
  params: Partial<T> | undefined,
  optional: readonly (keyof T & string)[] = [],
): T {
  requireKnownKeys(what, params, [...Object.keys(defaults), ...optional]);
  // an option given as undefined takes its default, as one left out does ({ ...defaults, ...params } would
  // let the undefined through, and the check of that option would then refuse "undefined")
  const given: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params ?? {})) if (value !== undefined) given[key] = value;
  return { ...defaults, ...given } as T;
}

/**
 * The valid key most like `key`, or undefined when none is close. Keys are compared without case and
 * without underscores ("tau_m" ~ "tauMem_ms"): a candidate is close when it is the key with or without a unit
 * suffix ("dt" ~ "dt_ms"), when one name contains the other's letters in order (an abbreviation of three
 * letters or more), or when their edit distance (a swap of neighbours counts 1) is at most a third of the
 * longer name. Among close candidates the longest common prefix wins, then the smallest distance.
 */
export function closestKey(key: string, valid: readonly string[]): string | undefined {
  const k = normalise(key);
  // the names of Brian2's examples and NEST's models, which no edit distance relates to ours
  // own keys only: "constructor" (also "Con_structor") must not find Object.prototype's
  const alias = Object.hasOwn(SYMBOL_ALIASES, k)
    ? SYMBOL_ALIASES[k].find((name) => valid.includes(name))
    : undefined;
  if (alias !== undefined) return alias;
  const kBare = normalise(withoutUnit(key));
  let best: string | undefined;
  let bestPrefix = -1;
  let bestDistance = Infinity;
  for (const candidate of valid) {
    const c = normalise(candidate);
    const distance = editDistance(k, c);
    const sameBase = kBare !== "" && kBare === normalise(withoutUnit(candidate));
    const abbreviation = Math.min(k.length, c.length) >= 3 && (isSubsequence(k, c) || isSubsequence(c, k));
    const typo = distance <= Math.floor(Math.max(k.length, c.length) / 3);
    if (!sameBase && !abbreviation && !typo) continue;
    const prefix = commonPrefix(k, c);
    if (prefix > bestPrefix || (prefix === bestPrefix && distance < bestDistance)) {
      best = candidate;
      bestPrefix = prefix;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Parameter symbols of Brian2's examples and NEST's models (normalised: lower case, letters and digits only)
 * and the spikeflow options they mean, first match among a model's options wins. The membrane capacitance has
 * no option of its own (`capacitanceHint`).
 */
const SYMBOL_ALIASES: Readonly<Record<string, readonly string[]>> = {
  el: ["vRest_mV"],
  vl: ["vRest_mV"],
  eleak: ["vRest_mV"],
  vt: ["vThreshold_mV"],
  vth: ["vThreshold_mV"],
  vr: ["vReset_mV"],
  taum: ["tauMem_ms"],
  taumem: ["tauMem_ms"],
  gl: ["gLeak_nS"],
  gleak: ["gLeak_nS"],
  refractory: ["tRef_ms"],
  tref: ["tRef_ms"],
  r: ["resistance_MOhm"],
  rm: ["resistance_MOhm"],
  v0: ["vInit_mV"],
  ee: ["synapses"],
  ei: ["synapses"],
  taue: ["synapses"],
  taui: ["synapses"],
  n: ["sources"],
  vinit: ["vInit_mV"],
};

/**
 * For an option named like a capacitance ("C", "Cm") of a model that derives it: how to give it, since
 * C = tau_m g_L = tau_m / R.
 */
function capacitanceHint(key: string, valid: readonly string[]): string | undefined {
  const k = normalise(key);
  if (k !== "c" && k !== "cm") return undefined;
  if (valid.includes("gLeak_nS") && valid.includes("tauMem_ms")) {
    return "the capacitance is tauMem_ms x gLeak_nS: give those two, e.g. 20 ms and 10 nS for 200 pF";
  }
  if (valid.includes("resistance_MOhm") && valid.includes("tauMem_ms")) {
    return "the capacitance is tauMem_ms / resistance_MOhm: give those two, e.g. 10 ms and 100 MOhm for 100 pF";
  }
  return undefined;
}

/** The name without a trailing unit suffix: "dt_ms" -> "dt", "tauMem_ms" -> "tauMem". */
function withoutUnit(name: string): string {
  return name.replace(/_[A-Za-z]+$/, "");
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

function isSubsequence(short: string, long: string): boolean {
  let i = 0;
  for (let j = 0; j < long.length && i < short.length; j++) if (long[j] === short[i]) i++;
  return i === short.length;
}

function commonPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/**
 * Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two neighbouring
 * letters ("prot" -> "port") cost 1 each.
 */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * The keys of an options type, written once as `{ key: true, ... }`: the compiler checks that the record names
 * every key of T and no other, so a list handed to `requireKnownKeys` cannot fall behind its interface.
 */
export function optionKeys<T>(keys: { readonly [K in keyof Required<T>]: true }): readonly string[] {
  return Object.freeze(Object.keys(keys));
}

/**
 * Refuses arguments past a function's or constructor's last parameter, which JavaScript would otherwise drop
 * without a word. An explicit `undefined` changes nothing and is let through. `what` names the callee
 * ("LIF", "IncomingNormalization", "Network.run"), `signature` lists its parameters ("projection, total"),
 * `extra` holds what came after them (a rest parameter), and `hint` may say more about the likely mistake.
 */
export function refuseExtraArguments(
  what: string,
  signature: string,
  extra: readonly unknown[],
  hint?: string,
): void {
  const first = extra.findIndex((value) => value !== undefined);
  if (first < 0) return;
  const count = signature.split(",").length;
  throw new InvalidParameterError(
    `${what} takes ${count} arguments (${signature}), got ${count + extra.length}: argument ` +
      `${count + 1 + first} (${describeValue(extra[first])}) would be ignored; remove it` +
      (hint === undefined ? "" : `; ${hint}`),
    { what, extra: extra.length },
  );
}
