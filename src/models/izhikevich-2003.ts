/**
 * The pulse-coupled network of Izhikevich, "Simple model of spiking neurons", IEEE Trans. Neural Networks
 * 14:1569-1572 (2003), Fig. 3: 800 excitatory and 200 inhibitory Izhikevich neurons, all-to-all coupled,
 * driven by random thalamic input, at dt = 1 ms. Built from ordinary engine parts: one `Izhikevich`
 * population with per-neuron parameters, one `Dense` projection onto itself into the input port "i", and a
 * `NoiseCurrentDrive`. docs/models/izhikevich.md; examples/from-papers/izhikevich-2003/.
 *
 * Heterogeneity (r uniform in [0, 1), one draw per neuron):
 *   excitatory: a = 0.02, b = 0.2,             c = -65 + 15 r^2 mV, d = 8 - 6 r^2
 *   inhibitory: a = 0.02 + 0.08 r, b = 0.25 - 0.05 r, c = -65 mV,  d = 2
 * Coupling: from an excitatory neuron 0.5 U[0, 1), from an inhibitory one -U[0, 1), onto every neuron
 * (itself included, as in the paper's matrix). Input: I = 5 N(0, 1) (excitatory), 2 N(0, 1) (inhibitory),
 * redrawn every step. Start: v = -65 mV, u = b v.
 *
 * Timing is the paper's: a spike found at the end of step t (v >= 30 mV) adds its column of weights to the
 * input of step t + 1, which is what the paper's loop does when it finds the spike at the top of its next
 * iteration. Random streams (from `seed`): "izhikevich-2003" + "cells" (r per neuron, excitatory first),
 * "weights" (row by row, presynaptic neuron outer), "thalamus" (the input, neuron order, step after step).
 * `net.reset()` does not rewind the thalamus stream: to repeat a run exactly, build the network again.
 * The cells' a, b, c, d are construction options, not saved by `networkParameters`: restore only into a
 * network built with the same seed and sizes.
 */
import { InvalidParameterError, requireInteger } from "../core/errors.ts";
import { requireKnownKeys } from "../core/options.ts";
import { createRng } from "../core/rng.ts";
import { Network } from "../network/network.ts";
import { NoiseCurrentDrive } from "../network/noise-drive.ts";
import { Izhikevich } from "../neurons/izhikevich.ts";
import { MAX_WEIGHTS } from "../projections/common.ts";
import { Dense } from "../projections/dense.ts";

export interface Izhikevich2003Options {
  /** Excitatory neurons (the first ones). Default 800. */
  readonly excitatory?: number;
  /** Inhibitory neurons (after them). Default 200. */
  readonly inhibitory?: number;
  /** Seed of the cells, weights and input. Default 1. */
  readonly seed?: number;
}

export interface Izhikevich2003 {
  readonly net: Network;
  /** Population "cortex": excitatory neurons 0 .. excitatory - 1, then the inhibitory ones. */
  readonly neurons: Izhikevich;
  /** Projection "cortex->cortex", weights [pre][post]. */
  readonly synapses: Dense;
  /** The thalamic input: pass it to `run` as `{ cortex: thalamus }`. */
  readonly thalamus: NoiseCurrentDrive;
  readonly excitatory: number;
  readonly inhibitory: number;
}

/** Builds the 2003 network (dt = 1 ms). Run it with `net.run({ cortex: thalamus }, 1000)` for the paper's 1 s. */
export function izhikevich2003(options: Izhikevich2003Options = {}): Izhikevich2003 {
  requireKnownKeys("izhikevich2003 options", options, ["excitatory", "inhibitory", "seed"]);
  const ne = options.excitatory ?? 800;
  const ni = options.inhibitory ?? 200;
  const seed = options.seed ?? 1;
  requireInteger("izhikevich2003: excitatory", ne, 0);
  requireInteger("izhikevich2003: inhibitory", ni, 0);
  const n = ne + ni;
  if (n < 1) throw new InvalidParameterError("izhikevich2003: the network needs at least one neuron");
  if (n * n > MAX_WEIGHTS) {
    throw new InvalidParameterError(
      `izhikevich2003: ${n} neurons coupled all to all need ${n * n} weights; one projection holds at most ` +
        `${MAX_WEIGHTS} (${Math.floor(Math.sqrt(MAX_WEIGHTS))} neurons)`,
    );
  }

  const cells = createRng(seed, "izhikevich-2003", "cells");
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const c = new Float64Array(n);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = cells.float();
    if (i < ne) {
      a[i] = 0.02;
      b[i] = 0.2;
      c[i] = -65 + 15 * r * r;
      d[i] = 8 - 6 * r * r;
    } else {
      a[i] = 0.02 + 0.08 * r;
      b[i] = 0.25 - 0.05 * r;
      c[i] = -65;
      d[i] = 2;
    }
  }
  const dt_ms = 1;
  const net = new Network({ dt_ms, learning: false });
  const neurons = net.addPopulation("cortex", new Izhikevich(n, dt_ms, { a, b, c_mV: c, d }));

  const draw = createRng(seed, "izhikevich-2003", "weights");
  const w = new Float32Array(n * n);
  for (let pre = 0; pre < n; pre++) {
    for (let post = 0; post < n; post++) {
      w[pre * n + post] = pre < ne ? 0.5 * draw.float() : -draw.float();
    }
  }
  const synapses = net.addProjection(
    "cortex->cortex",
    new Dense(neurons, neurons, { weights: w, port: "i" }),
  );

  const sd = new Float64Array(n);
  for (let i = 0; i < n; i++) sd[i] = i < ne ? 5 : 2;
  const thalamus = new NoiseCurrentDrive(sd, n, createRng(seed, "izhikevich-2003", "thalamus"), {
    port: "i",
  });
  return { net, neurons, synapses, thalamus, excitatory: ne, inhibitory: ni };
}
