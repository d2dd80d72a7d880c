import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import fc from 'fast-check';
import RandExpModule from 'randexp';
import { describe, expect, it } from 'vitest';
import { dfaAccepts, exprToDfa } from '../../src/engine/automaton.js';
import type { ByteDfa } from '../../src/engine/ir.js';
import { formatExpr, numberFormat, STRING_FORMATS } from '../../src/json-schema/formats.js';
import { rng as prng } from '../helpers/rng.js';

// CommonJS default exports, as seen from NodeNext ESM.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;
const RandExp = RandExpModule as unknown as typeof RandExpModule.default;
const ajv = new Ajv({ strict: false });
addFormats(ajv, { mode: 'full' });
const validators = new Map<string, (v: unknown) => boolean>();
function ajvValid(format: string, value: unknown): boolean {
  let v = validators.get(format);
  if (!v) {
    const compiled = ajv.compile({ type: 'string', format });
    v = (x: unknown) => compiled(x) as boolean;
    validators.set(format, v);
  }
  return v(value);
}

const dfas = new Map<string, ByteDfa>();
function dfaOf(format: string): ByteDfa {
  let d = dfas.get(format);
  if (!d) {
    d = exprToDfa(formatExpr(format)!);
    dfas.set(format, d);
  }
  return d;
}

/** Whether the grammar accepts the JSON string content `content` (the text between the quotes). */
const acceptsContent = (format: string, content: string) =>
  dfaAccepts(dfaOf(format), new TextEncoder().encode(content));
/** Whether the grammar accepts a value written the way JSON.stringify writes it. */
const acceptsValue = (format: string, value: string) =>
  acceptsContent(format, JSON.stringify(value).slice(1, -1));

/** A random member of the DFA's language (a random walk that stops at accepting states with some probability). */
function sample(d: ByteDfa, rand: () => number, stopProbability: number): Uint8Array {
  for (;;) {
    const out: number[] = [];
    let s = 0;
    while (out.length < 400) {
      const options: number[] = [];
      for (let b = 0; b < 256; b++) if (d.transitions[s * 256 + b]! >= 0) options.push(b);
      if (d.accepting[s] && (options.length === 0 || rand() < stopProbability)) return Uint8Array.from(out);
      const b = options[Math.floor(rand() * options.length)]!;
      out.push(b);
      s = d.transitions[s * 256 + b]!;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * Valid (under ajv-formats full) and invalid values. `outsideSubset` lists values ajv accepts that the grammar
 * rejects: invalid under the format's RFC (as the JSON Schema Test Suite reads it), or beyond a size subset.
 */
const CASES: Record<string, { valid: string[]; invalid: string[]; outsideSubset?: string[] }> = {
  date: {
    valid: [
      '2020-02-29',
      '2000-02-29',
      '1900-02-28',
      '0000-02-29',
      '2024-12-31',
      '1999-04-30',
      '9999-01-01',
      '1600-02-29',
    ],
    invalid: [
      '2021-02-29',
      '1900-02-29',
      '2100-02-29',
      '2020-04-31',
      '2020-13-01',
      '2020-00-10',
      '2020-01-00',
      '20-01-01',
      '2020-1-01',
      '2020/01/01',
      '2020-01-01 ',
    ],
  },
  time: {
    valid: [
      '12:34:56Z',
      '23:59:59.999+05:30',
      '00:00:00z',
      '23:59:60Z',
      '23:59:60.5+00:00',
      '12:00:00-08:00',
      '08:30:06.283185Z',
    ],
    invalid: [
      '12:34:56',
      '24:00:00Z',
      '12:60:00Z',
      '12:00:60Z',
      '12:00:00+24:00',
      '12:00:00+01:60',
      '1:00:00Z',
      '12:00:00.Z',
      '23:59:60+01:00',
    ],
    // RFC 3339 offsets have minutes after a colon.
    outsideSubset: ['00:59:60+01:00', '25:59:30+02:00', '12:00:00-0800', '12:00:00+01'],
  },
  'date-time': {
    valid: [
      '2020-02-29T12:00:00Z',
      '1963-06-19t08:30:06.283185z',
      '2020-01-01T00:00:00+01:00',
      '1998-12-31T23:59:60Z',
      '2024-12-07T09:00:00-00:00',
    ],
    invalid: [
      '2020-02-30T12:00:00Z',
      '2020-01-01T12:00:00',
      '2020-01-01',
      '2020-01-01TT12:00:00Z',
      '2020-01-0112:00:00Z',
    ],
    // RFC 3339: `T`/`t` between date and time, offsets `Z`/`z`/`±hh:mm`.
    outsideSubset: [
      '2024-12-07 09:00:00+01:00',
      '2020-01-01\t10:00:00Z',
      '2020-01-01\u00a010:00:00Z',
      '1985-04-12T23:20:50+01',
      '1985-04-12T23:20:50+0100',
    ],
  },
  'iso-time': { valid: ['12:00:00', '23:59:60', '12:00:00Z'], invalid: ['24:00:00', '12:00'] },
  'iso-date-time': {
    valid: ['2020-01-01T12:00:00', '2020-01-01 12:00:00+01:00'],
    invalid: ['2020-01-01T24:00:00'],
  },
  duration: {
    valid: [
      'P1Y',
      'P1Y2M3DT4H5M6S',
      'PT1H',
      'PT36H',
      'P4W',
      'P0D',
      'PT0S',
      'P1M2D',
      'P1Y2M',
      'PT1M2S',
      'P2DT3H4M',
      'P1DT1S',
    ],
    invalid: ['P', 'PT', 'P1YT', 'P1W2D', 'P1D1Y', '1Y', 'PT1D', 'p1y', 'P1.5Y', 'P1H'],
    // RFC 3339 appendix A: a unit is followed only by the next smaller one.
    outsideSubset: ['P1Y2D', 'PT1H2S', 'P1YT2H3S'],
  },
  email: {
    valid: [
      `a@${'b'.repeat(63)}.com`,
      'joe.bloggs@example.com',
      "te~st!#$%&'*+/=?^_`{|}-x@ex-ample.co.uk",
      'A@B.C',
      '1@2.3',
    ],
    invalid: [
      '2962',
      '.test@example.com',
      'test.@example.com',
      'te..st@example.com',
      'a@-b.com',
      'a@b',
      'a b@c.d',
      'a@b.c-',
    ],
  },
  hostname: {
    valid: [
      'www.example.com',
      'a',
      'ab',
      'a-b.c',
      'a--b',
      'ab-c--d',
      `${'a'.repeat(63)}.com`,
      '1.2.3.4',
      'A.B-C.D',
      `${'a'.repeat(63)}${`.${'b'.repeat(26)}`.repeat(7)}`, // the longest in the subset: 252 characters
    ],
    invalid: [
      `${'a'.repeat(63)}${`.${'b'.repeat(27)}`.repeat(7)}`, // 259 characters
      '-a-host-name-that-starts-with--',
      'not_a_valid_host_name',
      'a..b',
      '',
      `${'a'.repeat(64)}.com`,
      'a-.com',
      '.a',
    ],
    outsideSubset: [
      `${'a'.repeat(63)}.${'b'.repeat(63)}`,
      'a.b.c.d.e.f.g.h.i',
      // No final dot; no `--` in a label's 3rd-4th characters (A-labels need punycode/IDNA checks).
      'example.',
      'a-b.c.',
      'xn--4gbwdl.xn--wgbh1c',
      'xn--X',
      'XN--aa---o47jg78q',
      'www.ab--c.com',
    ],
  },
  ipv4: {
    valid: ['192.168.0.1', '0.0.0.0', '255.255.255.255', '1.2.3.4'],
    invalid: ['256.256.256.256', '127.0.0.0.1', '127.0', '01.2.3.4', '1.2.3.04', '1.2.3.4 ', '0x7f000001'],
  },
  ipv6: {
    valid: [
      '::1',
      '::',
      '1::',
      'fe80::1',
      '::ffff:192.168.0.1',
      '1:2:3:4:5:6:7:8',
      'ABCD:EF01:2345:6789:ABCD:EF01:2345:6789',
      '1:2:3:4:5:6:1.2.3.4',
    ],
    invalid: ['12345::', '1:1:1:1:1:1:1:1:1', ':1', '1:::1', '::ffff:256.0.0.1', 'g::', '1::2::3'],
  },
  uuid: {
    valid: ['2eb8aa08-aa98-11ea-b4aa-73b441d16380', '2EB8AA08-AA98-11EA-B4AA-73B441D16380'],
    invalid: [
      '2eb8aa08-aa98-11ea-b4aa-73b441d1638',
      '2eb8aa08aa9811eab4aa73b441d16380',
      '2eb8aa08-aa98-11ea-b4aa-73b441d1638g',
    ],
    outsideSubset: [
      'urn:uuid:2eb8aa08-aa98-11ea-b4aa-73b441d16380',
      'URN:UUID:2EB8AA08-AA98-11EA-B4AA-73B441D16380',
    ],
  },
  uri: {
    valid: [
      'http://foo.bar/?baz=qux#quux',
      'urn:isbn:0451450523',
      'mailto:a@b.c',
      'http://[2001:db8::7]/c=GB?objectClass?one',
      'ftp://ftp.is.co.za/rfc/rfc1808.txt',
      'tel:+1-816-555-1212',
      'http://www.example.com:8080/a%20b',
      'https://user:pw@example.com:8080/p;x=1/q?a=1&b=2#frag',
      'http://[::ffff:1.2.3.4]/',
      'http://[fe80::1]:80',
      'http://192.168.0.1/',
      'urn:uuid:2eb8aa08-aa98-11ea-b4aa-73b441d16380',
      'file:///etc/hosts',
      'http:/a/b',
    ],
    invalid: [
      '//foo.bar/?baz=qux#quux',
      '/abc',
      'abc',
      '\\\\WINDOWS\\fileshare',
      'http:// shouldfail.com',
      ':// should fail',
      'http://example.com/a b',
      'http://[::1',
    ],
    // RFC 3986: `//` before an authority, digits-only ports, no leading zeros in dec-octets.
    outsideSubset: [
      'http://example.com:abc/path',
      'http://[::ffff:01.2.3.4]',
      'http:/[::1]',
      'http://[v1.x]/',
    ],
  },
  'uri-reference': {
    valid: [
      'http://foo.bar/?baz=qux#quux',
      '//foo.bar/?baz=qux#quux',
      '/abc',
      'abc',
      '#fragment',
      '',
      './a:b',
      '../x?y',
      '?q=1',
      'urn:a:b',
      '//[::1]:8080/p',
    ],
    invalid: ['\\\\WINDOWS\\fileshare', 'abc#f#g', 'a b', '#frag ment'],
    // RFC 3986: no `"`, brackets only around an IP literal after `//`, no colon in a relative path's first segment.
    outsideSubset: [
      'a"b',
      '/a"b',
      '/[::1]',
      '//example.com:abc/p',
      '//a@b@example.com/',
      '//[::ffff:192.168.0.01]/p',
      '1:b',
    ],
  },
  'uri-template': {
    valid: ['http://example.com/dictionary/{term:1}/{term}', 'a{b}c', '', 'é{+x,y*}%20', '{#a:3}'],
    invalid: ['http://example.com/{term:1}/{term', 'a{}', 'a b'],
    // RFC 6570 literals exclude DEL (and non-characters, surrogates and the like, which ajv admits).
    outsideSubset: ['a\u007fb', 'a\ufffeb'],
  },
  'json-pointer': { valid: ['', '/foo/0', '/a~1b', '/m~0n', '/ é/"/\\'], invalid: ['foo', '/~2', '/a~'] },
  'json-pointer-uri-fragment': { valid: ['#', '#/foo/0', '#/a%20b'], invalid: ['/foo', '#/a b'] },
  'relative-json-pointer': { valid: ['0', '1/foo', '0#', '12/a~1b'], invalid: ['-1', '01', '0##', '/foo'] },
  byte: { valid: ['', 'aGVsbG8=', 'aGk=', 'YWJj', 'YQ=='], invalid: ['aGVsbG8', 'a===', '$$$$'] },
};

describe('formatExpr', () => {
  it('covers the ajv-formats string formats (except regex and url)', () => {
    const expected = Object.keys(fullFormats).filter(
      (f) => !['regex', 'url', 'int32', 'int64', 'float', 'double', 'password', 'binary'].includes(f),
    );
    expect([...STRING_FORMATS].sort()).toEqual(expected.sort());
    expect(formatExpr('no-such-format')).toBeUndefined();
    expect(formatExpr('toString')).toBeUndefined();
    expect(formatExpr('date')).toBe(formatExpr('date'));
  });

  for (const [format, { valid, invalid, outsideSubset = [] }] of Object.entries(CASES)) {
    it(`${format}: accepts the valid examples and rejects the invalid ones`, () => {
      for (const v of [...valid, ...outsideSubset])
        expect(ajvValid(format, v), `ajv should accept ${v}`).toBe(true);
      for (const v of invalid) expect(ajvValid(format, v), `ajv should reject ${v}`).toBe(false);
      for (const v of valid)
        expect(acceptsValue(format, v), `grammar should accept ${JSON.stringify(v)}`).toBe(true);
      for (const v of [...invalid, ...outsideSubset]) {
        expect(acceptsValue(format, v), `grammar should reject ${JSON.stringify(v)}`).toBe(false);
      }
    });
  }

  it('accepts JSON escapes where JSON needs them, and \\/ for /', () => {
    expect(acceptsContent('json-pointer', '/a\\"b')).toBe(true);
    expect(acceptsContent('json-pointer', '/a"b')).toBe(false);
    expect(acceptsContent('uri', 'http:\\/\\/a.b\\/c')).toBe(true);
    expect(acceptsContent('iso-date-time', '2020-01-01\\t10:00:00Z')).toBe(true);
    expect(acceptsContent('iso-date-time', '2020-01-01\\u000A10:00:00Z')).toBe(true);
    expect(acceptsContent('iso-date-time', '2020-01-01\u00a010:00:00Z')).toBe(true);
    expect(acceptsContent('date-time', '2020-01-01\\t10:00:00Z')).toBe(false);
    expect(acceptsContent('json-pointer', '/a\\\\b\\u0001')).toBe(true);
    expect(acceptsContent('json-pointer', '/a\\x')).toBe(false);
  });

  it('every string the grammar generates is valid for ajv-formats (random walks)', () => {
    const rand = prng(42);
    for (const format of STRING_FORMATS) {
      const d = dfaOf(format);
      for (let i = 0; i < 300; i++) {
        const content = new TextDecoder('utf-8', { fatal: true }).decode(sample(d, rand, i % 2 ? 0.5 : 0.05));
        const value = JSON.parse(`"${content}"`) as string;
        if (!ajvValid(format, value))
          throw new Error(`${format}: grammar generated ${JSON.stringify(content)}`);
      }
    }
  });

  it('dates are exact, leap years included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        (y, m, d) => {
          const text = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
          expect(acceptsValue('date', text), text).toBe(ajvValid('date', text));
        },
      ),
      { numRuns: 3000 },
    );
    for (const y of [1600, 1700, 1800, 1900, 2000, 2004, 2100, 2400, 0, 4, 96, 100, 9996]) {
      const text = `${String(y).padStart(4, '0')}-02-29`;
      expect(acceptsValue('date', text), text).toBe(ajvValid('date', text));
    }
  });

  it('times and date-times: grammar ⇒ ajv and RFC 3339, and ajv ∧ RFC 3339 ⇒ grammar outside leap seconds', () => {
    const two = fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0'));
    const offset = fc.oneof(
      fc.constantFrom('', 'Z', 'z'),
      fc
        .tuple(fc.constantFrom('+', '-'), two, fc.constantFrom('', ':'), fc.option(two))
        .map(([s, h, c, m]) => `${s}${h}${m === null ? '' : `${c}${m}`}`),
    );
    const time = fc
      .tuple(two, two, two, fc.option(fc.integer({ min: 0, max: 9999 })), offset)
      .map(([h, m, s, f, o]) => `${h}:${m}:${s}${f === null ? '' : `.${f}`}${o}`);
    fc.assert(
      fc.property(time, fc.constantFrom('T', 't', ' ', 'x'), (t, sep) => {
        // RFC 3339's shape (ranges are ajv's job): `T`/`t` separator, `Z`/`z`/`±hh:mm` offset.
        const rfcTime = /^\d\d:\d\d:\d\d(?:\.\d+)?(?:[Zz]|[+-]\d\d:\d\d)$/.test(t);
        const rfcDateTime = rfcTime && (sep === 'T' || sep === 't');
        for (const [format, value, rfc] of [
          ['time', t, rfcTime],
          ['iso-time', t, true],
          ['date-time', `2021-03-04${sep}${t}`, rfcDateTime],
          ['iso-date-time', `2021-03-04${sep}${t}`, true],
        ] as const) {
          const ok = ajvValid(format, value) && rfc;
          const got = acceptsValue(format, value);
          if (got && !ok) throw new Error(`${format}: grammar accepts ajv- or RFC-invalid ${value}`);
          // ajv's leap-second branch also passes hours/minutes out of range once the offset brings them back
          // to 23:59 UTC (e.g. 24:02:00+00:03): not a time, and not something the grammar should accept.
          const [hh, mm] = t.split(':').map(Number) as [number, number];
          const leap = /:6\d/.test(t) || hh > 23 || mm > 59;
          if (ok && !leap && !got) throw new Error(`${format}: grammar rejects ajv-valid ${value}`);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('regex formats accept what ajv-formats regexes generate, where the RFC agrees', () => {
    // Where ajv is more lenient than the RFC, generated values outside the RFC are skipped.
    const rfcDuration =
      /^P(?:(?:\d+D|\d+M(?:\d+D)?|\d+Y(?:\d+M(?:\d+D)?)?)(?:T(?:\d+H(?:\d+M(?:\d+S)?)?|\d+M(?:\d+S)?|\d+S))?|T(?:\d+H(?:\d+M(?:\d+S)?)?|\d+M(?:\d+S)?|\d+S)|\d+W)$/;
    const rfcAgrees: Record<string, (v: string) => boolean> = {
      uuid: (v) => !/^urn:/i.test(v),
      duration: (v) => rfcDuration.test(v),
      // ajv's generator hits its leniencies here: `"`, brackets (IPv4 octets with leading zeros, IPvFuture,
      // or after a single `/`), and a colon in a scheme-less first segment.
      'uri-reference': (v) => !/["[]/.test(v) && !/^[^/?#:]*:/.test(v.replace(/^[a-z][a-z0-9+\-.]*:/i, '')),
    };
    const rand = prng(7);
    for (const format of [
      'email',
      'ipv4',
      'ipv6',
      'uuid',
      'uri',
      'uri-reference',
      'uri-template',
      'json-pointer',
      'json-pointer-uri-fragment',
      'relative-json-pointer',
      'byte',
      'duration',
    ]) {
      const def = (fullFormats as Record<string, unknown>)[format];
      const regex = def instanceof RegExp ? def : undefined;
      // `uri` and `byte` are functions in ajv-formats: generate from a simpler URI regex and the base64 one.
      const source =
        format === 'uri'
          ? /^[a-z][a-z0-9+\-.]*:(?:\/\/[a-z0-9.]+(?::\d+)?)?(?:\/[a-z0-9%]*)*(?:\?[a-z=&]*)?$/i
          : format === 'byte'
            ? /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
            : regex;
      if (!source) throw new Error(`no regex for ${format}`);
      const gen = new RandExp(
        source.source.replace('(?!$)', '').replace('(?=\\d)', ''),
        source.flags.replace('g', '').replace('m', ''),
      );
      gen.max = 4;
      gen.randInt = (a: number, b: number) => a + Math.floor(rand() * (b - a + 1));
      let checked = 0;
      for (let i = 0; i < 300; i++) {
        const value = gen.gen();
        if (!ajvValid(format, value) || rfcAgrees[format]?.(value) === false) continue;
        checked++;
        if (!acceptsValue(format, value))
          throw new Error(`${format}: grammar rejects ajv-valid ${JSON.stringify(value)}`);
      }
      expect(checked, format).toBeGreaterThan(50);
    }
  });

  it('hostnames: grammar ⇒ ajv and RFC 1123, and ajv ⇒ grammar within the RFC and length subsets', () => {
    const label = fc.stringMatching(/^[a-zA-Z0-9-]{1,70}$/);
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 10 }), fc.boolean(), (labels, dot) => {
        const host = labels.join('.') + (dot ? '.' : '');
        const ok = ajvValid('hostname', host);
        const got = acceptsValue('hostname', host);
        if (got && !ok) throw new Error(`grammar accepts ajv-invalid ${host}`);
        const rfcSubset = !dot && labels.every((l) => l.slice(2, 4) !== '--');
        if (got && !rfcSubset) throw new Error(`grammar accepts ${host} (final dot or \`--\` at 3-4)`);
        const inSubset =
          rfcSubset &&
          labels.length <= 8 &&
          labels[0]!.length <= 63 &&
          labels.slice(1).every((l) => l.length <= 26);
        if (ok && inSubset && !got) throw new Error(`grammar rejects ajv-valid ${host}`);
      }),
      { numRuns: 1000 },
    );
  });

  it('seconds: no fraction that ajv rounds up to the next second (it parses them as doubles)', () => {
    expect(acceptsValue('time', '12:00:59.9999999999999Z')).toBe(true);
    expect(acceptsValue('time', '12:00:59.99999999999998999999Z')).toBe(true);
    expect(acceptsValue('time', '12:00:58.99999999999999999999Z')).toBe(true);
    expect(acceptsValue('time', '12:00:59.999999999999999Z')).toBe(false);
    expect(acceptsValue('time', '12:00:59.99999999999999Z')).toBe(false); // valid, but beyond the 13-nines subset
    expect(acceptsValue('date-time', '1985-04-12T00:59:59.999999999999999999Z')).toBe(false);
    expect(acceptsValue('time', '23:59:60.99999999999999999Z')).toBe(false);
    const fraction = fc.oneof(
      fc.integer({ min: 10, max: 60 }).map((n) => '9'.repeat(n)),
      fc
        .tuple(fc.integer({ min: 13, max: 16 }), fc.stringMatching(/^[0-9]{1,40}$/))
        .map(([n, tail]) => '9'.repeat(n) + tail),
    );
    fc.assert(
      fc.property(fc.constantFrom('12:00:59', '23:59:60', '00:00:58'), fraction, (time, frac) => {
        const value = `${time}.${frac}Z`;
        const ok = ajvValid('time', value);
        const got = acceptsValue('time', value);
        const inSubset = time.endsWith('58') || !frac.startsWith('9'.repeat(14));
        if (got && !ok) throw new Error(`${value}: grammar accepts, ajv rejects`);
        if (ok && inSubset && !got) throw new Error(`${value}: grammar rejects, ajv accepts`);
      }),
      { numRuns: 500 },
    );
  });

  it('maps number formats to numeric constraints', () => {
    expect(numberFormat('int32')).toEqual({ integer: true, minimum: '-2147483648', maximum: '2147483647' });
    expect(numberFormat('int64')).toEqual({ integer: true });
    expect(numberFormat('double')).toBeUndefined();
  });
});
