/**
 * Checks a concrete JSON value against the schema IR. Used where a schema lists values (`const`, `enum`):
 * intersecting `enum: [...]` with other keywords keeps exactly the listed values that satisfy them.
 */
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { compareDecimal, type Decimal, parseDecimal } from './numbers.js';
import { isObject, type JsonValue, jsonEqual } from './ordered-json.js';
import {
  type ArrayFacet,
  deref,
  type NumberFacet,
  type ObjectFacet,
  type SchemaNode,
  type StringFacet,
} from './schema-ir.js';

const regexCache = new Map<string, RegExp>();

/** The ECMA `u`-flag RegExp of a schema pattern (search semantics). */
export function patternRegExp(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    re = new RegExp(pattern, 'u');
    regexCache.set(pattern, re);
  }
  return re;
}

/** Checks a string against a `format` with ajv-formats' full checkers; undefined if the format is unknown. */
export function formatAccepts(format: string, value: string): boolean | undefined {
  const f = (fullFormats as Record<string, unknown>)[format];
  if (f instanceof RegExp) return f.test(value);
  if (typeof f === 'function') return (f as (s: string) => boolean)(value);
  if (f && typeof f === 'object' && 'validate' in f) {
    const v = (f as { validate: unknown }).validate;
    if (v instanceof RegExp) return v.test(value);
    if (typeof v === 'function') return (v as (s: string) => boolean)(value);
  }
  return undefined;
}

function decimal(n: number): Decimal {
  const d = parseDecimal(n);
  if (typeof d === 'string') throw new RangeError('infinite number');
  return d;
}

/** Exact `value` is a multiple of `m` on the decimals the two doubles print as. */
export function isMultipleOf(value: number, m: number): boolean {
  const v = decimal(value);
  const d = decimal(m);
  const scale = Math.max(v.frac.length, d.frac.length);
  const big = (x: Decimal): bigint => BigInt(x.int + x.frac.padEnd(scale, '0'));
  const dm = big(d);
  return dm !== 0n && big(v) % dm === 0n;
}

export function numberFacetAccepts(f: NumberFacet, value: number): boolean {
  if (f.values && !f.values.some((v) => v === value)) return false;
  if (f.integer && !Number.isInteger(value)) return false;
  if (f.nonInteger && Number.isInteger(value)) return false;
  if (f.notValues?.includes(value)) return false;
  if (f.notMultipleOf?.some((m) => isMultipleOf(value, m))) return false;
  const v = decimal(value);
  const cmp = (b: number): number => compareDecimal(v, decimal(b));
  if (f.minimum !== undefined && cmp(f.minimum) < 0) return false;
  if (f.maximum !== undefined && cmp(f.maximum) > 0) return false;
  if (f.exclusiveMinimum !== undefined && cmp(f.exclusiveMinimum) <= 0) return false;
  if (f.exclusiveMaximum !== undefined && cmp(f.exclusiveMaximum) >= 0) return false;
  return f.multipleOf.every((m) => isMultipleOf(value, m));
}

export function stringFacetAccepts(f: StringFacet, value: string): boolean {
  if (f.values && !f.values.includes(value)) return false;
  if (f.notValues.includes(value)) return false;
  const length = [...value].length;
  if (length < f.minLength || length > f.maxLength) return false;
  if (!f.patterns.every((p) => patternRegExp(p).test(value))) return false;
  if (f.notPatterns.some((p) => patternRegExp(p).test(value))) return false;
  return f.formats.every((name) => formatAccepts(name, value) !== false);
}

function arrayFacetAccepts(f: ArrayFacet, value: JsonValue[]): boolean {
  if (value.length < f.minItems || value.length > f.maxItems) return false;
  for (let i = 0; i < value.length; i++) {
    if (!nodeAccepts(f.prefix[i] ?? f.items, value[i]!)) return false;
  }
  for (const c of f.contains ?? []) {
    const n = value.filter((v) => nodeAccepts(c.node, v)).length;
    if (n < c.min || n > c.max) return false;
  }
  if (f.uniqueItems) {
    for (let i = 0; i < value.length; i++) {
      for (let j = i + 1; j < value.length; j++) if (jsonEqual(value[i]!, value[j]!)) return false;
    }
  }
  return true;
}

/** The schema a property value must satisfy in an object facet (declared, pattern or additional). */
export function propertySchemas(f: ObjectFacet, name: string): SchemaNode[] {
  const declared = f.properties.get(name);
  const matching = f.patternProperties.filter(([p]) => patternRegExp(p).test(name)).map(([, s]) => s);
  if (declared) return [declared, ...matching];
  return matching.length > 0 ? matching : [f.additional];
}

function objectFacetAccepts(f: ObjectFacet, value: Map<string, JsonValue>): boolean {
  if (value.size < f.minProperties || value.size > f.maxProperties) return false;
  if (!f.required.every((r) => value.has(r))) return false;
  for (const [trigger, deps] of f.dependentRequired) {
    if (value.has(trigger) && !deps.every((d) => value.has(d))) return false;
  }
  for (const [k, v] of value) {
    if (f.propertyNames && !nodeAccepts(f.propertyNames, k)) return false;
    if (!propertySchemas(f, k).every((s) => nodeAccepts(s, v))) return false;
  }
  return true;
}

/** True if `value` satisfies the schema node. */
export function nodeAccepts(node: SchemaNode, value: JsonValue): boolean {
  const u = deref(node);
  if (value === null) return u.null;
  if (value === true) return u.true;
  if (value === false) return u.false;
  if (typeof value === 'number') return u.number.some((f) => numberFacetAccepts(f, value));
  if (typeof value === 'string') return u.string.some((f) => stringFacetAccepts(f, value));
  if (Array.isArray(value)) return u.array.some((f) => arrayFacetAccepts(f, value));
  if (isObject(value)) return u.object.some((f) => objectFacetAccepts(f, value));
  return false;
}
