// ALU instructions (check_alu_op): read-before-write, division by a zero constant, shift
// ranges, moves (with scalar id links), scalar arithmetic through bounds.ts, and pointer
// arithmetic with the kernel's rules and messages (adjust_ptr_min_max_vals).

import type { Insn } from '../isa/insn.js';
import {
  type AluOp, type Bounds, S64_MIN, coerceToSizeSx, constBounds, copyBounds, isConst, scalarAlu, syncBounds, unknownBounds, zext32,
} from './bounds.js';
import { BPF_MAX_VAR_OFF, type Env, checkRead, fail, nextId, reg, setReg } from './env.js';
import { cloneReg, constScalar, isPktPointer, type RegState, typeStr, unknownScalar } from './regstate.js';
import { tnumAdd, tnumIsConst, tnumSub } from './tnum.js';

const ALU_STR: Record<string, string> = {
  add: '+=', sub: '-=', mul: '*=', div: '/=', sdiv: 's/=', or: '|=', and: '&=', lsh: '<<=', rsh: '>>=', neg: 'neg',
  mod: '%=', smod: 's%=', xor: '^=', mov: '=', arsh: 's>>=', le: 'endian', be: 'endian', bswap: 'endian',
};

function immBounds(insn: Insn, is64: boolean): Bounds {
  return constBounds(is64 ? BigInt(insn.imm) : BigInt(insn.imm >>> 0));
}

export function checkAlu(env: Env, insn: Insn): void {
  const f = insn.form!;
  const op = f.op as string;
  const is64 = f.is64 && f.cls === 7;
  const dst = insn.dst;

  if (op === 'neg' || op === 'le' || op === 'be' || op === 'bswap') {
    const d = checkRead(env, dst);
    if (d.type !== 'scalar') { setReg(env, dst, unknownScalar()); return; }
    const r = cloneReg(d);
    r.id = 0;
    if (op === 'neg') {
      const zero = constBounds(0n);
      scalarAlu('sub', zero, r.b, f.cls === 7);
      r.b = zero;
    } else if (op === 'le' && insn.imm < 64) {
      // to little endian on a little-endian machine: truncation
      r.b = copyBounds(r.b);
      const m = constBounds(insn.imm === 16 ? 0xffffn : 0xffffffffn);
      scalarAlu('and', r.b, m, true);
    } else {
      r.b = unknownBounds();
      if (insn.imm === 16 || insn.imm === 32) scalarAlu('and', r.b, constBounds(insn.imm === 16 ? 0xffffn : 0xffffffffn), true);
    }
    setReg(env, dst, r);
    return;
  }

  if (op === 'mov' || op === 'movsx') {
    if (f.useImm) {
      setReg(env, dst, constScalar(is64 ? BigInt(insn.imm) : BigInt(insn.imm >>> 0)));
      return;
    }
    const s = checkRead(env, insn.src);
    if (op === 'movsx') {
      if (s.type !== 'scalar') { setReg(env, dst, unknownScalar()); return; }
      const r = cloneReg(s);
      r.id = 0;
      coerceToSizeSx(r.b, f.size!);
      if (!is64) zext32(r.b);
      setReg(env, dst, r);
      return;
    }
    if (is64) {
      if (s.type === 'scalar' && !s.id && !tnumIsConst(s.b.varOff)) s.id = nextId(env);
      setReg(env, dst, cloneReg(s));
      return;
    }
    // 32-bit move
    if (s.type !== 'scalar') { const r = unknownScalar(); zext32(r.b); setReg(env, dst, r); return; }
    const fits = s.b.umax <= 0xffffffffn;
    if (fits && !s.id && !tnumIsConst(s.b.varOff)) s.id = nextId(env);
    const r = cloneReg(s);
    if (!fits) r.id = 0;
    zext32(r.b);
    setReg(env, dst, r);
    return;
  }

  // binary operations
  const d = checkRead(env, dst);
  let src: RegState;
  if (f.useImm) {
    if ((op === 'div' || op === 'mod' || op === 'sdiv' || op === 'smod') && insn.imm === 0) fail(env, 'DIV_BY_ZERO', 'div by zero', 22);
    if ((op === 'lsh' || op === 'rsh' || op === 'arsh') && (insn.imm < 0 || insn.imm >= (is64 ? 64 : 32))) {
      fail(env, 'INVALID_SHIFT', `invalid shift ${insn.imm}`, 22);
    }
    src = constScalar(0n);
    src.b = immBounds(insn, is64);
  } else {
    src = checkRead(env, insn.src);
  }

  if (d.type !== 'scalar' || src.type !== 'scalar') {
    // pointer arithmetic relies on the scalar's value (precision tracking)
    if (d.type === 'scalar') env.markPrecise?.(dst);
    else if (src.type === 'scalar' && !f.useImm) env.markPrecise?.(insn.src);
    adjustPtr(env, insn, op, is64, d, src);
    return;
  }
  // a precise destination needs a precise source
  if (d.precise && !f.useImm) env.markPrecise?.(insn.src);
  const r = cloneReg(d);
  r.id = 0;
  r.b = copyBounds(d.b);
  scalarAlu(op as AluOp, r.b, src.b, is64);
  setReg(env, dst, r);
}

/** check_reg_sane_offset */
function saneOffset(env: Env, r: RegState, ptrType: string): void {
  const known = tnumIsConst(r.b.varOff);
  const val = BigInt.asIntN(64, r.b.varOff.value);
  const lim = BigInt(BPF_MAX_VAR_OFF);
  if (known && (val >= lim || val <= -lim)) fail(env, 'PTR_MATH_BAD_CONST', `math between ${ptrType} pointer and ${val} is not allowed`);
  if (r.off >= BPF_MAX_VAR_OFF || r.off <= -BPF_MAX_VAR_OFF) fail(env, 'PTR_OFF_BAD', `${ptrType} pointer offset ${r.off} is not allowed`);
  if (r.b.smin === S64_MIN) fail(env, 'PTR_MATH_UNBOUNDED', `math between ${ptrType} pointer and register with unbounded min value is not allowed`);
  if (r.b.smin >= lim || r.b.smin <= -lim) fail(env, 'PTR_OUT_OF_BOUNDS', `value ${r.b.smin} makes ${ptrType} pointer be out of bounds`);
}

function adjustPtr(env: Env, insn: Insn, op: string, is64: boolean, d: RegState, s: RegState): void {
  const dst = insn.dst;
  if (d.type !== 'scalar' && s.type !== 'scalar') {
    // adjust_reg_min_max_vals: any pointer - pointer (also 32-bit) is an unknown scalar for root
    if (op === 'sub' && env.privileged) { setReg(env, dst, unknownScalar()); return; }
    fail(env, 'PTR_PTR_MATH', `R${dst} pointer ${ALU_STR[op]} pointer prohibited`);
  }
  if (!is64) {
    if (op === 'sub' && env.privileged) { setReg(env, dst, unknownScalar()); return; }
    fail(env, 'PTR_ALU32', `R${dst} 32-bit pointer arithmetic prohibited`);
  }
  const ptr = d.type === 'scalar' ? s : d;
  const off = d.type === 'scalar' ? d : s;
  const ts = typeStr(ptr);
  if (ptr.maybeNull) fail(env, 'PTR_MATH_NULL', `R${dst} pointer arithmetic on ${ts} prohibited, null-check it first`);
  switch (ptr.type) {
    case 'map_ptr':
      if (!(isConst(off.b) && off.b.varOff.value === 0n && op === 'add')) fail(env, 'PTR_MATH_TYPE', `R${dst} pointer arithmetic on ${ts} prohibited`);
      break;
    case 'pkt_end': case 'sock': case 'sock_common': case 'tcp_sock': case 'func':
      fail(env, 'PTR_MATH_TYPE', `R${dst} pointer arithmetic on ${ts} prohibited`);
      break;
    default: break;
  }
  saneOffset(env, off, ts);
  saneOffset(env, ptr, ts);
  if (op === 'sub' && d.type === 'scalar') fail(env, 'SCALAR_MINUS_PTR', `R${dst} tried to subtract pointer from scalar`);
  // adjust_ptr_min_max_vals: no BPF_SUB on the frame pointer, constant or not (write `r2 += -8`)
  if (op === 'sub' && ptr.type === 'stack') fail(env, 'STACK_PTR_SUB', `R${dst} subtraction from stack pointer prohibited`);
  if (op === 'and' || op === 'or' || op === 'xor') {
    fail(env, 'PTR_BITWISE', `R${dst} bitwise operator ${ALU_STR[op]} on pointer prohibited`);
  }
  if (op !== 'add' && op !== 'sub') fail(env, 'PTR_MATH_OP', `R${dst} pointer arithmetic with ${ALU_STR[op]} operator prohibited`);

  const r = cloneReg(ptr);
  const known = tnumIsConst(off.b.varOff);
  const val = BigInt.asIntN(64, off.b.varOff.value);
  if (op === 'add') {
    if (known && BigInt.asIntN(32, BigInt(ptr.off) + val) === BigInt(ptr.off) + val) {
      r.off = ptr.off + Number(val);
    } else {
      const b = copyBounds(ptr.b);
      const o = off.b;
      addBounds(b, o);
      r.b = b;
      if (isPktPointer(ptr)) { r.id = nextId(env); r.range = 0; }
    }
  } else {
    if (known && BigInt.asIntN(32, BigInt(ptr.off) - val) === BigInt(ptr.off) - val) {
      r.off = ptr.off - Number(val);
    } else {
      const b = copyBounds(ptr.b);
      subBounds(b, off.b);
      r.b = b;
      if (isPktPointer(ptr)) { r.id = nextId(env); r.range = 0; }
    }
  }
  saneOffset(env, r, ts);
  setReg(env, dst, r);
}

function addBounds(b: Bounds, o: Bounds): void {
  const smin = b.smin + o.smin;
  const smax = b.smax + o.smax;
  const ovS = smin < -(1n << 63n) || smax >= 1n << 63n;
  const umin = b.umin + o.umin;
  const umax = b.umax + o.umax;
  const ovU = umax >= 1n << 64n;
  b.varOff = tnumAdd(b.varOff, o.varOff);
  b.smin = ovS ? -(1n << 63n) : smin; b.smax = ovS ? (1n << 63n) - 1n : smax;
  b.umin = ovU ? 0n : umin; b.umax = ovU ? (1n << 64n) - 1n : umax;
  b.s32min = -(1n << 31n); b.s32max = (1n << 31n) - 1n; b.u32min = 0n; b.u32max = 0xffffffffn;
  syncBounds(b);
}

function subBounds(b: Bounds, o: Bounds): void {
  const smin = b.smin - o.smax;
  const smax = b.smax - o.smin;
  const ovS = smin < -(1n << 63n) || smax >= 1n << 63n;
  b.varOff = tnumSub(b.varOff, o.varOff);
  b.smin = ovS ? -(1n << 63n) : smin; b.smax = ovS ? (1n << 63n) - 1n : smax;
  if (b.umin < o.umax) { b.umin = 0n; b.umax = (1n << 64n) - 1n; } else { b.umin -= o.umax; b.umax -= o.umin; }
  b.s32min = -(1n << 31n); b.s32max = (1n << 31n) - 1n; b.u32min = 0n; b.u32max = 0xffffffffn;
  syncBounds(b);
}

export { reg };
