// A small seeded PRNG (mulberry32) for the soundness campaign: the same seed gives the same
// programs, inputs and mutations on every machine.

export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  /** A uniform u32. */
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** 0 ≤ n' < n. */
  int(n: number): number { return n <= 1 ? 0 : this.u32() % n; }
  /** lo ≤ n' ≤ hi. */
  range(lo: number, hi: number): number { return lo + this.int(hi - lo + 1); }
  chance(p: number): boolean { return this.u32() / 4294967296 < p; }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]!; }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }
  /** A state to derive an independent stream from (per program). */
  fork(): Rng { return new Rng(this.u32()); }
}
