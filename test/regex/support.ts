/**
 * Shared test support for the regex front end: DFA-backed acceptance, a small random regex grammar
 * (fast-check) whose trees print to a pattern and sample matching strings, and string mutations.
 */
import fc from 'fast-check';
import { dfaAccepts, exprToDfa } from '../../src/engine/automaton.js';
import type { ByteDfa, Expr } from '../../src/engine/ir.js';
import { rng } from '../helpers/rng.js';

const utf8 = new TextEncoder();

/** Compiles an expression to a DFA (the engine's `exprToDfa`). */
export function compile(expr: Expr): ByteDfa {
  return exprToDfa(expr);
}

/** Whether the DFA accepts the UTF-8 encoding of `text`. */
export function accepts(dfa: ByteDfa, text: string): boolean {
  return dfaAccepts(dfa, utf8.encode(text));
}

export { rng };

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** Characters test strings are built from: ASCII, Latin-1, BMP, astral, controls and JSON specials. */
export const ALPHABET = [
  'a',
  'b',
  'c',
  'A',
  'K',
  '0',
  '5',
  '9',
  '_',
  ' ',
  '-',
  '.',
  '\n',
  '\t',
  'é',
  'É',
  'ß',
  '中',
  '😀',
  '"',
  '\\',
  '/',
  '\u0001',
];

/** A random regex tree; `print` gives the pattern, `sample` a string it matches. */
export type Tree =
  | { k: 'atom'; src: string; members: readonly string[] }
  | { k: 'seq'; items: Tree[] }
  | { k: 'alt'; items: Tree[] }
  | { k: 'rep'; item: Tree; q: string; min: number; max: number }
  | { k: 'group'; item: Tree; capture: boolean }
  | { k: 'anchor'; src: '^' | '$' };

export interface GrammarConfig {
  /** Atom sources (literals, escapes, classes) valid in the flavour under test. */
  atoms: readonly string[];
  /** Whether to generate `^`/`$` anchors at random sequence positions. */
  anchors: boolean;
  /** The JS flags that give the atom the flavour's meaning (e.g. 'us' when `.` matches newline). */
  jsFlags: string;
}

/** Atoms shared by all flavours: their meaning is identical in JS `u` mode over ALPHABET. */
export const COMMON_ATOMS = [
  'a',
  'b',
  'c',
  '0',
  '-',
  'é',
  '😀',
  '中',
  ' ',
  '\\.',
  '\\n',
  '\\t',
  '\\\\',
  '"',
  '/',
  '[abc]',
  '[a-c]',
  '[^a]',
  '[^a-c0-9]',
  '[0-9a-f]',
  '[é-ü]',
  '[^é]',
  '[😀中]',
  '[\\d.]',
  '[-a]',
  '[a\\-z]',
  '[\\^]',
  '\\d',
  '\\D',
  '\\s',
  '\\S',
  '[^\\s]',
  '[\\s\\d]',
];
/** `\w` family (ASCII in JS/XGrammar; Unicode in Python). */
export const WORD_ATOMS = ['\\w', '\\W', '[\\w-]', '[^\\w]'];

function members(src: string, jsFlags: string): string[] {
  const re = new RegExp(`^(?:${src})$`, jsFlags);
  return ALPHABET.filter((c) => re.test(c));
}

/** fast-check arbitrary for trees over `config.atoms`. */
export function treeArbitrary(config: GrammarConfig): fc.Arbitrary<Tree> {
  const atom = fc
    .constantFrom(...config.atoms)
    .map((src): Tree => ({ k: 'atom', src: src === '.' ? '.' : src, members: members(src, config.jsFlags) }));
  const quant = fc.constantFrom(
    ['*', 0, 4],
    ['+', 1, 4],
    ['?', 0, 1],
    ['{2}', 2, 2],
    ['{1,3}', 1, 3],
    ['{0,2}', 0, 2],
    ['{2,}', 2, 4],
    ['*?', 0, 4],
    ['+?', 1, 4],
    ['??', 0, 1],
    ['{1,2}?', 1, 2],
  );
  const { tree } = fc.letrec<{ tree: Tree; leaf: Tree }>((tie) => ({
    leaf: config.anchors
      ? fc.oneof(
          { weight: 8, arbitrary: atom },
          {
            weight: 1,
            arbitrary: fc.constantFrom<Tree>({ k: 'anchor', src: '^' }, { k: 'anchor', src: '$' }),
          },
        )
      : atom,
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 4, arbitrary: tie('leaf') },
      {
        weight: 3,
        arbitrary: fc
          .array(tie('tree'), { minLength: 2, maxLength: 4 })
          .map((items): Tree => ({ k: 'seq', items })),
      },
      {
        weight: 2,
        arbitrary: fc
          .array(tie('tree'), { minLength: 2, maxLength: 3 })
          .map((items): Tree => ({ k: 'alt', items })),
      },
      {
        weight: 2,
        arbitrary: fc
          .tuple(
            fc.oneof(
              atom,
              tie('tree').map((item): Tree => ({ k: 'group', item, capture: false })),
            ),
            quant,
          )
          .map(
            ([item, [q, min, max]]): Tree => ({
              k: 'rep',
              item,
              q: q as string,
              min: min as number,
              max: max as number,
            }),
          ),
      },
      {
        weight: 1,
        arbitrary: fc
          .tuple(tie('tree'), fc.boolean())
          .map(([item, capture]): Tree => ({ k: 'group', item, capture })),
      },
    ),
  }));
  return tree;
}

/** The pattern text of a tree. */
export function print(t: Tree): string {
  switch (t.k) {
    case 'atom':
    case 'anchor':
      return t.src;
    case 'seq':
      return t.items.map((i) => (i.k === 'alt' ? `(?:${print(i)})` : print(i))).join('');
    case 'alt':
      return t.items.map(print).join('|');
    case 'rep': {
      const inner = print(t.item);
      const wrapped = t.item.k === 'atom' ? inner : `(?:${inner})`;
      return `${wrapped}${t.q}`;
    }
    case 'group':
      return t.capture ? `(${print(t.item)})` : `(?:${print(t.item)})`;
  }
}

/** A string the tree matches (ignoring anchors), or undefined when a set has no member in ALPHABET. */
export function sample(t: Tree, r: () => number): string | undefined {
  switch (t.k) {
    case 'atom':
      return t.members.length === 0 ? undefined : pick(r, t.members);
    case 'anchor':
      return '';
    case 'seq': {
      let out = '';
      for (const i of t.items) {
        const s = sample(i, r);
        if (s === undefined) return undefined;
        out += s;
      }
      return out;
    }
    case 'alt': {
      const start = Math.floor(r() * t.items.length);
      for (let k = 0; k < t.items.length; k++) {
        const s = sample(t.items[(start + k) % t.items.length]!, r);
        if (s !== undefined) return s;
      }
      return undefined;
    }
    case 'rep': {
      const n = t.min + Math.floor(r() * (t.max - t.min + 1));
      let out = '';
      for (let k = 0; k < n; k++) {
        const s = sample(t.item, r);
        if (s === undefined) return n === 0 ? '' : undefined;
        out += s;
      }
      return out;
    }
    case 'group':
      return sample(t.item, r);
  }
}

/** A random edit of `s` over ALPHABET: delete, insert, replace or duplicate a character. */
export function mutate(s: string, r: () => number): string {
  const cps = Array.from(s);
  const i = Math.floor(r() * (cps.length + 1));
  switch (Math.floor(r() * 4)) {
    case 0:
      cps.splice(i, 1);
      break;
    case 1:
      cps.splice(i, 0, pick(r, ALPHABET));
      break;
    case 2:
      cps.splice(i, 1, pick(r, ALPHABET));
      break;
    default:
      if (cps.length > 0) cps.splice(i, 0, cps[Math.min(i, cps.length - 1)]!);
  }
  return cps.join('');
}

/** A random string over ALPHABET of length 0..maxLength. */
export function randomString(r: () => number, maxLength = 6): string {
  const n = Math.floor(r() * (maxLength + 1));
  let out = '';
  for (let k = 0; k < n; k++) out += pick(r, ALPHABET);
  return out;
}

/** Test strings for a tree: samples, their mutations and random strings (plus context for search). */
export function testStrings(t: Tree, seed: number, search: boolean): string[] {
  const r = rng(seed);
  const out = new Set<string>(['']);
  for (let k = 0; k < 6; k++) {
    const s = sample(t, r);
    if (s === undefined) break;
    const wrapped = search && r() < 0.5 ? randomString(r, 3) + s + randomString(r, 3) : s;
    out.add(wrapped);
    out.add(mutate(wrapped, r));
    out.add(mutate(mutate(wrapped, r), r));
  }
  for (let k = 0; k < 6; k++) out.add(randomString(r));
  return [...out];
}
