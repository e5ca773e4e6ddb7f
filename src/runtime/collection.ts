// Loading a whole object: create its maps (or reuse the caller's), fill prog arrays and
// map-in-map slots that name programs / maps, and load every program against those maps.

import type { ObjectSpec, ProgramSpec } from '../loader/types.js';
import { createMap } from '../maps/index.js';
import type { BpfMap } from '../maps/types.js';
import { ProgLoadError } from './errors.js';
import { loadProgram, type LoadedProgramImpl } from './program.js';
import { Runtime } from './runtime.js';
import { kernelVerifier } from './verify.js';
import type { Collection, LoadOptions } from './types.js';

/** LoadOptions with the runtime module's additions. */
export interface CollectionLoadOptions extends LoadOptions {
  /** Load only these programs (by name). */
  only?: readonly string[];
}

class CollectionImpl implements Collection {
  private closed = false;
  constructor(
    readonly runtime: Runtime,
    readonly spec: ObjectSpec,
    readonly programs: Record<string, LoadedProgramImpl>,
    readonly maps: Record<string, BpfMap>,
    private readonly created: BpfMap[],
  ) {}

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of Object.values(this.programs)) p.close();
    for (const m of this.created) {
      this.runtime.unregisterMap(m);
      m.destroy();
    }
  }
}

/** The caller's replacement for map `name` (own properties only: names come from the object). */
function replaced(opts: CollectionLoadOptions, name: string): BpfMap | undefined {
  return opts.replaceMaps && Object.hasOwn(opts.replaceMaps, name) ? opts.replaceMaps[name] : undefined;
}

export function loadCollection(spec: ObjectSpec, opts: CollectionLoadOptions = {}): Collection {
  const runtime = opts.runtime ?? new Runtime();
  const maps: Record<string, BpfMap> = Object.create(null) as Record<string, BpfMap>; // names come from the object: no prototype keys
  const created: BpfMap[] = [];
  const programs: Record<string, LoadedProgramImpl> = Object.create(null) as Record<string, LoadedProgramImpl>;
  try {
    for (const ms of spec.maps) {
      const given = replaced(opts, ms.name);
      if (given) { maps[ms.name] = given; continue; }
      const contents = ms.contents?.filter((c) => c.value instanceof Uint8Array);
      const m = createMap(runtime, { ...ms, ...(contents ? { contents } : {}) });
      maps[ms.name] = m;
      created.push(m);
    }
    const wanted = (p: ProgramSpec): boolean => !opts.only || opts.only.includes(p.name);
    for (const ps of spec.programs) {
      if (!wanted(ps)) continue;
      if (programs[ps.name]) throw new ProgLoadError(ps.name, 'two programs with this name', 22);
      programs[ps.name] = loadProgram(runtime, ps, {
        maps, logLevel: opts.logLevel ?? 0,
        // BPF_PROG_LOAD verifies: the kernel-compatible verifier unless the caller gives its own
        // hook or asks for an unverified run (which then runs with every access checked)
        ...(opts.unverified ? { unverified: true } : { verify: opts.verify ?? kernelVerifier }),
      });
    }
    // slots of prog arrays / map-in-map naming programs or maps (libbpf's .maps initialisers)
    for (const ms of spec.maps) {
      const m = maps[ms.name]!;
      if (replaced(opts, ms.name)) continue;
      for (const c of ms.contents ?? []) {
        if (c.value instanceof Uint8Array) continue;
        const v = new Uint8Array(4);
        if ('program' in c.value) {
          const p = programs[c.value.program];
          if (!p && opts.only && !opts.only.includes(c.value.program)) continue; // left out on purpose
          if (!p) throw new ProgLoadError(c.value.program, `program referenced by map ${ms.name} was not loaded`, 22);
          new DataView(v.buffer).setUint32(0, p.id, true);
        } else {
          const inner = maps[c.value.map];
          if (!inner) throw new ProgLoadError(ms.name, `map ${c.value.map} referenced by map ${ms.name} does not exist`, 22);
          new DataView(v.buffer).setUint32(0, inner.id, true);
        }
        m.update(c.key, v, 0);
      }
      if (ms.freeze && !m.frozen) m.freeze();
    }
  } catch (e) {
    for (const p of Object.values(programs)) p.close();
    for (const m of created) { runtime.unregisterMap(m); m.destroy(); }
    throw e;
  }
  return new CollectionImpl(runtime, spec, programs, maps, created);
}

export { loadProgram };
