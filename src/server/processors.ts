/**
 * Custom logit processors by registered name. SGLang ships dill-pickled Python classes in
 * `custom_logit_processor`; a TypeScript server cannot run those, so requests name a registered processor instead:
 * the plain name (`"DisallowedTokensLogitsProcessor"`) or SGLang's JSON wrapper with a name
 * (`{"callable": "DisallowedTokensLogitsProcessor"}`). Processors run after penalties, mask and logit_bias and
 * before temperature (§4.8) and receive the request's `custom_params`.
 */
import { BadRequestError } from './errors.js';
import type { LogitProcessor } from './generation/sequence.js';

/** A processor implementation: edits one row of logits in place. */
export type LogitProcessorFn = (
  logits: Float32Array,
  customParams: unknown,
  outputIds: readonly number[],
) => void;

/** SGLang's built-in `DisallowedTokensLogitsProcessor`: `custom_params.token_ids` get -inf. */
const disallowedTokens: LogitProcessorFn = (logits, customParams) => {
  const ids = (customParams as { token_ids?: unknown } | null)?.token_ids;
  if (!Array.isArray(ids)) return;
  for (const id of ids) if (Number.isInteger(id) && id >= 0 && id < logits.length) logits[id] = -Infinity;
};

/** Built-in processors available to every server. */
export const BUILTIN_LOGIT_PROCESSORS: Readonly<Record<string, LogitProcessorFn>> = {
  DisallowedTokensLogitsProcessor: disallowedTokens,
};

/** Resolves the request's `custom_logit_processor` string to a registered processor. */
export function resolveLogitProcessor(
  spec: string,
  registry: Readonly<Record<string, LogitProcessorFn>>,
): LogitProcessor {
  let name = spec.trim();
  if (name.startsWith('{')) {
    try {
      const parsed = JSON.parse(name) as { callable?: unknown; name?: unknown };
      name = String(parsed.name ?? parsed.callable ?? '');
    } catch {
      throw new BadRequestError(`custom_logit_processor is not valid JSON: ${spec.slice(0, 80)}`);
    }
  }
  const fn = Object.hasOwn(registry, name) ? registry[name] : undefined;
  if (!fn) {
    throw new BadRequestError(
      `Unknown custom_logit_processor '${name.slice(0, 80)}'. logitkit cannot run pickled Python processors; ` +
        `registered processors: ${Object.keys(registry).join(', ')}.`,
    );
  }
  return { apply: fn };
}
