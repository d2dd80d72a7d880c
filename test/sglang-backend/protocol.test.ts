import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SidecarClient, SidecarError } from '../../src/sglang-backend/client.js';
import {
  ACCEPT_OK,
  ACCEPT_TERMINATED,
  ACCEPT_UNKNOWN_HANDLE,
  CLIENT_HANDLE_BASE,
  COMPILE_FLAG_JSON_FIXED_WHITESPACE,
  CONTROL_RECORD_BYTES,
  ErrorCode,
  FILL_FLAG_TRANSPORT_ONLY,
  FrameDecoder,
  HELLO_MAGIC,
  KeyType,
  Op,
  PROTOCOL_VERSION,
  ROW_FILLED,
  ROW_TERMINATED,
  ROW_UNCHANGED,
  requestFrame,
} from '../../src/sglang-backend/protocol.js';
import { SidecarServer } from '../../src/sglang-backend/server.js';
import { FAKE_EOS, FAKE_VOCAB_SIZE, FakeEngine } from './fake-engine.js';

const WORDS = Math.ceil(FAKE_VOCAB_SIZE / 32);
const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'lk-sidecar-test-'));
const socketPath = join(dir, 'sock');
const engine = new FakeEngine();
const server = new SidecarServer({ engine, socketPath, version: 'test' });
const clients: SidecarClient[] = [];

async function open(session = ''): Promise<SidecarClient> {
  const { client } = await SidecarClient.connect(socketPath, session);
  clients.push(client);
  return client;
}

function makeBuffer(name: string, rows: number): string {
  const path = join(dir, name);
  writeFileSync(path, Buffer.alloc(rows * WORDS * 4));
  return path;
}

function readRow(path: string, row: number): Int32Array {
  const bytes = readFileSync(path);
  return new Int32Array(bytes.buffer, bytes.byteOffset + row * WORDS * 4, WORDS);
}

function allowed(row: Int32Array): number[] {
  const out: number[] = [];
  for (let t = 0; t < FAKE_VOCAB_SIZE; t++) if ((row[t >> 5]! >>> (t & 31)) & 1) out.push(t);
  return out;
}

async function expectError(p: Promise<unknown>, code: number, text: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SidecarError);
  expect((err as SidecarError).code).toBe(code);
  expect((err as SidecarError).message).toMatch(text);
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for condition');
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(() => server.listen());
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('framing', () => {
  it('reassembles frames split across chunks and splits coalesced frames', () => {
    const a = requestFrame(Op.ping, 7).finish();
    const b = requestFrame(Op.compile, 8).u8(1).u8(0).str('ab').finish();
    const both = Buffer.concat([a, b]);
    const d = new FrameDecoder();
    const bodies: Buffer[] = [];
    for (let i = 0; i < both.length; i += 3) bodies.push(...d.push(both.subarray(i, i + 3)));
    expect(bodies.map((x) => x.readUInt32LE(1))).toEqual([7, 8]);
    expect(d.pendingBytes).toBe(0);
    expect(new FrameDecoder().push(both)).toHaveLength(2);
  });

  it('encodes the example frames of docs/sidecar-protocol.md (version 4)', () => {
    const hello = requestFrame(Op.hello, 1).u32(HELLO_MAGIC).u16(PROTOCOL_VERSION).str('').finish();
    expect(hello.toString('hex')).toBe('0f000000' + '01' + '01000000' + '4c4b5343' + '0400' + '00000000');
    const compile = requestFrame(Op.compile, 2).u8(KeyType.regex).u8(0).str('[0-9]+').finish();
    expect(compile.toString('hex')).toBe(
      '11000000' + '03' + '02000000' + '01' + '00' + '06000000' + '5b302d395d2b',
    );
  });

  it('rejects length prefixes outside the allowed range', () => {
    const d = new FrameDecoder(100);
    expect(() => d.push(Buffer.from([2, 0, 0, 0, 0, 0]))).toThrow(/frame length 2/);
    expect(() => new FrameDecoder(100).push(Buffer.from([200, 0, 0, 0]))).toThrow(/frame length 200/);
  });
});

describe('handshake', () => {
  it('reports the vocabulary, row width, EOS ids and protocol version', async () => {
    const { client, hello } = await SidecarClient.connect(socketPath);
    clients.push(client);
    expect(hello).toEqual({
      protocolVersion: PROTOCOL_VERSION,
      vocabSize: FAKE_VOCAB_SIZE,
      wordsPerRow: WORDS,
      eosTokenIds: [FAKE_EOS],
      version: 'test',
      description: 'fake byte vocabulary',
    });
  });

  it('answers requests before HELLO with an error', async () => {
    const c = await SidecarClient.connectRaw(socketPath);
    clients.push(c);
    await expectError(c.ping(), ErrorCode.notHandshaken, /first frame must be HELLO/);
  });

  it('rejects another protocol version and closes', async () => {
    const c = await SidecarClient.connectRaw(socketPath);
    clients.push(c);
    const { id, writer } = c.frame(Op.hello);
    await expectError(
      c.send(
        id,
        writer
          .u32(HELLO_MAGIC)
          .u16(PROTOCOL_VERSION + 1)
          .str('')
          .finish(),
      ),
      ErrorCode.versionMismatch,
      new RegExp(`protocol version ${PROTOCOL_VERSION + 1}, this sidecar speaks ${PROTOCOL_VERSION}`),
    );
    await expect(c.ping()).rejects.toThrow(/closed/);
  });

  it('rejects a bad magic', async () => {
    const c = await SidecarClient.connectRaw(socketPath);
    clients.push(c);
    const { id, writer } = c.frame(Op.hello);
    await expectError(
      c.send(id, writer.u32(1234).u16(1).str('').finish()),
      ErrorCode.malformedFrame,
      /magic/,
    );
  });
});

describe('messages', () => {
  it('compiles, caches results and reports compile errors verbatim', async () => {
    const c = await open();
    const first = await c.compile(KeyType.regex, 'compile-me');
    expect(first.cacheHit).toBe(false);
    const again = await c.compile(KeyType.regex, 'compile-me');
    expect(again.cacheHit).toBe(true);
    expect(again.handle).not.toBe(first.handle);
    const sameTextOtherType = await c.compile(KeyType.ebnf, 'compile-me');
    expect(sameTextOtherType.cacheHit).toBe(false);
    const otherFlags = await c.compile(KeyType.regex, 'compile-me', COMPILE_FLAG_JSON_FIXED_WHITESPACE);
    expect(otherFlags.cacheHit).toBe(false);
    expect(engine.lastFlags).toBe(COMPILE_FLAG_JSON_FIXED_WHITESPACE);
    await expectError(
      c.compile(KeyType.json, 'ab!c'),
      ErrorCode.compileError,
      /^fake parse error at column 3/,
    );
    const before = engine.compileCount;
    await expectError(c.compile(KeyType.json, 'ab!c'), ErrorCode.compileError, /column 3/);
    expect(engine.compileCount).toBe(before);
    const { id, writer } = c.frame(Op.compile);
    await expectError(
      c.send(id, writer.u8(9).u8(0).str('x').finish()),
      ErrorCode.badArgument,
      /unknown key type 9/,
    );
  });

  it('creates, accepts, rolls back, queries, jumps forward, resets, forks and frees matchers', async () => {
    const c = await open();
    const g = (await c.compile(KeyType.regex, 'hi')).handle;
    const m = await c.createMatcher(g);
    expect(await c.jumpForward(m)).toBe('hi');
    expect(await c.acceptToken(m, 'x'.charCodeAt(0))).toEqual({ accepted: false, terminated: false });
    expect(await c.acceptToken(m, 'h'.charCodeAt(0))).toEqual({ accepted: true, terminated: false });
    expect(await c.jumpForward(m)).toBe('i');
    expect(await c.acceptToken(m, 'i'.charCodeAt(0))).toEqual({ accepted: true, terminated: false });
    expect(await c.queryState(m)).toEqual({ terminated: false, completed: true });
    const f = await c.forkMatcher(m);
    expect(await c.acceptToken(m, FAKE_EOS)).toEqual({ accepted: true, terminated: true });
    expect(await c.queryState(f)).toEqual({ terminated: false, completed: true });
    expect(await c.rollback(m, 1)).toBe(false);
    expect(await c.acceptToken(m, -5)).toEqual({ accepted: false, terminated: false });
    expect(await c.acceptToken(m, FAKE_VOCAB_SIZE + 3)).toEqual({ accepted: false, terminated: false });
    await expectError(c.rollback(m, 10), ErrorCode.badArgument, /rollback\(10\) failed/);
    await c.resetMatcher(m);
    expect(await c.queryState(m)).toEqual({ terminated: false, completed: false });
    const custom = await c.createMatcher(g, { stopTokenIds: [299] });
    await c.acceptToken(custom, 'h'.charCodeAt(0));
    await c.acceptToken(custom, 'i'.charCodeAt(0));
    expect((await c.acceptToken(custom, FAKE_EOS)).accepted).toBe(false);
    expect(await c.acceptToken(custom, 299)).toEqual({ accepted: true, terminated: true });
    const eager = await c.createMatcher(g, { terminateWithoutStopToken: true });
    await c.acceptToken(eager, 'h'.charCodeAt(0));
    expect(await c.acceptToken(eager, 'i'.charCodeAt(0))).toEqual({ accepted: true, terminated: true });
    await c.freeMatchers([m, f, custom, eager]);
    await expectError(c.acceptToken(m, 1), ErrorCode.unknownHandle, /unknown matcher handle/);
    await c.freeGrammar(g);
    await expectError(c.createMatcher(g), ErrorCode.unknownHandle, new RegExp(`unknown grammar handle ${g}`));
    await c.ping();
  });

  it('accepts one token per matcher in one ACCEPT_TOKENS frame, answering each entry on its own', async () => {
    const c = await open();
    const g = (await c.compile(KeyType.regex, 'ab')).handle;
    const m1 = await c.createMatcher(g);
    const m2 = await c.createMatcher(g, { terminateWithoutStopToken: true });
    const a = 'a'.charCodeAt(0);
    const b = 'b'.charCodeAt(0);
    expect(
      await c.acceptTokens([
        [m1, a],
        [9999, a],
        [m2, b],
        [m2, a],
      ]),
    ).toEqual([ACCEPT_OK, ACCEPT_UNKNOWN_HANDLE, 0, ACCEPT_OK]);
    expect(
      await c.acceptTokens([
        [m2, b],
        [m1, FAKE_EOS],
        [m1, -1],
      ]),
    ).toEqual([ACCEPT_OK | ACCEPT_TERMINATED, 0, 0]);
    expect(await c.queryState(m1)).toEqual({ terminated: false, completed: false });
    expect(await c.acceptTokens([])).toEqual([]);
    await c.rollback(m2, 2);
    expect(await c.queryState(m2)).toEqual({ terminated: false, completed: false });
  });

  it('answers ACCEPT_TOKENS_QUIET only when some token was not accepted', async () => {
    const c = await open();
    const g = (await c.compile(KeyType.regex, 'ab')).handle;
    const m1 = await c.createMatcher(g);
    const m2 = await c.createMatcher(g);
    const a = 'a'.charCodeAt(0);
    const b = 'b'.charCodeAt(0);
    const quiet = c.postAcceptTokensQuiet([
      [m1, a],
      [m2, a],
      [m1, b],
    ]);
    let answered = false;
    // No reply is due: the wait ends when the connection closes after the test (a rejection, expected).
    void c.expectReply(quiet).then(
      () => {
        answered = true;
      },
      () => {},
    );
    // Replies come in request order: had the quiet frame been answered, that reply would precede PING's.
    await c.ping();
    expect(answered).toBe(false);
    expect(await c.queryState(m1)).toEqual({ terminated: false, completed: true });
    const rejected = c.postAcceptTokensQuiet([
      [m2, b],
      [m2, b],
      [9999, a],
    ]);
    const r = await c.expectReply(rejected);
    const n = r.u32('count');
    expect(Array.from({ length: n }, () => r.u8('result'))).toEqual([ACCEPT_OK, 0, ACCEPT_UNKNOWN_HANDLE]);
    expect(await c.queryState(m2)).toEqual({ terminated: false, completed: true });
  });

  it('fills requested rows into the shared buffer in one call, leaving others untouched', async () => {
    const c = await open();
    const path = makeBuffer('fill', 8);
    await c.attachBuffer(path, 8);
    const g1 = (await c.compile(KeyType.regex, 'ab')).handle;
    const g2 = (await c.compile(KeyType.regex, 'z')).handle;
    const m1 = await c.createMatcher(g1);
    const m2 = await c.createMatcher(g2);
    await c.acceptToken(m2, 'z'.charCodeAt(0));
    expect(
      await c.fillBatch([
        [m1, 0],
        [m2, 5],
      ]),
    ).toEqual([ROW_FILLED, ROW_FILLED]);
    expect(allowed(readRow(path, 0))).toEqual(['a'.charCodeAt(0)]);
    expect(allowed(readRow(path, 5))).toEqual([FAKE_EOS]);
    expect(Array.from(readRow(path, 3)).every((w) => w === 0)).toBe(true);
    await c.acceptToken(m2, FAKE_EOS);
    expect(await c.fillBatch([[m2, 5]])).toEqual([ROW_TERMINATED]);
    expect(Array.from(readRow(path, 5)).every((w) => w === -1)).toBe(true);
    expect(await c.referenceMask(g1, ['a'.charCodeAt(0)])).toEqual(
      new Uint8Array(readRow(path, 0).slice().fill(0).buffer).map((_, i) => (i === 12 ? 4 : 0)),
    );
    // Transport-only mode moves bytes without consulting the matchers.
    expect(await c.fillBatch([[m1, 7]], FILL_FLAG_TRANSPORT_ONLY)).toEqual([ROW_FILLED]);
    expect(c.lastFillTiming.writeMicros).toBeGreaterThan(0);
  });

  it('creates matchers under client-chosen handles without a reply, and answers bad ones', async () => {
    const c = await open();
    const g = (await c.compile(KeyType.regex, 'ab')).handle;
    const h = CLIENT_HANDLE_BASE + 7;
    const created = c.postCreateMatcherAs(h, g);
    let answered = false;
    // No reply is due: the wait ends when the connection closes after the test (a rejection, expected).
    void c.expectReply(created).then(
      () => {
        answered = true;
      },
      () => {},
    );
    // Used at once, without waiting: requests are handled in order.
    expect(await c.acceptToken(h, 'a'.charCodeAt(0))).toEqual({ accepted: true, terminated: false });
    expect(answered).toBe(false);
    expect(await c.queryState(h)).toEqual({ terminated: false, completed: false });
    const own = await c.createMatcher(g);
    expect(own).toBeLessThan(CLIENT_HANDLE_BASE);
    const cases: [number, number, number, RegExp][] = [
      [h, g, ErrorCode.badArgument, /already in use/],
      [5, g, ErrorCode.badArgument, /below 0x80000000/],
      [h + 1, 9999, ErrorCode.unknownHandle, /9999/],
    ];
    for (const [handle, grammar, code, text] of cases) {
      await expectError(c.expectReply(c.postCreateMatcherAs(handle, grammar)), code, text);
    }
    await expectError(c.queryState(h + 1), ErrorCode.unknownHandle, /matcher handle/);
    await c.freeMatchers([h, own]);
    await expectError(c.queryState(h), ErrorCode.unknownHandle, /matcher handle/);
  });

  it('fills ahead without a reply and writes the control record after the rows', async () => {
    const c = await open();
    const path = makeBuffer('ahead', 8);
    await c.attachBuffer(path, 8);
    const g = (await c.compile(KeyType.regex, 'ab')).handle;
    const m1 = await c.createMatcher(g);
    const m2 = await c.createMatcher(g);
    const a = 'a'.charCodeAt(0);
    await c.acceptToken(m2, a);
    const id = c.postFillAhead(
      [
        [m1, 0],
        [m2, 1],
      ],
      0xfffffffe,
      7,
      [2],
    );
    let answered = false;
    // No reply is due: the wait ends when the connection closes after the test (a rejection, expected).
    void c.expectReply(id).then(
      () => {
        answered = true;
      },
      () => {},
    );
    await c.ping(); // handled after the fill ahead: its rows and record are written by now
    expect(answered).toBe(false);
    expect(allowed(readRow(path, 0))).toEqual([a]);
    expect(allowed(readRow(path, 1))).toEqual(['b'.charCodeAt(0)]);
    expect(Array.from(readRow(path, 2)).every((w) => w === -1)).toBe(true);
    const record = readFileSync(path).subarray(7 * WORDS * 4, 7 * WORDS * 4 + CONTROL_RECORD_BYTES);
    expect(record.readUInt32LE(0)).toBe(0xfffffffe);
    expect(record.readUInt32LE(4)).toBe(2);
    expect(record.readDoubleLE(8)).toBeGreaterThanOrEqual(0); // compute
    expect(record.readDoubleLE(16)).toBeGreaterThan(0); // write
    expect(record.readDoubleLE(24)).toBeGreaterThan(0); // the ACCEPT_TOKEN before it
    expect(record.readUInt32LE(32)).toBe(3); // rows written
    // The masks equal FILL_BATCH's: the same rows again are unchanged (skipped), bit for bit the same bytes.
    expect(
      await c.fillBatch([
        [m1, 0],
        [m2, 1],
      ]),
    ).toEqual([ROW_UNCHANGED, ROW_UNCHANGED]);
    // The control row is not a mask row: a fill into it later writes it in full.
    expect(await c.fillBatch([[m1, 7]])).toEqual([ROW_FILLED]);
    expect(allowed(readRow(path, 7))).toEqual([a]);
  });

  it('answers bad fills ahead with errors and writes neither rows nor the record', async () => {
    const c = await open();
    const path = makeBuffer('ahead-bad', 4);
    await c.attachBuffer(path, 4);
    const g = (await c.compile(KeyType.regex, 'q')).handle;
    const m = await c.createMatcher(g);
    const cases: [number, number[], number, RegExp][] = [
      [ErrorCode.unknownHandle, [9999, 0], 3, /unknown matcher handle 9999/],
      [ErrorCode.badArgument, [m, 0], 4, /control row 4 out of range/],
      [ErrorCode.badArgument, [m, 3], 3, /control row 3 is also a mask row/],
    ];
    for (const [code, [matcher, row], controlRow, text] of cases) {
      await expectError(c.expectReply(c.postFillAhead([[matcher, row]], 5, controlRow)), code, text);
    }
    await expectError(
      c.expectReply(c.postFillAhead([[m, 0]], 5, 2, [2])),
      ErrorCode.badArgument,
      /control row 2 is also a mask row/,
    );
    expect(readFileSync(path).every((byte) => byte === 0)).toBe(true);
    // A truncated FILL_AHEAD (no control row) is a malformed frame, answered; the connection stays usable.
    const { id, writer } = c.frame(Op.fillAhead);
    writer.u8(0).u32(1).u32(m).u32(0).u32(0).u32(0).u32(9);
    c.writeRaw(writer.finish());
    await expectError(c.expectReply(id), ErrorCode.malformedFrame, /control row/);
    await c.ping();
  });

  it('answers bad fills with errors and writes nothing', async () => {
    const c = await open();
    const g = (await c.compile(KeyType.regex, 'q')).handle;
    const m = await c.createMatcher(g);
    await expectError(c.fillBatch([[m, 0]]), ErrorCode.noBuffer, /before ATTACH_BUFFER/);
    await expectError(
      c.attachBuffer(join(dir, 'missing'), 4),
      ErrorCode.badArgument,
      /cannot open mask buffer/,
    );
    const small = makeBuffer('small', 1);
    await expectError(c.attachBuffer(small, 4), ErrorCode.badArgument, /at least/);
    const path = makeBuffer('bad-fill', 4);
    await c.attachBuffer(path, 4);
    await expectError(
      c.fillBatch([
        [m, 0],
        [9999, 1],
      ]),
      ErrorCode.unknownHandle,
      /unknown matcher handle 9999/,
    );
    expect(Array.from(readRow(path, 0)).every((w) => w === 0)).toBe(true);
    await expectError(c.fillBatch([[m, 4]]), ErrorCode.badArgument, /row 4 out of range/);
    await expectError(c.referenceMask(g, [1]), ErrorCode.badArgument, /token 1 at index 0 rejected/);
  });
});

describe('malformed frames', () => {
  it('answers truncated payloads, trailing bytes, bad UTF-8 and unknown opcodes, and keeps the connection', async () => {
    const c = await open();
    let f = c.frame(Op.acceptToken);
    await expectError(
      c.send(f.id, f.writer.u32(1).finish()),
      ErrorCode.malformedFrame,
      /truncated payload: token id/,
    );
    f = c.frame(Op.ping);
    await expectError(
      c.send(f.id, f.writer.u8(0).finish()),
      ErrorCode.malformedFrame,
      /1 unexpected trailing/,
    );
    f = c.frame(Op.compile);
    await expectError(
      c.send(
        f.id,
        f.writer
          .u8(0)
          .u8(0)
          .u32(2)
          .bytes(new Uint8Array([0xff, 0xfe]))
          .finish(),
      ),
      ErrorCode.malformedFrame,
      /not valid UTF-8/,
    );
    f = c.frame(Op.compile);
    await expectError(
      c.send(f.id, f.writer.u8(0).u8(0).u32(1000).finish()),
      ErrorCode.malformedFrame,
      /key needs 1000/,
    );
    f = c.frame(0x77 as never);
    await expectError(c.send(f.id, f.writer.finish()), ErrorCode.unknownOp, /unknown opcode 0x77/);
    await c.ping();
  });

  it('answers a bad length prefix once and closes the connection', async () => {
    const c = await open();
    const pending = c.expectReply(0x12345);
    const err = pending.catch((e: unknown) => e);
    c.writeRaw(Buffer.from([1, 0, 0, 0, 9]));
    const e = await err;
    expect(e).toBeInstanceOf(SidecarError);
    expect((e as SidecarError).message).toMatch(/frame length 1 outside/);
    await expect(c.ping()).rejects.toThrow();
  });
});

describe('sessions and lifetimes', () => {
  it('shares handles between connections of one session and frees them with the last connection', async () => {
    const a = await open('session-x');
    const b = await open('session-x');
    const g = (await a.compile(KeyType.regex, 'shared')).handle;
    const m = await b.createMatcher(g);
    expect((await a.acceptToken(m, 's'.charCodeAt(0))).accepted).toBe(true);
    const other = await open('session-y');
    await expectError(other.acceptToken(m, 'h'.charCodeAt(0)), ErrorCode.unknownHandle, /unknown matcher/);
    a.close();
    expect((await b.acceptToken(m, 'h'.charCodeAt(0))).accepted).toBe(true);
    const before = server.stats().sessions;
    b.close();
    await waitFor(() => server.stats().sessions === before - 1);
  });

  it('frees the matchers of a killed client process', async () => {
    const baseline = server.stats().matchers;
    // A separate process speaks raw frames: HELLO, COMPILE, then three CREATE_MATCHERs, and waits to be killed.
    const script = `
      const net = require('node:net');
      const frame = (op, id, parts) => { const body = Buffer.concat([Buffer.from([op]), u32(id), ...parts]);
        return Buffer.concat([u32(body.length), body]); };
      const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
      const str = (s) => { const b = Buffer.from(s); return Buffer.concat([u32(b.length), b]); };
      const s = net.connect(process.argv[1]);
      let replies = 0; let buf = Buffer.alloc(0);
      s.on('data', (d) => { buf = Buffer.concat([buf, d]);
        while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32LE(0)) { buf = buf.subarray(4 + buf.readUInt32LE(0)); replies += 1;
        if (replies === 2) {
        for (let i = 0; i < 3; i++) s.write(frame(5, 10 + i, [u32(1), Buffer.from([0]), u32(0)]));
        setTimeout(() => console.log('ready'), 100); } } });
      const hello = Buffer.alloc(6); hello.writeUInt32LE(${HELLO_MAGIC}); hello.writeUInt16LE(${PROTOCOL_VERSION}, 4);
      s.write(frame(1, 1, [hello, str('')]));
      s.write(frame(3, 2, [Buffer.from([1, 0]), str('killme')]));
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['-e', script, socketPath], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve) => child.stdout.on('data', () => resolve()));
      expect(server.stats().matchers).toBe(baseline + 3);
      child.kill('SIGKILL');
      await waitFor(() => server.stats().matchers === baseline);
    } finally {
      child.kill('SIGKILL'); // never leave the child behind, even when the test fails
    }
  });
});

describe('limits', () => {
  it('caps live matchers per session', async () => {
    const path = join(dir, 'limit-sock');
    const s = new SidecarServer({ engine: new FakeEngine(), socketPath: path, maxMatchersPerSession: 2 });
    await s.listen();
    try {
      const { client } = await SidecarClient.connect(path);
      clients.push(client);
      const g = (await client.compile(KeyType.regex, 'x')).handle;
      const a = await client.createMatcher(g);
      await client.forkMatcher(a);
      await expectError(
        client.createMatcher(g),
        ErrorCode.badArgument,
        /already holds 2 matchers \(limit 2\)/,
      );
      await client.freeMatchers([a]);
      await client.createMatcher(g);
    } finally {
      await s.close();
    }
  });
});

describe('compile scheduling', () => {
  it('serves other requests between queued compiles', async () => {
    const slow = new (class extends FakeEngine {
      override compile(keyType: 0 | 1 | 2 | 3, key: string, flags: number) {
        const end = Date.now() + 40;
        while (Date.now() < end) {}
        return super.compile(keyType, key, flags);
      }
    })();
    const path = join(dir, 'slow-sock');
    const s = new SidecarServer({ engine: slow, socketPath: path });
    await s.listen();
    try {
      const { client: a } = await SidecarClient.connect(path, 'sched');
      const { client: b } = await SidecarClient.connect(path, 'sched');
      clients.push(a, b);
      const order: string[] = [];
      const compiles = ['s1', 's2', 's3', 's4'].map((k) =>
        a.compile(KeyType.regex, k).then(() => order.push(k)),
      );
      await new Promise((r) => setTimeout(r, 20));
      await b.ping().then(() => order.push('ping'));
      await Promise.all(compiles);
      expect(order.indexOf('ping')).toBeLessThan(3);
    } finally {
      await s.close();
    }
  });
});

describe('shared buffer writes', () => {
  it('writes only the listed rows, in runs', async () => {
    const c = await open();
    const path = makeBuffer('runs', 8);
    await c.attachBuffer(path, 8);
    const g = (await c.compile(KeyType.regex, 'k')).handle;
    const ms = await Promise.all([0, 1, 2, 3].map(() => c.createMatcher(g)));
    await c.fillBatch([
      [ms[0]!, 0],
      [ms[1]!, 1],
      [ms[2]!, 2],
    ]);
    writeFileSync(path, Buffer.alloc(8 * WORDS * 4));
    // The client zeroed rows 0..2 itself and says so (clobbered rows). Rows 5, 3, 6: runs [3] and [5, 6]; rows
    // 0..2, 4 and 7 must stay as the client left them (zeros).
    await c.fillBatch(
      [
        [ms[0]!, 5],
        [ms[1]!, 3],
        [ms[3]!, 6],
      ],
      0,
      [],
      [0, 1, 2],
    );
    for (const r of [3, 5, 6]) expect(allowed(readRow(path, r))).toEqual(['k'.charCodeAt(0)]);
    for (const r of [0, 1, 2, 4, 7]) expect(Array.from(readRow(path, r)).every((w) => w === 0)).toBe(true);
    // All-ones rows (rows of the batch without a grammar) are written in the same call.
    await c.fillBatch([[ms[0]!, 0]], 0, [1, 7]);
    expect(allowed(readRow(path, 0))).toEqual(['k'.charCodeAt(0)]);
    for (const r of [1, 7]) expect(Array.from(readRow(path, r)).every((w) => w === -1)).toBe(true);
    for (const r of [2, 4]) expect(Array.from(readRow(path, r)).every((w) => w === 0)).toBe(true);
    await expectError(c.fillBatch([[ms[0]!, 0]], 0, [8]), ErrorCode.badArgument, /row 8 out of range/);
    await expectError(c.fillBatch([[ms[0]!, 0]], 0, [], [9]), ErrorCode.badArgument, /row 9 out of range/);
  });

  it('skips rows that already hold their mask and rewrites rows the client reports as changed', async () => {
    const c = await open();
    const path = makeBuffer('skip', 4);
    await c.attachBuffer(path, 4);
    const g = (await c.compile(KeyType.regex, 'xy')).handle;
    const a = await c.createMatcher(g);
    const b = await c.createMatcher(g);
    // Unknown rows are always written.
    expect(
      await c.fillBatch(
        [
          [a, 0],
          [b, 1],
        ],
        0,
        [2],
      ),
    ).toEqual([ROW_FILLED, ROW_FILLED]);
    expect(c.lastFillTiming.rowsWritten).toBe(3);
    // Same states, same rows: nothing to write.
    expect(
      await c.fillBatch(
        [
          [a, 0],
          [b, 1],
        ],
        0,
        [2],
      ),
    ).toEqual([ROW_UNCHANGED, ROW_UNCHANGED]);
    expect(c.lastFillTiming.rowsWritten).toBe(0);
    // A matcher that moved on changes its row; a row holding another matcher's equal mask is not rewritten.
    await c.acceptToken(a, 'x'.charCodeAt(0));
    expect(
      await c.fillBatch([
        [b, 0],
        [a, 1],
      ]),
    ).toEqual([ROW_UNCHANGED, ROW_FILLED]);
    expect(allowed(readRow(path, 0))).toEqual(['x'.charCodeAt(0)]);
    expect(allowed(readRow(path, 1))).toEqual(['y'.charCodeAt(0)]);
    // Rolled back to the state whose mask row 0 holds: unchanged again.
    await c.rollback(a, 1);
    expect(await c.fillBatch([[a, 0]])).toEqual([ROW_UNCHANGED]);
    // The client overwrote row 0 and reports it: the row is written again.
    const fd = readFileSync(path);
    fd.fill(0, 0, WORDS * 4);
    writeFileSync(path, fd);
    expect(await c.fillBatch([[a, 0]], 0, [], [0])).toEqual([ROW_FILLED]);
    expect(allowed(readRow(path, 0))).toEqual(['x'.charCodeAt(0)]);
    // Terminated matchers hold all ones, skipped the second time too.
    await c.acceptToken(b, 'x'.charCodeAt(0));
    await c.acceptToken(b, 'y'.charCodeAt(0));
    await c.acceptToken(b, FAKE_EOS);
    expect(await c.fillBatch([[b, 3]])).toEqual([ROW_TERMINATED]);
    expect(await c.fillBatch([[b, 3]])).toEqual([ROW_TERMINATED | ROW_UNCHANGED]);
    expect(Array.from(readRow(path, 3)).every((w) => w === -1)).toBe(true);
    // Transport-only mode writes every listed row even when nothing changed.
    expect(
      await c.fillBatch(
        [
          [a, 0],
          [b, 3],
        ],
        FILL_FLAG_TRANSPORT_ONLY,
      ),
    ).toEqual([ROW_FILLED, ROW_FILLED]);
    expect(c.lastFillTiming.rowsWritten).toBe(2);
    expect(allowed(readRow(path, 0))).toEqual(['x'.charCodeAt(0)]);
    // A new buffer starts with every row unknown.
    const again = makeBuffer('skip-2', 4);
    await c.attachBuffer(again, 4);
    expect(await c.fillBatch([[a, 0]])).toEqual([ROW_FILLED]);
    expect(allowed(readRow(again, 0))).toEqual(['x'.charCodeAt(0)]);
  });
});
