/**
 * The unit names an equation string may use, as constants of spikeflow's unit system (docs/conventions.md):
 * ms, mV, nA, uS, nF and MOhm are 1, and they are consistent with one another (MOhm x nA = mV,
 * MOhm x nF = ms, uS x mV = nA, nF x mV / ms = nA), so an expression in them needs no conversion factor.
 * Every other name is its size in those units: a second is 1000 ms, a hertz 0.001 per ms, a volt 1000 mV.
 * So `20*ms` is 20 and `0.02*second` is 20 too, and an equation copied from Brian2 runs as written.
 *
 * Length is outside that system: a metre is 1, so a length is a number of metres, an area of square metres, and
 * a density times an area comes out in spikeflow's units (100*msiemens/cm**2 * 20000*umetre**2 is 20, in uS).
 *
 * The names are Brian2's (its short forms and its spelled-out prefixed forms), plus spikeflow's own `MOhm`,
 * `pS`, `fA`, `fF` and `nm`.
 * Nothing checks that the units of an equation agree (docs/models/equations.md, Limitations).
 */

/** A unit of the table: its value in spikeflow's units and the quantity it measures. */
export interface UnitConstant {
  readonly value: number;
  readonly quantity: string;
}

function group(quantity: string, entries: Record<string, number>): [string, UnitConstant][] {
  return Object.entries(entries).map(([name, value]) => [name, Object.freeze({ value, quantity })]);
}

/** Every unit name an equation may use, with its value in spikeflow's units (ms, mV, nA, uS, nF, MOhm). */
export const EQUATION_UNITS: Readonly<Record<string, UnitConstant>> = Object.freeze(
  Object.fromEntries([
    ...group("time", {
      second: 1000,
      ms: 1,
      msecond: 1,
      us: 1e-3,
      usecond: 1e-3,
      nsecond: 1e-6,
      psecond: 1e-9,
    }),
    ...group("frequency", { hertz: 1e-3, Hz: 1e-3, kHz: 1, khertz: 1, MHz: 1e3, Mhertz: 1e3 }),
    ...group("potential", { volt: 1e3, mV: 1, mvolt: 1, uvolt: 1e-3, nvolt: 1e-6 }),
    ...group("current", {
      amp: 1e9,
      mA: 1e6,
      mamp: 1e6,
      uA: 1e3,
      uamp: 1e3,
      nA: 1,
      namp: 1,
      pA: 1e-3,
      pamp: 1e-3,
      fA: 1e-6,
      famp: 1e-6,
    }),
    ...group("conductance", {
      siemens: 1e6,
      mS: 1e3,
      msiemens: 1e3,
      uS: 1,
      usiemens: 1,
      nS: 1e-3,
      nsiemens: 1e-3,
      pS: 1e-6,
      psiemens: 1e-6,
    }),
    ...group("capacitance", {
      farad: 1e9,
      uF: 1e3,
      ufarad: 1e3,
      nF: 1,
      nfarad: 1,
      pF: 1e-3,
      pfarad: 1e-3,
      fF: 1e-6,
      ffarad: 1e-6,
    }),
    ...group("resistance", { ohm: 1e-6, kohm: 1e-3, Mohm: 1, MOhm: 1, Gohm: 1e3 }),
    // length has no unit of spikeflow's own: the metre is 1 (see the file header)
    ...group("length", {
      metre: 1,
      meter: 1,
      cm: 1e-2,
      cmetre: 1e-2,
      cmeter: 1e-2,
      mm: 1e-3,
      mmetre: 1e-3,
      mmeter: 1e-3,
      um: 1e-6,
      umetre: 1e-6,
      umeter: 1e-6,
      nm: 1e-9,
      nmetre: 1e-9,
      nmeter: 1e-9,
    }),
    ...group("area", { metre2: 1, meter2: 1, cm2: 1e-4, mm2: 1e-6, um2: 1e-12 }),
  ]),
);

/** The value of a unit name in spikeflow's units, or undefined when it is not one. */
export function unitValue(name: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(EQUATION_UNITS, name) ? EQUATION_UNITS[name].value : undefined;
}
