import { describe, expect, it } from 'vitest';
import {
  type GenerateEvent,
  Generator,
  registerLogitProcessor,
  SamplingParams,
  SamplingParamsError,
} from '../../src/sampling/index.js';
import { FakeTokenizer, ScriptedModel } from './fakes.js';

// 0 </s> (special, EOS), 1 'Hello', 2 ' world', 3 '!', 4 ' STOP', 5 'x', 6 ' and'
const tok = new FakeTokenizer(['</s>', 'Hello', ' world', '!', ' STOP', 'x', ' and'], [0], [0]);
// Hello → world → ! → STOP → and → x → </s>
const script = { 1: 2, 2: 3, 3: 4, 4: 6, 6: 5, 5: 0 };
const model = () => new ScriptedModel(7, script, 30);
const P = (json: Record<string, unknown>) => SamplingParams.from(json);

async function collect(
  gen: Generator,
  request: Parameters<Generator['submit']>[0],
): Promise<GenerateEvent[]> {
  const events: GenerateEvent[] = [];
  for await (const event of gen.submit(request).events())
    events.push({ ...event, outputIds: [...event.outputIds] });
  return events;
}

describe('Generator', () => {
  it('greedy generation until EOS: text trimmed, output ids untrimmed, finish reason', async () => {
    const gen = new Generator(model(), { tokenizer: tok });
    const result = await gen.submit({ inputIds: [1], params: P({ temperature: 0 }) }).result;
    expect(result.outputIds).toEqual([2, 3, 4, 6, 5, 0]);
    expect(result.text).toBe(' world! STOP andx');
    expect(result.finishReason).toEqual({ type: 'stop', matched: 0 });
    expect(result.completionTokens).toBe(6);
    expect(result.promptTokens).toBe(1);
  });
  it('max_new_tokens gives a length finish', async () => {
    const gen = new Generator(model(), { tokenizer: tok });
    const result = await gen.submit({ inputIds: [1], params: P({ temperature: 0, max_new_tokens: 2 }) })
      .result;
    expect(result.finishReason).toEqual({ type: 'length', length: 2 });
    expect(result.text).toBe(' world!');
  });
  it('stop strings trim the text; no_stop_trim keeps the stop string', async () => {
    const gen = new Generator(model(), { tokenizer: tok });
    const a = await gen.submit({ inputIds: [1], params: P({ temperature: 0, stop: ' STOP' }) }).result;
    expect(a.finishReason).toEqual({ type: 'stop', matched: ' STOP' });
    expect(a.text).toBe(' world!');
    expect(a.outputIds).toEqual([2, 3, 4]);
    const b = await gen.submit({
      inputIds: [1],
      params: P({ temperature: 0, stop: ' STOP', no_stop_trim: true }),
    }).result;
    expect(b.text).toBe(' world! STOP');
  });
  it('ignore_eos keeps going past EOS until length', async () => {
    const gen = new Generator(model(), { tokenizer: tok });
    const r = await gen.submit({
      inputIds: [1],
      params: P({ temperature: 0, ignore_eos: true, max_new_tokens: 8 }),
    }).result;
    expect(r.finishReason).toEqual({ type: 'length', length: 8 });
    expect(r.outputIds.slice(0, 6)).toEqual([2, 3, 4, 6, 5, 0]);
  });
  it('min_new_tokens masks EOS until reached', async () => {
    const m = new ScriptedModel(7, { 1: 0 }, 30);
    const gen = new Generator(m, { tokenizer: tok });
    const r = await gen.submit({
      inputIds: [1],
      params: P({ temperature: 0, min_new_tokens: 3, max_new_tokens: 10 }),
    }).result;
    expect(r.outputIds.length).toBeGreaterThanOrEqual(3);
    expect(r.outputIds.slice(0, 2)).not.toContain(0);
  });
  it('streams cumulative text with deltas and holds back a partial stop string', async () => {
    const gen = new Generator(model(), { tokenizer: tok });
    const events = await collect(gen, {
      inputIds: [1],
      params: P({ temperature: 0, stop: '! ST' }),
      stream: true,
    });
    const last = events[events.length - 1]!;
    expect(last.finishReason).toEqual({ type: 'stop', matched: '! ST' });
    expect(last.text).toBe(' world');
    expect(events.map((e) => e.delta).join('')).toBe(' world');
    // after ' world!' the tail ends with '!' (a prefix of the stop string): that chunk is held back
    expect(events.some((e) => e.text.includes('!'))).toBe(false);
    for (let i = 1; i < events.length; i++)
      expect(events[i]!.text.startsWith(events[i - 1]!.text)).toBe(true);
  });
  it('stream_interval controls the cadence', async () => {
    const gen = new Generator(model(), { tokenizer: tok });
    const events = await collect(gen, {
      inputIds: [1],
      params: P({ temperature: 0, stream_interval: 2 }),
      stream: true,
    });
    expect(events.map((e) => e.completionTokens)).toEqual([1, 3, 5, 6]);
  });
  it('returns logprobs in SGLang shapes', async () => {
    const gen = new Generator(model(), { tokenizer: tok });
    const r = await gen.submit({
      inputIds: [1, 2],
      params: P({ temperature: 0, max_new_tokens: 2 }),
      returnLogprob: true,
      topLogprobsNum: 2,
      tokenIdsLogprob: [5, 3],
      returnTextInLogprobs: true,
    }).result;
    const lp = r.logprobs!;
    expect(Object.keys(lp)).toEqual([
      'input_token_logprobs',
      'output_token_logprobs',
      'input_top_logprobs',
      'output_top_logprobs',
      'input_token_ids_logprobs',
      'output_token_ids_logprobs',
    ]);
    expect(lp.input_token_logprobs).toEqual([[null, 2, ' world']]);
    expect(lp.input_top_logprobs).toEqual([null]);
    expect(lp.output_token_logprobs.map((t) => t.slice(1))).toEqual([
      [3, '!'],
      [4, ' STOP'],
    ]);
    const expected = Math.fround(30 - Math.log(Math.exp(30) + 6));
    expect(lp.output_token_logprobs[0]![0]).toBeCloseTo(expected, 12);
    expect(lp.output_top_logprobs![0]!.map((t) => t[1])).toEqual([3, 0]);
    expect(lp.output_token_ids_logprobs![0]!.map((t) => t[1])).toEqual([5, 3]);
  });
  it('prompt logprobs from logprob_start_len use raw logits, entry 0 null', async () => {
    const gen = new Generator(model(), { tokenizer: tok });
    const r = await gen.submit({
      inputIds: [1, 2, 3],
      params: P({ temperature: 0, max_new_tokens: 1 }),
      returnLogprob: true,
      logprobStartLen: 0,
    }).result;
    const input = r.logprobs!.input_token_logprobs;
    expect(input.map((t) => t[1])).toEqual([1, 2, 3]);
    expect(input[0]![0]).toBeNull();
    expect(input[1]![0]).toBeCloseTo(30 - Math.log(Math.exp(30) + 6), 5);
    expect(input[1]![2]).toBeNull();
  });
  it('logprob_start_len beyond the prompt aborts with SGLang message', async () => {
    const gen = new Generator(model(), { tokenizer: tok });
    const r = await gen.submit({ inputIds: [1], params: P({}), returnLogprob: true, logprobStartLen: 5 })
      .result;
    expect(r.finishReason).toEqual({
      type: 'abort',
      message:
        'req.logprob_start_len=5 is higher than the number of input tokens len(req.origin_input_ids)=1. Please use a smaller logprob_start_len.',
      status_code: 400,
      err_type: 'BadRequestError',
    });
  });
  it('abort finishes the request with an abort reason', async () => {
    const gen = new Generator(new ScriptedModel(7, {}), { tokenizer: tok });
    const handle = gen.submit({ inputIds: [1], params: P({ ignore_eos: true, max_new_tokens: 1000 }) });
    setTimeout(() => handle.abort(), 5);
    const r = await handle.result;
    expect(r.finishReason).toEqual({ type: 'abort', message: 'Aborted', status_code: null, err_type: null });
    expect(r.completionTokens).toBeLessThan(1000);
  });
  it('the same sampling_seed reproduces the same tokens; deterministic mode too', async () => {
    const flat = () => new ScriptedModel(7, {}, 0);
    const run = async (options: { deterministic?: boolean }, seed: number) =>
      (
        await new Generator(flat(), { tokenizer: tok, ...options }).submit({
          inputIds: [1],
          params: P({ sampling_seed: seed, ignore_eos: true, max_new_tokens: 20 }),
        }).result
      ).outputIds;
    expect(await run({}, 7)).toEqual(await run({}, 7));
    expect(await run({}, 7)).not.toEqual(await run({}, 8));
    expect(await run({ deterministic: true }, 7)).toEqual(await run({ deterministic: true }, 7));
  });
  it('batches concurrent requests in one model call per step', async () => {
    const m = model();
    const gen = new Generator(m, { tokenizer: tok });
    const a = gen.submit({ inputIds: [1], params: P({ temperature: 0 }) });
    const b = gen.submit({ inputIds: [3], params: P({ temperature: 0 }) });
    const [ra, rb] = await Promise.all([a.result, b.result]);
    expect(ra.outputIds).toEqual([2, 3, 4, 6, 5, 0]);
    expect(rb.outputIds).toEqual([4, 6, 5, 0]);
    expect(m.calls).toBe(6);
  });
  it('grammar matcher: masks, accepts and terminates', async () => {
    // allows only token 5 then EOS; terminates after EOS
    let accepted: number[] = [];
    const matcher = {
      fillNextTokenBitmask(mask: Int32Array) {
        mask.fill(0);
        const allowed = accepted.length === 0 ? 5 : 0;
        mask[0]! |= 1 << allowed;
      },
      acceptToken(id: number) {
        accepted = [...accepted, id];
        return true;
      },
      isTerminated: () => accepted.includes(0),
    };
    const gen = new Generator(model(), { tokenizer: tok });
    const r = await gen.submit({ inputIds: [1], params: P({ ignore_eos: true }), matcher }).result;
    expect(r.outputIds).toEqual([5, 0]);
    expect(r.finishReason).toEqual({ type: 'stop', matched: 0 });
    expect(r.text).toBe('x');
  });
  it('a rejected token aborts with a 500 reason', async () => {
    const matcher = { fillNextTokenBitmask() {}, acceptToken: () => false, isTerminated: () => false };
    const gen = new Generator(model(), { tokenizer: tok });
    const r = await gen.submit({ rid: 'r1', inputIds: [1], params: P({ temperature: 0 }), matcher }).result;
    expect(r.finishReason).toMatchObject({ type: 'abort', status_code: 500 });
    expect((r.finishReason as { message: string }).message).toMatch(
      /^Grammar accept_token failed for req r1 with token 2/,
    );
  });
  it('a fully masked row finishes with "NaN happened" and stores the EOS id', async () => {
    const matcher = {
      fillNextTokenBitmask: (m: Int32Array) => m.fill(0),
      acceptToken: () => true,
      isTerminated: () => false,
    };
    const gen = new Generator(model(), { tokenizer: tok });
    const r = await gen.submit({ inputIds: [1], params: P({}), matcher }).result;
    expect(r.finishReason).toEqual({ type: 'stop', matched: 'NaN happened' });
    expect(r.outputIds).toEqual([0]);
  });
  it('validates requests with SGLang messages', () => {
    const gen = new Generator(model(), { tokenizer: tok, contextLength: 8 });
    expect(() => gen.submit({ inputIds: [], params: P({}) })).toThrow('input_ids cannot be empty.');
    expect(() => gen.submit({ inputIds: [9], params: P({}) })).toThrow(
      'The input_ids [9] contains values greater than the vocab size (7).',
    );
    expect(() => gen.submit({ inputIds: [1, 1, 1, 1, 1, 1, 1, 1], params: P({}) })).toThrow(
      "The input (8 tokens) is longer than the model's context length (8 tokens).",
    );
    expect(() => gen.submit({ inputIds: [1, 1], params: P({ max_new_tokens: 6 }) })).toThrow(
      "Requested token count exceeds the model's maximum context length of 8 tokens. You requested a total of 8 tokens: 2 tokens from the input messages and 6 tokens for the completion.",
    );
    expect(() => gen.submit({ inputIds: [1], params: P({ top_p: 2 }) })).toThrow(SamplingParamsError);
    expect(() =>
      gen.submit({
        inputIds: [1],
        params: P({ max_new_tokens: 2 }),
        customLogitProcessor: 'DisallowedTokensLogitsProcessor',
      }),
    ).toThrow('The server is not configured to enable custom logit processor.');
  });
  it('runs custom logit processors with custom_params and __req__ when enabled', async () => {
    const seen: unknown[] = [];
    registerLogitProcessor('record', (_rows, params) => {
      seen.push(params[0]?.__req__?.originInputIds);
      return undefined;
    });
    const gen = new Generator(model(), { tokenizer: tok, enableCustomLogitProcessor: true });
    const r = await gen.submit({
      inputIds: [1],
      params: P({ temperature: 0, max_new_tokens: 3, custom_params: { token_ids: [2] } }),
      customLogitProcessor: '{"callable": "DisallowedTokensLogitsProcessor"}',
    }).result;
    expect(r.outputIds[0]).not.toBe(2);
    await gen.submit({ inputIds: [1, 2], params: P({ max_new_tokens: 1 }), customLogitProcessor: 'record' })
      .result;
    expect(seen).toEqual([[1, 2]]);
  });
  it('max_new_tokens 0 samples one token and reports length 0 (like SGLang)', async () => {
    const gen = new Generator(model(), { tokenizer: tok });
    const r = await gen.submit({ inputIds: [1], params: P({ temperature: 0, max_new_tokens: 0 }) }).result;
    expect(r.finishReason).toEqual({ type: 'length', length: 0 });
    expect(r.outputIds).toEqual([2]);
  });
  it('leaves the rows returned by the model unchanged (a model may cache them)', async () => {
    const cached = Float32Array.from([0, 5, 4, 3, 2, 1, 0]);
    const m = { vocabSize: 7, forward: (seqs: ReadonlyArray<readonly number[]>) => seqs.map(() => cached) };
    const gen = new Generator(m, { tokenizer: tok });
    await gen.submit({
      inputIds: [1],
      params: P({ repetition_penalty: 2, logit_bias: { '3': 1 }, max_new_tokens: 3, ignore_eos: true }),
    }).result;
    expect(Array.from(cached)).toEqual([0, 5, 4, 3, 2, 1, 0]);
  });
  it('returnOriginalLogprob reports logprobs before temperature', async () => {
    const gen = new Generator(model(), { tokenizer: tok, returnOriginalLogprob: true });
    const r = await gen.submit({
      inputIds: [1],
      params: P({ temperature: 2, top_k: 1 + 1, max_new_tokens: 1 }),
      returnLogprob: true,
    }).result;
    const [lp, id] = r.logprobs!.output_token_logprobs[0]!;
    const expected = id === 2 ? 30 - Math.log(Math.exp(30) + 6) : -Math.log(Math.exp(30) + 6);
    expect(lp).toBeCloseTo(expected, 5);
  });
  it('masked tokens have null logprobs in token_ids_logprob', async () => {
    const matcher = {
      fillNextTokenBitmask: (m: Int32Array) => {
        m.fill(0);
        m[0] = 1 << 2;
      },
      acceptToken: () => true,
      isTerminated: () => false,
    };
    const gen = new Generator(model(), { tokenizer: tok });
    const r = await gen.submit({
      inputIds: [1],
      params: P({ max_new_tokens: 1 }),
      matcher,
      returnLogprob: true,
      tokenIdsLogprob: [3, 2],
    }).result;
    expect(r.logprobs!.output_token_ids_logprobs).toEqual([
      [
        [null, 3, null],
        [0, 2, null],
      ],
    ]);
  });
  it('without a tokenizer (skip_tokenizer_init) stop strings are rejected and text is empty', async () => {
    const gen = new Generator(model());
    expect(() => gen.submit({ inputIds: [1], params: P({ stop: 'x' }) })).toThrow(
      "stop=['x'] is unavailable when skip_tokenizer_init=True (requires tokenizer to decode tokens to text for matching).",
    );
    const r = await gen.submit({ inputIds: [1], params: P({ temperature: 0, max_new_tokens: 2 }) }).result;
    expect(r.text).toBe('');
    expect(r.outputIds).toEqual([2, 3]);
  });
  it('stop_regex with Python named groups finishes with the pattern', async () => {
    const gen = new Generator(model(), { tokenizer: tok });
    const r = await gen.submit({ inputIds: [1], params: P({ temperature: 0, stop_regex: '(?P<w>STOP)' }) })
      .result;
    expect(r.finishReason).toEqual({ type: 'stop', matched: '(?P<w>STOP)' });
    expect(r.text).toBe(' world! STOP');
  });
  it('model errors abort the batch with an internal error', async () => {
    const broken = { vocabSize: 7, forward: () => Promise.reject(new Error('boom')) };
    const gen = new Generator(broken, { tokenizer: tok });
    const r = await gen.submit({ inputIds: [1], params: P({}) }).result;
    expect(r.finishReason).toEqual({
      type: 'abort',
      message: 'Internal server error: boom',
      status_code: 500,
      err_type: 'InternalServerError',
    });
  });
});
