/**
 * Stage 2: the schema IR to grammar rules. Primitives (strings, numbers, literals, listed values) are regular
 * expressions inside the rule that uses them; objects and arrays get one rule per facet (and nesting depth
 * when indenting); `$ref` targets that may recurse become shared rules; "any value" is one recursive rule.
 *
 * Objects: in any order by default (`object-order.ts`); otherwise (or as its fallback) declared properties in
 * order, then names only listed in `required`/`dependentRequired`, then
 * additional/pattern properties. Each declared key is matched in every JSON spelling of its decoded name;
 * additional keys exclude the declared names (as decoded values), so a declared property can never be
 * repeated under another spelling. Optional properties make a chain "after property i, the rest", which keeps
 * the grammar linear; `minProperties`/`maxProperties` and `dependentRequired` add a count / obligations to
 * the chain's state.
 */
import { exprToDfa, intersectDfas } from '../engine/automaton.js';
import { GrammarError } from '../engine/errors.js';
import {
  alt,
  and,
  type ByteDfa,
  byteSet,
  dfa,
  EMPTY,
  type Expr,
  type ExprMemo,
  type Grammar,
  GrammarBuilder,
  literal,
  NOTHING,
  optional,
  plus,
  ref,
  repeat,
  seq,
  star,
} from '../engine/ir.js';
import { BoundedCache } from './bounded-cache.js';
import { formatExpr } from './formats.js';
import { intersect, intersectAll, negate, UnsupportedNegation } from './intersect.js';
import { numberExpr, parseDecimal } from './numbers.js';
import { anyOrderMembers } from './object-order.js';
import {
  type ArrayFacet,
  deref,
  isAnyNode,
  isNothing,
  type NumberFacet,
  type ObjectFacet,
  type SchemaNode,
  type StringFacet,
  type UnionNode,
} from './schema-ir.js';
import { ANY_CHAR_UNIT, patternContent, stringContentExcluding, stringContentLiteral } from './strings.js';
import { nodeAccepts, propertySchemas } from './values.js';

/** Output layout. */
export type WhitespaceOption = 'any' | 'compact' | { indent?: number; separators?: [string, string] };

/** Member order in objects: any order (default) or the order the schema declares (see `object-order.ts`). */
export type PropertyOrder = 'any' | 'declared';

export interface LowerOptions {
  whitespace: WhitespaceOption;
  maxWhitespace?: number;
  propertyOrder?: PropertyOrder;
}

const QUOTE = literal('"');
const NULL = literal('null');
const TRUE = literal('true');
const FALSE = literal('false');
const ANY_STRING = seq(QUOTE, star(ANY_CHAR_UNIT), QUOTE);

/** Deepest nesting generated when indenting (indentation needs one rule per depth). */
export const MAX_INDENT_DEPTH = 32;
/** Cap on the states of one object's property chain (property count × count bound × obligations). */
export const MAX_OBJECT_STATES = 20_000;
/** Cap on patternProperties whose overlaps are resolved exactly (2^n key regions). */
export const MAX_OVERLAPPING_PATTERNS = 4;

interface Layout {
  objOpen(d: number): Expr;
  objClose(d: number): Expr;
  arrOpen(d: number): Expr;
  arrClose(d: number): Expr;
  emptyObject: Expr;
  emptyArray: Expr;
  itemSep(d: number): Expr;
  keySep: Expr;
  indented: boolean;
}

const layouts = new BoundedCache<Layout>(64);

/** The layout for `options`, shared by every compile with the same options (so are its expressions). */
function makeLayout(options: LowerOptions): Layout {
  const key = JSON.stringify([options.whitespace ?? 'any', options.maxWhitespace ?? null]);
  return layouts.get(key, () => buildLayout(options));
}

function buildLayout(options: LowerOptions): Layout {
  const w = options.whitespace;
  if (w === 'any' || w === undefined) {
    const wsChar = byteSet([0x20, 0x20, 0x09, 0x0a, 0x0d, 0x0d]);
    const ws = options.maxWhitespace === undefined ? star(wsChar) : repeat(wsChar, 0, options.maxWhitespace);
    // Built once per grammar: the same expressions are shared by every object and array.
    const objOpen = seq(literal('{'), ws);
    const objClose = seq(ws, literal('}'));
    const arrOpen = seq(literal('['), ws);
    const arrClose = seq(ws, literal(']'));
    const itemSep = seq(ws, literal(','), ws);
    return {
      objOpen: () => objOpen,
      objClose: () => objClose,
      arrOpen: () => arrOpen,
      arrClose: () => arrClose,
      emptyObject: seq(literal('{'), ws, literal('}')),
      emptyArray: seq(literal('['), ws, literal(']')),
      itemSep: () => itemSep,
      keySep: seq(ws, literal(':'), ws),
      indented: false,
    };
  }
  if (w === 'compact') {
    const [objOpen, objClose, arrOpen, arrClose, itemSep] = ['{', '}', '[', ']', ','].map(literal) as [
      Expr,
      Expr,
      Expr,
      Expr,
      Expr,
    ];
    return {
      objOpen: () => objOpen,
      objClose: () => objClose,
      arrOpen: () => arrOpen,
      arrClose: () => arrClose,
      emptyObject: literal('{}'),
      emptyArray: literal('[]'),
      itemSep: () => itemSep,
      keySep: literal(':'),
      indented: false,
    };
  }
  const indent = w.indent;
  const [item, key] = w.separators ?? (indent === undefined ? [', ', ': '] : [',', ': ']);
  const nl = (d: number): string => (indent === undefined ? '' : `\n${' '.repeat(indent * d)}`);
  const memo = new Map<string, Expr>();
  const lit = (text: string): Expr => {
    let e = memo.get(text);
    if (!e) {
      e = literal(text);
      memo.set(text, e);
    }
    return e;
  };
  return {
    objOpen: (d) => lit(`{${nl(d + 1)}`),
    objClose: (d) => lit(`${nl(d)}}`),
    arrOpen: (d) => lit(`[${nl(d + 1)}`),
    arrClose: (d) => lit(`${nl(d)}]`),
    emptyObject: literal('{}'),
    emptyArray: literal('[]'),
    itemSep: (d) => lit(`${item}${nl(d + 1)}`),
    keySep: literal(key),
    indented: indent !== undefined,
  };
}

/**
 * True if the expression, as a tree (what the engine's NFA construction walks: a repeat counts its item once
 * per copy), has more than `limit` nodes. Tree sizes are memoised per expression object (front ends share
 * constant sub-expressions), so asking about a large expression built from known parts is cheap.
 */
function exceeds(e: Expr, limit: number): boolean {
  return treeSize(e) > limit;
}

function treeSize(e: Expr): number {
  // Memoised on the node itself: a WeakMap entry per new expression node cost more than the sum.
  const memo = e as Expr & ExprMemo;
  let n = memo.treeSize;
  if (n !== undefined) return n;
  n = 1;
  if (e.kind === 'seq' || e.kind === 'alt' || e.kind === 'and') for (const i of e.items) n += treeSize(i);
  else if (e.kind === 'repeat') n += treeSize(e.item) * Math.max(1, e.max === Infinity ? e.min + 1 : e.max);
  memo.treeSize = n;
  return n;
}

/** A regular expression's DFA and its complement within all JSON string contents. */
const universe = (): ByteDfa => exprToDfa(star(ANY_CHAR_UNIT));
let universeDfa: ByteDfa | undefined;
let plainNumberDfa: ByteDfa | undefined;

/** The texts of `within` (a DFA) that `e` does not match. */
function complementWithin(e: Expr, within: ByteDfa): Expr {
  const d = exprToDfa(e);
  const n = d.numStates + 1; // one extra sink state completes the automaton
  const transitions = new Int32Array(n * 256).fill(n - 1);
  for (let i = 0; i < d.transitions.length; i++) {
    const t = d.transitions[i]!;
    if (t >= 0) transitions[i] = t;
  }
  const accepting = new Uint8Array(n);
  for (let s = 0; s < n; s++) accepting[s] = s < d.numStates && d.accepting[s] ? 0 : 1;
  return dfa(intersectDfas({ numStates: n, transitions, accepting }, within));
}

/** String contents that `e` does not match. */
function complementContent(e: Expr): Expr {
  universeDfa ??= universe();
  return complementWithin(e, universeDfa);
}

const complementCache = new BoundedCache<Expr>(4096);
/** String contents whose decoded value does not match `pattern` (cached per pattern). */
function patternComplement(pattern: string): Expr {
  return complementCache.get(pattern, () => complementContent(patternContent(pattern)));
}

/** Number texts without exponent that `e` does not match (exponent forms are left out: a sound subset). */
function complementPlainNumber(e: Expr): Expr {
  plainNumberDfa ??= exprToDfa(PLAIN_NUMBER_TEXT);
  return complementWithin(e, plainNumberDfa);
}

const regionCache = new BoundedCache<boolean>(4096);
/** Whether no key matches exactly the patterns in `mask` (cached by pattern list and mask). */
function regionIsEmpty(patterns: Array<[string, unknown]>, mask: number, parts: Expr[]): boolean {
  const key = `${mask}\0${patterns.map(([p]) => p).join('\0')}`;
  return regionCache.get(key, () => isEmptyLanguage(and(...parts)));
}

function isEmptyLanguage(e: Expr): boolean {
  if (e.kind === 'nothing') return true;
  const d = exprToDfa(e);
  if (d.accepting[0]) return false;
  for (let b = 0; b < 256; b++) if (d.transitions[b]! >= 0) return false;
  return true;
}

export class Lowerer {
  private readonly b = new GrammarBuilder();
  private readonly layout: Layout;
  private readonly rules = new Map<string, number>();
  private readonly facetIds = new WeakMap<object, number>();
  private nextFacetId = 0;

  private readonly propertyOrder: PropertyOrder;

  constructor(options: LowerOptions) {
    this.layout = makeLayout(options);
    this.propertyOrder = options.propertyOrder ?? 'any';
  }

  /** The grammar whose root rule matches exactly the JSON texts of `root`. */
  grammar(root: SchemaNode): Grammar {
    const rule = this.b.addRule('root');
    this.b.setBody(rule, this.lower(root, 0));
    return this.b.build(rule);
  }

  private depthKey(d: number): number {
    return this.layout.indented ? d : 0;
  }

  private facetId(f: object): number {
    let id = this.facetIds.get(f);
    if (id === undefined) {
      id = this.nextFacetId++;
      this.facetIds.set(f, id);
    }
    return id;
  }

  /** A rule memoized under `key`, its body built after declaration (so it may refer to itself). */
  private rule(key: string, name: string, body: () => Expr): Expr {
    let index = this.rules.get(key);
    if (index === undefined) {
      index = this.b.addRule(`${name}_${this.rules.size}`);
      this.rules.set(key, index);
      this.b.setBody(index, body());
    }
    return ref(index);
  }

  /** The expression of a node at nesting depth `d`. */
  lower(node: SchemaNode, d: number): Expr {
    if (this.layout.indented && d > MAX_INDENT_DEPTH) return NOTHING;
    if (node.kind === 'ref') {
      const target = deref(node);
      if (!node.rule || !(target.array.length > 0 || target.object.length > 0) || isAnyNode(target)) {
        return this.lowerUnion(target, d);
      }
      return this.rule(`ref:${node.id}:${this.depthKey(d)}`, node.name, () =>
        this.lowerUnion(deref(node), d),
      );
    }
    return this.lowerUnion(node, d);
  }

  private lowerUnion(u: UnionNode, d: number): Expr {
    if (isAnyNode(u)) return this.anyValue(d);
    const parts: Expr[] = [];
    if (u.null) parts.push(NULL);
    if (u.true) parts.push(TRUE);
    if (u.false) parts.push(FALSE);
    for (const f of u.number) parts.push(this.boxed(f, () => this.lowerNumber(f)));
    for (const f of u.string) parts.push(this.boxed(f, () => seq(QUOTE, this.stringContent(f), QUOTE)));
    for (const f of u.array) parts.push(this.lowerArray(f, d));
    for (const f of u.object) parts.push(this.lowerObject(f, d));
    return alt(...parts);
  }

  /**
   * A primitive's expression, inline when small; a large one (e.g. a long `maxLength`) becomes its own shared
   * rule so that rules embedding several of them do not multiply automaton sizes.
   */
  private boxed(facet: object, build: () => Expr): Expr {
    const key = `prim:${this.facetId(facet)}`;
    const known = this.rules.get(key);
    if (known !== undefined) return ref(known);
    const e = build();
    return exceeds(e, 3000) ? this.rule(key, 'value', () => e) : e;
  }

  private anyValue(d: number): Expr {
    if (this.layout.indented && d > MAX_INDENT_DEPTH) return NOTHING;
    const key = `any:${this.depthKey(d)}`;
    return this.rule(key, 'any_value', () => {
      const value = (): Expr => this.anyValue(d + 1);
      const string = ANY_STRING;
      const member = seq(string, this.layout.keySep, value());
      const sep = this.layout.itemSep(d);
      const object = alt(
        this.layout.emptyObject,
        seq(this.layout.objOpen(d), member, star(seq(sep, member)), this.layout.objClose(d)),
      );
      const array = alt(
        this.layout.emptyArray,
        seq(this.layout.arrOpen(d), value(), star(seq(sep, value())), this.layout.arrClose(d)),
      );
      return alt(NULL, TRUE, FALSE, numberExpr({ integer: false }), string, object, array);
    });
  }

  // --- primitives ------------------------------------------------------------------------------------------

  private lowerNumber(f: NumberFacet): Expr {
    if (f.values) {
      const listed = alt(...f.values.map(numberLiteral));
      return f.integerText ? and(listed, INTEGER_TEXT) : listed;
    }
    const base = {
      integer: f.integer,
      minimum: f.minimum,
      maximum: f.maximum,
      exclusiveMinimum: f.exclusiveMinimum,
      exclusiveMaximum: f.exclusiveMaximum,
    };
    const exprs =
      f.multipleOf.length === 0
        ? [numberExpr(base)]
        : f.multipleOf.map((m) => numberExpr({ ...base, multipleOf: m }));
    if (f.nonInteger) exprs.push(NON_INTEGER_TEXT);
    if (f.integerText) exprs.push(INTEGER_TEXT);
    if (f.notValues?.length) exprs.push(complementPlainNumber(alt(...f.notValues.map(numberLiteral))));
    for (const m of f.notMultipleOf ?? [])
      exprs.push(complementPlainNumber(numberExpr({ integer: false, multipleOf: m })));
    return and(...exprs);
  }

  /** Content (between the quotes) of the strings of a facet. */
  stringContent(f: StringFacet): Expr {
    if (f.values) return alt(...f.values.map(stringContentLiteral));
    const parts: Expr[] = [];
    if (f.minLength > 0 || f.maxLength < Number.POSITIVE_INFINITY || f.patterns.length === 0) {
      parts.push(repeat(ANY_CHAR_UNIT, f.minLength, f.maxLength));
    }
    for (const p of f.patterns) parts.push(patternContent(p));
    for (const p of f.notPatterns) parts.push(patternComplement(p));
    // The format keyword keeps only formats formatExpr knows (others are annotations or compile errors).
    for (const name of f.formats) parts.push(formatExpr(name) ?? NOTHING);
    if (f.notValues.length > 0) parts.push(stringContentExcluding(f.notValues));
    return and(...parts);
  }

  // --- arrays ------------------------------------------------------------------------------------------------

  private lowerArray(f: ArrayFacet, d: number): Expr {
    return this.rule(`arr:${this.facetId(f)}:${this.depthKey(d)}`, 'array', () => this.arrayBody(f, d));
  }

  private arrayBody(f: ArrayFacet, d: number): Expr {
    const L = this.layout;
    let maxItems = f.maxItems;
    const elems: Expr[] = [];
    for (let i = 0; i < f.prefix.length && i < maxItems; i++) {
      const e = this.lower(f.prefix[i]!, d + 1);
      if (e.kind === 'nothing') maxItems = i;
      else elems.push(e);
    }
    const restNode = f.items;
    const rest = maxItems > f.prefix.length && !isNothing(restNode) ? this.lower(restNode, d + 1) : NOTHING;
    if (rest.kind === 'nothing') maxItems = Math.min(maxItems, elems.length);
    if (f.minItems > maxItems) return NOTHING;
    if (f.uniqueItems !== undefined && maxItems > 1) {
      if (f.contains?.length) return this.containsError(f.contains[0]!.pointer, 'uniqueItems');
      return this.uniqueArray(f, f.uniqueItems, maxItems, d);
    }
    if (f.contains?.length) return this.containsArray(f, maxItems, d);
    const sep = L.itemSep(d);
    const elem = (i: number): Expr => (i < elems.length ? elems[i]! : rest);
    const tail = (i: number): Expr => {
      if (i >= maxItems) return EMPTY;
      if (i < elems.length) {
        const e = seq(sep, elem(i), tail(i + 1));
        return i < f.minItems ? e : optional(e);
      }
      return repeat(seq(sep, rest), Math.max(0, f.minItems - i), maxItems - i);
    };
    const nonEmpty = maxItems === 0 ? NOTHING : seq(L.arrOpen(d), elem(0), tail(1), L.arrClose(d));
    return alt(f.minItems === 0 ? L.emptyArray : NOTHING, nonEmpty);
  }

  private containsError(pointer: string, why: string): never {
    throw new GrammarError(
      'json-schema',
      `Schema keyword 'contains' at ${pointer}: not supported together with ${why}`,
      {
        pointer,
      },
    );
  }

  /**
   * `contains` with `minContains`/`maxContains`: a chain over (items so far, matching items so far). With a
   * finite `maxContains` the other items must provably not match (the complement of the `contains` schema).
   */
  private containsArray(f: ArrayFacet, maxItems: number, d: number): Expr {
    const c = f.contains!;
    if (c.length > 1) this.containsError(c[1]!.pointer, 'another contains');
    if (f.prefix.length > 0) this.containsError(c[0]!.pointer, 'prefixItems or tuple items');
    const { node, min, max, pointer } = c[0]!;
    const L = this.layout;
    const sep = L.itemSep(d);
    const witness = this.lower(intersect(f.items, node), d + 1);
    let other: Expr;
    if (max === Number.POSITIVE_INFINITY) other = this.lower(f.items, d + 1);
    else {
      try {
        other = this.lower(intersect(f.items, negate(node)), d + 1);
      } catch (e) {
        if (e instanceof UnsupportedNegation)
          this.containsError(pointer, `maxContains (needs the ${e.message})`);
        throw e;
      }
    }
    const finiteMax = max < Number.POSITIVE_INFINITY;
    const totalCap = maxItems < Number.POSITIVE_INFINITY ? maxItems : f.minItems;
    const matchCap = finiteMax ? max + 1 : min;
    const key = `contains:${this.facetId(f)}:${this.depthKey(d)}`;
    let states = 0;
    const done = (t: number, j: number): boolean => t >= f.minItems && j >= min && j <= max;
    // after(t, j): the rest of the array after t ≥ 1 items, j of them matching (both capped).
    const after = (t: number, j: number): Expr =>
      this.rule(`${key}:${t}:${j}`, 'contains_rest', () => {
        if (++states > MAX_OBJECT_STATES)
          throw new GrammarError('limit', 'Array too complex: contains chain too long');
        const parts: Expr[] = [];
        if (done(t, j)) parts.push(L.arrClose(d));
        if (t < maxItems) {
          const t2 = Math.min(t + 1, totalCap);
          if (!finiteMax || j < max) parts.push(seq(sep, witness, after(t2, Math.min(j + 1, matchCap))));
          parts.push(seq(sep, other, after(t2, j)));
        }
        return alt(...parts);
      });
    const parts: Expr[] = [done(0, 0) ? L.emptyArray : NOTHING];
    if (maxItems > 0) {
      const t1 = Math.min(1, totalCap);
      if (!finiteMax || max > 0) parts.push(seq(L.arrOpen(d), witness, after(t1, Math.min(1, matchCap))));
      parts.push(seq(L.arrOpen(d), other, after(t1, 0)));
    }
    return alt(...parts);
  }

  /**
   * `uniqueItems` over a small finite domain: every item is one of a few listed primitive values, and the
   * grammar tracks the set of values used so far (one rule per subset).
   */
  private uniqueArray(f: ArrayFacet, pointer: string, maxItems: number, d: number): Expr {
    const fail = (): never => {
      throw new GrammarError(
        'json-schema',
        `Schema keyword 'uniqueItems' at ${pointer}: only supported when items take at most 8 listed primitive values (enum/const/boolean/null) and there is no prefixItems`,
        { pointer },
      );
    };
    if (f.prefix.length > 0) fail();
    const u = deref(f.items);
    if (u.array.length > 0 || u.object.length > 0) fail();
    const domain: Expr[] = [];
    if (u.null) domain.push(literal('null'));
    if (u.true) domain.push(literal('true'));
    if (u.false) domain.push(literal('false'));
    for (const n of u.number) {
      if (!n.values) fail();
      domain.push(...n.values!.map(numberLiteral));
    }
    for (const s of u.string) {
      if (!s.values) fail();
      domain.push(...s.values!.map((v) => seq(QUOTE, stringContentLiteral(v), QUOTE)));
    }
    if (domain.length > 8) fail();
    const L = this.layout;
    const sep = L.itemSep(d);
    const key = `uniq:${this.facetId(f)}:${this.depthKey(d)}`;
    const used = (mask: number): number => {
      let c = 0;
      for (let m = mask; m; m &= m - 1) c++;
      return c;
    };
    // after(mask): the rest of the array once the values in `mask` have been used.
    const after = (mask: number): Expr =>
      this.rule(`${key}:${mask}`, 'unique_items', () => {
        const n = used(mask);
        const parts: Expr[] = [];
        if (n >= f.minItems) parts.push(L.arrClose(d));
        if (n < maxItems) {
          domain.forEach((v, i) => {
            if (!(mask & (1 << i))) parts.push(seq(sep, v, after(mask | (1 << i))));
          });
        }
        return alt(...parts);
      });
    const first = domain.map((v, i) => seq(L.arrOpen(d), v, after(1 << i)));
    return alt(f.minItems === 0 ? L.emptyArray : NOTHING, ...first);
  }

  // --- objects -----------------------------------------------------------------------------------------------

  private lowerObject(f: ObjectFacet, d: number): Expr {
    return this.rule(`obj:${this.facetId(f)}:${this.depthKey(d)}`, 'object', () => this.objectBody(f, d));
  }

  private objectBody(f: ObjectFacet, d: number): Expr {
    const L = this.layout;
    const names: string[] = [...f.properties.keys()];
    const addName = (n: string): void => {
      if (!names.includes(n)) names.push(n);
    };
    f.required.forEach(addName);
    for (const [trigger, deps] of f.dependentRequired) {
      addName(trigger);
      deps.forEach(addName);
    }
    const index = new Map(names.map((n, i) => [n, i]));
    const required = new Set(f.required);
    const members: Expr[] = names.map((name) => {
      if (f.propertyNames && !nodeAccepts(f.propertyNames, name)) return NOTHING;
      const node = intersectAll(propertySchemas(f, name));
      if (node.kind === 'union' && isNothing(node)) return NOTHING;
      const value = this.lower(node, d + 1);
      if (value.kind === 'nothing') return NOTHING;
      return seq(QUOTE, stringContentLiteral(name), QUOTE, L.keySep, value);
    });
    for (const r of required) if (members[index.get(r)!]!.kind === 'nothing') return NOTHING;
    const extra = this.additionalMember(f, names, d);
    const sep = L.itemSep(d);
    const minP = f.minProperties;
    const maxP = f.maxProperties;
    const cap = maxP < Number.POSITIVE_INFINITY ? maxP + 1 : Math.max(minP, 1);
    // Triggers and dependencies by position, for dependentRequired.
    const depsOf = names.map((n) => (f.dependentRequired.get(n) ?? []).map((x) => index.get(x)!));
    if (this.propertyOrder === 'any') {
      const plan = { names, members, required, depsOf, extra, sep, minProperties: minP, maxProperties: maxP };
      const share = (key: string, build: () => Expr): Expr =>
        this.rule(`objany:${this.facetId(f)}:${d}:${key}`, 'object_any', build);
      const any = anyOrderMembers(plan, share, exceeds);
      if (any) {
        return alt(
          any.emptyAllowed ? L.emptyObject : NOTHING,
          any.body.kind === 'nothing' ? NOTHING : seq(L.objOpen(d), any.body, L.objClose(d)),
        );
      }
    }
    const triggersOf = names.map((_, i) => names.map((_t, t) => t).filter((t) => depsOf[t]!.includes(i)));
    const memo = new Map<string, Expr>();
    let states = 0;
    const rest = (i: number, k: number, must: number[], cant: number[]): Expr => {
      const key = `${i}|${k}|${must.join(',')}|${cant.join(',')}`;
      const hit = memo.get(key);
      if (hit) return hit;
      if (++states > MAX_OBJECT_STATES) {
        throw new GrammarError(
          'limit',
          `Object too complex: more than ${MAX_OBJECT_STATES} property-chain states`,
        );
      }
      let e: Expr;
      if (i === names.length) {
        const lo = Math.max(0, minP - k);
        const hi = maxP - k;
        if (must.length > 0 || hi < 0) e = NOTHING;
        else if (k === 0) {
          const lo1 = Math.max(1, lo);
          e =
            hi < 1 || extra.kind === 'nothing'
              ? NOTHING
              : seq(extra, repeat(seq(sep, extra), lo1 - 1, hi - 1));
        } else if (extra.kind === 'nothing') e = lo === 0 ? EMPTY : NOTHING;
        else e = repeat(seq(sep, extra), lo, hi);
      } else {
        const mustHere = required.has(names[i]!) || must.includes(i);
        const member = members[i]!;
        const canHave = !cant.includes(i) && member.kind !== 'nothing' && k < maxP;
        const nextMust = must.filter((x) => x !== i);
        let present: Expr = NOTHING;
        let presentNext = '';
        if (canHave) {
          const m2 = [...new Set([...nextMust, ...depsOf[i]!.filter((x) => x > i)])].sort((a, b) => a - b);
          const k2 = Math.min(k + 1, cap);
          presentNext = `${k2}|${m2.join(',')}|${cant.join(',')}`;
          present = seq(k > 0 ? sep : EMPTY, member, rest(i + 1, k2, m2, cant));
        }
        let absent: Expr = NOTHING;
        let absentNext = '';
        if (!mustHere) {
          const c2 = [...new Set([...cant, ...triggersOf[i]!.filter((t) => t > i)])].sort((a, b) => a - b);
          absentNext = `${k}|${nextMust.join(',')}|${c2.join(',')}`;
          absent = rest(i + 1, k, nextMust, c2);
        }
        if (k > 0 && present.kind !== 'nothing' && absent.kind !== 'nothing' && presentNext === absentNext) {
          e = seq(optional(seq(sep, member)), absent);
        } else e = alt(present, absent);
      }
      // Long chains become rules every few properties (keeps flattening and expression size linear).
      if (
        e.kind !== 'ref' &&
        e.kind !== 'nothing' &&
        e.kind !== 'empty' &&
        (i % 16 === 15 || exceeds(e, 400))
      )
        e = this.rule(`objrest:${this.facetId(f)}:${d}:${key}`, 'object_rest', () => e);
      memo.set(key, e);
      return e;
    };
    const body = rest(0, 0, [], []);
    const emptyAllowed = minP === 0 && f.required.length === 0;
    return alt(
      emptyAllowed ? L.emptyObject : NOTHING,
      body.kind === 'nothing' ? NOTHING : seq(L.objOpen(d), body, L.objClose(d)),
    );
  }

  /** One `key: value` for a property not declared by name (pattern or additional properties). */
  private additionalMember(f: ObjectFacet, names: string[], d: number): Expr {
    let keyBase: Expr = names.length > 0 ? stringContentExcluding(names) : star(ANY_CHAR_UNIT);
    if (f.propertyNames) {
      const pn = deref(f.propertyNames);
      if (!isAnyNode(pn)) keyBase = and(keyBase, alt(...pn.string.map((s) => this.stringContent(s))));
    }
    const member = (key: Expr, value: SchemaNode): Expr => {
      if (key.kind === 'nothing' || (value.kind === 'union' && isNothing(value))) return NOTHING;
      const v = this.lower(value, d + 1);
      if (v.kind === 'nothing') return NOTHING;
      return seq(QUOTE, key, QUOTE, this.layout.keySep, v);
    };
    const patterns = f.patternProperties;
    if (patterns.length === 0) return member(keyBase, f.additional);
    const noAdditional = isNothing(f.additional);
    if (patterns.length === 1 && noAdditional)
      return member(and(keyBase, patternContent(patterns[0]![0])), patterns[0]![1]);
    if (patterns.length > MAX_OVERLAPPING_PATTERNS) {
      throw new GrammarError(
        'json-schema',
        `Unsupported: more than ${MAX_OVERLAPPING_PATTERNS} patternProperties combined with additional properties or each other`,
      );
    }
    // Exact key regions: for each subset T of patterns, keys matching exactly the patterns in T.
    const contents = patterns.map(([p]) => patternContent(p));
    const complements = patterns.map(([p]) => patternComplement(p));
    const parts: Expr[] = [];
    for (let mask = noAdditional ? 1 : 0; mask < 1 << patterns.length; mask++) {
      const keyParts: Expr[] = [keyBase];
      const schemas: SchemaNode[] = [];
      patterns.forEach(([, s], i) => {
        if (mask & (1 << i)) {
          keyParts.push(contents[i]!);
          schemas.push(s);
        } else keyParts.push(complements[i]!);
      });
      // Emptiness of the region itself (cached per pattern set); keyBase only removes finitely many names,
      // and a region left empty by it just matches nothing.
      if (mask !== 0 && regionIsEmpty(patterns, mask, keyParts.slice(1))) continue;
      const key = and(...keyParts);
      parts.push(member(key, mask === 0 ? f.additional : intersectAll(schemas)));
    }
    return alt(...parts);
  }
}

const DIGIT = byteSet([0x30, 0x39]);
const INT_PART = alt(literal('0'), seq(byteSet([0x31, 0x39]), star(DIGIT)));
/** Number texts with a non-zero fraction digit and no exponent: non-integers (a sound subset of them). */
const NON_INTEGER_TEXT: Expr = seq(
  optional(literal('-')),
  INT_PART,
  literal('.'),
  star(DIGIT),
  byteSet([0x31, 0x39]),
  star(DIGIT),
);
/** Integers written without fraction or exponent. */
const INTEGER_TEXT: Expr = seq(optional(literal('-')), INT_PART);
/** JSON number texts without an exponent. */
const PLAIN_NUMBER_TEXT: Expr = seq(
  optional(literal('-')),
  INT_PART,
  optional(seq(literal('.'), plus(DIGIT))),
);

/** Text forms of a listed number: its decimal expansion, with optional trailing fraction zeros. */
export function numberLiteral(value: number): Expr {
  const d = parseDecimal(value);
  if (typeof d === 'string') return NOTHING;
  const sign = d.neg ? literal('-') : d.int === '0' && d.frac === '' ? optional(literal('-')) : EMPTY;
  const zeros = star(literal('0'));
  const frac =
    d.frac === '' ? optional(seq(literal('.'), literal('0'), zeros)) : seq(literal(`.${d.frac}`), zeros);
  return seq(sign, literal(d.int), frac);
}
