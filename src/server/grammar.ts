/**
 * Grammar compilation for requests: picks the grammar key by SGLang's priority (json_schema, regex, ebnf,
 * structural_tag; §4.3), compiles it with the configured backend and keeps an LRU cache of results, failures
 * included (a bad schema fails fast the second time too). Errors read `Failed to compile json grammar: ...`.
 */
import { BadRequestError } from './errors.js';
import type { ResolvedSamplingParams } from './sampling-params.js';

/** SGLang's grammar key types. */
export type GrammarKind = 'json' | 'regex' | 'ebnf' | 'structural_tag';

/** A per-request matcher over a compiled grammar. */
export interface TokenMatcher {
  /** Writes the allowed-token bitmask (bit t&31 of word t>>5) into row `row` of `mask`. */
  fillNextTokenBitmask(mask: Int32Array, row: number): void;
  /** Advances by one token; false if the grammar rejects it. */
  acceptToken(tokenId: number): boolean;
  /** True once the grammar accepted a stop token. */
  isTerminated(): boolean;
}

/** A compiled grammar that hands out fresh matchers. */
export interface CompiledConstraint {
  createMatcher(stopTokenIds: readonly number[]): TokenMatcher;
}

/** What compiles grammar sources; throws an Error whose message explains the failure. */
export interface GrammarBackend {
  compile(kind: GrammarKind, source: string): CompiledConstraint;
}

/** The grammar key of a request, or null when it has no constraint. */
export function grammarKey(p: ResolvedSamplingParams): { kind: GrammarKind; source: string } | null {
  if (p.jsonSchema !== null) return { kind: 'json', source: p.jsonSchema };
  if (p.regex !== null) return { kind: 'regex', source: p.regex };
  if (p.ebnf !== null) return { kind: 'ebnf', source: p.ebnf };
  if (p.structuralTag !== null) return { kind: 'structural_tag', source: p.structuralTag };
  return null;
}

type CacheEntry = { ok: true; value: CompiledConstraint } | { ok: false; message: string };

/** Compiles request grammars through an LRU cache of `capacity` entries. */
export class GrammarService {
  private readonly cache = new Map<string, CacheEntry>();
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly backend: GrammarBackend | undefined,
    private readonly capacity: number,
  ) {}

  /** True when a grammar backend is configured. */
  get enabled(): boolean {
    return this.backend !== undefined;
  }

  /** Compiles (or fetches) the request's grammar; null when the request has none. Throws a 400 on failure. */
  resolve(p: ResolvedSamplingParams): CompiledConstraint | null {
    const key = grammarKey(p);
    if (!key) return null;
    if (!this.backend) {
      throw new BadRequestError(
        'Grammar-based generation (json_schema, regex, ebnf, structural_tag) is not supported when the server is launched with --grammar-backend none',
      );
    }
    const source =
      key.kind === 'json' || key.kind === 'structural_tag' ? normalizeJsonKey(key.source) : key.source;
    const cacheKey = `${key.kind}\u0000${source}`;
    let entry = this.cache.get(cacheKey);
    if (entry) {
      this.hits++;
      this.cache.delete(cacheKey);
    } else {
      this.misses++;
      try {
        entry = { ok: true, value: this.backend.compile(key.kind, source) };
      } catch (error) {
        entry = { ok: false, message: error instanceof Error ? error.message : String(error) };
      }
    }
    this.cache.set(cacheKey, entry);
    while (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value as string);
    if (!entry.ok) throw new BadRequestError(`Failed to compile ${key.kind} grammar: ${entry.message}`);
    return entry.value;
  }

  /** Empties the cache (`/flush_cache`). */
  flush(): void {
    this.cache.clear();
  }

  /** Cache statistics for /server_info. */
  stats(): { size: number; capacity: number; hits: number; misses: number } {
    return { size: this.cache.size, capacity: this.capacity, hits: this.hits, misses: this.misses };
  }
}

/** Re-dumps a JSON key compactly (new SGLang normalises JSON keys); invalid JSON is kept verbatim. */
function normalizeJsonKey(source: string): string {
  if (source === '$$ANY$$') return source;
  try {
    return JSON.stringify(JSON.parse(source));
  } catch {
    return source;
  }
}
