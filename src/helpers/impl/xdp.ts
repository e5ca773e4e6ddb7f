// XDP helpers: head / tail / metadata adjustment, load / store bytes (over fragments too),
// buffer length; redirect and redirect_map (shared with tc, which has its own semantics).

import { BpfFunc } from '../../uapi/bpf.js';
import { ProgType } from '../../uapi/bpf.js';
import { Errno } from '../../uapi/errno.js';
import type { Cpu } from '../../vm/cpu.js';
import { envOf, type PacketState } from '../env.js';
import { syncPacket } from '../packet.js';
import type { HelperImpls } from './registry.js';
import { u32Key } from './scratch.js';
import { hiBits, memIn, memOut } from './util.js';

/** sizeof(struct xdp_frame): the start of the headroom is reserved for it. */
export const XDP_FRAME_SIZE = 40;
const ETH_HLEN = 14;

function xdpPkt(cpu: Cpu, id: number): PacketState {
  const p = envOf(cpu).pkt;
  if (!p || p.kind !== 'xdp') throw cpu.helperFault(`helper ${id} needs an XDP packet`);
  return p;
}

function s32(cpu: Cpu, n: number): number {
  return cpu.regs[n * 2]! | 0;
}

/** Copy between the frame (linear part then fragments) and memory; -errno or 0. */
function xdpBytes(cpu: Cpu, p: PacketState, off: number, a: number, len: number, write: boolean): number {
  if (off > 0xffff || len > 0xffff) return -Errno.EFAULT;
  const linear = p.end - p.data;
  if (off + len > linear + p.frags.length) return -Errno.EINVAL;
  const u8 = cpu.mem.u8;
  for (let i = 0; i < len; i++) {
    const o = off + i;
    if (o < linear) {
      if (write) u8[p.buf + p.data + o] = u8[a + i]!; else u8[a + i] = u8[p.buf + p.data + o]!;
    } else if (write) p.frags[o - linear] = u8[a + i]!;
    else u8[a + i] = p.frags[o - linear]!;
  }
  if (!write) cpu.mem.markWritten(a, len);
  return 0;
}

export const xdpHelpers: HelperImpls = {
  [BpfFunc.xdp_adjust_head]: (cpu) => {
    const env = envOf(cpu);
    const p = xdpPkt(cpu, BpfFunc.xdp_adjust_head);
    const off = s32(cpu, 2);
    const metalen = p.data - p.meta;
    const data = p.data + off;
    if (data < XDP_FRAME_SIZE + metalen || data > p.end - ETH_HLEN) return cpu.ret(-Errno.EINVAL);
    if (metalen) cpu.mem.u8.copyWithin(p.buf + p.meta + off, p.buf + p.meta, p.buf + p.meta + metalen);
    p.meta += off;
    p.data = data;
    syncPacket(cpu, env);
    cpu.ret(0);
  },
  [BpfFunc.xdp_adjust_meta]: (cpu) => {
    const env = envOf(cpu);
    const p = xdpPkt(cpu, BpfFunc.xdp_adjust_meta);
    const meta = p.meta + s32(cpu, 2);
    const metalen = p.data - meta;
    if (meta < XDP_FRAME_SIZE || meta > p.data) return cpu.ret(-Errno.EINVAL);
    // xdp_metalen_invalid: 4-aligned and at most 255 (skb_shared_info.meta_len is a u8)
    if ((metalen & 3) !== 0 || metalen > 255) return cpu.ret(-Errno.EACCES);
    p.meta = meta;
    syncPacket(cpu, env);
    cpu.ret(0);
  },
  [BpfFunc.xdp_adjust_tail]: (cpu) => {
    const env = envOf(cpu);
    const p = xdpPkt(cpu, BpfFunc.xdp_adjust_tail);
    const off = s32(cpu, 2);
    if (p.frags.length > 0) {
      // shrink or grow the last fragment
      const n = p.frags.length + off;
      if (n < 0 || off > 0 && n > 4096 * 17) return cpu.ret(-Errno.EINVAL);
      const f = new Uint8Array(n);
      f.set(p.frags.subarray(0, Math.min(n, p.frags.length)));
      p.frags = f;
      return cpu.ret(0);
    }
    const end = p.end + off;
    if (end > p.limit) return cpu.ret(-Errno.EINVAL);
    if (end < p.data + ETH_HLEN) return cpu.ret(-Errno.EINVAL);
    if (off > 0) cpu.mem.u8.fill(0, p.buf + p.end, p.buf + end);
    p.end = end;
    syncPacket(cpu, env);
    cpu.ret(0);
  },
  [BpfFunc.xdp_get_buff_len]: (cpu) => {
    const p = xdpPkt(cpu, BpfFunc.xdp_get_buff_len);
    cpu.ret(p.end - p.data + p.frags.length);
  },
  [BpfFunc.xdp_load_bytes]: (cpu) => {
    const p = xdpPkt(cpu, BpfFunc.xdp_load_bytes);
    const len = cpu.u32(4);
    const a = memOut(cpu, BpfFunc.xdp_load_bytes, 3, len);
    cpu.ret(xdpBytes(cpu, p, cpu.u32(2), a, len, false));
  },
  [BpfFunc.xdp_store_bytes]: (cpu) => {
    const p = xdpPkt(cpu, BpfFunc.xdp_store_bytes);
    const len = cpu.u32(4);
    const a = memIn(cpu, BpfFunc.xdp_store_bytes, 3, len);
    cpu.ret(xdpBytes(cpu, p, cpu.u32(2), a, len, true));
  },
  [BpfFunc.redirect]: (cpu) => {
    const env = envOf(cpu);
    const ifindex = cpu.u32(1);
    const flags = cpu.num(2);
    if (env.prog.info.type === ProgType.XDP) {
      if (flags !== 0) return cpu.ret(0); // XDP_ABORTED
      env.redirect = { ifindex, flags: 0 };
      return cpu.ret(4); // XDP_REDIRECT
    }
    if (hiBits(cpu, 2) || flags & ~1) return cpu.ret(2); // TC_ACT_SHOT
    env.redirect = { ifindex, flags };
    cpu.ret(7); // TC_ACT_REDIRECT
  },
  [BpfFunc.redirect_map]: (cpu) => {
    const env = envOf(cpu);
    const m = env.runtime.mapByAddr(cpu.addr(1));
    if (!m) throw cpu.helperFault('bpf_redirect_map: R1 is not a map pointer');
    const key = cpu.u32(2);
    const flags = cpu.num(3);
    // BPF_F_ACTION_MASK (3) | BPF_F_BROADCAST (8) | BPF_F_EXCLUDE_INGRESS (16)
    if (hiBits(cpu, 3) || flags & ~(3 | 8 | 16)) return cpu.ret(0);
    let ifindex: number | undefined;
    if ((flags & 8) === 0) {
      const rm = m as unknown as { redirectTarget?(k: number): { type: string; target: number } | undefined };
      const t = rm.redirectTarget ? rm.redirectTarget(key) : undefined;
      const found = rm.redirectTarget ? t !== undefined : m.lookupAddr(u32Key(env.runtime, key)) !== 0;
      if (!found) return cpu.ret(flags & 3);
      if (t?.type === 'dev') ifindex = t.target;
    }
    env.redirect = { map: m.id, key, flags, ...(ifindex !== undefined ? { ifindex } : {}) };
    cpu.ret(4);
  },
};
