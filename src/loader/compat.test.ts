// Loader behaviour on constructs of real-world objects (vbpf/ebpf-samples: Cilium, iproute2,
// samples/bpf), checked against what libbpf does with them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
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
