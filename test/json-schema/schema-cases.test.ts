import { describe, expect, it } from 'vitest';
import { GrammarError } from '../../src/engine/errors.js';
import { jsonSchemaToGrammar } from '../../src/json-schema/index.js';
import { CASES, ERROR_CASES } from './cases.js';
import { accepts, ajvValid, compileSchema, layouts, rng, sampleText, schemaKeyWords } from './helpers.js';

describe('grammar acceptance equals ajv validity (any and declared property order)', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const compiled = compileSchema(c.schema);
      const declared = compileSchema(c.schema, { propertyOrder: 'declared' });
      for (const v of c.valid) {
        expect(ajvValid(c.schema, v), `ajv: ${JSON.stringify(v)} should be valid`).toBe(true);
        for (const text of layouts(v)) {
          expect(accepts(compiled, text), `accept ${text}`).toBe(true);
          expect(accepts(declared, text), `accept (declared) ${text}`).toBe(true);
        }
      }
      for (const v of c.invalid) {
        expect(ajvValid(c.schema, v), `ajv: ${JSON.stringify(v)} should be invalid`).toBe(false);
        for (const text of layouts(v)) {
          expect(accepts(compiled, text), `reject ${text}`).toBe(false);
          expect(accepts(declared, text), `reject (declared) ${text}`).toBe(false);
        }
      }
      for (const [text, expected] of c.texts ?? []) {
        let parsed: unknown;
        let parses = true;
        try {
          parsed = JSON.parse(text);
        } catch {
          parses = false;
        }
        // A lone surrogate escape parses in JS; logitkit rejects it (it decodes to no Unicode scalar value).
        if (parses && expected) expect(ajvValid(c.schema, parsed), `ajv on ${text}`).toBe(true);
        expect(accepts(compiled, text), `text ${text}`).toBe(expected);
      }
    });
  }
});

describe('sampled instances validate with ajv', () => {
  const sampled = CASES.filter(
    (c) => c.valid.length > 0 && !['format date-time', 'format email'].includes(c.name),
  );
  for (const c of sampled) {
    it(c.name, () => {
      const compiled = compileSchema(c.schema, { whitespace: 'compact' });
      const random = rng(c.name.length * 7919);
      const words = schemaKeyWords(c.schema);
      let completed = 0;
      for (let i = 0; i < 12; i++) {
        const text = sampleText(compiled, random, 40, words);
        // ajv checks numbers as doubles: beyond 15 digits its multipleOf/bounds verdicts are not exact.
        // (and exponents beyond ±308 under/overflow).
        if (text === undefined || /[0-9]{16,}|[eE][+-]?0*[0-9]{3,}/.test(text)) continue;
        completed++;
        expect(ajvValid(c.schema, JSON.parse(text)), `sample ${text}`).toBe(true);
      }
      expect(completed).toBeGreaterThan(0);
    });
  }
});

describe('compile errors name the keyword and its JSON pointer', () => {
  for (const c of ERROR_CASES) {
    it(`${c.keyword} at ${c.pointer}`, () => {
      let error: unknown;
      try {
        jsonSchemaToGrammar(c.schema);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(GrammarError);
      const g = error as GrammarError;
      expect(g.kind).toBe('json-schema');
      expect(g.pointer).toBe(c.pointer);
      expect(g.message).toContain(c.pointer);
    });
  }
});
