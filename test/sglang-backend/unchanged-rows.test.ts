import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SidecarClient } from '../../src/sglang-backend/client.js';
import type { SidecarEngine, SidecarMatcher } from '../../src/sglang-backend/engine-port.js';
import {
  KeyType,
  type KeyTypeCode,
  ROW_TERMINATED,
  ROW_UNCHANGED,
} from '../../src/sglang-backend/protocol.js';
import { SidecarServer } from '../../src/sglang-backend/server.js';
import { loadSidecarEngine } from '../../src/sglang-backend/start.js';
import { rng } from '../helpers/rng.js';

/**
 * The sidecar skips rows that already hold their new mask. Whatever the sequence of accepts, rollbacks, forks,
 * row reassignments and client-side overwrites, every row a fill lists must then read back equal, bit for bit, to
 * the mask an in-process matcher computes for the same tokens.
 */
const dir = mkdtempSync(join(tmpdir(), 'lk-unchanged-'));
const socketPath = join(dir, 'sock');
const ROWS = 12;
let engine: SidecarEngine;
let server: SidecarServer<unknown>;
let words = 0;

const GRAMMARS: [KeyTypeCode, string][] = [
  [
    KeyType.json,
    '{"type":"object","properties":{"name":{"type":"string","maxLength":12},"n":{"type":"integer"}},"required":["name","n"]}',
  ],
  [KeyType.regex, '[a-c]{1,6}-[0-9]{2}'],
  [KeyType.ebnf, 'root ::= "[" item ("," item)* "]"\nitem ::= [a-z]+ | [0-9]+'],
];

beforeAll(async () => {
  engine = await loadSidecarEngine({ preset: 'llama-3.1' });
  words = Math.ceil(engine.vocabSize / 32);
  server = new SidecarServer<unknown>({ engine, socketPath });
  await server.listen();
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Request {
  handle: number;
  reference: SidecarMatcher;
  grammar: number;
  /** Tokens accepted since creation (what rollback may undo). */
  accepted: number;
}

function referenceRow(m: SidecarMatcher): Int32Array {
  const row = new Int32Array(words);
  if (m.isTerminated()) row.fill(-1);
  else m.fillNextTokenBitmask(row, 0);
  return row;
}

function allowedTokens(row: Int32Array): number[] {
  const out: number[] = [];
  for (let w = 0; w < row.length; w++) {
    let v = row[w]!;
    while (v !== 0) {
      out.push(w * 32 + (31 - Math.clz32(v & -v)));
      v &= v - 1;
    }
  }
  return out;
}

describe('unchanged-row skipping', () => {
  it('keeps shared-memory rows bit-for-bit equal to in-process masks across accept/rollback/fork/overwrite', async () => {
    const { client } = await SidecarClient.connect(socketPath);
    const path = join(dir, 'mask');
    writeFileSync(path, Buffer.alloc(ROWS * words * 4));
    await client.attachBuffer(path, ROWS);
    const fd = openSync(path, 'r+');
    const readRow = (row: number): Int32Array => {
      const out = new Int32Array(words);
      readSync(fd, new Uint8Array(out.buffer), 0, words * 4, row * words * 4);
      return out;
    };
    try {
      const compiled = GRAMMARS.map(([type, key]) => engine.compile(type, key, 0));
      const handles = await Promise.all(
        GRAMMARS.map(async ([type, key]) => (await client.compile(type, key)).handle),
      );
      const newRequest = async (k: number): Promise<Request> => ({
        handle: await client.createMatcher(handles[k]!),
        reference: engine.createMatcher(compiled[k]!, {}),
        grammar: k,
        accepted: 0,
      });
      const requests: Request[] = [];
      for (let i = 0; i < 6; i++) requests.push(await newRequest(i % GRAMMARS.length));
      const random = rng(20261122);
      let unchanged = 0;
      let filled = 0;
      for (let step = 0; step < 160; step++) {
        // Two slots of six rows, like the plugin's ring; the batch order changes now and then.
        const base = step % 3 === 0 ? 0 : 6;
        if (random() < 0.15) requests.reverse();
        const entries = requests.map((r, i) => [r.handle, base + i] as const);
        const clobbered: number[] = [];
        if (random() < 0.2) {
          const row = Math.floor(random() * ROWS);
          writeSync(fd, new Uint8Array(words * 4).fill(0x5a), 0, words * 4, row * words * 4);
          clobbered.push(row);
        }
        const status = await client.fillBatch(entries, 0, [], clobbered);
        for (let i = 0; i < requests.length; i++) {
          const expected = referenceRow(requests[i]!.reference);
          expect(
            Buffer.from(readRow(base + i).buffer).equals(Buffer.from(expected.buffer)),
            `step ${step} row ${base + i}`,
          ).toBe(true);
          expect((status[i]! & ROW_TERMINATED) !== 0).toBe(requests[i]!.reference.isTerminated());
          if (status[i]! & ROW_UNCHANGED) unchanged++;
          else filled++;
        }
        // Advance each request: mostly one allowed token, sometimes a rollback, a fork or a fresh request.
        for (let i = 0; i < requests.length; i++) {
          const r = requests[i]!;
          const dice = random();
          if (r.reference.isTerminated() || dice < 0.04) {
            await client.freeMatchers([r.handle]);
            requests[i] = await newRequest(r.grammar);
          } else if (dice < 0.12) {
            const steps = Math.min(2, r.accepted);
            if (steps > 0) {
              await client.rollback(r.handle, steps);
              r.reference.rollback(steps);
              r.accepted -= steps;
            }
          } else if (dice < 0.18) {
            const other = requests[Math.floor(random() * requests.length)]!;
            requests[i] = {
              handle: await client.forkMatcher(other.handle),
              reference: other.reference.fork(),
              grammar: other.grammar,
              accepted: other.accepted,
            };
            await client.freeMatchers([r.handle]);
          } else {
            const allowed = allowedTokens(referenceRow(r.reference));
            const eos = allowed.find((t) => engine.eosTokenIds.includes(t));
            const token =
              eos !== undefined && random() < 0.3 ? eos : allowed[Math.floor(random() * allowed.length)]!;
            expect(r.reference.acceptToken(token)).toBe(true);
            expect((await client.acceptToken(r.handle, token)).accepted).toBe(true);
            r.accepted++;
          }
        }
      }
      // The walk must exercise both paths.
      expect(unchanged).toBeGreaterThan(50);
      expect(filled).toBeGreaterThan(50);
    } finally {
      closeSync(fd);
      client.close();
    }
  }, 120_000);
});
