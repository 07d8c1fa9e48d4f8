/**
 * Saving what a hand-built network has learned, and restoring it into a network built by the same code: the
 * counterpart of Brian2's `store`/`restore` and BindsNET's `Network.save`/`load` for spikeflow's networks.
 *
 *   const saved = networkParameters(net);            // a ModelInput: kind "network"
 *   await saveModel("runs/my-net", saved);            // spikeflow/io (Node); or saveNetwork(dir, net)
 *   ...
 *   const net2 = buildMyNetwork();                   // the same code and options
 *   restoreNetworkParameters(net2, await loadModel("runs/my-net", { expectKind: "network" }));
 *
 * What is saved (docs/network-files.md):
 *   - every projection's parameters (`Projection.parameters()`: the weights of Dense, Sparse, OneToOne,
 *     Local2d, Conv2d, the pooling layers and Affine, Affine's and Bias's bias, RateCoupling's weights), with
 *     the connectivity a sparse projection was built with (`structure()`), which must match on restore;
 *   - every population's learned state (`learnedState()`: AdaptiveLIF's adaptive thresholds, exactly);
 *   - every learning rule's learned numbers (`learnedValues()`: STDP's current learning rates,
 *     IncomingNormalization's pending full pass);
 *   - the layout to check against: dt, each population's name, model and size, each subgroup's name, parent
 *     and range (only when the network has subgroups), each projection's name, kind, ends (a population's or
 *     subgroup's name), port, parameter names and rule names, in the network's order.
 *   - the construction settings (src/network/settings.ts), which are compared, not restored: a network built
 *     with other options takes the saved values and gets the warning "network-settings-differ".
 * What is not restored: construction options (time constants, thresholds, bounds; they come from the code
 * that builds the network). Not saved: transient state (membrane potentials, synaptic currents, traces,
 * random streams) and monitors. Restoring ends with `net.reset()`, so the network starts as a freshly built one that has the saved
 * weights and learned state.
 *
 * Restoring checks everything before it writes anything: a file of another network, a changed size or
 * sparsity pattern, a non-finite or out-of-bounds weight is a typed error and leaves the network untouched.
 *
 * Limitation: a network whose structure is not fully determined by its code (a Sparse projection drawn from
 * an unseeded generator) can be restored only into the same pattern; the error names the projection. Rebuild
 * it with a seed.
 */
import { FormatError, InvalidParameterError, ShapeMismatchError } from "../core/errors.ts";
import { log } from "../core/log.ts";
import { describeValue } from "../core/options.ts";
import { sameStep } from "../core/time.ts";
import type { Tensor } from "../io/dtype.ts";
import type { ModelInput, ModelTensorInput, SavedModel } from "../io/model-codec.ts";
import { Network } from "./network.ts";
import type { LearnedState, WeightBounds } from "./types.ts";
import type { Subgroup } from "./subgroup.ts";
import { storedBounds } from "./types.ts";
import type { Settings } from "./settings.ts";
import { populationSettings, projectionSettings, settingDifferences } from "./settings.ts";

/** The model kind of a saved network (model.json's "kind"). */
export const NETWORK_KIND = "network";

type ParamArray = Float32Array | Float64Array;

interface PopulationLayout {
  readonly name: string;
  readonly model: string;
  readonly size: number;
  /** Names of the learned-state arrays, in order. */
  readonly learned: readonly string[];
  /** Construction settings (src/network/settings.ts); absent in files saved before 2026-12-06. */
  readonly settings?: Settings;
}

interface ProjectionLayout {
  readonly name: string;
  readonly kind: string;
  readonly source: string;
  readonly target: string;
  readonly port: string;
  readonly parameters: readonly string[];
  readonly structure: readonly string[];
  readonly rules: readonly string[];
  /** Construction settings, the rules' included; absent in files saved before 2026-12-06. */
  readonly settings?: Settings;
}

/** A subgroup (Network.addSubgroup): neurons [start, stop) of the population `parent`. */
interface SubgroupLayout {
  readonly name: string;
  readonly parent: string;
  readonly start: number;
  readonly stop: number;
}

interface NetworkLayout {
  readonly dt_ms: number;
  readonly populations: readonly PopulationLayout[];
  /** Absent in a network without subgroups (and in every file saved before subgroups existed). */
  readonly subgroups?: readonly SubgroupLayout[];
  readonly projections: readonly ProjectionLayout[];
}

/** Throws unless `net` is a Network; `caller` names the function in the message. */
function requireNetwork(caller: string, net: unknown): asserts net is Network {
  if (!(net instanceof Network)) {
    throw new InvalidParameterError(
      `${caller} takes the Network itself (the one built with new Network({ dt_ms }), e.g. model.net), got ` +
        `${describeValue(net)}`,
    );
  }
}

/** Throws unless `saved` has the members of a SavedModel (what decodeModel and loadModel return). */
function requireSavedModel(saved: unknown): asserts saved is SavedModel {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObject(saved) || typeof saved.kind !== "string" || !isObject(saved.tensors)) {
    throw new InvalidParameterError(
      `restoreNetworkParameters takes the network to restore into and the saved network, { kind, config, ` +
        `tensors, extra } as loadModel(dir, { expectKind: "network" }) or decodeModel returns it, got ` +
        `${describeValue(saved)}; or restore from a directory with restoreNetwork(dir, net)`,
    );
  }
}

const popKey = (i: number, name: string): string => `population.${i}.${name}`;
const paramKey = (i: number, name: string): string => `projection.${i}.${name}`;
const structureKey = (i: number, name: string): string => `projection.${i}.structure.${name}`;

/** A copy of `data` as a tensor with its dtype, so the result is also a SavedModel (in-memory snapshots). */
function tensor(data: ParamArray | Int32Array): ModelTensorInput & Tensor {
  const shape = [data.length];
  if (data instanceof Float64Array) return { dtype: "F64", data: data.slice(), shape };
  if (data instanceof Float32Array) return { dtype: "F32", data: data.slice(), shape };
  return { dtype: "I32", data: data.slice(), shape };
}

/** Each population's learned state, in the network's order (undefined where it learns nothing). */
function learnedStates(net: Network): (LearnedState | undefined)[] {
  return net.populationNames.map((name) => net.population(name).learnedState?.());
}

/** The current layout of `net` (what a saved file is compared with); `learned` from `learnedStates(net)`. */
function layoutOf(net: Network, learned: readonly (LearnedState | undefined)[]): NetworkLayout {
  // projections hold population and subgroup objects, the layout names them
  const nameOf = new Map(
    [...net.populationNames, ...net.subgroupNames].map((name) => [net.population(name), name] as const),
  );
  const subgroups = net.subgroupNames.map((name) => {
    const sub = net.population<Subgroup>(name);
    return { name, parent: sub.parentName, start: sub.start, stop: sub.stop };
  });
  const populations = net.populationNames.map((name, i) => {
    const p = net.population(name);
    return {
      name,
      model: p.model,
      size: p.size,
      learned: Object.keys(learned[i]?.arrays ?? {}),
      settings: populationSettings(p),
    };
  });
  const projections = net.projectionNames.map((name) => {
    const p = net.projection(name);
    return {
      name,
      kind: p.kind,
      // addProjection refuses a projection whose ends are not in the network
      source: nameOf.get(p.source) as string,
      target: nameOf.get(p.target) as string,
      port: p.port,
      parameters: Object.keys(p.parameters?.() ?? {}),
      structure: Object.keys(p.structure?.() ?? {}),
      rules: p.rules.map((r) => r.name),
      settings: projectionSettings(p),
    };
  });
  return { dt_ms: net.dt_ms, populations, ...(subgroups.length > 0 ? { subgroups } : {}), projections };
}

/**
 * What `networkParameters` returns: a model for `saveModel` / `encodeModel`, and also an in-memory snapshot
 * that `restoreNetworkParameters` takes directly (Brian2's store / restore), as often as needed: its arrays
 * are copies, which a restore reads and never keeps.
 */
export interface NetworkSnapshot extends ModelInput {
  readonly config: Record<string, unknown>;
  readonly tensors: Readonly<Record<string, ModelTensorInput & Tensor>>;
  readonly extra: Record<string, unknown>;
}

/**
 * Refuses to save what a restore would refuse: a non-finite parameter, or a weight outside its projection's
 * bounds (both reach `w` only through outside writes; `clampAll()` brings weights back inside the bounds).
 */
function requireSavable(
  a: ParamArray,
  what: string,
  bounds: WeightBounds | undefined,
  empty: Uint8Array | undefined,
): void {
  // a slot that is no synapse must hold 0 (a restore refuses anything else, through checkRestoredParameter)
  const nonZero = empty === undefined ? -1 : a.findIndex((x, k) => empty[k] !== 0 && x !== 0);
  if (nonZero >= 0) {
    throw new InvalidParameterError(
      `${what}[${nonZero}] = ${a[nonZero]} is in a slot that is no synapse (a padded kernel position), which ` +
        `must hold 0, so the network could not be restored; set it back to 0 (emptySlots() marks these slots)`,
      { index: nonZero, value: a[nonZero] },
    );
  }
  const k = firstUnrestorable(a, storedBounds(bounds, a instanceof Float32Array), empty);
  if (k < 0) return;
  const x = a[k];
  throw new InvalidParameterError(
    Number.isFinite(x)
      ? `${what}[${k}] = ${x} lies outside the projection's bounds [${bounds?.wMin}, ${bounds?.wMax}], so the ` +
          `network could not be restored; call the projection's clampAll() after writing weights by hand`
      : `${what}[${k}] is ${x}; a network with a non-finite parameter cannot be saved (it could not be ` +
          `restored): find what wrote it, or set it to a finite value first`,
    { index: k, value: x },
  );
}

/**
 * The first entry that is not finite or lies outside [lo, hi] (what a restore refuses), or -1. Slots marked in
 * `empty` (no synapse; they hold 0) need only be finite: the bounds do not apply to them.
 */
function firstUnrestorable(
  data: ArrayLike<number>,
  [lo, hi]: readonly [number, number],
  empty?: Uint8Array,
): number {
  for (let k = 0; k < data.length; k++) {
    const x = data[k];
    if (empty !== undefined && empty[k] !== 0) {
      if (!Number.isFinite(x)) return k;
      continue;
    }
    if (!(Number.isFinite(x) && x >= lo && x <= hi)) return k;
  }
  return -1;
}

/**
 * Everything `net` has learned, with its layout, as a model for `saveModel` (kind "network"). The arrays are
 * copies: the network can go on running while the model is written.
 */
export function networkParameters(net: Network): NetworkSnapshot {
  requireNetwork("networkParameters", net);
  net.requireIdle("networkParameters");
  const learned = learnedStates(net);
  const layout = layoutOf(net, learned);
  const tensors: Record<string, ModelTensorInput & Tensor> = {};
  const popValues = learned.map((state, i) => {
    for (const [name, a] of Object.entries(state?.arrays ?? {})) tensors[popKey(i, name)] = tensor(a);
    return state ? { ...state.values } : null;
  });
  const ruleValues: Record<string, number>[][] = [];
  layout.projections.forEach((pl, i) => {
    const p = net.projection(pl.name);
    for (const [name, a] of Object.entries(p.parameters?.() ?? {})) {
      const w = name === "w";
      requireSavable(
        a,
        `projection "${pl.name}" ${name}`,
        w ? p.bounds : undefined,
        w ? p.emptySlots?.() : undefined,
      );
      tensors[paramKey(i, name)] = tensor(a);
    }
    for (const [name, a] of Object.entries(p.structure?.() ?? {})) tensors[structureKey(i, name)] = tensor(a);
    ruleValues.push(p.rules.map((r) => ({ ...(r.learnedValues?.() ?? {}) })));
  });
  return {
    kind: NETWORK_KIND,
    config: layout as unknown as Record<string, unknown>,
    tensors,
    extra: { populations: popValues, rules: ruleValues },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Reading a saved layout (model.json may be hand-edited: every field is checked and named)

function fail(field: string, why: string): never {
  throw new FormatError(`saved network: ${field} ${why}`, { field });
}

/** The object at `field`, which must have exactly `keys` when they are given. */
function objectAt(v: unknown, field: string, keys?: readonly string[]): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(field, "must be an object");
  const o = v as Record<string, unknown>;
  if (keys !== undefined) {
    const extra = Object.keys(o).filter((k) => !keys.includes(k));
    if (extra.length > 0) fail(field, `has unknown field "${extra[0]}"; it holds ${keys.join(", ")}`);
  }
  return o;
}

function arrayAt(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) fail(field, "must be an array");
  return v as unknown[];
}

function stringAt(v: unknown, field: string): string {
  if (typeof v !== "string") fail(field, "must be a string");
  return v as string;
}

function stringsAt(v: unknown, field: string): string[] {
  return arrayAt(v, field).map((s, k) => stringAt(s, `${field}[${k}]`));
}

function numberAt(v: unknown, field: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) fail(field, "must be a finite number");
  return v as number;
}

function numbersRecordAt(v: unknown, field: string): Record<string, number> {
  const o = objectAt(v, field);
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(o)) out[k] = numberAt(x, `${field}.${k}`);
  return out;
}

/** An optional settings record: an object of numbers, strings, booleans and nulls. */
function settingsAt(v: unknown, field: string): Settings | undefined {
  if (v === undefined) return undefined;
  const o = objectAt(v, field);
  for (const [k, x] of Object.entries(o)) {
    if (!(x === null || typeof x === "string" || typeof x === "boolean" || typeof x === "number")) {
      fail(`${field}.${k}`, "must be a number, string, boolean or null");
    }
  }
  return o as Settings;
}

function readLayout(value: unknown): NetworkLayout {
  const config = objectAt(value, "config", ["dt_ms", "populations", "subgroups", "projections"]);
  const dt_ms = numberAt(config.dt_ms, "config.dt_ms");
  const populations = arrayAt(config.populations, "config.populations").map((v, i) => {
    const f = `config.populations[${i}]`;
    const o = objectAt(v, f, ["name", "model", "size", "learned", "settings"]);
    const size = numberAt(o.size, `${f}.size`);
    if (!Number.isInteger(size) || size < 0) fail(`${f}.size`, "must be a whole number >= 0");
    return {
      name: stringAt(o.name, `${f}.name`),
      model: stringAt(o.model, `${f}.model`),
      size,
      learned: stringsAt(o.learned, `${f}.learned`),
      ...optional("settings", settingsAt(o.settings, `${f}.settings`)),
    };
  });
  const subgroups =
    config.subgroups === undefined
      ? undefined
      : arrayAt(config.subgroups, "config.subgroups").map((v, i) => {
          const f = `config.subgroups[${i}]`;
          const o = objectAt(v, f, ["name", "parent", "start", "stop"]);
          const [start, stop] = (["start", "stop"] as const).map((k) => {
            const x = numberAt(o[k], `${f}.${k}`);
            if (!Number.isInteger(x) || x < 0) fail(`${f}.${k}`, "must be a whole number >= 0");
            return x;
          });
          return {
            name: stringAt(o.name, `${f}.name`),
            parent: stringAt(o.parent, `${f}.parent`),
            start,
            stop,
          };
        });
  const projections = arrayAt(config.projections, "config.projections").map((v, i) => {
    const f = `config.projections[${i}]`;
    const o = objectAt(v, f, [
      "name",
      "kind",
      "source",
      "target",
      "port",
      "parameters",
      "structure",
      "rules",
      "settings",
    ]);
    return {
      name: stringAt(o.name, `${f}.name`),
      kind: stringAt(o.kind, `${f}.kind`),
      source: stringAt(o.source, `${f}.source`),
      target: stringAt(o.target, `${f}.target`),
      port: stringAt(o.port, `${f}.port`),
      parameters: stringsAt(o.parameters, `${f}.parameters`),
      structure: stringsAt(o.structure, `${f}.structure`),
      rules: stringsAt(o.rules, `${f}.rules`),
      ...optional("settings", settingsAt(o.settings, `${f}.settings`)),
    };
  });
  return { dt_ms, populations, ...optional("subgroups", subgroups), projections };
}

/** `{ [key]: value }`, or nothing when value is undefined (for exactOptionalPropertyTypes). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

// ---------------------------------------------------------------------------------------------------------
// Comparing and restoring

/** Id of the warning for a network restored into one built with other construction settings. */
export const SETTINGS_DIFFER = "network-settings-differ";

/**
 * Warns (SETTINGS_DIFFER) when the network was built with other construction settings than the saved one
 * (a time constant, a threshold, weight bounds, a trace's tau), listing the first differences. Not an error:
 * restoring learned weights into a changed network is a legitimate experiment, and options are code.
 */
function warnIfOtherSettings(saved: NetworkLayout, live: NetworkLayout): void {
  const lines: string[] = [];
  saved.populations.forEach((s, i) => {
    if (s.settings === undefined) return;
    const l = live.populations[i];
    for (const d of settingDifferences(s.settings, l.settings ?? {}))
      lines.push(`population "${s.name}" ${d}`);
  });
  saved.projections.forEach((s, i) => {
    if (s.settings === undefined) return;
    const l = live.projections[i];
    for (const d of settingDifferences(s.settings, l.settings ?? {}))
      lines.push(`projection "${s.name}" ${d}`);
  });
  if (lines.length === 0) return;
  const shown = 6;
  log.warn(
    SETTINGS_DIFFER,
    `the saved network was built with other settings than this one, and its weights and learned state were ` +
      `restored into this one as it is: ${lines.slice(0, shown).join("; ")}` +
      (lines.length > shown ? `; and ${lines.length - shown} more` : "") +
      `. To continue the saved network, build it with the same options; if the change is meant, ` +
      `muteWarning("${SETTINGS_DIFFER}") silences this`,
  );
}

const REBUILD = "build the network with the same code and options as the one that was saved";

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, k) => x === b[k]);
}

function describePop(p: PopulationLayout): string {
  return `"${p.name}" (${p.model}, ${p.size} neurons)`;
}

function describeProj(p: ProjectionLayout): string {
  return `"${p.name}" (${p.kind}, ${p.source} -> ${p.target}:${p.port})`;
}

/** Throws unless the saved layout is the network's own. */
function requireSameLayout(saved: NetworkLayout, live: NetworkLayout): void {
  if (!(typeof saved.dt_ms === "number" && sameStep(saved.dt_ms, live.dt_ms))) {
    throw new InvalidParameterError(
      `the saved network steps at dt = ${saved.dt_ms} ms, this one at ${live.dt_ms} ms; ${REBUILD}`,
    );
  }
  const names = (ps: readonly { name: string }[]): string =>
    ps.map((p) => `"${p.name}"`).join(", ") || "none";
  if (saved.populations.length !== live.populations.length) {
    throw new InvalidParameterError(
      `the saved network has ${saved.populations.length} populations (${names(saved.populations)}), this one ` +
        `${live.populations.length} (${names(live.populations)}); ${REBUILD}`,
    );
  }
  saved.populations.forEach((s, i) => {
    const l = live.populations[i];
    if (s.name !== l.name || s.model !== l.model) {
      throw new InvalidParameterError(
        `population ${i} (counting from 0, in the order of addPopulation) is ${describePop(s)} in the saved ` +
          `network but ${describePop(l)} here; ${REBUILD}`,
      );
    }
    if (s.size !== l.size) {
      throw new ShapeMismatchError(
        `population "${s.name}" has ${s.size} neurons in the saved network but ${l.size} here; ${REBUILD}`,
        { population: s.name, saved: s.size, size: l.size },
      );
    }
    if (!sameList(s.learned, l.learned)) {
      throw new InvalidParameterError(
        `population "${s.name}" saved learned state [${s.learned.join(", ")}] but takes ` +
          `[${l.learned.join(", ")}]; ${REBUILD}`,
      );
    }
  });
  requireSameSubgroups(saved.subgroups ?? [], live.subgroups ?? []);
  if (saved.projections.length !== live.projections.length) {
    throw new InvalidParameterError(
      `the saved network has ${saved.projections.length} projections (${names(saved.projections)}), this one ` +
        `${live.projections.length} (${names(live.projections)}); ${REBUILD}`,
    );
  }
  saved.projections.forEach((s, i) => {
    const l = live.projections[i];
    if (
      s.name !== l.name ||
      s.kind !== l.kind ||
      s.source !== l.source ||
      s.target !== l.target ||
      s.port !== l.port
    ) {
      throw new InvalidParameterError(
        `projection ${i} (counting from 0, in the order of addProjection) is ${describeProj(s)} in the saved ` +
          `network but ${describeProj(l)} here; ${REBUILD}`,
      );
    }
    if (!sameList(s.parameters, l.parameters) || !sameList(s.structure, l.structure)) {
      throw new InvalidParameterError(
        `projection "${s.name}" saved parameters [${[...s.parameters, ...s.structure].join(", ")}] but has ` +
          `[${[...l.parameters, ...l.structure].join(", ")}]; ${REBUILD}`,
      );
    }
    if (!sameList(s.rules, l.rules)) {
      throw new InvalidParameterError(
        `projection "${s.name}" had learning rules [${s.rules.join(", ")}] when saved but has ` +
          `[${l.rules.join(", ")}]; attach the same rules, in the same order, before restoring`,
      );
    }
  });
}

function describeSub(s: SubgroupLayout): string {
  return `"${s.name}" = ${s.parent}[${s.start}:${s.stop}]`;
}

/** Throws unless the saved network had the same subgroups (name, parent, range), in the same order. */
function requireSameSubgroups(saved: readonly SubgroupLayout[], live: readonly SubgroupLayout[]): void {
  const same = (a: SubgroupLayout, b: SubgroupLayout): boolean =>
    a.name === b.name && a.parent === b.parent && a.start === b.start && a.stop === b.stop;
  if (saved.length === live.length && saved.every((s, k) => same(s, live[k]))) return;
  const list = (subs: readonly SubgroupLayout[]): string =>
    subs.length === 0 ? "none" : subs.map(describeSub).join(", ");
  const k = saved.findIndex((s, i) => i >= live.length || !same(s, live[i]));
  const at = k < 0 ? saved.length : k;
  throw new InvalidParameterError(
    `the saved network has subgroups ${list(saved)}, this one ${list(live)} (the first difference is ` +
      `subgroup ${at}, counting from 0 in the order of addSubgroup: ` +
      `${at < saved.length ? describeSub(saved[at]) : "none"} saved, ` +
      `${at < live.length ? describeSub(live[at]) : "none"} here); add the same subgroups with addSubgroup, ` +
      `in the same order, before restoring`,
    { saved: saved.map(describeSub), live: live.map(describeSub) },
  );
}

/** The saved tensor `key`, checked to fit `live` (same dtype and length); `what` names it in errors. */
function savedArray(saved: SavedModel, key: string, live: ParamArray | Int32Array, what: string): Tensor {
  const t = Object.hasOwn(saved.tensors, key) ? saved.tensors[key] : undefined;
  if (t === undefined) fail(`tensor "${key}"`, `(${what}) is missing from the weights file`);
  if (typeof t !== "object" || t === null || !ArrayBuffer.isView(t.data)) {
    fail(`tensor "${key}"`, `(${what}) must be a tensor { dtype, shape, data }`);
  }
  const dtype = live instanceof Float64Array ? "F64" : live instanceof Float32Array ? "F32" : "I32";
  if (t.dtype !== dtype) fail(`tensor "${key}"`, `(${what}) is ${t.dtype}; it must be ${dtype}`);
  if (t.data.length !== live.length) {
    throw new ShapeMismatchError(
      `${what} has ${t.data.length} values in the saved network but ${live.length} here; ${REBUILD}`,
      { tensor: key, saved: t.data.length, size: live.length },
    );
  }
  return t;
}

function requireFiniteArray(data: ArrayLike<number>, what: string): void {
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k])) {
      throw new InvalidParameterError(`${what}[${k}] is ${data[k]} in the saved network; it must be finite`);
    }
  }
}

interface PendingWrite {
  readonly into: ParamArray;
  readonly from: ParamArray;
}

/**
 * Puts the weights and learned state of a saved network (from `networkParameters`, or `loadModel` of a
 * directory `saveNetwork` wrote) into `net`, which must have been built the same way: same dt, populations
 * (name, model, size) and projections (name, kind, ends, port, rules) in the same order, same sparse
 * patterns. Everything is checked first; on any mismatch nothing is changed. Ends with `net.reset()`.
 */
export function restoreNetworkParameters(net: Network, saved: SavedModel | NetworkSnapshot): void {
  requireNetwork("restoreNetworkParameters", net);
  net.requireIdle("restoreNetworkParameters");
  requireSavedModel(saved);
  if (saved.kind !== NETWORK_KIND) {
    throw new FormatError(
      `this is a "${saved.kind}" model, not a saved network ("${NETWORK_KIND}"); load it with the loader of ` +
        `its kind`,
    );
  }
  const layout = readLayout(saved.config);
  const liveLearned = learnedStates(net);
  const liveLayout = layoutOf(net, liveLearned);
  requireSameLayout(layout, liveLayout);

  const extra = objectAt(saved.extra, "extra", ["populations", "rules"]);
  const popValues = arrayAt(extra.populations, "extra.populations");
  const ruleValues = arrayAt(extra.rules, "extra.rules");
  if (popValues.length !== layout.populations.length)
    fail("extra.populations", "has one entry per population");
  if (ruleValues.length !== layout.projections.length) fail("extra.rules", "has one list per projection");

  const expected = new Set<string>();
  layout.populations.forEach((pl, i) => pl.learned.forEach((name) => expected.add(popKey(i, name))));
  layout.projections.forEach((pl, i) => {
    pl.parameters.forEach((name) => expected.add(paramKey(i, name)));
    pl.structure.forEach((name) => expected.add(structureKey(i, name)));
  });
  const stray = Object.keys(saved.tensors).find((k) => !expected.has(k));
  if (stray !== undefined) fail(`tensor "${stray}"`, "belongs to no population or projection of the layout");

  const writes: PendingWrite[] = [];
  const learned: { restore: (s: LearnedState) => void; state: LearnedState }[] = [];
  const rules: { restore: (v: Record<string, number>) => void; values: Record<string, number> }[] = [];

  layout.populations.forEach((pl, i) => {
    const pop = net.population(pl.name);
    const current = liveLearned[i];
    if (current === undefined) {
      if (popValues[i] !== null)
        fail(`extra.populations[${i}]`, `must be null ("${pl.name}" learns nothing)`);
      return;
    }
    const values = numbersRecordAt(popValues[i], `extra.populations[${i}]`);
    if (!sameList(Object.keys(values), Object.keys(current.values))) {
      fail(`extra.populations[${i}]`, `must hold [${Object.keys(current.values).join(", ")}]`);
    }
    const arrays: Record<string, ParamArray> = {};
    for (const [name, a] of Object.entries(current.arrays)) {
      const t = savedArray(saved, popKey(i, name), a, `population "${pl.name}" ${name}`);
      requireFiniteArray(t.data as ParamArray, `population "${pl.name}" ${name}`);
      arrays[name] = t.data as ParamArray;
    }
    const state = { arrays, values };
    pop.checkLearnedState?.(state);
    learned.push({ restore: (s) => pop.restoreLearnedState?.(s), state });
  });

  layout.projections.forEach((pl, i) => {
    const p = net.projection(pl.name);
    for (const [name, a] of Object.entries(p.structure?.() ?? {})) {
      const t = savedArray(saved, structureKey(i, name), a, `projection "${pl.name}" ${name}`);
      for (let k = 0; k < a.length; k++) {
        if (t.data[k] !== a[k]) {
          throw new InvalidParameterError(
            `projection "${pl.name}" was saved with another connectivity (${name}[${k}] is ${t.data[k]} in ` +
              `the file, ${a[k]} here); build it with the same pattern (the same seed for a random one)`,
          );
        }
      }
    }
    for (const [name, a] of Object.entries(p.parameters?.() ?? {})) {
      const what = `projection "${pl.name}" ${name}`;
      const t = savedArray(saved, paramKey(i, name), a, what);
      const data = t.data as ParamArray;
      const bounds = name === "w" ? p.bounds : undefined;
      const empty = name === "w" ? p.emptySlots?.() : undefined;
      const k = firstUnrestorable(data, storedBounds(bounds, a instanceof Float32Array), empty);
      if (k >= 0) {
        throw new InvalidParameterError(
          Number.isFinite(data[k])
            ? `${what}[${k}] = ${data[k]} in the saved network lies outside this projection's bounds ` +
                `[${bounds?.wMin}, ${bounds?.wMax}]; ${REBUILD}`
            : `${what}[${k}] is ${data[k]} in the saved network; it must be finite`,
        );
      }
      try {
        p.checkRestoredParameter?.(name, data);
      } catch (e) {
        if (e instanceof InvalidParameterError) {
          // weights that do not fit are most often weights of another geometry: say so when the settings differ
          const differ =
            pl.settings === undefined
              ? []
              : settingDifferences(pl.settings, liveLayout.projections[i].settings ?? {});
          const cause =
            differ.length === 0
              ? ""
              : `; the projection was saved with other settings (${differ.slice(0, 4).join("; ")}), which is ` +
                `the likely cause: ${REBUILD}`;
          throw new InvalidParameterError(`projection "${pl.name}": ${e.message}${cause}`, { ...e.details });
        }
        throw e;
      }
      writes.push({ into: a, from: data });
    }
    const saveds = arrayAt(ruleValues[i], `extra.rules[${i}]`);
    if (saveds.length !== p.rules.length) fail(`extra.rules[${i}]`, "has one entry per learning rule");
    p.rules.forEach((r, k) => {
      const values = numbersRecordAt(saveds[k], `extra.rules[${i}][${k}]`);
      const expected = Object.keys(r.learnedValues?.() ?? {});
      if (!sameList(Object.keys(values), expected)) {
        fail(`extra.rules[${i}][${k}]`, `must hold [${expected.join(", ")}] (rule "${r.name}")`);
      }
      r.checkLearnedValues?.(values);
      if (r.restoreLearnedValues) rules.push({ restore: (v) => r.restoreLearnedValues?.(v), values });
    });
  });

  // every check passed: write
  for (const { into, from } of writes) into.set(from);
  for (const { restore, state } of learned) restore(state);
  for (const { restore, values } of rules) restore(values);
  net.reset();
  warnIfOtherSettings(layout, liveLayout);
}
