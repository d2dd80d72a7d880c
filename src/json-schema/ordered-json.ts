/**
 * An order-preserving JSON parser. `JSON.parse` moves integer-like keys ("1", "200") to the front of an
 * object; a JSON Schema's `properties` order is the order in which an object is generated, so schema text
 * is parsed into `Map`s, whose key order is exactly the text's. A duplicated key keeps its first position
 * and its last value (as Python's `json` does).
 */
import { GrammarError } from '../engine/errors.js';

/** A JSON object with its keys in document order. */
export type JsonObject = Map<string, JsonValue>;
/** A JSON value; objects are ordered maps. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** True if `v` is a JSON object (an ordered map). */
export function isObject(v: JsonValue | undefined): v is JsonObject {
  return v instanceof Map;
}

/** Parses JSON text into ordered values; throws a `GrammarError` ('json-schema') with line:column on bad input. */
export function parseOrderedJson(text: string): JsonValue {
  const p = new Parser(text);
  p.ws();
  const v = p.value();
  p.ws();
  if (p.pos < text.length) p.fail('unexpected text after the JSON value');
  return v;
}

/** Converts a plain JS value (e.g. from `JSON.parse`) into the ordered representation. */
export function fromPlain(value: unknown): JsonValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new GrammarError('json-schema', `not a JSON number: ${value}`);
    return value;
  }
  if (Array.isArray(value)) return value.map(fromPlain);
  if (typeof value === 'object') {
    const m: JsonObject = new Map();
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== undefined) m.set(k, fromPlain(v));
    }
    return m;
  }
  throw new GrammarError('json-schema', `not a JSON value: ${typeof value}`);
}

/** Converts back into plain JS values (for ajv). */
export function toPlain(value: JsonValue): unknown {
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of value) o[k] = toPlain(v);
    return o;
  }
  return value;
}

/** Structural equality by JSON value (numbers by value, so 1.0 equals 1; object key order ignored). */
export function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]!));
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) {
      const w = b.get(k);
      if (w === undefined || !jsonEqual(v, w)) return false;
    }
    return true;
  }
  return false;
}

/** Compact serialisation that keeps the map order (for messages and memo keys). */
export function stringifyOrdered(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(stringifyOrdered).join(',')}]`;
  if (value instanceof Map) {
    return `{${[...value].map(([k, v]) => `${JSON.stringify(k)}:${stringifyOrdered(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

class Parser {
  pos = 0;
  constructor(readonly text: string) {}

  fail(message: string): never {
    const before = this.text.slice(0, this.pos);
    const line = before.split('\n').length;
    const column = this.pos - before.lastIndexOf('\n');
    throw new GrammarError('json-schema', `Invalid JSON at line ${line}, column ${column}: ${message}`, {
      line,
      column,
    });
  }

  ws(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else break;
    }
  }

  value(): JsonValue {
    const c = this.text[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    return this.fail(
      c === undefined ? 'unexpected end of input' : `unexpected character ${JSON.stringify(c)}`,
    );
  }

  object(): JsonObject {
    const m: JsonObject = new Map();
    this.pos++;
    this.ws();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return m;
    }
    for (;;) {
      this.ws();
      if (this.text[this.pos] !== '"') this.fail('expected a string key');
      const key = this.string();
      this.ws();
      if (this.text[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      this.ws();
      m.set(key, this.value());
      this.ws();
      const c = this.text[this.pos];
      this.pos++;
      if (c === '}') return m;
      if (c !== ',') {
        this.pos--;
        this.fail("expected ',' or '}'");
      }
    }
  }

  array(): JsonValue[] {
    const a: JsonValue[] = [];
    this.pos++;
    this.ws();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return a;
    }
    for (;;) {
      this.ws();
      a.push(this.value());
      this.ws();
      const c = this.text[this.pos];
      this.pos++;
      if (c === ']') return a;
      if (c !== ',') {
        this.pos--;
        this.fail("expected ',' or ']'");
      }
    }
  }

  string(): string {
    const start = this.pos;
    const t = this.text;
    this.pos++;
    for (;;) {
      const c = t.charCodeAt(this.pos);
      if (Number.isNaN(c)) this.fail('unterminated string');
      if (c === 0x22) break;
      if (c < 0x20) this.fail('control character in string');
      if (c === 0x5c) {
        const e = t[this.pos + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(this.pos + 2, this.pos + 6))) this.fail('bad \\u escape');
          this.pos += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) this.pos += 2;
        else this.fail('bad escape');
      } else this.pos++;
    }
    this.pos++;
    return JSON.parse(t.slice(start, this.pos)) as string;
  }

  number(): number {
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(
      this.text.slice(this.pos, this.pos + 400),
    );
    if (!m) this.fail('bad number');
    this.pos += m[0].length;
    return Number(m[0]);
  }
}
