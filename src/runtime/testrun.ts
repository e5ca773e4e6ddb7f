// BPF_PROG_TEST_RUN: run a loaded program on data_in / ctx_in as the kernel's
// bpf_prog_test_run_xdp / _skb / _raw_tp do (net/bpf/test_run.c), with the same argument
// checks and errno, the same buffer geometry (XDP: 256 bytes of headroom in a 4096-byte
// frame with 320 bytes of tailroom; skb: the frame after eth_type_trans on the loopback
// device), the same data_out (XDP: from data_meta; skb programs below L2: the 14 bytes
// before the network header zeroed) and the same ctx_out. The buffer is reused across
// repeats, as in the kernel, so head adjustments accumulate and maps keep their state.
//
// Socket filters run by default on the frame as a packet socket sees it (data starts at the
// link-layer header, the way tcpdump-style filters are written); `view: 'kernel'` gives the
// kernel test-run's view (data starts at the network header). Tracing programs (kprobe,
// tracepoint, perf_event), which the kernel cannot test-run, run on the ctx bytes given.

import { ProgType } from '../uapi/bpf.js';
import { Errno } from '../uapi/errno.js';
import { SKB } from '../progs/skb.js';
import { XDP } from '../progs/xdp.js';
import type { ProgTypeInfo } from '../progs/types.js';
import type { PacketState, RunEnv } from '../helpers/env.js';
import { syncPacket } from '../helpers/packet.js';
import { runRaw } from '../vm/interpreter.js';
import { ADDR_HI } from '../vm/memory.js';
import { TestRunError } from './errors.js';
import type { LoadedProgramImpl } from './program.js';
import type { TestRunOptions, TestRunResult } from './types.js';

const PAGE_SIZE = 4096;
const XDP_PACKET_HEADROOM = 256;
/** SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86-64 */
const TAILROOM = 320;
const XDP_FRAME_SIZE = 40;
/** NET_SKB_PAD + NET_IP_ALIGN on x86-64 */
const SKB_HEADROOM = 64;
const ETH_HLEN = 14;
const MAX_SKB_FRAGS = 17;

/** Options beyond the kernel's attributes. */
export interface TestRunExtra {
  /** Socket filters: 'packet' (default, data from the link-layer header) or 'kernel' (BPF_PROG_TEST_RUN's view). */
  view?: 'packet' | 'kernel';
}

// Per-program run state, reused between runs as the kernel reuses its buffers: the ctx region
// (with its access bits set once), the packet page, the RunEnv and PacketState objects.
// Allocation and release of regions, and objects per run, were the main fixed cost of a
// short run. A nested run of the same program (a helper running it again) gets a temporary
// slot freed at its end.
interface Slot {
  busy: boolean;
  temp: boolean;
  /** ctx region (size fixed per program type). */
  ctx: number;
  ctxSize: number;
  /** The ctx region's access bits are those allocCtx sets (XDP, skb: they do not change between runs). */
  ctxReady: boolean;
  /** PAGE_SIZE packet region, 0 when none (yet, or freed by a helper that moved the packet). */
  buf: number;
  env: RunEnv;
  pkt: PacketState | undefined;
  /** ctx_in as given (copied), for ctx_out. */
  ctxIn: Uint8Array | undefined;
  /** skb: data_out starts at the link-layer header. */
  fullFrame: boolean;
}

const SLOTS = new WeakMap<LoadedProgramImpl, Slot>();
const NO_BYTES = new Uint8Array(0);

function ctxRegionSize(info: ProgTypeInfo): number {
  switch (info.type) {
    case ProgType.XDP: return Math.max(info.ctxMemSize ?? info.ctxSize, 24, 8);
    case ProgType.SOCKET_FILTER: case ProgType.SCHED_CLS: case ProgType.SCHED_ACT: case ProgType.CGROUP_SKB:
    case ProgType.LWT_IN: case ProgType.LWT_OUT: case ProgType.LWT_XMIT:
      return Math.max(info.ctxMemSize ?? info.ctxSize, 192, 8);
    case ProgType.FLOW_DISSECTOR: return FLOW_KEYS_AT + FLOW_KEYS_SIZE;
    default: return Math.max(info.ctxSize, 8);
  }
}

function newSlot(p: LoadedProgramImpl, temp: boolean): Slot {
  const size = ctxRegionSize(p.info);
  const ctx = p.runtime.mem.alloc(size, { kind: 'ctx', name: p.info.ctxName });
  const env: RunEnv = { runtime: p.runtime, prog: p, ctx, pkt: undefined, locks: [], reserved: new Map() };
  return { busy: false, temp, ctx, ctxSize: size, ctxReady: false, buf: 0, env, pkt: undefined, ctxIn: undefined, fullFrame: false };
}

function acquireSlot(p: LoadedProgramImpl): Slot {
  let s = SLOTS.get(p);
  if (!s) SLOTS.set(p, (s = newSlot(p, false)));
  else if (s.busy) s = newSlot(p, true);
  s.busy = true;
  return s;
}

function releaseSlot(p: LoadedProgramImpl, s: Slot): void {
  const mem = p.runtime.mem;
  const pk = s.pkt;
  if (pk && pk.buf !== s.buf) {
    // a helper moved the packet to a larger buffer (and freed the page)
    if (mem.region(pk.buf)) mem.free(pk.buf);
    s.buf = 0;
  }
  s.env.pkt = undefined;
  s.env.redirect = undefined;
  s.env.prog = p;
  s.ctxIn = undefined;
  s.busy = false;
  if (s.temp) freeSlot(p, s);
}

function freeSlot(p: LoadedProgramImpl, s: Slot): void {
  const mem = p.runtime.mem;
  if (s.buf && mem.region(s.buf)) mem.free(s.buf);
  if (mem.region(s.ctx)) mem.free(s.ctx);
  s.buf = 0;
}

/** Free the regions kept for a program's runs (when it is unloaded). */
export function releaseRunCache(p: LoadedProgramImpl): void {
  const s = SLOTS.get(p);
  if (!s) return;
  SLOTS.delete(p);
  if (!s.busy) freeSlot(p, s);
  else s.temp = true; // freed when the running run ends
}

/** The slot's packet page, zeroed, readable and writable (as a fresh allocation). */
function packetPage(p: LoadedProgramImpl, s: Slot, name: string): number {
  const mem = p.runtime.mem;
  if (s.buf && mem.region(s.buf)?.size === PAGE_SIZE) {
    mem.u8.fill(0, s.buf, s.buf + PAGE_SIZE);
    return s.buf;
  }
  s.buf = mem.alloc(PAGE_SIZE, { kind: 'packet', name });
  return s.buf;
}

/** A copy of u8[from, to) with `extra` zero bytes after it. */
function copyOut(u8: Uint8Array, from: number, to: number, extra = 0): Uint8Array {
  if (extra === 0) return u8.slice(from, to);
  const out = new Uint8Array(to - from + extra);
  out.set(u8.subarray(from, to));
  return out;
}

function checkTailZero(ctx: Uint8Array, size: number): void {
  for (let i = size; i < ctx.length; i++) if (ctx[i] !== 0) throw new TestRunError(Errno.E2BIG, `ctx_in has non-zero bytes beyond the ${size}-byte context`);
}

function ctxCopy(ctx: Uint8Array | undefined, size: number): Uint8Array | undefined {
  if (!ctx) return undefined;
  checkTailZero(ctx, size);
  const out = new Uint8Array(size);
  out.set(ctx.subarray(0, Math.min(size, ctx.length)));
  return out;
}

function u32(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

function putU32(b: Uint8Array, off: number, v: number): void {
  b[off] = v; b[off + 1] = v >>> 8; b[off + 2] = v >>> 16; b[off + 3] = v >>> 24;
}

/**
 * Fill the ctx region: zeroed, then the UAPI bytes written by `fill`; access bits per the
 * type's fields (set on the first run: nothing in a run changes them for XDP and skb).
 */
function setupCtx(p: LoadedProgramImpl, s: Slot): void {
  const mem = p.runtime.mem;
  const a = s.ctx, size = s.ctxSize;
  mem.u8.fill(0, a, a + size);
  if (s.ctxReady) return;
  mem.protect(a, size, { read: true, write: false });
  for (const f of p.info.fields) {
    if (f.writeSizes.length > 0) mem.protect(a + f.offset, f.size, { write: true });
    if (f.type === 'pkt' || f.type === 'pkt_end' || f.type === 'pkt_meta') mem.protect(a + f.offset, f.size, { read: false });
  }
  s.ctxReady = true;
}

// ---- XDP -------------------------------------------------------------------------------

function prepareXdp(p: LoadedProgramImpl, o: TestRunOptions, s: Slot): void {
  const rt = p.runtime;
  const mem = rt.mem;
  const data = o.data ?? NO_BYTES;
  if (p.spec.expectedAttachType === 33 || p.spec.expectedAttachType === 35) {
    throw new TestRunError(Errno.EINVAL, 'devmap / cpumap XDP programs cannot be test-run');
  }
  if (o.flags) throw new TestRunError(Errno.EINVAL, `flags 0x${o.flags.toString(16)} not supported (BPF_F_TEST_XDP_LIVE_FRAMES is not)`);
  let ctxIn = ctxCopy(o.ctx, 24);
  if (o.ifindex !== undefined || o.rxQueue !== undefined) {
    // shortcuts for xdp_md.ingress_ifindex / rx_queue_index
    if (!ctxIn) { ctxIn = new Uint8Array(24); putU32(ctxIn, XDP.data_end, data.length); }
    if (o.ifindex !== undefined) putU32(ctxIn, XDP.ingress_ifindex, o.ifindex);
    if (o.rxQueue !== undefined) putU32(ctxIn, XDP.rx_queue_index, o.rxQueue);
  }
  let headroom = XDP_PACKET_HEADROOM;
  let linear = data.length;
  let metaSz = 0;
  let ingress = 1, rxq = 0;
  if (ctxIn) {
    const dataOff = u32(ctxIn, XDP.data), dataEnd = u32(ctxIn, XDP.data_end), dataMeta = u32(ctxIn, XDP.data_meta);
    if (dataMeta !== 0 || dataEnd > data.length || dataOff > dataEnd) throw new TestRunError(Errno.EINVAL, 'ctx_in: data_meta must be 0 and data ≤ data_end ≤ size of data_in');
    metaSz = dataOff;
    if ((metaSz & 3) !== 0 || metaSz > 255 || metaSz > headroom - XDP_FRAME_SIZE) throw new TestRunError(Errno.EINVAL, `ctx_in: invalid metadata length ${metaSz}`);
    headroom -= metaSz;
    linear = dataEnd;
  }
  const maxLinear = PAGE_SIZE - headroom - TAILROOM;
  linear = Math.min(linear, maxLinear);
  if (data.length - metaSz < ETH_HLEN) throw new TestRunError(Errno.EINVAL, `data_in is ${data.length - metaSz} bytes, less than an Ethernet header`);
  if (ctxIn) {
    if (u32(ctxIn, XDP.egress_ifindex) !== 0) throw new TestRunError(Errno.EINVAL, 'ctx_in: egress_ifindex must be 0');
    const ing = u32(ctxIn, XDP.ingress_ifindex), q = u32(ctxIn, XDP.rx_queue_index);
    if (!ing && q) throw new TestRunError(Errno.EINVAL, 'ctx_in: rx_queue_index needs ingress_ifindex');
    if (ing) {
      const dev = rt.device(ing);
      if (!dev) throw new TestRunError(Errno.ENODEV, `ctx_in: no device with ifindex ${ing}`);
      if (q >= dev.rxQueues) throw new TestRunError(Errno.EINVAL, `ctx_in: rx_queue_index ${q} ≥ ${dev.rxQueues} queues of ${dev.name}`);
      ingress = ing; rxq = q;
    }
  }
  const fragLen = data.length - linear;
  if (fragLen > MAX_SKB_FRAGS * PAGE_SIZE) throw new TestRunError(Errno.ENOMEM, 'data_in needs more than MAX_SKB_FRAGS fragments');
  const buf = packetPage(p, s, 'xdp frame');
  mem.u8.set(linear === data.length ? data : data.subarray(0, linear), buf + headroom);
  const frags = fragLen > 0 ? data.slice(linear) : NO_BYTES;
  const writable = p.info.packetAccess === 'write';
  let pkt = s.pkt;
  if (pkt && pkt.kind === 'xdp') {
    pkt.buf = buf; pkt.cap = PAGE_SIZE; pkt.meta = headroom; pkt.data = headroom + metaSz; pkt.end = headroom + linear;
    pkt.mac = headroom + metaSz; pkt.net = headroom + metaSz + ETH_HLEN; pkt.frags = frags;
    pkt.writable = writable; pkt.limit = PAGE_SIZE - TAILROOM;
  } else {
    s.pkt = pkt = {
      kind: 'xdp', buf, cap: PAGE_SIZE, meta: headroom, data: headroom + metaSz, end: headroom + linear,
      mac: headroom + metaSz, net: headroom + metaSz + ETH_HLEN, frags, writable, limit: PAGE_SIZE - TAILROOM,
    };
  }
  setupCtx(p, s);
  mem.dv.setUint32(s.ctx + XDP.ingress_ifindex, ingress, true);
  mem.dv.setUint32(s.ctx + XDP.rx_queue_index, rxq, true);
  s.ctxIn = ctxIn;
  s.env.pkt = pkt;
}

function finishXdp(p: LoadedProgramImpl, s: Slot): { data: Uint8Array; ctx: Uint8Array } {
  const mem = p.runtime.mem;
  const pkt = s.pkt!;
  const lin = pkt.end - pkt.meta;
  const out = copyOut(mem.u8, pkt.buf + pkt.meta, pkt.buf + pkt.end, pkt.frags.length);
  if (pkt.frags.length) out.set(pkt.frags, lin);
  const c = s.ctxIn ? s.ctxIn.slice() : new Uint8Array(24);
  putU32(c, XDP.data, pkt.data - pkt.meta);
  putU32(c, XDP.data_end, pkt.end - pkt.meta);
  return { data: out, ctx: c };
}

// ---- socket buffers --------------------------------------------------------------------

const ALLOWED_CTX: ReadonlyArray<[number, number]> = [
  [SKB.mark, 4], [SKB.priority, 4], [SKB.ingress_ifindex, 4], [SKB.ifindex, 4], [SKB.cb, 20],
  [SKB.tstamp, 8], [SKB.wire_len, 4], [SKB.gso_segs, 4], [SKB.gso_size, 4], [SKB.hwtstamp, 8],
];
const ZERO_MAC = new Uint8Array(6);
const BCAST = new Uint8Array(6).fill(0xff);

function sameMac(b: Uint8Array, off: number, mac: Uint8Array): boolean {
  for (let i = 0; i < 6; i++) if (b[off + i] !== mac[i]) return false;
  return true;
}

function prepareSkb(p: LoadedProgramImpl, o: TestRunOptions & TestRunExtra, s: Slot): void {
  const rt = p.runtime;
  const mem = rt.mem;
  const type = p.info.type;
  const data = o.data ?? NO_BYTES;
  if ((o.flags ?? 0) & ~1) throw new TestRunError(Errno.EINVAL, `flags 0x${(o.flags ?? 0).toString(16)} not supported`);
  if (o.cpu) throw new TestRunError(Errno.EINVAL, 'cpu must be 0 for skb programs');
  if (data.length < ETH_HLEN) throw new TestRunError(Errno.EINVAL, `data_in is ${data.length} bytes, less than an Ethernet header`);
  if (data.length > PAGE_SIZE - SKB_HEADROOM - TAILROOM) throw new TestRunError(Errno.EINVAL, `data_in is ${data.length} bytes, more than ${PAGE_SIZE - SKB_HEADROOM - TAILROOM}`);
  let ctxIn = ctxCopy(o.ctx, 192);
  if (o.ifindex !== undefined) {
    // shortcut for __sk_buff.ifindex
    ctxIn ??= new Uint8Array(192);
    putU32(ctxIn, SKB.ifindex, o.ifindex);
  }
  if (ctxIn) {
    for (let i = 0; i < 192; i++) {
      if (ctxIn[i] === 0) continue;
      if (!ALLOWED_CTX.some(([off, n]) => i >= off && i < off + n)) {
        throw new TestRunError(Errno.EINVAL, `ctx_in: __sk_buff byte ${i} may not be set (only mark, priority, ingress_ifindex, ifindex, cb, tstamp, wire_len, gso_segs, gso_size, hwtstamp)`);
      }
    }
  }
  const cdv = ctxIn ? new DataView(ctxIn.buffer) : undefined;
  let dev = rt.device(1) ?? { ifindex: 1, name: 'lo', mtu: 65536, mac: ZERO_MAC, rxQueues: 1, broadcast: ZERO_MAC };
  if (cdv && cdv.getUint32(SKB.ifindex, true) > 1) {
    const d = rt.device(cdv.getUint32(SKB.ifindex, true));
    if (!d) throw new TestRunError(Errno.ENODEV, `ctx_in: no device with ifindex ${cdv.getUint32(SKB.ifindex, true)}`);
    dev = d;
  }
  const isL2 = type === ProgType.SCHED_CLS || type === ProgType.SCHED_ACT;
  const packetView = type === ProgType.SOCKET_FILTER && (o.view ?? 'packet') === 'packet';
  const cap = PAGE_SIZE; // headroom + at most 3712 bytes + tailroom; helpers move to a larger buffer when needed
  const buf = packetPage(p, s, 'skb');
  mem.u8.set(data, buf + SKB_HEADROOM);
  const mac = SKB_HEADROOM;
  const net = mac + ETH_HLEN;
  // eth_type_trans
  let pktType = 0;
  const bcast = dev.broadcast ?? BCAST;
  if (sameMac(data, 0, dev.mac)) pktType = 0;
  else if (data[0]! & 1) pktType = sameMac(data, 0, bcast) ? 1 : 2;
  else pktType = 3;
  const hproto = (data[12]! << 8) | data[13]!;
  const proto = hproto >= 0x600 ? hproto : data.length >= 16 && data[14] === 0xff && data[15] === 0xff ? 0x0001 : 0x0004;
  const start = isL2 || packetView ? mac : net;
  const end = SKB_HEADROOM + data.length;
  const writable = p.info.packetAccess === 'write';
  let pkt = s.pkt;
  if (pkt && pkt.kind === 'skb') {
    pkt.buf = buf; pkt.cap = cap; pkt.meta = start; pkt.data = start; pkt.end = end; pkt.mac = mac; pkt.net = net;
    pkt.frags = NO_BYTES; pkt.writable = writable; pkt.limit = cap;
  } else {
    s.pkt = pkt = { kind: 'skb', buf, cap, meta: start, data: start, end, mac, net, frags: NO_BYTES, writable, limit: cap };
  }
  const len = end - start;
  setupCtx(p, s);
  const c = s.ctx;
  const dv = mem.dv;
  dv.setUint32(c + SKB.len, len, true);
  dv.setUint32(c + SKB.pkt_type, pktType, true);
  dv.setUint16(c + SKB.protocol, proto, false);
  dv.setUint32(c + SKB.ifindex, dev.ifindex, true);
  if (cdv) {
    const wire = cdv.getUint32(SKB.wire_len, true);
    if (wire !== 0 && (wire < len || wire > 65536)) throw new TestRunError(Errno.EINVAL, `ctx_in: wire_len ${wire} out of range`);
    const segs = cdv.getUint32(SKB.gso_segs, true);
    if (segs > 65535) throw new TestRunError(Errno.EINVAL, `ctx_in: gso_segs ${segs} > GSO_MAX_SEGS`);
    dv.setUint32(c + SKB.mark, cdv.getUint32(SKB.mark, true), true);
    dv.setUint32(c + SKB.priority, cdv.getUint32(SKB.priority, true), true);
    dv.setUint32(c + SKB.ingress_ifindex, cdv.getUint32(SKB.ingress_ifindex, true), true);
    mem.u8.set(ctxIn!.subarray(SKB.cb, SKB.cb + 20), c + SKB.cb);
    dv.setBigUint64(c + SKB.tstamp, cdv.getBigUint64(SKB.tstamp, true), true);
    dv.setUint32(c + SKB.wire_len, wire || len, true);
    dv.setUint32(c + SKB.gso_segs, segs, true);
    dv.setUint32(c + SKB.gso_size, cdv.getUint32(SKB.gso_size, true), true);
    dv.setBigUint64(c + SKB.hwtstamp, cdv.getBigUint64(SKB.hwtstamp, true), true);
  } else {
    dv.setUint32(c + SKB.wire_len, len, true);
  }
  // the test run's dummy socket: family and addresses of the packet
  if (proto === 0x0800) {
    dv.setUint32(c + SKB.family, 2, true);
    if (data.length >= ETH_HLEN + 20) {
      mem.u8.set(data.subarray(ETH_HLEN + 16, ETH_HLEN + 20), c + SKB.remote_ip4);
      mem.u8.set(data.subarray(ETH_HLEN + 12, ETH_HLEN + 16), c + SKB.local_ip4);
    }
  } else if (proto === 0x86dd) {
    dv.setUint32(c + SKB.family, 10, true);
    if (data.length >= ETH_HLEN + 40) {
      mem.u8.set(data.subarray(ETH_HLEN + 24, ETH_HLEN + 40), c + SKB.remote_ip6);
      mem.u8.set(data.subarray(ETH_HLEN + 8, ETH_HLEN + 24), c + SKB.local_ip6);
    }
  }
  s.ctxIn = ctxIn;
  s.fullFrame = isL2 || packetView;
  s.env.pkt = pkt;
}

function finishSkb(p: LoadedProgramImpl, s: Slot): { data: Uint8Array; ctx: Uint8Array } {
  const mem = p.runtime.mem;
  const pk = s.env.pkt!;
  let out: Uint8Array;
  if (s.fullFrame) out = copyOut(mem.u8, pk.buf + pk.data, pk.buf + pk.end);
  else {
    out = new Uint8Array(ETH_HLEN + pk.end - pk.data);
    out.set(mem.u8.subarray(pk.buf + pk.data, pk.buf + pk.end), ETH_HLEN);
  }
  const c = s.ctxIn ? s.ctxIn.slice() : new Uint8Array(192);
  const r = s.ctx;
  const u8 = mem.u8;
  // mark, priority, ingress_ifindex, ifindex, tstamp, cb, wire_len, gso_segs, hwtstamp: as the program left them
  c.set(u8.subarray(r + SKB.mark, r + SKB.mark + 4), SKB.mark);
  c.set(u8.subarray(r + SKB.priority, r + SKB.priority + 4), SKB.priority);
  c.set(u8.subarray(r + SKB.ingress_ifindex, r + SKB.ingress_ifindex + 4), SKB.ingress_ifindex);
  c.set(u8.subarray(r + SKB.ifindex, r + SKB.ifindex + 4), SKB.ifindex);
  c.set(u8.subarray(r + SKB.tstamp, r + SKB.tstamp + 8), SKB.tstamp);
  c.set(u8.subarray(r + SKB.cb, r + SKB.cb + 20), SKB.cb);
  c.set(u8.subarray(r + SKB.wire_len, r + SKB.wire_len + 4), SKB.wire_len);
  c.set(u8.subarray(r + SKB.gso_segs, r + SKB.gso_segs + 4), SKB.gso_segs);
  c.set(u8.subarray(r + SKB.hwtstamp, r + SKB.hwtstamp + 8), SKB.hwtstamp);
  return { data: out, ctx: c };
}

// ---- flow dissector (bpf_prog_test_run_flow_dissector) --------------------------------

/** struct bpf_flow_keys follows the __sk_buff and its pointer slots in the ctx region. */
const FLOW_KEYS_SIZE = 56;
const FLOW_KEYS_AT = 216;
const FK_FLAGS = 48;

function prepareFlowDissector(p: LoadedProgramImpl, o: TestRunOptions, s: Slot): void {
  const mem = p.runtime.mem;
  const data = o.data ?? NO_BYTES;
  if (o.flags || o.cpu) throw new TestRunError(Errno.EINVAL, 'flags and cpu must be 0 for flow_dissector programs');
  if (data.length < ETH_HLEN) throw new TestRunError(Errno.EINVAL, `data_in is ${data.length} bytes, less than an Ethernet header`);
  if (data.length > PAGE_SIZE) throw new TestRunError(Errno.EINVAL, `data_in is ${data.length} bytes, more than ${PAGE_SIZE}`);
  // ctx_in is a struct bpf_flow_keys in which only `flags` may be set
  const keysIn = ctxCopy(o.ctx, FLOW_KEYS_SIZE);
  if (keysIn) {
    for (let i = 0; i < FLOW_KEYS_SIZE; i++) {
      if (keysIn[i] !== 0 && (i < FK_FLAGS || i >= FK_FLAGS + 4)) throw new TestRunError(Errno.EINVAL, `ctx_in: bpf_flow_keys byte ${i} may not be set (only flags)`);
    }
  }
  const buf = packetPage(p, s, 'flow_dissector');
  mem.u8.set(data, buf);
  const pkt: PacketState = { kind: 'skb', buf, cap: PAGE_SIZE, meta: 0, data: 0, end: data.length, mac: 0, net: ETH_HLEN, frags: NO_BYTES, writable: false, limit: PAGE_SIZE };
  s.pkt = pkt;
  setupCtx(p, s);
  const c = s.ctx;
  mem.protect(c + FLOW_KEYS_AT, FLOW_KEYS_SIZE, { read: true, write: true });
  mem.dv.setUint32(c + SKB.flow_keys, c + FLOW_KEYS_AT, true);
  mem.dv.setInt32(c + SKB.flow_keys + 4, ADDR_HI, true);
  s.ctxIn = keysIn;
  s.fullFrame = true;
  s.env.pkt = pkt;
  resetFlowKeys(p, s);
}

/** bpf_flow_dissect: keys zeroed, n_proto from the Ethernet header, nhoff = thoff = ETH_HLEN, flags. */
function resetFlowKeys(p: LoadedProgramImpl, s: Slot): void {
  const mem = p.runtime.mem;
  const k = s.ctx + FLOW_KEYS_AT;
  const pk = s.env.pkt!;
  mem.u8.fill(0, k, k + FLOW_KEYS_SIZE);
  mem.dv.setUint16(k, ETH_HLEN, true);
  mem.dv.setUint16(k + 2, ETH_HLEN, true);
  mem.u8[k + 10] = mem.u8[pk.buf + 12]!;
  mem.u8[k + 11] = mem.u8[pk.buf + 13]!;
  if (s.ctxIn) mem.u8.set(s.ctxIn.subarray(FK_FLAGS, FK_FLAGS + 4), k + FK_FLAGS);
}

/** After the run: nhoff clamped to [ETH_HLEN, len], thoff to [nhoff, len]; data_out = the keys. */
function finishFlowDissector(p: LoadedProgramImpl, s: Slot): { data: Uint8Array; ctx?: Uint8Array } {
  const mem = p.runtime.mem;
  const k = s.ctx + FLOW_KEYS_AT;
  const len = s.env.pkt!.end - s.env.pkt!.data;
  const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
  const nhoff = clamp(mem.dv.getUint16(k, true), ETH_HLEN, len);
  mem.dv.setUint16(k, nhoff, true);
  mem.dv.setUint16(k + 2, clamp(mem.dv.getUint16(k + 2, true), nhoff, len), true);
  const out: { data: Uint8Array; ctx?: Uint8Array } = { data: mem.u8.slice(k, k + FLOW_KEYS_SIZE) };
  if (s.ctxIn) out.ctx = s.ctxIn.slice();
  return out;
}

// ---- sk_lookup (bpf_prog_test_run_sk_lookup) ------------------------------------------

const SKL = { family: 8, protocol: 12, remote_ip4: 16, remote_ip6: 20, remote_port: 36, local_ip4: 40, local_ip6: 44, local_port: 60, ingress_ifindex: 64 } as const;
const SKL_SIZE = 72;

function prepareSkLookup(p: LoadedProgramImpl, o: TestRunOptions, s: Slot): void {
  const mem = p.runtime.mem;
  if (o.flags || o.cpu) throw new TestRunError(Errno.EINVAL, 'flags and cpu must be 0 for sk_lookup programs');
  if ((o.data && o.data.length) || o.dataSizeOut) throw new TestRunError(Errno.EINVAL, 'sk_lookup test runs take no data_in / data_out');
  const u = ctxCopy(o.ctx, SKL_SIZE);
  if (!u) throw new TestRunError(Errno.EINVAL, 'sk_lookup test runs need ctx_in (struct bpf_sk_lookup)');
  const dv = new DataView(u.buffer);
  if (dv.getBigUint64(0, true) !== 0n) throw new TestRunError(Errno.EINVAL, 'ctx_in: sk must be 0');
  for (let i = SKL.ingress_ifindex; i < SKL_SIZE; i++) if (u[i] !== 0) throw new TestRunError(Errno.EINVAL, `ctx_in: byte ${i} (past local_port) must be 0`);
  const localPort = dv.getUint32(SKL.local_port, true);
  if (localPort > 0xffff) throw new TestRunError(Errno.ERANGE, `ctx_in: local_port ${localPort} > 65535`);
  const family = dv.getUint16(SKL.family, true);
  if (family !== 2 && family !== 10) throw new TestRunError(Errno.EAFNOSUPPORT, `ctx_in: family ${family} is neither AF_INET nor AF_INET6`);
  setupCtx(p, s);
  // the program sees struct bpf_sk_lookup_kern through the ctx rewrite: 16-bit family,
  // protocol, ports; the addresses of the family only; no socket selected yet
  const c = s.ctx;
  const m = mem.dv;
  m.setUint16(c + SKL.family, family, true);
  m.setUint16(c + SKL.protocol, dv.getUint16(SKL.protocol, true), true);
  m.setUint16(c + SKL.remote_port, dv.getUint16(SKL.remote_port, true), true);
  m.setUint32(c + SKL.local_port, localPort, true);
  if (family === 2) {
    mem.u8.set(u.subarray(SKL.remote_ip4, SKL.remote_ip4 + 4), c + SKL.remote_ip4);
    mem.u8.set(u.subarray(SKL.local_ip4, SKL.local_ip4 + 4), c + SKL.local_ip4);
  } else {
    mem.u8.set(u.subarray(SKL.remote_ip6, SKL.remote_ip6 + 16), c + SKL.remote_ip6);
    mem.u8.set(u.subarray(SKL.local_ip6, SKL.local_ip6 + 16), c + SKL.local_ip6);
  }
  s.ctxIn = u;
}

/** ctx_out: ctx_in with the selected socket's cookie (tsbpf has no sockets: 0). */
function finishSkLookup(s: Slot): { data: Uint8Array; ctx: Uint8Array } {
  const c = s.ctxIn!.slice();
  c.fill(0, 0, 8);
  return { data: NO_BYTES, ctx: c };
}

// ---- tracing ---------------------------------------------------------------------------

function prepareTracing(p: LoadedProgramImpl, o: TestRunOptions, s: Slot): void {
  const mem = p.runtime.mem;
  const info = p.info;
  if (info.type === ProgType.RAW_TRACEPOINT) {
    if ((o.data && o.data.length) || o.dataSizeOut) throw new TestRunError(Errno.EINVAL, 'raw_tracepoint test runs take no data_in / data_out');
    if ((o.repeat ?? 0) > 1) throw new TestRunError(Errno.EINVAL, 'raw_tracepoint test runs take no repeat');
    if ((o.ctx?.length ?? 0) > 96) throw new TestRunError(Errno.EINVAL, `ctx_in is ${o.ctx!.length} bytes, more than 12 arguments`);
    if ((o.ctx?.length ?? 0) < p.maxCtxOffset) throw new TestRunError(Errno.EINVAL, `ctx_in is ${o.ctx?.length ?? 0} bytes, the program reads ${p.maxCtxOffset}`);
    if (((o.flags ?? 0) & 1) === 0 && o.cpu) throw new TestRunError(Errno.EINVAL, 'cpu needs BPF_F_TEST_RUN_ON_CPU');
    if (o.cpu !== undefined && o.cpu >= p.runtime.ncpus) throw new TestRunError(Errno.ENXIO, `cpu ${o.cpu} does not exist`);
  } else if (o.data && o.data.length) {
    throw new TestRunError(Errno.EINVAL, `${info.name} programs take no data_in, only ctx_in`);
  }
  const bytes = o.ctx ?? NO_BYTES;
  if (bytes.length > info.ctxSize) checkTailZero(bytes, info.ctxSize);
  const ctx = s.ctx;
  mem.u8.fill(0, ctx, ctx + s.ctxSize);
  mem.protect(ctx, s.ctxSize, { read: true, write: true });
  mem.u8.set(bytes.length > info.ctxSize ? bytes.subarray(0, info.ctxSize) : bytes, ctx);
  mem.protect(ctx, info.ctxSize, { read: true, write: false });
  // bytes beyond what the caller gave are not part of the context
  if (bytes.length < info.ctxSize) mem.protect(ctx + bytes.length, info.ctxSize - bytes.length, { read: false });
}

// ---- the run ---------------------------------------------------------------------------

function badInt(v: unknown, max: number): boolean {
  return v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max);
}

function checkOptions(o: TestRunOptions & TestRunExtra): void {
  if (o.data !== undefined && !(o.data instanceof Uint8Array)) throw new TestRunError(Errno.EINVAL, 'data must be a Uint8Array');
  if (o.ctx !== undefined && !(o.ctx instanceof Uint8Array)) throw new TestRunError(Errno.EINVAL, 'ctx must be a Uint8Array');
  const U32 = 0xffffffff;
  const bad = badInt(o.repeat, U32) ? 'repeat' : badInt(o.dataSizeOut, U32) ? 'dataSizeOut' : badInt(o.flags, U32) ? 'flags'
    : badInt(o.cpu, U32) ? 'cpu' : badInt(o.ifindex, U32) ? 'ifindex' : badInt(o.rxQueue, U32) ? 'rxQueue' : undefined;
  if (bad) throw new TestRunError(Errno.EINVAL, `${bad} must be an integer in [0, ${U32}]`);
  if (o.view !== undefined && o.view !== 'packet' && o.view !== 'kernel') throw new TestRunError(Errno.EINVAL, `view must be 'packet' or 'kernel'`);
}

export function testRun(p: LoadedProgramImpl, opts: TestRunOptions & TestRunExtra = {}): TestRunResult {
  checkOptions(opts);
  // types without a test_run operation (cgroup socket hooks, sock_ops, sk_msg, ...): ENOTSUPP
  if (p.info.testRunErrno !== undefined) throw new TestRunError(p.info.testRunErrno, `${p.info.name} programs cannot be test-run`);
  const rt = p.runtime;
  const cpu = rt.cpu;
  const type = p.info.type;
  const s = acquireSlot(p);
  const env = s.env;
  const savedCpu = rt.currentCpu;
  const savedEnv = cpu.env;
  try {
    // Tracing contexts are whatever bytes the caller passes, possibly shorter than the ctx the
    // verifier proved accesses against (the kernel always supplies a full one): run checked.
    let tracing = false;
    switch (type) {
      case ProgType.XDP: prepareXdp(p, opts, s); break;
      case ProgType.SOCKET_FILTER: case ProgType.SCHED_CLS: case ProgType.SCHED_ACT: case ProgType.CGROUP_SKB:
      case ProgType.LWT_IN: case ProgType.LWT_OUT: case ProgType.LWT_XMIT: // lwt: like cgroup_skb, from the IP header
        prepareSkb(p, opts, s); break;
      case ProgType.FLOW_DISSECTOR: prepareFlowDissector(p, opts, s); break;
      case ProgType.SK_LOOKUP: prepareSkLookup(p, opts, s); break;
      default: prepareTracing(p, opts, s); tracing = true;
    }
    const repeat = Math.max(1, opts.repeat ?? 1);
    const checked = opts.checked ?? (p.checked || tracing);
    if (opts.cpu !== undefined && ((opts.flags ?? 0) & 1)) rt.currentCpu = opts.cpu;
    syncPacket(cpu, env);
    let retval = 0;
    const R = cpu.regs;
    const program = p.program;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < repeat; i++) {
      if (i > 0 && type === ProgType.FLOW_DISSECTOR) resetFlowKeys(p, s);
      env.prog = p;
      env.redirect = undefined;
      cpu.env = env;
      cpu.prog = program;
      R.fill(0);
      R[2] = env.ctx;
      R[3] = ADDR_HI;
      runRaw(cpu, program, checked);
      retval = R[0]! >>> 0;
      if (env.locks.length) throw cpu.helperFault('program exited holding a bpf_spin_lock');
      if (env.reserved.size) {
        throw cpu.helperFault('program exited without submitting or discarding a ring buffer record');
      }
    }
    const durationNs = Math.floor(Number(process.hrtime.bigint() - t0) / repeat);
    const out = type === ProgType.XDP ? finishXdp(p, s) : type === ProgType.FLOW_DISSECTOR ? finishFlowDissector(p, s)
      : type === ProgType.SK_LOOKUP ? finishSkLookup(s) : env.pkt ? finishSkb(p, s) : undefined;
    const data = out ? out.data : new Uint8Array(0);
    if (opts.dataSizeOut && data.length > opts.dataSizeOut) {
      throw new TestRunError(Errno.ENOSPC, `data_out needs ${data.length} bytes, data_size_out is ${opts.dataSizeOut}`);
    }
    const res: TestRunResult = { retval, data, durationNs };
    if (out) res.ctx = out.ctx;
    if (env.redirect) res.redirect = env.redirect;
    return res;
  } finally {
    // a run that faulted may leave locks taken and records reserved
    if (env.locks.length) {
      for (const a of env.locks) cpu.mem.dv.setUint32(a, 0, true);
      env.locks.length = 0;
    }
    if (env.reserved.size) {
      for (const [a, r] of env.reserved) (r as { discardAddr?(x: number, f: number): number }).discardAddr?.(a, 0);
      env.reserved.clear();
    }
    rt.currentCpu = savedCpu;
    cpu.env = savedEnv;
    releaseSlot(p, s);
  }
}
