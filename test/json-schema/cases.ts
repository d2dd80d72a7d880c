/**
 * Schema / instance cases covering every supported keyword. `valid` instances are listed in the schema's
 * property order (so both `propertyOrder` modes accept them); `invalid` ones must be rejected in every
 * layout. `texts` holds raw JSON texts (escape spellings) with their expected verdict.
 */
export interface SchemaCase {
  name: string;
  schema: object | boolean;
  valid: unknown[];
  invalid: unknown[];
  texts?: Array<[string, boolean]>;
}

const D7 = 'http://json-schema.org/draft-07/schema#';
const D4 = 'http://json-schema.org/draft-04/schema#';
const D2020 = 'https://json-schema.org/draft/2020-12/schema';
const D2019 = 'https://json-schema.org/draft/2019-09/schema';

export const CASES: SchemaCase[] = [
  // --- type ---
  {
    name: 'string',
    schema: { type: 'string' },
    valid: ['', 'a', 'é€😀', 'a"b\\c\n'],
    invalid: [1, null, [], {}],
  },
  {
    name: 'integer',
    schema: { type: 'integer' },
    valid: [0, -1, 123456789],
    invalid: [1.5, '1', null, true],
  },
  { name: 'number', schema: { type: 'number' }, valid: [0, -1.5, 1e-7, 12.25], invalid: ['1', null, [1]] },
  { name: 'boolean', schema: { type: 'boolean' }, valid: [true, false], invalid: [0, 'true', null] },
  { name: 'null', schema: { type: 'null' }, valid: [null], invalid: [0, false, ''] },
  { name: 'type array', schema: { type: ['string', 'null'] }, valid: ['x', null], invalid: [1, false, {}] },
  {
    name: 'integer or boolean',
    schema: { type: ['integer', 'boolean'] },
    valid: [3, true],
    invalid: [3.5, null],
  },
  {
    name: 'empty schema',
    schema: {},
    valid: [null, 1, 'x', [1, { a: [] }], { 'a b': { c: null } }],
    invalid: [],
  },
  { name: 'true schema', schema: true, valid: [1, 'a', { x: [null] }], invalid: [] },
  {
    name: 'only annotations',
    schema: { title: 't', description: 'd', examples: [1] },
    valid: [1, 'x'],
    invalid: [],
  },
  // --- enum / const ---
  {
    name: 'enum mixed',
    schema: { enum: ['red', 2, null, true, [1, 'a'], { k: 1 }] },
    valid: ['red', 2, null, true, [1, 'a'], { k: 1 }],
    invalid: ['blue', 3, false, [1], { k: 2 }, { k: 1, j: 1 }],
    texts: [
      ['2.0', true],
      ['2.00', true],
      ['"r\\u0065d"', true],
      ['"re"', false],
    ],
  },
  {
    name: 'const number by value',
    schema: { const: 1 },
    valid: [1],
    invalid: [2, '1', true],
    texts: [['1.0', true]],
  },
  {
    name: 'const string escapes',
    schema: { const: 'a"b/é' },
    valid: ['a"b/é'],
    invalid: ['a"b', 'ab/é'],
    texts: [['"a\\"b\\/\\u00e9"', true]],
  },
  {
    name: 'const object',
    schema: { const: { a: [1, { b: null }] } },
    valid: [{ a: [1, { b: null }] }],
    invalid: [{ a: [1] }, {}],
  },
  {
    name: 'enum with type',
    schema: { type: 'string', enum: ['a', 1, 'b'] },
    valid: ['a', 'b'],
    invalid: [1, 'c'],
  },
  {
    name: 'enum with minLength',
    schema: { enum: ['a', 'bbb', 'cc'], minLength: 2 },
    valid: ['bbb', 'cc'],
    invalid: ['a'],
  },
  {
    name: 'enum decimal',
    schema: { enum: [0.5, -2.25] },
    valid: [0.5, -2.25],
    invalid: [0.25, 2.25],
    texts: [['0.50', true]],
  },
  // --- numbers ---
  {
    name: 'integer range',
    schema: { type: 'integer', minimum: -5, maximum: 100 },
    valid: [-5, 0, 100, 42],
    invalid: [-6, 101, 1000, 50.5],
  },
  {
    name: 'exclusive bounds',
    schema: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
    valid: [0.5, 0.001, 0.999],
    invalid: [0, 1, -0.5, 1.5],
  },
  {
    name: 'draft-04 boolean exclusive',
    schema: { $schema: D4, type: 'number', minimum: 1, exclusiveMinimum: true, maximum: 3 },
    valid: [1.5, 3, 2],
    invalid: [1, 0.9, 3.1],
  },
  {
    name: 'multipleOf integer',
    schema: { type: 'integer', multipleOf: 5 },
    valid: [0, 5, -10, 100],
    invalid: [3, 7, 101],
  },
  {
    name: 'multipleOf decimal',
    schema: { type: 'number', multipleOf: 0.25 },
    valid: [0.5, 1.75, 2],
    invalid: [0.3, 1.1],
  },
  {
    name: 'multipleOf with bounds',
    schema: { type: 'integer', multipleOf: 3, minimum: 10, maximum: 20 },
    valid: [12, 15, 18],
    invalid: [9, 21, 13],
  },
  {
    name: 'int32 format',
    schema: { type: 'integer', format: 'int32' },
    valid: [2147483647, -3],
    invalid: [2147483648],
  },
  // --- strings ---
  {
    name: 'length in code points',
    schema: { type: 'string', minLength: 2, maxLength: 3 },
    valid: ['ab', 'éé', '😀😀😀', 'a\nb'],
    invalid: ['a', 'abcd', '😀'],
    texts: [
      ['"\\u00e9\\u00e9"', true],
      ['"\\ud83d\\ude00\\ud83d\\ude00"', true],
      ['"\\ud83d\\ude00"', false],
      ['"\\ud83d"', false],
    ],
  },
  {
    name: 'pattern search',
    schema: { type: 'string', pattern: '[0-9]{3}' },
    valid: ['a123b', '999'],
    invalid: ['12', 'abc'],
  },
  {
    name: 'pattern anchored',
    schema: { type: 'string', pattern: '^[a-z]+-[0-9]+$' },
    valid: ['abc-12', 'z-0'],
    invalid: ['Abc-12', 'abc-12x', '-1'],
  },
  {
    name: 'pattern and length',
    schema: { type: 'string', pattern: '^a', maxLength: 3 },
    valid: ['a', 'abc'],
    invalid: ['abcd', 'ba'],
  },
  {
    name: 'pattern with quote',
    schema: { type: 'string', pattern: '^"x\\\\$' },
    valid: ['"x\\'],
    invalid: ['x'],
  },
  {
    name: 'format date-time',
    schema: { type: 'string', format: 'date-time' },
    valid: ['2024-02-29T12:30:00Z', '2023-01-01T00:00:00.5+02:00'],
    invalid: ['2023-02-29T12:30:00Z', 'yesterday', '2024-01-01'],
  },
  {
    name: 'format date',
    schema: { format: 'date' },
    valid: ['2020-12-31', 5],
    invalid: ['2020-13-01', '20-1-1'],
  },
  {
    name: 'format email',
    schema: { type: 'string', format: 'email' },
    valid: ['a.b@example.com'],
    invalid: ['no-at-sign', 'a@'],
  },
  {
    name: 'format uuid',
    schema: { type: 'string', format: 'uuid' },
    valid: ['123e4567-e89b-12d3-a456-426614174000'],
    invalid: ['123e4567'],
  },
  {
    name: 'format ipv4',
    schema: { type: 'string', format: 'ipv4' },
    valid: ['192.168.0.1'],
    invalid: ['256.1.1.1', '1.2.3'],
  },
  {
    name: 'format with pattern',
    schema: { type: 'string', format: 'date', pattern: '^2020' },
    valid: ['2020-01-02'],
    invalid: ['2021-01-02'],
  },
  // --- arrays ---
  {
    name: 'items and counts',
    schema: { type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: 3 },
    valid: [[1], [1, 2, 3]],
    invalid: [[], [1, 2, 3, 4], ['a'], [1.5]],
  },
  {
    name: 'prefixItems 2020',
    schema: { $schema: D2020, prefixItems: [{ type: 'string' }, { type: 'number' }], items: false },
    valid: [[], ['a'], ['a', 1]],
    invalid: [[1], ['a', 1, 2], ['a', 'b']],
  },
  {
    name: 'prefixItems with items schema',
    schema: { $schema: D2020, prefixItems: [{ const: 'x' }], items: { type: 'boolean' }, minItems: 2 },
    valid: [
      ['x', true],
      ['x', false, true],
    ],
    invalid: [['x'], ['y', true], ['x', 1]],
  },
  {
    name: 'draft-07 tuple items + additionalItems',
    schema: {
      $schema: D7,
      items: [{ type: 'integer' }, { type: 'string' }],
      additionalItems: { type: 'null' },
    },
    valid: [[1], [1, 'a'], [1, 'a', null, null]],
    invalid: [['a'], [1, 'a', 2]],
  },
  {
    name: 'draft-07 additionalItems ignored without tuple',
    schema: { $schema: D7, items: { type: 'integer' }, additionalItems: false },
    valid: [[1, 2, 3]],
    invalid: [[1, 'a']],
  },
  {
    name: 'uniqueItems small domain',
    schema: { type: 'array', items: { enum: ['a', 'b', 'c'] }, uniqueItems: true },
    valid: [[], ['a'], ['c', 'a'], ['b', 'c', 'a']],
    invalid: [['a', 'a'], ['a', 'b', 'a'], ['d']],
  },
  {
    name: 'uniqueItems booleans with minItems',
    schema: { type: 'array', items: { type: 'boolean' }, uniqueItems: true, minItems: 2 },
    valid: [
      [true, false],
      [false, true],
    ],
    invalid: [[true], [true, true]],
  },
  {
    name: 'uniqueItems maxItems 1',
    schema: { type: 'array', uniqueItems: true, maxItems: 1 },
    valid: [[], [{ a: 1 }]],
    invalid: [[1, 2]],
  },
  {
    name: 'nested arrays',
    schema: { type: 'array', items: { type: 'array', items: { type: 'integer' } } },
    valid: [[[1], [], [2, 3]]],
    invalid: [[[1, 'a']], [1]],
  },
  {
    name: 'contains',
    schema: { contains: { const: 1 } },
    valid: [[1], [2, 1], [1, 'a', 1], 'not an array'],
    invalid: [[], [2], [2, 3]],
  },
  {
    name: 'min/maxContains with minItems',
    schema: {
      $schema: D2020,
      type: 'array',
      items: { type: 'integer' },
      contains: { minimum: 10 },
      minContains: 2,
      maxContains: 3,
      minItems: 3,
    },
    valid: [
      [10, 11, 1],
      [1, 10, 2, 11, 12],
    ],
    invalid: [
      [10, 11],
      [10, 1, 2],
      [10, 11, 12, 13],
      [10, 11, 'x'],
    ],
  },
  // --- objects ---
  {
    name: 'properties and required',
    schema: {
      type: 'object',
      properties: {
        id: { type: 'integer' },
        name: { type: 'string' },
        tags: { type: 'array', items: { type: 'string' } },
      },
      required: ['id'],
    },
    valid: [
      { id: 1 },
      { id: 1, name: 'x' },
      { id: 2, tags: ['a'] },
      { id: 3, name: 'n', tags: [] },
      { id: 1, extra: [1] },
    ],
    invalid: [{}, { name: 'x' }, { id: 'x' }, { id: 1, name: 2 }, { id: 1, tags: [1] }],
    texts: [
      ['{"\\u0069d": 1}', true],
      ['{"id": 1, "\\u0069d": 2}', false],
      ['{"id": 1, "n\\u0061me": 5}', false],
      ['{"id":1,"id":2}', false],
    ],
  },
  {
    name: 'additionalProperties false',
    schema: {
      type: 'object',
      properties: { a: { type: 'integer' }, b: { type: 'boolean' } },
      additionalProperties: false,
    },
    valid: [{}, { a: 1 }, { b: true }, { a: 1, b: false }],
    invalid: [{ c: 1 }, { a: 1, c: 2 }, { a: 'x' }],
  },
  {
    name: 'additionalProperties schema',
    schema: {
      type: 'object',
      properties: { a: { type: 'integer' } },
      additionalProperties: { type: 'string' },
    },
    valid: [
      { a: 1, x: 'y' },
      { z: 'q', w: '' },
    ],
    invalid: [{ a: 1, x: 2 }, { a: 'str' }, { x: null }],
  },
  {
    name: 'required not in properties',
    schema: {
      type: 'object',
      properties: { a: { type: 'integer' } },
      required: ['a', 'b'],
      additionalProperties: { type: 'null' },
    },
    valid: [{ a: 1, b: null }],
    invalid: [{ a: 1 }, { a: 1, b: 2 }, { b: null }],
  },
  {
    name: 'patternProperties only',
    schema: {
      type: 'object',
      patternProperties: { '^x-': { type: 'integer' } },
      additionalProperties: false,
    },
    valid: [{}, { 'x-a': 1, 'x-b': 2 }],
    invalid: [{ y: 1 }, { 'x-a': 'no' }],
  },
  {
    name: 'patternProperties with additional',
    schema: {
      type: 'object',
      patternProperties: { '^s_': { type: 'string' } },
      additionalProperties: { type: 'integer' },
    },
    valid: [{ s_a: 'x', n: 1 }, { k: 5 }],
    invalid: [{ s_a: 1 }, { n: 'x' }],
  },
  {
    name: 'overlapping patternProperties',
    schema: {
      type: 'object',
      patternProperties: { a: { type: 'integer' }, b: { minimum: 10 } },
      additionalProperties: false,
    },
    valid: [{ a: 1 }, { b: 11 }, { ab: 12 }, { b: 'x' }],
    invalid: [{ ab: 5 }, { ab: 'x' }, { c: 1 }, { a: 'x' }],
  },
  {
    name: 'declared property matching a pattern',
    schema: {
      type: 'object',
      properties: { ax: { type: 'number' } },
      patternProperties: { '^a': { type: 'integer' } },
    },
    valid: [{ ax: 1 }, { ay: 2 }],
    invalid: [{ ax: 1.5 }, { ay: 2.5 }],
  },
  {
    name: 'propertyNames',
    schema: { type: 'object', propertyNames: { pattern: '^[a-z]+$', maxLength: 3 } },
    valid: [{}, { ab: 1, c: [] }],
    invalid: [{ abcd: 1 }, { A: 1 }, { a1: 1 }],
  },
  {
    name: 'propertyNames with declared',
    schema: { type: 'object', properties: { ok: {}, BAD: {} }, propertyNames: { pattern: '^[a-z]+$' } },
    valid: [{ ok: 1 }, { ok: 1, z: 2 }],
    invalid: [{ BAD: 1 }, { Z: 1 }],
  },
  {
    name: 'min/maxProperties',
    schema: { type: 'object', properties: { a: {}, b: {}, c: {} }, minProperties: 1, maxProperties: 2 },
    valid: [{ a: 1 }, { a: 1, c: 3 }, { x: 1 }, { b: 1, y: 2 }],
    invalid: [{}, { a: 1, b: 2, c: 3 }, { a: 1, x: 1, y: 2 }],
  },
  {
    name: 'maxProperties 0',
    schema: { type: 'object', maxProperties: 0 },
    valid: [{}],
    invalid: [{ a: 1 }],
  },
  {
    name: 'dependentRequired',
    schema: {
      $schema: D2019,
      type: 'object',
      properties: { a: { type: 'integer' }, b: { type: 'integer' }, c: { type: 'integer' } },
      dependentRequired: { c: ['a'], a: ['b'] },
    },
    valid: [{}, { b: 1 }, { a: 1, b: 2 }, { a: 1, b: 2, c: 3 }],
    invalid: [{ a: 1 }, { c: 1 }, { b: 1, c: 2 }, { a: 1, c: 1 }],
  },
  {
    name: 'dependencies (draft-07, both forms)',
    schema: {
      $schema: D7,
      type: 'object',
      properties: { card: { type: 'string' }, billing: { type: 'string' }, v: {} },
      dependencies: { card: ['billing'], v: { required: ['card'] } },
    },
    valid: [{}, { billing: 'x' }, { card: 'c', billing: 'b' }, { card: 'c', billing: 'b', v: 1 }],
    invalid: [{ card: 'c' }, { v: 1 }, { billing: 'b', v: 1 }],
  },
  {
    name: 'dependentSchemas',
    schema: {
      $schema: D2020,
      type: 'object',
      properties: { kind: { type: 'string' }, size: { type: 'integer' } },
      dependentSchemas: { kind: { properties: { size: { minimum: 10 } }, required: ['size'] } },
    },
    valid: [{}, { size: 1 }, { kind: 'k', size: 10 }],
    invalid: [{ kind: 'k' }, { kind: 'k', size: 5 }],
  },
  {
    name: 'nullable (OpenAPI)',
    schema: { type: 'string', nullable: true },
    valid: ['x', null],
    invalid: [1],
  },
  // --- combinators ---
  {
    name: 'anyOf',
    schema: {
      anyOf: [
        { type: 'string', maxLength: 2 },
        { type: 'integer', minimum: 5 },
      ],
    },
    valid: ['ab', 5, 100],
    invalid: ['abc', 4, null],
  },
  {
    name: 'oneOf disjoint objects',
    schema: {
      oneOf: [
        { type: 'object', properties: { kind: { const: 'a' }, x: { type: 'integer' } }, required: ['kind'] },
        { type: 'object', properties: { kind: { const: 'b' }, y: { type: 'string' } }, required: ['kind'] },
      ],
    },
    valid: [
      { kind: 'a', x: 1 },
      { kind: 'b', y: 'q' },
    ],
    invalid: [{ kind: 'c' }, { kind: 'a', x: 'no' }, {}],
  },
  {
    name: 'oneOf overlapping numbers',
    schema: {
      oneOf: [
        { type: 'number', minimum: 0 },
        { type: 'number', maximum: 10 },
      ],
    },
    valid: [-5, 11, 100],
    invalid: [0, 5, 10, 'x'],
  },
  {
    name: 'oneOf overlapping required',
    schema: { type: 'object', oneOf: [{ required: ['a'] }, { required: ['b'] }] },
    valid: [{ a: 1 }, { b: 1 }, { a: 1, c: 2 }],
    invalid: [{}, { a: 1, b: 2 }, { c: 1 }],
  },
  {
    name: 'oneOf string enum vs string',
    schema: { oneOf: [{ enum: ['x', 'y'] }, { type: 'string' }] },
    valid: ['z', ''],
    invalid: ['x', 'y', 1],
  },
  {
    name: 'allOf merge',
    schema: {
      allOf: [
        { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] },
        { properties: { b: { type: 'string' } }, required: ['b'] },
        { properties: { a: { minimum: 3 } } },
      ],
    },
    valid: [
      { a: 3, b: 'x' },
      { a: 10, b: '', c: 1 },
    ],
    invalid: [{ a: 2, b: 'x' }, { a: 3 }, { b: 'x' }],
  },
  {
    name: 'allOf with additionalProperties false on one side',
    schema: {
      allOf: [{ properties: { a: {} }, additionalProperties: false }, { properties: { b: {} } }],
    },
    valid: [{}, { a: 1 }],
    invalid: [{ b: 1 }, { a: 1, b: 1 }],
  },
  {
    name: 'allOf numbers',
    schema: { allOf: [{ type: 'integer' }, { minimum: 2 }, { maximum: 4 }, { multipleOf: 2 }] },
    valid: [2, 4],
    invalid: [3, 6, 0, 2.5],
  },
  {
    name: 'oneOf integer vs number',
    schema: { oneOf: [{ type: 'integer' }, { type: 'number' }] },
    valid: [1.5, -0.25],
    invalid: [1, 0, 'x'],
  },
  {
    name: 'oneOf patterns',
    schema: {
      oneOf: [
        { type: 'string', pattern: '^a' },
        { type: 'string', pattern: 'z$' },
      ],
    },
    valid: ['abc', 'xyz'],
    invalid: ['abz', 'q'],
  },
  {
    name: 'not pattern',
    schema: { type: 'string', not: { pattern: '[0-9]' } },
    valid: ['abc', ''],
    invalid: ['a1'],
  },
  {
    name: 'not mixed enum',
    schema: { not: { enum: [6, 'foo', [], true, { foo: 12 }] } },
    valid: [7, 6.5, 'bar', [1], false, { foo: 13 }, null],
    invalid: [6, 'foo', [], true, { foo: 12 }],
    texts: [
      ['6.0', false],
      ['-6', true],
    ],
  },
  {
    name: 'not multipleOf',
    schema: { type: 'integer', not: { multipleOf: 3 } },
    valid: [1, 5, -4],
    invalid: [0, 3, -9],
  },
  {
    name: 'double negation',
    schema: { not: { not: { type: 'string', pattern: '^a' } } },
    valid: ['ab'],
    invalid: ['b', 1],
  },
  { name: 'not type', schema: { not: { type: 'string' } }, valid: [1, null, {}, []], invalid: ['x'] },
  {
    name: 'not enum',
    schema: { type: 'string', not: { enum: ['a', 'b'] } },
    valid: ['c', 'ab', ''],
    invalid: ['a', 'b'],
  },
  {
    name: 'not required',
    schema: { type: 'object', not: { required: ['secret'] } },
    valid: [{}, { a: 1 }],
    invalid: [{ secret: 1 }, { a: 1, secret: 2 }],
  },
  {
    name: 'not minLength',
    schema: { type: 'string', not: { minLength: 3 } },
    valid: ['', 'ab'],
    invalid: ['abc'],
  },
  { name: 'not const null', schema: { not: { const: null } }, valid: [0, 'x'], invalid: [null] },
  {
    name: 'not number range',
    schema: { type: 'number', not: { minimum: 1, maximum: 2 } },
    valid: [0.5, 3],
    invalid: [1, 1.5, 2],
  },
  {
    name: 'if/then/else on const',
    schema: {
      type: 'object',
      properties: { kind: { enum: ['a', 'b'] }, n: {} },
      required: ['kind'],
      if: { properties: { kind: { const: 'a' } } },
      // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword
      then: { properties: { n: { type: 'integer' } }, required: ['n'] },
      else: { properties: { n: { type: 'string' } } },
    },
    valid: [{ kind: 'a', n: 1 }, { kind: 'b' }, { kind: 'b', n: 'x' }],
    invalid: [{ kind: 'a' }, { kind: 'a', n: 'x' }, { kind: 'b', n: 1 }],
  },
  {
    name: 'if/then on type',
    // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword
    schema: { if: { type: 'string' }, then: { minLength: 2 }, else: { type: 'integer' } },
    valid: ['ab', 3],
    invalid: ['a', 3.5, null],
  },
  // --- references ---
  {
    name: '$defs ref',
    schema: {
      $defs: { pos: { type: 'integer', minimum: 1 } },
      type: 'array',
      items: { $ref: '#/$defs/pos' },
    },
    valid: [[1, 2]],
    invalid: [[0], ['a']],
  },
  {
    // Draft-07 ignores $ref siblings (ajv applies them): checked against the spec in options.test.ts.
    name: 'definitions ref draft-07',
    schema: {
      $schema: D7,
      definitions: { s: { type: 'string' } },
      properties: { a: { $ref: '#/definitions/s' } },
    },
    valid: [{ a: 'x' }],
    invalid: [{ a: 1 }],
  },
  {
    name: 'ref with siblings 2020',
    schema: {
      $schema: D2020,
      $defs: { s: { type: 'string' } },
      properties: { a: { $ref: '#/$defs/s', maxLength: 1 } },
    },
    valid: [{ a: 'x' }],
    invalid: [{ a: 'long' }, { a: 1 }],
  },
  {
    name: 'recursive tree',
    schema: {
      $defs: {
        node: {
          type: 'object',
          properties: {
            value: { type: 'integer' },
            children: { type: 'array', items: { $ref: '#/$defs/node' } },
          },
          required: ['value'],
          additionalProperties: false,
        },
      },
      $ref: '#/$defs/node',
    },
    valid: [{ value: 1 }, { value: 1, children: [{ value: 2, children: [] }, { value: 3 }] }],
    invalid: [
      { value: 1, children: [{}] },
      { value: 1, children: [{ value: 'x' }] },
      { value: 1, x: 1 },
    ],
  },
  {
    name: 'recursive root ref',
    schema: {
      type: 'object',
      properties: { next: { anyOf: [{ $ref: '#' }, { type: 'null' }] } },
      additionalProperties: false,
    },
    valid: [{}, { next: null }, { next: { next: {} } }],
    invalid: [{ next: 1 }, { next: { x: 1 } }],
  },
  {
    name: '$id and $anchor',
    schema: {
      $schema: D2020,
      $id: 'https://example.com/root.json',
      $defs: { a: { $anchor: 'num', type: 'number' }, b: { $id: 'other.json', type: 'boolean' } },
      prefixItems: [
        { $ref: '#num' },
        { $ref: 'other.json' },
        { $ref: 'https://example.com/root.json#/$defs/a' },
      ],
    },
    valid: [[1, true, 2]],
    invalid: [[true], [1, 2], [1, true, 'x']],
  },
  {
    name: 'pointer escapes',
    schema: {
      $defs: { 'a/b': { type: 'integer' }, 'c~d': { type: 'string' } },
      prefixItems: [{ $ref: '#/$defs/a~1b' }, { $ref: '#/$defs/c~0d' }],
      $schema: D2020,
    },
    valid: [[1, 'x']],
    invalid: [['x', 1]],
  },
  {
    name: 'allOf with ref',
    schema: {
      $defs: { base: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] } },
      allOf: [{ $ref: '#/$defs/base' }, { properties: { name: { type: 'string' } }, required: ['name'] }],
    },
    valid: [{ id: 1, name: 'n' }],
    invalid: [{ id: 1 }, { name: 'n' }, { id: 'x', name: 'n' }],
  },
  {
    name: 'oneOf arrays with disjoint items',
    schema: {
      oneOf: [
        { type: 'array', items: { type: 'string' } },
        { type: 'array', items: { type: 'integer' } },
        { type: 'string' },
      ],
    },
    valid: [['a'], [1, 2], 'x'],
    invalid: [[], ['a', 1], null],
  },
  {
    name: 'not array of strings',
    schema: { not: { type: 'array', items: { type: 'string' } } },
    valid: [[1], ['a', 2], 'x', null],
    invalid: [[], ['a', 'b']],
  },
  {
    name: 'oneOf any vs typed array',
    schema: { oneOf: [{ description: 'anything' }, { type: 'array', items: { type: 'integer' } }] },
    valid: ['x', ['a'], [1, 'a']],
    invalid: [[], [1, 2]],
  },
  // --- unevaluated ---
  {
    name: 'unevaluatedProperties through allOf',
    schema: {
      $schema: D2020,
      type: 'object',
      properties: { a: { type: 'integer' } },
      allOf: [{ properties: { b: { type: 'string' } } }],
      unevaluatedProperties: false,
    },
    valid: [{}, { a: 1 }, { a: 1, b: 'x' }],
    invalid: [{ c: 1 }, { a: 1, b: 'x', c: null }],
  },
  {
    name: 'unevaluatedProperties ignores failed oneOf branches',
    schema: {
      $schema: D2020,
      oneOf: [
        { properties: { a: { type: 'integer' } }, required: ['a'] },
        { properties: { b: { type: 'string' } }, required: ['b'] },
      ],
      unevaluatedProperties: false,
    },
    valid: [{ a: 1 }, { b: 'x' }],
    invalid: [{ a: 1, b: 2 }, { a: 1, b: 'x' }, { c: 1 }],
  },
  {
    name: 'unevaluatedProperties with const',
    schema: { $schema: D2020, const: { a: 1 }, unevaluatedProperties: false },
    valid: [],
    invalid: [{ a: 1 }, {}],
  },
  {
    name: 'unevaluatedItems after prefixItems',
    schema: { $schema: D2020, prefixItems: [{ type: 'string' }], unevaluatedItems: { type: 'integer' } },
    valid: [[], ['a'], ['a', 1, 2]],
    invalid: [['a', 'b'], [1]],
  },
  // --- boolean subschemas ---
  {
    name: 'false property',
    schema: { type: 'object', properties: { a: false, b: true } },
    valid: [{}, { b: [1] }, { c: 1 }],
    invalid: [{ a: 1 }],
  },
  { name: 'false items', schema: { type: 'array', items: false }, valid: [[]], invalid: [[1]] },
];

/** Schemas that must fail to compile, with the keyword and pointer the error must name. */
export const ERROR_CASES: Array<{ schema: object; keyword: string; pointer: string }> = [
  {
    schema: { $schema: D2020, contains: { type: 'string', format: 'date' }, maxContains: 1 },
    keyword: 'contains',
    pointer: '/contains',
  },
  {
    schema: { $schema: D2020, properties: { a: { $dynamicRef: '#x' } } },
    keyword: '$dynamicRef',
    pointer: '/properties/a/$dynamicRef',
  },
  { schema: { not: { type: 'string', format: 'date' } }, keyword: 'not', pointer: '/not' },
  {
    schema: {
      oneOf: [
        { type: 'string', format: 'date' },
        { type: 'string', format: 'email' },
      ],
    },
    keyword: 'oneOf',
    pointer: '/oneOf',
  },
  {
    schema: { type: 'array', items: { type: 'object' }, uniqueItems: true },
    keyword: 'uniqueItems',
    pointer: '/uniqueItems',
  },
  {
    schema: { properties: { a: { $ref: '#/$defs/missing' } } },
    keyword: '$ref',
    pointer: '/properties/a/$ref',
  },
  { schema: { type: 'strin' }, keyword: 'type', pointer: '/type' },
  {
    schema: { properties: { a: { minLength: -1 } } },
    keyword: 'minLength',
    pointer: '/properties/a/minLength',
  },
  { schema: { $ref: 'http://example.com/remote.json' }, keyword: '$ref', pointer: '/$ref' },
  {
    // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword
    schema: { if: { type: 'string', format: 'email' }, then: { minLength: 5 } },
    keyword: 'if',
    pointer: '/if',
  },
];
