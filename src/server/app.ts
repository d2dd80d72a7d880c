/**
 * `createServer`: builds the Fastify app (JSON parsing for every content type, body limit, API key, error
 * bodies), loads tokenizer and model, and registers either the embedded routes or the gateway.
 */
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { parseJsonKeepingFloats, registerLogitProcessor } from '../sampling/index.js';
import type { ServerContext } from './context.js';
import { describeError, flatErrorBody, HttpError } from './errors.js';
import { Scheduler } from './generation/scheduler.js';
import { GrammarService } from './grammar.js';
import { engineGrammarBackend, loadModel, loadTokenizerInfo } from './loaders.js';
import { type ResolvedServerOptions, resolveOptions, type ServerOptions } from './options.js';
import { registerGatewayRoutes } from './routes/gateway.js';
import { registerNativeRoutes } from './routes/native.js';
import { registerOpenAIRoutes } from './routes/openai.js';
import { GenerationService } from './service.js';
import { fromTokenizerInfo } from './tokenizer.js';

/** A created server: the Fastify app plus lifecycle helpers. */
export interface LogitkitServer {
  app: FastifyInstance;
  /** The resolved options. */
  options: ResolvedServerOptions;
  /** Shared state (tokenizer, model, scheduler); undefined parts are not used in gateway mode. */
  context: ServerContext;
  /** Starts listening; resolves with the base URL (e.g. `http://127.0.0.1:30000`). */
  listen(): Promise<string>;
  /** Graceful shutdown: /health turns 503, running requests get `shutdownTimeout` seconds, then are aborted. */
  close(): Promise<void>;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Creates (but does not start) a logitkit server. */
export async function createServer(options: ServerOptions = {}): Promise<LogitkitServer> {
  const resolved = resolveOptions(options);
  const startedAt = Date.now();
  const info = options.tokenizer ?? (await loadTokenizerInfo(resolved));
  const tokenizer = fromTokenizerInfo(info);
  const model = loadModel(options.model, resolved, tokenizer, options.modelCacheDir);
  const backend =
    options.grammarBackend === undefined ? engineGrammarBackend(info) : (options.grammarBackend ?? undefined);
  const grammars = new GrammarService(backend, resolved.grammarCacheSize);
  for (const [name, fn] of Object.entries(options.customLogitProcessors ?? {}))
    registerLogitProcessor(name, fn);
  const scheduler = new Scheduler(model, info, {
    maxRunningRequests: resolved.maxRunningRequests,
    maxQueuedRequests: resolved.maxQueuedRequests,
    contextLength: resolved.contextLength,
    enableCustomLogitProcessor: resolved.enableCustomLogitProcessor,
    eosTokenIds: tokenizer.eosTokenIds,
  });
  const service = new GenerationService(tokenizer, scheduler, grammars, {
    contextLength: resolved.contextLength,
    enableCustomLogitProcessor: resolved.enableCustomLogitProcessor,
    preferredSamplingParams: resolved.preferredSamplingParams,
  });
  const ctx: ServerContext = {
    options: resolved,
    tokenizer,
    model,
    scheduler,
    grammars,
    service,
    state: { ready: false, shuttingDown: false, startedAt },
  };

  const app = Fastify({
    logger: resolved.logger ? { level: process.env.LOG_LEVEL ?? 'info' } : false,
    bodyLimit: resolved.bodyLimit,
    forceCloseConnections: 'idle',
    return503OnClosing: false,
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim().length === 0) {
      done(
        new HttpError(400, 'The request body is empty; expected a JSON object.', 'Bad Request'),
        undefined,
      );
      return;
    }
    try {
      done(null, parseJsonKeepingFloats(text));
    } catch (error) {
      done(new HttpError(400, `JSON decode error: ${(error as Error).message}`, 'Bad Request'), undefined);
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    if (ctx.state.shuttingDown) reply.header('connection', 'close');
    const path = request.url.split('?')[0]!;
    if (resolved.apiKey !== undefined && path !== '/health') {
      const header = request.headers.authorization ?? '';
      if (!safeEqual(header, `Bearer ${resolved.apiKey}`)) {
        return reply.code(401).send({ error: 'Unauthorized' });
      }
    }
    if (path.startsWith('/v1/') && request.method === 'POST') {
      const type = request.headers['content-type'] ?? '';
      if (!type.toLowerCase().startsWith('application/json')) {
        return reply
          .code(400)
          .send(
            flatErrorBody("Unsupported Media Type: Only 'application/json' is allowed", 'Bad Request', 400),
          );
      }
    }
    return undefined;
  });

  app.addHook('onSend', async (_request, reply) => {
    if (ctx.state.shuttingDown) reply.header('connection', 'close');
  });

  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError)
      return reply.code(error.status).send(flatErrorBody(error.message, error.type, error.status));
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      const { message } = describeError(error);
      return reply.code(500).send(flatErrorBody(message, 'InternalServerError', 500));
    }
    const type =
      status === 413 ? 'Payload Too Large' : status === 415 ? 'Unsupported Media Type' : 'Bad Request';
    return reply.code(status).send(flatErrorBody(error.message, type, status));
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(flatErrorBody(`Not Found: ${request.method} ${request.url.split('?')[0]}`, '404', 404)),
  );

  if (resolved.upstream) {
    registerGatewayRoutes(app, ctx, resolved.upstream);
  } else {
    registerNativeRoutes(app, ctx);
    registerOpenAIRoutes(app, ctx);
  }
  // The text tokenizer initialises on first use (about a second for a 128k vocabulary): do it before listening
  // so that the first request does not stall the event loop.
  void tokenizer.addsBosToken;
  await app.ready();
  ctx.state.ready = true;

  let closing: Promise<void> | undefined;
  return {
    app,
    options: resolved,
    context: ctx,
    async listen() {
      const address = await app.listen({ host: resolved.host, port: resolved.port });
      app.log.info(
        { model: model.description, tokenizer: tokenizer.source, upstream: resolved.upstream },
        'logitkit serve ready',
      );
      return address;
    },
    close() {
      closing ??= (async () => {
        ctx.state.shuttingDown = true;
        const timer = setTimeout(() => {
          scheduler.abortAll('Server is shutting down');
          app.server.closeAllConnections();
        }, resolved.shutdownTimeout * 1000);
        // Connections still answering a request become idle only afterwards: let them time out at once then.
        app.server.keepAliveTimeout = 1;
        try {
          await app.close();
        } finally {
          clearTimeout(timer);
        }
      })();
      return closing;
    },
  };
}
