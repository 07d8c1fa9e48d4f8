/**
 * The few pieces needed to assemble small WebAssembly modules in source (no toolchain): LEB128 integers,
 * sections, names, constants, the opcodes the kernels use, loops and a module that imports its memory, the
 * cache of modules assembled per population size, and the part of the WebAssembly JS API they call.
 * Used by src/core/simd.ts (the SIMD delivery kernel), src/neurons/double-exp-kernel.ts (the spiking-RNN
 * neuron step), src/neurons/cuba-kernel.ts and src/neurons/coba-kernel.ts (the two-port steps of CubaLIF and
 * CobaLIF, with src/neurons/two-port-kernel.ts) and src/projections/rate-coupling-kernel.ts (RateCoupling's
 * sparse product). Binary format: WebAssembly Core Specification 1.0/2.0, section 5.
 */

import { log } from "./log.ts";

/** Unsigned LEB128. */
export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** A section: id, byte length, body. */
export function section(id: number, body: readonly number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** A name (UTF-8 of ASCII text, length-prefixed). */
export function wasmName(s: string): number[] {
  return [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))];
}

/** The 8 little-endian bytes of a float64 constant. */
export function f64Bytes(x: number): number[] {
  return Array.from(new Uint8Array(new Float64Array([x]).buffer));
}

/** Module header: magic and version 1. */
export const WASM_HEADER: readonly number[] = Object.freeze([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

/** Value types. */
export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** Opcodes used by the kernels (single-byte ones). */
export const OP = Object.freeze({
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  call: 0x10,
  void: 0x40,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  f32Load: 0x2a,
  f64Load: 0x2b,
  i32Store: 0x36,
  i32Store8: 0x3a,
  f32Store: 0x38,
  f64Store: 0x39,
  i64Store: 0x37,
  i32Const: 0x41,
  i64Const: 0x42,
  f32Const: 0x43,
  f64Const: 0x44,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GtS: 0x4a,
  i32GeS: 0x4e,
  i32GeU: 0x4f,
  f64Lt: 0x63,
  f64Ge: 0x66,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  i32Rotl: 0x77,
  f64Add: 0xa0,
  f64Sub: 0xa1,
  f64Mul: 0xa2,
  f64Neg: 0x9a,
  f32DemoteF64: 0xb6,
  f64ConvertI32U: 0xb8,
  f64PromoteF32: 0xbb,
});

/**
 * Instruction builders shared by the kernels: each returns the bytes of one instruction (or of a short,
 * fixed sequence), so a kernel body reads as a list of operations. Memory offsets are byte offsets; the
 * alignment immediates are the natural ones (2 for 4-byte, 3 for 8-byte accesses).
 */
export const localGet = (k: number): number[] => [OP.localGet, k];
export const localSet = (k: number): number[] => [OP.localSet, k];
export const localTee = (k: number): number[] => [OP.localTee, k];
export const i32Const = (v: number): number[] => [OP.i32Const, ...sleb(v)];
export const i32Load = (offset = 0): number[] => [OP.i32Load, 2, ...uleb(offset)];
export const i32Store = (offset = 0): number[] => [OP.i32Store, 2, ...uleb(offset)];
export const f64Load = (offset = 0): number[] => [OP.f64Load, 3, ...uleb(offset)];
export const f64Store = (offset = 0): number[] => [OP.f64Store, 3, ...uleb(offset)];
/** local k += n (i32). */
export const localAdd = (k: number, n: number): number[] => [
  ...localGet(k),
  ...i32Const(n),
  OP.i32Add,
  ...localSet(k),
];

/** The memory immediates of a 4-byte access at a constant byte offset (alignment exponent 2, offset). */
export const memArg4 = (offset: number): number[] => [2, ...uleb(offset)];
/** `if (local k > 0)` (i32), as a block without result; close it with OP.end. */
export const ifPositive = (k: number): number[] => [
  ...localGet(k),
  ...i32Const(0),
  OP.i32GtS,
  OP.if,
  OP.void,
];
/** 4 x local k (i32): the byte offset of entry k of a list of 4-byte entries. */
export const times4 = (k: number): number[] => [...localGet(k), ...i32Const(2), OP.i32Shl];

/**
 * `body` for local `counter` = its present value, + stride, ... while below `end` (unsigned; nothing when it
 * starts there). `counter` is left at the first value not below `end`.
 */
export function countedLoop(
  counter: number,
  end: readonly number[],
  stride: number,
  body: readonly number[],
): number[] {
  const below = [...localGet(counter), ...end, OP.i32LtU];
  return [
    ...below,
    OP.if,
    OP.void,
    OP.loop,
    OP.void,
    ...body,
    ...localAdd(counter, stride),
    ...below,
    OP.brIf,
    0,
    OP.end,
    OP.end,
  ];
}

/**
 * SIMD opcodes used by the kernels (WebAssembly 2.0, section 5.4.8): each is the prefix 0xfd followed by
 * this number as unsigned LEB128 (see `simd`).
 */
export const SIMD_OP = Object.freeze({
  v128Load: 0x00,
  v128Load64Lane: 0x57,
  v128Load64Zero: 0x5d,
  v128Store64Lane: 0x5b,
  v128AnyTrue: 0x53,
  v128And: 0x4e,
  v128Or: 0x50,
  i64x2AllTrue: 0xc3,
  f64x2Splat: 0x14,
  f64x2ExtractLane: 0x21,
  f64x2Lt: 0x49,
  f64x2Ge: 0x4c,
  f64x2Neg: 0xed,
  f32x4DemoteF64x2Zero: 0x5e,
  f64x2PromoteLowF32x4: 0x5f,
  f64x2Add: 0xf0,
  f64x2Sub: 0xf1,
  f64x2Mul: 0xf2,
});

/** The bytes of a SIMD instruction (without its immediates). */
export function simd(op: number): number[] {
  return [0xfd, ...uleb(op)];
}

/** One function of `memoryModuleBytes`: its export name, its locals as (count, type) groups and its code. */
export interface ModuleFunction {
  readonly name: string;
  readonly locals: readonly (readonly [number, number])[];
  readonly code: readonly number[];
}

/**
 * A module that imports its memory as env.mem (at least 1 page) and exports `functions`, all of one type:
 * `params` i32 parameters, `results` (value types) as results. `code` is a function's instructions, its final
 * `end` included.
 */
export function memoryModuleBytes(
  params: number,
  results: readonly number[],
  functions: readonly ModuleFunction[],
): Uint8Array {
  const type = [0x60, params, ...Array<number>(params).fill(I32), results.length, ...results];
  const bodies = functions.flatMap(({ locals, code }) => {
    const body = [locals.length, ...locals.flatMap(([k, t]) => [...uleb(k), t]), ...code];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    ...WASM_HEADER,
    ...section(1, [1, ...type]),
    ...section(2, [1, ...wasmName("env"), ...wasmName("mem"), 0x02, 0x00, 1]), // memory, min 1 page
    ...section(3, [functions.length, ...functions.map(() => 0)]),
    ...section(7, [functions.length, ...functions.flatMap(({ name }, f) => [...wasmName(name), 0x00, f])]),
    ...section(10, [functions.length, ...bodies]),
  ]);
}

/** The part of the WebAssembly JS API used here (the project's type libraries declare no DOM globals). */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
}

/** The engine's WebAssembly object, or undefined where there is none. */
export const wasmApi: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

let memoryRefused = false;

/** Memories up to this many pages (16 MiB) are small: the engine refusing one has run out of memories. */
const SMALL_MEMORY_PAGES = 256;

/**
 * A memory of `pages` 64 KiB pages (never grown), or undefined where the engine refuses it. Engines reserve
 * address space per memory (Node 20 about 10 GiB, refusing after about 13 000 live ones), and each refused
 * attempt first runs a full garbage collection (about 0.25 s). So once a small memory (<= 16 MiB) has been
 * refused, every later kernel of the process goes straight to its TypeScript path (same results, slower),
 * with one warning (id "wasm-memory-refused") naming `what` asked; a large one refused only sends its own
 * kernel to the TypeScript path (the engine may lack that much memory but still give small ones).
 */
export function newWasmMemory(pages: number, what: string): { buffer: ArrayBuffer } | undefined {
  if (memoryRefused || wasmApi === undefined) return undefined;
  try {
    return new wasmApi.Memory({ initial: pages, maximum: pages });
  } catch {
    const small = pages <= SMALL_MEMORY_PAGES;
    if (small) memoryRefused = true;
    log.warn(
      "wasm-memory-refused",
      small
        ? `the engine refused a WebAssembly memory of ${pages} pages for ${what} (too many live ones?); ` +
            `this and every later kernel in this process use their TypeScript paths (same results, slower)`
        : `the engine refused a WebAssembly memory of ${pages} pages (${Math.round(pages / 16)} MiB) for ` +
            `${what}; it uses its TypeScript path (same results, slower)`,
      { once: true },
    );
    return undefined;
  }
}

/** The process environment's value of `name` (undefined in a browser). */
function envValue(name: string): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
}

/**
 * The compiled modules of a kernel that is assembled once per population size (its memory layout, and so
 * every address, fixed by the size), in a SIMD and a scalar variant. `get(n)` gives the SIMD module unless
 * SPIKEFLOW_SIMD=0 or the engine refuses it, then the scalar one; null when WebAssembly is unavailable or
 * SPIKEFLOW_WASM=0 (both read at every call, so tests can build populations on each path). At most `max`
 * modules are kept (the oldest goes first): a page that builds populations of many sizes would otherwise keep
 * a module per size for good; a dropped module lives on in the instances built from it.
 */
export class SizedModules {
  /** Compiled modules by kind and size ("simd 100", "scalar 100"); null where the engine refused one. */
  private readonly compiled = new Map<string, object | null>();

  constructor(
    private readonly bytes: (n: number, withSimd: boolean) => Uint8Array,
    private readonly max = 32,
  ) {}

  /** How many compiled modules are kept (for tests). */
  get size(): number {
    return this.compiled.size;
  }

  get(n: number): object | null {
    if (envValue("SPIKEFLOW_WASM") === "0") return null;
    for (const withSimd of envValue("SPIKEFLOW_SIMD") === "0" ? [false] : [true, false]) {
      const key = `${withSimd ? "simd" : "scalar"} ${n}`;
      const compiled = this.compiled;
      if (!compiled.has(key)) {
        if (compiled.size >= this.max) compiled.delete(compiled.keys().next().value!);
        compiled.set(key, compileWasm(this.bytes(n, withSimd)));
      }
      const module = compiled.get(key);
      if (module) return module;
    }
    return null;
  }
}

/** Compiles `bytes` once validated; null where WebAssembly is missing or refuses the module. */
export function compileWasm(bytes: Uint8Array): object | null {
  if (wasmApi === undefined) return null;
  try {
    return wasmApi.validate(bytes) ? new wasmApi.Module(bytes) : null;
  } catch {
    return null;
  }
}
