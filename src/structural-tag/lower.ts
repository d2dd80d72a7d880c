/**
 * Lowering of a parsed structural-tag format tree to the grammar IR.
 *
 * - Free text (`any_text`, the text between `triggered_tags` / `dispatch` tags) is ONE Aho–Corasick byte DFA
 *   (`lowerTagDispatch`, shared with the EBNF front end's TagDispatch) inside one rule, so a token mask in
 *   free text is mostly the engine's cached per-DFA-state token set.
 * - JSON Schema, EBNF and regex contents are compiled by their own front ends and embedded (rules copied).
 * - End detection (XGrammar's `StructuralTagAnalyzer`): free text anywhere inside a `tag` (down to the next
 *   nested tag) gets the tag's end strings as excludes, so it cannot run past the end of the tag.
 * - Token formats: the engine matches bytes, so a `token` is its exact bytes (any tokenization of those bytes
 *   matches); special tokens, which the byte-level engine never emits, and the other token-level formats
 *   are `unsupported` errors naming the JSON pointer.
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
import { type JsonSchemaOptions, jsonSchemaToGrammar } from '../json-schema/index.js';
import { regexToExpr } from '../regex/index.js';
import { embedGrammar } from './embed.js';
import { type Format, fail, type TagFormat } from './format.js';
import { distinctBytes, textAutomata } from './free-text.js';

/** What the lowering needs from a tokenizer (for `token` formats). */
export interface StructuralTagTokenizer {
  readonly vocabSize: number;
  tokenBytes(id: number): Uint8Array;
  isSpecial?(id: number): boolean;
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
        return bytes(this.tokenBytes(f));
      default:
        throw new GrammarError(
          'unsupported',
          `Unsupported structural tag format at ${f.path}: ${f.type} constrains token ids, which the byte-level ` +
            'grammar engine cannot express (use string formats, or a `token` of a non-special token)',
          { pointer: f.path },
        );
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

  /** The bytes of a tag's begin or end (a string, or a `token` format's bytes). */
  private partBytes(part: string | Format): Uint8Array {
    return typeof part === 'string' ? utf8.encode(part) : this.tokenBytes(part as FormatOf<'token'>);
  }

  private endOf(tag: TagFormat): { ends: Uint8Array[]; endExpr: Expr } {
    const ends = tag.end.map((e) => this.partBytes(e));
    if (isUnlimited(tag.content) && ends.every((e) => e.length === 0)) {
      fail(
        tag.path,
        'a tag whose content is unlimited (any_text or triggered_tags) needs a non-empty end string',
      );
    }
    return { ends, endExpr: alt(...ends.map(bytes)) };
  }

  private tag(tag: TagFormat): Expr {
    const { ends, endExpr } = this.endOf(tag);
    return seq(bytes(this.partBytes(tag.begin)), this.lowerTail(tag.content, ends, endExpr));
  }

  /** `begin-without-trigger content end` of one tag of a triggered_tags. */
  private tagAfterTrigger(tag: TagFormat, trigger: string): Expr {
    const { ends, endExpr } = this.endOf(tag);
    const begin = tag.begin as string;
    return seq(literal(begin.slice(trigger.length)), this.lowerTail(tag.content, ends, endExpr));
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
      const { grammar, warnings } = ebnfToGrammar(f.grammar);
      for (const w of warnings) this.warnings.push(`${f.path}/grammar: ${w.message}`);
      return embedGrammar(this.builder, grammar, 'grammar_');
    } catch (e) {
      return rethrow(e, `${f.path}/grammar`);
    }
  }

  private tokenBytes(f: FormatOf<'token'>): Uint8Array {
    const tokenizer = this.options.tokenizer;
    if (!tokenizer) {
      fail(f.path, 'token formats need a tokenizer (compile with GrammarCompiler.compileStructuralTag)');
    }
    let id: number;
    if (typeof f.token === 'number') {
      if (f.token >= tokenizer.vocabSize) fail(f.path, `token id ${f.token} is outside the vocabulary`);
      id = f.token;
    } else {
      const found = this.lookupToken(tokenizer, f.token);
      if (found === undefined) fail(f.path, `no token is exactly ${JSON.stringify(f.token)}`);
      id = found;
    }
    const value = tokenizer.tokenBytes(id);
    if (tokenizer.isSpecial?.(id) || value.length === 0) {
      throw new GrammarError(
        'unsupported',
        `Unsupported structural tag format at ${f.path}: token ${id} is a special token, which the byte-level ` +
          'grammar engine never produces as text',
        { pointer: f.path },
      );
    }
    return value;
  }

  /** The id of the token whose bytes are exactly `text` (the first non-special one, else the first). */
  private lookupToken(tokenizer: StructuralTagTokenizer, text: string): number | undefined {
    const target = utf8.encode(text);
    let found: number | undefined;
    for (let id = 0; id < tokenizer.vocabSize; id++) {
      const candidate = tokenizer.tokenBytes(id);
      if (candidate.length !== target.length || !candidate.every((b, i) => b === target[i])) continue;
      if (!tokenizer.isSpecial?.(id)) return id;
      found ??= id;
    }
    return found;
  }
}

/** Whether a format's extent is only fixed by what follows it (free text), as XGrammar's analyzer decides. */
function isUnlimited(f: Format): boolean {
  switch (f.type) {
    case 'any_text':
      return true;
    case 'triggered_tags':
      return !(f.atLeastOne && f.stopAfterFirst);
    case 'dispatch':
      return true;
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
