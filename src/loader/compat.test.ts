// Loader behaviour on constructs of real-world objects (vbpf/ebpf-samples: Cilium, iproute2,
// samples/bpf), checked against what libbpf does with them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../elf/index.js';
import { MapType } from '../uapi/bpf.js';
import { LoaderError, parseObject } from './index.js';

const dir = new URL('../../testdata/loader/', import.meta.url);
const load = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));

describe('pinning values other than LIBBPF_PIN_NONE / LIBBPF_PIN_BY_NAME', () => {
  it('fails like libbpf by default', () => {
    // bpftool prog load pinning.o: "libbpf: map 'calls': invalid pinning value 16."
    let err: unknown;
    try { parseObject(load('pinning.o'), { name: 'pinning' }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(LoaderError);
    expect((err as Error).message).toContain("map 'calls': invalid pinning value 16.");
  });
  it('keeps the value as metadata with allowUnknownPinning', () => {
    const spec = parseObject(load('pinning.o'), { name: 'pinning', allowUnknownPinning: true });
    const calls = spec.maps.find((m) => m.name === 'calls')!;
    expect(calls).toMatchObject({ type: MapType.PROG_ARRAY, keySize: 4, valueSize: 4, maxEntries: 4, pinning: 16 });
    expect(spec.maps.find((m) => m.name === 'counts')).toMatchObject({ type: MapType.HASH, pinning: 1 });
    expect(spec.programs.map((p) => p.name)).toEqual(['pin_prog']);
    expect(spec.programs[0]!.mapRefs.map((r) => r.map).sort()).toEqual(['calls', 'counts']);
  });
});

describe('map names only unique past 15 characters', () => {
  // libbpf accepts them (checked: bpftool prog load of the .maps part gives two maps the
  // kernel names 'percpu_hash_map'); specs are keyed by name, so the full names are opt-in.
  it('fails with a clear error by default', () => {
    expect(() => parseObject(load('longnames.o'), { name: 'longnames' })).toThrow(/two maps are named 'percpu_hash_map'.*fullMapNames/);
  });
  it('keeps the full ELF names with fullMapNames, references stay distinct', () => {
    const spec = parseObject(load('longnames.o'), { name: 'longnames', fullMapNames: true });
    const byName = new Map(spec.maps.map((m) => [m.name, m]));
    expect(byName.get('percpu_hash_map_v4')).toMatchObject({ type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 4 });
    expect(byName.get('percpu_hash_map_v6')).toMatchObject({ type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 2 });
    expect(byName.get('legacy_counter_one')).toMatchObject({ type: MapType.ARRAY, valueSize: 8, maxEntries: 1 });
    expect(byName.get('legacy_counter_two')).toMatchObject({ type: MapType.ARRAY, valueSize: 4, maxEntries: 3 });
    const p = spec.programs[0]!;
    expect(p.mapRefs.map((r) => r.map)).toEqual(['percpu_hash_map_v4', 'percpu_hash_map_v6', 'legacy_counter_one', 'legacy_counter_two']);
  });
  it('short names are the same with and without fullMapNames', () => {
    const a = parseObject(load('pinning.o'), { name: 'pinning', allowUnknownPinning: true });
    const b = parseObject(load('pinning.o'), { name: 'pinning', allowUnknownPinning: true, fullMapNames: true });
    expect(b.maps.map((m) => m.name)).toEqual(a.maps.map((m) => m.name));
  });
});

describe('SHT_RELA code relocations (ovs datapath.o)', () => {
  // libbpf skips .rela* sections, leaving the lddws unrelocated; tsbpf refuses the object.
  it('fail with LOADER_RELOC naming the section', () => {
    const b = load('xdp_counter.o');
    const elf = parseElf(b);
    const rel = elf.sections.find((s) => s.type === 9 && elf.sections[s.info]?.name === 'xdp')!;
    expect(rel).toBeDefined();
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const sh = elf.header.shoff + rel.index * 64;
    dv.setUint32(sh + 4, 4, true); // sh_type = SHT_RELA
    dv.setBigUint64(sh + 32, BigInt(Math.floor(rel.size / 24) * 24), true); // sh_size
    dv.setBigUint64(sh + 56, 24n, true); // sh_entsize
    let err: unknown;
    try { parseObject(b, { name: 'xdp_counter' }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(LoaderError);
    expect((err as LoaderError).message).toContain(`section '${rel.name}'`);
    expect((err as LoaderError).message).toContain('relocation section type 4 (only SHT_REL is used for BPF code)');
  });
});
