/**
 * A WebAssembly kernel for the two-port step of `CubaLIF` (`stepTwoPortsArena` in cuba-lif.ts, the CUBA
 * benchmark's hot loop), with bit-identical results.
 *
 * Per neuron i, in this order (the arithmetic of `stepTwoPortsArena`, operation by operation: each float32 is
 * promoted to float64, computed on, and demoted when stored, which rounds like a Float32Array store;
 * WebAssembly never fuses a multiply and an add):
 *   I_k' = I_k d_k + a_k;  a_k = 0                   (k = 0, 1: the currents and their synapse ports)
 *   v'   = v_rest + (v - v_rest) D_m + g_0 I_0 + g_1 I_1      (the currents at the start of the step)
 *   with the membrane ports: v' = v' + (c i_nA + dv);  i_nA = dv = 0
 *   v' >= v_th and counter 0: spike (index list, flag), reset (v_reset, or v' - drop), and with R > 0 the
 *   counter R and an entry (i, v') in the refractory list, which the population restores after the step
 * The SIMD module takes two neurons at a time: it loads two float32 of each buffer into the low lanes, promotes
 * them to an f64x2 and computes both lanes with the scalar operations above; only a pair in which a lane
 * crossed threshold takes each lane through the scalar threshold code. A last odd neuron takes the scalar
 * path. The plain module is that scalar path alone, for engines without SIMD and for SPIKEFLOW_SIMD=0.
 *
 * Memory (one WebAssembly memory per population, never grown, so the typed-array views stay valid):
 *   constants f64[10] (as `stepTwoPortsArena`'s `c`)   counts i32[2] (spikes written; listed refractory
 *   neurons read and written)   arena f32 x 7 per neuron (ports exc, inh, i_nA, dv_mV; states v, I_exc,
 *   I_inh: PopulationBase's arena)   counters i32, list indices i32, held voltages f32 (a RefractoryList's
 *   buffers)   spikes i32 and spiked flags u8 (PopulationBase's buffers)
 * Limitation: where WebAssembly is missing or a memory cannot be created, `CubaKernel.create` returns
 * undefined and CubaLIF runs its TypeScript step (same results, slower). SPIKEFLOW_WASM=0 forces that.
 */
import {
  F64,
  I32,
  OP,
  SIMD_OP,
  V128,
  WASM_HEADER,
  compileWasm,
  section,
  simd,
  sleb,
  uleb,
  wasmApi,
  wasmName,
} from "../core/wasm.ts";
import type { PopulationBuffers } from "./base.ts";
import type { RefractoryStorage } from "./refractory.ts";

/** Float constants: gain 0, gain 1, decay 0, decay 1, membrane decay, current gain, v_rest, v_th, v_reset, drop. */
export const CUBA_KERNEL_CONSTANTS = 10;
/** Float32 slots of the arena: 4 ports and 3 states. */
const SLOTS = 7;

// parameter and local indices of the step function
const P = {
  n: 0,
  arena: 1,
  ref: 2,
  idx: 3,
  spiked: 4,
  held: 5,
  heldV: 6,
  c: 7,
  counts: 8,
  useMembrane: 9,
  subtract: 10,
  refSteps: 11,
  // locals: 11 i32 (slot pointers, pA0 being `arena`), 13 f64, then 11 v128 in the SIMD module
  i: 12,
  o4: 13,
  nSpikes: 14,
  nHeld: 15,
  pA1: 16,
  pCur: 17,
  pDv: 18,
  pV: 19,
  pI0: 20,
  pI1: 21,
  pairs: 22,
  g0: 23,
  g1: 24,
  d0: 25,
  d1: 26,
  decay: 27,
  cg: 28,
  vRest: 29,
  vTh: 30,
  vReset: 31,
  drop: 32,
  I0: 33,
  I1: 34,
  vi: 35,
  G0: 36,
  G1: 37,
  D0: 38,
  D1: 39,
  DECAY: 40,
  CG: 41,
  VREST: 42,
  VTH: 43,
  J0: 44,
  J1: 45,
  VI: 46,
} as const;
const PARAM_COUNT = 12;
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

const get = (k: number) => [OP.localGet, k];
const set = (k: number) => [OP.localSet, k];
const i32 = (v: number) => [OP.i32Const, ...sleb(v)];
/** base + o4 (a slot pointer plus the neuron's byte offset) on the stack. */
const at = (base: number) => [...get(base), ...get(P.o4), OP.i32Add];
/** Memory immediates: alignment exponent (4 bytes: every buffer is only float32-aligned), byte offset. */
const mem = (offset = 0) => [2, ...uleb(offset)];
/** Stores the f64 that `value` leaves on the stack as float32 at base + o4 (+ offset). */
const f32StoreF64 = (base: number, value: number[], offset = 0) => [
  ...at(base),
  ...value,
  OP.f32DemoteF64,
  OP.f32Store,
  ...mem(offset),
];
/** The address of entry `count` (a local) of the 4-byte list at `base`. */
const entry = (base: number, count: number) => [...get(base), ...get(count), ...i32(2), OP.i32Shl, OP.i32Add];
/** The index i + lane. */
const neuron = (lane: number) => [...get(P.i), ...i32(lane), OP.i32Add];
const increment = (k: number, by: number) => [...get(k), ...i32(by), OP.i32Add, ...set(k)];

/**
 * Threshold, reset, refractory list and the store of v for neuron i + lane, whose new voltage is in `vi`
 * (lane 0 or 1 of a SIMD pair; 0 for the scalar path).
 */
function thresholdAndStore(lane: number): number[] {
  return [
    ...get(P.vi),
    ...get(P.vTh),
    OP.f64Ge,
    OP.if,
    OP.void,
    ...at(P.ref),
    OP.i32Load,
    ...mem(4 * lane),
    OP.i32Eqz,
    OP.if,
    OP.void,
    // spikeIdx[nSpikes++] = i; spiked[i] = 1
    ...entry(P.idx, P.nSpikes),
    ...neuron(lane),
    OP.i32Store,
    ...mem(),
    ...get(P.spiked),
    ...get(P.i),
    OP.i32Add,
    ...i32(1),
    OP.i32Store8,
    0,
    ...uleb(lane),
    ...increment(P.nSpikes, 1),
    // vi = subtract ? vi - drop : v_reset
    ...get(P.vi),
    ...get(P.drop),
    OP.f64Sub,
    ...get(P.vReset),
    ...get(P.subtract),
    OP.select,
    ...set(P.vi),
    // R > 0: counter R, and (i, vi) appended to the refractory list
    ...get(P.refSteps),
    ...i32(0),
    OP.i32GtS,
    OP.if,
    OP.void,
    ...at(P.ref),
    ...get(P.refSteps),
    OP.i32Store,
    ...mem(4 * lane),
    ...entry(P.held, P.nHeld),
    ...neuron(lane),
    OP.i32Store,
    ...mem(),
    ...entry(P.heldV, P.nHeld),
    ...get(P.vi),
    OP.f32DemoteF64,
    OP.f32Store,
    ...mem(),
    ...increment(P.nHeld, 1),
    OP.end,
    OP.end,
    OP.end,
    ...f32StoreF64(P.pV, get(P.vi), 4 * lane),
  ];
}

/**
 * The operations of the update on one neuron (scalar f64) or two (f64x2 lanes): loads promote float32 to
 * float64, stores demote; the locals hold the constants and the currents and voltage being computed.
 */
interface Lanes {
  readonly load: (base: number) => number[];
  readonly store: (base: number, value: number[]) => number[];
  readonly zero: (base: number) => number[];
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
  load: (base) => [...at(base), OP.f32Load, ...mem(), OP.f64PromoteF32],
  store: (base, value) => f32StoreF64(base, value),
  zero: (base) => [...at(base), OP.f32Const, 0, 0, 0, 0, OP.f32Store, ...mem()],
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

const PAIR: Lanes = {
  // two float32 into the low lanes (v128.load64_zero), promoted to f64x2; stored back through the low 64 bits
  load: (base) => [
    ...at(base),
    ...simd(SIMD_OP.v128Load64Zero),
    ...mem(),
    ...simd(SIMD_OP.f64x2PromoteLowF32x4),
  ],
  store: (base, value) => [
    ...at(base),
    ...value,
    ...simd(SIMD_OP.f32x4DemoteF64x2Zero),
    ...simd(SIMD_OP.v128Store64Lane),
    ...mem(),
    0,
  ],
  zero: (base) => [...at(base), OP.i64Const, 0, OP.i64Store, ...mem()],
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
  I0: P.J0,
  I1: P.J1,
  vi: P.VI,
};

/** The update up to the threshold, for the neuron(s) at o4: the new voltage is left in the local `l.vi`. */
function update(l: Lanes): number[] {
  return [
    // the currents at the start of the step, then decay and arrivals; both synapse ports are consumed
    ...l.load(P.pI0),
    ...set(l.I0),
    ...l.load(P.pI1),
    ...set(l.I1),
    ...l.store(P.pI0, [...get(l.I0), ...get(l.d0), ...l.mul, ...l.load(P.arena), ...l.add]),
    ...l.store(P.pI1, [...get(l.I1), ...get(l.d1), ...l.mul, ...l.load(P.pA1), ...l.add]),
    ...l.zero(P.arena),
    ...l.zero(P.pA1),
    // vi = ((v_rest + (v - v_rest) D_m) + g0 I0) + g1 I1
    ...get(l.vRest),
    ...l.load(P.pV),
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
    ...l.load(P.pCur),
    ...l.mul,
    ...l.load(P.pDv),
    ...l.add,
    ...l.add,
    ...set(l.vi),
    ...l.zero(P.pCur),
    ...l.zero(P.pDv),
    OP.end,
  ];
}

/** Neurons i and i + 1 (byte offset o4) as the two lanes of f64x2 vectors. */
function simdPair(): number[] {
  return [
    ...update(PAIR),
    // a lane at or above threshold: both lanes through the scalar threshold code, in index order
    ...get(P.VI),
    ...get(P.VTH),
    ...simd(SIMD_OP.f64x2Ge),
    ...simd(SIMD_OP.v128AnyTrue),
    OP.if,
    OP.void,
    ...get(P.VI),
    ...simd(SIMD_OP.f64x2ExtractLane),
    0,
    ...set(P.vi),
    ...thresholdAndStore(0),
    ...get(P.VI),
    ...simd(SIMD_OP.f64x2ExtractLane),
    1,
    ...set(P.vi),
    ...thresholdAndStore(1),
    OP.else,
    ...PAIR.store(P.pV, get(P.VI)),
    OP.end,
  ];
}

/** `loop body; i < end` wrapped in a block that is skipped when i >= end already. */
function countedLoop(end: number, body: number[], stride: number): number[] {
  return [
    OP.block,
    OP.void,
    ...get(P.i),
    ...get(end),
    OP.i32LtS,
    OP.i32Eqz,
    OP.brIf,
    0,
    OP.loop,
    OP.void,
    ...body,
    ...increment(P.i, stride),
    ...increment(P.o4, 4 * stride),
    ...get(P.i),
    ...get(end),
    OP.i32LtS,
    OP.brIf,
    0,
    OP.end,
    OP.end,
  ];
}

function stepBody(withSimd: boolean): number[] {
  const setup = [
    // the constants, and the slot pointers (o4 holds 4 n meanwhile)
    ...SCALARS.flatMap((k, j) => [...get(P.c), OP.f64Load, 3, ...uleb(8 * j), ...set(k)]),
    ...get(P.n),
    ...i32(2),
    OP.i32Shl,
    ...set(P.o4),
    ...[P.arena, P.pA1, P.pCur, P.pDv, P.pV, P.pI0].flatMap((from, j, all) => [
      ...get(from),
      ...get(P.o4),
      OP.i32Add,
      ...set(j + 1 < all.length ? all[j + 1] : P.pI1),
    ]),
    ...i32(0),
    ...set(P.o4),
    ...get(P.counts),
    OP.i32Load,
    ...mem(4),
    ...set(P.nHeld),
  ];
  const pairs = withSimd
    ? [
        ...SPLATS.flatMap(([k, K]) => [...get(k), ...simd(SIMD_OP.f64x2Splat), ...set(K)]),
        ...get(P.n),
        ...i32(-2),
        OP.i32And,
        ...set(P.pairs),
        ...countedLoop(P.pairs, simdPair(), 2),
      ]
    : [];
  return [
    ...setup,
    ...pairs,
    ...countedLoop(P.n, [...update(SCALAR), ...thresholdAndStore(0)], 1),
    ...get(P.counts),
    ...get(P.nSpikes),
    OP.i32Store,
    ...mem(0),
    ...get(P.counts),
    ...get(P.nHeld),
    OP.i32Store,
    ...mem(4),
    OP.end,
  ];
}

/** The module: imports env.mem, exports `step` (12 i32 parameters, see CubaKernel.step). */
export function cubaKernelModuleBytes(withSimd: boolean): Uint8Array {
  const stepType = [0x60, PARAM_COUNT, ...Array<number>(PARAM_COUNT).fill(I32), 0];
  const groups = [[11, I32], [13, F64], ...(withSimd ? [[11, V128]] : [])];
  const body = [groups.length, ...groups.flatMap(([k, t]) => [...uleb(k), t]), ...stepBody(withSimd)];
  return new Uint8Array([
    ...WASM_HEADER,
    ...section(1, [1, ...stepType]),
    ...section(2, [1, ...wasmName("env"), ...wasmName("mem"), 0x02, 0x00, 1]), // memory, min 1 page
    ...section(3, [1, 0]),
    ...section(7, [1, ...wasmName("step"), 0x00, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

const compiled = new Map<boolean, object | null>();

/** The SIMD module unless SPIKEFLOW_SIMD=0 or the engine refuses it, then the scalar one; null when disabled. */
function kernelModule(): object | null {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (env?.SPIKEFLOW_WASM === "0") return null;
  for (const withSimd of env?.SPIKEFLOW_SIMD === "0" ? [false] : [true, false]) {
    if (!compiled.has(withSimd)) compiled.set(withSimd, compileWasm(cubaKernelModuleBytes(withSimd)));
    const module = compiled.get(withSimd);
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
  private readonly stepFn: (...args: number[]) => void;
  private readonly ptr: {
    c: number;
    counts: number;
    arena: number;
    ref: number;
    held: number;
    heldV: number;
    idx: number;
    spiked: number;
  };

  private constructor(n: number, module: object) {
    // byte layout: 16-aligned regions
    let used = 0;
    const take = (bytes: number) => {
      const p = used;
      used += (bytes + 15) & ~15;
      return p;
    };
    const ptr = {
      c: take(8 * CUBA_KERNEL_CONSTANTS),
      counts: take(8),
      arena: take(4 * SLOTS * n),
      ref: take(4 * n),
      held: take(4 * n),
      heldV: take(4 * n),
      idx: take(4 * n),
      spiked: take(n),
    };
    const pages = Math.max(1, Math.ceil(used / 65536));
    const memory = new wasmApi!.Memory({ initial: pages, maximum: pages });
    const buf = memory.buffer;
    this.constants = new Float64Array(buf, ptr.c, CUBA_KERNEL_CONSTANTS);
    this.counts = new Int32Array(buf, ptr.counts, 2);
    this.buffers = {
      arena: new Float32Array(buf, ptr.arena, SLOTS * n),
      spikeIdx: new Int32Array(buf, ptr.idx, n),
      spiked: new Uint8Array(buf, ptr.spiked, n),
    };
    this.refractory = {
      left: new Int32Array(buf, ptr.ref, n),
      idx: new Int32Array(buf, ptr.held, n),
      vHeld: new Float32Array(buf, ptr.heldV, n),
    };
    const instance = new wasmApi!.Instance(module, { env: { mem: memory } });
    this.stepFn = instance.exports.step as (...args: number[]) => void;
    this.ptr = ptr;
  }

  /**
   * A kernel for n neurons with two synapse ports, or undefined where WebAssembly is unavailable or disabled
   * (SPIKEFLOW_WASM=0).
   */
  static create(n: number): CubaKernel | undefined {
    const module = kernelModule();
    if (module === null || wasmApi === undefined) return undefined;
    try {
      return new CubaKernel(n, module);
    } catch {
      // Limitation: an engine that refuses another WebAssembly memory gets the TypeScript step.
      return undefined;
    }
  }

  /**
   * One step of n neurons, as `stepTwoPortsArena`: set `counts` ([0] = 0, [1] = listed refractory neurons)
   * first; `spiked` of the previous spikes must have been cleared. `useMembrane`: read and clear "i_nA" and
   * "dv_mV".
   */
  step(n: number, useMembrane: boolean, subtract: boolean, refSteps: number): void {
    const p = this.ptr;
    this.stepFn(
      n,
      p.arena,
      p.ref,
      p.idx,
      p.spiked,
      p.held,
      p.heldV,
      p.c,
      p.counts,
      useMembrane ? 1 : 0,
      subtract ? 1 : 0,
      refSteps,
    );
  }
}
