// Bob Jenkins' lookup3 hash as the Linux kernel uses it (include/linux/jhash.h): the hash
// table maps (kernel/bpf/hashtab.c) place an element in bucket `jhash(key) & (n_buckets - 1)`.
// With BPF_F_ZERO_SEED the seed is 0, so bucket order (and hence iteration order) is the
// kernel's. Written from the published algorithm.
//
// The kernel calls jhash2 (on 32-bit words) when the key length is a multiple of 4 and
// jhash (on bytes) otherwise; on a little-endian machine both give the same result for
// word-multiple lengths, so one byte-wise implementation serves both.

const JHASH_INITVAL = 0xdeadbeef;

/** jhash(key[off .. off+len), initval) as a uint32. */
export function jhash(key: Uint8Array, off: number, len: number, initval = 0): number {
  let a = (JHASH_INITVAL + len + initval) | 0;
  let b = a;
  let c = a;
  let k = off;
  let n = len;
  while (n > 12) {
    a = (a + (key[k]! | (key[k + 1]! << 8) | (key[k + 2]! << 16) | (key[k + 3]! << 24))) | 0;
    b = (b + (key[k + 4]! | (key[k + 5]! << 8) | (key[k + 6]! << 16) | (key[k + 7]! << 24))) | 0;
    c = (c + (key[k + 8]! | (key[k + 9]! << 8) | (key[k + 10]! << 16) | (key[k + 11]! << 24))) | 0;
    // __jhash_mix
    a = (a - c) | 0; a ^= (c << 4) | (c >>> 28); c = (c + b) | 0;
    b = (b - a) | 0; b ^= (a << 6) | (a >>> 26); a = (a + c) | 0;
    c = (c - b) | 0; c ^= (b << 8) | (b >>> 24); b = (b + a) | 0;
    a = (a - c) | 0; a ^= (c << 16) | (c >>> 16); c = (c + b) | 0;
    b = (b - a) | 0; b ^= (a << 19) | (a >>> 13); a = (a + c) | 0;
    c = (c - b) | 0; c ^= (b << 4) | (b >>> 28); b = (b + a) | 0;
    n -= 12;
    k += 12;
  }
  if (n === 0) return c >>> 0;
  // tail: bytes n-1 .. 0 added into c, b, a (little-endian words)
  for (let i = n - 1; i >= 0; i--) {
    const v = key[k + i]! << ((i & 3) * 8);
    if (i >= 8) c = (c + v) | 0;
    else if (i >= 4) b = (b + v) | 0;
    else a = (a + v) | 0;
  }
  // __jhash_final
  c ^= b; c = (c - ((b << 14) | (b >>> 18))) | 0;
  a ^= c; a = (a - ((c << 11) | (c >>> 21))) | 0;
  b ^= a; b = (b - ((a << 25) | (a >>> 7))) | 0;
  c ^= b; c = (c - ((b << 16) | (b >>> 16))) | 0;
  a ^= c; a = (a - ((c << 4) | (c >>> 28))) | 0;
  b ^= a; b = (b - ((a << 14) | (a >>> 18))) | 0;
  c ^= b; c = (c - ((b << 24) | (b >>> 8))) | 0;
  return c >>> 0;
}

/** Smallest power of two ≥ n (n ≥ 1), as the kernel's roundup_pow_of_two. */
export function roundupPow2(n: number): number {
  if (n <= 1) return 1;
  return 2 ** Math.ceil(Math.log2(n));
}
