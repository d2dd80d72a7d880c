/**
 * `$ref` resolution: base URIs from `$id` (and draft-04 `id`), `$anchor`s and legacy `"$id": "#name"` anchors,
 * JSON pointers (with `~0`/`~1` and percent-decoding), and remote documents supplied by the caller.
 */
import { createRequire } from 'node:module';
import { GrammarError } from '../engine/errors.js';
import { type Draft, draftOf, usesLegacyId } from './drafts.js';
import { fromPlain, isObject, type JsonObject, type JsonValue, parseOrderedJson } from './ordered-json.js';

const require = createRequire(import.meta.url);

/** Where a schema object lives: its base URI, its JSON pointer (prefixed by a document URI when remote). */
export interface SchemaLocation {
  base: string;
  pointer: string;
  draft: Draft;
}

/** A remote document: schema text or value, or undefined if unknown. */
export type RemoteLoader = (uri: string) => string | object | boolean | undefined;

/** The default base URI of the root document. */
export const ROOT_BASE = 'https://logitkit.invalid/root.json';

/** Meta-schemas ajv ships (so `$ref` to a draft meta-schema resolves offline). */
const BUNDLED: Record<string, string> = {
  'http://json-schema.org/draft-07/schema': 'ajv/dist/refs/json-schema-draft-07.json',
  'http://json-schema.org/draft-06/schema': 'ajv/dist/refs/json-schema-draft-06.json',
  'http://json-schema.org/draft-04/schema': 'ajv-draft-04/dist/refs/json-schema-draft-04.json',
};

const NOT_SCHEMAS = new Set(['enum', 'const', 'examples', 'example', 'default']);
/** Keywords whose value is an object of subschemas. */
const SCHEMA_MAPS = new Set([
  'properties',
  'patternProperties',
  '$defs',
  'definitions',
  'dependentSchemas',
  'dependencies',
]);
/** Keywords whose value is a subschema or an array of subschemas. */
const SUBSCHEMAS = new Set([
  'items',
  'prefixItems',
  'additionalItems',
  'additionalProperties',
  'propertyNames',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'unevaluatedItems',
  'unevaluatedProperties',
]);

/** The registry of one compilation: every schema object's location, resources by URI, anchors. */
export class SchemaRegistry {
  readonly locations = new Map<JsonObject, SchemaLocation>();
  private readonly resources = new Map<string, JsonValue>();
  private readonly anchors = new Map<string, JsonObject>();

  constructor(
    root: JsonValue,
    readonly rootDraft: Draft,
    private readonly loadRemote?: RemoteLoader,
  ) {
    this.addDocument(root, ROOT_BASE, '', rootDraft);
  }

  private addDocument(doc: JsonValue, uri: string, pointerPrefix: string, draft: Draft): void {
    this.resources.set(uri, doc);
    this.walk(doc, uri, pointerPrefix, draft);
  }

  /**
   * Records every schema object's location. Identifiers (`$id`, `$anchor`) count only where a schema is
   * expected: inside unknown keywords or `enum`/`const` values they are plain data.
   */
  private walk(value: JsonValue, base: string, pointer: string, draft: Draft, identify = true): void {
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) this.walk(v, base, `${pointer}/${i}`, draft, identify);
      return;
    }
    if (!isObject(value)) return;
    const schemaUri = value.get('$schema');
    if (identify && typeof schemaUri === 'string') draft = draftOf(schemaUri) ?? draft;
    const idValue = value.get('$id') ?? (usesLegacyId(draft) ? value.get('id') : undefined);
    // Up to draft-07 a `$ref` makes its siblings, `$id` included, ignored.
    const refHidesId =
      value.has('$ref') && (draft === 'draft-04' || draft === 'draft-06' || draft === 'draft-07');
    if (identify && typeof idValue === 'string' && !refHidesId) {
      let url: URL | undefined;
      try {
        url = new URL(idValue, base);
      } catch {
        url = undefined;
      }
      if (url) {
        const fragment = url.hash.slice(1);
        url.hash = '';
        if (!idValue.startsWith('#')) {
          base = url.href;
          if (!this.resources.has(base)) this.resources.set(base, value);
        }
        if (fragment && !fragment.startsWith('/'))
          this.anchors.set(`${url.href}#${decodeURIComponent(fragment)}`, value);
      }
    }
    const anchor = value.get('$anchor') ?? value.get('$dynamicAnchor');
    if (identify && typeof anchor === 'string') this.anchors.set(`${base}#${anchor}`, value);
    if (!this.locations.has(value)) this.locations.set(value, { base, pointer, draft });
    for (const [k, v] of value) {
      if (NOT_SCHEMAS.has(k)) continue;
      const p = `${pointer}/${escapePointer(k)}`;
      if (SCHEMA_MAPS.has(k) && isObject(v)) {
        for (const [name, sub] of v) this.walk(sub, base, `${p}/${escapePointer(name)}`, draft, identify);
      } else this.walk(v, base, p, draft, identify && SUBSCHEMAS.has(k));
    }
  }

  /** Resolves `ref` relative to `base`; throws a GrammarError naming `pointer` when it cannot. */
  resolve(ref: string, base: string, pointer: string): JsonValue {
    let url: URL;
    try {
      url = new URL(ref, base);
    } catch {
      throw new GrammarError('json-schema', `Invalid $ref ${JSON.stringify(ref)} at ${pointer}`, { pointer });
    }
    const fragment = decodeURIComponent(url.hash.slice(1));
    url.hash = '';
    const docUri = url.href;
    let doc = this.resources.get(docUri);
    if (doc === undefined) doc = this.fetch(docUri, pointer);
    if (fragment === '') return doc;
    if (fragment.startsWith('/')) {
      let cur: JsonValue | undefined = doc;
      for (const raw of fragment.slice(1).split('/')) {
        const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
        if (Array.isArray(cur)) cur = /^(0|[1-9][0-9]*)$/.test(seg) ? cur[Number(seg)] : undefined;
        else if (isObject(cur)) cur = cur.get(seg);
        else cur = undefined;
        if (cur === undefined) {
          throw new GrammarError(
            'json-schema',
            `$ref ${JSON.stringify(ref)} at ${pointer}: no such location`,
            {
              pointer,
            },
          );
        }
      }
      return cur;
    }
    const target = this.anchors.get(`${docUri}#${fragment}`);
    if (!target) {
      throw new GrammarError('json-schema', `$ref ${JSON.stringify(ref)} at ${pointer}: unknown anchor`, {
        pointer,
      });
    }
    return target;
  }

  private fetch(uri: string, pointer: string): JsonValue {
    let raw: string | object | boolean | undefined = this.loadRemote?.(uri);
    if (raw === undefined && BUNDLED[uri]) raw = require(BUNDLED[uri]) as object;
    if (raw === undefined) {
      throw new GrammarError(
        'json-schema',
        `$ref at ${pointer}: remote schema ${uri} is not available (pass it with the \`remotes\` option)`,
        { pointer },
      );
    }
    const doc = typeof raw === 'string' ? parseOrderedJson(raw) : fromPlain(raw);
    const schemaUri = isObject(doc) ? doc.get('$schema') : undefined;
    const draft = typeof schemaUri === 'string' ? (draftOf(schemaUri) ?? this.rootDraft) : this.rootDraft;
    this.addDocument(doc, uri, uri, draft);
    return doc;
  }
}

/** Escapes one JSON-pointer segment. */
export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
