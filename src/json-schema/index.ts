/**
 * JSON Schema to grammar: `jsonSchemaToGrammar` (what `GrammarCompiler.compileJsonSchema` calls) and
 * `checkJsonSchema` (what `logitkit check --json-schema` reports).
 */
import { GrammarError } from '../engine/errors.js';
import type { Grammar } from '../engine/ir.js';
import { SchemaBuilder, type SchemaWarning } from './build.js';
import { assertValidSchema, type Draft, draftOf } from './drafts.js';
import { Lowerer, type PropertyOrder, type WhitespaceOption } from './lower.js';
import { fromPlain, isObject, type JsonValue, parseOrderedJson } from './ordered-json.js';
import { type RemoteLoader, SchemaRegistry } from './resolver.js';

export type { SchemaWarning } from './build.js';
export { type CheckJsonSchemaResult, checkJsonSchema, type XGrammarGap } from './check.js';
export type { Draft } from './drafts.js';
export type { PropertyOrder, WhitespaceOption } from './lower.js';
export { type JsonObject, type JsonValue, parseOrderedJson } from './ordered-json.js';
export type { RemoteLoader } from './resolver.js';

export interface JsonSchemaOptions {
  /**
   * `'any'` (default): JSON whitespace `[ \t\n\r]*` between tokens, none before or after the value;
   * `'compact'`: none at all; `{ indent, separators }`: exactly Python `json.dumps(indent=, separators=)`.
   */
  whitespace?: WhitespaceOption;
  /** With `whitespace: 'any'`, the longest run of whitespace allowed between two tokens. */
  maxWhitespace?: number;
  /**
   * `false` (default) follows the spec: absent `additionalProperties` allows any extra property.
   * `true` is XGrammar's strict mode: no properties (items) beyond the declared ones unless allowed explicitly.
   */
  strict?: boolean;
  /** Remote documents for `$ref`s to other URIs: a map from URI (without fragment) or a loader function. */
  remotes?: Record<string, string | object | boolean> | RemoteLoader;
  /** A `format` logitkit cannot check: `'annotate'` (default: ignore it with a warning) or `'error'`. */
  unknownFormats?: 'annotate' | 'error';
  /** Validate the schema against its draft's meta-schema first (default true). */
  validateSchema?: boolean;
  /**
   * `'any'` (default): object members in any order (required names at most once, see the README for the
   * limits); `'declared'`: declared properties in schema order, then additional ones (XGrammar, llguidance).
   */
  propertyOrder?: PropertyOrder;
}

/** The parsed schema document and its draft. */
export function readSchema(schema: object | string | boolean): { doc: JsonValue; draft: Draft } {
  const doc =
    typeof schema === 'string'
      ? parseOrderedJson(schema)
      : schema instanceof Map
        ? (schema as JsonValue)
        : fromPlain(schema);
  const uri = isObject(doc) ? doc.get('$schema') : undefined;
  if (uri !== undefined && typeof uri !== 'string') {
    throw new GrammarError('json-schema', 'Invalid JSON Schema at /$schema: must be a string', {
      pointer: '/$schema',
    });
  }
  const draft = draftOf(uri);
  if (!draft) {
    throw new GrammarError('json-schema', `Unknown JSON Schema dialect at /$schema: ${JSON.stringify(uri)}`, {
      pointer: '/$schema',
    });
  }
  return { doc, draft };
}

/**
 * Compiles a JSON Schema (object, boolean, or JSON text — text keeps its key order) into a grammar accepting
 * exactly the JSON texts of valid instances, within the documented restrictions (property-order limits,
 * number texts without exponents under bounds). Throws `GrammarError` (kind `json-schema` with a JSON pointer,
 * or `limit`) for invalid schemas and for keywords it cannot enforce exactly.
 */
export function jsonSchemaToGrammar(
  schema: object | string | boolean,
  options: JsonSchemaOptions = {},
): { grammar: Grammar; warnings: SchemaWarning[] } {
  const order = options.propertyOrder;
  if (order !== undefined && order !== 'any' && order !== 'declared') {
    throw new GrammarError(
      'json-schema',
      `Invalid option propertyOrder: ${JSON.stringify(order)} (expected 'any' or 'declared')`,
    );
  }
  const { doc, draft } = readSchema(schema);
  if (options.validateSchema !== false) assertValidSchema(doc, draft);
  const remotes = options.remotes;
  const loader: RemoteLoader | undefined =
    typeof remotes === 'function'
      ? remotes
      : remotes
        ? (uri) => remotes[uri] ?? remotes[`${uri}#`]
        : undefined;
  const registry = new SchemaRegistry(doc, draft, loader);
  const builder = new SchemaBuilder(registry, {
    strict: options.strict ?? false,
    unknownFormats: options.unknownFormats ?? 'annotate',
  });
  const root = builder.compile(doc, '');
  const lowerer = new Lowerer({
    whitespace: options.whitespace ?? 'any',
    maxWhitespace: options.maxWhitespace,
    propertyOrder: options.propertyOrder,
  });
  const grammar = lowerer.grammar(root);
  return { grammar, warnings: builder.warnings };
}
