/**
 * Numbers written by people (command-line options, grid specifications such as "20:75:5"): decimal notation
 * only. `Number()` alone would also read "0x10" as 16, "0b11" as 3 and "" as 0.
 */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/** The number written in decimal in `text` (spaces around it allowed), or NaN. */
export function decimal(text: string): number {
  return DECIMAL.test(text.trim()) ? Number(text) : NaN;
}
