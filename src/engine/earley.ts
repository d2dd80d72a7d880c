/**
 * The Earley recognizer over rule DFAs. An item is (global DFA state, origin row); row k holds the items
 * after k input bytes. Rows are kept (for rollback and for completion, which looks back at origin rows)
 * in two growable parallel Int32Arrays; pushing a byte appends a row, popping truncates.
 *
 * Prediction and completion follow Aycock & Horspool: predicting a nullable rule also advances the
 * predicting item over it right away, so completion never has to look at the row being built.
 *
 * Lookahead assertions (lookahead.ts) add two obligation-set ids to an item: `guard`, the set pending on
 * its parse path now, and `originGuard`, the set when the item was predicted (completion joins a child to
 * the parents whose guard at the child's origin was that set). Both are 0 in grammars without assertions.
 */
import { GrammarError } from './errors.js';
import { type GrammarTables, MISSING } from './grammar-tables.js';
import { CONTRADICTED, type LookaheadObligations } from './lookahead.js';
import { growInt32 } from './typed-arrays.js';

/** A row's items copied out of the parser (`saveCurrentRow`). */
export interface SavedRow {
  readonly state: Int32Array;
  readonly origin: Int32Array;
  readonly guard: Int32Array;
  readonly originGuard: Int32Array;
}

/** Most items one row may hold before the parser reports the grammar as too ambiguous. */
export const MAX_ROW_ITEMS = 50_000;

export class EarleyParser {
  /** Item states and origins, row after row. */
  private itemState: Int32Array;
  private itemOrigin: Int32Array;
  private itemGuard: Int32Array;
  private itemOriginGuard: Int32Array;
  /** `rowStart[k]`: index of row k's first item; `rowStart[rows]` is the item count. */
  private rowStart: Int32Array;
  private rows = 0;
  /** De-duplication within the row being built: per state, the stamp of the row and a chain of items. */
  private seenStamp: Int32Array;
  private seenHead: Int32Array;
  private sameNext: Int32Array;
  private stamp = 0;

  private readonly obligations: LookaheadObligations;

  constructor(readonly tables: GrammarTables) {
    this.obligations = tables.obligations;
    this.itemState = new Int32Array(256);
    this.itemOrigin = new Int32Array(256);
    this.itemGuard = new Int32Array(256);
    this.itemOriginGuard = new Int32Array(256);
    this.sameNext = new Int32Array(256);
    this.rowStart = new Int32Array(64);
    this.seenStamp = new Int32Array(Math.max(64, tables.numStates)).fill(-1);
    this.seenHead = new Int32Array(this.seenStamp.length);
    this.reset();
  }

  /** Back to the start: one row holding the root rule's prediction closure. */
  reset(): void {
    this.rows = 0;
    this.rowStart[0] = 0;
    this.beginRow();
    const start = this.tables.ruleStart[this.tables.root]!;
    if (start >= 0) this.add(start, 0, 0, 0);
    this.closeRow();
  }

  /** Number of bytes consumed so far. */
  get position(): number {
    return this.rows - 1;
  }

  /** Number of items in the current row (0 means the input is not a prefix of any sentence). */
  get currentRowSize(): number {
    return this.rowStart[this.rows]! - this.rowStart[this.rows - 1]!;
  }

  /** Item range of the current row, for walkers: `[start, end)` into `stateAt`/`originAt`. */
  currentRowRange(): [number, number] {
    return [this.rowStart[this.rows - 1]!, this.rowStart[this.rows]!];
  }

  stateAt(i: number): number {
    return this.itemState[i]!;
  }

  originAt(i: number): number {
    return this.itemOrigin[i]!;
  }

  /** The lookahead obligations pending on item `i`'s parse path (0: none). */
  guardAt(i: number): number {
    return this.itemGuard[i]!;
  }

  /** The obligations pending when item `i` was predicted. */
  originGuardAt(i: number): number {
    return this.itemOriginGuard[i]!;
  }

  /**
   * Consumes one byte. Returns false (and leaves the parser unchanged) if no item can take it.
   */
  pushByte(b: number): boolean {
    const t = this.tables;
    const from = this.rowStart[this.rows - 1]!;
    const to = this.rowStart[this.rows]!;
    this.beginRow();
    for (let i = from; i < to; i++) {
      const g = this.itemState[i]!;
      let next = t.trans[t.transBase[g]! + t.classMaps[(t.stateRule[g]! << 8) | b]!]!;
      if (next === MISSING) next = t.step(g, b);
      if (next < 0) continue;
      let guard = this.itemGuard[i]!;
      if (guard !== 0) {
        guard = this.obligations.step(guard, b);
        if (guard === CONTRADICTED) continue;
      }
      this.add(next, this.itemOrigin[i]!, this.itemOriginGuard[i]!, guard);
    }
    if (this.rowStart[this.rows + 1] === to) return false;
    this.closeRow();
    return true;
  }

  /** Consumes bytes; on failure restores the state before the call and returns false. */
  pushBytes(bytes: Uint8Array): boolean {
    const keep = this.rows;
    for (let i = 0; i < bytes.length; i++) {
      if (!this.pushByte(bytes[i]!)) {
        this.popTo(keep);
        return false;
      }
    }
    return true;
  }

  /** Number of rows (bytes consumed + 1). */
  get rowCount(): number {
    return this.rows;
  }

  /** Drops rows so that `rowCount` becomes `rows` (at least 1). */
  popTo(rows: number): void {
    if (rows < this.rows) this.rows = Math.max(1, rows);
  }

  /** True if the input so far is a complete sentence of the root rule. */
  isCompleted(): boolean {
    const t = this.tables;
    const [from, to] = this.currentRowRange();
    for (let i = from; i < to; i++) {
      const g = this.itemState[i]!;
      if (this.itemOrigin[i] === 0 && t.final[g] && t.stateRule[g] === t.root) return true;
    }
    return false;
  }

  /** The set of bytes some item of the current row can take next, as 8 words. */
  nextBytes(out: Int32Array): void {
    out.fill(0);
    const t = this.tables;
    const [from, to] = this.currentRowRange();
    for (let i = from; i < to; i++) {
      const g = this.itemState[i]!;
      if (!t.hasBytes[g]) continue;
      const guard = this.itemGuard[i]!;
      for (let b = 0; b < 256; b++) {
        if (t.step(g, b) >= 0 && (guard === 0 || this.obligations.step(guard, b) !== CONTRADICTED))
          out[b >> 5]! |= 1 << (b & 31);
      }
    }
  }

  /**
   * The items of the current row, for `mergeIntoCurrentRow` after the parser went back and read other
   * bytes. Origins at or after row `since` (items predicted while reading the saved bytes) are stored as -1.
   */
  saveCurrentRow(since: number): SavedRow {
    const [from, to] = this.currentRowRange();
    const n = to - from;
    const saved: SavedRow = {
      state: this.itemState.slice(from, to),
      origin: this.itemOrigin.slice(from, to),
      guard: this.itemGuard.slice(from, to),
      originGuard: this.itemOriginGuard.slice(from, to),
    };
    for (let i = 0; i < n; i++) if (saved.origin[i]! >= since) saved.origin[i] = -1;
    return saved;
  }

  /**
   * Adds saved items to the current row, as if both byte sequences had been read from the row where they
   * started (origin -1 becomes the current row). Both rows are closed under prediction and completion and
   * share every row before the split, so their union is closed too.
   */
  mergeIntoCurrentRow(saved: SavedRow): void {
    const row = this.rows - 1;
    this.rows = row; // `add` appends to row `this.rows`
    this.stamp++;
    const stamp = this.stamp;
    for (let i = this.rowStart[row]!; i < this.rowStart[row + 1]!; i++) {
      const g = this.itemState[i]!;
      this.sameNext[i] = this.seenStamp[g] === stamp ? this.seenHead[g]! : -1;
      this.seenStamp[g] = stamp;
      this.seenHead[g] = i;
    }
    for (let k = 0; k < saved.state.length; k++) {
      const origin = saved.origin[k]!;
      this.add(saved.state[k]!, origin < 0 ? row : origin, saved.originGuard[k]!, saved.guard[k]!);
    }
    this.rows = row + 1;
  }

  /** A deep copy sharing only the immutable tables. */
  clone(): EarleyParser {
    const c = new EarleyParser(this.tables);
    const n = this.rowStart[this.rows]!;
    c.itemState = this.itemState.slice(0, Math.max(n, 256));
    c.itemOrigin = this.itemOrigin.slice(0, Math.max(n, 256));
    c.itemGuard = this.itemGuard.slice(0, Math.max(n, 256));
    c.itemOriginGuard = this.itemOriginGuard.slice(0, Math.max(n, 256));
    c.sameNext = new Int32Array(c.itemState.length);
    c.rowStart = this.rowStart.slice();
    c.rows = this.rows;
    return c;
  }

  private beginRow(): void {
    this.stamp++;
    if (this.rows + 2 > this.rowStart.length) {
      const grown = new Int32Array(this.rowStart.length * 2);
      grown.set(this.rowStart);
      this.rowStart = grown;
    }
    this.rowStart[this.rows + 1] = this.rowStart[this.rows]!;
  }

  /** Adds an item to the row being built (index `rows`), unless already present. */
  private add(state: number, origin: number, originGuard: number, guard: number): void {
    const stamp = this.stamp;
    if (state >= this.seenStamp.length) this.growSeen(state + 1);
    let end = this.rowStart[this.rows + 1]!;
    if (this.seenStamp[state] === stamp) {
      for (let i = this.seenHead[state]!; i >= 0; i = this.sameNext[i]!) {
        if (
          this.itemOrigin[i] === origin &&
          this.itemGuard[i] === guard &&
          this.itemOriginGuard[i] === originGuard
        )
          return;
      }
      if (end >= this.itemState.length) this.grow();
      this.sameNext[end] = this.seenHead[state]!;
    } else {
      if (end >= this.itemState.length) this.grow();
      this.seenStamp[state] = stamp;
      this.sameNext[end] = -1;
    }
    this.seenHead[state] = end;
    this.itemState[end] = state;
    this.itemOrigin[end] = origin;
    this.itemGuard[end] = guard;
    this.itemOriginGuard[end] = originGuard;
    end++;
    if (end - this.rowStart[this.rows]! > MAX_ROW_ITEMS) {
      throw new GrammarError(
        'limit',
        `Parser limit: more than ${MAX_ROW_ITEMS} items at one position (the grammar is too ambiguous)`,
      );
    }
    this.rowStart[this.rows + 1] = end;
  }

  private growSeen(min: number): void {
    const size = Math.max(min, this.seenStamp.length * 2);
    const stamps = new Int32Array(size).fill(-1);
    stamps.set(this.seenStamp);
    this.seenStamp = stamps;
    const heads = new Int32Array(size);
    heads.set(this.seenHead);
    this.seenHead = heads;
  }

  private grow(): void {
    const min = this.itemState.length * 2;
    this.itemState = growInt32(this.itemState, min);
    this.itemOrigin = growInt32(this.itemOrigin, min);
    this.itemGuard = growInt32(this.itemGuard, min);
    this.itemOriginGuard = growInt32(this.itemOriginGuard, min);
    this.sameNext = growInt32(this.sameNext, min);
  }

  /** Runs prediction and completion over the row being built, then makes it the current row. */
  private closeRow(): void {
    const t = this.tables;
    const row = this.rows; // index of the row being built
    const rowFirst = this.rowStart[row]!;
    for (let i = rowFirst; i < this.rowStart[row + 1]!; i++) {
      const g = this.itemState[i]!;
      const origin = this.itemOrigin[i]!;
      const guard = this.itemGuard[i]!;
      const originGuard = this.itemOriginGuard[i]!;
      if (t.final[g] && origin !== row) this.complete(t.stateRule[g]!, origin, originGuard, guard);
      const refEnd = t.refOff[g]! + t.refLen[g]!;
      for (let e = t.refOff[g]!; e < refEnd; e++) {
        const q = t.refRule[e]!;
        this.add(t.ruleStart[q]!, row, guard, guard);
        if (!t.nullable[q]) continue;
        const ob = this.obligations;
        if (!ob.enabled) this.add(t.refNext[e]!, origin, originGuard, guard);
        else {
          // One item per way the empty derivation can satisfy lookahead assertions.
          for (const set of ob.emptyDerivations[q]!)
            this.add(t.refNext[e]!, origin, originGuard, ob.afterAssertions(guard, set));
        }
      }
    }
    this.rows++;
  }

  /**
   * Advances every item of row `origin` that waits for `rule` and whose obligations there were
   * `originGuard` (the completed child's), carrying the child's obligations plus the rule's assertion.
   */
  private complete(rule: number, origin: number, originGuard: number, guard: number): void {
    const t = this.tables;
    const from = this.rowStart[origin]!;
    const to = this.rowStart[origin + 1]!;
    const after = this.obligations.afterRule(guard, rule);
    for (let j = from; j < to; j++) {
      if (this.itemGuard[j] !== originGuard) continue;
      const h = this.itemState[j]!;
      const refEnd = t.refOff[h]! + t.refLen[h]!;
      for (let e = t.refOff[h]!; e < refEnd; e++) {
        if (t.refRule[e] === rule)
          this.add(t.refNext[e]!, this.itemOrigin[j]!, this.itemOriginGuard[j]!, after);
      }
    }
  }
}
