// Contracts of the program-types module: for each BPF_PROG_TYPE_*, its context (the UAPI
// struct a program sees in r1), which context accesses are allowed and how the kernel
// rewrites them, which helpers it may call, what its return value means, and how a test
// run builds the context from data_in / ctx_in.
//
// The verifier reads `ctxAccess`, `helperAllowed`, `packetAccess`, `retRange`; the runtime
// reads `rewriteCtxAccess` (applied at load time, as the kernel's convert_ctx_access) and
// `testRun`.

import type { Insn } from '../isa/insn.js';
import type { ProgType } from '../uapi/bpf.js';

/** What a context load yields, in the verifier's terms. */
export type CtxValueType =
  | 'scalar'
  | 'pkt'            // PTR_TO_PACKET (ctx->data)
  | 'pkt_meta'       // PTR_TO_PACKET_META (ctx->data_meta)
  | 'pkt_end'        // PTR_TO_PACKET_END (ctx->data_end)
  | 'sock_common_or_null' | 'socket_or_null' | 'flow_keys' | 'btf_id'
  | 'socket';         // PTR_TO_SOCKET, never NULL (bpf_sock_addr.sk, sk_msg_md.sk, ...)

export interface CtxField {
  readonly name: string;
  readonly offset: number;
  /** Size of the field in the UAPI struct. */
  readonly size: number;
  /** Load sizes allowed (narrower loads of scalars are allowed where the kernel allows them). */
  readonly readSizes: readonly number[];
  /** Store sizes allowed; empty = read-only. */
  readonly writeSizes: readonly number[];
  readonly type: CtxValueType;
  /**
   * Where loads narrower than the widest read size may start: anywhere aligned inside the
   * field (undefined), only at its first byte ('start'), or only inside its first N bytes
   * (a 2-byte port padded to 4: N = 2).
   */
  readonly narrow?: 'start' | number;
}

export type CtxAccessResult =
  | { ok: true; field: CtxField; type: CtxValueType }
  | { ok: false; reason: string };

export interface ProgTypeInfo {
  readonly type: ProgType;
  /** libbpf / bpftool name: `xdp`, `sched_cls`, `socket_filter`, ... */
  readonly name: string;
  /** UAPI name of the context struct (`xdp_md`, `__sk_buff`, `bpf_user_pt_regs_t`, ...). */
  readonly ctxName: string;
  readonly ctxSize: number;
  readonly fields: readonly CtxField[];
  /**
   * Bytes of the context region tsbpf allocates: the UAPI struct followed by internal
   * 64-bit slots for the pointer fields (`ptrSlots`) that rewritten loads read.
   */
  readonly ctxMemSize?: number;
  /** Internal slot offset per pointer field name (`data`, `data_end`, `data_meta`). */
  readonly ptrSlots?: Readonly<Record<string, number>>;
  /** May a program of this type (with this expected attach type) access ctx at off/size? */
  ctxAccess(off: number, size: number, write: boolean, attachType?: number): CtxAccessResult;
  /** Instructions replacing a ctx load/store (the kernel's convert_ctx_access); undefined = unchanged. */
  rewriteCtxAccess?(insn: Insn, field: CtxField): Insn[] | undefined;
  /** May this program type call helper `id`? */
  helperAllowed(id: number, attachType?: number): boolean;
  /** Direct packet access: none, read-only, or read-write. */
  readonly packetAccess: 'none' | 'read' | 'write';
  /** LD_ABS / LD_IND allowed. */
  readonly ldAbs: boolean;
  /** Allowed return values [min, max] (unsigned 32), when the kernel restricts them. */
  retRange?(attachType?: number): readonly [number, number] | undefined;
  /**
   * BPF_PROG_TEST_RUN: undefined = tsbpf runs it; otherwise the errno the kernel answers
   * (ENOTSUPP 524 for types without a test_run operation).
   */
  readonly testRunErrno?: number;
  /**
   * The expected attach types BPF_PROG_LOAD accepts for this type (bpf_prog_load_check_attach;
   * EINVAL otherwise); undefined = any.
   */
  readonly attachTypes?: readonly number[];
}
