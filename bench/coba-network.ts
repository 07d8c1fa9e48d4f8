/**
 * The COBA benchmark network (Vogels & Abbott 2005; Brette et al. 2007, benchmark 1) as bench/coba.ts and
 * bench/coba-survival.ts build it: 4000 `CobaLIF` neurons with their defaults (C 200 pF, g_L 10 nS, E_L
 * -60 mV, V_t -50 mV, V_r -60 mV, refractory 5 ms, E_e 0 mV, E_i -80 mV, tau_e 5 ms, tau_i 10 ms), 3200
 * excitatory and 800 inhibitory, every ordered pair connected with p = 0.02 (self-pairs included), w_e 6 nS,
 * w_i 67 nS, dt = 0.1 ms. Initial v uniform in [V_r, V_t], initial g_e = max(0, 1.5 N(0,1) + 4) x 10 nS and
 * g_i = max(0, 12 N(0,1) + 20) x 10 nS.
 *
 * `conductanceScale` multiplies the weights and the initial conductances of each port (exc, inh). With
 * 1 / a_k (a_k = `derived.synMean[k]`, the step mean of a decaying conductance relative to its start value)
 * the step equals Brian2's exponential Euler, which holds g_k at its start-of-step value over the step
 * (docs/models/coba-lif.md); the default [1, 1] is spikeflow's own integration.
 */
import { createRng } from "../src/core/rng.ts";
import { SpikeMonitor } from "../src/network/monitors.ts";
import { Network } from "../src/network/network.ts";
import { COBA_BENCHMARK_WEIGHTS, CobaLIF } from "../src/neurons/coba-lif.ts";
import { Sparse } from "../src/projections/sparse.ts";

export const COBA_N = 4000;
export const COBA_N_EXC = 3200;
export const COBA_DT_MS = 0.1;

/** One network's connections and initial state, given from outside (e.g. Brian2's, bench/coba-survival.ts). */
export interface CobaInstance {
  /** Synapses of the excitatory and the inhibitory sources: pre index within its group, post index 0-3999. */
  readonly excPre: ArrayLike<number>;
  readonly excPost: ArrayLike<number>;
  readonly inhPre: ArrayLike<number>;
  readonly inhPost: ArrayLike<number>;
  /** Initial v (mV), g_e and g_i (nS), indexed 0-3999 (excitatory first). */
  readonly v_mV: ArrayLike<number>;
  readonly gExc_nS: ArrayLike<number>;
  readonly gInh_nS: ArrayLike<number>;
}

export interface CobaNetwork {
  readonly net: Network;
  readonly exc: CobaLIF;
  readonly inh: CobaLIF;
  readonly monitors: readonly [SpikeMonitor, SpikeMonitor];
}

/** The network of `seed` (spikeflow's own draws), or the one `instance` describes. */
export function buildCobaNetwork(
  seed: number,
  conductanceScale: readonly [number, number] = [1, 1],
  instance?: CobaInstance,
): CobaNetwork {
  const net = new Network({ dt_ms: COBA_DT_MS, learning: false });
  const pe = net.addPopulation("exc", new CobaLIF(COBA_N_EXC, COBA_DT_MS));
  const pi = net.addPopulation("inh", new CobaLIF(COBA_N - COBA_N_EXC, COBA_DT_MS));
  const [se, si] = conductanceScale;
  const rng = createRng(seed, "coba", "init");
  for (const [pop, offset] of [
    [pe, 0],
    [pi, COBA_N_EXC],
  ] as const) {
    for (let i = 0; i < pop.size; i++) {
      const k = offset + i;
      // the draws stay in this order (v, g_e, g_i per neuron) so that a seed keeps its network
      pop.v_mV[i] = instance ? instance.v_mV[k] : -60 + rng.float() * 10;
      pop.g_nS[0][i] = se * (instance ? instance.gExc_nS[k] : Math.max(0, 1.5 * rng.normal() + 4) * 10);
      pop.g_nS[1][i] = si * (instance ? instance.gInh_nS[k] : Math.max(0, 12 * rng.normal() + 20) * 10);
    }
  }
  for (const [src, srcName, weight] of [
    [pe, "exc", COBA_BENCHMARK_WEIGHTS.exc_nS * se],
    [pi, "inh", COBA_BENCHMARK_WEIGHTS.inh_nS * si],
  ] as const) {
    for (const [tgt, tgtName, lo] of [
      [pe, "exc", 0],
      [pi, "inh", COBA_N_EXC],
    ] as const) {
      const proj = instance
        ? fromInstance(instance, srcName, src, tgt, lo, weight)
        : Sparse.random(src, tgt, {
            p: 0.02,
            weight,
            rng: createRng(seed, "coba", srcName, tgtName),
            port: srcName,
            allowSelf: true,
          });
      net.addProjection(`${srcName}->${tgtName}`, proj);
    }
  }
  const monitors = [net.addMonitor(new SpikeMonitor(pe)), net.addMonitor(new SpikeMonitor(pi))] as const;
  return { net, exc: pe, inh: pi, monitors };
}

/** The synapses of `instance` from the `srcName` group onto the targets lo .. lo + tgt.size - 1. */
function fromInstance(
  instance: CobaInstance,
  srcName: "exc" | "inh",
  src: CobaLIF,
  tgt: CobaLIF,
  lo: number,
  weight: number,
): Sparse {
  const preAll = srcName === "exc" ? instance.excPre : instance.inhPre;
  const postAll = srcName === "exc" ? instance.excPost : instance.inhPost;
  const pre: number[] = [];
  const post: number[] = [];
  for (let k = 0; k < preAll.length; k++) {
    const j = postAll[k] - lo;
    if (j >= 0 && j < tgt.size) {
      pre.push(preAll[k]);
      post.push(j);
    }
  }
  return Sparse.fromTriplets(
    src,
    tgt,
    { pre: Int32Array.from(pre), post: Int32Array.from(post), w: weight },
    { port: srcName },
  );
}
