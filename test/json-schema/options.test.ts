import { describe, expect, it } from 'vitest';
import { checkJsonSchema, jsonSchemaToGrammar, parseOrderedJson } from '../../src/json-schema/index.js';
import { accepts, compileSchema } from './helpers.js';

const person = {
  type: 'object',
  properties: { name: { type: 'string' }, tags: { type: 'array', items: { type: 'integer' } } },
  required: ['name'],
};

describe('whitespace options', () => {
  it("'any' allows JSON whitespace between tokens, none around the value", () => {
    const g = compileSchema(person);
    expect(accepts(g, '{ "name" :\t"a" ,\r\n "tags": [ 1 , 2 ] }')).toBe(true);
    expect(accepts(g, ' {"name": "a"}')).toBe(false);
    expect(accepts(g, '{"name": "a"} ')).toBe(false);
    expect(accepts(g, '{"name": "a",}')).toBe(false);
  });
  it('maxWhitespace bounds each run', () => {
    const g = compileSchema(person, { maxWhitespace: 2 });
    expect(accepts(g, '{  "name":  "a"}')).toBe(true);
    expect(accepts(g, '{   "name": "a"}')).toBe(false);
  });
  it("'compact' allows no whitespace at all", () => {
    const g = compileSchema(person, { whitespace: 'compact' });
    expect(accepts(g, '{"name":"a","tags":[1,2]}')).toBe(true);
    expect(accepts(g, '{"name": "a"}')).toBe(false);
  });
  it('indent and separators follow json.dumps exactly', () => {
    const g = compileSchema(person, { whitespace: { indent: 2 } });
    const value = { name: 'a', tags: [1, 2] };
    expect(accepts(g, JSON.stringify(value, null, 2))).toBe(true);
    expect(accepts(g, JSON.stringify(value))).toBe(false);
    expect(accepts(g, '{\n  "name": "a",\n  "tags": []\n}')).toBe(true);
    const py = compileSchema(person, { whitespace: {} });
    expect(accepts(py, '{"name": "a", "tags": [1, 2]}')).toBe(true);
    expect(accepts(py, '{"name":"a"}')).toBe(false);
    const custom = compileSchema(person, { whitespace: { separators: [',', ':'] } });
    expect(accepts(custom, '{"name":"a","tags":[1,2]}')).toBe(true);
  });
  it('indentation also works for recursive schemas', () => {
    const tree = { type: 'object', properties: { kids: { type: 'array', items: { $ref: '#' } } } };
    const g = compileSchema(tree, { whitespace: { indent: 1 } });
    expect(accepts(g, JSON.stringify({ kids: [{ kids: [{}] }] }, null, 1))).toBe(true);
  });
});

describe('strict mode', () => {
  it('spec default allows undeclared properties; strict forbids them', () => {
    expect(accepts(compileSchema(person), '{"name": "a", "x": 1}')).toBe(true);
    expect(accepts(compileSchema(person, { strict: true }), '{"name": "a", "x": 1}')).toBe(false);
    expect(accepts(compileSchema(person, { strict: true }), '{"name": "a"}')).toBe(true);
  });
  it('strict keeps explicit additionalProperties and forbids extra tuple items', () => {
    const s = { properties: { a: {} }, additionalProperties: { type: 'integer' } };
    expect(accepts(compileSchema(s, { strict: true }), '{"a": 1, "b": 2}')).toBe(true);
    const t = { $schema: 'https://json-schema.org/draft/2020-12/schema', prefixItems: [{ type: 'integer' }] };
    expect(accepts(compileSchema(t), '[1, "x"]')).toBe(true);
    expect(accepts(compileSchema(t, { strict: true }), '[1, "x"]')).toBe(false);
  });
});

describe('schema text keeps document order', () => {
  it('integer-like property names are generated in text order', () => {
    const text =
      '{"type":"object","properties":{"b":{"type":"integer"},"10":{"type":"integer"},"2":{}},"required":["b","10"]}';
    const g = compileSchema(text, { propertyOrder: 'declared' });
    expect(accepts(g, '{"b": 1, "10": 2}')).toBe(true);
    expect(accepts(g, '{"10": 2, "b": 1}')).toBe(false);
    const parsed = parseOrderedJson(text) as Map<string, unknown>;
    expect([...(parsed.get('properties') as Map<string, unknown>).keys()]).toEqual(['b', '10', '2']);
  });
  it('reports JSON syntax errors with line and column', () => {
    expect(() => jsonSchemaToGrammar('{"type": "string",\n  oops}')).toThrow(/line 2, column 3/);
  });
});

describe('formats', () => {
  it('unknown formats are annotations with a warning, or errors on request', () => {
    const { warnings } = jsonSchemaToGrammar({ type: 'string', format: 'color' });
    expect(warnings).toEqual([expect.objectContaining({ keyword: 'format', pointer: '/format' })]);
    expect(accepts(compileSchema({ type: 'string', format: 'color' }), '"anything"')).toBe(true);
    expect(() => jsonSchemaToGrammar({ format: 'color' }, { unknownFormats: 'error' })).toThrow(/\/format/);
  });
});

describe('remote references', () => {
  it('loads remotes from the option and reports missing ones', () => {
    const schema = { $ref: 'http://example.com/defs.json#/$defs/n' };
    const remotes = { 'http://example.com/defs.json': { $defs: { n: { type: 'integer' } } } };
    const g = compileSchema(schema, { remotes });
    expect(accepts(g, '5')).toBe(true);
    expect(accepts(g, '"5"')).toBe(false);
  });
  it('resolves draft meta-schemas offline (and names pointers inside them)', () => {
    expect(() => jsonSchemaToGrammar({ $ref: 'http://json-schema.org/draft-07/schema#' })).toThrow(
      /at http:\/\/json-schema\.org\/draft-07\/schema\//,
    );
  });
});

describe('checkJsonSchema', () => {
  it('reports meta-schema errors with pointers, XGrammar gaps and instance validity', () => {
    const bad = checkJsonSchema('{"properties": {"a": {"type": 5}}}');
    expect(bad.errors[0]!.pointer).toBe('/properties/a/type');
    const r = checkJsonSchema(
      JSON.stringify({
        type: 'object',
        properties: { a: { type: 'string', minLength: 2, pattern: '^x' } },
        not: { required: ['b'] },
      }),
      { instances: ['{"a": "xy"}', '{"a": "y"}', '{bad'] },
    );
    expect(r.errors).toEqual([]);
    expect(r.xgrammarIgnored.map((g) => g.keyword)).toEqual(
      expect.arrayContaining(['not', 'minLength/maxLength']),
    );
    expect(r.instances.map((i) => i.valid)).toEqual([true, false, false]);
  });
  it('reports compile errors for keywords logitkit cannot enforce', () => {
    const r = checkJsonSchema(
      '{"$schema": "https://json-schema.org/draft/2020-12/schema", "$dynamicRef": "#a"}',
    );
    expect(r.errors).toEqual([expect.objectContaining({ pointer: '/$dynamicRef' })]);
  });
});

describe('keywords by draft (the spec, where ajv differs)', () => {
  it('up to draft-07 a $ref makes its siblings ignored; from 2019-09 (and without $schema) they apply', () => {
    const props = { a: { $ref: '#/definitions/s', maxLength: 1 } };
    const defs = { s: { type: 'string' } };
    for (const d of ['draft-04/schema#', 'draft-06/schema#', 'draft-07/schema#']) {
      const schema = { $schema: `http://json-schema.org/${d}`, definitions: defs, properties: props };
      const g = compileSchema(schema);
      expect(accepts(g, '{"a": "long string"}')).toBe(true);
      expect(accepts(g, '{"a": 1}')).toBe(false);
      expect(jsonSchemaToGrammar(schema).warnings).toEqual([
        expect.objectContaining({ keyword: 'maxLength', pointer: '/properties/a/maxLength' }),
      ]);
    }
    for (const $schema of ['https://json-schema.org/draft/2019-09/schema', undefined]) {
      const g = compileSchema({ $schema, definitions: defs, properties: props });
      expect(accepts(g, '{"a": "long string"}')).toBe(false);
      expect(accepts(g, '{"a": "x"}')).toBe(true);
    }
  });
  it('keywords introduced by later drafts are unknown (ignored) in older ones', () => {
    const d4 = '"$schema": "http://json-schema.org/draft-04/schema#"';
    const d7 = '"$schema": "http://json-schema.org/draft-07/schema#"';
    const cond = '"if": {"required": ["a"]}, "then": {"required": ["b"]}';
    const withConst = `${cond}, "const": {"a": 1}`;
    expect(accepts(compileSchema(`{${d4}, ${withConst}}`), '{"a": 2}')).toBe(true);
    expect(accepts(compileSchema(`{${d7}, ${withConst}}`), '{"a": 2}')).toBe(false);
    expect(accepts(compileSchema(`{${d7}, ${cond}}`), '{"a": 2}')).toBe(false);
    expect(accepts(compileSchema(`{${d7}, ${cond}}`), '{"a": 2, "b": 0}')).toBe(true);
    const dep = { dependentRequired: { a: ['b'] } };
    expect(
      accepts(compileSchema({ $schema: 'http://json-schema.org/draft-07/schema#', ...dep }), '{"a": 2}'),
    ).toBe(true);
    expect(accepts(compileSchema(dep), '{"a": 2}')).toBe(false);
  });
});
