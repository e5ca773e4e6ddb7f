// Soundness of the abstract domain: for random concrete operands inside random abstract
// values, every ALU result and every branch refinement still contains the concrete result
// (fixed seed, deterministic).
import { describe, expect, test } from 'vitest';
import { type AluOp, type Bounds, type CondOp, branchTaken, constBounds, refineCond, scalarAlu, syncBounds, unknownBounds } from './bounds.js';
import { tnumRange, tnumIn, tnumConst, U64 } from './tnum.js';

let seed = 0x1234567n;
function rnd64(): bigint {
  seed = (seed * 6364136223846793005n + 1442695040888963407n) & U64;
  return seed;
}
function pick<T>(a: readonly T[]): T {
  return a[Number(rnd64() >> 33n) % a.length]!;
}
const S = (v: bigint) => BigInt.asIntN(64, v);

/** A random abstract value and a concrete value inside it. */
function sample(): { b: Bounds; x: bigint } {
  const kind = Number(rnd64() % 4n);
  const x = kind === 0 ? rnd64() % 300n : kind === 1 ? rnd64() : kind === 2 ? BigInt.asUintN(64, -(rnd64() % 300n)) : rnd64() & 0xffffffffn;
  if (rnd64() % 5n === 0n) return { b: constBounds(x), x };
  const span = [0n, 1n, 15n, 255n, 0xffffn, 0xffffffffn, U64][Number(rnd64() % 7n)]!;
  const lo = x >= (span >> 1n) ? x - (rnd64() % ((span >> 1n) + 1n)) : 0n;
  const hi = lo + span > U64 ? U64 : lo + span < x ? x : lo + span;
  const b = unknownBounds();
  b.umin = lo; b.umax = hi; b.varOff = tnumRange(lo, hi);
  syncBounds(b);
  return { b, x };
}

function contains(b: Bounds, v: bigint): boolean {
  const u = BigInt.asUintN(64, v);
  const lo = u & 0xffffffffn;
  return b.umin <= u && u <= b.umax && b.smin <= S(u) && S(u) <= b.smax && b.u32min <= lo && lo <= b.u32max &&
    b.s32min <= BigInt.asIntN(32, lo) && BigInt.asIntN(32, lo) <= b.s32max && tnumIn(b.varOff, tnumConst(u));
}

function concrete(op: AluOp, x: bigint, y: bigint, is64: boolean): bigint {
  const W = is64 ? 64 : 32;
  const m = (1n << BigInt(W)) - 1n;
  const a = x & m;
  const b = y & m;
  switch (op) {
    case 'add': return (a + b) & m;
    case 'sub': return (a - b) & m;
    case 'mul': return (a * b) & m;
    case 'and': return a & b;
    case 'or': return a | b;
    case 'xor': return a ^ b;
    case 'lsh': return (a << b) & m;
    case 'rsh': return a >> b;
    case 'arsh': return BigInt.asUintN(W, BigInt.asIntN(W, a) >> b);
    default: return 0n;
  }
}

function holds(op: CondOp, x: bigint, y: bigint, is64: boolean): boolean {
  const W = is64 ? 64 : 32;
  const a = BigInt.asUintN(W, x);
  const b = BigInt.asUintN(W, y);
  const sa = BigInt.asIntN(W, x);
  const sb = BigInt.asIntN(W, y);
  switch (op) {
    case 'jeq': return a === b;
    case 'jne': return a !== b;
    case 'jgt': return a > b;
    case 'jge': return a >= b;
    case 'jlt': return a < b;
    case 'jle': return a <= b;
    case 'jsgt': return sa > sb;
    case 'jsge': return sa >= sb;
    case 'jslt': return sa < sb;
    case 'jsle': return sa <= sb;
    case 'jset': return (a & b) !== 0n;
  }
}

describe('bounds soundness (fixed seed)', () => {
  test('ALU results contain the concrete result', () => {
    const ops: AluOp[] = ['add', 'sub', 'mul', 'and', 'or', 'xor', 'lsh', 'rsh', 'arsh'];
    for (let i = 0; i < 4000; i++) {
      const op = pick(ops);
      const is64 = rnd64() % 2n === 0n;
      const A = sample();
      let B = sample();
      if (op === 'lsh' || op === 'rsh' || op === 'arsh') { const n = rnd64() % (is64 ? 64n : 32n); B = { b: constBounds(n), x: n }; }
      const d = { ...A.b };
      scalarAlu(op, d, B.b, is64);
      const r = concrete(op, A.x, B.x, is64);
      expect(contains(d, r), `${op}${is64 ? '' : '32'} ${A.x} ${B.x} -> ${r} ${JSON.stringify(d, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`).toBe(true);
    }
  });

  test('branch refinement keeps the values that take the branch', () => {
    const ops: CondOp[] = ['jeq', 'jne', 'jgt', 'jge', 'jlt', 'jle', 'jsgt', 'jsge', 'jslt', 'jsle', 'jset'];
    for (let i = 0; i < 4000; i++) {
      const op = pick(ops);
      const is64 = rnd64() % 2n === 0n;
      const A = sample();
      const B = rnd64() % 2n ? sample() : (() => { const v = rnd64() % 64n; return { b: constBounds(v), x: v }; })();
      const taken = holds(op, A.x, B.x, is64);
      const t = branchTaken(A.b, B.b, op, is64);
      if (t !== -1) expect(t === 1, `${op} ${A.x} ${B.x}`).toBe(taken);
      const a = { ...A.b };
      const b = { ...B.b };
      const alive = refineCond(a, b, taken ? op : (op === 'jset' ? 'jnset' : ({ jeq: 'jne', jne: 'jeq', jgt: 'jle', jge: 'jlt', jlt: 'jge', jle: 'jgt', jsgt: 'jsle', jsge: 'jslt', jslt: 'jsge', jsle: 'jsgt' } as const)[op]), is64);
      expect(alive, `${op} ${A.x} ${B.x} taken=${taken}`).toBe(true);
      expect(contains(a, A.x) && contains(b, B.x), `${op}${is64 ? '' : '32'} ${A.x} ${B.x} taken=${taken}`).toBe(true);
    }
  });
});
