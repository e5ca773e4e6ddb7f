// Publishing packet changes: after a helper moved data / data_end / data_meta or replaced
// the buffer, the context's pointer slots, __sk_buff.len, the LD_ABS view of the cpu and the
// checked-mode access bits must follow (the kernel's bpf_compute_data_pointers).

import { ADDR_HI } from '../vm/memory.js';
import type { Cpu } from '../vm/cpu.js';
import type { PacketState, RunEnv } from './env.js';

function setPtr(cpu: Cpu, at: number, a: number): void {
  const dv = cpu.mem.dv;
  dv.setUint32(at, a >>> 0, true);
  dv.setInt32(at + 4, ADDR_HI, true);
  cpu.mem.markWritten(at, 8);
}

export function syncPacket(cpu: Cpu, env: RunEnv): void {
  const p = env.pkt;
  if (!p) return;
  const slots = env.prog.info.ptrSlots ?? {};
  const base = p.buf;
  if (slots.data !== undefined) setPtr(cpu, env.ctx + slots.data, base + p.data);
  if (slots.data_end !== undefined) setPtr(cpu, env.ctx + slots.data_end, base + p.end);
  if (slots.data_meta !== undefined) setPtr(cpu, env.ctx + slots.data_meta, base + p.meta);
  if (p.kind === 'skb') cpu.mem.dv.setUint32(env.ctx, p.end - p.data, true);
  cpu.pktData = base + p.data;
  cpu.pktLen = p.end - p.data;
  cpu.pktNetOff = p.net - p.data;
  cpu.pktMacOff = p.mac - p.data;
  const mem = cpu.mem;
  mem.protect(base, p.cap, { read: false, write: false });
  mem.protect(base + p.meta, p.end - p.meta, { read: true, write: p.writable });
}

/** The packet bytes (data..end) as a copy. */
export function packetBytes(cpu: Cpu, p: PacketState): Uint8Array {
  return cpu.mem.u8.slice(p.buf + p.data, p.buf + p.end);
}
