/**
 * What the WebAssembly step kernels of the two-port models share (`CubaLIF`: cuba-kernel.ts, `CobaLIF`:
 * coba-kernel.ts): the memory layout of a population, the code for its refractory list (count-down, restore),
 * for the threshold, reset and store of one neuron and for the threshold test of a SIMD quad, the loads and
 * stores of one neuron (scalar f64) or two (f64x2 lanes), and the instantiation with its typed-array views.
 * Each kernel adds its own update between those pieces; docs/architecture.md describes the design.
 *
 * Memory (one WebAssembly memory per population, never grown, so the typed-array views stay valid), in `layout`
 * order, every region 16-aligned:
 *   constants f64[k] (the model's float constants; a kernel may keep outputs after its inputs)
 *   counts i32[4] (spikes written; listed refractory neurons read and written; two for a kernel's own use)
 *   arena f32 x 7 per neuron (ports exc, inh, i_nA, dv_mV; states v and the two synaptic states, in
 *   PopulationBase's order)   counters i32, list indices i32, held voltages f32 (a RefractoryList's buffers)
 *   spikes i32 and spiked flags u8 (PopulationBase's buffers)   a kernel's own region, if any
 * A module is assembled for each population size, so every address is a small index plus a region's offset,
 * a constant of the module (no base pointers in registers; about 15 % faster than pointer parameters).
 */
import {
  i32Const as i32,
  ifPositive,
  localAdd,
  localGet as get,
  localSet as set,
  memArg4 as mem,
  newWasmMemory,
  OP,
  simd,
  SIMD_OP,
  times4,
  countedLoop,
  uleb,
  wasmApi,
} from "../core/wasm.ts";
import type { SizedModules } from "../core/wasm.ts";
import type { PopulationBuffers } from "./base.ts";
import type { RefractoryStorage } from "./refractory.ts";

/** Float32 slots of the arena, in PopulationBase's order: ports exc, inh, i_nA, dv_mV; states v, s_exc, s_inh. */
export const SLOTS = 7;
export const [EXC, INH, CUR, DV, V, S_EXC, S_INH] = [0, 1, 2, 3, 4, 5, 6];

/** Byte offsets of the regions in the memory of an n-neuron kernel (16-aligned), and its size. */
export interface Layout {
  readonly n: number;
  readonly c: number;
  readonly counts: number;
  readonly arena: number;
  readonly ref: number;
  readonly held: number;
  readonly heldV: number;
  readonly idx: number;
  readonly spiked: number;
  readonly extra: number;
  readonly bytes: number;
}

/**
 * The layout for n neurons and `constants` float64 constants, with `extra` bytes at the end for a kernel's own
 * use (16-aligned; `Layout.extra`).
 */
export function layout(n: number, constants: number, extra = 0): Layout {
  let used = 0;
  const take = (bytes: number) => {
    const p = used;
    used += (bytes + 15) & ~15;
    return p;
  };
  return {
    n,
    c: take(8 * constants),
    counts: take(16),
    arena: take(4 * SLOTS * n),
    ref: take(4 * n),
    held: take(4 * n),
    heldV: take(4 * n),
    idx: take(4 * n),
    spiked: take(n),
    extra: take(extra),
    bytes: used,
  };
}

/** Byte offset of an arena slot. */
export const slot = (L: Layout, k: number): number => L.arena + 4 * L.n * k;

/** The locals (and parameters) of a step function that the shared code uses; each kernel numbers its own. */
export interface ListLocals {
  /** Parameters: reset by subtraction (1) or to v_reset (0); refractory steps R. */
  readonly subtract: number;
  readonly refSteps: number;
  /** i32: byte offset 4 i of the neuron (or quad) at hand; spikes and list entries so far; list loop locals. */
  readonly o4: number;
  readonly nSpikes: number;
  readonly nHeld: number;
  readonly k: number;
  readonly w: number;
  readonly i4: number;
  readonly left: number;
  /** f64: the new voltage of the neuron at hand; threshold, reset value and reset drop. */
  readonly vi: number;
  readonly vTh: number;
  readonly vReset: number;
  readonly drop: number;
  /** v128 (SIMD module only): the new voltages of a quad's low and high pair, and the threshold splat. */
  readonly VI: number;
  readonly VIb: number;
  readonly VTH: number;
}

/** The index i + lane of the neuron at o4. */
const neuron = (P: ListLocals, lane: number) => [
  ...get(P.o4),
  ...i32(2),
  OP.i32ShrU,
  ...i32(lane),
  OP.i32Add,
];

/**
 * Threshold, reset, refractory list and the store of v for neuron i + lane at o4, whose new voltage is in `vi`
 * (lane 0-3 of a SIMD quad; 0 on the scalar path): the threshold code of the TypeScript two-port steps.
 */
export function thresholdAndStore(L: Layout, P: ListLocals, lane: number): number[] {
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
    ...neuron(P, lane),
    OP.i32Store,
    ...mem(L.idx),
    ...neuron(P, 0),
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
    ...neuron(P, lane),
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
 * The loads, stores and arithmetic of an update on one neuron (scalar f64) or two (f64x2 lanes), at byte
 * o4 + `at` of a region: loads promote float32 to float64, stores demote (rounding as a Float32Array store).
 */
export interface Lanes {
  readonly load: (at: number) => number[];
  readonly store: (at: number, value: number[]) => number[];
  readonly zero: (at: number) => number[];
  readonly add: number[];
  readonly sub: number[];
  readonly mul: number[];
  readonly neg: number[];
}

/** One neuron, at byte o4 (local `o4`). */
export function scalarLanes(o4: number): Lanes {
  return {
    load: (at) => [...get(o4), OP.f32Load, ...mem(at), OP.f64PromoteF32],
    store: (at, value) => [...get(o4), ...value, OP.f32DemoteF64, OP.f32Store, ...mem(at)],
    zero: (at) => [...get(o4), OP.f32Const, 0, 0, 0, 0, OP.f32Store, ...mem(at)],
    add: [OP.f64Add],
    sub: [OP.f64Sub],
    mul: [OP.f64Mul],
    neg: [OP.f64Neg],
  };
}

/**
 * Two neurons, `offset` bytes after o4: two float32 loaded into the low lanes (v128.load64_zero) and promoted
 * to an f64x2; stored back through the low 64 bits.
 */
export function pairLanes(o4: number, offset: number): Lanes {
  return {
    load: (at) => [
      ...get(o4),
      ...simd(SIMD_OP.v128Load64Zero),
      ...mem(at + offset),
      ...simd(SIMD_OP.f64x2PromoteLowF32x4),
    ],
    store: (at, value) => [
      ...get(o4),
      ...value,
      ...simd(SIMD_OP.f32x4DemoteF64x2Zero),
      ...simd(SIMD_OP.v128Store64Lane),
      ...mem(at + offset),
      0,
    ],
    zero: (at) => [...get(o4), OP.i64Const, 0, OP.i64Store, ...mem(at + offset)],
    add: simd(SIMD_OP.f64x2Add),
    sub: simd(SIMD_OP.f64x2Sub),
    mul: simd(SIMD_OP.f64x2Mul),
    neg: simd(SIMD_OP.f64x2Neg),
  };
}

/**
 * The end of a SIMD quad (neurons i .. i + 3 at o4) whose new voltages are in the pairs VI (lanes 0, 1) and
 * VIb (lanes 2, 3): when a lane is at or above threshold, all four go through the scalar threshold code in
 * index order; else the four voltages are stored.
 */
export function quadThreshold(L: Layout, P: ListLocals): number[] {
  const lane = (v: number, k: number) => [
    ...get(v),
    ...simd(SIMD_OP.f64x2ExtractLane),
    k & 1,
    ...set(P.vi),
    ...thresholdAndStore(L, P, k),
  ];
  return [
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
    ...pairLanes(P.o4, 0).store(slot(L, V), get(P.VI)),
    ...pairLanes(P.o4, 8).store(slot(L, V), get(P.VIb)),
    OP.end,
  ];
}

/** 4 i for the neuron i of refractory list entry k (its byte offset in a per-neuron buffer). */
const listedNeuron4 = (L: Layout, P: ListLocals) => [
  ...times4(P.k),
  OP.i32Load,
  ...mem(L.held),
  ...i32(2),
  OP.i32Shl,
];

/**
 * The list's length read from counts[1], then RefractoryList.countDown: every listed counter decremented, the
 * neurons that reach zero dropped (the list compacted in order). Entry k is read, entry w written.
 */
export function countDown(L: Layout, P: ListLocals): number[] {
  const k4 = times4(P.k);
  const w4 = times4(P.w);
  return [
    ...i32(0),
    OP.i32Load,
    ...mem(L.counts + 4),
    ...set(P.nHeld),
    ...countedLoop(P.k, get(P.nHeld), 1, [
      // i4 = 4 i; left = ref[i] - 1; ref[i] = left
      ...listedNeuron4(L, P),
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

/**
 * RefractoryList.restore (every listed neuron gets its held voltage back, the float32 bits copied), then the
 * spike count and the list's length stored into counts.
 */
export function restoreAndCount(L: Layout, P: ListLocals): number[] {
  return [
    ...i32(0),
    ...set(P.k),
    ...countedLoop(P.k, get(P.nHeld), 1, [
      ...listedNeuron4(L, P),
      ...times4(P.k),
      OP.i32Load,
      ...mem(L.heldV),
      OP.i32Store,
      ...mem(slot(L, V)),
    ]),
    ...i32(0),
    ...get(P.nSpikes),
    OP.i32Store,
    ...mem(L.counts),
    ...i32(0),
    ...get(P.nHeld),
    OP.i32Store,
    ...mem(L.counts + 4),
  ];
}

/** A kernel's memory as typed arrays, and the exports of its instance. */
export interface TwoPortInstance {
  /** The float64 constants region (`constants` values). */
  readonly constants: Float64Array;
  /** [0] spikes of the step (written); [1] neurons in the refractory list (read and written). */
  readonly counts: Int32Array;
  /** The population's arena (ports exc, inh, i_nA, dv_mV; states v, s_exc, s_inh) and spike buffers. */
  readonly buffers: PopulationBuffers;
  /** The buffers of the population's RefractoryList. */
  readonly refractory: RefractoryStorage;
  readonly exports: Record<string, unknown>;
  /** The memory's buffer, for views of a kernel's own region. */
  readonly buffer: ArrayBuffer;
}

/**
 * An instance of the n-neuron module of `modules` (importing env.mem) over a new memory of layout `L`, whose
 * first `constants` float64 are the `constants` view; undefined where WebAssembly is unavailable or disabled
 * (SPIKEFLOW_WASM=0), or the engine refuses the memory or the instance. `what` names the population in a warning
 * about a refused memory.
 */
export function instantiateTwoPort(
  n: number,
  modules: SizedModules,
  L: Layout,
  constants: number,
  what: string,
): TwoPortInstance | undefined {
  const module = modules.get(n);
  if (module === null || wasmApi === undefined) return undefined;
  // Limitation: an engine that refuses another WebAssembly memory gets the TypeScript step.
  const memory = newWasmMemory(Math.max(1, Math.ceil(L.bytes / 65536)), what);
  if (memory === undefined) return undefined;
  let exports: Record<string, unknown>;
  try {
    exports = new wasmApi.Instance(module, { env: { mem: memory } }).exports;
  } catch {
    return undefined;
  }
  const buf = memory.buffer;
  return {
    constants: new Float64Array(buf, L.c, constants),
    counts: new Int32Array(buf, L.counts, 2),
    buffers: {
      arena: new Float32Array(buf, L.arena, SLOTS * n),
      spikeIdx: new Int32Array(buf, L.idx, n),
      spiked: new Uint8Array(buf, L.spiked, n),
    },
    refractory: {
      left: new Int32Array(buf, L.ref, n),
      idx: new Int32Array(buf, L.held, n),
      vHeld: new Float32Array(buf, L.heldV, n),
    },
    exports,
    buffer: buf,
  };
}
