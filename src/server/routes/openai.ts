/**
 * OpenAI-compatible routes (§5): /v1/completions, /v1/chat/completions, /v1/models. Requests are mapped to
 * sampling params and native items, run on the scheduler, and answered with SGLang's OpenAI response and chunk
 * shapes and its flat error body.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { renderChat } from '../chat-template.js';
import { ensureCapacity, type ServerContext, sendFlatError } from '../context.js';
import { BadRequestError, describeError, HttpError } from '../errors.js';
import type { FinishReason, GenerationUpdate, LogprobEntry } from '../generation/types.js';
import { type NormalizedItem, newRid } from '../normalize.js';
import type { Json } from '../sampling-params.js';
import type { PreparedItem } from '../service.js';
import { disconnectSignal, EventStream } from '../sse.js';
import { decodeTokens, tokenText, utf8Bytes } from '../tokenizer.js';
import { parseToolCalls, toolCallStyle, toolConstraint } from '../tools.js';
import { chatMessages } from './native.js';

type Dict = { [key: string]: Json };

const COMMON_FIELDS = [
  'model',
  'n',
  'stream',
  'stream_options',
  'stop',
  'temperature',
  'top_p',
  'top_k',
  'min_p',
  'presence_penalty',
  'frequency_penalty',
  'repetition_penalty',
  'logit_bias',
  'seed',
  'user',
  'min_tokens',
  'stop_token_ids',
  'stop_regex',
  'regex',
  'json_schema',
  'ebnf',
  'response_format',
  'no_stop_trim',
  'ignore_eos',
  'skip_special_tokens',
  'custom_params',
  'custom_logit_processor',
  'rid',
  'max_tokens',
  'logprobs',
  'structural_tag',
  'priority',
  'extra_key',
  'cache_salt',
  'return_hidden_states',
  'lora_path',
  'session_params',
];
const COMPLETION_FIELDS = new Set([...COMMON_FIELDS, 'prompt', 'echo', 'suffix', 'best_of']);
const CHAT_FIELDS = new Set([
  ...COMMON_FIELDS,
  'messages',
  'max_completion_tokens',
  'top_logprobs',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'chat_template_kwargs',
  'separate_reasoning',
  'stream_reasoning',
  'continue_final_message',
  'reasoning_effort',
  'metadata',
  'store',
]);

/** Type checks of request fields: [predicate, description]. */
const isNum = (v: Json) => typeof v === 'number';
const isInt = (v: Json) => Number.isInteger(v);
const isBool = (v: Json) => typeof v === 'boolean';
const isStr = (v: Json) => typeof v === 'string';
const isDict = (v: Json) => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrOrList = (v: Json) => isStr(v) || (Array.isArray(v) && v.every(isStr));
const FIELD_CHECKS: Record<string, [(v: Json) => boolean, string]> = {
  model: [isStr, 'a string'],
  n: [isInt, 'an integer'],
  stream: [isBool, 'a boolean'],
  stream_options: [isDict, 'an object'],
  stop: [isStrOrList, 'a string or a list of strings'],
  temperature: [isNum, 'a number'],
  top_p: [isNum, 'a number'],
  top_k: [isInt, 'an integer'],
  min_p: [isNum, 'a number'],
  presence_penalty: [isNum, 'a number'],
  frequency_penalty: [isNum, 'a number'],
  repetition_penalty: [isNum, 'a number'],
  logit_bias: [isDict, 'an object'],
  seed: [isInt, 'an integer'],
  user: [isStr, 'a string'],
  min_tokens: [isInt, 'an integer'],
  stop_token_ids: [(v) => Array.isArray(v) && v.every(isInt), 'a list of integers'],
  stop_regex: [isStrOrList, 'a string or a list of strings'],
  regex: [isStr, 'a string'],
  json_schema: [isStr, 'a string'],
  ebnf: [isStr, 'a string'],
  structural_tag: [isStr, 'a string'],
  response_format: [isDict, 'an object'],
  no_stop_trim: [isBool, 'a boolean'],
  ignore_eos: [isBool, 'a boolean'],
  skip_special_tokens: [isBool, 'a boolean'],
  custom_params: [isDict, 'an object'],
  custom_logit_processor: [isStr, 'a string'],
  rid: [isStr, 'a string'],
  max_tokens: [isInt, 'an integer'],
  max_completion_tokens: [isInt, 'an integer'],
  echo: [isBool, 'a boolean'],
  top_logprobs: [isInt, 'an integer'],
  messages: [Array.isArray, 'a list'],
  tools: [Array.isArray, 'a list'],
  chat_template_kwargs: [isDict, 'an object'],
};

function checkBody(body: unknown, allowed: Set<string>, strict = true): Dict {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'The request body must be a JSON object.', 'Bad Request');
  }
  const dict = body as Dict;
  for (const [key, value] of Object.entries(dict)) {
    if (strict && !allowed.has(key))
      throw new HttpError(400, `Unknown field '${key}' in the request body.`, 'Bad Request');
    const check = FIELD_CHECKS[key];
    if (value !== null && check && !check[0](value)) {
      throw new HttpError(400, `Field '${key}' must be ${check[1]}.`, 'Bad Request');
    }
  }
  if (strict) {
    for (const field of ['return_hidden_states', 'lora_path'] as const) {
      if (dict[field] !== undefined && dict[field] !== null && dict[field] !== false) {
        throw new BadRequestError(
          `${field} is not supported by the embedded model; start logitkit serve with --upstream URL to use an SGLang server.`,
          'BadRequest',
        );
      }
    }
  }
  return dict;
}

/** Sampling params shared by completions and chat (§5.1, §5.2). */
function commonParams(body: Dict): Dict {
  const sp: Dict = {};
  const copy: [string, string][] = [
    ['temperature', 'temperature'],
    ['top_p', 'top_p'],
    ['top_k', 'top_k'],
    ['min_p', 'min_p'],
    ['repetition_penalty', 'repetition_penalty'],
    ['presence_penalty', 'presence_penalty'],
    ['frequency_penalty', 'frequency_penalty'],
    ['min_tokens', 'min_new_tokens'],
    ['stop', 'stop'],
    ['stop_token_ids', 'stop_token_ids'],
    ['stop_regex', 'stop_regex'],
    ['regex', 'regex'],
    ['json_schema', 'json_schema'],
    ['ebnf', 'ebnf'],
    ['structural_tag', 'structural_tag'],
    ['n', 'n'],
    ['no_stop_trim', 'no_stop_trim'],
    ['ignore_eos', 'ignore_eos'],
    ['skip_special_tokens', 'skip_special_tokens'],
    ['logit_bias', 'logit_bias'],
    ['custom_params', 'custom_params'],
    ['seed', 'sampling_seed'],
  ];
  for (const [from, to] of copy) if (body[from] !== undefined && body[from] !== null) sp[to] = body[from]!;
  const format = body.response_format as Dict | undefined | null;
  if (format) {
    if (format.type === 'json_schema') {
      const inner = (format.json_schema ?? null) as Dict | null;
      const schema = inner?.schema ?? inner?.schema_ ?? format.schema;
      if (schema === undefined || schema === null) {
        throw new BadRequestError(
          'schema_ is required for json_schema response format request.',
          'BadRequest',
        );
      }
      sp.json_schema = typeof schema === 'string' ? schema : JSON.stringify(schema);
    } else if (format.type === 'json_object') {
      sp.json_schema = '{"type": "object"}';
    } else if (format.type === 'structural_tag') {
      sp.structural_tag = JSON.stringify(format);
    } else if (format.type !== 'text') {
      throw new BadRequestError(
        `response_format.type must be one of text, json_object, json_schema, structural_tag; got ${JSON.stringify(format.type)}.`,
        'BadRequest',
      );
    }
  }
  return sp;
}

function finishReasonName(reason: FinishReason | null): string | null {
  return reason?.type ?? null;
}

function matchedStop(reason: FinishReason | null): number | string | null {
  return reason?.type === 'stop' ? reason.matched : null;
}

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: null;
  reasoning_tokens: number;
}

function usageOf(updates: readonly GenerationUpdate[], n: number): Usage {
  let prompt = 0;
  let completion = 0;
  updates.forEach((u, i) => {
    if (i % n === 0) prompt += u.promptTokens;
    completion += u.outputIds.length;
  });
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: null,
    reasoning_tokens: 0,
  };
}

/** The error a final abort maps to, if any. */
function abortError(update: GenerationUpdate): HttpError | null {
  const r = update.finishReason;
  if (r?.type !== 'abort' || r.status_code === null) return null;
  return new HttpError(
    r.status_code,
    r.message,
    r.status_code === 400 ? 'BadRequestError' : (r.err_type ?? String(r.status_code)),
  );
}

/**
 * Runs every prepared request to completion (aborted if the client goes away). On an abort the flat error
 * body is sent and null returned.
 */
async function runToCompletion(
  ctx: ServerContext,
  prepared: readonly PreparedItem[],
  reply: FastifyReply,
): Promise<GenerationUpdate[] | null> {
  const signal = disconnectSignal(reply);
  const updates = await Promise.all(prepared.map((p) => ctx.service.run(p, undefined, signal)));
  for (const u of updates) {
    const error = abortError(u);
    if (error) {
      sendFlatError(reply, error);
      return null;
    }
  }
  return updates;
}

const STATUS_NAMES: Record<number, string> = {
  400: 'BAD_REQUEST',
  500: 'INTERNAL_SERVER_ERROR',
  503: 'SERVICE_UNAVAILABLE',
};

/** The error event of an OpenAI stream that was aborted with a status after it began (§5.4). */
function streamErrorChunk(error: HttpError) {
  const { status, message } = describeError(error);
  return {
    error: {
      object: 'error',
      message,
      type: STATUS_NAMES[status] ?? String(status),
      param: null,
      code: status,
    },
  };
}

interface Job {
  prepared: PreparedItem[];
  n: number;
  model: string;
  created: number;
}

function makeItems(
  ctx: ServerContext,
  prompts: { text?: string; ids?: number[] }[],
  sp: Dict,
  body: Dict,
  logprobs: {
    returnLogprob: boolean;
    top: number;
    startLen: number;
  },
): Job {
  const n = (sp.n as number | undefined) ?? 1;
  if (!Number.isInteger(n) || n < 1)
    throw new BadRequestError(`n must be a positive integer, got ${n}.`, 'BadRequest');
  const params = ctx.service.resolveParams(sp);
  const prepared: PreparedItem[] = [];
  const customProcessor = (body.custom_logit_processor as string | undefined) ?? null;
  for (const prompt of prompts) {
    for (let s = 0; s < n; s++) {
      const item: NormalizedItem = {
        text: prompt.text,
        inputIds: prompt.ids,
        samplingParams: sp,
        rid: n === 1 && prompts.length === 1 && typeof body.rid === 'string' ? body.rid : newRid(),
        returnLogprob: logprobs.returnLogprob,
        logprobStartLen: logprobs.startLen,
        topLogprobsNum: logprobs.top,
        tokenIdsLogprob: null,
        customLogitProcessor: customProcessor,
      };
      prepared.push(ctx.service.prepare(item, s, params));
    }
  }
  ensureCapacity(ctx, prepared.length);
  return {
    prepared,
    n,
    model: typeof body.model === 'string' ? body.model : (ctx.options.servedModelName ?? ctx.model.name),
    created: Math.floor(Date.now() / 1000),
  };
}

// ---------------------------------------------------------------------------------------------- completions

function completionPrompts(prompt: Json | undefined): { text?: string; ids?: number[] }[] {
  const empty = () => new BadRequestError('Prompt cannot be empty', 'BadRequest');
  if (prompt === undefined || prompt === null) throw empty();
  if (typeof prompt === 'string') {
    if (prompt.length === 0) throw empty();
    return [{ text: prompt }];
  }
  if (Array.isArray(prompt)) {
    if (prompt.length === 0) throw empty();
    if (prompt.every((p) => typeof p === 'string')) {
      if (prompt.some((p) => p === '')) throw empty();
      return (prompt as string[]).map((text) => ({ text }));
    }
    if (prompt.every((p) => Number.isInteger(p))) return [{ ids: prompt as number[] }];
    if (prompt.every((p) => Array.isArray(p) && p.length > 0 && p.every((x) => Number.isInteger(x)))) {
      return (prompt as number[][]).map((ids) => ({ ids }));
    }
  }
  throw new HttpError(
    400,
    "Field 'prompt' must be a string, a list of strings, a list of token ids or a list of lists of token ids.",
    'Bad Request',
  );
}

function completionLogprobs(
  ctx: ServerContext,
  entries: LogprobEntry[],
  tops: (LogprobEntry[] | null)[] | null,
) {
  return {
    text_offset: entries.map(() => -1),
    token_logprobs: entries.map((e) => e[0]),
    tokens: entries.map((e) => tokenText(ctx.tokenizer, e[1])),
    top_logprobs: tops
      ? tops.map((row) => {
          if (row === null) return null;
          const out: Record<string, number | null> = {};
          for (const [lp, id] of row) {
            const text = tokenText(ctx.tokenizer, id);
            if (!(text in out)) out[text] = lp;
          }
          return out;
        })
      : entries.map(() => null),
  };
}

async function completions(ctx: ServerContext, rawBody: unknown, reply: FastifyReply) {
  const body = checkBody(rawBody, COMPLETION_FIELDS);
  const maxTokens = body.max_tokens ?? 16;
  if (typeof maxTokens === 'number' && maxTokens <= 0)
    throw new BadRequestError('max_tokens must be positive', 'BadRequest');
  if (
    body.logprobs !== undefined &&
    body.logprobs !== null &&
    !(Number.isInteger(body.logprobs) && (body.logprobs as number) >= 0)
  ) {
    throw new HttpError(400, "Field 'logprobs' must be a non-negative integer.", 'Bad Request');
  }
  const prompts = completionPrompts(body.prompt);
  const sp = { ...commonParams(body), max_new_tokens: maxTokens };
  const k = body.logprobs as number | null | undefined;
  const wantLogprobs = k !== undefined && k !== null;
  const echo = body.echo === true;
  const job = makeItems(ctx, prompts, sp, body, {
    returnLogprob: wantLogprobs,
    top: wantLogprobs ? k : 0,
    startLen: echo && wantLogprobs ? 0 : -1,
  });
  const choiceLogprobs = (update: GenerationUpdate, withInput: boolean) => {
    if (!wantLogprobs) return null;
    const entries = withInput
      ? [...update.inputTokenLogprobs, ...update.outputTokenLogprobs]
      : update.outputTokenLogprobs;
    const tops =
      k! > 0
        ? withInput
          ? [...update.inputTopLogprobs, ...update.outputTopLogprobs]
          : update.outputTopLogprobs
        : null;
    return completionLogprobs(ctx, entries, tops);
  };
  const echoText = (p: PreparedItem) => p.item.text ?? decodeTokens(ctx.tokenizer, p.spec.promptIds, true);
  const firstId = job.prepared[0]!.spec.rid;

  if (body.stream === true) {
    const options = (body.stream_options ?? {}) as Dict;
    const events = new EventStream(reply);
    const updates: GenerationUpdate[] = [];
    await Promise.all(
      job.prepared.map((p, index) => {
        let sent = '';
        let sentTokens = 0;
        let first = true;
        return ctx.service
          .run(
            p,
            (update, final) => {
              const error = final ? abortError(update) : null;
              if (error) {
                events.send(streamErrorChunk(error));
                return;
              }
              let delta = update.text.startsWith(sent) ? update.text.slice(sent.length) : update.text;
              sent = update.text;
              if (first && echo) delta = echoText(p) + delta;
              let logprobs = null;
              if (wantLogprobs) {
                const fresh = {
                  ...update,
                  outputTokenLogprobs: update.outputTokenLogprobs.slice(sentTokens),
                  outputTopLogprobs: update.outputTopLogprobs.slice(sentTokens),
                };
                logprobs = choiceLogprobs(fresh, first && echo);
                sentTokens = update.outputTokenLogprobs.length;
              }
              first = false;
              const chunk: Dict = {
                id: firstId,
                object: 'text_completion',
                created: job.created,
                model: job.model,
                choices: [
                  {
                    index,
                    text: delta,
                    logprobs: logprobs as Json,
                    finish_reason: finishReasonName(update.finishReason),
                    matched_stop: matchedStop(update.finishReason),
                  },
                ],
              };
              if (options.continuous_usage_stats === true)
                chunk.usage = usageOf([update], 1) as unknown as Json;
              events.send(chunk);
            },
            events.abort.signal,
          )
          .then((u) => {
            updates[index] = u;
          });
      }),
    );
    if (options.include_usage === true && !events.clientGone) {
      events.send({
        id: firstId,
        object: 'text_completion',
        created: job.created,
        model: job.model,
        choices: [],
        usage: usageOf(updates, job.n),
      });
    }
    events.done();
    return undefined;
  }

  const updates = await runToCompletion(ctx, job.prepared, reply);
  if (!updates) return reply;
  return reply.send({
    id: firstId,
    object: 'text_completion',
    created: job.created,
    model: job.model,
    choices: updates.map((u, index) => ({
      index,
      text: echo ? echoText(job.prepared[index]!) + u.text : u.text,
      logprobs: choiceLogprobs(u, echo),
      finish_reason: finishReasonName(u.finishReason),
      matched_stop: matchedStop(u.finishReason),
    })),
    usage: usageOf(updates, job.n),
    metadata: { weight_version: 'default' },
  });
}

// ---------------------------------------------------------------------------------------------------- chat

function chatLogprobs(ctx: ServerContext, entries: LogprobEntry[], tops: (LogprobEntry[] | null)[]) {
  return {
    content: entries.map((e, i) => {
      const token = tokenText(ctx.tokenizer, e[1]);
      return {
        token,
        bytes: utf8Bytes(token),
        logprob: e[0],
        top_logprobs: (tops[i] ?? []).map(([lp, id]) => {
          const t = tokenText(ctx.tokenizer, id);
          return { token: t, bytes: utf8Bytes(t), logprob: lp };
        }),
      };
    }),
  };
}

function chatPrompt(ctx: ServerContext, body: Dict): { ids: number[] } {
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0)
    throw new BadRequestError('Messages cannot be empty.', 'BadRequest');
  const tools = body.tools as Json[] | undefined | null;
  const choice = body.tool_choice;
  if (choice === 'required' && (!tools || tools.length === 0)) {
    throw new BadRequestError('Tools cannot be empty if tool choice is set to required.', 'BadRequest');
  }
  if (choice && typeof choice === 'object' && !Array.isArray(choice)) {
    const name = ((choice as Dict).function as Dict | undefined)?.name;
    const found = (tools ?? []).some((t) => ((t as Dict)?.function as Dict | undefined)?.name === name);
    if (!found) throw new BadRequestError(`Tool '${String(name)}' not found in tools list.`, 'BadRequest');
  }
  const text = renderChat(ctx.tokenizer, chatMessages(messages), {
    tools: tools ?? undefined,
    kwargs: (body.chat_template_kwargs as Record<string, unknown> | undefined) ?? undefined,
  });
  return { ids: ctx.tokenizer.encode(text) };
}

async function chat(ctx: ServerContext, rawBody: unknown, reply: FastifyReply) {
  const body = checkBody(rawBody, CHAT_FIELDS);
  const prompt = chatPrompt(ctx, body);
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? null;
  if (typeof maxTokens === 'number' && maxTokens <= 0)
    throw new BadRequestError('max_tokens must be positive', 'BadRequest');
  const sp: Dict = { ...commonParams(body), max_new_tokens: maxTokens };
  const tools = body.tools as Json[] | null | undefined;
  const style = toolCallStyle(ctx.tokenizer.chatTemplate);
  const useTools = !!tools && tools.length > 0 && body.tool_choice !== 'none';
  if (useTools) {
    // With tools, special tokens stay in the text (SGLang forces skip_special_tokens off).
    sp.skip_special_tokens = false;
    const constraint = toolConstraint(tools, body.tool_choice, style);
    const hasOther = ['json_schema', 'regex', 'ebnf', 'structural_tag'].some((k) => sp[k] !== undefined);
    if (constraint && !hasOther) sp.structural_tag = constraint;
  }
  const kwargs = body.chat_template_kwargs as Dict | undefined;
  if (kwargs && typeof kwargs.spaces_between_special_tokens === 'boolean') {
    sp.spaces_between_special_tokens = kwargs.spaces_between_special_tokens;
  }
  const wantLogprobs = body.logprobs === true;
  const top = wantLogprobs ? ((body.top_logprobs as number | null | undefined) ?? 0) : 0;
  if (top < 0 || top > 20)
    throw new HttpError(400, "Field 'top_logprobs' must be in [0, 20].", 'Bad Request');
  // Without an explicit budget a chat answer runs "until the context fills" (§5.2): the scheduler clamps it.
  const job = makeItems(ctx, [prompt], sp, body, { returnLogprob: wantLogprobs, top, startLen: -1 });
  const firstId = job.prepared[0]!.spec.rid;
  const base = () => ({
    id: firstId,
    object: 'chat.completion.chunk',
    created: job.created,
    model: job.model,
  });

  if (body.stream === true) {
    const options = (body.stream_options ?? {}) as Dict;
    const events = new EventStream(reply);
    const updates: GenerationUpdate[] = [];
    await Promise.all(
      job.prepared.map((p, index) => {
        let sent = '';
        let sentTokens = 0;
        events.send({
          ...base(),
          choices: [
            {
              index,
              delta: { role: 'assistant', content: '', reasoning_content: null },
              logprobs: null,
              finish_reason: null,
              matched_stop: null,
            },
          ],
        });
        return ctx.service
          .run(
            p,
            (update) => {
              // With tools the text may be a call: it is parsed once complete and sent as tool_calls.
              if (useTools) return;
              const delta = update.text.startsWith(sent) ? update.text.slice(sent.length) : update.text;
              sent = update.text;
              const fresh = update.outputTokenLogprobs.slice(sentTokens);
              const freshTops = update.outputTopLogprobs.slice(sentTokens);
              sentTokens = update.outputTokenLogprobs.length;
              if (delta.length > 0 || (wantLogprobs && fresh.length > 0)) {
                events.send({
                  ...base(),
                  choices: [
                    {
                      index,
                      delta: { content: delta, reasoning_content: null },
                      logprobs: wantLogprobs ? chatLogprobs(ctx, fresh, freshTops) : null,
                      finish_reason: null,
                      matched_stop: null,
                    },
                  ],
                  ...(options.continuous_usage_stats === true ? { usage: usageOf([update], 1) } : {}),
                });
              }
            },
            events.abort.signal,
          )
          .then((u) => {
            updates[index] = u;
            const error = abortError(u);
            if (error) {
              events.send(streamErrorChunk(error));
              return;
            }
            let toolFinish = false;
            if (useTools) {
              const parsed = parseToolCalls(u.text, tools!, style);
              toolFinish = parsed.calls.length > 0 && u.finishReason?.type === 'stop';
              const delta: Dict = { reasoning_content: null };
              if (parsed.content !== '') delta.content = parsed.content;
              if (parsed.calls.length > 0) delta.tool_calls = parsed.calls as unknown as Json;
              events.send({
                ...base(),
                choices: [
                  {
                    index,
                    delta,
                    logprobs: wantLogprobs
                      ? chatLogprobs(ctx, u.outputTokenLogprobs, u.outputTopLogprobs)
                      : null,
                    finish_reason: null,
                    matched_stop: null,
                  },
                ],
              });
            }
            events.send({
              ...base(),
              choices: [
                {
                  index,
                  delta: { reasoning_content: null },
                  logprobs: null,
                  finish_reason: toolFinish ? 'tool_calls' : finishReasonName(u.finishReason),
                  matched_stop: toolFinish ? null : matchedStop(u.finishReason),
                },
              ],
            });
          });
      }),
    );
    if (options.include_usage === true && !events.clientGone) {
      events.send({ ...base(), choices: [], usage: usageOf(updates, job.n) });
    }
    events.done();
    return undefined;
  }

  const updates = await runToCompletion(ctx, job.prepared, reply);
  if (!updates) return reply;
  return reply.send({
    id: firstId,
    object: 'chat.completion',
    created: job.created,
    model: job.model,
    choices: updates.map((u, index) => {
      const parsed = useTools ? parseToolCalls(u.text, tools!, style) : { content: u.text, calls: [] };
      const called = parsed.calls.length > 0;
      // A parsed call turns finish_reason "stop" into "tool_calls" (and matched_stop into null), §5.3.
      const toolFinish = called && u.finishReason?.type === 'stop';
      return {
        index,
        message: {
          role: 'assistant',
          content: called && parsed.content === '' ? null : parsed.content,
          reasoning_content: null,
          tool_calls: called ? parsed.calls : null,
        },
        logprobs: wantLogprobs ? chatLogprobs(ctx, u.outputTokenLogprobs, u.outputTopLogprobs) : null,
        finish_reason: toolFinish ? 'tool_calls' : finishReasonName(u.finishReason),
        matched_stop: toolFinish ? null : matchedStop(u.finishReason),
      };
    }),
    usage: usageOf(updates, job.n),
    metadata: { weight_version: 'default' },
  });
}

/** The /v1/models body. */
export function modelsList(ctx: ServerContext) {
  const id = ctx.options.servedModelName ?? ctx.model.name;
  return {
    object: 'list',
    data: [
      {
        id,
        object: 'model',
        created: Math.floor(ctx.state.startedAt / 1000),
        owned_by: 'sglang',
        root: id,
        parent: null,
        max_model_len: ctx.options.contextLength,
      },
    ],
  };
}

/** Registers the OpenAI routes of the embedded server. */
export function registerOpenAIRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const wrap =
    (fn: (ctx: ServerContext, body: unknown, reply: FastifyReply) => Promise<unknown>) =>
    async (request: { body: unknown }, reply: FastifyReply) => {
      try {
        return await fn(ctx, request.body, reply);
      } catch (error) {
        if (reply.sent) return undefined;
        return sendFlatError(reply, error);
      }
    };
  app.post('/v1/completions', wrap(completions));
  app.post('/v1/chat/completions', wrap(chat));
  app.get('/v1/models', () => modelsList(ctx));
}

/**
 * Gateway validation of an OpenAI request: field types, request mapping, sampling params and grammar compile
 * (unknown fields are allowed: the upstream decides). Throws the error the embedded server would answer.
 */
export function validateOpenAIRequest(
  ctx: ServerContext,
  kind: 'completion' | 'chat',
  rawBody: unknown,
): void {
  const body = checkBody(rawBody, kind === 'chat' ? CHAT_FIELDS : COMPLETION_FIELDS, false);
  let maxTokens: Json;
  if (kind === 'chat') {
    const messages = body.messages;
    if (!Array.isArray(messages) || messages.length === 0)
      throw new BadRequestError('Messages cannot be empty.', 'BadRequest');
    maxTokens = body.max_completion_tokens ?? body.max_tokens ?? null;
  } else {
    completionPrompts(body.prompt);
    maxTokens = body.max_tokens ?? 16;
  }
  if (typeof maxTokens === 'number' && maxTokens <= 0)
    throw new BadRequestError('max_tokens must be positive', 'BadRequest');
  const params = ctx.service.resolveParams({ ...commonParams(body), max_new_tokens: maxTokens });
  ctx.grammars.resolve(params);
}
