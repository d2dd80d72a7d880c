/**
 * The fast tokenizer.json scanner reads `model.vocab` exactly as JSON.parse does (keys with escapes, any
 * Unicode, any whitespace layout), hands shapes it does not handle back to JSON.parse, and rejects
 * malformed files with a byte offset instead of reading past them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteSink } from '../../src/vocabulary/token-bytes.js';
import { JsonScanError, scanTokenizerJson } from '../../src/vocabulary/tokenizer-json-fast.js';

const encoder = new TextEncoder();

/** JSON text of `value` with random whitespace between tokens (JSON.stringify, then spaced out). */
function layout(json: string, spaces: readonly string[]): string {
  let out = '';
  let inString = false;
  let k = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!;
    out += c;
    if (inString) {
      if (c === '\\') out += json[++i]!;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if ('{}[],:'.includes(c)) out += spaces[k++ % spaces.length]!;
  }
  return out;
}

function vocabBytes(buf: Uint8Array): Map<number, string> {
  const scanned = scanTokenizerJson(buf);
  expect(scanned?.vocab).toBeDefined();
  const vocab = scanned!.vocab!;
  const out = new Map<number, string>();
  for (let id = 0; id < vocab.size; id++) {
    const sink = new ByteSink();
    vocab.appendTokenBytes(sink, id, 'raw', '');
    if (sink.length > 0) out.set(id, Buffer.from(sink.toBytes()).toString('hex'));
  }
  return out;
}

const keyArb = fc.string({
  unit: fc.oneof(
    fc.constantFrom('"', '\\', '\n', '\u0000', 'Ġ', '▁'),
    fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    fc.integer({ min: 0, max: 0x10ffff }).map((cp) => String.fromCodePoint(cp)),
  ),
  minLength: 1,
  maxLength: 8,
});

describe('scanTokenizerJson', () => {
  it('reads model.vocab like JSON.parse', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(keyArb, { minLength: 1, maxLength: 40 }),
        fc.array(fc.constantFrom('', ' ', '\n      ', '\t', '\r\n'), { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        (keys, spaces, arrayMerges) => {
          const vocab = Object.fromEntries(keys.map((k, id) => [k, id]));
          const merges = arrayMerges
            ? [
                ['a', 'b'],
                ['[', ']'],
              ]
            : ['a b', '{ }', '" \\'];
          const text = layout(
            JSON.stringify({ version: '1.0', model: { type: 'BPE', vocab, merges } }),
            spaces,
          );
          const scanned = scanTokenizerJson(encoder.encode(text));
          expect(scanned?.json).toEqual({ version: '1.0', model: { type: 'BPE', vocab: {} } });
          const expected = new Map(keys.map((k, id) => [id, Buffer.from(encoder.encode(k)).toString('hex')]));
          expect(vocabBytes(encoder.encode(text))).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('hands non-integer ids and invalid UTF-8 keys back to JSON.parse', () => {
    for (const value of ['1.0', '1e3', '-1', '"1"']) {
      expect(scanTokenizerJson(encoder.encode(`{"model":{"vocab":{"a":${value}}}}`))).toBeUndefined();
    }
    const bad = encoder.encode('{"model":{"vocab":{"aXb":0}}}');
    bad[bad.indexOf(0x58)] = 0xc0; // an overlong-encoding lead byte: not UTF-8
    expect(scanTokenizerJson(bad)).toBeUndefined();
  });

  it('rejects malformed files with the offset of the problem', () => {
    const at = (text: string, part: string, delta = 0) => text.indexOf(part) + delta;
    const truncated = '{"model":{"vocab":{"a":0,"b":1}';
    const noComma = '{"model":{"vocab":{"a":0 "b":1}}}';
    const noColon = '{"model":{"vocab":{"a"0}}}';
    const control = '{"model":{"vocab":{"a\u0001":0}}}';
    const badEscape = '{"model":{"vocab":{"a\\q":0}}}';
    const leadingZero = '{"model":{"vocab":{"a":01}}}';
    const mismatched = '{"model":{"vocab":{"a":0},"merges":["a b"}}';
    const cases: [string, number][] = [
      [truncated, truncated.length],
      [noComma, at(noComma, ' "b"', 1)],
      [noColon, at(noColon, '"a"0', 3)],
      [control, at(control, '\u0001')],
      [badEscape, at(badEscape, '\\q')],
      [leadingZero, at(leadingZero, '01', 1)],
      [mismatched, at(mismatched, '"a b"}', 5)],
    ];
    for (const [text, offset] of cases) {
      let error: unknown;
      try {
        scanTokenizerJson(encoder.encode(text));
      } catch (e) {
        error = e;
      }
      expect(error, text).toBeInstanceOf(JsonScanError);
      expect((error as JsonScanError).offset, text).toBe(offset);
    }
  });
});
