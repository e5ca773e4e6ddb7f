// bpftool's map output: `map show` (plain and JSON), entries as `key: .. value: ..` lines,
// `"0xNN"` JSON byte arrays, per-CPU values, and BTF-formatted keys and values.

import { parseBtf, type Btf } from '../btf/index.js';
import { JsonWriter } from '../json/writer.js';
import { MapType } from '../uapi/bpf.js';
import type { PinnedMapRecord } from '../pinstore/index.js';
import { hexBytes, isPerCpuMap, mapTypeName, progTypeName, roundUp8 } from './args.js';
import { BtfValueFormatter } from './btf-value.js';
import type { MapRef } from './session.js';

/** Round up to pages as the kernel's memlock accounting of small objects does. */
const pages = (n: number): number => Math.ceil(n / 4096) * 4096;
const pow2 = (n: number): number => { let p = 1; while (p < n) p *= 2; return p; };

/** An estimate of the kernel's `memlock` for a map (its mem_usage callbacks, 6.x). */
export function mapMemlock(rec: PinnedMapRecord, ncpus: number): number {
  const s = rec.spec;
  const k = roundUp8(s.keySize);
  const v = roundUp8(s.valueSize);
  switch (s.type) {
    case MapType.ARRAY:
    case MapType.PROG_ARRAY:
    case MapType.ARRAY_OF_MAPS:
    case MapType.PERF_EVENT_ARRAY:
    case MapType.CGROUP_ARRAY:
      return pages(336 + s.maxEntries * (s.type === MapType.ARRAY ? v : 8));
    case MapType.PERCPU_ARRAY:
      return 336 + s.maxEntries * 8 + s.maxEntries * v * ncpus;
    case MapType.HASH:
    case MapType.LRU_HASH:
    case MapType.HASH_OF_MAPS: {
      const elem = 48 + k + v;
      const prealloc = !(s.flags & 1);
      const n = prealloc ? s.maxEntries + (s.type === MapType.HASH || s.type === MapType.HASH_OF_MAPS ? ncpus : 0) : 0;
      return 896 + 16 * pow2(s.maxEntries) + ncpus * 8 + n * elem;
    }
    case MapType.PERCPU_HASH:
    case MapType.LRU_PERCPU_HASH: {
      const elem = 48 + k + 8;
      return 896 + 16 * pow2(s.maxEntries) + s.maxEntries * (elem + v * ncpus);
    }
    case MapType.QUEUE:
    case MapType.STACK:
      return 256 + (s.maxEntries + 1) * s.valueSize;
    default:
      return pages(256 + s.maxEntries * (k + v));
  }
}

export interface MapShowExtra {
  memlock: number;
  btfId?: number;
  pinned?: string[];
  /** PROG_ARRAY owner (type of the programs it holds). */
  ownerProgType?: number;
}

export function showMapPlain(ref: MapRef, x: MapShowExtra): string {
  const s = ref.record.spec;
  const tn = mapTypeName(s.type);
  let out = `${ref.id}: ${tn ? `${tn}  ` : `type ${s.type}  `}`;
  if (s.name) out += `name ${s.name}  `;
  out += `flags 0x${s.flags.toString(16)}\n`;
  out += `\tkey ${s.keySize}B  value ${s.valueSize}B  max_entries ${s.maxEntries}  memlock ${x.memlock}B`;
  if (s.type === MapType.PROG_ARRAY && x.ownerProgType !== undefined) {
    out += `\n\towner_prog_type ${progTypeName(x.ownerProgType) ?? x.ownerProgType}  owner jited`;
  }
  for (const p of x.pinned ?? []) out += `\n\tpinned ${p}`;
  const frozen = ref.record.frozen;
  if (x.btfId || frozen) out += '\n\t';
  if (x.btfId) out += `btf_id ${x.btfId}`;
  if (frozen) out += `${x.btfId ? '  ' : ''}frozen`;
  return out + '\n';
}

export function showMapHeaderJson(w: JsonWriter, ref: MapRef): void {
  const s = ref.record.spec;
  w.uintField('id', ref.id);
  const tn = mapTypeName(s.type);
  if (tn) w.stringField('type', tn); else w.uintField('type', s.type);
  if (s.name) w.stringField('name', s.name);
  w.name('flags').raw(String(s.flags | 0));
}

export function showMapJson(w: JsonWriter, ref: MapRef, x: MapShowExtra): void {
  const s = ref.record.spec;
  w.startObject();
  showMapHeaderJson(w, ref);
  w.uintField('bytes_key', s.keySize);
  w.uintField('bytes_value', s.valueSize);
  w.uintField('max_entries', s.maxEntries);
  w.intField('bytes_memlock', x.memlock);
  if (s.type === MapType.PROG_ARRAY && x.ownerProgType !== undefined) {
    const n = progTypeName(x.ownerProgType);
    if (n) w.stringField('owner_prog_type', n); else w.uintField('owner_prog_type', x.ownerProgType);
    w.boolField('owner_jited', true);
  }
  w.intField('frozen', ref.record.frozen ? 1 : 0);
  if (x.btfId) w.intField('btf_id', x.btfId);
  if (x.pinned) {
    w.name('pinned').startArray();
    for (const p of x.pinned) w.string(p);
    w.endArray();
  }
  w.endObject();
}

/** The BTF of a map record, if it has one (parsed once per record). */
const btfCache = new WeakMap<PinnedMapRecord, Btf | null>();
export function recordBtf(rec: PinnedMapRecord): Btf | undefined {
  if (!rec.btf || !rec.btf.valueTypeId) return undefined;
  let b = btfCache.get(rec);
  if (b === undefined) {
    try {
      b = parseBtf(new Uint8Array(Buffer.from(rec.btf.data, 'base64')));
    } catch {
      b = null;
    }
    btfCache.set(rec, b);
  }
  return b ?? undefined;
}

/** do_dump_btf: {"key": formatted, "value": formatted} (or "values" per CPU). */
export function writeBtfEntry(w: JsonWriter, rec: PinnedMapRecord, btf: Btf, key: Uint8Array, value: Uint8Array, ncpus: number, plainText: boolean): void {
  const f = new BtfValueFormatter(btf, plainText);
  w.startObject();
  if (rec.btf!.keyTypeId) {
    w.name('key');
    f.write(w, rec.btf!.keyTypeId, key);
  }
  if (!isPerCpuMap(rec.spec.type)) {
    w.name('value');
    f.write(w, rec.btf!.valueTypeId, value);
  } else {
    w.name('values').startArray();
    const step = roundUp8(rec.spec.valueSize);
    for (let i = 0; i < ncpus; i++) {
      w.startObject();
      w.intField('cpu', i);
      w.name('value');
      f.write(w, rec.btf!.valueTypeId, value.subarray(i * step, i * step + rec.spec.valueSize));
      w.endObject();
    }
    w.endArray();
  }
  w.endObject();
}

/** print_entry_json. */
export function writeEntryJson(w: JsonWriter, rec: PinnedMapRecord, key: Uint8Array, value: Uint8Array, ncpus: number): void {
  const s = rec.spec;
  const btf = recordBtf(rec);
  w.startObject();
  w.name('key').hexBytes(key.subarray(0, s.keySize));
  if (!isPerCpuMap(s.type)) {
    w.name('value').hexBytes(value.subarray(0, s.valueSize));
  } else {
    w.name('values').startArray();
    const step = roundUp8(s.valueSize);
    for (let i = 0; i < ncpus; i++) {
      w.startObject();
      w.intField('cpu', i);
      w.name('value').hexBytes(value.subarray(i * step, i * step + s.valueSize));
      w.endObject();
    }
    w.endArray();
  }
  if (btf) {
    w.name('formatted');
    writeBtfEntry(w, rec, btf, key, value, ncpus, false);
  }
  w.endObject();
}

/** print_entry_plain. */
export function entryPlain(rec: PinnedMapRecord, key: Uint8Array, value: Uint8Array, ncpus: number): string {
  const s = rec.spec;
  let out = '';
  if (!isPerCpuMap(s.type)) {
    const breakNames = s.keySize > 16 || s.valueSize > 16;
    const single = s.keySize + s.valueSize <= 24 && !breakNames;
    if (s.keySize) out += `key:${breakNames ? '\n' : ' '}${hexBytes(key.subarray(0, s.keySize))}${single ? '  ' : '\n'}`;
    if (s.valueSize) out += `value:${breakNames ? '\n' : ' '}${hexBytes(value.subarray(0, s.valueSize))}`;
    return out + '\n';
  }
  const step = roundUp8(s.valueSize);
  if (s.keySize) out += `key:\n${hexBytes(key.subarray(0, s.keySize))}\n`;
  if (s.valueSize) {
    for (let i = 0; i < ncpus; i++) {
      out += `value (CPU ${String(i).padStart(2, '0')}):${s.valueSize > 16 ? '\n' : ' '}${hexBytes(value.subarray(i * step, i * step + s.valueSize))}\n`;
    }
  }
  return out;
}

/** print_entry_error_msg (plain). */
export function entryErrorPlain(rec: PinnedMapRecord, key: Uint8Array, msg: string): string {
  const breakNames = rec.spec.keySize > 16 || msg.length > 16;
  const single = rec.spec.keySize + msg.length <= 24 && !breakNames;
  return `key:${breakNames ? '\n' : ' '}${hexBytes(key)}${single ? '  ' : '\n'}value:${breakNames ? '\n' : ' '}${msg}\n`;
}
