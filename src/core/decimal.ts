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
