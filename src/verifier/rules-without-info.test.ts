// Rules the verifier applies before and around the main walk: programs src/progs does not
// describe, map loads no relocation names, maps with a spin lock in types that may not lock.
// Expected texts are the kernel's (6.18), as the selftests corpus recorded them
// (verifier_netfilter_retcode.c, verifier_map_ret_val.c, verifier_helper_restricted.c).
import { describe, expect, test } from 'vitest';
import { AttachType, MapType, ProgType } from '../uapi/bpf.js';
import { verifyProgram } from './index.js';
import { asmProgram, mapSpec } from './testing.js';

function verify(asm: string, type: number, expectedAttachType = 0) {
  const { prog, maps } = asmProgram(asm, { type, expectedAttachType });
  return verifyProgram(prog, maps, { logLevel: 1 });
}

describe('return ranges of program types without a description', () => {
  test('netfilter: NF_DROP..NF_ACCEPT', () => {
    expect(verify('r0 = 1\nexit', ProgType.NETFILTER, AttachType.NETFILTER).ok).toBe(true);
    const r = verify('r0 = 2\nexit', ProgType.NETFILTER, AttachType.NETFILTER);
    expect(r.error?.message).toBe('At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]');
  });
  test('tracing, LSM, freplace, struct_ops: refused before (kernel BTF ids)', () => {
    for (const t of [ProgType.TRACING, ProgType.LSM, ProgType.EXT, ProgType.STRUCT_OPS]) {
      expect(verify('r0 = 0\nexit', t, AttachType.TRACE_FENTRY).error?.message).toBe('Tracing programs must provide btf_id');
    }
  });
});

describe('map loads without a relocation', () => {
  test('a raw map fd is refused as the kernel refuses a number that is no map fd', () => {
    const { prog, maps } = asmProgram('r1 = 0 ll\nr0 = 0\nexit');
    prog.insns[0]!.src = 1; // BPF_PSEUDO_MAP_FD, imm 0, no relocation
    const r = verifyProgram(prog, maps);
    expect(r.error?.message).toBe('fd 0 is not pointing to valid bpf_map');
    expect(r.error?.errno).toBe(9);
    prog.insns[0]!.src = 5; // BPF_PSEUDO_MAP_IDX without fd_array
    expect(verifyProgram(prog, maps).error?.message).toBe('fd_idx without fd_array is invalid');
  });
});

describe('maps with a bpf_spin_lock in program types that may not lock', () => {
  test('socket filters and tracing programs are refused before verification', () => {
    const lock = { ...mapSpec('locked', MapType.ARRAY, 4, 8, 1), spinLockOffset: 0 };
    const run = (type: number) => {
      const { prog, maps } = asmProgram('r1 = map[locked] ll\nr0 = 0\nexit', { type, maps: [lock] });
      return verifyProgram(prog, maps).error?.message;
    };
    expect(run(ProgType.SOCKET_FILTER)).toBe('socket filter progs cannot use bpf_spin_lock yet');
    for (const t of [ProgType.KPROBE, ProgType.TRACEPOINT, ProgType.PERF_EVENT, ProgType.RAW_TRACEPOINT]) {
      expect(run(t)).toBe('tracing progs cannot use bpf_spin_lock yet');
    }
    expect(run(ProgType.SCHED_CLS)).toBeUndefined();
  });
});
