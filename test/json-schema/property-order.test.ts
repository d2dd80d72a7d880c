/**
 * `propertyOrder`: members in any order (default) with required names enforced, duplicates handled as
 * documented in src/json-schema/object-order.ts, and the declared-order fallbacks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GrammarError } from '../../src/engine/errors.js';
import { jsonSchemaToGrammar } from '../../src/json-schema/index.js';
import { accepts, ajvValid, compileSchema, layouts, rng, sampleText, schemaKeyWords } from './helpers.js';

type Entries = Array<[string, unknown]>;

/** A JSON text of the members in this order (duplicates kept), in Python's json.dumps layout. */
function text(entries: Entries): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}`;
}

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

const D2020 = 'https://json-schema.org/draft/2020-12/schema';

const shop = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string', minLength: 1 },
    price: { type: 'number', minimum: 0 },
    tags: { type: 'array', items: { type: 'string' } },
  },
  required: ['id', 'name'],
  additionalProperties: { type: 'boolean' },
};

/** Schemas and member pools: every permutation of every listed entry set is checked against ajv. */
const ORDER_CASES: Array<{ name: string; schema: object; sets: Entries[] }> = [
  {
    name: 'required and optional, additional booleans',
    schema: shop,
    sets: [
      [
        ['id', 1],
        ['name', 'a'],
        ['price', 2.5],
        ['extra', true],
      ],
      [
        ['name', 'a'],
        ['tags', ['x']],
        ['ok', false],
      ], // id missing
      [
        ['id', 1],
        ['name', ''],
        ['price', 1],
      ], // name too short
      [
        ['id', 1],
        ['name', 'n'],
        ['extra', 'no'],
      ], // additional must be boolean
    ],
  },
  {
    name: 'dependentRequired',
    schema: {
      $schema: D2020,
      type: 'object',
      properties: { card: { type: 'string' }, billing: { type: 'string' }, v: { type: 'integer' } },
      dependentRequired: { card: ['billing'] },
    },
    sets: [
      [
        ['v', 1],
        ['card', 'c'],
        ['billing', 'b'],
      ],
      [
        ['v', 1],
        ['card', 'c'],
      ],
      [
        ['billing', 'b'],
        ['v', 2],
      ],
    ],
  },
  {
    name: 'patternProperties and propertyNames',
    schema: {
      type: 'object',
      properties: { a: { type: 'integer' } },
      patternProperties: { '^x-': { type: 'string' } },
      additionalProperties: false,
      propertyNames: { maxLength: 4 },
      required: ['a'],
    },
    sets: [
      [
        ['x-1', 's'],
        ['a', 1],
        ['x-2', 't'],
      ],
      [
        ['x-1', 2],
        ['a', 1],
      ],
      [
        ['x-long', 's'],
        ['a', 1],
      ],
      [
        ['b', 's'],
        ['a', 1],
      ],
    ],
  },
  {
    name: 'allOf of two objects, anyOf of required names',
    schema: {
      allOf: [
        { properties: { a: { type: 'integer' }, b: { type: 'integer' } }, required: ['a'] },
        { properties: { c: { const: 'k' } }, anyOf: [{ required: ['b'] }, { required: ['c'] }] },
      ],
    },
    sets: [
      [
        ['c', 'k'],
        ['a', 1],
      ],
      [
        ['b', 2],
        ['z', null],
        ['a', 1],
      ],
      [
        ['z', null],
        ['a', 1],
      ],
      [
        ['c', 'x'],
        ['a', 1],
      ],
    ],
  },
  {
    name: 'const object (listed values compare as JSON objects)',
    schema: { const: { x: 1, y: [true], z: 'q' } },
    sets: [
      [
        ['z', 'q'],
        ['y', [true]],
        ['x', 1],
      ],
      [
        ['z', 'q'],
        ['x', 1],
      ],
    ],
  },
  {
    name: 'ten required names (hybrid order)',
    schema: {
      type: 'object',
      properties: Object.fromEntries('abcdefghij'.split('').map((k) => [k, { const: 1 }])),
      required: ['j', 'i', 'h', 'g', 'f', 'e', 'd', 'c', 'b', 'a'],
    },
    sets: [], // checked below: permutations of ten are too many
  },
];

describe('any order: grammar acceptance equals ajv validity over all member orders', () => {
  for (const c of ORDER_CASES.filter((x) => x.sets.length > 0)) {
    it(c.name, () => {
      const compiled = compileSchema(c.schema);
      let valid = 0;
      for (const set of c.sets) {
        for (const order of permutations(set)) {
          const value = Object.fromEntries(order);
          const expected = ajvValid(c.schema, value);
          if (expected) valid++;
          for (const t of [text(order), ...layouts(value)])
            expect(accepts(compiled, t), `${expected ? 'accept' : 'reject'} ${t}`).toBe(expected);
        }
      }
      expect(valid).toBeGreaterThan(0);
    });
  }
});

describe('declared order', () => {
  it('accepts only the declared order and never an invalid instance', () => {
    const compiled = compileSchema(shop, { propertyOrder: 'declared' });
    const set = ORDER_CASES[0]!.sets[0]!;
    for (const order of permutations(set)) {
      const t = text(order);
      const declared = order.map(([k]) => k).join() === 'id,name,price,extra';
      expect(accepts(compiled, t), t).toBe(declared);
    }
  });
  it('integer-like names keep the text order of the schema', () => {
    const schema =
      '{"type":"object","properties":{"b":{"type":"integer"},"10":{"type":"integer"}},"required":["b","10"]}';
    expect(accepts(compileSchema(schema, { propertyOrder: 'declared' }), '{"b": 1, "10": 2}')).toBe(true);
    expect(accepts(compileSchema(schema, { propertyOrder: 'declared' }), '{"10": 2, "b": 1}')).toBe(false);
    expect(accepts(compileSchema(schema), '{"10": 2, "b": 1}')).toBe(true);
  });
  it('an unknown value is a clear error', () => {
    expect(() => jsonSchemaToGrammar({}, { propertyOrder: 'sorted' as 'any' })).toThrow(GrammarError);
    expect(() => jsonSchemaToGrammar({}, { propertyOrder: 'sorted' as 'any' })).toThrow(/propertyOrder/);
  });
});

describe('duplicate keys', () => {
  const big = {
    type: 'object',
    properties: Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((k) => [k, { type: 'integer' }])),
    required: ['a'],
  };
  it('a required name appears once', () => {
    const g = compileSchema(shop);
    expect(accepts(g, '{"id": 1, "name": "a", "id": 2}')).toBe(false);
    expect(accepts(compileSchema(big), '{"a": 1, "a": 1}')).toBe(false);
  });
  it('in small objects (at most 3 declared names) every declared name appears at most once', () => {
    const small = { properties: { a: {}, b: {}, c: {} } };
    expect(accepts(compileSchema(small), '{"b": 1, "a": 1, "b": 2}')).toBe(false);
    expect(accepts(compileSchema(small), '{"b": 1, "a": 1, "z": 2, "z": 3}')).toBe(true);
  });
  it('elsewhere optional names may repeat, each occurrence validated (the parsed object stays valid)', () => {
    const g = compileSchema(big);
    expect(accepts(g, '{"b": 1, "a": 1, "b": 2}')).toBe(true);
    expect(accepts(g, '{"b": 1, "a": 1, "b": "x"}')).toBe(false);
    expect(accepts(g, '{"b": "x", "a": 1, "b": 2}')).toBe(false);
    // Additional keys may repeat too (as in declared order); declared names never pass as additional keys.
    expect(accepts(compileSchema(shop), '{"id": 1, "name": "n", "k": true, "k": false}')).toBe(true);
    expect(accepts(compileSchema(shop), '{"id": 1, "name": "n", "\\u0069d": 2}')).toBe(false);
  });
});

describe('hybrid and declared-order fallbacks', () => {
  const ten = ORDER_CASES.at(-1)!.schema;
  const letters = 'abcdefghij'.split('');
  it('many required names: declared order or required-list order, other members anywhere', () => {
    const g = compileSchema(ten);
    const ok = (ks: string[]): string => text(ks.map((k) => [k, 1]));
    expect(accepts(g, ok(letters))).toBe(true);
    expect(accepts(g, ok([...letters].reverse()))).toBe(true);
    expect(accepts(g, ok(['z', ...letters.slice(0, 5), 'y', ...letters.slice(5)]))).toBe(true);
    // another order is rejected (a restriction, never a wrong accept) and a missing name always is
    expect(accepts(g, ok(['b', 'a', ...letters.slice(2)]))).toBe(false);
    expect(accepts(g, ok(letters.slice(1)))).toBe(false);
    expect(accepts(g, ok([...letters, 'a']))).toBe(false);
  });
  it('maxProperties and minProperties above the required count keep the declared order', () => {
    const capped = { ...shop, maxProperties: 3 };
    const g = compileSchema(capped);
    expect(accepts(g, '{"id": 1, "name": "a", "price": 1}')).toBe(true);
    expect(accepts(g, '{"name": "a", "id": 1}')).toBe(false);
    expect(accepts(g, '{"id": 1, "name": "a", "price": 1, "x": true}')).toBe(false);
    const atLeast = compileSchema({ ...shop, minProperties: 3 });
    expect(accepts(atLeast, '{"id": 1, "name": "a", "price": 1}')).toBe(true);
    expect(accepts(atLeast, '{"id": 1, "name": "a"}')).toBe(false);
    expect(accepts(atLeast, '{"name": "a", "id": 1, "price": 1}')).toBe(false);
    // minProperties at most the number of required names is implied by them: any order
    expect(accepts(compileSchema({ ...shop, minProperties: 2 }), '{"name": "a", "id": 1}')).toBe(true);
  });
  it('dependentRequired with many names is tracked next to the ordered required names', () => {
    const schema = {
      $schema: D2020,
      type: 'object',
      properties: Object.fromEntries([...letters, 'p', 'q'].map((k) => [k, { type: 'integer' }])),
      required: letters,
      dependentRequired: { p: ['q'] },
    };
    const g = compileSchema(schema);
    const t = (ks: string[]): string => text(ks.map((k) => [k, 1]));
    expect(accepts(g, t(['q', ...letters.slice(0, 4), 'p', ...letters.slice(4)]))).toBe(true);
    expect(accepts(g, t([...letters.slice(0, 4), 'p', ...letters.slice(4)]))).toBe(false);
    expect(accepts(g, t([...letters, 'q']))).toBe(true);
  });
});

describe('any order: random member orders (fast-check)', () => {
  it('shop schema: verdict equals ajv for shuffled, subset and duplicated members', () => {
    const compiled = compileSchema(shop);
    const pool: Entries = [
      ['id', 1],
      ['id', 'x'],
      ['name', 'nm'],
      ['name', ''],
      ['price', 3],
      ['price', -1],
      ['tags', ['t']],
      ['k', true],
      ['k2', 0],
    ];
    fc.assert(
      fc.property(fc.shuffledSubarray(pool), (entries) => {
        const keys = entries.map(([k]) => k);
        const requiredTwice = ['id', 'name'].some((r) => keys.indexOf(r) !== keys.lastIndexOf(r));
        const lastWins = Object.fromEntries(entries);
        const firstWins = Object.fromEntries([...entries].reverse());
        const got = accepts(compiled, text(entries));
        // A repeated required name is rejected; an optional one is accepted when every occurrence is valid,
        // i.e. when the object is valid whichever occurrence a parser keeps.
        const expected = !requiredTwice && ajvValid(shop, lastWins) && ajvValid(shop, firstWins);
        expect(got, text(entries)).toBe(expected);
      }),
      { numRuns: 300, seed: 17 },
    );
  });
});

describe('any order: sampled instances validate with ajv', () => {
  for (const c of ORDER_CASES) {
    it(c.name, () => {
      const compiled = compileSchema(c.schema, { whitespace: 'compact' });
      const random = rng(c.name.length * 31);
      const words = schemaKeyWords(c.schema);
      let completed = 0;
      for (let i = 0; i < 12; i++) {
        const t = sampleText(compiled, random, 30, words);
        if (t === undefined || /[0-9]{16,}|[eE][+-]?0*[0-9]{3,}/.test(t)) continue;
        completed++;
        expect(ajvValid(c.schema, JSON.parse(t)), `sample ${t}`).toBe(true);
      }
      expect(completed).toBeGreaterThan(0);
    });
  }
});
