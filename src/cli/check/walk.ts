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
}

export interface WalkResult {
  walks: Walk[];
  /** Every `fillNextTokenBitmask` duration, in microseconds, in call order. */
  maskMicros: number[];
}

/** Default cap on tokens per walk. */
export const DEFAULT_MAX_WALK_TOKENS = 256;

/**
 * Draws `count` random sentences. Each step draws uniformly among the allowed non-stop tokens; when the
 * sentence is complete it stops instead with probability `stopProbability` (always, if nothing else is
 * allowed), so most walks end well before the cap.
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
      const token = choices[Math.floor(rng.nextFloat() * choices.length)]!;
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
