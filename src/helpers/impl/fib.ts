// bpf_fib_lookup against the route table the caller gives the runtime (runtime.routes,
// runtime.devices): longest-prefix match, route types, gateway rewrite, neighbour MAC,
// MTU check, with struct bpf_fib_lookup's layout and the kernel's return codes.

import { BpfFunc } from '../../uapi/bpf.js';
import { Errno } from '../../uapi/errno.js';
import type { Route } from '../../runtime/runtime.js';
import { envOf } from '../env.js';
import type { HelperImpls } from './registry.js';
import { hiBits, memOut } from './util.js';

export const FibResult = {
  SUCCESS: 0, BLACKHOLE: 1, UNREACHABLE: 2, PROHIBIT: 3, NOT_FWDED: 4, FWD_DISABLED: 5,
  UNSUPP_LWT: 6, NO_NEIGH: 7, FRAG_NEEDED: 8, NO_SRC_ADDR: 9,
} as const;

const SIZEOF_PARAMS = 64;
const AF_INET = 2, AF_INET6 = 10;
/** DIRECT | OUTPUT | SKIP_NEIGH | TBID | SRC | MARK */
const ALL_FLAGS = 1 | 2 | 4 | 8 | 16 | 32;
const SKIP_NEIGH = 4;

function parseAddr(family: 'inet' | 'inet6', s: string): Uint8Array {
  if (family === 'inet') return Uint8Array.from(s.split('.').map(Number));
  const [h, t] = s.includes('::') ? s.split('::') as [string, string] : [s, undefined];
  const head = h ? h.split(':') : [];
  const tail = t !== undefined && t ? t.split(':') : [];
  const groups = t !== undefined ? [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail] : head;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => { const v = parseInt(g, 16); out[i * 2] = v >> 8; out[i * 2 + 1] = v & 0xff; });
  return out;
}

function prefixMatch(addr: Uint8Array, net: Uint8Array, len: number): boolean {
  for (let bit = 0; bit < len; bit++) {
    const m = 0x80 >> (bit & 7);
    if ((addr[bit >> 3]! & m) !== (net[bit >> 3]! & m)) return false;
  }
  return true;
}

export function fibLookupRoute(routes: readonly Route[], family: 'inet' | 'inet6', dst: Uint8Array): Route | undefined {
  let best: Route | undefined;
  for (const r of routes) {
    if (r.family !== family) continue;
    if (!prefixMatch(dst, parseAddr(family, r.dst), r.prefixLen)) continue;
    if (!best || r.prefixLen > best.prefixLen) best = r;
  }
  return best;
}

/** BPF_MTU_CHK_RET_* */
export const MtuResult = { SUCCESS: 0, FRAG_NEEDED: 1, SEGS_TOOBIG: 2 } as const;

export const fibHelpers: HelperImpls = {
  [BpfFunc.check_mtu]: (cpu) => {
    const env = envOf(cpu);
    const rt = env.runtime;
    const p = env.pkt;
    if (!p) throw cpu.helperFault('bpf_check_mtu needs a packet');
    const mtuAddr = memOut(cpu, BpfFunc.check_mtu, 3, 4);
    const ifindex = cpu.u32(2);
    const lenDiff = cpu.regs[8]! | 0; // s32 len_diff
    const flags = cpu.u64(5);
    const xdp = p.kind === 'xdp';
    // BPF_MTU_CHK_SEGS (1) only for skbs
    if (xdp ? flags !== 0n : (flags & ~1n) !== 0n) return cpu.ret(-Errno.EINVAL);
    const dev = ifindex === 0 ? rt.device(xdp ? cpu.mem.dv.getUint32(env.ctx + 12, true) || 1 : cpu.mem.dv.getUint32(env.ctx + 40, true) || 1) : rt.device(ifindex);
    if (!dev) return cpu.ret(-Errno.ENODEV);
    const dv = cpu.mem.dv;
    const given = dv.getUint32(mtuAddr, true);
    const cur = xdp ? p.end - p.data + p.frags.length : p.end - p.data;
    const len = (given ? given : cur) + lenDiff;
    const devLen = dev.mtu + 14;
    dv.setUint32(mtuAddr, dev.mtu, true);
    cpu.mem.markWritten(mtuAddr, 4);
    cpu.ret(len > devLen ? MtuResult.FRAG_NEEDED : MtuResult.SUCCESS);
  },
  [BpfFunc.fib_lookup]: (cpu) => {
    const rt = envOf(cpu).runtime;
    const plen = cpu.u32(3);
    const flags = cpu.u32(4);
    const p = memOut(cpu, BpfFunc.fib_lookup, 2, plen);
    if (plen < SIZEOF_PARAMS) return cpu.ret(-Errno.EINVAL);
    if (flags & ~ALL_FLAGS) return cpu.ret(-Errno.EINVAL); // flags is a u32 in the kernel: high bits are dropped
    const dv = cpu.mem.dv;
    const u8 = cpu.mem.u8;
    const fam = u8[p]!;
    if (fam !== AF_INET && fam !== AF_INET6) return cpu.ret(-Errno.EAFNOSUPPORT);
    const inDev = rt.device(dv.getUint32(p + 8, true));
    if (!inDev) return cpu.ret(-Errno.ENODEV);
    const family = fam === AF_INET ? 'inet' : 'inet6';
    const alen = fam === AF_INET ? 4 : 16;
    const dst = u8.slice(p + 32, p + 32 + alen);
    const route = fibLookupRoute(rt.routes, family, dst);
    if (!route) return cpu.ret(FibResult.NOT_FWDED);
    switch (route.type ?? 'unicast') {
      case 'blackhole': return cpu.ret(FibResult.BLACKHOLE);
      case 'unreachable': return cpu.ret(FibResult.UNREACHABLE);
      case 'prohibit': return cpu.ret(FibResult.PROHIBIT);
      default: break;
    }
    const out = rt.device(route.ifindex);
    if (!out) return cpu.ret(FibResult.NOT_FWDED);
    // MTU check on tot_len (when given)
    const totLen = dv.getUint16(p + 6, true);
    if (totLen && totLen > out.mtu) {
      dv.setUint16(p + 6, out.mtu, true);
      return cpu.ret(FibResult.FRAG_NEEDED);
    }
    // skb variant without tot_len: the frame itself must fit (is_skb_forwardable: mtu + L2 + VLAN)
    const pkt = envOf(cpu).pkt;
    if (!totLen && pkt?.kind === 'skb' && pkt.end - pkt.data > out.mtu + 14 + 4) {
      dv.setUint16(p + 6, out.mtu > 0xffff ? 0xffff : out.mtu, true);
      return cpu.ret(FibResult.FRAG_NEEDED);
    }
    dv.setUint32(p + 8, out.ifindex, true);
    if (route.gateway) u8.set(parseAddr(family, route.gateway), p + 32);
    if (!(flags & SKIP_NEIGH) && !route.dmac) return cpu.ret(FibResult.NO_NEIGH);
    u8.set(route.smac ?? out.mac, p + 52);
    u8.set(route.dmac ?? new Uint8Array(6), p + 58);
    dv.setUint16(p + 6, out.mtu > 0xffff ? 0xffff : out.mtu, true);
    cpu.mem.markWritten(p, SIZEOF_PARAMS);
    cpu.ret(FibResult.SUCCESS);
  },
};
