/** What a keyword's lowering sees, and the shape of the keyword table (after ajv's keyword definitions). */
import type { JsonObject, JsonValue } from '../ordered-json.js';
import type { SchemaLocation } from '../resolver.js';
import type { ArrayFacet, NumberFacet, ObjectFacet, SchemaNode, StringFacet } from '../schema-ir.js';

export interface KeywordContext {
  /** The schema object the keyword belongs to. */
  readonly schema: JsonObject;
  /** JSON pointer of the keyword itself. */
  readonly pointer: string;
  readonly location: SchemaLocation;
  /** How to treat a `format` logitkit cannot check: warn and ignore it (the spec's default) or fail. */
  readonly unknownFormats: 'annotate' | 'error';
  /** Compiles a subschema found at `pointer`. */
  compile(value: JsonValue, pointer: string): SchemaNode;
  /** The (lazy) node of a `$ref` target, resolved against this schema's base URI. */
  ref(uri: string): SchemaNode;
  /** Throws a GrammarError ('json-schema') naming this keyword and pointer. */
  fail(message: string): never;
  /** Records a warning naming this keyword and pointer. */
  warn(message: string): void;
}

/** A keyword that constrains the facet of one JSON type; it mutates that facet. */
export type FacetKeyword =
  | {
      readonly keyword: string;
      readonly kind: 'number';
      apply(f: NumberFacet, v: JsonValue, ctx: KeywordContext): void;
    }
  | {
      readonly keyword: string;
      readonly kind: 'string';
      apply(f: StringFacet, v: JsonValue, ctx: KeywordContext): void;
    }
  | {
      readonly keyword: string;
      readonly kind: 'array';
      apply(f: ArrayFacet, v: JsonValue, ctx: KeywordContext): void;
    }
  | {
      readonly keyword: string;
      readonly kind: 'object';
      apply(f: ObjectFacet, v: JsonValue, ctx: KeywordContext): void;
    };

/** A keyword that is a schema of its own (`allOf`, `enum`, `$ref`, `not`, ...), intersected with its siblings. */
export interface ApplicatorKeyword {
  readonly keyword: string;
  readonly kind: 'applicator';
  apply(v: JsonValue, ctx: KeywordContext): SchemaNode;
}

export type KeywordDefinition = FacetKeyword | ApplicatorKeyword;

/** A non-negative integer keyword value (2.0 is accepted as 2), or a compile error. */
export function nonNegativeInteger(v: JsonValue, ctx: KeywordContext): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    return ctx.fail(`must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

/** A finite number keyword value, or a compile error. */
export function finiteNumber(v: JsonValue, ctx: KeywordContext): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    return ctx.fail(`must be a number, got ${JSON.stringify(v)}`);
  return v;
}
