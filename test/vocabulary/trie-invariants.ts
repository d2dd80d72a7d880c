import { expect } from 'vitest';
import type { TokenTrie } from '../../src/vocabulary/trie.js';

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Checks every documented invariant of a trie against the token bytes it was built from. Linear time (no
 * `expect` per node), so it also runs on 150k-token vocabularies; reports the first violation.
 */
export function checkTrieInvariants(
  trie: TokenTrie,
  tokenBytes: ReadonlyArray<Uint8Array | null>,
  excluded: (id: number) => boolean,
): void {
  const problem = findTrieProblem(trie, tokenBytes, excluded);
  if (problem) expect.fail(problem);
}

function findTrieProblem(
  trie: TokenTrie,
  tokenBytes: ReadonlyArray<Uint8Array | null>,
  excluded: (id: number) => boolean,
): string | undefined {
  const { nodeCount, bytes, depth, token, subtreeEnd, tokenNode } = trie;
  if (nodeCount < 1) return 'no root';
  if (depth[0] !== 0 || bytes[0] !== 0 || token[0] !== -1) return 'bad root';
  for (const [name, arr] of Object.entries({ bytes, depth, token, subtreeEnd })) {
    if (arr.length !== nodeCount) return `${name}.length ${arr.length} != nodeCount ${nodeCount}`;
  }
  if (tokenNode.length !== tokenBytes.length)
    return `tokenNode.length ${tokenNode.length} != ${tokenBytes.length}`;

  // DFS order: each node is one deeper than its parent (the nearest earlier node one level up), and
  // subtreeEnd[i] is the first later node that is not deeper than i.
  const parent = new Int32Array(nodeCount).fill(-1);
  const expectedEnd = new Uint32Array(nodeCount);
  const stack: number[] = [0];
  for (let i = 1; i < nodeCount; i++) {
    if (depth[i]! < 1) return `node ${i} has depth ${depth[i]}`;
    while (depth[stack[stack.length - 1]!]! >= depth[i]!) expectedEnd[stack.pop()!] = i;
    const p = stack[stack.length - 1]!;
    if (depth[i] !== depth[p]! + 1) return `node ${i} (depth ${depth[i]}) skips a level after node ${p}`;
    parent[i] = p;
    stack.push(i);
  }
  for (const n of stack) expectedEnd[n] = nodeCount;
  for (let i = 0; i < nodeCount; i++) {
    if (subtreeEnd[i] !== expectedEnd[i])
      return `subtreeEnd[${i}] = ${subtreeEnd[i]}, expected ${expectedEnd[i]}`;
  }

  // Siblings sorted by byte; equal bytes only for a duplicate leaf whose token has the same bytes.
  const lastChild = new Int32Array(nodeCount).fill(-1);
  for (let i = 1; i < nodeCount; i++) {
    const p = parent[i]!;
    const prev = lastChild[p]!;
    if (prev >= 0) {
      if (bytes[i]! < bytes[prev]!) return `siblings ${prev} and ${i} are not sorted by byte`;
      if (bytes[i] === bytes[prev]) {
        if (subtreeEnd[i] !== i + 1 || token[i]! < 0 || token[prev]! < 0)
          return `node ${i}: same byte as sibling ${prev}`;
        if (!sameBytes(tokenBytes[token[i]!]!, tokenBytes[token[prev]!]!))
          return `node ${i}: duplicate with other bytes`;
      }
    }
    lastChild[p] = i;
    if (token[i]! < 0 && subtreeEnd[i]! <= i + 1) return `node ${i} is a leaf without a token`;
  }

  // Every included token sits at exactly one node that spells its bytes; the others are absent.
  const seen = new Uint8Array(tokenBytes.length);
  for (let i = 0; i < nodeCount; i++) {
    const id = token[i]!;
    if (id < 0) continue;
    if (id >= tokenBytes.length || seen[id]) return `token ${id} at node ${i} is out of range or repeated`;
    seen[id] = 1;
    if (tokenNode[id] !== i) return `tokenNode[${id}] = ${tokenNode[id]}, but the token is at node ${i}`;
  }
  for (let id = 0; id < tokenBytes.length; id++) {
    const b = tokenBytes[id];
    const included = b !== null && b !== undefined && b.length > 0 && !excluded(id);
    if (!included) {
      if (tokenNode[id] !== -1) return `token ${id} should not be in the trie`;
      continue;
    }
    let node = tokenNode[id]!;
    if (node <= 0) return `token ${id} is missing from the trie`;
    if (depth[node] !== b.length) return `token ${id} is at depth ${depth[node]}, has ${b.length} bytes`;
    for (let k = b.length - 1; k >= 0; k--, node = parent[node]!) {
      if (bytes[node] !== b[k]) return `token ${id}: node path does not spell its bytes`;
    }
  }
  return undefined;
}
