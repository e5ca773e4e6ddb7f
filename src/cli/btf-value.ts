// Values formatted by their BTF types, as bpftool's btf_dumper prints map keys and values
// (the `formatted` field of `map dump -j`, and plain `map dump` of maps with BTF).

import type { Btf, BtfType } from '../btf/index.js';
import { BtfKind } from '../btf/index.js';
import type { JsonWriter } from '../json/writer.js';

const MOD_KINDS = new Set<number>([BtfKind.TYPEDEF, BtfKind.VOLATILE, BtfKind.CONST, BtfKind.RESTRICT, BtfKind.TYPE_TAG]);

export class BtfValueFormatter {
  constructor(private readonly btf: Btf, private readonly plainText: boolean) {}

  private resolve(id: number): number {
    let cur = id;
    for (let i = 0; i < 32 && cur; i++) {
      const t = this.btf.type(cur);
      if (!MOD_KINDS.has(t.kind)) return cur;
      cur = (t as { type: number }).type;
    }
    return cur;
  }

  private sizeOf(id: number): number {
    const t = this.btf.type(this.resolve(id));
    switch (t.kind) {
      case BtfKind.INT: case BtfKind.STRUCT: case BtfKind.UNION: case BtfKind.ENUM: case BtfKind.ENUM64:
      case BtfKind.FLOAT: case BtfKind.DATASEC:
        return t.size;
      case BtfKind.PTR: return 8;
      case BtfKind.ARRAY: return t.nelems * this.sizeOf(t.type);
      case BtfKind.VAR: return this.sizeOf(t.type);
      default: return 0;
    }
  }

  /** Write the value of type `id` found at `data[off..]`. */
  write(w: JsonWriter, id: number, data: Uint8Array, off = 0, bitOffset = 0): void {
    if (id === 0) { w.raw('(unknown)'); return; }
    const t: BtfType = this.btf.type(id);
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    switch (t.kind) {
      case BtfKind.INT: return this.int(w, t, dv, off, bitOffset);
      case BtfKind.STRUCT:
      case BtfKind.UNION: {
        w.startObject();
        for (const m of t.members) {
          w.name(m.name);
          const bo = m.bitOffset;
          const byteOff = off + (bo >> 3);
          if (m.bitfieldSize) this.bitfield(w, dv, byteOff, bo & 7, m.bitfieldSize);
          else this.write(w, m.type, data, byteOff, bo & 7);
        }
        w.endObject();
        return;
      }
      case BtfKind.ARRAY: {
        if (this.isStrArray(t.type, t.nelems, data, off)) {
          let s = '';
          for (let i = off; data[i] !== 0; i++) s += String.fromCharCode(data[i]!);
          w.string(s);
          return;
        }
        const es = this.sizeOf(t.type);
        w.startArray();
        for (let i = 0; i < t.nelems; i++) this.write(w, t.type, data, off + i * es);
        w.endArray();
        return;
      }
      case BtfKind.ENUM: {
        let v: number;
        switch (t.size) {
          case 8: v = Number(dv.getBigInt64(off, true)); break;
          case 4: v = dv.getInt32(off, true); break;
          case 2: v = dv.getInt16(off, true); break;
          case 1: v = dv.getInt8(off); break;
          default: w.raw('(unsupported-kind'); return;
        }
        const hit = t.values.find((e) => e.value === v || (e.value | 0) === v);
        if (hit) w.string(hit.name); else w.int(v);
        return;
      }
      case BtfKind.ENUM64: {
        const v = dv.getBigUint64(off, true);
        const hit = t.values.find((e) => BigInt.asUintN(64, e.value) === v);
        if (hit) w.string(hit.name); else w.int(v);
        return;
      }
      case BtfKind.PTR: {
        const v = dv.getBigUint64(off, true);
        w.raw(this.plainText ? (v === 0n ? '(nil)' : `0x${v.toString(16)}`) : v.toString());
        return;
      }
      case BtfKind.FWD: w.raw('(fwd-kind-invalid)'); return;
      case BtfKind.TYPEDEF: case BtfKind.VOLATILE: case BtfKind.CONST: case BtfKind.RESTRICT:
        this.write(w, this.resolve(id), data, off, bitOffset);
        return;
      case BtfKind.VAR:
        w.startObject();
        w.name(t.name);
        this.write(w, t.type, data, off, bitOffset);
        w.endObject();
        return;
      case BtfKind.DATASEC:
        w.startObject();
        w.name(t.name);
        w.startArray();
        for (const v of t.vars) this.write(w, v.type, data, off + v.offset);
        w.endArray();
        w.endObject();
        return;
      default:
        w.raw('(unsupported-kind');
    }
  }

  private isStrArray(elemId: number, nelems: number, data: Uint8Array, off: number): boolean {
    if (!nelems) return false;
    let e = this.btf.type(elemId);
    for (let i = 0; i < 32 && (e.kind === BtfKind.VOLATILE || e.kind === BtfKind.CONST || e.kind === BtfKind.RESTRICT || e.kind === BtfKind.TYPE_TAG); i++) {
      e = this.btf.type((e as { type: number }).type);
    }
    if (e.kind !== BtfKind.INT || e.size !== 1) return false;
    if (!(e.encoding & 2) && e.name !== 'char') return false;
    for (let i = 0; i < nelems; i++) {
      const c = data[off + i] ?? 0;
      if (c === 0) return true;
      if (c <= 0x1f || c >= 0x7f) return false;
    }
    return false;
  }

  private int(w: JsonWriter, t: Extract<BtfType, { kind: typeof BtfKind.INT }>, dv: DataView, off: number, bitOffset: number): void {
    const bits = t.bits;
    if (bitOffset || t.bitsOffset || bits & 7) {
      const total = bitOffset + t.bitsOffset;
      this.bitfield(w, dv, off + (total >> 3), total & 7, bits);
      return;
    }
    if (bits === 128) {
      const lo = dv.getBigUint64(off, true);
      const hi = dv.getBigUint64(off + 8, true);
      this.int128(w, hi, lo);
      return;
    }
    const enc = t.encoding;
    if (enc === 0 || enc === 1) {
      const signed = enc === 1;
      let text: string;
      switch (bits) {
        case 64: text = (signed ? dv.getBigInt64(off, true) : dv.getBigUint64(off, true)).toString(); break;
        case 32: text = String(signed ? dv.getInt32(off, true) : dv.getUint32(off, true)); break;
        case 16: text = String(signed ? dv.getInt16(off, true) : dv.getUint16(off, true)); break;
        case 8: text = String(signed ? dv.getInt8(off) : dv.getUint8(off)); break;
        default: this.bitfield(w, dv, off, 0, bits); return;
      }
      w.raw(text);
    } else if (enc === 2) {
      const c = dv.getUint8(off);
      if (c >= 0x20 && c < 0x7f) w.raw(`"${String.fromCharCode(c)}"`);
      else w.raw(this.plainText ? `0x${c.toString(16)}` : `"\\u00${c.toString(16).padStart(2, '0')}"`);
    } else if (enc === 4) {
      w.bool(dv.getUint8(off) !== 0);
    } else {
      w.raw('(unsupported-kind');
    }
  }

  private bitfield(w: JsonWriter, dv: DataView, off: number, bitOffset: number, nbits: number): void {
    const nbytes = (bitOffset + nbits + 7) >> 3;
    let v = 0n;
    for (let i = nbytes - 1; i >= 0; i--) v = (v << 8n) | BigInt(off + i < dv.byteLength ? dv.getUint8(off + i) : 0);
    v = (v >> BigInt(bitOffset)) & ((1n << BigInt(nbits)) - 1n);
    this.int128(w, v >> 64n, v & 0xffffffffffffffffn);
  }

  private int128(w: JsonWriter, hi: bigint, lo: bigint): void {
    const text = hi === 0n ? `0x${lo.toString(16)}` : `0x${hi.toString(16)}${lo.toString(16).padStart(16, '0')}`;
    w.raw(this.plainText ? text : `"${text}"`);
  }
}
