/**
 * In-place selection and sorting of candidate (id, value) pairs held in parallel typed arrays, in
 * sampling order: value descending, then id ascending (so ties go to the lowest token id). No
 * comparator callbacks and no allocation: these run on every sampled row.
 */

/** True when candidate (va, ia) ranks before (vb, ib). */
function before(va: number, ia: number, vb: number, ib: number): boolean {
  return va > vb || (va === vb && ia < ib);
}

function swap(ids: Int32Array, vals: Float64Array, a: number, b: number): void {
  const ti = ids[a]!;
  ids[a] = ids[b]!;
  ids[b] = ti;
  const tv = vals[a]!;
  vals[a] = vals[b]!;
  vals[b] = tv;
}

/** Moves the pivot (median of three of lo, mid, hi) to `hi` and partitions [lo, hi]; returns its final index. */
function partition(ids: Int32Array, vals: Float64Array, lo: number, hi: number): number {
  const mid = (lo + hi) >>> 1;
  if (before(vals[mid]!, ids[mid]!, vals[lo]!, ids[lo]!)) swap(ids, vals, mid, lo);
  if (before(vals[hi]!, ids[hi]!, vals[lo]!, ids[lo]!)) swap(ids, vals, hi, lo);
  if (before(vals[mid]!, ids[mid]!, vals[hi]!, ids[hi]!)) swap(ids, vals, mid, hi);
  const pv = vals[hi]!;
  const pi = ids[hi]!;
  let store = lo;
  for (let i = lo; i < hi; i++) {
    if (before(vals[i]!, ids[i]!, pv, pi)) {
      swap(ids, vals, i, store);
      store++;
    }
  }
  swap(ids, vals, store, hi);
  return store;
}

/**
 * Rearranges the first `n` pairs so that the first `k` (0 < k < n) are the top k in sampling order
 * (the k-th best ends at position k - 1, the others in no particular order).
 */
export function selectTop(ids: Int32Array, vals: Float64Array, n: number, k: number): void {
  let lo = 0;
  let hi = n - 1;
  const target = k - 1;
  while (hi > lo) {
    const p = partition(ids, vals, lo, hi);
    if (p === target) return;
    if (p < target) lo = p + 1;
    else hi = p - 1;
  }
}

/** Sorts the first `n` pairs in sampling order (value descending, id ascending). */
export function sortCandidates(ids: Int32Array, vals: Float64Array, n: number): void {
  quicksort(ids, vals, 0, n - 1);
}

function quicksort(ids: Int32Array, vals: Float64Array, lo: number, hi: number): void {
  while (hi - lo > 16) {
    const p = partition(ids, vals, lo, hi);
    if (p - lo < hi - p) {
      quicksort(ids, vals, lo, p - 1);
      lo = p + 1;
    } else {
      quicksort(ids, vals, p + 1, hi);
      hi = p - 1;
    }
  }
  for (let i = lo + 1; i <= hi; i++) {
    const vi = vals[i]!;
    const ii = ids[i]!;
    let j = i - 1;
    while (j >= lo && before(vi, ii, vals[j]!, ids[j]!)) {
      vals[j + 1] = vals[j]!;
      ids[j + 1] = ids[j]!;
      j--;
    }
    vals[j + 1] = vi;
    ids[j + 1] = ii;
  }
}

/** Sorts the first `n` pairs by id ascending (values follow their ids; ids are distinct). */
export function sortById(ids: Int32Array, vals: Float64Array, n: number): void {
  quicksortById(ids, vals, 0, n - 1);
}

function quicksortById(ids: Int32Array, vals: Float64Array, lo: number, hi: number): void {
  while (hi - lo > 16) {
    // median of three to `hi`, then Lomuto partition
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! < ids[lo]!) swap(ids, vals, mid, lo);
    if (ids[hi]! < ids[lo]!) swap(ids, vals, hi, lo);
    if (ids[mid]! < ids[hi]!) swap(ids, vals, mid, hi);
    const pivot = ids[hi]!;
    let store = lo;
    for (let i = lo; i < hi; i++) {
      if (ids[i]! < pivot) {
        swap(ids, vals, i, store);
        store++;
      }
    }
    swap(ids, vals, store, hi);
    if (store - lo < hi - store) {
      quicksortById(ids, vals, lo, store - 1);
      lo = store + 1;
    } else {
      quicksortById(ids, vals, store + 1, hi);
      hi = store - 1;
    }
  }
  for (let i = lo + 1; i <= hi; i++) {
    const vi = vals[i]!;
    const ii = ids[i]!;
    let j = i - 1;
    while (j >= lo && ids[j]! > ii) {
      vals[j + 1] = vals[j]!;
      ids[j + 1] = ids[j]!;
      j--;
    }
    vals[j + 1] = vi;
    ids[j + 1] = ii;
  }
}
