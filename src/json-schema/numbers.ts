/**
 * JSON numbers under `minimum` / `maximum` / `exclusiveMinimum` / `exclusiveMaximum` / `multipleOf` / integer
 * constraints, as exact regular languages over the number's text.
 *
 * Everything is decided on decimal strings and BigInts, never on doubles: a bound `0.1` means the decimal 0.1
 * (the shortest text of the double the schema parser produced, or the schema's own text when given as a string).
 *
 * Which number texts are generated (each language is exactly "valid JSON number text whose value satisfies the
 * constraints", restricted as follows; a restriction only ever rejects valid instances, never accepts invalid ones):
 * - no constraint at all: every JSON number text, exponent forms included;
 * - only bounds equal to 0 (sign constraints such as `minimum: 0`, `exclusiveMinimum: 0`): every text of the
 *   right sign, exponent forms included;
 * - any other bound: plain decimal texts (`-?(0|[1-9][0-9]*)(\.[0-9]+)?`), plus exponent forms whose mantissa is
 *   normalized (one non-zero digit before the point, as Python and JavaScript print them: `1e-05`, `-2.5E+17`)
 *   or zero (`0.0e5`); the exponent may have any sign and leading zeros. `1.5e1` is accepted, `15e0` is not;
 * - `multipleOf`: plain decimal texts only, no exponent;
 * - `integer`: integral texts `-?(0|[1-9][0-9]*)` with an optional all-zero fraction (`1.0`, `-0`); with no bound
 *   other than 0 and no `multipleOf`, also an integral mantissa with a non-negative exponent (`1e3`, `2.00E+1`)
 *   and zero with any exponent. Integral values written with a fractional mantissa (`1.5e1`) are rejected, and so
 *   are exponent forms under other bounds.
 * - `multipleOf: a·10^-s` is a remainder automaton with `a·(s+2)` states, limited to {@link MAX_MULTIPLE_OF_STATES}.
 */

import { GrammarError } from '../engine/errors.js';
import {
  alt,
  type ByteDfa,
  byteSet,
  dfa,
  EMPTY,
  type Expr,
  and as intersect,
  literal,
  NOTHING,
  optional,
  plus,
  repeat,
  seq,
  star,
} from '../engine/ir.js';
import { BoundedCache } from './bounded-cache.js';

/** The numeric constraints of one schema node (numbers may be given as JS numbers or as exact decimal text). */
export interface NumberConstraints {
  /** `type: integer`: the value must be integral. */
  integer: boolean;
  minimum?: number | string;
  maximum?: number | string;
  exclusiveMinimum?: number | string;
  exclusiveMaximum?: number | string;
  multipleOf?: number | string;
}

/** Largest remainder automaton built for `multipleOf`; larger ones are a `limit` error. */
export const MAX_MULTIPLE_OF_STATES = 4096;

/** Largest exponent (in absolute value) accepted in a bound or `multipleOf` written in exponent notation. */
export const MAX_BOUND_EXPONENT = 10_000;

/**
 * An exact decimal: `neg` sign, `int` digits without leading zeros (`"0"` for values below 1), `frac` digits
 * without trailing zeros. Zero is `{neg: false, int: '0', frac: ''}`.
 */
export interface Decimal {
  readonly neg: boolean;
  readonly int: string;
  readonly frac: string;
}

const ZERO: Decimal = { neg: false, int: '0', frac: '' };
const DECIMAL_TEXT = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parses a bound: a JS number (its shortest round-trip text is the decimal meant) or a decimal text such as
 * `"-1.25"`, `"1e400"`. Returns `'+inf'`/`'-inf'` for infinite JS numbers; throws a `GrammarError` otherwise.
 */
export function parseDecimal(value: number | string, what = 'number'): Decimal | '+inf' | '-inf' {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) throw new GrammarError('json-schema', `${what} must be a number, got NaN`);
    if (value === Number.POSITIVE_INFINITY) return '+inf';
    if (value === Number.NEGATIVE_INFINITY) return '-inf';
    return parseDecimal(String(value), what);
  }
  const m = DECIMAL_TEXT.exec(value.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) {
    throw new GrammarError('json-schema', `${what} must be a decimal number, got ${JSON.stringify(value)}`);
  }
  const exponent = m[4] === undefined ? 0 : Number(m[4]);
  if (!(Math.abs(exponent) <= MAX_BOUND_EXPONENT)) {
    throw new GrammarError(
      'limit',
      `${what} ${value}: exponent beyond ±${MAX_BOUND_EXPONENT} is not supported`,
    );
  }
  let digits = m[2]! + (m[3] ?? '');
  let point = m[2]!.length + exponent; // position of the decimal point within `digits`
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  } else if (point > digits.length) {
    digits += '0'.repeat(point - digits.length);
  }
  const int = digits.slice(0, point).replace(/^0+/, '') || '0';
  const frac = digits.slice(point).replace(/0+$/, '');
  const isZero = int === '0' && frac === '';
  return { neg: m[1] === '-' && !isZero, int, frac };
}

/** Exact comparison of two decimals: negative, zero or positive like `a - b`. */
export function compareDecimal(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.frac.length, b.frac.length);
  const diff = toScaled(a, scale) - toScaled(b, scale);
  return diff < 0n ? -1 : diff > 0n ? 1 : 0;
}

function toScaled(d: Decimal, scale: number): bigint {
  const v = BigInt(d.int + d.frac.padEnd(scale, '0'));
  return d.neg ? -v : v;
}

function negate(d: Decimal): Decimal {
  return isZero(d) ? d : { ...d, neg: !d.neg };
}

function isZero(d: Decimal): boolean {
  return d.int === '0' && d.frac === '';
}

/** The largest integer ≤ d (`floor`), or the smallest ≥ d (`ceil`), as a decimal. */
function roundToInteger(d: Decimal, mode: 'floor' | 'ceil'): Decimal {
  if (d.frac === '') return d;
  const awayFromZero = (mode === 'floor') === d.neg;
  const int = awayFromZero ? (BigInt(d.int) + 1n).toString() : d.int;
  return { neg: d.neg && int !== '0', int, frac: '' };
}

function addOne(d: Decimal, delta: 1 | -1): Decimal {
  const v = BigInt(d.int) * (d.neg ? -1n : 1n) + BigInt(delta);
  return { neg: v < 0n, int: (v < 0n ? -v : v).toString(), frac: '' };
}

// ---------------------------------------------------------------------------------------------------------------
// Building blocks (ASCII only).

const DIGIT = byteSet([0x30, 0x39]);
const NONZERO_DIGIT = byteSet([0x31, 0x39]);
const ZERO_CHAR = literal('0');
const MINUS = literal('-');
const DOT = literal('.');
const ANY_DIGITS = star(DIGIT);
/** A canonical non-negative integer: `0|[1-9][0-9]*`. */
const CANONICAL_INT = alt(ZERO_CHAR, seq(NONZERO_DIGIT, ANY_DIGITS));
/** An optional fraction: `(\.[0-9]+)?`. */
const ANY_FRACTION = optional(seq(DOT, plus(DIGIT)));
/** An optional all-zero fraction: `(\.0+)?`. */
const ZERO_FRACTION = optional(seq(DOT, plus(ZERO_CHAR)));
const EXP_MARK = byteSet([0x45, 0x45, 0x65, 0x65]);
/** Any exponent: `[eE][+-]?[0-9]+`. */
const ANY_EXPONENT = seq(EXP_MARK, optional(byteSet([0x2b, 0x2b, 0x2d, 0x2d])), plus(DIGIT));
/** A non-negative exponent: `[eE]\+?[0-9]+`. */
const NONNEG_EXPONENT = seq(EXP_MARK, optional(literal('+')), plus(DIGIT));
/** Digit strings containing a non-zero digit. */
const NONZERO_DIGITS = seq(ANY_DIGITS, NONZERO_DIGIT, ANY_DIGITS);

function digitRange(lo: number, hi: number): Expr {
  return lo > hi ? NOTHING : byteSet([0x30 + lo, 0x30 + hi]);
}

const digitAt = (s: string, i: number): number => s.charCodeAt(i) - 0x30;

/**
 * Bounds with more integer digits than this compare through a direct digit DFA: as regular expressions their
 * exact-length tails (`[0-9]{k}` for every k) would give the engine's subset construction O(n²) states.
 */
const DIGIT_DFA_THRESHOLD = 6;

/** Canonical integers (no leading zeros) strictly greater than the canonical integer `s`. */
function intGreater(s: string): Expr {
  const n = s.length;
  if (n > DIGIT_DFA_THRESHOLD) return dfa(integerComparisonDfa(s, 'gt'));
  const parts: Expr[] = [seq(NONZERO_DIGIT, repeat(DIGIT, n, Number.POSITIVE_INFINITY))];
  for (let j = 0; j < n; j++) {
    parts.push(
      seq(literal(s.slice(0, j)), digitRange(digitAt(s, j) + 1, 9), repeat(DIGIT, n - j - 1, n - j - 1)),
    );
  }
  return alt(...parts);
}

/** Canonical integers strictly less than the canonical integer `s`. */
function intLess(s: string): Expr {
  const n = s.length;
  if (n > DIGIT_DFA_THRESHOLD) return dfa(integerComparisonDfa(s, 'lt'));
  if (n === 1) return digitRange(0, digitAt(s, 0) - 1);
  const parts: Expr[] = [ZERO_CHAR, seq(NONZERO_DIGIT, repeat(DIGIT, 0, n - 2))];
  parts.push(seq(digitRange(1, digitAt(s, 0) - 1), repeat(DIGIT, n - 1, n - 1)));
  for (let j = 1; j < n; j++) {
    parts.push(
      seq(literal(s.slice(0, j)), digitRange(0, digitAt(s, j) - 1), repeat(DIGIT, n - j - 1, n - j - 1)),
    );
  }
  return alt(...parts);
}

/**
 * A DFA over canonical integer texts (`0|[1-9][0-9]*`) accepting those less than (`lt`) or greater than (`gt`)
 * the canonical integer `s` (n digits). States: start, `0`, and per digit count k: tight (equal to s so far),
 * below (fell below s at some digit), above (rose above s); plus "longer than s" for `gt`.
 */
function integerComparisonDfa(s: string, op: 'lt' | 'gt'): ByteDfa {
  const n = s.length;
  // Layout: 0 start, 1 zero, tight(k) = 1 + k, below(k) = 1 + n + k, above(k) = 1 + 2n + k (k = 1..n), longer.
  const tight = (k: number) => 1 + k;
  const below = (k: number) => 1 + n + k;
  const above = (k: number) => 1 + 2 * n + k;
  const longer = 2 + 3 * n;
  const numStates = 3 + 3 * n;
  const transitions = new Int32Array(numStates * 256).fill(-1);
  const accepting = new Uint8Array(numStates);
  const set = (from: number, d: number, to: number) => {
    transitions[from * 256 + 0x30 + d] = to;
  };
  set(0, 0, 1);
  accepting[1] = op === 'lt' && s !== '0' ? 1 : 0;
  for (let k = 0; k < n; k++) {
    const c = digitAt(s, k);
    for (let d = k === 0 ? 1 : 0; d <= 9; d++) {
      const from = k === 0 ? 0 : tight(k);
      set(from, d, d < c ? below(k + 1) : d === c ? tight(k + 1) : above(k + 1));
      if (k > 0) {
        set(below(k), d, below(k + 1));
        set(above(k), d, above(k + 1));
      }
    }
  }
  for (let d = 0; d <= 9; d++) {
    set(tight(n), d, longer);
    set(below(n), d, longer);
    set(above(n), d, longer);
    set(longer, d, longer);
  }
  for (let k = 1; k <= n; k++) {
    // Fewer digits than s: less. Same count: decided by the first differing digit.
    accepting[tight(k)] = op === 'lt' && k < n ? 1 : 0;
    accepting[below(k)] = op === 'lt' ? 1 : 0;
    accepting[above(k)] = op === 'lt' ? (k < n ? 1 : 0) : k === n ? 1 : 0;
  }
  accepting[longer] = op === 'gt' ? 1 : 0;
  if (op === 'lt') {
    // Nothing with more digits than s is less: cut the transitions into `longer`.
    for (let d = 0; d <= 9; d++) {
      transitions[tight(n) * 256 + 0x30 + d] = -1;
      transitions[below(n) * 256 + 0x30 + d] = -1;
      transitions[above(n) * 256 + 0x30 + d] = -1;
    }
  }
  return { numStates, transitions, accepting };
}

/** Digit strings `t` with `0.t ≥ 0.f` (`>` when strict), for a non-empty `f` without trailing zeros. */
function fractionAtLeast(f: string, strict: boolean): Expr {
  // Built from the end: tail(i) = digit strings u with 0.u ≥ 0.f[i..] (or >); never empty since f[i..] > 0.
  let tail: Expr = strict ? NONZERO_DIGITS : ANY_DIGITS;
  for (let i = f.length - 1; i >= 0; i--) {
    tail = alt(seq(digitRange(digitAt(f, i) + 1, 9), ANY_DIGITS), seq(literal(f[i]!), tail));
  }
  return tail;
}

/**
 * Digit strings `t` with `0.t ≤ 0.f` (`<` when strict), for a non-empty `f` without trailing zeros;
 * `allowEmpty` says whether the empty string (value 0, always below `0.f`) belongs to the result.
 */
function fractionAtMost(f: string, strict: boolean, allowEmpty: boolean): Expr {
  let tail: Expr = strict ? NOTHING : star(ZERO_CHAR);
  for (let i = f.length - 1; i >= 0; i--) {
    const below = seq(digitRange(0, digitAt(f, i) - 1), ANY_DIGITS);
    const equal = seq(literal(f[i]!), tail);
    tail = i > 0 || allowEmpty ? alt(EMPTY, below, equal) : alt(below, equal);
  }
  return tail;
}

/** Non-negative decimal texts (no sign, no exponent) whose value is ≥ d (> d when strict); d ≥ 0. */
function magnitudeAtLeast(d: Decimal, strict: boolean): Expr {
  let sameInt: Expr;
  if (d.frac !== '') sameInt = seq(DOT, fractionAtLeast(d.frac, strict));
  else sameInt = strict ? seq(DOT, NONZERO_DIGITS) : ANY_FRACTION;
  return alt(seq(intGreater(d.int), ANY_FRACTION), seq(literal(d.int), sameInt));
}

/** Non-negative decimal texts (no sign, no exponent) whose value is ≤ d (< d when strict); d ≥ 0. */
function magnitudeAtMost(d: Decimal, strict: boolean): Expr {
  let sameInt: Expr;
  if (d.frac !== '') sameInt = optional(seq(DOT, fractionAtMost(d.frac, strict, false)));
  else sameInt = strict ? NOTHING : ZERO_FRACTION;
  return alt(seq(intLess(d.int), ANY_FRACTION), seq(literal(d.int), sameInt));
}

/** Integer magnitudes (canonical, no fraction) in [lo, hi]; hi undefined = unbounded. */
function integerMagnitudeRange(lo: Decimal, hi: Decimal | undefined): Expr {
  const atLeast = isZero(lo) ? CANONICAL_INT : alt(literal(lo.int), intGreater(lo.int));
  if (hi === undefined) return atLeast;
  if (compareDecimal(lo, hi) > 0) return NOTHING;
  const atMost = alt(literal(hi.int), intLess(hi.int));
  return isZero(lo) ? atMost : intersect(atLeast, atMost);
}

// ---------------------------------------------------------------------------------------------------------------
// Bounds.

interface Bound {
  value: Decimal;
  strict: boolean;
}

/** A bound no finite value can meet (e.g. `minimum: Infinity`). */
const UNSATISFIABLE = 'unsatisfiable';

/** The tighter of two lower (or upper) bounds. */
function tighter(a: Bound | undefined, b: Bound | undefined, upper: boolean): Bound | undefined {
  if (!a) return b;
  if (!b) return a;
  const c = compareDecimal(a.value, b.value);
  if (c === 0) return a.strict ? a : b;
  return c < 0 === upper ? a : b;
}

function readBound(
  value: number | string | undefined,
  strict: boolean,
  name: string,
  upper: boolean,
): Bound | undefined | typeof UNSATISFIABLE {
  if (value === undefined) return undefined;
  const d = parseDecimal(value, name);
  // An infinite JS bound (1e400 parsed as a double) constrains no finite value, or excludes them all.
  if (d === '+inf') return upper ? undefined : UNSATISFIABLE;
  if (d === '-inf') return upper ? UNSATISFIABLE : undefined;
  return { value: d, strict };
}

/** Magnitude texts (no sign, no exponent) of values v ≥ 0 with lower ≤ v ≤ upper. */
function magnitudeRange(lower: Bound | undefined, upper: Bound | undefined): Expr {
  if (upper && (upper.value.neg || (isZero(upper.value) && upper.strict))) return NOTHING;
  const lo = lower && (lower.value.neg || (isZero(lower.value) && !lower.strict)) ? undefined : lower;
  if (lo && upper) {
    const c = compareDecimal(lo.value, upper.value);
    if (c > 0 || (c === 0 && (lo.strict || upper.strict))) return NOTHING;
  }
  const parts: Expr[] = [];
  if (lo) parts.push(magnitudeAtLeast(lo.value, lo.strict));
  if (upper) parts.push(magnitudeAtMost(upper.value, upper.strict));
  return parts.length === 0 ? seq(CANONICAL_INT, ANY_FRACTION) : intersect(...parts);
}

// ---------------------------------------------------------------------------------------------------------------
// Scientific notation under bounds: a normalized mantissa `[1-9](\.[0-9]+)?` times 10^e.

/** Normalized mantissas `[1-9](\.[0-9]+)?`. */
const NORMALIZED_MANTISSA = seq(NONZERO_DIGIT, ANY_FRACTION);

/** The decimal exponent of the leading digit of d > 0 (d = x·10^decade with 1 ≤ x < 10). */
function decade(d: Decimal): number {
  if (d.int !== '0') return d.int.length - 1;
  return -(d.frac.search(/[1-9]/) + 1);
}

/** d · 10^k, exactly. */
function shift(d: Decimal, k: number): Decimal {
  const digits = d.int + d.frac;
  let point = d.int.length + k;
  let padded = digits;
  if (point < 0) {
    padded = '0'.repeat(-point) + digits;
    point = 0;
  } else if (point > padded.length) padded += '0'.repeat(point - padded.length);
  const int = padded.slice(0, point).replace(/^0+/, '') || '0';
  const frac = padded.slice(point).replace(/0+$/, '');
  return { neg: d.neg && !(int === '0' && frac === ''), int, frac };
}

const integerDecimal = (n: number): Decimal => ({ neg: n < 0, int: String(Math.abs(n)), frac: '' });

/**
 * Exponent texts `[eE][+-]?[0-9]+` (leading zeros allowed, `-0` is 0) whose value lies in [lo, hi]
 * (undefined = unbounded on that side).
 */
function exponentIn(lo: number | undefined, hi: number | undefined): Expr {
  if (lo !== undefined && hi !== undefined && lo > hi) return NOTHING;
  const zeros = star(ZERO_CHAR);
  const parts: Expr[] = [];
  // e ≥ 0: `+`? then the magnitude.
  if (hi === undefined || hi >= 0) {
    const from = integerDecimal(Math.max(lo ?? 0, 0));
    const magnitude = integerMagnitudeRange(from, hi === undefined ? undefined : integerDecimal(hi));
    parts.push(seq(optional(literal('+')), zeros, magnitude));
  }
  // e ≤ 0 written with `-` (including -0).
  if (lo === undefined || lo <= 0) {
    const from = integerDecimal(Math.max(-(hi ?? 0), 0));
    const magnitude = integerMagnitudeRange(from, lo === undefined ? undefined : integerDecimal(-lo));
    parts.push(seq(MINUS, zeros, magnitude));
  }
  return seq(EXP_MARK, alt(...parts));
}

/** Normalized-mantissa exponent texts (no sign) whose value v > 0 satisfies lower ≤ v ≤ upper (magnitude terms). */
function scientificMagnitude(lower: Bound | undefined, upper: Bound | undefined): Expr {
  if (upper && (upper.value.neg || isZero(upper.value))) return NOTHING;
  const lo = lower && !lower.value.neg && !isZero(lower.value) ? lower : undefined;
  if (lo && upper) {
    const c = compareDecimal(lo.value, upper.value);
    if (c > 0 || (c === 0 && (lo.strict || upper.strict))) return NOTHING;
  }
  const dLo = lo ? decade(lo.value) : undefined;
  const dHi = upper ? decade(upper.value) : undefined;
  const parts: Expr[] = [];
  /** Mantissas m with m·10^e within the bounds, for a decade e that holds a bound. */
  const partialDecade = (e: number) => {
    const mLo = lo && dLo === e ? { value: shift(lo.value, -e), strict: lo.strict } : undefined;
    const mHi = upper && dHi === e ? { value: shift(upper.value, -e), strict: upper.strict } : undefined;
    const mantissas = intersect(NORMALIZED_MANTISSA, magnitudeRange(mLo, mHi));
    parts.push(seq(mantissas, exponentIn(e, e)));
  };
  if (dLo !== undefined) partialDecade(dLo);
  if (dHi !== undefined && dHi !== dLo) partialDecade(dHi);
  // Decades strictly between the bounds' decades hold only valid values: any mantissa.
  const fullLo = dLo === undefined ? undefined : dLo + 1;
  const fullHi = dHi === undefined ? undefined : dHi - 1;
  parts.push(seq(NORMALIZED_MANTISSA, exponentIn(fullLo, fullHi)));
  return alt(...parts);
}

// ---------------------------------------------------------------------------------------------------------------
// multipleOf.

/**
 * A byte DFA over plain decimal texts (`-`, digits, `.`; syntax is left to the other operand of the intersection)
 * accepting exactly those whose value is a multiple of `m`.
 */
function multipleOfDfa(m: Decimal): ByteDfa {
  const s = m.frac.length;
  const aBig = BigInt(m.int + m.frac);
  if (aBig > BigInt(MAX_MULTIPLE_OF_STATES)) {
    throw new GrammarError(
      'limit',
      `multipleOf ${formatDecimal(m)} needs more than ${MAX_MULTIPLE_OF_STATES} states`,
    );
  }
  const a = Number(aBig);
  const fracSteps = Math.max(s, 1);
  const numStates = 2 + 2 * a + a * fracSteps;
  if (numStates > MAX_MULTIPLE_OF_STATES) {
    throw new GrammarError(
      'limit',
      `multipleOf ${formatDecimal(m)} needs more than ${MAX_MULTIPLE_OF_STATES} states`,
    );
  }
  // Layout: 0 start, 1 after '-', INT(r) = 2 + r, DOT(r) = 2 + a + r, FRAC(r, j) = 2 + 2a + (j - 1) * a + r.
  const intState = (r: number) => 2 + r;
  const dotState = (r: number) => 2 + a + r;
  const fracState = (r: number, j: number) => 2 + 2 * a + (j - 1) * a + r;
  const transitions = new Int32Array(numStates * 256).fill(-1);
  const accepting = new Uint8Array(numStates);
  const pow10 = (k: number): number => {
    let p = 1 % a;
    for (let i = 0; i < k; i++) p = (p * 10) % a;
    return p;
  };
  const set = (from: number, byte: number, to: number) => {
    transitions[from * 256 + byte] = to;
  };
  for (let d = 0; d <= 9; d++) {
    set(0, 0x30 + d, intState(d % a));
    set(1, 0x30 + d, intState(d % a));
  }
  set(0, 0x2d, 1);
  const scaleToUnits = pow10(s);
  for (let r = 0; r < a; r++) {
    for (let d = 0; d <= 9; d++) set(intState(r), 0x30 + d, intState((r * 10 + d) % a));
    set(intState(r), 0x2e, dotState(r));
    accepting[intState(r)] = (r * scaleToUnits) % a === 0 ? 1 : 0;
    if (s === 0) set(dotState(r), 0x30, fracState(r, 1));
    else for (let d = 0; d <= 9; d++) set(dotState(r), 0x30 + d, fracState((r * 10 + d) % a, 1));
    for (let j = 1; j <= fracSteps; j++) {
      const state = fracState(r, j);
      if (j < s) for (let d = 0; d <= 9; d++) set(state, 0x30 + d, fracState((r * 10 + d) % a, j + 1));
      else set(state, 0x30, state);
      accepting[state] = (r * pow10(Math.max(s - j, 0))) % a === 0 ? 1 : 0;
    }
  }
  return { numStates, transitions, accepting };
}

function formatDecimal(d: Decimal): string {
  return `${d.neg ? '-' : ''}${d.int}${d.frac ? `.${d.frac}` : ''}`;
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * The exact language of JSON number texts whose value satisfies `c` (see the module comment for which texts
 * are generated). Returns `NOTHING` when no value satisfies the constraints. Throws a `GrammarError` for a
 * malformed bound, a non-positive `multipleOf`, or a `multipleOf` needing too large an automaton.
 */
export function numberExpr(c: NumberConstraints): Expr {
  // Cached per constraint values: the same expression objects then also reuse the engine's per-expression
  // analyses across compiles (most number facets are unbounded or have the same few bounds).
  const key = `${c.integer ? 'i' : 'n'}|${boundKey(c.minimum)}|${boundKey(c.maximum)}|${boundKey(c.exclusiveMinimum)}|${boundKey(c.exclusiveMaximum)}|${boundKey(c.multipleOf)}`;
  return numberCache.get(key, () => buildNumberExpr(c));
}

const numberCache = new BoundedCache<Expr>(4096);

function boundKey(v: number | string | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return `s${v}`;
  return Object.is(v, -0) ? 'n-0' : `n${v}`;
}

function buildNumberExpr(c: NumberConstraints): Expr {
  const lowers = [
    readBound(c.minimum, false, 'minimum', false),
    readBound(c.exclusiveMinimum, true, 'exclusiveMinimum', false),
  ];
  const uppers = [
    readBound(c.maximum, false, 'maximum', true),
    readBound(c.exclusiveMaximum, true, 'exclusiveMaximum', true),
  ];
  let lower: Bound | undefined;
  let upper: Bound | undefined;
  for (const b of lowers) {
    if (b === UNSATISFIABLE) return NOTHING;
    lower = tighter(lower, b, false);
  }
  for (const b of uppers) {
    if (b === UNSATISFIABLE) return NOTHING;
    upper = tighter(upper, b, true);
  }
  let multiple: Decimal | undefined;
  if (c.multipleOf !== undefined) {
    const m = parseDecimal(c.multipleOf, 'multipleOf');
    if (m === '+inf' || m === '-inf' || m.neg || isZero(m)) {
      throw new GrammarError(
        'json-schema',
        `multipleOf must be a positive number, got ${String(c.multipleOf)}`,
      );
    }
    multiple = m;
  }
  if (lower && upper) {
    const cmp = compareDecimal(lower.value, upper.value);
    if (cmp > 0 || (cmp === 0 && (lower.strict || upper.strict))) return NOTHING;
  }

  const signOnly = (!lower || isZero(lower.value)) && (!upper || isZero(upper.value)) && !multiple;
  if (signOnly) return signOnlyNumber(c.integer, lower, upper);

  let body: Expr;
  if (c.integer) {
    // Fold to an inclusive integer interval [lo, hi].
    let lo: Decimal | undefined;
    let hi: Decimal | undefined;
    if (lower) {
      const v = lower.value;
      lo = lower.strict && v.frac === '' ? addOne(v, 1) : roundToInteger(v, 'ceil');
    }
    if (upper) {
      const v = upper.value;
      hi = upper.strict && v.frac === '' ? addOne(v, -1) : roundToInteger(v, 'floor');
    }
    if (lo && hi && compareDecimal(lo, hi) > 0) return NOTHING;
    const positive = integerSide(lo, hi);
    const negative = integerSide(hi && negate(hi), lo && negate(lo));
    body = seq(alt(positive, seq(MINUS, negative)), ZERO_FRACTION);
  } else {
    const positive = magnitudeRange(lower, upper);
    const negative = magnitudeRange(
      upper && { value: negate(upper.value), strict: upper.strict },
      lower && { value: negate(lower.value), strict: lower.strict },
    );
    body = alt(positive, seq(MINUS, negative));
    if (!multiple) body = alt(body, scientificNumber(lower, upper));
  }
  return multiple ? intersect(body, dfa(multipleOfDfa(multiple))) : body;
}

/** Exponent-form texts (normalized or zero mantissa) whose value lies within the bounds. */
function scientificNumber(lower: Bound | undefined, upper: Bound | undefined): Expr {
  const positive = scientificMagnitude(lower, upper);
  const negative = scientificMagnitude(
    upper && { value: negate(upper.value), strict: upper.strict },
    lower && { value: negate(lower.value), strict: lower.strict },
  );
  const zeroAllowed =
    (!lower || lower.value.neg || (isZero(lower.value) && !lower.strict)) &&
    (!upper || !(upper.value.neg || (isZero(upper.value) && upper.strict)));
  const zero = zeroAllowed ? seq(optional(MINUS), ZERO_CHAR, ZERO_FRACTION, ANY_EXPONENT) : NOTHING;
  return alt(positive, seq(MINUS, negative), zero);
}

/** Canonical integer magnitudes v with lo ≤ v ≤ hi (either may be absent or negative). */
function integerSide(lo: Decimal | undefined, hi: Decimal | undefined): Expr {
  if (hi?.neg) return NOTHING;
  const from = !lo || lo.neg ? ZERO : lo;
  return integerMagnitudeRange(from, hi);
}

/** Numbers whose only constraints are bounds at zero: every text of the allowed signs, exponents included. */
function signOnlyNumber(integer: boolean, lower: Bound | undefined, upper: Bound | undefined): Expr {
  const zero = seq(ZERO_CHAR, ZERO_FRACTION, optional(ANY_EXPONENT));
  const nonZeroMantissa = integer
    ? seq(NONZERO_DIGIT, ANY_DIGITS, ZERO_FRACTION, optional(NONNEG_EXPONENT))
    : seq(
        alt(
          seq(NONZERO_DIGIT, ANY_DIGITS, ANY_FRACTION),
          seq(ZERO_CHAR, DOT, star(ZERO_CHAR), NONZERO_DIGIT, ANY_DIGITS),
        ),
        optional(ANY_EXPONENT),
      );
  const parts: Expr[] = [];
  if (!lower?.strict && !upper?.strict) parts.push(seq(optional(MINUS), zero));
  if (!upper) parts.push(nonZeroMantissa);
  if (!lower) parts.push(seq(MINUS, nonZeroMantissa));
  return alt(...parts);
}
