/**
 * A prefix tree over token bytes in flat typed arrays, laid out in DFS order with siblings sorted by byte.
 *
 * Mask computation walks it front to back: accepting node `i` continues at `i + 1` (its first child, or the
 * next node in DFS order), rejecting it jumps to `subtreeEnd[i]`, so a rejected prefix skips every token that
 * extends it. `depth` tells a walker how many bytes of the current path stay valid at the next node.
 */

/** The token trie contract the grammar engine relies on (see module comment). */
export interface TokenTrie {
  /** Number of nodes, including the root at index 0. */
  readonly nodeCount: number;
  /** `bytes[i]`: the edge byte into node `i` (root: 0). */
  readonly bytes: Uint8Array;
  /** `depth[i]`: number of bytes from the root to node `i` (root: 0). */
  readonly depth: Uint16Array;
  /** `token[i]`: the token id whose bytes end exactly at node `i`, or -1. */
  readonly token: Int32Array;
  /** One past the last node of `i`'s subtree: nodes `i+1 .. subtreeEnd[i]-1` are its descendants. */
  readonly subtreeEnd: Uint32Array;
  /** `tokenNode[id]`: the node of token `id`, or -1 (excluded, empty or missing token). */
  readonly tokenNode: Int32Array;
}

/** Token bytes stored back to back: token `id` is `data[offsets[id] .. offsets[id + 1])`. */
export interface FlatTokenBytes {
  readonly data: Uint8Array;
  /** Length `count + 1`. */
  readonly offsets: Uint32Array;
}

/** The longest token the trie accepts, in bytes (`depth` is a Uint16Array). */
export const MAX_TOKEN_BYTES = 0xffff;

/**
 * Builds the trie of all tokens that are not `excluded` and have at least one byte.
 *
 * Tokens with identical bytes each get their own node: the later ids become extra leaf siblings (same byte,
 * same depth) placed right after the first one's subtree, so every trie token sits at exactly one node.
 */
export function buildTokenTrie(
  tokenBytes: ReadonlyArray<Uint8Array | null>,
  excluded: (id: number) => boolean,
): TokenTrie {
  return buildTokenTrieFlat(flattenTokenBytes(tokenBytes), excluded);
}

/** Packs an array of per-token byte arrays (null = no token) into the flat form. */
export function flattenTokenBytes(tokenBytes: ReadonlyArray<Uint8Array | null>): FlatTokenBytes {
  const offsets = new Uint32Array(tokenBytes.length + 1);
  let total = 0;
  for (let id = 0; id < tokenBytes.length; id++) {
    offsets[id] = total;
    total += tokenBytes[id]?.length ?? 0;
  }
  offsets[tokenBytes.length] = total;
  const data = new Uint8Array(total);
  for (let id = 0; id < tokenBytes.length; id++) {
    const b = tokenBytes[id];
    if (b) data.set(b, offsets[id]!);
  }
  return { data, offsets };
}

/** {@link buildTokenTrie} over flat token bytes (no per-token objects). */
export function buildTokenTrieFlat(flat: FlatTokenBytes, excluded: (id: number) => boolean): TokenTrie {
  const { data, offsets } = flat;
  const count = offsets.length - 1;

  // Sort the trie's token ids by their bytes. Keys are latin1 strings (one char per byte), so the native
  // string comparison is exactly lexicographic byte order.
  const ids: number[] = [];
  const keys: string[] = new Array(count);
  let totalBytes = 0;
  for (let id = 0; id < count; id++) {
    const start = offsets[id]!;
    const end = offsets[id + 1]!;
    if (end === start || excluded(id)) continue;
    if (end - start > MAX_TOKEN_BYTES) {
      throw new RangeError(
        `token ${id} has ${end - start} bytes; the trie supports at most ${MAX_TOKEN_BYTES}`,
      );
    }
    keys[id] = latin1Key(data, start, end);
    ids.push(id);
    totalBytes += end - start;
  }
  ids.sort((a, b) => {
    const ka = keys[a]!;
    const kb = keys[b]!;
    return ka < kb ? -1 : ka > kb ? 1 : a - b;
  });

  // Every token adds at most its length in nodes.
  const capacity = totalBytes + 1;
  const bytes = new Uint8Array(capacity);
  const depth = new Uint16Array(capacity);
  const token = new Int32Array(capacity).fill(-1);
  const subtreeEnd = new Uint32Array(capacity);
  const tokenNode = new Int32Array(count).fill(-1);

  // pathNode[d]: node at depth d on the current path (pathNode[0] = root). duplicates[d]: ids whose bytes
  // equal the path up to depth d, emitted as leaves once the node at depth d is closed.
  const pathNode: number[] = [0];
  const duplicates: number[][] = [[]];
  let pathStart = 0; // offset in `data` of the token that spelled the current path
  let pathDepth = 0;
  let nodeCount = 1;

  const closeDeeperThan = (keep: number): void => {
    while (pathDepth > keep) {
      const node = pathNode[pathDepth]!;
      subtreeEnd[node] = nodeCount;
      const dups = duplicates[pathDepth]!;
      for (const id of dups) {
        bytes[nodeCount] = bytes[node]!;
        depth[nodeCount] = pathDepth;
        token[nodeCount] = id;
        tokenNode[id] = nodeCount;
        nodeCount++;
        subtreeEnd[nodeCount - 1] = nodeCount;
      }
      dups.length = 0;
      pathDepth--;
    }
  };

  for (const id of ids) {
    const start = offsets[id]!;
    const len = offsets[id + 1]! - start;
    let common = 0;
    const limit = Math.min(len, pathDepth);
    while (common < limit && data[start + common] === data[pathStart + common]) common++;
    if (common === len && len === pathDepth) {
      // Same bytes as the previous token (sorting puts strict prefixes first, so this is the only case
      // where the new token ends on an existing node).
      duplicates[len]!.push(id);
      continue;
    }
    closeDeeperThan(common);
    for (let d = common + 1; d <= len; d++) {
      bytes[nodeCount] = data[start + d - 1]!;
      depth[nodeCount] = d;
      pathNode[d] = nodeCount;
      if (duplicates.length <= d) duplicates.push([]);
      nodeCount++;
    }
    pathDepth = len;
    pathStart = start;
    const node = pathNode[len]!;
    token[node] = id;
    tokenNode[id] = node;
  }
  closeDeeperThan(0);
  subtreeEnd[0] = nodeCount;

  return {
    nodeCount,
    bytes: bytes.slice(0, nodeCount),
    depth: depth.slice(0, nodeCount),
    token: token.slice(0, nodeCount),
    subtreeEnd: subtreeEnd.slice(0, nodeCount),
    tokenNode,
  };
}

function latin1Key(data: Uint8Array, start: number, end: number): string {
  let key = '';
  // Chunked to keep the argument count of fromCharCode small for long tokens.
  for (let i = start; i < end; i += 4096) {
    key += String.fromCharCode.apply(null, data.subarray(i, Math.min(end, i + 4096)) as unknown as number[]);
  }
  return key;
}
