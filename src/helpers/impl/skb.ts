// Socket-buffer helpers (tc, socket filters, cgroup_skb): load / store bytes, checksum
// replacement, VLAN push / pop, head / tail / room changes, hash. The skb is linear: its
// bytes are one buffer region that is replaced by a larger one when it must grow.

import { BpfFunc, ProgType } from '../../uapi/bpf.js';
import { Errno } from '../../uapi/errno.js';
import type { Cpu } from '../../vm/cpu.js';
import { SKB } from '../../progs/skb.js';
import { envOf, type PacketState, type RunEnv } from '../env.js';
import { syncPacket } from '../packet.js';
import { csumFrom32to16, csumPartial, csumReplace4, csumReplaceByDiff, csumSub } from './csum.js';
import type { HelperImpls } from './registry.js';
import { hiBits, memIn, memOut } from './util.js';

const ETH_P_8021Q = 0x8100;
const ETH_P_8021AD = 0x88a8;
const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;
/** loopback: mtu 65536 + hard_header_len 14 (__bpf_skb_max_len). */
const SKB_MAX_LEN = 65536 + 14;

function skbPkt(cpu: Cpu, id: number): [RunEnv, PacketState] {
  const env = envOf(cpu);
  const p = env.pkt;
  if (!p || p.kind !== 'skb') throw cpu.helperFault(`helper ${id} needs a socket buffer`);
  return [env, p];
}

function s32(cpu: Cpu, n: number): number {
  return cpu.regs[n * 2]! | 0;
}

function ctxU32(cpu: Cpu, env: RunEnv, off: number): number {
  return cpu.mem.dv.getUint32(env.ctx + off, true);
}

function setCtxU32(cpu: Cpu, env: RunEnv, off: number, v: number): void {
  cpu.mem.dv.setUint32(env.ctx + off, v >>> 0, true);
}

/** skb->protocol (network byte order value, as a number 0x0800). */
export function skbProtocol(cpu: Cpu, env: RunEnv): number {
  return cpu.mem.dv.getUint16(env.ctx + SKB.protocol, false);
}

export function setSkbProtocol(cpu: Cpu, env: RunEnv, proto: number): void {
  cpu.mem.dv.setUint32(env.ctx + SKB.protocol, 0, true);
  cpu.mem.dv.setUint16(env.ctx + SKB.protocol, proto, false);
}

/** Make room: at least `head` bytes before data and `tail` bytes after end (may move the buffer). */
function ensureRoom(cpu: Cpu, p: PacketState, head: number, tail: number): void {
  if (p.data >= head && p.cap - p.end >= tail) return;
  const HEAD = Math.max(head, 64) + 64;
  const len = p.end - p.data;
  const cap = HEAD + len + Math.max(tail, 0) + 256;
  const mem = cpu.mem;
  const nb = mem.alloc(cap, { kind: 'packet', name: 'packet' });
  const shift = HEAD - p.data;
  mem.u8.copyWithin(nb + HEAD - Math.min(p.data, HEAD), p.buf + p.data - Math.min(p.data, HEAD), p.buf + p.end);
  mem.free(p.buf);
  p.buf = nb;
  p.cap = cap;
  p.data += shift; p.end += shift; p.meta += shift; p.mac += shift; p.net += shift;
}

function loadBytes(cpu: Cpu, start: number, off: number, len: number, limit: number, to: number): number {
  const u8 = cpu.mem.u8;
  if (off < 0 || start + off + len > limit) {
    u8.fill(0, to, to + len);
    cpu.mem.markWritten(to, len);
    return -Errno.EFAULT;
  }
  u8.copyWithin(to, start + off, start + off + len);
  cpu.mem.markWritten(to, len);
  return 0;
}

/** Remove `len` bytes at offset `off` from data (moving the bytes before it forward). */
function popBytes(p: PacketState, cpu: Cpu, off: number, len: number): void {
  const u8 = cpu.mem.u8;
  u8.copyWithin(p.buf + p.data + len, p.buf + p.data, p.buf + p.data + off);
  p.data += len;
}

/** Insert `len` zero bytes at offset `off` from data (moving the bytes before it back). */
function pushBytes(p: PacketState, cpu: Cpu, off: number, len: number): void {
  ensureRoom(cpu, p, len, 0);
  const u8 = cpu.mem.u8;
  u8.copyWithin(p.buf + p.data - len, p.buf + p.data, p.buf + p.data + off);
  p.data -= len;
  u8.fill(0, p.buf + p.data + off, p.buf + p.data + off + len);
}

function vlanPresent(cpu: Cpu, env: RunEnv): boolean {
  return ctxU32(cpu, env, SKB.vlan_present) !== 0;
}

function setVlan(cpu: Cpu, env: RunEnv, proto: number, tci: number, present: boolean): void {
  setCtxU32(cpu, env, SKB.vlan_present, present ? 1 : 0);
  setCtxU32(cpu, env, SKB.vlan_tci, present ? tci & 0xffff : 0);
  cpu.mem.dv.setUint32(env.ctx + SKB.vlan_proto, 0, true);
  if (present) cpu.mem.dv.setUint16(env.ctx + SKB.vlan_proto, proto, false);
}

/** __skb_vlan_pop: remove the in-band tag after the MAC addresses; returns its tci. */
function inbandPop(cpu: Cpu, env: RunEnv, p: PacketState): number {
  const dv = cpu.mem.dv;
  const at = p.buf + p.mac;
  const tci = dv.getUint16(at + 14, false);
  const inner = dv.getUint16(at + 16, false);
  // move the 12 MAC address bytes forward by 4
  cpu.mem.u8.copyWithin(at + 4, at, at + 12);
  p.mac += 4;
  if (p.data < p.mac) p.data = p.mac;
  setSkbProtocol(cpu, env, inner);
  return tci;
}

/** __vlan_insert_tag: put a tag into the frame after the MAC addresses. */
function inbandPush(cpu: Cpu, p: PacketState, proto: number, tci: number): void {
  ensureRoom(cpu, p, 4, 0);
  const at = p.buf + p.mac;
  cpu.mem.u8.copyWithin(at - 4, at, at + 12);
  p.mac -= 4;
  if (p.data > p.mac) p.data = p.mac;
  const dv = cpu.mem.dv;
  dv.setUint16(p.buf + p.mac + 12, proto, false);
  dv.setUint16(p.buf + p.mac + 14, tci, false);
}

/** A flow hash of the frame (deterministic; the kernel's uses a boot-time random key). */
function flowHash(cpu: Cpu, p: PacketState, seed: number): number {
  const b = cpu.mem.u8.subarray(p.buf + p.net, p.buf + p.end);
  let h = (seed ^ 0x9e3779b9) >>> 0;
  const take = (i: number, n: number): void => { for (let k = 0; k < n && i + k < b.length; k++) { h = Math.imul(h ^ b[i + k]!, 0x01000193) >>> 0; } };
  if (b.length >= 20 && b[0]! >> 4 === 4) {
    const ihl = (b[0]! & 15) * 4;
    take(12, 8); take(9, 1);
    if (b[9] === 6 || b[9] === 17) take(ihl, 4);
  } else if (b.length >= 40 && b[0]! >> 4 === 6) {
    take(8, 32); take(6, 1);
    if (b[6] === 6 || b[6] === 17) take(40, 4);
  } else take(0, Math.min(b.length, 64));
  return h === 0 ? 1 : h;
}

export const skbHelpers: HelperImpls = {
  [BpfFunc.skb_load_bytes]: (cpu) => {
    const [env, p] = skbPkt(cpu, BpfFunc.skb_load_bytes);
    const len = cpu.u32(4);
    const to = memOut(cpu, BpfFunc.skb_load_bytes, 3, len);
    if (env.prog.info.type === ProgType.FLOW_DISSECTOR) {
      // bpf_flow_dissector_load_bytes reads through ctx->skb, which a test run does not have
      cpu.mem.u8.fill(0, to, to + len); cpu.mem.markWritten(to, len);
      return cpu.ret(-Errno.EFAULT);
    }
    const off = s32(cpu, 2);
    cpu.ret(loadBytes(cpu, p.buf + p.data, off, len, p.buf + p.end, to));
  },
  [BpfFunc.skb_load_bytes_relative]: (cpu) => {
    const [, p] = skbPkt(cpu, BpfFunc.skb_load_bytes_relative);
    const len = cpu.u32(4);
    const to = memOut(cpu, BpfFunc.skb_load_bytes_relative, 3, len);
    const off = cpu.u32(2);
    const hdr = cpu.num(5);
    if (off > 0xffff || (hdr !== 0 && hdr !== 1)) {
      cpu.mem.u8.fill(0, to, to + len); cpu.mem.markWritten(to, len);
      return cpu.ret(-Errno.EFAULT);
    }
    const start = p.buf + (hdr === 0 ? p.mac : p.net);
    cpu.ret(loadBytes(cpu, start, off, len, p.buf + p.end, to));
  },
  [BpfFunc.skb_store_bytes]: (cpu) => {
    const [env, p] = skbPkt(cpu, BpfFunc.skb_store_bytes);
    const len = cpu.u32(4);
    const from = memIn(cpu, BpfFunc.skb_store_bytes, 3, len);
    const off = cpu.u32(2);
    const flags = cpu.num(5);
    if (hiBits(cpu, 5) || flags & ~(1 | 2 | 4)) return cpu.ret(-Errno.EINVAL);
    if (off > 0x7fffffff || off + len > p.end - p.data) return cpu.ret(-Errno.EFAULT);
    cpu.mem.u8.copyWithin(p.buf + p.data + off, from, from + len);
    if (flags & 2) setCtxU32(cpu, env, SKB.hash, 0);
    syncPacket(cpu, env);
    cpu.ret(0);
  },
  [BpfFunc.l3_csum_replace]: (cpu) => {
    const [env, p] = skbPkt(cpu, BpfFunc.l3_csum_replace);
    const off = cpu.u32(2), from = cpu.u32(3), to = cpu.u32(4), flags = cpu.num(5);
    if (hiBits(cpu, 5) || flags & ~0xf) return cpu.ret(-Errno.EINVAL);
    if (off > 0xffff || off & 1) return cpu.ret(-Errno.EFAULT);
    if (off + 2 > p.end - p.data) return cpu.ret(-Errno.EFAULT);
    const at = p.buf + p.data + off;
    const dv = cpu.mem.dv;
    const sum = dv.getUint16(at, true);
    let r: number;
    switch (flags & 0xf) {
      case 0: if (from !== 0) return cpu.ret(-Errno.EINVAL); r = csumReplaceByDiff(sum, to); break;
      case 2: r = csumReplace4(sum, from & 0xffff, to & 0xffff); break;
      case 4: r = csumReplace4(sum, from, to); break;
      default: return cpu.ret(-Errno.EINVAL);
    }
    dv.setUint16(at, r, true);
    syncPacket(cpu, env);
    cpu.ret(0);
  },
  [BpfFunc.l4_csum_replace]: (cpu) => {
    const [env, p] = skbPkt(cpu, BpfFunc.l4_csum_replace);
    const off = cpu.u32(2), from = cpu.u32(3), to = cpu.u32(4), flags = cpu.num(5);
    // BPF_F_HDR_FIELD_MASK 0xf, PSEUDO_HDR 0x10, MARK_MANGLED_0 0x20, MARK_ENFORCE 0x40, IPV6 0x80
    if (hiBits(cpu, 5) || flags & ~(0xf | 0x10 | 0x20 | 0x40 | 0x80)) return cpu.ret(-Errno.EINVAL);
    if (off > 0xffff || off & 1) return cpu.ret(-Errno.EFAULT);
    if (off + 2 > p.end - p.data) return cpu.ret(-Errno.EFAULT);
    const at = p.buf + p.data + off;
    const dv = cpu.mem.dv;
    const sum = dv.getUint16(at, true);
    const mmzero = (flags & 0x20) !== 0, force = (flags & 0x40) !== 0;
    if (mmzero && !force && sum === 0) return cpu.ret(0);
    let r: number;
    switch (flags & 0xf) {
      case 0: if (from !== 0) return cpu.ret(-Errno.EINVAL); r = csumReplaceByDiff(sum, to); break;
      case 2: r = csumReplace4(sum, from & 0xffff, to & 0xffff); break;
      case 4: r = csumReplace4(sum, from, to); break;
      default: return cpu.ret(-Errno.EINVAL);
    }
    if (mmzero && r === 0) r = 0xffff;
    dv.setUint16(at, r, true);
    syncPacket(cpu, env);
    cpu.ret(0);
  },
  [BpfFunc.csum_diff]: (cpu) => {
    const fromSize = cpu.u32(2), toSize = cpu.u32(4);
    const seed = cpu.u32(5);
    if (((fromSize | toSize) & 3) !== 0 || fromSize + toSize > 512) return cpu.ret(-Errno.EINVAL);
    const from = fromSize ? cpu.mem.u8.slice(memIn(cpu, BpfFunc.csum_diff, 1, fromSize), memIn(cpu, BpfFunc.csum_diff, 1, fromSize) + fromSize) : new Uint8Array(0);
    const to = toSize ? cpu.mem.u8.slice(memIn(cpu, BpfFunc.csum_diff, 3, toSize), memIn(cpu, BpfFunc.csum_diff, 3, toSize) + toSize) : new Uint8Array(0);
    let ret = seed;
    if (fromSize && toSize) ret = csumSub(csumPartial(to, ret), csumPartial(from, 0));
    else if (toSize) ret = csumPartial(to, ret);
    else if (fromSize) ret = ~csumPartial(from, ~ret >>> 0) >>> 0;
    cpu.ret(csumFrom32to16(ret));
  },
  [BpfFunc.csum_update]: (cpu) => {
    // CHECKSUM_COMPLETE is not modelled: the kernel returns the (unchanged) csum otherwise
    skbPkt(cpu, BpfFunc.csum_update);
    cpu.ret(-Errno.ENOTSUPP);
  },
  [BpfFunc.csum_level]: (cpu) => {
    skbPkt(cpu, BpfFunc.csum_level);
    const level = cpu.num(2);
    // BPF_CSUM_LEVEL_QUERY returns -EACCES unless CHECKSUM_UNNECESSARY; INC/DEC/RESET succeed
    if (level === 0) return cpu.ret(-Errno.EACCES);
    cpu.ret(level <= 3 ? 0 : -Errno.EINVAL);
  },
  [BpfFunc.skb_vlan_push]: (cpu) => {
    const [env, p] = skbPkt(cpu, BpfFunc.skb_vlan_push);
    const raw = cpu.u32(2) & 0xffff;
    let proto = ((raw & 0xff) << 8) | (raw >> 8);
    const tci = cpu.u32(3) & 0xffff;
    if (proto !== ETH_P_8021Q && proto !== ETH_P_8021AD) proto = ETH_P_8021Q;
    if (vlanPresent(cpu, env)) {
      const oldProto = cpu.mem.dv.getUint16(env.ctx + SKB.vlan_proto, false);
      inbandPush(cpu, p, oldProto, ctxU32(cpu, env, SKB.vlan_tci));
      setSkbProtocol(cpu, env, oldProto);
    }
    setVlan(cpu, env, proto, tci, true);
    syncPacket(cpu, env);
    cpu.ret(0);
  },
  [BpfFunc.skb_vlan_pop]: (cpu) => {
    const [env, p] = skbPkt(cpu, BpfFunc.skb_vlan_pop);
    const isVlan = (x: number): boolean => x === ETH_P_8021Q || x === ETH_P_8021AD;
    if (vlanPresent(cpu, env)) setVlan(cpu, env, 0, 0, false);
    else if (!isVlan(skbProtocol(cpu, env))) return cpu.ret(0);
    else inbandPop(cpu, env, p);
    const proto = skbProtocol(cpu, env);
    if (isVlan(proto)) {
      const tci = inbandPop(cpu, env, p);
      setVlan(cpu, env, proto, tci, true);
    }
    syncPacket(cpu, env);
    cpu.ret(0);
  },
  [BpfFunc.skb_change_tail]: (cpu) => {
    const [env, p] = skbPkt(cpu, BpfFunc.skb_change_tail);
    const newLen = cpu.u32(2), flags = cpu.num(3);
    const minLen = p.net - p.data;
    if (flags || newLen > SKB_MAX_LEN || newLen < minLen) return cpu.ret(-Errno.EINVAL);
    const len = p.end - p.data;
    if (newLen > len) {
      ensureRoom(cpu, p, 0, newLen - len);
      cpu.mem.u8.fill(0, p.buf + p.end, p.buf + p.data + newLen);
    }
    p.end = p.data + newLen;
    syncPacket(cpu, env);
    cpu.ret(0);
  },
  [BpfFunc.skb_change_head]: (cpu) => {
    const [env, p] = skbPkt(cpu, BpfFunc.skb_change_head);
    const room = cpu.u32(2), flags = cpu.num(3);
    const len = p.end - p.data;
    if (flags || len + room > SKB_MAX_LEN || len + room < len) return cpu.ret(-Errno.EINVAL);
    ensureRoom(cpu, p, room, 0);
    p.data -= room;
    cpu.mem.u8.fill(0, p.buf + p.data, p.buf + p.data + room);
    p.mac = p.data;
    syncPacket(cpu, env);
    cpu.ret(0);
  },
  [BpfFunc.skb_adjust_room]: (cpu) => {
    const [env, p] = skbPkt(cpu, BpfFunc.skb_adjust_room);
    const diff = s32(cpu, 2), mode = cpu.u32(3), flags = cpu.u64(4);
    // BPF_F_ADJ_ROOM_MASK (FIXED_GSO 1, ENCAP_L3_IPV4 2, ENCAP_L3_IPV6 4, ENCAP_L4_GRE 8,
    // ENCAP_L4_UDP 16, ENCAP_L2_ETH 64, DECAP_L3_IPV4 128, DECAP_L3_IPV6 256, ENCAP_L2 len<<56) | NO_CSUM_RESET 32
    const allowed = 0xff000000000001ffn | 0x20n;
    if (flags & ~allowed) return cpu.ret(-Errno.EINVAL);
    const abs = Math.abs(diff);
    if (abs > 0xfff) return cpu.ret(-Errno.EFAULT);
    const proto = skbProtocol(cpu, env);
    if (proto !== ETH_P_IP && proto !== ETH_P_IPV6) return cpu.ret(-Errno.ENOTSUPP);
    const base = proto === ETH_P_IP ? 20 : 40;
    let off = p.net - p.mac;
    if (mode === 0) off += base;
    else if (mode !== 1) return cpu.ret(-Errno.ENOTSUPP);
    const shrink = diff < 0;
    if ((flags & 0x180n) && !shrink) return cpu.ret(-Errno.EINVAL);
    const lenCur = p.end - p.net;
    if (shrink && (abs >= lenCur || lenCur - abs < base)) return cpu.ret(-Errno.ENOTSUPP);
    if (!shrink && p.end - p.data + abs > 16 * 1024 * 1024) return cpu.ret(-Errno.ENOTSUPP);
    const dataOff = off + (p.mac - p.data);
    if (shrink) {
      if (dataOff + abs > p.end - p.data) return cpu.ret(-Errno.EFAULT);
      popBytes(p, cpu, dataOff, abs);
      p.mac += abs; p.net += abs;
    } else {
      pushBytes(p, cpu, dataOff, abs);
      p.mac -= abs; p.net -= abs;
    }
    syncPacket(cpu, env);
    cpu.ret(0);
  },
  [BpfFunc.skb_pull_data]: (cpu) => {
    const [env, p] = skbPkt(cpu, BpfFunc.skb_pull_data);
    const len = cpu.u32(2);
    if (len > p.end - p.data) return cpu.ret(-Errno.ENOMEM);
    syncPacket(cpu, env);
    cpu.ret(0);
  },
  [BpfFunc.skb_change_proto]: (cpu) => {
    const [env, p] = skbPkt(cpu, BpfFunc.skb_change_proto);
    const raw = cpu.u32(2) & 0xffff;
    const to = ((raw & 0xff) << 8) | (raw >> 8);
    if (cpu.u64(3) !== 0n) return cpu.ret(-Errno.EINVAL);
    const from = skbProtocol(cpu, env);
    const diff = 20; // sizeof(ipv6hdr) - sizeof(iphdr)
    const off = p.net - p.mac + (p.mac - p.data);
    if (from === ETH_P_IP && to === ETH_P_IPV6) {
      pushBytes(p, cpu, off, diff);
      p.mac -= diff; p.net -= diff;
    } else if (from === ETH_P_IPV6 && to === ETH_P_IP) {
      if (off + diff > p.end - p.data) return cpu.ret(-Errno.EFAULT);
      popBytes(p, cpu, off, diff);
      p.mac += diff; p.net += diff;
    } else {
      return cpu.ret(-Errno.ENOTSUPP);
    }
    setSkbProtocol(cpu, env, to);
    setCtxU32(cpu, env, SKB.hash, 0);
    syncPacket(cpu, env);
    cpu.ret(0);
  },
  [BpfFunc.skb_change_type]: (cpu) => {
    const [env] = skbPkt(cpu, BpfFunc.skb_change_type);
    const t = cpu.u32(2);
    // only PACKET_HOST..PACKET_OTHERHOST, from and to a host-type packet
    const cur = ctxU32(cpu, env, SKB.pkt_type);
    if (t > 3 || cur > 3) return cpu.ret(-Errno.EINVAL);
    setCtxU32(cpu, env, SKB.pkt_type, t);
    cpu.ret(0);
  },
  [BpfFunc.get_hash_recalc]: (cpu) => {
    const [env, p] = skbPkt(cpu, BpfFunc.get_hash_recalc);
    let h = ctxU32(cpu, env, SKB.hash);
    if (h === 0) { h = flowHash(cpu, p, env.runtime.rngState); setCtxU32(cpu, env, SKB.hash, h); }
    cpu.ret(h);
  },
  [BpfFunc.set_hash]: (cpu) => {
    const [env] = skbPkt(cpu, BpfFunc.set_hash);
    setCtxU32(cpu, env, SKB.hash, cpu.u32(2));
    cpu.ret(0);
  },
  [BpfFunc.set_hash_invalid]: (cpu) => {
    const [env] = skbPkt(cpu, BpfFunc.set_hash_invalid);
    setCtxU32(cpu, env, SKB.hash, 0);
    cpu.ret(0);
  },
  [BpfFunc.get_cgroup_classid]: (cpu) => { skbPkt(cpu, BpfFunc.get_cgroup_classid); cpu.ret(0); },
  [BpfFunc.skb_cgroup_classid]: (cpu) => { skbPkt(cpu, BpfFunc.skb_cgroup_classid); cpu.ret(0); },
  [BpfFunc.get_route_realm]: (cpu) => { skbPkt(cpu, BpfFunc.get_route_realm); cpu.ret(0); },
  [BpfFunc.get_socket_uid]: (cpu) => { skbPkt(cpu, BpfFunc.get_socket_uid); cpu.ret(envOf(cpu).runtime.task.uid); },
  [BpfFunc.get_socket_cookie]: (cpu) => { skbPkt(cpu, BpfFunc.get_socket_cookie); cpu.ret(0); },
  [BpfFunc.skb_ecn_set_ce]: (cpu) => { skbPkt(cpu, BpfFunc.skb_ecn_set_ce); cpu.ret(0); },
};

