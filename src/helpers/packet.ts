// Publishing packet changes: after a helper moved data / data_end / data_meta or replaced
// the buffer, the context's pointer slots, __sk_buff.len, the LD_ABS view of the cpu and the
// checked-mode access bits must follow (the kernel's bpf_compute_data_pointers).

import { ADDR_HI, type Memory } from '../vm/memory.js';
import type { Cpu } from '../vm/cpu.js';
import type { PacketState, RunEnv } from './env.js';

function setPtr(mem: Memory, at: number, a: number): void {
  const dv = mem.dv;
  dv.setUint32(at, a >>> 0, true);
  dv.setInt32(at + 4, ADDR_HI, true);
  mem.markWritten(at, 8);
}

const NO_SLOTS: Readonly<Record<string, number>> = {};

export function syncPacket(cpu: Cpu, env: RunEnv): void {
  const p = env.pkt;
  if (!p) return;
  const mem = cpu.mem;
  const slots = env.prog.info.ptrSlots ?? NO_SLOTS;
  const base = p.buf;
  const sd = slots.data, se = slots.data_end, sm = slots.data_meta;
  if (sd !== undefined) setPtr(mem, env.ctx + sd, base + p.data);
  if (se !== undefined) setPtr(mem, env.ctx + se, base + p.end);
  if (sm !== undefined) setPtr(mem, env.ctx + sm, base + p.meta);
  if (p.kind === 'skb') mem.dv.setUint32(env.ctx, p.end - p.data, true);
  cpu.pktData = base + p.data;
  cpu.pktLen = p.end - p.data;
  cpu.pktNetOff = p.net - p.data;
  cpu.pktMacOff = p.mac - p.data;
  mem.setAccess(base, p.cap, false, false);
  mem.setAccess(base + p.meta, p.end - p.meta, true, p.writable);
}

/** The packet bytes (data..end) as a copy. */
export function packetBytes(cpu: Cpu, p: PacketState): Uint8Array {
  return cpu.mem.u8.slice(p.buf + p.data, p.buf + p.end);
}
