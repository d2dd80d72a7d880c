/** The sampling module against the real vocabulary module (contract check: TokenizerInfo is a TokenizerLike). */
import { describe, expect, it } from 'vitest';
import { Generator, SamplingParams, type TokenizerLike } from '../../src/sampling/index.js';
import { TokenizerInfo } from '../../src/vocabulary/index.js';
import { ScriptedModel } from './fakes.js';

describe('with TokenizerInfo.fromVocab', () => {
  const info = TokenizerInfo.fromVocab(['</s>', 'Hel', 'lo', ' wor', 'ld', '!'], { eosTokenIds: [0] });
  const tokenizer: TokenizerLike = info;

  it('generates, stops on a stop string and trims it', async () => {
    const model = new ScriptedModel(6, { 1: 2, 2: 3, 3: 4, 4: 5, 5: 0 }, 30);
    const gen = new Generator(model, { tokenizer });
    const params = SamplingParams.from({ temperature: 0, stop: 'ld' });
    const r = await gen.submit({ inputIds: [1], params }).result;
    expect(r.text).toBe('lo wor');
    expect(r.finishReason).toEqual({ type: 'stop', matched: 'ld' });
    expect(params.stop_str_max_len).toBe(1);
  });
  it('stops on the tokenizer EOS and drops its text', async () => {
    const model = new ScriptedModel(6, { 1: 2, 2: 0 }, 30);
    const r = await new Generator(model, { tokenizer }).submit({
      inputIds: [1],
      params: SamplingParams.from({ temperature: 0 }),
    }).result;
    expect(r.outputIds).toEqual([2, 0]);
    expect(r.text).toBe('lo');
    expect(r.finishReason).toEqual({ type: 'stop', matched: 0 });
  });
});

describe('with the engine GrammarMatcher', () => {
  it('a regex constraint decides the text; termination on EOS ends the request even with ignore_eos', async () => {
    const { GrammarCompiler, GrammarMatcher } = await import('../../src/engine/index.js');
    const info = TokenizerInfo.fromVocab(['</s>', 'a', 'b', 'ab', 'c'], { eosTokenIds: [0] });
    const compiled = new GrammarCompiler(info).compileRegex('(ab)+c');
    // the model prefers "c" right away and EOS afterwards; the grammar forces "ab" first
    const model = new ScriptedModel(5, { 1: 4, 2: 4, 3: 4, 4: 0 }, 5);
    const gen = new Generator(model, { tokenizer: info });
    const r = await gen.submit({
      inputIds: [1],
      params: SamplingParams.from({ temperature: 0, ignore_eos: true, max_new_tokens: 20 }),
      matcher: new GrammarMatcher(compiled),
    }).result;
    expect(r.text).toMatch(/^(ab)+c$/);
    expect(r.finishReason).toEqual({ type: 'stop', matched: 0 });
    expect(r.outputIds[r.outputIds.length - 1]).toBe(0);
  });
});
