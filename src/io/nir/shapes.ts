/**
 * Shape inference over a flat NIR graph (pure): the input and output shape of every node, then a check of
 * every edge. NIR stores few shapes (Input/Output, neuron parameters, weights, Conv2d's optional input_shape,
 * Flatten's optional input_type); the rest follow from the predecessors:
 *   Conv2d  [Cin, H, W] -> [Cout, Ho, Wo], Ho = floor((H + pad_top + pad_bottom - dil (kH - 1) - 1) / s) + 1
 *           (PyTorch; "same" pads dil (k - 1) in total, floor half before, "valid" pads nothing)
 *   pooling [C, H, W] -> [C, Ho, Wo], Ho = floor((H + 2 p - k) / s) + 1
 *   Flatten dims start_dim..end_dim (negative counts from the end) become one; a start just past the last
 *           dimension with end_dim -1 (NIR's batch default start_dim = 1 on a 1-D input) leaves the shape as it is,
 *           and other dimensions outside the input, or a start after the end, are a FormatError
 *   Scale, Delay, neurons with only scalar parameters, pass-through nodes: output shape = input shape.
 * Edges are checked by element count, as in NIR's lenient reading: a different shape with the same number
 * of elements (lif_rockpool.nir: LIF [1] -> Output [1, 1, 1]) is accepted with the warning
 * "nir-shape-relaxed", since flat indices agree; a different count is a FormatError naming the edge.
 */
import { FormatError } from "../../core/errors.ts";
import { log } from "../../core/log.ts";
import type { NirConv2d, NirTensor } from "./graph.ts";
import { shapeSize } from "./graph.ts";
import type { FlatGraph, FlatNode } from "./flatten.ts";

export interface NodeShapes {
  readonly in: readonly number[];
  readonly out: readonly number[];
}

/** [top, bottom, left, right] zero padding of a Conv2d (PyTorch's convention for "same"). */
export function convPadding(node: NirConv2d): readonly [number, number, number, number] {
  const kh = node.weight.shape[2];
  const kw = node.weight.shape[3];
  if (node.padding === "valid") return [0, 0, 0, 0];
  if (node.padding === "same") {
    const th = node.dilation[0] * (kh - 1);
    const tw = node.dilation[1] * (kw - 1);
    return [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
  }
  return [node.padding[0], node.padding[0], node.padding[1], node.padding[1]];
}

function neuronShape(fields: readonly NirTensor[]): readonly number[] | null {
  for (const t of fields) if (t.shape.length > 0) return t.shape;
  return null;
}

/** The shape a node fixes by itself, or null when it takes its input's. */
function ownShapes(f: FlatNode): { in: readonly number[] | null; out: readonly number[] | null } {
  const n = f.node;
  switch (n.type) {
    case "Input":
    case "Output":
      return { in: n.shape, out: n.shape };
    case "Affine":
    case "Linear":
      return { in: [n.weight.shape[1]], out: [n.weight.shape[0]] };
    case "Scale": {
      const s = n.scale.shape.length > 0 ? n.scale.shape : null;
      return { in: s, out: s };
    }
    case "Delay":
      return same(n.delay.shape.length > 0 ? n.delay.shape : null);
    case "LIF":
      return same(neuronShape([n.tau, n.r, n.v_leak, n.v_threshold, n.v_reset]));
    case "CubaLIF":
      return same(neuronShape([n.tau_syn, n.tau_mem, n.r, n.v_leak, n.v_threshold, n.v_reset, n.w_in]));
    case "IF":
      return same(neuronShape([n.r, n.v_threshold, n.v_reset]));
    case "LI":
      return same(neuronShape([n.tau, n.r, n.v_leak]));
    case "I":
      return same(neuronShape([n.r]));
    case "Threshold":
      return same(neuronShape([n.threshold]));
    case "Conv2d":
      return {
        in:
          n.input_shape === undefined
            ? null
            : [n.weight.shape[1] * n.groups, n.input_shape[0], n.input_shape[1]],
        out: null,
      };
    case "Flatten":
      return { in: n.input_type ?? null, out: null };
    case "SumPool2d":
    case "AvgPool2d":
      return { in: null, out: null };
  }
}

function same(s: readonly number[] | null): { in: readonly number[] | null; out: readonly number[] | null } {
  return { in: s, out: s };
}

function spatial(file: string, f: FlatNode, input: readonly number[]): readonly [number, number, number] {
  if (input.length !== 3) {
    throw new FormatError(
      `${file}: node ${JSON.stringify(f.path)} (${f.node.type}) needs a [C, H, W] input, but its input has shape ` +
        `[${input.join(", ")}]` +
        (f.node.type === "Conv2d" ? "; store input_shape in the Conv2d node" : ""),
      { file, node: f.path },
    );
  }
  return [input[0], input[1], input[2]];
}

function outAxis(
  file: string,
  f: FlatNode,
  size: number,
  k: number,
  s: number,
  padTotal: number,
  dil = 1,
): number {
  const out = Math.floor((size + padTotal - dil * (k - 1) - 1) / s) + 1;
  if (!(out >= 1)) {
    throw new FormatError(
      `${file}: node ${JSON.stringify(f.path)} (${f.node.type}): a window of ${k} (dilation ${dil}) does not fit ` +
        `an input of ${size} with ${padTotal} padding`,
      { file, node: f.path },
    );
  }
  return out;
}

/** Output shape of a node given its input shape. */
function outputOf(file: string, f: FlatNode, input: readonly number[]): readonly number[] {
  const n = f.node;
  switch (n.type) {
    case "Conv2d": {
      const [C, H, W] = spatial(file, f, input);
      const [cout, cinPerGroup, kh, kw] = n.weight.shape;
      if (C !== cinPerGroup * n.groups) {
        throw new FormatError(
          `${file}: node ${JSON.stringify(f.path)} (Conv2d): its input has ${C} channels but the weight ` +
            `[${n.weight.shape.join(", ")}] with groups = ${n.groups} needs ${cinPerGroup * n.groups}`,
          { file, node: f.path },
        );
      }
      const [pt, pb, pl, pr] = convPadding(n);
      return [
        cout,
        outAxis(file, f, H, kh, n.stride[0], pt + pb, n.dilation[0]),
        outAxis(file, f, W, kw, n.stride[1], pl + pr, n.dilation[1]),
      ];
    }
    case "SumPool2d":
    case "AvgPool2d": {
      const [C, H, W] = spatial(file, f, input);
      return [
        C,
        outAxis(file, f, H, n.kernel_size[0], n.stride[0], 2 * n.padding[0]),
        outAxis(file, f, W, n.kernel_size[1], n.stride[1], 2 * n.padding[1]),
      ];
    }
    case "Flatten": {
      const rank = input.length;
      const sd = n.start_dim < 0 ? n.start_dim + rank : n.start_dim;
      const ed = n.end_dim < 0 ? n.end_dim + rank : n.end_dim;
      // NIR's batch default (start 1, end -1) on an input without a batch dimension starts just past the
      // last dimension: the identity. Any other start there, and any dimension outside the input, is an
      // error, as in PyTorch
      if (sd === rank && n.end_dim === -1) return input;
      if (sd < 0 || sd >= rank || ed < 0 || ed >= rank) {
        throw new FormatError(
          `${file}: node ${JSON.stringify(f.path)} (Flatten): start_dim ${n.start_dim} and end_dim ` +
            `${n.end_dim} must name dimensions of its input [${input.join(", ")}] (from ${-rank} to ${rank - 1})`,
          { file, node: f.path },
        );
      }
      if (sd > ed) {
        throw new FormatError(
          `${file}: node ${JSON.stringify(f.path)} (Flatten): start_dim ${n.start_dim} comes after end_dim ` +
            `${n.end_dim} on its input [${input.join(", ")}]; a Flatten joins dims start_dim..end_dim, so ` +
            `start_dim must not be after end_dim (as in PyTorch's flatten)`,
          { file, node: f.path },
        );
      }
      return [...input.slice(0, sd), shapeSize(input.slice(sd, ed + 1)), ...input.slice(ed + 1)];
    }
    default:
      return input;
  }
}

/** Whether two shapes are the same, axis by axis. */
export const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, k) => d === b[k]);

/** Infers every node's shapes and checks every edge. Throws FormatError when a shape cannot be known. */
export function inferShapes(graph: FlatGraph, file: string): Map<string, NodeShapes> {
  const ins = new Map<string, readonly number[]>();
  const outs = new Map<string, readonly number[]>();
  for (const f of graph.nodes.values()) {
    const own = ownShapes(f);
    if (own.in !== null) ins.set(f.path, own.in);
    if (own.out !== null) outs.set(f.path, own.out);
  }
  const preds = new Map<string, string[]>();
  for (const [a, b] of graph.edges) preds.set(b, [...(preds.get(b) ?? []), a]);

  // nodes whose output shape is their input shape can learn either from the other, or from a successor
  const keepsShape = (f: FlatNode): boolean =>
    !["Affine", "Linear", "Conv2d", "Flatten", "SumPool2d", "AvgPool2d"].includes(f.node.type);
  const learn = (
    map: Map<string, readonly number[]>,
    key: string,
    shape: readonly number[] | undefined,
  ): boolean => {
    if (shape === undefined || map.has(key)) return false;
    map.set(key, shape);
    return true;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const f of graph.nodes.values()) {
      const p = f.path;
      const pred = (preds.get(p) ?? []).find((q) => outs.has(q));
      if (pred !== undefined) changed = learn(ins, p, outs.get(pred)) || changed;
      if (keepsShape(f)) {
        changed = learn(outs, p, ins.get(p)) || changed;
        changed = learn(ins, p, outs.get(p)) || changed;
      } else if (ins.has(p) && !outs.has(p)) {
        changed = learn(outs, p, outputOf(file, f, ins.get(p)!)) || changed;
      }
    }
    for (const [a, b] of graph.edges) {
      if (keepsShape(graph.nodes.get(a)!)) changed = learn(outs, a, ins.get(b)) || changed;
    }
  }

  const result = new Map<string, NodeShapes>();
  for (const f of graph.nodes.values()) {
    const i = ins.get(f.path);
    const o = outs.get(f.path);
    if (i === undefined || o === undefined) {
      throw new FormatError(
        `${file}: cannot tell the shape of node ${JSON.stringify(f.path)} (${f.node.type}): it stores none and ` +
          `no edge connects it to a node that does`,
        { file, node: f.path },
      );
    }
    result.set(f.path, { in: i, out: o });
  }
  for (const [a, b] of graph.edges) {
    const o = result.get(a)!.out;
    const i = result.get(b)!.in;
    if (shapeSize(o) !== shapeSize(i)) {
      throw new FormatError(
        `${file}: edge ${JSON.stringify(a)} -> ${JSON.stringify(b)} connects an output of shape [${o.join(", ")}] ` +
          `(${shapeSize(o)} values) to an input of shape [${i.join(", ")}] (${shapeSize(i)} values)`,
        { file, edge: [a, b] },
      );
    }
    if (!sameShape(o, i)) {
      log.warn(
        "nir-shape-relaxed",
        `${file}: edge ${JSON.stringify(a)} -> ${JSON.stringify(b)} joins shape [${o.join(", ")}] to ` +
          `[${i.join(", ")}]; same number of values, so it is read element by element`,
      );
    }
  }
  return result;
}
