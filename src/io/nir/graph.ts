/**
 * The NIR graph model (Neuromorphic Intermediate Representation, neuromorphs/NIR; Pedersen et al., Nature
 * Communications 2024), as plain immutable data. Pure: no file system, no HDF5. docs/nir.md.
 *
 * A graph is a map from node names to nodes, a list of directed edges (source, target) and free-form
 * metadata. A node is a continuous-time dynamical system (LIF, CubaLIF, IF, LI, I), a static map (Affine,
 * Linear, Scale, Conv2d, Flatten, SumPool2d, AvgPool2d, Threshold), a delay line (Delay: y(t) = x(t - delay),
 * per element), a graph entry/exit (Input, Output) or a nested graph (NIRGraph). Field names are NIR's
 * dataset names. Times are in seconds (what every exporter writes, whatever the NIR docs' table says),
 * voltages and currents carry no unit.
 *
 * Tensors are dense, row-major, float32 or float64 as stored. Weights keep PyTorch's layout: Affine/Linear
 * [out, in], Conv2d [Cout, Cin / groups, kH, kW]. Neuron parameters are arrays of one common shape (the
 * neurons' shape); a parameter of shape [] applies to every neuron. Integer fields are plain numbers.
 */

/** A dense row-major float tensor. `data.length` is the product of `shape` (1 for []). */
export interface NirTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
}

/** A metadata value: text, a number, a list of texts or a tensor. Metadata never changes behaviour. */
export type NirMetaValue = string | number | readonly string[] | NirTensor;
export type NirMetadata = Readonly<Record<string, NirMetaValue>>;

/** Conv2d padding: [rows, columns] zeros on each side, or PyTorch's "same" / "valid". */
export type NirPadding = readonly [number, number] | "same" | "valid";

interface NodeBase {
  /** Free-form; an importer may read it as a hint but never lets it change what the node computes. */
  readonly metadata?: NirMetadata;
}

export interface NirInput extends NodeBase {
  readonly type: "Input";
  readonly shape: readonly number[];
}
export interface NirOutput extends NodeBase {
  readonly type: "Output";
  readonly shape: readonly number[];
}
/** y = W x + b, weight [out, in]. */
export interface NirAffine extends NodeBase {
  readonly type: "Affine";
  readonly weight: NirTensor;
  readonly bias: NirTensor;
}
/** y = W x, weight [out, in]. */
export interface NirLinear extends NodeBase {
  readonly type: "Linear";
  readonly weight: NirTensor;
}
/** y = s * x elementwise. */
export interface NirScale extends NodeBase {
  readonly type: "Scale";
  readonly scale: NirTensor;
}
/** tau dv/dt = (v_leak - v) + r I; spike when v > v_threshold, then v <- v_reset. */
export interface NirLIF extends NodeBase {
  readonly type: "LIF";
  readonly tau: NirTensor;
  readonly r: NirTensor;
  readonly v_leak: NirTensor;
  readonly v_threshold: NirTensor;
  /** Absent in files written before NIR PR #129; read as 0 (case C32). */
  readonly v_reset: NirTensor;
}
/** tau_syn dI/dt = -I + w_in S; tau_mem dv/dt = (v_leak - v) + r I; spike and reset as LIF. */
export interface NirCubaLIF extends NodeBase {
  readonly type: "CubaLIF";
  readonly tau_syn: NirTensor;
  readonly tau_mem: NirTensor;
  readonly r: NirTensor;
  readonly v_leak: NirTensor;
  readonly v_threshold: NirTensor;
  readonly v_reset: NirTensor;
  readonly w_in: NirTensor;
}
/** dv/dt = r I; spike when v > v_threshold, then v <- v_reset. */
export interface NirIF extends NodeBase {
  readonly type: "IF";
  readonly r: NirTensor;
  readonly v_threshold: NirTensor;
  readonly v_reset: NirTensor;
}
/** tau dv/dt = (v_leak - v) + r I; no spikes. */
export interface NirLI extends NodeBase {
  readonly type: "LI";
  readonly tau: NirTensor;
  readonly r: NirTensor;
  readonly v_leak: NirTensor;
}
/** Integrator: dv/dt = r I; no spikes. */
export interface NirI extends NodeBase {
  readonly type: "I";
  readonly r: NirTensor;
}
/** z = 1 if x > threshold else 0. */
export interface NirThreshold extends NodeBase {
  readonly type: "Threshold";
  readonly threshold: NirTensor;
}
/** PyTorch Conv2d: weight [Cout, Cin / groups, kH, kW], bias [Cout]. */
export interface NirConv2d extends NodeBase {
  readonly type: "Conv2d";
  readonly weight: NirTensor;
  readonly bias: NirTensor;
  readonly stride: readonly [number, number];
  readonly padding: NirPadding;
  readonly dilation: readonly [number, number];
  readonly groups: number;
  /** Input [H, W]; absent when the writer left it to shape inference. */
  readonly input_shape?: readonly [number, number];
}
/** Reshape: dims start_dim..end_dim of the (un-batched) input shape become one. */
export interface NirFlatten extends NodeBase {
  readonly type: "Flatten";
  /** The input shape, when the file stores it. */
  readonly input_type?: readonly number[];
  readonly start_dim: number;
  readonly end_dim: number;
}
export interface NirPool2d extends NodeBase {
  readonly type: "SumPool2d" | "AvgPool2d";
  readonly kernel_size: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
}
/**
 * y(t) = x(t - delay), element by element: `delay` holds one delay in seconds per element (a tensor of the
 * elements' shape), or one for every element (shape []).
 */
export interface NirDelay extends NodeBase {
  readonly type: "Delay";
  readonly delay: NirTensor;
}
/** A graph used as a node: edges into it go to its Input node(s), edges out of it leave its Output node(s). */
export interface NirGraph extends NodeBase {
  readonly type: "NIRGraph";
  readonly nodes: Readonly<Record<string, NirNode>>;
  readonly edges: readonly (readonly [string, string])[];
}

export type NirNode =
  | NirInput
  | NirOutput
  | NirAffine
  | NirLinear
  | NirScale
  | NirLIF
  | NirCubaLIF
  | NirIF
  | NirLI
  | NirI
  | NirThreshold
  | NirConv2d
  | NirFlatten
  | NirPool2d
  | NirDelay
  | NirGraph;

export type NirNodeType = NirNode["type"];

/** A NIR file: the format version string and the top-level graph. */
export interface NirDocument {
  readonly version: string;
  readonly graph: NirGraph;
}

/** Every node type this package reads and writes. */
export const NIR_NODE_TYPES: readonly NirNodeType[] = Object.freeze([
  "Input",
  "Output",
  "Affine",
  "Linear",
  "Scale",
  "LIF",
  "CubaLIF",
  "IF",
  "LI",
  "I",
  "Threshold",
  "Conv2d",
  "Flatten",
  "SumPool2d",
  "AvgPool2d",
  "Delay",
  "NIRGraph",
]);

/** NIR types that hold state between steps (or, for Threshold, produce spikes): they become populations. */
export const NIR_NEURON_TYPES: readonly NirNodeType[] = Object.freeze([
  "LIF",
  "CubaLIF",
  "IF",
  "LI",
  "I",
  "Threshold",
]);

/** The version string written into new files (NIR's newest tag at the time of writing). */
export const NIR_WRITE_VERSION = "1.0.7";

/** Product of a shape (1 for []). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A tensor from a shape and values (float64 unless a Float32Array is given). */
export function nirTensor(
  shape: readonly number[],
  values: ArrayLike<number> | Float32Array | Float64Array,
): NirTensor {
  const data =
    values instanceof Float32Array || values instanceof Float64Array ? values : Float64Array.from(values);
  return { shape: Object.freeze([...shape]), data };
}

/** A tensor of `shape` filled with `value`. */
export function filledTensor(shape: readonly number[], value: number, f32 = false): NirTensor {
  const n = shapeSize(shape);
  return {
    shape: Object.freeze([...shape]),
    data: (f32 ? new Float32Array(n) : new Float64Array(n)).fill(value),
  };
}

/** Whether `value` is a tensor (as opposed to the other metadata kinds). */
export function isNirTensor(value: unknown): value is NirTensor {
  return (
    typeof value === "object" &&
    value !== null &&
    "data" in value &&
    (value.data instanceof Float32Array || value.data instanceof Float64Array)
  );
}
