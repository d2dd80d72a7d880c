/**
 * Wire format of the logitkit sidecar protocol (docs/sidecar-protocol.md is the normative description).
 *
 * Every frame is `u32 bodyLength` followed by the body. A request body is `u8 op, u32 requestId, payload`;
 * a reply body is `u8 status, u32 requestId, payload` where status 0 is success and 1 carries
 * `u16 errorCode, str message`. All integers are little-endian; `str` is `u32 byteLength` + UTF-8 bytes.
 * Token masks never travel in frames: the batched fill writes rows into a shared-memory file.
 */

/** Protocol version sent in HELLO; bumped on any incompatible change. */
export const PROTOCOL_VERSION = 4;

/** `LKSC` read as a little-endian u32: the first field of HELLO, so a stray client fails fast. */
export const HELLO_MAGIC = 0x43534b4c;

/** Largest body accepted (a JSON schema of many megabytes still fits). Larger frames close the connection. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** Bytes of `u8 op/status + u32 requestId` that start every body. */
export const BODY_HEADER_BYTES = 5;

/** Request opcodes. */
export const Op = {
  hello: 0x01,
  attachBuffer: 0x02,
  compile: 0x03,
  freeGrammar: 0x04,
  createMatcher: 0x05,
  forkMatcher: 0x06,
  freeMatchers: 0x07,
  acceptToken: 0x08,
  rollback: 0x09,
  queryState: 0x0a,
  jumpForward: 0x0b,
  fillBatch: 0x0c,
  resetMatcher: 0x0d,
  referenceMask: 0x0e,
  ping: 0x0f,
  acceptTokens: 0x10,
  acceptTokensQuiet: 0x11,
  fillAhead: 0x12,
  createMatcherAs: 0x13,
} as const;

/** A request opcode. */
export type OpCode = (typeof Op)[keyof typeof Op];

/** Grammar key types, in SGLang's priority order (`json`, `regex`, `ebnf`, `structural_tag`). */
export const KeyType = {
  json: 0,
  regex: 1,
  ebnf: 2,
  structuralTag: 3,
} as const;

/** A grammar key type code. */
export type KeyTypeCode = (typeof KeyType)[keyof typeof KeyType];

/** SGLang's key type names by code, for messages. */
export const KEY_TYPE_NAMES: Readonly<Record<KeyTypeCode, string>> = {
  0: 'json',
  1: 'regex',
  2: 'ebnf',
  3: 'structural_tag',
};

/** Error codes carried by error replies. */
export const ErrorCode = {
  malformedFrame: 1,
  unknownOp: 2,
  notHandshaken: 3,
  versionMismatch: 4,
  unknownHandle: 5,
  compileError: 6,
  badArgument: 7,
  noBuffer: 8,
  internal: 9,
} as const;

/** An error code. */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * COMPILE flag: JSON schemas without free whitespace — exactly Python `json.dumps` spacing (`", "` and `": "`),
 * SGLang's `--constrained-json-disable-any-whitespace` (xgrammar's `any_whitespace=False`).
 */
export const COMPILE_FLAG_JSON_FIXED_WHITESPACE = 1;

/**
 * FILL_BATCH flag: skip mask computation and write every listed row as it is, as if all had changed (the
 * transport's worst case, for benchmarks).
 */
export const FILL_FLAG_TRANSPORT_ONLY = 1;

/**
 * Matcher handles chosen by the client (CREATE_MATCHER_AS) are at least this; the sidecar's own (CREATE_MATCHER,
 * FORK_MATCHER) count up from 1 below it.
 */
export const CLIENT_HANDLE_BASE = 0x80000000;

/** CREATE_MATCHER flag: the matcher terminates as soon as the grammar is complete (no stop token needed). */
export const MATCHER_FLAG_TERMINATE_WITHOUT_STOP = 1;

/** FILL_BATCH per-row status: the row was filled from the matcher and written. */
export const ROW_FILLED = 0;
/** FILL_BATCH per-row status bit: the matcher is terminated; the row holds all ones (unconstrained). */
export const ROW_TERMINATED = 1;
/**
 * FILL_BATCH per-row status bit: the row already held exactly this mask (the sidecar wrote it there earlier and the
 * client did not report changing it), so it was not rewritten. Combined with ROW_TERMINATED for all-ones rows.
 */
export const ROW_UNCHANGED = 2;

/**
 * FILL_AHEAD's control record, written at the start of the client's control row after the masks: `u32 ticket,
 * u32 n, f64 computeMicros, f64 writeMicros, f64 acceptMicros, u32 rowsWritten, u32 reserved` (40 bytes). The
 * client sees a fill ahead as done once the ticket appears there.
 */
export const CONTROL_RECORD_BYTES = 40;

/** ACCEPT_TOKENS per-entry result bit: the token was accepted. */
export const ACCEPT_OK = 1;
/** ACCEPT_TOKENS per-entry result bit: the matcher is terminated after the call. */
export const ACCEPT_TERMINATED = 2;
/** ACCEPT_TOKENS per-entry result bit: no matcher has this handle (nothing was done for the entry). */
export const ACCEPT_UNKNOWN_HANDLE = 4;

/** A protocol violation detected while reading a payload; answered with an error reply. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: ErrorCodeValue,
    message: string,
  ) {
    super(message);
  }
}

/** Sequential little-endian reader over one frame body; throws ProtocolError on truncation. */
export class PayloadReader {
  private offset: number;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
  ) {
    this.offset = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number, what: string): void {
    if (this.offset + n > this.bytes.byteLength) {
      throw new ProtocolError(
        ErrorCode.malformedFrame,
        `truncated payload: ${what} needs ${n} bytes at offset ${this.offset}, frame has ${this.bytes.byteLength}`,
      );
    }
  }

  /** Reads a u8. */
  u8(what: string): number {
    this.need(1, what);
    return this.view.getUint8(this.offset++);
  }

  /** Reads a u16. */
  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return v;
  }

  /** Reads a u32. */
  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }

  /** Reads an i32. */
  i32(what: string): number {
    this.need(4, what);
    const v = this.view.getInt32(this.offset, true);
    this.offset += 4;
    return v;
  }

  /** Reads an f64. */
  f64(what: string): number {
    this.need(8, what);
    const v = this.view.getFloat64(this.offset, true);
    this.offset += 8;
    return v;
  }

  /** Reads a `u32 length + UTF-8` string; invalid UTF-8 is a malformed frame. */
  str(what: string): string {
    const n = this.u32(`${what} length`);
    this.need(n, what);
    const slice = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    try {
      return utf8Decoder.decode(slice);
    } catch {
      throw new ProtocolError(ErrorCode.malformedFrame, `${what} is not valid UTF-8`);
    }
  }

  /** Reads `count` u32 values into `target` (from index 0) without allocating. */
  u32sInto(what: string, target: Uint32Array, count: number): void {
    this.need(count * 4, what);
    for (let i = 0; i < count; i++) target[i] = this.view.getUint32(this.offset + i * 4, true);
    this.offset += count * 4;
  }

  /** Reads a `u32 count` followed by that many u32 values. */
  u32Array(what: string): Uint32Array {
    const n = this.u32(`${what} count`);
    this.need(n * 4, what);
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.view.getUint32(this.offset + i * 4, true);
    this.offset += n * 4;
    return out;
  }

  /** Throws unless the whole payload was consumed (trailing bytes mean client and sidecar disagree). */
  end(): void {
    if (this.offset !== this.bytes.byteLength) {
      throw new ProtocolError(
        ErrorCode.malformedFrame,
        `${this.bytes.byteLength - this.offset} unexpected trailing bytes in payload`,
      );
    }
  }
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** Growable little-endian writer that produces one complete frame (length prefix included). */
export class FrameWriter {
  private buf: Buffer;
  private len = 4;

  constructor(initial = 64) {
    this.buf = Buffer.allocUnsafe(Math.max(initial, 16));
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** Appends a u8. */
  u8(v: number): this {
    this.ensure(1);
    this.buf.writeUInt8(v, this.len);
    this.len += 1;
    return this;
  }

  /** Appends a u16. */
  u16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16LE(v, this.len);
    this.len += 2;
    return this;
  }

  /** Appends a u32. */
  u32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.len);
    this.len += 4;
    return this;
  }

  /** Appends an i32. */
  i32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32LE(v | 0, this.len);
    this.len += 4;
    return this;
  }

  /** Appends an f64. */
  f64(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.len);
    this.len += 8;
    return this;
  }

  /** Appends a `u32 length + UTF-8` string. */
  str(s: string): this {
    const bytes = utf8Encoder.encode(s);
    this.u32(bytes.byteLength);
    return this.bytes(bytes);
  }

  /** Appends raw bytes. */
  bytes(b: Uint8Array): this {
    this.ensure(b.byteLength);
    this.buf.set(b, this.len);
    this.len += b.byteLength;
    return this;
  }

  /** Appends a `u32 count` followed by the values as u32. */
  u32Array(values: ArrayLike<number>): this {
    this.u32(values.length);
    for (let i = 0; i < values.length; i++) this.u32(values[i]!);
    return this;
  }

  /** Returns the finished frame with its length prefix filled in. */
  finish(): Buffer {
    this.buf.writeUInt32LE(this.len - 4, 0);
    return this.buf.subarray(0, this.len);
  }
}

/** Starts a request frame: `op, requestId`. */
export function requestFrame(op: OpCode, requestId: number): FrameWriter {
  return new FrameWriter().u8(op).u32(requestId);
}

/** Starts a success reply frame for `requestId`. */
export function okReply(requestId: number, initial = 64): FrameWriter {
  return new FrameWriter(initial).u8(0).u32(requestId);
}

/** A complete error reply frame. */
export function errorReply(requestId: number, code: ErrorCodeValue, message: string): Buffer {
  return new FrameWriter().u8(1).u32(requestId).u16(code).str(message).finish();
}

/**
 * Splits a byte stream into frame bodies. `push` returns the complete bodies received so far; a length prefix
 * outside [BODY_HEADER_BYTES, maxFrameBytes] throws ProtocolError (the stream cannot be resynchronised).
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxFrameBytes = MAX_FRAME_BYTES) {}

  /** Feeds received bytes; returns every complete frame body. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Buffer[] = [];
    while (this.buffered >= 4) {
      const head = this.peek(4);
      const bodyLength = head.readUInt32LE(0);
      if (bodyLength < BODY_HEADER_BYTES || bodyLength > this.maxFrameBytes) {
        throw new ProtocolError(
          ErrorCode.malformedFrame,
          `frame length ${bodyLength} outside [${BODY_HEADER_BYTES}, ${this.maxFrameBytes}]`,
        );
      }
      if (this.buffered < 4 + bodyLength) break;
      const frame = this.take(4 + bodyLength);
      out.push(frame.subarray(4));
    }
    return out;
  }

  /** Bytes received but not yet part of a complete frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!;
    const joined = Buffer.concat(this.chunks);
    this.chunks = [joined];
    return joined;
  }

  private take(n: number): Buffer {
    const first = this.peek(n);
    const frame = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return frame;
  }
}
