/**
 * Intersection (`allOf`, sibling keywords, `$ref` with siblings) and complement (`not`, exclusive `oneOf`,
 * `if`/`else`) on the schema IR, in one place.
 *
 * Intersection is exact, facet by facet. Complement is exact for the shapes it supports (types, listed
 * primitive values, length / item-count / property-count bounds, number bounds, objects constrained by
 * `required` and `properties`) and throws {@link UnsupportedNegation} otherwise, which callers turn into a
 * compile error naming the keyword; nothing is ever approximated in the accepting direction.
 */
import { GrammarError } from '../engine/errors.js';
import {
  type ArrayFacet,
  anyNode,
  deref,
  isAnyNode,
  isNothing,
  isUnconstrainedArray,
  isUnconstrainedNumber,
  isUnconstrainedObject,
  isUnconstrainedString,
  type NumberFacet,
  nothingNode,
  type ObjectFacet,
  type RefNode,
  refNode,
  type SchemaNode,
  type StringFacet,
  type UnionNode,
  unconstrainedArray,
  unconstrainedNumber,
  unconstrainedObject,
  unconstrainedString,
} from './schema-ir.js';
import { numberFacetAccepts, patternRegExp, propertySchemas, stringFacetAccepts } from './values.js';

/** Thrown when a complement is not expressible exactly; `what` says which construct. */
export class UnsupportedNegation extends Error {}

/** Cap on the facets of one type in a union (cross products of anyOf/oneOf can explode). */
export const MAX_FACETS = 256;
/** Cap on nested intersections (recursive schemas intersected with themselves). */
export const MAX_INTERSECTION_DEPTH = 128;

let depth = 0;
const pairMemo = new Map<string, RefNode>();

function guard<T>(f: () => T): T {
  if (++depth > MAX_INTERSECTION_DEPTH) {
    depth = 0;
    throw new GrammarError(
      'limit',
      `Schema intersection nested deeper than ${MAX_INTERSECTION_DEPTH} levels`,
    );
  }
  try {
    return f();
  } finally {
    depth--;
  }
}

/** The schema accepting exactly the values both `a` and `b` accept. */
export function intersect(a: SchemaNode, b: SchemaNode): SchemaNode {
  if (a === b || isAnyNode(b)) return a;
  if (isAnyNode(a)) return b;
  if (isNothing(a) || isNothing(b)) return nothingNode();
  if (a.kind === 'ref' && b.kind === 'ref') {
    const key = a.id < b.id ? `${a.id}&${b.id}` : `${b.id}&${a.id}`;
    let node = pairMemo.get(key);
    if (!node) {
      node = refNode(
        `${a.name}-and-${b.name}`,
        () => guard(() => intersectUnions(deref(a), deref(b))),
        a.rule || b.rule,
      );
      pairMemo.set(key, node);
    }
    return node;
  }
  return guard(() => intersectUnions(deref(a), deref(b)));
}

/** Intersection of many nodes (`any` for none). */
export function intersectAll(nodes: SchemaNode[]): SchemaNode {
  return nodes.reduce<SchemaNode>((acc, n) => intersect(acc, n), anyNode());
}

function cross<T>(xs: T[], ys: T[], f: (x: T, y: T) => T | undefined): T[] {
  const out: T[] = [];
  for (const x of xs) {
    for (const y of ys) {
      const r = f(x, y);
      if (r) out.push(r);
      if (out.length > MAX_FACETS) {
        throw new GrammarError('limit', `Schema too large: more than ${MAX_FACETS} alternatives of one type`);
      }
    }
  }
  return out;
}

function intersectUnions(a: UnionNode, b: UnionNode): UnionNode {
  return {
    kind: 'union',
    null: a.null && b.null,
    true: a.true && b.true,
    false: a.false && b.false,
    number: cross(a.number, b.number, intersectNumbers),
    string: cross(a.string, b.string, intersectStrings),
    array: cross(a.array, b.array, intersectArrays),
    object: cross(a.object, b.object, intersectObjects),
  };
}

const maxOf = (x?: number, y?: number): number | undefined =>
  x === undefined ? y : y === undefined ? x : Math.max(x, y);
const minOf = (x?: number, y?: number): number | undefined =>
  x === undefined ? y : y === undefined ? x : Math.min(x, y);

function intersectNumbers(x: NumberFacet, y: NumberFacet): NumberFacet | undefined {
  const f: NumberFacet = {
    integer: x.integer || y.integer,
    multipleOf: [...new Set([...x.multipleOf, ...y.multipleOf])],
  };
  const notValues = [...new Set([...(x.notValues ?? []), ...(y.notValues ?? [])])];
  if (notValues.length > 0) f.notValues = notValues;
  const notMultipleOf = [...new Set([...(x.notMultipleOf ?? []), ...(y.notMultipleOf ?? [])])];
  if (notMultipleOf.length > 0) f.notMultipleOf = notMultipleOf;
  if (x.integerText || y.integerText) f.integerText = true;
  if (x.nonInteger || y.nonInteger) {
    if (f.integer) return undefined;
    f.nonInteger = true;
  }
  const set = (
    k: 'minimum' | 'maximum' | 'exclusiveMinimum' | 'exclusiveMaximum',
    v: number | undefined,
  ): void => {
    if (v !== undefined) f[k] = v;
  };
  set('minimum', maxOf(x.minimum, y.minimum));
  set('exclusiveMinimum', maxOf(x.exclusiveMinimum, y.exclusiveMinimum));
  set('maximum', minOf(x.maximum, y.maximum));
  set('exclusiveMaximum', minOf(x.exclusiveMaximum, y.exclusiveMaximum));
  if (x.values || y.values) {
    const base = x.values ?? y.values!;
    f.values = base.filter((v) => numberFacetAccepts(x, v) && numberFacetAccepts(y, v));
    if (f.values.length === 0) return undefined;
    delete f.notValues;
  }
  const lo = maxOf(f.minimum, f.exclusiveMinimum);
  const hi = minOf(f.maximum, f.exclusiveMaximum);
  if (lo !== undefined && hi !== undefined) {
    if (lo > hi) return undefined;
    if (lo === hi && (f.exclusiveMinimum === lo || f.exclusiveMaximum === hi)) return undefined;
  }
  return f;
}

function intersectStrings(x: StringFacet, y: StringFacet): StringFacet | undefined {
  const f: StringFacet = {
    minLength: Math.max(x.minLength, y.minLength),
    maxLength: Math.min(x.maxLength, y.maxLength),
    patterns: [...new Set([...x.patterns, ...y.patterns])],
    notPatterns: [...new Set([...x.notPatterns, ...y.notPatterns])],
    formats: [...new Set([...x.formats, ...y.formats])],
    notValues: [...new Set([...x.notValues, ...y.notValues])],
  };
  if (f.minLength > f.maxLength) return undefined;
  if (x.values || y.values) {
    const base = x.values ?? y.values!;
    f.values = base.filter((v) => stringFacetAccepts(x, v) && stringFacetAccepts(y, v));
    f.notValues = [];
    if (f.values.length === 0) return undefined;
  }
  return f;
}

function intersectArrays(x: ArrayFacet, y: ArrayFacet): ArrayFacet | undefined {
  const f: ArrayFacet = {
    prefix: [],
    items: intersect(x.items, y.items),
    minItems: Math.max(x.minItems, y.minItems),
    maxItems: Math.min(x.maxItems, y.maxItems),
    evaluatedItems:
      x.evaluatedItems === 'all' || y.evaluatedItems === 'all'
        ? 'all'
        : Math.max(x.evaluatedItems, y.evaluatedItems),
  };
  const contains = [...(x.contains ?? []), ...(y.contains ?? [])];
  if (contains.length > 0) f.contains = contains;
  const unique = x.uniqueItems ?? y.uniqueItems;
  if (unique !== undefined) f.uniqueItems = unique;
  const n = Math.max(x.prefix.length, y.prefix.length);
  for (let i = 0; i < n; i++) {
    const item = intersect(x.prefix[i] ?? x.items, y.prefix[i] ?? y.items);
    if (isNothing(item)) {
      f.maxItems = Math.min(f.maxItems, i);
      break;
    }
    f.prefix.push(item);
  }
  if (isNothing(f.items)) f.maxItems = Math.min(f.maxItems, f.prefix.length);
  return f.minItems > f.maxItems ? undefined : f;
}

/** The value schema `f` imposes on a property `name` it does not declare. */
function impliedProperty(f: ObjectFacet, name: string): SchemaNode {
  return intersectAll(propertySchemas(f, name));
}

function intersectObjects(x: ObjectFacet, y: ObjectFacet): ObjectFacet | undefined {
  const properties = new Map<string, SchemaNode>();
  for (const [name, s] of x.properties) properties.set(name, intersect(s, impliedProperty(y, name)));
  for (const [name, s] of y.properties) {
    if (!properties.has(name)) properties.set(name, intersect(impliedProperty(x, name), s));
  }
  // A key matching a pattern of one side only must also satisfy the other side's additionalProperties.
  const patternProperties: Array<[string, SchemaNode]> = [
    ...x.patternProperties.map(([p, s]): [string, SchemaNode] => [p, intersect(s, y.additional)]),
    ...y.patternProperties.map(([p, s]): [string, SchemaNode] => [p, intersect(s, x.additional)]),
  ];
  const dependentRequired = new Map(x.dependentRequired);
  for (const [k, v] of y.dependentRequired)
    dependentRequired.set(k, [...new Set([...(dependentRequired.get(k) ?? []), ...v])]);
  const f: ObjectFacet = {
    properties,
    required: [...new Set([...x.required, ...y.required])],
    patternProperties,
    additional: intersect(x.additional, y.additional),
    minProperties: Math.max(x.minProperties, y.minProperties),
    maxProperties: Math.min(x.maxProperties, y.maxProperties),
    dependentRequired,
    evaluated:
      x.evaluated === 'all' || y.evaluated === 'all' ? 'all' : new Set([...x.evaluated, ...y.evaluated]),
  };
  const names =
    x.propertyNames && y.propertyNames
      ? intersect(x.propertyNames, y.propertyNames)
      : (x.propertyNames ?? y.propertyNames);
  if (names) f.propertyNames = names;
  if (f.minProperties > f.maxProperties) return undefined;
  for (const r of f.required) {
    const s = properties.get(r);
    if (s && isNothing(s)) return undefined;
  }
  return f;
}

/**
 * Applies `unevaluatedProperties` / `unevaluatedItems` of one schema object to its finished node: properties
 * (items) not evaluated by the facet's own keywords and in-place applicators must satisfy them. Facets from
 * complements and `const` evaluate nothing, so this never counts a failed branch's properties as evaluated.
 */
export function closeUnevaluated(node: UnionNode, props?: SchemaNode, items?: SchemaNode): UnionNode {
  const object = props
    ? node.object.map((f): ObjectFacet => {
        const evaluated = f.evaluated;
        if (evaluated === 'all') return f;
        const byPattern = (name: string): boolean =>
          f.patternProperties.some(([p]) => patternRegExp(p).test(name));
        const properties = new Map<string, SchemaNode>();
        for (const [name, s] of f.properties) {
          properties.set(name, evaluated.has(name) || byPattern(name) ? s : intersect(s, props));
        }
        return { ...f, properties, additional: intersect(f.additional, props), evaluated: 'all' };
      })
    : node.object;
  const array = items
    ? node.array.map((f): ArrayFacet => {
        const evaluated = f.evaluatedItems;
        if (evaluated === 'all') return f;
        const prefix = f.prefix.map((s, i) => (i < evaluated ? s : intersect(s, items)));
        return { ...f, prefix, items: intersect(f.items, items), evaluatedItems: 'all' };
      })
    : node.array;
  return { ...node, object, array };
}

// ---------------------------------------------------------------------------------------------------------------
// Complement

let negationDepth = 0;

/** The schema accepting exactly the JSON values `node` rejects; throws UnsupportedNegation when not exact. */
export function negate(node: SchemaNode): SchemaNode {
  if (++negationDepth > 32) {
    negationDepth = 0;
    throw new UnsupportedNegation('negation of a recursive schema');
  }
  try {
    const u = deref(node);
    return {
      kind: 'union',
      null: !u.null,
      true: !u.true,
      false: !u.false,
      number: complementFacets(u.number, [unconstrainedNumber()], negateNumber, intersectNumbers),
      string: complementFacets(u.string, [unconstrainedString()], negateString, intersectStrings),
      array: complementFacets(u.array, [unconstrainedArray()], negateArray, intersectArrays),
      object: complementFacets(u.object, [unconstrainedObject()], negateObject, intersectObjects),
    };
  } finally {
    negationDepth--;
  }
}

/** ¬(f1 ∨ f2 ∨ …) = ¬f1 ∧ ¬f2 ∧ …, each ¬fi a union of facets. */
function complementFacets<T>(
  facets: T[],
  all: T[],
  neg: (f: T) => T[],
  meet: (x: T, y: T) => T | undefined,
): T[] {
  let acc = all;
  for (const f of facets) acc = cross(acc, neg(f), meet);
  return acc;
}

function negateNumber(f: NumberFacet): NumberFacet[] {
  if (isUnconstrainedNumber(f)) return [];
  if (f.values) return [{ ...unconstrainedNumber(), notValues: [...f.values] }];
  const out: NumberFacet[] = [];
  if (f.multipleOf.length > 0) out.push({ ...unconstrainedNumber(), notMultipleOf: [...f.multipleOf] });
  for (const m of f.notMultipleOf ?? []) out.push({ ...unconstrainedNumber(), multipleOf: [m] });
  for (const v of f.notValues ?? []) out.push({ ...unconstrainedNumber(), values: [v] });
  if (f.integer) out.push({ ...unconstrainedNumber(), nonInteger: true });
  if (f.nonInteger) out.push(unconstrainedNumber(true));
  if (f.minimum !== undefined) out.push({ ...unconstrainedNumber(), exclusiveMaximum: f.minimum });
  if (f.exclusiveMinimum !== undefined) out.push({ ...unconstrainedNumber(), maximum: f.exclusiveMinimum });
  if (f.maximum !== undefined) out.push({ ...unconstrainedNumber(), exclusiveMinimum: f.maximum });
  if (f.exclusiveMaximum !== undefined) out.push({ ...unconstrainedNumber(), minimum: f.exclusiveMaximum });
  return out;
}

function negateString(f: StringFacet): StringFacet[] {
  if (isUnconstrainedString(f)) return [];
  if (f.formats.length > 0) throw new UnsupportedNegation('negation of a string format');
  if (f.values) return [{ ...unconstrainedString(), notValues: [...f.values] }];
  const out: StringFacet[] = [];
  for (const p of f.patterns) out.push({ ...unconstrainedString(), notPatterns: [p] });
  for (const p of f.notPatterns) out.push({ ...unconstrainedString(), patterns: [p] });
  if (f.minLength > 0) out.push({ ...unconstrainedString(), maxLength: f.minLength - 1 });
  if (f.maxLength < Number.POSITIVE_INFINITY)
    out.push({ ...unconstrainedString(), minLength: f.maxLength + 1 });
  for (const v of f.notValues) out.push({ ...unconstrainedString(), values: [v] });
  return out;
}

function negateArray(f: ArrayFacet): ArrayFacet[] {
  if (isUnconstrainedArray(f)) return [];
  const k = f.prefix.length;
  const maxItems = isNothing(f.items) ? Math.min(f.maxItems, k) : f.maxItems;
  const itemWitness = !isAnyNode(f.items) && maxItems > k;
  if (f.uniqueItems !== undefined || f.contains?.length || (itemWitness && k > 0)) {
    throw new UnsupportedNegation('negation of array item schemas or uniqueItems');
  }
  const out: ArrayFacet[] = [];
  // Some item does not match `items`: a `contains` of the complement.
  if (itemWitness) {
    out.push({
      ...unconstrainedArray(),
      contains: [{ node: negate(f.items), min: 1, max: Infinity, pointer: '' }],
    });
  }
  if (f.minItems > 0) out.push({ ...unconstrainedArray(), maxItems: f.minItems - 1 });
  if (maxItems < Number.POSITIVE_INFINITY) out.push({ ...unconstrainedArray(), minItems: maxItems + 1 });
  // Some prefix item present and not matching its schema.
  f.prefix.forEach((item, i) => {
    if (i >= maxItems || isAnyNode(item)) return;
    const prefix: SchemaNode[] = Array.from({ length: i }, () => anyNode());
    prefix.push(negate(item));
    out.push({ ...unconstrainedArray(), prefix, minItems: i + 1 });
  });
  return out;
}

function negateObject(f: ObjectFacet): ObjectFacet[] {
  if (isUnconstrainedObject(f)) return [];
  const present = [...f.properties].filter(([, s]) => !(s.kind === 'union' && isNothing(s))).map(([n]) => n);
  // A closed object whose declared properties are all required has exactly that many properties, so
  // "some other property" is "more properties than that".
  const closedExact =
    isNothing(f.additional) &&
    f.patternProperties.length === 0 &&
    present.every((n) => f.required.includes(n)) &&
    f.required.every((n) => present.includes(n));
  if (
    f.patternProperties.length > 0 ||
    (!isAnyNode(f.additional) && !closedExact) ||
    f.propertyNames ||
    f.dependentRequired.size > 0
  ) {
    throw new UnsupportedNegation(
      'negation of additionalProperties, patternProperties, propertyNames or dependencies',
    );
  }
  const out: ObjectFacet[] = [];
  for (const r of f.required) {
    out.push({ ...unconstrainedObject(), properties: new Map([[r, nothingNode()]]) });
  }
  for (const [name, s] of f.properties) {
    if (isAnyNode(s)) continue;
    const not = negate(s);
    if (isNothing(not)) continue;
    out.push({ ...unconstrainedObject(), properties: new Map([[name, not]]), required: [name] });
  }
  if (f.minProperties > 0) out.push({ ...unconstrainedObject(), maxProperties: f.minProperties - 1 });
  const maxProperties = closedExact ? Math.min(f.maxProperties, present.length) : f.maxProperties;
  if (maxProperties < Number.POSITIVE_INFINITY)
    out.push({ ...unconstrainedObject(), minProperties: maxProperties + 1 });
  return out;
}

/**
 * `a ∧ ¬b`, computed type by type so that only the types both allow need a complement. Arrays whose item
 * schemas are provably disjoint share at most the empty array, which needs no complement either.
 */
export function subtract(a: SchemaNode, b: SchemaNode): SchemaNode {
  const ua = deref(a);
  const ub = deref(b);
  const only = (u: UnionNode, keep: 'array' | 'rest'): UnionNode =>
    keep === 'array' ? { ...nothingNode(), array: u.array } : { ...u, array: [] };
  const rest = deref(intersect(only(ua, 'rest'), negate(only(ub, 'rest'))));
  let array = ua.array;
  for (const g of ub.array) array = array.flatMap((f) => subtractArray(f, g));
  return { ...rest, array };
}

function subtractArray(f: ArrayFacet, g: ArrayFacet): ArrayFacet[] {
  const plain = (x: ArrayFacet): boolean => x.prefix.length === 0 && !x.contains?.length;
  if (plain(f) && plain(g) && provablyDisjoint(f.items, g.items)) {
    const gAcceptsEmpty = g.minItems === 0;
    return gAcceptsEmpty && f.minItems === 0 ? (f.maxItems >= 1 ? [{ ...f, minItems: 1 }] : []) : [f];
  }
  return cross([f], negateArray(g), intersectArrays);
}

/** True if no value can satisfy both (a sufficient check: the intersection is provably empty). */
export function provablyDisjoint(a: SchemaNode, b: SchemaNode): boolean {
  return provablyEmpty(intersect(deref(a), deref(b)), 0);
}

/** A bounded emptiness check that also looks through required properties that are lazy intersections. */
function provablyEmpty(node: SchemaNode, level: number): boolean {
  if (level > 6) return false;
  const u = deref(node);
  if (u.null || u.true || u.false || u.number.length > 0 || u.string.length > 0 || u.array.length > 0)
    return false;
  return u.object.every((f) =>
    f.required.some((r) => {
      const s = f.properties.get(r);
      return s !== undefined && provablyEmpty(s, level + 1);
    }),
  );
}
