/**
 * Turning vocabulary strings into the bytes a token stands for, per decoding kind, into one growing buffer.
 */
import { CHAR_TO_BYTE } from './byte-level.js';

/**
 * How a tokenizer's vocabulary strings spell bytes:
 * - `byte_level`: GPT-2 byte-to-unicode mapping (one code point per byte; Llama 3, Qwen 2/3, GPT-2).
 * - `byte_fallback`: SentencePiece style: `▁` stands for a space and `<0xNN>` tokens for single bytes (Llama 2, Gemma).
 * - `raw`: the token strings are the text (UTF-8).
 */
export type TokenizerKind = 'byte_level' | 'byte_fallback' | 'raw';

/** The three kinds, for validation and help texts. */
export const TOKENIZER_KINDS: readonly TokenizerKind[] = ['byte_level', 'byte_fallback', 'raw'];

/** The SentencePiece word-boundary marker, U+2581. */
export const SPIECE_UNDERLINE = '\u2581';

const BYTE_FALLBACK_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

/** An append-only byte buffer. */
export class ByteSink {
  data: Uint8Array;
  length = 0;

  constructor(initialCapacity = 1024) {
    this.data = new Uint8Array(Math.max(16, initialCapacity));
  }

  /** Appends one byte. */
  push(byte: number): void {
    if (this.length === this.data.length) this.grow(1);
    this.data[this.length++] = byte;
  }

  /** Appends the UTF-8 encoding of `text` (lone surrogates become U+FFFD, as TextEncoder does). */
  pushUtf8(text: string): void {
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c < 0x80) {
        this.push(c);
        continue;
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
        } else {
          c = 0xfffd;
        }
      }
      this.pushCodePoint(c);
    }
  }

  /** Appends the UTF-8 encoding of one Unicode scalar value. */
  pushCodePoint(c: number): void {
    if (c < 0x80) this.push(c);
    else if (c < 0x800) {
      this.push(0xc0 | (c >> 6));
      this.push(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
      this.push(0xe0 | (c >> 12));
      this.push(0x80 | ((c >> 6) & 0x3f));
      this.push(0x80 | (c & 0x3f));
    } else {
      this.push(0xf0 | (c >> 18));
      this.push(0x80 | ((c >> 12) & 0x3f));
      this.push(0x80 | ((c >> 6) & 0x3f));
      this.push(0x80 | (c & 0x3f));
    }
  }

  /** Appends raw bytes. */
  pushBytes(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.data.length) this.grow(bytes.length);
    this.data.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Makes room for `extra` more bytes, so a caller may write up to that many into `data` directly. */
  reserve(extra: number): void {
    if (this.length + extra > this.data.length) this.grow(extra);
  }

  /** A right-sized copy of the content. */
  toBytes(): Uint8Array {
    return this.data.slice(0, this.length);
  }

  private grow(extra: number): void {
    const next = new Uint8Array(Math.max(this.data.length * 2, this.length + extra));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
}

/**
 * Appends the bytes of one vocabulary string of a byte-level vocabulary. A code point outside GPT-2's table
 * stands for its own UTF-8 bytes (Hugging Face tokenizers' ByteLevel decoder does the same).
 */
export function pushByteLevel(sink: ByteSink, token: string): void {
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    const b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c]! : -1;
    if (b >= 0) sink.push(b);
    else {
      const cp = token.codePointAt(i)!;
      if (cp > 0xffff) i++;
      sink.pushCodePoint(cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp);
    }
  }
}

/**
 * Appends the bytes of one vocabulary string of a SentencePiece-style vocabulary: `<0xNN>` is the single
 * byte NN, and `space` (normally `▁`) stands for U+0020.
 */
export function pushByteFallback(sink: ByteSink, token: string, space: string = SPIECE_UNDERLINE): void {
  if (token.length === 6 && token.charCodeAt(0) === 0x3c) {
    const m = BYTE_FALLBACK_TOKEN.exec(token);
    if (m) {
      sink.push(Number.parseInt(m[1]!, 16));
      return;
    }
  }
  sink.pushUtf8(space.length > 0 && token.includes(space) ? token.split(space).join(' ') : token);
}

/** Appends the bytes of a vocabulary string of the given kind. */
export function pushTokenBytes(sink: ByteSink, token: string, kind: TokenizerKind, space?: string): void {
  if (kind === 'byte_level') pushByteLevel(sink, token);
  else if (kind === 'byte_fallback') pushByteFallback(sink, token, space);
  else sink.pushUtf8(token);
}
