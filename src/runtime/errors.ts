// Errors of loading and test-running programs, with the errno the bpf() syscall would set.

import { BpfError } from '../errors.js';
import { strerror } from '../uapi/errno.js';

/** BPF_PROG_LOAD refused the program (the message is what the kernel's verifier log says). */
export class ProgLoadError extends BpfError {
  constructor(readonly program: string, message: string, errno = 22, readonly pc?: number) {
    super('PROG_LOAD', `program ${program}: ${pc !== undefined ? `insn ${pc}: ` : ''}${message}`, errno);
  }
}

/** BPF_PROG_TEST_RUN refused its arguments. */
export class TestRunError extends BpfError {
  constructor(errno: number, detail: string) {
    super('PROG_TEST_RUN', `test run: ${detail} (${strerror(errno)})`, errno);
  }
}
