// Seeded PRNG (mulberry32) and a byte hash (FNV-1a 32). Pure integer arithmetic through
// Math.imul and >>> so the sequence is bit-identical in Node and every browser — never use
// Math.random in the data pipeline. State is one u32, so it can be saved in checkpoints.

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  get state(): number {
    return this.s;
  }
  /** Next uniform u32. */
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform float in [0, 1) with 32 bits of precision (exact in every engine). */
  float(): number {
    return this.u32() / 4294967296;
  }
  /** Uniform integer in [0, n). Uses multiply-shift, so no modulo bias worth caring about at these n. */
  int(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  /** Fisher–Yates shuffle into a new array. */
  shuffle<T>(xs: readonly T[]): T[] {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }
}

/** FNV-1a 32-bit over bytes, as 8 hex digits. For determinism checks, not security. */
export function fnv1a(bytes: ArrayLike<number>): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] & 0xff;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
