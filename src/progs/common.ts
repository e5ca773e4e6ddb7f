// Shared construction of the program types whose context is a fixed UAPI struct and whose
// rules may depend on the expected attach type (cgroup socket hooks, sock_ops, sk_msg,
// sk_lookup, sk_reuseport, cgroup device / sysctl / sockopt): the fields per attach type,
// the helper set per attach type (the kernel's base list for the type adjusted by the
// attach-type switches of its func_proto), the return range per attach type.
// Checked against testdata/runtime/kernel-ctx-more.json (src/progs/progs-more.test.ts).

import type { ProgType } from '../uapi/bpf.js';
import { Errno } from '../uapi/errno.js';
import { KERNEL_HELPER_ACCESS } from './helper-access.js';
import { checkAccess, parseRanges } from './ctx.js';
import type { CtxField, ProgTypeInfo } from './types.js';

/** bpf_get_retval / bpf_set_retval. */
export const FUNC_GET_RETVAL = 186;
export const FUNC_SET_RETVAL = 187;

/**
 * cgroup_common_func_proto: get_retval / set_retval exist for every cgroup hook except
 * these attach types (0 = BPF_CGROUP_INET_INGRESS is also what "no attach type" means).
 */
const NO_RETVAL = new Set([0, 1, 3, 19, 20, 51, 29, 30, 52, 31, 32, 53]);
export const retvalHelpers = (attach: number): boolean => !NO_RETVAL.has(attach);

export interface SimpleInfo {
  type: ProgType;
  name: string;
  ctxName: string;
  ctxSize: number;
  /** Attach type assumed when the program has none (the kernel's load-time fixup). */
  defaultAttach?: number;
  /** Fields visible with this attach type. */
  fields(attach: number): readonly CtxField[];
  /** Adjust the kernel's base helper set for an attach type: true/false overrides, undefined keeps. */
  helper?(id: number, attach: number): boolean | undefined;
  packetAccess?: 'none' | 'read' | 'write';
  retRange?(attach: number): readonly [number, number] | undefined;
  /** BPF_PROG_TEST_RUN errno (default ENOTSUPP: the type has no test_run operation). */
  testRunErrno?: number | null;
  /** Expected attach types the kernel loads this type with (undefined = any). */
  attachTypes?: readonly number[];
}

export function simpleInfo(d: SimpleInfo): ProgTypeInfo {
  const base = parseRanges(KERNEL_HELPER_ACCESS.get(d.type)!.allowed);
  const att = (a?: number): number => a || d.defaultAttach || 0;
  const all = d.fields(att());
  const info: ProgTypeInfo = {
    type: d.type, name: d.name, ctxName: d.ctxName, ctxSize: d.ctxSize, fields: all,
    ctxMemSize: d.ctxSize, ptrSlots: {},
    ctxAccess: (off: number, size: number, write: boolean, attachType?: number) =>
      checkAccess(d.fields(att(attachType)), d.ctxName, off, size, write),
    helperAllowed: (id: number, attachType?: number) => d.helper?.(id, att(attachType)) ?? base.has(id),
    packetAccess: d.packetAccess ?? 'none',
    ldAbs: false,
    retRange: (attachType?: number) => d.retRange?.(att(attachType)),
  };
  const errno = d.testRunErrno === undefined ? Errno.ENOTSUPP : d.testRunErrno;
  return Object.freeze({
    ...info,
    ...(errno === null ? {} : { testRunErrno: errno }),
    ...(d.attachTypes ? { attachTypes: Object.freeze([...d.attachTypes]) } : {}),
  });
}
