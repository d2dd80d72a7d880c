/**
 * String `format`s as grammar expressions for the JSON-escaped content between a string's quotes.
 *
 * A string the grammar accepts is valid under BOTH ajv-formats 3 in "full" mode (the validator users check
 * outputs with) AND the format's RFC as the JSON Schema Test Suite reads it; where the two differ the grammar
 * takes the stricter reading (a wrong reject is acceptable, a wrong accept is not). Stricter than ajv:
 * - `date-time`, `time` (RFC 3339): separator `T`/`t` only (ajv: also any whitespace); offsets `Z`, `z` or
 *   `±hh:mm` only (ajv: also `±hh` and `±hhmm`). `iso-time`/`iso-date-time` (ajv-only names) keep ajv's forms.
 * - `duration` (RFC 3339 appendix A): units may not skip a level (`P1Y2D`, `PT1H2S` are invalid).
 * - `hostname` (RFC 1123): no final dot; no label with `--` in its 3rd-4th characters (A-labels `xn--…`
 *   would need punycode and IDNA checks).
 * - `uuid`: no `urn:uuid:` prefix.
 * - `uri`, `uri-reference` (RFC 3986): `//` before an authority (ajv's regex takes a single `/`), RFC
 *   dec-octets in IPv4-in-IPv6 literals, no IPvFuture literals, no `"`, and no colon in the first segment
 *   of a scheme-less relative path.
 * - `uri-template` (RFC 6570): literals are RFC 6570 literal characters (ajv also takes DEL and any non-ASCII).
 * `email` is ajv's dot-atom regex, itself within RFC 5321 except for its length limits (64-octet local part,
 * 63-character labels), which the grammar does not add: counted labels multiply with `maxLength` into automata
 * over the size limit on real schemas.
 * Documented subsets of both, for a small automaton:
 * - Leap seconds: ajv accepts `:60` when the time converted to UTC is 23:59 (and, through its arithmetic,
 *   some out-of-range local times such as `25:59:30+02:00`). Only the UTC leap second `23:59:60` (with a zero
 *   offset, or none where the offset is optional) is generated.
 * - `hostname`: a first label of up to 63 characters followed by at most 7 labels of up to 26 characters (at
 *   most 252 characters; the limit is 253).
 * - `byte`: ajv tests its base64 regex in multiline mode; the grammar generates single-line base64 only.
 * - Seconds: ajv parses them as a double, so `59.999999999999999` (17 nines) counts as 60 and fails; after `59`
 *   (and the leap second's `60`) the grammar allows at most 13 leading nines in the fraction.
 * Dates are exact, leap years included. Inside the JSON text, characters appear raw; `"`, `\`, control
 * characters and `/` may also be written as JSON escapes.
 */
import {
  alt,
  chars,
  type Expr,
  intersectRanges,
  literal,
  normalizeRanges,
  optional,
  plus,
  repeat,
  seq,
  star,
} from '../engine/ir.js';
import type { RegexNode } from '../regex/ast.js';
import { caseFold } from '../regex/charsets.js';
import { jsonStringCharExpr } from '../regex/json-string.js';
import { parseRegex } from '../regex/parser.js';

/** Code points written raw inside a JSON string (everything but `"`, `\` and U+0000..U+001F). */
const RAW_ALLOWED: readonly number[] = [0x20, 0x21, 0x23, 0x5b, 0x5d, 0x10ffff];
/** Code points that need an escape inside a JSON string. */
const MUST_ESCAPE: readonly number[] = [0x00, 0x1f, 0x22, 0x22, 0x5c, 0x5c];

/**
 * One code point of `ranges` inside a JSON string: raw where JSON allows it; as an escape where JSON
 * requires one (any valid escape form); `/` also as `\/`. Printable characters are not `\u`-escaped.
 */
export function formatCharExpr(ranges: readonly number[]): Expr {
  const set = normalizeRanges(ranges);
  const options: Expr[] = [chars(intersectRanges(set, RAW_ALLOWED))];
  const escaped = intersectRanges(set, MUST_ESCAPE);
  if (escaped.length > 0) options.push(jsonStringCharExpr(escaped));
  if (intersectRanges(set, [0x2f, 0x2f]).length > 0) options.push(literal('\\/'));
  return alt(...options);
}

const DIGIT = formatCharExpr([0x30, 0x39]);
const digitIn = (lo: number, hi: number): Expr => formatCharExpr([0x30 + lo, 0x30 + hi]);
const digits = (n: number): Expr => repeat(DIGIT, n, n);
/** A literal of ASCII characters, each letter in either case. */
const anyCase = (text: string): Expr =>
  seq(...[...text].map((ch) => formatCharExpr(caseFold([ch.charCodeAt(0), ch.charCodeAt(0)], true))));

// ---------------------------------------------------------------------------------------------------------------
// Regex-defined formats: ajv-formats' own regexes (copied verbatim, without the `^`/`$` anchors), parsed by
// the regex front end and lowered with ASCII case folding for the `i` flag.

interface RegexFormat {
  source: string;
  ignoreCase: boolean;
}

const REGEX_FORMATS: Readonly<Record<string, RegexFormat>> = {
  email: {
    source:
      "[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?",
    ignoreCase: true,
  },
  ipv4: {
    source: '(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)',
    ignoreCase: false,
  },
  ipv6: {
    source:
      '((([0-9a-f]{1,4}:){7}([0-9a-f]{1,4}|:))|(([0-9a-f]{1,4}:){6}(:[0-9a-f]{1,4}|((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3})|:))|(([0-9a-f]{1,4}:){5}(((:[0-9a-f]{1,4}){1,2})|:((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3})|:))|(([0-9a-f]{1,4}:){4}(((:[0-9a-f]{1,4}){1,3})|((:[0-9a-f]{1,4})?:((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}))|:))|(([0-9a-f]{1,4}:){3}(((:[0-9a-f]{1,4}){1,4})|((:[0-9a-f]{1,4}){0,2}:((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}))|:))|(([0-9a-f]{1,4}:){2}(((:[0-9a-f]{1,4}){1,5})|((:[0-9a-f]{1,4}){0,3}:((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}))|:))|(([0-9a-f]{1,4}:){1}(((:[0-9a-f]{1,4}){1,6})|((:[0-9a-f]{1,4}){0,4}:((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}))|:))|(:(((:[0-9a-f]{1,4}){1,7})|((:[0-9a-f]{1,4}){0,5}:((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}))|:)))',
    ignoreCase: true,
  },
  uuid: {
    source: '[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}',
    ignoreCase: true,
  },
  'json-pointer': { source: '(?:\\/(?:[^~/]|~0|~1)*)*', ignoreCase: false },
  'json-pointer-uri-fragment': {
    source: "#(?:\\/(?:[a-z0-9_\\-.!$&'()*+,;:=@]|%[0-9a-f]{2}|~0|~1)*)*",
    ignoreCase: true,
  },
  'relative-json-pointer': { source: '(?:0|[1-9][0-9]*)(?:#|(?:\\/(?:[^~/]|~0|~1)*)*)', ignoreCase: false },
  byte: { source: '(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?', ignoreCase: false },
};

/** Lowers an anchor-free regex tree, mapping each code point set through `mapSet`. */
function lowerRegex(node: RegexNode, mapSet: (ranges: readonly number[]) => Expr): Expr {
  switch (node.type) {
    case 'set':
      return mapSet(node.ranges);
    case 'seq':
      return seq(...node.items.map((n) => lowerRegex(n, mapSet)));
    case 'alt':
      return alt(...node.items.map((n) => lowerRegex(n, mapSet)));
    case 'repeat':
      return repeat(lowerRegex(node.item, mapSet), node.min, node.max);
    case 'anchor':
      throw new Error('internal: anchors are stripped from format regexes');
  }
}

function regexFormat({ source, ignoreCase }: RegexFormat): Expr {
  const { node } = parseRegex(source, 'ecma');
  return lowerRegex(node, (ranges) => formatCharExpr(ignoreCase ? caseFold(ranges, true) : ranges));
}

// ---------------------------------------------------------------------------------------------------------------
// URIs (RFC 3986) and URI templates (RFC 6570). ajv-formats' regexes are more lenient than the RFCs: their
// `\/?\/` lets a single `/` start an authority (so `http:/[::1]` and `http://h:abc/p` pass, the latter as an
// empty host and a path), `uri-reference` admits `"` and a colon in a relative path's first segment, and
// IPv4-in-IPv6 octets may have leading zeros. The expressions below are subsets of both: built from ajv's
// pieces, with `//` required before an authority, RFC dec-octets, no IPvFuture, no `"`, and a scheme-less
// reference's first segment without a colon (path-noscheme).

const PCT = '%[0-9a-f]{2}';
const UNRESERVED_SUB_DELIMS = "a-z0-9\\-._~!$&'()*+,;=";
const DEC_OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const H16 = '[0-9a-f]{1,4}';
const LS32 = `(?:${H16}:${H16}|(?:${DEC_OCTET}\\.){3}${DEC_OCTET})`;
/** RFC 3986 IPv6address (ajv's alternatives, with RFC dec-octets). */
const IPV6_ADDRESS = [
  `(?:${H16}:){6}${LS32}`,
  `::(?:${H16}:){5}${LS32}`,
  `(?:${H16})?::(?:${H16}:){4}${LS32}`,
  `(?:(?:${H16}:){0,1}${H16})?::(?:${H16}:){3}${LS32}`,
  `(?:(?:${H16}:){0,2}${H16})?::(?:${H16}:){2}${LS32}`,
  `(?:(?:${H16}:){0,3}${H16})?::${H16}:${LS32}`,
  `(?:(?:${H16}:){0,4}${H16})?::${LS32}`,
  `(?:(?:${H16}:){0,5}${H16})?::${H16}`,
  `(?:(?:${H16}:){0,6}${H16})?::`,
]
  .map((a) => `(?:${a})`)
  .join('|');
const AUTHORITY = `(?:(?:[${UNRESERVED_SUB_DELIMS}:]|${PCT})*@)?(?:\\[(?:${IPV6_ADDRESS})\\]|(?:[${UNRESERVED_SUB_DELIMS}]|${PCT})*)(?::\\d*)?`;
const PCHAR = `(?:[${UNRESERVED_SUB_DELIMS}:@]|${PCT})`;
const PATH_ABEMPTY = `(?:\\/${PCHAR}*)*`;
const PATH_ABSOLUTE = `\\/(?:${PCHAR}+${PATH_ABEMPTY})?`;
const PATH_ROOTLESS = `${PCHAR}+${PATH_ABEMPTY}`;
const PATH_NOSCHEME = `(?:[${UNRESERVED_SUB_DELIMS}@]|${PCT})+${PATH_ABEMPTY}`;
const QUERY_FRAGMENT = `(?:\\?(?:[${UNRESERVED_SUB_DELIMS}:@/?]|${PCT})*)?(?:#(?:[${UNRESERVED_SUB_DELIMS}:@/?]|${PCT})*)?`;
const SCHEME = '[a-z][a-z0-9+\\-.]*:';
/** ajv's `uri` requires a non-empty hier-part (no path-empty), which the grammar keeps. */
const URI_SOURCE = `${SCHEME}(?:\\/\\/${AUTHORITY}${PATH_ABEMPTY}|${PATH_ABSOLUTE}|${PATH_ROOTLESS})${QUERY_FRAGMENT}`;
const URI_REFERENCE_SOURCE = `(?:${SCHEME}(?:\\/\\/${AUTHORITY}${PATH_ABEMPTY}|${PATH_ABSOLUTE}|${PATH_ROOTLESS})?|(?:\\/\\/${AUTHORITY}${PATH_ABEMPTY}|${PATH_ABSOLUTE}|${PATH_NOSCHEME})?)${QUERY_FRAGMENT}`;

/**
 * RFC 6570 literal characters: ASCII `!#$&()*+,-./0-9:;=?@A-Z[]_a-z~`, ucschar and iprivate (ajv also admits
 * DEL and every other non-ASCII code point). `%` only starts a percent-encoding.
 */
const URI_TEMPLATE_LITERAL: readonly number[] = [
  0x21, 0x21, 0x23, 0x24, 0x26, 0x26, 0x28, 0x3b, 0x3d, 0x3d, 0x3f, 0x5b, 0x5d, 0x5d, 0x5f, 0x5f, 0x61, 0x7a,
  0x7e, 0x7e, 0xa0, 0xd7ff, 0xe000, 0xfdcf, 0xfdf0, 0xffef, 0x10000, 0x1fffd, 0x20000, 0x2fffd, 0x30000,
  0x3fffd, 0x40000, 0x4fffd, 0x50000, 0x5fffd, 0x60000, 0x6fffd, 0x70000, 0x7fffd, 0x80000, 0x8fffd, 0x90000,
  0x9fffd, 0xa0000, 0xafffd, 0xb0000, 0xbfffd, 0xc0000, 0xcfffd, 0xd0000, 0xdfffd, 0xe1000, 0xefffd, 0xf0000,
  0xffffd, 0x100000, 0x10fffd,
];
/** ajv's expression syntax (a subset of RFC 6570's: no `.` inside variable names). */
const URI_TEMPLATE_EXPRESSION =
  '%[0-9a-f]{2}|\\{[+#./;?&=,!@|]?(?:[a-z0-9_]|%[0-9a-f]{2})+(?::[1-9][0-9]{0,3}|\\*)?(?:,(?:[a-z0-9_]|%[0-9a-f]{2})+(?::[1-9][0-9]{0,3}|\\*)?)*\\}';

function uriTemplate(): Expr {
  return star(
    alt(
      formatCharExpr(URI_TEMPLATE_LITERAL),
      regexFormat({ source: URI_TEMPLATE_EXPRESSION, ignoreCase: true }),
    ),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Dates and times (ajv-formats' `date`, `time`, `date-time` and their `iso-` variants).

/** `DD` for days 01..28, 29, 30, 31 grouped by which months have them. */
function fullDate(): Expr {
  const dash = literal('-');
  const anyYear = digits(4);
  const month01to12 = alt(seq(digitIn(0, 0), digitIn(1, 9)), seq(digitIn(1, 1), digitIn(0, 2)));
  const day01to28 = alt(
    seq(digitIn(0, 0), digitIn(1, 9)),
    seq(digitIn(1, 1), DIGIT),
    seq(digitIn(2, 2), digitIn(0, 8)),
  );
  const monthsWith30 = alt(
    seq(digitIn(0, 0), formatCharExpr([0x31, 0x31, 0x33, 0x39])),
    seq(digitIn(1, 1), digitIn(0, 2)),
  );
  const monthsWith31 = alt(
    seq(digitIn(0, 0), formatCharExpr([0x31, 0x31, 0x33, 0x33, 0x35, 0x35, 0x37, 0x38])),
    seq(digitIn(1, 1), formatCharExpr([0x30, 0x30, 0x32, 0x32])),
  );
  const even = formatCharExpr([0x30, 0x30, 0x32, 0x32, 0x34, 0x34, 0x36, 0x36, 0x38, 0x38]);
  const odd = formatCharExpr([0x31, 0x31, 0x33, 0x33, 0x35, 0x35, 0x37, 0x37, 0x39, 0x39]);
  const zeroFourEight = formatCharExpr([0x30, 0x30, 0x34, 0x34, 0x38, 0x38]);
  const twoSix = formatCharExpr([0x32, 0x32, 0x36, 0x36]);
  /** Two digits forming a multiple of 4 (00 included). */
  const multipleOf4 = alt(seq(even, zeroFourEight), seq(odd, twoSix));
  /** Two digits forming a non-zero multiple of 4. */
  const nonZeroMultipleOf4 = alt(
    seq(digitIn(0, 0), formatCharExpr([0x34, 0x34, 0x38, 0x38])),
    seq(formatCharExpr([0x32, 0x32, 0x34, 0x34, 0x36, 0x36, 0x38, 0x38]), zeroFourEight),
    seq(odd, twoSix),
  );
  // Gregorian: divisible by 4 and not by 100, or divisible by 400.
  const leapYear = alt(seq(digits(2), nonZeroMultipleOf4), seq(multipleOf4, literal('00')));
  return alt(
    seq(anyYear, dash, month01to12, dash, day01to28),
    seq(anyYear, dash, monthsWith30, dash, alt(literal('29'), literal('30'))),
    seq(anyYear, dash, monthsWith31, dash, literal('31')),
    seq(leapYear, literal('-02-29')),
  );
}

/**
 * ajv reads the seconds as a double: `59.999999999999999` becomes 60 (and `60.99…` 61) and fails. Doubles in
 * [32, 64) are 2^-47 apart, so fractions from 1 - 2^-48 = 0.99999999999999644… on round up. After `59` and
 * `60` the grammar allows fractions with at most 13 leading nines (all below that), which keeps the automaton
 * small; the exact boundary would need a 48-digit comparison.
 */
function safeSecondFraction(): Expr {
  const nine = literal('9');
  const belowBoundary = alt(seq(repeat(nine, 0, 13), digitIn(0, 8), star(DIGIT)), repeat(nine, 1, 13));
  return optional(seq(literal('.'), belowBoundary));
}

/**
 * `HH:MM:SS(.frac)?` plus an offset (`offsetRequired`) or an optional offset; `rfc3339` limits offsets to
 * RFC 3339's forms (ajv also takes `+01` and `+0100`).
 */
function fullTime(offsetRequired: boolean, rfc3339: boolean): Expr {
  const colon = literal(':');
  const hour = alt(seq(digitIn(0, 1), DIGIT), seq(digitIn(2, 2), digitIn(0, 3)));
  const minute = seq(digitIn(0, 5), DIGIT);
  const fraction = optional(seq(literal('.'), plus(DIGIT)));
  const safeFraction = safeSecondFraction();
  const upTo58 = alt(seq(digitIn(0, 4), DIGIT), seq(digitIn(5, 5), digitIn(0, 8)));
  const second = alt(seq(upTo58, fraction), seq(literal('59'), safeFraction));
  const sign = formatCharExpr([0x2b, 0x2b, 0x2d, 0x2d]);
  const z = anyCase('z');
  // ajv: offset `[+-]HH(:?MM)?` with HH ≤ 23 and MM ≤ 59 (a missing MM read as 0). RFC 3339 (`time`,
  // `date-time`): `Z`, `z` or `[+-]HH:MM` only.
  const offset = rfc3339
    ? alt(z, seq(sign, hour, colon, minute))
    : alt(z, seq(sign, hour, optional(seq(optional(colon), minute))));
  const regular = seq(hour, colon, minute, colon, second, offsetRequired ? offset : optional(offset));
  // The leap second, only at 23:59 UTC.
  const zeroOffset = rfc3339
    ? alt(z, seq(sign, literal('00:00')))
    : alt(z, seq(sign, literal('00'), optional(seq(optional(colon), literal('00')))));
  const leap = seq(literal('23:59:60'), safeFraction, offsetRequired ? zeroOffset : optional(zeroOffset));
  return alt(regular, leap);
}

/** ajv splits an `iso-date-time` at `t`, `T` or any ECMAScript whitespace character. */
const ISO_DATE_TIME_SEPARATOR: readonly number[] = [
  0x09, 0x0d, 0x20, 0x20, 0x54, 0x54, 0x74, 0x74, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029,
  0x202f, 0x202f, 0x205f, 0x205f, 0x3000, 0x3000, 0xfeff, 0xfeff,
];

/** `date-time` (RFC 3339: `T`/`t` only, RFC offsets) or ajv's lenient `iso-date-time` (optional offset). */
function dateTime(rfc3339: boolean): Expr {
  const separator = formatCharExpr(rfc3339 ? [0x54, 0x54, 0x74, 0x74] : ISO_DATE_TIME_SEPARATOR);
  return seq(fullDate(), separator, fullTime(rfc3339, rfc3339));
}

/**
 * RFC 3339 appendix A durations (a subset of ajv's regex, which also lets units skip a level, e.g. `P1Y2D`):
 * `P` then weeks, or date units each optionally followed by the next smaller (`Y` `M` `D`), optionally `T` with
 * time units likewise (`H` `M` `S`); or `T` and time units alone.
 */
function duration(): Expr {
  const part = (unit: string, next?: Expr) =>
    seq(plus(DIGIT), literal(unit), ...(next ? [optional(next)] : []));
  const day = part('D');
  const month = part('M', day);
  const year = part('Y', month);
  const second = part('S');
  const minute = part('M', second);
  const hour = part('H', minute);
  const time = seq(literal('T'), alt(hour, minute, second));
  return seq(literal('P'), alt(seq(alt(day, month, year), optional(time)), time, part('W')));
}

/**
 * Host names (RFC 1123 labels of letters, digits and inner hyphens; see the module comment for the length
 * subset). Stricter than ajv, as the JSON Schema test suite expects: no final dot, and no label with `--` in
 * its 3rd and 4th characters (IDNA A-labels `xn--…` are valid only when their punycode decodes to a valid
 * U-label, which a regular grammar cannot check).
 */
function hostname(): Expr {
  const alnum = formatCharExpr(caseFold([0x30, 0x39, 0x61, 0x7a], true));
  const alnumOrDash = formatCharExpr(caseFold([0x2d, 0x2d, 0x30, 0x39, 0x61, 0x7a], true));
  const dash = literal('-');
  const label = (maxLength: number) =>
    alt(
      seq(alnum, repeat(alnumOrDash, 0, 2), alnum),
      alnum,
      // Five or more characters: the 3rd and 4th are not both hyphens.
      seq(
        alnum,
        alnumOrDash,
        alt(seq(alnum, alnumOrDash), seq(dash, alnum)),
        repeat(alnumOrDash, 0, maxLength - 5),
        alnum,
      ),
    );
  return seq(label(63), repeat(seq(literal('.'), label(26)), 0, 7));
}

// ---------------------------------------------------------------------------------------------------------------

const BUILDERS: Readonly<Record<string, () => Expr>> = {
  date: fullDate,
  time: () => fullTime(true, true),
  'date-time': () => dateTime(true),
  'iso-time': () => fullTime(false, false),
  'iso-date-time': () => dateTime(false),
  duration,
  hostname,
  uri: () => regexFormat({ source: URI_SOURCE, ignoreCase: true }),
  'uri-reference': () => regexFormat({ source: URI_REFERENCE_SOURCE, ignoreCase: true }),
  'uri-template': uriTemplate,
  ...Object.fromEntries(Object.entries(REGEX_FORMATS).map(([name, f]) => [name, () => regexFormat(f)])),
};

/** The string formats {@link formatExpr} knows. */
export const STRING_FORMATS: readonly string[] = Object.keys(BUILDERS);

/**
 * ajv-formats formats that place no constraint on strings: `password` and `binary` accept any string; the
 * numeric formats (`int32`, `int64`, `float`, `double`) apply to numbers only (see {@link numberFormat}).
 */
export const UNCONSTRAINED_STRING_FORMATS: readonly string[] = [
  'password',
  'binary',
  'int32',
  'int64',
  'float',
  'double',
];

const cache = new Map<string, Expr>();

/**
 * The JSON-escaped string content (between the quotes) of strings valid for `format` under ajv-formats
 * (full mode), or `undefined` for a format it does not know or cannot express (`regex`, `url`,
 * and those in {@link UNCONSTRAINED_STRING_FORMATS}). Expressions are built once and shared.
 */
export function formatExpr(name: string): Expr | undefined {
  const build = Object.hasOwn(BUILDERS, name) ? BUILDERS[name] : undefined;
  if (!build) return undefined;
  let expr = cache.get(name);
  if (!expr) {
    expr = build();
    cache.set(name, expr);
  }
  return expr;
}

/**
 * The numeric constraints ajv-formats' number formats add: `int32` is an integer in [-2^31, 2^31-1], `int64`
 * an integer; `float` and `double` (and anything else) add none.
 */
export function numberFormat(
  name: string,
): { integer: true; minimum?: string; maximum?: string } | undefined {
  if (name === 'int32') return { integer: true, minimum: '-2147483648', maximum: '2147483647' };
  if (name === 'int64') return { integer: true };
  return undefined;
}
