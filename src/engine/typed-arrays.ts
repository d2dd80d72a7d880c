/** Growable typed arrays: the engine's tables and pools double in place of per-element objects. */

/** A copy of `a` in a buffer at least twice as large (and at least `min` long). */
export function growInt32(a: Int32Array, min: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(Math.max(min, a.length * 2));
  b.set(a);
  return b;
}

/** A copy of `a` in a buffer at least twice as large (and at least `min` long). */
export function growU8(a: Uint8Array, min: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(Math.max(min, a.length * 2));
  b.set(a);
  return b;
}
