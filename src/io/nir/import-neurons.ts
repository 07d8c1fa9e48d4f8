/**
 * One NIR neuron node -> one engine population (pure), for import.ts, which documents the conventions:
 * time in seconds -> ms, "exact" or "euler" (LIF through tau' = -dt / ln(1 - dt/tau)), IF and I "per-step"
 * (C = dt / r) or "ode" (C = 1000 / r), v >= v_threshold, the caller's reset mode, state at rest.
 */
// Limitation: an I node's r must be one value for the population (the engine's Integrator takes one
// capacitance); every other node's parameters may differ between neurons.
import { SpikeflowError, UnsupportedError } from "../../core/errors.ts";
import type { Population } from "../../network/types.ts";
import { AdaptiveLIF } from "../../neurons/adaptive-lif.ts";
import type { IntegrationMethod } from "../../neurons/first-order.ts";
import { IF } from "../../neurons/if.ts";
import { Input } from "../../neurons/input.ts";
import { Integrator } from "../../neurons/integrator.ts";
import { LI } from "../../neurons/li.ts";
import { LIF } from "../../neurons/lif.ts";
import type { ResetMode } from "../../neurons/lif.ts";
import { SynapticLIF } from "../../neurons/synaptic-lif.ts";
import { Threshold } from "../../neurons/threshold.ts";
import type { NirTensor } from "./graph.ts";
import type { FlatNode } from "./flatten.ts";

export type IntegratorMode = "per-step" | "ode";

/** What building a population needs to know. */
export interface NeuronContext {
  readonly file: string;
  readonly dt_s: number;
  readonly dt_ms: number;
  readonly reset: ResetMode;
  readonly method: IntegrationMethod;
  readonly integrators: IntegratorMode;
}

export function nodeError(ctx: NeuronContext, f: FlatNode, message: string): never {
  throw new UnsupportedError(`${ctx.file}: node ${JSON.stringify(f.path)} (${f.node.type}): ${message}`, {
    file: ctx.file,
    node: f.path,
  });
}

/** The one value of a parameter that every neuron shares, or an UnsupportedError naming node and field. */
function uniform(ctx: NeuronContext, f: FlatNode, field: string, t: NirTensor): number {
  const v = t.data[0];
  for (let k = 1; k < t.data.length; k++) {
    if (t.data[k] !== v) {
      nodeError(
        ctx,
        f,
        `${field} differs between neurons (${v} at 0, ${t.data[k]} at ${k}); spikeflow populations of this ` +
          `kind take one value per parameter (per-neuron values are supported for LIF, CubaLIF, IF, LI and ` +
          `Threshold)`,
      );
    }
  }
  return v;
}

/**
 * A parameter tensor as a model option: one number when every neuron has the same value (a scalar tensor, or
 * equal entries), else one per neuron; `map(value, field)` converts each (seconds to ms, r to C), `field`
 * naming the parameter, or the entry ("tau[3]") of one that differs, for its errors.
 */
function each(
  t: NirTensor,
  field: string,
  map: (x: number, field: string) => number = (x) => x,
): number | number[] {
  const first = t.data[0];
  if (t.data.every((x) => x === first)) return map(first, field);
  return Array.from(t.data, (x, k) => map(x, `${field}[${k}]`));
}

/**
 * The NIR tau (s) in ms, refused in the file's terms (seconds, dt_s) where forward Euler would be unstable
 * (dt > tau), before a model that integrates it is built.
 */
function nirTau_ms(ctx: NeuronContext, f: FlatNode, field: string, tau_s: number): number {
  const tau_ms = tau_s * 1000;
  const ratio = ctx.dt_ms / tau_ms;
  if (ctx.method === "euler" && ratio > 1) {
    nodeError(
      ctx,
      f,
      `${field} = ${tau_s} s is shorter than dt = ${ctx.dt_s} s: forward Euler would be unstable ` +
        `(1 - dt/tau = ${1 - ratio} < 0); import with method "exact" or a smaller dt_s`,
    );
  }
  return tau_ms;
}

/** Engine tau (ms) whose exact per-step decay equals the chosen method's decay for the NIR tau (s). */
function engineTau_ms(ctx: NeuronContext, f: FlatNode, field: string, tau_s: number): number {
  const tau_ms = nirTau_ms(ctx, f, field, tau_s);
  if (ctx.method === "exact") return tau_ms;
  const ratio = ctx.dt_ms / tau_ms;
  // decay 0 (dt = tau, a memoryless neuron): any tau with dt/tau > 745 gives exp(-dt/tau) = 0 exactly
  return ratio === 1 ? Number.MIN_VALUE : -ctx.dt_ms / Math.log1p(-ratio);
}

export function buildPopulation(ctx: NeuronContext, f: FlatNode, size: number): Population {
  const n = f.node;
  const reset = ctx.reset;
  const gainToCapacitance = (r: number, field = "r"): number => {
    if (!(r > 0)) nodeError(ctx, f, `${field} = ${r}; an integrator needs r > 0`);
    return ctx.integrators === "per-step" ? ctx.dt_ms / r : 1000 / r;
  };
  try {
    switch (n.type) {
      case "Input":
        return new Input(size);
      case "LIF": {
        const differs = (t: NirTensor): boolean => t.data.some((x) => x !== t.data[0]);
        // parameters that differ between neurons: a LIF with per-neuron values (docs/models/lif.md); thresholds
        // alone that differ stay an AdaptiveLIF with frozen offsets (below), except with a subtract reset,
        // which that model's drop (v_th + theta - v_reset) would not give
        if (
          [n.tau, n.v_leak, n.v_reset, n.r].some(differs) ||
          (reset === "subtract" && differs(n.v_threshold))
        ) {
          return new LIF(size, ctx.dt_ms, {
            tauMem_ms: each(n.tau, "tau", (tau, field) => engineTau_ms(ctx, f, field, tau)),
            vRest_mV: each(n.v_leak, "v_leak"),
            vReset_mV: each(n.v_reset, "v_reset"),
            vThreshold_mV: each(n.v_threshold, "v_threshold"),
            resistance_MOhm: each(n.r, "r"),
            tRef_ms: 0,
            reset,
          });
        }
        const p = {
          tauMem_ms: engineTau_ms(ctx, f, "tau", uniform(ctx, f, "tau", n.tau)),
          vRest_mV: uniform(ctx, f, "v_leak", n.v_leak),
          vReset_mV: uniform(ctx, f, "v_reset", n.v_reset),
          tRef_ms: 0,
          resistance_MOhm: uniform(ctx, f, "r", n.r),
          reset,
        };
        const th = n.v_threshold.data;
        const varies = th.some((x) => x !== th[0]);
        if (!varies) return new LIF(size, ctx.dt_ms, { ...p, vThreshold_mV: th[0] });
        const base = Math.min(...th);
        const pop = new AdaptiveLIF(size, ctx.dt_ms, {
          ...p,
          vThreshold_mV: base,
          thetaPlus_mV: 0,
          tauTheta_ms: Infinity,
        });
        const theta = pop.theta_mV;
        for (let i = 0; i < size; i++) theta[i] = th.length === 1 ? 0 : th[i] - base;
        return pop;
      }
      // per-neuron tensors give per-neuron parameters (docs/models/if.md, synaptic-lif.md, li.md)
      case "IF":
        return new IF(size, ctx.dt_ms, {
          capacitance_nF: each(n.r, "r", (r, field) => gainToCapacitance(r, field)),
          vThreshold_mV: each(n.v_threshold, "v_threshold"),
          vReset_mV: each(n.v_reset, "v_reset"),
          tRef_ms: 0,
          reset,
        });
      case "CubaLIF": {
        const tau = (t: NirTensor, field: string) => each(t, field, (x, at) => nirTau_ms(ctx, f, at, x));
        return new SynapticLIF(size, ctx.dt_ms, {
          tauSyn_ms: tau(n.tau_syn, "tau_syn"),
          tauMem_ms: tau(n.tau_mem, "tau_mem"),
          vRest_mV: each(n.v_leak, "v_leak"),
          vReset_mV: each(n.v_reset, "v_reset"),
          vThreshold_mV: each(n.v_threshold, "v_threshold"),
          resistance_MOhm: each(n.r, "r"),
          wIn: each(n.w_in, "w_in"),
          reset,
          method: ctx.method,
        });
      }
      case "LI":
        return new LI(size, ctx.dt_ms, {
          tauMem_ms: each(n.tau, "tau", (tau, field) => nirTau_ms(ctx, f, field, tau)),
          vRest_mV: each(n.v_leak, "v_leak"),
          resistance_MOhm: each(n.r, "r"),
          method: ctx.method,
        });
      case "I":
        return new Integrator(size, ctx.dt_ms, {
          capacitance_nF: gainToCapacitance(uniform(ctx, f, "r", n.r)),
        });
      case "Threshold":
        return new Threshold(size, ctx.dt_ms, {
          threshold_nA: n.threshold.data.length === 1 ? n.threshold.data[0] : n.threshold.data,
        });
      default:
        return nodeError(ctx, f, "is not a stateful node");
    }
  } catch (e) {
    if (e instanceof UnsupportedError || !(e instanceof SpikeflowError)) throw e;
    return nodeError(ctx, f, `cannot be built: ${e.message}`);
  }
}
