/**
 * A WebAssembly kernel for the step of `DoubleExpLIF` in the spiking-RNN configuration (double-exponential
 * synapses, membrane noise also while refractory, no "dv_mV" input): the membrane noise and the neuron update
 * in one pass, about 2-3x faster than the TypeScript step, with bit-identical results.
 *
 * Per neuron i, in this order (the arithmetic of `stepTypeScript` in double-exp-lif.ts, operation by
 * operation; WebAssembly never fuses a multiply and an add, and f32.demote rounds like a Float32Array store):
 *   z      = sd * N(0,1)          the ziggurat fast path of gaussian-noise.ts on a xoshiro128** word; the
 *                                 ~1.2 % of words that miss it call back into GaussianNoise.rejected
 *   I      = I d + h dt;  h = h e_r + syn_i jump;  r = r d + hr dt;  hr = hr e_r
 *   held (counter > 1): counter - 1, v + z; unless "t-last" and v + z >= threshold, store and go on
 *   else:  v = v + g (v_rest + R (I + b [+ i_nA]) - v) + z
 *   v >= threshold: spike, v = v_reset, counter = R (+1), hr += jump
 * The samples come from the same generator sequence as GaussianNoise.fill(noise, n) followed by the loop,
 * so switching between this kernel and the TypeScript path (e.g. when "dv_mV" is first requested) keeps one
 * random sequence.
 *
 * Memory (one WebAssembly memory per population, never grown, so the typed-array views stay valid):
 *   cells  f64 x CELL per neuron (I, h, hr, e^(-dt/tau_d), jump, bias)   r  f64 per neuron
 *   v      f32 per neuron          counter  i32 per neuron
 *   ports  f32 x 3 per neuron (syn, i_nA, dv_mV: the population's arena; the kernel reads and zeroes the first two)
 *   spikes i32 per neuron (this step's spike indices) and u8 per neuron (spiked flags): PopulationBase's buffers
 *   tables SIGNED_WIDTH f64[256], INNER i32[128];  state  i32[4] (the generator, shared with GaussianNoise)
 * Limitation: where WebAssembly is missing or a memory cannot be created, `createDoubleExpKernel` returns
 * undefined and DoubleExpLIF runs its TypeScript step (same results, slower). SPIKEFLOW_WASM=0 forces that.
 */
import {
  compileWasm,
  F64,
  f64Load,
  f64Store,
  I32,
  i32Const as i32,
  i32Load,
  i32Store,
  localGet as get,
  localSet as set,
  localTee as tee,
  newWasmMemory,
  OP,
  section,
  uleb,
  WASM_HEADER,
  wasmApi,
  wasmName,
} from "../core/wasm.ts";
import type { PopulationBuffers } from "./base.ts";
import { INNER, SIGNED_WIDTH, zigguratRejectedAt } from "../core/ziggurat.ts";
import { GaussianNoise } from "./gaussian-noise.ts";

/** Float64 values per neuron in `cells`: I_syn, h_syn, h_rate, decay, jump, bias (offsets below). */
export const CELL = 6;
export const I_SYN = 0;
export const H_SYN = 1;
export const H_RATE = 2;
export const DECAY = 3;
export const JUMP = 4;
export const BIAS = 5;

/** Per-step constants of the kernel. */
export interface DoubleExpKernelConstants {
  readonly memGain: number;
  readonly vRest_mV: number;
  readonly resistance_MOhm: number;
  readonly vThreshold_mV: number;
  readonly vReset_mV: number;
  readonly refCounter: number;
  readonly riseDecay: number;
  readonly dt_ms: number;
  readonly noiseSd_mV: number;
  readonly tLast: boolean;
}

// parameter and local indices of the step function
const P = {
  n: 0,
  pC: 1,
  pR: 2,
  pV: 3,
  pRef: 4,
  pSyn: 5,
  pCur: 6,
  pIdx: 7,
  pTab: 8,
  pSt: 9,
  useCur: 10,
  tLast: 11,
  memGain: 12,
  vRest: 13,
  R: 14,
  vTh: 15,
  vReset: 16,
  refCounter: 17,
  riseDecay: 18,
  dt: 19,
  sd: 20,
  pSpiked: 21,
  // locals: 14 i32, then 9 f64
  i: 22,
  s0: 23,
  s1: 24,
  s2: 25,
  s3: 26,
  u: 27,
  a: 28,
  t: 29,
  m: 30,
  count: 31,
  left: 32,
  oc: 33,
  o4: 34,
  o8: 35,
  z: 36,
  d: 37,
  h: 38,
  ii: 39,
  hr: 40,
  vi: 41,
  total: 42,
  vOld: 43,
  curI: 44,
} as const;
const PARAM_TYPES = [...Array<number>(12).fill(I32), F64, F64, F64, F64, F64, I32, F64, F64, F64, I32];
const LOCAL_GROUPS = [
  [14, I32],
  [9, F64],
] as const;
/** Byte offset of INNER in the table region (after SIGNED_WIDTH's 256 float64). */
const INNER_OFFSET = 2048;

const f32Load = [OP.f32Load, 2, 0];
const f32Const0 = [OP.f32Const, 0, 0, 0, 0];
const f32Store = [OP.f32Store, 2, 0];
/** base + offset (both locals) on the stack. */
const addr = (base: number, offset: number) => [...get(base), ...get(offset), OP.i32Add];
/** Byte offset, from the generator state, of the float64 the slow path writes its sample into. */
const SAMPLE_OFFSET = 16;

const loadState = [
  ...get(P.pSt),
  ...i32Load(0),
  ...set(P.s0),
  ...get(P.pSt),
  ...i32Load(4),
  ...set(P.s1),
  ...get(P.pSt),
  ...i32Load(8),
  ...set(P.s2),
  ...get(P.pSt),
  ...i32Load(12),
  ...set(P.s3),
];
const storeState = [
  ...get(P.pSt),
  ...get(P.s0),
  ...i32Store(0),
  ...get(P.pSt),
  ...get(P.s1),
  ...i32Store(4),
  ...get(P.pSt),
  ...get(P.s2),
  ...i32Store(8),
  ...get(P.pSt),
  ...get(P.s3),
  ...i32Store(12),
];

function stepBody(): number[] {
  const noise = [
    // a = s1 * 5; u = rotl(a, 7) * 9; t = s1 << 9
    ...get(P.s1),
    ...i32(5),
    OP.i32Mul,
    ...i32(7),
    OP.i32Rotl,
    ...i32(9),
    OP.i32Mul,
    ...set(P.u),
    ...get(P.s1),
    ...i32(9),
    OP.i32Shl,
    ...set(P.t),
    // s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11)
    ...get(P.s2),
    ...get(P.s0),
    OP.i32Xor,
    ...set(P.s2),
    ...get(P.s3),
    ...get(P.s1),
    OP.i32Xor,
    ...set(P.s3),
    ...get(P.s1),
    ...get(P.s2),
    OP.i32Xor,
    ...set(P.s1),
    ...get(P.s0),
    ...get(P.s3),
    OP.i32Xor,
    ...set(P.s0),
    ...get(P.s2),
    ...get(P.t),
    OP.i32Xor,
    ...set(P.s2),
    ...get(P.s3),
    ...i32(11),
    OP.i32Rotl,
    ...set(P.s3),
    // m = u >>> 8; fast path when m < INNER[u & 127]
    ...get(P.u),
    ...i32(8),
    OP.i32ShrU,
    ...tee(P.m),
    ...get(P.pTab),
    ...get(P.u),
    ...i32(127),
    OP.i32And,
    ...i32(2),
    OP.i32Shl,
    OP.i32Add,
    ...i32Load(INNER_OFFSET),
    OP.i32LtS,
    OP.if,
    OP.void,
    //   z = sd * (m * SIGNED_WIDTH[u & 255])
    ...get(P.sd),
    ...get(P.m),
    OP.f64ConvertI32U,
    ...get(P.pTab),
    ...get(P.u),
    ...i32(255),
    OP.i32And,
    ...i32(3),
    OP.i32Shl,
    OP.i32Add,
    ...f64Load(0),
    OP.f64Mul,
    OP.f64Mul,
    ...set(P.z),
    OP.else,
    //   z = sd * rejected(u), the generator state handed over through memory, and the word and the sample
    //   too (at SAMPLE_OFFSET after the state: a number passed to or returned from JavaScript may be boxed)
    ...storeState,
    ...get(P.pSt),
    ...get(P.u),
    OP.f64ConvertI32U,
    ...f64Store(SAMPLE_OFFSET),
    OP.call,
    0,
    ...get(P.sd),
    ...get(P.pSt),
    ...f64Load(SAMPLE_OFFSET),
    OP.f64Mul,
    ...set(P.z),
    ...loadState,
    OP.end,
  ];
  const synapse = [
    // d = decay; h = h_syn; I = I d + h dt
    ...get(P.oc),
    ...f64Load(8 * DECAY),
    ...set(P.d),
    ...get(P.oc),
    ...f64Load(8 * H_SYN),
    ...set(P.h),
    ...get(P.oc),
    ...f64Load(8 * I_SYN),
    ...get(P.d),
    OP.f64Mul,
    ...get(P.h),
    ...get(P.dt),
    OP.f64Mul,
    OP.f64Add,
    ...set(P.ii),
    // h_syn = h e_r + syn_i jump; syn_i = 0 (the port is consumed)
    ...get(P.oc),
    ...get(P.h),
    ...get(P.riseDecay),
    OP.f64Mul,
    ...addr(P.pSyn, P.o4),
    ...f32Load,
    OP.f64PromoteF32,
    ...get(P.oc),
    ...f64Load(8 * JUMP),
    OP.f64Mul,
    OP.f64Add,
    ...f64Store(8 * H_SYN),
    ...addr(P.pSyn, P.o4),
    ...f32Const0,
    ...f32Store,
    // hr = h_rate; r = r d + hr dt; h_rate = hr e_r; I_syn = I
    ...get(P.oc),
    ...f64Load(8 * H_RATE),
    ...set(P.hr),
    ...addr(P.pR, P.o8),
    ...addr(P.pR, P.o8),
    ...f64Load(0),
    ...get(P.d),
    OP.f64Mul,
    ...get(P.hr),
    ...get(P.dt),
    OP.f64Mul,
    OP.f64Add,
    ...f64Store(0),
    ...get(P.oc),
    ...get(P.hr),
    ...get(P.riseDecay),
    OP.f64Mul,
    ...f64Store(8 * H_RATE),
    ...get(P.oc),
    ...get(P.ii),
    ...f64Store(8 * I_SYN),
  ];
  const membrane = [
    // "i_nA" is consumed whether or not the neuron is held
    ...get(P.useCur),
    OP.if,
    OP.void,
    ...addr(P.pCur, P.o4),
    ...f32Load,
    OP.f64PromoteF32,
    ...set(P.curI),
    ...addr(P.pCur, P.o4),
    ...f32Const0,
    ...f32Store,
    OP.end,
    // left = counter
    ...addr(P.pRef, P.o4),
    ...i32Load(0),
    ...tee(P.left),
    ...i32(1),
    OP.i32GtS,
    OP.if,
    OP.void,
    //   held: counter = left - 1; vi = v + z
    ...addr(P.pRef, P.o4),
    ...get(P.left),
    ...i32(1),
    OP.i32Sub,
    ...i32Store(0),
    ...addr(P.pV, P.o4),
    ...f32Load,
    OP.f64PromoteF32,
    ...get(P.z),
    OP.f64Add,
    ...set(P.vi),
    //   if (!tLast || vi < vTh) { v = vi; continue }
    ...get(P.tLast),
    OP.i32Eqz,
    ...get(P.vi),
    ...get(P.vTh),
    OP.f64Lt,
    OP.i32Or,
    OP.if,
    OP.void,
    ...addr(P.pV, P.o4),
    ...get(P.vi),
    OP.f32DemoteF64,
    ...f32Store,
    OP.br,
    2, // out of this if, the outer if, to the end of the per-neuron block
    OP.end,
    OP.else,
    //   if (left == 1) counter = 0
    ...get(P.left),
    ...i32(1),
    OP.i32Eq,
    OP.if,
    OP.void,
    ...addr(P.pRef, P.o4),
    ...i32(0),
    ...i32Store(0),
    OP.end,
    //   total = I + bias (+ i_nA)
    ...get(P.ii),
    ...get(P.oc),
    ...f64Load(8 * BIAS),
    OP.f64Add,
    ...set(P.total),
    ...get(P.useCur),
    OP.if,
    OP.void,
    ...get(P.total),
    ...get(P.curI),
    OP.f64Add,
    ...set(P.total),
    OP.end,
    //   vi = vOld + g ((v_rest + R total) - vOld) + z
    ...addr(P.pV, P.o4),
    ...f32Load,
    OP.f64PromoteF32,
    ...tee(P.vOld),
    ...get(P.memGain),
    ...get(P.vRest),
    ...get(P.R),
    ...get(P.total),
    OP.f64Mul,
    OP.f64Add,
    ...get(P.vOld),
    OP.f64Sub,
    OP.f64Mul,
    OP.f64Add,
    ...get(P.z),
    OP.f64Add,
    ...set(P.vi),
    OP.end,
    // spike: record, reset, refractory counter, jump of the filtered train
    ...get(P.vi),
    ...get(P.vTh),
    OP.f64Ge,
    OP.if,
    OP.void,
    ...get(P.pIdx),
    ...get(P.count),
    ...i32(2),
    OP.i32Shl,
    OP.i32Add,
    ...get(P.i),
    ...i32Store(0),
    ...get(P.pSpiked),
    ...get(P.i),
    OP.i32Add,
    ...i32(1),
    OP.i32Store8,
    0,
    0,
    ...get(P.count),
    ...i32(1),
    OP.i32Add,
    ...set(P.count),
    ...get(P.vReset),
    ...set(P.vi),
    ...addr(P.pRef, P.o4),
    ...get(P.refCounter),
    ...i32Store(0),
    ...get(P.oc),
    ...get(P.oc),
    ...f64Load(8 * H_RATE),
    ...get(P.oc),
    ...f64Load(8 * JUMP),
    OP.f64Add,
    ...f64Store(8 * H_RATE),
    OP.end,
    ...addr(P.pV, P.o4),
    ...get(P.vi),
    OP.f32DemoteF64,
    ...f32Store,
  ];
  const advance = [
    ...get(P.oc),
    ...i32(8 * CELL),
    OP.i32Add,
    ...set(P.oc),
    ...get(P.o4),
    ...i32(4),
    OP.i32Add,
    ...set(P.o4),
    ...get(P.o8),
    ...i32(8),
    OP.i32Add,
    ...set(P.o8),
    ...get(P.i),
    ...i32(1),
    OP.i32Add,
    ...tee(P.i),
    ...get(P.n),
    OP.i32LtS,
    OP.brIf,
    0,
  ];
  return [
    ...loadState,
    ...get(P.pC),
    ...set(P.oc),
    OP.block,
    OP.void, // skip everything when n <= 0
    ...get(P.n),
    ...i32(1),
    OP.i32LtS,
    OP.brIf,
    0,
    OP.loop,
    OP.void,
    OP.block,
    OP.void, // one neuron; `br` to its end is `continue`
    ...noise,
    ...synapse,
    ...membrane,
    OP.end,
    ...advance,
    OP.end,
    OP.end,
    ...storeState,
    ...get(P.count),
    OP.end,
  ];
}

export function kernelModuleBytes(): Uint8Array {
  const stepType = [0x60, PARAM_TYPES.length, ...PARAM_TYPES, 1, I32];
  const slowType = [0x60, 0, 0]; // () -> (): the word read from SAMPLE_OFFSET, the sample written there
  const body = [LOCAL_GROUPS.length, ...LOCAL_GROUPS.flatMap(([k, t]) => [...uleb(k), t]), ...stepBody()];
  return new Uint8Array([
    ...WASM_HEADER,
    ...section(1, [2, ...stepType, ...slowType]),
    // imports: env.mem (memory, min 1 page), env.slow (function of type 1)
    ...section(2, [
      2,
      ...wasmName("env"),
      ...wasmName("mem"),
      0x02,
      0x00,
      1,
      ...wasmName("env"),
      ...wasmName("slow"),
      0x00,
      1,
    ]),
    ...section(3, [1, 0]), // function 1 (after the imported 0) has type 0
    ...section(7, [1, ...wasmName("step"), 0x00, 1]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

let compiled: object | null | undefined;

function kernelModule(): object | null {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (env?.SPIKEFLOW_WASM === "0") return null;
  if (compiled === undefined) compiled = compileWasm(kernelModuleBytes());
  return compiled;
}

/** The state of a population, in one WebAssembly memory, and the step that updates it. */
export class DoubleExpKernel {
  readonly cells: Float64Array;
  readonly r_Hz: Float64Array;
  readonly v_mV: Float32Array;
  readonly refractoryLeft: Int32Array;
  readonly noise: GaussianNoise;
  /** The population's ports (syn, i_nA, dv_mV back to back) and spike buffers, for PopulationBase. */
  readonly buffers: PopulationBuffers;
  private readonly stepFn: (...args: number[]) => number;
  private readonly ptr: {
    c: number;
    r: number;
    v: number;
    ref: number;
    syn: number;
    cur: number;
    idx: number;
    spiked: number;
    tab: number;
    st: number;
  };

  private constructor(n: number, module: object) {
    // byte layout: float64 regions first (8-aligned), then the 4-byte ones
    let at = 0;
    const take = (bytes: number) => {
      const p = at;
      at += (bytes + 7) & ~7;
      return p;
    };
    const ptr = {
      c: take(8 * CELL * n),
      r: take(8 * n),
      tab: take(INNER_OFFSET + 4 * INNER.length),
      v: take(4 * n),
      ref: take(4 * n),
      syn: take(3 * 4 * n), // the arena: syn, i_nA, dv_mV
      cur: 0,
      idx: take(4 * n),
      spiked: take(n),
      st: take(SAMPLE_OFFSET + 8), // the generator state (4 int32), then the slow path's sample (float64)
    };
    ptr.cur = ptr.syn + 4 * n;
    const pages = Math.max(1, Math.ceil(at / 65536));
    const memory = newWasmMemory(pages, "a DoubleExpLIF population");
    if (memory === undefined) throw new RangeError("no WebAssembly memory");
    const buf = memory.buffer;
    this.cells = new Float64Array(buf, ptr.c, CELL * n);
    this.r_Hz = new Float64Array(buf, ptr.r, n);
    this.v_mV = new Float32Array(buf, ptr.v, n);
    this.refractoryLeft = new Int32Array(buf, ptr.ref, n);
    this.buffers = {
      arena: new Float32Array(buf, ptr.syn, 3 * n),
      spikeIdx: new Int32Array(buf, ptr.idx, n),
      spiked: new Uint8Array(buf, ptr.spiked, n),
    };
    new Float64Array(buf, ptr.tab, SIGNED_WIDTH.length).set(SIGNED_WIDTH);
    new Int32Array(buf, ptr.tab + INNER_OFFSET, INNER.length).set(INNER);
    const noise = new GaussianNoise(undefined, new Int32Array(buf, ptr.st, 4));
    this.noise = noise;
    const sample = new Float64Array(buf, ptr.st + SAMPLE_OFFSET, 1);
    const slow = (): void => zigguratRejectedAt(noise.state, "plus-one", sample, 0);
    const instance = new wasmApi!.Instance(module, { env: { mem: memory, slow } });
    this.stepFn = instance.exports.step as (...args: number[]) => number;
    this.ptr = ptr;
  }

  /** A kernel for n neurons, or undefined where WebAssembly is unavailable or disabled (SPIKEFLOW_WASM=0). */
  static create(n: number): DoubleExpKernel | undefined {
    const module = kernelModule();
    if (module === null || wasmApi === undefined) return undefined;
    try {
      return new DoubleExpKernel(n, module);
    } catch {
      // Limitation: an engine that refuses another WebAssembly memory gets the TypeScript step.
      return undefined;
    }
  }

  /**
   * One step of n neurons: consumes the "syn" port (and "i_nA" when `useCur`), writes this step's spikes into
   * the spike buffers (`spiked` of the previous spikes must have been cleared) and returns their count.
   */
  step(n: number, useCur: boolean, k: DoubleExpKernelConstants): number {
    const p = this.ptr;
    return this.stepFn(
      n,
      p.c,
      p.r,
      p.v,
      p.ref,
      p.syn,
      p.cur,
      p.idx,
      p.tab,
      p.st,
      useCur ? 1 : 0,
      k.tLast ? 1 : 0,
      k.memGain,
      k.vRest_mV,
      k.resistance_MOhm,
      k.vThreshold_mV,
      k.vReset_mV,
      k.refCounter,
      k.riseDecay,
      k.dt_ms,
      k.noiseSd_mV,
      p.spiked,
    );
  }
}
