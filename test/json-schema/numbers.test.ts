import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dfaAccepts, exprToDfa } from '../../src/engine/automaton.js';
import { GrammarError } from '../../src/engine/errors.js';
import type { ByteDfa } from '../../src/engine/ir.js';
import { type NumberConstraints, numberExpr, parseDecimal } from '../../src/json-schema/numbers.js';
import { referenceAccepts } from '../helpers/ir-reference.js';

const enc = (s: string) => new TextEncoder().encode(s);

// ---------------------------------------------------------------------------------------------------------------
// Oracle: exact rational arithmetic on the number text (value = mant · 10^exp).

const JSON_NUMBER = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/;

interface Rational {
  mant: bigint;
  exp: number;
}

function textValue(text: string): Rational | undefined {
  const m = JSON_NUMBER.exec(text);
  if (!m) return undefined;
  const frac = m[3] ?? '';
  const mant = BigInt(m[2]! + frac) * (m[1] === '-' ? -1n : 1n);
  return { mant, exp: Number(m[4] ?? '0') - frac.length };
}

function decimalValue(x: number | string): Rational {
  const d = parseDecimal(x);
  if (typeof d === 'string') throw new Error('infinite bound in oracle');
  const mant = BigInt(d.int + d.frac) * (d.neg ? -1n : 1n);
  return { mant, exp: -d.frac.length };
}

function cmp(a: Rational, b: Rational): number {
  const e = Math.min(a.exp, b.exp);
  const x = a.mant * 10n ** BigInt(a.exp - e);
  const y = b.mant * 10n ** BigInt(b.exp - e);
  return x < y ? -1 : x > y ? 1 : 0;
}

function isIntegral(v: Rational): boolean {
  return v.exp >= 0 || v.mant % 10n ** BigInt(-v.exp) === 0n;
}

function isMultiple(v: Rational, m: Rational): boolean {
  // v / m = (v.mant / m.mant) · 10^(v.exp - m.exp)
  const e = v.exp - m.exp;
  if (e >= 0) return (v.mant * 10n ** BigInt(e)) % m.mant === 0n;
  return v.mant % (m.mant * 10n ** BigInt(-e)) === 0n;
}

/** True iff `text` is a JSON number whose value satisfies `c` (exact JSON Schema semantics). */
function oracle(text: string, c: NumberConstraints): boolean {
  const v = textValue(text);
  if (!v) return false;
  if (c.integer && !isIntegral(v)) return false;
  if (c.minimum !== undefined && cmp(v, decimalValue(c.minimum)) < 0) return false;
  if (c.maximum !== undefined && cmp(v, decimalValue(c.maximum)) > 0) return false;
  if (c.exclusiveMinimum !== undefined && cmp(v, decimalValue(c.exclusiveMinimum)) <= 0) return false;
  if (c.exclusiveMaximum !== undefined && cmp(v, decimalValue(c.exclusiveMaximum)) >= 0) return false;
  if (c.multipleOf !== undefined && !isMultiple(v, decimalValue(c.multipleOf))) return false;
  return true;
}

/** The documented restriction on generated texts: which valid texts the grammar is meant to produce. */
function supportedForm(text: string, c: NumberConstraints): boolean {
  const m = JSON_NUMBER.exec(text)!;
  if (m[4] === undefined) return true;
  const bounds = [c.minimum, c.maximum, c.exclusiveMinimum, c.exclusiveMaximum].filter(
    (b) => b !== undefined,
  );
  const signOnly =
    c.multipleOf === undefined && bounds.every((b) => cmp(decimalValue(b), { mant: 0n, exp: 0 }) === 0);
  const mantissaZero = /^0*$/.test(m[2]! + (m[3] ?? ''));
  if (!signOnly) return !c.integer && c.multipleOf === undefined && (mantissaZero || /^[1-9]$/.test(m[2]!));
  if (!c.integer) return true;
  const mantissaIntegral = /^0*$/.test(m[3] ?? '');
  return mantissaZero || (mantissaIntegral && !m[4].startsWith('-'));
}

function expected(text: string, c: NumberConstraints): boolean {
  return oracle(text, c) && supportedForm(text, c);
}

const dfaCache = new Map<string, ByteDfa>();
function compile(c: NumberConstraints): ByteDfa {
  const key = JSON.stringify(c);
  let d = dfaCache.get(key);
  if (!d) {
    d = exprToDfa(numberExpr(c));
    dfaCache.set(key, d);
  }
  return d;
}

const accepts = (c: NumberConstraints, text: string) => dfaAccepts(compile(c), enc(text));

// ---------------------------------------------------------------------------------------------------------------
// Generators.

const boundPool = [
  '0',
  '1',
  '-1',
  '0.5',
  '-0.5',
  '-1.25',
  '10',
  '100',
  '1e3',
  '0.001',
  '2.5',
  '99.99',
  '-7',
  '1e-2',
];
/** Bounds with many integer digits (compared through digit DFAs rather than regular expressions). */
const longBoundPool = [
  '12345678901234567890',
  '-98765432109876543210.5',
  '1e25',
  '3000000',
  '-1000000.001',
  '9999999',
];
const decimalText = fc.oneof(
  fc.constantFrom(...boundPool),
  fc.constantFrom(...longBoundPool),
  fc
    .tuple(fc.integer({ min: -2000, max: 2000 }), fc.integer({ min: 0, max: 3 }))
    .map(([n, k]) => (k === 0 ? String(n) : (n / 10 ** k).toFixed(k))),
);
/** A bound given as text or as a JS number (the schema parser's double). */
const bound = fc.oneof(
  decimalText,
  decimalText.map((t) => Number(t)),
);
const multipleOf = fc.constantFrom(
  '1',
  '2',
  '3',
  '7',
  '10',
  '0.5',
  '0.25',
  '0.1',
  '0.01',
  '1.5',
  '0.2',
  0.1,
  0.3,
  12,
);

/** Constraints with (mostly) ordered bounds, so that the language is usually non-empty. */
const constraints: fc.Arbitrary<NumberConstraints> = fc
  .record({
    integer: fc.boolean(),
    low: fc.option(fc.tuple(bound, fc.boolean()), { freq: 3 }),
    high: fc.option(fc.tuple(bound, fc.boolean()), { freq: 3 }),
    multipleOf: fc.option(multipleOf, { freq: 2 }),
  })
  .map(({ integer, low, high, multipleOf }) => {
    const c: NumberConstraints = { integer };
    if (low && high && Number(low[0]) > Number(high[0])) [low, high] = [high, low];
    if (low) c[low[1] ? 'exclusiveMinimum' : 'minimum'] = low[0];
    if (high) c[high[1] ? 'exclusiveMaximum' : 'maximum'] = high[0];
    if (multipleOf !== null) c.multipleOf = multipleOf;
    return c;
  });

const digits = (min: number, max: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((a) => a.join(''));

/** Random number-ish texts: mostly valid JSON numbers, some near-misses. */
const numberText = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.boolean(),
        fc.oneof(
          fc.constant('0'),
          fc.tuple(fc.integer({ min: 1, max: 9 }), digits(0, 4)).map(([a, b]) => `${a}${b}`),
        ),
        fc.option(digits(1, 4)),
        fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(1, 2))),
      )
      .map(
        ([neg, int, frac, exp]) =>
          `${neg ? '-' : ''}${int}${frac !== null ? `.${frac}` : ''}${exp ? exp.join('') : ''}`,
      ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '01',
      '-01',
      '1.',
      '.5',
      '+1',
      '-',
      '',
      '1e',
      '1e+',
      '--1',
      '1.0.0',
      '00',
      '0x1',
      '1 ',
      'NaN',
    ),
  },
);

/** Normalized exponent forms of a plain decimal text (`-12.5` → `-1.25e1`, `-1.25E+01`), or none for zero. */
function scientific(text: string): string[] {
  const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(text);
  if (!m) return [];
  const digits = m[2]! + (m[3] ?? '');
  const first = digits.search(/[1-9]/);
  if (first < 0) return [`${m[1]}0e0`, `${m[1]}0.0E-3`];
  const e = m[2]!.length - first - 1;
  const rest = digits.slice(first + 1).replace(/0+$/, '');
  const mant = `${m[1]}${digits[first]}${rest ? `.${rest}` : ''}`;
  return [`${mant}e${e}`, `${mant}E${e < 0 ? '-' : '+'}0${Math.abs(e)}`, `${mant}0e${e}`];
}

/** Texts near the constraint's bounds (the bound itself, with trailing zeros, one ulp above/below). */
function nearBounds(c: NumberConstraints): string[] {
  const out: string[] = [];
  for (const b of [c.minimum, c.maximum, c.exclusiveMinimum, c.exclusiveMaximum, c.multipleOf]) {
    if (b === undefined) continue;
    const d = parseDecimal(b);
    if (typeof d === 'string') continue;
    const t = `${d.neg ? '-' : ''}${d.int}${d.frac ? `.${d.frac}` : ''}`;
    out.push(t, `${t}${d.frac ? '0' : '.0'}`, `${t}${d.frac ? '' : '.'}01`, `${t}${d.frac ? '' : '.'}000`);
    const scale = d.frac.length + 1;
    const base = BigInt(d.int + d.frac.padEnd(scale, '0')) * (d.neg ? -1n : 1n);
    for (const delta of [-1n, 1n, -10n, 10n]) {
      const v = base + delta;
      const abs = (v < 0n ? -v : v).toString().padStart(scale + 1, '0');
      out.push(`${v < 0n ? '-' : ''}${abs.slice(0, -scale)}.${abs.slice(-scale)}`);
    }
    for (const text of out.slice(-8)) out.push(...scientific(text));
  }
  return out;
}

/** Texts inside the bounds: positions in [0, 1] picked by `picks`, and multiples of `multipleOf` near them. */
function insideBounds(c: NumberConstraints, picks: number[]): string[] {
  const lowB = c.minimum ?? c.exclusiveMinimum;
  const highB = c.maximum ?? c.exclusiveMaximum;
  const lo = lowB === undefined ? (highB === undefined ? -1000 : Number(highB) - 1000) : Number(lowB);
  const hi = highB === undefined ? lo + 1000 : Number(highB);
  const m = c.multipleOf === undefined ? undefined : parseDecimal(c.multipleOf);
  const out: string[] = [];
  for (const p of picks) {
    const v = lo + ((hi - lo) * p) / 1000;
    out.push(c.integer ? String(Math.round(v)) : v.toFixed(p % 4));
    if (m && typeof m !== 'string') {
      const step = Number(`${m.int}.${m.frac || '0'}`);
      const k = Math.round(v / step);
      // Exact text of k·m: digits of k·mantissa with the point moved by m.frac.length.
      const scaled = BigInt(k) * BigInt(m.int + m.frac);
      const abs = (scaled < 0n ? -scaled : scaled).toString().padStart(m.frac.length + 1, '0');
      const cut = abs.length - m.frac.length;
      out.push(`${scaled < 0n ? '-' : ''}${abs.slice(0, cut)}${m.frac ? `.${abs.slice(cut)}` : ''}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------

describe('numberExpr', () => {
  it('accepts every JSON number, exponents included, without constraints', () => {
    const c = { integer: false };
    for (const t of [
      '0',
      '-0',
      '1',
      '-1.5',
      '0.000',
      '1e400',
      '1E-7',
      '-0.0e+00',
      '12345678901234567890.5e-3',
    ]) {
      expect(accepts(c, t), t).toBe(true);
    }
    for (const t of ['01', '-', '1.', '.5', '+1', '1e', '1e+', '--1', '00', '-01.5', 'Infinity']) {
      expect(accepts(c, t), t).toBe(false);
    }
  });

  it('treats integral texts as integers (1.0, -0, 1e2) and rejects fractions', () => {
    const c = { integer: true };
    for (const t of [
      '0',
      '-0',
      '1.0',
      '-12.000',
      '1e2',
      '2.00E+1',
      '0e-5',
      '0.0E-9',
      '123456789012345678901234567890',
    ]) {
      expect(accepts(c, t), t).toBe(true);
    }
    for (const t of ['1.5', '0.1', '1e-1', '-0.5', '01', '1.']) expect(accepts(c, t), t).toBe(false);
  });

  it('is exact on decimal bounds, exclusive bounds and -0', () => {
    const c = { integer: false, minimum: '-1.25', exclusiveMaximum: 0.5 };
    for (const t of ['-1.25', '-1.250', '-1.2', '-0', '-0.0', '0', '0.4999999999999999999', '-1']) {
      expect(accepts(c, t), t).toBe(true);
    }
    for (const t of ['1e-1', '4.9E-01', '-1.25e0', '-1.25e+000', '-0e9', '1e-400', '-9.99e-1'])
      expect(accepts(c, t), t).toBe(true);
    for (const t of [
      '-1.2500001',
      '-1.26',
      '0.5',
      '0.50',
      '1',
      '-2',
      '0.5e0',
      '5e-1',
      '-1.26e0',
      '12e-2',
      '1e0',
    ]) {
      expect(accepts(c, t), t).toBe(false);
    }
    const positive = { integer: false, exclusiveMinimum: 0 };
    expect(['1e-400', '0.1', '5E+3'].map((t) => accepts(positive, t))).toEqual([true, true, true]);
    expect(['0', '-0', '0e5', '-1e-9', '0.000'].map((t) => accepts(positive, t))).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    const nonNegative = { integer: true, minimum: 0 };
    expect(['0', '-0', '-0.0', '7', '1e30'].map((t) => accepts(nonNegative, t))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['-1', '-1e2', '0.5'].map((t) => accepts(nonNegative, t))).toEqual([false, false, false]);
  });

  it('takes the tighter of inclusive and exclusive bounds', () => {
    const c = { integer: false, minimum: 1, exclusiveMinimum: '1', maximum: '3', exclusiveMaximum: 3.5 };
    expect(['1', '1.0', '1.01', '3', '3.1'].map((t) => accepts(c, t))).toEqual([
      false,
      false,
      true,
      true,
      false,
    ]);
    const d = { integer: true, minimum: 2, exclusiveMinimum: 1, exclusiveMaximum: 5, maximum: 5 };
    expect(['1', '2', '4', '5'].map((t) => accepts(d, t))).toEqual([false, true, true, false]);
  });

  it('folds integer bounds (exclusive, fractional) to integers', () => {
    const c = { integer: true, exclusiveMinimum: 1, maximum: '3.9' };
    expect(['1', '2', '2.0', '3', '3.00', '4', '3.5'].map((t) => accepts(c, t))).toEqual([
      false,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
    const neg = { integer: true, minimum: -2.5, exclusiveMaximum: '-0.5' };
    expect(['-3', '-2', '-1', '-0', '0', '-1.0'].map((t) => accepts(neg, t))).toEqual([
      false,
      true,
      true,
      false,
      false,
      true,
    ]);
  });

  it('keeps automata for long bounds linear in the number of digits', () => {
    const c = { integer: false, minimum: '-1.7976931348623157e308', maximum: '1.7976931348623157e308' };
    const d = compile(c);
    expect(d.numStates).toBeLessThan(5000);
    expect(accepts(c, `17976931348623157${'0'.repeat(292)}`)).toBe(true);
    expect(accepts(c, `17976931348623157${'0'.repeat(291)}1`)).toBe(false);
    expect(accepts(c, '-1.7976931348623157e308')).toBe(true);
    expect(accepts(c, '1.7976931348623158E+308')).toBe(false);
    expect(accepts(c, '9.9e307')).toBe(true);
  });

  it('handles huge bounds exactly', () => {
    const c = { integer: true, maximum: '1e400', minimum: '-1e400' };
    expect(accepts(c, `1${'0'.repeat(400)}`)).toBe(true);
    expect(accepts(c, `1${'0'.repeat(399)}1`)).toBe(false);
    expect(accepts(c, `-1${'0'.repeat(400)}.000`)).toBe(true);
    expect(accepts(c, `2${'0'.repeat(400)}`)).toBe(false);
    // A bound that became Infinity as a double constrains no finite number.
    expect(accepts({ integer: false, maximum: Number.POSITIVE_INFINITY }, '1e999')).toBe(true);
    expect(numberExpr({ integer: false, minimum: Number.POSITIVE_INFINITY }).kind).toBe('nothing');
    expect(accepts({ integer: false, minimum: '1e-30', maximum: '1.5e-30' }, `0.${'0'.repeat(29)}12`)).toBe(
      true,
    );
    expect(accepts({ integer: false, minimum: '1e-30', maximum: '1.5e-30' }, `0.${'0'.repeat(29)}16`)).toBe(
      false,
    );
  });

  it('handles multipleOf on integers and decimals, without float error', () => {
    const c = { integer: false, multipleOf: 0.1 };
    expect(['0.3', '-0.3', '0.30', '3', '0', '0.7000'].every((t) => accepts(c, t))).toBe(true);
    expect(['0.31', '0.05', '1e1'].some((t) => accepts(c, t))).toBe(false);
    const seven = { integer: true, multipleOf: 7, minimum: -20, maximum: 50 };
    const got = [];
    for (let v = -30; v <= 60; v++) if (accepts(seven, String(v))) got.push(v);
    expect(got).toEqual([-14, -7, 0, 7, 14, 21, 28, 35, 42, 49]);
    expect(accepts(seven, '14.0')).toBe(true);
    expect(accepts({ integer: false, multipleOf: '0.25' }, '1.75')).toBe(true);
    expect(accepts({ integer: false, multipleOf: '0.25' }, '1.7')).toBe(false);
  });

  it('returns the empty language for contradictory bounds', () => {
    expect(numberExpr({ integer: false, minimum: 2, maximum: 1 }).kind).toBe('nothing');
    expect(numberExpr({ integer: false, minimum: 1, exclusiveMaximum: 1 }).kind).toBe('nothing');
    expect(numberExpr({ integer: true, minimum: 1.2, maximum: 1.8 }).kind).toBe('nothing');
  });

  it('reports bad constraints and limits as GrammarError', () => {
    expect(() => numberExpr({ integer: false, multipleOf: 0 })).toThrow(GrammarError);
    expect(() => numberExpr({ integer: false, multipleOf: -2 })).toThrow(/positive/);
    expect(() => numberExpr({ integer: false, minimum: Number.NaN })).toThrow(GrammarError);
    expect(() => numberExpr({ integer: false, minimum: 'abc' })).toThrow(/decimal/);
    expect(() => numberExpr({ integer: false, multipleOf: 123457 })).toThrow(/states/);
  });

  it('agrees with the test-only reference recognizer', () => {
    const c = { integer: false, minimum: '-1.5', maximum: 12, multipleOf: '0.5' };
    const grammar = { rules: [{ name: 'n', body: numberExpr(c) }], root: 0 };
    for (const t of ['-1.5', '-2', '0', '11.5', '12.0', '12.5', '0.25', '-0.50']) {
      expect(referenceAccepts(grammar, t), t).toBe(expected(t, c));
    }
  });

  it('accepts exactly the valid texts (property, exact oracle)', () => {
    const outcomes = [0, 0];
    fc.assert(
      fc.property(
        constraints,
        fc.array(numberText, { minLength: 10, maxLength: 30 }),
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 5, maxLength: 10 }),
        (c, texts, picks) => {
          for (const t of [...texts, ...nearBounds(c), ...insideBounds(c, picks)]) {
            const got = accepts(c, t);
            outcomes[got ? 1 : 0]!++;
            if (got !== expected(t, c)) {
              throw new Error(
                `${JSON.stringify(c)} ${JSON.stringify(t)}: grammar ${got}, oracle ${expected(t, c)}`,
              );
            }
          }
        },
      ),
      { numRuns: 300 },
    );
    // Guard against a vacuous property: a fair share of the sampled texts must be accepted.
    expect(outcomes[1]! / (outcomes[0]! + outcomes[1]!)).toBeGreaterThan(0.15);
  });
});
