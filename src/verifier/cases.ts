// Golden verifier cases: small programs (llvm assembly, `map[NAME]` for map pointers) with
// the verdict and the error text the running kernel (6.18, loaded as root) gives. The test
// checks tsbpf against these, and re-checks the kernel live when it is available.

import { MapType, ProgType } from '../uapi/bpf.js';

export interface VerifierCase {
  name: string;
  type?: number;
  asm: string;
  /** [name, type, keySize, valueSize, maxEntries] */
  maps?: Array<[string, number, number, number, number]>;
  license?: string;
  expect: 'accept' | 'reject';
  /** The kernel's error text (rejections). */
  msg?: string;
  /** Our diagnostic code (rejections). */
  code?: string;
  /** Known difference with the kernel (documented in docs/verifier.md). */
  differs?: string;
}

const HASH: [string, number, number, number, number] = ['hash', MapType.HASH, 4, 16, 16];
const ARR: [string, number, number, number, number] = ['arr', MapType.ARRAY, 4, 8, 4];
const RB: [string, number, number, number, number] = ['rb', MapType.RINGBUF, 0, 0, 4096];
const PA: [string, number, number, number, number] = ['progs', MapType.PROG_ARRAY, 4, 4, 4];

const PKT = `r2 = *(u32 *)(r1 + 4)
r1 = *(u32 *)(r1 + 0)
`;
const LOOKUP = (map: string, key = 0): string => `r1 = ${key}
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map[${map}] ll
call 1
`;

export const CASES: VerifierCase[] = [
  // ---- accepted ----------------------------------------------------------------------------
  { name: 'xdp_header_parse', expect: 'accept', asm: `r0 = 2
${PKT}r3 = r1
r3 += 14
if r3 > r2 goto +3
r0 = *(u16 *)(r1 + 12)
if r0 == 8 goto +1
r0 = 2
exit` },
  { name: 'map_lookup_null_check', maps: [HASH], expect: 'accept', asm: `${LOOKUP('hash')}if r0 == 0 goto +2
r1 = 1
lock *(u64 *)(r0 + 8) += r1
r0 = 2
exit` },
  { name: 'array_const_key_needs_null_check', maps: [ARR], expect: 'reject', code: 'NULL_DEREF', asm: `${LOOKUP('arr', 1)}r0 = *(u64 *)(r0 + 0)
r0 = 2
exit` },
  { name: 'bounded_loop', expect: 'accept', asm: `r0 = 0
r1 = 0
l1:
r0 += r1
r1 += 1
if r1 < 100 goto l1
r0 = 2
exit` },
  { name: 'ringbuf_reserve_submit', maps: [RB], expect: 'accept', asm: `r1 = map[rb] ll
r2 = 8
r3 = 0
call 131
if r0 == 0 goto +4
r1 = r0
r2 = 0
*(u64 *)(r0 + 0) = r2
call 132
r0 = 2
exit` },
  { name: 'subprog_call', expect: 'accept', asm: `r1 = 5
call +2
r0 = 2
exit
r0 = r1
r0 += 1
exit` },
  { name: 'bpf_loop_callback', expect: 'accept', differs: 'the kernel wants BTF func_info for callbacks (missing btf func_info); see the C test objects', asm: `r1 = 0
*(u64 *)(r10 - 8) = r1
r1 = 10
r2 = func[+7] ll
r3 = r10
r3 += -8
r4 = 0
call 181
r0 = 2
exit
r0 = *(u64 *)(r2 + 0)
r0 += r1
*(u64 *)(r2 + 0) = r0
r0 = 0
exit` },
  { name: 'bpf_loop_counter_converges', expect: 'accept', differs: 'the kernel wants BTF func_info for callbacks (missing btf func_info)', asm: `r1 = 0
*(u64 *)(r10 - 8) = r1
r1 = 1000
r2 = func[+7] ll
r3 = r10
r3 += -8
r4 = 0
call 181
r0 = 2
exit
r0 = *(u64 *)(r2 + 0)
r0 += 1
*(u64 *)(r2 + 0) = r0
r0 = 0
exit` },
  { name: 'spill_fill_ctx', expect: 'accept', asm: `*(u64 *)(r10 - 8) = r1
r1 = 0
r1 = *(u64 *)(r10 - 8)
r0 = *(u32 *)(r1 + 0)
r0 = 2
exit` },
  { name: 'map_value_var_offset', maps: [HASH], expect: 'accept', asm: `r6 = *(u32 *)(r1 + 16)
${LOOKUP('hash')}if r0 == 0 goto +4
r6 &= 7
r0 += r6
r1 = *(u64 *)(r0 + 0)
r0 = 2
exit` },
  { name: 'pkt_var_offset', expect: 'accept', asm: `r0 = 2
${PKT}r3 = r1
r3 += 14
if r3 > r2 goto +8
r4 = *(u8 *)(r1 + 0)
r4 &= 15
r1 += r4
r5 = r1
r5 += 2
if r5 > r2 goto +1
r0 = *(u16 *)(r1 + 0)
r0 = 2
exit` },
  { name: 'alu32_and_signed_bounds', maps: [HASH], expect: 'accept', asm: `r6 = *(u32 *)(r1 + 16)
${LOOKUP('hash')}if r0 == 0 goto +5
w6 += 1
if w6 s> 8 goto +3
if w6 s< 0 goto +2
r0 += r6
r1 = *(u64 *)(r0 + 0)
r0 = 2
exit` },
  { name: 'uninit_stack_read_privileged', expect: 'accept', asm: `r0 = *(u64 *)(r10 - 8)
r0 = 2
exit` },
  { name: 'return_pointer_privileged', expect: 'accept', asm: `r0 = r10
exit` },
  { name: 'tail_call', maps: [PA], expect: 'accept', asm: `r2 = map[progs] ll
r3 = 0
call 12
r0 = 2
exit` },
  { name: 'atomic_fetch_add_stack', expect: 'accept', asm: `r1 = 0
*(u64 *)(r10 - 8) = r1
r2 = 1
r2 = atomic_fetch_add((u64 *)(r10 - 8), r2)
r0 = 2
exit` },
  { name: 'nested_subprogs', expect: 'accept', asm: `call +2
r0 = 2
exit
call +1
exit
r0 = 1
exit` },
  { name: 'jset_and_jne_refine', expect: 'accept', asm: `r1 = *(u32 *)(r1 + 16)
if r1 & 1 goto +1
r1 = 3
r0 = 2
exit` },
  { name: 'ld_abs_socket_filter', type: ProgType.SOCKET_FILTER, expect: 'accept', asm: `r6 = r1
r0 = *(u8 *)skb[12]
r0 = 0
exit` },

  // ---- rejected ----------------------------------------------------------------------------
  { name: 'r0_not_init', expect: 'reject', code: 'REG_NOT_INIT', asm: `exit` },
  { name: 'r2_not_init', expect: 'reject', code: 'REG_NOT_INIT', asm: `r0 = r2
exit` },
  { name: 'unreachable_insn', expect: 'reject', code: 'UNREACHABLE', asm: `r0 = 0
exit
exit` },
  { name: 'jump_out_of_range', expect: 'reject', code: 'JUMP_OUT_OF_RANGE', asm: `r0 = 0
if r0 == 0 goto +5
exit` },
  { name: 'last_insn_not_exit', expect: 'reject', code: 'LAST_INSN', asm: `r0 = 0
exit
r0 = 1` },
  { name: 'infinite_loop', expect: 'reject', code: 'INFINITE_LOOP', asm: `r0 = 0
l1:
r0 = 1
if r0 == 1 goto l1
exit` },
  { name: 'too_large', expect: 'reject', code: 'TOO_LARGE', asm: `r1 = 0
l1:
r1 += 1
if r1 < 1000000 goto l1
r0 = 0
exit` },
  { name: 'packet_out_of_range', expect: 'reject', code: 'PKT_ACCESS', asm: `${PKT}r3 = r1
r3 += 14
if r3 > r2 goto +1
r0 = *(u8 *)(r1 + 14)
r0 = 2
exit` },
  { name: 'packet_unchecked', expect: 'reject', code: 'PKT_ACCESS', asm: `${PKT}r0 = *(u8 *)(r1 + 0)
exit` },
  { name: 'map_value_out_of_bounds', maps: [HASH], expect: 'reject', code: 'MAP_VALUE_ACCESS', asm: `${LOOKUP('hash')}if r0 == 0 goto +1
r0 = *(u64 *)(r0 + 12)
r0 = 2
exit` },
  { name: 'map_value_null_deref', maps: [HASH], expect: 'reject', code: 'NULL_DEREF', asm: `${LOOKUP('hash')}r0 = *(u64 *)(r0 + 0)
exit` },
  { name: 'scalar_deref', expect: 'reject', code: 'INVALID_MEM_ACCESS', asm: `r1 = 42
r0 = *(u64 *)(r1 + 0)
exit` },
  { name: 'ctx_bad_offset', expect: 'reject', code: 'CTX_ACCESS', asm: `r0 = *(u32 *)(r1 + 64)
exit` },
  { name: 'ctx_modified', expect: 'reject', code: 'CTX_MODIFIED', asm: `r1 += 4
r0 = *(u32 *)(r1 + 0)
exit` },
  { name: 'pointer_bitwise', expect: 'reject', code: 'PTR_BITWISE', asm: `r1 &= 7
r0 = 0
exit` },
  { name: 'pointer_math_unbounded', expect: 'reject', code: 'PTR_MATH_UNBOUNDED', asm: `r2 = *(u64 *)(r10 - 8)
r3 = r10
r3 += r2
r0 = 0
exit` },
  { name: 'pointer_math_pkt_end', expect: 'reject', code: 'PTR_MATH_TYPE', asm: `${PKT}r2 += 1
r0 = 0
exit` },
  { name: 'pointer_math_32bit', expect: 'reject', code: 'PTR_ALU32', asm: `w1 += 1
r0 = 0
exit` },
  { name: 'helper_arg_map_ptr', expect: 'reject', code: 'ARG_TYPE', asm: `r1 = 0
r2 = r10
r2 += -8
call 1
r0 = 0
exit` },
  { name: 'helper_arg_key_scalar', maps: [ARR], expect: 'reject', code: 'ARG_TYPE', asm: `r1 = map[arr] ll
r2 = 0
call 1
r0 = 0
exit` },
  { name: 'helper_unknown', expect: 'reject', code: 'UNKNOWN_HELPER', asm: `call 999
exit` },
  { name: 'helper_not_allowed', expect: 'reject', code: 'HELPER_NOT_ALLOWED', asm: `call 9
exit` },
  { name: 'gpl_only_helper', license: 'Proprietary', expect: 'reject', code: 'GPL_ONLY', asm: `r1 = r10
r1 += -8
r2 = 8
r3 = 0
call 6
r0 = 0
exit` },
  { name: 'unreleased_reference', maps: [RB], expect: 'reject', code: 'REF_LEAK', asm: `r1 = map[rb] ll
r2 = 8
r3 = 0
call 131
r0 = 2
exit` },
  { name: 'release_scalar', expect: 'reject', code: 'ARG_TYPE', asm: `r1 = 0
r2 = 0
call 132
r0 = 2
exit` },
  { name: 'cgroup_skb_return_range', type: ProgType.CGROUP_SKB, expect: 'reject', code: 'RET_RANGE', asm: `r0 = 2
exit` },
  { name: 'stack_write_out_of_bounds', expect: 'reject', code: 'STACK_OUT_OF_BOUNDS', asm: `*(u64 *)(r10 - 520) = 0
r0 = 0
exit` },
  { name: 'stack_misaligned', expect: 'reject', code: 'STACK_MISALIGNED', asm: `*(u64 *)(r10 - 4) = 0
r0 = 0
exit` },
  { name: 'combined_stack_too_large', expect: 'reject', code: 'STACK_TOO_LARGE', asm: `*(u64 *)(r10 - 256) = 0
call +2
r0 = 0
exit
*(u64 *)(r10 - 304) = 0
r0 = 0
exit` },
  { name: 'call_stack_too_deep', expect: 'reject', code: 'CALL_TOO_DEEP', asm: `call +2
r0 = 0
exit
call +1
exit
call +1
exit
call +1
exit
call +1
exit
call +1
exit
call +1
exit
call +1
exit
call +1
exit
r0 = 0
exit` },
  { name: 'div_by_zero_imm', expect: 'reject', code: 'DIV_BY_ZERO', asm: `r0 = 1
r0 /= 0
exit` },
  { name: 'invalid_shift', expect: 'reject', code: 'INVALID_SHIFT', asm: `r0 = 1
r0 <<= 64
exit` },
  { name: 'partial_pointer_spill', expect: 'reject', code: 'SPILL_SIZE', asm: `*(u32 *)(r10 - 8) = r1
r0 = 0
exit` },
  { name: 'cgroup_skb_packet_write', type: ProgType.CGROUP_SKB, expect: 'reject', code: 'PKT_WRITE', asm: `r2 = *(u32 *)(r1 + 80)
r1 = *(u32 *)(r1 + 76)
r3 = r1
r3 += 1
if r3 > r2 goto +1
*(u8 *)(r1 + 0) = 0
r0 = 1
exit` },
  { name: 'tail_call_wrong_map', maps: [HASH], expect: 'reject', code: 'TAIL_CALL_MAP', asm: `r2 = map[hash] ll
r3 = 0
call 12
r0 = 2
exit` },
  { name: 'map_value_ptr_out_of_bounds', maps: [HASH], expect: 'reject', code: 'PTR_OUT_OF_BOUNDS', asm: `r6 = *(u32 *)(r1 + 16)
${LOOKUP('hash')}if r0 == 0 goto +4
r6 <<= 32
r6 s>>= 32
if r6 s> 8 goto +1
r0 += r6
r0 = 2
exit` },
  { name: 'map_value_negative_index', maps: [HASH], expect: 'reject', code: 'NEGATIVE_INDEX', asm: `r6 = *(u32 *)(r1 + 16)
${LOOKUP('hash')}if r0 == 0 goto +4
r6 &= 255
r6 -= 10
r0 += r6
r1 = *(u8 *)(r0 + 0)
r0 = 2
exit` },
  { name: 'map_value_unbounded', maps: [HASH], expect: 'reject', code: 'UNBOUNDED_ACCESS', asm: `r6 = *(u32 *)(r1 + 16)
${LOOKUP('hash')}if r0 == 0 goto +2
r0 += r6
r1 = *(u8 *)(r0 + 0)
r0 = 2
exit` },
  { name: 'callback_return_range', expect: 'reject', differs: 'the kernel wants BTF func_info for callbacks (missing btf func_info)', code: 'CB_RET', asm: `r1 = 10
r2 = func[+6] ll
r3 = 0
r4 = 0
call 181
r0 = 2
exit
r0 = 5
exit` },
  { name: 'ringbuf_use_after_submit', maps: [RB], expect: 'reject', code: 'INVALID_MEM_ACCESS', asm: `r1 = map[rb] ll
r2 = 8
r3 = 0
call 131
if r0 == 0 goto +5
r6 = r0
r1 = r0
r2 = 0
call 132
r0 = *(u64 *)(r6 + 0)
r0 = 2
exit` },
  { name: 'subprog_r0_unused', expect: 'accept', asm: `call +2
r0 = 0
exit
exit` },
  { name: 'subprog_r0_not_init', expect: 'reject', code: 'REG_NOT_INIT', asm: `call +1
exit
exit` },
];
