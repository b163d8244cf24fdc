/**
 * Seedable PRNG with a complete, saveable state: xoshiro128** (Blackman & Vigna), 4×u32 state,
 * seeded through splitmix32. Used for data order, LoRA init and sampling, so a checkpoint that
 * stores `rng.state()` resumes bit-identically.
 *
 * Public API:
 *   type RngState = { algo: 'xoshiro128**', s: [u32, u32, u32, u32] }   (plain JSON)
 *   class Rng
 *     static fromSeed(seed, stream = 0)   — independent streams for one seed (data / init / …)
 *     static fromState(state)             — validates; throws RngStateError
 *     state(): RngState                   — a copy; the generator has no other hidden state
 *     u32(), float() [0,1) 53-bit, int(n) unbiased [0,n), uniform(lo, hi), normal(mean?, std?)
 *     fillNormal(out, std?), fillUniform(out, lo, hi)
 *   shuffle(indices, rng)   — Fisher–Yates in place, returns the same array
 *   permutation(n, rng)     — Uint32Array of 0..n−1 shuffled
 *
 * Traps:
 *  * normal() uses Box–Muller WITHOUT caching the second variate (a cache would be hidden state
 *    outside `state()`); it costs 4 u32 per call.
 *  * Integer streams (u32/int/shuffle) are bit-identical in every JS engine (Math.imul, >>>).
 *    normal() goes through Math.log/cos/sqrt: identical within one engine (a resumed tab), but
 *    engines may differ in the last ulp — never compare normals across Node and a browser.
 */

export interface RngState {
  algo: 'xoshiro128**';
  s: [number, number, number, number];
}

export class RngStateError extends Error {
  constructor(detail: string) {
    super(`rng.ts: invalid RNG state: ${detail}`);
    this.name = 'RngStateError';
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** splitmix32 step: returns [next counter, output]. */
function splitmix32(x: number): [number, number] {
  const c = (x + 0x9e3779b9) >>> 0;
  let z = c;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return [c, (z ^ (z >>> 16)) >>> 0];
}

const TWO32 = 4294967296;

export class Rng {
  private constructor(private s0: number, private s1: number, private s2: number, private s3: number) {}

  /** Seed (any integer, taken mod 2^32) and a stream number so that e.g. data order and LoRA init never share draws. */
  static fromSeed(seed: number, stream = 0): Rng {
    if (!Number.isInteger(seed) || !Number.isInteger(stream)) {
      throw new RngStateError(`seed and stream must be integers, got ${seed}, ${stream}`);
    }
    let x = (seed ^ Math.imul(stream >>> 0, 0x632be5ab)) >>> 0;
    const w: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [c, out] = splitmix32(x);
      x = c;
      w.push(out);
    }
    if ((w[0] | w[1] | w[2] | w[3]) === 0) w[0] = 1; // all-zero is xoshiro's one fixed point
    return new Rng(w[0], w[1], w[2], w[3]);
  }

  static fromState(state: RngState): Rng {
    if (!state || state.algo !== 'xoshiro128**') {
      throw new RngStateError(`algo must be "xoshiro128**", got ${JSON.stringify(state?.algo)}`);
    }
    const s = state.s;
    if (!Array.isArray(s) || s.length !== 4 || !s.every((v) => Number.isInteger(v) && v >= 0 && v < TWO32)) {
      throw new RngStateError(`s must be four u32 integers, got ${JSON.stringify(s)}`);
    }
    if ((s[0] | s[1] | s[2] | s[3]) === 0) throw new RngStateError('the all-zero state never leaves zero');
    return new Rng(s[0], s[1], s[2], s[3]);
  }

  state(): RngState {
    return { algo: 'xoshiro128**', s: [this.s0, this.s1, this.s2, this.s3] };
  }

  /** Next uniform u32 (xoshiro128**). */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits (two draws). */
  float(): number {
    const hi = this.u32() >>> 5; // 27 bits
    const lo = this.u32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Unbiased integer in [0, n), 1 ≤ n ≤ 2^32, by rejection. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO32) throw new RangeError(`rng.ts int(n): n must be an integer in [1, 2^32], got ${n}`);
    const limit = TWO32 - (TWO32 % n); // accept r < limit: a whole number of copies of [0, n)
    for (;;) {
      const r = this.u32();
      if (r < limit) return r % n;
    }
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** Gaussian by Box–Muller (no cached spare; see the trap above). */
  normal(mean = 0, std = 1): number {
    const u1 = 1 - this.float(); // (0, 1]: log stays finite
    const u2 = this.float();
    return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  fillNormal(out: Float32Array, std = 1): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(0, std);
    return out;
  }

  fillUniform(out: Float32Array, lo: number, hi: number): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.uniform(lo, hi);
    return out;
  }
}

/** Fisher–Yates, in place; returns `indices`. */
export function shuffle<A extends { length: number; [i: number]: number }>(indices: A, rng: Rng): A {
  for (let i = indices.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = indices[i];
    indices[i] = indices[j];
    indices[j] = t;
  }
  return indices;
}

/** 0..n−1 in a random order. */
export function permutation(n: number, rng: Rng): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return shuffle(p, rng);
}
