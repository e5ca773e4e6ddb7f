// PERF_EVENT_ARRAY (events written by bpf_perf_event_output, collected per slot for a
// user-space reader) and STACK_TRACE (stack ids for bpf_get_stackid over call stacks the
// caller supplies: a user-space runtime has no kernel or user stacks of its own).

import type { Runtime } from '../runtime/runtime.js';
import { Errno } from '../uapi/errno.js';
import { readU32, u32Key } from './array.js';
import { MapBase, type MapBaseOptions } from './base.js';
import { SlotArrayMap } from './fdarray.js';
import { jhash, roundupPow2 } from './jhash.js';
import type { MapSpec } from './types.js';
import { F_STACK_BUILD_ID } from './validate.js';
import { b64, unb64 } from './b64.js';

export const BPF_F_INDEX_MASK = 0xffffffffn;
export const BPF_F_CURRENT_CPU = 0xffffffff;
export const BPF_F_CTXLEN_MASK = 0xfffffn << 32n;

export interface PerfEvent {
  /** Slot of the map the event was written to (normally the CPU). */
  index: number;
  /** CPU the program ran on. */
  cpu: number;
  /** The raw sample (PERF_RECORD_SAMPLE's data). */
  data: Uint8Array;
}

export class PerfEventArrayMap extends SlotArrayMap {
  private readonly events: PerfEvent[] = [];
  /** Events refused because no reader slot was set (kernel: ENOENT to the program). */
  lost = 0;

  /**
   * bpf_perf_event_output: `flags` as the helper gets it (index in the low 32 bits or
   * BPF_F_CURRENT_CPU; the context length bits are the caller's business and allowed here).
   * 0 or -errno.
   */
  perfOutput(flags: bigint, data: Uint8Array): number {
    if (flags & ~(BPF_F_INDEX_MASK | BPF_F_CTXLEN_MASK)) return -Errno.EINVAL;
    let index = Number(flags & BPF_F_INDEX_MASK);
    const cpu = this.rt.currentCpu;
    if (index === BPF_F_CURRENT_CPU) index = cpu;
    if (index >= this.spec.maxEntries) return -Errno.E2BIG;
    if (this.refAt(index) === undefined) { this.lost++; return -Errno.ENOENT; }
    this.events.push({ index, cpu, data: data.slice() });
    return 0;
  }

  /** The same, with the data in linear memory. */
  perfOutputAddr(flags: bigint, dataAddr: number, size: number): number {
    return this.perfOutput(flags, this.readMem(dataAddr, size));
  }

  /** Take the events collected so far (optionally only those of one slot), oldest first. */
  readEvents(index?: number): PerfEvent[] {
    if (index === undefined) return this.events.splice(0);
    const out: PerfEvent[] = [];
    for (let i = 0; i < this.events.length;) {
      if (this.events[i]!.index === index) out.push(...this.events.splice(i, 1)); else i++;
    }
    return out;
  }

  get pending(): number { return this.events.length; }

  override exportState(): unknown {
    return { slots: super.exportState(), events: this.events.map((e) => ({ index: e.index, cpu: e.cpu, data: b64(e.data) })) };
  }

  override importState(state: unknown): void {
    const s = state as { slots: unknown; events?: Array<{ index: number; cpu: number; data: string }> };
    super.importState(s.slots);
    for (const e of s.events ?? []) this.events.push({ index: e.index, cpu: e.cpu, data: unb64(e.data) });
  }
}

export const BPF_F_SKIP_FIELD_MASK = 0xff;
export const BPF_F_USER_STACK = 1 << 8;
export const BPF_F_FAST_STACK_CMP = 1 << 9;
export const BPF_F_REUSE_STACKID = 1 << 10;

export class StackTraceMap extends MapBase {
  readonly nBuckets: number;
  private readonly buckets = new Map<number, BigUint64Array>();

  constructor(rt: Runtime, spec: MapSpec, opts: MapBaseOptions = {}) {
    super(rt, spec, opts);
    this.nBuckets = roundupPow2(spec.maxEntries);
  }

  /**
   * bpf_get_stackid over a caller-supplied stack (innermost frame first): the stack id, or
   * -errno (EFAULT empty stack, EEXIST bucket taken by another stack without
   * BPF_F_REUSE_STACKID, EINVAL bad flags).
   */
  getStackId(ips: readonly bigint[], flags: number): number {
    if (flags & ~(BPF_F_SKIP_FIELD_MASK | BPF_F_USER_STACK | BPF_F_FAST_STACK_CMP | BPF_F_REUSE_STACKID)) return -Errno.EINVAL;
    if (this.spec.flags & F_STACK_BUILD_ID) return -Errno.EOPNOTSUPP; // no build ids in user space
    const skip = flags & BPF_F_SKIP_FIELD_MASK;
    const maxDepth = this.spec.valueSize / 8;
    const trace = ips.slice(skip, skip + maxDepth);
    if (!trace.length) return -Errno.EFAULT;
    const words = new BigUint64Array(trace.map((x) => BigInt.asUintN(64, x)));
    const bytes = new Uint8Array(words.buffer);
    const id = jhash(bytes, 0, bytes.length, 0) & (this.nBuckets - 1);
    const old = this.buckets.get(id);
    const same = !!old && old.length === words.length && old.every((v, i) => v === words[i]);
    if (old && same) return id;
    if (old && !(flags & BPF_F_REUSE_STACKID)) return -Errno.EEXIST;
    this.buckets.set(id, words);
    return id;
  }

  /** The stored stack of an id. */
  stack(id: number): bigint[] | undefined {
    const b = this.buckets.get(id);
    return b ? [...b] : undefined;
  }

  override exportState(): unknown {
    return { buckets: [...this.buckets].map(([id, w]) => [id, [...w].map(String)]) };
  }

  override importState(state: unknown): void {
    for (const [id, w] of (state as { buckets: Array<[number, string[]]> }).buckets) this.buckets.set(id, new BigUint64Array(w.map(BigInt)));
  }

  lookupAddr(): number { return 0; }
  updateAddr(): number { return -Errno.EINVAL; }
  deleteAddr(keyAddr: number): number {
    return this.userDelete(this.readMem(keyAddr, 4));
  }

  protected userLookup(key: Uint8Array): Uint8Array | number {
    const b = this.buckets.get(readU32(key));
    if (!b) return -Errno.ENOENT;
    const out = new Uint8Array(this.spec.valueSize);
    out.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    return out;
  }

  protected userUpdate(): number { return -Errno.EINVAL; }

  protected userDelete(key: Uint8Array): number {
    const id = readU32(key);
    if (id >= this.nBuckets) return -Errno.E2BIG;
    return this.buckets.delete(id) ? 0 : -Errno.ENOENT;
  }

  protected userNextKey(key: Uint8Array | null): Uint8Array | number {
    let id = 0;
    if (key) {
      id = readU32(key);
      id = id >= this.nBuckets || !this.buckets.has(id) ? 0 : id + 1;
    }
    let best = -1;
    for (const k of this.buckets.keys()) if (k >= id && (best < 0 || k < best)) best = k;
    return best < 0 ? -Errno.ENOENT : u32Key(best);
  }
}

export type { Runtime };
