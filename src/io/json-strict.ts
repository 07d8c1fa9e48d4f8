/**
 * A strict JSON parser (RFC 8259) for file headers and manifests.
 *
 * Why not JSON.parse: it keeps the last of two duplicate keys silently, and a file whose header says
 * `{"w": {...}, "w": {...}}` means two different things to two readers. This parser rejects duplicate keys,
 * numbers that overflow to Infinity, and nesting deeper than `maxDepth`; every error gives the byte-free
 * character position so the caller can wrap it into a FormatError that names the file.
 * Objects are plain objects whose keys are own properties (a key "__proto__" stays data).
 */
import { defineEntry } from "./dtype.ts";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Thrown by parseJsonStrict; callers turn it into a FormatError naming the file. */
export class JsonSyntaxError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} at character ${position}`);
    this.name = "JsonSyntaxError";
    this.position = position;
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
// JSON forbids raw control characters in strings, so the run of ordinary characters stops at them.
// eslint-disable-next-line no-control-regex
const PLAIN_RUN = /[^"\\\u0000-\u001f]*/y;
const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

/** Parses `text` as one JSON value, optionally surrounded by whitespace. */
export function parseJsonStrict(text: string, maxDepth = 64): JsonValue {
  let i = 0;

  function fail(message: string, at = i): never {
    throw new JsonSyntaxError(message, at);
  }

  function skipWhitespace(): void {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      i++;
    }
  }

  function parseString(): string {
    i++; // opening quote
    let out = "";
    while (true) {
      PLAIN_RUN.lastIndex = i;
      PLAIN_RUN.test(text);
      out += text.slice(i, PLAIN_RUN.lastIndex);
      i = PLAIN_RUN.lastIndex;
      if (i >= text.length) fail("unterminated string");
      const c = text[i];
      if (c === '"') {
        i++;
        return out;
      }
      if (c !== "\\") fail("control character in string (escape it as \\u00XX)");
      const e = text[i + 1];
      if (e === "u") {
        const hex = text.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("bad \\u escape");
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
      } else if (e !== undefined && Object.hasOwn(ESCAPES, e)) {
        out += ESCAPES[e];
        i += 2;
      } else {
        fail("bad escape in string");
      }
    }
  }

  function parseValue(depth: number): JsonValue {
    skipWhitespace();
    if (i >= text.length) fail("unexpected end of text");
    const c = text[i];
    if (c === "{" || c === "[") {
      if (depth >= maxDepth) fail(`nesting deeper than ${maxDepth} levels`);
      return c === "{" ? parseObject(depth + 1) : parseArray(depth + 1);
    }
    if (c === '"') return parseString();
    if (c === "-" || (c >= "0" && c <= "9")) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (m === null) fail("bad number");
      const value = Number(m[0]);
      if (!Number.isFinite(value)) fail(`number ${m[0]} is out of range`);
      i += m[0].length;
      return value;
    }
    for (const [word, value] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return value;
      }
    }
    return fail(`unexpected character ${JSON.stringify(c)}`);
  }

  function parseObject(depth: number): JsonValue {
    const obj: Record<string, JsonValue> = {};
    i++;
    skipWhitespace();
    if (text[i] === "}") {
      i++;
      return obj;
    }
    while (true) {
      skipWhitespace();
      if (text[i] !== '"') fail("expected a string key");
      const keyAt = i;
      const key = parseString();
      if (Object.hasOwn(obj, key)) fail(`duplicate key ${JSON.stringify(key)}`, keyAt);
      skipWhitespace();
      if (text[i] !== ":") fail("expected ':' after key");
      i++;
      defineEntry(obj, key, parseValue(depth));
      skipWhitespace();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "}") {
        i++;
        return obj;
      }
      fail("expected ',' or '}' in object");
    }
  }

  function parseArray(depth: number): JsonValue {
    const arr: JsonValue[] = [];
    i++;
    skipWhitespace();
    if (text[i] === "]") {
      i++;
      return arr;
    }
    while (true) {
      arr.push(parseValue(depth));
      skipWhitespace();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "]") {
        i++;
        return arr;
      }
      fail("expected ',' or ']' in array");
    }
  }

  const value = parseValue(0);
  skipWhitespace();
  if (i !== text.length) fail("unexpected text after the JSON value");
  return value;
}

/** True for a JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is { [key: string]: JsonValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
