/**
 * The small slice of HDF5 that NIR uses, as plain interfaces: groups of named children and datasets of
 * float, integer or string values. The NIR reader (read.ts) and writer (write.ts) work on these, so they are
 * pure and testable without HDF5; hdf5.ts adapts h5wasm to them. `memoryTree` turns a tree built for writing
 * into a readable one (tests, and round trips without a file).
 */
import { FormatError } from "../../core/errors.ts";

/** A decoded dataset value. Shapes are row-major; `data.length` is the product of `shape` (1 for []). */
export type H5Value =
  | { readonly kind: "float"; readonly shape: readonly number[]; readonly data: Float32Array | Float64Array }
  | { readonly kind: "int"; readonly shape: readonly number[]; readonly data: readonly number[] }
  | { readonly kind: "string"; readonly shape: readonly number[]; readonly data: readonly string[] };

/** What a dataset is, known before reading it. */
export interface H5DatasetInfo {
  /** Dataspace shape; [] for a scalar. */
  readonly shape: readonly number[];
  /** Element kind; "other" for anything NIR never stores (compound, enum, reference...). */
  readonly kind: H5Value["kind"] | "other";
  /** Bytes per stored element (for strings: the stored handle, not the text). */
  readonly elementBytes: number;
  /** A short description for messages, e.g. "float32", "int64", "string", "compound". */
  readonly describe: string;
}

export interface H5Dataset {
  readonly kind: "dataset";
  /** Full path inside the file, for messages. */
  readonly path: string;
  readonly info: H5DatasetInfo;
  /** Decodes the value; throws FormatError on a damaged or oversized dataset. */
  read(): H5Value;
}

export interface H5Group {
  readonly kind: "group";
  readonly path: string;
  keys(): readonly string[];
  /** The child, or null when it does not exist or is something other than a group or dataset (a link). */
  get(name: string): H5Group | H5Dataset | null;
}

export type H5Entry = H5Group | H5Dataset;

/** A dataset to write. `compress` asks for gzip (ignored for scalars and empty arrays). */
export interface H5WriteDataset {
  readonly kind: "dataset";
  readonly value: H5Value;
  readonly compress?: boolean;
}

/** A group to write; children are written in insertion order. */
export interface H5WriteGroup {
  readonly kind: "group";
  readonly children: ReadonlyMap<string, H5WriteGroup | H5WriteDataset>;
}

export function writeGroup(
  entries: Iterable<readonly [string, H5WriteGroup | H5WriteDataset]>,
): H5WriteGroup {
  return { kind: "group", children: new Map(entries) };
}

export function stringDataset(text: string): H5WriteDataset {
  return { kind: "dataset", value: { kind: "string", shape: [], data: [text] } };
}

const ELEMENT_BYTES = { float: 8, int: 8, string: 16 } as const;

function describeValue(v: H5Value): string {
  if (v.kind === "float") return v.data instanceof Float32Array ? "float32" : "float64";
  return v.kind === "int" ? "int64" : "string";
}

/** A readable view of a tree built for writing. Paths start at "/". */
export function memoryTree(root: H5WriteGroup, path = "/"): H5Group {
  const join = (name: string): string => (path === "/" ? `/${name}` : `${path}/${name}`);
  return {
    kind: "group",
    path,
    keys: () => [...root.children.keys()],
    get(name: string): H5Entry | null {
      const child = root.children.get(name);
      if (child === undefined) return null;
      if (child.kind === "group") return memoryTree(child, join(name));
      const value = child.value;
      const elementBytes = value.kind === "float" ? value.data.BYTES_PER_ELEMENT : ELEMENT_BYTES[value.kind];
      return {
        kind: "dataset",
        path: join(name),
        info: { shape: value.shape, kind: value.kind, elementBytes, describe: describeValue(value) },
        read: () => value,
      };
    },
  };
}

/** Throws a FormatError about `path` in `file`; the message starts with the file name. */
export function fail(
  file: string,
  path: string,
  message: string,
  details: Record<string, unknown> = {},
): never {
  throw new FormatError(`${file}: ${path}: ${message}`, { file, path, ...details });
}
