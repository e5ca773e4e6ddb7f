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
import { ADDR_HI, type AllocOptions } from '../vm/memory.js';
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

// Regions reused between runs of one program (ctx, frame buffer): allocation and release of
// the memory's regions are the main fixed cost of a short run.
const CACHE = new WeakMap<LoadedProgramImpl, Map<string, number>>();

function take(p: LoadedProgramImpl, key: string, size: number, opts: AllocOptions): number {
  const mem = p.runtime.mem;
  const c = CACHE.get(p);
  const a = c?.get(key);
  if (a !== undefined) {
    c!.delete(key);
    const r = mem.region(a);
    if (r && r.size === size) {
      mem.u8.fill(0, a, a + size);
      mem.protect(a, size, { read: true, write: true });
      return a;
    }
    if (r) mem.free(a);
  }
  return mem.alloc(size, opts);
}

function give(p: LoadedProgramImpl, key: string, a: number): void {
  let c = CACHE.get(p);
  if (!c) CACHE.set(p, (c = new Map()));
  const old = c.get(key);
  if (old !== undefined && old !== a && p.runtime.mem.region(old)) p.runtime.mem.free(old);
  c.set(key, a);
}

/** Free the regions kept for a program's runs (when it is unloaded). */
export function releaseRunCache(p: LoadedProgramImpl): void {
  const c = CACHE.get(p);
  if (!c) return;
  for (const a of c.values()) if (p.runtime.mem.region(a)) p.runtime.mem.free(a);
  CACHE.delete(p);
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
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(off, true);
}

/** Allocate the ctx region: UAPI bytes, internal pointer slots; access bits per the type's fields. */
function allocCtx(p: LoadedProgramImpl, info: ProgTypeInfo, bytes: Uint8Array): number {
  const mem = p.runtime.mem;
  const size = Math.max(info.ctxMemSize ?? info.ctxSize, bytes.length, 8);
  const a = take(p, 'ctx', size, { kind: 'ctx', name: info.ctxName });
  mem.u8.set(bytes, a);
  mem.protect(a, size, { read: true, write: false });
  for (const f of info.fields) {
    if (f.writeSizes.length > 0) mem.protect(a + f.offset, f.size, { write: true });
    if (f.type === 'pkt' || f.type === 'pkt_end' || f.type === 'pkt_meta') mem.protect(a + f.offset, f.size, { read: false });
  }
  return a;
}

interface Prepared {
  env: RunEnv;
  /** After the runs: data_out, ctx_out. */
  finish(): { data: Uint8Array; ctx?: Uint8Array };
  release(): void;
}

function newEnv(p: LoadedProgramImpl, ctx: number, pkt?: PacketState): RunEnv {
  return { runtime: p.runtime, prog: p, ctx, ...(pkt ? { pkt } : {}), locks: [], reserved: new Map() };
}

// ---- XDP -------------------------------------------------------------------------------

function prepareXdp(p: LoadedProgramImpl, o: TestRunOptions): Prepared {
  const rt = p.runtime;
  const mem = rt.mem;
  const data = o.data ?? new Uint8Array(0);
  if (p.spec.expectedAttachType === 33 || p.spec.expectedAttachType === 35) {
    throw new TestRunError(Errno.EINVAL, 'devmap / cpumap XDP programs cannot be test-run');
  }
  if (o.flags) throw new TestRunError(Errno.EINVAL, `flags 0x${o.flags.toString(16)} not supported (BPF_F_TEST_XDP_LIVE_FRAMES is not)`);
  let ctxIn = ctxCopy(o.ctx, 24);
  if (o.ifindex !== undefined || o.rxQueue !== undefined) {
    // shortcuts for xdp_md.ingress_ifindex / rx_queue_index
    if (!ctxIn) { ctxIn = new Uint8Array(24); new DataView(ctxIn.buffer).setUint32(XDP.data_end, data.length, true); }
    const cdv = new DataView(ctxIn.buffer);
    if (o.ifindex !== undefined) cdv.setUint32(XDP.ingress_ifindex, o.ifindex, true);
    if (o.rxQueue !== undefined) cdv.setUint32(XDP.rx_queue_index, o.rxQueue, true);
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
  const fragBytes = data.subarray(linear);
  if (fragBytes.length > MAX_SKB_FRAGS * PAGE_SIZE) throw new TestRunError(Errno.ENOMEM, 'data_in needs more than MAX_SKB_FRAGS fragments');
  const buf = take(p, 'pkt', PAGE_SIZE, { kind: 'packet', name: 'xdp frame' });
  mem.u8.set(data.subarray(0, linear), buf + headroom);
  const pkt: PacketState = {
    kind: 'xdp', buf, cap: PAGE_SIZE, meta: headroom, data: headroom + metaSz, end: headroom + linear,
    mac: headroom + metaSz, net: headroom + metaSz + ETH_HLEN, frags: fragBytes.slice(),
    writable: p.info.packetAccess === 'write', limit: PAGE_SIZE - TAILROOM,
  };
  const uapi = new Uint8Array(24);
  const dv = new DataView(uapi.buffer);
  dv.setUint32(XDP.ingress_ifindex, ingress, true);
  dv.setUint32(XDP.rx_queue_index, rxq, true);
  const ctx = allocCtx(p, p.info, uapi);
  const env = newEnv(p, ctx, pkt);
  return {
    env,
    finish: () => {
      const out = new Uint8Array(pkt.end - pkt.meta + pkt.frags.length);
      out.set(mem.u8.subarray(pkt.buf + pkt.meta, pkt.buf + pkt.end));
      out.set(pkt.frags, pkt.end - pkt.meta);
      const c = ctxIn ? ctxIn.slice() : new Uint8Array(24);
      const cdv = new DataView(c.buffer);
      cdv.setUint32(XDP.data, pkt.data - pkt.meta, true);
      cdv.setUint32(XDP.data_end, pkt.end - pkt.meta, true);
      return { data: out, ctx: c };
    },
    release: () => { give(p, 'ctx', ctx); give(p, 'pkt', pkt.buf); },
  };
}

// ---- socket buffers --------------------------------------------------------------------

const ALLOWED_CTX: ReadonlyArray<[number, number]> = [
  [SKB.mark, 4], [SKB.priority, 4], [SKB.ingress_ifindex, 4], [SKB.ifindex, 4], [SKB.cb, 20],
  [SKB.tstamp, 8], [SKB.wire_len, 4], [SKB.gso_segs, 4], [SKB.gso_size, 4], [SKB.hwtstamp, 8],
];

function prepareSkb(p: LoadedProgramImpl, o: TestRunOptions & TestRunExtra): Prepared {
  const rt = p.runtime;
  const mem = rt.mem;
  const type = p.info.type;
  const data = o.data ?? new Uint8Array(0);
  if ((o.flags ?? 0) & ~1) throw new TestRunError(Errno.EINVAL, `flags 0x${(o.flags ?? 0).toString(16)} not supported`);
  if (o.cpu) throw new TestRunError(Errno.EINVAL, 'cpu must be 0 for skb programs');
  if (data.length < ETH_HLEN) throw new TestRunError(Errno.EINVAL, `data_in is ${data.length} bytes, less than an Ethernet header`);
  if (data.length > PAGE_SIZE - SKB_HEADROOM - TAILROOM) throw new TestRunError(Errno.EINVAL, `data_in is ${data.length} bytes, more than ${PAGE_SIZE - SKB_HEADROOM - TAILROOM}`);
  let ctxIn = ctxCopy(o.ctx, 192);
  if (o.ifindex !== undefined) {
    // shortcut for __sk_buff.ifindex
    ctxIn ??= new Uint8Array(192);
    new DataView(ctxIn.buffer).setUint32(SKB.ifindex, o.ifindex, true);
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
  let dev = rt.device(1) ?? { ifindex: 1, name: 'lo', mtu: 65536, mac: new Uint8Array(6), rxQueues: 1, broadcast: new Uint8Array(6) };
  if (cdv && cdv.getUint32(SKB.ifindex, true) > 1) {
    const d = rt.device(cdv.getUint32(SKB.ifindex, true));
    if (!d) throw new TestRunError(Errno.ENODEV, `ctx_in: no device with ifindex ${cdv.getUint32(SKB.ifindex, true)}`);
    dev = d;
  }
  const isL2 = type === ProgType.SCHED_CLS || type === ProgType.SCHED_ACT;
  const packetView = type === ProgType.SOCKET_FILTER && (o.view ?? 'packet') === 'packet';
  const cap = PAGE_SIZE; // headroom + at most 3712 bytes + tailroom; helpers move to a larger buffer when needed
  const buf = take(p, 'pkt', cap, { kind: 'packet', name: 'skb' });
  mem.u8.set(data, buf + SKB_HEADROOM);
  const mac = SKB_HEADROOM;
  const net = mac + ETH_HLEN;
  // eth_type_trans
  const dst = data.subarray(0, 6);
  let pktType = 0;
  const bcast = dev.broadcast ?? new Uint8Array(6).fill(0xff);
  if (dst.every((b, i) => b === dev.mac[i])) pktType = 0;
  else if (dst[0]! & 1) pktType = dst.every((b, i) => b === bcast[i]) ? 1 : 2;
  else pktType = 3;
  const hproto = (data[12]! << 8) | data[13]!;
  const proto = hproto >= 0x600 ? hproto : data.length >= 16 && data[14] === 0xff && data[15] === 0xff ? 0x0001 : 0x0004;
  const pkt: PacketState = {
    kind: 'skb', buf, cap, meta: 0, data: isL2 || packetView ? mac : net, end: SKB_HEADROOM + data.length, mac, net,
    frags: new Uint8Array(0), writable: p.info.packetAccess === 'write', limit: cap,
  };
  pkt.meta = pkt.data;
  const len = pkt.end - pkt.data;
  const u = new Uint8Array(192);
  const dv = new DataView(u.buffer);
  dv.setUint32(SKB.len, len, true);
  dv.setUint32(SKB.pkt_type, pktType, true);
  dv.setUint16(SKB.protocol, proto, false);
  dv.setUint32(SKB.ifindex, dev.ifindex, true);
  if (cdv) {
    dv.setUint32(SKB.mark, cdv.getUint32(SKB.mark, true), true);
    dv.setUint32(SKB.priority, cdv.getUint32(SKB.priority, true), true);
    dv.setUint32(SKB.ingress_ifindex, cdv.getUint32(SKB.ingress_ifindex, true), true);
    u.set(ctxIn!.subarray(SKB.cb, SKB.cb + 20), SKB.cb);
    dv.setBigUint64(SKB.tstamp, cdv.getBigUint64(SKB.tstamp, true), true);
    const wire = cdv.getUint32(SKB.wire_len, true);
    if (wire !== 0 && (wire < len || wire > 65536)) throw new TestRunError(Errno.EINVAL, `ctx_in: wire_len ${wire} out of range`);
    dv.setUint32(SKB.wire_len, wire || len, true);
    const segs = cdv.getUint32(SKB.gso_segs, true);
    if (segs > 65535) throw new TestRunError(Errno.EINVAL, `ctx_in: gso_segs ${segs} > GSO_MAX_SEGS`);
    dv.setUint32(SKB.gso_segs, segs, true);
    dv.setUint32(SKB.gso_size, cdv.getUint32(SKB.gso_size, true), true);
    dv.setBigUint64(SKB.hwtstamp, cdv.getBigUint64(SKB.hwtstamp, true), true);
  } else {
    dv.setUint32(SKB.wire_len, len, true);
  }
  // the test run's dummy socket: family and addresses of the packet
  if (proto === 0x0800) {
    dv.setUint32(SKB.family, 2, true);
    if (data.length >= ETH_HLEN + 20) {
      u.set(data.subarray(ETH_HLEN + 16, ETH_HLEN + 20), SKB.remote_ip4);
      u.set(data.subarray(ETH_HLEN + 12, ETH_HLEN + 16), SKB.local_ip4);
    }
  } else if (proto === 0x86dd) {
    dv.setUint32(SKB.family, 10, true);
    if (data.length >= ETH_HLEN + 40) {
      u.set(data.subarray(ETH_HLEN + 24, ETH_HLEN + 40), SKB.remote_ip6);
      u.set(data.subarray(ETH_HLEN + 8, ETH_HLEN + 24), SKB.local_ip6);
    }
  }
  const ctx = allocCtx(p, p.info, u);
  const env = newEnv(p, ctx, pkt);
  return {
    env,
    finish: () => {
      const pk = env.pkt!;
      let out: Uint8Array;
      if (isL2 || packetView) out = mem.u8.slice(pk.buf + pk.data, pk.buf + pk.end);
      else {
        out = new Uint8Array(ETH_HLEN + pk.end - pk.data);
        out.set(mem.u8.subarray(pk.buf + pk.data, pk.buf + pk.end), ETH_HLEN);
      }
      const c = ctxIn ? ctxIn.slice() : new Uint8Array(192);
      const r = mem.u8.subarray(ctx, ctx + 192);
      const rdv = new DataView(r.buffer, r.byteOffset, 192);
      const cd = new DataView(c.buffer);
      cd.setUint32(SKB.mark, rdv.getUint32(SKB.mark, true), true);
      cd.setUint32(SKB.priority, rdv.getUint32(SKB.priority, true), true);
      cd.setUint32(SKB.ingress_ifindex, rdv.getUint32(SKB.ingress_ifindex, true), true);
      cd.setUint32(SKB.ifindex, rdv.getUint32(SKB.ifindex, true), true);
      cd.setBigUint64(SKB.tstamp, rdv.getBigUint64(SKB.tstamp, true), true);
      c.set(r.subarray(SKB.cb, SKB.cb + 20), SKB.cb);
      cd.setUint32(SKB.wire_len, rdv.getUint32(SKB.wire_len, true), true);
      cd.setUint32(SKB.gso_segs, rdv.getUint32(SKB.gso_segs, true), true);
      cd.setBigUint64(SKB.hwtstamp, rdv.getBigUint64(SKB.hwtstamp, true), true);
      return { data: out, ctx: c };
    },
    release: () => {
      give(p, 'ctx', ctx);
      if (env.pkt!.cap === PAGE_SIZE) give(p, 'pkt', env.pkt!.buf); else mem.free(env.pkt!.buf);
    },
  };
}

// ---- tracing ---------------------------------------------------------------------------

function prepareTracing(p: LoadedProgramImpl, o: TestRunOptions): Prepared {
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
  const bytes = o.ctx ?? new Uint8Array(0);
  if (bytes.length > info.ctxSize) checkTailZero(bytes, info.ctxSize);
  const ctx = take(p, 'ctx', Math.max(info.ctxSize, 8), { kind: 'ctx', name: info.ctxName });
  mem.u8.set(bytes.subarray(0, info.ctxSize), ctx);
  mem.protect(ctx, info.ctxSize, { read: true, write: false });
  // bytes beyond what the caller gave are not part of the context
  if (bytes.length < info.ctxSize) mem.protect(ctx + bytes.length, info.ctxSize - bytes.length, { read: false });
  const env = newEnv(p, ctx);
  return { env, finish: () => ({ data: new Uint8Array(0) }), release: () => give(p, 'ctx', ctx) };
}

// ---- the run ---------------------------------------------------------------------------

function checkOptions(o: TestRunOptions & TestRunExtra): void {
  const bytes = (v: unknown, what: string): void => {
    if (v !== undefined && !(v instanceof Uint8Array)) throw new TestRunError(Errno.EINVAL, `${what} must be a Uint8Array`);
  };
  bytes(o.data, 'data');
  bytes(o.ctx, 'ctx');
  const int = (v: unknown, what: string, max = 0xffffffff): void => {
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max)) {
      throw new TestRunError(Errno.EINVAL, `${what} must be an integer in [0, ${max}]`);
    }
  };
  int(o.repeat, 'repeat');
  int(o.dataSizeOut, 'dataSizeOut');
  int(o.flags, 'flags');
  int(o.cpu, 'cpu');
  int(o.ifindex, 'ifindex');
  int(o.rxQueue, 'rxQueue');
  if (o.view !== undefined && o.view !== 'packet' && o.view !== 'kernel') throw new TestRunError(Errno.EINVAL, `view must be 'packet' or 'kernel'`);
}

export function testRun(p: LoadedProgramImpl, opts: TestRunOptions & TestRunExtra = {}): TestRunResult {
  checkOptions(opts);
  const rt = p.runtime;
  const cpu = rt.cpu;
  const type = p.info.type;
  let prep: Prepared;
  switch (type) {
    case ProgType.XDP: prep = prepareXdp(p, opts); break;
    case ProgType.SOCKET_FILTER: case ProgType.SCHED_CLS: case ProgType.SCHED_ACT: case ProgType.CGROUP_SKB:
      prep = prepareSkb(p, opts); break;
    default: prep = prepareTracing(p, opts);
  }
  const repeat = Math.max(1, opts.repeat ?? 1);
  const checked = opts.checked ?? p.checked;
  const env = prep.env;
  const savedCpu = rt.currentCpu;
  if (opts.cpu !== undefined && ((opts.flags ?? 0) & 1)) rt.currentCpu = opts.cpu;
  try {
    syncPacket(cpu, env);
    let retval = 0;
    const R = cpu.regs;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < repeat; i++) {
      env.prog = p;
      env.redirect = undefined;
      cpu.env = env;
      cpu.prog = p.program;
      R.fill(0);
      R[2] = env.ctx;
      R[3] = ADDR_HI;
      runRaw(cpu, p.program, checked);
      retval = R[0]! >>> 0;
      if (env.locks.length) throw cpu.helperFault('program exited holding a bpf_spin_lock');
      if (env.reserved.size) {
        throw cpu.helperFault('program exited without submitting or discarding a ring buffer record');
      }
    }
    const total = process.hrtime.bigint() - t0;
    const durationNs = Number(total / BigInt(repeat));
    const { data, ctx } = prep.finish();
    if (opts.dataSizeOut && data.length > opts.dataSizeOut) {
      throw new TestRunError(Errno.ENOSPC, `data_out needs ${data.length} bytes, data_size_out is ${opts.dataSizeOut}`);
    }
    const res: TestRunResult = { retval, data, durationNs };
    if (ctx) res.ctx = ctx;
    if (env.redirect) res.redirect = env.redirect;
    return res;
  } finally {
    // a run that faulted may leave locks taken and records reserved
    for (const a of env.locks) cpu.mem.dv.setUint32(a, 0, true);
    env.locks.length = 0;
    for (const [a, r] of env.reserved) (r as { discardAddr?(x: number, f: number): number }).discardAddr?.(a, 0);
    env.reserved.clear();
    rt.currentCpu = savedCpu;
    cpu.env = undefined;
    prep.release();
  }
}
