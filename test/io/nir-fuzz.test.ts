// Fuzzing the NIR reader: 1,100 truncated, bit-flipped, overwritten and oversized variants of real NIR files
// go through the guarded reader (a worker with a time budget). Each must end in a typed spikeflow error or a
// valid document, never another exception, a timeout (a hang) or a large WebAssembly allocation; valid
// documents are then imported, which must also end in a typed error or a network.
//
// What the fuzzing found in h5wasm 0.10.3 (HDF5 2.0.0) before the guards of src/io/nir/hdf5.ts existed:
// about 45 % of variants were errors printed as pages of HDF5-DIAG text, about 1.5 % were WebAssembly traps
// ("memory access out of bounds"), and one corrupted variable-length string length made HDF5 allocate
// 1.1 GB and take 7.5 s. No hang was seen in about 3,000 variants. Now truncation is caught by the
// superblock check, declared dataset sizes are checked against the file size, h5wasm's memory may grow only
// by a budget (the 1.1 GB case is an ordinary allocation failure), and a trap retires the worker.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SpikeflowError } from "../../src/core/errors.ts";
import { captureLogs, setLogLevel } from "../../src/core/log.ts";
import { createRng } from "../../src/core/rng.ts";
import { encodeNir } from "../../src/io/nir/codec.ts";
import type { NirDocument } from "../../src/io/nir/graph.ts";
import { NirReader } from "../../src/io/nir/guarded.ts";
import { nirToNetwork } from "../../src/io/nir/import.ts";
import { doc, fixtureBytes, graph, lif, t } from "./nir-helpers.ts";

/** Little-endian u64 bytes of n. */
function u64(n: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < 8; k++) out.push(Math.floor(n / 2 ** (8 * k)) % 256);
  return out;
}

function indexOfBytes(hay: Uint8Array, needle: number[], from = 0): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let k = 0; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

async function variants(): Promise<Array<[string, Uint8Array]>> {
  const rng = createRng(1234, "nir-fuzz");
  const written = await encodeNir(
    doc(
      graph(
        {
          input: { type: "Input", shape: [3] },
          w: { type: "Affine", weight: t([2, 3], [1, 2, 3, 4, 5, 6]), bias: t([2], [0.5, -0.5]) },
          n: lif(2, { tau: 0.01 }),
          out: { type: "Output", shape: [2] },
        },
        [
          ["input", "w"],
          ["w", "n"],
          ["n", "out"],
        ],
      ),
    ),
  );
  const bases: Array<[string, Uint8Array]> = [
    ["lif_norse", fixtureBytes("lif_norse")],
    ["braille_subgraph", fixtureBytes("braille_noDelay_bias_zero_subgraph")],
    ["h5wasm-written", written],
  ];
  const out: Array<[string, Uint8Array]> = [];
  const pick = () => bases[rng.int(bases.length)];
  for (let k = 0; k < 250; k++) {
    const [name, b] = pick();
    const len = k < 3 ? [0, 8, 40][k] : rng.int(b.length);
    out.push([`${name} truncated to ${len}`, b.slice(0, len)]);
  }
  for (let k = 0; k < 500; k++) {
    const [name, b] = pick();
    const copy = b.slice();
    const bits: number[] = [];
    for (let j = 1 + rng.int(4); j > 0; j--) {
      const bit = rng.int(copy.length * 8);
      copy[bit >> 3] ^= 1 << (bit & 7);
      bits.push(bit);
    }
    out.push([`${name} bits ${bits.join(",")} flipped`, copy]);
  }
  for (let k = 0; k < 250; k++) {
    const [name, b] = pick();
    const copy = b.slice();
    const at = rng.int(copy.length);
    for (let j = 0; j < 8 && at + j < copy.length; j++) copy[at + j] = rng.int(256);
    out.push([`${name} 8 bytes at ${at} overwritten`, copy]);
  }
  // oversized: dimensions of datasets inflated (every u64 equal to a real dimension, one at a time), the
  // end-of-file address inflated, and megabytes appended
  for (const [name, b] of bases) {
    for (const dim of [1, 2, 3, 12, 38]) {
      let at = indexOfBytes(b, u64(dim), 48);
      for (let found = 0; at >= 0 && found < 8; found++, at = indexOfBytes(b, u64(dim), at + 1)) {
        for (const huge of [2 ** 31, 2 ** 40]) {
          const copy = b.slice();
          copy.set(u64(huge), at);
          out.push([`${name} u64 ${dim} at ${at} set to ${huge}`, copy]);
        }
      }
    }
    const eof = b.slice();
    eof.set(u64(2 ** 40), 40);
    out.push([`${name} end-of-file address 2^40`, eof]);
    const longer = new Uint8Array(b.length + 4 * 2 ** 20);
    longer.set(b);
    out.push([`${name} with 4 MiB appended`, longer]);
  }
  return out;
}

test("1,100+ damaged NIR files: typed error or valid result, no hang, no large allocation, no stray exception", async (t) => {
  setLogLevel("silent"); // the reader logs each repaired file's warning again in this thread
  const all = await variants();
  const reader = new NirReader({ timeout_ms: 5_000 });
  const outcome: Record<string, number> = {};
  const count = (k: string) => (outcome[k] = (outcome[k] ?? 0) + 1);
  try {
    for (const [label, bytes] of all) {
      let d: NirDocument | undefined;
      try {
        d = await reader.read(bytes, label);
      } catch (e) {
        assert.ok(
          e instanceof SpikeflowError,
          `${label}: expected a typed error or a result, got ${String(e)}`,
        );
        assert.ok(e.message.startsWith(`${label}: `), `${label}: the message names the file: ${e.message}`);
        count(`read: ${e.code}`);
        continue;
      }
      assert.equal(d.graph.type, "NIRGraph", label);
      count("read: ok");
      captureLogs(() => {
        try {
          nirToNetwork(d!, { dt_s: 1e-4, file: label });
          count("import: ok");
        } catch (e) {
          assert.ok(e instanceof SpikeflowError, `${label}: import threw ${String(e)}`);
          count(`import: ${e.code}`);
        }
      });
    }
  } finally {
    await reader.close();
  }
  const s = reader.stats;
  t.diagnostic(`${all.length} variants: ${JSON.stringify(outcome)}; reader ${JSON.stringify(s)}`);

  assert.ok(all.length >= 1100, `${all.length} variants`);
  assert.equal(s.reads, all.length);
  assert.equal(s.timeouts, 0, "no read hit the time budget");
  assert.ok(s.maxHeapBytes <= 256 * 2 ** 20, `h5wasm's memory peaked at ${s.maxHeapBytes} bytes`);
  assert.ok((outcome["read: ok"] ?? 0) > 50, "some variants are still valid files");
  assert.ok((outcome["read: format"] ?? 0) > 500, "most are rejected as damaged");
});
