// @ts-check
/** The seeded MaskBench file sample shared by `run.mjs` and `profile-masks.mjs`. */
import { readdirSync } from 'node:fs';

/** Deterministic shuffle (mulberry32) so `--limit N --seed S` picks the same sample every time. */
function shuffled(/** @type {string[]} */ items, /** @type {number} */ s) {
  let a = s >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [/** @type {string} */ (out[j]), /** @type {string} */ (out[i])];
  }
  return out;
}

/**
 * The `.json` files of `dir`, sorted; with a `limit`, a seeded random sample of that many (sorted too).
 * @param {string} dir @param {number | undefined} limit @param {number} seed
 */
export function sampleFiles(dir, limit, seed) {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  return limit === undefined ? files : shuffled(files, seed).slice(0, limit).sort();
}
