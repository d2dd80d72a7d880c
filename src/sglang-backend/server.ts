import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { SidecarEngine, SidecarMatcher } from './engine-port.js';
import {
  ACCEPT_OK,
  ACCEPT_TERMINATED,
  ACCEPT_UNKNOWN_HANDLE,
  ErrorCode,
  errorReply,
  FILL_FLAG_TRANSPORT_ONLY,
  FrameDecoder,
  HELLO_MAGIC,
  KEY_TYPE_NAMES,
  type KeyTypeCode,
  MATCHER_FLAG_TERMINATE_WITHOUT_STOP,
  MAX_FRAME_BYTES,
  Op,
  okReply,
  PayloadReader,
  PROTOCOL_VERSION,
  ProtocolError,
  ROW_FILLED,
  ROW_TERMINATED,
  ROW_UNCHANGED,
} from './protocol.js';
import { Session } from './session.js';
import { type MaskRow, SharedMaskBuffer } from './shared-mask-buffer.js';

/** Options of a sidecar server. */
export interface SidecarServerOptions<G> {
  /** Tokenizer + compiler the sidecar serves. */
  engine: SidecarEngine<G>;
  /** Unix socket path to listen on (an existing socket file is replaced; any other file is an error). */
  socketPath: string;
  /** Compiled grammars (and compile errors) kept across requests, least recently used evicted. Default 4096. */
  compileCacheEntries?: number;
  /** Version string reported in the handshake. */
  version?: string;
  /** Diagnostics sink (stderr in the CLI). */
  log?: (message: string) => void;
  /** Largest accepted frame body in bytes. */
  maxFrameBytes?: number;
  /** Live matchers per session (default 65536). */
  maxMatchersPerSession?: number;
}

type CompileOutcome<G> = { readonly grammar: G; readonly millis: number } | { readonly error: string };

interface Connection<G> {
  readonly socket: Socket;
  readonly decoder: FrameDecoder;
  session: Session<G> | null;
  closed: boolean;
}

interface CompileJob<G> {
  readonly conn: Connection<G>;
  readonly requestId: number;
  readonly keyType: KeyTypeCode;
  readonly flags: number;
  readonly key: string;
}

/** A validated FILL_BATCH / FILL_AHEAD request (handles, rows and matchers are in the server's scratch arrays). */
interface ParsedFill {
  readonly flags: number;
  readonly count: number;
  readonly buffer: SharedMaskBuffer;
  readonly onesRows: Uint32Array;
  readonly clobbered: Uint32Array;
}

/** What a fill reports (FILL_BATCH's reply fields, FILL_AHEAD's control record). */
interface FillOutcome {
  readonly computeMicros: number;
  readonly writeMicros: number;
  readonly acceptMicros: number;
  readonly written: number;
}

/** Counters exposed for tests and diagnostics. */
export interface SidecarStats {
  sessions: number;
  connections: number;
  matchers: number;
  grammars: number;
  compiles: number;
  compileCacheHits: number;
}

/**
 * The sidecar: a Unix-socket server speaking the protocol of docs/sidecar-protocol.md over one SidecarEngine.
 *
 * Compiles run on the main thread through a FIFO queue drained one job per event-loop turn (setImmediate), so
 * frames that arrive while grammars are queued — in particular the per-step FILL_BATCH — are served between two
 * compiles instead of after all of them. A single compile still runs to completion once started.
 */
export class SidecarServer<G> {
  private readonly server: Server;
  private readonly sessions = new Map<string, Session<G>>();
  private readonly connections = new Set<Connection<G>>();
  private readonly cache = new Map<string, CompileOutcome<G>>();
  private readonly queue: CompileJob<G>[] = [];
  private draining = false;
  private anonymousSessions = 0;
  private readonly counters = { compiles: 0, compileCacheHits: 0 };
  private readonly wordsPerRow: number;
  private readonly log: (message: string) => void;
  private readonly cacheLimit: number;
  // FILL_BATCH scratch, reused across calls (grown when a batch is larger).
  private fillHandles = new Uint32Array(256);
  private fillRows = new Uint32Array(256);
  private fillStatus = new Uint8Array(256);
  private readonly fillMatchers: SidecarMatcher[] = [];
  private readonly fillComputed: (MaskRow | null)[] = [];

  constructor(private readonly options: SidecarServerOptions<G>) {
    this.wordsPerRow = Math.ceil(options.engine.vocabSize / 32);
    this.log = options.log ?? (() => {});
    this.cacheLimit = options.compileCacheEntries ?? 4096;
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Starts listening; resolves once the socket file exists. */
  listen(): Promise<void> {
    const path = this.options.socketPath;
    if (existsSync(path)) {
      if (!lstatSync(path).isSocket()) {
        return Promise.reject(new Error(`refusing to replace ${path}: it exists and is not a socket`));
      }
      unlinkSync(path);
    }
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(path, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Stops listening, drops every connection and session, removes the socket file. */
  close(): Promise<void> {
    for (const conn of this.connections) conn.socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Current counters. */
  stats(): SidecarStats {
    let matchers = 0;
    let grammars = 0;
    for (const s of this.sessions.values()) {
      matchers += s.matchers.size;
      grammars += s.grammars.size;
    }
    return {
      sessions: this.sessions.size,
      connections: this.connections.size,
      matchers,
      grammars,
      ...this.counters,
    };
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    const conn: Connection<G> = {
      socket,
      decoder: new FrameDecoder(this.options.maxFrameBytes ?? MAX_FRAME_BYTES),
      session: null,
      closed: false,
    };
    this.connections.add(conn);
    socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
    socket.on('error', () => {});
    socket.on('close', () => this.onClose(conn));
  }

  private onData(conn: Connection<G>, chunk: Buffer): void {
    let bodies: Buffer[];
    try {
      bodies = conn.decoder.push(chunk);
    } catch (err) {
      // A bad length prefix: the stream cannot be resynchronised, so answer once and hang up.
      conn.socket.end(errorReply(0, ErrorCode.malformedFrame, (err as Error).message));
      conn.closed = true;
      return;
    }
    if (bodies.length > 1) conn.socket.cork();
    for (const body of bodies) this.handle(conn, body);
    if (bodies.length > 1) conn.socket.uncork();
  }

  private onClose(conn: Connection<G>): void {
    conn.closed = true;
    this.connections.delete(conn);
    const session = conn.session;
    if (!session) return;
    session.connections--;
    if (session.connections === 0) {
      session.dispose();
      this.sessions.delete(session.token);
    }
  }

  private send(conn: Connection<G>, frame: Buffer): void {
    if (!conn.closed) conn.socket.write(frame);
  }

  private handle(conn: Connection<G>, body: Buffer): void {
    const op = body.readUInt8(0);
    const requestId = body.readUInt32LE(1);
    const reader = new PayloadReader(body, 5);
    try {
      if (op === Op.hello) {
        this.hello(conn, requestId, reader);
        return;
      }
      const session = conn.session;
      if (!session) throw new ProtocolError(ErrorCode.notHandshaken, 'the first frame must be HELLO');
      const reply = this.dispatch(conn, session, op, requestId, reader);
      if (reply) this.send(conn, reply);
    } catch (err) {
      if (err instanceof ProtocolError) {
        this.send(conn, errorReply(requestId, err.code, err.message));
      } else {
        const message = err instanceof Error ? err.message : String(err);
        this.log(`internal error in op 0x${op.toString(16)}: ${err instanceof Error ? err.stack : message}`);
        this.send(conn, errorReply(requestId, ErrorCode.internal, message));
      }
    }
  }

  private hello(conn: Connection<G>, requestId: number, r: PayloadReader): void {
    const magic = r.u32('magic');
    const version = r.u16('protocol version');
    const token = r.str('session token');
    r.end();
    if (magic !== HELLO_MAGIC) throw new ProtocolError(ErrorCode.malformedFrame, 'HELLO magic is not LKSC');
    if (version !== PROTOCOL_VERSION) {
      conn.socket.end(
        errorReply(
          requestId,
          ErrorCode.versionMismatch,
          `client speaks protocol version ${version}, this sidecar speaks ${PROTOCOL_VERSION}`,
        ),
      );
      conn.closed = true;
      return;
    }
    if (conn.session)
      throw new ProtocolError(ErrorCode.badArgument, 'HELLO was already sent on this connection');
    const key = token === '' ? `\0anonymous-${++this.anonymousSessions}` : token;
    let session = this.sessions.get(key);
    if (!session) {
      session = new Session<G>(key, this.options.maxMatchersPerSession);
      this.sessions.set(key, session);
    }
    session.connections++;
    conn.session = session;
    const { engine } = this.options;
    const reply = okReply(requestId)
      .u16(PROTOCOL_VERSION)
      .u32(engine.vocabSize)
      .u32(this.wordsPerRow)
      .u32Array(engine.eosTokenIds)
      .str(this.options.version ?? '0.0.0')
      .str(engine.description);
    this.send(conn, reply.finish());
  }

  private dispatch(
    conn: Connection<G>,
    session: Session<G>,
    op: number,
    requestId: number,
    r: PayloadReader,
  ): Buffer | null {
    switch (op) {
      case Op.ping:
        r.end();
        return okReply(requestId).finish();
      case Op.attachBuffer: {
        const path = r.str('buffer path');
        const rows = r.u32('buffer rows');
        r.end();
        session.attach(SharedMaskBuffer.open(path, rows, this.wordsPerRow));
        return okReply(requestId).finish();
      }
      case Op.compile:
        return this.compile(conn, session, requestId, r);
      case Op.freeGrammar: {
        const handle = r.u32('grammar handle');
        r.end();
        session.grammar(handle);
        session.grammars.delete(handle);
        return okReply(requestId).finish();
      }
      case Op.createMatcher: {
        const matcher = this.newMatcher(session, r);
        return okReply(requestId).u32(session.addMatcher(matcher)).finish();
      }
      case Op.createMatcherAs: {
        // No reply unless it fails: the client goes on using the handle it chose (its next requests are handled
        // after this one).
        const handle = r.u32('matcher handle');
        session.addMatcherAs(handle, this.newMatcher(session, r));
        return null;
      }
      case Op.forkMatcher: {
        const m = this.matcherOnly(session, r);
        return okReply(requestId).u32(session.addMatcher(m.fork())).finish();
      }
      case Op.freeMatchers: {
        const handles = r.u32Array('matcher handles');
        r.end();
        const unknown: number[] = [];
        for (const h of handles) if (!session.matchers.delete(h)) unknown.push(h);
        if (unknown.length > 0) {
          throw new ProtocolError(ErrorCode.unknownHandle, `unknown matcher handle(s) ${unknown.join(', ')}`);
        }
        return okReply(requestId).finish();
      }
      case Op.acceptToken: {
        const handle = r.u32('matcher handle');
        const token = r.i32('token id');
        r.end();
        const m = session.matcher(handle);
        const t0 = performance.now();
        const accepted = token >= 0 && token < this.options.engine.vocabSize && m.acceptToken(token);
        session.updateMillis += performance.now() - t0;
        return okReply(requestId)
          .u8(accepted ? 1 : 0)
          .u8(m.isTerminated() ? 1 : 0)
          .finish();
      }
      case Op.acceptTokens:
        return this.acceptTokens(session, requestId, r, false);
      case Op.acceptTokensQuiet:
        return this.acceptTokens(session, requestId, r, true);
      case Op.rollback: {
        const handle = r.u32('matcher handle');
        const count = r.u32('rollback count');
        r.end();
        const m = session.matcher(handle);
        const t0 = performance.now();
        try {
          m.rollback(count);
        } catch (err) {
          throw new ProtocolError(
            ErrorCode.badArgument,
            `rollback(${count}) failed: ${(err as Error).message}`,
          );
        } finally {
          session.updateMillis += performance.now() - t0;
        }
        return okReply(requestId)
          .u8(m.isTerminated() ? 1 : 0)
          .finish();
      }
      case Op.queryState: {
        const m = this.matcherOnly(session, r);
        return okReply(requestId)
          .u8(m.isTerminated() ? 1 : 0)
          .u8(m.isCompleted() ? 1 : 0)
          .finish();
      }
      case Op.jumpForward: {
        const m = this.matcherOnly(session, r);
        return okReply(requestId).str(m.findJumpForwardString()).finish();
      }
      case Op.resetMatcher: {
        const m = this.matcherOnly(session, r);
        m.reset();
        return okReply(requestId).finish();
      }
      case Op.fillBatch:
        return this.fillBatch(session, requestId, r);
      case Op.fillAhead:
        return this.fillAhead(session, r);
      case Op.referenceMask:
        return this.referenceMask(session, requestId, r);
      default:
        throw new ProtocolError(ErrorCode.unknownOp, `unknown opcode 0x${op.toString(16)}`);
    }
  }

  /** CREATE_MATCHER's payload (`u32 grammarHandle, u8 flags, u32[] stopTokenIds`, the rest) as a new matcher. */
  private newMatcher(session: Session<G>, r: PayloadReader): SidecarMatcher {
    const handle = r.u32('grammar handle');
    const flags = r.u8('flags');
    const stop = r.u32Array('stop token ids');
    r.end();
    const entry = session.grammar(handle);
    return this.options.engine.createMatcher(entry.grammar, {
      ...(stop.length > 0 ? { stopTokenIds: Array.from(stop) } : {}),
      terminateWithoutStopToken: (flags & MATCHER_FLAG_TERMINATE_WITHOUT_STOP) !== 0,
    });
  }

  /** Reads a payload that is exactly one matcher handle. */
  private matcherOnly(session: Session<G>, r: PayloadReader): SidecarMatcher {
    const handle = r.u32('matcher handle');
    r.end();
    return session.matcher(handle);
  }

  /**
   * FILL_BATCH: validate every (matcher, row), all-ones row and clobbered row first so a bad entry writes nothing;
   * forget the clobbered rows; compute every mask into a scratch row (timed as mask computation); then stage the
   * rows — a row that already holds exactly its new mask is skipped — and write the changed ones into the file.
   * The request is parsed into reused typed arrays: no per-row allocation.
   */
  private fillBatch(session: Session<G>, requestId: number, r: PayloadReader): Buffer {
    const fill = this.readFill(session, r);
    r.end();
    const result = this.runFill(session, fill);
    const count = fill.count;
    const status = this.fillStatus;
    const reply = okReply(requestId, 48 + count).u32(count);
    for (let i = 0; i < count; i++) reply.u8(status[i]!);
    return reply
      .f64(result.computeMicros)
      .f64(result.writeMicros)
      .f64(result.acceptMicros)
      .u32(result.written)
      .finish();
  }

  /**
   * FILL_AHEAD: FILL_BATCH without a reply, followed by a control record (ticket and the fill's timings) written
   * into the client's control row after the masks. A client sends it as soon as a step's accepts are complete, so
   * the next step's masks are computed and written while it does other work, and reads the ticket from shared
   * memory instead of waiting for a reply. Errors are answered (nothing written, no record).
   */
  private fillAhead(session: Session<G>, r: PayloadReader): null {
    const fill = this.readFill(session, r);
    const ticket = r.u32('ticket');
    const controlRow = r.u32('control row');
    r.end();
    const buffer = fill.buffer;
    if (controlRow >= buffer.rows) {
      throw new ProtocolError(
        ErrorCode.badArgument,
        `control row ${controlRow} out of range (buffer has ${buffer.rows} rows)`,
      );
    }
    if (this.fillRows.subarray(0, fill.count).includes(controlRow) || fill.onesRows.includes(controlRow)) {
      throw new ProtocolError(
        ErrorCode.badArgument,
        `control row ${controlRow} is also a mask row of this fill`,
      );
    }
    const result = this.runFill(session, fill);
    buffer.writeControl(
      controlRow,
      ticket,
      fill.count,
      result.computeMicros,
      result.writeMicros,
      result.acceptMicros,
      result.written,
    );
    return null;
  }

  /**
   * Reads and validates a FILL_BATCH payload (handles and rows into the reused scratch arrays, matchers looked
   * up): throws before anything is written or forgotten. The caller ends the payload.
   */
  private readFill(session: Session<G>, r: PayloadReader): ParsedFill {
    const flags = r.u8('flags');
    const count = r.u32('row count');
    const buffer = session.buffer;
    if (!buffer) throw new ProtocolError(ErrorCode.noBuffer, 'FILL_BATCH before ATTACH_BUFFER');
    if (count > buffer.rows) {
      throw new ProtocolError(ErrorCode.badArgument, `${count} rows requested, buffer has ${buffer.rows}`);
    }
    if (this.fillHandles.length < count) {
      this.fillHandles = new Uint32Array(count * 2);
      this.fillRows = new Uint32Array(count * 2);
      this.fillStatus = new Uint8Array(count * 2);
    }
    const handles = this.fillHandles;
    const rows = this.fillRows;
    r.u32sInto('matcher handles', handles, count);
    r.u32sInto('rows', rows, count);
    const onesRows = r.u32Array('all-ones rows');
    const clobbered = r.u32Array('clobbered rows');
    checkRows(rows, count, buffer.rows);
    checkRows(onesRows, onesRows.length, buffer.rows);
    checkRows(clobbered, clobbered.length, buffer.rows);
    const matchers = this.fillMatchers;
    matchers.length = count;
    for (let i = 0; i < count; i++) matchers[i] = session.matcher(handles[i]!);
    return { flags, count, buffer, onesRows, clobbered };
  }

  /** Computes and writes a validated fill (statuses into `fillStatus`). */
  private runFill(session: Session<G>, fill: ParsedFill): FillOutcome {
    const { flags, count, buffer, onesRows, clobbered } = fill;
    const rows = this.fillRows;
    const matchers = this.fillMatchers;
    for (let i = 0; i < clobbered.length; i++) buffer.forget(clobbered[i]!);

    const transportOnly = (flags & FILL_FLAG_TRANSPORT_ONLY) !== 0;
    const computed = this.fillComputed;
    computed.length = count;
    const status = this.fillStatus;
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const m = matchers[i]!;
      if (transportOnly) {
        computed[i] = null;
        status[i] = ROW_FILLED;
      } else if (m.isTerminated()) {
        computed[i] = buffer.ones;
        status[i] = ROW_TERMINATED;
      } else {
        const row = buffer.scratchRow();
        m.fillNextTokenBitmask(row.words, 0);
        computed[i] = row;
        status[i] = ROW_FILLED;
      }
    }
    const computeEnd = performance.now();
    for (let i = 0; i < count; i++) {
      const row = computed[i];
      if (row === null || row === undefined) buffer.restage(rows[i]!);
      else if (!buffer.stage(rows[i]!, row)) status[i]! |= ROW_UNCHANGED;
      computed[i] = null;
    }
    for (let i = 0; i < onesRows.length; i++) {
      if (transportOnly) buffer.stage(onesRows[i]!, buffer.ones, true);
      else buffer.stage(onesRows[i]!, buffer.ones);
    }
    const written = buffer.flush();
    const end = performance.now();
    matchers.length = 0;
    return {
      computeMicros: (computeEnd - start) * 1000,
      writeMicros: (end - computeEnd) * 1000,
      acceptMicros: session.takeUpdateMicros(),
      written,
    };
  }

  /**
   * ACCEPT_TOKENS: one token for each of n matchers (a decode step's accepts in one frame). Every entry is
   * answered on its own — an unknown handle or a rejected token does not stop the others. `quiet`
   * (ACCEPT_TOKENS_QUIET): no reply at all when every token was accepted.
   */
  private acceptTokens(
    session: Session<G>,
    requestId: number,
    r: PayloadReader,
    quiet: boolean,
  ): Buffer | null {
    const count = r.u32('entry count');
    if (this.fillHandles.length < count) {
      this.fillHandles = new Uint32Array(count * 2);
      this.fillRows = new Uint32Array(count * 2);
      this.fillStatus = new Uint8Array(count * 2);
    }
    const handles = this.fillHandles;
    const tokens = this.fillRows;
    r.u32sInto('matcher handles', handles, count);
    r.u32sInto('token ids', tokens, count);
    r.end();
    const vocab = this.options.engine.vocabSize;
    const matchers = this.fillMatchers;
    matchers.length = count;
    const results = this.fillStatus;
    for (let i = 0; i < count; i++) {
      const m = session.matchers.get(handles[i]!);
      if (m) matchers[i] = m;
      else results[i] = ACCEPT_UNKNOWN_HANDLE;
    }
    // Timed: exactly the engine calls an in-process matcher would make (handle lookup and reply are transport).
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const m = matchers[i];
      if (m === undefined) continue;
      const token = tokens[i]! | 0;
      const accepted = token >= 0 && token < vocab && m.acceptToken(token);
      results[i] = (accepted ? ACCEPT_OK : 0) | (m.isTerminated() ? ACCEPT_TERMINATED : 0);
    }
    session.updateMillis += performance.now() - t0;
    matchers.length = 0;
    if (quiet) {
      let all = ACCEPT_OK;
      for (let i = 0; i < count; i++) all &= results[i]!;
      if (all === ACCEPT_OK) return null;
    }
    const reply = okReply(requestId, 16 + count).u32(count);
    for (let i = 0; i < count; i++) reply.u8(results[i]!);
    return reply.finish();
  }

  /** REFERENCE_MASK (debug): replay tokens on a fresh matcher and return its next mask inside the reply. */
  private referenceMask(session: Session<G>, requestId: number, r: PayloadReader): Buffer {
    const handle = r.u32('grammar handle');
    const tokens = r.u32Array('tokens');
    r.end();
    const entry = session.grammar(handle);
    const m = this.options.engine.createMatcher(entry.grammar, {});
    for (let i = 0; i < tokens.length; i++) {
      if (!m.acceptToken(tokens[i]!)) {
        throw new ProtocolError(
          ErrorCode.badArgument,
          `token ${tokens[i]} at index ${i} rejected during replay`,
        );
      }
    }
    const row = new Int32Array(this.wordsPerRow);
    if (m.isTerminated()) row.fill(-1);
    else m.fillNextTokenBitmask(row, 0);
    const bytes = new Uint8Array(row.buffer);
    return okReply(requestId, 16 + bytes.byteLength)
      .u32(bytes.byteLength)
      .bytes(bytes)
      .finish();
  }

  private compile(
    conn: Connection<G>,
    session: Session<G>,
    requestId: number,
    r: PayloadReader,
  ): Buffer | null {
    const keyType = r.u8('key type');
    const flags = r.u8('compile flags');
    const key = r.str('key');
    r.end();
    if (!(keyType in KEY_TYPE_NAMES)) {
      throw new ProtocolError(
        ErrorCode.badArgument,
        `unknown key type ${keyType} (0 json, 1 regex, 2 ebnf, 3 structural_tag)`,
      );
    }
    const k = cacheKey(keyType, flags, key);
    const cached = this.cache.get(k);
    if (cached) {
      this.counters.compileCacheHits++;
      this.touch(k, cached);
      return this.compileReply(session, requestId, keyType as KeyTypeCode, key, cached, true);
    }
    this.queue.push({ conn, requestId, keyType: keyType as KeyTypeCode, flags, key });
    this.scheduleDrain();
    return null;
  }

  private scheduleDrain(): void {
    if (this.draining) return;
    this.draining = true;
    setImmediate(() => this.drainOne());
  }

  /** Runs one queued compile, then yields to I/O before the next. */
  private drainOne(): void {
    this.draining = false;
    const job = this.queue.shift();
    if (!job) return;
    if (this.queue.length > 0) this.scheduleDrain();
    const k = cacheKey(job.keyType, job.flags, job.key);
    let outcome = this.cache.get(k);
    const hit = outcome !== undefined;
    if (!outcome) {
      const start = performance.now();
      try {
        outcome = {
          grammar: this.options.engine.compile(job.keyType, job.key, job.flags),
          millis: performance.now() - start,
        };
      } catch (err) {
        if (!(err instanceof Error && err.name === 'GrammarError')) {
          this.log(
            `compile of ${KEY_TYPE_NAMES[job.keyType]} key failed unexpectedly: ${(err as Error)?.stack ?? err}`,
          );
        }
        outcome = { error: err instanceof Error ? err.message : String(err) };
      }
      this.counters.compiles++;
    } else {
      this.counters.compileCacheHits++;
    }
    this.touch(k, outcome);
    const session = job.conn.session;
    if (job.conn.closed || !session) return;
    this.send(job.conn, this.compileReply(session, job.requestId, job.keyType, job.key, outcome, hit));
  }

  private compileReply(
    session: Session<G>,
    requestId: number,
    keyType: KeyTypeCode,
    key: string,
    outcome: CompileOutcome<G>,
    cacheHit: boolean,
  ): Buffer {
    if ('error' in outcome) return errorReply(requestId, ErrorCode.compileError, outcome.error);
    const handle = session.addGrammar({ grammar: outcome.grammar, keyType, key });
    return okReply(requestId)
      .u32(handle)
      .f64(cacheHit ? 0 : outcome.millis)
      .u8(cacheHit ? 1 : 0)
      .finish();
  }

  private touch(k: string, outcome: CompileOutcome<G>): void {
    this.cache.delete(k);
    this.cache.set(k, outcome);
    while (this.cache.size > this.cacheLimit) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
  }
}

/** Throws BAD_ARGUMENT naming the first of `rows[0..count)` that is not below `limit`. */
function checkRows(rows: Uint32Array, count: number, limit: number): void {
  for (let i = 0; i < count; i++) {
    if (rows[i]! >= limit) {
      throw new ProtocolError(
        ErrorCode.badArgument,
        `row ${rows[i]} out of range (buffer has ${limit} rows)`,
      );
    }
  }
}

function cacheKey(keyType: number, flags: number, key: string): string {
  return `${keyType}\0${flags}\0${key}`;
}
