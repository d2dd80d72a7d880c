/**
 * Portable random numbers for sampling: the same seed gives the same draws on every machine and
 * Node version (only 32-bit integer arithmetic, no `Math.random`).
 *
 * - {@link Xoshiro128} is xoshiro128** 1.1 (Blackman & Vigna). Seeding: the 64-bit seed is split in
 *   low and high 32-bit halves, `x = lo ^ rotl(hi, 16) ^ 0x9e3779b9`, and the four state words are
 *   four successive outputs of splitmix32 started at `x`. {@link Xoshiro128.nextFloat} uses 53 bits
 *   (two outputs): `((a >>> 5) * 2^26 + (b >>> 6)) / 2^53`, in [0, 1).
 * - {@link murmurHash32} and {@link gumbelNoise} reproduce SGLang's deterministic-inference sampler
 *   (`multinomial_with_seed`): MurmurHash3 over (seed low, seed high, position, column), then
 *   `-log(-log(h / (2^32 - 1)))` in float64 with `log(u)` clamped to `[-DBL_MAX, -2^-32]`.
 */

/** Source of uniform floats in [0, 1). */
export interface RandomSource {
  nextFloat(): number;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function splitSeed(seed: number | bigint): [number, number] {
  const big = BigInt.asUintN(64, typeof seed === 'bigint' ? seed : BigInt(Math.trunc(seed)));
  return [Number(big & 0xffffffffn), Number((big >> 32n) & 0xffffffffn)];
}

/** xoshiro128** seeded from a 64-bit integer (see the module comment for the exact seeding). */
export class Xoshiro128 implements RandomSource {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number | bigint) {
    const [lo, hi] = splitSeed(seed);
    const state = { s: (lo ^ ((hi << 16) | (hi >>> 16)) ^ 0x9e3779b9) | 0 };
    this.a = splitmix32(state);
    this.b = splitmix32(state);
    this.c = splitmix32(state);
    this.d = splitmix32(state);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Next 32-bit unsigned output. */
  nextUint32(): number {
    const x = Math.imul(this.b, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = (this.d << 11) | (this.d >>> 21);
    return result;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }
}

function rotl32(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function murmurMix(h: number, k: number): number {
  let key = Math.imul(k, 0xcc9e2d51);
  key = rotl32(key, 15);
  key = Math.imul(key, 0x1b873593);
  let hash = h ^ key;
  hash = rotl32(hash, 13);
  return (Math.imul(hash, 5) + 0xe6546b64) | 0;
}

/** Hash state after the seed and position blocks, reused across the columns of one draw. */
export function murmurRowState(seed: number | bigint, position: number): number {
  const [lo, hi] = splitSeed(seed);
  let h = murmurMix(0, lo);
  h = murmurMix(h, hi);
  return murmurMix(h, position >>> 0);
}

/** Finishes SGLang's `murmur_hash32(seed, position, column)` from {@link murmurRowState}. */
export function murmurFinish(rowState: number, column: number): number {
  let h = murmurMix(rowState, column >>> 0);
  h ^= 16;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** SGLang's `murmur_hash32(seed, position, column)` as an unsigned 32-bit integer. */
export function murmurHash32(seed: number | bigint, position: number, column: number): number {
  return murmurFinish(murmurRowState(seed, position), column);
}

const LOG_CAP = -(2 ** -32);

/** Gumbel noise `-log(-log(u))` for a hash, exactly as SGLang's float64 computation (with its clamp). */
export function gumbelNoise(hash: number): number {
  const u = hash / 4294967295;
  let logU = Math.log(u);
  if (logU < -Number.MAX_VALUE) logU = -Number.MAX_VALUE;
  if (logU > LOG_CAP) logU = LOG_CAP;
  return -Math.log(-logU);
}
