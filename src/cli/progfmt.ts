// bpftool's program output: `prog show` (plain and JSON) and `prog dump xlated` in the
// kernel's instruction spelling, with BTF function prototypes and source lines.

import type { Btf } from '../btf/index.js';
import { BtfKind } from '../btf/index.js';
import { formatInsnKernel } from '../asm/disasm.js';
import type { Insn } from '../isa/insn.js';
import { JsonWriter } from '../json/writer.js';
import type { ProgramSpec } from '../loader/types.js';
import type { PinnedProgRecord } from '../pinstore/index.js';
import { Pseudo } from '../isa/opcodes.js';
import { progTypeName } from './args.js';

export interface ProgShowInfo {
  id: number;
  record: PinnedProgRecord;
  mapIds: number[];
  btfId?: number;
  pinned?: string[];
}

/** strftime("%FT%T%z", localtime(t)). */
export function bootTime(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const a = Math.abs(off);
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}${sign}${p(Math.floor(a / 60))}${p(a % 60)}`;
}

/** The kernel's memlock of a program: its struct bpf_prog rounded up to pages. */
export function progMemlock(insnCount: number): number {
  return Math.ceil((72 + 8 * insnCount) / 4096) * 4096;
}

function displayName(r: PinnedProgRecord): string {
  return r.hasBtf ? r.symbol : r.name;
}

export function showProgPlain(x: ProgShowInfo): string {
  const r = x.record;
  const tn = progTypeName(r.type);
  let out = `${x.id}: ${tn ? `${tn}  ` : `type ${r.type}  `}`;
  if (r.name) out += `name ${displayName(r)}  `;
  out += `tag ${r.tag}${r.gpl ? '  gpl' : ''}\n`;
  out += `\tloaded_at ${bootTime(r.loadedAt)}  uid ${r.uid}\n`;
  out += `\txlated ${r.insnCount * 8}B  not jited  memlock ${progMemlock(r.insnCount)}B`;
  if (x.mapIds.length) out += `  map_ids ${x.mapIds.join(',')}`;
  for (const p of x.pinned ?? []) out += `\n\tpinned ${p}`;
  if (x.btfId) out += `\n\tbtf_id ${x.btfId}`;
  return out + '\n';
}

export function showProgJson(w: JsonWriter, x: ProgShowInfo): void {
  const r = x.record;
  w.startObject();
  w.uintField('id', x.id);
  const tn = progTypeName(r.type);
  if (tn) w.stringField('type', tn); else w.uintField('type', r.type);
  if (r.name) w.stringField('name', displayName(r));
  w.stringField('tag', r.tag);
  w.boolField('gpl_compatible', r.gpl);
  w.name('loaded_at').raw(String(r.loadedAt));
  w.uintField('uid', r.uid);
  w.uintField('bytes_xlated', r.insnCount * 8);
  w.boolField('jited', false);
  w.intField('bytes_memlock', progMemlock(r.insnCount));
  if (x.mapIds.length) {
    w.name('map_ids').startArray();
    for (const id of x.mapIds) w.uint(id);
    w.endArray();
  }
  if (x.btfId) w.intField('btf_id', x.btfId);
  if (x.pinned) {
    w.name('pinned').startArray();
    for (const p of x.pinned) w.string(p);
    w.endArray();
  }
  w.endObject();
}

// ---- BTF function prototypes (btf_dump_func) ----------------------------------------------

function typeOnly(btf: Btf, id: number, depth = 0): string {
  if (!id) return 'void ';
  if (depth > 32) return '';
  const t = btf.type(id);
  switch (t.kind) {
    case BtfKind.INT: case BtfKind.TYPEDEF: case BtfKind.FLOAT: return `${t.name} `;
    case BtfKind.STRUCT: return `struct ${t.name} `;
    case BtfKind.UNION: return `union ${t.name} `;
    case BtfKind.ENUM: case BtfKind.ENUM64: return `enum ${t.name} `;
    case BtfKind.ARRAY: return `${typeOnly(btf, t.type, depth + 1)}[${t.nelems}]`;
    case BtfKind.PTR: return `${typeOnly(btf, t.type, depth + 1)}* `;
    case BtfKind.FWD: return `${t.isUnion ? 'union' : 'struct'} ${t.name} `;
    case BtfKind.CONST: return `const ${typeOnly(btf, t.type, depth + 1)}`;
    case BtfKind.VOLATILE: return `volatile ${typeOnly(btf, t.type, depth + 1)}`;
    case BtfKind.RESTRICT: return `restrict ${typeOnly(btf, t.type, depth + 1)}`;
    default: return '';
  }
}

/** `int count_proto(struct xdp_md * ctx)` of a BTF FUNC type. */
export function funcSignature(btf: Btf, funcId: number): string | undefined {
  try {
    const f = btf.type(funcId);
    if (f.kind !== BtfKind.FUNC) return undefined;
    const proto = btf.type(f.type);
    if (proto.kind !== BtfKind.FUNC_PROTO) return undefined;
    let s = typeOnly(btf, proto.returnType) + f.name + '(';
    s += proto.params.map((p) => (p.type === 0 && !p.name ? '...' : typeOnly(btf, p.type) + p.name)).join(', ');
    return s + ')';
  } catch {
    return undefined;
  }
}

export interface XlatedOptions {
  opcodes: boolean;
  linum: boolean;
  /** Text for a lddw of a map (map[id:N] / map[id:N][0]+off), by instruction. */
  mapText: (insn: Insn) => string | undefined;
  btf?: Btf;
  spec: ProgramSpec;
}

function opcodeBytes(insn: Insn): string {
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  b[0] = insn.opcode;
  b[1] = (insn.src << 4) | insn.dst;
  dv.setInt16(2, insn.off, true);
  dv.setInt32(4, insn.imm, true);
  let s = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
  if (insn.imm2 !== undefined) {
    const c = new Uint8Array(8);
    new DataView(c.buffer).setInt32(4, insn.imm2, true);
    s += ' ' + Array.from(c, (x) => x.toString(16).padStart(2, '0')).join(' ');
  }
  return s;
}

/** Lines of `prog dump xlated` (plain) or entries for -j. */
export function xlatedListing(insns: readonly Insn[], o: XlatedOptions): Array<{ proto?: string; src?: string; linum?: string; pc: number; disasm: string; opcodes?: string }> {
  const out: Array<{ proto?: string; src?: string; linum?: string; pc: number; disasm: string; opcodes?: string }> = [];
  const lineAt = new Map<number, { text: string; file: string; line: number; col: number }>();
  if (insns.length === o.spec.insns.length) for (const l of o.spec.lineInfo) lineAt.set(l.insnOff, l);
  const funcAt = new Map<number, number>();
  for (const f of o.spec.funcInfo) funcAt.set(f.insnOff, f.typeId);
  let pc = 0;
  for (const insn of insns) {
    const e: { proto?: string; src?: string; linum?: string; pc: number; disasm: string; opcodes?: string } = { pc, disasm: '' };
    const fid = funcAt.get(pc);
    if (fid !== undefined && o.btf) e.proto = funcSignature(o.btf, fid);
    const l = lineAt.get(pc);
    if (l) {
      e.src = l.text.replace(/^\s+/, '');
      if (o.linum) e.linum = `${l.file}:${l.line}:${l.col}`;
    }
    e.disasm = formatInsnKernel(insn, {
      imm64: (i) => (i.src === Pseudo.MAP_FD || i.src === Pseudo.MAP_VALUE || i.src === Pseudo.MAP_IDX || i.src === Pseudo.MAP_IDX_VALUE ? o.mapText(i) : undefined),
    });
    if (o.opcodes) e.opcodes = opcodeBytes(insn);
    out.push(e);
    pc += insn.imm2 !== undefined ? 2 : 1;
  }
  return out;
}

export function xlatedPlain(entries: ReturnType<typeof xlatedListing>): string {
  let s = '';
  for (const e of entries) {
    if (e.proto) s += `${e.proto}:\n`;
    if (e.src !== undefined) s += `; ${e.src}${e.linum ? ` [file://${e.linum}]` : ''}\n`;
    s += `${String(e.pc).padStart(4)}: ${e.disasm}\n`;
    if (e.opcodes) s += `       ${e.opcodes}\n`;
  }
  return s;
}

export function xlatedJson(w: JsonWriter, entries: ReturnType<typeof xlatedListing>): void {
  w.startArray();
  for (const e of entries) {
    w.startObject();
    if (e.proto) w.stringField('proto', e.proto);
    if (e.src !== undefined) w.stringField('src', e.src);
    if (e.linum) {
      const [file, line, col] = e.linum.split(':');
      w.stringField('file', file!);
      w.uintField('line_num', Number(line));
      w.uintField('line_col', Number(col));
    }
    w.stringField('disasm', e.disasm);
    if (e.opcodes) {
      w.name('opcodes').startObject();
      const parts = e.opcodes.split(' ');
      w.name('code').raw(`"0x${parts[0]}"`);
      w.name('src_reg').raw(`"0x${(Number('0x' + parts[1]) >> 4).toString(16)}"`);
      w.name('dst_reg').raw(`"0x${(Number('0x' + parts[1]) & 15).toString(16)}"`);
      w.name('off').startArray();
      for (const b of parts.slice(2, 4)) w.raw(`"0x${b}"`);
      w.endArray();
      w.name('imm').startArray();
      for (const b of parts.slice(4)) w.raw(`"0x${b}"`);
      w.endArray();
      w.endObject();
    }
    w.endObject();
  }
  w.endArray();
}
