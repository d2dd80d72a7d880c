/** Greedy longest-match tokenization over a token trie, for synthetic vocabularies (`TokenizerInfo.fromVocab`). */
import type { TextTokenizer } from './backend.js';
import { TokenizerError } from './errors.js';
import type { TokenTrie } from './trie.js';

/** What the greedy tokenizer needs from a TokenizerInfo. */
export interface GreedyVocabulary {
  readonly trie: TokenTrie;
  decodeBytes(ids: readonly number[], options: { skipSpecialTokens?: boolean }): Uint8Array;
}

/** Greedy longest-match tokenization over the trie, for vocabularies built with `fromVocab`. */
export function greedyTextTokenizer(info: GreedyVocabulary): TextTokenizer {
  const utf8 = new TextEncoder();
  const textDecoder = new TextDecoder();
  return {
    encode(text) {
      const input = utf8.encode(text);
      const { bytes, token, subtreeEnd } = info.trie;
      const ids: number[] = [];
      let pos = 0;
      while (pos < input.length) {
        let node = 0;
        let bestId = -1;
        let bestEnd = pos;
        for (let i = pos; i < input.length; i++) {
          // Find the child of `node` with byte input[i] (children are consecutive subtrees).
          let child = node + 1;
          const end = subtreeEnd[node]!;
          while (child < end && bytes[child] !== input[i]) child = subtreeEnd[child]!;
          if (child >= end) break;
          node = child;
          if (token[node]! >= 0) {
            bestId = token[node]!;
            bestEnd = i + 1;
          }
        }
        if (bestId < 0) {
          throw new TokenizerError(
            'argument',
            `no token covers byte 0x${input[pos]!.toString(16)} at offset ${pos}`,
          );
        }
        ids.push(bestId);
        pos = bestEnd;
      }
      return ids;
    },
    decode(ids, skipSpecialTokens) {
      return textDecoder.decode(info.decodeBytes(ids, { skipSpecialTokens }));
    },
  };
}
