// `bpftool btf dump ... format raw`: one line (plus member lines) per type, or with -j the
// {"types":[...]} document, exactly as bpftool v7.1 prints them.

import type { Btf } from './btf.js';
import { JsonWriter } from './json-writer.js';
import { BTF_KIND_NAMES, BtfKind, type BtfType } from './types.js';

function intEncoding(enc: number): string {
  switch (enc) {
    case 0: return '(none)';
    case 1: return 'SIGNED';
    case 2: return 'CHAR';
    case 4: return 'BOOL';
    default: return 'UNKN';
  }
}

function varLinkage(l: number): string {
  return l === 0 ? 'static' : l === 1 ? 'global' : l === 2 ? 'extern' : '(unknown)';
}

function kindStr(kind: number): string {
  return BTF_KIND_NAMES[kind] ?? 'UNKNOWN';
}

function nameStr(btf: Btf, off: number): string {
  if (!off) return '(anon)';
  try {
    return btf.str(off);
  } catch {
    return '(invalid)';
  }
}

function s32(v: number): number { return v | 0; }

/** One type in bpftool's plain raw format, with its trailing newline. */
export function rawTypeText(btf: Btf, t: BtfType): string {
  let s = `[${t.id}] ${kindStr(t.kind)} '${nameStr(btf, t.nameOff)}'`;
  switch (t.kind) {
    case BtfKind.INT:
      s += ` size=${t.size} bits_offset=${t.bitsOffset} nr_bits=${t.bits} encoding=${intEncoding(t.encoding)}`;
      break;
    case BtfKind.PTR: case BtfKind.CONST: case BtfKind.VOLATILE: case BtfKind.RESTRICT: case BtfKind.TYPEDEF:
    case BtfKind.TYPE_TAG:
      s += ` type_id=${t.type}`;
      break;
    case BtfKind.ARRAY:
      s += ` type_id=${t.type} index_type_id=${t.indexType} nr_elems=${t.nelems}`;
      break;
    case BtfKind.STRUCT: case BtfKind.UNION:
      s += ` size=${t.size} vlen=${t.vlen}`;
      for (const m of t.members) {
        s += `\n\t'${nameStr(btf, m.nameOff)}' type_id=${m.type} bits_offset=${m.bitOffset}`;
        if (m.bitfieldSize) s += ` bitfield_size=${m.bitfieldSize}`;
      }
      break;
    case BtfKind.ENUM:
      s += ` encoding=${t.signed ? 'SIGNED' : 'UNSIGNED'} size=${t.size} vlen=${t.vlen}`;
      for (const v of t.values) s += `\n\t'${nameStr(btf, v.nameOff)}' val=${t.signed ? s32(v.value) : v.value >>> 0}`;
      break;
    case BtfKind.ENUM64:
      s += ` encoding=${t.signed ? 'SIGNED' : 'UNSIGNED'} size=${t.size} vlen=${t.vlen}`;
      for (const v of t.values) {
        s += `\n\t'${nameStr(btf, v.nameOff)}' val=${t.signed ? BigInt.asIntN(64, v.value) + 'LL' : v.value + 'ULL'}`;
      }
      break;
    case BtfKind.FWD:
      s += ` fwd_kind=${t.isUnion ? 'union' : 'struct'}`;
      break;
    case BtfKind.FUNC:
      s += ` type_id=${t.type} linkage=${t.linkage === 0 ? 'static' : t.linkage === 1 ? 'global' : t.linkage === 2 ? 'extern' : '(unknown)'}`;
      break;
    case BtfKind.FUNC_PROTO:
      s += ` ret_type_id=${t.returnType} vlen=${t.vlen}`;
      for (const p of t.params) s += `\n\t'${nameStr(btf, p.nameOff)}' type_id=${p.type}`;
      break;
    case BtfKind.VAR:
      s += ` type_id=${t.type}, linkage=${varLinkage(t.linkage)}`;
      break;
    case BtfKind.DATASEC:
      s += ` size=${t.size} vlen=${t.vlen}`;
      for (const v of t.vars) {
        s += `\n\ttype_id=${v.type} offset=${v.offset} size=${v.size}`;
        if (v.type < btf.typeCount) {
          const vt = v.type === 0 ? undefined : btf.types[v.type];
          s += vt ? ` (${kindStr(vt.kind)} '${nameStr(btf, vt.nameOff)}')` : ` (UNKNOWN '(anon)')`;
        }
      }
      break;
    case BtfKind.FLOAT:
      s += ` size=${t.size}`;
      break;
    case BtfKind.DECL_TAG:
      s += ` type_id=${t.type} component_idx=${t.componentIdx}`;
      break;
  }
  return s + '\n';
}

/** `bpftool btf dump file F [format raw]` (all types, or the given root ids). */
export function dumpRaw(btf: Btf, rootIds?: readonly number[]): string {
  let out = '';
  const ids = rootIds ?? Array.from({ length: btf.typeCount - 1 }, (_, i) => i + 1);
  for (const id of ids) out += rawTypeText(btf, btf.type(id));
  return out;
}

function rawTypeJson(btf: Btf, t: BtfType, w: JsonWriter): void {
  w.startObject();
  w.uintField('id', t.id);
  w.stringField('kind', kindStr(t.kind));
  w.stringField('name', nameStr(btf, t.nameOff));
  switch (t.kind) {
    case BtfKind.INT:
      w.uintField('size', t.size);
      w.uintField('bits_offset', t.bitsOffset);
      w.uintField('nr_bits', t.bits);
      w.stringField('encoding', intEncoding(t.encoding));
      break;
    case BtfKind.PTR: case BtfKind.CONST: case BtfKind.VOLATILE: case BtfKind.RESTRICT: case BtfKind.TYPEDEF:
    case BtfKind.TYPE_TAG:
      w.uintField('type_id', t.type);
      break;
    case BtfKind.ARRAY:
      w.uintField('type_id', t.type);
      w.uintField('index_type_id', t.indexType);
      w.uintField('nr_elems', t.nelems);
      break;
    case BtfKind.STRUCT: case BtfKind.UNION:
      w.uintField('size', t.size);
      w.uintField('vlen', t.vlen);
      w.name('members');
      w.startArray();
      for (const m of t.members) {
        w.startObject();
        w.stringField('name', nameStr(btf, m.nameOff));
        w.uintField('type_id', m.type);
        w.uintField('bits_offset', m.bitOffset);
        if (m.bitfieldSize) w.uintField('bitfield_size', m.bitfieldSize);
        w.endObject();
      }
      w.endArray();
      break;
    case BtfKind.ENUM:
      w.stringField('encoding', t.signed ? 'SIGNED' : 'UNSIGNED');
      w.uintField('size', t.size);
      w.uintField('vlen', t.vlen);
      w.name('values');
      w.startArray();
      for (const v of t.values) {
        w.startObject();
        w.stringField('name', nameStr(btf, v.nameOff));
        // bpftool passes the __s32 val to jsonw_uint_field / jsonw_int_field: both sign-extend it.
        if (t.signed) w.intField('val', s32(v.value)); else w.uintField('val', BigInt.asUintN(64, BigInt(s32(v.value))));
        w.endObject();
      }
      w.endArray();
      break;
    case BtfKind.ENUM64:
      w.stringField('encoding', t.signed ? 'SIGNED' : 'UNSIGNED');
      w.uintField('size', t.size);
      w.uintField('vlen', t.vlen);
      w.name('values');
      w.startArray();
      for (const v of t.values) {
        w.startObject();
        w.stringField('name', nameStr(btf, v.nameOff));
        if (t.signed) w.intField('val', BigInt.asIntN(64, v.value)); else w.uintField('val', v.value);
        w.endObject();
      }
      w.endArray();
      break;
    case BtfKind.FWD:
      w.stringField('fwd_kind', t.isUnion ? 'union' : 'struct');
      break;
    case BtfKind.FUNC:
      w.uintField('type_id', t.type);
      w.stringField('linkage', t.linkage === 0 ? 'static' : t.linkage === 1 ? 'global' : t.linkage === 2 ? 'extern' : '(unknown)');
      break;
    case BtfKind.FUNC_PROTO:
      w.uintField('ret_type_id', t.returnType);
      w.uintField('vlen', t.vlen);
      w.name('params');
      w.startArray();
      for (const p of t.params) {
        w.startObject();
        w.stringField('name', nameStr(btf, p.nameOff));
        w.uintField('type_id', p.type);
        w.endObject();
      }
      w.endArray();
      break;
    case BtfKind.VAR:
      w.uintField('type_id', t.type);
      w.stringField('linkage', varLinkage(t.linkage));
      break;
    case BtfKind.DATASEC:
      w.uintField('size', t.size);
      w.uintField('vlen', t.vlen);
      w.name('vars');
      w.startArray();
      for (const v of t.vars) {
        w.startObject();
        w.uintField('type_id', v.type);
        w.uintField('offset', v.offset);
        w.uintField('size', v.size);
        w.endObject();
      }
      w.endArray();
      break;
    case BtfKind.FLOAT:
      w.uintField('size', t.size);
      break;
    case BtfKind.DECL_TAG:
      w.uintField('type_id', t.type);
      w.intField('component_idx', t.componentIdx);
      break;
  }
  w.endObject();
}

/** `bpftool -j btf dump file F` (or -p for pretty), with bpftool's trailing newline. */
export function dumpRawJson(btf: Btf, opts: { pretty?: boolean; rootIds?: readonly number[] } = {}): string {
  const w = new JsonWriter(opts.pretty ?? false);
  w.startObject();
  w.name('types');
  w.startArray();
  const ids = opts.rootIds ?? Array.from({ length: btf.typeCount - 1 }, (_, i) => i + 1);
  for (const id of ids) rawTypeJson(btf, btf.type(id), w);
  w.endArray();
  w.endObject();
  return w.finish();
}
