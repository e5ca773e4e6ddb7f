// The catalogue of the verifier's diagnostics: a stable code, the kernel's message template,
// the usual fix, and a program that triggers it (a golden case from cases.ts, or llvm
// assembly here). diagnostics.test.ts runs every trigger and checks that its code fires.

export interface Diagnostic {
  code: string;
  /** The kernel's text, with %d/%s placeholders (tsbpf-only texts start with `tsbpf:`). */
  template: string;
  hint: string;
  /** A golden case of cases.ts that triggers it. */
  case?: string;
  /** Or: assembly that triggers it (llvm syntax; `map[NAME]` / `map_value[NAME]+OFF`). */
  trigger?: string;
  progType?: number;
  /** Maps of the trigger: [name, type, keySize, valueSize, maxEntries, flags?]. */
  maps?: Array<[string, number, number, number, number, number?]>;
  /** The rule applies to unprivileged loads only (root is allowed). */
  unprivileged?: boolean;
  /** Why there is no trigger program. */
  noTrigger?: string;
}

const HASH: [string, number, number, number, number] = ['hash', 1, 4, 16, 16];
const ARR: [string, number, number, number, number] = ['arr', 2, 4, 8, 4];
const RB: [string, number, number, number, number] = ['rb', 27, 0, 0, 4096];
const LOOKUP = `r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map[hash] ll
call 1
`;

const LIST: Diagnostic[] = [
  { code: 'UNREACHABLE', template: 'unreachable insn %d', hint: 'remove dead code after the last exit, or make the jump that skips it conditional', case: 'unreachable_insn' },
  { code: 'JUMP_OUT_OF_RANGE', template: 'jump out of range from insn %d to %d', hint: 'a jump leaves the program or its function; check the offset', case: 'jump_out_of_range' },
  { code: 'LAST_INSN', template: 'last insn is not an exit or jmp', hint: 'every function must end in exit (or an unconditional jump)', case: 'last_insn_not_exit' },
  { code: 'INVALID_INSN', template: '(encoding problem, e.g. BPF_ALU uses reserved fields)', hint: 'the bytecode is malformed', noTrigger: 'the assembler cannot produce malformed instructions; covered by isa/validate tests' },
  { code: 'REG_NOT_INIT', template: 'R%d !read_ok', hint: 'the register is read before anything was written to it (R0 must hold the return value at exit; R1-R5 are clobbered by calls)', case: 'r0_not_init' },
  { code: 'INVALID_REG', template: 'R%d is invalid', hint: 'register numbers go up to r10', noTrigger: 'rejected by encoding validation first' },
  { code: 'BACK_EDGE', template: 'back-edge from insn %d to %d', hint: 'unprivileged programs may not loop: unroll the loop (#pragma unroll) or load as root', unprivileged: true, trigger: `r0 = 0
r1 = 0
r1 += 1
if r1 < 10 goto -2
exit` },
  { code: 'NEEDS_BTF_ID', template: 'Tracing programs must provide btf_id', hint: 'fentry/fexit/lsm/struct_ops/freplace programs attach to kernel functions by BTF id, which tsbpf cannot resolve', progType: 26, trigger: `r0 = 0
exit` },
  { code: 'SYSCALL_SLEEPABLE', template: 'Syscall programs can only be sleepable', hint: 'load syscall programs with BPF_F_SLEEPABLE (SEC("syscall"))', progType: 31, trigger: `r0 = 0
exit` },
  { code: 'INFINITE_LOOP', template: 'infinite loop detected at insn %d', hint: 'the loop state repeats exactly: make the loop variable change and bound it', case: 'infinite_loop' },
  { code: 'TOO_LARGE', template: 'BPF program is too large. Processed %d insn', hint: 'the verifier explored 1M instructions: bound loops more tightly, use bpf_loop, or split the program', case: 'too_large' },
  { code: 'JMP_SEQ_TOO_COMPLEX', template: 'The sequence of %d jumps is too complex.', hint: 'too many pending branches; simplify nested conditions', noTrigger: 'needs thousands of nested branches' },
  { code: 'PKT_ACCESS', template: 'invalid access to packet, off=%d size=%d, R%d(id=%d,off=%d,r=%d)\nR%d offset is outside of the packet', hint: 'bounds check missing: compare data + offset + size against data_end before the access', case: 'packet_out_of_range' },
  { code: 'PKT_WRITE', template: 'cannot write into packet', hint: 'this program type may only read packet data', case: 'cgroup_skb_packet_write' },
  { code: 'PKT_NO_ACCESS', template: "R%d invalid mem access '%s'", hint: 'this program type has no direct packet access; use bpf_skb_load_bytes', noTrigger: 'such types cannot obtain packet pointers from their context' },
  { code: 'MAP_VALUE_ACCESS', template: 'invalid access to map value, value_size=%d off=%d size=%d\nR%d min value is outside of the allowed memory range', hint: 'the access goes past the end of the map value: check the offset (and bound variable indexes)', case: 'map_value_out_of_bounds' },
  { code: 'MAP_KEY_ACCESS', template: 'invalid access to map key, key_size=%d off=%d size=%d', hint: 'the access goes past the key', trigger: `r1 = map[hash] ll
r2 = func[+6] ll
r3 = 0
r4 = 0
call 164
r0 = 0
exit
r0 = *(u64 *)(r2 + 0)
r0 = 0
exit`, maps: [HASH] },
  { code: 'MAP_KEY_WRITE', template: 'write to change key R%d not allowed', hint: 'keys passed to callbacks are read-only', trigger: `r1 = map[hash] ll
r2 = func[+6] ll
r3 = 0
r4 = 0
call 164
r0 = 0
exit
r0 = 0
*(u32 *)(r2 + 0) = r0
exit`, maps: [HASH] },
  { code: 'MEM_ACCESS', template: 'invalid access to memory, mem_size=%d off=%d size=%d', hint: 'the access goes past the memory the helper returned (ring buffer reservation size)', trigger: `r1 = map[rb] ll
r2 = 8
r3 = 0
call 131
if r0 == 0 goto +4
r1 = 0
*(u64 *)(r0 + 8) = r1
r1 = r0
call 133
r0 = 0
exit`, maps: [RB] },
  { code: 'MEM_RDONLY', template: 'cannot write into %s', hint: 'the memory is read-only', noTrigger: 'no supported helper returns read-only memory' },
  { code: 'NEGATIVE_SIZE', template: "R%d min value is negative, either use unsigned or 'var &= const'", hint: 'the size argument may be negative: make it unsigned or mask it', trigger: `r1 = r10
r1 += -8
r2 = *(u32 *)(r1 + 0)
r2 = (s32)r2
call 6
r0 = 0
exit` },
  { code: 'NEGATIVE_INDEX', template: 'R%d min value is negative, either use unsigned index or do a if (index >=0) check.', hint: 'the index may be negative: use an unsigned type or check index >= 0', case: 'map_value_negative_index' },
  { code: 'UNBOUNDED_ACCESS', template: 'R%d unbounded memory access, make sure to bounds check any such access', hint: 'add an upper bound check (if (i < N)) or mask the index (i &= N - 1)', case: 'map_value_unbounded' },
  { code: 'NULL_DEREF', template: "R%d invalid mem access '%s_or_null'", hint: 'null check missing: test the pointer a helper returned (if (!p) return ...) before using it', case: 'map_value_null_deref' },
  { code: 'INVALID_MEM_ACCESS', template: "R%d invalid mem access '%s'", hint: 'the register does not hold a pointer the program may dereference', case: 'scalar_deref' },
  { code: 'CTX_ACCESS', template: 'invalid bpf_context access off=%d size=%d', hint: 'this context field does not exist for the program type, or is read-only, or is accessed with the wrong size', case: 'ctx_bad_offset' },
  { code: 'SOCK_WRITE', template: 'R%d cannot write into %s', hint: 'socket pointers (ctx->sk, bpf_sk_lookup_*, bpf_tcp_sock) are read-only', progType: 18, trigger: `r2 = *(u64 *)(r1 + 64)
r3 = 0
*(u32 *)(r2 + 0) = r3
r0 = 1
exit` },
  { code: 'SOCK_ACCESS', template: 'R%d invalid %s access off=%d size=%d', hint: 'not a field of struct bpf_sock / bpf_tcp_sock that this pointer exposes, or a narrow load where only full loads are allowed', progType: 18, trigger: `r2 = *(u64 *)(r1 + 64)
r0 = *(u8 *)(r2 + 1)
r0 = 1
exit` },
  { code: 'FLOW_KEYS_ACCESS', template: 'invalid access to flow keys off=%d size=%d', hint: 'struct bpf_flow_keys is 56 bytes', progType: 22, trigger: `r2 = *(u64 *)(r1 + 144)
r0 = *(u64 *)(r2 + 52)
r0 = 0
exit` },
  { code: 'CTX_MODIFIED', template: 'dereference of modified ctx ptr R%d off=%d disallowed', hint: 'access context fields through the original ctx pointer with a constant offset', case: 'ctx_modified' },
  { code: 'CTX_VAR_OFF', template: 'variable ctx access var_off=%s disallowed', hint: 'context fields must be accessed at constant offsets', trigger: `r2 = *(u32 *)(r1 + 16)
r2 &= 4
r1 += r2
r0 = *(u32 *)(r1 + 0)
exit` },
  { code: 'STACK_OUT_OF_BOUNDS', template: 'invalid write to stack R%d off=%d size=%d', hint: 'the stack is 512 bytes: offsets from r10 must be in [-512, 0)', case: 'stack_write_out_of_bounds' },
  { code: 'STACK_VAR_UNBOUNDED', template: 'invalid unbounded variable-offset%s stack R%d', hint: 'bound the variable stack offset', trigger: `r2 = *(u32 *)(r1 + 16)
r3 = r10
r3 += r2
r0 = *(u8 *)(r3 - 8)
exit` },
  { code: 'MISALIGNED', template: 'misaligned %saccess off %s+%d+%d size %d', hint: 'atomic operations need an address aligned to their size', trigger: `r2 = *(u32 *)(r1 + 12)
r1 = 1
lock *(u32 *)(r2 + 0) += r1
r0 = 0
exit` },
  { code: 'STACK_MISALIGNED', template: 'misaligned stack access off %s+%d+%d size %d', hint: 'stack accesses must be aligned to their size', case: 'stack_misaligned' },
  { code: 'STACK_READ_UNINIT', template: 'invalid read from stack off %d+%d size %d', hint: 'initialise the stack memory before reading it (root may read uninitialised stack)', trigger: `r0 = *(u64 *)(r10 - 8)
exit`, unprivileged: true },
  { code: 'SPILL_SIZE', template: 'invalid size of register spill', hint: 'pointers are spilled to the stack as 8-byte values only', case: 'partial_pointer_spill' },
  { code: 'FILL_SIZE', template: 'invalid size of register fill', hint: 'a spilled pointer must be reloaded with an 8-byte load', trigger: `*(u64 *)(r10 - 8) = r1
r0 = *(u32 *)(r10 - 8)
exit` },
  { code: 'STACK_TOO_LARGE', template: 'combined stack size of %d calls is %d. Too large', hint: 'the stack of all active frames must fit in 512 bytes: use smaller locals or a per-CPU array map as scratch space', case: 'combined_stack_too_large' },
  { code: 'CALL_TOO_DEEP', template: 'the call stack of %d frames is too deep', hint: 'at most 8 nested bpf-to-bpf calls', case: 'call_stack_too_deep' },
  { code: 'RET_STACK_PTR', template: 'cannot return stack pointer to the caller', hint: 'the callee frame is gone after return', trigger: `call +2
r0 = 0
exit
r0 = r10
exit` },
  { code: 'PTR_BITWISE', template: 'R%d bitwise operator %s on pointer prohibited', hint: 'pointers only support adding and subtracting scalars', case: 'pointer_bitwise' },
  { code: 'PTR_MATH_OP', template: 'R%d pointer arithmetic with %s operator prohibited', hint: 'pointers only support adding and subtracting scalars', trigger: `r1 *= 2
r0 = 0
exit` },
  { code: 'PTR_MATH_TYPE', template: 'R%d pointer arithmetic on %s prohibited', hint: 'this pointer type cannot be moved (pkt_end, map_ptr, sockets)', case: 'pointer_math_pkt_end' },
  { code: 'PTR_MATH_NULL', template: 'R%d pointer arithmetic on %s prohibited, null-check it first', hint: 'null check missing before pointer arithmetic', trigger: `${LOOKUP}r0 += 4
r0 = 0
exit`, maps: [HASH] },
  { code: 'PTR_ALU32', template: 'R%d 32-bit pointer arithmetic prohibited', hint: 'use 64-bit arithmetic on pointers', case: 'pointer_math_32bit' },
  { code: 'PTR_PTR_MATH', template: 'R%d pointer %s pointer prohibited', hint: 'only pointer - pointer is allowed', trigger: `r1 += r10
r0 = 0
exit` },
  { code: 'SCALAR_MINUS_PTR', template: 'R%d tried to subtract pointer from scalar', hint: 'compute pointer - scalar instead', trigger: `r0 = 1
r0 -= r10
exit` },
  { code: 'STACK_PTR_SUB', template: 'R%d subtraction from stack pointer prohibited', hint: 'add a negative offset instead (r2 += -8)', trigger: `r2 = r10
r2 -= 8
r0 = 0
exit` },
  { code: 'PTR_MATH_UNBOUNDED', template: 'math between %s pointer and register with unbounded min value is not allowed', hint: 'bound the scalar (check it is >= 0 and below a limit) before adding it to a pointer', case: 'pointer_math_unbounded' },
  { code: 'PTR_MATH_BAD_CONST', template: 'math between %s pointer and %d is not allowed', hint: 'the constant is too large to add to a pointer', trigger: `r1 = r10
r2 = 0x20000000
r1 += r2
r0 = 0
exit` },
  { code: 'PTR_OFF_BAD', template: '%s pointer offset %d is not allowed', hint: 'the pointer offset grew too large', trigger: `r1 = r10
r1 += 0x1fffffff
r1 += 0x1fffffff
r0 = 0
exit` },
  { code: 'PTR_OUT_OF_BOUNDS', template: 'value %d makes %s pointer be out of bounds', hint: 'the scalar added to the pointer may be far negative or huge: bound it', case: 'map_value_ptr_out_of_bounds' },
  { code: 'DIV_BY_ZERO', template: 'div by zero', hint: 'division by the constant 0', case: 'div_by_zero_imm' },
  { code: 'INVALID_SHIFT', template: 'invalid shift %d', hint: 'shift amounts must be below the operand width', case: 'invalid_shift' },
  { code: 'UNKNOWN_HELPER', template: 'invalid func %s#%d', hint: 'no helper with this id exists in this kernel', case: 'helper_unknown' },
  { code: 'HELPER_NOT_ALLOWED', template: 'program of this type cannot use helper %s#%d', hint: 'the helper is not available to this program type', case: 'helper_not_allowed' },
  { code: 'GPL_ONLY', template: 'cannot call GPL-restricted function from non-GPL compatible program', hint: 'declare a GPL-compatible license (char _license[] SEC("license") = "GPL")', case: 'gpl_only_helper' },
  { code: 'ARG_TYPE', template: 'R%d type=%s expected=%s', hint: 'the helper argument has the wrong type (pass a map with &map, keys and values as pointers to stack)', case: 'helper_arg_map_ptr' },
  { code: 'ARG_NO_MAP', template: 'invalid map_ptr to access map->%s', hint: 'the map argument must come first', noTrigger: 'every helper prototype names its map before keys and values' },
  { code: 'MAP_FUNC_COMPAT', template: 'cannot pass map_type %d into func %s#%d', hint: 'this helper does not work with this map type', trigger: `r1 = map[hash] ll
r2 = r10
r2 += -8
r3 = 8
r4 = 0
call 130
r0 = 0
exit`, maps: [HASH] },
  { code: 'TAIL_CALL_MAP', template: 'expected prog array map for tail call', hint: 'bpf_tail_call takes a BPF_MAP_TYPE_PROG_ARRAY', case: 'tail_call_wrong_map' },
  { code: 'PKT_HELPER', template: 'helper access to the packet is not allowed', hint: 'this helper cannot read or write packet memory directly: copy the bytes to the stack first', trigger: `r2 = *(u32 *)(r1 + 76)
r7 = *(u32 *)(r1 + 80)
r3 = r2
r2 += 8
if r2 > r7 goto +3
r2 = 0
r4 = 4
call 26
r0 = 0
exit`, progType: 3 },
  { code: 'LOCAL_STORAGE_FLAGS', template: "get_local_storage() doesn't support non-zero flags", hint: 'bpf_get_local_storage cannot fail: its flags must be 0', trigger: `r1 = map[cgs] ll
r2 = 7
call 81
r0 = 0
exit`, maps: [['cgs', 19, 8, 8, 0]], progType: 8 },
  { code: 'ZERO_SIZE', template: 'R%d invalid zero-sized read: u64=[%d,%d]', hint: 'the size argument may be zero: check it is > 0', trigger: `r2 = *(u32 *)(r1 + 16)
r1 = r10
r1 += -16
call 16
r0 = 0
exit` },
  { code: 'UNBOUNDED_SIZE', template: "R%d unbounded memory access, use 'var &= const' or 'if (var < const)'", hint: 'bound the size argument', trigger: `r2 = *(u32 *)(r1 + 16)
r2 |= 1
r1 = r10
r1 += -16
call 16
r0 = 0
exit` },
  { code: 'NULL_MEM_SIZE', template: 'R%d type=scalar expected=%s', hint: 'a NULL buffer needs a zero size', trigger: `r1 = 0
r2 = 4
r3 = 0
r4 = 0
r5 = 0
call 28
r0 = 0
exit` },
  { code: 'ALLOC_SIZE', template: "R%d is not a known constant'", hint: 'the ring buffer reservation size must be a constant', trigger: `r2 = *(u32 *)(r1 + 16)
r1 = map[rb] ll
r3 = 0
call 131
r0 = 0
exit`, maps: [RB] },
  { code: 'CONST_STR', template: "R%d does not point to a readonly map'", hint: 'format strings must live in .rodata', trigger: `r1 = r10
r1 += -8
r2 = 8
r3 = map_value[arr]+0 ll
r4 = 0
r5 = 0
call 165
r0 = 0
exit`, maps: [ARR] },
  { code: 'REF_LEAK', template: 'Unreleased reference id=%d alloc_insn=%d\nBPF_EXIT instruction in main prog would lead to reference leak', hint: 'release what you acquired on every path (bpf_ringbuf_submit / bpf_ringbuf_discard, bpf_sk_release)', case: 'unreleased_reference' },
  { code: 'SPIN_LOCK', template: "map '%s' has no valid bpf_spin_lock / off %d doesn't point to 'struct bpf_spin_lock' that is at %d / bpf_spin_unlock without taking a lock / Locking two bpf_spin_locks are not allowed", hint: 'pass &value->lock of a looked-up map value whose BTF struct has a struct bpf_spin_lock member, and pair each lock with one unlock', noTrigger: 'needs a map with BTF; covered by the testdata/verifier spin_* objects' },
  { code: 'SPIN_LOCK_PROG_TYPE', template: 'socket filter progs cannot use bpf_spin_lock yet / tracing progs cannot use bpf_spin_lock yet', hint: 'kprobe, tracepoint, perf_event, raw_tracepoint and socket filter programs may not use a map whose value has a bpf_spin_lock', noTrigger: 'needs a map with BTF; src/verifier/rules-without-info.test.ts' },
  { code: 'SPIN_LOCK_ACCESS', template: 'bpf_spin_lock cannot be accessed directly by load/store', hint: 'only bpf_spin_lock/bpf_spin_unlock may touch the lock field; read and write the other fields', noTrigger: 'needs a map with BTF; testdata/verifier/spin_direct.o' },
  { code: 'SPIN_LOCK_CALL', template: 'function calls are not allowed while holding a lock', hint: 'call helpers (and subprograms: tsbpf is stricter) outside the locked region', noTrigger: 'needs a map with BTF' },
  { code: 'SPIN_LOCK_EXIT', template: 'BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region', hint: 'call bpf_spin_unlock on every path before returning', noTrigger: 'needs a map with BTF; testdata/verifier/spin_no_unlock.o' },
  { code: 'LD_ABS_LOCK', template: 'BPF_LD_[ABS|IND] cannot be used inside bpf_spin_lock-ed region', hint: 'load packet bytes before taking the lock', noTrigger: 'needs a map with BTF' },
  { code: 'RELEASE_OFF', template: 'R%d must have zero offset when passed to release func or trusted arg to kfunc', hint: 'pass the pointer the helper returned, not an offset into it', trigger: `r1 = map[rb] ll
r2 = 8
r3 = 0
call 131
if r0 == 0 goto +4
r0 += 4
r1 = r0
r2 = 0
call 133
r0 = 0
exit`, maps: [RB] },
  { code: 'RELEASE_UNREF', template: 'R%d must be referenced when passed to release function', hint: 'only acquired references can be released', noTrigger: 'needs a pointer type that can lose its reference' },
  { code: 'RET_RANGE', template: 'At program exit the register R0 has smin=%d smax=%d should have been in [%d, %d]', hint: 'return a value the program type allows (cgroup_skb: 0 or 1)', case: 'cgroup_skb_return_range' },
  { code: 'RET_NOT_SCALAR', template: 'At program exit the register R0 is not a known value (%s)', hint: 'return a number, not a pointer', progType: 8, trigger: `r0 = r10
exit` },
  { code: 'LEAK_RET', template: 'R0 leaks addr as return value', hint: 'unprivileged programs may not return pointers', unprivileged: true, trigger: `r0 = r10
exit` },
  { code: 'LEAK_ADDR', template: 'R%d leaks addr into mem', hint: 'unprivileged programs may not store pointers', unprivileged: true, trigger: `r1 = 0
*(u64 *)(r10 - 8) = r1
r2 = r10
lock *(u64 *)(r10 - 8) += r2
r0 = 0
exit` },
  { code: 'CB_RET', template: 'At callback return the register R0 has smin=%d smax=%d should have been in [0, 1]', hint: 'callbacks return 0 (continue) or 1 (stop)', case: 'callback_return_range' },
  { code: 'ATOMIC_TYPE', template: 'BPF_ATOMIC stores into R%d %s is not allowed', hint: 'atomic operations work on the stack and map values', trigger: `r2 = 1
lock *(u32 *)(r1 + 0) += r2
r0 = 0
exit` },
  { code: 'MAP_RDONLY', template: 'write into map forbidden, value_size=%d off=%d size=%d', hint: 'the map is read-only for programs (BPF_F_RDONLY_PROG, .rodata)', trigger: `r1 = map_value[arr]+0 ll
r2 = 0
*(u64 *)(r1 + 0) = r2
r0 = 0
exit`, maps: [['arr', 2, 4, 8, 4, 0x80]] },
  { code: 'MAP_WRONLY', template: 'read from map forbidden, value_size=%d off=%d size=%d', hint: 'the map is write-only for programs (BPF_F_WRONLY_PROG)', trigger: `r1 = map_value[arr]+0 ll
r0 = *(u64 *)(r1 + 0)
r0 = 0
exit`, maps: [['arr', 2, 4, 8, 4, 0x100]] },
  { code: 'MAP_VALUE_OFF', template: 'invalid access to map value pointer, value_size=%d off=%d', hint: 'the global variable offset is outside its section', trigger: `r1 = map_value[arr]+16 ll
r0 = 0
exit`, maps: [ARR] },
  { code: 'MAP_VALUE_PSEUDO', template: 'tsbpf: map_value pseudo-load of a map that is not an array', hint: 'direct value access needs an array map', trigger: `r1 = map_value[hash]+0 ll
r0 = 0
exit`, maps: [HASH] },
  { code: 'MAP_UNKNOWN', template: "tsbpf: map '%s' referenced by insn %d is not defined", hint: 'the object refers to a map it does not define', trigger: `r1 = map[nosuch] ll
r0 = 0
exit` },
  { code: 'MAP_FD', template: 'fd %d is not pointing to valid bpf_map / fd_idx without fd_array is invalid', hint: 'a map load that no relocation names: load maps through the object (relocations) or by the id of a created map through the runtime', noTrigger: 'the assembler names maps; raw bytecode covered in src/verifier/rules-without-info.test.ts' },
  { code: 'LD_ABS_TYPE', template: 'BPF_LD_[ABS|IND] instructions not allowed for this program type', hint: 'legacy packet loads are for socket filters and tc programs', trigger: `r6 = r1
r0 = *(u8 *)skb[12]
r0 = 0
exit` },
  { code: 'LD_ABS_R6', template: 'at the time of BPF_LD_ABS|IND R6 != pointer to skb', hint: 'keep the context pointer in r6 for legacy packet loads', progType: 1, trigger: `r6 = 0
r0 = *(u8 *)skb[12]
r0 = 0
exit` },
  { code: 'LD_ABS_REF', template: 'BPF_LD_[ABS|IND] cannot be mixed with socket references', hint: 'release socket references before legacy packet loads', noTrigger: 'needs a socket reference in a socket filter' },
  { code: 'CALLX', template: 'unknown opcode %x', hint: 'the kernel has no calls through registers (callx): call helpers and functions directly', trigger: `callx r1
r0 = 0
exit` },
  { code: 'KFUNC', template: 'tsbpf: calling kernel functions is not supported', hint: 'kfuncs need kernel BTF', noTrigger: 'the assembler does not emit kfunc calls' },
  { code: 'LDDW_BTF', template: 'tsbpf: 64-bit loads of kernel BTF objects are not supported', hint: 'ksyms need kernel BTF', noTrigger: 'the assembler does not emit BTF id loads' },
  { code: 'UNSUPPORTED', template: 'tsbpf: %s argument R%d (%s) is not supported by this verifier', hint: 'the helper argument kind (timer, dynptr, kptr) is not modelled: the program is rejected to stay sound', trigger: `r1 = r10
r1 += -8
call 169
r0 = 0
exit` },
];

export const DIAGNOSTICS: readonly Diagnostic[] = LIST;
