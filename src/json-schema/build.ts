/**
 * Stage 1: JSON Schema documents to the schema IR. Each schema object becomes the intersection of its
 * conjuncts, in document order: the "plain" keywords of the object (type and facet keywords, placed where the
 * first of them appears) and each applicator (`$ref`, `allOf`, `enum`, ...). Document order fixes property
 * order when several conjuncts declare properties (as llguidance does).
 */
import { GrammarError } from '../engine/errors.js';
import { ANNOTATIONS, type Draft, UNSUPPORTED_KEYWORDS } from './drafts.js';
import { numberFormat } from './formats.js';
import { closeUnevaluated, intersectAll } from './intersect.js';
import type { KeywordContext } from './keywords/context.js';
import { KEYWORDS, TYPE_KEYWORDS } from './keywords/index.js';
import { isObject, type JsonObject, type JsonValue } from './ordered-json.js';
import { escapePointer, type SchemaLocation, type SchemaRegistry } from './resolver.js';
import {
  anyNode,
  deref,
  nothingNode,
  type RefNode,
  refNode,
  type SchemaNode,
  type UnionNode,
  unconstrainedArray,
  unconstrainedNumber,
  unconstrainedObject,
  unconstrainedString,
} from './schema-ir.js';

/** A non-fatal finding: a keyword logitkit treats as an annotation although it might be meant as a check. */
export interface SchemaWarning {
  pointer: string;
  keyword: string;
  message: string;
}

export interface BuildOptions {
  /** XGrammar's strict mode: no properties or items beyond the declared ones unless the schema allows them. */
  strict: boolean;
  unknownFormats: 'annotate' | 'error';
}

const CONTENT_KEYWORDS = new Set(['contentEncoding', 'contentMediaType']);

const JSON_TYPES = ['null', 'boolean', 'object', 'array', 'number', 'string', 'integer'];

const SINCE_2019 = ['dependentRequired', 'dependentSchemas', 'unevaluatedProperties', 'unevaluatedItems'];
const SINCE_2019_ARRAYS = ['minContains', 'maxContains', 'prefixItems', '$recursiveRef', '$dynamicRef'];
/** Assertion/applicator keywords a draft does not define (so they are unknown keywords there). */
const NEWER_KEYWORDS: Partial<Record<Draft, ReadonlySet<string>>> = {
  'draft-04': new Set([
    'const',
    'contains',
    'propertyNames',
    'if',
    'then',
    'else',
    ...SINCE_2019,
    ...SINCE_2019_ARRAYS,
  ]),
  'draft-06': new Set(['if', 'then', 'else', ...SINCE_2019, ...SINCE_2019_ARRAYS]),
  'draft-07': new Set([...SINCE_2019, ...SINCE_2019_ARRAYS]),
};

export class SchemaBuilder {
  readonly warnings: SchemaWarning[] = [];
  private readonly memo = new Map<JsonObject, SchemaNode>();
  private readonly inProgress = new Set<JsonObject>();
  private readonly refMemo = new Map<JsonObject, RefNode>();

  constructor(
    private readonly registry: SchemaRegistry,
    private readonly options: BuildOptions,
  ) {}

  /** The node of a schema value found at `pointer` (compiled now). */
  compile(value: JsonValue, pointer: string): SchemaNode {
    if (value === true) return anyNode();
    if (value === false) return nothingNode();
    if (!isObject(value)) {
      throw new GrammarError('json-schema', `Schema at ${pointer || '/'} must be an object or a boolean`, {
        pointer,
      });
    }
    const done = this.memo.get(value);
    if (done) return done;
    if (this.inProgress.has(value)) {
      throw new GrammarError(
        'json-schema',
        `Circular $ref at ${pointer || '/'}: the schema refers to itself without an object or array in between`,
        { pointer },
      );
    }
    this.inProgress.add(value);
    try {
      const location = this.registry.locations.get(value) ?? {
        base: '',
        pointer,
        draft: this.registry.rootDraft,
      };
      const node = this.build(value, location);
      this.memo.set(value, node);
      return node;
    } finally {
      this.inProgress.delete(value);
    }
  }

  /** A subschema in a value position (property, item): compiled on first use, lowered inline. */
  lazy(value: JsonValue, pointer: string): SchemaNode {
    if (typeof value === 'boolean') return this.compile(value, pointer);
    return refNode(`s${pointer.replace(/[^A-Za-z0-9_]+/g, '_')}`, () => this.compile(value, pointer), false);
  }

  /** The node of a `$ref` target: a lazy rule, shared by every reference to the same schema object. */
  private refTarget(target: JsonValue, pointer: string): SchemaNode {
    if (!isObject(target)) return this.compile(target, pointer);
    let node = this.refMemo.get(target);
    if (!node) {
      const where = this.registry.locations.get(target)?.pointer ?? pointer;
      const name = where.replace(/^.*\/(\$defs|definitions)\//, '').replace(/[^A-Za-z0-9_]+/g, '_') || 'root';
      node = refNode(name, () => this.compile(target, where));
      this.refMemo.set(target, node);
    }
    return node;
  }

  private build(full: JsonObject, location: SchemaLocation): SchemaNode {
    const pointer = location.pointer;
    const schema = this.draftView(full, location);
    const ctxFor = (keyword: string): KeywordContext => {
      const kp = `${pointer}/${escapePointer(keyword)}`;
      return {
        schema,
        pointer: kp,
        location,
        unknownFormats: this.options.unknownFormats,
        compile: (v, p) => this.compile(v, p),
        ref: (uri) => this.refTarget(this.registry.resolve(uri, location.base, kp), kp),
        fail: (message) => {
          throw new GrammarError('json-schema', `Schema keyword '${keyword}' at ${kp}: ${message}`, {
            pointer: kp,
          });
        },
        warn: (message) => this.warnings.push({ pointer: kp, keyword, message }),
      };
    };
    const conjuncts: SchemaNode[] = [];
    let plainIndex = -1;
    for (const [keyword, value] of schema) {
      if (CONTENT_KEYWORDS.has(keyword) && (location.draft === 'draft-06' || location.draft === 'draft-07')) {
        // Draft-07 lets validators assert contentEncoding/contentMediaType; logitkit cannot check them.
        throw new GrammarError(
          'json-schema',
          `Unsupported JSON Schema keyword '${keyword}' at ${pointer}/${keyword}`,
          {
            pointer: `${pointer}/${keyword}`,
          },
        );
      }
      if (ANNOTATIONS.has(keyword)) continue;
      if (UNSUPPORTED_KEYWORDS.has(keyword)) {
        throw new GrammarError(
          'json-schema',
          `Unsupported JSON Schema keyword '${keyword}' at ${pointer}/${escapePointer(keyword)}`,
          { pointer: `${pointer}/${escapePointer(keyword)}` },
        );
      }
      const def = KEYWORDS.get(keyword);
      if (def?.kind === 'applicator') conjuncts.push(def.apply(value, ctxFor(keyword)));
      else if ((def || TYPE_KEYWORDS.has(keyword)) && plainIndex < 0) {
        plainIndex = conjuncts.length;
        conjuncts.push(anyNode()); // placeholder, filled below
      }
    }
    if (plainIndex >= 0) conjuncts[plainIndex] = this.plainGroup(schema, ctxFor);
    const node = intersectAll(conjuncts);
    const props = schema.get('unevaluatedProperties');
    const items = schema.get('unevaluatedItems');
    if (props === undefined && items === undefined) return node;
    const at = (k: string): string => `${pointer}/${k}`;
    return closeUnevaluated(
      deref(node),
      props === undefined ? undefined : this.lazy(props, at('unevaluatedProperties')),
      items === undefined ? undefined : this.lazy(items, at('unevaluatedItems')),
    );
  }

  /**
   * The keywords of a schema object that its (explicit) draft defines: up to draft-07 a `$ref` makes its
   * siblings ignored, and keywords introduced by later drafts are unknown keywords there (ignored with a
   * warning). ajv applies both; the spec and MaskBench's validator do not. Without `$schema` all apply.
   */
  private draftView(schema: JsonObject, location: SchemaLocation): JsonObject {
    const newer = NEWER_KEYWORDS[location.draft];
    if (!newer) return schema;
    if (schema.has('$ref')) {
      for (const k of schema.keys())
        if (KEYWORDS.has(k) && k !== '$ref')
          this.warnings.push({
            pointer: `${location.pointer}/${escapePointer(k)}`,
            keyword: k,
            message: `ignored: a $ref makes its sibling keywords ignored in ${location.draft}`,
          });
      return new Map([['$ref', schema.get('$ref')!]]);
    }
    let view: JsonObject | undefined;
    for (const k of schema.keys()) {
      if (!newer.has(k)) continue;
      view ??= new Map(schema);
      view.delete(k);
      this.warnings.push({
        pointer: `${location.pointer}/${escapePointer(k)}`,
        keyword: k,
        message: `ignored: not a ${location.draft} keyword`,
      });
    }
    return view ?? schema;
  }

  /** The type keywords and facet keywords of one schema object, as one node. */
  private plainGroup(schema: JsonObject, ctxFor: (k: string) => KeywordContext): UnionNode {
    const number = unconstrainedNumber();
    const string = unconstrainedString();
    const array = unconstrainedArray();
    const object = unconstrainedObject();
    for (const [keyword, value] of schema) {
      const def = KEYWORDS.get(keyword);
      if (!def || def.kind === 'applicator') continue;
      const ctx = ctxFor(keyword);
      // Subschemas in value positions are compiled on demand (this is what lets them refer back to us).
      const lazyCtx: KeywordContext = { ...ctx, compile: (v, p) => this.lazy(v, p) };
      if (def.kind === 'number') def.apply(number, value, ctx);
      else if (def.kind === 'string') def.apply(string, value, ctx);
      else if (def.kind === 'array') def.apply(array, value, lazyCtx);
      else def.apply(object, value, lazyCtx);
    }
    const format = schema.get('format');
    const numeric = typeof format === 'string' ? numberFormat(format) : undefined;
    if (numeric) {
      number.integer = true;
      if (numeric.minimum !== undefined)
        number.minimum = Math.max(number.minimum ?? -Infinity, Number(numeric.minimum));
      if (numeric.maximum !== undefined)
        number.maximum = Math.min(number.maximum ?? Infinity, Number(numeric.maximum));
    }
    if (this.options.strict) {
      const declaresProperties = schema.has('properties') || schema.has('patternProperties');
      if (declaresProperties && !schema.has('additionalProperties') && !schema.has('unevaluatedProperties')) {
        object.additional = nothingNode();
      }
      const tuple = schema.has('prefixItems') || Array.isArray(schema.get('items'));
      const extraItems = schema.has('prefixItems') ? schema.has('items') : schema.has('additionalItems');
      if (tuple && !extraItems && !schema.has('unevaluatedItems')) array.items = nothingNode();
    }
    let types: Set<string> | undefined;
    const type = schema.get('type');
    if (type !== undefined) {
      const list = Array.isArray(type) ? type : [type];
      const ctx = ctxFor('type');
      for (const t of list) {
        if (typeof t !== 'string' || !JSON_TYPES.includes(t)) ctx.fail(`unknown type ${JSON.stringify(t)}`);
      }
      types = new Set(list as string[]);
      if (schema.get('nullable') === true) types.add('null');
    }
    const has = (t: string): boolean => types === undefined || types.has(t);
    if (has('integer') && !has('number')) {
      number.integer = true;
      // Draft-04 defines an integer as a number written without a fraction or exponent.
      if (ctxFor('type').location.draft === 'draft-04') number.integerText = true;
    }
    return {
      kind: 'union',
      null: has('null'),
      true: has('boolean'),
      false: has('boolean'),
      number: has('number') || has('integer') ? [number] : [],
      string: has('string') ? [string] : [],
      array: has('array') ? [array] : [],
      object: has('object') ? [object] : [],
    };
  }
}
