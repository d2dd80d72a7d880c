/** Server options (the `logitkit serve` flags) and their defaults. */

import type { LogitProcessorFn } from '../sampling/index.js';
import type { TokenizerInfo } from '../vocabulary/index.js';
import type { GrammarBackend } from './grammar.js';
import type { LanguageModel } from './model/types.js';
import type { Json } from './sampling-params.js';

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Port (default 30000; 0 picks a free port). */
  port?: number;
  /** A loaded tokenizer; otherwise `tokenizerPath` or `preset` is loaded. */
  tokenizer?: TokenizerInfo;
  /** Path of a tokenizer.json file or a model directory. */
  tokenizerPath?: string;
  /** Tokenizer preset name (default `llama-3.1`). */
  preset?: string;
  /** `ngram` (default), `uniform`, `replay:FILE`, or a model object. */
  model?: string | LanguageModel;
  /** Gateway mode: validate locally, forward to this SGLang server. */
  upstream?: string;
  /** Require `Authorization: Bearer <key>` on every route but /health. */
  apiKey?: string;
  /** Requests generating at once (default 32). */
  maxRunningRequests?: number;
  /** Requests waiting for a slot before 503 (default 256). */
  maxQueuedRequests?: number;
  /** Allow `custom_logit_processor` (registered names only). */
  enableCustomLogitProcessor?: boolean;
  /** Extra processors by name, registered with src/sampling's registry (next to the built-ins). */
  customLogitProcessors?: Record<string, LogitProcessorFn>;
  /** Defaults merged under every request's sampling_params. */
  preferredSamplingParams?: { [key: string]: Json };
  /** Context length in tokens (default 8192). */
  contextLength?: number;
  /** Compiled grammars kept in the LRU cache (default 256). */
  grammarCacheSize?: number;
  /** Grammar compiler; default: logitkit's engine. `null` disables constrained decoding. */
  grammarBackend?: GrammarBackend | null;
  /** Maximum request body in bytes (default 32 MiB). */
  bodyLimit?: number;
  /** Structured (pino) logs; default false for the library, true for the CLI. */
  logger?: boolean;
  /** Name reported by /v1/models and as `model` (default: the model's name). */
  servedModelName?: string;
  /** n-gram cache directory, or false to disable it. */
  modelCacheDir?: string | false;
  /** Seconds /health_generate waits (default 20). */
  healthCheckTimeout?: number;
  /** Seconds a graceful shutdown waits for running requests before aborting them (default 10). */
  shutdownTimeout?: number;
  /** Gateway: milliseconds before an upstream request times out (default 600000). */
  upstreamTimeout?: number;
}

/** Options with defaults applied. */
export interface ResolvedServerOptions {
  host: string;
  port: number;
  preset: string;
  tokenizerPath: string | undefined;
  modelSpec: string;
  upstream: string | undefined;
  apiKey: string | undefined;
  maxRunningRequests: number;
  maxQueuedRequests: number;
  enableCustomLogitProcessor: boolean;
  preferredSamplingParams: { [key: string]: Json } | undefined;
  contextLength: number;
  grammarCacheSize: number;
  bodyLimit: number;
  logger: boolean;
  servedModelName: string | undefined;
  healthCheckTimeout: number;
  shutdownTimeout: number;
  upstreamTimeout: number;
}

function positiveInt(value: number | undefined, fallback: number, name: string, allowZero = false): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < (allowZero ? 0 : 1)) {
    throw new Error(`${name} must be ${allowZero ? 'a non-negative' : 'a positive'} integer, got ${value}`);
  }
  return v;
}

/** Applies defaults and checks ranges; throws an Error naming the bad option. */
export function resolveOptions(options: ServerOptions): ResolvedServerOptions {
  const modelSpec = typeof options.model === 'object' ? options.model.name : (options.model ?? 'ngram');
  if (
    !['ngram', 'uniform'].includes(modelSpec) &&
    !modelSpec.startsWith('replay:') &&
    typeof options.model !== 'object'
  ) {
    throw new Error(`--model must be ngram, uniform or replay:FILE, got ${JSON.stringify(modelSpec)}`);
  }
  if (options.upstream !== undefined) {
    let url: URL;
    try {
      url = new URL(options.upstream);
    } catch {
      throw new Error(`--upstream must be an http(s) URL, got ${JSON.stringify(options.upstream)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`--upstream must be an http(s) URL, got ${JSON.stringify(options.upstream)}`);
    }
  }
  return {
    host: options.host ?? '127.0.0.1',
    port: positiveInt(options.port, 30000, 'port', true),
    preset: options.preset ?? 'llama-3.1',
    tokenizerPath: options.tokenizerPath,
    modelSpec,
    upstream: options.upstream?.replace(/\/+$/, ''),
    apiKey: options.apiKey,
    maxRunningRequests: positiveInt(options.maxRunningRequests, 32, 'max-running-requests'),
    maxQueuedRequests: positiveInt(options.maxQueuedRequests, 256, 'max-queued-requests', true),
    enableCustomLogitProcessor: options.enableCustomLogitProcessor ?? false,
    preferredSamplingParams: options.preferredSamplingParams,
    contextLength: positiveInt(options.contextLength, 8192, 'context-length'),
    grammarCacheSize: positiveInt(options.grammarCacheSize, 256, 'grammar-cache-size', true),
    bodyLimit: positiveInt(options.bodyLimit, 32 * 1024 * 1024, 'body limit'),
    logger: options.logger ?? false,
    servedModelName: options.servedModelName,
    healthCheckTimeout: options.healthCheckTimeout ?? 20,
    shutdownTimeout: options.shutdownTimeout ?? 10,
    upstreamTimeout: options.upstreamTimeout ?? 600_000,
  };
}
