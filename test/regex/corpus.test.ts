/**
 * A hand-written corpus of realistic patterns (dates, times, emails, IPv4/6, UUIDs, phone numbers,
 * bounded numbers, Unicode classes), checked in every flavour against the JS RegExp equivalent on
 * randexp-generated positives, their mutations and random strings.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { regexToExpr } from '../../src/regex/index.js';
import { CORPUS } from './corpus.js';
import { accepts, compile, mutate, randomString, rng } from './support.js';

interface RandExpInstance {
  gen(): string;
  defaultRange: { add(lo: number, hi: number): void };
  randInt: (a: number, b: number) => number;
}
const RandExp = createRequire(import.meta.url)('randexp') as new (pattern: RegExp) => RandExpInstance;

/** Hand-written positives for patterns randexp cannot generate well. */
const EXTRA_POSITIVES = [
  '2024-02-29',
  '23:59',
  '00:00:00',
  'a@b.co',
  '::1',
  'fe80::1',
  '中文',
  'Ünïcødé Nàme',
  '😀😎',
  'foobaz',
  'I have 3 items',
];

/** The JS regex with Python's meaning for `\d \w \s` and a final `$` (for `re.search` semantics). */
function pythonEquivalent(p: string): RegExp {
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      const n = p[i + 1]!;
      i++;
      if (n === 'd') out += '\\p{Nd}';
      else if (n === 'w') out += inClass ? '\\p{L}\\p{N}_' : '[\\p{L}\\p{N}_]';
      else if (n === 's') out += inClass ? '\\t-\\r\\x1c-\\x20\\x85\\xa0' : '[\\t-\\r\\x1c-\\x20\\x85\\xa0]';
      else out += `\\${n}`;
      continue;
    }
    if (c === '[') inClass = true;
    if (c === ']') inClass = false;
    out += c;
  }
  if (out.endsWith('$')) out = `${out.slice(0, -1)}\\n?$`;
  return new RegExp(out, 'u');
}

function stringsFor(pattern: string, seed: number): string[] {
  const r = rng(seed);
  const out = new Set<string>(['', ...EXTRA_POSITIVES]);
  const gen = new RandExp(new RegExp(pattern, 'u'));
  gen.randInt = (a, b) => a + Math.floor(r() * (1 + b - a));
  for (let k = 0; k < 25; k++) {
    const s = gen.gen();
    out.add(s);
    out.add(mutate(s, r));
    out.add(`${randomString(r, 2)}${s}${randomString(r, 2)}`);
    out.add(`${s}\n`);
  }
  for (let k = 0; k < 20; k++) out.add(randomString(r, 8));
  return [...out];
}

describe('realistic pattern corpus', () => {
  it('agrees with JS RegExp in every flavour', () => {
    let checked = 0;
    let positives = 0;
    CORPUS.forEach((pattern, index) => {
      const strings = stringsFor(pattern, index + 1);
      const stripped = pattern.replace(/^\^/, '').replace(/\$$/, '');
      const flavours = [
        { dfa: compile(regexToExpr(pattern, { flavor: 'ecma' })), re: new RegExp(pattern, 'u') },
        {
          dfa: compile(regexToExpr(pattern, { flavor: 'ecma', match: 'whole' })),
          re: new RegExp(`^(?:${stripped})$`, 'u'),
        },
        {
          dfa: compile(regexToExpr(pattern, { flavor: 'sglang' })),
          re: new RegExp(`^(?:${stripped})$`, 'us'),
        },
        { dfa: compile(regexToExpr(pattern, { flavor: 'python' })), re: pythonEquivalent(pattern) },
      ];
      for (const s of strings) {
        flavours.forEach(({ dfa, re }, f) => {
          const expected = re.test(s);
          if (expected) positives++;
          checked++;
          if (accepts(dfa, s) !== expected) {
            throw new Error(`flavour #${f} pattern ${pattern} on ${JSON.stringify(s)}: expected ${expected}`);
          }
        });
      }
    });
    expect(checked).toBeGreaterThan(10_000);
    expect(positives).toBeGreaterThan(2_000);
  });

  it('handles Unicode property classes (ecma)', () => {
    const dfa = compile(regexToExpr('^\\p{Lu}\\p{Ll}+(?: \\p{Lu}\\p{Ll}+)*$', { flavor: 'ecma' }));
    const re = /^\p{Lu}\p{Ll}+(?: \p{Lu}\p{Ll}+)*$/u;
    for (const s of [
      'Hello',
      'Émile Zola',
      'Ωmega',
      'hello',
      'HELLO',
      'Hello world',
      'Straße',
      'Σίσυφος',
      'A',
      '',
    ]) {
      expect(accepts(dfa, s)).toBe(re.test(s));
    }
    const scripts = compile(regexToExpr('^[\\p{Script=Han}\\p{Script=Hiragana}]+$', { flavor: 'ecma' }));
    expect(accepts(scripts, '日本語ひらがな')).toBe(true);
    expect(accepts(scripts, 'カタカナ')).toBe(false);
  });
});
