// Contracts of the helpers module: each helper's prototype is data, read by the verifier
// (argument and return types, sizes) and by the loader (does it exist, GPL only, which
// program types may call it); its implementation is a function over the Cpu, shared by the
// interpreter and the JIT.
//
// The argument and return kinds follow the kernel's enum bpf_arg_type / bpf_return_type
// (kernel/bpf/verifier.c, include/linux/bpf.h), with the type flags as separate booleans.

import type { HelperFn } from '../vm/cpu.js';

export type ArgKind =
  | 'dontcare'              // ARG_DONTCARE: unused argument
  | 'anything'              // ARG_ANYTHING: any initialised register
  | 'const_map_ptr'         // ARG_CONST_MAP_PTR
  | 'map_key'               // ARG_PTR_TO_MAP_KEY: key_size bytes of initialised memory
  | 'map_value'             // ARG_PTR_TO_MAP_VALUE: value_size bytes of initialised memory
  | 'mem'                   // ARG_PTR_TO_MEM: memory whose size is the next (const_size) argument
  | 'const_size'            // ARG_CONST_SIZE
  | 'const_size_or_zero'    // ARG_CONST_SIZE_OR_ZERO
  | 'const_alloc_size_or_zero' // ARG_CONST_ALLOC_SIZE_OR_ZERO (ringbuf_reserve)
  | 'ctx'                   // ARG_PTR_TO_CTX
  | 'func'                  // ARG_PTR_TO_FUNC: a callback (bpf_loop, for_each_map_elem, timers)
  | 'stack'                 // ARG_PTR_TO_STACK
  | 'const_str'             // ARG_PTR_TO_CONST_STR: NUL-terminated string in a read-only map
  | 'spin_lock'             // ARG_PTR_TO_SPIN_LOCK
  | 'long'                  // ARG_PTR_TO_LONG: 8 bytes written
  | 'int'                   // ARG_PTR_TO_INT
  | 'ringbuf_mem'           // ARG_PTR_TO_RINGBUF_MEM / ARG_PTR_TO_ALLOC_MEM (released by submit/discard)
  | 'sock_common'           // ARG_PTR_TO_BTF_ID_SOCK_COMMON
  | 'socket'                // ARG_PTR_TO_SOCKET
  | 'btf_id'                // ARG_PTR_TO_BTF_ID (a kernel object of a given BTF type)
  | 'timer'                 // ARG_PTR_TO_TIMER
  | 'dynptr'                // ARG_PTR_TO_DYNPTR
  | 'percpu_btf_id'         // ARG_PTR_TO_PERCPU_BTF_ID
  | 'kptr';                 // ARG_KPTR_XCHG_DEST

export interface ArgSpec {
  kind: ArgKind;
  /** PTR_MAYBE_NULL: NULL is accepted. */
  maybeNull?: boolean;
  /** MEM_RDONLY: the helper only reads the memory. */
  readOnly?: boolean;
  /** MEM_UNINIT: the helper writes the memory, which need not be initialised before. */
  uninit?: boolean;
  /** MEM_FIXED_SIZE: the memory has this fixed size (no size argument). */
  fixedSize?: number;
  /** OBJ_RELEASE: the argument's reference is released by the call. */
  release?: boolean;
  /** For btf_id / sock_common args: the kernel type the pointer must point to (`task_struct`, `sock_common`, ...). */
  btfType?: string;
  /** MEM_ALIGNED: the memory must be aligned to its size (strtol's result, check_mtu's mtu). */
  aligned?: boolean;
  /** For func args: the callback's arguments, in order (what r1..r5 hold when it is called). */
  callbackArgs?: readonly string[];
}

export type RetKind =
  | 'integer'               // RET_INTEGER
  | 'void'                  // RET_VOID
  | 'map_value_or_null'     // RET_PTR_TO_MAP_VALUE_OR_NULL
  | 'socket_or_null'        // RET_PTR_TO_SOCKET_OR_NULL
  | 'tcp_sock_or_null'      // RET_PTR_TO_TCP_SOCK_OR_NULL
  | 'sock_common_or_null'   // RET_PTR_TO_SOCK_COMMON_OR_NULL
  | 'ringbuf_mem_or_null'   // RET_PTR_TO_RINGBUF_MEM_OR_NULL (acquires a reference)
  | 'mem_or_btf_id_or_null' // RET_PTR_TO_MEM_OR_BTF_ID_OR_NULL
  | 'btf_id_or_null'        // RET_PTR_TO_BTF_ID_OR_NULL
  | 'btf_id'                // RET_PTR_TO_BTF_ID
  | 'mem_or_null'           // RET_PTR_TO_MEM_OR_NULL (fixed size, e.g. per-cpu pointers; dynptr_data: the size argument)
  | 'map_value'             // RET_PTR_TO_MAP_VALUE (never NULL: get_local_storage)
  | 'mem_or_btf_id';        // RET_PTR_TO_MEM_OR_BTF_ID (this_cpu_ptr: never NULL)

export interface HelperProto {
  /** BPF_FUNC_* id. */
  readonly id: number;
  /** Name without the bpf_ prefix, as in BpfFunc (map_lookup_elem). */
  readonly name: string;
  readonly ret: RetKind;
  /** For RET_PTR_TO_MEM_OR_NULL: the memory size. */
  readonly retSize?: number;
  /** Up to five arguments. */
  readonly args: readonly ArgSpec[];
  readonly gplOnly: boolean;
  /** The helper may change packet data (bpf_helper_changes_pkt_data): packet pointers are invalidated. */
  readonly changesPktData?: boolean;
  /** The helper acquires a reference that must be released (ringbuf_reserve, sk_lookup_*). */
  readonly acquires?: boolean;
  /** Argument index (0-based) of the map whose key/value sizes apply to map_key / map_value args. */
  readonly mapArg?: number;
  /** Available to sleepable programs only, or not to them. */
  readonly sleepable?: 'only' | 'never';
  /** bpf_func_proto.pkt_access: packet pointers may be passed as memory arguments. */
  readonly pktAccess?: boolean;
  /** For btf_id returns: the kernel type of the pointer returned. */
  readonly retBtfType?: string;
  /** The helper releases the reference held in this argument (0-based), as ringbuf_submit does. */
  readonly releases?: number;
}

export interface HelperDef {
  readonly proto: HelperProto;
  /** Absent for helpers we know the prototype of but cannot provide (documented in docs). */
  readonly impl?: HelperFn;
}
