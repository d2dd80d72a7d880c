/**
 * The `python` flavour: `re.search` semantics on hand-written cases whose Python results are known, and
 * the streaming search used by the `stop_regex` checker (hand-written cases plus a differential test
 * against JS RegExp on the shared syntax, with text pushed in random chunks).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GrammarError } from '../../src/engine/errors.js';
import { checkRegex, regexToExpr, StreamingRegexSearch } from '../../src/regex/index.js';
import { accepts, COMMON_ATOMS, compile, print, rng, testStrings, treeArbitrary } from './support.js';

/** [pattern, text, re.search(pattern, text) is not None] — results as CPython 3.11 gives them. */
const SEARCH_CASES: ReadonlyArray<readonly [string, string, boolean]> = [
  ['(?i)hello', 'HeLLo world', true],
  ['(?P<year>\\d{4})-(?P<month>\\d\\d)', 'on 2024-05', true],
  ['\\Aabc', 'abc', true],
  ['\\Aabc', 'xabc', false],
  ['abc\\Z', 'xabc', true],
  ['abc\\Z', 'abc\n', false],
  ['abc$', 'abc\n', true],
  ['abc$', 'abc\n\n', false],
  ['abc$', 'abcd', false],
  ['^abc', 'xabc', false],
  ['^abc', 'abc\n', true],
  ['a.c', 'a\nc', false],
  ['a.c', 'a\rc', true],
  ['(?s)a.c', 'a\nc', true],
  ['\\d', '\u0663', true],
  ['(?a)\\d', '\u0663', false],
  ['\\w+', 'é', true],
  ['(?a)\\w', 'é', false],
  ['\\s', '\x1c', true],
  ['\\s', '\u00a0', true],
  ['(?a)\\s', '\u00a0', false],
  ['(?i)straße', 'STRASSE', false],
  ['(?i)k', '\u212a', true],
  ['(?i)ſ', 'S', true],
  ['(?i:a)b', 'Ab', true],
  ['(?i:a)b', 'AB', false],
  ['(?x) a b  # comment', 'ab', true],
  ['(?x) a\\ b', 'a b', true],
  ['a{,2}b', 'xb', true],
  ['^a{,2}b$', 'aaab', false],
  ['a{', 'a{', true],
  ['a{1,x}', 'a{1,x}', true],
  ['[]a]', ']', true],
  ['\\x41\\101', 'AA', true],
  ['\\0', '\0', true],
  ['(?#comment)abc', 'abc', true],
  ['a|', 'zzz', true],
  ['[^\\W\\d]+$', 'abc1', false],
  ['\\N', '', false],
];

/** Patterns Python rejects (or we do not support), with the text our error contains. */
const ERROR_CASES: ReadonlyArray<readonly [string, string, number]> = [
  ['(?P<n>a)(?P=n)', "Backreference '(?P=name)' is not supported.", 8],
  ['(a)\\1', "Backreference '\\1' is not supported.", 3],
  ['(?<=a)b', "Lookbehind assertion '(?<=' is not supported.", 0],
  ['a(?!b)', "Lookahead assertion '(?!' is not supported.", 1],
  ['\\bfoo', "Word boundary '\\b' is not supported.", 0],
  ['(?m)^a', "Inline flag 'm' (MULTILINE) is not supported.", 2],
  ['a**', 'multiple repeat', 2],
  ['*a', 'nothing to repeat', 0],
  ['(?i', 'missing -, : or )', 3],
  ['\\q', 'bad escape \\q', 0],
  ['[a', 'unterminated character set', 0],
  ['a)', 'unbalanced parenthesis', 1],
  ['(a', 'missing ), unterminated subpattern', 0],
  ['a(?i)b', 'global flags not at the start of the expression', 1],
  ['x{2,1}', 'min repeat greater than max repeat', 1],
  ['[z-a]', 'bad character range z-a', 1],
  ['\\x4', 'incomplete escape \\x4', 0],
  ['a*+', 'possessive quantifier is not supported', 2],
  ['(?>a)', "Atomic group '(?>' is not supported.", 0],
  ['(?<n>a)', 'unknown extension ?<n', 0],
  ['\\1(', 'missing ), unterminated subpattern', 2],
  ['(?P=n', 'missing ), unterminated name', 4],
];

describe('python flavour (re.search semantics)', () => {
  it('matches CPython on hand-written cases', () => {
    for (const [pattern, text, expected] of SEARCH_CASES) {
      if (pattern === '\\N') {
        expect(() => regexToExpr(pattern, { flavor: 'python' })).toThrow(GrammarError);
        continue;
      }
      expect(
        accepts(compile(regexToExpr(pattern, { flavor: 'python' })), text),
        `${pattern} on ${JSON.stringify(text)}`,
      ).toBe(expected);
      const stream = new StreamingRegexSearch(pattern);
      expect(stream.push(text).matched, `stream ${pattern}`).toBe(expected);
    }
  });

  it('reports errors with the construct and position', () => {
    for (const [pattern, message, position] of ERROR_CASES) {
      const result = checkRegex(pattern, { flavor: 'python' });
      expect(result.ok, pattern).toBe(false);
      expect(result.errors[0]!.message, pattern).toBe(
        `Regex parsing error at position ${position + 1}: ${message}`,
      );
      expect(result.errors[0]!.position).toBe(position);
      expect(result.errors[0]!.snippet).toBe(`${pattern}\n${' '.repeat(position)}^`);
    }
  });
});

describe('StreamingRegexSearch', () => {
  it('reports the first match as text arrives', () => {
    const s = new StreamingRegexSearch('\\d{3}');
    expect(s.push('ab')).toEqual({ matched: false });
    expect(s.push('1')).toEqual({ matched: false });
    expect(s.push('2')).toEqual({ matched: false });
    expect(s.push('34')).toEqual({ matched: true, start: 2, end: 5 });
    expect(s.push('999')).toEqual({ matched: true, start: 2, end: 5 }); // sticky until reset
    s.reset();
    expect(s.matched).toBe(false);
    expect(s.push('x123')).toEqual({ matched: true, start: 1, end: 4 });
  });

  it('tests end anchors at the end of each push, as re.search on the text so far does', () => {
    const s = new StreamingRegexSearch('stop$');
    expect(s.push('sto').matched).toBe(false);
    expect(s.push('p')).toEqual({ matched: true, start: 0, end: 4 });
    const t = new StreamingRegexSearch('stop$');
    expect(t.push('stopx').matched).toBe(false);
    const u = new StreamingRegexSearch('a$');
    expect(u.push('ba\n')).toEqual({ matched: true, start: 1, end: 2 }); // `$` before a final newline
    const v = new StreamingRegexSearch('a\\Z');
    expect(v.push('ba\n').matched).toBe(false);
    expect(new StreamingRegexSearch('$').push('')).toEqual({ matched: true, start: 0, end: 0 });
  });

  it('anchors ^ at the start of the pushed text', () => {
    const s = new StreamingRegexSearch('^The');
    expect(s.push('Th').matched).toBe(false);
    expect(s.push('e').matched).toBe(true);
    const t = new StreamingRegexSearch('^The');
    expect(t.push('xThe').matched).toBe(false);
  });

  it('reports the leftmost start and the shortest end from it', () => {
    expect(new StreamingRegexSearch('abc|b').push('ab')).toEqual({ matched: true, start: 1, end: 2 });
    expect(new StreamingRegexSearch('xab|a').push('xab')).toEqual({ matched: true, start: 0, end: 3 });
    // Python reports (1, 4) for `a+` on "baaa"; we report the shortest end (documented).
    expect(new StreamingRegexSearch('a+').push('baaa')).toEqual({ matched: true, start: 1, end: 2 });
  });

  it('uses UTF-16 offsets and joins surrogate pairs split across pushes', () => {
    expect(new StreamingRegexSearch('é+').push('café')).toEqual({ matched: true, start: 3, end: 4 });
    const s = new StreamingRegexSearch('😀!');
    expect(s.push('a\ud83d').matched).toBe(false);
    expect(s.push('\ude00!')).toEqual({ matched: true, start: 1, end: 4 });
  });

  it('supports the other flavours', () => {
    const s = new StreamingRegexSearch('end$', { flavor: 'ecma' });
    expect(s.push('the end\n').matched).toBe(false); // ECMAScript `$` does not skip a final newline
    expect(new StreamingRegexSearch('a.b', { flavor: 'sglang' }).push('a\nb').matched).toBe(true);
  });

  it('agrees with JS RegExp on random patterns and random chunking', () => {
    const atoms = [...COMMON_ATOMS.filter((a) => !/\\[dDsS]/.test(a)), '.'];
    let pushes = 0;
    fc.assert(
      fc.property(treeArbitrary({ atoms, anchors: false, jsFlags: 'u' }), fc.integer(), (tree, seed) => {
        const pattern = print(tree);
        const stream = new StreamingRegexSearch(pattern);
        const re = new RegExp(pattern, 'u');
        const r = rng(seed);
        for (const text of testStrings(tree, seed, true).slice(0, 6)) {
          stream.reset();
          let sofar = '';
          let done = false;
          let i = 0;
          while (i <= text.length && !done) {
            const n = Math.floor(r() * 4);
            const chunk = text.slice(i, i + n);
            i += Math.max(n, 1);
            sofar += chunk;
            const got = stream.push(chunk);
            pushes++;
            // A chunk may end in the middle of a surrogate pair; the stream waits for the low half.
            const visible = /[\ud800-\udbff]$/.test(sofar) ? sofar.slice(0, -1) : sofar;
            const m = re.exec(visible);
            expect(got.matched, `${pattern} on ${JSON.stringify(visible)}`).toBe(m !== null);
            if (m) {
              expect(got.start, `${pattern} on ${JSON.stringify(visible)}`).toBe(m.index);
              done = true;
            }
          }
        }
      }),
      { numRuns: 120, seed: 99 },
    );
    expect(pushes).toBeGreaterThan(1000);
  });
});
