import { describe, expect, it } from 'vitest';
import {
  abortReason,
  findPrintableText,
  IncrementalDetokenizer,
  SamplingParams,
  StopChecker,
  trimMatchedStopIds,
  trimMatchedStopText,
} from '../../src/sampling/index.js';
import { FakeTokenizer } from './fakes.js';

// ids: 0 <eos> (special), 1 'Hello', 2 ' world', 3 '!', 4 ' STOP', 5 'x', 6 '<|im_end|>' (special), 7 ' 42'
const tok = new FakeTokenizer(
  ['</s>', 'Hello', ' world', '!', ' STOP', 'x', '<|im_end|>', ' 42'],
  [0, 6],
  [0],
);
const checker = (json: Record<string, unknown>, extra: { maxNewTokens?: number } = {}) =>
  new StopChecker(SamplingParams.from(json).normalize(tok), {
    tokenizer: tok,
    eosTokenIds: [0],
    vocabSize: 8,
    ...extra,
  });

describe('check_finished order and finish_reason objects (spec §3.4)', () => {
  it('length comes first: a stop token sampled as the last allowed token reports length', () => {
    expect(checker({ max_new_tokens: 2 }).check([1, 0])).toEqual({ type: 'length', length: 2 });
  });
  it('EOS gives {"type":"stop","matched":<id>}', () => {
    expect(checker({}).check([1, 0])).toEqual({ type: 'stop', matched: 0 });
  });
  it('stop_token_ids match like EOS', () => {
    expect(checker({ stop_token_ids: [3] }).check([1, 3])).toEqual({ type: 'stop', matched: 3 });
  });
  it('ignore_eos skips EOS and stop_token_ids but not stop strings', () => {
    expect(checker({ ignore_eos: true, stop_token_ids: [3] }).check([1, 3])).toBeNull();
    expect(checker({ ignore_eos: true }).check([1, 0])).toBeNull();
    expect(checker({ ignore_eos: true, stop: ' world' }).check([1, 2])).toEqual({
      type: 'stop',
      matched: ' world',
    });
  });
  it('grammar termination fires even with ignore_eos and reports the last token', () => {
    const matcher = { isTerminated: () => true, acceptToken: () => true, fillNextTokenBitmask: () => {} };
    expect(checker({ ignore_eos: true }).check([1, 5], matcher)).toEqual({ type: 'stop', matched: 5 });
  });
  it('stop strings are searched in the decoded tail, in order, special tokens included', () => {
    expect(checker({ stop: ['!', 'world'] }).check([1, 2, 3])).toEqual({ type: 'stop', matched: '!' });
    expect(checker({ stop: '<|im_end|>' }).check([1, 6])).toEqual({ type: 'stop', matched: '<|im_end|>' });
  });
  it('a stop string spanning tokens matches', () => {
    expect(checker({ stop: 'lo wor' }).check([1, 2])).toEqual({ type: 'stop', matched: 'lo wor' });
  });
  it('an empty stop string matches immediately', () => {
    expect(checker({ stop: [''] }).check([1])).toEqual({ type: 'stop', matched: '' });
  });
  it('stop_regex reports the pattern, checked after stop strings', () => {
    expect(checker({ stop_regex: '\\d+' }).check([1, 7])).toEqual({ type: 'stop', matched: '\\d+' });
    expect(checker({ stop: '42', stop_regex: '\\d+' }).check([1, 7])).toEqual({
      type: 'stop',
      matched: '42',
    });
  });
  it('an id outside the vocabulary reports "NaN happened"', () => {
    expect(checker({}).check([1, -1])).toEqual({ type: 'stop', matched: 'NaN happened' });
  });
  it('a pending abort wins, with SGLang shape', () => {
    expect(checker({}).check([0], null, abortReason())).toEqual({
      type: 'abort',
      message: 'Aborted',
      status_code: null,
      err_type: null,
    });
  });
  it('tail length covers max(stop_str_max_len + 1, stop_regex_max_len + 1) + 1 tokens', () => {
    const c = checker({ stop: ['Hello world'] }); // 2 tokens
    expect(c.tailLength(100)).toBe(4);
    expect(c.tailLength(2)).toBe(2);
  });
  it('holds back streaming while the tail ends with a prefix of a stop string', () => {
    const c = checker({ stop: [' STOP'] });
    expect(c.holdsStopPrefix([1, 5])).toBe(false);
    const c2 = checker({ stop: ['x!'] });
    expect(c2.holdsStopPrefix([1, 5])).toBe(true);
  });
});

describe('trimming (spec §3.5, new behaviour)', () => {
  const stop = (matched: number | string) => ({ type: 'stop' as const, matched });
  it('cuts the text at the first occurrence of the matched stop string', () => {
    expect(trimMatchedStopText('a STOP b STOP', stop(' STOP'), false)).toBe('a');
  });
  it('no_stop_trim keeps the stop string but drops what follows', () => {
    expect(trimMatchedStopText('a STOP b', stop(' STOP'), true)).toBe('a STOP');
  });
  it('regex reasons carry the pattern: nothing trimmed unless the pattern text occurs', () => {
    expect(trimMatchedStopText('abc 42', stop('\\d+'), false)).toBe('abc 42');
  });
  it('length and abort reasons trim nothing', () => {
    expect(trimMatchedStopText('abc', { type: 'length', length: 3 }, false)).toBe('abc');
    expect(trimMatchedStopText('abc', abortReason(), false)).toBe('abc');
  });
  it('token matches drop the last id unless no_stop_trim; matched 0 is falsy and trims nothing', () => {
    expect(trimMatchedStopIds([1, 2, 3], stop(3), false)).toEqual([1, 2]);
    expect(trimMatchedStopIds([1, 2, 3], stop(3), true)).toEqual([1, 2, 3]);
    expect(trimMatchedStopIds([1, 2, 0], stop(0), false)).toEqual([1, 2, 0]);
  });
});

describe('incremental detokenization', () => {
  const options = { skipSpecialTokens: true, spacesBetweenSpecialTokens: true, noStopTrim: false };
  it('find_printable_text', () => {
    expect(findPrintableText('hello wor')).toBe('hello ');
    expect(findPrintableText('line\n')).toBe('line\n');
    expect(findPrintableText('你好')).toBe('你好');
    expect(findPrintableText('你a')).toBe('你');
    expect(findPrintableText('word')).toBe('');
  });
  it('holds back U+FFFD until the UTF-8 sequence completes', () => {
    // "é" = C3 A9 split over two tokens
    const t = new FakeTokenizer(['a', [0xc3], [0xa9], ' b'], [], []);
    const d = new IncrementalDetokenizer(t, [0], options);
    expect(d.step([0], null)).toBe('a');
    expect(d.step([1], null)).toBe(''); // "\uFFFD" is not emitted
    expect(d.step([2], null)).toBe('é');
    expect(d.step([3], { type: 'length', length: 4 })).toBe(' b');
    expect(d.text).toBe('aé b');
  });
  it('uses the last 5 prompt tokens as context and skips special tokens', () => {
    const d = new IncrementalDetokenizer(tok, [1, 1, 1, 1, 1, 1, 1], options);
    expect(d.step([2, 6, 3], null)).toBe(' world!');
  });
  it('keeps special tokens with skip_special_tokens=false', () => {
    const d = new IncrementalDetokenizer(tok, [1], {
      ...options,
      skipSpecialTokens: false,
      spacesBetweenSpecialTokens: false,
    });
    expect(d.step([2, 6], null)).toBe(' world<|im_end|>');
  });
  it('trims a stop string on finish, even when part of it was already sent', () => {
    const d = new IncrementalDetokenizer(tok, [1], options);
    expect(d.step([2], null)).toBe(' world');
    expect(d.step([4, 5], { type: 'stop', matched: ' STOP' })).toBe('');
    expect(d.text).toBe(' world');
  });
  it('drops the EOS token text on a token match, keeps it with no_stop_trim', () => {
    const eos = new FakeTokenizer(['a', 'END'], [], [1]);
    const d = new IncrementalDetokenizer(eos, [0], options);
    expect(d.step([0, 1], { type: 'stop', matched: 1 })).toBe('a');
    const keep = new IncrementalDetokenizer(eos, [0], { ...options, noStopTrim: true });
    expect(keep.step([0, 1], { type: 'stop', matched: 1 })).toBe('aEND');
  });
});
