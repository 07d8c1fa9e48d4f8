/**
 * Model A of Brunel, "Dynamics of sparsely connected networks of excitatory and inhibitory spiking neurons",
 * J. Comput. Neurosci. 8:183-208 (2000): N_E excitatory and N_I = N_E / 4 inhibitory LIF neurons with the
 * same parameters, delta synapses, one conduction delay D, and external Poisson input. Built from ordinary
 * engine parts: two `LIF` populations ("exc", "inh"), four `Sparse.fixedInDegree` projections with
 * `delay_ms`, and two `PoissonInputDrive`s. docs/models/lif.md, docs/projections.md ("Conduction delays"),
 * docs/inputs.md (PoissonInputDrive); examples/from-papers/brunel-2000/.
 *
 * Neurons (the paper's values; voltages measured from rest, as in the paper, so v_rest = 0 mV):
 *   tau dV/dt = -V + R I(t),   tau = 20 ms;  spike when V >= theta = 20 mV;  V <- V_r = 10 mV;
 *   refractory tau_rp = 2 ms (held at V_r, input discarded, docs/conventions.md).
 * Synapses: R I(t) = tau sum_j J_j sum_k delta(t - t_j^k - D), so every spike arriving at a neuron makes its
 *   potential jump by J_j: J (0.1 mV) from an excitatory neuron, -g J from an inhibitory one, D = 1.5 ms
 *   after the spike. LIF's default port `dv_mV` is that jump.
 * Connectivity: every neuron receives exactly C_E = round(eps N_E) excitatory and C_I = round(eps N_I)
 *   inhibitory inputs from distinct neurons drawn uniformly (eps = 0.1), no neuron from itself.
 * External input: C_E independent Poisson sources per neuron, each at nu_ext = eta nu_thr, each spike a jump
 *   J, where nu_thr = theta / (J C_E tau) is the rate at which the external input alone brings the mean
 *   potential to threshold.
 * Start: V uniform in [V_r, theta) per neuron (our choice; the paper gives none), so the network does not
 *   begin with one synchronous volley.
 *
 * Mean field (the paper's diffusion approximation, derived again here): a neuron receives C_E excitatory inputs at rate nu
 * (model A: both populations fire at the same rate), C_I inhibitory ones at nu and C_E external ones at
 * nu_ext. In the diffusion approximation (many small jumps) the free membrane potential has the mean mu and
 * the standard deviation sigma
 *
 *   mu    = tau J (C_E nu_ext + C_E nu - g C_I nu)            = C_E J tau (nu_ext + nu (1 - g gamma))
 *   sigma = J sqrt(tau (C_E nu_ext + C_E nu + g^2 C_I nu))    = J sqrt(C_E tau (nu_ext + nu (1 + g^2 gamma)))
 *
 * with gamma = C_I / C_E, and the stationary rate solves the self-consistency nu = phi(mu(nu), sigma(nu)),
 * where phi is the mean first-passage rate of the LIF under white noise (the Siegert formula, paper eq. 21):
 *
 *   1 / phi = tau_rp + tau sqrt(pi) int_{(V_r - mu)/sigma}^{(theta - mu)/sigma} e^(u^2) (1 + erf u) du.
 *
 * The integrand is erfcx(-u) (erfcx(x) = e^(x^2) erfc(x)), which is evaluated without overflow below, and the
 * integral is scaled by e^(-M^2), M = max((theta - mu)/sigma, 0), so that a deep sub-threshold regime gives a
 * rate that underflows to 0 rather than Infinity / Infinity.
 *
 * Random streams (from `seed`): "brunel-2000" + "v-init" (initial potentials, excitatory then inhibitory),
 * + "exc->exc", "exc->inh", "inh->exc", "inh->inh" (the inputs of each projection, post neuron by post
 * neuron), + "external" + "exc" / "inh" (the Poisson counts). `net.reset()` restores the initial potentials
 * and drops spikes in flight but does not rewind the drives' streams: to repeat a run exactly, build the
 * network again with the same seed.
 *
 * D is the time from a spike to the jumps it causes, as in the paper and as NEST counts its delay: the
 * projections get `delay_ms: D - dt`, since the engine's delivery is the first step of it (docs/projections.md),
 * so a spike found in step s moves its targets' potentials in step s + D / dt (15 steps later at the defaults).
 * Brian2's `delay` does not count that step: Brian2 with delay 1.5 ms is `D_ms: 1.6` here.
 * Limitation: the mean field is the diffusion approximation: it neglects the size of the jumps (J / sigma)
 * and the correlations between inputs (of order eps), and a stationary solution may be unstable (the
 * synchronous states of Fig. 8 A, B and D), where the network's rate can differ from it.
 */
import {
  InvalidParameterError,
  TimeStepError,
  describeValue,
  requireInteger,
  requireNonNegative,
  requirePositive,
} from "../core/errors.ts";
import { requireKnownKeys } from "../core/options.ts";
import { createRng } from "../core/rng.ts";
import { isWholeCount, msToSteps } from "../core/time.ts";
import { Network } from "../network/network.ts";
import { PoissonInputDrive } from "../network/poisson-input.ts";
import { LIF } from "../neurons/lif.ts";
import { Sparse } from "../projections/sparse.ts";

// ---------------------------------------------------------------------------------------------------------
// The mean field

const SQRT_PI = Math.sqrt(Math.PI);

/**
 * The scaled complementary error function erfcx(x) = e^(x^2) erfc(x), for every x. It is 1 at 0, falls as
 * 1 / (x sqrt(pi)) for large x, and for x < 0 equals 2 e^(x^2) - erfcx(-x), which overflows to Infinity
 * below x = -26.6 (the value is beyond float64 there). Relative error below 1e-14 (tested against values
 * computed to 30 digits).
 *
 *   0 <= x < 1:  e^(x^2) - (2 / sqrt(pi)) sum_{n>=0} 2^n x^(2n+1) / (1 3 5 ... (2n+1))   (terms all positive;
 *                the subtraction loses at most a factor e / erfcx(1) = 6.4 in relative precision)
 *   x >= 1:      1 / (sqrt(pi) (x + (1/2) / (x + 1 / (x + (3/2) / (x + 2 / (x + ...))))))  (continued fraction,
 *                evaluated by the modified Lentz method; under 200 terms at x = 1, 57 at x = 2)
 */
export function erfcx(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 * Math.exp(x * x) - erfcx(-x);
  if (x < 1) {
    const x2 = 2 * x * x;
    let term = x;
    let sum = x;
    for (let n = 0; term > 1e-17 * sum; n++) {
      term *= x2 / (2 * n + 3);
      sum += term;
    }
    return Math.exp(x * x) - (2 / SQRT_PI) * sum;
  }
  if (x === Infinity) return 0;
  // f = b0 + a1 / (b1 + a2 / (b2 + ...)) with b_k = x, a_k = k / 2
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 10_000; k++) {
    const a = k / 2;
    d = x + a * d;
    if (d === 0) d = tiny;
    c = x + a / c;
    if (c === 0) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return 1 / (SQRT_PI * f);
}

/** Most evaluations of the integrand in one `siegertRate_Hz`; past it the pieces are not refined further. */
const MAX_EVALUATIONS = 1_000_000;

/**
 * Adaptive Simpson quadrature of f over [a, b] to an absolute tolerance `tol`, or to a relative 1e-14 of a
 * piece where `tol` is below the rounding of its values (recursion depth <= 50). `budget.left` counts down
 * the evaluations still allowed.
 */
function adaptiveSimpson(
  f: (u: number) => number,
  a: number,
  b: number,
  tol: number,
  budget: { left: number },
): number {
  const fa = f(a);
  const fb = f(b);
  const m = (a + b) / 2;
  const fm = f(m);
  budget.left -= 3;
  const whole = ((b - a) / 6) * (fa + 4 * fm + fb);
  const step = (
    lo: number,
    hi: number,
    flo: number,
    fmid: number,
    fhi: number,
    estimate: number,
    eps: number,
    depth: number,
  ): number => {
    const mid = (lo + hi) / 2;
    const fl = f((lo + mid) / 2);
    const fr = f((mid + hi) / 2);
    budget.left -= 2;
    const left = ((mid - lo) / 6) * (flo + 4 * fl + fmid);
    const right = ((hi - mid) / 6) * (fmid + 4 * fr + fhi);
    const diff = left + right - estimate;
    // converged, or at the rounding floor of the values (a tolerance below it could never be met)
    const floor = Math.max(15 * eps, 1e-14 * Math.abs(left + right));
    if (depth <= 0 || budget.left <= 0 || Math.abs(diff) <= floor) return left + right + diff / 15;
    return (
      step(lo, mid, flo, fl, fmid, left, eps / 2, depth - 1) +
      step(mid, hi, fmid, fr, fhi, right, eps / 2, depth - 1)
    );
  };
  return step(a, b, fa, fm, fb, whole, tol, 50);
}

/**
 * The integral of an increasing f >= 0 over [lo, hi] whose steepest part is at hi, where it varies on the
 * scale 1 / (2 (1 + M)): 16 equal panels, plus panels that halve in width towards hi down to that scale, so
 * that a rough Simpson sum over them sees the peak; it sets the tolerance (a relative 1e-12) of the adaptive
 * quadrature of each panel.
 */
function integrateToTop(f: (u: number) => number, lo: number, hi: number, M: number): number {
  const edges = new Set<number>();
  for (let k = 0; k <= 16; k++) edges.add(k === 16 ? hi : lo + ((hi - lo) * k) / 16);
  for (let d = (hi - lo) / 32; d > 1 / (16 * (1 + M)); d /= 2) edges.add(hi - d);
  const points = [...edges].sort((x, y) => x - y);
  let rough = 0;
  for (let k = 0; k + 1 < points.length; k++) {
    const [x0, x1] = [points[k], points[k + 1]];
    rough += ((x1 - x0) / 6) * (f(x0) + 4 * f((x0 + x1) / 2) + f(x1));
  }
  const tol = (1e-12 * rough) / (points.length - 1);
  const budget = { left: MAX_EVALUATIONS };
  let integral = 0;
  for (let k = 0; k + 1 < points.length; k++) {
    integral += adaptiveSimpson(f, points[k], points[k + 1], tol, budget);
  }
  return integral;
}

/** The single neuron of the mean field: the paper's values are the defaults of `brunel2000MeanField`. */
export interface LifRateNeuron {
  /** Membrane time constant tau, ms, > 0. */
  readonly tauMem_ms: number;
  /** Threshold theta, mV above rest. */
  readonly theta_mV: number;
  /** Reset V_r, mV above rest, below theta. */
  readonly vReset_mV: number;
  /** Refractory period tau_rp, ms, >= 0. */
  readonly tRef_ms: number;
}

function requireRateNeuron(what: string, n: LifRateNeuron): void {
  requirePositive(`${what}: tauMem_ms`, n.tauMem_ms);
  requireNonNegative(`${what}: tRef_ms`, n.tRef_ms);
  if (!(Number.isFinite(n.theta_mV) && Number.isFinite(n.vReset_mV) && n.vReset_mV < n.theta_mV)) {
    throw new InvalidParameterError(
      `${what}: vReset_mV (${n.vReset_mV}) and theta_mV (${n.theta_mV}) must be finite with vReset_mV < ` +
        `theta_mV`,
    );
  }
}

/**
 * The Siegert rate (paper eq. 21) in Hz of a LIF whose free potential has mean `mu_mV` and standard
 * deviation `sigma_mV` (white-noise input, tau dV/dt = -V + mu + sigma sqrt(tau) xi(t)):
 *
 *   1 / rate = tau_rp + tau sqrt(pi) int_{(V_r - mu)/sigma}^{(theta - mu)/sigma} erfcx(-u) du.
 *
 * sigma = 0 gives the noiseless rate, 1 / (tau_rp + tau ln((mu - V_r) / (mu - theta))) for mu > theta, else
 * 0. The integral is computed by adaptive Simpson quadrature to a relative 1e-12, on the integrand scaled by
 * e^(-M^2), M = max((theta - mu)/sigma, 0) (no overflow for any mu, sigma), with panels graded towards the
 * upper limit where the scaled integrand has its peak of width 1 / (2 M); a rate below about 1e-300 Hz is 0.
 */
export function siegertRate_Hz(mu_mV: number, sigma_mV: number, neuron: LifRateNeuron): number {
  if (typeof neuron !== "object" || neuron === null) {
    throw new InvalidParameterError(
      `siegertRate_Hz needs the neuron { tauMem_ms, theta_mV, vReset_mV, tRef_ms } as its third argument, got ` +
        `${describeValue(neuron)}`,
    );
  }
  requireKnownKeys("siegertRate_Hz neuron", neuron, ["tauMem_ms", "theta_mV", "vReset_mV", "tRef_ms"]);
  requireRateNeuron("siegertRate_Hz", neuron);
  if (!Number.isFinite(mu_mV)) {
    throw new InvalidParameterError(`siegertRate_Hz: mu_mV must be a finite number, got ${mu_mV}`);
  }
  requireNonNegative("siegertRate_Hz: sigma_mV", sigma_mV);
  const { tauMem_ms: tau, theta_mV: theta, vReset_mV: vr, tRef_ms } = neuron;
  if (sigma_mV === 0) {
    if (mu_mV <= theta) return 0;
    return 1000 / (tRef_ms + tau * Math.log((mu_mV - vr) / (mu_mV - theta)));
  }
  const lo = (vr - mu_mV) / sigma_mV;
  const hi = (theta - mu_mV) / sigma_mV;
  const M = Math.max(hi, 0);
  const scale = Math.exp(-M * M);
  // erfcx(-u) e^(-M^2); for u > 0, erfcx(-u) = 2 e^(u^2) - erfcx(u) and u^2 - M^2 = (u - M)(u + M) <= 0
  const h = (u: number): number =>
    u <= 0 ? erfcx(-u) * scale : 2 * Math.exp((u - M) * (u + M)) - erfcx(u) * scale;
  const integral = integrateToTop(h, lo, hi, M);
  // T = tau sqrt(pi) e^(M^2) integral, in logarithms: e^(M^2) alone overflows past M = 26.6
  const logT = Math.log(tau * SQRT_PI * integral) + M * M;
  if (logT > 700) return 0;
  return 1000 / (tRef_ms + Math.exp(logT));
}

/** The network of `brunel2000MeanField`: the paper's neuron and in-degrees, and the two control parameters. */
export interface Brunel2000MeanFieldInput extends Partial<LifRateNeuron> {
  /** Relative strength of inhibition g (inhibitory jump -g J), >= 0. */
  readonly g: number;
  /** External rate relative to threshold, eta = nu_ext / nu_thr, >= 0. */
  readonly eta: number;
  /** Excitatory jump J in mV, > 0. Default 0.1. */
  readonly J_mV?: number;
  /** Excitatory inputs per neuron C_E (also the number of external sources), an integer >= 1. Default 1000. */
  readonly C_E?: number;
  /** Inhibitory inputs per neuron C_I, an integer >= 0. Default C_E / 4 (250). */
  readonly C_I?: number;
}

export interface Brunel2000MeanField {
  /** The lowest stationary rate in Hz (the only one for the paper's four states of Fig. 8). */
  readonly rate_Hz: number;
  /**
   * Every stationary rate found, ascending. More than one only in some excitation-dominated networks (g < 4,
   * eta < 1): then three, a near-silent one, an intermediate one where F = phi - nu rises through 0 (unstable
   * under the iteration nu <- phi(nu)), and one near saturation.
   */
  readonly solutions_Hz: readonly number[];
  /** Mean and standard deviation of the free potential at `rate_Hz`. */
  readonly mu_mV: number;
  readonly sigma_mV: number;
  /** nu_thr = theta / (J C_E tau) and nu_ext = eta nu_thr, Hz. */
  readonly nuThr_Hz: number;
  readonly nuExt_Hz: number;
}

/**
 * The stationary rate of model A in the mean field: the solutions nu of nu = phi(mu(nu), sigma(nu)) (module
 * comment; phi is `siegertRate_Hz`). F(nu) = phi(nu) - nu is >= 0 at nu = 0 and < 0 at 1 / tau_rp (phi never
 * reaches the refractory limit), so a root always exists. F is evaluated on a grid (0, then 200 points
 * spaced evenly in log from 1e-4 Hz to 1 / tau_rp) and every change of sign, either way, is refined by
 * bisection to a relative 1e-12. Limitation: two roots closer than one grid interval (a ratio of 1.06), or a root where F
 * touches 0 without changing sign, are missed; `solutions_Hz` then lists the others.
 */
export function brunel2000MeanField(input: Brunel2000MeanFieldInput): Brunel2000MeanField {
  if (typeof input !== "object" || input === null) {
    throw new InvalidParameterError(
      `brunel2000MeanField needs { g, eta }, e.g. brunel2000MeanField({ g: 5, eta: 2 }); got ${describeValue(input)}`,
    );
  }
  requireKnownKeys("brunel2000MeanField input", input, [
    "g",
    "eta",
    "J_mV",
    "C_E",
    "C_I",
    "tauMem_ms",
    "theta_mV",
    "vReset_mV",
    "tRef_ms",
  ]);
  const neuron: LifRateNeuron = {
    tauMem_ms: input.tauMem_ms ?? 20,
    theta_mV: input.theta_mV ?? 20,
    vReset_mV: input.vReset_mV ?? 10,
    tRef_ms: input.tRef_ms ?? 2,
  };
  requireRateNeuron("brunel2000MeanField", neuron);
  if (neuron.tRef_ms <= 0) {
    throw new InvalidParameterError(
      `brunel2000MeanField: tRef_ms must be > 0 (the refractory period bounds the rate the solver searches), ` +
        `got ${neuron.tRef_ms}`,
    );
  }
  if (neuron.theta_mV <= 0) {
    throw new InvalidParameterError(
      `brunel2000MeanField: theta_mV is measured from rest and must be > 0 (nu_thr = theta / (J C_E tau)), ` +
        `got ${neuron.theta_mV}`,
    );
  }
  const g = requireNonNegative("brunel2000MeanField: g", input.g);
  const eta = requireNonNegative("brunel2000MeanField: eta", input.eta);
  const J = requirePositive("brunel2000MeanField: J_mV", input.J_mV ?? 0.1);
  const cE = requireInteger("brunel2000MeanField: C_E", input.C_E ?? 1000, 1);
  const cI = requireInteger("brunel2000MeanField: C_I", input.C_I ?? cE / 4, 0);
  const tau = neuron.tauMem_ms;
  const nuThr = neuron.theta_mV / (J * cE * tau); // per ms
  const nuExt = eta * nuThr;
  const moments = (nu_Hz: number): [number, number] => {
    const nu = nu_Hz / 1000;
    const mu = tau * J * (cE * nuExt + cE * nu - g * cI * nu);
    const sigma = J * Math.sqrt(tau * (cE * nuExt + cE * nu + g * g * cI * nu));
    return [mu, sigma];
  };
  const F = (nu_Hz: number): number => {
    const [mu, sigma] = moments(nu_Hz);
    return siegertRate_Hz(mu, sigma, neuron) - nu_Hz;
  };
  const nuMax = 1000 / neuron.tRef_ms;
  const grid = [0];
  const points = 200;
  const logLo = Math.log(1e-4);
  const logHi = Math.log(nuMax);
  for (let k = 0; k <= points; k++) grid.push(Math.exp(logLo + ((logHi - logLo) * k) / points));
  const solutions: number[] = [];
  let prev = F(0);
  if (prev === 0) solutions.push(0);
  for (let k = 1; k < grid.length; k++) {
    const value = F(grid[k]);
    if (value === 0) solutions.push(grid[k]);
    else if ((prev > 0 && value < 0) || (prev < 0 && value > 0)) {
      // a stable solution (F falls through 0) or an unstable one between two stable ones (F rises)
      let lo = grid[k - 1];
      let hi = grid[k];
      const rising = value > 0;
      for (let it = 0; it < 200 && hi - lo > 1e-12 * hi; it++) {
        const mid = (lo + hi) / 2;
        if (F(mid) > 0 === rising) hi = mid;
        else lo = mid;
      }
      solutions.push((lo + hi) / 2);
    }
    prev = value;
  }
  // F(nuMax) < 0 and F(0) >= 0, so the scan finds at least one root
  const rate_Hz = solutions[0];
  const [mu_mV, sigma_mV] = moments(rate_Hz);
  return {
    rate_Hz,
    solutions_Hz: Object.freeze(solutions),
    mu_mV,
    sigma_mV,
    nuThr_Hz: nuThr * 1000,
    nuExt_Hz: nuExt * 1000,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The network

export interface Brunel2000Options {
  /** Relative strength of inhibition g: an inhibitory spike is a jump of -g J. Default 5 (Fig. 8C). */
  readonly g?: number;
  /** External rate nu_ext / nu_thr. Default 2 (Fig. 8C). */
  readonly eta?: number;
  /** Network size relative to the paper's: N_E = round(10000 scale), N_I = round(2500 scale). Default 1. */
  readonly scale?: number;
  /** Connection probability eps: C_E = round(eps N_E), C_I = round(eps N_I), in (0, 1). Default 0.1. */
  readonly eps?: number;
  /** Excitatory jump J in mV, > 0. Default 0.1. */
  readonly J_mV?: number;
  /**
   * Delay D in ms from a spike to the jumps it causes (NEST's convention; Brian2's delay is D - dt), a whole
   * number of steps, at least one. Default 1.5.
   */
  readonly D_ms?: number;
  /** Time step in ms; D and tau_rp = 2 ms must be whole numbers of steps. Default 0.1. */
  readonly dt_ms?: number;
  /** Seed of the initial potentials, the connectivity and the external input, an integer >= 0. Default 1. */
  readonly seed?: number;
}

/** What `brunel2000` built, in the paper's symbols. */
export interface Brunel2000Parameters {
  readonly N_E: number;
  readonly N_I: number;
  readonly C_E: number;
  readonly C_I: number;
  readonly g: number;
  readonly eta: number;
  readonly eps: number;
  readonly J_mV: number;
  readonly D_ms: number;
  readonly dt_ms: number;
  readonly tauMem_ms: number;
  readonly theta_mV: number;
  readonly vReset_mV: number;
  readonly tRef_ms: number;
  /** nu_thr = theta / (J C_E tau) and nu_ext = eta nu_thr, Hz. */
  readonly nuThr_Hz: number;
  readonly nuExt_Hz: number;
  readonly seed: number;
}

export interface Brunel2000 {
  readonly net: Network;
  /** Population "exc" (N_E neurons) and population "inh" (N_I). */
  readonly exc: LIF;
  readonly inh: LIF;
  /** Projections "exc->exc", "exc->inh" (weight J), "inh->exc", "inh->inh" (weight -g J), all with delay D. */
  readonly projections: {
    readonly ee: Sparse;
    readonly ei: Sparse;
    readonly ie: Sparse;
    readonly ii: Sparse;
  };
  /** The external Poisson input: run with `net.run(drives, steps)`. */
  readonly drives: { readonly exc: PoissonInputDrive; readonly inh: PoissonInputDrive };
  readonly params: Brunel2000Parameters;
  /** The mean-field stationary rate of this network (its own C_E, C_I, J, g, eta). */
  readonly meanField: Brunel2000MeanField;
}

const OPTION_KEYS = ["g", "eta", "scale", "eps", "J_mV", "D_ms", "dt_ms", "seed"];

/**
 * Builds model A (module comment). Run it with `net.run(drives, steps)`, e.g. `msToSteps(1000, dt_ms)` steps
 * for 1 s. The full network (scale 1) has 12,500 neurons and 15.6 million synapses (about 125 MB).
 */
export function brunel2000(options: Brunel2000Options = {}): Brunel2000 {
  requireKnownKeys("brunel2000 options", options, OPTION_KEYS);
  const g = requireNonNegative("brunel2000: g", options.g ?? 5);
  const eta = requireNonNegative("brunel2000: eta", options.eta ?? 2);
  const scale = requirePositive("brunel2000: scale", options.scale ?? 1);
  const eps = requirePositive("brunel2000: eps", options.eps ?? 0.1);
  if (eps >= 1) {
    throw new InvalidParameterError(
      `brunel2000: eps must be below 1 (a connection probability; no neuron connects to itself), got ${eps}`,
    );
  }
  const J = requirePositive("brunel2000: J_mV", options.J_mV ?? 0.1);
  const D = requireNonNegative("brunel2000: D_ms", options.D_ms ?? 1.5);
  const dt_ms = requirePositive("brunel2000: dt_ms", options.dt_ms ?? 0.1);
  const seed = requireInteger("brunel2000: seed", options.seed ?? 1, 0);
  const tauMem_ms = 20;
  const theta_mV = 20;
  const vReset_mV = 10;
  const tRef_ms = 2;
  const refSteps = tRef_ms / dt_ms;
  if (!isWholeCount(refSteps) || Math.round(refSteps) < 1) {
    throw new TimeStepError(
      `brunel2000: dt_ms = ${dt_ms} does not divide the refractory period tau_rp = 2 ms into whole steps; ` +
        `use a step such as 0.1, 0.05 or 0.2 ms`,
      { dt_ms },
    );
  }
  msToSteps(D, dt_ms, "brunel2000: D_ms");
  if (D < dt_ms) {
    throw new InvalidParameterError(
      `brunel2000: D_ms = ${D} is shorter than one step (dt_ms = ${dt_ms}); the engine delivers a spike one step ` +
        `after it at the earliest, so D is at least dt`,
      { D_ms: D, dt_ms },
    );
  }

  const nE = Math.round(10_000 * scale);
  const nI = Math.round(2_500 * scale);
  const cE = Math.round(eps * nE);
  const cI = Math.round(eps * nI);
  if (cI < 1) {
    throw new InvalidParameterError(
      `brunel2000: scale ${scale} and eps ${eps} give N_E = ${nE}, N_I = ${nI} and C_I = round(eps N_I) = ` +
        `${cI} inhibitory inputs per neuron; every neuron needs at least one: use a larger scale or eps ` +
        `(C_I >= 1 needs eps N_I >= 0.5)`,
      { scale, eps },
    );
  }
  if (cE > nE - 1 || cI > nI - 1) {
    throw new InvalidParameterError(
      `brunel2000: scale ${scale} and eps ${eps} give C_E = ${cE} of N_E = ${nE} and C_I = ${cI} of N_I = ` +
        `${nI}; a neuron draws its inputs from the others of its population: use a smaller eps or a larger scale`,
      { scale, eps },
    );
  }
  const nuThr = theta_mV / (J * cE * tauMem_ms); // per ms
  const nuExt_Hz = eta * nuThr * 1000;
  if ((nuExt_Hz * dt_ms) / 1000 > 1) {
    throw new InvalidParameterError(
      `brunel2000: eta = ${eta} gives an external rate nu_ext = ${+nuExt_Hz.toPrecision(6)} Hz per source (nu_thr = ` +
        `${+(nuThr * 1000).toPrecision(6)} Hz with C_E = ${cE}), more than one spike per step of ${dt_ms} ms; use a smaller ` +
        `eta or dt_ms, or a larger network (scale, eps)`,
      { eta, dt_ms },
    );
  }

  const net = new Network({ dt_ms, learning: false });
  const init = createRng(seed, "brunel-2000", "v-init");
  const vInit = (n: number): Float32Array => {
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = vReset_mV + (theta_mV - vReset_mV) * init.float();
    return v;
  };
  const lif = (n: number) => ({
    tauMem_ms,
    vRest_mV: 0,
    vReset_mV,
    vThreshold_mV: theta_mV,
    tRef_ms,
    reset: "to-value" as const,
    vInit_mV: vInit(n),
  });
  const exc = net.addPopulation("exc", new LIF(nE, dt_ms, lif(nE)));
  const inh = net.addPopulation("inh", new LIF(nI, dt_ms, lif(nI)));
  const connect = (source: LIF, target: LIF, k: number, weight: number, name: string): Sparse =>
    net.addProjection(
      name,
      Sparse.fixedInDegree(source, target, {
        k,
        weight,
        rng: createRng(seed, "brunel-2000", name),
        // D is the paper's time from a spike to the jumps it causes; the engine's delivery is one step of it
        delay_ms: +(D - dt_ms).toPrecision(12),
        dt_ms,
      }),
    );
  const projections = {
    ee: connect(exc, exc, cE, J, "exc->exc"),
    ei: connect(exc, inh, cE, J, "exc->inh"),
    ie: connect(inh, exc, cI, -g * J, "inh->exc"),
    ii: connect(inh, inh, cI, -g * J, "inh->inh"),
  };
  const drive = (n: number, name: string) =>
    new PoissonInputDrive(n, {
      sources: cE,
      rate_Hz: nuExt_Hz,
      weight: J,
      dt_ms,
      rng: createRng(seed, "brunel-2000", "external", name),
    });
  const drives = { exc: drive(nE, "exc"), inh: drive(nI, "inh") };
  const params: Brunel2000Parameters = Object.freeze({
    N_E: nE,
    N_I: nI,
    C_E: cE,
    C_I: cI,
    g,
    eta,
    eps,
    J_mV: J,
    D_ms: D,
    dt_ms,
    tauMem_ms,
    theta_mV,
    vReset_mV,
    tRef_ms,
    nuThr_Hz: nuThr * 1000,
    nuExt_Hz,
    seed,
  });
  const meanField = brunel2000MeanField({
    g,
    eta,
    J_mV: J,
    C_E: cE,
    C_I: cI,
    tauMem_ms,
    theta_mV,
    vReset_mV,
    tRef_ms,
  });
  return {
    net,
    exc,
    inh,
    projections: Object.freeze(projections),
    drives: Object.freeze(drives),
    params,
    meanField,
  };
}
