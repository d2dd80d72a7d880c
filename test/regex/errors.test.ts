/**
 * Bad input: ECMAScript syntax validity agrees with the host RegExp, a fuzz corpus of broken patterns
 * never crashes or hangs in any flavour, every rejection names a construct and a position, and large
 * counted repetitions end in the engine's clear limit error.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exprToDfa } from '../../src/engine/automaton.js';
import { GrammarError } from '../../src/engine/errors.js';
import { checkRegex, type RegexFlavor, regexToExpr } from '../../src/regex/index.js';

const FUZZ_CHARS = Array.from('()[]{}|*+?.^$\\-:=!<>,Pa1d0DwWsSbBkpuxcNAZ#iem éz😀');

const fuzzPattern = fc.array(fc.constantFrom(...FUZZ_CHARS), { maxLength: 14 }).map((cs) => cs.join(''));

/** Error texts for constructs we recognise but do not support (valid ECMAScript). */
const UNSUPPORTED = /not supported/;

function expectWellFormedError(e: unknown, pattern: string): GrammarError {
  expect(e).toBeInstanceOf(GrammarError);
  const err = e as GrammarError;
  expect(err.kind).toBe('regex');
  const length = Array.from(pattern).length;
  expect(err.position).toBeGreaterThanOrEqual(0);
  expect(err.position).toBeLessThanOrEqual(length);
  expect(err.message).toMatch(new RegExp(`^Regex parsing error at position ${err.position! + 1}: \\S`));
  expect(err.snippet!.split('\n')[1]).toBe(`${' '.repeat(err.position!)}^`);
  return err;
}

describe('bad input', () => {
  it('ecma: accepts exactly what the host RegExp accepts (except unsupported constructs)', () => {
    let valid = 0;
    let invalid = 0;
    fc.assert(
      fc.property(fuzzPattern, (pattern) => {
        let hostOk = true;
        try {
          new RegExp(pattern, 'u');
        } catch {
          hostOk = false;
        }
        let ours: GrammarError | undefined;
        try {
          regexToExpr(pattern, { flavor: 'ecma' });
        } catch (e) {
          ours = expectWellFormedError(e, pattern);
        }
        if (hostOk) {
          valid++;
          if (ours) expect(ours.message, pattern).toMatch(UNSUPPORTED);
        } else {
          invalid++;
          expect(ours, `${pattern} is invalid ECMAScript`).toBeDefined();
          expect(ours!.message, `${pattern} is a syntax error, not an unsupported construct`).not.toMatch(
            UNSUPPORTED,
          );
        }
      }),
      { numRuns: 4000, seed: 3 },
    );
    expect(valid).toBeGreaterThan(100);
    expect(invalid).toBeGreaterThan(100);
  });

  for (const flavor of ['sglang', 'python'] as RegexFlavor[]) {
    it(`${flavor}: never crashes or hangs; errors name a position`, () => {
      let compiled = 0;
      fc.assert(
        fc.property(fuzzPattern, (pattern) => {
          const started = performance.now();
          const check = checkRegex(pattern, { flavor });
          try {
            const expr = regexToExpr(pattern, { flavor });
            expect(check.ok, pattern).toBe(true);
            exprToDfa(expr, { maxStates: 20_000 });
            compiled++;
          } catch (e) {
            if (e instanceof GrammarError && e.kind === 'limit') return;
            const err = expectWellFormedError(e, pattern);
            expect(check.errors[0]?.message).toBe(err.message);
          }
          expect(performance.now() - started).toBeLessThan(2000);
        }),
        { numRuns: flavor === 'python' ? 700 : 1500, seed: 4 },
      );
      expect(compiled).toBeGreaterThan(50);
    });
  }

  it('names the construct in ecma errors', () => {
    const cases: Array<[string, string]> = [
      ['a(?=b)', "Regex parsing error at position 2: Lookahead assertion '(?=' is not supported."],
      ['(?<!a)b', "Regex parsing error at position 1: Lookbehind assertion '(?<!' is not supported."],
      ['\\bx', "Regex parsing error at position 1: Word boundary '\\b' is not supported."],
      ['(a)\\1', "Regex parsing error at position 4: Backreference '\\1' is not supported."],
      ['(?<n>a)\\k<n>', "Regex parsing error at position 8: Backreference '\\k<name>' is not supported."],
      ['\\p{Foo}', "Regex parsing error at position 1: Invalid property name 'Foo'"],
      ['a{2,1}', 'Regex parsing error at position 2: numbers out of order in {} quantifier'],
      ['[\\d-z]', 'Regex parsing error at position 2: Invalid character class'],
      ['a{', 'Regex parsing error at position 2: Incomplete quantifier'],
      ['\\q', "Regex parsing error at position 1: Invalid escape '\\q'"],
      [
        '(^a)*',
        'Regex parsing error at position 2: An anchor inside an unbounded or large repetition is not supported.',
      ],
      // A syntax error wins over an earlier unsupported construct, as the host RegExp reports it.
      ['\\b(', 'Regex parsing error at position 3: Unterminated group'],
      ['(?=a)[', 'Regex parsing error at position 6: Unterminated character class'],
    ];
    for (const [pattern, message] of cases) {
      expect(checkRegex(pattern, { flavor: 'ecma' }).errors[0]?.message, pattern).toBe(message);
    }
    expect(checkRegex('(?<a>x)(?<a>y)', { flavor: 'ecma' }).errors[0]?.message).toMatch(
      /^Regex parsing error at position 1: Invalid regular expression: /,
    );
  });

  it('reports XGrammar warnings for ignored anchors and unknown escapes', () => {
    const result = checkRegex('a^b$c\\q', { flavor: 'sglang' });
    expect(result.ok).toBe(true);
    expect(result.warnings.map((w) => w.message)).toEqual([
      "Regex parsing warning at position 2: '^' should be at the start of the regex, but found in the middle. It is ignored.",
      "Regex parsing warning at position 4: '$' should be at the end of the regex, but found in the middle. It is ignored.",
      "Regex parsing warning at position 6: Escape sequence '\\q' is not recognized. The character itself will be matched",
    ]);
  });
});

describe('limits', () => {
  it('keeps counted repetitions compact and fails with a clear engine limit error', () => {
    const expr = regexToExpr('(a|b){1000}c{1000}');
    expect(JSON.stringify(expr).length).toBeLessThan(1000); // repeat nodes, not unrolled
    const started = performance.now();
    expect(() => exprToDfa(expr, { maxStates: 1000 })).toThrow(
      expect.objectContaining({ kind: 'limit', message: expect.stringMatching(/exceeds 1000 states/) }),
    );
    expect(() => exprToDfa(regexToExpr('((a|b){1000}){1000}'))).toThrow(
      expect.objectContaining({ kind: 'limit' }),
    );
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('rejects absurd repetition counts in the parser', () => {
    expect(checkRegex('a{999999999999}').errors[0]?.message).toBe(
      'Regex parsing error at position 3: Repetition count 999999999999 is too large (limit 100000000).',
    );
  });
});
