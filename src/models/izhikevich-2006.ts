/**
 * The polychronization network of Izhikevich, "Polychronization: computation with spikes", Neural Computation
 * 18:245-282 (2006), as its appendix and published code define it: 1000 Izhikevich neurons with axonal
 * conduction delays and STDP, at dt = 1 ms. Built from ordinary engine parts: one `Izhikevich` population
 * ("cortex"), two `Sparse` projections into its input port "i" (the excitatory one with one delay per
 * synapse and an STDP rule with the paper's pairing and once-a-second weight update), and a
 * `RandomNeuronDrive`. docs/models/izhikevich-2006.md; examples/from-papers/izhikevich-2006/.
 *
 * Neurons (the paper's eqs.; v in mV, t in ms, u and I in the paper's units):
 *   dv/dt = 0.04 v^2 + 5 v + 140 - u + I,   du/dt = a (b v - u);  v >= 30 mV: v <- c, u <- u + d
 *   excitatory (regular spiking): a = 0.02, b = 0.2, c = -65 mV, d = 8
 *   inhibitory (fast spiking):    a = 0.1,  b = 0.2, c = -65 mV, d = 2
 *   integrated as the published code does: two half steps of 0.5 ms for v, then one step for u (our
 *   `method: "izhikevich-2003"`). Start: v = -65 mV, u = 0.2 v.
 * Connectivity: every neuron has M = 100 postsynaptic targets, drawn uniformly one after another and redrawn
 *   when the draw is the neuron itself or a target already drawn: an excitatory neuron's from all N neurons,
 *   an inhibitory neuron's from the excitatory ones only. Weights: +6 from an excitatory neuron, -5 from an
 *   inhibitory one. The excitatory weights are plastic in [0, sm], sm = 10; the inhibitory ones fixed.
 * Delays: the j-th target drawn by an excitatory neuron (j = 0 .. M - 1) gets the delay 1 + floor(j / (M/D))
 *   ms, D = 20: M/D = 5 synapses per delay of 1 .. 20 ms. Inhibitory synapses have the delay 1 ms.
 *   Mapping: in the published loop a spike found at the top of iteration t with delay d is added to the
 *   input of iteration t + d - 1, the iteration integrated right after the one in which its target could
 *   fire at the earliest (registered at t + d). The engine finds the same spike at the end of step t - 1
 *   and delivers a spike of step s at step s + 1 + delay_ms / dt (docs/projections.md), so the same input
 *   iteration needs delay_ms = d - 1: 0 .. 19 ms for the excitatory synapses, 0 for the inhibitory ones.
 *   `delays_ms` returns the paper's d.
 * Input: in every 1 ms step one neuron drawn uniformly from all N gets I = 20 added (the "thalamic" input).
 * STDP (excitatory synapses, also those onto inhibitory neurons): with the arrival of a spike of neuron i at
 *   synapse (i, j) counted as in the published code (pairing "delivery", docs/plasticity.md), each pair adds
 *     +0.1  * 0.95^(dt)  to sd_ij when j fires dt >= 0 steps after the spike reaches j's input,
 *     -0.12 * 0.95^(dt)  when the spike is delivered dt + 1 >= 1 steps after j fired,
 *   with nearest-spike ("set") traces, into the synaptic derivative sd_ij; once per second
 *     w_ij <- min(10, max(0, w_ij + 0.01 + sd_ij)),   sd_ij <- 0.9 sd_ij.
 *   The programs decay both traces by 0.95 per 1 ms step and call it tau = 20 ms in a comment (which would
 *   be 0.951 per step). We follow the code: tau = -1 / ln 0.95 = 19.50 ms.
 *
 * Random streams (from `seed`): "izhikevich-2006" + "targets" (the targets, neuron by neuron, in draw order),
 * + "thalamus" (one draw per step). `net.reset()` restores v and u, drops spikes in flight and clears the
 * traces, but keeps the weights and sd and does not rewind the thalamus: to repeat a run, build it again.
 * Limitation: the paper's random numbers (C's rand()) cannot be reproduced, so runs match it in distribution
 * only; and sd is not saved by `networkParameters` (docs/plasticity.md).
 */
import { InvalidParameterError, requireInteger } from "../core/errors.ts";
import { requireKnownKeys } from "../core/options.ts";
import { createRng } from "../core/rng.ts";
import { Network } from "../network/network.ts";
import { RandomNeuronDrive } from "../network/random-neuron-drive.ts";
import { Izhikevich } from "../neurons/izhikevich.ts";
import { Stdp } from "../plasticity/stdp.ts";
import { Sparse } from "../projections/sparse.ts";

export interface Izhikevich2006Options {
  /** Excitatory neurons Ne (the first ones). Default 800. */
  readonly excitatory?: number;
  /** Inhibitory neurons Ni (after them). Default 200. */
  readonly inhibitory?: number;
  /** Postsynaptic targets per neuron M. Default 100. */
  readonly synapses?: number;
  /** Longest excitatory delay D in ms (delays 1 .. D, M / D synapses each; M a multiple of D). Default 20. */
  readonly maxDelay_ms?: number;
  /** Seed of the connectivity and the input, an integer >= 0. Default 1. */
  readonly seed?: number;
}

/** The paper's constants, as built. */
export const IZHIKEVICH_2006 = Object.freeze({
  /** Initial excitatory and (fixed) inhibitory weights. */
  wExc: 6,
  wInh: -5,
  /** Upper bound sm of the excitatory weights (lower bound 0). */
  wMax: 10,
  /** Thalamic input to one random neuron per step. */
  thalamicInput: 20,
  /** STDP amplitudes A+ (potentiation) and A- (depression). */
  aPlus: 0.1,
  aMinus: 0.12,
  /** Trace decay per 1 ms step in the published code, and its time constant -1 / ln 0.95 ms. */
  traceDecayPerStep: 0.95,
  traceTau_ms: -1 / Math.log(0.95),
  /** Once a second: w <- w + drift + sd, sd <- retain sd. */
  period_ms: 1000,
  drift: 0.01,
  retain: 0.9,
});

export interface Izhikevich2006 {
  readonly net: Network;
  /** Population "cortex": excitatory neurons 0 .. excitatory - 1, then the inhibitory ones. */
  readonly neurons: Izhikevich;
  /** Projection "excitatory": rows 0 .. Ne - 1 (M synapses each, per-synapse delays), bounds [0, 10]. */
  readonly exc: Sparse;
  /** Projection "inhibitory": rows Ne .. N - 1 (M synapses each, onto excitatory neurons), no added delay. */
  readonly inh: Sparse;
  /** The STDP rule on `exc` (its `derivative` is sd). */
  readonly stdp: Stdp;
  /** The thalamic input: pass it to `run` as `{ cortex: thalamus }`. */
  readonly thalamus: RandomNeuronDrive;
  /** The paper's delay d in ms of every excitatory synapse, in the CSR order of `exc` (engine delay d - 1). */
  readonly delays_ms: Int32Array;
  readonly excitatory: number;
  readonly inhibitory: number;
  readonly synapses: number;
  readonly maxDelay_ms: number;
}

/**
 * Builds the 2006 network (dt = 1 ms, learning on). Run it with `net.run({ cortex: thalamus }, 1000)` per
 * simulated second; the weights change at the end of every second (module comment).
 */
export function izhikevich2006(options: Izhikevich2006Options = {}): Izhikevich2006 {
  requireKnownKeys("izhikevich2006 options", options, [
    "excitatory",
    "inhibitory",
    "synapses",
    "maxDelay_ms",
    "seed",
  ]);
  const ne = requireInteger("izhikevich2006: excitatory", options.excitatory ?? 800, 1);
  const ni = requireInteger("izhikevich2006: inhibitory", options.inhibitory ?? 200, 0);
  const m = requireInteger("izhikevich2006: synapses", options.synapses ?? 100, 1);
  const maxDelay = requireInteger("izhikevich2006: maxDelay_ms", options.maxDelay_ms ?? 20, 1);
  const seed = requireInteger("izhikevich2006: seed", options.seed ?? 1, 0);
  const n = ne + ni;
  // the most distinct targets a neuron can have: all others, or with inhibitory neurons the excitatory ones
  const most = ni > 0 ? Math.min(n - 1, ne) : n - 1;
  if (m % maxDelay !== 0) {
    // a multiple near m that also fits the network
    const rounded = maxDelay * Math.max(1, Math.round(m / maxDelay));
    const near = rounded <= most ? rounded : maxDelay * Math.floor(most / maxDelay);
    const fits = near >= maxDelay ? `e.g. synapses ${near}` : `use more neurons or a shorter maxDelay_ms`;
    throw new InvalidParameterError(
      `izhikevich2006: synapses (${m}) must be a multiple of maxDelay_ms (${maxDelay}), so that every delay ` +
        `1 .. ${maxDelay} ms has synapses / maxDelay_ms synapses per neuron; ${fits}`,
      { synapses: m, maxDelay_ms: maxDelay },
    );
  }
  if (m > most) {
    throw new InvalidParameterError(
      `izhikevich2006: ${m} distinct targets per neuron need at least ${m + 1} neurons and, with inhibitory ` +
        `neurons (which target excitatory ones only), at least ${m} excitatory neurons; got ${ne} + ${ni}: use ` +
        `fewer synapses or more neurons`,
      { synapses: m, excitatory: ne, inhibitory: ni },
    );
  }
  const C = IZHIKEVICH_2006;
  const dt_ms = 1;
  const net = new Network({ dt_ms, learning: true });
  const a = new Float64Array(n);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = i < ne ? 0.02 : 0.1;
    d[i] = i < ne ? 8 : 2;
  }
  const neurons = net.addPopulation("cortex", new Izhikevich(n, dt_ms, { a, b: 0.2, c_mV: -65, d }));

  // targets in draw order: neuron i's j-th target in drawn[i * m + j]
  const draw = createRng(seed, "izhikevich-2006", "targets");
  const drawn = new Int32Array(n * m);
  const taken = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const pool = i < ne ? n : ne;
    for (let j = 0; j < m; j++) {
      let r: number;
      do r = draw.int(pool);
      while (r === i || taken[r] === 1);
      taken[r] = 1;
      drawn[i * m + j] = r;
    }
    for (let j = 0; j < m; j++) taken[drawn[i * m + j]] = 0;
  }

  // CSR rows: targets ascending (the Sparse layout), each with the paper's delay of its draw position
  const perDelay = m / maxDelay;
  const csr = (first: number, last: number, weight: number) => {
    const rows = last - first;
    const rowPtr = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) rowPtr[i + 1] = rowPtr[i] + (i >= first && i < last ? m : 0);
    const colIdx = new Int32Array(rows * m);
    const delays = new Int32Array(rows * m);
    const order = Array.from({ length: m }, (_, j) => j);
    for (let i = first; i < last; i++) {
      const base = i * m;
      order.sort((x, y) => drawn[base + x] - drawn[base + y]);
      for (let q = 0; q < m; q++) {
        colIdx[rowPtr[i] + q] = drawn[base + order[q]];
        delays[rowPtr[i] + q] = 1 + Math.floor(order[q] / perDelay);
      }
    }
    return { rowPtr, colIdx, w: new Float32Array(rows * m).fill(weight), delays };
  };
  const e = csr(0, ne, C.wExc);
  const i = csr(ne, n, C.wInh);
  // the paper's delay d is the engine's delay_ms d - 1 (module comment)
  const engineDelay = Array.from(e.delays, (x) => x - 1);
  const exc = net.addProjection(
    "excitatory",
    new Sparse(
      neurons,
      neurons,
      { rowPtr: e.rowPtr, colIdx: e.colIdx, w: e.w },
      {
        port: "i",
        bounds: { wMin: 0, wMax: C.wMax },
        delay_ms: engineDelay,
        dt_ms,
      },
    ),
  );
  const inh = net.addProjection(
    "inhibitory",
    new Sparse(neurons, neurons, { rowPtr: i.rowPtr, colIdx: i.colIdx, w: i.w }, { port: "i" }),
  );
  const trace = { tau_ms: C.traceTau_ms, mode: "set" as const, scale: 1 };
  const stdp = new Stdp(exc, "post-pre", dt_ms, {
    nuPre: C.aMinus,
    nuPost: C.aPlus,
    preTrace: trace,
    postTrace: trace,
    pairing: "delivery",
    deferred: { period_ms: C.period_ms, drift: C.drift, retain: C.retain },
  });
  const thalamus = new RandomNeuronDrive(n, {
    amplitude: C.thalamicInput,
    rng: createRng(seed, "izhikevich-2006", "thalamus"),
    port: "i",
  });
  return {
    net,
    neurons,
    exc,
    inh,
    stdp,
    thalamus,
    delays_ms: e.delays,
    excitatory: ne,
    inhibitory: ni,
    synapses: m,
    maxDelay_ms: maxDelay,
  };
}
