import { describe, expect, it } from 'vitest';
import {
  parseJsonKeepingFloats,
  pyFloatRepr,
  pyInt,
  pyRepr,
  SamplingParams,
  SamplingParamsError,
  stopRegexMaxLength,
  TOP_K_ALL,
} from '../../src/sampling/index.js';

const verifyMessage = (json: unknown, vocab = 32000): string | undefined => {
  try {
    SamplingParams.from(typeof json === 'string' ? parseJsonKeepingFloats(json) : json)
      .normalize()
      .verify(vocab);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(SamplingParamsError);
    return (error as Error).message;
  }
};

describe('pyRepr prints values like Python', () => {
  it.each([
    [1.5, '1.5'],
    [0.1, '0.1'],
    [1e16, '1e+16'],
    [1e15, '1000000000000000.0'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [-2.5e-7, '-2.5e-07'],
    [123456789012345680000, '1.2345678901234568e+20'],
    [Number.POSITIVE_INFINITY, 'inf'],
    [Number.NEGATIVE_INFINITY, '-inf'],
    [Number.NaN, 'nan'],
    [-0, '-0.0'],
    [3, '3.0'],
  ])('float %s → %s', (value, text) => {
    expect(pyFloatRepr(value)).toBe(text);
  });
  it('prints ints, bools, None, strings, lists and dicts', () => {
    expect(pyRepr(3)).toBe('3');
    expect(pyRepr(3, { float: true })).toBe('3.0');
    expect(pyRepr(true)).toBe('True');
    expect(pyRepr(null)).toBe('None');
    expect(pyRepr("it's")).toBe('"it\'s"');
    expect(pyRepr('a\nb')).toBe("'a\\nb'");
    expect(pyRepr(['a', 1, 2.5, false, null])).toBe("['a', 1, 2.5, False, None]");
    expect(pyRepr({ a: [1] })).toBe("{'a': [1]}");
    expect(pyRepr(2 ** 70)).toBe('1180591620717411303424');
  });
  it('parseJsonKeepingFloats remembers 1.0 vs 1 for printing', () => {
    const value = parseJsonKeepingFloats('{"a": 1.0, "b": 1, "c": [2.0, 3], "d": {"e": -0.0}}');
    expect(pyRepr(value)).toBe("{'a': 1.0, 'b': 1, 'c': [2.0, 3], 'd': {'e': -0.0}}");
  });
  it('pyInt follows Python int()', () => {
    expect(pyInt(' 12 ')).toBe(12);
    expect(pyInt('-1_000')).toBe(-1000);
    expect(pyInt(3.9)).toBe(3);
    expect(pyInt(true)).toBe(1);
    expect(() => pyInt('1.5')).toThrow("invalid literal for int() with base 10: '1.5'");
    expect(() => pyInt('abc')).toThrow("invalid literal for int() with base 10: 'abc'");
  });
});

describe('construction rules (spec §1.2)', () => {
  it('defaults', () => {
    const p = SamplingParams.from({});
    expect(p.max_new_tokens).toBe(128);
    expect(p.temperature).toBe(1);
    expect(p.top_p).toBe(1);
    expect(p.top_k).toBe(TOP_K_ALL);
    expect(p.min_p).toBe(0);
    expect(p.repetition_penalty).toBe(1);
    expect(p.skip_special_tokens).toBe(true);
    expect(p.spaces_between_special_tokens).toBe(true);
    expect(p.ignore_eos).toBe(false);
    expect(p.no_stop_trim).toBe(false);
    expect(p.n).toBe(1);
  });
  it('explicit null takes the default, max_new_tokens null stays null', () => {
    const p = SamplingParams.from({ temperature: null, top_k: null, ignore_eos: null, max_new_tokens: null });
    expect(p.temperature).toBe(1);
    expect(p.top_k).toBe(TOP_K_ALL);
    expect(p.ignore_eos).toBe(false);
    expect(p.max_new_tokens).toBeNull();
  });
  it('temperature below 1e-6 (and >= 0) is greedy: temperature 1.0, top_k 1', () => {
    for (const t of [0, 1e-7, 0.0]) {
      const p = SamplingParams.from({ temperature: t, top_k: 40 });
      expect(p.temperature).toBe(1);
      expect(p.top_k).toBe(1);
      expect(p.isGreedy).toBe(true);
    }
    expect(SamplingParams.from({ temperature: 1e-6 }).top_k).toBe(TOP_K_ALL);
  });
  it('negative temperature is left for verify to reject', () => {
    expect(SamplingParams.from({ temperature: -1 }).temperature).toBe(-1);
  });
  it('top_k -1 becomes 2^30', () => {
    expect(SamplingParams.from({ top_k: -1 }).top_k).toBe(2 ** 30);
  });
  it('stop_token_ids go through int(), drop nulls, and an empty set becomes null', () => {
    expect(SamplingParams.from({ stop_token_ids: [1, '2', null, 1, 3.7] }).stop_token_ids).toEqual([1, 2, 3]);
    expect(SamplingParams.from({ stop_token_ids: [null] }).stop_token_ids).toBeNull();
    expect(SamplingParams.from({ stop_token_ids: [] }).stop_token_ids).toBeNull();
    expect(() => SamplingParams.from({ stop_token_ids: ['x'] })).toThrow(
      "invalid literal for int() with base 10: 'x'",
    );
  });
  it('unknown keys are a 400 error naming the key', () => {
    try {
      SamplingParams.from({ temprature: 0.5 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SamplingParamsError);
      expect((error as SamplingParamsError).status).toBe(400);
      expect((error as SamplingParamsError).param).toBe('temprature');
      expect((error as Error).message).toMatch(/^Unknown sampling parameter 'temprature'\./);
    }
  });
  it('wrong types are clear errors', () => {
    expect(() => SamplingParams.from({ temperature: 'hot' })).toThrow(
      "temperature must be a number, got 'hot'.",
    );
    expect(() => SamplingParams.from({ stop: 3 })).toThrow(
      'stop must be a string or a list of strings, got 3.',
    );
    expect(() => SamplingParams.from({ ignore_eos: 'yes' })).toThrow(
      "ignore_eos must be a boolean, got 'yes'.",
    );
    expect(() => SamplingParams.from([1])).toThrow('sampling_params must be an object, got [1].');
  });
  it('accepts JSON text and keeps float literals for messages', () => {
    expect(() => SamplingParams.from('{"temperature": -1.0}').verify(10)).toThrow(
      'temperature must be a non-negative finite number, got -1.0.',
    );
    expect(() => SamplingParams.from('{"temperature": ')).toThrow(/^sampling_params is not valid JSON/);
  });
  it('json_schema given as an object is serialised', () => {
    expect(SamplingParams.from({ json_schema: { type: 'object' } }).json_schema).toBe('{"type":"object"}');
  });
});

describe('verify() checks in SGLang order with exact messages (spec §1.4)', () => {
  it.each([
    ['{"temperature": -1}', 'temperature must be a non-negative finite number, got -1.'],
    ['{"temperature": -0.5}', 'temperature must be a non-negative finite number, got -0.5.'],
    ['{"temperature": -1.0}', 'temperature must be a non-negative finite number, got -1.0.'],
    ['{"top_p": 1.5}', 'top_p must be in (0, 1], got 1.5.'],
    ['{"top_p": 0}', 'top_p must be in (0, 1], got 0.'],
    ['{"top_p": 0.0}', 'top_p must be in (0, 1], got 0.0.'],
    ['{"top_p": 2}', 'top_p must be in (0, 1], got 2.'],
    ['{"min_p": -0.1}', 'min_p must be in [0, 1], got -0.1.'],
    ['{"min_p": 1.5}', 'min_p must be in [0, 1], got 1.5.'],
    ['{"top_k": 0}', 'top_k must be -1 (disable) or at least 1, got 0.'],
    ['{"top_k": -2}', 'top_k must be -1 (disable) or at least 1, got -2.'],
    ['{"frequency_penalty": 2.5}', 'frequency_penalty must be in [-2, 2], got 2.5.'],
    ['{"frequency_penalty": -3}', 'frequency_penalty must be in [-2, 2], got -3.'],
    ['{"presence_penalty": -2.01}', 'presence_penalty must be in [-2, 2], got -2.01.'],
    ['{"repetition_penalty": 0}', 'repetition_penalty must be in (0, 2] (1.0 = no penalty), got 0.'],
    ['{"repetition_penalty": 2.5}', 'repetition_penalty must be in (0, 2] (1.0 = no penalty), got 2.5.'],
    ['{"min_new_tokens": -1}', 'min_new_tokens must be in [0, max_new_tokens], got -1.'],
    ['{"max_new_tokens": -1}', 'max_new_tokens must be at least 0, got -1.'],
    [
      '{"max_new_tokens": 5, "min_new_tokens": 6}',
      'min_new_tokens must be in [0, max_new_tokens(5)], got 6.',
    ],
    ['{"logit_bias": {"32000": 1.0}}', 'logit_bias must has keys in [0, 31999], got 32000.'],
    ['{"logit_bias": {"-1": 1.0}}', 'logit_bias must has keys in [0, 31999], got -1.'],
    ['{"logit_bias": {"abc": 1.0}}', "invalid literal for int() with base 10: 'abc'"],
    ['{"regex": "a", "ebnf": "root ::= \\"a\\""}', 'Only one of regex, json_schema, or ebnf can be set.'],
    ['{"json_schema": "{}", "regex": "a"}', 'Only one of regex, json_schema, or ebnf can be set.'],
  ])('%s → %s', (json, message) => {
    expect(verifyMessage(json)).toBe(message);
  });

  it('the first failing check wins, in the spec order', () => {
    const all = {
      temperature: -1,
      top_p: 2,
      min_p: 2,
      top_k: 0,
      frequency_penalty: 3,
      presence_penalty: 3,
      repetition_penalty: 3,
      min_new_tokens: -1,
      logit_bias: { '99999': 1 },
      regex: 'a',
      ebnf: 'b',
    };
    const order = [
      'temperature',
      'top_p',
      'min_p',
      'top_k',
      'frequency_penalty',
      'presence_penalty',
      'repetition_penalty',
      'min_new_tokens',
      'logit_bias',
    ];
    const params: Record<string, unknown> = { ...all };
    for (const field of order) {
      expect(verifyMessage(params)).toMatch(new RegExp(`^${field} must`));
      delete params[field];
    }
    expect(verifyMessage(params)).toBe('Only one of regex, json_schema, or ebnf can be set.');
  });

  it('booleans pass numeric checks as 0/1 and print as True/False', () => {
    expect(verifyMessage({ top_p: true })).toBeUndefined();
    expect(verifyMessage({ top_p: false })).toBe('top_p must be in (0, 1], got False.');
  });
  it('structural_tag is not part of the grammar exclusivity check', () => {
    expect(verifyMessage({ json_schema: '{}', structural_tag: '{}' })).toBeUndefined();
  });
  it('greedy conversion happens before verify (temperature 0 never fails)', () => {
    expect(verifyMessage({ temperature: 0, top_k: 0 })).toBeUndefined();
  });
  it('n is never range-checked; infinite temperature is rejected', () => {
    expect(verifyMessage({ n: -3 })).toBeUndefined();
    expect(verifyMessage({ temperature: Number.POSITIVE_INFINITY })).toBe(
      'temperature must be a non-negative finite number, got inf.',
    );
  });
  it('max_new_tokens null allows any min_new_tokens', () => {
    expect(verifyMessage({ max_new_tokens: null, min_new_tokens: 1000 })).toBeUndefined();
  });
});

describe('normalize() (spec §1.3)', () => {
  it('turns stop into a list and measures it in tokens with a tokenizer', () => {
    const tokenizer = { encode: (text: string) => Array.from(text.split(' '), (_, i) => i) };
    const p = SamplingParams.from({ stop: 'a b c' }).normalize(tokenizer);
    expect(p.stop_strs).toEqual(['a b c']);
    expect(p.stop_str_max_len).toBe(3);
  });
  it('counts characters (code points) without a tokenizer', () => {
    const p = SamplingParams.from({ stop: ['ab', 'héllo😀'] }).normalize();
    expect(p.stop_str_max_len).toBe(6);
    expect(SamplingParams.from({}).normalize().stop_strs).toEqual([]);
  });
  it('bounds stop_regex lengths like sre_parse', () => {
    expect(stopRegexMaxLength('abc')).toBe(3);
    expect(stopRegexMaxLength('a|bcd')).toBe(3);
    expect(stopRegexMaxLength('[a-z]{2,5}x')).toBe(6);
    expect(stopRegexMaxLength('(?:ab){3}')).toBe(6);
    expect(stopRegexMaxLength('^a$')).toBe(1);
    expect(stopRegexMaxLength('\\bend\\b')).toBe(3);
    expect(stopRegexMaxLength('a?')).toBe(1);
    expect(stopRegexMaxLength('\\d+')).toBe(2 ** 30);
    expect(stopRegexMaxLength('x{2,}')).toBe(2 ** 30);
    expect(stopRegexMaxLength('(?=a)b')).toBe(2 ** 30 + 1);
    expect(stopRegexMaxLength('(?P<n>a)(?P=n)')).toBe(1 + 2 ** 30);
    const p = SamplingParams.from({ stop_regex: 'ab|c' }).normalize();
    expect(p.stop_regex_strs).toEqual(['ab|c']);
    expect(p.stop_regex_max_len).toBe(2);
  });
  it('rejects an invalid stop_regex with a clear message', () => {
    expect(() => SamplingParams.from({ stop_regex: '(a' }).normalize()).toThrow(/^Invalid stop_regex '\(a'/);
  });
  it('skip_tokenizer_init rejects stop strings, stop regexes and min_new_tokens', () => {
    const opts = { skipTokenizerInit: true };
    expect(() => SamplingParams.from({ stop: 'a' }).normalize(null, opts)).toThrow(
      "stop=['a'] is unavailable when skip_tokenizer_init=True (requires tokenizer to decode tokens to text for matching).",
    );
    expect(() => SamplingParams.from({ stop_regex: ['a+'] }).normalize(null, opts)).toThrow(
      "stop_regex=['a+'] is unavailable when skip_tokenizer_init=True (requires tokenizer to decode tokens to text for matching).",
    );
    expect(() => SamplingParams.from({ min_new_tokens: 3 }).normalize(null, opts)).toThrow(
      'min_new_tokens=3 is unavailable when skip_tokenizer_init=True (requires tokenizer for eos_token_id).',
    );
  });
});
