/**
 * Differential tests against the host's RegExp (`u` flag) on random patterns from a small regex grammar:
 * for every pattern and test string, our DFA accepts iff the equivalent JS regex matches.
 * - ecma (search): `new RegExp(p, 'u').test(s)`, with `^`/`$` anchors anywhere in sequences;
 * - ecma (whole): `^(?:p)$`;
 * - sglang (whole, `.` matches newline): `^(?:p)$` with flags `us`;
 * - python (search): `new RegExp(p, 'u')` restricted to the syntax and sets both dialects share.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GrammarError } from '../../src/engine/errors.js';
import { type RegexOptions, regexToExpr } from '../../src/regex/index.js';
import {
  accepts,
  COMMON_ATOMS,
  compile,
  type GrammarConfig,
  print,
  type Tree,
  testStrings,
  treeArbitrary,
  WORD_ATOMS,
} from './support.js';

interface Case {
  name: string;
  config: GrammarConfig;
  options: RegexOptions;
  oracle: (pattern: string) => RegExp;
  search: boolean;
  runs: number;
}

const cases: Case[] = [
  {
    name: 'ecma search with anchors',
    config: {
      atoms: [...COMMON_ATOMS, ...WORD_ATOMS, '.', '\\u{1F600}', '\\u00e9', '\\x41', '\\cJ', '[^]', '[]'],
      anchors: true,
      jsFlags: 'u',
    },
    options: { flavor: 'ecma' },
    oracle: (p) => new RegExp(p, 'u'),
    search: true,
    runs: 450,
  },
  {
    name: 'ecma whole match',
    config: {
      atoms: [...COMMON_ATOMS, ...WORD_ATOMS, '.', '\\u{1F600}', '\\x41'],
      anchors: false,
      jsFlags: 'u',
    },
    options: { flavor: 'ecma', match: 'whole' },
    oracle: (p) => new RegExp(`^(?:${p})$`, 'u'),
    search: false,
    runs: 300,
  },
  {
    name: 'sglang (whole match, dot matches newline)',
    config: {
      atoms: [...COMMON_ATOMS, ...WORD_ATOMS, '.', '\\u{1F600}', '\\u00e9', '[^]'],
      anchors: false,
      jsFlags: 'us',
    },
    options: { flavor: 'sglang' },
    oracle: (p) => new RegExp(`^(?:${p})$`, 'us'),
    search: false,
    runs: 350,
  },
  {
    name: 'python search (shared subset)',
    // Python's `\d`/`\w` are Unicode sets (tested in python.test.ts); they also make slow DFAs.
    config: {
      atoms: [
        ...COMMON_ATOMS.filter((a) => !a.includes('\\d') && !a.includes('\\D')),
        '.',
        '\\u00e9',
        '\\x41',
      ],
      anchors: false,
      jsFlags: 'u',
    },
    options: { flavor: 'python' },
    oracle: (p) => new RegExp(p, 'u'),
    search: true,
    runs: 300,
  },
];

describe('differential vs JS RegExp', () => {
  for (const c of cases) {
    it(c.name, () => {
      let checked = 0;
      let skipped = 0;
      fc.assert(
        fc.property(treeArbitrary(c.config), fc.integer(), (tree: Tree, seed: number) => {
          const pattern = print(tree);
          let dfa: ReturnType<typeof compile>;
          try {
            dfa = compile(regexToExpr(pattern, c.options));
          } catch (e) {
            // Anchors inside large repetitions are a documented limitation; everything else must compile.
            if (e instanceof GrammarError && /anchor inside/.test(e.message)) {
              skipped++;
              return;
            }
            throw new Error(`pattern ${JSON.stringify(pattern)} failed: ${(e as Error).message}`);
          }
          const re = c.oracle(pattern);
          for (const s of testStrings(tree, seed, c.search)) {
            checked++;
            const expected = re.test(s);
            if (accepts(dfa, s) !== expected) {
              throw new Error(
                `pattern ${JSON.stringify(pattern)} on ${JSON.stringify(s)}: expected ${expected}`,
              );
            }
          }
        }),
        { numRuns: c.runs, seed: 20261122 },
      );
      expect(checked).toBeGreaterThan(c.runs * 5);
      expect(skipped).toBeLessThan(c.runs / 10);
    });
  }
});
