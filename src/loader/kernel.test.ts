// Differential test against the kernel: load the test objects with `bpftool prog loadall`
// (libbpf), then compare our parse with what the kernel reports: program types and names,
// the maps each program uses and their definitions, map-in-map and prog-array initial
// contents, and the instructions after relocation (`prog dump xlated`: function layout,
// line info, map references, and for programs the kernel does not rewrite, the exact
// opcode sequence). Skips cleanly without a usable kernel.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bpftool, bpftoolJson, describeKernel, pinDir } from '../../test/support/kernel.js';
import { dumpRaw } from '../btf/index.js';
import type { MapSpec } from '../maps/types.js';
import { BPF_F_RDONLY_PROG, MapType, ProgType } from '../uapi/bpf.js';
import { formatLineInfo, lineInfoFor, objectNameFromPath, parseObject, type ObjectSpec, type ProgramSpec } from './index.js';

const dir = new URL('../../testdata/loader/', import.meta.url);

const PROG_TYPE_NAMES: Record<number, string> = {
  [ProgType.SOCKET_FILTER]: 'socket_filter', [ProgType.KPROBE]: 'kprobe', [ProgType.SCHED_CLS]: 'sched_cls',
  [ProgType.SCHED_ACT]: 'sched_act', [ProgType.TRACEPOINT]: 'tracepoint', [ProgType.XDP]: 'xdp',
};
const MAP_TYPE_NAMES: Record<number, string> = {
  [MapType.HASH]: 'hash', [MapType.ARRAY]: 'array', [MapType.PROG_ARRAY]: 'prog_array', [MapType.PERCPU_ARRAY]: 'percpu_array',
  [MapType.LRU_HASH]: 'lru_hash', [MapType.ARRAY_OF_MAPS]: 'array_of_maps', [MapType.HASH_OF_MAPS]: 'hash_of_maps',
  [MapType.RINGBUF]: 'ringbuf', [MapType.BLOOM_FILTER]: 'bloom_filter', [MapType.PERCPU_HASH]: 'percpu_hash',
  [MapType.LRU_PERCPU_HASH]: 'lru_percpu_hash', [MapType.PERF_EVENT_ARRAY]: 'perf_event_array', [MapType.CGROUP_ARRAY]: 'cgroup_array',
  [MapType.STACK_TRACE]: 'stack_trace', [MapType.DEVMAP]: 'devmap', [MapType.DEVMAP_HASH]: 'devmap_hash', [MapType.CPUMAP]: 'cpumap',
  [MapType.XSKMAP]: 'xskmap', [MapType.SOCKMAP]: 'sockmap', [MapType.SOCKHASH]: 'sockhash',
  [MapType.REUSEPORT_SOCKARRAY]: 'reuseport_sockarray', [MapType.LPM_TRIE]: 'lpm_trie', [MapType.QUEUE]: 'queue', [MapType.STACK]: 'stack',
};

interface KProg { id: number; type: string; name: string; map_ids?: number[] }
interface KMap { id: number; type: string; name: string; flags: number; bytes_key: number; bytes_value: number; max_entries: number; frozen: number; btf_id?: number }
interface KInsn { proto?: string; src?: string; disasm: string }

/**
 * Programs whose xlated code the kernel does not rewrite beyond 1:1 context-field loads
 * (no helper inlining), so the instruction stream must match ours opcode for opcode.
 */
const EXACT: Record<string, string[]> = {
  'xdp_counter.o': [],
  'multi.o': ['xdp_tail', 'xdp_tail2', 'tc_one', 'tc_two', 'cls_main', 'sock_filter', 'kp_unlink', 'tp_openat'],
  'multi.v4.o': ['xdp_tail', 'xdp_tail2', 'tc_one', 'tc_two', 'cls_main', 'sock_filter', 'kp_unlink', 'tp_openat'],
  'maptypes.o': ['uses_nothing'],
  'vmlinux_xdp.o': [], // xdp_md loads become u64 loads of xdp_buff fields
};

const trunc = (s: string) => s.slice(0, 15);
/** libbpf's sanitize_pin_path: bpffs names cannot hold '.'. */
const pinName = (s: string) => s.replace(/\./g, '_');

function compareMap(ours: MapSpec, k: KMap): void {
  expect(k.name, `map ${ours.name}`).toBe(trunc(ours.name));
  expect(k.type, `map ${ours.name} type`).toBe(MAP_TYPE_NAMES[ours.type]);
  expect(k.bytes_key, `map ${ours.name} key`).toBe(ours.keySize);
  expect(k.bytes_value, `map ${ours.name} value`).toBe(ours.valueSize);
  expect(k.max_entries, `map ${ours.name} max_entries`).toBe(ours.maxEntries);
  // the kernel makes device maps read-only for programs itself (dev_map_init_map)
  const added = ours.type === MapType.DEVMAP || ours.type === MapType.DEVMAP_HASH ? BPF_F_RDONLY_PROG : 0;
  expect(k.flags, `map ${ours.name} flags`).toBe(ours.flags | added);
  expect(k.frozen, `map ${ours.name} frozen`).toBe(ours.freeze ? 1 : 0);
}

function compareXlated(file: string, p: ProgramSpec, x: KInsn[]): void {
  const what = `${file}:${p.name}`;
  // functions: bpftool prints each func_info record's prototype at its instruction
  const kFuncs = x.filter((i) => i.proto !== undefined).map((i) => /(\w+)\(/.exec(i.proto!)![1]);
  expect(kFuncs, `${what} functions`).toEqual(p.funcInfo.map((f) => f.name));
  // map references: r = map[id:N] / map[id:N][0]+off
  const kRefs = x.filter((i) => /map\[id:\d+\]/.test(i.disasm)).map((i) => (/\]\[0\]\+(\d+)/.exec(i.disasm)?.[1] ?? 'map'));
  expect(kRefs, `${what} map references`).toEqual(p.mapRefs.map((r) => (r.kind === 'map' ? 'map' : String(r.offset))));
  // (bpftool's JSON writer turns a backslash in a source line into a newline: undo that)
  const kSrc = x.filter((i) => i.src !== undefined).map((i) => i.src!.replace(/\n/g, '\\').trim());
  const ourSrc = p.lineInfo.map((l) => l.text.trim());
  if (EXACT[file]!.includes(p.name)) {
    expect(x.length, `${what} instruction count`).toBe(p.insns.length);
    expect(x.map((i) => i.disasm.slice(1, 3)), `${what} opcodes`).toEqual(p.insns.map((i) => i.opcode.toString(16).padStart(2, '0')));
    expect(kSrc, `${what} line info`).toEqual(ourSrc);
    // jumps and calls keep their targets
    x.forEach((k, n) => {
      const m = /(goto|call) pc([+-]\d+)/.exec(k.disasm);
      const ours = p.insns[n]!;
      if (m) expect(Number(m[2]), `${what} insn ${n}`).toBe(m[1] === 'call' ? ours.imm : ours.off);
    });
  } else {
    // the kernel inlined helpers: our instructions are fewer, and every source line it
    // kept is one of ours
    expect(x.length, `${what} instruction count`).toBeGreaterThanOrEqual(p.insns.length);
    for (const s of kSrc) expect(ourSrc, `${what} line '${s}'`).toContain(s);
  }
}

for (const file of ['xdp_counter.o', 'multi.o', 'multi.v4.o', 'maptypes.o', 'vmlinux_xdp.o']) {
  describeKernel(`kernel agrees with the parse of ${file}`, () => {
    let pins: ReturnType<typeof pinDir>;
    let spec: ObjectSpec;
    let loaded = false;
    const logs = new Map<string, string>();
    const mapFiles = () => (existsSync(`${pins.path}/maps`) ? readdirSync(`${pins.path}/maps`) : []);
    beforeAll(() => {
      pins = pinDir('loader');
      spec = parseObject(new Uint8Array(readFileSync(new URL(file, dir))), { name: objectNameFromPath(file) });
      const path = new URL(file, dir).pathname;
      const r = bpftool(['-d', 'prog', 'loadall', path, `${pins.path}/progs`, 'pinmaps', `${pins.path}/maps`]);
      if (r.status !== 0) throw new Error(`bpftool prog loadall ${file}: ${r.stderr}`);
      // verifier logs, per program (libbpf prints them with -d)
      for (const m of r.stderr.matchAll(/libbpf: prog '(\w+)': -- BEGIN PROG LOAD LOG --\n([\s\S]*?)-- END PROG LOAD LOG --/g)) logs.set(m[1]!, m[2]!);
      loaded = true;
    });
    afterAll(() => pins?.remove());

    it('programs, their types and their maps', () => {
      expect(loaded).toBe(true);
      for (const p of spec.programs) {
        const k = bpftoolJson<KProg>(['prog', 'show', 'pinned', `${pins.path}/progs/${p.name}`]);
        expect(k.name).toBe(trunc(p.name));
        expect(k.type, p.name).toBe(PROG_TYPE_NAMES[p.type]);
        const kMaps = (k.map_ids ?? []).map((id) => bpftoolJson<KMap>(['map', 'show', 'id', String(id)]));
        // libbpf binds the object's first .rodata* map to every program (bpf_prog_bind_map)
        const used = new Set(p.mapRefs.map((r) => trunc(r.map)));
        const rodata = spec.maps.find((m) => m.freeze && m.type === MapType.ARRAY);
        if (rodata) used.add(trunc(rodata.name));
        expect(kMaps.map((m) => m.name).sort(), `${p.name} map_ids`).toEqual([...used].sort());
        for (const km of kMaps) compareMap(spec.maps.find((m) => trunc(m.name) === km.name)!, km);
      }
    });

    it('every map definition', () => {
      // libbpf pins under the full (sanitised) name; the kernel and our spec keep 15 characters
      const byName = new Map<string, KMap>();
      for (const f of mapFiles()) {
        const k = bpftoolJson<KMap>(['map', 'show', 'pinned', `${pins.path}/maps/${f}`]);
        byName.set(k.name, k);
      }
      expect([...byName.keys()].sort()).toEqual(spec.maps.map((m) => m.name).sort());
      for (const m of spec.maps) compareMap(m, byName.get(m.name)!);
    });

    it('map key/value BTF as the kernel keeps it (btf dump map ... kv)', () => {
      for (const f of mapFiles()) {
        const path = `${pins.path}/maps/${f}`;
        const k = bpftoolJson<KMap>(['map', 'show', 'pinned', path]);
        const m = spec.maps.find((x) => x.name === k.name)!;
        const ours = m.btfKeyTypeId !== undefined || m.btfValueTypeId !== undefined;
        expect(ours, `${m.name}: has BTF`).toBe((k.btf_id ?? 0) !== 0);
        if (!ours) continue;
        const line = (id: number | undefined) => (id ? dumpRaw(spec.btf!, [id]) : "[0] UNKNOWN '(anon)'\n");
        const r = bpftool(['btf', 'dump', 'map', 'pinned', path, 'kv']);
        expect(r.stdout, m.name).toBe(line(m.btfKeyTypeId) + line(m.btfValueTypeId));
      }
    });

    it('initial contents of prog arrays and map-in-map', () => {
      for (const m of spec.maps) {
        if (m.type !== MapType.PROG_ARRAY && m.type !== MapType.ARRAY_OF_MAPS) continue;
        const dump = bpftoolJson<Array<{ key: string[]; value: string[] }>>(['map', 'dump', 'pinned', `${pins.path}/maps/${pinName(m.name)}`]);
        const got = dump.map((e) => {
          const key = Number.parseInt(e.key.slice().reverse().join('').replace(/0x/g, ''), 16);
          const id = Number.parseInt(e.value.slice().reverse().join('').replace(/0x/g, ''), 16);
          const name = m.type === MapType.PROG_ARRAY
            ? bpftoolJson<KProg>(['prog', 'show', 'id', String(id)]).name
            : bpftoolJson<KMap>(['map', 'show', 'id', String(id)]).name;
          return [key, name];
        });
        const want = (m.contents ?? []).map((c) => [new DataView(c.key.buffer).getUint32(0, true),
          trunc('program' in (c.value as object) ? (c.value as { program: string }).program : (c.value as { map: string }).map)]);
        expect(got, m.name).toEqual(want);
      }
    });

    it('BTF as loaded into the kernel (DATASEC sizes and offsets fixed up as libbpf does)', () => {
      const k = bpftoolJson<KProg & { btf_id?: number }>(['prog', 'show', 'pinned', `${pins.path}/progs/${spec.programs[0]!.name}`]);
      expect(k.btf_id).toBeGreaterThan(0);
      const want = bpftool(['btf', 'dump', 'id', String(k.btf_id)]);
      expect(want.status).toBe(0);
      expect(dumpRaw(spec.btf!)).toBe(want.stdout);
    });

    it("source lines in the verifier's log are ours, at the same instructions", () => {
      let checked = 0;
      for (const p of spec.programs) {
        const log = logs.get(p.name);
        expect(log, `verifier log of ${p.name}`).toBeDefined();
        const lines = log!.split('\n');
        // func#N @off: the subprogram layout
        const funcs = lines.map((l) => /^func#(\d+) @(\d+)$/.exec(l)).filter((m) => m).map((m) => Number(m![2]));
        expect(funcs, `${p.name} func#`).toEqual(p.funcInfo.map((f) => f.insnOff));
        lines.forEach((l, i) => {
          if (!l.startsWith('; ')) return;
          const next = lines.slice(i + 1).find((x) => /^\d+: \(/.test(x));
          if (!next) return;
          const pc = Number(next.split(':')[0]);
          const ours = lineInfoFor(p, pc);
          expect(ours && formatLineInfo(ours), `${p.name} insn ${pc}`).toBe(l);
          checked++;
        });
      }
      expect(checked).toBeGreaterThan(0);
    });

    it('instructions after relocation (prog dump xlated)', () => {
      for (const p of spec.programs) {
        const x = bpftoolJson<KInsn[]>(['prog', 'dump', 'xlated', 'pinned', `${pins.path}/progs/${p.name}`]);
        compareXlated(file, p, x);
      }
    });
  });
}

describeKernel('CO-RE against the running kernel agrees with libbpf (core.o: fields, bitfields, enums, existence)', () => {
  let pins: ReturnType<typeof pinDir>;
  beforeAll(() => {
    pins = pinDir('loader-core');
    const r = bpftool(['prog', 'loadall', new URL('core.o', dir).pathname, `${pins.path}/progs`]);
    if (r.status !== 0) throw new Error(`bpftool prog loadall core.o: ${r.stderr}`);
  });
  afterAll(() => pins?.remove());

  it('every relocated instruction holds what libbpf put there', async () => {
    const { parseBtf } = await import('../btf/index.js');
    const kbtf = parseBtf(new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux')));
    const spec = parseObject(new Uint8Array(readFileSync(new URL('core.o', dir))), { coreTarget: kbtf });
    let compared = 0;
    for (const p of spec.programs) {
      const x = bpftoolJson<KInsn[]>(['prog', 'dump', 'xlated', 'pinned', `${pins.path}/progs/${p.name}`]);
      // xlated lists one entry per instruction (lddw counts once): index by slot
      const bySlot = new Map<number, KInsn>();
      let slot = 0;
      for (const k of x) {
        bySlot.set(slot, k);
        slot += k.disasm.startsWith('(18)') ? 2 : 1;
      }
      for (const r of spec.btfExt!.coreRelos.get(p.section)!) {
        const pc = r.insnOff / 8;
        const ours = p.insns.find((i) => i.pc === pc)!;
        const k = bySlot.get(pc);
        // the kernel drops code it proves dead (branches on constants), which shifts later
        // instructions: compare where the opcode still lines up
        if (!k || k.disasm.slice(1, 3) !== ours.opcode.toString(16).padStart(2, '0')) continue;
        const imm = /= (0x[0-9a-f]+|-?\d+)$/.exec(k.disasm)![1]!;
        expect(Number(imm), `insn ${pc}: ${k.disasm}`).toBe(ours.imm);
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(9);
  });
});
