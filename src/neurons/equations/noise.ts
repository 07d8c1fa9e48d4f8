/**
 * White noise in the equations (Brian2's `xi`, `xi_1`, ...: units of 1/sqrt(time)): each derivative is split
 * into its deterministic part f and its noise terms g*xi, dx/dt = f + sum of g_k xi_k, for the Euler-Maruyama
 * increment sqrt(dt) g_k N(0, 1) the code generator adds. Only additive noise: g_k must not depend on the state
 * variables (directly or through a sub-expression), as the increment is evaluated once at the start of the
 * step, which is an Ito scheme only for such g.
 */
import { UnsupportedError } from "../../core/errors.ts";
import { isNoise, namesIn } from "./analyse.ts";
import type { NoiseTerm, SubExpression, Variable } from "./analyse.ts";
import { splitLinear } from "./linear.ts";
import type { Expr, Source } from "./parse.ts";
import { quoteLine } from "./tokenize.ts";

/**
 * Each variable with its noise terms taken out of `rhs` (none when it has no noise); refuses noise that does
 * not enter as a term g*xi or whose g depends on a state variable (multiplicative noise).
 */
export function splitNoise(
  eq: Source,
  variables: readonly Variable[],
  subs: readonly SubExpression[],
): Variable[] {
  const states = new Set(variables.map((v) => v.name));
  // sub-expressions that depend on a state variable, in dependency order
  const stateful = new Set<string>();
  for (const s of subs)
    if (namesIn(s.expr).some((n) => states.has(n) || stateful.has(n))) stateful.add(s.name);

  return variables.map((v) => {
    const names = [...new Set(namesIn(v.rhs).filter(isNoise))];
    let rest: Expr = v.rhs;
    const noise: NoiseTerm[] = [];
    for (const name of names) {
      const r = splitLinear(rest, name);
      const where = (at: Expr) =>
        `equations line ${at.pos.line}, column ${quoteLine(eq.text, at.pos).column}`;
      if ("at" in r) {
        throw new UnsupportedError(
          `d${v.name}/dt: the noise ${name} must enter as a term g*${name} (g free of ${name}); found ` +
            `${r.why} at ${where(r.at)} ("${quoteLine(eq.text, v.pos).quote}")`,
          { variable: v.name, noise: name },
        );
      }
      const g = r.a as Expr;
      const state = namesIn(g).find((n) => states.has(n) || stateful.has(n));
      if (state !== undefined) {
        throw new UnsupportedError(
          `d${v.name}/dt: multiplicative noise is not supported: the factor of ${name} depends on the state ` +
            `variable${states.has(state) ? ` ${state}` : `s through the sub-expression ${state}`} ` +
            `("${quoteLine(eq.text, v.pos).quote}"); only additive noise (a factor of parameters, constants, t ` +
            `and i) is integrated (Euler-Maruyama), as Brian2's "euler" does`,
          { variable: v.name, noise: name },
        );
      }
      noise.push({ name, coefficient: g });
      rest = r.b ?? { kind: "number", value: 0, pos: v.rhs.pos };
    }
    return { ...v, rhs: rest, noise };
  });
}
