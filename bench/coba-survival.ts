/**
 * Survival of the COBA benchmark network (bench/coba-network.ts): from some initial states its activity dies
 * out within about 100 ms, from others it settles into self-sustained firing near 19 Hz. This counts the
 * networks that keep their activity over many seeds and checks that spikeflow and Brian2 agree on it:
 *
 * 1. spikeflow's own networks, seeds 1..S, with spikeflow's integration ("exact": every conductance's mean
 *    over the step) and with Brian2's exponential Euler reproduced ("euler": weights and initial conductances
 *    divided by a_k, so that the step holds g_k at its start-of-step value; docs/models/coba-lif.md).
 * 2. With --brian2: Brian2's own networks, seeds 1..S (bench/peers/coba_brian2_survival.py, numpy target),
 *    and the same networks (Brian2's connections and initial state, read back from .npz) run by spikeflow in
 *    both modes: how often the fates agree, seed by seed.
 *
 * A network is sustained when its last 50 ms hold more than 200 spikes (a mean rate above 1 Hz; the dying
 * ones have none). Not a test. Writes bench/results/coba-survival.json (without --brian2 the Brian2 part of
 * the file, if any, is kept).
 * Usage: npm run bench:coba-survival [-- --seeds 100] [-- --duration-ms 300] [-- --brian2]
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeNpz } from "../src/io/npz.ts";
import { CobaLIF } from "../src/neurons/coba-lif.ts";
import { COBA_DT_MS, buildCobaNetwork } from "./coba-network.ts";
import type { CobaInstance } from "./coba-network.ts";
import { machine, packageVersion, writeResult } from "./common.ts";

const outFile = new URL("./results/coba-survival.json", import.meta.url).pathname;
const USAGE = "usage: npm run bench:coba-survival [-- --seeds N] [--duration-ms T] [--brian2]";
const args = process.argv.slice(2);
for (let k = 0; k < args.length; k++) {
  if (args[k] === "--seeds" || args[k] === "--duration-ms") k++;
  else if (args[k] !== "--brian2") {
    console.error(`bench:coba-survival: unknown argument ${JSON.stringify(args[k])}; ${USAGE}`);
    process.exit(2);
  }
}
const arg = (name: string, fallback: number, least: number): number => {
  const k = args.indexOf(name);
  const v = k >= 0 ? Number(args[k + 1]) : fallback;
  if (!Number.isInteger(v) || v < least) {
    console.error(
      `bench:coba-survival: ${name} must be an integer >= ${least}, got ${args[k + 1]}; ${USAGE}`,
    );
    process.exit(2);
  }
  return v;
};
const seeds = arg("--seeds", 100, 1);
// the last 50 ms decide whether a network is sustained
const durationMs = arg("--duration-ms", 300, 100);
const SUSTAINED_LAST_50MS = 200;

interface Fate {
  seed: number;
  spikes: number;
  spikes_first_20ms: number;
  spikes_last_50ms: number;
}
type Mode = "exact" | "euler";

/** a_k of the benchmark's synapses (the CobaLIF defaults, 5 and 10 ms, at dt 0.1 ms). */
const SYN_MEAN = new CobaLIF(1, COBA_DT_MS).derived.synMean;

function run(seed: number, mode: Mode, instance?: CobaInstance): Fate {
  const scale: [number, number] = mode === "euler" ? [1 / SYN_MEAN[0], 1 / SYN_MEAN[1]] : [1, 1];
  const c = buildCobaNetwork(seed, scale, instance);
  c.net.run({}, Math.round(durationMs / COBA_DT_MS));
  const fate: Fate = { seed, spikes: 0, spikes_first_20ms: 0, spikes_last_50ms: 0 };
  for (const m of c.monitors) {
    for (let k = 0; k < m.count; k++) {
      const t = m.steps[k] * COBA_DT_MS;
      fate.spikes++;
      if (t < 20) fate.spikes_first_20ms++;
      if (t >= durationMs - 50) fate.spikes_last_50ms++;
    }
  }
  return fate;
}

const sustained = (f: Fate): boolean => f.spikes_last_50ms > SUSTAINED_LAST_50MS;
const count = (fs: readonly Fate[]): string => `${fs.filter(sustained).length} of ${fs.length}`;

const own: Record<Mode, Fate[]> = { exact: [], euler: [] };
for (let seed = 1; seed <= seeds; seed++) {
  for (const mode of ["exact", "euler"] as const) own[mode].push(run(seed, mode));
}

/** Brian2's networks (numpy target) and spikeflow on the same networks. */
function brian2Part(): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), "coba-survival-"));
  try {
    const script = new URL("./peers/coba_brian2_survival.py", import.meta.url).pathname;
    const r = spawnSync("/usr/bin/python3", [script, String(seeds), String(durationMs), dir], {
      encoding: "utf8",
      timeout: 7_200_000,
    });
    if (r.status !== 0) {
      return { error: (r.stderr || r.error?.message || "failed").trim().split("\n").slice(-3).join(" | ") };
    }
    const peer = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { brian2: string; seeds: Fate[] };
    const same: Record<Mode, Fate[]> = { exact: [], euler: [] };
    for (const { seed } of peer.seeds) {
      const z = decodeNpz(new Uint8Array(readFileSync(join(dir, `net${seed}.npz`))), `net${seed}.npz`);
      const data = (key: string) => z[key].data as ArrayLike<number>;
      const instance: CobaInstance = {
        excPre: data("exc_i"),
        excPost: data("exc_j"),
        inhPre: data("inh_i"),
        inhPost: data("inh_j"),
        v_mV: data("v"),
        gExc_nS: data("ge"),
        gInh_nS: data("gi"),
      };
      for (const mode of ["exact", "euler"] as const) same[mode].push(run(seed, mode, instance));
    }
    const agree = (fs: readonly Fate[]) =>
      `${fs.filter((f, k) => sustained(f) === sustained(peer.seeds[k])).length} of ${fs.length}`;
    const sameFirst20 = (fs: readonly Fate[]) =>
      `${fs.filter((f, k) => f.spikes_first_20ms === peer.seeds[k].spikes_first_20ms).length} of ${fs.length}`;
    return {
      brian2: peer.brian2,
      target: "numpy",
      sustained: count(peer.seeds),
      seeds: peer.seeds,
      spikeflow_on_brian2_networks: {
        exact: {
          sustained: count(same.exact),
          fate_agrees: agree(same.exact),
          first_20ms_identical: sameFirst20(same.exact),
          seeds: same.exact,
        },
        euler: {
          sustained: count(same.euler),
          fate_agrees: agree(same.euler),
          first_20ms_identical: sameFirst20(same.euler),
          seeds: same.euler,
        },
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Brian2's part: measured now with --brian2, else the file's if it was measured with the same seeds and duration. */
function keptBrian2Part(): Record<string, unknown> | undefined {
  if (!existsSync(outFile)) return undefined;
  const old = JSON.parse(readFileSync(outFile, "utf8")) as {
    seeds?: number;
    duration_ms?: number;
    brian2?: Record<string, unknown>;
  };
  return old.seeds === seeds && old.duration_ms === durationMs ? old.brian2 : undefined;
}
const brian2 = args.includes("--brian2") ? brian2Part() : keptBrian2Part();

const result = {
  benchmark: `COBA network survival: seeds 1-${seeds}, ${durationMs} ms at dt 0.1 ms, sustained = more than ${SUSTAINED_LAST_50MS} spikes in the last 50 ms`,
  spikeflow: packageVersion(),
  date: new Date().toISOString(),
  machine: machine(),
  seeds,
  duration_ms: durationMs,
  spikeflow_networks: {
    exact: { sustained: count(own.exact), seeds: own.exact },
    euler: { sustained: count(own.euler), seeds: own.euler },
  },
  ...(brian2 === undefined ? {} : { brian2 }),
};
writeResult(outFile, result);
console.log(
  `COBA survival, seeds 1-${seeds}, ${durationMs} ms: spikeflow's networks sustained ${count(own.exact)} ` +
    `(spikeflow's step), ${count(own.euler)} (Brian2's exponential Euler reproduced)` +
    (brian2 && "sustained" in brian2
      ? `; Brian2's networks in Brian2 ${String(brian2.sustained)}, in spikeflow ` +
        JSON.stringify(brian2.spikeflow_on_brian2_networks, (k, v) => (k === "seeds" ? undefined : v))
      : ""),
);
