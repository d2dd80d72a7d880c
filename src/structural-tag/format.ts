/**
 * The structural-tag format tree (XGrammar's `StructuralTag` JSON, xgrammar.md §4) and its parser.
 * Every parsed node keeps the JSON pointer of its object so later errors can name it.
 */
import { GrammarError } from '../engine/errors.js';

/** A token given by id or by its exact decoded text. */
export type TokenRef = number | string;

/** A token reference with the JSON pointer it came from (for errors when it does not resolve). */
export interface TokenSpec {
  readonly token: TokenRef;
  readonly path: string;
}

/** One node of the format tree; `path` is the JSON pointer of the object it came from. */
export type Format = { readonly path: string } & (
  | { type: 'const_string'; value: string }
  | { type: 'json_schema'; schema: object | boolean; style: string }
  | { type: 'grammar'; grammar: string }
  | { type: 'regex'; pattern: string }
  | { type: 'any_text'; excludes: string[]; maxChars?: number }
  | { type: 'sequence' | 'or'; elements: Format[] }
  | { type: 'optional' | 'plus' | 'star'; content: Format }
  | { type: 'repeat'; min: number; max: number; content: Format }
  | TagFormat
  | {
      type: 'triggered_tags';
      triggers: string[];
      tags: TagFormat[];
      atLeastOne: boolean;
      stopAfterFirst: boolean;
      excludes: string[];
    }
  | {
      type: 'tags_with_separator';
      tags: TagFormat[];
      separator: string;
      atLeastOne: boolean;
      stopAfterFirst: boolean;
    }
  | { type: 'dispatch'; rules: Array<{ trigger: string; format: Format }>; loop: boolean; excludes: string[] }
  | { type: 'token'; token: TokenRef }
  | { type: 'exclude_token'; excludeTokens: TokenSpec[] }
  | { type: 'any_tokens'; excludeTokens: TokenSpec[]; maxTokens?: number }
  | {
      type: 'token_triggered_tags';
      triggerTokens: TokenSpec[];
      tags: TagFormat[];
      atLeastOne: boolean;
      stopAfterFirst: boolean;
      excludeTokens: TokenSpec[];
    }
  | {
      type: 'token_dispatch';
      rules: Array<{ trigger: TokenSpec; format: Format }>;
      loop: boolean;
      excludeTokens: TokenSpec[];
    }
);

/** `begin content end`; `begin`/`end` are strings or `token` formats; several ends are alternatives. */
export interface TagFormat {
  readonly path: string;
  type: 'tag';
  begin: string | Format;
  content: Format;
  end: Array<string | Format>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Formats whose type may be inferred, in XGrammar's order, with the field that identifies each. */
const INFERRED: Array<[string, string]> = [
  ['tag', 'begin'],
  ['const_string', 'value'],
  ['json_schema', 'json_schema'],
  ['sequence', 'elements'],
  ['triggered_tags', 'triggers'],
  ['tags_with_separator', 'separator'],
  ['repeat', 'min'],
  ['optional', 'content'],
  ['dispatch', 'rules'],
  ['token_dispatch', 'rules'],
];

const JSON_STYLES = new Set([
  'json',
  'qwen_xml',
  'minimax_xml',
  'deepseek_xml',
  'glm_xml',
  'cohere_xml',
  'kimi_k3_xml',
]);

/** Throws the structural-tag error for the format at `path`. */
export function fail(path: string, message: string): never {
  throw new GrammarError('structural-tag', `Invalid structural tag at ${path || '/'}: ${message}`, {
    pointer: path,
  });
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTokenRef(value: Json | undefined): value is TokenRef {
  return (
    (typeof value === 'string' && value !== '') ||
    (typeof value === 'number' && Number.isInteger(value) && value >= 0)
  );
}

function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

class FormatParser {
  private depth = 0;

  /** Parses one format object at `path`. */
  format(value: Json | undefined, path: string): Format {
    if (!isObject(value)) fail(path, 'a format must be a JSON object');
    if (++this.depth > MAX_FORMAT_DEPTH) fail(path, `formats are nested deeper than ${MAX_FORMAT_DEPTH}`);
    try {
      return this.typed(value, path, this.typeOf(value, path));
    } finally {
      this.depth--;
    }
  }

  private typeOf(obj: JsonObject, path: string): string {
    const type = obj.type;
    if (type !== undefined) {
      if (typeof type !== 'string') fail(`${path}/type`, 'the "type" field must be a string');
      return type;
    }
    for (const [name, field] of INFERRED) if (field in obj) return name;
    if (Object.keys(obj).every((k) => ['excludes', 'max_chars', 'max_tokens'].includes(k))) return 'any_text';
    return fail(path, 'the format has no "type" field and matches no format type');
  }

  private typed(obj: JsonObject, path: string, type: string): Format {
    switch (type) {
      case 'const_string':
        return { path, type, value: this.string(obj, 'value', path, { nonEmpty: false }) };
      case 'json_schema':
      case 'qwen_xml_parameter': {
        const schema = obj.json_schema;
        if (!isObject(schema) && typeof schema !== 'boolean') {
          fail(path, `${type} format must have a json_schema field with an object or boolean value`);
        }
        const style =
          type === 'qwen_xml_parameter' ? 'qwen_xml' : (this.optString(obj, 'style', path) ?? 'json');
        if (!JSON_STYLES.has(style))
          fail(`${path}/style`, `unknown json_schema style ${JSON.stringify(style)}`);
        return { path, type: 'json_schema', schema, style };
      }
      case 'grammar':
        return { path, type, grammar: this.string(obj, 'grammar', path, { nonEmpty: true }) };
      case 'regex':
        return { path, type, pattern: this.string(obj, 'pattern', path, { nonEmpty: true }) };
      case 'any_text': {
        if (obj.max_tokens !== undefined && obj.max_tokens !== null) {
          throw new GrammarError(
            'unsupported',
            `Unsupported structural tag format at ${path}/max_tokens: a token count cannot be enforced by the ` +
              'byte-level grammar engine (use max_chars)',
            { pointer: `${path}/max_tokens` },
          );
        }
        const maxChars = obj.max_chars;
        const excludes = this.strings(obj, 'excludes', path, false);
        if (maxChars === undefined || maxChars === null) return { path, type, excludes };
        if (
          typeof maxChars !== 'number' ||
          !Number.isInteger(maxChars) ||
          maxChars < 0 ||
          maxChars > MAX_REPEAT
        ) {
          fail(`${path}/max_chars`, `max_chars must be an integer from 0 to ${MAX_REPEAT}`);
        }
        return { path, type, excludes, maxChars };
      }
      case 'sequence':
      case 'or': {
        const elements = obj.elements;
        if (!Array.isArray(elements) || elements.length === 0) {
          fail(path, `${type} format must have an elements field with a non-empty array`);
        }
        return { path, type, elements: elements.map((e, i) => this.format(e, `${path}/elements/${i}`)) };
      }
      case 'optional':
      case 'plus':
      case 'star':
        return { path, type, content: this.content(obj, type, path) };
      case 'repeat': {
        const min = obj.min;
        const max = obj.max;
        if (typeof min !== 'number' || !Number.isInteger(min) || min < 0) {
          fail(path, 'repeat format must have a min field with a non-negative integer');
        }
        if (typeof max !== 'number' || !Number.isInteger(max) || max < -1) {
          fail(path, 'repeat format must have a max field with an integer >= -1 (-1 = unbounded)');
        }
        const upper = max === -1 ? Number.POSITIVE_INFINITY : max;
        if (upper < min) fail(path, `repeat format has max ${max} < min ${min}`);
        if (Math.max(min, max) > MAX_REPEAT) {
          throw new GrammarError(
            'limit',
            `Invalid structural tag at ${path}: repeat bounds above ${MAX_REPEAT}`,
            {
              pointer: path,
            },
          );
        }
        return { path, type, min, max: upper, content: this.content(obj, type, path) };
      }
      case 'tag':
        return this.tag(obj, path);
      case 'triggered_tags': {
        const triggers = this.strings(obj, 'triggers', path, true);
        if (triggers.length === 0) fail(path, 'triggered_tags format must have a non-empty triggers field');
        if (triggers.some((t) => t === '')) fail(`${path}/triggers`, 'triggers must be non-empty strings');
        return {
          path,
          type,
          triggers,
          tags: this.tags(obj, path, type),
          atLeastOne: this.bool(obj, 'at_least_one', path, false),
          stopAfterFirst: this.bool(obj, 'stop_after_first', path, false),
          excludes: this.strings(obj, 'excludes', path, false),
        };
      }
      case 'tags_with_separator': {
        const separator = obj.separator;
        if (typeof separator !== 'string') {
          fail(path, 'tags_with_separator format must have a separator field with a string value');
        }
        return {
          path,
          type,
          tags: this.tags(obj, path, type),
          separator,
          atLeastOne: this.bool(obj, 'at_least_one', path, false),
          stopAfterFirst: this.bool(obj, 'stop_after_first', path, false),
        };
      }
      case 'dispatch': {
        const rules = obj.rules;
        if (!Array.isArray(rules) || rules.length === 0) {
          fail(
            path,
            'dispatch format must have a rules field with a non-empty array of [string, format] pairs',
          );
        }
        return {
          path,
          type,
          rules: rules.map((pair, i) => {
            const at = `${path}/rules/${i}`;
            if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || pair[0] === '') {
              fail(at, 'each dispatch rule must be a [non-empty string, format] pair');
            }
            return { trigger: pair[0], format: this.format(pair[1], `${at}/1`) };
          }),
          loop: this.bool(obj, 'loop', path, true),
          excludes: this.strings(obj, 'excludes', path, false),
        };
      }
      case 'token': {
        const token = obj.token;
        if (
          typeof token !== 'string' &&
          !(typeof token === 'number' && Number.isInteger(token) && token >= 0)
        ) {
          fail(path, 'token format must have a token field with a token id or a token string');
        }
        return { path, type, token };
      }
      case 'exclude_token':
        return { path, type, excludeTokens: this.tokens(obj, 'exclude_tokens', path, false) };
      case 'any_tokens': {
        const excludeTokens = this.tokens(obj, 'exclude_tokens', path, false);
        const maxTokens = obj.max_tokens;
        if (maxTokens === undefined || maxTokens === null) return { path, type, excludeTokens };
        if (
          typeof maxTokens !== 'number' ||
          !Number.isInteger(maxTokens) ||
          maxTokens < 0 ||
          maxTokens > MAX_REPEAT
        ) {
          fail(`${path}/max_tokens`, `max_tokens must be an integer from 0 to ${MAX_REPEAT}`);
        }
        return { path, type, excludeTokens, maxTokens };
      }
      case 'token_triggered_tags': {
        const triggerTokens = this.tokens(obj, 'trigger_tokens', path, true);
        if (triggerTokens.length === 0)
          fail(path, 'token_triggered_tags format must have a non-empty trigger_tokens field');
        return {
          path,
          type,
          triggerTokens,
          tags: this.tags(obj, path, type),
          atLeastOne: this.bool(obj, 'at_least_one', path, false),
          stopAfterFirst: this.bool(obj, 'stop_after_first', path, false),
          excludeTokens: this.tokens(obj, 'exclude_tokens', path, false),
        };
      }
      case 'token_dispatch': {
        const rules = obj.rules;
        if (!Array.isArray(rules) || rules.length === 0) {
          fail(
            path,
            'token_dispatch format must have a rules field with a non-empty array of [token, format] pairs',
          );
        }
        return {
          path,
          type,
          rules: rules.map((pair, i) => {
            const at = `${path}/rules/${i}`;
            if (!Array.isArray(pair) || pair.length !== 2 || !isTokenRef(pair[0])) {
              fail(at, 'each token_dispatch rule must be a [token id or token string, format] pair');
            }
            return { trigger: { token: pair[0], path: `${at}/0` }, format: this.format(pair[1], `${at}/1`) };
          }),
          loop: this.bool(obj, 'loop', path, true),
          excludeTokens: this.tokens(obj, 'exclude_tokens', path, false),
        };
      }
      default:
        return fail(`${path}/type`, `unknown format type ${JSON.stringify(type)}`);
    }
  }

  private tag(obj: JsonObject, path: string): TagFormat {
    const begin = obj.begin;
    let parsedBegin: string | Format;
    if (typeof begin === 'string') parsedBegin = begin;
    else if (isObject(begin)) parsedBegin = this.tokenFormat(begin, `${path}/begin`);
    else return fail(path, 'tag format must have a begin field with a string or a token format');
    const end = obj.end;
    let ends: Array<string | Format>;
    if (typeof end === 'string') ends = [end];
    else if (Array.isArray(end) && end.length > 0 && end.every((e) => typeof e === 'string'))
      ends = end as string[];
    else if (isObject(end)) ends = [this.tokenFormat(end, `${path}/end`)];
    else
      return fail(
        path,
        'tag format must have an end field with a string, a non-empty string array or a token format',
      );
    return { path, type: 'tag', begin: parsedBegin, content: this.content(obj, 'tag', path), end: ends };
  }

  private tokenFormat(obj: JsonObject, path: string): Format {
    const parsed = this.format(obj, path);
    if (parsed.type !== 'token') fail(path, 'a tag begin or end object must be a token format');
    return parsed;
  }

  private tags(obj: JsonObject, path: string, type: string): TagFormat[] {
    const tags = obj.tags;
    if (!Array.isArray(tags))
      fail(path, `${type} format must have a tags field with an array of tag formats`);
    if (tags.length === 0) fail(`${path}/tags`, `${type} format must have at least one tag`);
    return tags.map((t, i) => {
      const at = `${path}/tags/${i}`;
      const parsed = this.format(t, at);
      if (parsed.type !== 'tag') fail(at, `${type} tags must be tag formats`);
      return parsed;
    });
  }

  private content(obj: JsonObject, type: string, path: string): Format {
    if (!('content' in obj)) fail(path, `${type} format must have a content field`);
    return this.format(obj.content, `${path}/content`);
  }

  private string(obj: JsonObject, key: string, path: string, options: { nonEmpty: boolean }): string {
    const value = obj[key];
    const type = String(obj.type ?? 'this');
    if (typeof value !== 'string') fail(path, `${type} format must have a ${key} field with a string value`);
    if (options.nonEmpty && value === '')
      fail(`${path}/${escapePointer(key)}`, `the ${key} field must not be empty`);
    return value;
  }

  private optString(obj: JsonObject, key: string, path: string): string | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') fail(`${path}/${escapePointer(key)}`, `the ${key} field must be a string`);
    return value;
  }

  private strings(obj: JsonObject, key: string, path: string, required: boolean): string[] {
    const value = obj[key];
    if (value === undefined && !required) return [];
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      fail(path, `the ${key} field must be an array of strings`);
    }
    return value as string[];
  }

  /** A list of token ids (non-negative integers) or token strings. */
  private tokens(obj: JsonObject, key: string, path: string, required: boolean): TokenSpec[] {
    const value = obj[key];
    if (value === undefined && !required) return [];
    if (!Array.isArray(value)) fail(path, `the ${key} field must be an array of token ids or token strings`);
    return value.map((token, i) => {
      const at = `${path}/${key}/${i}`;
      if (!isTokenRef(token)) fail(at, 'a token must be a non-negative integer id or a non-empty string');
      return { token, path: at };
    });
  }

  private bool(obj: JsonObject, key: string, path: string, fallback: boolean): boolean {
    const value = obj[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean')
      fail(`${path}/${escapePointer(key)}`, `the ${key} field must be a boolean`);
    return value;
  }
}

/** Largest `min`/`max` of a `repeat` format (counted repetition is unrolled by the engine). */
export const MAX_REPEAT = 10_000;

/** How deeply formats may nest (a guard against stack exhaustion). */
export const MAX_FORMAT_DEPTH = 200;

/**
 * Parses a structural tag: `{"type": "structural_tag", "format": {...}}`, SGLang's legacy
 * `{"type": "structural_tag", "structures": [{begin, schema, end}], "triggers": [...]}` (≡ `triggered_tags`
 * with json_schema contents), or a bare format object. Text is parsed as JSON first.
 *
 * @throws GrammarError kind `structural-tag` with the JSON pointer of the offending object.
 */
export function parseStructuralTag(tag: object | string): Format {
  let doc: Json;
  if (typeof tag === 'string') {
    try {
      doc = JSON.parse(tag) as Json;
    } catch (e) {
      throw new GrammarError(
        'structural-tag',
        `Invalid structural tag: not valid JSON (${(e as Error).message})`,
        {
          pointer: '',
        },
      );
    }
  } else doc = tag as Json;
  if (!isObject(doc)) fail('', 'a structural tag must be a JSON object');
  const parser = new FormatParser();
  if ('format' in doc) {
    if (doc.type !== undefined && doc.type !== 'structural_tag') {
      fail('/type', 'the type of a structural tag must be "structural_tag"');
    }
    return parser.format(doc.format, '/format');
  }
  if ('structures' in doc || doc.type === 'structural_tag') return legacy(doc, parser);
  return parser.format(doc, '');
}

/** SGLang's legacy form, rewritten as the equivalent `triggered_tags` format. */
function legacy(doc: JsonObject, parser: FormatParser): Format {
  const structures = doc.structures;
  if (!Array.isArray(structures)) {
    fail(
      '',
      'a structural tag must have a "format" field (or the legacy "structures" and "triggers" fields)',
    );
  }
  const triggers = doc.triggers;
  if (
    !Array.isArray(triggers) ||
    triggers.length === 0 ||
    !triggers.every((t) => typeof t === 'string' && t !== '')
  ) {
    fail('/triggers', 'the legacy structural tag must have a non-empty triggers array of non-empty strings');
  }
  if (structures.length === 0)
    fail('/structures', 'the legacy structural tag must have at least one structure');
  const tags = structures.map((s, i): TagFormat => {
    const at = `/structures/${i}`;
    if (!isObject(s)) fail(at, 'a structure must be an object with begin, schema and end');
    const { begin, end, schema } = s;
    if (typeof begin !== 'string') fail(at, 'a structure must have a begin field with a string value');
    if (typeof end !== 'string') fail(at, 'a structure must have an end field with a string value');
    if (!isObject(schema) && typeof schema !== 'boolean') {
      fail(at, 'a structure must have a schema field with an object or boolean value');
    }
    const content = parser.format({ type: 'json_schema', json_schema: schema }, at);
    return { path: at, type: 'tag', begin, content: { ...content, path: `${at}/schema` }, end: [end] };
  });
  const atLeastOne = doc.at_least_one;
  const stopAfterFirst = doc.stop_after_first;
  return {
    path: '',
    type: 'triggered_tags',
    triggers: triggers as string[],
    tags,
    atLeastOne: atLeastOne === true,
    stopAfterFirst: stopAfterFirst === true,
    excludes: [],
  };
}
