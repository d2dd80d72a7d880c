/**
 * JSON Schema drafts: detection from `$schema`, the keyword lists per draft, and meta-schema validation with ajv.
 */
import { createRequire } from 'node:module';
import type { ErrorObject } from 'ajv';
import { GrammarError } from '../engine/errors.js';
import { type JsonValue, toPlain } from './ordered-json.js';

const require = createRequire(import.meta.url);

/** A draft; `auto` is a schema without `$schema`: draft-07 rules, plus the 2019-09/2020-12 keywords. */
export type Draft = 'draft-04' | 'draft-06' | 'draft-07' | '2019-09' | '2020-12' | 'auto';

/** The draft a `$schema` URI names; undefined for an unknown URI. */
export function draftOf(uri: string | undefined): Draft | undefined {
  if (uri === undefined) return 'auto';
  const u = uri.replace(/^https?:\/\//, '').replace(/#$/, '');
  if (u === 'json-schema.org/draft-04/schema') return 'draft-04';
  if (u === 'json-schema.org/draft-06/schema') return 'draft-06';
  if (u === 'json-schema.org/draft-07/schema') return 'draft-07';
  if (u === 'json-schema.org/draft/2019-09/schema') return '2019-09';
  if (u === 'json-schema.org/draft/2020-12/schema') return '2020-12';
  return undefined;
}

/** Keywords that carry no constraint (annotations and structure); ignored by the compiler. */
export const ANNOTATIONS: ReadonlySet<string> = new Set([
  '$schema',
  '$id',
  'id',
  '$comment',
  '$defs',
  'definitions',
  '$anchor',
  '$vocabulary',
  '$dynamicAnchor',
  '$recursiveAnchor',
  'title',
  'description',
  'default',
  'examples',
  'example',
  'deprecated',
  'readOnly',
  'writeOnly',
  'contentMediaType',
  'contentEncoding',
  'contentSchema',
  'discriminator',
  'xml',
  'externalDocs',
]);

/** Standard keywords logitkit cannot enforce exactly: a compile error names them. */
export const UNSUPPORTED_KEYWORDS: ReadonlySet<string> = new Set(['$recursiveRef', '$dynamicRef']);

/** True if `id` (not `$id`) names the base URI. */
export function usesLegacyId(draft: Draft): boolean {
  return draft === 'draft-04' || draft === 'auto';
}

/** Minimal structural view of an ajv instance (the four ajv classes share it). */
export interface AjvLike {
  validateSchema(schema: unknown): boolean | Promise<unknown>;
  errors?: ErrorObject[] | null;
  compile(schema: unknown): ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
  addFormat(name: string, format: unknown): unknown;
}

const ajvCache = new Map<string, AjvLike>();

/**
 * An ajv instance for the draft (draft-06 meta-schema added to the draft-07 class; draft-04 via ajv-draft-04;
 * 2019-09 and 2020-12 via ajv/dist/2019 and ajv/dist/2020), with ajv-formats' formats.
 */
export function ajvFor(draft: Draft): AjvLike {
  const key = draft === 'auto' ? 'draft-07' : draft;
  let ajv = ajvCache.get(key);
  if (ajv) return ajv;
  const options = { strict: false, allErrors: true, validateFormats: true, unicodeRegExp: true };
  type AjvClass = new (o: object) => AjvLike & { addMetaSchema(s: object): unknown };
  const load = (mod: string): AjvClass => {
    const m = require(mod) as { default?: AjvClass };
    return (m.default ?? m) as AjvClass;
  };
  if (key === 'draft-04') ajv = new (load('ajv-draft-04'))(options);
  else if (key === '2019-09') ajv = new (load('ajv/dist/2019'))(options);
  else if (key === '2020-12') ajv = new (load('ajv/dist/2020'))(options);
  else {
    const a = new (load('ajv'))(options);
    a.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as object);
    ajv = a;
  }
  const addFormats = require('ajv-formats') as { default?: (a: AjvLike) => void } & ((a: AjvLike) => void);
  (addFormats.default ?? addFormats)(ajv);
  ajvCache.set(key, ajv);
  return ajv;
}

/** A meta-schema violation, located by JSON pointer. */
export interface MetaSchemaError {
  pointer: string;
  message: string;
}

/** Validates the schema against its draft's meta-schema; returns the violations (empty when valid). */
export function metaSchemaErrors(schema: JsonValue, draft: Draft): MetaSchemaError[] {
  const ajv = ajvFor(draft);
  const plain = toPlain(schema);
  // The draft is already chosen; a `$schema` spelling ajv does not know (e.g. without '#') must not matter.
  if (plain && typeof plain === 'object' && !Array.isArray(plain))
    delete (plain as Record<string, unknown>).$schema;
  let ok: boolean;
  try {
    ok = ajv.validateSchema(plain) === true;
  } catch (e) {
    return [{ pointer: '', message: (e as Error).message }];
  }
  if (ok) return [];
  return (ajv.errors ?? []).map((e) => ({ pointer: e.instancePath, message: `${e.message ?? 'invalid'}` }));
}

/** Throws a GrammarError for the first meta-schema violation. */
export function assertValidSchema(schema: JsonValue, draft: Draft): void {
  const errors = metaSchemaErrors(schema, draft);
  if (errors.length === 0) return;
  const first = errors[0]!;
  throw new GrammarError(
    'json-schema',
    `Invalid JSON Schema (${draft === 'auto' ? 'draft-07' : draft} meta-schema) at ${first.pointer || '/'}: ${first.message}`,
    { pointer: first.pointer },
  );
}
