/**
 * The tokenizer of the equation language: numbers, names, operators and line ends, each with its line and
 * column; `#` comments and blanks skipped. Also the error every stage of the equation pipeline throws for a
 * place in a text (`sourceError`).
 */
import { InvalidParameterError } from "../../core/errors.ts";

/** Where a token or node starts in its text: line and column, both from 1. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** One text handed to the parser, named in its errors ("equations", "threshold", "reset"). */
export interface Source {
  readonly label: string;
  readonly text: string;
}

/** The most characters of a line an error quotes; a longer one is cut around the place. */
const QUOTE_CHARS = 100;

/**
 * Line `pos.line` of `text` as an error quotes it, without its indentation and cut to QUOTE_CHARS around the
 * place ("..." where cut), and the column of `pos` in that quote (from 1).
 */
export function quoteLine(text: string, pos: Position): { readonly quote: string; readonly column: number } {
  const raw = text.split(/\r\n|\r|\n/)[pos.line - 1] ?? "";
  const lead = raw.length - raw.trimStart().length;
  const line = raw.trim();
  const column = Math.max(1, Math.min(pos.column - lead, line.length + 1));
  if (line.length <= QUOTE_CHARS) return { quote: line, column };
  const from = Math.max(0, Math.min(column - 1 - QUOTE_CHARS / 2, line.length - QUOTE_CHARS));
  const to = from + QUOTE_CHARS;
  const quote = (from > 0 ? "..." : "") + line.slice(from, to) + (to < line.length ? "..." : "");
  return { quote, column: column - from + (from > 0 ? 3 : 0) };
}

/**
 * The InvalidParameterError of a problem at `pos` of `source`: where, what, and the line itself. The column in
 * the message counts in the quoted line (its indentation removed, so that it points into the quote); the
 * error's `details.column` is the column in the text as given.
 */
export function sourceError(source: Source, pos: Position, message: string): InvalidParameterError {
  const { quote, column } = quoteLine(source.text, pos);
  return new InvalidParameterError(
    `${source.label} line ${pos.line}, column ${column}: ${message} (in "${quote}")`,
    { source: source.label, line: pos.line, column: pos.column },
  );
}

export type TokenKind = "number" | "name" | "op" | "newline" | "end";

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly pos: Position;
  /** Offset of the token's first character in the text. */
  readonly start: number;
  readonly end: number;
}

const OPERATORS = [
  "**",
  "//",
  "<=",
  ">=",
  "==",
  "!=",
  "+=",
  "-=",
  "*=",
  "/=",
  "<",
  ">",
  "+",
  "-",
  "*",
  "/",
  "%",
  "(",
  ")",
  ",",
  "=",
  ":",
  ";",
];

/**
 * The message for a number written in a format the language does not read (`1_000`, `0x10`, `0b1`, `0o7`), or
 * undefined; `next` is the two characters after the decimal part read.
 */
function numberFormat(read: string, next: string): string | undefined {
  if (/^_\d/.test(next)) {
    return `"_" between digits (${read}${next}...) is not read; numbers are plain decimals: write ${read}${next[1]}... without "_"`;
  }
  if (read === "0" && /^[xXbBoO]/.test(next)) {
    const kind = { x: "hexadecimal", b: "binary", o: "octal" }[next[0].toLowerCase() as "x" | "b" | "o"];
    return `${kind} numbers (0${next}...) are not read; numbers are plain decimals (e.g. 16 for 0x10)`;
  }
  return undefined;
}

const NUMBER = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/**
 * The tokens of `source.text`. A `#` starts a comment that runs to the end of its line. A line break inside
 * parentheses continues the line (as in Python); elsewhere it is a "newline" token.
 */
export function tokenize(source: Source): Token[] {
  const text = source.text;
  const tokens: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let depth = 0;
  let k = 0;
  const posAt = (offset: number): Position => ({ line, column: offset - lineStart + 1 });
  while (k < text.length) {
    const c = text[k];
    // a line ends at \n, \r\n or a lone \r (old Mac files)
    if (c === "\n" || c === "\r") {
      const end = c === "\r" && text[k + 1] === "\n" ? k + 2 : k + 1;
      if (depth === 0) tokens.push({ kind: "newline", text: "\n", pos: posAt(k), start: k, end });
      line++;
      lineStart = end;
      k = end;
      continue;
    }
    if (c === " " || c === "\t") {
      k++;
      continue;
    }
    if (c === "#") {
      while (k < text.length && text[k] !== "\n" && text[k] !== "\r") k++;
      continue;
    }
    const rest = text.slice(k, k + 64);
    const number = NUMBER.exec(rest);
    if (number !== null && (/\d/.test(c) || c === ".")) {
      const after = text[k + number[0].length];
      if (after !== undefined && /[A-Za-z_]/.test(after)) {
        const format = numberFormat(number[0], text.slice(k + number[0].length, k + number[0].length + 2));
        if (format !== undefined) throw sourceError(source, posAt(k), format);
        throw sourceError(
          source,
          posAt(k),
          `a number followed by a name ("${number[0]}${after}..."); write a product, e.g. ${number[0]}*ms`,
        );
      }
      tokens.push({ kind: "number", text: number[0], pos: posAt(k), start: k, end: k + number[0].length });
      k += number[0].length;
      continue;
    }
    const name = NAME.exec(text.slice(k, k + 256));
    if (name !== null) {
      tokens.push({ kind: "name", text: name[0], pos: posAt(k), start: k, end: k + name[0].length });
      k += name[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, k));
    if (op === undefined) {
      throw sourceError(
        source,
        posAt(k),
        `unexpected character ${JSON.stringify(c)}; expressions use numbers, names, + - * / // % ** ( ), ` +
          `comparisons (< <= > >= == !=), and, or, not`,
      );
    }
    if (op === "(") depth++;
    if (op === ")") depth = Math.max(0, depth - 1);
    tokens.push({ kind: "op", text: op, pos: posAt(k), start: k, end: k + op.length });
    k += op.length;
  }
  tokens.push({ kind: "end", text: "", pos: posAt(k), start: k, end: k });
  return tokens;
}
