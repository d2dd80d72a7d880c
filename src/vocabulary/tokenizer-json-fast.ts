/**
 * Fast tokenizer.json loading: scan the file bytes, JSON.parse only the small sections, skip
 * `model.merges`, and keep `model.vocab` as byte ranges of the file (see {@link RawModelVocab}).
 */
import { escapeLength, JsonScanError, JsonScanner } from './json-scan.js';
import { RawModelVocab } from './model-vocab.js';
import { MAX_TOKEN_ID } from './tokenizer-json.js';
import { utf8SequenceLength } from './utf8.js';

/** tokenizer.json without its big parts, plus the vocabulary read from the bytes. */
export interface ScannedTokenizerJson {
  /** The file's content, except `model.merges` (left out) and `model.vocab` (an empty object when scanned). */
  readonly json: Record<string, unknown>;
  /** The model vocabulary when it is an object of `token: id` with plain integer ids; else in `json`. */
  readonly vocab: RawModelVocab | undefined;
}

const textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Scans a tokenizer.json file. Throws {@link JsonScanError} for malformed JSON. Returns `undefined` when
 * the file has a shape this fast path does not handle (the caller then uses JSON.parse).
 */
export function scanTokenizerJson(buf: Uint8Array): ScannedTokenizerJson | undefined {
  const scanner = new JsonScanner(buf);
  const parseSlice = (start: number, end: number): unknown =>
    JSON.parse(textDecoder.decode(buf.subarray(start, end)));
  const keyOf = (start: number, end: number): string =>
    JSON.parse(`"${textDecoder.decode(buf.subarray(start, end))}"`);

  let start = scanner.skipWhitespace(0);
  if (buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3; // UTF-8 BOM
  if (buf[scanner.skipWhitespace(start)] !== 0x7b) return undefined; // not an object: let JSON.parse report it
  const json: Record<string, unknown> = {};
  let vocab: RawModelVocab | undefined;
  let unsupported = false;

  const end = scanner.forEachMember(start, (keyStart, keyEnd, valueStart) => {
    const key = keyOf(keyStart, keyEnd);
    if (key !== 'model' || buf[valueStart] !== 0x7b) {
      const valueEnd = scanner.skipValue(valueStart);
      json[key] = parseSlice(valueStart, valueEnd);
      return valueEnd;
    }
    const model: Record<string, unknown> = {};
    json[key] = model;
    vocab = undefined;
    return scanner.forEachMember(valueStart, (mKeyStart, mKeyEnd, mValueStart) => {
      const mKey = keyOf(mKeyStart, mKeyEnd);
      if (mKey === 'merges') {
        delete model.merges;
        return scanner.skipValueLoosely(mValueStart);
      }
      if (mKey === 'vocab' && buf[mValueStart] === 0x7b) {
        const scanned = scanVocab(scanner, mValueStart);
        if (scanned === undefined) {
          unsupported = true;
          return scanner.skipValue(mValueStart);
        }
        vocab = scanned.vocab;
        model.vocab = {};
        return scanned.end;
      }
      const mValueEnd = scanner.skipValue(mValueStart);
      model[mKey] = parseSlice(mValueStart, mValueEnd);
      if (mKey === 'vocab') vocab = undefined;
      return mValueEnd;
    });
  });
  if (scanner.skipWhitespace(end) !== buf.length)
    throw scanner.unexpected(scanner.skipWhitespace(end), 'end of input');
  return unsupported ? undefined : { json, vocab };
}

/**
 * Scans `{ "token": id, ... }` in one flat loop (no per-entry calls or allocations). Returns `undefined` if
 * an id is not a plain non-negative integer or a key is not valid UTF-8 (the caller then uses JSON.parse).
 */
function scanVocab(scanner: JsonScanner, pos: number): { vocab: RawModelVocab; end: number } | undefined {
  const buf = scanner.buf;
  const n = buf.length;
  // (keyStart, keyEnd, id) triples, grown by doubling.
  let entries = new Uint32Array(3 * 1024);
  let count = 0;
  let maxId = -1;
  pos = scanner.expect(pos, 0x7b);
  pos = scanner.skipWhitespace(pos);
  if (buf[pos] === 0x7d) pos++;
  else {
    // Whitespace is skipped inline and two-byte UTF-8 (most non-ASCII key bytes: Ġ, Ċ...) checked inline:
    // this loop runs once per vocabulary entry, cold, at startup.
    for (;;) {
      while (pos < n && isJsonWhitespace(buf[pos]!)) pos++;
      if (buf[pos] !== 0x22) throw scanner.unexpected(pos, 'a string key');
      const keyStart = pos + 1;
      let i = keyStart;
      let valid = true;
      while (i < n) {
        const c = buf[i]!;
        if (c === 0x22) break;
        if (c < 0x80) {
          if (c === 0x5c) {
            const len = escapeLength(buf, i);
            if (len === 0) throw new JsonScanError('bad escape in string', i);
            i += len;
            continue;
          }
          if (c < 0x20) throw new JsonScanError('control character in string', i);
          i++;
        } else if (c >= 0xc2 && c <= 0xdf && i + 1 < n && (buf[i + 1]! & 0xc0) === 0x80) {
          i += 2;
        } else {
          const len = utf8SequenceLength(buf, i, n);
          if (len === 0) {
            valid = false;
            i++;
          } else i += len;
        }
      }
      if (i >= n) throw new JsonScanError('unterminated string', keyStart - 1);
      const keyEnd = i;
      pos = keyEnd + 1;
      while (pos < n && isJsonWhitespace(buf[pos]!)) pos++;
      if (buf[pos] !== 0x3a) throw scanner.unexpected(pos, "':'");
      pos++;
      while (pos < n && isJsonWhitespace(buf[pos]!)) pos++;
      const valueStart = pos;
      let id = 0;
      while (pos < n && buf[pos]! >= 0x30 && buf[pos]! <= 0x39 && id <= MAX_TOKEN_ID)
        id = id * 10 + buf[pos++]! - 0x30;
      const plainInteger =
        pos > valueStart && id <= MAX_TOKEN_ID && !(buf[valueStart] === 0x30 && pos - valueStart > 1);
      if (!plainInteger || !valid) return undefined;
      const after = buf[pos];
      if (after === 0x2e || after === 0x65 || after === 0x45) return undefined; // 1.0, 1e3: let JSON.parse judge
      if (count * 3 === entries.length) {
        const grown = new Uint32Array(entries.length * 2);
        grown.set(entries);
        entries = grown;
      }
      entries[count * 3] = keyStart;
      entries[count * 3 + 1] = keyEnd;
      entries[count * 3 + 2] = id;
      count++;
      if (id > maxId) maxId = id;
      while (pos < n && isJsonWhitespace(buf[pos]!)) pos++;
      if (buf[pos] === 0x2c) pos++;
      else if (buf[pos] === 0x7d) {
        pos++;
        break;
      } else throw scanner.unexpected(pos, "',' or '}'");
    }
  }
  const keyStart = new Uint32Array(maxId + 1);
  const keyEnd = new Uint32Array(maxId + 1);
  for (let k = 0; k < count; k++) {
    // An empty key keeps keyEnd > 0 (it is inside the file, after the opening quote).
    const id = entries[k * 3 + 2]!;
    keyStart[id] = entries[k * 3]!;
    keyEnd[id] = entries[k * 3 + 1]!;
  }
  return { vocab: new RawModelVocab(buf, keyStart, keyEnd), end: pos };
}

function isJsonWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export { JsonScanError };
