// struct xdp_md (24 bytes): data, data_end, data_meta (pointers the kernel materialises from
// struct xdp_buff), ingress_ifindex, rx_queue_index, egress_ifindex (devmap programs only).
// Loads only, 4 bytes only (testdata/runtime/kernel-ctx.json).

import { AttachType, ProgType } from '../uapi/bpf.js';
import { KERNEL_HELPER_ACCESS } from './helper-access.js';
import { checkAccess, field, parseRanges, ptrSlot, rewritePtrLoad } from './ctx.js';
import type { CtxField, ProgTypeInfo } from './types.js';

export const XDP_CTX_SIZE = 24;
export const XDP_PTR_FIELDS = ['data', 'data_end', 'data_meta'] as const;
export const XDP_SLOT_DATA = ptrSlot(XDP_CTX_SIZE, XDP_PTR_FIELDS, 'data');
export const XDP_SLOT_DATA_END = ptrSlot(XDP_CTX_SIZE, XDP_PTR_FIELDS, 'data_end');
export const XDP_SLOT_DATA_META = ptrSlot(XDP_CTX_SIZE, XDP_PTR_FIELDS, 'data_meta');
export const XDP_CTX_MEM = XDP_SLOT_DATA_META + 8;

export const XDP = { data: 0, data_end: 4, data_meta: 8, ingress_ifindex: 12, rx_queue_index: 16, egress_ifindex: 20 } as const;

/** The five XDP actions. */
export const XdpAction = { ABORTED: 0, DROP: 1, PASS: 2, TX: 3, REDIRECT: 4 } as const;

const BASE: CtxField[] = [
  field('data', 0, 4, [4], [], 'pkt'),
  field('data_end', 4, 4, [4], [], 'pkt_end'),
  field('data_meta', 8, 4, [4], [], 'pkt_meta'),
  field('ingress_ifindex', 12, 4, [4]),
  field('rx_queue_index', 16, 4, [4]),
];
const DEVMAP: CtxField[] = [...BASE, field('egress_ifindex', 20, 4, [4])];

const helpers = parseRanges(KERNEL_HELPER_ACCESS.get(ProgType.XDP)!.allowed);
const slots: Record<string, number> = { data: XDP_SLOT_DATA, data_end: XDP_SLOT_DATA_END, data_meta: XDP_SLOT_DATA_META };

export const XDP_INFO: ProgTypeInfo = Object.freeze({
  type: ProgType.XDP, name: 'xdp', ctxName: 'xdp_md', ctxSize: XDP_CTX_SIZE, fields: DEVMAP,
  ctxMemSize: XDP_CTX_MEM, ptrSlots: slots,
  ctxAccess: (off: number, size: number, write: boolean, attachType?: number) =>
    checkAccess(attachType === AttachType.XDP_DEVMAP ? DEVMAP : BASE, 'xdp_md', off, size, write),
  rewriteCtxAccess: (insn, f) => (f.type === 'scalar' ? undefined : rewritePtrLoad(insn, slots[f.name]!)),
  helperAllowed: (id: number) => helpers.has(id),
  packetAccess: 'write',
  ldAbs: false,
  retRange: () => undefined,
} satisfies ProgTypeInfo);
