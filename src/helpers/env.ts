// The per-run state helpers work on (cpu.env): which runtime and program, where the context
// is, and for packet programs the packet buffer. The runtime's test-run builds it; helpers
// change the packet through it and `syncPacket` publishes the change to the context (the
// pointer slots, __sk_buff.len) and to the checked-mode access bits.

import type { Cpu } from '../vm/cpu.js';
import type { Runtime } from '../runtime/runtime.js';
import type { ProgTypeInfo } from '../progs/types.js';
import type { Program } from '../vm/program.js';

export interface PacketState {
  readonly kind: 'xdp' | 'skb';
  /** Buffer region (offset in the linear memory) and its size; helpers may replace it (skb). */
  buf: number;
  cap: number;
  /** Offsets inside the buffer: data_meta ≤ data ≤ data_end (xdp; skb: meta = data). */
  meta: number;
  data: number;
  end: number;
  /** skb: offsets (in the buffer) of the MAC and network headers. */
  mac: number;
  net: number;
  /** xdp: bytes after the linear part (fragments), read by xdp_load_bytes and kept in data_out. */
  frags: Uint8Array;
  /** The program may write the packet directly. */
  writable: boolean;
  /** Largest data_end (offset) the tail may grow to (xdp: frame size - tailroom). */
  limit: number;
}

export interface RedirectRecord {
  ifindex?: number;
  map?: number;
  key?: number;
  flags: number;
}

/** A program as helpers see it (tail calls, callbacks). */
export interface RunnableProgram {
  readonly id: number;
  readonly name: string;
  readonly info: ProgTypeInfo;
  readonly program: Program;
}

export interface RunEnv {
  readonly runtime: Runtime;
  /** The program whose run this is (changes on tail calls). */
  prog: RunnableProgram;
  /** Context region offset. */
  readonly ctx: number;
  pkt?: PacketState;
  redirect?: RedirectRecord;
  /** Spin locks held (lock word addresses). */
  locks: number[];
  /** Ring buffer records reserved and not yet submitted (addresses). */
  reserved: Map<number, unknown>;
}

export function envOf(cpu: Cpu): RunEnv {
  const env = cpu.env as RunEnv | undefined;
  if (!env) throw cpu.helperFault('helper called outside a program run');
  return env;
}
