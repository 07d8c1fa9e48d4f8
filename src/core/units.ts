/**
 * Hints for parameters given in SI base units. spikeflow's parameters carry their unit in their name (mV, nS,
 * nF, MOhm, ms); Brian2 stores quantities in SI base units, so a value copied from its namespace or its
 * `.variables` arrives as -0.065 (volts) for -65 mV, 1e-8 (siemens) for 10 nS, 2e-10 (farads) for 0.2 nF or
 * 1e8 (ohms) for 100 MOhm. Such a model runs without error and means something else, so the constructor warns
 * (once per message, id `si-units`, which `muteWarning` takes) with the value the parameter would have in its
 * own unit. Time constants have their own hint (src/core/time.ts: shorter than the step).
 *
 * Potentials: the rest, reset and threshold potentials of a model look like volts when every one given lies
 * within 0.2 of zero and one of them is at -0.01 or below (a membrane in volts rests near -0.07). Models in
 * normalised units (rest 0, threshold 1) are left alone, as is a small increment such as thetaPlus_mV.
 * Magnitudes: a positive conductance (`_nS`) below 1e-4, a capacitance (`_nF`) below 1e-5 and a resistance
 * (`_MOhm`) above 1e5 are outside any neuron's range by four orders of magnitude or more.
 */
import { log } from "./log.ts";

/** Id of the warning for parameters that look like SI base units (`muteWarning` takes it). */
export const SI_UNITS = "si-units";

const POTENTIAL_KEYS = ["vRest_mV", "vReset_mV", "vThreshold_mV"];

interface Magnitude {
  readonly suffix: string;
  readonly looksSi: (x: number) => boolean;
  readonly si: string;
  readonly factor: number;
}

const MAGNITUDES: readonly Magnitude[] = [
  { suffix: "_nS", looksSi: (x) => x > 0 && x < 1e-4, si: "siemens", factor: 1e9 },
  { suffix: "_nF", looksSi: (x) => x > 0 && x < 1e-5, si: "farads", factor: 1e9 },
  { suffix: "_MOhm", looksSi: (x) => x > 1e5, si: "ohms", factor: 1e-6 },
];

/** The numbers of a parameter: itself, or every entry of a per-neuron list; none for anything else. */
function numbersOf(v: unknown): readonly number[] {
  if (typeof v === "number") return [v];
  if (Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))) {
    return Array.from(v as ArrayLike<unknown>).filter((x): x is number => typeof x === "number");
  }
  return [];
}

const inUnit = (x: number, factor: number): number => +(x * factor).toPrecision(6);

/**
 * Warns when `params` of `model` look like SI base units (above). Reads the top-level keys only; call it with
 * the merged parameters, after they were checked.
 */
export function warnIfSiUnits(model: string, params: object): void {
  const p = params as Record<string, unknown>;
  const potentials = POTENTIAL_KEYS.filter((k) => numbersOf(p[k]).length > 0);
  const values = potentials.flatMap((k) => numbersOf(p[k]));
  if (values.length > 0 && values.every((x) => Math.abs(x) < 0.2) && values.some((x) => x <= -0.01)) {
    const shown = potentials.map((k) => `${k} = ${describe(p[k])}`).join(", ");
    const fixed = potentials.map((k) => `${k}: ${describe(p[k], 1000)}`).join(", ");
    log.warn(
      SI_UNITS,
      `${model}: ${shown} look like volts (Brian2 stores potentials in volts); potentials are in mV here: ` +
        `write ${fixed}; if they are meant, muteWarning("${SI_UNITS}") silences this`,
      { once: true },
    );
  }
  for (const [key, v] of Object.entries(p)) {
    const m = MAGNITUDES.find((mm) => key.endsWith(mm.suffix));
    if (m === undefined) continue;
    const xs = numbersOf(v);
    if (xs.length === 0 || !xs.every(m.looksSi)) continue;
    log.warn(
      SI_UNITS,
      `${model}: ${key} = ${describe(v)} looks like ${m.si} (Brian2's unit); ${key} is in ` +
        `${m.suffix.slice(1)}: write ${describe(v, m.factor)}; if it is meant, muteWarning("${SI_UNITS}") ` +
        `silences this`,
      { once: true },
    );
  }
}

/** One number as given (times `factor`), or a per-neuron list by its first entry. */
function describe(v: unknown, factor = 1): string {
  const xs = numbersOf(v);
  if (typeof v === "number") return String(factor === 1 ? v : inUnit(v, factor));
  const first = factor === 1 ? xs[0] : inUnit(xs[0], factor);
  return `[${first}, ...] (${xs.length} values${factor === 1 ? "" : `, each times ${factor}`})`;
}
