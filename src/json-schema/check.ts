/**
 * `logitkit check --json-schema`: meta-schema and compile errors with JSON pointers, the keywords SGLang's
 * default backend (XGrammar) would silently not enforce, and ajv's verdict on instances.
 */
import { GrammarError } from '../engine/errors.js';
import type { SchemaWarning } from './build.js';
import { ajvFor, metaSchemaErrors } from './drafts.js';
import { type JsonSchemaOptions, jsonSchemaToGrammar, readSchema } from './index.js';
import { isObject, type JsonValue, parseOrderedJson, toPlain } from './ordered-json.js';
import { escapePointer } from './resolver.js';

/** A keyword XGrammar accepts but does not enforce (xgrammar.md §3). */
export interface XGrammarGap {
  pointer: string;
  keyword: string;
  reason: string;
}

export interface CheckJsonSchemaResult {
  /** Meta-schema violations and the compile error, if any, each with a JSON pointer. */
  errors: Array<{ pointer: string; message: string }>;
  warnings: SchemaWarning[];
  xgrammarIgnored: XGrammarGap[];
  /** Per instance (in order): ajv's verdict, or a parse error. */
  instances: Array<{ valid: boolean; errors: string[] }>;
}

const XGRAMMAR_IGNORED: Record<string, string> = {
  not: 'ignored',
  if: 'if/then/else ignored',
  dependentRequired: 'ignored',
  dependentSchemas: 'ignored',
  dependencies: 'ignored',
  nullable: 'ignored',
  uniqueItems: 'ignored',
  contains: 'ignored',
  maxContains: 'ignored',
  unevaluatedProperties: 'used only when additionalProperties is absent',
};
const FIRST_WINS = ['$ref', 'const', 'enum', 'anyOf', 'oneOf', 'allOf'];
const XGRAMMAR_FORMATS = new Set([
  'email',
  'date',
  'time',
  'date-time',
  'duration',
  'ipv4',
  'ipv6',
  'hostname',
  'uuid',
  'uri',
  'uri-reference',
  'uri-template',
  'json-pointer',
  'relative-json-pointer',
]);
const NOT_SCHEMAS = new Set(['enum', 'const', 'examples', 'example', 'default']);

/** Keywords XGrammar's JSON Schema converter would accept without enforcing them. */
export function xgrammarGaps(doc: JsonValue, pointer = ''): XGrammarGap[] {
  const out: XGrammarGap[] = [];
  const visit = (v: JsonValue, p: string): void => {
    if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) visit(x, `${p}/${i}`);
      return;
    }
    if (!isObject(v)) return;
    const at = (k: string): string => `${p}/${escapePointer(k)}`;
    for (const [k, reason] of Object.entries(XGRAMMAR_IGNORED))
      if (v.has(k)) out.push({ pointer: at(k), keyword: k, reason });
    const first = FIRST_WINS.find((k) => v.has(k));
    if (first) {
      for (const k of v.keys()) {
        if (
          k !== first &&
          ![
            '$schema',
            '$id',
            '$defs',
            'definitions',
            'title',
            'description',
            '$comment',
            'default',
            'examples',
          ].includes(k)
        ) {
          out.push({ pointer: at(k), keyword: k, reason: `sibling of '${first}', which XGrammar lets win` });
        }
      }
    }
    if (first === 'oneOf')
      out.push({
        pointer: at('oneOf'),
        keyword: 'oneOf',
        reason: 'treated as anyOf (exclusivity not enforced)',
      });
    const allOf = v.get('allOf');
    if (Array.isArray(allOf) && allOf.length > 1)
      out.push({ pointer: at('allOf'), keyword: 'allOf', reason: 'more than one subschema: any value' });
    const format = v.get('format');
    if (typeof format === 'string' && !XGRAMMAR_FORMATS.has(format))
      out.push({ pointer: at('format'), keyword: 'format', reason: 'unknown format ignored' });
    if (typeof format === 'string' && v.has('pattern'))
      out.push({ pointer: at('pattern'), keyword: 'pattern', reason: 'format takes precedence' });
    if ((v.has('pattern') || typeof format === 'string') && (v.has('minLength') || v.has('maxLength'))) {
      out.push({
        pointer: at(v.has('minLength') ? 'minLength' : 'maxLength'),
        keyword: 'minLength/maxLength',
        reason: 'ignored next to pattern/format',
      });
    }
    const mult = v.get('multipleOf');
    if (typeof mult === 'number' && (!Number.isInteger(mult) || mult > 1024))
      out.push({ pointer: at('multipleOf'), keyword: 'multipleOf', reason: 'only integers up to 1024' });
    if (v.get('type') === 'number' && typeof mult === 'number')
      out.push({ pointer: at('multipleOf'), keyword: 'multipleOf', reason: 'ignored for type number' });
    const ref = v.get('$ref');
    if (typeof ref === 'string' && !ref.startsWith('#'))
      out.push({ pointer: at('$ref'), keyword: '$ref', reason: 'non-local reference treated as any value' });
    for (const [k, x] of v) if (!NOT_SCHEMAS.has(k)) visit(x, at(k));
  };
  visit(doc, pointer);
  return out;
}

/** Checks a schema text (and instance texts) for `logitkit check`. */
export function checkJsonSchema(
  schemaText: string,
  options: JsonSchemaOptions & { instances?: string[] } = {},
): CheckJsonSchemaResult {
  const result: CheckJsonSchemaResult = { errors: [], warnings: [], xgrammarIgnored: [], instances: [] };
  let read: ReturnType<typeof readSchema>;
  try {
    read = readSchema(schemaText);
  } catch (e) {
    result.errors.push({ pointer: (e as GrammarError).pointer ?? '', message: (e as Error).message });
    return result;
  }
  result.errors.push(...metaSchemaErrors(read.doc, read.draft));
  result.xgrammarIgnored = xgrammarGaps(read.doc);
  if (result.errors.length === 0) {
    try {
      result.warnings = jsonSchemaToGrammar(schemaText, { ...options, validateSchema: false }).warnings;
    } catch (e) {
      if (!(e instanceof GrammarError)) throw e;
      result.errors.push({ pointer: e.pointer ?? '', message: e.message });
    }
  }
  let validate: ((x: unknown) => boolean) & {
    errors?: Array<{ instancePath: string; message?: string }> | null;
  };
  try {
    validate = ajvFor(read.draft).compile(toPlain(read.doc));
  } catch (e) {
    for (const _ of options.instances ?? [])
      result.instances.push({ valid: false, errors: [(e as Error).message] });
    return result;
  }
  for (const text of options.instances ?? []) {
    try {
      const value = toPlain(parseOrderedJson(text));
      const valid = validate(value);
      result.instances.push({
        valid,
        errors: valid
          ? []
          : (validate.errors ?? []).map((x) => `${x.instancePath || '/'}: ${x.message ?? 'invalid'}`),
      });
    } catch (e) {
      result.instances.push({ valid: false, errors: [(e as Error).message] });
    }
  }
  return result;
}
