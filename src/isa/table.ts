// The instruction table: every valid instruction form of the eBPF ISA, described once.
//
// A *form* is an opcode byte plus whatever else distinguishes one operation from another
// sharing that byte (sdiv is DIV with off = 1, movsx is MOV with off = 8/16/32, the atomic
// operations live in imm, call kinds in src). Each form says which fields it uses and what
// the others must hold, so the decoder, the validator, the assembler, the disassembler, the
// interpreter, the verifier and the JIT all read the same facts.

import { Alu, AtomicOp, CallSrc, Cls, Jmp, Mode, Pseudo, Size, Src } from './opcodes.js';

export type AluOpName =
  | 'add' | 'sub' | 'mul' | 'div' | 'sdiv' | 'or' | 'and' | 'lsh' | 'rsh' | 'neg'
  | 'mod' | 'smod' | 'xor' | 'mov' | 'movsx' | 'arsh' | 'le' | 'be' | 'bswap';
export type JmpOpName =
  | 'ja' | 'jeq' | 'jgt' | 'jge' | 'jset' | 'jne' | 'jsgt' | 'jsge' | 'jlt' | 'jle' | 'jslt' | 'jsle';
export type AtomicOpName =
  | 'add' | 'or' | 'and' | 'xor' | 'fetch_add' | 'fetch_or' | 'fetch_and' | 'fetch_xor'
  | 'xchg' | 'cmpxchg' | 'load_acq' | 'store_rel';

export type Kind =
  | 'alu'      // dst = dst OP src|imm (includes neg, mov, movsx, byte swaps)
  | 'jmp'      // conditional jump, or ja / gotol
  | 'jcond'    // may_goto
  | 'call'     // helper, bpf-to-bpf or kfunc call (src decides)
  | 'callx'    // call through a register
  | 'exit'
  | 'lddw'     // 64-bit immediate load, two slots
  | 'ldabs'    // legacy packet load, absolute offset
  | 'ldind'    // legacy packet load, src + imm
  | 'ldx'      // dst = *(size *)(src + off), optionally sign-extending
  | 'st'       // *(size *)(dst + off) = imm
  | 'stx'      // *(size *)(dst + off) = src
  | 'atomic';  // lock ... (imm says which)

/** What a field of the instruction holds for a form. */
export type FieldUse =
  | 'zero'    // must be 0
  | 'fixed'   // must be exactly the form's value (a discriminator)
  | 'any';    // an operand

export interface InsnForm {
  /** Stable identifier, unique across the table (e.g. `add64_imm`, `sdiv32_reg`, `atomic_w_fetch_add`). */
  readonly id: string;
  readonly opcode: number;
  readonly cls: Cls;
  readonly kind: Kind;
  /** ALU operation, jump condition or atomic operation name. */
  readonly op: AluOpName | JmpOpName | AtomicOpName | 'call' | 'callx' | 'exit' | 'lddw' | 'ldabs' | 'ldind' | 'ldx' | 'st' | 'stx' | 'may_goto';
  /** 64-bit operation (ALU64, JMP compares, DW accesses); false for ALU32 / JMP32 / narrower accesses. */
  readonly is64: boolean;
  /** Second operand is the immediate (K) rather than src register (X). Undefined when there is none. */
  readonly useImm?: boolean;
  /** Memory access size in bytes, or the width of a byte swap / sign extension. */
  readonly size?: 1 | 2 | 4 | 8;
  /** ldx with sign extension. */
  readonly signExtend?: boolean;
  readonly dst: FieldUse;
  readonly src: FieldUse;
  readonly off: FieldUse;
  readonly imm: FieldUse;
  /** Discriminating values when the corresponding use is 'fixed'. */
  readonly fixedSrc?: number;
  readonly fixedOff?: number;
  readonly fixedImm?: number;
  /** The dst register is written by this instruction (r10 may never be). */
  readonly writesDst: boolean;
  /** The dst register is read by this instruction. */
  readonly readsDst: boolean;
  /** Mnemonic of the bpf_conformance / uBPF assembler syntax. */
  readonly mnemonic: string;
  /** Lowest cpu version (clang -mcpu=vN) that has the form. */
  readonly cpu: 1 | 2 | 3 | 4;
  /** Instruction slots occupied (2 for lddw). */
  readonly slots: 1 | 2;
}

const forms: InsnForm[] = [];

function add(f: Omit<InsnForm, 'slots'> & { slots?: 1 | 2 }): void {
  forms.push(Object.freeze({ slots: 1, ...f }));
}

// ---- ALU and ALU64 ----------------------------------------------------------------------

const binaryAlu: Array<[AluOpName, Alu, 1 | 2 | 3 | 4]> = [
  ['add', Alu.ADD, 1], ['sub', Alu.SUB, 1], ['mul', Alu.MUL, 1], ['div', Alu.DIV, 1],
  ['or', Alu.OR, 1], ['and', Alu.AND, 1], ['lsh', Alu.LSH, 1], ['rsh', Alu.RSH, 1],
  ['mod', Alu.MOD, 1], ['xor', Alu.XOR, 1], ['mov', Alu.MOV, 1], ['arsh', Alu.ARSH, 1],
];

for (const is64 of [false, true]) {
  const cls = is64 ? Cls.ALU64 : Cls.ALU;
  const w = is64 ? '64' : '32';
  const m = (base: string) => (is64 ? base : `${base}32`);
  // ALU32 ops arrived in cpu v3 for jumps; the ALU32 class itself is in v1.
  for (const [name, code, cpu] of binaryAlu) {
    const isMov = name === 'mov';
    add({ id: `${name}${w}_imm`, opcode: cls | code | Src.K, cls, kind: 'alu', op: name, is64, useImm: true,
      dst: 'any', src: 'zero', off: 'zero', imm: 'any', writesDst: true, readsDst: !isMov, mnemonic: m(name), cpu });
    add({ id: `${name}${w}_reg`, opcode: cls | code | Src.X, cls, kind: 'alu', op: name, is64, useImm: false,
      dst: 'any', src: 'any', off: 'zero', imm: 'zero', writesDst: true, readsDst: !isMov, mnemonic: m(name), cpu });
  }
  // Signed division and modulo: DIV / MOD with off = 1 (cpu v4).
  for (const [name, code] of [['sdiv', Alu.DIV], ['smod', Alu.MOD]] as const) {
    add({ id: `${name}${w}_imm`, opcode: cls | code | Src.K, cls, kind: 'alu', op: name, is64, useImm: true,
      dst: 'any', src: 'zero', off: 'fixed', fixedOff: 1, imm: 'any', writesDst: true, readsDst: true, mnemonic: m(name), cpu: 4 });
    add({ id: `${name}${w}_reg`, opcode: cls | code | Src.X, cls, kind: 'alu', op: name, is64, useImm: false,
      dst: 'any', src: 'any', off: 'fixed', fixedOff: 1, imm: 'zero', writesDst: true, readsDst: true, mnemonic: m(name), cpu: 4 });
  }
  add({ id: `neg${w}`, opcode: cls | Alu.NEG | Src.K, cls, kind: 'alu', op: 'neg', is64,
    dst: 'any', src: 'zero', off: 'zero', imm: 'zero', writesDst: true, readsDst: true, mnemonic: m('neg'), cpu: 1 });
  // Sign-extending moves: MOV X with off = 8/16 (ALU) or 8/16/32 (ALU64).
  for (const bits of is64 ? [8, 16, 32] as const : [8, 16] as const) {
    add({ id: `movsx${bits}_${w}`, opcode: cls | Alu.MOV | Src.X, cls, kind: 'alu', op: 'movsx', is64, useImm: false,
      size: (bits / 8) as 1 | 2 | 4, dst: 'any', src: 'any', off: 'fixed', fixedOff: bits, imm: 'zero',
      writesDst: true, readsDst: false, mnemonic: `movsx${bits}${w}`, cpu: 4 });
  }
}

// Byte swaps. ALU|END|K = to little endian, ALU|END|X = to big endian, ALU64|END|K = bswap.
for (const bits of [16, 32, 64] as const) {
  const size = (bits / 8) as 2 | 4 | 8;
  add({ id: `le${bits}`, opcode: Cls.ALU | Alu.END | Src.K, cls: Cls.ALU, kind: 'alu', op: 'le', is64: bits === 64, size,
    dst: 'any', src: 'zero', off: 'zero', imm: 'fixed', fixedImm: bits, writesDst: true, readsDst: true, mnemonic: `le${bits}`, cpu: 1 });
  add({ id: `be${bits}`, opcode: Cls.ALU | Alu.END | Src.X, cls: Cls.ALU, kind: 'alu', op: 'be', is64: bits === 64, size,
    dst: 'any', src: 'zero', off: 'zero', imm: 'fixed', fixedImm: bits, writesDst: true, readsDst: true, mnemonic: `be${bits}`, cpu: 1 });
  add({ id: `bswap${bits}`, opcode: Cls.ALU64 | Alu.END | Src.K, cls: Cls.ALU64, kind: 'alu', op: 'bswap', is64: true, size,
    dst: 'any', src: 'zero', off: 'zero', imm: 'fixed', fixedImm: bits, writesDst: true, readsDst: true, mnemonic: `bswap${bits}`, cpu: 4 });
}

// ---- JMP and JMP32 ----------------------------------------------------------------------

const condJumps: Array<[JmpOpName, Jmp, 1 | 2]> = [
  ['jeq', Jmp.JEQ, 1], ['jgt', Jmp.JGT, 1], ['jge', Jmp.JGE, 1], ['jset', Jmp.JSET, 1],
  ['jne', Jmp.JNE, 1], ['jsgt', Jmp.JSGT, 1], ['jsge', Jmp.JSGE, 1],
  ['jlt', Jmp.JLT, 2], ['jle', Jmp.JLE, 2], ['jslt', Jmp.JSLT, 2], ['jsle', Jmp.JSLE, 2],
];

for (const is64 of [true, false]) {
  const cls = is64 ? Cls.JMP : Cls.JMP32;
  const w = is64 ? '' : '32';
  for (const [name, code, cpu] of condJumps) {
    const c = is64 ? cpu : 3;
    add({ id: `${name}${w}_imm`, opcode: cls | code | Src.K, cls, kind: 'jmp', op: name, is64, useImm: true,
      dst: 'any', src: 'zero', off: 'any', imm: 'any', writesDst: false, readsDst: true, mnemonic: `${name}${w}`, cpu: c });
    add({ id: `${name}${w}_reg`, opcode: cls | code | Src.X, cls, kind: 'jmp', op: name, is64, useImm: false,
      dst: 'any', src: 'any', off: 'any', imm: 'zero', writesDst: false, readsDst: true, mnemonic: `${name}${w}`, cpu: c });
  }
}
add({ id: 'ja', opcode: Cls.JMP | Jmp.JA, cls: Cls.JMP, kind: 'jmp', op: 'ja', is64: true,
  dst: 'zero', src: 'zero', off: 'any', imm: 'zero', writesDst: false, readsDst: false, mnemonic: 'ja', cpu: 1 });
// gotol: JMP32|JA with the (32-bit) offset in imm.
add({ id: 'ja32', opcode: Cls.JMP32 | Jmp.JA, cls: Cls.JMP32, kind: 'jmp', op: 'ja', is64: false,
  dst: 'zero', src: 'zero', off: 'zero', imm: 'any', writesDst: false, readsDst: false, mnemonic: 'ja32', cpu: 4 });
add({ id: 'may_goto', opcode: Cls.JMP | Jmp.JCOND | Src.K, cls: Cls.JMP, kind: 'jcond', op: 'may_goto', is64: true,
  dst: 'zero', src: 'zero', off: 'any', imm: 'zero', writesDst: false, readsDst: false, mnemonic: 'may_goto', cpu: 4 });
add({ id: 'call_helper', opcode: Cls.JMP | Jmp.CALL | Src.K, cls: Cls.JMP, kind: 'call', op: 'call', is64: true,
  dst: 'zero', src: 'fixed', fixedSrc: CallSrc.HELPER, off: 'zero', imm: 'any', writesDst: false, readsDst: false, mnemonic: 'call', cpu: 1 });
add({ id: 'call_local', opcode: Cls.JMP | Jmp.CALL | Src.K, cls: Cls.JMP, kind: 'call', op: 'call', is64: true,
  dst: 'zero', src: 'fixed', fixedSrc: CallSrc.PSEUDO_CALL, off: 'zero', imm: 'any', writesDst: false, readsDst: false, mnemonic: 'call', cpu: 1 });
// kfunc calls carry the index of the BTF object in off (0 = vmlinux).
add({ id: 'call_kfunc', opcode: Cls.JMP | Jmp.CALL | Src.K, cls: Cls.JMP, kind: 'call', op: 'call', is64: true,
  dst: 'zero', src: 'fixed', fixedSrc: CallSrc.KFUNC, off: 'any', imm: 'any', writesDst: false, readsDst: false, mnemonic: 'call', cpu: 1 });
// callx: the helper (or function) to call is in the dst register (LLVM and the conformance suite).
add({ id: 'callx', opcode: Cls.JMP | Jmp.CALL | Src.X, cls: Cls.JMP, kind: 'callx', op: 'callx', is64: true,
  dst: 'any', src: 'zero', off: 'zero', imm: 'zero', writesDst: false, readsDst: true, mnemonic: 'callx', cpu: 4 });
add({ id: 'exit', opcode: Cls.JMP | Jmp.EXIT, cls: Cls.JMP, kind: 'exit', op: 'exit', is64: true,
  dst: 'zero', src: 'zero', off: 'zero', imm: 'zero', writesDst: false, readsDst: false, mnemonic: 'exit', cpu: 1 });

// ---- loads and stores -------------------------------------------------------------------

const sizes: Array<[Size, 1 | 2 | 4 | 8, string]> = [[Size.B, 1, 'b'], [Size.H, 2, 'h'], [Size.W, 4, 'w'], [Size.DW, 8, 'dw']];

for (const src of [Pseudo.IMM, Pseudo.MAP_FD, Pseudo.MAP_VALUE, Pseudo.BTF_ID, Pseudo.FUNC, Pseudo.MAP_IDX, Pseudo.MAP_IDX_VALUE]) {
  const names = ['imm', 'map_fd', 'map_value', 'btf_id', 'func', 'map_idx', 'map_idx_value'];
  add({ id: `lddw_${names[src]}`, opcode: Cls.LD | Mode.IMM | Size.DW, cls: Cls.LD, kind: 'lddw', op: 'lddw', is64: true, size: 8,
    dst: 'any', src: 'fixed', fixedSrc: src, off: 'zero', imm: 'any', writesDst: true, readsDst: false, mnemonic: 'lddw', cpu: 1, slots: 2 });
}
for (const [code, bytes, s] of sizes) {
  if (bytes === 8) continue; // LD_ABS / LD_IND have no DW form in eBPF
  add({ id: `ldabs${s}`, opcode: Cls.LD | Mode.ABS | code, cls: Cls.LD, kind: 'ldabs', op: 'ldabs', is64: false, size: bytes,
    dst: 'zero', src: 'zero', off: 'zero', imm: 'any', writesDst: false, readsDst: false, mnemonic: `ldabs${s}`, cpu: 1 });
  add({ id: `ldind${s}`, opcode: Cls.LD | Mode.IND | code, cls: Cls.LD, kind: 'ldind', op: 'ldind', is64: false, size: bytes,
    dst: 'zero', src: 'any', off: 'zero', imm: 'any', writesDst: false, readsDst: false, mnemonic: `ldind${s}`, cpu: 1 });
}
for (const [code, bytes, s] of sizes) {
  add({ id: `ldx${s}`, opcode: Cls.LDX | Mode.MEM | code, cls: Cls.LDX, kind: 'ldx', op: 'ldx', is64: bytes === 8, size: bytes,
    dst: 'any', src: 'any', off: 'any', imm: 'zero', writesDst: true, readsDst: false, mnemonic: `ldx${s}`, cpu: 1 });
  if (bytes !== 8) {
    add({ id: `ldxs${s}`, opcode: Cls.LDX | Mode.MEMSX | code, cls: Cls.LDX, kind: 'ldx', op: 'ldx', is64: true, size: bytes, signExtend: true,
      dst: 'any', src: 'any', off: 'any', imm: 'zero', writesDst: true, readsDst: false, mnemonic: `ldxs${s}`, cpu: 4 });
  }
  add({ id: `st${s}`, opcode: Cls.ST | Mode.MEM | code, cls: Cls.ST, kind: 'st', op: 'st', is64: bytes === 8, size: bytes,
    dst: 'any', src: 'zero', off: 'any', imm: 'any', writesDst: false, readsDst: true, mnemonic: `st${s}`, cpu: 1 });
  add({ id: `stx${s}`, opcode: Cls.STX | Mode.MEM | code, cls: Cls.STX, kind: 'stx', op: 'stx', is64: bytes === 8, size: bytes,
    dst: 'any', src: 'any', off: 'any', imm: 'zero', writesDst: false, readsDst: true, mnemonic: `stx${s}`, cpu: 1 });
}

// Atomics: STX|ATOMIC|W or DW with the operation in imm (load-acquire / store-release also B and H).
const atomics: Array<[AtomicOpName, AtomicOp, 1 | 3 | 4]> = [
  ['add', AtomicOp.ADD, 1], ['or', AtomicOp.OR, 3], ['and', AtomicOp.AND, 3], ['xor', AtomicOp.XOR, 3],
  ['fetch_add', AtomicOp.FETCH_ADD, 3], ['fetch_or', AtomicOp.FETCH_OR, 3], ['fetch_and', AtomicOp.FETCH_AND, 3],
  ['fetch_xor', AtomicOp.FETCH_XOR, 3], ['xchg', AtomicOp.XCHG, 3], ['cmpxchg', AtomicOp.CMPXCHG, 3],
  ['load_acq', AtomicOp.LOAD_ACQ, 4], ['store_rel', AtomicOp.STORE_REL, 4],
];
for (const [code, bytes, s] of sizes) {
  for (const [name, imm, cpu] of atomics) {
    const ordering = name === 'load_acq' || name === 'store_rel';
    if (!ordering && bytes < 4) continue;
    const fetch = name.startsWith('fetch') || name === 'xchg' || name === 'cmpxchg';
    add({ id: `atomic_${s}_${name}`, opcode: Cls.STX | Mode.ATOMIC | code, cls: Cls.STX, kind: 'atomic', op: name,
      is64: bytes === 8, size: bytes, dst: 'any', src: 'any', off: 'any', imm: 'fixed', fixedImm: imm,
      // load_acquire writes dst (dst = *(src + off)); the others read dst as the address.
      writesDst: name === 'load_acq', readsDst: name !== 'load_acq',
      mnemonic: `lock ${fetch && name !== 'xchg' && name !== 'cmpxchg' ? 'fetch ' + name.slice(6) : name}${bytes === 4 ? '32' : ''}`,
      cpu: ordering ? 4 : (fetch || name !== 'add' ? 3 : 1) });
    void cpu;
  }
}

export const INSN_FORMS: readonly InsnForm[] = Object.freeze(forms);

/** Forms by opcode byte: each list holds the forms sharing that byte. */
export const FORMS_BY_OPCODE: ReadonlyArray<readonly InsnForm[]> = (() => {
  const t: InsnForm[][] = Array.from({ length: 256 }, () => []);
  for (const f of forms) t[f.opcode]!.push(f);
  return t;
})();

export const FORMS_BY_ID: ReadonlyMap<string, InsnForm> = new Map(forms.map((f) => [f.id, f]));

type Field = 'src' | 'off' | 'imm';

/** Per opcode byte, the fields that tell its forms apart (fixed in at least one form). */
const DISCRIMINATORS: ReadonlyArray<readonly Field[]> = FORMS_BY_OPCODE.map((list) =>
  (['src', 'off', 'imm'] as const).filter((k) => list.length > 1 && list.some((f) => f[k] === 'fixed')));

/**
 * The form of an instruction, or undefined when no form matches its opcode and
 * discriminating fields. The other fields are not checked here (validate.ts does that).
 */
export function findForm(opcode: number, src: number, off: number, imm: number): InsnForm | undefined {
  const list = FORMS_BY_OPCODE[opcode & 0xff]!;
  if (list.length === 1) {
    const f = list[0]!;
    if (f.src === 'fixed' && src !== f.fixedSrc) return undefined;
    if (f.off === 'fixed' && off !== f.fixedOff) return undefined;
    if (f.imm === 'fixed' && imm !== f.fixedImm) return undefined;
    return f;
  }
  const disc = DISCRIMINATORS[opcode & 0xff]!;
  const value = { src, off, imm };
  outer: for (const f of list) {
    for (const d of disc) {
      const use = f[d];
      const fixed = d === 'src' ? f.fixedSrc : d === 'off' ? f.fixedOff : f.fixedImm;
      if (use === 'fixed' ? value[d] !== fixed : use === 'zero' ? value[d] !== 0 : false) continue outer;
    }
    return f;
  }
  return undefined;
}
