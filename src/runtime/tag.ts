// The kernel's program tag (bpf_prog_calc_tag): SHA-256 (kernels since 6.18; SHA-1 before) over the instructions as loaded, with
// the immediates of map-referencing lddw (BPF_PSEUDO_MAP_FD / BPF_PSEUDO_MAP_VALUE, both
// slots) zeroed so that the tag does not depend on fd numbers; the first 8 bytes in hex.

import { createHash } from 'node:crypto';
import { encode, type Insn, isLddw } from '../isa/insn.js';

export function progTag(insns: readonly Insn[], hash: 'sha256' | 'sha1' = 'sha256'): string {
  const zeroed = insns.map((i) => {
    if (isLddw(i.opcode) && (i.src === 1 || i.src === 2)) return { ...i, imm: 0, imm2: 0 };
    return i;
  });
  const bytes = encode(zeroed, 'little');
  return createHash(hash).update(bytes).digest('hex').slice(0, 16);
}
