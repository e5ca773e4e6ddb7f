// The numbers of the eBPF instruction encoding (RFC 9669 and linux/bpf.h), spelled once.
//
// These are `const enum`s so that tsc inlines them as literals: the interpreter's
// `switch (opcode)` then compiles to a jump table while the numbers still live only here.
// Everything else (table, decoder, assembler, interpreter, verifier, JIT) refers to them
// by name.

/** Instruction class: the low 3 bits of the opcode byte. */
export const enum Cls {
  LD = 0x00,
  LDX = 0x01,
  ST = 0x02,
  STX = 0x03,
  ALU = 0x04,
  JMP = 0x05,
  JMP32 = 0x06,
  ALU64 = 0x07,
}

/** Source bit of ALU and JMP opcodes. For END, K means to-little-endian and X to-big-endian. */
export const enum Src {
  K = 0x00,
  X = 0x08,
}

/** ALU operation: the high 4 bits of ALU / ALU64 opcodes. */
export const enum Alu {
  ADD = 0x00,
  SUB = 0x10,
  MUL = 0x20,
  DIV = 0x30,
  OR = 0x40,
  AND = 0x50,
  LSH = 0x60,
  RSH = 0x70,
  NEG = 0x80,
  MOD = 0x90,
  XOR = 0xa0,
  MOV = 0xb0,
  ARSH = 0xc0,
  END = 0xd0,
}

/** Jump operation: the high 4 bits of JMP / JMP32 opcodes. */
export const enum Jmp {
  JA = 0x00,
  JEQ = 0x10,
  JGT = 0x20,
  JGE = 0x30,
  JSET = 0x40,
  JNE = 0x50,
  JSGT = 0x60,
  JSGE = 0x70,
  CALL = 0x80,
  EXIT = 0x90,
  JLT = 0xa0,
  JLE = 0xb0,
  JSLT = 0xc0,
  JSLE = 0xd0,
  JCOND = 0xe0,
}

/** Access size of load/store opcodes. */
export const enum Size {
  W = 0x00,
  H = 0x08,
  B = 0x10,
  DW = 0x18,
}

/** Mode of load/store opcodes. */
export const enum Mode {
  IMM = 0x00,
  ABS = 0x20,
  IND = 0x40,
  MEM = 0x60,
  MEMSX = 0x80,
  ATOMIC = 0xc0,
}

/** The `imm` field of an atomic instruction: the operation. */
export const enum AtomicOp {
  ADD = 0x00,
  OR = 0x40,
  AND = 0x50,
  XOR = 0xa0,
  FETCH = 0x01,
  FETCH_ADD = 0x01,
  FETCH_OR = 0x41,
  FETCH_AND = 0x51,
  FETCH_XOR = 0xa1,
  XCHG = 0xe1,
  CMPXCHG = 0xf1,
  /** Kernel 6.15+: load-acquire and store-release (BPF_LOAD_ACQ, BPF_STORE_REL). */
  LOAD_ACQ = 0x100,
  STORE_REL = 0x110,
}

/** The `src` field of a 64-bit immediate load (lddw): how the immediate is to be resolved. */
export const enum Pseudo {
  /** plain 64-bit constant */
  IMM = 0,
  /** imm = map fd → map pointer */
  MAP_FD = 1,
  /** imm = map fd, next imm = offset → address of value + offset */
  MAP_VALUE = 2,
  /** imm = BTF id of a kernel variable */
  BTF_ID = 3,
  /** imm = instruction offset of a function → its address */
  FUNC = 4,
  /** imm = index into the fd array → map pointer */
  MAP_IDX = 5,
  /** imm = index into the fd array, next imm = offset → address of value + offset */
  MAP_IDX_VALUE = 6,
}

/** The `src` field of a call instruction. */
export const enum CallSrc {
  HELPER = 0,
  /** bpf-to-bpf call, imm = pc-relative offset */
  PSEUDO_CALL = 1,
  /** kfunc call, imm = BTF id, off = index of the BTF fd */
  KFUNC = 2,
}

/** The complete opcode bytes, composed from the parts above. */
export const enum Op {
  // ALU (32-bit), immediate and register forms
  ADD32_K = Cls.ALU | Alu.ADD | Src.K,
  ADD32_X = Cls.ALU | Alu.ADD | Src.X,
  SUB32_K = Cls.ALU | Alu.SUB | Src.K,
  SUB32_X = Cls.ALU | Alu.SUB | Src.X,
  MUL32_K = Cls.ALU | Alu.MUL | Src.K,
  MUL32_X = Cls.ALU | Alu.MUL | Src.X,
  DIV32_K = Cls.ALU | Alu.DIV | Src.K,
  DIV32_X = Cls.ALU | Alu.DIV | Src.X,
  OR32_K = Cls.ALU | Alu.OR | Src.K,
  OR32_X = Cls.ALU | Alu.OR | Src.X,
  AND32_K = Cls.ALU | Alu.AND | Src.K,
  AND32_X = Cls.ALU | Alu.AND | Src.X,
  LSH32_K = Cls.ALU | Alu.LSH | Src.K,
  LSH32_X = Cls.ALU | Alu.LSH | Src.X,
  RSH32_K = Cls.ALU | Alu.RSH | Src.K,
  RSH32_X = Cls.ALU | Alu.RSH | Src.X,
  NEG32 = Cls.ALU | Alu.NEG | Src.K,
  MOD32_K = Cls.ALU | Alu.MOD | Src.K,
  MOD32_X = Cls.ALU | Alu.MOD | Src.X,
  XOR32_K = Cls.ALU | Alu.XOR | Src.K,
  XOR32_X = Cls.ALU | Alu.XOR | Src.X,
  MOV32_K = Cls.ALU | Alu.MOV | Src.K,
  MOV32_X = Cls.ALU | Alu.MOV | Src.X,
  ARSH32_K = Cls.ALU | Alu.ARSH | Src.K,
  ARSH32_X = Cls.ALU | Alu.ARSH | Src.X,
  LE = Cls.ALU | Alu.END | Src.K,
  BE = Cls.ALU | Alu.END | Src.X,

  // ALU64
  ADD64_K = Cls.ALU64 | Alu.ADD | Src.K,
  ADD64_X = Cls.ALU64 | Alu.ADD | Src.X,
  SUB64_K = Cls.ALU64 | Alu.SUB | Src.K,
  SUB64_X = Cls.ALU64 | Alu.SUB | Src.X,
  MUL64_K = Cls.ALU64 | Alu.MUL | Src.K,
  MUL64_X = Cls.ALU64 | Alu.MUL | Src.X,
  DIV64_K = Cls.ALU64 | Alu.DIV | Src.K,
  DIV64_X = Cls.ALU64 | Alu.DIV | Src.X,
  OR64_K = Cls.ALU64 | Alu.OR | Src.K,
  OR64_X = Cls.ALU64 | Alu.OR | Src.X,
  AND64_K = Cls.ALU64 | Alu.AND | Src.K,
  AND64_X = Cls.ALU64 | Alu.AND | Src.X,
  LSH64_K = Cls.ALU64 | Alu.LSH | Src.K,
  LSH64_X = Cls.ALU64 | Alu.LSH | Src.X,
  RSH64_K = Cls.ALU64 | Alu.RSH | Src.K,
  RSH64_X = Cls.ALU64 | Alu.RSH | Src.X,
  NEG64 = Cls.ALU64 | Alu.NEG | Src.K,
  MOD64_K = Cls.ALU64 | Alu.MOD | Src.K,
  MOD64_X = Cls.ALU64 | Alu.MOD | Src.X,
  XOR64_K = Cls.ALU64 | Alu.XOR | Src.K,
  XOR64_X = Cls.ALU64 | Alu.XOR | Src.X,
  MOV64_K = Cls.ALU64 | Alu.MOV | Src.K,
  MOV64_X = Cls.ALU64 | Alu.MOV | Src.X,
  ARSH64_K = Cls.ALU64 | Alu.ARSH | Src.K,
  ARSH64_X = Cls.ALU64 | Alu.ARSH | Src.X,
  BSWAP = Cls.ALU64 | Alu.END | Src.K,

  // JMP (64-bit compares)
  JA = Cls.JMP | Jmp.JA,
  JEQ_K = Cls.JMP | Jmp.JEQ | Src.K,
  JEQ_X = Cls.JMP | Jmp.JEQ | Src.X,
  JGT_K = Cls.JMP | Jmp.JGT | Src.K,
  JGT_X = Cls.JMP | Jmp.JGT | Src.X,
  JGE_K = Cls.JMP | Jmp.JGE | Src.K,
  JGE_X = Cls.JMP | Jmp.JGE | Src.X,
  JSET_K = Cls.JMP | Jmp.JSET | Src.K,
  JSET_X = Cls.JMP | Jmp.JSET | Src.X,
  JNE_K = Cls.JMP | Jmp.JNE | Src.K,
  JNE_X = Cls.JMP | Jmp.JNE | Src.X,
  JSGT_K = Cls.JMP | Jmp.JSGT | Src.K,
  JSGT_X = Cls.JMP | Jmp.JSGT | Src.X,
  JSGE_K = Cls.JMP | Jmp.JSGE | Src.K,
  JSGE_X = Cls.JMP | Jmp.JSGE | Src.X,
  CALL = Cls.JMP | Jmp.CALL | Src.K,
  CALLX = Cls.JMP | Jmp.CALL | Src.X,
  EXIT = Cls.JMP | Jmp.EXIT,
  JLT_K = Cls.JMP | Jmp.JLT | Src.K,
  JLT_X = Cls.JMP | Jmp.JLT | Src.X,
  JLE_K = Cls.JMP | Jmp.JLE | Src.K,
  JLE_X = Cls.JMP | Jmp.JLE | Src.X,
  JSLT_K = Cls.JMP | Jmp.JSLT | Src.K,
  JSLT_X = Cls.JMP | Jmp.JSLT | Src.X,
  JSLE_K = Cls.JMP | Jmp.JSLE | Src.K,
  JSLE_X = Cls.JMP | Jmp.JSLE | Src.X,
  /** may_goto (BPF_JCOND with src = BPF_MAY_GOTO = 0) */
  JCOND = Cls.JMP | Jmp.JCOND | Src.K,

  // JMP32 (32-bit compares) and gotol
  JA32 = Cls.JMP32 | Jmp.JA,
  JEQ32_K = Cls.JMP32 | Jmp.JEQ | Src.K,
  JEQ32_X = Cls.JMP32 | Jmp.JEQ | Src.X,
  JGT32_K = Cls.JMP32 | Jmp.JGT | Src.K,
  JGT32_X = Cls.JMP32 | Jmp.JGT | Src.X,
  JGE32_K = Cls.JMP32 | Jmp.JGE | Src.K,
  JGE32_X = Cls.JMP32 | Jmp.JGE | Src.X,
  JSET32_K = Cls.JMP32 | Jmp.JSET | Src.K,
  JSET32_X = Cls.JMP32 | Jmp.JSET | Src.X,
  JNE32_K = Cls.JMP32 | Jmp.JNE | Src.K,
  JNE32_X = Cls.JMP32 | Jmp.JNE | Src.X,
  JSGT32_K = Cls.JMP32 | Jmp.JSGT | Src.K,
  JSGT32_X = Cls.JMP32 | Jmp.JSGT | Src.X,
  JSGE32_K = Cls.JMP32 | Jmp.JSGE | Src.K,
  JSGE32_X = Cls.JMP32 | Jmp.JSGE | Src.X,
  JLT32_K = Cls.JMP32 | Jmp.JLT | Src.K,
  JLT32_X = Cls.JMP32 | Jmp.JLT | Src.X,
  JLE32_K = Cls.JMP32 | Jmp.JLE | Src.K,
  JLE32_X = Cls.JMP32 | Jmp.JLE | Src.X,
  JSLT32_K = Cls.JMP32 | Jmp.JSLT | Src.K,
  JSLT32_X = Cls.JMP32 | Jmp.JSLT | Src.X,
  JSLE32_K = Cls.JMP32 | Jmp.JSLE | Src.K,
  JSLE32_X = Cls.JMP32 | Jmp.JSLE | Src.X,

  // loads and stores
  LDDW = Cls.LD | Mode.IMM | Size.DW,
  LDABS_W = Cls.LD | Mode.ABS | Size.W,
  LDABS_H = Cls.LD | Mode.ABS | Size.H,
  LDABS_B = Cls.LD | Mode.ABS | Size.B,
  LDIND_W = Cls.LD | Mode.IND | Size.W,
  LDIND_H = Cls.LD | Mode.IND | Size.H,
  LDIND_B = Cls.LD | Mode.IND | Size.B,
  LDX_W = Cls.LDX | Mode.MEM | Size.W,
  LDX_H = Cls.LDX | Mode.MEM | Size.H,
  LDX_B = Cls.LDX | Mode.MEM | Size.B,
  LDX_DW = Cls.LDX | Mode.MEM | Size.DW,
  LDXS_W = Cls.LDX | Mode.MEMSX | Size.W,
  LDXS_H = Cls.LDX | Mode.MEMSX | Size.H,
  LDXS_B = Cls.LDX | Mode.MEMSX | Size.B,
  ST_W = Cls.ST | Mode.MEM | Size.W,
  ST_H = Cls.ST | Mode.MEM | Size.H,
  ST_B = Cls.ST | Mode.MEM | Size.B,
  ST_DW = Cls.ST | Mode.MEM | Size.DW,
  STX_W = Cls.STX | Mode.MEM | Size.W,
  STX_H = Cls.STX | Mode.MEM | Size.H,
  STX_B = Cls.STX | Mode.MEM | Size.B,
  STX_DW = Cls.STX | Mode.MEM | Size.DW,
  ATOMIC_B = Cls.STX | Mode.ATOMIC | Size.B,
  ATOMIC_H = Cls.STX | Mode.ATOMIC | Size.H,
  ATOMIC_W = Cls.STX | Mode.ATOMIC | Size.W,
  ATOMIC_DW = Cls.STX | Mode.ATOMIC | Size.DW,
}

/** Registers r0..r10; r10 is the read-only frame pointer. */
export const enum Reg {
  R0 = 0,
  R1 = 1,
  R2 = 2,
  R3 = 3,
  R4 = 4,
  R5 = 5,
  R6 = 6,
  R7 = 7,
  R8 = 8,
  R9 = 9,
  FP = 10,
}

/** Limits of the execution model (linux/filter.h, kernel/bpf/verifier.c). */
export const enum Limits {
  MAX_REG = 11,
  STACK_SIZE = 512,
  MAX_CALL_FRAMES = 8,
  MAX_TAIL_CALLS = 33,
  INSN_SIZE = 8,
}

export function opClass(opcode: number): Cls {
  return (opcode & 0x07) as Cls;
}
