/**
 * The options of a `SynapseEquations` projection that are not texts: its constants, its connectivity (built by
 * Sparse's builders, which validate and sort it) and the start values of its per-synapse variables.
 */
import {
  InvalidParameterError,
  ShapeMismatchError,
  requireFinite,
  requireFloat32,
} from "../../core/errors.ts";
import { closestKey, describeValue, requireKnownKeys } from "../../core/options.ts";
import type { Rng } from "../../core/rng.ts";
import type { Population } from "../../network/types.ts";
import { Sparse } from "../sparse.ts";
import type { SynapseModel } from "./model.ts";

/** `params`: an object of finite numbers. */
export function checkParams(given: unknown): Map<string, number> {
  if (given === undefined) return new Map();
  if (given === null || typeof given !== "object" || Array.isArray(given)) {
    throw new InvalidParameterError(
      `SynapseEquations params must be an object of named numbers, got ${describeValue(given)}`,
    );
  }
  const out = new Map<string, number>();
  for (const [name, value] of Object.entries(given)) {
    if (typeof value !== "number") {
      throw new InvalidParameterError(
        `SynapseEquations params.${name} must be one number (shared by every synapse), got ` +
          `${describeValue(value)}; a value per synapse is a model variable ("${name} : unit") set with init`,
      );
    }
    out.set(name, requireFinite(`params.${name}`, value));
  }
  return out;
}

/** `plastic`: distinct per-synapse variable names; default ["w"] when there is a w, else none. */
export function checkPlastic(given: unknown, names: readonly string[]): string[] {
  if (given === undefined) return names.includes("w") ? ["w"] : [];
  if (!Array.isArray(given)) {
    throw new InvalidParameterError(
      `SynapseEquations plastic must be a list of per-synapse variable names (those net.learning = false ` +
        `freezes), got ${describeValue(given)}; e.g. plastic: ["w"]`,
    );
  }
  const out: string[] = [];
  for (const name of given as unknown[]) {
    if (typeof name !== "string" || !names.includes(name)) {
      const near = typeof name === "string" ? closestKey(name, names) : undefined;
      throw new InvalidParameterError(
        `SynapseEquations plastic: ${typeof name === "string" ? `'${name}'` : describeValue(name)} is not a ` +
          `per-synapse variable; the variables are ` +
          `${names.join(", ") || "none"}` +
          (near !== undefined ? ` (did you mean ${near}?)` : ""),
      );
    }
    if (out.includes(name)) {
      throw new InvalidParameterError(`SynapseEquations plastic names '${name}' twice`);
    }
    out.push(name);
  }
  return out;
}

/** Refuses a constant no text uses, with the closest used name. */
export function refuseUnused(params: ReadonlyMap<string, number>, model: SynapseModel): void {
  const used = [...model.usedParams];
  for (const name of params.keys()) {
    if (model.usedParams.has(name)) continue;
    const near = closestKey(name, used);
    throw new InvalidParameterError(
      `SynapseEquations params: '${name}' is not used by the model, on_pre or on_post; the constants they use ` +
        `are ${used.length > 0 ? used.join(", ") : "none"}` +
        (near !== undefined ? ` (did you mean ${near}?)` : ""),
    );
  }
}

/** The synapses as a Sparse with zero weights (its builders validate and sort). */
export function connectivity(source: Population, target: Population, connect: unknown): Sparse {
  if (typeof connect === "function") {
    const pre: number[] = [];
    const post: number[] = [];
    for (let i = 0; i < source.size; i++) {
      for (let j = 0; j < target.size; j++) {
        const yes: unknown = (connect as (i: number, j: number) => unknown)(i, j);
        if (typeof yes !== "boolean") {
          throw new InvalidParameterError(
            `SynapseEquations connect(${i}, ${j}) returned ${describeValue(yes)}; the predicate must return ` +
              `true (a synapse) or false`,
          );
        }
        if (yes) {
          pre.push(i);
          post.push(j);
        }
      }
    }
    return Sparse.fromTriplets(source, target, { pre, post, w: 0 });
  }
  if (typeof connect !== "object" || connect === null) {
    throw new InvalidParameterError(
      `SynapseEquations connect must be { pre, post } (triplets), { rowPtr, colIdx } (CSR), { p, rng } or a ` +
        `function (pre, post) => boolean, got ${describeValue(connect)}`,
    );
  }
  const c = connect as Record<string, unknown>;
  if ("p" in c) {
    requireKnownKeys("SynapseEquations connect", c, ["p", "rng", "allowSelf"]);
    return Sparse.random(source, target, {
      p: c.p as number,
      rng: c.rng as Rng,
      ...(c.allowSelf === undefined ? {} : { allowSelf: c.allowSelf as boolean }),
      weight: 0,
    });
  }
  if ("rowPtr" in c) {
    requireKnownKeys("SynapseEquations connect", c, ["rowPtr", "colIdx"]);
    const colIdx = c.colIdx as ArrayLike<number> | undefined;
    return new Sparse(source, target, {
      rowPtr: c.rowPtr as ArrayLike<number>,
      colIdx: colIdx as ArrayLike<number>,
      w: new Float32Array(colIdx?.length ?? 0),
    });
  }
  requireKnownKeys("SynapseEquations connect", c, ["pre", "post"]);
  return Sparse.fromTriplets(source, target, {
    pre: c.pre as ArrayLike<number>,
    post: c.post as ArrayLike<number>,
    w: 0,
  });
}

/** Start values: known variables only; a number, an array in CSR order or a function of (pre, post). */
export function checkInit(given: unknown, names: readonly string[], csr: Sparse): (number | Float32Array)[] {
  if (given !== undefined && (given === null || typeof given !== "object" || Array.isArray(given))) {
    throw new InvalidParameterError(
      `SynapseEquations init must be an object of named start values, got ${describeValue(given)}`,
    );
  }
  const init = (given ?? {}) as Record<string, unknown>;
  for (const name of Object.keys(init)) {
    if (!names.includes(name)) {
      const near = closestKey(name, names);
      throw new InvalidParameterError(
        `SynapseEquations init: '${name}' is not a per-synapse variable; the variables are ` +
          `${names.join(", ") || "none"}` +
          (near !== undefined ? ` (did you mean ${near}?)` : ""),
      );
    }
  }
  const nnz = csr.nnz;
  return names.map((name) => {
    const v = Object.hasOwn(init, name) ? init[name] : 0;
    if (typeof v === "number") return requireFloat32(`init.${name}`, v);
    const out = new Float32Array(nnz);
    if (typeof v === "function") {
      for (let i = 0; i + 1 < csr.rowPtr.length; i++) {
        for (let k = csr.rowPtr[i]; k < csr.rowPtr[i + 1]; k++) {
          out[k] = requireFloat32(
            `init.${name}(${i}, ${csr.colIdx[k]})`,
            (v as (i: number, j: number) => number)(i, csr.colIdx[k]),
          );
        }
      }
      return out;
    }
    const list = v as ArrayLike<number> | null;
    if (list === null || typeof list !== "object" || typeof list.length !== "number") {
      throw new InvalidParameterError(
        `SynapseEquations init.${name} must be a number, one per synapse in CSR order, or a function ` +
          `(pre, post) => value, got ${describeValue(v)}`,
      );
    }
    if (list.length !== nnz) {
      throw new ShapeMismatchError(
        `SynapseEquations init.${name} has ${list.length} values but there are ${nnz} synapses; give one per ` +
          `synapse in CSR order, or a function (pre, post) => value`,
      );
    }
    for (let k = 0; k < nnz; k++) out[k] = requireFloat32(`init.${name}[${k}]`, list[k]);
    return out;
  });
}
