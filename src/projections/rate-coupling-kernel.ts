/**
 * A WebAssembly kernel for `RateCoupling`'s step, the sparse matrix-vector product s = W r over CSR rows,
 * with results bit-identical to the TypeScript loop. Per stored weight and step (N = 200, full 20 % support,
 * 2 cores, AMD EPYC): TypeScript 2.0-3.6 ns, the scalar module 0.56 ns, the SIMD module 0.46 ns.
 *
 * Per row j, the arithmetic of `RateCoupling.deliver`'s TypeScript loop, operation by operation: two
 * float64 partial sums over the row's weights taken in pairs (even positions into s0, odd into s1, a last
 * odd weight into s0), then s_j = s0 + s1. The SIMD module keeps (s0, s1) as the two lanes of one f64x2
 * vector and adds a pair's two products in one instruction (lane 0 is s0's add, lane 1 is s1's), two pairs
 * per iteration. WebAssembly never fuses a multiply and an add, and a lane rounds like a scalar, so every
 * product and sum rounds as in JavaScript. Then port[j] = f32(f64(port[j]) + s_j): JavaScript's
 * `out[j] += s` on a Float32Array (f32.demote rounds to nearest like a Float32Array store). The SIMD module is
 * used unless SPIKEFLOW_SIMD=0 or the engine lacks SIMD.
 *
 * The kernel cannot read the source population's r buffer in place: a module sees one memory (WebAssembly
 * 1.0; several memories per module need an engine newer than Node 20), and the population's memory has no
 * room for the weights, nor can it write the target's port. So each step copies r (8 bytes per source neuron)
 * and the port (4 bytes per target neuron) in, and the port back out: three block copies, which cost less
 * than a JavaScript loop over the rows (0.5-0.6 against 0.7 us per step at N = 200).
 *
 * Memory (one per projection, never grown, so the typed-array views stay valid):
 *   w      f64 per stored weight (the projection's live weights)      r    f64 per source neuron (the copy)
 *   port   f32 per target neuron (the copy)                          rowPtr  i32 per target neuron + 1
 *   colByte  i32 per stored weight: 8 x the source index, the byte offset of its r entry
 * Limitation: where WebAssembly is missing, SPIKEFLOW_WASM=0, the memory would exceed 2 GiB (about 170
 * million weights) or the engine has refused a memory once in this process (too many live ones, see
 * `newWasmMemory`), `RateCouplingKernel.create` returns undefined and RateCoupling runs its TypeScript loop
 * (same results, slower).
 * Limitation: "bit-identical" holds for every number, infinities and -0 included; a NaN result is NaN on
 * every path, but its sign and payload bits may differ (WebAssembly does not canonicalise NaNs; the TypeScript
 * loop's Float32Array store gives V8's NaN).
 */
import {
  compileWasm,
  F64,
  f64Load,
  I32,
  i32Const as i32,
  i32Load,
  localAdd,
  localGet as get,
  localSet as set,
  newWasmMemory,
  OP,
  section,
  simd,
  SIMD_OP,
  uleb,
  V128,
  WASM_HEADER,
  wasmApi,
  wasmName,
} from "../core/wasm.ts";

// parameters, then locals: i32 the row, its column pointer, its end and its weight pointer; f64 the row's two
// partial sums; v128 both sums as one vector (SIMD module)
const P = {
  n: 0,
  pRow: 1,
  pCol: 2,
  pW: 3,
  pR: 4,
  pPort: 5,
  j: 6,
  c: 7,
  end: 8,
  w: 9,
  s0: 10,
  s1: 11,
  acc: 12,
} as const;
/** Local groups: 4 i32, 2 f64, 1 v128 (the SIMD module's (s0, s1) pair; unused by the scalar one). */
const LOCALS = [3, 4, I32, 2, F64, 1, V128];

const f64Zero = [OP.f64Const, 0, 0, 0, 0, 0, 0, 0, 0];
/** sum += w[at] * r[col[at]], for the weight `at` positions after the current one. */
const accumulate = (sum: number, at: number) => [
  ...get(sum),
  ...get(P.w),
  ...f64Load(8 * at),
  ...get(P.pR),
  ...get(P.c),
  ...i32Load(4 * at),
  OP.i32Add,
  ...f64Load(0),
  OP.f64Mul,
  OP.f64Add,
  ...set(sum),
];
/** acc += (w[at], w[at + 1]) * (r[col[at]], r[col[at + 1]]): lane 0 is s0's add, lane 1 is s1's. */
const accumulatePair = (at: number) => [
  ...get(P.acc),
  ...get(P.w),
  ...simd(SIMD_OP.v128Load),
  3,
  ...uleb(8 * at),
  // the gathered pair: the address of the odd one, then a vector with the even one in lane 0
  ...get(P.pR),
  ...get(P.c),
  ...i32Load(4 * (at + 1)),
  OP.i32Add,
  ...get(P.pR),
  ...get(P.c),
  ...i32Load(4 * at),
  OP.i32Add,
  ...simd(SIMD_OP.v128Load64Zero),
  3,
  0,
  ...simd(SIMD_OP.v128Load64Lane),
  3,
  0,
  1,
  ...simd(SIMD_OP.f64x2Mul),
  ...simd(SIMD_OP.f64x2Add),
  ...set(P.acc),
];

/** Pushes 1 when fewer than `k` weights of the row are left (c + 4 (k - 1) >= end). */
const fewerLeft = (k: number) => [...get(P.c), ...i32(4 * (k - 1)), OP.i32Add, ...get(P.end), OP.i32GeU];
/** The address of port[j]. */
const portAt = [...get(P.pPort), ...get(P.j), ...i32(2), OP.i32Shl, OP.i32Add];

/**
 * Row by row; c and w run on from one row into the next (the rows are contiguous). Interleaving two rows'
 * sums was tried and was slower (0.65-0.68 against 0.58-0.59 ns per weight): the adds of one row are not
 * what bounds the loop.
 */
function matvecBody(withSimd: boolean): number[] {
  const scalarPairs = [
    ...f64Zero,
    ...set(P.s0),
    ...f64Zero,
    ...set(P.s1),
    OP.block,
    OP.void,
    OP.loop,
    OP.void,
    ...fewerLeft(2),
    OP.brIf,
    1,
    ...accumulate(P.s0, 0),
    ...accumulate(P.s1, 1),
    ...localAdd(P.c, 8),
    ...localAdd(P.w, 16),
    OP.br,
    0,
    OP.end,
    OP.end,
  ];
  // four weights (two pairs) per iteration while four are left, then one more pair if two are left
  const simdPairs = [
    ...f64Zero,
    ...simd(SIMD_OP.f64x2Splat),
    ...set(P.acc),
    OP.block,
    OP.void,
    OP.loop,
    OP.void,
    ...fewerLeft(4),
    OP.brIf,
    1,
    ...accumulatePair(0),
    ...accumulatePair(2),
    ...localAdd(P.c, 16),
    ...localAdd(P.w, 32),
    OP.br,
    0,
    OP.end,
    OP.end,
    ...fewerLeft(2),
    OP.i32Eqz,
    OP.if,
    OP.void,
    ...accumulatePair(0),
    ...localAdd(P.c, 8),
    ...localAdd(P.w, 16),
    OP.end,
    ...get(P.acc),
    ...simd(SIMD_OP.f64x2ExtractLane),
    0,
    ...set(P.s0),
    ...get(P.acc),
    ...simd(SIMD_OP.f64x2ExtractLane),
    1,
    ...set(P.s1),
  ];
  const row = [
    // end = pCol + 4 rowPtr[j + 1]
    ...get(P.pCol),
    ...get(P.pRow),
    ...get(P.j),
    ...i32(2),
    OP.i32Shl,
    OP.i32Add,
    ...i32Load(4),
    ...i32(2),
    OP.i32Shl,
    OP.i32Add,
    ...set(P.end),
    // pairs while two weights are left: the even one into s0, the odd one into s1
    ...(withSimd ? simdPairs : scalarPairs),
    // a last odd weight into s0
    ...get(P.c),
    ...get(P.end),
    OP.i32LtU,
    OP.if,
    OP.void,
    ...accumulate(P.s0, 0),
    ...localAdd(P.c, 4),
    ...localAdd(P.w, 8),
    OP.end,
    // port[j] += s0 + s1: float32 promoted, the float64 add, rounded back (JavaScript's out[j] += s)
    ...portAt,
    ...portAt,
    OP.f32Load,
    2,
    0,
    OP.f64PromoteF32,
    ...get(P.s0),
    ...get(P.s1),
    OP.f64Add,
    OP.f64Add,
    OP.f32DemoteF64,
    OP.f32Store,
    2,
    0,
    ...localAdd(P.j, 1),
  ];
  // rowPtr[0] is 0: the first row starts at the first weight
  return [
    ...get(P.pCol),
    ...set(P.c),
    ...get(P.pW),
    ...set(P.w),
    // while j < n
    OP.block,
    OP.void,
    OP.loop,
    OP.void,
    ...get(P.j),
    ...get(P.n),
    OP.i32GeS,
    OP.brIf,
    1,
    ...row,
    OP.br,
    0,
    OP.end,
    OP.end,
    OP.end,
  ];
}

export function rateCouplingModuleBytes(withSimd: boolean): Uint8Array {
  const type = [0x60, 6, I32, I32, I32, I32, I32, I32, 0]; // (n, pRow, pCol, pW, pR, pPort) -> ()
  const body = [...LOCALS, ...matvecBody(withSimd)];
  return new Uint8Array([
    ...WASM_HEADER,
    ...section(1, [1, ...type]),
    ...section(2, [1, ...wasmName("env"), ...wasmName("mem"), 0x02, 0x00, 1]), // import env.mem, min 1 page
    ...section(3, [1, 0]),
    ...section(7, [1, ...wasmName("matvec"), 0x00, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

const compiled = new Map<boolean, object | null>();

/**
 * The SIMD module unless SPIKEFLOW_SIMD=0 or the engine refuses it, then the scalar one; null when
 * WebAssembly is unavailable or disabled (SPIKEFLOW_WASM=0). Read at every projection's construction.
 */
function kernelModule(): object | null {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (env?.SPIKEFLOW_WASM === "0") return null;
  for (const withSimd of env?.SPIKEFLOW_SIMD === "0" ? [false] : [true, false]) {
    if (!compiled.has(withSimd)) compiled.set(withSimd, compileWasm(rateCouplingModuleBytes(withSimd)));
    const module = compiled.get(withSimd);
    if (module) return module;
  }
  return null;
}

/**
 * The largest kernel memory: 2 GiB (32 768 pages of 64 KiB). Addresses are 32-bit and the loops compare
 * pointers a few bytes past a row's end, so a memory close to 4 GiB could wrap; beyond this size the
 * projection runs its TypeScript loop.
 */
const MAX_PAGES = 32768;

/** CSR weights and buffers in one WebAssembly memory, and the product that reads them. */
export class RateCouplingKernel {
  /** The stored weights, in CSR order: the projection's live `w`. */
  readonly w: Float64Array;
  private readonly r: Float64Array;
  /** A copy of the target port: copied in, added to, copied back. */
  private readonly port: Float32Array;
  private readonly matvec: (...args: number[]) => void;
  private readonly ptr: { row: number; col: number; w: number; r: number; port: number };

  private constructor(rowPtr: Int32Array, colIdx: Int32Array, nPre: number, module: object) {
    const nPost = rowPtr.length - 1;
    const nnz = colIdx.length;
    let at = 0;
    const take = (bytes: number) => {
      const p = at;
      at += Math.ceil(bytes / 8) * 8;
      return p;
    };
    const ptr = {
      w: take(8 * nnz),
      r: take(8 * nPre),
      port: take(4 * nPost),
      row: take(4 * (nPost + 1)),
      col: take(4 * nnz),
    };
    const pages = Math.max(1, Math.ceil(at / 65536));
    if (pages > MAX_PAGES) throw new RangeError(`${at} bytes exceed the kernel's 2 GiB`);
    const memory = newWasmMemory(pages, "a RateCoupling");
    if (memory === undefined) throw new RangeError("no WebAssembly memory");
    const buf = memory.buffer;
    this.w = new Float64Array(buf, ptr.w, nnz);
    this.r = new Float64Array(buf, ptr.r, nPre);
    this.port = new Float32Array(buf, ptr.port, nPost);
    new Int32Array(buf, ptr.row, nPost + 1).set(rowPtr);
    const colByte = new Int32Array(buf, ptr.col, nnz);
    for (let k = 0; k < nnz; k++) colByte[k] = 8 * colIdx[k];
    const instance = new wasmApi!.Instance(module, { env: { mem: memory } });
    this.matvec = instance.exports.matvec as (...args: number[]) => void;
    this.ptr = ptr;
  }

  /**
   * A kernel for the CSR pattern (rowPtr over target rows from rowPtr[0] = 0, colIdx into nPre source
   * neurons; both copied), with its weights zeroed: the caller fills `w`. Undefined where WebAssembly is
   * unavailable or disabled (SPIKEFLOW_WASM=0) or the memory cannot be had.
   */
  static create(rowPtr: Int32Array, colIdx: Int32Array, nPre: number): RateCouplingKernel | undefined {
    const module = kernelModule();
    if (module === null || wasmApi === undefined) return undefined;
    try {
      return new RateCouplingKernel(rowPtr, colIdx, nPre, module);
    } catch {
      return undefined;
    }
  }

  /**
   * out[j] += sum_i W[j, i] r[i] for every target row j. r and the port are copied in and the port back:
   * two block copies cost less than a JavaScript loop over the rows.
   */
  deliver(r: Float64Array, out: Float32Array): void {
    this.r.set(r);
    const port = this.port;
    port.set(out);
    const p = this.ptr;
    this.matvec(port.length, p.row, p.col, p.w, p.r, p.port);
    out.set(port);
  }
}
