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

  const idList = new Int32Array(count);
  let idCount = 0;
  let totalBytes = 0;
  let maxLength = 0;
  for (let id = 0; id < count; id++) {
    const len = offsets[id + 1]! - offsets[id]!;
    if (len === 0 || excluded(id)) continue;
    if (len > MAX_TOKEN_BYTES) {
      throw new RangeError(`token ${id} has ${len} bytes; the trie supports at most ${MAX_TOKEN_BYTES}`);
    }
    idList[idCount++] = id;
    totalBytes += len;
    if (len > maxLength) maxLength = len;
  }
  const ids = sortIdsByBytes(flat, idList.subarray(0, idCount));

  // Every token adds at most its length in nodes.
  const capacity = totalBytes + 1;
  const bytes = new Uint8Array(capacity);
  const depth = new Uint16Array(capacity);
  const token = new Int32Array(capacity).fill(-1);
  const subtreeEnd = new Uint32Array(capacity);
  const tokenNode = new Int32Array(count).fill(-1);

  // pathNode[d]: node at depth d on the current path (pathNode[0] = root). Tokens whose bytes equal the
  // path up to depth d wait in a linked list (dupHead[d], dupNext[id]) and become leaves once the node at
  // depth d is closed.
  const pathNode = new Int32Array(maxLength + 1);
  const dupHead = new Int32Array(maxLength + 1).fill(-1);
  const dupTail = new Int32Array(maxLength + 1).fill(-1);
  const dupNext = new Int32Array(count).fill(-1);
  let pathStart = 0; // offset in `data` of the token that spelled the current path
  let pathDepth = 0;
  let nodeCount = 1;

  // One pass over the sorted ids; the extra last step (common = 0) closes the whole path.
  for (let i = 0; i <= ids.length; i++) {
    const id = i < ids.length ? ids[i]! : -1;
    const start = id >= 0 ? offsets[id]! : 0;
    const len = id >= 0 ? offsets[id + 1]! - start : 0;
    let common = 0;
    const limit = Math.min(len, pathDepth);
    while (common < limit && data[start + common] === data[pathStart + common]) common++;
    if (id >= 0 && common === len && len === pathDepth) {
      // Same bytes as the previous token (sorting puts strict prefixes first, so this is the only case
      // where the new token ends on an existing node).
      if (dupHead[len]! < 0) dupHead[len] = id;
      else dupNext[dupTail[len]!] = id;
      dupTail[len] = id;
      continue;
    }
    // Close the path nodes deeper than `common`, then emit their duplicate leaves.
    while (pathDepth > common) {
      const node = pathNode[pathDepth]!;
      subtreeEnd[node] = nodeCount;
      for (let dup = dupHead[pathDepth]!; dup >= 0; dup = dupNext[dup]!) {
        bytes[nodeCount] = bytes[node]!;
        depth[nodeCount] = pathDepth;
        token[nodeCount] = dup;
        tokenNode[dup] = nodeCount;
        subtreeEnd[nodeCount] = nodeCount + 1;
        nodeCount++;
      }
      dupHead[pathDepth] = -1;
      pathDepth--;
    }
    if (id < 0) break;
    for (let d = common + 1; d <= len; d++) {
      bytes[nodeCount] = data[start + d - 1]!;
      depth[nodeCount] = d;
      pathNode[d] = nodeCount;
      nodeCount++;
    }
    pathDepth = len;
    pathStart = start;
    const node = pathNode[len]!;
    token[node] = id;
    tokenNode[id] = node;
  }
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

const INSERTION_SORT_MAX = 24;

/**
 * Sorts token ids by their bytes (lexicographic; a prefix first; equal bytes by id) with an MSD radix sort:
 * each byte of each token is looked at about once, and small buckets finish with insertion sort.
 * `ids` must be increasing on entry (the sort is stable).
 */
export function sortIdsByBytes(flat: FlatTokenBytes, ids: Int32Array): Int32Array {
  const { data, offsets } = flat;
  const scratch = new Int32Array(ids.length);
  const counts = new Int32Array(258);
  // Work stack of (start, end, depth): ids[start..end) share their first `depth` bytes.
  const stack: number[] = [0, ids.length, 0];
  while (stack.length > 0) {
    const depth = stack.pop()!;
    const end = stack.pop()!;
    const start = stack.pop()!;
    if (end - start <= INSERTION_SORT_MAX) {
      insertionSort(data, offsets, ids, start, end, depth);
      continue;
    }
    // Bucket 0: tokens that end at `depth`; bucket b+1: next byte b.
    counts.fill(0);
    for (let i = start; i < end; i++) {
      const id = ids[i]!;
      const at = offsets[id]! + depth;
      counts[at < offsets[id + 1]! ? data[at]! + 2 : 1]!++;
    }
    counts[0] = start;
    for (let b = 1; b < 258; b++) counts[b]! += counts[b - 1]!;
    // counts[k] is now the end of bucket k-1; scatter from the back keeps the sort stable.
    for (let i = end - 1; i >= start; i--) {
      const id = ids[i]!;
      const at = offsets[id]! + depth;
      const bucket = at < offsets[id + 1]! ? data[at]! + 1 : 0;
      scratch[--counts[bucket + 1]!] = id;
    }
    ids.set(scratch.subarray(start, end), start);
    // counts[k + 1] is now the start of bucket k; buckets 1..256 continue one byte deeper.
    for (let bucket = 1; bucket <= 256; bucket++) {
      const bucketStart = counts[bucket + 1]!;
      const bucketEnd = bucket === 256 ? end : counts[bucket + 2]!;
      if (bucketEnd - bucketStart > 1) stack.push(bucketStart, bucketEnd, depth + 1);
    }
  }
  return ids;
}

function insertionSort(
  data: Uint8Array,
  offsets: Uint32Array,
  ids: Int32Array,
  start: number,
  end: number,
  depth: number,
): void {
  for (let i = start + 1; i < end; i++) {
    const id = ids[i]!;
    let j = i - 1;
    while (j >= start && compareFrom(data, offsets, ids[j]!, id, depth) > 0) {
      ids[j + 1] = ids[j]!;
      j--;
    }
    ids[j + 1] = id;
  }
}

/** Compares two tokens' bytes from `depth` on; equal bytes compare by id. */
function compareFrom(data: Uint8Array, offsets: Uint32Array, a: number, b: number, depth: number): number {
  let pa = offsets[a]! + depth;
  let pb = offsets[b]! + depth;
  const ea = offsets[a + 1]!;
  const eb = offsets[b + 1]!;
  while (pa < ea && pb < eb) {
    const diff = data[pa]! - data[pb]!;
    if (diff !== 0) return diff;
    pa++;
    pb++;
  }
  if (pa < ea) return 1;
  if (pb < eb) return -1;
  return a - b;
}
