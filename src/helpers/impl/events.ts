// Event output helpers: perf_event_output (PERF_EVENT_ARRAY) and the ring buffer helpers
// (ringbuf_output / reserve / submit / discard / query), over the maps module's classes.

import { BpfFunc } from '../../uapi/bpf.js';
import { Errno } from '../../uapi/errno.js';
import type { Cpu } from '../../vm/cpu.js';
import { envOf } from '../env.js';
import { mapArg } from './maps.js';
import type { HelperImpls } from './registry.js';
import { hiBits, memIn } from './util.js';

/** What the perf event array and ring buffer maps offer the program side. */
interface PerfEventArray {
  /** Deliver a sample (flags: index or BPF_F_CURRENT_CPU); 0 or -errno. */
  perfOutputAddr(flags: bigint, dataAddr: number, size: number): number;
}
interface RingBuf {
  outputAddr(dataAddr: number, size: number, flags: number): number;
  reserveAddr(size: number, flags: number): number;
  submitAddr(recordAddr: number, flags: number): number;
  discardAddr(recordAddr: number, flags: number): number;
  query(flags: number): number | bigint;
}

/** BPF_F_CURRENT_CPU / BPF_F_INDEX_MASK */
const INDEX_MASK = 0xffffffffn;

function ringOf(cpu: Cpu, id: number): RingBuf {
  const m = mapArg(cpu, id) as unknown as Partial<RingBuf>;
  if (typeof m.reserveAddr !== 'function') throw cpu.helperFault(`helper ${id}: map is not a ring buffer`);
  return m as RingBuf;
}

export const eventHelpers: HelperImpls = {
  [BpfFunc.perf_event_output]: (cpu) => {
    const m = mapArg(cpu, BpfFunc.perf_event_output, 2) as unknown as Partial<PerfEventArray>;
    const flags = cpu.u64(3);
    const size = cpu.u32(5);
    const data = memIn(cpu, BpfFunc.perf_event_output, 4, size);
    if (flags & ~(INDEX_MASK | (0xfffffn << 32n))) return cpu.ret(-Errno.EINVAL);
    if (typeof m.perfOutputAddr !== 'function') return cpu.ret(-Errno.EINVAL);
    cpu.ret(m.perfOutputAddr(flags & INDEX_MASK, data, size));
  },
  [BpfFunc.ringbuf_output]: (cpu) => {
    const r = ringOf(cpu, BpfFunc.ringbuf_output);
    const size = cpu.u32(3);
    const data = memIn(cpu, BpfFunc.ringbuf_output, 2, size);
    if (hiBits(cpu, 4)) return cpu.ret(-Errno.EINVAL);
    cpu.ret(r.outputAddr(data, size, cpu.num(4)));
  },
  [BpfFunc.ringbuf_reserve]: (cpu) => {
    const env = envOf(cpu);
    const r = ringOf(cpu, BpfFunc.ringbuf_reserve);
    const a = hiBits(cpu, 3) || hiBits(cpu, 2) ? 0 : r.reserveAddr(cpu.u32(2), cpu.num(3));
    if (a) env.reserved.set(a, r);
    cpu.setPtr(0, a);
  },
  [BpfFunc.ringbuf_submit]: (cpu) => {
    const env = envOf(cpu);
    const a = cpu.addr(1);
    const r = env.reserved.get(a);
    if (!r) throw cpu.helperFault('bpf_ringbuf_submit: R1 is not a reserved ring buffer record');
    env.reserved.delete(a);
    (r as RingBuf).submitAddr(a, cpu.num(2));
    cpu.ret(0);
  },
  [BpfFunc.ringbuf_discard]: (cpu) => {
    const env = envOf(cpu);
    const a = cpu.addr(1);
    const r = env.reserved.get(a);
    if (!r) throw cpu.helperFault('bpf_ringbuf_discard: R1 is not a reserved ring buffer record');
    env.reserved.delete(a);
    (r as RingBuf).discardAddr(a, cpu.num(2));
    cpu.ret(0);
  },
  [BpfFunc.ringbuf_query]: (cpu) => {
    const r = ringOf(cpu, BpfFunc.ringbuf_query);
    const v = r.query(cpu.num(2));
    if (typeof v === 'bigint') cpu.setBig(0, v); else cpu.ret(v);
  },
};
