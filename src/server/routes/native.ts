/**
 * Native SGLang routes (§3, §6): /generate, /health, /health_generate, /model_info, /server_info (and their
 * /get_* aliases), /flush_cache, /tokenize, /detokenize, /v1/score, and clear 400s for model-side features.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type ChatMessage, messageText, renderChat } from '../chat-template.js';
import { ensureCapacity, type ServerContext, sendFlatError } from '../context.js';
import { BadRequestError, describeError, HttpError, nativeErrorBody } from '../errors.js';
import type { GenerationUpdate } from '../generation/types.js';
import { normalizeGenerate, validateGenerateBody } from '../normalize.js';
import type { Json } from '../sampling-params.js';
import type { PreparedItem } from '../service.js';
import { disconnectSignal, EventStream } from '../sse.js';
import { decodeTokens, encodePrompt } from '../tokenizer.js';

/** The 400 for a feature only a real model has. */
export function modelSideError(ctx: ServerContext, feature: string): BadRequestError {
  return new BadRequestError(
    `${feature} is not supported by the embedded model ${ctx.model.name}; ` +
      'start logitkit serve with --upstream URL to forward such requests to an SGLang server.',
  );
}

/** SGLang version string reported by /server_info (the API level logitkit follows). */
export const COMPATIBLE_SGLANG_VERSION = '0.5.16';

/** The /model_info body. */
export function modelInfo(ctx: ServerContext): Record<string, unknown> {
  return {
    model_path: ctx.model.name,
    tokenizer_path: ctx.tokenizer.source,
    is_generation: true,
    preferred_sampling_params: ctx.options.preferredSamplingParams
      ? JSON.stringify(ctx.options.preferredSamplingParams)
      : null,
    weight_version: 'default',
    has_image_understanding: false,
    has_audio_understanding: false,
    model_description: ctx.model.description,
  };
}

/** The /server_info body: server arguments plus scheduler state. */
export function serverInfo(ctx: ServerContext): Record<string, unknown> {
  const o = ctx.options;
  return {
    model_path: ctx.model.name,
    tokenizer_path: ctx.tokenizer.source,
    host: o.host,
    port: o.port,
    served_model_name: o.servedModelName ?? ctx.model.name,
    context_length: o.contextLength,
    max_running_requests: o.maxRunningRequests,
    max_queued_requests: o.maxQueuedRequests,
    enable_custom_logit_processor: o.enableCustomLogitProcessor,
    preferred_sampling_params: o.preferredSamplingParams ? JSON.stringify(o.preferredSamplingParams) : null,
    grammar_backend: ctx.grammars.enabled ? 'logitkit' : 'none',
    grammar_cache_size: o.grammarCacheSize,
    api_key: o.apiKey ? '<set>' : null,
    stream_interval: 1,
    max_req_input_len: o.contextLength - 1,
    max_total_num_tokens: o.contextLength * o.maxRunningRequests,
    vocab_size: ctx.tokenizer.vocabSize,
    internal_states: [
      {
        model: ctx.model.description,
        running_requests: ctx.scheduler.runningCount,
        queued_requests: ctx.scheduler.queuedCount,
        generated_tokens: ctx.scheduler.generatedTokens,
        model_forward_ms: ctx.scheduler.modelMillis,
        grammar_cache: ctx.grammars.stats(),
        uptime_seconds: (Date.now() - ctx.state.startedAt) / 1000,
      },
    ],
    version: COMPATIBLE_SGLANG_VERSION,
    logitkit_version: '0.1.0',
  };
}

function sendNativeError(reply: FastifyReply, error: unknown): FastifyReply {
  const { status, message } = describeError(error);
  if (status === 400) return reply.code(400).send(nativeErrorBody(message));
  return sendFlatError(reply, error);
}

/** The HTTP error a final abort maps to (§3.4, §3.8), or null for a normal finish or a client abort. */
function abortError(update: GenerationUpdate): HttpError | null {
  const reason = update.finishReason;
  if (reason?.type !== 'abort' || reason.status_code === null) return null;
  return new HttpError(reason.status_code, reason.message, reason.err_type ?? String(reason.status_code));
}

async function generate(
  ctx: ServerContext,
  body: unknown,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  const dict = validateGenerateBody(body);
  const stream = dict.stream === true;
  let prepared: PreparedItem[];
  let returnText = false;
  let isBatch = false;
  try {
    const normalized = normalizeGenerate(dict);
    if (normalized.modelSideFields.length > 0)
      throw modelSideError(ctx, normalized.modelSideFields.join(', '));
    returnText = normalized.returnTextInLogprobs;
    isBatch = normalized.isBatch;
    // One params resolution per distinct dict keeps n samples consistent.
    prepared = normalized.items.map((item, i) => ctx.service.prepare(item, i % normalized.n));
    ensureCapacity(ctx, prepared.length);
  } catch (error) {
    if (!stream || describeError(error).status !== 400) return sendNativeError(reply, error);
    // SGLang raises validation errors inside the stream generator: HTTP 200, one error event, [DONE].
    const events = new EventStream(reply);
    events.send({ error: { message: describeError(error).message } });
    events.done();
    return undefined;
  }

  if (stream) {
    const events = new EventStream(reply);
    await Promise.all(
      prepared.map((item, index) =>
        ctx.service.run(
          item,
          (update) => {
            const out = ctx.service.nativeOutput(update, item, returnText);
            events.send(isBatch ? { ...out, index } : out);
          },
          events.abort.signal,
        ),
      ),
    );
    events.done();
    return undefined;
  }

  const signal = disconnectSignal(reply);
  const updates = await Promise.all(prepared.map((item) => ctx.service.run(item, undefined, signal)));
  for (const update of updates) {
    const error = abortError(update);
    if (error) return sendNativeError(reply, error);
  }
  const outputs = updates.map((update, i) => ctx.service.nativeOutput(update, prepared[i]!, returnText));
  return reply.send(isBatch ? outputs : outputs[0]);
}

function tokenizeBody(ctx: ServerContext, body: { [key: string]: Json }): Record<string, unknown> {
  const { prompt, messages } = body;
  const addSpecial = body.add_special_tokens !== false;
  if ((prompt === undefined) === (messages === undefined)) {
    throw new BadRequestError("Exactly one of 'prompt' or 'messages' must be provided.");
  }
  const encode = (text: string) =>
    addSpecial ? encodePrompt(ctx.tokenizer, text) : ctx.tokenizer.encode(text);
  const maxModelLen = ctx.options.contextLength;
  if (messages !== undefined) {
    if (!Array.isArray(messages) || messages.length === 0)
      throw new BadRequestError('Messages cannot be empty.');
    const text = renderChat(ctx.tokenizer, chatMessages(messages), { addGenerationPrompt: true });
    const tokens = ctx.tokenizer.encode(text);
    return { tokens, count: tokens.length, max_model_len: maxModelLen };
  }
  if (typeof prompt === 'string') {
    const tokens = encode(prompt);
    return { tokens, count: tokens.length, max_model_len: maxModelLen };
  }
  if (Array.isArray(prompt) && prompt.every((p) => typeof p === 'string')) {
    const tokens = (prompt as string[]).map(encode);
    return { tokens, count: tokens.map((t) => t.length), max_model_len: maxModelLen };
  }
  throw new BadRequestError("Invalid input: 'prompt' must be a string or a list of strings.");
}

/** Validates OpenAI-style messages into template input. */
export function chatMessages(messages: Json[]): ChatMessage[] {
  return messages.map((m, i) => {
    if (typeof m !== 'object' || m === null || Array.isArray(m) || typeof m.role !== 'string') {
      throw new BadRequestError(`messages[${i}] must be an object with a string 'role'.`);
    }
    return { ...m, role: m.role, content: messageText(m.content, `messages[${i}]`) } as ChatMessage;
  });
}

function detokenizeBody(ctx: ServerContext, body: { [key: string]: Json }): Record<string, unknown> {
  const { tokens } = body;
  const skip = body.skip_special_tokens !== false;
  const valid = (ids: Json) =>
    Array.isArray(ids) &&
    ids.every(
      (id) => Number.isInteger(id) && (id as number) >= 0 && (id as number) < ctx.tokenizer.vocabSize,
    );
  if (!Array.isArray(tokens))
    throw new BadRequestError("Invalid input: 'tokens' must be a list of integers.");
  if (tokens.length === 0) return { text: '' };
  if (Array.isArray(tokens[0])) {
    if (!tokens.every(valid))
      throw new BadRequestError("Invalid input: 'tokens' must be a list of integers.");
    return { text: (tokens as number[][]).map((ids) => decodeTokens(ctx.tokenizer, ids, skip)) };
  }
  if (!valid(tokens)) throw new BadRequestError("Invalid input: 'tokens' must be a list of integers.");
  return { text: decodeTokens(ctx.tokenizer, tokens as number[], skip) };
}

function scoreBody(ctx: ServerContext, body: { [key: string]: Json }): Record<string, unknown> {
  const { query, items, label_token_ids: labels } = body;
  const applySoftmax = body.apply_softmax === true;
  const itemFirst = body.item_first === true;
  if (!Array.isArray(labels) || labels.length === 0 || !labels.every((id) => Number.isInteger(id))) {
    throw new BadRequestError('label_token_ids must be a non-empty list of token ids.');
  }
  const labelIds = labels as number[];
  for (const id of labelIds) {
    if (id < 0 || id >= ctx.tokenizer.vocabSize) {
      throw new BadRequestError(
        `label_token_ids contains ${id}, outside [0, ${ctx.tokenizer.vocabSize - 1}].`,
      );
    }
  }
  if (items === undefined || items === null) throw new BadRequestError('items is required.');
  const itemList: Json[] = typeof items === 'string' ? [items] : Array.isArray(items) ? items : [];
  if (itemList.length === 0) throw new BadRequestError('items must be a string or a non-empty list.');
  const textMode = itemList.every((x) => typeof x === 'string');
  const idMode = itemList.every((x) => Array.isArray(x) && x.every((id) => Number.isInteger(id)));
  if (!textMode && !idMode) throw new BadRequestError('items must be strings or lists of token ids.');
  if (textMode && query !== undefined && query !== null && typeof query !== 'string') {
    throw new BadRequestError('query must be a string when items are strings.');
  }
  if (
    idMode &&
    query !== undefined &&
    query !== null &&
    !(Array.isArray(query) && query.every(Number.isInteger))
  ) {
    throw new BadRequestError('query must be a list of token ids when items are token ids.');
  }
  let promptTokens = 0;
  const scores = itemList.map((item) => {
    let ids: number[];
    if (textMode) {
      const q = (query as string | undefined) ?? '';
      ids = encodePrompt(ctx.tokenizer, itemFirst ? `${item}${q}` : `${q}${item}`);
    } else {
      const q = (query as number[] | undefined) ?? [];
      ids = itemFirst ? [...(item as number[]), ...q] : [...q, ...(item as number[])];
      if (ids.some((id) => id < 0 || id >= ctx.tokenizer.vocabSize)) {
        throw new BadRequestError(`Token ids must be in [0, ${ctx.tokenizer.vocabSize - 1}].`);
      }
    }
    if (ids.length === 0) throw new BadRequestError('The scored sequence is empty.');
    if (ids.length >= ctx.options.contextLength) {
      throw new BadRequestError(
        `The input (${ids.length} tokens) is longer than the model's context length (${ctx.options.contextLength} tokens).`,
      );
    }
    promptTokens += ids.length;
    const logprobs = ctx.scheduler.nextTokenLogprobs(ids);
    const values = labelIds.map((id) => logprobs[id]!);
    if (!applySoftmax) return values.map(Math.exp);
    const max = Math.max(...values);
    if (max === -Infinity) return values.map(() => 1 / values.length);
    const exps = values.map((v) => Math.exp(v - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    return exps.map((e) => e / sum);
  });
  return {
    scores,
    model: typeof body.model === 'string' ? body.model : (ctx.options.servedModelName ?? ctx.model.name),
    usage: { prompt_tokens: promptTokens, completion_tokens: 0, total_tokens: promptTokens },
    object: 'scoring',
  };
}

function objectBody(body: unknown): { [key: string]: Json } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'The request body must be a JSON object.', 'Bad Request');
  }
  return body as { [key: string]: Json };
}

/** Registers the native routes of the embedded server. */
export function registerNativeRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/generate', (request, reply) => generate(ctx, request.body, reply));

  app.get('/health', (_request, reply) => {
    if (!ctx.state.ready || ctx.state.shuttingDown) return reply.code(503).send();
    return reply.code(200).send();
  });

  app.get('/health_generate', async (_request, reply) => {
    if (!ctx.state.ready || ctx.state.shuttingDown) return reply.code(503).send();
    const prepared = ctx.service.prepare(
      {
        text: undefined,
        inputIds: [0],
        samplingParams: { max_new_tokens: 1, temperature: 0 },
        rid: `HEALTH_CHECK_${Date.now()}`,
        returnLogprob: false,
        logprobStartLen: -1,
        topLogprobsNum: 0,
        tokenIdsLogprob: null,
        customLogitProcessor: null,
      },
      0,
    );
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), ctx.options.healthCheckTimeout * 1000);
    try {
      const update = await ctx.service.run(prepared, undefined, timeout.signal);
      return reply.code(update.finishReason?.type === 'abort' ? 503 : 200).send();
    } catch {
      return reply.code(503).send();
    } finally {
      clearTimeout(timer);
    }
  });

  for (const path of ['/model_info', '/get_model_info']) app.get(path, () => modelInfo(ctx));
  for (const path of ['/server_info', '/get_server_info']) app.get(path, () => serverInfo(ctx));

  const flush = (_request: unknown, reply: FastifyReply) => {
    const busy = ctx.scheduler.runningCount + ctx.scheduler.queuedCount > 0;
    if (!busy) ctx.grammars.flush();
    return reply
      .code(busy ? 400 : 200)
      .type('text/plain; charset=utf-8')
      .send(
        'Cache flushed.\nPlease check backend logs for more details. (When there are running or waiting requests, the operation will not be performed.)\n',
      );
  };
  app.get('/flush_cache', flush);
  app.post('/flush_cache', flush);

  const flat =
    (fn: (body: { [key: string]: Json }) => Record<string, unknown>) =>
    async (request: { body: unknown }, reply: FastifyReply) => {
      try {
        return reply.send(fn(objectBody(request.body)));
      } catch (error) {
        return sendFlatError(reply, error);
      }
    };
  for (const path of ['/tokenize', '/v1/tokenize'])
    app.post(
      path,
      flat((b) => tokenizeBody(ctx, b)),
    );
  for (const path of ['/detokenize', '/v1/detokenize'])
    app.post(
      path,
      flat((b) => detokenizeBody(ctx, b)),
    );
  app.post(
    '/v1/score',
    flat((b) => scoreBody(ctx, b)),
  );

  const unsupported: [string, string][] = [
    ['/encode', 'Embedding (/encode)'],
    ['/v1/embeddings', 'Embeddings (/v1/embeddings)'],
    ['/v1/rerank', 'Reranking (/v1/rerank)'],
    ['/classify', 'Classification (/classify)'],
  ];
  for (const [path, feature] of unsupported) {
    app.post(path, (_request, reply) => sendFlatError(reply, modelSideError(ctx, feature)));
  }
}
