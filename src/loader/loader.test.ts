import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { slotCount } from '../isa/insn.js';
import { MapType, ProgType, AttachType, BPF_F_RDONLY_PROG, BPF_F_MMAPABLE } from '../uapi/bpf.js';
import { parseObject } from './index.js';
import { parseElf } from '../elf/index.js';

const dir = new URL('../../testdata/loader/', import.meta.url);
const load = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));

describe('xdp_counter.o', () => {
  for (const file of ['xdp_counter.o', 'xdp_counter.bpfeb.o']) {
    it(`parses ${file}`, () => {
      const spec = parseObject(load(file), { name: 'xdp_counter' });
      expect(spec.endian).toBe(file.includes('bpfeb') ? 'big' : 'little');
      expect(spec.license).toBe('GPL');
      expect(spec.programs.map((p) => p.name)).toEqual(['count_proto']);
      const p = spec.programs[0]!;
      expect(p.section).toBe('xdp');
      expect(p.type).toBe(ProgType.XDP);
      expect(p.expectedAttachType).toBe(AttachType.XDP);
      // main + count + classify appended
      expect(p.funcInfo.map((f) => f.name)).toEqual(['count_proto', 'count', 'classify']);
      expect(p.funcInfo[0]!.insnOff).toBe(0);
      expect(p.btfFuncId).toBe(p.funcInfo[0]!.typeId);
      // every call lands on a func_info boundary
      const starts = new Set(p.funcInfo.map((f) => f.insnOff));
      for (const i of p.insns) {
        if (i.opcode === 0x85 && i.src === 1) expect(starts.has(i.pc + i.imm + 1)).toBe(true);
      }
      const names = spec.maps.map((m) => m.name);
      expect(names).toEqual(['verdicts', 'proto_cnt', 'xdp_coun.bss', 'xdp_coun.data', 'xdp_coun.rodata', '.rodata.str1.1']);
      const m = Object.fromEntries(spec.maps.map((x) => [x.name, x]));
      expect(m.proto_cnt).toMatchObject({ type: MapType.HASH, keySize: 2, valueSize: 16, maxEntries: 256, flags: 0 });
      expect(m.verdicts).toMatchObject({ type: MapType.PERCPU_ARRAY, keySize: 4, valueSize: 8, maxEntries: 4 });
      expect(m['xdp_coun.rodata']).toMatchObject({ type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, flags: BPF_F_RDONLY_PROG | BPF_F_MMAPABLE, freeze: true });
      expect(m['xdp_coun.bss']!.contents).toBeUndefined();
      const ro = m['xdp_coun.rodata']!.contents![0]!.value as Uint8Array;
      expect(new DataView(ro.buffer, ro.byteOffset).getUint32(0, spec.endian === 'little')).toBe(14);
      const str = m['.rodata.str1.1']!.contents![0]!.value as Uint8Array;
      expect(new TextDecoder().decode(str)).toBe('short packet\n\0');
      // map references are lddw with the pseudo source set and imm cleared
      expect(p.mapRefs.length).toBe(7);
      for (const r of p.mapRefs) {
        const insn = p.insns.find((i) => i.pc === r.insn)!;
        expect(insn.opcode).toBe(0x18);
        expect(insn.src).toBe(r.kind === 'map' ? 1 : 2);
        expect(insn.imm).toBe(0);
        expect(insn.form).toBeDefined();
      }
      expect(p.lineInfo.length).toBeGreaterThan(10);
      expect(p.lineInfo.every((l, i, a) => i === 0 || a[i - 1]!.insnOff <= l.insnOff)).toBe(true);
      expect(p.lineInfo.some((l) => l.text.includes('total_packets++'))).toBe(true);
      // linked = the three functions' code, nothing else
      const elf = parseElf(load(file));
      const size = (n: string) => elf.symbols.find((s) => s.name === n)!.size / 8;
      expect(slotCount(p.insns)).toBe(size('count_proto') + size('count') + size('classify'));
    });
  }
});
