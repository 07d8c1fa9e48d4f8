/**
 * Parser of the equation language (docs/models/equations.md, "Grammar"): equation lines
 * (`dv/dt = expr : unit (flags)`, `I = expr : unit`, `tau : ms`), thresholds (one expression) and resets
 * (statements separated by `;` or new lines). Every node keeps its line and column, so an error can say
 * where in the text it is. Nothing here knows what a name means; analyse.ts resolves them.
 */
import { sourceError, tokenize } from "./tokenize.ts";
import type { Position, Source, Token } from "./tokenize.ts";

export { sourceError };
export type { Position, Source };

export type BinaryOp =
  "+" | "-" | "*" | "/" | "//" | "%" | "**" | "<" | "<=" | ">" | ">=" | "==" | "!=" | "and" | "or";

/** An expression's syntax tree. */
export type Expr =
  | { readonly kind: "number"; readonly value: number; readonly pos: Position }
  | { readonly kind: "bool"; readonly value: boolean; readonly pos: Position }
  | { readonly kind: "name"; readonly name: string; readonly pos: Position }
  | { readonly kind: "unary"; readonly op: "-" | "not"; readonly arg: Expr; readonly pos: Position }
  | {
      readonly kind: "binary";
      readonly op: BinaryOp;
      readonly left: Expr;
      readonly right: Expr;
      readonly pos: Position;
    }
  | { readonly kind: "call"; readonly fn: string; readonly args: readonly Expr[]; readonly pos: Position };

const COMPARISONS = new Set(["<", "<=", ">", ">=", "==", "!="]);
const KEYWORDS = new Set(["and", "or", "not", "True", "False"]);

/** A token as a message names it. */
function describeToken(t: Token): string {
  if (t.kind === "end") return "the end of the text";
  if (t.kind === "newline") return "the end of the line";
  return `"${t.text}"`;
}

/**
 * The most levels of parentheses, function calls, signs, `not` and `**` one inside another. The parser and
 * every later stage recurse once per level (and V8 once per parenthesis of the generated code), so a deeper
 * text would overflow the call stack; real equations stay far below.
 */
export const MAX_NESTING = 100;

/**
 * The most levels of a syntax tree, counting each term of a chain (a + b + c is two levels): the later
 * stages recurse once per level. A sum of 3000 terms fits; longer ones can be split into sub-expressions.
 */
export const MAX_TREE_DEPTH = 3000;

/** The depth of a tree, found without recursion; the first node found deeper than `limit`, if any. */
function deepest(e: Expr, limit: number): Expr | undefined {
  const stack: [Expr, number][] = [[e, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [Expr, number];
    if (depth > limit) return node;
    if (node.kind === "unary") stack.push([node.arg, depth + 1]);
    else if (node.kind === "binary") stack.push([node.left, depth + 1], [node.right, depth + 1]);
    else if (node.kind === "call") for (const a of node.args) stack.push([a, depth + 1]);
  }
  return undefined;
}

/** A recursive-descent parser over the tokens of one source. */
class Parser {
  private k = 0;
  /** Levels of nesting entered (`MAX_NESTING`). */
  private depth = 0;
  constructor(
    readonly source: Source,
    private readonly tokens: readonly Token[],
  ) {}

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.k + offset, this.tokens.length - 1)];
  }

  next(): Token {
    const t = this.peek();
    if (t.kind !== "end") this.k++;
    return t;
  }

  isOp(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === "op" && t.text === text;
  }

  isWord(text: string): boolean {
    const t = this.peek();
    return t.kind === "name" && t.text === text;
  }

  atLineEnd(): boolean {
    const t = this.peek();
    return t.kind === "newline" || t.kind === "end";
  }

  fail(t: Token, message: string): never {
    throw sourceError(this.source, t.pos, message);
  }

  expectOp(text: string, what: string): Token {
    const t = this.next();
    if (t.kind !== "op" || t.text !== text)
      this.fail(t, `expected "${text}" ${what}, found ${describeToken(t)}`);
    return t;
  }

  /** The text from token `from` up to (not including) the current one, as written. */
  textSince(from: Token): string {
    const last = this.tokens[this.k - 1];
    return this.source.text.slice(from.start, last.end);
  }

  /** Enters one level of nesting at `t`, refusing one more than MAX_NESTING. */
  enter(t: Token): void {
    if (++this.depth > MAX_NESTING) {
      this.fail(
        t,
        `the expression is nested deeper than ${MAX_NESTING} levels (parentheses, function calls, signs, ` +
          `not and ** one inside another); split it into sub-expressions`,
      );
    }
  }

  leave(): void {
    this.depth--;
  }

  /** A whole expression, refused when its tree is deeper than MAX_TREE_DEPTH (see there). */
  topExpression(): Expr {
    const e = this.expression();
    const deep = deepest(e, MAX_TREE_DEPTH);
    if (deep !== undefined) {
      throw sourceError(
        this.source,
        deep.pos,
        `the expression is more than ${MAX_TREE_DEPTH} operations deep (a sum or product of that many ` +
          `terms, or long chains inside one another); split it into sub-expressions`,
      );
    }
    return e;
  }

  /** or-expression: the whole expression grammar. */
  expression(): Expr {
    let left = this.conjunction();
    while (this.isWord("or")) {
      const t = this.next();
      left = { kind: "binary", op: "or", left, right: this.conjunction(), pos: t.pos };
    }
    return left;
  }

  private conjunction(): Expr {
    let left = this.negation();
    while (this.isWord("and")) {
      const t = this.next();
      left = { kind: "binary", op: "and", left, right: this.negation(), pos: t.pos };
    }
    return left;
  }

  /** `not not x`: read in a loop, each `not` a level of nesting. */
  private negation(): Expr {
    const nots: Token[] = [];
    const depth = this.depth;
    while (this.isWord("not")) {
      const t = this.next();
      this.enter(t);
      nots.push(t);
    }
    let e = this.comparison();
    this.depth = depth;
    for (let k = nots.length - 1; k >= 0; k--) e = { kind: "unary", op: "not", arg: e, pos: nots[k].pos };
    return e;
  }

  private comparison(): Expr {
    const left = this.additive();
    const t = this.peek();
    if (t.kind !== "op" || !COMPARISONS.has(t.text)) return left;
    this.next();
    const right = this.additive();
    const again = this.peek();
    if (again.kind === "op" && COMPARISONS.has(again.text)) {
      this.fail(again, `chained comparisons are not supported; write "a < b and b < c"`);
    }
    return { kind: "binary", op: t.text as BinaryOp, left, right, pos: t.pos };
  }

  private additive(): Expr {
    let left = this.term();
    while (this.isOp("+") || this.isOp("-")) {
      const t = this.next();
      left = { kind: "binary", op: t.text as BinaryOp, left, right: this.term(), pos: t.pos };
    }
    return left;
  }

  private term(): Expr {
    let left = this.unary();
    while (this.isOp("*") || this.isOp("/") || this.isOp("//") || this.isOp("%")) {
      const t = this.next();
      left = { kind: "binary", op: t.text as BinaryOp, left, right: this.unary(), pos: t.pos };
    }
    return left;
  }

  /** Unary minus and plus bind less tightly than `**` (-x**2 is -(x**2)), as in Python. */
  private unary(): Expr {
    const minus: Token[] = [];
    const depth = this.depth;
    while (this.isOp("-") || this.isOp("+")) {
      const t = this.next();
      this.enter(t);
      if (t.text === "-") minus.push(t);
    }
    let e = this.power();
    this.depth = depth;
    for (let k = minus.length - 1; k >= 0; k--) e = { kind: "unary", op: "-", arg: e, pos: minus[k].pos };
    return e;
  }

  /** `**` is right-associative and its exponent may carry a sign (2**-1); each `**` is a level of nesting. */
  private power(): Expr {
    const base = this.primary();
    if (!this.isOp("**")) return base;
    const t = this.next();
    this.enter(t);
    const exponent = this.unary();
    this.depth--;
    return { kind: "binary", op: "**", left: base, right: exponent, pos: t.pos };
  }

  private primary(): Expr {
    const t = this.next();
    if (t.kind === "number") {
      const value = Number(t.text);
      if (!Number.isFinite(value)) this.fail(t, `the number ${t.text} is beyond the float64 range`);
      return { kind: "number", value, pos: t.pos };
    }
    if (t.kind === "name") {
      if (t.text === "True" || t.text === "False")
        return { kind: "bool", value: t.text === "True", pos: t.pos };
      if (KEYWORDS.has(t.text)) this.fail(t, `expected a value, found the keyword "${t.text}"`);
      if (this.isOp("(")) {
        this.enter(this.next());
        const args: Expr[] = [];
        if (!this.isOp(")")) {
          args.push(this.expression());
          while (this.isOp(",")) {
            this.next();
            args.push(this.expression());
          }
        }
        this.expectOp(")", `to close the arguments of ${t.text}(`);
        this.depth--;
        return { kind: "call", fn: t.text, args, pos: t.pos };
      }
      return { kind: "name", name: t.text, pos: t.pos };
    }
    if (t.kind === "op" && t.text === "(") {
      this.enter(t);
      const inner = this.expression();
      this.expectOp(")", "to close the parenthesis");
      this.depth--;
      return inner;
    }
    return this.fail(t, `expected a number, a name or "(", found ${describeToken(t)}`);
  }
}

/** The kinds of equation line. */
export type EquationLine =
  | {
      readonly kind: "differential";
      readonly name: string;
      readonly expr: Expr;
      readonly unit: string;
      readonly unitPos: Position;
      readonly flags: readonly string[];
      readonly pos: Position;
    }
  | {
      readonly kind: "subexpression";
      readonly name: string;
      readonly expr: Expr;
      readonly unit: string;
      readonly unitPos: Position;
      readonly flags: readonly string[];
      readonly pos: Position;
    }
  | {
      readonly kind: "parameter";
      readonly name: string;
      readonly unit: string;
      readonly unitPos: Position;
      readonly flags: readonly string[];
      readonly pos: Position;
    };

/** Parses one expression that must fill the whole text (a threshold). */
export function parseExpression(source: Source): Expr {
  const p = new Parser(source, tokenize(source));
  while (p.peek().kind === "newline") p.next();
  const expr = p.topExpression();
  while (p.peek().kind === "newline") p.next();
  const rest = p.peek();
  if (rest.kind !== "end") p.fail(rest, `unexpected ${describeToken(rest)} after the expression`);
  return expr;
}

/** One reset statement: `target op value`. */
export interface Statement {
  readonly target: string;
  readonly op: "=" | "+=" | "-=" | "*=" | "/=";
  readonly value: Expr;
  readonly pos: Position;
  /** The statement as written. */
  readonly text: string;
}

const ASSIGNMENTS = new Set(["=", "+=", "-=", "*=", "/="]);

/** Parses statements separated by `;` or line breaks (a reset). */
export function parseStatements(source: Source): Statement[] {
  const p = new Parser(source, tokenize(source));
  const out: Statement[] = [];
  for (;;) {
    while (p.peek().kind === "newline" || p.isOp(";")) p.next();
    if (p.peek().kind === "end") return out;
    const target = p.next();
    if (target.kind !== "name")
      p.fail(target, `expected a variable to assign to, found ${describeToken(target)}`);
    const op = p.next();
    if (op.kind !== "op" || !ASSIGNMENTS.has(op.text)) {
      p.fail(op, `expected "=", "+=", "-=", "*=" or "/=" after ${target.text}, found ${describeToken(op)}`);
    }
    const value = p.topExpression();
    out.push({
      target: target.text,
      op: op.text as Statement["op"],
      value,
      pos: target.pos,
      text: p.textSince(target),
    });
    if (!p.atLineEnd() && !p.isOp(";")) {
      p.fail(p.peek(), `expected ";" or a new line after the statement, found ${describeToken(p.peek())}`);
    }
  }
}

/** Parses equation lines (see the file header); blank lines and comments are skipped. */
export function parseEquations(source: Source): EquationLine[] {
  const p = new Parser(source, tokenize(source));
  const out: EquationLine[] = [];
  for (;;) {
    while (p.peek().kind === "newline") p.next();
    if (p.peek().kind === "end") return out;
    out.push(equationLine(p));
    if (!p.atLineEnd()) p.fail(p.peek(), `unexpected ${describeToken(p.peek())} at the end of the equation`);
  }
}

function equationLine(p: Parser): EquationLine {
  const first = p.next();
  if (first.kind !== "name") {
    p.fail(first, `an equation starts with "dx/dt =", "x =" or "x :", found ${describeToken(first)}`);
  }
  // dx/dt = ...
  if (first.text.length > 1 && first.text.startsWith("d") && p.isOp("/")) {
    const dt = p.peek(1);
    if (dt.kind === "name" && dt.text === "dt") {
      p.next();
      p.next();
      p.expectOp("=", `after d${first.text.slice(1)}/dt`);
      const expr = p.topExpression();
      const { unit, unitPos, flags } = unitAndFlags(p);
      return { kind: "differential", name: first.text.slice(1), expr, unit, unitPos, flags, pos: first.pos };
    }
  }
  if (p.isOp("=")) {
    p.next();
    const expr = p.topExpression();
    const { unit, unitPos, flags } = unitAndFlags(p);
    return { kind: "subexpression", name: first.text, expr, unit, unitPos, flags, pos: first.pos };
  }
  if (p.isOp(":")) {
    const { unit, unitPos, flags } = unitAndFlags(p);
    return { kind: "parameter", name: first.text, unit, unitPos, flags, pos: first.pos };
  }
  return p.fail(
    p.peek(),
    `expected "=" or ":" after ${first.text} (equations are "dx/dt = expr : unit", "x = expr : unit" or ` +
      `"x : unit"), found ${describeToken(p.peek())}`,
  );
}

/** The first words of the flags (analyse.ts checks the flags themselves). */
const FLAG_WORDS = new Set(["unless", "constant", "shared"]);

/**
 * The optional `: unit` and `(flag, flag)` that end an equation line. The unit is kept as written; its names
 * are checked later against the unit table.
 */
function unitAndFlags(p: Parser): { unit: string; unitPos: Position; flags: string[] } {
  let unit = "";
  let unitPos = p.peek().pos;
  if (p.isOp(":")) {
    p.next();
    const from = p.peek();
    unitPos = from.pos;
    // "(" may open a unit, (mV/ms), or the flags of a line that lacks its unit, (unless refractory)
    const flag = p.isOp("(") && p.peek(1).kind === "name" && FLAG_WORDS.has(p.peek(1).text);
    if (p.atLineEnd() || flag) p.fail(from, `expected a unit after ":" (e.g. mV, or 1 for none)`);
    unitExpression(p);
    unit = p.textSince(from);
  }
  const flags: string[] = [];
  if (p.isOp("(")) {
    p.next();
    let words: string[] = [];
    for (;;) {
      const t = p.next();
      if (t.kind === "name") {
        // a hyphenated flag word written without spaces, Brian2's (event-driven): one word
        let word = t.text;
        let end = t.end;
        while (
          p.isOp("-") &&
          p.peek().start === end &&
          p.peek(1).kind === "name" &&
          p.peek(1).start === end + 1
        ) {
          p.next();
          const rest = p.next();
          word += `-${rest.text}`;
          end = rest.end;
        }
        words.push(word);
      } else if (t.kind === "op" && (t.text === "," || t.text === ")")) {
        if (words.length === 0)
          p.fail(t, `expected a flag such as "unless refractory", found ${describeToken(t)}`);
        flags.push(words.join(" "));
        words = [];
        if (t.text === ")") break;
      } else p.fail(t, `expected a flag such as "unless refractory" or ")", found ${describeToken(t)}`);
    }
  }
  return { unit, unitPos, flags };
}

/** Skips a unit expression: names and numbers joined by *, / and **, with parentheses. */
function unitExpression(p: Parser): void {
  const operand = (): void => {
    const t = p.next();
    if (t.kind === "name" || t.kind === "number") return;
    if (t.kind === "op" && t.text === "(") {
      p.enter(t);
      unitExpression(p);
      p.expectOp(")", "to close the unit's parenthesis");
      p.leave();
      return;
    }
    p.fail(t, `expected a unit name, found ${describeToken(t)}`);
  };
  operand();
  while (p.isOp("*") || p.isOp("/") || p.isOp("**")) {
    const op = p.next();
    if (op.text === "**" && p.isOp("-")) p.next();
    operand();
  }
}

/** Every name in a unit text, for the check against the unit table. */
export function unitNames(unit: string): string[] {
  return unit.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
}
