import { describe, expect, it } from 'vitest';
import { CompiledGrammar } from '../../src/engine/compiled-grammar.js';
import { GrammarError } from '../../src/engine/errors.js';
import { grammarAcceptsString } from '../../src/engine/strings.js';
import { checkStructuralTag, structuralTagToGrammar } from '../../src/structural-tag/index.js';

function acceptor(format: object): (s: string) => boolean {
  const { grammar } = structuralTagToGrammar({ type: 'structural_tag', format });
  const compiled = CompiledGrammar.fromGrammar(grammar, null);
  return (s) => grammarAcceptsString(compiled, s);
}

function expectLanguage(format: object, accepted: string[], rejected: string[]): void {
  const accepts = acceptor(format);
  for (const s of accepted) expect(accepts(s), `should accept ${JSON.stringify(s)}`).toBe(true);
  for (const s of rejected) expect(accepts(s), `should reject ${JSON.stringify(s)}`).toBe(false);
}

function errorOf(tag: object | string): GrammarError {
  try {
    structuralTagToGrammar(tag);
  } catch (e) {
    if (e instanceof GrammarError) return e;
    throw e;
  }
  throw new Error('expected a GrammarError');
}

const num = { type: 'json_schema', json_schema: { type: 'integer' } };
const obj = {
  type: 'json_schema',
  json_schema: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
};

describe('basic formats', () => {
  it('const_string', () =>
    expectLanguage({ type: 'const_string', value: 'héllo' }, ['héllo'], ['hello', 'héllo ', '']));
  it('json_schema (strict, any whitespace)', () =>
    expectLanguage(obj, ['{"q": "x"}', '{ "q" : "" }'], ['{"q": 1}', '{}', '{"q": "x", "r": 1}']));
  it('grammar', () =>
    expectLanguage({ type: 'grammar', grammar: 'root ::= "a" b\nb ::= "b"*' }, ['a', 'abb'], ['b', 'aba']));
  it('regex', () =>
    expectLanguage({ type: 'regex', pattern: '[0-9]{2,3}x' }, ['12x', '123x'], ['1x', '1234x']));
  it('any_text', () => expectLanguage({ type: 'any_text' }, ['', 'anything ✓ at all\n'], []));
  it('any_text with excludes', () =>
    expectLanguage(
      { type: 'any_text', excludes: ['<stop>', 'bad'] },
      ['', 'a <sto', 'ba d', '<stop'],
      ['x<stop>y', 'bad', 'a bad'],
    ));
  it('any_text max_chars (characters, not bytes), also inside a tag; max_tokens is refused', () => {
    expectLanguage({ type: 'any_text', max_chars: 3 }, ['', 'héé', 'abc'], ['abcd']);
    expectLanguage({ type: 'any_text', max_chars: 3, excludes: ['b'] }, ['ac', 'aaa'], ['ab', 'aaaa']);
    expectLanguage(
      { type: 'tag', begin: '<', content: { type: 'any_text', max_chars: 2 }, end: '>' },
      ['<>', '<ab>', '<é>'],
      ['<abc>', '<a>b>'],
    );
    expect(errorOf({ format: { type: 'any_text', max_tokens: 5 } }).pointer).toBe('/format/max_tokens');
    expect(errorOf({ format: { type: 'any_text', max_chars: -1 } }).pointer).toBe('/format/max_chars');
  });
  it('sequence and or', () => {
    expectLanguage(
      { type: 'sequence', elements: [{ type: 'const_string', value: 'n=' }, num] },
      ['n=1', 'n=-20'],
      ['n=', '1', 'n=1.5'],
    );
    expectLanguage(
      { type: 'or', elements: [{ type: 'const_string', value: 'none' }, num] },
      ['none', '7'],
      ['none7', ''],
    );
  });
  it('optional, plus, star, repeat', () => {
    const a = { type: 'const_string', value: 'a' };
    expectLanguage({ type: 'optional', content: a }, ['', 'a'], ['aa']);
    expectLanguage({ type: 'plus', content: a }, ['a', 'aaa'], ['']);
    expectLanguage({ type: 'star', content: a }, ['', 'aaaa'], ['b']);
    expectLanguage({ type: 'repeat', min: 2, max: 3, content: a }, ['aa', 'aaa'], ['a', 'aaaa']);
    expectLanguage({ type: 'repeat', min: 1, max: -1, content: a }, ['a', 'aaaaaa'], ['']);
  });
  it('infers the type from the fields', () => {
    expectLanguage({ value: 'x' }, ['x'], ['y']);
    expectLanguage({ begin: '<', content: { value: 'x' }, end: '>' }, ['<x>'], ['x']);
    expectLanguage({ excludes: ['z'] }, ['abc'], ['z']);
  });
});

describe('tag', () => {
  it('begin content end, several ends', () => {
    expectLanguage(
      { type: 'tag', begin: '<a>', content: num, end: ['</a>', '<|end|>'] },
      ['<a>1</a>', '<a>2<|end|>'],
      ['<a>1', '<a></a>'],
    );
  });
  it('any_text inside a tag cannot contain the end string (automatic excludes)', () => {
    expectLanguage(
      { type: 'tag', begin: '<t>', content: { type: 'any_text' }, end: '</t>' },
      ['<t></t>', '<t>a </ b</t>', '<t></</t>'],
      ['<t>a</t>b</t>', '<t>a'],
    );
  });
  it('free text stops at the first occurrence of the end, also one overlapping the end (border)', () => {
    expectLanguage(
      { type: 'tag', begin: '<p>', content: { type: 'any_text' }, end: '\n</p>\n' },
      ['<p>x\n</p>\n', '<p>x\n</p\n</p>\n'],
      ['<p>x\n</p>\n</p>\n', '<p>x\n</p>'],
    );
  });
  it('end detection reaches free text inside sequences and triggered_tags', () => {
    const format = {
      type: 'tag',
      begin: '<outer>',
      content: {
        type: 'sequence',
        elements: [
          { type: 'const_string', value: ':' },
          {
            type: 'triggered_tags',
            triggers: ['<f'],
            tags: [{ type: 'tag', begin: '<f>', content: num, end: '</f>' }],
          },
        ],
      },
      end: '</outer>',
    };
    expectLanguage(
      format,
      ['<outer>:</outer>', '<outer>:hi <f>1</f> there</outer>'],
      ['<outer>:x</outer>y</outer>', '<outer>:<f>x</f></outer>', '<outer>:<fx</outer>'],
    );
  });
  it('nested tags use their own end strings', () => {
    const inner = { type: 'tag', begin: '[', content: { type: 'any_text' }, end: ']' };
    const format = {
      type: 'tag',
      begin: '<o>',
      content: { type: 'sequence', elements: [inner, { type: 'any_text' }] },
      end: '</o>',
    };
    expectLanguage(format, ['<o>[</o>]x</o>', '<o>[a]]</o>'], ['<o>[a]b</o>c</o>', '<o>[a]b]']);
  });
  it('dispatch and or at the tail of a tag', () => {
    const dispatch = { type: 'dispatch', rules: [['#', { type: 'regex', pattern: '[0-9]' }]] };
    expectLanguage(
      { type: 'tag', begin: '(', content: dispatch, end: ')' },
      ['()', '(a#1b#2)', '(#1)'],
      ['(#a)', '(a)b)', '(a'],
    );
    expectLanguage(
      { type: 'tag', begin: '(', content: { ...dispatch, loop: false }, end: ')' },
      ['(a#1)', '(ab)'],
      ['(a#1b)', '(#1#2)'],
    );
    const or = { type: 'or', elements: [{ type: 'any_text' }, num] };
    expectLanguage({ type: 'tag', begin: '(', content: or, end: ')' }, ['(x y)', '(12)', '()'], ['(x)y)']);
  });
  it('a tag with unlimited content needs a non-empty end', () => {
    const e = errorOf({
      type: 'structural_tag',
      format: { type: 'tag', begin: 'a', content: { type: 'any_text' }, end: '' },
    });
    expect(e.kind).toBe('structural-tag');
    expect(e.pointer).toBe('/format');
    expect(e.message).toMatch(/non-empty end/);
  });
});

const call = (name: string) => ({
  type: 'tag',
  begin: `<call=${name}>`,
  content: obj,
  end: '</call>',
});

describe('triggered_tags', () => {
  const base = { type: 'triggered_tags', triggers: ['<call='], tags: [call('a'), call('b')] };
  it('free text with any number of tags', () =>
    expectLanguage(
      base,
      [
        '',
        'hello',
        'x <call=a>{"q": "1"}</call> y <call=b>{"q": ""}</call>',
        'ends in a partial trigger <call',
      ],
      ['<call=c>{"q": "1"}</call>', 'text <call=a>{}</call>', '<call=a>{"q": "1"}'],
    ));
  it('at_least_one: starts with a tag, then free text and tags', () =>
    expectLanguage(
      { ...base, at_least_one: true },
      ['<call=a>{"q": "1"}</call>', '<call=a>{"q": "1"}</call> then <call=b>{"q": "2"}</call>!'],
      ['', 'text <call=a>{"q": "1"}</call>'],
    ));
  it('stop_after_first: free text, at most one tag, nothing after it', () =>
    expectLanguage(
      { ...base, stop_after_first: true },
      ['', 'text', 'text <call=a>{"q": "1"}</call>'],
      ['<call=a>{"q": "1"}</call> more', '<call=a>{"q": "1"}</call><call=b>{"q": "1"}</call>'],
    ));
  it('at_least_one + stop_after_first: exactly one tag', () =>
    expectLanguage(
      { ...base, at_least_one: true, stop_after_first: true },
      ['<call=b>{"q": "1"}</call>'],
      ['', 'x<call=b>{"q": "1"}</call>', '<call=b>{"q": "1"}</call>x'],
    ));
  it('excludes', () =>
    expectLanguage({ ...base, excludes: ['<|eot|>'] }, ['a <|eot', 'a'], ['a <|eot|>', '<|eot|>']));
  it('triggers that share prefixes', () => {
    const format = {
      type: 'triggered_tags',
      triggers: ['<tool', '<tools>'],
      tags: [
        { type: 'tag', begin: '<tool_x>', content: num, end: '</tool_x>' },
        { type: 'tag', begin: '<tools>', content: num, end: '</tools>' },
      ],
    };
    // '<tools>' starts with '<tool' too: one tag matches multiple triggers
    expect(errorOf({ format }).message).toMatch(/One tag matches multiple triggers/);
    const ok = { ...format, triggers: ['<tool_', '<tools'] };
    expectLanguage(
      ok,
      ['a <tool_x>1</tool_x> <tools>2</tools>', '<tool', '<too', '<toolbox>'],
      ['<tool_y>1</tool_y>', '<tools2</tools>', '<tools>x</tools>'],
    );
  });
  // Every occurrence of a trigger counts, also one completing inside a longer trigger ('b' in 'abc'): then the
  // tag of 'b' must follow, so 'abc' can never start a tag. XGrammar only sees triggers at their own trie node.
  it('a trigger inside a longer trigger is detected first', () => {
    const format = {
      type: 'triggered_tags',
      triggers: ['abc', 'b'],
      tags: [
        { type: 'tag', begin: 'abc', content: num, end: ';' },
        { type: 'tag', begin: 'b:', content: num, end: ';' },
      ],
    };
    expectLanguage(format, ['ab:2;', 'xb:3;', 'a'], ['abc1;', 'ab', 'abd']);
  });
  it('reports tags that match no trigger with their pointer', () => {
    const e = errorOf({
      type: 'structural_tag',
      format: { ...base, tags: [call('a'), { ...call('b'), begin: 'x' }] },
    });
    expect(e.kind).toBe('structural-tag');
    expect(e.pointer).toBe('/format/tags/1');
    expect(e.message).toMatch(/One tag does not match any trigger in a triggered tags format/);
  });
});

describe('tags_with_separator', () => {
  const base = { type: 'tags_with_separator', separator: ',', tags: [call('a'), call('b')] };
  const a = '<call=a>{"q": "1"}</call>';
  const b = '<call=b>{"q": "2"}</call>';
  it('default: empty or tag (sep tag)*', () =>
    expectLanguage(base, ['', a, `${a},${b},${a}`], [`${a},`, ` ${a}`, `${a}${b}`]));
  it('at_least_one', () => expectLanguage({ ...base, at_least_one: true }, [a, `${a},${b}`], ['']));
  it('stop_after_first', () => expectLanguage({ ...base, stop_after_first: true }, ['', a], [`${a},${b}`]));
  it('both', () =>
    expectLanguage({ ...base, at_least_one: true, stop_after_first: true }, [b], ['', `${a},${b}`]));
});

describe('dispatch', () => {
  const rules = [
    ['<n>', { type: 'sequence', elements: [num, { type: 'const_string', value: '</n>' }] }],
    ['<s>', { type: 'const_string', value: 'yes</s>' }],
  ];
  it('loops by default', () =>
    expectLanguage(
      { type: 'dispatch', rules },
      ['', 'a<n>1</n>b<s>yes</s>', '<n'],
      ['<n>x</n>', '<s>no</s>'],
    ));
  it('without loop: one dispatch at most and nothing after it', () =>
    expectLanguage({ type: 'dispatch', rules, loop: false }, ['a<n>12</n>'], ['<n>1</n>x']));
  it('excludes', () => expectLanguage({ type: 'dispatch', rules, excludes: ['!!'] }, ['a!'], ['a!!']));
});

describe('legacy form and envelopes', () => {
  const legacy = {
    type: 'structural_tag',
    structures: [
      {
        begin: '<function=get>',
        schema: { type: 'object', properties: { x: { type: 'integer' } } },
        end: '</function>',
      },
    ],
    triggers: ['<function='],
  };
  it('legacy structures/triggers ≡ triggered_tags', () => {
    const { grammar } = structuralTagToGrammar(JSON.stringify(legacy));
    expect(grammarAcceptsString(grammar, 'hi <function=get>{"x": 1}</function> bye')).toBe(true);
    expect(grammarAcceptsString(grammar, 'hi <function=get>{"x": "1"}</function>')).toBe(false);
    expect(grammarAcceptsString(grammar, '<function=set>{}</function>')).toBe(false);
  });
  it('errors name JSON pointers', () => {
    expect(errorOf({ ...legacy, triggers: ['<tool'] }).pointer).toBe('/structures/0');
    expect(errorOf({ type: 'structural_tag', format: { type: 'sequence', elements: [] } }).pointer).toBe(
      '/format',
    );
    expect(errorOf({ type: 'structural_tag', format: { type: 'const_string' } }).message).toMatch(
      /const_string format must have a value field/,
    );
    expect(errorOf({ type: 'structural_tag', format: { type: 'bogus' } }).pointer).toBe('/format/type');
    expect(errorOf({ type: 'other', format: {} }).pointer).toBe('/type');
    expect(errorOf('{nope').kind).toBe('structural-tag');
    const nested = errorOf({
      format: {
        type: 'sequence',
        elements: [
          { value: 'a' },
          { type: 'json_schema', json_schema: { type: 'object', minProperties: 'x' } },
        ],
      },
    });
    expect(nested.pointer).toMatch(/^\/format\/elements\/1\/json_schema/);
    const ebnf = errorOf({ format: { type: 'grammar', grammar: 'root ::= "a' } });
    expect(ebnf.pointer).toBe('/format/grammar');
    expect(ebnf.line).toBe(1);
    expect(errorOf({ format: { type: 'regex', pattern: '(' } }).pointer).toMatch(/^\/format\/pattern/);
  });
  it('limits: repeat bounds and nesting depth', () => {
    const big = errorOf({ format: { type: 'repeat', min: 0, max: 1e9, content: { value: 'a' } } });
    expect(big.kind).toBe('limit');
    expect(big.pointer).toBe('/format');
    let deep: object = { value: 'x' };
    for (let i = 0; i < 300; i++) deep = { type: 'optional', content: deep };
    expect(errorOf({ format: deep }).message).toMatch(/nested deeper than 200/);
  });
  it('token-level formats are clear errors without a tokenizer (token-formats.test.ts covers them)', () => {
    expect(errorOf({ format: { type: 'token', token: 5 } }).pointer).toBe('/format');
    for (const format of [
      { type: 'any_tokens' },
      { type: 'exclude_token', exclude_tokens: [] },
      { type: 'token_dispatch', rules: [[3, { type: 'const_string', value: 'x' }]] },
    ]) {
      const e = errorOf({ format: { type: 'sequence', elements: [format] } });
      expect(e.kind).toBe('structural-tag');
      expect(e.pointer).toMatch(/^\/format\/elements\/0/);
      expect(e.message).toMatch(/need a tokenizer/);
    }
  });
  it('checkStructuralTag returns errors with pointers', () => {
    expect(checkStructuralTag(JSON.stringify({ format: { type: 'const_string', value: 'x' } }))).toEqual({
      errors: [],
      warnings: [],
    });
    const r = checkStructuralTag(
      JSON.stringify({ format: { type: 'or', elements: [{ type: 'regex', pattern: '' }] } }),
    );
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.pointer).toBe('/format/elements/0/pattern');
  });
});
