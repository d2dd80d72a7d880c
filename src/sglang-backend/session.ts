import type { SidecarMatcher } from './engine-port.js';
import { CLIENT_HANDLE_BASE, ErrorCode, ProtocolError } from './protocol.js';
import type { SharedMaskBuffer } from './shared-mask-buffer.js';

/** A compiled grammar as a session refers to it. */
export interface GrammarEntry<G> {
  readonly grammar: G;
  readonly keyType: number;
  readonly key: string;
}

/** Live matchers one session may hold; more is a client leak, answered with BAD_ARGUMENT. */
export const DEFAULT_MAX_MATCHERS_PER_SESSION = 65_536;

/**
 * Everything one client owns: compiled-grammar handles, matchers and the shared mask buffer. A client may use
 * several connections (one per thread) that join the same session with the token sent in HELLO; the session is
 * freed when its last connection closes, so a killed client frees its matchers.
 */
export class Session<G> {
  readonly grammars = new Map<number, GrammarEntry<G>>();
  readonly matchers = new Map<number, SidecarMatcher>();
  buffer: SharedMaskBuffer | null = null;
  /** Live connections in this session. */
  connections = 0;
  /** Time in the engine's acceptToken/rollback since the last FILL_BATCH reply (milliseconds). */
  updateMillis = 0;
  private nextGrammar = 1;
  private nextMatcher = 1;

  constructor(
    readonly token: string,
    private readonly maxMatchers = DEFAULT_MAX_MATCHERS_PER_SESSION,
  ) {}

  /** Registers a compiled grammar and returns its handle. */
  addGrammar(entry: GrammarEntry<G>): number {
    const handle = this.nextGrammar++;
    this.grammars.set(handle, entry);
    return handle;
  }

  /** Registers a matcher and returns its handle. */
  addMatcher(matcher: SidecarMatcher): number {
    this.checkMatcherLimit();
    const handle = this.nextMatcher++;
    this.matchers.set(handle, matcher);
    return handle;
  }

  /**
   * Registers a matcher under a handle the client chose (CREATE_MATCHER_AS): at least CLIENT_HANDLE_BASE, so it
   * never meets a handle the session hands out, and not in use.
   */
  addMatcherAs(handle: number, matcher: SidecarMatcher): void {
    if (handle < CLIENT_HANDLE_BASE) {
      throw new ProtocolError(
        ErrorCode.badArgument,
        `client-chosen matcher handle ${handle} is below 0x80000000 (the sidecar's own handles are)`,
      );
    }
    if (this.matchers.has(handle)) {
      throw new ProtocolError(ErrorCode.badArgument, `matcher handle ${handle} is already in use`);
    }
    this.checkMatcherLimit();
    this.matchers.set(handle, matcher);
  }

  private checkMatcherLimit(): void {
    if (this.matchers.size >= this.maxMatchers) {
      throw new ProtocolError(
        ErrorCode.badArgument,
        `session already holds ${this.matchers.size} matchers (limit ${this.maxMatchers}); free some with FREE_MATCHERS`,
      );
    }
  }

  /** The grammar for a handle, or a ProtocolError naming the unknown handle. */
  grammar(handle: number): GrammarEntry<G> {
    const entry = this.grammars.get(handle);
    if (!entry) throw new ProtocolError(ErrorCode.unknownHandle, `unknown grammar handle ${handle}`);
    return entry;
  }

  /** The matcher for a handle, or a ProtocolError naming the unknown handle. */
  matcher(handle: number): SidecarMatcher {
    const m = this.matchers.get(handle);
    if (!m) throw new ProtocolError(ErrorCode.unknownHandle, `unknown matcher handle ${handle}`);
    return m;
  }

  /** The engine time of accepts and rollbacks since the previous call, in microseconds (FILL_BATCH reports it). */
  takeUpdateMicros(): number {
    const micros = this.updateMillis * 1000;
    this.updateMillis = 0;
    return micros;
  }

  /** Replaces the shared mask buffer, closing the previous one. */
  attach(buffer: SharedMaskBuffer): void {
    this.buffer?.close();
    this.buffer = buffer;
  }

  /** Frees every handle and closes the buffer. */
  dispose(): void {
    this.grammars.clear();
    this.matchers.clear();
    this.buffer?.close();
    this.buffer = null;
  }
}
