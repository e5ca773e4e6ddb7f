// Malformed objects: every error class ends in a typed BpfError naming the section and
// offset; and a property test mutating real objects (bit flips, truncation, splicing).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BtfError } from '../btf/index.js';
import { ElfError, parseElf } from '../elf/index.js';
import { BpfError } from '../errors.js';
import { LoaderError, parseObject } from './index.js';

const dir = new URL('../../testdata/loader/', import.meta.url);
const load = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));

/** A little-endian object with helpers to patch its headers. */
class Obj {
  readonly b: Uint8Array;
  readonly dv: DataView;
  constructor(file: string) {
    this.b = load(file);
    this.dv = new DataView(this.b.buffer, this.b.byteOffset, this.b.byteLength);
  }
  get elf() { return parseElf(this.b); }
  /** File offset of the section header of `name`. */
  shdr(name: string): number {
    const e = this.elf;
    const s = e.sections.find((x) => x.name === name);
    if (!s) throw new Error(`no section ${name}`);
    return e.header.shoff + s.index * 64;
  }
  sec(name: string) { return this.elf.sections.find((x) => x.name === name)!; }
  symIndex(name: string): number { return this.elf.symbols.find((s) => s.name === name)!.index; }
  /** File offset of symbol `name`'s entry. */
  sym(name: string): number { return this.elf.symtab!.offset + this.symIndex(name) * 24; }
  u16(o: number, v: number) { this.dv.setUint16(o, v, true); return this; }
  u32(o: number, v: number) { this.dv.setUint32(o, v, true); return this; }
  i32(o: number, v: number) { this.dv.setInt32(o, v, true); return this; }
  u64(o: number, v: bigint) { this.dv.setBigUint64(o, v, true); return this; }
  /** File offset of relocation `i` of section `rel`. */
  rel(name: string, i: number): number { return this.sec(name).offset + i * 16; }
  /** File offset of instruction slot `slot` of section `name`. */
  insn(name: string, slot: number): number { return this.sec(name).offset + slot * 8; }
  /** File offsets of BTF type records (index = type id). */
  btfTypeOffsets(): number[] {
    const s = this.sec('.BTF');
    const base = s.offset;
    const hdr = this.dv.getUint32(base + 4, true);
    const typeOff = this.dv.getUint32(base + 8, true), typeLen = this.dv.getUint32(base + 12, true);
    const out = [0];
    let p = base + hdr + typeOff;
    const end = p + typeLen;
    while (p < end) {
      out.push(p);
      const info = this.dv.getUint32(p + 4, true);
      const kind = (info >>> 24) & 0x1f, vlen = info & 0xffff;
      const extra: Record<number, number> = { 1: 4, 3: 12, 4: 12 * vlen, 5: 12 * vlen, 6: 8 * vlen, 13: 8 * vlen, 14: 4, 15: 12 * vlen, 17: 4, 19: 12 * vlen };
      p += 12 + (extra[kind] ?? 0);
    }
    return out;
  }
  parse() { return parseObject(this.b, { name: 'obj' }); }
}

function thrown(fn: () => unknown): BpfError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BpfError);
    return e as BpfError;
  }
  throw new Error('expected a throw');
}

describe('malformed objects', () => {
  it('truncated ELF header', () => {
    for (const n of [0, 3, 10, 40, 63]) {
      const e = thrown(() => parseObject(load('xdp_counter.o').subarray(0, n)));
      expect(e).toBeInstanceOf(ElfError);
      expect((e as ElfError).section).toBe('ELF header');
    }
  });
  it('truncated section header table', () => {
    const o = new Obj('xdp_counter.o');
    const e = thrown(() => parseObject(o.b.subarray(0, o.elf.header.shoff + 100)));
    expect(e.code).toBe('ELF_TRUNCATED');
    expect(e.message).toContain('section header table');
  });
  it('section contents past the end of the file', () => {
    const o = new Obj('xdp_counter.o');
    o.u64(o.shdr('xdp') + 32, 1n << 20n);
    const e = thrown(() => o.parse()) as ElfError;
    expect(e.code).toBe('ELF_TRUNCATED');
    expect(e.section).toBe('xdp');
    expect(e.offset).toBeDefined();
    expect(e.message).toMatch(/section 'xdp' at offset 0x[0-9a-f]+: section contents/);
  });
  it('not a BPF object / no symbol table', () => {
    const a = new Obj('xdp_counter.o').u16(18, 62);
    expect(thrown(() => a.parse()).code).toBe('ELF_MACHINE');
    const b = new Obj('xdp_counter.o');
    b.u32(b.shdr('.symtab') + 4, 1);
    const e = thrown(() => b.parse());
    expect(e).toBeInstanceOf(LoaderError);
    expect(e.errno).toBe(2);
    expect(e.message).toContain('symbol table');
  });
  it('relocation to a symbol index out of range', () => {
    const o = new Obj('xdp_counter.o');
    o.u32(o.rel('.relxdp', 0) + 12, 9999);
    const e = thrown(() => o.parse()) as ElfError;
    expect(e.code).toBe('ELF_RELOC');
    expect(e.section).toBe('.relxdp');
    expect(e.offset).toBe(0);
  });
  it('lddw relocation to a wrong-kind symbol', () => {
    const o = new Obj('xdp_counter.o');
    // relocation 0 of .relxdp is a lddw; point it at LICENSE (section `license`)
    o.u32(o.rel('.relxdp', 0) + 12, o.symIndex('LICENSE'));
    const e = thrown(() => o.parse()) as LoaderError;
    expect(e).toBeInstanceOf(LoaderError);
    expect(e.code).toBe('LOADER_RELOC');
    expect(e.section).toBe('.relxdp');
    expect(e.offset).toBe(0);
    expect(e.message).toContain("bad data relo against 'LICENSE' in section 'license'");
  });
  it('lddw relocation to an undefined (common) symbol', () => {
    const o = new Obj('xdp_counter.o');
    o.u16(o.sym('total_packets') + 6, 0xfff2);
    const e = thrown(() => o.parse());
    expect(e.code).toBe('LOADER_RELOC');
    expect(e.message).toContain('forgot to initialize global var');
  });
  it('relocation against an instruction that is no lddw or call', () => {
    const o = new Obj('xdp_counter.o');
    o.u64(o.rel('.relxdp', 0), 0n);
    const e = thrown(() => o.parse()) as LoaderError;
    expect(e.code).toBe('LOADER_RELOC');
    expect(e.message).toMatch(/invalid relo against .* for insns\[0\]\.code 0x61/);
  });
  it('relocation into the middle of a lddw, or past the code', () => {
    const o = new Obj('xdp_counter.o');
    const r0 = o.rel('.relxdp', 0);
    o.u64(r0, o.dv.getBigUint64(r0, true) + 8n);
    expect(thrown(() => o.parse()).message).toContain('middle of a lddw');
    const p = new Obj('xdp_counter.o');
    p.u64(p.rel('.relxdp', 0), 1n << 20n);
    expect(thrown(() => p.parse()).message).toContain('outside the instructions');
  });
  it('call to no function', () => {
    // calls.o xdp section slot 9: `call -0xa` (pc-relative, to xdp_static_helper)
    const o = new Obj('calls.o');
    o.i32(o.insn('xdp', 9) + 4, 100);
    const e = thrown(() => o.parse()) as LoaderError;
    expect(e.code).toBe('LOADER_CALL');
    expect(e.section).toBe('xdp');
    expect(e.offset).toBe(9 * 8);
    expect(e.message).toContain('no function at offset');
    // into the middle of a function
    const p = new Obj('calls.o');
    p.i32(p.insn('xdp', 9) + 4, -9);
    expect(thrown(() => p.parse()).message).toContain("inside function 'xdp_static_helper'");
  });
  it('call relocation against a data symbol', () => {
    const o = new Obj('calls.o');
    // .relxdp: relocation 0 is the call in xdp_static_helper to .text
    o.u32(o.rel('.relxdp', 0) + 12, o.symIndex('LICENSE'));
    const e = thrown(() => o.parse());
    expect(e.code).toBe('LOADER_CALL');
    expect(e.message).toContain("bad call relo against 'LICENSE'");
  });
  it('function crossing its section', () => {
    const o = new Obj('xdp_counter.o');
    o.u64(o.sym('count_proto') + 16, 1n << 16n);
    const e = thrown(() => o.parse()) as LoaderError;
    expect(e.code).toBe('LOADER_PROG');
    expect(e.section).toBe('xdp');
  });
  it('BTF loops', () => {
    const o = new Obj('xdp_counter.o');
    const btf = o.parse().btf!;
    const id = btf.types.findIndex((t) => t?.kind === 8);
    o.u32(o.btfTypeOffsets()[id]! + 8, id);
    const e = thrown(() => o.parse()) as BtfError;
    expect(e).toBeInstanceOf(BtfError);
    expect(e.code).toBe('BTF_LOOP');
    expect(e.section).toBe('.BTF');
  });
  it('truncated BTF', () => {
    const o = new Obj('xdp_counter.o');
    o.u64(o.shdr('.BTF') + 32, 30n);
    const e = thrown(() => o.parse());
    expect(e).toBeInstanceOf(BtfError);
    expect(e.message).toContain(".BTF");
  });
  it('unknown map type (BTF-defined)', () => {
    const o = new Obj('xdp_counter.o');
    const btf = o.parse().btf!;
    // the ARRAY whose nelems encodes `type` of proto_cnt (BPF_MAP_TYPE_HASH = 1)
    const id = btf.types.findIndex((t) => t?.kind === 3 && (t as { nelems: number }).nelems === 1);
    o.u32(o.btfTypeOffsets()[id]! + 12 + 8, 999);
    const e = thrown(() => o.parse()) as LoaderError;
    expect(e.code).toBe('LOADER_MAP');
    expect(e.section).toBe('.maps');
    expect(e.message).toContain("map 'proto_cnt': unknown map type 999");
  });
  it('unknown map type (legacy)', () => {
    const o = new Obj('legacy.o');
    o.u32(o.sec('maps').offset, 999);
    const e = thrown(() => o.parse()) as LoaderError;
    expect(e.code).toBe('LOADER_MAP');
    expect(e.section).toBe('maps');
    expect(e.offset).toBe(0);
    expect(e.message).toContain("map 'pkt_count': unknown map type 999");
  });
  it('legacy maps section of the wrong size; bad version section', () => {
    const o = new Obj('legacy.o');
    o.u64(o.shdr('maps') + 32, 36n);
    expect(thrown(() => o.parse()).message).toContain('unable to determine map definition size');
    const p = new Obj('legacy.o');
    p.u64(p.shdr('version') + 32, 2n);
    expect(thrown(() => p.parse()).message).toContain('invalid kver section');
  });
  it('CO-RE field access at a bit offset that is not a byte (found by the splice property in CI)', () => {
    // core.o with two bytes of xdp_counter.o spliced into its BTF: a member moves to bit offset 1
    const b = ORIG[6]!.slice();
    b.set(ORIG[0]!.subarray(15, 17), 2331);
    const spec = parseObject(b, { allowUnknownSections: true });
    const e = thrown(() => parseObject(b, { allowUnknownSections: true, coreTarget: spec.btf! })) as LoaderError;
    expect(e.code).toBe('LOADER_CORE');
    expect(e.message).toMatch(/not byte aligned/);
  });
});

// ---- property test ---------------------------------------------------------------------

const FILES = ['xdp_counter.o', 'xdp_counter.bpfeb.o', 'multi.o', 'multi.v4.o', 'calls.o', 'legacy.o', 'core.o', 'vmlinux_xdp.o'];
const ORIG = FILES.map(load);
/** Byte ranges worth mutating: headers, section header table, every non-DWARF section. */
const HOT = ORIG.map((b) => {
  const e = parseElf(b);
  const r: Array<[number, number]> = [[0, 64], [e.header.shoff, e.header.shnum * 64]];
  for (const s of e.sections) if (s.index && !s.name.startsWith('.debug') && !s.name.startsWith('.rel.debug') && s.size && s.type !== 8) r.push([s.offset, s.size]);
  return r;
});

function check(bytes: Uint8Array): void {
  try {
    const spec = parseObject(bytes, { allowUnknownSections: true });
    // and once more applying its CO-RE relocations against its own BTF
    if (spec.btf) parseObject(bytes, { allowUnknownSections: true, coreTarget: spec.btf });
    // a spec that came out must be internally consistent
    for (const p of spec.programs) {
      for (const r of p.mapRefs) expect(spec.maps.some((m) => m.name === r.map)).toBe(true);
    }
  } catch (e) {
    if (!(e instanceof BpfError)) throw new Error(`non-BpfError thrown: ${(e as Error)?.stack ?? String(e)}`);
  }
}

/** TSBPF_FUZZ=<factor> multiplies the number of runs (default 1). */
const FACTOR = Math.max(1, Number(process.env.TSBPF_FUZZ ?? 1) || 1);
const runs = (n: number) => ({ numRuns: Math.round(n * FACTOR) });

describe('mutation property test', () => {
  const pos = (f: number) => fc.tuple(fc.nat(HOT[f]!.length - 1), fc.nat()).map(([r, o]) => {
    const [start, len] = HOT[f]![r]!;
    return start + (o % Math.max(1, len));
  });
  const file = fc.nat(FILES.length - 1);

  it('bit flips', () => {
    fc.assert(fc.property(file.chain((f) => fc.tuple(fc.constant(f), fc.array(fc.tuple(pos(f), fc.nat(7)), { minLength: 1, maxLength: 6 }))), ([f, flips]) => {
      const b = ORIG[f]!.slice();
      for (const [p, bit] of flips) if (p < b.length) b[p]! ^= 1 << bit;
      check(b);
    }), runs(600));
  });
  it('byte and word overwrites with interesting values', () => {
    const val = fc.constantFrom(0, 1, 0xff, 0x7f, 0x80, 0xfffffff8, 0xffffffff, 0x7fffffff, 8, 16, 24, 64);
    fc.assert(fc.property(file.chain((f) => fc.tuple(fc.constant(f), fc.array(fc.tuple(pos(f), val, fc.boolean()), { minLength: 1, maxLength: 4 }))), ([f, ws]) => {
      const b = ORIG[f]!.slice();
      const dv = new DataView(b.buffer);
      for (const [p, v, wide] of ws) {
        if (wide && p + 4 <= b.length) dv.setUint32(p, v >>> 0, true);
        else if (p < b.length) b[p] = v & 0xff;
      }
      check(b);
    }), runs(400));
  });
  it('truncation', () => {
    fc.assert(fc.property(file.chain((f) => fc.tuple(fc.constant(f), fc.nat(ORIG[f]!.length))), ([f, n]) => {
      check(ORIG[f]!.slice(0, n));
    }), runs(400));
  });
  it('splicing parts of other objects in', () => {
    fc.assert(fc.property(file.chain((f) => fc.tuple(fc.constant(f), pos(f))), file, fc.nat(), fc.nat(2048), ([f, to], g, from, len) => {
      const dst = ORIG[f]!.slice();
      const src = ORIG[g]!;
      const s = from % src.length;
      const piece = src.subarray(s, Math.min(src.length, s + len));
      dst.set(piece.subarray(0, Math.max(0, dst.length - to)), to);
      check(dst);
    }), runs(400));
  });
});

describe('resource bounds', () => {
  it('links a 12000-deep call chain without recursion', async () => {
    const { gunzipSync } = await import('node:zlib');
    const bytes = new Uint8Array(gunzipSync(readFileSync(new URL('deep_chain.o.gz', dir))));
    const spec = parseObject(bytes);
    const p = spec.programs[0]!;
    expect(p.name).toBe('chain');
    // every function appended once: chain + f0..f12000
    const calls = p.insns.filter((i) => i.opcode === 0x85 && i.src === 1);
    expect(calls.length).toBe(12001);
    const pcs = new Set(p.insns.map((i) => i.pc));
    for (const c of calls) expect(pcs.has(c.pc + c.imm + 1)).toBe(true);
  });
});

describe('CO-RE records mutated', () => {
  it('applying mutated CO-RE relocations fails only with typed errors', () => {
    const base = load('core.o');
    const elf = parseElf(base);
    const ext = elf.sections.find((s) => s.name === '.BTF.ext')!;
    const dv = new DataView(base.buffer, base.byteOffset);
    const hdr = dv.getUint32(ext.offset + 4, true);
    const start = ext.offset + hdr + dv.getUint32(ext.offset + 24, true);
    const len = dv.getUint32(ext.offset + 28, true);
    const targets = [parseObject(base).btf!, parseObject(load('multi.o')).btf!, parseObject(load('vmlinux_xdp.o')).btf!];
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(len - 1), fc.nat(255)), { minLength: 1, maxLength: 4 }), fc.nat(targets.length - 1), (edits, t) => {
      const b = base.slice();
      for (const [p, v] of edits) b[start + p] = v;
      try {
        parseObject(b, { coreTarget: targets[t]! });
      } catch (e) {
        if (!(e instanceof BpfError)) throw new Error(`non-BpfError thrown: ${(e as Error)?.stack ?? String(e)}`);
      }
    }), runs(300));
  });
});
