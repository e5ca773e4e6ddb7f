// RINGBUF (kernel/bpf/ringbuf.c): a power-of-2, page-multiple data area; each record has
// the kernel's 8-byte header { u32 len (bit 31 BUSY, bit 30 DISCARD), u32 pg_off } and is
// padded to 8 bytes. Producer and consumer positions grow without wrapping; a record is
// contiguous for the program because the data area is mapped twice in a row (here: a
// region of twice the size; the part of a record past the end is copied to the start on
// submit/discard). Reserve fails (NULL) when the producer would get more than size - 1
// bytes ahead of the consumer or of the oldest uncommitted record.
//
// User space consumes with `consume()` / `poll()` (what libbpf's ring_buffer__consume
// delivers: committed, non-discarded records in order, stopping at a busy one).

import type { Runtime } from '../runtime/runtime.js';
import { Errno } from '../uapi/errno.js';
import { MapBase, type MapBaseOptions } from './base.js';
import { MapError, type MapSpec } from './types.js';
import { b64, unb64 } from './b64.js';

export const RINGBUF_BUSY_BIT = 0x80000000;
export const RINGBUF_DISCARD_BIT = 0x40000000;
export const RINGBUF_HDR_SZ = 8;
export const BPF_RB_NO_WAKEUP = 1;
export const BPF_RB_FORCE_WAKEUP = 2;
/** bpf_ringbuf_query flags */
export const BPF_RB_AVAIL_DATA = 0;
export const BPF_RB_RING_SIZE = 1;
export const BPF_RB_CONS_POS = 2;
export const BPF_RB_PROD_POS = 3;
/** RINGBUF_MAX_RECORD_SZ = UINT_MAX / 4 */
const MAX_RECORD = Math.floor(0xffffffff / 4);
/** The data area starts 3 pages into struct bpf_ringbuf (pg_off of records counts from there). */
const DATA_PGOFF = 3;

export interface RingbufRecord {
  /** Byte offset of the record (producer position at reserve time). */
  pos: number;
  data: Uint8Array;
}

export class RingbufMap extends MapBase {
  readonly size: number;
  readonly mask: number;
  /** Offset of the data area (twice `size` bytes). */
  readonly data: number;
  consumerPos = 0;
  producerPos = 0;
  pendingPos = 0;
  /** Wakeups the producer asked for (for tests / a poll loop). */
  wakeups = 0;

  constructor(rt: Runtime, spec: MapSpec, opts: MapBaseOptions = {}) {
    super(rt, spec, opts);
    this.size = spec.maxEntries;
    this.mask = this.size - 1;
    const d = this.allocRegion(this.size * 2, 'ringbuf', 'data');
    if (!d) {
      this.destroy();
      throw new MapError(Errno.ENOMEM, 'create', 'map create: cannot allocate the ring buffer');
    }
    this.data = d;
  }

  private hdrAt(pos: number): number {
    return this.data + (pos & this.mask);
  }

  /** bpf_ringbuf_reserve: offset of the sample or 0. */
  reserveAddr(size: number, flags: number): number {
    if (flags) return 0;
    if (size < 0 || size > MAX_RECORD) return 0;
    const len = (size + RINGBUF_HDR_SZ + 7) & ~7;
    if (len > this.size) return 0;
    const dv = this.rt.mem.dv;
    // advance the pending position past committed records
    while (this.pendingPos < this.producerPos) {
      const hl = dv.getUint32(this.hdrAt(this.pendingPos), true);
      if (hl & RINGBUF_BUSY_BIT) break;
      this.pendingPos += ((hl & ~RINGBUF_DISCARD_BIT) + RINGBUF_HDR_SZ + 7) & ~7;
    }
    const newProd = this.producerPos + len;
    if (newProd - this.consumerPos > this.mask || newProd - this.pendingPos > this.mask) return 0;
    const h = this.hdrAt(this.producerPos);
    dv.setUint32(h, (size | RINGBUF_BUSY_BIT) >>> 0, true);
    dv.setUint32(h + 4, DATA_PGOFF + ((this.producerPos & this.mask) >>> 12), true);
    this.rt.mem.u8.fill(0, h + RINGBUF_HDR_SZ, h + len); // fresh sample memory
    this.producerPos = newProd;
    return h + RINGBUF_HDR_SZ;
  }

  private commit(sampleAddr: number, flags: number, discard: boolean): number {
    const h = sampleAddr - RINGBUF_HDR_SZ;
    if (h < this.data || h >= this.data + this.size) return -Errno.EINVAL;
    const dv = this.rt.mem.dv;
    const hl = dv.getUint32(h, true);
    if (!(hl & RINGBUF_BUSY_BIT)) return -Errno.EINVAL;
    const size = hl & ~RINGBUF_BUSY_BIT & ~RINGBUF_DISCARD_BIT;
    // mirror the part past the end of the area back to its start
    const end = h + RINGBUF_HDR_SZ + size;
    const limit = this.data + this.size;
    if (end > limit) this.rt.mem.u8.copyWithin(this.data, limit, end);
    let nl = hl & ~RINGBUF_BUSY_BIT;
    if (discard) nl |= RINGBUF_DISCARD_BIT;
    dv.setUint32(h, nl >>> 0, true);
    if (!(flags & BPF_RB_NO_WAKEUP)) this.wakeups++;
    return 0;
  }

  /** bpf_ringbuf_submit. */
  submitAddr(sampleAddr: number, flags: number): number {
    return this.commit(sampleAddr, flags, false);
  }

  /** bpf_ringbuf_discard. */
  discardAddr(sampleAddr: number, flags: number): number {
    return this.commit(sampleAddr, flags, true);
  }

  /** bpf_ringbuf_output: 0 or -errno (EINVAL bad flags, EAGAIN no room). */
  outputAddr(dataAddr: number, size: number, flags: number): number {
    if (flags & ~(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP)) return -Errno.EINVAL;
    const bytes = this.readMem(dataAddr, size);
    return this.output(bytes, flags);
  }

  /** Write a whole record (bpf_ringbuf_output from bytes). */
  output(bytes: Uint8Array, flags = 0): number {
    if (flags & ~(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP)) return -Errno.EINVAL;
    const s = this.reserveAddr(bytes.length, 0);
    if (!s) return -Errno.EAGAIN;
    const first = Math.min(bytes.length, this.data + this.size * 2 - s);
    this.rt.mem.u8.set(bytes.subarray(0, first), s);
    return this.commit(s, flags, false);
  }

  /** bpf_ringbuf_query. */
  query(flags: number): bigint {
    switch (flags) {
      case BPF_RB_AVAIL_DATA: return BigInt(this.producerPos - this.consumerPos);
      case BPF_RB_RING_SIZE: return BigInt(this.size);
      case BPF_RB_CONS_POS: return BigInt(this.consumerPos);
      case BPF_RB_PROD_POS: return BigInt(this.producerPos);
      default: return 0n;
    }
  }

  /**
   * Consume committed records (ring_buffer__consume): returns them in order, skipping
   * discarded ones, stopping at the first record still reserved. `max` bounds the count.
   */
  consume(max = Infinity): RingbufRecord[] {
    const out: RingbufRecord[] = [];
    const dv = this.rt.mem.dv;
    while (this.consumerPos < this.producerPos && out.length < max) {
      const h = this.hdrAt(this.consumerPos);
      const hl = dv.getUint32(h, true);
      if (hl & RINGBUF_BUSY_BIT) break;
      const size = hl & ~RINGBUF_DISCARD_BIT;
      const len = (size + RINGBUF_HDR_SZ + 7) & ~7;
      if (!(hl & RINGBUF_DISCARD_BIT)) {
        const data = new Uint8Array(size);
        const start = (this.consumerPos + RINGBUF_HDR_SZ) & this.mask;
        const first = Math.min(size, this.size - start);
        data.set(this.rt.mem.u8.subarray(this.data + start, this.data + start + first));
        if (first < size) data.set(this.rt.mem.u8.subarray(this.data, this.data + size - first), first);
        out.push({ pos: this.consumerPos, data });
      }
      this.consumerPos += len;
    }
    return out;
  }

  override exportState(): unknown {
    return { data: b64(this.rt.mem.u8.subarray(this.data, this.data + this.size)), cons: this.consumerPos, prod: this.producerPos, pend: this.pendingPos };
  }

  override importState(state: unknown): void {
    const s = state as { data: string; cons: number; prod: number; pend: number };
    this.rt.mem.u8.set(unb64(s.data).subarray(0, this.size), this.data);
    this.consumerPos = s.cons; this.producerPos = s.prod; this.pendingPos = s.pend;
  }

  /** Bytes between consumer and producer. */
  available(): number {
    return this.producerPos - this.consumerPos;
  }

  // the map operations of a ring buffer are not supported (kernel: -ENOTSUPP)
  lookupAddr(): number { return 0; }
  updateAddr(): number { return -Errno.ENOTSUPP; }
  deleteAddr(): number { return -Errno.ENOTSUPP; }
  protected userLookup(): Uint8Array | number { return -Errno.ENOTSUPP; }
  protected userUpdate(): number { return -Errno.ENOTSUPP; }
  protected userDelete(): number { return -Errno.ENOTSUPP; }
  protected userNextKey(): Uint8Array | number { return -Errno.ENOTSUPP; }
}
