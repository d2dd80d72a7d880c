/**
 * Lowering of a parsed structural-tag format tree to the grammar IR.
 *
 * - Free text (`any_text`, the text between `triggered_tags` / `dispatch` tags) is ONE Aho–Corasick byte DFA
 *   (`lowerTagDispatch`, shared with the EBNF front end's TagDispatch) inside one rule, so a token mask in
 *   free text is mostly the engine's cached per-DFA-state token set.
 * - JSON Schema, EBNF and regex contents are compiled by their own front ends and embedded (rules copied).
 * - End detection (XGrammar's `StructuralTagAnalyzer`): free text anywhere inside a `tag` (down to the next
 *   nested tag) gets the tag's end strings as excludes, so it cannot run past the end of the tag.
 * - Token-level formats become the engine's token-id terminals (engine/token-ids.ts): `token` is that one id
 *   (also for a tag's begin/end), complements (`exclude_token`, `any_tokens`, the free tokens of
 *   `token_triggered_tags` / `token_dispatch`) are id ranges over the ordinary tokens: never special tokens,
 *   stop tokens or ids without bytes. Token-level free text inside a tag loses the tag's end tokens (a token
 *   is read by id and by text at once, so a token beginning an end string both stays free and starts the end).
 */
import { ebnfToGrammar } from '../ebnf/index.js';
import { lowerTagDispatch } from '../ebnf/tag-dispatch.js';
import { GrammarError } from '../engine/errors.js';
import {
  alt,
  and,
  bytes,
  chars,
  type Expr,
  type Grammar,
  GrammarBuilder,
  literal,
  MAX_CODE_POINT,
  optional,
  ref,
  repeat,
  seq,
  star,
} from '../engine/ir.js';
import { ordinaryTokensExceptExpr, tokenIdsExpr } from '../engine/token-ids.js';
import { type JsonSchemaOptions, jsonSchemaToGrammar } from '../json-schema/index.js';
import { regexToExpr } from '../regex/index.js';
import type { TokenTrie } from '../vocabulary/trie.js';
import { embedGrammar } from './embed.js';
import { type Format, fail, type TagFormat, type TokenSpec } from './format.js';
import { distinctBytes, textAutomata } from './free-text.js';

/** What the lowering needs from a tokenizer (for token-level formats). */
export interface StructuralTagTokenizer {
  readonly vocabSize: number;
  tokenBytes(id: number): Uint8Array;
  isSpecial?(id: number): boolean;
  /** Stop ids: never part of a token-level complement. */
  readonly eosTokenIds?: readonly number[];
  /** With `specialTokenIds`: token strings resolve through the trie instead of a whole-vocabulary index. */
  readonly trie?: TokenTrie;
  readonly specialTokenIds?: readonly number[];
}

export interface StructuralTagOptions {
  /** Resolves `token` formats to their bytes; without it they are errors. */
  tokenizer?: StructuralTagTokenizer;
  /**
   * Options for `json_schema` contents. Default `{ strict: true }` (XGrammar's structural tags use strict mode:
   * no properties beyond the declared ones unless `additionalProperties` allows them) with any whitespace.
   */
  jsonSchema?: JsonSchemaOptions;
}

const utf8 = new TextEncoder();
const ANY_CHAR = chars([0, MAX_CODE_POINT]);
const ANY_TEXT = star(ANY_CHAR);

type FormatOf<T extends Format['type']> = Extract<Format, { type: T }>;

/** The enclosing tag's end, when free text at the tail of its content stops at it. */
interface Tail {
  stops: Uint8Array[];
  endExpr: Expr;
}

export class StructuralTagLowerer {
  readonly builder = new GrammarBuilder();
  readonly warnings: string[] = [];
  private readonly schemaRules = new Map<string, number>();
  /** End token ids of the nearest enclosing tag (excluded from token-level free text inside it). */
  private endTokenIds: number[] = [];

  constructor(private readonly options: StructuralTagOptions = {}) {}

  /** Lowers the whole tree into a grammar whose root rule is `root`. */
  grammar(format: Format): Grammar {
    const root = this.builder.addRule('root');
    this.builder.setBody(root, this.lower(format, []));
    return this.builder.build(root);
  }

  /** `ends`: end strings of the nearest enclosing tag, excluded from free text. */
  private lower(f: Format, ends: readonly Uint8Array[]): Expr {
    switch (f.type) {
      case 'const_string':
        return literal(f.value);
      case 'json_schema':
        return ref(this.jsonSchema(f));
      case 'grammar':
        return ref(this.ebnf(f));
      case 'regex':
        try {
          return regexToExpr(f.pattern, { flavor: 'sglang' });
        } catch (e) {
          return rethrow(e, `${f.path}/pattern`);
        }
      case 'any_text': {
        const excludes = distinctBytes([...f.excludes, ...ends]);
        if (excludes.length === 0)
          return f.maxChars === undefined ? ANY_TEXT : repeat(ANY_CHAR, 0, f.maxChars);
        const free = textAutomata([], excludes).free;
        return f.maxChars === undefined ? free : and(repeat(ANY_CHAR, 0, f.maxChars), free);
      }
      case 'sequence':
        return seq(...f.elements.map((e) => this.lower(e, ends)));
      case 'or':
        return alt(...f.elements.map((e) => this.lower(e, ends)));
      case 'optional':
        return optional(this.lower(f.content, ends));
      case 'plus':
      case 'star':
        return repeat(
          this.asRule(f.type, f.content, ends),
          f.type === 'plus' ? 1 : 0,
          Number.POSITIVE_INFINITY,
        );
      case 'repeat':
        return repeat(this.asRule('repeat', f.content, ends), f.min, f.max);
      case 'tag':
        return this.tag(f);
      case 'triggered_tags':
        return this.triggeredTags(f, ends);
      case 'tags_with_separator':
        return this.tagsWithSeparator(f);
      case 'dispatch':
        return this.dispatch(f, ends);
      case 'token':
        return tokenIdsExpr([this.tokenId({ token: f.token, path: f.path })]);
      case 'exclude_token':
        return this.complement(f.path, this.tokenIds(f.excludeTokens));
      case 'any_tokens': {
        const one = this.complement(f.path, [...this.tokenIds(f.excludeTokens), ...this.endExcludes()]);
        return repeat(one, 0, f.maxTokens ?? Number.POSITIVE_INFINITY);
      }
      case 'token_triggered_tags':
        return this.tokenTriggeredTags(f);
      case 'token_dispatch':
        return this.tokenDispatch(f, ends);
    }
  }

  /**
   * A tag's content followed by the tag's end (`endExpr`). Unlimited content (free text at the tail) stops at
   * the FIRST occurrence of an end string, which it consumes (XGrammar's detected end strings), so text such as
   * `x\n</p>` followed by the end `\n</p>\n` cannot hide an earlier end.
   */
  private lowerTail(f: Format, ends: readonly Uint8Array[], endExpr: Expr): Expr {
    const stops = distinctBytes(ends);
    if (stops.length === 0 || !isUnlimited(f)) return seq(this.lower(f, ends), endExpr);
    switch (f.type) {
      case 'any_text': {
        const untilEnd = alt(...textAutomata(stops, distinctBytes(f.excludes)).first);
        if (f.maxChars === undefined) return untilEnd;
        return and(untilEnd, seq(repeat(ANY_CHAR, 0, f.maxChars), alt(...stops.map(bytes))));
      }
      case 'sequence': {
        const init = f.elements.slice(0, -1).map((e) => this.lower(e, ends));
        return seq(...init, this.lowerTail(f.elements[f.elements.length - 1]!, ends, endExpr));
      }
      case 'or':
        return alt(...f.elements.map((e) => this.lowerTail(e, ends, endExpr)));
      case 'triggered_tags':
        return this.triggeredTags(f, ends, { stops, endExpr });
      case 'dispatch':
        return this.dispatch(f, ends, { stops, endExpr });
      default:
        return seq(this.lower(f, ends), endExpr);
    }
  }

  private asRule(name: string, content: Format, ends: readonly Uint8Array[]): Expr {
    const rule = this.builder.addRule(name);
    this.builder.setBody(rule, this.lower(content, ends));
    return ref(rule);
  }

  /** A tag's begin or end: a string, or a `token` format (that one token id). */
  private partExpr(part: string | Format): Expr {
    if (typeof part === 'string') return literal(part);
    const token = part as FormatOf<'token'>;
    return tokenIdsExpr([this.tokenId({ token: token.token, path: token.path })]);
  }

  private endOf(tag: TagFormat): { ends: Uint8Array[]; endTokens: number[]; endExpr: Expr } {
    const ends: Uint8Array[] = [];
    const endTokens: number[] = [];
    for (const e of tag.end) {
      if (typeof e === 'string') ends.push(utf8.encode(e));
      else {
        const token = e as FormatOf<'token'>;
        endTokens.push(this.tokenId({ token: token.token, path: token.path }));
      }
    }
    if (isUnlimited(tag.content) && endTokens.length === 0 && ends.every((e) => e.length === 0)) {
      fail(
        tag.path,
        'a tag whose content is unlimited (any_text, any_tokens or triggered tags) needs a non-empty end string or an end token',
      );
    }
    return { ends, endTokens, endExpr: alt(...tag.end.map((e) => this.partExpr(e))) };
  }

  /** `content end` of a tag, with the tag's end tokens as the scope of token-level end excludes. */
  private contentAndEnd(tag: TagFormat): Expr {
    const { ends, endTokens, endExpr } = this.endOf(tag);
    const outer = this.endTokenIds;
    this.endTokenIds = endTokens;
    try {
      return this.lowerTail(tag.content, ends, endExpr);
    } finally {
      this.endTokenIds = outer;
    }
  }

  private tag(tag: TagFormat): Expr {
    return seq(this.partExpr(tag.begin), this.contentAndEnd(tag));
  }

  /** `begin-without-trigger content end` of one tag of a triggered_tags. */
  private tagAfterTrigger(tag: TagFormat, trigger: string): Expr {
    const begin = tag.begin as string;
    return seq(literal(begin.slice(trigger.length)), this.contentAndEnd(tag));
  }

  private triggeredTags(f: FormatOf<'triggered_tags'>, ends: readonly Uint8Array[], tail?: Tail): Expr {
    const groups: TagFormat[][] = f.triggers.map(() => []);
    for (const tag of f.tags) {
      if (typeof tag.begin !== 'string') fail(`${tag.path}/begin`, 'triggered_tags tags need a string begin');
      const begin = tag.begin;
      const matched = f.triggers.flatMap((t, j) => (begin.startsWith(t) ? [j] : []));
      if (matched.length === 0)
        fail(tag.path, 'One tag does not match any trigger in a triggered tags format');
      if (matched.length > 1) fail(tag.path, 'One tag matches multiple triggers in a triggered tags format');
      groups[matched[0]!]!.push(tag);
    }
    if (f.atLeastOne && f.stopAfterFirst) return alt(...f.tags.map((tag) => this.tag(tag)));
    const tags = f.triggers.flatMap((trigger, j) => {
      const group = groups[j]!;
      if (group.length === 0) return []; // a trigger without tags: excluded from free text
      const rule = this.builder.addRule('triggered_tag');
      this.builder.setBody(rule, alt(...group.map((tag) => this.tagAfterTrigger(tag, trigger))));
      return [{ bytes: utf8.encode(trigger), rule }];
    });
    const lonely = f.triggers.filter((_, j) => groups[j]!.length === 0);
    const excludes = distinctBytes([...f.excludes, ...lonely, ...(tail ? [] : ends)]);
    const body = this.tagDispatch(tags, excludes, !f.stopAfterFirst, tail);
    if (!f.atLeastOne) return body;
    const first = this.builder.addRule('first_tag');
    this.builder.setBody(first, alt(...f.tags.map((tag) => this.tag(tag))));
    return seq(ref(first), body);
  }

  /**
   * Free text with tags, as its own rule (so the free text is one rule-local automaton). With `tail`, the
   * text ends at the first stop string (consumed); a non-looping dispatch is followed by the end instead.
   */
  private tagDispatch(
    tags: Array<{ bytes: Uint8Array; rule: number }>,
    excludes: Uint8Array[],
    loop: boolean,
    tail?: Tail,
  ): Expr {
    const rule = this.builder.addRule('free_text');
    let body: Expr;
    if (!tail) {
      body = lowerTagDispatch({ tags, excludes, loopAfterDispatch: loop, trieEndsOnly: false }).expr;
    } else {
      const { first } = textAutomata([...tags.map((t) => t.bytes), ...tail.stops], excludes);
      const dispatches = tags.map((t, i) => seq(first[i]!, ref(t.rule)));
      const endings = alt(...first.slice(tags.length));
      body = loop
        ? seq(star(alt(...dispatches)), endings)
        : alt(...dispatches.map((d) => seq(d, tail.endExpr)), endings);
    }
    this.builder.setBody(rule, body);
    return ref(rule);
  }

  private tagsWithSeparator(f: FormatOf<'tags_with_separator'>): Expr {
    const one = this.builder.addRule('tag');
    this.builder.setBody(one, alt(...f.tags.map((tag) => this.tag(tag))));
    const list = f.stopAfterFirst ? ref(one) : seq(ref(one), star(seq(literal(f.separator), ref(one))));
    return f.atLeastOne ? list : optional(list);
  }

  private dispatch(f: FormatOf<'dispatch'>, ends: readonly Uint8Array[], tail?: Tail): Expr {
    const tags = f.rules.map(({ trigger, format }) => {
      const rule = this.builder.addRule('dispatch');
      this.builder.setBody(rule, this.lower(format, ends));
      return { bytes: utf8.encode(trigger), rule };
    });
    return this.tagDispatch(tags, distinctBytes([...f.excludes, ...(tail ? [] : ends)]), f.loop, tail);
  }

  private jsonSchema(f: FormatOf<'json_schema'>): number {
    if (f.style !== 'json') {
      throw new GrammarError(
        'unsupported',
        `Unsupported structural tag format at ${f.path}: json_schema style ${JSON.stringify(f.style)} (only "json")`,
        { pointer: `${f.path}/style` },
      );
    }
    const key = JSON.stringify(f.schema);
    const known = this.schemaRules.get(key);
    if (known !== undefined) return known;
    let grammar: Grammar;
    try {
      const result = jsonSchemaToGrammar(f.schema, { strict: true, ...this.options.jsonSchema });
      grammar = result.grammar;
      for (const w of result.warnings) this.warnings.push(`${f.path}/json_schema${w.pointer}: ${w.message}`);
    } catch (e) {
      return rethrow(e, `${f.path}/json_schema`);
    }
    const root = embedGrammar(this.builder, grammar, 'schema_');
    this.schemaRules.set(key, root);
    return root;
  }

  private ebnf(f: FormatOf<'grammar'>): number {
    try {
      const tokenizer = this.options.tokenizer;
      const { grammar, warnings } = ebnfToGrammar(f.grammar, tokenizer ? { tokenizer } : {});
      for (const w of warnings) this.warnings.push(`${f.path}/grammar: ${w.message}`);
      return embedGrammar(this.builder, grammar, 'grammar_');
    } catch (e) {
      return rethrow(e, `${f.path}/grammar`);
    }
  }

  private tokenizer(path: string): StructuralTagTokenizer {
    const tokenizer = this.options.tokenizer;
    if (!tokenizer) {
      fail(path, 'token-level formats need a tokenizer (compile with GrammarCompiler.compileStructuralTag)');
    }
    return tokenizer;
  }

  /** Ids whose bytes are exactly `bytes`. */
  private idsWithBytes(tokenizer: StructuralTagTokenizer, value: Uint8Array): number[] {
    if (tokenizer.trie && tokenizer.specialTokenIds) {
      const specials = tokenizer.specialTokenIds.filter((id) => sameBytes(tokenizer.tokenBytes(id), value));
      return [...trieLookup(tokenizer.trie, value), ...specials].sort((a, b) => a - b);
    }
    const candidates = tokensByHash(tokenizer).get(hashBytes(value)) ?? [];
    return candidates.filter((id) => sameBytes(tokenizer.tokenBytes(id), value));
  }

  /** All ids a token reference names: the id itself, or every token whose text is exactly the string. */
  private tokenMatches(spec: TokenSpec): number[] {
    const tokenizer = this.tokenizer(spec.path);
    if (typeof spec.token === 'number') {
      if (spec.token >= tokenizer.vocabSize) {
        fail(spec.path, `token id ${spec.token} is outside the vocabulary (size ${tokenizer.vocabSize})`);
      }
      return [spec.token];
    }
    const ids = this.idsWithBytes(tokenizer, utf8.encode(spec.token));
    if (ids.length === 0)
      fail(spec.path, `no token of the vocabulary is exactly ${JSON.stringify(spec.token)}`);
    return ids;
  }

  /** The one id a token reference names (a string must match exactly one token). */
  private tokenId(spec: TokenSpec): number {
    const ids = this.tokenMatches(spec);
    if (ids.length > 1) {
      fail(
        spec.path,
        `the token string ${JSON.stringify(spec.token)} is ambiguous: tokens ${ids.join(', ')} all have this text (give the id)`,
      );
    }
    return ids[0]!;
  }

  /** Ids of a list of token references (a string excludes every token with that text). */
  private tokenIds(specs: readonly TokenSpec[]): number[] {
    return specs.flatMap((spec) => this.tokenMatches(spec));
  }

  /**
   * Any one ordinary token except `excluded`: special tokens, stop tokens and ids without bytes are never part of
   * a complement (the matcher's stop logic handles EOS; special tokens only come from an explicit `token`).
   */
  private complement(path: string, excluded: readonly number[]): Expr {
    return ordinaryTokensExceptExpr(excluded, this.tokenizer(path));
  }

  /**
   * What token-level free text inside the nearest tag must not read by id: the tag's end tokens (XGrammar's
   * automatic excludes). Tokens that merely begin an end string need no exclusion: the matcher reads a token
   * by id and by text at once, so such a token both stays free text and starts the end.
   */
  private endExcludes(): number[] {
    return [...this.endTokenIds];
  }

  /** Free tokens with token-triggered dispatches, as its own rule (XGrammar's TokenTagDispatch). */
  private tokenFreeText(
    free: Expr,
    dispatches: Array<{ trigger: number; rule: number }>,
    loop: boolean,
  ): Expr {
    const rule = this.builder.addRule('free_tokens');
    const taken = dispatches.map((d) => seq(tokenIdsExpr([d.trigger]), ref(d.rule)));
    const body = loop ? star(alt(free, ...taken)) : seq(star(free), optional(alt(...taken)));
    this.builder.setBody(rule, body);
    return ref(rule);
  }

  private tokenTriggeredTags(f: FormatOf<'token_triggered_tags'>): Expr {
    const triggers = [...new Set(f.triggerTokens.map((t) => this.tokenId(t)))];
    const groups = new Map<number, TagFormat[]>(triggers.map((t) => [t, []]));
    for (const tag of f.tags) {
      if (typeof tag.begin === 'string') {
        fail(
          `${tag.path}/begin`,
          'token_triggered_tags tags need a token begin (use triggered_tags for strings)',
        );
      }
      const begin = tag.begin as FormatOf<'token'>;
      const id = this.tokenId({ token: begin.token, path: begin.path });
      const group = groups.get(id);
      if (!group) fail(tag.path, 'One tag does not match any trigger in a token triggered tags format');
      group.push(tag);
    }
    if (f.atLeastOne && f.stopAfterFirst) return alt(...f.tags.map((tag) => this.tag(tag)));
    const dispatches = triggers.flatMap((trigger) => {
      const group = groups.get(trigger)!;
      if (group.length === 0) return []; // a trigger without tags: excluded from the free tokens
      const rule = this.builder.addRule('token_triggered_tag');
      this.builder.setBody(rule, alt(...group.map((tag) => this.contentAndEnd(tag))));
      return [{ trigger, rule }];
    });
    const free = this.complement(f.path, [
      ...this.tokenIds(f.excludeTokens),
      ...triggers,
      ...this.endExcludes(),
    ]);
    const body = this.tokenFreeText(free, dispatches, !f.stopAfterFirst);
    if (!f.atLeastOne) return body;
    const first = this.builder.addRule('first_tag');
    this.builder.setBody(first, alt(...f.tags.map((tag) => this.tag(tag))));
    return seq(ref(first), body);
  }

  private tokenDispatch(f: FormatOf<'token_dispatch'>, ends: readonly Uint8Array[]): Expr {
    const excluded = this.tokenIds(f.excludeTokens);
    const seen = new Set<number>();
    const dispatches = f.rules.map(({ trigger, format }) => {
      const id = this.tokenId(trigger);
      if (seen.has(id)) fail(trigger.path, `token ${id} triggers two rules of a token_dispatch format`);
      if (excluded.includes(id)) {
        fail(trigger.path, `token ${id} is both a trigger and an excluded token of a token_dispatch format`);
      }
      seen.add(id);
      const rule = this.builder.addRule('token_dispatch');
      this.builder.setBody(rule, this.lower(format, ends));
      return { trigger: id, rule };
    });
    const free = this.complement(f.path, [...excluded, ...seen, ...this.endExcludes()]);
    return this.tokenFreeText(free, dispatches, f.loop);
  }
}

/** FNV-1a hash of a byte string. */
function hashBytes(value: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value[i]!, 0x01000193);
  return h >>> 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Ids of the trie tokens whose bytes are exactly `value` (equal tokens are sibling leaves with the same byte). */
function trieLookup(trie: TokenTrie, value: Uint8Array): number[] {
  const { bytes, token, subtreeEnd } = trie;
  let node = 0;
  for (let k = 0; k < value.length; k++) {
    const b = value[k]!;
    const last = k === value.length - 1;
    let next = -1;
    const found: number[] = [];
    for (let c = node + 1; c < subtreeEnd[node]!; c = subtreeEnd[c]!) {
      if (bytes[c]! > b) break; // siblings are sorted by byte
      if (bytes[c] !== b) continue;
      if (next < 0) next = c;
      if (last && token[c]! >= 0) found.push(token[c]!);
    }
    if (next < 0) return [];
    if (last) return found;
    node = next;
  }
  return [];
}

const byHashCache = new WeakMap<StructuralTagTokenizer, Map<number, number[]>>();

/** Token ids by the hash of their bytes (collisions are filtered on lookup), built once per tokenizer. */
function tokensByHash(tokenizer: StructuralTagTokenizer): Map<number, number[]> {
  let map = byHashCache.get(tokenizer);
  if (!map) {
    map = new Map();
    for (let id = 0; id < tokenizer.vocabSize; id++) {
      const value = tokenizer.tokenBytes(id);
      if (value.length === 0) continue;
      const key = hashBytes(value);
      const list = map.get(key);
      if (list) list.push(id);
      else map.set(key, [id]);
    }
    byHashCache.set(tokenizer, map);
  }
  return map;
}

/** Whether a format's extent is only fixed by what follows it (free text), as XGrammar's analyzer decides. */
function isUnlimited(f: Format): boolean {
  switch (f.type) {
    case 'any_text':
      return true;
    case 'triggered_tags':
      return !(f.atLeastOne && f.stopAfterFirst);
    case 'dispatch':
    case 'token_dispatch':
      return true;
    case 'any_tokens':
      return f.maxTokens === undefined;
    case 'token_triggered_tags':
      return !(f.atLeastOne && f.stopAfterFirst);
    case 'sequence':
      return isUnlimited(f.elements[f.elements.length - 1]!);
    case 'or':
      return f.elements.some(isUnlimited);
    default:
      return false;
  }
}

/** Re-throws a front end's GrammarError as a structural-tag error at `pointer` (keeping its inner pointer). */
function rethrow(e: unknown, pointer: string): never {
  if (!(e instanceof GrammarError)) throw e;
  const inner = `${pointer}${e.pointer ?? ''}`;
  throw new GrammarError(
    e.kind === 'limit' ? 'limit' : 'structural-tag',
    `Invalid structural tag at ${inner}: ${e.message}`,
    {
      pointer: inner,
      ...(e.line !== undefined ? { line: e.line } : {}),
      ...(e.column !== undefined ? { column: e.column } : {}),
      ...(e.position !== undefined ? { position: e.position } : {}),
      ...(e.snippet !== undefined ? { snippet: e.snippet } : {}),
    },
  );
}
