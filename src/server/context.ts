/** What every route handler shares. */
import type { FastifyReply } from 'fastify';
import { describeError, flatErrorBody, HttpError } from './errors.js';
import type { Scheduler } from './generation/scheduler.js';
import type { GrammarService } from './grammar.js';
import type { LanguageModel } from './model/types.js';
import type { ResolvedServerOptions } from './options.js';
import type { GenerationService } from './service.js';
import type { ServerTokenizer } from './tokenizer.js';

/** Shared state of a running server. */
export interface ServerContext {
  options: ResolvedServerOptions;
  tokenizer: ServerTokenizer;
  model: LanguageModel;
  scheduler: Scheduler;
  grammars: GrammarService;
  service: GenerationService;
  state: { ready: boolean; shuttingDown: boolean; startedAt: number };
}

/** Sends the flat error body for any thrown value. */
export function sendFlatError(reply: FastifyReply, error: unknown): FastifyReply {
  const { status, type, message } = describeError(error);
  return reply.code(status).send(flatErrorBody(message, type, status));
}

/** Throws a 503 unless the scheduler can take `count` more requests (checked before a stream starts). */
export function ensureCapacity(ctx: ServerContext, count: number): void {
  const { maxRunningRequests, maxQueuedRequests } = ctx.options;
  if (
    ctx.scheduler.runningCount + ctx.scheduler.queuedCount + count >
    maxRunningRequests + maxQueuedRequests
  ) {
    throw new HttpError(503, 'The request queue is full.');
  }
}
