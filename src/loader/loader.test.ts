import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../elf/index.js';
import { slotCount, type Insn } from '../isa/insn.js';
import type { MapSpec } from '../maps/types.js';
import {
  AttachType, BPF_F_MMAPABLE, BPF_F_NO_PREALLOC, BPF_F_RDONLY_PROG, BPF_F_SLEEPABLE, BPF_F_XDP_HAS_FRAGS, MapType, ProgType,
} from '../uapi/bpf.js';
import {
  internalMapName, LoaderError, objectNameFromPath, parseObject, progTypeBySection, sectionInfo, type ObjectSpec, type ProgramSpec,
} from './index.js';

const dir = new URL('../../testdata/loader/', import.meta.url);
const load = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));
const parse = (f: string) => parseObject(load(f), { name: objectNameFromPath(f) });
const prog = (s: ObjectSpec, name: string): ProgramSpec => {
  const p = s.programs.find((x) => x.name === name);
  if (!p) throw new Error(`no program ${name}`);
  return p;
};
const map = (s: ObjectSpec, name: string): MapSpec => {
  const m = s.maps.find((x) => x.name === name);
  if (!m) throw new Error(`no map ${name}`);
  return m;
};
const u32 = (b: Uint8Array, le: boolean) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(0, le);

/** Pseudo calls and function-address lddws land on func_info boundaries. */
function checkCalls(p: ProgramSpec): void {
  const starts = new Set(p.funcInfo.map((f) => f.insnOff));
  const byPc = new Map<number, Insn>(p.insns.map((i) => [i.pc, i]));
  for (const i of p.insns) {
    if ((i.opcode === 0x85 && i.src === 1) || (i.opcode === 0x18 && i.src === 4)) {
      const target = i.pc + i.imm + 1;
      expect(byPc.has(target), `${p.name} insn ${i.pc} target ${target}`).toBe(true);
      expect(starts.has(target), `${p.name} insn ${i.pc} target ${target} is a function start`).toBe(true);
    }
  }
}

/** Functions of an ELF object by name: size in slots. */
function funcSlots(file: string): Map<string, number> {
  const elf = parseElf(load(file));
  return new Map(elf.symbols.filter((s) => s.type === 2).map((s) => [s.name, s.size / 8]));
}

describe('section table', () => {
  it('maps section names as libbpf does', () => {
    expect(sectionInfo('xdp')).toMatchObject({ type: ProgType.XDP, expectedAttachType: AttachType.XDP, flags: 0, attachTo: '' });
    expect(sectionInfo('xdp.frags')).toMatchObject({ type: ProgType.XDP, flags: BPF_F_XDP_HAS_FRAGS });
    expect(sectionInfo('xdp/cpumap')).toMatchObject({ type: ProgType.XDP, expectedAttachType: AttachType.XDP_CPUMAP });
    expect(sectionInfo('tc/ingress')).toMatchObject({ type: ProgType.SCHED_CLS, expectedAttachType: AttachType.TCX_INGRESS });
    expect(sectionInfo('kprobe/do_sys_open')).toMatchObject({ type: ProgType.KPROBE, attachTo: 'do_sys_open' });
    expect(sectionInfo('kprobe')).toMatchObject({ type: ProgType.KPROBE, attachTo: '' });
    expect(sectionInfo('uprobe.s/bin/sh:main')).toMatchObject({ type: ProgType.KPROBE, flags: BPF_F_SLEEPABLE, attachTo: 'bin/sh:main' });
    expect(sectionInfo('lsm.s/file_open')).toMatchObject({ type: ProgType.LSM, expectedAttachType: AttachType.LSM_MAC, flags: BPF_F_SLEEPABLE });
    expect(sectionInfo('cgroup/sock')).toMatchObject({ type: ProgType.CGROUP_SOCK, expectedAttachType: AttachType.CGROUP_INET_SOCK_CREATE });
    expect(sectionInfo('sk_skb/stream_parser')).toMatchObject({ type: ProgType.SK_SKB, expectedAttachType: AttachType.SK_SKB_STREAM_PARSER });
    expect(sectionInfo('sk_skb')).toMatchObject({ type: ProgType.SK_SKB, expectedAttachType: 0 });
    // "type+" needs an exact match or a '/' separator; exact names match exactly
    expect(sectionInfo('kprobex')).toBeUndefined();
    expect(sectionInfo('socket1')).toBeUndefined();
    expect(sectionInfo('xdp_foo')).toBeUndefined();
    expect(sectionInfo('tc/other')).toBeUndefined();
  });
  it('reports an unknown name with ESRCH, like libbpf_prog_type_by_name', () => {
    expect(progTypeBySection('classifier')).toEqual({ type: ProgType.SCHED_CLS, expectedAttachType: 0 });
    try {
      progTypeBySection('nope');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LoaderError);
      expect((e as LoaderError).errno).toBe(3);
      expect((e as Error).message).toContain("failed to guess program type from ELF section 'nope'");
    }
  });
});

describe('names', () => {
  it('derives the object name from a path as libbpf does', () => {
    expect(objectNameFromPath('/a/b/xdp_counter.bpf.o')).toBe('xdp_counter');
    expect(objectNameFromPath('prog.o')).toBe('prog');
    expect(objectNameFromPath('a_very_long_object_name.o')).toBe('a_very_long_obj');
  });
  it('names internal maps as libbpf does', () => {
    expect(internalMapName('my_object_name', '.rodata')).toBe('my_objec.rodata');
    expect(internalMapName('my_object_name', '.bss')).toBe('my_objec.bss');
    expect(internalMapName('my_object_name', '.kconfig')).toBe('my_obje.kconfig');
    expect(internalMapName('my_object_name', '.rodata.abracadabra')).toBe('.rodata.abracad');
    expect(internalMapName('prog', '.data')).toBe('prog.data');
    expect(internalMapName('x-y', '.bss')).toBe('x_y.bss');
  });
});

describe('xdp_counter.o (little and big endian)', () => {
  for (const file of ['xdp_counter.o', 'xdp_counter.bpfeb.o']) {
    it(`parses ${file}`, () => {
      const spec = parse(file);
      const le = !file.includes('bpfeb');
      expect(spec.endian).toBe(le ? 'little' : 'big');
      expect(spec.name).toBe('xdp_counter');
      expect(spec.license).toBe('GPL');
      expect(spec.btf).toBeDefined();
      expect(spec.btfExt).toBeDefined();
      expect(spec.programs.map((p) => p.name)).toEqual(['count_proto']);
      const p = spec.programs[0]!;
      expect(p).toMatchObject({ section: 'xdp', type: ProgType.XDP, expectedAttachType: AttachType.XDP, attachTo: '', flags: 0, license: 'GPL' });
      // main, then the subprograms it calls (count is static, classify global), in call order
      expect(p.funcInfo.map((f) => f.name)).toEqual(['count_proto', 'count', 'classify']);
      expect(p.funcInfo[0]!.insnOff).toBe(0);
      expect(p.btfFuncId).toBe(p.funcInfo[0]!.typeId);
      checkCalls(p);
      const slots = funcSlots(file);
      expect(slotCount(p.insns)).toBe(slots.get('count_proto')! + slots.get('count')! + slots.get('classify')!);
      expect(p.funcInfo[1]!.insnOff).toBe(slots.get('count_proto'));
      expect(p.funcInfo[2]!.insnOff).toBe(slots.get('count_proto')! + slots.get('count')!);

      expect(spec.maps.map((m) => m.name)).toEqual(['verdicts', 'proto_cnt', 'xdp_coun.bss', 'xdp_coun.data', 'xdp_coun.rodata', '.rodata.str1.1']);
      expect(map(spec, 'proto_cnt')).toMatchObject({ type: MapType.HASH, keySize: 2, valueSize: 16, maxEntries: 256, flags: 0 });
      expect(map(spec, 'verdicts')).toMatchObject({ type: MapType.PERCPU_ARRAY, keySize: 4, valueSize: 8, maxEntries: 4, flags: 0 });
      // BTF ids for formatting: key __u16, value struct proto_stats
      const btf = spec.btf!;
      const pc = map(spec, 'proto_cnt');
      expect(pc.btf).toBe(btf);
      expect(btf.type(pc.btfKeyTypeId!).name).toBe('__u16');
      expect(btf.type(pc.btfValueTypeId!).name).toBe('proto_stats');
      const ro = map(spec, 'xdp_coun.rodata');
      expect(ro).toMatchObject({ type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, flags: BPF_F_RDONLY_PROG | BPF_F_MMAPABLE, freeze: true });
      expect(u32(ro.contents![0]!.value as Uint8Array, le)).toBe(14);
      // global data maps' value type is the (fixed-up) DATASEC
      const ds = btf.type(ro.btfValueTypeId!);
      expect(ds.kind).toBe(15);
      expect(ds.name).toBe('.rodata');
      expect((ds as { size: number }).size).toBe(4);
      const data = map(spec, 'xdp_coun.data');
      expect(data).toMatchObject({ valueSize: 4, flags: BPF_F_MMAPABLE });
      expect(data.freeze).toBeUndefined();
      expect(u32(data.contents![0]!.value as Uint8Array, le)).toBe(0x86dd);
      const bss = map(spec, 'xdp_coun.bss');
      expect(bss).toMatchObject({ valueSize: 8, flags: BPF_F_MMAPABLE });
      expect(bss.contents).toBeUndefined();
      const str = map(spec, '.rodata.str1.1');
      expect(new TextDecoder().decode(str.contents![0]!.value as Uint8Array)).toBe('short packet\n\0');
      expect(str.flags).toBe(BPF_F_RDONLY_PROG | BPF_F_MMAPABLE);

      // map references: lddw with the pseudo source set and imm cleared
      expect(p.mapRefs.map((r) => r.map).sort()).toEqual(['.rodata.str1.1', 'proto_cnt', 'proto_cnt', 'verdicts', 'xdp_coun.bss', 'xdp_coun.data', 'xdp_coun.rodata']);
      for (const r of p.mapRefs) {
        const insn = p.insns.find((i) => i.pc === r.insn)!;
        expect(insn.opcode).toBe(0x18);
        expect(insn.src).toBe(r.kind === 'map' ? 1 : 2);
        expect(insn.imm).toBe(0);
        expect(insn.imm2).toBe(r.kind === 'map' ? 0 : r.offset);
        expect(insn.form).toBeDefined();
      }
      // line info: sorted, within the program, covering the subprograms
      expect(p.lineInfo.length).toBeGreaterThan(10);
      expect(p.lineInfo.every((l, i, a) => i === 0 || a[i - 1]!.insnOff <= l.insnOff)).toBe(true);
      expect(p.lineInfo.every((l) => l.insnOff < slotCount(p.insns) && l.file.endsWith('xdp_counter.c'))).toBe(true);
      expect(p.lineInfo[0]!.insnOff).toBe(0);
      const l = p.lineInfo.find((x) => x.text.includes('total_packets++'))!;
      expect(l.line).toBe(readFileSync(new URL('xdp_counter.c', dir), 'utf8').split('\n').findIndex((s) => s.includes('total_packets++')) + 1);
      expect(p.lineInfo.some((x) => x.insnOff >= p.funcInfo[2]!.insnOff && x.text.includes('drop_proto'))).toBe(true);
    });
  }
  it('big and little endian objects agree on everything but byte order', () => {
    const a = parse('xdp_counter.o'), b = parse('xdp_counter.bpfeb.o');
    const strip = (s: ObjectSpec) => s.maps.map((m) => ({ ...m, btf: undefined, btfKeyTypeId: undefined, btfValueTypeId: undefined, contents: m.contents?.length }));
    expect(strip(a)).toEqual(strip(b));
  });
});

describe('multi.o (several programs per section, subprograms, map-in-map, prog array)', () => {
  for (const file of ['multi.o', 'multi.v4.o']) {
    it(`parses ${file}`, () => {
      const spec = parse(file);
      expect(spec.programs.map((p) => `${p.section}:${p.name}`)).toEqual([
        'xdp:xdp_tail', 'xdp:xdp_tail2', 'xdp:xdp_main', 'tc:tc_one', 'tc:tc_two', 'classifier:cls_main', 'socket:sock_filter',
        'kprobe/do_unlinkat:kp_unlink', 'tracepoint/syscalls/sys_enter_openat:tp_openat',
      ]);
      expect(prog(spec, 'tc_one')).toMatchObject({ type: ProgType.SCHED_CLS, expectedAttachType: 0 });
      expect(prog(spec, 'sock_filter')).toMatchObject({ type: ProgType.SOCKET_FILTER });
      expect(prog(spec, 'kp_unlink')).toMatchObject({ type: ProgType.KPROBE, attachTo: 'do_unlinkat' });
      expect(prog(spec, 'tp_openat')).toMatchObject({ type: ProgType.TRACEPOINT, attachTo: 'syscalls/sys_enter_openat' });
      for (const p of spec.programs) checkCalls(p);
      // .text subprograms are appended to every program that calls them, transitively
      expect(prog(spec, 'tc_one').funcInfo.map((f) => f.name)).toEqual(['tc_one', 'twice', 'add_one']);
      expect(prog(spec, 'tp_openat').funcInfo.map((f) => f.name)).toEqual(['tp_openat', 'twice', 'add_one']);
      expect(prog(spec, 'cls_main').funcInfo.map((f) => f.name)).toEqual(['cls_main', 'add_one']);
      expect(prog(spec, 'xdp_tail2').funcInfo.map((f) => f.name)).toEqual(['xdp_tail2']);
      // the bpf_loop callback is referenced by a BPF_PSEUDO_FUNC lddw and appended
      const main = prog(spec, 'xdp_main');
      expect(main.funcInfo.map((f) => f.name)).toEqual(['xdp_main', 'loop_cb', 'twice', 'add_one']);
      const fnAddr = main.insns.filter((i) => i.opcode === 0x18 && i.src === 4);
      expect(fnAddr.length).toBe(1);
      expect(fnAddr[0]!.pc + fnAddr[0]!.imm + 1).toBe(main.funcInfo[1]!.insnOff);
      expect(main.mapRefs.map((r) => [r.kind, r.map])).toEqual([
        ['map_value', '.data.custom'], ['map_value', '.rodata.custom'], ['map_value', 'multi.bss'], ['map', 'outer'], ['map', 'jmp_table'],
      ]);
      expect(prog(spec, 'kp_unlink').mapRefs.map((r) => r.map)).toEqual(['multi.bss', 'a_map_with_a_lo', 'multi.bss']);

      expect(spec.maps.map((m) => m.name)).toEqual([
        'inner_a', 'inner_b', 'outer', 'jmp_table', 'events', 'lru', 'bloom', 'a_map_with_a_lo', 'outer_hash', '.data.custom', '.rodata.custom', 'multi.bss',
      ]);
      const outer = map(spec, 'outer');
      expect(outer).toMatchObject({ type: MapType.ARRAY_OF_MAPS, keySize: 4, valueSize: 4, maxEntries: 4 });
      expect(outer.innerMap).toMatchObject({ name: 'outer.inner', type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 2 });
      expect(outer.contents!.map((c) => [u32(c.key, true), c.value])).toEqual([[0, { map: 'inner_a' }], [2, { map: 'inner_b' }]]);
      const oh = map(spec, 'outer_hash');
      expect(oh).toMatchObject({ type: MapType.HASH_OF_MAPS, keySize: 4, valueSize: 4, maxEntries: 8, flags: BPF_F_NO_PREALLOC });
      expect(oh.innerMap).toMatchObject({ name: 'outer_hash.inne', type: MapType.HASH, keySize: 8, valueSize: 8, maxEntries: 16 });
      expect(oh.contents).toBeUndefined();
      const jt = map(spec, 'jmp_table');
      expect(jt).toMatchObject({ type: MapType.PROG_ARRAY, keySize: 4, valueSize: 4, maxEntries: 3 });
      expect(jt.contents!.map((c) => [u32(c.key, true), c.value])).toEqual([[1, { program: 'xdp_tail' }], [2, { program: 'xdp_tail2' }]]);
      expect(map(spec, 'events')).toMatchObject({ type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 8192 });
      expect(map(spec, 'lru')).toMatchObject({ type: MapType.LRU_HASH, keySize: 4, valueSize: 8, maxEntries: 128 });
      expect(map(spec, 'bloom')).toMatchObject({ type: MapType.BLOOM_FILTER, keySize: 0, valueSize: 4, maxEntries: 64, mapExtra: 3n });
      expect(map(spec, '.data.custom')).toMatchObject({ type: MapType.ARRAY, valueSize: 4, flags: BPF_F_MMAPABLE });
      expect(map(spec, '.rodata.custom')).toMatchObject({ valueSize: 8, flags: BPF_F_RDONLY_PROG | BPF_F_MMAPABLE, freeze: true });
      expect(new TextDecoder().decode(map(spec, '.rodata.custom').contents![0]!.value as Uint8Array)).toBe('custom!\0');
    });
  }
  it('the v4 object uses v4 instructions', () => {
    const spec = parse('multi.v4.o');
    const all = spec.programs.flatMap((p) => p.insns);
    expect(all.every((i) => i.form !== undefined)).toBe(true);
  });
});

describe('calls.o (calls into program sections, static functions in program sections)', () => {
  it('links cross-section and pc-relative calls', () => {
    const spec = parse('calls.o');
    // the static function in the xdp section is no program
    expect(spec.programs.map((p) => p.name)).toEqual(['xdp_shared', 'xdp_entry', 'tc_calls_xdp']);
    for (const p of spec.programs) checkCalls(p);
    expect(prog(spec, 'xdp_entry').funcInfo.map((f) => f.name)).toEqual(['xdp_entry', 'xdp_static_helper', 'text_leaf', 'xdp_shared']);
    expect(prog(spec, 'tc_calls_xdp').funcInfo.map((f) => f.name)).toEqual(['tc_calls_xdp', 'xdp_shared', 'xdp_static_helper', 'text_leaf']);
    const s = funcSlots('calls.o');
    expect(slotCount(prog(spec, 'tc_calls_xdp').insns)).toBe(s.get('tc_calls_xdp')! + s.get('xdp_shared')! + s.get('xdp_static_helper')! + s.get('text_leaf')!);
    // the original instructions are not modified by linking (each program gets copies)
    const shared = prog(spec, 'xdp_shared');
    const call = shared.insns.find((i) => i.opcode === 0x85)!;
    expect(call.pc + call.imm + 1).toBe(4);
  });
});

describe('legacy.o (maps section, version)', () => {
  it('reads struct bpf_map_def maps and the version', () => {
    const spec = parse('legacy.o');
    expect(spec.license).toBe('Dual BSD/GPL');
    expect(spec.kernelVersion).toBe(0x060c00);
    expect(spec.programs[0]).toMatchObject({ name: 'count_len', type: ProgType.SOCKET_FILTER, kernelVersion: 0x060c00, license: 'Dual BSD/GPL' });
    expect(spec.maps).toEqual([
      { name: 'pkt_count', type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 8, flags: 0 },
      { name: 'by_len', type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 1024, flags: BPF_F_NO_PREALLOC },
    ]);
    expect(spec.programs[0]!.mapRefs.map((r) => r.map)).toEqual(['pkt_count', 'by_len', 'by_len']);
  });
});

describe('sections.o (the section table on real objects)', () => {
  it('types every program by its section', () => {
    const spec = parse('sections.o');
    const t = (n: string) => prog(spec, n);
    expect(spec.programs.length).toBe(34);
    expect(t('s_optional')).toMatchObject({ section: 'xdp', type: ProgType.XDP, autoload: false });
    expect(t('s_xdp').autoload).toBeUndefined();
    expect(t('s_optional').lineInfo.length).toBeGreaterThan(0);
    expect(t('s_xdp_frags')).toMatchObject({ type: ProgType.XDP, expectedAttachType: AttachType.XDP, flags: BPF_F_XDP_HAS_FRAGS });
    expect(t('s_xdp_frags_cpumap')).toMatchObject({ type: ProgType.XDP, expectedAttachType: AttachType.XDP_CPUMAP, flags: BPF_F_XDP_HAS_FRAGS });
    expect(t('s_xdp_devmap')).toMatchObject({ expectedAttachType: AttachType.XDP_DEVMAP, flags: 0 });
    expect(t('s_tc_ingress')).toMatchObject({ type: ProgType.SCHED_CLS, expectedAttachType: AttachType.TCX_INGRESS });
    expect(t('s_tcx_egress')).toMatchObject({ type: ProgType.SCHED_CLS, expectedAttachType: AttachType.TCX_EGRESS });
    expect(t('s_action')).toMatchObject({ type: ProgType.SCHED_ACT });
    expect(t('s_cgroup_skb_ingress')).toMatchObject({ type: ProgType.CGROUP_SKB, expectedAttachType: AttachType.CGROUP_INET_INGRESS });
    expect(t('s_sk_skb_verdict')).toMatchObject({ type: ProgType.SK_SKB, expectedAttachType: AttachType.SK_SKB_STREAM_VERDICT });
    expect(t('s_sk_msg')).toMatchObject({ type: ProgType.SK_MSG, expectedAttachType: AttachType.SK_MSG_VERDICT });
    expect(t('s_sockops')).toMatchObject({ type: ProgType.SOCK_OPS, expectedAttachType: AttachType.CGROUP_SOCK_OPS });
    expect(t('s_flow_dissector')).toMatchObject({ type: ProgType.FLOW_DISSECTOR, expectedAttachType: AttachType.FLOW_DISSECTOR });
    expect(t('s_lwt_in')).toMatchObject({ type: ProgType.LWT_IN });
    expect(t('s_lwt_xmit')).toMatchObject({ type: ProgType.LWT_XMIT });
    expect(t('s_kretprobe')).toMatchObject({ type: ProgType.KPROBE, attachTo: 'do_sys_open' });
    expect(t('s_uprobe_s')).toMatchObject({ type: ProgType.KPROBE, flags: BPF_F_SLEEPABLE });
    expect(t('s_tp')).toMatchObject({ type: ProgType.TRACEPOINT, attachTo: 'sched/sched_switch' });
    expect(t('s_raw_tp')).toMatchObject({ type: ProgType.RAW_TRACEPOINT, attachTo: 'sched_switch' });
    expect(t('s_raw_tp_w')).toMatchObject({ type: ProgType.RAW_TRACEPOINT_WRITABLE });
    expect(t('s_perf_event')).toMatchObject({ type: ProgType.PERF_EVENT });
    expect(t('s_fentry')).toMatchObject({ type: ProgType.TRACING, expectedAttachType: AttachType.TRACE_FENTRY, attachTo: 'do_unlinkat' });
    expect(t('s_fexit')).toMatchObject({ type: ProgType.TRACING, expectedAttachType: AttachType.TRACE_FEXIT });
    expect(t('s_lsm_s')).toMatchObject({ type: ProgType.LSM, expectedAttachType: AttachType.LSM_MAC, flags: BPF_F_SLEEPABLE, attachTo: 'file_open' });
    expect(t('s_iter')).toMatchObject({ type: ProgType.TRACING, expectedAttachType: AttachType.TRACE_ITER, attachTo: 'task' });
    expect(t('s_connect4')).toMatchObject({ type: ProgType.CGROUP_SOCK_ADDR, expectedAttachType: AttachType.CGROUP_INET4_CONNECT });
    expect(t('s_sk_lookup')).toMatchObject({ type: ProgType.SK_LOOKUP, expectedAttachType: AttachType.SK_LOOKUP });
    expect(t('s_syscall')).toMatchObject({ type: ProgType.SYSCALL, flags: BPF_F_SLEEPABLE });
    expect(map(spec, 'pinned_lru')).toMatchObject({ pinning: 1, type: MapType.LRU_HASH });
  });
});

describe('options', () => {
  it("fails on an unknown section with libbpf's message", () => {
    try {
      parse('unknown.o');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LoaderError);
      expect((e as LoaderError).code).toBe('LOADER_SECTION');
      expect((e as LoaderError).errno).toBe(22);
      expect((e as Error).message).toContain("prog 'custom_prog': missing BPF prog type, check ELF section name 'my_custom/hook'");
    }
  });
  it('takes an explicit override (by section, or by function)', () => {
    const a = parseObject(load('unknown.o'), { sectionOverride: { 'my_custom/hook': { type: ProgType.SOCKET_FILTER } } });
    expect(a.programs[0]).toMatchObject({ name: 'custom_prog', section: 'my_custom/hook', type: ProgType.SOCKET_FILTER, expectedAttachType: 0 });
    const b = parseObject(load('xdp_counter.o'), { sectionOverride: (sec) => (sec === 'xdp' ? { type: ProgType.XDP, flags: BPF_F_XDP_HAS_FRAGS } : undefined) });
    expect(b.programs[0]).toMatchObject({ type: ProgType.XDP, flags: BPF_F_XDP_HAS_FRAGS, expectedAttachType: 0 });
    const c = parseObject(load('unknown.o'), { allowUnknownSections: true });
    expect(c.programs[0]!.type).toBe(0);
  });
  it('names global data maps after the object name', () => {
    expect(parseObject(load('xdp_counter.o')).maps.map((m) => m.name)).toContain('obj.bss');
    expect(parseObject(load('xdp_counter.o'), { name: 'verylongobjectname' }).maps.map((m) => m.name)).toContain('verylong.rodata');
  });
  it('is pure: parsing twice gives equal specs and leaves the input untouched', () => {
    const bytes = load('multi.o');
    const copy = bytes.slice();
    const a = parseObject(bytes), b = parseObject(bytes);
    expect(bytes).toEqual(copy);
    expect(a.programs).toEqual(b.programs);
  });
});

describe('externs', () => {
  it('says .kconfig values are not provided', () => {
    expect(() => parse('kconfig.o')).toThrowError(/extern 'LINUX_KERNEL_VERSION' \(\.kconfig\).*not provided/);
  });
  it('says .ksyms symbols are not provided', () => {
    expect(() => parse('ksyms.o')).toThrowError(/extern 'bpf_prog_active' \(\.ksyms\).*not provided/);
  });
});

describe('core.o (CO-RE relocations)', () => {
  it('without a target, keeps the records but does not apply them: instructions are as compiled', () => {
    const spec = parse('core.o');
    const p = prog(spec, 'core_read');
    expect(spec.btfExt!.coreRelos.get('kprobe/do_exit')!.length).toBe(7);
    const elf = parseElf(load('core.o'));
    const code = elf.sectionBytes('kprobe/do_exit');
    expect(slotCount(p.insns) * 8).toBe(code.length);
    // slot 1 is `r1 = 8` (offsetof(struct task_struct, parent) in the local definition)
    expect(p.insns.find((i) => i.pc === 1)).toMatchObject({ opcode: 0xb7, imm: 8 });
  });
});

describe('objects without BTF (built without -g)', () => {
  it('legacy maps and programs still parse, without func/line info', () => {
    const spec = parse('legacy.nobtf.o');
    expect(spec.btf).toBeUndefined();
    expect(spec.btfExt).toBeUndefined();
    expect(spec.maps.map((m) => m.name)).toEqual(['pkt_count', 'by_len']);
    const p = spec.programs[0]!;
    expect(p).toMatchObject({ name: 'count_len', lineInfo: [], funcInfo: [], btfFuncId: 0 });
    expect(p.insns).toEqual(parse('legacy.o').programs[0]!.insns);
  });
  it('BTF-defined maps need BTF', () => {
    expect(() => parse('xdp_counter.nobtf.o')).toThrowError(LoaderError);
    expect(() => parse('xdp_counter.nobtf.o')).toThrowError(/section '\.maps': BTF-defined maps need the \.BTF section/);
  });
});

describe('iproute2.o (struct bpf_elf_map)', () => {
  it('reads the first five fields of 36-byte definitions', () => {
    const spec = parse('iproute2.o');
    expect(spec.maps).toEqual([{ name: 'tc_stats', type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 2, flags: 0 }]);
    expect(spec.programs.map((p) => [p.name, p.type])).toEqual([['tc_count', ProgType.SCHED_CLS], ['tc_act', ProgType.SCHED_ACT]]);
    expect(prog(spec, 'tc_count').mapRefs).toEqual([expect.objectContaining({ kind: 'map', map: 'tc_stats' })]);
  });
});

describe('line info helpers', () => {
  it('finds and formats the source line of an instruction as the verifier prints it', async () => {
    const { lineInfoFor, lineInfoAt, formatLineInfo } = await import('./index.js');
    const p = prog(parse('multi.o'), 'xdp_tail');
    // subprogram add_one starts at slot 12 (see funcInfo); its first line is its signature
    const add = p.funcInfo.find((f) => f.name === 'add_one')!.insnOff;
    const l = lineInfoAt(p, add)!;
    const src = readFileSync(new URL('multi.c', dir), 'utf8').split('\n');
    const n = src.findIndex((s) => s.startsWith('static __attribute__((noinline)) int add_one')) + 1;
    expect(formatLineInfo(l)).toBe(`; static __attribute__((noinline)) int add_one(int x) @ multi.c:${n}`);
    expect(lineInfoFor(p, add + 1)!.insnOff).toBeGreaterThanOrEqual(add);
    expect(lineInfoFor(p, -1)).toBeUndefined();
    expect(formatLineInfo({ insnOff: 0, file: '/src/dir/prog.c', line: 12, col: 2, text: '\treturn ctx->data + 14 > ctx->data_end;' }))
      .toBe('; return ctx->data + 14 > ctx->data_end; @ prog.c:12');
  });
});

describe('maptypes.o (one map per type)', () => {
  it('keeps BTF key/value ids only where the kernel keeps them', async () => {
    const { MAP_TYPES_WITHOUT_BTF } = await import('./index.js');
    const spec = parse('maptypes.o');
    expect(spec.maps.length).toBe(20);
    for (const m of spec.maps) {
      const has = m.btfKeyTypeId !== undefined || m.btfValueTypeId !== undefined;
      expect(has, m.name).toBe(!MAP_TYPES_WITHOUT_BTF.has(m.type));
    }
    const lpm = map(spec, 'm_lpm');
    expect(lpm).toMatchObject({ type: MapType.LPM_TRIE, keySize: 8, valueSize: 4, flags: BPF_F_NO_PREALLOC });
    expect(spec.btf!.type(lpm.btfKeyTypeId!).name).toBe('lpm_key');
    expect(map(spec, 'm_stack_trace')).toMatchObject({ type: MapType.STACK_TRACE, keySize: 4, valueSize: 64 });
    expect(map(spec, 'm_queue')).toMatchObject({ type: MapType.QUEUE, keySize: 0, valueSize: 8 });
    expect(map(spec, 'm_bloom').btfKeyTypeId).toBeUndefined();
    expect(map(spec, 'm_bloom').btfValueTypeId).toBeGreaterThan(0);
  });
});

describe('map specs and the map validator', () => {
  it('every map of the kernel-loadable objects passes validateMapSpec (or is a type tsbpf does not run)', async () => {
    const { validateMapSpec } = await import('../maps/validate.js');
    for (const f of ['xdp_counter.o', 'multi.o', 'multi.v4.o', 'maptypes.o']) {
      for (const m of parse(f).maps) {
        for (const x of [m, ...(m.innerMap ? [m.innerMap] : [])]) {
          try {
            validateMapSpec(x, 2);
          } catch (e) {
            expect((e as { errno?: number }).errno, `${f}: ${x.name}: ${(e as Error).message}`).toBe(95);
          }
        }
      }
    }
  });
});

describe('vmlinux_xdp.o (built against a generated vmlinux.h)', () => {
  it('parses; CO-RE records on context and header accesses; code as compiled', () => {
    const spec = parse('vmlinux_xdp.o');
    const p = prog(spec, 'vmlinux_xdp');
    expect(p.type).toBe(ProgType.XDP);
    const relos = spec.btfExt!.coreRelos.get('xdp')!;
    expect(relos.map((r) => spec.btf!.type(r.typeId).name)).toEqual(['xdp_md', 'xdp_md', 'ethhdr', 'iphdr']);
    const code = parseElf(load('vmlinux_xdp.o')).sectionBytes('xdp');
    expect(slotCount(p.insns) * 8).toBe(code.length);
  });
});

describe('CO-RE relocations applied against a target BTF', () => {
  const code = (spec: ObjectSpec, name: string) => prog(spec, name).insns.map((i) => [i.pc, i.opcode, i.src, i.off, i.imm, i.imm2]);
  it('against the object itself: nothing changes', () => {
    for (const [f, p] of [['core.o', 'core_read'], ['vmlinux_xdp.o', 'vmlinux_xdp']] as const) {
      const plain = parse(f);
      expect(code(parseObject(load(f), { name: 'x', coreTarget: plain.btf! }), p)).toEqual(code(plain, p));
    }
  });
  it('against BTF without the types: exists → 0, the rest poisoned as libbpf does', async () => {
    const { CORE_POISON_IMM } = await import('./index.js');
    const other = parse('legacy.o').btf!; // no task_struct, no xdp_action
    const p = prog(parseObject(load('core.o'), { coreTarget: other }), 'core_read');
    const at = (pc: number) => p.insns.find((i) => i.pc === pc)!;
    // byte_off of parent / tgid: poisoned
    expect(at(1)).toMatchObject({ opcode: 0x85, src: 0, imm: CORE_POISON_IMM });
    expect(at(7)).toMatchObject({ opcode: 0x85, imm: CORE_POISON_IMM });
    // field_exists(pid) → 0, type_exists → 0
    expect(at(15)).toMatchObject({ opcode: 0xb7, imm: 0 });
    expect(at(20)).toMatchObject({ opcode: 0xb7, imm: 0 });
    // enum value in a lddw: both slots poisoned
    expect(at(25)).toMatchObject({ opcode: 0x85, imm: CORE_POISON_IMM });
    expect(at(26)).toMatchObject({ opcode: 0x85, imm: CORE_POISON_IMM });
    expect(slotCount(p.insns)).toBe(slotCount(prog(parse('core.o'), 'core_read').insns));
  });
  const vmlinux = '/sys/kernel/btf/vmlinux';
  it.skipIf(!existsSync(vmlinux))('against the running kernel (offsets from its BTF)', async () => {
    const { parseBtf, BtfKind } = await import('../btf/index.js');
    const kbtf = parseBtf(new Uint8Array(readFileSync(vmlinux)));
    const p = prog(parseObject(load('core.o'), { coreTarget: kbtf }), 'core_read');
    const at = (pc: number) => p.insns.find((i) => i.pc === pc)!;
    const ts = kbtf.type(kbtf.findByName('task_struct', BtfKind.STRUCT)) as { members: ReadonlyArray<{ name: string; bitOffset: number }> };
    const off = (n: string) => ts.members.find((m) => m.name === n)!.bitOffset / 8;
    expect(at(1).imm).toBe(off('parent'));
    expect(at(7).imm).toBe(off('tgid'));
    expect(at(15).imm).toBe(1);
    expect(at(17).imm).toBe(4);
    expect(at(20).imm).toBe(1);
    expect(at(25)).toMatchObject({ opcode: 0x18, imm: 2, imm2: 0 }); // XDP_PASS
    // a 3-bit bitfield: offset, size, shifts and signedness from the kernel's sk_buff
    const b = prog(parseObject(load('core.o'), { coreTarget: kbtf }), 'core_bitfield');
    const bat = (pc: number) => b.insns.find((i) => i.pc === pc)!;
    // pkt_type sits in anonymous members of sk_buff: find it, adding up their offsets
    type M = { name: string; type: number; bitOffset: number; bitfieldSize: number };
    const find = (id: number, name: string, base: number): M | undefined => {
      const t = kbtf.type(kbtf.skipModsAndTypedefs(id)) as { members?: ReadonlyArray<M> };
      for (const m of t.members ?? []) {
        if (m.name === name) return { ...m, bitOffset: base + m.bitOffset };
        if (!m.name) {
          const r = find(m.type, name, base + m.bitOffset);
          if (r) return r;
        }
      }
      return undefined;
    };
    const pt = find(kbtf.findByName('sk_buff', BtfKind.STRUCT), 'pkt_type', 0)!;
    expect(pt.bitfieldSize).toBe(3);
    expect(bat(3).imm).toBe(Math.floor(pt.bitOffset / 8));
    expect(bat(7).imm).toBe(1);
    expect(bat(10).imm).toBe(64 - (pt.bitOffset + 3 - bat(3).imm * 8));
    expect(bat(11).imm).toBe(0);
    expect(bat(13).imm).toBe(61);
    expect(bat(15).imm).toBe(61);
    // the vmlinux.h-built program was compiled against this kernel: nothing moves
    const v = parse('vmlinux_xdp.o');
    expect(code(parseObject(load('vmlinux_xdp.o'), { name: 'vmlinux_xdp', coreTarget: kbtf }), 'vmlinux_xdp')).toEqual(code(v, 'vmlinux_xdp'));
  });
});
