/**
 * A WebAssembly kernel for the two-port step of `CubaLIF` (`stepTwoPortsArena` in cuba-lif.ts, the CUBA
 * benchmark's hot loop) with bit-identical results: the refractory list's count-down, the update of every
 * neuron and the list's restore (RefractoryList's countDown and restore) in one call.
 *
 * Per neuron i, in this order (the arithmetic of `stepTwoPortsArena`, operation by operation: each float32 is
 * promoted to float64, computed on, and demoted when stored, which rounds like a Float32Array store;
 * WebAssembly never fuses a multiply and an add):
 *   J_k  = I_k + a_k;  I_k' = J_k d_k;  a_k = 0     (k = 0, 1: the currents and their synapse ports)
 *   v'   = ((v_rest + (v - v_rest) D_m) + g_0 J_0) + g_1 J_1     (the currents with this step's arrivals)
 *   with the membrane ports: v' = v' + (c i_nA + dv);  i_nA = dv = 0
 *   v' >= v_th and counter 0: spike (index list, flag), reset (v_reset, or v' - drop), and with R > 0 the
 *   counter R and an entry (i, v') in the refractory list
 * The SIMD module takes four neurons at a time as two f64x2 (two float32 of each buffer loaded into the low
 * lanes and promoted), each lane computed with the scalar operations above; only when a lane reaches threshold
 * do the four lanes go one by one through the scalar threshold code. The n mod 4 last neurons take the scalar
 * path. The plain module is that scalar path alone, for engines without SIMD and for SPIKEFLOW_SIMD=0.
 *
 * A module is assembled for each population size: the memory layout then is fixed, and every address is a
 * small index plus a constant offset (no base pointers in registers; about 15 % faster than one module with
 * pointer parameters). Memory (one WebAssembly memory per population, never grown, so the typed-array views
 * stay valid), in `layout` order:
 *   constants f64[10] (as `stepTwoPortsArena`'s `c`)   counts i32[2] (spikes written; listed refractory
 *   neurons read and written)   arena f32 x 7 per neuron (ports exc, inh, i_nA, dv_mV; states v, I_exc,
 *   I_inh: PopulationBase's arena)   counters i32, list indices i32, held voltages f32 (a RefractoryList's
 *   buffers)   spikes i32 and spiked flags u8 (PopulationBase's buffers)
 * Limitation: where WebAssembly is missing or a memory cannot be created, `CubaKernel.create` returns
 * undefined and CubaLIF runs its TypeScript step (same results, slower). SPIKEFLOW_WASM=0 forces that.
 */
import {
  compileWasm,
  F64,
  I32,
  i32Const as i32,
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
import type { PopulationBuffers } from "./base.ts";
import type { RefractoryStorage } from "./refractory.ts";

/** Float constants: gain 0, gain 1, decay 0, decay 1, membrane decay, current gain, v_rest, v_th, v_reset, drop. */
export const CUBA_KERNEL_CONSTANTS = 10;
/** Float32 slots of the arena, in PopulationBase's order: ports exc, inh, i_nA, dv_mV; states v, I_exc, I_inh. */
const SLOTS = 7;
const [EXC, INH, CUR, DV, V, I_EXC, I_INH] = [0, 1, 2, 3, 4, 5, 6];

/** Byte offsets of the regions in the memory of an n-neuron kernel (16-aligned), and its size. */
interface Layout {
  readonly n: number;
  readonly c: number;
  readonly counts: number;
  readonly arena: number;
  readonly ref: number;
  readonly held: number;
  readonly heldV: number;
  readonly idx: number;
  readonly spiked: number;
  readonly bytes: number;
}

function layout(n: number): Layout {
  let used = 0;
  const take = (bytes: number) => {
    const p = used;
    used += (bytes + 15) & ~15;
    return p;
  };
  return {
    n,
    c: take(8 * CUBA_KERNEL_CONSTANTS),
    counts: take(8),
    arena: take(4 * SLOTS * n),
    ref: take(4 * n),
    held: take(4 * n),
    heldV: take(4 * n),
    idx: take(4 * n),
    spiked: take(n),
    bytes: used,
  };
}

// parameter and local indices of the step function
const P = {
  useMembrane: 0,
  subtract: 1,
  refSteps: 2,
  // locals: 7 i32, 13 f64, then 14 v128 in the SIMD module
  o4: 3,
  nSpikes: 4,
  nHeld: 5,
  k: 6,
  w: 7,
  i4: 8,
  left: 9,
  g0: 10,
  g1: 11,
  d0: 12,
  d1: 13,
  decay: 14,
  cg: 15,
  vRest: 16,
  vTh: 17,
  vReset: 18,
  drop: 19,
  I0: 20,
  I1: 21,
  vi: 22,
  G0: 23,
  G1: 24,
  D0: 25,
  D1: 26,
  DECAY: 27,
  CG: 28,
  VREST: 29,
  VTH: 30,
  J0: 31,
  J1: 32,
  VI: 33,
  J0b: 34,
  J1b: 35,
  VIb: 36,
} as const;
const PARAM_COUNT = 3;
const LOCAL_GROUPS = [
  [7, I32],
  [13, F64],
  [14, V128],
] as const;
/** The f64 constants in the order of `c` and their f64x2 splats. */
const SCALARS = [P.g0, P.g1, P.d0, P.d1, P.decay, P.cg, P.vRest, P.vTh, P.vReset, P.drop];
const SPLATS: readonly (readonly [number, number])[] = [
  [P.g0, P.G0],
  [P.g1, P.G1],
  [P.d0, P.D0],
  [P.d1, P.D1],
  [P.decay, P.DECAY],
  [P.cg, P.CG],
  [P.vRest, P.VREST],
  [P.vTh, P.VTH],
];

/**
 * Memory immediates: alignment exponent (4 bytes: every buffer is only float32-aligned) and byte offset. Every
 * address is a small index (o4, the neuron's byte offset, or a list position) plus a region's offset that the
 * module has as a constant, because the layout of an n-neuron memory is fixed (one module per size).
 */
const mem = (offset: number) => [2, ...uleb(offset)];
/** `if (local > 0)`, as a block without result. */
const ifPositive = (k: number) => [...get(k), ...i32(0), OP.i32GtS, OP.if, OP.void];
/** 4 x local k (entry k's byte offset in a 4-byte list). */
const times4 = (k: number) => [...get(k), ...i32(2), OP.i32Shl];
/** The index i + lane of the neuron at o4. */
const neuron = (lane: number) => [...get(P.o4), ...i32(2), OP.i32ShrU, ...i32(lane), OP.i32Add];
/** Byte offset of an arena slot. */
const slot = (L: Layout, k: number) => L.arena + 4 * L.n * k;

/**
 * Threshold, reset, refractory list and the store of v for neuron i + lane at o4, whose new voltage is in `vi`
 * (lane 0-3 of a SIMD quad; 0 on the scalar path).
 */
function thresholdAndStore(L: Layout, lane: number): number[] {
  return [
    ...get(P.vi),
    ...get(P.vTh),
    OP.f64Ge,
    OP.if,
    OP.void,
    ...get(P.o4),
    OP.i32Load,
    ...mem(L.ref + 4 * lane),
    OP.i32Eqz,
    OP.if,
    OP.void,
    // spikeIdx[nSpikes++] = i; spiked[i] = 1
    ...times4(P.nSpikes),
    ...neuron(lane),
    OP.i32Store,
    ...mem(L.idx),
    ...neuron(0),
    ...i32(1),
    OP.i32Store8,
    0,
    ...uleb(L.spiked + lane),
    ...localAdd(P.nSpikes, 1),
    // vi = subtract ? vi - drop : v_reset
    ...get(P.vi),
    ...get(P.drop),
    OP.f64Sub,
    ...get(P.vReset),
    ...get(P.subtract),
    OP.select,
    ...set(P.vi),
    // R > 0: counter R, and (i, vi) appended to the refractory list
    ...ifPositive(P.refSteps),
    ...get(P.o4),
    ...get(P.refSteps),
    OP.i32Store,
    ...mem(L.ref + 4 * lane),
    ...times4(P.nHeld),
    ...neuron(lane),
    OP.i32Store,
    ...mem(L.held),
    ...times4(P.nHeld),
    ...get(P.vi),
    OP.f32DemoteF64,
    OP.f32Store,
    ...mem(L.heldV),
    ...localAdd(P.nHeld, 1),
    OP.end,
    OP.end,
    OP.end,
    ...get(P.o4),
    ...get(P.vi),
    OP.f32DemoteF64,
    OP.f32Store,
    ...mem(slot(L, V) + 4 * lane),
  ];
}

/**
 * The operations of the update on one neuron (scalar f64) or two (f64x2 lanes), at byte o4 + `at` of a region:
 * loads promote float32 to float64, stores demote; the locals hold the constants and the currents and voltage
 * being computed.
 */
interface Lanes {
  readonly load: (at: number) => number[];
  readonly store: (at: number, value: number[]) => number[];
  readonly zero: (at: number) => number[];
  readonly add: number[];
  readonly sub: number[];
  readonly mul: number[];
  readonly g0: number;
  readonly g1: number;
  readonly d0: number;
  readonly d1: number;
  readonly decay: number;
  readonly cg: number;
  readonly vRest: number;
  readonly I0: number;
  readonly I1: number;
  readonly vi: number;
}

const SCALAR: Lanes = {
  load: (at) => [...get(P.o4), OP.f32Load, ...mem(at), OP.f64PromoteF32],
  store: (at, value) => [...get(P.o4), ...value, OP.f32DemoteF64, OP.f32Store, ...mem(at)],
  zero: (at) => [...get(P.o4), OP.f32Const, 0, 0, 0, 0, OP.f32Store, ...mem(at)],
  add: [OP.f64Add],
  sub: [OP.f64Sub],
  mul: [OP.f64Mul],
  g0: P.g0,
  g1: P.g1,
  d0: P.d0,
  d1: P.d1,
  decay: P.decay,
  cg: P.cg,
  vRest: P.vRest,
  I0: P.I0,
  I1: P.I1,
  vi: P.vi,
};

/**
 * Two neurons, `offset` bytes after o4: two float32 loaded into the low lanes (v128.load64_zero) and promoted
 * to an f64x2; stored back through the low 64 bits.
 */
function pair(offset: number, I0: number, I1: number, vi: number): Lanes {
  return {
    load: (at) => [
      ...get(P.o4),
      ...simd(SIMD_OP.v128Load64Zero),
      ...mem(at + offset),
      ...simd(SIMD_OP.f64x2PromoteLowF32x4),
    ],
    store: (at, value) => [
      ...get(P.o4),
      ...value,
      ...simd(SIMD_OP.f32x4DemoteF64x2Zero),
      ...simd(SIMD_OP.v128Store64Lane),
      ...mem(at + offset),
      0,
    ],
    zero: (at) => [...get(P.o4), OP.i64Const, 0, OP.i64Store, ...mem(at + offset)],
    add: simd(SIMD_OP.f64x2Add),
    sub: simd(SIMD_OP.f64x2Sub),
    mul: simd(SIMD_OP.f64x2Mul),
    g0: P.G0,
    g1: P.G1,
    d0: P.D0,
    d1: P.D1,
    decay: P.DECAY,
    cg: P.CG,
    vRest: P.VREST,
    I0,
    I1,
    vi,
  };
}
const LOW_PAIR = pair(0, P.J0, P.J1, P.VI);
const HIGH_PAIR = pair(8, P.J0b, P.J1b, P.VIb);

/** The update up to the threshold, for the neuron(s) at o4: the new voltage is left in the local `l.vi`. */
function update(L: Layout, l: Lanes): number[] {
  const [exc, inh, cur, dv, v, iExc, iInh] = [EXC, INH, CUR, DV, V, I_EXC, I_INH].map((k) => slot(L, k));
  return [
    // the arrived weights join the currents, which drive v over the step and decay; both synapse ports
    // are consumed
    ...l.load(iExc),
    ...l.load(exc),
    ...l.add,
    ...set(l.I0),
    ...l.load(iInh),
    ...l.load(inh),
    ...l.add,
    ...set(l.I1),
    ...l.store(iExc, [...get(l.I0), ...get(l.d0), ...l.mul]),
    ...l.store(iInh, [...get(l.I1), ...get(l.d1), ...l.mul]),
    ...l.zero(exc),
    ...l.zero(inh),
    // vi = ((v_rest + (v - v_rest) D_m) + g0 I0) + g1 I1
    ...get(l.vRest),
    ...l.load(v),
    ...get(l.vRest),
    ...l.sub,
    ...get(l.decay),
    ...l.mul,
    ...l.add,
    ...get(l.g0),
    ...get(l.I0),
    ...l.mul,
    ...l.add,
    ...get(l.g1),
    ...get(l.I1),
    ...l.mul,
    ...l.add,
    ...set(l.vi),
    // membrane ports: vi = vi + (c i_nA + dv), both consumed
    ...get(P.useMembrane),
    OP.if,
    OP.void,
    ...get(l.vi),
    ...get(l.cg),
    ...l.load(cur),
    ...l.mul,
    ...l.load(dv),
    ...l.add,
    ...l.add,
    ...set(l.vi),
    ...l.zero(cur),
    ...l.zero(dv),
    OP.end,
  ];
}

/** Neurons i .. i + 3 (byte offset o4) as two pairs of f64x2 lanes. */
function simdQuad(L: Layout): number[] {
  const lane = (v: number, k: number) => [
    ...get(v),
    ...simd(SIMD_OP.f64x2ExtractLane),
    k & 1,
    ...set(P.vi),
    ...thresholdAndStore(L, k),
  ];
  return [
    ...update(L, LOW_PAIR),
    ...update(L, HIGH_PAIR),
    // a lane at or above threshold: all four through the scalar threshold code, in index order
    ...get(P.VI),
    ...get(P.VTH),
    ...simd(SIMD_OP.f64x2Ge),
    ...get(P.VIb),
    ...get(P.VTH),
    ...simd(SIMD_OP.f64x2Ge),
    ...simd(SIMD_OP.v128Or),
    ...simd(SIMD_OP.v128AnyTrue),
    OP.if,
    OP.void,
    ...lane(P.VI, 0),
    ...lane(P.VI, 1),
    ...lane(P.VIb, 2),
    ...lane(P.VIb, 3),
    OP.else,
    ...LOW_PAIR.store(slot(L, V), get(P.VI)),
    ...HIGH_PAIR.store(slot(L, V), get(P.VIb)),
    OP.end,
  ];
}

/** `body` for counter = its value, +stride, ... while below `end` (nothing when it starts there). */
function countedLoop(counter: number, end: number[], stride: number, body: number[]): number[] {
  const below = [...get(counter), ...end, OP.i32LtU];
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

/** 4 i for the neuron i of refractory list entry k (its byte offset in a per-neuron buffer). */
const listedNeuron4 = (L: Layout) => [...times4(P.k), OP.i32Load, ...mem(L.held), ...i32(2), OP.i32Shl];

/**
 * RefractoryList.countDown: every listed counter decremented, the neurons that reach zero dropped (the list
 * compacted in order). Entry k is read, entry w written.
 */
function countDown(L: Layout): number[] {
  const k4 = times4(P.k);
  const w4 = times4(P.w);
  return [
    ...countedLoop(P.k, get(P.nHeld), 1, [
      // i4 = 4 i; left = ref[i] - 1; ref[i] = left
      ...listedNeuron4(L),
      ...set(P.i4),
      ...get(P.i4),
      OP.i32Load,
      ...mem(L.ref),
      ...i32(1),
      OP.i32Sub,
      ...set(P.left),
      ...get(P.i4),
      ...get(P.left),
      OP.i32Store,
      ...mem(L.ref),
      // still above zero: entry w = (i, held voltage of entry k); w++
      ...ifPositive(P.left),
      ...w4,
      ...get(P.i4),
      ...i32(2),
      OP.i32ShrU,
      OP.i32Store,
      ...mem(L.held),
      ...w4,
      ...k4,
      OP.i32Load,
      ...mem(L.heldV),
      OP.i32Store,
      ...mem(L.heldV),
      ...localAdd(P.w, 1),
      OP.end,
    ]),
    ...get(P.w),
    ...set(P.nHeld),
  ];
}

/** RefractoryList.restore: every listed neuron gets its held voltage back (the float32 bits copied). */
function restore(L: Layout): number[] {
  return [
    ...i32(0),
    ...set(P.k),
    ...countedLoop(P.k, get(P.nHeld), 1, [
      ...listedNeuron4(L),
      ...times4(P.k),
      OP.i32Load,
      ...mem(L.heldV),
      OP.i32Store,
      ...mem(slot(L, V)),
    ]),
  ];
}

function stepBody(L: Layout, withSimd: boolean): number[] {
  const quads = withSimd
    ? [
        ...SPLATS.flatMap(([k, K]) => [...get(k), ...simd(SIMD_OP.f64x2Splat), ...set(K)]),
        ...countedLoop(P.o4, i32(16 * Math.floor(L.n / 4)), 16, simdQuad(L)),
      ]
    : [];
  return [
    // the constants, and the refractory list's length (address 0 + offset)
    ...SCALARS.flatMap((k, j) => [...i32(0), OP.f64Load, 3, ...uleb(L.c + 8 * j), ...set(k)]),
    ...i32(0),
    OP.i32Load,
    ...mem(L.counts + 4),
    ...set(P.nHeld),
    ...countDown(L),
    // o4 (like every local) starts at 0; the quads leave it at the first neuron of the scalar tail
    ...quads,
    ...countedLoop(P.o4, i32(4 * L.n), 4, [...update(L, SCALAR), ...thresholdAndStore(L, 0)]),
    ...restore(L),
    ...i32(0),
    ...get(P.nSpikes),
    OP.i32Store,
    ...mem(L.counts),
    ...i32(0),
    ...get(P.nHeld),
    OP.i32Store,
    ...mem(L.counts + 4),
    OP.end,
  ];
}

/**
 * The module for n neurons (its addresses are constants of the layout): imports env.mem, exports
 * `step(useMembrane, subtract, refSteps)`.
 */
export function cubaKernelModuleBytes(n: number, withSimd: boolean): Uint8Array {
  const stepType = [0x60, PARAM_COUNT, ...Array<number>(PARAM_COUNT).fill(I32), 0];
  const groups = withSimd ? LOCAL_GROUPS : LOCAL_GROUPS.slice(0, 2);
  const body = [
    groups.length,
    ...groups.flatMap(([k, t]) => [...uleb(k), t]),
    ...stepBody(layout(n), withSimd),
  ];
  return new Uint8Array([
    ...WASM_HEADER,
    ...section(1, [1, ...stepType]),
    ...section(2, [1, ...wasmName("env"), ...wasmName("mem"), 0x02, 0x00, 1]), // memory, min 1 page
    ...section(3, [1, 0]),
    ...section(7, [1, ...wasmName("step"), 0x00, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

/**
 * Compiled modules by size and kind ("simd n" or "scalar n"); null where the engine refused one. At most
 * MAX_COMPILED are kept (the oldest goes first): a page that builds populations of many sizes would otherwise
 * keep a module per size for good. A dropped module lives on in the kernels built from it.
 */
const compiled = new Map<string, object | null>();
const MAX_COMPILED = 32;

/** How many compiled modules the cache holds (for tests). */
export function compiledCubaKernels(): number {
  return compiled.size;
}

/**
 * The n-neuron SIMD module unless SPIKEFLOW_SIMD=0 or the engine refuses it, then the scalar one; null when
 * WebAssembly is unavailable or disabled.
 */
function kernelModule(n: number): object | null {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (env?.SPIKEFLOW_WASM === "0") return null;
  for (const withSimd of env?.SPIKEFLOW_SIMD === "0" ? [false] : [true, false]) {
    const key = `${withSimd ? "simd" : "scalar"} ${n}`;
    if (!compiled.has(key)) {
      if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
      compiled.set(key, compileWasm(cubaKernelModuleBytes(n, withSimd)));
    }
    const module = compiled.get(key);
    if (module) return module;
  }
  return null;
}

/** The buffers of a two-port CubaLIF population, in one WebAssembly memory, and the step over them. */
export class CubaKernel {
  /** The population's arena (ports exc, inh, i_nA, dv_mV; states v, I_exc, I_inh) and spike buffers. */
  readonly buffers: PopulationBuffers;
  /** The buffers of the population's RefractoryList. */
  readonly refractory: RefractoryStorage;
  /** The step's float constants (CUBA_KERNEL_CONSTANTS, in the order of stepTwoPortsArena's `c`). */
  readonly constants: Float64Array;
  /** [0] spikes of the step (written); [1] neurons in the refractory list (read and written). */
  readonly counts: Int32Array;
  private readonly stepFn: (useMembrane: number, subtract: number, refSteps: number) => void;

  private constructor(n: number, module: object) {
    const L = layout(n);
    const pages = Math.max(1, Math.ceil(L.bytes / 65536));
    const memory = newWasmMemory(pages, "a CubaLIF population");
    if (memory === undefined) throw new RangeError("no WebAssembly memory");
    const buf = memory.buffer;
    this.constants = new Float64Array(buf, L.c, CUBA_KERNEL_CONSTANTS);
    this.counts = new Int32Array(buf, L.counts, 2);
    this.buffers = {
      arena: new Float32Array(buf, L.arena, SLOTS * n),
      spikeIdx: new Int32Array(buf, L.idx, n),
      spiked: new Uint8Array(buf, L.spiked, n),
    };
    this.refractory = {
      left: new Int32Array(buf, L.ref, n),
      idx: new Int32Array(buf, L.held, n),
      vHeld: new Float32Array(buf, L.heldV, n),
    };
    const instance = new wasmApi!.Instance(module, { env: { mem: memory } });
    this.stepFn = instance.exports.step as (useMembrane: number, subtract: number, refSteps: number) => void;
  }

  /**
   * A kernel for n neurons with two synapse ports, or undefined where WebAssembly is unavailable or disabled
   * (SPIKEFLOW_WASM=0).
   */
  static create(n: number): CubaKernel | undefined {
    const module = kernelModule(n);
    if (module === null || wasmApi === undefined) return undefined;
    try {
      return new CubaKernel(n, module);
    } catch {
      // Limitation: an engine that refuses another WebAssembly memory gets the TypeScript step.
      return undefined;
    }
  }

  /**
   * One step of the n neurons: the refractory list counted down, `stepTwoPortsArena`, the list restored. Set
   * `counts` first ([0] = 0, [1] = neurons listed before the count-down); `spiked` of the previous spikes must
   * have been cleared. `useMembrane`: read and clear "i_nA" and "dv_mV".
   */
  step(useMembrane: boolean, subtract: boolean, refSteps: number): void {
    this.stepFn(useMembrane ? 1 : 0, subtract ? 1 : 0, refSteps);
  }
}
