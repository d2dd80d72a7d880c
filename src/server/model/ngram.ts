/**
 * The default embedded model: an interpolated token trigram model (Witten-Bell smoothing backing off to an
 * add-δ unigram), trained at start-up on the corpus shipped in src/server/model/corpus and cached on disk.
 *
 * P1(v) = (c(v) + δV·S(v)) / (N + δV)      S(v) = spelling prior: product of the corpus byte frequencies of
 *                                          v's bytes, normalised over the vocabulary (0 for special tokens)
 * P2(v | b) = (c(b v) + T(b) P1(v)) / (c(b) + T(b))          T(b) = distinct continuations of b
 * P3(v | a b) = (c(a b v) + T(a b) P2(v | b)) / (c(a b) + T(a b))
 *
 * The spelling prior matters under a grammar mask: when none of the seen continuations is allowed, the model
 * falls back to tokens that look like corpus text (`op`, `ulation`) instead of arbitrary ones (`\\`), and it never
 * produces reserved special tokens.
 *
 * A forward step costs one O(V) copy of the precomputed log P1 plus work proportional to the continuations of
 * the context: for every unseen continuation P3 = w3 · w2 · P1(v) with w = T / (c + T).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerTokenizer } from '../tokenizer.js';
import type { LanguageModel, SequenceView } from './types.js';

/** Add-δ for the unigram floor: small, so unseen tokens of a 128k vocabulary keep little mass. */
const UNIGRAM_DELTA = 0.01;
const CACHE_FORMAT = 2;
/** Whitespace bytes in a row the model produces without damping (covers the corpus's indentation). */
const WHITESPACE_RUN_FREE = 8;

function isWhitespaceByte(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x09 || b === 0x0d;
}

/** Counts of a trained model, serialisable as JSON. */
export interface NgramCounts {
  format: number;
  vocabSize: number;
  /** Total tokens counted. */
  tokens: number;
  /** Byte frequencies of the corpus text (256 counts). */
  bytes: number[];
  /** [token, count] pairs. */
  unigrams: number[];
  /** Flattened [b, v, count] triples. */
  bigrams: number[];
  /** Flattened [a, b, v, count] quadruples. */
  trigrams: number[];
}

interface Continuations {
  total: number;
  next: Map<number, number>;
}

/** Where the shipped corpus lives (works from src/ under vitest and from dist/ after the build copies it). */
export function defaultCorpusDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, '..', '..', '..', 'src', 'server', 'model', 'corpus');
}

/** Reads every `.txt`, `.md` and `.json` file of the corpus directory (except its README), sorted by name. */
export function readCorpus(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.(txt|md|json)$/.test(f) && f !== 'README.md')
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'));
}

/** Splits a corpus file into documents: blank-line separated paragraphs (JSON files are one document each). */
function documents(files: readonly string[]): string[] {
  const docs: string[] = [];
  for (const file of files) {
    for (const paragraph of file.split(/\n\s*\n/)) {
      const text = paragraph.trim();
      if (text.length > 0) docs.push(text);
    }
  }
  return docs;
}

function addCount(map: Map<number, Continuations>, key: number, next: number): void {
  let entry = map.get(key);
  if (!entry) {
    entry = { total: 0, next: new Map() };
    map.set(key, entry);
  }
  entry.total++;
  entry.next.set(next, (entry.next.get(next) ?? 0) + 1);
}

/** Counts unigrams, bigrams and trigrams of the tokenised documents, each framed as BOS? … EOS. */
export function countNgrams(tokenizer: ServerTokenizer, docs: readonly string[]): NgramCounts {
  const V = tokenizer.vocabSize;
  const eos = tokenizer.eosTokenIds[0];
  const unigram = new Map<number, number>();
  const bigram = new Map<number, Continuations>();
  const trigram = new Map<number, Continuations>();
  let tokens = 0;
  const bytes = new Array<number>(256).fill(0);
  const encoder = new TextEncoder();
  for (const doc of docs) {
    for (const b of encoder.encode(doc)) bytes[b]!++;
    const ids = tokenizer.encode(doc);
    const seq = tokenizer.bosTokenId !== undefined ? [tokenizer.bosTokenId, ...ids] : ids;
    if (eos !== undefined) seq.push(eos);
    for (let i = 0; i < seq.length; i++) {
      const v = seq[i]!;
      // BOS only ever starts a document: it is context, never a prediction.
      if (v === tokenizer.bosTokenId) continue;
      unigram.set(v, (unigram.get(v) ?? 0) + 1);
      tokens++;
      if (i >= 1) addCount(bigram, seq[i - 1]!, v);
      if (i >= 2) addCount(trigram, seq[i - 2]! * V + seq[i - 1]!, v);
    }
  }
  const flatten = (map: Map<number, Continuations>, split: (key: number) => number[]) => {
    const out: number[] = [];
    for (const [key, entry] of map) for (const [v, c] of entry.next) out.push(...split(key), v, c);
    return out;
  };
  return {
    format: CACHE_FORMAT,
    vocabSize: V,
    tokens,
    bytes,
    unigrams: [...unigram].flat(),
    bigrams: flatten(bigram, (b) => [b]),
    trigrams: flatten(trigram, (k) => [Math.floor(k / V), k % V]),
  };
}

/** Normalised spelling prior: Π P_byte(b) over a token's bytes (add-one byte model); 0 for special tokens. */
function spellingPrior(
  byteCounts: readonly number[],
  V: number,
  tokenizer: Pick<ServerTokenizer, 'tokenBytes' | 'isSpecial'>,
): Float64Array {
  const total = byteCounts.reduce((a, b) => a + b, 0) + 256;
  const logByte = byteCounts.map((c) => Math.log((c + 1) / total));
  const prior = new Float64Array(V);
  let sum = 0;
  for (let v = 0; v < V; v++) {
    const bytes = tokenizer.tokenBytes(v);
    if (bytes.length === 0 || tokenizer.isSpecial(v)) continue;
    let logP = 0;
    for (const b of bytes) logP += logByte[b]!;
    prior[v] = Math.exp(logP);
    sum += prior[v]!;
  }
  for (let v = 0; v < V; v++) prior[v] = prior[v]! / sum;
  return prior;
}

/** A trained trigram model. */
export class NgramModel implements LanguageModel {
  readonly name = 'logitkit/ngram-3';
  readonly description: string;
  readonly vocabSize: number;
  /** log P1 for every token. */
  private readonly logUnigram: Float32Array;
  private readonly unigramProb: Float64Array;
  private readonly bigram = new Map<number, Continuations>();
  private readonly trigram = new Map<number, Continuations>();
  /** Whitespace bytes of tokens made only of whitespace (0 for every other token). */
  private readonly whitespaceBytes: Uint8Array;

  constructor(counts: NgramCounts, tokenizer: Pick<ServerTokenizer, 'tokenBytes' | 'isSpecial'>) {
    const V = counts.vocabSize;
    const prior = spellingPrior(counts.bytes, V, tokenizer);
    this.whitespaceBytes = new Uint8Array(V);
    for (let v = 0; v < V; v++) {
      const bytes = tokenizer.tokenBytes(v);
      if (
        bytes.length > 0 &&
        bytes.length < 256 &&
        !tokenizer.isSpecial(v) &&
        bytes.every(isWhitespaceByte)
      ) {
        this.whitespaceBytes[v] = bytes.length;
      }
    }
    this.vocabSize = V;
    const unigramCounts = new Float64Array(V);
    for (let i = 0; i < counts.unigrams.length; i += 2)
      unigramCounts[counts.unigrams[i]!] = counts.unigrams[i + 1]!;
    const denominator = counts.tokens + UNIGRAM_DELTA * V;
    this.unigramProb = new Float64Array(V);
    this.logUnigram = new Float32Array(V);
    for (let v = 0; v < V; v++) {
      const p = (unigramCounts[v]! + UNIGRAM_DELTA * V * prior[v]!) / denominator;
      this.unigramProb[v] = p;
      this.logUnigram[v] = p > 0 ? Math.log(p) : -Infinity;
    }
    for (let i = 0; i < counts.bigrams.length; i += 3) {
      const entry = this.entry(this.bigram, counts.bigrams[i]!);
      entry.total += counts.bigrams[i + 2]!;
      entry.next.set(counts.bigrams[i + 1]!, counts.bigrams[i + 2]!);
    }
    for (let i = 0; i < counts.trigrams.length; i += 4) {
      const entry = this.entry(this.trigram, counts.trigrams[i]! * V + counts.trigrams[i + 1]!);
      entry.total += counts.trigrams[i + 3]!;
      entry.next.set(counts.trigrams[i + 2]!, counts.trigrams[i + 3]!);
    }
    this.description =
      `ngram: interpolated token trigram model (Witten-Bell) trained on ${counts.tokens} tokens ` +
      `(${this.bigram.size} bigram and ${this.trigram.size} trigram contexts) of the shipped corpus`;
  }

  private entry(map: Map<number, Continuations>, key: number): Continuations {
    let entry = map.get(key);
    if (!entry) {
      entry = { total: 0, next: new Map() };
      map.set(key, entry);
    }
    return entry;
  }

  forward(batch: readonly SequenceView[], out: readonly Float32Array[]): void {
    for (let i = 0; i < batch.length; i++) this.forwardOne(batch[i]!.tokenIds, out[i]!);
  }

  private forwardOne(ids: readonly number[], row: Float32Array): void {
    const V = this.vocabSize;
    const b = ids.length >= 1 ? ids[ids.length - 1]! : -1;
    const a = ids.length >= 2 ? ids[ids.length - 2]! : -1;
    const bi = b >= 0 ? this.bigram.get(b) : undefined;
    const tri = a >= 0 && bi ? this.trigram.get(a * V + b) : undefined;
    const w2 = bi ? bi.next.size / (bi.total + bi.next.size) : 1;
    const w3 = tri ? tri.next.size / (tri.total + tri.next.size) : 1;
    row.set(this.logUnigram);
    const shift = Math.log(w2 * w3);
    if (shift !== 0) for (let v = 0; v < V; v++) row[v] = row[v]! + shift;
    if (bi) {
      for (const [v, count] of bi.next) {
        const p2 = (count + bi.next.size * this.unigramProb[v]!) / (bi.total + bi.next.size);
        const p3 = tri ? ((tri.next.get(v) ?? 0) + tri.next.size * p2) / (tri.total + tri.next.size) : p2;
        row[v] = Math.log(p3);
      }
    }
    this.dampWhitespaceRuns(ids, row);
  }

  /**
   * A trigram cannot count: after the indentation it learnt, it happily asks for more whitespace forever, and a
   * grammar that allows any whitespace (JSON) lets it. Beyond the longest run of the corpus style
   * ({@link WHITESPACE_RUN_FREE} bytes) every whitespace token loses one nat per extra byte; the row is
   * renormalised so it stays a distribution.
   */
  private dampWhitespaceRuns(ids: readonly number[], row: Float32Array): void {
    let run = 0;
    for (let i = ids.length - 1; i >= 0 && run <= WHITESPACE_RUN_FREE + 64; i--) {
      const bytes = this.whitespaceBytes[ids[i]!]!;
      if (bytes === 0) break;
      run += bytes;
    }
    if (run <= WHITESPACE_RUN_FREE) return;
    const penalty = run - WHITESPACE_RUN_FREE;
    let max = -Infinity;
    for (let v = 0; v < row.length; v++) {
      if (this.whitespaceBytes[v]! > 0) row[v] = row[v]! - penalty;
      if (row[v]! > max) max = row[v]!;
    }
    let sum = 0;
    for (let v = 0; v < row.length; v++) sum += Math.exp(row[v]! - max);
    const logZ = max + Math.log(sum);
    for (let v = 0; v < row.length; v++) row[v] = row[v]! - logZ;
  }
}

/** Options for {@link loadNgramModel}. */
export interface NgramLoadOptions {
  /** Corpus directory; defaults to the shipped corpus. */
  corpusDir?: string;
  /** Cache directory; `false` disables the disk cache. Default `$LOGITKIT_CACHE_DIR` or ~/.cache/logitkit. */
  cacheDir?: string | false;
}

/**
 * The cache key: corpus text plus the tokenizer's identity (special ids and every token's bytes), computed
 * without running the text tokenizer so that a cache hit starts fast.
 */
function cacheKey(tokenizer: ServerTokenizer, files: readonly string[]): string {
  const hash = createHash('sha256');
  hash.update(
    `format ${CACHE_FORMAT} vocab ${tokenizer.vocabSize} bos ${tokenizer.bosTokenId} eos ${tokenizer.eosTokenIds}\n`,
  );
  const length = new Uint8Array(4);
  const view = new DataView(length.buffer);
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    const bytes = tokenizer.tokenBytes(id);
    view.setUint32(0, bytes.length);
    hash.update(length);
    hash.update(bytes);
  }
  for (const file of files) hash.update(file);
  return hash.digest('hex').slice(0, 24);
}

/** Trains (or loads from the disk cache) the trigram model for `tokenizer`. */
export function loadNgramModel(tokenizer: ServerTokenizer, options: NgramLoadOptions = {}): NgramModel {
  const files = readCorpus(options.corpusDir ?? defaultCorpusDir());
  const cacheDir =
    options.cacheDir === undefined
      ? (process.env.LOGITKIT_CACHE_DIR ?? join(homedir(), '.cache', 'logitkit'))
      : options.cacheDir;
  const cacheFile =
    cacheDir === false ? undefined : join(cacheDir, `ngram-${cacheKey(tokenizer, files)}.json`);
  if (cacheFile) {
    try {
      const counts = JSON.parse(readFileSync(cacheFile, 'utf8')) as NgramCounts;
      if (counts.format === CACHE_FORMAT && counts.vocabSize === tokenizer.vocabSize)
        return new NgramModel(counts, tokenizer);
    } catch {
      // Missing or unreadable cache: retrain below.
    }
  }
  const counts = countNgrams(tokenizer, documents(files));
  if (cacheFile && cacheDir !== false) {
    try {
      mkdirSync(cacheDir, { recursive: true });
      const temp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify(counts));
      renameSync(temp, cacheFile);
    } catch {
      // A read-only home directory only costs retraining next time.
    }
  }
  return new NgramModel(counts, tokenizer);
}
