/**
 * `GenerateReqInput` validation and `normalize_batch_and_arguments()` (§3.1, §3.2): batch detection, parallel
 * sampling expansion (prompt-major), rid and per-item argument broadcasting, with SGLang's exact messages.
 */
import { randomUUID } from 'node:crypto';
import { BadRequestError, HttpError } from './errors.js';
import type { Json } from './sampling-params.js';

/** Fields of GenerateReqInput that only a real model can serve (400 on the embedded model). */
export const MODEL_SIDE_FIELDS = [
  'input_embeds',
  'image_data',
  'video_data',
  'audio_data',
  'lora_path',
  'return_hidden_states',
] as const;

/** Accepted for compatibility; they do not change the embedded model's behaviour. */
const PASSIVE_FIELDS = ['session_params', 'priority', 'extra_key', 'cache_salt', 'log_metrics', 'modalities'];

type Check = (value: Json) => boolean;
const isInt = (v: Json) => typeof v === 'number' && Number.isInteger(v);
const isIntList = (v: Json) => Array.isArray(v) && v.every(isInt);
const isBool = (v: Json) => typeof v === 'boolean';
const isString = (v: Json) => typeof v === 'string';
const isDict = (v: Json) => typeof v === 'object' && v !== null && !Array.isArray(v);
const listOf = (check: Check) => (v: Json) => Array.isArray(v) && v.every(check);
const either =
  (...checks: Check[]) =>
  (v: Json) =>
    checks.some((c) => c(v));

const FIELD_TYPES: Record<string, [Check, string]> = {
  text: [either(isString, listOf(isString)), 'a string or a list of strings'],
  input_ids: [either(isIntList, listOf(isIntList)), 'a list of integers or a list of lists of integers'],
  sampling_params: [either(isDict, listOf(isDict)), 'an object or a list of objects'],
  rid: [either(isString, listOf(isString)), 'a string or a list of strings'],
  return_logprob: [either(isBool, listOf(isBool)), 'a boolean or a list of booleans'],
  logprob_start_len: [either(isInt, listOf(isInt)), 'an integer or a list of integers'],
  top_logprobs_num: [either(isInt, listOf(isInt)), 'an integer or a list of integers'],
  token_ids_logprob: [
    either(isIntList, listOf(isIntList)),
    'a list of integers or a list of lists of integers',
  ],
  return_text_in_logprobs: [isBool, 'a boolean'],
  stream: [isBool, 'a boolean'],
  custom_logit_processor: [
    either(isString, listOf(either(isString, (v) => v === null))),
    'a string or a list of strings',
  ],
};

/** One expanded item of a /generate request. */
export interface NormalizedItem {
  text: string | undefined;
  inputIds: number[] | undefined;
  samplingParams: Json | undefined;
  rid: string;
  returnLogprob: boolean;
  logprobStartLen: number;
  topLogprobsNum: number;
  tokenIdsLogprob: number[] | null;
  customLogitProcessor: string | null;
}

/** A normalised /generate request. */
export interface NormalizedGenerate {
  items: NormalizedItem[];
  /** True when the response is a JSON array (batch input or n > 1). */
  isBatch: boolean;
  stream: boolean;
  returnTextInLogprobs: boolean;
  /** Parallel sample count. */
  n: number;
  /** Model-side fields that were set (the embedded model rejects them, the gateway forwards them). */
  modelSideFields: string[];
}

/** A fresh SGLang rid: uuid4().hex. */
export function newRid(): string {
  return randomUUID().replaceAll('-', '');
}

/** Validates top-level field names and JSON types; failures are FastAPI-style 400s (flat body, "Bad Request"). */
export function validateGenerateBody(body: unknown): { [key: string]: Json } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'The request body must be a JSON object.', 'Bad Request');
  }
  const dict = body as { [key: string]: Json };
  for (const [key, value] of Object.entries(dict)) {
    if (value === null) continue;
    const type = FIELD_TYPES[key];
    if (type) {
      if (!type[0](value)) throw new HttpError(400, `Field '${key}' must be ${type[1]}.`, 'Bad Request');
    } else if (!(MODEL_SIDE_FIELDS as readonly string[]).includes(key) && !PASSIVE_FIELDS.includes(key)) {
      throw new HttpError(400, `Unknown field '${key}' in the request body.`, 'Bad Request');
    }
  }
  return dict;
}

function broadcast<T>(value: Json | undefined, name: string, num: number, n: number, fallback: T): T[] {
  if (value === undefined || value === null) return Array(num).fill(fallback);
  if (Array.isArray(value)) {
    if (n > 1) throw new BadRequestError(`Cannot use list ${name} with parallel_sample_num > 1`);
    if (value.length !== num) {
      throw new BadRequestError(
        `The length of ${name} (${value.length}) should be equal to the batch size (${num}).`,
      );
    }
    return value as T[];
  }
  return Array(num).fill(value as T);
}

/** `normalize_batch_and_arguments()` for a validated body. */
export function normalizeGenerate(body: { [key: string]: Json }): NormalizedGenerate {
  const { text, input_ids: inputIds } = body;
  const hasText = text !== undefined && text !== null;
  const hasIds = inputIds !== undefined && inputIds !== null;
  const hasEmbeds = body.input_embeds !== undefined && body.input_embeds !== null;
  if ((!hasText && !hasIds && !hasEmbeds) || (hasText && hasIds && hasEmbeds)) {
    throw new BadRequestError('Either text, input_ids or input_embeds should be provided.');
  }
  if (hasIds && !hasText && Array.isArray(inputIds) && inputIds.length === 0) {
    throw new BadRequestError('input_ids cannot be empty.');
  }
  const modelSideFields = (MODEL_SIDE_FIELDS as readonly string[]).filter(
    (f) => body[f] !== undefined && body[f] !== null && body[f] !== false,
  );

  let single: boolean;
  let prompts: { text?: string; ids?: number[] }[];
  if (hasText) {
    single = typeof text === 'string';
    prompts = single ? [{ text: text as string }] : (text as string[]).map((t) => ({ text: t }));
  } else if (hasIds) {
    const ids = inputIds as Json[];
    single = typeof ids[0] === 'number';
    prompts = single ? [{ ids: ids as number[] }] : (ids as number[][]).map((x) => ({ ids: x }));
    if (prompts.some((p) => p.ids!.length === 0)) throw new BadRequestError('input_ids cannot be empty.');
  } else {
    single = true;
    prompts = [{}];
  }
  if (!single && prompts.length === 0)
    throw new BadRequestError('Text should be a list for batch processing.');

  const sp = body.sampling_params;
  let n = 1;
  if (Array.isArray(sp)) {
    const counts = new Set(sp.map((d) => ((d as { n?: Json }).n ?? 1) as Json));
    if (counts.size > 1) {
      throw new BadRequestError(
        'The parallel_sample_num should be the same for all samples in sample params.',
      );
    }
    n = sp.length > 0 ? ((sp[0] as { n?: number }).n ?? 1) : 1;
  } else if (sp && typeof sp === 'object') {
    n = ((sp as { n?: Json }).n ?? 1) as number;
  }
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new BadRequestError(`sampling_params.n must be a positive integer, got ${JSON.stringify(n)}`);
  }
  const isBatch = !single || n > 1;
  const batchSize = prompts.length;
  const num = batchSize * n;

  if (!isBatch) {
    if (Array.isArray(sp)) throw new BadRequestError('sampling_params must be a dict for a single request.');
    const tokenIdsLogprob = (body.token_ids_logprob as number[] | null | undefined) ?? null;
    return {
      items: [
        {
          text: prompts[0]!.text,
          inputIds: prompts[0]!.ids,
          samplingParams: sp ?? undefined,
          rid: typeof body.rid === 'string' ? body.rid : newRid(),
          returnLogprob: scalar(body.return_logprob, 'return_logprob', false),
          logprobStartLen: scalar(body.logprob_start_len, 'logprob_start_len', -1),
          topLogprobsNum: scalar(body.top_logprobs_num, 'top_logprobs_num', 0),
          tokenIdsLogprob: tokenIdsLogprob && tokenIdsLogprob.length > 0 ? tokenIdsLogprob : null,
          customLogitProcessor: scalar(body.custom_logit_processor, 'custom_logit_processor', null),
        },
      ],
      isBatch,
      stream: body.stream === true,
      returnTextInLogprobs: body.return_text_in_logprobs === true,
      n,
      modelSideFields,
    };
  }

  // Batch: everything is expanded to num = batch_size * n items, prompt-major (§3.2).
  let rids: string[];
  const rid = body.rid;
  if (rid === undefined || rid === null || n > 1) {
    // With n > 1 SGLang regenerates every rid; a user rid is not reused.
    rids = Array.from({ length: num }, newRid);
  } else if (typeof rid === 'string') {
    rids = Array.from({ length: num }, (_, i) => `${rid}_${i}`);
  } else if (Array.isArray(rid)) {
    if (rid.length !== batchSize) {
      throw new BadRequestError(
        'The specified rids length mismatch with the batch_size for batch processing.',
      );
    }
    rids = rid as string[];
    const dup = rids.filter((r, i) => rids.indexOf(r) !== i);
    if (dup.length > 0) {
      throw new BadRequestError(
        `Duplicate request IDs detected within the request: ${JSON.stringify([...new Set(dup)])}`,
      );
    }
  } else {
    throw new BadRequestError('The rid should be a string or a list of strings.');
  }

  let params: (Json | undefined)[];
  if (Array.isArray(sp)) {
    if (sp.length !== batchSize) {
      throw new BadRequestError(
        `The length of sampling_params (${sp.length}) should be equal to the batch size (${batchSize}).`,
      );
    }
    params = sp;
  } else {
    params = Array(batchSize).fill(sp ?? undefined);
  }
  const returnLogprob = broadcast(body.return_logprob, 'return_logprob', batchSize, n, false);
  const startLen = broadcast(body.logprob_start_len, 'logprob_start_len', batchSize, n, -1);
  const topNum = broadcast(body.top_logprobs_num, 'top_logprobs_num', batchSize, n, 0);
  const processors = broadcast<string | null>(
    body.custom_logit_processor,
    'custom_logit_processor',
    batchSize,
    n,
    null,
  );
  let tokenIds: (number[] | null)[];
  const til = body.token_ids_logprob;
  if (til === undefined || til === null || (Array.isArray(til) && til.length === 0)) {
    tokenIds = Array(batchSize).fill(null);
  } else if (typeof (til as Json[])[0] === 'number') {
    tokenIds = Array(batchSize).fill(til as number[]);
  } else {
    if (n > 1) throw new BadRequestError('Cannot use list token_ids_logprob with parallel_sample_num > 1');
    tokenIds = til as number[][];
    if (tokenIds.length !== batchSize) {
      throw new BadRequestError(
        `The length of token_ids_logprob (${tokenIds.length}) should be equal to the batch size (${batchSize}).`,
      );
    }
  }

  const items: NormalizedItem[] = [];
  for (let i = 0; i < batchSize; i++) {
    for (let s = 0; s < n; s++) {
      const index = i * n + s;
      items.push({
        text: prompts[i]!.text,
        inputIds: prompts[i]!.ids,
        samplingParams: params[i],
        rid: rids.length === num ? rids[index]! : rids[i]!,
        returnLogprob: returnLogprob[i]!,
        logprobStartLen: startLen[i]!,
        topLogprobsNum: topNum[i]!,
        tokenIdsLogprob: tokenIds[i] && tokenIds[i]!.length > 0 ? tokenIds[i]! : null,
        customLogitProcessor: processors[i]!,
      });
    }
  }
  return {
    items,
    isBatch,
    stream: body.stream === true,
    returnTextInLogprobs: body.return_text_in_logprobs === true,
    n,
    modelSideFields,
  };
}

function scalar<T>(value: Json | undefined, name: string, fallback: T): T {
  if (value === undefined || value === null) return fallback;
  if (Array.isArray(value)) throw new BadRequestError(`${name} must not be a list for a single request.`);
  return value as T;
}
