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
 * A module is assembled for each population size, over the memory layout of two-port-kernel.ts (constants
 * f64[10] as `stepTwoPortsArena`'s `c`, counts, the arena with the states v, I_exc, I_inh, the refractory list
 * and the spike buffers), which also holds the refractory-list and threshold code this kernel shares with
 * CobaLIF's (coba-kernel.ts).
 * Limitation: where WebAssembly is missing or a memory cannot be created, `CubaKernel.create` returns
 * undefined and CubaLIF runs its TypeScript step (same results, slower). SPIKEFLOW_WASM=0 forces that.
 */
import {
  F64,
  I32,
  i32Const as i32,
  localGet as get,
  localSet as set,
  OP,
  simd,
  SIMD_OP,
  SizedModules,
  countedLoop,
  uleb,
  V128,
  memoryModuleBytes,
} from "../core/wasm.ts";
import {
  CUR,
  DV,
  EXC,
  INH,
  S_EXC as I_EXC,
  S_INH as I_INH,
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

/** Float constants: gain 0, gain 1, decay 0, decay 1, membrane decay, current gain, v_rest, v_th, v_reset, drop. */
export const CUBA_KERNEL_CONSTANTS = 10;
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

/** The lanes of an update (scalar or f64x2) with the locals that hold its constants and results. */
interface Lanes extends LaneOps {
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
  ...scalarLanes(P.o4),
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

/** Two neurons, `offset` bytes after o4, computed in the f64x2 locals I0, I1 and vi. */
function pair(offset: number, I0: number, I1: number, vi: number): Lanes {
  return {
    ...pairLanes(P.o4, offset),
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
  return [...update(L, LOW_PAIR), ...update(L, HIGH_PAIR), ...quadThreshold(L, P)];
}

function stepBody(L: Layout, withSimd: boolean): number[] {
  const quads = withSimd
    ? [
        ...SPLATS.flatMap(([k, K]) => [...get(k), ...simd(SIMD_OP.f64x2Splat), ...set(K)]),
        ...countedLoop(P.o4, i32(16 * Math.floor(L.n / 4)), 16, simdQuad(L)),
      ]
    : [];
  return [
    // the constants (address 0 + offset), then the refractory list's count-down
    ...SCALARS.flatMap((k, j) => [...i32(0), OP.f64Load, 3, ...uleb(L.c + 8 * j), ...set(k)]),
    ...countDown(L, P),
    // o4 (like every local) starts at 0; the quads leave it at the first neuron of the scalar tail
    ...quads,
    ...countedLoop(P.o4, i32(4 * L.n), 4, [...update(L, SCALAR), ...thresholdAndStore(L, P, 0)]),
    ...restoreAndCount(L, P),
    OP.end,
  ];
}

/**
 * The module for n neurons (its addresses are constants of the layout): imports env.mem, exports
 * `step(useMembrane, subtract, refSteps)`.
 */
export function cubaKernelModuleBytes(n: number, withSimd: boolean): Uint8Array {
  const locals = withSimd ? LOCAL_GROUPS : LOCAL_GROUPS.slice(0, 2);
  const code = stepBody(layout(n, CUBA_KERNEL_CONSTANTS), withSimd);
  return memoryModuleBytes(PARAM_COUNT, [], [{ name: "step", locals, code }]);
}

/** Compiled modules by size and kind (wasm.ts). */
const modules = new SizedModules(cubaKernelModuleBytes);

/** How many compiled modules the cache holds (for tests). */
export function compiledCubaKernels(): number {
  return modules.size;
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

  private constructor(instance: TwoPortInstance) {
    this.buffers = instance.buffers;
    this.refractory = instance.refractory;
    this.constants = instance.constants;
    this.counts = instance.counts;
    this.stepFn = instance.exports.step as (useMembrane: number, subtract: number, refSteps: number) => void;
  }

  /**
   * A kernel for n neurons with two synapse ports, or undefined where WebAssembly is unavailable or disabled
   * (SPIKEFLOW_WASM=0) or the engine refuses another memory.
   */
  static create(n: number): CubaKernel | undefined {
    const L = layout(n, CUBA_KERNEL_CONSTANTS);
    const instance = instantiateTwoPort(n, modules, L, CUBA_KERNEL_CONSTANTS, "a CubaLIF population");
    return instance && new CubaKernel(instance);
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
