/**
 * The stateless NIR nodes as linear maps on flat (row-major) index spaces, and their composition (pure).
 *
 *   Affine / Linear   y_j = sum_i W[j][i] x_i (+ b_j)            W is [out][in]
 *   Scale             y_i = s_i x_i                               (a scalar s broadcasts)
 *   Conv2d            PyTorch's cross-correlation: y[oc][oy][ox] = b[oc] + sum over c in oc's group, ky, kx of
 *                     W[oc][c - g Cin/G][ky][kx] x[c][oy s - pt + ky d][ox s - pl + kx d]   (zero padding)
 *   SumPool2d         y[c][oy][ox] = sum of the window;  AvgPool2d: the window sum / (kH kW) (padding counted)
 *   Flatten, a subgraph's Input/Output: the identity (a reshape does not move row-major flat indices)
 *
 * A chain of such nodes between two stateful nodes is one linear map plus a constant: composing
 *   f_k( ... f_1(x)) = W_k ... W_1 x + (W_k ... W_2 b_1 + ... + b_k).
 * `composeChain` computes the weight part row by row (one row per source neuron: the image of a unit input
 * pushed through the chain, kept sparse), so a spike of source neuron i adds row i, as every spikeflow
 * projection does; `applyChain` pushes a bias vector through the nodes after it.
 */
import type { NirConv2d, NirPool2d, NirTensor } from "./graph.ts";
import { shapeSize } from "./graph.ts";
import type { FlatNode } from "./flatten.ts";
import type { NodeShapes } from "./shapes.ts";
import { convPadding } from "./shapes.ts";

export interface LinearOp {
  /** Flat-graph path of the node. */
  readonly path: string;
  readonly inSize: number;
  readonly outSize: number;
  /** True for Flatten and pass-through nodes: y = x. */
  readonly identity: boolean;
  /** Calls f(j, w) for every output j that input i reaches, with weight w != 0. */
  forEachOut(i: number, f: (j: number, w: number) => void): void;
  /** The constant part of the output, in output space, or null when the node has none or it is all zero. */
  readonly bias: Float64Array | null;
}

function nonZero(b: Float64Array): Float64Array | null {
  return b.some((x) => x !== 0) ? b : null;
}

function broadcast(t: NirTensor, size: number): Float64Array {
  if (t.data.length === size) return Float64Array.from(t.data);
  return new Float64Array(size).fill(t.data[0]);
}

function denseOp(path: string, weight: NirTensor, bias: NirTensor | null): LinearOp {
  const [out, inn] = weight.shape;
  const W = weight.data;
  return {
    path,
    inSize: inn,
    outSize: out,
    identity: false,
    forEachOut(i, f) {
      for (let j = 0; j < out; j++) {
        const w = W[j * inn + i];
        if (w !== 0) f(j, w);
      }
    },
    bias: bias === null ? null : nonZero(broadcast(bias, out)),
  };
}

function convOp(path: string, n: NirConv2d, shapes: NodeShapes): LinearOp {
  const [C, H, W] = shapes.in;
  const [OC, Ho, Wo] = shapes.out;
  const [, cinG, kh, kw] = n.weight.shape;
  const [sh, sw] = n.stride;
  const [dh, dw] = n.dilation;
  const [pt, , pl] = convPadding(n);
  const outPerGroup = OC / n.groups;
  const w = n.weight.data;
  const bias = new Float64Array(OC * Ho * Wo);
  for (let oc = 0; oc < OC; oc++) bias.fill(n.bias.data[oc], oc * Ho * Wo, (oc + 1) * Ho * Wo);
  return {
    path,
    inSize: C * H * W,
    outSize: OC * Ho * Wo,
    identity: false,
    forEachOut(i, f) {
      const c = Math.floor(i / (H * W));
      const y = Math.floor(i / W) % H;
      const x = i % W;
      const g = Math.floor(c / cinG);
      const cl = c - g * cinG;
      for (let ky = 0; ky < kh; ky++) {
        const ny = y + pt - ky * dh;
        if (ny < 0 || ny % sh !== 0 || ny / sh >= Ho) continue;
        const oy = ny / sh;
        for (let kx = 0; kx < kw; kx++) {
          const nx = x + pl - kx * dw;
          if (nx < 0 || nx % sw !== 0 || nx / sw >= Wo) continue;
          const ox = nx / sw;
          for (let oc = g * outPerGroup; oc < (g + 1) * outPerGroup; oc++) {
            const wv = w[((oc * cinG + cl) * kh + ky) * kw + kx];
            if (wv !== 0) f((oc * Ho + oy) * Wo + ox, wv);
          }
        }
      }
    },
    bias: nonZero(bias),
  };
}

function poolOp(path: string, n: NirPool2d, shapes: NodeShapes): LinearOp {
  const [C, H, W] = shapes.in;
  const [, Ho, Wo] = shapes.out;
  const [kh, kw] = n.kernel_size;
  const [sh, sw] = n.stride;
  const [ph, pw] = n.padding;
  const value = n.type === "SumPool2d" ? 1 : 1 / (kh * kw);
  return {
    path,
    inSize: C * H * W,
    outSize: C * Ho * Wo,
    identity: false,
    forEachOut(i, f) {
      const c = Math.floor(i / (H * W));
      const y = Math.floor(i / W) % H;
      const x = i % W;
      for (let ky = 0; ky < kh; ky++) {
        const ny = y + ph - ky;
        if (ny < 0 || ny % sh !== 0 || ny / sh >= Ho) continue;
        for (let kx = 0; kx < kw; kx++) {
          const nx = x + pw - kx;
          if (nx < 0 || nx % sw !== 0 || nx / sw >= Wo) continue;
          f((c * Ho + ny / sh) * Wo + nx / sw, value);
        }
      }
    },
    bias: null,
  };
}

/** The linear map of a stateless flat node, given its inferred shapes. */
export function linearOpOf(f: FlatNode, shapes: NodeShapes): LinearOp {
  const n = f.node;
  const size = shapeSize(shapes.in);
  const identity = (): LinearOp => ({
    path: f.path,
    inSize: size,
    outSize: size,
    identity: true,
    forEachOut: (i, cb) => cb(i, 1),
    bias: null,
  });
  switch (n.type) {
    case "Affine":
      return denseOp(f.path, n.weight, n.bias);
    case "Linear":
      return denseOp(f.path, n.weight, null);
    case "Scale": {
      const s = broadcast(n.scale, size);
      return {
        path: f.path,
        inSize: size,
        outSize: size,
        identity: false,
        forEachOut: (i, cb) => {
          if (s[i] !== 0) cb(i, s[i]);
        },
        bias: null,
      };
    }
    case "Conv2d":
      return convOp(f.path, n, shapes);
    case "SumPool2d":
    case "AvgPool2d":
      return poolOp(f.path, n, shapes);
    default:
      return identity();
  }
}

/** A composed chain in CSR form, rows = source neurons: row i lists (post index, weight), ascending. */
export interface ComposedMap {
  readonly rows: number;
  readonly cols: number;
  readonly rowPtr: Int32Array;
  readonly colIdx: Int32Array;
  readonly w: Float32Array;
}

/**
 * The weight part of `ops` applied in order, as CSR. Sums are formed in float64 and rounded to float32 once;
 * exact zeros (cancellations) are dropped.
 */
export function composeChain(ops: readonly LinearOp[], inSize: number): ComposedMap {
  const outSize = ops.length === 0 ? inSize : ops[ops.length - 1].outSize;
  const scratch = ops.map((op) => ({
    value: new Float64Array(op.outSize),
    mark: new Uint8Array(op.outSize),
  }));
  const rowPtr = new Int32Array(inSize + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  let curIdx: number[] = [];
  let curVal: number[] = [];
  for (let i = 0; i < inSize; i++) {
    curIdx = [i];
    curVal = [1];
    ops.forEach((op, k) => {
      const { value, mark } = scratch[k];
      const touched: number[] = [];
      for (let e = 0; e < curIdx.length; e++) {
        const a = curVal[e];
        op.forEachOut(curIdx[e], (j, w) => {
          if (mark[j] === 0) {
            mark[j] = 1;
            touched.push(j);
          }
          value[j] += a * w;
        });
      }
      touched.sort((p, q) => p - q);
      curIdx = [];
      curVal = [];
      for (const j of touched) {
        if (value[j] !== 0) {
          curIdx.push(j);
          curVal.push(value[j]);
        }
        value[j] = 0;
        mark[j] = 0;
      }
    });
    for (let e = 0; e < curIdx.length; e++) {
      cols.push(curIdx[e]);
      vals.push(curVal[e]);
    }
    rowPtr[i + 1] = cols.length;
  }
  return { rows: inSize, cols: outSize, rowPtr, colIdx: Int32Array.from(cols), w: Float32Array.from(vals) };
}

/** Pushes a vector (in the input space of ops[0]) through `ops`, weights only (no biases). */
export function applyChain(ops: readonly LinearOp[], x: Float64Array): Float64Array {
  let cur = x;
  for (const op of ops) {
    const next = new Float64Array(op.outSize);
    for (let i = 0; i < cur.length; i++) {
      const a = cur[i];
      if (a !== 0) op.forEachOut(i, (j, w) => (next[j] += a * w));
    }
    cur = next;
  }
  return cur;
}
