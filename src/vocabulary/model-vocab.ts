/**
 * The model vocabulary (tokenizer.json `model.vocab`) as id → bytes, from either a parsed JSON object or
 * the raw bytes of the file (the fast loader: keys are decoded straight from the file, no strings).
 */
import { CHAR_TO_BYTE } from './byte-level.js';
import { simpleEscapeValue } from './json-scan.js';
import { type ByteSink, pushTokenBytes, SPIECE_UNDERLINE, type TokenizerKind } from './token-bytes.js';
import { utf8SequenceLength } from './utf8.js';

/** Read access to the model vocabulary by id. */
export interface ModelVocab {
  /** One more than the largest id. */
  readonly size: number;
  /** Appends the bytes of model token `id` per `kind` (nothing for a hole). */
  appendTokenBytes(sink: ByteSink, id: number, kind: TokenizerKind, spaceMarker: string): void;
  /** The id of a vocabulary string, if present. */
  idOf(token: string): number | undefined;
}

/** A vocabulary of strings by id (holes are `undefined`). */
export class StringModelVocab implements ModelVocab {
  readonly size: number;
  readonly #tokens: (string | undefined)[];
  #index: Map<string, number> | undefined;

  constructor(tokens: (string | undefined)[]) {
    this.#tokens = tokens;
    this.size = tokens.length;
  }

  appendTokenBytes(sink: ByteSink, id: number, kind: TokenizerKind, spaceMarker: string): void {
    const token = this.#tokens[id];
    if (token !== undefined) pushTokenBytes(sink, token, kind, spaceMarker);
  }

  idOf(token: string): number | undefined {
    if (!this.#index) {
      this.#index = new Map();
      this.#tokens.forEach((t, id) => {
        if (t !== undefined && !this.#index!.has(t)) this.#index!.set(t, id);
      });
    }
    return this.#index.get(token);
  }
}

const textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
const textEncoder = new TextEncoder();

/**
 * A vocabulary whose keys are byte ranges of a JSON file (inside the quotes, escapes undecoded). Keys must
 * be valid UTF-8 (the scanner checks). `keyEnd[id] === 0` marks a hole.
 */
export class RawModelVocab implements ModelVocab {
  readonly size: number;
  readonly #buf: Uint8Array;
  readonly #keyStart: Uint32Array;
  readonly #keyEnd: Uint32Array;

  constructor(buf: Uint8Array, keyStart: Uint32Array, keyEnd: Uint32Array) {
    this.#buf = buf;
    this.#keyStart = keyStart;
    this.#keyEnd = keyEnd;
    this.size = keyStart.length;
  }

  appendTokenBytes(sink: ByteSink, id: number, kind: TokenizerKind, spaceMarker: string): void {
    const end = this.#keyEnd[id]!;
    if (end === 0) return;
    const start = this.#keyStart[id]!;
    if (kind === 'byte_fallback' && spaceMarker !== SPIECE_UNDERLINE) {
      // An unusual marker: decode the key as a string (rare).
      pushTokenBytes(sink, this.#keyString(id), kind, spaceMarker);
      return;
    }
    if (!hasBackslash(this.#buf, start, end)) {
      decodeKey(sink, this.#buf, start, end, kind);
      return;
    }
    // Simple escapes (\" \\ \n ...: about 1% of a byte-level vocabulary) are resolved into scratch bytes;
    // \uXXXX keys go through JSON.parse.
    const length = unescapeSimple(this.#buf, start, end);
    if (length < 0) pushTokenBytes(sink, this.#keyString(id), kind, spaceMarker);
    else decodeKey(sink, unescaped, 0, length, kind);
  }

  idOf(token: string): number | undefined {
    const wanted = textEncoder.encode(token);
    const buf = this.#buf;
    for (let id = 0; id < this.size; id++) {
      const start = this.#keyStart[id]!;
      const end = this.#keyEnd[id]!;
      if (end === 0) continue;
      const key = buf.subarray(start, end);
      if (key.includes(0x5c)) {
        if (this.#keyString(id) === token) return id;
        continue;
      }
      if (key.length !== wanted.length) continue;
      let same = true;
      for (let k = 0; k < key.length && same; k++) same = key[k] === wanted[k];
      if (same) return id;
    }
    return undefined;
  }

  #keyString(id: number): string {
    return JSON.parse(
      `"${textDecoder.decode(this.#buf.subarray(this.#keyStart[id]!, this.#keyEnd[id]!))}"`,
    ) as string;
  }
}

/** Appends the bytes of key bytes `buf[start, end)` (no escapes) per `kind`. */
function decodeKey(sink: ByteSink, buf: Uint8Array, start: number, end: number, kind: TokenizerKind): void {
  // Decoding never yields more bytes than the key has: write into the sink's array directly.
  sink.reserve(end - start);
  const out = sink.data;
  let o = sink.length;
  if (kind === 'raw') {
    out.set(buf.subarray(start, end), o);
    o += end - start;
  } else if (kind === 'byte_level') {
    for (let i = start; i < end; ) {
      const b = buf[i]!;
      if (b < 0x80) {
        const mapped = CHAR_TO_BYTE[b]!;
        out[o++] = mapped >= 0 ? mapped : b;
        i++;
        continue;
      }
      const len = utf8SequenceLength(buf, i, end);
      // Two-byte sequences cover the whole GPT-2 table (code points up to U+0143).
      const cp = len === 2 ? ((b & 0x1f) << 6) | (buf[i + 1]! & 0x3f) : 0x10000;
      const mapped = cp < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[cp]! : -1;
      if (mapped >= 0) out[o++] = mapped;
      else for (let k = 0; k < len; k++) out[o++] = buf[i + k]!;
      i += len;
    }
  } else {
    if (end - start === 6 && buf[start] === 0x3c && buf[start + 1] === 0x30 && buf[start + 2] === 0x78) {
      const hi = hexDigit(buf[start + 3]!);
      const lo = hexDigit(buf[start + 4]!);
      if (hi >= 0 && lo >= 0 && buf[start + 5] === 0x3e) {
        out[o++] = hi * 16 + lo;
        sink.length = o;
        return;
      }
    }
    // ▁ is E2 96 81 in UTF-8.
    for (let i = start; i < end; i++) {
      if (buf[i] === 0xe2 && buf[i + 1] === 0x96 && buf[i + 2] === 0x81 && i + 2 < end) {
        out[o++] = 0x20;
        i += 2;
      } else out[o++] = buf[i]!;
    }
  }
  sink.length = o;
}

/** Scratch for keys with escapes (one key at a time). */
let unescaped = new Uint8Array(64);

/**
 * Copies key bytes `buf[start, end)` into `unescaped` with JSON's simple escapes resolved; returns the length,
 * or -1 if the key has a `\u` escape. The scanner has checked every escape.
 */
function unescapeSimple(buf: Uint8Array, start: number, end: number): number {
  if (unescaped.length < end - start) unescaped = new Uint8Array(2 * (end - start));
  let o = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c !== 0x5c) {
      unescaped[o++] = c;
      continue;
    }
    const e = buf[++i]!;
    if (e === 0x75) return -1;
    unescaped[o++] = simpleEscapeValue(e);
  }
  return o;
}

function hasBackslash(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] === 0x5c) return true;
  return false;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}
