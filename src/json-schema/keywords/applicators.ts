/**
 * In-place applicators and value lists: `$ref`, `allOf`, `anyOf`, `oneOf`, `not`, `if`/`then`/`else`,
 * `enum`, `const`, `dependentSchemas`, `dependencies`. Each returns a node that is intersected with its siblings.
 */
import {
  intersect,
  intersectAll,
  negate,
  provablyDisjoint,
  subtract,
  UnsupportedNegation,
} from '../intersect.js';
import { isObject, type JsonValue } from '../ordered-json.js';
import { escapePointer } from '../resolver.js';
import {
  anyNode,
  deref,
  nothingNode,
  type ObjectFacet,
  type SchemaNode,
  type UnionNode,
  unconstrainedNumber,
  unconstrainedObject,
  unconstrainedString,
} from '../schema-ir.js';
import type { ApplicatorKeyword, KeywordContext } from './context.js';

/** The union (anyOf) of nodes, merged per JSON type. */
export function unionNodes(nodes: SchemaNode[]): UnionNode {
  const u = nothingNode();
  for (const n of nodes.map(deref)) {
    u.null ||= n.null;
    u.true ||= n.true;
    u.false ||= n.false;
    u.number.push(...n.number.filter((f) => !u.number.includes(f)));
    u.string.push(...n.string.filter((f) => !u.string.includes(f)));
    u.array.push(...n.array.filter((f) => !u.array.includes(f)));
    u.object.push(...n.object.filter((f) => !u.object.includes(f)));
  }
  return mergeValueFacets(u);
}

/**
 * Merges listed-value facets of one type into one facet, so an enum stays one alternative (listed values
 * already satisfy their facet's other constraints, so the merged facet keeps only the list).
 */
function mergeValueFacets(u: UnionNode): UnionNode {
  const strValues = u.string.filter((f) => f.values);
  if (strValues.length > 1) {
    const merged = { ...unconstrainedString(), values: [...new Set(strValues.flatMap((f) => f.values!))] };
    u.string = [merged, ...u.string.filter((f) => !f.values)];
  }
  const numValues = u.number.filter((f) => f.values);
  if (numValues.length > 1) {
    const merged = { ...unconstrainedNumber(), values: [...new Set(numValues.flatMap((f) => f.values!))] };
    u.number = [merged, ...u.number.filter((f) => !f.values)];
  }
  return u;
}

/** A node allowing every non-object value, and objects satisfying `facet`. */
export function objectOnly(facet: ObjectFacet): UnionNode {
  return { ...anyNode(), object: [facet] };
}

/** The node accepting exactly `value` (numbers by value; objects with exactly these keys). */
export function constNode(value: JsonValue): UnionNode {
  const u = nothingNode();
  if (value === null) u.null = true;
  else if (value === true) u.true = true;
  else if (value === false) u.false = true;
  else if (typeof value === 'number') u.number.push({ integer: false, multipleOf: [], values: [value] });
  else if (typeof value === 'string') {
    u.string.push({ ...unconstrainedString(), values: [value] });
  } else if (Array.isArray(value)) {
    u.array.push({
      prefix: value.map(constNode),
      items: nothingNode(),
      minItems: value.length,
      maxItems: value.length,
      evaluatedItems: 0,
    });
  } else {
    const f = unconstrainedObject();
    for (const [k, v] of value) f.properties.set(k, constNode(v));
    f.required = [...value.keys()];
    f.additional = nothingNode();
    u.object.push(f);
  }
  return u;
}

function negated(node: SchemaNode, ctx: KeywordContext, what: string): SchemaNode {
  try {
    return negate(node);
  } catch (e) {
    if (e instanceof UnsupportedNegation)
      return ctx.fail(`${what} is not supported here: needs the ${e.message}`);
    throw e;
  }
}

function schemaList(v: JsonValue, ctx: KeywordContext): SchemaNode[] {
  if (!Array.isArray(v) || v.length === 0) return ctx.fail('must be a non-empty array of schemas');
  return v.map((s, i) => ctx.compile(s, `${ctx.pointer}/${i}`));
}

/** oneOf: exactly one option. Provably disjoint options are a plain union; otherwise option ∧ ¬others. */
function exactlyOne(options: SchemaNode[], ctx: KeywordContext): SchemaNode {
  const parts: SchemaNode[] = [];
  for (let i = 0; i < options.length; i++) {
    let part = options[i]!;
    for (let j = 0; j < options.length; j++) {
      if (i === j || provablyDisjoint(options[i]!, options[j]!)) continue;
      try {
        part = subtract(part, options[j]!);
      } catch (e) {
        if (e instanceof UnsupportedNegation) {
          return ctx.fail(
            `oneOf with overlapping options ${i} and ${j} is not supported here: needs the ${e.message}`,
          );
        }
        throw e;
      }
    }
    parts.push(part);
  }
  return unionNodes(parts);
}

/** `if present(trigger) then schema`: objects without the key, or with it and satisfying the schema. */
function dependentSchema(trigger: string, schema: SchemaNode): SchemaNode {
  const absent = unconstrainedObject();
  absent.properties.set(trigger, nothingNode());
  const present = unconstrainedObject();
  present.required = [trigger];
  return unionNodes([objectOnly(absent), intersect({ ...nothingNode(), object: [present] }, schema)]);
}

export const applicatorKeywords: ApplicatorKeyword[] = [
  {
    keyword: '$ref',
    kind: 'applicator',
    apply(v, ctx) {
      if (typeof v !== 'string') return ctx.fail('must be a string');
      return ctx.ref(v);
    },
  },
  { keyword: 'allOf', kind: 'applicator', apply: (v, ctx) => intersectAll(schemaList(v, ctx)) },
  { keyword: 'anyOf', kind: 'applicator', apply: (v, ctx) => unionNodes(schemaList(v, ctx)) },
  { keyword: 'oneOf', kind: 'applicator', apply: (v, ctx) => exactlyOne(schemaList(v, ctx), ctx) },
  {
    keyword: 'not',
    kind: 'applicator',
    apply: (v, ctx) => negated(ctx.compile(v, ctx.pointer), ctx, '`not`'),
  },
  {
    keyword: 'if',
    kind: 'applicator',
    apply(v, ctx) {
      const thenValue = ctx.schema.get('then');
      const elseValue = ctx.schema.get('else');
      if (thenValue === undefined && elseValue === undefined) return anyNode();
      const cond = ctx.compile(v, ctx.pointer);
      const base = ctx.pointer.slice(0, ctx.pointer.lastIndexOf('/'));
      const thenNode = thenValue === undefined ? anyNode() : ctx.compile(thenValue, `${base}/then`);
      const elseNode = elseValue === undefined ? anyNode() : ctx.compile(elseValue, `${base}/else`);
      return unionNodes([
        intersect(cond, thenNode),
        intersect(negated(cond, ctx, '`if` (its complement)'), elseNode),
      ]);
    },
  },
  // `then` and `else` are read by `if`; alone they do nothing.
  { keyword: 'then', kind: 'applicator', apply: () => anyNode() },
  { keyword: 'else', kind: 'applicator', apply: () => anyNode() },
  {
    keyword: 'const',
    kind: 'applicator',
    apply: (v) => constNode(v),
  },
  {
    keyword: 'enum',
    kind: 'applicator',
    apply(v, ctx) {
      if (!Array.isArray(v) || v.length === 0) return ctx.fail('must be a non-empty array');
      return unionNodes(v.map(constNode));
    },
  },
  {
    keyword: 'dependentSchemas',
    kind: 'applicator',
    apply(v, ctx) {
      if (!isObject(v)) return ctx.fail('must be an object of schemas');
      return intersectAll(
        [...v].map(([k, s]) => dependentSchema(k, ctx.compile(s, `${ctx.pointer}/${escapePointer(k)}`))),
      );
    },
  },
  {
    keyword: 'dependencies',
    kind: 'applicator',
    apply(v, ctx) {
      if (!isObject(v)) return ctx.fail('must be an object');
      const parts: SchemaNode[] = [];
      for (const [k, s] of v) {
        if (Array.isArray(s)) {
          if (!s.every((x) => typeof x === 'string')) return ctx.fail(`/${k} must be an array of strings`);
          const f = unconstrainedObject();
          f.dependentRequired.set(k, s as string[]);
          parts.push(objectOnly(f));
        } else parts.push(dependentSchema(k, ctx.compile(s, `${ctx.pointer}/${escapePointer(k)}`)));
      }
      return intersectAll(parts);
    },
  },
];
