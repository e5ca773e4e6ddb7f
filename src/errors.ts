// Typed errors. Every failure a user can cause (bad bytecode, bad text, bad objects, a
// faulting program) ends in one of these, carrying where it happened; the CLI prints
// `message` and exits non-zero, never a stack trace.

export class BpfError extends Error {
  /** Stable machine-readable code, e.g. `EINVAL_INSN`, `ASM_SYNTAX`, `RUN_OOB`. */
  readonly code: string;
  /** The errno a kernel would return for this failure, when there is one (positive). */
  readonly errno?: number;

  constructor(code: string, message: string, errno?: number) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    if (errno !== undefined) this.errno = errno;
  }
}

/** An instruction that is not a valid encoding. `index` is the instruction slot (pc). */
export class InvalidInsnError extends BpfError {
  constructor(readonly index: number, readonly reason: string) {
    super('EINVAL_INSN', `insn ${index}: ${reason}`, 22);
  }
}

/** A syntax or semantic error in assembly text. */
export class AsmError extends BpfError {
  constructor(readonly line: number, readonly column: number, readonly reason: string, readonly file?: string) {
    super('ASM_SYNTAX', `${file ? file + ':' : ''}${line}:${column}: ${reason}`);
  }
}

/** A program stopped abnormally at run time. */
export class RunError extends BpfError {
  constructor(code: string, readonly pc: number, message: string) {
    super(code, `pc ${pc}: ${message}`);
  }
}

/** An access outside every region the program may touch (checked mode). */
export class MemoryFault extends RunError {
  constructor(pc: number, readonly address: bigint, readonly size: number, readonly write: boolean, detail: string) {
    super('RUN_OOB', pc,
      `invalid ${write ? 'write' : 'read'} of ${size} byte${size === 1 ? '' : 's'} at 0x${address.toString(16)}${detail ? ' (' + detail + ')' : ''}`);
  }
}

export function isBpfError(e: unknown): e is BpfError {
  return e instanceof BpfError;
}
