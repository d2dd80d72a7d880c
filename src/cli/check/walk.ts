/**
 * Random sentences of a compiled grammar, generated the way a model would be constrained: at each step the
 * matcher fills the token mask and one allowed token is drawn uniformly. Used by `logitkit check` to show what
 * a grammar produces and to time masks on realistic walks.
 */
import { allocateTokenBitmask, allowedTokens } from '../../engine/bitmask.js';
import type { CompiledGrammar } from '../../engine/compiled-grammar.js';
import { GrammarMatcher } from '../../engine/matcher.js';
import { Xoshiro128 } from '../../sampling/rng.js';

/** How a walk ended. */
export type WalkEnd =
  /** A stop token was drawn (or, without stop tokens, the walk chose to stop on a complete sentence). */
  | 'eos'
  /** The token cap was reached first: the text is a prefix, not a sentence. */
  | 'truncated'
  /** The mask allowed nothing while the input was incomplete: an engine bug, reported loudly. */
  | 'dead-end';

export interface Walk {
  /** The generated text (UTF-8 decoded; a truncated walk may end inside a character). */
  text: string;
  /** The drawn token ids, stop token excluded. */
  tokens: number[];
  end: WalkEnd;
}

export interface WalkOptions {
  /** How many walks. */
  count: number;
  /** Seed of the xoshiro128** generator (src/sampling/rng.ts): the same seed gives the same walks. */
  seed: number;
  /** Most tokens per walk (default 256). */
  maxTokens?: number;
  /** Chance of stopping whenever the sentence is complete and more could follow (default 0.3). */
  stopProbability?: number;
  /** How a token is picked among the allowed ones (default `grouped`). */
  strategy?: WalkStrategy;
}

export interface WalkResult {
  walks: Walk[];
  /** Every `fillNextTokenBitmask` duration, in microseconds, in call order. */
  maskMicros: number[];
}

/** Default cap on tokens per walk. */
export const DEFAULT_MAX_WALK_TOKENS = 256;

/**
 * How a step picks among the allowed tokens.
 * - `grouped` (default): allowed tokens are grouped by the class of their first byte (ASCII letters and `_`,
 *   digits, whitespace, non-ASCII, and each other ASCII byte on its own); a group is drawn uniformly, then a
 *   token within it. With a real vocabulary, plain uniform draws are swamped by the thousands of
 *   whitespace and word tokens: JSON samples become pages of indentation and strings never close. Grouping
 *   gives a closing quote or bracket a fair chance at every step, so samples show the grammar's structure.
 * - `uniform`: every allowed token equally likely.
 */
export type WalkStrategy = 'grouped' | 'uniform';

/** Group of a token by its first byte (see {@link WalkStrategy}); -1 for an empty token. */
function firstByteGroup(byte: number): number {
  if ((byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x5f) return 0;
  if (byte >= 0x30 && byte <= 0x39) return 1;
  if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) return 2;
  if (byte >= 0x80) return 3;
  return 4 + byte;
}
const GROUP_COUNT = 4 + 0x80;

/**
 * Draws `count` random sentences. Each step draws among the allowed non-stop tokens (see
 * {@link WalkStrategy}); when the sentence is complete it stops instead with probability `stopProbability`
 * (always, if nothing else is allowed), so most walks end well before the cap.
 */
export function randomWalks(compiled: CompiledGrammar, options: WalkOptions): WalkResult {
  const tokenizer = compiled.tokenizer;
  if (!tokenizer) throw new Error('random walks need a grammar compiled with a tokenizer');
  const rng = new Xoshiro128(options.seed);
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_WALK_TOKENS;
  const stopProbability = options.stopProbability ?? 0.3;
  const vocabSize = tokenizer.vocabSize;
  const mask = allocateTokenBitmask(1, vocabSize);
  const maskMicros: number[] = [];
  const walks: Walk[] = [];
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const grouped = (options.strategy ?? 'grouped') === 'grouped';
  const groupOf = new Int16Array(grouped ? vocabSize : 0);
  for (let t = 0; t < groupOf.length; t++) {
    const bytes = tokenizer.tokenBytes(t);
    groupOf[t] = bytes.length === 0 ? -1 : firstByteGroup(bytes[0]!);
  }
  const groupSizes = new Int32Array(GROUP_COUNT);
  const pick = (choices: readonly number[]): number => {
    if (!grouped) return choices[Math.floor(rng.nextFloat() * choices.length)]!;
    groupSizes.fill(0);
    let groups = 0;
    for (const t of choices) if (groupOf[t]! >= 0 && groupSizes[groupOf[t]!]!++ === 0) groups++;
    if (groups === 0) return choices[Math.floor(rng.nextFloat() * choices.length)]!;
    let g = Math.floor(rng.nextFloat() * groups);
    let group = 0;
    while (groupSizes[group] === 0 || g-- > 0) group++;
    let k = Math.floor(rng.nextFloat() * groupSizes[group]!);
    for (const t of choices) if (groupOf[t] === group && k-- === 0) return t;
    throw new Error('unreachable: the drawn group is empty');
  };
  for (let i = 0; i < options.count; i++) {
    const matcher = new GrammarMatcher(compiled);
    const stops = new Set(matcher.stopTokenIds);
    const tokens: number[] = [];
    let end: WalkEnd = 'truncated';
    while (tokens.length < maxTokens) {
      const t0 = performance.now();
      matcher.fillNextTokenBitmask(mask, 0);
      maskMicros.push((performance.now() - t0) * 1000);
      const choices = allowedTokens(mask, vocabSize).filter((t) => !stops.has(t));
      const complete = matcher.isCompleted();
      if (complete && (choices.length === 0 || rng.nextFloat() < stopProbability)) {
        end = 'eos';
        break;
      }
      if (choices.length === 0) {
        end = 'dead-end';
        break;
      }
      const token = pick(choices);
      if (!matcher.acceptToken(token))
        throw new Error(`the matcher rejected token ${token}, which its own mask allowed`);
      tokens.push(token);
    }
    const bytes: Uint8Array[] = tokens.map((t) => tokenizer.tokenBytes(t));
    const joined = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of bytes) {
      joined.set(b, at);
      at += b.length;
    }
    walks.push({ text: decoder.decode(joined), tokens, end });
  }
  return { walks, maskMicros };
}

/** The `q`-quantile (0..1) of `values` by nearest rank; 0 for no values. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}
