/**
 * Custom logit processors (SGLang §4.8). A processor is a JS function registered by name; it receives
 * the logits rows of the requests that use it (in batch order, after penalties, grammar mask and
 * logit_bias, before temperature) and each request's `custom_params` (with an injected `__req__`
 * describing the request), and edits the rows in place or returns replacement rows.
 *
 * Wire format: SGLang's `CustomLogitProcessor.to_str()` is `{"callable": "<hex of a dill pickle>"}`.
 * Pickles cannot be loaded in JS, so here the `callable` is the registered name:
 * {@link serializeLogitProcessor} gives `{"callable":"DisallowedTokensLogitsProcessor"}` and
 * {@link resolveLogitProcessor} accepts that JSON or the bare name. A server must only use processors
 * when it was started with custom logit processors enabled (SGLang's
 * `--enable-custom-logit-processor`), see {@link CUSTOM_LOGIT_PROCESSOR_DISABLED_MESSAGE}.
 */
import { SamplingParamsError } from './errors.js';
import type { CustomParamValue } from './params.js';

/** What a processor sees of the request a row belongs to (SGLang injects its `Req` object). */
export interface LogitProcessorRequestInfo {
  rid?: string;
  outputIds: readonly number[];
  originInputIds: readonly number[];
}

/** `custom_params` of one request plus the injected `__req__`. */
export type CustomParams = Record<string, CustomParamValue | LogitProcessorRequestInfo | undefined> & {
  __req__?: LogitProcessorRequestInfo;
};

/**
 * A custom logit processor: edits `rows` in place (or returns new rows of the same length).
 * `params[i]` belongs to `rows[i]` (null when the request sent no custom_params).
 */
export type LogitProcessorFn = (
  rows: Float32Array[],
  params: Array<CustomParams | null>,
) => Float32Array[] | undefined;

const registry = new Map<string, LogitProcessorFn>();

/** SGLang's 400 message when a request uses a processor and the server did not enable them. */
export const CUSTOM_LOGIT_PROCESSOR_DISABLED_MESSAGE =
  'The server is not configured to enable custom logit processor. Please set `--enable-custom-logit-processor` to enable this feature.';

/** Registers (or replaces) a processor under `name`. */
export function registerLogitProcessor(name: string, fn: LogitProcessorFn): void {
  if (name.length === 0) throw new Error('Logit processor name must not be empty');
  registry.set(name, fn);
}

/** Removes a registered processor; returns whether it existed. */
export function unregisterLogitProcessor(name: string): boolean {
  return registry.delete(name);
}

/** SGLang's `to_str()` shape with the processor name as the callable. */
export function serializeLogitProcessor(name: string): string {
  return JSON.stringify({ callable: name });
}

/**
 * Finds the processor a request's `custom_logit_processor` string names: either the bare registered
 * name or `{"callable": name}`. Throws {@link SamplingParamsError} (400) for unknown names.
 */
export function resolveLogitProcessor(spec: string): { name: string; fn: LogitProcessorFn } {
  let name = spec;
  const trimmed = spec.trim();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new SamplingParamsError(`custom_logit_processor is not valid JSON: ${spec.slice(0, 80)}`);
    }
    const callable = (parsed as { callable?: unknown }).callable;
    if (typeof callable !== 'string') {
      throw new SamplingParamsError('custom_logit_processor must be {"callable": "<registered name>"}');
    }
    name = callable;
  }
  const fn = registry.get(name);
  if (!fn) {
    const hint = /^[0-9a-f]{64,}$/iu.test(name)
      ? ' (a pickled Python class cannot be loaded; register a JS processor)'
      : '';
    throw new SamplingParamsError(
      `Unknown custom logit processor '${name.slice(0, 80)}'${hint}. Registered: ${[...registry.keys()].join(', ')}.`,
    );
  }
  return { name, fn };
}

/** SGLang's built-in `DisallowedTokensLogitsProcessor`: sets `custom_params.token_ids` to -inf. */
export const disallowedTokensLogitsProcessor: LogitProcessorFn = (rows, params) => {
  rows.forEach((row, i) => {
    const ids = params[i]?.token_ids;
    if (!Array.isArray(ids)) return;
    for (const id of ids) {
      if (typeof id === 'number' && id >= 0 && id < row.length) row[id] = Number.NEGATIVE_INFINITY;
    }
  });
  return undefined;
};

registerLogitProcessor('DisallowedTokensLogitsProcessor', disallowedTokensLogitsProcessor);
