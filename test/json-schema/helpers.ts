/** Shared helpers for the JSON Schema tests: compile, accept, ajv oracle, serialisations, random-walk sampling. */
import { CompiledGrammar, GrammarMatcher } from '../../src/engine/index.js';
import { ajvFor, draftOf } from '../../src/json-schema/drafts.js';
import { type JsonSchemaOptions, jsonSchemaToGrammar } from '../../src/json-schema/index.js';
import { rng } from '../helpers/rng.js';

export function compileSchema(
  schema: object | boolean | string,
  options: JsonSchemaOptions = {},
): CompiledGrammar {
  const { grammar } = jsonSchemaToGrammar(schema, options);
  return CompiledGrammar.fromGrammar(grammar, null);
}

export function accepts(compiled: CompiledGrammar, text: string): boolean {
  const m = new GrammarMatcher(compiled);
  return m.acceptString(text) && m.isCompleted();
}

/** ajv's verdict (the draft from `$schema`, draft-07 without one). */
export function ajvValid(schema: object | boolean, value: unknown): boolean {
  const uri = typeof schema === 'object' ? (schema as { $schema?: string }).$schema : undefined;
  const ajv = ajvFor(draftOf(uri) ?? 'auto');
  const validate = ajv.compile(schema);
  return validate(value);
}

/** Python `json.dumps` layout (", " and ": "), what MaskBench feeds. */
export function pythonDumps(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pythonDumps).join(', ')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}: ${pythonDumps(x)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(v);
}

/** The layouts every instance is tried in (all accepted with the default whitespace option). */
export function layouts(v: unknown): string[] {
  return [JSON.stringify(v), pythonDumps(v), JSON.stringify(v, null, 2)];
}

export { rng };

const ALPHABET = [...'{}[],:" 0123456789-.eE+abcdefxyzntrulsAZ_\\/@T:Z'].map((c) => c.charCodeAt(0));
const CLOSERS = [...'"}]0123456789elrus'].map((c) => c.charCodeAt(0));

/** The property names a schema mentions (`properties` keys, `required` entries), as quoted JSON keys. */
export function schemaKeyWords(schema: unknown): string[] {
  const words = new Set<string>();
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(visit);
    else if (x && typeof x === 'object') {
      for (const [k, v] of Object.entries(x)) {
        if (k === 'properties' && v && typeof v === 'object') for (const p of Object.keys(v)) words.add(p);
        if (k === 'required' && Array.isArray(v)) for (const p of v) if (typeof p === 'string') words.add(p);
        visit(v);
      }
    }
  };
  visit(schema);
  return [...words].map((w) => JSON.stringify(w));
}

/**
 * A random walk over the grammar at byte level: at each step, pick one of the allowed bytes of a small
 * alphabet (preferring closing bytes once past `budget`), stop when complete (randomly, or when past budget).
 * Once past budget, an allowed `word` (e.g. a quoted required key, which a byte walk rarely spells when keys
 * may come in any order) is taken with probability 0.7. Returns undefined if the walk gets stuck or too long.
 */
export function sampleText(
  compiled: CompiledGrammar,
  random: () => number,
  budget = 40,
  words: string[] = [],
): string | undefined {
  const m = new GrammarMatcher(compiled);
  const out: number[] = [];
  const one = new Uint8Array(1);
  const encoded = words.map((w) => new TextEncoder().encode(w));
  for (let step = 0; step < budget * 6; step++) {
    if (!m.isCompleted() && out.length > budget && encoded.length > 0 && random() < 0.7) {
      const fits = encoded.filter((w) => {
        const ok = m.acceptString(w);
        if (ok) m.rollback(1);
        return ok;
      });
      if (fits.length > 0) {
        const w = fits[Math.floor(random() * fits.length)]!;
        m.acceptString(w);
        out.push(...w);
        continue;
      }
    }
    if (m.isCompleted() && (out.length > budget || random() < 0.15))
      return new TextDecoder().decode(Uint8Array.from(out));
    const allowed: number[] = [];
    for (const b of ALPHABET) {
      one[0] = b;
      if (m.acceptString(one)) {
        allowed.push(b);
        m.rollback(1);
      }
    }
    if (allowed.length === 0)
      return m.isCompleted() ? new TextDecoder().decode(Uint8Array.from(out)) : undefined;
    const late = out.length > budget ? allowed.filter((b) => CLOSERS.includes(b)) : [];
    const pool = late.length > 0 && random() < 0.7 ? late : allowed;
    const b = pool[Math.floor(random() * pool.length)]!;
    one[0] = b;
    m.acceptString(one);
    out.push(b);
  }
  return undefined;
}
