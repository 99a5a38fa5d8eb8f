/**
 * A strict JSON parser for safetensors headers. Unlike JSON.parse it keeps every object's key order
 * (JavaScript objects move integer-like keys first, which would reorder tensors named "0", "1"), rejects
 * duplicate keys (JSON.parse keeps the last silently) and bounds nesting, so a hostile header fails
 * with a `safetensors:` error instead of a stack overflow.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** An object as its entries in file order. */
export type JsonObject = Map<string, JsonValue>;

const MAX_DEPTH = 64;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Parser {
  private at = 0;
  constructor(private readonly text: string) {}

  fail(what: string): never {
    throw new Error(`safetensors: header is not valid JSON: ${what} at character ${this.at}`);
  }

  parseDocument(): JsonValue {
    const value = this.value(0);
    this.skipSpace();
    if (this.at < this.text.length) this.fail(`unexpected ${JSON.stringify(this.text[this.at])} after the value`);
    return value;
  }

  private skipSpace(): void {
    const t = this.text;
    while (this.at < t.length) {
      const c = t.charCodeAt(this.at);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      this.at++;
    }
  }

  private value(depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`);
    this.skipSpace();
    const c = this.text[this.at];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return value;
      }
    }
    return this.fail(c === undefined ? 'unexpected end' : `unexpected ${JSON.stringify(c)}`);
  }

  private object(depth: number): JsonObject {
    const out: JsonObject = new Map();
    this.at++; // {
    this.skipSpace();
    if (this.text[this.at] === '}') {
      this.at++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.at] !== '"') this.fail('expected a string key');
      const key = this.string();
      if (out.has(key)) this.fail(`duplicate key ${JSON.stringify(key)}`);
      this.skipSpace();
      if (this.text[this.at] !== ':') this.fail(`expected ':' after key ${JSON.stringify(key)}`);
      this.at++;
      out.set(key, this.value(depth + 1));
      this.skipSpace();
      const next = this.text[this.at++];
      if (next === '}') return out;
      if (next !== ',') this.fail("expected ',' or '}' in an object");
    }
  }

  private array(depth: number): JsonValue[] {
    const out: JsonValue[] = [];
    this.at++; // [
    this.skipSpace();
    if (this.text[this.at] === ']') {
      this.at++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      this.skipSpace();
      const next = this.text[this.at++];
      if (next === ']') return out;
      if (next !== ',') this.fail("expected ',' or ']' in an array");
    }
  }

  private string(): string {
    const t = this.text;
    this.at++; // opening quote
    let out = '';
    let start = this.at;
    for (;;) {
      if (this.at >= t.length) this.fail('unterminated string');
      const c = t.charCodeAt(this.at);
      if (c === 0x22) {
        out += t.slice(start, this.at++);
        return out;
      }
      if (c < 0x20) this.fail('control character in a string');
      if (c !== 0x5c) {
        this.at++;
        continue;
      }
      out += t.slice(start, this.at);
      const e = t[this.at + 1];
      if (e === 'u') {
        const hex = t.slice(this.at + 2, this.at + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
        out += String.fromCharCode(parseInt(hex, 16));
        this.at += 6;
      } else {
        const plain = e === undefined ? undefined : ESCAPES[e];
        if (plain === undefined) this.fail(`bad escape \\${e ?? ''}`);
        out += plain;
        this.at += 2;
      }
      start = this.at;
    }
  }

  private number(): number {
    NUMBER.lastIndex = this.at;
    const m = NUMBER.exec(this.text);
    if (!m) this.fail('bad number');
    this.at += m[0].length;
    return Number(m[0]);
  }
}

/** Parses `text` as one JSON value; throws `safetensors: header is not valid JSON: ...`. */
export function parseStrictJson(text: string): JsonValue {
  return new Parser(text).parseDocument();
}
