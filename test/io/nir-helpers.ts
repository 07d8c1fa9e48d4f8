// Shared helpers for the NIR tests: the fixture files (test/fixtures/nir, BSD-3-Clause, see LICENSE there),
// small graph builders and a runner that records spikes.
import { readFileSync } from "node:fs";
import type { Network } from "../../src/network/network.ts";
import type { NirDocument, NirGraph, NirLIF, NirNode, NirTensor } from "../../src/io/nir/graph.ts";
import { NIR_WRITE_VERSION } from "../../src/io/nir/graph.ts";
import { decodeNir, decodeNirSync } from "../../src/io/nir/codec.ts";
import { loadHdf5 } from "../../src/io/nir/hdf5.ts";
import { captureLogs } from "../../src/core/log.ts";
import type { LogRecord } from "../../src/core/log.ts";

export const FIXTURE_DIR = new URL("../fixtures/nir/", import.meta.url);

/** The NIR fixtures (eight .nir files from the NIR paper's repository). */
export const FIXTURES = [
  "lif_norse",
  "lif_rockpool",
  "two_lif_neurons",
  "cnn_sinabs",
  "braille_noDelay_bias_zero",
  "braille_noDelay_noBias_subtract",
  "braille_noDelay_bias_zero_subgraph",
  "braille_noDelay_noBias_subtract_subgraph",
] as const;

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`${name}.nir`, FIXTURE_DIR)));
}

/** Decodes a fixture in this thread and returns it with the warnings it logged. */
export async function readFixture(name: string): Promise<{ doc: NirDocument; logs: LogRecord[] }> {
  const bytes = fixtureBytes(name);
  const loaded = await loadHdf5();
  let doc: NirDocument | undefined;
  const logs = captureLogs(() => {
    doc = decodeNirSync(loaded, bytes, `${name}.nir`);
  });
  return { doc: doc!, logs };
}

export { decodeNir };

/** A float64 tensor. */
export function t(shape: readonly number[], values: readonly number[] | number): NirTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = typeof values === "number" ? new Float64Array(n).fill(values) : Float64Array.from(values);
  return { shape: [...shape], data };
}

export function graph(nodes: Record<string, NirNode>, edges: [string, string][]): NirGraph {
  return { type: "NIRGraph", nodes, edges };
}

export function doc(g: NirGraph): NirDocument {
  return { version: NIR_WRITE_VERSION, graph: g };
}

/** A LIF node of `n` neurons with the given scalars. */
export function lif(
  n: number,
  p: { tau: number; r?: number; v_leak?: number; v_threshold?: number; v_reset?: number },
): NirLIF {
  return {
    type: "LIF",
    tau: t([n], p.tau),
    r: t([n], p.r ?? 1),
    v_leak: t([n], p.v_leak ?? 0),
    v_threshold: t([n], p.v_threshold ?? 1),
    v_reset: t([n], p.v_reset ?? 0),
  };
}

/**
 * Runs `net` for `steps` steps, calling `feed(step)` before each (phase 2), and returns for each named
 * population its spike steps per neuron and, when asked, its v_mV trace (neuron 0).
 */
export function record(
  net: Network,
  steps: number,
  feed: (step: number) => void,
  pops: readonly string[],
): { spikes: Record<string, number[][]>; v: Record<string, number[]> } {
  const spikes: Record<string, number[][]> = {};
  const v: Record<string, number[]> = {};
  for (const p of pops) {
    spikes[p] = Array.from({ length: net.population(p).size }, () => []);
    v[p] = [];
  }
  let t0 = 0;
  net.addMonitor({
    record(step: number) {
      for (const p of pops) {
        const pop = net.population(p);
        for (let k = 0; k < pop.spikeCount; k++) spikes[p][pop.spikeIdx[k]].push(step - t0);
        if (pop.stateNames.includes("v_mV")) v[p].push(pop.state("v_mV")[0]);
      }
    },
    reset() {},
  });
  t0 = net.time;
  const drive = { apply: (s: number) => feed(s) };
  const anyPop = net.populationNames[0];
  net.run({ [anyPop]: drive }, steps);
  return { spikes, v };
}
