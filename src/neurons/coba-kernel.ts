/**
 * A WebAssembly kernel for the two-port step of `CobaLIF` (`stepTwoPorts` in coba-lif.ts, the COBA benchmark's
 * hot loop) with bit-identical results: the refractory list's count-down, the update of every neuron and the
 * list's restore (RefractoryList's countDown and restore).
 *
 * Per neuron i, in this order (the arithmetic of `stepTwoPorts`, operation by operation: each float32 is
 * promoted to float64, computed on, and demoted when stored, which rounds like a Float32Array store;
 * WebAssembly never fuses a multiply and an add):
 *   g_e = g_exc + a_exc;  g_i = g_inh + a_inh;  g_exc' = g_e D_0;  g_inh' = g_i D_1   (a: the synapse ports)
 *   G   = g_L + (a_0 g_e + a_1 g_i)       the step's total conductance; !(G >= 0): stop (below)
 *   u   = g_L E_L + (a_0 E_0 g_e + a_1 E_1 g_i)      (the "drive" G v_oo)
 *   with "i_nA": u = u + 1000 i_nA;  i_nA = 0
 *   x   = (dt / C) G;  phi = relaxFactor(x)
 *   v'  = v + ((dt / C) phi) (u - G v)
 *   with "dv_mV": v' = v' + dv;  dv = 0
 *   v' >= v_th and counter 0: spike (index list, flag), reset (v_reset, or v' - drop), and with R > 0 the
 *   counter R and an entry (i, v') in the refractory list
 * and after the loop both synapse ports are cleared (as `stepTwoPorts` does with fill).
 *
 * relaxFactor. For x < 0.25 it is a degree-7 polynomial, which the kernel evaluates with the same operations
 * in the same order (see `polynomial`). For x >= 0.25 it is -Math.expm1(-x) / x, and WebAssembly has no
 * expm1: an own one would differ from the engine's Math.expm1 in some last bit, so those neurons are
 * deferred. The loop computes everything of such a neuron up to phi (its conductances stored, "i_nA" read
 * into u), leaves v and "dv_mV" as they are, and lists (i, x, G, u). In the COBA benchmark about 4 % of the
 * updates have x >= 0.25 (G above 500 nS at dt 0.1 ms and C = 200 pF). `CobaKernel.step` then replaces each
 * listed x by relaxFactor(x) in JavaScript, and `finish` completes the listed neurons in index order (the
 * update of v from the stored u and G, "dv_mV", threshold) and restores the refractory list. Their spikes are
 * appended after the loop's; `CobaKernel.step` merges the two ascending runs, so that the spike list is in
 * ascending order as on the TypeScript path. Only the order of the refractory list's entries differs from
 * `stepTwoPorts` (the list is unordered: nothing reads its order). A call per deferred neuron instead (an
 * imported relaxFactor) made the COBA benchmark twice as slow.
 *
 * The SIMD module takes four neurons at a time as two f64x2 (two float32 of each buffer loaded into the low
 * lanes and promoted), each lane computed with the scalar operations above. When every lane has G >= 0 and
 * x < 0.25, the four are finished as two pairs, and only when a lane reaches threshold do the lanes go one by
 * one through the scalar threshold code. When a lane has x >= 0.25, the lanes go one by one through "dv_mV"
 * and the threshold, or into the deferred list. When a lane has G < 0 or NaN, the four neurons go one by one
 * through the scalar code before anything of theirs is stored. The n mod 4 last neurons take the scalar path.
 * The plain module is that scalar path alone, for engines without SIMD and for SPIKEFLOW_SIMD=0.
 *
 * A total conductance G < 0 or NaN (negative weights, or a current sent into a conductance port): the loop
 * stores G after the constants and returns the neuron's index i (else -1); `CobaKernel.step` finishes the
 * neurons deferred so far (without the restore) and returns i, and CobaLIF throws the StateError of
 * `stepTwoPorts`. The state is then the one `stepTwoPorts` leaves when it throws: the list counted down
 * (counts[1], stored before the loop), neurons before i updated (v, conductances, cleared membrane ports, spike
 * flags and indices, counters and list entries past counts[1], no restore), neuron i's conductances decayed and
 * nothing else of it changed, the synapse ports of every neuron not yet cleared (tested).
 *
 * The memory (one per population) and the code for the refractory list and the threshold are those of
 * two-port-kernel.ts: constants f64[24] (`CobaLIF`'s 12 constants, the G of a stop, NUMBERS), counts (spikes,
 * list length; deferred neurons, list length during the step), the arena with the states v, g_exc, g_inh, the
 * refractory list, the spike buffers, then the deferred list: x (replaced by phi), G and u as f64[n] each,
 * indices i32[n]. A module is assembled per size, with a step function for each combination of the membrane
 * ports it reads (STEP_EXPORTS; a test of a parameter in the loop cost 8 % of the benchmark's run time) and
 * `finish`.
 * Limitation: where WebAssembly is missing or a memory cannot be created, `CobaKernel.create` returns
 * undefined and CobaLIF runs its TypeScript step (same results, slower). SPIKEFLOW_WASM=0 forces that.
 */
import {
  countedLoop,
  F64,
  f64Bytes,
  I32,
  i32Const as i32,
  localAdd,
  localGet as get,
  localSet as set,
  memArg4 as mem,
  OP,
  simd,
  SIMD_OP,
  SizedModules,
  times4,
  uleb,
  V128,
  memoryModuleBytes,
} from "../core/wasm.ts";
import {
  CUR,
  DV,
  EXC,
  INH,
  S_EXC as G_EXC,
  S_INH as G_INH,
  V,
  countDown,
  instantiateTwoPort,
  layout,
  pairLanes,
  quadThreshold,
  restoreAndCount,
  scalarLanes,
  slot,
  thresholdAndStore,
} from "./two-port-kernel.ts";
import type { Lanes as LaneOps, Layout, TwoPortInstance } from "./two-port-kernel.ts";
import type { PopulationBuffers } from "./base.ts";
import type { RefractoryStorage } from "./refractory.ts";

/** Float constants: dt/C, g_L, g_L E_L, v_th, v_reset, drop, then D_k, a_k, E_k for both ports (CobaLIF's). */
export const COBA_KERNEL_CONSTANTS = 12;
/** The float64 after the constants: the total conductance of the neuron at which the loop stopped. */
const FAILED_G = COBA_KERNEL_CONSTANTS;

/** The step function's parameters (i32), then its locals by type; a name's index is its position here. */
const PARAMS = ["useCurrent", "useJump", "subtract", "refSteps"] as const;
const I32_LOCALS = ["o4", "nSpikes", "nHeld", "k", "w", "i4", "left", "q", "nDef"] as const;
/** f64: the constants as loaded (aE_k = a_k E_k computed), then the neuron at hand. */
const F64_LOCALS = [
  ...["dtc", "gL", "gLEL", "vTh", "vReset", "drop", "d0", "a0", "aE0", "d1", "a1", "aE1"],
  ...["ge", "gi", "G", "drive", "x", "y2", "y4", "v0", "vi"],
] as const;
/**
 * v128 (SIMD module only): splats of the constants and of NUMBERS; pair A (lanes 0, 1) and pair B (lanes 2, 3)
 * up to the checks, then the locals of one pair at a time, and the drives and new voltages of both.
 */
const V128_LOCALS = [
  ...["DTC", "GL", "GLEL", "VTH", "D0", "A0", "AE0", "D1", "A1", "AE1"],
  ...["ZERO", "QUARTER", "ONE", "HALF", "P2", "P3", "P4", "P5", "P6", "P7", "K1000"],
  ...["GE", "GI", "GT", "X", "GEb", "GIb", "GTb", "Xb"],
  ...["Y2", "Y4", "V0", "DRV", "DRVb", "VI", "VIb"],
] as const;
type Local = (typeof PARAMS)[number] | (typeof I32_LOCALS)[number] | (typeof F64_LOCALS)[number];
const P = Object.fromEntries(
  [...PARAMS, ...I32_LOCALS, ...F64_LOCALS, ...V128_LOCALS].map((name, k) => [name, k]),
) as Readonly<Record<Local | (typeof V128_LOCALS)[number], number>>;
const LOCAL_GROUPS = [
  [I32_LOCALS.length, I32],
  [F64_LOCALS.length, F64],
  [V128_LOCALS.length, V128],
] as const;
/** `finish` has the step's type and locals; its first parameter says whether to restore the list at the end. */
const COMPLETE = P.useCurrent;

/**
 * The numbers the update uses besides the loaded constants: relaxFactor's coefficients (coba-lif.ts), the odd
 * ones negated (the polynomial is evaluated at x instead of y = -x: (-x) c and x (-c) are the same double, as
 * negation is exact and rounding symmetric; y^2 = x^2), its range's limits and the nA -> mV factor.
 */
const NUMBERS = {
  zero: 0,
  quarter: 0.25,
  one: 1,
  mHalf: -0.5,
  p2: 1 / 6,
  mP3: -(1 / 24),
  p4: 1 / 120,
  mP5: -(1 / 720),
  p6: 1 / 5040,
  mP7: -(1 / 40320),
  k1000: 1000,
} as const;
type Number_ = keyof typeof NUMBERS;
const NUMBER_SPLATS: Readonly<Record<Number_, number>> = {
  zero: P.ZERO,
  quarter: P.QUARTER,
  one: P.ONE,
  mHalf: P.HALF,
  p2: P.P2,
  mP3: P.P3,
  p4: P.P4,
  mP5: P.P5,
  p6: P.P6,
  mP7: P.P7,
  k1000: P.K1000,
};
/**
 * Where the SIMD module keeps NUMBERS (float64 slots after the constants and the G of a stop): it stores them
 * there at the start of every step and loads them into its splats, so that the compiler (V8) does not know them
 * as constants; it would then rebuild each from immediates at every use in the loop (12 % slower).
 */
const NUMBERS_AT = FAILED_G + 1;
const MEMORY_F64 = NUMBERS_AT + Object.keys(NUMBERS).length;
const f64Const = (x: number) => [OP.f64Const, ...f64Bytes(x)];

/** The loaded constants that the update reads, and their splats. */
type Constant = "dtc" | "gL" | "gLEL" | "d0" | "a0" | "aE0" | "d1" | "a1" | "aE1";
const CONSTANT_SPLATS: Readonly<Record<Constant, number>> = {
  dtc: P.DTC,
  gL: P.GL,
  gLEL: P.GLEL,
  d0: P.D0,
  a0: P.A0,
  aE0: P.AE0,
  d1: P.D1,
  a1: P.A1,
  aE1: P.AE1,
};

/** The deferred list's regions in the kernel's own part of the memory (Layout.extra). */
interface Deferred {
  readonly x: number;
  readonly G: number;
  readonly drive: number;
  readonly idx: number;
}
const DEFERRED_BYTES_PER_NEURON = 3 * 8 + 4;
function deferredAt(L: Layout): Deferred {
  return { x: L.extra, G: L.extra + 8 * L.n, drive: L.extra + 16 * L.n, idx: L.extra + 24 * L.n };
}
function cobaLayout(n: number): Layout {
  return layout(n, MEMORY_F64, DEFERRED_BYTES_PER_NEURON * n);
}

/**
 * The layout, and whether the code reads the membrane ports: each step function is assembled for one
 * combination (a test of a parameter in the loop cost 8 % of the COBA benchmark's run time), `finish` tests its
 * parameter useJump.
 */
type Flag = boolean | "param";
interface Build extends Layout {
  readonly current: Flag;
  readonly jump: Flag;
}
/** `body` if `flag`, or if the parameter `param` is not 0 when `flag` is "param". */
const when = (flag: Flag, param: number, body: number[]) =>
  flag === "param" ? [...get(param), OP.if, OP.void, ...body, OP.end] : flag ? body : [];

/** The lanes of an update (scalar or f64x2): how to push a constant, and the locals it computes in. */
interface Lanes extends LaneOps {
  readonly k: (name: Constant | Number_) => number[];
  readonly ge: number;
  readonly gi: number;
  readonly G: number;
  readonly x: number;
  readonly drive: number;
  readonly y2: number;
  readonly y4: number;
  readonly v0: number;
  readonly vi: number;
}

const SCALAR: Lanes = {
  ...scalarLanes(P.o4),
  // the loaded constants from their locals, the numbers as immediates
  k: (name) => (name in NUMBERS ? f64Const(NUMBERS[name as Number_]) : get(P[name as Constant])),
  ge: P.ge,
  gi: P.gi,
  G: P.G,
  x: P.x,
  drive: P.drive,
  y2: P.y2,
  y4: P.y4,
  v0: P.v0,
  vi: P.vi,
};

/** Two neurons, `offset` bytes after o4 (pair A: 0, pair B: 8), in f64x2 locals. */
function pair(offset: number, own: Pick<Lanes, "ge" | "gi" | "G" | "x" | "drive" | "vi">): Lanes {
  return {
    ...pairLanes(P.o4, offset),
    k: (name) => get(name in NUMBERS ? NUMBER_SPLATS[name as Number_] : CONSTANT_SPLATS[name as Constant]),
    ...own,
    y2: P.Y2,
    y4: P.Y4,
    v0: P.V0,
  };
}
const PAIR_A = pair(0, { ge: P.GE, gi: P.GI, G: P.GT, x: P.X, drive: P.DRV, vi: P.VI });
const PAIR_B = pair(8, { ge: P.GEb, gi: P.GIb, G: P.GTb, x: P.Xb, drive: P.DRVb, vi: P.VIb });

/** g_e and g_i with this step's arrivals, the total conductance G and x = (dt / C) G. */
function conductances(L: Layout, l: Lanes): number[] {
  const { add, mul } = l;
  return [
    ...l.load(slot(L, G_EXC)),
    ...l.load(slot(L, EXC)),
    ...add,
    ...set(l.ge),
    ...l.load(slot(L, G_INH)),
    ...l.load(slot(L, INH)),
    ...add,
    ...set(l.gi),
    // G = g_L + (a_0 g_e + a_1 g_i)
    ...l.k("gL"),
    ...l.k("a0"),
    ...get(l.ge),
    ...mul,
    ...l.k("a1"),
    ...get(l.gi),
    ...mul,
    ...add,
    ...add,
    ...set(l.G),
    ...l.k("dtc"),
    ...get(l.G),
    ...mul,
    ...set(l.x),
  ];
}

/** The conductances decayed over the step, stored. */
function decay(L: Layout, l: Lanes): number[] {
  return [
    ...l.store(slot(L, G_EXC), [...get(l.ge), ...l.k("d0"), ...l.mul]),
    ...l.store(slot(L, G_INH), [...get(l.gi), ...l.k("d1"), ...l.mul]),
  ];
}

/**
 * u = g_L E_L + (a_0 E_0 g_e + a_1 E_1 g_i), plus 1000 i_nA (read and cleared) when the population uses
 * "i_nA", in the local `l.drive`.
 */
function drive(B: Build, l: Lanes): number[] {
  const { add, mul } = l;
  return [
    ...l.k("gLEL"),
    ...l.k("aE0"),
    ...get(l.ge),
    ...mul,
    ...l.k("aE1"),
    ...get(l.gi),
    ...mul,
    ...add,
    ...add,
    ...set(l.drive),
    ...when(B.current, P.useCurrent, [
      ...get(l.drive),
      ...l.k("k1000"),
      ...l.load(slot(B, CUR)),
      ...mul,
      ...add,
      ...set(l.drive),
      ...l.zero(slot(B, CUR)),
    ]),
  ];
}

/**
 * relaxFactor's polynomial, 1 + y/2 + y^2 (P2 + y P3) + y^4 (P4 + y P5 + y^2 (P6 + y P7)) at y = -x with the
 * same operations in the same order, written with x and the odd coefficients negated (NUMBERS); pushed, with
 * the locals y2 = x^2 and y4 = x^4 set.
 */
function polynomial(l: Lanes): number[] {
  const { add, mul } = l;
  const timesX = (c: Number_) => [...get(l.x), ...l.k(c), ...mul];
  return [
    ...get(l.x),
    ...get(l.x),
    ...mul,
    ...set(l.y2),
    ...get(l.y2),
    ...get(l.y2),
    ...mul,
    ...set(l.y4),
    // (1 + y 0.5) + y2 (P2 + y P3)
    ...l.k("one"),
    ...timesX("mHalf"),
    ...add,
    ...get(l.y2),
    ...l.k("p2"),
    ...timesX("mP3"),
    ...add,
    ...mul,
    ...add,
    // + y4 ((P4 + y P5) + y2 (P6 + y P7))
    ...get(l.y4),
    ...l.k("p4"),
    ...timesX("mP5"),
    ...add,
    ...get(l.y2),
    ...l.k("p6"),
    ...timesX("mP7"),
    ...add,
    ...mul,
    ...add,
    ...mul,
    ...add,
  ];
}

/** v' = v + ((dt / C) phi) (u - G v) into `l.vi`, with the local `l.drive` as u; `phi` pushes relaxFactor(x). */
function relax(L: Layout, l: Lanes, phi: number[]): number[] {
  const { add, mul, sub } = l;
  return [
    ...l.load(slot(L, V)),
    ...set(l.v0),
    ...get(l.v0),
    ...l.k("dtc"),
    ...phi,
    ...mul,
    ...get(l.drive),
    ...get(l.G),
    ...get(l.v0),
    ...mul,
    ...sub,
    ...mul,
    ...add,
    ...set(l.vi),
  ];
}

/** With "dv_mV": v' = v' + dv (`l.vi`, at byte `at` after o4's slot), dv = 0. */
function jump(B: Build, l: Lanes, at = 0): number[] {
  return when(B.jump, P.useJump, [
    ...get(l.vi),
    ...l.load(slot(B, DV) + at),
    ...l.add,
    ...set(l.vi),
    ...l.zero(slot(B, DV) + at),
  ]);
}

/** Appends neuron (o4 >> 2) + lane to the deferred list with the f64 values that `x`, `G`, `drive` push. */
function defer(L: Layout, lane: number, x: number[], G: number[], drive: number[]): number[] {
  const D = deferredAt(L);
  const times8 = [...get(P.nDef), ...i32(3), OP.i32Shl];
  return [
    ...times4(P.nDef),
    ...get(P.o4),
    ...i32(2),
    OP.i32ShrU,
    ...i32(lane),
    OP.i32Add,
    OP.i32Store,
    ...mem(D.idx),
    ...[D.x, D.G, D.drive].flatMap((at, j) => [...times8, ...[x, G, drive][j], OP.f64Store, 3, ...uleb(at)]),
    ...localAdd(P.nDef, 1),
  ];
}

/**
 * Stores a G that is not >= 0 and the loop's counts (spikes, list length, deferred neurons), and returns the
 * neuron's index.
 */
function stopAt(L: Layout): number[] {
  return [
    ...get(P.G),
    ...f64Const(0),
    OP.f64Ge,
    OP.i32Eqz,
    OP.if,
    OP.void,
    ...i32(0),
    ...get(P.G),
    OP.f64Store,
    3,
    ...uleb(L.c + 8 * FAILED_G),
    ...storeLoopCounts(L),
    ...get(P.o4),
    ...i32(2),
    OP.i32ShrU,
    OP.return,
    OP.end,
  ];
}

/** counts[0] = spikes, counts[2] = deferred neurons, counts[3] = list length with this step's entries. */
function storeLoopCounts(L: Layout): number[] {
  return [P.nSpikes, -1, P.nDef, P.nHeld].flatMap((k, j) =>
    k < 0 ? [] : [...i32(0), ...get(k), OP.i32Store, ...mem(L.counts + 4 * j)],
  );
}

/**
 * One neuron at o4, all of `stepTwoPorts`'s loop body (the stop test after the conductances' store, as there),
 * or its deferral (x >= 0.25), or a stop (G not >= 0).
 */
function scalarNeuron(L: Build): number[] {
  const l = SCALAR;
  return [
    ...conductances(L, l),
    ...decay(L, l),
    ...stopAt(L),
    ...drive(L, l),
    ...get(P.x),
    ...l.k("quarter"),
    OP.f64Lt,
    OP.if,
    OP.void,
    ...relax(L, l, polynomial(l)),
    ...jump(L, l),
    ...thresholdAndStore(L, P, 0),
    OP.else,
    ...defer(L, 0, get(P.x), get(P.G), get(P.drive)),
    OP.end,
  ];
}

/** Lanes that satisfy `cmp` against the splat `K`, as an all-ones or all-zeros mask per lane, for both pairs. */
const bothPairs = (A: number, B: number, K: number, cmp: number) => [
  ...get(A),
  ...get(K),
  ...simd(cmp),
  ...get(B),
  ...get(K),
  ...simd(cmp),
  ...simd(SIMD_OP.v128And),
  ...simd(SIMD_OP.i64x2AllTrue),
];

/**
 * Lane k of a quad with a lane at x >= 0.25: "dv_mV" and the threshold (x < 0.25) or its deferral, with its
 * values taken from the pairs' locals.
 */
function quadLane(L: Build, k: number): number[] {
  const l = k < 2 ? PAIR_A : PAIR_B;
  const lane = (K: number) => [...get(K), ...simd(SIMD_OP.f64x2ExtractLane), k & 1];
  return [
    ...lane(l.x),
    ...set(P.x),
    ...get(P.x),
    ...SCALAR.k("quarter"),
    OP.f64Lt,
    OP.if,
    OP.void,
    ...lane(l.vi),
    ...set(P.vi),
    ...jump(L, SCALAR, 4 * k),
    ...thresholdAndStore(L, P, k),
    OP.else,
    ...defer(L, k, get(P.x), lane(l.G), lane(l.drive)),
    OP.end,
  ];
}

/** Neurons i .. i + 3 (byte offset o4) as two pairs of f64x2 lanes, or one by one where a lane needs it. */
function simdQuad(L: Build): number[] {
  const pairUpdate = (l: Lanes) => [...decay(L, l), ...drive(L, l), ...relax(L, l, polynomial(l))];
  return [
    ...conductances(L, PAIR_A),
    ...conductances(L, PAIR_B),
    ...bothPairs(P.GT, P.GTb, P.ZERO, SIMD_OP.f64x2Ge),
    OP.if,
    OP.void,
    ...pairUpdate(PAIR_A),
    ...pairUpdate(PAIR_B),
    ...bothPairs(P.X, P.Xb, P.QUARTER, SIMD_OP.f64x2Lt),
    OP.if,
    OP.void,
    ...jump(L, PAIR_A),
    ...jump(L, PAIR_B),
    ...quadThreshold(L, P),
    OP.else,
    ...[0, 1, 2, 3].flatMap((k) => quadLane(L, k)),
    OP.end,
    OP.else,
    // a G not >= 0, and nothing of the four stored yet: the scalar code from the quad's first neuron (which
    // stops there), o4 back after it
    ...get(P.o4),
    ...set(P.q),
    ...countedLoop(P.o4, [...get(P.q), ...i32(16), OP.i32Add], 4, scalarNeuron(L)),
    ...get(P.q),
    ...set(P.o4),
    OP.end,
  ];
}

const loadConstant = (L: Layout, k: number, j: number) => [
  ...i32(0),
  OP.f64Load,
  3,
  ...uleb(L.c + 8 * j),
  ...set(k),
];
/** The constants into their locals, in the order of `c`; E_k into aE_k, then aE_k = a_k E_k (stepTwoPorts's). */
function loadConstants(L: Layout): number[] {
  const times = (a: number, e: number) => [...get(a), ...get(e), OP.f64Mul, ...set(e)];
  return [
    ...[P.dtc, P.gL, P.gLEL, P.vTh, P.vReset, P.drop, P.d0, P.a0, P.aE0, P.d1, P.a1, P.aE1].flatMap((k, j) =>
      loadConstant(L, k, j),
    ),
    ...times(P.a0, P.aE0),
    ...times(P.a1, P.aE1),
  ];
}

function stepBody(L: Build, withSimd: boolean): number[] {
  const splat = (k: number[], K: number) => [...k, ...simd(SIMD_OP.f64x2Splat), ...set(K)];
  const at = (j: number) => uleb(L.c + 8 * (NUMBERS_AT + j));
  const quads = withSimd
    ? [
        ...Object.entries(CONSTANT_SPLATS).flatMap(([name, K]) => splat(get(P[name as Constant]), K)),
        ...splat(get(P.vTh), P.VTH),
        // NUMBERS stored and loaded back (see NUMBERS_AT)
        ...Object.values(NUMBERS).flatMap((x, j) => [...i32(0), ...f64Const(x), OP.f64Store, 3, ...at(j)]),
        ...Object.values(NUMBER_SPLATS).flatMap((K, j) => splat([...i32(0), OP.f64Load, 3, ...at(j)], K)),
        ...countedLoop(P.o4, i32(16 * Math.floor(L.n / 4)), 16, simdQuad(L)),
      ]
    : [];
  return [
    ...loadConstants(L),
    // the refractory list counted down; its length stored at once (counts[1], what a stop leaves)
    ...countDown(L, P),
    ...i32(0),
    ...get(P.nHeld),
    OP.i32Store,
    ...mem(L.counts + 4),
    // o4 (like every local) starts at 0; the quads leave it at the first neuron of the scalar tail
    ...quads,
    ...countedLoop(P.o4, i32(4 * L.n), 4, scalarNeuron(L)),
    // both synapse ports (slots 0 and 1, 8 n bytes) cleared, 8 bytes at a time
    ...i32(0),
    ...set(P.k),
    ...countedLoop(P.k, i32(8 * L.n), 8, [...get(P.k), OP.i64Const, 0, OP.i64Store, 3, ...uleb(L.arena)]),
    // without deferred neurons the step ends here; else `finish` does
    ...get(P.nDef),
    OP.i32Eqz,
    OP.if,
    OP.void,
    ...restoreAndCount(L, P),
    OP.end,
    ...storeLoopCounts(L),
    ...i32(-1),
    OP.end,
  ];
}

/**
 * The deferred neurons completed in list order, their x already replaced by phi: v' = v + ((dt / C) phi)
 * (u - G v), "dv_mV", threshold (spikes appended); then, when `complete`, the list restored and the counts
 * stored (else only the spike count and the list length with this step's entries, as after a stop).
 */
function finishBody(L: Build): number[] {
  const D = deferredAt(L);
  const entry = (at: number) => [...get(P.k), ...i32(3), OP.i32Shl, OP.f64Load, 3, ...uleb(at)];
  return [
    // dt / C, v_th, v_reset, drop (slots 0, 3, 4, 5 of `c`)
    ...[P.dtc, -1, -1, P.vTh, P.vReset, P.drop].flatMap((k, j) => (k < 0 ? [] : loadConstant(L, k, j))),
    ...[P.nSpikes, P.nDef, P.nHeld].flatMap((k, j) => [
      ...i32(0),
      OP.i32Load,
      ...mem(L.counts + 4 * [0, 2, 3][j]),
      ...set(k),
    ]),
    ...countedLoop(P.k, get(P.nDef), 1, [
      ...times4(P.k),
      OP.i32Load,
      ...mem(D.idx),
      ...i32(2),
      OP.i32Shl,
      ...set(P.o4),
      ...entry(D.G),
      ...set(P.G),
      ...entry(D.drive),
      ...set(P.drive),
      ...relax(L, SCALAR, entry(D.x)),
      ...jump(L, SCALAR),
      ...thresholdAndStore(L, P, 0),
    ]),
    ...get(COMPLETE),
    OP.if,
    OP.void,
    ...restoreAndCount(L, P),
    OP.else,
    ...storeLoopCounts(L),
    OP.end,
    ...i32(-1),
    OP.end,
  ];
}

/** The step functions' export names, by membrane ports read: none, "dv_mV", "i_nA", both (index 2 c + j). */
const STEP_EXPORTS = ["step", "stepJump", "stepCurrent", "stepBoth"];

/**
 * The module for n neurons (its addresses are constants of the layout): imports env.mem, exports the step
 * functions of STEP_EXPORTS (parameters useCurrent, useJump, subtract, refSteps, the first two unused: each
 * function is assembled for its combination), which return -1, or the index of a neuron whose total
 * conductance was not >= 0, and `finish(complete, useJump, subtract, refSteps)` (returns -1).
 */
export function cobaKernelModuleBytes(n: number, withSimd: boolean): Uint8Array {
  const L = cobaLayout(n);
  const scalarLocals = LOCAL_GROUPS.slice(0, 2);
  return memoryModuleBytes(
    PARAMS.length,
    [I32],
    [
      ...STEP_EXPORTS.map((name, f) => ({
        name,
        locals: withSimd ? LOCAL_GROUPS : scalarLocals,
        code: stepBody({ ...L, current: f >= 2, jump: f % 2 === 1 }, withSimd),
      })),
      { name: "finish", locals: scalarLocals, code: finishBody({ ...L, current: false, jump: "param" }) },
    ],
  );
}

/** Compiled modules by size and kind (wasm.ts). */
const modules = new SizedModules(cobaKernelModuleBytes);

/** How many compiled modules the cache holds (for tests). */
export function compiledCobaKernels(): number {
  return modules.size;
}

type StepFn = (a: number, useJump: number, subtract: number, refSteps: number) => number;

/** The buffers of a two-port CobaLIF population, in one WebAssembly memory, and the step over them. */
export class CobaKernel {
  /** The population's arena (ports exc, inh, i_nA, dv_mV; states v, g_exc, g_inh) and spike buffers. */
  readonly buffers: PopulationBuffers;
  /** The buffers of the population's RefractoryList. */
  readonly refractory: RefractoryStorage;
  /** The step's float constants (COBA_KERNEL_CONSTANTS, in the order of CobaLIF's `constants`). */
  readonly constants: Float64Array;
  /** [0] spikes of the step (written); [1] neurons in the refractory list (read and written). */
  readonly counts: Int32Array;
  /** [0]: after a step that returned a neuron's index, that neuron's total conductance G (< 0 or NaN). */
  readonly failedG: Float64Array;
  /** counts[2] and [3] of the memory: deferred neurons, list length during the step. */
  private readonly loopCounts: Int32Array;
  /** The deferred neurons' x, replaced by relaxFactor(x) before `finish`. */
  private readonly deferredX: Float64Array;
  /** The deferred neurons' indices (scratch for merging the spike runs after `finish`). */
  private readonly deferredIdx: Int32Array;
  private readonly relax: (x: number) => number;
  /** The step functions by membrane ports read (STEP_EXPORTS), and `finish`. */
  private readonly stepFns: readonly StepFn[];
  private readonly finishFn: StepFn;

  private constructor(n: number, L: Layout, relax: (x: number) => number, module: TwoPortInstance) {
    const D = deferredAt(L);
    this.buffers = module.buffers;
    this.refractory = module.refractory;
    this.constants = module.constants.subarray(0, COBA_KERNEL_CONSTANTS);
    this.failedG = module.constants.subarray(FAILED_G, FAILED_G + 1);
    this.counts = module.counts;
    this.loopCounts = new Int32Array(module.buffer, L.counts + 8, 2);
    this.deferredX = new Float64Array(module.buffer, D.x, n);
    this.deferredIdx = new Int32Array(module.buffer, D.idx, n);
    this.relax = relax;
    this.stepFns = STEP_EXPORTS.map((name) => module.exports[name] as StepFn);
    this.finishFn = module.exports.finish as StepFn;
  }

  /**
   * A kernel for n neurons with two synapse ports, or undefined where WebAssembly is unavailable or disabled
   * (SPIKEFLOW_WASM=0) or the engine refuses another memory. `relax` is relaxFactor (coba-lif.ts), which the
   * step applies to the deferred neurons' x (>= 0.25).
   */
  static create(n: number, relax: (x: number) => number): CobaKernel | undefined {
    const L = cobaLayout(n);
    const instance = instantiateTwoPort(n, modules, L, MEMORY_F64, "a CobaLIF population");
    return instance && new CobaKernel(n, L, relax, instance);
  }

  /**
   * One step of the n neurons: the refractory list counted down, `stepTwoPorts`, the list restored. Set
   * `counts` first ([0] = 0, [1] = neurons listed before the count-down); `spiked` of the previous spikes must
   * have been cleared. `useCurrent`, `useJump`: read and clear "i_nA", "dv_mV". Returns -1, or the index of the
   * neuron whose total conductance is not >= 0 (in `failedG`), where the step stopped (see the file's comment).
   */
  step(useCurrent: boolean, useJump: boolean, subtract: boolean, refSteps: number): number {
    const jump = useJump ? 1 : 0;
    const reset = subtract ? 1 : 0;
    const failed = this.stepFns[(useCurrent ? 2 : 0) + jump](0, 0, reset, refSteps);
    const deferred = this.loopCounts[0];
    if (deferred > 0) {
      const x = this.deferredX;
      const relax = this.relax;
      for (let k = 0; k < deferred; k++) x[k] = relax(x[k]);
      const loopSpikes = this.counts[0];
      this.finishFn(failed < 0 ? 1 : 0, jump, reset, refSteps);
      this.mergeSpikes(loopSpikes, this.counts[0]);
    }
    return failed;
  }

  /**
   * Merges the ascending runs spikeIdx[0, m) (the loop's spikes) and [m, total) (the deferred neurons') into one
   * ascending run, from the back, through `deferredIdx` (no longer needed).
   */
  private mergeSpikes(m: number, total: number): void {
    const idx = this.buffers.spikeIdx;
    if (m === 0 || m === total || idx[m - 1] < idx[m]) return;
    const tail = this.deferredIdx;
    let b = total - m;
    for (let j = 0; j < b; j++) tail[j] = idx[m + j];
    let a = m - 1;
    b--;
    for (let k = total - 1; b >= 0; k--) idx[k] = a >= 0 && idx[a] > tail[b] ? idx[a--] : tail[b--];
  }
}
