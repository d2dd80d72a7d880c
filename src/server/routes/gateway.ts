/**
 * Gateway mode (`--upstream URL`): /generate, /v1/completions and /v1/chat/completions are validated locally
 * (request shape, sampling params, grammar compiled with logitkit through the compile cache, so a bad schema fails
 * fast with a precise message) and then forwarded unchanged; responses and streams are relayed chunk by chunk.
 * Every other route is proxied as is. An unreachable upstream is a 503, any other upstream failure a 502.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseJsonKeepingFloats } from '../../sampling/index.js';
import { type ServerContext, sendFlatError } from '../context.js';
import { describeError, HttpError, nativeErrorBody } from '../errors.js';
import { normalizeGenerate, validateGenerateBody } from '../normalize.js';
import type { Json } from '../sampling-params.js';
import { validateOpenAIRequest } from './openai.js';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

function forwardHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(key)) continue;
    out[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function parseJson(body: unknown): unknown {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : '';
  if (text.trim().length === 0)
    throw new HttpError(400, 'The request body is empty; expected a JSON object.', 'Bad Request');
  try {
    return parseJsonKeepingFloats(text);
  } catch (error) {
    throw new HttpError(400, `JSON decode error: ${(error as Error).message}`, 'Bad Request');
  }
}

/** Maps a fetch failure to the gateway's error. */
function upstreamError(upstream: string, error: unknown): HttpError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as { name?: string }).name ?? '';
  const detail = cause?.message ?? (error as Error).message;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new HttpError(503, `The upstream SGLang server ${upstream} is unavailable: ${detail}`);
  }
  if (code === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new HttpError(502, `The upstream SGLang server ${upstream} timed out: ${detail}`);
  }
  return new HttpError(502, `The upstream SGLang server ${upstream} failed: ${detail}`);
}

/**
 * Admission control for forwarded generation requests: `maxRunning` are in flight at once, up to `maxQueued` wait
 * for a slot, beyond that the request gets a 503 (the same limits as the embedded server).
 */
export class ConcurrencyLimiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly maxRunning: number,
    private readonly maxQueued: number,
  ) {}

  /** Resolves with a release function once a slot is free; throws a 503 when the queue is full. */
  async acquire(): Promise<() => void> {
    if (this.running >= this.maxRunning) {
      if (this.waiting.length >= this.maxQueued) throw new HttpError(503, 'The request queue is full.');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    };
  }
}

/** Forwards a request and relays the response, streaming bodies chunk by chunk. */
async function forward(
  ctx: ServerContext,
  upstream: string,
  request: FastifyRequest,
  reply: FastifyReply,
  body: Buffer | undefined,
): Promise<FastifyReply | undefined> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('upstream timeout', 'TimeoutError')),
    ctx.options.upstreamTimeout,
  );
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  let response: Response;
  try {
    response = await fetch(`${upstream}${request.url}`, {
      method: request.method,
      headers: forwardHeaders(request.headers),
      body: body && request.method !== 'GET' && request.method !== 'HEAD' ? body : undefined,
      signal: controller.signal,
    });
  } catch (error) {
    clearTimeout(timer);
    const mapped = upstreamError(upstream, controller.signal.reason ?? error);
    request.log.warn({ err: mapped.message }, 'upstream request failed');
    return sendFlatError(reply, mapped);
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    if (!HOP_BY_HOP.has(key) && key !== 'content-encoding') headers[key] = value;
  });
  reply.hijack();
  reply.raw.writeHead(response.status, headers);
  try {
    if (response.body) {
      for await (const chunk of response.body) {
        if (reply.raw.destroyed) break;
        reply.raw.write(chunk);
      }
    }
  } catch (error) {
    request.log.warn({ err: (error as Error).message }, 'upstream stream broke');
  } finally {
    clearTimeout(timer);
    reply.raw.end();
  }
  return undefined;
}

/** Local validation of a native /generate body (throws what the embedded server would answer). */
function validateGenerate(ctx: ServerContext, body: unknown): void {
  const dict = validateGenerateBody(body);
  const normalized = normalizeGenerate(dict);
  const seen = new Set<string>();
  for (const item of normalized.items) {
    const key = JSON.stringify(item.samplingParams ?? null);
    if (seen.has(key)) continue;
    seen.add(key);
    const params = ctx.service.resolveParams(item.samplingParams);
    ctx.grammars.resolve(params);
  }
}

/** Registers gateway routes: validated forwarding for generation, plain proxying for the rest. */
export function registerGatewayRoutes(app: FastifyInstance, ctx: ServerContext, upstream: string): void {
  const limiter = new ConcurrencyLimiter(ctx.options.maxRunningRequests, ctx.options.maxQueuedRequests);
  const forwardLimited = async (request: FastifyRequest, reply: FastifyReply, body: Buffer | undefined) => {
    let release: () => void;
    try {
      release = await limiter.acquire();
    } catch (error) {
      return sendFlatError(reply, error);
    }
    try {
      // The client may have left while it waited for a slot.
      if (request.raw.socket.destroyed) return undefined;
      return await forward(ctx, upstream, request, reply, body);
    } finally {
      release();
    }
  };
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post('/generate', async (request, reply) => {
    const raw = request.body as Buffer | undefined;
    try {
      validateGenerate(ctx, parseJson(raw));
    } catch (error) {
      const { status, message } = describeError(error);
      if (error instanceof HttpError && error.type !== 'Bad Request' && status === 400) {
        return reply.code(400).send(nativeErrorBody(message));
      }
      return sendFlatError(reply, error);
    }
    return forwardLimited(request, reply, raw);
  });

  for (const [path, kind] of [
    ['/v1/completions', 'completion'],
    ['/v1/chat/completions', 'chat'],
  ] as const) {
    app.post(path, async (request, reply) => {
      const raw = request.body as Buffer | undefined;
      try {
        validateOpenAIRequest(ctx, kind, parseJson(raw) as { [key: string]: Json });
      } catch (error) {
        return sendFlatError(reply, error);
      }
      return forwardLimited(request, reply, raw);
    });
  }

  const flush = async (request: FastifyRequest, reply: FastifyReply) => {
    ctx.grammars.flush();
    return forward(ctx, upstream, request, reply, request.body as Buffer | undefined);
  };
  app.get('/flush_cache', flush);
  app.post('/flush_cache', flush);

  app.all('*', (request, reply) =>
    forward(ctx, upstream, request, reply, request.body as Buffer | undefined),
  );
}
