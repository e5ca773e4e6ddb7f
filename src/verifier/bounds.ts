// Scalar ranges: a tnum plus signed/unsigned 64- and 32-bit bounds, kept consistent with
// each other as the kernel does (reg_bounds_sync: update from the tnum, deduce across the
// four ranges, tighten the tnum from the ranges). Also the transfer functions of every
// ALU operation (adjust_scalar_min_max_vals) and the refinement by conditional jumps
// (is_branch_taken, regs_refine_cond_op). Values are bigints: unsigned in [0, 2^64),
// signed in [-2^63, 2^63), 32-bit ones likewise.

import {
  type Tnum, U32, U64, tnumAdd, tnumAnd, tnumArshift, tnumCast, tnumClearSubreg, tnumConst, tnumIn,
  tnumIntersect, tnumIsConst, tnumIsValid, tnumLshift, tnumMul, tnumOr, tnumRange, tnumRshift, tnumSub,
  tnumSubreg, tnumUnknown, tnumWithSubreg, tnumXor,
} from './tnum.js';

export const S64_MIN = -(1n << 63n);
export const S64_MAX = (1n << 63n) - 1n;
export const S32_MIN = -(1n << 31n);
export const S32_MAX = (1n << 31n) - 1n;

export interface Bounds {
  varOff: Tnum;
  smin: bigint;
  smax: bigint;
  umin: bigint;
  umax: bigint;
  s32min: bigint;
  s32max: bigint;
  u32min: bigint;
  u32max: bigint;
}

const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const s32 = (v: bigint): bigint => BigInt.asIntN(32, v);
const u32 = (v: bigint): bigint => BigInt.asUintN(32, v);
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

export function unknownBounds(): Bounds {
  return { varOff: tnumUnknown, smin: S64_MIN, smax: S64_MAX, umin: 0n, umax: U64, s32min: S32_MIN, s32max: S32_MAX, u32min: 0n, u32max: U32 };
}

export function constBounds(v: bigint): Bounds {
  const u = u64(v);
  const lo = u32(u);
  return { varOff: tnumConst(u), smin: s64(u), smax: s64(u), umin: u, umax: u, s32min: s32(lo), s32max: s32(lo), u32min: lo, u32max: lo };
}

export function copyBounds(b: Bounds): Bounds {
  return { ...b };
}

export function markUnbounded64(b: Bounds): void {
  b.smin = S64_MIN; b.smax = S64_MAX; b.umin = 0n; b.umax = U64;
}

export function markUnbounded32(b: Bounds): void {
  b.s32min = S32_MIN; b.s32max = S32_MAX; b.u32min = 0n; b.u32max = U32;
}

export function isConst(b: Bounds): boolean {
  return tnumIsConst(b.varOff);
}

export function isConst32(b: Bounds): boolean {
  return tnumIsConst(tnumSubreg(b.varOff));
}

export function boundsEqual(a: Bounds, b: Bounds): boolean {
  return a.varOff.value === b.varOff.value && a.varOff.mask === b.varOff.mask && a.smin === b.smin && a.smax === b.smax &&
    a.umin === b.umin && a.umax === b.umax && a.s32min === b.s32min && a.s32max === b.s32max &&
    a.u32min === b.u32min && a.u32max === b.u32max;
}

/** Every value allowed by `cur` is allowed by `old`. */
export function boundsWithin(old: Bounds, cur: Bounds): boolean {
  return old.umin <= cur.umin && old.umax >= cur.umax && old.smin <= cur.smin && old.smax >= cur.smax &&
    old.u32min <= cur.u32min && old.u32max >= cur.u32max && old.s32min <= cur.s32min && old.s32max >= cur.s32max &&
    tnumIn(old.varOff, cur.varOff);
}

/** No value satisfies the bounds (an impossible branch). */
export function boundsEmpty(b: Bounds): boolean {
  return b.umin > b.umax || b.smin > b.smax || b.u32min > b.u32max || b.s32min > b.s32max || !tnumIsValid(b.varOff);
}

// ---- sync ---------------------------------------------------------------------------------

function update32(b: Bounds): void {
  const v = tnumSubreg(b.varOff);
  b.s32min = max(b.s32min, s32(v.value | (v.mask & (1n << 31n))));
  b.s32max = min(b.s32max, s32(v.value | (v.mask & S32_MAX)));
  b.u32min = max(b.u32min, v.value);
  b.u32max = min(b.u32max, v.value | v.mask);
}

function update64(b: Bounds): void {
  const v = b.varOff;
  b.smin = max(b.smin, s64(v.value | (v.mask & (1n << 63n))));
  b.smax = min(b.smax, s64(v.value | (v.mask & S64_MAX)));
  b.umin = max(b.umin, v.value);
  b.umax = min(b.umax, v.value | v.mask);
}

export function updateBounds(b: Bounds): void {
  update32(b);
  update64(b);
}

function deduce32(b: Bounds): void {
  if (b.umin >> 32n === b.umax >> 32n) {
    b.u32min = max(b.u32min, u32(b.umin));
    b.u32max = min(b.u32max, u32(b.umax));
    if (s32(b.umin) <= s32(b.umax)) {
      b.s32min = max(b.s32min, s32(b.umin));
      b.s32max = min(b.s32max, s32(b.umax));
    }
  }
  if (b.smin >> 32n === b.smax >> 32n) {
    b.u32min = max(b.u32min, u32(b.smin));
    b.u32max = min(b.u32max, u32(b.smax));
    if (s32(b.smin) <= s32(b.smax)) {
      b.s32min = max(b.s32min, s32(b.smin));
      b.s32max = min(b.s32max, s32(b.smax));
    }
  }
  if (u32(u32(b.umin >> 32n) + 1n) === u32(b.umax >> 32n) && s32(b.umin) < 0n && s32(b.umax) >= 0n) {
    b.s32min = max(b.s32min, s32(b.umin));
    b.s32max = min(b.s32max, s32(b.umax));
  }
  if (u32(u32(b.smin >> 32n) + 1n) === u32(b.smax >> 32n) && s32(b.smin) < 0n && s32(b.smax) >= 0n) {
    b.s32min = max(b.s32min, s32(b.smin));
    b.s32max = min(b.s32max, s32(b.smax));
  }
  if (s32(b.u32min) <= s32(b.u32max)) {
    b.s32min = max(b.s32min, s32(b.u32min));
    b.s32max = min(b.s32max, s32(b.u32max));
  }
  if (u32(b.s32min) <= u32(b.s32max)) {
    b.u32min = max(b.u32min, u32(b.s32min));
    b.u32max = min(b.u32max, u32(b.s32max));
  } else if (b.u32max < u32(b.s32min)) {
    // the s32 range crosses the sign boundary and the u32 range meets only its positive part
    b.s32min = s32(b.u32min);
    b.u32max = min(b.u32max, u32(b.s32max));
  } else if (u32(b.s32max) < b.u32min) {
    // ... or only its negative part
    b.s32max = s32(b.u32max);
    b.u32min = max(b.u32min, u32(b.s32min));
  }
}

function deduce64(b: Bounds): void {
  if (s64(b.umin) <= s64(b.umax)) {
    b.smin = max(b.smin, s64(b.umin));
    b.smax = min(b.smax, s64(b.umax));
  }
  if (u64(b.smin) <= u64(b.smax)) {
    b.umin = max(b.umin, u64(b.smin));
    b.umax = min(b.umax, u64(b.smax));
  } else if (b.umax < u64(b.smin)) {
    // the value is in [0, smax]: signed and unsigned agree
    b.umax = min(b.umax, u64(b.smax));
    if (b.umin <= S64_MAX) b.smin = max(b.smin, b.umin);
    b.smax = min(b.smax, s64(b.umax));
  } else if (u64(b.smax) < b.umin) {
    // the value is in [smin, -1]
    b.umin = max(b.umin, u64(b.smin));
    b.smax = min(b.smax, s64(b.umax));
    b.smin = max(b.smin, s64(b.umin));
  }
}

function deduceMixed(b: Bounds): void {
  const hiMask = U64 ^ U32;
  const nu = (b.umin & hiMask) | b.u32min;
  const nU = (b.umax & hiMask) | b.u32max;
  b.umin = max(b.umin, nu);
  b.umax = min(b.umax, nU);
  const ns = s64((u64(b.smin) & hiMask) | b.u32min);
  const nS = s64((u64(b.smax) & hiMask) | b.u32max);
  b.smin = max(b.smin, ns);
  b.smax = min(b.smax, nS);
  if (b.s32min >= 0n && b.smin >= S32_MIN && b.smax <= S32_MAX) {
    b.smin = b.s32min; b.smax = b.s32max;
    b.umin = b.s32min; b.umax = b.s32max;
    b.varOff = tnumIntersect(b.varOff, tnumRange(b.smin, b.smax));
  }
}

function boundOffset(b: Bounds): void {
  const v64 = tnumIntersect(b.varOff, tnumRange(b.umin, b.umax));
  const v32 = tnumIntersect(tnumSubreg(v64), tnumRange(b.u32min, b.u32max));
  b.varOff = tnumOr(tnumClearSubreg(v64), v32);
}

/** reg_bounds_sync. Leaves an empty range alone (callers test boundsEmpty). */
export function syncBounds(b: Bounds): void {
  // a known constant inside every range: the general steps would set every bound to it
  if (b.varOff.mask === 0n) {
    const u = b.varOff.value;
    const v = s64(u);
    const lo = u & U32;
    const v32 = s32(lo);
    if (b.umin <= u && u <= b.umax && b.smin <= v && v <= b.smax && b.u32min <= lo && lo <= b.u32max && b.s32min <= v32 && v32 <= b.s32max) {
      b.umin = b.umax = u; b.smin = b.smax = v; b.u32min = b.u32max = lo; b.s32min = b.s32max = v32;
      return;
    }
  }
  updateBounds(b);
  if (boundsEmpty(b)) return;
  deduce32(b); deduce64(b); deduceMixed(b);
  deduce32(b); deduce64(b); deduceMixed(b);
  deduce32(b); deduce64(b); deduceMixed(b);
  if (boundsEmpty(b)) return;
  boundOffset(b);
  updateBounds(b);
}

/** Keep the low `size` bytes (zero extension): coerce_reg_to_size. */
export function coerceToSize(b: Bounds, size: number): void {
  if (size >= 8) return;
  const m = (1n << BigInt(size * 8)) - 1n;
  b.varOff = tnumCast(b.varOff, size);
  if ((b.umin & ~m) === (b.umax & ~m)) {
    b.umin &= m; b.umax &= m;
  } else {
    b.umin = 0n; b.umax = m;
  }
  b.smin = b.umin; b.smax = b.umax;
  if (size < 4) {
    // the 32-bit view is the same value
    b.u32min = b.umin; b.u32max = b.umax; b.s32min = b.umin; b.s32max = b.umax;
  } else {
    markUnbounded32(b);
  }
  syncBounds(b);
}

/** Sign-extend from `size` bytes to 64 bits (ldsx, movsx). */
export function coerceToSizeSx(b: Bounds, size: number): void {
  const bits = size * 8;
  const lo = -(1n << BigInt(bits - 1));
  const hi = (1n << BigInt(bits - 1)) - 1n;
  const t = tnumCast(b.varOff, size);
  let smin: bigint;
  let smax: bigint;
  if (tnumIsConst(t)) {
    smin = smax = BigInt.asIntN(bits, t.value);
  } else {
    // if the sign bit is known, the range is narrower; keep it simple and sound
    const signBit = 1n << BigInt(bits - 1);
    if ((t.mask & signBit) === 0n && (t.value & signBit) === 0n) { smin = t.value; smax = t.value | t.mask; }
    else { smin = lo; smax = hi; }
    const bmin = BigInt.asIntN(bits, b.umin & ((1n << BigInt(bits)) - 1n));
    const bmax = BigInt.asIntN(bits, b.umax & ((1n << BigInt(bits)) - 1n));
    if (b.umax - b.umin < (1n << BigInt(bits)) && bmin <= bmax && (b.umin >> BigInt(bits)) === (b.umax >> BigInt(bits))) {
      smin = max(smin, bmin); smax = min(smax, bmax);
    }
  }
  const r = unknownBounds();
  r.smin = smin; r.smax = smax;
  r.varOff = smin === smax ? tnumConst(u64(smin)) : tnumUnknown;
  if (smin >= 0n) r.varOff = tnumRange(smin, smax);
  Object.assign(b, r);
  syncBounds(b);
}

/** 32-bit result in the subregister, upper half zero (zext_32_to_64 after an ALU32 op). */
export function zext32(b: Bounds): void {
  b.varOff = tnumSubreg(b.varOff);
  b.umin = b.u32min; b.umax = b.u32max;
  b.smin = b.u32min; b.smax = b.u32max;
  syncBounds(b);
}

// ---- ALU transfer functions ----------------------------------------------------------------

export type AluOp = 'add' | 'sub' | 'mul' | 'div' | 'sdiv' | 'mod' | 'smod' | 'or' | 'and' | 'xor' | 'lsh' | 'rsh' | 'arsh';

function add64(d: Bounds, s: Bounds): void {
  const smin = d.smin + s.smin;
  const smax = d.smax + s.smax;
  if (smin < S64_MIN || smax > S64_MAX) { d.smin = S64_MIN; d.smax = S64_MAX; } else { d.smin = smin; d.smax = smax; }
  const umin = d.umin + s.umin;
  const umax = d.umax + s.umax;
  if (umin > U64 && umax > U64 && umin - (1n << 64n) <= umax - (1n << 64n) && umax - umin <= U64) {
    d.umin = umin - (1n << 64n); d.umax = umax - (1n << 64n);
  } else if (umax > U64) { d.umin = 0n; d.umax = U64; } else { d.umin = umin; d.umax = umax; }
}

function add32(d: Bounds, s: Bounds): void {
  const smin = d.s32min + s.s32min;
  const smax = d.s32max + s.s32max;
  if (smin < S32_MIN || smax > S32_MAX) { d.s32min = S32_MIN; d.s32max = S32_MAX; } else { d.s32min = smin; d.s32max = smax; }
  const umin = d.u32min + s.u32min;
  const umax = d.u32max + s.u32max;
  if (umin > U32 && umax > U32) { d.u32min = umin - (1n << 32n); d.u32max = umax - (1n << 32n); }
  else if (umax > U32) { d.u32min = 0n; d.u32max = U32; } else { d.u32min = umin; d.u32max = umax; }
}

function sub64(d: Bounds, s: Bounds): void {
  const smin = d.smin - s.smax;
  const smax = d.smax - s.smin;
  if (smin < S64_MIN || smax > S64_MAX) { d.smin = S64_MIN; d.smax = S64_MAX; } else { d.smin = smin; d.smax = smax; }
  if (d.umin < s.umax) { d.umin = 0n; d.umax = U64; } else { d.umin -= s.umax; d.umax -= s.umin; }
}

function sub32(d: Bounds, s: Bounds): void {
  const smin = d.s32min - s.s32max;
  const smax = d.s32max - s.s32min;
  if (smin < S32_MIN || smax > S32_MAX) { d.s32min = S32_MIN; d.s32max = S32_MAX; } else { d.s32min = smin; d.s32max = smax; }
  if (d.u32min < s.u32max) { d.u32min = 0n; d.u32max = U32; } else { d.u32min -= s.u32max; d.u32max -= s.u32min; }
}

function mulRange(a0: bigint, a1: bigint, b0: bigint, b1: bigint, lo: bigint, hi: bigint): [bigint, bigint] | undefined {
  const p = [a0 * b0, a0 * b1, a1 * b0, a1 * b1];
  let mn = p[0]!;
  let mx = p[0]!;
  for (const x of p) { if (x < mn) mn = x; if (x > mx) mx = x; }
  return mn < lo || mx > hi ? undefined : [mn, mx];
}

function mul64(d: Bounds, s: Bounds): void {
  const u = mulRange(d.umin, d.umax, s.umin, s.umax, 0n, U64);
  if (u) { d.umin = u[0]; d.umax = u[1]; } else { d.umin = 0n; d.umax = U64; }
  const sr = mulRange(d.smin, d.smax, s.smin, s.smax, S64_MIN, S64_MAX);
  if (sr) { d.smin = sr[0]; d.smax = sr[1]; } else { d.smin = S64_MIN; d.smax = S64_MAX; }
}

function mul32(d: Bounds, s: Bounds): void {
  const u = mulRange(d.u32min, d.u32max, s.u32min, s.u32max, 0n, U32);
  if (u) { d.u32min = u[0]; d.u32max = u[1]; } else { d.u32min = 0n; d.u32max = U32; }
  const sr = mulRange(d.s32min, d.s32max, s.s32min, s.s32max, S32_MIN, S32_MAX);
  if (sr) { d.s32min = sr[0]; d.s32max = sr[1]; } else { d.s32min = S32_MIN; d.s32max = S32_MAX; }
}

function and64(d: Bounds, s: Bounds): void {
  d.umin = d.varOff.value;
  d.umax = min(d.umax, s.umax);
  if (d.smin < 0n || s.smin < 0n) { d.smin = S64_MIN; d.smax = S64_MAX; } else { d.smin = d.umin; d.smax = d.umax; }
}

function and32(d: Bounds, s: Bounds, v: Tnum): void {
  d.u32min = v.value;
  d.u32max = min(d.u32max, s.u32max);
  if (d.s32min < 0n || s.s32min < 0n) { d.s32min = S32_MIN; d.s32max = S32_MAX; } else { d.s32min = d.u32min; d.s32max = d.u32max; }
}

function or64(d: Bounds, s: Bounds): void {
  d.umin = max(d.umin, s.umin);
  d.umax = d.varOff.value | d.varOff.mask;
  if (d.smin < 0n || s.smin < 0n) { d.smin = S64_MIN; d.smax = S64_MAX; } else { d.smin = d.umin; d.smax = d.umax; }
}

function or32(d: Bounds, s: Bounds, v: Tnum): void {
  d.u32min = max(d.u32min, s.u32min);
  d.u32max = v.value | v.mask;
  if (d.s32min < 0n || s.s32min < 0n) { d.s32min = S32_MIN; d.s32max = S32_MAX; } else { d.s32min = d.u32min; d.s32max = d.u32max; }
}

function xor64(d: Bounds, s: Bounds): void {
  d.umin = d.varOff.value;
  d.umax = d.varOff.value | d.varOff.mask;
  if (d.smin >= 0n && s.smin >= 0n) { d.smin = d.umin; d.smax = d.umax; } else { d.smin = S64_MIN; d.smax = S64_MAX; }
}

function xor32(d: Bounds, s: Bounds, v: Tnum): void {
  d.u32min = v.value;
  d.u32max = v.value | v.mask;
  if (d.s32min >= 0n && s.s32min >= 0n) { d.s32min = d.u32min; d.s32max = d.u32max; } else { d.s32min = S32_MIN; d.s32max = S32_MAX; }
}

/**
 * dst = dst OP src on scalars (src bounds given), 64- or 32-bit. Shifts need a known
 * shift amount below the width (the caller checks; anything else gives unknown).
 */
export function scalarAlu(op: AluOp, d: Bounds, s: Bounds, is64: boolean): void {
  const bits = is64 ? 64 : 32;
  const srcConst = is64 ? isConst(s) : isConst32(s);
  // operations the kernel does not track (or shifts it cannot): an unknown result
  const shift = op === 'lsh' || op === 'rsh' || op === 'arsh';
  const untracked = op === 'div' || op === 'sdiv' || op === 'mod' || op === 'smod' ||
    (shift && (!srcConst || (is64 ? s.umax : s.u32max) >= BigInt(bits)));
  if (untracked) {
    Object.assign(d, unknownBounds());
    if (!is64) zext32(d);
    return;
  }
  if (!is64) {
    // work on the subregister; the result is zero-extended
    const dv = tnumSubreg(d.varOff);
    const sv = tnumSubreg(s.varOff);
    let v: Tnum;
    switch (op) {
      case 'add': add32(d, s); v = tnumSubreg(tnumAdd(dv, sv)); break;
      case 'sub': sub32(d, s); v = tnumSubreg(tnumSub(dv, sv)); break;
      case 'mul': mul32(d, s); v = tnumSubreg(tnumMul(dv, sv)); break;
      case 'and': v = tnumAnd(dv, sv); and32(d, s, v); break;
      case 'or': v = tnumOr(dv, sv); or32(d, s, v); break;
      case 'xor': v = tnumXor(dv, sv); xor32(d, s, v); break;
      case 'lsh': {
        const n = s.u32min;
        const um = s.u32max;
        d.s32min = S32_MIN; d.s32max = S32_MAX;
        if (um > 31n || d.u32max > 1n << (31n - um)) { d.u32min = 0n; d.u32max = U32; } else { d.u32min <<= n; d.u32max <<= um; }
        v = tnumSubreg(tnumLshift(dv, Number(n)));
        break;
      }
      case 'rsh': {
        const n = s.u32min;
        d.s32min = S32_MIN; d.s32max = S32_MAX;
        d.u32min >>= s.u32max; d.u32max >>= n;
        v = tnumRshift(dv, Number(n));
        break;
      }
      case 'arsh': {
        const n = s.u32min;
        d.s32min >>= n; d.s32max >>= n;
        d.u32min = 0n; d.u32max = U32;
        v = tnumArshift(dv, Number(n), 32);
        break;
      }
      default: v = dv;
    }
    d.varOff = tnumWithSubreg(d.varOff, v);
    markUnbounded64(d);
    update32(d);
    zext32(d);
    return;
  }
  const dv = d.varOff;
  const sv = s.varOff;
  // the 32-bit halves of a 64-bit op are tracked too (low 32 bits of the result)
  const d32 = copyBounds(d);
  switch (op) {
    case 'add': add32(d32, s); add64(d, s); d.varOff = tnumAdd(dv, sv); break;
    case 'sub': sub32(d32, s); sub64(d, s); d.varOff = tnumSub(dv, sv); break;
    case 'mul': mul32(d32, s); mul64(d, s); d.varOff = tnumMul(dv, sv); break;
    case 'and': d.varOff = tnumAnd(dv, sv); and32(d32, s, tnumSubreg(d.varOff)); and64(d, s); break;
    case 'or': d.varOff = tnumOr(dv, sv); or32(d32, s, tnumSubreg(d.varOff)); or64(d, s); break;
    case 'xor': d.varOff = tnumXor(dv, sv); xor32(d32, s, tnumSubreg(d.varOff)); xor64(d, s); break;
    case 'lsh': {
      const n = s.umin;
      const um = s.umax;
      markUnbounded32(d32);
      d.smin = S64_MIN; d.smax = S64_MAX;
      if (n === 32n && um === 32n && d.s32max >= 0n) { d.smax = d.s32max << 32n; }
      if (n === 32n && um === 32n && d.s32min >= 0n) { d.smin = d.s32min << 32n; }
      if (um > 63n || d.umax > 1n << (63n - um)) { d.umin = 0n; d.umax = U64; } else { d.umin <<= n; d.umax <<= um; }
      d.varOff = tnumLshift(dv, Number(n));
      break;
    }
    case 'rsh': {
      const n = s.umin;
      markUnbounded32(d32);
      d.smin = S64_MIN; d.smax = S64_MAX;
      d.umin >>= s.umax; d.umax >>= n;
      d.varOff = tnumRshift(dv, Number(n));
      break;
    }
    case 'arsh': {
      const n = s.umin;
      markUnbounded32(d32);
      d.smin >>= n; d.smax >>= n;
      d.umin = 0n; d.umax = U64;
      d.varOff = tnumArshift(dv, Number(n), 64);
      break;
    }
    default: break;
  }
  d.s32min = d32.s32min; d.s32max = d32.s32max; d.u32min = d32.u32min; d.u32max = d32.u32max;
  syncBounds(d);
}

// ---- conditional jumps ----------------------------------------------------------------------

export type CondOp = 'jeq' | 'jne' | 'jgt' | 'jge' | 'jlt' | 'jle' | 'jsgt' | 'jsge' | 'jslt' | 'jsle' | 'jset';

const NEGATE: Record<CondOp, CondOp | 'jnset'> = {
  jeq: 'jne', jne: 'jeq', jgt: 'jle', jge: 'jlt', jlt: 'jge', jle: 'jgt',
  jsgt: 'jsle', jsge: 'jslt', jslt: 'jsge', jsle: 'jsgt', jset: 'jnset',
};
const FLIP: Record<CondOp, CondOp> = {
  jeq: 'jeq', jne: 'jne', jgt: 'jlt', jge: 'jle', jlt: 'jgt', jle: 'jge',
  jsgt: 'jslt', jsge: 'jsle', jslt: 'jsgt', jsle: 'jsge', jset: 'jset',
};

export function negateCond(op: CondOp | 'jnset'): CondOp | 'jnset' {
  return op === 'jnset' ? 'jset' : NEGATE[op];
}

interface View { umin: bigint; umax: bigint; smin: bigint; smax: bigint; t: Tnum }

function view(b: Bounds, is64: boolean): View {
  return is64
    ? { umin: b.umin, umax: b.umax, smin: b.smin, smax: b.smax, t: b.varOff }
    : { umin: b.u32min, umax: b.u32max, smin: b.s32min, smax: b.s32max, t: tnumSubreg(b.varOff) };
}

/** 1 = always taken, 0 = never, -1 = unknown (is_scalar_branch_taken). */
export function branchTaken(a: Bounds, b: Bounds, op: CondOp | 'jnset', is64: boolean): 1 | 0 | -1 {
  const x = view(a, is64);
  const y = view(b, is64);
  switch (op) {
    case 'jeq':
      if (tnumIsConst(x.t) && tnumIsConst(y.t)) return x.t.value === y.t.value ? 1 : 0;
      if (x.umin > y.umax || x.umax < y.umin || x.smin > y.smax || x.smax < y.smin) return 0;
      if (((x.t.value ^ y.t.value) & ~(x.t.mask | y.t.mask)) & (is64 ? U64 : U32)) return 0;
      return -1;
    case 'jne': {
      const r = branchTaken(a, b, 'jeq', is64);
      return r === -1 ? -1 : r === 1 ? 0 : 1;
    }
    case 'jset':
      if (!tnumIsConst(y.t)) {
        if (x.t.value & y.t.value) return 1;
        if (!((x.t.value | x.t.mask) & (y.t.value | y.t.mask))) return 0;
        return -1;
      }
      if (x.t.value & y.t.value) return 1;
      if (!((x.t.value | x.t.mask) & y.t.value)) return 0;
      return -1;
    case 'jnset': {
      const r = branchTaken(a, b, 'jset', is64);
      return r === -1 ? -1 : r === 1 ? 0 : 1;
    }
    case 'jgt': if (x.umin > y.umax) return 1; if (x.umax <= y.umin) return 0; return -1;
    case 'jge': if (x.umin >= y.umax) return 1; if (x.umax < y.umin) return 0; return -1;
    case 'jlt': if (x.umax < y.umin) return 1; if (x.umin >= y.umax) return 0; return -1;
    case 'jle': if (x.umax <= y.umin) return 1; if (x.umin > y.umax) return 0; return -1;
    case 'jsgt': if (x.smin > y.smax) return 1; if (x.smax <= y.smin) return 0; return -1;
    case 'jsge': if (x.smin >= y.smax) return 1; if (x.smax < y.smin) return 0; return -1;
    case 'jslt': if (x.smax < y.smin) return 1; if (x.smin >= y.smax) return 0; return -1;
    case 'jsle': if (x.smax <= y.smin) return 1; if (x.smin > y.smax) return 0; return -1;
  }
}

function setView(b: Bounds, v: View, is64: boolean): void {
  if (is64) {
    b.umin = v.umin; b.umax = v.umax; b.smin = v.smin; b.smax = v.smax; b.varOff = v.t;
  } else {
    b.u32min = v.umin; b.u32max = v.umax; b.s32min = v.smin; b.s32max = v.smax;
    b.varOff = tnumWithSubreg(b.varOff, v.t);
  }
}

/**
 * Narrow a and b assuming `a OP b` holds (regs_refine_cond_op), then sync. Returns false
 * when no values satisfy it (the branch is dead).
 */
export function refineCond(a: Bounds, b: Bounds, op: CondOp | 'jnset', is64: boolean): boolean {
  const x = view(a, is64);
  const y = view(b, is64);
  const one = 1n;
  switch (op) {
    case 'jeq': {
      const umin = max(x.umin, y.umin);
      const umax = min(x.umax, y.umax);
      const smin = max(x.smin, y.smin);
      const smax = min(x.smax, y.smax);
      const t = tnumIntersect(x.t, y.t);
      if (!tnumIsValid(t) || ((x.t.value ^ y.t.value) & ~(x.t.mask | y.t.mask))) return false;
      x.umin = y.umin = umin; x.umax = y.umax = umax; x.smin = y.smin = smin; x.smax = y.smax = smax;
      x.t = y.t = t;
      break;
    }
    case 'jne': {
      for (const [p, q] of [[x, y], [y, x]] as const) {
        if (!tnumIsConst(q.t)) continue;
        const val = q.t.value;
        const sval = is64 ? s64(val) : s32(val);
        if (p.umin === val) p.umin += one;
        if (p.umax === val) p.umax -= one;
        if (p.smin === sval) p.smin += one;
        if (p.smax === sval) p.smax -= one;
        if (tnumIsConst(p.t) && p.t.value === val) return false;
      }
      break;
    }
    case 'jset':
      if (tnumIsConst(y.t) && y.t.value !== 0n && (y.t.value & (y.t.value - 1n)) === 0n) x.t = tnumOr(x.t, y.t);
      break;
    case 'jnset':
      if (tnumIsConst(y.t)) x.t = tnumAnd(x.t, tnumConst(~y.t.value & (is64 ? U64 : U32)));
      break;
    case 'jle': x.umax = min(x.umax, y.umax); y.umin = max(y.umin, x.umin); break;
    case 'jlt':
      if (y.umax === 0n || x.umin === (is64 ? U64 : U32)) return false;
      x.umax = min(x.umax, y.umax - one); y.umin = max(y.umin, x.umin + one); break;
    case 'jsle': x.smax = min(x.smax, y.smax); y.smin = max(y.smin, x.smin); break;
    case 'jslt':
      if (y.smax === (is64 ? S64_MIN : S32_MIN) || x.smin === (is64 ? S64_MAX : S32_MAX)) return false;
      x.smax = min(x.smax, y.smax - one); y.smin = max(y.smin, x.smin + one); break;
    case 'jge': case 'jgt': case 'jsge': case 'jsgt':
      return refineCond(b, a, FLIP[op], is64);
  }
  setView(a, x, is64);
  setView(b, y, is64);
  if (boundsEmpty(a) || boundsEmpty(b)) return false;
  syncBounds(a);
  syncBounds(b);
  return !boundsEmpty(a) && !boundsEmpty(b);
}

export { tnumRange, tnumCast, tnumSubreg, tnumIsConst, tnumConst };
