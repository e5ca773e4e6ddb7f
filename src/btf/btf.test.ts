import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../elf/index.js';
import { BtfKind, CORE_RELO_KIND_NAMES, dumpC, dumpRaw, dumpRawJson, parseBtf, parseBtfExt } from './index.js';

const dir = new URL('../../testdata/loader/', import.meta.url);
const OBJECTS = ['xdp_counter', 'xdp_counter.bpfeb', 'multi', 'multi.v4', 'legacy', 'calls', 'sections', 'kconfig', 'ksyms', 'core', 'maptypes'];
const btfOf = (o: string) => parseBtf(parseElf(new Uint8Array(readFileSync(new URL(`${o}.o`, dir)))).sectionBytes('.BTF'));
const golden = (f: string) => readFileSync(new URL(`btf/${f}`, dir), 'utf8');

describe('BTF dumps match bpftool (golden files)', () => {
  for (const o of OBJECTS) {
    it(`${o}: raw`, () => expect(dumpRaw(btfOf(o))).toBe(golden(`${o}.raw.txt`)));
    it(`${o}: format c`, () => expect(dumpC(btfOf(o))).toBe(golden(`${o}.c.txt`)));
    it(`${o}: -j`, () => expect(JSON.parse(dumpRawJson(btfOf(o)))).toEqual(JSON.parse(golden(`${o}.raw.json`))));
  }
});

const elfOf = (o: string) => parseElf(new Uint8Array(readFileSync(new URL(`${o}.o`, dir))));

describe('BTF.ext', () => {
  for (const o of OBJECTS) {
    it(`${o}: func info names every function at its offset; line info is ordered`, () => {
      const elf = elfOf(o);
      const btf = parseBtf(elf.sectionBytes('.BTF'));
      const ext = parseBtfExt(elf.sectionBytes('.BTF.ext'), btf);
      const exec = elf.sections.filter((s) => (s.flags & 4) !== 0 && s.size > 0);
      expect([...ext.funcInfo.keys()].sort()).toEqual(exec.map((s) => s.name).sort());
      for (const sec of exec) {
        const funcs = elf.symbols.filter((s) => s.shndx === sec.index && s.type === 2).sort((a, b) => a.value - b.value);
        const recs = ext.funcInfo.get(sec.name)!;
        expect(recs.map((r) => [r.insnOff, btf.type(r.typeId).name])).toEqual(funcs.map((f) => [f.value, f.name]));
        for (const r of recs) expect(btf.type(r.typeId).kind).toBe(BtfKind.FUNC);
        const lines = ext.lineInfo.get(sec.name)!;
        expect(lines.length).toBeGreaterThan(0);
        for (let i = 1; i < lines.length; i++) expect(lines[i]!.insnOff).toBeGreaterThanOrEqual(lines[i - 1]!.insnOff);
        for (const l of lines) {
          expect(l.insnOff % 8).toBe(0);
          expect(l.insnOff).toBeLessThan(sec.size);
          expect(l.fileName).toMatch(new RegExp(`${o.split('.')[0]}\\.c$`));
          expect(l.line).toBeGreaterThanOrEqual(0);
        }
      }
      expect(ext.funcInfoRecSize).toBe(8);
      expect(ext.lineInfoRecSize).toBe(16);
    });
  }
  it('line info text is the source line', () => {
    const elf = elfOf('xdp_counter');
    const ext = parseBtfExt(elf.sectionBytes('.BTF.ext'), parseBtf(elf.sectionBytes('.BTF')));
    const src = readFileSync(new URL('xdp_counter.c', dir), 'utf8').split('\n');
    for (const l of ext.lineInfo.get('xdp')!) {
      if (l.lineText) expect(src[l.line - 1]!.trim()).toBe(l.lineText.trim());
    }
  });
  it('CO-RE relocations agree with llvm-objdump', () => {
    const elf = elfOf('core');
    const btf = parseBtf(elf.sectionBytes('.BTF'));
    const ext = parseBtfExt(elf.sectionBytes('.BTF.ext'), btf);
    // llvm-objdump's annotations, per section
    const want = new Map<string, Array<{ off: number; kind: string | undefined; type: number; access: string | undefined }>>();
    let sec = '';
    for (const l of readFileSync(new URL('elf/core.objdump.txt', dir), 'utf8').split('\n')) {
      const h = /^Disassembly of section (.+):$/.exec(l);
      if (h) sec = h[1]!;
      const m = /^\s+([0-9a-f]+):\s+CO-RE <(\w+)> \[(\d+)\] [^(]*(?:\(([\d:]+)\))?/.exec(l);
      if (m) (want.get(sec) ?? want.set(sec, []).get(sec)!).push({ off: Number.parseInt(m[1]!, 16), kind: m[2], type: Number(m[3]), access: m[4] });
    }
    expect([...want.keys()].sort()).toEqual([...ext.coreRelos.keys()].sort());
    expect(want.get('kprobe/do_exit')!.length).toBe(7);
    expect(want.get('kprobe/kfree_skb')!.length).toBe(6);
    for (const [name, recs] of ext.coreRelos) {
      const got = recs.map((r) => ({ off: r.insnOff, kind: CORE_RELO_KIND_NAMES[r.kind], type: r.typeId, access: r.accessStr }));
      expect(got.map((g) => ({ ...g, access: g.kind === 'type_exists' || g.kind === 'enumval_value' ? undefined : g.access })), name).toEqual(want.get(name));
    }
    const got = ext.coreRelos.get('kprobe/do_exit')!.map((r) => ({ type: r.typeId }));
    expect(btf.type(got[0]!.type).name).toBe('task_struct');
    expect(ext.coreReloRecSize).toBe(16);
  });
});

describe('BTF type resolution', () => {
  it('sizes, alignment, names and pointer size', () => {
    const btf = btfOf('xdp_counter');
    expect(btf.pointerSize()).toBe(8);
    const ps = btf.findByName('proto_stats', BtfKind.STRUCT);
    expect(ps).toBeGreaterThan(0);
    expect(btf.resolveSize(ps)).toBe(16);
    expect(btf.alignOf(ps)).toBe(8);
    const u16 = btf.findByName('__u16');
    expect(btf.kindName(u16)).toBe('TYPEDEF');
    expect(btf.resolveSize(u16)).toBe(2);
    expect(btf.type(btf.skipModsAndTypedefs(u16)).name).toBe('unsigned short');
    expect(btf.findByName('no_such_type')).toBe(-1);
    expect(() => btf.type(9999)).toThrowError(/out of range/);
    // the VAR of a .rodata global resolves through const volatile
    const v = btf.findByName('min_len', BtfKind.VAR);
    expect(btf.resolveSize(v)).toBe(4);
  });
  it('big-endian BTF decodes to the same types', () => {
    const a = btfOf('xdp_counter'), b = btfOf('xdp_counter.bpfeb');
    expect(b.endian).toBe('big');
    expect(b.types.length).toBe(a.types.length);
    expect(dumpRaw(b)).toBe(dumpRaw(a));
  });
});

describe('mutated BTF: parse, then dump, never fail untyped', async () => {
  const fc = (await import('fast-check')).default;
  const { BpfError } = await import('../errors.js');
  const sources = ['xdp_counter', 'multi', 'core', 'xdp_counter.bpfeb'].map((o) => parseElf(new Uint8Array(readFileSync(new URL(`${o}.o`, dir)))));
  const blobs = sources.map((e) => ({ btf: e.sectionBytes('.BTF').slice(), ext: e.sectionBytes('.BTF.ext').slice() }));
  const factor = Math.max(1, Number(process.env.TSBPF_FUZZ ?? 1) || 1);
  it('bit flips and overwrites in .BTF and .BTF.ext', () => {
    fc.assert(fc.property(fc.nat(blobs.length - 1), fc.boolean(), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 6 }), (i, inExt, edits) => {
      const btfBytes = blobs[i]!.btf.slice();
      const extBytes = blobs[i]!.ext.slice();
      const target = inExt ? extBytes : btfBytes;
      for (const [p, v] of edits) target[p % target.length] = v;
      try {
        const btf = parseBtf(btfBytes);
        dumpRaw(btf);
        dumpRawJson(btf);
        dumpC(btf);
        parseBtfExt(extBytes, btf);
      } catch (e) {
        if (!(e instanceof BpfError)) throw new Error(`untyped failure: ${(e as Error)?.stack ?? String(e)}`);
      }
    }), { numRuns: 300 * factor });
  });
});
