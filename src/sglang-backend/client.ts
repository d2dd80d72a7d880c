import { connect, type Socket } from 'node:net';
import {
  FrameDecoder,
  type FrameWriter,
  HELLO_MAGIC,
  type KeyTypeCode,
  MATCHER_FLAG_TERMINATE_WITHOUT_STOP,
  Op,
  type OpCode,
  PayloadReader,
  PROTOCOL_VERSION,
  requestFrame,
} from './protocol.js';

/** An error reply from the sidecar. */
export class SidecarError extends Error {
  override readonly name = 'SidecarError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** What the sidecar reports in the handshake. */
export interface SidecarHello {
  protocolVersion: number;
  vocabSize: number;
  wordsPerRow: number;
  eosTokenIds: number[];
  version: string;
  description: string;
}

/** Result of a compile. */
export interface CompileResult {
  handle: number;
  compileMillis: number;
  cacheHit: boolean;
}

/** What the sidecar reports about one FILL_BATCH. */
export interface FillTiming {
  /** Time computing the masks (the matchers' fillNextTokenBitmask). */
  computeMicros: number;
  /** Time comparing rows with what the file holds and writing the changed ones. */
  writeMicros: number;
  /** Engine time of this session's accepts and rollbacks since the previous FILL_BATCH. */
  acceptMicros: number;
  /** Rows actually written into the file. */
  rowsWritten: number;
}

interface Pending {
  resolve: (r: PayloadReader) => void;
  reject: (e: Error) => void;
}

/**
 * A Node client for the sidecar protocol (used by the tests and the benchmark; the production client is the
 * Python plugin). Requests may be pipelined: replies are matched by request id.
 */
export class SidecarClient {
  private readonly pending = new Map<number, Pending>();
  private readonly decoder = new FrameDecoder();
  private nextId = 1;
  /** Sidecar-side timing of the last FILL_BATCH. */
  lastFillTiming: FillTiming = { computeMicros: 0, writeMicros: 0, acceptMicros: 0, rowsWritten: 0 };
  private closedError: Error | null = null;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const body of this.decoder.push(chunk)) this.onReply(body);
    });
    const fail = (err: Error) => {
      this.closedError = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('sidecar connection closed')));
  }

  /** Connects without handshaking (tests use this to send bad first frames). */
  static connectRaw(socketPath: string): Promise<SidecarClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(socketPath);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new SidecarClient(socket));
      });
    });
  }

  /** Connects and sends HELLO; `session` joins connections of one client ('' = a private session). */
  static async connect(
    socketPath: string,
    session = '',
  ): Promise<{ client: SidecarClient; hello: SidecarHello }> {
    const client = await SidecarClient.connectRaw(socketPath);
    const hello = await client.hello(session);
    return { client, hello };
  }

  private onReply(body: Buffer): void {
    const status = body.readUInt8(0);
    const id = body.readUInt32LE(1);
    const p = this.pending.get(id);
    const reader = new PayloadReader(body, 5);
    if (!p) {
      // Replies with id 0 are connection-level errors (bad framing): fail everything outstanding.
      if (status === 1 && id === 0) {
        const err = new SidecarError(reader.u16('code'), reader.str('message'));
        for (const q of this.pending.values()) q.reject(err);
        this.pending.clear();
      }
      return;
    }
    this.pending.delete(id);
    if (status === 0) p.resolve(reader);
    else p.reject(new SidecarError(reader.u16('code'), reader.str('message')));
  }

  /** Allocates a request id and a frame for `op`. */
  frame(op: OpCode): { id: number; writer: FrameWriter } {
    const id = this.nextId++;
    return { id, writer: requestFrame(op, id) };
  }

  /** Sends a finished frame and waits for the reply with id `id`. */
  send(id: number, frame: Buffer): Promise<PayloadReader> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.write(frame);
    });
  }

  /** Writes raw bytes (malformed-frame tests). */
  writeRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Waits for the reply to request `id` without sending anything (after writeRaw). */
  expectReply(id: number): Promise<PayloadReader> {
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  private async call(op: OpCode, build: (w: FrameWriter) => void = () => {}): Promise<PayloadReader> {
    const { id, writer } = this.frame(op);
    build(writer);
    return this.send(id, writer.finish());
  }

  /** HELLO. */
  async hello(session: string): Promise<SidecarHello> {
    const r = await this.call(Op.hello, (w) => w.u32(HELLO_MAGIC).u16(PROTOCOL_VERSION).str(session));
    return {
      protocolVersion: r.u16('version'),
      vocabSize: r.u32('vocab'),
      wordsPerRow: r.u32('words'),
      eosTokenIds: Array.from(r.u32Array('eos')),
      version: r.str('version'),
      description: r.str('description'),
    };
  }

  /** PING (round-trip baseline). */
  async ping(): Promise<void> {
    await this.call(Op.ping);
  }

  /** ATTACH_BUFFER. */
  async attachBuffer(path: string, rows: number): Promise<void> {
    await this.call(Op.attachBuffer, (w) => w.str(path).u32(rows));
  }

  /** COMPILE. */
  async compile(keyType: KeyTypeCode, key: string, flags = 0): Promise<CompileResult> {
    const r = await this.call(Op.compile, (w) => w.u8(keyType).u8(flags).str(key));
    return { handle: r.u32('handle'), compileMillis: r.f64('millis'), cacheHit: r.u8('hit') === 1 };
  }

  /** FREE_GRAMMAR. */
  async freeGrammar(handle: number): Promise<void> {
    await this.call(Op.freeGrammar, (w) => w.u32(handle));
  }

  /** CREATE_MATCHER. */
  async createMatcher(
    grammar: number,
    options: { stopTokenIds?: number[]; terminateWithoutStopToken?: boolean } = {},
  ): Promise<number> {
    const flags = options.terminateWithoutStopToken ? MATCHER_FLAG_TERMINATE_WITHOUT_STOP : 0;
    const r = await this.call(Op.createMatcher, (w) =>
      w
        .u32(grammar)
        .u8(flags)
        .u32Array(options.stopTokenIds ?? []),
    );
    return r.u32('handle');
  }

  /** FORK_MATCHER. */
  async forkMatcher(matcher: number): Promise<number> {
    return (await this.call(Op.forkMatcher, (w) => w.u32(matcher))).u32('handle');
  }

  /** FREE_MATCHERS. */
  async freeMatchers(handles: number[]): Promise<void> {
    await this.call(Op.freeMatchers, (w) => w.u32Array(handles));
  }

  /** ACCEPT_TOKEN. */
  async acceptToken(matcher: number, token: number): Promise<{ accepted: boolean; terminated: boolean }> {
    const r = await this.call(Op.acceptToken, (w) => w.u32(matcher).i32(token));
    return { accepted: r.u8('accepted') === 1, terminated: r.u8('terminated') === 1 };
  }

  /**
   * ACCEPT_TOKENS: one token per matcher in one frame; resolves to each entry's result bits (ACCEPT_OK,
   * ACCEPT_TERMINATED, ACCEPT_UNKNOWN_HANDLE).
   */
  async acceptTokens(entries: ReadonlyArray<readonly [matcher: number, token: number]>): Promise<number[]> {
    const r = await this.call(Op.acceptTokens, (w) => {
      w.u32(entries.length);
      for (const [m] of entries) w.u32(m);
      for (const [, t] of entries) w.i32(t);
    });
    const n = r.u32('count');
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(r.u8('result'));
    return out;
  }

  /**
   * ACCEPT_TOKENS_QUIET: sends the frame without waiting and returns its request id. The sidecar replies (as to
   * ACCEPT_TOKENS) only when some entry was not accepted: wait with `expectReply(id)`.
   */
  postAcceptTokensQuiet(entries: ReadonlyArray<readonly [matcher: number, token: number]>): number {
    const { id, writer } = this.frame(Op.acceptTokensQuiet);
    writer.u32(entries.length);
    for (const [m] of entries) writer.u32(m);
    for (const [, t] of entries) writer.i32(t);
    this.writeRaw(writer.finish());
    return id;
  }

  /** ROLLBACK; resolves to the terminated flag after the rollback. */
  async rollback(matcher: number, count: number): Promise<boolean> {
    return (await this.call(Op.rollback, (w) => w.u32(matcher).u32(count))).u8('terminated') === 1;
  }

  /** QUERY_STATE. */
  async queryState(matcher: number): Promise<{ terminated: boolean; completed: boolean }> {
    const r = await this.call(Op.queryState, (w) => w.u32(matcher));
    return { terminated: r.u8('terminated') === 1, completed: r.u8('completed') === 1 };
  }

  /** JUMP_FORWARD. */
  async jumpForward(matcher: number): Promise<string> {
    return (await this.call(Op.jumpForward, (w) => w.u32(matcher))).str('string');
  }

  /** RESET_MATCHER. */
  async resetMatcher(matcher: number): Promise<void> {
    await this.call(Op.resetMatcher, (w) => w.u32(matcher));
  }

  /**
   * FILL_BATCH; resolves to the per-row status bytes (ROW_FILLED, or the ROW_TERMINATED / ROW_UNCHANGED bits).
   * `onesRows` are set to all ones (unconstrained); `clobberedRows` are rows the client wrote itself since the
   * sidecar last wrote them. The sidecar's timing lands in `lastFillTiming`.
   */
  async fillBatch(
    entries: ReadonlyArray<readonly [matcher: number, row: number]>,
    flags = 0,
    onesRows: readonly number[] = [],
    clobberedRows: readonly number[] = [],
  ): Promise<number[]> {
    const r = await this.call(Op.fillBatch, (w) => {
      w.u8(flags).u32(entries.length);
      for (const [m] of entries) w.u32(m);
      for (const [, row] of entries) w.u32(row);
      w.u32Array(onesRows).u32Array(clobberedRows);
    });
    const n = r.u32('count');
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(r.u8('status'));
    this.lastFillTiming = {
      computeMicros: r.f64('compute'),
      writeMicros: r.f64('write'),
      acceptMicros: r.f64('accept'),
      rowsWritten: r.u32('rows written'),
    };
    return out;
  }

  /**
   * FILL_AHEAD: sends the frame without waiting and returns its request id. The sidecar fills the rows as
   * FILL_BATCH would, then writes the control record (`ticket` first field) at the start of row `controlRow`; it
   * replies only with an error (wait with `expectReply(id)`).
   */
  postFillAhead(
    entries: ReadonlyArray<readonly [matcher: number, row: number]>,
    ticket: number,
    controlRow: number,
    onesRows: readonly number[] = [],
    clobberedRows: readonly number[] = [],
  ): number {
    const { id, writer } = this.frame(Op.fillAhead);
    writer.u8(0).u32(entries.length);
    for (const [m] of entries) writer.u32(m);
    for (const [, row] of entries) writer.u32(row);
    writer.u32Array(onesRows).u32Array(clobberedRows).u32(ticket).u32(controlRow);
    this.writeRaw(writer.finish());
    return id;
  }

  /**
   * CREATE_MATCHER_AS: a matcher under the client-chosen `handle` (at least CLIENT_HANDLE_BASE); sends the frame
   * without waiting and returns its request id. The sidecar replies only with an error (`expectReply(id)`).
   */
  postCreateMatcherAs(
    handle: number,
    grammar: number,
    flags = 0,
    stopTokenIds: readonly number[] = [],
  ): number {
    const { id, writer } = this.frame(Op.createMatcherAs);
    writer.u32(handle).u32(grammar).u8(flags).u32Array(stopTokenIds);
    this.writeRaw(writer.finish());
    return id;
  }

  /** REFERENCE_MASK: the mask of a fresh matcher after `tokens`, as bytes. */
  async referenceMask(grammar: number, tokens: number[]): Promise<Uint8Array> {
    const r = await this.call(Op.referenceMask, (w) => w.u32(grammar).u32Array(tokens));
    const n = r.u32('length');
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = r.u8('byte');
    return out;
  }

  /** Closes the connection. */
  close(): void {
    this.socket.destroy();
  }
}
