/**
 * Numbers written by people (command-line options, grid specifications such as "20:75:5"): decimal notation
 * only, exactly as written: an optional minus sign, digits with an optional point, an optional exponent
 * ("250", "-1", "0.5", ".5", "1e-4", "1E+3"). `Number()` alone would also read "0x10" as 16, "0b11" as 3,
 * "" as 0, " 25" and "+25" as 25; a leading "+" or a space is refused here too, so that a value means one
 * thing (lists such as "20, 40" trim around their separators themselves).
 */
const DECIMAL = /^-?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/** The number written in decimal in `text`, or NaN. */
export function decimal(text: string): number {
  return DECIMAL.test(text) ? Number(text) : NaN;
}

/**
 * The exact decimal product of a whole number `n` and `x` as `String(x)` writes it, in plain notation:
 * timesDecimal(1048576, 0.1) is "104857.6", where 1048576 * 0.1 in float64 prints 104857.6 only by luck and
 * toPrecision(6) prints 104858, which reads as more than it is. For messages that state a limit in units.
 */
export function timesDecimal(n: number, x: number): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(String(x));
  if (!Number.isSafeInteger(n) || m === null) return String(n * x);
  const [, sign, whole, frac = "", exp = "0"] = m;
  const product = BigInt(whole + frac) * BigInt(Math.abs(n));
  const scale = frac.length - Number(exp); // decimal places of the product
  const negative = (sign === "-") !== n < 0 && product !== 0n;
  let text = product.toString();
  if (scale <= 0) {
    text += "0".repeat(product === 0n ? 0 : -scale);
  } else {
    text = text.padStart(scale + 1, "0");
    text = `${text.slice(0, -scale)}.${text.slice(-scale)}`.replace(/\.?0+$/, "");
  }
  return (negative ? "-" : "") + text;
}
