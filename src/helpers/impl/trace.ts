// Tracing and string helpers: trace_printk / trace_vprintk (lines to runtime.trace, as
// trace_pipe shows them), snprintf, strtol / strtoul, strncmp, probe_read_{kernel,user}{,_str}
// over memory the caller provides (runtime.addressSpace) or BPF memory.

import { BpfFunc } from '../../uapi/bpf.js';
import { Errno } from '../../uapi/errno.js';
import type { Cpu } from '../../vm/cpu.js';
import { ADDR_HI } from '../../vm/memory.js';
import type { Runtime } from '../../runtime/runtime.js';
import { envOf } from '../env.js';
import { bprintf, type FormatIo } from './format.js';
import type { HelperImpls } from './registry.js';
import { hiBits, memIn, memOut } from './util.js';

const ADDR_HI_U = BigInt(ADDR_HI >>> 0);

/** Read n bytes at a 64-bit address from BPF memory or the caller's address space; undefined = fault. */
export function readAddress(cpu: Cpu, rt: Runtime, addr: bigint, n: number, user: boolean): Uint8Array | undefined {
  if (n === 0) return new Uint8Array(0);
  for (const r of rt.addressSpace) {
    if (!!r.user !== user) continue;
    const end = r.start + BigInt(r.bytes.length);
    if (addr >= r.start && addr + BigInt(n) <= end) {
      const o = Number(addr - r.start);
      return r.bytes.slice(o, o + n);
    }
  }
  if (!user && (addr >> 32n) === ADDR_HI_U) {
    const a = Number(addr & 0xffffffffn);
    if (a + n > cpu.mem.size || !cpu.mem.canRead(a, n)) return undefined;
    return cpu.mem.u8.slice(a, a + n);
  }
  return undefined;
}

/** A string at a 64-bit address: bytes up to the NUL (or max), undefined when unreadable at the start. */
function readStr(cpu: Cpu, rt: Runtime, addr: bigint, max: number, user: boolean): { bytes: Uint8Array; terminated: boolean } | undefined {
  const out: number[] = [];
  for (let i = 0; i < max; i++) {
    const b = readAddress(cpu, rt, addr + BigInt(i), 1, user);
    if (!b) return i === 0 ? undefined : { bytes: Uint8Array.from(out), terminated: false };
    if (b[0] === 0) return { bytes: Uint8Array.from(out), terminated: true };
    out.push(b[0]!);
  }
  return { bytes: Uint8Array.from(out), terminated: false };
}

function io(cpu: Cpu, rt: Runtime): FormatIo {
  return {
    readString: (a, max, user) => {
      const s = readStr(cpu, rt, a, max, user);
      return s ? String.fromCharCode(...s.bytes) : undefined;
    },
    readBytes: (a, n) => readAddress(cpu, rt, a, n, false),
  };
}

/** The trace_pipe prefix of a line written now. */
function tracePrefix(rt: Runtime): string {
  const ns = rt.clockNs() - rt.bootNs;
  const us = ns / 1000n;
  const sec = (us / 1000000n).toString();
  const frac = (us % 1000000n).toString().padStart(6, '0');
  // trace_print_context: "%16s-%-7d [%03d] <flags> %5lu.%06lu: "
  return `${rt.task.comm.slice(0, 16).padStart(16)}-${String(rt.task.pid).padEnd(7)} [${String(rt.currentCpu).padStart(3, '0')}] ..... ${sec.padStart(5)}.${frac}: bpf_trace_printk: `;
}

function emit(rt: Runtime, msg: string): void {
  const text = msg.endsWith('\n') ? msg.slice(0, -1) : msg;
  const lines = text.split('\n');
  rt.trace.push(tracePrefix(rt) + lines[0]);
  for (const l of lines.slice(1)) rt.trace.push(l);
}

/** MAX_BPRINTF_BUF */
const BUF = 1024;

function args64(cpu: Cpu, a: number, len: number): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < len; i += 8) out.push(cpu.mem.dv.getBigUint64(a + i, true));
  return out;
}

function parseInteger(s: string, baseIn: number): { consumed: number; value: bigint; overflow: boolean } {
  let base = baseIn;
  let i = 0;
  if (base === 0) {
    if (s[0] === '0') base = s[1]?.toLowerCase() === 'x' && /[0-9a-fA-F]/.test(s[2] ?? '') ? 16 : 8;
    else base = 10;
  }
  if (base === 16 && s[0] === '0' && s[1]?.toLowerCase() === 'x') i = 2;
  const prefix = i;
  let v = 0n, overflow = false, n = 0;
  for (; i < s.length; i++) {
    const d = parseInt(s[i]!, 36);
    if (Number.isNaN(d) || d >= base) break;
    v = v * BigInt(base) + BigInt(d);
    if (v > 0xffffffffffffffffn) overflow = true;
    n++;
  }
  return { consumed: n === 0 ? 0 : prefix + n, value: BigInt.asUintN(64, v), overflow };
}

/** __bpf_strtoull: consumed chars, or -errno; value and sign through the result. */
function strtoull(cpu: Cpu, id: number): { r: number; value: bigint; neg: boolean } {
  const len = cpu.u32(2);
  const flags = cpu.num(3);
  const fail = (e: number): { r: number; value: bigint; neg: boolean } => ({ r: -e, value: 0n, neg: false });
  if (len === 0) return fail(Errno.EINVAL);
  const a = memIn(cpu, id, 1, len);
  const base = flags & 0x1f;
  if (base !== 0 && base !== 8 && base !== 10 && base !== 16) return fail(Errno.EINVAL);
  if (hiBits(cpu, 3) || flags & ~0x1f) return fail(Errno.EINVAL);
  const buf = cpu.mem.u8.subarray(a, a + len);
  let i = 0;
  while (i < len && (buf[i] === 0x20 || (buf[i]! >= 9 && buf[i]! <= 13))) i++;
  const neg = i < len && buf[i] === 0x2d;
  if (neg) i++;
  if (i === len) return fail(Errno.EINVAL);
  const rest = buf.subarray(i, Math.min(len, i + 63));
  const z = rest.indexOf(0);
  const str = String.fromCharCode(...(z >= 0 ? rest.subarray(0, z) : rest));
  const p = parseInteger(str, base);
  if (p.overflow) return fail(Errno.ERANGE);
  if (p.consumed === 0) return fail(Errno.EINVAL);
  return { r: i + p.consumed, value: p.value, neg };
}

function probeRead(user: boolean, str: boolean, id: number) {
  return (cpu: Cpu): void => {
    const rt = envOf(cpu).runtime;
    const size = cpu.u32(2);
    const dst = memOut(cpu, id, 1, size);
    const src = cpu.u64(3);
    const u8 = cpu.mem.u8;
    if (!str) {
      const b = readAddress(cpu, rt, src, size, user);
      if (!b) { u8.fill(0, dst, dst + size); cpu.mem.markWritten(dst, size); return cpu.ret(-Errno.EFAULT); }
      u8.set(b, dst); cpu.mem.markWritten(dst, size);
      return cpu.ret(0);
    }
    if (size === 0) return cpu.ret(0);
    const s = readStr(cpu, rt, src, size - 1, user);
    if (!s) { u8.fill(0, dst, dst + size); cpu.mem.markWritten(dst, size); return cpu.ret(-Errno.EFAULT); }
    u8.set(s.bytes, dst);
    u8[dst + s.bytes.length] = 0;
    cpu.mem.markWritten(dst, s.bytes.length + 1);
    cpu.ret(s.bytes.length + 1);
  };
}

export const traceHelpers: HelperImpls = {
  [BpfFunc.trace_printk]: (cpu) => {
    const env = envOf(cpu);
    const size = cpu.u32(2);
    const f = memIn(cpu, BpfFunc.trace_printk, 1, size);
    const r = bprintf(cpu.mem.u8.slice(f, f + size), [cpu.u64(3), cpu.u64(4), cpu.u64(5)], 3, io(cpu, env.runtime));
    if (typeof r === 'number') return cpu.ret(r);
    const s = r.slice(0, BUF - 1);
    emit(env.runtime, s);
    cpu.ret(s.length);
  },
  [BpfFunc.trace_vprintk]: (cpu) => {
    const env = envOf(cpu);
    const size = cpu.u32(2);
    const f = memIn(cpu, BpfFunc.trace_vprintk, 1, size);
    const dlen = cpu.u32(4);
    if (dlen % 8 !== 0 || dlen > 12 * 8 || (cpu.addr(3) < 0 && dlen > 0)) return cpu.ret(-Errno.EINVAL);
    const d = memIn(cpu, BpfFunc.trace_vprintk, 3, dlen);
    const r = bprintf(cpu.mem.u8.slice(f, f + size), args64(cpu, d, dlen), dlen / 8, io(cpu, env.runtime));
    if (typeof r === 'number') return cpu.ret(r);
    const s = r.slice(0, BUF - 1);
    emit(env.runtime, s);
    cpu.ret(s.length);
  },
  [BpfFunc.snprintf]: (cpu) => {
    const env = envOf(cpu);
    const strSize = cpu.u32(2);
    const dlen = cpu.u32(5);
    if (dlen % 8 !== 0 || dlen > 12 * 8) return cpu.ret(-Errno.EINVAL);
    const fa = cpu.addr(3);
    if (fa < 0) throw cpu.helperFault('bpf_snprintf: R3 is not a pointer');
    let end = fa;
    while (end < cpu.mem.size && cpu.mem.u8[end] !== 0) end++;
    const fmt = cpu.mem.u8.slice(fa, end + 1);
    const d = dlen ? memIn(cpu, BpfFunc.snprintf, 4, dlen) : 0;
    const r = bprintf(fmt, dlen ? args64(cpu, d, dlen) : [], dlen / 8, io(cpu, env.runtime));
    if (typeof r === 'number') return cpu.ret(r);
    if (strSize > 0) {
      const out = memOut(cpu, BpfFunc.snprintf, 1, strSize);
      const n = Math.min(r.length, strSize - 1);
      for (let i = 0; i < n; i++) cpu.mem.u8[out + i] = r.charCodeAt(i) & 0xff;
      cpu.mem.u8[out + n] = 0;
      cpu.mem.markWritten(out, n + 1);
    }
    cpu.ret(r.length + 1);
  },
  [BpfFunc.strtol]: (cpu) => {
    const res = memOut(cpu, BpfFunc.strtol, 4, 8);
    const p = strtoull(cpu, BpfFunc.strtol);
    if (p.r < 0) return cpu.ret(p.r);
    let v: bigint;
    if (p.neg) { if (BigInt.asIntN(64, -p.value) > 0n) return cpu.ret(-Errno.ERANGE); v = -p.value; }
    else { if (BigInt.asIntN(64, p.value) < 0n) return cpu.ret(-Errno.ERANGE); v = p.value; }
    cpu.mem.dv.setBigUint64(res, BigInt.asUintN(64, v), true);
    cpu.mem.markWritten(res, 8);
    cpu.ret(p.r);
  },
  [BpfFunc.strtoul]: (cpu) => {
    const res = memOut(cpu, BpfFunc.strtoul, 4, 8);
    const p = strtoull(cpu, BpfFunc.strtoul);
    if (p.r < 0) return cpu.ret(p.r);
    if (p.neg) return cpu.ret(-Errno.EINVAL);
    cpu.mem.dv.setBigUint64(res, p.value, true);
    cpu.mem.markWritten(res, 8);
    cpu.ret(p.r);
  },
  [BpfFunc.strncmp]: (cpu) => {
    const n = cpu.u32(2);
    const a = memIn(cpu, BpfFunc.strncmp, 1, n);
    const b = cpu.addr(3);
    if (b < 0) throw cpu.helperFault('bpf_strncmp: R3 is not a pointer');
    const u8 = cpu.mem.u8;
    for (let i = 0; i < n; i++) {
      const c1 = u8[a + i]!, c2 = u8[b + i] ?? 0;
      if (c1 !== c2) return cpu.ret(c1 < c2 ? -1 : 1);
      if (c1 === 0) break;
    }
    cpu.ret(0);
  },
  [BpfFunc.probe_read]: probeRead(false, false, BpfFunc.probe_read),
  [BpfFunc.probe_read_str]: probeRead(false, true, BpfFunc.probe_read_str),
  [BpfFunc.probe_read_kernel]: probeRead(false, false, BpfFunc.probe_read_kernel),
  [BpfFunc.probe_read_kernel_str]: probeRead(false, true, BpfFunc.probe_read_kernel_str),
  [BpfFunc.probe_read_user]: probeRead(true, false, BpfFunc.probe_read_user),
  [BpfFunc.probe_read_user_str]: probeRead(true, true, BpfFunc.probe_read_user_str),
};
