/**
 * Fast tokenizer.json loading: scan the file bytes, JSON.parse only the small sections, skip
 * `model.merges`, and keep `model.vocab` as byte ranges of the file (see {@link RawModelVocab}).
 */
import { JsonScanError, JsonScanner } from './json-scan.js';
import { RawModelVocab } from './model-vocab.js';
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
        return scanner.skipValue(mValueStart);
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

/** Scans `{ "token": id, ... }`; `undefined` if an id is not a plain integer or a key is not valid UTF-8. */
function scanVocab(scanner: JsonScanner, pos: number): { vocab: RawModelVocab; end: number } | undefined {
  const buf = scanner.buf;
  const starts: number[] = [];
  const ends: number[] = [];
  const ids: number[] = [];
  let ok = true;
  let maxId = -1;
  const end = scanner.forEachMember(pos, (keyStart, keyEnd, valueStart) => {
    let id = 0;
    let p = valueStart;
    while (p < buf.length && buf[p]! >= 0x30 && buf[p]! <= 0x39 && id <= 0x7fffffff)
      id = id * 10 + buf[p++]! - 0x30;
    const valueEnd = scanner.skipValue(valueStart);
    if (
      p === valueStart ||
      p !== valueEnd ||
      id > 0x7fffffff ||
      (buf[valueStart] === 0x30 && p - valueStart > 1)
    ) {
      ok = false;
      return valueEnd;
    }
    for (let i = keyStart; i < keyEnd; ) {
      if (buf[i]! < 0x80) i++;
      else {
        const len = utf8SequenceLength(buf, i, keyEnd);
        if (len === 0) {
          ok = false;
          break;
        }
        i += len;
      }
    }
    starts.push(keyStart);
    ends.push(keyEnd);
    ids.push(id);
    if (id > maxId) maxId = id;
    return valueEnd;
  });
  if (!ok) return undefined;
  const keyStart = new Uint32Array(maxId + 1);
  const keyEnd = new Uint32Array(maxId + 1);
  for (let i = 0; i < ids.length; i++) {
    // An empty key keeps keyEnd > 0 (it is inside the file, after the opening quote).
    keyStart[ids[i]!] = starts[i]!;
    keyEnd[ids[i]!] = ends[i]!;
  }
  return { vocab: new RawModelVocab(buf, keyStart, keyEnd), end };
}

export { JsonScanError };
