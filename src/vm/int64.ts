// 64-bit integer arithmetic on (lo, hi) pairs of int32, without BigInt on the common paths.
//
// Results are written to OUT[0] (lo) and OUT[1] (hi). Kernel semantics for the edge cases
// (RFC 9669 §4.1 and the kernel interpreter): x / 0 = 0, x % 0 = x, INT_MIN / -1 = INT_MIN,
// INT_MIN % -1 = 0; signed modulo takes the sign of the dividend.

export const OUT = new Int32Array(2);

const TWO32 = 4294967296;
const TWO53 = 9007199254740992;

function big(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

function setBig(v: bigint): void {
  OUT[0] = Number(BigInt.asIntN(32, v));
  OUT[1] = Number(BigInt.asIntN(32, v >> 32n));
}

/** Low 64 bits of a * b. */
export function mul64(alo: number, ahi: number, blo: number, bhi: number): void {
  const a0 = alo & 0xffff, a1 = alo >>> 16, b0 = blo & 0xffff, b1 = blo >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  OUT[0] = Math.imul(alo, blo);
  OUT[1] = (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(alo, bhi) + Math.imul(ahi, blo)) | 0;
}

/** Unsigned 64-bit division; x / 0 = 0. */
export function udiv64(alo: number, ahi: number, blo: number, bhi: number): void {
  if (bhi === 0 && blo === 0) { OUT[0] = 0; OUT[1] = 0; return; }
  const au = ahi >>> 0, bu = bhi >>> 0;
  if (au === 0 && bu === 0) { OUT[0] = ((alo >>> 0) / (blo >>> 0)) | 0; OUT[1] = 0; return; }
  const a = au * TWO32 + (alo >>> 0), b = bu * TWO32 + (blo >>> 0);
  if (a < TWO53 && b < TWO53) {
    const q = Math.floor(a / b);
    OUT[0] = q % TWO32 | 0; OUT[1] = Math.floor(q / TWO32) | 0;
    return;
  }
  setBig(big(alo, ahi) / big(blo, bhi));
}

/** Unsigned 64-bit modulo; x % 0 = x. */
export function umod64(alo: number, ahi: number, blo: number, bhi: number): void {
  if (bhi === 0 && blo === 0) { OUT[0] = alo; OUT[1] = ahi; return; }
  const au = ahi >>> 0, bu = bhi >>> 0;
  if (au === 0 && bu === 0) { OUT[0] = ((alo >>> 0) % (blo >>> 0)) | 0; OUT[1] = 0; return; }
  const a = au * TWO32 + (alo >>> 0), b = bu * TWO32 + (blo >>> 0);
  if (a < TWO53 && b < TWO53) {
    const r = a % b;
    OUT[0] = r % TWO32 | 0; OUT[1] = Math.floor(r / TWO32) | 0;
    return;
  }
  setBig(big(alo, ahi) % big(blo, bhi));
}

/** Signed 64-bit division; x / 0 = 0, INT64_MIN / -1 = INT64_MIN. */
export function sdiv64(alo: number, ahi: number, blo: number, bhi: number): void {
  if (bhi === 0 && blo === 0) { OUT[0] = 0; OUT[1] = 0; return; }
  const a = BigInt.asIntN(64, big(alo, ahi)), b = BigInt.asIntN(64, big(blo, bhi));
  if (b === -1n) { setBig(-a); return; } // wraps INT64_MIN to itself
  setBig(a / b); // BigInt division truncates toward zero, as C does
}

/** Signed 64-bit modulo; x % 0 = x, INT64_MIN % -1 = 0; the sign follows the dividend. */
export function smod64(alo: number, ahi: number, blo: number, bhi: number): void {
  if (bhi === 0 && blo === 0) { OUT[0] = alo; OUT[1] = ahi; return; }
  if (blo === -1 && bhi === -1) { OUT[0] = 0; OUT[1] = 0; return; }
  // both small: exact in doubles
  if ((ahi === 0 && alo >= 0) || (ahi === -1 && alo < 0)) {
    if ((bhi === 0 && blo >= 0) || (bhi === -1 && blo < 0)) {
      const r = alo % blo; // JS % takes the dividend's sign, as C does
      OUT[0] = r | 0; OUT[1] = r < 0 ? -1 : 0;
      return;
    }
  }
  const a = BigInt.asIntN(64, big(alo, ahi)), b = BigInt.asIntN(64, big(blo, bhi));
  setBig(a % b);
}

/** Signed 32-bit division (result zero-extended by the caller); INT32_MIN / -1 = INT32_MIN. */
export function sdiv32(a: number, b: number): number {
  if (b === 0) return 0;
  if (b === -1) return -a | 0;
  return (a / b) | 0; // truncates toward zero
}

export function smod32(a: number, b: number): number {
  if (b === 0) return a;
  if (b === -1) return 0;
  return (a % b) | 0;
}

export function udiv32(a: number, b: number): number {
  return b === 0 ? 0 : ((a >>> 0) / (b >>> 0)) | 0;
}

export function umod32(a: number, b: number): number {
  return b === 0 ? a : ((a >>> 0) % (b >>> 0)) | 0;
}

/** 64-bit logical shift left by n (0..63). */
export function lsh64(lo: number, hi: number, n: number): void {
  if (n === 0) { OUT[0] = lo; OUT[1] = hi; }
  else if (n < 32) { OUT[1] = (hi << n) | (lo >>> (32 - n)); OUT[0] = lo << n; }
  else { OUT[1] = lo << (n - 32); OUT[0] = 0; }
}

export function rsh64(lo: number, hi: number, n: number): void {
  if (n === 0) { OUT[0] = lo; OUT[1] = hi; }
  else if (n < 32) { OUT[0] = (lo >>> n) | (hi << (32 - n)); OUT[1] = hi >>> n; }
  else { OUT[0] = hi >>> (n - 32); OUT[1] = 0; }
}

export function arsh64(lo: number, hi: number, n: number): void {
  if (n === 0) { OUT[0] = lo; OUT[1] = hi; }
  else if (n < 32) { OUT[0] = (lo >>> n) | (hi << (32 - n)); OUT[1] = hi >> n; }
  else { OUT[0] = hi >> (n - 32); OUT[1] = hi >> 31; }
}

export function bswap16(x: number): number {
  return ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
}

export function bswap32(x: number): number {
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}

/** Unsigned compare of two 64-bit values: negative, zero or positive. */
export function ucmp64(alo: number, ahi: number, blo: number, bhi: number): number {
  if (ahi !== bhi) return (ahi >>> 0) < (bhi >>> 0) ? -1 : 1;
  if (alo !== blo) return (alo >>> 0) < (blo >>> 0) ? -1 : 1;
  return 0;
}

export function scmp64(alo: number, ahi: number, blo: number, bhi: number): number {
  if (ahi !== bhi) return ahi < bhi ? -1 : 1;
  if (alo !== blo) return (alo >>> 0) < (blo >>> 0) ? -1 : 1;
  return 0;
}

/** (lo, hi) → bigint, unsigned. */
export function toBigU(lo: number, hi: number): bigint {
  return big(lo, hi);
}

/** bigint → (lo, hi) in OUT. */
export function fromBig(v: bigint): void {
  setBig(v);
}
