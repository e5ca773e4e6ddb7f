// Tracing program types, run on a context the caller supplies as bytes:
//  - kprobe: struct pt_regs (x86-64 layout, 168 bytes), any aligned load;
//  - tracepoint: the trace event record; the first 8 bytes (common fields) are not
//    accessible, anything aligned up to PERF_MAX_TRACE_SIZE (2048) is;
//  - raw_tracepoint: struct bpf_raw_tracepoint_args, u64 args[MAX_BPF_FUNC_ARGS = 12];
//  - perf_event: struct bpf_perf_event_data { regs (8-byte loads only); u64 sample_period; u64 addr }.
// All are read-only. Checked against testdata/runtime/kernel-ctx.json.

import { ProgType } from '../uapi/bpf.js';
import { KERNEL_HELPER_ACCESS } from './helper-access.js';
import { checkAccess, field, NARROW8, parseRanges } from './ctx.js';
import type { CtxField, ProgTypeInfo } from './types.js';

/** x86-64 struct pt_regs field names in order (8 bytes each). */
export const PT_REGS = [
  'r15', 'r14', 'r13', 'r12', 'bp', 'bx', 'r11', 'r10', 'r9', 'r8', 'ax', 'cx', 'dx', 'si', 'di',
  'orig_ax', 'ip', 'cs', 'flags', 'sp', 'ss',
] as const;

const ptRegs = (sizes: readonly number[]): CtxField[] => PT_REGS.map((n, i) => field(n, i * 8, 8, sizes));

function tracingInfo(type: ProgType, name: string, ctxName: string, ctxSize: number, fields: CtxField[]): ProgTypeInfo {
  const helpers = parseRanges(KERNEL_HELPER_ACCESS.get(type)!.allowed);
  return Object.freeze({
    type, name, ctxName, ctxSize, fields, ctxMemSize: ctxSize, ptrSlots: {},
    ctxAccess: (off: number, size: number, write: boolean) =>
      write ? { ok: false as const, reason: `invalid bpf_context access off=${off} size=${size}` } : checkAccess(fields, ctxName, off, size, false),
    helperAllowed: (id: number) => helpers.has(id),
    packetAccess: 'none',
    ldAbs: false,
    retRange: () => undefined,
  } satisfies ProgTypeInfo);
}

export const KPROBE_INFO = tracingInfo(ProgType.KPROBE, 'kprobe', 'bpf_user_pt_regs_t', 168, ptRegs(NARROW8));
export const TRACEPOINT_INFO = tracingInfo(ProgType.TRACEPOINT, 'tracepoint', 'trace_event_raw', 2048,
  [field('data', 8, 2040, NARROW8)]);
export const RAW_TRACEPOINT_INFO = tracingInfo(ProgType.RAW_TRACEPOINT, 'raw_tracepoint', 'bpf_raw_tracepoint_args', 96,
  Array.from({ length: 12 }, (_, i) => field(`args[${i}]`, i * 8, 8, NARROW8)));
export const PERF_EVENT_INFO = tracingInfo(ProgType.PERF_EVENT, 'perf_event', 'bpf_perf_event_data', 184,
  [...ptRegs([8]), field('sample_period', 168, 8, NARROW8), field('addr', 176, 8, NARROW8)]);
