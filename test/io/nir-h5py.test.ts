// NIR files written by spikeflow, read back by h5py (the reference HDF5 C library, as Python's nir.read
// uses it): every group and dataset is there with the dtype, shape and values spikeflow meant to write, for
// the eight fixtures re-encoded and for a network exported by networkToNir. h5py comes from Debian
// (python3-h5py, installed by .ci/run); without it the test is skipped, saying so.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRng } from "../../src/core/rng.ts";
import { Network } from "../../src/network/network.ts";
import { Input } from "../../src/neurons/input.ts";
import { LIF } from "../../src/neurons/lif.ts";
import { Dense } from "../../src/projections/dense.ts";
import { Sparse } from "../../src/projections/sparse.ts";
import { SynapticLIF } from "../../src/neurons/synaptic-lif.ts";
import { encodeNir } from "../../src/io/nir/codec.ts";
import { networkToNir } from "../../src/io/nir/export.ts";
import type { NirDocument } from "../../src/io/nir/graph.ts";
import type { H5WriteGroup } from "../../src/io/nir/hdf5-tree.ts";
import { nirToTree } from "../../src/io/nir/write.ts";
import { captureLogs } from "../../src/core/log.ts";
import { FIXTURES, readFixture } from "./nir-helpers.ts";

const PYTHON = "/usr/bin/python3";
const DUMP = fileURLToPath(new URL("h5py-dump.py", import.meta.url));
const h5py = spawnSync(PYTHON, ["-c", "import h5py"], { encoding: "utf8" });
const skip = h5py.status === 0 ? false : `h5py is not installed (apt-get install python3-h5py)`;

type Entry = "group" | { dtype: string; shape: number[]; values: (number | string)[] };

/** What h5py should find: the tree spikeflow handed to HDF5, in h5py-dump.py's terms. */
function expected(tree: H5WriteGroup, prefix = "", out: Record<string, Entry> = {}): Record<string, Entry> {
  for (const [name, child] of tree.children) {
    const path = `${prefix}/${name}`;
    if (child.kind === "group") {
      out[path] = "group";
      expected(child, path, out);
      continue;
    }
    const v = child.value;
    const number = (x: number): number | string =>
      Number.isNaN(x) ? "nan" : x === Infinity ? "inf" : x === -Infinity ? "-inf" : x;
    out[path] = {
      dtype:
        v.kind === "float"
          ? v.data instanceof Float32Array
            ? "float32"
            : "float64"
          : v.kind === "int"
            ? "int64"
            : "string",
      shape: [...v.shape],
      values: v.kind === "string" ? [...v.data] : Array.from(v.data, number),
    };
  }
  return out;
}

function exportedNetwork(): NirDocument {
  const rng = createRng(7, "h5py-test");
  const net = new Network({ dt_ms: 1 });
  const x = net.addPopulation("x", new Input(4));
  const a = net.addPopulation("a", new LIF(3, 1, { tauMem_ms: 20 }));
  const b = net.addPopulation("b", new SynapticLIF(2, 1, { tauMem_ms: 10, tauSyn_ms: 5 }));
  net.addProjection(
    "xa",
    new Dense(x, a, { weights: Float32Array.from({ length: 12 }, () => rng.uniform(-1, 1)), port: "i_nA" }),
  );
  net.addProjection(
    "ab",
    Sparse.fromTriplets(a, b, { pre: [0, 2, 1], post: [1, 0, 0], w: [0.5, -0.25, 2] }, { port: "i_nA" }),
  );
  let document: NirDocument | undefined;
  captureLogs(() => (document = networkToNir(net, { dt_s: 1e-3 }).document));
  return document!;
}

test(
  "h5py reads every group and dataset spikeflow writes, with the dtypes, shapes and values meant",
  { skip },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "spikeflow-h5py-"));
    try {
      const docs: [string, NirDocument][] = [];
      for (const name of FIXTURES) docs.push([name, (await readFixture(name)).doc]);
      docs.push(["exported", exportedNetwork()]);
      const files = [];
      for (const [name, d] of docs) {
        const file = join(dir, `${name}.nir`);
        writeFileSync(file, await encodeNir(d));
        files.push(file);
      }
      const r = spawnSync(PYTHON, [DUMP, ...files], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
      assert.equal(r.status, 0, r.stderr);
      const seen = JSON.parse(r.stdout) as Record<string, Record<string, Entry>>;
      for (const [k, [name, d]] of docs.entries()) {
        const want = expected(nirToTree({ ...d, version: d.version || "1.0.7" }));
        assert.deepEqual(seen[files[k]], want, name);
      }
      // the checks above saw real content: a conv weight of the sinabs network and the exported LIF taus
      const cnn = seen[files[FIXTURES.indexOf("cnn_sinabs")]];
      assert.deepEqual((cnn["/node/nodes/0/weight"] as Exclude<Entry, "group">).shape, [16, 2, 5, 5]);
      const exported = seen[files.at(-1)!];
      assert.equal((exported["/node/nodes/a/type"] as Exclude<Entry, "group">).values[0], "LIF");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
